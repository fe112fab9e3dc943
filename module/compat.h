/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Differences between the kernels this module supports (6.1 to 6.12),
 * in one place.  The OSM_HAVE_* macros come from feature probes in Kbuild
 * that look for the API in the target's headers, so a distribution that
 * backports one is handled too.
 */
#ifndef _OSMOSIS_COMPAT_H
#define _OSMOSIS_COMPAT_H

#include <linux/capability.h>
#include <linux/fdtable.h>
#include <linux/fs.h>
#include <linux/rcupdate.h>

/*
 * The inode and path a user sees for a file: overlayfs mappings carry a
 * backing file since 6.8, and /proc/PID/maps shows the user's side.
 */
#ifdef OSM_HAVE_FILE_USER_INODE
#define osm_file_user_inode(f)	file_user_inode(f)
#define osm_file_user_path(f)	file_user_path(f)
#else
#define osm_file_user_inode(f)	((const struct inode *)file_inode(f))
#define osm_file_user_path(f)	((const struct path *)&(f)->f_path)
#endif

/*
 * A capability set as the 64-bit number /proc/PID/status prints: two
 * 32-bit words before 6.3, one u64 since.
 */
static inline unsigned long long osm_cap_u64(kernel_cap_t c)
{
#ifdef OSM_HAVE_CAP_U64
	return c.val;
#else
	return (unsigned long long)c.cap[1] << 32 | c.cap[0];
#endif
}

/**
 * osm_next_file() - the open file at the lowest descriptor >= *@fd.
 * @task: the task whose descriptor table is read.
 * @fd: in: where to start; out: the descriptor found.
 *
 * Since 6.7 files are SLAB_TYPESAFE_BY_RCU and the exported lookup takes
 * the reference itself (task_lookup_next_fdget_rcu); before, the caller
 * takes it with get_file_rcu().
 *
 * Context: may not be called under rcu_read_lock(); takes it.
 * Return: a file with a reference (fput() it), or NULL past the last fd.
 */
static inline struct file *osm_next_file(struct task_struct *task,
					 unsigned int *fd)
{
	struct file *f;

	rcu_read_lock();
#ifdef OSM_HAVE_FDGET_RCU
	f = task_lookup_next_fdget_rcu(task, fd);
#else
	for (;; (*fd)++) {
		f = task_lookup_next_fd_rcu(task, fd);
		if (!f || get_file_rcu(f))
			break;
	}
#endif
	rcu_read_unlock();
	return f;
}

#endif /* _OSMOSIS_COMPAT_H */
