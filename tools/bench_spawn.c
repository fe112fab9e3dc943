// SPDX-License-Identifier: GPL-2.0-only
/*
 * osm-bench --spawn-latency N: how long it takes to start a program and
 * reap it, side by side in one run: osm_spawn() with the process preset
 * against fork+exec and posix_spawn, and with the container preset
 * (without its cgroup namespace) against unshare(1) --user --fork --pid
 * --net --mount --uts --ipc (when it is installed).  The program is this binary, which exits at once
 * (--spawn-latency-child), so every method runs the same image.
 * Informational: the median of N runs of each, and the ratios.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
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

static int run_fork_exec(void)
{
	char *argv[] = { self, BENCH_SPAWN_CHILD_ARG, NULL };
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		execve(self, argv, environ);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -1;
}

static int run_posix_spawn(void)
{
	char *argv[] = { self, BENCH_SPAWN_CHILD_ARG, NULL };
	int status;
	pid_t pid;

	if (posix_spawn(&pid, self, NULL, NULL, argv, environ) ||
	    waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -1;
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

static const char *unshare_path;

static int run_unshare(void)
{
	char *argv[] = { "unshare", "--user", "--fork", "--pid", "--net",
			 "--mount", "--uts", "--ipc", self,
			 BENCH_SPAWN_CHILD_ARG, NULL };
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		execve(unshare_path, argv, environ);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -1;
}

/* The median time of @n runs of @fn in microseconds, or -1. */
static double measure(int (*fn)(void), int n)
{
	double *t = calloc(n, sizeof(*t)), m, t0;
	int i;

	if (!t || fn()) {	/* one warm-up run, which must work */
		free(t);
		return -1;
	}
	for (i = 0; i < n; i++) {
		t0 = now_us();
		if (fn()) {
			free(t);
			return -1;
		}
		t[i] = now_us() - t0;
	}
	qsort(t, n, sizeof(*t), cmp_double);
	m = t[n / 2];
	free(t);
	return m;
}

static const char *find_unshare(void)
{
	static const char *const paths[] = {
		"/usr/bin/unshare", "/bin/unshare", "/usr/sbin/unshare", NULL,
	};
	unsigned int i;

	for (i = 0; paths[i]; i++)
		if (!access(paths[i], X_OK))
			return paths[i];
	return NULL;
}

static void row(const char *name, double us, double base, const char *vs)
{
	if (us < 0) {
		printf("%-26s %10s\n", name, "n/a");
		return;
	}
	printf("%-26s %10.1f", name, us);
	if (base > 0)
		printf("   %5.2fx %s", us / base, vs);
	printf("\n");
}

int bench_spawn_latency(int n)
{
	double fe, ps, op, oc, un = -1;
	ssize_t len;

	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len <= 0) {
		perror("readlink /proc/self/exe");
		return 1;
	}
	self[len] = '\0';
	fe = measure(run_fork_exec, n);
	ps = measure(run_posix_spawn, n);
	op = measure(run_osm_process, n);
	oc = measure(run_osm_container, n);
	unshare_path = find_unshare();
	if (unshare_path)
		un = measure(run_unshare, n);

	printf("spawn latency, start a program and reap it: median of %d runs (us)\n",
	       n);
	row("fork+exec", fe, 0, "");
	row("posix_spawn", ps, fe, "fork+exec");
	row("osm_spawn process", op, fe, "fork+exec");
	row("osm_spawn container", oc, un, unshare_path ?
	    "unshare --user --fork --pid --net --mount --uts --ipc" :
	    "");
	if (!unshare_path)
		printf("%-26s %10s\n", "unshare", "(not installed)");
	else
		row("unshare (container)", un, fe, "fork+exec");
	if (op < 0 || oc < 0)
		printf("(osm_spawn: %s)\n", strerror(errno));
	return fe < 0 || ps < 0;
}
