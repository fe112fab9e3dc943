/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * The queries' shared machinery: the querier (reusable per-node scratch),
 * reachability walks forward and backward with access modes, type
 * filters, and folding PDs to the granularity asked.  Nothing here is ABI.
 */
#ifndef __LIBOSM_QUERY_INTERNAL_H
#define __LIBOSM_QUERY_INTERNAL_H

#include "libosm_internal.h"

/* A member chain longer than this is a cycle in a malformed graph. */
#define OSM_MAX_NESTING	16

/*
 * A set of nodes as a bitmap, and the list of its words that are not
 * zero, so that emptying it costs what filling it did.  A bit a node
 * (not a 32-bit stamp) keeps a walk's sets in cache, and a first query
 * faults in 1/32 of the memory.
 */
struct osm_stamps {
	uint64_t *bits;
	uint32_t *dirty;	/* indices of the words not zero */
	size_t ndirty;
};

/*
 * Scratch for queries on one graph.  The walk sets (visit, wvisit) hold
 * what the last walk reached; "mark" and "slot" are free for a query's
 * own bookkeeping (slot[i] is meaningful while mark says so).
 */
struct osm_querier {
	const struct osm_graph *g;
	size_t n;
	bool single;			/* made for one query, not reused */
	struct osm_stamps visit;	/* reached by the last walk */
	struct osm_stamps wvisit;	/* reached by a writable path */
	struct osm_stamps mark;
	struct osm_stamps own;		/* the queried PD and its parts */
	uint32_t *slot;
	uint32_t *depth;
	const struct osm_edge **via;
	const struct osm_node **queue;	/* visited nodes, BFS order */
	size_t tail;
	/* Interned types, NULL when the graph has none. */
	const char *t_thread, *t_process, *t_kernel;
	/*
	 * query_holders.c: the units reaching a resource, per resource.
	 * harena holds lists (a count, then entries); hoff[i] is 1 + the
	 * offset of node i's list when a kept querier has it cached for
	 * granularity hgran; hbits marks the units a query met.  Lists
	 * name units by dense numbers (udense[node] - 1, unode[number]) so
	 * that a query's per-unit counts (ucnt, ustamp) stay in cache.
	 * Units are PDs and lists are of resources: udense is hoff, one
	 * array, so a first query touches one per-node array, not two.
	 */
	uint32_t *hoff;
	uint32_t *harena;
	size_t hlen, hcap;
	unsigned int hgran;
	uint64_t *hbits;
	uint32_t *udense;
	uint32_t *unode, *ucnt, *ustamp;
	uint32_t ucur;
	size_t nunits, ucap;
	/* control.c's per-thread facts, read once per querier. */
	void *ctl;
	void (*ctl_free)(void *ctl);
};

struct type_filter {
	bool all;
	size_t n;
	const char **want;		/* interned type names */
};

/* Walk directions and flags of osm__walk(). */
#define WALK_FWD	0	/* what a PD reaches */
#define WALK_REV	1	/* who reaches a resource */
#define WALK_WRITE	2	/* only writable steps; fills wvisit */
#define WALK_STOP	4	/* reach an mm or files node, not past it */

/*
 * 1 + the mm region @n hangs under, when that is its only backward step
 * (graph.vup), else 0: read without reading the node.
 */
static inline uint32_t osm__region_up(const struct osm_graph *g,
				      const struct osm_node *n)
{
	return g->vup ? g->vup[n - g->nodes] : 0;
}

static inline bool osm__node_of(const struct osm_graph *g,
				const struct osm_node *n)
{
	return g && n && n->index < g->nnodes && &g->nodes[n->index] == n;
}

static inline bool stamp_has(const struct osm_stamps *s, size_t i)
{
	return s->bits[i / 64] >> (i % 64) & 1;
}

static inline void stamp_set(struct osm_stamps *s, size_t i)
{
	uint64_t *w = &s->bits[i / 64];

	if (!*w)
		s->dirty[s->ndirty++] = (uint32_t)(i / 64);
	*w |= 1ULL << (i % 64);
}

/* querier.c */
int osm__querier_get(const struct osm_graph *g, struct osm_querier *given,
		     struct osm_querier **q);
void osm__querier_put(struct osm_querier *given, struct osm_querier *q);
void osm__stamps_next(struct osm_querier *q, struct osm_stamps *s);
int osm__querier_bfs_arrays(struct osm_querier *q);
int osm__walk(struct osm_querier *q, const struct osm_node *start,
	      unsigned int how);
bool osm__step_writable(const struct osm_querier *q,
			const struct osm_edge *e,
			const struct osm_node *from,
			const struct osm_node *to);
int osm__filter_init(struct type_filter *f, const struct osm_graph *g,
		     const char *const *types);
bool osm__filter_match(const struct type_filter *f,
		       const struct osm_node *n);
const struct osm_node *osm__pd_parent(const struct osm_graph *g,
				      const struct osm_node *n);
const struct osm_node *osm__pd_group(const struct osm_graph *g,
				     const struct osm_node *pd);
bool osm__is_unit(const struct osm_querier *q, const struct osm_node *n,
		  unsigned int gran);
void osm__mark_own(struct osm_querier *q, const struct osm_node *pd);
int osm__cmp_index(const void *a, const void *b);
int osm__reach_list(struct osm_querier *q, const struct osm_node *pd,
		    const struct type_filter *f, bool need_rw,
		    struct osm_shared_res **out, size_t *n);

/* A vector of PD entries, found by node through the querier's slots. */
struct pd_vec {
	struct osm_sharing *v;
	size_t n, cap;
	size_t *rcap;
};

int osm__pd_vec_add(struct osm_querier *q, struct pd_vec *pv,
		    const struct osm_node *pd, const struct osm_node *res,
		    unsigned int mine, unsigned int theirs);
int osm__sharing_core(struct osm_querier *q, const struct osm_node *pd,
		      const struct type_filter *f, bool mine_rw,
		      bool theirs_rw, unsigned int gran, struct pd_vec *pv);
int osm__servers_core(struct osm_querier *q, const struct osm_node *pd,
		      const struct type_filter *f, unsigned int gran,
		      bool reverse, struct pd_vec *pv);
void osm__pd_vec_sort(struct pd_vec *pv);
void osm__pd_vec_free(struct pd_vec *pv);

/* query_holders.c */
void osm__holders_free(struct osm_querier *q);

/* control.c */
int osm__control_scan(struct osm_querier *q, const struct osm_node *pd,
		      int scope, unsigned int gran, bool reverse,
		      struct osm_control **out, size_t *n);

#endif /* __LIBOSM_QUERY_INTERNAL_H */
