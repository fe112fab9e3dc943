// SPDX-License-Identifier: GPL-2.0-only
/*
 * libosm's bpf backend (BPF iterators, no module) against ground truth
 * and against the module.  Scenario: this process with threads, a forked
 * child, a child in new uts/ipc/net namespaces, a pipe and a socketpair
 * shared by all.  Both graphs are checked against kcmp(2), /proc/PID/ns,
 * /proc/PID/maps and /proc/PID/fd, and against each other on every PD
 * they both show: namespaces, cgroup, and the partition of threads by
 * mm, files, fs and sighand (hashed ids differ between backends; which
 * tasks share one must not).  An unprivileged caller gets EPERM.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/kcmp.h>

#include "kselftest_harness.h"
#include "osm_test_util.h"
#include "backend_bpf.h"

#define NTHREADS	3
#define MAXTASKS	(NTHREADS + 3)

static const char *const ns_names[][2] = {	/* graph type, /proc name */
	{ "mnt_ns", "mnt" }, { "uts_ns", "uts" }, { "ipc_ns", "ipc" },
	{ "pid_ns", "pid" }, { "net_ns", "net" }, { "user_ns", "user" },
	{ "cgroup_ns", "cgroup" }, { "time_ns", "time" },
};

static const struct { const char *type; int kcmp; } shared[] = {
	{ OSM_NODE_MM, KCMP_VM }, { OSM_NODE_FILES, KCMP_FILES },
	{ OSM_NODE_FS, KCMP_FS }, { OSM_NODE_SIGHAND, KCMP_SIGHAND },
};

/* An attribute for EXPECT_STREQ: "-" when absent. */
static const char *attr(const struct osm_node *n, const char *key)
{
	const char *v = n ? osm_node__attr(n, key) : NULL;

	return v ? v : "-";
}

static int release_fd = -1;

static void *idle_thread(void *arg)
{
	char c;

	(void)arg;
	while (read(release_fd, &c, 1) < 0 && errno == EINTR)
		;
	return NULL;
}

static int ns_child(int sock, void *arg)
{
	(void)arg;
	return osm_child_ready(sock, NULL, 0) ? 1 : 0;
}

FIXTURE(bpf) {
	pthread_t th[NTHREADS];
	int release[2], pipefd[2], sp[2];
	struct osm_child fork_child, ns_child;
	pid_t tasks[MAXTASKS];	/* tids: us, threads, then the children */
	pid_t owner[MAXTASKS];	/* the process of each */
	int ntasks;
	char *text;
	size_t len;
	struct osm_graph *gb, *gm;
};

FIXTURE_SETUP(bpf)
{
	int i, r;

	if (getuid())
		SKIP(return, "needs root");
	/* Debian's kernels have BTF; the debug kernel (vm/debug-kernel.config)
	 * is built without debug info, so without it: CO-RE cannot relocate.
	 */
	if (access("/sys/kernel/btf/vmlinux", R_OK))
		SKIP(return, "the kernel has no BTF (/sys/kernel/btf/vmlinux: %m)");
	ASSERT_EQ(0, pipe2(self->release, O_CLOEXEC));
	release_fd = self->release[0];
	ASSERT_EQ(0, pipe(self->pipefd));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, self->sp));
	self->tasks[0] = self->owner[0] = getpid();
	self->ntasks = 1;
	for (i = 0; i < NTHREADS; i++)
		ASSERT_EQ(0, pthread_create(&self->th[i], NULL, idle_thread,
					    NULL));
	/* The threads' tids, from /proc/self/task. */
	{
		char path[64];
		pid_t tid;

		for (tid = getpid() + 1; self->ntasks < NTHREADS + 1 &&
		     tid < getpid() + 1000; tid++) {
			snprintf(path, sizeof(path), "/proc/self/task/%d", tid);
			if (!access(path, F_OK)) {
				self->owner[self->ntasks] = getpid();
				self->tasks[self->ntasks++] = tid;
			}
		}
		ASSERT_EQ(NTHREADS + 1, self->ntasks);
	}
	ASSERT_EQ(0, osm_child_start(&self->fork_child, OSM_SPAWN_FORK, 0,
				     osm_child_idle, NULL, NULL, 0))
		TH_LOG("%s", self->fork_child.err);
	self->owner[self->ntasks] = self->fork_child.pid;
	self->tasks[self->ntasks++] = self->fork_child.pid;
	ASSERT_EQ(0, osm_child_start(&self->ns_child, OSM_SPAWN_CLONE,
				     CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET,
				     ns_child, NULL, NULL, 0))
		TH_LOG("%s", self->ns_child.err);
	self->owner[self->ntasks] = self->ns_child.pid;
	self->tasks[self->ntasks++] = self->ns_child.pid;

	/* The log of a load that fails, in the test's output. */
	setenv("OSM_BPF_DEBUG", "1", 0);
	/* The bpf walk first: a process it shows and still lives now was
	 * there for the module's walk too.
	 */
	r = osm__backend_bpf_read(NULL, &self->text, &self->len);
	ASSERT_EQ(0, r) TH_LOG("bpf backend: %s", strerror(-r));
	self->gb = osm_graph__parse(self->text, self->len);
	ASSERT_NE(NULL, self->gb) TH_LOG("parse bpf text: %m");
	self->gm = osm_test_load();
	ASSERT_NE(NULL, self->gm) TH_LOG("load module graph: %m");
}

FIXTURE_TEARDOWN(bpf)
{
	int i;

	if (getuid())
		return;
	osm_graph__free(self->gb);
	osm_graph__free(self->gm);
	free(self->text);
	if (self->ns_child.pid > 0)
		osm_child_finish(&self->ns_child);
	if (self->fork_child.pid > 0)
		osm_child_finish(&self->fork_child);
	close(self->release[1]);
	for (i = 0; i < NTHREADS; i++)
		pthread_join(self->th[i], NULL);
}

/* The text follows the format, names its backend, leaks no address. */
TEST_F_TIMEOUT(bpf, text_is_wellformed, OSM_TIMEOUT)
{
	struct osm_text_info info;
	char err[256];
	const char *nl = memchr(self->text, '\n', self->len);

	ASSERT_EQ(0, osm_test_check_text(self->text, self->len, &info, err,
					 sizeof(err))) TH_LOG("%s", err);
	ASSERT_EQ(0, osm_test_check_leaks(self->text, self->len, err,
					  sizeof(err))) TH_LOG("%s", err);
	ASSERT_NE(NULL, nl);
	ASSERT_NE(NULL, memmem(self->text, nl - self->text, " backend=bpf",
			       12));
	ASSERT_NE(NULL, memmem(self->text, nl - self->text, " unseen=cred,",
			       13));
	EXPECT_STREQ("full", info.view);
	EXPECT_EQ(osm_test_ns_ino(getpid(), "pid"), info.pid_ns);
}

/* Every namespace of every scenario task is its /proc/PID/ns inode. */
TEST_F_TIMEOUT(bpf, namespaces_match_proc, OSM_TIMEOUT)
{
	size_t i, t;

	for (t = 0; t < (size_t)self->ntasks; t++) {
		pid_t tid = self->tasks[t];

		for (i = 0; i < ARRAY_SIZE(ns_names); i++) {
			unsigned long long ino = osm_test_ns_ino(tid, ns_names[i][1]);
			const struct osm_node *b, *m;

			b = osm_test_held_by_tid(self->gb, tid, ns_names[i][0]);
			m = osm_test_held_by_tid(self->gm, tid, ns_names[i][0]);
			if (!ino) {	/* the kernel lacks it */
				EXPECT_EQ(NULL, b) TH_LOG("%d %s", tid, ns_names[i][0]);
				continue;
			}
			ASSERT_NE(NULL, b) TH_LOG("bpf: %d holds no %s", tid,
						  ns_names[i][0]);
			ASSERT_NE(NULL, m) TH_LOG("module: %d holds no %s", tid,
						  ns_names[i][0]);
			EXPECT_EQ(ino, strtoull(osm_test_token(b), NULL, 10))
				TH_LOG("%d %s", tid, ns_names[i][0]);
			EXPECT_STREQ(osm_node__id(m), osm_node__id(b));
		}
	}
	/* The new namespaces are new. */
	EXPECT_STRNE(osm_node__id(osm_test_held_by_tid(self->gb, getpid(), "net_ns")),
		     osm_node__id(osm_test_held_by_tid(self->gb, self->ns_child.pid,
						       "net_ns")));
}

/* Tasks share an mm, files, fs, sighand node iff kcmp(2) says so. */
TEST_F_TIMEOUT(bpf, sharing_matches_kcmp, OSM_TIMEOUT)
{
	size_t k;
	int a, b;

	for (k = 0; k < ARRAY_SIZE(shared); k++)
		for (a = 0; a < self->ntasks; a++)
			for (b = 0; b < self->ntasks; b++) {
				pid_t ta = self->tasks[a], tb = self->tasks[b];
				const struct osm_node *na, *nb, *ma, *mb;
				int same = osm_test_kcmp(ta, tb, shared[k].kcmp,
							 0, 0);

				ASSERT_LE(0, same) TH_LOG("kcmp: %m");
				na = osm_test_held_by_tid(self->gb, ta, shared[k].type);
				nb = osm_test_held_by_tid(self->gb, tb, shared[k].type);
				ma = osm_test_held_by_tid(self->gm, ta, shared[k].type);
				mb = osm_test_held_by_tid(self->gm, tb, shared[k].type);
				ASSERT_TRUE(na && nb && ma && mb)
					TH_LOG("%s of %d/%d missing", shared[k].type,
					       ta, tb);
				EXPECT_EQ(same == 0, na == nb)
					TH_LOG("bpf %s %d %d", shared[k].type, ta, tb);
				EXPECT_EQ(same == 0, ma == mb)
					TH_LOG("module %s %d %d", shared[k].type, ta, tb);
			}
}

/*
 * Regions: /proc/PID/maps, and the module's, for each child (ours change
 * between the walks: the bpf backend maps and unmaps its own memory).
 */
TEST_F_TIMEOUT(bpf, vmas_match_maps, OSM_TIMEOUT)
{
	pid_t procs[] = { self->fork_child.pid, self->ns_child.pid };
	size_t p;
	int i;

	for (p = 0; p < ARRAY_SIZE(procs); p++) {
		struct osm_test_vma *pv = NULL, *bv = NULL, *mv = NULL;
		int np, nb, nm;

		np = osm_test_read_maps(procs[p], &pv);
		ASSERT_LT(0, np);
		nb = osm_test_graph_vmas(osm_test_held_by_tid(self->gb, procs[p],
							      OSM_NODE_MM), &bv);
		nm = osm_test_graph_vmas(osm_test_held_by_tid(self->gm, procs[p],
							      OSM_NODE_MM), &mv);
		ASSERT_EQ(nm, nb) TH_LOG("pid %d", procs[p]);
		ASSERT_EQ(np, nb) TH_LOG("pid %d", procs[p]);
		osm_test_sort_vmas(pv, np);
		osm_test_sort_vmas(bv, nb);
		osm_test_sort_vmas(mv, nm);
		for (i = 0; i < nb; i++) {
			EXPECT_EQ(mv[i].start, bv[i].start);
			EXPECT_EQ(mv[i].end, bv[i].end);
			EXPECT_STREQ(mv[i].perm, bv[i].perm);
			EXPECT_EQ(mv[i].pgoff, bv[i].pgoff);
			EXPECT_EQ(mv[i].ino, bv[i].ino);
			EXPECT_EQ(mv[i].major, bv[i].major);
			EXPECT_EQ(mv[i].minor, bv[i].minor);
			EXPECT_EQ(pv[i].start, bv[i].start);
			EXPECT_EQ(pv[i].end, bv[i].end);
			EXPECT_STREQ(pv[i].perm, bv[i].perm);
			EXPECT_EQ(pv[i].pgoff, bv[i].pgoff);
			EXPECT_EQ(pv[i].ino, bv[i].ino);
		}
		free(pv);
		free(bv);
		free(mv);
	}
}

/* "inode:..." of /proc/PID/fd/N, as fstat names it. */
static int proc_fd_inode(pid_t pid, int fd, char *buf, size_t len)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, fd);
	if (stat(path, &st))
		return -1;
	osm_test_inode_id(buf, len, st.st_dev, st.st_ino);
	return 0;
}

/*
 * Descriptors: the files node of each child has /proc/PID/fd's count,
 * each descriptor's inode is the one stat(2) names, and two descriptors
 * meet at one file node iff kcmp(KCMP_FILE) says they are one file, in
 * both graphs.
 */
TEST_F_TIMEOUT(bpf, fds_match_proc_and_kcmp, OSM_TIMEOUT)
{
	pid_t procs[] = { self->fork_child.pid, self->ns_child.pid };
	const struct osm_node *bf[2][64], *mf[2][64];
	int *fds[2] = {}, nfd[2], p, q, i, j;
	unsigned long long n;

	for (p = 0; p < 2; p++) {
		const struct osm_node *bt, *mt;

		nfd[p] = osm_test_proc_fds(procs[p], &fds[p]);
		ASSERT_LT(0, nfd[p]);
		ASSERT_GT(64, nfd[p]);
		bt = osm_test_held_by_tid(self->gb, procs[p], OSM_NODE_FILES);
		mt = osm_test_held_by_tid(self->gm, procs[p], OSM_NODE_FILES);
		ASSERT_TRUE(bt && mt);
		ASSERT_TRUE(osm_test_attr_ull(bt, "fds", &n));
		EXPECT_EQ((unsigned long long)nfd[p], n);
		for (i = 0; i < nfd[p]; i++) {
			const struct osm_node *bi, *mi;
			char want[128];

			bf[p][i] = osm_test_fd_file(bt, fds[p][i]);
			mf[p][i] = osm_test_fd_file(mt, fds[p][i]);
			ASSERT_TRUE(bf[p][i] && mf[p][i])
				TH_LOG("pid %d fd %d", procs[p], fds[p][i]);
			EXPECT_STREQ(attr(mf[p][i], "ftype"),
				     attr(bf[p][i], "ftype"));
			EXPECT_STREQ(attr(mf[p][i], "mode"),
				     attr(bf[p][i], "mode"));
			EXPECT_STREQ(attr(mf[p][i], "flags"),
				     attr(bf[p][i], "flags"));
			bi = osm_test_mapped_inode(bf[p][i]);
			mi = osm_test_mapped_inode(mf[p][i]);
			if (!mi) {
				EXPECT_EQ(NULL, bi);
				continue;
			}
			ASSERT_NE(NULL, bi) TH_LOG("pid %d fd %d", procs[p],
						   fds[p][i]);
			ASSERT_EQ(0, proc_fd_inode(procs[p], fds[p][i], want,
						   sizeof(want)));
			EXPECT_STREQ(want, osm_node__id(bi));
			EXPECT_STREQ(osm_node__id(mi), osm_node__id(bi));
		}
	}
	for (p = 0; p < 2; p++)
		for (q = 0; q < 2; q++)
			for (i = 0; i < nfd[p]; i++)
				for (j = 0; j < nfd[q]; j++) {
					int same = osm_test_kcmp(procs[p], procs[q],
								 KCMP_FILE,
								 fds[p][i],
								 fds[q][j]);

					ASSERT_LE(0, same);
					EXPECT_EQ(same == 0, bf[p][i] == bf[q][j])
						TH_LOG("bpf %d:%d %d:%d", procs[p],
						       fds[p][i], procs[q], fds[q][j]);
					EXPECT_EQ(same == 0, mf[p][i] == mf[q][j]);
				}
	free(fds[0]);
	free(fds[1]);
}

/*
 * Every PD of the bpf walk that still lives is in the module's walk,
 * with the same process, comm and namespaces and cgroup; and across all
 * threads in both, the two graphs group threads alike by mm, files, fs
 * and sighand (a bijection between the two backends' hashed ids).
 */
TEST_F_TIMEOUT(bpf, every_pd_agrees, OSM_TIMEOUT)
{
	size_t i, j, k, n = osm_graph__node_count(self->gb), nthreads = 0;
	const struct osm_node **bt = calloc(n, sizeof(*bt));
	const struct osm_node **mt = calloc(n, sizeof(*mt));

	ASSERT_TRUE(bt && mt);
	for (i = 0; i < n; i++) {
		const struct osm_node *b = osm_graph__node(self->gb, i), *m;
		const char *type = osm_node__type(b);

		if (strcmp(type, "thread") && strcmp(type, "process"))
			continue;
		m = osm_test_find(self->gm, "%s", osm_node__id(b));
		if (!m) {
			EXPECT_EQ(-1, kill(atoi(osm_test_token(b)), 0))
				TH_LOG("%s alive but not in the module's walk",
				       osm_node__id(b));
			continue;
		}
		EXPECT_STREQ(attr(m, "comm"), attr(b, "comm"))
			TH_LOG("%s", osm_node__id(b));
		if (!strcmp(type, "process")) {
			EXPECT_STREQ(attr(m, "ppid"),
				     attr(b, "ppid"));
			EXPECT_STREQ(attr(m, "uid"),
				     attr(b, "uid"));
			continue;
		}
		EXPECT_STREQ(attr(m, "tgid"), attr(b, "tgid"));
		EXPECT_STREQ(attr(m, "kthread"),
			     attr(b, "kthread"));
		for (k = 0; k < ARRAY_SIZE(ns_names); k++) {
			const struct osm_node *x = osm_test_held(b, ns_names[k][0]);
			const struct osm_node *y = osm_test_held(m, ns_names[k][0]);

			EXPECT_STREQ(y ? osm_node__id(y) : "-",
				     x ? osm_node__id(x) : "-")
				TH_LOG("%s %s", osm_node__id(b), ns_names[k][0]);
		}
		{
			const struct osm_node *x = osm_test_held(b, "cgroup");
			const struct osm_node *y = osm_test_held(m, "cgroup");

			EXPECT_STREQ(y ? osm_node__id(y) : "-",
				     x ? osm_node__id(x) : "-")
				TH_LOG("%s cgroup", osm_node__id(b));
		}
		bt[nthreads] = b;
		mt[nthreads++] = m;
	}
	ASSERT_LT(10, nthreads);
	for (k = 0; k < ARRAY_SIZE(shared); k++)
		for (i = 0; i < nthreads; i++) {
			const struct osm_node *bi = osm_test_held(bt[i], shared[k].type);
			const struct osm_node *mi = osm_test_held(mt[i], shared[k].type);

			EXPECT_EQ(!mi, !bi) TH_LOG("%s %s", osm_node__id(bt[i]),
						   shared[k].type);
			for (j = 0; bi && mi && j < i; j++) {
				const struct osm_node *bj = osm_test_held(bt[j], shared[k].type);
				const struct osm_node *mj = osm_test_held(mt[j], shared[k].type);

				if (!bj || !mj)
					continue;
				EXPECT_EQ(mi == mj, bi == bj)
					TH_LOG("%s %s %s", shared[k].type,
					       osm_node__id(bt[i]), osm_node__id(bt[j]));
			}
		}
	free(bt);
	free(mt);
}

/* Without CAP_BPF + CAP_PERFMON (uid 65534): EPERM, and no text. */
TEST(unprivileged_gets_eperm)
{
	int status;
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (!pid) {
		char *text = NULL;
		size_t len = 0;
		int r;

		if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(2);
		r = osm__backend_bpf_read(NULL, &text, &len);
		_exit(r == -EPERM && errno == EPERM && !text ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* Options: a size too small or unknown flags are EINVAL. */
TEST(bad_opts_einval)
{
	struct osm_backend_bpf_opts o = { .sz = sizeof(o), .flags = 1 };
	char *text = NULL;
	size_t len;

	EXPECT_EQ(-EINVAL, osm__backend_bpf_read(&o, &text, &len));
	o.flags = 0;
	o.sz = 2;
	EXPECT_EQ(-EINVAL, osm__backend_bpf_read(&o, &text, &len));
	EXPECT_EQ(-EINVAL, osm__backend_bpf_read(NULL, NULL, &len));
	EXPECT_EQ(NULL, text);
}

OSM_TEST_MAIN
