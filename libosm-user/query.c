// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Queries over a graph (query.md): what a PD reaches, which other PDs
 * reach the same resources (SharedResources), who reaches a resource
 * (holders), and who serves a PD's requests.  The walks are in
 * querier.c.
 *
 * Servers (the resource directory): "request" edges from what a PD
 * reaches name channels; "serve" edges from files name who answers them.
 * Neither is followed by reachability.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "query_internal.h"

/* The common checks and setup of the queries taking osm_query_opts. */
static int query_prepare(const struct osm_graph *g,
			 const struct osm_node *pd,
			 const struct osm_query_opts *opts,
			 struct type_filter *f, struct osm_querier **q)
{
	unsigned int mode = OPTS_GET(opts, mode, 0);
	unsigned int gran = OPTS_GET(opts, granularity, 0);
	int err;

	*q = NULL;
	if (!OPTS_VALID(opts, osm_query_opts) || !osm__node_of(g, pd) ||
	    mode > OSM_MODE_WRITE || gran > OSM_GRAN_KERNEL)
		return -EINVAL;
	err = osm__filter_init(f, g, OPTS_GET(opts, types, NULL));
	if (err)
		return err;
	err = osm__querier_get(g, OPTS_GET(opts, querier, NULL), q);
	if (err)
		free(f->want);
	return err;
}

/* Undo a successful query_prepare(). */
static void query_finish(const struct osm_query_opts *opts,
			 struct type_filter *f, struct osm_querier *q)
{
	osm__querier_put(OPTS_GET(opts, querier, NULL), q);
	free(f->want);
}

int osm_query__reachable(const struct osm_graph *g,
			 const struct osm_node *pd,
			 const struct osm_query_opts *opts,
			 const struct osm_node ***out)
{
	const struct osm_node **res = NULL;
	struct osm_querier *q;
	struct type_filter f;
	size_t i, n = 0;
	int err;

	if (!out)
		return osm_err(-EINVAL);
	*out = NULL;
	if (!osm__node_of(g, pd) || !pd->is_pd)
		return osm_err(-EINVAL);
	err = query_prepare(g, pd, opts, &f, &q);
	if (err)
		return osm_err(err);

	osm__walk(q, pd, WALK_FWD);
	/* Compact the matches to the front of the queue, then copy. */
	for (i = 0; i < q->tail; i++)
		if (!q->queue[i]->is_pd && osm__filter_match(&f, q->queue[i]))
			q->queue[n++] = q->queue[i];
	if (n > INT_MAX) {
		err = -EOVERFLOW;
		goto out;
	}
	if (n) {
		res = malloc(n * sizeof(*res));
		if (!res) {
			err = -ENOMEM;
			goto out;
		}
		memcpy(res, q->queue, n * sizeof(*res));
		qsort(res, n, sizeof(*res), osm__cmp_index);
	}
	*out = res;
	err = (int)n;
out:
	query_finish(opts, &f, q);
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

void osm_sharings__free(struct osm_sharing *s, size_t n)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < n; i++)
		free(s[i].res);
	free(s);
}

/* Hand a vector to the caller, or -EOVERFLOW (and free it). */
static int hand_out(struct pd_vec *pv, struct osm_sharing **out)
{
	int n;

	if (pv->n > INT_MAX) {
		osm__pd_vec_free(pv);
		return -EOVERFLOW;
	}
	*out = pv->v;
	n = (int)pv->n;
	pv->v = NULL;
	pv->n = 0;
	return n;
}

/* The old shape of an answer: resource nodes without their modes. */
static int to_shares(struct osm_sharing *s, int n, struct osm_share **out)
{
	struct osm_share *v;
	int i, err = n;
	size_t j;

	*out = NULL;
	if (n <= 0)
		return n;
	v = calloc(n, sizeof(*v));
	if (!v) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		v[i].pd = s[i].pd;
		v[i].nres = s[i].nres;
		v[i].res = malloc(s[i].nres * sizeof(*v[i].res));
		if (!v[i].res) {
			osm_shares__free(v, i);
			err = -ENOMEM;
			goto out;
		}
		for (j = 0; j < s[i].nres; j++)
			v[i].res[j] = s[i].res[j].res;
	}
	*out = v;
out:
	osm_sharings__free(s, n);
	return err;
}

int osm_query__sharing(const struct osm_graph *g, const struct osm_node *pd,
		       const struct osm_query_opts *opts,
		       struct osm_sharing **out)
{
	bool w = OPTS_GET(opts, mode, 0) == OSM_MODE_WRITE;
	struct osm_querier *q;
	struct type_filter f;
	struct pd_vec pv;
	int err;

	if (!out)
		return osm_err(-EINVAL);
	*out = NULL;
	if (!osm__node_of(g, pd) || !pd->is_pd)
		return osm_err(-EINVAL);
	err = query_prepare(g, pd, opts, &f, &q);
	if (err)
		return osm_err(err);
	err = osm__sharing_core(q, pd, &f, w, w,
				OPTS_GET(opts, granularity, 0), &pv);
	if (!err)
		err = hand_out(&pv, out);
	osm__pd_vec_free(&pv);
	query_finish(opts, &f, q);
	return osm_err(err);
}

int osm_query__shared(const struct osm_graph *g, const struct osm_node *pd,
		      const struct osm_query_opts *opts,
		      struct osm_share **out)
{
	struct osm_sharing *s;
	int n;

	if (!out)
		return osm_err(-EINVAL);
	*out = NULL;
	n = osm_query__sharing(g, pd, opts, &s);
	return osm_err(to_shares(s, n, out));
}

int osm_query__servers(const struct osm_graph *g, const struct osm_node *pd,
		       const struct osm_query_opts *opts,
		       struct osm_share **out)
{
	struct osm_sharing *s = NULL;
	struct osm_querier *q;
	struct type_filter f;
	struct pd_vec pv;
	int err;

	if (!out)
		return osm_err(-EINVAL);
	*out = NULL;
	if (!osm__node_of(g, pd) || !pd->is_pd)
		return osm_err(-EINVAL);
	err = query_prepare(g, pd, opts, &f, &q);
	if (err)
		return osm_err(err);
	err = osm__servers_core(q, pd, &f, OPTS_GET(opts, granularity, 0),
				false, &pv);
	if (!err)
		err = hand_out(&pv, &s);
	osm__pd_vec_free(&pv);
	query_finish(opts, &f, q);
	return osm_err(to_shares(s, err, out));
}

static int cmp_holder(const void *a, const void *b)
{
	const struct osm_holder *x = a, *y = b;

	return (x->pd->index > y->pd->index) - (x->pd->index < y->pd->index);
}

int osm_query__holders(const struct osm_graph *g, const struct osm_node *res,
		       const struct osm_query_opts *opts,
		       struct osm_holder **out)
{
	bool w = OPTS_GET(opts, mode, 0) == OSM_MODE_WRITE;
	unsigned int gran = OPTS_GET(opts, granularity, 0);
	struct osm_holder *v = NULL;
	struct osm_querier *q;
	struct type_filter f;
	size_t i, n = 0;
	int err;

	if (!out)
		return osm_err(-EINVAL);
	*out = NULL;
	if (!osm__node_of(g, res) || res->is_pd)
		return osm_err(-EINVAL);
	err = query_prepare(g, res, opts, &f, &q);
	if (err)
		return osm_err(err);
	/* Writable holders first, kept in q->wvisit for the modes. */
	err = osm__walk(q, res, WALK_REV | WALK_WRITE);
	if (!err && !w)
		err = osm__walk(q, res, WALK_REV);
	if (err)
		goto out;
	for (i = 0; i < q->tail; i++)
		n += osm__is_unit(q, q->queue[i], gran);
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
	for (i = 0, n = 0; i < q->tail; i++) {
		const struct osm_node *u = q->queue[i];

		if (!osm__is_unit(q, u, gran))
			continue;
		v[n].pd = u;
		v[n++].access = stamp_has(&q->wvisit, u->index) ?
				OSM_ACCESS_RW : OSM_ACCESS_R;
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_holder);
	*out = v;
	err = (int)n;
out:
	query_finish(opts, &f, q);
	return osm_err(err);
}
