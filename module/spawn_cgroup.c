// SPDX-License-Identifier: GPL-2.0-only
/*
 * CPU limits of a new cgroup for PD creation (api 1.4): the cpu.max,
 * cpuset.cpus and cpuset.mems the caller wrote to the cgroup it made,
 * checked at PREPARE and, for the cpuset, verified on the child at
 * COMMIT: its allowed CPUs and memory nodes (task_struct's cpus_ptr and
 * mems_allowed, what /proc/PID/status prints as Cpus_allowed_list and
 * Mems_allowed_list) must be within the sets asked for.
 *
 * The module does not write cgroup files: the caller makes the cgroup
 * under a subtree delegated to it, as for memory.max and pids.max.
 * cpu.max is recorded as declared; the bandwidth of a task group is
 * private to the scheduler.
 */
#include <linux/bitmap.h>
#include <linux/cpumask.h>
#include <linux/nodemask.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "osmosis.h"

#define OSM_CPU_PERIOD_MIN	1000ULL		/* us, as cpu.max */
#define OSM_CPU_PERIOD_MAX	1000000ULL
#define OSM_CPU_QUOTA_MIN	1000ULL
#define OSM_CPU_QUOTA_MAX	BIT_ULL(44)
#define OSM_MASK_SIZE_MAX	4096

/*
 * Copy a user bitmap of __u64 words into @dst (@nbits bits, cleared
 * first).  A bit at or above @nbits is -EINVAL: no such CPU or node.
 */
static int osm_spawn_get_mask(u64 uptr, u32 size, unsigned long *dst,
			      unsigned int nbits)
{
	unsigned long *buf;
	int err = 0;

	if (!uptr || !size || size % sizeof(u64) || size > OSM_MASK_SIZE_MAX)
		return -EINVAL;
	buf = memdup_user(u64_to_user_ptr(uptr), size);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	bitmap_zero(dst, nbits);
	if (find_next_bit(buf, size * BITS_PER_BYTE, nbits) <
	    size * BITS_PER_BYTE)
		err = -EINVAL;
	else
		bitmap_from_arr64(dst, (u64 *)buf,
				  min_t(unsigned int, nbits,
					size * BITS_PER_BYTE));
	kfree(buf);
	return err;
}

/**
 * osm_spawn_plan_limits() - check the cpu.max and cpuset of a request.
 * @req: the request, modes resolved.
 * @spec: gets the limits; its cpumask is allocated here (freed by
 *	osm_spawn_spec_free(), also on failure).
 *
 * Context: process context, may sleep.
 * Return: 0, -EINVAL, -EFAULT or -ENOMEM.
 */
int osm_spawn_plan_limits(const struct osm_spawn_req *req,
			  struct osm_spawn_spec *spec)
{
	bool has_any = req->cpu_max_quota || req->cpu_max_period ||
		       req->cpus || req->cpus_size || req->mems ||
		       req->mems_size;
	int err;

	if (req->mode[OSM_SPAWN_R_CGROUP] != OSM_SPAWN_NEW)
		return has_any ? -EINVAL : 0;
	if ((req->cpu_max_quota && (req->cpu_max_quota < OSM_CPU_QUOTA_MIN ||
				    req->cpu_max_quota > OSM_CPU_QUOTA_MAX)) ||
	    (req->cpu_max_period &&
	     (req->cpu_max_period < OSM_CPU_PERIOD_MIN ||
	      req->cpu_max_period > OSM_CPU_PERIOD_MAX)))
		return -EINVAL;
	spec->cpu_max_quota = req->cpu_max_quota;
	spec->cpu_max_period = req->cpu_max_period;

	if (req->cpus || req->cpus_size) {
		if (!zalloc_cpumask_var(&spec->cpus, GFP_KERNEL_ACCOUNT))
			return -ENOMEM;
		spec->has_cpus = true;
		err = osm_spawn_get_mask(req->cpus, req->cpus_size,
					 cpumask_bits(spec->cpus), nr_cpu_ids);
		if (err)
			return err;
		if (!cpumask_subset(spec->cpus, cpu_online_mask) ||
		    cpumask_empty(spec->cpus))
			return -EINVAL;
	}
	if (req->mems || req->mems_size) {
		err = osm_spawn_get_mask(req->mems, req->mems_size,
					 spec->mems.bits, nr_node_ids);
		if (err)
			return err;
		if (!nodes_subset(spec->mems, node_states[N_MEMORY]) ||
		    nodes_empty(spec->mems))
			return -EINVAL;
		spec->has_mems = true;
	}
	return 0;
}

/**
 * osm_spawn_verify_limits() - are current's allowed CPUs and memory
 * nodes within the cpuset @spec asks for?
 * @spec: what was asked.
 *
 * Context: process context, current is the committing child.
 * Return: true if they are (or no cpuset was asked).
 */
bool osm_spawn_verify_limits(const struct osm_spawn_spec *spec)
{
	if (spec->has_cpus && !cpumask_subset(current->cpus_ptr, spec->cpus))
		return false;
#ifdef CONFIG_CPUSETS
	if (spec->has_mems && !nodes_subset(current->mems_allowed, spec->mems))
		return false;
#endif
	return true;
}

/**
 * osm_spawn_spec_free() - free what a spec holds (its cpumask here, its
 * root and files in spawn_fs.c).
 * @spec: a spec zeroed, then filled in by osm_spawn_plan().
 */
void osm_spawn_spec_free(struct osm_spawn_spec *spec)
{
	osm_spawn_fs_free(spec);
	if (spec->has_cpus)
		free_cpumask_var(spec->cpus);
	spec->has_cpus = false;
}
