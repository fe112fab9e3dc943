// SPDX-License-Identifier: GPL-2.0-only
/*
 * SysV IPC: the shared memory segments, semaphore sets and message
 * queues of each IPC namespace, and the semaphore undo lists threads
 * hold.
 *
 * An IPC namespace's objects are shown to a reader who sees a PD in that
 * namespace: when the walk first renders an ipc_ns node it keeps a
 * reference to the namespace (as an open /proc/PID/ns/ipc would, which
 * the same reader may open), and after the processes it renders every
 * object of each such namespace, as /proc/sysvipc/{shm,sem,msg} lists
 * them: under the kind's ipc_ids rwsem, read, by idr index, each object
 * read under its own lock.  At the end, because a segment's node points
 * at the inode its memory is (an "inode map shm" edge), which only
 * exists once a region that maps it is rendered.  The pass resumes by
 * idr index between chunks, so a namespace with many objects is rendered
 * in pieces like a large address space; an object created behind the
 * point where it resumed is not shown, one removed ahead of it is not.
 *
 * The namespace references are dropped through the namespace's own
 * proc_ns_operations (put_ipc_ns is not exported on 6.1).
 *
 * A semaphore undo list (what CLONE_SYSVSEM shares) has no lock and no
 * reference a module can take: each task sets its own pointer (first
 * SEM_UNDO semop) and clears it (exit, unshare(CLONE_SYSVSEM)), and the
 * list lives while a task points at it.  Like kcmp(KCMP_SYSVSEM), the
 * walk compares the pointers of two tasks; it reads the thread's pointer
 * again after ident.c compared it with the first holder's, so a list
 * the thread let go of meanwhile is not joined to anything.
 */
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/ipc.h>
#include <linux/ipc_namespace.h>
#include <linux/proc_ns.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sem.h>
#include <linux/slab.h>
#include <linux/uidgid.h>

#include "osmosis.h"

#define OSM_IPC_KINDS	3	/* shm, sem, msg: OSM_T_SHM + kind */

/**
 * osm_ipcns_put() - drop a reference on an IPC namespace.
 * @ns: the namespace.
 *
 * Context: process context, may sleep.
 */
void osm_ipcns_put(struct ipc_namespace *ns)
{
	ns->ns.ops->put(&ns->ns);
}

/**
 * osm_sysvipc_note() - render @ns's objects at the end of the walk.
 * @r: the reader.
 * @ns: an IPC namespace whose node the walk has just rendered; the
 *	reference passes to the reader (dropped here on failure).
 *
 * Context: may sleep; no lock held.
 */
void osm_sysvipc_note(struct osm_reader *r, struct ipc_namespace *ns)
{
	struct osm_ipcns_list *l = &r->ipcns;
	struct ipc_namespace **arr;
	size_t cap;

	if (r->err)
		goto out_put;
	if (l->nr == l->cap) {
		if (l->nr >= osm_max_nodes) {
			r->err = -E2BIG;
			goto out_put;
		}
		cap = l->cap ? l->cap * 2 : 8;
		arr = kvmalloc_array(cap, sizeof(*arr), OSM_GFP_WALK);
		if (!arr) {
			r->err = -ENOMEM;
			goto out_put;
		}
		if (l->nr)
			memcpy(arr, l->ns, l->nr * sizeof(*arr));
		kvfree(l->ns);
		l->ns = arr;
		l->cap = cap;
	}
	l->ns[l->nr++] = ns;
	return;
out_put:
	osm_ipcns_put(ns);
}

/**
 * osm_sysvipc_free() - drop the namespaces still to be rendered.
 * @l: the list; left empty.
 *
 * Context: may sleep.
 */
void osm_sysvipc_free(struct osm_ipcns_list *l)
{
	size_t i;

	for (i = l->next; i < l->nr; i++)
		osm_ipcns_put(l->ns[i]);
	kvfree(l->ns);
	*l = (struct osm_ipcns_list){};
}

/* What the walk reads of one object under its lock. */
struct osm_ipc_obj {
	int id;
	key_t key;
	kuid_t uid, cuid;
	kgid_t gid, cgid;
	umode_t mode;
	unsigned long size;
	unsigned long nattch;
	const struct inode *inode;
};

/*
 * Read @perm under its lock, as /proc/sysvipc shows it; false if it is
 * being removed.  The caller holds the kind's rwsem, read.
 */
static bool osm_ipc_read(struct kern_ipc_perm *perm, int kind,
			 struct osm_ipc_obj *o)
{
	bool ok;

	rcu_read_lock();
	spin_lock(&perm->lock);
	ok = !perm->deleted;
	if (ok) {
		o->id = perm->id;
		o->key = perm->key;
		o->uid = perm->uid;
		o->gid = perm->gid;
		o->cuid = perm->cuid;
		o->cgid = perm->cgid;
		o->mode = perm->mode;
		o->inode = NULL;
		if (kind == 0)
			o->inode = osm_shm_peek(perm, &o->size, &o->nattch);
	}
	spin_unlock(&perm->lock);
	rcu_read_unlock();
	return ok;
}

static void osm_emit_ipc_obj(struct osm_reader *r, struct ipc_namespace *ns,
			     int kind, struct kern_ipc_perm *perm)
{
	struct user_namespace *uns = r->file->f_cred->user_ns;
	struct osm_id nsid = { .type = OSM_T_IPC_NS, .a = ns->ns.inum };
	struct osm_id id, inode_id;
	struct osm_ipc_obj o;

	if (!osm_ipc_read(perm, kind, &o))
		return;
	id = (struct osm_id){ .type = OSM_T_SHM + kind, .a = ns->ns.inum,
			      .b = (u32)o.id };
	if (!osm_node_begin(r, &id))
		return;
	/* ipcs(1) prints the key in hex, /proc/sysvipc the mode in octal. */
	osm_printf(r, " id=%d key=0x%08x uid=%u gid=%u cuid=%u cgid=%u mode=%o",
		   o.id, (u32)o.key, from_kuid_munged(uns, o.uid),
		   from_kgid_munged(uns, o.gid), from_kuid_munged(uns, o.cuid),
		   from_kgid_munged(uns, o.cgid), o.mode);
	if (kind == 0)
		osm_printf(r, " size=%lu nattch=%lu", o.size, o.nattch);
	osm_end_line(r);
	osm_edge_begin(r, &id, OSM_EDGE_IN, &nsid);
	osm_end_line(r);
	/* The regions of rendered PDs that map it lead here. */
	if (o.inode && osm_inode_rendered(r, o.inode, &inode_id)) {
		osm_edge_begin(r, &inode_id, OSM_EDGE_MAP, &id);
		osm_end_line(r);
	}
}

/*
 * Render the objects of one kind of @ns from l->idx on, until the chunk
 * is full (false) or none are left (true).  The rwsem keeps every object
 * in the idr alive, and a segment's memory with it.
 */
static bool osm_emit_ipc_kind(struct osm_reader *r, struct ipc_namespace *ns)
{
	struct osm_ipcns_list *l = &r->ipcns;
	struct ipc_ids *ids = osm_ipc_ids(ns, l->kind);
	struct kern_ipc_perm *perm;
	bool done = false;
	int idx;

	if (down_read_killable(&ids->rwsem)) {
		r->err = -EINTR;
		return true;
	}
	while (!osm_chunk_full(r)) {
		idx = l->idx;
		perm = idr_get_next(&ids->ipcs_idr, &idx);
		if (!perm) {
			done = true;
			break;
		}
		l->idx = idx + 1;
		osm_emit_ipc_obj(r, ns, l->kind, perm);
	}
	up_read(&ids->rwsem);
	return done || r->err;
}

/**
 * osm_emit_sysvipc() - the SysV objects of the IPC namespaces the walk
 * met, from where the last call stopped, until the chunk is full.
 * @r: the reader, after its processes.
 *
 * Context: may sleep; takes each kind's ipc_ids rwsem for reading.
 * Return: true when every namespace is done.
 */
bool osm_emit_sysvipc(struct osm_reader *r)
{
	struct osm_ipcns_list *l = &r->ipcns;

	while (l->next < l->nr) {
		struct ipc_namespace *ns = l->ns[l->next];

		for (; l->kind < OSM_IPC_KINDS; l->kind++, l->idx = 0) {
			if (!osm_emit_ipc_kind(r, ns))
				return false;
			if (r->err)
				return true;
		}
		osm_ipcns_put(ns);
		l->next++;
		l->kind = 0;
		if (fatal_signal_pending(current)) {
			r->err = -EINTR;
			return true;
		}
		cond_resched();
	}
	osm_sysvipc_free(l);
	return true;
}

/**
 * osm_emit_semundo() - emit @task's semaphore undo list (once per walk)
 * and the edge from the thread to it; nothing when it has none.
 * @r: the reader.
 * @task: the thread, referenced by the caller.
 * @holder: the thread's node.
 *
 * A task has a list from its first semop(SEM_UNDO) on, shared with the
 * tasks it clone()d with CLONE_SYSVSEM (threads do) and those it was
 * clone()d from so.
 *
 * Context: may sleep.
 */
void osm_emit_semundo(struct osm_reader *r, struct task_struct *task,
		      const struct osm_id *holder)
{
#ifdef CONFIG_SYSVIPC
	const void *ulp;
	struct osm_id id;
	int ret;

	if (!osm_ids_reserve(r, 1))
		return;
	ulp = READ_ONCE(task->sysvsem.undo_list);
	if (!ulp)
		return;
	ret = osm_object_id(r, OSM_T_SEMUNDO, ulp, task, 0, &id);
	if (ret < 0) {
		r->err = ret;
		return;
	}
	/* Still this task's list: the comparison held while it had it. */
	if (READ_ONCE(task->sysvsem.undo_list) != ulp && !ret)
		return;
	if (ret && osm_node_begin(r, &id))
		osm_end_line(r);
	osm_edge_begin(r, holder, OSM_EDGE_HOLD, &id);
	osm_printf(r, " mode=rw\n");
#endif
}
