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
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_backend.h"
#include "bench_spawn.h"
#include "osm.h"

#define BENCH_MAX_ITER	100
#define BENCH_FLOOR_PATH	"/sys/kernel/debug/osmosis/floor"

/* What each extra child of the load has. */
struct bench_shape {
	int threads;
	int regions;
	int fds;
};

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

/*
 * With physical memory on, the scrape also reads every region's frames
 * from pagemap (root only, as the graph's frames are), as a careful
 * program would: one pread() per region (per 64 KiB of entries).
 */
static bool scrape_phys;

static long scrape_pagemap(int piddir, const char *maps)
{
	static unsigned long long ent[8192];
	unsigned long start, end, page = sysconf(_SC_PAGESIZE), n;
	const char *line;
	long bytes = 0;
	ssize_t got;
	int fd;

	fd = openat(piddir, "pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	for (line = maps; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		if (sscanf(line, "%lx-%lx", &start, &end) != 2)
			continue;
		for (; start < end; start += n * page) {
			n = (end - start) / page;
			if (n > sizeof(ent) / sizeof(ent[0]))
				n = sizeof(ent) / sizeof(ent[0]);
			got = pread(fd, ent, n * sizeof(ent[0]),
				    start / page * sizeof(ent[0]));
			if (got <= 0)
				break;
			bytes += got;
		}
	}
	close(fd);
	return bytes;
}

/* maps, and with physical memory on the frames of each region. */
static long scrape_maps(int piddir)
{
	static char *buf;
	static size_t cap;
	size_t len = 0;
	ssize_t n;
	int fd;

	fd = openat(piddir, "maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	for (;;) {
		if (cap - len < 65536) {
			char *p = realloc(buf, cap + 262144);

			if (!p)
				break;
			buf = p;
			cap += 262144;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n <= 0)
			break;
		len += n;
	}
	close(fd);
	if (!buf)
		return 0;
	buf[len] = '\0';
	return len + (scrape_phys ? scrape_pagemap(piddir, buf) : 0);
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
	long bytes = 0;
	int piddir, tdir, t;
	DIR *tasks;

	piddir = openat(procfd, pid, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (piddir < 0)
		return 0;
	bytes += scrape_maps(piddir);
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

/*
 * A child as the benchmark's load: @threads threads, @regions memory
 * regions (pages of alternating protection, so they do not merge) and
 * @fds descriptors (a pipe, a socketpair and files), waiting on @fd.
 */
static void child_main(int fd, const struct bench_shape *shape)
{
	long page = sysconf(_SC_PAGESIZE);
	int pipefd[2], sockfd[2], i;
	pthread_t tid;
	char *mem;

	mem = mmap(NULL, page * shape->regions, PROT_READ,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	/* Written pages are private frames, for --phys. */
	for (i = 1; mem != MAP_FAILED && i < shape->regions; i += 2)
		if (!mprotect(mem + i * page, page, PROT_READ | PROT_WRITE))
			mem[i * page] = 1;
	if (shape->fds >= 4 && !pipe(pipefd) &&
	    !socketpair(AF_UNIX, SOCK_STREAM, 0, sockfd))
		i = 4;
	else
		i = 0;
	for (; i < shape->fds; i++)
		open(i % 2 ? "/proc/self/status" : "/dev/null", O_RDONLY);
	for (i = 1; i < shape->threads; i++)
		pthread_create(&tid, NULL, idle_thread, &fd);
	idle_thread(&fd);
	_exit(0);
}

static int spawn_load(struct bench_load *load, int nr,
		      const struct bench_shape *shape)
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
			child_main(pipefd[0], shape);
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

/*
 * One read of the module's floor file: the bare in-kernel walk (no ids,
 * no text).  Returns the wall time in ms and the walk's own time in
 * *walk_ms, or a negative value when the file cannot be read.
 */
static double read_floor(const char *path, double *walk_ms, char *line,
			 size_t len)
{
	unsigned long long ns;
	double t0 = now_ms(), t;
	const char *w;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, line, len - 1);
	close(fd);
	t = now_ms() - t0;
	if (n <= 0)
		return -1;
	line[n] = '\0';
	line[strcspn(line, "\n")] = '\0';
	w = strstr(line, "walk_ns=");
	if (!w || sscanf(w, "walk_ns=%llu", &ns) != 1)
		return -1;
	*walk_ms = ns / 1e6;
	return t;
}

/* A walk with physical memory: OSM_SCOPE_PHYS, then read it all. */
static long read_phys(const char *device)
{
	struct osm_scope sc = { .size = sizeof(sc), .flags = OSM_SCOPE_PHYS };
	char buf[65536];
	long total = 0;
	ssize_t n;
	int fd;

	fd = open(device, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (osm_ioc_set_scope(fd, &sc)) {
		close(fd);
		return -1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		total += n;
	close(fd);
	return n < 0 ? -1 : total;
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: osm-bench [-i ITER] [-s CHILDREN] [-t THREADS] [-r REGIONS] [-f FDS]\n"
		"                 [-d DEVICE] [--floor PATH] [--read-only] [--phys]\n"
		"Compare getting the isolation graph from /dev/osmosis with scraping\n"
		"the same facts from /proc and with the module's bare in-kernel walk\n"
		"(the floor: the same structures, no ids, no text), side by side, and\n"
		"print the ratios.\n"
		"  -i, --iterations N  runs of each method, median reported (default 5)\n"
		"  -s, --spawn N       extra child processes to create first (default 0)\n"
		"  -t, --threads N     threads per extra child (default 2)\n"
		"  -r, --regions N     memory regions per extra child (default 24)\n"
		"  -f, --fds N         open descriptors per extra child (default 16)\n"
		"  -d, --device PATH   device to read (default " OSM_DEVICE_PATH ")\n"
		"      --floor PATH    the floor file (default " BENCH_FLOOR_PATH ";\n"
		"                      needs root and debugfs mounted; skipped if absent)\n"
		"      --read-only     only read the device ITER times (to profile it)\n"
		"      --phys          with physical memory: the walk with OSM_SCOPE_PHYS,\n"
		"                      the scrape also reads each region's pagemap (root)\n"
		"      --backends      only compare the whole-system walk of each libosm\n"
		"                      backend (module, bpf, procfs) under the -s load:\n"
		"                      medians, the bpf load/walk split, ratios\n"
		"      --bpf           the same as --backends\n"
		"      --spawn-latency N  only time starting a PD: osm_spawn() process,\n"
		"                      thread, container against fork+exec, posix_spawn,\n"
		"                      pthread_create, unshare(1) and bwrap\n"
		"  -V, --version       print the version and exit\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "iterations", required_argument, NULL, 'i' },
		{ "spawn", required_argument, NULL, 's' },
		{ "threads", required_argument, NULL, 't' },
		{ "regions", required_argument, NULL, 'r' },
		{ "fds", required_argument, NULL, 'f' },
		{ "device", required_argument, NULL, 'd' },
		{ "floor", required_argument, NULL, 'F' },
		{ "read-only", no_argument, NULL, 'R' },
		{ "phys", no_argument, NULL, 'P' },
		{ "spawn-latency", required_argument, NULL, 'L' },
		{ "bpf", no_argument, NULL, 'B' },
		{ "backends", no_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{}
	};
	double t_dev[BENCH_MAX_ITER], t_parse[BENCH_MAX_ITER];
	double t_proc[BENCH_MAX_ITER], t_floor[BENCH_MAX_ITER];
	double t_fwalk[BENCH_MAX_ITER], m_dev, m_parse, m_proc, m_floor, t0;
	struct bench_shape shape = { .threads = 2, .regions = 24, .fds = 16 };
	int iter = 5, spawn = 0, nproc = 0, c, i;
	const char *floor_path = BENCH_FLOOR_PATH;
	const char *device = OSM_DEVICE_PATH;
	long dev_bytes = 0, proc_bytes = 0;
	size_t nodes = 0, edges = 0;
	struct bench_load load = {};
	bool have_floor = true, read_only = false, phys = false;
	bool backends = false;
	char floor_line[256];

	if (argc == 2 && !strcmp(argv[1], BENCH_SPAWN_CHILD_ARG))
		return 0;
	while ((c = getopt_long(argc, argv, "i:s:t:r:f:d:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'i': iter = atoi(optarg); break;
		case 's': spawn = atoi(optarg); break;
		case 't': shape.threads = atoi(optarg); break;
		case 'r': shape.regions = atoi(optarg); break;
		case 'f': shape.fds = atoi(optarg); break;
		case 'd': device = optarg; break;
		case 'F': floor_path = optarg; break;
		case 'R': read_only = true; break;
		case 'P': phys = true; break;
		case 'B': backends = true; break;
		case 'L': return bench_spawn_latency(atoi(optarg) > 0 ?
						     atoi(optarg) : 1);
		case 'h': usage(stdout); return 0;
		case 'V': printf("osm-bench v%s\n", OSM_LIB_VERSION_STR); return 0;
		default: usage(stderr); return 1;
		}
	}
	if (iter < 1 || iter > BENCH_MAX_ITER || spawn < 0 ||
	    shape.threads < 1 || shape.regions < 1 || shape.regions > 4096 ||
	    shape.fds < 0 || shape.fds > 1000) {
		fprintf(stderr, "Error: iterations must be 1..%d, spawn >= 0, threads >= 1, regions 1..4096, fds 0..1000\n",
			BENCH_MAX_ITER);
		return 1;
	}
	scrape_phys = phys;
	if (spawn_load(&load, spawn, &shape)) {
		perror("Error: spawning the load");
		return 1;
	}
	if (backends) {
		c = bench_backends(iter, load.nr);
		reap_load(&load);
		return c;
	}

	for (i = 0; i < iter; i++) {
		OSM_OPTS(osm_graph_opts, gopts, .path = device);
		struct osm_graph *g;

		t0 = now_ms();
		dev_bytes = phys ? read_phys(device) : slurp(AT_FDCWD, device);
		t_dev[i] = now_ms() - t0;
		if (phys && dev_bytes >= 0) {	/* libosm loads only whole walks */
			t_parse[i] = t_dev[i];
			goto scrape;
		}
		if (read_only && dev_bytes >= 0)
			continue;

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

scrape:
		t0 = now_ms();
		proc_bytes = scrape_proc(&nproc);
		t_proc[i] = now_ms() - t0;

		if (have_floor) {
			t_floor[i] = read_floor(floor_path, &t_fwalk[i],
						floor_line, sizeof(floor_line));
			have_floor = t_floor[i] >= 0;
		}
	}
	reap_load(&load);

	m_dev = median(t_dev, iter);
	if (read_only) {
		printf("osm-bench: %d extra processes, %d reads of %s: median %.2f ms, %ld bytes\n",
		       load.nr, iter, device, m_dev, dev_bytes);
		return 0;
	}
	m_parse = median(t_parse, iter);
	m_proc = median(t_proc, iter);
	printf("osm-bench: %d processes (%d extra: %d threads, %d regions, %d fds each), %d iterations, medians%s\n",
	       nproc, load.nr, shape.threads, shape.regions, shape.fds, iter,
	       phys ? ", with physical memory" : "");
	printf("  %-34s %9.2f ms  %ld bytes\n", "(a) /dev/osmosis read", m_dev,
	       dev_bytes);
	if (!phys)
		printf("  %-34s %9.2f ms  %zu nodes, %zu edges\n",
		       "    /dev/osmosis read + libosm parse", m_parse, nodes,
		       edges);
	printf("  %-34s %9.2f ms  %ld bytes\n",
	       phys ? "(b) /proc scrape + pagemap" : "(b) /proc scrape (same facts)",
	       m_proc, proc_bytes);
	if (have_floor) {
		m_floor = median(t_floor, iter);
		printf("  %-34s %9.2f ms  (in-kernel walk %.2f ms) %s\n",
		       "(c) bare in-kernel walk (floor)", m_floor,
		       median(t_fwalk, iter), floor_line);
	} else {
		printf("  %-34s unavailable: %s unreadable (root, debugfs mounted?)\n",
		       "(c) bare in-kernel walk (floor)", floor_path);
	}
	printf("  ratio (b) /proc scrape : (a) osmosis read  = %.1fx\n",
	       m_proc / m_dev);
	if (!phys)
		printf("  ratio (b) /proc scrape : (a) read + parse  = %.1fx\n",
		       m_proc / m_parse);
	if (have_floor)	/* the floor reads no page tables */
		printf("  ratio (a) osmosis read : (c) floor         = %.1fx%s\n",
		       m_dev / m_floor, phys ? " (floor without frames)" : "");
	return 0;
}
