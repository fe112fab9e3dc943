// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * BFS(start, edge kinds, direction, access mode, depth, node classes,
 * types): the primitive the OSmosis papers define every query with.  A
 * start may be any node.  With OSM_BFS_REACH the steps are those of
 * reachability (querier.c), otherwise every edge of the kinds asked.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "query_internal.h"

struct bfs {
	struct osm_querier *q;
	struct type_filter kinds;	/* edge kinds, interned like types */
	unsigned int dir, flags, max_depth;
	bool wr;
};

static bool kind_ok(const struct bfs *b, const struct osm_edge *e)
{
	size_t i;

	if (b->kinds.all)
		return true;
	for (i = 0; i < b->kinds.n; i++)
		if (b->kinds.want[i] == e->kind)
			return true;
	return false;
}

static void visit(struct bfs *b, const struct osm_node *from,
		  const struct osm_edge *e, const struct osm_node *to)
{
	struct osm_querier *q = b->q;

	if (stamp_has(&q->visit, to->index) || !kind_ok(b, e))
		return;
	stamp_set(&q->visit, to->index);
	q->depth[to->index] = q->depth[from->index] + 1;
	q->via[to->index] = e;
	q->queue[q->tail++] = to;
}

/* A raw edge, taken either way: is the step writable? */
static bool edge_writable(const struct osm_querier *q,
			  const struct osm_edge *e)
{
	/* A region is entered from its mm: the part is what is written. */
	if (e->kind == q->g->k_subset)
		return osm__step_writable(q, e, e->dst.ptr, e->src.ptr);
	return osm__step_writable(q, e, e->src.ptr, e->dst.ptr);
}

static bool reach_kind(const struct osm_graph *g, const char *k)
{
	return k == g->k_hold || k == g->k_map || k == g->k_peer ||
	       k == g->k_inflight;
}

/* Reachability's forward steps from @n (querier.c's step_fwd()). */
static void reach_fwd(struct bfs *b, const struct osm_node *n)
{
	const struct osm_querier *q = b->q;
	const struct osm_graph *g = q->g;
	size_t i;

	for (i = 0; i < n->nback; i++) {
		const struct osm_edge *e = osm__back(n)[i];
		const struct osm_node *s = e->src.ptr;

		if ((e->kind == g->k_member && n->is_pd && s->is_pd) ||
		    (e->kind == g->k_subset && !s->is_pd &&
		     s->type != n->type &&
		     (!b->wr || osm__step_writable(q, e, n, s))))
			visit(b, n, e, s);
	}
	for (i = 0; i < n->nout; i++) {
		const struct osm_edge *e = n->out[i];
		const struct osm_node *d = e->dst.ptr;

		if (reach_kind(g, e->kind) && !d->is_pd &&
		    (!b->wr || osm__step_writable(q, e, n, d)))
			visit(b, n, e, d);
	}
}

/* The same steps backward (querier.c's step_rev()). */
static void reach_rev(struct bfs *b, const struct osm_node *n)
{
	const struct osm_querier *q = b->q;
	const struct osm_graph *g = q->g;
	size_t i;

	for (i = 0; i < n->nout; i++) {
		const struct osm_edge *e = n->out[i];
		const struct osm_node *d = e->dst.ptr;

		if ((e->kind == g->k_member && n->is_pd && d->is_pd) ||
		    (e->kind == g->k_subset && !n->is_pd &&
		     n->type != d->type &&
		     (!b->wr || osm__step_writable(q, e, d, n))))
			visit(b, n, e, d);
	}
	for (i = 0; !n->is_pd && i < n->nin; i++) {
		const struct osm_edge *e = osm__in(n)[i];
		const struct osm_node *s = e->src.ptr;

		if (reach_kind(g, e->kind) &&
		    (!b->wr || osm__step_writable(q, e, s, n)))
			visit(b, n, e, s);
	}
}

static void raw_steps(struct bfs *b, const struct osm_node *n)
{
	size_t i;

	for (i = 0; (b->dir & OSM_BFS_OUT) && i < n->nout; i++)
		if (!b->wr || edge_writable(b->q, n->out[i]))
			visit(b, n, n->out[i], n->out[i]->dst.ptr);
	for (i = 0; (b->dir & OSM_BFS_IN) && i < n->nin; i++)
		if (!b->wr || edge_writable(b->q, osm__in(n)[i]))
			visit(b, n, osm__in(n)[i], osm__in(n)[i]->src.ptr);
}

static void run(struct bfs *b, const struct osm_node *start)
{
	struct osm_querier *q = b->q;
	size_t head = 0;

	osm__stamps_next(q, &q->visit);
	stamp_set(&q->visit, start->index);
	q->depth[start->index] = 0;
	q->via[start->index] = NULL;
	q->queue[0] = start;
	q->tail = 1;
	while (head < q->tail) {
		const struct osm_node *n = q->queue[head++];

		if (b->max_depth && q->depth[n->index] >= b->max_depth)
			continue;
		if (!(b->flags & OSM_BFS_REACH)) {
			raw_steps(b, n);
			continue;
		}
		if (b->dir & OSM_BFS_OUT)
			reach_fwd(b, n);
		if (b->dir & OSM_BFS_IN)
			reach_rev(b, n);
	}
}

static bool class_ok(const char *const *classes, const struct osm_node *n)
{
	size_t i;

	if (!classes)
		return true;
	for (i = 0; classes[i]; i++)
		if (!strcmp(classes[i], osm_node__class(n)))
			return true;
	return false;
}

int osm_query__bfs(const struct osm_graph *g, const struct osm_node *start,
		   const struct osm_bfs_opts *opts, struct osm_bfs_hit **out)
{
	const char *const *classes = OPTS_GET(opts, classes, NULL);
	struct osm_bfs_hit *v = NULL;
	struct type_filter types;
	struct bfs b;
	size_t i, n = 0;
	int err;

	if (!out)
		return osm_err(-EINVAL);
	*out = NULL;
	memset(&b, 0, sizeof(b));
	b.dir = OPTS_GET(opts, dir, 0) ? OPTS_GET(opts, dir, 0) : OSM_BFS_OUT;
	b.flags = OPTS_GET(opts, flags, 0);
	b.max_depth = OPTS_GET(opts, max_depth, 0);
	b.wr = OPTS_GET(opts, mode, 0) == OSM_MODE_WRITE;
	if (!OPTS_VALID(opts, osm_bfs_opts) || !osm__node_of(g, start) ||
	    b.dir > OSM_BFS_BOTH || OPTS_GET(opts, mode, 0) > OSM_MODE_WRITE ||
	    (b.flags & ~OSM_BFS_REACH))
		return osm_err(-EINVAL);
	err = osm__filter_init(&b.kinds, g, OPTS_GET(opts, kinds, NULL));
	if (err)
		return osm_err(err);
	err = osm__filter_init(&types, g, OPTS_GET(opts, types, NULL));
	if (err)
		goto out_kinds;
	err = osm__querier_get(g, OPTS_GET(opts, querier, NULL), &b.q);
	if (err)
		goto out_types;
	err = osm__querier_bfs_arrays(b.q);
	if (err)
		goto out;

	run(&b, start);
	for (i = 0; i < b.q->tail; i++) {
		const struct osm_node *x = b.q->queue[i];

		n += class_ok(classes, x) && osm__filter_match(&types, x);
	}
	if (n > INT_MAX) {
		err = -EOVERFLOW;
		goto out;
	}
	if (n) {
		v = malloc(n * sizeof(*v));
		if (!v) {
			err = -ENOMEM;
			goto out;
		}
	}
	for (i = 0, n = 0; i < b.q->tail; i++) {
		const struct osm_node *x = b.q->queue[i];

		if (!class_ok(classes, x) || !osm__filter_match(&types, x))
			continue;
		v[n].node = x;
		v[n].via = b.q->via[x->index];
		v[n++].depth = b.q->depth[x->index];
	}
	*out = v;
	err = (int)n;
out:
	osm__querier_put(OPTS_GET(opts, querier, NULL), b.q);
out_types:
	free(types.want);
out_kinds:
	free(b.kinds.want);
	return osm_err(err);
}
