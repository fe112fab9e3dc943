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

#include "query_internal.h"

#define CAP_KILL_BIT		5
#define CAP_SYS_PTRACE_BIT	19
/* Deeper user namespace or process chains are a malformed graph. */
#define MAX_CHAIN		64

/* The facts of one thread the rules read. */
struct ctl_thread {
	const struct osm_node *thread;
	const struct osm_node *proc;	/* its process, or NULL */
	const struct osm_node *ns;	/* user_ns node of its cred */
	const struct osm_node *mm_ns;	/* its mm's user_ns (1.7), or NULL */
	unsigned long long tid, tgid;
	unsigned long long uid, euid, suid, gid, egid, sgid;
	unsigned long long cap_eff, cap_prm;
	unsigned long long pid, ppid;	/* of its process; 0: unknown */
	unsigned long long tracer;	/* 0: none or unknown */
	unsigned long long level;	/* of ns */
	int dumpable;			/* -1: no mm */
	bool kthread;
	bool cred;			/* the cred attributes were all read */
	bool has_level;
};

/* Every thread's facts, read once per querier. */
struct ctl_table {
	size_t n;
	struct ctl_thread *v;
};

/* Interned names the facts are read with. */
struct ctl_names {
	const char *process, *mm, *cred, *user_ns, *owner;
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

/* The node @n reaches by its first @kind edge to a node of type @t. */
static const struct osm_node *out_to_t(const struct osm_node *n,
				       const char *kind, const char *t)
{
	size_t i;

	if (!t || !kind)
		return NULL;
	for (i = 0; i < n->nout; i++)
		if (n->out[i]->kind == kind && n->out[i]->dst.ptr->type == t)
			return n->out[i]->dst.ptr;
	return NULL;
}

static const struct osm_node *out_to(const struct osm_graph *g,
				     const struct osm_node *n,
				     const char *kind, const char *type)
{
	return out_to_t(n, kind, osm__lookup_name(g, type));
}

static const struct osm_node *find_fmt(const struct osm_graph *g,
				       const char *type,
				       unsigned long long v)
{
	char id[64];

	snprintf(id, sizeof(id), "%s:%llu", type, v);
	return osm_graph__find(g, id);
}

static void names_init(const struct osm_graph *g, struct ctl_names *nm)
{
	nm->process = osm__lookup_name(g, "process");
	nm->mm = osm__lookup_name(g, "mm");
	nm->cred = osm__lookup_name(g, "cred");
	nm->user_ns = osm__lookup_name(g, "user_ns");
	nm->owner = osm__lookup_name(g, OSM_EDGE_OWNER);
}

/* The cred node's part of the facts. */
static void cred_facts(const struct osm_graph *g, const struct osm_node *cred,
		       struct ctl_thread *c)
{
	unsigned long long ns;

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
	c->has_level = c->ns && attr_ull(c->ns, "level", 10, &c->level);
}

/*
 * The facts of thread @t.  @from, when not NULL, is a thread already read
 * with the same cred node: its credentials are copied, not parsed again.
 */
static void thread_facts_from(const struct osm_graph *g,
			      const struct ctl_names *nm,
			      const struct osm_node *t,
			      const struct ctl_thread *from,
			      const struct osm_node *cred,
			      struct ctl_thread *c)
{
	const struct osm_node *mm;
	unsigned long long d;

	memset(c, 0, sizeof(*c));
	c->thread = t;
	c->proc = out_to_t(t, g->k_member, nm->process);
	c->kthread = !c->proc || osm_node__attr(t, "kthread");
	attr_ull(t, "tid", 10, &c->tid);
	attr_ull(t, "tgid", 10, &c->tgid);
	if (!attr_ull(t, "tracer", 10, &c->tracer))
		c->tracer = 0;
	if (c->proc) {
		if (!attr_ull(c->proc, "pid", 10, &c->pid))
			c->pid = 0;
		if (!attr_ull(c->proc, "ppid", 10, &c->ppid))
			c->ppid = 0;
	}
	mm = out_to_t(t, g->k_hold, nm->mm);
	c->dumpable = mm && attr_ull(mm, "dumpable", 10, &d) ? (int)d : -1;
	c->mm_ns = mm ? out_to_t(mm, nm->owner, nm->user_ns) : NULL;
	if (from) {
		c->uid = from->uid;
		c->euid = from->euid;
		c->suid = from->suid;
		c->gid = from->gid;
		c->egid = from->egid;
		c->sgid = from->sgid;
		c->cap_eff = from->cap_eff;
		c->cap_prm = from->cap_prm;
		c->ns = from->ns;
		c->cred = from->cred;
		c->level = from->level;
		c->has_level = from->has_level;
		return;
	}
	cred_facts(g, cred, c);
}

static void thread_facts(const struct osm_graph *g,
			 const struct osm_node *t, struct ctl_thread *c)
{
	struct ctl_names nm;

	names_init(g, &nm);
	thread_facts_from(g, &nm, t, NULL, out_to_t(t, g->k_hold, nm.cred),
			  c);
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

	if (!s->cred || !ns || !s->has_level)
		return false;
	mylvl = s->level;
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
	 * Not dumpable: CAP_SYS_PTRACE over mm->user_ns, the mm's owner
	 * edge (1.7).  A graph before 1.7 does not show it; it is the
	 * cred's namespace at exec time, so there the target's cred
	 * namespace stands in for it.
	 */
	if (ok && t->dumpable >= 0 && t->dumpable != 1)
		ok = capable_in(g, s, t->mm_ns ? t->mm_ns : t->ns,
				CAP_SYS_PTRACE_BIT);
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
	unsigned int r = 0;

	if (t->proc && s->proc && t->ppid && s->pid == t->ppid)
		r |= OSM_CONTROL_PARENT;
	if (t->tracer && t->tracer == s->tid)
		r |= OSM_CONTROL_TRACER;
	if (may_signal(g, s, t))
		r |= OSM_CONTROL_SIGNAL;
	if (may_ptrace(g, s, t, scope))
		r |= OSM_CONTROL_PTRACE;
	return r;
}

static bool is_thread(const struct osm_querier *q, const struct osm_node *n)
{
	return n->is_pd && q->t_thread && n->type == q->t_thread;
}

/* The threads that make up @pd: itself, or its members. */
static int targets_of(const struct osm_querier *q, const struct osm_node *pd,
		      struct ctl_thread **out, size_t *n)
{
	const struct osm_graph *g = q->g;
	struct ctl_thread *v;
	size_t i, k = 0;

	*out = NULL;
	*n = 0;
	if (is_thread(q, pd)) {
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

		if (e->kind == g->k_member && is_thread(q, e->src.ptr))
			thread_facts(g, e->src.ptr, &v[k++]);
	}
	*out = v;
	*n = k;
	return 0;
}

static void table_free(void *p)
{
	struct ctl_table *t = p;

	if (t)
		free(t->v);
	free(t);
}

/*
 * Every thread's facts, kept in the querier: a batch reads them once.
 * Threads of one process usually share one cred node, parsed once.
 */
static int table_get(struct osm_querier *q, const struct ctl_table **out)
{
	const struct osm_graph *g = q->g;
	struct ctl_names nm;
	struct ctl_table *t;
	size_t i, k = 0;

	if (q->ctl) {
		*out = q->ctl;
		return 0;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	for (i = 0; i < g->nnodes; i++)
		k += is_thread(q, &g->nodes[i]);
	t->v = calloc(k ? k : 1, sizeof(*t->v));
	if (!t->v) {
		free(t);
		return -ENOMEM;
	}
	names_init(g, &nm);
	osm__stamps_next(q, &q->mark);
	for (i = 0; i < g->nnodes; i++) {
		const struct osm_node *n = &g->nodes[i];
		const struct ctl_thread *from = NULL;
		const struct osm_node *cred;

		if (!is_thread(q, n))
			continue;
		cred = out_to_t(n, g->k_hold, nm.cred);
		if (cred && stamp_has(&q->mark, cred->index))
			from = &t->v[q->slot[cred->index]];
		thread_facts_from(g, &nm, n, from, cred, &t->v[t->n]);
		if (cred && !from) {
			stamp_set(&q->mark, cred->index);
			q->slot[cred->index] = (uint32_t)t->n;
		}
		t->n++;
	}
	q->ctl = t;
	q->ctl_free = table_free;
	*out = t;
	return 0;
}

/* OR @r into the rules of @pd, noting @pd in @seen the first time. */
static void add_rules(struct osm_querier *q, const struct osm_node *pd,
		      unsigned int r, const struct osm_node **seen, size_t *n)
{
	if (!r)
		return;
	if (!stamp_has(&q->mark, pd->index)) {
		stamp_set(&q->mark, pd->index);
		q->slot[pd->index] = 0;
		seen[(*n)++] = pd;
	}
	q->slot[pd->index] |= r;
}

/*
 * CanControl(@pd), or with @reverse the PDs @pd controls: the subjects
 * are user threads outside the target's thread group; rules are ORed per
 * answer at granularity @gran (a thread, or its process; the kernel, or
 * with OSM_GRAN_KERNEL each kernel thread, for kernel threads).
 */
int osm__control_scan(struct osm_querier *q, const struct osm_node *pd,
		      int scope, unsigned int gran, bool reverse,
		      struct osm_control **out, size_t *nout)
{
	const struct osm_graph *g = q->g;
	const struct osm_node **seen = NULL;
	const struct ctl_table *tab;
	struct osm_control *res = NULL;
	struct ctl_thread *tv = NULL;
	size_t i, j, n = 0, nt;
	int err;

	*out = NULL;
	*nout = 0;
	err = table_get(q, &tab);
	if (err)
		return err;
	err = targets_of(q, pd, &tv, &nt);
	if (err)
		return err;
	seen = malloc((tab->n ? tab->n : 1) * sizeof(*seen));
	if (!seen) {
		err = -ENOMEM;
		goto out;
	}
	osm__stamps_next(q, &q->mark);
	for (i = 0; nt && i < tab->n; i++) {
		const struct ctl_thread *o = &tab->v[i];

		for (j = 0; j < nt; j++) {
			const struct ctl_thread *me = &tv[j];
			const struct ctl_thread *s = reverse ? me : o;
			const struct ctl_thread *t = reverse ? o : me;
			const struct osm_node *slot;

			/* Kernel threads are no subjects; nor is the group. */
			if (s->kthread || s->proc == t->proc)
				continue;
			if (gran == OSM_GRAN_THREAD ||
			    (gran == OSM_GRAN_KERNEL && o->kthread))
				slot = o->thread;
			else if (o->proc)
				slot = o->proc;
			else
				slot = osm__pd_group(g, o->thread);
			add_rules(q, slot, rules_over(g, s, t, scope), seen,
				  &n);
		}
	}
	if (n) {
		qsort(seen, n, sizeof(*seen), osm__cmp_index);
		res = calloc(n, sizeof(*res));
		if (!res) {
			err = -ENOMEM;
			goto out;
		}
		for (i = 0; i < n; i++) {
			res[i].pd = seen[i];
			res[i].rules = q->slot[seen[i]->index];
		}
	}
	*out = res;
	*nout = n;
out:
	free(seen);
	free(tv);
	return err;
}

static int control_query(const struct osm_graph *g,
			 const struct osm_node *pd,
			 const struct osm_control_opts *opts,
			 struct osm_control **out, bool reverse)
{
	unsigned int flags = OPTS_GET(opts, flags, 0);
	int scope = OPTS_GET(opts, ptrace_scope, 0);
	struct osm_querier *q;
	size_t n;
	int err;

	if (!out)
		return osm_err(-EINVAL);
	*out = NULL;
	if (!OPTS_VALID(opts, osm_control_opts) || !osm__node_of(g, pd) ||
	    !pd->is_pd || scope < 0 || scope > 3 ||
	    (flags & ~OSM_CONTROL_THREADS))
		return osm_err(-EINVAL);
	err = osm__querier_get(g, OPTS_GET(opts, querier, NULL), &q);
	if (err)
		return osm_err(err);
	err = osm__control_scan(q, pd, scope, flags & OSM_CONTROL_THREADS ?
				OSM_GRAN_THREAD : OSM_GRAN_PROCESS,
				reverse, out, &n);
	if (!err && n > INT_MAX) {
		free(*out);
		*out = NULL;
		err = -EOVERFLOW;
	}
	osm__querier_put(OPTS_GET(opts, querier, NULL), q);
	return osm_err(err ? err : (int)n);
}

int osm_query__can_control(const struct osm_graph *g,
			   const struct osm_node *pd,
			   const struct osm_control_opts *opts,
			   struct osm_control **out)
{
	return control_query(g, pd, opts, out, false);
}

int osm_query__controls(const struct osm_graph *g, const struct osm_node *pd,
			const struct osm_control_opts *opts,
			struct osm_control **out)
{
	return control_query(g, pd, opts, out, true);
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
