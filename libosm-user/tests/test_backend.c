// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * The procfs backend on this host, checked against what the kernel says
 * directly: a child with a second thread, a pipe and a socketpair shared
 * with it by fork, a dup()ed descriptor.  Ground truth: kcmp(2) for
 * which tasks share an mm, file table, fs, sighand or open file;
 * readlink of /proc/PID/ns/NAME; fstat(2) of our own descriptors;
 * /proc/PID/maps and /proc/PID/fd for the counts.  Also the backend
 * table (names, -EOPNOTSUPP for bpf until it is built in).  Output TAP.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/capability.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "osm.h"
#include "check.h"

static int pipefd[2], sv[2], dupfd, ready[2];

static void *idle(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

/* The child: a second thread, then wait to be killed. */
static void child(void)
{
	pthread_t t;
	char c = 1;

	pthread_create(&t, NULL, idle, NULL);
	usleep(10000);
	if (write(ready[1], &c, 1) != 1)
		_exit(1);
	for (;;)
		pause();
}

static const struct osm_node *held(const struct osm_graph *g, int tid,
				   const char *type)
{
	char id[32];
	const struct osm_node *n;
	size_t i;

	snprintf(id, sizeof(id), "thread:%d", tid);
	n = osm_graph__find(g, id);
	for (i = 0; n && i < osm_node__out_count(n); i++) {
		const struct osm_edge *e = osm_node__out(n, i);

		if (!strcmp(osm_edge__kind(e), OSM_EDGE_HOLD) &&
		    !strcmp(osm_node__type(osm_edge__dst(e)), type))
			return osm_edge__dst(e);
	}
	return NULL;
}

/* The file node descriptor @fd of @tid's table maps. */
static const struct osm_node *fd_file(const struct osm_graph *g, int tid,
				      int fd)
{
	const struct osm_node *files = held(g, tid, OSM_NODE_FILES);
	size_t i;

	for (i = 0; files && i < osm_node__out_count(files); i++) {
		const struct osm_edge *e = osm_node__out(files, i);
		const char *v = osm_edge__attr(e, "fd");

		if (v && atoi(v) == fd)
			return osm_edge__dst(e);
	}
	return NULL;
}

static const struct osm_node *file_inode(const struct osm_node *f)
{
	size_t i;

	for (i = 0; f && i < osm_node__out_count(f); i++)
		if (!strcmp(osm_edge__kind(osm_node__out(f, i)), OSM_EDGE_MAP))
			return osm_edge__dst(osm_node__out(f, i));
	return NULL;
}

static long kcmp(int a, int b, int type, long x, long y)
{
	return syscall(SYS_kcmp, a, b, type, x, y);
}

/* The child's second thread: the task that is not its leader. */
static int other_tid(pid_t pid)
{
	char path[64];
	int t;

	for (t = pid + 1; t < pid + 4096; t++) {
		snprintf(path, sizeof(path), "/proc/%d/task/%d", pid, t);
		if (!access(path, F_OK))
			return t;
	}
	return 0;
}

static size_t count_lines(const char *path, const char *skip)
{
	char line[4096];
	size_t n = 0;
	FILE *f = fopen(path, "r");

	while (f && fgets(line, sizeof(line), f))
		n += !(skip && strstr(line, skip));
	if (f)
		fclose(f);
	return n;
}

static void test_partition(const struct osm_graph *g, pid_t me, pid_t kid,
			   int kid2)
{
	static const struct { int type; const char *node; } kinds[] = {
		{ 0 /* unused */, NULL }, { 1, OSM_NODE_MM },
		{ 2, OSM_NODE_FILES }, { 3, OSM_NODE_FS },
		{ 4, OSM_NODE_SIGHAND },
	};
	int pairs[][2] = { { me, kid }, { kid, kid2 } };
	size_t k, p;

	for (k = 1; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		for (p = 0; p < 2; p++) {
			const struct osm_node *a, *b;
			long r;

			a = held(g, pairs[p][0], kinds[k].node);
			b = held(g, pairs[p][1], kinds[k].node);
			r = kcmp(pairs[p][0], pairs[p][1], kinds[k].type, 0, 0);
			CHECK(a && b);
			if (!a || !b || r < 0)
				continue;
			/* One node exactly when kcmp says one object. */
			if ((a == b) != (r == 0))
				printf("#   %s of %d and %d: kcmp %ld\n",
				       kinds[k].node, pairs[p][0],
				       pairs[p][1], r);
			CHECK((a == b) == (r == 0));
		}
}

static void test_ns(const struct osm_graph *g, pid_t kid)
{
	static const char *const ns[][2] = {
		{ "mnt", "mnt_ns" }, { "uts", "uts_ns" }, { "ipc", "ipc_ns" },
		{ "pid", "pid_ns" }, { "net", "net_ns" }, { "user", "user_ns" },
		{ "cgroup", "cgroup_ns" }, { "time", "time_ns" },
	};
	char path[64], id[64];
	struct stat st;
	size_t i;

	for (i = 0; i < 8; i++) {
		const struct osm_node *n;

		snprintf(path, sizeof(path), "/proc/%d/ns/%s", kid, ns[i][0]);
		if (stat(path, &st))
			continue;	/* a kernel without it */
		snprintf(id, sizeof(id), "%s:%llu", ns[i][1],
			 (unsigned long long)st.st_ino);
		n = held(g, kid, ns[i][1]);
		CHECK(n != NULL);
		if (n)
			CHECK_STR(osm_node__id(n), id);
	}
}

static void test_files(const struct osm_graph *g, pid_t me, pid_t kid)
{
	const struct osm_node *a, *b, *ino, *mm, *files;
	char id[64], path[64];
	struct stat st;
	int fds[] = { pipefd[0], pipefd[1], sv[0], sv[1] };
	size_t i;

	for (i = 0; i < 4; i++) {
		a = fd_file(g, me, fds[i]);
		b = fd_file(g, kid, fds[i]);
		/* Inherited by fork: one open file, as kcmp says. */
		CHECK(a && a == b);
		CHECK(kcmp(me, kid, 0, fds[i], fds[i]) == 0);
		CHECK(fstat(fds[i], &st) == 0);
		snprintf(id, sizeof(id), "inode:%u:%u:%llu", major(st.st_dev),
			 minor(st.st_dev), (unsigned long long)st.st_ino);
		ino = file_inode(a);
		CHECK(ino != NULL);
		if (ino)
			CHECK_STR(osm_node__id(ino), id);
	}
	/* dup(): one file; the two pipe ends: two files, one inode. */
	CHECK(fd_file(g, me, dupfd) == fd_file(g, me, pipefd[0]));
	CHECK(fd_file(g, me, pipefd[0]) != fd_file(g, me, pipefd[1]));
	CHECK(file_inode(fd_file(g, me, pipefd[0])) ==
	      file_inode(fd_file(g, me, pipefd[1])));
	CHECK_STR(osm_node__attr(fd_file(g, me, pipefd[1]), "mode"), "w");
	/* The counts /proc itself gives. */
	mm = held(g, kid, OSM_NODE_MM);
	snprintf(path, sizeof(path), "/proc/%d/maps", kid);
	snprintf(id, sizeof(id), "%zu", count_lines(path, "[vsyscall]"));
	CHECK(mm != NULL);
	if (mm)
		CHECK_STR(osm_node__attr(mm, "vmas"), id);
	files = held(g, kid, OSM_NODE_FILES);
	snprintf(path, sizeof(path), "ls /proc/%d/fd | wc -l", kid);
	CHECK(files != NULL);
	if (files) {
		FILE *f = popen(path, "r");
		int n = -1;

		if (f) {
			if (fscanf(f, "%d", &n) != 1)
				n = -1;
			pclose(f);
		}
		CHECK(n >= 0 && atoi(osm_node__attr(files, "fds")) == n);
	}
}

static void test_sockets(const struct osm_graph *g, pid_t me)
{
	const struct osm_node *a = file_inode(fd_file(g, me, sv[0]));
	const struct osm_node *b = file_inode(fd_file(g, me, sv[1]));
	const char *fam = a ? osm_node__attr(a, "family") : NULL;
	size_t i;
	bool peer = false;

	CHECK(a && b);
	if (!a || !b)
		return;
	CHECK_STR(osm_node__attr(a, "ftype"), "sock");
	if (!fam) {
		printf("# sock_diag answered nothing here: no socket attributes\n");
		return;
	}
	CHECK_STR(fam, "unix");
	CHECK_STR(osm_node__attr(a, "type"), "stream");
	for (i = 0; i < osm_node__out_count(a); i++)
		peer |= osm_edge__dst(osm_node__out(a, i)) == b &&
			!strcmp(osm_edge__kind(osm_node__out(a, i)),
				OSM_EDGE_PEER);
	CHECK(peer);
}

/*
 * The bpf backend without capabilities: a clean -EPERM that says what it
 * needs (in a child that dropped them all, so no BPF program is ever
 * loaded on the machine that runs the host tests).  0 when it held.
 */
static int bpf_without_caps(void)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3] = {};
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (!pid) {
		OSM_OPTS(osm_backend_opts, o, .backend = OSM_BACKEND_BPF);
		char why[256] = "";
		char *buf = NULL;
		size_t len;

		o.errbuf = why;
		o.errbuf_sz = sizeof(why);
		if (syscall(SYS_capset, &h, d))
			_exit(2);
		if (osm_backend__read(&o, &buf, &len) != -EPERM ||
		    !strstr(why, "CAP_BPF"))
			_exit(1);
		/* And auto passes over it (no module here either). */
		o.backend = OSM_BACKEND_AUTO;
		_exit(osm_backend__resolve(&o) == OSM_BACKEND_BPF ? 3 : 0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static void test_table(void)
{
	char *buf = NULL;
	size_t len;

	CHECK_STR(osm_backend__name(OSM_BACKEND_PROCFS), "procfs");
	CHECK_STR(osm_backend__name(OSM_BACKEND_MODULE), "module");
	CHECK(osm_backend__name(OSM_BACKEND_NR) == NULL);
	CHECK(osm_backend__from_name("bpf") == OSM_BACKEND_BPF);
	CHECK(osm_backend__from_name("nope") == -EINVAL);
	CHECK(bpf_without_caps() == 0);
	{
		OSM_OPTS(osm_backend_opts, o, .backend = 99);

		CHECK(osm_backend__read(&o, &buf, &len) == -EINVAL);
	}
	{
		OSM_OPTS(osm_backend_opts, o, .backend = OSM_BACKEND_PROCFS,
			 .max_bytes = 100);

		CHECK(osm_backend__read(&o, &buf, &len) == -EFBIG);
	}
}

int main(void)
{
	OSM_OPTS(osm_backend_opts, o, .backend = OSM_BACKEND_PROCFS);
	struct osm_graph *g, *g2;
	pid_t kid, me = getpid();
	const char *v;
	int kid2, st;
	char c;

	printf("TAP version 13\n1..1\n");
	if (pipe(pipefd) || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) ||
	    pipe(ready) || (dupfd = dup(pipefd[0])) < 0)
		return 1;
	kid = fork();
	if (!kid)
		child();
	if (read(ready[0], &c, 1) != 1)
		return 1;
	kid2 = other_tid(kid);
	g = osm_backend__load(&o);
	g2 = osm_backend__load(&o);
	CHECK(g && g2);
	CHECK(kid2 > 0);
	if (g && g2 && kid2 > 0) {
		v = osm_graph__header_attr(g, "backend");
		CHECK_STR(v, "procfs");
		CHECK(osm_graph__header_attr(g, "unseen") != NULL);
		CHECK(osm_graph__minor(g) >= 8);
		test_partition(g, me, kid, kid2);
		test_ns(g, kid);
		test_files(g, me, kid);
		test_sockets(g, me);
		/* Another run, another key: other ids for hashed nodes. */
		CHECK(strcmp(osm_node__id(held(g, kid, OSM_NODE_MM)),
			     osm_node__id(held(g2, kid, OSM_NODE_MM))));
	}
	osm_graph__free(g);
	osm_graph__free(g2);
	test_table();
	kill(kid, SIGKILL);
	waitpid(kid, &st, 0);
	printf("%sok 1 procfs backend against kcmp, /proc and fstat (%d checks)\n",
	       failures ? "not " : "", checks);
	return failures ? 1 : 0;
}
