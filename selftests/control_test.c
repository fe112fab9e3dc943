// SPDX-License-Identifier: GPL-2.0-only
/*
 * Facts the control rules need: whether an address space is dumpable
 * (ptrace and /proc access need CAP_SYS_PTRACE over its user namespace
 * when it is not) and who traces a thread.  The oracles are
 * prctl(PR_GET_DUMPABLE) in the child and TracerPid in
 * /proc/PID/task/TID/status.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "osm_test_util.h"

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
		osm_graph__free(g);
	}
	/* The tracer is the parent too: it reaps the child as usual. */
	EXPECT_EQ(0, osm_child_finish(&c));
}

OSM_TEST_MAIN
