// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * The graph format parser (uapi/graph-format.md).
 *
 * The input is copied once into an arena that the graph keeps; lines and
 * fields are split and values decoded in place (\xHH only shrinks), so
 * every string the API hands out points into that one allocation and the
 * parse is a single linear pass.
 */
#include <stdlib.h>
#include <string.h>

#include "libosm_internal.h"

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	size_t n = *cap ? *cap : 256;
	void *p;

	if (need <= *cap)
		return 0;
	while (n < need) {
		if (n > SIZE_MAX / 2 / elem)
			return -ENOMEM;
		n *= 2;
	}
	p = realloc(*arr, n * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = n;
	return 0;
}

/* Split off the next space-separated field; NULL at end of line. */
static char *next_field(char **cur)
{
	char *f = *cur, *sp;

	if (!f)
		return NULL;
	sp = strchr(f, ' ');
	if (sp) {
		*sp = '\0';
		*cur = sp + 1;
	} else {
		*cur = NULL;
	}
	return f;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decode \xHH in place.  A decoded NUL would silently cut the C string
 * the API returns, so it is refused like any other malformed escape.
 */
static int unescape(char *s)
{
	char *r = strchr(s, '\\'), *w = r;

	if (!r)
		return 0;
	while (*r) {
		int hi, lo;

		if (*r != '\\') {
			*w++ = *r++;
			continue;
		}
		if (r[1] != 'x')
			return -EPROTO;
		hi = hexval(r[2]);
		lo = hi < 0 ? -1 : hexval(r[3]);
		if (lo < 0 || (hi | lo) == 0)
			return -EPROTO;
		*w++ = (char)(hi << 4 | lo);
		r += 4;
	}
	*w = '\0';
	return 0;
}

static bool valid_key(const char *k, size_t len)
{
	size_t i;

	if (!len)
		return false;
	for (i = 0; i < len; i++) {
		char c = k[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_'))
			return false;
	}
	return true;
}

/* Parse the rest of a record as key=value fields into g->attrs. */
static int parse_attrs(struct osm_graph *g, char *cur, size_t *off,
		       uint32_t *n)
{
	char *f;
	int err;

	*off = g->nattrs;
	*n = 0;
	while ((f = next_field(&cur))) {
		char *eq = strchr(f, '=');

		if (!eq || !valid_key(f, eq - f))
			return -EPROTO;
		*eq = '\0';
		err = unescape(eq + 1);
		if (err)
			return err;
		err = grow((void **)&g->attrs, &g->attrs_cap, g->nattrs + 1,
			   sizeof(*g->attrs));
		if (err)
			return err;
		g->attrs[g->nattrs].key = f;
		g->attrs[g->nattrs].value = eq + 1;
		g->nattrs++;
		if (++*n == UINT32_MAX)
			return -EOVERFLOW;
	}
	return 0;
}

/* Unsigned number: decimal, or hex after "0x" (graph-format.md). */
static int parse_num(const char *s, unsigned long long *out)
{
	unsigned long long v = 0;
	int base = 10, d;

	if (s[0] == '0' && s[1] == 'x') {
		base = 16;
		s += 2;
	}
	if (!*s)
		return -EPROTO;
	for (; *s; s++) {
		d = hexval(*s);
		if (d < 0 || d >= base)
			return -EPROTO;
		if (v > (~0ULL - d) / base)
			return -EPROTO;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

/* "<major>.<minor>", both decimal. */
static int parse_version(const char *s, unsigned int *major,
			 unsigned int *minor)
{
	unsigned long long v[2] = { 0, 0 };
	int i;

	for (i = 0; i < 2; i++) {
		if (*s < '0' || *s > '9')
			return -EPROTO;
		for (; *s >= '0' && *s <= '9'; s++) {
			v[i] = v[i] * 10 + (*s - '0');
			if (v[i] > 0xffff)
				return -EPROTO;
		}
		if (*s != (i ? '\0' : '.'))
			return -EPROTO;
		s++;
	}
	*major = v[0];
	*minor = v[1];
	return 0;
}

static int parse_header(struct osm_graph *g, char *line)
{
	char *cur = line, *f;
	int err;

	f = next_field(&cur);
	if (strcmp(f, OSM_GRAPH_MAGIC))
		return -EPROTO;
	f = next_field(&cur);
	if (!f)
		return -EPROTO;
	err = parse_version(f, &g->major, &g->minor);
	if (err)
		return err;
	/* Any minor is readable; another major is another format. */
	if (g->major != OSM_GRAPH_MAJOR)
		return -EPROTO;
	return parse_attrs(g, cur, &g->hdr_attrs.off, &g->hdr_nattrs);
}

static int parse_node(struct osm_graph *g, char *cur)
{
	char *id = next_field(&cur), *class = next_field(&cur), *colon;
	struct osm_node *n;
	size_t idx, len;
	uint32_t hash;
	int err;

	if (!id || !class || !*id || !*class)
		return -EPROTO;
	colon = strchr(id, ':');
	if (!colon || colon == id)
		return -EPROTO;
	len = strlen(id);
	hash = osm__hash(id, len);
	/* A node is declared once. */
	if (!osm__node_lookup(g, id, len, hash, &idx))
		return -EPROTO;

	err = grow((void **)&g->nodes, &g->nodes_cap, g->nnodes + 1,
		   sizeof(*g->nodes));
	if (err)
		return err;
	n = &g->nodes[g->nnodes];
	memset(n, 0, sizeof(*n));
	n->id = id;
	n->class = class;
	n->is_pd = !strcmp(class, OSM_CLASS_PD);
	n->index = g->nnodes;
	n->type = osm__intern(g, id, colon - id);
	if (!n->type)
		return -ENOMEM;
	err = parse_attrs(g, cur, &n->attrs.off, &n->nattrs);
	if (err)
		return err;
	err = osm__node_insert(g, hash, g->nnodes);
	if (err)
		return err;
	g->nnodes++;
	return 0;
}

static int lookup_endpoint(struct osm_graph *g, const char *id, size_t *idx)
{
	size_t len;

	if (!id || !*id)
		return -EPROTO;
	len = strlen(id);
	/* Endpoints must be declared earlier in the stream. */
	if (osm__node_lookup(g, id, len, osm__hash(id, len), idx))
		return -EPROTO;
	return 0;
}

static int parse_edge(struct osm_graph *g, char *cur)
{
	char *src = next_field(&cur), *kind = next_field(&cur);
	char *dst = next_field(&cur);
	struct osm_edge *e;
	size_t s, d;
	int err;

	err = lookup_endpoint(g, src, &s);
	if (!err)
		err = lookup_endpoint(g, dst, &d);
	if (err)
		return err;
	if (!*kind)
		return -EPROTO;
	if (g->nedges >= UINT32_MAX / 2)
		return -EOVERFLOW;

	err = grow((void **)&g->edges, &g->edges_cap, g->nedges + 1,
		   sizeof(*g->edges));
	if (err)
		return err;
	e = &g->edges[g->nedges];
	memset(e, 0, sizeof(*e));
	e->src.idx = s;
	e->dst.idx = d;
	e->kind = osm__intern(g, kind, strlen(kind));
	if (!e->kind)
		return -ENOMEM;
	err = parse_attrs(g, cur, &e->attrs.off, &e->nattrs);
	if (err)
		return err;
	g->nodes[s].nout++;
	g->nodes[d].nin++;
	g->nedges++;
	return 0;
}

/* "end nodes=<n> edges=<m>": both counts present and matching. */
static int parse_end(struct osm_graph *g, char *cur)
{
	unsigned long long nodes = 0, edges = 0, v;
	unsigned int seen = 0;
	char *f;

	while ((f = next_field(&cur))) {
		char *eq = strchr(f, '=');
		unsigned int bit;

		if (!eq || !valid_key(f, eq - f))
			return -EPROTO;
		*eq = '\0';
		if (!strcmp(f, "nodes"))
			bit = 1;
		else if (!strcmp(f, "edges"))
			bit = 2;
		else
			continue;
		if (parse_num(eq + 1, &v))
			return -EPROTO;
		if (bit == 1)
			nodes = v;
		else
			edges = v;
		seen |= bit;
	}
	if (seen != 3 || nodes != g->nnodes || edges != g->nedges)
		return -EPROTO;
	return 0;
}

static int parse_record(struct osm_graph *g, char *line, bool *end)
{
	char *cur = line;
	char *kw = next_field(&cur);

	if (!strcmp(kw, OSM_REC_NODE))
		return parse_node(g, cur);
	if (!strcmp(kw, OSM_REC_EDGE))
		return parse_edge(g, cur);
	if (!strcmp(kw, OSM_REC_END)) {
		*end = true;
		return parse_end(g, cur);
	}
	/* Unknown keywords belong to a later minor: skip the line. */
	return 0;
}

static bool maybe_magic(const char *s, size_t len)
{
	size_t n = sizeof(OSM_GRAPH_MAGIC) - 1;

	return !memcmp(s, OSM_GRAPH_MAGIC, len < n ? len : n);
}

static size_t count_byte(const char *p, const char *end, char c)
{
	size_t n = 0;

	while ((p = memchr(p, c, end - p))) {
		n++;
		p++;
	}
	return n;
}

/*
 * Size the arrays for the worst case up front: no realloc() copies of
 * hundreds of MiB, and pages of the unused tail are never touched.
 */
static int reserve(struct osm_graph *g)
{
	const char *end = g->text + g->text_len;
	size_t lines = count_byte(g->text, end, '\n') + 1;
	size_t eqs = count_byte(g->text, end, '=') + 1;
	int err;

	err = grow((void **)&g->nodes, &g->nodes_cap, lines,
		   sizeof(*g->nodes));
	if (!err)
		err = grow((void **)&g->edges, &g->edges_cap, lines,
			   sizeof(*g->edges));
	if (!err)
		err = grow((void **)&g->attrs, &g->attrs_cap, eqs,
			   sizeof(*g->attrs));
	if (!err)
		err = osm__htab_reserve(&g->ids, lines);
	return err;
}

static int parse_text(struct osm_graph *g)
{
	char *p = g->text, *end = g->text + g->text_len;
	bool seen_end = false;
	size_t line = 0;
	int err;

	/* Values are escaped, so a raw NUL means this is not a graph. */
	if (memchr(p, '\0', g->text_len))
		return -EPROTO;
	err = reserve(g);
	if (err)
		return err;

	while (p < end) {
		char *nl = memchr(p, '\n', end - p);

		if (seen_end)
			return -EPROTO;	/* data after "end" */
		if (!nl) {
			/* An unterminated last line was cut short. */
			if (!line && !maybe_magic(p, end - p))
				return -EPROTO;
			return -ENODATA;
		}
		*nl = '\0';
		if (!line)
			err = parse_header(g, p);
		else
			err = parse_record(g, p, &seen_end);
		if (err)
			return err;
		p = nl + 1;
		line++;
	}
	return seen_end ? 0 : -ENODATA;
}

/**
 * osm__graph_parse_take() - parse a buffer the graph then owns.
 * @text: malloc()ed, with room for a NUL at @text[@len]; freed on error.
 * @len: bytes of graph text.
 *
 * Lets osm_graph__load() hand over what it read without a second copy.
 *
 * Return: the graph, or NULL with errno set.
 */
struct osm_graph *osm__graph_parse_take(char *text, size_t len)
{
	struct osm_graph *g;
	int err;

	g = osm__graph_new();
	if (!g) {
		free(text);
		return osm_err_ptr(-ENOMEM);
	}
	text[len] = '\0';
	g->text = text;
	g->text_len = len;

	err = parse_text(g);
	if (err)
		goto err_free;
	err = osm__graph_index(g);
	if (err)
		goto err_free;
	return g;

err_free:
	osm_graph__free(g);
	return osm_err_ptr(err);
}

struct osm_graph *osm_graph__parse(const char *buf, size_t len)
{
	char *text;

	if (!buf && len)
		return osm_err_ptr(-EINVAL);
	if (len == SIZE_MAX)
		return osm_err_ptr(-EFBIG);
	text = malloc(len + 1);
	if (!text)
		return osm_err_ptr(-ENOMEM);
	if (len)
		memcpy(text, buf, len);
	return osm__graph_parse_take(text, len);
}
