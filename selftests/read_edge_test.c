// SPDX-License-Identifier: GPL-2.0-only
/*
 * read(2) of /dev/osmosis at its edges, and what readers can pin.
 *
 * Odd sizes (one byte, 64 MiB), seeking (the device is a stream), buffers
 * that fault (before the read, and unmapped by another thread during it),
 * readers killed mid-walk, and thousands of opens, as root and as plain
 * users, against the walk limits (EAGAIN).  Then the limits: a reader in
 * a memory cgroup too small for the graph it asks for gets ENOMEM, and
 * nothing is OOM-killed; parked walks pin what graph-format.md's
 * "Limits" says, charged to the reader's cgroup.
 *
 * The oracles are the documentation (osmosis(4), graph-format.md), the
 * stream's own grammar and exact counts (osm_test_check_text()), errno
 * values, memory.current and memory.events of the cgroups, waitpid(2)
 * and the kernel log.  After each test the device still reads whole.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "osm_test_util.h"

#define PARAM_DIR	"/sys/module/osmosis/parameters/"
#define CGROOT		"/sys/fs/cgroup"
#define NOBODY		65534
#define KiB		1024UL
#define MiB		(1024 * KiB)
/* The largest read(2) the module returns: one chunk, capped (emit.c). */
#define CHUNK_MAX	MiB
/* The working size of a chunk buffer, allocated at the first read. */
#define CHUNK_WORK	(256 * KiB)

static int write_ulong(const char *path, unsigned long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lu\n", v);
	return osm_test_write_small(path, buf);
}

/* A key's value in a "key value" file such as memory.events. */
static long key_value(const char *path, const char *key)
{
	char line[256];
	size_t kl = strlen(key);
	long v = -1;
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && line[kl] == ' ')
			v = strtol(line + kl + 1, NULL, 10);
	fclose(f);
	return v;
}

static int open_dev(void)
{
	return open(osm_test_device(), O_RDONLY | O_CLOEXEC);
}

/* Check a whole stream; 0, or -1 with the reason in @err. */
static int check_stream(const char *buf, size_t len, char *err, size_t n)
{
	return osm_test_check_text(buf, len, NULL, err, n);
}

/* Append @n bytes to a growing buffer; false when out of memory. */
static bool append(char **buf, size_t *len, size_t *cap, const void *p,
		   size_t n)
{
	char *nb;

	if (*len + n + 1 > *cap) {
		size_t c = *cap ? *cap : 1 << 20;

		while (c < *len + n + 1)
			c *= 2;
		nb = realloc(*buf, c);
		if (!nb)
			return false;
		*buf = nb;
		*cap = c;
	}
	memcpy(*buf + *len, p, n);
	*len += n;
	(*buf)[*len] = '\0';
	return true;
}

/* The device still reads whole and well-formed. */
#define EXPECT_DEVICE_WORKS() do {					\
	char __err[512], *__buf;					\
	size_t __len;							\
									\
	__buf = osm_test_read_device(1 << 20, &__len);			\
	ASSERT_NE(NULL, __buf) TH_LOG("read the device again: %m");	\
	EXPECT_EQ(0, check_stream(__buf, __len, __err, sizeof(__err)))	\
		TH_LOG("graph afterwards: %s", __err);			\
	free(__buf);							\
} while (0)

/* Become a plain user with no capability (and /proc-visible to itself). */
static int become(uid_t uid)
{
	if (setgroups(0, NULL) || setresgid(uid, uid, uid) ||
	    setresuid(uid, uid, uid))
		return -1;
	return prctl(PR_SET_DUMPABLE, 1);
}

static pid_t wait_timeout(pid_t pid, int *status, int secs)
{
	pid_t r;
	int i;

	for (i = 0; i < secs * 100; i++) {
		r = waitpid(pid, status, WNOHANG);
		if (r)
			return r;
		usleep(10000);
	}
	return 0;
}

FIXTURE(read_edge) {
	int kmsg;
};

FIXTURE_SETUP(read_edge)
{
	self->kmsg = osm_test_kmsg_open();
	ASSERT_LE(0, self->kmsg) TH_LOG("/dev/kmsg: %m");
}

FIXTURE_TEARDOWN(read_edge)
{
	char err[512];

	int bad = osm_test_kmsg_check(self->kmsg, err, sizeof(err));

	EXPECT_EQ(0, bad);
	if (bad)
		TH_LOG("kernel log: %s", bad < 0 ? strerror(errno) : err);
	close(self->kmsg);
}

/* ---- sizes ------------------------------------------------------------ */

/*
 * One byte per read(2): each read returns exactly one byte, and the
 * bytes make a well-formed walk: a scoped one whole, then the first
 * 256 KiB of a full one (the rest in 64 KiB reads).
 */
TEST_F_TIMEOUT(read_edge, one_byte_reads, OSM_TIMEOUT)
{
	struct osm_scope sc = { .size = sizeof(sc), .flags = OSM_SCOPE_PID,
				.pid = getpid() };
	size_t len = 0, cap = 0, bytes;
	char *buf = NULL, err[512], b[65536];
	ssize_t n;
	int fd, pass;

	for (pass = 0; pass < 2; pass++) {
		fd = open_dev();
		ASSERT_LE(0, fd) TH_LOG("open: %m");
		if (!pass)
			ASSERT_EQ(0, ioctl(fd, OSM_IOC_SET_SCOPE, &sc))
				TH_LOG("SET_SCOPE: %m");
		len = 0;
		for (bytes = 0;; bytes++) {
			n = read(fd, b, pass && bytes >= 256 * KiB ?
				 sizeof(b) : 1);
			ASSERT_LE(0, n) TH_LOG("read %zu: %m", bytes);
			if (!n)
				break;
			if (!pass || bytes < 256 * KiB)
				ASSERT_EQ(1, n);
			ASSERT_TRUE(append(&buf, &len, &cap, b, n));
		}
		close(fd);
		EXPECT_EQ(0, check_stream(buf, len, err, sizeof(err)))
			TH_LOG("pass %d: %s", pass, err);
	}
	free(buf);
}

/* A 64 MiB buffer: each read(2) still returns at most one chunk. */
TEST_F_TIMEOUT(read_edge, huge_buffer, OSM_TIMEOUT)
{
	size_t big = 64 * MiB, len = 0, cap = 0, reads = 0, most = 0;
	char *out = NULL, err[512];
	char *buf = mmap(NULL, big, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ssize_t n;
	int fd;

	ASSERT_NE(MAP_FAILED, buf);
	fd = open_dev();
	ASSERT_LE(0, fd) TH_LOG("open: %m");
	while ((n = read(fd, buf, big)) > 0) {
		ASSERT_GE(CHUNK_MAX, (size_t)n);
		most = (size_t)n > most ? (size_t)n : most;
		reads++;
		ASSERT_TRUE(append(&out, &len, &cap, buf, n));
	}
	ASSERT_EQ(0, n) TH_LOG("read: %m");
	close(fd);
	TH_LOG("%zu bytes in %zu reads, the largest %zu", len, reads, most);
	EXPECT_EQ(0, check_stream(out, len, err, sizeof(err)))
		TH_LOG("%s", err);
	/*
	 * 1 GiB, of which 64 MiB are mapped: one chunk, into the mapped
	 * start.  SSIZE_MAX reaches past the address space: the VFS says
	 * EFAULT before the module is asked.
	 */
	fd = open_dev();
	ASSERT_LE(0, fd);
	n = read(fd, buf, 1024 * MiB);
	EXPECT_LT(0, n) TH_LOG("read of 1 GiB: %m");
	EXPECT_GE((ssize_t)CHUNK_MAX, n);
	errno = 0;
	EXPECT_EQ(-1, read(fd, buf, ~(size_t)0 >> 1));
	EXPECT_EQ(EFAULT, errno);
	n = read(fd, buf, big);
	EXPECT_LE(0, n) TH_LOG("read after the refused one: %m");
	close(fd);
	munmap(buf, big);
	free(out);
}

/*
 * The device is a stream (osmosis(4)): lseek(2) and pread(2) fail with
 * ESPIPE and leave the walk where it was.
 */
TEST_F_TIMEOUT(read_edge, stream_not_seekable, OSM_TIMEOUT)
{
	size_t len = 0, cap = 0;
	char *out = NULL, b[4096], err[512];
	struct iovec iov = { b, sizeof(b) };
	int fd = open_dev();
	ssize_t n;
	int i;

	ASSERT_LE(0, fd) TH_LOG("open: %m");
	for (i = 0; i < 3; i++) {
		errno = 0;
		EXPECT_EQ(-1, lseek(fd, 0, SEEK_SET));
		EXPECT_EQ(ESPIPE, errno);
		errno = 0;
		EXPECT_EQ(-1, lseek(fd, 100, SEEK_CUR));
		EXPECT_EQ(ESPIPE, errno);
		errno = 0;
		EXPECT_EQ(-1, lseek(fd, 0, SEEK_END));
		EXPECT_EQ(ESPIPE, errno);
		errno = 0;
		EXPECT_EQ(-1, pread(fd, b, sizeof(b), 0));
		EXPECT_EQ(ESPIPE, errno);
		errno = 0;
		EXPECT_EQ(-1, preadv(fd, &iov, 1, 4096));
		EXPECT_EQ(ESPIPE, errno);
		n = read(fd, b, sizeof(b));
		ASSERT_LT(0, n) TH_LOG("read: %m");
		ASSERT_TRUE(append(&out, &len, &cap, b, n));
	}
	/* preadv2 with offset -1 is readv: it reads on. */
	while ((n = preadv2(fd, &iov, 1, -1, 0)) > 0)
		ASSERT_TRUE(append(&out, &len, &cap, b, n));
	ASSERT_EQ(0, n) TH_LOG("preadv2(-1): %m");
	close(fd);
	EXPECT_EQ(0, check_stream(out, len, err, sizeof(err)))
		TH_LOG("%s", err);
	free(out);
}

/* ---- buffers that fault ------------------------------------------------- */

/*
 * Buffers that fault (NULL, read-only, one page then PROT_NONE, a kernel
 * address) fail with EFAULT or read short, and lose nothing: the bytes
 * the reads returned, with good buffers after, are the whole walk.
 */
TEST_F_TIMEOUT(read_edge, faulting_buffers_lose_nothing, OSM_TIMEOUT)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t len = 0, cap = 0, faults = 0, shorts = 0;
	char *out = NULL, err[512], *good = malloc(CHUNK_MAX);
	char *area = mmap(NULL, 3 * page, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *ro = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
			-1, 0);
	struct { void *p; size_t n; size_t max; } bad[] = {
		{ NULL, 4096, 0 },
		{ ro, 4096, 0 },
		{ area + page, 2 * page, page },	/* then PROT_NONE */
		{ area + 2 * page - 1, 64, 1 },
		{ (void *)0xffff888000000000UL, 4096, 0 },
	};
	unsigned int i, round;
	ssize_t n;
	int fd;

	ASSERT_NE(NULL, good);
	ASSERT_NE(MAP_FAILED, area);
	ASSERT_NE(MAP_FAILED, ro);
	ASSERT_EQ(0, mprotect(area + 2 * page, page, PROT_NONE));
	fd = open_dev();
	ASSERT_LE(0, fd) TH_LOG("open: %m");
	for (round = 0;; round++) {
		i = round % (sizeof(bad) / sizeof(*bad));
		errno = 0;
		n = read(fd, bad[i].p, bad[i].n);
		if (n < 0) {
			EXPECT_EQ(EFAULT, errno) TH_LOG("bad buffer %u: %m", i);
			faults++;
		} else if (n > 0) {
			/* Only where the buffer is writable. */
			ASSERT_GE(bad[i].max, (size_t)n) TH_LOG("buffer %u", i);
			ASSERT_TRUE(append(&out, &len, &cap, bad[i].p, n));
			shorts++;
		}
		n = read(fd, good, round % 2 ? 100 : CHUNK_MAX);
		ASSERT_LE(0, n) TH_LOG("good buffer after bad %u: %m", i);
		if (!n)
			break;
		ASSERT_TRUE(append(&out, &len, &cap, good, n));
	}
	close(fd);
	TH_LOG("%zu reads faulted, %zu read short into a partial buffer",
	       faults, shorts);
	EXPECT_LT(0, faults);
	EXPECT_EQ(0, check_stream(out, len, err, sizeof(err)))
		TH_LOG("%s", err);
	free(out);
	free(good);
	munmap(area, 3 * page);
	munmap(ro, page);
}

struct unmapper {
	char *buf;
	size_t size;
	bool stop;		/* __atomic */
	unsigned long cycles;
};

/* Unmap the reader's buffer and map a fresh one there, over and over. */
static void *unmapper_main(void *arg)
{
	struct unmapper *u = arg;

	while (!__atomic_load_n(&u->stop, __ATOMIC_RELAXED)) {
		munmap(u->buf, u->size);
		sched_yield();
		if (mmap(u->buf, u->size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) ==
		    MAP_FAILED)
			break;
		u->cycles++;
		sched_yield();
	}
	return NULL;
}

/*
 * Another thread unmaps the buffer while read(2) copies into it: every
 * read returns bytes or EFAULT, each walk comes to its end, and the
 * process lives on.
 */
TEST_F_TIMEOUT(read_edge, buffer_unmapped_mid_read, OSM_TIMEOUT)
{
	struct unmapper u = { .size = CHUNK_MAX };
	unsigned long reads = 0, faults = 0;
	pthread_t th;
	ssize_t n;
	int fd, walk;

	u.buf = mmap(NULL, u.size, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, u.buf);
	ASSERT_EQ(0, pthread_create(&th, NULL, unmapper_main, &u));
	for (walk = 0; walk < 4; walk++) {
		fd = open_dev();
		ASSERT_LE(0, fd) TH_LOG("open: %m");
		for (;;) {
			n = read(fd, u.buf, u.size);
			reads++;
			if (!n)
				break;
			if (n < 0) {
				ASSERT_EQ(EFAULT, errno) TH_LOG("read: %m");
				faults++;
				ASSERT_GT(200000UL, faults);
				continue;
			}
			ASSERT_GE(u.size, (size_t)n);
		}
		close(fd);
	}
	__atomic_store_n(&u.stop, true, __ATOMIC_RELAXED);
	pthread_join(th, NULL);
	TH_LOG("4 walks: %lu reads, %lu EFAULT, %lu unmaps", reads, faults,
	       u.cycles);
	munmap(u.buf, u.size);
	EXPECT_DEVICE_WORKS();
}

/* ---- readers killed ----------------------------------------------------- */

/* Child: read one chunk of @nwalks walks (parked), say so, then wait. */
static int parked_reader(int sock, void *arg)
{
	int nwalks = *(int *)arg, i, fd;
	static char b[CHUNK_MAX];
	uid_t uid = nwalks < 0 ? NOBODY : 0;

	if (nwalks < 0) {
		nwalks = -nwalks;
		if (become(uid))
			osm_child_fail(sock, "become nobody: %m");
	}
	for (i = 0; i < nwalks; i++) {
		fd = open_dev();
		if (fd < 0)
			osm_child_fail(sock, "open %d as %u: %m", i, uid);
		if (read(fd, b, sizeof(b)) <= 0)
			osm_child_fail(sock, "read %d: %m", i);
	}
	osm_child_ready(sock, NULL, 0);
	return 0;
}

/* Child: read walk after walk, as fast as it can, until killed. */
static void busy_reader(int one_byte)
{
	static char b[CHUNK_MAX];
	int fd;

	for (;;) {
		fd = open_dev();
		if (fd < 0)
			_exit(2);
		while (read(fd, b, one_byte ? 1 : sizeof(b)) > 0)
			;
		close(fd);
	}
}

/*
 * SIGKILL a reader parked mid-walk (root, and nobody holding all its
 * walks), and one busy inside read(2): each dies at once, and nobody's
 * walks come back (it opens max_walks_per_user again).
 */
TEST_F_TIMEOUT(read_edge, reader_killed_mid_walk, OSM_TIMEOUT)
{
	unsigned long per_user;
	struct osm_child c = {};
	int status, i, n;
	pid_t pid;

	ASSERT_EQ(0, osm_test_read_ulong(PARAM_DIR "max_walks_per_user",
					 &per_user));
	for (i = 0; i < 3; i++) {
		n = i == 0 ? 1 : -(int)per_user;
		ASSERT_EQ(0, osm_child_start(&c, OSM_SPAWN_FORK, 0,
					     parked_reader, &n, NULL, 0))
			TH_LOG("parked reader %d: %s", i, c.err);
		ASSERT_EQ(0, kill(c.pid, SIGKILL));
		ASSERT_EQ(c.pid, wait_timeout(c.pid, &status, 10))
			TH_LOG("parked reader %d not dead 10 s after SIGKILL", i);
		EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
		close(c.sock);
		memset(&c, 0, sizeof(c));
	}
	for (i = 0; i < 6; i++) {
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid)
			busy_reader(i % 2);
		usleep(50000 + 100000 * i);
		ASSERT_EQ(0, kill(pid, SIGKILL));
		ASSERT_EQ(pid, wait_timeout(pid, &status, 10))
			TH_LOG("busy reader %d not dead 10 s after SIGKILL", i);
		EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
			TH_LOG("busy reader %d: status 0x%x", i, status);
	}
	EXPECT_DEVICE_WORKS();
}

/* ---- thousands of opens ------------------------------------------------- */

#define ROOT_OPENS	4000

/* Root is not limited: 4000 walks open at once, 40 of them parked. */
TEST_F_TIMEOUT(read_edge, thousands_of_opens_root, OSM_TIMEOUT)
{
	struct rlimit rl = { ROOT_OPENS + 64, ROOT_OPENS + 64 };
	static int fds[ROOT_OPENS];
	static char b[CHUNK_MAX];
	int i;

	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl)) TH_LOG("%m");
	for (i = 0; i < ROOT_OPENS; i++) {
		fds[i] = open_dev();
		ASSERT_LE(0, fds[i]) TH_LOG("open %d as root: %m", i);
	}
	for (i = 0; i < ROOT_OPENS; i += 100)
		ASSERT_LT(0, read(fds[i], b, sizeof(b))) TH_LOG("read %d: %m", i);
	for (i = 0; i < ROOT_OPENS; i++)
		close(fds[i]);
	EXPECT_DEVICE_WORKS();
}

#define USERS		20
#define USER_TRIES	300
#define UID_BASE	20000

struct opener {
	int pipe;		/* reports how many opens succeeded */
	int hold;		/* read end: EOF when the test is done */
	int hold_w;		/* its write end, the parent's */
	uid_t uid;
};

/* Child: as @uid, open until EAGAIN, USER_TRIES times; report; hold. */
static void opener_main(const struct opener *o)
{
	int fds[USER_TRIES], ok = 0, other = 0, i, e = 0;
	char b;

	/* Only the parent may hold the write end, for EOF to come. */
	close(o->hold_w);
	if (become(o->uid))
		_exit(3);
	for (i = 0; i < USER_TRIES; i++) {
		fds[i] = open_dev();
		if (fds[i] >= 0)
			ok++;
		else if (errno != EAGAIN)
			other++, e = errno;
	}
	if (other)
		ok = -e;
	if (write(o->pipe, &ok, sizeof(ok)) != sizeof(ok))
		_exit(4);
	(void)!read(o->hold, &b, 1);	/* until the parent closes */
	_exit(0);
}

/*
 * 20 users each try 300 opens at once and hold them: user k gets
 * max_walks_per_user, or what is left of max_walks, the rest are EAGAIN
 * (osmosis(4)); once they exit, a user gets its walks again.
 */
TEST_F_TIMEOUT(read_edge, thousands_of_opens_unprivileged, OSM_TIMEOUT)
{
	struct rlimit rl = { USER_TRIES + 64, USER_TRIES + 64 };
	unsigned long per_user, global, left;
	int res[2], hold[2], got, want, total = 0, k, status;
	pid_t pids[USERS + 1];
	struct opener o;

	ASSERT_EQ(0, osm_test_read_ulong(PARAM_DIR "max_walks_per_user",
					 &per_user));
	ASSERT_EQ(0, osm_test_read_ulong(PARAM_DIR "max_walks", &global));
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	ASSERT_EQ(0, pipe2(res, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(hold, O_CLOEXEC));
	left = global;
	for (k = 0; k <= USERS; k++) {
		o = (struct opener){ res[1], hold[0], hold[1], UID_BASE + k };
		if (k == USERS)		/* the first user, once all exited */
			o.uid = UID_BASE;
		if (k == USERS) {
			close(hold[1]);
			for (int j = 0; j < USERS; j++)
				ASSERT_EQ(pids[j], waitpid(pids[j], &status, 0));
			ASSERT_EQ(0, pipe2(hold, O_CLOEXEC));
			o.hold = hold[0];
			o.hold_w = hold[1];
			left = global;
		}
		pids[k] = fork();
		ASSERT_LE(0, pids[k]);
		if (!pids[k])
			opener_main(&o);
		ASSERT_EQ(sizeof(got), read(res[0], &got, sizeof(got)))
			TH_LOG("user %d died", k);
		ASSERT_LE(0, got) TH_LOG("user %d: open failed: %s", k,
					 strerror(-got));
		want = left < per_user ? left : per_user;
		EXPECT_EQ(want, got) TH_LOG("user %d (uid %u)", k, o.uid);
		left -= got;
		total += got;
	}
	close(hold[1]);
	ASSERT_EQ(pids[USERS], waitpid(pids[USERS], &status, 0));
	TH_LOG("%d users x %d opens: %d walks held (max_walks %lu, per user %lu)",
	       USERS, USER_TRIES, total, global, per_user);
	close(res[0]);
	close(res[1]);
	EXPECT_DEVICE_WORKS();
}

/* ---- limits ------------------------------------------------------------- */

#define HOLDERS		6
#define HOLDER_FILES	4000
#define SMALL_MAX	(2 * MiB)

/* Child: hold HOLDER_FILES distinct open files (file nodes) until freed. */
static int file_holder(int sock, void *arg)
{
	struct rlimit rl = { HOLDER_FILES + 64, HOLDER_FILES + 64 };
	int i;

	(void)arg;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		osm_child_fail(sock, "RLIMIT_NOFILE: %m");
	for (i = 0; i < HOLDER_FILES; i++)
		if (open("/dev/null", O_RDONLY) < 0)
			osm_child_fail(sock, "open /dev/null %d: %m", i);
	osm_child_ready(sock, NULL, 0);
	return 0;
}

/* A memory cgroup under the root, with memory.max @max (0: none). */
static int make_cgroup(char *path, size_t len, const char *name,
		       unsigned long max)
{
	char file[256];

	/* The root's subtree may not have the controller yet. */
	osm_test_write_small(CGROOT "/cgroup.subtree_control", "+memory");
	snprintf(path, len, CGROOT "/%s.%d", name, getpid());
	if (mkdir(path, 0755) && errno != EEXIST)
		return -1;
	snprintf(file, sizeof(file), "%s/memory.max", path);
	return max ? write_ulong(file, max) : 0;
}

static int enter_cgroup(const char *path)
{
	char file[256];

	snprintf(file, sizeof(file), "%s/cgroup.procs", path);
	return write_ulong(file, getpid());
}

/*
 * Child: enter @cg, read the device (phys with OSM_SCOPE_PHYS, only
 * itself with @self_only) to the end; report 0, or the errno of the read
 * that failed, and the bytes read.
 */
struct limited_read {
	const char *cg;
	bool self_only;
	int res[2];
};

static void limited_reader(struct limited_read *lr)
{
	struct osm_scope sc = { .size = sizeof(sc), .flags = OSM_SCOPE_PHYS };
	static char b[256 * KiB];
	long out[2] = { 0, 0 };
	ssize_t n;
	int fd;

	memset(b, 1, sizeof(b));	/* charged before entering */
	if (lr->self_only) {
		sc.flags = OSM_SCOPE_PID;
		sc.pid = getpid();
	}
	if (enter_cgroup(lr->cg))
		_exit(3);
	fd = open_dev();
	if (fd < 0 || ioctl(fd, OSM_IOC_SET_SCOPE, &sc))
		out[0] = -errno;
	while (!out[0] && (n = read(fd, b, sizeof(b))) != 0) {
		if (n < 0)
			out[0] = errno;
		else
			out[1] += n;
	}
	if (write(lr->res[1], out, sizeof(out)) != sizeof(out))
		_exit(4);
	_exit(0);
}

static int run_limited(struct limited_read *lr, long out[2])
{
	int status;
	pid_t pid;

	if (pipe2(lr->res, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid)
		limited_reader(lr);
	close(lr->res[1]);
	out[0] = out[1] = -1;
	if (read(lr->res[0], out, 2 * sizeof(long)) != 2 * sizeof(long))
		out[0] = -EPIPE;	/* died before it reported */
	close(lr->res[0]);
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

/*
 * A reader whose memory cgroup allows 2 MiB asks for the largest graph
 * (every process and the physical frames, with 24000 open files around,
 * so its id table needs more than that): its read fails with ENOMEM
 * (osmosis(4)), nothing is OOM-killed (memory.events, the holders are
 * alive), the kernel logs nothing; the same reader reads a walk of
 * itself within the limit, and the whole graph reads outside it.
 */
TEST_F_TIMEOUT(read_edge, memcg_limited_reader_gets_enomem, 200)
{
	struct osm_child holders[HOLDERS];
	struct limited_read lr = {};
	char cg[128], events[192], err[512], *buf;
	long out[2];
	size_t len;
	int i, status;

	memset(holders, 0, sizeof(holders));
	for (i = 0; i < HOLDERS; i++)
		ASSERT_EQ(0, osm_child_start(&holders[i], OSM_SPAWN_FORK, 0,
					     file_holder, NULL, NULL, 0))
			TH_LOG("holder %d: %s", i, holders[i].err);
	ASSERT_EQ(0, make_cgroup(cg, sizeof(cg), "osm_small", SMALL_MAX))
		TH_LOG("%s: %m", cg);
	snprintf(events, sizeof(events), "%s/memory.events", cg);

	lr.cg = cg;
	status = run_limited(&lr, out);
	TH_LOG("limited reader: status 0x%x, result %ld (%s) after %ld bytes",
	       status, out[0], strerror(out[0] < 0 ? -out[0] : out[0]),
	       out[1]);
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("the reader did not exit by itself: 0x%x", status);
	EXPECT_EQ(ENOMEM, out[0]);
	EXPECT_EQ(0, key_value(events, "oom_kill"))
		TH_LOG("%s: oom_kill %ld", events, key_value(events, "oom_kill"));
	for (i = 0; i < HOLDERS; i++)
		EXPECT_EQ(0, waitpid(holders[i].pid, &status, WNOHANG))
			TH_LOG("holder %d is gone", i);

	/* Within the limit, a small walk reads whole. */
	lr.self_only = true;
	status = run_limited(&lr, out);
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	EXPECT_EQ(0, out[0]) TH_LOG("walk of itself in %s: %s", cg,
				    strerror(out[0] < 0 ? -out[0] : out[0]));
	EXPECT_EQ(0, key_value(events, "oom_kill"));

	/* Outside it, the whole graph, files and frames, reads. */
	{
		struct osm_scope sc = { .size = sizeof(sc),
					.flags = OSM_SCOPE_PHYS };
		int fd = open_dev();

		ASSERT_LE(0, fd);
		ASSERT_EQ(0, ioctl(fd, OSM_IOC_SET_SCOPE, &sc));
		buf = osm_test_read_fd(fd, 1 << 20, &len);
		ASSERT_NE(NULL, buf) TH_LOG("unlimited read: %m");
		close(fd);
		EXPECT_EQ(0, check_stream(buf, len, err, sizeof(err)))
			TH_LOG("%s", err);
		EXPECT_LT(HOLDERS * HOLDER_FILES,
			  (int)osm_test_text_lines(buf, len, NULL, "node file:"));
		TH_LOG("unlimited: %zu bytes", len);
		free(buf);
	}
	for (i = 0; i < HOLDERS; i++)
		EXPECT_EQ(0, osm_child_finish(&holders[i]));
	EXPECT_EQ(0, rmdir(cg)) TH_LOG("rmdir %s: %m", cg);
}

#define PARKED_NODES	4096UL

/*
 * What parked walks pin, charged to the reader's cgroup (graph-format.md
 * "Limits"): nobody parks max_walks_per_user walks after one chunk each,
 * with max_nodes at 4096.  memory.current grows by at least one chunk
 * buffer per walk (charged), and by no more than the documented bound per
 * walk: a reader (under a page), PATH_MAX, a chunk of at most 1 MiB, an id
 * table of at most 128 bytes per id, 32 bytes per socket peer, and the
 * thread ids of one process.
 */
TEST_F_TIMEOUT(read_edge, parked_walks_pin_what_is_documented, OSM_TIMEOUT)
{
	unsigned long per_user, saved_nodes, before, after, bound, walks;
	char cg[128], cur[192];
	int go[2], done[2], status, i, fd;
	static char b[CHUNK_MAX];
	pid_t pid;
	char c;

	ASSERT_EQ(0, osm_test_read_ulong(PARAM_DIR "max_walks_per_user",
					 &per_user));
	ASSERT_EQ(0, osm_test_read_ulong(PARAM_DIR "max_nodes", &saved_nodes));
	ASSERT_EQ(0, make_cgroup(cg, sizeof(cg), "osm_pin", 0))
		TH_LOG("%s: %m", cg);
	snprintf(cur, sizeof(cur), "%s/memory.current", cg);
	ASSERT_EQ(0, write_ulong(PARAM_DIR "max_nodes", PARKED_NODES));
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(done));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(go[1]);	/* EOF on go when the parent closes it */
		close(done[0]);
		memset(b, 1, sizeof(b));
		if (enter_cgroup(cg) || become(NOBODY))
			_exit(3);
		c = 'r';
		if (write(done[1], &c, 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(4);
		for (i = 0; i < (int)per_user; i++) {
			fd = open_dev();
			if (fd < 0 || read(fd, b, sizeof(b)) <= 0)
				_exit(5);
		}
		if (write(done[1], &c, 1) != 1)
			_exit(4);
		(void)!read(go[0], &c, 1);
		_exit(0);
	}
	ASSERT_EQ(1, read(done[0], &c, 1)) TH_LOG("child failed to set up");
	usleep(100000);
	ASSERT_EQ(0, osm_test_read_ulong(cur, &before));
	ASSERT_EQ(1, write(go[1], "g", 1));
	ASSERT_EQ(1, read(done[0], &c, 1)) TH_LOG("child failed to park");
	ASSERT_EQ(0, osm_test_read_ulong(cur, &after));
	walks = per_user;
	/* graph-format.md: reader, PATH_MAX, chunk, ids, peers, tids. */
	bound = walks * (KiB + 4 * KiB + CHUNK_MAX + 192 * PARKED_NODES +
			 96 * PARKED_NODES + 4 * 4096);
	TH_LOG("%lu parked walks: memory.current %lu -> %lu (+%lu KiB, %lu KiB a walk; bound %lu KiB)",
	       walks, before, after, (after - before) / KiB,
	       (after - before) / KiB / walks, bound / KiB);
	EXPECT_LE(walks * CHUNK_WORK, after - before)
		TH_LOG("the chunk buffers are not charged to the reader");
	EXPECT_GE(bound, after - before);
	close(go[1]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("status 0x%x", status);
	EXPECT_EQ(0, write_ulong(PARAM_DIR "max_nodes", saved_nodes));
	close(go[0]);
	close(done[0]);
	close(done[1]);
	EXPECT_EQ(0, rmdir(cg)) TH_LOG("rmdir %s: %m", cg);
	EXPECT_DEVICE_WORKS();
}

OSM_TEST_MAIN
