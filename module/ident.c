// SPDX-License-Identifier: GPL-2.0-only
/*
 * When is an object met again the object the walk already rendered?
 *
 * mm, files, fs, sighand, open files, credentials, seccomp filters and
 * userfaultfd contexts have no public identifier and
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
 * A userfaultfd context is reached two ways, from the regions registered
 * with it and from its file; osm_uffd_id() confirms through either.
 *
 * Inodes have a public name, device and inode number, but it is not
 * unique: btrfs subvolumes share one device and restart inode numbers.
 * An inode keeps the id "inode:<dev>:<ino>" for the first inode object
 * the walk meets under that name; the slot stores a fingerprint of the
 * object (address, generation, superblock), and another object under
 * the same name gets "inode:<dev>:<ino>:<fingerprint>".  A FUSE
 * connection is named by its superblock's device the same way.
 */
#include <linux/fdtable.h>
#include <linux/fs.h>
#include <linux/hash.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sem.h>
#include <linux/sched/task.h>

#include "osmosis.h"

/**
 * osm_ids_reserve_slow() - osm_ids_reserve() when the table may grow.
 * @r: the reader; its error is set on failure.
 * @n: how many ids the next locked step may add.
 *
 * Context: may sleep.
 * Return: true if the room is there.
 */
bool osm_ids_reserve_slow(struct osm_reader *r, size_t n)
{
	if (!r->err)
		r->err = osm_idset_reserve(&r->ids, n);
	return !r->err;
}

/*
 * The keyed hashes of ids.c, remembered: the threads of a process hash
 * the same mm, files, fs, sighand and cred one after the other, and its
 * descriptors the same few inodes.  A hash is a function of its
 * arguments for the whole load, so a remembered one is always right;
 * the memo only saves computing it again.  Slot 0 (a NULL object)
 * never matches: every object hashed exists.
 */
static u64 osm_memo_hash(struct osm_reader *r, const void *obj, u64 x,
			 u64 y, bool print)
{
	/* A fingerprint's x is a 32-bit generation: bit 63 tells it apart. */
	u64 key = print ? x | BIT_ULL(63) : x;
	struct osm_memo *m = &r->memo[hash_ptr(obj, OSM_MEMO_BITS) ^
				      (x & ((1 << OSM_MEMO_BITS) - 1))];

	if (m->obj != obj || m->x != key || m->y != y || !obj) {
		m->obj = obj;
		m->x = key;
		m->y = y;
		m->hash = print ? osm_hash_print(obj, x, y) :
				  osm_hash_ptr(obj, x, y);
	}
	return m->hash;
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

/* Does @t's descriptor @fd refer to a file whose private_data is @obj? */
static bool osm_fd_private_is(struct task_struct *t, unsigned int fd,
			      const void *obj)
{
	struct files_struct *files;
	struct file *file;
	bool same = false;

	task_lock(t);
	files = t->files;
	if (files) {
		file = files_lookup_fd_raw(files, fd);
		same = file && READ_ONCE(file->private_data) == obj;
	}
	task_unlock(t);
	return same;
}

/*
 * Does @t reach the userfaultfd context @ctx right now?  A context's
 * regions all lie in the address space that created it (dup_userfaultfd()
 * gives a child's regions a context of their own), so when the caller
 * holds @mm's mmap_lock and one of its regions points at @ctx, every task
 * that holds @mm reaches @ctx.  Otherwise @t may hold its file at @fd.
 */
static bool osm_task_has_uffd(struct task_struct *t, const void *ctx,
			      unsigned int fd, const struct mm_struct *mm)
{
	if (mm && READ_ONCE(t->mm) == mm)
		return true;
	return fd != OSM_FD_NONE && osm_fd_private_is(t, fd, ctx);
}

/* Is @ctx, kept alive by the caller, behind a region of @task's mm? */
static bool osm_mm_has_uffd(struct task_struct *task, const void *ctx)
{
	bool found = false;
#ifdef CONFIG_USERFAULTFD
	struct vm_area_struct *vma;
	struct mm_struct *mm;

	mm = get_task_mm(task);
	if (!mm)
		return false;
	if (!mmap_read_lock_killable(mm)) {
		VMA_ITERATOR(vmi, mm, 0);

		for_each_vma(vmi, vma) {
			if (vma->vm_userfaultfd_ctx.ctx == ctx) {
				found = true;
				break;
			}
		}
		mmap_read_unlock(mm);
	}
	mmput(mm);
#endif
	return found;
}

/* osm_holder_has() for a userfaultfd context (see osm_uffd_id()). */
static bool osm_uffd_holder_has(const struct osm_idslot *slot,
				const void *ctx, const struct mm_struct *mm)
{
	struct task_struct *t, *x;
	bool same = false;

	rcu_read_lock();
	t = pid_task(slot->holder, PIDTYPE_PID);
	if (t) {
		for_each_thread(t, x) {
			if (osm_task_has_uffd(x, ctx, slot->fd, mm)) {
				same = true;
				break;
			}
		}
	}
	if (same || mm || slot->fd != OSM_FD_NONE || !t) {
		rcu_read_unlock();
		return same;
	}
	/* Met first through a region, now through its file: look there. */
	get_task_struct(t);
	rcu_read_unlock();
	same = osm_mm_has_uffd(t, ctx);
	put_task_struct(t);
	return same;
}

/* osm_holder_has() for a file first met in flight (res_inflight.c). */
static bool osm_inflight_holder_has(const struct osm_idslot *slot,
				    const void *obj)
{
	struct task_struct *t = get_pid_task(slot->holder, PIDTYPE_PID);
	bool same = false;

	if (t) {
		same = osm_inflight_has(t, slot->fd & ~OSM_FD_INFLIGHT, obj);
		put_task_struct(t);
	}
	return same;
}

/*
 * The id of an object named by a hash of its address: the first
 * generation whose slot is free, or whose first holder still reaches
 * @obj (a userfaultfd context through a region of @mm or its file, any
 * other object as osm_holder_has() checks it).  See osm_object_id().
 */
static int osm_hashed_id(struct osm_reader *r, enum osm_type type,
			 const void *obj, struct task_struct *holder,
			 unsigned int fd, const struct mm_struct *mm,
			 struct osm_id *id)
{
	struct osm_idslot *slot;
	unsigned int gen;
	bool same;

	for (gen = 0;; gen++) {
		*id = (struct osm_id){ .type = type,
				       .a = osm_memo_hash(r, obj, type, gen,
							  false) };
		slot = osm_idset_find(&r->ids, id);
		if (!slot)
			break;
		if (type == OSM_T_UFFD)
			same = osm_uffd_holder_has(slot, obj, mm);
		else if (type == OSM_T_FILE && (slot->fd & OSM_FD_INFLIGHT))
			same = osm_inflight_holder_has(slot, obj);
		else
			same = osm_holder_has(slot, type, obj);
		if (same)
			return 0;
	}
	slot = osm_idset_insert(&r->ids, id);
	if (IS_ERR(slot))
		return PTR_ERR(slot);
	slot->holder = get_task_pid(holder, PIDTYPE_PID);
	slot->fd = fd;
	return 1;
}

/**
 * osm_object_id() - the id of an object named by its address.
 * @r: the reader.
 * @type: OSM_T_MM, OSM_T_FILES, OSM_T_FS, OSM_T_SIGHAND, OSM_T_FILE,
 *	OSM_T_CRED, OSM_T_SECCOMP or OSM_T_SEMUNDO.
 * @obj: the object, kept alive by the caller for the whole call (a
 *	semaphore undo list cannot be: see res_sysvipc.c).
 * @holder: the task it was reached from.
 * @fd: for OSM_T_FILE, the descriptor of @holder that refers to it, or
 *	(with OSM_FD_INFLIGHT) that of the unix socket it is in flight to.
 * @id: out: its id.
 *
 * Context: any, but for OSM_T_FILE may sleep, no lock held; does not
 * allocate: the caller has reserved room for one id (osm_ids_reserve()).
 * Return: 1 if @id is new in this walk (render its node), 0 if it names
 * the object already rendered, or -E2BIG past max_nodes.
 */
int osm_object_id(struct osm_reader *r, enum osm_type type, const void *obj,
		  struct task_struct *holder, unsigned int fd,
		  struct osm_id *id)
{
	return osm_hashed_id(r, type, obj, holder, fd, NULL, id);
}

/**
 * osm_uffd_id() - the id of a userfaultfd context.
 * @r: the reader.
 * @ctx: the context (never dereferenced), kept alive by the caller: by
 *	a reference on its file, or by the mmap_lock of @mm while a region
 *	of @mm points at it.
 * @holder: the task it was reached from.
 * @fd: the descriptor of @holder whose file is @ctx's, or OSM_FD_NONE
 *	when it was reached through a region.
 * @mm: the address space whose region points at @ctx, its mmap_lock
 *	held for reading; NULL when reached through a file.
 * @id: out: its id.
 *
 * As osm_object_id(), but a context has two kinds of holders: the
 * regions registered with it and the file that serves it.  A later
 * meeting is the same context when the first holder, or another thread
 * of its process, reaches it now through either.
 *
 * Context: may sleep when @mm is NULL (it may take the first holder's
 * mmap_lock); does not allocate: the caller has reserved room for one id.
 * Return: as osm_object_id().
 */
int osm_uffd_id(struct osm_reader *r, const void *ctx,
		struct task_struct *holder, unsigned int fd,
		const struct mm_struct *mm, struct osm_id *id)
{
	return osm_hashed_id(r, OSM_T_UFFD, ctx, holder, fd, mm, id);
}

/**
 * osm_named_id() - the id of an object with a public name that may be
 * reused (an inode's device and number, a FUSE superblock's device).
 * @r: the reader.
 * @type: OSM_T_INODE or OSM_T_FUSE.
 * @name: the public name, in 32 bits (a device number); @id->a.
 * @print: a non-zero fingerprint of the object (osm_hash_print()).
 * @id: out: its id; @id->b is left for the caller to set before the
 *	call (an inode number, or 0).
 *
 * The first object met under a name takes it; another one met under the
 * same name in this walk gets the name and its fingerprint.
 *
 * Context: any; does not allocate: the caller has reserved room for one
 * id (osm_ids_reserve()).
 * Return: 1 if @id is new in this walk (render its node), 0 if it was
 * rendered already, or -E2BIG past max_nodes.
 */
int osm_named_id(struct osm_reader *r, enum osm_type type, u64 name,
		 u32 print, struct osm_id *id)
{
	struct osm_idslot *slot;

	id->type = type;
	id->a = (u32)name;
	slot = osm_idset_find(&r->ids, id);
	if (slot && slot->print != print) {
		/* Another object under the same name: its own id. */
		id->a |= (u64)print << 32;
		slot = osm_idset_find(&r->ids, id);
	}
	if (slot)
		return 0;
	slot = osm_idset_insert(&r->ids, id);
	if (IS_ERR(slot))
		return PTR_ERR(slot);
	slot->print = print;
	return 1;
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
	u32 print = osm_memo_hash(r, inode, inode->i_generation,
				  (u64)(unsigned long)inode->i_sb, true);

	id->b = inode->i_ino;
	return osm_named_id(r, OSM_T_INODE, inode->i_sb->s_dev, print, id);
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
	u32 print = osm_memo_hash(r, inode, inode->i_generation,
				  (u64)(unsigned long)inode->i_sb, true);
	struct osm_idslot *slot;

	*id = (struct osm_id){ .type = OSM_T_INODE, .a = inode->i_sb->s_dev,
			       .b = inode->i_ino };
	slot = osm_idset_find(&r->ids, id);
	if (slot && slot->print == print)
		return true;
	if (!slot)
		return false;
	id->a |= (u64)print << 32;
	slot = osm_idset_find(&r->ids, id);
	return slot && slot->print == print;
}
