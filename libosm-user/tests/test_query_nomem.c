// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Allocation-failure tests of the queries (as test_nomem.c does for
 * loading): fail the Nth allocation the queries make, for every N, and
 * check that the batch fails cleanly with ENOMEM; valgrind checks that
 * no error path leaks.  The graph is loaded before counting starts.
 *
 * Usage: test_query_nomem <fixture-dir>
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osm.h"

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);

static long fail_at = -1;
static long nallocs;

static bool should_fail(void)
{
	return ++nallocs == fail_at;
}

void *__wrap_malloc(size_t size)
{
	return should_fail() ? NULL : __real_malloc(size);
}

void *__wrap_calloc(size_t n, size_t size)
{
	return should_fail() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t size)
{
	return should_fail() ? NULL : __real_realloc(p, size);
}

/* Every query once, with and without a querier; 0 or the first error. */
static int run(const struct osm_graph *g, bool with_querier)
{
	const struct osm_node *a = osm_graph__find(g, "process:200");
	const struct osm_node *b = osm_graph__find(g, "process:300");
	const struct osm_node *r = osm_graph__find(g, "net_ns:1");
	struct osm_querier *q = NULL;
	struct osm_compare_type *c;
	struct osm_tcb_entry *t;
	struct osm_sharing *s;
	struct osm_holder *h;
	struct osm_bfs_hit *hit;
	struct osm_control *ctl;
	struct osm_share *sv;
	int n, err = 0;

	if (with_querier) {
		q = osm_querier__new(g);
		if (!q)
			return -errno;
	}
	{
		OSM_OPTS(osm_query_opts, o, .querier = q);
		OSM_OPTS(osm_tcb_opts, to, .querier = q);
		OSM_OPTS(osm_bfs_opts, bo, .querier = q, .dir = OSM_BFS_BOTH);
		OSM_OPTS(osm_control_opts, co, .querier = q);

#define TRY(call, freeit)						\
		do {							\
			n = (call);					\
			if (n < 0) {					\
				err = n;				\
				goto out;				\
			}						\
			freeit;						\
		} while (0)
		TRY(osm_query__sharing(g, a, &o, &s), osm_sharings__free(s, n));
		TRY(osm_query__servers(g, a, &o, &sv), osm_shares__free(sv, n));
		TRY(osm_query__holders(g, r, &o, &h), free(h));
		TRY(osm_query__tcb(g, a, &to, &t), osm_tcb__free(t, n));
		TRY(osm_query__impact(g, b, &to, &t), osm_tcb__free(t, n));
		TRY(osm_query__compare(g, a, b, &o, &c),
		    osm_compare__free(c, n));
		TRY(osm_query__bfs(g, r, &bo, &hit), free(hit));
		TRY(osm_query__controls(g, b, &co, &ctl), free(ctl));
	}
out:
	osm_querier__free(q);
	return err;
}

int main(int argc, char **argv)
{
	char path[4096];
	struct osm_graph *g;
	long i, total;
	int err, bad = 0, pass;

	snprintf(path, sizeof(path), "%s/query.graph",
		 argc > 1 ? argv[1] : ".");
	{
		OSM_OPTS(osm_graph_opts, opts, .path = path);

		g = osm_graph__load(&opts);
	}
	if (!g) {
		printf("not ok 1 - cannot load %s\n", path);
		return 1;
	}
	for (pass = 0; pass < 2; pass++) {
		nallocs = 0;
		fail_at = -1;
		if (run(g, pass)) {
			printf("not ok %d - baseline run failed\n", pass + 1);
			bad++;
			continue;
		}
		total = nallocs;
		for (i = 1; i <= total; i++) {
			nallocs = 0;
			fail_at = i;
			err = run(g, pass);
			if (err != -ENOMEM) {
				printf("#   allocation %ld of %ld: got %d\n", i,
				       total, err);
				bad++;
			}
		}
		fail_at = -1;
		printf("%s %d - each of %ld allocations fails cleanly%s\n",
		       bad ? "not ok" : "ok", pass + 1, total,
		       pass ? " (querier)" : "");
	}
	osm_graph__free(g);
	return bad ? 1 : 0;
}
