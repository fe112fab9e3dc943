// SPDX-License-Identifier: GPL-2.0-only
/*
 * SysV IPC: the segments, semaphore sets and message queues of each IPC
 * namespace, who attaches a segment, and the semaphore undo lists.
 *
 * Oracles: /proc/sysvipc/{shm,sem,msg}, read by a process in the
 * namespace they describe (every object, its key, mode, owner, creator,
 * and a segment's size and attach count); shmctl/semctl/msgctl
 * IPC_STAT; /proc/PID/maps (the region that maps a segment: the inode
 * numbered by the shmid); /proc/PID/ns/ipc; and kcmp(KCMP_SYSVSEM) for
 * the undo lists.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <grp.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/sem.h>
#include <stdatomic.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/kcmp.h>

#include "kselftest_harness.h"
#include "osm_test_util.h"

#define MAX_ROWS	64

/* One line of /proc/sysvipc/<kind>. */
struct ipc_row {
	unsigned int key;
	int id;
	unsigned int mode;
	unsigned int uid, gid, cuid, cgid;
	unsigned long size, nattch;	/* shm only */
};

/*
 * The objects of one kind in the caller's IPC namespace, as
 * /proc/sysvipc/<kind> lists them.  Returns the count, or -1 with errno.
 */
static int read_sysvipc(const char *kind, struct ipc_row *rows, int max)
{
	char path[64], line[512];
	int n = 0, ok;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/sysvipc/%s", kind);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (!fgets(line, sizeof(line), f)) {	/* the header */
		fclose(f);
		errno = EPROTO;
		return -1;
	}
	while (n < max && fgets(line, sizeof(line), f)) {
		struct ipc_row *r = &rows[n];
		int key;

		memset(r, 0, sizeof(*r));
		if (!strcmp(kind, "shm"))
			ok = sscanf(line, "%d %d %o %lu %*d %*d %lu %u %u %u %u",
				    &key, &r->id, &r->mode, &r->size,
				    &r->nattch, &r->uid, &r->gid, &r->cuid,
				    &r->cgid) == 9;
		else if (!strcmp(kind, "sem"))
			ok = sscanf(line, "%d %d %o %*u %u %u %u %u", &key,
				    &r->id, &r->mode, &r->uid, &r->gid,
				    &r->cuid, &r->cgid) == 7;
		else
			ok = sscanf(line, "%d %d %o %*u %*u %*d %*d %u %u %u %u",
				    &key, &r->id, &r->mode, &r->uid, &r->gid,
				    &r->cuid, &r->cgid) == 7;
		if (!ok) {
			fclose(f);
			errno = EPROTO;
			return -1;
		}
		r->key = (unsigned int)key;
		n++;
	}
	fclose(f);
	return n;
}

static const char *kind_type(const char *kind)
{
	if (!strcmp(kind, "shm"))
		return OSM_NODE_SHM;
	return strcmp(kind, "sem") ? OSM_NODE_MSG : OSM_NODE_SEM;
}

/* Does @n have an "in" edge to ipc_ns:<ns>? */
static bool in_ns(const struct osm_node *n, unsigned long long ns)
{
	const struct osm_edge *e[4];
	size_t i, k = osm_test_out(n, OSM_EDGE_IN, OSM_NODE_IPC_NS, e, 4);
	char want[48];

	snprintf(want, sizeof(want), OSM_NODE_IPC_NS ":%llu", ns);
	for (i = 0; i < k && i < 4; i++)
		if (!strcmp(osm_node__id(osm_edge__dst(e[i])), want))
			return true;
	return false;
}

static unsigned long long attr(const struct osm_node *n, const char *key)
{
	unsigned long long v = ~0ULL;

	osm_test_attr_ull(n, key, &v);
	return v;
}

/* The mode attribute is octal without a 0 prefix, as /proc prints it. */
static unsigned int mode_attr(const struct osm_node *n)
{
	const char *v = osm_node__attr(n, "mode");

	return v ? (unsigned int)strtoul(v, NULL, 8) : ~0U;
}

/*
 * The graph lists exactly the objects of @rows in ipc_ns:<ns>, each with
 * the attributes /proc/sysvipc shows.
 */
static void check_rows(struct __test_metadata *_metadata,
		       const struct osm_graph *g, const char *kind,
		       unsigned long long ns, const struct ipc_row *rows,
		       int nrows)
{
	const char *type = kind_type(kind);
	size_t i, count = 0;
	int k;

	for (k = 0; k < nrows; k++) {
		const struct ipc_row *r = &rows[k];
		const struct osm_node *n = osm_test_find(g, "%s:%llu:%d", type,
							 ns, r->id);

		ASSERT_NE(NULL, n) TH_LOG("no %s:%llu:%d", type, ns, r->id);
		EXPECT_TRUE(in_ns(n, ns)) TH_LOG("%s", osm_node__id(n));
		EXPECT_EQ(r->key, attr(n, "key")) TH_LOG("%s", osm_node__id(n));
		EXPECT_EQ((unsigned long long)r->id, attr(n, "id"));
		EXPECT_EQ(r->mode, mode_attr(n)) TH_LOG("%s", osm_node__id(n));
		EXPECT_EQ(r->uid, attr(n, "uid"));
		EXPECT_EQ(r->gid, attr(n, "gid"));
		EXPECT_EQ(r->cuid, attr(n, "cuid"));
		EXPECT_EQ(r->cgid, attr(n, "cgid"));
		if (!strcmp(kind, "shm")) {
			EXPECT_EQ(r->size, attr(n, "size"));
			EXPECT_EQ(r->nattch, attr(n, "nattch"))
				TH_LOG("%s", osm_node__id(n));
		}
	}
	/* And no other object in that namespace. */
	for (i = 0; i < osm_graph__node_count(g); i++) {
		const struct osm_node *n = osm_graph__node(g, i);

		if (!strcmp(osm_node__type(n), type) && in_ns(n, ns))
			count++;
	}
	EXPECT_EQ((size_t)nrows, count) TH_LOG("%s in ipc_ns:%llu", type, ns);
}

/* Does process @pid reach @res in @g? */
static bool reaches(const struct osm_graph *g, pid_t pid,
		    const struct osm_node *res)
{
	const struct osm_node *pd = osm_test_process(g, pid), **out = NULL;
	bool found = false;
	int n, i;

	if (!pd)
		return false;
	n = osm_query__reachable(g, pd, NULL, &out);
	for (i = 0; i < n; i++)
		found |= out[i] == res;
	free(out);
	return found;
}

/*
 * The start of the region of @pid that maps segment @shmid, as
 * /proc/PID/maps shows it: named /SYSV<key %08x> (deleted), the inode
 * numbered by the shmid (a shared anonymous region has a small inode
 * number too, so the name counts).  0 if there is none.
 */
static unsigned long long shm_region_start(pid_t pid, int shmid)
{
	unsigned long long start, end, off, ino, found = 0;
	char path[64], line[512], perm[8], name[256];
	unsigned int maj, min;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu %255s", &start,
			   &end, perm, &off, &maj, &min, &ino, name) == 8 &&
		    ino == (unsigned long long)shmid &&
		    !strncmp(name, "/SYSV", 5))
			found = start;
	}
	fclose(f);
	return found;
}

/* The inode node of the region of @pid that maps segment @shmid. */
static const struct osm_node *shm_region_inode(const struct osm_graph *g,
					       pid_t pid, int shmid)
{
	const struct osm_node *mm = osm_test_held_by_tid(g, pid, OSM_NODE_MM);
	unsigned long long start = shm_region_start(pid, shmid), s;
	const struct osm_edge *e[512];
	size_t i, k;

	if (!start || !mm)
		return NULL;
	k = osm_test_in(mm, OSM_EDGE_SUBSET, OSM_NODE_VMA, e, 512);
	for (i = 0; i < k && i < 512; i++) {
		const struct osm_node *v = osm_edge__src(e[i]);

		if (osm_test_attr_ull(v, "start", &s) && s == start)
			return osm_test_mapped_inode(v);
	}
	return NULL;
}

/* Child: attach the segment *arg, touch it, report the address. */
static int attach_child(int sock, void *arg)
{
	int id = *(int *)arg;
	char *p = shmat(id, NULL, 0);

	if (p == (void *)-1)
		osm_child_fail(sock, "shmat(%d): %m", id);
	p[0] = 1;
	return osm_child_ready(sock, NULL, 0) ? 1 : 0;
}

/* What the child in a new IPC namespace reports. */
struct inner_reply {
	unsigned long long ns;
	int shmid;
	int nrows;
	struct ipc_row rows[8];
};

/* Child: a new IPC namespace with one segment, attached. */
static int inner_child(int sock, void *arg)
{
	key_t key = *(key_t *)arg;
	struct inner_reply rep = { 0 };
	char *p;

	if (unshare(CLONE_NEWIPC))
		osm_child_fail(sock, "unshare(CLONE_NEWIPC): %m");
	rep.shmid = shmget(key, 4096, IPC_CREAT | IPC_EXCL | 0604);
	if (rep.shmid < 0)
		osm_child_fail(sock, "shmget: %m");
	p = shmat(rep.shmid, NULL, 0);
	if (p == (void *)-1)
		osm_child_fail(sock, "shmat: %m");
	p[0] = 1;
	rep.ns = osm_test_ns_ino(getpid(), "ipc");
	rep.nrows = read_sysvipc("shm", rep.rows, 8);
	if (rep.nrows < 0)
		osm_child_fail(sock, "/proc/sysvipc/shm: %m");
	/* The namespace dies with the child, and its segment with it. */
	return osm_child_ready(sock, &rep, sizeof(rep)) ? 1 : 0;
}

FIXTURE(sysvipc) {
	key_t key;
	int shm_free, shm_att, sem, msg;
	struct osm_child a, b, inner;
	struct inner_reply in;
	unsigned long long ns;
	struct osm_graph *g;
};

FIXTURE_SETUP(sysvipc)
{
	key_t inner_key;

	self->shm_free = self->shm_att = self->sem = self->msg = -1;
	self->key = 0x05a70000 | ((getpid() & 0xfff) << 4);
	self->ns = osm_test_ns_ino(getpid(), "ipc");
	ASSERT_NE(0, self->ns);
	self->shm_free = shmget(self->key + 1, 8192,
				IPC_CREAT | IPC_EXCL | 0640);
	ASSERT_LE(0, self->shm_free) TH_LOG("shmget: %m");
	self->shm_att = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	ASSERT_LE(0, self->shm_att) TH_LOG("shmget: %m");
	self->sem = semget(self->key + 2, 3, IPC_CREAT | IPC_EXCL | 0660);
	ASSERT_LE(0, self->sem) TH_LOG("semget: %m");
	self->msg = msgget(self->key + 3, IPC_CREAT | IPC_EXCL | 0620);
	ASSERT_LE(0, self->msg) TH_LOG("msgget: %m");

	ASSERT_EQ(0, osm_child_start(&self->a, OSM_SPAWN_FORK, 0,
				     attach_child, &self->shm_att, NULL, 0))
		TH_LOG("%s", self->a.err);
	ASSERT_EQ(0, osm_child_start(&self->b, OSM_SPAWN_FORK, 0,
				     attach_child, &self->shm_att, NULL, 0))
		TH_LOG("%s", self->b.err);
	inner_key = self->key + 4;
	ASSERT_EQ(0, osm_child_start(&self->inner, OSM_SPAWN_FORK, 0,
				     inner_child, &inner_key, &self->in,
				     sizeof(self->in)))
		TH_LOG("%s", self->inner.err);
	self->g = osm_test_load();
	ASSERT_NE(NULL, self->g) TH_LOG("load: %m");
}

FIXTURE_TEARDOWN(sysvipc)
{
	osm_graph__free(self->g);
	if (self->a.pid > 0)
		osm_child_finish(&self->a);
	if (self->b.pid > 0)
		osm_child_finish(&self->b);
	if (self->inner.pid > 0)
		osm_child_finish(&self->inner);
	if (self->shm_free >= 0)
		shmctl(self->shm_free, IPC_RMID, NULL);
	if (self->shm_att >= 0)
		shmctl(self->shm_att, IPC_RMID, NULL);
	if (self->sem >= 0)
		semctl(self->sem, 0, IPC_RMID);
	if (self->msg >= 0)
		msgctl(self->msg, IPC_RMID, NULL);
}

/* Every object /proc/sysvipc lists, and no other, with its attributes. */
TEST_F_TIMEOUT(sysvipc, objects_as_proc_sysvipc_lists_them, OSM_TIMEOUT)
{
	static const char *const kinds[] = { "shm", "sem", "msg" };
	struct ipc_row rows[MAX_ROWS];
	int k, n, j, mine;

	for (k = 0; k < 3; k++) {
		n = read_sysvipc(kinds[k], rows, MAX_ROWS);
		ASSERT_LE(0, n) TH_LOG("/proc/sysvipc/%s: %m", kinds[k]);
		ASSERT_GT(MAX_ROWS, n);
		/* Ours are there (two segments, one set, one queue). */
		for (j = 0, mine = 0; j < n; j++)
			mine += rows[j].id == self->shm_free ||
				rows[j].id == self->shm_att ||
				rows[j].id == self->sem ||
				rows[j].id == self->msg;
		EXPECT_LE(k ? 1 : 2, mine) TH_LOG("%s", kinds[k]);
		check_rows(_metadata, self->g, kinds[k], self->ns, rows, n);
	}
}

/* The attributes agree with IPC_STAT. */
TEST_F_TIMEOUT(sysvipc, attributes_as_ipc_stat, OSM_TIMEOUT)
{
	const struct osm_node *n;
	struct shmid_ds shm;
	struct semid_ds sem;
	struct msqid_ds msg;

	ASSERT_EQ(0, shmctl(self->shm_free, IPC_STAT, &shm));
	n = osm_test_find(self->g, "shm:%llu:%d", self->ns, self->shm_free);
	ASSERT_NE(NULL, n);
	EXPECT_EQ((unsigned int)shm.shm_perm.__key, attr(n, "key"));
	EXPECT_EQ((unsigned int)(self->key + 1), attr(n, "key"));
	EXPECT_EQ(shm.shm_perm.mode & 07777, mode_attr(n));
	EXPECT_EQ(0640U, mode_attr(n) & 0777);
	EXPECT_EQ(shm.shm_segsz, attr(n, "size"));
	EXPECT_EQ(shm.shm_nattch, attr(n, "nattch"));
	EXPECT_EQ(shm.shm_perm.uid, attr(n, "uid"));
	EXPECT_EQ(shm.shm_perm.cgid, attr(n, "cgid"));

	ASSERT_EQ(0, shmctl(self->shm_att, IPC_STAT, &shm));
	n = osm_test_find(self->g, "shm:%llu:%d", self->ns, self->shm_att);
	ASSERT_NE(NULL, n);
	EXPECT_EQ(0ULL, attr(n, "key"));	/* IPC_PRIVATE */
	EXPECT_EQ(2UL, shm.shm_nattch);
	EXPECT_EQ(shm.shm_nattch, attr(n, "nattch"));

	ASSERT_EQ(0, semctl(self->sem, 0, IPC_STAT, &sem));
	n = osm_test_find(self->g, "sem:%llu:%d", self->ns, self->sem);
	ASSERT_NE(NULL, n);
	EXPECT_EQ((unsigned int)sem.sem_perm.__key, attr(n, "key"));
	EXPECT_EQ(sem.sem_perm.mode & 0777, mode_attr(n));
	EXPECT_EQ(sem.sem_perm.cuid, attr(n, "cuid"));

	ASSERT_EQ(0, msgctl(self->msg, IPC_STAT, &msg));
	n = osm_test_find(self->g, "msg:%llu:%d", self->ns, self->msg);
	ASSERT_NE(NULL, n);
	EXPECT_EQ((unsigned int)msg.msg_perm.__key, attr(n, "key"));
	EXPECT_EQ(msg.msg_perm.mode & 0777, mode_attr(n));
	EXPECT_EQ(msg.msg_perm.gid, attr(n, "gid"));
}

/*
 * Two processes that attach one segment meet at its inode, which leads
 * to the segment: both reach it; the process that did not attach it
 * does not, although it is in the same namespace.
 */
TEST_F_TIMEOUT(sysvipc, attachers_meet_at_one_segment, OSM_TIMEOUT)
{
	const struct osm_node *seg, *ia, *ib;
	const struct osm_edge *e[4];

	seg = osm_test_find(self->g, "shm:%llu:%d", self->ns, self->shm_att);
	ASSERT_NE(NULL, seg);
	ia = shm_region_inode(self->g, self->a.pid, self->shm_att);
	ib = shm_region_inode(self->g, self->b.pid, self->shm_att);
	ASSERT_NE(NULL, ia) TH_LOG("no region of %d maps shm %d",
				   self->a.pid, self->shm_att);
	ASSERT_NE(NULL, ib);
	EXPECT_EQ(ia, ib) TH_LOG("%s vs %s", osm_node__id(ia),
				 osm_node__id(ib));
	EXPECT_EQ((unsigned long long)self->shm_att, attr(ia, "ino"));
	EXPECT_TRUE(osm_test_has_edge(ia, OSM_EDGE_MAP, seg));
	EXPECT_EQ(1U, osm_test_in(seg, OSM_EDGE_MAP, OSM_NODE_INODE, e, 4));
	EXPECT_TRUE(reaches(self->g, self->a.pid, seg));
	EXPECT_TRUE(reaches(self->g, self->b.pid, seg));
	EXPECT_FALSE(reaches(self->g, getpid(), seg));
}

/* A segment nobody attaches is listed, and nobody reaches it. */
TEST_F_TIMEOUT(sysvipc, unattached_segment_listed, OSM_TIMEOUT)
{
	const struct osm_node *seg;
	const struct osm_edge *e[4];

	seg = osm_test_find(self->g, "shm:%llu:%d", self->ns, self->shm_free);
	ASSERT_NE(NULL, seg);
	EXPECT_EQ(0ULL, attr(seg, "nattch"));
	EXPECT_EQ(0U, osm_test_in(seg, OSM_EDGE_MAP, NULL, e, 4));
	EXPECT_FALSE(reaches(self->g, getpid(), seg));
	EXPECT_FALSE(reaches(self->g, self->a.pid, seg));
}

/*
 * A segment made in a child IPC namespace is in that namespace's list
 * (as /proc/sysvipc/shm shows it there) and not in the parent's.
 */
TEST_F_TIMEOUT(sysvipc, child_namespace_has_its_own, OSM_TIMEOUT)
{
	struct ipc_row rows[MAX_ROWS];
	const struct osm_node *seg, *ino;
	int n, j;

	ASSERT_NE(self->ns, self->in.ns);
	ASSERT_EQ(self->in.ns, osm_test_ns_ino(self->inner.pid, "ipc"));
	ASSERT_EQ(1, self->in.nrows);
	check_rows(_metadata, self->g, "shm", self->in.ns, self->in.rows,
		   self->in.nrows);
	seg = osm_test_find(self->g, "shm:%llu:%d", self->in.ns,
			    self->in.shmid);
	ASSERT_NE(NULL, seg);
	EXPECT_EQ((unsigned int)(self->key + 4), attr(seg, "key"));
	ino = shm_region_inode(self->g, self->inner.pid, self->in.shmid);
	ASSERT_NE(NULL, ino);
	EXPECT_TRUE(osm_test_has_edge(ino, OSM_EDGE_MAP, seg));
	EXPECT_TRUE(reaches(self->g, self->inner.pid, seg));

	/* Not in the parent's namespace: neither in /proc nor the graph. */
	n = read_sysvipc("shm", rows, MAX_ROWS);
	ASSERT_LE(0, n);
	for (j = 0; j < n; j++)
		EXPECT_NE((unsigned int)(self->key + 4), rows[j].key);
	check_rows(_metadata, self->g, "shm", self->ns, rows, n);
}

/* ---- what an unprivileged reader sees ------------------------------- */

#define NOBODY		65534

/* What the reader of uid 65534 found. */
struct own_reply {
	bool view_own;
	int rows;		/* its /proc/sysvipc/{shm,sem,msg} lines */
	int nodes;		/* shm, sem, msg nodes in its own ipc_ns */
	int other;		/* shm, sem, msg nodes in the other one */
	bool has_seg;		/* the root-owned 0600 segment is there */
};

struct own_arg {
	unsigned long long ns, other_ns;
	int seg;
};

static int count_in(const struct osm_graph *g, unsigned long long ns)
{
	size_t i;
	int n = 0;

	for (i = 0; i < osm_graph__node_count(g); i++) {
		const struct osm_node *x = osm_graph__node(g, i);
		const char *t = osm_node__type(x);

		if ((!strcmp(t, OSM_NODE_SHM) || !strcmp(t, OSM_NODE_SEM) ||
		     !strcmp(t, OSM_NODE_MSG)) && in_ns(x, ns))
			n++;
	}
	return n;
}

/* Child: drop to uid 65534, read the graph and /proc/sysvipc, report. */
static int nobody_child(int sock, void *arg)
{
	static const char *const kinds[] = { "shm", "sem", "msg" };
	const struct own_arg *a = arg;
	struct own_reply rep = { 0 };
	struct ipc_row rows[MAX_ROWS];
	struct osm_graph *g;
	const char *view;
	int k, n;

	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY))
		osm_child_fail(sock, "drop to %d: %m", NOBODY);
	if (prctl(PR_SET_DUMPABLE, 1))
		osm_child_fail(sock, "PR_SET_DUMPABLE: %m");
	g = osm_test_load();
	if (!g)
		osm_child_fail(sock, "load as uid %d: %m", NOBODY);
	for (k = 0; k < 3; k++) {
		n = read_sysvipc(kinds[k], rows, MAX_ROWS);
		if (n < 0 || n == MAX_ROWS)
			osm_child_fail(sock, "/proc/sysvipc/%s: %d", kinds[k], n);
		rep.rows += n;
	}
	view = osm_graph__header_attr(g, "view");
	rep.view_own = view && !strcmp(view, "own");
	rep.nodes = count_in(g, a->ns);
	rep.other = count_in(g, a->other_ns);
	rep.has_seg = osm_test_find(g, "shm:%llu:%d", a->ns, a->seg) != NULL;
	osm_graph__free(g);
	return osm_child_ready(sock, &rep, sizeof(rep)) ? 1 : 0;
}

/* Child: a new IPC namespace with a segment, as root. */
static int root_ns_child(int sock, void *arg)
{
	unsigned long long ns;

	(void)arg;
	if (unshare(CLONE_NEWIPC))
		osm_child_fail(sock, "unshare(CLONE_NEWIPC): %m");
	if (shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0644) < 0)
		osm_child_fail(sock, "shmget: %m");
	ns = osm_test_ns_ino(getpid(), "ipc");
	return osm_child_ready(sock, &ns, sizeof(ns)) ? 1 : 0;
}

/*
 * A reader of uid 65534 sees every object of its own IPC namespace, as
 * its /proc/sysvipc does (a root-owned 0600 segment too), and nothing of
 * a namespace that only a root process it may not inspect is in.
 */
FIXTURE(own) {
	int unused;
};

FIXTURE_SETUP(own)
{
	self->unused = 0;
}

FIXTURE_TEARDOWN(own)
{
}

TEST_F_TIMEOUT(own, unprivileged_reader_sees_its_namespace, OSM_TIMEOUT)
{
	struct osm_child root, nobody;
	struct own_reply rep;
	struct own_arg a;

	a.ns = osm_test_ns_ino(getpid(), "ipc");
	a.seg = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	ASSERT_LE(0, a.seg) TH_LOG("shmget: %m");
	ASSERT_EQ(0, osm_child_start(&root, OSM_SPAWN_FORK, 0, root_ns_child,
				     NULL, &a.other_ns, sizeof(a.other_ns)))
		TH_LOG("%s", root.err);
	ASSERT_NE(a.ns, a.other_ns);
	ASSERT_EQ(0, osm_child_start(&nobody, OSM_SPAWN_FORK, 0,
				     nobody_child, &a, &rep, sizeof(rep)))
		TH_LOG("%s", nobody.err);
	osm_child_finish(&nobody);
	osm_child_finish(&root);
	shmctl(a.seg, IPC_RMID, NULL);
	EXPECT_TRUE(rep.view_own);
	EXPECT_LE(1, rep.rows);
	EXPECT_EQ(rep.rows, rep.nodes);
	EXPECT_TRUE(rep.has_seg);
	EXPECT_EQ(0, rep.other);
}

/* ---- a namespace with more objects than one chunk holds ------------- */

#define MANY		2000
#define MANY_KEY	0x4d000000

/* Child: a new IPC namespace with MANY message queues. */
static int many_child(int sock, void *arg)
{
	int i;

	(void)arg;
	if (unshare(CLONE_NEWIPC))
		osm_child_fail(sock, "unshare(CLONE_NEWIPC): %m");
	for (i = 0; i < MANY; i++)
		if (msgget(MANY_KEY + i, IPC_CREAT | IPC_EXCL | 0600) < 0)
			osm_child_fail(sock, "msgget %d: %m", i);
	return osm_child_ready(sock, NULL, 0) ? 1 : 0;
}

FIXTURE(many) {
	struct osm_child c;
	struct osm_graph *g;
	struct ipc_row *rows;
	int n;
	unsigned long long ns;
	int chunks;		/* chunks of the stream holding its queues */
};

/*
 * Read the graph chunk by chunk (one read(2) returns one chunk) and count
 * the chunks that hold queue nodes of ipc_ns:<ns>.  Returns the parsed
 * graph, or NULL (a malformed stream: why in text_err).
 */
static char text_err[256];

static struct osm_graph *load_counting(unsigned long long ns, int *chunks)
{
	struct osm_text_info info;
	size_t len = 0, before;
	struct osm_graph *g;
	char *buf = NULL, pfx[64];
	ssize_t r;
	int fd;

	snprintf(pfx, sizeof(pfx), "node " OSM_NODE_MSG ":%llu:", ns);
	*chunks = 0;
	fd = open(osm_test_device(), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	do {
		before = len;
		r = osm_test_read_chunk(fd, &buf, &len);
		if (r > 0 && strstr(buf + before, pfx))
			(*chunks)++;
	} while (r > 0);
	close(fd);
	/* The stream is well-formed: each node before its edges... */
	g = NULL;
	if (!r && !osm_test_check_text(buf, len, &info, text_err,
				       sizeof(text_err)))
		g = osm_graph__parse(buf, len);
	free(buf);
	return g;
}

/*
 * The walk renders a namespace's objects in pieces, about 128 KiB of
 * text each; MANY queues take several.  This process joins the child's
 * namespace, so that its /proc/sysvipc/msg is the oracle.
 */
FIXTURE_SETUP(many)
{
	char path[64];
	int fd;

	self->rows = calloc(MANY + 1, sizeof(*self->rows));
	ASSERT_NE(NULL, self->rows);
	ASSERT_EQ(0, osm_child_start(&self->c, OSM_SPAWN_FORK, 0, many_child,
				     NULL, NULL, 0)) TH_LOG("%s", self->c.err);
	snprintf(path, sizeof(path), "/proc/%d/ns/ipc", (int)self->c.pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("%s: %m", path);
	ASSERT_EQ(0, setns(fd, CLONE_NEWIPC)) TH_LOG("setns: %m");
	close(fd);
	self->ns = osm_test_ns_ino(getpid(), "ipc");
	ASSERT_EQ(self->ns, osm_test_ns_ino(self->c.pid, "ipc"));
	self->g = load_counting(self->ns, &self->chunks);
	ASSERT_NE(NULL, self->g) TH_LOG("load: %m %s", text_err);
	self->n = read_sysvipc("msg", self->rows, MANY + 1);
}

FIXTURE_TEARDOWN(many)
{
	osm_graph__free(self->g);
	if (self->c.pid > 0)
		osm_child_finish(&self->c);
	free(self->rows);
}

TEST_F_TIMEOUT(many, every_queue_of_a_large_namespace, OSM_TIMEOUT)
{
	ASSERT_EQ(MANY, self->n) TH_LOG("/proc/sysvipc/msg: %m");
	/* The pass over the namespace resumed between chunks. */
	EXPECT_LE(2, self->chunks);
	check_rows(_metadata, self->g, "msg", self->ns, self->rows, self->n);
}

/* ---- semaphore undo lists ------------------------------------------ */

union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
};

static int undo_op(int semid)
{
	struct sembuf op = { .sem_num = 0, .sem_op = 1, .sem_flg = SEM_UNDO };

	return semop(semid, &op, 1);
}

/* Child: its own undo list. */
static int undo_child(int sock, void *arg)
{
	if (undo_op(*(int *)arg))
		osm_child_fail(sock, "semop: %m");
	return osm_child_ready(sock, NULL, 0) ? 1 : 0;
}

static void *idle_thread(void *arg)
{
	int *tid = arg;

	__atomic_store_n(tid, osm_test_gettid(), __ATOMIC_RELEASE);
	for (;;)
		pause();
	return NULL;
}

/* What the undo scenario's first child reports. */
struct undo_reply {
	pid_t thread;	/* its second thread */
	pid_t shared;	/* clone(CLONE_SYSVSEM) */
	pid_t own;	/* fork(), then its own SEM_UNDO */
	pid_t none;	/* fork(), no SEM_UNDO */
};

/*
 * Child: an undo list (semop SEM_UNDO), a thread, a CLONE_SYSVSEM child,
 * and two plain forks, one of which makes a list of its own.
 */
static int undo_parent(int sock, void *arg)
{
	struct osm_child shared, own, none;
	struct undo_reply rep = { 0 };
	pthread_t t;
	int ret;

	if (undo_op(*(int *)arg))
		osm_child_fail(sock, "semop: %m");
	if (pthread_create(&t, NULL, idle_thread, &rep.thread))
		osm_child_fail(sock, "pthread_create");
	while (!__atomic_load_n(&rep.thread, __ATOMIC_ACQUIRE))
		usleep(1000);
	if (osm_child_start(&shared, OSM_SPAWN_CLONE, CLONE_SYSVSEM,
			    osm_child_idle, NULL, NULL, 0))
		osm_child_fail(sock, "clone(CLONE_SYSVSEM): %s", shared.err);
	if (osm_child_start(&own, OSM_SPAWN_FORK, 0, undo_child, arg,
			    NULL, 0))
		osm_child_fail(sock, "fork: %s", own.err);
	if (osm_child_start(&none, OSM_SPAWN_FORK, 0, osm_child_idle, NULL,
			    NULL, 0))
		osm_child_fail(sock, "fork: %s", none.err);
	rep.shared = shared.pid;
	rep.own = own.pid;
	rep.none = none.pid;
	ret = osm_child_ready(sock, &rep, sizeof(rep));
	osm_child_finish(&shared);
	osm_child_finish(&own);
	osm_child_finish(&none);
	return ret ? 1 : 0;
}

FIXTURE(semundo) {
	int sem;
	struct osm_child c;
	struct undo_reply r;
	struct osm_graph *g;
};

FIXTURE_SETUP(semundo)
{
	self->sem = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
	ASSERT_LE(0, self->sem) TH_LOG("semget: %m");
	OSM_START_AND_LOAD(&self->c, &self->g, OSM_SPAWN_FORK, 0,
			   undo_parent, &self->sem, &self->r, sizeof(self->r));
}

FIXTURE_TEARDOWN(semundo)
{
	osm_graph__free(self->g);
	if (self->c.pid > 0)
		osm_child_finish(&self->c);
	if (self->sem >= 0)
		semctl(self->sem, 0, IPC_RMID);
}

/* Threads and CLONE_SYSVSEM children share one list, as kcmp says. */
TEST_F_TIMEOUT(semundo, clone_sysvsem_shares_the_list, OSM_TIMEOUT)
{
	pid_t p = self->c.pid;

	ASSERT_EQ(0, osm_test_kcmp(p, self->r.thread, KCMP_SYSVSEM, 0, 0));
	ASSERT_EQ(0, osm_test_kcmp(p, self->r.shared, KCMP_SYSVSEM, 0, 0));
	OSM_EXPECT_HELD_SAME(self->g, p, self->r.thread, OSM_NODE_SEMUNDO,
			     true);
	OSM_EXPECT_HELD_SAME(self->g, p, self->r.shared, OSM_NODE_SEMUNDO,
			     true);
}

/* A plain fork does not share it: its own list, or none. */
TEST_F_TIMEOUT(semundo, fork_does_not_share, OSM_TIMEOUT)
{
	const struct osm_node *t;
	pid_t p = self->c.pid;

	ASSERT_NE(0, osm_test_kcmp(p, self->r.own, KCMP_SYSVSEM, 0, 0));
	OSM_EXPECT_HELD_SAME(self->g, p, self->r.own, OSM_NODE_SEMUNDO,
			     false);
	/* No list: kcmp finds it equal to another task without one. */
	ASSERT_NE(0, osm_test_kcmp(p, self->r.none, KCMP_SYSVSEM, 0, 0));
	ASSERT_EQ(0, osm_test_kcmp(self->r.none, getpid(), KCMP_SYSVSEM,
				   0, 0));
	t = osm_test_thread(self->g, self->r.none);
	ASSERT_NE(NULL, t);
	EXPECT_EQ(0U, osm_test_held_count(t, OSM_NODE_SEMUNDO));
	t = osm_test_thread(self->g, osm_test_gettid());
	ASSERT_NE(NULL, t);
	EXPECT_EQ(0U, osm_test_held_count(t, OSM_NODE_SEMUNDO));
}

/* ---- scoped walks ---------------------------------------------------- */

/* Read a walk scoped to the resource types @types; malloc()ed text. */
static char *read_scoped(unsigned long long types, size_t *len)
{
	struct osm_scope sc = { .size = sizeof(sc), .flags = OSM_SCOPE_TYPES,
				.types = types };
	char *buf = NULL;
	int fd = open(osm_test_device(), O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	if (!osm_ioc_set_scope(fd, &sc))
		buf = osm_test_read_fd(fd, 1 << 16, len);
	close(fd);
	return buf;
}

FIXTURE(scope) {
	int shm, sem;
	unsigned long long ns;
	pid_t tid;
};

FIXTURE_SETUP(scope)
{
	self->sem = -1;
	self->ns = osm_test_ns_ino(getpid(), "ipc");
	self->tid = osm_test_gettid();
	self->shm = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	ASSERT_LE(0, self->shm) TH_LOG("shmget: %m");
	self->sem = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
	ASSERT_LE(0, self->sem) TH_LOG("semget: %m");
	/* This process gets an undo list. */
	ASSERT_EQ(0, undo_op(self->sem)) TH_LOG("semop: %m");
}

FIXTURE_TEARDOWN(scope)
{
	shmctl(self->shm, IPC_RMID, NULL);
	if (self->sem >= 0)
		semctl(self->sem, 0, IPC_RMID);
}

FIXTURE_VARIANT(scope) {
	unsigned long long types;
	bool objects;		/* shm, sem, msg nodes */
	bool undo;		/* semundo nodes */
};

/* Objects need their namespace; undo lists only the SysV bit. */
FIXTURE_VARIANT_ADD(scope, sysvipc_alone) {
	OSM_RES_SYSVIPC, false, true };
FIXTURE_VARIANT_ADD(scope, sysvipc_and_ipc_ns) {
	OSM_RES_SYSVIPC | OSM_RES_IPC_NS, true, true };
FIXTURE_VARIANT_ADD(scope, ipc_ns_without_sysvipc) {
	OSM_RES_IPC_NS | OSM_RES_MM | OSM_RES_VMA | OSM_RES_INODE, false,
	false };

TEST_F_TIMEOUT(scope, types_keep_sysv_objects, OSM_TIMEOUT)
{
	struct osm_text_info info;
	char err[256];
	size_t len;
	char *buf = read_scoped(variant->types, &len);

	ASSERT_NE(NULL, buf) TH_LOG("scoped read: %m");
	ASSERT_EQ(0, osm_test_check_text(buf, len, &info, err, sizeof(err)))
		TH_LOG("%s", err);
	EXPECT_EQ(variant->objects ? 1U : 0U,
		  osm_test_text_lines(buf, len, NULL, "node shm:%llu:%d ",
				      self->ns, self->shm));
	EXPECT_EQ(variant->objects ? 1U : 0U,
		  osm_test_text_lines(buf, len, NULL,
				      "edge shm:%llu:%d in ipc_ns:%llu\n",
				      self->ns, self->shm, self->ns));
	EXPECT_EQ(variant->undo ? 1U : 0U,
		  osm_test_text_lines(buf, len, NULL,
				      "edge thread:%d hold semundo:",
				      self->tid));
	/* Nothing of another type slipped in. */
	if (!variant->objects)
		EXPECT_EQ(0U, osm_test_text_lines(buf, len, NULL, "node shm:"));
	if (!variant->undo)
		EXPECT_EQ(0U, osm_test_text_lines(buf, len, NULL,
						  "node semundo:"));
	free(buf);
}

/* ---- readers while SysV objects come and go -------------------------- */

#define CHURN_READERS	2
#define CHURN_ROUNDS	150
#define CHURN_READS	2	/* per reader */
#define CHURN_SECONDS	8	/* stop churning after this, whatever */

struct churn {
	atomic_bool stop;
	atomic_int reads;
	atomic_int failed;
	char err[600];
};

/* Read whole walks until told to stop; each must be well-formed. */
static void *churn_reader(void *arg)
{
	struct churn *c = arg;
	struct osm_graph *g;
	char err[512], *buf;
	int mine = 0;
	size_t len;

	while (mine < CHURN_READS || !atomic_load(&c->stop)) {
		buf = osm_test_read_device(4096, &len);
		if (buf && osm_test_check_text(buf, len, NULL, err,
					       sizeof(err))) {
			if (!atomic_fetch_add(&c->failed, 1))
				snprintf(c->err, sizeof(c->err), "%s", err);
			free(buf);
			break;
		}
		g = buf ? osm_graph__parse(buf, len) : NULL;
		free(buf);
		if (!g) {
			if (!atomic_fetch_add(&c->failed, 1))
				snprintf(c->err, sizeof(c->err), "read: %m");
			break;
		}
		osm_graph__free(g);
		mine++;
		atomic_fetch_add(&c->reads, 1);
		if (atomic_load(&c->failed))
			break;
	}
	return NULL;
}

/*
 * One round: a segment made, attached, detached and removed; a queue and
 * a semaphore set made and removed; and every other round a child that
 * makes an undo list and exits with it.
 */
static int sysv_round(int sem, int round)
{
	int shm = shmget(IPC_PRIVATE, 8192, IPC_CREAT | 0600), msg, set;
	int status;
	pid_t pid;
	char *p;

	if (shm < 0)
		return -1;
	p = shmat(shm, NULL, 0);
	if (p == (void *)-1)
		return -1;
	p[0] = 1;
	if (round & 1) {
		pid = fork();
		if (pid < 0)
			return -1;
		if (!pid)
			_exit(undo_op(sem) ? 1 : 0);
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			return -1;
	}
	msg = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	set = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
	if (msg < 0 || set < 0 || shmdt(p) ||
	    shmctl(shm, IPC_RMID, NULL) || msgctl(msg, IPC_RMID, NULL) ||
	    semctl(set, 0, IPC_RMID))
		return -1;
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

FIXTURE(churn) {
	struct churn c;
	pthread_t th[CHURN_READERS];
	int started;
	int sem;
};

FIXTURE_SETUP(churn)
{
	self->sem = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
	ASSERT_LE(0, self->sem) TH_LOG("semget: %m");
}

FIXTURE_TEARDOWN(churn)
{
	int i;

	atomic_store(&self->c.stop, true);
	for (i = 0; i < self->started; i++)
		pthread_join(self->th[i], NULL);
	if (self->sem >= 0)
		semctl(self->sem, 0, IPC_RMID);
}

/* Every walk is whole and well-formed while SysV objects churn. */
TEST_F_TIMEOUT(churn, readers_see_whole_walks_during_sysv_churn, OSM_TIMEOUT)
{
	double start = now_s();
	int i, rounds = 0;

	for (i = 0; i < CHURN_READERS; i++) {
		ASSERT_EQ(0, pthread_create(&self->th[i], NULL, churn_reader,
					    &self->c));
		self->started++;
	}
	while (!atomic_load(&self->c.failed) &&
	       (rounds < CHURN_ROUNDS ||
		atomic_load(&self->c.reads) < CHURN_READERS * CHURN_READS) &&
	       now_s() - start < CHURN_SECONDS) {
		ASSERT_EQ(0, sysv_round(self->sem, rounds))
			TH_LOG("round %d: %m", rounds);
		rounds++;
	}
	atomic_store(&self->c.stop, true);
	for (i = 0; i < self->started; i++)
		pthread_join(self->th[i], NULL);
	self->started = 0;
	TH_LOG("%d rounds, %d reads", rounds, atomic_load(&self->c.reads));
	ASSERT_EQ(0, atomic_load(&self->c.failed)) TH_LOG("%s", self->c.err);
	ASSERT_LE(CHURN_READERS * CHURN_READS, atomic_load(&self->c.reads));
}

OSM_TEST_MAIN
