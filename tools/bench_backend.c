// SPDX-License-Identifier: GPL-2.0-only
/*
 * osm-bench --backends (alias --bpf): the same whole-system walk from
 * each backend of libosm (module, bpf, procfs), text and text + parse,
 * side by side in one run: each iteration reads every backend in turn,
 * so a slow stretch of the machine hits them alike.  Prints the medians
 * (and the minimums: on a loaded host, noise only ever adds time),
 * where the bpf backend's time goes (loading its programs against
 * walking and writing text), and the ratios.  A backend this caller
 * cannot use (no module loaded, bpf not built in or not permitted) gets
 * a line saying why.  Through the public backend API, so it links
 * against the shared libosm too.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_backend.h"
#include "osm.h"

#define MAX_ITER	100

/* The phases of one read, as struct osm_backend_times splits it. */
enum { PH_LOAD, PH_ATTACH, PH_WALK, PH_TEXT, PH_NR };

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

static double least(const double *v, int n)
{
	double m = v[0];
	int i;

	for (i = 1; i < n; i++)
		m = v[i] < m ? v[i] : m;
	return m;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), by_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct column {
	enum osm_backend b;
	bool ok;
	double tr[MAX_ITER], tl[MAX_ITER], tp[PH_NR][MAX_ITER];
	double read, load, phase[PH_NR];	/* medians, ms */
	double read_min, load_min;		/* least noisy under load */
	size_t bytes, nodes, edges;
	char why[256];
};

/* One walk of backend @c->b, iteration @i: text alone, then text and parse. */
static int measure(struct column *c, int i)
{
	struct osm_backend_times tm;
	OSM_OPTS(osm_backend_opts, o, .backend = c->b, .errbuf = c->why,
		 .errbuf_sz = sizeof(c->why), .times = &tm);
	struct osm_graph *g;
	size_t len;
	double t0;
	char *buf;
	int r;

	t0 = now_ms();
	r = osm_backend__read(&o, &buf, &len);
	c->tr[i] = now_ms() - t0;
	if (r) {
		if (!c->why[0])
			snprintf(c->why, sizeof(c->why), "%s", strerror(-r));
		return -1;
	}
	free(buf);
	c->bytes = len;
	c->tp[PH_LOAD][i] = tm.load_ms;
	c->tp[PH_ATTACH][i] = tm.attach_ms;
	c->tp[PH_WALK][i] = tm.walk_ms;
	c->tp[PH_TEXT][i] = tm.text_ms;
	o.times = NULL;
	t0 = now_ms();
	g = osm_backend__load(&o);
	c->tl[i] = now_ms() - t0;
	if (!g) {
		if (!c->why[0])
			snprintf(c->why, sizeof(c->why), "parse: %s",
				 strerror(errno));
		return -1;
	}
	c->nodes = osm_graph__node_count(g);
	c->edges = osm_graph__edge_count(g);
	osm_graph__free(g);
	return 0;
}

static void ratio(const struct column *x, const struct column *y)
{
	if (x->ok && y->ok)
		printf("  ratio %s : %s  read = %.1fx  read + parse = %.1fx  (of the mins: %.1fx, %.1fx)\n",
		       osm_backend__name(x->b), osm_backend__name(y->b),
		       x->read / y->read, x->load / y->load,
		       x->read_min / y->read_min, x->load_min / y->load_min);
}

int bench_backends(int iter, int extra)
{
	struct column *cols;
	enum { MOD, BPF, PROC, NCOL };
	int i, k, p;

	if (iter > MAX_ITER)
		iter = MAX_ITER;
	cols = calloc(NCOL, sizeof(*cols));
	if (!cols) {
		perror("Error");
		return 1;
	}
	cols[MOD].b = OSM_BACKEND_MODULE;
	cols[BPF].b = OSM_BACKEND_BPF;
	cols[PROC].b = OSM_BACKEND_PROCFS;
	for (k = 0; k < NCOL; k++)
		cols[k].ok = true;
	/* Side by side: every backend once per iteration. */
	for (i = 0; i < iter; i++)
		for (k = 0; k < NCOL; k++)
			if (cols[k].ok)
				cols[k].ok = !measure(&cols[k], i);
	printf("osm-bench --backends: %d extra processes, %d iterations, medians\n",
	       extra, iter);
	for (k = 0; k < NCOL; k++) {
		struct column *c = &cols[k];

		if (!c->ok) {
			printf("  %-8s unavailable: %s\n",
			       osm_backend__name(c->b), c->why);
			continue;
		}
		c->read_min = least(c->tr, iter);
		c->load_min = least(c->tl, iter);
		c->read = median(c->tr, iter);
		c->load = median(c->tl, iter);
		for (p = 0; p < PH_NR; p++)
			c->phase[p] = median(c->tp[p], iter);
		printf("  %-8s read %9.2f ms (min %9.2f)  read + parse %9.2f ms (min %9.2f)  %zu bytes, %zu nodes, %zu edges\n",
		       osm_backend__name(c->b), c->read, c->read_min, c->load,
		       c->load_min, c->bytes, c->nodes, c->edges);
	}
	if (cols[BPF].ok) {
		const double *ph = cols[BPF].phase;

		printf("  bpf read = load %.2f ms (open, verify, load the programs) + walk %.2f ms (attach %.2f, iterate %.2f, render text %.2f)\n",
		       ph[PH_LOAD], ph[PH_ATTACH] + ph[PH_WALK] + ph[PH_TEXT],
		       ph[PH_ATTACH], ph[PH_WALK], ph[PH_TEXT]);
		if (cols[MOD].ok)
			printf("  ratio bpf walk alone (no load) : module  read = %.1fx\n",
			       (ph[PH_ATTACH] + ph[PH_WALK] + ph[PH_TEXT]) /
			       cols[MOD].read);
	}
	ratio(&cols[BPF], &cols[MOD]);
	ratio(&cols[PROC], &cols[MOD]);
	ratio(&cols[PROC], &cols[BPF]);
	k = cols[MOD].ok || cols[BPF].ok || cols[PROC].ok ? 0 : 1;
	free(cols);
	return k;
}
