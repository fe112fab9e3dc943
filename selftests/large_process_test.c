// SPDX-License-Identifier: GPL-2.0-only
/*
 * A process too large for one chunk of the walk.  The module hands out
 * the graph in chunks of about 128 KiB and renders regions and
 * descriptors in pieces that resume across read(2) calls; a child with
 * thousands of regions and descriptors makes it resume many times inside
 * one mm and one file table.  The oracles are /proc/PID/maps and
 * /proc/PID/fd: nothing may be lost or repeated at the seams.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "osm_test_util.h"

#define NR_REGIONS	6000	/* ~750 KiB of vma records */
#define NR_FDS		2500	/* ~350 KiB of file records */

/* Many small regions (alternate pages differ in protection) and fds. */
static int big_child(int sock, void *arg)
{
	(void)arg;
	if (osm_child_grow(NR_REGIONS, NR_FDS))
		osm_child_fail(sock, "growing: %m");
	return osm_child_ready(sock, NULL, 0);
}

FIXTURE(big) {
	struct osm_child c;
	struct osm_graph *g;
};

FIXTURE_SETUP(big)
{
	OSM_START_AND_LOAD(&self->c, &self->g, OSM_SPAWN_FORK, 0, big_child,
			   NULL, NULL, 0);
}

FIXTURE_TEARDOWN(big)
{
	osm_graph__free(self->g);
	osm_child_finish(&self->c);
}

/* Every region of /proc/PID/maps, once, with its fields; none extra. */
TEST_F_TIMEOUT(big, regions_match_maps_across_chunks, 240)
{
	struct osm_test_vma *want = NULL, *got = NULL;
	const struct osm_node *mm;
	int nwant, ngot, i;

	mm = osm_test_held_by_tid(self->g, self->c.pid, OSM_NODE_MM);
	ASSERT_NE(NULL, mm);
	nwant = osm_test_read_maps(self->c.pid, &want);
	ASSERT_LT(NR_REGIONS, nwant) TH_LOG("maps: %m");
	ngot = osm_test_graph_vmas(mm, &got);
	ASSERT_EQ(nwant, ngot);
	osm_test_sort_vmas(want, nwant);
	osm_test_sort_vmas(got, ngot);
	for (i = 0; i < nwant; i++) {
		EXPECT_EQ(want[i].start, got[i].start) TH_LOG("region %d", i);
		EXPECT_EQ(want[i].end, got[i].end) TH_LOG("region %d", i);
		EXPECT_STREQ(want[i].perm, got[i].perm) TH_LOG("region %d", i);
	}
	free(want);
	free(got);
}

/* Every descriptor of /proc/PID/fd maps a file node; the count agrees. */
TEST_F_TIMEOUT(big, descriptors_match_proc_fd_across_chunks, 240)
{
	const struct osm_node *table;
	int *fds, nproc, i, missing = 0;

	table = osm_test_held_by_tid(self->g, self->c.pid, OSM_NODE_FILES);
	ASSERT_NE(NULL, table);
	nproc = osm_test_proc_fds(self->c.pid, &fds);
	ASSERT_LT(NR_FDS, nproc) TH_LOG("/proc/%d/fd: %m", self->c.pid);
	for (i = 0; i < nproc; i++)
		if (!osm_test_fd_file(table, fds[i]))
			missing++;
	free(fds);
	EXPECT_EQ(0, missing);
	EXPECT_EQ((size_t)nproc, osm_test_out(table, OSM_EDGE_MAP,
					      OSM_NODE_FILE, NULL, 0));
}

/* Chunk seams do not break the grammar, read in odd-sized pieces. */
TEST_F_TIMEOUT(big, stream_well_formed_in_small_reads, 240)
{
	struct osm_text_info info;
	char err[256];
	size_t len;
	char *buf;

	buf = osm_test_read_device(4093, &len);
	ASSERT_NE(NULL, buf) TH_LOG("read: %m");
	EXPECT_EQ(0, osm_test_check_text(buf, len, &info, err, sizeof(err)))
		TH_LOG("%s", err);
	/* The dup()s share one file node; each still has its map edge. */
	EXPECT_LT(NR_REGIONS, info.nodes);
	EXPECT_LT(NR_REGIONS + NR_FDS, info.edges);
	free(buf);
}

OSM_TEST_MAIN
