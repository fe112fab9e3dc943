// SPDX-License-Identifier: GPL-2.0-only
/*
 * When is an object met again the object the walk already rendered?
 *
 * mm, files, fs, sighand, open files, credentials and seccomp filters
 * have no public identifier and
 * are named by a keyed hash of their address (ids.c).  A walk lasts as
 * long as its reader likes, and meanwhile an object can be freed and its
 * address handed to a new one (files and sighand caches are even
 * SLAB_TYPESAFE_BY_RCU), so an address alone would merge two unrelated
 * objects into one node.  Pinning every object for the whole walk is no
 * answer: a reference on a descriptor table, an open file or an fs_struct
 * keeps files open and mounts busy, and a module cannot drop one on a
 * files_struct or sighand_struct at all (put_files_struct and
 * __cleanup_sighand are not exported).
 *
 * So the walk confirms instead.  With an id it stores the pid of the task
 * it first met the object in (referenced: struct pid is small and pins
 * nothing of the task but its pid namespace) and, for an open file, the
 * descriptor.  When it meets the same address again, the caller holds the
 * new object alive (task_lock for files and fs, siglock for sighand and
 * seccomp, a reference for an mm, file or cred) and this file reads the
 * pointer of the recorded holder, or of another thread of its process:
 * if one points at that address now, both hold this one live object at
 * this instant, as kcmp(2) would say.  Otherwise the object is new or
 * cannot be shown to be the same, and it gets an id of its own
 * (generation n + 1 of that address): the walk may split one object it
 * cannot confirm (no thread of its first holder's process holds it any
 * more), but never merges two.
 *
 * Inodes have a public name, device and inode number, but it is not
 * unique: btrfs subvolumes share one device and restart inode numbers.
 * An inode keeps the id "inode:<dev>:<ino>" for the first inode object
 * the walk meets under that name; the slot stores a fingerprint of the
 * object (address, generation, superblock), and another object under
 * the same name gets "inode:<dev>:<ino>:<fingerprint>".
 */
#include <linux/fdtable.h>
#include <linux/fs.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sem.h>
#include <linux/sched/task.h>

#include "osmosis.h"

/**
 * osm_ids_reserve() - make room for @n ids before taking a lock.
 * @r: the reader; its error is set on failure.
 * @n: how many ids the next locked step may add.
 *
 * Context: may sleep.
 * Return: true if the room is there.
 */
bool osm_ids_reserve(struct osm_reader *r, size_t n)
{
	if (!r->err)
		r->err = osm_idset_reserve(&r->ids, n);
	return !r->err;
}

/* Does @holder's descriptor @fd refer to @file right now? */
static bool osm_fd_is(struct task_struct *holder, unsigned int fd,
		      const void *file)
{
	struct files_struct *files;
	bool same = false;

	task_lock(holder);
	files = holder->files;
	if (files)
		same = files_lookup_fd_raw(files, fd) == file;
	task_unlock(holder);
	return same;
}

/* Does @t hold @obj as its @type right now (@fd for an open file)? */
static bool osm_task_has(struct task_struct *t, u32 type, const void *obj,
			 unsigned int fd)
{
	switch (type) {
	case OSM_T_MM:
		return READ_ONCE(t->mm) == obj;
	case OSM_T_FILES:
		return READ_ONCE(t->files) == obj;
	case OSM_T_FS:
		return READ_ONCE(t->fs) == obj;
	case OSM_T_SIGHAND:
		return rcu_access_pointer(t->sighand) == obj;
	case OSM_T_FILE:
		return osm_fd_is(t, fd, obj);
	case OSM_T_CRED:
		return rcu_access_pointer(t->real_cred) == obj;
	case OSM_T_SECCOMP:
		return READ_ONCE(t->seccomp.filter) == obj;
#ifdef CONFIG_SYSVIPC
	case OSM_T_SEMUNDO:
		return READ_ONCE(t->sysvsem.undo_list) == obj;
#endif
	}
	return false;
}

/*
 * Does the holder of @slot, or another thread of its process, hold @obj
 * right now?  The caller keeps @obj alive, so an equal pointer means this
 * very object.  Threads share most of these objects, and the thread the
 * walk first met an object in may have exited since while its siblings
 * still hold it: asking them keeps one object one node.  Called under
 * task_lock or siglock for the types whose pointer those protect: other
 * tasks' pointers are read without their own lock, which may be the
 * caller's (a word read is atomic; a stale value only fails to confirm).
 */
static bool osm_holder_has(const struct osm_idslot *slot, u32 type,
			   const void *obj)
{
	struct task_struct *t, *x;
	bool same = false;

	rcu_read_lock();
	t = pid_task(slot->holder, PIDTYPE_PID);
	if (t) {
		same = osm_task_has(t, type, obj, slot->fd);
		if (!same) {
			for_each_thread(t, x) {
				if (x != t && osm_task_has(x, type, obj,
							   slot->fd)) {
					same = true;
					break;
				}
			}
		}
	}
	rcu_read_unlock();
	return same;
}

/**
 * osm_object_id() - the id of an object named by its address.
 * @r: the reader.
 * @type: OSM_T_MM, OSM_T_FILES, OSM_T_FS, OSM_T_SIGHAND, OSM_T_FILE,
 *	OSM_T_CRED, OSM_T_SECCOMP or OSM_T_SEMUNDO.
 * @obj: the object, kept alive by the caller for the whole call (a
 *	semaphore undo list cannot be: see res_sysvipc.c).
 * @holder: the task it was reached from.
 * @fd: for OSM_T_FILE, the descriptor of @holder that refers to it.
 * @id: out: its id.
 *
 * Context: any, but for OSM_T_FILE not under task_lock; does not
 * allocate: the caller has reserved room for one id (osm_ids_reserve()).
 * Return: 1 if @id is new in this walk (render its node), 0 if it names
 * the object already rendered, or -E2BIG past max_nodes.
 */
int osm_object_id(struct osm_reader *r, enum osm_type type, const void *obj,
		  struct task_struct *holder, unsigned int fd,
		  struct osm_id *id)
{
	struct osm_idslot *slot;
	unsigned int gen;

	for (gen = 0;; gen++) {
		*id = (struct osm_id){ .type = type,
				       .a = osm_hash_ptr(obj, type, gen) };
		slot = osm_idset_find(&r->ids, id);
		if (!slot)
			break;
		if (osm_holder_has(slot, type, obj))
			return 0;
	}
	slot = osm_idset_insert(&r->ids, id);
	if (IS_ERR(slot))
		return PTR_ERR(slot);
	slot->holder = get_task_pid(holder, PIDTYPE_PID);
	slot->fd = fd;
	return 1;
}

/*
 * Look @inode up under its name, dev:ino, or, when another inode object
 * holds that name, under the name plus its fingerprint.  Sets *@id to
 * the id it has or would get and *@print to its fingerprint.
 */
static bool osm_inode_find(struct osm_reader *r, const struct inode *inode,
			   struct osm_id *id, u32 *print)
{
	struct osm_idslot *slot;

	*print = osm_hash_print(inode, inode->i_generation,
				(u64)(unsigned long)inode->i_sb);
	*id = (struct osm_id){ .type = OSM_T_INODE, .a = inode->i_sb->s_dev,
			       .b = inode->i_ino };
	slot = osm_idset_find(&r->ids, id);
	if (slot && slot->print != *print) {
		/* Another object under the same name: its own id. */
		id->a |= (u64)*print << 32;
		slot = osm_idset_find(&r->ids, id);
	}
	return slot && slot->print == *print;
}

/**
 * osm_inode_id() - the id of an inode.
 * @r: the reader.
 * @inode: the inode, kept alive by the caller.
 * @id: out: its id.
 *
 * Context: any; does not allocate: the caller has reserved room for one
 * id (osm_ids_reserve()).
 * Return: 1 if @id is new in this walk (render its node), 0 if it was
 * rendered already, or -E2BIG past max_nodes.
 */
int osm_inode_id(struct osm_reader *r, const struct inode *inode,
		 struct osm_id *id)
{
	struct osm_idslot *slot;
	u32 print;

	if (osm_inode_find(r, inode, id, &print))
		return 0;
	slot = osm_idset_insert(&r->ids, id);
	if (IS_ERR(slot))
		return PTR_ERR(slot);
	slot->print = print;
	return 1;
}

/**
 * osm_inode_rendered() - the id of an inode this walk rendered, if any.
 * @r: the reader.
 * @inode: the inode, kept alive by the caller.
 * @id: out: its id, when it was rendered.
 *
 * Unlike osm_inode_id() this adds nothing: it answers whether a file or
 * region of a PD in the walk led to this very inode object.
 *
 * Context: any; does not allocate.
 * Return: true if the walk rendered @inode's node under @id.
 */
bool osm_inode_rendered(struct osm_reader *r, const struct inode *inode,
			struct osm_id *id)
{
	u32 print;

	return osm_inode_find(r, inode, id, &print);
}
