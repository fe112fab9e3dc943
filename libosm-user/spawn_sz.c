// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Size-versioned struct osm_spawned (library 0.3.0): the struct is the
 * caller's, so osm_spawn_sz() and friends take its sizeof and work on a
 * full copy.  The plain osm_spawn(), osm_spawn_fn() and osm_spawn_wait()
 * keep the 0.2.0 layout for the binaries that call them.
 */
#include <string.h>

#include "libosm_internal.h"

#define SPAWNED_MIN	SZ_0_2(struct osm_spawned, stack_pkey)
SAME_LAYOUT(struct osm_spawned, SPAWNED_MIN);

/* A full copy of the caller's struct, and the part of it handed back. */
static void spawned_in(struct osm_spawned *full, const void *pd, size_t sz)
{
	memset(full, 0, sizeof(*full));
	memcpy(full, pd, sz < sizeof(*full) ? sz : sizeof(*full));
}

static void spawned_out(void *pd, size_t sz, const struct osm_spawned *full)
{
	size_t keep = sz < sizeof(*full) ? sz : sizeof(*full);

	memcpy(pd, full, keep);
	memset((char *)pd + keep, 0, sz - keep);
}

#define SPAWNED_OK(pd, sz) \
	((pd) && SZ_OK(sz, struct osm_spawned, SPAWNED_MIN))

int osm_spawn_sz(const struct osm_spawn_opts *opts, struct osm_spawned *pd,
		 size_t sz)
{
	struct osm_spawned full;
	int ret;

	if (!SPAWNED_OK(pd, sz))
		return osm_err(-EINVAL);
	if (sz == sizeof(full))
		return osm_spawn(opts, pd);
	spawned_in(&full, pd, sz);
	ret = osm_spawn(opts, &full);
	spawned_out(pd, sz, &full);
	return ret;
}

int osm_spawn_fn_sz(const struct osm_spawn_opts *opts, int (*fn)(void *arg),
		    void *arg, struct osm_spawned *pd, size_t sz)
{
	struct osm_spawned full;
	int ret;

	if (!SPAWNED_OK(pd, sz))
		return osm_err(-EINVAL);
	if (sz == sizeof(full))
		return osm_spawn_fn(opts, fn, arg, pd);
	spawned_in(&full, pd, sz);
	ret = osm_spawn_fn(opts, fn, arg, &full);
	spawned_out(pd, sz, &full);
	return ret;
}

int osm_spawn_wait_sz(struct osm_spawned *pd, int *wstatus, size_t sz)
{
	struct osm_spawned full;
	int ret;

	if (!SPAWNED_OK(pd, sz))
		return osm_err(-EINVAL);
	if (sz == sizeof(full))
		return osm_spawn_wait(pd, wstatus);
	spawned_in(&full, pd, sz);
	ret = osm_spawn_wait(&full, wstatus);
	spawned_out(pd, sz, &full);
	return ret;
}
