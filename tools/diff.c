// SPDX-License-Identifier: GPL-2.0-only
/*
 * osm diff A B: two graphs (saved files, or live walks "backend:NAME")
 * compared by identity, not by id text.  Public ids (pids, tids, inodes,
 * namespaces, cgroups...) compare as they are.  A hashed node (mm,
 * files, file, fs, sighand, cred, seccomp, semundo, uffd) is named by
 * what points at it: the PDs that hold it, the tables that map it under
 * a descriptor number.  The hashed nodes of A and B are matched by the
 * most such holders they share, so two walks with different hash keys
 * are equal when they group the same PDs onto the same objects, and a
 * thread that moved from one object to another is one edge that
 * differs.  Node and edge types either graph's header lists as unseen=
 * are left out; attributes are not compared.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "main.h"

static const char *const hashed_types[] = {
	OSM_NODE_MM, OSM_NODE_FILES, OSM_NODE_FILE, OSM_NODE_FS,
	OSM_NODE_SIGHAND, OSM_NODE_CRED, OSM_NODE_SECCOMP, OSM_NODE_SEMUNDO,
	OSM_NODE_UFFD,
};

struct side {
	const char *name;
	struct osm_graph *g;
	char **label;		/* per node; NULL until resolved */
	char ***descs;		/* per hashed node: its holders */
	size_t *ndescs;
	char **items;		/* compared nodes, then edges */
	size_t nitems;
};

struct unseen {
	char *list[64];
	size_t n;
};

static bool is_hashed(const char *type)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(hashed_types); i++)
		if (!strcmp(type, hashed_types[i]))
			return true;
	return false;
}

static void add_unseen(struct unseen *u, const struct osm_graph *g)
{
	const char *v = osm_graph__header_attr(g, "unseen");
	char *copy, *tok, *save;

	copy = v ? strdup(v) : NULL;
	if (!copy)
		return;
	for (tok = strtok_r(copy, ",", &save); tok && u->n < 64;
	     tok = strtok_r(NULL, ",", &save)) {
		u->list[u->n] = strdup(tok);
		if (!u->list[u->n])
			break;
		u->n++;
	}
	free(copy);
}

static bool in_unseen(const struct unseen *u, const char *a, const char *b)
{
	char key[128];
	size_t i;

	snprintf(key, sizeof(key), b ? "%s:%s" : "%s", a, b);
	for (i = 0; i < u->n; i++)
		if (!strcmp(u->list[i], key))
			return true;
	return false;
}

static bool node_hidden(const struct unseen *u, const struct osm_node *n)
{
	return in_unseen(u, osm_node__type(n), NULL);
}

static bool edge_hidden(const struct unseen *u, const struct osm_edge *e)
{
	const char *k = osm_edge__kind(e);

	return in_unseen(u, k, NULL) ||
	       in_unseen(u, k, osm_node__type(osm_edge__dst(e))) ||
	       node_hidden(u, osm_edge__src(e)) ||
	       node_hidden(u, osm_edge__dst(e));
}

static char *xasprintf(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (!s) {
		fprintf(stderr, "Error: out of memory\n");
		exit(2);
	}
	return s;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The vma's mm, through its subset edge. */
static const struct osm_node *vma_mm(const struct osm_node *n)
{
	size_t i;

	for (i = 0; i < osm_node__out_count(n); i++) {
		const struct osm_edge *e = osm_node__out(n, i);

		if (!strcmp(osm_edge__kind(e), OSM_EDGE_SUBSET))
			return osm_edge__dst(e);
	}
	return NULL;
}

/*
 * Try to name hashed node @i of @s from its resolved holders; @force
 * takes what is resolved.  Returns true when its holders are known
 * (then matched in match_round()); vmas are named at once.
 */
/* Holders name a node; its parts (subset) and tree edges do not. */
static bool names(const struct unseen *u, const struct osm_edge *e,
		  const char *type)
{
	return !edge_hidden(u, e) &&
	       strcmp(osm_edge__kind(e), OSM_EDGE_SUBSET) &&
	       strcmp(osm_node__type(osm_edge__src(e)), type);
}

static bool try_resolve(struct side *s, const struct unseen *u, size_t i,
			bool force)
{
	const struct osm_node *n = osm_graph__node(s->g, i);
	const char *type = osm_node__type(n);
	size_t k, nd = 0, cnt = osm_node__in_count(n);
	char **d;

	if (!strcmp(type, OSM_NODE_VMA)) {
		const struct osm_node *mm = vma_mm(n);
		const char *id = osm_node__id(n), *start = strrchr(id, ':');

		if (mm && !s->label[osm_node__index(mm)])
			return false;
		s->label[i] = xasprintf("vma<%s>%s", mm ?
					s->label[osm_node__index(mm)] : "?",
					start ? start : id);
		return false;
	}
	for (k = 0; k < cnt; k++) {
		const struct osm_edge *e = osm_node__in(n, k);
		const struct osm_node *src = osm_edge__src(e);

		if (!names(u, e, type))
			continue;
		if (!s->label[osm_node__index(src)] && !force)
			return false;
	}
	d = calloc(cnt + 1, sizeof(*d));
	if (!d)
		exit(2);
	for (k = 0; k < cnt; k++) {
		const struct osm_edge *e = osm_node__in(n, k);
		const struct osm_node *src = osm_edge__src(e);
		const char *fd = osm_edge__attr(e, "fd");
		const char *l = s->label[osm_node__index(src)];

		if (!names(u, e, type) || !l)
			continue;
		d[nd++] = xasprintf("%s>%s%s%s", osm_edge__kind(e), l,
				    fd ? "#" : "", fd ? fd : "");
	}
	qsort(d, nd, sizeof(*d), cmp_str);
	s->descs[i] = d;
	s->ndescs[i] = nd;
	return true;
}

struct cand {
	size_t a, b, common;
	const char *first;	/* the smallest holder they share */
};

static int by_common(const void *x, const void *y)
{
	const struct cand *p = x, *q = y;

	if (p->common != q->common)
		return p->common < q->common ? 1 : -1;
	return p->a != q->a ? (p->a > q->a) - (p->a < q->a) :
			      (p->b > q->b) - (p->b < q->b);
}

/* Holders both share, and the smallest of them. */
static size_t common(char **x, size_t nx, char **y, size_t ny,
		     const char **first)
{
	size_t i = 0, j = 0, c = 0;
	int r;

	*first = NULL;
	while (i < nx && j < ny) {
		r = strcmp(x[i], y[j]);
		if (!r) {
			if (!c++)
				*first = x[i];
			i++;
			j++;
		} else if (r < 0) {
			i++;
		} else {
			j++;
		}
	}
	return c;
}

static void name_unmatched(struct side *s, size_t i)
{
	const struct osm_node *n = osm_graph__node(s->g, i);

	if (s->ndescs[i])
		s->label[i] = xasprintf("%s<%s>", osm_node__type(n),
					s->descs[i][0]);
	else	/* nothing proves who it is: its own id */
		s->label[i] = xasprintf("%s<%s>", osm_node__type(n),
					osm_node__id(n));
}

/* Match the nodes resolved this round (@ra in A, @rb in B). */
static void match_round(struct side *a, size_t *ra, size_t na, struct side *b,
			size_t *rb, size_t nb)
{
	struct cand *c = NULL;
	size_t i, j, nc = 0, cap = 0;
	bool *used_a = calloc(a->g ? osm_graph__node_count(a->g) : 1, 1);
	bool *used_b = calloc(b->g ? osm_graph__node_count(b->g) : 1, 1);

	if (!used_a || !used_b)
		exit(2);
	for (i = 0; i < na; i++)
		for (j = 0; j < nb; j++) {
			const struct osm_node *x = osm_graph__node(a->g, ra[i]);
			const struct osm_node *y = osm_graph__node(b->g, rb[j]);
			const char *first;
			size_t k;

			if (strcmp(osm_node__type(x), osm_node__type(y)))
				continue;
			k = common(a->descs[ra[i]], a->ndescs[ra[i]],
				   b->descs[rb[j]], b->ndescs[rb[j]], &first);
			if (!k)
				continue;
			if (nc == cap) {
				cap = cap ? 2 * cap : 64;
				c = realloc(c, cap * sizeof(*c));
				if (!c)
					exit(2);
			}
			c[nc++] = (struct cand){ ra[i], rb[j], k, first };
		}
	if (nc)
		qsort(c, nc, sizeof(*c), by_common);
	for (i = 0; i < nc; i++) {
		const char *type;

		if (used_a[c[i].a] || used_b[c[i].b])
			continue;
		used_a[c[i].a] = used_b[c[i].b] = true;
		type = osm_node__type(osm_graph__node(a->g, c[i].a));
		a->label[c[i].a] = xasprintf("%s<%s>", type, c[i].first);
		b->label[c[i].b] = strdup(a->label[c[i].a]);
	}
	for (i = 0; i < na; i++)
		if (!used_a[ra[i]])
			name_unmatched(a, ra[i]);
	for (j = 0; j < nb; j++)
		if (!used_b[rb[j]])
			name_unmatched(b, rb[j]);
	free(c);
	free(used_a);
	free(used_b);
}

/* One round on one side: the hashed nodes now nameable, into @r. */
static size_t round_side(struct side *s, const struct unseen *u, size_t *r,
			 bool force, bool *progress)
{
	size_t i, n = osm_graph__node_count(s->g), nr = 0;

	for (i = 0; i < n; i++) {
		const struct osm_node *node = osm_graph__node(s->g, i);
		const char *type = osm_node__type(node);

		if (s->label[i] || s->descs[i] || node_hidden(u, node))
			continue;
		if (!is_hashed(type) && strcmp(type, OSM_NODE_VMA))
			continue;
		if (try_resolve(s, u, i, force))
			r[nr++] = i;
		if (s->label[i] || s->descs[i])
			*progress = true;
	}
	return nr;
}

static void label_all(struct side *a, struct side *b, const struct unseen *u)
{
	size_t na = osm_graph__node_count(a->g), nb = osm_graph__node_count(b->g);
	size_t *ra = malloc((na + 1) * sizeof(*ra));
	size_t *rb = malloc((nb + 1) * sizeof(*rb));
	bool progress = true, force = false;
	struct side *sides[2] = { a, b };
	size_t i, s, ka, kb;

	if (!ra || !rb)
		exit(2);
	for (s = 0; s < 2; s++)
		for (i = 0; i < osm_graph__node_count(sides[s]->g); i++) {
			const struct osm_node *n = osm_graph__node(sides[s]->g, i);
			const char *t = osm_node__type(n);

			if (!is_hashed(t) && strcmp(t, OSM_NODE_VMA))
				sides[s]->label[i] = strdup(osm_node__id(n));
		}
	while (progress || !force) {
		if (!progress)
			force = true;
		progress = false;
		ka = round_side(a, u, ra, force, &progress);
		kb = round_side(b, u, rb, force, &progress);
		match_round(a, ra, ka, b, rb, kb);
		if (force && !progress)
			break;
	}
	free(ra);
	free(rb);
}

static void add_item(struct side *s, char *item)
{
	char **v = realloc(s->items, (s->nitems + 1) * sizeof(*v));

	if (!v)
		exit(2);
	s->items = v;
	s->items[s->nitems++] = item;
}

/* "node LABEL" and "edge SRC KIND DST [fd=N]" for what is compared. */
static void collect(struct side *s, const struct unseen *u)
{
	size_t i, n = osm_graph__node_count(s->g);

	for (i = 0; i < n; i++) {
		const struct osm_node *node = osm_graph__node(s->g, i);

		if (!node_hidden(u, node) && s->label[i])
			add_item(s, xasprintf("node %s", s->label[i]));
	}
	for (i = 0; i < osm_graph__edge_count(s->g); i++) {
		const struct osm_edge *e = osm_graph__edge(s->g, i);
		const char *fd = osm_edge__attr(e, "fd");
		const char *l1 = s->label[osm_node__index(osm_edge__src(e))];
		const char *l2 = s->label[osm_node__index(osm_edge__dst(e))];

		if (edge_hidden(u, e) || !l1 || !l2)
			continue;
		add_item(s, xasprintf("edge %s %s %s%s%s", l1, osm_edge__kind(e),
				      l2, fd ? " fd=" : "", fd ? fd : ""));
	}
	qsort(s->items, s->nitems, sizeof(*s->items), cmp_str);
}

static void side_free(struct side *s)
{
	size_t i, j, n = s->g ? osm_graph__node_count(s->g) : 0;

	for (i = 0; i < n; i++) {
		free(s->label[i]);
		for (j = 0; s->descs && j < s->ndescs[i]; j++)
			free(s->descs[i][j]);
		if (s->descs)
			free(s->descs[i]);
	}
	for (i = 0; i < s->nitems; i++)
		free(s->items[i]);
	free(s->items);
	free(s->label);
	free(s->descs);
	free(s->ndescs);
	osm_graph__free(s->g);
}

static struct osm_graph *load_source(const char *src)
{
	char why[512] = "";
	struct osm_graph *g;
	int b;

	if (strncmp(src, "backend:", 8))
		return load_graph(src);
	b = osm_backend__from_name(src + 8);
	if (b < 0) {
		p_err("'%s': no such backend (module, bpf, procfs, auto)",
		      src + 8);
		return NULL;
	}
	{
		OSM_OPTS(osm_backend_opts, o, .backend = b, .errbuf = why,
			 .errbuf_sz = sizeof(why));

		g = osm_backend__load(&o);
	}
	if (!g)
		p_err("%s: %s%s%s", src, strerror(errno), *why ? ": " : "", why);
	return g;
}

static const char *backend_of(const struct osm_graph *g)
{
	const char *b = osm_graph__header_attr(g, "backend");

	return b ? b : "module";	/* before 1.8 only the module wrote graphs */
}

static void print_side_json(const char *key, const struct side *s)
{
	jsonw_name(json_wtr, key);
	jsonw_start_object(json_wtr);
	jsonw_string_field(json_wtr, "source", s->name);
	jsonw_string_field(json_wtr, "backend", backend_of(s->g));
	jsonw_uint_field(json_wtr, "nodes", osm_graph__node_count(s->g));
	jsonw_uint_field(json_wtr, "edges", osm_graph__edge_count(s->g));
	jsonw_end_object(json_wtr);
}

/* Merge the sorted items; print and count what only one side has. */
static void report(struct side *a, struct side *b, const struct unseen *u,
		   size_t cnt[2][2])
{
	size_t i = 0, j = 0, k;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		if (json_output) {
			jsonw_name(json_wtr, pass ? "only_b" : "only_a");
			jsonw_start_array(json_wtr);
		}
		i = j = 0;
		while (i < a->nitems || j < b->nitems) {
			int r = i >= a->nitems ? 1 : j >= b->nitems ? -1 :
				strcmp(a->items[i], b->items[j]);
			const char *it = r < 0 ? a->items[i] : b->items[j];

			if (r == 0) {
				i++;
				j++;
				continue;
			}
			r < 0 ? i++ : j++;
			if ((r < 0) != !pass)
				continue;
			cnt[pass][it[0] == 'e']++;
			if (json_output)
				jsonw_string(json_wtr, it);
			else
				printf("%c %s\n", pass ? '+' : '-', it);
		}
		if (json_output)
			jsonw_end_array(json_wtr);
	}
	if (json_output) {
		jsonw_name(json_wtr, "unseen");
		jsonw_start_array(json_wtr);
		for (k = 0; k < u->n; k++)
			jsonw_string(json_wtr, u->list[k]);
		jsonw_end_array(json_wtr);
	}
}

int diff_exit = -1;

static int help(void)
{
	if (help_json())
		return 0;
	printf("Usage: %s diff A B\n"
	       "       %s diff help\n"
	       "\n"
	       "  A, B     a saved graph file, or backend:NAME for a live walk\n"
	       "           (NAME: module, bpf, procfs, auto)\n"
	       "\n"
	       "Compares by identity: public ids as they are, hashed ids (mm,\n"
	       "files, file, fs, sighand, ...) by the PDs and tables that hold\n"
	       "them.  Leaves out what either header lists as unseen=; does not\n"
	       "compare attributes.  Prints '- ' what only A has, '+ ' what only\n"
	       "B has, and a summary.  Exit 0 equal, 1 different, 2 error.\n"
	       "With -j: {\"equal\", \"a\": {\"source\", \"backend\", \"nodes\",\n"
	       " \"edges\"}, \"b\": {...}, \"only_a\": [\"node L\" | \"edge L KIND L\"],\n"
	       " \"only_b\": [...], \"unseen\": [...], \"differ\": {\"nodes\",\n"
	       " \"edges\"}}\n"
	       "       " HELP_SPEC_OPTIONS "\n",
	       bin_name, bin_name);
	return 0;
}

int do_diff(int argc, char **argv)
{
	struct side s[2] = { { 0 } };
	struct unseen u = { .n = 0 };
	size_t cnt[2][2] = { { 0 } }, i, diff;
	int k, ret = -1;

	if (argc >= 1 && is_help(argv[0]))
		return help();
	if (argc != 2) {
		p_err("diff needs two graphs: files or backend:NAME");
		diff_exit = 2;
		return -1;
	}
	for (k = 0; k < 2; k++) {
		size_t n;

		s[k].name = argv[k];
		s[k].g = load_source(argv[k]);
		if (!s[k].g)
			goto out;
		n = osm_graph__node_count(s[k].g);
		s[k].label = calloc(n + 1, sizeof(char *));
		s[k].descs = calloc(n + 1, sizeof(char **));
		s[k].ndescs = calloc(n + 1, sizeof(size_t));
		if (!s[k].label || !s[k].descs || !s[k].ndescs) {
			p_err("out of memory");
			goto out;
		}
		add_unseen(&u, s[k].g);
	}
	label_all(&s[0], &s[1], &u);
	collect(&s[0], &u);
	collect(&s[1], &u);
	if (json_output) {
		jsonw_start_object(json_wtr);
		print_side_json("a", &s[0]);
		print_side_json("b", &s[1]);
	}
	report(&s[0], &s[1], &u, cnt);
	diff = cnt[0][0] + cnt[0][1] + cnt[1][0] + cnt[1][1];
	if (json_output) {
		jsonw_name(json_wtr, "equal");
		jsonw_bool(json_wtr, !diff);
		jsonw_name(json_wtr, "differ");
		jsonw_start_object(json_wtr);
		jsonw_uint_field(json_wtr, "nodes", cnt[0][0] + cnt[1][0]);
		jsonw_uint_field(json_wtr, "edges", cnt[0][1] + cnt[1][1]);
		jsonw_end_object(json_wtr);
		jsonw_end_object(json_wtr);
	} else {
		printf("%s: %zu nodes and %zu edges differ (%zu nodes, %zu edges only in A (%s); %zu nodes, %zu edges only in B (%s)); compared %zu and %zu items\n",
		       diff ? "differ" : "equal",
		       cnt[0][0] + cnt[1][0], cnt[0][1] + cnt[1][1],
		       cnt[0][0], cnt[0][1], backend_of(s[0].g), cnt[1][0],
		       cnt[1][1], backend_of(s[1].g), s[0].nitems,
		       s[1].nitems);
	}
	diff_exit = diff ? 1 : 0;
	ret = 0;
out:
	if (ret)
		diff_exit = 2;
	for (k = 0; k < 2; k++)
		side_free(&s[k]);
	for (i = 0; i < u.n; i++)
		free(u.list[i]);
	return ret;
}
