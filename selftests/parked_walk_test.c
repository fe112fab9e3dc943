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
 *    mapped).
 *
 * Whatever changes, the walk must stay well-formed (each node declared
 * once) and its regions of one mm must not overlap.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "osm_test_util.h"

#define NR_REGIONS	4000	/* ~700 KiB of vma records: several chunks */

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
	struct osm_child c;
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
	walk_close(&self->w);
	osm_graph__free(self->g);
	free(self->before);
	free(self->after);
	free(self->vmas);
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

OSM_TEST_MAIN
