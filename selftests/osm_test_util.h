/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by the osmosis selftests: reading the graph, finding the
 * nodes of a task, following edges, the independent oracles the tests check
 * the graph against (kcmp(2), /proc/PID/ns, /proc/PID/maps, fstat(2)), and
 * children synchronised over a socketpair (the pidfd_setns_test.c idiom).
 *
 * No helper function uses the harness's ASSERT macros, so every one may
 * also run in a child process; failures are returned (NULL, -1, errno) for
 * the test to ASSERT on with context.  The macros at the end are for TEST
 * bodies.
 */
#ifndef OSM_TEST_UTIL_H
#define OSM_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <linux/osmosis.h>
#include "osm.h"

/*
 * Timeout of every test, in seconds: graph walks and fork/exec are slow
 * under QEMU TCG emulation, and the harness default (30 s) is not enough.
 */
#define OSM_TIMEOUT		120

/* argv[1] that makes a test binary a passive exec target (see below). */
#define OSM_TEST_WAIT_ARG	"--osm-test-wait"

/* ---- the device: osm_test_device.c --------------------------------- */

/* OSM_DEVICE_PATH, or $OSM_TEST_DEVICE when set (graph tests only). */
const char *osm_test_device(void);

/* Why this binary cannot run (no device, not root), or NULL. */
const char *osm_test_skip_reason(void);

/* osm_graph__load() from osm_test_device(); NULL with errno on failure. */
struct osm_graph *osm_test_load(void);

/*
 * Read @fd to end of file in read(2)s of at most @chunk bytes.  Returns a
 * malloc()ed, NUL-terminated buffer (length in *@len) or NULL with errno.
 */
char *osm_test_read_fd(int fd, size_t chunk, size_t *len);

/*
 * One read(2) of @fd into a 1 MiB buffer, larger than any chunk, so it
 * returns exactly one chunk of the walk (the walk stays parked after it
 * until the next read).  The bytes are appended to the malloc()ed,
 * NUL-terminated *@buf of *@len bytes (start with NULL and 0).  Returns
 * the bytes read, 0 at end of file, or -1 with errno.
 */
ssize_t osm_test_read_chunk(int fd, char **buf, size_t *len);

/* Open osm_test_device(), read it all with osm_test_read_fd(), close. */
char *osm_test_read_device(size_t chunk, size_t *len);

/* ---- checking the raw text: osm_test_text.c ------------------------ */

/* What osm_test_check_text() learnt about a well-formed stream. */
struct osm_text_info {
	unsigned int major, minor;
	size_t nodes, edges, lines;
	char epoch[32];
	unsigned long long pid_ns;
	char view[8];
};

/*
 * Check a whole stream against graph-format.md: header, charset, field
 * grammar, escapes, unique node ids, edges after their endpoints, the
 * class of known node types, and the end line with exact counts.
 * Returns 0, or -1 with a description ("line N: ...") in @err.
 */
int osm_test_check_text(const char *buf, size_t len,
			struct osm_text_info *info, char *err, size_t errlen);

/*
 * Look for kernel addresses: a 16-hex-digit value in 0xffff8..-0xffff..
 * anywhere but in a node id or the epoch is a leak; in those hashed
 * places, where a random value falls in that range once in 2^17, two or
 * more distinct 8-byte aligned such values are (random: ~2^-40 per pair).
 * The x86_64 vsyscall page, a fixed ABI address, is allowed.
 * Returns 0, or -1 with the offending token in @err.
 */
int osm_test_check_leaks(const char *buf, size_t len, char *err,
			 size_t errlen);

/*
 * Whole lines of the stream read so far (@buf, @len bytes; a last line
 * without its newline is left out) that start with the printf-formatted
 * prefix, say "node thread:42 " or "edge thread:42 hold mm:".  Returns
 * how many there are; *@first (may be NULL) is the first one, or NULL.
 */
size_t osm_test_text_lines(const char *buf, size_t len, const char **first,
			   const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

struct osm_test_vma;

/*
 * The vma nodes of the mm whose hash token is @mm ("vma:<mm>:<start>")
 * in the stream read so far, in stream order, with their start, end and
 * perm (the other fields zero); repeated nodes are returned repeatedly.
 * Returns the count (array in *@out, free() it; may be NULL when 0) or -1
 * with errno (EPROTO: a node without those attributes).
 */
int osm_test_text_vmas(const char *buf, size_t len, const char *mm,
		       struct osm_test_vma **out);

/* ---- graph lookups: osm_test_graph.c ------------------------------- */

/* The node with the printf-formatted id, or NULL. */
const struct osm_node *osm_test_find(const struct osm_graph *g,
				     const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

const struct osm_node *osm_test_thread(const struct osm_graph *g, pid_t tid);
const struct osm_node *osm_test_process(const struct osm_graph *g, pid_t tgid);

/* The text after the first colon of the node's id. */
const char *osm_test_token(const struct osm_node *n);

/* An attribute as a number (decimal, or hex after 0x); false if absent. */
bool osm_test_attr_ull(const struct osm_node *n, const char *key,
		       unsigned long long *val);
bool osm_test_edge_attr_ull(const struct osm_edge *e, const char *key,
			    unsigned long long *val);

/*
 * Out-edges of @n of @kind (NULL: any) whose destination has type
 * @dst_type (NULL: any).  Fills up to @max of them into @out (may be
 * NULL) and returns how many there are.
 */
size_t osm_test_out(const struct osm_node *n, const char *kind,
		    const char *dst_type, const struct osm_edge **out,
		    size_t max);
/* The same for in-edges, filtered on the source's type. */
size_t osm_test_in(const struct osm_node *n, const char *kind,
		   const char *src_type, const struct osm_edge **out,
		   size_t max);

/* Is there an edge @src @kind @dst? */
bool osm_test_has_edge(const struct osm_node *src, const char *kind,
		       const struct osm_node *dst);

/* How many nodes of @type the PD @pd holds. */
size_t osm_test_held_count(const struct osm_node *pd, const char *type);

/* The one node of @type that @pd holds; NULL if none or several. */
const struct osm_node *osm_test_held(const struct osm_node *pd,
				     const char *type);

/* The hold edge itself, under the same rule. */
const struct osm_edge *osm_test_hold_edge(const struct osm_node *pd,
					  const char *type);

/* Resource of @type held by thread @tid in @g, or NULL. */
const struct osm_node *osm_test_held_by_tid(const struct osm_graph *g,
					    pid_t tid, const char *type);

/* The file node that descriptor @fd of the files node @files maps. */
const struct osm_node *osm_test_fd_file(const struct osm_node *files, int fd);

/* The one inode a file or vma node maps, or NULL. */
const struct osm_node *osm_test_mapped_inode(const struct osm_node *n);

/* ---- independent oracles: osm_test_oracle.c ------------------------ */

pid_t osm_test_gettid(void);

/* kcmp(2): 0 equal, 1/2 ordered unequal, 3 not comparable, -1 error. */
int osm_test_kcmp(pid_t pid1, pid_t pid2, int type, unsigned long idx1,
		  unsigned long idx2);

/* stat("/proc/PID/ns/<name>").st_ino; 0 with errno on failure. */
unsigned long long osm_test_ns_ino(pid_t pid, const char *name);

/* "inode:<major>:<minor>:<ino>" as fstat(2) names the inode. */
void osm_test_inode_id(char *buf, size_t len, dev_t dev, ino_t ino);

/* "inode:..." for an open descriptor; -1 with errno on failure. */
int osm_test_fd_inode_id(int fd, char *buf, size_t len);

/*
 * The descriptor numbers /proc/PID/fd lists.  Returns the count (array in
 * *@out, free() it; may be NULL when 0) or -1 with errno.
 */
int osm_test_proc_fds(pid_t pid, int **out);

/*
 * Room for element @n of the array @v of *@cap elements of @size bytes:
 * @v itself, or @v grown (doubled, 64 at first; *@cap updated).  NULL
 * when the allocation fails, and @v is left as it was.
 */
void *osm_test_grow(void *v, size_t n, size_t *cap, size_t size);

/*
 * One read(2) of the small file @path (a /proc or /sys value) into @buf
 * of @size bytes, NUL-terminated.  Returns the bytes read, or -1 with
 * errno.
 */
ssize_t osm_test_read_small(const char *path, char *buf, size_t size);

/* Its first line, without the newline.  0, or -1 with errno. */
int osm_test_read_line(const char *path, char *buf, size_t size);

/* The decimal number that file starts with.  0, or -1 (also if empty). */
int osm_test_read_ulong(const char *path, unsigned long *val);

/* One write(2) of the string @s to @path.  0 if all of it, else -1. */
int osm_test_write_small(const char *path, const char *s);

/* A key=value line of /proc/PID/status ("Uid", "PPid"...), the value. */
int osm_test_status_field(pid_t pid, const char *key, char *buf,
			  size_t len);

/* The same for one thread: /proc/PID/task/TID/status. */
int osm_test_task_status_field(pid_t pid, pid_t tid, const char *key,
			       char *buf, size_t len);

/*
 * The path of the "0::" (cgroup v2) line of /proc/PID/cgroup.  0, or -1
 * with errno (ENOENT: no such line; ENAMETOOLONG: longer than @len).
 */
int osm_test_cgroup_path(pid_t pid, char *buf, size_t len);

/* One memory region, as /proc/PID/maps prints it and the graph says. */
struct osm_test_vma {
	unsigned long long start, end, pgoff, ino;
	unsigned int major, minor;
	char perm[5];
};

/*
 * Regions of /proc/PID/maps, without the x86_64 [vsyscall] gate area,
 * which is not part of the mm.  Returns the count (array in *@out, free()
 * it) or -1 with errno.
 */
int osm_test_read_maps(pid_t pid, struct osm_test_vma **out);

/*
 * Regions the graph shows for the mm node @mm: every vma node with a
 * subset edge to it.  Returns the count (array in *@out) or -1 (with
 * errno EPROTO) if an attribute is missing or malformed.
 */
int osm_test_graph_vmas(const struct osm_node *mm, struct osm_test_vma **out);

/* Sort by start address, for comparing the two lists. */
void osm_test_sort_vmas(struct osm_test_vma *v, size_t n);

/* ---- children: osm_test_child.c ------------------------------------ */

enum osm_spawn {
	OSM_SPAWN_FORK,		/* fork(2) */
	OSM_SPAWN_CLONE,	/* clone(2) with the given flags | SIGCHLD */
	OSM_SPAWN_CLONE3,	/* clone3(2) with the given flags */
};

/*
 * A child runs fn(sock, arg): it sets its scenario up, then calls
 * osm_child_ready() (which returns once the parent releases it) or
 * osm_child_fail().  Its return value is its exit code.
 */
typedef int (*osm_child_fn)(int sock, void *arg);

struct osm_child {
	pid_t pid;
	int sock;		/* the parent's end */
	int child_sock;		/* the child's end if the fd table is shared */
	int status;		/* waitpid() status once finished */
	char err[512];		/* failure message sent by the child */
};

/*
 * Start a child and wait until it is ready.  @reply/@len receive the
 * payload of osm_child_ready().  Returns 0, or -1 with errno (and the
 * child's message in c->err; the child is reaped).
 */
int osm_child_start(struct osm_child *c, enum osm_spawn how,
		    unsigned long flags, osm_child_fn fn, void *arg,
		    void *reply, size_t len);

/*
 * Start the test binary itself (/proc/self/exe OSM_TEST_WAIT_ARG <fd>)
 * after fork(); it reports ready from its new image and waits.
 */
int osm_child_start_exec(struct osm_child *c);

/*
 * For a child that works in steps: release it from osm_child_ready(),
 * then wait until it calls osm_child_ready() again, after its next step
 * (or from the image it exec()ed).  Returns as osm_child_start(); on
 * failure the child is reaped.
 */
int osm_child_step(struct osm_child *c, void *reply, size_t len);

/* Release the child, reap it.  Returns its exit code, or -1. */
int osm_child_finish(struct osm_child *c);

/* A child with nothing to set up: ready at once, waits for release. */
int osm_child_idle(int sock, void *arg);

/*
 * Child side: fork a process that blocks until its parent exits (it dies
 * with it).  Returns its pid, or -1 with errno.
 */
pid_t osm_child_fork_sleeper(void);

/*
 * Child side: @nr one-page anonymous regions that do not merge (every
 * other page writable), so a walk renders them in several chunks.
 * Returns the first, or NULL with errno.
 */
char *osm_child_make_regions(int nr);

/* Child side: @nr more descriptors of /dev/null.  0, or -1 with errno. */
int osm_child_dup_fds(int nr);

/*
 * Child side: a process larger than one chunk of the walk: @nr_regions
 * regions (osm_child_make_regions()), RLIMIT_NOFILE raised, @nr_fds
 * more descriptors.  0, or -1 with errno.
 */
int osm_child_grow(int nr_regions, int nr_fds);

/* Child side: send the payload, block until released. */
int osm_child_ready(int sock, const void *data, size_t len);

/* Child side: send a message and _exit(1). */
void osm_child_fail(int sock, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

/* Child side, as OSM_TEST_MAIN runs it for OSM_TEST_WAIT_ARG. */
int osm_test_wait_main(int argc, char **argv);

/* ---- the kernel log: osm_test_kmsg.c -------------------------------- */

/* /dev/kmsg, read from its end on: what the kernel logs from now on. */
int osm_test_kmsg_open(void);

/*
 * Read what @fd (from osm_test_kmsg_open()) gained: 1 with the first
 * record that reports a kernel problem (oops, WARN, BUG, sanitizer,
 * lockdep, OOM kill) in @err, 0 if none, -1 with errno on failure.
 */
int osm_test_kmsg_check(int fd, char *err, size_t len);

/* ---- checks in a TEST body ------------------------------------------ */

/*
 * Unlike the helpers above, these use the harness's ASSERT and EXPECT
 * macros (include kselftest_harness.h first).  Threads @a and @b of @g
 * hold one node of @type each, else the test stops, and it is the same
 * node when @same, two different nodes when not.
 */
#define OSM_EXPECT_HELD_SAME(g, a, b, type, same) do {			\
	const char *__type = (type);					\
	pid_t __a = (a), __b = (b);					\
	const struct osm_node *__na = osm_test_held_by_tid((g), __a,	\
							   __type);	\
	const struct osm_node *__nb = osm_test_held_by_tid((g), __b,	\
							   __type);	\
									\
	ASSERT_NE(NULL, __na)						\
		TH_LOG("thread:%d holds no single %s", __a, __type);	\
	ASSERT_NE(NULL, __nb)						\
		TH_LOG("thread:%d holds no single %s", __b, __type);	\
	if (same) {							\
		EXPECT_STREQ(osm_node__id(__na), osm_node__id(__nb));	\
	} else {							\
		EXPECT_STRNE(osm_node__id(__na), osm_node__id(__nb));	\
	}								\
} while (0)

/*
 * Start a scenario child (osm_child_start()'s arguments) and load the
 * graph once it is ready, as most fixtures do; ASSERTs with context.
 */
#define OSM_START_AND_LOAD(c, g, how, flags, fn, arg, reply, len) do {	\
	ASSERT_EQ(0, osm_child_start((c), (how), (flags), (fn), (arg),	\
				     (reply), (len)))			\
		TH_LOG("%m: %s", (c)->err);				\
	*(g) = osm_test_load();						\
	ASSERT_NE(NULL, *(g)) TH_LOG("load: %m");			\
} while (0)

/* ---- main ---------------------------------------------------------- */

/*
 * TEST_HARNESS_MAIN, plus: the exec target mode, and when the device is
 * absent (or not root) every test reported as SKIP in valid TAP with a
 * Totals line and exit code 4 (KSFT_SKIP).  Needs kselftest_harness.h
 * included first (it walks the harness's own test list).
 */
#define OSM_TEST_MAIN	OSM_TEST_MAIN_AS(main)

/* OSM_TEST_MAIN named @fn, for a main() that chooses the tests first. */
#define OSM_TEST_MAIN_AS(fn)						\
int fn(int argc, char **argv)						\
{									\
	struct __fixture_metadata *f;					\
	struct __fixture_variant_metadata *v, none = { .name = "" };	\
	struct __test_metadata *t;					\
	const char *why;						\
	unsigned int n = 0, i = 0;					\
									\
	if (argc >= 2 && !strcmp(argv[1], OSM_TEST_WAIT_ARG))		\
		return osm_test_wait_main(argc, argv);			\
	setvbuf(stdout, NULL, _IOLBF, 0);				\
	why = osm_test_skip_reason();					\
	/* -l and -h need no device. */				\
	if (!why || (argc > 1 && (!strcmp(argv[1], "-l") ||		\
				  !strcmp(argv[1], "-h"))))		\
		return test_harness_run(argc, argv);			\
	for (f = __fixture_list; f; f = f->next)			\
		for (v = f->variant ?: &none; v; v = v->next)		\
			for (t = f->tests; t; t = t->next)		\
				n++;					\
	printf("TAP version 13\n1..%u\n", n);				\
	for (f = __fixture_list; f; f = f->next)			\
		for (v = f->variant ?: &none; v; v = v->next)		\
			for (t = f->tests; t; t = t->next)		\
				printf("ok %u %s%s%s.%s # SKIP %s\n",	\
				       ++i, f->name,			\
				       v->name[0] ? "." : "", v->name,	\
				       t->name, why);			\
	printf("# Totals: pass:0 fail:0 xfail:0 xpass:0 skip:%u "	\
	       "error:0\n", n);						\
	return KSFT_SKIP;						\
}

#endif /* OSM_TEST_UTIL_H */
