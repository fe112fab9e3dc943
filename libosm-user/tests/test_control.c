// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Unit tests of osm_query__can_control() on control.graph: processes
 * with chosen uids, gids, capabilities, user namespaces, dumpable flags,
 * parents and a tracer, and the answers the kernel's rules give for
 * them (worked out by hand in the comments).  Output is TAP.
 *
 * Usage: test_control [fixture-dir]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osm.h"
#include "check.h"

/* "id=rule,rule id=rule" for the answer, or the errno as "E<n>". */
static const char *answer(const struct osm_graph *g, const char *id,
			  int scope, unsigned int flags)
{
	OSM_OPTS(osm_control_opts, opts, .ptrace_scope = scope,
		 .flags = flags);
	static char buf[4096];
	struct osm_control *c;
	size_t off = 0;
	unsigned int b;
	int i, n;

	n = osm_query__can_control(g, osm_graph__find(g, id), &opts, &c);
	if (n < 0) {
		snprintf(buf, sizeof(buf), "E%d", -n);
		return buf;
	}
	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		off += snprintf(buf + off, sizeof(buf) - off, "%s%s=",
				i ? " " : "", osm_node__id(c[i].pd));
		for (b = 1; b < 1U << OSM_CONTROL_NR_RULES; b <<= 1)
			if (c[i].rules & b)
				off += snprintf(buf + off, sizeof(buf) - off,
						"%s,", osm_control_rule_name(b));
		buf[--off] = '\0';	/* the last comma */
	}
	free(c);
	return buf;
}

#define EXPECT(g, id, scope, flags, want)				\
	do {								\
		const char *__got = answer(g, id, scope, flags);	\
		checks++;						\
		if (strcmp(__got, want)) {				\
			failures++;					\
			printf("#   %s:%d: %s scope %d:\n#     got  %s\n"	\
			       "#     want %s\n", __FILE__, __LINE__,	\
			       id, scope, __got, want);			\
		}							\
	} while (0)

static void test_rules(const struct osm_graph *g)
{
	/*
	 * process:100 (uid/gid 1000, user_ns 1): 1 is its parent and has
	 * every capability; 110, 210 and 800 have its uid and gid; 200
	 * its uid, not its gid (signal only); 300 has CAP_KILL, 400
	 * CAP_SYS_PTRACE; 500 traces thread:100; 600 has every capability
	 * in user_ns 2, which does not reach user_ns 1; 900 owns user_ns
	 * 2, not 1.
	 */
	EXPECT(g, "process:100", 0, 0,
	       "process:1=parent,signal,ptrace process:110=signal,ptrace "
	       "process:200=signal process:210=signal,ptrace "
	       "process:300=signal process:400=ptrace process:500=tracer "
	       "process:800=signal,ptrace process:820=signal,ptrace");
	/* The tracer traces thread:100, not thread:101. */
	EXPECT(g, "thread:101", 0, 0,
	       "process:1=parent,signal,ptrace process:110=signal,ptrace "
	       "process:200=signal process:210=signal,ptrace "
	       "process:300=signal process:400=ptrace "
	       "process:800=signal,ptrace process:820=signal,ptrace");
	/*
	 * process:700 in user_ns 2 (child of 1, owner uid 4000): 1 and
	 * 400 reach it from the parent namespace, 600 has its caps in
	 * user_ns 2 (and is the parent), 900 owns user_ns 2.
	 */
	EXPECT(g, "process:700", 0, 0,
	       "process:1=signal,ptrace process:300=signal "
	       "process:400=ptrace process:600=parent,signal,ptrace "
	       "process:900=signal,ptrace process:820=signal");
	/* Not dumpable: the same uid and gid no longer let ptrace. */
	EXPECT(g, "process:800", 0, 0,
	       "process:1=parent,signal,ptrace process:100=signal "
	       "process:110=signal process:200=signal process:210=signal "
	       "process:300=signal process:400=ptrace process:820=signal");
	/* Per thread: both threads of process:100 may signal 800. */
	EXPECT(g, "process:800", 0, OSM_CONTROL_THREADS,
	       "thread:1=parent,signal,ptrace thread:100=signal "
	       "thread:101=signal thread:110=signal thread:200=signal "
	       "thread:210=signal thread:300=signal thread:400=ptrace "
	       "thread:820=signal");
	/*
	 * process:820 has its uid and gid but CAP_KILL permitted: only a
	 * caller whose permitted set holds it, or with CAP_SYS_PTRACE, may
	 * attach (cap_ptrace_access_check()).
	 */
	EXPECT(g, "process:820", 0, 0,
	       "process:1=parent,signal,ptrace process:100=signal "
	       "process:110=signal process:200=signal process:210=signal "
	       "process:300=signal process:400=ptrace process:800=signal");
}

static void test_yama(const struct osm_graph *g)
{
	/* process:110 is a child of 100, a grandchild of 1. */
	EXPECT(g, "process:110", 0, 0,
	       "process:1=signal,ptrace process:100=parent,signal,ptrace "
	       "process:200=signal process:210=signal,ptrace "
	       "process:300=signal process:400=ptrace "
	       "process:800=signal,ptrace process:820=signal,ptrace");
	/* 1: only ancestors (and CAP_SYS_PTRACE holders) may attach. */
	EXPECT(g, "process:110", 1, 0,
	       "process:1=signal,ptrace process:100=parent,signal,ptrace "
	       "process:200=signal process:210=signal process:300=signal "
	       "process:400=ptrace process:800=signal process:820=signal");
	/* 2: only CAP_SYS_PTRACE. */
	EXPECT(g, "process:110", 2, 0,
	       "process:1=signal,ptrace process:100=parent,signal "
	       "process:200=signal process:210=signal process:300=signal "
	       "process:400=ptrace process:800=signal process:820=signal");
	/* 3: no attach at all; 400 is left with no rule. */
	EXPECT(g, "process:110", 3, 0,
	       "process:1=signal process:100=parent,signal "
	       "process:200=signal process:210=signal process:300=signal "
	       "process:800=signal process:820=signal");
}

static void test_args(const struct osm_graph *g)
{
	struct {
		struct osm_control_opts o;
		long long extra;
	} big;
	struct osm_control *c = (void *)1;

	/* Kernel threads are neither subjects nor ptrace targets. */
	EXPECT(g, "kernel:0", 0, 0, "");
	EXPECT(g, "process:100", 4, 0, "E22");
	EXPECT(g, "process:100", -1, 0, "E22");
	EXPECT(g, "process:100", 0, 2, "E22");
	EXPECT(g, "user_ns:1", 0, 0, "E22");
	EXPECT(g, "process:999", 0, 0, "E22");
	CHECK(osm_query__can_control(g, osm_graph__find(g, "process:1"),
				     NULL, NULL) == -EINVAL);
	/* A larger struct from a newer caller: unknown bytes must be 0.
	 * process:500 (uid 3000): 1, 300 (CAP_KILL), 400 (CAP_SYS_PTRACE),
	 * 820 (CAP_KILL).
	 */
	memset(&big, 0, sizeof(big));
	big.o.sz = sizeof(big);
	CHECK(osm_query__can_control(g, osm_graph__find(g, "process:500"),
				     &big.o, &c) == 4);
	CHECK(c && !strcmp(osm_node__id(c[0].pd), "process:1"));
	free(c);
	big.extra = 1;
	CHECK(osm_query__can_control(g, osm_graph__find(g, "process:500"),
				     &big.o, &c) == -EINVAL);
	/* NULL opts: process granularity, no Yama. */
	CHECK(osm_query__can_control(g, osm_graph__find(g, "process:700"),
				     NULL, &c) == 6);
	free(c);
	CHECK(!strcmp(osm_control_rule_name(OSM_CONTROL_PTRACE), "ptrace"));
	CHECK(osm_control_rule_name(3) == NULL);
}

/*
 * The mm's user namespace (1.7): process 20 (uid 5000) unshared user_ns:2
 * without exec, so its mm stays in user_ns:1, and is not dumpable.
 * Process 10 (uid 4000) created user_ns:2 and so has every capability in
 * it: CAP_KILL there lets it signal 20, and CAP_SYS_PTRACE there passes
 * the uid test of ptrace, but not the dumpable one, which asks over the
 * mm's namespace.  A graph without the mm's owner edge (before 1.7) falls
 * back to the cred's namespace and says it may attach.
 */
static void test_mm_userns(void)
{
	static const char head[] =
		"osmosis-graph 1.7 view=full\n"
		"node user_ns:1 res inum=1 level=0 owner=0\n"
		"node user_ns:2 res inum=2 level=1 owner=4000\n"
		"edge user_ns:2 subset user_ns:1\n"
		"node process:10 pd pid=10 ppid=1\n"
		"node thread:10 pd tid=10 tgid=10 tracer=0\n"
		"node cred:a res uid=4000 euid=4000 suid=4000 gid=4000 egid=4000 sgid=4000 cap_prm=0000000000000000 cap_eff=0000000000000000 userns=1\n"
		"edge thread:10 member process:10\n"
		"edge thread:10 hold cred:a mode=r\n"
		"node process:20 pd pid=20 ppid=1\n"
		"node thread:20 pd tid=20 tgid=20 tracer=0\n"
		"node cred:b res uid=5000 euid=5000 suid=5000 gid=5000 egid=5000 sgid=5000 cap_prm=000001ffffffffff cap_eff=000001ffffffffff userns=2\n"
		"node mm:b res vmas=0 dumpable=0\n"
		"edge thread:20 member process:20\n"
		"edge thread:20 hold cred:b mode=r\n"
		"edge thread:20 hold mm:b mode=rw\n";
	char text[4096];
	struct osm_graph *g;

	snprintf(text, sizeof(text), "%s%s", head,
		 "edge mm:b owner user_ns:1\nend nodes=9 edges=7\n");
	g = osm_graph__parse(text, strlen(text));
	CHECK(g);
	if (g) {
		EXPECT(g, "process:20", 0, 0, "process:10=signal");
		osm_graph__free(g);
	}
	snprintf(text, sizeof(text), "%s%s", head, "end nodes=9 edges=6\n");
	g = osm_graph__parse(text, strlen(text));
	CHECK(g);
	if (g) {
		EXPECT(g, "process:20", 0, 0, "process:10=signal,ptrace");
		osm_graph__free(g);
	}
}

/*
 * The facts are read as osm_node__attr() reads attributes: the first
 * value of a key counts, a cred with one value that is not a number is
 * no credential at all, and a thread's first edge to a cred is its cred.
 * The target, process:20, is uid and gid 5000 with no capability.
 */
static void test_fact_reading(void)
{
	static const char text[] =
		"osmosis-graph 1.7 view=full\n"
		"node user_ns:1 res inum=1 level=0 owner=0\n"
		"node cred:t res uid=5000 euid=5000 suid=5000 gid=5000 egid=5000 sgid=5000 cap_prm=0 cap_eff=0 userns=1\n"
		"node process:20 pd pid=20 ppid=1\n"
		"node thread:20 pd tid=20 tgid=20\n"
		"edge thread:20 member process:20\n"
		"edge thread:20 hold cred:t mode=r\n"
		/* 4000 first, 5000 second: not the target's user. */
		"node cred:a res uid=4000 euid=4000 suid=4000 gid=4000 egid=4000 sgid=4000 cap_prm=0 cap_eff=0 userns=1 uid=5000 euid=5000\n"
		"node process:10 pd pid=10 ppid=1\n"
		"node thread:10 pd tid=10 tgid=10\n"
		"edge thread:10 member process:10\n"
		"edge thread:10 hold cred:a mode=r\n"
		/* Its first cred is the target's user: signal and ptrace. */
		"node cred:c res uid=5000 euid=5000 suid=5000 gid=5000 egid=5000 sgid=5000 cap_prm=0 cap_eff=0 userns=1\n"
		"node cred:e res uid=6000 euid=6000 suid=6000 gid=6000 egid=6000 sgid=6000 cap_prm=0 cap_eff=0 userns=1\n"
		"node process:30 pd pid=30 ppid=1\n"
		"node thread:30 pd tid=30 tgid=30\n"
		"edge thread:30 member process:30\n"
		"edge thread:30 hold cred:c mode=r\n"
		"edge thread:30 hold cred:e mode=r\n"
		/* euid 5000 would signal, but uid is not a number. */
		"node cred:m res uid=50x0 euid=5000 suid=5000 gid=5000 egid=5000 sgid=5000 cap_prm=0 cap_eff=0 userns=1\n"
		"node process:40 pd pid=40 ppid=1\n"
		"node thread:40 pd tid=40 tgid=40\n"
		"edge thread:40 member process:40\n"
		"edge thread:40 hold cred:m mode=r\n"
		"end nodes=14 edges=9\n";
	struct osm_graph *g = osm_graph__parse(text, strlen(text));

	CHECK(g);
	if (!g)
		return;
	EXPECT(g, "process:20", 0, 0, "process:30=signal,ptrace");
	osm_graph__free(g);
}

int main(int argc, char **argv)
{
	char path[4096];
	struct osm_graph *g;

	snprintf(path, sizeof(path), "%s/control.graph",
		 argc > 1 ? argv[1] : "tests");
	OSM_OPTS(osm_graph_opts, lo, .path = path);
	printf("TAP version 13\n1..1\n");
	g = osm_graph__load(&lo);
	if (!g) {
		printf("not ok 1 control # cannot load %s: %m\n", path);
		return 1;
	}
	test_rules(g);
	test_yama(g);
	test_args(g);
	osm_graph__free(g);
	test_mm_userns();
	test_fact_reading();
	printf("%sok 1 control (%d checks)\n", failures ? "not " : "",
	       checks);
	return failures ? 1 : 0;
}
