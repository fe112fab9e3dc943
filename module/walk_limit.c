// SPDX-License-Identifier: GPL-2.0-only
/*
 * How many walks unprivileged readers may hold at once.
 *
 * Each open of /dev/osmosis is one walk, and a walk holds memory for as
 * long as its reader keeps the file open: its chunk, its id set (up to
 * max_nodes ids) and the small struct pids the set references.  One
 * reader's share is charged to its memory cgroup, but nothing stops a
 * user from opening the device many times, so opens are counted per
 * user (the opener's real uid, as RLIMIT_NPROC counts) and for all
 * unprivileged users together.  Past either limit open(2) fails with
 * EAGAIN.  Openers with CAP_SYS_ADMIN in the initial user namespace are
 * neither limited nor counted, so an administrator can always read.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/hashtable.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/uidgid.h>

#include "osmosis.h"

static unsigned int osm_max_walks_per_user = 16;
module_param_named(max_walks_per_user, osm_max_walks_per_user, uint, 0644);
MODULE_PARM_DESC(max_walks_per_user,
		 "Most open walks one unprivileged user may hold (default 16)");

static unsigned int osm_max_walks = 256;
module_param_named(max_walks, osm_max_walks, uint, 0644);
MODULE_PARM_DESC(max_walks,
		 "Most open walks all unprivileged users may hold (default 256)");

/**
 * struct osm_user_walks - open walks of one user
 * @node: in osm_users.
 * @uid: the user.
 * @count: its open walks; the entry is freed at 0.
 */
struct osm_user_walks {
	struct hlist_node node;
	kuid_t uid;
	unsigned int count;
};

/* osm_users_lock protects osm_users and osm_walks. */
static DEFINE_MUTEX(osm_users_lock);
static DEFINE_HASHTABLE(osm_users, 6);
static unsigned int osm_walks;

static struct osm_user_walks *osm_user_find(kuid_t uid)
{
	struct osm_user_walks *u;

	lockdep_assert_held(&osm_users_lock);
	hash_for_each_possible(osm_users, u, node, __kuid_val(uid))
		if (uid_eq(u->uid, uid))
			return u;
	return NULL;
}

/**
 * osm_walk_limit_get() - count a new open against the limits.
 * @r: the reader being opened, by current.
 *
 * Context: process context (open(2)), may sleep.
 * Return: 0, -EAGAIN past a limit, or -ENOMEM.
 */
int osm_walk_limit_get(struct osm_reader *r)
{
	kuid_t uid = r->file->f_cred->uid;
	struct osm_user_walks *u, *fresh;
	int err = 0;

	/* current opens the file: its credentials are the opener's. */
	if (ns_capable_noaudit(&init_user_ns, CAP_SYS_ADMIN))
		return 0;
	fresh = kzalloc(sizeof(*fresh), GFP_KERNEL);
	if (!fresh)
		return -ENOMEM;

	mutex_lock(&osm_users_lock);
	u = osm_user_find(uid);
	if (osm_walks >= osm_max_walks ||
	    (u ? u->count : 0) >= osm_max_walks_per_user) {
		err = -EAGAIN;
		goto out_unlock;
	}
	if (!u) {
		u = fresh;
		fresh = NULL;
		u->uid = uid;
		hash_add(osm_users, &u->node, __kuid_val(uid));
	}
	u->count++;
	osm_walks++;
	r->limited = true;
out_unlock:
	mutex_unlock(&osm_users_lock);
	kfree(fresh);
	return err;
}

/**
 * osm_walk_limit_put() - give an open's slot back.
 * @r: the reader being released; nothing happens unless it was counted.
 *
 * Context: process context, may sleep.
 */
void osm_walk_limit_put(struct osm_reader *r)
{
	struct osm_user_walks *u;

	if (!r->limited)
		return;
	mutex_lock(&osm_users_lock);
	u = osm_user_find(r->file->f_cred->uid);
	if (!WARN_ON_ONCE(!u) && !--u->count) {
		hash_del(&u->node);
		kfree(u);
	}
	osm_walks--;
	mutex_unlock(&osm_users_lock);
	r->limited = false;
}
