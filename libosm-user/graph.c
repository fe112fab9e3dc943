// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * The graph object: construction, destruction and the read-only getters
 * of graphs, nodes and edges.
 */
#include <stdlib.h>
#include <string.h>

#include "libosm_internal.h"

static int intern_query_names(struct osm_graph *g)
{
	const struct {
		const char **field;
		const char *name;
	} names[] = {
		{ &g->k_hold, OSM_EDGE_HOLD },
		{ &g->k_member, OSM_EDGE_MEMBER },
		{ &g->k_subset, OSM_EDGE_SUBSET },
		{ &g->k_map, OSM_EDGE_MAP },
		{ &g->k_peer, OSM_EDGE_PEER },
		{ &g->k_inflight, OSM_EDGE_INFLIGHT },
		{ &g->k_request, OSM_EDGE_REQUEST },
		{ &g->k_serve, OSM_EDGE_SERVE },
		{ &g->t_vma, OSM_NODE_VMA },
		{ &g->t_mm, OSM_NODE_MM },
		{ &g->t_files, OSM_NODE_FILES },
		{ &g->t_file, OSM_NODE_FILE },
		{ &g->t_phys, OSM_NODE_PHYS },
		{ &g->t_thread, OSM_NODE_THREAD },
		{ &g->t_process, OSM_NODE_PROCESS },
		{ &g->t_cred, OSM_NODE_CRED },
		{ &g->t_user_ns, OSM_NODE_USER_NS },
		{ &g->k_owner, OSM_EDGE_OWNER },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		*names[i].field = osm__intern(g, names[i].name,
					      strlen(names[i].name));
		if (!*names[i].field)
			return -ENOMEM;
	}
	return 0;
}

/* osm__graph_new() - an empty graph with the edge kinds interned. */
struct osm_graph *osm__graph_new(void)
{
	struct osm_graph *g = calloc(1, sizeof(*g));

	if (g && intern_query_names(g)) {
		osm_graph__free(g);
		return NULL;
	}
	return g;
}

void osm_graph__free(struct osm_graph *g)
{
	size_t i;

	if (!g)
		return;
	for (i = 0; i < g->nnames; i++)
		free(g->names_v[i]);
	free(g->names_v);
	osm__htab_free(&g->names);
	osm__htab_free(&g->ids);
	osm__mem_free(g->adj, OSM_ADJ_LEN(g) * sizeof(*g->adj));
	osm__mem_free(g->edges, g->edges_cap * sizeof(*g->edges));
	osm__mem_free(g->nodes, g->nodes_cap * sizeof(*g->nodes));
	osm__mem_free(g->nbits, g->nbits_cap);
	osm__mem_free(g->roff, g->roff_cap * sizeof(*g->roff));
	osm__mem_free(g->rsteps, g->nrsteps * sizeof(*g->rsteps));
	osm__mem_free(g->estep, g->estep_cap);
	free(g->facts);
	osm__mem_free(g->vup, g->nnodes * sizeof(*g->vup));
	osm__mem_free(g->text, g->text_cap);
	free(g);
}

unsigned int osm_graph__major(const struct osm_graph *g)
{
	return g->major;
}

unsigned int osm_graph__minor(const struct osm_graph *g)
{
	return g->minor;
}

static size_t attr_count(const char *a)
{
	size_t n = 0;

	for (; *a; a = osm__attr_next(a))
		n++;
	return n;
}

/* Attribute @i of @a; NULL past the end. */
static const char *attr_at(const char *a, size_t i)
{
	for (; *a; a = osm__attr_next(a))
		if (!i--)
			return a;
	return NULL;
}

static const char *attr_key(const char *a, size_t i)
{
	a = attr_at(a, i);
	return a ? osm__attr_key(a) : NULL;
}

static const char *attr_value(const char *a, size_t i)
{
	a = attr_at(a, i);
	return a ? osm__attr_value(a) : NULL;
}

/* A node's record is "id\0class\0" and then its attributes. */
static const char *node_attrs(const struct osm_node *n)
{
	return osm__attr_skip(osm__attr_skip(n->id));
}

const char *osm_graph__header_attr(const struct osm_graph *g,
				   const char *key)
{
	return osm__attr_find(g->hdr_attrs, key);
}

size_t osm_graph__header_attr_count(const struct osm_graph *g)
{
	return attr_count(g->hdr_attrs);
}

const char *osm_graph__header_attr_key(const struct osm_graph *g, size_t i)
{
	return attr_key(g->hdr_attrs, i);
}

const char *osm_graph__header_attr_value(const struct osm_graph *g,
					 size_t i)
{
	return attr_value(g->hdr_attrs, i);
}

size_t osm_graph__node_count(const struct osm_graph *g)
{
	return g->nnodes;
}

const struct osm_node *osm_graph__node(const struct osm_graph *g, size_t i)
{
	if (i >= g->nnodes)
		return osm_err_ptr(-ENOENT);
	return &g->nodes[i];
}

const struct osm_node *osm_graph__find(const struct osm_graph *g,
				       const char *id)
{
	size_t idx, len;

	if (!id)
		return osm_err_ptr(-EINVAL);
	len = strlen(id);
	if (osm__node_lookup(g, id, len, osm__hash(id, len), &idx))
		return osm_err_ptr(-ENOENT);
	return &g->nodes[idx];
}

size_t osm_graph__edge_count(const struct osm_graph *g)
{
	return g->nedges;
}

const struct osm_edge *osm_graph__edge(const struct osm_graph *g, size_t i)
{
	if (i >= g->nedges)
		return osm_err_ptr(-ENOENT);
	return &g->edges[i];
}

const char *osm_node__id(const struct osm_node *n)
{
	return n->id;
}

const char *osm_node__type(const struct osm_node *n)
{
	return n->type;
}

const char *osm_node__class(const struct osm_node *n)
{
	return osm__attr_skip(n->id);
}

bool osm_node__is_pd(const struct osm_node *n)
{
	return n->is_pd;
}

const char *osm_node__attr(const struct osm_node *n, const char *key)
{
	return osm__attr_find(node_attrs(n), key);
}

size_t osm_node__attr_count(const struct osm_node *n)
{
	return attr_count(node_attrs(n));
}

const char *osm_node__attr_key(const struct osm_node *n, size_t i)
{
	return attr_key(node_attrs(n), i);
}

const char *osm_node__attr_value(const struct osm_node *n, size_t i)
{
	return attr_value(node_attrs(n), i);
}

size_t osm_node__index(const struct osm_node *n)
{
	return n->index;
}

size_t osm_node__out_count(const struct osm_node *n)
{
	return n->nout;
}

const struct osm_edge *osm_node__out(const struct osm_node *n, size_t i)
{
	return i < n->nout ? n->out[i] : NULL;
}

size_t osm_node__in_count(const struct osm_node *n)
{
	return n->nin;
}

const struct osm_edge *osm_node__in(const struct osm_node *n, size_t i)
{
	return i < n->nin ? osm__in(n)[i] : NULL;
}

const struct osm_node *osm_edge__src(const struct osm_edge *e)
{
	return e->src.ptr;
}

const struct osm_node *osm_edge__dst(const struct osm_edge *e)
{
	return e->dst.ptr;
}

const char *osm_edge__kind(const struct osm_edge *e)
{
	return e->kind;
}

const char *osm_edge__attr(const struct osm_edge *e, const char *key)
{
	return osm__attr_find(e->attrs, key);
}

size_t osm_edge__attr_count(const struct osm_edge *e)
{
	return attr_count(e->attrs);
}

const char *osm_edge__attr_key(const struct osm_edge *e, size_t i)
{
	return attr_key(e->attrs, i);
}

const char *osm_edge__attr_value(const struct osm_edge *e, size_t i)
{
	return attr_value(e->attrs, i);
}
