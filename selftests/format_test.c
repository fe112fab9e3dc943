// SPDX-License-Identifier: GPL-2.0-only
/*
 * The raw text read(2) returns, checked against uapi/graph-format.md by a
 * parser of this file's own (osm_test_check_text()), not by libosm: the
 * header, the grammar and charset of every line, unique node ids, edges
 * after their endpoints, exact end counts, no kernel addresses, and the
 * file semantics of the device (any read size, EOF, one walk per open).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "osm_test_util.h"

FIXTURE(chunk) {
	char *buf;
	size_t len;
};

/* read(2) sizes: byte by byte, odd, a page. */
FIXTURE_VARIANT(chunk) {
	size_t size;
};

FIXTURE_VARIANT_ADD(chunk, read1) { .size = 1 };
FIXTURE_VARIANT_ADD(chunk, read7) { .size = 7 };
FIXTURE_VARIANT_ADD(chunk, read4096) { .size = 4096 };

FIXTURE_SETUP(chunk)
{
	self->buf = osm_test_read_device(variant->size, &self->len);
	ASSERT_NE(NULL, self->buf)
		TH_LOG("read %s in %zu-byte reads: %m", osm_test_device(),
		       variant->size);
}

FIXTURE_TEARDOWN(chunk)
{
	free(self->buf);
}

TEST_F_TIMEOUT(chunk, stream_is_well_formed, 240)
{
	struct osm_text_info info;
	char err[512];

	EXPECT_EQ(0, osm_test_check_text(self->buf, self->len, &info, err,
					 sizeof(err)))
		TH_LOG("%zu bytes in %zu-byte reads: %s", self->len,
		       variant->size, err);
}

TEST_F_TIMEOUT(chunk, first_line_names_format, 240)
{
	static const char magic[] = OSM_GRAPH_MAGIC " 1.";
	const char *p = self->buf + strlen(magic);

	ASSERT_EQ(0, strncmp(self->buf, magic, strlen(magic)))
		TH_LOG("first line '%.40s'", self->buf);
	ASSERT_TRUE(*p >= '0' && *p <= '9');
	while (*p >= '0' && *p <= '9')
		p++;
	EXPECT_TRUE(*p == ' ' || *p == '\n') TH_LOG("'%.40s'", self->buf);
}

TEST_F_TIMEOUT(chunk, last_line_counts_records, 240)
{
	size_t nodes = 0, edges = 0, off = 0, lastoff = 0;
	char want[80];

	ASSERT_LT(0, self->len);
	ASSERT_EQ('\n', self->buf[self->len - 1]);
	while (off < self->len) {
		char *nl = memchr(self->buf + off, '\n', self->len - off);

		if (!strncmp(self->buf + off, "node ", 5))
			nodes++;
		else if (!strncmp(self->buf + off, "edge ", 5))
			edges++;
		lastoff = off;
		off = nl - self->buf + 1;
	}
	snprintf(want, sizeof(want), "end nodes=%zu edges=%zu\n", nodes,
		 edges);
	EXPECT_STREQ(want, self->buf + lastoff);
}

FIXTURE(fmt) {
	int unused;
};

FIXTURE_SETUP(fmt)
{
}

FIXTURE_TEARDOWN(fmt)
{
}

/* The header's pid_ns is the reader's: stat(/proc/self/ns/pid). */
TEST_F_TIMEOUT(fmt, header_pid_ns_is_readers, OSM_TIMEOUT)
{
	unsigned long long want = osm_test_ns_ino(getpid(), "pid");
	struct osm_text_info info;
	char err[512], *buf;
	size_t len;

	ASSERT_NE(0, want) TH_LOG("stat /proc/self/ns/pid: %m");
	buf = osm_test_read_device(65536, &len);
	ASSERT_NE(NULL, buf) TH_LOG("%m");
	ASSERT_EQ(0, osm_test_check_text(buf, len, &info, err, sizeof(err)))
		TH_LOG("%s", err);
	EXPECT_EQ(want, info.pid_ns);
	free(buf);
}

TEST_F_TIMEOUT(fmt, no_kernel_addresses, OSM_TIMEOUT)
{
	char err[512], *buf;
	size_t len;

	buf = osm_test_read_device(65536, &len);
	ASSERT_NE(NULL, buf) TH_LOG("%m");
	EXPECT_EQ(0, osm_test_check_leaks(buf, len, err, sizeof(err)))
		TH_LOG("%s", err);
	free(buf);
}

TEST_F_TIMEOUT(fmt, library_parses_stream, OSM_TIMEOUT)
{
	struct osm_text_info info;
	struct osm_graph *g;
	char err[512], *buf;
	size_t len;

	buf = osm_test_read_device(65536, &len);
	ASSERT_NE(NULL, buf) TH_LOG("%m");
	ASSERT_EQ(0, osm_test_check_text(buf, len, &info, err, sizeof(err)))
		TH_LOG("%s", err);
	g = osm_graph__parse(buf, len);
	ASSERT_NE(NULL, g) TH_LOG("osm_graph__parse: %m");
	EXPECT_EQ(info.nodes, osm_graph__node_count(g));
	EXPECT_EQ(info.edges, osm_graph__edge_count(g));
	EXPECT_EQ(info.major, osm_graph__major(g));
	EXPECT_EQ(info.minor, osm_graph__minor(g));
	osm_graph__free(g);
	free(buf);
}

/*
 * One epoch per module load: two opens agree, and so do hashed ids of an
 * object that did not change in between (this process's address space).
 */
TEST_F_TIMEOUT(fmt, epoch_and_hashes_stable_across_opens, OSM_TIMEOUT)
{
	const struct osm_node *mm1, *mm2;
	struct osm_graph *g1, *g2;
	const char *e1, *e2;

	g1 = osm_test_load();
	ASSERT_NE(NULL, g1) TH_LOG("load: %m");
	g2 = osm_test_load();
	ASSERT_NE(NULL, g2) TH_LOG("load: %m");
	e1 = osm_graph__header_attr(g1, "epoch");
	e2 = osm_graph__header_attr(g2, "epoch");
	ASSERT_NE(NULL, e1);
	ASSERT_NE(NULL, e2);
	EXPECT_STREQ(e1, e2);
	mm1 = osm_test_held_by_tid(g1, osm_test_gettid(), OSM_NODE_MM);
	mm2 = osm_test_held_by_tid(g2, osm_test_gettid(), OSM_NODE_MM);
	ASSERT_NE(NULL, mm1);
	ASSERT_NE(NULL, mm2);
	EXPECT_STREQ(osm_node__id(mm1), osm_node__id(mm2));
	osm_graph__free(g1);
	osm_graph__free(g2);
}

TEST_F_TIMEOUT(fmt, read_after_end_returns_zero, OSM_TIMEOUT)
{
	char *buf, c;
	size_t len;
	int fd;

	fd = open(osm_test_device(), O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("%m");
	buf = osm_test_read_fd(fd, 65536, &len);
	ASSERT_NE(NULL, buf) TH_LOG("%m");
	EXPECT_EQ(0, read(fd, &c, 1));
	EXPECT_EQ(0, read(fd, &c, 1));
	free(buf);
	close(fd);
}

/* Each open is its own walk: interleaved reads don't mix. */
TEST_F_TIMEOUT(fmt, interleaved_opens_are_independent, OSM_TIMEOUT)
{
	char head[100], err[512], *rest, *b2, *b1;
	size_t rlen, len2;
	int fd1, fd2;
	ssize_t n;

	fd1 = open(osm_test_device(), O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd1) TH_LOG("%m");
	n = read(fd1, head, sizeof(head));
	ASSERT_LT(0, n) TH_LOG("%m");
	fd2 = open(osm_test_device(), O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd2) TH_LOG("%m");
	b2 = osm_test_read_fd(fd2, 4096, &len2);
	ASSERT_NE(NULL, b2) TH_LOG("%m");
	rest = osm_test_read_fd(fd1, 4096, &rlen);
	ASSERT_NE(NULL, rest) TH_LOG("%m");
	b1 = malloc(n + rlen + 1);
	ASSERT_NE(NULL, b1);
	memcpy(b1, head, n);
	memcpy(b1 + n, rest, rlen);
	EXPECT_EQ(0, osm_test_check_text(b1, n + rlen, NULL, err, sizeof(err)))
		TH_LOG("first open: %s", err);
	EXPECT_EQ(0, osm_test_check_text(b2, len2, NULL, err, sizeof(err)))
		TH_LOG("second open: %s", err);
	free(b1);
	free(b2);
	free(rest);
	close(fd1);
	close(fd2);
}

OSM_TEST_MAIN
