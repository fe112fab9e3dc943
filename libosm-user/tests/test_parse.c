// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Unit tests of libosm's parser, index and queries on hand-written
 * graphs (the *.graph fixtures next to this file).  Output is TAP.
 *
 * Usage: test_parse <fixture-dir>
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "osm.h"
#include "check.h"

static const char *fixtures = ".";

/* The path of fixture @name. */
static void fixture_path(char *path, size_t len, const char *name)
{
	snprintf(path, len, "%s/%s", fixtures, name);
}

static struct osm_graph *load(const char *name)
{
	char path[4096];

	fixture_path(path, sizeof(path), name);
	OSM_OPTS(osm_graph_opts, opts, .path = path);
	return osm_graph__load(&opts);
}

static struct osm_graph *parse_str(const char *s)
{
	return osm_graph__parse(s, strlen(s));
}

/* The ids of @n nodes joined by spaces, for compact comparisons. */
static const char *ids(const struct osm_node **v, size_t n)
{
	static char buf[4096];
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < n && off < sizeof(buf); i++)
		off += snprintf(buf + off, sizeof(buf) - off, "%s%s",
				i ? " " : "", osm_node__id(v[i]));
	return buf;
}

static void test_good(void)
{
	const struct osm_node *n, *t101;
	const struct osm_edge *e;
	struct osm_graph *g;

	g = load("good.graph");
	CHECK(g);
	if (!g)
		return;
	CHECK(osm_graph__major(g) == 1);
	CHECK(osm_graph__minor(g) == 0);
	CHECK_STR(osm_graph__header_attr(g, "view"), "full");
	CHECK_STR(osm_graph__header_attr(g, "epoch"), "5a1c0e77d2b1f3a4");
	CHECK(!osm_graph__header_attr(g, "nope"));
	CHECK(osm_graph__header_attr_count(g) == 3);
	CHECK_STR(osm_graph__header_attr_key(g, 1), "pid_ns");
	CHECK(osm_graph__node_count(g) == 26);
	CHECK(osm_graph__edge_count(g) == 34);

	n = osm_graph__node(g, 0);
	CHECK_STR(osm_node__id(n), "kernel:0");
	CHECK_STR(osm_node__type(n), "kernel");
	CHECK(osm_node__is_pd(n));
	CHECK(!osm_graph__node(g, 26) && errno == ENOENT);

	t101 = osm_graph__find(g, "thread:101");
	CHECK(t101);
	CHECK(osm_node__index(t101) == 6);
	CHECK_STR(osm_node__type(t101), "thread");
	CHECK_STR(osm_node__class(t101), "pd");
	CHECK_STR(osm_node__attr(t101, "comm"), "sshd-worker");
	CHECK(osm_node__attr_count(t101) == 3);
	CHECK_STR(osm_node__attr_key(t101, 2), "comm");
	CHECK_STR(osm_node__attr_value(t101, 0), "101");
	CHECK(!osm_node__attr_key(t101, 3));
	CHECK(osm_node__out_count(t101) == 5);
	CHECK(osm_node__in_count(t101) == 0);
	e = osm_node__out(t101, 0);
	CHECK_STR(osm_edge__kind(e), "member");
	CHECK(osm_edge__src(e) == t101);
	CHECK_STR(osm_node__id(osm_edge__dst(e)), "process:100");
	CHECK(!osm_node__out(t101, 5));

	n = osm_graph__find(g, "inode:0:2:17");
	CHECK(n && !osm_node__is_pd(n));
	CHECK(n && osm_node__in_count(n) == 3);
	CHECK(!osm_graph__find(g, "thread:999") && errno == ENOENT);
	CHECK(!osm_graph__find(g, "thread:10"));

	e = osm_graph__edge(g, 11);
	CHECK_STR(osm_edge__kind(e), "map");
	CHECK_STR(osm_edge__attr(e, "fd"), "0");
	CHECK(osm_edge__attr_count(e) == 2);
	CHECK_STR(osm_edge__attr_key(e, 1), "mode");
	CHECK_STR(osm_edge__attr_value(e, 1), "rw");
	CHECK(!osm_graph__edge(g, 34));
	osm_graph__free(g);
}

static void test_reachable(void)
{
	const struct osm_node **res = NULL;
	const char *only_inode[] = { "inode", NULL };
	const char *vma_and_bogus[] = { "bogus", "vma", NULL };
	const char *none[] = { NULL };
	struct osm_graph *g = load("good.graph");
	int n;

	CHECK(g);
	if (!g)
		return;
	n = osm_query__reachable(g, osm_graph__find(g, "process:100"), NULL,
				 &res);
	CHECK(n == 8);
	CHECK_STR(ids(res, n > 0 ? n : 0),
		  "mnt_ns:4026531841 net_ns:4026531840 mm:2222222222222222 "
		  "vma:2222222222222222:400000 inode:0:2:17 "
		  "files:bbbbbbbbbbbbbbbb file:f00000000000000f inode:0:5:1");
	free(res);

	/* A single thread reaches what its process does here. */
	n = osm_query__reachable(g, osm_graph__find(g, "thread:101"), NULL,
				 &res);
	CHECK(n == 8);
	free(res);

	{
		OSM_OPTS(osm_query_opts, q, .types = only_inode);

		n = osm_query__reachable(g, osm_graph__find(g, "process:100"),
					 &q, &res);
		CHECK(n == 2);
		CHECK_STR(ids(res, n > 0 ? n : 0),
			  "inode:0:2:17 inode:0:5:1");
		free(res);
	}
	{
		OSM_OPTS(osm_query_opts, q, .types = vma_and_bogus);

		n = osm_query__reachable(g, osm_graph__find(g, "200"), &q,
					 &res);
		CHECK(n == -EINVAL && errno == EINVAL);
		n = osm_query__reachable(g, osm_graph__find(g, "process:200"),
					 &q, &res);
		CHECK(n == 2);
		CHECK_STR(ids(res, n > 0 ? n : 0),
			  "vma:3333333333333333:400000 "
			  "vma:3333333333333333:7f0000");
		free(res);
	}
	{
		OSM_OPTS(osm_query_opts, q, .types = none);

		n = osm_query__reachable(g, osm_graph__find(g, "kernel:0"),
					 &q, &res);
		CHECK(n == 0 && res == NULL);
	}

	n = osm_query__reachable(g, osm_graph__find(g, "kernel:0"), NULL,
				 &res);
	CHECK(n == 2);
	CHECK_STR(ids(res, n > 0 ? n : 0),
		  "mnt_ns:4026531841 net_ns:4026531840");
	free(res);

	/* Resources are not PDs. */
	errno = 0;
	n = osm_query__reachable(g, osm_graph__find(g, "mm:1111111111111111"),
				 NULL, &res);
	CHECK(n == -EINVAL && errno == EINVAL && !res);
	CHECK(osm_query__reachable(g, NULL, NULL, &res) == -EINVAL);
	osm_graph__free(g);
}

static void check_share(const struct osm_share *s, const char *pd,
			const char *res)
{
	CHECK_STR(osm_node__id(s->pd), pd);
	CHECK_STR(ids(s->res, s->nres), res);
}

/* The graph @text parses, and @pd reaches @want_n nodes: @want_ids. */
static void check_reach(const char *text, const char *pd, int want_n,
			const char *want_ids)
{
	const struct osm_node **res = NULL;
	struct osm_graph *g = parse_str(text);
	int n;

	CHECK(g);
	if (!g)
		return;
	n = osm_query__reachable(g, osm_graph__find(g, pd), NULL, &res);
	CHECK(n == want_n);
	CHECK_STR(ids(res, n > 0 ? n : 0), want_ids);
	free(res);
	osm_graph__free(g);
}

/*
 * A subset edge between two nodes of one type is a tree edge (1.2: nested
 * namespaces and cgroups): holding the parent does not reach the child,
 * and owner edges are not followed; holding an mm still reaches its
 * regions.
 */
static void test_tree_edges(void)
{
	static const char text[] =
		"osmosis-graph 1.2 view=full\n"
		"node thread:1 pd tid=1\n"
		"node user_ns:10 res inum=10 level=0 owner=0\n"
		"node user_ns:11 res inum=11 level=1 owner=0\n"
		"edge user_ns:11 subset user_ns:10\n"
		"node net_ns:20 res inum=20\n"
		"edge net_ns:20 owner user_ns:11\n"
		"node cgroup:1 res id=1\n"
		"node cgroup:2 res id=2\n"
		"edge cgroup:2 subset cgroup:1\n"
		"node mm:1 res vmas=1\n"
		"node vma:1:1000 res start=0x1000 end=0x2000\n"
		"edge vma:1:1000 subset mm:1\n"
		"edge thread:1 hold user_ns:10 mode=rw\n"
		"edge thread:1 hold net_ns:20 mode=r\n"
		"edge thread:1 hold cgroup:1 mode=r\n"
		"edge thread:1 hold mm:1 mode=rw\n"
		"end nodes=8 edges=8\n";

	check_reach(text, "thread:1", 5,
		    "user_ns:10 net_ns:20 cgroup:1 mm:1 vma:1:1000");
}

/* Two processes that hold the two ends of a socketpair share both ends. */
static void test_peer_edges(void)
{
	static const char text[] =
		"osmosis-graph 1.3 view=full\n"
		"node process:1 pd pid=1\n"
		"node thread:1 pd tid=1\n"
		"edge thread:1 member process:1\n"
		"node process:2 pd pid=2\n"
		"node thread:2 pd tid=2\n"
		"edge thread:2 member process:2\n"
		"node inode:0:8:100 res ftype=sock\n"
		"node inode:0:8:101 res ftype=sock\n"
		"edge thread:1 hold inode:0:8:100 mode=rw\n"
		"edge thread:2 hold inode:0:8:101 mode=rw\n"
		"edge inode:0:8:100 peer inode:0:8:101\n"
		"edge inode:0:8:101 peer inode:0:8:100\n"
		"end nodes=6 edges=6\n";

	check_reach(text, "process:1", 2, "inode:0:8:100 inode:0:8:101");
}

/*
 * Descriptors in flight (1.7): the file queued in process 1's socket is
 * reached through the socket, with its inode.
 */
static void test_inflight_edges(void)
{
	static const char text[] =
		"osmosis-graph 1.7 view=full\n"
		"node process:1 pd pid=1\n"
		"node thread:1 pd tid=1\n"
		"edge thread:1 member process:1\n"
		"node inode:0:8:100 res ftype=sock\n"
		"node inode:0:1:7 res ftype=reg\n"
		"node file:9 res mode=rw\n"
		"edge file:9 map inode:0:1:7\n"
		"edge thread:1 hold inode:0:8:100 mode=rw\n"
		"edge inode:0:8:100 inflight file:9\n"
		"end nodes=5 edges=4\n";

	check_reach(text, "process:1", 3, "inode:0:8:100 inode:0:1:7 file:9");
}

/*
 * The resource directory (1.5): process 1 reads a FUSE file served by
 * process 2's /dev/fuse and has a region that its own uffd serves;
 * process 3 requests nothing.  request and serve edges are not followed
 * by reachability: nobody shares the channels.
 */
static const char servers_text[] =
	"osmosis-graph 1.5 view=full\n"
	"node process:1 pd pid=1\n"
	"node thread:1 pd tid=1\n"
	"edge thread:1 member process:1\n"
	"node process:2 pd pid=2\n"
	"node thread:2 pd tid=2\n"
	"edge thread:2 member process:2\n"
	"node process:3 pd pid=3\n"
	"node thread:3 pd tid=3\n"
	"edge thread:3 member process:3\n"
	"node mm:1 res vmas=1\n"
	"node vma:1:1000 res start=0x1000 end=0x2000\n"
	"edge vma:1:1000 subset mm:1\n"
	"node uffd:aa res\n"
	"edge vma:1:1000 request uffd:aa faults=missing\n"
	"edge thread:1 hold mm:1 mode=rw\n"
	"node files:1 res fds=2\n"
	"node inode:0:40:2 res dev=0:40 ino=2 ftype=reg\n"
	"node fuse:0:40 res dev=0:40 conn=40 fstype=fuse\n"
	"edge inode:0:40:2 request fuse:0:40\n"
	"node file:1 res mode=r\n"
	"edge file:1 map inode:0:40:2\n"
	"node file:2 res mode=rw ftype=anon anon=[userfaultfd]\n"
	"edge file:2 serve uffd:aa\n"
	"edge files:1 map file:1 fd=3 mode=r\n"
	"edge files:1 map file:2 fd=4 mode=rw\n"
	"edge thread:1 hold files:1 mode=rw\n"
	"node files:2 res fds=1\n"
	"node file:3 res mode=rw ftype=chr\n"
	"edge file:3 serve fuse:0:40\n"
	"edge files:2 map file:3 fd=5 mode=rw\n"
	"edge thread:2 hold files:2 mode=rw\n"
	"node files:3 res fds=0\n"
	"edge thread:3 hold files:3 mode=rw\n"
	"end nodes=17 edges=16\n";

static void test_servers(void)
{
	const char *fuse[] = { "fuse", NULL };
	struct osm_graph *g = osm_graph__parse(servers_text,
					       strlen(servers_text));
	struct osm_share *sh = NULL;
	int n;

	CHECK(g);
	if (!g)
		return;
	n = osm_query__servers(g, osm_graph__find(g, "process:1"), NULL, &sh);
	CHECK(n == 2);
	if (n == 2) {
		check_share(&sh[0], "process:1", "uffd:aa");
		check_share(&sh[1], "process:2", "fuse:0:40");
	}
	osm_shares__free(sh, n > 0 ? n : 0);

	{
		OSM_OPTS(osm_query_opts, q, .types = fuse);

		n = osm_query__servers(g, osm_graph__find(g, "thread:1"), &q,
				       &sh);
		CHECK(n == 1);
		if (n == 1)
			check_share(&sh[0], "process:2", "fuse:0:40");
		osm_shares__free(sh, n > 0 ? n : 0);
	}

	/* Nothing requested: the kernel serves, nobody is listed. */
	n = osm_query__servers(g, osm_graph__find(g, "process:3"), NULL, &sh);
	CHECK(n == 0 && !sh);
	/* The server requests nothing either. */
	n = osm_query__servers(g, osm_graph__find(g, "process:2"), NULL, &sh);
	CHECK(n == 0 && !sh);
	CHECK(osm_query__servers(g, osm_graph__find(g, "fuse:0:40"), NULL,
				 &sh) == -EINVAL);

	/* Channels are not reached, so not shared. */
	n = osm_query__shared(g, osm_graph__find(g, "process:1"), NULL, &sh);
	CHECK(n == 0);
	osm_shares__free(sh, n > 0 ? n : 0);
	osm_graph__free(g);

	check_reach(servers_text, "process:2", 2, "files:2 file:3");
}

/*
 * 1.4: two processes whose regions map one frame interval both reach it
 * (region -> phys is a map edge, followed forward), and share it; an
 * interval only one of them maps is not shared.
 */
static void test_phys_edges(void)
{
	static const char text[] =
		"osmosis-graph 1.4 view=full phys=1\n"
		"node process:1 pd pid=1\n"
		"node thread:1 pd tid=1\n"
		"edge thread:1 member process:1\n"
		"node process:2 pd pid=2\n"
		"node thread:2 pd tid=2\n"
		"edge thread:2 member process:2\n"
		"node mm:1 res vmas=1\n"
		"node vma:1:1000 res start=0x1000 end=0x4000\n"
		"edge vma:1:1000 subset mm:1\n"
		"node mm:2 res vmas=1\n"
		"node vma:2:7000 res start=0x7000 end=0x9000\n"
		"edge vma:2:7000 subset mm:2\n"
		"edge thread:1 hold mm:1 mode=rw\n"
		"edge thread:2 hold mm:2 mode=rw\n"
		"node phys:10-10 res first=0x10 pages=1\n"
		"node phys:11-12 res first=0x11 pages=2\n"
		"edge vma:1:1000 map phys:10-10 va=0x1000\n"
		"edge vma:1:1000 map phys:11-12 va=0x2000\n"
		"edge vma:2:7000 map phys:11-12 va=0x7000\n"
		"end nodes=10 edges=9\n";
	struct osm_share *sh = NULL;
	struct osm_graph *g;
	int n;

	check_reach(text, "process:1", 4,
		    "mm:1 vma:1:1000 phys:10-10 phys:11-12");
	check_reach(text, "process:2", 3, "mm:2 vma:2:7000 phys:11-12");
	g = parse_str(text);
	CHECK(g);
	if (!g)
		return;
	n = osm_query__shared(g, osm_graph__find(g, "process:1"), NULL, &sh);
	CHECK(n == 1);
	if (n == 1) {
		CHECK_STR(osm_node__id(sh[0].pd), "process:2");
		CHECK_STR(ids(sh[0].res, sh[0].nres), "phys:11-12");
	}
	if (n > 0)
		osm_shares__free(sh, n);
	osm_graph__free(g);
}

static void test_shared(void)
{
	const char *net[] = { "net_ns", NULL };
	struct osm_share *sh = NULL;
	struct osm_graph *g = load("good.graph");
	int n;

	CHECK(g);
	if (!g)
		return;
	n = osm_query__shared(g, osm_graph__find(g, "process:100"), NULL,
			      &sh);
	CHECK(n == 3);
	if (n == 3) {
		check_share(&sh[0], "kernel:0",
			    "mnt_ns:4026531841 net_ns:4026531840");
		check_share(&sh[1], "process:1",
			    "mnt_ns:4026531841 net_ns:4026531840 "
			    "inode:0:2:17 file:f00000000000000f inode:0:5:1");
		check_share(&sh[2], "process:200",
			    "mnt_ns:4026531841 inode:0:2:17");
	}
	osm_shares__free(sh, n > 0 ? n : 0);

	/* A thread's own process is left out, as are its sibling threads. */
	n = osm_query__shared(g, osm_graph__find(g, "thread:101"), NULL, &sh);
	CHECK(n == 3);
	if (n == 3)
		CHECK_STR(osm_node__id(sh[2].pd), "process:200");
	osm_shares__free(sh, n > 0 ? n : 0);

	{
		OSM_OPTS(osm_query_opts, q, .types = net);

		n = osm_query__shared(g, osm_graph__find(g, "process:100"),
				      &q, &sh);
		CHECK(n == 2);
		if (n == 2) {
			check_share(&sh[0], "kernel:0", "net_ns:4026531840");
			check_share(&sh[1], "process:1", "net_ns:4026531840");
		}
		osm_shares__free(sh, n > 0 ? n : 0);

		n = osm_query__shared(g, osm_graph__find(g, "process:200"),
				      &q, &sh);
		CHECK(n == 0 && sh == NULL);
	}

	/* Kernel threads fold into kernel:0, which is then excluded. */
	n = osm_query__shared(g, osm_graph__find(g, "thread:2"), NULL, &sh);
	CHECK(n == 3);
	if (n == 3) {
		check_share(&sh[0], "process:1",
			    "mnt_ns:4026531841 net_ns:4026531840");
		check_share(&sh[1], "process:100",
			    "mnt_ns:4026531841 net_ns:4026531840");
		check_share(&sh[2], "process:200", "mnt_ns:4026531841");
	}
	osm_shares__free(sh, n > 0 ? n : 0);

	CHECK(osm_query__shared(g, osm_graph__find(g, "inode:0:2:17"), NULL,
				&sh) == -EINVAL);
	CHECK(osm_query__shared(g, osm_graph__find(g, "kernel:0"), NULL,
				NULL) == -EINVAL);
	osm_graph__free(g);
}

static void test_bad_files(void)
{
	errno = 0;
	CHECK(!load("unknown-major.graph") && errno == EPROTO);
	errno = 0;
	CHECK(!load("missing-end.graph") && errno == ENODATA);
	errno = 0;
	CHECK(!load("bad-count.graph") && errno == EPROTO);
	errno = 0;
	CHECK(!load("undeclared-edge.graph") && errno == EPROTO);
	errno = 0;
	CHECK(!load("no-such-file.graph") && errno == ENOENT);
}

static void test_escaped(void)
{
	struct osm_graph *g = load("escaped.graph");
	const struct osm_node *n;

	CHECK(g);
	if (!g)
		return;
	CHECK_STR(osm_graph__header_attr(g, "note"), "a b");
	CHECK_STR(osm_graph__header_attr(g, "epoch"), "0x1");
	n = osm_graph__find(g, "process:7");
	CHECK_STR(osm_node__attr(n, "comm"), "my prog\tx");
	n = osm_graph__find(g, "inode:0:2:99");
	CHECK_STR(osm_node__attr(n, "path"),
		  "/tmp/caf\xc3\xa9\\dir/a=b\nline\xff");
	n = osm_graph__find(g, "vma:0123456789abcdef:1000");
	CHECK_STR(osm_node__attr(n, "name"),
		  "/tmp/caf\xc3\xa9\\dir/a=b\nline\xff");
	CHECK_STR(osm_node__attr(n, "perm"), "r--p");
	osm_graph__free(g);
}

static void test_unknown(void)
{
	struct osm_graph *g = load("unknown.graph");
	const struct osm_node *n;
	struct osm_share *sh;
	int cnt;

	CHECK(g);
	if (!g)
		return;
	CHECK(osm_graph__minor(g) == 7);
	CHECK(osm_graph__node_count(g) == 5);
	CHECK(osm_graph__edge_count(g) == 4);
	n = osm_graph__find(g, "io:abcdef0123456789");
	CHECK_STR(osm_node__type(n), "io");
	CHECK(!osm_node__is_pd(n));
	n = osm_graph__find(g, "widget:9");
	CHECK_STR(osm_node__class(n), "blob");
	CHECK(!osm_node__is_pd(n));
	n = osm_graph__find(g, "process:5");
	CHECK_STR(osm_node__attr(n, "shiny"), "1");
	CHECK_STR(osm_edge__kind(osm_graph__edge(g, 2)), "entangle");

	/* An unknown PD type is still a PD and an unknown resource shared. */
	cnt = osm_query__shared(g, n, NULL, &sh);
	CHECK(cnt == 1);
	if (cnt == 1)
		check_share(&sh[0], "sandbox:1", "io:abcdef0123456789");
	osm_shares__free(sh, cnt > 0 ? cnt : 0);
	osm_graph__free(g);
}

static void expect_err(const char *text, int err, const char *what)
{
	struct osm_graph *g;

	errno = 0;
	g = parse_str(text);
	checks++;
	if (g || errno != err) {
		failures++;
		printf("#   %s: expected errno %d, got %s errno %d\n", what, err,
		       g ? "a graph and" : "NULL,", errno);
	}
	osm_graph__free(g);
}

#define HDR	"osmosis-graph 1.0 view=full\n"
#define N1	"node thread:1 pd tid=1\n"
#define N2	"node mm:1 res vmas=0\n"

static void test_malformed(void)
{
	struct osm_graph *g;

	g = parse_str(HDR N1 N2 "edge thread:1 hold mm:1 mode=rw\n"
		      "end nodes=2 edges=1\n");
	CHECK(g);
	osm_graph__free(g);
	g = parse_str(HDR "end nodes=0x0 edges=0\n");
	CHECK(g && osm_graph__node_count(g) == 0);
	osm_graph__free(g);

	expect_err("", ENODATA, "empty input");
	expect_err("osmosis-gr", ENODATA, "header cut short");
	expect_err(HDR N1, ENODATA, "no end");
	expect_err(HDR N1 "end nodes=1 edges=0", ENODATA, "unterminated end");
	expect_err(HDR N1 "node thread:", ENODATA, "cut mid-line");
	expect_err("hello world\n", EPROTO, "not a graph");
	expect_err("hello", EPROTO, "not a graph, no newline");
	expect_err("osmosis-graph 1\nend nodes=0 edges=0\n", EPROTO,
		   "version without minor");
	expect_err("osmosis-graph 1.0x\nend nodes=0 edges=0\n", EPROTO,
		   "version with junk");
	expect_err("osmosis-graph 0.9\nend nodes=0 edges=0\n", EPROTO,
		   "major 0");
	expect_err("osmosis-graph 2.0\n", EPROTO, "unknown major, no end");
	expect_err(HDR N1 N1 "end nodes=2 edges=0\n", EPROTO,
		   "duplicate node");
	expect_err(HDR "node thread1 pd\nend nodes=1 edges=0\n", EPROTO,
		   "id without colon");
	expect_err(HDR "node :1 pd\nend nodes=1 edges=0\n", EPROTO,
		   "empty type");
	expect_err(HDR "node thread:1\nend nodes=1 edges=0\n", EPROTO,
		   "no class");
	expect_err(HDR "node thread:1 pd comm\nend nodes=1 edges=0\n", EPROTO,
		   "field without =");
	expect_err(HDR "node thread:1 pd Comm=x\nend nodes=1 edges=0\n",
		   EPROTO, "bad key");
	expect_err(HDR "node thread:1 pd =x\nend nodes=1 edges=0\n", EPROTO,
		   "empty key");
	expect_err(HDR "node thread:1 pd  comm=x\nend nodes=1 edges=0\n",
		   EPROTO, "double space");
	expect_err(HDR "node thread:1 pd comm=x\\x4\nend nodes=1 edges=0\n",
		   EPROTO, "short escape");
	expect_err(HDR "node thread:1 pd comm=x\\q00\nend nodes=1 edges=0\n",
		   EPROTO, "bad escape");
	expect_err(HDR "node thread:1 pd comm=x\\x00\nend nodes=1 edges=0\n",
		   EPROTO, "escaped NUL");
	expect_err(HDR "node thread:1 pd comm=x\\xg0\nend nodes=1 edges=0\n",
		   EPROTO, "bad hex");
	expect_err(HDR N1 "edge thread:1 hold\nend nodes=1 edges=1\n", EPROTO,
		   "edge without dst");
	expect_err(HDR N1 "edge thread:1 hold mm:1\n" N2 "end nodes=2 edges=1\n",
		   EPROTO, "edge before its node");
	expect_err(HDR N1 "end nodes=1\n", EPROTO, "end without edges=");
	expect_err(HDR N1 "end nodes=1 edges=x\n", EPROTO, "end bad number");
	expect_err(HDR N1 "end nodes=1 edges=0\n" N2, EPROTO, "after end");
	expect_err(HDR N1 "end nodes=1 edges=0\nend nodes=1 edges=0\n",
		   EPROTO, "two ends");
	/* A raw NUL: parse with the real length, strlen() would stop. */
	{
		static const char nul[] = HDR "node a:1 pd\0\nend nodes=1 edges=0\n";

		errno = 0;
		CHECK(!osm_graph__parse(nul, sizeof(nul) - 1) &&
		      errno == EPROTO);
	}
	CHECK(!osm_graph__parse(NULL, 3) && errno == EINVAL);
}

/* Parse @text, expect @err and exactly the message @msg. */
static void expect_msg(const char *text, int err, const char *msg)
{
	char why[256];
	struct osm_graph *g;

	memset(why, 'X', sizeof(why));
	why[sizeof(why) - 1] = '\0';
	{
		OSM_OPTS(osm_graph_opts, o, .errbuf = why,
			 .errbuf_sz = sizeof(why));

		errno = 0;
		g = osm_graph__parse_opts(text, strlen(text), &o);
	}
	checks++;
	if (g || errno != err || strcmp(why, msg)) {
		failures++;
		printf("#   expected errno %d \"%s\", got %s errno %d \"%s\"\n",
		       err, msg, g ? "a graph and" : "NULL,", errno, why);
	}
	osm_graph__free(g);
}

static void test_messages(void)
{
	char why[4200], small[8];
	struct osm_graph *g;
	size_t i;
	char *big;

	expect_msg(HDR N1 N2 N1 "end nodes=2 edges=0\n", EPROTO,
		   "line 4: node 'thread:1' declared twice");
	expect_msg(HDR N1 "edge thread:1 hold mm:1\n" N2 "end nodes=2 edges=1\n",
		   EPROTO, "line 3: edge to undeclared node 'mm:1'");
	expect_msg(HDR N2 "edge thread:1 hold mm:1\n", EPROTO,
		   "line 3: edge from undeclared node 'thread:1'");
	expect_msg(HDR N1 "edge thread:1 hold\n", EPROTO,
		   "line 3: edge needs a source, a kind and a destination");
	expect_msg("osmosis-graph 2.0 view=full\nend nodes=0 edges=0\n",
		   EPROTO,
		   "line 1: unknown major version 2 (format 2.0; this library reads 1.x)");
	expect_msg("osmosis-graph 1.x\n", EPROTO, "line 1: bad version '1.x'");
	expect_msg("hello world\n", EPROTO,
		   "line 1: not an osmosis graph (no 'osmosis-graph' header)");
	expect_msg("GET / HTTP/1.0", EPROTO,
		   "line 1: not an osmosis graph (no 'osmosis-graph' header)");
	expect_msg(HDR "node thread1 pd\n", EPROTO,
		   "line 2: node id 'thread1' is not <type>:<token>");
	expect_msg(HDR "node thread:1\n", EPROTO,
		   "line 2: node 'thread:1' without a class");
	expect_msg(HDR N1 "node mm:1 res a=1 comm\n", EPROTO,
		   "line 3: field 'comm' is not key=value");
	expect_msg(HDR "node thread:1 pd Comm=x\n", EPROTO,
		   "line 2: bad key 'Comm'");
	expect_msg(HDR "node thread:1 pd co:m=x\n", EPROTO,
		   "line 2: bad key 'co:m'");
	expect_msg(HDR "node thread:1 pd comm=x\\x0\n", EPROTO,
		   "line 2: bad escape in the value of 'comm'");
	expect_msg(HDR "node thread:1 pd comm=x \n", EPROTO,
		   "line 2: space at the end of the line");
	expect_msg(HDR "node a:\x01 pd\nnode a:\x01 pd\n", EPROTO,
		   "line 3: node 'a:\\x01' declared twice");
	expect_msg(HDR N1 "end nodes=1 edges=1\n", EPROTO,
		   "line 3: 'end' counts 1 nodes and 1 edges, the stream has 1 and 0");
	expect_msg(HDR N1 "end nodes=1\n", EPROTO,
		   "line 3: 'end' without nodes= and edges=");
	expect_msg(HDR N1 "end nodes=1 edges=0\n\n", EPROTO,
		   "line 4: data after 'end'");
	expect_msg(HDR N1 "end nodes=1 edges=0\nx", EPROTO,
		   "line 4: data after 'end'");
	expect_msg(HDR N1, ENODATA,
		   "line 3: no 'end' line: the stream was cut short");
	expect_msg(HDR N1 "node mm:1", ENODATA,
		   "line 3: no newline at the end: the stream was cut short");
	expect_msg("osmosis-gr", ENODATA,
		   "line 1: no newline at the end: header cut short");
	expect_msg("", ENODATA, "line 1: empty stream");

	/* A raw NUL, with the real length: strlen() would stop at it. */
	{
		static const char nul[] = HDR N1 "node a:1 pd\0\nend nodes=2 edges=0\n";
		OSM_OPTS(osm_graph_opts, o, .errbuf = why,
			 .errbuf_sz = sizeof(why));

		errno = 0;
		CHECK(!osm_graph__parse_opts(nul, sizeof(nul) - 1, &o) &&
		      errno == EPROTO);
		CHECK_STR(why, "line 3: NUL byte: not a text graph");
	}
	/* A long id is quoted short. */
	big = malloc(4096);
	CHECK(big);
	if (big) {
		i = snprintf(big, 4096, HDR "node a:");
		memset(big + i, 'z', 1000);
		snprintf(big + i + 1000, 4096 - i - 1000, "\n");
		{
			char want[256];

			snprintf(want, sizeof(want),
				 "line 2: node 'a:%.94s...' without a class",
				 big + i);
			expect_msg(big, EPROTO, want);
		}
		free(big);
	}
	/* A small buffer is cut and still terminated. */
	{
		OSM_OPTS(osm_graph_opts, o, .errbuf = small,
			 .errbuf_sz = sizeof(small));

		CHECK(!osm_graph__parse_opts(HDR N1 N1, strlen(HDR N1 N1), &o));
		CHECK_STR(small, "line 3:");
	}
	/* Success leaves the buffer alone; the limit applies to parse too. */
	{
		OSM_OPTS(osm_graph_opts, o, .errbuf = why,
			 .errbuf_sz = sizeof(why));
		const char *t = HDR N1 "end nodes=1 edges=0\n";

		strcpy(why, "untouched");
		g = osm_graph__parse_opts(t, strlen(t), &o);
		CHECK(g);
		CHECK_STR(why, "untouched");
		osm_graph__free(g);
		o.max_bytes = strlen(t) - 1;
		errno = 0;
		CHECK(!osm_graph__parse_opts(t, strlen(t), &o) && errno == EFBIG);
		CHECK_STR(why, "larger than the limit of 70 bytes (max_bytes)");
		o.max_bytes = strlen(t);
		g = osm_graph__parse_opts(t, strlen(t), &o);
		CHECK(g);
		osm_graph__free(g);
	}
	/* From a file: the same messages, and why an open failed. */
	{
		char path[4096];

		fixture_path(path, sizeof(path), "undeclared-edge.graph");
		OSM_OPTS(osm_graph_opts, o, .path = path, .errbuf = why,
			 .errbuf_sz = sizeof(why));
		CHECK(!osm_graph__load(&o) && errno == EPROTO);
		CHECK_STR(why, "line 7: edge to undeclared node 'mm:9999999999999999'");
		fixture_path(path, sizeof(path), "unknown-major.graph");
		CHECK(!osm_graph__load(&o) && errno == EPROTO);
		CHECK(!strncmp(why, "line 1: unknown major version 2 ", 32));
		fixture_path(path, sizeof(path), "bad-count.graph");
		CHECK(!osm_graph__load(&o) && errno == EPROTO);
		CHECK(!strncmp(why, "line 62: 'end' counts 26 nodes and 35 edges", 43));
		fixture_path(path, sizeof(path), "no-such.graph");
		CHECK(!osm_graph__load(&o) && errno == ENOENT);
		CHECK(!strncmp(why, "cannot open ", 12) &&
		      strstr(why, "No such file"));
	}
}

/* Lines a reader does not know cost it nothing: no arrays by line count. */
static void test_unknown_lines(void)
{
	size_t n = 300000, i, len;
	struct osm_graph *g;
	char *t, *p;

	t = malloc(n * 16 + 256);
	CHECK(t);
	if (!t)
		return;
	p = t + sprintf(t, HDR);
	for (i = 0; i < n; i++)
		p += sprintf(p, "later %zx =\n", i);
	p += sprintf(p, N1 "later\nend nodes=1 edges=0\n");
	len = p - t;
	g = osm_graph__parse(t, len);
	CHECK(g && osm_graph__node_count(g) == 1 &&
	      osm_graph__edge_count(g) == 0);
	CHECK_STR(osm_node__attr(osm_graph__find(g, "thread:1"), "tid"), "1");
	osm_graph__free(g);
	free(t);
}

/*
 * Feed @pattern (or zeros) into a pipe from a child until the reader
 * closes it; load from the pipe; return the bytes the child wrote, and
 * the load's errno in *@err.
 */
static long feed_pipe(const char *pattern, bool read_raw, int *err)
{
	int data[2], count[2];
	long written = -1;
	char path[64];
	pid_t pid;

	if (pipe(data) || pipe(count))
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		static char block[4096];
		long total = 0;
		ssize_t w;
		size_t off = 0;

		signal(SIGPIPE, SIG_IGN);
		close(data[0]);
		close(count[0]);
		if (pattern) {
			off = strlen(pattern);
			memcpy(block, pattern, off);
			memset(block + off, 'a', sizeof(block) - off);
		}
		/* Write until the reader goes, or 8 GiB. */
		while (total < (8L << 30)) {
			w = write(data[1], block, sizeof(block));
			if (w <= 0)
				break;
			total += w;
			if (pattern && total == (long)sizeof(block))
				memset(block, 'a', off);
		}
		if (write(count[1], &total, sizeof(total)) != sizeof(total))
			_exit(1);
		_exit(0);
	}
	close(data[1]);
	close(count[1]);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", data[0]);
	{
		OSM_OPTS(osm_graph_opts, o, .path = path,
			 .max_bytes = (size_t)-1);
		struct osm_graph *g = NULL;
		size_t len;
		char *buf;

		errno = 0;
		if (read_raw) {
			*err = -osm_graph__read(&o, &buf, &len);
			if (!*err)
				free(buf);
		} else {
			g = osm_graph__load(&o);
			*err = g ? 0 : errno;
			osm_graph__free(g);
		}
	}
	close(data[0]);
	if (read(count[0], &written, sizeof(written)) != sizeof(written))
		written = -1;
	close(count[0]);
	waitpid(pid, NULL, 0);
	return written;
}

/* A stream that is not a graph is refused at once, not at the cap. */
static void test_early_refusal(void)
{
	long w;
	int err;

	/* No cap at all: only the early check can stop these. */
	w = feed_pipe(NULL, false, &err);
	CHECK(err == EPROTO);
	CHECK(w > 0 && w < (8L << 20));
	w = feed_pipe(NULL, true, &err);
	CHECK(err == EPROTO);
	CHECK(w > 0 && w < (8L << 20));
	/* A header that never ends. */
	w = feed_pipe(OSM_GRAPH_MAGIC " 1.5 x=", false, &err);
	CHECK(err == EPROTO);
	CHECK(w > 0 && w < (8L << 20));
	w = feed_pipe(OSM_GRAPH_MAGIC " 1.5 x=", true, &err);
	CHECK(err == EPROTO);
	CHECK(w > 0 && w < (8L << 20));
}

/* max_bytes: 0 is 1 GiB, SIZE_MAX no limit, anything else exact. */
static void test_max_bytes(void)
{
	char path[4096];
	struct osm_graph *g;

	fixture_path(path, sizeof(path), "good.graph");
	{
		OSM_OPTS(osm_graph_opts, o, .path = path,
			 .max_bytes = (size_t)-1);

		g = osm_graph__load(&o);
		CHECK(g);
		osm_graph__free(g);
		o.max_bytes = (1UL << 30) + 1;
		g = osm_graph__load(&o);
		CHECK(g);
		osm_graph__free(g);
	}
}

static void test_load_opts(void)
{
	struct {
		struct osm_graph_opts o;
		long future;
	} big;
	char path[4096];
	struct osm_graph *g;
	size_t len;
	char *buf;

	fixture_path(path, sizeof(path), "good.graph");
	{
		OSM_OPTS(osm_graph_opts, o, .path = path, .max_bytes = 100);

		errno = 0;
		CHECK(!osm_graph__load(&o) && errno == EFBIG);
	}
	{
		OSM_OPTS(osm_graph_opts, o, .path = path);

		buf = NULL;
		len = 0;
		CHECK(osm_graph__read(&o, &buf, &len) == 0);
		CHECK(buf && len > 100 &&
		      !memcmp(buf, "osmosis-graph 1.0 ", 18));
		free(buf);
		/* Exactly max_bytes is fine; one more byte is not. */
		o.max_bytes = len;
		g = osm_graph__load(&o);
		CHECK(g);
		osm_graph__free(g);
		o.max_bytes = len - 1;
		CHECK(osm_graph__read(&o, &buf, &len) == -EFBIG &&
		      errno == EFBIG);
	}

	/* A bigger opts struct is fine only if the unknown tail is zero. */
	memset(&big, 0, sizeof(big));
	big.o.sz = sizeof(big);
	big.o.path = path;
	g = osm_graph__load(&big.o);
	CHECK(g);
	osm_graph__free(g);
	big.future = 1;
	errno = 0;
	CHECK(!osm_graph__load(&big.o) && errno == EINVAL);
	big.o.sz = 2;
	CHECK(!osm_graph__load(&big.o) && errno == EINVAL);
	CHECK(osm_graph__read(NULL, NULL, &len) == -EINVAL);
}

static void test_ioctl(void)
{
	char path[4096];
	struct osm_api api;
	int fd;

	CHECK_STR(osm_version(), OSM_LIB_VERSION_STR);
	CHECK(osm_ioc_get_api(-1, &api) == -EINVAL && errno == EINVAL);
	fixture_path(path, sizeof(path), "good.graph");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0);
	CHECK(osm_ioc_get_api(fd, &api) == -ENOTTY && errno == ENOTTY);
	CHECK(api.size == sizeof(api));
	close(fd);
}

/* Graph 1.6: osm_spawn_kind() maps a process's spawn modes to a preset. */
/* (1.8: and spawn_stack=pkey tells tis from thread.) */
static void test_spawn_kind(void)
{
	static const struct {
		const char *attrs, *kind;
	} cases[] = {
		{ "", NULL },
		{ " spawn=ccccnsssssssssss", "process" },
		{ " spawn=ccccnsssssssssss spawn_nnp=1", "custom" },
		{ " spawn=ccccnnsssssssssss", "custom" },	/* 17 letters */
		{ " spawn=ccccnnssssssssss spawn_cgroup=7", "pir" },
		{ " spawn=ccccnsssnnnnnnns", "container" },
		{ " spawn=ccccnsssnnnnnnns spawn_nnp=1", "sandbox" },
		{ " spawn=ccccnsssnnnnsnns", "custom" },	/* net shared */
		{ " spawn=ccccnssssjssssss spawn_join=uts_ns:5", "custom" },
		{ " spawn=ssssssssssssssss", "thread" },
		{ " spawn=sccssssssssssss", "custom" },		/* 15 letters */
		{ " spawn=sccsssssssssssss", "tif" },
		/* 1.8: a stack with its own protection key. */
		{ " spawn=ssssssssssssssss spawn_stack=pkey", "tis" },
		{ " spawn=sccsssssssssssss spawn_stack=pkey", "custom" },
		{ " spawn=ssssssssssssssss spawn_stack=other", "custom" },
	};
	char text[512];
	struct osm_graph *g;
	size_t i;

	CHECK(!osm_spawn_kind(NULL));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text),
			 "osmosis-graph 1.6 view=full\n"
			 "node process:5 pd pid=5%s\n"
			 "end nodes=1 edges=0\n", cases[i].attrs);
		g = parse_str(text);
		CHECK(g);
		if (!g)
			continue;
		if (cases[i].kind)
			CHECK_STR(osm_spawn_kind(osm_graph__find(g, "process:5")),
				  cases[i].kind);
		else
			CHECK(!osm_spawn_kind(osm_graph__find(g, "process:5")));
		osm_graph__free(g);
	}
}

int main(int argc, char **argv)
{
	static const struct check_test tests[] = {
		{ "good graph", test_good },
		{ "reachable", test_reachable },
		{ "tree edges are not followed", test_tree_edges },
		{ "peer edges join two sockets", test_peer_edges },
		{ "inflight edges reach the queued files", test_inflight_edges },
		{ "phys intervals join two regions", test_phys_edges },
		{ "shared", test_shared },
		{ "servers: request and serve edges", test_servers },
		{ "bad files", test_bad_files },
		{ "escaped values", test_escaped },
		{ "unknown records, keys and types", test_unknown },
		{ "malformed streams", test_malformed },
		{ "load options", test_load_opts },
		{ "ioctl and version", test_ioctl },
		{ "parse errors say where and why", test_messages },
		{ "unknown lines cost nothing", test_unknown_lines },
		{ "a non-graph stream is refused early", test_early_refusal },
		{ "max_bytes raises the cap", test_max_bytes },
		{ "spawn records: the preset of a spawned PD", test_spawn_kind },
	};

	/* The fixtures live beside the program unless named. */
	static char dir[4096];
	char *slash;

	if (argc > 1) {
		fixtures = argv[1];
	} else {
		snprintf(dir, sizeof(dir), "%s", argv[0]);
		slash = strrchr(dir, '/');
		if (slash) {
			*slash = '\0';
			fixtures = dir;
		}
	}
	return check_run(tests, sizeof(tests) / sizeof(tests[0]), "");
}
