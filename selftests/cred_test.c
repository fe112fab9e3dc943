// SPDX-License-Identifier: GPL-2.0-only
/*
 * Credentials and seccomp filters.  Every cred node a thread holds must
 * say what /proc/PID/task/TID/status says of that thread (ids, groups,
 * the five capability sets), and every thread node its NoNewPrivs and
 * Seccomp mode.  Sharing follows the kernel's rules, which the scenarios
 * set up: threads share one struct cred until one of them changes its
 * own with a raw syscall (glibc's wrappers change every thread), fork
 * copies it; a seccomp filter is shared by the tasks that inherited it,
 * and an identical filter installed separately is another object.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <linux/securebits.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "osm_test_util.h"

#define NTHREADS	4
#define OTHER_GID	1000

/* What a thread of the team does to itself before it idles. */
enum act { ACT_NONE, ACT_SETRESGID, ACT_NO_NEW_PRIVS, ACT_STRICT };

/*
 * A thread in strict mode may only read, write and exit, so the team
 * talks over pipes alone (no futex): each thread writes one byte to
 * @ready when it has acted, then blocks reading @block.
 */
struct team {
	enum act act[NTHREADS];
	pid_t tid[NTHREADS];
	int err[NTHREADS];
	int ready[2];
	int block[2];		/* never written: exit_group ends them */
	struct member {
		struct team *t;
		int i;
	} m[NTHREADS];
};

/* A raw syscall changes only the calling thread (glibc's wrapper all). */
static int thread_act(enum act act)
{
	switch (act) {
	case ACT_SETRESGID:
		return syscall(SYS_setresgid, OTHER_GID, OTHER_GID, OTHER_GID);
	case ACT_NO_NEW_PRIVS:
		return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	case ACT_STRICT:
		/* Only read, write, exit and sigreturn from here on. */
		return prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0, 0);
	default:
		return 0;
	}
}

static void *team_thread(void *arg)
{
	struct member *m = arg;
	struct team *t = m->t;
	char c = 0;

	t->tid[m->i] = syscall(SYS_gettid);
	if (thread_act(t->act[m->i]))
		t->err[m->i] = errno;
	if (write(t->ready[1], &c, 1) != 1)
		t->err[m->i] = EIO;
	while (read(t->block[0], &c, 1) != 0)
		;
	return NULL;
}

/* Child: start the team, report the tids, idle until released. */
static int team_child(int sock, void *arg)
{
	struct team *t = arg;
	pthread_t th;
	char c;
	int i;

	if (pipe(t->ready) || pipe(t->block))
		osm_child_fail(sock, "team setup: %m");
	t->tid[0] = getpid();
	for (i = 1; i < NTHREADS; i++) {
		t->m[i] = (struct member){ .t = t, .i = i };
		if (pthread_create(&th, NULL, team_thread, &t->m[i]))
			osm_child_fail(sock, "pthread_create failed");
		if (read(t->ready[0], &c, 1) != 1)
			osm_child_fail(sock, "thread %d did not report", i);
	}
	for (i = 1; i < NTHREADS; i++)
		if (t->err[i])
			osm_child_fail(sock, "thread %d act %d: %s", i,
				       t->act[i], strerror(t->err[i]));
	return osm_child_ready(sock, t->tid, sizeof(t->tid)) ? 1 : 0;
}

/* "a\tb\tc\td" from four attributes, as the Uid:/Gid: lines read. */
static void four_ids(const struct osm_node *n, const char *k[4], char *buf,
		     size_t len)
{
	snprintf(buf, len, "%s\t%s\t%s\t%s", osm_node__attr(n, k[0]),
		 osm_node__attr(n, k[1]), osm_node__attr(n, k[2]),
		 osm_node__attr(n, k[3]));
}

/* The Groups: line ("5 6 7 ", or empty) in the graph's "5,6,7" form. */
static void status_groups(char *v)
{
	size_t n = strlen(v);

	while (n && v[n - 1] == ' ')
		v[--n] = '\0';
	for (; *v; v++)
		if (*v == ' ')
			*v = ',';
}

/* The cred node thread @tid holds says what its status file says. */
static void expect_cred_is_status(struct __test_metadata *_metadata,
				  const struct osm_graph *g, pid_t pid,
				  pid_t tid)
{
	static const char *uids[4] = { "uid", "euid", "suid", "fsuid" };
	static const char *gids[4] = { "gid", "egid", "sgid", "fsgid" };
	static const struct { const char *status, *attr; } caps[] = {
		{ "CapInh", "cap_inh" }, { "CapPrm", "cap_prm" },
		{ "CapEff", "cap_eff" }, { "CapBnd", "cap_bnd" },
		{ "CapAmb", "cap_amb" },
	};
	const struct osm_node *cred = osm_test_held_by_tid(g, tid, "cred");
	const char *groups;
	char want[256], got[256];
	size_t i;

	ASSERT_NE(NULL, cred) TH_LOG("thread %d holds no single cred", tid);
	ASSERT_EQ(0, osm_test_task_status_field(pid, tid, "Uid", want,
						sizeof(want)));
	four_ids(cred, uids, got, sizeof(got));
	EXPECT_STREQ(want, got) TH_LOG("tid %d Uid", tid);
	ASSERT_EQ(0, osm_test_task_status_field(pid, tid, "Gid", want,
						sizeof(want)));
	four_ids(cred, gids, got, sizeof(got));
	EXPECT_STREQ(want, got) TH_LOG("tid %d Gid", tid);
	ASSERT_EQ(0, osm_test_task_status_field(pid, tid, "Groups", want,
						sizeof(want)));
	status_groups(want);
	groups = osm_node__attr(cred, "groups");
	EXPECT_STREQ(want, groups ? groups : "") TH_LOG("tid %d Groups", tid);
	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		ASSERT_EQ(0, osm_test_task_status_field(pid, tid,
							caps[i].status, want,
							sizeof(want)));
		ASSERT_NE(NULL, osm_node__attr(cred, caps[i].attr));
		EXPECT_STREQ(want, osm_node__attr(cred, caps[i].attr))
			TH_LOG("tid %d %s", tid, caps[i].status);
	}
}

/* The thread node's no_new_privs and seccomp say what status says. */
static void expect_thread_flags_are_status(struct __test_metadata *_metadata,
					   const struct osm_graph *g,
					   pid_t pid, pid_t tid)
{
	const struct osm_node *t = osm_test_thread(g, tid);
	char want[64];

	ASSERT_NE(NULL, t);
	ASSERT_EQ(0, osm_test_task_status_field(pid, tid, "NoNewPrivs", want,
						sizeof(want)));
	EXPECT_STREQ(want, osm_node__attr(t, "no_new_privs") ?: "(none)")
		TH_LOG("tid %d NoNewPrivs", tid);
	ASSERT_EQ(0, osm_test_task_status_field(pid, tid, "Seccomp", want,
						sizeof(want)));
	EXPECT_STREQ(want, osm_node__attr(t, "seccomp") ?: "(none)")
		TH_LOG("tid %d Seccomp", tid);
}

FIXTURE(team) {
	struct osm_child c;
	struct osm_graph *g;
	struct team t;
	pid_t tid[NTHREADS];
};

FIXTURE_VARIANT(team) {
	enum act act[NTHREADS];
};

FIXTURE_VARIANT_ADD(team, plain) {
	.act = { ACT_NONE, ACT_NONE, ACT_NONE, ACT_NONE },
};

FIXTURE_VARIANT_ADD(team, one_thread_setresgid) {
	.act = { ACT_NONE, ACT_SETRESGID, ACT_NONE, ACT_NONE },
};

FIXTURE_VARIANT_ADD(team, per_thread_flags) {
	.act = { ACT_NONE, ACT_NO_NEW_PRIVS, ACT_STRICT, ACT_NONE },
};

FIXTURE_SETUP(team)
{
	memcpy(self->t.act, variant->act, sizeof(self->t.act));
	OSM_START_AND_LOAD(&self->c, &self->g, OSM_SPAWN_FORK, 0, team_child,
			   &self->t, self->tid, sizeof(self->tid));
}

FIXTURE_TEARDOWN(team)
{
	osm_graph__free(self->g);
	osm_child_finish(&self->c);
}

/* Each thread's cred node and flags say what its status file says. */
TEST_F(team, creds_and_flags_are_status)
{
	int i;

	for (i = 0; i < NTHREADS; i++) {
		expect_cred_is_status(_metadata, self->g, self->c.pid,
				      self->tid[i]);
		expect_thread_flags_are_status(_metadata, self->g,
					       self->c.pid, self->tid[i]);
	}
}

/*
 * Threads share one cred node unless a thread changed its own; the forked
 * child's creds are a copy, another node than the test process's.
 */
TEST_F(team, cred_shared_unless_changed)
{
	const struct osm_node *c0, *ci;
	int i;

	c0 = osm_test_held_by_tid(self->g, self->tid[0], "cred");
	ASSERT_NE(NULL, c0);
	for (i = 1; i < NTHREADS; i++) {
		ci = osm_test_held_by_tid(self->g, self->tid[i], "cred");
		ASSERT_NE(NULL, ci);
		if (variant->act[i] == ACT_SETRESGID) {
			EXPECT_NE(c0, ci) TH_LOG("tid %d changed its creds",
						 self->tid[i]);
			EXPECT_STREQ("1000", osm_node__attr(ci, "egid"));
		} else {
			EXPECT_EQ(c0, ci) TH_LOG("tid %d shares the creds",
						 self->tid[i]);
		}
	}
	EXPECT_NE(c0, osm_test_held_by_tid(self->g, osm_test_gettid(),
					   "cred"));
}

/* Strict mode is a mode, not a filter: no seccomp node for anyone here. */
TEST_F(team, no_filter_no_seccomp_node)
{
	int i;

	for (i = 0; i < NTHREADS; i++)
		EXPECT_EQ(0, osm_test_held_count(osm_test_thread(self->g,
								 self->tid[i]),
						 "seccomp"));
}

/* ---- capabilities, groups, securebits ------------------------------ */

static int capset_raw(const struct __user_cap_data_struct d[2])
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};

	return syscall(SYS_capset, &h, d);
}

static int capget_raw(struct __user_cap_data_struct d[2])
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};

	return syscall(SYS_capget, &h, d);
}

/*
 * Child: groups 5,6,7; CAP_NET_RAW out of the bounding set; CAP_SYS_ADMIN
 * out of the effective set; CAP_NET_BIND_SERVICE inheritable and
 * ambient; SECBIT_KEEP_CAPS.  Reports the securebits it reads back.
 */
static int caps_child(int sock, void *arg)
{
	static const gid_t groups[] = { 5, 6, 7 };
	struct __user_cap_data_struct d[2];
	int bits;

	(void)arg;
	if (setgroups(3, groups))
		osm_child_fail(sock, "setgroups: %m");
	if (prctl(PR_CAPBSET_DROP, CAP_NET_RAW, 0, 0, 0))
		osm_child_fail(sock, "PR_CAPBSET_DROP: %m");
	if (capget_raw(d))
		osm_child_fail(sock, "capget: %m");
	d[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
	d[CAP_TO_INDEX(CAP_NET_BIND_SERVICE)].inheritable |=
		CAP_TO_MASK(CAP_NET_BIND_SERVICE);
	if (capset_raw(d))
		osm_child_fail(sock, "capset: %m");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_BIND_SERVICE,
		  0, 0))
		osm_child_fail(sock, "PR_CAP_AMBIENT_RAISE: %m");
	if (prctl(PR_SET_SECUREBITS, SECBIT_KEEP_CAPS, 0, 0, 0))
		osm_child_fail(sock, "PR_SET_SECUREBITS: %m");
	bits = prctl(PR_GET_SECUREBITS, 0, 0, 0, 0);
	if (bits < 0)
		osm_child_fail(sock, "PR_GET_SECUREBITS: %m");
	return osm_child_ready(sock, &bits, sizeof(bits)) ? 1 : 0;
}

TEST(caps_groups_securebits_are_status)
{
	const struct osm_node *cred;
	unsigned long long sb;
	struct osm_child c;
	struct osm_graph *g;
	int bits = -1;

	OSM_START_AND_LOAD(&c, &g, OSM_SPAWN_FORK, 0, caps_child, NULL,
			   &bits, sizeof(bits));
	expect_cred_is_status(_metadata, g, c.pid, c.pid);
	cred = osm_test_held_by_tid(g, c.pid, "cred");
	ASSERT_NE(NULL, cred);
	EXPECT_STREQ("5,6,7", osm_node__attr(cred, "groups") ?: "(none)");
	ASSERT_TRUE(osm_test_attr_ull(cred, "securebits", &sb));
	EXPECT_EQ((unsigned long long)bits, sb);
	EXPECT_EQ(osm_test_ns_ino(c.pid, "user"),
		  strtoull(osm_node__attr(cred, "userns") ?: "0", NULL, 10));
	osm_graph__free(g);
	EXPECT_EQ(0, osm_child_finish(&c));
}

/* ---- seccomp filters ---------------------------------------------- */

/* An allow-everything filter: the smallest program seccomp accepts. */
static int install_allow_all(void)
{
	struct sock_filter insn[] = {
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = 1, .filter = insn };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

/* Child: its own filter; with @arg, a forked grandchild inherits it. */
static int filter_child(int sock, void *arg)
{
	pid_t kid = 0;

	if (install_allow_all())
		osm_child_fail(sock, "seccomp filter: %m");
	if (arg && (kid = osm_child_fork_sleeper()) < 0)
		osm_child_fail(sock, "fork: %m");
	return osm_child_ready(sock, &kid, sizeof(kid)) ? 1 : 0;
}

TEST(inherited_filter_is_one_node)
{
	const struct osm_node *sc, *sk, *sd, *t;
	struct osm_child c, d;
	unsigned long long n;
	pid_t kid = 0, dkid;
	struct osm_graph *g;
	char want[32];

	ASSERT_EQ(0, osm_child_start(&d, OSM_SPAWN_FORK, 0, filter_child,
				     NULL, &dkid, sizeof(dkid)))
		TH_LOG("%m: %s", d.err);
	OSM_START_AND_LOAD(&c, &g, OSM_SPAWN_FORK, 0, filter_child,
			   (void *)1, &kid, sizeof(kid));
	ASSERT_GT(kid, 0);
	sc = osm_test_held_by_tid(g, c.pid, "seccomp");
	sk = osm_test_held_by_tid(g, kid, "seccomp");
	sd = osm_test_held_by_tid(g, d.pid, "seccomp");
	ASSERT_NE(NULL, sc);
	ASSERT_NE(NULL, sk);
	ASSERT_NE(NULL, sd);
	EXPECT_EQ(sc, sk) TH_LOG("fork shares the filter");
	EXPECT_NE(sc, sd) TH_LOG("an identical filter is another object");
	EXPECT_EQ(NULL, osm_test_held_by_tid(g, osm_test_gettid(), "seccomp"));
	ASSERT_EQ(0, osm_test_status_field(c.pid, "Seccomp_filters", want,
					   sizeof(want)));
	ASSERT_TRUE(osm_test_attr_ull(sc, "filters", &n));
	EXPECT_EQ(strtoull(want, NULL, 10), n);
	t = osm_test_thread(g, kid);
	ASSERT_NE(NULL, t);
	EXPECT_STREQ("2", osm_node__attr(t, "seccomp") ?: "(none)");
	EXPECT_STREQ("1", osm_node__attr(t, "no_new_privs") ?: "(none)");
	osm_graph__free(g);
	EXPECT_EQ(0, osm_child_finish(&c));
	EXPECT_EQ(0, osm_child_finish(&d));
}

OSM_TEST_MAIN
