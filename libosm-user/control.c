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

struct ctl_ns;

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
	/* Filled by table_get(): */
	const struct ctl_ns *nsf;	/* ns's facts */
	const struct ctl_ns *mm_nsf;	/* mm_ns's facts, or NULL */
	const struct osm_node *group;	/* proc, else its outermost PD */
	uint32_t cls;			/* its class: see struct ctl_table */
};

/* A user namespace's facts capable_in() reads, parsed once. */
struct ctl_ns {
	const struct osm_node *node;
	const struct ctl_ns *up;	/* its first subset edge's user_ns */
	unsigned long long level, owner;
	bool has_level, has_owner;
};

/* A key of an index: thread table positions sorted by key. */
struct ctl_key {
	unsigned long long key;
	uint32_t pos;
};

struct ctl_index {
	struct ctl_key *v;
	size_t n;
};

/* Threads whose facts are equal but for their process, tid and tracer. */
struct ctl_class {
	const struct ctl_thread *rep;
	uint32_t off, n;		/* members: cmem[off .. off + n) */
};

/*
 * Every thread's facts, read once per querier, with what lets a query
 * read only the threads an answer can hold: the signal and ptrace rules
 * depend on a thread's credentials, namespaces, dumpable and kthread
 * (its class), evaluated once per class; the parent, tracer and
 * ancestor rules on pids, found through sorted indices.
 */
struct ctl_table {
	size_t n;
	struct ctl_thread *v;		/* in graph order */
	struct ctl_ns *ns;		/* every user_ns node, in graph order */
	size_t nns;
	struct ctl_class *cls;
	size_t ncls;
	uint32_t *cmem;
	struct ctl_index by_pid, by_ppid, by_tid, by_tracer, by_proc;
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

static const struct osm_node *find_fmt(const struct osm_graph *g,
				       const char *type,
				       unsigned long long v)
{
	char id[64];

	snprintf(id, sizeof(id), "%s:%llu", type, v);
	return osm_graph__find(g, id);
}

/* The node of the record @link leads to (struct osm_facts), or NULL. */
static const struct osm_facts *linked(const struct osm_graph *g,
				      uint32_t link)
{
	return link ? &g->facts[link - 1] : NULL;
}

static const struct osm_node *node_of(const struct osm_graph *g,
				      const struct osm_facts *f)
{
	return f ? &g->nodes[f->node] : NULL;
}

static const struct ctl_ns *ns_entry(const struct ctl_table *tab,
				     const struct osm_node *n);

/* The cred record's part of the facts (graph_facts.c's order). */
static void cred_facts(const struct osm_graph *g, const struct ctl_table *tab,
		       const struct osm_facts *cr, struct ctl_thread *c)
{
	unsigned long long *dst[] = {
		&c->uid, &c->euid, &c->suid, &c->gid, &c->egid, &c->sgid,
		&c->cap_eff, &c->cap_prm,
	};
	const struct ctl_ns *ns;
	size_t i;

	/* In order up to the first missing one, as a parse stops. */
	for (i = 0; cr && i < sizeof(dst) / sizeof(dst[0]); i++) {
		if (!(cr->have & 1U << i))
			break;
		*dst[i] = cr->v[i];
	}
	c->cred = cr && (cr->have & OSM_FACTS_CRED_ALL) == OSM_FACTS_CRED_ALL;
	if (c->cred)
		c->ns = find_fmt(g, "user_ns", cr->v[OSM_FACTS_CRED_USERNS]);
	if (!c->ns)
		c->cred = false;
	ns = ns_entry(tab, c->ns);
	c->has_level = ns && ns->has_level;
	if (c->has_level)
		c->level = ns->level;
}

/*
 * The facts of thread record @tf.  @from, when not NULL, is a thread
 * already read with the same cred: its credentials are copied.
 */
static void thread_facts_from(const struct osm_graph *g,
			      const struct ctl_table *tab,
			      const struct osm_facts *tf,
			      const struct ctl_thread *from,
			      struct ctl_thread *c)
{
	const struct osm_facts *proc = linked(g, tf->link[0]);
	const struct osm_facts *mm = linked(g, tf->link[1]);

	memset(c, 0, sizeof(*c));
	c->thread = node_of(g, tf);
	c->proc = node_of(g, proc);
	c->kthread = !c->proc || tf->kthread;
	c->tid = tf->have & 1 ? tf->v[0] : 0;
	c->tgid = tf->have & 2 ? tf->v[1] : 0;
	c->tracer = tf->have & 4 ? tf->v[2] : 0;
	if (proc) {
		c->pid = proc->have & 1 ? proc->v[0] : 0;
		c->ppid = proc->have & 2 ? proc->v[1] : 0;
	}
	c->dumpable = mm && mm->have & 1 ? (int)mm->v[0] : -1;
	c->mm_ns = mm ? node_of(g, linked(g, mm->link[0])) : NULL;
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
	cred_facts(g, tab, linked(g, tf->link[2]), c);
}

/*
 * cap_capable(): does @s have capability @cap over user namespace @ns?
 * Walk from @ns up: in @s's own namespace its effective set decides;
 * the owner (euid) of a child of @s's namespace has every capability
 * there; a namespace at or above @s's level is out of reach.  A parent
 * the graph does not show (above the reader's namespace) ends the walk.
 */
static bool capable_in(const struct ctl_thread *s, const struct ctl_ns *ns,
		       int cap)
{
	int depth;

	if (!s->cred || !ns || !s->has_level)
		return false;
	for (depth = 0; depth < MAX_CHAIN; depth++) {
		if (ns->node == s->ns)
			return (s->cap_eff >> cap) & 1;
		if (!ns->has_level || ns->level <= s->level || !ns->up)
			return false;
		if (ns->up->node == s->ns && ns->has_owner &&
		    ns->owner == s->euid)
			return true;
		ns = ns->up;
	}
	return false;
}

/* kill_ok_by_cred(): same thread group is handled by the caller. */
static bool may_signal(const struct ctl_thread *s, const struct ctl_thread *t)
{
	if (!s->cred || !t->cred)
		return false;
	return s->euid == t->suid || s->euid == t->uid ||
	       s->uid == t->suid || s->uid == t->uid ||
	       capable_in(s, t->nsf, CAP_KILL_BIT);
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

/* may_ptrace()'s answer before Yama's descendant test. */
enum { PT_NO, PT_YES, PT_IF_DESCENDANT };

/* ptrace(PTRACE_ATTACH): __ptrace_may_access(), REALCREDS, and Yama. */
static int may_ptrace(const struct ctl_thread *s, const struct ctl_thread *t,
		      int scope)
{
	bool ok;

	if (!s->cred || !t->cred || t->kthread)
		return PT_NO;
	ok = (s->uid == t->uid && s->uid == t->euid && s->uid == t->suid &&
	      s->gid == t->gid && s->gid == t->egid && s->gid == t->sgid) ||
	     capable_in(s, t->nsf, CAP_SYS_PTRACE_BIT);
	/*
	 * Not dumpable: CAP_SYS_PTRACE over mm->user_ns, the mm's owner
	 * edge (1.7).  A graph before 1.7 does not show it; it is the
	 * cred's namespace at exec time, so there the target's cred
	 * namespace stands in for it.
	 */
	if (ok && t->dumpable >= 0 && t->dumpable != 1)
		ok = capable_in(s, t->mm_ns ? t->mm_nsf : t->nsf,
				CAP_SYS_PTRACE_BIT);
	/*
	 * cap_ptrace_access_check(): in the same user namespace the
	 * caller's permitted set (REALCREDS) must hold the target's, else
	 * CAP_SYS_PTRACE over the target's namespace.
	 */
	if (ok && !(s->ns == t->ns && !(t->cap_prm & ~s->cap_prm)))
		ok = capable_in(s, t->nsf, CAP_SYS_PTRACE_BIT);
	if (!ok)
		return PT_NO;
	switch (scope) {
	case 0:
		return PT_YES;
	case 1:
		return capable_in(s, t->nsf, CAP_SYS_PTRACE_BIT) ?
		       PT_YES : PT_IF_DESCENDANT;
	case 2:
		return capable_in(s, t->nsf, CAP_SYS_PTRACE_BIT) ?
		       PT_YES : PT_NO;
	default:
		return PT_NO;
	}
}

/*
 * The rules that depend only on the two threads' classes (signal, and
 * ptrace); *@desc: ptrace holds too if @s's process is an ancestor of
 * @t's.
 */
static unsigned int class_rules(const struct ctl_thread *s,
				const struct ctl_thread *t, int scope,
				bool *desc)
{
	unsigned int r = may_signal(s, t) ? OSM_CONTROL_SIGNAL : 0;
	int pt = may_ptrace(s, t, scope);

	*desc = pt == PT_IF_DESCENDANT;
	return r | (pt == PT_YES ? OSM_CONTROL_PTRACE : 0);
}

static bool is_thread(const struct osm_querier *q, const struct osm_node *n)
{
	return n->is_pd && q->t_thread && n->type == q->t_thread;
}

/* The table entry of thread node @t, or NULL. */
static const struct ctl_thread *thread_entry(const struct ctl_table *tab,
					     const struct osm_node *t)
{
	size_t lo = 0, hi = tab->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (tab->v[mid].thread->index < t->index)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < tab->n && tab->v[lo].thread == t ? &tab->v[lo] : NULL;
}

/* The threads that make up @pd: itself, or its members. */
static int targets_of(const struct osm_querier *q, const struct ctl_table *tab,
		      const struct osm_node *pd,
		      const struct ctl_thread ***out, size_t *n)
{
	const struct osm_graph *g = q->g;
	const struct ctl_thread **v;
	size_t i, k = 0;

	*out = NULL;
	*n = 0;
	v = malloc((pd->nin + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (is_thread(q, pd)) {
		v[k] = thread_entry(tab, pd);
		k += !!v[k];
	} else {
		for (i = 0; i < pd->nin; i++) {
			const struct osm_edge *e = osm__in(pd)[i];

			if (e->kind == g->k_member && is_thread(q, e->src.ptr)) {
				v[k] = thread_entry(tab, e->src.ptr);
				k += !!v[k];
			}
		}
	}
	*out = v;
	*n = k;
	return 0;
}

static void table_free(void *p)
{
	struct ctl_table *t = p;

	if (!t)
		return;
	free(t->v);
	free(t->ns);
	free(t->cls);
	free(t->cmem);
	free(t->by_pid.v);
	free(t->by_ppid.v);
	free(t->by_tid.v);
	free(t->by_tracer.v);
	free(t->by_proc.v);
	free(t);
}

static const struct ctl_ns *ns_entry(const struct ctl_table *tab,
				     const struct osm_node *n)
{
	size_t lo = 0, hi = tab->nns;

	if (!n)
		return NULL;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (tab->ns[mid].node->index < n->index)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < tab->nns && tab->ns[lo].node == n ? &tab->ns[lo] : NULL;
}

/* Every user_ns node's facts, from the records (in graph order). */
static int ns_table(const struct osm_graph *g, struct ctl_table *t)
{
	size_t i, k = 0;

	for (i = 0; i < g->nfacts; i++)
		k += g->facts[i].kind == OSM_FACTS_USER_NS;
	t->ns = calloc(k ? k : 1, sizeof(*t->ns));
	if (!t->ns)
		return -ENOMEM;
	for (i = 0; i < g->nfacts; i++) {
		const struct osm_facts *f = &g->facts[i];
		struct ctl_ns *e;

		if (f->kind != OSM_FACTS_USER_NS)
			continue;
		e = &t->ns[t->nns++];
		e->node = node_of(g, f);
		e->has_level = f->have & 1;
		e->level = e->has_level ? f->v[0] : 0;
		e->has_owner = f->have & 2;
		e->owner = e->has_owner ? f->v[1] : 0;
	}
	for (i = 0, k = 0; i < g->nfacts; i++)
		if (g->facts[i].kind == OSM_FACTS_USER_NS)
			t->ns[k++].up = ns_entry(t,
				node_of(g, linked(g, g->facts[i].link[0])));
	return 0;
}

/* The facts a class shares (struct ctl_class). */
static bool same_class(const struct ctl_thread *a, const struct ctl_thread *b)
{
	return a->ns == b->ns && a->mm_ns == b->mm_ns &&
	       a->uid == b->uid && a->euid == b->euid && a->suid == b->suid &&
	       a->gid == b->gid && a->egid == b->egid && a->sgid == b->sgid &&
	       a->cap_eff == b->cap_eff && a->cap_prm == b->cap_prm &&
	       a->level == b->level && a->dumpable == b->dumpable &&
	       a->kthread == b->kthread && a->cred == b->cred &&
	       a->has_level == b->has_level;
}

static uint64_t class_hash(const struct ctl_thread *a)
{
	uint64_t h = (uintptr_t)a->ns * 31 + (uintptr_t)a->mm_ns;

	h = h * 0x9e3779b97f4a7c15ULL + a->uid;
	h = h * 0x9e3779b97f4a7c15ULL + a->euid;
	h = h * 0x9e3779b97f4a7c15ULL + a->gid;
	h = h * 0x9e3779b97f4a7c15ULL + a->cap_eff;
	h = h * 0x9e3779b97f4a7c15ULL + (unsigned int)a->dumpable * 2 +
	    a->kthread;
	return h ^ (h >> 29);
}

/* Group the threads into classes; cmem lists each class's members. */
static int classes(struct ctl_table *t)
{
	size_t cap = 16, i, at = 0;
	uint32_t *slots, *fill;

	while (cap < 2 * t->n)
		cap *= 2;
	slots = calloc(cap, sizeof(*slots));
	t->cls = calloc(t->n ? t->n : 1, sizeof(*t->cls));
	t->cmem = malloc((t->n ? t->n : 1) * sizeof(*t->cmem));
	if (!slots || !t->cls || !t->cmem) {
		free(slots);
		return -ENOMEM;
	}
	for (i = 0; i < t->n; i++) {
		struct ctl_thread *c = &t->v[i];
		size_t s = class_hash(c) & (cap - 1);

		while (slots[s] &&
		       !same_class(t->cls[slots[s] - 1].rep, c))
			s = (s + 1) & (cap - 1);
		if (!slots[s]) {
			t->cls[t->ncls++].rep = c;
			slots[s] = (uint32_t)t->ncls;
		}
		c->cls = slots[s] - 1;
		t->cls[c->cls].n++;
	}
	free(slots);
	fill = malloc((t->ncls ? t->ncls : 1) * sizeof(*fill));
	if (!fill)
		return -ENOMEM;
	for (i = 0; i < t->ncls; i++) {
		t->cls[i].off = (uint32_t)at;
		fill[i] = (uint32_t)at;
		at += t->cls[i].n;
	}
	for (i = 0; i < t->n; i++)
		t->cmem[fill[t->v[i].cls]++] = (uint32_t)i;
	free(fill);
	return 0;
}

static int cmp_key(const void *a, const void *b)
{
	const struct ctl_key *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return (x->pos > y->pos) - (x->pos < y->pos);
}

/* Key fields of the index kinds. */
enum { BY_PID, BY_PPID, BY_TID, BY_TRACER, BY_PROC };

static int index_build(const struct ctl_table *t, struct ctl_index *ix,
		       int by)
{
	size_t i;

	ix->v = malloc((t->n ? t->n : 1) * sizeof(*ix->v));
	if (!ix->v)
		return -ENOMEM;
	for (i = 0; i < t->n; i++) {
		const struct ctl_thread *c = &t->v[i];
		unsigned long long k;

		switch (by) {
		case BY_PID:
			k = c->proc ? c->pid : 0;
			break;
		case BY_PPID:
			k = c->proc ? c->ppid : 0;
			break;
		case BY_TID:
			k = c->tid;
			break;
		case BY_TRACER:
			k = c->tracer;
			break;
		default:
			k = c->proc ? c->proc->index + 1 : 0;
			break;
		}
		if (!k)
			continue;	/* never matches: 0 is "unknown" */
		ix->v[ix->n].key = k;
		ix->v[ix->n++].pos = (uint32_t)i;
	}
	qsort(ix->v, ix->n, sizeof(*ix->v), cmp_key);
	return 0;
}

/* The entries of @ix with key @k: *@first, and the count returned. */
static size_t index_find(const struct ctl_index *ix, unsigned long long k,
			 const struct ctl_key **first)
{
	size_t lo = 0, hi = ix->n, end;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (ix->v[mid].key < k)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (end = lo; end < ix->n && ix->v[end].key == k; end++)
		;
	*first = ix->v + lo;
	return k ? end - lo : 0;
}

/*
 * Every thread's facts, kept in the querier: a batch reads them once.
 * The parser kept them compact (graph_facts.c); threads of one process
 * usually share one cred, whose user namespace is looked up once.
 */
static int table_get(struct osm_querier *q, const struct ctl_table **out)
{
	const struct osm_graph *g = q->g;
	struct ctl_table *t;
	size_t i, k = 0;
	int err;

	if (q->ctl) {
		*out = q->ctl;
		return 0;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	for (i = 0; i < g->nfacts; i++)
		k += g->facts[i].kind == OSM_FACTS_THREAD;
	t->v = calloc(k ? k : 1, sizeof(*t->v));
	err = t->v ? ns_table(g, t) : -ENOMEM;
	if (err) {
		table_free(t);
		return err;
	}
	/* q->slot[cred record] is the first thread read with it. */
	osm__stamps_next(q, &q->mark);
	for (i = 0; i < g->nfacts; i++) {
		const struct osm_facts *f = &g->facts[i];
		const struct ctl_thread *from = NULL;
		struct ctl_thread *c = &t->v[t->n];
		uint32_t cred = f->link[2];

		if (f->kind != OSM_FACTS_THREAD)
			continue;
		if (cred && stamp_has(&q->mark, cred - 1))
			from = &t->v[q->slot[cred - 1]];
		thread_facts_from(g, t, f, from, c);
		if (cred && !from) {
			stamp_set(&q->mark, cred - 1);
			q->slot[cred - 1] = (uint32_t)t->n;
		}
		c->nsf = ns_entry(t, c->ns);
		c->mm_nsf = ns_entry(t, c->mm_ns);
		c->group = c->proc ? c->proc : osm__pd_group(g, c->thread);
		t->n++;
	}
	err = classes(t);
	if (!err)
		err = index_build(t, &t->by_pid, BY_PID);
	if (!err)
		err = index_build(t, &t->by_ppid, BY_PPID);
	if (!err)
		err = index_build(t, &t->by_tid, BY_TID);
	if (!err)
		err = index_build(t, &t->by_tracer, BY_TRACER);
	if (!err)
		err = index_build(t, &t->by_proc, BY_PROC);
	if (err) {
		table_free(t);
		return err;
	}
	q->ctl = t;
	q->ctl_free = table_free;
	*out = t;
	return 0;
}

/* A scan's answer so far: rules per PD in q->slot, the PDs in seen. */
struct ctl_scan {
	struct osm_querier *q;
	unsigned int gran;
	const struct osm_node **seen;
	size_t n;
};

/* OR @r into the rules of thread @o's answer PD. */
static void add_rules(struct ctl_scan *sc, const struct ctl_thread *o,
		      unsigned int r)
{
	struct osm_querier *q = sc->q;
	const struct osm_node *pd;

	if (!r)
		return;
	if (sc->gran == OSM_GRAN_THREAD ||
	    (sc->gran == OSM_GRAN_KERNEL && o->kthread))
		pd = o->thread;
	else
		pd = o->group;
	if (!stamp_has(&q->mark, pd->index)) {
		stamp_set(&q->mark, pd->index);
		q->slot[pd->index] = 0;
		sc->seen[sc->n++] = pd;
	}
	q->slot[pd->index] |= r;
}

/* A subject over @t: a user thread outside @t's thread group. */
static bool other_user(const struct ctl_thread *o, const struct ctl_thread *t)
{
	return !o->kthread && o->proc != t->proc;
}

/* Was (class, process) of @tv[i] met before @i: its class pass is done. */
static bool class_done(const struct ctl_thread **tv, size_t i)
{
	size_t j;

	for (j = 0; j < i; j++)
		if (tv[j]->cls == tv[i]->cls && tv[j]->proc == tv[i]->proc)
			return true;
	return false;
}

/*
 * CanControl over target @t: every subject class once, then the threads
 * that are @t's parent's, its tracer and (Yama) its ancestors'.
 * Subjects are user threads outside @t's thread group.
 */
static void scan_over(struct ctl_scan *sc, const struct ctl_table *tab,
		      const struct ctl_thread *t, bool classes_done,
		      int scope)
{
	const struct osm_graph *g = sc->q->g;
	const struct osm_node *p = t->proc;
	const struct ctl_key *k;
	unsigned long long ppid;
	bool desc, any_desc = false;
	size_t c, i, m;
	int depth;

	for (c = 0; !classes_done && c < tab->ncls; c++) {
		const struct ctl_class *cl = &tab->cls[c];
		unsigned int r;

		if (cl->rep->kthread)
			continue;
		r = class_rules(cl->rep, t, scope, &desc);
		any_desc |= desc;
		for (i = 0; r && i < cl->n; i++) {
			const struct ctl_thread *o = &tab->v[tab->cmem[cl->off + i]];

			if (o->proc != t->proc)
				add_rules(sc, o, r);
		}
	}
	if (classes_done)
		any_desc = scope == 1;
	m = t->proc && t->ppid ? index_find(&tab->by_pid, t->ppid, &k) : 0;
	for (i = 0; i < m; i++)
		if (other_user(&tab->v[k[i].pos], t))
			add_rules(sc, &tab->v[k[i].pos], OSM_CONTROL_PARENT);
	m = index_find(&tab->by_tid, t->tracer, &k);
	for (i = 0; i < m; i++)
		if (other_user(&tab->v[k[i].pos], t))
			add_rules(sc, &tab->v[k[i].pos], OSM_CONTROL_TRACER);
	/* is_descendant()'s walk: the processes it would meet. */
	for (depth = 0; any_desc && p && depth < MAX_CHAIN; depth++) {
		m = p != t->proc ? index_find(&tab->by_proc, p->index + 1, &k) :
				   0;
		for (i = 0; i < m; i++) {
			if (!other_user(&tab->v[k[i].pos], t))
				continue;
			class_rules(&tab->v[k[i].pos], t, scope, &desc);
			if (desc)
				add_rules(sc, &tab->v[k[i].pos],
					  OSM_CONTROL_PTRACE);
		}
		if (!attr_ull(p, "ppid", 10, &ppid) || !ppid)
			break;
		p = find_fmt(g, "process", ppid);
	}
}

/*
 * The PDs subject @s controls: every target class once (a class that
 * ptrace reaches only as a descendant: each member's ancestry), then the
 * threads @s is the parent or the tracer of.
 */
static void scan_from(struct ctl_scan *sc, const struct ctl_table *tab,
		      const struct ctl_thread *s, bool classes_done,
		      int scope)
{
	const struct osm_graph *g = sc->q->g;
	const struct ctl_key *k;
	size_t c, i, m;
	bool desc;

	if (s->kthread)
		return;
	for (c = 0; !classes_done && c < tab->ncls; c++) {
		const struct ctl_class *cl = &tab->cls[c];
		unsigned int r = class_rules(s, cl->rep, scope, &desc);

		for (i = 0; (r || desc) && i < cl->n; i++) {
			const struct ctl_thread *o = &tab->v[tab->cmem[cl->off + i]];

			if (o->proc == s->proc)
				continue;
			add_rules(sc, o, r | (desc && is_descendant(g, s, o) ?
					      OSM_CONTROL_PTRACE : 0));
		}
	}
	m = s->proc && s->pid ? index_find(&tab->by_ppid, s->pid, &k) : 0;
	for (i = 0; i < m; i++)
		if (tab->v[k[i].pos].proc != s->proc)
			add_rules(sc, &tab->v[k[i].pos], OSM_CONTROL_PARENT);
	m = index_find(&tab->by_tracer, s->tid, &k);
	for (i = 0; i < m; i++)
		if (tab->v[k[i].pos].proc != s->proc)
			add_rules(sc, &tab->v[k[i].pos], OSM_CONTROL_TRACER);
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
	struct ctl_scan sc = { .q = q, .gran = gran };
	const struct ctl_thread **tv = NULL;
	const struct ctl_table *tab;
	struct osm_control *res = NULL;
	size_t i, nt;
	int err;

	*out = NULL;
	*nout = 0;
	err = table_get(q, &tab);
	if (err)
		return err;
	err = targets_of(q, tab, pd, &tv, &nt);
	if (err)
		return err;
	sc.seen = malloc((tab->n ? tab->n : 1) * sizeof(*sc.seen));
	if (!sc.seen) {
		err = -ENOMEM;
		goto out;
	}
	osm__stamps_next(q, &q->mark);
	for (i = 0; i < nt; i++) {
		if (reverse)
			scan_from(&sc, tab, tv[i], class_done(tv, i), scope);
		else
			scan_over(&sc, tab, tv[i], class_done(tv, i), scope);
	}
	if (sc.n) {
		qsort(sc.seen, sc.n, sizeof(*sc.seen), osm__cmp_index);
		res = calloc(sc.n, sizeof(*res));
		if (!res) {
			err = -ENOMEM;
			goto out;
		}
		for (i = 0; i < sc.n; i++) {
			res[i].pd = sc.seen[i];
			res[i].rules = q->slot[sc.seen[i]->index];
		}
	}
	*out = res;
	*nout = sc.n;
out:
	free(sc.seen);
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
