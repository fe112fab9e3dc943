// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Large loads: the helper thread that faults a load's memory in
 * (graph_prefault.c) makes pages resident (mincore() says so), and a load
 * with it gives the same graph as a load without it, from a file and from
 * a buffer; a load that fails late fails the same way.  Output is TAP.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "osm.h"
#include "check.h"
#include "libosm_internal.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE	23
#endif

#define BIG_PROCS	45000	/* about 35 MB of text: the helper starts at 32 MiB */

/* A graph of @procs processes: threads, an mm, regions over shared files. */
static char *gen(unsigned int procs, bool dup_late, size_t *lenp)
{
	size_t cap = (size_t)procs * 1024 + 4096, len = 0;
	unsigned long nodes = 0, edges = 0;
	char *buf = malloc(cap);
	unsigned int p, v;

#define OUT(...) (len += snprintf(buf + len, cap - len, __VA_ARGS__))
	if (!buf)
		return NULL;
	OUT("osmosis-graph 1.0 epoch=1 pid_ns=4026531836 view=full\n");
	OUT("node net_ns:1 res inum=1\n");
	nodes++;
	for (v = 0; v < 4; v++, nodes++)
		OUT("node inode:0:2:%u res dev=0:2 ino=%u ftype=reg "
		    "path=/lib/lib%u.so\n", v, v, v);
	for (p = 1; p <= procs; p++) {
		OUT("node process:%u pd pid=%u ppid=1 comm=p%u\n", p, p, p);
		OUT("node thread:%u pd tid=%u tgid=%u uid=%u\n", p, p, p,
		    p % 7);
		OUT("node mm:%x res dumpable=1\n", p);
		OUT("edge thread:%u member process:%u\n", p, p);
		OUT("edge thread:%u hold mm:%x mode=rw\n", p, p);
		OUT("edge thread:%u hold net_ns:1 mode=%s\n", p,
		    p % 3 ? "r" : "rw");
		nodes += 3;
		edges += 3;
		for (v = 0; v < 4; v++) {
			OUT("node vma:%x:%x res start=0x%x end=0x%x "
			    "perm=%s name=/lib/lib%u.so\n", p, v, v << 12,
			    (v + 1) << 12, v & 1 ? "rw-s" : "r-xp", v);
			OUT("edge vma:%x:%x subset mm:%x\n", p, v, p);
			OUT("edge vma:%x:%x map inode:0:2:%u\n", p, v, v);
			nodes++;
			edges += 2;
		}
	}
	if (dup_late)
		OUT("node mm:%x res\n", procs);
	OUT("end nodes=%lu edges=%lu\n", nodes, edges);
#undef OUT
	*lenp = len;
	return buf;
}

static char *write_tmp(const char *buf, size_t len)
{
	static char path[] = "/tmp/osm-test-load-big-XXXXXX";
	char *copy = strdup(path);
	int fd;

	if (!copy)
		return NULL;
	fd = mkstemp(copy);
	if (fd < 0 || write(fd, buf, len) != (ssize_t)len) {
		if (fd >= 0)
			close(fd);
		free(copy);
		return NULL;
	}
	close(fd);
	return copy;
}

/* All attributes of @a and @b, in order. */
static bool same_attrs_node(const struct osm_node *a, const struct osm_node *b)
{
	size_t i, n = osm_node__attr_count(a);

	if (n != osm_node__attr_count(b))
		return false;
	for (i = 0; i < n; i++)
		if (strcmp(osm_node__attr_key(a, i), osm_node__attr_key(b, i)) ||
		    strcmp(osm_node__attr_value(a, i),
			   osm_node__attr_value(b, i)))
			return false;
	return true;
}

static bool same_attrs_edge(const struct osm_edge *a, const struct osm_edge *b)
{
	size_t i, n = osm_edge__attr_count(a);

	if (n != osm_edge__attr_count(b))
		return false;
	for (i = 0; i < n; i++)
		if (strcmp(osm_edge__attr_key(a, i), osm_edge__attr_key(b, i)) ||
		    strcmp(osm_edge__attr_value(a, i),
			   osm_edge__attr_value(b, i)))
			return false;
	return true;
}

/* Every node and edge of @a and @b, in order, with their lists. */
static bool same_graph(const struct osm_graph *a, const struct osm_graph *b)
{
	size_t i;

	if (osm_graph__node_count(a) != osm_graph__node_count(b) ||
	    osm_graph__edge_count(a) != osm_graph__edge_count(b))
		return false;
	for (i = 0; i < osm_graph__node_count(a); i++) {
		const struct osm_node *x = osm_graph__node(a, i);
		const struct osm_node *y = osm_graph__node(b, i);

		if (strcmp(osm_node__id(x), osm_node__id(y)) ||
		    strcmp(osm_node__class(x), osm_node__class(y)) ||
		    osm_node__out_count(x) != osm_node__out_count(y) ||
		    osm_node__in_count(x) != osm_node__in_count(y) ||
		    !same_attrs_node(x, y))
			return false;
	}
	for (i = 0; i < osm_graph__edge_count(a); i++) {
		const struct osm_edge *x = osm_graph__edge(a, i);
		const struct osm_edge *y = osm_graph__edge(b, i);

		if (strcmp(osm_edge__kind(x), osm_edge__kind(y)) ||
		    osm_node__index(osm_edge__src(x)) !=
		    osm_node__index(osm_edge__src(y)) ||
		    osm_node__index(osm_edge__dst(x)) !=
		    osm_node__index(osm_edge__dst(y)) ||
		    !same_attrs_edge(x, y))
			return false;
	}
	return true;
}

static size_t resident_pages(const char *p, size_t len)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), n = len / pg, i, r = 0;
	unsigned char *vec = malloc(n);

	if (!vec || mincore((void *)p, len, vec)) {
		free(vec);
		return 0;
	}
	for (i = 0; i < n; i++)
		r += vec[i] & 1;
	free(vec);
	return r;
}

static bool can_populate(void)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	void *p = mmap(NULL, pg, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	bool ok;

	if (p == MAP_FAILED)
		return false;
	ok = !madvise(p, pg, MADV_POPULATE_WRITE);
	munmap(p, pg);
	return ok;
}

/*
 * The helper makes the pages asked for resident, from what the caller
 * says it has written already, and no others.
 */
static void test_helper_faults_in(void)
{
	size_t len = 16UL << 20, want = 12UL << 20, used = 1UL << 20;
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), from = used;
	struct osm_prefault *pf;
	char *p;
	int i;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	CHECK(p != MAP_FAILED);
	if (p == MAP_FAILED)
		return;
	/* Small loads never start it. */
	CHECK(!osm__prefault_start(1UL << 20));
	pf = osm__prefault_start(1UL << 30);
	if (!pf) {
		printf("# one CPU (or no thread): the helper does not start\n");
		munmap(p, len);
		return;
	}
	CHECK(resident_pages(p, len) == 0);
	/* Linux 5.14: an older kernel populates nothing, and loads as before. */
	if (!can_populate()) {
		printf("# no MADV_POPULATE_WRITE: the helper faults nothing\n");
		osm__prefault_stop(pf);
		munmap(p, len);
		return;
	}
	/* Smaller than a mapping of its own: not tracked. */
	osm__prefault_want(pf, OSM_PF_TEXT, p, OSM_BIG_MIN - 1, 0, len);
	osm__prefault_want(pf, OSM_PF_NODES, p, len, used, want);
	for (i = 0; i < 3000 &&
	     resident_pages(p + from, want - from) < (want - from) / pg; i++)
		nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
	osm__prefault_stop(pf);
	CHECK(resident_pages(p + from, want - from) == (want - from) / pg);
	CHECK(resident_pages(p, from) == 0);
	CHECK(resident_pages(p + want, len - want) == 0);
	munmap(p, len);
}

static struct osm_graph *load_file(const char *path, bool one)
{
	OSM_OPTS(osm_graph_opts, o, .path = path, .single_thread = one);

	return osm_graph__load(&o);
}

static struct osm_graph *parse_buf(const char *buf, size_t len, bool one)
{
	OSM_OPTS(osm_graph_opts, o, .single_thread = one);

	return osm_graph__parse_opts(buf, len, &o);
}

static void test_same_graph(void)
{
	struct osm_graph *one, *g;
	size_t len;
	char *buf = gen(BIG_PROCS, false, &len), *path;

	CHECK(buf && len > (32UL << 20));
	printf("# %zu bytes of text\n", len);
	if (!buf)
		return;
	path = write_tmp(buf, len);
	CHECK(path);
	one = parse_buf(buf, len, true);
	CHECK(one && osm_graph__node_count(one) == 5 + 7UL * BIG_PROCS);
	if (one && path) {
		g = load_file(path, false);
		CHECK(g && same_graph(one, g));
		osm_graph__free(g);
		g = load_file(path, true);
		CHECK(g && same_graph(one, g));
		osm_graph__free(g);
		g = parse_buf(buf, len, false);
		CHECK(g && same_graph(one, g));
		osm_graph__free(g);
	}
	osm_graph__free(one);
	if (path)
		unlink(path);
	free(path);
	free(buf);
}

/* A node declared twice at the end: the same refusal either way. */
static void test_late_failure(void)
{
	char why[2][256], want[64], *path;
	size_t len;
	char *buf = gen(BIG_PROCS, true, &len);
	int k;

	CHECK(buf);
	if (!buf)
		return;
	path = write_tmp(buf, len);
	CHECK(path);
	/* The header, 5 nodes, 18 lines a process, then the duplicate. */
	snprintf(want, sizeof(want), "line %lu: node 'mm:%x' declared twice",
		 1 + 5 + 18UL * BIG_PROCS + 1, BIG_PROCS);
	for (k = 0; k < 2 && path; k++) {
		OSM_OPTS(osm_graph_opts, o, .path = path, .errbuf = why[k],
			 .errbuf_sz = sizeof(why[k]), .single_thread = k);

		errno = 0;
		CHECK(!osm_graph__load(&o) && errno == EPROTO);
		CHECK_STR(why[k], want);
	}
	if (path)
		unlink(path);
	free(path);
	free(buf);
}

int main(void)
{
	static const struct check_test tests[] = {
		{ "the helper faults in what it is asked", test_helper_faults_in },
		{ "a large load: the same graph with the helper or without",
		  test_same_graph },
		{ "a large load failing late: the same error", test_late_failure },
	};

	return check_run(tests, sizeof(tests) / sizeof(tests[0]), "");
}
