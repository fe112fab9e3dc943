// SPDX-License-Identifier: GPL-2.0-only
/*
 * The resource directory (graph 1.5): who serves a PD's requests.
 *
 * FUSE, without libfuse: a child opens /dev/fuse, mounts it and answers
 * INIT, LOOKUP, GETATTR, OPEN and READ of one file from a thread; a
 * second child opens that file, reads it and moves its cwd there.  The
 * test forked both, so it knows who serves and who asks; stat(2) and
 * /proc/PID/mountinfo give the superblock, and fusectl's
 * /sys/fs/fuse/connections/<n> names the connection.
 *
 * userfaultfd: a child registers one page in the middle of a region and
 * resolves a fault on it from a handler thread; a process it forked
 * holds the same descriptor.  The test knows the ranges it registered;
 * /proc/PID/smaps VmFlags ("um") says which regions are registered, and
 * /proc/PID/fd and fdinfo say which descriptor is a userfaultfd.
 *
 * A process with neither requests nothing: the kernel serves it.
 *
 * Two tests park a walk between the client side and the server side and
 * replace the channel meanwhile (a remount that takes the freed device
 * number, a userfaultfd context that takes the freed one's address on
 * the same CPU): the old client must not meet the new server.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/fuse.h>
#include <linux/kcmp.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "osm_test_util.h"

#define NOBODY		65534
#define HELLO		"hello"
#define HELLO_DATA	"the server answered this read\n"
#define HELLO_INO	2
#define FUSECTL		"/sys/fs/fuse/connections"

static const char *attr(const struct osm_node *n, const char *key)
{
	const char *v = n ? osm_node__attr(n, key) : NULL;

	return v ? v : "(none)";
}

/* ---- a FUSE server in a few lines ------------------------------------ */

static void fuse_reply(int fd, uint64_t unique, int error, const void *data,
		       size_t len)
{
	struct fuse_out_header h = {
		.len = sizeof(h) + len, .error = error, .unique = unique,
	};
	struct iovec iov[2] = {
		{ &h, sizeof(h) }, { (void *)data, len },
	};

	if (writev(fd, iov, len ? 2 : 1) < 0)
		return;	/* the request was interrupted, or the mount is gone */
}

static void fuse_fill_attr(struct fuse_attr *a, uint64_t ino)
{
	memset(a, 0, sizeof(*a));
	a->ino = ino;
	a->blksize = 4096;
	if (ino == FUSE_ROOT_ID) {
		a->mode = S_IFDIR | 0755;
		a->nlink = 2;
	} else {
		a->mode = S_IFREG | 0444;
		a->nlink = 1;
		a->size = strlen(HELLO_DATA);
	}
}

static void fuse_answer(int fd, const struct fuse_in_header *in,
			const void *arg)
{
	switch (in->opcode) {
	case FUSE_INIT: {
		const struct fuse_init_in *ii = arg;
		struct fuse_init_out o = {
			.major = FUSE_KERNEL_VERSION,
			.minor = ii->minor < FUSE_KERNEL_MINOR_VERSION ?
				 ii->minor : FUSE_KERNEL_MINOR_VERSION,
			.max_readahead = ii->max_readahead,
			.max_background = 4,
			.congestion_threshold = 3,
			.max_write = 4096,
		};

		fuse_reply(fd, in->unique, 0, &o, sizeof(o));
		break;
	}
	case FUSE_LOOKUP: {
		struct fuse_entry_out e = {
			.nodeid = HELLO_INO, .generation = 1,
			.entry_valid = 3600, .attr_valid = 3600,
		};

		if (in->nodeid != FUSE_ROOT_ID || strcmp(arg, HELLO)) {
			fuse_reply(fd, in->unique, -ENOENT, NULL, 0);
			break;
		}
		fuse_fill_attr(&e.attr, HELLO_INO);
		fuse_reply(fd, in->unique, 0, &e, sizeof(e));
		break;
	}
	case FUSE_GETATTR: {
		struct fuse_attr_out a = { .attr_valid = 3600 };

		fuse_fill_attr(&a.attr, in->nodeid);
		fuse_reply(fd, in->unique, 0, &a, sizeof(a));
		break;
	}
	case FUSE_OPEN:
	case FUSE_OPENDIR: {
		struct fuse_open_out o = { .fh = 1 };

		fuse_reply(fd, in->unique, 0, &o, sizeof(o));
		break;
	}
	case FUSE_READ: {
		const struct fuse_read_in *r = arg;
		size_t len = strlen(HELLO_DATA), n = 0;

		if (r->offset < len)
			n = len - r->offset < r->size ? len - r->offset : r->size;
		fuse_reply(fd, in->unique, 0, HELLO_DATA + (n ? r->offset : 0),
			   n);
		break;
	}
	case FUSE_RELEASE:
	case FUSE_RELEASEDIR:
	case FUSE_FLUSH:
		fuse_reply(fd, in->unique, 0, NULL, 0);
		break;
	case FUSE_FORGET:
	case FUSE_BATCH_FORGET:
	case FUSE_INTERRUPT:
		break;	/* no reply */
	default:
		fuse_reply(fd, in->unique, -ENOSYS, NULL, 0);
		break;
	}
}

/* The server thread: answer until the connection goes away. */
static void *fuse_serve(void *arg)
{
	static char buf[FUSE_MIN_READ_BUFFER + 65536];
	int fd = *(int *)arg;
	ssize_t n;

	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && (errno == EINTR || errno == ENOENT))
			continue;	/* ENOENT: an interrupted request */
		if (n < (ssize_t)sizeof(struct fuse_in_header))
			break;		/* ENODEV: unmounted */
		buf[n < (ssize_t)sizeof(buf) ? n : n - 1] = '\0';
		fuse_answer(fd, (struct fuse_in_header *)buf,
			    buf + sizeof(struct fuse_in_header));
	}
	return NULL;
}

struct fuse_srv_reply {
	int fd;		/* the server's /dev/fuse descriptor */
};

/* Child: open /dev/fuse, mount it at @arg, serve from a thread. */
static int fuse_server(int sock, void *arg)
{
	struct fuse_srv_reply rep;
	static int fd;
	char opts[128];
	pthread_t t;

	fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		osm_child_fail(sock, "open /dev/fuse: %m");
	snprintf(opts, sizeof(opts),
		 "fd=%d,rootmode=40000,user_id=0,group_id=0,allow_other", fd);
	/* "fuse.<subtype>" as fuse(8) mounts: the subtype is osmtest. */
	if (mount("osmfuse", arg, "fuse.osmtest", MS_NOSUID | MS_NODEV, opts))
		osm_child_fail(sock, "mount fuse on %s: %m", (char *)arg);
	if (pthread_create(&t, NULL, fuse_serve, &fd))
		osm_child_fail(sock, "pthread_create");
	rep.fd = fd;
	osm_child_ready(sock, &rep, sizeof(rep));
	return 0;
}

struct fuse_cli_args {
	const char *dir;
	bool nobody;	/* drop to uid 65534 first (dumpable again) */
};

struct fuse_cli_reply {
	int fd;		/* the open file on the mount */
	dev_t dev;	/* fstat(2) of it */
	ino_t ino;
};

/* Child: open the file on the mount, read it, cd there. */
static int fuse_client(int sock, void *arg)
{
	const struct fuse_cli_args *a = arg;
	struct fuse_cli_reply rep;
	char path[256], buf[128];
	struct stat st;
	ssize_t n;

	if (a->nobody &&
	    (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	     setresuid(NOBODY, NOBODY, NOBODY) ||
	     prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)))
		osm_child_fail(sock, "drop to %d: %m", NOBODY);
	snprintf(path, sizeof(path), "%s/%s", a->dir, HELLO);
	rep.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (rep.fd < 0)
		osm_child_fail(sock, "open %s: %m", path);
	n = read(rep.fd, buf, sizeof(buf) - 1);
	if (n < 0)
		osm_child_fail(sock, "read %s: %m", path);
	buf[n] = '\0';
	if (strcmp(buf, HELLO_DATA))
		osm_child_fail(sock, "read %s: '%s', not what it served", path,
			       buf);
	if (fstat(rep.fd, &st) || chdir(a->dir))
		osm_child_fail(sock, "fstat or chdir: %m");
	rep.dev = st.st_dev;
	rep.ino = st.st_ino;
	osm_child_ready(sock, &rep, sizeof(rep));
	return 0;
}

/* The fs type and maj:min /proc/PID/mountinfo gives mount point @dir. */
static int mountinfo(pid_t pid, const char *dir, char *fstype, size_t len,
		     unsigned int *maj, unsigned int *min)
{
	char path[64], line[1024], mnt[256], type[128];
	int ret = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/mountinfo", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *sep = strstr(line, " - ");

		if (!sep ||
		    sscanf(line, "%*d %*d %u:%u %*s %255s", maj, min, mnt) != 3 ||
		    sscanf(sep, " - %127s", type) != 1 || strcmp(mnt, dir))
			continue;
		snprintf(fstype, len, "%s", type);
		ret = 0;
	}
	fclose(f);
	return ret;
}

/* The file node behind descriptor @fd of process @pid. */
static const struct osm_node *fd_file(const struct osm_graph *g, pid_t pid,
				      int fd)
{
	const struct osm_node *files = osm_test_held_by_tid(g, pid, "files");

	return files ? osm_test_fd_file(files, fd) : NULL;
}

/* The one node @n has a @kind edge to, if it is of @type. */
static const struct osm_node *edge_to(const struct osm_node *n,
				      const char *kind, const char *type)
{
	const struct osm_edge *e;

	if (!n || osm_test_out(n, kind, type, &e, 1) != 1)
		return NULL;
	return osm_edge__dst(e);
}

/* Does a share of @pd list @srv, serving @chan? */
static bool served_by(const struct osm_graph *g, const struct osm_node *pd,
		      const struct osm_node *srv, const struct osm_node *chan,
		      int *nservers)
{
	struct osm_share *s = NULL;
	bool found = false;
	size_t j;
	int n, i;

	n = osm_query__servers(g, pd, NULL, &s);
	*nservers = n;
	for (i = 0; i < n; i++)
		for (j = 0; s[i].pd == srv && j < s[i].nres; j++)
			found |= s[i].res[j] == chan;
	osm_shares__free(s, n > 0 ? n : 0);
	return found;
}

/* Is @res among what @pd reaches? */
static bool reaches(const struct osm_graph *g, const struct osm_node *pd,
		    const struct osm_node *res)
{
	const struct osm_node **v = NULL;
	bool found = false;
	int n, i;

	n = osm_query__reachable(g, pd, NULL, &v);
	for (i = 0; i < n; i++)
		found |= v[i] == res;
	free(v);
	return found;
}

FIXTURE(fuse) {
	char dir[64];
	bool mounted_ctl;
	struct osm_child srv;
	struct fuse_srv_reply srep;
	bool served;
};

FIXTURE_SETUP(fuse)
{
	struct stat st;

	if (access("/dev/fuse", R_OK | W_OK))
		SKIP(return, "no /dev/fuse (CONFIG_FUSE_FS)");
	/* fusectl names the connections; mount it if nobody has. */
	self->mounted_ctl = stat(FUSECTL "/..", &st) == 0 &&
			    !mount("fusectl", FUSECTL, "fusectl", 0, NULL);
	snprintf(self->dir, sizeof(self->dir), "/tmp/osm-fuse-%d",
		 (int)getpid());
	ASSERT_EQ(0, mkdir(self->dir, 0755)) TH_LOG("mkdir %s: %m", self->dir);
	ASSERT_EQ(0, osm_child_start(&self->srv, OSM_SPAWN_FORK, 0,
				     fuse_server, self->dir, &self->srep,
				     sizeof(self->srep)))
		TH_LOG("%m: %s", self->srv.err);
	self->served = true;
}

FIXTURE_TEARDOWN(fuse)
{
	if (self->served) {
		umount2(self->dir, MNT_DETACH);
		osm_child_finish(&self->srv);
	}
	rmdir(self->dir);
	if (self->mounted_ctl)
		umount(FUSECTL);
}

/*
 * The client's inode and cwd on the FUSE mount request the fuse node of
 * that superblock, which the server's /dev/fuse file serves; the library
 * names the server, and nobody shares the channel.
 */
TEST_F_TIMEOUT(fuse, client_requests_what_the_server_serves, OSM_TIMEOUT)
{
	struct fuse_cli_args ca = { .dir = self->dir };
	const struct osm_node *file, *inode, *fs, *fuse, *sfile, *cli, *srv;
	const struct osm_edge *e;
	unsigned int maj, min;
	struct fuse_cli_reply crep;
	char fstype[128], want[64], link[64], path[64];
	unsigned long long conn;
	struct osm_child c;
	struct osm_graph *g;
	ssize_t n;
	int nsrv;

	OSM_START_AND_LOAD(&c, &g, OSM_SPAWN_FORK, 0, fuse_client, &ca,
			   &crep, sizeof(crep));
	/* Ground truth, from the kernel's own interfaces. */
	ASSERT_EQ(0, mountinfo(c.pid, self->dir, fstype, sizeof(fstype), &maj,
			       &min)) TH_LOG("%s not in mountinfo", self->dir);
	EXPECT_STREQ("fuse.osmtest", fstype);
	EXPECT_EQ(makedev(maj, min), crep.dev);
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)self->srv.pid,
		 self->srep.fd);
	n = readlink(path, link, sizeof(link) - 1);
	ASSERT_LT(0, n);
	link[n] = '\0';
	EXPECT_STREQ("/dev/fuse", link);

	/* The client's file maps the inode fstat(2) names... */
	file = fd_file(g, c.pid, crep.fd);
	inode = file ? osm_test_mapped_inode(file) : NULL;
	ASSERT_NE(NULL, inode) TH_LOG("no inode for the client's fd");
	osm_test_inode_id(want, sizeof(want), crep.dev, crep.ino);
	EXPECT_STREQ(want, osm_node__id(inode));
	/* ... which requests the fuse node of its superblock. */
	fuse = edge_to(inode, OSM_EDGE_REQUEST, OSM_NODE_FUSE);
	ASSERT_NE(NULL, fuse) TH_LOG("%s requests no fuse node", want);
	snprintf(want, sizeof(want), "fuse:%u:%u", maj, min);
	EXPECT_STREQ(want, osm_node__id(fuse));
	snprintf(want, sizeof(want), "%u:%u", maj, min);
	EXPECT_STREQ(want, attr(fuse, "dev"));
	EXPECT_STREQ("fuse", attr(fuse, "fstype"));
	EXPECT_STREQ("osmtest", attr(fuse, "subtype"));
	/* conn= is the connection's directory in fusectl. */
	ASSERT_TRUE(osm_test_attr_ull(fuse, "conn", &conn));
	EXPECT_EQ((unsigned long long)(maj << 20 | min), conn);
	if (self->mounted_ctl || !access(FUSECTL "/.", F_OK)) {
		snprintf(path, sizeof(path), FUSECTL "/%llu/waiting", conn);
		EXPECT_EQ(0, access(path, R_OK)) TH_LOG("%s: %m", path);
	}

	/* The cwd is there too: the fs node requests the same channel. */
	fs = osm_test_held_by_tid(g, c.pid, "fs");
	ASSERT_NE(NULL, fs);
	ASSERT_EQ(1, osm_test_out(fs, OSM_EDGE_REQUEST, OSM_NODE_FUSE, &e, 1));
	EXPECT_EQ(fuse, osm_edge__dst(e));
	EXPECT_STREQ("cwd", osm_edge__attr(e, "what") ?: "(none)");

	/* The server's /dev/fuse file serves it; nothing else does. */
	sfile = fd_file(g, self->srv.pid, self->srep.fd);
	ASSERT_NE(NULL, sfile) TH_LOG("no file for the server's fd");
	EXPECT_TRUE(osm_test_has_edge(sfile, OSM_EDGE_SERVE, fuse));
	EXPECT_EQ(1U, osm_test_in(fuse, OSM_EDGE_SERVE, NULL, NULL, 0));
	EXPECT_EQ(0U, osm_test_out(file, OSM_EDGE_SERVE, NULL, NULL, 0));

	/* The library: the server serves the client, the kernel the rest. */
	cli = osm_test_process(g, c.pid);
	srv = osm_test_process(g, self->srv.pid);
	ASSERT_NE(NULL, cli);
	ASSERT_NE(NULL, srv);
	EXPECT_TRUE(served_by(g, cli, srv, fuse, &nsrv));
	EXPECT_EQ(1, nsrv);
	EXPECT_TRUE(served_by(g, osm_test_thread(g, c.pid), srv, fuse, &nsrv));
	EXPECT_EQ(0, osm_query__servers(g, srv, NULL, &(struct osm_share *){ NULL }));
	/* request and serve are not reachability: no one shares the channel. */
	EXPECT_FALSE(reaches(g, cli, fuse));
	EXPECT_FALSE(reaches(g, srv, fuse));

	osm_graph__free(g);
	EXPECT_EQ(0, osm_child_finish(&c));
}

/* Reader side of unseen_server: 0, or the number of the failed check. */
static int check_unseen_server(pid_t cli_pid, pid_t srv_pid, int fd)
{
	const struct osm_node *file, *inode, *fuse, *cli;
	struct osm_share *s = NULL;
	struct osm_graph *g;

	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY) ||
	    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0))
		return 10;
	g = osm_test_load();
	if (!g)
		return 11;
	if (strcmp(osm_graph__header_attr(g, "view") ?: "", "own"))
		return 12;
	if (osm_test_process(g, srv_pid) || !(cli = osm_test_process(g, cli_pid)))
		return 13;
	file = fd_file(g, cli_pid, fd);
	inode = file ? osm_test_mapped_inode(file) : NULL;
	fuse = edge_to(inode, OSM_EDGE_REQUEST, OSM_NODE_FUSE);
	if (!fuse)
		return 14;
	if (osm_test_in(fuse, OSM_EDGE_SERVE, NULL, NULL, 0))
		return 15;
	if (osm_query__servers(g, cli, NULL, &s) != 0)
		return 16;
	osm_graph__free(g);
	return 0;
}

/*
 * A reader of uid 65534 sees the client of its uid and what it requests,
 * not the root server: the channel has no serve edge in that view.
 */
TEST_F_TIMEOUT(fuse, unseen_server_serves_nothing, OSM_TIMEOUT)
{
	struct fuse_cli_args ca = { .dir = self->dir, .nobody = true };
	struct fuse_cli_reply crep;
	struct osm_child c;
	int status;
	pid_t pid;

	ASSERT_EQ(0, osm_child_start(&c, OSM_SPAWN_FORK, 0, fuse_client, &ca,
				     &crep, sizeof(crep)))
		TH_LOG("%m: %s", c.err);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(check_unseen_server(c.pid, self->srv.pid, crep.fd));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status))
		TH_LOG("10 drop privileges, 11 load, 12 view=own, 13 server seen or client unseen, 14 no request edge, 15 a serve edge, 16 servers listed");
	EXPECT_EQ(0, osm_child_finish(&c));
}

/* Tests without a set-up of their own, with the suite's timeout. */
FIXTURE(plain) {
	int unused;
};

FIXTURE_SETUP(plain)
{
	self->unused = 0;
}

FIXTURE_TEARDOWN(plain)
{
}

/* Child: open the file on the mount, read it; close it when told. */
static int fuse_client_closing(int sock, void *arg)
{
	struct fuse_cli_reply rep;
	char path[256], buf[128];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", (const char *)arg, HELLO);
	rep.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (rep.fd < 0 || read(rep.fd, buf, sizeof(buf)) <= 0 ||
	    fstat(rep.fd, &st))
		osm_child_fail(sock, "open and read %s: %m", path);
	rep.dev = st.st_dev;
	rep.ino = st.st_ino;
	osm_child_ready(sock, &rep, sizeof(rep));
	close(rep.fd);
	osm_child_ready(sock, &rep, sizeof(rep));
	return 0;
}

/* Child: a process larger than a few chunks, rendered after the client. */
static int big_child(int sock, void *arg)
{
	(void)arg;
	if (!osm_child_make_regions(4000))
		osm_child_fail(sock, "regions: %m");
	return osm_child_ready(sock, NULL, 0);
}

/*
 * Parked after the client's inode: the client closes its file, the file
 * system is unmounted, and a new server mounts a new one, which the
 * kernel usually gives the freed device number.  The new server must
 * not serve the node the old client requested.
 */
TEST_F_TIMEOUT(fuse, parked_walk_never_joins_two_mounts, OSM_TIMEOUT)
{
	const struct osm_node *inode, *old, *new, *sfile;
	struct fuse_srv_reply srep2;
	struct fuse_cli_reply crep;
	struct osm_child c, b, s2;
	struct osm_text_info info;
	char needle[96], err[256];
	struct osm_graph *g;
	char *buf = NULL;
	size_t len = 0;
	struct stat st;
	int fd;

	ASSERT_EQ(0, osm_child_start(&c, OSM_SPAWN_FORK, 0,
				     fuse_client_closing, self->dir, &crep,
				     sizeof(crep))) TH_LOG("%m: %s", c.err);
	ASSERT_EQ(0, osm_child_start(&b, OSM_SPAWN_FORK, 0, big_child, NULL,
				     NULL, 0)) TH_LOG("%m: %s", b.err);

	fd = open(osm_test_device(), O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	osm_test_inode_id(needle, sizeof(needle) - 40, crep.dev, crep.ino);
	strcat(needle, " " OSM_EDGE_REQUEST " fuse:");
	while (!strstr(buf ? buf : "", needle))
		ASSERT_LT(0, osm_test_read_chunk(fd, &buf, &len))
			TH_LOG("the walk ended without '%s'", needle);
	ASSERT_EQ(0U, osm_test_text_lines(buf, len, NULL, OSM_REC_END " "));

	/* The old mount goes away for good, a new one comes. */
	ASSERT_EQ(0, osm_child_step(&c, &crep, sizeof(crep))) TH_LOG("%s", c.err);
	ASSERT_EQ(0, umount2(self->dir, MNT_DETACH));
	self->served = false;
	EXPECT_EQ(0, osm_child_finish(&self->srv));
	ASSERT_EQ(0, osm_child_start(&s2, OSM_SPAWN_FORK, 0, fuse_server,
				     self->dir, &srep2, sizeof(srep2)))
		TH_LOG("%m: %s", s2.err);
	ASSERT_EQ(0, stat(self->dir, &st));
	TH_LOG("old mount %u:%u, new mount %u:%u%s", major(crep.dev),
	       minor(crep.dev), major(st.st_dev), minor(st.st_dev),
	       crep.dev == st.st_dev ? " (the same name)" : "");

	while (osm_test_read_chunk(fd, &buf, &len) > 0)
		;
	close(fd);
	ASSERT_EQ(0, osm_test_check_text(buf, len, &info, err, sizeof(err)))
		TH_LOG("%s", err);
	g = osm_graph__parse(buf, len);
	ASSERT_NE(NULL, g);
	osm_test_inode_id(needle, sizeof(needle), crep.dev, crep.ino);
	inode = osm_graph__find(g, needle);
	old = edge_to(inode, OSM_EDGE_REQUEST, OSM_NODE_FUSE);
	ASSERT_NE(NULL, old) TH_LOG("%s requests nothing", needle);
	sfile = fd_file(g, s2.pid, srep2.fd);
	new = edge_to(sfile, OSM_EDGE_SERVE, OSM_NODE_FUSE);
	ASSERT_NE(NULL, new) TH_LOG("the new server serves nothing");
	EXPECT_NE(old, new) TH_LOG("two mounts are one node %s",
				   osm_node__id(new));
	osm_graph__free(g);
	free(buf);

	umount2(self->dir, MNT_DETACH);
	EXPECT_EQ(0, osm_child_finish(&s2));
	EXPECT_EQ(0, osm_child_finish(&b));
	EXPECT_EQ(0, osm_child_finish(&c));
}

/* ---- userfaultfd ------------------------------------------------------ */

#define UFFD_PAGES	5	/* the region; page 2 is registered */
#define UFFD_REG	2

struct uffd_reply {
	int fd;			/* the userfaultfd */
	unsigned long base;	/* the region, UFFD_PAGES long */
	unsigned long reg;	/* the registered page */
	unsigned long page;
	pid_t holder;		/* a forked process that holds the fd too */
	int faults;		/* faults the handler resolved */
};

static int uffd_faults;

/* The handler thread: resolve missing-page faults with the zero page. */
static void *uffd_handle(void *arg)
{
	int fd = *(int *)arg;
	struct uffd_msg msg;
	struct pollfd p = { .fd = fd, .events = POLLIN };

	while (poll(&p, 1, -1) > 0) {
		struct uffdio_zeropage z = { 0 };

		if (read(fd, &msg, sizeof(msg)) != sizeof(msg))
			continue;
		if (msg.event != UFFD_EVENT_PAGEFAULT)
			continue;
		z.range.start = msg.arg.pagefault.address &
				~(unsigned long)(getpagesize() - 1);
		z.range.len = getpagesize();
		/* Counted before the wake-up, which lets the faulter read it. */
		__atomic_add_fetch(&uffd_faults, 1, __ATOMIC_SEQ_CST);
		if (ioctl(fd, UFFDIO_ZEROPAGE, &z))
			__atomic_sub_fetch(&uffd_faults, 1, __ATOMIC_SEQ_CST);
	}
	return NULL;
}

/* Child: register one page, fault it in through the handler, fork. */
static int uffd_child(int sock, void *arg)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct uffdio_range range;
	struct uffd_reply rep = { 0 };
	static int fd;
	volatile char *p;
	pthread_t t;

	(void)arg;
	rep.page = getpagesize();
	fd = syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);
	if (fd < 0)
		osm_child_fail(sock, "userfaultfd: %m");
	if (ioctl(fd, UFFDIO_API, &api))
		osm_child_fail(sock, "UFFDIO_API: %m");
	p = mmap(NULL, UFFD_PAGES * rep.page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		osm_child_fail(sock, "mmap: %m");
	rep.fd = fd;
	rep.base = (unsigned long)p;
	rep.reg = rep.base + UFFD_REG * rep.page;
	reg.range.start = rep.reg;
	reg.range.len = rep.page;
	if (ioctl(fd, UFFDIO_REGISTER, &reg))
		osm_child_fail(sock, "UFFDIO_REGISTER: %m");
	if (pthread_create(&t, NULL, uffd_handle, &fd))
		osm_child_fail(sock, "pthread_create");
	if (p[UFFD_REG * rep.page] != 0)	/* the handler resolves it */
		osm_child_fail(sock, "a zero page that is not zero");
	rep.faults = __atomic_load_n(&uffd_faults, __ATOMIC_SEQ_CST);
	/* Its child holds the descriptor, not the registration. */
	rep.holder = osm_child_fork_sleeper();
	if (rep.holder < 0)
		osm_child_fail(sock, "fork: %m");
	osm_child_ready(sock, &rep, sizeof(rep));

	range.start = rep.reg;
	range.len = rep.page;
	if (ioctl(fd, UFFDIO_UNREGISTER, &range))
		osm_child_fail(sock, "UFFDIO_UNREGISTER: %m");
	osm_child_ready(sock, &rep, sizeof(rep));
	return 0;
}

/*
 * The userfaultfd registrations of @pid's regions, from smaps VmFlags:
 * the start address of each region whose flags have "um", "uw" or "ui",
 * into @starts (at most @max).  Returns the count, or -1.
 */
static int smaps_registered(pid_t pid, unsigned long *starts, int max)
{
	char path[64], line[1024];
	unsigned long start = 0;
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long s, e;

		if (sscanf(line, "%lx-%lx ", &s, &e) == 2) {
			start = s;
			continue;
		}
		if (strncmp(line, "VmFlags:", 8))
			continue;
		if ((strstr(line, " um") || strstr(line, " uw") ||
		     strstr(line, " ui")) && n < max)
			starts[n++] = start;
	}
	fclose(f);
	return n;
}

/*
 * Each region of @pid's mm requests a uffd node iff smaps says it is
 * registered; returns the requested node (the same for all), or NULL.
 */
static const struct osm_node *
check_regions(struct __test_metadata *_metadata, const struct osm_graph *g,
	      pid_t pid)
{
	const struct osm_node *mm = osm_test_held_by_tid(g, pid, "mm");
	const struct osm_node *chan = NULL, *vma, *u;
	const struct osm_edge *in[512];
	unsigned long starts[16], start;
	size_t i, nin;
	int nreg, j;
	bool want;

	nreg = smaps_registered(pid, starts, 16);
	if (!mm || nreg < 0) {
		EXPECT_NE(NULL, mm);
		EXPECT_LE(0, nreg);
		return NULL;
	}
	nin = osm_test_in(mm, OSM_EDGE_SUBSET, OSM_NODE_VMA, in, 512);
	EXPECT_GE(512U, nin);
	for (i = 0; i < nin && i < 512; i++) {
		vma = osm_edge__src(in[i]);
		start = strtoul(attr(vma, "start"), NULL, 16);
		want = false;
		for (j = 0; j < nreg; j++)
			want |= starts[j] == start;
		u = edge_to(vma, OSM_EDGE_REQUEST, OSM_NODE_UFFD);
		EXPECT_EQ(want, u != NULL)
			TH_LOG("pid %d region %lx: smaps says %s", (int)pid,
			       start, want ? "registered" : "not registered");
		if (u && chan)
			EXPECT_EQ(chan, u);
		if (u)
			chan = u;
	}
	return chan;
}

/* Is @fd of @pid a userfaultfd, as /proc names and describes it? */
static bool proc_says_uffd(pid_t pid, int fd)
{
	char path[64], buf[256];
	bool api = false;
	ssize_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid, fd);
	n = readlink(path, buf, sizeof(buf) - 1);
	if (n < 0)
		return false;
	buf[n] = '\0';
	if (strcmp(buf, "anon_inode:[userfaultfd]"))
		return false;
	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", (int)pid, fd);
	f = fopen(path, "r");
	if (!f)
		return false;
	while (fgets(buf, sizeof(buf), f))
		api |= !strncmp(buf, "API:", 4);
	fclose(f);
	return api;
}

/*
 * The registered page requests the uffd node its descriptor's file
 * serves; the other regions, and the forked holder's copy of the page,
 * request nothing.  The registrant and the holder both serve it.  After
 * UFFDIO_UNREGISTER no region requests anything (the regions need not
 * merge back: /proc/PID/maps says what they are).
 */
TEST_F_TIMEOUT(plain, uffd_region_requests_its_handler, OSM_TIMEOUT)
{
	const struct osm_node *chan, *file, *hfile, *vma, *cli, *hold;
	struct osm_test_vma *maps = NULL;
	struct uffd_reply rep;
	int nmaps, i;
	struct osm_child c;
	struct osm_graph *g;
	char id[96];
	int nsrv;

	OSM_START_AND_LOAD(&c, &g, OSM_SPAWN_FORK, 0, uffd_child, NULL, &rep,
			   sizeof(rep));
	EXPECT_EQ(1, rep.faults) TH_LOG("the handler resolved no fault");
	ASSERT_TRUE(proc_says_uffd(c.pid, rep.fd));
	ASSERT_TRUE(proc_says_uffd(rep.holder, rep.fd));
	/* One open file, two descriptor tables. */
	ASSERT_EQ(0, osm_test_kcmp(c.pid, rep.holder, KCMP_FILE, rep.fd,
				   rep.fd));

	chan = check_regions(_metadata, g, c.pid);
	ASSERT_NE(NULL, chan) TH_LOG("no region requests a uffd node");
	/* That is the page the test registered. */
	snprintf(id, sizeof(id), "vma:%s:%lx",
		 osm_test_token(osm_test_held_by_tid(g, c.pid, "mm")), rep.reg);
	vma = osm_graph__find(g, id);
	ASSERT_NE(NULL, vma) TH_LOG("no node %s", id);
	EXPECT_EQ(rep.reg + rep.page, strtoul(attr(vma, "end"), NULL, 16));
	EXPECT_EQ(chan, edge_to(vma, OSM_EDGE_REQUEST, OSM_NODE_UFFD));
	{
		const struct osm_edge *e;

		ASSERT_EQ(1U, osm_test_out(vma, OSM_EDGE_REQUEST, NULL, &e, 1));
		EXPECT_STREQ("missing", osm_edge__attr(e, "faults") ?: "(none)");
	}
	EXPECT_EQ(NULL, check_regions(_metadata, g, rep.holder));

	/* The descriptor's file serves it, seen from both holders. */
	file = fd_file(g, c.pid, rep.fd);
	hfile = fd_file(g, rep.holder, rep.fd);
	ASSERT_NE(NULL, file);
	EXPECT_EQ(file, hfile);
	EXPECT_STREQ("[userfaultfd]", attr(file, "anon"));
	EXPECT_TRUE(osm_test_has_edge(file, OSM_EDGE_SERVE, chan));
	EXPECT_EQ(1U, osm_test_in(chan, OSM_EDGE_SERVE, NULL, NULL, 0));

	cli = osm_test_process(g, c.pid);
	hold = osm_test_process(g, rep.holder);
	ASSERT_NE(NULL, cli);
	ASSERT_NE(NULL, hold);
	EXPECT_TRUE(served_by(g, cli, cli, chan, &nsrv));
	EXPECT_TRUE(served_by(g, cli, hold, chan, &nsrv));
	EXPECT_EQ(2, nsrv);
	EXPECT_FALSE(reaches(g, cli, chan));
	osm_graph__free(g);

	/* Unregistered: the page's region (as maps has it) requests nothing. */
	ASSERT_EQ(0, osm_child_step(&c, &rep, sizeof(rep))) TH_LOG("%s", c.err);
	g = osm_test_load();
	ASSERT_NE(NULL, g);
	EXPECT_EQ(NULL, check_regions(_metadata, g, c.pid));
	nmaps = osm_test_read_maps(c.pid, &maps);
	ASSERT_LT(0, nmaps);
	for (i = 0; i < nmaps; i++)
		if (maps[i].start <= rep.reg && rep.reg < maps[i].end)
			break;
	ASSERT_LT(i, nmaps);
	snprintf(id, sizeof(id), "vma:%s:%llx",
		 osm_test_token(osm_test_held_by_tid(g, c.pid, "mm")),
		 maps[i].start);
	vma = osm_graph__find(g, id);
	ASSERT_NE(NULL, vma) TH_LOG("no node %s", id);
	EXPECT_EQ(maps[i].end, strtoull(attr(vma, "end"), NULL, 16));
	EXPECT_EQ(0U, osm_test_out(vma, OSM_EDGE_REQUEST, NULL, NULL, 0));
	free(maps);
	file = fd_file(g, c.pid, rep.fd);
	chan = edge_to(file, OSM_EDGE_SERVE, OSM_NODE_UFFD);
	EXPECT_NE(NULL, chan) TH_LOG("the file still serves its context");
	EXPECT_EQ(0, osm_query__servers(g, osm_test_process(g, c.pid), NULL,
					&(struct osm_share *){ NULL }));
	osm_graph__free(g);
	EXPECT_EQ(0, osm_child_finish(&c));
}

/*
 * Parked between a region and the files: the region's context is closed
 * and another process opens a userfaultfd, which may take the freed
 * context's address.  The new file must not serve the node the old
 * region requested: the two contexts never existed at once.
 */
#define UFFD_LOW	0x10000000UL	/* below the other regions: early */
#define NR_REGIONS	4000		/* several chunks after it */

/*
 * On one CPU, a context freed by one child is what the slab hands the
 * next one (SLUB's per-CPU free list is last in, first out): the case
 * the walk must not be fooled by.
 */
static void on_cpu0(int sock)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		osm_child_fail(sock, "sched_setaffinity: %m");
}

static int uffd_open(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	int fd = syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);

	if (fd >= 0 && ioctl(fd, UFFDIO_API, &api)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Child: a registered page low in a large mm; closes its uffd when told. */
static int uffd_early_child(int sock, void *arg)
{
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	long page = getpagesize();
	int fd;
	void *p;

	(void)arg;
	on_cpu0(sock);
	fd = uffd_open();
	if (fd < 0)
		osm_child_fail(sock, "userfaultfd: %m");
	p = mmap((void *)UFFD_LOW, page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p != (void *)UFFD_LOW)
		osm_child_fail(sock, "mmap at %lx: %m", UFFD_LOW);
	reg.range.start = UFFD_LOW;
	reg.range.len = page;
	if (ioctl(fd, UFFDIO_REGISTER, &reg))
		osm_child_fail(sock, "UFFDIO_REGISTER: %m");
	if (!osm_child_make_regions(NR_REGIONS))
		osm_child_fail(sock, "regions: %m");
	osm_child_ready(sock, &fd, sizeof(fd));
	close(fd);	/* unregisters the page, frees the context */
	osm_child_ready(sock, &fd, sizeof(fd));
	return 0;
}

/* Child: opens a userfaultfd when told. */
static int uffd_late_child(int sock, void *arg)
{
	int fd;

	(void)arg;
	on_cpu0(sock);
	osm_child_ready(sock, NULL, 0);
	fd = uffd_open();
	if (fd < 0)
		osm_child_fail(sock, "userfaultfd: %m");
	osm_child_ready(sock, &fd, sizeof(fd));
	return 0;
}

/* How many descriptors of @pid are userfaultfds, as /proc/PID/fd says. */
static int proc_uffds(pid_t pid)
{
	int *fds = NULL, n, i, count = 0;

	n = osm_test_proc_fds(pid, &fds);
	for (i = 0; i < n; i++) {
		char path[64], buf[64];
		ssize_t len;

		snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid,
			 fds[i]);
		len = readlink(path, buf, sizeof(buf) - 1);
		if (len < 0)
			continue;
		buf[len] = '\0';
		count += !strcmp(buf, "anon_inode:[userfaultfd]");
	}
	free(fds);
	return n < 0 ? -1 : count;
}

TEST_F_TIMEOUT(plain, uffd_parked_walk_never_joins_two_contexts, OSM_TIMEOUT)
{
	const struct osm_node *vma, *file, *old, *new;
	struct osm_text_info info;
	struct osm_child e, l;
	struct osm_graph *g;
	char needle[64], id[96], err[256];
	char *buf = NULL;
	size_t len = 0;
	int fd, efd, lfd, n = 0;

	ASSERT_EQ(0, osm_child_start(&e, OSM_SPAWN_FORK, 0, uffd_early_child,
				     NULL, &efd, sizeof(efd)))
		TH_LOG("%m: %s", e.err);
	ASSERT_EQ(0, osm_child_start(&l, OSM_SPAWN_FORK, 0, uffd_late_child,
				     NULL, NULL, 0))
		TH_LOG("%m: %s", l.err);
	ASSERT_LT(e.pid, l.pid) TH_LOG("pids wrapped: the order is the walk's");
	ASSERT_EQ(1, proc_uffds(e.pid));

	/* Park the walk after the page's request, before e's files. */
	fd = open(osm_test_device(), O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	snprintf(needle, sizeof(needle), ":%lx " OSM_EDGE_REQUEST " uffd:",
		 UFFD_LOW);
	while (!strstr(buf ? buf : "", needle)) {
		ASSERT_LT(0, osm_test_read_chunk(fd, &buf, &len))
			TH_LOG("the walk ended without the page's request");
		n++;
	}
	ASSERT_EQ(0U, osm_test_text_lines(buf, len, NULL,
					  OSM_REC_EDGE " thread:%d hold files:",
					  (int)e.pid))
		TH_LOG("e's files were rendered in the same chunk");

	/* The old context goes, then the new one comes. */
	ASSERT_EQ(0, osm_child_step(&e, &efd, sizeof(efd))) TH_LOG("%s", e.err);
	ASSERT_EQ(0, proc_uffds(e.pid));
	ASSERT_EQ(0, osm_child_step(&l, &lfd, sizeof(lfd))) TH_LOG("%s", l.err);
	ASSERT_EQ(1, proc_uffds(l.pid));
	while (osm_test_read_chunk(fd, &buf, &len) > 0)
		n++;
	close(fd);
	ASSERT_LT(2, n) TH_LOG("the walk took %d chunks", n);
	ASSERT_EQ(0, osm_test_check_text(buf, len, &info, err, sizeof(err)))
		TH_LOG("%s", err);

	g = osm_graph__parse(buf, len);
	ASSERT_NE(NULL, g);
	snprintf(id, sizeof(id), "vma:%s:%lx",
		 osm_test_token(osm_test_held_by_tid(g, e.pid, "mm")), UFFD_LOW);
	vma = osm_graph__find(g, id);
	old = edge_to(vma, OSM_EDGE_REQUEST, OSM_NODE_UFFD);
	ASSERT_NE(NULL, old) TH_LOG("%s requests nothing", id);
	file = fd_file(g, l.pid, lfd);
	new = edge_to(file, OSM_EDGE_SERVE, OSM_NODE_UFFD);
	ASSERT_NE(NULL, new) TH_LOG("the new userfaultfd serves nothing");
	EXPECT_NE(old, new) TH_LOG("two contexts that never coexisted are one node %s",
				   osm_node__id(new));
	EXPECT_EQ(0U, osm_test_in(old, OSM_EDGE_SERVE, NULL, NULL, 0));
	osm_graph__free(g);
	free(buf);
	EXPECT_EQ(0, osm_child_finish(&e));
	EXPECT_EQ(0, osm_child_finish(&l));
}

/* ---- the kernel serves everything else -------------------------------- */

/* Is @dev the device of a FUSE mount in @pid's mountinfo? */
static bool dev_is_fuse(pid_t pid, dev_t dev)
{
	char path[64], line[1024], type[128];
	unsigned int maj, min;
	bool fuse = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/mountinfo", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return true;	/* cannot tell: count it against the test */
	while (fgets(line, sizeof(line), f)) {
		char *sep = strstr(line, " - ");

		if (sep && sscanf(line, "%*d %*d %u:%u", &maj, &min) == 2 &&
		    sscanf(sep, " - %127s", type) == 1 &&
		    makedev(maj, min) == dev && !strncmp(type, "fuse", 4))
			fuse = true;
	}
	fclose(f);
	return fuse;
}

/*
 * A process with no file on FUSE and no userfaultfd region: nothing it
 * reaches requests anything, and no server is listed (the kernel serves).
 */
TEST_F_TIMEOUT(plain, kernel_serves_the_rest, OSM_TIMEOUT)
{
	const struct osm_node **res = NULL, *pd;
	unsigned long starts[4];
	struct osm_child c;
	struct osm_graph *g;
	char path[64];
	struct stat st;
	int *fds = NULL, nfds, n, i;

	OSM_START_AND_LOAD(&c, &g, OSM_SPAWN_FORK, 0, osm_child_idle, NULL,
			   NULL, 0);
	/* Ground truth: no region registered, no descriptor on FUSE. */
	EXPECT_EQ(0, smaps_registered(c.pid, starts, 4));
	nfds = osm_test_proc_fds(c.pid, &fds);
	ASSERT_LE(0, nfds);
	for (i = 0; i < nfds; i++) {
		snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)c.pid,
			 fds[i]);
		ASSERT_EQ(0, stat(path, &st));
		EXPECT_FALSE(dev_is_fuse(c.pid, st.st_dev)) TH_LOG("fd %d", fds[i]);
	}
	free(fds);

	pd = osm_test_process(g, c.pid);
	ASSERT_NE(NULL, pd);
	n = osm_query__reachable(g, pd, NULL, &res);
	ASSERT_LT(0, n);
	for (i = 0; i < n; i++)
		EXPECT_EQ(0U, osm_test_out(res[i], OSM_EDGE_REQUEST, NULL,
					   NULL, 0))
			TH_LOG("%s requests", osm_node__id(res[i]));
	free(res);
	EXPECT_EQ(0, osm_query__servers(g, pd, NULL,
					&(struct osm_share *){ NULL }));
	osm_graph__free(g);
	EXPECT_EQ(0, osm_child_finish(&c));
}

OSM_TEST_MAIN
