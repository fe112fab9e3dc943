// SPDX-License-Identifier: GPL-2.0-only
/*
 * gen_graph: write a synthetic osmosis graph (uapi/graph-format.md) of the
 * shape of a busy machine, for the parser benchmark and the fuzz corpus.
 *
 * Usage: gen_graph [-p processes] [-t threads] [-r regions] [-f files]
 *		    [-l libraries] [-d data-files] [-s seed] > big.graph
 *
 * Defaults: 5,000 processes of 3 threads, 200 regions and 50 open files
 * each: about 1.3M nodes, 2.4M edges and 300 MB.  Processes share
 * libraries (a pool of 400 mapped by every process), data files (open
 * files of a pool of 20,000 inodes), namespaces (one set per group of
 * 100 processes, nested in the initial one) and cgroups (one per 10
 * processes).  Every id and number comes from the seed: the same
 * arguments give the same bytes.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static unsigned int nlibs = 400, ndata = 20000;
#define PER_NS		100
#define PER_CG		10

static const char *const ns_types[] = {
	"mnt_ns", "uts_ns", "ipc_ns", "pid_ns", "net_ns", "user_ns",
	"cgroup_ns", "time_ns",
};
#define NNS	(sizeof(ns_types) / sizeof(ns_types[0]))

static uint64_t rng_state;

/* splitmix64: small, fast, and the same everywhere. */
static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned long nodes, edges;

#define NODE(...) (nodes++, printf("node " __VA_ARGS__))
#define EDGE(...) (edges++, printf("edge " __VA_ARGS__))

static unsigned long ns_inum(unsigned int set, unsigned int t)
{
	return 4026531835UL + 16 + set * NNS + t;
}

static void namespaces(unsigned int sets)
{
	unsigned int s, t;

	for (s = 0; s < sets; s++) {
		for (t = 0; t < NNS; t++) {
			unsigned long inum = ns_inum(s, t);

			if (!strcmp(ns_types[t], "user_ns"))
				NODE("user_ns:%lu res inum=%lu level=%u owner=%u\n",
				     inum, inum, s ? 1 : 0, s ? 1000 + s : 0);
			else if (!strcmp(ns_types[t], "pid_ns"))
				NODE("pid_ns:%lu res inum=%lu level=%u\n", inum,
				     inum, s ? 1 : 0);
			else
				NODE("%s:%lu res inum=%lu\n", ns_types[t], inum,
				     inum);
		}
		if (!s)
			continue;
		EDGE("user_ns:%lu subset user_ns:%lu\n", ns_inum(s, 5),
		     ns_inum(0, 5));
		EDGE("pid_ns:%lu subset pid_ns:%lu\n", ns_inum(s, 3),
		     ns_inum(0, 3));
		for (t = 0; t < NNS; t++)
			if (t != 5)
				EDGE("%s:%lu owner user_ns:%lu\n", ns_types[t],
				     ns_inum(s, t), ns_inum(s, 5));
	}
}

static void cgroups(unsigned int n)
{
	unsigned int c;

	NODE("cgroup:1 res id=1 path=/\n");
	for (c = 0; c < n; c++) {
		NODE("cgroup:%u res id=%u path=/system.slice/svc-%u.service "
		     "memory_max=max\n", 100 + c, 100 + c, c);
		EDGE("cgroup:%u subset cgroup:1\n", 100 + c);
	}
}

static void libraries(void)
{
	unsigned int l;

	for (l = 0; l < nlibs; l++)
		NODE("inode:8:1:%u res dev=8:1 ino=%u ftype=reg "
		     "path=/usr/lib/x86_64-linux-gnu/lib%s-%u.so.%u\n",
		     100000 + l, 100000 + l, l % 3 ? "gtk\\x20widgets" : "c",
		     l, l % 7);
	for (l = 0; l < ndata; l++)
		NODE("inode:8:1:%u res dev=8:1 ino=%u ftype=%s path=/var/lib/data/f%u\n",
		     200000 + l, 200000 + l, l % 5 ? "reg" : "sock", l);
}

static void process(unsigned int p, unsigned int nthreads,
		    unsigned int nregions, unsigned int nfiles)
{
	unsigned int pid = 1000 + p * (nthreads + 1), t, r, f;
	unsigned int set = p / PER_NS, uid = 1000 + p % 50;
	uint64_t mm = rnd(), files = rnd(), fs = rnd(), sh = rnd(),
		 cred = rnd();
	unsigned long addr = 0x555555554000UL + (rnd() & 0xfffff000UL);

	NODE("process:%u pd pid=%u ppid=%u comm=worker-%u uid=%u euid=%u "
	     "gid=%u egid=%u\n", pid, pid, p ? 1000 : 0, p % 97, uid, uid,
	     uid, uid);
	NODE("mm:%016" PRIx64 " res vmas=%u dumpable=1\n", mm, nregions);
	NODE("files:%016" PRIx64 " res fds=%u\n", files, nfiles);
	NODE("fs:%016" PRIx64 " res root=/ cwd=/home/u%u\n", fs, uid);
	NODE("sighand:%016" PRIx64 " res\n", sh);
	NODE("cred:%016" PRIx64 " res uid=%u euid=%u suid=%u fsuid=%u gid=%u "
	     "egid=%u sgid=%u fsgid=%u cap_inh=0000000000000000 "
	     "cap_prm=0000000000000000 cap_eff=0000000000000000 "
	     "cap_bnd=000001ffffffffff cap_amb=0000000000000000 "
	     "securebits=0x0 userns=%lu\n", cred, uid, uid, uid, uid, uid,
	     uid, uid, uid, ns_inum(set, 5));
	for (t = 0; t < nthreads; t++) {
		unsigned int tid = pid + t;

		NODE("thread:%u pd tid=%u tgid=%u comm=worker-%u "
		     "no_new_privs=0 seccomp=0 tracer=0\n", tid, tid, pid,
		     p % 97);
		EDGE("thread:%u member process:%u\n", tid, pid);
		EDGE("thread:%u hold mm:%016" PRIx64 " mode=rw\n", tid, mm);
		EDGE("thread:%u hold files:%016" PRIx64 " mode=rw\n", tid,
		     files);
		EDGE("thread:%u hold fs:%016" PRIx64 " mode=rw\n", tid, fs);
		EDGE("thread:%u hold sighand:%016" PRIx64 " mode=rw\n", tid,
		     sh);
		EDGE("thread:%u hold cred:%016" PRIx64 " mode=r\n", tid, cred);
		EDGE("thread:%u hold cgroup:%u mode=r\n", tid,
		     100 + p / PER_CG);
		for (r = 0; r < NNS; r++)
			EDGE("thread:%u hold %s:%lu mode=r\n", tid,
			     ns_types[r], ns_inum(set, r));
	}

	/* Regions: 3 in 5 map a library, the rest are anonymous. */
	for (r = 0; r < nregions; r++) {
		unsigned long len = ((rnd() & 63) + 1) << 12;
		unsigned int lib = rnd() % nlibs;

		if (r % 5 < 3) {
			NODE("vma:%016" PRIx64 ":%lx res start=0x%lx end=0x%lx "
			     "perm=%s pgoff=0x%x dev=8:1 ino=%u "
			     "name=/usr/lib/x86_64-linux-gnu/lib%s-%u.so.%u\n",
			     mm, addr, addr, addr + len,
			     r % 5 == 0 ? "r-xp" : "r--p", (r % 4) << 12,
			     100000 + lib, lib % 3 ? "gtk\\x20widgets" : "c",
			     lib, lib % 7);
			EDGE("vma:%016" PRIx64 ":%lx subset mm:%016" PRIx64 "\n",
			     mm, addr, mm);
			EDGE("vma:%016" PRIx64 ":%lx map inode:8:1:%u\n", mm,
			     addr, 100000 + lib);
		} else {
			NODE("vma:%016" PRIx64 ":%lx res start=0x%lx end=0x%lx "
			     "perm=rw-p pgoff=0x0 dev=0:0 ino=0%s\n", mm, addr,
			     addr, addr + len, r == 1 ? " name=[heap]" : "");
			EDGE("vma:%016" PRIx64 ":%lx subset mm:%016" PRIx64 "\n",
			     mm, addr, mm);
		}
		addr += len + 0x1000;
	}

	/* Open files: each its own description, of a shared data inode. */
	for (f = 0; f < nfiles; f++) {
		uint64_t file = rnd();
		unsigned int ino = 200000 + rnd() % ndata;

		NODE("file:%016" PRIx64 " res mode=%s flags=0100002 pos=%u "
		     "ftype=reg\n", file, f % 3 ? "rw" : "r",
		     (unsigned int)(rnd() % 100000));
		EDGE("files:%016" PRIx64 " map file:%016" PRIx64 " fd=%u mode=%s\n",
		     files, file, f, f % 3 ? "rw" : "r");
		EDGE("file:%016" PRIx64 " map inode:8:1:%u\n", file, ino);
	}
}

int main(int argc, char **argv)
{
	unsigned int procs = 5000, threads = 3, regions = 200, files = 50;
	unsigned int p;
	int c;

	rng_state = 1;
	while ((c = getopt(argc, argv, "p:t:r:f:l:d:s:")) != -1) {
		switch (c) {
		case 'p':
			procs = strtoul(optarg, NULL, 0);
			break;
		case 't':
			threads = strtoul(optarg, NULL, 0);
			break;
		case 'r':
			regions = strtoul(optarg, NULL, 0);
			break;
		case 'f':
			files = strtoul(optarg, NULL, 0);
			break;
		case 'l':
			nlibs = strtoul(optarg, NULL, 0);
			break;
		case 'd':
			ndata = strtoul(optarg, NULL, 0);
			break;
		case 's':
			rng_state = strtoull(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr, "usage: %s [-p procs] [-t threads] "
				"[-r regions] [-f files] [-l libs] [-d data] [-s seed]\n", argv[0]);
			return 2;
		}
	}
	if (!threads)
		threads = 1;
	if (!nlibs)
		nlibs = 1;
	if (!ndata)
		ndata = 1;
	/* A big stdout buffer: the output is hundreds of MB. */
	setvbuf(stdout, NULL, _IOFBF, 1 << 20);
	printf("osmosis-graph 1.5 epoch=%016" PRIx64 " pid_ns=%lu view=full\n",
	       rnd(), ns_inum(0, 3));
	NODE("kernel:0 pd name=kernel\n");
	namespaces(procs / PER_NS + 1);
	cgroups(procs / PER_CG + 1);
	libraries();
	for (p = 0; p < procs; p++)
		process(p, threads, regions, files);
	printf("end nodes=%lu edges=%lu\n", nodes, edges);
	return fflush(stdout) ? 1 : 0;
}
