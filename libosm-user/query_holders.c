// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * SharedResources through holder lists: for each resource a PD reaches,
 * the units (PDs at the asked granularity) that reach it too, each with
 * whether it can write it.  A list is found by one backward walk and one
 * more along writable steps; a querier the caller keeps caches every
 * list it found, so a batch walks back from each resource once instead
 * of once per PD that reaches it (a shared library's inode: once, not
 * once per process mapping it).  Walks stop at mm and files nodes and
 * join their lists, kept for the query even without a querier.
 *
 * The answer is built in two passes over the lists (count per unit, then
 * fill exact arrays), its PDs in graph order from a bitmap of the units
 * met: no reallocation, no sort.  Units are numbered densely as they are
 * met, so the counts a query keeps per unit fit in cache.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "query_internal.h"

/* A list entry: the unit's number, and whether it reaches by writing. */
#define H_RW		0x80000000U
#define H_IDX		0x7fffffffU
/* A kept querier's cache is dropped when it grows past this (entries). */
#define H_CACHE_MAX	(32U << 20)

void osm__holders_free(struct osm_querier *q)
{
	free(q->hoff);		/* also udense */
	free(q->harena);
	free(q->hbits);
	free(q->unode);
	free(q->ucnt);
	free(q->ustamp);
	q->hoff = NULL;
	q->harena = NULL;
	q->hbits = NULL;
	q->udense = NULL;
	q->unode = NULL;
	q->ucnt = NULL;
	q->ustamp = NULL;
	q->hlen = 0;
	q->hcap = 0;
	q->nunits = 0;
	q->ucap = 0;
}

/* Forget every list and unit number (another granularity, or too large). */
static void holders_reset(struct osm_querier *q, unsigned int gran)
{
	/* calloc()ed: only the touched pages cost, until one is used. */
	if (q->hlen || q->nunits)
		memset(q->hoff, 0, q->n * sizeof(*q->hoff));
	q->hgran = gran;
	q->hlen = 0;
	q->nunits = 0;
}

/* Start a query: scratch allocated, a stale or oversized cache emptied. */
static int holders_begin(struct osm_querier *q, unsigned int gran)
{
	if (!q->hbits)
		q->hbits = calloc(q->n / 64 + 1, sizeof(*q->hbits));
	if (!q->hoff)
		q->hoff = calloc(q->n, sizeof(*q->hoff));
	q->udense = q->hoff;	/* PDs' numbers beside resources' lists */
	if (!q->hbits || !q->hoff)
		return -ENOMEM;
	if (q->hgran != gran || q->hlen > H_CACHE_MAX)
		holders_reset(q, gran);
	return 0;
}

static int grow(uint32_t **v, size_t *cap, size_t want)
{
	size_t c = *cap ? *cap : 1024;
	uint32_t *nv;

	if (want >= UINT32_MAX)
		return -E2BIG;	/* offsets and numbers are 32 bits */
	if (want <= *cap)
		return 0;
	while (c < want)
		c *= 2;
	nv = realloc(*v, c * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = c;
	return 0;
}

/* The number of unit @u, given one if new. */
static int unit_number(struct osm_querier *q, const struct osm_node *u,
		       uint32_t *d)
{
	size_t cap = q->ucap;
	int err;

	if (q->udense[u->index]) {
		*d = q->udense[u->index] - 1;
		return 0;
	}
	if (q->nunits == q->ucap) {
		err = grow(&q->unode, &cap, q->nunits + 1);
		cap = q->ucap;
		if (!err)
			err = grow(&q->ucnt, &cap, q->nunits + 1);
		cap = q->ucap;
		if (!err)
			err = grow(&q->ustamp, &cap, q->nunits + 1);
		if (err)
			return err;
		/* New numbers must not look met by the current query. */
		memset(q->ustamp + q->ucap, 0,
		       (cap - q->ucap) * sizeof(*q->ustamp));
		q->ucap = cap;
	}
	*d = (uint32_t)q->nunits;
	q->unode[q->nunits++] = u->index;
	q->udense[u->index] = *d + 1;
	return 0;
}

/* Next query: no unit is met yet. */
static void units_next(struct osm_querier *q)
{
	if (++q->ucur == 0) {
		memset(q->ustamp, 0, q->ucap * sizeof(*q->ustamp));
		q->ucur = 1;
	}
}

/* An mm or files node: read from the node bits, not the node. */
static bool is_stop(const struct osm_querier *q, const struct osm_node *n)
{
	return q->g->nbits[n - q->g->nodes] & OSM_NB_STOP;
}

/*
 * Append to harena the list of @r from the units its walks met directly,
 * t[0..k) (node indices, H_RW when reached by writing), and the lists of
 * the stop nodes they met, t[k..k + ns) (H_RW: reached by writing; their
 * offsets in t[k + ns..k + 2 * ns)): each unit once, its H_RW ORed.
 * ucnt[] holds a unit's position while ustamp[] says it is in the list.
 */
static int holders_join(struct osm_querier *q, const struct osm_node *r,
			const uint32_t *t, size_t k, size_t ns, uint32_t *off)
{
	size_t i, j, m = k, at = q->hlen, cnt = 0;
	uint32_t *v, d;
	int err;

	for (i = 0; i < ns; i++)
		m += q->harena[t[k + ns + i]];
	err = grow(&q->harena, &q->hcap, q->hlen + m + 1);
	if (err)
		return err;
	v = q->harena + at;
	units_next(q);
	for (i = 0; i < k + ns; i++) {
		const uint32_t *h = i < k ? NULL : q->harena + t[k + ns + i - k];
		size_t nh = h ? h[0] : 1;

		for (j = 1; j <= nh; j++) {
			uint32_t rw = t[i] & H_RW;

			if (h) {
				d = h[j] & H_IDX;
				rw &= h[j];
			} else {
				err = unit_number(q, &q->g->nodes[t[i] & H_IDX],
						  &d);
				if (err)
					return err;
			}
			if (q->ustamp[d] == q->ucur) {
				v[1 + q->ucnt[d]] |= rw;
				continue;
			}
			q->ustamp[d] = q->ucur;
			q->ucnt[d] = (uint32_t)cnt;
			v[1 + cnt++] = d | rw;
		}
	}
	v[0] = (uint32_t)cnt;
	q->hlen = at + cnt + 1;
	q->hoff[r->index] = (uint32_t)at + 1;
	*off = (uint32_t)at;
	return 0;
}

/*
 * The units reaching @r at @gran: harena[*off] is their count, the
 * entries follow (unit number, H_RW when a writable path reaches).
 * Found by one backward walk and one along writable steps; with @stop
 * they end at mm and files nodes, whose own lists (found without @stop)
 * are joined in: a query walking back from a region, or from a library
 * every process maps, meets the same address spaces again and again.
 */
static int holders_find(struct osm_querier *q, const struct osm_node *r,
			unsigned int gran, bool stop, uint32_t *off)
{
	unsigned int how = WALK_REV | (stop ? WALK_STOP : 0);
	size_t i, a, b, k = 0, ns = 0;
	uint32_t *t;
	int err;

	if (q->hoff[r->index]) {
		*off = q->hoff[r->index] - 1;
		return 0;
	}
	err = osm__walk(q, r, how);
	if (err)
		return err;
	for (i = 0; i < q->tail; i++) {
		const struct osm_node *u = q->queue[i];

		if (osm__region_up(q->g, u))	/* a region: neither */
			continue;
		if (is_stop(q, u))
			ns += stop && i;
		else
			k += u->is_pd && osm__is_unit(q, u, gran);
	}
	t = malloc((k + 2 * ns + 1) * sizeof(*t));
	if (!t)
		return -ENOMEM;
	for (i = 0, a = 0, b = k; i < q->tail; i++) {
		const struct osm_node *u = q->queue[i];

		if (osm__region_up(q->g, u))
			continue;
		if (is_stop(q, u)) {
			if (stop && i)
				t[b++] = u - q->g->nodes;
		} else if (u->is_pd && osm__is_unit(q, u, gran)) {
			t[a++] = u->index;
		}
	}
	if (k + ns) {
		err = osm__walk(q, r, how | WALK_WRITE);
		for (i = 0; i < k + ns; i++)
			if (stamp_has(&q->wvisit, t[i]))
				t[i] |= H_RW;
	}
	for (i = 0; !err && i < ns; i++)
		err = holders_find(q, &q->g->nodes[t[k + i] & H_IDX], gran,
				   false, &t[k + ns + i]);
	if (!err)
		err = holders_join(q, r, t, k, ns, off);
	free(t);
	return err;
}

static int holders_get(struct osm_querier *q, const struct osm_node *r,
		       unsigned int gran, uint32_t *off)
{
	return holders_find(q, r, gran, true, off);
}

/* ucnt[] of a unit that is (part of) the queried PD: never counted. */
#define U_OWN	UINT32_MAX

/*
 * SharedResources: for each resource @pd reaches (matching @f; only the
 * writable ones with @mine_rw), the units reaching it too (only by
 * writing with @theirs_rw), grouped per unit in graph order.
 */
int osm__sharing_core(struct osm_querier *q, const struct osm_node *pd,
		      const struct type_filter *f, bool mine_rw,
		      bool theirs_rw, unsigned int gran, struct pd_vec *pv)
{
	uint32_t need = theirs_rw ? H_RW : 0;
	size_t i, j, n, nu = 0, lo = SIZE_MAX, hi = 0, w;
	struct osm_shared_res *mine;
	uint32_t *offs = NULL;
	struct osm_sharing *v;
	int err;

	memset(pv, 0, sizeof(*pv));
	err = holders_begin(q, gran);
	if (!err)
		err = osm__reach_list(q, pd, f, mine_rw, &mine, &n);
	if (err)
		return err;
	if (!n)
		return 0;
	offs = malloc(n * sizeof(*offs));
	if (!offs)
		err = -ENOMEM;
	for (i = 0; !err && i < n; i++)
		err = holders_get(q, mine[i].res, gran, &offs[i]);
	if (err)
		goto out;

	/* Count each unit's resources; note the units met in q->hbits. */
	osm__mark_own(q, pd);
	units_next(q);
	for (i = 0; i < n; i++) {
		const uint32_t *h = q->harena + offs[i];

		for (j = 1; j <= h[0]; j++) {
			uint32_t d = h[j] & H_IDX, u;

			if ((h[j] & need) != need)
				continue;
			if (q->ustamp[d] == q->ucur) {
				q->ucnt[d] += q->ucnt[d] != U_OWN;
				continue;
			}
			q->ustamp[d] = q->ucur;
			u = q->unode[d];
			if (stamp_has(&q->own, u)) {
				q->ucnt[d] = U_OWN;
				continue;
			}
			q->ucnt[d] = 1;
			q->hbits[u / 64] |= 1ULL << (u % 64);
			lo = u < lo ? u : lo;
			hi = u > hi ? u : hi;
			nu++;
		}
	}
	if (!nu)
		goto out;
	v = calloc(nu, sizeof(*v));
	if (!v) {
		err = -ENOMEM;
		/* Leave the bitmap empty for the next query. */
		memset(q->hbits + lo / 64, 0,
		       (hi / 64 - lo / 64 + 1) * sizeof(*q->hbits));
		goto out;
	}
	pv->v = v;
	/* The units in graph order; a unit's count becomes its entry. */
	for (w = lo / 64; w <= hi / 64; w++) {
		while (q->hbits[w]) {
			size_t u = w * 64 + __builtin_ctzll(q->hbits[w]);
			uint32_t d = q->udense[u] - 1;
			struct osm_sharing *e = &v[pv->n];

			q->hbits[w] &= q->hbits[w] - 1;
			e->pd = &q->g->nodes[u];
			e->res = malloc(q->ucnt[d] * sizeof(*e->res));
			if (!e->res)
				err = -ENOMEM;
			q->ucnt[d] = (uint32_t)pv->n++;
		}
	}
	if (err)
		goto out;
	/* Fill: resources are met in graph order, each once per unit. */
	for (i = 0; i < n; i++) {
		const uint32_t *h = q->harena + offs[i];
		struct osm_shared_res r = {
			.res = mine[i].res, .mine = mine[i].mine,
		};

		for (j = 1; j <= h[0]; j++) {
			uint32_t d = h[j] & H_IDX;

			if ((h[j] & need) != need || q->ucnt[d] == U_OWN)
				continue;
			v = &pv->v[q->ucnt[d]];
			r.theirs = h[j] & H_RW ? OSM_ACCESS_RW : OSM_ACCESS_R;
			v->res[v->nres++] = r;
		}
	}
out:
	if (err)
		osm__pd_vec_free(pv);
	free(offs);
	free(mine);
	return err;
}
