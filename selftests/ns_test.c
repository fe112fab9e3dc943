// SPDX-License-Identifier: GPL-2.0-only
/*
 * Namespaces, checked against stat("/proc/PID/ns/<name>").st_ino as in
 * pidfd_setns_test.c.
 *
 * The test process, a child that did unshare(CLONE_NEWNET | CLONE_NEWUTS)
 * and a grandchild forked by that child each hold exactly one node of
 * every namespace type, whose token is the nsfs inode; the child's net
 * and uts nodes are new, the other six are the parent's; the grandchild
 * holds the child's.  A child in a new user namespace has its own user_ns
 * node and, lacking CAP_SYS_ADMIN over the initial namespaces, holds them
 * read-only.  The cgroup node of a task is its cgroup v2 directory, as
 * /proc/PID/cgroup names it and stat(2) numbers it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "osm_test_util.h"

static int unshare_net_uts(int sock, void *arg)
{
	struct osm_child gc;
	pid_t pid;
	int ret;

	(void)arg;
	if (unshare(CLONE_NEWNET | CLONE_NEWUTS))
		osm_child_fail(sock, "unshare(CLONE_NEWNET|CLONE_NEWUTS): %m");
	/* A third process in the same new namespaces. */
	if (osm_child_start(&gc, OSM_SPAWN_FORK, 0, osm_child_idle, NULL,
			    NULL, 0))
		osm_child_fail(sock, "grandchild: %s", gc.err);
	pid = gc.pid;
	ret = osm_child_ready(sock, &pid, sizeof(pid));
	osm_child_finish(&gc);
	return ret ? 1 : 0;
}

FIXTURE(ns) {
	struct osm_child c;
	pid_t gc;
	struct osm_graph *g;
	bool have;		/* this kernel has the namespace type */
};

FIXTURE_VARIANT(ns) {
	const char *name;	/* /proc/PID/ns/<name> */
	const char *type;	/* node type */
	bool unshared;		/* new in the child */
};

FIXTURE_VARIANT_ADD(ns, mnt) { "mnt", OSM_NODE_MNT_NS, false };
FIXTURE_VARIANT_ADD(ns, uts) { "uts", OSM_NODE_UTS_NS, true };
FIXTURE_VARIANT_ADD(ns, ipc) { "ipc", OSM_NODE_IPC_NS, false };
FIXTURE_VARIANT_ADD(ns, pid) { "pid", OSM_NODE_PID_NS, false };
FIXTURE_VARIANT_ADD(ns, net) { "net", OSM_NODE_NET_NS, true };
FIXTURE_VARIANT_ADD(ns, user) { "user", OSM_NODE_USER_NS, false };
FIXTURE_VARIANT_ADD(ns, cgroup) { "cgroup", OSM_NODE_CGROUP_NS, false };
FIXTURE_VARIANT_ADD(ns, time) { "time", OSM_NODE_TIME_NS, false };

FIXTURE_SETUP(ns)
{
	self->have = osm_test_ns_ino(getpid(), variant->name) != 0;
	if (!self->have)
		return;
	OSM_START_AND_LOAD(&self->c, &self->g, OSM_SPAWN_FORK, 0,
			   unshare_net_uts, NULL, &self->gc, sizeof(self->gc));
}

FIXTURE_TEARDOWN(ns)
{
	osm_graph__free(self->g);
	if (self->c.pid > 0)
		osm_child_finish(&self->c);
}

/* Check that @tid holds one node of the type, named by /proc/@tid/ns. */
static void check_one_node(struct __test_metadata *_metadata,
			   const struct osm_graph *g, pid_t tid,
			   const char *name, const char *type)
{
	unsigned long long want = osm_test_ns_ino(tid, name), v;
	const struct osm_node *thr = osm_test_thread(g, tid), *n;
	char tok[32];

	ASSERT_NE(0, want) TH_LOG("stat /proc/%d/ns/%s: %m", tid, name);
	ASSERT_NE(NULL, thr) TH_LOG("no thread:%d", tid);
	ASSERT_EQ(1, osm_test_held_count(thr, type))
		TH_LOG("thread:%d holds %zu %s nodes", tid,
		       osm_test_held_count(thr, type), type);
	n = osm_test_held(thr, type);
	snprintf(tok, sizeof(tok), "%llu", want);
	EXPECT_STREQ(tok, osm_test_token(n))
		TH_LOG("thread:%d holds %s, /proc says %s", tid,
		       osm_node__id(n), tok);
	ASSERT_TRUE(osm_test_attr_ull(n, "inum", &v));
	EXPECT_EQ(want, v);
}

TEST_F_TIMEOUT(ns, each_task_holds_one_node_named_by_proc, OSM_TIMEOUT)
{
	if (!self->have)
		SKIP(return, "no /proc/self/ns/%s on this kernel", variant->name);
	check_one_node(_metadata, self->g, osm_test_gettid(), variant->name,
		       variant->type);
	check_one_node(_metadata, self->g, self->c.pid, variant->name,
		       variant->type);
	check_one_node(_metadata, self->g, self->gc, variant->name,
		       variant->type);
}

TEST_F_TIMEOUT(ns, child_node_is_new_iff_unshared, OSM_TIMEOUT)
{
	unsigned long long a, b;

	if (!self->have)
		SKIP(return, "no /proc/self/ns/%s on this kernel", variant->name);
	a = osm_test_ns_ino(getpid(), variant->name);
	b = osm_test_ns_ino(self->c.pid, variant->name);
	ASSERT_EQ(variant->unshared, a != b)
		TH_LOG("/proc: %s %llu vs %llu", variant->name, a, b);
	OSM_EXPECT_HELD_SAME(self->g, osm_test_gettid(), self->c.pid,
			     variant->type, !variant->unshared);
}

/* One node per namespace: the child's and the grandchild's are the same. */
TEST_F_TIMEOUT(ns, grandchild_holds_childs_node, OSM_TIMEOUT)
{
	const struct osm_node *its, *gcs;
	const struct osm_edge *in[2];

	if (!self->have)
		SKIP(return, "no /proc/self/ns/%s on this kernel", variant->name);
	ASSERT_EQ(osm_test_ns_ino(self->c.pid, variant->name),
		  osm_test_ns_ino(self->gc, variant->name));
	its = osm_test_held_by_tid(self->g, self->c.pid, variant->type);
	gcs = osm_test_held_by_tid(self->g, self->gc, variant->type);
	ASSERT_NE(NULL, its);
	ASSERT_NE(NULL, gcs);
	EXPECT_EQ(its, gcs) TH_LOG("%s vs %s", osm_node__id(its),
				   osm_node__id(gcs));
	EXPECT_LE(2, osm_test_in(its, OSM_EDGE_HOLD, OSM_NODE_THREAD, in, 2));
}

/* A child in a new user namespace. */
static int unshare_user(int sock, void *arg)
{
	int err = 0;
	char host[256];

	(void)arg;
	if (unshare(CLONE_NEWUSER))
		osm_child_fail(sock, "unshare(CLONE_NEWUSER): %m");
	/* Oracle: no CAP_SYS_ADMIN over the initial uts namespace. */
	if (gethostname(host, sizeof(host)))
		osm_child_fail(sock, "gethostname: %m");
	if (sethostname(host, strlen(host)))
		err = errno;
	return osm_child_ready(sock, &err, sizeof(err)) ? 1 : 0;
}

FIXTURE(userns) {
	struct osm_child c;
	int sethostname_err;
	struct osm_graph *g;
};

FIXTURE_SETUP(userns)
{
	OSM_START_AND_LOAD(&self->c, &self->g, OSM_SPAWN_FORK, 0,
			   unshare_user, NULL, &self->sethostname_err,
			   sizeof(self->sethostname_err));
}

FIXTURE_TEARDOWN(userns)
{
	osm_graph__free(self->g);
	if (self->c.pid > 0)
		osm_child_finish(&self->c);
}

TEST_F_TIMEOUT(userns, new_user_ns_named_by_proc, OSM_TIMEOUT)
{
	ASSERT_NE(osm_test_ns_ino(getpid(), "user"),
		  osm_test_ns_ino(self->c.pid, "user"));
	check_one_node(_metadata, self->g, self->c.pid, "user",
		       OSM_NODE_USER_NS);
	OSM_EXPECT_HELD_SAME(self->g, osm_test_gettid(), self->c.pid,
			     OSM_NODE_USER_NS, false);
}

/* CapEff of /proc/self/status has CAP_SYS_ADMIN (21). */
static bool have_cap_sys_admin(void)
{
	char eff[64];

	if (osm_test_status_field(getpid(), "CapEff", eff, sizeof(eff)))
		return false;
	return (strtoull(eff, NULL, 16) >> 21) & 1;
}

TEST_F_TIMEOUT(userns, ns_hold_mode_follows_cap_sys_admin, OSM_TIMEOUT)
{
	const struct osm_edge *mine, *its;

	ASSERT_TRUE(have_cap_sys_admin());
	ASSERT_EQ(EPERM, self->sethostname_err)
		TH_LOG("sethostname in the child: %s",
		       strerror(self->sethostname_err));
	mine = osm_test_hold_edge(osm_test_thread(self->g, osm_test_gettid()),
				  OSM_NODE_UTS_NS);
	its = osm_test_hold_edge(osm_test_thread(self->g, self->c.pid),
				 OSM_NODE_UTS_NS);
	ASSERT_NE(NULL, mine);
	ASSERT_NE(NULL, its);
	/* Same uts namespace, different rights over it. */
	ASSERT_EQ(osm_edge__dst(mine), osm_edge__dst(its));
	EXPECT_STREQ("rw", osm_edge__attr(mine, "mode") ?: "(none)");
	EXPECT_STREQ("r", osm_edge__attr(its, "mode") ?: "(none)");
}

/*
 * A reader in a new pid namespace: the header names that namespace, and
 * every pid of the walk is a number in it, so the reader (pid 1 there)
 * sees itself as process:1 with ppid 0, and nothing outside.
 */
static int pidns_reader(int sock, void *arg)
{
	unsigned long long ns, v;
	struct osm_graph *g;
	const struct osm_node *p, *t;
	const char *hdr;
	size_t i, nproc = 0, nthr = 0;
	struct stat st;

	(void)arg;
	if (getpid() != 1)
		osm_child_fail(sock, "getpid() %d in a new pid ns", getpid());
	if (stat("/proc/self/ns/pid", &st))
		osm_child_fail(sock, "/proc/self/ns/pid: %m");
	g = osm_test_load();
	if (!g)
		osm_child_fail(sock, "load: %m");
	hdr = osm_graph__header_attr(g, "pid_ns");
	if (!hdr || strtoull(hdr, NULL, 10) != (unsigned long long)st.st_ino)
		osm_child_fail(sock, "header pid_ns=%s, /proc says %llu",
			       hdr ?: "(none)", (unsigned long long)st.st_ino);
	p = osm_test_process(g, 1);
	t = osm_test_thread(g, 1);
	if (!p || !t || !osm_test_has_edge(t, OSM_EDGE_MEMBER, p))
		osm_child_fail(sock, "no process:1 with member thread:1");
	if (!osm_test_attr_ull(p, "ppid", &v) || v != (unsigned long long)getppid())
		osm_child_fail(sock, "process:1 ppid=%s, getppid() %d",
			       osm_node__attr(p, "ppid") ?: "(none)", getppid());
	ns = strtoull(osm_test_token(osm_test_held(t, OSM_NODE_PID_NS) ?: t),
		      NULL, 10);
	if (ns != (unsigned long long)st.st_ino)
		osm_child_fail(sock, "thread:1 holds pid_ns %llu, want %llu",
			       ns, (unsigned long long)st.st_ino);
	for (i = 0; i < osm_graph__node_count(g); i++) {
		const char *type = osm_node__type(osm_graph__node(g, i));

		nproc += !strcmp(type, OSM_NODE_PROCESS);
		nthr += !strcmp(type, OSM_NODE_THREAD);
	}
	if (nproc != 1 || nthr != 1)
		osm_child_fail(sock, "%zu process and %zu thread nodes, want "
			       "1 and 1 (only the reader is in its pid ns)",
			       nproc, nthr);
	osm_graph__free(g);
	return osm_child_ready(sock, NULL, 0) ? 1 : 0;
}

FIXTURE(pidns) {
	struct osm_child c;
};

FIXTURE_SETUP(pidns)
{
}

FIXTURE_TEARDOWN(pidns)
{
	if (self->c.pid > 0)
		osm_child_finish(&self->c);
}

TEST_F_TIMEOUT(pidns, reader_in_new_pid_ns_sees_its_numbers, OSM_TIMEOUT)
{
	ASSERT_EQ(0, osm_child_start(&self->c, OSM_SPAWN_CLONE3, CLONE_NEWPID,
				     pidns_reader, NULL, NULL, 0))
		TH_LOG("%s", self->c.err);
	EXPECT_EQ(0, osm_child_finish(&self->c));
}

/*
 * cgroup v2 at /sys/fs/cgroup (mounted there, if it is not yet, in a mount
 * namespace of the test's own): a child moved to a new group holds it.
 */
#define CGROUP_MNT "/sys/fs/cgroup"

FIXTURE(cgroup) {
	char dir[96];		/* the child's new group */
	struct osm_child c;
	struct osm_graph *g;
};

FIXTURE_SETUP(cgroup)
{
	char procs[128], pid[16];
	int fd;

	struct statfs sfs;

	if (statfs(CGROUP_MNT, &sfs) || sfs.f_type != CGROUP2_SUPER_MAGIC) {
		ASSERT_EQ(0, unshare(CLONE_NEWNS)) TH_LOG("%m");
		ASSERT_EQ(0, mount(NULL, "/", NULL, MS_REC | MS_PRIVATE,
				   NULL)) TH_LOG("%m");
		ASSERT_EQ(0, mount("cgroup2", CGROUP_MNT, "cgroup2", 0, NULL))
			TH_LOG("mount cgroup2 on " CGROUP_MNT ": %m");
	}
	snprintf(self->dir, sizeof(self->dir), CGROUP_MNT "/osm-selftest-%d",
		 getpid());
	ASSERT_EQ(0, mkdir(self->dir, 0755)) TH_LOG("%s: %m", self->dir);
	ASSERT_EQ(0, osm_child_start(&self->c, OSM_SPAWN_FORK, 0,
				     osm_child_idle, NULL, NULL, 0))
		TH_LOG("%m: %s", self->c.err);
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", self->dir);
	snprintf(pid, sizeof(pid), "%d", self->c.pid);
	fd = open(procs, O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("%s: %m", procs);
	ASSERT_EQ((ssize_t)strlen(pid), write(fd, pid, strlen(pid)))
		TH_LOG("move %s to %s: %m", pid, self->dir);
	close(fd);
	self->g = osm_test_load();
	ASSERT_NE(NULL, self->g) TH_LOG("load: %m");
}

FIXTURE_TEARDOWN(cgroup)
{
	osm_graph__free(self->g);
	if (self->c.pid > 0)
		osm_child_finish(&self->c);
	if (self->dir[0])
		rmdir(self->dir);
}

/* @tid holds one cgroup node: its directory's inode, its path. */
static void check_cgroup(struct __test_metadata *_metadata,
			 const struct osm_graph *g, pid_t tid)
{
	const struct osm_node *thr = osm_test_thread(g, tid), *n;
	const struct osm_edge *e;
	char path[256], dir[384], tok[32];
	struct stat st;

	ASSERT_EQ(0, osm_test_cgroup_path(tid, path, sizeof(path)));
	snprintf(dir, sizeof(dir), CGROUP_MNT "%s", path);
	ASSERT_EQ(0, stat(dir, &st)) TH_LOG("%s: %m", dir);
	ASSERT_NE(NULL, thr);
	ASSERT_EQ(1, osm_test_held_count(thr, OSM_NODE_CGROUP))
		TH_LOG("thread:%d holds %zu cgroups", tid,
		       osm_test_held_count(thr, OSM_NODE_CGROUP));
	e = osm_test_hold_edge(thr, OSM_NODE_CGROUP);
	n = osm_edge__dst(e);
	snprintf(tok, sizeof(tok), "%llu", (unsigned long long)st.st_ino);
	EXPECT_STREQ(tok, osm_test_token(n)) TH_LOG("thread:%d in %s", tid,
						      path);
	EXPECT_STREQ(path, osm_node__attr(n, "path") ?: "(none)");
	EXPECT_STREQ("r", osm_edge__attr(e, "mode") ?: "(none)");
}

TEST_F_TIMEOUT(cgroup, each_task_holds_its_directory, OSM_TIMEOUT)
{
	check_cgroup(_metadata, self->g, osm_test_gettid());
	check_cgroup(_metadata, self->g, self->c.pid);
}

TEST_F_TIMEOUT(cgroup, moved_child_holds_the_new_group, OSM_TIMEOUT)
{
	char path[256], want[128];

	ASSERT_EQ(0, osm_test_cgroup_path(self->c.pid, path, sizeof(path)));
	snprintf(want, sizeof(want), "%s", self->dir + strlen(CGROUP_MNT));
	ASSERT_STREQ(want, path);
	OSM_EXPECT_HELD_SAME(self->g, osm_test_gettid(), self->c.pid,
			     OSM_NODE_CGROUP, false);
}

OSM_TEST_MAIN
