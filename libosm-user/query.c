// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Queries over a graph: what a PD reaches, and which other PDs reach the
 * same resources (SharedResources in graph-format.md terms).
 *
 * Reachability: start from the PD and, transitively, its members (a
 * process is the union of its threads, the kernel of its kthreads), then
 * follow "hold", "map" and "peer" edges forward and "subset" edges
 * backward into parts of another type (an mm's regions).  A subset edge between two
 * nodes of one type is a tree (a nested namespace or cgroup): holding the
 * parent does not reach into the child.
 *
 * Servers (the resource directory): "request" edges from what a PD
 * reaches name channels; "serve" edges from files name who answers them.
 * Neither is followed by reachability.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "libosm_internal.h"

/* A member chain longer than this is a cycle in a malformed graph. */
#define OSM_MAX_NESTING	16

struct type_filter {
	bool all;
	size_t n;
	const char **want;		/* interned type names */
};

/*
 * Scratch space for walks.  A per-node stamp instead of a visited bitmap
 * lets one query walk from every PD of the graph without clearing
 * anything in between: a node is visited iff its stamp is the current.
 */
struct walker {
	const struct osm_graph *g;
	uint32_t *stamp;
	uint32_t cur;
	const struct osm_node **queue;	/* the visited nodes, BFS order */
	size_t tail;
};

static int filter_init(struct type_filter *f, const struct osm_graph *g,
		       const struct osm_query_opts *opts)
{
	const char *const *types = OPTS_GET(opts, types, NULL);
	size_t i, n = 0;

	memset(f, 0, sizeof(*f));
	if (!types) {
		f->all = true;
		return 0;
	}
	while (types[n])
		n++;
	if (!n)
		return 0;
	f->want = calloc(n, sizeof(*f->want));
	if (!f->want)
		return -ENOMEM;
	/* A type the graph never saw matches nothing: just drop it. */
	for (i = 0; i < n; i++) {
		const char *t = osm__lookup_name(g, types[i]);

		if (t)
			f->want[f->n++] = t;
	}
	return 0;
}

static bool filter_match(const struct type_filter *f,
			 const struct osm_node *n)
{
	size_t i;

	if (f->all)
		return true;
	for (i = 0; i < f->n; i++)
		if (f->want[i] == n->type)
			return true;
	return false;
}

static int walker_init(struct walker *w, const struct osm_graph *g)
{
	size_t n = g->nnodes ? g->nnodes : 1;

	w->g = g;
	w->cur = 0;
	w->tail = 0;
	w->stamp = calloc(n, sizeof(*w->stamp));
	w->queue = malloc(n * sizeof(*w->queue));
	if (!w->stamp || !w->queue) {
		free(w->stamp);
		free(w->queue);
		return -ENOMEM;
	}
	return 0;
}

static void walker_fini(struct walker *w)
{
	free(w->stamp);
	free(w->queue);
}

static void push(struct walker *w, const struct osm_node *n)
{
	if (w->stamp[n->index] == w->cur)
		return;
	w->stamp[n->index] = w->cur;
	w->queue[w->tail++] = n;
}

/* Visit everything @pd reaches; the visited nodes are w->queue[0..tail). */
static void walk(struct walker *w, const struct osm_node *pd)
{
	const struct osm_graph *g = w->g;
	size_t head = 0, i;

	w->cur++;
	w->tail = 0;
	push(w, pd);
	while (head < w->tail) {
		const struct osm_node *n = w->queue[head++];

		for (i = 0; i < n->nback; i++) {
			const struct osm_edge *e = n->back[i];
			const struct osm_node *src = e->src.ptr;

			/* Only PDs were pushed as PDs: seeds and members. */
			if (e->kind == g->k_member && n->is_pd && src->is_pd)
				push(w, src);
			else if (e->kind == g->k_subset && !src->is_pd &&
				 src->type != n->type)
				push(w, src);
		}
		for (i = 0; i < n->nout; i++) {
			const struct osm_edge *e = n->out[i];
			const struct osm_node *dst = e->dst.ptr;

			if ((e->kind == g->k_hold || e->kind == g->k_map ||
			     e->kind == g->k_peer) && !dst->is_pd)
				push(w, dst);
		}
	}
}

/* The PD @n is a direct member of (thread -> process), or NULL. */
static const struct osm_node *pd_parent(const struct osm_graph *g,
					const struct osm_node *n)
{
	size_t i;

	for (i = 0; i < n->nout; i++)
		if (n->out[i]->kind == g->k_member && n->out[i]->dst.ptr->is_pd)
			return n->out[i]->dst.ptr;
	return NULL;
}

/* The outermost PD @pd is a member of: thread -> process, kthread -> kernel. */
static const struct osm_node *pd_group(const struct osm_graph *g,
				       const struct osm_node *pd)
{
	const struct osm_node *up;
	int depth;

	for (depth = 0; depth < OSM_MAX_NESTING; depth++) {
		up = pd_parent(g, pd);
		if (!up)
			break;
		pd = up;
	}
	return pd;
}

static bool is_group(const struct osm_graph *g, const struct osm_node *n)
{
	return n->is_pd && !pd_parent(g, n);
}

static int cmp_index(const void *a, const void *b)
{
	const struct osm_node *x = *(const struct osm_node * const *)a;
	const struct osm_node *y = *(const struct osm_node * const *)b;

	return (x->index > y->index) - (x->index < y->index);
}

/* A malloc()ed copy of @v[0..n) in graph order; NULL if out of memory. */
static const struct osm_node **sorted_copy(const struct osm_node *const *v,
					   size_t n)
{
	const struct osm_node **res = malloc(n * sizeof(*res));

	if (!res)
		return NULL;
	memcpy(res, v, n * sizeof(*res));
	qsort(res, n, sizeof(*res), cmp_index);
	return res;
}

static bool node_of(const struct osm_graph *g, const struct osm_node *n)
{
	return g && n && n->index < g->nnodes && &g->nodes[n->index] == n;
}

static int query_prepare(const struct osm_graph *g,
			 const struct osm_node *pd,
			 const struct osm_query_opts *opts,
			 struct type_filter *f, struct walker *w)
{
	int err;

	if (!OPTS_VALID(opts, osm_query_opts) || !node_of(g, pd) ||
	    !pd->is_pd)
		return -EINVAL;
	err = filter_init(f, g, opts);
	if (err)
		return err;
	err = walker_init(w, g);
	if (err)
		free(f->want);
	return err;
}

/* Undo a successful query_prepare(). */
static void query_finish(struct type_filter *f, struct walker *w)
{
	walker_fini(w);
	free(f->want);
}

int osm_query__reachable(const struct osm_graph *g,
			 const struct osm_node *pd,
			 const struct osm_query_opts *opts,
			 const struct osm_node ***out)
{
	const struct osm_node **res = NULL;
	struct type_filter f;
	struct walker w;
	size_t i, n = 0;
	int err;

	if (!out)
		return osm_err(-EINVAL);
	*out = NULL;
	err = query_prepare(g, pd, opts, &f, &w);
	if (err)
		return osm_err(err);

	walk(&w, pd);
	/* Compact the matches to the front of the queue, then copy. */
	for (i = 0; i < w.tail; i++)
		if (!w.queue[i]->is_pd && filter_match(&f, w.queue[i]))
			w.queue[n++] = w.queue[i];
	if (n > INT_MAX) {
		err = -EOVERFLOW;
		goto out;
	}
	if (n) {
		res = sorted_copy(w.queue, n);
		if (!res) {
			err = -ENOMEM;
			goto out;
		}
	}
	*out = res;
	err = (int)n;
out:
	query_finish(&f, &w);
	return osm_err(err);
}

void osm_shares__free(struct osm_share *shares, size_t n)
{
	size_t i;

	if (!shares)
		return;
	for (i = 0; i < n; i++)
		free(shares[i].res);
	free(shares);
}

/*
 * The end of a query that returns shares: give the caller the array and
 * its length, or -EOVERFLOW when the length does not fit the return value
 * (the array is then the caller's to free).
 */
static int hand_out_shares(struct osm_share **shares, size_t n,
			   struct osm_share **out)
{
	if (n > INT_MAX)
		return -EOVERFLOW;
	*out = *shares;
	*shares = NULL;
	return (int)n;
}

/* Append the share of @group: the nodes of w->queue flagged in @mine. */
static int add_share(struct walker *w, const struct osm_node *group,
		     const unsigned char *mine, struct osm_share **sharesp,
		     size_t *n, size_t *cap)
{
	const struct osm_node **res;
	struct osm_share *s;
	size_t i, k = 0;

	for (i = 0; i < w->tail; i++)
		if (mine[w->queue[i]->index])
			w->queue[k++] = w->queue[i];
	if (!k)
		return 0;

	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;

		s = realloc(*sharesp, c * sizeof(*s));
		if (!s)
			return -ENOMEM;
		*sharesp = s;
		*cap = c;
	}
	res = sorted_copy(w->queue, k);
	if (!res)
		return -ENOMEM;
	s = &(*sharesp)[(*n)++];
	s->pd = group;
	s->nres = k;
	s->res = res;
	return 0;
}

int osm_query__shared(const struct osm_graph *g, const struct osm_node *pd,
		      const struct osm_query_opts *opts,
		      struct osm_share **out)
{
	struct osm_share *shares = NULL;
	const struct osm_node *own;
	unsigned char *mine = NULL;
	size_t i, n = 0, cap = 0;
	struct type_filter f;
	struct walker w;
	bool any = false;
	int err;

	if (!out)
		return osm_err(-EINVAL);
	*out = NULL;
	err = query_prepare(g, pd, opts, &f, &w);
	if (err)
		return osm_err(err);

	/* mine[]: the resources @pd reaches that the caller asked about. */
	mine = calloc(g->nnodes ? g->nnodes : 1, 1);
	if (!mine) {
		err = -ENOMEM;
		goto out;
	}
	walk(&w, pd);
	for (i = 0; i < w.tail; i++) {
		const struct osm_node *r = w.queue[i];

		if (!r->is_pd && filter_match(&f, r)) {
			mine[r->index] = 1;
			any = true;
		}
	}

	/*
	 * One walk per other group (process or kernel).  Each walk visits
	 * only what that group reaches, so the total is the sum of the
	 * groups' reach, not groups times graph size.
	 */
	own = pd_group(g, pd);
	for (i = 0; any && i < g->nnodes; i++) {
		const struct osm_node *grp = &g->nodes[i];

		if (grp == own || !is_group(g, grp))
			continue;
		walk(&w, grp);
		err = add_share(&w, grp, mine, &shares, &n, &cap);
		if (err)
			goto out;
	}
	err = hand_out_shares(&shares, n, out);
out:
	osm_shares__free(shares, n);
	free(mine);
	query_finish(&f, &w);
	return osm_err(err);
}

/* Mark in @chan the channels the nodes of w->queue request. */
static bool mark_requests(const struct walker *w, const struct type_filter *f,
			  unsigned char *chan)
{
	const struct osm_graph *g = w->g;
	bool any = false;
	size_t i, j;

	for (i = 0; i < w->tail; i++) {
		const struct osm_node *n = w->queue[i];

		for (j = 0; !n->is_pd && j < n->nout; j++) {
			const struct osm_node *c = n->out[j]->dst.ptr;

			if (n->out[j]->kind == g->k_request && !c->is_pd &&
			    filter_match(f, c)) {
				chan[c->index] = 1;
				any = true;
			}
		}
	}
	return any;
}

/* Flag in @mine the marked channels that nodes of w->queue serve. */
static void mark_served(const struct walker *w, const unsigned char *chan,
			unsigned char *mine)
{
	const struct osm_graph *g = w->g;
	size_t i, j;

	for (i = 0; i < w->tail; i++) {
		const struct osm_node *n = w->queue[i];

		for (j = 0; !n->is_pd && j < n->nout; j++) {
			const struct osm_node *c = n->out[j]->dst.ptr;

			if (n->out[j]->kind == g->k_serve && chan[c->index])
				mine[c->index] = 1;
		}
	}
}

int osm_query__servers(const struct osm_graph *g, const struct osm_node *pd,
		       const struct osm_query_opts *opts,
		       struct osm_share **out)
{
	const struct osm_node **chans = NULL;
	unsigned char *chan = NULL, *mine = NULL;
	struct osm_share *shares = NULL;
	size_t i, k, n = 0, cap = 0, nch = 0, nn;
	struct type_filter f;
	struct walker w;
	int err;

	if (!out)
		return osm_err(-EINVAL);
	*out = NULL;
	err = query_prepare(g, pd, opts, &f, &w);
	if (err)
		return osm_err(err);

	nn = g->nnodes ? g->nnodes : 1;
	chan = calloc(nn, 1);
	mine = calloc(nn, 1);
	chans = malloc(nn * sizeof(*chans));
	if (!chan || !mine || !chans) {
		err = -ENOMEM;
		goto out;
	}
	walk(&w, pd);
	if (!mark_requests(&w, &f, chan))
		goto done;	/* the kernel serves everything @pd asks */
	for (i = 0; i < g->nnodes; i++)
		if (chan[i])
			chans[nch++] = &g->nodes[i];

	/* One walk per group, as in osm_query__shared(), @pd's own too. */
	for (i = 0; i < g->nnodes; i++) {
		const struct osm_node *grp = &g->nodes[i];

		if (!is_group(g, grp))
			continue;
		walk(&w, grp);
		mark_served(&w, chan, mine);
		/* add_share() keeps the flagged nodes of w.queue. */
		memcpy(w.queue, chans, nch * sizeof(*chans));
		w.tail = nch;
		err = add_share(&w, grp, mine, &shares, &n, &cap);
		for (k = 0; k < nch; k++)
			mine[chans[k]->index] = 0;
		if (err)
			goto out;
	}
done:
	err = hand_out_shares(&shares, n, out);
out:
	osm_shares__free(shares, n);
	free(chans);
	free(mine);
	free(chan);
	query_finish(&f, &w);
	return osm_err(err);
}
