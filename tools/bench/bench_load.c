// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench_load: load a saved graph with libosm and run `shared` for one PD,
 * printing the time and memory taken as "key value" lines, and the
 * answer, one "share <pd> <resource>..." line per PD, to a file that
 * bench-graph.sh compares with the networkx side's.
 *
 * Usage: bench_load GRAPH PD ANSWER-FILE
 */
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

int main(int argc, char **argv)
{
	char errbuf[256] = "";
	const struct osm_node *pd;
	struct osm_share *sh;
	struct osm_graph *g;
	double t0, t1, t2, c0, c1;
	struct stat st;
	FILE *ans;
	int i, n;
	size_t j;

	if (argc != 4) {
		fprintf(stderr, "usage: %s GRAPH PD ANSWER-FILE\n", argv[0]);
		return 2;
	}
	if (stat(argv[1], &st)) {
		perror(argv[1]);
		return 1;
	}
	{
		OSM_OPTS(osm_graph_opts, opts, .path = argv[1],
			 .max_bytes = (size_t)-1, .errbuf = errbuf,
			 .errbuf_sz = sizeof(errbuf));

		c0 = cpu();
		t0 = now();
		g = osm_graph__load(&opts);
		t1 = now();
		c1 = cpu();
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
	osm_graph__free(g);
	printf("maxrss_kib %ld\n", maxrss_kib());
	return 0;
}
