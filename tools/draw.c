// SPDX-License-Identifier: GPL-2.0-only
/*
 * osm draw: a PD's TCB neighbourhood as a picture, in Graphviz DOT, or as
 * SVG or PNG through Graphviz's dot(1).
 *
 * The PD and its threads sit in a box; what they reach is laid out from
 * it, each resource after the one it was reached through (regions after
 * the address space, open files after the table, inodes after those);
 * the other PDs sit at the edge, joined to what they share with the PD,
 * to the PD when they can control it (the rule on the edge), to the
 * channel they serve.  Unless --all, the members of one type reached
 * through one node are a count node ("vma ×24"), the shared ones apart
 * from the others, and the other PDs joined to the same nodes in the
 * same ways are one node.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "draw.h"
#include "main.h"

extern char **environ;

#define COLLAPSE_AT	4	/* members of a group drawn as one count node */
#define THREADS_SHOWN	6	/* thread nodes before threads are grouped */
#define TEXT_MAX	36	/* bytes of a name or path in a label */
#define NAMES_SHOWN	3	/* names in the label of a group of PDs */
#define LABEL_SIZE	512

/* ---- the TCB: what the picture shows ---------------------------------- */

static bool kind_is(const struct osm_edge *e, const char *kind)
{
	return !strcmp(osm_edge__kind(e), kind);
}

/* The threads of @pd: the members of a process or of the kernel. */
static int pd_threads(struct tcb *t)
{
	size_t i, n = osm_node__in_count(t->pd);

	t->threads = calloc(n + 1, sizeof(*t->threads));
	if (!t->threads)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		const struct osm_edge *e = osm_node__in(t->pd, i);

		if (kind_is(e, OSM_EDGE_MEMBER) &&
		    osm_node__is_pd(osm_edge__src(e)))
			t->threads[t->nthreads++] = osm_edge__src(e);
	}
	if (!t->nthreads)
		t->threads[t->nthreads++] = t->pd;	/* a thread */
	return 0;
}

/* Edges the walk does not follow forward: not reachability (format). */
static bool not_followed(const struct osm_edge *e)
{
	static const char *const kinds[] = {
		OSM_EDGE_SUBSET, OSM_EDGE_OWNER, OSM_EDGE_IN, OSM_EDGE_REQUEST,
		OSM_EDGE_SERVE, OSM_EDGE_FOR_CHILDREN, OSM_EDGE_MEMBER,
		OSM_EDGE_HOLD,
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kinds); i++)
		if (kind_is(e, kinds[i]))
			return true;
	return false;
}

/*
 * What the PD reaches, breadth first, each resource with the one it was
 * first reached through: the library's BFS with reachability's steps
 * (OSM_BFS_REACH), which from a process passes through its threads.
 * Hits come by depth, so a parent resource is placed before its parts.
 */
static int reach_walk(struct tcb *t)
{
	static const char *const res_class[] = { "res", NULL };
	OSM_OPTS(osm_bfs_opts, opts, .flags = OSM_BFS_REACH,
		 .classes = res_class);
	size_t nn = osm_graph__node_count(t->g), i;
	struct osm_bfs_hit *hit;
	int n;

	n = osm_query__bfs(t->g, t->pd, &opts, &hit);
	if (n < 0)
		return n;
	t->via = calloc(nn + 1, sizeof(*t->via));
	t->depth = calloc(nn + 1, sizeof(*t->depth));
	t->res = calloc(n + 1, sizeof(*t->res));
	if (!t->via || !t->depth || !t->res) {
		free(hit);
		return -ENOMEM;
	}
	for (i = 0; i < (size_t)n; i++) {
		const struct osm_node *r = hit[i].node;
		const struct osm_edge *e = hit[i].via;
		const struct osm_node *from = osm_edge__dst(e) == r ?
					      osm_edge__src(e) :
					      osm_edge__dst(e);
		size_t k = osm_node__index(r);

		if (osm_node__is_pd(from)) {
			t->depth[k] = 1;	/* a thread holds it */
		} else {
			t->via[k] = from;
			t->depth[k] = t->depth[osm_node__index(from)] + 1;
		}
		t->res[t->nres++] = r;
	}
	free(hit);
	return 0;
}

/**
 * tcb_assemble() - what the picture of @pd shows: its threads, what it
 * reaches and through what, who shares it, who can control @pd, who
 * serves it.  The one place the picture asks libosm; free with
 * tcb_free().
 *
 * Return: 0, or a negative errno.
 */
int tcb_assemble(const struct osm_graph *g, const struct osm_node *pd,
		 int ptrace_scope, struct tcb *t)
{
	int r;

	memset(t, 0, sizeof(*t));
	t->g = g;
	t->pd = pd;
	r = pd_threads(t);
	if (!r)
		r = reach_walk(t);
	if (!r) {
		r = osm_query__shared(g, pd, NULL, &t->shares);
		t->nshares = r > 0 ? r : 0;
	}
	if (r >= 0) {
		OSM_OPTS(osm_control_opts, opts, .ptrace_scope = ptrace_scope);

		r = osm_query__can_control(g, pd, &opts, &t->ctl);
		t->nctl = r > 0 ? r : 0;
	}
	if (r >= 0) {
		r = osm_query__servers(g, pd, NULL, &t->servers);
		t->nservers = r > 0 ? r : 0;
	}
	return r < 0 ? r : 0;
}

void tcb_free(struct tcb *t)
{
	osm_shares__free(t->shares, t->nshares);
	osm_shares__free(t->servers, t->nservers);
	free(t->ctl);
	free(t->threads);
	free(t->res);
	free(t->via);
	free(t->depth);
	memset(t, 0, sizeof(*t));
}

/* ---- the picture: nodes, groups, the other PDs ------------------------ */

/* Kinds of resources, each with its colour and shape. */
enum cat { C_MEM, C_FILE, C_NS, C_CGROUP, C_CRED, C_IPC, C_CHAN, C_OTHER,
	   NR_CATS };

static const struct cat_style {
	const char *name;	/* in the legend */
	const char *fill, *line;
} cats[NR_CATS] = {
	[C_MEM]    = { "memory",		"#d9ead3", "#38761d" },
	[C_FILE]   = { "files",		"#fff2cc", "#b45f06" },
	[C_NS]     = { "namespaces",		"#e6e0f3", "#674ea7" },
	[C_CGROUP] = { "cgroup",		"#fce5cd", "#e69138" },
	[C_CRED]   = { "credentials",		"#ead1dc", "#a64d79" },
	[C_IPC]    = { "signals, SysV IPC",	"#d0e0e3", "#134f5c" },
	[C_CHAN]   = { "served by user space",	"#ffffff", "#351c75" },
	[C_OTHER]  = { "other",		"#eeeeee", "#666666" },
};

static const struct type_style {
	const char *type;
	enum cat cat;
	const char *shape;
} types[] = {
	{ OSM_NODE_MM,		C_MEM,		"folder" },
	{ OSM_NODE_VMA,		C_MEM,		"box" },
	{ OSM_NODE_PHYS,	C_MEM,		"box" },
	{ OSM_NODE_FILES,	C_FILE,		"folder" },
	{ OSM_NODE_FILE,	C_FILE,		"box" },
	{ OSM_NODE_INODE,	C_FILE,		"note" },
	{ OSM_NODE_FS,		C_FILE,		"folder" },
	{ OSM_NODE_CGROUP,	C_CGROUP,	"tab" },
	{ OSM_NODE_CRED,	C_CRED,		"octagon" },
	{ OSM_NODE_SECCOMP,	C_CRED,		"octagon" },
	{ OSM_NODE_SIGHAND,	C_IPC,		"folder" },
	{ OSM_NODE_SEMUNDO,	C_IPC,		"folder" },
	{ OSM_NODE_SHM,		C_IPC,		"note" },
	{ OSM_NODE_SEM,		C_IPC,		"note" },
	{ OSM_NODE_MSG,		C_IPC,		"note" },
	{ OSM_NODE_FUSE,	C_CHAN,		"cds" },
	{ OSM_NODE_UFFD,	C_CHAN,		"cds" },
};

static const struct type_style *type_style(const char *type)
{
	static const struct type_style ns = { NULL, C_NS, "hexagon" };
	static const struct type_style other = { NULL, C_OTHER, "box" };
	size_t len = strlen(type), i;

	for (i = 0; i < ARRAY_SIZE(types); i++)
		if (!strcmp(type, types[i].type))
			return &types[i];
	if (len > 3 && !strcmp(type + len - 3, "_ns"))
		return &ns;
	return &other;
}

#define PD_FILL		"#cfe2f3"
#define PD_LINE		"#1c4587"
#define THREAD_FILL	"#eef4fb"
#define SHARED_LINE	"#d62728"
#define SHARE_EDGE	"color=\"#d6272880\", penwidth=0.8, arrowsize=0.5"
#define CONTROL_LINE	"#990000"
#define SERVE_LINE	"#351c75"

/* A node of the picture: one resource, or a count of several. */
struct dnode {
	const struct osm_node *n;	/* the node, or a count's first */
	size_t count;
	int parent;			/* dnode it was reached through, or -1 */
	unsigned int depth;
	bool shared;
	size_t sharers;			/* other PDs (in groups) sharing it */
};

/* Another PD: at the edge of the picture. */
struct xpd {
	const struct osm_node *pd;
	int *to;			/* dnodes it shares, then channels */
	size_t nto, nshare;		/* nto - nshare channels it serves */
	unsigned int rules;		/* OSM_CONTROL_* */
	int group;
};

/* Other PDs drawn as one node: those of one type joined alike. */
struct xgroup {
	int first;			/* xpd */
	size_t count;
};

/* Threads drawn as one node: those holding alike. */
struct tgroup {
	size_t first;			/* thread */
	size_t count;
	int *own;			/* dnodes held by these threads only */
	size_t nown;
};

struct picture {
	const struct tcb *t;
	bool all;
	unsigned int max_depth;
	struct dnode *dn;
	size_t ndn, capdn;
	int *dn_of;			/* per node index; -1 when not drawn */
	bool *shared;			/* per node index */
	int *held_by_all;		/* per dnode: 1 if every thread holds it */
	struct xpd *x;
	size_t nx;
	int *x_of;			/* per node index */
	struct xgroup *xg;
	size_t nxg;
	struct tgroup *tg;
	size_t ntg;
	int *tg_of;			/* per thread */
	bool tg_by_name;		/* a group's threads have one name */
	bool *in_ns;			/* per dnode: a row of the ns table */
	size_t nns;
	int *self;			/* channels the PD serves itself */
	size_t nself;
	size_t nchan;			/* channel dnodes, last in dn */
};

static int new_dnode(struct picture *p, const struct osm_node *n, int parent,
		     unsigned int depth, bool shared)
{
	if (p->ndn == p->capdn) {
		size_t cap = p->capdn ? p->capdn * 2 : 64;
		struct dnode *v = realloc(p->dn, cap * sizeof(*v));

		if (!v)
			return -1;
		p->dn = v;
		p->capdn = cap;
	}
	p->dn[p->ndn] = (struct dnode){ .n = n, .count = 1, .parent = parent,
					.depth = depth, .shared = shared };
	return (int)p->ndn++;
}

/* Members of one level with one parent, type and sharing: a group. */
struct gslot {
	int parent;
	const char *type;
	bool shared;
	size_t count;
	int dn;
	bool used;
};

static size_t gslot_find(struct gslot *tab, size_t mask, int parent,
			 const char *type, bool shared)
{
	size_t h = ((size_t)parent * 0x9e3779b1u) ^
		   ((uintptr_t)type >> 3) ^ shared;

	for (h &= mask; tab[h].used; h = (h + 1) & mask)
		if (tab[h].parent == parent && tab[h].type == type &&
		    tab[h].shared == shared)
			return h;
	tab[h] = (struct gslot){ .parent = parent, .type = type,
				 .shared = shared, .dn = -1, .used = true };
	return h;
}

/* The dnode @n is drawn as, or the one of the nearest drawn parent. */
static int drawn_as(const struct picture *p, const struct osm_node *n)
{
	const struct tcb *t = p->t;

	while (n) {
		int d = p->dn_of[osm_node__index(n)];

		if (d >= 0)
			return d;
		n = t->via[osm_node__index(n)];
	}
	return -1;
}

/* One level of the walk as dnodes: groups of COLLAPSE_AT or more count. */
static int place_level(struct picture *p, unsigned int depth)
{
	const struct tcb *t = p->t;
	struct gslot *tab;
	size_t i, n = 0, size = 16;

	for (i = 0; i < t->nres; i++)
		n += t->depth[osm_node__index(t->res[i])] == depth;
	if (!n)
		return 0;
	while (size < 2 * n)
		size *= 2;
	tab = calloc(size, sizeof(*tab));
	if (!tab)
		return -1;
	for (i = 0; i < t->nres; i++) {
		const struct osm_node *r = t->res[i];
		size_t k = osm_node__index(r);
		int parent = t->via[k] ? p->dn_of[osm_node__index(t->via[k])]
				       : -1;

		if (t->depth[k] == depth)
			tab[gslot_find(tab, size - 1, parent,
				       osm_node__type(r), p->shared[k])].count++;
	}
	for (i = 0; i < t->nres; i++) {
		const struct osm_node *r = t->res[i];
		size_t k = osm_node__index(r);
		int parent = t->via[k] ? p->dn_of[osm_node__index(t->via[k])]
				       : -1;
		struct gslot *s;

		if (t->depth[k] != depth)
			continue;
		s = &tab[gslot_find(tab, size - 1, parent, osm_node__type(r),
				    p->shared[k])];
		if (p->all || s->count < COLLAPSE_AT) {
			p->dn_of[k] = new_dnode(p, r, parent, depth,
						p->shared[k]);
		} else if (s->dn < 0) {
			s->dn = new_dnode(p, r, parent, depth, p->shared[k]);
			p->dn_of[k] = s->dn;
			if (s->dn >= 0)
				p->dn[s->dn].count = s->count;
		} else {
			p->dn_of[k] = s->dn;
		}
		if (p->dn_of[k] < 0) {
			free(tab);
			return -1;
		}
	}
	free(tab);
	return 0;
}

static int place_resources(struct picture *p)
{
	const struct tcb *t = p->t;
	unsigned int d, maxd = 0;
	size_t i, j;

	for (i = 0; i < t->nshares; i++)
		for (j = 0; j < t->shares[i].nres; j++)
			p->shared[osm_node__index(t->shares[i].res[j])] = true;
	for (i = 0; i < t->nres; i++) {
		d = t->depth[osm_node__index(t->res[i])];
		if (d > maxd)
			maxd = d;
	}
	if (p->max_depth && maxd > p->max_depth)
		maxd = p->max_depth;
	for (d = 1; d <= maxd; d++)
		if (place_level(p, d))
			return -1;
	return 0;
}

static int add_int(int **v, size_t *n, int x)
{
	int *nv;

	if (*n && (*n & (*n - 1)) == 0) {
		nv = realloc(*v, 2 * *n * sizeof(**v));
		if (!nv)
			return -1;
		*v = nv;
	} else if (!*n) {
		*v = malloc(sizeof(**v));
		if (!*v)
			return -1;
	}
	(*v)[(*n)++] = x;
	return 0;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* Sort @v and drop repeats. */
static size_t uniq_ints(int *v, size_t n)
{
	size_t i, k = 0;

	qsort(v, n, sizeof(*v), cmp_int);
	for (i = 0; i < n; i++)
		if (!k || v[k - 1] != v[i])
			v[k++] = v[i];
	return k;
}

static struct xpd *xpd_of(struct picture *p, const struct osm_node *pd)
{
	int *slot = &p->x_of[osm_node__index(pd)];

	if (*slot < 0) {
		*slot = (int)p->nx++;
		p->x[*slot] = (struct xpd){ .pd = pd, .group = -1 };
	}
	return &p->x[*slot];
}

/* A channel a server serves: a dnode of its own, after the resources. */
static int channel_dnode(struct picture *p, const struct osm_node *ch)
{
	int *d = &p->dn_of[osm_node__index(ch)];

	if (*d < 0) {
		*d = new_dnode(p, ch, -1, 0, false);
		p->nchan++;
	}
	return *d;
}

static bool same_ints(const int *a, const int *b, size_t n)
{
	return !n || !memcmp(a, b, n * sizeof(*a));
}

static bool xpd_alike(const struct xpd *a, const struct xpd *b)
{
	return osm_node__type(a->pd) == osm_node__type(b->pd) &&
	       a->rules == b->rules && a->nto == b->nto &&
	       a->nshare == b->nshare && same_ints(a->to, b->to, a->nto);
}

static int place_others(struct picture *p)
{
	const struct tcb *t = p->t;
	size_t i, j, k, nmax = t->nshares + t->nctl + t->nservers;

	p->x = calloc(nmax + 1, sizeof(*p->x));
	p->xg = calloc(nmax + 1, sizeof(*p->xg));
	if (!p->x || !p->xg)
		return -1;
	for (i = 0; i < t->nshares; i++) {
		struct xpd *x = xpd_of(p, t->shares[i].pd);

		for (j = 0; j < t->shares[i].nres; j++) {
			int d = drawn_as(p, t->shares[i].res[j]);

			if (d >= 0 && add_int(&x->to, &x->nto, d))
				return -1;
		}
		x->nto = uniq_ints(x->to, x->nto);
		x->nshare = x->nto;
	}
	for (i = 0; i < t->nctl; i++)
		xpd_of(p, t->ctl[i].pd)->rules |= t->ctl[i].rules;
	for (i = 0; i < t->nservers; i++) {
		struct xpd *x;
		size_t from;

		if (t->servers[i].pd == t->pd) {	/* it serves itself */
			for (j = 0; j < t->servers[i].nres; j++) {
				int d = channel_dnode(p, t->servers[i].res[j]);

				if (d < 0 || add_int(&p->self, &p->nself, d))
					return -1;
			}
			continue;
		}
		x = xpd_of(p, t->servers[i].pd);
		from = x->nto;

		for (j = 0; j < t->servers[i].nres; j++) {
			int d = channel_dnode(p, t->servers[i].res[j]);

			if (d < 0 || add_int(&x->to, &x->nto, d))
				return -1;
		}
		x->nto = from + uniq_ints(x->to + from, x->nto - from);
	}
	for (i = 0; i < p->nx; i++) {
		struct xpd *x = &p->x[i];

		for (k = p->all ? p->nxg : 0; k < p->nxg; k++)
			if (xpd_alike(&p->x[p->xg[k].first], x))
				break;
		if (k == p->nxg)
			p->xg[p->nxg++] = (struct xgroup){ .first = (int)i };
		p->xg[k].count++;
		x->group = (int)k;
		for (j = 0; j < x->nshare; j++)
			p->dn[x->to[j]].sharers++;
	}
	return 0;
}

/*
 * Threads: each holds the held resources (depth 1) that every thread
 * holds, drawn from the PD; those only some hold are drawn from the
 * threads that do, so a thread with its own resources stands out.
 * Threads holding alike (and, while that leaves few nodes, named alike)
 * are one node.
 */
static int place_threads(struct picture *p)
{
	const struct tcb *t = p->t;
	size_t i, j, k, *nheld;
	int **own;
	size_t *nown;
	bool by_name;
	int r = -1;

	p->held_by_all = calloc(p->ndn + 1, sizeof(*p->held_by_all));
	nheld = calloc(p->ndn + 1, sizeof(*nheld));
	own = calloc(t->nthreads, sizeof(*own));
	nown = calloc(t->nthreads, sizeof(*nown));
	p->tg = calloc(t->nthreads, sizeof(*p->tg));
	p->tg_of = calloc(t->nthreads, sizeof(*p->tg_of));
	if (!p->held_by_all || !nheld || !own || !nown || !p->tg ||
	    !p->tg_of)
		goto out;
	for (i = 0; i < t->nthreads; i++) {
		const struct osm_node *th = t->threads[i];

		for (j = 0; j < osm_node__out_count(th); j++) {
			const struct osm_edge *e = osm_node__out(th, j);
			int d;

			if (!kind_is(e, OSM_EDGE_HOLD))
				continue;
			d = p->dn_of[osm_node__index(osm_edge__dst(e))];
			if (d >= 0 && add_int(&own[i], &nown[i], d))
				goto out;
		}
		nown[i] = uniq_ints(own[i], nown[i]);
		for (j = 0; j < nown[i]; j++)
			nheld[own[i][j]]++;
	}
	for (k = 0; k < p->ndn; k++)
		p->held_by_all[k] = nheld[k] == t->nthreads;
	for (i = 0; i < t->nthreads; i++) {
		for (j = 0, k = 0; j < nown[i]; j++)
			if (!p->held_by_all[own[i][j]])
				own[i][k++] = own[i][j];
		nown[i] = k;
	}
	for (by_name = true;; by_name = false) {
		p->ntg = 0;
		for (i = 0; i < t->nthreads; i++) {
			const char *c = node_label(t->threads[i]);

			for (k = p->all ? p->ntg : 0; k < p->ntg; k++) {
				size_t f = p->tg[k].first;
				const char *fc = node_label(t->threads[f]);

				if (nown[f] == nown[i] &&
				    same_ints(own[f], own[i], nown[i]) &&
				    (!by_name || (c && fc && !strcmp(c, fc)) ||
				     c == fc))
					break;
			}
			if (k == p->ntg)
				p->tg[p->ntg++] = (struct tgroup){
					.first = i, .own = own[i],
					.nown = nown[i] };
			p->tg[k].count++;
			p->tg_of[i] = (int)k;
		}
		p->tg_by_name = by_name;
		if (!by_name || p->ntg <= THREADS_SHOWN)
			break;
	}
	/* A group's own dnodes stay with it; free the rest. */
	for (i = 0; i < t->nthreads; i++) {
		if (p->tg[p->tg_of[i]].own != own[i])
			free(own[i]);
		own[i] = NULL;
	}
	r = 0;
out:
	if (own)
		for (i = 0; i < t->nthreads; i++)
			free(own[i]);
	free(own);
	free(nown);
	free(nheld);
	return r;
}

static void picture_free(struct picture *p)
{
	size_t i;

	for (i = 0; i < p->nx; i++)
		free(p->x[i].to);
	for (i = 0; p->tg && i < p->ntg; i++)
		free(p->tg[i].own);
	free(p->x);
	free(p->xg);
	free(p->x_of);
	free(p->tg);
	free(p->tg_of);
	free(p->dn);
	free(p->dn_of);
	free(p->shared);
	free(p->held_by_all);
	free(p->in_ns);
	free(p->self);
}

static int picture_build(struct picture *p, const struct tcb *t, bool all,
			 unsigned int max_depth)
{
	size_t i, nn = osm_graph__node_count(t->g);

	memset(p, 0, sizeof(*p));
	p->t = t;
	p->all = all;
	p->max_depth = max_depth;
	p->dn_of = malloc((nn + 1) * sizeof(*p->dn_of));
	p->x_of = malloc((nn + 1) * sizeof(*p->x_of));
	p->shared = calloc(nn + 1, sizeof(*p->shared));
	if (!p->dn_of || !p->x_of || !p->shared)
		return -1;
	for (i = 0; i < nn; i++) {
		p->dn_of[i] = -1;
		p->x_of[i] = -1;
	}
	if (place_resources(p) || place_others(p) || place_threads(p))
		return -1;
	/* The namespaces held, one table: one edge when all are shared. */
	p->in_ns = calloc(p->ndn + 1, sizeof(*p->in_ns));
	if (!p->in_ns)
		return -1;
	for (i = 0; i < p->ndn; i++) {
		const struct dnode *d = &p->dn[i];

		if (d->depth == 1 && d->count == 1 && d->parent < 0 &&
		    type_style(osm_node__type(d->n))->cat == C_NS) {
			p->in_ns[i] = true;
			p->nns++;
		}
	}
	return 0;
}

/* ---- DOT text ---------------------------------------------------------- */

/*
 * A label under construction: lines of text, kept printable (a value's
 * control bytes and invalid UTF-8 become '?', a long one keeps its end).
 */
struct label {
	char s[LABEL_SIZE];
	size_t len;
};

static void label_put(struct label *l, const char *s, size_t n)
{
	if (n > sizeof(l->s) - 1 - l->len)
		n = sizeof(l->s) - 1 - l->len;
	memcpy(l->s + l->len, s, n);
	l->len += n;
	l->s[l->len] = '\0';
}

/* Append @v, cleaned and cut to TEXT_MAX bytes (the end kept). */
static void label_value(struct label *l, const char *v)
{
	const unsigned char *s = (const unsigned char *)v;
	size_t len = strlen(v);
	char out[TEXT_MAX * 2 + 8];
	size_t o = 0;

	if (len > TEXT_MAX) {
		s += len - TEXT_MAX;
		while ((*s & 0xc0) == 0x80)
			s++;
		memcpy(out, "\xe2\x80\xa6", 3);	/* … */
		o = 3;
	}
	while (*s && o < sizeof(out) - 5) {
		int n = utf8_seq_len(s);

		/* U+FFFE and U+FFFF: not characters XML (SVG) allows. */
		if (n == 3 && s[0] == 0xef && s[1] == 0xbf && s[2] >= 0xbe)
			n = 0;

		if (n > 1) {
			memcpy(out + o, s, n);
			o += n;
			s += n;
			continue;
		}
		out[o++] = n && *s >= 0x20 && *s != 0x7f ? (char)*s : '?';
		s++;
	}
	label_put(l, out, o);
}

/* A line: @fmt with each %s (only %s) replaced by a cleaned value. */
static void label_line(struct label *l, const char *fmt, ...)
{
	va_list ap;
	const char *p;

	if (l->len)
		label_put(l, "\n", 1);
	va_start(ap, fmt);
	for (p = fmt; *p; p++) {
		if (p[0] == '%' && p[1] == 's') {
			const char *v = va_arg(ap, const char *);

			label_value(l, v ? v : "?");
			p++;
		} else {
			label_put(l, p, 1);
		}
	}
	va_end(ap);
}

static const char *attr_or(const struct osm_node *n, const char *key,
			   const char *dflt)
{
	const char *v = osm_node__attr(n, key);

	return v ? v : dflt;
}

/* The part of an id after its type: "4026531840" of "net_ns:4026531840". */
static const char *id_token(const struct osm_node *n)
{
	const char *c = strchr(osm_node__id(n), ':');

	return c ? c + 1 : osm_node__id(n);
}

static bool all_zero_hex(const char *v)
{
	for (; *v; v++)
		if (*v != '0')
			return false;
	return true;
}

/* "region" or "regions", after a count written as @count. */
static const char *plural(const char *count, const char *word)
{
	static char buf[32];

	if (!strcmp(count, "1"))
		return word;
	snprintf(buf, sizeof(buf), "%ss", word);
	return buf;
}

/* What a resource is, in a few words, and which one. */
static void resource_label(struct label *l, const struct osm_node *n)
{
	const char *t = osm_node__type(n), *v;

	if (!strcmp(t, OSM_NODE_MM)) {
		label_line(l, "address space");
		label_line(l, "%s %s", attr_or(n, "vmas", "?"),
			   plural(attr_or(n, "vmas", ""), "region"));
	} else if (!strcmp(t, OSM_NODE_VMA)) {
		label_line(l, "region %s", attr_or(n, "perm", ""));
		label_line(l, "%s", attr_or(n, "name", "anonymous"));
	} else if (!strcmp(t, OSM_NODE_FILES)) {
		label_line(l, "file table");
		label_line(l, "%s %s", attr_or(n, "fds", "?"),
			   plural(attr_or(n, "fds", ""), "descriptor"));
	} else if (!strcmp(t, OSM_NODE_FILE)) {
		label_line(l, "open file %s", attr_or(n, "mode", ""));
		v = osm_node__attr(n, "anon");
		if (!v)
			v = osm_node__attr(n, "ftype");
		if (v)
			label_line(l, "%s", v);
	} else if (!strcmp(t, OSM_NODE_INODE)) {
		v = osm_node__attr(n, "family");
		if (v) {
			label_line(l, "socket %s %s", v,
				   attr_or(n, "type", ""));
			v = osm_node__attr(n, "name");
			if (!v)
				v = osm_node__attr(n, "local");
		} else {
			label_line(l, "inode %s", attr_or(n, "ftype", ""));
			v = osm_node__attr(n, "path");
		}
		label_line(l, "%s", v ? v : id_token(n));
	} else if (!strcmp(t, OSM_NODE_FS)) {
		label_line(l, "root, cwd");
		label_line(l, "%s", attr_or(n, "root", "?"));
		label_line(l, "%s", attr_or(n, "cwd", "?"));
	} else if (!strcmp(t, OSM_NODE_SIGHAND)) {
		label_line(l, "signal handlers");
	} else if (!strcmp(t, OSM_NODE_SEMUNDO)) {
		label_line(l, "SysV semaphore undo");
	} else if (!strcmp(t, OSM_NODE_CRED)) {
		label_line(l, "credentials");
		label_line(l, "uid %s euid %s", attr_or(n, "uid", "?"),
			   attr_or(n, "euid", "?"));
		v = osm_node__attr(n, "cap_eff");
		if (v && all_zero_hex(v))
			label_line(l, "no capabilities");
		else if (v && !strcmp(v, attr_or(n, "cap_bnd", "")))
			label_line(l, "all capabilities");
		else if (v)
			label_line(l, "capabilities %s", v);
	} else if (!strcmp(t, OSM_NODE_SECCOMP)) {
		label_line(l, "seccomp");
		label_line(l, "%s %s", attr_or(n, "filters", "?"),
			   plural(attr_or(n, "filters", ""), "filter"));
	} else if (!strcmp(t, OSM_NODE_CGROUP)) {
		label_line(l, "cgroup");
		label_line(l, "%s", attr_or(n, "path", id_token(n)));
	} else if (!strcmp(t, OSM_NODE_SHM) || !strcmp(t, OSM_NODE_SEM) ||
		   !strcmp(t, OSM_NODE_MSG)) {
		label_line(l, "SysV %s", t);
		label_line(l, "key %s", attr_or(n, "key", "?"));
	} else if (!strcmp(t, OSM_NODE_PHYS)) {
		label_line(l, "frames");
		label_line(l, "%s %s", attr_or(n, "pages", "?"),
			   plural(attr_or(n, "pages", ""), "page"));
	} else if (!strcmp(t, OSM_NODE_FUSE)) {
		label_line(l, "FUSE %s", attr_or(n, "subtype", ""));
		label_line(l, "%s", attr_or(n, "dev", id_token(n)));
	} else if (!strcmp(t, OSM_NODE_UFFD)) {
		label_line(l, "userfaultfd");
	} else if (type_style(t)->cat == C_NS) {
		char name[32];
		size_t len = strlen(t) - 3;

		snprintf(name, sizeof(name), "%.*s", (int)len, t);
		label_line(l, "%s namespace", name);
		label_line(l, "%s", id_token(n));
	} else {
		label_line(l, "%s", t);
		label_line(l, "%s", id_token(n));
	}
}

/* The inside of a DOT string: the label's lines as \n. */
static void dot_text(FILE *f, const char *s)
{
	const char *run = s;

	for (;; s++) {
		if (*s && *s != '"' && *s != '\\' && *s != '\n')
			continue;
		fwrite(run, 1, s - run, f);
		if (!*s)
			break;
		fputs(*s == '\n' ? "\\n" : *s == '"' ? "\\\"" : "\\\\", f);
		run = s + 1;
	}
}

static void dot_label(FILE *f, const struct label *l)
{
	fputs("label=\"", f);
	dot_text(f, l->s);
	fputc('"', f);
}

/* Text for an HTML-like label: markup characters as entities. */
static void html_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '>')
			fputs("&gt;", f);
		else if (*s == '&')
			fputs("&amp;", f);
		else if (*s == '"')
			fputs("&quot;", f);
		else
			fputc(*s, f);
	}
}

/* "process 1234" / "bash" / "uid 0": a PD in words. */
static void pd_label(struct label *l, const struct osm_node *pd)
{
	const char *t = osm_node__type(pd), *c = node_label(pd), *v;

	if (!strcmp(t, OSM_NODE_KERNEL)) {
		label_line(l, "kernel");
		return;
	}
	label_line(l, "%s %s", t, id_token(pd));
	if (c)
		label_line(l, "%s", c);
	v = osm_node__attr(pd, "uid");
	if (v)
		label_line(l, "uid %s", v);
}

static void write_pd_node(FILE *f, const char *name, const struct label *l,
			  const struct osm_node *pd, bool main)
{
	bool thread = !strcmp(osm_node__type(pd), OSM_NODE_THREAD);

	fprintf(f, "\t%s [shape=%s, style=\"%s\", fillcolor=\"%s\", "
		"color=\"" PD_LINE "\", penwidth=%s, ", name,
		thread && !main ? "ellipse" : "box",
		thread && !main ? "filled" : "rounded,filled",
		thread && !main ? THREAD_FILL : PD_FILL, main ? "2" : "1");
	dot_label(f, l);
	fputs("];\n", f);
}

static void write_threads(FILE *f, const struct picture *p)
{
	const struct tcb *t = p->t;
	size_t k;

	if (t->threads[0] == t->pd)
		return;			/* a thread: no members */
	for (k = 0; k < p->ntg; k++) {
		const struct osm_node *th = t->threads[p->tg[k].first];
		struct label l = { .len = 0 };
		char count[32];

		if (p->tg[k].count > 1) {
			snprintf(count, sizeof(count), "%s ×%zu",
				 osm_node__type(th), p->tg[k].count);
			label_line(&l, "%s", count);
			if (p->tg_by_name && node_label(th))
				label_line(&l, "%s", node_label(th));
		} else {
			pd_label(&l, th);
		}
		snprintf(count, sizeof(count), "t%zu", k);
		write_pd_node(f, count, &l, th, false);
	}
}

static void write_resource(FILE *f, const struct picture *p, size_t i)
{
	const struct dnode *d = &p->dn[i];
	const struct type_style *ts = type_style(osm_node__type(d->n));
	const struct cat_style *cs = &cats[ts->cat];
	struct label l = { .len = 0 };

	if (p->in_ns[i])
		return;
	if (d->count > 1) {
		char head[64];

		snprintf(head, sizeof(head), "%s ×%zu", osm_node__type(d->n),
			 d->count);
		label_line(&l, "%s", head);
	} else {
		resource_label(&l, d->n);
	}
	if (d->sharers) {
		char with[48];

		/* Not shared itself: what lies beyond --depth is. */
		snprintf(with, sizeof(with), "%s with %zu",
			 d->shared ? "shared" : "leads to shared", d->sharers);
		label_line(&l, "%s", with);
	}
	fprintf(f, "\tr%zu [shape=%s, style=\"filled%s\", fillcolor=\"%s\", "
		"color=\"%s\", penwidth=%s, peripheries=%d, ", i, ts->shape,
		ts->cat == C_CHAN ? ",bold" : "", cs->fill,
		d->shared ? SHARED_LINE : cs->line, d->shared ? "3" : "1",
		d->count > 1 ? 2 : 1);
	dot_label(f, &l);
	fputs("];\n", f);
}

/* The namespaces the PD holds: one table, a row (a port) each. */
static void write_ns_table(FILE *f, const struct picture *p)
{
	const struct cat_style *cs = &cats[C_NS];
	size_t i;

	if (!p->nns)
		return;
	fprintf(f, "\tns [shape=plain, label=<<TABLE BORDER=\"1\" "
		"CELLBORDER=\"0\" CELLSPACING=\"3\" CELLPADDING=\"2\" "
		"STYLE=\"rounded\" BGCOLOR=\"%s\" COLOR=\"%s\">"
		"<TR><TD><B>namespaces</B></TD></TR>", cs->fill, cs->line);
	for (i = 0; i < p->ndn; i++) {
		const struct dnode *d = &p->dn[i];
		const char *t = osm_node__type(d->n);

		if (!p->in_ns[i])
			continue;
		fprintf(f, "<TR><TD PORT=\"r%zu\" BORDER=\"%d\" "
			"COLOR=\"" SHARED_LINE "\">%.*s ", i,
			d->shared ? 2 : 0, (int)strlen(t) - 3, t);
		html_text(f, id_token(d->n));
		if (d->sharers)
			fprintf(f, "<BR/><FONT POINT-SIZE=\"8\">shared with "
				"%zu</FONT>", d->sharers);
		fputs("</TD></TR>", f);
	}
	fputs("</TABLE>>];\n", f);
}

/* How an edge names dnode @d: its node, or its row of the ns table. */
static void ref(FILE *f, const struct picture *p, int d)
{
	fprintf(f, p->in_ns[d] ? "ns:r%d" : "r%d", d);
}

static void write_other(FILE *f, const struct picture *p, size_t k)
{
	const struct xgroup *g = &p->xg[k];
	const struct xpd *x = &p->x[g->first];
	struct label l = { .len = 0 };

	if (g->count > 1) {
		char head[64], names[LABEL_SIZE / 2] = "";
		size_t i, shown = 0, len = 0;

		snprintf(head, sizeof(head), "%s ×%zu", osm_node__type(x->pd),
			 g->count);
		label_line(&l, "%s", head);
		/* Some of their names, each once. */
		for (i = 0; i < p->nx && shown <= NAMES_SHOWN; i++) {
			const char *c = node_label(p->x[i].pd);

			if (p->x[i].group != (int)k || !c)
				continue;
			if (strstr(names, c))
				continue;
			if (shown == NAMES_SHOWN) {
				strcat(names, ", …");
				shown++;
				break;
			}
			len = strlen(names);
			snprintf(names + len, sizeof(names) - len, "%s%.*s",
				 shown ? ", " : "", 24, c);
			shown++;
		}
		if (*names)
			label_line(&l, "%s", names);
	} else {
		pd_label(&l, x->pd);
	}
	fprintf(f, "\tx%zu [shape=box, style=\"rounded,filled\", "
		"fillcolor=\"" THREAD_FILL "\", color=\"" PD_LINE "\", "
		"peripheries=%d, ", k, g->count > 1 ? 2 : 1);
	dot_label(f, &l);
	fputs("];\n", f);
}

/* Pairs of dnodes, for edges drawn once each. */
struct pairs {
	int64_t *v;
	size_t n, cap;
	bool failed;
};

static void pair_add(struct pairs *ps, int a, int b)
{
	if (ps->n == ps->cap) {
		size_t cap = ps->cap ? ps->cap * 2 : 64;
		int64_t *v = realloc(ps->v, cap * sizeof(*v));

		if (!v) {
			ps->failed = true;
			return;
		}
		ps->v = v;
		ps->cap = cap;
	}
	ps->v[ps->n++] = (int64_t)a << 32 | (uint32_t)b;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/*
 * The edges between resources, each pair once: every edge of the walk
 * between two drawn nodes (the first that reached a node, and the others:
 * a library mapped by several regions).
 */
static int write_resource_edges(FILE *f, const struct picture *p)
{
	const struct tcb *t = p->t;
	struct pairs ps = { 0 };
	size_t i, j;

	for (i = 0; i < t->nres; i++) {
		const struct osm_node *r = t->res[i];
		int a = p->dn_of[osm_node__index(r)], b;

		if (a < 0)
			continue;
		for (j = 0; j < osm_node__out_count(r); j++) {
			const struct osm_edge *e = osm_node__out(r, j);

			if (not_followed(e))
				continue;
			b = p->dn_of[osm_node__index(osm_edge__dst(e))];
			if (b >= 0 && b != a && p->dn[b].depth)
				pair_add(&ps, a, b);
		}
		for (j = 0; j < osm_node__in_count(r); j++) {
			const struct osm_edge *e = osm_node__in(r, j);

			if (!kind_is(e, OSM_EDGE_SUBSET) ||
			    osm_node__type(osm_edge__src(e)) ==
			    osm_node__type(r))
				continue;
			b = p->dn_of[osm_node__index(osm_edge__src(e))];
			if (b >= 0 && b != a)
				pair_add(&ps, a, b);
		}
	}
	if (ps.failed) {
		free(ps.v);
		return -1;
	}
	qsort(ps.v, ps.n, sizeof(*ps.v), cmp_i64);
	for (i = 0; i < ps.n; i++) {
		if (i && ps.v[i] == ps.v[i - 1])
			continue;
		fputc('\t', f);
		ref(f, p, (int)(ps.v[i] >> 32));
		fputs(" -> ", f);
		ref(f, p, (int)(uint32_t)ps.v[i]);
		fputs(";\n", f);
	}
	free(ps.v);
	return 0;
}

/*
 * What the PD holds (depth 1): from the PD box, or from the threads that
 * do; the namespace table with one edge when every thread holds them all.
 */
static void write_hold_edges(FILE *f, const struct picture *p)
{
	size_t i, k, all_ns = 0;

	for (i = 0; i < p->ndn; i++)
		all_ns += p->in_ns[i] && p->held_by_all[i];
	if (p->nns && all_ns == p->nns)
		fputs("\tpd -> ns [ltail=cluster_pd];\n", f);
	for (i = 0; i < p->ndn - p->nchan; i++) {
		if (p->dn[i].depth != 1 || !p->held_by_all[i] ||
		    (p->in_ns[i] && all_ns == p->nns))
			continue;
		fputs("\tpd -> ", f);
		ref(f, p, (int)i);
		fputs(" [ltail=cluster_pd];\n", f);
	}
	for (k = 0; k < p->ntg; k++)
		for (i = 0; i < p->tg[k].nown; i++) {
			fprintf(f, "\tt%zu -> ", k);
			ref(f, p, p->tg[k].own[i]);
			fputs(";\n", f);
		}
}

/* The names of the rules in @rules, comma-separated. */
static void rule_names(char *buf, size_t size, unsigned int rules)
{
	unsigned int b;
	size_t len = 0;

	buf[0] = '\0';
	for (b = 1; b < 1U << OSM_CONTROL_NR_RULES; b <<= 1)
		if ((rules & b) && osm_control_rule_name(b) && len < size)
			len += snprintf(buf + len, size - len, "%s%s",
					len ? ", " : "",
					osm_control_rule_name(b));
}

/*
 * Other PDs: an edge to each node they share (drawn from the node, so
 * they rank after it, with the arrow at the node), one to the PD when
 * they can control it, one from each channel they serve.
 */
static void write_other_edges(FILE *f, const struct picture *p)
{
	size_t k, j;

	for (k = 0; k < p->nxg; k++) {
		const struct xpd *x = &p->x[p->xg[k].first];
		size_t ns = 0;

		for (j = 0; j < x->nshare; j++)
			ns += p->in_ns[x->to[j]];
		if (p->nns > 1 && ns == p->nns)
			fprintf(f, "\tns -> x%zu [dir=back, style=dashed, "
				SHARE_EDGE "];\n", k);
		for (j = 0; j < x->nshare; j++) {
			if (p->in_ns[x->to[j]] && p->nns > 1 && ns == p->nns)
				continue;
			fputc('\t', f);
			ref(f, p, x->to[j]);
			fprintf(f, " -> x%zu [dir=back, style=dashed, "
				SHARE_EDGE "];\n", k);
		}
		for (j = x->nshare; j < x->nto; j++)
			fprintf(f, "\tr%d -> x%zu [dir=back, color=\""
				SERVE_LINE "\", fontcolor=\"" SERVE_LINE "\", "
				"label=\"serves\"];\n", x->to[j], k);
		if (x->rules) {
			char rules[128];

			rule_names(rules, sizeof(rules), x->rules);
			fprintf(f, "\tx%zu -> pd:e [penwidth=2, "
				"color=\"" CONTROL_LINE "\", fontcolor=\""
				CONTROL_LINE "\", label=\"", k);
			dot_text(f, rules);
			fputs("\"];\n", f);
		}
	}
	for (j = 0; j < p->nself; j++)
		fprintf(f, "\tpd -> r%d [ltail=cluster_pd, color=\"" SERVE_LINE
			"\", fontcolor=\"" SERVE_LINE "\", label=\"serves\"];\n",
			p->self[j]);
}

/* Channels: requested by the PD's resources that lead to them. */
static void write_request_edges(FILE *f, const struct picture *p)
{
	struct pairs ps = { 0 };
	size_t i, j;

	for (i = p->ndn - p->nchan; i < p->ndn; i++) {
		const struct osm_node *ch = p->dn[i].n;

		for (j = 0; j < osm_node__in_count(ch); j++) {
			const struct osm_edge *e = osm_node__in(ch, j);
			const struct osm_node *src = osm_edge__src(e);
			int a;

			if (!kind_is(e, OSM_EDGE_REQUEST) ||
			    !p->t->depth[osm_node__index(src)])
				continue;
			a = drawn_as(p, src);
			if (a >= 0)
				pair_add(&ps, a, (int)i);
		}
	}
	if (!ps.failed) {
		qsort(ps.v, ps.n, sizeof(*ps.v), cmp_i64);
		for (i = 0; i < ps.n; i++)
			if (!i || ps.v[i] != ps.v[i - 1]) {
				fputc('\t', f);
				ref(f, p, (int)(ps.v[i] >> 32));
				fprintf(f, " -> r%d [style=dashed, color=\""
					SERVE_LINE "\", fontcolor=\""
					SERVE_LINE "\", label=\"request\"];\n",
					(int)(uint32_t)ps.v[i]);
			}
	}
	free(ps.v);
}

/* The legend, under the picture: the kinds drawn, then what marks mean. */
static void write_legend(FILE *f, const struct picture *p)
{
	bool used[NR_CATS] = { false };
	size_t i;

	for (i = 0; i < p->ndn; i++)
		used[type_style(osm_node__type(p->dn[i].n))->cat] = true;
	fputs("\tlabelloc=b;\n\tlabel=<<TABLE BORDER=\"0\" CELLBORDER=\"1\" "
	      "CELLSPACING=\"4\" CELLPADDING=\"4\"><TR>"
	      "<TD BORDER=\"0\"><B>TCB of ", f);
	html_text(f, osm_node__id(p->t->pd));
	if (node_label(p->t->pd)) {
		struct label l = { .len = 0 };

		label_value(&l, node_label(p->t->pd));
		fputs(" (", f);
		html_text(f, l.s);
		fputc(')', f);
	}
	fputs("</B></TD><TD BGCOLOR=\"" PD_FILL "\" COLOR=\"" PD_LINE "\" "
	      "STYLE=\"rounded\">PD</TD>", f);
	for (i = 0; i < NR_CATS; i++)
		if (used[i])
			fprintf(f, "<TD BGCOLOR=\"%s\" COLOR=\"%s\">%s</TD>",
				cats[i].fill, cats[i].line, cats[i].name);
	fputs("<TD COLOR=\"" SHARED_LINE "\" BORDER=\"3\">shared</TD>"
	      "<TD BORDER=\"0\">×N: N alike</TD>"
	      "<TD BORDER=\"0\"><FONT COLOR=\"" SHARED_LINE "\">- - &gt; "
	      "shares</FONT></TD>"
	      "<TD BORDER=\"0\"><FONT COLOR=\"" CONTROL_LINE "\"><B>━&gt;"
	      "</B> can control (rule)</FONT></TD>"
	      "<TD BORDER=\"0\"><FONT COLOR=\"" SERVE_LINE "\">serves"
	      "</FONT></TD></TR></TABLE>>;\n", f);
}

/* The picture as DOT text; -1 when out of memory. */
static int write_dot(FILE *f, const struct picture *p)
{
	const struct tcb *t = p->t;
	struct label l = { .len = 0 };
	size_t i;

	fputs("digraph osm_draw {\n"
	      "\tgraph [rankdir=LR, compound=true, newrank=true, "
	      "nodesep=0.15, ranksep=0.5, fontname=\"Helvetica\", "
	      "fontsize=11];\n"
	      "\tnode [fontname=\"Helvetica\", fontsize=10, margin=\"0.1,0.04\"];\n"
	      "\tedge [fontname=\"Helvetica\", fontsize=9, "
	      "color=\"#666666\", arrowsize=0.6];\n", f);
	/* A box for the PD and its threads; a thread alone needs none. */
	fputs("\tsubgraph cluster_pd {\n\t\t", f);
	fputs(t->threads[0] == t->pd ? "style=invis; " :
	      "style=\"rounded,filled\"; fillcolor=\"#f3f7fc\"; "
	      "color=\"" PD_LINE "\"; penwidth=2; ", f);
	fputs("label=\"\";\n\t", f);
	pd_label(&l, t->pd);
	write_pd_node(f, "pd", &l, t->pd, true);
	write_threads(f, p);
	fputs("\t}\n", f);
	for (i = 0; i < p->ndn; i++)
		write_resource(f, p, i);
	write_ns_table(f, p);
	for (i = 0; i < p->nxg; i++)
		write_other(f, p, i);
	write_hold_edges(f, p);
	if (write_resource_edges(f, p))
		return -1;
	write_request_edges(f, p);
	write_other_edges(f, p);
	write_legend(f, p);
	fputs("}\n", f);
	return 0;
}

/* ---- output: DOT text, or dot(1) making SVG or PNG --------------------- */

enum fmt { FMT_DOT, FMT_SVG, FMT_PNG };

/* The format -o asks for, from its extension; -1 after an error. */
static int output_format(const char *path)
{
	const char *dot = path ? strrchr(path, '.') : NULL;

	if (!path)
		return FMT_DOT;
	if (dot && (!strcmp(dot, ".dot") || !strcmp(dot, ".gv")))
		return FMT_DOT;
	if (dot && !strcmp(dot, ".svg"))
		return FMT_SVG;
	if (dot && !strcmp(dot, ".png"))
		return FMT_PNG;
	p_err("cannot tell the picture format of '%s': name it .svg, .png or .dot",
	      path);
	return -1;
}

/* DOT text to @path (stdout when NULL); false after reporting an error. */
static bool draw_to_file(const struct picture *p, const char *path)
{
	FILE *f = path ? fopen(path, "we") : stdout;
	bool failed;

	if (!f) {
		p_err("cannot write %s: %s", path, strerror(errno));
		return false;
	}
	if (write_dot(f, p)) {
		p_err("out of memory");
		if (path)
			fclose(f);
		return false;
	}
	failed = ferror(f);
	if (path && fclose(f))
		failed = true;
	if (failed)
		p_err("cannot write %s: %s", path ? path : "output",
		      strerror(errno));
	return !failed;
}

/* Is there an executable @name in $PATH? */
static bool in_path(const char *name)
{
	const char *path = getenv("PATH"), *p, *end;
	char file[4096];

	for (p = path ? path : "/usr/bin:/bin"; *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, ':');
		if (snprintf(file, sizeof(file), "%.*s/%s", (int)(end - p),
			     end > p ? p : ".", name) < (int)sizeof(file) &&
		    !access(file, X_OK))
			return true;
	}
	return false;
}

#define NO_DOT	"Graphviz 'dot' is not installed (apt-get install graphviz); " \
		"'-o FILE.dot' writes the DOT text without it"

/*
 * Run "dot -Tsvg|-Tpng -o @path" (the dot of $PATH, no shell) and write
 * the DOT text to its standard input; false after reporting an error.
 */
static bool draw_with_dot(const struct picture *p, const char *path,
			  enum fmt fmt)
{
	char *argv[] = { "dot", fmt == FMT_SVG ? "-Tsvg" : "-Tpng", "-o",
			 (char *)path, NULL };
	posix_spawn_file_actions_t fa;
	void (*old)(int);
	int fds[2], err, status;
	bool failed;
	pid_t pid;
	FILE *f;

	if (!in_path("dot")) {
		p_err(NO_DOT);
		return false;
	}
	if (pipe2(fds, O_CLOEXEC)) {
		p_err("pipe: %s", strerror(errno));
		return false;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[0], STDIN_FILENO);
	err = posix_spawnp(&pid, "dot", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[0]);
	if (err) {
		close(fds[1]);
		if (err == ENOENT)
			p_err(NO_DOT);
		else
			p_err("cannot run dot: %s", strerror(err));
		return false;
	}
	f = fdopen(fds[1], "w");
	if (!f) {
		close(fds[1]);
		failed = true;
	} else {
		/* dot may stop reading: an error to report, not a signal. */
		old = signal(SIGPIPE, SIG_IGN);
		failed = write_dot(f, p) != 0;
		failed |= ferror(f) != 0;
		failed |= fclose(f) != 0;
		signal(SIGPIPE, old);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			p_err("waitpid: %s", strerror(errno));
			return false;
		}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		p_err("dot failed making %s (%s %d)", path,
		      WIFEXITED(status) ? "exit status" : "signal",
		      WIFEXITED(status) ? WEXITSTATUS(status) :
		      WTERMSIG(status));
		return false;
	}
	if (failed) {
		p_err("cannot write to dot: %s", strerror(errno));
		return false;
	}
	return true;
}

/* ---- the command --------------------------------------------------------- */

struct draw_args {
	const char *out;
	bool all;
	unsigned int depth;
};

/*
 * Take out draw's own options (-o FILE, --all, --depth N) and leave the
 * others in @argv for parse_verb_args(); the new argc, or -1.
 */
static int draw_options(int argc, char **argv, struct draw_args *da)
{
	int i, n = 0;

	memset(da, 0, sizeof(*da));
	for (i = 0; i < argc; i++) {
		const char *a = argv[i], *v = NULL;

		if (!strcmp(a, "--all")) {
			da->all = true;
			continue;
		}
		if (!strcmp(a, "-o") || !strcmp(a, "--output") ||
		    !strcmp(a, "--depth")) {
			if (i + 1 >= argc || !*argv[i + 1]) {
				p_err("option '%s' needs a value", a);
				return -1;
			}
			v = argv[++i];
		} else if (!strncmp(a, "--output=", 9) ||
			   !strncmp(a, "--depth=", 8)) {
			v = strchr(a, '=') + 1;
		}
		if (!v) {
			argv[n++] = argv[i];
			continue;
		}
		if (a[1] == 'o' || a[2] == 'o') {
			da->out = v;
		} else {
			char *end;
			unsigned long d;

			errno = 0;
			d = strtoul(v, &end, 10);
			if (errno || *end || end == v || *v == '-' || !d ||
			    d > 1000) {
				p_err("bad --depth '%s': 1 or more", v);
				return -1;
			}
			da->depth = (unsigned int)d;
		}
	}
	return n;
}

static int do_help(void)
{
	if (help_json())
		return 0;
	printf("Usage: %s draw PD [-o FILE.svg|FILE.png|FILE.dot] [--all]\n"
	       "                [--depth N] [--ptrace-scope N] [--file FILE]\n"
	       "       %s draw help\n"
	       "\n"
	       "       PD := { PID | kernel | NODE-ID }  e.g. 1234, thread:42\n"
	       "\n"
	       "The TCB neighbourhood of PD as a picture: PD and its threads,\n"
	       "the resources they reach grouped by what leads to them, the\n"
	       "PDs that share some of them, can control PD (the rule on the\n"
	       "edge) or serve its requests.  Shared resources have a red\n"
	       "border.  Resources of one type reached through one node, and\n"
	       "PDs joined alike, are one count node (\"vma ×24\") unless\n"
	       "--all.  --depth N draws resources at most N steps from the\n"
	       "threads (1: what they hold).  Without -o the DOT text goes to\n"
	       "stdout; .svg and .png are made by Graphviz's dot.  No JSON form.\n",
	       bin_name, bin_name);
	return 0;
}

int do_draw(int argc, char **argv)
{
	const struct osm_node *pd;
	struct picture pic;
	struct draw_args da;
	struct verb_args va;
	struct osm_graph *g;
	struct tcb t;
	int r, fmt, scope;
	bool ok;

	if (argc < 1) {
		p_err(MISSING_PD);
		return -1;
	}
	if (is_help(argv[0]))
		return do_help();
	argc = draw_options(argc, argv, &da);
	if (argc < 0)
		return -1;
	r = parse_verb_args(argc, argv, ARG_FILE | ARG_SCOPE, 1, &va);
	if (r)
		return r > 0 ? do_help() : -1;
	if (json_output) {
		p_err("'draw' has no JSON form");
		return -1;
	}
	if (va.npos < 1) {
		p_err(MISSING_PD);
		return -1;
	}
	scope = ptrace_scope_arg(va.scope);
	if (scope < 0)
		return -1;
	fmt = output_format(da.out);
	if (fmt < 0)
		return -1;
	g = load_graph_pd(va.file, va.pos[0], &pd);
	if (!g)
		return -1;
	r = tcb_assemble(g, pd, scope, &t);
	if (r) {
		p_err("query failed: %s", strerror(-r));
		ok = false;
	} else if (picture_build(&pic, &t, da.all, da.depth)) {
		p_err("out of memory");
		ok = false;
	} else {
		ok = fmt == FMT_DOT ? draw_to_file(&pic, da.out) :
		     draw_with_dot(&pic, da.out, fmt);
	}
	if (!r)
		picture_free(&pic);
	tcb_free(&t);
	osm_graph__free(g);
	return ok ? 0 : -1;
}
