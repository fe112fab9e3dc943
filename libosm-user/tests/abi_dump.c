// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Every query answer on a graph file, as text: built once against the
 * current osm.h (the *_sz entry points, through its macros) and once
 * against tests/abi-0.2.0/osm.h (a binary built for library 0.2.0, which
 * calls the plain symbols with the 0.2.0 struct layouts).  Both are linked
 * with the same libosm.so; tests/abi_compat.sh compares their output.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "osm.h"

static void nodes(const char *what, const struct osm_node *const *v,
		  size_t n)
{
	size_t i;

	printf(" %s[", what);
	for (i = 0; i < n; i++)
		printf("%s%s", i ? " " : "", osm_node__id(v[i]));
	printf("]");
}

static void shres(const struct osm_shared_res *r, size_t n)
{
	size_t i;

	printf(" res[");
	for (i = 0; i < n; i++)
		printf("%s%s:%u/%u", i ? " " : "", osm_node__id(r[i].res),
		       r[i].mine, r[i].theirs);
	printf("]");
}

static void shares(const char *q, const struct osm_node *pd, int n,
		   struct osm_share *v)
{
	int i;

	printf("%s %s = %d\n", q, osm_node__id(pd), n);
	for (i = 0; i < n; i++) {
		printf("  %s", osm_node__id(v[i].pd));
		nodes("res", v[i].res, v[i].nres);
		printf("\n");
	}
	osm_shares__free(v, n > 0 ? n : 0);
}

static void tcb(const char *q, const struct osm_node *pd, int n,
		struct osm_tcb_entry *v)
{
	int i;

	printf("%s %s = %d\n", q, osm_node__id(pd), n);
	for (i = 0; i < n; i++) {
		printf("  %s why=%u rules=%u", osm_node__id(v[i].pd),
		       v[i].why, v[i].rules);
		shres(v[i].res, v[i].nres);
		nodes("chan", v[i].chan, v[i].nchan);
		printf("\n");
	}
	osm_tcb__free(v, n > 0 ? n : 0);
}

static void control(const char *q, const struct osm_node *pd, int n,
		    struct osm_control *v)
{
	int i;

	printf("%s %s = %d:", q, osm_node__id(pd), n);
	for (i = 0; i < n; i++)
		printf(" %s/%u", osm_node__id(v[i].pd), v[i].rules);
	printf("\n");
	free(v);
}

static void pd_queries(const struct osm_graph *g, const struct osm_node *pd,
		       unsigned int gran)
{
	OSM_OPTS(osm_query_opts, qo, .granularity = gran);
	OSM_OPTS(osm_tcb_opts, to, .granularity = gran, .ptrace_scope = 1);
	OSM_OPTS(osm_control_opts, co, .ptrace_scope = 1,
		 .flags = gran == OSM_GRAN_THREAD ? OSM_CONTROL_THREADS : 0);
	struct osm_sharing *sg;
	struct osm_share *sh;
	struct osm_tcb_entry *t;
	struct osm_control *c;
	int i, n;

	n = osm_query__shared(g, pd, &qo, &sh);
	shares("shared", pd, n, sh);
	n = osm_query__servers(g, pd, &qo, &sh);
	shares("servers", pd, n, sh);
	n = osm_query__sharing(g, pd, &qo, &sg);
	printf("sharing %s = %d\n", osm_node__id(pd), n);
	for (i = 0; i < n; i++) {
		printf("  %s", osm_node__id(sg[i].pd));
		shres(sg[i].res, sg[i].nres);
		printf("\n");
	}
	osm_sharings__free(sg, n > 0 ? n : 0);
	n = osm_query__tcb(g, pd, &to, &t);
	tcb("tcb", pd, n, t);
	n = osm_query__impact(g, pd, &to, &t);
	tcb("impact", pd, n, t);
	n = osm_query__can_control(g, pd, &co, &c);
	control("can_control", pd, n, c);
	n = osm_query__controls(g, pd, &co, &c);
	control("controls", pd, n, c);
}

static void node_queries(const struct osm_graph *g, const struct osm_node *x)
{
	OSM_OPTS(osm_bfs_opts, bo, .dir = OSM_BFS_BOTH, .max_depth = 2);
	struct osm_bfs_hit *h;
	struct osm_holder *ho;
	int i, n;

	n = osm_query__bfs(g, x, &bo, &h);
	printf("bfs %s = %d:", osm_node__id(x), n);
	for (i = 0; i < n; i++)
		printf(" %s/%s/%u", osm_node__id(h[i].node),
		       h[i].via ? osm_edge__kind(h[i].via) : "-", h[i].depth);
	printf("\n");
	free(h);
	if (osm_node__is_pd(x))
		return;
	n = osm_query__holders(g, x, NULL, &ho);
	printf("holders %s = %d:", osm_node__id(x), n);
	for (i = 0; i < n; i++)
		printf(" %s/%u", osm_node__id(ho[i].pd), ho[i].access);
	printf("\n");
	free(ho);
}

static void compare(const struct osm_graph *g, const struct osm_node *a,
		    const struct osm_node *b)
{
	struct osm_compare_type *v;
	int i, n;

	n = osm_query__compare(g, a, b, NULL, &v);
	printf("compare %s %s = %d\n", osm_node__id(a), osm_node__id(b), n);
	for (i = 0; i < n; i++) {
		printf("  %s %zu %zu %zu", v[i].type, v[i].na, v[i].nb,
		       v[i].nshared);
		shres(v[i].shared, v[i].nshared);
		printf("\n");
	}
	osm_compare__free(v, n > 0 ? n : 0);
}

int main(int argc, char **argv)
{
	OSM_OPTS(osm_graph_opts, go);
	const struct osm_node *prev = NULL;
	struct osm_graph *g;
	size_t i, n;

	if (argc != 2) {
		fprintf(stderr, "usage: %s GRAPH\n", argv[0]);
		return 2;
	}
	go.path = argv[1];
	g = osm_graph__load(&go);
	if (!g) {
		perror(argv[1]);
		return 1;
	}
	n = osm_graph__node_count(g);
	for (i = 0; i < n; i++) {
		const struct osm_node *x = osm_graph__node(g, i);

		node_queries(g, x);
		if (!osm_node__is_pd(x))
			continue;
		pd_queries(g, x, OSM_GRAN_PROCESS);
		pd_queries(g, x, OSM_GRAN_THREAD);
		if (prev)
			compare(g, prev, x);
		prev = x;
	}
	osm_graph__free(g);
	return 0;
}
