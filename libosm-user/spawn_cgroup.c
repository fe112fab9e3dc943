// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * CPU limits of a new cgroup (uapi/spawn.md, api 1.4): cpu.max, and
 * cpuset.cpus and cpuset.mems (a PIR's own CPUs and NUMA nodes).  The
 * controllers are enabled in the parent's cgroup.subtree_control when a
 * limit needs them, each limit is written and read back, and the cpuset
 * goes to the module as bitmaps, which it checks the child against.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libosm_internal.h"
#include "spawn_internal.h"

/*
 * Parse a cgroup list ("0-3,6", "" is empty) into @bits (@words words,
 * cleared first).  The bytes the highest set bit needs (whole words),
 * 0 for an empty list, or -EINVAL.
 */
static int osm_parse_list(const char *s, unsigned long long *bits,
			  unsigned int words)
{
	unsigned long a, b, i, top = 0;
	char *end;

	memset(bits, 0, words * sizeof(*bits));
	while (*s && *s != '\n') {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		a = strtoul(s, &end, 10);
		b = a;
		if (*end == '-') {
			if (end[1] < '0' || end[1] > '9')
				return -EINVAL;
			b = strtoul(end + 1, &end, 10);
		}
		if (b < a || b >= words * 64UL)
			return -EINVAL;
		for (i = a; i <= b; i++)
			bits[i / 64] |= 1ULL << (i % 64);
		if (b + 1 > top)
			top = b + 1;
		if (*end == ',')
			end++;
		else if (*end && *end != '\n')
			return -EINVAL;
		s = end;
	}
	return (top + 63) / 64 * 8;
}

/* Check the options and fill in the request's cpu fields.  0 or -errno. */
int osm_cg_cpu_check(struct osm_spawn_ctx *c)
{
	int n;

	if (c->o.mode[OSM_SPAWN_R_CGROUP] != OSM_SPAWN_NEW) {
		if (c->o.cpu_max_quota || c->o.cpu_max_period ||
		    c->o.cpuset_cpus || c->o.cpuset_mems)
			return -EINVAL;	/* limits are for a new cgroup */
		return 0;
	}
	if (c->o.cpu_max_period && !c->o.cpu_max_quota)
		return -EINVAL;		/* a period without a quota */
	c->req.cpu_max_quota = c->o.cpu_max_quota;
	c->req.cpu_max_period = c->o.cpu_max_period;
	if (c->o.cpuset_cpus) {
		n = osm_parse_list(c->o.cpuset_cpus, c->cpus,
				   OSM_SPAWN_CPU_WORDS);
		if (n <= 0)
			return -EINVAL;
		c->req.cpus = (uintptr_t)c->cpus;
		c->req.cpus_size = n;
	}
	if (c->o.cpuset_mems) {
		n = osm_parse_list(c->o.cpuset_mems, c->mems,
				   OSM_SPAWN_NODE_WORDS);
		if (n <= 0)
			return -EINVAL;
		c->req.mems = (uintptr_t)c->mems;
		c->req.mems_size = n;
	}
	return 0;
}

/* Enable cpu and cpuset for the children of @parentfd as needed. */
int osm_cg_cpu_enable(struct osm_spawn_ctx *c, int parentfd)
{
	int err = 0;

	if (c->o.cpu_max_quota)
		err = osm_cg_enable(parentfd, "cpu");
	if (!err && (c->o.cpuset_cpus || c->o.cpuset_mems))
		err = osm_cg_enable(parentfd, "cpuset");
	return err;
}

/* Write a cpuset list, read it back: the same set, or -EIO. */
static int osm_cg_set(int cgfd, const char *name, const char *list,
		      const unsigned long long *want, unsigned int words)
{
	unsigned long long got[OSM_SPAWN_CPU_WORDS];
	char back[4096];
	int err;

	err = osm_cg_write(cgfd, name, list);
	if (!err)
		err = osm_cg_read(cgfd, name, back, sizeof(back));
	if (err)
		return err;
	if (osm_parse_list(back, got, words) < 0 ||
	    memcmp(got, want, words * sizeof(*got)))
		return -EIO;
	return 0;
}

/* The new cgroup's cpu.max and cpuset, written and read back. */
int osm_cg_cpu_limits(struct osm_spawn_ctx *c)
{
	unsigned long long quota, period;
	char buf[64], back[64];
	int err;

	if (c->o.cpuset_mems) {
		err = osm_cg_set(c->cgfd, "cpuset.mems", c->o.cpuset_mems,
				 c->mems, OSM_SPAWN_NODE_WORDS);
		if (err)
			return err;
	}
	if (c->o.cpuset_cpus) {
		err = osm_cg_set(c->cgfd, "cpuset.cpus", c->o.cpuset_cpus,
				 c->cpus, OSM_SPAWN_CPU_WORDS);
		if (err)
			return err;
	}
	if (!c->o.cpu_max_quota)
		return 0;
	if (c->o.cpu_max_period)
		snprintf(buf, sizeof(buf), "%llu %llu", c->o.cpu_max_quota,
			 c->o.cpu_max_period);
	else
		snprintf(buf, sizeof(buf), "%llu", c->o.cpu_max_quota);
	err = osm_cg_write(c->cgfd, "cpu.max", buf);
	if (!err)
		err = osm_cg_read(c->cgfd, "cpu.max", back, sizeof(back));
	if (err)
		return err;
	if (sscanf(back, "%llu %llu", &quota, &period) != 2 ||
	    quota != c->o.cpu_max_quota ||
	    (c->o.cpu_max_period && period != c->o.cpu_max_period))
		return -EIO;
	return 0;
}
