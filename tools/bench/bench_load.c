// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench_load: load a saved graph with libosm and run `shared` for one PD,
 * printing the time and memory taken as "key value" lines, and the
 * answer, one "share <pd> <resource>..." line per PD, to a file that
 * bench-graph.sh compares with the networkx side's.
 *
 * With TCB-FILE, also the TCB of every process of the graph in one batch
 * (one querier, ptrace_scope 1, process granularity), timed, and for every
 * TCB_STRIDE-th process in graph order (default 50) its answer written as
 * "tcb <pd> <entry> why=<bits> rules=<bits> res=<n> at=<sum>" lines, one
 * per TCB entry in graph order: the parts that hold (1 shared, 2 control,
 * 4 server), the control rules (1 parent, 2 tracer, 4 signal, 8 ptrace),
 * the number of shared resources and the sum of their positions in the
 * graph (a check of which they are; the access modes are not compared).
 *
 * With "sample" after TCB_STRIDE, only the sampled processes are asked.
 * Every tenth sampled process is asked again without the querier (the
 * single-query path) and the two answers compared in full, access modes
 * included: the batch's caches must not change an answer.
 *
 * The first TCB of the batch runs on a new querier (what `osm tcb PID`
 * run once pays: its indices and caches are built for that query); it
 * is printed beside the mean of the sampled ones after it (warm) and a
 * single query without a querier, on the same PD, before the batch.
 *
 * BENCH_SINGLE_THREAD=1 loads without the library's helper thread
 * (osm_graph_opts.single_thread), for the side-by-side load figure.
 *
 * Usage: bench_load GRAPH PD ANSWER-FILE [TCB-FILE [TCB_STRIDE [sample]]]
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "osm.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long maxrss_kib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static double tv_s(struct timeval tv)
{
	return tv.tv_sec + tv.tv_usec / 1e6;
}

/* Are two TCB answers the same, entry by entry and resource by resource? */
static bool tcb_equal(const struct osm_tcb_entry *a, int na,
		      const struct osm_tcb_entry *b, int nb)
{
	int i;
	size_t k;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++) {
		if (a[i].pd != b[i].pd || a[i].why != b[i].why ||
		    a[i].rules != b[i].rules || a[i].nres != b[i].nres ||
		    a[i].nchan != b[i].nchan)
			return false;
		for (k = 0; k < a[i].nres; k++)
			if (a[i].res[k].res != b[i].res[k].res ||
			    a[i].res[k].mine != b[i].res[k].mine ||
			    a[i].res[k].theirs != b[i].res[k].theirs)
				return false;
		for (k = 0; k < a[i].nchan; k++)
			if (a[i].chan[k] != b[i].chan[k])
				return false;
	}
	return true;
}

/* The TCB of every process; the sampled ones' answers to @path. */
static int tcb_batch(const struct osm_graph *g, const char *path,
		     unsigned int stride, bool only_sample)
{
	struct osm_querier *q = osm_querier__new(g);
	size_t i, j, k, n = osm_graph__node_count(g), nproc = 0, nsample = 0;
	double c0, c1, sample_s = 0, first_s = -1, single_s = -1;
	unsigned long long entries = 0;
	size_t nsingle = 0, nsame = 0;
	FILE *f = fopen(path, "w");

	if (!q || !f) {
		perror(path);
		return -1;
	}
	/* One query without a querier, on the first process: osm tcb. */
	for (i = 0; i < n && single_s < 0; i++) {
		const struct osm_node *pd = osm_graph__node(g, i);
		OSM_OPTS(osm_tcb_opts, o1, .ptrace_scope = 1);
		struct osm_tcb_entry *t1;
		double s1;
		int m1;

		if (!osm_node__is_pd(pd) ||
		    strcmp(osm_node__type(pd), "process"))
			continue;
		s1 = cpu();
		m1 = osm_query__tcb(g, pd, &o1, &t1);
		single_s = cpu() - s1;
		if (m1 >= 0)
			osm_tcb__free(t1, m1);
	}
	c0 = cpu();
	for (i = 0; i < n; i++) {
		const struct osm_node *pd = osm_graph__node(g, i);
		OSM_OPTS(osm_tcb_opts, o, .ptrace_scope = 1, .querier = q);
		struct osm_tcb_entry *t;
		bool sample;
		double s0;
		int m;

		if (!osm_node__is_pd(pd) ||
		    strcmp(osm_node__type(pd), "process"))
			continue;
		sample = nproc++ % stride == 0;
		if (only_sample && !sample)
			continue;
		s0 = cpu();
		m = osm_query__tcb(g, pd, &o, &t);
		if (m < 0) {
			perror("tcb");
			return -1;
		}
		entries += m;
		if (first_s < 0)	/* the first: not in the warm mean */
			first_s = cpu() - s0;
		if (sample) {
			sample_s += cpu() - s0;
			nsample++;
		}
		for (j = 0; sample && j < (size_t)m; j++) {
			unsigned long long at = 0;

			for (k = 0; k < t[j].nres; k++)
				at += osm_node__index(t[j].res[k].res);
			fprintf(f, "tcb %s %s why=%u rules=%u res=%zu at=%llu\n",
				osm_node__id(pd), osm_node__id(t[j].pd),
				t[j].why, t[j].rules, t[j].nres, at);
		}
		if (sample && nsample % 10 == 1) {
			OSM_OPTS(osm_tcb_opts, o1, .ptrace_scope = 1);
			struct osm_tcb_entry *t1;
			double s1 = cpu();
			int m1 = osm_query__tcb(g, pd, &o1, &t1);

			c0 += cpu() - s1;	/* not part of the batch */
			nsingle++;
			nsame += m1 >= 0 && tcb_equal(t, m, t1, m1);
			if (m1 >= 0)
				osm_tcb__free(t1, m1);
		}
		osm_tcb__free(t, m);
	}
	c1 = cpu();
	fclose(f);
	osm_querier__free(q);
	if (only_sample)
		nproc = nsample;
	printf("tcb_processes %zu\n", nproc);
	printf("tcb_entries %llu\n", entries);
	printf("tcb_batch_cpu_s %.3f\n", c1 - c0);
	printf("tcb_per_process_s %.6f\n", nproc ? (c1 - c0) / nproc : 0);
	printf("tcb_first_s %.4f\n", first_s);
	printf("tcb_single_s %.4f\n", single_s);
	printf("tcb_single_checked %zu\n", nsingle);
	printf("tcb_single_equal %zu\n", nsame);
	printf("tcb_sample %zu\n", nsample);
	/* The first sampled process was the first query: not warm. */
	printf("tcb_sample_per_process_s %.6f\n",
	       nsample > 1 ? (sample_s - first_s) / (nsample - 1) : 0);
	return 0;
}

int main(int argc, char **argv)
{
	char errbuf[256] = "";
	const struct osm_node *pd;
	struct osm_share *sh;
	struct osm_graph *g;
	double t0, t1, t2, c0, c1;
	struct rusage r0, r1;
	struct stat st;
	FILE *ans;
	int i, n;
	size_t j;

	if (argc < 4 || argc > 7) {
		fprintf(stderr,
			"usage: %s GRAPH PD ANSWER-FILE [TCB-FILE [TCB_STRIDE [sample]]]\n",
			argv[0]);
		return 2;
	}
	if (stat(argv[1], &st)) {
		perror(argv[1]);
		return 1;
	}
	{
		const char *one = getenv("BENCH_SINGLE_THREAD");
		OSM_OPTS(osm_graph_opts, opts, .path = argv[1],
			 .max_bytes = (size_t)-1, .errbuf = errbuf,
			 .errbuf_sz = sizeof(errbuf),
			 .single_thread = one && !strcmp(one, "1"));

		getrusage(RUSAGE_SELF, &r0);
		c0 = cpu();
		t0 = now();
		g = osm_graph__load(&opts);
		t1 = now();
		c1 = cpu();
		getrusage(RUSAGE_SELF, &r1);
	}
	if (!g) {
		fprintf(stderr, "%s: %s\n", argv[1], errbuf);
		return 1;
	}
	printf("text_bytes %lld\n", (long long)st.st_size);
	printf("nodes %zu\nedges %zu\n", osm_graph__node_count(g),
	       osm_graph__edge_count(g));
	printf("load_s %.3f\n", t1 - t0);
	printf("load_cpu_s %.3f\n", c1 - c0);
	/* The system time is mostly first touching fresh memory. */
	printf("load_user_s %.3f\n", tv_s(r1.ru_utime) - tv_s(r0.ru_utime));
	printf("load_sys_s %.3f\n", tv_s(r1.ru_stime) - tv_s(r0.ru_stime));
	printf("load_minflt %ld\n", r1.ru_minflt - r0.ru_minflt);
	printf("load_maxrss_kib %ld\n", maxrss_kib());

	pd = osm_graph__find(g, argv[2]);
	if (!pd) {
		fprintf(stderr, "no node %s\n", argv[2]);
		return 1;
	}
	t1 = now();
	n = osm_query__shared(g, pd, NULL, &sh);
	t2 = now();
	if (n < 0) {
		perror("shared");
		return 1;
	}
	printf("shared_s %.4f\n", t2 - t1);
	printf("shared_pds %d\n", n);
	ans = fopen(argv[3], "w");
	if (!ans) {
		perror(argv[3]);
		return 1;
	}
	for (i = 0; i < n; i++) {
		fprintf(ans, "share %s", osm_node__id(sh[i].pd));
		for (j = 0; j < sh[i].nres; j++)
			fprintf(ans, " %s", osm_node__id(sh[i].res[j]));
		fputc('\n', ans);
	}
	fclose(ans);
	osm_shares__free(sh, n);
	if (argc > 4 && tcb_batch(g, argv[4],
				  argc > 5 && atoi(argv[5]) > 0 ?
				  (unsigned int)atoi(argv[5]) : 50,
				  argc > 6 && !strcmp(argv[6], "sample")))
		return 1;
	osm_graph__free(g);
	printf("maxrss_kib %ld\n", maxrss_kib());
	return 0;
}
