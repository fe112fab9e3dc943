// SPDX-License-Identifier: GPL-2.0-only
/*
 * Namespaces for PD creation: the nsfs inode numbers of a task's eight
 * namespaces in OSM_SPAWN_R_* order, and the namespace a request names
 * for OSM_SPAWN_JOIN.
 *
 * A namespace to join is named by a descriptor of an nsfs file, not by a
 * pidfd.  No supported kernel exports a way to resolve a pidfd
 * (pidfd_pid, pidfd_get_pid and pidfd_get_task are not exported), and a
 * pidfd is a different object on each: on 6.1 an anon inode file named
 * "[pidfd]" whose private_data is the struct pid, on 6.12 a pidfs file
 * whose inode's i_private is (fs/pidfs.c), both behind unexported
 * file_operations.  Telling them apart would mean trusting file names
 * and private layouts.  An nsfs file is the same public object on both:
 * its superblock has NSFS_MAGIC (uapi/linux/magic.h) and get_proc_ns()
 * (include/linux/proc_ns.h) returns its ns_common, which is how setns(2)
 * reads it too; the open file pins the namespace while it is read.
 * libosm turns a pidfd into these (/proc/PID/ns/TYPE) and checks that
 * the pidfd still names that process afterwards.
 */
#include <linux/cgroup.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/ipc_namespace.h>
#include <linux/magic.h>
#include <linux/ns_common.h>
#include <linux/nsproxy.h>
#include <linux/pid_namespace.h>
#include <linux/proc_ns.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/time_namespace.h>
#include <linux/user_namespace.h>
#include <linux/utsname.h>
#include <net/net_namespace.h>

#include "osmosis.h"

/* The CLONE_NEW* flag of each namespace, in OSM_SPAWN_R_NS0 order. */
static const u64 osm_ns_flag[OSM_SPAWN_NR_NS] = {
	CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWPID,
	CLONE_NEWNET, CLONE_NEWUSER, CLONE_NEWCGROUP, CLONE_NEWTIME,
};

/**
 * osm_spawn_ns_flag() - the CLONE_NEW* flag of namespace @i.
 * @i: index from OSM_SPAWN_R_NS0, below OSM_SPAWN_NR_NS.
 *
 * Return: the flag.
 */
u64 osm_spawn_ns_flag(unsigned int i)
{
	return osm_ns_flag[i];
}

/**
 * osm_spawn_ns_inums() - nsfs inode numbers of @task's namespaces.
 * @task: the task, referenced by the caller.
 * @for_children: for pid and time, the namespace @task's next children
 *	get (pid_for_children, time_for_children) rather than its own.
 * @inum: filled in, from OSM_SPAWN_R_NS0; 0 where @task has none.
 *
 * Context: may not be called under task_lock or rcu_read_lock.
 */
void osm_spawn_ns_inums(struct task_struct *task, bool for_children,
			unsigned int inum[OSM_SPAWN_NR_NS])
{
	struct pid_namespace *pidns;
	struct ns_common *mnt;
	struct nsproxy *nsp;

	memset(inum, 0, OSM_SPAWN_NR_NS * sizeof(*inum));
	task_lock(task);
	nsp = task->nsproxy;
	if (nsp) {
		mnt = osm_mnt_ns_common(task);
		if (mnt)
			inum[0] = mnt->inum;
		inum[1] = nsp->uts_ns->ns.inum;
		inum[2] = nsp->ipc_ns->ns.inum;
		inum[4] = nsp->net_ns->ns.inum;
		inum[6] = nsp->cgroup_ns->ns.inum;
		inum[7] = for_children ? nsp->time_ns_for_children->ns.inum :
					 nsp->time_ns->ns.inum;
		if (for_children && nsp->pid_ns_for_children)
			inum[3] = nsp->pid_ns_for_children->ns.inum;
	}
	task_unlock(task);

	rcu_read_lock();
	if (!for_children) {
		pidns = task_active_pid_ns(task);
		if (pidns)
			inum[3] = pidns->ns.inum;
	}
	inum[5] = __task_cred(task)->user_ns->ns.inum;
	rcu_read_unlock();
}

/**
 * osm_spawn_nsfd() - the namespace an nsfs descriptor names.
 * @fd: the descriptor, in the caller's table.
 * @i: the namespace it must be, from OSM_SPAWN_R_NS0.
 * @inum: its nsfs inode number.
 * @admin: the user namespace whose CAP_SYS_ADMIN setns(2) asks for:
 *	its owner, or for a user namespace itself; referenced
 *	(put_user_ns() it).
 *
 * Return: 0; -EBADF if @fd is not open or not an nsfs file; -EINVAL if
 * it names a namespace of another type.
 */
int osm_spawn_nsfd(int fd, unsigned int i, unsigned int *inum,
		   struct user_namespace **admin)
{
	struct ns_common *ns;
	struct file *f;
	int err = 0;

	if (fd < 0)
		return -EBADF;
	f = fget(fd);
	if (!f)
		return -EBADF;
	if (file_inode(f)->i_sb->s_magic != NSFS_MAGIC) {
		err = -EBADF;
		goto out_put;
	}
	ns = get_proc_ns(file_inode(f));
	if (!ns || !ns->ops || ns->ops->type != osm_ns_flag[i]) {
		err = -EINVAL;
		goto out_put;
	}
	*inum = ns->inum;
	if (ns->ops->type == CLONE_NEWUSER)
		*admin = get_user_ns(container_of(ns, struct user_namespace,
						  ns));
	else
		*admin = get_user_ns(ns->ops->owner(ns));
out_put:
	fput(f);
	return err;
}

/**
 * osm_spawn_ns_mask() - every CLONE_NEW* flag of the eight namespaces.
 *
 * Return: the mask.
 */
u64 osm_spawn_ns_mask(void)
{
	u64 mask = 0;
	unsigned int i;

	for (i = 0; i < OSM_SPAWN_NR_NS; i++)
		mask |= osm_ns_flag[i];
	return mask;
}
