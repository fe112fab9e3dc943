// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * libFuzzer target for the graph parser: parse the input; on success
 * walk everything the API hands out and run the queries from the first
 * PD; on failure check that the reason was given.  Built and run by
 * `make fuzz` (clang, -fsanitize=fuzzer,address,undefined).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osm.h"

#define FUZZ_ASSERT(c)							\
	do {								\
		if (!(c)) {						\
			fprintf(stderr, "fuzz_parse: %s:%d: %s\n",	\
				__FILE__, __LINE__, #c);		\
			abort();					\
		}							\
	} while (0)

static size_t touch(const char *s)
{
	return s ? strlen(s) : 0;
}

/* The queries built on the walk: any node may start a BFS. */
static void fuzz_queries(struct osm_graph *g, const struct osm_node *pd)
{
	size_t n = osm_graph__node_count(g);
	const struct osm_node *last = osm_graph__node(g, n - 1);
	struct osm_querier *q = osm_querier__new(g);
	OSM_OPTS(osm_bfs_opts, bo, .dir = OSM_BFS_BOTH, .querier = q);
	OSM_OPTS(osm_tcb_opts, to, .querier = q);
	struct osm_compare_type *cmp;
	struct osm_tcb_entry *tcb;
	struct osm_holder *hold;
	struct osm_bfs_hit *hit;
	int k;

	k = osm_query__bfs(g, last, &bo, &hit);
	if (k >= 0)
		free(hit);
	if (!osm_node__is_pd(last)) {
		k = osm_query__holders(g, last, NULL, &hold);
		if (k >= 0)
			free(hold);
	} else {
		k = osm_query__compare(g, pd, last, NULL, &cmp);
		if (k >= 0)
			osm_compare__free(cmp, k);
	}
	k = osm_query__tcb(g, pd, &to, &tcb);
	if (k >= 0)
		osm_tcb__free(tcb, k);
	k = osm_query__impact(g, pd, &to, &tcb);
	if (k >= 0)
		osm_tcb__free(tcb, k);
	osm_querier__free(q);
}

static void walk_graph(struct osm_graph *g)
{
	size_t i, j, n = osm_graph__node_count(g), sum = 0;
	const struct osm_node *pd = NULL, **res;
	struct osm_share *sh;
	int k;

	for (i = 0; i < osm_graph__header_attr_count(g); i++)
		FUZZ_ASSERT(osm_graph__header_attr(g,
				osm_graph__header_attr_key(g, i)));
	for (i = 0; i < n; i++) {
		const struct osm_node *nd = osm_graph__node(g, i);

		FUZZ_ASSERT(nd && osm_node__index(nd) == i);
		FUZZ_ASSERT(osm_graph__find(g, osm_node__id(nd)) == nd);
		sum += touch(osm_node__type(nd)) + touch(osm_node__class(nd));
		for (j = 0; j < osm_node__attr_count(nd); j++)
			sum += touch(osm_node__attr_value(nd, j)) +
			       touch(osm_node__attr(nd,
					osm_node__attr_key(nd, j)));
		FUZZ_ASSERT(!osm_node__attr_key(nd, j));
		for (j = 0; j < osm_node__out_count(nd); j++)
			FUZZ_ASSERT(osm_edge__src(osm_node__out(nd, j)) == nd);
		for (j = 0; j < osm_node__in_count(nd); j++)
			FUZZ_ASSERT(osm_edge__dst(osm_node__in(nd, j)) == nd);
		if (!pd && osm_node__is_pd(nd))
			pd = nd;
	}
	for (i = 0; i < osm_graph__edge_count(g); i++) {
		const struct osm_edge *e = osm_graph__edge(g, i);

		sum += touch(osm_edge__kind(e));
		for (j = 0; j < osm_edge__attr_count(e); j++)
			sum += touch(osm_edge__attr_value(e, j)) +
			       touch(osm_edge__attr_key(e, j));
	}
	FUZZ_ASSERT(sum < SIZE_MAX);
	if (!pd)
		return;
	k = osm_query__reachable(g, pd, NULL, &res);
	if (k >= 0)
		free(res);
	k = osm_query__shared(g, pd, NULL, &sh);
	if (k >= 0)
		osm_shares__free(sh, k);
	k = osm_query__servers(g, pd, NULL, &sh);
	if (k >= 0)
		osm_shares__free(sh, k);
	fuzz_queries(g, pd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[128] = "";
	struct osm_graph *g;

	{
		OSM_OPTS(osm_graph_opts, o, .errbuf = why,
			 .errbuf_sz = sizeof(why));

		g = osm_graph__parse_opts((const char *)data, size, &o);
	}
	if (!g) {
		/* Every failure says why. */
		FUZZ_ASSERT(why[0]);
		return 0;
	}
	walk_graph(g);
	osm_graph__free(g);
	return 0;
}
