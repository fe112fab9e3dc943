// SPDX-License-Identifier: GPL-2.0-only
/*
 * The concurrent-walk limit: an unprivileged user (counted by real uid)
 * may hold max_walks_per_user opens of /dev/osmosis at once, all such
 * users together max_walks; one more open fails with EAGAIN, a close gives
 * the slot back at once, and CAP_SYS_ADMIN openers are neither limited
 * nor counted.  Children drop to plain uids (their CapEff is checked to be
 * empty) and report what went wrong over their socket.  The limits are a
 * required feature: without the parameters every test fails.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "osm_test_util.h"

#define PARAM_DIR	"/sys/module/osmosis/parameters/"
#define UID_A		1000
#define UID_B		1001
#define UID_C		1002
#define PER_USER	3
#define ROOT_FDS	(PER_USER + 1)

enum { P_PER_USER, P_GLOBAL, NPARAMS };

static const char *const param_names[NPARAMS] = {
	[P_PER_USER] = "max_walks_per_user",
	[P_GLOBAL] = "max_walks",
};

static int param_read(int p, unsigned int *val)
{
	char path[128], buf[32], *end;
	unsigned long v;

	snprintf(path, sizeof(path), PARAM_DIR "%s", param_names[p]);
	if (osm_test_read_small(path, buf, sizeof(buf)) <= 0)
		return -1;
	errno = 0;
	v = strtoul(buf, &end, 10);
	if (errno || end == buf || *end != '\n' || v > ~0U) {
		errno = EPROTO;
		return -1;
	}
	*val = v;
	return 0;
}

static int param_write(int p, unsigned int val)
{
	char path[128], buf[32];
	int fd, len, ok;

	snprintf(path, sizeof(path), PARAM_DIR "%s", param_names[p]);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	len = snprintf(buf, sizeof(buf), "%u\n", val);
	ok = write(fd, buf, len) == len;
	close(fd);
	return ok ? 0 : -1;
}

static int open_walk(void)
{
	return open(osm_test_device(), O_RDONLY | O_CLOEXEC);
}

/*
 * Read @fd to the end: a complete walk starts with the header line and
 * ends with the end line, and is well-formed throughout.  Returns 0, or
 * -1 with the reason in @err.
 */
static int check_walk(int fd, char *err, size_t len)
{
	char *buf, *last;
	size_t n;
	int ret = -1;

	buf = osm_test_read_fd(fd, 4096, &n);
	if (!buf) {
		snprintf(err, len, "read: %s", strerror(errno));
		return -1;
	}
	last = n >= 2 ? memrchr(buf, '\n', n - 1) : NULL;
	last = last ? last + 1 : buf;
	if (strncmp(buf, OSM_GRAPH_MAGIC " ", strlen(OSM_GRAPH_MAGIC) + 1))
		snprintf(err, len, "first line '%.40s'", buf);
	else if (n == 0 || buf[n - 1] != '\n' || strncmp(last, "end ", 4))
		snprintf(err, len, "last line '%.40s' (%zu bytes read)", last,
			 n);
	else if (!osm_test_check_text(buf, n, NULL, err, len))
		ret = 0;
	free(buf);
	return ret;
}

/* Who opens, and how many of its opens must succeed before EAGAIN. */
struct holder {
	uid_t ruid, euid;
	int want;
	bool reopen;	/* then close one, open again, and EAGAIN again */
};

/* Become @h's user, with no capabilities left at all. */
static void drop_privileges(int sock, const struct holder *h)
{
	char caps[64];

	if (setgroups(0, NULL) || setresgid(h->ruid, h->ruid, h->ruid) ||
	    setresuid(h->ruid, h->euid, h->euid))
		osm_child_fail(sock, "drop to uid %u/%u: %m", h->ruid, h->euid);
	if (osm_test_status_field(getpid(), "CapEff", caps, sizeof(caps)))
		osm_child_fail(sock, "CapEff of uid %u: %m", h->ruid);
	if (strspn(caps, "0") != strlen(caps))
		osm_child_fail(sock, "uid %u still has CapEff %s", h->ruid,
			       caps);
}

static void expect_eagain(int sock, const struct holder *h, int nth)
{
	int fd = open_walk();

	if (fd >= 0)
		osm_child_fail(sock, "uid %u/%u: open %d succeeded, want EAGAIN",
			       h->ruid, h->euid, nth);
	if (errno != EAGAIN)
		osm_child_fail(sock, "uid %u/%u: open %d: %m, want EAGAIN",
			       h->ruid, h->euid, nth);
}

static void expect_walk(int sock, const struct holder *h, int fd, int nth)
{
	char err[512];

	if (check_walk(fd, err, sizeof(err)))
		osm_child_fail(sock, "uid %u/%u: walk of open %d: %s",
			       h->ruid, h->euid, nth, err);
}

/*
 * Child: exactly h->want opens succeed and the next fails with EAGAIN;
 * each open still reads a complete walk.  Holds them until released.
 */
static int hold_walks(int sock, void *arg)
{
	const struct holder *h = arg;
	int fds[PER_USER + 1], i;

	if (h->want < 0 || h->want > PER_USER)
		osm_child_fail(sock, "bad holder: want %d", h->want);
	drop_privileges(sock, h);
	for (i = 0; i < h->want; i++) {
		fds[i] = open_walk();
		if (fds[i] < 0)
			osm_child_fail(sock, "uid %u/%u: open %d of %d: %m",
				       h->ruid, h->euid, i + 1, h->want);
	}
	expect_eagain(sock, h, h->want + 1);
	for (i = 0; i < h->want; i++)
		expect_walk(sock, h, fds[i], i + 1);
	if (h->reopen && h->want) {
		close(fds[0]);
		fds[0] = open_walk();
		if (fds[0] < 0)
			osm_child_fail(sock, "uid %u/%u: open after a close: %m",
				       h->ruid, h->euid);
		expect_walk(sock, h, fds[0], h->want + 2);
		expect_eagain(sock, h, h->want + 3);
	}
	return osm_child_ready(sock, NULL, 0) ? 1 : 0;
}

FIXTURE(walk_limit) {
	unsigned int saved[NPARAMS];
	bool have[NPARAMS];
	struct osm_child c[3];
	int root_fds[ROOT_FDS];
	int nroot;
};

FIXTURE_SETUP(walk_limit)
{
	int p;

	for (p = 0; p < NPARAMS; p++) {
		ASSERT_EQ(0, param_read(p, &self->saved[p]))
			TH_LOG(PARAM_DIR "%s: %m: no concurrent-walk limit in osmosis.ko (required)",
			       param_names[p]);
		self->have[p] = true;
	}
}

FIXTURE_TEARDOWN(walk_limit)
{
	int p, i;

	for (i = 0; i < 3; i++)
		if (self->c[i].pid > 0)
			osm_child_finish(&self->c[i]);
	for (i = 0; i < self->nroot; i++)
		close(self->root_fds[i]);
	for (p = 0; p < NPARAMS; p++)
		if (self->have[p])
			EXPECT_EQ(0, param_write(p, self->saved[p]))
				TH_LOG("restoring %s=%u: %m", param_names[p],
				       self->saved[p]);
}

#define SET_LIMITS(per_user, global) do {				\
	ASSERT_EQ(0, param_write(P_PER_USER, (per_user)))		\
		TH_LOG("writing %s: %m", param_names[P_PER_USER]);	\
	ASSERT_EQ(0, param_write(P_GLOBAL, (global)))			\
		TH_LOG("writing %s: %m", param_names[P_GLOBAL]);	\
} while (0)

/* Child @i runs hold_walks(@h) and is left holding its opens. */
#define HOLD(i, h) do {							\
	struct osm_child *__c = &self->c[i];				\
									\
	ASSERT_EQ(0, osm_child_start(__c, OSM_SPAWN_FORK, 0, hold_walks,	\
				     (h), NULL, 0))			\
		TH_LOG("%s", __c->err);					\
} while (0)

#define RELEASE(i) EXPECT_EQ(0, osm_child_finish(&self->c[i]))

/* Root opens @n more walks, neither limited nor counted, and reads them. */
#define ROOT_OPENS(n) do {						\
	char __err[512];						\
	int __i, __fd;							\
									\
	for (__i = 0; __i < (n); __i++) {				\
		ASSERT_GT(ROOT_FDS, self->nroot);			\
		__fd = open_walk();					\
		ASSERT_LE(0, __fd)					\
			TH_LOG("root: open %d: %m", self->nroot + 1);	\
		self->root_fds[self->nroot++] = __fd;			\
		ASSERT_EQ(0, check_walk(__fd, __err, sizeof(__err)))	\
			TH_LOG("root: walk of open %d: %s",		\
			       self->nroot, __err);			\
	}								\
} while (0)

TEST_F_TIMEOUT(walk_limit, params_are_root_writable, OSM_TIMEOUT)
{
	char path[128];
	struct stat st;
	int p;

	for (p = 0; p < NPARAMS; p++) {
		snprintf(path, sizeof(path), PARAM_DIR "%s", param_names[p]);
		ASSERT_EQ(0, stat(path, &st)) TH_LOG("%s: %m", path);
		EXPECT_EQ(0644, st.st_mode & 07777) TH_LOG("%s", path);
		EXPECT_EQ(0, st.st_uid) TH_LOG("%s", path);
	}
}

TEST_F_TIMEOUT(walk_limit, per_user_limit_and_slot_back_on_close,
	       OSM_TIMEOUT)
{
	struct holder a = { UID_A, UID_A, PER_USER, true };

	SET_LIMITS(PER_USER, 64);
	HOLD(0, &a);
	RELEASE(0);
}

TEST_F_TIMEOUT(walk_limit, other_user_has_own_slots, OSM_TIMEOUT)
{
	struct holder a = { UID_A, UID_A, PER_USER, false };
	struct holder b = { UID_B, UID_B, PER_USER, false };

	SET_LIMITS(PER_USER, 64);
	HOLD(0, &a);
	HOLD(1, &b);
	RELEASE(1);
	RELEASE(0);
}

/* Exiting closes the files, so the same user gets all its slots again. */
TEST_F_TIMEOUT(walk_limit, slots_come_back_when_holder_exits, OSM_TIMEOUT)
{
	struct holder a = { UID_A, UID_A, PER_USER, false };

	SET_LIMITS(PER_USER, 64);
	HOLD(0, &a);
	RELEASE(0);
	HOLD(0, &a);
	RELEASE(0);
}

/* The real uid counts: not the effective one. */
TEST_F_TIMEOUT(walk_limit, counted_by_real_uid, OSM_TIMEOUT)
{
	struct holder a = { UID_A, UID_A, PER_USER, false };
	struct holder real_a = { UID_A, UID_C, 0, false };
	struct holder eff_a = { UID_C, UID_A, PER_USER, false };

	SET_LIMITS(PER_USER, 64);
	HOLD(0, &a);
	HOLD(1, &real_a);
	RELEASE(1);
	HOLD(1, &eff_a);
	RELEASE(1);
	RELEASE(0);
}

TEST_F_TIMEOUT(walk_limit, root_is_exempt_while_user_at_limit, OSM_TIMEOUT)
{
	struct holder a = { UID_A, UID_A, PER_USER, false };

	SET_LIMITS(PER_USER, 64);
	HOLD(0, &a);
	ROOT_OPENS(ROOT_FDS);
	RELEASE(0);
}

/*
 * max_walks = PER_USER + 1 with root holding walks the whole time: uid A
 * takes PER_USER, uid B the last slot, root still opens more; once A
 * exits uid C gets PER_USER.
 */
TEST_F_TIMEOUT(walk_limit, global_limit_spans_users, OSM_TIMEOUT)
{
	struct holder a = { UID_A, UID_A, PER_USER, false };
	struct holder b = { UID_B, UID_B, 1, false };
	struct holder c = { UID_C, UID_C, PER_USER, false };

	SET_LIMITS(PER_USER, PER_USER + 1);
	ROOT_OPENS(2);
	HOLD(0, &a);
	HOLD(1, &b);
	ROOT_OPENS(1);
	RELEASE(0);
	HOLD(2, &c);
	RELEASE(2);
	RELEASE(1);
}

OSM_TEST_MAIN
