// SPDX-License-Identifier: GPL-2.0-only
/*
 * osm graph: show, dump, draw and count the isolation graph.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "main.h"

#define ID_COL_MAX	40

static int do_help(int argc, char **argv);

/* " key=value" as text, "key": "value" as JSON, from one call. */
static void print_attr(const char *key, const char *value)
{
	char fmt[64];

	/* Keys are [a-z0-9_]+ (libosm checks), so safe in a format. */
	snprintf(fmt, sizeof(fmt), " %.40s=%%s", key);
	print_string(PRINT_ANY, key, fmt, value);
}

/*
 * The attributes of a record as the JSON object @json_key: @getters names
 * libosm's osm_graph__header_attr, osm_node__attr or osm_edge__attr, whose
 * _count(), _key() and _value() read them from @rec.
 */
#define print_attrs(json_key, getters, rec)				\
	do {								\
		size_t __i, __n = getters##_count(rec);			\
									\
		open_json_object(json_key);				\
		for (__i = 0; __i < __n; __i++)				\
			print_attr(getters##_key(rec, __i),		\
				   getters##_value(rec, __i));		\
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
 * The arguments of every graph verb: --file, and no -j for a verb without
 * a JSON form (@text_only names it; NULL for the others).  Returns 0, 1
 * when help was asked for, or -1 after reporting an error.
 */
static int graph_verb_args(int argc, char **argv, const char *text_only,
			   struct verb_args *va)
{
	int r = parse_verb_args(argc, argv, ARG_FILE, 0, va);

	if (!r && text_only && json_output) {
		p_err("'graph %s' has no JSON form; use 'graph show'",
		      text_only);
		return -1;
	}
	return r;
}

/* graph_verb_args(), then load the graph; NULL with *@r 1 or -1. */
static struct osm_graph *graph_verb_load(int argc, char **argv,
					 const char *text_only, int *r)
{
	struct verb_args va;
	struct osm_graph *g;

	*r = graph_verb_args(argc, argv, text_only, &va);
	if (*r)
		return NULL;
	g = load_graph(va.file);
	if (!g)
		*r = -1;
	return g;
}

static int do_show(int argc, char **argv)
{
	struct osm_graph *g;
	char idfmt[32];
	int r;

	g = graph_verb_load(argc, argv, NULL, &r);
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

	r = graph_verb_args(argc, argv, "dump", &va);
	if (r)
		return r > 0 ? do_help(0, NULL) : -1;
	{
		OSM_OPTS(osm_graph_opts, opts, .path = va.file);

		r = osm_graph__read(&opts, &buf, &len);
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

/* The inside of a DOT string: escape '"' and '\\', hide control bytes. */
static void dot_chars(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		int n = utf8_seq_len(p);

		if (*p == '"' || *p == '\\') {
			printf("\\%c", *p);
		} else if (*p < 0x20 || *p == 0x7f || !n) {
			putchar('?');
		} else {
			fwrite(p, 1, n, stdout);
			p += n;
			continue;
		}
		p++;
	}
}

static void dot_string(const char *s)
{
	putchar('"');
	dot_chars(s);
	putchar('"');
}

static int do_dot(int argc, char **argv)
{
	size_t i, nn, ne;
	struct osm_graph *g;
	int r;

	g = graph_verb_load(argc, argv, "dot", &r);
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
				printf("fd %d ", atoi(fd));
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

	g = graph_verb_load(argc, argv, NULL, &r);
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

static int do_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (help_json())
		return 0;
	printf("Usage: %s graph [show] [--file FILE]\n"
	       "       %s graph dump   [--file FILE]\n"
	       "       %s graph dot    [--file FILE]\n"
	       "       %s graph stats  [--file FILE]\n"
	       "       %s graph help\n"
	       "\n"
	       "  show   nodes and edges, readable; with -j:\n"
	       "         {\"version\", \"header\": {}, \"nodes\": [{\"id\", \"type\",\n"
	       "          \"class\", \"attrs\": {}}], \"edges\": [{\"src\", \"kind\",\n"
	       "          \"dst\", \"attrs\": {}}]}\n"
	       "  dump   the graph text as read (save it to use with --file)\n"
	       "  dot    Graphviz DOT, e.g. '| dot -Tsvg > graph.svg'\n"
	       "  stats  node counts per type, edge counts per kind\n"
	       "\n"
	       "--file FILE reads a saved graph instead of %s.\n"
	       "       " HELP_SPEC_OPTIONS "\n",
	       bin_name, bin_name, bin_name, bin_name, bin_name,
	       OSM_DEVICE_PATH);
	return 0;
}

static const struct cmd cmds[] = {
	{ "show",	do_show },
	{ "list",	do_show },
	{ "dump",	do_dump },
	{ "dot",	do_dot },
	{ "stats",	do_stats },
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
