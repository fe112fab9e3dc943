// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Allocation-failure tests: fail the Nth allocation libosm makes, for
 * every N, and check that each call fails cleanly with ENOMEM (valgrind
 * then checks that nothing leaks on any error path).
 *
 * Linked with -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc, which
 * redirects libosm.a's calls to the wrappers below.
 *
 * Usage: test_nomem <fixture-dir>
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osm.h"

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);

static long fail_at = -1;	/* fail the allocation with this number */
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

/* Load, then run both queries; 0 when all went through. */
static int run(const char *path)
{
	OSM_OPTS(osm_graph_opts, opts, .path = path);
	const struct osm_node **res = NULL;
	struct osm_share *sh = NULL;
	const struct osm_node *pd;
	struct osm_graph *g;
	int n, m;

	g = osm_graph__load(&opts);
	if (!g)
		return -errno;
	pd = osm_graph__find(g, "process:100");
	n = osm_query__reachable(g, pd, NULL, &res);
	m = osm_query__shared(g, pd, NULL, &sh);
	free(res);
	if (m > 0)
		osm_shares__free(sh, m);
	osm_graph__free(g);
	if (n < 0)
		return n;
	return m < 0 ? m : 0;
}

int main(int argc, char **argv)
{
	char path[4096];
	long i, total;
	int err, bad = 0;

	snprintf(path, sizeof(path), "%s/good.graph", argc > 1 ? argv[1] : ".");
	nallocs = 0;
	if (run(path)) {
		printf("not ok 1 - baseline run failed\n");
		return 1;
	}
	total = nallocs;
	for (i = 1; i <= total; i++) {
		nallocs = 0;
		fail_at = i;
		err = run(path);
		if (err != -ENOMEM) {
			printf("#   failing allocation %ld of %ld: got %d, not -ENOMEM\n",
			       i, total, err);
			bad++;
		}
	}
	printf("%s 1 - each of %ld allocations fails cleanly\n",
	       bad ? "not ok" : "ok", total);
	return bad ? 1 : 0;
}
