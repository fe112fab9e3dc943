// SPDX-License-Identifier: GPL-2.0-only
/*
 * Namespaces and the cgroup.  A namespace is named by its nsfs inode
 * number, the same number /proc/PID/ns/<name> shows, so no reference to
 * the namespace is needed past reading it (and none could be dropped by
 * a module for mnt and uts namespaces: put_mnt_ns and free_uts_ns are not
 * exported).
 */
#include <linux/capability.h>
#include <linux/cgroup.h>
#include <linux/cred.h>
#include <linux/ipc_namespace.h>
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

#define OSM_NR_NS	(OSM_T_TIME_NS - OSM_T_MNT_NS + 1)

/* pid_for_children and time_for_children, in that order. */
#define OSM_NR_KIDS	2
static const enum osm_type osm_kid_types[OSM_NR_KIDS] = {
	OSM_T_PID_NS, OSM_T_TIME_NS,
};

/**
 * struct osm_ns_ref - what the walk keeps of one namespace of a task
 * @inum: its nsfs inode number, 0 if the task has none.
 * @admin: the task holds CAP_SYS_ADMIN over its owner.
 * @owner: when its node is still to be rendered: the user namespace
 *	whose CAP_SYS_ADMIN administers it, referenced (for a user
 *	namespace: itself); NULL when this walk has rendered it already.
 * @pidns: for a pid namespace to render, the namespace, referenced.
 */
struct osm_ns_ref {
	unsigned int inum;
	bool admin;
	struct user_namespace *owner;
	struct pid_namespace *pidns;
};

/*
 * Note namespace @ns of type @type, and whether @cred (if not NULL)
 * administers it, under the lock that keeps @ns alive.  Only one this
 * walk has not rendered yet is referenced: most threads meet namespaces
 * met before, whose edge needs nothing but the inode number.
 */
static void osm_ns_take(struct osm_reader *r, struct osm_ns_ref *ref,
			struct ns_common *ns, enum osm_type type,
			const struct cred *cred)
{
	struct user_namespace *owner;
	struct osm_id id = { .type = type };

	if (!ns)
		return;
	ref->inum = ns->inum;
	owner = type == OSM_T_USER_NS ?
		container_of(ns, struct user_namespace, ns) :
		ns->ops->owner(ns);
	if (cred)
		ref->admin = osm_cred_has_cap(cred, owner, CAP_SYS_ADMIN);
	id.a = ns->inum;
	if (!osm_want(r, type) || osm_idset_find(&r->ids, &id))
		return;
	ref->owner = get_user_ns(owner);
	if (type == OSM_T_PID_NS)
		ref->pidns = get_pid_ns(container_of(ns, struct pid_namespace,
						     ns));
}

/*
 * The IPC namespace of @nsp, referenced, if the walk will render its
 * SysV objects and has not met it yet; else NULL.
 */
static struct ipc_namespace *osm_ipcns_get(struct osm_reader *r,
					   struct nsproxy *nsp)
{
	struct osm_id id = { .type = OSM_T_IPC_NS,
			     .a = nsp->ipc_ns->ns.inum };

	if (!osm_want(r, OSM_T_IPC_NS) || !osm_want(r, OSM_T_SHM) ||
	    osm_idset_find(&r->ids, &id))
		return NULL;
	return get_ipc_ns(nsp->ipc_ns);
}

/*
 * Read the namespaces of @task: under task_lock for the nsproxy, and RCU
 * for its credentials (whose capabilities make an edge "rw").  *@ipcns
 * is set to a reference on its IPC namespace when osm_ipcns_get() wants
 * one.
 */
static void osm_ns_collect(struct osm_reader *r, struct task_struct *task,
			   struct osm_ns_ref refs[OSM_NR_NS],
			   struct osm_ns_ref kids[OSM_NR_KIDS],
			   struct ipc_namespace **ipcns)
{
	const struct cred *cred;
	struct nsproxy *nsp;
	struct pid_namespace *pidns;

	rcu_read_lock();
	cred = __task_cred(task);
	task_lock(task);
	nsp = task->nsproxy;
	if (nsp) {
		*ipcns = osm_ipcns_get(r, nsp);
		pidns = nsp->pid_ns_for_children;
		osm_ns_take(r, &kids[0], pidns ? &pidns->ns : NULL,
			    OSM_T_PID_NS, NULL);
		osm_ns_take(r, &kids[1], &nsp->time_ns_for_children->ns,
			    OSM_T_TIME_NS, NULL);
		osm_ns_take(r, &refs[OSM_T_MNT_NS - OSM_T_MNT_NS],
			    osm_mnt_ns_common(task), OSM_T_MNT_NS, cred);
		osm_ns_take(r, &refs[OSM_T_UTS_NS - OSM_T_MNT_NS],
			    &nsp->uts_ns->ns, OSM_T_UTS_NS, cred);
		osm_ns_take(r, &refs[OSM_T_IPC_NS - OSM_T_MNT_NS],
			    &nsp->ipc_ns->ns, OSM_T_IPC_NS, cred);
		osm_ns_take(r, &refs[OSM_T_NET_NS - OSM_T_MNT_NS],
			    &nsp->net_ns->ns, OSM_T_NET_NS, cred);
		osm_ns_take(r, &refs[OSM_T_CGROUP_NS - OSM_T_MNT_NS],
			    &nsp->cgroup_ns->ns, OSM_T_CGROUP_NS, cred);
		osm_ns_take(r, &refs[OSM_T_TIME_NS - OSM_T_MNT_NS],
			    &nsp->time_ns->ns, OSM_T_TIME_NS, cred);
	}
	task_unlock(task);

	pidns = task_active_pid_ns(task);
	osm_ns_take(r, &refs[OSM_T_PID_NS - OSM_T_MNT_NS],
		    pidns ? &pidns->ns : NULL, OSM_T_PID_NS, cred);
	osm_ns_take(r, &refs[OSM_T_USER_NS - OSM_T_MNT_NS],
		    &cred->user_ns->ns, OSM_T_USER_NS, cred);
	rcu_read_unlock();
}

/*
 * A namespace's node (once per walk), with its place in the trees.
 * Returns true when a node other than a user or pid namespace was
 * rendered now for the first time.
 */
static bool osm_emit_ns_node(struct osm_reader *r, const struct osm_id *id,
			     const struct osm_ns_ref *ref)
{
	if (id->type == OSM_T_USER_NS) {
		osm_emit_userns(r, ref->owner);
	} else if (id->type == OSM_T_PID_NS) {
		osm_emit_pidns(r, ref->pidns);
	} else if (osm_node_begin(r, id)) {
		osm_attr_u64(r, "inum", ref->inum);
		osm_end_line(r);
		osm_emit_owner(r, id, ref->owner);
		return true;
	}
	return false;
}

/* Drop the references; the inode number stays for comparisons. */
static void osm_ns_put(struct osm_ns_ref *ref)
{
	if (ref->owner)
		put_user_ns(ref->owner);
	if (ref->pidns)
		put_pid_ns(ref->pidns);
	ref->owner = NULL;
	ref->pidns = NULL;
}

/*
 * The namespace a thread's next children will be in, when it is not the
 * thread's own (it unshared CLONE_NEWPID or CLONE_NEWTIME), as
 * /proc/PID/ns/pid_for_children and time_for_children show it.
 */
static void osm_emit_for_children(struct osm_reader *r,
				  const struct osm_id *holder,
				  struct osm_ns_ref *kid, enum osm_type type,
				  unsigned int own)
{
	struct osm_id id = { .type = type, .a = kid->inum };

	if (kid->inum && kid->inum != own && osm_want(r, type)) {
		if (kid->owner)
			osm_emit_ns_node(r, &id, kid);
		osm_edge_begin(r, holder, OSM_EDGE_FOR_CHILDREN, &id);
		osm_end_line(r);
	}
	osm_ns_put(kid);
}

/**
 * osm_emit_namespaces() - emit the namespaces @task is in (each once per
 * walk) and an edge from the thread to each.
 * @r: the reader.
 * @task: the thread, referenced by the caller.
 * @holder: the thread's node.
 *
 * The edge's mode is "rw" when the thread holds CAP_SYS_ADMIN over the
 * namespace's owning user namespace (it can reconfigure what it shares),
 * else "r".
 *
 * Context: may sleep.
 */
void osm_emit_namespaces(struct osm_reader *r, struct task_struct *task,
			 const struct osm_id *holder)
{
	struct osm_ns_ref refs[OSM_NR_NS] = {}, kids[OSM_NR_KIDS] = {};
	struct ipc_namespace *ipcns = NULL;
	int i;

	osm_ns_collect(r, task, refs, kids, &ipcns);
	for (i = 0; i < OSM_NR_NS; i++) {
		struct osm_id id = { .type = OSM_T_MNT_NS + i,
				     .a = refs[i].inum };

		if (!refs[i].inum || !osm_want(r, id.type)) {
			osm_ns_put(&refs[i]);
			continue;
		}
		/* Its SysV objects are rendered at the end (res_sysvipc.c). */
		if (refs[i].owner && osm_emit_ns_node(r, &id, &refs[i]) &&
		    id.type == OSM_T_IPC_NS && ipcns) {
			osm_sysvipc_note(r, ipcns);
			ipcns = NULL;
		}
		osm_ns_put(&refs[i]);
		osm_edge_begin(r, holder, OSM_EDGE_HOLD, &id);
		osm_puts(r, refs[i].admin ? " mode=rw\n" : " mode=r\n");
	}
	if (ipcns)
		osm_ipcns_put(ipcns);
	for (i = 0; i < OSM_NR_KIDS; i++)
		osm_emit_for_children(r, holder, &kids[i], osm_kid_types[i],
				      refs[osm_kid_types[i] - OSM_T_MNT_NS].inum);
}

/**
 * osm_emit_cgroup() - emit @task's cgroup v2 group (once per walk, with
 * its ancestors) and the edge from the thread to it.
 * @r: the reader.
 * @task: the thread, referenced by the caller.
 * @holder: the thread's node.
 *
 * Context: may sleep (cgroup_path_ns() takes cgroup_mutex).
 */
void osm_emit_cgroup(struct osm_reader *r, struct task_struct *task,
		     const struct osm_id *holder)
{
	struct osm_id id = { .type = OSM_T_CGROUP };
	struct cgroup *cgrp;

	rcu_read_lock();
	cgrp = task_dfl_cgroup(task);
	if (!cgroup_tryget(cgrp)) {
		rcu_read_unlock();
		return;
	}
	rcu_read_unlock();

	osm_emit_cgroup_node(r, cgrp, &id);
	cgroup_put(cgrp);

	osm_edge_begin(r, holder, OSM_EDGE_HOLD, &id);
	osm_puts(r, " mode=r\n");
}
