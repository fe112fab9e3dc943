// SPDX-License-Identifier: GPL-2.0-only
/*
 * The privilege matrix: what a reader may read and what a caller may
 * spawn, as root, as an unprivileged user (uid 65534), as root of that
 * user's own user namespace, as root in a child pid namespace, and under
 * seccomp filters that deny ioctl(2) or clone3(2); and what a descriptor
 * of /dev/osmosis passed with SCM_RIGHTS carries.
 *
 * Read: the processes a walk shows are exactly those /proc lets the
 * reader inspect (it can open /proc/PID/maps and read /proc/PID/ns/net)
 * among the processes alive before and after the walk; no physical
 * frames (OSM_SCOPE_PHYS is -EPERM) and no kernel thread unless the
 * reader is privileged in the initial namespaces; no value anywhere that
 * looks like a kernel address (osm_test_check_leaks()).
 *
 * Spawn: osm_spawn() of the process, container and pir presets and of
 * new namespaces without a new user namespace, and PREPARE of a join of
 * init's net namespace, each with the result the kernel's own rules give
 * (clone(2), setns(2), cgroup file permissions): 0, -EPERM or -EACCES.
 *
 * Passing the descriptor: reads and OSM_IOC_SET_SCOPE follow the opener
 * (file->f_cred, as /proc files do: a descriptor opened by root and
 * handed over is root's delegation), the spawn ioctls the caller (a
 * descriptor from root gives an unprivileged caller no new namespace;
 * one from an unprivileged opener takes nothing from root).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "kselftest_harness.h"
#include "osm_test_util.h"

#define NOBODY		65534
#define PRIV_EXIT_ARG	"--osm-priv-exit"
#define MSG_MAX		4096

/* A spawned PD runs this binary with PRIV_EXIT_ARG: it exits 0 at once. */
static void __attribute__((constructor)) priv_exec_target(int argc,
							  char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], PRIV_EXIT_ARG))
		_exit(0);
}

enum ctx {
	CTX_ROOT, CTX_NOBODY, CTX_USERNS, CTX_PIDNS, CTX_SECCOMP_IOCTL,
	CTX_SECCOMP_CLONE3, NR_CTX
};

static const char *const ctx_name[NR_CTX] = {
	[CTX_ROOT] = "root",
	[CTX_NOBODY] = "uid 65534",
	[CTX_USERNS] = "root of uid 65534's user namespace",
	[CTX_PIDNS] = "root in a child pid namespace",
	[CTX_SECCOMP_IOCTL] = "root under a filter denying ioctl",
	[CTX_SECCOMP_CLONE3] = "root under a filter denying clone3",
};

/* Failures noted by a child, read by the test (a shared page). */
struct report {
	int fails;
	int checks;
	char msg[MSG_MAX];
};

static struct report *R;
static char exe[256];
static int init_net_fd = -1;	/* /proc/1/ns/net, opened as root */

static void __attribute__((format(printf, 1, 2))) note(const char *fmt, ...)
{
	size_t l = strlen(R->msg);
	va_list ap;

	R->fails++;
	if (l + 8 >= sizeof(R->msg))
		return;
	if (l)
		R->msg[l++] = '\n';
	va_start(ap, fmt);
	vsnprintf(R->msg + l, sizeof(R->msg) - l, fmt, ap);
	va_end(ap);
}

/* One check: true if @ok, else a note. */
#define CHECK(ok, fmt, ...) do {					\
		R->checks++;						\
		if (!(ok))						\
			note("%s: " fmt, ctx_name[cur], ##__VA_ARGS__);	\
	} while (0)

static enum ctx cur;

/* ---- entering a context ---------------------------------------------- */

static int become_nobody(void)
{
	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY))
		return -1;
	/* The uid change made us non-dumpable: be an ordinary process. */
	return prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
}

/* Deny system call @nr with EPERM, allow the rest (native arch only). */
static int deny_syscall(int nr)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

/*
 * Enter @c in this (forked) process.  For a child pid namespace, the
 * process forks once more and returns in the child (pid 1 there, with
 * its own /proc); the parent waits and exits with its status.
 */
static int enter(enum ctx c)
{
	char map[64];
	pid_t pid;
	int status;

	switch (c) {
	case CTX_ROOT:
		return 0;
	case CTX_NOBODY:
		return become_nobody();
	case CTX_USERNS:
		if (become_nobody() || unshare(CLONE_NEWUSER))
			return -1;
		snprintf(map, sizeof(map), "0 %d 1", NOBODY);
		if (osm_test_write_small("/proc/self/setgroups", "deny") ||
		    osm_test_write_small("/proc/self/uid_map", map) ||
		    osm_test_write_small("/proc/self/gid_map", map))
			return -1;
		return setresuid(0, 0, 0) || setresgid(0, 0, 0) ? -1 : 0;
	case CTX_PIDNS:
		if (unshare(CLONE_NEWPID | CLONE_NEWNS) ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
			return -1;
		pid = fork();
		if (pid < 0)
			return -1;
		if (pid > 0) {
			if (waitpid(pid, &status, 0) != pid)
				_exit(81);
			_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 82);
		}
		return mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV |
			     MS_NOEXEC, NULL);
	case CTX_SECCOMP_IOCTL:
		return deny_syscall(__NR_ioctl);
	case CTX_SECCOMP_CLONE3:
		return deny_syscall(__NR_clone3);
	default:
		errno = EINVAL;
		return -1;
	}
}

/* Run @fn in a child in context @c; 0 if nothing failed (else logged). */
static int in_ctx(struct __test_metadata *_metadata, enum ctx c,
		  void (*fn)(void *arg), void *arg)
{
	int status = -1;
	pid_t pid;

	memset(R, 0, sizeof(*R));
	pid = fork();
	if (pid == 0) {
		cur = c;
		if (enter(c)) {
			note("%s: entering the context: %m", ctx_name[c]);
			_exit(80);
		}
		fn(arg);
		_exit(R->fails ? 1 : 0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	if (R->msg[0])
		TH_LOG("%s", R->msg);
	TH_LOG("%s: %d checks, %d failed, exit status %#x", ctx_name[c],
	       R->checks, R->fails, status);
	return WIFEXITED(status) && !WEXITSTATUS(status) && !R->fails &&
	       R->checks ? 0 : -1;
}

/* ---- what a context may read ----------------------------------------- */

/* Can this process open /proc/PID/maps and read /proc/PID/ns/net? */
static int inspectable(pid_t pid)
{
	char path[64], buf[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ESRCH ? -1 : 0;
	close(fd);
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	if (readlink(path, buf, sizeof(buf)) > 0)
		return 1;
	return errno == ENOENT || errno == ESRCH ? -1 : 0;
}

/* The pids in /proc: 1 inspectable, 0 not, in @state (indexed by pid). */
#define PID_SPACE	(1 << 16)
static signed char *proc_state(void)
{
	signed char *st = malloc(PID_SPACE);
	struct dirent *de;
	DIR *d;

	if (!st)
		return NULL;
	memset(st, -1, PID_SPACE);
	d = opendir("/proc");
	if (!d) {
		free(st);
		return NULL;
	}
	while ((de = readdir(d))) {
		long pid = strtol(de->d_name, NULL, 10);

		if (pid > 0 && pid < PID_SPACE)
			st[pid] = inspectable(pid);
	}
	closedir(d);
	return st;
}

/* Helpers the walk must show or hide: same uid, dumpable or not. */
static pid_t helper(bool dumpable)
{
	char c = 0;
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid == 0) {
		if (!dumpable)
			prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (write(p[1], &c, 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	/* Back once it is as it should be for the walk. */
	if (pid > 0 && read(p[0], &c, 1) != 1) {
		waitpid(pid, NULL, 0);
		pid = -1;
	}
	close(p[0]);
	return pid;
}

static void end_helper(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

/* A process shown that /proc hides: a failure, with what it is. */
static void describe(pid_t pid, const char *id, pid_t dumpable,
		     pid_t hidden)
{
	char name[64] = "?", uid[64] = "?", path[64], link[64];
	int maps_err = 0, ns_err = 0, fd;

	osm_test_status_field(pid, "Name", name, sizeof(name));
	osm_test_status_field(pid, "Uid", uid, sizeof(uid));
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		maps_err = errno;
	else
		close(fd);
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	if (readlink(path, link, sizeof(link)) < 0)
		ns_err = errno;
	CHECK(false, "shows %s (%s, Uid %s%s), which /proc does not let it "
	      "inspect (maps: %s, ns/net: %s)", id, name, uid,
	      pid == getpid() ? ", itself" : pid == dumpable ?
	      ", its dumpable child" : pid == hidden ?
	      ", its non-dumpable child" : "", strerror(maps_err),
	      strerror(ns_err));
}

static bool privileged_view(void)
{
	return cur == CTX_ROOT || cur == CTX_SECCOMP_IOCTL ||
	       cur == CTX_SECCOMP_CLONE3;
}

static bool may_phys(void)
{
	return cur == CTX_ROOT || cur == CTX_PIDNS ||
	       cur == CTX_SECCOMP_CLONE3;
}

/* What a scoped open with physical memory gives: 0 or -errno. */
static int try_phys(bool *has_phys_nodes)
{
	struct osm_scope sc = { .size = sizeof(sc), .flags = OSM_SCOPE_PHYS };
	int fd = open(osm_test_device(), O_RDONLY | O_CLOEXEC), ret;
	char *buf;
	size_t len;

	*has_phys_nodes = false;
	if (fd < 0)
		return -errno;
	ret = ioctl(fd, OSM_IOC_SET_SCOPE, &sc) ? -errno : 0;
	buf = osm_test_read_fd(fd, 1 << 16, &len);
	close(fd);
	if (buf) {
		*has_phys_nodes = osm_test_text_lines(buf, len, NULL,
						      OSM_REC_NODE " "
						      OSM_NODE_PHYS ":");
		free(buf);
	}
	return ret;
}

static void check_read(void *arg)
{
	bool dumpable_shown, hidden_shown, phys_nodes, priv = privileged_view();
	signed char *before, *after;
	struct osm_text_info info;
	pid_t dumpable, hidden;
	struct osm_graph *g;
	struct stat st;
	char *buf, err[512];
	size_t len, i, kthreads = 0, processes = 0;
	int ret;

	(void)arg;
	dumpable = helper(true);
	hidden = helper(false);
	CHECK(dumpable > 0 && hidden > 0, "fork: %m");
	before = proc_state();
	buf = osm_test_read_device(1 << 16, &len);
	after = proc_state();
	CHECK(buf && before && after, "read %s: %m", osm_test_device());
	if (!buf || !before || !after)
		return;
	ret = osm_test_check_text(buf, len, &info, err, sizeof(err));
	CHECK(!ret, "malformed walk: %s", err);
	ret = osm_test_check_leaks(buf, len, err, sizeof(err));
	CHECK(!ret, "%s", err);
	CHECK(!strcmp(info.view, priv || cur == CTX_PIDNS ? "full" : "own"),
	      "header view=%s", info.view);
	CHECK(!stat("/proc/self/ns/pid", &st) && st.st_ino == info.pid_ns,
	      "header pid_ns=%llu, /proc/self/ns/pid %llu", info.pid_ns,
	      (unsigned long long)st.st_ino);
	CHECK(!osm_test_text_lines(buf, len, NULL, OSM_REC_NODE " "
				   OSM_NODE_PHYS ":"), "phys nodes unasked");
	g = osm_graph__parse(buf, len);
	CHECK(g, "osm_graph__parse: %m");
	if (!g)
		goto out;

	/* Every process shown is one /proc lets us inspect, if alive. */
	for (i = 0; i < osm_graph__node_count(g); i++) {
		const struct osm_node *n = osm_graph__node(g, i);
		const char *type = osm_node__type(n), *kt;
		long pid;

		if (strcmp(type, OSM_NODE_PROCESS) &&
		    strcmp(type, OSM_NODE_THREAD))
			continue;
		kt = osm_node__attr(n, "kthread");
		if (kt && !strcmp(kt, "1"))
			kthreads++;
		if (strcmp(type, OSM_NODE_PROCESS))
			continue;
		processes++;
		pid = strtol(osm_test_token(n), NULL, 10);
		if (pid <= 0 || pid >= PID_SPACE) {
			CHECK(false, "%s: pid out of range", osm_node__id(n));
			continue;
		}
		if (after[pid] == 0)
			describe(pid, osm_node__id(n), dumpable, hidden);
		/* Nothing else runs in a new pid namespace: no excuse. */
		if (cur == CTX_PIDNS)
			CHECK(after[pid] == 1, "shows %s, not in its /proc",
			      osm_node__id(n));
	}
	/* Every process inspectable before and after the walk is shown. */
	for (i = 1; i < PID_SPACE; i++)
		if (before[i] == 1 && after[i] == 1)
			CHECK(osm_test_process(g, i) || osm_test_thread(g, i),
			      "can inspect pid %zu, the walk lacks it", i);
	CHECK(processes > 0, "no process at all");
	CHECK(priv ? kthreads > 0 : kthreads == 0, "%zu kernel threads shown",
	      kthreads);
	/* Explicitly: a same-uid process, and one that is not dumpable. */
	dumpable_shown = osm_test_process(g, dumpable);
	hidden_shown = osm_test_process(g, hidden);
	CHECK(dumpable_shown, "its own dumpable child %d not shown",
	      dumpable);
	if (cur == CTX_NOBODY)
		CHECK(!hidden_shown && after[hidden] == 0,
		      "its non-dumpable child %d: shown %d, /proc says %d",
		      hidden, hidden_shown, after[hidden]);
	osm_graph__free(g);

	ret = try_phys(&phys_nodes);
	if (may_phys())
		CHECK(!ret && phys_nodes, "OSM_SCOPE_PHYS: %s, %s phys nodes",
		      strerror(-ret), phys_nodes ? "with" : "no");
	else
		CHECK(ret == -EPERM && !phys_nodes,
		      "OSM_SCOPE_PHYS: %s (want EPERM), %s phys nodes",
		      strerror(-ret), phys_nodes ? "with" : "no");
out:
	free(buf);
	free(before);
	free(after);
	end_helper(dumpable);
	end_helper(hidden);
}

/* ---- what a context may spawn ---------------------------------------- */

enum spawn_case {
	SP_PROCESS, SP_CONTAINER, SP_NEW_NS, SP_PIR, SP_JOIN_NET, NR_SP
};

static const char *const sp_name[NR_SP] = {
	[SP_PROCESS] = "osm_spawn process",
	[SP_CONTAINER] = "osm_spawn container",
	[SP_NEW_NS] = "osm_spawn new net, mnt, uts ns without a user ns",
	[SP_PIR] = "osm_spawn pir (a new cgroup in the caller's)",
	[SP_JOIN_NET] = "PREPARE joining pid 1's net ns",
};

/*
 * The expected result per context: the kernel's rules (clone(2) and
 * setns(2) need CAP_SYS_ADMIN over the namespace's owner; a cgroup
 * needs write access to its parent directory) and seccomp's EPERM.
 */
static const int sp_expect[NR_CTX][NR_SP] = {
	[CTX_ROOT] = { 0, 0, 0, 0, 0 },
	[CTX_NOBODY] = { 0, 0, -EPERM, -EACCES, -EPERM },
	[CTX_USERNS] = { 0, 0, 0, -EACCES, -EPERM },
	[CTX_PIDNS] = { 0, 0, 0, 0, 0 },
	[CTX_SECCOMP_IOCTL] = { -EPERM, -EPERM, -EPERM, -EPERM, -EPERM },
	[CTX_SECCOMP_CLONE3] = { -EPERM, -EPERM, -EPERM, -EPERM, 0 },
};

/* PREPARE on @fd: 0 or -errno. */
static int prepare(int fd, struct osm_spawn_req *r)
{
	return ioctl(fd, OSM_IOC_SPAWN_PREPARE, r) ? -errno : 0;
}

static int prepare_join_net(int fd)
{
	struct osm_spawn_req r = { .size = sizeof(r) };

	r.mode[OSM_SPAWN_R_NET_NS] = OSM_SPAWN_JOIN;
	r.ns_fd[OSM_SPAWN_R_NET_NS - OSM_SPAWN_R_NS0] = init_net_fd;
	return prepare(fd, &r);
}

/* One spawn; a PD that starts must also exit 0 (else 1000). */
static int try_spawn(enum spawn_case c)
{
	char *argv[] = { exe, PRIV_EXIT_ARG, NULL };
	OSM_OPTS(osm_spawn_opts, o, .argv = argv);
	struct osm_spawned pd;
	int ret, status, fd;

	if (c == SP_JOIN_NET) {
		fd = open(osm_test_device(), O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		ret = prepare_join_net(fd);
		close(fd);
		return ret;
	}
	ret = osm_spawn_preset(c == SP_CONTAINER ? "container" :
			       c == SP_PIR ? "pir" : "process", &o);
	if (ret)
		return 2000 + ret;
	if (c == SP_NEW_NS) {
		o.mode[OSM_SPAWN_R_NET_NS] = OSM_SPAWN_NEW;
		o.mode[OSM_SPAWN_R_MNT_NS] = OSM_SPAWN_NEW;
		o.mode[OSM_SPAWN_R_UTS_NS] = OSM_SPAWN_NEW;
	}
	if (c == SP_PIR)
		o.pids_max = 8;
	ret = osm_spawn(&o, &pd);
	if (ret < 0)
		return ret;
	if (osm_spawn_wait(&pd, &status))
		return 1001;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : 1000;
}

static void check_spawn(void *arg)
{
	unsigned int c;
	int got;

	(void)arg;
	for (c = 0; c < NR_SP; c++) {
		got = try_spawn(c);
		CHECK(got == sp_expect[cur][c], "%s: %d (%s), want %d (%s)",
		      sp_name[c], got, got < 0 ? strerror(-got) : "-",
		      sp_expect[cur][c], sp_expect[cur][c] ?
		      strerror(-sp_expect[cur][c]) : "success");
	}
	/* The handshake itself is an ioctl. */
	if (cur == CTX_SECCOMP_IOCTL) {
		struct osm_api api = { .size = sizeof(api) };
		int fd = open(osm_test_device(), O_RDONLY | O_CLOEXEC);

		CHECK(fd >= 0 && ioctl(fd, OSM_IOC_GET_API, &api) &&
		      errno == EPERM, "OSM_IOC_GET_API under the filter: %m");
		if (fd >= 0)
			close(fd);
	}
}

/* ---- the fixture ------------------------------------------------------ */

FIXTURE(matrix) {
	int unused;
};

FIXTURE_SETUP(matrix)
{
	ssize_t n;

	R = mmap(NULL, sizeof(*R), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, R);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	ASSERT_LT(0, n);
	exe[n] = '\0';
	init_net_fd = open("/proc/1/ns/net", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, init_net_fd);
}

FIXTURE_TEARDOWN(matrix)
{
	if (init_net_fd >= 0)
		close(init_net_fd);
	munmap(R, sizeof(*R));
}

#define MATRIX_TESTS(name, c)						\
TEST_F_TIMEOUT(matrix, read_##name, OSM_TIMEOUT)			\
{									\
	EXPECT_EQ(0, in_ctx(_metadata, c, check_read, NULL));		\
}									\
TEST_F_TIMEOUT(matrix, spawn_##name, OSM_TIMEOUT)			\
{									\
	EXPECT_EQ(0, in_ctx(_metadata, c, check_spawn, NULL));		\
}

MATRIX_TESTS(as_root, CTX_ROOT)
MATRIX_TESTS(as_nobody, CTX_NOBODY)
MATRIX_TESTS(in_user_namespace, CTX_USERNS)
MATRIX_TESTS(in_child_pid_namespace, CTX_PIDNS)
MATRIX_TESTS(under_seccomp_no_ioctl, CTX_SECCOMP_IOCTL)
MATRIX_TESTS(under_seccomp_no_clone3, CTX_SECCOMP_CLONE3)

/* ---- a descriptor passed with SCM_RIGHTS ----------------------------- */

static int send_fd(int sock, int fd)
{
	char c = 'F', cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { &c, 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &mh, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char c, cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &c, 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &mh, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&mh);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/* The view= of a walk read from @fd, into @view; the walk in *@g. */
static int read_view(int fd, char *view, size_t size, struct osm_graph **g)
{
	struct osm_text_info info;
	char *buf, err[256];
	size_t len;

	*g = NULL;
	buf = osm_test_read_fd(fd, 1 << 16, &len);
	if (!buf)
		return -1;
	if (osm_test_check_text(buf, len, &info, err, sizeof(err))) {
		free(buf);
		errno = EPROTO;
		return -1;
	}
	snprintf(view, size, "%s", info.view);
	*g = osm_graph__parse(buf, len);
	free(buf);
	return *g ? 0 : -1;
}

/* What a caller does with descriptors another opener passed to it. */
static void use_passed(int sock, bool opener_root)
{
	struct osm_scope sc = { .size = sizeof(sc), .flags = OSM_SCOPE_PHYS };
	struct osm_spawn_req r = { .size = sizeof(r) };
	bool caller_root = geteuid() == 0;
	int rfd = recv_fd(sock), sfd = recv_fd(sock), pfd = recv_fd(sock);
	struct osm_graph *g;
	char view[16] = "";
	int ret;

	CHECK(rfd >= 0 && sfd >= 0 && pfd >= 0, "recvmsg: %m");
	if (rfd < 0 || sfd < 0 || pfd < 0)
		return;
	/* Reads: the opener's view. */
	ret = read_view(rfd, view, sizeof(view), &g);
	CHECK(!ret, "reading the passed descriptor: %m");
	CHECK(!strcmp(view, opener_root ? "full" : "own"),
	      "a walk opened by %s read by %s: view=%s", opener_root ?
	      "root" : "uid 65534", caller_root ? "root" : "uid 65534",
	      view);
	if (g)
		CHECK(!!osm_test_process(g, 1) == opener_root,
		      "pid 1 %s in the walk", osm_test_process(g, 1) ?
		      "shown" : "not shown");
	osm_graph__free(g);
	/* Scope: the opener's capability. */
	ret = ioctl(sfd, OSM_IOC_SET_SCOPE, &sc) ? -errno : 0;
	CHECK(ret == (opener_root ? 0 : -EPERM),
	      "OSM_SCOPE_PHYS on a descriptor opened by %s: %s",
	      opener_root ? "root" : "uid 65534", strerror(-ret));
	/* Spawn: the caller's. */
	r.mode[OSM_SPAWN_R_NET_NS] = OSM_SPAWN_NEW;
	ret = prepare(pfd, &r);
	CHECK(ret == (caller_root ? 0 : -EPERM),
	      "PREPARE of a new net ns by %s on a descriptor opened by %s: "
	      "%s", caller_root ? "root" : "uid 65534",
	      opener_root ? "root" : "uid 65534", strerror(-ret));
	ret = prepare_join_net(pfd);
	CHECK(ret == (caller_root ? 0 : -EPERM),
	      "PREPARE joining pid 1's net ns by %s: %s",
	      caller_root ? "root" : "uid 65534", strerror(-ret));
	close(rfd);
	close(sfd);
	close(pfd);
}

static int open_and_send(int sock)
{
	int i, fd;

	for (i = 0; i < 3; i++) {
		fd = open(osm_test_device(), O_RDONLY | O_CLOEXEC);
		if (fd < 0 || send_fd(sock, fd))
			return -1;
		close(fd);
	}
	return 0;
}

/*
 * The start of a passing test: the report cleared, a child forked that
 * gets sv[1] while the parent keeps sv[0] (the other end closed in
 * each).  Returns as fork(2).
 */
static pid_t fork_pair(int sv[2])
{
	pid_t pid;

	memset(R, 0, sizeof(*R));
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return -1;
	pid = fork();
	if (pid)
		close(sv[1]);
	if (pid <= 0)
		close(sv[0]);
	return pid;
}

/* Its end: reap the child, close @sock, the child and the checks passed. */
static void end_pair(struct __test_metadata *_metadata, pid_t pid, int sock)
{
	int status;

	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	close(sock);
	if (R->msg[0])
		TH_LOG("%s", R->msg);
	EXPECT_EQ(0, status);
	EXPECT_EQ(0, R->fails);
	EXPECT_LT(0, R->checks);
}

TEST_F_TIMEOUT(matrix, passed_descriptor_root_to_nobody, OSM_TIMEOUT)
{
	int sv[2];
	pid_t pid = fork_pair(sv);

	ASSERT_LE(0, pid) TH_LOG("%m");
	if (pid == 0) {
		cur = CTX_NOBODY;
		if (become_nobody())
			_exit(80);
		use_passed(sv[1], true);
		_exit(R->fails ? 1 : 0);
	}
	/* Opened by root after the child dropped its privileges. */
	ASSERT_EQ(0, open_and_send(sv[0])) TH_LOG("%m");
	end_pair(_metadata, pid, sv[0]);
}

TEST_F_TIMEOUT(matrix, passed_descriptor_nobody_to_root, OSM_TIMEOUT)
{
	int sv[2];
	pid_t pid = fork_pair(sv);

	ASSERT_LE(0, pid) TH_LOG("%m");
	if (pid == 0)
		_exit(become_nobody() || open_and_send(sv[1]) ? 1 : 0);
	cur = CTX_ROOT;
	use_passed(sv[0], false);
	end_pair(_metadata, pid, sv[0]);
}

OSM_TEST_MAIN
