// SPDX-License-Identifier: GPL-2.0-only
/*
 * Concurrent readers while tasks, threads and mappings come and go: every
 * read must still be one complete, well-formed walk (osm_test_check_text()
 * and osm_graph__parse() agree).  Kept short for emulated VMs: the churn
 * stops after a fixed amount of work, bounded by a wall-clock cap that
 * only shortens the run and never decides the verdict.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "osm_test_util.h"

#define NREADERS	4
#define MIN_READS	2	/* per reader */
#define MIN_ROUNDS	200	/* churn rounds */
#define CAP_SECONDS	8	/* stop churning after this, whatever */

struct stress {
	atomic_bool stop;
	atomic_int reads;
	atomic_int failed;
	char err[1024];
	pthread_mutex_t lock;
};

struct reader {
	struct stress *s;
	int reads;
};

static void reader_fail(struct stress *s, const char *fmt, const char *what)
{
	pthread_mutex_lock(&s->lock);
	if (!atomic_load(&s->failed))
		snprintf(s->err, sizeof(s->err), fmt, what);
	atomic_store(&s->failed, 1);
	pthread_mutex_unlock(&s->lock);
}

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	struct stress *s = r->s;
	struct osm_graph *g;
	char err[512], *buf;
	size_t len;

	/* At least MIN_READS each, then until the churn is over. */
	while (r->reads < MIN_READS || !atomic_load(&s->stop)) {
		buf = osm_test_read_device(4096, &len);
		if (!buf) {
			reader_fail(s, "read: %s", strerror(errno));
			break;
		}
		if (osm_test_check_text(buf, len, NULL, err, sizeof(err))) {
			reader_fail(s, "malformed walk: %s", err);
			free(buf);
			break;
		}
		g = osm_graph__parse(buf, len);
		free(buf);
		if (!g) {
			reader_fail(s, "osm_graph__parse: %s", strerror(errno));
			break;
		}
		osm_graph__free(g);
		r->reads++;
		atomic_fetch_add(&s->reads, 1);
		if (atomic_load(&s->failed))
			break;
	}
	return NULL;
}

static void *noop_thread(void *arg)
{
	return arg;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One round of churn: a process, a thread and mappings come and go. */
static int churn(void)
{
	long page = sysconf(_SC_PAGESIZE);
	pthread_t th;
	char *p;
	pid_t pid;
	int status;

	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(0);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	errno = pthread_create(&th, NULL, noop_thread, NULL);
	if (errno || pthread_join(th, NULL))
		return -1;
	p = mmap(NULL, 16 * page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	memset(p, 1, 16 * page);
	/* Split the region in three, then drop it. */
	if (mprotect(p + 4 * page, 4 * page, PROT_READ) ||
	    munmap(p, 16 * page))
		return -1;
	return 0;
}

FIXTURE(stress) {
	struct stress s;
	struct reader r[NREADERS];
	pthread_t th[NREADERS];
	int started;
};

FIXTURE_SETUP(stress)
{
	pthread_mutex_init(&self->s.lock, NULL);
}

FIXTURE_TEARDOWN(stress)
{
	int i;

	atomic_store(&self->s.stop, true);
	for (i = 0; i < self->started; i++)
		pthread_join(self->th[i], NULL);
}

TEST_F_TIMEOUT(stress, readers_see_whole_walks_during_churn, OSM_TIMEOUT)
{
	double start = now();
	int i, rounds = 0;

	for (i = 0; i < NREADERS; i++) {
		self->r[i].s = &self->s;
		ASSERT_EQ(0, pthread_create(&self->th[i], NULL, reader_main,
					    &self->r[i]));
		self->started++;
	}
	while (!atomic_load(&self->s.failed) &&
	       (rounds < MIN_ROUNDS ||
		atomic_load(&self->s.reads) < NREADERS * MIN_READS) &&
	       now() - start < CAP_SECONDS) {
		ASSERT_EQ(0, churn()) TH_LOG("churn round %d: %m", rounds);
		rounds++;
	}
	atomic_store(&self->s.stop, true);
	for (i = 0; i < self->started; i++)
		pthread_join(self->th[i], NULL);
	self->started = 0;
	TH_LOG("%d churn rounds, %d reads in %.1f s", rounds,
	       atomic_load(&self->s.reads), now() - start);
	ASSERT_EQ(0, atomic_load(&self->s.failed)) TH_LOG("%s", self->s.err);
	ASSERT_LE(NREADERS * MIN_READS, atomic_load(&self->s.reads));
}

OSM_TEST_MAIN
