// SPDX-License-Identifier: GPL-2.0-only
/*
 * Sockets and their peers.  The test makes the sockets itself, so it
 * knows which ends are connected (socketpair, connect + accept, a
 * datagram socket connected to a bound one), hands them to children, and
 * checks the graph against that construction and against what the
 * socket syscalls report: fstat(2) for the inode, getsockname(2) and
 * getpeername(2) for names and addresses, /proc/PID/ns/net for the
 * network namespace.  Two processes that talk over a socketpair must
 * share something in SharedResources.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "osm_test_util.h"

#define MAX_CLOSE	8

/* Child: close the descriptors in @arg (-1 ends the list), then idle. */
static int keep_child(int sock, void *arg)
{
	const int *fds = arg;
	int i;

	for (i = 0; i < MAX_CLOSE && fds[i] >= 0; i++)
		close(fds[i]);
	return osm_child_idle(sock, NULL);
}

/* The inode node behind descriptor @fd of @pid. */
static const struct osm_node *sock_node(const struct osm_graph *g, pid_t pid,
					int fd)
{
	const struct osm_node *files = osm_test_held_by_tid(g, pid, "files");
	const struct osm_node *file;

	if (!files)
		return NULL;
	file = osm_test_fd_file(files, fd);
	return file ? osm_test_mapped_inode(file) : NULL;
}

static unsigned long long fd_ino(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? 0 : st.st_ino;
}

/* @n is the socket inode of @fd, as fstat(2) names it. */
static void expect_is_fd(struct __test_metadata *_metadata,
			 const struct osm_node *n, int fd)
{
	unsigned long long ino;

	ASSERT_NE(NULL, n);
	ASSERT_TRUE(osm_test_attr_ull(n, "ino", &ino));
	EXPECT_EQ(fd_ino(fd), ino);
	EXPECT_STREQ("sock", osm_node__attr(n, "ftype") ?: "(none)");
}

static const char *attr(const struct osm_node *n, const char *key)
{
	const char *v = n ? osm_node__attr(n, key) : NULL;

	return v ? v : "(none)";
}

/* Does the PD @pd share @res with @other, by SharedResources? */
static bool shares(const struct osm_graph *g, const struct osm_node *pd,
		   const struct osm_node *other, const struct osm_node *res)
{
	struct osm_share *s = NULL;
	bool found = false;
	int n, i;
	size_t j;

	n = osm_query__shared(g, pd, NULL, &s);
	for (i = 0; i < n; i++)
		for (j = 0; s[i].pd == other && j < s[i].nres; j++)
			found |= s[i].res[j] == res;
	osm_shares__free(s, n > 0 ? n : 0);
	return found;
}

/* Two processes on the two ends of a socketpair: peers, and shared. */
TEST(socketpair_ends_are_peers)
{
	const struct osm_node *a, *b;
	struct osm_child ca, cb;
	struct osm_graph *g;
	int sv[2], close_a[2], close_b[2];

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	close_a[0] = sv[1];
	close_a[1] = -1;
	close_b[0] = sv[0];
	close_b[1] = -1;
	ASSERT_EQ(0, osm_child_start(&ca, OSM_SPAWN_FORK, 0, keep_child,
				     close_a, NULL, 0)) TH_LOG("%s", ca.err);
	ASSERT_EQ(0, osm_child_start(&cb, OSM_SPAWN_FORK, 0, keep_child,
				     close_b, NULL, 0)) TH_LOG("%s", cb.err);
	g = osm_test_load();
	ASSERT_NE(NULL, g);

	a = sock_node(g, ca.pid, sv[0]);
	b = sock_node(g, cb.pid, sv[1]);
	expect_is_fd(_metadata, a, sv[0]);
	expect_is_fd(_metadata, b, sv[1]);
	EXPECT_STREQ("unix", attr(a, "family"));
	EXPECT_STREQ("stream", attr(a, "type"));
	EXPECT_STREQ("established", attr(a, "state"));
	EXPECT_TRUE(osm_test_has_edge(a, "peer", b));
	EXPECT_TRUE(osm_test_has_edge(b, "peer", a));
	EXPECT_TRUE(shares(g, osm_test_process(g, ca.pid),
			   osm_test_process(g, cb.pid), b))
		TH_LOG("processes on a socketpair must share its ends");

	osm_graph__free(g);
	close(sv[0]);
	close(sv[1]);
	EXPECT_EQ(0, osm_child_finish(&ca));
	EXPECT_EQ(0, osm_child_finish(&cb));
}

/* A unix name as the graph prints it: "@" for each NUL byte. */
static void unix_name(const struct sockaddr_un *sun, socklen_t len,
		      char *buf, size_t size)
{
	size_t n = len - offsetof(struct sockaddr_un, sun_path), i;

	if (n >= size)
		n = size - 1;
	for (i = 0; i < n; i++)
		buf[i] = sun->sun_path[i] ? sun->sun_path[i] : '@';
	buf[i] = '\0';
	if (n && sun->sun_path[0])
		buf[strnlen(sun->sun_path, n)] = '\0';
}

static int bound_unix(int type, const char *path, bool abstract)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	socklen_t len;
	int fd = socket(AF_UNIX, type, 0);

	if (fd < 0)
		return -1;
	snprintf(sun.sun_path + abstract, sizeof(sun.sun_path) - 1, "%s",
		 path);
	len = offsetof(struct sockaddr_un, sun_path) + abstract +
	      strlen(path) + !abstract;
	if (bind(fd, (struct sockaddr *)&sun, len)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The name getsockname() gives @fd, in the graph's form. */
static void sock_name(int fd, char *buf, size_t size)
{
	struct sockaddr_un sun;
	socklen_t len = sizeof(sun);

	buf[0] = '\0';
	if (!getsockname(fd, (struct sockaddr *)&sun, &len))
		unix_name(&sun, len, buf, size);
}

/*
 * A listener, the connection it accepted and the client; a datagram
 * socket connected to an abstract-named one (a one-way peer).
 */
TEST(unix_connections_are_peers)
{
	const struct osm_node *ln, *sn, *cn, *dn, *bn;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int lfd, cfd, sfd, bfd, dfd, none[1] = { -1 };
	char path[64], abs[64], want[128];
	struct osm_child c;
	struct osm_graph *g;
	socklen_t len;

	snprintf(path, sizeof(path), "/tmp/osm-sock-%d", (int)getpid());
	snprintf(abs, sizeof(abs), "osm-abs-%d", (int)getpid());
	unlink(path);
	lfd = bound_unix(SOCK_STREAM, path, false);
	ASSERT_LE(0, lfd) TH_LOG("bind %s: %m", path);
	ASSERT_EQ(0, listen(lfd, 4));
	cfd = socket(AF_UNIX, SOCK_STREAM, 0);
	ASSERT_LE(0, cfd);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	ASSERT_EQ(0, connect(cfd, (struct sockaddr *)&sun, sizeof(sun)));
	sfd = accept(lfd, NULL, NULL);
	ASSERT_LE(0, sfd);
	bfd = bound_unix(SOCK_DGRAM, abs, true);
	ASSERT_LE(0, bfd) TH_LOG("bind @%s: %m", abs);
	dfd = socket(AF_UNIX, SOCK_DGRAM, 0);
	ASSERT_LE(0, dfd);
	len = sizeof(sun);
	ASSERT_EQ(0, getsockname(bfd, (struct sockaddr *)&sun, &len));
	ASSERT_EQ(0, connect(dfd, (struct sockaddr *)&sun, len));

	OSM_START_AND_LOAD(&c, &g, OSM_SPAWN_FORK, 0, keep_child, none,
			   NULL, 0);
	ln = sock_node(g, c.pid, lfd);
	sn = sock_node(g, c.pid, sfd);
	cn = sock_node(g, c.pid, cfd);
	bn = sock_node(g, c.pid, bfd);
	dn = sock_node(g, c.pid, dfd);
	expect_is_fd(_metadata, ln, lfd);
	expect_is_fd(_metadata, sn, sfd);
	expect_is_fd(_metadata, cn, cfd);
	expect_is_fd(_metadata, bn, bfd);
	expect_is_fd(_metadata, dn, dfd);

	EXPECT_STREQ("listen", attr(ln, "state"));
	sock_name(lfd, want, sizeof(want));
	EXPECT_STREQ(want, attr(ln, "name"));
	EXPECT_STREQ(path, attr(ln, "name"));
	EXPECT_EQ(0, osm_test_out(ln, "peer", NULL, NULL, 0));
	EXPECT_TRUE(osm_test_has_edge(sn, "peer", cn));
	EXPECT_TRUE(osm_test_has_edge(cn, "peer", sn));
	EXPECT_STREQ("established", attr(cn, "state"));

	sock_name(bfd, want, sizeof(want));
	EXPECT_EQ('@', want[0]);
	EXPECT_STREQ(want, attr(bn, "name"));
	EXPECT_STREQ("dgram", attr(bn, "type"));
	EXPECT_TRUE(osm_test_has_edge(dn, "peer", bn));
	EXPECT_EQ(0, osm_test_out(bn, "peer", NULL, NULL, 0))
		TH_LOG("the bound end was never connected back");

	osm_graph__free(g);
	EXPECT_EQ(0, osm_child_finish(&c));
	close(lfd);
	close(cfd);
	close(sfd);
	close(bfd);
	close(dfd);
	unlink(path);
}

/* "a.b.c.d:port" or "[v6]:port" of a socket address. */
static void inet_text(const struct sockaddr_storage *ss, char *buf,
		      size_t size)
{
	char host[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)ss;

		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		snprintf(buf, size, "%s:%u", host, ntohs(in->sin_port));
	} else {
		const struct sockaddr_in6 *in6 = (const void *)ss;

		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		snprintf(buf, size, "[%s]:%u", host, ntohs(in6->sin6_port));
	}
}

static void addr_of(int fd, bool peer, char *buf, size_t size)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int ret;

	memset(&ss, 0, sizeof(ss));
	ret = peer ? getpeername(fd, (struct sockaddr *)&ss, &len) :
		     getsockname(fd, (struct sockaddr *)&ss, &len);
	if (ret) {
		/* Not connected: the graph shows the family's any address. */
		getsockname(fd, (struct sockaddr *)&ss, &len);
		if (ss.ss_family == AF_INET)
			((struct sockaddr_in *)&ss)->sin_addr.s_addr = 0;
		else
			memset(&((struct sockaddr_in6 *)&ss)->sin6_addr, 0,
			       sizeof(struct in6_addr));
		((struct sockaddr_in *)&ss)->sin_port = 0;
	}
	inet_text(&ss, buf, size);
}

/* A listener, both ends of a connection, and a UDP socket on loopback. */
static void inet_case(struct __test_metadata *_metadata, int family,
		      const char *loopback)
{
	struct sockaddr_storage ss = { .ss_family = family };
	int lfd, cfd, sfd, ufd, fds[4], none[1] = { -1 };
	const char *states[4] = { "listen", "established", "established",
				  "close" };
	struct osm_child c;
	struct osm_graph *g;
	char want[96], ino[32];
	socklen_t len = family == AF_INET ? sizeof(struct sockaddr_in) :
					    sizeof(struct sockaddr_in6);
	int i;

	if (family == AF_INET)
		inet_pton(AF_INET, loopback,
			  &((struct sockaddr_in *)&ss)->sin_addr);
	else
		inet_pton(AF_INET6, loopback,
			  &((struct sockaddr_in6 *)&ss)->sin6_addr);
	lfd = socket(family, SOCK_STREAM, 0);
	ASSERT_LE(0, lfd);
	if (bind(lfd, (struct sockaddr *)&ss, len) && family == AF_INET6)
		SKIP(return, "no IPv6 loopback here: %m");
	ASSERT_EQ(0, listen(lfd, 4)) TH_LOG("%s: %m", loopback);
	ASSERT_EQ(0, getsockname(lfd, (struct sockaddr *)&ss, &len));
	cfd = socket(family, SOCK_STREAM, 0);
	ASSERT_EQ(0, connect(cfd, (struct sockaddr *)&ss, len));
	sfd = accept(lfd, NULL, NULL);
	ASSERT_LE(0, sfd);
	ufd = socket(family, SOCK_DGRAM, 0);
	((struct sockaddr_in *)&ss)->sin_port = 0;
	ASSERT_EQ(0, bind(ufd, (struct sockaddr *)&ss, len));
	fds[0] = lfd;
	fds[1] = cfd;
	fds[2] = sfd;
	fds[3] = ufd;

	OSM_START_AND_LOAD(&c, &g, OSM_SPAWN_FORK, 0, keep_child, none,
			   NULL, 0);
	snprintf(ino, sizeof(ino), "%llu", osm_test_ns_ino(c.pid, "net"));
	for (i = 0; i < 4; i++) {
		const struct osm_node *n = sock_node(g, c.pid, fds[i]);

		expect_is_fd(_metadata, n, fds[i]);
		EXPECT_STREQ(family == AF_INET ? "inet" : "inet6",
			     attr(n, "family"));
		EXPECT_STREQ(i == 3 ? "dgram" : "stream", attr(n, "type"));
		EXPECT_STREQ(i == 3 ? "17" : "6", attr(n, "proto"));
		EXPECT_STREQ(states[i], attr(n, "state")) TH_LOG("fd %d", i);
		EXPECT_STREQ(ino, attr(n, "netns"));
		addr_of(fds[i], false, want, sizeof(want));
		EXPECT_STREQ(want, attr(n, "local")) TH_LOG("fd %d", i);
		addr_of(fds[i], true, want, sizeof(want));
		EXPECT_STREQ(want, attr(n, "remote")) TH_LOG("fd %d", i);
	}
	osm_graph__free(g);
	EXPECT_EQ(0, osm_child_finish(&c));
	for (i = 0; i < 4; i++)
		close(fds[i]);
}

TEST(inet_addresses_are_getsockname)
{
	inet_case(_metadata, AF_INET, "127.0.0.1");
}

TEST(inet6_addresses_are_getsockname)
{
	inet_case(_metadata, AF_INET6, "::1");
}

OSM_TEST_MAIN
