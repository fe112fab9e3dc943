// SPDX-License-Identifier: GPL-2.0-only
/*
 * The root directory and the file table of a new PD (api 1.4): PREPARE
 * takes the directory that becomes the child's root (fs mode new) and
 * the descriptors its new file table holds (files mode new with fds[]),
 * and COMMIT checks the child: its root is that directory and its cwd
 * its root; its table holds exactly the descriptors asked for, each the
 * very open file the caller had (or, without a list, nothing from 3 up).
 *
 * The child moves itself (pivot_root or chroot, dup2 and close_range):
 * the spec keeps a reference to the directory and to each file, so the
 * comparison is with the objects named at PREPARE, not with whatever
 * the caller's numbers mean later.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/fs_struct.h>
#include <linux/path.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/user_namespace.h>

#include "osmosis.h"

#define OSM_SPAWN_FDS_MAX	1024

/* fs new: the directory of root_fd, and how the child gets there. */
static int osm_spawn_plan_root(struct osm_spawn_req *req,
			       struct osm_spawn_spec *spec)
{
	const u8 *mode = req->mode;
	struct file *f;
	int err = 0;

	if (mode[OSM_SPAWN_R_MNT_NS] == OSM_SPAWN_JOIN)
		return -EINVAL;
	if (req->root_fd < 0)
		return -EBADF;
	f = fget_raw(req->root_fd);
	if (!f)
		return -EBADF;
	if (!d_is_dir(f->f_path.dentry)) {
		err = -ENOTDIR;
		goto out_put;
	}
	if (mode[OSM_SPAWN_R_MNT_NS] == OSM_SPAWN_NEW) {
		/* Mount namespace new: already needs CAP_SYS_ADMIN over it. */
		req->actions |= OSM_SPAWN_ACT_PIVOT_ROOT;
	} else {
		/* chroot(2) asks the child's own user namespace. */
		if (mode[OSM_SPAWN_R_USER_NS] == OSM_SPAWN_SHARE &&
		    !ns_capable(current_user_ns(), CAP_SYS_CHROOT)) {
			err = -EPERM;
			goto out_put;
		}
		req->actions |= OSM_SPAWN_ACT_CHROOT;
	}
	spec->root = f->f_path;
	path_get(&spec->root);
	spec->has_root = true;
out_put:
	fput(f);
	return err;
}

/* files new with fds[]: the open files the child's table must hold. */
static int osm_spawn_plan_fds(struct osm_spawn_req *req,
			      struct osm_spawn_spec *spec)
{
	unsigned long nofile = rlimit(RLIMIT_NOFILE);
	struct osm_spawn_fd *fds;
	unsigned int i, j;
	int err = 0;

	if (!req->fd_count || req->fd_count > OSM_SPAWN_FDS_MAX || !req->fds)
		return -EINVAL;
	fds = memdup_user(u64_to_user_ptr(req->fds),
			  req->fd_count * sizeof(*fds));
	if (IS_ERR(fds))
		return PTR_ERR(fds);
	spec->fds = kcalloc(req->fd_count, sizeof(*spec->fds),
			    GFP_KERNEL_ACCOUNT);
	if (!spec->fds) {
		err = -ENOMEM;
		goto out_free;
	}
	for (i = 0; i < req->fd_count; i++) {
		if (fds[i].to < 0 || (unsigned long)fds[i].to >= nofile) {
			err = -EINVAL;
			goto out_free;
		}
		for (j = 0; j < i; j++)
			if (fds[j].to == fds[i].to) {
				err = -EINVAL;
				goto out_free;
			}
		spec->fds[i].file = fds[i].from < 0 ? NULL :
				    fget_raw(fds[i].from);
		if (!spec->fds[i].file) {
			err = -EBADF;
			goto out_free;
		}
		spec->fds[i].to = fds[i].to;
		spec->nr_fds++;
	}
	req->actions &= ~OSM_SPAWN_ACT_CLOSE_FDS;
	req->actions |= OSM_SPAWN_ACT_MOVE_FDS;
out_free:
	kfree(fds);
	return err;
}

/**
 * osm_spawn_plan_fs() - check a request's new root and new file table.
 * @req: the request, modes resolved; its actions get the child's steps.
 * @spec: gets references to the directory and the files
 *	(osm_spawn_spec_free() drops them, also on failure).
 *
 * Context: process context, may sleep; descriptors are current's.
 * Return: 0, or -EINVAL, -EBADF, -ENOTDIR, -EPERM, -EFAULT, -ENOMEM.
 */
int osm_spawn_plan_fs(struct osm_spawn_req *req, struct osm_spawn_spec *spec)
{
	const u8 *mode = req->mode;
	int err;

	if (mode[OSM_SPAWN_R_FS] != OSM_SPAWN_NEW && req->root_fd)
		return -EINVAL;
	if (mode[OSM_SPAWN_R_FILES] != OSM_SPAWN_NEW &&
	    (req->fd_count || req->fds))
		return -EINVAL;
	if (mode[OSM_SPAWN_R_FS] == OSM_SPAWN_NEW) {
		err = osm_spawn_plan_root(req, spec);
		if (err)
			return err;
	}
	if (mode[OSM_SPAWN_R_FILES] == OSM_SPAWN_NEW &&
	    (req->fd_count || req->fds))
		return osm_spawn_plan_fds(req, spec);
	return 0;
}

/**
 * osm_spawn_verify_root() - is current's root the directory asked for,
 * and its cwd that root?
 * @spec: what was asked.
 *
 * With chroot (the caller's mount namespace) the root is the very mount
 * and directory of root_fd; after pivot_root in a new mount namespace it
 * is a bind mount of that directory, so the same dentry on another mount.
 *
 * Context: process context, current is the committing child.
 * Return: true if so, or if no new root was asked.
 */
bool osm_spawn_verify_root(const struct osm_spawn_spec *spec)
{
	struct path root, pwd;
	bool ok;

	if (!spec->has_root)
		return true;
	get_fs_root(current->fs, &root);
	get_fs_pwd(current->fs, &pwd);
	ok = root.dentry == spec->root.dentry && path_equal(&root, &pwd);
	if (spec->mode[OSM_SPAWN_R_MNT_NS] == OSM_SPAWN_NEW)
		ok = ok && root.mnt->mnt_root == root.dentry;
	else
		ok = ok && root.mnt == spec->root.mnt;
	path_put(&pwd);
	path_put(&root);
	return ok;
}

struct osm_fd_check {
	const struct osm_spawn_spec *spec;
	const struct file *commit;
	unsigned int matched;
};

/* iterate_fd() callback: stop (1) at a descriptor not asked for. */
static int osm_fd_check_one(const void *arg, struct file *f, unsigned int fd)
{
	struct osm_fd_check *c = (struct osm_fd_check *)arg;
	unsigned int i;

	if (f == c->commit)
		return 0;
	if (!c->spec->nr_fds)
		return fd >= 3;		/* stdio only */
	for (i = 0; i < c->spec->nr_fds; i++)
		if (c->spec->fds[i].to == fd) {
			if (c->spec->fds[i].file != f)
				return 1;
			c->matched++;
			return 0;
		}
	return 1;
}

/**
 * osm_spawn_verify_fds() - does current's new file table hold exactly
 * what was asked?
 * @spec: what was asked (files mode new).
 * @commit: the /dev/osmosis file the commit is made on, allowed anywhere.
 *
 * Context: process context, current is the committing child.
 * Return: true if so.
 */
bool osm_spawn_verify_fds(const struct osm_spawn_spec *spec,
			  const struct file *commit)
{
	struct osm_fd_check c = { .spec = spec, .commit = commit };

	if (iterate_fd(current->files, 0, osm_fd_check_one, &c))
		return false;
	return c.matched == spec->nr_fds;
}

/**
 * osm_spawn_fs_free() - drop the references a spec holds for its root
 * and file table.
 * @spec: the spec.
 */
void osm_spawn_fs_free(struct osm_spawn_spec *spec)
{
	unsigned int i;

	if (spec->has_root)
		path_put(&spec->root);
	spec->has_root = false;
	for (i = 0; i < spec->nr_fds; i++)
		fput(spec->fds[i].file);
	kfree(spec->fds);
	spec->fds = NULL;
	spec->nr_fds = 0;
}
