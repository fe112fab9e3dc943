// SPDX-License-Identifier: GPL-2.0-only
/*
 * OSM_IOC_CONTROL_CHECK: which control rules hold for one subject thread
 * over one target thread, evaluated in the kernel on the live credentials,
 * so that libosm's answer from a graph (libosm-user/control.md) can be
 * tested against the kernel's own.
 *
 * The kernel's functions are not exported to modules (has_ns_capability,
 * __ptrace_may_access, check_kill_permission, security_capable,
 * security_ptrace_access_check), so their rules are followed step by step
 * from kernel/signal.c, kernel/ptrace.c, security/commoncap.c and
 * security/yama/yama_lsm.c.  A capability of the subject is asked of the
 * LSM-aware ns_capable_noaudit() with the subject's credentials put in
 * place of the caller's (override_creds()), so it is the kernel's own
 * cap_capable() and any LSM capable hook that answer, not a copy.  What is
 * left out: the ptrace and signal hooks of other LSMs (SELinux, AppArmor,
 * Smack, Landlock), which have no exported entry point, and Yama's
 * PR_SET_PTRACER exceptions, which live in Yama's private list.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/ptrace.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/coredump.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/threads.h>
#include <linux/uaccess.h>
#include <linux/user_namespace.h>

#include "osmosis.h"

#define OSM_YAMA_SCOPE	"/proc/sys/kernel/yama/ptrace_scope"

/*
 * Does @cred hold @cap over @ns?  Asked of the kernel under @cred, without
 * an audit record.  ns_capable_noaudit() marks the caller PF_SUPERPRIV when
 * the answer is yes: the accounting flag of a task that used a privilege,
 * which the caller did on the subject's behalf.
 */
static bool osm_ctl_capable(const struct cred *cred, struct user_namespace *ns,
			    int cap)
{
	const struct cred *old = override_creds(cred);
	bool ok = ns_capable_noaudit(ns, cap);

	revert_creds(old);
	return ok;
}

/*
 * Yama's ptrace_scope.  The variable is private to Yama and not exported;
 * its sysctl file is the one public way to read it.  The path resolves in
 * the caller's mount namespace: a caller without /proc gets no answer.
 */
static u32 osm_ctl_yama_scope(void)
{
	struct file *f = filp_open(OSM_YAMA_SCOPE, O_RDONLY, 0);
	char buf[8] = "";
	loff_t pos = 0;
	ssize_t n;
	u32 v;

	if (IS_ERR(f))
		return OSM_CTL_NO_YAMA;
	n = kernel_read(f, buf, sizeof(buf) - 1, &pos);
	filp_close(f, NULL);
	if (n <= 0)
		return OSM_CTL_NO_YAMA;
	buf[n] = '\0';
	if (kstrtou32(strim(buf), 10, &v) || v > 3)
		return OSM_CTL_NO_YAMA;
	return v;
}

/* Yama's task_is_descendant(): is @t's process @s's or below it? */
static bool osm_ctl_descendant(struct task_struct *s, struct task_struct *t)
{
	struct task_struct *walker = t;
	bool found = false;

	rcu_read_lock();
	if (!pid_alive(t))
		goto out;
	s = READ_ONCE(s->group_leader);
	while (walker->pid > 0) {
		if (!thread_group_leader(walker))
			walker = READ_ONCE(walker->group_leader);
		if (walker == s) {
			found = true;
			break;
		}
		walker = rcu_dereference(walker->real_parent);
	}
out:
	rcu_read_unlock();
	return found;
}

/* kill_ok_by_cred() of kernel/signal.c, for a signal from user space. */
static u64 osm_ctl_signal(const struct cred *sc, const struct cred *tc)
{
	u64 steps = 0;

	if (uid_eq(sc->euid, tc->suid) || uid_eq(sc->euid, tc->uid) ||
	    uid_eq(sc->uid, tc->suid) || uid_eq(sc->uid, tc->uid))
		steps |= OSM_CTL_S_KILL_IDS;
	if (osm_ctl_capable(sc, tc->user_ns, CAP_KILL))
		steps |= OSM_CTL_S_KILL_CAP;
	return steps;
}

/*
 * __ptrace_may_access() with PTRACE_MODE_ATTACH_REALCREDS, then the
 * capability LSM's cap_ptrace_access_check() and Yama's
 * yama_ptrace_access_check(); the steps that held.
 */
static u64 osm_ctl_ptrace_steps(struct task_struct *s, const struct cred *sc,
				struct task_struct *t, const struct cred *tc,
				u32 scope)
{
	bool cap_t = osm_ctl_capable(sc, tc->user_ns, CAP_SYS_PTRACE);
	struct mm_struct *mm;
	u64 steps = 0;

	if (uid_eq(sc->uid, tc->euid) && uid_eq(sc->uid, tc->suid) &&
	    uid_eq(sc->uid, tc->uid) && gid_eq(sc->gid, tc->egid) &&
	    gid_eq(sc->gid, tc->sgid) && gid_eq(sc->gid, tc->gid))
		steps |= OSM_CTL_S_PTRACE_IDS;
	if (cap_t)
		steps |= OSM_CTL_S_PTRACE_CAP;

	/* Dumpability after the credentials, as ptrace reads it. */
	smp_rmb();
	mm = get_task_mm(t);
	if (!mm || get_dumpable(mm) == SUID_DUMP_USER)
		steps |= OSM_CTL_S_DUMPABLE;
	if (mm && osm_ctl_capable(sc, mm->user_ns, CAP_SYS_PTRACE))
		steps |= OSM_CTL_S_MM_CAP;
	if (mm)
		mmput(mm);

	if (sc->user_ns == tc->user_ns &&
	    cap_issubset(tc->cap_permitted, sc->cap_permitted))
		steps |= OSM_CTL_S_CAP_SUBSET;

	if (osm_ctl_descendant(s, t))
		steps |= OSM_CTL_S_DESCENDANT;
	switch (scope) {
	case 0:
	case OSM_CTL_NO_YAMA:
		steps |= OSM_CTL_S_YAMA;
		break;
	case 1:
		if ((steps & OSM_CTL_S_DESCENDANT) || cap_t)
			steps |= OSM_CTL_S_YAMA;
		break;
	case 2:
		if (cap_t)
			steps |= OSM_CTL_S_YAMA;
		break;
	default:
		break;
	}
	return steps;
}

/* Do the steps make the ptrace rule hold? */
static bool osm_ctl_may_ptrace(u64 st)
{
	if (st & (OSM_CTL_S_SAME_PROCESS | OSM_CTL_S_KTHREAD))
		return false;	/* ptrace_attach() refuses both */
	if (!(st & (OSM_CTL_S_PTRACE_IDS | OSM_CTL_S_PTRACE_CAP)))
		return false;
	if (!(st & (OSM_CTL_S_DUMPABLE | OSM_CTL_S_MM_CAP)))
		return false;
	if (!(st & (OSM_CTL_S_CAP_SUBSET | OSM_CTL_S_PTRACE_CAP)))
		return false;
	return st & OSM_CTL_S_YAMA;
}

/* Parent and tracer, read under RCU as /proc reads PPid and TracerPid. */
static u64 osm_ctl_links(struct task_struct *s, struct task_struct *t)
{
	struct task_struct *p;
	u64 rules = 0;

	rcu_read_lock();
	if (pid_alive(t)) {
		p = rcu_dereference(t->real_parent);
		if (same_thread_group(p, s))
			rules |= OSM_CTL_PARENT;
		if (ptrace_parent(t) == s)
			rules |= OSM_CTL_TRACER;
	}
	rcu_read_unlock();
	return rules;
}

/* The rules of @cc; cc->ptrace_scope is Yama's scope, read already. */
static void osm_ctl_eval(struct task_struct *s, struct task_struct *t,
			 struct osm_control_check *cc)
{
	const struct cred *sc = get_task_cred(s);
	const struct cred *tc = get_task_cred(t);
	u64 st = 0, rules;

	rules = osm_ctl_links(s, t);
	if (same_thread_group(s, t))
		st |= OSM_CTL_S_SAME_PROCESS;
	if (t->flags & PF_KTHREAD)
		st |= OSM_CTL_S_KTHREAD;
	if (READ_ONCE(t->ptrace))
		st |= OSM_CTL_S_TRACED;
	st |= osm_ctl_signal(sc, tc);
	/* check_kill_permission(): a process may always signal itself. */
	if (st & (OSM_CTL_S_KILL_IDS | OSM_CTL_S_KILL_CAP |
		  OSM_CTL_S_SAME_PROCESS))
		rules |= OSM_CTL_SIGNAL;
	st |= osm_ctl_ptrace_steps(s, sc, t, tc, cc->ptrace_scope);
	if (osm_ctl_may_ptrace(st))
		rules |= OSM_CTL_PTRACE;
	put_cred(tc);
	put_cred(sc);
	cc->rules = rules;
	cc->steps = st;
}

/* The thread @nr of the reader's pid namespace, referenced, or NULL. */
static struct task_struct *osm_ctl_find(struct osm_reader *r, u64 nr)
{
	struct task_struct *task;

	rcu_read_lock();
	task = pid_task(find_pid_ns(nr, r->pid_ns), PIDTYPE_PID);
	if (task)
		get_task_struct(task);
	rcu_read_unlock();
	return task;
}

/* Both exec_update_locks in address order, as kcmp takes them. */
static int osm_ctl_lock(struct rw_semaphore *l1, struct rw_semaphore *l2)
{
	int err;

	if (l2 > l1)
		swap(l1, l2);
	err = down_read_killable(l1);
	if (!err && l1 != l2) {
		err = down_read_killable_nested(l2, SINGLE_DEPTH_NESTING);
		if (err)
			up_read(l1);
	}
	return err;
}

static void osm_ctl_unlock(struct rw_semaphore *l1, struct rw_semaphore *l2)
{
	up_read(l1);
	if (l1 != l2)
		up_read(l2);
}

/**
 * osm_ioc_control_check() - OSM_IOC_CONTROL_CHECK: the control rules the
 * kernel applies to one pair of threads.
 * @r: the reader whose opener asks; it must see both threads.
 * @uarg: user pointer to struct osm_control_check.
 *
 * Context: process context, may sleep.
 * Return: 0; -EINVAL, -E2BIG, -EFAULT for a bad struct; -ESRCH for a
 * thread that does not exist or that the opener may not see; -EINTR.
 */
long osm_ioc_control_check(struct osm_reader *r, void __user *uarg)
{
	struct task_struct *s = NULL, *t = NULL;
	struct osm_control_check cc;
	struct rw_semaphore *ls, *lt;
	u32 usize;
	int err;

	BUILD_BUG_ON(sizeof(cc) != OSM_CONTROL_CHECK_SIZE_VER0);
	BUILD_BUG_ON(offsetofend(struct osm_control_check, __reserved) !=
		     OSM_CONTROL_CHECK_SIZE_VER0);

	err = osm_copy_struct_in(&cc, sizeof(cc), OSM_CONTROL_CHECK_SIZE_VER0,
				 uarg, &usize);
	if (err)
		return err;
	if (cc.flags || cc.rules || cc.steps || cc.ptrace_scope ||
	    cc.__reserved0 || cc.__reserved[0] || cc.__reserved[1])
		return -EINVAL;
	if (!cc.subject || cc.subject > PID_MAX_LIMIT ||
	    !cc.target || cc.target > PID_MAX_LIMIT)
		return -EINVAL;

	err = -ESRCH;
	s = osm_ctl_find(r, cc.subject);
	t = osm_ctl_find(r, cc.target);
	if (!s || !t)
		goto out_put;
	cc.ptrace_scope = osm_ctl_yama_scope();
	/* Neither can exec (and change credentials) while it is judged. */
	ls = &s->signal->exec_update_lock;
	lt = &t->signal->exec_update_lock;
	err = osm_ctl_lock(ls, lt);
	if (err)
		goto out_put;
	err = -ESRCH;
	if (osm_may_inspect(r, s) && osm_may_inspect(r, t)) {
		osm_ctl_eval(s, t, &cc);
		err = 0;
	}
	osm_ctl_unlock(ls, lt);
	if (!err && copy_to_user(uarg, &cc, min_t(size_t, usize, sizeof(cc))))
		err = -EFAULT;
out_put:
	if (t)
		put_task_struct(t);
	if (s)
		put_task_struct(s);
	return err;
}
