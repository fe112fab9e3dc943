// SPDX-License-Identifier: GPL-2.0-only
/*
 * osm-bench --spawn-latency N: how long it takes to start a PD and reap
 * it, side by side in one run, each osm_spawn kind against its peers:
 *
 *   process     osm_spawn() "process"   vs fork+exec, posix_spawn
 *   thread      osm_spawn_fn() "thread" vs pthread_create+pthread_join
 *   container   osm_spawn() "container" vs unshare(1) --user --fork --pid
 *               --net --mount --uts --ipc, bwrap --unshare-all
 *
 * (the container preset without its cgroup namespace, as busybox's
 * unshare has no --cgroup).  The program is this binary, which exits at
 * once (--spawn-latency-child), so every method runs the same image; a
 * function PD and a thread run an empty function.  A few rows split the
 * process preset's cost for profiling: the same PD running a function
 * (no exec) against fork+_exit, and the open of /dev/osmosis; and the
 * thread preset's: a bare clone(2) of a process sharing the same, the
 * preset through PREPARE and COMMIT (with no_new_privs, which the
 * one-call path does not take), and its steps alone.
 * Informational: the median of N runs of each, and the ratios.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <linux/futex.h>
#include <linux/sched.h>
#include <unistd.h>

#include "osm.h"
#include "bench_spawn.h"

extern char **environ;

static char self[4096];

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int reap(pid_t pid)
{
	int status;

	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -1;
}

/* fork, then exec @path with @argv (or _exit(0) without), and reap. */
static int fork_run(const char *path, char *const argv[])
{
	pid_t pid = fork();

	if (pid == 0) {
		if (!path)
			_exit(0);
		execve(path, argv, environ);
		_exit(127);
	}
	return reap(pid);
}

static int run_fork_exec(void)
{
	char *argv[] = { self, BENCH_SPAWN_CHILD_ARG, NULL };

	return fork_run(self, argv);
}

static int run_fork_exit(void)
{
	return fork_run(NULL, NULL);
}

static int run_posix_spawn(void)
{
	char *argv[] = { self, BENCH_SPAWN_CHILD_ARG, NULL };
	pid_t pid;

	if (posix_spawn(&pid, self, NULL, NULL, argv, environ))
		return -1;
	return reap(pid);
}

static int run_osm(const char *preset)
{
	char *argv[] = { self, BENCH_SPAWN_CHILD_ARG, NULL };
	OSM_OPTS(osm_spawn_opts, o, .argv = argv);
	struct osm_spawned pd;
	int status;

	if (osm_spawn_preset(preset, &o))
		return -1;
	/* As unshare below: busybox's has no --cgroup. */
	o.mode[OSM_SPAWN_R_CGROUP_NS] = OSM_SPAWN_SHARE;
	if (osm_spawn(&o, &pd) < 0 || osm_spawn_wait(&pd, &status))
		return -1;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -1;
}

static int run_osm_process(void)
{
	return run_osm("process");
}

static int run_osm_container(void)
{
	return run_osm("container");
}

static int empty_fn(void *arg)
{
	(void)arg;
	return 0;
}

static int run_osm_fn_flags(const char *preset, unsigned int flags)
{
	OSM_OPTS(osm_spawn_opts, o, .stack_size = OSM_SPAWN_STACK_MIN);
	struct osm_spawned pd;
	int status;

	if (osm_spawn_preset(preset, &o))
		return -1;
	o.flags |= flags;
	if (osm_spawn_fn(&o, empty_fn, NULL, &pd) < 0 ||
	    osm_spawn_wait(&pd, &status))
		return -1;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -1;
}

static int run_osm_fn(const char *preset)
{
	return run_osm_fn_flags(preset, 0);
}

static int run_osm_thread(void)
{
	return run_osm_fn("thread");
}

/*
 * The same with no_new_privs, which the one-call path does not take:
 * PREPARE, the child's COMMIT, and the caller waiting for it.
 */
static int run_osm_thread_commit(void)
{
	return run_osm_fn_flags("thread", OSM_SPAWN_NO_NEW_PRIVS);
}

static int run_osm_fn_process(void)
{
	return run_osm_fn("process");
}

static void *empty_thread(void *arg)
{
	return arg;
}

static int run_pthread(void)
{
	pthread_t t;

	if (pthread_create(&t, NULL, empty_thread, NULL))
		return -1;
	return pthread_join(t, NULL) ? -1 : 0;
}

/*
 * The kernel's floor for a thread-like PD: clone(2) a process that
 * shares what the thread preset shares, on a stack used again and again
 * (as pthread caches stacks), and reap it.  osm_spawn_fn() "thread"
 * costs this plus PREPARE, COMMIT and its own stack.
 */
static char clone_stack[64 << 10] __attribute__((aligned(16)));

static int run_raw_clone(void)
{
	pid_t pid = clone(empty_fn, clone_stack + sizeof(clone_stack),
			  CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
			  CLONE_SYSVSEM | SIGCHLD, NULL);

	return reap(pid);
}

/*
 * The steps of the thread preset, each alone: a clone with a pidfd, reaped
 * through it; a fresh stack as osm_spawn_fn() maps one (a guard page,
 * the top page touched, unmapped); the caller waiting on a futex until
 * the child says it runs (what COMMIT's report costs beside the ioctl).
 */
static int run_clone_pidfd(void)
{
	int pidfd = -1;
	siginfo_t si;
	pid_t pid;

	/* clone(2) gives the pidfd through parent_tid with CLONE_PIDFD. */
	pid = clone(empty_fn, clone_stack + sizeof(clone_stack),
		    CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
		    CLONE_SYSVSEM | CLONE_PIDFD | SIGCHLD, NULL, &pidfd);
	if (pid < 0)
		return -1;
	pid = waitid(P_PIDFD, pidfd, &si, WEXITED);
	close(pidfd);
	return pid;
}

static int run_stack_map(void)
{
	const size_t len = (2 << 20) + 4096;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE,
		       -1, 0);

	if (p == MAP_FAILED)
		return -1;
	if (mprotect(p, 4096, PROT_NONE))
		return -1;
	((volatile char *)p)[len - 64] = 1;
	return munmap(p, len);
}

static int futex_flag;

static int wake_fn(void *arg)
{
	(void)arg;
	__atomic_store_n(&futex_flag, 1, __ATOMIC_RELEASE);
	syscall(SYS_futex, &futex_flag, FUTEX_WAKE, 1, NULL, NULL, 0);
	return 0;
}

static int run_clone_futex(void)
{
	pid_t pid;

	futex_flag = 0;
	pid = clone(wake_fn, clone_stack + sizeof(clone_stack),
		    CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
		    CLONE_SYSVSEM | SIGCHLD, NULL);
	if (pid < 0)
		return -1;
	while (!__atomic_load_n(&futex_flag, __ATOMIC_ACQUIRE))
		syscall(SYS_futex, &futex_flag, FUTEX_WAIT, 0, NULL, NULL, 0);
	return reap(pid);
}

static int run_open_osm(void)
{
	int fd = open(OSM_DEVICE_PATH, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static const char *unshare_path, *bwrap_path;

static int run_unshare(void)
{
	char *argv[] = { "unshare", "--user", "--fork", "--pid", "--net",
			 "--mount", "--uts", "--ipc", self,
			 BENCH_SPAWN_CHILD_ARG, NULL };

	return fork_run(unshare_path, argv);
}

static int run_bwrap(void)
{
	char *argv[] = { "bwrap", "--unshare-all", "--bind", "/", "/",
			 "--", self, BENCH_SPAWN_CHILD_ARG, NULL };

	return fork_run(bwrap_path, argv);
}

/* A method under test: its runs' times and their median (-1: failed). */
struct method {
	int (*fn)(void);
	double *t;
	double median;
};

/*
 * The median time of @n runs of each method in microseconds, or -1 for
 * one that failed.  The methods take turns, run by run, so a change in
 * the load of a shared host falls on all of them alike.
 */
static void measure(struct method *m, unsigned int nm, int n)
{
	unsigned int k;
	double t0;
	int i;

	for (k = 0; k < nm; k++) {
		m[k].t = calloc(n, sizeof(*m[k].t));
		/* One warm-up run, which must work. */
		m[k].median = m[k].fn && m[k].t && !m[k].fn() ? 0 : -1;
	}
	for (i = 0; i < n; i++)
		for (k = 0; k < nm; k++) {
			if (m[k].median < 0)
				continue;
			t0 = now_us();
			if (m[k].fn()) {
				m[k].median = -1;
				continue;
			}
			m[k].t[i] = now_us() - t0;
		}
	for (k = 0; k < nm; k++) {
		if (m[k].median == 0) {
			qsort(m[k].t, n, sizeof(*m[k].t), cmp_double);
			m[k].median = m[k].t[n / 2];
		}
		free(m[k].t);
	}
}

static const char *find_prog(const char *name)
{
	static const char *const dirs[] = {
		"/usr/bin", "/bin", "/usr/sbin", "/sbin", NULL,
	};
	static char path[4][64];
	static unsigned int next;
	unsigned int i;
	char *p = path[next++ % 4];

	for (i = 0; dirs[i]; i++) {
		snprintf(p, sizeof(path[0]), "%s/%s", dirs[i], name);
		if (!access(p, X_OK))
			return p;
	}
	return NULL;
}

/* "name  us  ratio vs base1  ratio vs base2" (a ratio only if both ran). */
static void row(const char *name, double us, double b1, const char *v1,
		double b2, const char *v2)
{
	if (us < 0) {
		printf("  %-28s %9s\n", name, "n/a");
		return;
	}
	printf("  %-28s %9.1f", name, us);
	if (b1 > 0)
		printf("  %5.2fx %s", us / b1, v1);
	if (b2 > 0)
		printf("  %5.2fx %s", us / b2, v2);
	printf("\n");
}

int bench_spawn_latency(int n)
{
	enum { FE, PS, OP, FX, OF, OO, PT, RC, OT, OC, UN, BW, C3, SM, CF,
	       TC, NM };
	struct method m[NM] = {
		[FE] = { run_fork_exec }, [PS] = { run_posix_spawn },
		[OP] = { run_osm_process }, [FX] = { run_fork_exit },
		[OF] = { run_osm_fn_process }, [OO] = { run_open_osm },
		[PT] = { run_pthread }, [RC] = { run_raw_clone },
		[OT] = { run_osm_thread },
		[OC] = { run_osm_container }, [UN] = { run_unshare },
		[BW] = { run_bwrap }, [C3] = { run_clone_pidfd },
		[SM] = { run_stack_map }, [CF] = { run_clone_futex },
		[TC] = { run_osm_thread_commit },
	};
	double fe, ps, op, fx, pt, un, bw;
	ssize_t len;

	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len <= 0) {
		perror("readlink /proc/self/exe");
		return 1;
	}
	self[len] = '\0';
	unshare_path = find_prog("unshare");
	bwrap_path = find_prog("bwrap");
	if (!unshare_path)
		m[UN].fn = NULL;
	if (!bwrap_path)
		m[BW].fn = NULL;
	measure(m, NM, n);
	fe = m[FE].median;
	ps = m[PS].median;
	op = m[OP].median;
	fx = m[FX].median;
	pt = m[PT].median;
	un = m[UN].median;
	bw = m[BW].median;

	printf("spawn latency, start a PD and reap it: median of %d runs (us),\n"
	       "the methods taking turns run by run\n", n);
	printf("process (target: within 1.2x fork+exec)\n");
	row("fork+exec", fe, 0, "", 0, "");
	row("posix_spawn", ps, fe, "fork+exec", 0, "");
	row("osm_spawn process", op, fe, "fork+exec", ps, "posix_spawn");
	printf("process, without the exec (where the time goes)\n");
	row("fork+_exit", fx, 0, "", 0, "");
	row("osm_spawn_fn process", m[OF].median, fx, "fork+_exit", 0, "");
	row("open+close /dev/osmosis", m[OO].median, 0, "", 0, "");
	printf("thread (target: within 2x pthread_create)\n");
	row("pthread_create+join", pt, 0, "", 0, "");
	row("clone CLONE_VM... +wait", m[RC].median, pt, "pthread_create",
	    0, "");
	row("osm_spawn_fn thread", m[OT].median, pt, "pthread_create",
	    m[RC].median, "clone");
	printf("thread, its steps alone (where the time goes)\n");
	row("osm_spawn_fn thread +nnp", m[TC].median, pt, "pthread_create",
	    m[OT].median, "one call");
	row("clone +pidfd +waitid(pidfd)", m[C3].median, pt, "pthread_create",
	    m[RC].median, "clone");
	row("clone +futex wake +wait", m[CF].median, pt, "pthread_create",
	    m[RC].median, "clone");
	row("2 MiB stack map+touch+unmap", m[SM].median, 0, "", 0, "");
	printf("container (target: faster than both peers)\n");
	if (unshare_path)
		row("unshare --user --fork ...", un, 0, "", 0, "");
	else
		printf("  %-28s %9s\n", "unshare", "(not installed)");
	if (bwrap_path)
		row("bwrap --unshare-all", bw, 0, "", 0, "");
	else
		printf("  %-28s %9s\n", "bwrap", "(not installed)");
	row("osm_spawn container", m[OC].median, un, "unshare", bw, "bwrap");
	return fe < 0 || ps < 0 || pt < 0;
}
