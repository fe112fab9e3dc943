// SPDX-License-Identifier: GPL-2.0-only
/*
 * osm-bench: how much faster is /dev/osmosis than scraping /proc?
 *
 * The OSmosis prototype builds its graph by reading /proc.  This program
 * measures, side by side in one run on the same system, the time to get
 * the graph from /dev/osmosis (raw read, and read plus libosm parse)
 * and the time to read the /proc files that carry the same facts: for
 * every process status, maps, the fd links and fdinfo; for every thread
 * its eight namespace links (stat), root and cwd.  /proc cannot even
 * tell which mm, file table, fs or signal handlers are shared (that needs
 * kcmp(2) between every pair), so the ratio flatters /proc.
 *
 * It prints medians over the iterations and the ratios; it asserts
 * nothing, because a speed target is a benchmark, not a test.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "osm.h"

#define BENCH_MAX_ITER	100

struct bench_load {
	pid_t *pids;
	int nr;
	int release_fd;		/* closing it lets every child exit */
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Read a whole file, discarding it; returns bytes read or -1. */
static long slurp(int dirfd, const char *path)
{
	char buf[65536];
	long total = 0;
	ssize_t n;
	int fd;

	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		total += n;
	close(fd);
	return n < 0 ? -1 : total;
}

/* What /proc gives for one thread: namespaces, root and cwd. */
static long scrape_task(int taskdir)
{
	static const char *const ns[] = {
		"ns/mnt", "ns/uts", "ns/ipc", "ns/pid", "ns/net", "ns/user",
		"ns/cgroup", "ns/time",
	};
	char link[4096];
	struct stat st;
	long bytes = 0;
	size_t i;
	ssize_t n;

	for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
		if (!fstatat(taskdir, ns[i], &st, 0))
			bytes += sizeof(st.st_ino);
	n = readlinkat(taskdir, "root", link, sizeof(link));
	bytes += n > 0 ? n : 0;
	n = readlinkat(taskdir, "cwd", link, sizeof(link));
	bytes += n > 0 ? n : 0;
	n = slurp(taskdir, "status");
	bytes += n > 0 ? n : 0;
	return bytes;
}

/* Every open descriptor: where it points and its fdinfo. */
static long scrape_fds(int piddir)
{
	char link[4096], path[300];
	struct dirent *de;
	long bytes = 0;
	ssize_t n;
	DIR *dir;
	int fd;

	fd = openat(piddir, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return 0;
	}
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		n = readlinkat(fd, de->d_name, link, sizeof(link));
		bytes += n > 0 ? n : 0;
		snprintf(path, sizeof(path), "fdinfo/%s", de->d_name);
		n = slurp(piddir, path);
		bytes += n > 0 ? n : 0;
	}
	closedir(dir);
	return bytes;
}

static long scrape_process(int procfd, const char *pid)
{
	struct dirent *de;
	long bytes = 0, n;
	int piddir, tdir, t;
	DIR *tasks;

	piddir = openat(procfd, pid, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (piddir < 0)
		return 0;
	n = slurp(piddir, "maps");
	bytes += n > 0 ? n : 0;
	bytes += scrape_fds(piddir);
	tdir = openat(piddir, "task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	tasks = tdir >= 0 ? fdopendir(tdir) : NULL;
	while (tasks && (de = readdir(tasks))) {
		if (de->d_name[0] == '.')
			continue;
		t = openat(tdir, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (t < 0)
			continue;
		bytes += scrape_task(t);
		close(t);
	}
	if (tasks)
		closedir(tasks);
	else if (tdir >= 0)
		close(tdir);
	close(piddir);
	return bytes;
}

/* One scrape of /proc; *nproc counts the processes seen. */
static long scrape_proc(int *nproc)
{
	struct dirent *de;
	long bytes = 0;
	DIR *proc;

	proc = opendir("/proc");
	if (!proc)
		return -1;
	*nproc = 0;
	while ((de = readdir(proc))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		bytes += scrape_process(dirfd(proc), de->d_name);
		(*nproc)++;
	}
	closedir(proc);
	return bytes;
}

static void *idle_thread(void *arg)
{
	int fd = *(int *)arg;
	char c;

	while (read(fd, &c, 1) < 0 && errno == EINTR)
		;
	return NULL;
}

/* A child with @threads threads and a few open files, waiting on @fd. */
static void child_main(int fd, int threads)
{
	pthread_t tid;
	int i;

	for (i = 0; i < 4; i++)
		open("/proc/self/status", O_RDONLY);
	for (i = 1; i < threads; i++)
		pthread_create(&tid, NULL, idle_thread, &fd);
	idle_thread(&fd);
	_exit(0);
}

static int spawn_load(struct bench_load *load, int nr, int threads)
{
	int pipefd[2], i;

	load->pids = calloc(nr ? nr : 1, sizeof(*load->pids));
	if (!load->pids || pipe2(pipefd, O_CLOEXEC))
		return -1;
	for (i = 0; i < nr; i++) {
		pid_t pid = fork();

		if (pid < 0)
			break;
		if (!pid) {
			close(pipefd[1]);
			child_main(pipefd[0], threads);
		}
		load->pids[i] = pid;
	}
	load->nr = i;
	close(pipefd[0]);
	load->release_fd = pipefd[1];
	return 0;
}

static void reap_load(struct bench_load *load)
{
	int i;

	close(load->release_fd);
	for (i = 0; i < load->nr; i++)
		waitpid(load->pids[i], NULL, 0);
	free(load->pids);
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: osm-bench [-i ITER] [-s CHILDREN] [-t THREADS] [-d DEVICE]\n"
		"Compare getting the isolation graph from /dev/osmosis with scraping\n"
		"the same facts from /proc, side by side, and print the ratios.\n"
		"  -i, --iterations N  runs of each method, median reported (default 5)\n"
		"  -s, --spawn N       extra child processes to create first (default 0)\n"
		"  -t, --threads N     threads per extra child (default 2)\n"
		"  -d, --device PATH   device to read (default " OSM_DEVICE_PATH ")\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "iterations", required_argument, NULL, 'i' },
		{ "spawn", required_argument, NULL, 's' },
		{ "threads", required_argument, NULL, 't' },
		{ "device", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	double t_dev[BENCH_MAX_ITER], t_parse[BENCH_MAX_ITER];
	double t_proc[BENCH_MAX_ITER], m_dev, m_parse, m_proc, t0;
	int iter = 5, spawn = 0, threads = 2, nproc = 0, c, i;
	const char *device = OSM_DEVICE_PATH;
	long dev_bytes = 0, proc_bytes = 0;
	size_t nodes = 0, edges = 0;
	struct bench_load load = {};

	while ((c = getopt_long(argc, argv, "i:s:t:d:h", opts, NULL)) != -1) {
		switch (c) {
		case 'i': iter = atoi(optarg); break;
		case 's': spawn = atoi(optarg); break;
		case 't': threads = atoi(optarg); break;
		case 'd': device = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 1;
		}
	}
	if (iter < 1 || iter > BENCH_MAX_ITER || spawn < 0 || threads < 1) {
		fprintf(stderr, "Error: iterations must be 1..%d, spawn >= 0, threads >= 1\n",
			BENCH_MAX_ITER);
		return 1;
	}
	if (spawn_load(&load, spawn, threads)) {
		perror("Error: spawning the load");
		return 1;
	}

	for (i = 0; i < iter; i++) {
		OSM_OPTS(osm_graph_opts, gopts, .path = device);
		struct osm_graph *g;

		t0 = now_ms();
		dev_bytes = slurp(AT_FDCWD, device);
		t_dev[i] = now_ms() - t0;

		t0 = now_ms();
		g = osm_graph__load(&gopts);
		t_parse[i] = now_ms() - t0;
		if (!g || dev_bytes < 0) {
			fprintf(stderr, "Error: reading %s: %s\n", device,
				strerror(errno));
			reap_load(&load);
			return 1;
		}
		nodes = osm_graph__node_count(g);
		edges = osm_graph__edge_count(g);
		osm_graph__free(g);

		t0 = now_ms();
		proc_bytes = scrape_proc(&nproc);
		t_proc[i] = now_ms() - t0;
	}
	reap_load(&load);

	m_dev = median(t_dev, iter);
	m_parse = median(t_parse, iter);
	m_proc = median(t_proc, iter);
	printf("osm-bench: %d processes, %d iterations, medians\n", nproc, iter);
	printf("  %-32s %9.2f ms  %ld bytes\n", "/dev/osmosis read", m_dev,
	       dev_bytes);
	printf("  %-32s %9.2f ms  %zu nodes, %zu edges\n",
	       "/dev/osmosis read + libosm parse", m_parse, nodes, edges);
	printf("  %-32s %9.2f ms  %ld bytes\n", "/proc scrape (same facts)",
	       m_proc, proc_bytes);
	printf("  ratio /proc scrape : osmosis read          = %.1fx\n",
	       m_proc / m_dev);
	printf("  ratio /proc scrape : osmosis read + parse  = %.1fx\n",
	       m_proc / m_parse);
	return 0;
}
