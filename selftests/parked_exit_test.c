// SPDX-License-Identifier: GPL-2.0-only
/*
 * The thread whose address space or descriptor table the walk is
 * rendering exits while the reader is parked, and its sibling thread
 * still holds both.  The rest must still be rendered, as one node: the
 * regions of the mm are those /proc/SIBLING/maps lists, the descriptors
 * of the table those /proc/SIBLING/fd lists, and the sibling holds the
 * same mm and files nodes as the thread that exited.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "osm_test_util.h"

#define NR_REGIONS	4000	/* several chunks of vma records */
#define NR_FDS		4000	/* two chunks of map records */

struct leader {
	int go[2];		/* the parent writes [1]: the leader exits */
	int sock;
};

/* The sibling reports its tid and outlives the leader; exit ends all. */
static void *sibling_main(void *arg)
{
	struct leader *l = arg;
	pid_t tid = syscall(SYS_gettid);

	osm_child_ready(l->sock, &tid, sizeof(tid));
	_exit(0);
}

/* Child: many regions and descriptors, a sibling; the leader exits. */
static int leader_child(int sock, void *arg)
{
	struct leader *l = arg;
	pthread_t th;
	char c;

	close(l->go[1]);
	if (osm_child_grow(NR_REGIONS, NR_FDS))
		osm_child_fail(sock, "growing: %m");
	l->sock = sock;
	if (pthread_create(&th, NULL, sibling_main, l))
		osm_child_fail(sock, "pthread_create failed");
	while (read(l->go[0], &c, 1) < 0 && errno == EINTR)
		;
	syscall(SYS_exit, 0);	/* this thread only */
	return 1;
}

/* Is thread @tid of @pid a zombie (exited, not yet reaped)? */
static bool thread_exited(pid_t pid, pid_t tid)
{
	char path[64], buf[256], *s;
	FILE *f;
	bool z = false;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", (int)pid,
		 (int)tid);
	f = fopen(path, "re");
	if (!f)
		return true;
	if (fgets(buf, sizeof(buf), f) && (s = strrchr(buf, ')')))
		z = s[2] == 'Z' || s[2] == 'X';
	fclose(f);
	return z;
}

FIXTURE(leader) {
	struct leader l;
	struct osm_child c;
	pid_t sibling;
	int fd;
	char *buf;
	size_t len;
	struct osm_graph *g;
};

FIXTURE_SETUP(leader)
{
	self->fd = -1;
	ASSERT_EQ(0, pipe(self->l.go));
	ASSERT_EQ(0, osm_child_start(&self->c, OSM_SPAWN_FORK, 0, leader_child,
				     &self->l, &self->sibling,
				     sizeof(self->sibling)))
		TH_LOG("%m: %s", self->c.err);
	close(self->l.go[0]);
}

FIXTURE_TEARDOWN(leader)
{
	close(self->l.go[1]);
	if (self->fd >= 0)
		close(self->fd);
	free(self->buf);
	osm_graph__free(self->g);
	osm_child_finish(&self->c);
}

/*
 * Read chunks until the leader's node is out and its @what (the "mm" or
 * "files" node) has begun but its hold edge has not; then make the
 * leader exit, wait for it, and read the rest.
 */
static void park_and_exit(struct __test_metadata *_metadata,
			  FIXTURE_DATA(leader) *self, const char *what)
{
	pid_t pid = self->c.pid;
	const char *node;
	int tries;
	ssize_t n;

	self->fd = open(osm_test_device(), O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	for (;;) {
		n = osm_test_read_chunk(self->fd, &self->buf, &self->len);
		ASSERT_LT(0, n) TH_LOG("the walk ended before it parked");
		if (!osm_test_text_lines(self->buf, self->len, &node,
					 "node thread:%d ", pid))
			continue;
		if (osm_test_text_lines(self->buf, self->len, NULL,
					"edge thread:%d hold %s:", pid, what))
			SKIP(return, "the walk finished %s in one chunk", what);
		if (strstr(node, !strcmp(what, "mm") ? "\nnode vma:" :
						       "\nedge files:"))
			break;
	}
	ASSERT_EQ(1, write(self->l.go[1], "x", 1));
	for (tries = 0; tries < 500 && !thread_exited(pid, pid); tries++)
		usleep(10000);
	ASSERT_TRUE(thread_exited(pid, pid)) TH_LOG("the leader lives on");
	do
		n = osm_test_read_chunk(self->fd, &self->buf, &self->len);
	while (n > 0);
	ASSERT_EQ(0, n) TH_LOG("read: %m");
	self->g = osm_graph__parse(self->buf, self->len);
	ASSERT_NE(NULL, self->g) TH_LOG("parse: %m");
}

TEST_F_TIMEOUT(leader, mm_rendered_to_the_end, 120)
{
	struct osm_test_vma *got = NULL, *want = NULL;
	const struct osm_node *mm;
	int ngot, nwant, i;

	park_and_exit(_metadata, self, "mm");
	if (!self->g)
		return;		/* skipped */
	mm = osm_test_held_by_tid(self->g, self->c.pid, "mm");
	ASSERT_NE(NULL, mm);
	EXPECT_EQ(mm, osm_test_held_by_tid(self->g, self->sibling, "mm"))
		TH_LOG("the sibling holds another node for the same mm");
	ngot = osm_test_graph_vmas(mm, &got);
	nwant = osm_test_read_maps(self->sibling, &want);
	ASSERT_LE(0, ngot);
	ASSERT_LE(0, nwant);
	osm_test_sort_vmas(got, ngot);
	osm_test_sort_vmas(want, nwant);
	EXPECT_EQ(nwant, ngot);
	for (i = 0; i < ngot && i < nwant; i++) {
		EXPECT_EQ(want[i].start, got[i].start);
		EXPECT_EQ(want[i].end, got[i].end);
		if (want[i].start != got[i].start)
			break;
	}
	free(got);
	free(want);
}

TEST_F_TIMEOUT(leader, files_rendered_to_the_end, 120)
{
	const struct osm_node *files;
	int *fds = NULL, n, i;

	park_and_exit(_metadata, self, "files");
	if (!self->g)
		return;		/* skipped */
	files = osm_test_held_by_tid(self->g, self->c.pid, "files");
	ASSERT_NE(NULL, files);
	EXPECT_EQ(files, osm_test_held_by_tid(self->g, self->sibling, "files"))
		TH_LOG("the sibling holds another node for the same table");
	n = osm_test_proc_fds(self->sibling, &fds);
	ASSERT_LT(NR_FDS, n);
	EXPECT_EQ((size_t)n, osm_test_out(files, "map", NULL, NULL, 0));
	for (i = 0; i < n; i++)
		EXPECT_NE(NULL, osm_test_fd_file(files, fds[i]))
			TH_LOG("fd %d is missing", fds[i]);
	free(fds);
}

OSM_TEST_MAIN
