// SPDX-License-Identifier: GPL-2.0-only
/*
 * The OSmosis queries (libosm-user/query.md) on live scenarios, against
 * what the kernel itself says:
 *
 *  - two threads of one process: compare and thread-granularity sharing
 *    show mm, files, fs and sighand shared exactly when kcmp(2) says the
 *    objects are one (a thread that unshare(CLONE_FILES)s is isolated);
 *  - a sandbox made as "bwrap --unshare-all" makes it (new user, mount,
 *    uts, ipc, net, cgroup and pid namespaces; bwrap is not in the test
 *    VM, so clone(2) does it directly) shares, per namespace type, exactly
 *    the namespaces whose /proc/PID/ns/<type> inode equals the host's;
 *  - the holders of this process's net_ns at thread granularity are the
 *    tasks whose /proc/PID/task/TID/ns/net is that namespace;
 *  - a process that kill(pid, 0)s another successfully is in its TCB by
 *    the signal rule, one that gets EPERM is not;
 *  - compare of two processes (fork, clone with CLONE_FILES|CLONE_FS)
 *    matches kcmp(2) per type.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/kcmp.h>

#include "kselftest_harness.h"
#include "osm_test_util.h"

/* The entry of @type in a comparison, or NULL. */
static const struct osm_compare_type *ctype(const struct osm_compare_type *v,
					    int n, const char *type)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(v[i].type, type))
			return &v[i];
	return NULL;
}

/* Is @type shared in the comparison (0 when the type is absent)? */
static int shared_type(const struct osm_compare_type *v, int n,
		       const char *type)
{
	const struct osm_compare_type *t = ctype(v, n, type);

	return t && t->nshared > 0;
}

static const struct {
	const char *type;
	int kcmp;
} kcmp_types[] = {
	{ "mm", KCMP_VM },
	{ "files", KCMP_FILES },
	{ "fs", KCMP_FS },
	{ "sighand", KCMP_SIGHAND },
};

/* ---- two threads of one process ------------------------------------ */

struct peer {
	pid_t tid;
	bool unshare_files;
	int err;
	int go[2];		/* the thread reads go[0] until go[1] closes */
	int ready[2];
};

static void *peer_main(void *arg)
{
	struct peer *p = arg;
	char c;

	p->tid = osm_test_gettid();
	if (p->unshare_files) {
		if (unshare(CLONE_FILES))
			p->err = errno;
		/* Our copy of go[1] must not keep the pipe open. */
		close(p->go[1]);
	}
	c = 1;
	if (write(p->ready[1], &c, 1) != 1)
		p->err = errno;
	while (read(p->go[0], &c, 1) < 0 && errno == EINTR)
		;
	return NULL;
}

static void check_threads(struct __test_metadata *_metadata,
			  bool unshare_files)
{
	struct peer p = { .unshare_files = unshare_files };
	const struct osm_node *me, *other;
	struct osm_compare_type *v;
	struct osm_sharing *s;
	struct osm_graph *g;
	pthread_t th;
	pid_t self = osm_test_gettid();
	size_t i, j;
	char c;
	int n, k;

	ASSERT_EQ(0, pipe(p.go));
	ASSERT_EQ(0, pipe(p.ready));
	ASSERT_EQ(0, pthread_create(&th, NULL, peer_main, &p));
	ASSERT_EQ(1, read(p.ready[0], &c, 1));
	ASSERT_EQ(0, p.err);
	g = osm_test_load();
	ASSERT_NE(NULL, g) TH_LOG("load: %m");
	me = osm_test_thread(g, self);
	other = osm_test_thread(g, p.tid);
	ASSERT_NE(NULL, me);
	ASSERT_NE(NULL, other);

	n = osm_query__compare(g, me, other, NULL, &v);
	ASSERT_LE(0, n) TH_LOG("compare: %s", strerror(-n));
	for (i = 0; i < ARRAY_SIZE(kcmp_types); i++) {
		int same = osm_test_kcmp(getpid(), p.tid, kcmp_types[i].kcmp,
					 0, 0);
		const struct osm_compare_type *t;

		ASSERT_LE(0, same);
		t = ctype(v, n, kcmp_types[i].type);
		ASSERT_NE(NULL, t) TH_LOG("no %s", kcmp_types[i].type);
		EXPECT_EQ(same == 0, t->nshared > 0)
			TH_LOG("%s: kcmp %d, %zu shared", kcmp_types[i].type,
			       same, t->nshared);
		/* The shared node is the one each thread holds. */
		if (same == 0 && t->nshared)
			EXPECT_STREQ(osm_node__id(osm_test_held(me, t->type)),
				     osm_node__id(t->shared[0].res));
	}
	osm_compare__free(v, n);

	/* SharedResources at thread granularity lists the sibling. */
	{
		OSM_OPTS(osm_query_opts, o, .granularity = OSM_GRAN_THREAD);

		n = osm_query__sharing(g, me, &o, &s);
	}
	ASSERT_LE(0, n);
	for (k = 0; k < n && s[k].pd != other; k++)
		;
	ASSERT_LT(k, n) TH_LOG("thread:%d not sharing with thread:%d",
			       self, p.tid);
	for (i = 0; i < ARRAY_SIZE(kcmp_types); i++) {
		int same = osm_test_kcmp(getpid(), p.tid, kcmp_types[i].kcmp,
					 0, 0);
		bool found = false;

		for (j = 0; j < s[k].nres; j++)
			if (!strcmp(osm_node__type(s[k].res[j].res),
				    kcmp_types[i].type))
				found = true;
		EXPECT_EQ(same == 0, found) TH_LOG("%s", kcmp_types[i].type);
	}
	/* And at process granularity, the sibling is the PD itself. */
	osm_sharings__free(s, n);
	n = osm_query__sharing(g, me, NULL, &s);
	ASSERT_LE(0, n);
	for (k = 0; k < n; k++)
		EXPECT_NE(osm_test_process(g, getpid()), s[k].pd);
	osm_sharings__free(s, n);

	osm_graph__free(g);
	close(p.go[1]);
	pthread_join(th, NULL);
	close(p.go[0]);
	close(p.ready[0]);
	close(p.ready[1]);
}

TEST(threads_share_what_kcmp_says)
{
	check_threads(_metadata, false);
}

TEST(thread_with_own_files_is_isolated)
{
	check_threads(_metadata, true);
}

/* ---- a bwrap --unshare-all style sandbox ----------------------------- */

static const char *const ns_names[] = {
	"mnt", "uts", "ipc", "pid", "net", "user", "cgroup", "time",
};

TEST(sandbox_shares_only_kept_namespaces)
{
	unsigned long flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWUTS |
			      CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWCGROUP |
			      CLONE_NEWPID;
	const char *types[2] = { NULL, NULL };
	struct osm_compare_type *v;
	struct osm_child c;
	struct osm_graph *g;
	char type[32];
	size_t i;
	int n;

	OSM_START_AND_LOAD(&c, &g, OSM_SPAWN_CLONE, flags, osm_child_idle,
			   NULL, NULL, 0);
	ASSERT_NE(NULL, osm_test_process(g, c.pid));
	for (i = 0; i < ARRAY_SIZE(ns_names); i++) {
		OSM_OPTS(osm_query_opts, o, .types = types);
		unsigned long long mine = osm_test_ns_ino(getpid(),
							  ns_names[i]);
		unsigned long long its = osm_test_ns_ino(c.pid, ns_names[i]);
		const struct osm_compare_type *t;

		if (!mine && errno == ENOENT)
			continue;	/* time namespaces before 5.6 */
		ASSERT_NE(0, mine);
		ASSERT_NE(0, its);
		snprintf(type, sizeof(type), "%s_ns", ns_names[i]);
		types[0] = type;
		n = osm_query__compare(g, osm_test_process(g, getpid()),
				       osm_test_process(g, c.pid), &o, &v);
		ASSERT_LE(0, n);
		t = ctype(v, n, type);
		ASSERT_NE(NULL, t) TH_LOG("%s: not reached", type);
		EXPECT_EQ(mine == its, t->nshared > 0)
			TH_LOG("%s: /proc says %llu vs %llu", type, mine, its);
		if (t->nshared)
			EXPECT_EQ(mine, strtoull(osm_test_token(
					t->shared[0].res), NULL, 10));
		/* bwrap --unshare-all keeps only the time namespace. */
		EXPECT_EQ(!strcmp(ns_names[i], "time"), mine == its);
		osm_compare__free(v, n);
	}
	osm_graph__free(g);
	ASSERT_EQ(0, osm_child_finish(&c));
}

/* ---- holders of a net_ns ---------------------------------------------- */

/* Tids of every task whose net namespace is @ino: a bitmap by tid. */
static int scan_net(unsigned long long ino, unsigned char *bits, int max)
{
	DIR *d = opendir("/proc"), *t;
	struct dirent *de, *te;
	char path[64];

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		int pid = atoi(de->d_name);

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task", pid);
		t = opendir(path);
		if (!t)
			continue;
		while ((te = readdir(t))) {
			int tid = atoi(te->d_name);
			char ns[80];
			struct stat st;

			if (tid <= 0 || tid >= max)
				continue;
			snprintf(ns, sizeof(ns), "/proc/%d/task/%d/ns/net",
				 pid, tid);
			if (!stat(ns, &st) && st.st_ino == ino)
				bits[tid] = 1;
		}
		closedir(t);
	}
	closedir(d);
	return 0;
}

TEST(net_ns_holders_are_proc_ns_net)
{
	OSM_OPTS(osm_query_opts, o, .granularity = OSM_GRAN_THREAD);
	enum { MAXTID = 1 << 22 };
	unsigned long long ino = osm_test_ns_ino(getpid(), "net");
	unsigned char *before = calloc(MAXTID, 1), *after = calloc(MAXTID, 1);
	const struct osm_node *res;
	struct osm_holder *h;
	struct osm_child c;
	struct osm_graph *g;
	unsigned char *in;
	int i, n;

	ASSERT_NE(NULL, before);
	ASSERT_NE(NULL, after);
	in = calloc(MAXTID, 1);
	ASSERT_NE(NULL, in);
	ASSERT_NE(0, ino);
	/* A child in a network namespace of its own: never a holder. */
	ASSERT_EQ(0, osm_child_start(&c, OSM_SPAWN_CLONE, CLONE_NEWNET,
				     osm_child_idle, NULL, NULL, 0))
		TH_LOG("%m: %s", c.err);
	ASSERT_EQ(0, scan_net(ino, before, MAXTID));
	g = osm_test_load();
	ASSERT_NE(NULL, g);
	ASSERT_EQ(0, scan_net(ino, after, MAXTID));
	res = osm_test_find(g, "net_ns:%llu", ino);
	ASSERT_NE(NULL, res);
	n = osm_query__holders(g, res, &o, &h);
	ASSERT_LT(0, n);
	for (i = 0; i < n; i++) {
		unsigned long long tid;

		ASSERT_TRUE(osm_test_attr_ull(h[i].pd, "tid", &tid));
		ASSERT_LT(tid, MAXTID);
		in[tid] = 1;
		/* Gone or moved between the scans: not comparable. */
		if (before[tid] != after[tid])
			continue;
		EXPECT_TRUE(after[tid]) TH_LOG("thread:%llu listed", tid);
	}
	/* Every task in it in both scans is listed (unless it exited). */
	for (i = 1; i < MAXTID; i++)
		if (before[i] && after[i] && !in[i])
			EXPECT_TRUE(in[i])
				TH_LOG("tid %d in net_ns but not a holder", i);
	EXPECT_FALSE(in[c.pid]);
	EXPECT_TRUE(in[osm_test_gettid()]);
	free(h);

	/* Process granularity: the processes of those threads. */
	n = osm_query__holders(g, res, NULL, &h);
	ASSERT_LT(0, n);
	for (i = 0; i < n; i++)
		EXPECT_NE(osm_test_process(g, c.pid), h[i].pd);
	free(h);
	osm_graph__free(g);
	ASSERT_EQ(0, osm_child_finish(&c));
	free(before);
	free(after);
	free(in);
}

/* ---- kill(pid, 0) and the TCB ------------------------------------------ */

/* Child: become nobody, report what kill(parent, 0) answers. */
static int nobody_child(int sock, void *arg)
{
	int err = 0;

	(void)arg;
	if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
		osm_child_fail(sock, "setres[ug]id: %m");
	if (kill(getppid(), 0))
		err = errno;
	return osm_child_ready(sock, &err, sizeof(err)) ? 1 : 0;
}

static int read_scope(void)
{
	FILE *f = fopen("/proc/sys/kernel/yama/ptrace_scope", "re");
	int v = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%d", &v) != 1)
		v = 0;
	fclose(f);
	return v > 3 ? 3 : v;
}

/* The rules of @who's entry in a TCB or IB, or 0. */
static unsigned int rules_in(const struct osm_tcb_entry *v, int n,
			     const struct osm_node *who)
{
	int i;

	for (i = 0; i < n; i++)
		if (v[i].pd == who)
			return v[i].rules;
	return 0;
}

TEST(kill_0_means_in_tcb)
{
	OSM_OPTS(osm_tcb_opts, o, .ptrace_scope = read_scope());
	const struct osm_node *me, *it;
	struct osm_tcb_entry *v;
	struct osm_child c;
	struct osm_graph *g;
	int err, n, me_kills;

	OSM_START_AND_LOAD(&c, &g, OSM_SPAWN_FORK, 0, nobody_child, NULL,
			   &err, sizeof(err));
	me_kills = kill(c.pid, 0) ? errno : 0;
	me = osm_test_process(g, getpid());
	it = osm_test_process(g, c.pid);
	ASSERT_NE(NULL, me);
	ASSERT_NE(NULL, it);
	o.querier = osm_querier__new(g);
	ASSERT_NE(NULL, o.querier);

	/* The child's TCB holds us (we can signal it), and our IB it. */
	n = osm_query__tcb(g, it, &o, &v);
	ASSERT_LE(0, n);
	EXPECT_EQ(me_kills == 0,
		  !!(rules_in(v, n, me) & OSM_CONTROL_SIGNAL));
	osm_tcb__free(v, n);
	n = osm_query__impact(g, me, &o, &v);
	ASSERT_LE(0, n);
	EXPECT_EQ(me_kills == 0,
		  !!(rules_in(v, n, it) & OSM_CONTROL_SIGNAL));
	osm_tcb__free(v, n);

	/* Nobody cannot signal root: EPERM, and not in our TCB that way. */
	EXPECT_EQ(EPERM, err);
	n = osm_query__tcb(g, me, &o, &v);
	ASSERT_LE(0, n);
	EXPECT_EQ(err == 0, !!(rules_in(v, n, it) & OSM_CONTROL_SIGNAL));
	osm_tcb__free(v, n);
	osm_querier__free(o.querier);
	osm_graph__free(g);
	ASSERT_EQ(0, osm_child_finish(&c));
}

/* ---- compare of two processes against kcmp(2) -------------------------- */

static void check_compare(struct __test_metadata *_metadata,
			  enum osm_spawn how, unsigned long flags)
{
	struct osm_compare_type *v;
	struct osm_child c;
	struct osm_graph *g;
	size_t i;
	int n;

	OSM_START_AND_LOAD(&c, &g, how, flags, osm_child_idle, NULL, NULL, 0);
	n = osm_query__compare(g, osm_test_process(g, getpid()),
			       osm_test_process(g, c.pid), NULL, &v);
	ASSERT_LE(0, n);
	for (i = 0; i < ARRAY_SIZE(kcmp_types); i++) {
		int same = osm_test_kcmp(getpid(), c.pid, kcmp_types[i].kcmp,
					 0, 0);

		ASSERT_LE(0, same);
		EXPECT_EQ(same == 0, shared_type(v, n, kcmp_types[i].type))
			TH_LOG("%s: kcmp %d", kcmp_types[i].type, same);
	}
	/* Namespaces: the /proc inode numbers. */
	for (i = 0; i < ARRAY_SIZE(ns_names); i++) {
		unsigned long long a = osm_test_ns_ino(getpid(), ns_names[i]);
		unsigned long long b = osm_test_ns_ino(c.pid, ns_names[i]);
		char type[32];

		if (!a)
			continue;
		snprintf(type, sizeof(type), "%s_ns", ns_names[i]);
		EXPECT_EQ(a == b, shared_type(v, n, type)) TH_LOG("%s", type);
	}
	osm_compare__free(v, n);
	osm_graph__free(g);
	ASSERT_EQ(0, osm_child_finish(&c));
}

TEST(compare_fork_is_kcmp)
{
	check_compare(_metadata, OSM_SPAWN_FORK, 0);
}

TEST(compare_clone_files_fs_is_kcmp)
{
	check_compare(_metadata, OSM_SPAWN_CLONE, CLONE_FILES | CLONE_FS);
}

OSM_TEST_MAIN
