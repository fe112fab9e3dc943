// SPDX-License-Identifier: GPL-2.0-only
/*
 * How namespaces and cgroups nest and who owns them.  The oracles are the
 * nsfs ioctls on /proc/PID/ns/<name> (NS_GET_USERNS for the owner,
 * NS_GET_PARENT for the parent of a user or pid namespace,
 * NS_GET_OWNER_UID for a user namespace's creator) and the cgroup
 * directories themselves (a cgroup's id is its directory's inode).
 *
 * Scenario: a child unshares a user namespace, then a nested one, then
 * net, uts and ipc namespaces (owned by the nested one) and a pid
 * namespace, and forks a grandchild into it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/nsfs.h>

#include "kselftest_harness.h"
#include "osm_test_util.h"

#define CGROOT	"/sys/fs/cgroup"

static const char *const owned[] = {
	"net", "uts", "ipc", "mnt", "cgroup", "time", "pid",
};

/* The graph's type name for /proc/PID/ns/<name>. */
static void ns_type(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s_ns", name);
}

/*
 * Run an nsfs ioctl on /proc/PID/ns/<name>: for NS_GET_USERNS and
 * NS_GET_PARENT the inode of the namespace it returns, for
 * NS_GET_OWNER_UID the uid.  -errno when the kernel refuses.
 */
static long long nsfs_ask(pid_t pid, const char *name, unsigned long req)
{
	char path[64];
	struct stat st;
	uid_t uid;
	int fd, nfd;

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (req == NS_GET_OWNER_UID) {
		nfd = ioctl(fd, req, &uid);
		close(fd);
		return nfd ? -errno : (long long)uid;
	}
	nfd = ioctl(fd, req);
	close(fd);
	if (nfd < 0)
		return -errno;
	nfd = fstat(nfd, &st) ? -errno : nfd;
	if (nfd < 0)
		return nfd;
	close(nfd);
	return st.st_ino;
}

/* The one node @n reaches by an edge of @kind, or NULL. */
static const struct osm_node *one_out(const struct osm_node *n,
				      const char *kind)
{
	const struct osm_edge *e;

	if (osm_test_out(n, kind, NULL, &e, 1) != 1)
		return NULL;
	return osm_edge__dst(e);
}

/*
 * Enter a new user namespace as its root, mapped to our own ids: the
 * creator of a nested one must have its ids mapped in the current one.
 */
static int enter_userns(void)
{
	char umap[32], gmap[32];

	/* Our ids as the parent namespace sees them: before unshare. */
	snprintf(umap, sizeof(umap), "0 %d 1", (int)geteuid());
	snprintf(gmap, sizeof(gmap), "0 %d 1", (int)getegid());
	if (unshare(CLONE_NEWUSER) ||
	    osm_test_write_small("/proc/self/uid_map", umap) ||
	    osm_test_write_small("/proc/self/setgroups", "deny") ||
	    osm_test_write_small("/proc/self/gid_map", gmap))
		return -1;
	return 0;
}

/* Child: nested user namespaces, net/uts/ipc, a pid namespace, a kid. */
static int nested_child(int sock, void *arg)
{
	pid_t kid;

	(void)arg;
	if (enter_userns() || enter_userns())
		osm_child_fail(sock, "nested user namespaces: %m");
	if (unshare(CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID))
		osm_child_fail(sock, "unshare net|uts|ipc|pid: %m");
	kid = osm_child_fork_sleeper();
	if (kid < 0)
		osm_child_fail(sock, "fork: %m");
	return osm_child_ready(sock, &kid, sizeof(kid)) ? 1 : 0;
}

FIXTURE(nested) {
	struct osm_child c;
	struct osm_graph *g;
	pid_t kid;
};

FIXTURE_SETUP(nested)
{
	OSM_START_AND_LOAD(&self->c, &self->g, OSM_SPAWN_FORK, 0,
			   nested_child, NULL, &self->kid, sizeof(self->kid));
	ASSERT_GT(self->kid, 0);
}

FIXTURE_TEARDOWN(nested)
{
	osm_graph__free(self->g);
	osm_child_finish(&self->c);
}

/* Every namespace's owner edge names what NS_GET_USERNS returns. */
TEST_F(nested, owner_edges_are_ns_get_userns)
{
	pid_t pids[] = { self->c.pid, self->kid, getpid() };
	const struct osm_node *ns, *owner;
	char type[32];
	size_t i, j;
	long long want;

	for (i = 0; i < sizeof(pids) / sizeof(pids[0]); i++) {
		for (j = 0; j < sizeof(owned) / sizeof(owned[0]); j++) {
			ns_type(owned[j], type, sizeof(type));
			ns = osm_test_held_by_tid(self->g, pids[i], type);
			ASSERT_NE(NULL, ns) TH_LOG("pid %d %s", pids[i], type);
			want = nsfs_ask(pids[i], owned[j], NS_GET_USERNS);
			ASSERT_GT(want, 0) TH_LOG("NS_GET_USERNS: %s",
						  strerror(-want));
			owner = one_out(ns, "owner");
			ASSERT_NE(NULL, owner) TH_LOG("%s has no single owner",
						      osm_node__id(ns));
			EXPECT_STREQ("user_ns", osm_node__type(owner));
			EXPECT_EQ(want, strtoll(osm_test_token(owner), NULL, 10))
				TH_LOG("pid %d %s", pids[i], type);
		}
	}
}

/*
 * The child's user namespace climbs by subset edges exactly as
 * NS_GET_PARENT climbs, to the initial one, which has no parent edge
 * (the kernel refuses to go above the opener's own).  Levels and
 * creators are what the ioctls say.
 */
TEST_F(nested, user_ns_tree_is_ns_get_parent)
{
	unsigned long long level, owner;
	const struct osm_node *n;
	char path[64];
	int depth = 0;
	int fd, pfd;
	uid_t uid;

	n = osm_test_held_by_tid(self->g, self->c.pid, "user_ns");
	ASSERT_NE(NULL, n);
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)self->c.pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	for (;;) {
		struct stat st;

		ASSERT_EQ(0, fstat(fd, &st));
		EXPECT_EQ((long long)st.st_ino,
			  strtoll(osm_test_token(n), NULL, 10));
		ASSERT_EQ(0, ioctl(fd, NS_GET_OWNER_UID, &uid));
		ASSERT_TRUE(osm_test_attr_ull(n, "owner", &owner));
		EXPECT_EQ((unsigned long long)uid, owner);
		ASSERT_TRUE(osm_test_attr_ull(n, "level", &level));
		pfd = ioctl(fd, NS_GET_PARENT);
		close(fd);
		if (pfd < 0) {
			EXPECT_EQ(EPERM, errno);
			EXPECT_EQ(0ULL, level);
			EXPECT_EQ(NULL, one_out(n, "subset"))
				TH_LOG("%s: a parent the kernel would not show",
				       osm_node__id(n));
			break;
		}
		depth++;
		fd = pfd;
		n = one_out(n, "subset");
		ASSERT_NE(NULL, n) TH_LOG("level %llu has no parent edge",
					  level);
	}
	EXPECT_EQ(2, depth);
}

/* The grandchild's pid namespace is a subset of the reader's, level 1. */
TEST_F(nested, pid_ns_tree_is_ns_get_parent)
{
	const struct osm_node *n, *root;
	unsigned long long level;
	long long want;

	n = osm_test_held_by_tid(self->g, self->kid, "pid_ns");
	ASSERT_NE(NULL, n);
	EXPECT_NE(n, osm_test_held_by_tid(self->g, getpid(), "pid_ns"));
	ASSERT_TRUE(osm_test_attr_ull(n, "level", &level));
	EXPECT_EQ(1ULL, level);
	want = nsfs_ask(self->kid, "pid", NS_GET_PARENT);
	ASSERT_GT(want, 0) TH_LOG("NS_GET_PARENT: %s", strerror(-want));
	root = one_out(n, "subset");
	ASSERT_NE(NULL, root);
	EXPECT_EQ(want, strtoll(osm_test_token(root), NULL, 10));
	EXPECT_EQ(root, osm_test_held_by_tid(self->g, getpid(), "pid_ns"));
	EXPECT_EQ(NULL, one_out(root, "subset"));
}

/*
 * Child: the namespaces its children get, not its own; one child goes in,
 * since /proc shows pid_for_children only once its namespace has a task.
 */
static int unshare_for_children(int sock, void *arg)
{
	(void)arg;
	if (unshare(CLONE_NEWPID | CLONE_NEWTIME))
		osm_child_fail(sock, "unshare pid|time: %m");
	if (osm_child_fork_sleeper() < 0)
		osm_child_fail(sock, "fork: %m");
	return osm_child_ready(sock, NULL, 0) ? 1 : 0;
}

/* The node @pd reaches by its one for_children edge to @type, or NULL. */
static const struct osm_node *for_children(const struct osm_node *pd,
					   const char *type)
{
	const struct osm_edge *e;

	if (osm_test_out(pd, "for_children", type, &e, 1) != 1)
		return NULL;
	return osm_edge__dst(e);
}

/*
 * for_children edges name /proc/PID/ns/{pid,time}_for_children when they
 * differ from the thread's own namespaces, and are absent otherwise; the
 * new pid namespace nests in the thread's own.
 */
TEST(for_children_is_proc)
{
	static const char *const kinds[] = { "pid", "time" };
	const struct osm_node *t, *n, *own;
	struct osm_child c, plain;
	struct osm_graph *g;
	char name[32], type[32];
	struct stat st;
	size_t i;

	ASSERT_EQ(0, osm_child_start(&plain, OSM_SPAWN_FORK, 0,
				     osm_child_idle, NULL, NULL, 0))
		TH_LOG("%s", plain.err);
	OSM_START_AND_LOAD(&c, &g, OSM_SPAWN_FORK, 0, unshare_for_children,
			   NULL, NULL, 0);
	t = osm_test_thread(g, c.pid);
	ASSERT_NE(NULL, t);
	for (i = 0; i < 2; i++) {
		char path[64];

		snprintf(name, sizeof(name), "%s_for_children", kinds[i]);
		ns_type(kinds[i], type, sizeof(type));
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)c.pid,
			 name);
		ASSERT_EQ(0, stat(path, &st)) TH_LOG("%s: %m", path);
		n = for_children(t, type);
		ASSERT_NE(NULL, n) TH_LOG("no %s edge to %s", name, type);
		EXPECT_EQ((long long)st.st_ino,
			  strtoll(osm_test_token(n), NULL, 10)) TH_LOG("%s", name);
		own = osm_test_held_by_tid(g, c.pid, type);
		EXPECT_NE(own, n);
		if (i == 0)
			EXPECT_EQ(own, one_out(n, "subset"));
		EXPECT_EQ(NULL, for_children(osm_test_thread(g, plain.pid),
					     type));
	}
	osm_graph__free(g);
	EXPECT_EQ(0, osm_child_finish(&c));
	EXPECT_EQ(0, osm_child_finish(&plain));
}

/* ---- cgroups --------------------------------------------------------- */

static unsigned long long dir_ino(const char *path)
{
	struct stat st;

	return stat(path, &st) ? 0 : st.st_ino;
}

static int write_pid(const char *dir, pid_t pid)
{
	char path[256], num[32];
	int fd, n, ret;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = snprintf(num, sizeof(num), "%d", (int)pid);
	ret = write(fd, num, n) == n ? 0 : -1;
	close(fd);
	return ret;
}

/* A child moved two levels down climbs by subset edges to the root. */
TEST(cgroup_tree_is_the_directories)
{
	char top[128], mid[160];
	const char *dirs[3];
	const struct osm_node *n;
	struct osm_child c;
	struct osm_graph *g;
	int i;

	snprintf(top, sizeof(top), CGROOT "/osm-nstree-%d", (int)getpid());
	snprintf(mid, sizeof(mid), "%s/a", top);
	ASSERT_EQ(0, mkdir(top, 0755)) TH_LOG("%s: %m", top);
	ASSERT_EQ(0, mkdir(mid, 0755)) TH_LOG("%s: %m", mid);
	ASSERT_EQ(0, osm_child_start(&c, OSM_SPAWN_FORK, 0, osm_child_idle,
				     NULL, NULL, 0)) TH_LOG("%s", c.err);
	ASSERT_EQ(0, write_pid(mid, c.pid)) TH_LOG("move: %m");
	g = osm_test_load();
	ASSERT_NE(NULL, g);

	dirs[0] = mid;
	dirs[1] = top;
	dirs[2] = CGROOT;
	n = osm_test_held_by_tid(g, c.pid, "cgroup");
	for (i = 0; i < 3; i++) {
		ASSERT_NE(NULL, n) TH_LOG("no node for %s", dirs[i]);
		EXPECT_EQ(dir_ino(dirs[i]),
			  strtoull(osm_test_token(n), NULL, 10))
			TH_LOG("%s", dirs[i]);
		n = one_out(n, "subset");
	}
	EXPECT_EQ(NULL, n) TH_LOG("the root has no parent");

	osm_graph__free(g);
	EXPECT_EQ(0, write_pid(CGROOT, c.pid));
	osm_child_finish(&c);
	EXPECT_EQ(0, rmdir(mid));
	EXPECT_EQ(0, rmdir(top));
}

/*
 * memory_max says what a group's memory.max file says (bytes, or "max"),
 * and only groups whose parent enables the memory controller have one.
 */
TEST(cgroup_memory_max_is_the_file)
{
	char dir[2][128], file[300], want[64], before[256];
	const struct osm_node *n;
	struct osm_child c[2];
	struct osm_graph *g;
	bool enabled;
	int i;

	ASSERT_EQ(0, osm_test_read_line(CGROOT "/cgroup.subtree_control",
					before, sizeof(before)));
	enabled = strstr(before, "memory");
	if (!enabled &&
	    osm_test_write_small(CGROOT "/cgroup.subtree_control", "+memory"))
		SKIP(return, "no memory controller here: %m");
	for (i = 0; i < 2; i++) {
		snprintf(dir[i], sizeof(dir[i]), CGROOT "/osm-mem-%d-%d",
			 (int)getpid(), i);
		ASSERT_EQ(0, mkdir(dir[i], 0755)) TH_LOG("%s: %m", dir[i]);
		ASSERT_EQ(0, osm_child_start(&c[i], OSM_SPAWN_FORK, 0,
					     osm_child_idle, NULL, NULL, 0));
		ASSERT_EQ(0, write_pid(dir[i], c[i].pid));
	}
	snprintf(file, sizeof(file), "%s/memory.max", dir[0]);
	ASSERT_EQ(0, osm_test_write_small(file, "67108864"))
		TH_LOG("%s: %m", file);

	g = osm_test_load();
	ASSERT_NE(NULL, g);
	for (i = 0; i < 2; i++) {
		snprintf(file, sizeof(file), "%s/memory.max", dir[i]);
		ASSERT_EQ(0, osm_test_read_line(file, want, sizeof(want)));
		n = osm_test_held_by_tid(g, c[i].pid, "cgroup");
		ASSERT_NE(NULL, n);
		EXPECT_STREQ(want, osm_node__attr(n, "memory_max") ?: "(none)")
			TH_LOG("%s", dir[i]);
		EXPECT_EQ(NULL, osm_node__attr(one_out(n, "subset"),
					       "memory_max"))
			TH_LOG("the root has no memory.max");
	}
	EXPECT_STREQ("67108864", osm_node__attr(osm_test_held_by_tid(g,
			c[0].pid, "cgroup"), "memory_max") ?: "(none)");

	osm_graph__free(g);
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(0, write_pid(CGROOT, c[i].pid));
		osm_child_finish(&c[i]);
		EXPECT_EQ(0, rmdir(dir[i]));
	}
	if (!enabled)
		EXPECT_EQ(0, osm_test_write_small(CGROOT
						  "/cgroup.subtree_control",
						  "-memory"));
}

OSM_TEST_MAIN
