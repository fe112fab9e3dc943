// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * The bpf backend's text: the iterators' records (bpf/osm_iter.h) as a
 * graph in the module's format (uapi/graph-format.md), so the parser and
 * the queries work unchanged.  Every node is declared once, all of them
 * before the first edge, and an edge is drawn only between declared
 * nodes.  Ids follow the module's rules: public numbers where the kernel
 * has them, the iterators' keyed hashes otherwise.
 */
#define _GNU_SOURCE		/* asprintf() */
#include "libosm_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <linux/types.h>

#include "backend_bpf.h"
#include "backend_internal.h"
#include "bpf/osm_iter.h"
#include "../uapi/linux/osmosis.h"

/* What the iterators cannot see (graph-format.md, "BPF backend"). */
#define OSM_BPF_UNSEEN \
	"cred,seccomp,semundo,shm,sem,msg,in,phys,fuse,uffd,peer,for_children"

static const char *const osm_ns_names[OSM_BNS_NR] = {
	"mnt_ns", "uts_ns", "ipc_ns", "pid_ns", "net_ns", "user_ns",
	"cgroup_ns", "time_ns",
};

/* A set of node ids: (type, a, b), open addressing, grows at half load. */
struct osm_bset {
	struct osm_bkey { __u64 a, b; __u32 t, used; } *k;
	size_t cap, n;
};

/* Id types of the set; T_NS + i is namespace type i, T_NS + 8 marks edges. */
enum {
	T_PROC = 1, T_THREAD, T_MM, T_FILES, T_FILE, T_FS, T_SIGHAND,
	T_INODE, T_VMA, T_CGROUP, T_FD, T_NS
};

static size_t osm_bslot(const struct osm_bset *s, __u32 t, __u64 a, __u64 b)
{
	__u64 h = (a ^ (b * 0x9e3779b97f4a7c15ULL) ^ ((__u64)t << 57)) *
		  0xff51afd7ed558ccdULL;
	size_t i = (h ^ (h >> 29)) & (s->cap - 1);

	while (s->k[i].used && (s->k[i].t != t || s->k[i].a != a ||
				s->k[i].b != b))
		i = (i + 1) & (s->cap - 1);
	return i;
}

/* 1 if added, 0 if present, -ENOMEM. */
static int osm_badd(struct osm_bset *s, __u32 t, __u64 a, __u64 b)
{
	size_t i;

	if (2 * (s->n + 1) > s->cap) {
		struct osm_bset g = { .cap = s->cap ? 2 * s->cap : 1024 };

		g.k = calloc(g.cap, sizeof(*g.k));
		if (!g.k)
			return -ENOMEM;
		for (i = 0; i < s->cap; i++)
			if (s->k[i].used)
				g.k[osm_bslot(&g, s->k[i].t, s->k[i].a,
					      s->k[i].b)] = s->k[i];
		g.n = s->n;
		free(s->k);
		*s = g;
	}
	i = osm_bslot(s, t, a, b);
	if (s->k[i].used)
		return 0;
	s->k[i] = (struct osm_bkey){ a, b, t, 1 };
	s->n++;
	return 1;
}

static bool osm_bhas(const struct osm_bset *s, __u32 t, __u64 a, __u64 b)
{
	return s->cap && s->k[osm_bslot(s, t, a, b)].used;
}

struct osm_bout {
	FILE *f;
	struct osm_bset ids;
	unsigned long nodes, edges;
	int err;
};

/* Declare a node once: true if the caller should write its line now. */
static bool osm_bnode(struct osm_bout *o, __u32 t, __u64 a, __u64 b)
{
	int r = osm_badd(&o->ids, t, a, b);

	if (r < 0)
		o->err = r;
	if (r > 0)
		o->nodes++;
	return r > 0;
}

/* A value as the format escapes it: \xHH for space, controls, '\'. */
static void osm_bstr(FILE *f, const char *key, const char *v, size_t max)
{
	size_t i;

	fprintf(f, " %s=", key);
	for (i = 0; i < max && v[i]; i++) {
		unsigned char c = v[i];

		if (c <= 0x20 || c >= 0x7f || c == '\\')
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
}

/* Kernel dev_t: major << 20 | minor, as the module's MAJOR()/MINOR(). */
#define DEV_MAJ(d)	((unsigned int)(d) >> 20)
#define DEV_MIN(d)	((unsigned int)(d) & 0xfffff)

static void osm_binode(struct osm_bout *o, __u32 dev, __u64 ino, __u32 mode)
{
	if (osm_bnode(o, T_INODE, dev, ino))
		fprintf(o->f, "node inode:%u:%u:%llu res dev=%u:%u ino=%llu ftype=%s\n",
			DEV_MAJ(dev), DEV_MIN(dev), (unsigned long long)ino,
			DEV_MAJ(dev), DEV_MIN(dev), (unsigned long long)ino,
			osm_text_ftype(mode));
}

static void osm_bns_node(struct osm_bout *o, int i, __u32 inum)
{
	if (inum && osm_bnode(o, T_NS + i, inum, 0))
		fprintf(o->f, "node %s:%u res inum=%u\n", osm_ns_names[i], inum,
			inum);
}

/* User and pid namespaces with their levels, from the task chains. */
static void osm_bns_trees(struct osm_bout *o, const struct osm_btask *t)
{
	int j;

	for (j = 0; j < OSM_BNS_CHAIN && t->userns[j]; j++)
		if (osm_bnode(o, T_NS + OSM_BNS_USER, t->userns[j], 0))
			fprintf(o->f, "node user_ns:%u res inum=%u level=%u owner=%u\n",
				t->userns[j], t->userns[j], t->userns_level[j],
				t->userns_uid[j]);
	for (j = 0; j < OSM_BNS_CHAIN && t->pidns[j]; j++)
		if (osm_bnode(o, T_NS + OSM_BNS_PID, t->pidns[j], 0))
			fprintf(o->f, "node pid_ns:%u res inum=%u level=%u\n",
				t->pidns[j], t->pidns[j], t->pidns_level[j]);
}

static void osm_bedge(struct osm_bout *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void osm_bedge(struct osm_bout *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(o->f, fmt, ap);
	va_end(ap);
	o->edges++;
}

static const struct osm_btask *osm_bleader(const struct osm_btask *t,
					   size_t n, __u32 tgid)
{
	const struct osm_btask *first = NULL;
	size_t i;

	for (i = 0; i < n; i++) {
		if (t[i].tgid != tgid)
			continue;
		if (t[i].tid == tgid)
			return &t[i];
		if (!first)
			first = &t[i];
	}
	return first;
}

/* Cgroup paths from the pre-order walk: a parent's path comes first. */
static void osm_bcgroups(struct osm_bout *o, const struct osm_bpf_walk *w,
			 char **paths)
{
	const struct osm_bcgroup *c = w->rec[OSM_BPF_CGROUP];
	size_t i, j;

	for (i = 0; i < w->nrec[OSM_BPF_CGROUP]; i++) {
		const char *pp = NULL;

		for (j = i; c[i].parent && j-- > 0;)
			if (c[j].id == c[i].parent) {
				pp = paths[j];
				break;
			}
		if (!c[i].parent)
			paths[i] = strdup("/");
		else if (pp && asprintf(&paths[i], "%s%s%.*s", pp,
					strcmp(pp, "/") ? "/" : "",
					(int)sizeof(c[i].name), c[i].name) < 0)
			paths[i] = NULL;
		if (!osm_bnode(o, T_CGROUP, c[i].id, 0))
			continue;
		fprintf(o->f, "node cgroup:%llu res id=%llu",
			(unsigned long long)c[i].id, (unsigned long long)c[i].id);
		if (paths[i])
			osm_bstr(o->f, "path", paths[i], (size_t)-1);
		fputc('\n', o->f);
	}
}

static int osm_bfd_cmp(const void *a, const void *b)
{
	const __u64 *x = a, *y = b;

	if (x[0] != y[0])
		return x[0] < y[0] ? -1 : 1;
	return x[1] < y[1] ? -1 : x[1] > y[1];
}

/*
 * The (table, fd) pairs of the file records, sorted and unique: threads
 * with one table may each have been visited.
 */
static __u64 (*osm_bfd_pairs(const struct osm_bpf_walk *w, size_t *n))[2]
{
	const struct osm_bfile *fl = w->rec[OSM_BPF_FILE];
	size_t i, k = 0, nf = w->nrec[OSM_BPF_FILE];
	__u64 (*p)[2] = malloc((nf + 1) * sizeof(*p));

	if (!p)
		return NULL;
	for (i = 0; i < nf; i++) {
		p[i][0] = fl[i].files;
		p[i][1] = fl[i].fd;
	}
	qsort(p, nf, sizeof(*p), osm_bfd_cmp);
	for (i = 0; i < nf; i++)
		if (!k || p[i][0] != p[k - 1][0] || p[i][1] != p[k - 1][1]) {
			p[k][0] = p[i][0];
			p[k][1] = p[i][1];
			k++;
		}
	*n = k;
	return p;
}

/* How many descriptors table @files has: a run of the sorted pairs. */
static size_t osm_bfds(__u64 files,
		       __u64 (*p)[2], size_t n)
{
	size_t lo = 0, hi = n, k;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (p[mid][0] < files)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (k = lo; k < n && p[k][0] == files; k++)
		;
	return k - lo;
}

static void osm_bnodes(struct osm_bout *o, const struct osm_bpf_walk *w)
{
	size_t nfds = 0;
	__u64 (*fds)[2] = osm_bfd_pairs(w, &nfds);
	const struct osm_btask *t = w->rec[OSM_BPF_TASK];
	const struct osm_bfile *fl = w->rec[OSM_BPF_FILE];
	const struct osm_bvma *v = w->rec[OSM_BPF_VMA];
	size_t nt = w->nrec[OSM_BPF_TASK], i;
	int j;

	if (!fds) {
		o->err = -ENOMEM;
		return;
	}
	fprintf(o->f, "node kernel:0 pd name=kernel\n");
	o->nodes++;
	for (i = 0; i < nt; i++) {
		osm_bns_trees(o, &t[i]);
		for (j = 0; j < OSM_BNS_NR; j++) {
			osm_bns_node(o, j, t[i].ns[j]);
			osm_bns_node(o, OSM_BNS_USER, t[i].ns_owner[j]);
		}
		osm_bns_node(o, OSM_BNS_USER, t[i].mm_owner);
		if (t[i].cgroup && osm_bnode(o, T_CGROUP, t[i].cgroup, 0))
			fprintf(o->f, "node cgroup:%llu res id=%llu\n",
				(unsigned long long)t[i].cgroup,
				(unsigned long long)t[i].cgroup);
	}
	for (i = 0; i < nt; i++) {
		const struct osm_btask *l;

		if ((t[i].flags & OSM_BT_KTHREAD) ||
		    !osm_bnode(o, T_PROC, t[i].tgid, 0))
			continue;
		l = osm_bleader(t, nt, t[i].tgid);
		fprintf(o->f, "node process:%u pd pid=%u ppid=%u", l->tgid,
			l->tgid, l->ppid);
		osm_bstr(o->f, "comm", l->comm, sizeof(l->comm));
		fprintf(o->f, " uid=%u euid=%u gid=%u egid=%u\n", l->uid,
			l->euid, l->gid, l->egid);
	}
	for (i = 0; i < nt; i++) {
		if (!osm_bnode(o, T_THREAD, t[i].tid, 0))
			continue;
		fprintf(o->f, "node thread:%u pd tid=%u tgid=%u", t[i].tid,
			t[i].tid, t[i].tgid);
		osm_bstr(o->f, "comm", t[i].comm, sizeof(t[i].comm));
		fprintf(o->f, "%s no_new_privs=%u seccomp=%u tracer=%u\n",
			t[i].flags & OSM_BT_KTHREAD ? " kthread=1" : "",
			!!(t[i].flags & OSM_BT_NNP), t[i].seccomp, t[i].tracer);
		if (t[i].mm && osm_bnode(o, T_MM, t[i].mm, 0))
			fprintf(o->f, "node mm:%016llx res vmas=%u dumpable=%u\n",
				(unsigned long long)t[i].mm, t[i].mm_vmas,
				t[i].mm_dumpable);
		if (t[i].fs && osm_bnode(o, T_FS, t[i].fs, 0))
			fprintf(o->f, "node fs:%016llx res\n",
				(unsigned long long)t[i].fs);
		if (t[i].sighand && osm_bnode(o, T_SIGHAND, t[i].sighand, 0))
			fprintf(o->f, "node sighand:%016llx res\n",
				(unsigned long long)t[i].sighand);
	}
	for (i = 0; i < nt + w->nrec[OSM_BPF_FILE]; i++) {
		__u64 files = i < nt ? t[i].files : fl[i - nt].files;

		if (files && osm_bnode(o, T_FILES, files, 0))
			fprintf(o->f, "node files:%016llx res fds=%zu\n",
				(unsigned long long)files,
				osm_bfds(files, fds, nfds));
	}
	for (i = 0; i < w->nrec[OSM_BPF_FILE]; i++) {
		const struct osm_bfile *f = &fl[i];
		const char *m = (f->f_mode & 3) == 3 ? "rw" :
				(f->f_mode & 1) ? "r" : (f->f_mode & 2) ? "w" : "-";

		if (!f->anon)
			osm_binode(o, f->dev, f->ino, f->mode);
		if (!osm_bnode(o, T_FILE, f->file, 0))
			continue;
		fprintf(o->f, "node file:%016llx res mode=%s flags=0%o pos=%lld",
			(unsigned long long)f->file, m, f->f_flags,
			(long long)f->pos);
		if (f->anon) {
			fputs(" ftype=anon", o->f);
			osm_bstr(o->f, "anon", f->anon_name, sizeof(f->anon_name));
			fputc('\n', o->f);
		} else {
			fprintf(o->f, " ftype=%s\n", osm_text_ftype(f->mode));
		}
	}
	free(fds);
	for (i = 0; i < w->nrec[OSM_BPF_VMA]; i++) {
		const struct osm_bvma *r = &v[i];

		if (r->dev || r->ino)
			osm_binode(o, r->dev, r->ino, r->mode);
		if (osm_bnode(o, T_MM, r->mm, 0))
			fprintf(o->f, "node mm:%016llx res\n",
				(unsigned long long)r->mm);
		if (!osm_bnode(o, T_VMA, r->mm, r->start))
			continue;
		fprintf(o->f, "node vma:%016llx:%llx res start=0x%llx end=0x%llx perm=%c%c%c%c pgoff=0x%llx dev=%u:%u ino=%llu\n",
			(unsigned long long)r->mm, (unsigned long long)r->start,
			(unsigned long long)r->start, (unsigned long long)r->end,
			r->flags & 1 ? 'r' : '-', r->flags & 2 ? 'w' : '-',
			r->flags & 4 ? 'x' : '-', r->flags & 0x80 ? 's' : 'p',
			(unsigned long long)r->pgoff, DEV_MAJ(r->dev),
			DEV_MIN(r->dev), (unsigned long long)r->ino);
	}
}

static void osm_bns_edges(struct osm_bout *o, const struct osm_btask *t)
{
	int j;

	for (j = 0; j + 1 < OSM_BNS_CHAIN && t->userns[j + 1]; j++)
		if (osm_badd(&o->ids, T_NS + OSM_BNS_NR, t->userns[j], 1) > 0)
			osm_bedge(o, "edge user_ns:%u subset user_ns:%u\n",
				  t->userns[j], t->userns[j + 1]);
	for (j = 0; j < OSM_BNS_CHAIN && t->pidns[j]; j++) {
		if (osm_badd(&o->ids, T_NS + OSM_BNS_NR, t->pidns[j], 2) <= 0)
			continue;
		if (t->pidns_owner[j] &&
		    osm_bhas(&o->ids, T_NS + OSM_BNS_USER, t->pidns_owner[j], 0))
			osm_bedge(o, "edge pid_ns:%u owner user_ns:%u\n",
				  t->pidns[j], t->pidns_owner[j]);
		if (j + 1 < OSM_BNS_CHAIN && t->pidns[j + 1])
			osm_bedge(o, "edge pid_ns:%u subset pid_ns:%u\n",
				  t->pidns[j], t->pidns[j + 1]);
	}
	for (j = 0; j < OSM_BNS_NR; j++) {
		if (j == OSM_BNS_USER || j == OSM_BNS_PID || !t->ns[j] ||
		    !t->ns_owner[j] ||
		    osm_badd(&o->ids, T_NS + OSM_BNS_NR, t->ns[j], 3 + j) <= 0)
			continue;
		osm_bedge(o, "edge %s:%u owner user_ns:%u\n", osm_ns_names[j],
			  t->ns[j], t->ns_owner[j]);
	}
}

/* A user namespace as the task chains show it. */
struct osm_buns {
	__u32 inum, parent, level, uid;
};

static int osm_buns_cmp(const void *a, const void *b)
{
	const struct osm_buns *x = a, *y = b;

	return (x->inum > y->inum) - (x->inum < y->inum);
}

/* Every user namespace of the task records, sorted by inode. */
static struct osm_buns *osm_buns_table(const struct osm_bpf_walk *w, size_t *n)
{
	const struct osm_btask *t = w->rec[OSM_BPF_TASK];
	size_t nt = w->nrec[OSM_BPF_TASK], i, k = 0;
	struct osm_buns *u = malloc((nt * OSM_BNS_CHAIN + 1) * sizeof(*u));
	int j;

	if (!u)
		return NULL;
	for (i = 0; i < nt; i++)
		for (j = 0; j < OSM_BNS_CHAIN && t[i].userns[j]; j++)
			u[k++] = (struct osm_buns){
				t[i].userns[j],
				j + 1 < OSM_BNS_CHAIN ? t[i].userns[j + 1] : 0,
				t[i].userns_level[j], t[i].userns_uid[j] };
	qsort(u, k, sizeof(*u), osm_buns_cmp);
	*n = k;
	return u;
}

/*
 * Whether task @t has CAP_SYS_ADMIN over user namespace @owner:
 * cap_capable()'s walk up from @owner to the task's user namespace (the
 * creator of a child namespace is capable there).  An ancestor no chain
 * shows counts as not capable.
 */
static bool osm_badmin(const struct osm_btask *t, __u32 owner,
		       const struct osm_buns *u, size_t n)
{
	__u32 cns = t->userns[0], clevel = t->userns_level[0];
	int i;

	for (i = 0; i < 33 && owner; i++) {
		struct osm_buns key = { .inum = owner }, *e;

		if (owner == cns)
			return t->cap_eff & (1ULL << 21);
		e = bsearch(&key, u, n, sizeof(*u), osm_buns_cmp);
		if (!e || e->level <= clevel)
			return false;
		if (e->parent == cns && e->uid == t->euid)
			return true;
		owner = e->parent;
	}
	return false;
}

static void osm_bedges(struct osm_bout *o, const struct osm_bpf_walk *w)
{
	size_t nuns = 0;
	struct osm_buns *uns = osm_buns_table(w, &nuns);
	const struct osm_btask *t = w->rec[OSM_BPF_TASK];
	const struct osm_bfile *fl = w->rec[OSM_BPF_FILE];
	const struct osm_bvma *v = w->rec[OSM_BPF_VMA];
	const struct osm_bcgroup *c = w->rec[OSM_BPF_CGROUP];
	size_t nt = w->nrec[OSM_BPF_TASK], i;
	int j;

	if (!uns) {
		o->err = -ENOMEM;
		return;
	}
	for (i = 0; i < w->nrec[OSM_BPF_CGROUP]; i++)
		if (c[i].parent && osm_bhas(&o->ids, T_CGROUP, c[i].parent, 0))
			osm_bedge(o, "edge cgroup:%llu subset cgroup:%llu\n",
				  (unsigned long long)c[i].id,
				  (unsigned long long)c[i].parent);
	for (i = 0; i < nt; i++) {
		const struct osm_btask *r = &t[i];

		/* One thread record per tid (the first, as nodes were). */
		if (osm_badd(&o->ids, T_THREAD, r->tid, 1) <= 0)
			continue;
		osm_bns_edges(o, r);
		if (r->flags & OSM_BT_KTHREAD)
			osm_bedge(o, "edge thread:%u member kernel:0\n", r->tid);
		else
			osm_bedge(o, "edge thread:%u member process:%u\n",
				  r->tid, r->tgid);
		if (r->mm) {
			osm_bedge(o, "edge thread:%u hold mm:%016llx mode=rw\n",
				  r->tid, (unsigned long long)r->mm);
			if (r->mm_owner &&
			    osm_badd(&o->ids, T_MM, r->mm, 1) > 0)
				osm_bedge(o, "edge mm:%016llx owner user_ns:%u\n",
					  (unsigned long long)r->mm, r->mm_owner);
		}
		if (r->files)
			osm_bedge(o, "edge thread:%u hold files:%016llx mode=rw\n",
				  r->tid, (unsigned long long)r->files);
		if (r->fs)
			osm_bedge(o, "edge thread:%u hold fs:%016llx mode=rw\n",
				  r->tid, (unsigned long long)r->fs);
		if (r->sighand)
			osm_bedge(o, "edge thread:%u hold sighand:%016llx mode=rw\n",
				  r->tid, (unsigned long long)r->sighand);
		for (j = 0; j < OSM_BNS_NR; j++)
			if (r->ns[j])
				osm_bedge(o, "edge thread:%u hold %s:%u mode=%s\n",
					  r->tid, osm_ns_names[j], r->ns[j],
					  osm_badmin(r, r->ns_owner[j], uns, nuns) ?
					  "rw" : "r");
		if (r->cgroup)
			osm_bedge(o, "edge thread:%u hold cgroup:%llu mode=r\n",
				  r->tid, (unsigned long long)r->cgroup);
	}
	for (i = 0; i < w->nrec[OSM_BPF_FILE]; i++) {
		const struct osm_bfile *f = &fl[i];
		const char *m = (f->f_mode & 3) == 3 ? "rw" :
				(f->f_mode & 1) ? "r" : (f->f_mode & 2) ? "w" : "-";

		/* One edge per descriptor; one file->inode edge per file. */
		if (osm_badd(&o->ids, T_FD, f->files, f->fd | 1ULL << 32) > 0)
			osm_bedge(o, "edge files:%016llx map file:%016llx fd=%u mode=%s\n",
				  (unsigned long long)f->files,
				  (unsigned long long)f->file, f->fd, m);
		if (!f->anon && osm_badd(&o->ids, T_FILE, f->file, 1) > 0)
			osm_bedge(o, "edge file:%016llx map inode:%u:%u:%llu\n",
				  (unsigned long long)f->file, DEV_MAJ(f->dev),
				  DEV_MIN(f->dev), (unsigned long long)f->ino);
	}
	for (i = 0; i < w->nrec[OSM_BPF_VMA]; i++) {
		const struct osm_bvma *r = &v[i];

		if (osm_badd(&o->ids, T_VMA, r->mm, r->start | 1ULL << 63) <= 0)
			continue;
		osm_bedge(o, "edge vma:%016llx:%llx subset mm:%016llx\n",
			  (unsigned long long)r->mm, (unsigned long long)r->start,
			  (unsigned long long)r->mm);
		if (r->dev || r->ino)
			osm_bedge(o, "edge vma:%016llx:%llx map inode:%u:%u:%llu\n",
				  (unsigned long long)r->mm,
				  (unsigned long long)r->start, DEV_MAJ(r->dev),
				  DEV_MIN(r->dev), (unsigned long long)r->ino);
	}
	free(uns);
}

int osm__bpf_render(const struct osm_bpf_walk *w, char **text, size_t *len)
{
	struct osm_bout o = {};
	char **paths = NULL;
	struct stat st;
	size_t i;
	int ret;

	o.f = open_memstream(text, len);
	if (!o.f)
		return -ENOMEM;
	paths = calloc(w->nrec[OSM_BPF_CGROUP] + 1, sizeof(*paths));
	if (!paths) {
		o.err = -ENOMEM;
		goto out;
	}
	/* pid_ns: every pid below is a number in the reader's namespace. */
	if (stat("/proc/self/ns/pid", &st))
		st.st_ino = 0;
	fprintf(o.f, "%s %d.%d epoch=%016llx pid_ns=%llu view=full backend=bpf unseen=%s\n",
		OSM_GRAPH_MAGIC, OSM_GRAPH_MAJOR, OSM_GRAPH_MINOR, w->epoch,
		(unsigned long long)st.st_ino, OSM_BPF_UNSEEN);
	osm_bcgroups(&o, w, paths);
	osm_bnodes(&o, w);
	osm_bedges(&o, w);
	fprintf(o.f, "end nodes=%lu edges=%lu\n", o.nodes, o.edges);
out:
	for (i = 0; paths && i < w->nrec[OSM_BPF_CGROUP]; i++)
		free(paths[i]);
	free(paths);
	free(o.ids.k);
	ret = fclose(o.f) ? -ENOMEM : o.err;
	if (ret) {
		free(*text);
		*text = NULL;
	}
	return ret;
}
