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
static size_t biggest;		/* the largest allocation asked for */

static bool should_fail(size_t size)
{
	if (size > biggest)
		biggest = size;
	return ++nallocs == fail_at;
}

void *__wrap_malloc(size_t size)
{
	return should_fail(size) ? NULL : __real_malloc(size);
}

void *__wrap_calloc(size_t n, size_t size)
{
	return should_fail(n * size) ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t size)
{
	return should_fail(size) ? NULL : __real_realloc(p, size);
}

/*
 * A valid graph of a million lines that a reader skips: the parser must
 * size its arrays by what it keeps, not by the line count (it reserved
 * a node, an edge and a hash slot per line, and such a file ran out of
 * memory).  Nothing it allocates may be near the text's own size.
 */
static int unknown_lines(void)
{
	size_t n = 1000000, i, len;
	struct osm_graph *g;
	char *t, *p;

	t = __real_malloc(n * 8 + 256);
	if (!t)
		return -1;
	p = t + sprintf(t, "osmosis-graph 1.0\nnode a:1 pd\n");
	for (i = 0; i < n; i++)
		p += sprintf(p, "x %05zx\n", i & 0xfffff);
	p += sprintf(p, "end nodes=1 edges=0\n");
	len = p - t;
	fail_at = -1;
	biggest = 0;
	g = osm_graph__parse(t, len);
	free(t);
	if (!g)
		return -1;
	osm_graph__free(g);
	printf("# %zu bytes of unknown lines: largest allocation %zu\n", len,
	       biggest);
	return biggest <= len / 2 ? 0 : -1;
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
	err = unknown_lines();
	printf("%s 2 - unknown lines allocate by need, not by line count\n",
	       err ? "not ok" : "ok");
	return bad || err ? 1 : 0;
}
