// SPDX-License-Identifier: GPL-2.0-only
/*
 * osm graph: show, dump, draw, count and export the isolation graph.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "main.h"

#define ID_COL_MAX	40
#define GRAPHML_NS	"http://graphml.graphdrawing.org/xmlns"

static int do_help(int argc, char **argv);

/* " key=value" as text, "key": "value" as JSON, from one call. */
static void print_attr(const char *key, const char *value)
{
	char fmt[64];

	if (json_output) {
		print_string(PRINT_JSON, key, NULL, value);
		return;
	}
	/* Keys are [a-z0-9_]+ (libosm checks), so safe in a format. */
	snprintf(fmt, sizeof(fmt), " %.40s=%%s", key);
	print_string(PRINT_FP, key, fmt, value);
}

/*
 * for_each_attr(getters, rec, i, key, value): loop over the attributes of
 * a record in stream order.  @getters names libosm's
 * osm_graph__header_attr, osm_node__attr or osm_edge__attr, whose
 * _count(), _key() and _value() read them from @rec; @i (size_t), @key
 * and @value (const char *) are the caller's variables.  The count is
 * taken once: each call scans the record.
 */
#define for_each_attr(getters, rec, i, key, value)			\
	for (size_t __n##i = ((i) = 0, getters##_count(rec));		\
	     (i) < __n##i &&						\
		      ((key) = getters##_key(rec, i),			\
		       (value) = getters##_value(rec, i), true);	\
	     (i)++)

/* The attributes of a record as the JSON object @json_key. */
#define print_attrs(json_key, getters, rec)				\
	do {								\
		const char *__key, *__value;				\
		size_t __i;						\
									\
		open_json_object(json_key);				\
		for_each_attr(getters, rec, __i, __key, __value)	\
			print_attr(__key, __value);			\
		close_json_object();					\
	} while (0)

static void print_version(const struct osm_graph *g, const char *fmt)
{
	char ver[32];

	snprintf(ver, sizeof(ver), "%u.%u", osm_graph__major(g),
		 osm_graph__minor(g));
	print_string(PRINT_ANY, "version", fmt, ver);
}

static void print_header(const struct osm_graph *g)
{
	print_version(g, OSM_GRAPH_MAGIC " %s");
	print_attrs("header", osm_graph__header_attr, g);
	print_nl();
}

static int id_width(const struct osm_graph *g)
{
	size_t i, n = osm_graph__node_count(g), w = 8;

	for (i = 0; i < n; i++) {
		size_t len = strlen(osm_node__id(osm_graph__node(g, i)));

		if (len > w)
			w = len;
	}
	return w > ID_COL_MAX ? ID_COL_MAX : (int)w;
}

static void show_nodes(const struct osm_graph *g, const char *idfmt)
{
	size_t i, n = osm_graph__node_count(g);

	open_json_array("nodes");
	print_text("\nnodes:\n");
	for (i = 0; i < n; i++) {
		const struct osm_node *nd = osm_graph__node(g, i);

		open_json_object(NULL);
		print_string(PRINT_ANY, "id", idfmt, osm_node__id(nd));
		print_string(PRINT_JSON, "type", NULL, osm_node__type(nd));
		print_string(PRINT_ANY, "class", "%-4s", osm_node__class(nd));
		print_attrs("attrs", osm_node__attr, nd);
		close_json_object();
		print_nl();
	}
	close_json_array();
}

static void show_edges(const struct osm_graph *g, const char *idfmt)
{
	size_t i, n = osm_graph__edge_count(g);

	open_json_array("edges");
	print_text("\nedges:\n");
	for (i = 0; i < n; i++) {
		const struct osm_edge *e = osm_graph__edge(g, i);

		open_json_object(NULL);
		print_string(PRINT_ANY, "src", idfmt,
			     osm_node__id(osm_edge__src(e)));
		print_string(PRINT_ANY, "kind", "%-7s",
			     osm_edge__kind(e));
		print_string(PRINT_ANY, "dst", "%s",
			     osm_node__id(osm_edge__dst(e)));
		print_attrs("attrs", osm_edge__attr, e);
		close_json_object();
		print_nl();
	}
	close_json_array();
}

/*
 * The arguments of every graph verb: --file, the @extra options (ARG_*),
 * and no -j for a verb without a JSON form (@text_only names it; NULL for
 * the others).  Returns 0, 1 when help was asked for, or -1 after
 * reporting an error.
 */
static int graph_verb_args(int argc, char **argv, unsigned int extra,
			   const char *text_only, struct verb_args *va)
{
	int r = parse_verb_args(argc, argv, ARG_FILE | extra, 0, va);

	if (!r && text_only && json_output) {
		p_err("'graph %s' has no JSON form; use 'graph show'",
		      text_only);
		return -1;
	}
	return r;
}

/*
 * graph_verb_args() into @va, then load the graph; NULL with *@r 1 or -1.
 * @va may be NULL when the verb has no options but --file.
 */
static struct osm_graph *graph_verb_load(int argc, char **argv,
					 unsigned int extra,
					 const char *text_only,
					 struct verb_args *va, int *r)
{
	struct verb_args args;
	struct osm_graph *g;

	if (!va)
		va = &args;
	*r = graph_verb_args(argc, argv, extra, text_only, va);
	if (*r)
		return NULL;
	g = load_graph(va->file);
	if (!g)
		*r = -1;
	return g;
}

static int do_show(int argc, char **argv)
{
	struct osm_graph *g;
	char idfmt[32];
	int r;

	g = graph_verb_load(argc, argv, 0, NULL, NULL, &r);
	if (!g)
		return r > 0 ? do_help(0, NULL) : -1;

	snprintf(idfmt, sizeof(idfmt), "  %%-%ds  ", id_width(g));
	open_json_object(NULL);
	print_header(g);
	print_text("%zu nodes, %zu edges\n", osm_graph__node_count(g),
		   osm_graph__edge_count(g));
	show_nodes(g, idfmt);
	show_edges(g, idfmt);
	close_json_object();
	osm_graph__free(g);
	return 0;
}

static int do_dump(int argc, char **argv)
{
	struct verb_args va;
	size_t len;
	char *buf;
	int r;

	r = graph_verb_args(argc, argv, 0, "dump", &va);
	if (r)
		return r > 0 ? do_help(0, NULL) : -1;
	if (va.file) {
		OSM_OPTS(osm_graph_opts, opts, .path = va.file);

		r = osm_graph__read(&opts, &buf, &len);
	} else {
		int b = verb_backend();

		if (b < 0)
			return -1;
		OSM_OPTS(osm_backend_opts, o, .backend = b);
		r = osm_backend__read(&o, &buf, &len);
	}
	if (r) {
		p_err("cannot read %s: %s", va.file ? va.file : OSM_DEVICE_PATH,
		      strerror(-r));
		return -1;
	}
	/* As read, even if cut short: dump is for looking at raw output. */
	r = fwrite(buf, 1, len, stdout) == len ? 0 : -1;
	free(buf);
	if (r)
		p_err("write: %s", strerror(errno));
	return r;
}

/*
 * How a text format writes a value: @esc returns what to write instead
 * of an ASCII byte, or of a byte that does not start a character XML 1.0
 * allows (invalid UTF-8, and U+FFFE, U+FFFF; @bad set), or NULL to keep
 * it.  @plain caches @esc's answer for ASCII, so that put_chars() can
 * copy runs of bytes that need nothing with one fwrite().
 */
struct escaper {
	const char *(*esc)(unsigned char c, bool bad);
	bool ready;
	bool plain[0x80];
};

#define ESCAPER(fn)	{ .esc = (fn) }

/* Length of the character at @p, valid UTF-8 that XML allows, or 0. */
static int xml_char_len(const unsigned char *p)
{
	int n = utf8_seq_len(p);

	if (n == 3 && p[0] == 0xef && p[1] == 0xbf && p[2] >= 0xbe)
		return 0;
	return n;
}

/* Write @s to @f as @e says: runs of kept bytes at once. */
static void put_chars(FILE *f, const char *s, struct escaper *e)
{
	const unsigned char *p = (const unsigned char *)s, *run = p;
	const char *rep;
	int n;

	if (!e->ready) {
		for (n = 1; n < 0x80; n++)
			e->plain[n] = !e->esc(n, false);
		e->ready = true;
	}
	for (;;) {
		while (*p < 0x80 && e->plain[*p])
			p++;
		n = *p >= 0x80 ? xml_char_len(p) : 0;
		if (n) {
			p += n;
			continue;
		}
		if (p > run)
			fwrite(run, 1, p - run, f);
		if (!*p)
			break;
		/* An ASCII byte to replace, or one that starts no character. */
		rep = e->esc(*p, *p >= 0x80);
		if (rep)
			fputs(rep, f);
		else
			fputc(*p, f);
		run = ++p;
	}
}

/* DOT: escape '"' and '\\', hide control bytes and invalid UTF-8. */
static const char *dot_esc(unsigned char c, bool bad)
{
	if (c == '"')
		return "\\\"";
	if (c == '\\')
		return "\\\\";
	if (c < 0x20 || c == 0x7f || bad)
		return "?";
	return NULL;
}

/* The inside of a DOT string. */
static void dot_chars(const char *s)
{
	static struct escaper e = ESCAPER(dot_esc);

	put_chars(stdout, s, &e);
}

static void dot_string(const char *s)
{
	putchar('"');
	dot_chars(s);
	putchar('"');
}

/*
 * "fd N " of a map edge: N in decimal when the value is a decimal number
 * (atoi() made "4294967296" -1), else the value as it is.
 */
static void dot_fd(const char *fd)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(fd, &end, 10);
	if (*fd >= '0' && *fd <= '9' && !*end && !errno) {
		printf("fd %llu ", v);
		return;
	}
	fputs("fd ", stdout);
	dot_chars(fd);
	putchar(' ');
}

static int do_dot(int argc, char **argv)
{
	size_t i, nn, ne;
	struct osm_graph *g;
	int r;

	g = graph_verb_load(argc, argv, 0, "dot", NULL, &r);
	if (!g)
		return r > 0 ? do_help(0, NULL) : -1;

	nn = osm_graph__node_count(g);
	ne = osm_graph__edge_count(g);
	printf("digraph osmosis {\n"
	       "\trankdir=LR;\n"
	       "\tnode [fontname=\"monospace\", fontsize=10];\n"
	       "\tedge [fontname=\"monospace\", fontsize=8];\n");
	for (i = 0; i < nn; i++) {
		const struct osm_node *n = osm_graph__node(g, i);
		const char *label = node_label(n);

		putchar('\t');
		dot_string(osm_node__id(n));
		if (osm_node__is_pd(n))
			printf(" [shape=ellipse, style=filled, fillcolor=lightblue");
		else
			printf(" [shape=box");
		if (label) {
			printf(", label=\"");
			dot_chars(osm_node__id(n));
			printf("\\n");
			dot_chars(label);
			putchar('"');
		}
		printf("];\n");
	}
	for (i = 0; i < ne; i++) {
		const struct osm_edge *e = osm_graph__edge(g, i);
		const char *kind = osm_edge__kind(e);
		const char *mode = osm_edge__attr(e, "mode");
		const char *fd = osm_edge__attr(e, "fd");

		putchar('\t');
		dot_string(osm_node__id(osm_edge__src(e)));
		printf(" -> ");
		dot_string(osm_node__id(osm_edge__dst(e)));
		printf(" [label=");
		dot_string(kind);
		if (!strcmp(kind, OSM_EDGE_MEMBER))
			printf(", style=dashed");
		else if (!strcmp(kind, OSM_EDGE_SUBSET))
			printf(", style=dotted");
		if (mode || fd) {
			printf(", taillabel=\"");
			if (fd)
				dot_fd(fd);
			if (mode)
				dot_chars(mode);
			printf("\"");
		}
		printf("];\n");
	}
	printf("}\n");
	osm_graph__free(g);
	return 0;
}

struct counter {
	const char *name;
	size_t count;
};

struct counters {
	struct counter *v;
	size_t n, cap;
};

/* Count @name; types are few, and libosm interns them, so == hits first. */
static int count(struct counters *c, const char *name)
{
	struct counter *v;
	size_t i;

	for (i = 0; i < c->n; i++) {
		if (c->v[i].name == name || !strcmp(c->v[i].name, name)) {
			c->v[i].count++;
			return 0;
		}
	}
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		v = realloc(c->v, c->cap * sizeof(*v));
		if (!v)
			return -1;
		c->v = v;
	}
	c->v[c->n].name = name;
	c->v[c->n].count = 1;
	c->n++;
	return 0;
}

static void print_counters(const char *key, const struct counters *c)
{
	size_t i;

	open_json_object(key);
	for (i = 0; i < c->n; i++) {
		print_string(PRINT_FP, NULL, "\t%-12s", c->v[i].name);
		print_uint(PRINT_ANY, c->v[i].name, "%8llu\n", c->v[i].count);
	}
	close_json_object();
}

static int do_stats(int argc, char **argv)
{
	struct counters types = { 0 }, kinds = { 0 };
	size_t i, nn, ne, pds = 0;
	struct osm_graph *g;
	int r;

	g = graph_verb_load(argc, argv, 0, NULL, NULL, &r);
	if (!g)
		return r > 0 ? do_help(0, NULL) : -1;

	nn = osm_graph__node_count(g);
	ne = osm_graph__edge_count(g);
	for (i = 0; i < nn && !r; i++) {
		const struct osm_node *n = osm_graph__node(g, i);

		pds += osm_node__is_pd(n);
		r = count(&types, osm_node__type(n));
	}
	for (i = 0; i < ne && !r; i++)
		r = count(&kinds, osm_edge__kind(osm_graph__edge(g, i)));
	if (r) {
		p_err("out of memory");
		goto out;
	}

	open_json_object(NULL);
	print_version(g, "osmosis-graph %s\n");
	print_uint(PRINT_ANY, "nodes", "%llu nodes: ", nn);
	print_uint(PRINT_ANY, "pds", "%llu pd, ", pds);
	print_uint(PRINT_ANY, "resources", "%llu res\n", nn - pds);
	print_counters("node_types", &types);
	print_uint(PRINT_ANY, "edges", "%llu edges\n", ne);
	print_counters("edge_kinds", &kinds);
	close_json_object();
out:
	free(types.v);
	free(kinds.v);
	osm_graph__free(g);
	return r;
}

/*
 * The attribute keys of every node or every edge (@kind: node or edge)
 * of @g, into the counters @c, first seen first.  0, or -1 when out of
 * memory.
 */
#define collect_keys(g, kind, c)					\
	({								\
		size_t __i, __j, __n = osm_graph__##kind##_count(g);	\
		const char *__key, *__value;				\
		int __r = 0;						\
									\
		for (__i = 0; __i < __n && !__r; __i++) {		\
			const struct osm_##kind *__rec =		\
				osm_graph__##kind(g, __i);		\
									\
			for_each_attr(osm_##kind##__attr, __rec, __j,	\
				      __key, __value)			\
				if ((__r = count(c, __key)))		\
					break;				\
		}							\
		(void)__value;						\
		__r;							\
	})

/* Node and edge attribute keys of @g; false after reporting an error. */
static bool graph_keys(const struct osm_graph *g, struct counters *nkeys,
		       struct counters *ekeys)
{
	if (!collect_keys(g, node, nkeys) && !collect_keys(g, edge, ekeys))
		return true;
	p_err("out of memory");
	return false;
}

/*
 * Bytes a UTF-8 text format cannot carry, written as the graph format's
 * \xHH: control bytes but tab, LF and CR, DEL, bytes that do not start a
 * valid character and, so that \xHH reads back unambiguously, backslash.
 */
static const char *text_esc(unsigned char c, bool bad)
{
	static char hex[8];

	if (bad || (c < 0x20 && c != '\t' && c != '\n' && c != '\r') ||
	    c == 0x7f || c == '\\') {
		snprintf(hex, sizeof(hex), "\\x%02x", c);
		return hex;
	}
	return NULL;
}

/*
 * XML 1.0 character data and attribute values: markup characters as
 * entities, tab, LF and CR as character references (an attribute value
 * would fold them into spaces, a parser would turn CR into LF).
 */
static const char *xml_esc(unsigned char c, bool bad)
{
	switch (c) {
	case '&':	return "&amp;";
	case '<':	return "&lt;";
	case '>':	return "&gt;";
	case '"':	return "&quot;";
	case '\'':	return "&apos;";
	case '\t':	return "&#9;";
	case '\n':	return "&#10;";
	case '\r':	return "&#13;";
	}
	return text_esc(c, bad);
}

static void xml_text(const char *s)
{
	static struct escaper e = ESCAPER(xml_esc);

	put_chars(stdout, s, &e);
}

/*
 * GraphML key ids: "type" and "class" for nodes, "kind" for edges, and
 * the attribute key with "n_" (nodes) or "e_" (edges) in front, so that
 * an id is an XML name and attributes cannot collide with the three.
 */
static void graphml_key(const char *prefix, const char *name,
			const char *domain)
{
	printf("  <key id=\"%s%s\" for=\"%s\" attr.name=\"%s\" "
	       "attr.type=\"string\"/>\n", prefix, name, domain, name);
}

static void graphml_keys(const struct counters *keys, const char *prefix,
			 const char *domain)
{
	size_t i;

	for (i = 0; i < keys->n; i++)
		graphml_key(prefix, keys->v[i].name, domain);
}

static void graphml_data(const char *prefix, const char *key,
			 const char *value)
{
	printf("      <data key=\"%s%s\">", prefix, key);
	xml_text(value);
	printf("</data>\n");
}

/* The attributes of @rec as <data> (@getters as for_each_attr()). */
#define graphml_attrs(prefix, getters, rec)				\
	do {								\
		const char *__key, *__value;				\
		size_t __i;						\
									\
		for_each_attr(getters, rec, __i, __key, __value)	\
			graphml_data(prefix, __key, __value);		\
	} while (0)

static void graphml_node(const struct osm_node *n)
{
	printf("    <node id=\"");
	xml_text(osm_node__id(n));
	printf("\">\n");
	graphml_data("", "type", osm_node__type(n));
	graphml_data("", "class", osm_node__class(n));
	graphml_attrs("n_", osm_node__attr, n);
	printf("    </node>\n");
}

static void graphml_edge(const struct osm_edge *e)
{
	printf("    <edge source=\"");
	xml_text(osm_node__id(osm_edge__src(e)));
	printf("\" target=\"");
	xml_text(osm_node__id(osm_edge__dst(e)));
	printf("\">\n");
	graphml_data("", "kind", osm_edge__kind(e));
	graphml_attrs("e_", osm_edge__attr, e);
	printf("    </edge>\n");
}

static int do_graphml(int argc, char **argv)
{
	struct counters nkeys = { 0 }, ekeys = { 0 };
	struct osm_graph *g;
	size_t i;
	int r;

	g = graph_verb_load(argc, argv, 0, "graphml", NULL, &r);
	if (!g)
		return r > 0 ? do_help(0, NULL) : -1;
	r = graph_keys(g, &nkeys, &ekeys) ? 0 : -1;
	if (r)
		goto out;

	printf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	       "<graphml xmlns=\"" GRAPHML_NS "\"\n"
	       "    xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"\n"
	       "    xsi:schemaLocation=\"" GRAPHML_NS " "
	       GRAPHML_NS "/1.0/graphml.xsd\">\n");
	graphml_key("", "type", "node");
	graphml_key("", "class", "node");
	graphml_keys(&nkeys, "n_", "node");
	graphml_key("", "kind", "edge");
	graphml_keys(&ekeys, "e_", "edge");
	printf("  <graph id=\"osmosis\" edgedefault=\"directed\">\n");
	for (i = 0; i < osm_graph__node_count(g); i++)
		graphml_node(osm_graph__node(g, i));
	for (i = 0; i < osm_graph__edge_count(g); i++)
		graphml_edge(osm_graph__edge(g, i));
	printf("  </graph>\n</graphml>\n");
out:
	free(nkeys.v);
	free(ekeys.v);
	osm_graph__free(g);
	return r;
}

/* RFC 4180: the quote doubled, inside a field quoted for it. */
static const char *csv_esc(unsigned char c, bool bad)
{
	return c == '"' ? "\"\"" : text_esc(c, bad);
}

/*
 * One CSV field after a comma (@first: none): quoted when it holds a
 * comma, quote, CR or LF, or is empty; NULL, an absent attribute, is an
 * empty unquoted field, for which neo4j-admin sets no property.
 */
static void csv_field(FILE *f, const char *s, bool first)
{
	static struct escaper csv_escaper = ESCAPER(csv_esc);
	bool quote;

	if (!first)
		fputc(',', f);
	if (!s)
		return;
	quote = !*s || strpbrk(s, ",\"\r\n");
	if (quote)
		fputc('"', f);
	put_chars(f, s, &csv_escaper);
	if (quote)
		fputc('"', f);
}

/*
 * @fixed, then a column per attribute key; a key that is also a @reserved
 * column's property ("id" of a cgroup) gets "attr_" in front.
 */
static void csv_header(FILE *f, const char *fixed,
		       const struct counters *cols,
		       const char *const *reserved)
{
	const char *const *r;
	size_t i;

	fputs(fixed, f);
	for (i = 0; i < cols->n; i++) {
		fputc(',', f);
		for (r = reserved; r && *r; r++)
			if (!strcmp(*r, cols->v[i].name))
				fputs("attr_", f);
		fputs(cols->v[i].name, f);
	}
	fputc('\n', f);
}

#define NEO4J_NAME_MAX	64

/*
 * A neo4j label or relationship type from a name of ours, of letters,
 * digits (and '_' for @upper) only, as ';' separates labels: the type
 * "net_ns" gives the label "NetNs", the kind "hold" the type "HOLD".
 */
static void neo4j_name(char *dst, const char *s, bool upper)
{
	bool cap = true;
	size_t n = 0;

	for (; *s && n < NEO4J_NAME_MAX - 1; s++) {
		if (!isalnum((unsigned char)*s)) {
			if (upper && n)
				dst[n++] = '_';
			cap = true;
			continue;
		}
		dst[n++] = upper || cap ? toupper((unsigned char)*s) : *s;
		cap = false;
	}
	dst[n] = '\0';
}

/* "PD;Thread", "Resource;NetNs", or the class as a label if unknown. */
static void neo4j_labels(char *dst, const struct osm_node *n)
{
	const char *class = osm_node__class(n);

	if (osm_node__is_pd(n))
		strcpy(dst, "PD");
	else if (!strcmp(class, OSM_CLASS_RES))
		strcpy(dst, "Resource");
	else
		neo4j_name(dst, class, false);
	dst += strlen(dst);
	*dst = ';';
	neo4j_name(dst + 1, osm_node__type(n), false);
	if (!dst[1])
		*dst = '\0';
}

static const char *const neo4j_node_props[] = { "id", "type", "class", NULL };

static void neo4j_nodes(FILE *f, const struct osm_graph *g,
			const struct counters *cols)
{
	char labels[2 * NEO4J_NAME_MAX];
	size_t i, c;

	csv_header(f, "id:ID,type,class,:LABEL", cols, neo4j_node_props);
	for (i = 0; i < osm_graph__node_count(g); i++) {
		const struct osm_node *n = osm_graph__node(g, i);

		neo4j_labels(labels, n);
		csv_field(f, osm_node__id(n), true);
		csv_field(f, osm_node__type(n), false);
		csv_field(f, osm_node__class(n), false);
		csv_field(f, labels, false);
		for (c = 0; c < cols->n; c++)
			csv_field(f, osm_node__attr(n, cols->v[c].name), false);
		fputc('\n', f);
	}
}

static void neo4j_edges(FILE *f, const struct osm_graph *g,
			const struct counters *cols)
{
	char type[NEO4J_NAME_MAX];
	size_t i, c;

	csv_header(f, ":START_ID,:END_ID,:TYPE", cols, NULL);
	for (i = 0; i < osm_graph__edge_count(g); i++) {
		const struct osm_edge *e = osm_graph__edge(g, i);

		neo4j_name(type, osm_edge__kind(e), true);
		csv_field(f, osm_node__id(osm_edge__src(e)), true);
		csv_field(f, osm_node__id(osm_edge__dst(e)), false);
		csv_field(f, type, false);
		for (c = 0; c < cols->n; c++)
			csv_field(f, osm_edge__attr(e, cols->v[c].name), false);
		fputc('\n', f);
	}
}

/* mkdir -p @dir; false after reporting an error. */
static bool make_dir(const char *dir)
{
	struct stat st;
	char *path, *p;
	int err = 0;

	path = strdup(dir);
	if (!path) {
		p_err("out of memory");
		return false;
	}
	for (p = path + 1; !err; p++) {
		char c = *p;

		if (c && c != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0777) && errno != EEXIST)
			err = errno;
		*p = c;
		if (!c)
			break;
	}
	free(path);
	if (!err && stat(dir, &st))
		err = errno;
	else if (!err && !S_ISDIR(st.st_mode))
		err = ENOTDIR;
	if (err)
		p_err("cannot create directory %s: %s", dir, strerror(err));
	return !err;
}

/* @dir/@name, malloc()ed; NULL after reporting an error. */
static char *path_join(const char *dir, const char *name)
{
	size_t len = strlen(dir);
	const char *sep = len && dir[len - 1] == '/' ? "" : "/";
	char *path = malloc(len + strlen(name) + 2);

	if (path)
		sprintf(path, "%s%s%s", dir, sep, name);
	else
		p_err("out of memory");
	return path;
}

/* Write @path with @write; false after reporting an error. */
static bool write_csv(const char *path, const struct osm_graph *g,
		      const struct counters *cols,
		      void (*write)(FILE *f, const struct osm_graph *g,
				    const struct counters *cols))
{
	FILE *f = fopen(path, "w");
	bool failed;

	if (!f) {
		p_err("cannot write %s: %s", path, strerror(errno));
		return false;
	}
	write(f, g, cols);
	failed = ferror(f);
	if (fclose(f) || failed) {
		p_err("cannot write %s: %s", path, strerror(errno));
		return false;
	}
	return true;
}

static int do_neo4j(int argc, char **argv)
{
	struct counters nkeys = { 0 }, ekeys = { 0 };
	char *nodes_csv = NULL, *edges_csv = NULL;
	struct verb_args va;
	struct osm_graph *g;
	int r;

	g = graph_verb_load(argc, argv, ARG_DIR, NULL, &va, &r);
	if (!g)
		return r > 0 ? do_help(0, NULL) : -1;
	r = -1;
	if (!va.dir) {
		p_err("'graph neo4j' needs --dir DIR");
		goto out;
	}
	if (!graph_keys(g, &nkeys, &ekeys) || !make_dir(va.dir))
		goto out;
	nodes_csv = path_join(va.dir, "nodes.csv");
	edges_csv = path_join(va.dir, "edges.csv");
	if (!nodes_csv || !edges_csv ||
	    !write_csv(nodes_csv, g, &nkeys, neo4j_nodes) ||
	    !write_csv(edges_csv, g, &ekeys, neo4j_edges))
		goto out;

	open_json_object(NULL);
	print_string(PRINT_ANY, "nodes_csv", "wrote %s", nodes_csv);
	print_string(PRINT_ANY, "edges_csv", " and %s", edges_csv);
	print_uint(PRINT_ANY, "nodes", ": %llu nodes",
		   osm_graph__node_count(g));
	print_uint(PRINT_ANY, "edges", ", %llu edges\n",
		   osm_graph__edge_count(g));
	close_json_object();
	r = 0;
out:
	free(nodes_csv);
	free(edges_csv);
	free(nkeys.v);
	free(ekeys.v);
	osm_graph__free(g);
	return r;
}

static int do_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (help_json())
		return 0;
	printf("Usage: %s graph [show] [--file FILE]\n"
	       "       %s graph dump    [--file FILE]\n"
	       "       %s graph dot     [--file FILE]\n"
	       "       %s graph stats   [--file FILE]\n"
	       "       %s graph graphml [--file FILE]\n"
	       "       %s graph neo4j   --dir DIR [--file FILE]\n"
	       "       %s graph help\n"
	       "\n"
	       "  show     nodes and edges, readable; with -j:\n"
	       "           {\"version\", \"header\": {}, \"nodes\": [{\"id\", \"type\",\n"
	       "            \"class\", \"attrs\": {}}], \"edges\": [{\"src\", \"kind\",\n"
	       "            \"dst\", \"attrs\": {}}]}\n"
	       "  dump     the graph text as read (save it to use with --file)\n"
	       "  dot      Graphviz DOT, e.g. '| dot -Tsvg > graph.svg'\n"
	       "  stats    node counts per type, edge counts per kind\n"
	       "  graphml  GraphML 1.0: string keys type, class and n_ATTR for\n"
	       "           nodes, kind and e_ATTR for edges\n"
	       "  neo4j    DIR/nodes.csv and DIR/edges.csv for neo4j-admin import\n"
	       "           (created with DIR): labels PD or Resource and the\n"
	       "           type CamelCased (net_ns: NetNs), relationship types\n"
	       "           the kind upper-cased (HOLD); with -j: {\"nodes_csv\",\n"
	       "           \"edges_csv\", \"nodes\", \"edges\"}\n"
	       "\n"
	       "dump, dot and graphml have no JSON form.  graphml and neo4j\n"
	       "write control bytes other than tab, LF and CR, bytes that are\n"
	       "not UTF-8, and backslash as \\xHH, as the graph format does.\n"
	       "--file FILE reads a saved graph instead of %s.\n"
	       "--backend module|bpf|procfs|auto picks the walk (default auto:\n"
	       "the module if usable, else bpf, else procfs); any verb reads it.\n"
	       "       " HELP_SPEC_OPTIONS "\n",
	       bin_name, bin_name, bin_name, bin_name, bin_name, bin_name,
	       bin_name, OSM_DEVICE_PATH);
	return 0;
}

static const struct cmd cmds[] = {
	{ "show",	do_show },
	{ "list",	do_show },
	{ "dump",	do_dump },
	{ "dot",	do_dot },
	{ "stats",	do_stats },
	{ "graphml",	do_graphml },
	{ "neo4j",	do_neo4j },
	{ "help",	do_help },
	{ 0 }
};

int do_graph(int argc, char **argv)
{
	/* "show" is the default verb, also before its options. */
	if (argc < 1 || (argv[0][0] == '-' && !is_help(argv[0])))
		return do_show(argc, argv);
	return cmd_select(cmds, argc, argv, do_help);
}
