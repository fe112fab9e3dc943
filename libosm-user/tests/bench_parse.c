// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Parse and query a synthetic graph of about a million lines and report
 * the CPU time taken: a guard against accidentally quadratic code.
 *
 * Usage: bench_parse [processes]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "osm.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Every process: 1 thread, an mm with 8 regions over 4 shared inodes. */
static char *gen(unsigned int procs, size_t *lenp)
{
	size_t cap = (size_t)procs * 2048 + 4096, len = 0;
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
		OUT("node process:%u pd pid=%u ppid=1 comm=p%u uid=0 euid=0 "
		    "gid=0 egid=0\n", p, p, p);
		OUT("node thread:%u pd tid=%u tgid=%u comm=p%u\n", p, p, p, p);
		OUT("node mm:%016x res vmas=8\n", p);
		OUT("edge thread:%u member process:%u\n", p, p);
		OUT("edge thread:%u hold mm:%016x mode=rw\n", p, p);
		OUT("edge thread:%u hold net_ns:1 mode=r\n", p);
		nodes += 3;
		edges += 3;
		for (v = 0; v < 8; v++) {
			OUT("node vma:%016x:%x res start=0x%x end=0x%x "
			    "perm=r-xp pgoff=0x0 dev=0:2 ino=%u "
			    "name=/lib/lib%u.so\n", p, v << 12, v << 12,
			    (v + 1) << 12, v % 4, v % 4);
			OUT("edge vma:%016x:%x subset mm:%016x\n", p, v << 12,
			    p);
			OUT("edge vma:%016x:%x map inode:0:2:%u\n", p, v << 12,
			    v % 4);
			nodes++;
			edges += 2;
		}
	}
	OUT("end nodes=%lu edges=%lu\n", nodes, edges);
#undef OUT
	*lenp = len;
	return buf;
}

int main(int argc, char **argv)
{
	unsigned int procs = argc > 1 ? atoi(argv[1]) : 34000;
	const struct osm_node **res;
	struct osm_share *sh;
	struct osm_graph *g;
	double t0, t1, t2;
	size_t len, lines;
	char *buf;
	int n, r;

	buf = gen(procs, &len);
	if (!buf)
		return 1;
	t0 = now();
	g = osm_graph__parse(buf, len);
	t1 = now();
	if (!g) {
		fprintf(stderr, "parse: %s\n", strerror(errno));
		return 1;
	}
	lines = osm_graph__node_count(g) + osm_graph__edge_count(g) + 2;
	r = osm_query__reachable(g, osm_graph__find(g, "process:1"), NULL,
				 &res);
	n = osm_query__shared(g, osm_graph__find(g, "process:1"), NULL, &sh);
	t2 = now();
	printf("bench: %zu lines, %zu MiB: parse %.3f s, reachable %d + "
	       "shared %d PDs %.3f s\n", lines, len >> 20, t1 - t0, r, n,
	       t2 - t1);
	if (r != 14 || n != (int)procs - 1)
		return 1;
	free(res);
	osm_shares__free(sh, n);
	osm_graph__free(g);
	free(buf);
	return 0;
}
