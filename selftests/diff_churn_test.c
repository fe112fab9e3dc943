// SPDX-License-Identifier: GPL-2.0-only
/*
 * osm diff on a churning system reports only changes that happened
 * between the walks.  The truth is not osm's: a workload (the churner, a
 * child of the test) forks and kills children, creates and closes pipes
 * and unshares ipc and net namespaces as fast as it can, and logs every
 * change to shared memory with CLOCK_MONOTONIC times taken before and
 * after its syscalls, with the ids it made (the child's pid and the
 * namespaces it inherited, fstat()'s pipe inode, stat()'s namespace
 * inode).  The test takes walk A, asks the churner for one change of
 * each kind in the gap (a new child, a killed long-lived child, a new
 * pipe, a closed long-lived pipe, a new uts namespace), takes walk B,
 * and runs "osm -j diff A B" on the two saved walks.  Then:
 *
 * (a) every difference that names the workload (its PDs, the namespaces
 *     and pipes it made) shares an object with a logged change whose
 *     window overlaps [start of A, end of B];
 * (b) every key fact of the workload (a child holds its uts namespace, a
 *     pipe inode exists, the churner holds a namespace, a namespace
 *     exists) whose presence the log decides for both walks (no change
 *     of it overlaps either walk) and that differs is reported, on the
 *     side the log says.
 *
 * Everything else (other processes, this test's own descriptors) is out
 * of scope because it names nothing the workload made.  Module against
 * module, against procfs, and against bpf when it can be loaded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "osm_test_util.h"

#define MAXCH		16384	/* logged changes */
#define MAXKIDS		8	/* churn children alive at once */
#define MAXPIPES	4	/* churn pipes open at once */
#define IDLEN		48
#define NEVER		UINT64_MAX

enum kind { K_FORK, K_EXIT, K_PIPE, K_CLOSE, K_UNSHARE };
enum { NS_UTS, NS_IPC, NS_NET, NS_NR };
static const char *const ns_name[NS_NR] = { "uts", "ipc", "net" };
static const int ns_flag[NS_NR] = { CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWNET };

/*
 * One change.  fork/exit: @pid and the namespaces it holds in @id;
 * pipe/close: the inode in @id[0], the descriptors in @fd; unshare: the
 * new namespace in @id[0], the one it replaced in @id[1], the type @ns.
 */
struct change {
	int kind, pid, ns, gap;
	int fd[2];
	char id[NS_NR][IDLEN];
	uint64_t t0, t1;
};

struct wlog {
	uint32_t n;		/* published changes (release/acquire) */
	int ready, gap, stop, ack;
	pid_t churner;
	struct change ch[MAXCH];
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* ---- the churner ------------------------------------------------------- */

struct pipe_slot {
	int fd[2];
	char id[IDLEN];
};

struct churner {
	struct wlog *log;
	char ns[NS_NR][IDLEN];	/* the namespaces it holds now */
	pid_t kids[MAXKIDS];
	int nkids;
	struct pipe_slot pipes[MAXPIPES];
	int npipes;
	pid_t long_kid, gap_kid;
	struct pipe_slot long_pipe, gap_pipe;
};

static struct change *begin(struct churner *c, int kind)
{
	struct change *ch;
	uint32_t n = c->log->n;

	if (n >= MAXCH)
		return NULL;
	ch = &c->log->ch[n];
	memset(ch, 0, sizeof(*ch));
	ch->kind = kind;
	ch->gap = c->log->gap == 1;
	ch->t0 = now_ns();
	return ch;
}

static void commit(struct churner *c, struct change *ch)
{
	ch->t1 = now_ns();
	__atomic_store_n(&c->log->n, c->log->n + 1, __ATOMIC_RELEASE);
}

static void ns_id(char *buf, int t)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/self/ns/%s", ns_name[t]);
	if (stat(path, &st))
		_exit(10);
	snprintf(buf, IDLEN, "%s_ns:%llu", ns_name[t],
		 (unsigned long long)st.st_ino);
}

/* A child: drops the pipes (only the churner holds them), then waits. */
static pid_t fork_kid(struct churner *c)
{
	struct change *ch = begin(c, K_FORK);
	pid_t pid;
	int i;

	if (!ch)
		return -1;
	pid = fork();
	if (pid < 0)
		_exit(11);
	if (!pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (i = 0; i < c->npipes; i++) {
			close(c->pipes[i].fd[0]);
			close(c->pipes[i].fd[1]);
		}
		for (i = 0; i < 2; i++) {
			if (c->long_pipe.fd[i] >= 0)
				close(c->long_pipe.fd[i]);
			if (c->gap_pipe.fd[i] >= 0)
				close(c->gap_pipe.fd[i]);
		}
		__atomic_store_n(&c->log->ack, getpid(), __ATOMIC_RELEASE);
		for (;;)
			pause();
	}
	while (__atomic_load_n(&c->log->ack, __ATOMIC_ACQUIRE) != pid)
		sched_yield();
	ch->pid = pid;
	memcpy(ch->id, c->ns, sizeof(ch->id));
	commit(c, ch);
	return pid;
}

/* Unlogged when the log is full: a child must still go. */
static void kill_kid(struct churner *c, pid_t pid)
{
	struct change *ch;

	if (pid <= 0)
		return;
	ch = begin(c, K_EXIT);
	kill(pid, SIGKILL);
	if (waitpid(pid, NULL, 0) != pid)
		_exit(12);
	if (!ch)
		return;
	ch->pid = pid;
	commit(c, ch);
}

static int open_pipe(struct churner *c, struct pipe_slot *p)
{
	struct change *ch = begin(c, K_PIPE);
	struct stat st;

	if (!ch)
		return -1;
	if (pipe(p->fd) || fstat(p->fd[0], &st))
		_exit(13);
	osm_test_inode_id(p->id, IDLEN, st.st_dev, st.st_ino);
	memcpy(ch->fd, p->fd, sizeof(ch->fd));
	memcpy(ch->id[0], p->id, IDLEN);
	commit(c, ch);
	return 0;
}

static void close_pipe(struct churner *c, struct pipe_slot *p)
{
	struct change *ch = begin(c, K_CLOSE);

	if (!ch || p->fd[0] < 0)
		return;
	close(p->fd[0]);
	close(p->fd[1]);
	memcpy(ch->fd, p->fd, sizeof(ch->fd));
	memcpy(ch->id[0], p->id, IDLEN);
	commit(c, ch);
	p->fd[0] = p->fd[1] = -1;
}

static void new_ns(struct churner *c, int t)
{
	struct change *ch = begin(c, K_UNSHARE);

	if (!ch)
		return;
	if (unshare(ns_flag[t]))
		_exit(14);
	ch->ns = t;
	memcpy(ch->id[1], c->ns[t], IDLEN);
	ns_id(c->ns[t], t);
	memcpy(ch->id[0], c->ns[t], IDLEN);
	commit(c, ch);
}

/* The stack is grown now, so its region does not change under the walks. */
static void grow_stack(void)
{
	volatile char buf[256 << 10];

	memset((char *)buf, 1, sizeof(buf));
}

/* One churn step: never touches the gap's objects nor the uts namespace. */
static void churn_step(struct churner *c, unsigned int k)
{
	pid_t pid;

	switch (k % 4) {
	case 0:
		pid = c->nkids < MAXKIDS ? fork_kid(c) : -1;
		if (pid > 0)
			c->kids[c->nkids++] = pid;
		break;
	case 1:
		if (c->npipes < MAXPIPES && !open_pipe(c, &c->pipes[c->npipes]))
			c->npipes++;
		break;
	case 2:
		if (c->nkids > 2) {
			kill_kid(c, c->kids[0]);
			memmove(c->kids, c->kids + 1,
				--c->nkids * sizeof(c->kids[0]));
		}
		break;
	case 3:
		if (c->npipes > 1) {
			close_pipe(c, &c->pipes[0]);
			memmove(c->pipes, c->pipes + 1,
				--c->npipes * sizeof(c->pipes[0]));
		}
		break;
	}
	if (k % 8 == 5)
		new_ns(c, NS_IPC);
	if (k % 32 == 13)
		new_ns(c, NS_NET);
}

/* The gap: one change of each kind, none undone before walk B ends. */
static void gap_changes(struct churner *c)
{
	kill_kid(c, c->long_kid);
	close_pipe(c, &c->long_pipe);
	new_ns(c, NS_UTS);
	c->gap_kid = fork_kid(c);
	open_pipe(c, &c->gap_pipe);
#ifdef DIFF_CHURN_NEGATIVE	/* unlogged changes: the test must fail */
	if (dup2(0, 100) != 100 || unshare(CLONE_NEWUTS))
		_exit(16);
#endif
}

static void churner(struct wlog *log)
{
	struct churner c = { .log = log };
	struct timespec pause_ts = { 0, 1000000 };
	unsigned int k = 0;
	int t, i;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	grow_stack();
	c.long_pipe.fd[0] = c.long_pipe.fd[1] = -1;
	c.gap_pipe.fd[0] = c.gap_pipe.fd[1] = -1;
	for (t = 0; t < NS_NR; t++) {
		ns_id(c.ns[t], t);
		new_ns(&c, t);
	}
	open_pipe(&c, &c.long_pipe);
	c.long_kid = fork_kid(&c);
	__atomic_store_n(&log->ready, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&log->stop, __ATOMIC_ACQUIRE)) {
		if (__atomic_load_n(&log->gap, __ATOMIC_ACQUIRE) == 1) {
			gap_changes(&c);
			__atomic_store_n(&log->gap, 2, __ATOMIC_RELEASE);
		}
		churn_step(&c, k++);
		nanosleep(&pause_ts, NULL);
	}
	for (i = 0; i < c.nkids; i++)
		kill_kid(&c, c.kids[i]);
	kill_kid(&c, c.gap_kid);
	_exit(log->n >= MAXCH ? 15 : 0);
}

/* ---- the log, read back -------------------------------------------------- */

struct strset {
	char **v;
	size_t n, cap;
};

static void set_add(struct strset *s, const char *str)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], str))
			return;
	s->v = osm_test_grow(s->v, s->n, &s->cap, sizeof(*s->v));
	if (!s->v)
		abort();
	s->v[s->n++] = strdup(str);
}

static bool set_has(const struct strset *s, const char *str)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], str))
			return true;
	return false;
}

static void set_free(struct strset *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* What a change touches, as the "kind:..." entities of an item (below). */
static void change_entities(const struct wlog *log, const struct change *ch,
			    struct strset *e)
{
	char buf[2 * IDLEN];
	int t;

	switch (ch->kind) {
	case K_FORK:
	case K_EXIT:
		snprintf(buf, sizeof(buf), "pd:%d", ch->pid);
		set_add(e, buf);
		for (t = 0; t < NS_NR && ch->kind == K_FORK; t++) {
			snprintf(buf, sizeof(buf), "res:%s", ch->id[t]);
			set_add(e, buf);
		}
		break;
	case K_PIPE:
	case K_CLOSE:
		snprintf(buf, sizeof(buf), "res:%s", ch->id[0]);
		set_add(e, buf);
		for (t = 0; t < 2; t++) {
			snprintf(buf, sizeof(buf), "fd:%d:%d", log->churner,
				 ch->fd[t]);
			set_add(e, buf);
		}
		break;
	case K_UNSHARE:
		snprintf(buf, sizeof(buf), "res:%s", ch->id[0]);
		set_add(e, buf);
		snprintf(buf, sizeof(buf), "res:%s", ch->id[1]);
		set_add(e, buf);
		for (t = 0; t < 2; t++) {
			snprintf(buf, sizeof(buf), "hold:%d:%s", log->churner,
				 ch->id[t]);
			set_add(e, buf);
		}
		break;
	}
}

/* The fork of @pid: its exit's change lacks the namespaces. */
static const struct change *fork_of(const struct wlog *log, int pid)
{
	uint32_t i;

	for (i = 0; i < log->n; i++)
		if (log->ch[i].kind == K_FORK && log->ch[i].pid == pid)
			return &log->ch[i];
	return NULL;
}

/* ---- the items osm diff printed ------------------------------------------ */

static bool id_end(char c)
{
	return !c || c == ' ' || c == '>' || c == '#';
}

static bool at_start(const char *s, const char *p)
{
	return p == s || p[-1] == ' ' || p[-1] == '<' || p[-1] == '>';
}

/*
 * What an item names: "pd:TID" for every thread: and process: in it,
 * "res:TYPE:TOKEN" for every namespace and inode, "fd:TID:N" for a
 * descriptor of the table thread TID holds, "hold:TID:NODE" for a hold
 * edge of thread TID.
 */
static void item_entities(const char *it, struct strset *e)
{
	static const char *const pds[] = { "thread:", "process:" };
	static const char *const res[] = {
		"uts_ns:", "ipc_ns:", "net_ns:", "mnt_ns:", "pid_ns:",
		"user_ns:", "cgroup_ns:", "time_ns:", "inode:",
	};
	char buf[256];
	const char *p, *q;
	size_t k, n;
	long tid;
	int fd;

	for (k = 0; k < 2; k++)
		for (p = it; (p = strstr(p, pds[k])); p++)
			if (at_start(it, p)) {
				snprintf(buf, sizeof(buf), "pd:%ld",
					 strtol(p + strlen(pds[k]), NULL, 10));
				set_add(e, buf);
			}
	for (k = 0; k < sizeof(res) / sizeof(res[0]); k++)
		for (p = it; (p = strstr(p, res[k])); p++)
			if (at_start(it, p)) {
				for (n = 0; !id_end(p[n]); n++)
					;
				snprintf(buf, sizeof(buf), "res:%.*s", (int)n, p);
				set_add(e, buf);
			}
	for (p = it; (p = strstr(p, "files<hold>thread:")); p++)
		if (sscanf(p, "files<hold>thread:%ld>#%d", &tid, &fd) == 2) {
			snprintf(buf, sizeof(buf), "fd:%ld:%d", tid, fd);
			set_add(e, buf);
		}
	q = strstr(it, " fd=");
	if (!strncmp(it, "edge files<hold>thread:", 23) && q &&
	    sscanf(it, "edge files<hold>thread:%ld>", &tid) == 1) {
		snprintf(buf, sizeof(buf), "fd:%ld:%d", tid, atoi(q + 4));
		set_add(e, buf);
	}
	p = strstr(it, " hold ");
	if (sscanf(it, "edge thread:%ld ", &tid) == 1 && p &&
	    p == strchr(it + 12, ' ')) {
		snprintf(buf, sizeof(buf), "hold:%ld:%s", tid, p + 6);
		set_add(e, buf);
	}
}

/* The JSON strings of array @key in @json (osm -j diff). */
static int json_array(const char *json, const char *key, struct strset *out)
{
	char pat[32], *s;
	const char *p;
	size_t n;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(json, pat);
	if (!p)
		return -1;
	p = strchr(p, '[');
	if (!p)
		return -1;
	for (p++;;) {
		while (*p == ' ' || *p == '\n' || *p == ',')
			p++;
		if (*p == ']')
			return 0;
		if (*p != '"')
			return -1;
		s = malloc(strlen(p));
		if (!s)
			return -1;
		for (p++, n = 0; *p && *p != '"'; p++) {
			if (*p == '\\' && p[1])
				p++;
			s[n++] = *p;
		}
		s[n] = 0;
		if (*p++ != '"') {
			free(s);
			return -1;
		}
		set_add(out, s);
		free(s);
	}
}

/* ---- presence of the key facts ------------------------------------------- */

/* @fact held from some moment in [s0,s1] to some moment in [e0,e1]. */
struct span {
	char fact[2 * IDLEN + 32];
	uint64_t s0, s1, e0, e1;
	bool gap;		/* made or ended by the gap's changes */
};

struct spans {
	struct span *v;
	size_t n, cap;
};

static void span_add(struct spans *s, const char *fact,
		     const struct change *from, const struct change *to)
{
	struct span *x;

	s->v = osm_test_grow(s->v, s->n, &s->cap, sizeof(*s->v));
	if (!s->v)
		abort();
	x = &s->v[s->n++];
	snprintf(x->fact, sizeof(x->fact), "%s", fact);
	x->s0 = from->t0;
	x->s1 = from->t1;
	x->e0 = to ? to->t0 : NEVER;
	x->e1 = to ? to->t1 : NEVER;
	x->gap = from->gap || (to && to->gap);
}

/* The facts the log decides, each with the span it held. */
static void build_spans(const struct wlog *log, struct spans *s)
{
	char fact[2 * IDLEN + 32];
	uint32_t i, j;
	int t;

	for (i = 0; i < log->n; i++) {
		const struct change *c = &log->ch[i], *end = NULL;

		for (j = i + 1; j < log->n && !end; j++) {
			const struct change *d = &log->ch[j];

			if (c->kind == K_FORK && d->kind == K_EXIT &&
			    d->pid == c->pid)
				end = d;
			if (c->kind == K_PIPE && d->kind == K_CLOSE &&
			    !strcmp(d->id[0], c->id[0]))
				end = d;
			if (c->kind == K_UNSHARE && d->kind == K_UNSHARE &&
			    d->ns == c->ns)
				end = d;
		}
		switch (c->kind) {
		case K_FORK:
			snprintf(fact, sizeof(fact), "edge thread:%d hold %s",
				 c->pid, c->id[NS_UTS]);
			span_add(s, fact, c, end);
			for (t = 0; t < NS_NR; t++) {
				snprintf(fact, sizeof(fact), "node %s", c->id[t]);
				span_add(s, fact, c, end);
			}
			break;
		case K_PIPE:
			snprintf(fact, sizeof(fact), "node %s", c->id[0]);
			span_add(s, fact, c, end);
			break;
		case K_UNSHARE:
			snprintf(fact, sizeof(fact), "edge thread:%d hold %s",
				 log->churner, c->id[0]);
			span_add(s, fact, c, end);
			snprintf(fact, sizeof(fact), "node %s", c->id[0]);
			span_add(s, fact, c, end);
			break;
		}
	}
}

enum presence { ABSENT, PRESENT, UNKNOWN };

/* In walk [w0,w1]: present if one span surely covers it, absent if none may. */
static enum presence presence(const struct spans *s, const char *fact,
			      uint64_t w0, uint64_t w1)
{
	bool maybe = false;
	size_t i;

	for (i = 0; i < s->n; i++) {
		const struct span *x = &s->v[i];

		if (strcmp(x->fact, fact))
			continue;
		if (x->s1 < w0 && x->e0 > w1)
			return PRESENT;
		if (!(x->e1 < w0 || x->s0 > w1))
			maybe = true;
	}
	return maybe ? UNKNOWN : ABSENT;
}

/* ---- the test ------------------------------------------------------------ */

struct walk {
	uint64_t t0, t1;
	char path[64];
};

static int take_walk(enum osm_backend b, struct walk *w, char *why,
		     size_t whylen)
{
	OSM_OPTS(osm_backend_opts, o, .backend = b, .errbuf = why,
		 .errbuf_sz = whylen);
	size_t len, off = 0;
	char *buf;
	ssize_t r;
	int fd, err;

	w->t0 = now_ns();
	err = osm_backend__read(&o, &buf, &len);
	w->t1 = now_ns();
	if (err)
		return err;
	fd = open(w->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	for (; fd >= 0 && off < len; off += r) {
		r = write(fd, buf + off, len - off);
		if (r <= 0)
			break;
	}
	free(buf);
	if (fd >= 0)
		close(fd);
	return fd >= 0 && off == len ? 0 : -EIO;
}

/* "osm -j diff A B" into a malloc()ed string; its exit status in *@st. */
static char *run_diff(const char *a, const char *b, int *st)
{
	char out[] = "/tmp/osm-diff-churn-XXXXXX";
	size_t len;
	char *json;
	pid_t pid;
	int fd;

	fd = mkstemp(out);
	if (fd < 0)
		return NULL;
	unlink(out);
	pid = fork();
	if (!pid) {
		dup2(fd, 1);
		execl("/usr/bin/osm", "osm", "-j", "diff", a, b, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, st, 0) != pid) {
		close(fd);
		return NULL;
	}
	lseek(fd, 0, SEEK_SET);
	json = osm_test_read_fd(fd, 1 << 16, &len);
	close(fd);
	return json;
}

static bool wait_flag(int *flag, int val, int seconds)
{
	uint64_t end = now_ns() + seconds * 1000000000ull;

	while (__atomic_load_n(flag, __ATOMIC_ACQUIRE) != val) {
		if (now_ns() > end)
			return false;
		usleep(1000);
	}
	return true;
}

static void run(struct __test_metadata *_metadata, enum osm_backend ba,
		enum osm_backend bb)
{
	struct walk wa = { .path = "/tmp/osm-diff-churn-a" };
	struct walk wb = { .path = "/tmp/osm-diff-churn-b" };
	struct strset only[2] = {}, scope = {}, ent = {}, che = {};
	size_t i, k, in_scope = 0, checked = 0, gap_checked = 0;
	struct spans spans = {};
	struct timespec churn = { 0, 200000000 };
	char why[256] = "";
	struct wlog *log;
	uint32_t c;
	char *json;
	int st, err;
	pid_t pid;

	if (access("/usr/bin/osm", X_OK))
		SKIP(return, "no /usr/bin/osm in this image");
	log = mmap(NULL, sizeof(*log), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, log);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		log->churner = getpid();
		churner(log);
	}
	ASSERT_TRUE(wait_flag(&log->ready, 1, 60));
	nanosleep(&churn, NULL);

	err = take_walk(ba, &wa, why, sizeof(why));
	if (!err) {
		__atomic_store_n(&log->gap, 1, __ATOMIC_RELEASE);
		ASSERT_TRUE(wait_flag(&log->gap, 2, 60));
		nanosleep(&churn, NULL);
		err = take_walk(bb, &wb, why, sizeof(why));
	}
	__atomic_store_n(&log->stop, 1, __ATOMIC_RELEASE);
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_TRUE(WIFEXITED(st) && !WEXITSTATUS(st))
		TH_LOG("churner: status %#x", st);
	if (err == -EPERM || err == -EOPNOTSUPP)
		SKIP(goto out, "%s", why);
	ASSERT_EQ(0, err) TH_LOG("walk: %s", why);

	json = run_diff(wa.path, wb.path, &st);
	ASSERT_NE(NULL, json);
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) <= 1)
		TH_LOG("osm diff: status %#x: %s", st, json);
	ASSERT_EQ(0, json_array(json, "only_a", &only[0])) TH_LOG("%s", json);
	ASSERT_EQ(0, json_array(json, "only_b", &only[1])) TH_LOG("%s", json);
	free(json);
	TH_LOG("%u changes logged; walk A %.1f ms, gap %.1f ms, walk B %.1f ms; %zu + %zu items differ",
	       log->n, (wa.t1 - wa.t0) / 1e6, (wb.t0 - wa.t1) / 1e6,
	       (wb.t1 - wb.t0) / 1e6, only[0].n, only[1].n);

	/* What the workload made: its PDs, namespaces and pipes. */
	snprintf(why, sizeof(why), "pd:%d", log->churner);
	set_add(&scope, why);
	for (c = 0; c < log->n; c++) {
		const struct change *ch = &log->ch[c];

		if (ch->kind == K_FORK)
			snprintf(why, sizeof(why), "pd:%d", ch->pid);
		else if (ch->kind == K_PIPE || ch->kind == K_UNSHARE)
			snprintf(why, sizeof(why), "res:%s", ch->id[0]);
		else
			continue;
		set_add(&scope, why);
	}

	/* (a) each difference naming the workload has a logged cause. */
	for (k = 0; k < 2; k++)
		for (i = 0; i < only[k].n; i++) {
			const char *it = only[k].v[i];
			bool mine = false, explained = false;
			size_t e;

			set_free(&ent);
			item_entities(it, &ent);
			for (e = 0; e < ent.n && !mine; e++)
				mine = set_has(&scope, ent.v[e]);
			if (!mine)
				continue;
			in_scope++;
			for (c = 0; c < log->n && !explained; c++) {
				const struct change *ch = &log->ch[c];
				const struct change *f = ch;

				if (ch->t1 < wa.t0 || ch->t0 > wb.t1)
					continue;
				if (ch->kind == K_EXIT)	/* it held what it inherited */
					f = fork_of(log, ch->pid);
				set_free(&che);
				change_entities(log, ch, &che);
				if (f && f != ch)
					change_entities(log, f, &che);
				for (e = 0; e < ent.n && !explained; e++)
					explained = set_has(&che, ent.v[e]);
			}
			EXPECT_TRUE(explained)
				TH_LOG("only in %c, no logged change explains it: %s",
				       k ? 'B' : 'A', it);
		}

	/* (b) each fact the log decides for both walks, if it changed. */
	build_spans(log, &spans);
	for (i = 0; i < spans.n; i++) {
		const char *f = spans.v[i].fact;
		enum presence pa, pb;

		for (k = 0; k < i && strcmp(spans.v[k].fact, f); k++)
			;
		if (k < i)	/* decided at its first span */
			continue;
		pa = presence(&spans, f, wa.t0, wa.t1);
		pb = presence(&spans, f, wb.t0, wb.t1);
		if (pa == UNKNOWN || pb == UNKNOWN || pa == pb)
			continue;
		checked++;
		gap_checked += spans.v[i].gap;
		EXPECT_TRUE(set_has(&only[pa == PRESENT ? 0 : 1], f))
			TH_LOG("%s: in %s, not reported only in %c", f,
			       pa == PRESENT ? "A" : "B", pa == PRESENT ? 'A' : 'B');
	}
	TH_LOG("%zu differences on the workload explained; %zu decided changes checked (%zu from the gap)",
	       in_scope, checked, gap_checked);
	/* The gap's changes alone: child in/out, pipe in/out, uts ns. */
	EXPECT_LE(5, gap_checked);
	EXPECT_LE(5, in_scope);
out:
	set_free(&only[0]);
	set_free(&only[1]);
	set_free(&scope);
	set_free(&ent);
	set_free(&che);
	free(spans.v);
	munmap(log, sizeof(*log));
}

FIXTURE(churn) {};
FIXTURE_SETUP(churn) {}
FIXTURE_TEARDOWN(churn) {}

TEST_F_TIMEOUT(churn, module_against_module, OSM_TIMEOUT)
{
	run(_metadata, OSM_BACKEND_MODULE, OSM_BACKEND_MODULE);
}

TEST_F_TIMEOUT(churn, module_against_procfs, OSM_TIMEOUT)
{
	run(_metadata, OSM_BACKEND_MODULE, OSM_BACKEND_PROCFS);
}

TEST_F_TIMEOUT(churn, module_against_bpf, OSM_TIMEOUT)
{
	run(_metadata, OSM_BACKEND_MODULE, OSM_BACKEND_BPF);
}

OSM_TEST_MAIN
