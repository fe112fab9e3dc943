/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * libosm internals: the in-memory graph and helpers shared by the
 * library's files.  Nothing here is ABI.
 */
#ifndef __LIBOSM_INTERNAL_H
#define __LIBOSM_INTERNAL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "osm.h"

#ifndef offsetofend
#define offsetofend(TYPE, FIELD) \
	(offsetof(TYPE, FIELD) + sizeof(((TYPE *)0)->FIELD))
#endif

/*
 * Options structs, as libbpf: a caller built against a newer osm.h may
 * pass a larger struct; that is fine as long as the fields we do not know
 * are zero.  A smaller struct simply lacks the later fields.
 */
static inline bool osm_validate_opts(const void *opts, size_t opts_sz,
				     size_t user_sz)
{
	const unsigned char *p = opts;
	size_t i;

	if (user_sz < sizeof(size_t))
		return false;
	for (i = opts_sz; i < user_sz; i++)
		if (p[i])
			return false;
	return true;
}

#define OPTS_VALID(opts, type)						\
	(!(opts) || osm_validate_opts((opts),				\
		offsetofend(struct type, type##__last_field), (opts)->sz))
#define OPTS_HAS(opts, field)						\
	((opts) && (opts)->sz >= offsetofend(typeof(*(opts)), field))
#define OPTS_GET(opts, field, fallback)					\
	(OPTS_HAS(opts, field) ? (opts)->field : (fallback))

/* Return a negative errno and set errno, as every public function does. */
static inline int osm_err(int ret)
{
	if (ret < 0)
		errno = -ret;
	return ret;
}

static inline void *osm_err_ptr(int err)
{
	errno = -err;
	return NULL;
}

/*
 * The one place EINTR is handled: retry a system call that failed only
 * because a signal arrived.  Evaluates to the call's own return value.
 */
#define OSM_NO_INTR(expr)						\
	({								\
		long __ret;						\
		do {							\
			__ret = (long)(expr);				\
		} while (__ret == -1 && errno == EINTR);		\
		__ret;							\
	})

struct osm_attr {
	const char *key;
	const char *value;		/* decoded */
};

/*
 * While parsing, arrays still grow and move, so nodes and edges refer to
 * each other and to their attributes by index; osm__graph_index() turns
 * the indices into pointers once the arrays are final.
 */
union osm_attr_ref {
	size_t off;
	const struct osm_attr *ptr;
};

union osm_node_ref {
	size_t idx;
	const struct osm_node *ptr;
};

struct osm_node {
	const char *id;			/* raw, as in the stream */
	const char *type;		/* interned: compare pointers */
	const char *class;
	union osm_attr_ref attrs;
	const struct osm_edge **out;
	const struct osm_edge **in;
	const struct osm_edge **back;	/* in-edges a walk follows */
	uint32_t nattrs;
	uint32_t nout;
	uint32_t nin;
	uint32_t nback;
	bool is_pd;
	size_t index;
};

struct osm_edge {
	union osm_node_ref src;
	union osm_node_ref dst;
	const char *kind;		/* interned: compare pointers */
	union osm_attr_ref attrs;
	uint32_t nattrs;
};

/* Open-addressing hash table of uint32 values keyed by strings. */
struct osm_htab_slot {
	uint32_t hash;
	uint32_t val;			/* value + 1; 0 marks a free slot */
};

struct osm_htab {
	struct osm_htab_slot *slots;
	size_t mask;
	size_t used;
};

/* Returns the NUL-terminated key of value @val. */
typedef const char *(*osm_htab_key_fn)(const void *ctx, uint32_t val);

struct osm_graph {
	char *text;			/* copy of the input, decoded in place */
	size_t text_len;
	unsigned int major;
	unsigned int minor;

	struct osm_attr *attrs;		/* every record's attributes */
	size_t nattrs, attrs_cap;
	union osm_attr_ref hdr_attrs;
	uint32_t hdr_nattrs;

	struct osm_node *nodes;
	size_t nnodes, nodes_cap;
	struct osm_edge *edges;
	size_t nedges, edges_cap;
	const struct osm_edge **adj;	/* out, in, back lists, per node */

	struct osm_htab ids;		/* node id -> node index */
	struct osm_htab names;		/* type and kind -> names[] index */
	char **names_v;
	size_t nnames, names_cap;

	/* Interned edge kinds the queries compare against. */
	const char *k_hold, *k_member, *k_subset, *k_map, *k_peer;
	const char *k_request, *k_serve;
};

/* graph_index.c */
uint32_t osm__hash(const char *s, size_t len);
int osm__htab_find(const struct osm_htab *t, const char *s, size_t len,
		   uint32_t hash, osm_htab_key_fn key, const void *ctx,
		   uint32_t *val);
int osm__htab_reserve(struct osm_htab *t, size_t n);
int osm__htab_insert(struct osm_htab *t, uint32_t hash, uint32_t val);
void osm__htab_free(struct osm_htab *t);
const char *osm__intern(struct osm_graph *g, const char *s, size_t len);
const char *osm__lookup_name(const struct osm_graph *g, const char *s);
int osm__node_lookup(const struct osm_graph *g, const char *id, size_t len,
		     uint32_t hash, size_t *idx);
int osm__node_insert(struct osm_graph *g, uint32_t hash, size_t idx);
int osm__graph_index(struct osm_graph *g);

/* graph_parse.c */
struct osm_graph *osm__graph_parse_take(char *text, size_t len);

/* graph.c */
struct osm_graph *osm__graph_new(void);

#endif /* __LIBOSM_INTERNAL_H */
