// SPDX-License-Identifier: GPL-2.0-only
/*
 * OSM_IOC_SPAWN_PREPARE's checks: turn a request into a plan (the
 * clone3 flags, the namespaces to join) or refuse it with the error
 * clone(2) or setns(2) would give later, so a caller learns before it
 * creates anything.  The kernel's own checks at clone3 and setns time
 * still apply; these only refuse earlier, never allow more.
 */
#include <linux/capability.h>
#include <linux/cgroup.h>
#include <linux/cred.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/threads.h>
#include <linux/user_namespace.h>

#include "osmosis.h"

#define M(x)	(1U << OSM_SPAWN_##x)

/* The modes each resource has. */
static const u8 osm_modes[OSM_SPAWN_NR] = {
	[OSM_SPAWN_R_MM]	= M(SHARE) | M(COPY),
	[OSM_SPAWN_R_FILES]	= M(SHARE) | M(COPY) | M(NEW),
	[OSM_SPAWN_R_FS]	= M(SHARE) | M(COPY) | M(NEW),
	[OSM_SPAWN_R_SIGHAND]	= M(SHARE) | M(COPY),
	[OSM_SPAWN_R_SYSVSEM]	= M(SHARE) | M(NEW),
	[OSM_SPAWN_R_CGROUP]	= M(SHARE) | M(NEW),
	[OSM_SPAWN_R_CRED]	= M(SHARE) | M(NEW),
	[OSM_SPAWN_R_SECCOMP]	= M(SHARE) | M(NEW),
	[OSM_SPAWN_R_MNT_NS ... OSM_SPAWN_R_TIME_NS] =
				  M(SHARE) | M(NEW) | M(JOIN),
};

/* What fork(2) does, the meaning of OSM_SPAWN_DEFAULT. */
static const u8 osm_fork_mode[OSM_SPAWN_NR] = {
	[OSM_SPAWN_R_MM]	= OSM_SPAWN_COPY,
	[OSM_SPAWN_R_FILES]	= OSM_SPAWN_COPY,
	[OSM_SPAWN_R_FS]	= OSM_SPAWN_COPY,
	[OSM_SPAWN_R_SIGHAND]	= OSM_SPAWN_COPY,
	[OSM_SPAWN_R_SYSVSEM]	= OSM_SPAWN_NEW,
	[OSM_SPAWN_R_CGROUP]	= OSM_SPAWN_SHARE,
	[OSM_SPAWN_R_CRED]	= OSM_SPAWN_SHARE,
	[OSM_SPAWN_R_SECCOMP]	= OSM_SPAWN_SHARE,
	[OSM_SPAWN_R_MNT_NS ... OSM_SPAWN_R_TIME_NS] = OSM_SPAWN_SHARE,
};

/*
 * What OSM_IOC_SPAWN_CLONE takes: the modes clone3's flags give by
 * themselves, with nothing for the child to do and no object to name.
 */
static const u8 osm_clone_modes[OSM_SPAWN_NR] = {
	[OSM_SPAWN_R_MM]	= M(SHARE) | M(COPY),
	[OSM_SPAWN_R_FILES]	= M(SHARE) | M(COPY),
	[OSM_SPAWN_R_FS]	= M(SHARE) | M(COPY),
	[OSM_SPAWN_R_SIGHAND]	= M(SHARE) | M(COPY),
	[OSM_SPAWN_R_SYSVSEM]	= M(SHARE) | M(NEW),
	[OSM_SPAWN_R_CGROUP]	= M(SHARE),
	[OSM_SPAWN_R_CRED]	= M(SHARE),
	[OSM_SPAWN_R_SECCOMP]	= M(SHARE),
	[OSM_SPAWN_R_MNT_NS ... OSM_SPAWN_R_TIME_NS] = M(SHARE) | M(NEW),
};

/* The CLONE_* flag that shares a resource with the caller. */
static const u64 osm_share_flag[OSM_SPAWN_R_CGROUP] = {
	[OSM_SPAWN_R_MM]	= CLONE_VM,
	[OSM_SPAWN_R_FILES]	= CLONE_FILES,
	[OSM_SPAWN_R_FS]	= CLONE_FS,
	[OSM_SPAWN_R_SIGHAND]	= CLONE_SIGHAND,
	[OSM_SPAWN_R_SYSVSEM]	= CLONE_SYSVSEM,
};

static bool osm_ns_is(const u8 *mode, unsigned int r, unsigned int m1,
		      unsigned int m2)
{
	return mode[r] == m1 || mode[r] == m2;
}

/* Pairs clone(2) or setns(2) refuse, or that miss what is asked. */
static bool osm_spawn_combination_ok(const u8 *mode)
{
	if (mode[OSM_SPAWN_R_SIGHAND] == OSM_SPAWN_SHARE &&
	    mode[OSM_SPAWN_R_MM] != OSM_SPAWN_SHARE)
		return false;
	if (mode[OSM_SPAWN_R_FS] == OSM_SPAWN_SHARE &&
	    (osm_ns_is(mode, OSM_SPAWN_R_MNT_NS, OSM_SPAWN_NEW, OSM_SPAWN_JOIN) ||
	     osm_ns_is(mode, OSM_SPAWN_R_USER_NS, OSM_SPAWN_NEW, OSM_SPAWN_JOIN)))
		return false;
	if (mode[OSM_SPAWN_R_SYSVSEM] == OSM_SPAWN_SHARE &&
	    osm_ns_is(mode, OSM_SPAWN_R_IPC_NS, OSM_SPAWN_NEW, OSM_SPAWN_JOIN))
		return false;
	/* A task sharing its mm keeps its time namespace (copy_namespaces). */
	if (mode[OSM_SPAWN_R_MM] == OSM_SPAWN_SHARE &&
	    osm_ns_is(mode, OSM_SPAWN_R_TIME_NS, OSM_SPAWN_NEW, OSM_SPAWN_JOIN))
		return false;
	return true;
}

/*
 * Namespaces to join: each named by an nsfs descriptor of its type, and
 * allowed as setns(2) would allow it: CAP_SYS_ADMIN over the namespace's
 * owner and, unless a user namespace is joined too, in the caller's own
 * user namespace.  With a user namespace joined, only that one is
 * checked here; setns(2) in the child checks the rest.
 */
static int osm_spawn_joins(const struct osm_spawn_req *req,
			   struct osm_spawn_spec *spec)
{
	struct user_namespace *own = current_user_ns();
	bool join_user = req->mode[OSM_SPAWN_R_USER_NS] == OSM_SPAWN_JOIN;
	struct user_namespace *admin;
	unsigned int i, r;
	int err;

	for (i = 0; i < OSM_SPAWN_NR_NS; i++) {
		r = OSM_SPAWN_R_NS0 + i;
		if (req->mode[r] != OSM_SPAWN_JOIN)
			continue;
		err = osm_spawn_nsfd(req->ns_fd[i], i, &spec->join_inum[i],
				     &admin);
		if (err)
			return err;
		if (r == OSM_SPAWN_R_USER_NS) {
			/* setns(2) refuses to re-enter one's own (no gain). */
			err = admin == own ? -EINVAL :
			      !ns_capable(admin, CAP_SYS_ADMIN) ? -EPERM : 0;
		} else if (!join_user) {
			err = !ns_capable(admin, CAP_SYS_ADMIN) ||
			      !ns_capable(own, CAP_SYS_ADMIN) ? -EPERM : 0;
			if (!err && r == OSM_SPAWN_R_MNT_NS &&
			    !ns_capable(own, CAP_SYS_CHROOT))
				err = -EPERM;
		}
		put_user_ns(admin);
		if (err)
			return err;
	}
	return 0;
}

/* A new cgroup: an empty cgroup2 directory (so not the caller's). */
static int osm_spawn_cgroup(const struct osm_spawn_req *req,
			    struct osm_spawn_spec *spec)
{
	struct cgroup *cgrp;
	int err = 0;

	if (req->cgroup_fd < 0)
		return -EBADF;
	cgrp = cgroup_get_from_fd(req->cgroup_fd);
	if (IS_ERR(cgrp))
		return PTR_ERR(cgrp);
	if (cgroup_is_populated(cgrp))
		err = -EBUSY;
	spec->cgroup_id = cgroup_id(cgrp);
	cgroup_put(cgrp);
	return err;
}

/**
 * osm_spawn_plan() - check a request and fill in its plan.
 * @req: the request as copied in; on success its mode[] is normalised
 *	and its out fields (except the token) are filled in.
 * @spec: filled in with what the child's commit is checked against.
 *
 * Context: process context, may sleep; permissions are those of current.
 * Return: 0, or -EINVAL, -EPERM, -EBADF, -EBUSY, -EACCES as struct
 * osm_spawn_req documents.
 */
int osm_spawn_plan(struct osm_spawn_req *req, struct osm_spawn_spec *spec)
{
	u8 *mode = req->mode;
	bool new_user;
	unsigned int r, i;
	int err;

	if (req->flags & ~OSM_SPAWN_FLAGS_ALL)
		return -EINVAL;
	if (req->__reserved0 ||
	    memchr_inv(req->__reserved, 0, sizeof(req->__reserved)))
		return -EINVAL;
	if (req->clone_flags || req->setns_flags || req->parent_setns_flags ||
	    req->actions || req->token)
		return -EINVAL;

	for (r = 0; r < OSM_SPAWN_NR; r++) {
		if (mode[r] == OSM_SPAWN_DEFAULT)
			mode[r] = osm_fork_mode[r];
		else if (mode[r] > OSM_SPAWN_JOIN ||
			 !(osm_modes[r] & (1U << mode[r])))
			return -EINVAL;
	}
	for (i = 0; i < OSM_SPAWN_NR_NS; i++)
		if (mode[OSM_SPAWN_R_NS0 + i] != OSM_SPAWN_JOIN &&
		    req->ns_fd[i])
			return -EINVAL;
	if (mode[OSM_SPAWN_R_CGROUP] != OSM_SPAWN_NEW &&
	    (req->cgroup_fd || req->memory_max || req->pids_max))
		return -EINVAL;
	if (req->pids_max > PID_MAX_LIMIT)
		return -EINVAL;
	if (!osm_spawn_combination_ok(mode))
		return -EINVAL;

	/*
	 * Joining an existing namespace from a new user namespace: the new
	 * one has no privilege over anything that existed before it.
	 */
	new_user = mode[OSM_SPAWN_R_USER_NS] == OSM_SPAWN_NEW;
	for (i = 0; i < OSM_SPAWN_NR_NS; i++)
		if (new_user && mode[OSM_SPAWN_R_NS0 + i] == OSM_SPAWN_JOIN)
			return -EINVAL;

	memset(spec, 0, sizeof(*spec));
	for (r = 0; r < OSM_SPAWN_R_CGROUP; r++)
		if (mode[r] == OSM_SPAWN_SHARE)
			req->clone_flags |= osm_share_flag[r];
	for (i = 0; i < OSM_SPAWN_NR_NS; i++) {
		r = OSM_SPAWN_R_NS0 + i;
		if (mode[r] == OSM_SPAWN_NEW)
			req->clone_flags |= osm_spawn_ns_flag(i);
		else if (mode[r] == OSM_SPAWN_JOIN && r == OSM_SPAWN_R_PID_NS)
			req->parent_setns_flags |= osm_spawn_ns_flag(i);
		else if (mode[r] == OSM_SPAWN_JOIN)
			req->setns_flags |= osm_spawn_ns_flag(i);
	}
	/* New namespaces in the caller's user namespace need its admin. */
	if ((req->clone_flags & ~CLONE_NEWUSER & osm_spawn_ns_mask()) &&
	    !new_user && !ns_capable(current_user_ns(), CAP_SYS_ADMIN))
		return -EPERM;

	err = osm_spawn_joins(req, spec);
	if (err)
		return err;
	if (mode[OSM_SPAWN_R_CGROUP] == OSM_SPAWN_NEW) {
		err = osm_spawn_cgroup(req, spec);
		if (err)
			return err;
		req->clone_flags |= CLONE_INTO_CGROUP;
	}
	if (mode[OSM_SPAWN_R_FILES] == OSM_SPAWN_NEW)
		req->actions |= OSM_SPAWN_ACT_CLOSE_FDS;
	err = osm_spawn_plan_cred(req, spec);
	if (err)
		return err;
	err = osm_spawn_plan_limits(req, spec);
	if (err)
		return err;
	err = osm_spawn_plan_fs(req, spec);
	if (err)
		return err;
	err = osm_spawn_plan_stack(req);
	if (err)
		return err;

	memcpy(spec->mode, mode, sizeof(spec->mode));
	spec->flags = req->flags;
	spec->memory_max = req->memory_max;
	spec->pids_max = req->pids_max;
	return 0;
}

/**
 * osm_spawn_plan_clone() - check the modes of an OSM_IOC_SPAWN_CLONE.
 * @mode: the request's modes; defaults resolved here.
 * @spec: zeroed and filled in with the modes.
 *
 * No permission is checked here: the child exists, so clone3(2) has
 * checked them all (seccomp, LSMs and capabilities included).
 *
 * Return: 0, or -EINVAL for a mode that needs OSM_IOC_SPAWN_PREPARE or
 * a combination it refuses.
 */
int osm_spawn_plan_clone(u8 *mode, struct osm_spawn_spec *spec)
{
	unsigned int r;

	for (r = 0; r < OSM_SPAWN_NR; r++) {
		if (mode[r] == OSM_SPAWN_DEFAULT)
			mode[r] = osm_fork_mode[r];
		else if (mode[r] > OSM_SPAWN_JOIN ||
			 !(osm_clone_modes[r] & (1U << mode[r])))
			return -EINVAL;
	}
	if (!osm_spawn_combination_ok(mode))
		return -EINVAL;
	memset(spec, 0, sizeof(*spec));
	memcpy(spec->mode, mode, sizeof(spec->mode));
	return 0;
}
