// SPDX-License-Identifier: GPL-2.0-only
/*
 * Descriptors in flight (graph 1.7): files sent with SCM_RIGHTS and not
 * yet received hang off the receiving socket's inode by "inflight"
 * edges.  The oracles: fstat(2) of the files before they were sent (or
 * closed), fstat of the receiving socket, and, once the child receives
 * them, kcmp(KCMP_FILE) between what it received and the descriptors
 * that still hold the same open files (the test's own, the child's).
 */
#define _GNU_SOURCE
#include <linux/kcmp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "osm_test_util.h"

/* What the child reports, after sending and after receiving. */
struct flight {
	int sv[2];		/* the socketpair: sent on 0, queued on 1 */
	int kept;		/* a file it sent and keeps open */
	char parents_id[64];	/* inode of the test's file it sent */
	char kept_id[64];	/* inode of @kept */
	char gone_id[64];	/* inode of the file it sent and closed */
	int same_kept;		/* after recvmsg: kcmp of kept and received */
	int same_gone_ino;	/* received file's inode is gone_id's */
	int same_parents;	/* kcmp of the test's file and received one */
};

static int send_fds(int sock, const int *fds, int n)
{
	char buf[CMSG_SPACE(3 * sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = "x", .iov_len = 1 };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = buf, .msg_controllen = CMSG_SPACE(n * sizeof(int)),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(n * sizeof(int));
	memcpy(CMSG_DATA(c), fds, n * sizeof(int));
	return sendmsg(sock, &m, 0) == 1 ? 0 : -1;
}

static int recv_fds(int sock, int *fds, int n)
{
	char buf[CMSG_SPACE(3 * sizeof(int))] = { 0 };
	char x;
	struct iovec iov = { .iov_base = &x, .iov_len = 1 };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = buf, .msg_controllen = sizeof(buf),
	};
	struct cmsghdr *c;

	if (recvmsg(sock, &m, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	c = CMSG_FIRSTHDR(&m);
	if (!c || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(n * sizeof(int)))
		return -1;
	memcpy(fds, CMSG_DATA(c), n * sizeof(int));
	return 0;
}

/*
 * Child: a socketpair, then three files sent on it in one message: the
 * test's (inherited: @arg), a memfd it keeps, a memfd it closes.  Then,
 * released, it receives them and compares.
 */
static int flight_child(int sock, void *arg)
{
	int parents = *(int *)arg, gone, fds[3], got[3];
	struct flight f = { 0 };
	char id[64];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, f.sv))
		osm_child_fail(sock, "socketpair: %m");
	/* Opened after the pair: the walk meets the queue first. */
	f.kept = memfd_create("osm-kept", MFD_CLOEXEC);
	gone = memfd_create("osm-gone", MFD_CLOEXEC);
	if (f.kept < 0 || gone < 0)
		osm_child_fail(sock, "memfd_create: %m");
	if (osm_test_fd_inode_id(parents, f.parents_id,
				 sizeof(f.parents_id)) ||
	    osm_test_fd_inode_id(f.kept, f.kept_id, sizeof(f.kept_id)) ||
	    osm_test_fd_inode_id(gone, f.gone_id, sizeof(f.gone_id)))
		osm_child_fail(sock, "fstat: %m");
	fds[0] = parents;
	fds[1] = f.kept;
	fds[2] = gone;
	if (send_fds(f.sv[0], fds, 3))
		osm_child_fail(sock, "sendmsg: %m");
	/* Neither the parent's copy nor the gone one stays in this table. */
	close(parents);
	close(gone);
	if (osm_child_ready(sock, &f, sizeof(f)))
		return 1;

	if (recv_fds(f.sv[1], got, 3))
		osm_child_fail(sock, "recvmsg: %m");
	f.same_parents = osm_test_kcmp(getppid(), getpid(), KCMP_FILE,
				       parents, got[0]);
	f.same_kept = osm_test_kcmp(getpid(), getpid(), KCMP_FILE, f.kept,
				    got[1]);
	f.same_gone_ino = !osm_test_fd_inode_id(got[2], id, sizeof(id)) &&
			  !strcmp(id, f.gone_id);
	return osm_child_ready(sock, &f, sizeof(f)) ? 1 : 0;
}

/* The files an "inflight" edge leads to from socket inode @sock. */
static size_t inflight(const struct osm_node *sock,
		       const struct osm_node **out, size_t max)
{
	const struct osm_edge *e[8];
	size_t n, i;

	n = osm_test_out(sock, OSM_EDGE_INFLIGHT, OSM_NODE_FILE, e, 8);
	for (i = 0; i < n && i < max; i++)
		out[i] = osm_edge__dst(e[i]);
	return n;
}

static const struct osm_node *fd_file(const struct osm_graph *g, pid_t pid,
				      int fd)
{
	return osm_test_fd_file(osm_test_held_by_tid(g, pid, "files"), fd);
}

TEST(inflight_files_hang_off_the_receiving_socket)
{
	const struct osm_node *q, *s0, *f[8], *inode;
	int parents = memfd_create("osm-parents", MFD_CLOEXEC);
	char sock_id[64];
	bool kept = false, gone = false, mine = false;
	struct osm_child c;
	struct osm_graph *g;
	struct flight fl;
	size_t n, i;

	ASSERT_LE(0, parents);
	/* Inherited by the child: no CLOEXEC matters across fork. */
	OSM_START_AND_LOAD(&c, &g, OSM_SPAWN_FORK, 0, flight_child, &parents,
			   &fl, sizeof(fl));
	q = osm_test_mapped_inode(fd_file(g, c.pid, fl.sv[1]));
	s0 = osm_test_mapped_inode(fd_file(g, c.pid, fl.sv[0]));
	ASSERT_NE(NULL, q);
	ASSERT_NE(NULL, s0);
	/* The receiving end is the socket stat(2) names. */
	{
		struct stat st;
		char path[64];

		snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)c.pid,
			 fl.sv[1]);
		ASSERT_EQ(0, stat(path, &st));
		osm_test_inode_id(sock_id, sizeof(sock_id), st.st_dev,
				  st.st_ino);
		EXPECT_STREQ(sock_id, osm_node__id(q));
	}
	EXPECT_EQ(0, inflight(s0, f, 8));	/* nothing queued on the sender */
	n = inflight(q, f, 8);
	EXPECT_EQ(3, n);
	for (i = 0; i < n && i < 8; i++) {
		inode = osm_test_mapped_inode(f[i]);
		ASSERT_NE(NULL, inode);
		/* One open file, one node: the holder's and the queue's. */
		if (f[i] == fd_file(g, getpid(), parents)) {
			mine = true;
			EXPECT_STREQ(fl.parents_id, osm_node__id(inode));
		} else if (f[i] == fd_file(g, c.pid, fl.kept)) {
			kept = true;
			EXPECT_STREQ(fl.kept_id, osm_node__id(inode));
		} else {
			gone = true;
			EXPECT_STREQ(fl.gone_id, osm_node__id(inode));
		}
	}
	EXPECT_TRUE(mine);
	EXPECT_TRUE(kept);
	EXPECT_TRUE(gone);
	osm_graph__free(g);

	/* Received: the same open files, and the queue is empty. */
	ASSERT_EQ(0, osm_child_step(&c, &fl, sizeof(fl))) TH_LOG("%s", c.err);
	EXPECT_EQ(0, fl.same_parents);
	EXPECT_EQ(0, fl.same_kept);
	EXPECT_TRUE(fl.same_gone_ino);
	g = osm_test_load();
	ASSERT_NE(NULL, g);
	q = osm_test_mapped_inode(fd_file(g, c.pid, fl.sv[1]));
	ASSERT_NE(NULL, q);
	EXPECT_EQ(0, inflight(q, f, 8));
	osm_graph__free(g);
	EXPECT_EQ(0, osm_child_finish(&c));
	close(parents);
}

OSM_TEST_MAIN
