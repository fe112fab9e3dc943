// SPDX-License-Identifier: GPL-2.0-only
/*
 * Who may see what.  A reader sees a process only if /proc would let its
 * opener inspect it (/proc/PID/maps and /proc/PID/ns use
 * PTRACE_MODE_READ_FSCREDS).  ptrace_may_access() is not exported to
 * modules, so its rules are followed here step by step with the opener's
 * credentials (file->f_cred): the opener's fsuid/fsgid must match all of
 * the target's uids/gids, or the opener must have CAP_SYS_PTRACE over
 * the target's user namespace; and a target that is not dumpable also
 * needs CAP_SYS_PTRACE over its mm's user namespace.  Capabilities are
 * asked of the LSM-aware ns_capable_noaudit() under the opener's
 * credentials, so an LSM that denies the opener sys_ptrace narrows the
 * view and nothing is audited.  The LSM's own ptrace hook has no exported
 * entry point: where an LSM restricts ptrace by other means than
 * capabilities (Yama, an AppArmor ptrace rule), this view is wider than
 * /proc's.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/sched.h>
#include <linux/sched/coredump.h>
#include <linux/sched/mm.h>
#include <linux/user_namespace.h>

#include "osmosis.h"

/**
 * osm_cred_has_cap() - does @cred hold @cap over user namespace @ns?
 * @cred: the credentials.
 * @ns: the target user namespace.
 * @cap: a capability.
 *
 * The commoncap rules (security/commoncap.c cap_capable()): @cap in the
 * effective set when @cred lives in @ns, or ownership of @ns or an
 * ancestor of it by @cred's euid from its parent namespace.  This
 * describes what a target could do (a graph attribute), so it is asked
 * of the credentials alone; access control uses osm_opener_capable().
 *
 * Context: any; the caller keeps @cred and @ns alive.
 * Return: true if the capability is held.
 */
bool osm_cred_has_cap(const struct cred *cred, struct user_namespace *ns,
		      int cap)
{
	for (;;) {
		if (ns == cred->user_ns)
			return cap_raised(cred->cap_effective, cap);
		/* A namespace nested no deeper than cred's cannot be below it. */
		if (ns->level <= cred->user_ns->level)
			return false;
		if (ns->parent == cred->user_ns && uid_eq(ns->owner, cred->euid))
			return true;
		ns = ns->parent;
	}
}

static bool osm_ids_match(const struct cred *opener, const struct cred *tc)
{
	return uid_eq(opener->fsuid, tc->euid) &&
	       uid_eq(opener->fsuid, tc->suid) &&
	       uid_eq(opener->fsuid, tc->uid) &&
	       gid_eq(opener->fsgid, tc->egid) &&
	       gid_eq(opener->fsgid, tc->sgid) &&
	       gid_eq(opener->fsgid, tc->gid);
}

/**
 * osm_opener_capable() - does the reader's opener have @cap over @ns?
 * @r: the reader.
 * @ns: a user namespace, kept alive by the caller.
 * @cap: a capability.
 *
 * The check runs under the opener's credentials, through the LSM, and is
 * not audited: being refused is the common case of an unprivileged
 * reader, not an event.
 *
 * Context: process context, may sleep.
 * Return: true if the capability is held.
 */
bool osm_opener_capable(struct osm_reader *r, struct user_namespace *ns,
			int cap)
{
	const struct cred *old = override_creds(r->file->f_cred);
	bool ok = ns_capable_noaudit(ns, cap);

	revert_creds(old);
	return ok;
}

/**
 * osm_may_inspect() - may this reader see @task?
 * @r: the reader.
 * @task: a task, referenced by the caller.
 *
 * Context: process context, may sleep.  The caller holds @task's
 * exec_update_lock for the answer to stay true while it renders.
 * Return: true if @task is part of the reader's view.
 */
bool osm_may_inspect(struct osm_reader *r, struct task_struct *task)
{
	const struct cred *opener = r->file->f_cred;
	struct user_namespace *tns;
	struct mm_struct *mm;
	bool ok;

	if (r->full_view)
		return true;
	if (task->flags & PF_KTHREAD)
		return false;

	rcu_read_lock();
	ok = osm_ids_match(opener, __task_cred(task));
	tns = get_user_ns(__task_cred(task)->user_ns);
	rcu_read_unlock();
	if (!ok)
		ok = osm_opener_capable(r, tns, CAP_SYS_PTRACE);
	put_user_ns(tns);
	if (!ok)
		return false;

	/*
	 * Read dumpability after the credentials, as ptrace does: pairs
	 * with the write barrier in commit_creds(), so a task that drops
	 * privileges and becomes non-dumpable is never seen half-way.
	 */
	smp_rmb();
	mm = get_task_mm(task);
	if (mm) {
		if (get_dumpable(mm) != SUID_DUMP_USER &&
		    !osm_opener_capable(r, mm->user_ns, CAP_SYS_PTRACE))
			ok = false;
		mmput(mm);
	}
	return ok;
}
