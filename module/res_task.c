// SPDX-License-Identifier: GPL-2.0-only
/*
 * Protection domains: a process, its threads, and the resources each
 * thread holds.  Threads are the unit that holds resources, because any
 * thread may unshare its file table, fs or namespaces on its own.
 * Kernel threads are members of the kernel PD rather than of a process.
 */
#include <linux/cred.h>
#include <linux/fs_struct.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>

#include "osmosis.h"

static void osm_emit_process_node(struct osm_reader *r,
				  struct task_struct *leader,
				  const struct osm_id *id)
{
	struct user_namespace *uns = r->file->f_cred->user_ns;
	char comm[TASK_COMM_LEN];
	const struct cred *cred;
	pid_t ppid;
	uid_t uid, euid;
	gid_t gid, egid;

	rcu_read_lock();
	ppid = task_tgid_nr_ns(rcu_dereference(leader->real_parent), r->pid_ns);
	cred = __task_cred(leader);
	uid = from_kuid_munged(uns, cred->uid);
	euid = from_kuid_munged(uns, cred->euid);
	gid = from_kgid_munged(uns, cred->gid);
	egid = from_kgid_munged(uns, cred->egid);
	rcu_read_unlock();
	get_task_comm(comm, leader);

	if (!osm_node_begin(r, id))
		return;
	osm_printf(r, " pid=%llu ppid=%d", id->a, ppid);
	osm_attr_str(r, "comm", comm);
	osm_printf(r, " uid=%u euid=%u gid=%u egid=%u", uid, euid, gid, egid);
	osm_end_line(r);
}

/* Root and working directory; "fs" is what CLONE_FS shares. */
static void osm_emit_fs(struct osm_reader *r, struct task_struct *task,
			const struct osm_id *holder)
{
	struct path root, pwd;
	struct osm_id id = { .type = OSM_T_FS };

	task_lock(task);
	if (!task->fs) {
		task_unlock(task);
		return;
	}
	id.a = osm_hash_ptr(task->fs, OSM_T_FS);
	get_fs_root(task->fs, &root);
	get_fs_pwd(task->fs, &pwd);
	task_unlock(task);

	if (osm_node_begin(r, &id)) {
		osm_attr_path(r, "root", &root);
		osm_attr_path(r, "cwd", &pwd);
		osm_end_line(r);
	}
	path_put(&pwd);
	path_put(&root);

	osm_edge_begin(r, holder, OSM_EDGE_HOLD, &id);
	osm_printf(r, " mode=rw\n");
}

/* Signal handlers; "sighand" is what CLONE_SIGHAND shares. */
static void osm_emit_sighand(struct osm_reader *r, struct task_struct *task,
			     const struct osm_id *holder)
{
	struct osm_id id = { .type = OSM_T_SIGHAND };
	void *sighand;

	/* Only the address is used, to name it: no dereference, no lock. */
	sighand = rcu_access_pointer(task->sighand);
	if (!sighand)
		return;
	id.a = osm_hash_ptr(sighand, OSM_T_SIGHAND);
	if (osm_node_begin(r, &id))
		osm_end_line(r);
	osm_edge_begin(r, holder, OSM_EDGE_HOLD, &id);
	osm_printf(r, " mode=rw\n");
}

/* The thread node and its member edge; false if it is gone or hidden. */
static bool osm_emit_thread_node(struct osm_reader *r,
				 struct task_struct *task,
				 struct osm_cursor *c)
{
	char comm[TASK_COMM_LEN];
	pid_t tid = task_pid_nr_ns(task, r->pid_ns);
	pid_t tgid = task_tgid_nr_ns(task, r->pid_ns);

	/* Exited since it was listed, or changed its own credentials. */
	if (!tid || !osm_may_inspect(r, task))
		return false;
	c->thread = (struct osm_id){ .type = OSM_T_THREAD, .a = tid };
	get_task_comm(comm, task);
	if (!osm_node_begin(r, &c->thread))
		return false;
	osm_printf(r, " tid=%d tgid=%d", tid, tgid);
	osm_attr_str(r, "comm", comm);
	if (task->flags & PF_KTHREAD)
		osm_printf(r, " kthread=1");
	osm_end_line(r);
	osm_edge_begin(r, &c->thread, OSM_EDGE_MEMBER, &c->group);
	osm_end_line(r);
	return true;
}

/* Render the current thread from the cursor on; true when it is done. */
static bool osm_thread_step(struct osm_reader *r, struct task_struct *task)
{
	struct osm_cursor *c = &r->cur;

	switch (c->stage) {
	case OSM_TS_NODE:
		if (!osm_emit_thread_node(r, task, c))
			return true;
		c->stage = OSM_TS_MM;
		fallthrough;
	case OSM_TS_MM:
		if (!osm_emit_mm(r, task))
			return false;
		c->stage = OSM_TS_FILES;
		fallthrough;
	case OSM_TS_FILES:
		if (!osm_emit_files(r, task))
			return false;
		c->stage = OSM_TS_REST;
		fallthrough;
	case OSM_TS_REST:
		osm_emit_fs(r, task, &c->thread);
		osm_emit_sighand(r, task, &c->thread);
		osm_emit_namespaces(r, task, &c->thread);
		osm_emit_cgroup(r, task, &c->thread);
	}
	return true;
}

/*
 * Take references on the threads of @leader's group.  Threads created
 * after the count are missed, as any walk of live state may miss them.
 * Returns the number taken; *@out is kfree()d by the caller.
 */
static int osm_get_threads(struct task_struct *leader,
			   struct task_struct ***out)
{
	struct task_struct **threads, *t;
	int n = 0, cap;

	cap = get_nr_threads(leader) + 1;
	threads = kmalloc_array(cap, sizeof(*threads), GFP_KERNEL_ACCOUNT);
	if (!threads)
		return -ENOMEM;
	rcu_read_lock();
	for_each_thread(leader, t) {
		if (n == cap)
			break;
		get_task_struct(t);
		threads[n++] = t;
	}
	rcu_read_unlock();
	*out = threads;
	return n;
}

/**
 * osm_process_begin() - render a process node and list its threads in
 * the cursor, to be rendered by osm_process_step().
 * @r: the reader; its cursor holds no process.
 * @leader: the thread-group leader, referenced by the caller; the reader
 *	may inspect it.
 * @tgid: its pid in the reader's pid namespace.
 *
 * Kernel threads are members of the kernel PD, not of a process.
 *
 * Context: process context, may sleep; no locks held.
 */
void osm_process_begin(struct osm_reader *r, struct task_struct *leader,
		       pid_t tgid)
{
	struct osm_cursor *c = &r->cur;
	int n;

	c->group = (struct osm_id){ .type = OSM_T_PROCESS, .a = tgid };
	if (leader->flags & PF_KTHREAD)
		c->group = (struct osm_id){ .type = OSM_T_KERNEL };
	else
		osm_emit_process_node(r, leader, &c->group);

	n = osm_get_threads(leader, &c->threads);
	if (n < 0) {
		r->err = n;
		return;
	}
	c->nr = n;
	c->next = 0;
	c->stage = OSM_TS_NODE;
	c->res.type = OSM_T_NR;
}

/**
 * osm_process_step() - render the current process's threads, until the
 * chunk is full or all are done.
 * @r: the reader; its cursor holds a process.
 *
 * Context: process context, may sleep; no locks held on return.
 * Return: true when every thread is rendered (end it with
 * osm_process_end()), false when the chunk is full and the walk must
 * resume here.
 */
bool osm_process_step(struct osm_reader *r)
{
	struct osm_cursor *c = &r->cur;

	while (c->next < c->nr) {
		if (osm_chunk_full(r))
			return false;
		if (!osm_thread_step(r, c->threads[c->next]))
			return false;
		c->next++;
		c->stage = OSM_TS_NODE;
	}
	return true;
}

/**
 * osm_process_end() - drop the cursor's thread references.
 * @r: the reader.
 *
 * Safe to call when the cursor holds no process.
 */
void osm_process_end(struct osm_reader *r)
{
	struct osm_cursor *c = &r->cur;
	int i;

	for (i = 0; i < c->nr; i++)
		put_task_struct(c->threads[i]);
	kfree(c->threads);
	c->threads = NULL;
	c->nr = 0;
}
