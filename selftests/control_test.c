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
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
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

/* The kernel's rules for thread @s over thread @t, per the module. */
static int module_rules(int fd, pid_t s, pid_t t, struct osm_control_check *cc)
{
	memset(cc, 0, sizeof(*cc));
	cc->subject = s;
	cc->target = t;
	return osm_ioc_control_check(fd, cc);
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
	bool ptracer_any;	/* then PR_SET_PTRACER_ANY (Yama) */
};

#define CAPB(c)		(1ULL << (c))
#define SPEC(n, u, e, s, g, c, d) { n, false, u, e, s, g, c, d, false, false }
#define NSSPEC(n, u, g, d) { n, false, u, u, u, g, 0, d, true, false }

/*
 * Targets: uid/gid matches, a gid mismatch, not dumpable, mixed uids, a
 * user namespace of its own (owner 3000: s3000 and s1000e3000, by euid,
 * have every capability in it), and the same not dumpable: its mm stays
 * in the initial user namespace (no exec since the unshare), where
 * ptrace then wants CAP_SYS_PTRACE.
 */
static const struct cspec targets[] = {
	SPEC("t1000", 1000, 1000, 1000, 1000, 0, 1),
	SPEC("t1000g1001", 1000, 1000, 1000, 1001, 0, 1),
	SPEC("t1000nodump", 1000, 1000, 1000, 1000, 0, 0),
	SPEC("t2000", 2000, 2000, 2000, 2000, 0, 1),
	SPEC("t3000e1000", 3000, 1000, 3000, 3000, 0, 1),
	NSSPEC("t3000ns", 3000, 3000, 1),
	{ "troot", true, 0, 0, 0, 0, 0, -1, false, false },
	NSSPEC("t3000nsnodump", 3000, 3000, 0),
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
	{ "root", true, 0, 0, 0, 0, 0, -1, false, false },
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
	if (c->ptracer_any &&
	    prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0))
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

/* The index of subject @name (the checks below name a few). */
static size_t subject(const char *name)
{
	size_t i;

	for (i = 0; i < NS && strcmp(subjects[i].name, name); i++)
		;
	return i;
}

/* What the kernel answered: GOT_* bits per subject and target. */
typedef unsigned char outcome_t[NS][NT + 1];

#define OSM_CLI		"/usr/bin/osm"

/*
 * "osm -j query control @t", with "--ptrace-scope @arg" or (NULL) the
 * scope the tool reads from the system: its JSON in @buf, 0 on success.
 */
static int cli_control(pid_t t, const char *arg, char *buf, size_t len)
{
	char pid[16], *args[] = { "osm", "-j", "query", "control", pid,
				  "--ptrace-scope", (char *)arg, NULL };
	size_t n = 0;
	char sink[4096];
	int p[2], st;
	bool cut = false;
	ssize_t k;
	pid_t c;

	snprintf(pid, sizeof(pid), "%d", (int)t);
	if (!arg)
		args[5] = NULL;
	if (pipe(p))
		return -1;
	c = fork();
	if (c < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (!c) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		execv(OSM_CLI, args);
		_exit(127);
	}
	close(p[1]);
	for (;;) {
		if (n < len - 1)
			k = read(p[0], buf + n, len - 1 - n);
		else
			k = read(p[0], sink, sizeof(sink));
		if (k <= 0)
			break;
		if (n < len - 1)
			n += k;
		else
			cut = true;
	}
	buf[n] = '\0';
	close(p[0]);
	if (waitpid(c, &st, 0) != c)
		return -1;
	return !cut && WIFEXITED(st) && !WEXITSTATUS(st) ? 0 : -1;
}

/* Signal and ptrace of process @s in cli_control()'s JSON @json. */
static unsigned int cli_rules(const char *json, pid_t s)
{
	const char *p, *end;
	unsigned int r = 0;
	char key[48];

	snprintf(key, sizeof(key), "\"pd\":\"process:%d\"", (int)s);
	p = strstr(json, key);
	if (!p)
		return 0;	/* not a controller */
	p = strstr(p, "\"rules\":[");
	end = p ? strchr(p, ']') : NULL;
	if (!end)
		return ~0U;
	if (memmem(p, end - p, "\"signal\"", 8))
		r |= OSM_CONTROL_SIGNAL;
	if (memmem(p, end - p, "\"ptrace\"", 8))
		r |= OSM_CONTROL_PTRACE;
	return r;
}

/*
 * The osm tool's answer for every target of the matrix, as the kernel
 * gave it; "--ptrace-scope @arg", or the system's scope (NULL).
 */
static void check_cli(struct __test_metadata *_metadata, int scope,
		      const char *arg, const pid_t *tp, const pid_t *sp,
		      const struct report *rep)
{
	static char buf[1 << 18];
	size_t i, j, pairs = 0, agree = 0;
	char want[32];

	snprintf(want, sizeof(want), "\"ptrace_scope\":%d,", scope);
	for (j = 0; j < NT + NS; j++) {
		pid_t t = j < NT ? tp[j] : rep[j - NT].child;

		ASSERT_EQ(0, cli_control(t, arg, buf, sizeof(buf)))
			TH_LOG("osm query control %d %s%s: %s", (int)t,
			       arg ? "--ptrace-scope " : "", arg ?: "", buf);
		EXPECT_NE(NULL, strstr(buf, want)) TH_LOG("%s", buf);
		for (i = 0; i < NS; i++) {
			/* A subject's own child: only it tried. */
			size_t k = j < NT ? j : NT;
			unsigned int r = cli_rules(buf, sp[i]);
			bool ks = rep[i].got[k] & GOT_KILL;
			bool ps = rep[i].got[k] & GOT_PTRACE;

			if (j >= NT && j - NT != i)
				continue;
			EXPECT_EQ(ks, !!(r & OSM_CONTROL_SIGNAL))
				TH_LOG("osm %s: %s kill %s: kernel %d",
				       arg ?: "(system scope)", subjects[i].name,
				       j < NT ? targets[j].name : "its child",
				       ks);
			EXPECT_EQ(ps, !!(r & OSM_CONTROL_PTRACE))
				TH_LOG("osm %s: %s attach %s: kernel %d",
				       arg ?: "(system scope)", subjects[i].name,
				       j < NT ? targets[j].name : "its child",
				       ps);
			agree += ks == !!(r & OSM_CONTROL_SIGNAL) &&
				 ps == !!(r & OSM_CONTROL_PTRACE);
			pairs++;
		}
	}
	TH_LOG("osm query control %s: %zu pairs, %zu agreeing with the kernel",
	       arg ? "--ptrace-scope N" : "(system scope)", pairs, agree);
	EXPECT_EQ(pairs, agree);
}

/*
 * Every subject against every target, under the current Yama scope: the
 * library's signal and ptrace answers, from the graph read as root, are
 * the kernel's.  The kernel's answers go to @got (if not NULL); with
 * @cli, the osm tool's answers are checked too, with the scope it reads
 * from the system and with --ptrace-scope @scope.
 */
static void check_matrix(struct __test_metadata *_metadata, int scope,
			 outcome_t got, bool cli)
{
	bool yama = !access("/proc/sys/kernel/yama/ptrace_scope", F_OK);
	unsigned char seen[4] = { 0 };
	size_t pairs = 0, agree = 0, capped = 0;
	struct report rep[NS];
	int fd;
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
	fd = open(osm_test_device(), O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("open: %m");
	for (i = 0; i < NS; i++) {
		/* The last target is the subject's own child. */
		for (j = 0; j <= NT; j++) {
			pid_t tj = j < NT ? tp[j] : rep[i].child;
			unsigned int r = control_rules(g, tj, sp[i], scope);
			bool ks = rep[i].got[j] & GOT_KILL;
			bool ps = rep[i].got[j] & GOT_PTRACE;
			const char *tn = j < NT ? targets[j].name : "its child";
			struct osm_control_check cc;

			EXPECT_EQ(0, rep[i].got[j] & GOT_ERROR);
			ASSERT_NE(~0U, r);
			EXPECT_EQ(ks, !!(r & OSM_CONTROL_SIGNAL))
				TH_LOG("scope %d: %s kill %s: kernel %d", scope,
				       subjects[i].name, tn, ks);
			EXPECT_EQ(ps, !!(r & OSM_CONTROL_PTRACE))
				TH_LOG("scope %d: %s attach %s: kernel %d",
				       scope, subjects[i].name, tn, ps);
			/* The third leg: the module's check of the pair. */
			ASSERT_EQ(0, module_rules(fd, sp[i], tj, &cc))
				TH_LOG("control check: %m");
			EXPECT_EQ(ks, !!(cc.rules & OSM_CTL_SIGNAL))
				TH_LOG("scope %d: %s kill %s: kernel %d, module steps %#llx",
				       scope, subjects[i].name, tn, ks,
				       (unsigned long long)cc.steps);
			EXPECT_EQ(ps, !!(cc.rules & OSM_CTL_PTRACE))
				TH_LOG("scope %d: %s attach %s: kernel %d, module steps %#llx",
				       scope, subjects[i].name, tn, ps,
				       (unsigned long long)cc.steps);
			/* Parent and tracer: the library's, bit for bit. */
			EXPECT_EQ(r & (OSM_CONTROL_PARENT | OSM_CONTROL_TRACER),
				  cc.rules & (OSM_CTL_PARENT | OSM_CTL_TRACER));
			EXPECT_EQ(j == NT, !!(cc.rules & OSM_CTL_PARENT));
			EXPECT_EQ(yama ? (unsigned int)scope : OSM_CTL_NO_YAMA,
				  cc.ptrace_scope);
			/*
			 * Under scope 3 Yama refuses every pair, those
			 * that hold CAP_SYS_PTRACE over the target too.
			 */
			if (scope == 3) {
				EXPECT_FALSE(cc.steps & OSM_CTL_S_YAMA)
					TH_LOG("%s attach %s: steps %#llx",
					       subjects[i].name, tn,
					       (unsigned long long)cc.steps);
				capped += !!(cc.steps & OSM_CTL_S_PTRACE_CAP);
			}
			if (got)
				got[i][j] = rep[i].got[j];
			seen[ks * 2 + ps] = 1;
			agree += ks == !!(cc.rules & OSM_CTL_SIGNAL) &&
				 ps == !!(cc.rules & OSM_CTL_PTRACE) &&
				 ks == !!(r & OSM_CONTROL_SIGNAL) &&
				 ps == !!(r & OSM_CONTROL_PTRACE);
			pairs++;
		}
	}
	/* The test forked every target: their parent, by both. */
	for (j = 0; j < NT; j++) {
		struct osm_control_check cc;

		ASSERT_EQ(0, module_rules(fd, getpid(), tp[j], &cc));
		EXPECT_TRUE(cc.rules & OSM_CTL_PARENT);
		EXPECT_TRUE(control_rules(g, tp[j], getpid(), scope) &
			    OSM_CONTROL_PARENT);
	}
	close(fd);
	TH_LOG("scope %d: %zu pairs, %zu with library, module and kernel agreeing",
	       scope, pairs, agree);
	EXPECT_EQ(pairs, agree);
	if (scope == 3) {
		TH_LOG("scope 3: %zu pairs where the subject has CAP_SYS_PTRACE over the target, refused all the same",
		       capped);
		EXPECT_LT(0, capped);
	}
	if (cli && access(OSM_CLI, X_OK)) {
		TH_LOG("no %s in this image: the tool's answers not checked",
		       OSM_CLI);
	} else if (cli) {
		char arg[8];

		snprintf(arg, sizeof(arg), "%d", scope);
		check_cli(_metadata, scope, NULL, tp, sp, rep);
		check_cli(_metadata, scope, arg, tp, sp, rep);
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
		/* Not dumpable: no capability over the mm's namespace. */
		EXPECT_FALSE(rep[6].got[7] & GOT_PTRACE);
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

/* ---- the mm's user namespace (1.7) ---------------------------------- */

/*
 * Child: unshare(CLONE_NEWUSER) and report; on the next step exec the
 * test binary (which reports from its new image).
 */
static int userns_exec_child(int sock, void *arg)
{
	char fdstr[16];
	int fd;

	(void)arg;
	if (unshare(CLONE_NEWUSER))
		osm_child_fail(sock, "unshare: %m");
	if (osm_child_ready(sock, NULL, 0))
		return 1;
	fd = fcntl(sock, F_DUPFD, 3);	/* without FD_CLOEXEC */
	if (fd < 0)
		osm_child_fail(sock, "dup: %m");
	snprintf(fdstr, sizeof(fdstr), "%d", fd);
	execl("/proc/self/exe", "/proc/self/exe", OSM_TEST_WAIT_ARG, fdstr,
	      (char *)NULL);
	osm_child_fail(sock, "exec: %m");
}

/* The inode number of the user_ns node @mm's owner edge points at. */
static unsigned long long mm_userns(const struct osm_graph *g, pid_t tid)
{
	const struct osm_node *mm = osm_test_held_by_tid(g, tid, "mm");
	const struct osm_edge *e[2];
	unsigned long long v;

	if (!mm || osm_test_out(mm, "owner", "user_ns", e, 2) != 1 ||
	    !osm_test_attr_ull(osm_edge__dst(e[0]), "inum", &v))
		return 0;
	return v;
}

/*
 * The mm's owner is the user namespace of the credentials it was created
 * with: the parent's until the child execs in its new namespace, then
 * that one.  Oracles: /proc/PID/ns/user of the test and of the child.
 */
TEST(mm_user_ns_is_exec_time_cred_ns)
{
	unsigned long long mine = osm_test_ns_ino(getpid(), "user");
	unsigned long long theirs, cns;
	const struct osm_node *cred;
	struct osm_child c;
	struct osm_graph *g;

	ASSERT_NE(0, mine);
	ASSERT_EQ(0, osm_child_start(&c, OSM_SPAWN_FORK, 0, userns_exec_child,
				     NULL, NULL, 0)) TH_LOG("%s", c.err);
	theirs = osm_test_ns_ino(c.pid, "user");
	ASSERT_NE(0, theirs);
	ASSERT_NE(mine, theirs);
	g = osm_test_load();
	ASSERT_NE(NULL, g);
	cred = osm_test_held_by_tid(g, c.pid, "cred");
	ASSERT_TRUE(osm_test_attr_ull(cred, "userns", &cns));
	EXPECT_EQ(theirs, cns);
	EXPECT_EQ(mine, mm_userns(g, c.pid));
	osm_graph__free(g);

	ASSERT_EQ(0, osm_child_step(&c, NULL, 0)) TH_LOG("%s", c.err);
	g = osm_test_load();
	ASSERT_NE(NULL, g);
	EXPECT_EQ(theirs, mm_userns(g, c.pid));
	osm_graph__free(g);
	EXPECT_EQ(0, osm_child_finish(&c));
}

/* ---- OSM_IOC_CONTROL_CHECK: the struct's edges ------------------------ */

struct big_check {
	struct osm_control_check cc;
	uint64_t tail[2];
};

static int raw_check(int fd, void *arg)
{
	return ioctl(fd, OSM_IOC_CONTROL_CHECK, arg) ? -errno : 0;
}

TEST(control_check_validates)
{
	int fd = open(osm_test_device(), O_RDONLY | O_CLOEXEC);
	struct osm_control_check cc;
	struct big_check big;
	char *page;

	ASSERT_LE(0, fd);
#define FRESH() do {							\
		memset(&cc, 0, sizeof(cc));				\
		cc.size = sizeof(cc);					\
		cc.subject = getpid();					\
		cc.target = getpid();					\
	} while (0)
	FRESH();
	EXPECT_EQ(0, raw_check(fd, &cc));
	/* Itself: one process, may signal, may not attach. */
	EXPECT_EQ(OSM_CTL_SIGNAL, cc.rules & (OSM_CTL_SIGNAL | OSM_CTL_PTRACE));
	EXPECT_TRUE(cc.steps & OSM_CTL_S_SAME_PROCESS);
	FRESH();
	cc.size = OSM_CONTROL_CHECK_SIZE_VER0 - 8;
	EXPECT_EQ(-EINVAL, raw_check(fd, &cc));
	FRESH();
	cc.flags = 1;
	EXPECT_EQ(-EINVAL, raw_check(fd, &cc));
	FRESH();
	cc.__reserved0 = 1;
	EXPECT_EQ(-EINVAL, raw_check(fd, &cc));
	FRESH();
	cc.__reserved[1] = 1;
	EXPECT_EQ(-EINVAL, raw_check(fd, &cc));
	FRESH();
	cc.rules = OSM_CTL_SIGNAL;	/* out fields are zero on input */
	EXPECT_EQ(-EINVAL, raw_check(fd, &cc));
	FRESH();
	cc.ptrace_scope = 1;
	EXPECT_EQ(-EINVAL, raw_check(fd, &cc));
	FRESH();
	cc.target = 0;
	EXPECT_EQ(-EINVAL, raw_check(fd, &cc));
	FRESH();
	cc.subject = 1ULL << 40;
	EXPECT_EQ(-EINVAL, raw_check(fd, &cc));
	/* A larger struct with a zero tail is fine, a non-zero tail not. */
	memset(&big, 0, sizeof(big));
	big.cc.size = sizeof(big);
	big.cc.subject = big.cc.target = getpid();
	EXPECT_EQ(0, raw_check(fd, &big));
	EXPECT_EQ(0, big.tail[0] | big.tail[1]);
	memset(&big, 0, sizeof(big));
	big.cc.size = sizeof(big);
	big.cc.subject = big.cc.target = getpid();
	big.tail[1] = 1;
	EXPECT_EQ(-E2BIG, raw_check(fd, &big));
	page = calloc(1, 8192);
	ASSERT_NE(NULL, page);
	memcpy(page, &cc, sizeof(cc));
	((struct osm_control_check *)page)->size = 4097;
	((struct osm_control_check *)page)->rules = 0;
	EXPECT_EQ(-E2BIG, raw_check(fd, page));
	free(page);
	/* A thread that is gone. */
	{
		pid_t p = fork();
		int st;

		ASSERT_LE(0, p);
		if (!p)
			_exit(0);
		ASSERT_EQ(p, waitpid(p, &st, 0));
		FRESH();
		cc.target = p;
		EXPECT_EQ(-ESRCH, raw_check(fd, &cc));
	}
	/* An unknown command of the same number. */
	EXPECT_EQ(-1, ioctl(fd, _IOR(OSM_IOC_MAGIC, 0x04,
				     struct osm_control_check), &cc));
	EXPECT_EQ(ENOTTY, errno);
#undef FRESH
	close(fd);
}

/*
 * An unprivileged opener asks only about what it may inspect: its own
 * processes yes, root's no (-ESRCH, as if absent).  Oracle: what /proc
 * shows it (/proc/PID/maps opens for the one, not the other).
 */
TEST(control_check_needs_view)
{
	int p[2], st, res[4];
	pid_t pid;

	ASSERT_EQ(0, pipe(p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct osm_control_check cc;
		char path[64];
		int fd, r[4];

		close(p[0]);
		/* The uid change made it non-dumpable: undo that. */
		if (setgroups(0, NULL) || setresgid(1000, 1000, 1000) ||
		    setresuid(1000, 1000, 1000) ||
		    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0))
			_exit(1);
		fd = open(osm_test_device(), O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			_exit(2);
		memset(&cc, 0, sizeof(cc));
		cc.subject = getpid();
		cc.target = getppid();
		r[0] = osm_ioc_control_check(fd, &cc);
		cc.subject = getppid();
		cc.target = getpid();
		r[1] = osm_ioc_control_check(fd, &cc);
		cc.subject = getpid();
		cc.target = getpid();
		r[2] = osm_ioc_control_check(fd, &cc);
		snprintf(path, sizeof(path), "/proc/%d/maps", (int)getppid());
		r[3] = open(path, O_RDONLY | O_CLOEXEC) < 0 ? -errno : 0;
		if (write(p[1], r, sizeof(r)) != sizeof(r))
			_exit(3);
		_exit(0);
	}
	close(p[1]);
	ASSERT_EQ(sizeof(res), read(p[0], res, sizeof(res)));
	close(p[0]);
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_EQ(0, st);
	EXPECT_EQ(-EACCES, res[3]);	/* /proc hides root's maps */
	EXPECT_EQ(-ESRCH, res[0]);
	EXPECT_EQ(-ESRCH, res[1]);
	EXPECT_EQ(0, res[2]);
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
	check_matrix(_metadata, orig, NULL, false);
	if (access("/proc/sys/kernel/yama/ptrace_scope", F_OK) || orig == 3) {
		TH_LOG("no Yama to switch: only scope %d checked", orig);
		return;
	}
	for (scope = 0; scope <= 2; scope++) {
		if (scope == orig)
			continue;
		ASSERT_EQ(0, set_yama_scope(scope)) TH_LOG("set scope: %m");
		check_matrix(_metadata, scope, NULL, false);
		ASSERT_EQ(0, set_yama_scope(orig)) TH_LOG("restore: %m");
	}
}

/* ---- Yama's ptrace_scope 3: set once, last thing in a boot ----------- */

/*
 * Scope 3 (no attach at all) cannot be set back until reboot: this
 * fixture runs only when OSM_TEST_YAMA_SCOPE3=1 asks for it (vm/init.sh,
 * after every other test step), and never by default (main() below).
 */
#define YAMA3_ENV	"OSM_TEST_YAMA_SCOPE3"

/*
 * Under scope 3 a target that declared any tracer (PR_SET_PTRACER_ANY)
 * is attached by no one, subjects @a and @b included: by the kernel, the
 * library and the module alike.
 */
static void check_declared_tracer(struct __test_metadata *_metadata,
				  const struct cspec *any, size_t a, size_t b)
{
	size_t who[2] = { a, b }, i;
	struct report rep[2];
	struct osm_graph *g;
	pid_t t, s[2];
	int fd, st;

	t = start(any, NULL, 0, NULL);
	ASSERT_LT(0, t);
	for (i = 0; i < 2; i++) {
		s[i] = start(&subjects[who[i]], &t, 1, &rep[i]);
		ASSERT_LT(0, s[i]);
		EXPECT_EQ(GOT_KILL, rep[i].got[0])
			TH_LOG("%s on %s", subjects[who[i]].name, any->name);
		EXPECT_EQ(0, rep[i].got[NT] & GOT_PTRACE);
	}
	g = osm_test_load();
	ASSERT_NE(NULL, g);
	fd = open(osm_test_device(), O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	for (i = 0; i < 2; i++) {
		struct osm_control_check cc;

		EXPECT_EQ(OSM_CONTROL_SIGNAL,
			  control_rules(g, t, s[i], 3) &
			  (OSM_CONTROL_SIGNAL | OSM_CONTROL_PTRACE));
		ASSERT_EQ(0, module_rules(fd, s[i], t, &cc));
		EXPECT_EQ(OSM_CTL_SIGNAL,
			  cc.rules & (OSM_CTL_SIGNAL | OSM_CTL_PTRACE));
		kill(rep[i].child, SIGKILL);
		kill(s[i], SIGKILL);
		waitpid(s[i], &st, 0);
	}
	close(fd);
	osm_graph__free(g);
	kill(t, SIGKILL);
	waitpid(t, &st, 0);
}

FIXTURE(yama_scope_3) {};
FIXTURE_SETUP(yama_scope_3) {}
FIXTURE_TEARDOWN(yama_scope_3) {}

/*
 * The matrix at scope 0 (unless the system is at 3 already), then at
 * scope 3: the library (the scope read from the system, and 3 given),
 * the osm tool (likewise), the module's check and the kernel agree on
 * every pair; no one attaches, CAP_SYS_PTRACE and root included, while
 * every signal answer is the one scope 0 gave.
 */
TEST_F_TIMEOUT(yama_scope_3, can_control_is_kill_and_ptrace_attach,
	       2 * OSM_TIMEOUT)
{
	static const struct cspec any = {
		"t1000ptracerany", false, 1000, 1000, 1000, 1000, 0, 1, false,
		true,
	};
	size_t root = subject("root"), capp = subject("s2000ptrace");
	size_t s1000 = subject("s1000"), i, j;
	static outcome_t before, after;
	int orig = yama_scope(), st;
	struct report rep;
	bool base;
	pid_t t, s;

	(void)self;
	if (access("/proc/sys/kernel/yama/ptrace_scope", F_OK))
		SKIP(return, "no Yama in this kernel");
	ASSERT_STREQ("1", getenv(YAMA3_ENV) ?: "");
	ASSERT_GE(orig, 0);
	base = orig != 3;
	if (base) {
		ASSERT_EQ(0, set_yama_scope(0)) TH_LOG("set scope 0: %m");
		check_matrix(_metadata, 0, before, false);
		/*
		 * Yama's PR_SET_PTRACER exception under scope 1: s1000 may
		 * attach a process of its uid that declared any tracer.
		 */
		ASSERT_EQ(0, set_yama_scope(1)) TH_LOG("set scope 1: %m");
		t = start(&any, NULL, 0, NULL);
		ASSERT_LT(0, t);
		s = start(&subjects[s1000], &t, 1, &rep);
		ASSERT_LT(0, s);
		EXPECT_EQ(GOT_KILL | GOT_PTRACE, rep.got[0]);
		kill(rep.child, SIGKILL);
		kill(s, SIGKILL);
		kill(t, SIGKILL);
		waitpid(s, &st, 0);
		waitpid(t, &st, 0);
	} else {
		TH_LOG("ptrace_scope is 3 already: no scope 0 to compare with");
	}
	ASSERT_EQ(0, set_yama_scope(3)) TH_LOG("set scope 3: %m");
	ASSERT_EQ(3, yama_scope());
	/* Yama locks it: no way back until reboot. */
	EXPECT_NE(0, set_yama_scope(0));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(3, yama_scope());

	check_matrix(_metadata, yama_scope(), after, true);
	for (i = 0; i < NS; i++)
		for (j = 0; j <= NT; j++) {
			/* Nobody attaches; signals are as under scope 0. */
			EXPECT_EQ(0, after[i][j] & GOT_PTRACE)
				TH_LOG("%s attached target %zu", subjects[i].name,
				       j);
			if (base)
				EXPECT_EQ(before[i][j] & GOT_KILL,
					  after[i][j] & GOT_KILL)
					TH_LOG("%s kill target %zu: %d at scope 0, %d at 3",
					       subjects[i].name, j,
					       before[i][j] & GOT_KILL,
					       after[i][j] & GOT_KILL);
		}
	/* CAP_SYS_PTRACE (alone, or root's) attached at 0 and not at 3. */
	for (j = 0; base && j < NT; j++)
		EXPECT_TRUE(before[root][j] & GOT_PTRACE)
			TH_LOG("root at scope 0: %s", targets[j].name);
	if (base) {
		EXPECT_TRUE(before[capp][0] & GOT_PTRACE);
		EXPECT_TRUE(before[s1000][NT] & GOT_PTRACE);
	}
	check_declared_tracer(_metadata, &any, s1000, root);
	TH_LOG("ptrace_scope stays 3 until this system reboots");
}

/* The tests as the harness runs them: OSM_TEST_MAIN, named. */
int control_test_main(int argc, char **argv);
OSM_TEST_MAIN_AS(control_test_main)

/*
 * Leave the yama_scope_3 fixture out unless OSM_TEST_YAMA_SCOPE3=1, and
 * then run only it: the harness's -F/-f filters, before any given.
 */
int main(int argc, char **argv)
{
	bool scope3 = !strcmp(getenv(YAMA3_ENV) ?: "", "1");
	char **args;
	int i;

	if (argc >= 2 && (!strcmp(argv[1], OSM_TEST_WAIT_ARG) ||
			  !strcmp(argv[1], "-l") || !strcmp(argv[1], "-h")))
		return control_test_main(argc, argv);
	args = calloc(argc + 3, sizeof(*args));
	if (!args)
		return KSFT_FAIL;
	args[0] = argv[0];
	args[1] = scope3 ? "-f" : "-F";
	args[2] = "yama_scope_3";
	for (i = 1; i < argc; i++)
		args[i + 2] = argv[i];
	return control_test_main(argc + 2, args);
}
