// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Indexes over a parsed graph: the node id hash table, the interned type
 * and kind names, and the per-node in/out edge lists.
 */
#include <stdlib.h>
#include <string.h>

#include "libosm_internal.h"

#define OSM_HTAB_MIN	64

/*
 * A word at a time: ids are 20 to 40 bytes and hashing them is a good
 * part of a parse.  Each word is multiplied in, the high half folded down
 * so the low bits (the table's index) depend on every byte.
 */
uint32_t osm__hash(const char *s, size_t len)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ len, w;
	const char *start = s;

	while (len >= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
		s += 8;
		len -= 8;
	}
	if (len) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		if (s != start) {
			/* The last 8 bytes, less those already taken. */
			memcpy(&w, s + len - 8, 8);
			w >>= 64 - 8 * len;
		} else
#endif
		{
			w = 0;
			while (len--)
				w = w << 8 | (unsigned char)s[len];
		}
		h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
	}
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 32;
	return (uint32_t)h;
}

static bool key_equal(const char *key, const char *s, size_t len)
{
	return !memcmp(key, s, len) && key[len] == '\0';
}

/**
 * osm__htab_find() - look a string up.
 * Return: 0 with *@val set, or -ENOENT.
 */
int osm__htab_find(const struct osm_htab *t, const char *s, size_t len,
		   uint32_t hash, osm_htab_key_fn key, const void *ctx,
		   uint32_t *val)
{
	size_t i;

	if (!t->slots)
		return -ENOENT;
	for (i = hash & t->mask; t->slots[i].val; i = (i + 1) & t->mask) {
		const struct osm_htab_slot *sl = &t->slots[i];

		if (sl->hash == hash &&
		    key_equal(key(ctx, sl->val - 1), s, len)) {
			*val = sl->val - 1;
			return 0;
		}
	}
	return -ENOENT;
}

static void htab_place(struct osm_htab_slot *slots, size_t mask,
		       uint32_t hash, uint32_t val1)
{
	size_t i;

	for (i = hash & mask; slots[i].val; i = (i + 1) & mask)
		;
	slots[i].hash = hash;
	slots[i].val = val1;
}

static int htab_resize(struct osm_htab *t, size_t n)
{
	struct osm_htab_slot *slots;
	size_t i;

	if (n > SIZE_MAX / sizeof(*slots))
		return -ENOMEM;
	slots = osm__mem_zalloc(n * sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (i = 0; t->slots && i <= t->mask; i++)
		if (t->slots[i].val)
			htab_place(slots, n - 1, t->slots[i].hash,
				   t->slots[i].val);
	if (t->slots)
		osm__mem_free(t->slots, (t->mask + 1) * sizeof(*slots));
	t->slots = slots;
	t->mask = n - 1;
	return 0;
}

static int htab_grow(struct osm_htab *t)
{
	return htab_resize(t, t->slots ? (t->mask + 1) * 2 : OSM_HTAB_MIN);
}

/**
 * osm__htab_insert() - add a value; the caller has checked it is new.
 * Return: 0, -ENOMEM, or -EOVERFLOW when @val does not fit.
 */
int osm__htab_insert(struct osm_htab *t, uint32_t hash, uint32_t val)
{
	int err;

	if (val >= UINT32_MAX)
		return -EOVERFLOW;
	/* Keep the load at most 3/4: short probe runs, 8 bytes a slot. */
	if (!t->slots || (t->used + 1) * 4 > (t->mask + 1) * 3) {
		err = htab_grow(t);
		if (err)
			return err;
	}
	htab_place(t->slots, t->mask, hash, val + 1);
	t->used++;
	return 0;
}

void osm__htab_free(struct osm_htab *t)
{
	if (t->slots)
		osm__mem_free(t->slots, (t->mask + 1) * sizeof(*t->slots));
	t->slots = NULL;
	t->mask = 0;
	t->used = 0;
}

static const char *name_key(const void *ctx, uint32_t val)
{
	const struct osm_graph *g = ctx;

	return g->names_v[val];
}

/* The id of node @idx, also while parsing (when ids are offsets). */
const char *osm__node_id(const struct osm_graph *g, size_t idx)
{
	const struct osm_node *n = &g->nodes[idx];

	return g->indexed ? n->id : g->text + n->id_off;
}

static const char *node_key(const void *ctx, uint32_t val)
{
	return osm__node_id(ctx, val);
}

/**
 * osm__intern() - the graph's one copy of a type or kind name.
 *
 * Types and kinds are few, so interning them lets the queries compare
 * pointers instead of strings on every edge they walk.
 *
 * Return: the interned string, or NULL (out of memory).
 */
const char *osm__intern(struct osm_graph *g, const char *s, size_t len)
{
	uint32_t hash = osm__hash(s, len), val;
	char *copy;

	if (!osm__htab_find(&g->names, s, len, hash, name_key, g, &val))
		return g->names_v[val];

	if (g->nnames == g->names_cap) {
		size_t cap = g->names_cap ? g->names_cap * 2 : 16;
		char **v = realloc(g->names_v, cap * sizeof(*v));

		if (!v)
			return NULL;
		g->names_v = v;
		g->names_cap = cap;
	}
	copy = malloc(len + 1);
	if (!copy)
		return NULL;
	memcpy(copy, s, len);
	copy[len] = '\0';
	if (osm__htab_insert(&g->names, hash, g->nnames)) {
		free(copy);
		return NULL;
	}
	g->names_v[g->nnames++] = copy;
	return copy;
}

/* The interned copy of @s if the graph has seen that name, else NULL. */
const char *osm__lookup_name(const struct osm_graph *g, const char *s)
{
	size_t len = strlen(s);
	uint32_t val;

	if (osm__htab_find(&g->names, s, len, osm__hash(s, len), name_key,
			   g, &val))
		return NULL;
	return g->names_v[val];
}

int osm__node_lookup(const struct osm_graph *g, const char *id, size_t len,
		     uint32_t hash, size_t *idx)
{
	uint32_t val;
	int err;

	err = osm__htab_find(&g->ids, id, len, hash, node_key, g, &val);
	if (!err)
		*idx = val;
	return err;
}

int osm__node_insert(struct osm_graph *g, uint32_t hash, size_t idx)
{
	if (idx >= UINT32_MAX)
		return -EOVERFLOW;
	return osm__htab_insert(&g->ids, hash, (uint32_t)idx);
}

/* Walks go backward only along "member" and "subset" edges. */
static bool is_back_edge(const struct osm_graph *g, const struct osm_edge *e)
{
	return e->kind == g->k_member || e->kind == g->k_subset;
}

#define VUP_NONE	UINT32_MAX	/* more than one backward step */

/*
 * Note in g->vup what edge @e says of a region's backward steps (those
 * of querier.c's rsteps_of()): a subset edge to a node of another type
 * is one, any edge reachability follows into it is another.
 */
static void note_vup(struct osm_graph *g, const struct osm_edge *e,
		     const struct osm_node *src, const struct osm_node *dst)
{
	uint32_t *u;

	if (e->kind == g->k_subset && src->type == g->t_vma && !src->is_pd &&
	    dst->type != src->type) {
		u = &g->vup[src->index];
		*u = *u ? VUP_NONE : (uint32_t)dst->index + 1;
	}
	if (dst->type == g->t_vma && osm__is_reach_kind(g, e->kind))
		g->vup[dst->index] = VUP_NONE;
}

/* The backward step of edge @i, leading to @to. */
static uint32_t rstep(const struct osm_graph *g, const struct osm_node *to,
		      size_t i)
{
	return to->index | (g->estep[i] & OSM_ESTEP_RW ? OSM_RSTEP_RW : 0);
}

/*
 * Append @e to @list, a slice of @n entries being filled in order, with
 * no cursor of its own: until the slice is full its last entry holds how
 * many are in (0 at first: the block is zeroed), and the append that
 * fills that entry last is the one that no longer needs the count.  So a
 * node keeps one pointer for its three lists, not three pointers and
 * three cursors.
 */
static void append(const struct osm_edge **list, uint32_t n,
		   const struct osm_edge *e)
{
	uintptr_t k = n > 1 ? (uintptr_t)list[n - 1] : 0;

	list[k] = e;
	if (k + 1 < n)
		list[n - 1] = (const struct osm_edge *)(k + 1);
}

/**
 * osm__graph_index() - turn indices and offsets into pointers, build
 * adjacency.
 * @g: a fully parsed graph; its arrays do not move after this.
 *
 * Each node's out and in edge lists are slices of one array (CSR), in
 * stream order.  A third slice, "back", holds the in-edges a query walks
 * backward: an inode mapped by every process has a huge in-list of "map"
 * edges that no walk follows, and scanning it once per PD would make the
 * queries quadratic.  The parser counted all three, and each node's
 * backward steps (graph.roff), which become a CSR of node indices
 * (graph.rsteps): a walk back from a resource reads them, not edges.
 *
 * Return: 0 or -ENOMEM.
 */
int osm__graph_index(struct osm_graph *g)
{
	const struct osm_edge **cur;
	bool regions = false;
	size_t i, nsteps = 0;

	/* No edges, no array: every node's lists are empty. */
	if (!g->nedges) {
		for (i = 0; i < g->nnodes; i++)
			g->nodes[i].out = NULL;
		return 0;
	}
	if (g->nedges > SIZE_MAX / 3 / sizeof(*g->adj))
		return -ENOMEM;
	/* Zeroed: append() counts in it. */
	g->adj = osm__mem_zalloc(OSM_ADJ_LEN(g) * sizeof(*g->adj));
	if (!g->adj)
		return -ENOMEM;
	osm__prefault_want(g->pf, OSM_PF_ADJ, g->adj,
			   OSM_ADJ_LEN(g) * sizeof(*g->adj), 0, SIZE_MAX);

	/*
	 * Hand out blocks, then fill them.  roff[i] becomes the end of node
	 * i's steps; filled backward, it ends at their start.
	 */
	cur = g->adj;
	for (i = 0; i < g->nnodes; i++) {
		struct osm_node *n = &g->nodes[i];

		nsteps += g->roff[i];
		g->roff[i] = (uint32_t)nsteps;
		regions |= n->type == g->t_vma;
		n->out = cur;
		cur += n->nout + n->nin + n->nback;
	}
	g->roff[g->nnodes] = (uint32_t)nsteps;
	if (nsteps) {
		g->rsteps = osm__mem_resize(NULL, 0,
					    nsteps * sizeof(*g->rsteps));
		if (!g->rsteps)
			return -ENOMEM;
		g->nrsteps = nsteps;
		osm__prefault_want(g->pf, OSM_PF_RSTEPS, g->rsteps,
				   nsteps * sizeof(*g->rsteps), 0, SIZE_MAX);
	}
	/* Regions' one backward step, when the graph has regions. */
	if (regions) {
		g->vup = osm__mem_zalloc(g->nnodes * sizeof(*g->vup));
		if (!g->vup)
			return -ENOMEM;
		osm__prefault_want(g->pf, OSM_PF_VUP, g->vup,
				   g->nnodes * sizeof(*g->vup), 0, SIZE_MAX);
	}

	for (i = 0; i < g->nedges; i++) {
		struct osm_edge *e = &g->edges[i];
		struct osm_node *src = &g->nodes[e->src.idx];
		struct osm_node *dst = &g->nodes[e->dst.idx];

		e->src.ptr = src;
		e->dst.ptr = dst;
		e->attrs = e->attrs_off == OSM_NO_ATTRS ? "" :
			   g->text + e->attrs_off;
		append(src->out, src->nout, e);
		append(osm__in(dst), dst->nin, e);
		if (is_back_edge(g, e))
			append(osm__back(dst), dst->nback, e);
		if (g->estep[i] & OSM_ESTEP_SRC)
			g->rsteps[--g->roff[src->index]] = rstep(g, dst, i);
		else if (g->estep[i] & OSM_ESTEP_DST)
			g->rsteps[--g->roff[dst->index]] = rstep(g, src, i);
		if (g->vup)
			note_vup(g, e, src, dst);
	}
	for (i = 0; g->vup && i < g->nnodes; i++)
		if (g->vup[i] == VUP_NONE)
			g->vup[i] = 0;
	return 0;
}
