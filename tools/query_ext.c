// SPDX-License-Identifier: GPL-2.0-only
/*
 * osm tcb | ib | compare | holders | bfs: the OSmosis questions, both as
 * top-level objects and under "osm query".  Options may come before or
 * after the positional arguments, as in bpftool.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "main.h"

/* The options of these commands; each command takes a subset. */
struct ext_args {
	const char *file, *types, *kinds, *dir, *depth, *mode, *gran;
	const char *scope, *classes;
	bool reach;
	const char *pos[2];
	int npos;
};

#define X_FILE		(1U << 0)
#define X_TYPES		(1U << 1)
#define X_KINDS		(1U << 2)
#define X_DIR		(1U << 3)
#define X_DEPTH		(1U << 4)
#define X_MODE		(1U << 5)
#define X_GRAN		(1U << 6)
#define X_SCOPE		(1U << 7)
#define X_CLASSES	(1U << 8)
#define X_REACH		(1U << 9)

static const struct ext_opt {
	unsigned int flag;
	const char *name;
	size_t off;
} ext_opts[] = {
	{ X_FILE, "--file", offsetof(struct ext_args, file) },
	{ X_TYPES, "--types", offsetof(struct ext_args, types) },
	{ X_KINDS, "--kinds", offsetof(struct ext_args, kinds) },
	{ X_DIR, "--dir", offsetof(struct ext_args, dir) },
	{ X_DEPTH, "--depth", offsetof(struct ext_args, depth) },
	{ X_MODE, "--mode", offsetof(struct ext_args, mode) },
	{ X_GRAN, "--granularity", offsetof(struct ext_args, gran) },
	{ X_SCOPE, "--ptrace-scope", offsetof(struct ext_args, scope) },
	{ X_CLASSES, "--classes", offsetof(struct ext_args, classes) },
};

/* 1 if @argv[0] is option @name (its value taken), 0 if not, -1 error. */
static int take(int *argc, char ***argv, const char *name, const char **val)
{
	const char *a = (*argv)[0];
	size_t len = strlen(name);

	if (strncmp(a, name, len) || (a[len] && a[len] != '='))
		return 0;
	if (a[len] == '=') {
		*val = a + len + 1;
	} else {
		if (*argc < 2) {
			p_err("option '%s' needs a value", name);
			return -1;
		}
		(*argc)--;
		(*argv)++;
		*val = (*argv)[0];
	}
	if (!**val) {
		p_err("option '%s' needs a value", name);
		return -1;
	}
	return 1;
}

/* 0, 1 for help, -1 after an error. */
static int parse_ext(int argc, char **argv, unsigned int allowed, int npos,
		     struct ext_args *a)
{
	size_t i;
	int r;

	memset(a, 0, sizeof(*a));
	for (; argc > 0; argc--, argv++) {
		if (is_help(argv[0]))
			return 1;
		for (i = 0, r = 0; !r && i < ARRAY_SIZE(ext_opts); i++)
			if (allowed & ext_opts[i].flag)
				r = take(&argc, &argv, ext_opts[i].name,
					 (const char **)((char *)a +
							 ext_opts[i].off));
		if (r < 0)
			return -1;
		if (r)
			continue;
		if ((allowed & X_GRAN) && !strcmp(argv[0], "--threads")) {
			a->gran = "thread";
			continue;
		}
		if ((allowed & X_REACH) && !strcmp(argv[0], "--reach")) {
			a->reach = true;
			continue;
		}
		if (argv[0][0] == '-' && argv[0][1]) {
			p_err("unknown option '%s'", argv[0]);
			return -1;
		}
		if (a->npos >= npos)
			return BAD_ARG();
		a->pos[a->npos++] = argv[0];
	}
	if (a->npos < npos) {
		p_err("missing argument; try 'help'");
		return -1;
	}
	return 0;
}

static const char *const gran_names[] = { "process", "thread", "kernel" };

int parse_gran(const char *s, unsigned int *g)
{
	unsigned int i;

	*g = OSM_GRAN_PROCESS;
	if (!s)
		return 0;
	for (i = 0; i < ARRAY_SIZE(gran_names); i++)
		if (!strcmp(s, gran_names[i])) {
			*g = i;
			return 0;
		}
	p_err("bad --granularity '%s': process, thread or kernel", s);
	return -1;
}

int parse_mode(const char *s, unsigned int *m)
{
	*m = OSM_MODE_ANY;
	if (!s || !strcmp(s, "r") || !strcmp(s, "any"))
		return 0;
	if (!strcmp(s, "rw") || !strcmp(s, "w")) {
		*m = OSM_MODE_WRITE;
		return 0;
	}
	p_err("bad --mode '%s': r (any access) or rw (writable)", s);
	return -1;
}

const char *gran_name(unsigned int g)
{
	return g < ARRAY_SIZE(gran_names) ? gran_names[g] : "?";
}

/* A NULL-terminated list from "a,b": one malloc()ed block, or NULL. */
static const char **split_list(const char *list)
{
	size_t n = 2, len = strlen(list), i = 0;
	char *copy, *tok, *save;
	const char **v;
	const char *p;

	for (p = list; *p; p++)
		n += *p == ',';
	v = malloc(n * sizeof(*v) + len + 1);
	if (!v) {
		p_err("out of memory");
		return NULL;
	}
	copy = (char *)(v + n);
	memcpy(copy, list, len + 1);
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save))
		v[i++] = tok;
	v[i] = NULL;
	return v;
}

static void print_id(const char *key, const struct osm_node *n)
{
	print_string(PRINT_ANY, key, "%s", osm_node__id(n));
	if (node_label(n))
		print_string(PRINT_ANY, "label", " (%s)", node_label(n));
}

/* A node inside a list: {"id", "type", "label"} or "\tid (label)". */
static void print_item(const struct osm_node *n)
{
	print_text("\t");
	open_json_object(NULL);
	print_string(PRINT_ANY, "id", "%s", osm_node__id(n));
	print_string(PRINT_JSON, "type", NULL, osm_node__type(n));
	if (node_label(n))
		print_string(PRINT_ANY, "label", "  %s", node_label(n));
	close_json_object();
}

/* ---- per-type counts of a list of shared resources ------------------ */

struct type_count {
	const char *type;
	size_t pds, res;
};

static void count_type(struct type_count *tc, size_t *n, size_t max,
		       const char *type, bool new_pd)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (!strcmp(tc[i].type, type))
			break;
	if (i == *n) {
		if (*n == max)
			return;
		tc[(*n)++] = (struct type_count){ type, 0, 0 };
	}
	tc[i].res++;
	tc[i].pds += new_pd;
}

static int cmp_tc(const void *a, const void *b)
{
	const struct type_count *x = a, *y = b;

	if (x->pds != y->pds)
		return x->pds < y->pds ? 1 : -1;
	return strcmp(x->type, y->type);
}

/* "by_type": PDs and resources per resource type, most PDs first. */
static void print_by_type(const struct osm_tcb_entry *v, int n)
{
	struct type_count tc[64];
	size_t k = 0, i, j, t;
	bool seen;

	for (i = 0; i < (size_t)n; i++)
		for (j = 0; j < v[i].nres; j++) {
			const char *ty = osm_node__type(v[i].res[j].res);

			/* A new PD for this type if no earlier res of i had it. */
			for (t = 0, seen = false; t < j; t++)
				if (!strcmp(osm_node__type(v[i].res[t].res), ty))
					seen = true;
			count_type(tc, &k, ARRAY_SIZE(tc), ty, !seen);
		}
	qsort(tc, k, sizeof(*tc), cmp_tc);
	print_text("shared, by resource type:%s", k ? "\n" : " none\n");
	open_json_array("by_type");
	for (i = 0; i < k; i++) {
		open_json_object(NULL);
		print_string(PRINT_ANY, "type", "\t%-10s", tc[i].type);
		print_uint(PRINT_ANY, "pds", " %llu PDs,", tc[i].pds);
		print_uint(PRINT_ANY, "resources", " %llu resources\n",
			   tc[i].res);
		close_json_object();
	}
	close_json_array();
}

static void print_rules(unsigned int rules)
{
	unsigned int b;
	bool first = true;

	open_json_array("rules");
	for (b = 1; b < 1U << OSM_CONTROL_NR_RULES; b <<= 1) {
		if (!(rules & b))
			continue;
		print_string(PRINT_ANY, NULL, first ? "%s" : ",%s",
			     osm_control_rule_name(b));
		first = false;
	}
	close_json_array();
}

static void print_entry(const struct osm_tcb_entry *e, bool impact)
{
	size_t i;

	open_json_object(NULL);
	print_id("pd", e->pd);
	print_string(PRINT_JSON, "type", NULL, osm_node__type(e->pd));
	open_json_array("why");
	if (e->why & OSM_TCB_SHARED)
		print_string(PRINT_JSON, NULL, NULL, "shared");
	if (e->why & OSM_TCB_CONTROL)
		print_string(PRINT_JSON, NULL, NULL, "control");
	if (e->why & OSM_TCB_SERVER)
		print_string(PRINT_JSON, NULL, NULL, "server");
	close_json_array();
	print_text(":");
	if (e->nres)
		print_text(" shares %zu;", e->nres);
	if (e->rules)
		print_text(impact ? " is controlled by it (" :
				    " controls it (");
	if (e->rules) {
		print_rules(e->rules);
		print_text(");");
	} else if (json_output) {
		print_rules(0);
	}
	if (e->nchan)
		print_text(impact ? " is served by it through %zu channels;" :
				    " serves it through %zu channels;",
			   e->nchan);
	print_text("\n");
	open_json_array("shared");
	for (i = 0; i < e->nres; i++) {
		print_text("\t");
		open_json_object(NULL);
		print_string(PRINT_ANY, "id", "%-40s",
			     osm_node__id(e->res[i].res));
		print_string(PRINT_JSON, "type", NULL,
			     osm_node__type(e->res[i].res));
		print_string(PRINT_ANY, "mine", " %s",
			     access_name(e->res[i].mine));
		print_string(PRINT_ANY, "theirs", "/%s",
			     access_name(e->res[i].theirs));
		if (node_label(e->res[i].res))
			print_string(PRINT_ANY, "label", "  %s",
				     node_label(e->res[i].res));
		close_json_object();
		print_nl();
	}
	close_json_array();
	open_json_array("channels");
	for (i = 0; i < e->nchan; i++) {
		print_item(e->chan[i]);
		print_nl();
	}
	close_json_array();
	close_json_object();
}

static int get_types(const struct osm_graph *g, const struct ext_args *a,
		     const char ***types)
{
	*types = NULL;
	if (!a->types)
		return 0;
	*types = parse_types(g, a->types);
	return *types ? 0 : -1;
}

static int tcb_or_ib(int argc, char **argv, bool impact,
		     int (*help)(int, char **))
{
	struct osm_tcb_entry *v = NULL;
	const char **types = NULL;
	const struct osm_node *pd;
	unsigned int gran, mode;
	size_t k[3] = { 0 };
	struct ext_args a;
	struct osm_graph *g;
	int r, n, i, scope;

	r = parse_ext(argc, argv, X_FILE | X_TYPES | X_MODE | X_GRAN |
		      X_SCOPE, 1, &a);
	if (r)
		return r > 0 ? help(0, NULL) : -1;
	if (parse_gran(a.gran, &gran) || parse_mode(a.mode, &mode))
		return -1;
	scope = ptrace_scope_arg(a.scope);
	if (scope < 0)
		return -1;
	g = load_graph_pd(a.file, a.pos[0], &pd);
	if (!g)
		return -1;
	if (get_types(g, &a, &types)) {
		osm_graph__free(g);
		return -1;
	}
	{
		OSM_OPTS(osm_tcb_opts, opts, .types = types, .mode = mode,
			 .granularity = gran, .ptrace_scope = scope);

		n = impact ? osm_query__impact(g, pd, &opts, &v) :
			     osm_query__tcb(g, pd, &opts, &v);
	}
	if (n < 0) {
		p_err("query failed: %s", strerror(-n));
		goto out;
	}
	for (i = 0; i < n; i++) {
		k[0] += !!(v[i].why & OSM_TCB_SHARED);
		k[1] += !!(v[i].why & OSM_TCB_CONTROL);
		k[2] += !!(v[i].why & OSM_TCB_SERVER);
	}
	open_json_object(NULL);
	print_id("pd", pd);
	print_string(PRINT_JSON, "query", NULL, impact ? "ib" : "tcb");
	print_uint(PRINT_ANY, "count", impact ?
		   ": impact boundary of %llu PDs" : ": TCB of %llu PDs", n);
	print_uint(PRINT_ANY, "shared", impact ?
		   " (%llu reach what it can write," : " (%llu share resources,",
		   k[0]);
	print_uint(PRINT_ANY, "control", impact ?
		   " %llu it can control," : " %llu can control it,", k[1]);
	print_uint(PRINT_ANY, "server", impact ?
		   " %llu it serves)\n" : " %llu serve it)\n", k[2]);
	print_string(PRINT_ANY, "granularity", "granularity %s",
		     gran_names[gran]);
	print_uint(PRINT_ANY, "ptrace_scope", ", ptrace_scope %llu\n", scope);
	print_by_type(v, n);
	print_text("by PD:\n");
	open_json_array("pds");
	for (i = 0; i < n; i++)
		print_entry(&v[i], impact);
	close_json_array();
	close_json_object();
	osm_tcb__free(v, n);
	n = 0;
out:
	free(types);
	osm_graph__free(g);
	return n < 0 ? -1 : 0;
}

static int help_ext(int argc, char **argv);

int do_tcb(int argc, char **argv)
{
	return tcb_or_ib(argc, argv, false, help_ext);
}

int do_ib(int argc, char **argv)
{
	return tcb_or_ib(argc, argv, true, help_ext);
}

static void print_res_list(const char *key, const struct osm_shared_res *r,
			   size_t n)
{
	size_t i;

	open_json_array(key);
	for (i = 0; i < n; i++) {
		print_text("\t\t");
		open_json_object(NULL);
		print_string(PRINT_ANY, "id", "%-40s", osm_node__id(r[i].res));
		print_string(PRINT_ANY, "a", " %s", access_name(r[i].mine));
		print_string(PRINT_ANY, "b", "/%s",
			     access_name(r[i].theirs));
		if (node_label(r[i].res))
			print_string(PRINT_ANY, "label", "  %s",
				     node_label(r[i].res));
		close_json_object();
		print_nl();
	}
	close_json_array();
}

int do_compare(int argc, char **argv)
{
	struct osm_compare_type *v = NULL;
	const struct osm_node *pa, *pb;
	const char **types = NULL;
	unsigned int mode;
	struct ext_args a;
	struct osm_graph *g;
	int r, n, i, k = 0;
	bool pass;

	r = parse_ext(argc, argv, X_FILE | X_TYPES | X_MODE, 2, &a);
	if (r)
		return r > 0 ? help_ext(0, NULL) : -1;
	if (parse_mode(a.mode, &mode))
		return -1;
	g = load_graph_pd(a.file, a.pos[0], &pa);
	if (!g)
		return -1;
	pb = find_pd(g, a.pos[1]);
	if (!pb || get_types(g, &a, &types)) {
		osm_graph__free(g);
		return -1;
	}
	{
		OSM_OPTS(osm_query_opts, opts, .types = types, .mode = mode);

		n = osm_query__compare(g, pa, pb, &opts, &v);
	}
	if (n < 0) {
		p_err("query failed: %s", strerror(-n));
		goto out;
	}
	for (i = 0; i < n; i++)
		k += v[i].nshared > 0;
	open_json_object(NULL);
	print_id("a", pa);
	print_text(" vs ");
	if (json_output) {
		jsonw_string_field(json_wtr, "b", osm_node__id(pb));
	} else {
		print_string(PRINT_FP, NULL, "%s", osm_node__id(pb));
		if (node_label(pb))
			print_string(PRINT_FP, NULL, " (%s)", node_label(pb));
	}
	print_uint(PRINT_ANY, "shared_types", ": %llu", k);
	print_uint(PRINT_ANY, "count", " of %llu resource types shared\n", n);
	/* Graph 1.6: how osm spawn made either of them, if it did. */
	if (osm_spawn_kind(pa) || osm_spawn_kind(pb)) {
		print_string(PRINT_ANY, "a_spawn", "spawned: a %s",
			     osm_spawn_kind(pa) ?: "-");
		print_string(PRINT_ANY, "b_spawn", ", b %s\n",
			     osm_spawn_kind(pb) ?: "-");
	}
	/* Text: the shared types first, then the isolated ones. */
	for (pass = true; ; pass = false) {
		print_text(pass ? "shared:%s" : "isolated:%s",
			   (pass ? k : n - k) ? "\n" : " none\n");
		for (i = 0; !json_output && i < n; i++) {
			if ((v[i].nshared > 0) != pass)
				continue;
			print_text("\t%-10s %zu of %zu/%zu\n", v[i].type,
				   v[i].nshared, v[i].na, v[i].nb);
			print_res_list(NULL, v[i].shared, v[i].nshared);
		}
		if (!pass)
			break;
	}
	open_json_array("types");
	for (i = 0; json_output && i < n; i++) {
		open_json_object(NULL);
		jsonw_string_field(json_wtr, "type", v[i].type);
		jsonw_name(json_wtr, "shared");
		jsonw_bool(json_wtr, v[i].nshared > 0);
		jsonw_uint_field(json_wtr, "a_count", v[i].na);
		jsonw_uint_field(json_wtr, "b_count", v[i].nb);
		print_res_list("nodes", v[i].shared, v[i].nshared);
		close_json_object();
	}
	close_json_array();
	close_json_object();
	osm_compare__free(v, n);
	n = 0;
out:
	free(types);
	osm_graph__free(g);
	return n < 0 ? -1 : 0;
}

/* Any node by id, or a PD as find_pd() names it (1234, kernel). */
static const struct osm_node *find_start(const struct osm_graph *g,
					 const char *arg)
{
	const struct osm_node *n = osm_graph__find(g, arg);

	return n ? n : find_pd(g, arg);
}

int do_holders(int argc, char **argv)
{
	struct osm_holder *v = NULL;
	const struct osm_node *res;
	unsigned int gran, mode;
	struct ext_args a;
	struct osm_graph *g;
	int r, n, i, w = 0;

	r = parse_ext(argc, argv, X_FILE | X_MODE | X_GRAN, 1, &a);
	if (r)
		return r > 0 ? help_ext(0, NULL) : -1;
	if (parse_gran(a.gran, &gran) || parse_mode(a.mode, &mode))
		return -1;
	g = load_graph(a.file);
	if (!g)
		return -1;
	res = find_start(g, a.pos[0]);
	if (!res || osm_node__is_pd(res)) {
		if (res)
			p_err("'%s' is a PD, not a resource",
			      osm_node__id(res));
		osm_graph__free(g);
		return -1;
	}
	{
		OSM_OPTS(osm_query_opts, opts, .mode = mode,
			 .granularity = gran);

		n = osm_query__holders(g, res, &opts, &v);
	}
	if (n < 0) {
		p_err("query failed: %s", strerror(-n));
		osm_graph__free(g);
		return -1;
	}
	for (i = 0; i < n; i++)
		w += v[i].access == OSM_ACCESS_RW;
	open_json_object(NULL);
	print_id("resource", res);
	print_uint(PRINT_ANY, "count", ": %llu holders", n);
	print_uint(PRINT_ANY, "writers", ", %llu can write", w);
	print_string(PRINT_ANY, "granularity", " (granularity %s)\n",
		     gran_names[gran]);
	open_json_array("holders");
	for (i = 0; i < n; i++) {
		print_text("\t");
		open_json_object(NULL);
		print_string(PRINT_ANY, "pd", "%-20s", osm_node__id(v[i].pd));
		print_string(PRINT_JSON, "type", NULL, osm_node__type(v[i].pd));
		print_string(PRINT_ANY, "access", " %-2s",
			     access_name(v[i].access));
		if (node_label(v[i].pd))
			print_string(PRINT_ANY, "label", "  %s",
				     node_label(v[i].pd));
		close_json_object();
		print_nl();
	}
	close_json_array();
	close_json_object();
	free(v);
	osm_graph__free(g);
	return 0;
}

static int parse_dir(const char *s, unsigned int *d)
{
	*d = OSM_BFS_OUT;
	if (!s || !strcmp(s, "out"))
		return 0;
	if (!strcmp(s, "in")) {
		*d = OSM_BFS_IN;
		return 0;
	}
	if (!strcmp(s, "both")) {
		*d = OSM_BFS_BOTH;
		return 0;
	}
	p_err("bad --dir '%s': in, out or both", s);
	return -1;
}

static int parse_depth(const char *s, unsigned int *d)
{
	unsigned long v;
	char *end;

	*d = 0;
	if (!s)
		return 0;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || end == s || *s == '-' || v > UINT_MAX) {
		p_err("bad --depth '%s': a number of edges, 0 for no limit",
		      s);
		return -1;
	}
	*d = (unsigned int)v;
	return 0;
}

int do_bfs(int argc, char **argv)
{
	const char **kinds = NULL, **types = NULL, **classes = NULL;
	unsigned int dir, depth, mode, d, cnt;
	struct osm_bfs_hit *v = NULL;
	const struct osm_node *start;
	struct ext_args a;
	struct osm_graph *g;
	int r, n = -1, i;

	r = parse_ext(argc, argv, X_FILE | X_TYPES | X_KINDS | X_DIR |
		      X_DEPTH | X_MODE | X_CLASSES | X_REACH, 1, &a);
	if (r)
		return r > 0 ? help_ext(0, NULL) : -1;
	if (parse_dir(a.dir, &dir) || parse_depth(a.depth, &depth) ||
	    parse_mode(a.mode, &mode))
		return -1;
	g = load_graph(a.file);
	if (!g)
		return -1;
	start = find_start(g, a.pos[0]);
	if (!start)
		goto out;
	kinds = a.kinds ? split_list(a.kinds) : NULL;
	types = a.types ? split_list(a.types) : NULL;
	classes = a.classes ? split_list(a.classes) : NULL;
	if ((a.kinds && !kinds) || (a.types && !types) ||
	    (a.classes && !classes))
		goto out;
	{
		OSM_OPTS(osm_bfs_opts, opts, .kinds = kinds, .dir = dir,
			 .mode = mode, .max_depth = depth, .types = types,
			 .classes = classes,
			 .flags = a.reach ? OSM_BFS_REACH : 0);

		n = osm_query__bfs(g, start, &opts, &v);
	}
	if (n < 0) {
		p_err("query failed: %s", strerror(-n));
		goto out;
	}
	open_json_object(NULL);
	print_id("start", start);
	print_uint(PRINT_ANY, "count", ": %llu nodes", n);
	print_string(PRINT_ANY, "dir", " (dir %s", dir == OSM_BFS_IN ? "in" :
		     dir == OSM_BFS_OUT ? "out" : "both");
	print_uint(PRINT_ANY, "depth", ", depth %llu", depth);
	print_text("%s)\n", depth ? "" : ": no limit");
	open_json_array("nodes");
	for (i = 0; i < n; i++) {
		if (!json_output && (!i || v[i].depth != v[i - 1].depth)) {
			for (d = v[i].depth, cnt = 0; i + cnt < (unsigned int)n &&
			     v[i + cnt].depth == d; cnt++)
				;
			print_text("depth %u: %u\n", d, cnt);
		}
		print_text("\t");
		open_json_object(NULL);
		print_string(PRINT_ANY, "id", "%s", osm_node__id(v[i].node));
		print_string(PRINT_JSON, "type", NULL,
			     osm_node__type(v[i].node));
		print_string(PRINT_JSON, "class", NULL,
			     osm_node__class(v[i].node));
		print_uint(PRINT_JSON, "depth", NULL, v[i].depth);
		if (node_label(v[i].node))
			print_string(PRINT_ANY, "label", "  %s",
				     node_label(v[i].node));
		if (v[i].via) {
			const struct osm_node *s = osm_edge__src(v[i].via);
			const struct osm_node *t = osm_edge__dst(v[i].via);

			open_json_object("via");
			print_string(PRINT_ANY, "src", "  (%s",
				     osm_node__id(s));
			print_string(PRINT_ANY, "kind", " %s",
				     osm_edge__kind(v[i].via));
			print_string(PRINT_ANY, "dst", " %s)",
				     osm_node__id(t));
			close_json_object();
		}
		close_json_object();
		print_nl();
	}
	close_json_array();
	close_json_object();
	free(v);
	n = 0;
out:
	free(kinds);
	free(types);
	free(classes);
	osm_graph__free(g);
	return n < 0 ? -1 : 0;
}

static int help_ext(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (help_json())
		return 0;
	printf("Usage: %s tcb     PD [--types T] [--mode r|rw] [--granularity G]\n"
	       "                     [--ptrace-scope N] [--file FILE]\n"
	       "       %s ib      PD [same options as tcb]\n"
	       "       %s control PD [--threads] [--ptrace-scope N] [--file FILE]\n"
	       "       %s compare PD PD [--types T] [--mode r|rw] [--file FILE]\n"
	       "       %s holders RESOURCE [--mode r|rw] [--granularity G]\n"
	       "                     [--file FILE]\n"
	       "       %s bfs     NODE [--kinds K] [--dir in|out|both] [--depth N]\n"
	       "                     [--types T] [--classes pd,res] [--mode r|rw]\n"
	       "                     [--reach] [--file FILE]\n"
	       "       (each also as '%s query COMMAND ...')\n"
	       "\n"
	       "       PD := { PID | thread:TID | kernel | NODE-ID }\n"
	       "       G  := { process | thread | kernel }  (default process;\n"
	       "             --threads is --granularity thread)\n"
	       "\n"
	       "  tcb      the PDs PD trusts: those sharing resources with it,\n"
	       "           those that can control it, those serving its requests\n"
	       "  ib       its impact boundary: the PDs reaching what PD can write,\n"
	       "           those PD can control, those whose requests PD serves\n"
	       "  compare  per resource type: shared or isolated, and the nodes\n"
	       "  holders  the PDs that reach RESOURCE (e.g. net_ns:4026531840)\n"
	       "  bfs      breadth-first search from any node; --reach follows\n"
	       "           edges as reachability does; --mode rw only writable steps\n"
	       "\n"
	       "JSON: tcb/ib {\"pd\", \"label\", \"query\", \"count\", \"shared\",\n"
	       "      \"control\", \"server\", \"granularity\", \"ptrace_scope\",\n"
	       "      \"by_type\": [{\"type\", \"pds\", \"resources\"}], \"pds\": [{\"pd\",\n"
	       "      \"label\", \"type\", \"why\", \"rules\", \"shared\": [{\"id\", \"type\",\n"
	       "      \"mine\", \"theirs\", \"label\"}], \"channels\": [{\"id\", \"type\"}]}]};\n"
	       "      compare {\"a\", \"label\", \"b\", \"shared_types\", \"count\",\n"
	       "      \"a_spawn\", \"b_spawn\" (graph 1.6: the preset osm spawn made\n"
	       "      it with, or custom; only when one was spawned), \"types\":\n"
	       "      [{\"type\", \"shared\", \"a_count\", \"b_count\", \"nodes\": [{\"id\",\n"
	       "      \"a\", \"b\"}]}]}; holders {\"resource\", \"count\", \"writers\",\n"
	       "      \"granularity\", \"holders\": [{\"pd\", \"type\", \"access\", \"label\"}]};\n"
	       "      bfs {\"start\", \"count\", \"dir\", \"depth\", \"nodes\": [{\"id\", \"type\",\n"
	       "      \"class\", \"depth\", \"label\", \"via\": {\"src\", \"kind\", \"dst\"}}]}\n",
	       bin_name, bin_name, bin_name, bin_name, bin_name, bin_name,
	       bin_name);
	return 0;
}

int do_ext_help(int argc, char **argv)
{
	return help_ext(argc, argv);
}
