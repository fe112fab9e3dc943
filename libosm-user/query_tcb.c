// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * TCB(PD) = SharedResources(PD) ∪ CanControl(PD) ∪ the PDs serving its
 * requests; ImpactBoundary(PD) = the PDs reaching what PD can write ∪
 * the PDs PD can control ∪ the PDs whose requests PD serves.  Both are
 * the union of three answers merged per PD, each part saying why.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "query_internal.h"

void osm_tcb__free(struct osm_tcb_entry *v, size_t n)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < n; i++) {
		free(v[i].res);
		free(v[i].chan);
	}
	free(v);
}

static size_t idx_of(const struct osm_node *pd)
{
	return pd ? pd->index : SIZE_MAX;
}

/* Move the channel lists of @sv (osm_shared_res) into node arrays. */
static int take_chan(struct osm_tcb_entry *e, struct osm_sharing *sv)
{
	size_t i;

	e->chan = malloc(sv->nres * sizeof(*e->chan));
	if (!e->chan)
		return -ENOMEM;
	for (i = 0; i < sv->nres; i++)
		e->chan[i] = sv->res[i].res;
	e->nchan = sv->nres;
	e->why |= OSM_TCB_SERVER;
	return 0;
}

/* Merge three lists sorted by PD into one entry per PD. */
static int merge(struct osm_querier *q, struct pd_vec *sh,
		 const struct osm_control *ctl, size_t nctl,
		 struct pd_vec *sv, struct osm_tcb_entry **out, size_t *nout)
{
	size_t a = 0, b = 0, c = 0, n = 0;
	struct osm_tcb_entry *v;
	int err;

	*out = NULL;
	*nout = 0;
	v = calloc(sh->n + nctl + sv->n + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	while (a < sh->n || b < nctl || c < sv->n) {
		size_t ia = a < sh->n ? idx_of(sh->v[a].pd) : SIZE_MAX;
		size_t ib = b < nctl ? idx_of(ctl[b].pd) : SIZE_MAX;
		size_t ic = c < sv->n ? idx_of(sv->v[c].pd) : SIZE_MAX;
		size_t lo = ia < ib ? ia : ib;
		struct osm_tcb_entry *e;

		lo = lo < ic ? lo : ic;
		if (stamp_has(&q->own, lo)) {	/* never the PD itself */
			a += ia == lo;
			b += ib == lo;
			c += ic == lo;
			continue;
		}
		e = &v[n++];
		e->pd = &q->g->nodes[lo];
		if (ia == lo) {
			e->res = sh->v[a].res;
			e->nres = sh->v[a].nres;
			sh->v[a].res = NULL;
			sh->v[a++].nres = 0;
			e->why |= OSM_TCB_SHARED;
		}
		if (ib == lo) {
			e->rules = ctl[b++].rules;
			e->why |= OSM_TCB_CONTROL;
		}
		if (ic == lo) {
			err = take_chan(e, &sv->v[c++]);
			if (err) {
				osm_tcb__free(v, n);
				return err;
			}
		}
	}
	if (!n) {
		free(v);
		v = NULL;
	}
	*out = v;
	*nout = n;
	return 0;
}

static int tcb_query(const struct osm_graph *g, const struct osm_node *pd,
		     const struct osm_tcb_opts *opts,
		     struct osm_tcb_entry **out, bool impact)
{
	unsigned int mode = OPTS_GET(opts, mode, 0);
	unsigned int gran = OPTS_GET(opts, granularity, 0);
	int scope = OPTS_GET(opts, ptrace_scope, 0);
	struct pd_vec sh = { 0 }, sv = { 0 };
	struct osm_control *ctl = NULL;
	struct osm_querier *q;
	struct type_filter f;
	size_t nctl = 0, n = 0;
	bool w;
	int err;

	if (!out)
		return osm_err(-EINVAL);
	*out = NULL;
	if (!OPTS_VALID(opts, osm_tcb_opts) || !osm__node_of(g, pd) ||
	    !pd->is_pd || mode > OSM_MODE_WRITE || gran > OSM_GRAN_KERNEL ||
	    scope < 0 || scope > 3)
		return osm_err(-EINVAL);
	err = osm__filter_init(&f, g, OPTS_GET(opts, types, NULL));
	if (err)
		return osm_err(err);
	err = osm__querier_get(g, OPTS_GET(opts, querier, NULL), &q);
	if (err)
		goto out_filter;

	w = mode == OSM_MODE_WRITE;
	err = osm__sharing_core(q, pd, &f, impact || w, !impact && w, gran,
				&sh);
	if (!err)
		err = osm__control_scan(q, pd, scope, gran, impact, &ctl,
					&nctl);
	if (!err)
		err = osm__servers_core(q, pd, &f, gran, impact, &sv);
	if (!err) {
		osm__mark_own(q, pd);
		err = merge(q, &sh, ctl, nctl, &sv, out, &n);
	}
	if (!err && n > INT_MAX) {
		osm_tcb__free(*out, n);
		*out = NULL;
		err = -EOVERFLOW;
	}
	osm__pd_vec_free(&sh);
	osm__pd_vec_free(&sv);
	free(ctl);
	osm__querier_put(OPTS_GET(opts, querier, NULL), q);
out_filter:
	free(f.want);
	return osm_err(err ? err : (int)n);
}

int osm_query__tcb(const struct osm_graph *g, const struct osm_node *pd,
		   const struct osm_tcb_opts *opts, struct osm_tcb_entry **out)
{
	return tcb_query(g, pd, opts, out, false);
}

int osm_query__impact(const struct osm_graph *g, const struct osm_node *pd,
		      const struct osm_tcb_opts *opts,
		      struct osm_tcb_entry **out)
{
	return tcb_query(g, pd, opts, out, true);
}
