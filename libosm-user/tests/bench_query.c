// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Time TCB, ImpactBoundary, Compare and holders on a synthetic graph the
 * size of a busy machine (by default 5,000 processes x 3 threads, 200
 * regions and 50 open files each, 10 shared libraries, one set of
 * namespaces): single queries, and a batch through one querier.  A
 * benchmark, not a test: it prints CPU times (the machine may be busy).
 *
 * Usage: bench_query [processes [batch]]
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

static const char *const ns[] = {
	"mnt_ns", "uts_ns", "ipc_ns", "pid_ns", "net_ns", "user_ns",
	"cgroup_ns", "time_ns",
};

#define NLIBS	10
#define NVMAS	200
#define NFILES	50

static char *gen(unsigned int procs, size_t *lenp)
{
	size_t cap = (size_t)procs * 48000 + 65536, len = 0;
	unsigned long nodes = 0, edges = 0;
	char *buf = malloc(cap);
	unsigned int p, t, v, i;

#define OUT(...) (len += snprintf(buf + len, cap - len, __VA_ARGS__))
	if (!buf)
		return NULL;
	OUT("osmosis-graph 1.5 epoch=1 pid_ns=4026531836 view=full\n");
	OUT("node kernel:0 pd name=kernel\n");
	nodes++;
	for (i = 0; i < 8; i++, nodes++)
		OUT("node %s:%u res inum=%u%s\n", ns[i], 4026531835U + i,
		    4026531835U + i, !strcmp(ns[i], "user_ns") ?
		    " level=0 owner=0" : "");
	OUT("node cgroup:1 res id=1 path=/\n");
	nodes++;
	for (v = 0; v < NLIBS; v++, nodes++)
		OUT("node inode:8:1:%u res dev=8:1 ino=%u ftype=reg "
		    "path=/usr/lib/lib%u.so\n", v, v, v);
	for (p = 1; p <= procs; p++) {
		OUT("node process:%u pd pid=%u ppid=1 comm=p%u uid=%u "
		    "euid=%u gid=%u egid=%u\n", p, p, p, p % 50, p % 50,
		    p % 50, p % 50);
		OUT("node mm:%016x res vmas=%u dumpable=1\n", p, NVMAS);
		OUT("node files:%016x res fds=%u\n", p, NFILES);
		OUT("node fs:%016x res root=/ cwd=/\n", p);
		OUT("node sighand:%016x res\n", p);
		OUT("node cred:%016x res uid=%u euid=%u suid=%u fsuid=%u "
		    "gid=%u egid=%u sgid=%u fsgid=%u "
		    "cap_inh=0000000000000000 cap_prm=0000000000000000 "
		    "cap_eff=0000000000000000 cap_bnd=000001ffffffffff "
		    "cap_amb=0000000000000000 securebits=0x0 "
		    "userns=4026531840\n", p, p % 50, p % 50, p % 50, p % 50,
		    p % 50, p % 50, p % 50, p % 50);
		nodes += 6;
		for (t = 0; t < 3; t++) {
			unsigned int tid = p * 4 + t + 100000;

			OUT("node thread:%u pd tid=%u tgid=%u comm=p%u "
			    "tracer=0\n", tid, tid, p, p);
			OUT("edge thread:%u member process:%u\n", tid, p);
			OUT("edge thread:%u hold mm:%016x mode=rw\n", tid, p);
			OUT("edge thread:%u hold files:%016x mode=rw\n", tid,
			    p);
			OUT("edge thread:%u hold fs:%016x mode=rw\n", tid, p);
			OUT("edge thread:%u hold sighand:%016x mode=rw\n",
			    tid, p);
			OUT("edge thread:%u hold cred:%016x mode=r\n", tid, p);
			OUT("edge thread:%u hold cgroup:1 mode=r\n", tid);
			for (i = 0; i < 8; i++)
				OUT("edge thread:%u hold %s:%u mode=r\n", tid,
				    ns[i], 4026531835U + i);
			nodes++;
			edges += 15;
		}
		for (v = 0; v < NVMAS; v++) {
			bool lib = v < 2 * NLIBS;

			OUT("node vma:%016x:%x res start=0x%x end=0x%x "
			    "perm=%s pgoff=0x0 dev=%s ino=%u\n", p, v << 12,
			    v << 12, (v + 1) << 12, lib ? "r-xp" : "rw-p",
			    lib ? "8:1" : "0:0", lib ? v / 2 : 0);
			OUT("edge vma:%016x:%x subset mm:%016x\n", p, v << 12,
			    p);
			nodes++;
			edges++;
			if (lib) {
				OUT("edge vma:%016x:%x map inode:8:1:%u\n", p,
				    v << 12, v / 2);
				edges++;
			}
		}
		for (v = 0; v < NFILES; v++) {
			OUT("node file:%08x%08x res mode=rw ftype=reg\n", p, v);
			OUT("node inode:8:2:%u res dev=8:2 ino=%u ftype=reg "
			    "path=/home/f%u\n", p * NFILES + v,
			    p * NFILES + v, p * NFILES + v);
			OUT("edge files:%016x map file:%08x%08x fd=%u mode=rw\n",
			    p, p, v, v + 3);
			OUT("edge file:%08x%08x map inode:8:2:%u\n", p, v,
			    p * NFILES + v);
			nodes += 2;
			edges += 2;
		}
	}
	OUT("end nodes=%lu edges=%lu\n", nodes, edges);
	*lenp = len;
	return buf;
}

int main(int argc, char **argv)
{
	unsigned int procs = argc > 1 ? atoi(argv[1]) : 5000;
	unsigned int batch = argc > 2 ? atoi(argv[2]) : 200;
	const struct osm_node *a, *b, *net;
	struct osm_compare_type *cv;
	struct osm_tcb_entry *tv;
	struct osm_holder *hv;
	struct osm_querier *q;
	struct osm_graph *g;
	double t0, t1, tmin;
	char id[64];
	size_t len;
	char *text;
	unsigned int i;
	int n = 0, k;

	text = gen(procs, &len);
	if (!text)
		return 1;
	t0 = now();
	g = osm_graph__parse(text, len);
	t1 = now();
	free(text);
	if (!g) {
		printf("parse: %s\n", strerror(errno));
		return 1;
	}
	printf("graph: %u processes, %zu nodes, %zu edges, %.1f MiB text, "
	       "parsed in %.2f s\n", procs, osm_graph__node_count(g),
	       osm_graph__edge_count(g), len / 1048576.0, t1 - t0);
	snprintf(id, sizeof(id), "process:%u", procs / 2);
	a = osm_graph__find(g, id);
	snprintf(id, sizeof(id), "process:%u", procs / 2 + 1);
	b = osm_graph__find(g, id);
	net = osm_graph__find(g, "net_ns:4026531839");
	if (!a || !b || !net)
		return 1;

#define TIME(label, call, freeit)					\
	do {								\
		tmin = 1e9;						\
		for (k = 0; k < 5; k++) {				\
			t0 = now();					\
			n = (call);					\
			t1 = now();					\
			if (n < 0) {					\
				printf("%s: %s\n", label, strerror(-n)); \
				return 1;				\
			}						\
			freeit;						\
			if (t1 - t0 < tmin)				\
				tmin = t1 - t0;				\
		}							\
		printf("%-28s %8.1f ms  (%d answers)\n", label,		\
		       tmin * 1e3, n);					\
	} while (0)

	if (getenv("BENCH_TCB_ONLY")) {
		OSM_OPTS(osm_tcb_opts, to, .querier = getenv("BENCH_SINGLE") ?
			 NULL : osm_querier__new(g));

		for (k = 0; k < 20; k++) {
			n = osm_query__tcb(g, a, &to, &tv);
			osm_tcb__free(tv, n);
		}
		osm_querier__free(to.querier);
		osm_graph__free(g);
		return 0;
	}
	TIME("tcb (single shot)", osm_query__tcb(g, a, NULL, &tv),
	     osm_tcb__free(tv, n));
	TIME("ib (single shot)", osm_query__impact(g, a, NULL, &tv),
	     osm_tcb__free(tv, n));
	TIME("compare (single shot)", osm_query__compare(g, a, b, NULL, &cv),
	     osm_compare__free(cv, n));
	TIME("holders net_ns (single shot)",
	     osm_query__holders(g, net, NULL, &hv), free(hv));

	q = osm_querier__new(g);
	if (!q)
		return 1;
	{
		OSM_OPTS(osm_tcb_opts, to, .querier = q);
		OSM_OPTS(osm_query_opts, qo, .querier = q);

		TIME("tcb (querier)", osm_query__tcb(g, a, &to, &tv),
		     osm_tcb__free(tv, n));
		TIME("ib (querier)", osm_query__impact(g, a, &to, &tv),
		     osm_tcb__free(tv, n));
		TIME("compare (querier)",
		     osm_query__compare(g, a, b, &qo, &cv),
		     osm_compare__free(cv, n));
		t0 = now();
		for (i = 1; i <= batch && i <= procs; i++) {
			snprintf(id, sizeof(id), "process:%u", i);
			n = osm_query__tcb(g, osm_graph__find(g, id), &to,
					   &tv);
			if (n < 0)
				return 1;
			osm_tcb__free(tv, n);
		}
		t1 = now();
		printf("tcb batch of %u processes: %.2f s (%.1f ms each)\n",
		       i - 1, t1 - t0, (t1 - t0) * 1e3 / (i - 1));
	}
	osm_querier__free(q);
	osm_graph__free(g);
	return 0;
}
