// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Compare(A, B): per resource type, whether two PDs share resources of
 * that type or are isolated, and through which nodes.  Two forward
 * walks and a merge of their sorted results: linear in what A and B
 * reach.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "query_internal.h"

void osm_compare__free(struct osm_compare_type *v, size_t n)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < n; i++)
		free(v[i].shared);
	free(v);
}

struct types {
	struct osm_compare_type *v;
	size_t *cap;			/* of each .shared */
	size_t n, vcap;
};

/* The entry of @type, made if new; NULL when out of memory. */
static struct osm_compare_type *type_entry(struct types *t, const char *type)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->v[i].type == type)
			return &t->v[i];
	if (t->n == t->vcap) {
		size_t c = t->vcap ? t->vcap * 2 : 16;
		struct osm_compare_type *v;
		size_t *cap;

		v = realloc(t->v, c * sizeof(*v));
		if (!v)
			return NULL;
		t->v = v;
		cap = realloc(t->cap, c * sizeof(*cap));
		if (!cap)
			return NULL;
		t->cap = cap;
		t->vcap = c;
	}
	memset(&t->v[t->n], 0, sizeof(t->v[t->n]));
	t->v[t->n].type = type;
	t->cap[t->n] = 0;
	return &t->v[t->n++];
}

static int add_shared(struct types *t, struct osm_compare_type *e,
		      const struct osm_shared_res *ra,
		      const struct osm_shared_res *rb)
{
	size_t *cap = &t->cap[e - t->v];
	struct osm_shared_res *s;

	if (e->nshared == *cap) {
		size_t c = *cap ? *cap * 2 : 4;

		s = realloc(e->shared, c * sizeof(*s));
		if (!s)
			return -ENOMEM;
		e->shared = s;
		*cap = c;
	}
	s = &e->shared[e->nshared++];
	s->res = ra->res;
	s->mine = ra->mine;
	s->theirs = rb->mine;
	return 0;
}

static int cmp_type(const void *a, const void *b)
{
	const struct osm_compare_type *x = a, *y = b;

	return strcmp(x->type, y->type);
}

/* Walk both sorted lists at once, counting and intersecting. */
static int compare_lists(struct types *t, const struct osm_shared_res *ra,
			 size_t na, const struct osm_shared_res *rb,
			 size_t nb, bool w)
{
	size_t i = 0, j = 0;
	int err;

	while (i < na || j < nb) {
		size_t ia = i < na ? ra[i].res->index : SIZE_MAX;
		size_t ib = j < nb ? rb[j].res->index : SIZE_MAX;
		const struct osm_node *r = ia <= ib ? ra[i].res : rb[j].res;
		struct osm_compare_type *e = type_entry(t, r->type);

		if (!e)
			return -ENOMEM;
		e->na += ia <= ib;
		e->nb += ib <= ia;
		if (ia == ib && (!w || (ra[i].mine == OSM_ACCESS_RW &&
					rb[j].mine == OSM_ACCESS_RW))) {
			err = add_shared(t, e, &ra[i], &rb[j]);
			if (err)
				return err;
		}
		i += ia <= ib;
		j += ib <= ia;
	}
	return 0;
}

int osm_query__compare(const struct osm_graph *g, const struct osm_node *a,
		       const struct osm_node *b,
		       const struct osm_query_opts *opts,
		       struct osm_compare_type **out)
{
	bool w = OPTS_GET(opts, mode, 0) == OSM_MODE_WRITE;
	struct osm_shared_res *ra = NULL, *rb = NULL;
	struct types t = { 0 };
	struct osm_querier *q;
	struct type_filter f;
	size_t na, nb;
	int err;

	if (!out)
		return osm_err(-EINVAL);
	*out = NULL;
	if (!OPTS_VALID(opts, osm_query_opts) || !osm__node_of(g, a) ||
	    !osm__node_of(g, b) || !a->is_pd || !b->is_pd ||
	    OPTS_GET(opts, mode, 0) > OSM_MODE_WRITE ||
	    OPTS_GET(opts, granularity, 0) > OSM_GRAN_KERNEL)
		return osm_err(-EINVAL);
	err = osm__filter_init(&f, g, OPTS_GET(opts, types, NULL));
	if (err)
		return osm_err(err);
	err = osm__querier_get(g, OPTS_GET(opts, querier, NULL), &q);
	if (err)
		goto out_filter;
	err = osm__reach_list(q, a, &f, false, &ra, &na);
	if (!err)
		err = osm__reach_list(q, b, &f, false, &rb, &nb);
	if (!err)
		err = compare_lists(&t, ra, na, rb, nb, w);
	if (!err && t.n > INT_MAX)
		err = -EOVERFLOW;
	if (err) {
		osm_compare__free(t.v, t.n);
	} else {
		if (t.n)
			qsort(t.v, t.n, sizeof(*t.v), cmp_type);
		*out = t.v;
		err = (int)t.n;
	}
	free(t.cap);
	free(ra);
	free(rb);
	osm__querier_put(OPTS_GET(opts, querier, NULL), q);
out_filter:
	free(f.want);
	return osm_err(err);
}
