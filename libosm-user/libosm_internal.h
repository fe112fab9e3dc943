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
#include <string.h>

/* osm.h without the *_sz macros: the library defines the plain names. */
#define __LIBOSM_INTERNAL
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

/* Input larger than this is refused unless opts->max_bytes says more. */
#define OSM_DEFAULT_MAX_BYTES	(1UL << 30)
/* A first line longer than this is not a graph header. */
#define OSM_HDR_MAX		(64UL << 10)

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

/*
 * The text is kept, decoded and compacted in place: each node's record is
 * "id\0class\0" and its attributes (osm__attr_next()), each edge's and
 * the header's just their attributes.  Nothing else of an edge line is
 * kept: its ends and kind are the node pointers and the interned kind
 * below.  While parsing, the text and the arrays still grow
 * and move, so records are offsets and ends are indices;
 * osm__graph_index() turns them into pointers once everything is final.
 */
union osm_node_ref {
	size_t idx;
	const struct osm_node *ptr;
};

struct osm_node {
	union {
		const char *id;		/* the record, decoded */
		size_t id_off;		/* while parsing */
	};
	const char *type;		/* interned: compare pointers */
	union {
		/* Its out, in and back lists, one after the other. */
		const struct osm_edge **out;
		size_t facts;	/* while parsing: 1 + its graph.facts, or 0 */
	};
	uint32_t nout;
	uint32_t nin;
	uint32_t nback;
	uint32_t index : 31;		/* &g->nodes[index] == this node */
	uint32_t is_pd : 1;
};

struct osm_edge {
	union osm_node_ref src;
	union osm_node_ref dst;
	const char *kind;		/* interned: compare pointers */
	union {
		const char *attrs;	/* see osm__attr_next() */
		size_t attrs_off;	/* while parsing; OSM_NO_ATTRS: none */
	};
};

#define OSM_NO_ATTRS	SIZE_MAX

/* Entries in graph.adj: every node's out, in and back lists. */
#define OSM_ADJ_LEN(g)	(2 * (g)->nedges + (g)->nback)

/*
 * A node's in-edges, and those of them a walk follows backward: slices
 * of one block after its out-edges (NULL when empty: a graph without
 * edges has no block, and NULL + 0 is undefined).
 */
static inline const struct osm_edge **osm__in(const struct osm_node *n)
{
	return n->nin ? n->out + n->nout : NULL;
}

static inline const struct osm_edge **osm__back(const struct osm_node *n)
{
	return n->nback ? n->out + n->nout + n->nin : NULL;
}

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

/* Start fetching the slot @hash probes first: lookups are cache misses. */
static inline void osm__htab_prefetch(const struct osm_htab *t, uint32_t hash)
{
	if (t->slots)
		__builtin_prefetch(&t->slots[hash & t->mask]);
}

/* Returns the NUL-terminated key of value @val. */
typedef const char *(*osm_htab_key_fn)(const void *ctx, uint32_t val);

struct osm_graph {
	char *text;			/* the records, see struct osm_node */
	size_t text_len;
	size_t text_cap;		/* bytes allocated: graph_mem.c */
	unsigned int major;
	unsigned int minor;
	bool indexed;			/* offsets turned into pointers */

	union {
		const char *hdr_attrs;
		size_t hdr_off;
	};

	struct osm_node *nodes;
	size_t nnodes, nodes_cap;
	struct osm_edge *edges;
	size_t nedges, edges_cap;
	size_t nback;
	const struct osm_edge **adj;	/* out, in, back lists, per node */

	struct osm_htab ids;		/* node id -> node index */
	struct osm_htab names;		/* type and kind -> names[] index */
	char **names_v;
	size_t nnames, names_cap;

	/* Interned edge kinds and node types the queries compare against. */
	const char *k_hold, *k_member, *k_subset, *k_map, *k_peer;
	const char *k_inflight;	/* (1.7) followed like map */
	const char *k_request, *k_serve, *k_owner;
	const char *t_vma, *t_mm, *t_files, *t_file, *t_phys;
	const char *t_thread, *t_process, *t_cred, *t_user_ns;

	/*
	 * What the walks read of a node or an edge, made compact while its
	 * record is at hand, so that a walk back from a library every
	 * process maps reads arrays, not records.  nbits[i] holds node i's
	 * OSM_NB_* bits (parsed with the node).  Reachability's backward
	 * steps (query.md) are a CSR: node i's are rsteps[roff[i]] up to
	 * rsteps[roff[i + 1]], each the index of the node the step leads to,
	 * OSM_RSTEP_RW when the step allows writing (while parsing, roff[i]
	 * counts node i's steps); estep[e] says which step edge e makes and
	 * whether its "mode" forbids writing (OSM_ESTEP_*).  vup[i] is 1 +
	 * the index of the mm a region hangs under when that is its only
	 * backward step (built with the adjacency; 0 otherwise, NULL when
	 * the graph has no region).
	 */
	uint8_t *nbits;
	size_t nbits_cap;
	uint32_t *roff;
	size_t roff_cap;
	uint32_t *rsteps;
	size_t nrsteps;
	uint8_t *estep;
	size_t estep_cap;
	uint32_t *vup;

	/* What CanControl reads, in graph order (graph_facts.c). */
	struct osm_facts *facts;
	size_t nfacts, facts_cap;

	/* During a load only: the helper faulting arrays in, or NULL. */
	struct osm_prefault *pf;
};

/*
 * The facts of a thread (a PD), a process, an mm, a cred or a user
 * namespace that CanControl reads, parsed with the record (control.c
 * says what each means): v[i] is the i-th attribute of its kind
 * (graph_facts.c), valid when bit i of @have is set; link[] are 1 + the
 * index in graph.facts of the records its first edges lead to (a
 * thread's process, mm and cred; an mm's owner and a user namespace's
 * parent user namespace), 0 when there is none.
 */
#define OSM_FACTS_NVAL	9

enum {
	OSM_FACTS_NONE,
	OSM_FACTS_THREAD,	/* tid, tgid, tracer; process, mm, cred */
	OSM_FACTS_PROCESS,	/* pid, ppid */
	OSM_FACTS_MM,		/* dumpable; owner */
	OSM_FACTS_CRED,		/* uid .. sgid, cap_eff, cap_prm, userns */
	OSM_FACTS_USER_NS,	/* level, owner; parent */
};

/* A cred's values: v[0..OSM_FACTS_CRED_USERNS], the user namespace last. */
#define OSM_FACTS_CRED_USERNS	8
#define OSM_FACTS_CRED_ALL	((1U << (OSM_FACTS_CRED_USERNS + 1)) - 1)

struct osm_facts {
	uint64_t v[OSM_FACTS_NVAL];
	uint32_t node;
	uint32_t link[3];
	uint16_t have;
	uint8_t kind;
	bool kthread;		/* a thread with a "kthread" attribute */
};

/*
 * Attributes in the text: a key and its value, one after the other, and
 * an empty key (a NUL byte) after the last.  A key below OSM_KEY_CODED
 * is written out, NUL-terminated, and so is its value.  A key of
 * osm__key_names[] is one byte: OSM_KEY_CODED + its index, its value
 * written out after it; or OSM_KEY_REF + its index and four bytes, the
 * signed distance from that byte to the same value earlier in the text
 * (graph_keys.c: a library's file name is kept once, not once per
 * region that maps it).  Records are short, so a scan beats an index
 * that would cost memory on every node.
 */
#define OSM_KEY_CODED	0x80
#define OSM_KEY_REF	0xc0
#define OSM_KEY_IDX	0x3f
#define OSM_NKEYS	(OSM_KEY_IDX + 1)

extern const char *const osm__key_names[OSM_NKEYS];

static inline const char *osm__attr_skip(const char *s)
{
	/* Inline: keys and values are short, shorter than a call pays. */
	while (*s)
		s++;
	return s + 1;
}

/* The key of the attribute at @a. */
static inline const char *osm__attr_key(const char *a)
{
	unsigned char c = *a;

	return c < OSM_KEY_CODED ? a : osm__key_names[c & OSM_KEY_IDX];
}

/* The value of the attribute at @a. */
static inline const char *osm__attr_value(const char *a)
{
	unsigned char c = *a;
	int32_t d;

	if (c < OSM_KEY_CODED)
		return osm__attr_skip(a);
	if (c < OSM_KEY_REF)
		return a + 1;
	memcpy(&d, a + 1, sizeof(d));
	return a + d;
}

/* The attribute after the one at @a. */
static inline const char *osm__attr_next(const char *a)
{
	unsigned char c = *a;

	if (c >= OSM_KEY_REF)
		return a + 1 + sizeof(int32_t);
	return osm__attr_skip(c < OSM_KEY_CODED ? osm__attr_skip(a) : a + 1);
}

/* The first value of @key in attributes @a, or NULL. */
static inline const char *osm__attr_find(const char *a, const char *key)
{
	if (!key)
		return NULL;
	for (; *a; a = osm__attr_next(a))
		if (!strcmp(osm__attr_key(a), key))
			return osm__attr_value(a);
	return NULL;
}

/* The edge kinds reachability follows forward (query.md). */
static inline bool osm__is_reach_kind(const struct osm_graph *g,
				      const char *kind)
{
	return kind == g->k_hold || kind == g->k_map || kind == g->k_peer ||
	       kind == g->k_inflight;
}

/* graph.nbits: a region's perm, a file's mode, where holder walks stop. */
#define OSM_NB_W	1	/* a region whose perm is "?w??" */
#define OSM_NB_S	2	/* a region whose perm is "???s" */
#define OSM_NB_RO	4	/* a file whose mode has no 'w' */
#define OSM_NB_STOP	8	/* an mm or a files node */

/* graph.estep: the backward step an edge makes (query.md). */
#define OSM_ESTEP_SRC	1	/* from its source to its destination */
#define OSM_ESTEP_DST	2	/* from its destination to its source */
#define OSM_ESTEP_RW	4	/* the step allows writing */
#define OSM_ESTEP_RO	8	/* the edge has a "mode" without 'w' */

#define OSM_RSTEP_RW	0x80000000U
#define OSM_RSTEP_IDX	0x7fffffffU

/*
 * Can a step of reachability from @from to @to over an edge of @kind
 * (@ro: its "mode" has no 'w') write what it reaches?  The edge's own
 * mode (hold, files -> file), a region's "perm" (entering it from its
 * mm, or mapping what backs it: a private mapping writes its own copy,
 * not the file), an open file's "mode" (what it maps), all read from
 * the bits the parser kept.  Steps with no such fact allow writing.
 */
static inline bool osm__step_writes(const struct osm_graph *g,
				    const char *kind, bool ro,
				    const struct osm_node *from,
				    const struct osm_node *to)
{
	uint8_t fb = g->nbits[from->index];
	uint8_t want = OSM_NB_W;

	if (kind == g->k_member)
		return true;
	if (to->type == g->t_vma && !(g->nbits[to->index] & OSM_NB_W))
		return false;
	if (kind == g->k_subset)
		return true;
	if (ro)
		return false;
	if (from->type == g->t_vma) {
		if (to->type != g->t_phys)
			want |= OSM_NB_S;
		if ((fb & want) != want)
			return false;
	}
	return !(from->type == g->t_file && kind == g->k_map &&
		 (fb & OSM_NB_RO));
}

/*
 * While parsing: start fetching what looking node id @hash up reads
 * after its slots, which must have arrived (osm__htab_prefetch()): the
 * node the first slot of that hash names, or (@id) that node's id in
 * the text.
 */
static inline void osm__node_prefetch(const struct osm_graph *g,
				      uint32_t hash, bool id)
{
	const struct osm_htab_slot *sl;
	size_t i;

	if (!g->ids.slots)
		return;
	for (i = hash & g->ids.mask; g->ids.slots[i].val;
	     i = (i + 1) & g->ids.mask) {
		sl = &g->ids.slots[i];
		if (sl->hash != hash)
			continue;
		if (id)
			__builtin_prefetch(g->text +
					   g->nodes[sl->val - 1].id_off);
		else
			__builtin_prefetch(&g->nodes[sl->val - 1]);
		return;
	}
}

/*
 * graph_mem.c: the large arrays; @old and @n are sizes in bytes.  From
 * OSM_BIG_MIN on an array is a mapping of its own.
 */
#define OSM_BIG_MIN	(1UL << 20)

void *osm__mem_resize(void *p, size_t old, size_t new);
void *osm__mem_zalloc(size_t n);
void *osm__mem_reserve(size_t n);
void osm__mem_free(void *p, size_t n);

/* graph_prefault.c: the arrays a helper faults in during a load. */
enum {
	OSM_PF_TEXT,
	OSM_PF_NODES,
	OSM_PF_EDGES,
	OSM_PF_NBITS,
	OSM_PF_ROFF,
	OSM_PF_ESTEP,
	OSM_PF_ADJ,
	OSM_PF_RSTEPS,
	OSM_PF_VUP,
	OSM_PF_NAREAS
};

struct osm_prefault;
struct osm_prefault *osm__prefault_start(size_t bytes);
void osm__prefault_want(struct osm_prefault *pf, unsigned int i, void *base,
			size_t size, size_t used, size_t want);
void osm__prefault_lock(struct osm_prefault *pf, unsigned int i);
void osm__prefault_unlock(struct osm_prefault *pf);
void osm__prefault_stop(struct osm_prefault *pf);

/* graph_index.c */
uint32_t osm__hash(const char *s, size_t len);
int osm__htab_find(const struct osm_htab *t, const char *s, size_t len,
		   uint32_t hash, osm_htab_key_fn key, const void *ctx,
		   uint32_t *val);
int osm__htab_insert(struct osm_htab *t, uint32_t hash, uint32_t val);
void osm__htab_free(struct osm_htab *t);
const char *osm__intern(struct osm_graph *g, const char *s, size_t len);
const char *osm__lookup_name(const struct osm_graph *g, const char *s);
int osm__node_lookup(const struct osm_graph *g, const char *id, size_t len,
		     uint32_t hash, size_t *idx);
const char *osm__node_id(const struct osm_graph *g, size_t idx);
int osm__node_insert(struct osm_graph *g, uint32_t hash, size_t idx);
int osm__graph_index(struct osm_graph *g);

/* graph_parse.c: one parse, fed from a descriptor or a buffer. */
struct osm_parser;
struct osm_parser *osm__parser_new(const struct osm_graph_opts *opts);
struct osm_graph *osm__parser_run(struct osm_parser *p, int fd,
				  const char *buf, size_t len);
int osm__set_err(char *errbuf, size_t errbuf_sz, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* graph_facts.c */
int osm__facts_node(struct osm_graph *g, size_t idx, const char *attrs);
void osm__facts_edge(struct osm_graph *g, const struct osm_edge *e,
		     const struct osm_node *src, const struct osm_node *dst);

/* graph.c */
struct osm_graph *osm__graph_new(void);

/*
 * Size-versioned results (query_sz.c, spawn_sz.c): a struct's size up to
 * the last field of its 0.2.0 layout, the smallest size a caller may
 * give; SAME_LAYOUT() fails the build when a struct changes under the
 * plain 0.2.0 functions (abi/README.md says what to do then).
 */
#define ALIGN_UP(x, a)	(((x) + (a) - 1) / (a) * (a))
#define SZ_0_2(TYPE, LAST) \
	ALIGN_UP(offsetofend(TYPE, LAST), _Alignof(TYPE))

#define SAME_LAYOUT(TYPE, MIN)						\
	_Static_assert(sizeof(TYPE) == (MIN), #TYPE " changed: keep the " \
		       "0.2.0 layout for the old symbols (abi/README.md)")

/* The caller's size holds the 0.2.0 fields and keeps pointers aligned. */
#define SZ_OK(sz, TYPE, MIN)	((sz) >= (MIN) && !((sz) % _Alignof(TYPE)))

#endif /* __LIBOSM_INTERNAL_H */
