// SPDX-License-Identifier: GPL-2.0-only
/*
 * The walk behind read(2): a header, then every process in pid order
 * (by number, as kernel/bpf/task_iter.c does, so no lock is held across
 * the walk, and while control is in user space the walk holds references
 * only: one task, one pinned mm, and the pids in its id set), then the
 * SysV objects of the IPC namespaces met (res_sysvipc.c), the socket
 * peers, and the end record.  Each step renders about OSM_CHUNK_SOFT bytes into the
 * chunk buffer, which read(2) drains before the next step; a step may
 * stop inside a process (see struct osm_cursor).
 */
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/uaccess.h>

#include "osmosis.h"

static void osm_emit_header(struct osm_reader *r)
{
	struct osm_id kernel = { .type = OSM_T_KERNEL };

	osm_printf(r, OSM_GRAPH_MAGIC " %d.%d epoch=%016llx pid_ns=%u view=%s backend=module",
		   OSM_GRAPH_MAJOR, OSM_GRAPH_MINOR, osm_epoch(),
		   r->pid_ns->ns.inum, r->full_view ? "full" : "own");
	if (r->scope_pid)
		osm_printf(r, " scope=%d", pid_nr_ns(r->scope_pid, r->pid_ns));
	if (r->types != OSM_RES_ALL)
		osm_printf(r, " types=0x%llx", r->types);
	if (osm_want(r, OSM_T_PHYS))
		osm_printf(r, " phys=1");
	osm_end_line(r);
	if (osm_node_begin(r, &kernel)) {
		osm_attr_str(r, "name", "kernel");
		osm_end_line(r);
	}
}

/*
 * Take the next thread-group leader at or after r->next_tgid in the
 * reader's pid namespace, or the scoped process.  Returns it with a
 * reference, or NULL at the end.  Pids of non-leader threads have no
 * PIDTYPE_TGID task: skipped.
 */
static struct task_struct *osm_next_leader(struct osm_reader *r, pid_t *tgid)
{
	struct task_struct *task = NULL;
	struct pid *pid;

	if (r->scope_pid) {	/* a scoped walk: that process, once */
		if (r->scope_done)
			return NULL;
		r->scope_done = true;
		*tgid = pid_nr_ns(r->scope_pid, r->pid_ns);
		return *tgid ? get_pid_task(r->scope_pid, PIDTYPE_TGID) : NULL;
	}

	rcu_read_lock();
	while ((pid = find_ge_pid(r->next_tgid, r->pid_ns))) {
		*tgid = pid_nr_ns(pid, r->pid_ns);
		r->next_tgid = *tgid + 1;
		task = pid_task(pid, PIDTYPE_TGID);
		if (task) {
			get_task_struct(task);
			break;
		}
	}
	rcu_read_unlock();
	return task;
}

/* Render processes into the chunk until it is full or none are left. */
static void osm_walk_processes(struct osm_reader *r)
{
	struct task_struct *task;
	pid_t tgid;

	while (!osm_chunk_full(r)) {
		if (r->cur.tids) {
			if (!osm_process_step(r))
				break;
			osm_process_end(r);
			continue;
		}
		if (fatal_signal_pending(current)) {
			r->err = -EINTR;
			break;
		}
		task = osm_next_leader(r, &tgid);
		if (!task) {
			r->stage = OSM_STAGE_SYSVIPC;
			break;
		}
		/* As in osm_thread_step(): the check holds while it renders. */
		if (down_read_killable(&task->signal->exec_update_lock)) {
			r->err = -EINTR;
			put_task_struct(task);
			break;
		}
		if (osm_may_inspect(r, task))
			osm_process_begin(r, task, tgid);
		up_read(&task->signal->exec_update_lock);
		put_task_struct(task);
		cond_resched();
	}
}

/* Render the next piece of the walk into the empty chunk buffer. */
static void osm_walk_step(struct osm_reader *r)
{
	switch (r->stage) {
	case OSM_STAGE_HEADER:
		r->err = osm_buf_prepare(&r->out);
		osm_emit_header(r);
		r->stage = OSM_STAGE_PROCESSES;
		break;
	case OSM_STAGE_PROCESSES:
		osm_walk_processes(r);
		break;
	case OSM_STAGE_SYSVIPC:
		if (osm_emit_sysvipc(r))
			r->stage = OSM_STAGE_PEERS;
		break;
	case OSM_STAGE_PEERS:
		if (osm_emit_peers(r))
			r->stage = OSM_STAGE_PHYS;
		break;
	case OSM_STAGE_PHYS:
		if (osm_emit_phys(r))
			r->stage = OSM_STAGE_END;
		break;
	case OSM_STAGE_END:
		osm_printf(r, OSM_REC_END " nodes=%llu edges=%llu\n",
			   r->nodes, r->edges);
		r->stage = OSM_STAGE_DONE;
		/* The walk is over: its id set is no longer needed. */
		osm_idset_free(&r->ids);
		break;
	case OSM_STAGE_DONE:
		break;
	}
}

/**
 * osm_walk_release() - drop what a walk holds between read(2) calls.
 * @r: the reader, being released or failed.
 */
void osm_walk_release(struct osm_reader *r)
{
	osm_process_end(r);
	osm_peers_free(&r->peers);
	osm_sysvipc_free(&r->ipcns);
	osm_phys_free(&r->phys);
	osm_idset_free(&r->ids);
}

/**
 * osm_walk_read() - read(2) of /dev/osmosis.
 * @r: the reader.
 * @ubuf: user buffer.
 * @count: its size.
 *
 * Context: process context; takes @r->lock, killable.
 * Return: bytes copied (at most the rest of one chunk, so a short read
 * does not mean the end), 0 at the end of the walk, or a negative errno:
 * -EFAULT for a bad buffer, -EINTR if killed, -ENOMEM, or -E2BIG when
 * the walk holds more than max_nodes resources.
 */
ssize_t osm_walk_read(struct osm_reader *r, char __user *ubuf, size_t count)
{
	size_t copied = 0;
	ssize_t ret;

	if (mutex_lock_killable(&r->lock))
		return -EINTR;
	while (copied < count && !r->err) {
		size_t avail = r->out.len - r->out_pos;
		size_t n = min(avail, count - copied);

		if (n) {
			if (copy_to_user(ubuf + copied, r->out.data + r->out_pos,
					 n)) {
				ret = copied ? copied : -EFAULT;
				goto out_unlock;
			}
			copied += n;
			r->out_pos += n;
			continue;
		}
		/*
		 * One chunk per read(2) at most, as a pipe hands out what it
		 * has: a read never waits for the walk to render more once
		 * it has bytes, and the walk stays parked at a chunk's end.
		 */
		if (copied || r->stage == OSM_STAGE_DONE)
			break;
		osm_buf_reset(&r->out);
		r->out_pos = 0;
		osm_walk_step(r);
	}
	ret = copied ? copied : r->err;
	/* A failed walk is over: it holds nothing until it is closed. */
	if (r->err)
		osm_walk_release(r);
out_unlock:
	mutex_unlock(&r->lock);
	return ret;
}
