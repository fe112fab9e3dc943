// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * The facts CanControl reads (control.c), parsed while each record is at
 * hand: a thread's ids and tracer, a process's pids, an mm's dumpable, a
 * cred's ids and capabilities, a user namespace's level and owner, and
 * the edges between them.  A query then reads a few thousand compact
 * records instead of passing over every node and parsing the attributes
 * of cold records (graph.facts, struct osm_facts).
 */
#include <stdlib.h>
#include <string.h>

#include "libosm_internal.h"

/* The attributes a kind of record keeps, in struct osm_facts.v order. */
struct facts_keys {
	const char *key[OSM_FACTS_NVAL];
	int base[OSM_FACTS_NVAL];
	size_t n;
};

static const struct facts_keys keys_of[] = {
	[OSM_FACTS_THREAD] = { { "tid", "tgid", "tracer" }, { 10, 10, 10 }, 3 },
	[OSM_FACTS_PROCESS] = { { "pid", "ppid" }, { 10, 10 }, 2 },
	[OSM_FACTS_MM] = { { "dumpable" }, { 10 }, 1 },
	[OSM_FACTS_CRED] = {
		{ "uid", "euid", "suid", "gid", "egid", "sgid", "cap_eff",
		  "cap_prm", [OSM_FACTS_CRED_USERNS] = "userns" },
		{ 10, 10, 10, 10, 10, 10, 16, 16, 10 },
		OSM_FACTS_CRED_USERNS + 1 },
	[OSM_FACTS_USER_NS] = { { "level", "owner" }, { 10, 10 }, 2 },
};

static unsigned int facts_kind(const struct osm_graph *g,
			       const struct osm_node *n)
{
	if (n->type == g->t_thread)
		return n->is_pd ? OSM_FACTS_THREAD : OSM_FACTS_NONE;
	if (n->type == g->t_process)
		return OSM_FACTS_PROCESS;
	if (n->type == g->t_mm)
		return OSM_FACTS_MM;
	if (n->type == g->t_cred)
		return OSM_FACTS_CRED;
	if (n->type == g->t_user_ns)
		return OSM_FACTS_USER_NS;
	return OSM_FACTS_NONE;
}

/* A whole unsigned number in @base, as strtoull() reads one. */
static bool parse_ull(const char *s, int base, uint64_t *v)
{
	char *end;

	if (!*s)
		return false;
	errno = 0;
	*v = strtoull(s, &end, base);
	return !*end && !errno;
}

/* Fill @f's values from the attributes @a (libosm_internal.h). */
static void read_values(struct osm_facts *f, const char *a)
{
	const struct facts_keys *k = &keys_of[f->kind];
	uint32_t seen = 0;
	size_t i;

	for (; *a; a = osm__attr_next(a)) {
		const char *key = osm__attr_key(a);
		const char *v = osm__attr_value(a);

		/* The first value of a key counts, as osm_node__attr(). */
		for (i = 0; i < k->n; i++) {
			if (seen & 1U << i || strcmp(key, k->key[i]))
				continue;
			seen |= 1U << i;
			if (parse_ull(v, k->base[i], &f->v[i]))
				f->have |= 1U << i;
			break;
		}
		if (f->kind == OSM_FACTS_THREAD && !strcmp(key, "kthread"))
			f->kthread = true;
	}
}

/**
 * osm__facts_node() - keep the facts of node @idx, just parsed.
 * @g: the graph being parsed.
 * @idx: the node's index; its type and class are set.
 * @attrs: its attributes, decoded.
 *
 * Return: 0 or -ENOMEM.
 */
int osm__facts_node(struct osm_graph *g, size_t idx, const char *attrs)
{
	struct osm_node *n = &g->nodes[idx];
	unsigned int kind = facts_kind(g, n);
	struct osm_facts *f;

	if (kind == OSM_FACTS_NONE)
		return 0;
	if (g->nfacts == g->facts_cap) {
		size_t c = g->facts_cap ? 2 * g->facts_cap : 256;

		f = realloc(g->facts, c * sizeof(*f));
		if (!f)
			return -ENOMEM;
		g->facts = f;
		g->facts_cap = c;
	}
	f = &g->facts[g->nfacts];
	memset(f, 0, sizeof(*f));
	f->node = (uint32_t)idx;
	f->kind = kind;
	read_values(f, attrs);
	n->facts = ++g->nfacts;
	return 0;
}

/*
 * The links a record keeps, each the first edge of its kind to a node of
 * its type, as control.c's rules follow them: a thread's process, mm and
 * cred, an mm's and a user namespace's user namespace.
 */
static int link_slot(const struct osm_graph *g, const struct osm_facts *f,
		     const struct osm_edge *e, const struct osm_node *dst)
{
	switch (f->kind) {
	case OSM_FACTS_THREAD:
		if (e->kind == g->k_member && dst->type == g->t_process)
			return 0;
		if (e->kind == g->k_hold && dst->type == g->t_mm)
			return 1;
		if (e->kind == g->k_hold && dst->type == g->t_cred)
			return 2;
		return -1;
	case OSM_FACTS_MM:
		return e->kind == g->k_owner && dst->type == g->t_user_ns ?
		       0 : -1;
	case OSM_FACTS_USER_NS:
		return e->kind == g->k_subset && dst->type == g->t_user_ns ?
		       0 : -1;
	default:
		return -1;
	}
}

/**
 * osm__facts_edge() - note what edge @e, just parsed, links.
 * @g: the graph being parsed.
 * @e: the edge; its kind is set.
 * @src: its source node.
 * @dst: its destination node.
 */
void osm__facts_edge(struct osm_graph *g, const struct osm_edge *e,
		     const struct osm_node *src, const struct osm_node *dst)
{
	struct osm_facts *f;
	int slot;

	if (!src->facts || !dst->facts)
		return;
	f = &g->facts[src->facts - 1];
	slot = link_slot(g, f, e, dst);
	if (slot >= 0 && !f->link[slot])
		f->link[slot] = (uint32_t)dst->facts;
}
