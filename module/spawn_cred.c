// SPDX-License-Identifier: GPL-2.0-only
/*
 * Credentials and seccomp for PD creation (api 1.4): PREPARE's checks of
 * cred mode new (uid, gid, capabilities to keep) and seccomp mode new
 * (one more filter), and COMMIT's comparison of the child's real
 * credentials, no_new_privs and seccomp state with what was asked.
 *
 * The child sets its credentials and installs the filter itself, with
 * the system calls any process uses (setresuid, capset, prctl, seccomp):
 * no supported kernel exports a way to install a filter on a task, and
 * credentials a module made (prepare_creds/commit_creds) would skip the
 * LSM hooks those calls run.  The module checks the result.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/filter.h>
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <linux/uidgid.h>
#include <linux/user_namespace.h>

#include "compat.h"
#include "osmosis.h"

#define OSM_CAPS_ALL	(BIT_ULL(CAP_LAST_CAP + 1) - 1)

/* Would the kernel take this classic BPF program (bpf_check_classic)? */
static int osm_spawn_check_prog(const struct osm_spawn_req *req)
{
	struct sock_fprog fprog = {
		.len = req->seccomp_len,
		.filter = u64_to_user_ptr(req->seccomp_prog),
	};
	struct bpf_prog *fp;
	int err;

	if (!req->seccomp_len || req->seccomp_len > BPF_MAXINSNS)
		return -EINVAL;
	err = bpf_prog_create_from_user(&fp, &fprog, NULL, false);
	if (err)
		return err;
	bpf_prog_destroy(fp);
	return 0;
}

/* cred new: ids and capabilities the child may take, and its actions. */
static int osm_spawn_plan_ids(struct osm_spawn_req *req)
{
	struct user_namespace *own = current_user_ns();
	const u8 *mode = req->mode;

	if (req->uid == (u32)-1 || req->gid == (u32)-1 ||
	    (req->caps_keep & ~OSM_CAPS_ALL))
		return -EINVAL;
	/* In a new or joined user namespace the child has every capability. */
	if (mode[OSM_SPAWN_R_USER_NS] == OSM_SPAWN_SHARE) {
		if (!uid_valid(make_kuid(own, req->uid)) ||
		    !gid_valid(make_kgid(own, req->gid)))
			return -EINVAL;
		if (!ns_capable(own, CAP_SETUID) ||
		    !ns_capable(own, CAP_SETGID) ||
		    !ns_capable(own, CAP_SETPCAP) ||
		    (req->caps_keep &
		     ~osm_cap_u64(current_cred()->cap_permitted)))
			return -EPERM;
	}
	req->actions |= OSM_SPAWN_ACT_SETID | OSM_SPAWN_ACT_CAPS;
	if (mode[OSM_SPAWN_R_USER_NS] == OSM_SPAWN_NEW)
		req->actions |= OSM_SPAWN_ACT_IDMAP;
	return 0;
}

/*
 * seccomp new: a program the kernel takes, and what seccomp(2) will ask
 * of the child: no_new_privs, or CAP_SYS_ADMIN in its user namespace.
 */
static int osm_spawn_plan_seccomp(struct osm_spawn_req *req)
{
	const u8 *mode = req->mode;
	bool nnp = req->flags & OSM_SPAWN_NO_NEW_PRIVS;
	bool admin;
	int err;

	if (!IS_ENABLED(CONFIG_SECCOMP_FILTER))
		return -EOPNOTSUPP;
	err = osm_spawn_check_prog(req);
	if (err)
		return err;
	if (mode[OSM_SPAWN_R_CRED] == OSM_SPAWN_NEW)
		admin = req->caps_keep & BIT_ULL(CAP_SYS_ADMIN);
	else
		admin = mode[OSM_SPAWN_R_USER_NS] != OSM_SPAWN_SHARE ||
			ns_capable_noaudit(current_user_ns(), CAP_SYS_ADMIN);
	if (!admin && !nnp && !task_no_new_privs(current))
		return -EACCES;
	if (nnp)
		req->actions |= OSM_SPAWN_ACT_NNP;
	req->actions |= OSM_SPAWN_ACT_SECCOMP;
	return 0;
}

/**
 * osm_spawn_plan_cred() - check a request's credentials and seccomp
 * filter, add the child's actions for them.
 * @req: the request, modes resolved.
 * @spec: gets the ids and capabilities asked for.
 *
 * Context: process context, may sleep; permissions are those of current.
 * Return: 0, or -EINVAL, -EPERM, -EACCES, -EFAULT as struct
 * osm_spawn_req documents.
 */
int osm_spawn_plan_cred(struct osm_spawn_req *req,
			struct osm_spawn_spec *spec)
{
	bool cred_new = req->mode[OSM_SPAWN_R_CRED] == OSM_SPAWN_NEW;
	int err;

	if (req->__reserved1)
		return -EINVAL;
	if (!cred_new && (req->uid || req->gid || req->caps_keep))
		return -EINVAL;
	if (req->mode[OSM_SPAWN_R_SECCOMP] != OSM_SPAWN_NEW &&
	    (req->seccomp_prog || req->seccomp_len))
		return -EINVAL;
	if (cred_new) {
		err = osm_spawn_plan_ids(req);
		if (err)
			return err;
	}
	if (req->mode[OSM_SPAWN_R_SECCOMP] == OSM_SPAWN_NEW) {
		err = osm_spawn_plan_seccomp(req);
		if (err)
			return err;
	}
	spec->uid = req->uid;
	spec->gid = req->gid;
	spec->caps_keep = req->caps_keep;
	return 0;
}

static bool osm_caps_are(const struct cred *c, u64 keep)
{
	return osm_cap_u64(c->cap_bset) == keep &&
	       osm_cap_u64(c->cap_permitted) == keep &&
	       osm_cap_u64(c->cap_effective) == keep &&
	       osm_cap_u64(c->cap_inheritable) == keep &&
	       osm_cap_u64(c->cap_ambient) == keep;
}

static bool osm_caps_same(const struct cred *a, const struct cred *b)
{
	return osm_cap_u64(a->cap_bset) == osm_cap_u64(b->cap_bset) &&
	       osm_cap_u64(a->cap_permitted) == osm_cap_u64(b->cap_permitted) &&
	       osm_cap_u64(a->cap_effective) == osm_cap_u64(b->cap_effective) &&
	       osm_cap_u64(a->cap_inheritable) ==
	       osm_cap_u64(b->cap_inheritable) &&
	       osm_cap_u64(a->cap_ambient) == osm_cap_u64(b->cap_ambient);
}

/* cred new: every id is the one asked for, the capabilities exactly kept. */
static bool osm_cred_new_ok(const struct osm_spawn_spec *spec,
			    const struct cred *me, const struct cred *pc)
{
	kuid_t uid = make_kuid(me->user_ns, spec->uid);
	kgid_t gid = make_kgid(me->user_ns, spec->gid);
	u8 userns = spec->mode[OSM_SPAWN_R_USER_NS];

	if (!uid_valid(uid) || !gid_valid(gid) ||
	    !uid_eq(me->uid, uid) || !uid_eq(me->euid, uid) ||
	    !uid_eq(me->suid, uid) || !uid_eq(me->fsuid, uid) ||
	    !gid_eq(me->gid, gid) || !gid_eq(me->egid, gid) ||
	    !gid_eq(me->sgid, gid) || !gid_eq(me->fsgid, gid))
		return false;
	/* A new user namespace maps one id each: the caller's own. */
	if (userns == OSM_SPAWN_NEW &&
	    (!uid_eq(uid, pc->euid) || !gid_eq(gid, pc->egid)))
		return false;
	/* Without one, the supplementary groups are dropped. */
	if (userns == OSM_SPAWN_SHARE && me->group_info->ngroups)
		return false;
	return osm_caps_are(me, spec->caps_keep);
}

/**
 * osm_spawn_verify_cred() - are @child's credentials, no_new_privs and
 * seccomp filters as @spec asks?
 * @spec: what was asked.
 * @child: the new task, referenced (current for a commit).
 * @parent: its parent, referenced (current for OSM_IOC_SPAWN_CLONE).
 *
 * Cred share: the parent's ids, and its capabilities in the same user
 * namespace.  Cred new: the ids and capabilities asked for.  Either way
 * no_new_privs is the parent's unless it was asked for.  Seccomp share:
 * the parent's filters; new: exactly one more.
 *
 * Context: process context.
 * Return: a mask of (1 << OSM_SPAWN_R_CRED) and (1 << OSM_SPAWN_R_SECCOMP)
 * for what is not as asked.
 */
u64 osm_spawn_verify_cred(const struct osm_spawn_spec *spec,
			  struct task_struct *child,
			  struct task_struct *parent)
{
	const struct cred *me, *pc;
	const u8 *mode = spec->mode;
	u64 bad = 0;
	bool ok;

	me = get_task_cred(child);
	pc = get_task_cred(parent);
	if (mode[OSM_SPAWN_R_CRED] == OSM_SPAWN_NEW)
		ok = osm_cred_new_ok(spec, me, pc);
	else
		ok = uid_eq(me->uid, pc->uid) && uid_eq(me->euid, pc->euid) &&
		     gid_eq(me->gid, pc->gid) && gid_eq(me->egid, pc->egid) &&
		     (me->user_ns != pc->user_ns || osm_caps_same(me, pc));
	put_cred(pc);
	put_cred(me);
	if (task_no_new_privs(child) != task_no_new_privs(parent) &&
	    !(spec->flags & OSM_SPAWN_NO_NEW_PRIVS))
		ok = false;
	if (!ok)
		bad |= BIT_ULL(OSM_SPAWN_R_CRED);

#ifdef CONFIG_SECCOMP_FILTER
	{
		int mine = READ_ONCE(child->seccomp.mode);
		int theirs = READ_ONCE(parent->seccomp.mode);
		int n = atomic_read(&child->seccomp.filter_count);
		int pn = atomic_read(&parent->seccomp.filter_count);

		if (mode[OSM_SPAWN_R_SECCOMP] == OSM_SPAWN_NEW ?
		    mine != SECCOMP_MODE_FILTER || n != pn + 1 :
		    mine != theirs || n != pn)
			bad |= BIT_ULL(OSM_SPAWN_R_SECCOMP);
	}
#else
	if (mode[OSM_SPAWN_R_SECCOMP] == OSM_SPAWN_NEW)
		bad |= BIT_ULL(OSM_SPAWN_R_SECCOMP);
#endif
	return bad;
}
