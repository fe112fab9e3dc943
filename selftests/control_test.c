// SPDX-License-Identifier: GPL-2.0-only
/*
 * Facts the control rules need: whether an address space is dumpable
 * (ptrace and /proc access need CAP_SYS_PTRACE over its user namespace
 * when it is not) and who traces a thread.  The oracles are
 * prctl(PR_GET_DUMPABLE) in the child and TracerPid in
 * /proc/PID/task/TID/status.
 *
 * And CanControl itself: osm_query__can_control() on the graph against
 * what the kernel answers when processes with chosen credentials really
 * try kill(pid, 0) and PTRACE_ATTACH on each other.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <sched.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "osm_test_util.h"

/* The rules by which process @by controls process @of, per the library. */
static unsigned int control_rules(const struct osm_graph *g, pid_t of,
				  pid_t by, int scope)
{
	OSM_OPTS(osm_control_opts, opts, .ptrace_scope = scope);
	const struct osm_node *who = osm_test_process(g, by);
	struct osm_control *c;
	unsigned int r = 0;
	int i, n;

	n = osm_query__can_control(g, osm_test_process(g, of), &opts, &c);
	for (i = 0; i < n; i++)
		if (c[i].pd == who)
			r = c[i].rules;
	free(c);
	return n < 0 ? ~0U : r;
}

/* Child: set dumpable to *@arg, report what prctl reads back. */
static int dumpable_child(int sock, void *arg)
{
	int want = *(int *)arg, got;

	if (prctl(PR_SET_DUMPABLE, want, 0, 0, 0))
		osm_child_fail(sock, "PR_SET_DUMPABLE: %m");
	got = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
	return osm_child_ready(sock, &got, sizeof(got)) ? 1 : 0;
}

TEST(mm_dumpable_is_prctl)
{
	int want[2] = { 0, 1 }, got, i;
	unsigned long long d;
	struct osm_child c;
	struct osm_graph *g;

	for (i = 0; i < 2; i++) {
		OSM_START_AND_LOAD(&c, &g, OSM_SPAWN_FORK, 0, dumpable_child,
				   &want[i], &got, sizeof(got));
		ASSERT_TRUE(osm_test_attr_ull(osm_test_held_by_tid(g, c.pid,
								   "mm"),
					      "dumpable", &d));
		EXPECT_EQ((unsigned long long)got, d);
		EXPECT_EQ((unsigned long long)want[i], d);
		osm_graph__free(g);
		EXPECT_EQ(0, osm_child_finish(&c));
	}
}

/* Every thread's tracer is its TracerPid: 0, then the test once seized. */
TEST(tracer_is_tracerpid)
{
	const struct osm_node *t;
	struct osm_child c;
	struct osm_graph *g;
	char want[32];
	int round;

	ASSERT_EQ(0, osm_child_start(&c, OSM_SPAWN_FORK, 0, osm_child_idle,
				     NULL, NULL, 0)) TH_LOG("%s", c.err);
	for (round = 0; round < 2; round++) {
		/* A seize does not stop the child: it stays ready. */
		if (round)
			ASSERT_EQ(0, ptrace(PTRACE_SEIZE, c.pid, 0, 0))
				TH_LOG("PTRACE_SEIZE: %m");
		g = osm_test_load();
		ASSERT_NE(NULL, g);
		t = osm_test_thread(g, c.pid);
		ASSERT_NE(NULL, t);
		ASSERT_EQ(0, osm_test_task_status_field(c.pid, c.pid,
							"TracerPid", want,
							sizeof(want)));
		EXPECT_STREQ(want, osm_node__attr(t, "tracer") ?: "(none)");
		EXPECT_EQ(round ? getpid() : 0, atoi(want));
		/* CanControl names the tracer once it traces, by that rule. */
		EXPECT_EQ(round ? OSM_CONTROL_TRACER : 0,
			  control_rules(g, c.pid, getpid(), 0) &
			  OSM_CONTROL_TRACER);
		/* And the test, which forked it, as its parent. */
		EXPECT_TRUE(control_rules(g, c.pid, getpid(), 0) &
			    OSM_CONTROL_PARENT);
		osm_graph__free(g);
	}
	/* The tracer is the parent too: it reaps the child as usual. */
	EXPECT_EQ(0, osm_child_finish(&c));
}

/* ---- CanControl against real kill(2) and PTRACE_ATTACH -------------- */

/* Credentials a scenario process takes; keep_root leaves them alone. */
struct cspec {
	const char *name;
	bool keep_root;
	uid_t uid, euid, suid;
	gid_t gid;
	uint64_t caps;		/* permitted and effective */
	int dumpable;		/* -1: as the credential change left it */
	bool newns;		/* then unshare(CLONE_NEWUSER) */
};

#define CAPB(c)		(1ULL << (c))
#define SPEC(n, u, e, s, g, c, d) { n, false, u, e, s, g, c, d, false }
#define NSSPEC(n, u, g, d) { n, false, u, u, u, g, 0, d, true }

/*
 * Targets: uid/gid matches, a gid mismatch, not dumpable, mixed uids, a
 * user namespace of its own (owner 3000: s3000 and s1000e3000, by euid,
 * have every capability in it).
 */
static const struct cspec targets[] = {
	SPEC("t1000", 1000, 1000, 1000, 1000, 0, 1),
	SPEC("t1000g1001", 1000, 1000, 1000, 1001, 0, 1),
	SPEC("t1000nodump", 1000, 1000, 1000, 1000, 0, 0),
	SPEC("t2000", 2000, 2000, 2000, 2000, 0, 1),
	SPEC("t3000e1000", 3000, 1000, 3000, 3000, 0, 1),
	NSSPEC("t3000ns", 3000, 3000, 1),
	{ "troot", true, 0, 0, 0, 0, 0, -1, false },
};

/*
 * Subjects: plain users, one capability each, root without capabilities.
 * Each forks a child of its own; s1000 and s2000 stay dumpable, so that
 * child is theirs to attach by uid, and under Yama scope 1 only theirs.
 * s2000ns has every capability, in a user namespace of its own: none
 * over t2000, whose uid it shares (kill yes, PTRACE_ATTACH no).
 */
static const struct cspec subjects[] = {
	SPEC("s1000", 1000, 1000, 1000, 1000, 0, 1),
	SPEC("s1000g1001", 1000, 1000, 1000, 1001, 0, -1),
	SPEC("s2000", 2000, 2000, 2000, 2000, 0, 1),
	SPEC("s2000kill", 2000, 2000, 2000, 2000, CAPB(CAP_KILL), -1),
	SPEC("s2000ptrace", 2000, 2000, 2000, 2000, CAPB(CAP_SYS_PTRACE), -1),
	SPEC("s3000", 3000, 3000, 3000, 3000, 0, -1),
	SPEC("s1000e3000", 1000, 3000, 1000, 1000, 0, -1),
	SPEC("rootnocaps", 0, 0, 0, 0, 0, -1),
	NSSPEC("s2000ns", 2000, 2000, 1),
	{ "root", true, 0, 0, 0, 0, 0, -1, false },
};

/* The checks below name subjects and targets by index. */
#define NT	(sizeof(targets) / sizeof(targets[0]))
#define NS	(sizeof(subjects) / sizeof(subjects[0]))

#define GOT_KILL	1
#define GOT_PTRACE	2
#define GOT_ERROR	0x80

static int take_creds(const struct cspec *c)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2];

	if (!c->keep_root) {
		if (setgroups(0, NULL) ||
		    prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) ||
		    setresgid(c->gid, c->gid, c->gid) ||
		    setresuid(c->uid, c->euid, c->suid))
			return -1;
		memset(d, 0, sizeof(d));
		d[0].permitted = d[0].effective = (uint32_t)c->caps;
		d[1].permitted = d[1].effective = (uint32_t)(c->caps >> 32);
		if (syscall(SYS_capset, &h, d))
			return -1;
	}
	/* Every capability in a user namespace its own uid owns. */
	if (c->newns && unshare(CLONE_NEWUSER))
		return -1;
	/* A credential change made the mm non-dumpable: set it back. */
	if (c->dumpable >= 0 && prctl(PR_SET_DUMPABLE, c->dumpable, 0, 0, 0))
		return -1;
	return 0;
}

/* What a scenario process reports: its attempts, and its own child. */
struct report {
	unsigned char got[NT + 1];	/* the targets, then its child */
	pid_t child;
	bool error;
};

static unsigned char attempt(pid_t t)
{
	unsigned char r = 0;
	int st;

	if (!kill(t, 0))
		r |= GOT_KILL;
	else if (errno != EPERM)
		r |= GOT_ERROR;
	if (!ptrace(PTRACE_ATTACH, t, 0, 0)) {
		r |= GOT_PTRACE;
		if (waitpid(t, &st, __WALL) != t ||
		    ptrace(PTRACE_DETACH, t, 0, 0))
			r |= GOT_ERROR;
	} else if (errno != EPERM) {
		r |= GOT_ERROR;
	}
	return r;
}

/*
 * Fork a process that takes @c.  A subject (@t not NULL) also forks a
 * child of its own (a descendant, for Yama's scope 1), then tries kill
 * and PTRACE_ATTACH on the @nt targets and on that child, and reports.
 */
static pid_t start(const struct cspec *c, const pid_t *t, size_t nt,
		   struct report *rep)
{
	struct report r;
	int p[2], st;
	size_t j;
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		close(p[0]);
		memset(&r, 0, sizeof(r));
		r.error = take_creds(c) != 0;
		if (!r.error && t) {
			r.child = fork();
			if (!r.child)
				for (;;)
					pause();
			r.error = r.child < 0;
		}
		for (j = 0; !r.error && t && j < nt; j++)
			r.got[j] = attempt(t[j]);
		if (!r.error && t)
			r.got[NT] = attempt(r.child);
		if (write(p[1], &r, sizeof(r)) != sizeof(r))
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	if (read(p[0], &r, sizeof(r)) != sizeof(r))
		r.error = true;
	close(p[0]);
	if (r.error) {
		if (r.child > 0)
			kill(r.child, SIGKILL);
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		return -1;
	}
	if (rep)
		*rep = r;
	return pid;
}

static int yama_scope(void)
{
	FILE *f = fopen("/proc/sys/kernel/yama/ptrace_scope", "re");
	int v = 0;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/*
 * Every subject against every target, under the current Yama scope: the
 * library's signal and ptrace answers, from the graph read as root, are
 * the kernel's.
 */
static void check_matrix(struct __test_metadata *_metadata, int scope)
{
	unsigned char seen[4] = { 0 };
	struct report rep[NS];
	pid_t tp[NT], sp[NS];
	struct osm_graph *g;
	size_t i, j;
	int st;

	TH_LOG("yama ptrace_scope %d", scope);
	for (j = 0; j < NT; j++) {
		tp[j] = start(&targets[j], NULL, 0, NULL);
		ASSERT_GT(tp[j], 0) TH_LOG("target %s", targets[j].name);
	}
	/* One at a time: a target has one tracer at once. */
	for (i = 0; i < NS; i++) {
		sp[i] = start(&subjects[i], tp, NT, &rep[i]);
		ASSERT_GT(sp[i], 0) TH_LOG("subject %s", subjects[i].name);
	}
	g = osm_test_load();
	ASSERT_NE(NULL, g);
	for (i = 0; i < NS; i++) {
		/* The last target is the subject's own child. */
		for (j = 0; j <= NT; j++) {
			pid_t tj = j < NT ? tp[j] : rep[i].child;
			unsigned int r = control_rules(g, tj, sp[i], scope);
			bool ks = rep[i].got[j] & GOT_KILL;
			bool ps = rep[i].got[j] & GOT_PTRACE;
			const char *tn = j < NT ? targets[j].name : "its child";

			EXPECT_EQ(0, rep[i].got[j] & GOT_ERROR);
			ASSERT_NE(~0U, r);
			EXPECT_EQ(ks, !!(r & OSM_CONTROL_SIGNAL))
				TH_LOG("scope %d: %s kill %s: kernel %d", scope,
				       subjects[i].name, tn, ks);
			EXPECT_EQ(ps, !!(r & OSM_CONTROL_PTRACE))
				TH_LOG("scope %d: %s attach %s: kernel %d",
				       scope, subjects[i].name, tn, ps);
			seen[ks * 2 + ps] = 1;
		}
	}
	/* Under scope 1, s1000 attaches its child and not its peer t1000. */
	if (scope == 1) {
		EXPECT_TRUE(rep[0].got[NT] & GOT_PTRACE);
		EXPECT_FALSE(rep[0].got[0] & GOT_PTRACE);
	}
	/*
	 * The user namespace cases happened as planned: s1000e3000 attaches
	 * t3000ns as the owner of its namespace, s2000ns may kill t2000 but
	 * not attach it.
	 */
	if (scope == 0) {
		EXPECT_TRUE(rep[6].got[5] & GOT_PTRACE);
		EXPECT_TRUE(rep[8].got[3] & GOT_KILL);
		EXPECT_FALSE(rep[8].got[3] & GOT_PTRACE);
	}
	/* The scenario exercised both answers of both rules. */
	EXPECT_TRUE(seen[0]);
	EXPECT_TRUE(seen[2]);
	if (scope < 3)
		EXPECT_TRUE(seen[1] && seen[3]);
	osm_graph__free(g);
	for (i = 0; i < NS; i++) {
		kill(rep[i].child, SIGKILL);
		kill(sp[i], SIGKILL);
	}
	for (j = 0; j < NT; j++)
		kill(tp[j], SIGKILL);
	for (i = 0; i < NS; i++)
		waitpid(sp[i], &st, 0);
	for (j = 0; j < NT; j++)
		waitpid(tp[j], &st, 0);
}

static int set_yama_scope(int v)
{
	FILE *f = fopen("/proc/sys/kernel/yama/ptrace_scope", "we");
	int ok;

	if (!f)
		return -1;
	ok = fprintf(f, "%d\n", v) > 0;
	return fclose(f) || !ok ? -1 : 0;
}

/*
 * The system's own Yama scope, then (where Yama is built in) scopes 0,
 * 1 and 2 in turn, and the original back.  Scope 3 is never set: it
 * cannot be undone until reboot.
 */
TEST(can_control_is_kill_and_ptrace_attach)
{
	int orig = yama_scope(), scope;

	ASSERT_GE(orig, 0);
	ASSERT_LE(orig, 3);
	check_matrix(_metadata, orig);
	if (access("/proc/sys/kernel/yama/ptrace_scope", F_OK) || orig == 3) {
		TH_LOG("no Yama to switch: only scope %d checked", orig);
		return;
	}
	for (scope = 0; scope <= 2; scope++) {
		if (scope == orig)
			continue;
		ASSERT_EQ(0, set_yama_scope(scope)) TH_LOG("set scope: %m");
		check_matrix(_metadata, scope);
		ASSERT_EQ(0, set_yama_scope(orig)) TH_LOG("restore: %m");
	}
}

OSM_TEST_MAIN
