// SPDX-License-Identifier: GPL-2.0-only
/*
 * File-descriptor tables, the open files they refer to, and the inodes
 * behind those.  A dup()ed or inherited descriptor refers to the same
 * struct file, so it meets the other descriptors at one file node.
 */
#include <linux/bitmap.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>

#include "compat.h"
#include "osmosis.h"

static const char *osm_fmode(fmode_t mode)
{
	if ((mode & FMODE_READ) && (mode & FMODE_WRITE))
		return "rw";
	if (mode & FMODE_READ)
		return "r";
	if (mode & FMODE_WRITE)
		return "w";
	return "-";
}

/* Open descriptors of @files; the caller keeps @files alive. */
static unsigned int osm_count_open_fds(struct files_struct *files)
{
	struct fdtable *fdt;
	unsigned int n;

	rcu_read_lock();
	fdt = files_fdtable(files);
	n = bitmap_weight(fdt->open_fds, fdt->max_fds);
	rcu_read_unlock();
	return n;
}

/**
 * osm_emit_file() - an open file's node (once per walk) with its inode,
 * and what hangs off them.
 * @r: the reader.
 * @holder: the task it was reached from.
 * @fd: its descriptor in @holder; with OSM_FD_INFLIGHT, the descriptor of
 *	the unix socket in whose queue it sits (res_inflight.c).
 * @file: the file, referenced by the caller.
 * @id: out: its node.
 *
 * A socket's in-flight files are drawn when the socket is met through a
 * descriptor, not through another socket's queue: one level, so a chain
 * of sockets sent in sockets costs no recursion.
 *
 * Context: may sleep; no lock held.
 * Return: true if @id names an emitted node.
 */
bool osm_emit_file(struct osm_reader *r, struct task_struct *holder,
		   unsigned int fd, struct file *file, struct osm_id *id)
{
	struct osm_id inode_id;
	bool has_inode = false;
	int ret;

	/* The file, its inode, the channel it serves or its inode requests. */
	if (!osm_ids_reserve(r, 3))
		return false;
	ret = osm_object_id(r, OSM_T_FILE, file, holder, fd, id);
	if (ret < 0) {
		r->err = ret;
		return false;
	}
	if (ret)
		has_inode = osm_emit_inode_of(r, file, &inode_id);
	if (ret && osm_node_begin(r, id)) {
		osm_attr_str(r, "mode", osm_fmode(file->f_mode));
		osm_puts(r, " flags=0");
		osm_put_num(r, file->f_flags, 8, 0);
		if (file->f_pos >= 0)
			osm_attr_u64(r, "pos", file->f_pos);
		else	/* a few devices use negative offsets */
			osm_printf(r, " pos=%lld", (long long)file->f_pos);
		if (osm_file_is_anon(file)) {
			osm_puts(r, " ftype=anon");
			osm_attr_str(r, "anon", file->f_path.dentry->d_name.name);
		} else {
			osm_attr_str(r, "ftype",
				     osm_ftype(file_inode(file)->i_mode));
		}
		osm_end_line(r);
		if (has_inode) {
			osm_edge_begin(r, id, OSM_EDGE_MAP, &inode_id);
			osm_end_line(r);
		}
		if (has_inode && S_ISSOCK(file_inode(file)->i_mode)) {
			osm_note_peer(r, file, &inode_id);
			if (!(fd & OSM_FD_INFLIGHT))
				osm_emit_inflight(r, holder, fd, file,
						  &inode_id);
		}
		if (!(fd & OSM_FD_INFLIGHT))
			osm_emit_serve(r, file, id, holder, fd);
	}
	return !r->err;
}

/* One descriptor: the file (once per walk) and the edge to it. */
static void osm_emit_fd(struct osm_reader *r, struct task_struct *holder,
			unsigned int fd, struct file *file)
{
	const struct osm_id *files_id = &r->cur.res;
	struct osm_id id;

	if (!osm_emit_file(r, holder, fd, file, &id))
		return;
	osm_edge_begin(r, files_id, OSM_EDGE_MAP, &id);
	osm_attr_u64(r, "fd", fd);
	osm_attr_str(r, "mode", osm_fmode(file->f_mode));
	osm_end_line(r);
}

/* Does @task hold the table being rendered? */
static bool osm_holds_files(struct task_struct *task, const void *files)
{
	bool same;

	task_lock(task);
	same = task->files == files;
	task_unlock(task);
	return same;
}

/*
 * A thread of the current process that holds the table being rendered,
 * referenced: the thread that started it, or, if that one has exited or
 * unshared its table since, another thread of the process that still
 * holds it.  A module cannot pin a files_struct (put_files_struct is not
 * exported), and a reference would keep every file in it open.
 */
static struct task_struct *osm_files_holder(struct osm_reader *r,
					    struct task_struct *task)
{
	struct osm_cursor *c = &r->cur;
	struct task_struct *t;
	int i;

	if (osm_holds_files(task, c->files))
		return get_task_struct(task);
	for (i = 0; i < c->nr; i++) {
		t = osm_thread_get(r, c->tids[i]);
		if (!t)
			continue;
		if (t != task && osm_holds_files(t, c->files))
			return t;
		put_task_struct(t);
	}
	return NULL;
}

/* Start rendering @task's descriptor table; false when it has none. */
static bool osm_files_open(struct osm_reader *r, struct task_struct *task)
{
	struct osm_cursor *c = &r->cur;
	unsigned int nr_open = 0;
	int ret = 0;

	if (!osm_ids_reserve(r, 1))
		return false;
	/* task_lock keeps task->files alive; RCU its fdtable. */
	task_lock(task);
	c->files = task->files;
	if (c->files) {
		ret = osm_object_id(r, OSM_T_FILES, c->files, task, 0, &c->res);
		if (ret > 0)
			nr_open = osm_count_open_fds(task->files);
	}
	task_unlock(task);
	if (!c->files)
		return false;
	if (ret < 0) {
		r->err = ret;
		c->res.type = OSM_T_NR;
		return false;
	}
	c->fd = 0;
	if (ret && osm_node_begin(r, &c->res)) {
		osm_attr_u64(r, "fds", nr_open);
		osm_end_line(r);
	} else {
		c->fd = UINT_MAX;	/* rendered already: no descriptors */
	}
	if (!osm_want(r, OSM_T_FILE))
		c->fd = UINT_MAX;
	return true;
}

/**
 * osm_emit_files() - emit the current thread's descriptor table (once per
 * walk, in pieces), its open files, and the edge from the thread to it.
 * @r: the reader; r->cur names the thread.
 * @task: the thread, referenced by the cursor.
 *
 * Each piece reads the table through a thread that holds it (see
 * osm_files_holder()); when no thread of the process holds it any more,
 * its descriptors end where they stopped.
 *
 * Context: may sleep.
 * Return: true when done, false when the chunk is full and the call must
 * be repeated to resume.
 */
bool osm_emit_files(struct osm_reader *r, struct task_struct *task)
{
	struct osm_cursor *c = &r->cur;
	struct task_struct *holder;
	struct file *file;

	if (c->res.type != OSM_T_FILES && !osm_files_open(r, task))
		return true;
	holder = c->fd != UINT_MAX ? osm_files_holder(r, task) : NULL;
	while (holder && (file = osm_next_file(holder, &c->fd))) {
		if (osm_chunk_full(r)) {
			fput(file);
			if (!r->err) {
				put_task_struct(holder);
				return false;
			}
			break;
		}
		osm_emit_fd(r, holder, c->fd, file);
		fput(file);
		c->fd++;
		if (fatal_signal_pending(current))
			r->err = -EINTR;
		cond_resched();
	}
	if (holder)
		put_task_struct(holder);

	osm_edge_begin(r, &c->thread, OSM_EDGE_HOLD, &c->res);
	osm_puts(r, " mode=rw\n");
	osm_cursor_close_res(c);
	return true;
}
