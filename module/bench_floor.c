// SPDX-License-Identifier: GPL-2.0-only
/*
 * The floor for osm-bench: a bare walk of the structures the graph is
 * made of, formatting nothing.
 *
 * Reading /sys/kernel/debug/osmosis/floor (root only, as all of debugfs)
 * visits what a graph walk visits, in the same order and under the same
 * locks: every process of the initial pid namespace found with
 * find_ge_pid(), its threads and what each holds (mm, files, fs,
 * sighand, nsproxy, cred, cgroup), every region of each address space
 * under mmap_read_lock with its file's inode, and every open descriptor.
 * It keeps no ids and writes no text, so the difference between the time
 * it takes and the time a graph read takes is the price of naming,
 * deduplicating and formatting.  It prints what it counted and how long
 * the walk took.  A benchmark aid only: nothing reads it but osm-bench.
 */
#include <linux/cgroup.h>
#include <linux/debugfs.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/fs_struct.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/nsproxy.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>

#include "compat.h"
#include "osmosis.h"

/**
 * struct osm_floor - what one bare walk counted
 * @processes: thread groups visited.
 * @threads: threads visited.
 * @regions: memory regions visited.
 * @fds: open descriptors visited.
 * @sum: a value folded from what was read, so no read is optimised away.
 */
struct osm_floor {
	u64 processes;
	u64 threads;
	u64 regions;
	u64 fds;
	u64 sum;
};

static struct dentry *osm_floor_dir;

/* What a thread holds: the pointers the graph names its resources by. */
static void osm_floor_thread(struct osm_floor *f, struct task_struct *t)
{
	struct nsproxy *ns;

	task_lock(t);
	f->sum += (unsigned long)t->mm ^ (unsigned long)t->files ^
		  (unsigned long)t->fs ^ (unsigned long)t->sighand;
	ns = t->nsproxy;
	if (ns)
		f->sum += (unsigned long)ns->mnt_ns ^ (unsigned long)ns->uts_ns ^
			  (unsigned long)ns->ipc_ns ^ (unsigned long)ns->net_ns ^
			  (unsigned long)ns->cgroup_ns ^
			  (unsigned long)ns->time_ns;
	task_unlock(t);
	rcu_read_lock();
	f->sum += (unsigned long)__task_cred(t) ^
		  (unsigned long)task_active_pid_ns(t) ^
		  (unsigned long)task_css_set(t);
	rcu_read_unlock();
	f->threads++;
}

static void osm_floor_regions(struct osm_floor *f, struct task_struct *task)
{
	struct vm_area_struct *vma;
	struct mm_struct *mm;

	mm = get_task_mm(task);
	if (!mm)
		return;
	if (!mmap_read_lock_killable(mm)) {
		VMA_ITERATOR(vmi, mm, 0);

		for_each_vma(vmi, vma) {
			f->sum += vma->vm_start ^ vma->vm_end ^ vma->vm_flags;
			if (vma->vm_file)
				f->sum += osm_file_user_inode(vma->vm_file)->i_ino;
			f->regions++;
		}
		mmap_read_unlock(mm);
	}
	mmput(mm);
}

static void osm_floor_fds(struct osm_floor *f, struct task_struct *task)
{
	unsigned int fd = 0;
	struct file *file;

	while ((file = osm_next_file(task, &fd))) {
		f->sum += file_inode(file)->i_ino ^ file->f_flags ^ file->f_pos;
		fput(file);
		f->fds++;
		fd++;
	}
}

static void osm_floor_process(struct osm_floor *f, struct task_struct *leader)
{
	struct task_struct *t;
	pid_t *tids;
	int n = 0, cap, i;

	f->processes++;
	/* Threads by number, as the graph walk lists them (res_task.c). */
	cap = get_nr_threads(leader) + 1;
	tids = kvmalloc_array(cap, sizeof(*tids), GFP_KERNEL_ACCOUNT);
	if (!tids)
		return;
	rcu_read_lock();
	for_each_thread(leader, t) {
		if (n == cap)
			break;
		tids[n++] = task_pid_nr(t);
	}
	rcu_read_unlock();
	for (i = 0; i < n; i++) {
		rcu_read_lock();
		t = pid_task(find_pid_ns(tids[i], &init_pid_ns), PIDTYPE_PID);
		if (t)
			get_task_struct(t);
		rcu_read_unlock();
		if (!t)
			continue;
		osm_floor_thread(f, t);
		put_task_struct(t);
	}
	kvfree(tids);
	if (!(leader->flags & PF_KTHREAD)) {
		osm_floor_regions(f, leader);
		osm_floor_fds(f, leader);
	}
}

static void osm_floor_walk(struct osm_floor *f)
{
	struct task_struct *task;
	struct pid *pid;
	pid_t next = 1;

	for (;;) {
		task = NULL;
		rcu_read_lock();
		while ((pid = find_ge_pid(next, &init_pid_ns))) {
			next = pid_nr(pid) + 1;
			task = pid_task(pid, PIDTYPE_TGID);
			if (task) {
				get_task_struct(task);
				break;
			}
		}
		rcu_read_unlock();
		if (!task || fatal_signal_pending(current))
			break;
		osm_floor_process(f, task);
		put_task_struct(task);
		cond_resched();
	}
}

static int osm_floor_show(struct seq_file *m, void *unused)
{
	struct osm_floor f = {};
	u64 t0 = ktime_get_ns();

	osm_floor_walk(&f);
	t0 = ktime_get_ns() - t0;
	seq_printf(m, "processes=%llu threads=%llu regions=%llu fds=%llu walk_ns=%llu sum=%llx\n",
		   f.processes, f.threads, f.regions, f.fds, t0, f.sum);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(osm_floor);

/**
 * osm_floor_init() - create /sys/kernel/debug/osmosis/floor.
 *
 * Without debugfs the benchmark has no floor, and the module works on:
 * failures here are not errors.
 */
void osm_floor_init(void)
{
	osm_floor_dir = debugfs_create_dir("osmosis", NULL);
	debugfs_create_file("floor", 0400, osm_floor_dir, NULL,
			    &osm_floor_fops);
}

/**
 * osm_floor_exit() - remove it; debugfs waits for readers inside it.
 */
void osm_floor_exit(void)
{
	debugfs_remove(osm_floor_dir);
}
