// SPDX-License-Identifier: GPL-2.0-only
/*
 * Address spaces and their memory regions.  An mm and its regions are
 * rendered once per walk, under mmap_read_lock as /proc/PID/maps reads
 * them (fs/proc/task_mmu.c), with the same fields so a reader can check
 * one against the other.
 */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/sched/coredump.h>
#include <linux/sched/mm.h>

#include "compat.h"
#include "osmosis.h"

/* The pathname column of /proc/PID/maps for regions without a file. */
static const char *osm_vma_special_name(struct vm_area_struct *vma)
{
	struct mm_struct *mm = vma->vm_mm;

	if (vma->vm_ops && vma->vm_ops->name) {
		const char *name = vma->vm_ops->name(vma);

		if (name)
			return name;
	}
	if (vma->vm_start <= mm->brk && vma->vm_end >= mm->start_brk)
		return "[heap]";
	if (vma->vm_start <= mm->start_stack && vma->vm_end >= mm->start_stack)
		return "[stack]";
	return NULL;
}

/**
 * struct osm_vma_name - the name attribute of the last file region
 * @path: the path it was resolved from (a region's file pins it).
 * @off: where " name=..." starts in the chunk ...
 * @len: ... and its length (0 when d_path() failed).
 *
 * Lives for one hold of the mmap_lock, during which no region goes away
 * and the chunk only grows: a binary or library maps one file into
 * several regions in a row, and their name is resolved once.
 */
struct osm_vma_name {
	struct path path;
	size_t off;
	size_t len;
};

/* " name=<path>" of a region's file, resolved once per run of regions. */
static void osm_attr_vma_path(struct osm_reader *r, const struct path *path,
			      struct osm_vma_name *last)
{
	size_t start = r->out.len;
	char *p;

	if (path->dentry == last->path.dentry && path->mnt == last->path.mnt) {
		/* Room first: growing the chunk moves what is copied. */
		p = osm_reserve(r, last->len);
		if (p)
			osm_commit(r, osm_fmt_mem(p, r->out.data + last->off,
						  last->len));
		return;
	}
	osm_attr_path(r, "name", path);
	if (r->err)
		return;
	last->path = *path;
	last->off = start;
	last->len = r->out.len - start;
}

static void osm_emit_vma(struct osm_reader *r, struct vm_area_struct *vma,
			 const struct osm_id *mm_id,
			 struct osm_vma_name *last)
{
	struct osm_id id = { .type = OSM_T_VMA, .a = mm_id->a,
			     .b = vma->vm_start };
	struct file *file = vma->vm_file;
	vm_flags_t flags = vma->vm_flags;
	struct osm_id inode_id;
	bool has_inode = false;
	const char *name;
	char perm[4];

	if (file)	/* pinned by the region, under mmap_lock */
		has_inode = osm_emit_inode_of(r, file, &inode_id);
	if (!osm_node_begin(r, &id))
		return;
	perm[0] = flags & VM_READ ? 'r' : '-';
	perm[1] = flags & VM_WRITE ? 'w' : '-';
	perm[2] = flags & VM_EXEC ? 'x' : '-';
	perm[3] = flags & VM_MAYSHARE ? 's' : 'p';
	osm_attr_hex(r, "start", vma->vm_start);
	osm_attr_hex(r, "end", vma->vm_end);
	osm_puts(r, " perm=");
	osm_put_mem(r, perm, sizeof(perm));
	if (file) {
		const struct inode *inode = osm_file_user_inode(file);

		osm_attr_hex(r, "pgoff", (u64)vma->vm_pgoff << PAGE_SHIFT);
		osm_attr_devino(r, inode->i_sb->s_dev, inode->i_ino);
		osm_attr_vma_path(r, osm_file_user_path(file), last);
	} else {
		osm_puts(r, " pgoff=0x0 dev=0:0 ino=0");
		name = osm_vma_special_name(vma);
		if (name)
			osm_attr_str(r, "name", name);
	}
	osm_end_line(r);

	osm_edge_begin(r, &id, OSM_EDGE_SUBSET, mm_id);
	osm_end_line(r);
	if (has_inode) {
		osm_edge_begin(r, &id, OSM_EDGE_MAP, &inode_id);
		osm_end_line(r);
	}
	osm_emit_uffd_request(r, vma, &id);
}

/*
 * Ids one region may add (its inode, the FUSE connection behind that, its
 * userfaultfd context), reserved before taking the lock.
 */
#define OSM_VMA_IDS		3
#define OSM_VMA_RESERVE		256

enum osm_regions {
	OSM_REGIONS_DONE,	/* the last region is rendered */
	OSM_REGIONS_FULL,	/* the chunk is full: hand it out */
	OSM_REGIONS_PAUSE,	/* drop the lock, make room, go on */
};

/*
 * Go on reading the frames of the region being read in pieces, if it is
 * still there: the region that holds r->cur.phys_addr has the start its
 * node was rendered with.  A region that changed while the lock was
 * dropped (unmapped, split, replaced) is left with what was read of it.
 */
static bool osm_phys_resume(struct osm_reader *r, struct mm_struct *mm)
{
	struct osm_cursor *c = &r->cur;
	struct osm_id id = { .type = OSM_T_VMA, .a = c->res.a,
			     .b = c->phys_start };
	struct vm_area_struct *vma = find_vma(mm, c->phys_addr);

	if (vma && vma->vm_start == c->phys_start &&
	    vma->vm_start <= c->phys_addr && osm_phys_wanted(r, vma) &&
	    !osm_phys_read(r, vma, &id, &c->phys_addr,
			   min(c->phys_end, vma->vm_end)))
		return false;
	c->phys_end = 0;
	return true;
}

/*
 * The regions from r->cur.addr on, under the mmap_lock, until the chunk
 * is full or the lock should be dropped; with the walk's frames, each
 * region's read as it is rendered (res_phys.c).
 */
static enum osm_regions osm_regions_locked(struct osm_reader *r,
					   struct mm_struct *mm)
{
	VMA_ITERATOR(vmi, mm, r->cur.addr);
	struct osm_cursor *c = &r->cur;
	struct osm_vma_name last = {};
	struct vm_area_struct *vma;
	struct osm_id id;

	if (c->phys_addr < c->phys_end && !osm_phys_resume(r, mm))
		return OSM_REGIONS_PAUSE;
	for_each_vma(vmi, vma) {
		if (osm_chunk_full(r))
			return OSM_REGIONS_FULL;
		if (vma->vm_start < c->addr)
			continue;
		osm_emit_vma(r, vma, &c->res, &last);
		c->addr = vma->vm_end;
		if (osm_phys_wanted(r, vma)) {
			id = (struct osm_id){ .type = OSM_T_VMA, .a = c->res.a,
					      .b = vma->vm_start };
			c->phys_start = vma->vm_start;
			c->phys_addr = vma->vm_start;
			c->phys_end = vma->vm_end;
			if (!osm_phys_read(r, vma, &id, &c->phys_addr,
					   c->phys_end))
				return OSM_REGIONS_PAUSE;
			c->phys_end = 0;
		}
		if (mmap_lock_is_contended(mm) ||
		    !osm_idset_room(&r->ids, OSM_VMA_IDS))
			return OSM_REGIONS_PAUSE;
	}
	return OSM_REGIONS_DONE;
}

/*
 * Render the regions of @mm from r->cur.addr on, until the chunk is full.
 * When a writer waits for the lock, or the id set or the frame runs need
 * to grow (which must not happen under the lock), drop the lock and
 * resume after the last region rendered, as fs/proc/task_mmu.c and
 * kernel/bpf/task_iter.c do; a region whose frames were being read
 * resumes where the reading stopped.  A region that starts below the
 * resume address was rendered already, or grew or merged into one that
 * was (brk, mprotect, an mmap beside it) while the lock was dropped: its
 * id, the start address, would be declared twice, so the walk goes on
 * with the next one.  Returns true when the last region is rendered.
 */
static bool osm_emit_regions(struct osm_reader *r, struct mm_struct *mm)
{
	enum osm_regions ret;

	for (;;) {
		if (!osm_ids_reserve(r, OSM_VMA_RESERVE) ||
		    !osm_phys_reserve(r))
			return true;
		if (mmap_read_lock_killable(mm)) {
			r->err = -EINTR;
			return true;
		}
		ret = osm_regions_locked(r, mm);
		mmap_read_unlock(mm);
		if (ret == OSM_REGIONS_DONE)
			return true;
		if (ret == OSM_REGIONS_FULL || r->err)
			return !!r->err;
		cond_resched();
	}
}

/* Start rendering @task's address space; false when it has none. */
static bool osm_mm_open(struct osm_reader *r, struct task_struct *task)
{
	struct osm_cursor *c = &r->cur;
	struct mm_struct *mm;
	int ret;

	if (!osm_ids_reserve(r, 1))
		return false;
	mm = get_task_mm(task);	/* NULL for kernel threads and zombies */
	if (!mm)
		return false;
	ret = osm_object_id(r, OSM_T_MM, mm, task, 0, &c->res);
	if (ret < 0) {
		r->err = ret;
		c->res.type = OSM_T_NR;
		mmput(mm);
		return false;
	}
	mmgrab(mm);
	c->mm = mm;
	c->addr = 0;
	c->phys_end = 0;
	if (ret && osm_node_begin(r, &c->res)) {
		osm_attr_u64(r, "vmas", READ_ONCE(mm->map_count));
		osm_attr_u64(r, "dumpable", get_dumpable(mm));
		osm_end_line(r);
		/*
		 * The user namespace ptrace asks CAP_SYS_PTRACE over when
		 * the mm is not dumpable (the creds' one at exec, 1.7).
		 */
		osm_emit_owner(r, &c->res, mm->user_ns);
	} else {
		c->addr = ULONG_MAX;	/* rendered already: no regions */
	}
	if (!osm_want(r, OSM_T_VMA))
		c->addr = ULONG_MAX;
	mmput(mm);
	return true;
}

/**
 * osm_emit_mm() - emit the current thread's address space (once per walk,
 * in pieces) and the edge from the thread to it.
 * @r: the reader; r->cur names the thread.
 * @task: the thread, referenced by the cursor.
 *
 * The address space is pinned in the cursor (mmgrab()) from the first
 * piece to the last, so its regions are rendered to the end even if the
 * thread exec()s or exits in between; each piece takes a user reference
 * (mmget_not_zero()) and ends early only if the address space is gone.
 *
 * Context: may sleep; takes the mm's mmap_lock for reading.
 * Return: true when done, false when the chunk is full and the call must
 * be repeated to resume.
 */
bool osm_emit_mm(struct osm_reader *r, struct task_struct *task)
{
	struct osm_cursor *c = &r->cur;
	bool done = true;

	if (c->res.type != OSM_T_MM && !osm_mm_open(r, task))
		return true;
	if (c->addr != ULONG_MAX && mmget_not_zero(c->mm)) {
		done = osm_emit_regions(r, c->mm);
		mmput(c->mm);
	}
	if (!done)
		return false;

	osm_edge_begin(r, &c->thread, OSM_EDGE_HOLD, &c->res);
	osm_puts(r, " mode=rw\n");
	osm_cursor_close_res(c);
	return true;
}
