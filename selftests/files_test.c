// SPDX-License-Identifier: GPL-2.0-only
/*
 * Descriptor tables, open files and inodes.
 *
 * A dup()ed fd is one open file (kcmp KCMP_FILE == 0), two open()s are
 * two open files of one inode (fstat(2) names it), a pipe's ends are two
 * open files of one inode even from two processes, and a file node's
 * mode, flags and pos are those of /proc/PID/fdinfo.  A child's whole fd
 * table is checked against /proc/PID/fd.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/kcmp.h>

#include "kselftest_harness.h"
#include "osm_test_util.h"

FIXTURE(files) {
	struct osm_child c;
	struct osm_graph *g;
	const struct osm_node *table;	/* this process's files node */
};

FIXTURE_SETUP(files)
{
}

FIXTURE_TEARDOWN(files)
{
	osm_graph__free(self->g);
	if (self->c.pid > 0)
		osm_child_finish(&self->c);
}

/* Load the graph; find the fd table this thread holds. */
static const struct osm_node *load_table(struct osm_graph **g, pid_t tid)
{
	*g = osm_test_load();
	if (!*g)
		return NULL;
	return osm_test_held_by_tid(*g, tid, OSM_NODE_FILES);
}

TEST_F_TIMEOUT(files, dup_is_one_file, OSM_TIMEOUT)
{
	const struct osm_node *f1, *f2;
	pid_t me = getpid();
	int fd1, fd2;

	fd1 = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd1) TH_LOG("%m");
	fd2 = dup(fd1);
	ASSERT_LE(0, fd2) TH_LOG("%m");
	ASSERT_EQ(0, osm_test_kcmp(me, me, KCMP_FILE, fd1, fd2))
		TH_LOG("kcmp: %m");
	self->table = load_table(&self->g, osm_test_gettid());
	ASSERT_NE(NULL, self->table) TH_LOG("%m");

	f1 = osm_test_fd_file(self->table, fd1);
	f2 = osm_test_fd_file(self->table, fd2);
	ASSERT_NE(NULL, f1) TH_LOG("no map fd=%d", fd1);
	ASSERT_NE(NULL, f2) TH_LOG("no map fd=%d", fd2);
	EXPECT_STREQ(osm_node__id(f1), osm_node__id(f2));
	close(fd1);
	close(fd2);
}

TEST_F_TIMEOUT(files, two_opens_are_two_files_of_one_inode, OSM_TIMEOUT)
{
	const struct osm_node *f1, *f2, *i1, *i2;
	pid_t me = getpid();
	char want[96];
	unsigned long long v;
	struct stat st;
	int fd1, fd2, k;

	fd1 = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd1) TH_LOG("%m");
	fd2 = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd2) TH_LOG("%m");
	k = osm_test_kcmp(me, me, KCMP_FILE, fd1, fd2);
	ASSERT_TRUE(k == 1 || k == 2) TH_LOG("kcmp says %d: %m", k);
	ASSERT_EQ(0, fstat(fd1, &st));
	osm_test_inode_id(want, sizeof(want), st.st_dev, st.st_ino);
	self->table = load_table(&self->g, osm_test_gettid());
	ASSERT_NE(NULL, self->table) TH_LOG("%m");

	f1 = osm_test_fd_file(self->table, fd1);
	f2 = osm_test_fd_file(self->table, fd2);
	ASSERT_NE(NULL, f1);
	ASSERT_NE(NULL, f2);
	EXPECT_STRNE(osm_node__id(f1), osm_node__id(f2));
	i1 = osm_test_mapped_inode(f1);
	i2 = osm_test_mapped_inode(f2);
	ASSERT_NE(NULL, i1) TH_LOG("%s maps no single inode", osm_node__id(f1));
	ASSERT_NE(NULL, i2) TH_LOG("%s maps no single inode", osm_node__id(f2));
	EXPECT_STREQ(want, osm_node__id(i1));
	EXPECT_STREQ(want, osm_node__id(i2));
	ASSERT_TRUE(osm_test_attr_ull(i1, "ino", &v));
	EXPECT_EQ((unsigned long long)st.st_ino, v);
	EXPECT_STREQ("reg", osm_node__attr(i1, "ftype") ?: "(none)");
	close(fd1);
	close(fd2);
}

static int keep_read_end(int sock, void *arg)
{
	int *p = arg;

	close(p[1]);
	return osm_child_ready(sock, NULL, 0) ? 1 : 0;
}

/* Does some descriptor of the table @files map the file node @file? */
static bool table_reaches(const struct osm_node *files,
			  const struct osm_node *file)
{
	size_t i;

	for (i = 0; i < osm_node__out_count(files); i++)
		if (osm_edge__dst(osm_node__out(files, i)) == file)
			return true;
	return false;
}

/* Parent holds the write end, child the read end: one pipe inode. */
TEST_F_TIMEOUT(files, pipe_ends_share_inode_across_processes, OSM_TIMEOUT)
{
	const struct osm_node *ctable, *wf, *rf;
	struct stat rst, wst;
	char want[96];
	int p[2], k;

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	ASSERT_EQ(0, fstat(p[0], &rst));
	ASSERT_EQ(0, fstat(p[1], &wst));
	ASSERT_EQ(rst.st_ino, wst.st_ino);
	ASSERT_EQ(rst.st_dev, wst.st_dev);
	osm_test_inode_id(want, sizeof(want), wst.st_dev, wst.st_ino);
	ASSERT_EQ(0, osm_child_start(&self->c, OSM_SPAWN_FORK, 0,
				     keep_read_end, p, NULL, 0))
		TH_LOG("%m: %s", self->c.err);
	close(p[0]);
	k = osm_test_kcmp(getpid(), self->c.pid, KCMP_FILE, p[1], p[0]);
	ASSERT_TRUE(k == 1 || k == 2) TH_LOG("kcmp says %d: %m", k);
	self->table = load_table(&self->g, osm_test_gettid());
	ASSERT_NE(NULL, self->table) TH_LOG("%m");
	ctable = osm_test_held_by_tid(self->g, self->c.pid, OSM_NODE_FILES);
	ASSERT_NE(NULL, ctable);

	wf = osm_test_fd_file(self->table, p[1]);
	rf = osm_test_fd_file(ctable, p[0]);
	ASSERT_NE(NULL, wf) TH_LOG("parent: no map fd=%d", p[1]);
	ASSERT_NE(NULL, rf) TH_LOG("child: no map fd=%d", p[0]);
	/* Each table reaches only its own end (fd numbers get reused). */
	EXPECT_FALSE(table_reaches(self->table, rf));
	EXPECT_FALSE(table_reaches(ctable, wf));
	EXPECT_STRNE(osm_node__id(wf), osm_node__id(rf));
	ASSERT_NE(NULL, osm_test_mapped_inode(wf));
	ASSERT_NE(NULL, osm_test_mapped_inode(rf));
	EXPECT_STREQ(want, osm_node__id(osm_test_mapped_inode(wf)));
	EXPECT_STREQ(want, osm_node__id(osm_test_mapped_inode(rf)));
	EXPECT_STREQ("w", osm_node__attr(wf, "mode") ?: "(none)");
	EXPECT_STREQ("r", osm_node__attr(rf, "mode") ?: "(none)");
	EXPECT_STREQ("fifo", osm_node__attr(osm_test_mapped_inode(wf),
					    "ftype") ?: "(none)");
	close(p[1]);
}

TEST_F_TIMEOUT(files, socketpair_ends_are_sock_inodes, OSM_TIMEOUT)
{
	const struct osm_node *f, *ino;
	char want[2][96];
	int sv[2], i;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, osm_test_fd_inode_id(sv[i], want[i],
						  sizeof(want[i])));
	ASSERT_STRNE(want[0], want[1]);
	self->table = load_table(&self->g, osm_test_gettid());
	ASSERT_NE(NULL, self->table) TH_LOG("%m");
	for (i = 0; i < 2; i++) {
		f = osm_test_fd_file(self->table, sv[i]);
		ASSERT_NE(NULL, f) TH_LOG("no map fd=%d", sv[i]);
		ino = osm_test_mapped_inode(f);
		ASSERT_NE(NULL, ino) TH_LOG("%s maps no inode", osm_node__id(f));
		EXPECT_STREQ(want[i], osm_node__id(ino));
		EXPECT_STREQ("sock", osm_node__attr(ino, "ftype") ?: "(none)");
		EXPECT_STREQ("sock", osm_node__attr(f, "ftype") ?: "(none)");
	}
	close(sv[0]);
	close(sv[1]);
}

/* Open modes: the file node's mode, flags and pos against fdinfo. */
FIXTURE(mode) {
	struct osm_graph *g;
	const struct osm_node *file;
	int memfd, fd;
};

FIXTURE_VARIANT(mode) {
	int flags;
	const char *mode;
};

FIXTURE_VARIANT_ADD(mode, rdonly) { .flags = O_RDONLY, .mode = "r" };
FIXTURE_VARIANT_ADD(mode, wronly) { .flags = O_WRONLY, .mode = "w" };
FIXTURE_VARIANT_ADD(mode, rdwr) { .flags = O_RDWR, .mode = "rw" };
FIXTURE_VARIANT_ADD(mode, wronly_append) { .flags = O_WRONLY | O_APPEND,
					   .mode = "w" };

FIXTURE_SETUP(mode)
{
	char path[64], junk[8192];

	memset(junk, 'x', sizeof(junk));
	self->memfd = memfd_create("osm-mode", MFD_CLOEXEC);
	ASSERT_LE(0, self->memfd) TH_LOG("memfd_create: %m");
	ASSERT_EQ(sizeof(junk), write(self->memfd, junk, sizeof(junk)));
	snprintf(path, sizeof(path), "/proc/self/fd/%d", self->memfd);
	self->fd = open(path, variant->flags | O_CLOEXEC);
	ASSERT_LE(0, self->fd) TH_LOG("reopen %s: %m", path);
	ASSERT_EQ(1234, lseek(self->fd, 1234, SEEK_SET));
	self->g = osm_test_load();
	ASSERT_NE(NULL, self->g) TH_LOG("load: %m");
	self->file = osm_test_fd_file(osm_test_held_by_tid(self->g,
				      osm_test_gettid(), OSM_NODE_FILES),
				      self->fd);
	ASSERT_NE(NULL, self->file) TH_LOG("no map fd=%d", self->fd);
}

FIXTURE_TEARDOWN(mode)
{
	osm_graph__free(self->g);
	close(self->fd);
	close(self->memfd);
}

/* An fdinfo field ("pos", "flags") of our fd, in @base. */
static int fdinfo_field(int fd, const char *key, int base,
			unsigned long long *val)
{
	char path[64], line[256];
	size_t kl = strlen(key);
	FILE *f;
	int ret = -1;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && line[kl] == ':') {
			*val = strtoull(line + kl + 1, NULL, base);
			ret = 0;
			break;
		}
	fclose(f);
	return ret;
}

TEST_F_TIMEOUT(mode, mode_matches_open_flags, OSM_TIMEOUT)
{
	const char *m = osm_node__attr(self->file, "mode");

	ASSERT_NE(NULL, m) TH_LOG("%s has no mode", osm_node__id(self->file));
	EXPECT_STREQ(variant->mode, m);
}

TEST_F_TIMEOUT(mode, flags_match_fdinfo, OSM_TIMEOUT)
{
	const char *s = osm_node__attr(self->file, "flags");
	unsigned long long want, got;
	char *end;

	ASSERT_EQ(0, fdinfo_field(self->fd, "flags", 8, &want));
	want &= ~(unsigned long long)O_CLOEXEC;	/* fd flag, not f_flags */
	ASSERT_NE(NULL, s);
	got = strtoull(s, &end, 8);
	ASSERT_EQ('\0', *end) TH_LOG("flags=%s is not octal", s);
	EXPECT_EQ(want, got) TH_LOG("fdinfo 0%llo, graph %s", want, s);
}

TEST_F_TIMEOUT(mode, pos_matches_fdinfo, OSM_TIMEOUT)
{
	unsigned long long want, got;

	ASSERT_EQ(0, fdinfo_field(self->fd, "pos", 10, &want));
	ASSERT_EQ(1234, want);
	ASSERT_TRUE(osm_test_attr_ull(self->file, "pos", &got));
	EXPECT_EQ(want, got);
}

TEST_F_TIMEOUT(mode, file_maps_memfd_inode, OSM_TIMEOUT)
{
	const struct osm_node *ino = osm_test_mapped_inode(self->file);
	char want[96];

	ASSERT_EQ(0, osm_test_fd_inode_id(self->memfd, want, sizeof(want)));
	ASSERT_NE(NULL, ino);
	EXPECT_STREQ(want, osm_node__id(ino));
	EXPECT_STREQ("reg", osm_node__attr(ino, "ftype") ?: "(none)");
}

static int fd_zoo(int sock, void *arg)
{
	int p[2], sv[2];

	(void)arg;
	if (open("/dev/null", O_RDWR) < 0 || pipe(p) ||
	    socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) || eventfd(0, 0) < 0 ||
	    dup2(p[0], 100) != 100)
		osm_child_fail(sock, "fd zoo: %m");
	return osm_child_ready(sock, NULL, 0) ? 1 : 0;
}

/* Start an fd_zoo child, load; its fd table, or NULL (errno, c->err). */
static const struct osm_node *zoo_table(struct osm_child *c,
					struct osm_graph **g)
{
	if (osm_child_start(c, OSM_SPAWN_FORK, 0, fd_zoo, NULL, NULL, 0))
		return NULL;
	return load_table(g, c->pid);
}

/*
 * A child's whole table: the graph's map edges are exactly the fds of
 * /proc/PID/fd, each to the inode stat() of its link names, or for an
 * anonymous-inode file (link "anon_inode:...") to none.
 */
TEST_F_TIMEOUT(files, child_table_matches_proc_fd, OSM_TIMEOUT)
{
	const struct osm_node *table, *f, *ino;
	char path[320], link[256], want[96];
	int *fds, nproc, i;
	struct stat st;
	ssize_t l;

	table = zoo_table(&self->c, &self->g);
	ASSERT_NE(NULL, table) TH_LOG("%m: %s", self->c.err);
	nproc = osm_test_proc_fds(self->c.pid, &fds);
	ASSERT_LE(0, nproc) TH_LOG("/proc/%d/fd: %m", self->c.pid);

	for (i = 0; i < nproc; i++) {
		f = osm_test_fd_file(table, fds[i]);
		EXPECT_NE(NULL, f) TH_LOG("fd %d missing", fds[i]);
		if (!f)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fd/%d", self->c.pid,
			 fds[i]);
		l = readlink(path, link, sizeof(link) - 1);
		ASSERT_LT(0, l) TH_LOG("%s: %m", path);
		link[l] = '\0';
		ino = osm_test_mapped_inode(f);
		if (!strncmp(link, "anon_inode:", 11)) {
			EXPECT_EQ(NULL, ino) TH_LOG("fd %d (%s) maps %s",
						    fds[i], link,
						    osm_node__id(ino));
			EXPECT_STREQ("anon", osm_node__attr(f, "ftype") ?:
				     "(none)") TH_LOG("fd %d", fds[i]);
			continue;
		}
		ASSERT_EQ(0, stat(path, &st)) TH_LOG("%s: %m", path);
		osm_test_inode_id(want, sizeof(want), st.st_dev, st.st_ino);
		ASSERT_NE(NULL, ino) TH_LOG("fd %d (%s) maps no inode",
					    fds[i], link);
		EXPECT_STREQ(want, osm_node__id(ino))
			TH_LOG("fd %d (%s)", fds[i], link);
	}
	free(fds);
	EXPECT_EQ((size_t)nproc,
		  osm_test_out(table, OSM_EDGE_MAP, OSM_NODE_FILE, NULL, 0));
}

/* The files node's fds attribute counts the entries of /proc/PID/fd. */
TEST_F_TIMEOUT(files, files_node_counts_fds, OSM_TIMEOUT)
{
	const struct osm_node *table;
	unsigned long long v;
	int *fds, nproc;

	table = zoo_table(&self->c, &self->g);
	ASSERT_NE(NULL, table) TH_LOG("%m: %s", self->c.err);
	nproc = osm_test_proc_fds(self->c.pid, &fds);
	ASSERT_LE(0, nproc) TH_LOG("/proc/%d/fd: %m", self->c.pid);
	free(fds);
	ASSERT_TRUE(osm_test_attr_ull(table, "fds", &v))
		TH_LOG("%s has no fds attribute", osm_node__id(table));
	EXPECT_EQ((unsigned long long)nproc, v);
}

OSM_TEST_MAIN
