// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Attributes read back as written.  The parser keeps known keys as one
 * byte and a repeated value once (graph_keys.c); this test writes
 * graphs of random attributes, remembers every key and decoded value it
 * wrote, and checks that each node, edge and the header give back
 * exactly those, in order: keys the library knows and keys it does not,
 * keys that are prefixes of known ones, values that repeat (within a
 * record and across records, past the number of values the parser
 * remembers), short and empty values, escaped and raw bytes, and a key
 * in the last bytes of the input.  Parsed from a buffer and loaded from
 * a file, with and without the helper thread.  Output is TAP.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "osm.h"
#include "check.h"

/* Known to the parser or not: the test does not care which is which. */
static const char *const keys[] = {
	"start", "end", "perm", "name", "comm", "path", "mode", "cap_eff",
	"cap_bnd", "no_new_privs", "securebits", "dumpable", "fd", "pos",
	"shiny", "x", "zz_top9", "nam", "name2", "start_x", "a_long_key_name",
};
#define NKEYS	(sizeof(keys) / sizeof(keys[0]))

#define MAX_ATTRS	12
#define MAX_VAL		80

struct attr {
	const char *key;
	char val[MAX_VAL + 1];		/* decoded */
};

struct rec {
	unsigned int n;
	struct attr a[MAX_ATTRS];
};

struct gen {
	char *text;
	size_t len, cap;
	unsigned long long seed;
	struct rec *recs;		/* the header, the nodes, the edges */
	size_t nnodes, nedges;
	bool names_only;	/* every attribute a distinct-ish "name" */
};

static unsigned int rnd(struct gen *g, unsigned int n)
{
	g->seed = g->seed * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned int)(g->seed >> 33) % n;
}

static void put(struct gen *g, const char *s, size_t n)
{
	if (g->len + n + 1 > g->cap) {
		g->cap = (g->len + n + 1) * 2;
		g->text = realloc(g->text, g->cap);
		if (!g->text)
			abort();
	}
	memcpy(g->text + g->len, s, n);
	g->len += n;
	g->text[g->len] = '\0';
}

static void putf(struct gen *g, const char *fmt, unsigned long a,
		 unsigned long b)
{
	char buf[96];

	/* @fmt uses @a, and @b when it has two conversions. */
	put(g, buf, snprintf(buf, sizeof(buf), fmt, a, b));
}

/* A value: often one of a few long ones, so that values repeat. */
static void make_value(struct gen *g, char *v, unsigned int distinct)
{
	static const char pool[] = "abc/._-=0123456789xyz";
	unsigned int kind = rnd(g, 8), len, i;

	if (kind < 3) {		/* repeated across records */
		snprintf(v, MAX_VAL + 1, "/usr/lib/x86_64-linux-gnu/lib%u.so",
			 rnd(g, 40));
		return;
	}
	if (kind == 3) {	/* many distinct, each seen twice or so */
		snprintf(v, MAX_VAL + 1, "/opt/app/data/file-%08u.dat",
			 rnd(g, distinct));
		return;
	}
	len = kind == 4 ? rnd(g, 9) : rnd(g, MAX_VAL);
	for (i = 0; i < len; i++) {
		unsigned int c = rnd(g, 10);

		/* Bytes a file name may hold: NUL is the one it cannot. */
		if (c == 0)
			v[i] = (char)(1 + rnd(g, 255));
		else
			v[i] = pool[rnd(g, sizeof(pool) - 1)];
	}
	v[len] = '\0';
}

/* Write value @v as the format does, escaping what must be. */
static void put_value(struct gen *g, const char *v)
{
	static const char hex[] = "0123456789abcdef";

	for (; *v; v++) {
		unsigned char c = *v;
		char esc[4] = { '\\', 'x', hex[c >> 4], hex[c & 15] };

		/* Escaped when it must be, and now and then when not. */
		if (c <= 0x20 || c == '\\' || c == 0x7f || !rnd(g, 50))
			put(g, esc, 4);
		else
			put(g, (const char *)v, 1);
	}
}

static void make_attrs(struct gen *g, struct rec *r, unsigned int distinct)
{
	unsigned int i;

	r->n = g->names_only ? 2 : rnd(g, MAX_ATTRS + 1);
	for (i = 0; i < r->n; i++) {
		struct attr *a = &r->a[i];

		if (g->names_only) {
			a->key = "name";
			snprintf(a->val, sizeof(a->val),
				 "/opt/app/data/file-%08u.dat",
				 rnd(g, distinct));
			goto write;
		}

		/* A key again in the same record now and then. */
		if (i && !rnd(g, 10))
			a->key = r->a[rnd(g, i)].key;
		else
			a->key = keys[rnd(g, NKEYS)];
		if (i && !rnd(g, 8))
			memcpy(a->val, r->a[rnd(g, i)].val, sizeof(a->val));
		else
			make_value(g, a->val, distinct);
write:
		put(g, " ", 1);
		put(g, a->key, strlen(a->key));
		put(g, "=", 1);
		put_value(g, a->val);
	}
}

static void generate(struct gen *g, size_t nnodes, unsigned int distinct)
{
	size_t i;

	g->nnodes = nnodes;
	g->nedges = nnodes / 2;
	g->recs = calloc(1 + g->nnodes + g->nedges, sizeof(*g->recs));
	if (!g->recs)
		abort();
	put(g, "osmosis-graph 1.9", 17);
	make_attrs(g, &g->recs[0], distinct);
	put(g, "\n", 1);
	for (i = 0; i < g->nnodes; i++) {
		putf(g, i % 3 ? "node t:%lu res" : "node t:%lu pd", i, 0);
		make_attrs(g, &g->recs[1 + i], distinct);
		put(g, "\n", 1);
	}
	for (i = 0; i < g->nedges; i++) {
		putf(g, "edge t:%lu hold t:%lu", i, (i * 7 + 1) % g->nnodes);
		make_attrs(g, &g->recs[1 + g->nnodes + i], distinct);
		put(g, "\n", 1);
	}
	putf(g, "end nodes=%lu edges=%lu\n", g->nnodes, g->nedges);
}

/* Do the attributes @count, @key, @value, @find give back @r? */
#define CHECK_ATTRS(r, count_fn, key_fn, value_fn, find_fn, obj, what, idx)	\
	do {								\
		size_t __i, __j;					\
		bool __ok = (count_fn)(obj) == (r)->n;			\
		for (__i = 0; __ok && __i < (r)->n; __i++) {		\
			const char *__k = (key_fn)(obj, __i);		\
			const char *__v = (value_fn)(obj, __i);		\
			const char *__f = (find_fn)(obj, (r)->a[__i].key);	\
			for (__j = 0; strcmp((r)->a[__j].key,		\
					     (r)->a[__i].key); __j++)	\
				;					\
			__ok = __k && __v && __f &&			\
			       !strcmp(__k, (r)->a[__i].key) &&		\
			       !strcmp(__v, (r)->a[__i].val) &&		\
			       !strcmp(__f, (r)->a[__j].val);		\
		}							\
		checks++;						\
		if (!__ok) {						\
			failures++;					\
			printf("#   %s %zu: attributes differ\n", what,	\
			       (size_t)(idx));				\
		}							\
	} while (0)

static void check_graph(const struct gen *gen, const struct osm_graph *g,
			const char *how)
{
	size_t i;

	CHECK(g);
	if (!g) {
		printf("#   %s: no graph (errno %d)\n", how, errno);
		return;
	}
	CHECK(osm_graph__node_count(g) == gen->nnodes);
	CHECK(osm_graph__edge_count(g) == gen->nedges);
	if (osm_graph__node_count(g) != gen->nnodes ||
	    osm_graph__edge_count(g) != gen->nedges)
		return;
	CHECK_ATTRS(&gen->recs[0], osm_graph__header_attr_count,
		    osm_graph__header_attr_key, osm_graph__header_attr_value,
		    osm_graph__header_attr, g, "header", 0);
	for (i = 0; i < gen->nnodes; i++)
		CHECK_ATTRS(&gen->recs[1 + i], osm_node__attr_count,
			    osm_node__attr_key, osm_node__attr_value,
			    osm_node__attr, osm_graph__node(g, i), "node", i);
	for (i = 0; i < gen->nedges; i++)
		CHECK_ATTRS(&gen->recs[1 + gen->nnodes + i],
			    osm_edge__attr_count, osm_edge__attr_key,
			    osm_edge__attr_value, osm_edge__attr,
			    osm_graph__edge(g, i), "edge", i);
	/* A key nobody wrote, and one that differs by its last byte. */
	CHECK(!osm_node__attr(osm_graph__node(g, 0), "nope"));
	CHECK(!osm_node__attr(osm_graph__node(g, 0), "star"));
}

static void run(size_t nnodes, unsigned int distinct, unsigned long long seed,
		bool names_only)
{
	struct gen gen = { .seed = seed, .names_only = names_only };
	char path[] = "/tmp/test_attrs.XXXXXX";
	struct osm_graph *g;
	int fd, one;

	generate(&gen, nnodes, distinct);
	g = osm_graph__parse(gen.text, gen.len);
	check_graph(&gen, g, "parse");
	osm_graph__free(g);

	fd = mkstemp(path);
	CHECK(fd >= 0);
	if (fd < 0)
		goto out;
	CHECK(write(fd, gen.text, gen.len) == (ssize_t)gen.len);
	close(fd);
	for (one = 0; one < 2; one++) {
		OSM_OPTS(osm_graph_opts, o, .path = path,
			 .single_thread = one);

		g = osm_graph__load(&o);
		check_graph(&gen, g, one ? "load, one thread" : "load");
		osm_graph__free(g);
	}
	unlink(path);
out:
	free(gen.recs);
	free(gen.text);
}

static void test_small(void)
{
	unsigned long long seed;

	for (seed = 1; seed <= 200; seed++)
		run(1 + seed % 17, 4, seed, false);
}

/* More distinct values than the parser remembers (OSM_INTERN_MAX). */
static void test_many(void)
{
	run(2000, 50, 7, false);
	run(60000, 90000, 42, true);
}

/* A graph of the header line @hdr_attrs and one node with @node_attrs. */
static struct osm_graph *parse_one(const char *hdr_attrs,
				   const char *node_attrs)
{
	char text[512];

	snprintf(text, sizeof(text),
		 "osmosis-graph 1.0%s%s\nnode t:1 res%s%s\nend nodes=1 edges=0\n",
		 *hdr_attrs ? " " : "", hdr_attrs, *node_attrs ? " " : "",
		 node_attrs);
	return osm_graph__parse(text, strlen(text));
}

/* Known and unknown keys in a line's last bytes: a node's, the header's. */
static void test_last_bytes(void)
{
	static const char *const tails[] = { "x=1", "fd=7", "mode=rw",
					      "zz=9", "name=/a/very/long/n" };
	struct osm_graph *g;
	size_t i;

	for (i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
		char key[32];
		const char *eq = strchr(tails[i], '=');

		snprintf(key, sizeof(key), "%.*s", (int)(eq - tails[i]),
			 tails[i]);
		g = parse_one("", tails[i]);
		CHECK(g);
		if (g)
			CHECK_STR(osm_node__attr(osm_graph__node(g, 0), key),
				  eq + 1);
		osm_graph__free(g);
		g = parse_one(tails[i], "");
		CHECK(g);
		if (g)
			CHECK_STR(osm_graph__header_attr(g, key), eq + 1);
		osm_graph__free(g);
	}
}

int main(void)
{
	static const struct check_test tests[] = {
		{ "random attributes read back as written", test_small },
		{ "more distinct values than the parser remembers", test_many },
		{ "keys in the last bytes of a line", test_last_bytes },
	};

	return check_run(tests, sizeof(tests) / sizeof(tests[0]), "");
}
