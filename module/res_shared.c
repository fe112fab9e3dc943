// SPDX-License-Identifier: GPL-2.0-only
/*
 * Root and working directory ("fs", what CLONE_FS shares) and signal
 * handlers ("sighand", what CLONE_SIGHAND shares): per-thread objects
 * named by their address.  Each is held alive by the lock that guards
 * the thread's pointer to it while ident.c decides on its id.
 */
#include <linux/fs_struct.h>
#include <linux/mount.h>
#include <linux/path.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/spinlock.h>

#include "osmosis.h"

static void osm_emit_hold_rw(struct osm_reader *r, const struct osm_id *holder,
			     const struct osm_id *id)
{
	osm_edge_begin(r, holder, OSM_EDGE_HOLD, id);
	osm_puts(r, " mode=rw\n");
}

/* Lookups from a root or cwd on FUSE go to its server (res_request.c). */
static void osm_emit_fs_requests(struct osm_reader *r, const struct osm_id *id,
				 const struct path *root,
				 const struct path *pwd)
{
	struct super_block *rsb = root->mnt->mnt_sb, *csb = pwd->mnt->mnt_sb;

	if (rsb == csb) {
		osm_emit_fuse_request(r, id, rsb, "root,cwd");
		return;
	}
	osm_emit_fuse_request(r, id, rsb, "root");
	osm_emit_fuse_request(r, id, csb, "cwd");
}

/**
 * osm_emit_fs() - emit @task's root and working directory (once per walk)
 * and the edge from the thread to them.
 * @r: the reader.
 * @task: the thread, referenced by the caller.
 * @holder: the thread's node.
 *
 * Context: may sleep.
 */
void osm_emit_fs(struct osm_reader *r, struct task_struct *task,
		 const struct osm_id *holder)
{
	struct path root = {}, pwd = {};
	struct osm_id id;
	int ret;

	/* The fs, and the FUSE connections of its root and cwd. */
	if (!osm_ids_reserve(r, 3))
		return;
	/* exit_fs() clears task->fs under task_lock before it frees it. */
	task_lock(task);
	if (!task->fs) {
		task_unlock(task);
		return;
	}
	ret = osm_object_id(r, OSM_T_FS, task->fs, task, 0, &id);
	if (ret > 0) {
		get_fs_root(task->fs, &root);
		get_fs_pwd(task->fs, &pwd);
	}
	task_unlock(task);
	if (ret < 0) {
		r->err = ret;
		return;
	}
	if (ret) {
		if (osm_node_begin(r, &id)) {
			osm_attr_path(r, "root", &root);
			osm_attr_path(r, "cwd", &pwd);
			osm_end_line(r);
			osm_emit_fs_requests(r, &id, &root, &pwd);
		}
		path_put(&pwd);
		path_put(&root);
	}
	osm_emit_hold_rw(r, holder, &id);
}

/**
 * osm_under_siglock() - run @fn with @task's sighand locked.
 * @task: the task, referenced by the caller.
 * @fn: what to run; it gets the locked sighand and must not sleep.
 * @arg: passed to @fn.
 *
 * The lock is taken as __lock_task_sighand() (not exported) takes it: the
 * cache is SLAB_TYPESAFE_BY_RCU, so the lock is valid memory under RCU,
 * and the pointer is rechecked once it is held.  Release of the task
 * clears the pointer under this lock (and only then drops its seccomp
 * filter), so holding it pins the sighand and what the task refers to.
 *
 * Context: any; takes the siglock with interrupts off.
 * Return: @fn's value, or -ESRCH when the task has no sighand (released).
 */
int osm_under_siglock(struct task_struct *task,
		      int (*fn)(struct sighand_struct *sh, void *arg),
		      void *arg)
{
	struct sighand_struct *sh;
	unsigned long flags;
	int ret = -ESRCH;

	rcu_read_lock();
	while ((sh = rcu_dereference(task->sighand))) {
		spin_lock_irqsave(&sh->siglock, flags);
		if (likely(sh == rcu_access_pointer(task->sighand))) {
			ret = fn(sh, arg);
			spin_unlock_irqrestore(&sh->siglock, flags);
			break;
		}
		spin_unlock_irqrestore(&sh->siglock, flags);
	}
	rcu_read_unlock();
	return ret;
}

/* What a siglock'ed step names: the reader, the task, the id out. */
struct osm_locked_id {
	struct osm_reader *r;
	struct task_struct *task;
	struct osm_id *id;
};

static int osm_sighand_id(struct sighand_struct *sh, void *arg)
{
	struct osm_locked_id *l = arg;

	return osm_object_id(l->r, OSM_T_SIGHAND, sh, l->task, 0, l->id);
}

/**
 * osm_emit_sighand() - emit @task's signal handlers (once per walk) and
 * the edge from the thread to them.
 * @r: the reader.
 * @task: the thread, referenced by the caller.
 * @holder: the thread's node.
 *
 * Context: may sleep.
 */
void osm_emit_sighand(struct osm_reader *r, struct task_struct *task,
		      const struct osm_id *holder)
{
	struct osm_id id;
	struct osm_locked_id l = { r, task, &id };
	int ret;

	if (!osm_ids_reserve(r, 1))
		return;
	ret = osm_under_siglock(task, osm_sighand_id, &l);
	if (ret == -ESRCH)
		return;
	if (ret < 0) {
		r->err = ret;
		return;
	}
	if (ret && osm_node_begin(r, &id))
		osm_end_line(r);
	osm_emit_hold_rw(r, holder, &id);
}
