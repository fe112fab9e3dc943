// SPDX-License-Identifier: GPL-2.0-only
/*
 * Credentials and seccomp filters: what a thread may do, and what limits
 * it.  Both are per thread (any thread can change its own credentials
 * with a raw syscall, and seccomp filters are per task) and shared by
 * reference: threads of one process share one struct cred until one of
 * them changes it, and a seccomp filter is shared by every task that
 * inherited it.  Each is named by its address and confirmed by ident.c.
 */
#include <linux/cred.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/seccomp.h>
#include <linux/user_namespace.h>

#include "compat.h"
#include "osmosis.h"

static void osm_emit_hold_r(struct osm_reader *r, const struct osm_id *holder,
			    const struct osm_id *id)
{
	osm_edge_begin(r, holder, OSM_EDGE_HOLD, id);
	osm_puts(r, " mode=r\n");
}

/* The supplementary groups, comma-separated, as /proc/PID/status lists. */
static void osm_attr_groups(struct osm_reader *r, const struct cred *cred,
			    struct user_namespace *uns)
{
	const struct group_info *gi = cred->group_info;
	int i;

	if (!gi || !gi->ngroups)
		return;
	osm_puts(r, " groups=");
	for (i = 0; i < gi->ngroups; i++) {
		if (i)
			osm_puts(r, ",");
		osm_put_num(r, from_kgid_munged(uns, gi->gid[i]), 10, 0);
	}
}

/* A capability set as /proc/PID/status prints it: 16 hex digits. */
static void osm_attr_cap(struct osm_reader *r, const char *key,
			 kernel_cap_t cap)
{
	osm_puts(r, " ");
	osm_puts(r, key);
	osm_puts(r, "=");
	osm_put_num(r, osm_cap_u64(cap), 16, 16);
}

static void osm_emit_cred_node(struct osm_reader *r, const struct osm_id *id,
			       const struct cred *cred)
{
	struct user_namespace *uns = r->file->f_cred->user_ns;

	if (!osm_node_begin(r, id))
		return;
	osm_attr_u64(r, "uid", from_kuid_munged(uns, cred->uid));
	osm_attr_u64(r, "euid", from_kuid_munged(uns, cred->euid));
	osm_attr_u64(r, "suid", from_kuid_munged(uns, cred->suid));
	osm_attr_u64(r, "fsuid", from_kuid_munged(uns, cred->fsuid));
	osm_attr_u64(r, "gid", from_kgid_munged(uns, cred->gid));
	osm_attr_u64(r, "egid", from_kgid_munged(uns, cred->egid));
	osm_attr_u64(r, "sgid", from_kgid_munged(uns, cred->sgid));
	osm_attr_u64(r, "fsgid", from_kgid_munged(uns, cred->fsgid));
	osm_attr_groups(r, cred, uns);
	osm_attr_cap(r, "cap_inh", cred->cap_inheritable);
	osm_attr_cap(r, "cap_prm", cred->cap_permitted);
	osm_attr_cap(r, "cap_eff", cred->cap_effective);
	osm_attr_cap(r, "cap_bnd", cred->cap_bset);
	osm_attr_cap(r, "cap_amb", cred->cap_ambient);
	osm_attr_hex(r, "securebits", cred->securebits);
	osm_attr_u64(r, "userns", cred->user_ns->ns.inum);
	osm_end_line(r);
}

/**
 * osm_emit_cred() - emit @task's credentials (once per walk) and the edge
 * from the thread to them.
 * @r: the reader.
 * @task: the thread, referenced by the caller.
 * @holder: the thread's node.
 *
 * These are the objective credentials (task->real_cred), the ones other
 * tasks act on: /proc/PID/status shows the same.
 *
 * Context: may sleep.
 */
void osm_emit_cred(struct osm_reader *r, struct task_struct *task,
		   const struct osm_id *holder)
{
	const struct cred *cred;
	struct osm_id id;
	int ret;

	if (!osm_ids_reserve(r, 1))
		return;
	cred = get_task_cred(task);	/* the reference keeps it alive */
	ret = osm_object_id(r, OSM_T_CRED, cred, task, 0, &id);
	if (ret < 0)
		r->err = ret;
	else if (ret)
		osm_emit_cred_node(r, &id, cred);
	put_cred(cred);
	if (ret >= 0)
		osm_emit_hold_r(r, holder, &id);
}

/*
 * Under the siglock, which pins the filter: release drops it only after
 * it has cleared the sighand (see osm_under_siglock()).
 */
struct osm_seccomp_step {
	struct osm_reader *r;
	struct task_struct *task;
	struct osm_id *id;
	unsigned int count;
};

static int osm_seccomp_id(struct sighand_struct *sh, void *arg)
{
	struct osm_seccomp_step *s = arg;
	const void *filter = READ_ONCE(s->task->seccomp.filter);

	s->count = atomic_read(&s->task->seccomp.filter_count);
	if (!filter)
		return -ENOENT;
	return osm_object_id(s->r, OSM_T_SECCOMP, filter, s->task, 0, s->id);
}

/**
 * osm_emit_seccomp() - emit @task's seccomp filter (once per walk) and
 * the edge from the thread to it; nothing when it has none.
 * @r: the reader.
 * @task: the thread, referenced by the caller.
 * @holder: the thread's node.
 *
 * The node stands for the whole chain the task runs (its newest filter
 * and every older one it points to); filters=<n> counts them, as
 * /proc/PID/status's Seccomp_filters does.
 *
 * Context: may sleep.
 */
void osm_emit_seccomp(struct osm_reader *r, struct task_struct *task,
		      const struct osm_id *holder)
{
	struct osm_id id;
	struct osm_seccomp_step s = { r, task, &id, 0 };
	int ret;

	if (!osm_ids_reserve(r, 1))
		return;
	ret = osm_under_siglock(task, osm_seccomp_id, &s);
	if (ret == -ENOENT || ret == -ESRCH)
		return;
	if (ret < 0) {
		r->err = ret;
		return;
	}
	if (ret && osm_node_begin(r, &id)) {
		osm_attr_u64(r, "filters", s.count);
		osm_end_line(r);
	}
	osm_emit_hold_r(r, holder, &id);
}
