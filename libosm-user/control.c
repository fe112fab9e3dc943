// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * CanControl(PD): the PDs that can control a PD, computed from the facts
 * the graph publishes (credentials, capabilities, user namespaces,
 * dumpable, parent, tracer), by the kernel's own rules:
 *
 *  signal  check_kill_permission()/kill_ok_by_cred() in kernel/signal.c
 *  ptrace  __ptrace_may_access() with PTRACE_MODE_ATTACH_REALCREDS in
 *          kernel/ptrace.c, then the LSMs every Debian kernel runs:
 *          commoncap's cap_ptrace_access_check() and Yama's ptrace_scope
 *  capability "over user namespace X": cap_capable() in
 *          security/commoncap.c
 *
 * libosm-user/control.md lists the rules and what is left out.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libosm_internal.h"

#define CAP_KILL_BIT		5
#define CAP_SYS_PTRACE_BIT	19
/* Deeper user namespace or process chains are a malformed graph. */
#define MAX_CHAIN		64

/* The facts of one thread the rules read. */
struct ctl_thread {
	const struct osm_node *thread;
	const struct osm_node *proc;	/* its process, or NULL */
	const struct osm_node *ns;	/* user_ns node of its cred */
	unsigned long long tid, tgid;
	unsigned long long uid, euid, suid, gid, egid, sgid;
	unsigned long long cap_eff, cap_prm;
	int dumpable;			/* -1: no mm */
	bool kthread;
	bool cred;			/* the cred attributes were all read */
};

static bool attr_ull(const struct osm_node *n, const char *key, int base,
		     unsigned long long *v)
{
	const char *s = n ? osm_node__attr(n, key) : NULL;
	char *end;

	if (!s || !*s)
		return false;
	errno = 0;
	*v = strtoull(s, &end, base);
	return !*end && !errno;
}

/* The node @n reaches by its first @kind edge to a node of @type. */
static const struct osm_node *out_to(const struct osm_graph *g,
				     const struct osm_node *n,
				     const char *kind, const char *type)
{
	const char *t = osm__lookup_name(g, type);
	size_t i;

	if (!t || !kind)
		return NULL;
	for (i = 0; i < n->nout; i++)
		if (n->out[i]->kind == kind && n->out[i]->dst.ptr->type == t)
			return n->out[i]->dst.ptr;
	return NULL;
}

static const struct osm_node *find_fmt(const struct osm_graph *g,
				       const char *type,
				       unsigned long long v)
{
	char id[64];

	snprintf(id, sizeof(id), "%s:%llu", type, v);
	return osm_graph__find(g, id);
}

static void thread_facts(const struct osm_graph *g,
			 const struct osm_node *t, struct ctl_thread *c)
{
	const struct osm_node *cred, *mm;
	unsigned long long ns, d;

	memset(c, 0, sizeof(*c));
	c->thread = t;
	c->proc = out_to(g, t, g->k_member, "process");
	c->kthread = !c->proc || osm_node__attr(t, "kthread");
	attr_ull(t, "tid", 10, &c->tid);
	attr_ull(t, "tgid", 10, &c->tgid);
	mm = out_to(g, t, g->k_hold, "mm");
	c->dumpable = mm && attr_ull(mm, "dumpable", 10, &d) ? (int)d : -1;
	cred = out_to(g, t, g->k_hold, "cred");
	c->cred = cred &&
		attr_ull(cred, "uid", 10, &c->uid) &&
		attr_ull(cred, "euid", 10, &c->euid) &&
		attr_ull(cred, "suid", 10, &c->suid) &&
		attr_ull(cred, "gid", 10, &c->gid) &&
		attr_ull(cred, "egid", 10, &c->egid) &&
		attr_ull(cred, "sgid", 10, &c->sgid) &&
		attr_ull(cred, "cap_eff", 16, &c->cap_eff) &&
		attr_ull(cred, "cap_prm", 16, &c->cap_prm) &&
		attr_ull(cred, "userns", 10, &ns);
	if (c->cred)
		c->ns = find_fmt(g, "user_ns", ns);
	if (!c->ns)
		c->cred = false;
}

/*
 * cap_capable(): does @s have capability @cap over user namespace @ns?
 * Walk from @ns up: in @s's own namespace its effective set decides;
 * the owner (euid) of a child of @s's namespace has every capability
 * there; a namespace at or above @s's level is out of reach.  A parent
 * the graph does not show (above the reader's namespace) ends the walk.
 */
static bool capable_in(const struct osm_graph *g, const struct ctl_thread *s,
		       const struct osm_node *ns, int cap)
{
	unsigned long long lvl, mylvl, owner;
	const struct osm_node *parent;
	int depth;

	if (!s->cred || !ns || !attr_ull(s->ns, "level", 10, &mylvl))
		return false;
	for (depth = 0; depth < MAX_CHAIN; depth++) {
		if (ns == s->ns)
			return (s->cap_eff >> cap) & 1;
		if (!attr_ull(ns, "level", 10, &lvl) || lvl <= mylvl)
			return false;
		parent = out_to(g, ns, g->k_subset, "user_ns");
		if (!parent)
			return false;
		if (parent == s->ns && attr_ull(ns, "owner", 10, &owner) &&
		    owner == s->euid)
			return true;
		ns = parent;
	}
	return false;
}

/* kill_ok_by_cred(): same thread group is handled by the caller. */
static bool may_signal(const struct osm_graph *g, const struct ctl_thread *s,
		       const struct ctl_thread *t)
{
	if (!s->cred || !t->cred)
		return false;
	return s->euid == t->suid || s->euid == t->uid ||
	       s->uid == t->suid || s->uid == t->uid ||
	       capable_in(g, s, t->ns, CAP_KILL_BIT);
}

/* Yama's task_is_descendant(): is @s's process an ancestor of @t's? */
static bool is_descendant(const struct osm_graph *g,
			  const struct ctl_thread *s,
			  const struct ctl_thread *t)
{
	const struct osm_node *p = t->proc;
	unsigned long long ppid;
	int depth;

	for (depth = 0; p && depth < MAX_CHAIN; depth++) {
		if (p == s->proc)
			return true;
		if (!attr_ull(p, "ppid", 10, &ppid) || !ppid)
			return false;
		p = find_fmt(g, "process", ppid);
	}
	return false;
}

/* ptrace(PTRACE_ATTACH): __ptrace_may_access(), REALCREDS, and Yama. */
static bool may_ptrace(const struct osm_graph *g, const struct ctl_thread *s,
		       const struct ctl_thread *t, int scope)
{
	bool ok;

	if (!s->cred || !t->cred || t->kthread)
		return false;
	ok = (s->uid == t->uid && s->uid == t->euid && s->uid == t->suid &&
	      s->gid == t->gid && s->gid == t->egid && s->gid == t->sgid) ||
	     capable_in(g, s, t->ns, CAP_SYS_PTRACE_BIT);
	/*
	 * Not dumpable: CAP_SYS_PTRACE over mm->user_ns.  The graph does
	 * not show that namespace; it is the cred's namespace at exec
	 * time, so the target's cred namespace stands in for it.
	 */
	if (ok && t->dumpable >= 0 && t->dumpable != 1)
		ok = capable_in(g, s, t->ns, CAP_SYS_PTRACE_BIT);
	/*
	 * cap_ptrace_access_check(): in the same user namespace the
	 * caller's permitted set (REALCREDS) must hold the target's, else
	 * CAP_SYS_PTRACE over the target's namespace.
	 */
	if (ok && !(s->ns == t->ns && !(t->cap_prm & ~s->cap_prm)))
		ok = capable_in(g, s, t->ns, CAP_SYS_PTRACE_BIT);
	if (!ok)
		return false;
	switch (scope) {
	case 0:
		return true;
	case 1:
		return is_descendant(g, s, t) ||
		       capable_in(g, s, t->ns, CAP_SYS_PTRACE_BIT);
	case 2:
		return capable_in(g, s, t->ns, CAP_SYS_PTRACE_BIT);
	default:
		return false;
	}
}

static unsigned int rules_over(const struct osm_graph *g,
			       const struct ctl_thread *s,
			       const struct ctl_thread *t, int scope)
{
	unsigned long long ppid, pid, tracer;
	unsigned int r = 0;

	if (t->proc && attr_ull(t->proc, "ppid", 10, &ppid) && s->proc &&
	    attr_ull(s->proc, "pid", 10, &pid) && ppid && pid == ppid)
		r |= OSM_CONTROL_PARENT;
	if (attr_ull(t->thread, "tracer", 10, &tracer) && tracer &&
	    tracer == s->tid)
		r |= OSM_CONTROL_TRACER;
	if (may_signal(g, s, t))
		r |= OSM_CONTROL_SIGNAL;
	if (may_ptrace(g, s, t, scope))
		r |= OSM_CONTROL_PTRACE;
	return r;
}

static bool is_thread(const struct osm_graph *g, const struct osm_node *n)
{
	return n->is_pd && n->type == osm__lookup_name(g, "thread");
}

/* The threads that make up @pd: itself, or its members. */
static int targets_of(const struct osm_graph *g, const struct osm_node *pd,
		      struct ctl_thread **out, size_t *n)
{
	struct ctl_thread *v;
	size_t i, k = 0;

	*out = NULL;
	*n = 0;
	if (is_thread(g, pd)) {
		v = malloc(sizeof(*v));
		if (!v)
			return -ENOMEM;
		thread_facts(g, pd, v);
		*out = v;
		*n = 1;
		return 0;
	}
	if (!pd->nin)
		return 0;
	v = calloc(pd->nin, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < pd->nin; i++) {
		const struct osm_edge *e = pd->in[i];

		if (e->kind == g->k_member && is_thread(g, e->src.ptr))
			thread_facts(g, e->src.ptr, &v[k++]);
	}
	*out = v;
	*n = k;
	return 0;
}

int osm_query__can_control(const struct osm_graph *g,
			   const struct osm_node *pd,
			   const struct osm_control_opts *opts,
			   struct osm_control **out)
{
	struct ctl_thread *tv = NULL, s;
	struct osm_control *res = NULL;
	unsigned int *rules = NULL;
	bool per_thread;
	size_t i, j, n = 0, nt;
	int scope, err;

	if (!out)
		return osm_err(-EINVAL);
	*out = NULL;
	if (!OPTS_VALID(opts, osm_control_opts) || !g || !pd ||
	    pd->index >= g->nnodes || &g->nodes[pd->index] != pd ||
	    !pd->is_pd)
		return osm_err(-EINVAL);
	scope = OPTS_GET(opts, ptrace_scope, 0);
	per_thread = OPTS_GET(opts, flags, 0) & OSM_CONTROL_THREADS;
	if (scope < 0 || scope > 3 ||
	    (OPTS_GET(opts, flags, 0) & ~OSM_CONTROL_THREADS))
		return osm_err(-EINVAL);

	err = targets_of(g, pd, &tv, &nt);
	if (err)
		return osm_err(err);
	rules = calloc(g->nnodes ? g->nnodes : 1, sizeof(*rules));
	if (!rules) {
		err = -ENOMEM;
		goto out;
	}
	/* Every user thread outside the target's thread group is a subject. */
	for (i = 0; nt && i < g->nnodes; i++) {
		const struct osm_node *sn = &g->nodes[i];
		const struct osm_node *slot;

		if (!is_thread(g, sn))
			continue;
		thread_facts(g, sn, &s);
		if (s.kthread || s.proc == tv[0].proc)
			continue;
		slot = per_thread ? sn : s.proc;
		for (j = 0; j < nt; j++)
			rules[slot->index] |= rules_over(g, &s, &tv[j], scope);
	}
	for (i = 0; i < g->nnodes; i++)
		n += rules[i] != 0;
	if (n > INT_MAX) {
		err = -EOVERFLOW;
		goto out;
	}
	if (n) {
		res = calloc(n, sizeof(*res));
		if (!res) {
			err = -ENOMEM;
			goto out;
		}
		for (i = 0, j = 0; i < g->nnodes; i++) {
			if (!rules[i])
				continue;
			res[j].pd = &g->nodes[i];
			res[j++].rules = rules[i];
		}
	}
	*out = res;
	err = (int)n;
out:
	free(rules);
	free(tv);
	return osm_err(err);
}

const char *osm_control_rule_name(unsigned int rule)
{
	switch (rule) {
	case OSM_CONTROL_PARENT:
		return "parent";
	case OSM_CONTROL_TRACER:
		return "tracer";
	case OSM_CONTROL_SIGNAL:
		return "signal";
	case OSM_CONTROL_PTRACE:
		return "ptrace";
	default:
		return NULL;
	}
}
