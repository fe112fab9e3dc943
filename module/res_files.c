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

/* One descriptor: the file (once per walk), its inode, and the edges. */
static void osm_emit_fd(struct osm_reader *r, const struct osm_id *files_id,
			unsigned int fd, struct file *file)
{
	struct osm_id id = { .type = OSM_T_FILE };
	struct osm_id inode_id;
	bool has_inode;

	id.a = osm_hash_ptr(file, OSM_T_FILE);
	has_inode = osm_emit_inode_of(r, file, &inode_id);
	if (osm_node_begin(r, &id)) {
		osm_printf(r, " mode=%s flags=0%o pos=%lld",
			   osm_fmode(file->f_mode), file->f_flags,
			   (long long)file->f_pos);
		if (osm_file_is_anon(file)) {
			osm_printf(r, " ftype=anon");
			osm_attr_str(r, "anon", file->f_path.dentry->d_name.name);
		} else {
			osm_attr_str(r, "ftype",
				     osm_ftype(file_inode(file)->i_mode));
		}
		osm_end_line(r);
		if (has_inode) {
			osm_edge_begin(r, &id, OSM_EDGE_MAP, &inode_id);
			osm_end_line(r);
		}
	}
	osm_edge_begin(r, files_id, OSM_EDGE_MAP, &id);
	osm_printf(r, " fd=%u mode=%s\n", fd, osm_fmode(file->f_mode));
}

/**
 * osm_emit_files() - emit the current thread's descriptor table (once per
 * walk, in pieces), its open files, and the edge from the thread to it.
 * @r: the reader; r->cur names the thread.
 * @task: the thread, referenced by the cursor.
 *
 * If the thread has unshared its table since the last piece, the old
 * table's descriptors end where they stopped.
 *
 * Context: may sleep.
 * Return: true when done, false when the chunk is full and the call must
 * be repeated to resume.
 */
bool osm_emit_files(struct osm_reader *r, struct task_struct *task)
{
	struct osm_cursor *c = &r->cur;
	unsigned int nr_open = 0;
	bool has_files;
	struct file *file;
	u64 hash = 0;

	/* task_lock keeps task->files alive; RCU its fdtable. */
	task_lock(task);
	has_files = task->files;
	if (has_files) {
		hash = osm_hash_ptr(task->files, OSM_T_FILES);
		if (c->res.type != OSM_T_FILES)
			nr_open = osm_count_open_fds(task->files);
	}
	task_unlock(task);

	if (c->res.type != OSM_T_FILES) {	/* a fresh start */
		if (!has_files)
			return true;
		c->res = (struct osm_id){ .type = OSM_T_FILES, .a = hash };
		c->fd = 0;
		if (!osm_node_begin(r, &c->res))
			goto hold;
		osm_printf(r, " fds=%u\n", nr_open);
	} else if (!has_files || hash != c->res.a) {
		goto hold;
	}

	while ((file = osm_next_file(task, &c->fd))) {
		if (osm_chunk_full(r)) {
			fput(file);
			if (!r->err)
				return false;
			break;
		}
		osm_emit_fd(r, &c->res, c->fd, file);
		fput(file);
		c->fd++;
		if (fatal_signal_pending(current))
			r->err = -EINTR;
		cond_resched();
	}
hold:
	osm_edge_begin(r, &c->thread, OSM_EDGE_HOLD, &c->res);
	osm_printf(r, " mode=rw\n");
	c->res.type = OSM_T_NR;
	return true;
}
