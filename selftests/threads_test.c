// SPDX-License-Identifier: GPL-2.0-only
/*
 * A process with four pthreads: one process node, one thread node per
 * tid, each a member of the process; all threads hold the same mm, files,
 * fs and sighand nodes, as kcmp(2) says they share those objects; a
 * thread that unshare(CLONE_FILES)s holds a files node of its own.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>
#include <linux/kcmp.h>

#include "kselftest_harness.h"
#include "osm_test_util.h"

#define NTHREADS 4

struct team;

struct member {
	struct team *team;
	int idx;
};

/* Threads that report their tid, then block until released. */
struct team {
	bool live;		/* release pipe open */
	int started;
	pthread_t th[NTHREADS];
	pid_t tid[NTHREADS];
	int err[NTHREADS];
	struct member m[NTHREADS];
	int unshare_files;	/* index of the thread to unshare, or -1 */
	sem_t ready;
	int release[2];		/* threads read [0] until [1] is closed */
};

static void *member_main(void *arg)
{
	struct member *m = arg;
	struct team *t = m->team;
	char name[16], c;

	t->tid[m->idx] = osm_test_gettid();
	snprintf(name, sizeof(name), "osm-thread-%d", m->idx);
	prctl(PR_SET_NAME, name);
	if (m->idx == t->unshare_files) {
		if (unshare(CLONE_FILES))
			t->err[m->idx] = errno;
		/* Our copy of the release pipe must not keep it open. */
		close(t->release[1]);
	}
	sem_post(&t->ready);
	while (read(t->release[0], &c, 1) < 0 && errno == EINTR)
		;
	return NULL;
}

static int team_start(struct team *t, int unshare_files)
{
	int i;

	memset(t, 0, sizeof(*t));
	t->unshare_files = unshare_files;
	if (pipe2(t->release, O_CLOEXEC))
		return -1;
	t->live = true;
	if (sem_init(&t->ready, 0, 0))
		return -1;
	for (i = 0; i < NTHREADS; i++) {
		t->m[i].team = t;
		t->m[i].idx = i;
		errno = pthread_create(&t->th[i], NULL, member_main, &t->m[i]);
		if (errno)
			return -1;
		t->started++;
	}
	for (i = 0; i < NTHREADS; i++)
		while (sem_wait(&t->ready) && errno == EINTR)
			;
	return 0;
}

static void team_stop(struct team *t)
{
	int i;

	if (!t->live)
		return;
	close(t->release[1]);
	for (i = 0; i < t->started; i++)
		pthread_join(t->th[i], NULL);
	close(t->release[0]);
	t->live = false;
}

static int count_tasks(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* The resources every thread holds, with the kcmp(2) type that compares them. */
FIXTURE(team) {
	struct team t;
	struct osm_graph *g;
};

FIXTURE_VARIANT(team) {
	const char *type;
	int kcmp;
};

FIXTURE_VARIANT_ADD(team, mm) { .type = OSM_NODE_MM, .kcmp = KCMP_VM };
FIXTURE_VARIANT_ADD(team, files) { .type = OSM_NODE_FILES,
				   .kcmp = KCMP_FILES };
FIXTURE_VARIANT_ADD(team, fs) { .type = OSM_NODE_FS, .kcmp = KCMP_FS };
FIXTURE_VARIANT_ADD(team, sighand) { .type = OSM_NODE_SIGHAND,
				     .kcmp = KCMP_SIGHAND };

FIXTURE_SETUP(team)
{
	ASSERT_EQ(0, team_start(&self->t, -1)) TH_LOG("%m");
	self->g = osm_test_load();
	ASSERT_NE(NULL, self->g) TH_LOG("load: %m");
}

FIXTURE_TEARDOWN(team)
{
	team_stop(&self->t);
	osm_graph__free(self->g);
}

TEST_F_TIMEOUT(team, all_threads_hold_the_same_node, OSM_TIMEOUT)
{
	pid_t me = osm_test_gettid();
	const struct osm_node *ref, *n;
	int i;

	ref = osm_test_held_by_tid(self->g, me, variant->type);
	ASSERT_NE(NULL, ref)
		TH_LOG("thread:%d holds %zu %s nodes, want 1", me,
		       osm_test_held_count(osm_test_thread(self->g, me),
					   variant->type), variant->type);
	for (i = 0; i < NTHREADS; i++) {
		pid_t tid = self->t.tid[i];

		ASSERT_EQ(0, osm_test_kcmp(me, tid, variant->kcmp, 0, 0))
			TH_LOG("kcmp(%d, %d) says not shared: %m", me, tid);
		n = osm_test_held_by_tid(self->g, tid, variant->type);
		ASSERT_NE(NULL, n)
			TH_LOG("thread:%d holds %zu %s nodes, want 1", tid,
			       osm_test_held_count(osm_test_thread(self->g, tid),
						   variant->type),
			       variant->type);
		EXPECT_STREQ(osm_node__id(ref), osm_node__id(n))
			TH_LOG("thread:%d", tid);
	}
}

TEST_F_TIMEOUT(team, hold_mode_is_rw, OSM_TIMEOUT)
{
	const struct osm_edge *e;
	pid_t tids[NTHREADS + 1];
	const char *mode;
	int i;

	tids[0] = osm_test_gettid();
	memcpy(tids + 1, self->t.tid, sizeof(self->t.tid));
	for (i = 0; i <= NTHREADS; i++) {
		e = osm_test_hold_edge(osm_test_thread(self->g, tids[i]),
				       variant->type);
		ASSERT_NE(NULL, e) TH_LOG("thread:%d", tids[i]);
		mode = osm_edge__attr(e, "mode");
		ASSERT_NE(NULL, mode) TH_LOG("thread:%d hold without mode",
					     tids[i]);
		EXPECT_STREQ("rw", mode) TH_LOG("thread:%d", tids[i]);
	}
}

/* Tests that set their own team up. */
FIXTURE(proc) {
	struct team t;
	struct osm_graph *g;
};

FIXTURE_SETUP(proc)
{
}

FIXTURE_TEARDOWN(proc)
{
	team_stop(&self->t);
	osm_graph__free(self->g);
}

TEST_F_TIMEOUT(proc, threads_are_members_of_their_process, OSM_TIMEOUT)
{
	const struct osm_node *proc, *thr;
	pid_t tids[NTHREADS + 1];
	int i, ntasks;

	ASSERT_EQ(0, team_start(&self->t, -1)) TH_LOG("%m");
	self->g = osm_test_load();
	ASSERT_NE(NULL, self->g) TH_LOG("load: %m");
	ntasks = count_tasks();
	ASSERT_EQ(NTHREADS + 1, ntasks);

	proc = osm_test_process(self->g, getpid());
	ASSERT_NE(NULL, proc) TH_LOG("no process:%d", getpid());
	EXPECT_TRUE(osm_node__is_pd(proc));
	tids[0] = osm_test_gettid();
	memcpy(tids + 1, self->t.tid, sizeof(self->t.tid));
	for (i = 0; i <= NTHREADS; i++) {
		thr = osm_test_thread(self->g, tids[i]);
		ASSERT_NE(NULL, thr) TH_LOG("no thread:%d", tids[i]);
		EXPECT_TRUE(osm_node__is_pd(thr));
		EXPECT_TRUE(osm_test_has_edge(thr, OSM_EDGE_MEMBER, proc))
			TH_LOG("thread:%d not a member of process:%d",
			       tids[i], getpid());
	}
	/* Exactly the tasks of /proc/self/task, no more. */
	EXPECT_EQ((size_t)ntasks, osm_test_in(proc, OSM_EDGE_MEMBER,
					      OSM_NODE_THREAD, NULL, 0));
}

TEST_F_TIMEOUT(proc, thread_attrs_match_proc, OSM_TIMEOUT)
{
	char path[64], comm[32], tgid[32];
	unsigned long long v;
	const struct osm_node *thr;
	FILE *f;
	int i;

	ASSERT_EQ(0, team_start(&self->t, -1)) TH_LOG("%m");
	self->g = osm_test_load();
	ASSERT_NE(NULL, self->g) TH_LOG("load: %m");
	for (i = 0; i < NTHREADS; i++) {
		pid_t tid = self->t.tid[i];

		thr = osm_test_thread(self->g, tid);
		ASSERT_NE(NULL, thr) TH_LOG("no thread:%d", tid);
		snprintf(path, sizeof(path), "/proc/self/task/%d/comm", tid);
		f = fopen(path, "re");
		ASSERT_NE(NULL, f) TH_LOG("%s: %m", path);
		ASSERT_NE(NULL, fgets(comm, sizeof(comm), f));
		fclose(f);
		comm[strcspn(comm, "\n")] = '\0';
		ASSERT_EQ(0, osm_test_status_field(tid, "Tgid", tgid,
						   sizeof(tgid)));

		ASSERT_TRUE(osm_test_attr_ull(thr, "tid", &v));
		EXPECT_EQ((unsigned long long)tid, v);
		ASSERT_TRUE(osm_test_attr_ull(thr, "tgid", &v));
		EXPECT_EQ(strtoull(tgid, NULL, 10), v);
		ASSERT_NE(NULL, osm_node__attr(thr, "comm"));
		EXPECT_STREQ(comm, osm_node__attr(thr, "comm"));
	}
}

/* Threads can unshare their fd table: that thread holds its own files. */
TEST_F_TIMEOUT(proc, unshared_files_thread_holds_own_table, OSM_TIMEOUT)
{
	const struct osm_node *mine, *other, *n;
	pid_t me = osm_test_gettid(), tid0;
	int i;

	ASSERT_EQ(0, team_start(&self->t, 0)) TH_LOG("%m");
	ASSERT_EQ(0, self->t.err[0]) TH_LOG("unshare(CLONE_FILES): %s",
					     strerror(self->t.err[0]));
	tid0 = self->t.tid[0];
	i = osm_test_kcmp(me, tid0, KCMP_FILES, 0, 0);
	ASSERT_TRUE(i == 1 || i == 2) TH_LOG("kcmp FILES says %d: %m", i);
	self->g = osm_test_load();
	ASSERT_NE(NULL, self->g) TH_LOG("load: %m");

	mine = osm_test_held_by_tid(self->g, me, OSM_NODE_FILES);
	other = osm_test_held_by_tid(self->g, tid0, OSM_NODE_FILES);
	ASSERT_NE(NULL, mine);
	ASSERT_NE(NULL, other);
	EXPECT_STRNE(osm_node__id(mine), osm_node__id(other));
	/* Only the fd table split: the address space is still shared. */
	EXPECT_EQ(0, osm_test_kcmp(me, tid0, KCMP_VM, 0, 0));
	EXPECT_EQ(osm_test_held_by_tid(self->g, me, OSM_NODE_MM),
		  osm_test_held_by_tid(self->g, tid0, OSM_NODE_MM));
	/* The other threads still share the original table. */
	for (i = 1; i < NTHREADS; i++) {
		n = osm_test_held_by_tid(self->g, self->t.tid[i],
					 OSM_NODE_FILES);
		EXPECT_EQ(mine, n) TH_LOG("thread:%d", self->t.tid[i]);
	}
}

OSM_TEST_MAIN
