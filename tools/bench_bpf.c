// SPDX-License-Identifier: GPL-2.0-only
/*
 * osm-bench --bpf: the whole-system graph from /dev/osmosis against the
 * same graph from BPF iterators (libosm's bpf backend: skeleton load,
 * four iterators, text), each also parsed by libosm.  Through the public
 * backend API, so it links against the shared libosm too.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_bpf.h"
#include "osm.h"

#define BENCH_BPF_MAX_ITER	100

static double bpf_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int bpf_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double bpf_median(double *v, int n)
{
	qsort(v, n, sizeof(*v), bpf_cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* One timed walk: text in @ms[0], text + parse in @ms[1]. */
static int bpf_time(bool bpf, const char *device, double *ms, size_t *bytes,
		    size_t *nodes)
{
	char why[256] = "";
	OSM_OPTS(osm_graph_opts, o, .path = device);
	OSM_OPTS(osm_backend_opts, bo, .backend = OSM_BACKEND_BPF,
		 .errbuf = why, .errbuf_sz = sizeof(why));
	struct osm_graph *g;
	double t0 = bpf_now_ms();
	size_t len;
	char *buf;
	int r;

	r = bpf ? osm_backend__read(&bo, &buf, &len) :
		  osm_graph__read(&o, &buf, &len);
	ms[0] = bpf_now_ms() - t0;
	if (r) {
		fprintf(stderr, "Error: %s: %s\n", bpf ? "bpf backend" : device,
			*why ? why : strerror(-r));
		return -1;
	}
	g = osm_graph__parse(buf, len);
	ms[1] = bpf_now_ms() - t0;
	*bytes = len;
	free(buf);
	if (!g) {
		fprintf(stderr, "Error: parsing the %s graph: %s\n",
			bpf ? "bpf" : "module", strerror(errno));
		return -1;
	}
	*nodes = osm_graph__node_count(g);
	osm_graph__free(g);
	return 0;
}

int bench_bpf(int iter, const char *device, int nproc)
{
	double mod[2][BENCH_BPF_MAX_ITER], bpf[2][BENCH_BPF_MAX_ITER], ms[2];
	size_t mbytes = 0, bbytes = 0, mnodes = 0, bnodes = 0;
	double m0, m1, b0, b1;
	int i;

	if (iter > BENCH_BPF_MAX_ITER)
		iter = BENCH_BPF_MAX_ITER;
	for (i = 0; i < iter; i++) {
		if (bpf_time(false, device, ms, &mbytes, &mnodes))
			return 1;
		mod[0][i] = ms[0];
		mod[1][i] = ms[1];
		if (bpf_time(true, device, ms, &bbytes, &bnodes))
			return 1;
		bpf[0][i] = ms[0];
		bpf[1][i] = ms[1];
	}
	m0 = bpf_median(mod[0], iter);
	m1 = bpf_median(mod[1], iter);
	b0 = bpf_median(bpf[0], iter);
	b1 = bpf_median(bpf[1], iter);
	printf("osm-bench --bpf: %d processes, %d iterations, medians\n",
	       nproc, iter);
	printf("  %-36s %9.2f ms  %zu bytes, %zu nodes\n",
	       "(a) /dev/osmosis read", m0, mbytes, mnodes);
	printf("  %-36s %9.2f ms\n", "    read + libosm parse", m1);
	printf("  %-36s %9.2f ms  %zu bytes, %zu nodes\n",
	       "(d) bpf backend (load+iterate+text)", b0, bbytes, bnodes);
	printf("  %-36s %9.2f ms\n", "    bpf backend + libosm parse", b1);
	printf("  ratio (d) bpf backend : (a) osmosis read  = %.1fx\n", b0 / m0);
	printf("  ratio (d) bpf + parse : (a) read + parse  = %.1fx\n", b1 / m1);
	return 0;
}
