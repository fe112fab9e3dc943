// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Size-versioned query answers (library 0.3.0).  The answers are arrays
 * the caller indexes with its own sizeof, so a struct that grows would
 * break binaries built against an older osm.h.  The *_sz entry points
 * take the caller's element sizes (osm.h's macros pass them): a larger
 * library struct is cut to the caller's size, a smaller one padded with
 * zeros, entry by entry.
 *
 * The plain 0.1.0/0.2.0 functions keep the 0.2.0 layout for the binaries
 * that call them: the asserts below fail the build if a struct changes
 * under them (libosm-user/abi/README.md says what to do then).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "libosm_internal.h"

#define SHARE_MIN	SZ_0_2(struct osm_share, res)
#define SHRES_MIN	SZ_0_2(struct osm_shared_res, theirs)
#define SHARING_MIN	SZ_0_2(struct osm_sharing, res)
#define HOLDER_MIN	SZ_0_2(struct osm_holder, access)
#define HIT_MIN		SZ_0_2(struct osm_bfs_hit, depth)
#define CONTROL_MIN	SZ_0_2(struct osm_control, rules)
#define TCB_MIN		SZ_0_2(struct osm_tcb_entry, chan)
#define CMP_MIN		SZ_0_2(struct osm_compare_type, shared)

SAME_LAYOUT(struct osm_share, SHARE_MIN);
SAME_LAYOUT(struct osm_shared_res, SHRES_MIN);
SAME_LAYOUT(struct osm_sharing, SHARING_MIN);
SAME_LAYOUT(struct osm_holder, HOLDER_MIN);
SAME_LAYOUT(struct osm_bfs_hit, HIT_MIN);
SAME_LAYOUT(struct osm_control, CONTROL_MIN);
SAME_LAYOUT(struct osm_tcb_entry, TCB_MIN);
SAME_LAYOUT(struct osm_compare_type, CMP_MIN);

#define AT(v, i, sz)	((void *)((char *)(v) + (size_t)(i) * (sz)))

/*
 * Give *@v's @n elements of @have bytes the stride @sz: each keeps its
 * first min(@have, @sz) bytes, the rest is zero.  The old array is freed
 * on success and left alone on failure.
 */
static int restride(void *v, size_t n, size_t have, size_t sz)
{
	void **pv = v;
	size_t i, keep = have < sz ? have : sz;
	char *nv;

	if (!*pv || !n || have == sz)
		return 0;
	if (n > SIZE_MAX / sz)
		return -ENOMEM;
	nv = calloc(n, sz);
	if (!nv)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		memcpy(nv + i * sz, AT(*pv, i, have), keep);
	free(*pv);
	*pv = nv;
	return 0;
}

/* A pointer field of the @i-th element of a caller-strided array. */
#define FIELD(v, i, sz, TYPE, F) \
	(*(__typeof__(((TYPE *)0)->F) *)((char *)AT(v, i, sz) + offsetof(TYPE, F)))

static int restride_res(struct osm_shared_res **res, size_t n, size_t res_sz)
{
	return restride(res, n, sizeof(**res), res_sz);
}

int osm_query__shared_sz(const struct osm_graph *g, const struct osm_node *pd,
			 const struct osm_query_opts *opts,
			 struct osm_share **out, size_t sz)
{
	int n;

	if (!out || !SZ_OK(sz, struct osm_share, SHARE_MIN))
		return osm_err(-EINVAL);
	n = osm_query__shared(g, pd, opts, out);
	if (n > 0 && restride(out, n, sizeof(**out), sz)) {
		osm_shares__free(*out, n);
		*out = NULL;
		return osm_err(-ENOMEM);
	}
	return n;
}

int osm_query__servers_sz(const struct osm_graph *g, const struct osm_node *pd,
			  const struct osm_query_opts *opts,
			  struct osm_share **out, size_t sz)
{
	int n;

	if (!out || !SZ_OK(sz, struct osm_share, SHARE_MIN))
		return osm_err(-EINVAL);
	n = osm_query__servers(g, pd, opts, out);
	if (n > 0 && restride(out, n, sizeof(**out), sz)) {
		osm_shares__free(*out, n);
		*out = NULL;
		return osm_err(-ENOMEM);
	}
	return n;
}

void osm_shares__free_sz(struct osm_share *v, size_t n, size_t sz)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < n; i++)
		free(FIELD(v, i, sz, struct osm_share, res));
	free(v);
}

int osm_query__sharing_sz(const struct osm_graph *g, const struct osm_node *pd,
			  const struct osm_query_opts *opts,
			  struct osm_sharing **out, size_t sz, size_t res_sz)
{
	int n, i, err = 0;

	if (!out || !SZ_OK(sz, struct osm_sharing, SHARING_MIN) ||
	    !SZ_OK(res_sz, struct osm_shared_res, SHRES_MIN))
		return osm_err(-EINVAL);
	n = osm_query__sharing(g, pd, opts, out);
	for (i = 0; i < n && !err; i++)
		err = restride_res(&(*out)[i].res, (*out)[i].nres, res_sz);
	if (!err && n > 0)
		err = restride(out, n, sizeof(**out), sz);
	if (err) {
		osm_sharings__free(*out, n);
		*out = NULL;
		return osm_err(err);
	}
	return n;
}

void osm_sharings__free_sz(struct osm_sharing *v, size_t n, size_t sz)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < n; i++)
		free(FIELD(v, i, sz, struct osm_sharing, res));
	free(v);
}

int osm_query__holders_sz(const struct osm_graph *g, const struct osm_node *res,
			  const struct osm_query_opts *opts,
			  struct osm_holder **out, size_t sz)
{
	int n;

	if (!out || !SZ_OK(sz, struct osm_holder, HOLDER_MIN))
		return osm_err(-EINVAL);
	n = osm_query__holders(g, res, opts, out);
	if (n > 0 && restride(out, n, sizeof(**out), sz)) {
		free(*out);
		*out = NULL;
		return osm_err(-ENOMEM);
	}
	return n;
}

int osm_query__bfs_sz(const struct osm_graph *g, const struct osm_node *start,
		      const struct osm_bfs_opts *opts,
		      struct osm_bfs_hit **out, size_t sz)
{
	int n;

	if (!out || !SZ_OK(sz, struct osm_bfs_hit, HIT_MIN))
		return osm_err(-EINVAL);
	n = osm_query__bfs(g, start, opts, out);
	if (n > 0 && restride(out, n, sizeof(**out), sz)) {
		free(*out);
		*out = NULL;
		return osm_err(-ENOMEM);
	}
	return n;
}

static int control_sz(int n, struct osm_control **out, size_t sz)
{
	if (n > 0 && restride(out, n, sizeof(**out), sz)) {
		free(*out);
		*out = NULL;
		return osm_err(-ENOMEM);
	}
	return n;
}

int osm_query__can_control_sz(const struct osm_graph *g,
			      const struct osm_node *pd,
			      const struct osm_control_opts *opts,
			      struct osm_control **out, size_t sz)
{
	if (!out || !SZ_OK(sz, struct osm_control, CONTROL_MIN))
		return osm_err(-EINVAL);
	return control_sz(osm_query__can_control(g, pd, opts, out), out, sz);
}

int osm_query__controls_sz(const struct osm_graph *g, const struct osm_node *pd,
			   const struct osm_control_opts *opts,
			   struct osm_control **out, size_t sz)
{
	if (!out || !SZ_OK(sz, struct osm_control, CONTROL_MIN))
		return osm_err(-EINVAL);
	return control_sz(osm_query__controls(g, pd, opts, out), out, sz);
}

static int tcb_sz(int n, struct osm_tcb_entry **out, size_t sz, size_t res_sz)
{
	int i, err = 0;

	for (i = 0; i < n && !err; i++)
		err = restride_res(&(*out)[i].res, (*out)[i].nres, res_sz);
	if (!err && n > 0)
		err = restride(out, n, sizeof(**out), sz);
	if (err) {
		osm_tcb__free(*out, n);
		*out = NULL;
		return osm_err(err);
	}
	return n;
}

#define TCB_SZ_OK(sz, res_sz)						\
	(SZ_OK(sz, struct osm_tcb_entry, TCB_MIN) &&			\
	 SZ_OK(res_sz, struct osm_shared_res, SHRES_MIN))

int osm_query__tcb_sz(const struct osm_graph *g, const struct osm_node *pd,
		      const struct osm_tcb_opts *opts,
		      struct osm_tcb_entry **out, size_t sz, size_t res_sz)
{
	if (!out || !TCB_SZ_OK(sz, res_sz))
		return osm_err(-EINVAL);
	return tcb_sz(osm_query__tcb(g, pd, opts, out), out, sz, res_sz);
}

int osm_query__impact_sz(const struct osm_graph *g, const struct osm_node *pd,
			 const struct osm_tcb_opts *opts,
			 struct osm_tcb_entry **out, size_t sz, size_t res_sz)
{
	if (!out || !TCB_SZ_OK(sz, res_sz))
		return osm_err(-EINVAL);
	return tcb_sz(osm_query__impact(g, pd, opts, out), out, sz, res_sz);
}

void osm_tcb__free_sz(struct osm_tcb_entry *v, size_t n, size_t sz)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < n; i++) {
		free(FIELD(v, i, sz, struct osm_tcb_entry, res));
		free(FIELD(v, i, sz, struct osm_tcb_entry, chan));
	}
	free(v);
}

int osm_query__compare_sz(const struct osm_graph *g, const struct osm_node *a,
			  const struct osm_node *b,
			  const struct osm_query_opts *opts,
			  struct osm_compare_type **out, size_t sz,
			  size_t res_sz)
{
	int n, i, err = 0;

	if (!out || !SZ_OK(sz, struct osm_compare_type, CMP_MIN) ||
	    !SZ_OK(res_sz, struct osm_shared_res, SHRES_MIN))
		return osm_err(-EINVAL);
	n = osm_query__compare(g, a, b, opts, out);
	for (i = 0; i < n && !err; i++)
		err = restride_res(&(*out)[i].shared, (*out)[i].nshared,
				   res_sz);
	if (!err && n > 0)
		err = restride(out, n, sizeof(**out), sz);
	if (err) {
		osm_compare__free(*out, n);
		*out = NULL;
		return osm_err(err);
	}
	return n;
}

void osm_compare__free_sz(struct osm_compare_type *v, size_t n, size_t sz)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < n; i++)
		free(FIELD(v, i, sz, struct osm_compare_type, shared));
	free(v);
}

