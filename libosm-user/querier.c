// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * The queries' machinery (query_internal.h): a querier holds the per-node
 * scratch of a walk and is reused across queries; walks follow
 * reachability forward (what a PD reaches) or backward (who reaches a
 * resource), optionally only along steps that allow writing.
 *
 * Reachability (query.md): from a PD through its members (a process is
 * the union of its threads, the kernel of its kthreads), then "hold",
 * "map" and "peer" edges forward and "subset" edges backward into parts
 * of another type (an mm's regions).  The backward walk takes exactly
 * the same steps reversed, so a PD reaches a resource iff the backward
 * walk from the resource meets the PD.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "query_internal.h"

static int stamps_init(struct osm_stamps *s, size_t n)
{
	size_t words = n / 64 + 1;

	if (words > UINT32_MAX)
		return -ENOMEM;
	s->bits = calloc(words, sizeof(*s->bits));
	s->dirty = malloc(words * sizeof(*s->dirty));
	s->ndirty = 0;
	return s->bits && s->dirty ? 0 : -ENOMEM;
}

static void stamps_free(struct osm_stamps *s)
{
	free(s->bits);
	free(s->dirty);
}

struct osm_querier *osm_querier__new(const struct osm_graph *g)
{
	struct osm_querier *q;
	size_t n;

	if (!g)
		return osm_err_ptr(-EINVAL);
	n = g->nnodes ? g->nnodes : 1;
	q = calloc(1, sizeof(*q));
	if (!q)
		return osm_err_ptr(-ENOMEM);
	q->g = g;
	q->n = n;
	/* Large calloc()s are fresh zero pages: only touched ones cost. */
	q->slot = malloc(n * sizeof(*q->slot));
	q->queue = malloc(n * sizeof(*q->queue));
	if (stamps_init(&q->visit, n) || stamps_init(&q->wvisit, n) ||
	    stamps_init(&q->mark, n) || stamps_init(&q->own, n) ||
	    !q->slot || !q->queue) {
		osm_querier__free(q);
		return osm_err_ptr(-ENOMEM);
	}
	q->t_thread = osm__lookup_name(g, OSM_NODE_THREAD);
	q->t_process = osm__lookup_name(g, OSM_NODE_PROCESS);
	q->t_kernel = osm__lookup_name(g, OSM_NODE_KERNEL);
	return q;
}

void osm_querier__free(struct osm_querier *q)
{
	if (!q)
		return;
	if (q->ctl_free)
		q->ctl_free(q->ctl);
	stamps_free(&q->visit);
	stamps_free(&q->wvisit);
	stamps_free(&q->mark);
	stamps_free(&q->own);
	free(q->slot);
	free(q->depth);
	free(q->via);
	free(q->queue);
	osm__holders_free(q);
	free(q);
}

/* The caller's querier if it gave one for this graph, else a new one. */
int osm__querier_get(const struct osm_graph *g, struct osm_querier *given,
		     struct osm_querier **q)
{
	*q = NULL;
	if (given) {
		if (given->g != g)
			return -EINVAL;
		*q = given;
		return 0;
	}
	*q = osm_querier__new(g);
	if (!*q)
		return -errno;
	(*q)->single = true;
	return 0;
}

/* BFS's depth and parent edge per node, allocated on its first use. */
int osm__querier_bfs_arrays(struct osm_querier *q)
{
	if (!q->depth)
		q->depth = malloc(q->n * sizeof(*q->depth));
	if (!q->via)
		q->via = malloc(q->n * sizeof(*q->via));
	return q->depth && q->via ? 0 : -ENOMEM;
}

void osm__querier_put(struct osm_querier *given, struct osm_querier *q)
{
	if (q != given)
		osm_querier__free(q);
}

/* Empty the set @s, in the time it took to fill it. */
void osm__stamps_next(struct osm_querier *q, struct osm_stamps *s)
{
	size_t i;

	(void)q;
	for (i = 0; i < s->ndirty; i++)
		s->bits[s->dirty[i]] = 0;
	s->ndirty = 0;
}

/* Can a step of reachability over @e write (osm__step_writes())? */
bool osm__step_writable(const struct osm_querier *q,
			const struct osm_edge *e,
			const struct osm_node *from,
			const struct osm_node *to)
{
	const struct osm_graph *g = q->g;

	return osm__step_writes(g, e->kind,
				g->estep[e - g->edges] & OSM_ESTEP_RO,
				from, to);
}

static inline void push(struct osm_querier *q, struct osm_stamps *s,
			const struct osm_node *n)
{
	if (stamp_has(s, n->index))
		return;
	stamp_set(s, n->index);
	q->queue[q->tail++] = n;
}

/* push() of node @i, without reading the node. */
static inline void push_idx(struct osm_querier *q, struct osm_stamps *s,
			    uint32_t i)
{
	if (stamp_has(s, i))
		return;
	stamp_set(s, i);
	q->queue[q->tail++] = &q->g->nodes[i];
}

static void step_fwd(struct osm_querier *q, struct osm_stamps *s,
		     const struct osm_node *n, bool wr)
{
	const struct osm_graph *g = q->g;
	size_t i;

	for (i = 0; i < n->nback; i++) {
		const struct osm_edge *e = osm__back(n)[i];
		const struct osm_node *src = e->src.ptr;

		/* Only PDs were pushed as PDs: seeds and members. */
		if (e->kind == g->k_member && n->is_pd && src->is_pd)
			push(q, s, src);
		else if (e->kind == g->k_subset && !src->is_pd &&
			 src->type != n->type &&
			 (!wr || osm__step_writable(q, e, n, src)))
			push(q, s, src);
	}
	for (i = 0; i < n->nout; i++) {
		const struct osm_edge *e = n->out[i];
		const struct osm_node *dst = e->dst.ptr;

		if (osm__is_reach_kind(g, e->kind) && !dst->is_pd &&
		    (!wr || osm__step_writable(q, e, n, dst)))
			push(q, s, dst);
	}
}

/*
 * The steps of step_fwd() that end at @n, taken backward: the CSR the
 * parser and the indexer built (graph.rsteps), each step's writability
 * judged at load, so a walk reads neither @n's record nor its edges.
 */
static void step_rev(struct osm_querier *q, struct osm_stamps *s,
		     size_t n, bool wr)
{
	const struct osm_graph *g = q->g;
	uint32_t k, end = g->roff[n + 1];

	for (k = g->roff[n]; k < end; k++) {
		uint32_t v = g->rsteps[k];

		if (!wr || v & OSM_RSTEP_RW)
			push_idx(q, s, v & OSM_RSTEP_IDX);
	}
}

/*
 * Visit everything reachable from @start (WALK_FWD) or everything that
 * reaches it (WALK_REV); with WALK_WRITE only along writable steps.  The
 * visited nodes are q->queue[0..tail), and in q->visit (q->wvisit with
 * WALK_WRITE) until the next walk of that kind.  With WALK_STOP an mm or
 * files node other than @start is visited but not walked past.
 *
 * Return: 0.
 */
int osm__walk(struct osm_querier *q, const struct osm_node *start,
	      unsigned int how)
{
	struct osm_stamps *s = how & WALK_WRITE ? &q->wvisit : &q->visit;
	const struct osm_graph *g = q->g;
	bool wr = how & WALK_WRITE;
	size_t head = 0;

	osm__stamps_next(q, s);
	q->tail = 0;
	push(q, s, start);
	while (head < q->tail) {
		const struct osm_node *n = q->queue[head++];
		size_t i = n - g->nodes;
		uint32_t up = osm__region_up(g, n);

		/*
		 * Backward, a walk reads only the compact arrays: a region
		 * whose one backward step is its mm takes it without even
		 * its CSR (the step writes iff the region is writable).
		 */
		if ((how & WALK_STOP) && n != start &&
		    (g->nbits[i] & OSM_NB_STOP))
			continue;
		if ((how & WALK_REV) && up) {
			if (!wr || (g->nbits[i] & OSM_NB_W))
				push_idx(q, s, up - 1);
			continue;
		}
		if (how & WALK_REV)
			step_rev(q, s, i, wr);
		else
			step_fwd(q, s, n, wr);
	}
	return 0;
}

int osm__filter_init(struct type_filter *f, const struct osm_graph *g,
		     const char *const *types)
{
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

bool osm__filter_match(const struct type_filter *f, const struct osm_node *n)
{
	size_t i;

	if (f->all)
		return true;
	for (i = 0; i < f->n; i++)
		if (f->want[i] == n->type)
			return true;
	return false;
}

/* The PD @n is a direct member of (thread -> process), or NULL. */
const struct osm_node *osm__pd_parent(const struct osm_graph *g,
				      const struct osm_node *n)
{
	size_t i;

	for (i = 0; i < n->nout; i++)
		if (n->out[i]->kind == g->k_member && n->out[i]->dst.ptr->is_pd)
			return n->out[i]->dst.ptr;
	return NULL;
}

/* The outermost PD @pd is a member of: thread -> process, kthread -> kernel. */
const struct osm_node *osm__pd_group(const struct osm_graph *g,
				     const struct osm_node *pd)
{
	const struct osm_node *up;
	int depth;

	for (depth = 0; depth < OSM_MAX_NESTING; depth++) {
		up = osm__pd_parent(g, pd);
		if (!up)
			break;
		pd = up;
	}
	return pd;
}

/* A PD no other PD is a member of: a thread. */
static bool is_leaf(const struct osm_graph *g, const struct osm_node *n)
{
	size_t i;

	for (i = 0; i < n->nback; i++)
		if (osm__back(n)[i]->kind == g->k_member &&
		    osm__back(n)[i]->src.ptr->is_pd)
			return false;
	return true;
}

/* Is @n a member of another PD?  A PD's backward steps are its members. */
static bool has_parent(const struct osm_querier *q, const struct osm_node *n)
{
	const struct osm_graph *g = q->g;

	return g->roff[n->index + 1] > g->roff[n->index];
}

/* Is @n a PD of an answer at granularity @gran (OSM_GRAN_*)? */
bool osm__is_unit(const struct osm_querier *q, const struct osm_node *n,
		  unsigned int gran)
{
	const struct osm_graph *g = q->g;

	if (!n->is_pd)
		return false;
	switch (gran) {
	case OSM_GRAN_THREAD:
		return is_leaf(g, n);
	case OSM_GRAN_KERNEL:
		if (osm__pd_group(g, n)->type == q->t_kernel)
			return is_leaf(g, n);
		return !has_parent(q, n);
	default:
		return !has_parent(q, n);
	}
}

/* q->own := @pd, the PDs it is part of and the PDs it is made of. */
void osm__mark_own(struct osm_querier *q, const struct osm_node *pd)
{
	const struct osm_graph *g = q->g;
	const struct osm_node *up = pd;
	size_t head, i;
	int depth;

	osm__stamps_next(q, &q->own);
	for (depth = 0; up && depth < OSM_MAX_NESTING; depth++) {
		stamp_set(&q->own, up->index);
		up = osm__pd_parent(g, up);
	}
	/* Members, transitively: q->queue is free between walks. */
	q->tail = 0;
	q->queue[q->tail++] = pd;
	for (head = 0; head < q->tail; head++) {
		const struct osm_node *n = q->queue[head];

		for (i = 0; i < n->nback; i++) {
			const struct osm_node *m = osm__back(n)[i]->src.ptr;

			if (osm__back(n)[i]->kind != g->k_member || !m->is_pd ||
			    stamp_has(&q->own, m->index))
				continue;
			stamp_set(&q->own, m->index);
			q->queue[q->tail++] = m;
		}
	}
}

int osm__cmp_index(const void *a, const void *b)
{
	const struct osm_node *x = *(const struct osm_node * const *)a;
	const struct osm_node *y = *(const struct osm_node * const *)b;

	return (x->index > y->index) - (x->index < y->index);
}

static int cmp_res(const void *a, const void *b)
{
	const struct osm_shared_res *x = a, *y = b;

	return (x->res->index > y->res->index) -
	       (x->res->index < y->res->index);
}

/*
 * The resources @pd reaches that @f matches (only the writable ones with
 * @need_rw), in graph order, with @pd's access in .mine.
 */
int osm__reach_list(struct osm_querier *q, const struct osm_node *pd,
		    const struct type_filter *f, bool need_rw,
		    struct osm_shared_res **out, size_t *n)
{
	struct osm_shared_res *v = NULL;
	size_t i, k = 0;

	*out = NULL;
	*n = 0;
	osm__walk(q, pd, WALK_FWD | WALK_WRITE);
	if (!need_rw)
		osm__walk(q, pd, WALK_FWD);
	if (q->tail) {
		v = malloc(q->tail * sizeof(*v));
		if (!v)
			return -ENOMEM;
	}
	for (i = 0; i < q->tail; i++) {
		const struct osm_node *r = q->queue[i];

		if (r->is_pd || !osm__filter_match(f, r))
			continue;
		v[k].res = r;
		v[k].mine = stamp_has(&q->wvisit, r->index) ?
			    OSM_ACCESS_RW : OSM_ACCESS_R;
		v[k++].theirs = 0;
	}
	if (!k) {
		free(v);
		return 0;
	}
	qsort(v, k, sizeof(*v), cmp_res);
	*out = v;
	*n = k;
	return 0;
}

/* ---- vectors of PD entries ---------------------------------------- */


static void pd_vec_init(struct osm_querier *q, struct pd_vec *pv)
{
	memset(pv, 0, sizeof(*pv));
	osm__stamps_next(q, &q->mark);
}

void osm__pd_vec_free(struct pd_vec *pv)
{
	osm_sharings__free(pv->v, pv->n);
	free(pv->rcap);
	pv->v = NULL;
	pv->rcap = NULL;
	pv->n = 0;
	pv->cap = 0;
}

/* The entry of @pd in @pv, made if new; NULL when out of memory. */
static struct osm_sharing *pd_vec_entry(struct osm_querier *q,
					struct pd_vec *pv,
					const struct osm_node *pd)
{
	size_t i;

	if (stamp_has(&q->mark, pd->index)) {
		i = q->slot[pd->index];
	} else {
		if (pv->n == pv->cap) {
			size_t c = pv->cap ? pv->cap * 2 : 16;
			struct osm_sharing *v;
			size_t *rc;

			v = realloc(pv->v, c * sizeof(*v));
			if (!v)
				return NULL;
			pv->v = v;
			rc = realloc(pv->rcap, c * sizeof(*rc));
			if (!rc)
				return NULL;
			pv->rcap = rc;
			pv->cap = c;
		}
		i = pv->n++;
		pv->v[i].pd = pd;
		pv->v[i].nres = 0;
		pv->v[i].res = NULL;
		pv->rcap[i] = 0;
		stamp_set(&q->mark, pd->index);
		q->slot[pd->index] = (uint32_t)i;
	}
	return &pv->v[i];
}

/*
 * Add @res to @pd's entry, once: resources are added in order, so a
 * repeat is the entry's last one; then its .theirs only grows.
 */
int osm__pd_vec_add(struct osm_querier *q, struct pd_vec *pv,
		    const struct osm_node *pd, const struct osm_node *res,
		    unsigned int mine, unsigned int theirs)
{
	struct osm_sharing *s = pd_vec_entry(q, pv, pd);
	struct osm_shared_res *r;
	size_t *rcap;

	if (!s)
		return -ENOMEM;
	rcap = &pv->rcap[s - pv->v];
	if (s->nres && s->res[s->nres - 1].res == res) {
		r = &s->res[s->nres - 1];
		if (theirs > r->theirs)
			r->theirs = theirs;
		return 0;
	}
	if (s->nres == *rcap) {
		size_t c = *rcap ? *rcap * 2 : 8;

		r = realloc(s->res, c * sizeof(*r));
		if (!r)
			return -ENOMEM;
		s->res = r;
		*rcap = c;
	}
	r = &s->res[s->nres++];
	r->res = res;
	r->mine = mine;
	r->theirs = theirs;
	return 0;
}

static int cmp_sharing(const void *a, const void *b)
{
	const struct osm_sharing *x = a, *y = b;

	return (x->pd->index > y->pd->index) - (x->pd->index < y->pd->index);
}

void osm__pd_vec_sort(struct pd_vec *pv)
{
	if (pv->n)
		qsort(pv->v, pv->n, sizeof(*pv->v), cmp_sharing);
	/* rcap no longer matches: it is not needed once sorted. */
	free(pv->rcap);
	pv->rcap = NULL;
}

/* Add (@res, @mine, @theirs) for every unit the last walk visited. */
static int add_units(struct osm_querier *q, struct pd_vec *pv,
		     unsigned int gran, bool skip_own,
		     const struct osm_node *res, unsigned int mine,
		     unsigned int theirs)
{
	size_t i;
	int err;

	for (i = 0; i < q->tail; i++) {
		const struct osm_node *u = q->queue[i];

		if (!u->is_pd || (skip_own && stamp_has(&q->own, u->index)) ||
		    !osm__is_unit(q, u, gran))
			continue;
		err = osm__pd_vec_add(q, pv, u, res, mine, theirs);
		if (err)
			return err;
	}
	return 0;
}

/* The channels @pd's reach has @kind edges to, in graph order. */
static int channels(struct osm_querier *q, const struct osm_node *pd,
		    const struct type_filter *f, const char *kind,
		    const struct osm_node ***out, size_t *n)
{
	const struct osm_node **v = NULL;
	size_t i, j, k = 0, cap = 0;

	*out = NULL;
	*n = 0;
	osm__walk(q, pd, WALK_FWD);
	osm__stamps_next(q, &q->mark);
	for (i = 0; i < q->tail; i++) {
		const struct osm_node *r = q->queue[i];

		for (j = 0; !r->is_pd && j < r->nout; j++) {
			const struct osm_node *c = r->out[j]->dst.ptr;

			if (r->out[j]->kind != kind || c->is_pd ||
			    !osm__filter_match(f, c) ||
			    stamp_has(&q->mark, c->index))
				continue;
			if (k == cap) {
				const struct osm_node **nv;

				cap = cap ? cap * 2 : 8;
				nv = realloc(v, cap * sizeof(*v));
				if (!nv) {
					free(v);
					return -ENOMEM;
				}
				v = nv;
			}
			stamp_set(&q->mark, c->index);
			v[k++] = c;
		}
	}
	if (k)
		qsort(v, k, sizeof(*v), osm__cmp_index);
	*out = v;
	*n = k;
	return 0;
}

/*
 * Servers (the resource directory): the channels @pd's reach "request"s
 * and the PDs reaching a file that "serve"s one.  @reverse: the channels
 * @pd's reach "serve"s and the PDs reaching what "request"s one.  Each
 * PD's entry lists the channels in .res; @pd itself is included.
 */
int osm__servers_core(struct osm_querier *q, const struct osm_node *pd,
		      const struct type_filter *f, unsigned int gran,
		      bool reverse, struct pd_vec *pv)
{
	const struct osm_graph *g = q->g;
	const char *there = reverse ? g->k_serve : g->k_request;
	const char *back = reverse ? g->k_request : g->k_serve;
	const struct osm_node **chan;
	size_t i, j, n;
	int err;

	memset(pv, 0, sizeof(*pv));
	if (!there || !back)
		return 0;	/* a graph before 1.5 */
	err = channels(q, pd, f, there, &chan, &n);
	if (err) {
		free(chan);
		return err;
	}
	pd_vec_init(q, pv);
	for (i = 0; !err && i < n; i++) {
		const struct osm_node *c = chan[i];

		for (j = 0; !err && j < c->nin; j++) {
			const struct osm_node *s = osm__in(c)[j]->src.ptr;

			if (osm__in(c)[j]->kind != back || s->is_pd)
				continue;
			err = osm__walk(q, s, WALK_REV);
			if (!err)
				err = add_units(q, pv, gran, false, c, 0,
						0);
		}
	}
	free(chan);
	if (!err)
		osm__pd_vec_sort(pv);
	return err;
}
