// SPDX-License-Identifier: GPL-2.0-only
/*
 * The procfs backend against the module: two independent walks of the
 * same scenarios (threads, one of which unshared its file table and fs;
 * a forked process sharing a pipe, a socketpair and a dup()ed
 * descriptor; new uts, ipc and net namespaces) must agree on every PD
 * alive through both walks, and, for the scenario's threads, on every
 * namespace, cgroup and inode id (the kernel's own numbers, compared as
 * text) and on which threads share an mm, file table, fs, sighand or
 * open file (hashed ids, compared as partitions: same node in one graph
 * exactly when same node in the other).  kcmp(2) is the third opinion
 * for the partitions.  An unprivileged reader (uid 65534) gets a
 * procfs walk of what it may inspect and a clean error from bpf.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "osm_test_util.h"

#define NTID	4	/* the child, its two threads, the forked process */
#define NFD	5	/* pipe, socketpair, dup */

struct scenario {
	pid_t tids[NTID];
	int fds[NFD];
};

static pthread_barrier_t started;
static pid_t thread_tids[2];

static void *thread_fn(void *arg)
{
	long i = (long)arg;

	/* The second thread: a file table and fs of its own. */
	if (i == 1 && unshare(CLONE_FILES | CLONE_FS))
		thread_tids[i] = -errno;
	else
		thread_tids[i] = osm_test_gettid();
	pthread_barrier_wait(&started);
	for (;;)
		pause();
	return NULL;
}

static int scenario_child(int sock, void *arg)
{
	int ns = *(int *)arg, p[2], sv[2];
	struct scenario s;
	pthread_t t;
	long i;

	if (ns && unshare(CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET))
		osm_child_fail(sock, "unshare: %m");
	if (pipe(p) || socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		osm_child_fail(sock, "pipe, socketpair: %m");
	s.fds[0] = p[0];
	s.fds[1] = p[1];
	s.fds[2] = sv[0];
	s.fds[3] = sv[1];
	s.fds[4] = dup(p[0]);
	pthread_barrier_init(&started, NULL, 3);
	for (i = 0; i < 2; i++)
		if (pthread_create(&t, NULL, thread_fn, (void *)i))
			osm_child_fail(sock, "pthread_create");
	pthread_barrier_wait(&started);
	s.tids[0] = getpid();
	s.tids[1] = thread_tids[0];
	s.tids[2] = thread_tids[1];
	if (s.tids[2] < 0)
		osm_child_fail(sock, "unshare(CLONE_FILES|CLONE_FS): %s",
			       strerror(-s.tids[2]));
	s.tids[3] = osm_child_fork_sleeper();
	if (s.tids[3] < 0)
		osm_child_fail(sock, "fork: %m");
	return osm_child_ready(sock, &s, sizeof(s)) ? 1 : 0;
}

static struct osm_graph *load_procfs(void)
{
	OSM_OPTS(osm_backend_opts, o, .backend = OSM_BACKEND_PROCFS);

	return osm_backend__load(&o);
}

static bool same(const struct osm_node *a, const struct osm_node *b)
{
	return a && b && a == b;
}

/* Every thread alive through both module walks is in the procfs walk. */
static void expect_pds(struct __test_metadata *_metadata,
		       const struct osm_graph *m1, const struct osm_graph *p,
		       const struct osm_graph *m2)
{
	size_t i, n = osm_graph__node_count(p), checked = 0;

	for (i = 0; i < osm_graph__node_count(m1); i++) {
		const struct osm_node *x = osm_graph__node(m1, i);
		const char *id = osm_node__id(x);

		if (!osm_node__is_pd(x) || !osm_graph__find(m2, id))
			continue;
		checked++;
		EXPECT_NE(NULL, osm_graph__find(p, id))
			TH_LOG("%s in both module walks, not in procfs's", id);
	}
	/* And the procfs walk invents none. */
	for (i = 0; i < n; i++) {
		const struct osm_node *x = osm_graph__node(p, i);
		const char *id = osm_node__id(x);

		if (!osm_node__is_pd(x))
			continue;
		EXPECT_TRUE(osm_graph__find(m1, id) || osm_graph__find(m2, id))
			TH_LOG("%s only in the procfs walk", id);
	}
	EXPECT_LT(10, checked);
}

static const char *const kinds[] = { "mm", "files", "fs", "sighand" };
static const int kcmp_type[] = { 1, 2, 3, 4 };

static void expect_partitions(struct __test_metadata *_metadata,
			      const struct osm_graph *m,
			      const struct osm_graph *p,
			      const struct scenario *s)
{
	size_t k;
	int i, j;

	for (k = 0; k < 4; k++)
		for (i = 0; i < NTID; i++)
			for (j = i + 1; j < NTID; j++) {
				pid_t a = s->tids[i], b = s->tids[j];
				bool sm = same(osm_test_held_by_tid(m, a, kinds[k]),
					       osm_test_held_by_tid(m, b, kinds[k]));
				bool sp = same(osm_test_held_by_tid(p, a, kinds[k]),
					       osm_test_held_by_tid(p, b, kinds[k]));
				int kc = osm_test_kcmp(a, b, kcmp_type[k], 0, 0);

				EXPECT_EQ(sm, sp) TH_LOG("%s of %d and %d",
							 kinds[k], a, b);
				EXPECT_EQ(kc == 0, sp) TH_LOG("%s of %d and %d: kcmp %d",
							      kinds[k], a, b, kc);
			}
}

static const char *const ns_types[] = {
	"mnt_ns", "uts_ns", "ipc_ns", "pid_ns", "net_ns", "user_ns",
	"cgroup_ns", "time_ns", "cgroup",
};

/* The kernel's own numbers: the same text in both graphs. */
static void expect_public_ids(struct __test_metadata *_metadata,
			      const struct osm_graph *m,
			      const struct osm_graph *p,
			      const struct scenario *s)
{
	size_t k;
	int i;

	for (i = 0; i < NTID; i++)
		for (k = 0; k < sizeof(ns_types) / sizeof(ns_types[0]); k++) {
			const struct osm_node *a, *b;

			a = osm_test_held_by_tid(m, s->tids[i], ns_types[k]);
			b = osm_test_held_by_tid(p, s->tids[i], ns_types[k]);
			ASSERT_NE(NULL, a) TH_LOG("module: %d no %s",
						  s->tids[i], ns_types[k]);
			ASSERT_NE(NULL, b) TH_LOG("procfs: %d no %s",
						  s->tids[i], ns_types[k]);
			EXPECT_STREQ(osm_node__id(a), osm_node__id(b));
		}
}

/* Descriptors: one inode id, and the same open-file partition. */
static void expect_files(struct __test_metadata *_metadata,
			 const struct osm_graph *m, const struct osm_graph *p,
			 const struct scenario *s)
{
	const struct osm_node *fm[NTID][NFD], *fp[NTID][NFD];
	int i, j, a, b;

	for (i = 0; i < NTID; i++)
		for (j = 0; j < NFD; j++) {
			const struct osm_node *im, *ip;

			fm[i][j] = osm_test_fd_file(osm_test_held_by_tid(m,
						    s->tids[i], "files"),
						    s->fds[j]);
			fp[i][j] = osm_test_fd_file(osm_test_held_by_tid(p,
						    s->tids[i], "files"),
						    s->fds[j]);
			ASSERT_NE(NULL, fm[i][j]);
			ASSERT_NE(NULL, fp[i][j]) TH_LOG("procfs: %d fd %d",
							 s->tids[i], s->fds[j]);
			im = osm_test_mapped_inode(fm[i][j]);
			ip = osm_test_mapped_inode(fp[i][j]);
			ASSERT_NE(NULL, im);
			ASSERT_NE(NULL, ip);
			EXPECT_STREQ(osm_node__id(im), osm_node__id(ip));
		}
	for (a = 0; a < NTID * NFD; a++)
		for (b = a + 1; b < NTID * NFD; b++) {
			int ia = a / NFD, ja = a % NFD, ib = b / NFD, jb = b % NFD;

			EXPECT_EQ(fm[ia][ja] == fm[ib][jb],
				  fp[ia][ja] == fp[ib][jb])
				TH_LOG("%d fd %d and %d fd %d", s->tids[ia],
				       s->fds[ja], s->tids[ib], s->fds[jb]);
		}
}

/* The regions of the child's mm: the same starts and ends. */
static void expect_vmas(struct __test_metadata *_metadata,
			const struct osm_graph *m, const struct osm_graph *p,
			pid_t pid)
{
	struct osm_test_vma *vm = NULL, *vp = NULL;
	int nm, np, i;

	nm = osm_test_graph_vmas(osm_test_held_by_tid(m, pid, "mm"), &vm);
	np = osm_test_graph_vmas(osm_test_held_by_tid(p, pid, "mm"), &vp);
	ASSERT_LT(0, nm);
	ASSERT_EQ(nm, np);
	osm_test_sort_vmas(vm, nm);
	osm_test_sort_vmas(vp, np);
	for (i = 0; i < nm; i++) {
		EXPECT_EQ(vm[i].start, vp[i].start);
		EXPECT_EQ(vm[i].end, vp[i].end);
		EXPECT_STREQ(vm[i].perm, vp[i].perm);
	}
	free(vm);
	free(vp);
}

static void run(struct __test_metadata *_metadata, int ns)
{
	struct osm_graph *m1, *p, *m2;
	struct osm_child c;
	struct scenario s;

	ASSERT_EQ(0, osm_child_start(&c, OSM_SPAWN_FORK, 0, scenario_child,
				     &ns, &s, sizeof(s)))
		TH_LOG("%m: %s", c.err);
	m1 = osm_test_load();
	p = load_procfs();
	m2 = osm_test_load();
	ASSERT_NE(NULL, m1);
	ASSERT_NE(NULL, p) TH_LOG("procfs backend: %m");
	ASSERT_NE(NULL, m2);
	EXPECT_STREQ("procfs", osm_graph__header_attr(p, "backend"));
	EXPECT_STREQ("module", osm_graph__header_attr(m1, "backend"));
	EXPECT_STREQ(osm_graph__header_attr(m1, "pid_ns"),
		     osm_graph__header_attr(p, "pid_ns"));
	EXPECT_STREQ(osm_graph__header_attr(m1, "view"),
		     osm_graph__header_attr(p, "view"));
	expect_pds(_metadata, m1, p, m2);
	expect_partitions(_metadata, m1, p, &s);
	expect_public_ids(_metadata, m1, p, &s);
	expect_files(_metadata, m1, p, &s);
	expect_vmas(_metadata, m1, p, s.tids[0]);
	expect_vmas(_metadata, m1, p, s.tids[3]);
	osm_graph__free(m1);
	osm_graph__free(p);
	osm_graph__free(m2);
	EXPECT_EQ(0, osm_child_finish(&c));
}

TEST(agree_threads_fork_pipe_socketpair)
{
	run(_metadata, 0);
}

TEST(agree_unshare)
{
	run(_metadata, 1);
}

/*
 * As uid 65534: procfs gives view=own with this process and without
 * init; bpf refuses cleanly; the module's own view holds the same PDs.
 * The child reports a failure as a line on the pipe.
 */
static void unprivileged(int out)
{
	OSM_OPTS(osm_backend_opts, bo, .backend = OSM_BACKEND_BPF);
	struct osm_graph *p, *m;
	char msg[256] = "";
	size_t len, i;
	char *buf;
	int r;

	if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
	    setresuid(65534, 65534, 65534))
		snprintf(msg, sizeof(msg), "setresuid: %m");
	p = *msg ? NULL : load_procfs();
	if (!*msg && !p)
		snprintf(msg, sizeof(msg), "procfs as 65534: %m");
	if (!*msg) {
		const char *v = osm_graph__header_attr(p, "view");

		if (!v || strcmp(v, "own"))
			snprintf(msg, sizeof(msg), "view=%s", v ? v : "?");
		else if (!osm_test_thread(p, getpid()))
			snprintf(msg, sizeof(msg), "own thread missing");
		else if (osm_test_process(p, 1))
			snprintf(msg, sizeof(msg), "init visible");
		m = osm_test_load();
		for (i = 0; m && !*msg && i < osm_graph__node_count(m); i++) {
			const struct osm_node *n = osm_graph__node(m, i);

			if (!strcmp(osm_node__type(n), "process") &&
			    !osm_graph__find(p, osm_node__id(n)) &&
			    !kill(atoi(osm_test_token(n)), 0))
				snprintf(msg, sizeof(msg), "%s: module only",
					 osm_node__id(n));
		}
		osm_graph__free(m);
		osm_graph__free(p);
	}
	r = osm_backend__read(&bo, &buf, &len);
	if (!*msg && !r)
		free(buf);
	else if (!*msg && r != -EOPNOTSUPP && r != -EPERM)
		snprintf(msg, sizeof(msg), "bpf as 65534: %d", r);
	if (write(out, msg, strlen(msg)) < 0)
		_exit(2);
	_exit(0);
}

TEST(unprivileged_falls_back)
{
	char msg[256] = "";
	int p[2], st;
	ssize_t n;
	pid_t kid;

	ASSERT_EQ(0, pipe(p));
	kid = fork();
	ASSERT_LE(0, kid);
	if (!kid) {
		close(p[0]);
		unprivileged(p[1]);
	}
	close(p[1]);
	n = read(p[0], msg, sizeof(msg) - 1);
	close(p[0]);
	ASSERT_EQ(kid, waitpid(kid, &st, 0));
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	EXPECT_EQ(0, n) TH_LOG("%s", msg);
}

OSM_TEST_MAIN
