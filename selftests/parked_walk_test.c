// SPDX-License-Identifier: GPL-2.0-only
/*
 * The world changes while a reader is parked mid-walk.  Each read(2) of
 * /dev/osmosis returns at most one chunk of the walk and the walk renders
 * the next chunk only when a read finds the current one drained, so
 * between two read(2)s of a buffer larger than a chunk the walk is parked
 * at the end of the chunk just returned.  These tests read chunk by chunk
 * until the walk is parked at a chosen place, change what it has rendered
 * or is about to render, then read the rest:
 *
 *  - a region already rendered grows past the point the walk resumes at
 *    (a neighbour is mprotect()ed to match it, or a gap after it is
 *    mapped);
 *  - rendered processes exit and new ones are forked, whose kernel
 *    objects may take the freed addresses the walk hashed into ids;
 *  - a rendered thread exits and a new process takes its number;
 *  - a thread not yet rendered exec()s and so takes its leader's tid.
 *
 * Whatever changes, the walk must stay well-formed (each node declared
 * once), its regions of one mm must not overlap, and it must not show
 * sharing that never existed (kcmp(2) is the oracle for live processes).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/kcmp.h>

#include "kselftest_harness.h"
#include "osm_test_util.h"

#define NR_REGIONS	4000	/* ~700 KiB of vma records: several chunks */
#define NR_FDS		4000	/* ~240 KiB of map records: two chunks */
#define NR_VICTIMS	8	/* processes rendered, then replaced */
#define NR_SUCCESSORS	24	/* processes forked while the walk is parked */
#define NR_CYCLES	3	/* replacements per test */
#define TEAM_MAX	4	/* threads of a team besides its leader */
#define NS_LAST_PID	"/proc/sys/kernel/ns_last_pid"

/* ---- a walk read chunk by chunk ------------------------------------ */

struct walk {
	int fd;
	char *buf;	/* everything read so far, NUL-terminated */
	size_t len;
	bool ended;	/* read(2) returned 0 */
};

static int walk_open(struct walk *w)
{
	memset(w, 0, sizeof(*w));
	w->fd = open(osm_test_device(), O_RDONLY | O_CLOEXEC);
	return w->fd < 0 ? -1 : 0;
}

/* Read one more chunk: 1 if one came, 0 at the end of the walk, -1. */
static int walk_chunk(struct walk *w)
{
	ssize_t r;

	if (w->ended)
		return 0;
	r = osm_test_read_chunk(w->fd, &w->buf, &w->len);
	if (r == 0)
		w->ended = true;
	return r < 0 ? -1 : r > 0;
}

/* Read to the end of the walk: 0, or -1 with errno. */
static int walk_rest(struct walk *w)
{
	int r;

	while ((r = walk_chunk(w)) > 0)
		;
	return r;
}

static void walk_close(struct walk *w)
{
	if (w->fd >= 0)
		close(w->fd);
	free(w->buf);
	memset(w, 0, sizeof(*w));
	w->fd = -1;
}

static void *shared_page(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* ---- a block of many small regions --------------------------------- */

/*
 * A child's block of @nr one-page regions, in a page shared with the
 * parent.  Adjacent regions alternate rw and r (so they do not merge);
 * with @gaps they are all rw, one unmapped page apart.  The block starts
 * rw and writable regions stay accounted, so once two neighbours have
 * the same protection nothing keeps them apart.
 */
struct block {
	bool gaps;
	int nr;
	unsigned long base, page, span;		/* set by the child */
	unsigned long grow_start, grow_end;	/* set by the parent */
};

static int block_prot(const struct block *b, unsigned long addr)
{
	if (b->gaps || !((addr - b->base) / b->page % 2))
		return PROT_READ | PROT_WRITE;
	return PROT_READ;
}

/*
 * Grow the region [grow_start, grow_end) past grow_end, keeping its
 * start: give the next region its protection (they merge), or map the
 * gap after it with the same protection (it grows in place and meets
 * the region after the gap).
 */
static int block_grow(struct block *b)
{
	void *at = (void *)b->grow_end;
	int prot = block_prot(b, b->grow_start);

	if (!b->gaps)
		return mprotect(at, b->page, prot);
	if (mmap(at, b->page, prot, MAP_PRIVATE | MAP_ANONYMOUS |
		 MAP_FIXED_NOREPLACE, -1, 0) != at)
		return -1;
	return 0;
}

/* Make the block, report ready; if released with grow_end set, grow. */
static int block_child(int sock, void *arg)
{
	struct block *b = arg;
	long page = sysconf(_SC_PAGESIZE);
	int i, pages = b->nr * (b->gaps ? 2 : 1);
	char *p;

	p = mmap(NULL, (size_t)pages * page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		osm_child_fail(sock, "mmap: %m");
	for (i = 1; i < pages; i += 2) {
		if (b->gaps ? munmap(p + i * page, page) :
			      mprotect(p + i * page, page, PROT_READ))
			osm_child_fail(sock, "%s page %d: %m",
				       b->gaps ? "munmap" : "mprotect", i);
	}
	b->base = (unsigned long)p;
	b->page = page;
	b->span = (unsigned long)pages * page;
	if (osm_child_ready(sock, NULL, 0))
		return 1;
	if (!b->grow_end)
		return 0;
	if (block_grow(b))
		osm_child_fail(sock, "growing %lx-%lx: %m", b->grow_start,
			       b->grow_end);
	return osm_child_ready(sock, NULL, 0) ? 1 : 0;
}

/*
 * The hash token of @pid's mm, from the first vma node inside the block
 * after "node thread:<pid>" in the text so far; false if none yet.
 */
static bool block_mm_token(const struct walk *w, pid_t pid,
			   const struct block *b, char *tok, size_t len)
{
	const char *l;

	if (!osm_test_text_lines(w->buf, w->len, &l, OSM_REC_NODE " "
				 OSM_NODE_THREAD ":%d ", pid))
		return false;
	while ((l = strstr(l, "\n" OSM_REC_NODE " " OSM_NODE_VMA ":"))) {
		unsigned long long start;
		char t[32];

		l++;
		if (sscanf(l, OSM_REC_NODE " " OSM_NODE_VMA ":%31[0-9a-f]:%llx",
			   t, &start) != 2)
			continue;
		if (start < b->base || start >= b->base + b->span)
			continue;
		snprintf(tok, len, "%s", t);
		return true;
	}
	return false;
}

static bool vma_within(const struct osm_test_vma *v,
		       const struct osm_test_vma *maps, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (maps[i].start <= v->start && v->end <= maps[i].end)
			return true;
	return false;
}

FIXTURE(parked) {
	struct walk w;
	struct osm_child c, f, q;
	struct osm_child a[NR_VICTIMS], b[NR_SUCCESSORS];
	struct osm_test_vma *before, *after, *vmas;
	struct osm_graph *g;
	void *shared;
};

FIXTURE_SETUP(parked)
{
	self->w.fd = -1;
	self->shared = shared_page();
	ASSERT_NE(NULL, self->shared) TH_LOG("shared page: %m");
}

FIXTURE_TEARDOWN(parked)
{
	int i;

	walk_close(&self->w);
	osm_graph__free(self->g);
	free(self->before);
	free(self->after);
	free(self->vmas);
	for (i = 0; i < NR_VICTIMS; i++)
		osm_child_finish(&self->a[i]);
	for (i = 0; i < NR_SUCCESSORS; i++)
		osm_child_finish(&self->b[i]);
	osm_child_finish(&self->f);
	osm_child_finish(&self->q);
	osm_child_finish(&self->c);
	munmap(self->shared, 4096);
}

/*
 * Park the walk inside the child's block with a region after the last
 * one rendered, grow that region past the resume point, read the rest.
 */
static void region_grows(struct __test_metadata *_metadata,
			 FIXTURE_DATA(parked) *self, bool gaps)
{
	struct block *b = self->shared;
	struct osm_test_vma last = { 0 }, *v;
	int nbefore, nafter, n, i, dups = 0, overlaps = 0, strays = 0;
	char mm[32] = "", err[512];
	pid_t pid;

	b->gaps = gaps;
	b->nr = NR_REGIONS;
	ASSERT_EQ(0, osm_child_start(&self->c, OSM_SPAWN_FORK, 0, block_child,
				     b, NULL, 0))
		TH_LOG("%m: %s", self->c.err);
	pid = self->c.pid;
	ASSERT_EQ(0, walk_open(&self->w)) TH_LOG("open: %m");
	for (;;) {
		ASSERT_EQ(1, walk_chunk(&self->w))
			TH_LOG("the walk ended or failed before it was parked "
			       "inside the regions of process %d: %m", pid);
		if (!mm[0] && !block_mm_token(&self->w, pid, b, mm, sizeof(mm)))
			continue;
		n = osm_test_text_vmas(self->w.buf, self->w.len, mm, &v);
		ASSERT_LT(0, n) TH_LOG("vma nodes of mm:%s: %m", mm);
		last = v[n - 1];
		free(v);
		/*
		 * Regions come in address order: the last one so far is in
		 * the block, and one after it (to grow into) is still to
		 * come, so the walk is parked inside this mm.
		 */
		if (last.start >= b->base &&
		    last.end + (gaps ? 2 : 1) * b->page <= b->base + b->span)
			break;
		ASSERT_GT(b->base + b->span - (gaps ? 2 : 1) * b->page,
			  last.start)
			TH_LOG("the walk never parked inside the %d regions "
			       "of process %d", NR_REGIONS, pid);
	}
	nbefore = osm_test_read_maps(pid, &self->before);
	ASSERT_LT(NR_REGIONS, nbefore) TH_LOG("/proc/%d/maps: %m", pid);

	b->grow_start = last.start;
	b->grow_end = last.end;
	ASSERT_EQ(0, osm_child_step(&self->c, NULL, 0))
		TH_LOG("%m: %s", self->c.err);
	nafter = osm_test_read_maps(pid, &self->after);
	ASSERT_LT(0, nafter) TH_LOG("/proc/%d/maps: %m", pid);
	for (i = 0; i < nafter; i++)
		if (self->after[i].start == last.start)
			break;
	ASSERT_LT(i, nafter) TH_LOG("no region at %llx after the change",
				    last.start);
	ASSERT_LT(last.end, self->after[i].end)
		TH_LOG("region %llx-%llx did not grow (now ends at %llx)",
		       last.start, last.end, self->after[i].end);
	TH_LOG("parked after vma:%s:%llx (%llx-%llx), which grew to %llx-%llx",
	       mm, last.start, last.start, last.end, self->after[i].start,
	       self->after[i].end);

	ASSERT_EQ(0, walk_rest(&self->w)) TH_LOG("read: %m");
	EXPECT_EQ(0, osm_test_check_text(self->w.buf, self->w.len, NULL, err,
					 sizeof(err)))
		TH_LOG("malformed walk: %s", err);

	n = osm_test_text_vmas(self->w.buf, self->w.len, mm, &self->vmas);
	ASSERT_LT(NR_REGIONS / 2, n) TH_LOG("vma nodes of mm:%s: %m", mm);
	osm_test_sort_vmas(self->vmas, n);
	v = self->vmas;
	for (i = 0; i < n; i++) {
		if (i && v[i].start == v[i - 1].start) {
			if (!dups++)
				TH_LOG("vma:%s:%llx rendered twice: %llx-%llx "
				       "and %llx-%llx", mm, v[i].start,
				       v[i - 1].start, v[i - 1].end,
				       v[i].start, v[i].end);
		} else if (i && v[i].start < v[i - 1].end) {
			if (!overlaps++)
				TH_LOG("regions %llx-%llx and %llx-%llx of "
				       "mm:%s overlap", v[i - 1].start,
				       v[i - 1].end, v[i].start, v[i].end, mm);
		}
		if (!vma_within(&v[i], self->before, nbefore) &&
		    !vma_within(&v[i], self->after, nafter) && !strays++)
			TH_LOG("region %llx-%llx of mm:%s is in neither maps "
			       "before nor after the change", v[i].start,
			       v[i].end, mm);
	}
	EXPECT_EQ(0, dups) TH_LOG("%d regions rendered twice", dups);
	EXPECT_EQ(0, overlaps) TH_LOG("%d regions overlap", overlaps);
	EXPECT_EQ(0, strays) TH_LOG("%d regions never existed", strays);
	EXPECT_EQ(1, osm_test_text_lines(self->w.buf, self->w.len, NULL,
					 OSM_REC_EDGE " " OSM_NODE_THREAD
					 ":%d " OSM_EDGE_HOLD " " OSM_NODE_MM
					 ":%s ", pid, mm));
}

/* The next region takes the rendered region's protection: they merge. */
TEST_F_TIMEOUT(parked, region_grows_while_parked, OSM_TIMEOUT)
{
	region_grows(_metadata, self, false);
}

/* The gap after the rendered region is mapped: it grows in place. */
TEST_F_TIMEOUT(parked, region_grows_into_gap_while_parked, OSM_TIMEOUT)
{
	region_grows(_metadata, self, true);
}

/* ---- processes replaced while the walk is parked -------------------- */

/* Has the text so far a line "edge thread:<tid> hold <type>:..."? */
static bool thread_holds(const struct walk *w, pid_t tid, const char *type)
{
	return osm_test_text_lines(w->buf, w->len, NULL,
				   OSM_REC_EDGE " " OSM_NODE_THREAD ":%d "
				   OSM_EDGE_HOLD " %s:", tid, type);
}

/* Set the calling process (and what it forks later) on CPU 0 alone. */
static int pin_to_cpu0(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/*
 * A process that shares nothing with anyone: every inherited descriptor
 * but the control socket is closed, then it opens files of its own.
 */
static int own_files_child(int sock, void *arg)
{
	int p[2];

	(void)arg;
	if ((sock > 0 && syscall(SYS_close_range, 0, sock - 1, 0)) ||
	    syscall(SYS_close_range, sock + 1, ~0U, 0))
		osm_child_fail(sock, "close_range: %m");
	if (pipe(p) || open("/dev/null", O_RDONLY) < 0 ||
	    open("/dev/zero", O_RDWR) < 0)
		osm_child_fail(sock, "opening files: %m");
	return osm_child_ready(sock, NULL, 0) ? 1 : 0;
}

static const char *const shareable[] = {
	OSM_NODE_MM, OSM_NODE_FILES, OSM_NODE_FS, OSM_NODE_SIGHAND,
	OSM_NODE_FILE, NULL,
};

/* Resources of those types process @pid reaches; -1 if no such node. */
static int reached(const struct osm_graph *g, pid_t pid,
		   const struct osm_node ***out)
{
	OSM_OPTS(osm_query_opts, opts, .types = shareable);
	const struct osm_node *p = osm_test_process(g, pid);

	*out = NULL;
	if (!p)
		return -1;
	return osm_query__reachable(g, p, &opts, out);
}

/*
 * No process forked after the victims were reaped reaches a resource a
 * victim reached: they never shared anything.  Returns the count.
 */
static int shared_with_dead(struct __test_metadata *_metadata,
			    const struct osm_graph *g, const pid_t *dead,
			    const pid_t *born)
{
	pid_t *owner = calloc(osm_graph__node_count(g), sizeof(*owner));
	const struct osm_node **res;
	int i, j, n, bad = 0;

	if (!owner)
		return -1;
	for (i = 0; i < NR_VICTIMS; i++) {
		n = reached(g, dead[i], &res);
		EXPECT_LT(0, n) TH_LOG("process:%d reaches nothing", dead[i]);
		for (j = 0; j < n; j++)
			owner[osm_node__index(res[j])] = dead[i];
		free(res);
	}
	for (i = 0; i < NR_SUCCESSORS; i++) {
		n = reached(g, born[i], &res);
		EXPECT_LT(0, n) TH_LOG("process:%d reaches nothing", born[i]);
		for (j = 0; j < n; j++) {
			pid_t was = owner[osm_node__index(res[j])];

			if (!was)
				continue;
			if (bad++ < 5)
				TH_LOG("process:%d reaches %s, as process:%d "
				       "did, which was reaped before %d was "
				       "forked", born[i], osm_node__id(res[j]),
				       was, born[i]);
		}
		free(res);
	}
	free(owner);
	return bad;
}

/* A resource a live process holds: @fd for a file (-1 otherwise). */
struct holding {
	const struct osm_node *res;
	pid_t pid;
	int kcmp;
	int fd;
};

static const struct {
	const char *type;
	int kcmp;
} held_types[] = {
	{ OSM_NODE_MM, KCMP_VM },
	{ OSM_NODE_FILES, KCMP_FILES },
	{ OSM_NODE_FS, KCMP_FS },
	{ OSM_NODE_SIGHAND, KCMP_SIGHAND },
};

/* Append what thread @pid holds and the files its table maps. */
static size_t add_holdings(const struct osm_graph *g, pid_t pid,
			   struct holding *h, size_t n, size_t max)
{
	const struct osm_node *t = osm_test_thread(g, pid), *files;
	unsigned long long fd;
	size_t i;

	for (i = 0; i < sizeof(held_types) / sizeof(held_types[0]); i++) {
		const struct osm_node *r = osm_test_held(t, held_types[i].type);

		if (r && n < max)
			h[n++] = (struct holding){ r, pid, held_types[i].kcmp,
						   -1 };
	}
	files = osm_test_held(t, OSM_NODE_FILES);
	for (i = 0; files && i < osm_node__out_count(files); i++) {
		const struct osm_edge *e = osm_node__out(files, i);

		if (strcmp(osm_edge__kind(e), OSM_EDGE_MAP) ||
		    !osm_test_edge_attr_ull(e, "fd", &fd) || n >= max)
			continue;
		h[n++] = (struct holding){ osm_edge__dst(e), pid, KCMP_FILE,
					   (int)fd };
	}
	return n;
}

/*
 * Whenever the graph shows two of the live processes @pids sharing an
 * mm, files, fs, sighand or file node, kcmp(2) says they share it.
 * Returns how many such claims kcmp denies.
 */
static int shared_not_kcmp(struct __test_metadata *_metadata,
			   const struct osm_graph *g, const pid_t *pids,
			   int npids)
{
	size_t max = 4096, n = 0, i, j;
	struct holding *h = calloc(max, sizeof(*h));
	int k, bad = 0;

	if (!h)
		return -1;
	for (k = 0; k < npids; k++)
		n = add_holdings(g, pids[k], h, n, max);
	for (i = 0; i < n; i++) {
		for (j = i + 1; j < n; j++) {
			if (h[i].res != h[j].res || h[i].pid == h[j].pid)
				continue;
			k = osm_test_kcmp(h[i].pid, h[j].pid, h[i].kcmp,
					  h[i].fd, h[j].fd);
			if (!k)
				continue;
			if (bad++ < 5)
				TH_LOG("the graph has process:%d (fd %d) and "
				       "process:%d (fd %d) share %s, kcmp says "
				       "%d", h[i].pid, h[i].fd, h[j].pid,
				       h[j].fd, osm_node__id(h[i].res), k);
		}
	}
	free(h);
	return bad;
}

static bool victims_rendered(const struct walk *w, const struct osm_child *a)
{
	int i;

	for (i = 0; i < NR_VICTIMS; i++)
		if (!thread_holds(w, a[i].pid, OSM_NODE_FILES))
			return false;
	return true;
}

/*
 * One replacement: victims, then a filler process larger than a chunk
 * (the walk cannot finish before the replacement), a walk parked after
 * the victims, the victims reaped, successors forked, the rest read.
 * Returns how many false claims of sharing the walk made.
 */
static int replace_once(struct __test_metadata *_metadata,
			FIXTURE_DATA(parked) *self)
{
	struct block *fill = self->shared;
	pid_t dead[NR_VICTIMS], born[NR_SUCCESSORS + 1];
	char err[512];
	int i, bad;

	for (i = 0; i < NR_VICTIMS; i++)
		ASSERT_EQ(0, osm_child_start(&self->a[i], OSM_SPAWN_FORK, 0,
					     own_files_child, NULL, NULL, 0))
			TH_LOG("victim %d: %m: %s", i, self->a[i].err);
	memset(fill, 0, sizeof(*fill));
	fill->nr = NR_REGIONS;
	ASSERT_EQ(0, osm_child_start(&self->f, OSM_SPAWN_FORK, 0, block_child,
				     fill, NULL, 0))
		TH_LOG("filler: %m: %s", self->f.err);

	ASSERT_EQ(0, walk_open(&self->w)) TH_LOG("open: %m");
	do {
		ASSERT_EQ(1, walk_chunk(&self->w))
			TH_LOG("the walk ended or failed before it rendered "
			       "the victims: %m");
	} while (!victims_rendered(&self->w, self->a));
	ASSERT_EQ(0, osm_test_text_lines(self->w.buf, self->w.len, NULL,
					 OSM_REC_END " "))
		TH_LOG("the walk was not parked after the victims");

	/* Free the victims' objects, then allocate the successors' at once. */
	for (i = 0; i < NR_VICTIMS; i++) {
		dead[i] = self->a[i].pid;
		ASSERT_EQ(0, osm_child_finish(&self->a[i]))
			TH_LOG("victim %d", dead[i]);
	}
	for (i = 0; i < NR_SUCCESSORS; i++) {
		ASSERT_EQ(0, osm_child_start(&self->b[i], OSM_SPAWN_FORK, 0,
					     own_files_child, NULL, NULL, 0))
			TH_LOG("successor %d: %m: %s", i, self->b[i].err);
		born[i] = self->b[i].pid;
	}
	born[NR_SUCCESSORS] = getpid();

	ASSERT_EQ(0, walk_rest(&self->w)) TH_LOG("read: %m");
	ASSERT_EQ(0, osm_test_check_text(self->w.buf, self->w.len, NULL, err,
					 sizeof(err)))
		TH_LOG("malformed walk: %s", err);
	self->g = osm_graph__parse(self->w.buf, self->w.len);
	ASSERT_NE(NULL, self->g) TH_LOG("parse: %m");

	bad = shared_with_dead(_metadata, self->g, dead, born);
	bad += shared_not_kcmp(_metadata, self->g, born, NR_SUCCESSORS + 1);

	osm_graph__free(self->g);
	self->g = NULL;
	walk_close(&self->w);
	for (i = 0; i < NR_SUCCESSORS; i++)
		osm_child_finish(&self->b[i]);
	osm_child_finish(&self->f);
	return bad;
}

TEST_F_TIMEOUT(parked, no_false_sharing_after_reuse, OSM_TIMEOUT)
{
	int cycle, bad, failed = 0;

	/* One CPU's slab caches: freed objects are the next ones handed out. */
	ASSERT_EQ(0, pin_to_cpu0()) TH_LOG("sched_setaffinity: %m");
	for (cycle = 0; cycle < NR_CYCLES; cycle++) {
		bad = replace_once(_metadata, self);
		TH_LOG("replacement %d: %d false claims of sharing", cycle,
		       bad);
		failed += bad != 0;
	}
	EXPECT_EQ(0, failed) TH_LOG("%d of %d replacements showed sharing "
				    "that never existed", failed, NR_CYCLES);
}

/* ---- threads that change while the walk is parked inside them ------ */

/* How many times "node thread:<tid>" is in the text so far. */
static size_t thread_decls(const struct walk *w, pid_t tid)
{
	return osm_test_text_lines(w->buf, w->len, NULL, OSM_REC_NODE " "
				   OSM_NODE_THREAD ":%d ", tid);
}

static bool thread_declared(const struct walk *w, pid_t tid)
{
	return thread_decls(w, tid) > 0;
}

#define MEMBER_LINE OSM_REC_EDGE " " OSM_NODE_THREAD ":%d " OSM_EDGE_MEMBER \
		    " %s%s"

/*
 * "edge thread:<tid> member <pd>" lines in the text so far, with or
 * without attributes; any member edge of the thread if @pd is NULL.
 */
static size_t member_edges(const struct walk *w, pid_t tid, const char *pd)
{
	if (!pd)
		return osm_test_text_lines(w->buf, w->len, NULL, MEMBER_LINE,
					   tid, "", "");
	return osm_test_text_lines(w->buf, w->len, NULL, MEMBER_LINE, tid,
				   pd, " ") +
	       osm_test_text_lines(w->buf, w->len, NULL, MEMBER_LINE, tid,
				   pd, "\n");
}

/* Every thread node is a member of the process its tgid= names. */
static void expect_members_match_tgid(struct __test_metadata *_metadata,
				      const struct osm_graph *g)
{
	size_t i, bad = 0;

	for (i = 0; i < osm_graph__node_count(g); i++) {
		const struct osm_node *n = osm_graph__node(g, i);
		const struct osm_edge *e[2];
		unsigned long long tgid;
		char want[32];

		if (strcmp(osm_node__type(n), OSM_NODE_THREAD) ||
		    osm_node__attr(n, "kthread"))
			continue;
		if (!osm_test_attr_ull(n, "tgid", &tgid))
			continue;
		snprintf(want, sizeof(want), OSM_NODE_PROCESS ":%llu", tgid);
		if (osm_test_out(n, OSM_EDGE_MEMBER, NULL, e, 2) == 1 &&
		    !strcmp(osm_node__id(osm_edge__dst(e[0])), want))
			continue;
		if (!bad++)
			TH_LOG("%s (tgid=%llu) is not a member of %s alone",
			       osm_node__id(n), tgid, want);
	}
	EXPECT_EQ(0, bad) TH_LOG("%zu threads not members of their process",
				 bad);
}

enum team_order { TEAM_WAIT, TEAM_EXIT, TEAM_EXEC };

/*
 * A process of @nthreads threads besides its leader, in a page shared
 * with the parent; the first @nbig unshare their fd table and fill it
 * with NR_FDS descriptors, so the walk parks inside each of them.  On
 * release, the leader has thread @target exit (and waits until its tid
 * is free) or exec() the test binary in wait mode.
 */
struct team {
	int nthreads, nbig;
	pid_t tid[TEAM_MAX];			/* set by the child */
	enum team_order order;			/* set by the parent */
	pid_t target;
};

/* The child's side; one team per child process. */
static struct team *team;
static sem_t team_ready, team_go[TEAM_MAX];
static int team_sock;
static char team_fd[16];		/* the socket for the exec()ed image */
static char team_err[256];

static void *team_member(void *arg)
{
	int i = (int)(long)arg, fd, k;

	team->tid[i] = osm_test_gettid();
	if (i < team->nbig) {
		if (unshare(CLONE_FILES))
			snprintf(team_err, sizeof(team_err), "unshare: %m");
		fd = open("/dev/null", O_RDONLY);
		for (k = 0; fd >= 0 && k < NR_FDS; k++)
			if (dup(fd) < 0)
				break;
		if (fd < 0 || k < NR_FDS)
			snprintf(team_err, sizeof(team_err), "fds: %m");
	}
	sem_post(&team_ready);
	while (sem_wait(&team_go[i]))
		;
	if (team->order == TEAM_EXEC) {
		execl("/proc/self/exe", "/proc/self/exe", OSM_TEST_WAIT_ARG,
		      team_fd, (char *)NULL);
		osm_child_fail(team_sock, "exec /proc/self/exe: %m");
	}
	return NULL;
}

/* Wait until /proc/self/task/@tid is gone: its number is free again. */
static int tid_gone(pid_t tid)
{
	char path[64];
	int i;

	snprintf(path, sizeof(path), "/proc/self/task/%d", (int)tid);
	for (i = 0; i < 10000; i++) {
		if (access(path, F_OK) && errno == ENOENT)
			return 0;
		usleep(1000);
	}
	errno = ETIMEDOUT;
	return -1;
}

static int team_child(int sock, void *arg)
{
	struct rlimit rl = { 2 * NR_FDS + 256, 2 * NR_FDS + 256 };
	pthread_t th[TEAM_MAX];
	int i, fd;

	team = arg;
	team_sock = sock;
	if (team->nbig && setrlimit(RLIMIT_NOFILE, &rl))
		osm_child_fail(sock, "setrlimit: %m");
	fd = fcntl(sock, F_DUPFD, 3);	/* without FD_CLOEXEC */
	if (fd < 0)
		osm_child_fail(sock, "dup: %m");
	snprintf(team_fd, sizeof(team_fd), "%d", fd);
	sem_init(&team_ready, 0, 0);
	/* One at a time: the threads' order is the order they started. */
	for (i = 0; i < team->nthreads; i++) {
		sem_init(&team_go[i], 0, 0);
		errno = pthread_create(&th[i], NULL, team_member,
				       (void *)(long)i);
		if (errno)
			osm_child_fail(sock, "pthread_create: %m");
		while (sem_wait(&team_ready))
			;
		if (team_err[0])
			osm_child_fail(sock, "thread %d: %s", i, team_err);
	}
	if (osm_child_ready(sock, NULL, 0))
		return 1;
	if (team->order == TEAM_WAIT)
		return 0;
	for (i = 0; i < team->nthreads; i++)
		if (team->tid[i] == team->target)
			break;
	if (i == team->nthreads)
		osm_child_fail(sock, "no thread %d", team->target);
	sem_post(&team_go[i]);
	if (team->order == TEAM_EXEC)
		for (;;)
			pause();	/* until the exec ends this thread */
	errno = pthread_join(th[i], NULL);
	if (errno || tid_gone(team->target))
		osm_child_fail(sock, "thread %d exit: %m", team->target);
	return osm_child_ready(sock, NULL, 0) ? 1 : 0;
}

/*
 * Read chunks until the walk is parked inside one of the team's threads
 * (node declared, fd table not yet held) and *@done is another thread
 * of it already declared (@done_declared) or one not declared yet
 * (!@done_declared), and the leader is declared.  Returns the thread
 * parked in, or 0 if the walk left the team without such a moment.
 */
static pid_t park_in_team(struct __test_metadata *_metadata,
			  struct walk *w, pid_t leader, const struct team *t,
			  bool done_declared, pid_t *other)
{
	int i, j;

	for (;;) {
		int finished = 0;

		ASSERT_EQ(1, walk_chunk(w))
			TH_LOG("the walk ended or failed before it left "
			       "process %d: %m", leader);
		for (i = 0; i < t->nthreads; i++) {
			pid_t tid = t->tid[i];

			if (thread_holds(w, tid, OSM_NODE_FILES)) {
				finished++;
				continue;
			}
			if (!thread_declared(w, tid) ||
			    !thread_declared(w, leader))
				continue;
			for (j = 0; j < t->nthreads; j++) {
				if (j == i || thread_declared(w, t->tid[j]) !=
					      done_declared)
					continue;
				*other = t->tid[j];
				return tid;
			}
		}
		if (finished == t->nthreads)
			return 0;
	}
}

/*
 * Start a team of two threads (@nbig of them with big fd tables), park
 * the walk inside one of them with the other already declared
 * (@done_declared) or not yet, then have the child do @order to that
 * other thread (*@other).  Returns the thread parked in, or 0 if the
 * walk never parked so (nothing was ordered).
 */
static pid_t team_park_then(struct __test_metadata *_metadata,
			    FIXTURE_DATA(parked) *self, int nbig,
			    bool done_declared, enum team_order order,
			    pid_t *other)
{
	struct team *t = self->shared;
	pid_t in;

	t->nthreads = 2;
	t->nbig = nbig;
	ASSERT_EQ(0, osm_child_start(&self->c, OSM_SPAWN_FORK, 0, team_child,
				     t, NULL, 0))
		TH_LOG("%m: %s", self->c.err);
	ASSERT_EQ(0, walk_open(&self->w)) TH_LOG("open: %m");
	in = park_in_team(_metadata, &self->w, self->c.pid, t, done_declared,
			  other);
	if (!in)
		return 0;
	t->order = order;
	t->target = *other;
	ASSERT_EQ(0, osm_child_step(&self->c, NULL, 0))
		TH_LOG("%m: %s", self->c.err);
	return in;
}

/* Read the rest of the walk: well-formed, parsed, members by tgid. */
static void team_read_rest(struct __test_metadata *_metadata,
			   FIXTURE_DATA(parked) *self)
{
	char err[512];

	ASSERT_EQ(0, walk_rest(&self->w)) TH_LOG("read: %m");
	EXPECT_EQ(0, osm_test_check_text(self->w.buf, self->w.len, NULL, err,
					 sizeof(err)))
		TH_LOG("malformed walk: %s", err);
	self->g = osm_graph__parse(self->w.buf, self->w.len);
	ASSERT_NE(NULL, self->g) TH_LOG("parse: %m");
	expect_members_match_tgid(_metadata, self->g);
}

/*
 * A thread already rendered exits while the walk is parked inside
 * another thread of its process, and a new process takes its number
 * (ns_last_pid), so the walk meets that number again further on.
 */
TEST_F_TIMEOUT(parked, tid_reused_while_parked, OSM_TIMEOUT)
{
	pid_t p, in, gone = 0;
	char pd[32];
	FILE *f;
	int try;

	if (access(NS_LAST_PID, W_OK))
		SKIP(return, NS_LAST_PID " not writable: %m");
	/* Two big threads: whichever the walk takes first, it parks in the other. */
	in = team_park_then(_metadata, self, 2, true, TEAM_EXIT, &gone);
	p = self->c.pid;
	if (!in)
		SKIP(return, "the walk never parked inside a thread of process "
		     "%d after it rendered another", p);
	for (try = 0; try < 5; try++) {
		f = fopen(NS_LAST_PID, "w");
		ASSERT_NE(NULL, f) TH_LOG(NS_LAST_PID ": %m");
		fprintf(f, "%d", gone - 1);
		ASSERT_EQ(0, fclose(f)) TH_LOG(NS_LAST_PID ": %m");
		ASSERT_EQ(0, osm_child_start(&self->q, OSM_SPAWN_FORK, 0,
					     osm_child_idle, NULL, NULL, 0))
			TH_LOG("%m: %s", self->q.err);
		if (self->q.pid == gone)
			break;
		osm_child_finish(&self->q);
	}
	if (try == 5)
		SKIP(return, "pid %d not taken by a new process", gone);
	TH_LOG("parked in thread %d of process %d; thread %d exited, "
	       "process %d took its number", in, p, gone, gone);

	team_read_rest(_metadata, self);
	EXPECT_EQ(1, thread_decls(&self->w, gone))
		TH_LOG("thread:%d declared %zu times", gone,
		       thread_decls(&self->w, gone));
	snprintf(pd, sizeof(pd), OSM_NODE_PROCESS ":%d", p);
	EXPECT_EQ(1, member_edges(&self->w, gone, NULL))
		TH_LOG("thread:%d has %zu member edges", gone,
		       member_edges(&self->w, gone, NULL));
	EXPECT_EQ(1, member_edges(&self->w, gone, pd))
		TH_LOG("thread:%d, rendered in process %d, not a member of %s",
		       gone, p, pd);
	/* Rendered before it exited, it held its process's mm, once. */
	EXPECT_EQ(1, osm_test_held_count(osm_test_thread(self->g, gone),
					 OSM_NODE_MM));
	EXPECT_EQ(osm_test_held_by_tid(self->g, p, OSM_NODE_MM),
		  osm_test_held_by_tid(self->g, gone, OSM_NODE_MM))
		TH_LOG("thread:%d does not hold the mm of thread:%d", gone, p);
}

/*
 * A thread not yet rendered exec()s while the walk is parked inside
 * another thread of its process, after the leader was rendered: the
 * exec()ing thread takes the leader's tid.
 */
TEST_F_TIMEOUT(parked, leader_replaced_by_exec_while_parked, OSM_TIMEOUT)
{
	pid_t p, in, execer = 0;
	char threads[32];

	in = team_park_then(_metadata, self, 1, false, TEAM_EXEC, &execer);
	p = self->c.pid;
	if (!in)
		SKIP(return, "the walk never parked inside a thread of process "
		     "%d before it rendered another", p);
	ASSERT_EQ(0, osm_test_status_field(p, "Threads", threads,
					   sizeof(threads)));
	ASSERT_STREQ("1", threads) TH_LOG("process %d after the exec", p);
	TH_LOG("parked in thread %d of process %d; thread %d exec()ed",
	       in, p, execer);

	team_read_rest(_metadata, self);
	EXPECT_EQ(1, thread_decls(&self->w, p))
		TH_LOG("thread:%d declared %zu times", p,
		       thread_decls(&self->w, p));
	/* The leader rendered before the exec held one mm, its old one. */
	EXPECT_EQ(1, osm_test_held_count(osm_test_thread(self->g, p),
					 OSM_NODE_MM));
}

OSM_TEST_MAIN
