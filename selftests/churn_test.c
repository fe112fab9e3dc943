// SPDX-License-Identifier: GPL-2.0-only
/*
 * Churn: everything that changes the graph, at once and as fast as it
 * can, while several readers read whole walks and validate every one.
 *
 * Workers (one process each): fork/exit; thread create/exit; exec, from
 * the leader and from a non-leader thread; mmap/mprotect/mremap/munmap/
 * brk over a process larger than one chunk of the walk; open/close/dup;
 * pipes and socketpairs; unshare and setns of every namespace type and
 * throw-away user namespaces; moves between two cgroups of our own;
 * spawns through the module (osm_spawn(): process, container, pir); and
 * "slots", children that live for a few hundred milliseconds each, so
 * their mm, files, fs and sighand objects are freed and allocated again
 * while walks are under way.
 *
 * Readers (threads): with and without physical memory (OSM_SCOPE_PHYS),
 * reading straight through or pausing between chunks.  Every snapshot
 * must be well-formed with exact counts (osm_test_check_text()), every
 * process that lived through the whole read must be in it, and no two
 * such processes may be shown sharing an mm, files, fs or sighand node
 * unless kcmp(2) says they share it; three witnesses that do share some
 * of them with this process (clone(2) flags) must be shown sharing
 * exactly those.  At the end the kernel log since the start must hold
 * no report (BUG, WARNING, oops, sanitizer, lockdep).
 *
 * Length: by default (CI) the churn stops once every kind of operation
 * reached its count and every reader validated MIN_SNAPSHOTS walks, or
 * after CAP_SECONDS once each kind ran at least once: the clock only
 * shortens the run, the verdict depends on what was seen.  OSM_CHURN_SECONDS=N runs N
 * seconds instead (the test's timeout grows with it).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/kcmp.h>

#include "kselftest_harness.h"
#include "osm_test_util.h"

#define CHURN_EXIT_ARG	"--osm-churn-exit"
#define NR_READERS	4
#define NR_SLOTS	8
#define MIN_SNAPSHOTS	3	/* per reader, CI mode */
#define CAP_SECONDS	100	/* CI mode: stop churning after this */
#define MM_PAGES	1200	/* regions of the mm worker */
#define MAX_PIDS	64
#define CGROUP_ROOT	"/sys/fs/cgroup"

enum kind {
	K_FORK, K_THREAD, K_EXEC, K_EXEC_THREAD, K_MM, K_BRK, K_FILES,
	K_PIPE, K_NS, K_USERNS, K_CGROUP, K_SPAWN, K_SLOT, NR_KINDS
};

static const struct {
	const char *name;
	long ci_ops;	/* CI mode: at least this many */
} kinds[NR_KINDS] = {
	[K_FORK] = { "fork+exit", 300 },
	[K_THREAD] = { "thread create+exit", 300 },
	[K_EXEC] = { "exec", 90 },
	[K_EXEC_THREAD] = { "exec from a non-leader thread", 90 },
	[K_MM] = { "mmap+mprotect+mremap+munmap", 1000 },
	[K_BRK] = { "brk up+down", 1000 },
	[K_FILES] = { "open+dup+dup2+close", 1000 },
	[K_PIPE] = { "pipe+socketpair", 500 },
	[K_NS] = { "unshare+setns", 200 },
	[K_USERNS] = { "user+pid namespace child", 40 },
	[K_CGROUP] = { "cgroup move", 500 },
	[K_SPAWN] = { "osm_spawn", 30 },
	[K_SLOT] = { "slot child replaced", 60 },
};

/* Shared between the test and its workers. */
struct shared {
	atomic_long ops[NR_KINDS];
	atomic_int stop;
	atomic_int release;	/* readers done: workers may exit */
	atomic_int failed;
	char err[1024];
	pthread_rwlock_t slot_lock;
	struct {
		pid_t pid;
		unsigned int gen;
	} slot[NR_SLOTS];
};

static struct shared *S;
static char exe[256];
static char cgdir[128];

/* The exec target: this binary with CHURN_EXIT_ARG exits at once. */
static void __attribute__((constructor)) churn_exec_target(int argc,
							   char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], CHURN_EXIT_ARG))
		_exit(0);
}

/* The first failure wins; everything stops. */
static void __attribute__((format(printf, 1, 2))) fail(const char *fmt, ...)
{
	va_list ap;
	int zero = 0;

	if (atomic_compare_exchange_strong(&S->failed, &zero, 1)) {
		va_start(ap, fmt);
		vsnprintf(S->err, sizeof(S->err), fmt, ap);
		va_end(ap);
	}
	atomic_store(&S->stop, 1);
}

static bool stopping(void)
{
	return atomic_load(&S->stop);
}

static void count(enum kind k)
{
	atomic_fetch_add(&S->ops[k], 1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Reap @pid; true if it exited with 0. */
static bool reaped_ok(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return false;
	return WIFEXITED(status) && !WEXITSTATUS(status);
}

/* ---- workers --------------------------------------------------------- */

static int w_fork(void)
{
	while (!stopping()) {
		pid_t pid = fork();

		if (pid == 0)
			_exit(0);
		if (pid < 0 || !reaped_ok(pid))
			return -1;
		count(K_FORK);
	}
	return 0;
}

static void *noop(void *arg)
{
	return arg;
}

static int w_thread(void)
{
	pthread_t th[3];
	int i;

	while (!stopping()) {
		for (i = 0; i < 3; i++) {
			errno = pthread_create(&th[i], NULL, noop, NULL);
			if (errno)
				return -1;
		}
		for (i = 0; i < 3; i++) {
			if (pthread_join(th[i], NULL))
				return -1;
			count(K_THREAD);
		}
	}
	return 0;
}

static void exec_exit(void)
{
	char *argv[] = { exe, CHURN_EXIT_ARG, NULL };

	execv(exe, argv);
}

static void *exec_thread(void *arg)
{
	(void)arg;
	exec_exit();
	_exit(2);
}

/* A child with two more threads; one of them (not the leader) execs. */
static void exec_from_thread(void)
{
	pthread_t a, b;

	if (pthread_create(&a, NULL, noop, NULL) ||
	    pthread_create(&b, NULL, exec_thread, NULL))
		_exit(3);
	pause();
	_exit(4);
}

static int w_exec(void)
{
	unsigned int round = 0;

	while (!stopping()) {
		bool thread = round++ % 2;
		pid_t pid = fork();

		if (pid == 0) {
			if (thread)
				exec_from_thread();
			exec_exit();
			_exit(2);
		}
		if (pid < 0 || !reaped_ok(pid))
			return -1;
		count(thread ? K_EXEC_THREAD : K_EXEC);
	}
	return 0;
}

/*
 * A process of MM_PAGES regions (alternate pages read-only) whose
 * protections flip one by one, so regions split and merge under walks
 * parked inside it; and a small mapping that is made, split, moved and
 * dropped; and the heap moved up and back.
 */
static int w_mm(void)
{
	long page = sysconf(_SC_PAGESIZE);
	unsigned int round = 0;
	char *big, *p, *q;
	unsigned long brk0;
	int i;

	big = mmap(NULL, MM_PAGES * page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (big == MAP_FAILED)
		return -1;
	for (i = 1; i < MM_PAGES; i += 2)
		if (mprotect(big + i * page, page, PROT_READ))
			return -1;
	brk0 = syscall(SYS_brk, 0);
	while (!stopping()) {
		i = (round * 7) % MM_PAGES;
		if (mprotect(big + i * page, page, PROT_READ |
			     ((i % 2) ^ (round / MM_PAGES % 2) ?
			      0 : PROT_WRITE)))
			return -1;
		p = mmap(NULL, 8 * page, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return -1;
		memset(p, round, 8 * page);
		if (mprotect(p + 2 * page, 2 * page, PROT_READ))
			return -1;
		/* mremap takes one region: the last one, moved and grown. */
		q = mremap(p + 4 * page, 4 * page, 12 * page, MREMAP_MAYMOVE);
		if (q == MAP_FAILED || munmap(q, 12 * page) ||
		    munmap(p, 4 * page))
			return -1;
		count(K_MM);
		/* The heap up by 16 pages, touched, and back. */
		if ((unsigned long)syscall(SYS_brk, brk0 + 16 * page) !=
		    brk0 + 16 * page)
			return -1;
		((volatile char *)brk0)[round % (16 * page)] = 1;
		if ((unsigned long)syscall(SYS_brk, brk0) != brk0)
			return -1;
		count(K_BRK);
		round++;
	}
	return 0;
}

static int w_files(void)
{
	unsigned int round = 0;
	int fd, fd2, p[2], sv[2];
	char c = 'x';

	while (!stopping()) {
		fd = open(round % 2 ? "/dev/null" : "/dev/zero",
			  O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -1;
		fd2 = dup(fd);
		if (fd2 < 0 || dup2(fd, 200 + round % 50) < 0 ||
		    close(fd) || close(fd2))
			return -1;
		if (round % 50 == 49 && syscall(SYS_close_range, 200, 249, 0))
			return -1;
		count(K_FILES);
		if (round % 2) {
			if (pipe2(p, O_CLOEXEC))
				return -1;
		} else if (socketpair(AF_UNIX, round % 4 ? SOCK_STREAM :
				      SOCK_DGRAM, 0, p)) {
			return -1;
		}
		if (write(p[1], &c, 1) != 1 || read(p[0], &c, 1) != 1 ||
		    close(p[0]) || close(p[1]))
			return -1;
		count(K_PIPE);
		if (round % 16 == 0) {
			/* Sockets with a listener, for peer edges. */
			if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv))
				return -1;
			close(sv[0]);
			close(sv[1]);
		}
		round++;
	}
	return 0;
}

static const struct {
	int flag;
	const char *name;
} ns_types[] = {
	{ CLONE_NEWUTS, "uts" }, { CLONE_NEWIPC, "ipc" },
	{ CLONE_NEWNET, "net" }, { CLONE_NEWNS, "mnt" },
	{ CLONE_NEWCGROUP, "cgroup" }, { CLONE_NEWPID, "pid_for_children" },
	{ CLONE_NEWTIME, "time_for_children" },
};
#define NR_NS_TYPES (sizeof(ns_types) / sizeof(ns_types[0]))

/*
 * Into new namespaces and back, one or two types at a time (a new net
 * namespace only now and then: it is the slowest); every few rounds a
 * child in new user, pid and mount namespaces that forks and exits.
 */
static int w_ns(void)
{
	int orig[NR_NS_TYPES], i, j;
	unsigned int round = 0;
	char path[64];

	for (i = 0; i < (int)NR_NS_TYPES; i++) {
		snprintf(path, sizeof(path), "/proc/self/ns/%s",
			 ns_types[i].name);
		orig[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (orig[i] < 0)
			return -1;
	}
	while (!stopping()) {
		/* Two types a round; a new net namespace one round in 4. */
		bool net_ok = (round / NR_NS_TYPES) % 4 == 0;

		i = round % NR_NS_TYPES;
		j = (i + 1 + round / NR_NS_TYPES) % NR_NS_TYPES;
		if (ns_types[i].flag == CLONE_NEWNET && !net_ok)
			i = 0;
		if (ns_types[j].flag == CLONE_NEWNET && !net_ok)
			j = 0;
		if (unshare(ns_types[i].flag | ns_types[j].flag))
			return -1;
		if (setns(orig[i], ns_types[i].flag) ||
		    (j != i && setns(orig[j], ns_types[j].flag)))
			return -1;
		count(K_NS);
		if (round % 5 == 0) {
			pid_t pid = fork();

			if (pid == 0) {
				if (unshare(CLONE_NEWUSER | CLONE_NEWPID |
					    CLONE_NEWNS))
					_exit(5);
				pid = fork();	/* pid 1 of the new pid ns */
				if (pid == 0)
					_exit(0);
				_exit(pid > 0 && reaped_ok(pid) ? 0 : 6);
			}
			if (pid < 0 || !reaped_ok(pid))
				return -1;
			count(K_USERNS);
		}
		round++;
	}
	return 0;
}

static int write_pid(const char *dir, pid_t pid)
{
	char path[192], buf[32];
	int fd, n, ret = 0;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = snprintf(buf, sizeof(buf), "%d\n", (int)pid);
	if (write(fd, buf, n) != n)
		ret = -1;
	close(fd);
	return ret;
}

/* This process and a passenger move between cgroups a and b. */
static int w_cgroup(void)
{
	char a[160], b[160];
	unsigned int round = 0;
	pid_t passenger;
	int ret = 0;

	snprintf(a, sizeof(a), "%s/a", cgdir);
	snprintf(b, sizeof(b), "%s/b", cgdir);
	passenger = fork();
	if (passenger == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			pause();
	}
	if (passenger < 0)
		return -1;
	while (!stopping() && !ret) {
		const char *to = round % 2 ? a : b;

		if (write_pid(to, 0) ||
		    (round % 3 == 0 && write_pid(to, passenger)))
			ret = -1;
		count(K_CGROUP);
		round++;
	}
	kill(passenger, SIGKILL);
	waitpid(passenger, NULL, 0);
	/* Back to the root, so the test can remove a and b. */
	if (write_pid(CGROUP_ROOT, 0))
		ret = -1;
	return ret;
}

static int w_spawn(void)
{
	static const char *const presets[] = { "process", "container",
					       "process", "pir" };
	char *argv[] = { exe, CHURN_EXIT_ARG, NULL };
	unsigned int round = 0;

	while (!stopping()) {
		const char *preset = presets[round++ % 4];
		OSM_OPTS(osm_spawn_opts, o, .argv = argv);
		struct osm_spawned pd;
		int ret, status;

		ret = osm_spawn_preset(preset, &o);
		if (ret)
			goto bad;
		if (!strcmp(preset, "pir"))
			o.pids_max = 16;
		ret = osm_spawn(&o, &pd);
		if (ret < 0)
			goto bad;
		ret = osm_spawn_wait(&pd, &status);
		if (ret)
			goto bad;
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			fail("osm_spawn %s: the PD ended with status %#x",
			     preset, status);
			return -1;
		}
		count(K_SPAWN);
		continue;
bad:
		fail("osm_spawn %s: %s", preset, strerror(-ret));
		return -1;
	}
	return 0;
}

/* A slot child: some files of its own, then wait to be killed. */
static void slot_child(void)
{
	int p[2];

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (pipe(p) || open("/dev/null", O_RDONLY) < 0)
		_exit(7);
	for (;;)
		pause();
}

/* Kill and reap slot @i's child, fork its successor (write lock held). */
static int slot_replace(int i)
{
	pid_t pid;

	if (S->slot[i].pid > 0) {
		kill(S->slot[i].pid, SIGKILL);
		waitpid(S->slot[i].pid, NULL, 0);
		S->slot[i].pid = 0;
	}
	S->slot[i].gen++;
	/* The child must not write the shared table: fork first. */
	pid = fork();
	if (pid == 0)
		slot_child();
	if (pid < 0)
		return -1;
	S->slot[i].pid = pid;
	count(K_SLOT);
	return 0;
}

/*
 * Slot children: the first half replaced one every round (about 100
 * ms), so objects are freed and allocated all the time; the second half
 * one every 20 s, so each lives about 80 s, longer than a walk under
 * emulation (up to 30 s), and is checked with kcmp against the others.  The
 * write lock covers the reap and the new pid: a reader that holds the
 * read lock and sees the same (pid, gen) it saw before its walk knows
 * that child lived through the walk and is still there.
 */
static int w_slots(void)
{
	const int half = NR_SLOTS / 2;
	unsigned int round = 0, next_long = 0;
	double last_long = 0;
	int i, ret = 0;

	while (!stopping() && !ret) {
		pthread_rwlock_wrlock(&S->slot_lock);
		ret = slot_replace(round % half);
		/* The long-lived ones: all at first, then one each 20 s. */
		if (!ret && round < (unsigned int)half) {
			ret = slot_replace(half + round);
			last_long = now();
		} else if (!ret && now() - last_long >= 20) {
			ret = slot_replace(half + next_long++ % half);
			last_long = now();
		}
		pthread_rwlock_unlock(&S->slot_lock);
		round++;
		sleep_ms(80);
	}
	pthread_rwlock_wrlock(&S->slot_lock);
	for (i = 0; i < NR_SLOTS; i++) {
		if (S->slot[i].pid > 0) {
			kill(S->slot[i].pid, SIGKILL);
			waitpid(S->slot[i].pid, NULL, 0);
		}
		S->slot[i].pid = 0;
		S->slot[i].gen++;
	}
	pthread_rwlock_unlock(&S->slot_lock);
	return ret;
}

static const struct {
	const char *name;
	int (*fn)(void);
} workers[] = {
	{ "fork", w_fork }, { "thread", w_thread }, { "exec", w_exec },
	{ "mm", w_mm }, { "files", w_files }, { "ns", w_ns },
	{ "cgroup", w_cgroup }, { "spawn", w_spawn }, { "slots", w_slots },
};
#define NR_WORKERS (sizeof(workers) / sizeof(workers[0]))

/* ---- witnesses: processes that share some objects with this one ------ */

static int witness_fn(void *arg)
{
	(void)arg;
	for (;;)
		syscall(SYS_pause);
	return 0;
}

static const struct {
	const char *name;
	unsigned long flags;
} witness_kinds[] = {
	{ "all", CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND },
	{ "fs", CLONE_FS },
	{ "files", CLONE_FILES },
};
#define NR_WITNESSES (sizeof(witness_kinds) / sizeof(witness_kinds[0]))

/* ---- readers --------------------------------------------------------- */

static const struct {
	const char *type;
	int kcmp;
} shareable[] = {
	{ OSM_NODE_MM, KCMP_VM }, { OSM_NODE_FILES, KCMP_FILES },
	{ OSM_NODE_FS, KCMP_FS }, { OSM_NODE_SIGHAND, KCMP_SIGHAND },
};
#define NR_SHAREABLE (sizeof(shareable) / sizeof(shareable[0]))

struct reader {
	pthread_t th;
	int id;
	bool phys, pause;
	atomic_int snapshots;
	long bytes;
	long kcmp_pairs;	/* distinct-process pairs compared */
	long eligible;		/* processes alive through a walk, summed */
};

/* Processes alive for the whole test, in the kcmp check set. */
static pid_t stable[MAX_PIDS];
static int nr_stable, nr_witness_first;
static atomic_int readers_done;

struct slots_seen {
	pid_t pid[NR_SLOTS];
	unsigned int gen[NR_SLOTS];
};

static void slots_snapshot(struct slots_seen *s)
{
	int i;

	pthread_rwlock_rdlock(&S->slot_lock);
	for (i = 0; i < NR_SLOTS; i++) {
		s->pid[i] = S->slot[i].pid;
		s->gen[i] = S->slot[i].gen;
	}
	pthread_rwlock_unlock(&S->slot_lock);
}

/* Read one walk, in one-chunk read(2)s, pausing between them if asked. */
static char *read_walk(struct reader *r, size_t *len)
{
	int fd = open(osm_test_device(), O_RDONLY | O_CLOEXEC);
	struct osm_scope sc = { .flags = OSM_SCOPE_PHYS };
	char *buf = NULL;
	unsigned int n = 0;
	ssize_t got;
	int err;

	*len = 0;
	if (fd < 0) {
		fail("reader %d: open: %m", r->id);
		return NULL;
	}
	if (r->phys) {
		err = osm_ioc_set_scope(fd, &sc);
		if (err) {
			fail("reader %d: OSM_SCOPE_PHYS: %s", r->id,
			     strerror(-err));
			close(fd);
			return NULL;
		}
	}
	for (;;) {
		got = osm_test_read_chunk(fd, &buf, len);
		if (got <= 0)
			break;
		/* Parked mid-walk: 10 to 80 ms, longer now and then. */
		if (r->pause)
			sleep_ms(n++ % 7 == 3 ? 300 : 10 + (n * 17) % 70);
	}
	err = errno;
	close(fd);
	if (got < 0) {
		fail("reader %d: read after %zu bytes: %s", r->id, *len,
		     strerror(err));
		free(buf);
		return NULL;
	}
	return buf;
}

/* The one node of @type thread:@pid holds, or NULL. */
static const struct osm_node *held(const struct osm_graph *g, pid_t pid,
				   const char *type)
{
	return osm_test_held(osm_test_thread(g, pid), type);
}

/*
 * The kcmp check of one snapshot, on the processes in @pids that lived
 * through the walk (the caller holds the slot lock, so none of them
 * can be reaped meanwhile).  Returns -1 after fail().
 */
static int check_sharing(struct reader *r, const struct osm_graph *g,
			 const pid_t *pids, int n)
{
	const struct osm_node *a, *b;
	unsigned int t;
	int i, j, k;

	for (i = 0; i < n; i++) {
		if (!osm_test_process(g, pids[i])) {
			fail("reader %d snapshot %d: process:%d lived through "
			     "the walk but is not in it", r->id,
			     r->snapshots + 1, pids[i]);
			return -1;
		}
	}
	for (i = 0; i < n; i++) {
		for (j = i + 1; j < n; j++) {
			r->kcmp_pairs++;
			for (t = 0; t < NR_SHAREABLE; t++) {
				a = held(g, pids[i], shareable[t].type);
				b = held(g, pids[j], shareable[t].type);
				if (!a || !b)
					continue;
				k = osm_test_kcmp(pids[i], pids[j],
						  shareable[t].kcmp, 0, 0);
				if (k < 0) {
					fail("kcmp(%d, %d, %s): %m", pids[i],
					     pids[j], shareable[t].type);
					return -1;
				}
				if (a == b && k) {
					fail("reader %d snapshot %d: process:%d"
					     " and process:%d both hold %s, "
					     "kcmp says %d", r->id,
					     r->snapshots + 1, pids[i],
					     pids[j], osm_node__id(a), k);
					return -1;
				}
				/* Witnesses: what is shared is shown. */
				if (i == 0 && j >= nr_witness_first &&
				    j < nr_witness_first + (int)NR_WITNESSES &&
				    a != b && !k) {
					fail("reader %d snapshot %d: process:%d"
					     " shares its %s with process:%d "
					     "(kcmp) but holds %s, not %s",
					     r->id, r->snapshots + 1, pids[j],
					     shareable[t].type, pids[i],
					     osm_node__id(b), osm_node__id(a));
					return -1;
				}
			}
		}
	}
	return 0;
}

static int validate(struct reader *r, const char *buf, size_t len,
		    const struct slots_seen *before)
{
	struct osm_text_info info;
	pid_t pids[MAX_PIDS];
	struct osm_graph *g;
	const char *phys;
	char err[512];
	int i, n, ret;

	if (osm_test_check_text(buf, len, &info, err, sizeof(err))) {
		fail("reader %d snapshot %d%s%s: malformed walk: %s", r->id,
		     r->snapshots + 1, r->phys ? " (phys)" : "",
		     r->pause ? " (pausing)" : "", err);
		return -1;
	}
	g = osm_graph__parse(buf, len);
	if (!g) {
		fail("reader %d: osm_graph__parse: %m", r->id);
		return -1;
	}
	phys = osm_graph__header_attr(g, "phys");
	if (strcmp(info.view, "full") || r->phys != (phys && !strcmp(phys, "1"))) {
		fail("reader %d: header view=%s phys=%s as root, %s physical "
		     "memory", r->id, info.view, phys ?: "(none)",
		     r->phys ? "with" : "without");
		osm_graph__free(g);
		return -1;
	}
	memcpy(pids, stable, nr_stable * sizeof(*pids));
	n = nr_stable;
	pthread_rwlock_rdlock(&S->slot_lock);
	for (i = 0; i < NR_SLOTS; i++)
		if (S->slot[i].pid > 0 && S->slot[i].pid == before->pid[i] &&
		    S->slot[i].gen == before->gen[i])
			pids[n++] = S->slot[i].pid;
	r->eligible += n;
	ret = check_sharing(r, g, pids, n);
	pthread_rwlock_unlock(&S->slot_lock);
	osm_graph__free(g);
	return ret;
}

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	struct slots_seen before;
	char *buf;
	size_t len;

	/* At least one walk each, however soon the churn stops. */
	while (!atomic_load(&S->failed) &&
	       (!atomic_load(&r->snapshots) || !stopping())) {
		slots_snapshot(&before);
		buf = read_walk(r, &len);
		if (!buf)
			break;
		if (validate(r, buf, len, &before)) {
			free(buf);
			break;
		}
		free(buf);
		r->bytes += len;
		r->snapshots++;
		if (r->snapshots == MIN_SNAPSHOTS)
			atomic_fetch_add(&readers_done, 1);
	}
	return NULL;
}

/* ---- the kernel log -------------------------------------------------- */

static const char *const kernel_reports[] = {
	"BUG:", "WARNING:", "Oops", "Call Trace", "KASAN", "UBSAN",
	"KFENCE", "kmemleak", "possible recursive locking",
	"circular locking", "lockdep", "general protection", "kernel BUG",
	"list_add corruption", "list_del corruption", "ODEBUG",
	"blocked for more than",
};

/* /dev/kmsg from its end: the records the kernel logs from now on. */
static int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

/* Records since kmsg_open() that look like kernel reports; logged. */
static int kmsg_reports(struct __test_metadata *_metadata, int fd)
{
	char rec[8192];
	ssize_t n;
	size_t i;
	int bad = 0;

	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten: go on with the next */
		if (n <= 0)
			break;
		rec[n] = '\0';
		for (i = 0; i < sizeof(kernel_reports) /
			    sizeof(kernel_reports[0]); i++) {
			if (!strstr(rec, kernel_reports[i]))
				continue;
			if (bad++ < 20)
				TH_LOG("kernel: %s", strchr(rec, ';') ?
				       strchr(rec, ';') + 1 : rec);
			break;
		}
	}
	return bad;
}

/* ---- the test -------------------------------------------------------- */

static long churn_seconds(void)
{
	const char *s = getenv("OSM_CHURN_SECONDS");

	return s && *s ? strtol(s, NULL, 10) : 0;
}

/* The test's timeout follows OSM_CHURN_SECONDS (set before it runs). */
#define CHURN_TIMEOUT	(CAP_SECONDS + 150)

FIXTURE(churn) {
	pid_t worker[NR_WORKERS];
	pid_t witness[NR_WITNESSES];
	void *stacks[NR_WITNESSES];
	struct reader r[NR_READERS];
	int nr_readers;
	int kmsg;
};

static void cgroup_cleanup(void)
{
	char path[192];
	int tries;

	if (!cgdir[0])
		return;
	for (tries = 0; tries < 50; tries++) {
		snprintf(path, sizeof(path), "%s/a", cgdir);
		rmdir(path);
		snprintf(path, sizeof(path), "%s/b", cgdir);
		rmdir(path);
		if (!rmdir(cgdir) || errno == ENOENT)
			break;
		sleep_ms(100);
	}
}

FIXTURE_SETUP(churn)
{
	ssize_t n;

	self->kmsg = kmsg_open();
	S = mmap(NULL, sizeof(*S), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, S);
	memset(S, 0, sizeof(*S));
	{
		pthread_rwlockattr_t a;

		pthread_rwlockattr_init(&a);
		pthread_rwlockattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
		ASSERT_EQ(0, pthread_rwlock_init(&S->slot_lock, &a));
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	ASSERT_LT(0, n);
	exe[n] = '\0';
	snprintf(cgdir, sizeof(cgdir), CGROUP_ROOT "/osm-churn.%d",
		 (int)getpid());
}

FIXTURE_TEARDOWN(churn)
{
	unsigned int i;

	atomic_store(&S->stop, 1);
	for (i = 0; i < (unsigned int)self->nr_readers; i++)
		pthread_join(self->r[i].th, NULL);
	for (i = 0; i < NR_WORKERS; i++) {
		if (self->worker[i] > 0) {
			kill(self->worker[i], SIGKILL);
			waitpid(self->worker[i], NULL, 0);
		}
	}
	for (i = 0; i < NR_WITNESSES; i++) {
		if (self->witness[i] > 0) {
			kill(self->witness[i], SIGKILL);
			waitpid(self->witness[i], NULL, 0);
		}
	}
	cgroup_cleanup();
	if (self->kmsg >= 0)
		close(self->kmsg);
}

static pid_t start_witness(FIXTURE_DATA(churn) *self, unsigned int i)
{
	size_t size = 64 << 10;

	self->stacks[i] = mmap(NULL, size, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (self->stacks[i] == MAP_FAILED)
		return -1;
	return clone(witness_fn, (char *)self->stacks[i] + size,
		     witness_kinds[i].flags | SIGCHLD, NULL);
}

/*
 * CI: every kind its count; by the clock, or once CAP_SECONDS passed: at
 * least one of each.  Both: every reader MIN_SNAPSHOTS walks, so the
 * checks below are never vacuous (on a starved VM the clock alone once
 * ended a run before the mm worker's first operation).
 */
static bool churn_done(bool ci)
{
	int k;

	if (atomic_load(&readers_done) < NR_READERS)
		return false;
	for (k = 0; k < NR_KINDS; k++)
		if (atomic_load(&S->ops[k]) < (ci ? kinds[k].ci_ops : 1))
			return false;
	return true;
}

TEST_F_TIMEOUT(churn, readers_validate_every_walk_during_churn,
	       CHURN_TIMEOUT)
{
	long seconds = churn_seconds();
	double start, secs;
	long total_snap = 0, pairs = 0, eligible = 0, bytes = 0;
	char path[192];
	unsigned int i;
	int k, status, reports;

	ASSERT_LE(0, self->kmsg) TH_LOG("/dev/kmsg: %m");
	ASSERT_EQ(0, mkdir(cgdir, 0755)) TH_LOG("mkdir %s: %m", cgdir);
	snprintf(path, sizeof(path), "%s/a", cgdir);
	ASSERT_EQ(0, mkdir(path, 0755)) TH_LOG("mkdir %s: %m", path);
	snprintf(path, sizeof(path), "%s/b", cgdir);
	ASSERT_EQ(0, mkdir(path, 0755)) TH_LOG("mkdir %s: %m", path);

	stable[nr_stable++] = getpid();
	nr_witness_first = nr_stable;
	for (i = 0; i < NR_WITNESSES; i++) {
		self->witness[i] = start_witness(self, i);
		ASSERT_LT(0, self->witness[i])
			TH_LOG("witness %s: %m", witness_kinds[i].name);
		stable[nr_stable++] = self->witness[i];
	}
	for (i = 0; i < NR_WORKERS; i++) {
		self->worker[i] = fork();
		ASSERT_LE(0, self->worker[i]) TH_LOG("fork: %m");
		if (self->worker[i] == 0) {
			int ret;

			prctl(PR_SET_PDEATHSIG, SIGKILL);
			ret = workers[i].fn();
			if (ret && !stopping())
				fail("worker %s: %m", workers[i].name);
			/* Alive until no walk can be checked against us. */
			while (!atomic_load(&S->release))
				sleep_ms(20);
			_exit(ret ? 1 : 0);
		}
		stable[nr_stable++] = self->worker[i];
	}
	for (i = 0; i < NR_READERS; i++) {
		struct reader *r = &self->r[i];

		r->id = i;
		r->phys = i % 2;
		r->pause = i >= 2;
		ASSERT_EQ(0, pthread_create(&r->th, NULL, reader_main, r));
		self->nr_readers++;
	}

	start = now();
	while (!stopping()) {
		secs = now() - start;
		if (seconds > 0 ? secs >= seconds && churn_done(false) :
		    churn_done(true) ||
		    (secs >= CAP_SECONDS && churn_done(false)))
			break;
		sleep_ms(100);
	}
	atomic_store(&S->stop, 1);
	for (i = 0; i < NR_READERS; i++)
		pthread_join(self->r[i].th, NULL);
	self->nr_readers = 0;
	atomic_store(&S->release, 1);
	secs = now() - start;
	for (i = 0; i < NR_WORKERS; i++) {
		ASSERT_EQ(self->worker[i], waitpid(self->worker[i], &status, 0));
		self->worker[i] = 0;
		EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
			TH_LOG("worker %s: status %#x", workers[i].name,
			       status);
	}

	TH_LOG("churn for %.1f s (%s), %d workers, %d readers", secs,
	       seconds > 0 ? "OSM_CHURN_SECONDS" : "CI counts", NR_WORKERS,
	       NR_READERS);
	for (k = 0; k < NR_KINDS; k++) {
		long ops = atomic_load(&S->ops[k]);

		TH_LOG("%-32s %8ld ops %9.1f/s", kinds[k].name, ops,
		       ops / secs);
	}
	for (i = 0; i < NR_READERS; i++) {
		struct reader *r = &self->r[i];

		TH_LOG("reader %u (%s, %s): %d snapshots validated, %.1f MB, "
		       "%ld process pairs checked with kcmp", i,
		       r->phys ? "phys" : "no phys",
		       r->pause ? "pausing mid-walk" : "straight through",
		       r->snapshots, r->bytes / 1e6, r->kcmp_pairs);
		total_snap += r->snapshots;
		pairs += r->kcmp_pairs;
		eligible += r->eligible;
		bytes += r->bytes;
	}
	TH_LOG("%ld snapshots validated (%.1f/s, %.1f MB), %ld kcmp pairs, "
	       "%.1f processes alive through each walk", total_snap,
	       total_snap / secs, bytes / 1e6, pairs,
	       total_snap ? (double)eligible / total_snap : 0.0);
	reports = kmsg_reports(_metadata, self->kmsg);
	TH_LOG("kernel reports since the start: %d", reports);

	ASSERT_EQ(0, atomic_load(&S->failed)) TH_LOG("%s", S->err);
	EXPECT_EQ(0, reports);
	for (i = 0; i < NR_READERS; i++)
		EXPECT_LE(1, self->r[i].snapshots) TH_LOG("reader %u", i);
	for (k = 0; k < NR_KINDS; k++)
		EXPECT_LE(1, atomic_load(&S->ops[k]))
			TH_LOG("no operation of kind %d at all", k);
}

/* OSM_CHURN_SECONDS=N: the harness waits N seconds more. */
static void __attribute__((constructor(KSELFTEST_PRIO_TEST + 1)))
churn_timeout(void)
{
	long s = churn_seconds();

	if (s > 0)
		_churn_readers_validate_every_walk_during_churn_object->timeout =
			s + CHURN_TIMEOUT;
}

OSM_TEST_MAIN
