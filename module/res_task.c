// SPDX-License-Identifier: GPL-2.0-only
/*
 * Protection domains: a process, its threads, and the resources each
 * thread holds.  Threads are the unit that holds resources, because any
 * thread may unshare its file table, fs or namespaces on its own.
 * Kernel threads are members of the kernel PD rather than of a process.
 *
 * Each time the walk resumes a thread it takes the thread's
 * exec_update_lock and asks again whether the reader may see it, as
 * mm_access() does: a target that execs a setuid program while the
 * reader is paused is not rendered any further.
 */
#include <linux/cred.h>
#include <linux/pid_namespace.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "osmosis.h"

static void osm_emit_process_node(struct osm_reader *r,
				  struct task_struct *leader,
				  const struct osm_id *id)
{
	struct user_namespace *uns = r->file->f_cred->user_ns;
	char comm[TASK_COMM_LEN];
	const struct cred *cred;
	pid_t ppid = 0;
	uid_t uid, euid;
	gid_t gid, egid;

	rcu_read_lock();
	/* A reaped task's real_parent may be gone (fs/proc/array.c). */
	if (pid_alive(leader))
		ppid = task_tgid_nr_ns(rcu_dereference(leader->real_parent),
				       r->pid_ns);
	cred = __task_cred(leader);
	uid = from_kuid_munged(uns, cred->uid);
	euid = from_kuid_munged(uns, cred->euid);
	gid = from_kgid_munged(uns, cred->gid);
	egid = from_kgid_munged(uns, cred->egid);
	rcu_read_unlock();
	get_task_comm(comm, leader);

	if (!osm_node_begin(r, id))
		return;
	osm_attr_u64(r, "pid", id->a);
	osm_attr_u64(r, "ppid", ppid);
	osm_attr_str(r, "comm", comm);
	osm_attr_u64(r, "uid", uid);
	osm_attr_u64(r, "euid", euid);
	osm_attr_u64(r, "gid", gid);
	osm_attr_u64(r, "egid", egid);
	osm_spawn_emit(r, leader);
	osm_end_line(r);
}

/* Who ptraces @task, as /proc/PID/status's TracerPid says; 0 if none. */
static pid_t osm_tracer(struct osm_reader *r, struct task_struct *task)
{
	struct task_struct *tracer;
	pid_t pid = 0;

	rcu_read_lock();
	tracer = ptrace_parent(task);
	if (tracer)
		pid = task_pid_nr_ns(tracer, r->pid_ns);
	rcu_read_unlock();
	return pid;
}

/*
 * The thread node and its member edge; false if it is gone, or its tid
 * already names a task in this walk: a thread that exec()s takes its
 * leader's tid (de_thread()), and tids are reused after they wrap.
 */
static bool osm_emit_thread_node(struct osm_reader *r,
				 struct task_struct *task,
				 struct osm_cursor *c)
{
	char comm[TASK_COMM_LEN];
	pid_t tid = task_pid_nr_ns(task, r->pid_ns);
	pid_t tgid = task_tgid_nr_ns(task, r->pid_ns);

	if (!tid)
		return false;
	c->thread = (struct osm_id){ .type = OSM_T_THREAD, .a = tid };
	get_task_comm(comm, task);
	if (!osm_node_begin(r, &c->thread))
		return false;
	osm_attr_u64(r, "tid", tid);
	osm_attr_u64(r, "tgid", tgid);
	osm_attr_str(r, "comm", comm);
	if (task->flags & PF_KTHREAD)
		osm_puts(r, " kthread=1");
	osm_attr_u64(r, "no_new_privs", task_no_new_privs(task));
	osm_attr_u64(r, "seccomp", READ_ONCE(task->seccomp.mode));
	osm_attr_u64(r, "tracer", osm_tracer(r, task));
	osm_end_line(r);
	osm_edge_begin(r, &c->thread, OSM_EDGE_MEMBER, &c->group);
	osm_end_line(r);
	return true;
}

/* Render the current thread from the cursor on; true when it is done. */
static bool osm_thread_stages(struct osm_reader *r, struct task_struct *task)
{
	struct osm_cursor *c = &r->cur;

	switch (c->stage) {
	case OSM_TS_NODE:
		if (!osm_emit_thread_node(r, task, c))
			return true;
		c->stage = OSM_TS_MM;
		fallthrough;
	case OSM_TS_MM:
		if (osm_want(r, OSM_T_MM) && !osm_emit_mm(r, task))
			return false;
		c->stage = OSM_TS_FILES;
		fallthrough;
	case OSM_TS_FILES:
		if (osm_want(r, OSM_T_FILES) && !osm_emit_files(r, task))
			return false;
		c->stage = OSM_TS_REST;
		fallthrough;
	case OSM_TS_REST:
		if (osm_want(r, OSM_T_FS))
			osm_emit_fs(r, task, &c->thread);
		if (osm_want(r, OSM_T_SIGHAND))
			osm_emit_sighand(r, task, &c->thread);
		if (osm_want(r, OSM_T_CRED))
			osm_emit_cred(r, task, &c->thread);
		if (osm_want(r, OSM_T_SECCOMP))
			osm_emit_seccomp(r, task, &c->thread);
		if (osm_want(r, OSM_T_SEMUNDO))
			osm_emit_semundo(r, task, &c->thread);
		osm_emit_namespaces(r, task, &c->thread);
		if (osm_want(r, OSM_T_CGROUP))
			osm_emit_cgroup(r, task, &c->thread);
	}
	return true;
}

/*
 * Render a piece of @task, if the reader may still see it.  The check
 * and the piece run under the task's exec_update_lock, which exec holds
 * while it switches the mm and credentials, so the piece renders only
 * what the check allowed.
 */
static bool osm_thread_step(struct osm_reader *r, struct task_struct *task)
{
	struct rw_semaphore *lock = &task->signal->exec_update_lock;
	bool done = true;

	if (down_read_killable(lock)) {
		r->err = -EINTR;
		return true;
	}
	if (osm_may_inspect(r, task))
		done = osm_thread_stages(r, task);
	up_read(lock);
	if (done)
		osm_cursor_close_res(&r->cur);
	return done;
}

/**
 * osm_thread_get() - a thread of the current process, by number.
 * @r: the reader; its cursor holds a process.
 * @tid: a thread id in the reader's pid namespace.
 *
 * Return: the task with a reference, or NULL if no thread of the process
 * has that number now.
 */
struct task_struct *osm_thread_get(struct osm_reader *r, pid_t tid)
{
	struct task_struct *t;

	rcu_read_lock();
	t = pid_task(find_pid_ns(tid, r->pid_ns), PIDTYPE_PID);
	if (t && task_tgid_nr_ns(t, r->pid_ns) == r->cur.tgid)
		get_task_struct(t);
	else
		t = NULL;
	rcu_read_unlock();
	return t;
}

/*
 * The ids of @leader's threads, into a kvmalloc()ed array: numbers, not
 * references, so a paused reader pins no thread but the one it renders.
 * Threads created after the count are missed, as any walk of live state
 * may miss them.  Returns the number, or -ENOMEM.
 */
static int osm_get_tids(struct osm_reader *r, struct task_struct *leader,
			pid_t **out)
{
	struct task_struct *t;
	int n = 0, cap;
	pid_t *tids;

	cap = get_nr_threads(leader) + 1;
	tids = kvmalloc_array(cap, sizeof(*tids), OSM_GFP_WALK);
	if (!tids)
		return -ENOMEM;
	rcu_read_lock();
	for_each_thread(leader, t) {
		if (n == cap)
			break;
		tids[n] = task_pid_nr_ns(t, r->pid_ns);
		if (tids[n])
			n++;
	}
	rcu_read_unlock();
	*out = tids;
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

	n = osm_get_tids(r, leader, &c->tids);
	if (n < 0) {
		r->err = n;
		return;
	}
	c->nr = n;
	c->next = 0;
	c->tgid = tgid;
	c->task = NULL;
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
		if (!c->task) {
			c->task = osm_thread_get(r, c->tids[c->next]);
			c->stage = OSM_TS_NODE;
		}
		if (c->task && !osm_thread_step(r, c->task))
			return false;
		if (c->task)
			put_task_struct(c->task);
		c->task = NULL;
		c->next++;
	}
	return true;
}

/**
 * osm_cursor_close_res() - drop the mm or files table being rendered.
 * @c: the cursor.
 */
void osm_cursor_close_res(struct osm_cursor *c)
{
	if (c->mm)
		mmdrop(c->mm);
	c->mm = NULL;
	c->files = NULL;
	c->res.type = OSM_T_NR;
}

/**
 * osm_process_end() - drop what the cursor holds of the current process.
 * @r: the reader.
 *
 * Safe to call when the cursor holds no process.
 */
void osm_process_end(struct osm_reader *r)
{
	struct osm_cursor *c = &r->cur;

	osm_cursor_close_res(c);
	if (c->task)
		put_task_struct(c->task);
	c->task = NULL;
	kvfree(c->tids);
	c->tids = NULL;
	c->nr = 0;
}
