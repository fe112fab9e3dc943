// SPDX-License-Identifier: GPL-2.0-only
/*
 * PD creation: OSM_IOC_SPAWN_PREPARE's checks and plan, OSM_IOC_SPAWN_COMMIT's
 * verification, and osm_spawn() with its presets.  Every spawned child is
 * checked against independent ground truth: kcmp(2) for the address
 * space, file table, fs, signal handlers and semaphore undo list,
 * the inodes of /proc/PID/ns/, /proc/PID/cgroup and the cgroup's limit files,
 * /proc/PID/status NoNewPrivs and /proc/PID/fd; then the graph.
 *
 * Children that must not exec (to compare resources exec would replace)
 * are made with clone(2) from the module's plan and commit on their own;
 * programs are spawned with osm_spawn() as the test binary in wait mode,
 * its socket on fd 0, so it reports once its new image runs.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <setjmp.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sem.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/kcmp.h>
#include <linux/seccomp.h>
#include <linux/sched.h>

#include "kselftest_harness.h"
#include "osm_test_util.h"

#define RECORDS_PARAM	"/sys/module/osmosis/parameters/spawn_records"
#define NOBODY		65534

static const char *const ns_names[OSM_SPAWN_NR_NS] = {
	"mnt", "uts", "ipc", "pid", "net", "user", "cgroup", "time",
};

/* kcmp type of each of the first five resources. */
static const int kcmp_type[OSM_SPAWN_R_CGROUP] = {
	[OSM_SPAWN_R_MM] = KCMP_VM, [OSM_SPAWN_R_FILES] = KCMP_FILES,
	[OSM_SPAWN_R_FS] = KCMP_FS, [OSM_SPAWN_R_SIGHAND] = KCMP_SIGHAND,
	[OSM_SPAWN_R_SYSVSEM] = KCMP_SYSVSEM,
};

static const unsigned long long share_flag[OSM_SPAWN_R_CGROUP] = {
	CLONE_VM, CLONE_FILES, CLONE_FS, CLONE_SIGHAND, CLONE_SYSVSEM,
};

static int dev_open(void)
{
	return open(OSM_DEVICE_PATH, O_RDONLY | O_CLOEXEC);
}

static void req_init(struct osm_spawn_req *r)
{
	memset(r, 0, sizeof(*r));
	r->size = sizeof(*r);
}

static int prepare(int fd, struct osm_spawn_req *r)
{
	return ioctl(fd, OSM_IOC_SPAWN_PREPARE, r) ? -errno : 0;
}

static int records(void)
{
	char buf[32] = "";
	int fd = open(RECORDS_PARAM, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? atoi(buf) : -1;
}

/* Give this process a SysV semaphore undo list, so kcmp can tell. */
static int make_undo_list(void)
{
	struct sembuf op = { .sem_num = 0, .sem_op = 1, .sem_flg = SEM_UNDO };
	int id = semget(IPC_PRIVATE, 1, 0600);

	if (id < 0)
		return -1;
	if (semop(id, &op, 1)) {
		semctl(id, 0, IPC_RMID);
		return -1;
	}
	return semctl(id, 0, IPC_RMID);
}

/* Directories osm-spawn-* in this process's cgroup; -1 on failure. */
static int osm_spawn_cgroups_left(void)
{
	char mine[256], path[300];
	struct dirent *d;
	int n = 0;
	DIR *dir;

	if (osm_test_cgroup_path(getpid(), mine, sizeof(mine)))
		return -1;
	snprintf(path, sizeof(path), "/sys/fs/cgroup%s", mine);
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((d = readdir(dir)))
		n += !strncmp(d->d_name, "osm-spawn-", 10);
	closedir(dir);
	return n;
}

/* ---- children made from the plan with clone(2), not exec'ing ---- */

struct raw_shared {
	unsigned long long token;
	int osmfd;
	int close_fds;		/* close fds >= 3 but osmfd first */
	int done;
	int release;
	long ret;
	int err;
	unsigned long long mismatch;
};

static void nap(void)
{
	struct timespec ts = { 0, 1000000 };

	nanosleep(&ts, NULL);
}

/* Raw system calls only: with CLONE_VM this runs beside the parent. */
static int raw_fn(void *arg)
{
	struct raw_shared *s = arg;
	struct osm_spawn_commit c = { .size = sizeof(c), .token = s->token };

	if (s->close_fds) {
		if (s->osmfd > 3)
			syscall(SYS_close_range, 3, s->osmfd - 1, 0);
		syscall(SYS_close_range, s->osmfd + 1, ~0U, 0);
	}
	s->ret = syscall(SYS_ioctl, s->osmfd, OSM_IOC_SPAWN_COMMIT, &c);
	s->err = s->ret ? errno : 0;
	s->mismatch = c.mismatch;
	__atomic_store_n(&s->done, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&s->release, __ATOMIC_ACQUIRE))
		nap();
	return 0;
}

struct raw_child {
	pid_t pid;
	void *stack;
	struct raw_shared *s;
};

#define RAW_STACK	(256 * 1024)

/* clone(2) with @flags; returns once the child has committed (or not). */
static int raw_start(struct raw_child *rc, unsigned long flags, int osmfd,
		     unsigned long long token, bool close_fds)
{
	rc->s = mmap(NULL, sizeof(*rc->s), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	rc->stack = mmap(NULL, RAW_STACK, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (rc->s == MAP_FAILED || rc->stack == MAP_FAILED)
		return -1;
	rc->s->token = token;
	rc->s->osmfd = osmfd;
	rc->s->close_fds = close_fds;
	rc->pid = clone(raw_fn, (char *)rc->stack + RAW_STACK,
			flags | SIGCHLD, rc->s);
	if (rc->pid < 0)
		return -1;
	while (!__atomic_load_n(&rc->s->done, __ATOMIC_ACQUIRE))
		nap();
	return 0;
}

static int raw_finish(struct raw_child *rc)
{
	int status = -1;

	__atomic_store_n(&rc->s->release, 1, __ATOMIC_RELEASE);
	while (waitpid(rc->pid, &status, __WALL) < 0 && errno == EINTR)
		;
	munmap(rc->s, sizeof(*rc->s));
	munmap(rc->stack, RAW_STACK);
	return status;
}

/*
 * PREPARE @r, then COMMIT it from a raw child that leaves its resources
 * as they are: the errno COMMIT gave (0 for success), its mismatch bits
 * in *@mismatch; -1 when @r was refused or the child not started.
 */
static int raw_commit(int osmfd, struct osm_spawn_req *r, bool close_fds,
		      unsigned long long *mismatch)
{
	struct raw_child rc;
	int err;

	if (prepare(osmfd, r) || raw_start(&rc, 0, osmfd, r->token, close_fds))
		return -1;
	err = rc.s->err;
	*mismatch = rc.s->mismatch;
	raw_finish(&rc);
	return err;
}

/* ---- programs spawned with osm_spawn() ---- */

struct lib_child {
	struct osm_spawned pd;
	int sock;
};

/*
 * osm_spawn() the test binary in wait mode, its socket on fd 0 (which a
 * new file table keeps), and wait until its new image reports.
 * 0, or a negative errno (osm_spawn()'s, or -EPROTO: no report).
 */
static int lib_start_argv(struct osm_spawn_opts *o, struct lib_child *lc,
			  char **argv)
{
	struct pollfd pfd;
	int sv[2], saved, ret;
	char m = 0;

	lc->sock = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return -errno;
	saved = fcntl(0, F_DUPFD_CLOEXEC, 3);
	if (saved < 0 || dup2(sv[1], 0) < 0)
		return -errno;
	o->argv = argv;
	ret = osm_spawn(o, &lc->pd);
	dup2(saved, 0);
	close(saved);
	close(sv[1]);
	if (ret < 0) {
		close(sv[0]);
		return ret;
	}
	lc->sock = sv[0];
	pfd.fd = lc->sock;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 60000) != 1 || recv(lc->sock, &m, 1, 0) != 1 ||
	    m != 'R')
		return -EPROTO;
	return 0;
}

static int lib_start(struct osm_spawn_opts *o, struct lib_child *lc)
{
	static char *argv[] = { "/proc/self/exe", OSM_TEST_WAIT_ARG, "0",
				NULL };

	return lib_start_argv(o, lc, argv);
}

/* Release the child and reap it; its wait status, or -1. */
static int lib_finish(struct lib_child *lc)
{
	int status = -1;
	char m = 'X';

	if (lc->sock >= 0) {
		send(lc->sock, &m, 1, MSG_NOSIGNAL);
		close(lc->sock);
		lc->sock = -1;
	}
	if (osm_spawn_wait(&lc->pd, &status))
		return -1;
	return status;
}

/* The namespaces of @pid that differ from this process's, as a mask. */
static unsigned int ns_differ(pid_t pid)
{
	unsigned int i, mask = 0;

	for (i = 0; i < OSM_SPAWN_NR_NS; i++)
		if (osm_test_ns_ino(pid, ns_names[i]) !=
		    osm_test_ns_ino(getpid(), ns_names[i]))
			mask |= 1U << i;
	return mask;
}

static unsigned int ns_mask_of(const unsigned char *mode, unsigned int want)
{
	unsigned int i, mask = 0;

	for (i = 0; i < OSM_SPAWN_NR_NS; i++)
		if (mode[OSM_SPAWN_R_NS0 + i] == want)
			mask |= 1U << i;
	return mask;
}

FIXTURE(spawn) {
	int fd;
};

FIXTURE_SETUP(spawn)
{
	self->fd = dev_open();
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %m", OSM_DEVICE_PATH);
}

FIXTURE_TEARDOWN(spawn)
{
	close(self->fd);
}

/* The module says it can spawn: feature bit, both ioctls, api 1.2. */
TEST_F_TIMEOUT(spawn, api_lists_spawn, OSM_TIMEOUT)
{
	struct osm_api a;

	ASSERT_EQ(0, osm_ioc_get_api(self->fd, &a));
	EXPECT_LE(2U, a.api_minor);
	EXPECT_TRUE(a.features & OSM_FEAT_SPAWN);
	EXPECT_TRUE(a.ioctls & 1ULL << _IOC_NR(OSM_IOC_SPAWN_PREPARE));
	EXPECT_TRUE(a.ioctls & 1ULL << _IOC_NR(OSM_IOC_SPAWN_COMMIT));
}

/* The size rules of struct clone_args, as for every osmosis ioctl. */
TEST_F_TIMEOUT(spawn, prepare_size, OSM_TIMEOUT)
{
	struct { struct osm_spawn_req r; unsigned long long tail[2]; } big;

	memset(&big, 0, sizeof(big));
	big.r.size = OSM_SPAWN_REQ_SIZE_VER0 - 8;
	EXPECT_EQ(-EINVAL, prepare(self->fd, &big.r));
	big.r.size = 4096 + 8;
	EXPECT_EQ(-E2BIG, prepare(self->fd, &big.r));
	big.r.size = sizeof(big);
	EXPECT_EQ(0, prepare(self->fd, &big.r));
	EXPECT_NE(0, big.r.token);
	memset(&big, 0, sizeof(big));
	big.r.size = sizeof(big);
	big.tail[1] = 1;
	EXPECT_EQ(-E2BIG, prepare(self->fd, &big.r));
}

/* One bad field at a time on an otherwise valid request: -EINVAL. */
TEST_F_TIMEOUT(spawn, prepare_rejects_bad_fields, OSM_TIMEOUT)
{
	static const struct {
		const char *what;
		unsigned int off;	/* byte to set */
		unsigned char val;
	} cases[] = {
#define AT(f) offsetof(struct osm_spawn_req, f)
		{ "unknown flag", AT(flags), 2 },
		{ "top flag", AT(flags) + 3, 0x80 },
		{ "mode past join", AT(mode) + OSM_SPAWN_R_NET_NS, 5 },
		{ "mm new", AT(mode) + OSM_SPAWN_R_MM, OSM_SPAWN_NEW },
		{ "fs join", AT(mode) + OSM_SPAWN_R_FS, OSM_SPAWN_JOIN },
		{ "sysvsem copy", AT(mode) + OSM_SPAWN_R_SYSVSEM, OSM_SPAWN_COPY },
		{ "cgroup copy", AT(mode) + OSM_SPAWN_R_CGROUP, OSM_SPAWN_COPY },
		{ "cred copy", AT(mode) + OSM_SPAWN_R_CRED, OSM_SPAWN_COPY },
		{ "seccomp join", AT(mode) + OSM_SPAWN_R_SECCOMP, OSM_SPAWN_JOIN },
		{ "seccomp new, no program", AT(mode) + OSM_SPAWN_R_SECCOMP,
		  OSM_SPAWN_NEW },
		{ "uid without cred new", AT(uid), 1 },
		{ "gid without cred new", AT(gid) + 3, 1 },
		{ "caps_keep without cred new", AT(caps_keep), 1 },
		{ "seccomp_prog without seccomp new", AT(seccomp_prog), 8 },
		{ "seccomp_len without seccomp new", AT(seccomp_len), 1 },
		{ "reserved1", AT(__reserved1), 1 },
		{ "cpu_max_quota without new cgroup", AT(cpu_max_quota) + 1, 1 },
		{ "cpu_max_period without new cgroup", AT(cpu_max_period) + 1, 1 },
		{ "cpus without new cgroup", AT(cpus), 8 },
		{ "cpus_size without new cgroup", AT(cpus_size), 8 },
		{ "mems without new cgroup", AT(mems), 8 },
		{ "mems_size without new cgroup", AT(mems_size), 8 },
		{ "root_fd without fs new", AT(root_fd), 3 },
		{ "fd_count without files new", AT(fd_count), 1 },
		{ "fds without files new", AT(fds), 8 },
		{ "ns_fd without join", AT(ns_fd) + 4 * 4, 3 },
		{ "cgroup_fd without new", AT(cgroup_fd), 3 },
		{ "memory_max without new cgroup", AT(memory_max), 1 },
		{ "pids_max without new cgroup", AT(pids_max), 1 },
		{ "reserved0", AT(__reserved0), 1 },
		{ "reserved[0]", AT(__reserved), 1 },
		{ "reserved[3]", AT(__reserved) + 31, 1 },
		{ "out clone_flags", AT(clone_flags), 1 },
		{ "out setns_flags", AT(setns_flags), 1 },
		{ "out parent_setns_flags", AT(parent_setns_flags), 1 },
		{ "out actions", AT(actions), 1 },
		{ "out token", AT(token) + 7, 1 },
#undef AT
	};
	struct osm_spawn_req r;
	unsigned int i;

	req_init(&r);
	ASSERT_EQ(0, prepare(self->fd, &r)) TH_LOG("a zeroed request");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		req_init(&r);
		((unsigned char *)&r)[cases[i].off] = cases[i].val;
		EXPECT_EQ(-EINVAL, prepare(self->fd, &r))
			TH_LOG("%s", cases[i].what);
	}
	req_init(&r);
	r.mode[OSM_SPAWN_R_CGROUP] = OSM_SPAWN_NEW;
	r.cgroup_fd = -1;
	r.pids_max = 4194305;
	EXPECT_EQ(-EINVAL, prepare(self->fd, &r)) TH_LOG("pids_max too big");
}

/* What clone(2) and setns(2) refuse, refused up front. */
TEST_F_TIMEOUT(spawn, prepare_rejects_impossible_combinations, OSM_TIMEOUT)
{
	static const struct {
		const char *what;
		unsigned int r1, m1, r2, m2;
	} cases[] = {
		{ "sighand share, mm copy", OSM_SPAWN_R_SIGHAND, OSM_SPAWN_SHARE,
		  OSM_SPAWN_R_MM, OSM_SPAWN_COPY },
		{ "fs share, new mnt", OSM_SPAWN_R_FS, OSM_SPAWN_SHARE,
		  OSM_SPAWN_R_MNT_NS, OSM_SPAWN_NEW },
		{ "fs share, new user", OSM_SPAWN_R_FS, OSM_SPAWN_SHARE,
		  OSM_SPAWN_R_USER_NS, OSM_SPAWN_NEW },
		{ "sysvsem share, new ipc", OSM_SPAWN_R_SYSVSEM, OSM_SPAWN_SHARE,
		  OSM_SPAWN_R_IPC_NS, OSM_SPAWN_NEW },
		{ "mm share, new time", OSM_SPAWN_R_MM, OSM_SPAWN_SHARE,
		  OSM_SPAWN_R_TIME_NS, OSM_SPAWN_NEW },
		{ "new user, join net", OSM_SPAWN_R_USER_NS, OSM_SPAWN_NEW,
		  OSM_SPAWN_R_NET_NS, OSM_SPAWN_JOIN },
	};
	struct osm_spawn_req r;
	unsigned int i;
	int nsfd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);

	ASSERT_LE(0, nsfd);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		req_init(&r);
		r.mode[cases[i].r1] = cases[i].m1;
		r.mode[cases[i].r2] = cases[i].m2;
		if (cases[i].m2 == OSM_SPAWN_JOIN)
			r.ns_fd[cases[i].r2 - OSM_SPAWN_R_NS0] = nsfd;
		EXPECT_EQ(-EINVAL, prepare(self->fd, &r))
			TH_LOG("%s", cases[i].what);
		/* The same modes one at a time are fine (as root). */
		req_init(&r);
		r.mode[cases[i].r1] = cases[i].m1;
		if (cases[i].r1 == OSM_SPAWN_R_SIGHAND)
			r.mode[OSM_SPAWN_R_MM] = OSM_SPAWN_SHARE;
		EXPECT_EQ(0, prepare(self->fd, &r)) TH_LOG("%s alone",
							   cases[i].what);
	}
	close(nsfd);
}

/* Namespaces to join are nsfs descriptors of the right type. */
TEST_F_TIMEOUT(spawn, prepare_bad_descriptors, OSM_TIMEOUT)
{
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int uts = open("/proc/self/ns/uts", O_RDONLY | O_CLOEXEC);
	int tmp = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int own = open("/sys/fs/cgroup", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int closed = dup(null);
	struct osm_spawn_req r;

	ASSERT_LE(0, null);
	ASSERT_LE(0, uts);
	ASSERT_LE(0, tmp);
	ASSERT_LE(0, closed);
	close(closed);

	req_init(&r);
	r.mode[OSM_SPAWN_R_NET_NS] = OSM_SPAWN_JOIN;
	r.ns_fd[OSM_SPAWN_R_NET_NS - OSM_SPAWN_R_NS0] = closed;
	EXPECT_EQ(-EBADF, prepare(self->fd, &r)) TH_LOG("closed fd");
	r.ns_fd[OSM_SPAWN_R_NET_NS - OSM_SPAWN_R_NS0] = -1;
	EXPECT_EQ(-EBADF, prepare(self->fd, &r)) TH_LOG("fd -1");
	r.ns_fd[OSM_SPAWN_R_NET_NS - OSM_SPAWN_R_NS0] = null;
	EXPECT_EQ(-EBADF, prepare(self->fd, &r)) TH_LOG("/dev/null");
	r.ns_fd[OSM_SPAWN_R_NET_NS - OSM_SPAWN_R_NS0] = uts;
	EXPECT_EQ(-EINVAL, prepare(self->fd, &r)) TH_LOG("a uts ns for net");
	r.mode[OSM_SPAWN_R_NET_NS] = OSM_SPAWN_SHARE;
	r.ns_fd[OSM_SPAWN_R_NET_NS - OSM_SPAWN_R_NS0] = 0;
	r.mode[OSM_SPAWN_R_UTS_NS] = OSM_SPAWN_JOIN;
	r.ns_fd[OSM_SPAWN_R_UTS_NS - OSM_SPAWN_R_NS0] = uts;
	EXPECT_EQ(0, prepare(self->fd, &r)) TH_LOG("a uts ns for uts");

	req_init(&r);
	r.mode[OSM_SPAWN_R_CGROUP] = OSM_SPAWN_NEW;
	r.cgroup_fd = tmp;
	EXPECT_EQ(-EBADF, prepare(self->fd, &r)) TH_LOG("/tmp as a cgroup");
	if (own >= 0) {
		/* This process lives there: not a new cgroup. */
		char path[256], full[300];

		close(own);
		ASSERT_EQ(0, osm_test_cgroup_path(getpid(), path, sizeof(path)));
		snprintf(full, sizeof(full), "/sys/fs/cgroup%s", path);
		own = open(full, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		ASSERT_LE(0, own) TH_LOG("%s: %m", full);
		r.cgroup_fd = own;
		EXPECT_EQ(-EBUSY, prepare(self->fd, &r)) TH_LOG("own cgroup");
		close(own);
	}
	close(null);
	close(uts);
	close(tmp);
}

/* The plan: clone3 flags, namespaces to join, actions, modes resolved. */
TEST_F_TIMEOUT(spawn, prepare_plan, OSM_TIMEOUT)
{
	int net = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	int pid = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	unsigned int i;
	struct osm_spawn_req r;

	ASSERT_LE(0, net);
	ASSERT_LE(0, pid);
	req_init(&r);
	r.mode[OSM_SPAWN_R_MM] = OSM_SPAWN_SHARE;
	r.mode[OSM_SPAWN_R_SIGHAND] = OSM_SPAWN_SHARE;
	r.mode[OSM_SPAWN_R_FILES] = OSM_SPAWN_NEW;
	r.mode[OSM_SPAWN_R_FS] = OSM_SPAWN_SHARE;
	r.mode[OSM_SPAWN_R_UTS_NS] = OSM_SPAWN_NEW;
	r.mode[OSM_SPAWN_R_IPC_NS] = OSM_SPAWN_NEW;
	r.mode[OSM_SPAWN_R_NET_NS] = OSM_SPAWN_JOIN;
	r.ns_fd[OSM_SPAWN_R_NET_NS - OSM_SPAWN_R_NS0] = net;
	r.mode[OSM_SPAWN_R_PID_NS] = OSM_SPAWN_JOIN;
	r.ns_fd[OSM_SPAWN_R_PID_NS - OSM_SPAWN_R_NS0] = pid;
	ASSERT_EQ(0, prepare(self->fd, &r));
	EXPECT_EQ(CLONE_VM | CLONE_SIGHAND | CLONE_FS | CLONE_NEWUTS |
		  CLONE_NEWIPC, r.clone_flags);
	EXPECT_EQ(CLONE_NEWNET, r.setns_flags);
	EXPECT_EQ(CLONE_NEWPID, r.parent_setns_flags);
	EXPECT_EQ(OSM_SPAWN_ACT_CLOSE_FDS, r.actions);
	EXPECT_NE(0, r.token);
	/* Defaults resolved: what fork(2) does. */
	EXPECT_EQ(OSM_SPAWN_NEW, r.mode[OSM_SPAWN_R_SYSVSEM]);
	EXPECT_EQ(OSM_SPAWN_SHARE, r.mode[OSM_SPAWN_R_CGROUP]);
	EXPECT_EQ(OSM_SPAWN_SHARE, r.mode[OSM_SPAWN_R_MNT_NS]);
	EXPECT_EQ(OSM_SPAWN_SHARE, r.mode[OSM_SPAWN_R_CRED]);
	EXPECT_EQ(OSM_SPAWN_SHARE, r.mode[OSM_SPAWN_R_SECCOMP]);

	/* Every namespace new: their eight CLONE_NEW* flags. */
	req_init(&r);
	for (i = 0; i < OSM_SPAWN_NR_NS; i++)
		r.mode[OSM_SPAWN_R_NS0 + i] = OSM_SPAWN_NEW;
	ASSERT_EQ(0, prepare(self->fd, &r));
	EXPECT_EQ(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID |
		  CLONE_NEWNET | CLONE_NEWUSER | CLONE_NEWCGROUP |
		  CLONE_NEWTIME, r.clone_flags);
	EXPECT_EQ(0, r.setns_flags);
	close(net);
	close(pid);
}

/* Fork, become nobody (no capability), run @fn; its exit code. */
static int as_nobody(int (*fn)(int fd, void *arg), void *arg)
{
	int status = -1;
	pid_t pid = fork();

	if (pid == 0) {
		int fd;

		if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
		    setresuid(NOBODY, NOBODY, NOBODY))
			_exit(90);
		fd = dev_open();
		if (fd < 0)
			_exit(91);
		_exit(fn(fd, arg));
	}
	if (pid < 0)
		return -1;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

/* Codes: 10 + case that failed. */
static int unprivileged_prepare(int fd, void *arg)
{
	int nsfd = *(int *)arg;
	struct osm_spawn_req r;

	req_init(&r);
	r.mode[OSM_SPAWN_R_NET_NS] = OSM_SPAWN_NEW;
	if (prepare(fd, &r) != -EPERM)
		return 10;	/* a new net ns in the initial user ns */
	req_init(&r);
	r.mode[OSM_SPAWN_R_NET_NS] = OSM_SPAWN_NEW;
	r.mode[OSM_SPAWN_R_USER_NS] = OSM_SPAWN_NEW;
	if (prepare(fd, &r) != 0)
		return 11;	/* ... owned by a new user ns: fine */
	req_init(&r);
	r.mode[OSM_SPAWN_R_MNT_NS] = OSM_SPAWN_NEW;
	if (prepare(fd, &r) != -EPERM)
		return 12;
	req_init(&r);
	r.mode[OSM_SPAWN_R_NET_NS] = OSM_SPAWN_JOIN;
	r.ns_fd[OSM_SPAWN_R_NET_NS - OSM_SPAWN_R_NS0] = nsfd;
	if (prepare(fd, &r) != -EPERM)
		return 13;	/* joining init's net ns */
	req_init(&r);
	if (prepare(fd, &r) != 0)
		return 14;	/* a plain process */
	return 0;
}

TEST_F_TIMEOUT(spawn, prepare_unprivileged_needs_cap_sys_admin, OSM_TIMEOUT)
{
	int nsfd = open("/proc/1/ns/net", O_RDONLY | O_CLOEXEC);

	ASSERT_LE(0, nsfd);
	EXPECT_EQ(0, as_nobody(unprivileged_prepare, &nsfd));
	close(nsfd);
}

static unsigned long long plan_flags(const unsigned char *mode)
{
	unsigned long long f = 0;
	unsigned int r;

	for (r = 0; r < OSM_SPAWN_R_CGROUP; r++)
		if (mode[r] == OSM_SPAWN_SHARE)
			f |= share_flag[r];
	return f;
}

/*
 * Each of the five task resources shared, copied or new, on a child
 * made from the plan that commits and stays: COMMIT succeeds and
 * kcmp(2) says "same object" exactly for the shared ones.
 */
TEST_F_TIMEOUT(spawn, commit_task_resources_match_kcmp, OSM_TIMEOUT)
{
	enum { S = OSM_SPAWN_SHARE, C = OSM_SPAWN_COPY, N = OSM_SPAWN_NEW };
	static const struct {
		const char *what;
		unsigned char m[OSM_SPAWN_R_CGROUP];	/* mm files fs sighand sysvsem */
	} cases[] = {
		{ "thread: all shared", { S, S, S, S, S } },
		{ "process: all copied, new undo", { C, C, C, C, N } },
		{ "tif: mm shared, own files and fs", { S, C, C, C, N } },
		{ "files and fs shared", { C, S, S, C, S } },
		{ "new file table", { C, N, C, C, N } },
		{ "mm and sighand shared", { S, C, S, S, N } },
	};
	struct osm_spawn_req r;
	struct raw_child rc;
	unsigned int i, k;
	int before;

	ASSERT_EQ(0, make_undo_list()) TH_LOG("semop SEM_UNDO: %m");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		req_init(&r);
		memcpy(r.mode, cases[i].m, sizeof(cases[i].m));
		ASSERT_EQ(0, prepare(self->fd, &r)) TH_LOG("%s", cases[i].what);
		EXPECT_EQ(plan_flags(cases[i].m), r.clone_flags)
			TH_LOG("%s", cases[i].what);
		ASSERT_EQ(0, raw_start(&rc, r.clone_flags, self->fd, r.token,
				       r.actions & OSM_SPAWN_ACT_CLOSE_FDS))
			TH_LOG("%s: clone: %m", cases[i].what);
		EXPECT_EQ(0, rc.s->ret)
			TH_LOG("%s: commit: %s, mismatch %#llx", cases[i].what,
			       strerror(rc.s->err), rc.s->mismatch);
		for (k = 0; k < OSM_SPAWN_R_CGROUP; k++) {
			int same = osm_test_kcmp(getpid(), rc.pid, kcmp_type[k],
						 0, 0);

			ASSERT_LE(0, same) TH_LOG("kcmp: %m");
			EXPECT_EQ(cases[i].m[k] == S, same == 0)
				TH_LOG("%s: %s per kcmp", cases[i].what,
				       osm_spawn_res_name(k));
		}
		before = records();
		EXPECT_LE(1, before) TH_LOG("%s: not recorded", cases[i].what);
		EXPECT_EQ(0, raw_finish(&rc));
		EXPECT_EQ(before - 1, records())
			TH_LOG("%s: record kept after the child was reaped",
			       cases[i].what);
	}
}

/* A child that is not what was asked is refused, naming what differs. */
TEST_F_TIMEOUT(spawn, commit_refuses_mismatch, OSM_TIMEOUT)
{
	struct osm_spawn_req r;
	unsigned long long mismatch;
	int before = records(), extra;

	/* Asked to share the file table, made without CLONE_FILES. */
	req_init(&r);
	r.mode[OSM_SPAWN_R_FILES] = OSM_SPAWN_SHARE;
	ASSERT_EQ(EXDEV, raw_commit(self->fd, &r, false, &mismatch));
	EXPECT_EQ(1ULL << OSM_SPAWN_R_FILES, mismatch);

	/* A new file table that still holds another descriptor. */
	extra = open("/dev/null", O_RDONLY);
	ASSERT_LE(3, extra);
	req_init(&r);
	r.mode[OSM_SPAWN_R_FILES] = OSM_SPAWN_NEW;
	ASSERT_EQ(EXDEV, raw_commit(self->fd, &r, false, &mismatch));
	EXPECT_EQ(1ULL << OSM_SPAWN_R_FILES, mismatch);
	close(extra);

	/* Asked for a new net namespace, made in ours; and shared fs. */
	req_init(&r);
	r.mode[OSM_SPAWN_R_NET_NS] = OSM_SPAWN_NEW;
	r.mode[OSM_SPAWN_R_FS] = OSM_SPAWN_SHARE;
	ASSERT_EQ(EXDEV, raw_commit(self->fd, &r, false, &mismatch));
	EXPECT_EQ(1ULL << OSM_SPAWN_R_NET_NS | 1ULL << OSM_SPAWN_R_FS,
		  mismatch);
	EXPECT_EQ(before, records()) TH_LOG("a refused child was recorded");
}

TEST_F_TIMEOUT(spawn, commit_errors, OSM_TIMEOUT)
{
	struct osm_spawn_commit c = { .size = sizeof(c) };
	struct osm_spawn_req r;
	struct raw_child rc;

	c.token = 0x1234;
	EXPECT_EQ(-1, ioctl(self->fd, OSM_IOC_SPAWN_COMMIT, &c));
	EXPECT_EQ(ENOENT, errno) TH_LOG("unknown token");
	req_init(&r);
	ASSERT_EQ(0, prepare(self->fd, &r));
	c.token = r.token;
	c.flags = 1;
	EXPECT_EQ(-1, ioctl(self->fd, OSM_IOC_SPAWN_COMMIT, &c));
	EXPECT_EQ(EINVAL, errno) TH_LOG("flags");
	c.flags = 0;
	c.size = OSM_SPAWN_COMMIT_SIZE_VER0 - 8;
	EXPECT_EQ(-1, ioctl(self->fd, OSM_IOC_SPAWN_COMMIT, &c));
	EXPECT_EQ(EINVAL, errno) TH_LOG("short size");
	c.size = sizeof(c);
	/* Not a child of the preparer: the preparer itself. */
	EXPECT_EQ(-1, ioctl(self->fd, OSM_IOC_SPAWN_COMMIT, &c));
	EXPECT_EQ(EPERM, errno) TH_LOG("the preparer commits");
	/* The token is still good for a child, once. */
	ASSERT_EQ(0, raw_start(&rc, 0, self->fd, r.token, false));
	EXPECT_EQ(0, rc.s->err);
	raw_finish(&rc);
	ASSERT_EQ(0, raw_start(&rc, 0, self->fd, r.token, false));
	EXPECT_EQ(ENOENT, rc.s->err) TH_LOG("a token commits once");
	raw_finish(&rc);
}

/* Presets through osm_spawn(), against /proc and kcmp. */
TEST_F_TIMEOUT(spawn, presets_match_ground_truth, OSM_TIMEOUT)
{
	static const char *const presets[] = {
		"process", "pir", "container", "sandbox",
	};
	char mine[256], theirs[256], path[600], buf[64];
	struct lib_child lc;
	unsigned int i, differ;
	int before, ret;

	ASSERT_EQ(0, make_undo_list());
	ASSERT_EQ(0, osm_test_cgroup_path(getpid(), mine, sizeof(mine)));
	for (i = 0; i < sizeof(presets) / sizeof(presets[0]); i++) {
		OSM_OPTS(osm_spawn_opts, o);

		ASSERT_EQ(0, osm_spawn_preset(presets[i], &o));
		if (!strcmp(presets[i], "pir")) {
			o.memory_max = 64 << 20;
			o.pids_max = 32;
		}
		before = records();
		ret = lib_start(&o, &lc);
		ASSERT_EQ(0, ret) TH_LOG("%s: %s", presets[i], strerror(-ret));

		/* Own address space, file table, fs, handlers, undo list. */
		EXPECT_LT(0, osm_test_kcmp(getpid(), lc.pd.pid, KCMP_VM, 0, 0));
		EXPECT_LT(0, osm_test_kcmp(getpid(), lc.pd.pid, KCMP_FILES, 0, 0));
		EXPECT_LT(0, osm_test_kcmp(getpid(), lc.pd.pid, KCMP_FS, 0, 0));
		EXPECT_LT(0, osm_test_kcmp(getpid(), lc.pd.pid, KCMP_SIGHAND, 0, 0));
		EXPECT_LT(0, osm_test_kcmp(getpid(), lc.pd.pid, KCMP_SYSVSEM, 0, 0));

		differ = ns_differ(lc.pd.pid);
		EXPECT_EQ(ns_mask_of(o.mode, OSM_SPAWN_NEW), differ)
			TH_LOG("%s: namespaces new", presets[i]);
		if (!strcmp(presets[i], "container") ||
		    !strcmp(presets[i], "sandbox")) {
			EXPECT_EQ(0x7fU, differ) TH_LOG("all but time");
		}

		ASSERT_EQ(0, osm_test_cgroup_path(lc.pd.pid, theirs,
						  sizeof(theirs)));
		if (!strcmp(presets[i], "pir")) {
			snprintf(path, sizeof(path), "%s%s%s",
				 strcmp(mine, "/") ? mine : "", "/",
				 lc.pd.cgroup_name);
			EXPECT_STREQ(path, theirs);
			snprintf(path, sizeof(path), "/sys/fs/cgroup%s/memory.max",
				 theirs);
			ASSERT_EQ(0, osm_test_read_line(path, buf, sizeof(buf)));
			EXPECT_STREQ("67108864", buf);
			snprintf(path, sizeof(path), "/sys/fs/cgroup%s/pids.max",
				 theirs);
			ASSERT_EQ(0, osm_test_read_line(path, buf, sizeof(buf)));
			EXPECT_STREQ("32", buf);
			snprintf(path, sizeof(path), "/sys/fs/cgroup%s", theirs);
		} else {
			EXPECT_STREQ(mine, theirs) TH_LOG("%s", presets[i]);
		}

		ASSERT_EQ(0, osm_test_status_field(lc.pd.pid, "NoNewPrivs", buf,
						   sizeof(buf)));
		EXPECT_STREQ(strcmp(presets[i], "sandbox") ? "0" : "1", buf);
		EXPECT_EQ(before + 1, records());

		EXPECT_EQ(0, lib_finish(&lc)) TH_LOG("%s: exit status",
						     presets[i]);
		EXPECT_EQ(before, records()) TH_LOG("%s: record left behind",
						    presets[i]);
		if (!strcmp(presets[i], "pir")) {
			EXPECT_EQ(-1, access(path, F_OK))
				TH_LOG("cgroup %s left behind", path);
			EXPECT_EQ(0, osm_spawn_cgroups_left());
		}
	}
}

/* Each namespace new on its own: that one differs, no other. */
TEST_F_TIMEOUT(spawn, each_namespace_new_alone, OSM_TIMEOUT)
{
	struct lib_child lc;
	unsigned int i;
	int ret;

	for (i = 0; i < OSM_SPAWN_NR_NS; i++) {
		OSM_OPTS(osm_spawn_opts, o);

		o.mode[OSM_SPAWN_R_NS0 + i] = OSM_SPAWN_NEW;
		ret = lib_start(&o, &lc);
		ASSERT_EQ(0, ret) TH_LOG("new %s: %s", ns_names[i],
					 strerror(-ret));
		EXPECT_EQ(1U << i, ns_differ(lc.pd.pid))
			TH_LOG("new %s", ns_names[i]);
		EXPECT_EQ(0, lib_finish(&lc));
	}
}

/* A helper that unshares the namespaces of *@arg and waits. */
static int unshared_child(int sock, void *arg)
{
	if (unshare(*(int *)arg))
		osm_child_fail(sock, "unshare: %m");
	return osm_child_ready(sock, NULL, 0) ? 1 : 0;
}

/* A helper whose child (reported) is in a new pid and time namespace. */
static int pidns_child(int sock, void *arg)
{
	pid_t kid;

	(void)arg;
	if (unshare(CLONE_NEWPID | CLONE_NEWTIME))
		osm_child_fail(sock, "unshare: %m");
	kid = fork();
	if (kid == 0) {
		pause();
		_exit(0);
	}
	if (kid < 0)
		osm_child_fail(sock, "fork: %m");
	if (osm_child_ready(sock, &kid, sizeof(kid)))
		return 1;
	kill(kid, SIGKILL);
	waitpid(kid, NULL, 0);
	return 0;
}

/* Joined namespaces are the target's, the others the caller's. */
TEST_F_TIMEOUT(spawn, join_namespaces_by_pidfd, OSM_TIMEOUT)
{
	static const unsigned int joined[] = { 1, 2, 4 };	/* uts ipc net */
	int flags = CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET;
	struct osm_child helper, pidh;
	struct lib_child lc;
	unsigned int i, k;
	pid_t kid;
	int pidfd, ret;

	ASSERT_EQ(0, osm_child_start(&helper, OSM_SPAWN_FORK, 0,
				     unshared_child, &flags, NULL, 0))
		TH_LOG("%s", helper.err);
	pidfd = syscall(SYS_pidfd_open, helper.pid, 0);
	ASSERT_LE(0, pidfd);
	{
		OSM_OPTS(osm_spawn_opts, o);

		for (k = 0; k < 3; k++) {
			o.mode[OSM_SPAWN_R_NS0 + joined[k]] = OSM_SPAWN_JOIN;
			o.ns_pidfd[joined[k]] = pidfd;
		}
		ret = lib_start(&o, &lc);
		ASSERT_EQ(0, ret) TH_LOG("%s", strerror(-ret));
		for (i = 0; i < OSM_SPAWN_NR_NS; i++) {
			bool join = i == 1 || i == 2 || i == 4;

			EXPECT_EQ(osm_test_ns_ino(join ? helper.pid : getpid(),
						  ns_names[i]),
				  osm_test_ns_ino(lc.pd.pid, ns_names[i]))
				TH_LOG("%s", ns_names[i]);
		}
		EXPECT_EQ(0, lib_finish(&lc));
	}
	close(pidfd);
	EXPECT_EQ(0, osm_child_finish(&helper));

	/* pid (entered by the caller for the clone) and time. */
	ASSERT_EQ(0, osm_child_start(&pidh, OSM_SPAWN_FORK, 0, pidns_child,
				     NULL, &kid, sizeof(kid)))
		TH_LOG("%s", pidh.err);
	pidfd = syscall(SYS_pidfd_open, kid, 0);
	ASSERT_LE(0, pidfd);
	{
		OSM_OPTS(osm_spawn_opts, o);

		o.mode[OSM_SPAWN_R_PID_NS] = OSM_SPAWN_JOIN;
		o.ns_pidfd[OSM_SPAWN_R_PID_NS - OSM_SPAWN_R_NS0] = pidfd;
		o.mode[OSM_SPAWN_R_TIME_NS] = OSM_SPAWN_JOIN;
		o.ns_pidfd[OSM_SPAWN_R_TIME_NS - OSM_SPAWN_R_NS0] = pidfd;
		ret = lib_start(&o, &lc);
		ASSERT_EQ(0, ret) TH_LOG("%s", strerror(-ret));
		EXPECT_EQ(osm_test_ns_ino(kid, "pid"),
			  osm_test_ns_ino(lc.pd.pid, "pid"));
		EXPECT_NE(osm_test_ns_ino(getpid(), "pid"),
			  osm_test_ns_ino(lc.pd.pid, "pid"));
		EXPECT_EQ(osm_test_ns_ino(kid, "time"),
			  osm_test_ns_ino(lc.pd.pid, "time"));
		/* And this thread is back in its own pid namespace. */
		EXPECT_EQ(osm_test_ns_ino(getpid(), "pid"),
			  osm_test_ns_ino(getpid(), "pid_for_children"));
		EXPECT_EQ(0, lib_finish(&lc));
	}
	close(pidfd);
	EXPECT_EQ(0, osm_child_finish(&pidh));
}

/* A new file table holds stdio only once the program runs. */
TEST_F_TIMEOUT(spawn, new_file_table_is_stdio_only, OSM_TIMEOUT)
{
	OSM_OPTS(osm_spawn_opts, o);
	int extra = open("/dev/null", O_RDONLY), *fds, n, i, ret;
	struct lib_child lc;

	ASSERT_LE(3, extra);
	o.mode[OSM_SPAWN_R_FILES] = OSM_SPAWN_NEW;
	ret = lib_start(&o, &lc);
	ASSERT_EQ(0, ret) TH_LOG("%s", strerror(-ret));
	n = osm_test_proc_fds(lc.pd.pid, &fds);
	ASSERT_LE(0, n);
	for (i = 0; i < n; i++)
		EXPECT_GT(3, fds[i]) TH_LOG("fd %d open in the child", fds[i]);
	free(fds);
	EXPECT_LT(0, osm_test_kcmp(getpid(), lc.pd.pid, KCMP_FILES, 0, 0));
	EXPECT_EQ(0, lib_finish(&lc));
	close(extra);
}

/* osm_spawn()'s own errors; nothing is left behind by any of them. */
TEST_F_TIMEOUT(spawn, spawn_errors, OSM_TIMEOUT)
{
	char *argv[] = { "/nonexistent/program", NULL };
	struct osm_spawned pd;
	int null, pidfd, before = records();
	pid_t kid;
	OSM_OPTS(osm_spawn_opts, o, .argv = argv);

	o.mode[OSM_SPAWN_R_MM] = OSM_SPAWN_SHARE;
	EXPECT_EQ(-EOPNOTSUPP, osm_spawn(&o, &pd)) TH_LOG("mm share");
	o.mode[OSM_SPAWN_R_MM] = 0;
	o.mode[OSM_SPAWN_R_FILES] = OSM_SPAWN_SHARE;
	EXPECT_EQ(-EOPNOTSUPP, osm_spawn(&o, &pd)) TH_LOG("files share");
	o.mode[OSM_SPAWN_R_FILES] = 0;
	o.mode[OSM_SPAWN_R_FS] = 9;
	EXPECT_EQ(-EINVAL, osm_spawn(&o, &pd)) TH_LOG("mode 9");
	o.mode[OSM_SPAWN_R_FS] = 0;
	o.memory_max = 1 << 20;
	EXPECT_EQ(-EINVAL, osm_spawn(&o, &pd)) TH_LOG("limit, no new cgroup");
	o.memory_max = 0;

	EXPECT_EQ(-ENOENT, osm_spawn(&o, &pd)) TH_LOG("no such program");

	/* The same with a new cgroup: no directory left. */
	o.mode[OSM_SPAWN_R_CGROUP] = OSM_SPAWN_NEW;
	o.pids_max = 8;
	EXPECT_EQ(-ENOENT, osm_spawn(&o, &pd));
	EXPECT_EQ(0, osm_spawn_cgroups_left());
	o.mode[OSM_SPAWN_R_CGROUP] = 0;
	o.pids_max = 0;

	null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, null);
	o.mode[OSM_SPAWN_R_NET_NS] = OSM_SPAWN_JOIN;
	o.ns_pidfd[OSM_SPAWN_R_NET_NS - OSM_SPAWN_R_NS0] = null;
	EXPECT_EQ(-EBADF, osm_spawn(&o, &pd)) TH_LOG("not a pidfd");
	close(null);

	kid = fork();
	if (kid == 0)
		_exit(0);
	ASSERT_LT(0, kid);
	pidfd = syscall(SYS_pidfd_open, kid, 0);
	ASSERT_LE(0, pidfd);
	waitpid(kid, NULL, 0);
	o.ns_pidfd[OSM_SPAWN_R_NET_NS - OSM_SPAWN_R_NS0] = pidfd;
	EXPECT_EQ(-ESRCH, osm_spawn(&o, &pd)) TH_LOG("stale pidfd");
	close(pidfd);
	EXPECT_EQ(before, records());
}

/* As nobody: codes 20 + the case that failed. */
static int unprivileged_spawn(int fd, void *arg)
{
	char *argv[] = { "/proc/self/exe", "--osm-test-wait", NULL };
	struct osm_spawned pd;
	OSM_OPTS(osm_spawn_opts, o, .argv = argv);

	(void)fd;
	(void)arg;
	o.mode[OSM_SPAWN_R_NET_NS] = OSM_SPAWN_NEW;
	if (osm_spawn(&o, &pd) != -EPERM)
		return 20;
	o.mode[OSM_SPAWN_R_NET_NS] = 0;
	o.mode[OSM_SPAWN_R_CGROUP] = OSM_SPAWN_NEW;
	o.cgroup_parent = "/sys/fs/cgroup";
	if (osm_spawn(&o, &pd) != -EACCES)
		return 21;	/* a cgroup in a tree not delegated to us */
	return 0;
}

TEST_F_TIMEOUT(spawn, unprivileged_spawn_refused, OSM_TIMEOUT)
{
	EXPECT_EQ(0, as_nobody(unprivileged_spawn, NULL));
}

/* The exit status comes back through osm_spawn_wait(). */
TEST_F_TIMEOUT(spawn, exit_status_passes_through, OSM_TIMEOUT)
{
	/* The wait mode without its descriptor exits 2. */
	char *argv[] = { "/proc/self/exe", OSM_TEST_WAIT_ARG, NULL };
	OSM_OPTS(osm_spawn_opts, o, .argv = argv);
	struct osm_spawned pd;
	int status = -1;

	ASSERT_LE(0, osm_spawn(&o, &pd));
	ASSERT_EQ(0, osm_spawn_wait(&pd, &status));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(2, WEXITSTATUS(status));
	EXPECT_EQ(-1, pd.pidfd);
}

/* The program starts with the caller's signal mask, not all blocked. */
TEST_F_TIMEOUT(spawn, signal_mask_is_the_callers, OSM_TIMEOUT)
{
	OSM_OPTS(osm_spawn_opts, o);
	char mine[64], theirs[64];
	struct lib_child lc;
	sigset_t set;
	int ret;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	ASSERT_EQ(0, sigprocmask(SIG_BLOCK, &set, NULL));
	ret = lib_start(&o, &lc);
	ASSERT_EQ(0, ret) TH_LOG("%s", strerror(-ret));
	ASSERT_EQ(0, osm_test_status_field(getpid(), "SigBlk", mine,
					   sizeof(mine)));
	ASSERT_EQ(0, osm_test_status_field(lc.pd.pid, "SigBlk", theirs,
					   sizeof(theirs)));
	EXPECT_STREQ(mine, theirs);
	EXPECT_TRUE(strtoull(theirs, NULL, 16) & 1ULL << (SIGUSR2 - 1));
	EXPECT_EQ(0, lib_finish(&lc));
}

/*
 * The spawned PD in the graph: its thread holds the same fs and uts
 * namespace node as this one, and other mm, files, sighand and net
 * namespace nodes, as asked.
 */
TEST_F_TIMEOUT(spawn, graph_shows_the_requested_sharing, OSM_TIMEOUT)
{
	OSM_OPTS(osm_spawn_opts, o);
	struct lib_child lc;
	struct osm_graph *g;
	pid_t me = getpid();
	int ret;

	o.mode[OSM_SPAWN_R_FS] = OSM_SPAWN_SHARE;
	o.mode[OSM_SPAWN_R_NET_NS] = OSM_SPAWN_NEW;
	ret = lib_start(&o, &lc);
	ASSERT_EQ(0, ret) TH_LOG("%s", strerror(-ret));
	EXPECT_EQ(0, osm_test_kcmp(me, lc.pd.pid, KCMP_FS, 0, 0));
	g = osm_test_load();
	ASSERT_NE(NULL, g) TH_LOG("load: %m");
	ASSERT_NE(NULL, osm_test_process(g, lc.pd.pid));
	OSM_EXPECT_HELD_SAME(g, me, lc.pd.pid, "fs", true);
	OSM_EXPECT_HELD_SAME(g, me, lc.pd.pid, "uts_ns", true);
	OSM_EXPECT_HELD_SAME(g, me, lc.pd.pid, "mnt_ns", true);
	OSM_EXPECT_HELD_SAME(g, me, lc.pd.pid, "cgroup", true);
	OSM_EXPECT_HELD_SAME(g, me, lc.pd.pid, "mm", false);
	OSM_EXPECT_HELD_SAME(g, me, lc.pd.pid, "files", false);
	OSM_EXPECT_HELD_SAME(g, me, lc.pd.pid, "sighand", false);
	OSM_EXPECT_HELD_SAME(g, me, lc.pd.pid, "net_ns", false);
	osm_graph__free(g);
	EXPECT_EQ(0, lib_finish(&lc));
}

/* ---- functions spawned with osm_spawn_fn() ---- */

/* Written by a function PD: seen by the caller only with mm shared. */
static volatile int fn_mark;

/* What a function PD and the test share: always a MAP_SHARED page. */
struct fn_shared {
	int ready;		/* the PD did its part */
	int release;		/* the test is done with it */
	int new_fd;		/* an fd the PD opened */
	long closed;		/* close(2) of the caller's pipe end */
	long sees_late_fd;	/* fcntl(F_GETFD) of an fd opened after spawn */
	int late_fd;
	int pipe_rd;
	mode_t old_umask;
};

/*
 * The PD's function: system calls only (it runs with the caller's TLS).
 * Marks memory, opens /dev/null, closes the read end of the caller's
 * pipe, sets its umask, then waits for the test to look; checks that an
 * fd the caller opened meanwhile is (not) in its table; returns 7.
 */
static int fn_body(void *arg)
{
	struct fn_shared *s = arg;
	struct timespec ts = { 0, 1000000 };

	fn_mark = 0x5eed;
	s->new_fd = syscall(SYS_openat, AT_FDCWD, "/dev/null",
			    O_RDONLY | O_CLOEXEC, 0);
	s->closed = syscall(SYS_close, s->pipe_rd);
	s->old_umask = syscall(SYS_umask, 077);
	__atomic_store_n(&s->ready, 1, __ATOMIC_RELEASE);
	while (__atomic_load_n(&s->release, __ATOMIC_ACQUIRE) == 0)
		syscall(SYS_nanosleep, &ts, NULL);
	s->sees_late_fd = syscall(SYS_fcntl, s->late_fd, F_GETFD);
	__atomic_store_n(&s->ready, 2, __ATOMIC_RELEASE);
	while (__atomic_load_n(&s->release, __ATOMIC_ACQUIRE) == 1)
		syscall(SYS_nanosleep, &ts, NULL);
	if (s->new_fd >= 0)
		syscall(SYS_close, s->new_fd);
	return 7;
}

/*
 * Is our descriptor @fd the PD's /dev/null?  Not just "open": a number
 * free in its copy of the table may be another file in ours (libosm
 * keeps a /dev/osmosis descriptor that a PD with its own table closes).
 */
static bool is_dev_null(int fd)
{
	struct stat st, null;

	return !fstat(fd, &st) && !stat("/dev/null", &null) &&
	       S_ISCHR(st.st_mode) && st.st_rdev == null.st_rdev;
}

static int fn_wait_ready(int *ready, int want)
{
	int i;

	for (i = 0; i < 60000; i++) {
		if (__atomic_load_n(ready, __ATOMIC_ACQUIRE) >= want)
			return 0;
		nap();
	}
	return -1;
}

/*
 * The function presets against ground truth: kcmp(2) says "same" for
 * exactly the resources the preset shares; the PD's memory write is seen
 * exactly when it shares the address space; with its own file table,
 * opening and closing in either does not change the other's (fcntl and
 * fstat); with its own fs, its umask is its own; and the graph shows
 * its thread holding the same mm node and, for tif, other files and fs
 * nodes.  "process" runs the same function in a copy, for contrast.
 */
TEST_F_TIMEOUT(spawn, fn_presets_match_ground_truth, OSM_TIMEOUT)
{
	enum { S = OSM_SPAWN_SHARE, C = OSM_SPAWN_COPY, N = OSM_SPAWN_NEW };
	static const struct {
		const char *preset;
		unsigned char m[OSM_SPAWN_R_CGROUP];	/* mm files fs sighand sysvsem */
	} cases[] = {
		{ "thread", { S, S, S, S, S } },
		{ "tif", { S, C, C, S, S } },
		{ "process", { C, C, C, C, N } },
	};
	static const char *const held[OSM_SPAWN_R_SYSVSEM] = {
		"mm", "files", "fs", "sighand",
	};
	struct fn_shared *s;
	unsigned int i, k;
	pid_t me = getpid();
	int ret, status, pfd[2], before;

	ASSERT_EQ(0, make_undo_list()) TH_LOG("semop SEM_UNDO: %m");
	s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, s);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		OSM_OPTS(osm_spawn_opts, o, .stack_size = 64 << 10);
		const char *what = cases[i].preset;
		bool files_shared = cases[i].m[OSM_SPAWN_R_FILES] == S;
		bool mm_shared = cases[i].m[OSM_SPAWN_R_MM] == S;
		bool fs_shared = cases[i].m[OSM_SPAWN_R_FS] == S;
		struct osm_spawned pd;
		struct osm_graph *g;
		struct stat st;
		mode_t mask;

		memset(s, 0, sizeof(*s));
		fn_mark = 0;
		ASSERT_EQ(0, pipe2(pfd, O_CLOEXEC));
		s->pipe_rd = pfd[0];
		s->late_fd = -1;
		mask = umask(022);
		ASSERT_EQ(0, osm_spawn_preset(what, &o));
		for (k = 0; k < OSM_SPAWN_R_CGROUP; k++)
			EXPECT_EQ(cases[i].m[k], o.mode[k])
				TH_LOG("%s: %s mode", what, osm_spawn_res_name(k));
		before = records();
		ret = osm_spawn_fn(&o, fn_body, s, &pd);
		ASSERT_LE(0, ret) TH_LOG("%s: osm_spawn_fn: %s, mismatch %#llx",
					 what, strerror(-ret), pd.mismatch);
		EXPECT_EQ(before + 1, records()) TH_LOG("%s: not recorded", what);
		ASSERT_EQ(0, fn_wait_ready(&s->ready, 1)) TH_LOG("%s: no report", what);

		for (k = 0; k < OSM_SPAWN_R_CGROUP; k++) {
			int same = osm_test_kcmp(me, pd.pid, kcmp_type[k], 0, 0);

			ASSERT_LE(0, same) TH_LOG("kcmp: %m");
			EXPECT_EQ(cases[i].m[k] == S, same == 0)
				TH_LOG("%s: %s per kcmp", what,
				       osm_spawn_res_name(k));
		}
		EXPECT_EQ(mm_shared, fn_mark == 0x5eed) TH_LOG("%s: memory", what);
		/* Its open and close: in our table exactly when shared. */
		ASSERT_LE(0, s->new_fd) TH_LOG("%s: open in the PD", what);
		EXPECT_EQ(0, s->closed) TH_LOG("%s: close in the PD", what);
		EXPECT_EQ(files_shared, is_dev_null(s->new_fd))
			TH_LOG("%s: its fd %d in our table", what, s->new_fd);
		EXPECT_EQ(files_shared, fstat(pfd[0], &st) != 0)
			TH_LOG("%s: our pipe closed by the PD", what);
		/* Its umask: ours exactly when the fs is shared. */
		EXPECT_EQ(fs_shared ? 077 : 022, umask(022))
			TH_LOG("%s: umask", what);
		/*
		 * Ours: an fd opened now is in its table exactly when shared.
		 * A number free in both tables (the lowest free one may be
		 * the PD's own /dev/null in its copy).
		 */
		ret = open("/dev/zero", O_RDONLY | O_CLOEXEC);
		ASSERT_LE(0, ret);
		s->late_fd = fcntl(ret, F_DUPFD_CLOEXEC, 900);
		close(ret);
		ASSERT_LE(900, s->late_fd);
		__atomic_store_n(&s->release, 1, __ATOMIC_RELEASE);
		ASSERT_EQ(0, fn_wait_ready(&s->ready, 2)) TH_LOG("%s: no report", what);
		EXPECT_EQ(files_shared, s->sees_late_fd >= 0)
			TH_LOG("%s: our late fd in its table", what);

		g = osm_test_load();
		ASSERT_NE(NULL, g) TH_LOG("load: %m");
		ASSERT_NE(NULL, osm_test_thread(g, pd.pid)) TH_LOG("%s", what);
		for (k = 0; k < OSM_SPAWN_R_SYSVSEM; k++)
			OSM_EXPECT_HELD_SAME(g, me, pd.pid, held[k],
					     cases[i].m[k] == S);
		osm_graph__free(g);

		__atomic_store_n(&s->release, 2, __ATOMIC_RELEASE);
		status = -1;
		EXPECT_EQ(0, osm_spawn_wait(&pd, &status));
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 7)
			TH_LOG("%s: status %#x", what, status);
		EXPECT_EQ(NULL, pd.stack) TH_LOG("%s: stack kept", what);
		EXPECT_EQ(before, records()) TH_LOG("%s: record kept", what);
		close(s->late_fd);
		if (!files_shared)	/* else the PD closed it for us */
			close(pfd[0]);
		close(pfd[1]);
		umask(mask);
	}
	munmap(s, sizeof(*s));
}

/* The stack: mapped for the PD, kept for the next once it is reaped. */
static int fn_exit_3(void *arg)
{
	*(volatile char *)arg = 1;	/* the stack is writable */
	return 3;
}

TEST_F_TIMEOUT(spawn, fn_stack_and_errors, OSM_TIMEOUT)
{
	char *argv[] = { "true", NULL };
	OSM_OPTS(osm_spawn_opts, o);
	struct osm_spawned pd;
	char local = 0;
	int status = -1, ret;
	void *stack;

	ASSERT_EQ(0, osm_spawn_preset("thread", &o));
	ret = osm_spawn_fn(&o, fn_exit_3, &local, &pd);
	ASSERT_LE(0, ret) TH_LOG("%s", strerror(-ret));
	ASSERT_NE(NULL, pd.stack);
	EXPECT_EQ((size_t)OSM_SPAWN_STACK_DEFAULT + getpagesize(), pd.stack_len);
	stack = pd.stack;
	EXPECT_EQ(0, osm_spawn_wait(&pd, &status));
	EXPECT_EQ(3 << 8, status);
	EXPECT_EQ(1, local) TH_LOG("the thread's write to our stack");
	EXPECT_EQ(NULL, pd.stack);
	/*
	 * Kept for the next PD, as pthread keeps stacks: still mapped
	 * (mincore() on an unmapped range is -ENOMEM), and the next PD of
	 * that size runs on it.
	 */
	{
		unsigned char vec[1];

		EXPECT_EQ(0, mincore(stack, getpagesize(), vec));
		ret = osm_spawn_fn(&o, fn_exit_3, &local, &pd);
		ASSERT_LE(0, ret) TH_LOG("%s", strerror(-ret));
		EXPECT_EQ(stack, pd.stack) TH_LOG("a new stack");
		EXPECT_EQ(0, osm_spawn_wait(&pd, &status));
		EXPECT_EQ(3 << 8, status);
	}

	/* Not a program; a function; a sane stack. */
	o.argv = argv;
	EXPECT_EQ(-EINVAL, osm_spawn_fn(&o, fn_exit_3, &local, &pd));
	o.argv = NULL;
	EXPECT_EQ(-EINVAL, osm_spawn_fn(&o, NULL, &local, &pd));
	o.stack_size = 4096;
	EXPECT_EQ(-EINVAL, osm_spawn_fn(&o, fn_exit_3, &local, &pd));
	o.stack_size = 0;
	/* A thread cannot have its own time namespace (the module says). */
	o.mode[OSM_SPAWN_R_TIME_NS] = OSM_SPAWN_NEW;
	EXPECT_EQ(-EINVAL, osm_spawn_fn(&o, fn_exit_3, &local, &pd));
	EXPECT_EQ(-1, pd.pidfd);
	EXPECT_EQ(NULL, pd.stack);
	o.mode[OSM_SPAWN_R_TIME_NS] = 0;
	/* A program cannot share the address space. */
	o.argv = argv;
	EXPECT_EQ(-EOPNOTSUPP, osm_spawn(&o, &pd));
}

/* ---- tis: a private stack under a protection key ---- */

struct tis_shared {
	int ready;
	int release;
	volatile int *local;	/* on the PD's stack */
};

static int fn_tis_body(void *arg)
{
	struct tis_shared *s = arg;
	struct timespec ts = { 0, 1000000 };
	volatile int local = 42;

	s->local = &local;
	__atomic_store_n(&s->ready, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&s->release, __ATOMIC_ACQUIRE))
		syscall(SYS_nanosleep, &ts, NULL);
	local++;			/* its own stack: allowed */
	return local == 43 ? 5 : 6;
}

/* Does /proc/cpuinfo list "pku" and "ospke" for the first CPU? */
static bool cpu_has_pku(void)
{
	char line[4096];
	bool pku = false, ospke = false;
	FILE *f = fopen("/proc/cpuinfo", "re");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "flags", 5)) {
			pku = strstr(line, " pku") != NULL;
			ospke = strstr(line, " ospke") != NULL;
			break;
		}
	fclose(f);
	return pku && ospke;
}

/* "ProtectionKey:" of the mapping of @pid holding @addr; -1 if none. */
static int smaps_pkey(pid_t pid, const void *addr)
{
	unsigned long lo, hi, a = (unsigned long)addr;
	char path[64], line[512];
	bool in = false;
	int key = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 &&
		    strchr(line, '-') < strchr(line, ' '))
			in = a >= lo && a < hi;
		else if (in && sscanf(line, "ProtectionKey: %d", &key) == 1)
			break;
	}
	fclose(f);
	return key;
}

static sigjmp_buf pku_jmp;
static volatile int pku_code;

static void pku_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	pku_code = si->si_code;
	siglongjmp(pku_jmp, 1);
}

/*
 * tis: the PD's stack has a key of its own (smaps ProtectionKey), the
 * PD uses it, and this thread, sharing the address space (kcmp), faults
 * with SEGV_PKUERR when it reads it.  Without PKU: -EOPNOTSUPP.
 */
TEST_F_TIMEOUT(spawn, fn_tis_stack_is_private, OSM_TIMEOUT)
{
	OSM_OPTS(osm_spawn_opts, o);
	struct sigaction sa = { .sa_sigaction = pku_segv,
				.sa_flags = SA_SIGINFO }, old;
	struct tis_shared *s;
	struct osm_spawned pd;
	int ret, status = -1, key;

	ASSERT_EQ(0, osm_spawn_preset("tis", &o));
	EXPECT_EQ(OSM_SPAWN_FN_PRIVATE_STACK, o.fn_flags);
	EXPECT_EQ(OSM_SPAWN_SHARE, o.mode[OSM_SPAWN_R_MM]);
	s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, s);
	ret = osm_spawn_fn(&o, fn_tis_body, s, &pd);
	if (!cpu_has_pku()) {
		EXPECT_EQ(-EOPNOTSUPP, ret);
		SKIP(return, "no protection keys on this CPU");
	}
	ASSERT_LE(0, ret) TH_LOG("osm_spawn_fn: %s", strerror(-ret));
	ASSERT_LT(0, pd.stack_pkey);
	ASSERT_EQ(0, fn_wait_ready(&s->ready, 1));
	EXPECT_EQ(0, osm_test_kcmp(getpid(), pd.pid, KCMP_VM, 0, 0));
	key = smaps_pkey(pd.pid, (const void *)s->local);
	EXPECT_EQ(pd.stack_pkey, key) TH_LOG("smaps ProtectionKey");
	EXPECT_EQ(0, smaps_pkey(getpid(), &ret)) TH_LOG("our own stack");

	ASSERT_EQ(0, sigaction(SIGSEGV, &sa, &old));
	pku_code = 0;
	if (!sigsetjmp(pku_jmp, 1)) {
		ret = *s->local;	/* must fault */
		pku_code = -1;
	}
	sigaction(SIGSEGV, &old, NULL);
	EXPECT_EQ(SEGV_PKUERR, pku_code) TH_LOG("read of its stack: code %d",
						pku_code);

	__atomic_store_n(&s->release, 1, __ATOMIC_RELEASE);
	EXPECT_EQ(0, osm_spawn_wait(&pd, &status));
	EXPECT_EQ(5 << 8, status) TH_LOG("the PD could not use its stack");
	EXPECT_EQ(0, pd.stack_pkey);
	munmap(s, sizeof(*s));
}

/* ---- credentials and seccomp (api 1.4) ---- */

#define ALLOW_ALL	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)

/* Deny system call @sysno with EPERM, allow the rest (native arch only). */
#define DENY_PROG(name, sysno)					\
	struct sock_filter name##_insn[] = {				\
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,			\
			 offsetof(struct seccomp_data, nr)),		\
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (sysno), 0, 1),	\
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),	\
		ALLOW_ALL,						\
	};								\
	struct sock_fprog name = {					\
		.len = sizeof(name##_insn) / sizeof(name##_insn[0]),	\
		.filter = name##_insn,					\
	}

/* A /proc/PID/status capability line ("CapEff"...) as a number. */
static unsigned long long status_caps(pid_t pid, const char *key)
{
	char buf[64];

	if (osm_test_status_field(pid, key, buf, sizeof(buf)))
		return ~0ULL;
	return strtoull(buf, NULL, 16);
}

static long status_num(pid_t pid, const char *key)
{
	char buf[64];

	if (osm_test_status_field(pid, key, buf, sizeof(buf)))
		return -1;
	return strtol(buf, NULL, 10);
}

/* Are all five capability sets of @pid exactly @keep? */
static bool caps_are(pid_t pid, unsigned long long keep)
{
	static const char *const sets[] = {
		"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb",
	};
	unsigned int i;

	for (i = 0; i < 5; i++)
		if (status_caps(pid, sets[i]) != keep)
			return false;
	return true;
}

/* "A\tA\tA\tA" of Uid: or Gid: is four times @id. */
static bool ids_are(pid_t pid, const char *key, unsigned int id)
{
	char buf[128], want[128];

	snprintf(want, sizeof(want), "%u\t%u\t%u\t%u", id, id, id, id);
	return !osm_test_status_field(pid, key, buf, sizeof(buf)) &&
	       !strcmp(buf, want);
}

/* The single line of /proc/PID/uid_map or gid_map, spaces squeezed. */
static int id_map(pid_t pid, const char *which, unsigned int *in,
		  unsigned int *out, unsigned int *count)
{
	char path[64], buf[256];

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, which);
	if (osm_test_read_line(path, buf, sizeof(buf)))
		return -1;
	return sscanf(buf, "%u %u %u", in, out, count) == 3 ? 0 : -1;
}

/* The plan's actions for credentials and seccomp; bad ones refused. */
TEST_F_TIMEOUT(spawn, prepare_cred_and_seccomp, OSM_TIMEOUT)
{
	struct sock_filter bad_insn[] = {
		BPF_JUMP(BPF_JMP | BPF_JA, 5, 0, 0),	/* out of the program */
		ALLOW_ALL,
	};
	struct sock_filter allow = ALLOW_ALL;
	struct osm_spawn_req r;

	req_init(&r);
	r.mode[OSM_SPAWN_R_CRED] = OSM_SPAWN_NEW;
	r.uid = 1234;
	r.gid = 2345;
	r.caps_keep = 1ULL << CAP_KILL;
	ASSERT_EQ(0, prepare(self->fd, &r));
	EXPECT_EQ(OSM_SPAWN_ACT_SETID | OSM_SPAWN_ACT_CAPS, r.actions);
	EXPECT_EQ(0, r.clone_flags);

	req_init(&r);
	r.mode[OSM_SPAWN_R_CRED] = OSM_SPAWN_NEW;
	r.mode[OSM_SPAWN_R_USER_NS] = OSM_SPAWN_NEW;
	ASSERT_EQ(0, prepare(self->fd, &r));
	EXPECT_EQ(OSM_SPAWN_ACT_IDMAP | OSM_SPAWN_ACT_SETID |
		  OSM_SPAWN_ACT_CAPS, r.actions);
	EXPECT_EQ(CLONE_NEWUSER, r.clone_flags);

	req_init(&r);
	r.mode[OSM_SPAWN_R_SECCOMP] = OSM_SPAWN_NEW;
	r.flags = OSM_SPAWN_NO_NEW_PRIVS;
	r.seccomp_prog = (uintptr_t)&allow;
	r.seccomp_len = 1;
	ASSERT_EQ(0, prepare(self->fd, &r));
	EXPECT_EQ(OSM_SPAWN_ACT_NNP | OSM_SPAWN_ACT_SECCOMP, r.actions);

	/* Bad values: one at a time. */
	req_init(&r);
	r.mode[OSM_SPAWN_R_CRED] = OSM_SPAWN_NEW;
	r.uid = ~0U;
	EXPECT_EQ(-EINVAL, prepare(self->fd, &r)) TH_LOG("uid -1");
	r.uid = 0;
	r.gid = ~0U;
	EXPECT_EQ(-EINVAL, prepare(self->fd, &r)) TH_LOG("gid -1");
	r.gid = 0;
	r.caps_keep = 1ULL << 63;
	EXPECT_EQ(-EINVAL, prepare(self->fd, &r)) TH_LOG("cap 63");

	req_init(&r);
	r.mode[OSM_SPAWN_R_SECCOMP] = OSM_SPAWN_NEW;
	r.seccomp_prog = (uintptr_t)&allow;
	r.seccomp_len = 4097;
	EXPECT_EQ(-EINVAL, prepare(self->fd, &r)) TH_LOG("4097 instructions");
	r.seccomp_len = 0;
	EXPECT_EQ(-EINVAL, prepare(self->fd, &r)) TH_LOG("no instruction");
	r.seccomp_prog = (uintptr_t)bad_insn;
	r.seccomp_len = 2;
	EXPECT_EQ(-EINVAL, prepare(self->fd, &r)) TH_LOG("jump out");
	r.seccomp_prog = 8;
	r.seccomp_len = 1;
	EXPECT_EQ(-EFAULT, prepare(self->fd, &r)) TH_LOG("bad pointer");
}

/* As nobody: codes 30 + the case that failed. */
static int unprivileged_cred(int fd, void *arg)
{
	struct sock_filter allow = ALLOW_ALL;
	struct osm_spawn_req r;

	(void)arg;
	req_init(&r);
	r.mode[OSM_SPAWN_R_CRED] = OSM_SPAWN_NEW;
	r.uid = NOBODY;
	r.gid = NOBODY;
	if (prepare(fd, &r) != -EPERM)
		return 30;	/* setuid without CAP_SETUID */
	r.mode[OSM_SPAWN_R_USER_NS] = OSM_SPAWN_NEW;
	r.uid = 0;
	r.gid = 0;
	r.caps_keep = 1ULL << CAP_SYS_ADMIN;
	if (prepare(fd, &r) != 0)
		return 31;	/* root in its own user namespace: fine */
	req_init(&r);
	r.mode[OSM_SPAWN_R_SECCOMP] = OSM_SPAWN_NEW;
	r.seccomp_prog = (uintptr_t)&allow;
	r.seccomp_len = 1;
	if (prepare(fd, &r) != -EACCES)
		return 32;	/* a filter without no_new_privs */
	r.flags = OSM_SPAWN_NO_NEW_PRIVS;
	if (prepare(fd, &r) != 0)
		return 33;
	req_init(&r);
	r.mode[OSM_SPAWN_R_FS] = OSM_SPAWN_NEW;
	r.root_fd = open("/", O_PATH | O_CLOEXEC);
	if (prepare(fd, &r) != -EPERM)
		return 34;	/* chroot without CAP_SYS_CHROOT */
	r.mode[OSM_SPAWN_R_USER_NS] = OSM_SPAWN_NEW;
	if (prepare(fd, &r) != 0)
		return 35;	/* ... which a new user namespace has */
	return 0;
}

TEST_F_TIMEOUT(spawn, prepare_cred_unprivileged, OSM_TIMEOUT)
{
	EXPECT_EQ(0, as_nobody(unprivileged_cred, NULL));
}

/* A child that does not set what it was asked: refused, bit by bit. */
TEST_F_TIMEOUT(spawn, commit_refuses_cred_mismatch, OSM_TIMEOUT)
{
	struct sock_filter allow = ALLOW_ALL;
	struct osm_spawn_req r;
	unsigned long long mismatch;
	int before = records();

	req_init(&r);
	r.mode[OSM_SPAWN_R_CRED] = OSM_SPAWN_NEW;
	r.uid = 1234;
	r.gid = 1234;
	ASSERT_EQ(EXDEV, raw_commit(self->fd, &r, false, &mismatch));
	EXPECT_EQ(1ULL << OSM_SPAWN_R_CRED, mismatch);

	req_init(&r);
	r.mode[OSM_SPAWN_R_SECCOMP] = OSM_SPAWN_NEW;
	r.flags = OSM_SPAWN_NO_NEW_PRIVS;
	r.seccomp_prog = (uintptr_t)&allow;
	r.seccomp_len = 1;
	ASSERT_EQ(EXDEV, raw_commit(self->fd, &r, false, &mismatch));
	EXPECT_EQ(1ULL << OSM_SPAWN_R_SECCOMP, mismatch);
	EXPECT_EQ(before, records());
}

/* setuid/setgid and kept capabilities, as /proc/PID/status shows them. */
TEST_F_TIMEOUT(spawn, cred_new_ids_and_caps, OSM_TIMEOUT)
{
	unsigned long long keep = 1ULL << CAP_KILL |
				  1ULL << CAP_NET_BIND_SERVICE;
	OSM_OPTS(osm_spawn_opts, o);
	struct lib_child lc;
	char groups[64];
	int ret;

	o.mode[OSM_SPAWN_R_CRED] = OSM_SPAWN_NEW;
	o.uid = 1234;
	o.gid = 2345;
	o.caps_keep = keep;
	ret = lib_start(&o, &lc);
	ASSERT_EQ(0, ret) TH_LOG("%s", strerror(-ret));
	EXPECT_TRUE(ids_are(lc.pd.pid, "Uid", 1234));
	EXPECT_TRUE(ids_are(lc.pd.pid, "Gid", 2345));
	ASSERT_EQ(0, osm_test_status_field(lc.pd.pid, "Groups", groups,
					   sizeof(groups)));
	EXPECT_STREQ("", groups);
	/* Kept across execve by a non-root program: the ambient set. */
	EXPECT_TRUE(caps_are(lc.pd.pid, keep))
		TH_LOG("CapEff %llx CapBnd %llx CapAmb %llx",
		       status_caps(lc.pd.pid, "CapEff"),
		       status_caps(lc.pd.pid, "CapBnd"),
		       status_caps(lc.pd.pid, "CapAmb"));
	EXPECT_EQ(0, status_num(lc.pd.pid, "NoNewPrivs"));
	EXPECT_EQ(0, lib_finish(&lc));
	/* The caller is as it was. */
	EXPECT_EQ(0, getuid());
	EXPECT_EQ(0, getgid());
}

/* Codes 40 + the check that failed; run as nobody or as root. */
static int userns_cred(int fd, void *arg)
{
	unsigned long long keep = 1ULL << CAP_SYS_ADMIN;
	unsigned int in, out, count, me = geteuid();
	OSM_OPTS(osm_spawn_opts, o);
	struct lib_child lc;
	char buf[32];
	int code = 0;

	(void)fd;
	(void)arg;
	o.mode[OSM_SPAWN_R_USER_NS] = OSM_SPAWN_NEW;
	o.mode[OSM_SPAWN_R_CRED] = OSM_SPAWN_NEW;
	o.uid = 0;
	o.gid = 7;
	o.caps_keep = keep;
	/*
	 * as_nobody()'s setresuid() made us non-dumpable, and the /proc
	 * files of a non-dumpable process (and of its children) belong to
	 * root: no child of ours could write its uid_map.  An ordinary
	 * unprivileged process is dumpable.
	 */
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0))
		return 39;
	code = lib_start(&o, &lc);
	if (code)
		return 100 + (-code > 99 ? 99 : -code);
	if (id_map(lc.pd.pid, "uid_map", &in, &out, &count) ||
	    in != 0 || out != me || count != 1)
		code = 41;
	else if (id_map(lc.pd.pid, "gid_map", &in, &out, &count) ||
		 in != 7 || out != getegid() || count != 1)
		code = 42;
	else if (snprintf(buf, sizeof(buf), "/proc/%d/setgroups",
			  lc.pd.pid) < 0 ||
		 osm_test_read_line(buf, buf, sizeof(buf)) ||
		 strcmp(buf, "deny"))
		code = 43;
	/* Seen from here: our own ids, and only CAP_SYS_ADMIN (in its ns). */
	else if (!ids_are(lc.pd.pid, "Uid", me) ||
		 !ids_are(lc.pd.pid, "Gid", getegid()))
		code = 44;
	else if (!caps_are(lc.pd.pid, keep))
		code = 45;
	else if (osm_test_ns_ino(lc.pd.pid, "user") ==
		 osm_test_ns_ino(getpid(), "user"))
		code = 46;
	if (lib_finish(&lc) != 0 && !code)
		code = 47;
	return code;
}

TEST_F_TIMEOUT(spawn, cred_new_user_namespace, OSM_TIMEOUT)
{
	EXPECT_EQ(0, userns_cred(self->fd, NULL)) TH_LOG("as root");
	EXPECT_EQ(0, as_nobody(userns_cred, NULL)) TH_LOG("as nobody");
}

/* One more filter, no_new_privs: /proc/PID/status Seccomp lines. */
TEST_F_TIMEOUT(spawn, seccomp_filter_installed, OSM_TIMEOUT)
{
	DENY_PROG(prog, __NR_getpriority);
	OSM_OPTS(osm_spawn_opts, o);
	struct lib_child lc;
	long mine = status_num(getpid(), "Seccomp_filters");
	int ret;

	o.mode[OSM_SPAWN_R_SECCOMP] = OSM_SPAWN_NEW;
	o.flags = OSM_SPAWN_NO_NEW_PRIVS;
	o.seccomp = &prog;
	ret = lib_start(&o, &lc);
	ASSERT_EQ(0, ret) TH_LOG("%s", strerror(-ret));
	EXPECT_EQ(2, status_num(lc.pd.pid, "Seccomp"));	/* filter */
	if (mine >= 0)	/* Seccomp_filters: since 5.9 */
		EXPECT_EQ(mine + 1, status_num(lc.pd.pid, "Seccomp_filters"));
	EXPECT_EQ(1, status_num(lc.pd.pid, "NoNewPrivs"));
	EXPECT_EQ(0, lib_finish(&lc));
	EXPECT_EQ(0, status_num(getpid(), "Seccomp"));
}

/* Fork and run @fn in the child, as root; its exit code. */
static int in_child(int (*fn)(int fd, void *arg), void *arg)
{
	int status = -1;
	pid_t pid = fork();

	if (pid == 0)
		_exit(fn(-1, arg));
	if (pid < 0)
		return -1;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

/* Code 50 +: a caller whose own filter forbids clone3 cannot spawn. */
static int filtered_caller(int fd, void *arg)
{
	char *argv[] = { "/proc/self/exe", OSM_TEST_WAIT_ARG, NULL };
	DENY_PROG(prog, __NR_clone3);
	OSM_OPTS(osm_spawn_opts, o, .argv = argv);
	struct osm_spawned pd;

	(void)fd;
	(void)arg;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog))
		return 50;
	return osm_spawn(&o, &pd) == -EPERM ? 0 : 51;
}

/* Code 60 +: the PD's new filter forbids ioctl, so it cannot commit. */
static int filter_blocks_commit(int fd, void *arg)
{
	char *argv[] = { "/proc/self/exe", OSM_TEST_WAIT_ARG, NULL };
	OSM_OPTS(osm_spawn_opts, o, .argv = argv);
	DENY_PROG(prog, __NR_ioctl);
	struct osm_spawned pd;

	(void)fd;
	(void)arg;
	o.mode[OSM_SPAWN_R_SECCOMP] = OSM_SPAWN_NEW;
	o.mode[OSM_SPAWN_R_CGROUP] = OSM_SPAWN_NEW;
	o.flags = OSM_SPAWN_NO_NEW_PRIVS;
	o.seccomp = &prog;
	if (osm_spawn(&o, &pd) != -EPERM)
		return 60;
	return osm_spawn_cgroups_left() == 0 ? 0 : 61;
}

/*
 * The new filter comes before the commit: one that forbids ioctl stops
 * the spawn; a caller's filter that forbids clone3 stops it too.  No
 * cgroup is left, and no record once the callers are gone.
 */
TEST_F_TIMEOUT(spawn, seccomp_filter_limits_spawn, OSM_TIMEOUT)
{
	int before = records();

	EXPECT_EQ(0, in_child(filter_blocks_commit, NULL));
	EXPECT_EQ(0, as_nobody(filtered_caller, NULL));
	EXPECT_EQ(before, records());
	EXPECT_EQ(0, osm_spawn_cgroups_left());
}

static volatile int cred_fn_uid = -1;

static int cred_fn(void *arg)
{
	(void)arg;
	cred_fn_uid = syscall(SYS_getuid);
	return 0;
}

/*
 * A thread-like PD with its own uid: the caller (same address space)
 * keeps its ids, so the library did not use glibc's setxid broadcast.
 */
TEST_F_TIMEOUT(spawn, cred_new_in_shared_address_space, OSM_TIMEOUT)
{
	OSM_OPTS(osm_spawn_opts, o);
	struct osm_spawned pd;
	int status = -1;

	ASSERT_EQ(0, osm_spawn_preset("thread", &o));
	o.mode[OSM_SPAWN_R_CRED] = OSM_SPAWN_NEW;
	o.uid = 4321;
	o.gid = 4321;
	ASSERT_LE(0, osm_spawn_fn(&o, cred_fn, NULL, &pd));
	ASSERT_EQ(0, osm_spawn_wait(&pd, &status));
	EXPECT_EQ(0, status);
	EXPECT_EQ(4321, cred_fn_uid);
	EXPECT_TRUE(ids_are(getpid(), "Uid", 0));
	EXPECT_TRUE(ids_are(getpid(), "Gid", 0));
}

/* ---- cpu.max and cpuset of a new cgroup (api 1.4) ---- */

/* An empty cgroup NAME-PID under ours, made for a test; its fd or -1. */
static int test_cgroup(const char *name, char *path, size_t len)
{
	char mine[256];

	if (osm_test_cgroup_path(getpid(), mine, sizeof(mine)))
		return -1;
	snprintf(path, len, "/sys/fs/cgroup%s/%s-%d",
		 strcmp(mine, "/") ? mine : "", name, (int)getpid());
	if (mkdir(path, 0755) && errno != EEXIST)
		return -1;
	return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* Enable @ctl for the children of our own cgroup. */
static int enable_ctl(const char *ctl)
{
	char mine[256], path[320], val[32];

	if (osm_test_cgroup_path(getpid(), mine, sizeof(mine)))
		return -1;
	snprintf(path, sizeof(path), "/sys/fs/cgroup%s/cgroup.subtree_control",
		 strcmp(mine, "/") ? mine : "");
	snprintf(val, sizeof(val), "+%s", ctl);
	return osm_test_write_small(path, val);
}

static int write_file(const char *dir, const char *name, const char *val)
{
	char path[600];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return osm_test_write_small(path, val);
}

/* The limits are checked: ranges, sizes, CPUs and nodes that exist. */
TEST_F_TIMEOUT(spawn, prepare_cpu_limits, OSM_TIMEOUT)
{
	unsigned long long big[512] = { 0 }, one = 1, none = 0;
	struct osm_spawn_req r;
	char path[512];
	int cg = test_cgroup("osm-test-lim", path, sizeof(path));

	ASSERT_LE(0, cg) TH_LOG("%s: %m", path);
#define NEW_CG(rq) do {						\
		req_init(&(rq));					\
		(rq).mode[OSM_SPAWN_R_CGROUP] = OSM_SPAWN_NEW;		\
		(rq).cgroup_fd = cg;					\
	} while (0)
	NEW_CG(r);
	r.cpu_max_quota = 50000;
	r.cpu_max_period = 100000;
	r.cpus = (uintptr_t)&one;
	r.cpus_size = 8;
	r.mems = (uintptr_t)&one;
	r.mems_size = 8;
	EXPECT_EQ(0, prepare(self->fd, &r));
	EXPECT_EQ(CLONE_INTO_CGROUP, r.clone_flags);

	NEW_CG(r);
	r.cpu_max_quota = 999;
	EXPECT_EQ(-EINVAL, prepare(self->fd, &r)) TH_LOG("quota 999");
	NEW_CG(r);
	r.cpu_max_quota = 1000;
	r.cpu_max_period = 1000001;
	EXPECT_EQ(-EINVAL, prepare(self->fd, &r)) TH_LOG("period 1000001");
	NEW_CG(r);
	r.cpus = (uintptr_t)&one;
	r.cpus_size = 4;
	EXPECT_EQ(-EINVAL, prepare(self->fd, &r)) TH_LOG("cpus_size 4");
	r.cpus_size = 8192;
	EXPECT_EQ(-EINVAL, prepare(self->fd, &r)) TH_LOG("cpus_size 8192");
	r.cpus = (uintptr_t)&none;
	r.cpus_size = 8;
	EXPECT_EQ(-EINVAL, prepare(self->fd, &r)) TH_LOG("no CPU");
	big[511] = 1ULL << 63;		/* CPU 32767 */
	r.cpus = (uintptr_t)big;
	r.cpus_size = sizeof(big);
	EXPECT_EQ(-EINVAL, prepare(self->fd, &r)) TH_LOG("CPU 32767");
	r.cpus = 8;
	r.cpus_size = 8;
	EXPECT_EQ(-EFAULT, prepare(self->fd, &r)) TH_LOG("bad pointer");
	NEW_CG(r);
	big[511] = 0;
	big[15] = 1ULL << 63;		/* node 1023 */
	r.mems = (uintptr_t)big;
	r.mems_size = sizeof(big);
	EXPECT_EQ(-EINVAL, prepare(self->fd, &r)) TH_LOG("node 1023");
	NEW_CG(r);
	r.mems_size = 8;
	EXPECT_EQ(-EINVAL, prepare(self->fd, &r)) TH_LOG("mems_size alone");
#undef NEW_CG
	close(cg);
	EXPECT_EQ(0, rmdir(path));
}

/* A cgroup file of @pid's cgroup, its first line. */
static int cg_file(pid_t pid, const char *name, char *buf, size_t len)
{
	char cg[256], path[512];

	if (osm_test_cgroup_path(pid, cg, sizeof(cg)))
		return -1;
	snprintf(path, sizeof(path), "/sys/fs/cgroup%s/%s", cg, name);
	return osm_test_read_line(path, buf, len);
}

static bool have_node(int n)
{
	char path[64];

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d", n);
	return !access(path, F_OK);
}

/*
 * Every anonymous region of @pid (numa_maps "anon=", not a file's
 * private mapping, whose page cache was read before the PD existed) has
 * its pages on node @node only: no "N<other>=".
 */
static int anon_pages_only_on(pid_t pid, int node)
{
	char path[64], line[1024], want[16], *tok, *save;
	int ok = 1, seen = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/numa_maps", (int)pid);
	snprintf(want, sizeof(want), "N%d=", node);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strstr(line, " anon=") || strstr(line, " file="))
			continue;
		for (tok = strtok_r(line, " \n", &save); tok;
		     tok = strtok_r(NULL, " \n", &save)) {
			if (tok[0] != 'N' || !strchr(tok, '='))
				continue;
			if (strncmp(tok, want, strlen(want)))
				ok = 0;
			else
				seen = 1;
		}
	}
	fclose(f);
	return ok && seen;
}

/* cpu.max and the cpuset, in the cgroup's files and /proc/PID/status. */
TEST_F_TIMEOUT(spawn, cgroup_cpu_limits_match_ground_truth, OSM_TIMEOUT)
{
	int node = have_node(1) ? 1 : 0, ret;
	OSM_OPTS(osm_spawn_opts, o);
	char buf[128], want[8];
	struct lib_child lc;

	snprintf(want, sizeof(want), "%d", node);
	o.mode[OSM_SPAWN_R_CGROUP] = OSM_SPAWN_NEW;
	o.cpu_max_quota = 50000;
	o.cpu_max_period = 200000;
	o.cpuset_cpus = want;	/* one CPU per node in the VM */
	o.cpuset_mems = want;
	ret = lib_start(&o, &lc);
	ASSERT_EQ(0, ret) TH_LOG("%s", strerror(-ret));
	ASSERT_EQ(0, cg_file(lc.pd.pid, "cpu.max", buf, sizeof(buf)));
	EXPECT_STREQ("50000 200000", buf);
	ASSERT_EQ(0, cg_file(lc.pd.pid, "cpuset.cpus", buf, sizeof(buf)));
	EXPECT_STREQ(want, buf);
	ASSERT_EQ(0, cg_file(lc.pd.pid, "cpuset.mems", buf, sizeof(buf)));
	EXPECT_STREQ(want, buf);
	ASSERT_EQ(0, osm_test_status_field(lc.pd.pid, "Cpus_allowed_list", buf,
					   sizeof(buf)));
	EXPECT_STREQ(want, buf);
	ASSERT_EQ(0, osm_test_status_field(lc.pd.pid, "Mems_allowed_list", buf,
					   sizeof(buf)));
	EXPECT_STREQ(want, buf);
	if (node) {	/* two nodes: its memory comes from its own */
		EXPECT_EQ(1, anon_pages_only_on(lc.pd.pid, node));
	} else {
		TH_LOG("one NUMA node: boot with OSM_VM_NUMA=1 to test two");
	}
	EXPECT_EQ(0, lib_finish(&lc));
	EXPECT_EQ(0, osm_spawn_cgroups_left());
}

/*
 * A caller that declares a cpuset other than the one it wrote: the
 * child's allowed CPUs are not within it, and COMMIT says so.
 */
TEST_F_TIMEOUT(spawn, commit_refuses_cpuset_mismatch, OSM_TIMEOUT)
{
	unsigned long long cpu1 = 1ULL << 1;
	struct clone_args a = { .flags = CLONE_INTO_CGROUP,
				.exit_signal = SIGCHLD };
	struct osm_spawn_req r;
	char path[512];
	int cg, status = -1, before = records();
	pid_t pid;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP(return, "one CPU");
	ASSERT_EQ(0, enable_ctl("cpuset"));
	cg = test_cgroup("osm-test-cpuset", path, sizeof(path));
	ASSERT_LE(0, cg);
	ASSERT_EQ(0, write_file(path, "cpuset.cpus", "0"));
	req_init(&r);
	r.mode[OSM_SPAWN_R_CGROUP] = OSM_SPAWN_NEW;
	r.cgroup_fd = cg;
	r.cpus = (uintptr_t)&cpu1;	/* not what it wrote */
	r.cpus_size = 8;
	ASSERT_EQ(0, prepare(self->fd, &r));
	a.cgroup = cg;
	pid = syscall(SYS_clone3, &a, sizeof(a));
	if (pid == 0) {
		struct osm_spawn_commit c = { .size = sizeof(c),
					      .token = r.token };

		if (!ioctl(self->fd, OSM_IOC_SPAWN_COMMIT, &c))
			_exit(1);
		_exit(errno == EXDEV &&
		      c.mismatch == 1ULL << OSM_SPAWN_R_CGROUP ? 0 : 2);
	}
	ASSERT_LT(0, pid);
	waitpid(pid, &status, 0);
	EXPECT_EQ(0, status);
	close(cg);
	EXPECT_EQ(0, rmdir(path));
	EXPECT_EQ(before, records());
}

/* ---- a new root directory and a given file table (api 1.4) ---- */

/* The plan's actions, and every bad root or descriptor refused. */
TEST_F_TIMEOUT(spawn, prepare_root_and_fds, OSM_TIMEOUT)
{
	struct osm_spawn_fd fds[2] = { { 0, 0 }, { 1, 5 } };
	struct osm_spawn_fd many[1025];
	int dir = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	int file = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	int netns = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	struct osm_spawn_req r;

	ASSERT_LE(0, dir);
	ASSERT_LE(0, file);
	ASSERT_LE(0, netns);
	req_init(&r);
	r.mode[OSM_SPAWN_R_FS] = OSM_SPAWN_NEW;
	r.root_fd = dir;
	ASSERT_EQ(0, prepare(self->fd, &r));
	EXPECT_EQ(OSM_SPAWN_ACT_CHROOT, r.actions);
	req_init(&r);
	r.mode[OSM_SPAWN_R_FS] = OSM_SPAWN_NEW;
	r.mode[OSM_SPAWN_R_MNT_NS] = OSM_SPAWN_NEW;
	r.root_fd = dir;
	ASSERT_EQ(0, prepare(self->fd, &r));
	EXPECT_EQ(OSM_SPAWN_ACT_PIVOT_ROOT, r.actions);
	req_init(&r);
	r.mode[OSM_SPAWN_R_FILES] = OSM_SPAWN_NEW;
	r.fds = (uintptr_t)fds;
	r.fd_count = 2;
	ASSERT_EQ(0, prepare(self->fd, &r));
	EXPECT_EQ(OSM_SPAWN_ACT_MOVE_FDS, r.actions);

	req_init(&r);
	r.mode[OSM_SPAWN_R_FS] = OSM_SPAWN_NEW;
	r.root_fd = -1;
	EXPECT_EQ(-EBADF, prepare(self->fd, &r)) TH_LOG("root_fd -1");
	r.root_fd = 9999;
	EXPECT_EQ(-EBADF, prepare(self->fd, &r)) TH_LOG("root_fd not open");
	r.root_fd = file;
	EXPECT_EQ(-ENOTDIR, prepare(self->fd, &r)) TH_LOG("a file");
	r.root_fd = dir;
	r.mode[OSM_SPAWN_R_MNT_NS] = OSM_SPAWN_JOIN;
	r.ns_fd[0] = netns;
	EXPECT_EQ(-EINVAL, prepare(self->fd, &r)) TH_LOG("mnt join");

	req_init(&r);
	r.mode[OSM_SPAWN_R_FILES] = OSM_SPAWN_NEW;
	r.fds = (uintptr_t)many;
	memset(many, 0, sizeof(many));
	r.fd_count = 1025;
	EXPECT_EQ(-EINVAL, prepare(self->fd, &r)) TH_LOG("1025 fds");
	r.fds = (uintptr_t)fds;
	r.fd_count = 2;
	fds[1].to = 0;
	EXPECT_EQ(-EINVAL, prepare(self->fd, &r)) TH_LOG("to twice");
	fds[1].to = -1;
	EXPECT_EQ(-EINVAL, prepare(self->fd, &r)) TH_LOG("to -1");
	fds[1].to = 1 << 30;
	EXPECT_EQ(-EINVAL, prepare(self->fd, &r)) TH_LOG("to past nofile");
	fds[1].to = 5;
	fds[1].from = 9999;
	EXPECT_EQ(-EBADF, prepare(self->fd, &r)) TH_LOG("from not open");
	r.fds = 8;
	EXPECT_EQ(-EFAULT, prepare(self->fd, &r)) TH_LOG("bad pointer");
	close(netns);
	close(file);
	close(dir);
}

/* A child that neither moved into its root nor its descriptors. */
TEST_F_TIMEOUT(spawn, commit_refuses_root_and_fds_mismatch, OSM_TIMEOUT)
{
	struct osm_spawn_fd fds[1] = { { 0, 0 } };
	int dir = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct osm_spawn_req r;
	unsigned long long mismatch;

	ASSERT_LE(0, dir);
	req_init(&r);
	r.mode[OSM_SPAWN_R_FS] = OSM_SPAWN_NEW;
	r.root_fd = dir;
	ASSERT_EQ(EXDEV, raw_commit(self->fd, &r, false, &mismatch));
	EXPECT_EQ(1ULL << OSM_SPAWN_R_FS, mismatch);

	/* Closed from 3 up, but asked for fd 0 only. */
	req_init(&r);
	r.mode[OSM_SPAWN_R_FILES] = OSM_SPAWN_NEW;
	r.fds = (uintptr_t)fds;
	r.fd_count = 1;
	ASSERT_EQ(EXDEV, raw_commit(self->fd, &r, true, &mismatch));
	EXPECT_EQ(1ULL << OSM_SPAWN_R_FILES, mismatch);
	close(dir);
}

/* A directory with a copy of this (static) test program as /t. */
static int make_root(char *dir, size_t len)
{
	char path[300], buf[65536];
	int in, out;
	ssize_t n;

	snprintf(dir, len, "/tmp/osm-root-%d", (int)getpid());
	if (mkdir(dir, 0755) && errno != EEXIST)
		return -1;
	snprintf(path, sizeof(path), "%s/t", dir);
	in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (in < 0 || out < 0)
		return -1;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n)
			return -1;
	close(in);
	close(out);
	return n;
}

static void drop_root(const char *dir)
{
	char path[300];

	snprintf(path, sizeof(path), "%s/t", dir);
	unlink(path);
	rmdir(dir);
}

/* /proc/PID/{root,cwd} is @dir: same device and inode. */
static bool root_is(pid_t pid, const char *dir)
{
	struct stat want, root, cwd;
	char path[64];

	if (stat(dir, &want))
		return false;
	snprintf(path, sizeof(path), "/proc/%d/root/", (int)pid);
	if (stat(path, &root))
		return false;
	snprintf(path, sizeof(path), "/proc/%d/cwd/", (int)pid);
	if (stat(path, &cwd))
		return false;
	return root.st_dev == want.st_dev && root.st_ino == want.st_ino &&
	       cwd.st_dev == want.st_dev && cwd.st_ino == want.st_ino;
}

static int count_lines(const char *path)
{
	char line[1024];
	int n = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	return n;
}

/* chroot in our mount namespace; pivot_root in a new one. */
TEST_F_TIMEOUT(spawn, new_root_directory, OSM_TIMEOUT)
{
	static char *argv[] = { "/t", OSM_TEST_WAIT_ARG, "0", NULL };
	char dir[256], path[300], link[300];
	OSM_OPTS(osm_spawn_opts, o);
	struct lib_child lc;
	ssize_t n;
	int ret;

	ASSERT_EQ(0, make_root(dir, sizeof(dir)));
	o.mode[OSM_SPAWN_R_FS] = OSM_SPAWN_NEW;
	o.root_dir = dir;
	ret = lib_start_argv(&o, &lc, argv);
	ASSERT_EQ(0, ret) TH_LOG("chroot: %s", strerror(-ret));
	EXPECT_TRUE(root_is(lc.pd.pid, dir));
	/* Same mount namespace: we see where its root is. */
	snprintf(path, sizeof(path), "/proc/%d/root", lc.pd.pid);
	n = readlink(path, link, sizeof(link) - 1);
	ASSERT_LT(0, n);
	link[n] = '\0';
	EXPECT_STREQ(dir, link);
	EXPECT_EQ(0, lib_finish(&lc));

	o.mode[OSM_SPAWN_R_MNT_NS] = OSM_SPAWN_NEW;
	ret = lib_start_argv(&o, &lc, argv);
	ASSERT_EQ(0, ret) TH_LOG("pivot_root: %s", strerror(-ret));
	EXPECT_TRUE(root_is(lc.pd.pid, dir));
	/* The old root is gone: its only mount is the new root. */
	snprintf(path, sizeof(path), "/proc/%d/mountinfo", lc.pd.pid);
	EXPECT_EQ(1, count_lines(path));
	EXPECT_NE(osm_test_ns_ino(getpid(), "mnt"),
		  osm_test_ns_ino(lc.pd.pid, "mnt"));
	EXPECT_EQ(0, lib_finish(&lc));
	drop_root(dir);
}

/* Code 70 +: an unprivileged container in its own root. */
static int unprivileged_root(int fd, void *arg)
{
	static char *argv[] = { "/t", OSM_TEST_WAIT_ARG, "0", NULL };
	OSM_OPTS(osm_spawn_opts, o);
	struct lib_child lc;
	int ret;

	(void)fd;
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0))
		return 70;
	ret = osm_spawn_preset("container", &o);
	o.mode[OSM_SPAWN_R_FS] = OSM_SPAWN_NEW;
	o.root_dir = arg;
	if (!ret)
		ret = lib_start_argv(&o, &lc, argv);
	if (ret)
		return 100 + (-ret > 99 ? 99 : -ret);
	ret = root_is(lc.pd.pid, arg) ? 0 : 71;
	if (lib_finish(&lc) && !ret)
		ret = 72;
	return ret;
}

TEST_F_TIMEOUT(spawn, new_root_directory_unprivileged, OSM_TIMEOUT)
{
	char dir[256];

	ASSERT_EQ(0, make_root(dir, sizeof(dir)));
	EXPECT_EQ(0, as_nobody(unprivileged_root, dir));
	drop_root(dir);
}

/* Exactly the descriptors asked for, each the caller's open file. */
TEST_F_TIMEOUT(spawn, new_file_table_of_given_fds, OSM_TIMEOUT)
{
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC), pipefd[2];
	struct osm_spawn_fd fds[3];
	OSM_OPTS(osm_spawn_opts, o);
	struct lib_child lc;
	int *got, n, ret;

	ASSERT_LE(0, null);
	ASSERT_EQ(0, pipe2(pipefd, O_CLOEXEC));
	fds[0] = (struct osm_spawn_fd){ 0, 0 };	/* lib_start's socket */
	fds[1] = (struct osm_spawn_fd){ null, 7 };
	fds[2] = (struct osm_spawn_fd){ pipefd[1], 12 };
	o.mode[OSM_SPAWN_R_FILES] = OSM_SPAWN_NEW;
	o.fds = fds;
	o.fd_count = 3;
	ret = lib_start(&o, &lc);
	ASSERT_EQ(0, ret) TH_LOG("%s", strerror(-ret));
	n = osm_test_proc_fds(lc.pd.pid, &got);
	ASSERT_EQ(3, n);
	EXPECT_EQ(0, got[0]);
	EXPECT_EQ(7, got[1]);
	EXPECT_EQ(12, got[2]);
	free(got);
	EXPECT_EQ(0, osm_test_kcmp(getpid(), lc.pd.pid, KCMP_FILE, null, 7));
	EXPECT_EQ(0, osm_test_kcmp(getpid(), lc.pd.pid, KCMP_FILE,
				   pipefd[1], 12));
	EXPECT_EQ(0, lib_finish(&lc));
	close(pipefd[0]);
	close(pipefd[1]);
	close(null);
}

/* ---- cleanup when the caller dies (api 1.4) ---- */

/* Processes named osm-spawn-cg (libosm's cgroup janitors). */
static int janitors(void)
{
	char path[300], comm[32];
	struct dirent *d;
	DIR *proc = opendir("/proc");
	int n = 0;

	if (!proc)
		return -1;
	while ((d = readdir(proc))) {
		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", d->d_name);
		if (!osm_test_read_line(path, comm, sizeof(comm)) &&
		    !strcmp(comm, "osm-spawn-cg"))
			n++;
	}
	closedir(proc);
	return n;
}

/* Code 80 +: spawn a PD in a new cgroup, report its pid, wait to die. */
static int doomed_caller(int wpid, int sock)
{
	static char *argv[] = { "/proc/self/exe", OSM_TEST_WAIT_ARG, "0",
				NULL };
	OSM_OPTS(osm_spawn_opts, o, .argv = argv);
	struct osm_spawned pd;

	o.mode[OSM_SPAWN_R_CGROUP] = OSM_SPAWN_NEW;
	o.pids_max = 16;
	if (dup2(sock, 0) < 0)
		return 80;
	if (osm_spawn(&o, &pd) < 0)
		return 81;
	if (write(wpid, &pd.pid, sizeof(pd.pid)) != sizeof(pd.pid))
		return 82;
	pause();
	return 83;
}

/*
 * The caller is killed while its PD runs: the PD goes on in its cgroup,
 * and once it ends the cgroup is removed all the same (by libosm's
 * janitor), which then exits too.
 */
TEST_F_TIMEOUT(spawn, cgroup_removed_after_caller_dies, OSM_TIMEOUT)
{
	int sv[2], pp[2], status = -1, i;
	char cg[256], path[300], m = 0;
	struct pollfd pfd;
	pid_t caller, pd = 0;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
				sv));
	ASSERT_EQ(0, pipe2(pp, O_CLOEXEC));
	caller = fork();
	if (caller == 0)
		_exit(doomed_caller(pp[1], sv[1]));
	ASSERT_LT(0, caller);
	close(pp[1]);
	close(sv[1]);
	ASSERT_EQ(sizeof(pd), read(pp[0], &pd, sizeof(pd)));
	pfd.fd = sv[0];
	pfd.events = POLLIN;
	ASSERT_EQ(1, poll(&pfd, 1, 60000));
	ASSERT_EQ(1, recv(sv[0], &m, 1, 0));
	ASSERT_EQ('R', m);
	ASSERT_EQ(0, osm_test_cgroup_path(pd, cg, sizeof(cg)));
	ASSERT_NE(NULL, strstr(cg, "/osm-spawn-"));
	snprintf(path, sizeof(path), "/sys/fs/cgroup%s", cg);

	ASSERT_EQ(0, kill(caller, SIGKILL));
	ASSERT_EQ(caller, waitpid(caller, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(0, kill(pd, 0)) TH_LOG("the PD died with its caller");
	EXPECT_EQ(0, access(path, F_OK)) TH_LOG("removed while in use");

	m = 'X';
	EXPECT_EQ(1, send(sv[0], &m, 1, MSG_NOSIGNAL));
	close(sv[0]);
	close(pp[0]);
	for (i = 0; i < 200 && (!access(path, F_OK) || janitors() > 0); i++)
		usleep(50000);
	EXPECT_NE(0, access(path, F_OK)) TH_LOG("%s left behind", path);
	EXPECT_EQ(0, janitors());
	EXPECT_EQ(0, osm_spawn_cgroups_left());
}

/* Run osm with @args; its exit code, or -1. */
static int run_osm(char *const args[])
{
	int status = -1;
	pid_t pid = fork();

	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		dup2(null, 2);
		execv("/usr/bin/osm", args);
		_exit(127);
	}
	if (pid < 0)
		return -1;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* osm spawn, as unshare(1): the command's exit status is osm's. */
TEST_F_TIMEOUT(spawn, cli_passes_exit_status, OSM_TIMEOUT)
{
	char self_path[256] = "";
	/* The wait mode without its descriptor exits 2. */
	char *sandbox[] = { "osm", "spawn", "--preset", "sandbox", "--share",
			    "net", "--mem", "64M", "--pids", "16", "--",
			    self_path, OSM_TEST_WAIT_ARG, NULL };
	char *plain[] = { "osm", "spawn", "--", self_path, OSM_TEST_WAIT_ARG,
			  NULL };
	char *bad[] = { "osm", "spawn", "--share", "mm", "--", self_path,
			NULL };
	char *missing[] = { "osm", "spawn", "--", "/nonexistent", NULL };
	int before = records();

	if (access("/usr/bin/osm", X_OK))
		SKIP(return, "no /usr/bin/osm in this image");
	ASSERT_LT(0, readlink("/proc/self/exe", self_path,
			      sizeof(self_path) - 1));
	EXPECT_EQ(2, run_osm(plain));
	EXPECT_EQ(2, run_osm(sandbox));
	EXPECT_EQ(1, run_osm(bad));
	EXPECT_EQ(1, run_osm(missing));
	EXPECT_EQ(0, osm_spawn_cgroups_left());
	EXPECT_EQ(before, records());
}

/* ---- the records in the graph (format 1.6) ---- */

/* The graph's letter for each mode: s share, c copy, n new, j join. */
static void mode_letters(const unsigned char *mode, char *out)
{
	unsigned int r;

	for (r = 0; r < OSM_SPAWN_NR; r++)
		out[r] = "?scnj"[mode[r] <= OSM_SPAWN_JOIN ? mode[r] : 0];
	out[OSM_SPAWN_NR] = '\0';
}

/* nshared of @type in a comparison, 0 when neither PD reaches one. */
static size_t compare_shared(const struct osm_compare_type *v, int n,
			     const char *type)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(v[i].type, type))
			return v[i].nshared;
	return 0;
}

/*
 * One spawned PD against its record and the truth.  The record on its
 * process node is the request (@mode, as resolved by the preset), and
 * osm_query__compare(parent, child) shares exactly the resources kcmp(2)
 * (mm, files, fs, sighand), /proc/PID/ns/ (the eight namespaces) and
 * /proc/PID/cgroup say are the same, which are exactly those @mode
 * shares.  Returns the number of failed checks, logged.
 */
static int check_record(struct __test_metadata *_metadata, pid_t child,
			const unsigned char *mode, const char *kind,
			const char *what)
{
	static const char *const type4[] = { "mm", "files", "fs", "sighand" };
	char want[OSM_SPAWN_NR + 1], cg_me[256], cg_child[256], type[16];
	const struct osm_node *pa, *pb;
	struct osm_compare_type *v = NULL;
	unsigned int k, i;
	pid_t me = getpid();
	const char *got;
	struct osm_graph *g;
	int n, fails = 0;
	bool truth, shown;

#define CHECK(cond, ...) do {						\
		if (!(cond)) {						\
			fails++;					\
			TH_LOG(__VA_ARGS__);				\
		}							\
	} while (0)
	g = osm_test_load();
	if (!g) {
		TH_LOG("%s: load: %m", what);
		return 1;
	}
	pa = osm_test_process(g, me);
	pb = osm_test_process(g, child);
	if (!pa || !pb) {
		TH_LOG("%s: no process node", what);
		osm_graph__free(g);
		return 1;
	}
	mode_letters(mode, want);
	got = osm_node__attr(pb, "spawn");
	CHECK(got && !strcmp(got, want), "%s: spawn=%s, asked %s", what,
	      got ? got : "(none)", want);
	CHECK(!osm_node__attr(pa, "spawn"), "%s: the test has a record", what);
	got = osm_spawn_kind(pb);
	CHECK(got && !strcmp(got, kind), "%s: kind %s, want %s", what,
	      got ? got : "(none)", kind);

	n = osm_query__compare(g, pa, pb, NULL, &v);
	if (n < 0) {
		TH_LOG("%s: compare: %s", what, strerror(-n));
		osm_graph__free(g);
		return fails + 1;
	}
	for (k = 0; k < 4; k++) {
		truth = osm_test_kcmp(me, child, kcmp_type[k], 0, 0) == 0;
		shown = compare_shared(v, n, type4[k]) > 0;
		CHECK(truth == (mode[k] == OSM_SPAWN_SHARE),
		      "%s: %s per kcmp: %d", what, type4[k], truth);
		CHECK(shown == truth, "%s: %s per compare: %d", what,
		      type4[k], shown);
	}
	for (i = 0; i < OSM_SPAWN_NR_NS; i++) {
		truth = osm_test_ns_ino(me, ns_names[i]) ==
			osm_test_ns_ino(child, ns_names[i]);
		snprintf(type, sizeof(type), "%s_ns", ns_names[i]);
		shown = compare_shared(v, n, type) > 0;
		CHECK(truth == (mode[OSM_SPAWN_R_NS0 + i] == OSM_SPAWN_SHARE),
		      "%s: %s per /proc: %d", what, type, truth);
		CHECK(shown == truth, "%s: %s per compare: %d", what, type,
		      shown);
	}
	truth = !osm_test_cgroup_path(me, cg_me, sizeof(cg_me)) &&
		!osm_test_cgroup_path(child, cg_child, sizeof(cg_child)) &&
		!strcmp(cg_me, cg_child);
	shown = compare_shared(v, n, "cgroup") > 0;
	CHECK(truth == (mode[OSM_SPAWN_R_CGROUP] == OSM_SPAWN_SHARE),
	      "%s: cgroup per /proc: %d", what, truth);
	CHECK(shown == truth, "%s: cgroup per compare: %d", what, shown);
#undef CHECK
	osm_compare__free(v, n);
	osm_graph__free(g);
	return fails;
}

/* A process node's attribute, as a number; -1 when absent. */
static long long node_num(pid_t pid, const char *key)
{
	unsigned long long v;
	struct osm_graph *g = osm_test_load();
	const struct osm_node *n = g ? osm_test_process(g, pid) : NULL;
	long long ret = -1;

	if (n && osm_test_attr_ull(n, key, &v))
		ret = v;
	osm_graph__free(g);
	return ret;
}

/* A process node's attribute, copied; "" when absent. */
static void node_str(pid_t pid, const char *key, char *buf, size_t len)
{
	struct osm_graph *g = osm_test_load();
	const struct osm_node *n = g ? osm_test_process(g, pid) : NULL;
	const char *v = n ? osm_node__attr(n, key) : NULL;

	snprintf(buf, len, "%s", v ? v : "");
	osm_graph__free(g);
}

/*
 * Programs spawned with several presets and overrides: each record is
 * what was asked, with its limits and joins (checked against the
 * cgroup's directory inode and /proc/PID/ns/), compare() shows exactly
 * the requested sharing, and every record is gone once its PD is reaped.
 */
TEST_F_TIMEOUT(spawn, graph_records_match_the_request, OSM_TIMEOUT)
{
	struct lib_child box, lc;
	char buf[256], cg[256], path[320];
	int ret, before = records(), i;
	struct stat st;

	/* The process preset. */
	{
		OSM_OPTS(osm_spawn_opts, o);

		ASSERT_EQ(0, osm_spawn_preset("process", &o));
		ret = lib_start(&o, &lc);
		ASSERT_EQ(0, ret) TH_LOG("%s", strerror(-ret));
		EXPECT_EQ(0, check_record(_metadata, lc.pd.pid, o.mode,
					  "process", "process"));
		node_str(lc.pd.pid, "spawn_cgroup", buf, sizeof(buf));
		EXPECT_STREQ("", buf);
		EXPECT_EQ(0, lib_finish(&lc));
	}
	/* A sandbox (a container with no_new_privs), kept for the join. */
	{
		OSM_OPTS(osm_spawn_opts, o);

		ASSERT_EQ(0, osm_spawn_preset("sandbox", &o));
		ret = lib_start(&o, &box);
		ASSERT_EQ(0, ret) TH_LOG("%s", strerror(-ret));
		EXPECT_EQ(0, check_record(_metadata, box.pd.pid, o.mode,
					  "sandbox", "sandbox"));
		EXPECT_EQ(1, node_num(box.pd.pid, "spawn_nnp"));
		ASSERT_EQ(0, osm_test_status_field(box.pd.pid, "NoNewPrivs",
						   buf, sizeof(buf)));
		EXPECT_STREQ("1", buf);
	}
	/* A process that joins the sandbox's net and uts namespaces. */
	{
		OSM_OPTS(osm_spawn_opts, o);
		char want[128];

		ASSERT_EQ(0, osm_spawn_preset("process", &o));
		o.mode[OSM_SPAWN_R_NET_NS] = OSM_SPAWN_JOIN;
		o.ns_pidfd[OSM_SPAWN_R_NET_NS - OSM_SPAWN_R_NS0] = box.pd.pidfd;
		o.mode[OSM_SPAWN_R_UTS_NS] = OSM_SPAWN_JOIN;
		o.ns_pidfd[OSM_SPAWN_R_UTS_NS - OSM_SPAWN_R_NS0] = box.pd.pidfd;
		ret = lib_start(&o, &lc);
		ASSERT_EQ(0, ret) TH_LOG("%s", strerror(-ret));
		EXPECT_EQ(0, check_record(_metadata, lc.pd.pid, o.mode,
					  "custom", "join"));
		EXPECT_EQ(osm_test_ns_ino(box.pd.pid, "net"),
			  osm_test_ns_ino(lc.pd.pid, "net"));
		snprintf(want, sizeof(want), "uts_ns:%llu,net_ns:%llu",
			 osm_test_ns_ino(box.pd.pid, "uts"),
			 osm_test_ns_ino(box.pd.pid, "net"));
		node_str(lc.pd.pid, "spawn_join", buf, sizeof(buf));
		EXPECT_STREQ(want, buf);
		EXPECT_EQ(0, lib_finish(&lc));
	}
	EXPECT_EQ(0, lib_finish(&box));
	/*
	 * A container sharing the network, in a new cgroup with limits:
	 * the record names the cgroup /proc/PID/cgroup says it is in (a
	 * cgroup's id is its directory's inode).
	 */
	{
		OSM_OPTS(osm_spawn_opts, o, .memory_max = 64 << 20,
			 .pids_max = 32, .cpu_max_quota = 50000,
			 .cpu_max_period = 200000);

		ASSERT_EQ(0, osm_spawn_preset("container", &o));
		o.mode[OSM_SPAWN_R_NET_NS] = OSM_SPAWN_SHARE;
		o.mode[OSM_SPAWN_R_CGROUP] = OSM_SPAWN_NEW;
		/* In its new cgroup namespace /proc/PID/cgroup reads "/". */
		o.mode[OSM_SPAWN_R_CGROUP_NS] = OSM_SPAWN_SHARE;
		ret = lib_start(&o, &lc);
		ASSERT_EQ(0, ret) TH_LOG("%s", strerror(-ret));
		EXPECT_EQ(0, check_record(_metadata, lc.pd.pid, o.mode,
					  "custom", "container"));
		ASSERT_EQ(0, osm_test_cgroup_path(lc.pd.pid, cg, sizeof(cg)));
		snprintf(path, sizeof(path), "/sys/fs/cgroup%s", cg);
		ASSERT_EQ(0, stat(path, &st));
		EXPECT_EQ((long long)st.st_ino,
			  node_num(lc.pd.pid, "spawn_cgroup"));
		EXPECT_EQ(64 << 20, node_num(lc.pd.pid, "spawn_memory_max"));
		EXPECT_EQ(32, node_num(lc.pd.pid, "spawn_pids_max"));
		node_str(lc.pd.pid, "spawn_cpu_max", buf, sizeof(buf));
		EXPECT_STREQ("50000/200000", buf);
		ASSERT_EQ(0, cg_file(lc.pd.pid, "cpu.max", buf, sizeof(buf)));
		EXPECT_STREQ("50000 200000", buf);
		ASSERT_EQ(0, cg_file(lc.pd.pid, "memory.max", buf,
				     sizeof(buf)));
		EXPECT_EQ(64 << 20, atoll(buf));
		EXPECT_EQ(0, lib_finish(&lc));
	}
	/* pir with a cpuset: the record's list is the cgroup's. */
	{
		OSM_OPTS(osm_spawn_opts, o, .cpuset_cpus = "0",
			 .cpuset_mems = "0");

		ASSERT_EQ(0, osm_spawn_preset("pir", &o));
		ret = lib_start(&o, &lc);
		ASSERT_EQ(0, ret) TH_LOG("%s", strerror(-ret));
		EXPECT_EQ(0, check_record(_metadata, lc.pd.pid, o.mode, "pir",
					  "pir"));
		ASSERT_EQ(0, cg_file(lc.pd.pid, "cpuset.cpus", buf,
				     sizeof(buf)));
		EXPECT_STREQ("0", buf);
		node_str(lc.pd.pid, "spawn_cpus", buf, sizeof(buf));
		EXPECT_STREQ("0", buf);
		node_str(lc.pd.pid, "spawn_mems", buf, sizeof(buf));
		EXPECT_STREQ("0", buf);
		EXPECT_EQ(0, lib_finish(&lc));
	}
	/* fs shared with a program, and new credentials. */
	{
		OSM_OPTS(osm_spawn_opts, o, .uid = NOBODY, .gid = NOBODY,
			 .caps_keep = 1ULL << CAP_NET_BIND_SERVICE);

		o.mode[OSM_SPAWN_R_FS] = OSM_SPAWN_SHARE;
		o.mode[OSM_SPAWN_R_CRED] = OSM_SPAWN_NEW;
		ret = lib_start(&o, &lc);
		ASSERT_EQ(0, ret) TH_LOG("%s", strerror(-ret));
		/* Mode 0 is resolved to fork's: the record has no 0. */
		for (i = 0; i < OSM_SPAWN_NR; i++)
			if (!o.mode[i])
				o.mode[i] = (i <= OSM_SPAWN_R_SIGHAND) ?
					    OSM_SPAWN_COPY :
					    i == OSM_SPAWN_R_SYSVSEM ?
					    OSM_SPAWN_NEW : OSM_SPAWN_SHARE;
		EXPECT_EQ(0, check_record(_metadata, lc.pd.pid, o.mode,
					  "custom", "cred"));
		EXPECT_EQ(NOBODY, node_num(lc.pd.pid, "spawn_uid"));
		EXPECT_EQ(NOBODY, node_num(lc.pd.pid, "spawn_gid"));
		EXPECT_TRUE(ids_are(lc.pd.pid, "Uid", NOBODY));
		node_str(lc.pd.pid, "spawn_caps", buf, sizeof(buf));
		EXPECT_STREQ("0000000000000400", buf);
		EXPECT_TRUE(caps_are(lc.pd.pid, 1ULL << CAP_NET_BIND_SERVICE));
		EXPECT_EQ(0, lib_finish(&lc));
	}
	EXPECT_EQ(before, records());
	EXPECT_EQ(0, osm_spawn_cgroups_left());
}

/*
 * A function PD, or a thread-like child made here: wait for the release
 * flag at @arg; system calls only.
 */
static int rec_fn(void *arg)
{
	struct timespec ts = { 0, 1000000 };

	while (!__atomic_load_n((int *)arg, __ATOMIC_ACQUIRE))
		syscall(SYS_nanosleep, &ts, NULL);
	return 0;
}

/* The thread-like presets are recorded too, and compare as asked. */
TEST_F_TIMEOUT(spawn, graph_records_thread_presets, OSM_TIMEOUT)
{
	static const char *const presets[] = { "thread", "tif", "tis" };
	int *release, before = records(), ret, status;
	struct osm_spawned pd;
	unsigned int i;

	ASSERT_EQ(0, make_undo_list());
	release = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, release);
	for (i = 0; i < 3; i++) {
		OSM_OPTS(osm_spawn_opts, o, .stack_size = 64 << 10);

		*release = 0;
		ASSERT_EQ(0, osm_spawn_preset(presets[i], &o));
		ret = osm_spawn_fn(&o, rec_fn, release, &pd);
		if (ret == -EOPNOTSUPP && i == 2) {
			TH_LOG("tis: no protection keys here");
			break;
		}
		ASSERT_LE(0, ret) TH_LOG("%s: %s", presets[i], strerror(-ret));
		/* tis: thread's modes, and spawn_stack=pkey (1.8). */
		EXPECT_EQ(0, check_record(_metadata, pd.pid, o.mode,
					  presets[i], presets[i]));
		__atomic_store_n(release, 1, __ATOMIC_RELEASE);
		EXPECT_EQ(0, osm_spawn_wait(&pd, &status));
		EXPECT_EQ(0, status);
	}
	munmap(release, 4096);
	EXPECT_EQ(before, records());
}

/*
 * A reader sees a record only on a PD it may inspect: nobody sees the
 * record of the PD it spawned itself, and not the process node (so no
 * record) of one root spawned.
 */
struct seen_arg {
	pid_t root_child;
};

static int records_seen_by_nobody(int fd, void *arg)
{
	const struct seen_arg *a = arg;
	char key[64], *text, *line;
	struct lib_child lc;
	OSM_OPTS(osm_spawn_opts, o);
	size_t len;
	int ret = 0;

	if (lib_start(&o, &lc))
		return 10;
	text = osm_test_read_fd(fd, 1 << 20, &len);
	if (!text) {
		lib_finish(&lc);
		return 11;
	}
	snprintf(key, sizeof(key), "\nnode process:%d ", (int)lc.pd.pid);
	line = strstr(text, key);
	if (!line || !strstr(line, " spawn=ccccnsssssssssss") ||
	    strchr(line + 1, '\n') < strstr(line, " spawn="))
		ret = 12;	/* its own PD, recorded */
	snprintf(key, sizeof(key), "\nnode process:%d ", (int)a->root_child);
	if (!ret && strstr(text, key))
		ret = 13;	/* root's PD is not visible */
	free(text);
	if (lib_finish(&lc))
		ret = ret ?: 14;
	return ret;
}

TEST_F_TIMEOUT(spawn, graph_records_follow_visibility, OSM_TIMEOUT)
{
	struct seen_arg a;
	struct lib_child lc;
	OSM_OPTS(osm_spawn_opts, o);
	int ret;

	ret = lib_start(&o, &lc);
	ASSERT_EQ(0, ret) TH_LOG("%s", strerror(-ret));
	EXPECT_EQ(0, node_num(lc.pd.pid, "spawn_nnp") + 1);	/* absent */
	a.root_child = lc.pd.pid;
	EXPECT_EQ(0, as_nobody(records_seen_by_nobody, &a));
	EXPECT_EQ(0, lib_finish(&lc));
}

/*
 * A child of the prepared plan @r started into cgroup @cg with clone3(2)
 * commits it: 0 when COMMIT succeeds, 1 when it is refused with -EXDEV
 * for the cgroup alone, 2 for any other refusal; -1 when no child ran or
 * it did not exit.
 */
static int commit_in_cgroup(int fd, const struct osm_spawn_req *r, int cg)
{
	struct clone_args a = { .flags = CLONE_INTO_CGROUP,
				.exit_signal = SIGCHLD, .cgroup = cg };
	int status = -1;
	pid_t pid;

	pid = syscall(SYS_clone3, &a, sizeof(a));
	if (pid == 0) {
		struct osm_spawn_commit c = { .size = sizeof(c),
					      .token = r->token };

		if (!ioctl(fd, OSM_IOC_SPAWN_COMMIT, &c))
			_exit(0);
		_exit(errno == EXDEV && c.mismatch ==
		      1ULL << OSM_SPAWN_R_CGROUP ? 1 : 2);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/*
 * COMMIT verifies a cgroup's limits (cpu.max; memory.max and pids.max
 * from api 1.6): each case declares two limits for a child in @cg,
 * whose files hold what the test wrote; COMMIT succeeds iff they match,
 * else -EXDEV with the cgroup bit, and no case leaves a record.
 */
struct limit_case {
	unsigned long long a, b;
	bool ok;
};

static void commit_limit_cases(struct __test_metadata *_metadata, int fd,
			       int cg, const struct limit_case *cases,
			       unsigned int n,
			       void (*declare)(struct osm_spawn_req *r,
					       const struct limit_case *c))
{
	struct osm_spawn_req r;
	unsigned int i;
	int before = records();

	for (i = 0; i < n; i++) {
		req_init(&r);
		r.mode[OSM_SPAWN_R_CGROUP] = OSM_SPAWN_NEW;
		r.cgroup_fd = cg;
		declare(&r, &cases[i]);
		ASSERT_EQ(0, prepare(fd, &r)) TH_LOG("case %u", i);
		EXPECT_EQ(cases[i].ok ? 0 : 1, commit_in_cgroup(fd, &r, cg))
			TH_LOG("case %u: declared %llu and %llu", i,
			       cases[i].a, cases[i].b);
		EXPECT_EQ(before, records()) TH_LOG("case %u: record", i);
	}
}

static void declare_cpu_max(struct osm_spawn_req *r,
			    const struct limit_case *c)
{
	r->cpu_max_quota = c->a;
	r->cpu_max_period = c->b;
}

/* cpu.max "50000 100000" (quota, period), as declared or not. */
TEST_F_TIMEOUT(spawn, commit_verifies_cpu_max, OSM_TIMEOUT)
{
	static const struct limit_case cases[] = {
		{ 50000, 100000, true },
		{ 50000, 0, true },		/* any period */
		{ 60000, 100000, false },
		{ 50000, 200000, false },
		{ 0, 100000, false },		/* "max" declared */
	};
	char path[512];
	int cg;

	ASSERT_EQ(0, enable_ctl("cpu"));
	cg = test_cgroup("osm-test-cpumax", path, sizeof(path));
	ASSERT_LE(0, cg);
	ASSERT_EQ(0, write_file(path, "cpu.max", "50000 100000"));
	commit_limit_cases(_metadata, self->fd, cg, cases,
			   sizeof(cases) / sizeof(cases[0]), declare_cpu_max);
	close(cg);
	EXPECT_EQ(0, rmdir(path));
}

static void declare_memory_pids_max(struct osm_spawn_req *r,
				    const struct limit_case *c)
{
	r->memory_max = c->a;
	r->pids_max = c->b;
}

/*
 * memory.max 64 MiB and pids.max 32, read back from the files (the
 * ground truth the module must agree with); memory.max is compared in
 * pages, as the kernel keeps it.
 */
TEST_F_TIMEOUT(spawn, commit_verifies_memory_and_pids_max, OSM_TIMEOUT)
{
	static const struct limit_case cases[] = {
		{ 64 << 20, 32, true },
		{ (64 << 20) + 100, 32, true },	/* rounded down to pages */
		{ 32 << 20, 32, false },
		{ 64 << 20, 16, false },
		{ 0, 32, false },		/* "max" declared */
		{ 64 << 20, 0, false },
	};
	char path[512], p2[600], v[64];
	int cg;

	ASSERT_EQ(0, enable_ctl("memory"));
	ASSERT_EQ(0, enable_ctl("pids"));
	cg = test_cgroup("osm-test-memmax", path, sizeof(path));
	ASSERT_LE(0, cg);
	ASSERT_EQ(0, write_file(path, "memory.max", "67108864"));
	ASSERT_EQ(0, write_file(path, "pids.max", "32"));
	snprintf(p2, sizeof(p2), "%s/memory.max", path);
	ASSERT_EQ(0, osm_test_read_line(p2, v, sizeof(v)));
	EXPECT_EQ(64ULL << 20, strtoull(v, NULL, 10));
	snprintf(p2, sizeof(p2), "%s/pids.max", path);
	ASSERT_EQ(0, osm_test_read_line(p2, v, sizeof(v)));
	EXPECT_EQ(32, atoi(v));
	commit_limit_cases(_metadata, self->fd, cg, cases,
			   sizeof(cases) / sizeof(cases[0]),
			   declare_memory_pids_max);
	close(cg);
	EXPECT_EQ(0, rmdir(path));
}

/*
 * Through the library: it writes the limits itself and declares what it
 * wrote (memory.max in whole pages), so the COMMIT check passes and the
 * cgroup's files, read here, hold exactly those limits.
 */
TEST_F_TIMEOUT(spawn, lib_limits_match_cgroup_files, OSM_TIMEOUT)
{
	OSM_OPTS(osm_spawn_opts, o, .memory_max = (48 << 20) + 5,
		 .pids_max = 7);
	struct lib_child lc;
	char buf[64];
	int ret;

	ASSERT_EQ(0, osm_spawn_preset("pir", &o));
	ret = lib_start(&o, &lc);
	ASSERT_EQ(0, ret) TH_LOG("%s, mismatch %#llx", strerror(-ret),
				 lc.pd.mismatch);
	ASSERT_EQ(0, cg_file(lc.pd.pid, "memory.max", buf, sizeof(buf)));
	EXPECT_EQ(48ULL << 20, strtoull(buf, NULL, 10));
	ASSERT_EQ(0, cg_file(lc.pd.pid, "pids.max", buf, sizeof(buf)));
	EXPECT_EQ(7, atoi(buf));
	EXPECT_EQ(0, lib_finish(&lc));
}

/* A request for OSM_IOC_SPAWN_CLONE: every mode as fork, for @pid. */
static void clone_init(struct osm_spawn_clone *c, pid_t pid)
{
	memset(c, 0, sizeof(*c));
	c->size = sizeof(*c);
	c->pid = pid;
}

static int spawn_clone(int fd, struct osm_spawn_clone *c)
{
	return ioctl(fd, OSM_IOC_SPAWN_CLONE, c) ? -errno : 0;
}

/* A child that waits to be killed. */
static pid_t idle_child(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		pause();
		_exit(0);
	}
	return pid;
}

static void kill_reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/*
 * OSM_IOC_SPAWN_CLONE (api 1.6): one call records a child that clone3
 * made.  A forked child is what every mode "as fork" asks (kcmp says its
 * mm and files are not ours): recorded, as a process, once; declared
 * sharing it does not have is -EXDEV naming exactly those resources,
 * recorded nothing; not our child, or a mode that needs PREPARE, is
 * refused; a child that has exited has nothing to compare.
 */
TEST_F_TIMEOUT(spawn, spawn_clone_records_checked_children, OSM_TIMEOUT)
{
	struct osm_spawn_clone c;
	OSM_OPTS(osm_spawn_opts, o);
	int before = records(), n;
	siginfo_t si;
	pid_t pid;

	ASSERT_EQ(0, osm_spawn_preset("process", &o));
	pid = idle_child();
	ASSERT_LT(0, pid);
	ASSERT_NE(0, osm_test_kcmp(getpid(), pid, KCMP_VM, 0, 0));
	ASSERT_NE(0, osm_test_kcmp(getpid(), pid, KCMP_FILES, 0, 0));
	clone_init(&c, pid);
	EXPECT_EQ(0, spawn_clone(self->fd, &c));
	EXPECT_EQ(before + 1, records());
	EXPECT_EQ(0, check_record(_metadata, pid, o.mode, "process",
				  "spawn_clone"));
	clone_init(&c, pid);
	EXPECT_EQ(-EEXIST, spawn_clone(self->fd, &c)) TH_LOG("twice");
	kill_reap(pid);
	EXPECT_EQ(before, records()) TH_LOG("record outlived its PD");

	/* Declared shared, but copied (kcmp): exactly those bits. */
	pid = idle_child();
	ASSERT_LT(0, pid);
	clone_init(&c, pid);
	c.mode[OSM_SPAWN_R_FILES] = OSM_SPAWN_SHARE;
	c.mode[OSM_SPAWN_R_FS] = OSM_SPAWN_SHARE;
	EXPECT_EQ(-EXDEV, spawn_clone(self->fd, &c));
	EXPECT_EQ(1ULL << OSM_SPAWN_R_FILES | 1ULL << OSM_SPAWN_R_FS,
		  c.mismatch);
	EXPECT_EQ(before, records());
	/* A new namespace it does not have (/proc says the same as ours). */
	EXPECT_EQ(osm_test_ns_ino(getpid(), "uts"),
		  osm_test_ns_ino(pid, "uts"));
	clone_init(&c, pid);
	c.mode[OSM_SPAWN_R_UTS_NS] = OSM_SPAWN_NEW;
	EXPECT_EQ(-EXDEV, spawn_clone(self->fd, &c));
	EXPECT_EQ(1ULL << OSM_SPAWN_R_UTS_NS, c.mismatch);

	/* Modes with something to do or to name need PREPARE. */
	for (n = 0; n < 5; n++) {
		clone_init(&c, pid);
		switch (n) {
		case 0: c.mode[OSM_SPAWN_R_CGROUP] = OSM_SPAWN_NEW; break;
		case 1: c.mode[OSM_SPAWN_R_FILES] = OSM_SPAWN_NEW; break;
		case 2: c.mode[OSM_SPAWN_R_NET_NS] = OSM_SPAWN_JOIN; break;
		case 3: c.mode[OSM_SPAWN_R_CRED] = OSM_SPAWN_NEW; break;
		default: c.flags = OSM_SPAWN_NO_NEW_PRIVS; break;
		}
		EXPECT_EQ(-EINVAL, spawn_clone(self->fd, &c)) TH_LOG("case %d", n);
	}
	/* Sighand shared without the address space: refused as clone(2). */
	clone_init(&c, pid);
	c.mode[OSM_SPAWN_R_SIGHAND] = OSM_SPAWN_SHARE;
	EXPECT_EQ(-EINVAL, spawn_clone(self->fd, &c));
	kill_reap(pid);

	/* Not a child of ours: init, ourselves, a reaped one. */
	clone_init(&c, 1);
	EXPECT_EQ(-ESRCH, spawn_clone(self->fd, &c));
	clone_init(&c, getpid());
	EXPECT_EQ(-ESRCH, spawn_clone(self->fd, &c));
	clone_init(&c, pid);
	EXPECT_EQ(-ESRCH, spawn_clone(self->fd, &c));

	/* A zombie: it has no resources left to compare. */
	pid = fork();
	if (pid == 0)
		_exit(0);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, waitid(P_PID, pid, &si, WEXITED | WNOWAIT));
	clone_init(&c, pid);
	EXPECT_EQ(-EXDEV, spawn_clone(self->fd, &c));
	EXPECT_NE(0, c.mismatch & 1ULL << OSM_SPAWN_R_MM);
	waitpid(pid, NULL, 0);
	EXPECT_EQ(before, records());
}

/*
 * The thread preset through OSM_IOC_SPAWN_CLONE with a child made by
 * clone(2) with its flags: kcmp says it shares mm, files, fs, sighand;
 * recorded as a thread.  The same child declared a tif (files and fs
 * copied) is refused for exactly those two.
 */
TEST_F_TIMEOUT(spawn, spawn_clone_thread, OSM_TIMEOUT)
{
	static char stack[256 << 10] __attribute__((aligned(16)));
	static int release;
	struct osm_spawn_clone c;
	OSM_OPTS(osm_spawn_opts, o);
	int before = records(), k;
	pid_t pid;

	ASSERT_EQ(0, make_undo_list()) TH_LOG("semop SEM_UNDO: %m");
	ASSERT_EQ(0, osm_spawn_preset("thread", &o));
	release = 0;
	pid = clone(rec_fn, stack + sizeof(stack),
		    CLONE_VM | CLONE_FILES | CLONE_FS | CLONE_SIGHAND |
		    CLONE_SYSVSEM | SIGCHLD, &release);
	ASSERT_LT(0, pid);
	for (k = 0; k < OSM_SPAWN_R_CGROUP; k++)
		EXPECT_EQ(0, osm_test_kcmp(getpid(), pid, kcmp_type[k], 0, 0))
			TH_LOG("%s", osm_spawn_res_name(k));
	clone_init(&c, pid);
	memcpy(c.mode, o.mode, sizeof(c.mode));
	c.mode[OSM_SPAWN_R_FILES] = OSM_SPAWN_COPY;
	c.mode[OSM_SPAWN_R_FS] = OSM_SPAWN_COPY;
	EXPECT_EQ(-EXDEV, spawn_clone(self->fd, &c));
	EXPECT_EQ(1ULL << OSM_SPAWN_R_FILES | 1ULL << OSM_SPAWN_R_FS,
		  c.mismatch);
	clone_init(&c, pid);
	memcpy(c.mode, o.mode, sizeof(c.mode));
	EXPECT_EQ(0, spawn_clone(self->fd, &c));
	EXPECT_EQ(before + 1, records());
	EXPECT_EQ(0, check_record(_metadata, pid, o.mode, "thread",
				  "spawn_clone thread"));
	__atomic_store_n(&release, 1, __ATOMIC_RELEASE);
	waitpid(pid, NULL, 0);
	EXPECT_EQ(before, records());
}

/* A stack that is not the PD's own, for a raw COMMIT. */
struct stack_probe {
	int release;
	volatile int *local;
};

static int fn_probe_body(void *arg)
{
	struct stack_probe *s = arg;
	struct timespec ts = { 0, 1000000 };
	volatile int local = 1;

	s->local = &local;
	while (!__atomic_load_n(&s->release, __ATOMIC_ACQUIRE))
		syscall(SYS_nanosleep, &ts, NULL);
	return local == 1 ? 0 : 1;
}

/* The kind of @pid's PD per the graph, into @buf; "" when none. */
static void pd_kind(pid_t pid, char *buf, size_t len)
{
	struct osm_graph *g = osm_test_load();
	const struct osm_node *n = g ? osm_test_process(g, pid) : NULL;
	const char *k = n ? osm_spawn_kind(n) : NULL;

	snprintf(buf, len, "%s", k ? k : "");
	osm_graph__free(g);
}

/*
 * thread and tis tell apart in the graph (1.8): a tis PD's record says
 * spawn_stack=pkey and osm_spawn_kind() says "tis" exactly when the
 * mapping its stack pointer is in has a protection key of its own
 * (/proc/PID/smaps ProtectionKey, the ground truth); a thread's has key
 * 0, no spawn_stack, and is a "thread".  The tis stack is unmapped at
 * reaping (mincore), a thread's kept for the next PD.  A raw COMMIT that
 * declares a private stack on a stack without a key is -EXDEV (mm), and
 * a private stack without a shared address space -EINVAL.
 */
TEST_F_TIMEOUT(spawn, fn_tis_recorded_apart_from_thread, OSM_TIMEOUT)
{
	struct stack_probe *s;
	struct osm_spawn_req r;
	struct raw_child rc;
	unsigned int t;
	char buf[64];
	int ret, status;

	s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, s);
	for (t = 0; t < 2; t++) {
		const char *kind = t ? "tis" : "thread";
		OSM_OPTS(osm_spawn_opts, o);
		struct osm_spawned pd;
		unsigned char vec[1];
		void *stack;
		int key;

		if (t && !cpu_has_pku())
			break;
		memset(s, 0, sizeof(*s));
		ASSERT_EQ(0, osm_spawn_preset(kind, &o));
		ret = osm_spawn_fn(&o, fn_probe_body, s, &pd);
		ASSERT_LE(0, ret) TH_LOG("%s: %s", kind, strerror(-ret));
		while (!__atomic_load_n(&s->local, __ATOMIC_ACQUIRE))
			nap();
		key = smaps_pkey(pd.pid, (const void *)s->local);
		EXPECT_EQ(t ? pd.stack_pkey : 0, key) TH_LOG("%s: smaps", kind);
		EXPECT_EQ(t, key > 0) TH_LOG("%s: key %d", kind, key);
		node_str(pd.pid, "spawn_stack", buf, sizeof(buf));
		EXPECT_STREQ(key > 0 ? "pkey" : "", buf) TH_LOG("%s", kind);
		pd_kind(pd.pid, buf, sizeof(buf));
		EXPECT_STREQ(kind, buf);
		stack = pd.stack;
		__atomic_store_n(&s->release, 1, __ATOMIC_RELEASE);
		status = -1;
		EXPECT_EQ(0, osm_spawn_wait(&pd, &status));
		EXPECT_EQ(0, status) TH_LOG("%s", kind);
		EXPECT_EQ(t ? -1 : 0, mincore(stack, getpagesize(), vec))
			TH_LOG("%s: stack mapped after reaping", kind);
	}
	if (!cpu_has_pku())
		TH_LOG("no protection keys on this CPU: thread only");

	/* The module checks the stack a private one is declared for. */
	req_init(&r);
	r.flags = OSM_SPAWN_STACK_PKEY;
	EXPECT_EQ(-EINVAL, prepare(self->fd, &r)) TH_LOG("mm copied");
	req_init(&r);
	r.flags = OSM_SPAWN_STACK_PKEY;
	r.mode[OSM_SPAWN_R_MM] = OSM_SPAWN_SHARE;
	ret = prepare(self->fd, &r);
	if (!cpu_has_pku()) {
		EXPECT_EQ(-EOPNOTSUPP, ret);
	} else {
		ASSERT_EQ(0, ret);
		ASSERT_EQ(0, raw_start(&rc, r.clone_flags, self->fd, r.token,
				       false));
		EXPECT_EQ(-1, rc.s->ret);
		EXPECT_EQ(EXDEV, rc.s->err);
		EXPECT_EQ(1ULL << OSM_SPAWN_R_MM, rc.s->mismatch);
		EXPECT_EQ(0, raw_finish(&rc));
	}
	munmap(s, sizeof(*s));
}

OSM_TEST_MAIN
