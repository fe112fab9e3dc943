// SPDX-License-Identifier: GPL-2.0-only
/*
 * Physical memory (OSM_SCOPE_PHYS), checked against /proc/PID/pagemap
 * (bit 63 present, bits 0-54 the frame; root sees frames).
 *
 * Each scenario has two idle processes, A and its child B, that map one
 * region.  The pagemap of every region of both is read before and after
 * the walk; every frame the graph gives them must be the one pagemap
 * gives (a page pagemap shows changing between its two reads, which the
 * kernel may do to unlocked memory, may be either), and two pages reach
 * one node exactly when pagemap gives them one frame.  Regions pagemap
 * would count but the graph leaves out, by the format's rules: those
 * /proc/PID/smaps flags "pf" or "io" (VM_PFNMAP, VM_IO), and the zero
 * page and huge zero page, whose frames this test finds by reading
 * untouched memory.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "osm_test_util.h"

#define PAGE		4096UL
#define HPAGE		(2UL << 20)
#define PM_PRESENT	(1ULL << 63)
#define PM_PFN_MASK	((1ULL << 55) - 1)
#define NPAGES		64

/* The frames of the zero page and the huge zero page (0: none found). */
static uint64_t zero_pfn, huge_zero_pfn;

static bool is_zero(uint64_t pfn)
{
	return pfn == zero_pfn ||
	       (huge_zero_pfn && pfn >= huge_zero_pfn &&
		pfn < huge_zero_pfn + HPAGE / PAGE);
}

/*
 * @n pagemap entries of @pid from @start, as frames: 0 for a page that
 * is not present or maps a zero page.  0, or -1 with errno.
 */
static int pagemap(pid_t pid, unsigned long start, size_t n, uint64_t *out)
{
	char path[64];
	ssize_t len;
	size_t i;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	len = pread(fd, out, n * 8, start / PAGE * 8);
	close(fd);
	if (len != (ssize_t)(n * 8)) {
		errno = len < 0 ? errno : EIO;
		return -1;
	}
	for (i = 0; i < n; i++) {
		out[i] = out[i] & PM_PRESENT ? out[i] & PM_PFN_MASK : 0;
		if (is_zero(out[i]))
			out[i] = 0;
	}
	return 0;
}

/* @pid's frame at @addr, zero pages included; 0 when not present. */
static uint64_t pagemap_raw_of(pid_t pid, unsigned long addr)
{
	char path[64];
	uint64_t e = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0 && pread(fd, &e, 8, addr / PAGE * 8) != 8)
		e = 0;
	if (fd >= 0)
		close(fd);
	return e & PM_PRESENT ? e & PM_PFN_MASK : 0;
}

static uint64_t pagemap_raw(unsigned long addr)
{
	return pagemap_raw_of(getpid(), addr);
}

static char *hpage_align(char *p)
{
	return (char *)(((uintptr_t)p + HPAGE - 1) & ~(HPAGE - 1));
}

/*
 * Read untouched memory to learn the zero pages' frames.  The mappings
 * stay for the life of this process, and with them the huge zero page
 * (an mm that mapped it holds it until it exits).
 */
static int find_zero_pfns(void)
{
	char *p, *h, buf[8] = "";
	volatile char c;
	int fd;

	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED || madvise(p, PAGE, MADV_NOHUGEPAGE))
		return -1;
	c = p[0];
	zero_pfn = pagemap_raw((unsigned long)p);
	huge_zero_pfn = 0;
	fd = open("/sys/kernel/mm/transparent_hugepage/use_zero_page",
		  O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (read(fd, buf, sizeof(buf) - 1) < 0)
			buf[0] = 0;
		close(fd);
	}
	if (buf[0] == '1') {
		p = mmap(NULL, 2 * HPAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return -1;
		h = hpage_align(p);
		madvise(h, HPAGE, MADV_HUGEPAGE);
		c = h[0];
		huge_zero_pfn = pagemap_raw((unsigned long)h);
		/* A 4 KiB zero page if no huge one was mapped. */
		if (huge_zero_pfn == zero_pfn ||
		    pagemap_raw((unsigned long)h + PAGE) != huge_zero_pfn + 1)
			huge_zero_pfn = 0;
	}
	(void)c;
	return zero_pfn ? 0 : -1;
}

/* ---- what the graph says ------------------------------------------- */

/* Read a walk (with frames when @phys) in read(2)s of @chunk bytes. */
static struct osm_graph *load_walk(bool phys, size_t chunk, char *err,
				   size_t errlen)
{
	struct osm_scope sc = { .flags = OSM_SCOPE_PHYS };
	struct osm_text_info info;
	struct osm_graph *g = NULL;
	size_t len;
	char *buf;
	int fd;

	snprintf(err, errlen, "open/scope/read: %m");
	fd = open(osm_test_device(), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (phys && osm_ioc_set_scope(fd, &sc)) {
		snprintf(err, errlen, "set_scope: %m");
		close(fd);
		return NULL;
	}
	buf = osm_test_read_fd(fd, chunk, &len);
	close(fd);
	if (!buf)
		return NULL;
	if (!osm_test_check_text(buf, len, &info, err, errlen)) {
		g = osm_graph__parse(buf, len);
		if (!g)
			snprintf(err, errlen, "parse: %m");
	}
	free(buf);
	return g;
}

static bool phys_range(const struct osm_node *n, unsigned long long *first,
		       unsigned long long *pages)
{
	unsigned long long a, b;
	char tok[64];

	if (strcmp(osm_node__type(n), OSM_NODE_PHYS) ||
	    !osm_test_attr_ull(n, "first", first) ||
	    !osm_test_attr_ull(n, "pages", pages) || !*pages)
		return false;
	/* The id is "phys:<first>-<last>" in hex. */
	if (sscanf(osm_test_token(n), "%llx-%llx", &a, &b) != 2)
		return false;
	snprintf(tok, sizeof(tok), "%llx-%llx", a, b);
	return !strcmp(tok, osm_test_token(n)) && a == *first &&
	       b == *first + *pages - 1;
}

static int cmp_ull(const void *x, const void *y)
{
	unsigned long long a = *(const unsigned long long *)x;
	unsigned long long b = *(const unsigned long long *)y;

	return a < b ? -1 : a > b;
}

/*
 * What holds of any graph with frames: every phys node is well named,
 * the nodes are disjoint, and each is reached by map edges from regions
 * only, at an address inside the region with the whole interval inside
 * it.  Returns the number of phys nodes, or -1 with @err.
 */
static long phys_invariants(const struct osm_graph *g, char *err,
			    size_t errlen)
{
	size_t i, j, n = osm_graph__node_count(g), np = 0;
	unsigned long long first, pages, va, start, end, *iv;

	iv = calloc(2 * n + 2, sizeof(*iv));
	if (!iv)
		return -1;
	for (i = 0; i < n; i++) {
		const struct osm_node *nd = osm_graph__node(g, i);

		if (strcmp(osm_node__type(nd), OSM_NODE_PHYS))
			continue;
		if (!phys_range(nd, &first, &pages) ||
		    !osm_node__in_count(nd) || osm_node__out_count(nd)) {
			snprintf(err, errlen, "%s: bad node", osm_node__id(nd));
			goto fail;
		}
		iv[2 * np] = first;
		iv[2 * np++ + 1] = first + pages - 1;
		for (j = 0; j < osm_node__in_count(nd); j++) {
			const struct osm_edge *e = osm_node__in(nd, j);
			const struct osm_node *v = osm_edge__src(e);

			if (strcmp(osm_edge__kind(e), OSM_EDGE_MAP) ||
			    strcmp(osm_node__type(v), OSM_NODE_VMA) ||
			    !osm_test_edge_attr_ull(e, "va", &va) ||
			    !osm_test_attr_ull(v, "start", &start) ||
			    !osm_test_attr_ull(v, "end", &end) ||
			    va % PAGE || va < start ||
			    va + pages * PAGE > end) {
				snprintf(err, errlen, "%s -> %s: bad edge",
					 osm_node__id(v), osm_node__id(nd));
				goto fail;
			}
		}
	}
	/* Sorted by first frame, each interval ends before the next. */
	qsort(iv, np, 2 * sizeof(*iv), cmp_ull);
	for (i = 1; i < np; i++) {
		if (iv[2 * i] <= iv[2 * i - 1]) {
			snprintf(err, errlen, "phys %llx-%llx overlaps %llx",
				 iv[2 * i - 2], iv[2 * i - 1], iv[2 * i]);
			goto fail;
		}
	}
	free(iv);
	return np;
fail:
	free(iv);
	return -1;
}

/*
 * The frames the graph gives the pages of @pid's region at @start (@n
 * pages): frame[i] (0: none) and node[i].  Returns how many map edges to
 * phys nodes the region has, or -1 with @err.
 */
static long graph_frames(const struct osm_graph *g, pid_t pid,
			 unsigned long start, size_t n, uint64_t *frame,
			 const struct osm_node **node, char *err,
			 size_t errlen)
{
	const struct osm_node *mm = osm_test_held_by_tid(g, pid, "mm");
	unsigned long long first, pages, va, k;
	const struct osm_node *v;
	size_t i, edges = 0;

	v = mm ? osm_test_find(g, "vma:%s:%lx", osm_test_token(mm), start)
	       : NULL;
	if (!v) {
		snprintf(err, errlen, "no region %d:%lx in the graph", pid,
			 start);
		return -1;
	}
	memset(frame, 0, n * sizeof(*frame));
	if (node)
		memset(node, 0, n * sizeof(*node));
	for (i = 0; i < osm_node__out_count(v); i++) {
		const struct osm_edge *e = osm_node__out(v, i);
		const struct osm_node *p = osm_edge__dst(e);

		if (strcmp(osm_node__type(p), OSM_NODE_PHYS))
			continue;
		edges++;
		if (!phys_range(p, &first, &pages) ||
		    !osm_test_edge_attr_ull(e, "va", &va) || va < start) {
			snprintf(err, errlen, "%s: bad map edge",
				 osm_node__id(p));
			return -1;
		}
		for (k = 0; k < pages; k++) {
			size_t at = (va - start) / PAGE + k;

			if (at >= n || frame[at]) {
				snprintf(err, errlen, "%d:%lx page %zu: %s",
					 pid, start, at, at >= n ?
					 "outside the region" : "mapped twice");
				return -1;
			}
			frame[at] = first + k;
			if (node)
				node[at] = p;
		}
	}
	return edges;
}

/* ---- the oracle: pagemap of every region, before and after --------- */

struct region {
	unsigned long start, end;
	bool pfnmap;		/* smaps VmFlags "pf" or "io" */
	uint64_t *before, *after;
};

struct snap {
	pid_t pid;
	size_t n;
	struct region *r;
	size_t moved;		/* pages pagemap saw change during the walk */
};

static void snap_free(struct snap *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		free(s->r[i].before);
		free(s->r[i].after);
	}
	free(s->r);
	memset(s, 0, sizeof(*s));
}

/* The regions of /proc/PID/smaps, with their pagemap: 0 or -1. */
static int snap_take(struct snap *s, pid_t pid)
{
	char path[64], line[4096 + 128], *dash, *colon;
	struct region *nr;
	size_t cap = 0, np;
	unsigned long a, b;
	FILE *f;
	int ret = 0;

	memset(s, 0, sizeof(*s));
	s->pid = pid;
	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "VmFlags:", 8) && s->n) {
			s->r[s->n - 1].pfnmap = strstr(line, " pf") ||
						strstr(line, " io");
			continue;
		}
		/* "start-end perm offset dev:ino name", not "Key: value" */
		dash = strchr(line, '-');
		colon = strchr(line, ':');
		if (!dash || !colon || colon < dash ||
		    sscanf(line, "%lx-%lx ", &a, &b) != 2)
			continue;
		if (a >= 0xffffffffff600000UL)
			continue;	/* [vsyscall]: not in the mm */
		nr = osm_test_grow(s->r, s->n, &cap, sizeof(*nr));
		if (!nr) {
			ret = -1;
			break;
		}
		s->r = nr;
		memset(&s->r[s->n], 0, sizeof(*nr));
		s->r[s->n].start = a;
		s->r[s->n++].end = b;
	}
	fclose(f);
	for (np = 0; !ret && np < s->n; np++) {
		struct region *r = &s->r[np];
		size_t n = (r->end - r->start) / PAGE;

		r->before = calloc(n, sizeof(uint64_t));
		r->after = calloc(n, sizeof(uint64_t));
		if (!r->before || !r->after ||
		    pagemap(pid, r->start, n, r->before))
			ret = -1;
	}
	return ret;
}

static int snap_after(struct snap *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (pagemap(s->pid, s->r[i].start,
			    (s->r[i].end - s->r[i].start) / PAGE, s->r[i].after))
			return -1;
	return 0;
}

/*
 * Every region of the process in the graph with exactly pagemap's frames
 * (a page that changed between the two pagemap reads may show either).
 * Returns the number of frames checked, or -1 with @err.
 */
static long snap_check(const struct osm_graph *g, struct snap *s, char *err,
		       size_t errlen)
{
	size_t i, k, n, frames = 0;
	uint64_t *gf;
	long edges;

	for (i = 0; i < s->n; i++) {
		struct region *r = &s->r[i];

		n = (r->end - r->start) / PAGE;
		gf = calloc(n, sizeof(*gf));
		if (!gf)
			return -1;
		edges = graph_frames(g, s->pid, r->start, n, gf, NULL, err,
				     errlen);
		if (edges < 0 || (r->pfnmap && edges)) {
			if (edges > 0)
				snprintf(err, errlen, "%d:%lx: VM_PFNMAP/IO region with frames",
					 s->pid, r->start);
			free(gf);
			return -1;
		}
		for (k = 0; !r->pfnmap && k < n; k++) {
			uint64_t b = r->before[k], a = r->after[k];

			if (a != b && (gf[k] == a || gf[k] == b)) {
				s->moved++;
				continue;
			}
			if (gf[k] != a) {
				snprintf(err, errlen,
					 "%d:%lx: graph frame %#llx, pagemap %#llx (before %#llx)",
					 s->pid, r->start + k * PAGE,
					 (unsigned long long)gf[k],
					 (unsigned long long)a,
					 (unsigned long long)b);
				free(gf);
				return -1;
			}
			frames += !!a;
		}
		free(gf);
	}
	return frames;
}

/* The region of the snapshot that starts at @start, or NULL. */
static const struct region *snap_region(const struct snap *s,
					unsigned long start)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->r[i].start == start)
			return &s->r[i];
	return NULL;
}

/* ---- scenarios: A maps a region and forks B, both stay idle --------- */

enum scenario {
	SC_SHARED,	/* MAP_SHARED anonymous, inherited */
	SC_COW,		/* private, B then writes its second half */
	SC_MEMFD,	/* a memfd that B maps again on its own */
	SC_MEMFD_PART,	/* the same, B maps the middle half only */
	SC_THP,		/* private, 2 MiB pages, inherited */
	SC_BIG,		/* 32 MiB private, touched backwards */
};

struct pair {
	pid_t a, b;
	unsigned long addr_a, addr_b;
	size_t pages, pages_b;		/* B's region: pages_b of A's pages */
	size_t off_b;			/* from A's page off_b on */
	unsigned long zero, huge_zero;	/* A's untouched memory, read */
};

/* In A: read untouched memory, to map the zero page and huge zero page. */
static void map_zero_pages(struct pair *rep)
{
	volatile char c;
	char *p;

	p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p != MAP_FAILED && !madvise(p, 2 * PAGE, MADV_NOHUGEPAGE)) {
		c = p[0];
		c = p[PAGE];
		rep->zero = (unsigned long)p;
	}
	p = mmap(NULL, 2 * HPAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p != MAP_FAILED) {
		char *q = hpage_align(p);

		if (q != p)
			munmap(p, q - p);
		munmap(q + HPAGE, HPAGE - (q - p));
		p = q;
		madvise(p, HPAGE, MADV_HUGEPAGE);
		c = p[0];
		rep->huge_zero = (unsigned long)p;
	}
	(void)c;
}

static int scenario(int sock, void *arg)
{
	enum scenario sc = *(enum scenario *)arg;
	size_t len = NPAGES * PAGE, i;
	struct pair rep = { .a = getpid() };
	int mfd = -1, pfd[2];
	volatile char sum = 0;
	char *p, *q;
	pid_t b;

	if (sc == SC_THP)
		len = 2 * HPAGE;
	else if (sc == SC_BIG)
		len = 32UL << 20;
	if (sc == SC_MEMFD_PART)
		rep.off_b = NPAGES / 4;
	rep.pages_b = len / PAGE - 2 * rep.off_b;
	if (sc == SC_MEMFD || sc == SC_MEMFD_PART) {
		mfd = memfd_create("osm-phys", MFD_CLOEXEC);
		if (mfd < 0 || ftruncate(mfd, len))
			osm_child_fail(sock, "memfd: %m");
	}
	p = mmap(NULL, len + HPAGE, PROT_READ | PROT_WRITE,
		 sc == SC_SHARED ? MAP_SHARED | MAP_ANONYMOUS :
		 mfd >= 0 ? MAP_SHARED : MAP_PRIVATE | MAP_ANONYMOUS,
		 mfd, 0);
	if (p == MAP_FAILED)
		osm_child_fail(sock, "mmap: %m");
	if (sc == SC_THP) {	/* aligned, and nothing beside it to merge */
		q = hpage_align(p + 1);
		munmap(p, q - p);
		munmap(q + len, p + len + HPAGE - q);
		p = q;
		madvise(p, len, MADV_HUGEPAGE);
	} else {
		munmap(p + len, HPAGE);
		if (sc != SC_SHARED && mfd < 0)
			madvise(p, len, MADV_NOHUGEPAGE);
	}
	if (sc == SC_BIG) {	/* backwards: frames ascend as addresses fall */
		for (i = len / PAGE; i-- > 0;)
			p[i * PAGE] = 1;
	} else {
		memset(p, 1, len);
	}
	if (mlock(p, len))
		osm_child_fail(sock, "mlock: %m");
	map_zero_pages(&rep);
	if (pipe(pfd))
		osm_child_fail(sock, "pipe: %m");
	b = fork();
	if (b < 0)
		osm_child_fail(sock, "fork: %m");
	if (!b) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != rep.a)
			_exit(1);
		q = p;
		if (sc == SC_COW)
			memset(p + len / 2, 2, len / 2);
		if (mfd >= 0) {
			munmap(p, len);
			q = mmap(NULL, rep.pages_b * PAGE, PROT_READ, MAP_SHARED,
				 mfd, rep.off_b * PAGE);
			if (q == MAP_FAILED)
				_exit(1);
		}
		/* A shared mapping is not copied at fork: fault it in. */
		for (i = 0; i < rep.pages_b * PAGE; i += PAGE)
			sum += q[i];
		if (write(pfd[1], &q, sizeof(q)) != sizeof(q))
			_exit(1);
		for (;;)
			pause();
	}
	if (read(pfd[0], &q, sizeof(q)) != sizeof(q))
		osm_child_fail(sock, "child B failed");
	rep.b = b;
	rep.addr_a = (unsigned long)p;
	rep.addr_b = (unsigned long)q;
	rep.pages = len / PAGE;
	osm_child_ready(sock, &rep, sizeof(rep));
	kill(b, SIGKILL);
	waitpid(b, NULL, 0);
	return 0;
}

/* The maximal runs of @n frames (0: none) as [first, end) pairs. */
static size_t runs_list(const uint64_t *f, size_t n, uint64_t *out)
{
	size_t i, r = 0;

	for (i = 0; i < n; i++) {
		if (!f[i])
			continue;
		if (!r || !i || f[i] != f[i - 1] + 1) {
			out[2 * r] = f[i];
			r++;
		}
		out[2 * r - 1] = f[i] + 1;
	}
	return r;
}

/*
 * How many pieces the runs of @f (@n frames) make once cut at each
 * boundary (first frame, frame after the last) of the runs of @g (@m
 * frames) that lies strictly inside one of them.
 */
static size_t pieces(const uint64_t *f, size_t n, const uint64_t *g,
		     size_t m)
{
	uint64_t *rf = calloc(2 * n + 2, sizeof(*rf));
	uint64_t *rg = calloc(2 * m + 2, sizeof(*rg));
	size_t nf, ng, i, k, count = 0;

	if (!rf || !rg)
		abort();
	nf = runs_list(f, n, rf);
	ng = runs_list(g, m, rg);
	/* Boundaries of g, sorted and unique. */
	qsort(rg, 2 * ng, sizeof(*rg), cmp_ull);
	for (i = 0; i < nf; i++) {
		count++;
		for (k = 0; k < 2 * ng; k++)
			if ((!k || rg[k] != rg[k - 1]) && rg[k] > rf[2 * i] &&
			    rg[k] < rf[2 * i + 1])
				count++;
	}
	free(rf);
	free(rg);
	return count;
}

FIXTURE(pair) {
	struct osm_child c;
	struct pair rep;
	struct snap sa, sb;
	struct osm_graph *g;
	uint64_t *fa, *fb;			/* the graph's frames of them */
	const struct osm_node **na, **nb;	/* the graph's nodes for them */
	long edges_a, edges_b;
	char err[512];
};

FIXTURE_VARIANT(pair) {
	enum scenario sc;
	size_t chunk;
};

FIXTURE_VARIANT_ADD(pair, shared_anon) { .sc = SC_SHARED, .chunk = 1 << 16 };
FIXTURE_VARIANT_ADD(pair, cow_half_written) { .sc = SC_COW, .chunk = 1 << 16 };
FIXTURE_VARIANT_ADD(pair, memfd) { .sc = SC_MEMFD, .chunk = 1 << 16 };
FIXTURE_VARIANT_ADD(pair, memfd_part) {
	.sc = SC_MEMFD_PART, .chunk = 1 << 16
};
FIXTURE_VARIANT_ADD(pair, thp) { .sc = SC_THP, .chunk = 1 << 16 };
FIXTURE_VARIANT_ADD(pair, big_in_small_reads) { .sc = SC_BIG, .chunk = 4096 };

FIXTURE_SETUP(pair)
{
	enum scenario sc = variant->sc;
	size_t n, i;
	long frames;

	memset(self, 0, sizeof(*self));
	ASSERT_EQ(0, find_zero_pfns()) TH_LOG("zero page: %m");
	ASSERT_EQ(0, osm_child_start(&self->c, OSM_SPAWN_FORK, 0, scenario,
				     &sc, &self->rep, sizeof(self->rep)))
		TH_LOG("%m: %s", self->c.err);
	ASSERT_EQ(0, snap_take(&self->sa, self->rep.a)) TH_LOG("%m");
	ASSERT_EQ(0, snap_take(&self->sb, self->rep.b)) TH_LOG("%m");
	self->g = load_walk(true, variant->chunk, self->err,
			    sizeof(self->err));
	ASSERT_NE(NULL, self->g) TH_LOG("%s", self->err);
	ASSERT_EQ(0, snap_after(&self->sa)) TH_LOG("%m");
	ASSERT_EQ(0, snap_after(&self->sb)) TH_LOG("%m");
	ASSERT_STREQ("1", osm_graph__header_attr(self->g, "phys") ?: "");
	ASSERT_LE(0, phys_invariants(self->g, self->err, sizeof(self->err)))
		TH_LOG("%s", self->err);

	/* Every frame of both processes, against pagemap. */
	frames = snap_check(self->g, &self->sa, self->err, sizeof(self->err));
	ASSERT_LE(0, frames) TH_LOG("%s", self->err);
	ASSERT_LE(self->rep.pages, frames) TH_LOG("A: too few frames");
	frames = snap_check(self->g, &self->sb, self->err, sizeof(self->err));
	ASSERT_LE(0, frames) TH_LOG("%s", self->err);
	if (self->sa.moved || self->sb.moved)
		TH_LOG("pages pagemap saw move during the walk: A %zu, B %zu",
		       self->sa.moved, self->sb.moved);

	n = self->rep.pages;
	self->fa = calloc(n, sizeof(*self->fa));
	self->fb = calloc(self->rep.pages_b, sizeof(*self->fb));
	self->na = calloc(n, sizeof(*self->na));
	self->nb = calloc(self->rep.pages_b, sizeof(*self->nb));
	ASSERT_TRUE(self->fa && self->fb && self->na && self->nb);
	/* The graph's frames of the two regions (as checked above). */
	self->edges_a = graph_frames(self->g, self->rep.a, self->rep.addr_a,
				     n, self->fa, self->na, self->err,
				     sizeof(self->err));
	ASSERT_LE(0, self->edges_a) TH_LOG("%s", self->err);
	self->edges_b = graph_frames(self->g, self->rep.b, self->rep.addr_b,
				     self->rep.pages_b, self->fb, self->nb,
				     self->err, sizeof(self->err));
	ASSERT_LE(0, self->edges_b) TH_LOG("%s", self->err);
	for (i = 0; i < n; i++)
		ASSERT_NE(0, self->fa[i]) TH_LOG("A page %zu: no frame", i);
	for (i = 0; i < self->rep.pages_b; i++)
		ASSERT_NE(0, self->fb[i]) TH_LOG("B page %zu: no frame", i);
}

FIXTURE_TEARDOWN(pair)
{
	free(self->fa);
	free(self->fb);
	free(self->na);
	free(self->nb);
	snap_free(&self->sa);
	snap_free(&self->sb);
	osm_graph__free(self->g);
	if (self->c.pid > 0)
		EXPECT_EQ(0, osm_child_finish(&self->c));
}

/*
 * One node for one frame: B's page j and A's page off_b + j reach one
 * phys node exactly when pagemap gives them one frame, and what pagemap
 * says of the scenario holds (it is the premise).
 */
TEST_F(pair, same_frame_same_node)
{
	const struct region *ra = snap_region(&self->sa, self->rep.addr_a);
	const struct region *rb = snap_region(&self->sb, self->rep.addr_b);
	size_t j, n = self->rep.pages_b, off = self->rep.off_b, shared = 0;
	uint64_t pa, pb;

	ASSERT_TRUE(ra && rb);
	for (j = 0; j < n; j++) {
		pa = ra->after[off + j];
		pb = rb->after[j];
		if (variant->sc == SC_COW) {
			ASSERT_EQ(j < n / 2, pa == pb)
				TH_LOG("page %zu: pagemap %#llx %#llx", j,
				       (unsigned long long)pa,
				       (unsigned long long)pb);
		} else {
			ASSERT_EQ(pa, pb) TH_LOG("page %zu", j);
		}
		shared += pa == pb;
		EXPECT_EQ(pa == pb, self->na[off + j] == self->nb[j])
			TH_LOG("page %zu: %s and %s", j,
			       osm_node__id(self->na[off + j]),
			       osm_node__id(self->nb[j]));
	}
	EXPECT_EQ(variant->sc == SC_COW ? n / 2 : n, shared);
}

/*
 * Reachability (libosm) follows region -> phys: B reaches the node of
 * each of its pages, and A reaches it exactly when A maps that frame
 * too (not B's own copies).
 */
TEST_F(pair, reach_follows_map_to_phys)
{
	const struct osm_node **ra = NULL, **rb = NULL;
	size_t j, k, n = self->rep.pages_b, off = self->rep.off_b;
	int ca, cb;
	bool in_a, in_b;

	ca = osm_query__reachable(self->g, osm_test_process(self->g,
							    self->rep.a),
				  NULL, &ra);
	cb = osm_query__reachable(self->g, osm_test_process(self->g,
							    self->rep.b),
				  NULL, &rb);
	ASSERT_LT(0, ca);
	ASSERT_LT(0, cb);
	for (j = 0; j < n; j++) {
		in_a = in_b = false;
		for (k = 0; k < (size_t)ca; k++)
			in_a |= ra[k] == self->nb[j];
		for (k = 0; k < (size_t)cb; k++)
			in_b |= rb[k] == self->nb[j];
		EXPECT_TRUE(in_b) TH_LOG("B does not reach its page %zu", j);
		EXPECT_EQ(self->fa[off + j] == self->fb[j], in_a)
			TH_LOG("page %zu: A reaches B's node: %d", j, in_a);
	}
	free(ra);
	free(rb);
}

/*
 * Coalesced, and cut where another region's run begins or ends: the
 * edges each region must have, worked out from pagemap alone.  A
 * region's maximal runs (contiguous virtually and physically) are cut
 * at every first frame and every frame after the last of the other
 * region's runs that falls strictly inside them; only A and B map these
 * frames.  So 2 MiB pages are one node each, or fewer.
 */
TEST_F(pair, one_node_per_piece)
{
	const struct region *ra = snap_region(&self->sa, self->rep.addr_a);
	const struct region *rb = snap_region(&self->sb, self->rep.addr_b);
	size_t runs;

	ASSERT_TRUE(ra && rb);
	EXPECT_EQ(pieces(rb->after, self->rep.pages_b, ra->after,
			 self->rep.pages), (size_t)self->edges_b);
	EXPECT_EQ(pieces(ra->after, self->rep.pages, rb->after,
			 self->rep.pages_b), (size_t)self->edges_a);
	runs = pieces(ra->after, self->rep.pages, NULL, 0);
	if (variant->sc == SC_THP) {
		if (runs > 2)
			SKIP(return, "no 2 MiB page: %zu runs", runs);
		EXPECT_GE(2, self->edges_a);
	}
	if (variant->sc == SC_BIG)	/* past the first run array */
		TH_LOG("%zu runs in 8192 pages", runs);
}

/* The vma node of @mm that holds @addr, or NULL. */
static const struct osm_node *region_at(const struct osm_node *mm,
					unsigned long addr)
{
	unsigned long long start, end;
	size_t i;

	for (i = 0; i < osm_node__in_count(mm); i++) {
		const struct osm_node *v = osm_edge__src(osm_node__in(mm, i));

		if (!strcmp(osm_node__type(v), OSM_NODE_VMA) &&
		    osm_test_attr_ull(v, "start", &start) &&
		    osm_test_attr_ull(v, "end", &end) &&
		    start <= addr && addr < end)
			return v;
	}
	return NULL;
}

/*
 * The zero pages are not frames of the graph: A read untouched memory,
 * pagemap shows it mapped to the zero page (and, when the kernel maps
 * one, the huge zero page), and A's regions there have no phys edge.
 */
TEST_F(pair, zero_pages_have_no_node)
{
	unsigned long addr[2] = { self->rep.zero, self->rep.huge_zero };
	unsigned long len[2] = { 2 * PAGE, HPAGE };
	uint64_t want[2] = { zero_pfn, huge_zero_pfn }, *f;
	unsigned long long start, end, k;
	const struct osm_node *mm, *v;
	int i;

	mm = osm_test_held_by_tid(self->g, self->rep.a, "mm");
	ASSERT_NE(NULL, mm);
	for (i = 0; i < 2; i++) {
		ASSERT_NE(0, addr[i]) TH_LOG("A could not map zero page %d", i);
		if (!want[i]) {		/* no huge zero page in this kernel */
			TH_LOG("no huge zero page: use_zero_page is off");
			continue;
		}
		ASSERT_EQ(want[i], pagemap_raw_of(self->rep.a, addr[i]))
			TH_LOG("zero page %d not mapped", i);
		v = region_at(mm, addr[i]);
		ASSERT_NE(NULL, v) TH_LOG("no region at %lx", addr[i]);
		ASSERT_TRUE(osm_test_attr_ull(v, "start", &start) &&
			    osm_test_attr_ull(v, "end", &end));
		f = calloc((end - start) / PAGE, sizeof(*f));
		ASSERT_NE(NULL, f);
		ASSERT_LE(0, graph_frames(self->g, self->rep.a, start,
					  (end - start) / PAGE, f, NULL,
					  self->err, sizeof(self->err)))
			TH_LOG("%s", self->err);
		for (k = (addr[i] - start) / PAGE;
		     k < (addr[i] + len[i] - start) / PAGE; k++)
			EXPECT_EQ(0, f[k]) TH_LOG("zero page %d: frame %#llx",
						  i, (unsigned long long)f[k]);
		free(f);
	}
}

/* ---- who may see frames --------------------------------------------- */

/* In a child: drop to nobody (all capabilities go), then try the flag. */
static int phys_as_nobody(bool open_first)
{
	struct osm_scope sc = { .flags = OSM_SCOPE_PHYS };
	int fd = -1, ret;

	if (open_first)
		fd = open(osm_test_device(), O_RDONLY | O_CLOEXEC);
	if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
		return 100;
	if (!open_first)
		fd = open(osm_test_device(), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 101;
	ret = osm_ioc_set_scope(fd, &sc);
	return ret ? -ret : 0;
}

static int run_child(bool open_first)
{
	int status;
	pid_t pid = fork();

	if (!pid)
		_exit(phys_as_nobody(open_first));
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

TEST(unprivileged_opener_gets_eperm)
{
	EXPECT_EQ(EPERM, run_child(false));
}

/* The opener's credentials count, not the caller's (as visibility). */
TEST(privileged_opener_keeps_it_after_setuid)
{
	EXPECT_EQ(0, run_child(true));
}

TEST(no_flag_no_frames)
{
	struct osm_graph *g;
	char err[256];
	size_t i;

	ASSERT_EQ(0, find_zero_pfns());
	g = load_walk(false, 1 << 16, err, sizeof(err));
	ASSERT_NE(NULL, g) TH_LOG("%s", err);
	EXPECT_EQ(NULL, osm_graph__header_attr(g, "phys"));
	for (i = 0; i < osm_graph__node_count(g); i++)
		ASSERT_STRNE(OSM_NODE_PHYS,
			     osm_node__type(osm_graph__node(g, i)));
	osm_graph__free(g);
}

/* ---- the bound: runs count against max_nodes ------------------------ */

#define MAX_NODES	"/sys/module/osmosis/parameters/max_nodes"

static int max_nodes_rw(unsigned long *old, unsigned long val)
{
	char buf[32] = "";
	int fd = open(MAX_NODES, O_RDWR | O_CLOEXEC), ok;

	if (fd < 0)
		return -1;
	ok = read(fd, buf, sizeof(buf) - 1) > 0;
	if (ok && old)
		*old = strtoul(buf, NULL, 10);
	snprintf(buf, sizeof(buf), "%lu\n", val);
	ok = ok && pwrite(fd, buf, strlen(buf), 0) == (ssize_t)strlen(buf);
	close(fd);
	return ok ? 0 : -1;
}

/* A walk of @pid alone, with frames when @phys: 0 or the read's errno. */
static int read_scoped(pid_t pid, bool phys)
{
	struct osm_scope sc = { .flags = OSM_SCOPE_PID, .pid = pid };
	size_t len;
	char *buf;
	int fd, err = 0;

	if (phys)
		sc.flags |= OSM_SCOPE_PHYS;
	fd = open(osm_test_device(), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	if (osm_ioc_set_scope(fd, &sc))
		err = errno;
	buf = err ? NULL : osm_test_read_fd(fd, 1 << 16, &len);
	if (!err && !buf)
		err = errno;
	free(buf);
	close(fd);
	return err;
}

/*
 * A process with 8192 scattered pages (SC_BIG) needs thousands of runs:
 * with max_nodes at 512 its walk with frames fails with E2BIG, the same
 * walk without frames (a few dozen ids) does not, nor with frames once
 * the cap is 65536.  The cap is restored in every case.
 */
TEST(runs_past_max_nodes_is_e2big)
{
	enum scenario sc = SC_BIG;
	unsigned long saved = 0;
	struct osm_child c;
	struct pair rep;
	int e_small, e_nophys, e_big;

	ASSERT_EQ(0, find_zero_pfns());
	ASSERT_EQ(0, osm_child_start(&c, OSM_SPAWN_FORK, 0, scenario, &sc,
				     &rep, sizeof(rep))) TH_LOG("%s", c.err);
	ASSERT_EQ(0, max_nodes_rw(&saved, 512)) TH_LOG("%m");
	e_small = read_scoped(rep.a, true);
	e_nophys = read_scoped(rep.a, false);
	max_nodes_rw(NULL, 65536);
	e_big = read_scoped(rep.a, true);
	ASSERT_EQ(0, max_nodes_rw(NULL, saved)) TH_LOG("%m");
	EXPECT_EQ(E2BIG, e_small);
	EXPECT_EQ(0, e_nophys);
	EXPECT_EQ(0, e_big);
	EXPECT_EQ(0, osm_child_finish(&c));
}

/* ---- churn: frames read while another process maps and unmaps ------- */

static int churn(int sock, void *arg)
{
	volatile char *p;
	pid_t pid;
	int i;

	(void)arg;
	pid = fork();
	if (pid < 0)
		osm_child_fail(sock, "fork: %m");
	if (!pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (i = 0;; i++) {
			p = mmap(NULL, 64 * PAGE, PROT_READ | PROT_WRITE,
				 (i & 1 ? MAP_SHARED : MAP_PRIVATE) |
				 MAP_ANONYMOUS, -1, 0);
			if (p == MAP_FAILED)
				continue;
			p[(i * 7 % 64) * PAGE] = 1;
			p[63 * PAGE] = 2;
			if (i % 3)
				munmap((void *)p, 64 * PAGE);
			else
				munmap((void *)(p + 16 * PAGE), 16 * PAGE);
		}
	}
	osm_child_ready(sock, &pid, sizeof(pid));
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return 0;
}

TEST(churn_keeps_the_stream_whole)
{
	struct osm_child c;
	struct osm_graph *g;
	char err[512];
	pid_t churner;
	long nodes;
	int round;

	ASSERT_EQ(0, osm_child_start(&c, OSM_SPAWN_FORK, 0, churn, NULL,
				     &churner, sizeof(churner)))
		TH_LOG("%s", c.err);
	for (round = 0; round < 4; round++) {
		g = load_walk(true, round & 1 ? 4096 : 512, err, sizeof(err));
		ASSERT_NE(NULL, g) TH_LOG("round %d: %s", round, err);
		nodes = phys_invariants(g, err, sizeof(err));
		ASSERT_LT(0, nodes) TH_LOG("round %d: %s", round, err);
		osm_graph__free(g);
	}
	EXPECT_EQ(0, osm_child_finish(&c));
}

OSM_TEST_MAIN
