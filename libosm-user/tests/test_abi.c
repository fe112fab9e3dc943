// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * The *_sz entry points (library 0.3.0) with element sizes other than
 * this header's: a caller built against a newer osm.h, whose structs are
 * larger, gets the same answers at its stride with the unknown tail
 * zeroed; a size below the 0.2.0 struct, or misaligned, is -EINVAL.
 * (A caller built against the 0.2.0 osm.h is tests/abi_compat.sh.)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osm.h"
#include "check.h"

#define PAD	24	/* bytes a "newer" caller's structs have more */

/* A newer caller's entries: ours followed by fields we do not know. */
#define BIG(NAME)	struct big_##NAME { struct osm_##NAME e; \
				unsigned char tail[PAD]; }
BIG(shared_res);
BIG(share);
BIG(sharing);
BIG(tcb_entry);
BIG(control);
BIG(holder);
BIG(bfs_hit);
BIG(compare_type);
BIG(spawned);

static bool zero(const unsigned char *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

/* Fill a tail with garbage first, so zeroing it is seen. */
static bool same_res(const struct osm_shared_res *a,
		     const struct big_shared_res *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (a[i].res != b[i].e.res || a[i].mine != b[i].e.mine ||
		    a[i].theirs != b[i].e.theirs ||
		    !zero(b[i].tail, PAD))
			return false;
	return true;
}

static void test_pd(const struct osm_graph *g, const struct osm_node *pd)
{
	const size_t rsz = sizeof(struct big_shared_res);
	struct big_share *bs;
	struct big_sharing *bg;
	struct big_tcb_entry *bt;
	struct big_control *bc;
	struct osm_sharing *sg;
	struct osm_share *sh;
	struct osm_tcb_entry *t;
	struct osm_control *c;
	int n, m, i;

	n = osm_query__shared(g, pd, NULL, &sh);
	m = osm_query__shared_sz(g, pd, NULL, (struct osm_share **)&bs,
				 sizeof(*bs));
	CHECK(n >= 0 && m == n);
	for (i = 0; i < n && i < m; i++) {
		CHECK(bs[i].e.pd == sh[i].pd && bs[i].e.nres == sh[i].nres);
		CHECK(!memcmp(bs[i].e.res, sh[i].res,
			      sh[i].nres * sizeof(*sh[i].res)));
		CHECK(zero(bs[i].tail, PAD));
	}
	osm_shares__free(sh, n > 0 ? n : 0);
	osm_shares__free_sz((struct osm_share *)bs, m > 0 ? m : 0,
			    sizeof(*bs));

	n = osm_query__sharing(g, pd, NULL, &sg);
	m = osm_query__sharing_sz(g, pd, NULL, (struct osm_sharing **)&bg,
				  sizeof(*bg), rsz);
	CHECK(n >= 0 && m == n);
	for (i = 0; i < n && i < m; i++) {
		CHECK(bg[i].e.pd == sg[i].pd && bg[i].e.nres == sg[i].nres);
		CHECK(same_res(sg[i].res, (void *)bg[i].e.res, sg[i].nres));
		CHECK(zero(bg[i].tail, PAD));
	}
	osm_sharings__free(sg, n > 0 ? n : 0);
	osm_sharings__free_sz((struct osm_sharing *)bg, m > 0 ? m : 0,
			      sizeof(*bg));

	n = osm_query__tcb(g, pd, NULL, &t);
	m = osm_query__tcb_sz(g, pd, NULL, (struct osm_tcb_entry **)&bt,
			      sizeof(*bt), rsz);
	CHECK(n >= 0 && m == n);
	for (i = 0; i < n && i < m; i++) {
		CHECK(bt[i].e.pd == t[i].pd && bt[i].e.why == t[i].why &&
		      bt[i].e.rules == t[i].rules &&
		      bt[i].e.nres == t[i].nres &&
		      bt[i].e.nchan == t[i].nchan);
		CHECK(same_res(t[i].res, (void *)bt[i].e.res, t[i].nres));
		CHECK(!t[i].nchan || !memcmp(bt[i].e.chan, t[i].chan,
					     t[i].nchan * sizeof(*t[i].chan)));
		CHECK(zero(bt[i].tail, PAD));
	}
	osm_tcb__free(t, n > 0 ? n : 0);
	osm_tcb__free_sz((struct osm_tcb_entry *)bt, m > 0 ? m : 0,
			 sizeof(*bt));

	n = osm_query__can_control(g, pd, NULL, &c);
	m = osm_query__can_control_sz(g, pd, NULL, (struct osm_control **)&bc,
				      sizeof(*bc));
	CHECK(n >= 0 && m == n);
	for (i = 0; i < n && i < m; i++)
		CHECK(bc[i].e.pd == c[i].pd && bc[i].e.rules == c[i].rules &&
		      zero(bc[i].tail, PAD));
	free(c);
	free(bc);
}

static void test_res(const struct osm_graph *g, const struct osm_node *res)
{
	struct big_holder *bh;
	struct big_bfs_hit *bb;
	struct osm_holder *h;
	struct osm_bfs_hit *b;
	int n, m, i;

	n = osm_query__holders(g, res, NULL, &h);
	m = osm_query__holders_sz(g, res, NULL, (struct osm_holder **)&bh,
				  sizeof(*bh));
	CHECK(n >= 0 && m == n);
	for (i = 0; i < n && i < m; i++)
		CHECK(bh[i].e.pd == h[i].pd && bh[i].e.access == h[i].access &&
		      zero(bh[i].tail, PAD));
	free(h);
	free(bh);

	n = osm_query__bfs(g, res, NULL, &b);
	m = osm_query__bfs_sz(g, res, NULL, (struct osm_bfs_hit **)&bb,
			      sizeof(*bb));
	CHECK(n > 0 && m == n);
	for (i = 0; i < n && i < m; i++)
		CHECK(bb[i].e.node == b[i].node && bb[i].e.via == b[i].via &&
		      bb[i].e.depth == b[i].depth && zero(bb[i].tail, PAD));
	free(b);
	free(bb);
}

static void test_compare(const struct osm_graph *g, const struct osm_node *a,
			 const struct osm_node *b)
{
	struct big_compare_type *bv;
	struct osm_compare_type *v;
	int n, m, i;

	n = osm_query__compare(g, a, b, NULL, &v);
	m = osm_query__compare_sz(g, a, b, NULL,
				  (struct osm_compare_type **)&bv,
				  sizeof(*bv),
				  sizeof(struct big_shared_res));
	CHECK(n >= 0 && m == n);
	for (i = 0; i < n && i < m; i++) {
		CHECK(!strcmp(bv[i].e.type, v[i].type) &&
		      bv[i].e.na == v[i].na && bv[i].e.nb == v[i].nb &&
		      bv[i].e.nshared == v[i].nshared &&
		      zero(bv[i].tail, PAD));
		CHECK(same_res(v[i].shared, (void *)bv[i].e.shared,
			       v[i].nshared));
	}
	osm_compare__free(v, n > 0 ? n : 0);
	osm_compare__free_sz((struct osm_compare_type *)bv, m > 0 ? m : 0,
			     sizeof(*bv));
}

/* Below the 0.2.0 size, or a stride that misaligns pointers: -EINVAL. */
static void test_bad_sizes(const struct osm_graph *g,
			   const struct osm_node *pd)
{
	const size_t rsz = sizeof(struct osm_shared_res);
	struct osm_tcb_entry *t = (void *)1;
	struct osm_share *sh = (void *)1;
	struct osm_spawned sp;

	CHECK(osm_query__shared_sz(g, pd, NULL, &sh,
				   sizeof(*sh) - sizeof(void *)) == -EINVAL &&
	      errno == EINVAL);
	CHECK(osm_query__shared_sz(g, pd, NULL, &sh, sizeof(*sh) + 1) ==
	      -EINVAL);
	CHECK(osm_query__shared_sz(g, pd, NULL, &sh, 0) == -EINVAL);
	CHECK(osm_query__tcb_sz(g, pd, NULL, &t, sizeof(*t), rsz - 8) ==
	      -EINVAL);
	CHECK(osm_query__tcb_sz(g, pd, NULL, &t, sizeof(*t), rsz + 4) ==
	      -EINVAL);
	CHECK(osm_query__tcb_sz(g, pd, NULL, NULL, sizeof(*t), rsz) ==
	      -EINVAL);
	CHECK(osm_spawn_sz(NULL, &sp, sizeof(sp) - 8) == -EINVAL);
	CHECK(osm_spawn_wait_sz(&sp, NULL, 4) == -EINVAL);
	CHECK(osm_spawn_wait_sz(NULL, NULL, sizeof(sp)) == -EINVAL);
	/* The free functions take NULL at any stride. */
	osm_shares__free_sz(NULL, 3, 1);
	osm_tcb__free_sz(NULL, 3, 1);
}

/*
 * osm_spawn_sz() with a newer caller's larger struct: the same result as
 * osm_spawn() and the tail zeroed (without a device both fail the same
 * way; with one, the VM's spawn_test runs the sizes osm.h passes).
 */
static void test_spawn_big(void)
{
	char *argv[] = { "true", NULL };
	OSM_OPTS(osm_spawn_opts, o, .argv = argv, .stack_size = 1);
	struct big_spawned big;
	struct osm_spawned sp;
	int a, b;

	memset(&big, 0x5a, sizeof(big));
	a = osm_spawn(&o, &sp);
	b = osm_spawn_sz(&o, &big.e, sizeof(big));
	CHECK(a == -EINVAL && b == a);
	CHECK(zero(big.tail, PAD));
}

int main(int argc, char **argv)
{
	static const char *const files[] = {
		"query.graph", "control.graph", "servers.graph", "good.graph",
	};
	const char *dir = argc > 1 ? argv[1] : "tests";
	char path[4096];
	size_t f, i;

	printf("TAP version 13\n");
	for (f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		OSM_OPTS(osm_graph_opts, go, .path = path);
		const struct osm_node *prev = NULL;
		struct osm_graph *g;

		snprintf(path, sizeof(path), "%s/%s", dir, files[f]);
		g = osm_graph__load(&go);
		CHECK(g);
		if (!g)
			continue;
		for (i = 0; i < osm_graph__node_count(g); i++) {
			const struct osm_node *x = osm_graph__node(g, i);

			if (!osm_node__is_pd(x)) {
				test_res(g, x);
				continue;
			}
			test_pd(g, x);
			if (prev)
				test_compare(g, prev, x);
			else
				test_bad_sizes(g, x);
			prev = x;
		}
		osm_graph__free(g);
	}
	test_spawn_big();
	printf("%sok 1 - *_sz entry points at a newer caller's stride (%d checks)\n",
	       failures ? "not " : "", checks);
	printf("1..1\n");
	return failures ? 1 : 0;
}
