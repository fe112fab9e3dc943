// SPDX-License-Identifier: GPL-2.0-only
/*
 * A walk parked inside a process must not go on rendering it once it has
 * exec()ed a setuid program.  An unprivileged reader (view=own) reads
 * chunk by chunk until its walk stops inside the descriptor table of a
 * target of its own uid; the target then execs a setuid-root copy of this
 * binary, which opens a root-only marker file at a descriptor above all
 * the reader has seen.  The rest of the reader's walk must show neither
 * the marker nor anything more of the target.  A root walk afterwards
 * does show the marker there, so a leak would be seen.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "osm_test_util.h"

#define USER_ID		1000	/* uid and gid of the target and the reader */
#define NR_FDS		3000	/* ~200 KiB of map edges: over a chunk */
#define NR_FILE_LIMIT	4096
#define MARKER_FD	3900	/* above every descriptor before the exec */
#define READ_SIZE	(1 << 20)	/* more than a chunk: one read, one chunk */
#define SETUID_ARG	"--osm-exec-recheck-setuid"
#define MARKER_PREFIX	"/tmp/osm-secret-"
#define COPY_PREFIX	"/tmp/osm-exec-recheck-"

/*
 * The setuid image: <copy> SETUID_ARG <sock> <test pid>.  OSM_TEST_MAIN
 * owns main(), so this mode runs as a constructor, before it.  As root it
 * opens the marker, which only root may open, at MARKER_FD; it reports
 * its euid either way and waits to be released.
 */
__attribute__((constructor))
static void setuid_image(int argc, char **argv)
{
	uid_t euid = geteuid();
	char path[64];
	int sock, fd;

	if (argc != 4 || strcmp(argv[1], SETUID_ARG))
		return;
	sock = atoi(argv[2]);
	snprintf(path, sizeof(path), MARKER_PREFIX "%d", atoi(argv[3]));
	if (euid == 0) {
		fd = open(path, O_RDONLY);
		if (fd < 0)
			osm_child_fail(sock, "setuid image: %s: %m", path);
		if (dup2(fd, MARKER_FD) != MARKER_FD)
			osm_child_fail(sock, "dup2 to %d: %m", MARKER_FD);
		close(fd);
	}
	_exit(osm_child_ready(sock, &euid, sizeof(euid)) ? 1 : 0);
}

/* The files of one test and the target's pid, for both children. */
struct scene {
	pid_t test;
	pid_t target;
	char copy[64];
	char marker[64];
};

/* What the reader found in its walk, sent to the parent at the end. */
struct reader_report {
	bool still_visible;	/* /proc lets it inspect the exec'd target */
	int check;		/* osm_test_check_text() */
	char err[256];
	char view[8];
	bool marker_path;	/* a marker's path appears anywhere */
	bool marker_inode;	/* the marker's inode appears anywhere */
	int max_fd;		/* highest fd of the target's table shown */
	bool target_after;	/* the target appears after the park point */
};

/* The reader's walk, read one chunk per read(2). */
struct walk {
	int fd;
	char *buf;
	size_t len, cap;
	size_t parked;		/* length when parked inside the target */
	char files[64];		/* the target's table, "files:<hash>" */
};

/* Drop to USER_ID for good, staying dumpable as an ordinary process. */
static int drop_to_user(void)
{
	if (setgroups(0, NULL) || setresgid(USER_ID, USER_ID, USER_ID) ||
	    setresuid(USER_ID, USER_ID, USER_ID))
		return -1;
	/* The uid change made us non-dumpable: /proc would hide us. */
	return prctl(PR_SET_DUMPABLE, 1);
}

/* Can this task readlink /proc/PID/ns/net (the /proc oracle)? */
static bool inspectable(pid_t pid)
{
	char path[64], buf[64];

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	return readlink(path, buf, sizeof(buf)) > 0;
}

/*
 * The target: USER_ID with NR_FDS descriptors.  Released, it execs the
 * setuid copy, which inherits the table and the socket and reports again.
 */
static int target_child(int sock, void *arg)
{
	struct rlimit rl = { NR_FILE_LIMIT, NR_FILE_LIMIT };
	struct scene *s = arg;
	char sockstr[16], pidstr[16];

	/* Raised as root: past the hard limit an unprivileged task has. */
	if (setrlimit(RLIMIT_NOFILE, &rl))
		osm_child_fail(sock, "setrlimit: %m");
	if (drop_to_user())
		osm_child_fail(sock, "drop to uid %d: %m", USER_ID);
	if (osm_child_dup_fds(NR_FDS))
		osm_child_fail(sock, "dup: %m");
	if (osm_child_ready(sock, NULL, 0))
		return 1;

	if (fcntl(sock, F_SETFD, 0))
		osm_child_fail(sock, "clear FD_CLOEXEC: %m");
	snprintf(sockstr, sizeof(sockstr), "%d", sock);
	snprintf(pidstr, sizeof(pidstr), "%d", (int)s->test);
	execl(s->copy, s->copy, SETUID_ARG, sockstr, pidstr, (char *)NULL);
	osm_child_fail(sock, "exec %s: %m", s->copy);
}

/* Append one read(2) of the walk; false at end of file. */
static bool walk_read_chunk(int sock, struct walk *w)
{
	ssize_t n;

	if (w->cap - w->len < READ_SIZE + 1) {
		w->cap = 2 * w->cap + READ_SIZE + 1;
		w->buf = realloc(w->buf, w->cap);
		if (!w->buf)
			osm_child_fail(sock, "realloc: %m");
	}
	do
		n = read(w->fd, w->buf + w->len, READ_SIZE);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		osm_child_fail(sock, "read %s: %m", osm_test_device());
	w->len += n;
	w->buf[w->len] = '\0';
	return n > 0;
}

/*
 * Find the target's table: the first files node after its thread node
 * (only its mm comes in between).  False if not rendered yet.
 */
static bool find_target_files(struct walk *w, pid_t target)
{
	char thread[32];
	const char *p;

	snprintf(thread, sizeof(thread), "\nnode thread:%d ", (int)target);
	p = strstr(w->buf, thread);
	if (p)
		p = strstr(p, "\nnode files:");
	if (!p)
		return false;
	return sscanf(p, " node %63s", w->files) == 1;
}

/* Map edges of the table @files in @text: how many, and the top fd. */
static unsigned int count_fd_edges(const char *text, const char *files,
				   int *max_fd)
{
	char edge[96];
	unsigned int n = 0;
	const char *p = text;
	int fd;

	snprintf(edge, sizeof(edge), "\nedge %s map ", files);
	*max_fd = -1;
	while ((p = strstr(p, edge))) {
		p += strlen(edge);
		n++;
		if (sscanf(p, "%*s fd=%d", &fd) == 1 && fd > *max_fd)
			*max_fd = fd;
	}
	return n;
}

/* Does the header line say view=own? */
static bool header_says_own(const char *buf)
{
	const char *nl = strchr(buf, '\n');
	const char *v = strstr(buf, " view=own");

	return nl && v && v < nl && (v[9] == ' ' || v[9] == '\n');
}

/*
 * Read until the walk is parked inside the target's table: some of its
 * map edges are out, the thread's hold edge to it is not.  Returns how
 * many map edges were read.
 */
static unsigned int read_until_parked(int sock, struct walk *w,
				      pid_t target)
{
	unsigned int n;
	char hold[48];
	int max_fd;

	if (!walk_read_chunk(sock, w) || !header_says_own(w->buf))
		osm_child_fail(sock, "uid %d: the header does not say "
			       "view=own", USER_ID);
	snprintf(hold, sizeof(hold), "\nedge thread:%d hold files:",
		 (int)target);
	for (;;) {
		if (find_target_files(w, target)) {
			if (strstr(w->buf, hold))
				osm_child_fail(sock, "a chunk held all of %s: "
					       "no park inside it", w->files);
			n = count_fd_edges(w->buf, w->files, &max_fd);
			if (n) {
				w->parked = w->len;
				return n;
			}
		}
		if (!walk_read_chunk(sock, w))
			osm_child_fail(sock, "the walk ended before it "
				       "parked in the table of pid %d",
				       (int)target);
	}
}

/* Does node id @id appear in @text, as a whole field? */
static bool has_id(const char *text, const char *id)
{
	char needle[96];

	snprintf(needle, sizeof(needle), " %s ", id);
	if (strstr(text, needle))
		return true;
	snprintf(needle, sizeof(needle), " %s\n", id);
	return strstr(text, needle) != NULL;
}

/* The rest of the walk, after the exec; what it shows. */
static void read_rest(int sock, struct walk *w, const struct scene *s,
		      struct reader_report *rep)
{
	struct osm_text_info info;
	char thread[32], inode[96];
	const char *after;
	struct stat st;

	while (walk_read_chunk(sock, w))
		;
	rep->check = osm_test_check_text(w->buf, w->len, &info, rep->err,
					 sizeof(rep->err));
	snprintf(rep->view, sizeof(rep->view), "%s", info.view);
	rep->marker_path = strstr(w->buf, MARKER_PREFIX) != NULL;
	/* stat() needs no access to the file itself. */
	if (stat(s->marker, &st))
		osm_child_fail(sock, "stat %s: %m", s->marker);
	osm_test_inode_id(inode, sizeof(inode), st.st_dev, st.st_ino);
	rep->marker_inode = has_id(w->buf, inode);
	/* From the newline that ends the last record before the park. */
	after = w->buf + w->parked - 1;
	count_fd_edges(after, w->files, &rep->max_fd);
	snprintf(thread, sizeof(thread), "thread:%d", (int)s->target);
	rep->target_after = has_id(after, thread) || has_id(after, w->files);
}

/*
 * The reader: USER_ID, so view=own.  Ready once parked inside the
 * target's table (payload: map edges read so far); released after the
 * target's exec, it reads the rest and reports.
 */
static int reader_child(int sock, void *arg)
{
	struct reader_report rep = { 0 };
	struct scene *s = arg;
	struct walk w = { 0 };
	unsigned int parked_fds;

	if (drop_to_user())
		osm_child_fail(sock, "drop to uid %d: %m", USER_ID);
	w.fd = open(osm_test_device(), O_RDONLY | O_CLOEXEC);
	if (w.fd < 0)
		osm_child_fail(sock, "open %s: %m", osm_test_device());
	parked_fds = read_until_parked(sock, &w, s->target);
	if (osm_child_ready(sock, &parked_fds, sizeof(parked_fds)))
		return 1;

	rep.still_visible = inspectable(s->target);
	read_rest(sock, &w, s, &rep);
	return osm_child_ready(sock, &rep, sizeof(rep)) ? 1 : 0;
}

/* A root-owned, setuid copy of this (static) binary at @path. */
static int make_setuid_copy(const char *path)
{
	char buf[65536];
	ssize_t n = -1;
	int in, out, ret = -1, saved;

	in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0700);
	while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof(buf))) > 0) {
		if (write(out, buf, n) != n) {
			n = -1;
			break;
		}
	}
	/* chown clears S_ISUID: mode last. */
	if (!n && !fchown(out, 0, 0) && !fchmod(out, 04755))
		ret = 0;
	saved = errno;
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);	/* before any exec: ETXTBSY */
	errno = saved;
	return ret;
}

/* The file only root may open: the secret of the setuid image. */
static int make_marker(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	int ret;

	if (fd < 0)
		return -1;
	ret = fchown(fd, 0, 0);
	close(fd);
	return ret;
}

/* The inode behind descriptor @fd of thread @tid in @g, or NULL. */
static const struct osm_node *inode_at_fd(const struct osm_graph *g,
					  pid_t tid, int fd)
{
	const struct osm_node *files, *file;

	files = osm_test_held_by_tid(g, tid, OSM_NODE_FILES);
	file = files ? osm_test_fd_file(files, fd) : NULL;
	return file ? osm_test_mapped_inode(file) : NULL;
}

FIXTURE(exec_recheck) {
	struct scene s;
	struct osm_child target, reader;
	struct osm_graph *g;
};

FIXTURE_SETUP(exec_recheck)
{
	self->s.test = getpid();
	snprintf(self->s.copy, sizeof(self->s.copy), COPY_PREFIX "%d",
		 (int)self->s.test);
	snprintf(self->s.marker, sizeof(self->s.marker), MARKER_PREFIX "%d",
		 (int)self->s.test);
	ASSERT_EQ(0, make_marker(self->s.marker))
		TH_LOG("%s: %m", self->s.marker);
	ASSERT_EQ(0, make_setuid_copy(self->s.copy))
		TH_LOG("%s: %m", self->s.copy);
}

FIXTURE_TEARDOWN(exec_recheck)
{
	/* After a failure a child may wait between stages: kill, reap. */
	if (self->reader.pid > 0)
		kill(self->reader.pid, SIGKILL);
	if (self->target.pid > 0)
		kill(self->target.pid, SIGKILL);
	osm_child_finish(&self->reader);
	osm_child_finish(&self->target);
	osm_graph__free(self->g);
	unlink(self->s.copy);
	unlink(self->s.marker);
}

TEST_F_TIMEOUT(exec_recheck, parked_walk_hides_setuid_exec, 240)
{
	const struct osm_node *inode;
	struct reader_report rep;
	unsigned int parked_fds;
	char want[96];
	struct stat st;
	uid_t euid;

	ASSERT_EQ(0, osm_child_start(&self->target, OSM_SPAWN_FORK, 0,
				     target_child, &self->s, NULL, 0))
		TH_LOG("target: %s", self->target.err);
	self->s.target = self->target.pid;
	ASSERT_EQ(0, osm_child_start(&self->reader, OSM_SPAWN_FORK, 0,
				     reader_child, &self->s, &parked_fds,
				     sizeof(parked_fds)))
		TH_LOG("reader: %s", self->reader.err);
	TH_LOG("reader parked after %u of %d descriptors of pid %d",
	       parked_fds, NR_FDS, (int)self->target.pid);

	ASSERT_EQ(0, osm_child_step(&self->target, &euid, sizeof(euid)))
		TH_LOG("setuid exec: %s", self->target.err);
	ASSERT_EQ(0, euid)
		TH_LOG("the exec'd copy has euid %d: not setuid, test setup "
		       "is wrong", (int)euid);

	ASSERT_EQ(0, osm_child_step(&self->reader, &rep, sizeof(rep)))
		TH_LOG("reader: %s", self->reader.err);
	ASSERT_FALSE(rep.still_visible)
		TH_LOG("oracle: /proc still lets uid %d inspect pid %d after "
		       "the setuid exec", USER_ID, (int)self->target.pid);
	EXPECT_EQ(0, rep.check) TH_LOG("%s", rep.err);
	EXPECT_STREQ("own", rep.view);
	EXPECT_FALSE(rep.marker_path)
		TH_LOG("uid %d's walk shows %s of the setuid image", USER_ID,
		       self->s.marker);
	EXPECT_FALSE(rep.marker_inode)
		TH_LOG("uid %d's walk shows the inode of %s", USER_ID,
		       self->s.marker);
	EXPECT_GT(MARKER_FD, rep.max_fd)
		TH_LOG("uid %d's walk shows fd %d of the setuid image",
		       USER_ID, rep.max_fd);
	EXPECT_FALSE(rep.target_after)
		TH_LOG("uid %d's walk renders pid %d after its setuid exec",
		       USER_ID, (int)self->target.pid);

	/* The control: root's fresh walk shows the marker at MARKER_FD. */
	self->g = osm_test_load();
	ASSERT_NE(NULL, self->g) TH_LOG("load: %m");
	inode = inode_at_fd(self->g, self->target.pid, MARKER_FD);
	ASSERT_NE(NULL, inode)
		TH_LOG("root sees no inode at fd %d of pid %d", MARKER_FD,
		       (int)self->target.pid);
	ASSERT_EQ(0, stat(self->s.marker, &st));
	osm_test_inode_id(want, sizeof(want), st.st_dev, st.st_ino);
	EXPECT_STREQ(want, osm_node__id(inode));
	EXPECT_STREQ(self->s.marker, osm_node__attr(inode, "path") ?: "");

	EXPECT_EQ(0, osm_child_finish(&self->reader));
	EXPECT_EQ(0, osm_child_finish(&self->target));
}

OSM_TEST_MAIN
