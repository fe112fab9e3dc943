// SPDX-License-Identifier: GPL-2.0-only
/*
 * The one place that reaches into a structure private to the kernel.
 *
 * struct mnt_namespace is defined in fs/mount.h, not in include/, and no
 * exported function returns a mount namespace's nsfs inode number.  In
 * every kernel this module supports (6.1 to 6.12) its first member is
 * "struct ns_common ns", so the address of a mount namespace is the
 * address of its ns_common.  This file relies on that and checks it at
 * load time through a public path: it looks up /proc/self/ns/mnt, whose
 * nsfs inode carries the loader's ns_common (get_proc_ns()), and compares
 * it with current->nsproxy->mnt_ns.  If they differ, the layout changed
 * and the module refuses to load rather than read the wrong field.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/namei.h>
#include <linux/ns_common.h>
#include <linux/nsproxy.h>
#include <linux/proc_ns.h>
#include <linux/sched.h>
#include <linux/sched/task.h>

#include "osmosis.h"

/* The mount namespace operations, learnt at load; checked on each use. */
static const struct proc_ns_operations *osm_mntns_ops __ro_after_init;

/**
 * osm_mntns_layout_init() - verify the mnt_namespace layout assumption.
 *
 * Context: module init; needs /proc mounted in the loader's root.
 * Return: 0, or -ENOEXEC (with a log message) when it cannot be verified.
 */
int osm_mntns_layout_init(void)
{
	struct ns_common *ns;
	struct path path;
	int err;

	err = kern_path("/proc/self/ns/mnt", LOOKUP_FOLLOW, &path);
	if (err) {
		pr_err("cannot resolve /proc/self/ns/mnt (%d): mount /proc before loading\n",
		       err);
		return -ENOEXEC;
	}
	ns = get_proc_ns(d_inode(path.dentry));
	if ((void *)ns != (void *)current->nsproxy->mnt_ns ||
	    !ns->ops || ns->ops->type != CLONE_NEWNS) {
		pr_err("struct mnt_namespace does not start with its ns_common on this kernel; refusing to load\n");
		path_put(&path);
		return -ENOEXEC;
	}
	osm_mntns_ops = ns->ops;
	path_put(&path);
	return 0;
}

/**
 * osm_mnt_ns_common() - the ns_common of @task's mount namespace.
 * @task: the task.
 *
 * Context: the caller holds task_lock(@task), which keeps the nsproxy.
 * Return: the ns_common, or NULL if @task has no namespaces (exiting).
 */
struct ns_common *osm_mnt_ns_common(struct task_struct *task)
{
	struct ns_common *ns;

	if (!task->nsproxy)
		return NULL;
	ns = (struct ns_common *)task->nsproxy->mnt_ns;
	if (WARN_ON_ONCE(ns->ops != osm_mntns_ops))
		return NULL;
	return ns;
}
