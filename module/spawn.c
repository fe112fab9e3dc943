// SPDX-License-Identifier: GPL-2.0-only
/*
 * PD creation: OSM_IOC_SPAWN_PREPARE and OSM_IOC_SPAWN_COMMIT.
 *
 * The module never creates a task (shared/notes/kernel-facts.md §3: no
 * exported way, and seccomp, audit and LSMs must see the clone).  User
 * space asks PREPARE for a plan (spawn_plan.c checks the request), calls
 * clone3(2) with it, and the child calls COMMIT on itself before it
 * execs: the module compares the child's real resources with its
 * parent's, refuses a child that is not what was asked, and records the
 * PD with its spec.  A request clone3's flags express whole takes one
 * call instead (OSM_IOC_SPAWN_CLONE): the caller names the child it
 * made, the module checks it the same way and records it.
 *
 * Records: one list, under osm_spawn_lock.  A request is pending from
 * PREPARE until its child commits (or 60 s pass, or the preparing thread
 * is gone); a committed record lives until its PD is reaped.  Both are
 * dropped lazily, on the next PREPARE, COMMIT or read of the
 * spawn_records parameter, and all at rmmod.  Each user may have
 * OSM_SPAWN_PENDING_PER_USER requests pending, and there are at most
 * max_spawn_records records in all (else -EAGAIN).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cgroup.h>
#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/jiffies.h>
#include <linux/list.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/random.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uidgid.h>

#include "osmosis.h"

#define OSM_SPAWN_PENDING_PER_USER	64
#define OSM_SPAWN_PENDING_TTL		(60 * HZ)

/**
 * struct osm_spawn_rec - a prepared request, then a recorded PD
 * @node: in osm_spawn_recs.
 * @hnode: once committed, in osm_spawn_pds, keyed by @child.
 * @token: the request's token.
 * @preparer: the thread that prepared it (PIDTYPE_PID), referenced;
 *	NULL once committed.
 * @child: the committed PD (PIDTYPE_PID), referenced; NULL while pending.
 * @uid: the preparer's euid, for the per-user bound.
 * @deadline: jiffies after which a pending request is dropped.
 * @spec: what was asked.
 */
struct osm_spawn_rec {
	struct list_head node;
	struct hlist_node hnode;
	u64 token;
	struct pid *preparer;
	struct pid *child;
	kuid_t uid;
	unsigned long deadline;
	struct osm_spawn_spec spec;
};

static LIST_HEAD(osm_spawn_recs);
/* The committed records by struct pid, for the graph's process nodes. */
static DEFINE_HASHTABLE(osm_spawn_pds, 8);
/* Protects osm_spawn_recs, osm_spawn_pds and the counts. */
static DEFINE_MUTEX(osm_spawn_lock);
static unsigned int osm_spawn_nr;
/* Committed records; read without the lock so a walk skips the lock. */
static unsigned int osm_spawn_nr_pds;

static unsigned int osm_spawn_max = 4096;
module_param_named(max_spawn_records, osm_spawn_max, uint, 0644);
MODULE_PARM_DESC(max_spawn_records, "Most spawn requests and PD records kept (default 4096)");

static void osm_spawn_free(struct osm_spawn_rec *rec)
{
	list_del(&rec->node);
	osm_spawn_nr--;
	if (rec->child) {
		hash_del(&rec->hnode);
		WRITE_ONCE(osm_spawn_nr_pds, osm_spawn_nr_pds - 1);
	}
	put_pid(rec->preparer);
	put_pid(rec->child);
	osm_spawn_spec_free(&rec->spec);
	kfree(rec);
}

/* A record whose PD was reaped, or a request nobody can commit any more. */
static bool osm_spawn_stale(const struct osm_spawn_rec *rec)
{
	bool alive;

	rcu_read_lock();
	alive = pid_has_task(rec->child ?: rec->preparer, PIDTYPE_PID);
	rcu_read_unlock();
	if (rec->child)
		return !alive;
	return !alive || time_after(jiffies, rec->deadline);
}

static void osm_spawn_gc(void)
{
	struct osm_spawn_rec *rec, *tmp;

	lockdep_assert_held(&osm_spawn_lock);
	list_for_each_entry_safe(rec, tmp, &osm_spawn_recs, node)
		if (osm_spawn_stale(rec))
			osm_spawn_free(rec);
}

static struct osm_spawn_rec *osm_spawn_find(u64 token)
{
	struct osm_spawn_rec *rec;

	lockdep_assert_held(&osm_spawn_lock);
	list_for_each_entry(rec, &osm_spawn_recs, node)
		if (!rec->child && rec->token == token)
			return rec;
	return NULL;
}

/* Room for one more pending request of @uid? */
static int osm_spawn_room(kuid_t uid)
{
	struct osm_spawn_rec *rec;
	unsigned int mine = 0;

	lockdep_assert_held(&osm_spawn_lock);
	if (osm_spawn_nr >= READ_ONCE(osm_spawn_max))
		return -EAGAIN;
	list_for_each_entry(rec, &osm_spawn_recs, node)
		if (!rec->child && uid_eq(rec->uid, uid))
			mine++;
	return mine >= OSM_SPAWN_PENDING_PER_USER ? -EAGAIN : 0;
}

/**
 * osm_ioc_spawn_prepare() - OSM_IOC_SPAWN_PREPARE.
 * @uarg: user pointer to a struct osm_spawn_req.
 *
 * Context: process context, may sleep.
 * Return: 0 with the plan written back; an error of struct osm_spawn_req
 * otherwise; -EAGAIN when too many requests are pending.
 */
long osm_ioc_spawn_prepare(void __user *uarg)
{
	struct osm_spawn_rec *rec;
	struct osm_spawn_req req;
	u32 usize;
	int err;

	BUILD_BUG_ON(offsetofend(struct osm_spawn_req, __reserved) !=
		     OSM_SPAWN_REQ_SIZE_VER0);
	BUILD_BUG_ON(offsetofend(struct osm_spawn_req, __reserved1) !=
		     OSM_SPAWN_REQ_SIZE_VER1);
	BUILD_BUG_ON(offsetofend(struct osm_spawn_req, mems) !=
		     OSM_SPAWN_REQ_SIZE_VER2);
	BUILD_BUG_ON(sizeof(struct osm_spawn_req) != OSM_SPAWN_REQ_SIZE_VER3);

	err = osm_copy_struct_in(&req, sizeof(req), OSM_SPAWN_REQ_SIZE_VER0,
				 uarg, &usize);
	if (err)
		return err;
	rec = kzalloc(sizeof(*rec), GFP_KERNEL_ACCOUNT);
	if (!rec)
		return -ENOMEM;
	err = osm_spawn_plan(&req, &rec->spec);
	if (err)
		goto out_free;

	rec->preparer = get_task_pid(current, PIDTYPE_PID);
	rec->uid = current_euid();
	rec->deadline = jiffies + OSM_SPAWN_PENDING_TTL;
	mutex_lock(&osm_spawn_lock);
	osm_spawn_gc();
	err = osm_spawn_room(rec->uid);
	if (err) {
		mutex_unlock(&osm_spawn_lock);
		put_pid(rec->preparer);
		goto out_free;
	}
	do {
		rec->token = get_random_u64();
	} while (!rec->token || osm_spawn_find(rec->token));
	req.token = rec->token;
	list_add_tail(&rec->node, &osm_spawn_recs);
	osm_spawn_nr++;
	mutex_unlock(&osm_spawn_lock);

	/* A longer user struct has a zero tail already (checked above). */
	if (copy_to_user(uarg, &req, min_t(size_t, usize, sizeof(req)))) {
		mutex_lock(&osm_spawn_lock);
		rec = osm_spawn_find(req.token);
		if (rec)
			osm_spawn_free(rec);
		mutex_unlock(&osm_spawn_lock);
		return -EFAULT;
	}
	return 0;

out_free:
	osm_spawn_spec_free(&rec->spec);
	kfree(rec);
	return err;
}

/* Does the shared/copied/new @mode hold for objects @mine and @theirs? */
static bool osm_spawn_same_ok(u8 mode, const void *mine, const void *theirs)
{
	return mode == OSM_SPAWN_SHARE ? mine == theirs : mine != theirs;
}

/*
 * The resources of @child that are not as @spec asks, as a mask of
 * (1 << OSM_SPAWN_R_*), compared with those of its parent @parent; one
 * of them is current.  @file is the /dev/osmosis file a commit is made
 * on (NULL for OSM_IOC_SPAWN_CLONE, whose modes never look at it, nor
 * at a new root, cgroup or stack: those are checked on current only).
 */
static u64 osm_spawn_verify(const struct osm_spawn_spec *spec,
			    struct task_struct *child,
			    struct task_struct *parent, struct file *file)
{
	unsigned int mine[OSM_SPAWN_NR_NS], theirs[OSM_SPAWN_NR_NS];
	const void *pmm, *pfiles, *pfs, *undo __maybe_unused;
	const void *cmm, *cfiles, *cfs;
	const u8 *mode = spec->mode;
	u64 bad = 0, pcg, cg;
	unsigned int i, r;
	u8 m;

	task_lock(parent);
	pmm = parent->mm;
	pfiles = parent->files;
	pfs = parent->fs;
	task_unlock(parent);
	task_lock(child);
	cmm = child->mm;
	cfiles = child->files;
	cfs = child->fs;
	task_unlock(child);

	/* A child that has exited has none of them: nothing to compare. */
	if (!cmm || !cfiles || !cfs)
		return BIT_ULL(OSM_SPAWN_R_MM);
	if (!osm_spawn_same_ok(mode[OSM_SPAWN_R_MM], cmm, pmm) ||
	    ((spec->flags & OSM_SPAWN_STACK_PKEY) &&
	     (child != current || !osm_spawn_verify_stack())))
		bad |= BIT_ULL(OSM_SPAWN_R_MM);
	if (!osm_spawn_same_ok(mode[OSM_SPAWN_R_FILES], cfiles, pfiles) ||
	    (mode[OSM_SPAWN_R_FILES] == OSM_SPAWN_NEW &&
	     (!file || !osm_spawn_verify_fds(spec, file))))
		bad |= BIT_ULL(OSM_SPAWN_R_FILES);
	if (!osm_spawn_same_ok(mode[OSM_SPAWN_R_FS], cfs, pfs) ||
	    !osm_spawn_verify_root(spec))
		bad |= BIT_ULL(OSM_SPAWN_R_FS);
	if (!osm_spawn_same_ok(mode[OSM_SPAWN_R_SIGHAND],
			       rcu_access_pointer(child->sighand),
			       rcu_access_pointer(parent->sighand)))
		bad |= BIT_ULL(OSM_SPAWN_R_SIGHAND);
#ifdef CONFIG_SYSVIPC
	/*
	 * Shared: the parent's list (clone made one if it had none).  New:
	 * none at all, until the child's first SEM_UNDO.
	 */
	undo = READ_ONCE(child->sysvsem.undo_list);
	if (mode[OSM_SPAWN_R_SYSVSEM] == OSM_SPAWN_SHARE ?
	    !undo || undo != READ_ONCE(parent->sysvsem.undo_list) : !!undo)
		bad |= BIT_ULL(OSM_SPAWN_R_SYSVSEM);
#endif

	rcu_read_lock();
	cg = cgroup_id(task_dfl_cgroup(child));
	pcg = cgroup_id(task_dfl_cgroup(parent));
	rcu_read_unlock();
	if (mode[OSM_SPAWN_R_CGROUP] == OSM_SPAWN_SHARE ? cg != pcg :
	    cg != spec->cgroup_id || cg == pcg ||
	    !osm_spawn_verify_limits(spec))
		bad |= BIT_ULL(OSM_SPAWN_R_CGROUP);

	bad |= osm_spawn_verify_cred(spec, child, parent);

	/* A child's pid and time namespaces are its parent's for_children. */
	osm_spawn_ns_inums(child, false, mine);
	osm_spawn_ns_inums(parent, true, theirs);
	for (i = 0; i < OSM_SPAWN_NR_NS; i++) {
		r = OSM_SPAWN_R_NS0 + i;
		m = mode[r];
		if (!mine[i] || (m == OSM_SPAWN_SHARE && mine[i] != theirs[i]) ||
		    (m == OSM_SPAWN_NEW && mine[i] == theirs[i]) ||
		    (m == OSM_SPAWN_JOIN && mine[i] != spec->join_inum[i]))
			bad |= BIT_ULL(r);
	}
	return bad;
}

/* The record of the PD @pid, if it has one. */
static struct osm_spawn_rec *osm_spawn_find_pd(struct pid *pid)
{
	struct osm_spawn_rec *rec;

	lockdep_assert_held(&osm_spawn_lock);
	hash_for_each_possible(osm_spawn_pds, rec, hnode, (unsigned long)pid)
		if (rec->child == pid)
			return rec;
	return NULL;
}

/* Make @rec the record of PD @pid (whose reference it takes over). */
static void osm_spawn_add_pd(struct osm_spawn_rec *rec, struct pid *pid)
{
	lockdep_assert_held(&osm_spawn_lock);
	rec->child = pid;
	hash_add(osm_spawn_pds, &rec->hnode, (unsigned long)pid);
	WRITE_ONCE(osm_spawn_nr_pds, osm_spawn_nr_pds + 1);
}

/**
 * osm_ioc_spawn_commit() - OSM_IOC_SPAWN_COMMIT, made by a new child.
 * @file: the open device the call is made on.
 * @uarg: user pointer to a struct osm_spawn_commit.
 *
 * Context: process context, may sleep.
 * Return: 0 with the PD recorded; -ENOENT no such pending request;
 * -EPERM the caller is not a child of the preparing thread; -EXDEV its
 * resources are not as asked (mismatch written back, request dropped).
 */
long osm_ioc_spawn_commit(struct file *file, void __user *uarg)
{
	struct osm_spawn_commit c;
	struct osm_spawn_rec *rec;
	struct task_struct *parent;
	bool child_of;
	u32 usize;
	int err;

	BUILD_BUG_ON(sizeof(struct osm_spawn_commit) !=
		     OSM_SPAWN_COMMIT_SIZE_VER0);

	err = osm_copy_struct_in(&c, sizeof(c), OSM_SPAWN_COMMIT_SIZE_VER0,
				 uarg, &usize);
	if (err)
		return err;
	if (c.flags || c.mismatch)
		return -EINVAL;

	mutex_lock(&osm_spawn_lock);
	osm_spawn_gc();
	err = -ENOENT;
	rec = osm_spawn_find(c.token);
	if (!rec)
		goto out_unlock;
	err = -EPERM;
	parent = get_pid_task(rec->preparer, PIDTYPE_PID);
	if (!parent)
		goto out_unlock;
	rcu_read_lock();
	child_of = rcu_access_pointer(current->real_parent) == parent;
	rcu_read_unlock();
	if (!child_of) {
		put_task_struct(parent);
		goto out_unlock;
	}
	/*
	 * Claim the request and check the child without the lock: the check
	 * reads cgroup files (seq_file locks), while a walk takes the lock
	 * under a task's exec_update_lock (osm_spawn_emit()), which
	 * /proc/PID/stat takes under its seq_file lock.  Off the list, no
	 * other COMMIT finds it and the GC leaves it; its slot stays counted.
	 */
	list_del_init(&rec->node);
	mutex_unlock(&osm_spawn_lock);
	c.mismatch = osm_spawn_verify(&rec->spec, current, parent, file);
	put_task_struct(parent);
	mutex_lock(&osm_spawn_lock);
	list_add_tail(&rec->node, &osm_spawn_recs);
	if (c.mismatch || osm_spawn_find_pd(task_pid(current))) {
		/* The child will not run (or is recorded): request spent. */
		osm_spawn_free(rec);
		err = c.mismatch ? -EXDEV : -EEXIST;
		goto out_unlock;
	}
	if (rec->spec.flags & OSM_SPAWN_NO_NEW_PRIVS)
		task_set_no_new_privs(current);
	put_pid(rec->preparer);
	rec->preparer = NULL;
	osm_spawn_add_pd(rec, get_task_pid(current, PIDTYPE_PID));
	err = 0;
out_unlock:
	mutex_unlock(&osm_spawn_lock);
	if (err == -EXDEV &&
	    copy_to_user(uarg, &c, min_t(size_t, usize, sizeof(c))))
		err = -EFAULT;
	return err;
}

/**
 * osm_ioc_spawn_clone() - OSM_IOC_SPAWN_CLONE: record a child the caller
 * made with clone3(2) alone.
 * @uarg: user pointer to a struct osm_spawn_clone.
 *
 * The one-call path for a request clone3's flags express whole
 * (osm_spawn_plan_clone()): the child is checked against the caller as
 * COMMIT checks a child against its preparer, then recorded.
 *
 * Context: process context, may sleep.
 * Return: 0 with the PD recorded; -EINVAL a request this path does not
 * take; -ESRCH no such child of the calling thread; -EEXIST it is
 * recorded already; -EXDEV its resources are not as asked (mismatch
 * written back); -EAGAIN too many records; -ENOMEM.
 */
long osm_ioc_spawn_clone(void __user *uarg)
{
	struct osm_spawn_clone c;
	struct osm_spawn_rec *rec;
	struct task_struct *child;
	struct pid *pid;
	bool child_of;
	u32 usize;
	int err;

	BUILD_BUG_ON(sizeof(struct osm_spawn_clone) !=
		     OSM_SPAWN_CLONE_SIZE_VER0);

	err = osm_copy_struct_in(&c, sizeof(c), OSM_SPAWN_CLONE_SIZE_VER0,
				 uarg, &usize);
	if (err)
		return err;
	if (c.flags || c.__reserved0 || c.mismatch || c.pid <= 0)
		return -EINVAL;
	rec = kzalloc(sizeof(*rec), GFP_KERNEL_ACCOUNT);
	if (!rec)
		return -ENOMEM;
	err = osm_spawn_plan_clone(c.mode, &rec->spec);
	if (err)
		goto out_free;

	/* A pid of our namespace whose task is a child of this thread. */
	err = -ESRCH;
	pid = find_get_pid(c.pid);
	if (!pid)
		goto out_free;
	child = get_pid_task(pid, PIDTYPE_PID);
	if (!child)
		goto out_put_pid;
	rcu_read_lock();
	child_of = rcu_access_pointer(child->real_parent) == current;
	rcu_read_unlock();
	if (!child_of)
		goto out_put_task;
	c.mismatch = osm_spawn_verify(&rec->spec, child, current, NULL);
	if (c.mismatch) {
		err = -EXDEV;
		goto out_put_task;
	}

	rec->uid = current_euid();
	mutex_lock(&osm_spawn_lock);
	osm_spawn_gc();
	if (osm_spawn_find_pd(pid)) {
		err = -EEXIST;
	} else if (osm_spawn_nr >= READ_ONCE(osm_spawn_max)) {
		err = -EAGAIN;
	} else {
		list_add_tail(&rec->node, &osm_spawn_recs);
		osm_spawn_nr++;
		osm_spawn_add_pd(rec, pid);
		pid = NULL;	/* the record's now */
		rec = NULL;
		err = 0;
	}
	mutex_unlock(&osm_spawn_lock);
out_put_task:
	put_task_struct(child);
out_put_pid:
	put_pid(pid);
out_free:
	if (rec) {
		osm_spawn_spec_free(&rec->spec);
		kfree(rec);
	}
	if (err == -EXDEV &&
	    copy_to_user(uarg, &c, min_t(size_t, usize, sizeof(c))))
		err = -EFAULT;
	return err;
}

/**
 * osm_spawn_emit() - the spec of @leader's process, if osm_spawn made it.
 * @r: the reader, inside @leader's process node line.
 * @leader: the thread-group leader, referenced by the caller.
 *
 * The record is keyed by the committing task's struct pid, which it
 * holds, so the address names no other task while the record lives.
 *
 * Context: process context, may sleep; takes osm_spawn_lock.
 */
void osm_spawn_emit(struct osm_reader *r, struct task_struct *leader)
{
	struct osm_spawn_rec *rec;
	struct pid *pid;

	if (!READ_ONCE(osm_spawn_nr_pds))
		return;
	rcu_read_lock();
	pid = task_pid(leader);
	rcu_read_unlock();
	if (!pid)
		return;
	mutex_lock(&osm_spawn_lock);
	rec = osm_spawn_find_pd(pid);
	if (rec)
		osm_spawn_render(r, &rec->spec);
	mutex_unlock(&osm_spawn_lock);
}

/* spawn_records: how many requests and PDs are recorded now. */
static int osm_spawn_records_get(char *buf, const struct kernel_param *kp)
{
	unsigned int n;

	mutex_lock(&osm_spawn_lock);
	osm_spawn_gc();
	n = osm_spawn_nr;
	mutex_unlock(&osm_spawn_lock);
	return scnprintf(buf, PAGE_SIZE, "%u\n", n);
}

static const struct kernel_param_ops osm_spawn_records_ops = {
	.get = osm_spawn_records_get,
};
module_param_cb(spawn_records, &osm_spawn_records_ops, NULL, 0444);
MODULE_PARM_DESC(spawn_records, "Spawn requests pending and PDs recorded, after dropping the stale ones");

/**
 * osm_spawn_exit() - drop every request and record, at rmmod.
 *
 * Context: module exit; no ioctl can run any more.
 */
void osm_spawn_exit(void)
{
	struct osm_spawn_rec *rec, *tmp;

	mutex_lock(&osm_spawn_lock);
	list_for_each_entry_safe(rec, tmp, &osm_spawn_recs, node)
		osm_spawn_free(rec);
	mutex_unlock(&osm_spawn_lock);
}
