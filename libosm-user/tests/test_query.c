// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Unit tests of the OSmosis queries: BFS, holders, sharing with access
 * modes, granularity, TCB, impact boundary, compare, reverse CanControl
 * and the querier.  query.graph has answers worked out by hand (in the
 * comments); every fixture is also checked against properties computed
 * from first principles (holders is the inverse of reachable, sharing is
 * the intersection of two reachable sets, controls the inverse of
 * CanControl).  Output is TAP.
 *
 * Usage: test_query [fixture-dir]
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osm.h"
#include "check.h"

static char buf[16384];

static const char *acc(unsigned int a)
{
	return a == OSM_ACCESS_RW ? "rw" : a == OSM_ACCESS_R ? "r" : "?";
}

#define APPEND(...)							\
	(off += snprintf(buf + off, off < sizeof(buf) ? sizeof(buf) - off : 0, \
			 __VA_ARGS__))

static const struct osm_node *N(const struct osm_graph *g, const char *id)
{
	return osm_graph__find(g, id);
}

/* "pd[res=mine/theirs,...] ..." */
static const char *sharing(const struct osm_graph *g, const char *pd,
			   unsigned int mode, unsigned int gran,
			   struct osm_querier *q)
{
	OSM_OPTS(osm_query_opts, o, .mode = mode, .granularity = gran,
		 .querier = q);
	struct osm_sharing *s;
	size_t off = 0, j;
	int i, n;

	n = osm_query__sharing(g, N(g, pd), &o, &s);
	if (n < 0) {
		snprintf(buf, sizeof(buf), "E%d", -n);
		return buf;
	}
	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		APPEND("%s%s[", i ? " " : "", osm_node__id(s[i].pd));
		for (j = 0; j < s[i].nres; j++)
			APPEND("%s%s=%s/%s", j ? "," : "",
			       osm_node__id(s[i].res[j].res),
			       acc(s[i].res[j].mine), acc(s[i].res[j].theirs));
		APPEND("]");
	}
	osm_sharings__free(s, n);
	return buf;
}

static const char *holders(const struct osm_graph *g, const char *res,
			   unsigned int mode, unsigned int gran)
{
	OSM_OPTS(osm_query_opts, o, .mode = mode, .granularity = gran);
	struct osm_holder *h;
	size_t off = 0;
	int i, n;

	n = osm_query__holders(g, N(g, res), &o, &h);
	if (n < 0) {
		snprintf(buf, sizeof(buf), "E%d", -n);
		return buf;
	}
	buf[0] = '\0';
	for (i = 0; i < n; i++)
		APPEND("%s%s=%s", i ? " " : "", osm_node__id(h[i].pd),
		       acc(h[i].access));
	free(h);
	return buf;
}

static const char *rules(unsigned int r)
{
	static char rb[64];
	size_t off = 0;
	unsigned int b;

	rb[0] = '\0';
	for (b = 1; b < 1U << OSM_CONTROL_NR_RULES; b <<= 1)
		if (r & b)
			off += snprintf(rb + off, sizeof(rb) - off, "%s%s",
					off ? "," : "",
					osm_control_rule_name(b));
	return rb;
}

/* "pd{why}[res...](rules)<chan...>" */
static const char *tcb(const struct osm_graph *g, const char *pd,
		       bool impact, unsigned int gran, unsigned int mode,
		       struct osm_querier *q)
{
	OSM_OPTS(osm_tcb_opts, o, .granularity = gran, .mode = mode,
		 .querier = q);
	struct osm_tcb_entry *v;
	size_t off = 0, j;
	int i, n;

	n = impact ? osm_query__impact(g, N(g, pd), &o, &v) :
		     osm_query__tcb(g, N(g, pd), &o, &v);
	if (n < 0) {
		snprintf(buf, sizeof(buf), "E%d", -n);
		return buf;
	}
	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		APPEND("%s%s{%u}[", i ? " " : "", osm_node__id(v[i].pd),
		       v[i].why);
		for (j = 0; j < v[i].nres; j++)
			APPEND("%s%s=%s/%s", j ? "," : "",
			       osm_node__id(v[i].res[j].res),
			       acc(v[i].res[j].mine), acc(v[i].res[j].theirs));
		APPEND("](%s)<", rules(v[i].rules));
		for (j = 0; j < v[i].nchan; j++)
			APPEND("%s%s", j ? "," : "", osm_node__id(v[i].chan[j]));
		APPEND(">");
	}
	osm_tcb__free(v, n);
	return buf;
}

/* "type=nshared/na/nb[res...]" */
static const char *compare(const struct osm_graph *g, const char *a,
			   const char *b, unsigned int mode)
{
	OSM_OPTS(osm_query_opts, o, .mode = mode);
	struct osm_compare_type *v;
	size_t off = 0, j;
	int i, n;

	n = osm_query__compare(g, N(g, a), N(g, b), &o, &v);
	if (n < 0) {
		snprintf(buf, sizeof(buf), "E%d", -n);
		return buf;
	}
	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		APPEND("%s%s=%zu/%zu/%zu", i ? " " : "", v[i].type,
		       v[i].nshared, v[i].na, v[i].nb);
		for (j = 0; j < v[i].nshared; j++)
			APPEND("%s%s", j ? "," : "[",
			       osm_node__id(v[i].shared[j].res));
		if (v[i].nshared)
			APPEND("]");
	}
	osm_compare__free(v, n);
	return buf;
}

static const char *bfs(const struct osm_graph *g, const char *start,
		       const struct osm_bfs_opts *o)
{
	struct osm_bfs_hit *h;
	size_t off = 0;
	int i, n;

	n = osm_query__bfs(g, N(g, start), o, &h);
	if (n < 0) {
		snprintf(buf, sizeof(buf), "E%d", -n);
		return buf;
	}
	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		APPEND("%s%s@%u", i ? " " : "", osm_node__id(h[i].node),
		       h[i].depth);
		/* The parent is the other end of via, reached one step up. */
		if (h[i].via) {
			const struct osm_node *s = osm_edge__src(h[i].via);
			const struct osm_node *d = osm_edge__dst(h[i].via);

			CHECK(s == h[i].node || d == h[i].node);
		}
	}
	free(h);
	return buf;
}

static const char *controls(const struct osm_graph *g, const char *pd,
			    bool reverse, unsigned int flags)
{
	OSM_OPTS(osm_control_opts, o, .flags = flags);
	struct osm_control *c;
	size_t off = 0;
	int i, n;

	n = reverse ? osm_query__controls(g, N(g, pd), &o, &c) :
		      osm_query__can_control(g, N(g, pd), &o, &c);
	if (n < 0) {
		snprintf(buf, sizeof(buf), "E%d", -n);
		return buf;
	}
	buf[0] = '\0';
	for (i = 0; i < n; i++)
		APPEND("%s%s=%s", i ? " " : "", osm_node__id(c[i].pd),
		       rules(c[i].rules));
	free(c);
	return buf;
}

/* The answers worked out by hand for query.graph. */
static void test_known(const struct osm_graph *g)
{
	struct osm_querier *q = osm_querier__new(g);
	OSM_OPTS(osm_bfs_opts, o);
	const char *all[] = { "hold", NULL };
	const char *res[] = { "res", NULL };

	CHECK(q != NULL);
	/*
	 * process:100 (threads 100, 101) shares with process:200 the
	 * shared-writable mapping inode:0:1:10 (rw-s both) and libc
	 * (r-xp); with the kernel and process:300 net_ns:1 (it holds it
	 * "r", they "rw").
	 */
	CHECK_STR(sharing(g, "process:100", OSM_MODE_ANY, OSM_GRAN_PROCESS, NULL),
	       "kernel:0[net_ns:1=r/rw] process:200[inode:0:1:10=rw/rw,inode:0:1:20=r/r] process:300[net_ns:1=r/rw]");
	CHECK_STR(sharing(g, "process:100", OSM_MODE_WRITE, OSM_GRAN_PROCESS, q),
	       "process:200[inode:0:1:10=rw/rw]");
	/* A thread at process granularity: its own process is left out. */
	CHECK_STR(sharing(g, "thread:100", OSM_MODE_ANY, OSM_GRAN_PROCESS, q),
	       "kernel:0[net_ns:1=r/rw] process:200[inode:0:1:10=rw/rw,inode:0:1:20=r/r] process:300[net_ns:1=r/rw]");
	/* Thread granularity: thread:101 shares all but its cred. */
	CHECK_STR(sharing(g, "thread:100", OSM_MODE_ANY, OSM_GRAN_THREAD, q),
	       "thread:2[net_ns:1=r/rw] thread:101[net_ns:1=r/r,mm:a=rw/rw,vma:a:1000=rw/rw,vma:a:2000=r/r,inode:0:1:10=rw/rw,inode:0:1:20=r/r,files:a=rw/rw,file:1=rw/rw] thread:200[inode:0:1:10=rw/rw,inode:0:1:20=r/r] thread:300[net_ns:1=r/rw]");
	/* A process at thread granularity: its own threads are left out. */
	CHECK_STR(sharing(g, "process:100", OSM_MODE_ANY, OSM_GRAN_THREAD, q),
	       "thread:2[net_ns:1=r/rw] thread:200[inode:0:1:10=rw/rw,inode:0:1:20=r/r] thread:300[net_ns:1=r/rw]");
	/* Kernel granularity: kernel threads on their own. */
	CHECK_STR(sharing(g, "process:300", OSM_MODE_ANY, OSM_GRAN_KERNEL, q),
	       "thread:2[net_ns:1=rw/rw] process:100[net_ns:1=rw/r] process:200[inode:0:8:1=rw/rw,inode:0:8:2=rw/rw]");
	CHECK_STR(sharing(g, "process:400", OSM_MODE_ANY, OSM_GRAN_PROCESS, q),
	       "");
	/* Old entry point, old-size options (library 0.1 callers). */
	{
		struct { size_t sz; const char *const *types; } old = {
			sizeof(old), NULL };
		struct osm_share *s;
		int n = osm_query__shared(g, N(g, "process:100"),
					  (const void *)&old, &s);

		CHECK(n == 3);
		CHECK(n == 3 && s[1].nres == 2 &&
		      s[1].pd == N(g, "process:200"));
		osm_shares__free(s, n);
	}

	/* Holders: the inverse of reachability, at each granularity. */
	CHECK_STR(holders(g, "net_ns:1", 0, OSM_GRAN_PROCESS),
	       "kernel:0=rw process:100=r process:300=rw");
	CHECK_STR(holders(g, "net_ns:1", 0, OSM_GRAN_THREAD),
	       "thread:2=rw thread:100=r thread:101=r thread:300=rw");
	CHECK_STR(holders(g, "net_ns:1", 0, OSM_GRAN_KERNEL),
	       "thread:2=rw process:100=r process:300=rw");
	CHECK_STR(holders(g, "net_ns:1", OSM_MODE_WRITE, OSM_GRAN_PROCESS),
	       "kernel:0=rw process:300=rw");
	/* A socket pair's peer edges make a cycle; a self-loop. */
	CHECK_STR(holders(g, "inode:0:8:1", 0, 0),
	       "process:200=rw process:300=rw");
	CHECK_STR(holders(g, "inode:0:8:3", 0, 0), "process:300=rw");
	/* Reached through a read-only file: r. */
	CHECK_STR(holders(g, "inode:0:40:1", 0, 0), "process:200=r");
	/* A channel is not reached: only "serve"/"request" lead there. */
	CHECK_STR(holders(g, "fuse:0:40", 0, 0), "");
	CHECK_STR(holders(g, "cred:b", 0, OSM_GRAN_THREAD), "thread:101=r");
	CHECK_STR(holders(g, "process:100", 0, 0), "E22");

	/*
	 * TCB of process:200: process:100 (its parent) shares the mapping
	 * and libc; process:300 (same uid and gid) can signal and ptrace
	 * it, is its socket peer, and serves its FUSE mount.
	 */
	CHECK_STR(tcb(g, "process:200", false, 0, 0, q),
	       "process:100{3}[inode:0:1:10=rw/rw,inode:0:1:20=r/r](parent)<> process:300{7}[inode:0:8:1=rw/rw,inode:0:8:2=rw/rw](signal,ptrace)<fuse:0:40>");
	CHECK_STR(tcb(g, "process:200", false, 0, OSM_MODE_WRITE, q),
	       "process:100{3}[inode:0:1:10=rw/rw](parent)<> process:300{7}[inode:0:8:1=rw/rw,inode:0:8:2=rw/rw](signal,ptrace)<fuse:0:40>");
	CHECK_STR(tcb(g, "process:100", false, 0, 0, q),
	       "kernel:0{1}[net_ns:1=r/rw]()<> process:200{1}[inode:0:1:10=rw/rw,inode:0:1:20=r/r]()<> process:300{1}[net_ns:1=r/rw]()<>");
	CHECK_STR(tcb(g, "process:400", false, 0, 0, q), "");
	/*
	 * Impact of process:300: what it can write (net_ns:1, the socket
	 * pair) reaches the kernel, process:100 and process:200; it can
	 * control 200 and serves 200's FUSE requests.
	 */
	CHECK_STR(tcb(g, "process:300", true, 0, 0, q),
	       "kernel:0{1}[net_ns:1=rw/rw]()<> process:100{1}[net_ns:1=rw/r]()<> process:200{7}[inode:0:8:1=rw/rw,inode:0:8:2=rw/rw](signal,ptrace)<fuse:0:40>");
	/* 100 holds net_ns:1 read-only: it affects nobody through it. */
	CHECK_STR(tcb(g, "process:100", true, 0, 0, q),
	       "process:200{3}[inode:0:1:10=rw/rw](parent)<>");
	CHECK_STR(tcb(g, "thread:100", true, OSM_GRAN_THREAD, 0, q),
	       "thread:101{1}[mm:a=rw/rw,vma:a:1000=rw/rw,inode:0:1:10=rw/rw,files:a=rw/rw,file:1=rw/rw]()<> thread:200{3}[inode:0:1:10=rw/rw](parent)<>");

	/* Reverse CanControl. */
	CHECK_STR(controls(g, "process:200", false, 0),
	       "process:100=parent process:300=signal,ptrace");
	CHECK_STR(controls(g, "process:300", true, 0),
	       "process:200=signal,ptrace");
	CHECK_STR(controls(g, "process:100", true, 0), "process:200=parent");
	CHECK_STR(controls(g, "thread:100", true, OSM_CONTROL_THREADS),
	       "thread:200=parent");
	CHECK_STR(controls(g, "kernel:0", true, 0), "");

	/* Compare: two threads of one process share all but their cred. */
	CHECK_STR(compare(g, "thread:100", "thread:101", 0),
	       "cred=0/1/1 file=1/1/1[file:1] files=1/1/1[files:a] inode=2/2/2[inode:0:1:10,inode:0:1:20] mm=1/1/1[mm:a] net_ns=1/1/1[net_ns:1] vma=2/2/2[vma:a:1000,vma:a:2000]");
	CHECK_STR(compare(g, "process:100", "process:200", 0),
	       "cred=0/2/1 file=0/1/2 files=0/1/1 inode=2/2/5[inode:0:1:10,inode:0:1:20] mm=0/1/1 net_ns=0/1/1 vma=0/2/2");
	CHECK_STR(compare(g, "process:100", "process:200", OSM_MODE_WRITE),
	       "cred=0/2/1 file=0/1/2 files=0/1/1 inode=1/2/5[inode:0:1:10] mm=0/1/1 net_ns=0/1/1 vma=0/2/2");
	CHECK_STR(compare(g, "process:100", "process:400", 0),
	       "cred=0/2/0 file=0/1/0 files=0/1/0 inode=0/2/0 mm=0/1/0 net_ns=0/1/0 vma=0/2/0");
	CHECK_STR(compare(g, "process:400", "process:400", 0), "");
	CHECK_STR(compare(g, "kernel:0", "process:300", 0),
	       "cred=0/0/1 file=0/0/3 files=0/0/1 inode=0/0/3 net_ns=1/1/1[net_ns:1]");

	/* BFS. */
	CHECK_STR(bfs(g, "net_ns:1", NULL), "net_ns:1@0");
	o.dir = OSM_BFS_IN;
	CHECK_STR(bfs(g, "net_ns:1", &o),
	       "net_ns:1@0 thread:2@1 thread:100@1 thread:101@1 thread:300@1");
	o.flags = OSM_BFS_REACH;
	CHECK_STR(bfs(g, "net_ns:1", &o),
	       "net_ns:1@0 thread:2@1 thread:100@1 thread:101@1 thread:300@1 kernel:0@2 process:100@2 process:300@2");
	o.max_depth = 1;
	CHECK_STR(bfs(g, "net_ns:1", &o),
	       "net_ns:1@0 thread:2@1 thread:100@1 thread:101@1 thread:300@1");
	o.max_depth = 0;
	o.dir = OSM_BFS_OUT;
	o.classes = res;
	CHECK_STR(bfs(g, "thread:100", &o),
	       "mm:a@1 files:a@1 net_ns:1@1 cred:a@1 vma:a:1000@2 vma:a:2000@2 file:1@2 inode:0:1:10@3 inode:0:1:20@3");
	o.mode = OSM_MODE_WRITE;
	CHECK_STR(bfs(g, "thread:100", &o),
	       "mm:a@1 files:a@1 vma:a:1000@2 file:1@2 inode:0:1:10@3");
	o.mode = 0;
	o.flags = 0;
	o.classes = NULL;
	o.kinds = all;
	CHECK_STR(bfs(g, "thread:100", &o),
	       "thread:100@0 mm:a@1 files:a@1 net_ns:1@1 cred:a@1");
	o.kinds = NULL;
	o.max_depth = 1;
	CHECK_STR(bfs(g, "thread:100", &o),
	       "thread:100@0 process:100@1 mm:a@1 files:a@1 net_ns:1@1 cred:a@1");
	o.max_depth = 0;
	/* A self-loop and a cycle. */
	CHECK_STR(bfs(g, "inode:0:8:3", &o), "inode:0:8:3@0");
	CHECK_STR(bfs(g, "inode:0:8:1", &o), "inode:0:8:1@0 inode:0:8:2@1");
	o.dir = OSM_BFS_BOTH;
	o.max_depth = 2;
	CHECK_STR(bfs(g, "inode:0:8:1", &o),
	       "inode:0:8:1@0 inode:0:8:2@1 file:3@1 file:4@2 files:b@2");
	o.max_depth = 0;
	o.dir = 7;
	CHECK_STR(bfs(g, "inode:0:8:1", &o), "E22");
	o.dir = 0;
	o.flags = 2;
	CHECK_STR(bfs(g, "inode:0:8:1", &o), "E22");
	o.flags = 0;
	osm_querier__free(q);
}

/* ---- properties, on every fixture ------------------------------------ */

static bool in_list(const struct osm_node *const *v, int n,
		    const struct osm_node *x)
{
	int i;

	for (i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

static bool has_member_out(const struct osm_node *n)
{
	size_t i;

	for (i = 0; i < osm_node__out_count(n); i++) {
		const struct osm_edge *e = osm_node__out(n, i);

		if (!strcmp(osm_edge__kind(e), "member") &&
		    osm_node__is_pd(osm_edge__dst(e)))
			return true;
	}
	return false;
}

static bool has_member_in(const struct osm_node *n)
{
	size_t i;

	for (i = 0; i < osm_node__in_count(n); i++) {
		const struct osm_edge *e = osm_node__in(n, i);

		if (!strcmp(osm_edge__kind(e), "member") &&
		    osm_node__is_pd(osm_edge__src(e)))
			return true;
	}
	return false;
}

/* What @pd reaches (writable only with @w), via the BFS primitive. */
static int reach(const struct osm_graph *g, const struct osm_node *pd,
		 bool w, const struct osm_node ***out)
{
	OSM_OPTS(osm_bfs_opts, o, .flags = OSM_BFS_REACH,
		 .mode = w ? OSM_MODE_WRITE : 0);
	const char *res[] = { "res", NULL };
	struct osm_bfs_hit *h;
	int i, n;

	o.classes = res;
	n = osm_query__bfs(g, pd, &o, &h);
	if (n < 0)
		return n;
	*out = malloc((n + 1) * sizeof(**out));
	for (i = 0; i < n; i++)
		(*out)[i] = h[i].node;
	free(h);
	return n;
}

static void test_properties(const struct osm_graph *g, const char *name)
{
	size_t nn = osm_graph__node_count(g), i, j;
	const struct osm_node ***rv, ***wv;
	struct osm_querier *q = osm_querier__new(g);
	int *rn, *wn, bad = 0, badsh = 0, badctl = 0;
	unsigned int gran;

	CHECK(q != NULL);
	rv = calloc(nn + 1, sizeof(*rv));
	wv = calloc(nn + 1, sizeof(*wv));
	rn = calloc(nn + 1, sizeof(*rn));
	wn = calloc(nn + 1, sizeof(*wn));
	for (i = 0; i < nn; i++) {
		const struct osm_node *p = osm_graph__node(g, i);
		const struct osm_node **r;
		int k;

		if (!osm_node__is_pd(p))
			continue;
		rn[i] = reach(g, p, false, &rv[i]);
		wn[i] = reach(g, p, true, &wv[i]);
		/* BFS with reachability's steps is osm_query__reachable(). */
		k = osm_query__reachable(g, p, NULL, &r);
		CHECK(k == rn[i]);
		for (j = 0; k > 0 && j < (size_t)k; j++)
			CHECK(in_list(rv[i], rn[i], r[j]));
		free(r);
	}

	/* holders(r) ∋ P  <=>  r ∈ reachable(P), with the access. */
	for (gran = 0; gran <= OSM_GRAN_THREAD; gran++)
		for (j = 0; j < nn; j++) {
			const struct osm_node *r = osm_graph__node(g, j);
			OSM_OPTS(osm_query_opts, o, .granularity = gran,
				 .querier = q);
			struct osm_holder *h;
			int n, k;

			if (osm_node__is_pd(r))
				continue;
			n = osm_query__holders(g, r, &o, &h);
			CHECK(n >= 0);
			for (i = 0; n >= 0 && i < nn; i++) {
				const struct osm_node *p = osm_graph__node(g, i);
				bool unit = gran == OSM_GRAN_THREAD ?
					    !has_member_in(p) :
					    !has_member_out(p);
				bool want, got = false, rw = false;

				if (!osm_node__is_pd(p) || !unit)
					continue;
				want = in_list(rv[i], rn[i], r);
				for (k = 0; k < n; k++)
					if (h[k].pd == p) {
						got = true;
						rw = h[k].access ==
						     OSM_ACCESS_RW;
					}
				if (want != got ||
				    (got && rw != in_list(wv[i], wn[i], r)))
					bad++;
			}
			free(h);
		}
	CHECK(bad == 0);

	/* sharing(P) = reach(P) ∩ reach(G) for every other process G. */
	for (i = 0; i < nn; i++) {
		const struct osm_node *p = osm_graph__node(g, i);
		OSM_OPTS(osm_query_opts, o, .querier = q);
		struct osm_sharing *s;
		int n, k, m, x, y;

		if (!osm_node__is_pd(p) || has_member_out(p))
			continue;
		n = osm_query__sharing(g, p, &o, &s);
		CHECK(n >= 0);
		for (k = 0, j = 0; n >= 0 && j < nn; j++) {
			const struct osm_node *o2 = osm_graph__node(g, j);
			size_t cnt = 0;

			if (j == i || !osm_node__is_pd(o2) ||
			    has_member_out(o2))
				continue;
			for (m = 0; m < rn[i]; m++)
				cnt += in_list(rv[j], rn[j], rv[i][m]);
			if (!cnt)
				continue;
			if (k >= n || s[k].pd != o2 || s[k].nres != cnt) {
				badsh++;
				continue;
			}
			for (m = 0; (size_t)m < s[k].nres; m++) {
				const struct osm_node *r = s[k].res[m].res;

				x = in_list(wv[i], wn[i], r) ? OSM_ACCESS_RW :
							       OSM_ACCESS_R;
				y = in_list(wv[j], wn[j], r) ? OSM_ACCESS_RW :
							       OSM_ACCESS_R;
				badsh += !in_list(rv[j], rn[j], r) ||
					 s[k].res[m].mine != (unsigned int)x ||
					 s[k].res[m].theirs != (unsigned int)y;
			}
			k++;
		}
		badsh += k != n;
		osm_sharings__free(s, n);
	}
	CHECK(badsh == 0);

	/* controls(P) ∋ Q  <=>  can_control(Q) ∋ P, each scope. */
	for (int scope = 0; scope <= 3; scope++)
		for (i = 0; i < nn; i++) {
			const struct osm_node *p = osm_graph__node(g, i);
			OSM_OPTS(osm_control_opts, o, .ptrace_scope = scope,
				 .querier = q);
			struct osm_control *c, *d;
			int n, k, m, l;

			if (!osm_node__is_pd(p) || has_member_out(p))
				continue;
			n = osm_query__controls(g, p, &o, &c);
			CHECK(n >= 0);
			for (k = 0; k < n; k++) {
				unsigned int found = 0;

				m = osm_query__can_control(g, c[k].pd, &o, &d);
				for (l = 0; l < m; l++)
					if (d[l].pd == p)
						found = d[l].rules;
				badctl += found != c[k].rules;
				free(d);
			}
			/* And no one is missing. */
			for (j = 0; j < nn; j++) {
				const struct osm_node *t = osm_graph__node(g, j);
				bool listed = false;

				if (!osm_node__is_pd(t) || has_member_out(t))
					continue;
				m = osm_query__can_control(g, t, &o, &d);
				for (l = 0; l < m; l++)
					if (d[l].pd == p)
						listed = true;
				free(d);
				for (l = 0; l < n; l++)
					if (c[l].pd == t)
						listed = !listed;
				badctl += listed;
			}
			free(c);
		}
	CHECK(badctl == 0);

	/* A querier gives the answers a single shot gives. */
	for (i = 0; i < nn; i++) {
		const struct osm_node *p = osm_graph__node(g, i);
		char one[sizeof(buf)];

		if (!osm_node__is_pd(p))
			continue;
		snprintf(one, sizeof(one), "%s",
			 tcb(g, osm_node__id(p), false, 0, 0, NULL));
		CHECK_STR(tcb(g, osm_node__id(p), false, 0, 0, q), one);
		snprintf(one, sizeof(one), "%s",
			 tcb(g, osm_node__id(p), true, 1, 0, NULL));
		CHECK_STR(tcb(g, osm_node__id(p), true, 1, 0, q), one);
	}
	printf("# %s: %zu nodes, holders %d, sharing %d, control %d bad\n",
	       name, nn, bad, badsh, badctl);
	for (i = 0; i < nn; i++) {
		free(rv[i]);
		free(wv[i]);
	}
	free(rv);
	free(wv);
	free(rn);
	free(wn);
	osm_querier__free(q);
}

/*
 * A random graph with what the batch machinery keys on: processes of
 * 1-3 threads (some sharing a cred node, some a tracer), kernel
 * threads, parent chains with cycles and unknown parents, nested user
 * namespaces with owners, credentials from a small pool (so that
 * classes of equal credentials form), dumpable and mm owners, regions
 * of every perm mapping shared inodes, open files of both modes,
 * sockets with peers and files in flight, shared namespaces and
 * cgroups, and servers (request/serve).
 */
static uint64_t rng;

static unsigned int rnd(unsigned int n)
{
	rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned int)(rng >> 33) % n;
}

static char *random_graph(uint64_t seed, size_t *lenp)
{
	static const char *const perms[] = { "rw-s", "rw-p", "r--p", "r-xs" };
	static const char *const caps[] = {
		"0000000000000000", "0000000000000020", "0000000000080000",
		"000001ffffffffff",
	};
	size_t cap = 1 << 20, len = 0;
	char *t = malloc(cap);
	unsigned int np = 8, nu = 4, ni = 6, p, k, i, nodes = 0,
		     edges = 0, credof[32];

#define G(...) (len += snprintf(t + len, cap - len, __VA_ARGS__))
#define GN(...) (nodes++, G("node " __VA_ARGS__))
#define GE(...) (edges++, G("edge " __VA_ARGS__))
	rng = seed;
	np += rnd(10);
	G("osmosis-graph 1.7 epoch=1 pid_ns=1 view=full\n");
	GN("kernel:0 pd name=kernel\n");
	for (k = 1; k <= 2; k++) {
		GN("thread:%u pd tid=%u tgid=%u comm=k%u kthread=1\n", k, k,
		   k, k);
		GE("thread:%u member kernel:0\n", k);
	}
	for (k = 1; k <= nu; k++) {
		unsigned int up = k > 1 ? 1 + rnd(k - 1) : 0;

		GN("user_ns:%u res inum=%u level=%u owner=%u\n", k, k,
		   up ? (up == 1 ? 1 : 2) : 0, 1000 + rnd(3));
		if (up)
			GE("user_ns:%u subset user_ns:%u\n", k, up);
	}
	GN("net_ns:1 res inum=1\n");
	GN("net_ns:2 res inum=2\n");
	GN("cgroup:1 res id=1\n");
	GN("fuse:0:40 res dev=0:40\n");
	for (k = 0; k < ni; k++) {
		GN("inode:8:1:%u res dev=8:1 ino=%u ftype=%s\n", k, k,
		   k % 3 ? "reg" : "sock");
		if (k == 1)
			GE("inode:8:1:%u request fuse:0:40\n", k);
	}
	GE("inode:8:1:0 peer inode:8:1:3\n");
	for (p = 10; p < 10 + np; p++) {
		unsigned int nt = 1 + rnd(3), ppid = rnd(4) ? 10 + rnd(np) :
						      rnd(2) ? 1 : 0;
		unsigned int cred = rnd(3) && p > 10 ?
				    credof[rnd(p - 10)] : p;
		unsigned int uid = 1000 + rnd(3);

		credof[p - 10] = cred;
		GN("process:%u pd pid=%u ppid=%u comm=p%u\n", p, p, ppid, p);
		GN("mm:%u res dumpable=%u\n", p, rnd(3));
		if (rnd(2))
			GE("mm:%u owner user_ns:%u\n", p, 1 + rnd(nu));
		if (cred == p)
			GN("cred:%u res uid=%u euid=%u suid=%u gid=%u egid=%u "
			   "sgid=%u cap_prm=%s cap_eff=%s userns=%u\n", p,
			   uid, rnd(4) ? uid : 1000 + rnd(3), uid, uid,
			   uid, rnd(4) ? uid : 2000, caps[rnd(4)],
			   caps[rnd(4)], 1 + rnd(nu));
		GN("files:%u res\n", p);
		for (k = 0; k < 2 + rnd(3); k++) {
			GN("vma:%u:%u res perm=%s\n", p, k, perms[rnd(4)]);
			GE("vma:%u:%u subset mm:%u\n", p, k, p);
			if (rnd(3))
				GE("vma:%u:%u map inode:8:1:%u\n", p, k,
				   rnd(ni));
		}
		for (k = 0; k < 1 + rnd(3); k++) {
			unsigned int m = rnd(2);

			GN("file:%u:%u res mode=%s\n", p, k, m ? "rw" : "r");
			GE("files:%u map file:%u:%u mode=%s\n", p, p, k,
			   m ? "rw" : "r");
			GE("file:%u:%u map inode:8:1:%u\n", p, k, rnd(ni));
			if (!rnd(6))
				GE("file:%u:%u serve fuse:0:40\n", p, k);
		}
		if (!rnd(4))
			GE("inode:8:1:3 inflight file:%u:0\n", p);
		for (i = 0; i < nt; i++) {
			unsigned int tid = i ? p * 100 + i : p;

			GN("thread:%u pd tid=%u tgid=%u tracer=%u\n", tid, tid,
			   p, rnd(5) ? 0 : 10 + rnd(np));
			GE("thread:%u member process:%u\n", tid, p);
			GE("thread:%u hold mm:%u mode=rw\n", tid, p);
			GE("thread:%u hold cred:%u mode=r\n", tid, cred);
			GE("thread:%u hold files:%u mode=%s\n", tid, p,
			   rnd(4) ? "rw" : "r");
			GE("thread:%u hold net_ns:%u mode=r\n", tid, 1 + rnd(2));
			if (rnd(2))
				GE("thread:%u hold cgroup:1 mode=rw\n", tid);
		}
	}
	G("end nodes=%u edges=%u\n", nodes, edges);
#undef G
#undef GN
#undef GE
	*lenp = len;
	return t;
}

/*
 * One querier through every PD at one granularity and mode, and again
 * switching granularity between queries: the answers of single shots.
 */
static void test_batch(const struct osm_graph *g, const char *name)
{
	struct osm_querier *q = osm_querier__new(g), *q2 = osm_querier__new(g);
	size_t nn = osm_graph__node_count(g), i;
	unsigned int gran, mode, imp;
	char one[sizeof(buf)];
	int bad = 0, n = 0;

	CHECK(q && q2);
	for (gran = 0; gran <= OSM_GRAN_KERNEL; gran++)
		for (mode = 0; mode <= OSM_MODE_WRITE; mode += OSM_MODE_WRITE)
			for (imp = 0; imp < 2; imp++)
				for (i = 0; i < nn; i++) {
					const char *id;

					if (!osm_node__is_pd(osm_graph__node(g, i)))
						continue;
					id = osm_node__id(osm_graph__node(g, i));
					snprintf(one, sizeof(one), "%s",
						 tcb(g, id, imp, gran, mode, NULL));
					bad += !!strcmp(tcb(g, id, imp, gran,
							    mode, q), one);
					/* q2 changes granularity each time. */
					snprintf(one, sizeof(one), "%s",
						 tcb(g, id, imp, (gran + i) % 3,
						     mode, NULL));
					bad += !!strcmp(tcb(g, id, imp,
							    (gran + i) % 3,
							    mode, q2), one);
					n++;
				}
	CHECK(bad == 0);
	printf("# %s: %d batch answers, %d differ from single queries\n",
	       name, n, bad);
	osm_querier__free(q);
	osm_querier__free(q2);
}

static void test_errors(const struct osm_graph *g, const struct osm_graph *e)
{
	struct osm_querier *qe = osm_querier__new(e);
	struct { struct osm_query_opts o; char extra[8]; } big;
	const struct osm_node *pd = N(g, "process:100");
	struct osm_tcb_entry *t;
	struct osm_sharing *s;
	struct osm_holder *h;
	struct osm_compare_type *c;

	CHECK(qe != NULL);
	/* The PD absent from the graph, or of another graph. */
	CHECK(osm_query__sharing(g, NULL, NULL, &s) == -EINVAL);
	CHECK(osm_query__tcb(g, N(g, "no:such"), NULL, &t) == -EINVAL);
	CHECK(osm_query__tcb(e, pd, NULL, &t) == -EINVAL && errno == EINVAL);
	CHECK(osm_query__compare(g, pd, NULL, NULL, &c) == -EINVAL);
	CHECK(osm_query__compare(g, pd, N(g, "net_ns:1"), NULL, &c) ==
	      -EINVAL);
	CHECK(osm_query__holders(g, NULL, NULL, &h) == -EINVAL);
	CHECK(osm_query__sharing(g, pd, NULL, NULL) == -EINVAL);
	{
		OSM_OPTS(osm_query_opts, o, .querier = qe);

		CHECK(osm_query__sharing(g, pd, &o, &s) == -EINVAL);
	}
	{
		OSM_OPTS(osm_query_opts, o, .granularity = 3);

		CHECK(osm_query__sharing(g, pd, &o, &s) == -EINVAL);
		o.granularity = 0;
		o.mode = 2;
		CHECK(osm_query__holders(g, N(g, "net_ns:1"), &o, &h) ==
		      -EINVAL);
	}
	{
		OSM_OPTS(osm_tcb_opts, o, .ptrace_scope = 4);

		CHECK(osm_query__impact(g, pd, &o, &t) == -EINVAL);
	}
	/* A newer caller's larger struct: fine while the tail is zero. */
	memset(&big, 0, sizeof(big));
	big.o.sz = sizeof(big);
	CHECK(osm_query__sharing(g, pd, &big.o, &s) == 3);
	osm_sharings__free(s, 3);
	big.extra[3] = 1;
	CHECK(osm_query__sharing(g, pd, &big.o, &s) == -EINVAL);
	CHECK(osm_querier__new(NULL) == NULL && errno == EINVAL);
	osm_querier__free(NULL);
	osm_querier__free(qe);
}

static struct osm_graph *load(const char *dir, const char *file)
{
	char path[4096];
	OSM_OPTS(osm_graph_opts, o, .path = path);
	struct osm_graph *g;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	g = osm_graph__load(&o);
	if (!g)
		printf("# cannot load %s: %s\n", path, strerror(errno));
	return g;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "tests";
	static const char *const fixtures[] = {
		"query.graph", "good.graph", "servers.graph",
		"control.graph", "empty.graph", "no-edges.graph",
	};
	struct osm_graph *g, *e;
	size_t i;

	printf("TAP version 13\n1..3\n");
	g = load(dir, "query.graph");
	e = load(dir, "empty.graph");
	if (!g || !e) {
		printf("Bail out! fixtures\n");
		return 1;
	}
	test_known(g);
	printf("%s 1 - known answers\n", failures ? "not ok" : "ok");
	for (i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		struct osm_graph *f = load(dir, fixtures[i]);

		CHECK(f != NULL);
		if (f)
			test_properties(f, fixtures[i]);
		osm_graph__free(f);
	}
	for (i = 1; i <= 12; i++) {
		char name[32], *text;
		size_t len;
		struct osm_graph *f;

		char err[256] = "";
		OSM_OPTS(osm_graph_opts, po, .errbuf = err,
			 .errbuf_sz = sizeof(err));

		text = random_graph(i, &len);
		f = osm_graph__parse_opts(text, len, &po);
		free(text);
		snprintf(name, sizeof(name), "random graph %zu", i);
		CHECK(f != NULL);
		if (!f) {
			printf("# %s: %s\n", name, err);
			continue;
		}
		test_properties(f, name);
		test_batch(f, name);
		osm_graph__free(f);
	}
	printf("%s 2 - properties\n", failures ? "not ok" : "ok");
	test_errors(g, e);
	printf("%s 3 - errors\n", failures ? "not ok" : "ok");
	osm_graph__free(g);
	osm_graph__free(e);
	printf("# %d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
