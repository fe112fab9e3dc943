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
#include <fcntl.h>
#include <sched.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "osm_test_util.h"

#define NREADERS	4
#define MIN_READS	2	/* per reader */
#define MIN_ROUNDS	200	/* churn rounds */
#define CAP_SECONDS	8	/* stop churning after this, whatever */
#define BIG_REGIONS	3000	/* a process larger than one walk chunk */
#define BIG_FDS		1000

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

/* A process larger than one chunk of the walk, and what changes it. */
struct big {
	char *p;
	int null_fd, zero_fd;
	int fds[BIG_FDS];
};

/*
 * Make this process larger than one chunk of the walk (which then resumes
 * inside its mm and fd table many times), for big_churn() to change under
 * the readers.  Returns 0, or -1 with errno.
 */
static int grow_big(struct big *b)
{
	struct rlimit rl = { BIG_FDS + 256, BIG_FDS + 256 };
	long page = sysconf(_SC_PAGESIZE);
	int i;

	b->p = mmap(NULL, BIG_REGIONS * page, PROT_READ,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (b->p == MAP_FAILED)
		return -1;
	for (i = 0; i < BIG_REGIONS; i += 2)
		if (mprotect(b->p + i * page, page, PROT_READ | PROT_WRITE))
			return -1;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		return -1;
	b->null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	b->zero_fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	if (b->null_fd < 0 || b->zero_fd < 0)
		return -1;
	for (i = 0; i < BIG_FDS; i++) {
		b->fds[i] = dup(b->null_fd);
		if (b->fds[i] < 0)
			return -1;
	}
	return 0;
}

/*
 * One round of change to the big process: a region flips protection
 * (regions split and merge), a descriptor is switched to another file
 * (dup2 replaces it atomically, so no reader's own descriptor can take
 * its number), and every few rounds a child copies the whole process,
 * unshares its fd table and exits, so its mm and table vanish mid-walk.
 */
static int big_churn(struct big *b, int round)
{
	long page = sysconf(_SC_PAGESIZE);
	int i = (round * 7) % BIG_REGIONS;
	int fd = b->fds[(round * 13) % BIG_FDS];
	int prot = PROT_READ | (round % 2 ? PROT_WRITE : 0);
	int status;
	pid_t pid;

	if (mprotect(b->p + i * page, page, prot))
		return -1;
	if (dup2(round % 2 ? b->zero_fd : b->null_fd, fd) != fd)
		return -1;
	if (round % 16)
		return 0;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(unshare(CLONE_FILES) ? 1 : 0);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
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

typedef int (*churn_fn)(void *arg, int round);

/*
 * NREADERS readers read whole walks while @fn changes the system, for
 * MIN_ROUNDS rounds and MIN_READS reads each (CAP_SECONDS at most).
 */
static void run_churn(struct __test_metadata *_metadata,
		      FIXTURE_DATA(stress) *self, churn_fn fn, void *arg)
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
		ASSERT_EQ(0, fn(arg, rounds)) TH_LOG("churn round %d: %m",
						     rounds);
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

static int small_round(void *arg, int round)
{
	(void)arg;
	(void)round;
	return churn();
}

static int big_round(void *arg, int round)
{
	return big_churn(arg, round);
}

TEST_F_TIMEOUT(stress, readers_see_whole_walks_during_churn, OSM_TIMEOUT)
{
	run_churn(_metadata, self, small_round, NULL);
}

/* The same while a process larger than a chunk changes between pieces. */
TEST_F_TIMEOUT(stress, readers_see_whole_walks_while_big_process_changes,
	       OSM_TIMEOUT)
{
	static struct big b;

	ASSERT_EQ(0, grow_big(&b)) TH_LOG("growing the process: %m");
	run_churn(_metadata, self, big_round, &b);
}

OSM_TEST_MAIN
