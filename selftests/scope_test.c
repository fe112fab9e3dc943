// SPDX-License-Identifier: GPL-2.0-only
/*
 * OSM_IOC_SET_SCOPE: one process and some resource types per walk.
 * Every bad input fails with its own errno, one per test; a walk scoped
 * to a process is exactly that process's part of a full walk (what its
 * threads reach, by libosm's reachability); a types scope keeps those
 * types only; an opener cannot scope to a process it may not see.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "osm_test_util.h"

/* A scope struct followed by spare room, to test the size rules. */
union scope_buf {
	struct osm_scope sc;
	char bytes[8192];
};

static int set_scope_raw(int fd, union scope_buf *b, __u32 size)
{
	b->sc.size = size;
	return ioctl(fd, OSM_IOC_SET_SCOPE, b) ? errno : 0;
}

FIXTURE(dev) {
	int fd;
	union scope_buf b;
};

FIXTURE_SETUP(dev)
{
	self->fd = open(osm_test_device(), O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	memset(&self->b, 0, sizeof(self->b));
}

FIXTURE_TEARDOWN(dev)
{
	close(self->fd);
}

TEST_F(dev, size_below_ver0_is_einval)
{
	EXPECT_EQ(EINVAL, set_scope_raw(self->fd, &self->b,
					OSM_SCOPE_SIZE_VER0 - 8));
}

TEST_F(dev, size_over_a_page_is_e2big)
{
	EXPECT_EQ(E2BIG, set_scope_raw(self->fd, &self->b, 4096 + 8));
}

TEST_F(dev, nonzero_tail_is_e2big)
{
	self->b.bytes[OSM_SCOPE_SIZE_VER0 + 3] = 1;
	EXPECT_EQ(E2BIG, set_scope_raw(self->fd, &self->b,
				       OSM_SCOPE_SIZE_VER0 + 8));
}

TEST_F(dev, longer_struct_with_zero_tail_is_fine)
{
	self->b.sc.flags = OSM_SCOPE_TYPES;
	self->b.sc.types = OSM_RES_MM;
	EXPECT_EQ(0, set_scope_raw(self->fd, &self->b,
				   OSM_SCOPE_SIZE_VER0 + 8));
}

TEST_F(dev, unknown_flag_is_einval)
{
	self->b.sc.flags = 1U << 5;
	EXPECT_EQ(EINVAL, set_scope_raw(self->fd, &self->b,
					OSM_SCOPE_SIZE_VER0));
}

TEST_F(dev, pid_without_its_flag_is_einval)
{
	self->b.sc.pid = getpid();
	EXPECT_EQ(EINVAL, set_scope_raw(self->fd, &self->b,
					OSM_SCOPE_SIZE_VER0));
}

TEST_F(dev, types_without_their_flag_is_einval)
{
	self->b.sc.types = OSM_RES_MM;
	EXPECT_EQ(EINVAL, set_scope_raw(self->fd, &self->b,
					OSM_SCOPE_SIZE_VER0));
}

TEST_F(dev, pid_zero_is_einval)
{
	self->b.sc.flags = OSM_SCOPE_PID;
	EXPECT_EQ(EINVAL, set_scope_raw(self->fd, &self->b,
					OSM_SCOPE_SIZE_VER0));
}

TEST_F(dev, unknown_type_is_einval)
{
	self->b.sc.flags = OSM_SCOPE_TYPES;
	self->b.sc.types = OSM_RES_ALL + 1;
	EXPECT_EQ(EINVAL, set_scope_raw(self->fd, &self->b,
					OSM_SCOPE_SIZE_VER0));
}

TEST_F(dev, reaped_pid_is_esrch)
{
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (!pid)
		_exit(0);
	ASSERT_EQ(pid, waitpid(pid, NULL, 0));
	self->b.sc.flags = OSM_SCOPE_PID;
	self->b.sc.pid = pid;
	EXPECT_EQ(ESRCH, set_scope_raw(self->fd, &self->b,
				       OSM_SCOPE_SIZE_VER0));
}

TEST_F(dev, after_first_read_is_ebusy)
{
	char c;

	ASSERT_EQ(1, read(self->fd, &c, 1));
	self->b.sc.flags = OSM_SCOPE_TYPES;
	self->b.sc.types = OSM_RES_MM;
	EXPECT_EQ(EBUSY, set_scope_raw(self->fd, &self->b,
				       OSM_SCOPE_SIZE_VER0));
}

TEST_F(dev, second_scope_is_ebusy)
{
	self->b.sc.flags = OSM_SCOPE_TYPES;
	self->b.sc.types = OSM_RES_MM;
	EXPECT_EQ(0, set_scope_raw(self->fd, &self->b, OSM_SCOPE_SIZE_VER0));
	EXPECT_EQ(EBUSY, set_scope_raw(self->fd, &self->b,
				       OSM_SCOPE_SIZE_VER0));
}

TEST_F(dev, wrong_direction_is_enotty)
{
	EXPECT_EQ(-1, ioctl(self->fd, _IOR(OSM_IOC_MAGIC, 0x01,
					   struct osm_scope), &self->b));
	EXPECT_EQ(ENOTTY, errno);
}

/* ---- what a scoped walk holds ---------------------------------------- */

/* Read a walk of @fd, scoped by @sc (NULL: not scoped), and parse it. */
static struct osm_graph *load_scoped(const struct osm_scope *sc)
{
	int fd = open(osm_test_device(), O_RDONLY | O_CLOEXEC);
	struct osm_graph *g = NULL;
	size_t len;
	char *buf;

	if (fd < 0)
		return NULL;
	if (!sc || !osm_ioc_set_scope(fd, sc)) {
		buf = osm_test_read_fd(fd, 1 << 16, &len);
		if (buf)
			g = osm_graph__parse(buf, len);
		free(buf);
	}
	close(fd);
	return g;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The ids of what @pd reaches, sorted, space-separated; malloc()ed. */
static char *reach_ids(const struct osm_graph *g, const struct osm_node *pd)
{
	const struct osm_node **res = NULL;
	char **v, *out;
	size_t len = 1;
	int n, i;

	n = osm_query__reachable(g, pd, NULL, &res);
	if (n < 0)
		return NULL;
	v = calloc(n + 1, sizeof(*v));
	if (!v) {
		free(res);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		v[i] = (char *)osm_node__id(res[i]);
		len += strlen(v[i]) + 1;
	}
	qsort(v, n, sizeof(*v), cmp_str);
	out = calloc(1, len);
	for (i = 0; out && i < n; i++) {
		strcat(out, v[i]);
		strcat(out, " ");
	}
	free(v);
	free(res);
	return out;
}

TEST(scoped_pid_is_its_part_of_the_full_walk)
{
	struct osm_scope sc = { .flags = OSM_SCOPE_PID };
	struct osm_graph *full, *part;
	struct osm_child c;
	char *want, *got, hdr[32];
	size_t i, procs = 0;

	ASSERT_EQ(0, osm_child_start(&c, OSM_SPAWN_FORK, 0, osm_child_idle,
				     NULL, NULL, 0)) TH_LOG("%s", c.err);
	sc.pid = c.pid;
	full = load_scoped(NULL);
	part = load_scoped(&sc);
	ASSERT_NE(NULL, full);
	ASSERT_NE(NULL, part) TH_LOG("scoped load: %m");

	snprintf(hdr, sizeof(hdr), "%d", (int)c.pid);
	EXPECT_STREQ(hdr, osm_graph__header_attr(part, "scope") ?: "(none)");
	for (i = 0; i < osm_graph__node_count(part); i++)
		procs += !strcmp(osm_node__type(osm_graph__node(part, i)),
				 "process");
	EXPECT_EQ(1, procs);
	want = reach_ids(full, osm_test_process(full, c.pid));
	got = reach_ids(part, osm_test_process(part, c.pid));
	ASSERT_NE(NULL, want);
	ASSERT_NE(NULL, got);
	EXPECT_STREQ(want, got);
	free(want);
	free(got);
	osm_graph__free(full);
	osm_graph__free(part);
	EXPECT_EQ(0, osm_child_finish(&c));
}

TEST(types_scope_keeps_only_those)
{
	struct osm_scope sc = { .flags = OSM_SCOPE_PID | OSM_SCOPE_TYPES,
				.types = OSM_RES_NET_NS | OSM_RES_CRED };
	const struct osm_node *n, *t;
	struct osm_graph *g;
	char want[32];
	size_t i;

	sc.pid = getpid();
	g = load_scoped(&sc);
	ASSERT_NE(NULL, g) TH_LOG("%m");
	snprintf(want, sizeof(want), "0x%llx",
		 (unsigned long long)(OSM_RES_NET_NS | OSM_RES_CRED));
	EXPECT_STREQ(want, osm_graph__header_attr(g, "types") ?: "(none)");
	for (i = 0; i < osm_graph__node_count(g); i++) {
		n = osm_graph__node(g, i);
		if (osm_node__is_pd(n))
			continue;
		EXPECT_TRUE(!strcmp(osm_node__type(n), "net_ns") ||
			    !strcmp(osm_node__type(n), "cred"))
			TH_LOG("%s is out of scope", osm_node__id(n));
	}
	t = osm_test_thread(g, osm_test_gettid());
	ASSERT_NE(NULL, t);
	EXPECT_EQ(1, osm_test_held_count(t, "net_ns"));
	EXPECT_EQ(1, osm_test_held_count(t, "cred"));
	EXPECT_EQ(osm_test_ns_ino(getpid(), "net"),
		  strtoull(osm_test_token(osm_test_held(t, "net_ns")), NULL,
			   10));
	osm_graph__free(g);
}

/* An unprivileged opener scopes to itself, not to pid 1 (ESRCH). */
TEST(unseen_pid_is_esrch)
{
	struct osm_scope sc = { .flags = OSM_SCOPE_PID };
	int status, fd, r1, r2;
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (!pid) {
		/* Dumpable again after the uid change, as /proc requires. */
		if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534) ||
		    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0))
			_exit(10);
		fd = open(osm_test_device(), O_RDONLY | O_CLOEXEC);
		sc.pid = 1;
		r1 = osm_ioc_set_scope(fd, &sc);
		close(fd);
		fd = open(osm_test_device(), O_RDONLY | O_CLOEXEC);
		sc.pid = getpid();
		r2 = osm_ioc_set_scope(fd, &sc);
		if (r1 != -ESRCH)
			_exit(20);
		_exit(r2 == 0 ? 0 : 30);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status))
		TH_LOG("10: could not drop privileges; 20: pid 1 was not ESRCH;"
		       " 30: its own pid was refused");
}

OSM_TEST_MAIN
