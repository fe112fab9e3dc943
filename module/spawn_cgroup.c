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
 * The bandwidth of a task group is private to the scheduler, so cpu.max
 * is verified through its public face, the cgroup's cpu.max file: PREPARE
 * keeps the cgroup's directory (the one of cgroup_fd), COMMIT reads the
 * file there (file_open_root(), kernel_read()) and compares it with what
 * was declared.  memory.max and pids.max are read the same way (api
 * 1.6): the memcg and pids counters are private too.
 */
#include <linux/bitmap.h>
#include <linux/cpumask.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kstrtox.h>
#include <linux/magic.h>
#include <linux/namei.h>
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

/*
 * Keep the directory of the cgroup @fd, which osm_spawn_plan() found to
 * be the cgroup spec->cgroup_id: a cgroup's id is its directory's inode
 * number, so a descriptor swapped in between is caught here.
 */
static int osm_spawn_get_cgdir(int fd, struct osm_spawn_spec *spec)
{
	struct file *f = fget(fd);
	struct inode *inode;
	int err = 0;

	if (!f)
		return -EBADF;
	inode = file_inode(f);
	if (inode->i_sb->s_magic != CGROUP2_SUPER_MAGIC ||
	    !S_ISDIR(inode->i_mode) || inode->i_ino != spec->cgroup_id)
		err = -EBADF;
	if (!err) {
		spec->cgdir = f->f_path;
		path_get(&spec->cgdir);
		spec->has_cgdir = true;
	}
	fput(f);
	return err;
}

/*
 * Read the file @name of the kept cgroup into @buf (NUL-terminated,
 * trailing white space cut): what any reader of the file sees.
 * 0, -ENOENT when the cgroup has no such file (its controller is off),
 * or another -errno.
 */
static int osm_spawn_cg_read(const struct osm_spawn_spec *spec,
			     const char *name, char *buf, size_t len)
{
	struct file *f;
	loff_t pos = 0;
	ssize_t n;

	f = file_open_root(&spec->cgdir, name, O_RDONLY, 0);
	if (IS_ERR(f))
		return PTR_ERR(f);
	n = kernel_read(f, buf, len - 1, &pos);
	fput(f);
	if (n < 0)
		return n;
	buf[n] = '\0';
	strim(buf);
	return 0;
}

/*
 * Does the cpu.max file of the kept cgroup read as declared?  Quota 0
 * was declared as "max"; period 0 means any period (the default).
 */
static bool osm_spawn_verify_cpu_max(const struct osm_spawn_spec *spec)
{
	unsigned long long quota, period;
	char buf[64], *sp;

	if (!spec->cpu_max_quota && !spec->cpu_max_period)
		return true;
	if (osm_spawn_cg_read(spec, "cpu.max", buf, sizeof(buf)))
		return false;	/* no cpu controller there */
	sp = strchr(buf, ' ');
	if (!sp)
		return false;
	*sp++ = '\0';
	if (kstrtoull(sp, 10, &period) ||
	    (spec->cpu_max_period && period != spec->cpu_max_period))
		return false;
	if (!spec->cpu_max_quota)
		return !strcmp(buf, "max");
	return !kstrtoull(buf, 10, &quota) && quota == spec->cpu_max_quota;
}

/*
 * Does the limit file @name (memory.max, pids.max) read @want if
 * @declared, else "max"?  A declared limit needs the file; "max" is also
 * met by a cgroup without the controller, which sets no limit of its own.
 */
static bool osm_spawn_verify_max(const struct osm_spawn_spec *spec,
				 const char *name, bool declared, u64 want)
{
	unsigned long long got;
	char buf[32];
	int err;

	err = osm_spawn_cg_read(spec, name, buf, sizeof(buf));
	if (err)
		return err == -ENOENT && !declared;
	if (!declared)
		return !strcmp(buf, "max");
	return !kstrtoull(buf, 10, &got) && got == want;
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
	/* COMMIT reads its cpu.max, memory.max and pids.max (api 1.6). */
	err = osm_spawn_get_cgdir(req->cgroup_fd, spec);
	if (err)
		return err;

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
 * nodes within the cpuset @spec asks for, and do its cgroup's cpu.max,
 * memory.max and pids.max read as declared?
 * @spec: what was asked.
 *
 * Context: process context, may sleep; current is the committing child.
 * Return: true if they are (or no cpuset or cpu.max was asked).
 */
bool osm_spawn_verify_limits(const struct osm_spawn_spec *spec)
{
	if (spec->has_cgdir &&
	    (!osm_spawn_verify_cpu_max(spec) ||
	     /* The kernel keeps memory.max in pages. */
	     !osm_spawn_verify_max(spec, "memory.max", spec->memory_max,
				   spec->memory_max & PAGE_MASK) ||
	     !osm_spawn_verify_max(spec, "pids.max", spec->pids_max,
				   spec->pids_max)))
		return false;
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
	if (spec->has_cgdir)
		path_put(&spec->cgdir);
	spec->has_cgdir = false;
}
