// SPDX-License-Identifier: GPL-2.0-only
/*
 * osm-bench --backends: the same whole-system walk from each backend of
 * libosm (module, bpf, procfs), text and text + parse, side by side in
 * one run, and each one's ratio to the module.  A backend this caller
 * cannot use (no module loaded, bpf not built in or not permitted) gets
 * a column saying why.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_backend.h"
#include "osm.h"

#define MAX_ITER	100

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int by_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), by_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct column {
	enum osm_backend b;
	double read, load;	/* medians, ms */
	size_t bytes, nodes, edges;
	char why[256];
};

/* @iter walks of backend @c->b: text alone, then text and parse. */
static int measure(struct column *c, int iter)
{
	double tr[MAX_ITER], tl[MAX_ITER], t0;
	OSM_OPTS(osm_backend_opts, o, .backend = c->b, .errbuf = c->why,
		 .errbuf_sz = sizeof(c->why));
	struct osm_graph *g;
	size_t len;
	char *buf;
	int i, r;

	for (i = 0; i < iter; i++) {
		t0 = now_ms();
		r = osm_backend__read(&o, &buf, &len);
		tr[i] = now_ms() - t0;
		if (r) {
			if (!c->why[0])
				snprintf(c->why, sizeof(c->why), "%s",
					 strerror(-r));
			return -1;
		}
		free(buf);
		c->bytes = len;
		t0 = now_ms();
		g = osm_backend__load(&o);
		tl[i] = now_ms() - t0;
		if (!g)
			return -1;
		c->nodes = osm_graph__node_count(g);
		c->edges = osm_graph__edge_count(g);
		osm_graph__free(g);
	}
	c->read = median(tr, iter);
	c->load = median(tl, iter);
	return 0;
}

int bench_backends(int iter, int extra)
{
	struct column cols[] = {
		{ .b = OSM_BACKEND_MODULE }, { .b = OSM_BACKEND_BPF },
		{ .b = OSM_BACKEND_PROCFS },
	};
	size_t i, n = sizeof(cols) / sizeof(cols[0]);
	bool ok[3];

	if (iter > MAX_ITER)
		iter = MAX_ITER;
	printf("osm-bench --backends: %d extra processes, %d iterations, medians\n",
	       extra, iter);
	for (i = 0; i < n; i++) {
		ok[i] = !measure(&cols[i], iter);
		if (ok[i])
			printf("  %-8s read %9.2f ms  read + parse %9.2f ms  %zu bytes, %zu nodes, %zu edges\n",
			       osm_backend__name(cols[i].b), cols[i].read,
			       cols[i].load, cols[i].bytes, cols[i].nodes,
			       cols[i].edges);
		else
			printf("  %-8s unavailable: %s\n",
			       osm_backend__name(cols[i].b), cols[i].why);
	}
	for (i = 1; i < n; i++)
		if (ok[0] && ok[i])
			printf("  ratio %s : module  read = %.1fx  read + parse = %.1fx\n",
			       osm_backend__name(cols[i].b),
			       cols[i].read / cols[0].read,
			       cols[i].load / cols[0].load);
	return ok[0] || ok[1] || ok[2] ? 0 : 1;
}
