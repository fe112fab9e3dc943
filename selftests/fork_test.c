// SPDX-License-Identifier: GPL-2.0-only
/*
 * Processes made by fork(2), clone(2), clone3(2) and execve(2).
 *
 * fork gives the child its own mm, files, fs and sighand, but an fd opened
 * before the fork is one open file reached from both tables; CLONE_FILES
 * and CLONE_FS share those objects instead.  kcmp(2) is the oracle for
 * sharing.  After exec, the regions of the new image are checked line by
 * line against /proc/PID/maps, and a process node's ids against
 * /proc/PID/status.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>
#include <linux/kcmp.h>

#include "kselftest_harness.h"
#include "osm_test_util.h"

/* Setup of the fixtures below: an idle child spawned @how, the graph. */
/*
 * kcmp(2) and the graph agree on the object of @type (@kcmp its kcmp
 * type): if @same, this process and @child share it and hold one node;
 * if not, each has its own, and its own node.
 */
static void check_vs_kcmp(struct __test_metadata *_metadata,
			  const struct osm_graph *g, pid_t child,
			  const char *type, int kcmp, bool same)
{
	pid_t me = getpid();
	int k = osm_test_kcmp(me, child, kcmp, 0, 0);

	if (same) {
		ASSERT_EQ(0, k) TH_LOG("kcmp %s: %m", type);
	} else {
		ASSERT_TRUE(k == 1 || k == 2)
			TH_LOG("kcmp %s says %d: %m", type, k);
	}
	OSM_EXPECT_HELD_SAME(g, me, child, type, same);
}

/* fork: every per-process object is the child's own. */
FIXTURE(forked) {
	struct osm_child c;
	struct osm_graph *g;
};

FIXTURE_VARIANT(forked) {
	const char *type;
	int kcmp;
};

FIXTURE_VARIANT_ADD(forked, mm) { .type = OSM_NODE_MM, .kcmp = KCMP_VM };
FIXTURE_VARIANT_ADD(forked, files) { .type = OSM_NODE_FILES,
				     .kcmp = KCMP_FILES };
FIXTURE_VARIANT_ADD(forked, fs) { .type = OSM_NODE_FS, .kcmp = KCMP_FS };
FIXTURE_VARIANT_ADD(forked, sighand) { .type = OSM_NODE_SIGHAND,
				       .kcmp = KCMP_SIGHAND };

FIXTURE_SETUP(forked)
{
	OSM_START_AND_LOAD(&self->c, &self->g, OSM_SPAWN_FORK, 0,
			   osm_child_idle, NULL, NULL, 0);
}

FIXTURE_TEARDOWN(forked)
{
	osm_graph__free(self->g);
	osm_child_finish(&self->c);
}

TEST_F_TIMEOUT(forked, child_holds_its_own, OSM_TIMEOUT)
{
	check_vs_kcmp(_metadata, self->g, self->c.pid, variant->type,
		      variant->kcmp, false);
}

/* clone(2)/clone3(2) with CLONE_FILES | CLONE_FS. */
FIXTURE(sharer) {
	struct osm_child c;
	struct osm_graph *g;
};

FIXTURE_VARIANT(sharer) {
	enum osm_spawn how;
};

FIXTURE_VARIANT_ADD(sharer, clone) { .how = OSM_SPAWN_CLONE };
FIXTURE_VARIANT_ADD(sharer, clone3) { .how = OSM_SPAWN_CLONE3 };

FIXTURE_SETUP(sharer)
{
	OSM_START_AND_LOAD(&self->c, &self->g, variant->how,
			   CLONE_FILES | CLONE_FS, osm_child_idle, NULL, NULL, 0);
}

FIXTURE_TEARDOWN(sharer)
{
	osm_graph__free(self->g);
	osm_child_finish(&self->c);
}

TEST_F_TIMEOUT(sharer, shares_files_and_fs, OSM_TIMEOUT)
{
	static const struct {
		const char *type;
		int kcmp;
	} shared[] = {
		{ OSM_NODE_FILES, KCMP_FILES },
		{ OSM_NODE_FS, KCMP_FS },
	};
	size_t i;

	for (i = 0; i < sizeof(shared) / sizeof(shared[0]); i++)
		check_vs_kcmp(_metadata, self->g, self->c.pid, shared[i].type,
			      shared[i].kcmp, true);
}

TEST_F_TIMEOUT(sharer, keeps_own_mm_and_sighand, OSM_TIMEOUT)
{
	static const struct {
		const char *type;
		int kcmp;
	} own[] = {
		{ OSM_NODE_MM, KCMP_VM },
		{ OSM_NODE_SIGHAND, KCMP_SIGHAND },
	};
	size_t i;

	for (i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		check_vs_kcmp(_metadata, self->g, self->c.pid, own[i].type,
			      own[i].kcmp, false);
}

/* Tests with a scenario of their own. */
FIXTURE(proc) {
	struct osm_child c;
	struct osm_graph *g;
	struct osm_test_vma *maps, *vmas;
};

FIXTURE_SETUP(proc)
{
}

FIXTURE_TEARDOWN(proc)
{
	osm_graph__free(self->g);
	if (self->c.pid > 0)
		osm_child_finish(&self->c);
	free(self->maps);
	free(self->vmas);
}

/* An fd opened before fork: one open file, reached from both tables. */
TEST_F_TIMEOUT(proc, inherited_fd_is_one_file, OSM_TIMEOUT)
{
	const struct osm_node *pfiles, *cfiles, *pf, *cf;
	pid_t me = getpid();
	int fd;

	fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("%m");
	ASSERT_EQ(0, osm_child_start(&self->c, OSM_SPAWN_FORK, 0,
				     osm_child_idle, NULL, NULL, 0))
		TH_LOG("%m: %s", self->c.err);
	ASSERT_EQ(0, osm_test_kcmp(me, self->c.pid, KCMP_FILE, fd, fd))
		TH_LOG("kcmp FILE: %m");
	self->g = osm_test_load();
	ASSERT_NE(NULL, self->g) TH_LOG("load: %m");

	pfiles = osm_test_held_by_tid(self->g, me, OSM_NODE_FILES);
	cfiles = osm_test_held_by_tid(self->g, self->c.pid, OSM_NODE_FILES);
	ASSERT_NE(NULL, pfiles);
	ASSERT_NE(NULL, cfiles);
	ASSERT_NE(pfiles, cfiles);
	pf = osm_test_fd_file(pfiles, fd);
	cf = osm_test_fd_file(cfiles, fd);
	ASSERT_NE(NULL, pf) TH_LOG("%s has no map fd=%d", osm_node__id(pfiles),
				   fd);
	ASSERT_NE(NULL, cf) TH_LOG("%s has no map fd=%d", osm_node__id(cfiles),
				   fd);
	EXPECT_STREQ(osm_node__id(pf), osm_node__id(cf));
	close(fd);
}

static void log_vma(struct __test_metadata *_metadata, const char *what,
		    const struct osm_test_vma *v)
{
	TH_LOG("%s %llx-%llx %s %llx %u:%u %llu", what, v->start, v->end,
	       v->perm, v->pgoff, v->major, v->minor, v->ino);
}

static bool vma_equal(const struct osm_test_vma *a,
		      const struct osm_test_vma *b)
{
	return a->start == b->start && a->end == b->end &&
	       !strcmp(a->perm, b->perm) && a->pgoff == b->pgoff &&
	       a->major == b->major && a->minor == b->minor &&
	       a->ino == b->ino;
}

/* After exec, the graph shows exactly the regions /proc/PID/maps does. */
TEST_F_TIMEOUT(proc, exec_vmas_match_proc_maps, OSM_TIMEOUT)
{
	const struct osm_node *mm;
	unsigned long long nvmas;
	int nmaps, ngraph, i;

	ASSERT_EQ(0, osm_child_start_exec(&self->c))
		TH_LOG("%m: %s", self->c.err);
	nmaps = osm_test_read_maps(self->c.pid, &self->maps);
	ASSERT_LT(0, nmaps) TH_LOG("/proc/%d/maps: %m", self->c.pid);
	self->g = osm_test_load();
	ASSERT_NE(NULL, self->g) TH_LOG("load: %m");

	mm = osm_test_held_by_tid(self->g, self->c.pid, OSM_NODE_MM);
	ASSERT_NE(NULL, mm) TH_LOG("thread:%d holds no single mm",
				   self->c.pid);
	ngraph = osm_test_graph_vmas(mm, &self->vmas);
	ASSERT_LE(0, ngraph) TH_LOG("vmas of %s: %m", osm_node__id(mm));
	osm_test_sort_vmas(self->maps, nmaps);
	osm_test_sort_vmas(self->vmas, ngraph);
	for (i = 0; i < nmaps && i < ngraph; i++) {
		if (vma_equal(&self->maps[i], &self->vmas[i]))
			continue;
		log_vma(_metadata, "maps ", &self->maps[i]);
		log_vma(_metadata, "graph", &self->vmas[i]);
		ASSERT_TRUE(false) TH_LOG("region %d differs", i);
	}
	ASSERT_EQ(nmaps, ngraph) TH_LOG("maps has %d regions, graph %d",
					nmaps, ngraph);
	ASSERT_TRUE(osm_test_attr_ull(mm, "vmas", &nvmas));
	EXPECT_EQ((unsigned long long)nmaps, nvmas);
}

/*
 * Every region is a subset of that process's mm only, and a file-backed
 * one maps the inode named by its maps line; anonymous ones map none.
 */
TEST_F_TIMEOUT(proc, exec_vmas_subset_mm_and_map_inodes, OSM_TIMEOUT)
{
	const struct osm_node *mm, *vn, *ino;
	const struct osm_edge **in;
	char prefix[128], want[96];
	size_t n, i;
	int nmaps, j;

	ASSERT_EQ(0, osm_child_start_exec(&self->c))
		TH_LOG("%m: %s", self->c.err);
	nmaps = osm_test_read_maps(self->c.pid, &self->maps);
	ASSERT_LT(0, nmaps) TH_LOG("/proc/%d/maps: %m", self->c.pid);
	self->g = osm_test_load();
	ASSERT_NE(NULL, self->g) TH_LOG("load: %m");
	mm = osm_test_held_by_tid(self->g, self->c.pid, OSM_NODE_MM);
	ASSERT_NE(NULL, mm);
	snprintf(prefix, sizeof(prefix), OSM_NODE_VMA ":%s:",
		 osm_test_token(mm));

	n = osm_test_in(mm, OSM_EDGE_SUBSET, OSM_NODE_VMA, NULL, 0);
	ASSERT_LT(0, n);
	in = calloc(n, sizeof(*in));
	ASSERT_NE(NULL, in);
	osm_test_in(mm, OSM_EDGE_SUBSET, OSM_NODE_VMA, in, n);
	for (i = 0; i < n; i++) {
		unsigned long long start;

		vn = osm_edge__src(in[i]);
		EXPECT_EQ(0, strncmp(osm_node__id(vn), prefix, strlen(prefix)))
			TH_LOG("%s not under %s", osm_node__id(vn), prefix);
		EXPECT_EQ(1, osm_test_out(vn, OSM_EDGE_SUBSET, NULL, NULL, 0))
			TH_LOG("%s", osm_node__id(vn));
		ASSERT_TRUE(osm_test_attr_ull(vn, "start", &start));
		for (j = 0; j < nmaps; j++)
			if (self->maps[j].start == start)
				break;
		ASSERT_LT(j, nmaps) TH_LOG("%s not in maps", osm_node__id(vn));
		ino = osm_test_mapped_inode(vn);
		if (!self->maps[j].ino) {
			EXPECT_EQ(0, osm_test_out(vn, OSM_EDGE_MAP,
						  OSM_NODE_INODE, NULL, 0))
				TH_LOG("anonymous %s maps an inode",
				       osm_node__id(vn));
			continue;
		}
		snprintf(want, sizeof(want), OSM_NODE_INODE ":%u:%u:%llu",
			 self->maps[j].major, self->maps[j].minor,
			 self->maps[j].ino);
		ASSERT_NE(NULL, ino) TH_LOG("%s maps no single inode, want %s",
					    osm_node__id(vn), want);
		EXPECT_STREQ(want, osm_node__id(ino));
	}
	free(in);
}

static int become_attr_child(int sock, void *arg)
{
	(void)arg;
	if (prctl(PR_SET_NAME, "osm-attrs"))
		osm_child_fail(sock, "PR_SET_NAME: %m");
	if (setresgid(2000, 2001, 2002) || setresuid(1000, 1001, 1002))
		osm_child_fail(sock, "setres[ug]id: %m");
	return osm_child_ready(sock, NULL, 0) ? 1 : 0;
}

/* A process node's ids are those of /proc/PID/status. */
TEST_F_TIMEOUT(proc, process_attrs_match_status, OSM_TIMEOUT)
{
	unsigned int ruid, euid, rgid, egid;
	char uid[96], gid[96], ppid[32], name[32];
	const struct osm_node *p;
	unsigned long long v;
	pid_t pid;

	ASSERT_EQ(0, osm_child_start(&self->c, OSM_SPAWN_FORK, 0,
				     become_attr_child, NULL, NULL, 0))
		TH_LOG("%m: %s", self->c.err);
	pid = self->c.pid;
	ASSERT_EQ(0, osm_test_status_field(pid, "Uid", uid, sizeof(uid)));
	ASSERT_EQ(0, osm_test_status_field(pid, "Gid", gid, sizeof(gid)));
	ASSERT_EQ(0, osm_test_status_field(pid, "PPid", ppid, sizeof(ppid)));
	ASSERT_EQ(0, osm_test_status_field(pid, "Name", name, sizeof(name)));
	ASSERT_EQ(2, sscanf(uid, "%u %u", &ruid, &euid));
	ASSERT_EQ(2, sscanf(gid, "%u %u", &rgid, &egid));
	self->g = osm_test_load();
	ASSERT_NE(NULL, self->g) TH_LOG("load: %m");

	p = osm_test_process(self->g, pid);
	ASSERT_NE(NULL, p) TH_LOG("no process:%d", pid);
	ASSERT_TRUE(osm_test_attr_ull(p, "pid", &v));
	EXPECT_EQ((unsigned long long)pid, v);
	ASSERT_TRUE(osm_test_attr_ull(p, "ppid", &v));
	EXPECT_EQ(strtoull(ppid, NULL, 10), v);
	EXPECT_EQ((unsigned long long)getpid(), v);
	ASSERT_TRUE(osm_test_attr_ull(p, "uid", &v));
	EXPECT_EQ(ruid, v);
	ASSERT_TRUE(osm_test_attr_ull(p, "euid", &v));
	EXPECT_EQ(euid, v);
	ASSERT_TRUE(osm_test_attr_ull(p, "gid", &v));
	EXPECT_EQ(rgid, v);
	ASSERT_TRUE(osm_test_attr_ull(p, "egid", &v));
	EXPECT_EQ(egid, v);
	ASSERT_NE(NULL, osm_node__attr(p, "comm"));
	EXPECT_STREQ(name, osm_node__attr(p, "comm"));
}

OSM_TEST_MAIN
