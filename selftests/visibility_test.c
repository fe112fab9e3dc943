// SPDX-License-Identifier: GPL-2.0-only
/*
 * Who sees what.  A child that dropped to uid/gid 65534 opens the device
 * itself: its walk is view=own and holds exactly the tasks /proc lets that
 * uid inspect (readlink of /proc/PID/ns/net is the oracle): itself and its
 * children, not pid 1, not its root parent, no kernel threads.  Root sees
 * view=full, pid 1 and the kernel threads (PF_KTHREAD in /proc/PID/stat).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "osm_test_util.h"

#define NOBODY 65534
#define PF_KTHREAD 0x00200000

struct own_args;
typedef void (*own_check)(int sock, const struct osm_graph *g,
			  struct own_args *a);

struct own_args {
	own_check check;
	pid_t parent;
	struct osm_child helper;	/* a second task of the same uid */
	pid_t *before;			/* inspectable pids before the walk */
	size_t nbefore;
};

/* Can this task readlink /proc/PID/ns/net?  1 yes, 0 no, -1 gone. */
static int inspectable(pid_t pid)
{
	char path[64], buf[64];

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	if (readlink(path, buf, sizeof(buf)) > 0)
		return 1;
	return errno == ENOENT || errno == ESRCH ? -1 : 0;
}

/* The processes of /proc this task can inspect; malloc()ed. */
static pid_t *inspectable_pids(size_t *n)
{
	DIR *d = opendir("/proc");
	pid_t *v = NULL, *nv;
	struct dirent *de;
	size_t cap = 0;

	*n = 0;
	if (!d)
		return NULL;
	while ((de = readdir(d))) {
		pid_t pid = atoi(de->d_name);

		if (pid <= 0 || inspectable(pid) != 1)
			continue;
		nv = osm_test_grow(v, *n, &cap, sizeof(*v));
		if (!nv)
			break;
		v = nv;
		v[(*n)++] = pid;
	}
	closedir(d);
	return v;
}

static int as_nobody(int sock, void *arg)
{
	struct own_args *a = arg;
	struct osm_graph *g;

	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY))
		osm_child_fail(sock, "drop to %d: %m", NOBODY);
	/* A uid change made us non-dumpable; be an ordinary process again. */
	if (prctl(PR_SET_DUMPABLE, 1))
		osm_child_fail(sock, "PR_SET_DUMPABLE: %m");
	if (osm_child_start(&a->helper, OSM_SPAWN_FORK, 0, osm_child_idle,
			    NULL, NULL, 0))
		osm_child_fail(sock, "helper: %s", a->helper.err);
	a->before = inspectable_pids(&a->nbefore);
	g = osm_test_load();
	if (!g)
		osm_child_fail(sock, "load %s as uid %d: %m",
			       osm_test_device(), NOBODY);
	a->check(sock, g, a);
	osm_graph__free(g);
	osm_child_finish(&a->helper);
	return osm_child_ready(sock, NULL, 0) ? 1 : 0;
}

FIXTURE(own) {
	struct osm_child c;
	struct own_args a;
};

FIXTURE_SETUP(own)
{
	self->a.parent = getpid();
}

FIXTURE_TEARDOWN(own)
{
	if (self->c.pid > 0)
		osm_child_finish(&self->c);
}

/* Run @check in a child of uid 65534 on the graph it reads itself. */
#define RUN_AS_NOBODY(fn) do {						\
		self->a.check = (fn);					\
		ASSERT_EQ(0, osm_child_start(&self->c, OSM_SPAWN_FORK,	\
					     0, as_nobody, &self->a,	\
					     NULL, 0))			\
			TH_LOG("%s", self->c.err);			\
		EXPECT_EQ(0, osm_child_finish(&self->c));		\
	} while (0)

static void check_view_own(int sock, const struct osm_graph *g,
			   struct own_args *a)
{
	const char *view = osm_graph__header_attr(g, "view");

	(void)a;
	if (!view || strcmp(view, "own"))
		osm_child_fail(sock, "view=%s, want own", view ?: "(none)");
}

TEST_F_TIMEOUT(own, header_says_view_own, OSM_TIMEOUT)
{
	RUN_AS_NOBODY(check_view_own);
}

static void check_sees_self(int sock, const struct osm_graph *g,
			    struct own_args *a)
{
	(void)a;
	if (!osm_test_process(g, getpid()))
		osm_child_fail(sock, "no process:%d (itself)", getpid());
	if (!osm_test_held_by_tid(g, osm_test_gettid(), OSM_NODE_MM))
		osm_child_fail(sock, "thread:%d (itself) missing or holds "
			       "no mm", osm_test_gettid());
}

TEST_F_TIMEOUT(own, sees_itself, OSM_TIMEOUT)
{
	RUN_AS_NOBODY(check_sees_self);
}

static void check_hides_root(int sock, const struct osm_graph *g,
			     struct own_args *a)
{
	const pid_t root[] = { 1, a->parent };
	size_t i;

	for (i = 0; i < 2; i++) {
		if (inspectable(root[i]) != 0)
			osm_child_fail(sock, "oracle: uid %d can inspect "
				       "pid %d", NOBODY, root[i]);
		if (osm_test_process(g, root[i]) || osm_test_thread(g, root[i]))
			osm_child_fail(sock, "uid %d sees root's pid %d",
				       NOBODY, root[i]);
	}
}

TEST_F_TIMEOUT(own, hides_init_and_root_parent, OSM_TIMEOUT)
{
	RUN_AS_NOBODY(check_hides_root);
}

static void check_only_inspectable(int sock, const struct osm_graph *g,
				   struct own_args *a)
{
	size_t i;

	(void)a;
	for (i = 0; i < osm_graph__node_count(g); i++) {
		const struct osm_node *n = osm_graph__node(g, i);
		const char *type = osm_node__type(n);
		pid_t pid;

		if (strcmp(type, OSM_NODE_PROCESS) &&
		    strcmp(type, OSM_NODE_THREAD))
			continue;
		pid = atoi(osm_test_token(n));
		if (inspectable(pid) == 0)	/* gone since: fine */
			osm_child_fail(sock, "uid %d sees %s but cannot "
				       "readlink /proc/%d/ns/net", NOBODY,
				       osm_node__id(n), pid);
	}
}

TEST_F_TIMEOUT(own, shows_only_inspectable_tasks, OSM_TIMEOUT)
{
	RUN_AS_NOBODY(check_only_inspectable);
}

static void check_all_inspectable(int sock, const struct osm_graph *g,
				  struct own_args *a)
{
	size_t i, j, nafter;
	pid_t *after = inspectable_pids(&nafter);

	if (!osm_test_process(g, a->helper.pid))
		osm_child_fail(sock, "no process:%d (same-uid helper)",
			       a->helper.pid);
	/* Alive and inspectable both before and after the walk: shown. */
	for (i = 0; i < a->nbefore; i++) {
		for (j = 0; j < nafter; j++)
			if (after[j] == a->before[i])
				break;
		if (j < nafter && !osm_test_process(g, a->before[i]))
			osm_child_fail(sock, "uid %d can inspect pid %d but "
				       "the walk has no process:%d", NOBODY,
				       a->before[i], a->before[i]);
	}
	free(after);
}

TEST_F_TIMEOUT(own, shows_every_inspectable_process, OSM_TIMEOUT)
{
	RUN_AS_NOBODY(check_all_inspectable);
}

static void check_no_kthreads(int sock, const struct osm_graph *g,
			      struct own_args *a)
{
	const struct osm_node *k = osm_graph__find(g, OSM_NODE_KERNEL ":0");
	size_t i;

	(void)a;
	for (i = 0; i < osm_graph__node_count(g); i++) {
		const struct osm_node *n = osm_graph__node(g, i);
		const char *kt = osm_node__attr(n, "kthread");

		if (kt && !strcmp(kt, "1"))
			osm_child_fail(sock, "uid %d sees kernel thread %s",
				       NOBODY, osm_node__id(n));
	}
	if (k && osm_test_in(k, OSM_EDGE_MEMBER, NULL, NULL, 0))
		osm_child_fail(sock, "uid %d sees members of kernel:0", NOBODY);
}

TEST_F_TIMEOUT(own, shows_no_kernel_threads, OSM_TIMEOUT)
{
	RUN_AS_NOBODY(check_no_kthreads);
}

/* Root. */
FIXTURE(full) {
	struct osm_graph *g;
};

FIXTURE_SETUP(full)
{
	self->g = osm_test_load();
	ASSERT_NE(NULL, self->g) TH_LOG("load: %m");
}

FIXTURE_TEARDOWN(full)
{
	osm_graph__free(self->g);
}

TEST_F_TIMEOUT(full, root_sees_view_full_and_init, OSM_TIMEOUT)
{
	const char *view = osm_graph__header_attr(self->g, "view");

	ASSERT_NE(NULL, view);
	EXPECT_STREQ("full", view);
	EXPECT_NE(NULL, osm_test_process(self->g, 1));
	EXPECT_NE(NULL, osm_test_thread(self->g, 1));
}

/* /proc/PID/stat flags (field 9); 0 with errno if gone. */
static unsigned long task_flags(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long flags = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')))
		sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %lu", &flags);
	fclose(f);
	return flags;
}

TEST_F_TIMEOUT(full, root_sees_kernel_threads, OSM_TIMEOUT)
{
	const struct osm_node *k, *kthreadd;
	size_t i, nk = 0;

	/* kthreadd is pid 2 from boot. */
	ASSERT_TRUE(task_flags(2) & PF_KTHREAD);
	k = osm_graph__find(self->g, OSM_NODE_KERNEL ":0");
	ASSERT_NE(NULL, k);
	EXPECT_TRUE(osm_node__is_pd(k));
	kthreadd = osm_test_thread(self->g, 2);
	ASSERT_NE(NULL, kthreadd);
	EXPECT_STREQ("1", osm_node__attr(kthreadd, "kthread") ?: "(none)");
	EXPECT_TRUE(osm_test_has_edge(kthreadd, OSM_EDGE_MEMBER, k));
	/* Every kthread=1 node is a PF_KTHREAD task (if still there). */
	for (i = 0; i < osm_graph__node_count(self->g); i++) {
		const struct osm_node *n = osm_graph__node(self->g, i);
		const char *kt = osm_node__attr(n, "kthread");
		pid_t tid;
		unsigned long fl;

		if (!kt || strcmp(kt, "1"))
			continue;
		nk++;
		tid = atoi(osm_test_token(n));
		fl = task_flags(tid);
		EXPECT_TRUE(!fl || (fl & PF_KTHREAD))
			TH_LOG("%s is not PF_KTHREAD", osm_node__id(n));
		EXPECT_TRUE(osm_test_has_edge(n, OSM_EDGE_MEMBER, k))
			TH_LOG("%s not a member of kernel:0", osm_node__id(n));
	}
	EXPECT_EQ(nk, osm_test_in(k, OSM_EDGE_MEMBER, OSM_NODE_THREAD, NULL, 0));
}

OSM_TEST_MAIN
