// SPDX-License-Identifier: GPL-2.0-only
/*
 * Helpers shared by the osmosis selftests; see osm_test_util.h.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/sched.h>

#include "osm_test_util.h"

#define OSM_TEST_MAX_GRAPH	(1UL << 30)

/* ---- the device ---------------------------------------------------- */

const char *osm_test_device(void)
{
	const char *p = getenv("OSM_TEST_DEVICE");

	return p && *p ? p : OSM_DEVICE_PATH;
}

const char *osm_test_skip_reason(void)
{
	static char why[256];
	const char *dev = osm_test_device();

	if (access(dev, F_OK)) {
		snprintf(why, sizeof(why), "%s absent (osmosis not loaded)",
			 dev);
		return why;
	}
	if (geteuid() != 0)
		return "needs root";
	if (access(dev, R_OK)) {
		snprintf(why, sizeof(why), "%s not readable: %s", dev,
			 strerror(errno));
		return why;
	}
	return NULL;
}

struct osm_graph *osm_test_load(void)
{
	OSM_OPTS(osm_graph_opts, opts, .path = osm_test_device());

	return osm_graph__load(&opts);
}

char *osm_test_read_fd(int fd, size_t chunk, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap + 1), *nb;
	ssize_t r;

	if (!buf || !chunk)
		goto fail_inval;
	for (;;) {
		while (cap - n < chunk) {
			if (cap >= OSM_TEST_MAX_GRAPH) {
				errno = EFBIG;
				goto fail;
			}
			nb = realloc(buf, 2 * cap + 1);
			if (!nb)
				goto fail;
			buf = nb;
			cap *= 2;
		}
		r = read(fd, buf + n, chunk);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto fail;
		if (r == 0)
			break;
		if ((size_t)r > chunk) {	/* never: the kernel overran */
			errno = EOVERFLOW;
			goto fail;
		}
		n += r;
	}
	buf[n] = '\0';
	*len = n;
	return buf;

fail_inval:
	errno = errno ? errno : EINVAL;
fail:
	free(buf);
	return NULL;
}

char *osm_test_read_device(size_t chunk, size_t *len)
{
	int fd = open(osm_test_device(), O_RDONLY | O_CLOEXEC);
	char *buf;
	int saved;

	if (fd < 0)
		return NULL;
	buf = osm_test_read_fd(fd, chunk, len);
	saved = errno;
	close(fd);
	errno = saved;
	return buf;
}

/* ---- checking the raw text ----------------------------------------- */

struct strset {
	const char **s;
	size_t *n;
	size_t cap, used;
};

static uint64_t str_hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	while (n--)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

/* 1 if present, 0 if added, -1 on ENOMEM. */
static int strset_add(struct strset *set, const char *s, size_t n, bool add)
{
	size_t i;

	if (add && (set->used + 1) * 2 > set->cap) {
		struct strset big = { .cap = set->cap ? set->cap * 2 : 1024 };

		big.s = calloc(big.cap, sizeof(*big.s));
		big.n = calloc(big.cap, sizeof(*big.n));
		if (!big.s || !big.n) {
			free(big.s);
			free(big.n);
			return -1;
		}
		for (i = 0; i < set->cap; i++)
			if (set->s[i])
				strset_add(&big, set->s[i], set->n[i], true);
		free(set->s);
		free(set->n);
		*set = big;
	}
	if (!set->cap)
		return 0;
	for (i = str_hash(s, n) & (set->cap - 1); set->s[i];
	     i = (i + 1) & (set->cap - 1))
		if (set->n[i] == n && !memcmp(set->s[i], s, n))
			return 1;
	if (add) {
		set->s[i] = s;
		set->n[i] = n;
		set->used++;
	}
	return 0;
}

static void strset_free(struct strset *set)
{
	free(set->s);
	free(set->n);
}

struct field {
	const char *p;
	size_t n;
};

static bool is_key(const char *s, size_t n)
{
	if (!n)
		return false;
	while (n--) {
		char c = *s++;

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_'))
			return false;
	}
	return true;
}

static bool is_lhex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* A value: printable, no space, backslash only as \xHH (lowercase). */
static bool is_value(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] <= 0x20 || s[i] >= 0x7f)
			return false;
		if (s[i] != '\\')
			continue;
		if (i + 3 >= n)
			return false;
		if (s[i + 1] != 'x' || !is_lhex(s[i + 2]) ||
		    !is_lhex(s[i + 3]))
			return false;
		i += 3;
	}
	return true;
}

static bool is_kv(const struct field *f)
{
	const char *eq = memchr(f->p, '=', f->n);

	return eq && is_key(f->p, eq - f->p) &&
	       is_value(eq + 1, f->n - (eq + 1 - f->p));
}

static bool field_is(const struct field *f, const char *s)
{
	return f->n == strlen(s) && !memcmp(f->p, s, f->n);
}

/* Value of "key=..." in @f, or NULL. */
static const char *kv_value(const struct field *f, const char *key,
			    size_t *vlen)
{
	size_t kl = strlen(key);

	if (f->n <= kl || memcmp(f->p, key, kl) || f->p[kl] != '=')
		return NULL;
	*vlen = f->n - kl - 1;
	return f->p + kl + 1;
}

static bool parse_num(const char *s, size_t n, int base,
		      unsigned long long *val)
{
	char tmp[32], *end;

	if (!n || n >= sizeof(tmp))
		return false;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (!isxdigit((unsigned char)tmp[0]))
		return false;
	errno = 0;
	*val = strtoull(tmp, &end, base);
	return !errno && !*end;
}

/* The node types graph-format 1.0 defines, with their class. */
static const struct {
	const char *type;
	bool pd;
} known_types[] = {
	{ OSM_NODE_KERNEL, true }, { OSM_NODE_PROCESS, true },
	{ OSM_NODE_THREAD, true }, { OSM_NODE_MM, false },
	{ OSM_NODE_VMA, false }, { OSM_NODE_FILES, false },
	{ OSM_NODE_FILE, false }, { OSM_NODE_INODE, false },
	{ OSM_NODE_FS, false }, { OSM_NODE_SIGHAND, false },
	{ OSM_NODE_CGROUP, false }, { OSM_NODE_MNT_NS, false },
	{ OSM_NODE_UTS_NS, false }, { OSM_NODE_IPC_NS, false },
	{ OSM_NODE_PID_NS, false }, { OSM_NODE_NET_NS, false },
	{ OSM_NODE_USER_NS, false }, { OSM_NODE_CGROUP_NS, false },
	{ OSM_NODE_TIME_NS, false },
};

#define MAX_FIELDS 256

/*
 * Split a line into fields at single spaces.  Returns the count, or -1
 * with a reason if the line has a byte outside 0x21..0x7e other than a
 * single separating space.
 */
static int split_line(const char *l, size_t n, struct field *f, int max,
		      const char **why)
{
	int nf = 0;
	size_t i, start = 0;

	if (!n) {
		*why = "empty line";
		return -1;
	}
	for (i = 0; i <= n; i++) {
		if (i < n && l[i] != ' ') {
			if ((unsigned char)l[i] < 0x21 ||
			    (unsigned char)l[i] > 0x7e) {
				*why = "byte outside 0x21..0x7e";
				return -1;
			}
			continue;
		}
		if (i == start) {
			*why = "leading, trailing or double space";
			return -1;
		}
		if (nf < max) {
			f[nf].p = l + start;
			f[nf].n = i - start;
		}
		nf++;
		start = i + 1;
	}
	return nf < max ? nf : max;
}

#define FAIL(fmt, ...) do {						\
		snprintf(err, errlen, "line %zu: " fmt, lineno,		\
			 ##__VA_ARGS__);				\
		goto out;						\
	} while (0)

int osm_test_check_text(const char *buf, size_t len,
			struct osm_text_info *info, char *err, size_t errlen)
{
	struct osm_text_info dummy;
	struct field f[MAX_FIELDS];
	struct strset ids = { 0 };
	size_t lineno = 0, off = 0, vl, i;
	bool ended = false;
	const char *why, *v;
	int nf, ret = -1, k;

	if (!info)
		info = &dummy;
	memset(info, 0, sizeof(*info));
	if (!len || buf[len - 1] != '\n') {
		snprintf(err, errlen, "stream empty or not ending in newline "
			 "(%zu bytes)", len);
		return -1;
	}
	while (off < len) {
		const char *l = buf + off, *nl = memchr(l, '\n', len - off);
		size_t n = nl - l;

		off += n + 1;
		lineno++;
		if (ended)
			FAIL("data after the end line");
		nf = split_line(l, n, f, MAX_FIELDS, &why);
		if (nf < 0)
			FAIL("%s: '%.*s'", why, (int)(n > 80 ? 80 : n), l);

		if (lineno == 1) {
			const char *dot;

			if (nf < 2 || !field_is(&f[0], OSM_GRAPH_MAGIC))
				FAIL("no '" OSM_GRAPH_MAGIC "' header");
			dot = memchr(f[1].p, '.', f[1].n);
			if (!dot)
				FAIL("bad version");
			{
				unsigned long long ma, mi;

				if (!parse_num(f[1].p, dot - f[1].p, 10, &ma) ||
				    !parse_num(dot + 1,
					       f[1].n - (dot + 1 - f[1].p),
					       10, &mi))
					FAIL("bad version '%.*s'",
					     (int)f[1].n, f[1].p);
				info->major = ma;
				info->minor = mi;
			}
			if (info->major != OSM_GRAPH_MAJOR)
				FAIL("unknown major %u", info->major);
			for (k = 2; k < nf; k++) {
				if (!is_kv(&f[k]))
					FAIL("bad header field '%.*s'",
					     (int)f[k].n, f[k].p);
				if ((v = kv_value(&f[k], "epoch", &vl))) {
					unsigned long long e;

					if (vl > 16 || vl >= sizeof(info->epoch) ||
					    !parse_num(v, vl, 16, &e))
						FAIL("bad epoch");
					memcpy(info->epoch, v, vl);
				} else if ((v = kv_value(&f[k], "pid_ns", &vl))) {
					if (!parse_num(v, vl, 10, &info->pid_ns))
						FAIL("bad pid_ns");
				} else if ((v = kv_value(&f[k], "view", &vl))) {
					if (vl >= sizeof(info->view))
						FAIL("bad view");
					memcpy(info->view, v, vl);
				}
			}
			if (!info->epoch[0] || !info->pid_ns ||
			    (strcmp(info->view, "full") &&
			     strcmp(info->view, "own")))
				FAIL("header lacks epoch, pid_ns or view");
			continue;
		}

		if (field_is(&f[0], OSM_REC_NODE)) {
			const char *colon;
			size_t tl;
			bool pd;

			if (nf < 3)
				FAIL("node with fewer than 3 fields");
			colon = memchr(f[1].p, ':', f[1].n);
			if (!colon || colon == f[1].p ||
			    colon + 1 == f[1].p + f[1].n)
				FAIL("bad node id '%.*s'", (int)f[1].n, f[1].p);
			tl = colon - f[1].p;
			if (!is_key(f[1].p, tl) || !is_value(f[1].p, f[1].n))
				FAIL("bad node id '%.*s'", (int)f[1].n, f[1].p);
			if (field_is(&f[2], OSM_CLASS_PD))
				pd = true;
			else if (field_is(&f[2], OSM_CLASS_RES))
				pd = false;
			else
				FAIL("bad class '%.*s'", (int)f[2].n, f[2].p);
			for (i = 0; i < sizeof(known_types) /
				    sizeof(known_types[0]); i++)
				if (strlen(known_types[i].type) == tl &&
				    !memcmp(known_types[i].type, f[1].p, tl) &&
				    known_types[i].pd != pd)
					FAIL("node '%.*s' has the wrong class",
					     (int)f[1].n, f[1].p);
			for (k = 3; k < nf; k++)
				if (!is_kv(&f[k]))
					FAIL("bad field '%.*s'", (int)f[k].n,
					     f[k].p);
			k = strset_add(&ids, f[1].p, f[1].n, true);
			if (k < 0)
				FAIL("out of memory");
			if (k > 0)
				FAIL("node '%.*s' declared twice",
				     (int)f[1].n, f[1].p);
			info->nodes++;
		} else if (field_is(&f[0], OSM_REC_EDGE)) {
			if (nf < 4)
				FAIL("edge with fewer than 4 fields");
			if (strset_add(&ids, f[1].p, f[1].n, false) != 1)
				FAIL("edge source '%.*s' not declared before",
				     (int)f[1].n, f[1].p);
			if (strset_add(&ids, f[3].p, f[3].n, false) != 1)
				FAIL("edge target '%.*s' not declared before",
				     (int)f[3].n, f[3].p);
			if (!is_key(f[2].p, f[2].n))
				FAIL("bad edge kind '%.*s'", (int)f[2].n,
				     f[2].p);
			for (k = 4; k < nf; k++)
				if (!is_kv(&f[k]))
					FAIL("bad field '%.*s'", (int)f[k].n,
					     f[k].p);
			info->edges++;
		} else if (field_is(&f[0], OSM_REC_END)) {
			unsigned long long nn = ~0ULL, ne = ~0ULL;

			for (k = 1; k < nf; k++) {
				if (!is_kv(&f[k]))
					FAIL("bad end field");
				if ((v = kv_value(&f[k], "nodes", &vl)) &&
				    !parse_num(v, vl, 10, &nn))
					FAIL("bad nodes=");
				if ((v = kv_value(&f[k], "edges", &vl)) &&
				    !parse_num(v, vl, 10, &ne))
					FAIL("bad edges=");
			}
			if (nn != info->nodes || ne != info->edges)
				FAIL("end says nodes=%lld edges=%lld, counted "
				     "%zu and %zu", (long long)nn,
				     (long long)ne, info->nodes, info->edges);
			ended = true;
		} else if (info->minor == 0 || !is_key(f[0].p, f[0].n)) {
			/* 1.0 has no other records; later minors may. */
			FAIL("unknown record '%.*s'", (int)f[0].n, f[0].p);
		}
	}
	info->lines = lineno;
	if (!ended)
		FAIL("no end line (stream cut short)");
	ret = 0;
out:
	strset_free(&ids);
	return ret;
}

#undef FAIL

static bool kernel_range(unsigned long long v)
{
	/* x86_64 vsyscall page: fixed by the ABI, not a leak. */
	if (v >= 0xffffffffff600000ULL && v <= 0xffffffffff601000ULL)
		return false;
	return v >= 0xffff800000000000ULL;
}

int osm_test_check_leaks(const char *buf, size_t len, char *err,
			 size_t errlen)
{
	unsigned long long first = 0, v;
	size_t off = 0, lineno = 0;
	unsigned int suspects = 0;

	while (off < len) {
		const char *l = buf + off, *nl = memchr(l, '\n', len - off);
		size_t n = nl ? (size_t)(nl - l) : len - off, i = 0;
		int field = 0;
		bool node = n > 5 && !memcmp(l, "node ", 5);
		bool edge = n > 5 && !memcmp(l, "edge ", 5);

		off += n + 1;
		lineno++;
		while (i < n) {
			size_t s = i;
			bool hashed;

			if (l[i] == ' ') {
				field++;
				i++;
				continue;
			}
			if (!isxdigit((unsigned char)l[i])) {
				i++;
				continue;
			}
			while (i < n && isxdigit((unsigned char)l[i]))
				i++;
			if (i - s != 16 || !parse_num(l + s, 16, 16, &v) ||
			    !kernel_range(v))
				continue;
			hashed = (node && field == 1) ||
				 (edge && (field == 1 || field == 3)) ||
				 (lineno == 1 && s >= 6 &&
				  !memcmp(l + s - 6, "epoch=", 6));
			if (!hashed) {
				snprintf(err, errlen, "line %zu: kernel "
					 "address %.16s outside a hashed id",
					 lineno, l + s);
				return -1;
			}
			if (v % 8 || v == first)
				continue;
			if (++suspects == 1) {
				first = v;
				continue;
			}
			snprintf(err, errlen, "line %zu: two 8-byte aligned "
				 "kernel-range hash tokens %016llx and %016llx",
				 lineno, first, v);
			return -1;
		}
	}
	return 0;
}

/* ---- graph lookups ------------------------------------------------- */

const struct osm_node *osm_test_find(const struct osm_graph *g,
				     const char *fmt, ...)
{
	char id[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(id, sizeof(id), fmt, ap);
	va_end(ap);
	return osm_graph__find(g, id);
}

const struct osm_node *osm_test_thread(const struct osm_graph *g, pid_t tid)
{
	return osm_test_find(g, OSM_NODE_THREAD ":%d", (int)tid);
}

const struct osm_node *osm_test_process(const struct osm_graph *g, pid_t tgid)
{
	return osm_test_find(g, OSM_NODE_PROCESS ":%d", (int)tgid);
}

const char *osm_test_token(const struct osm_node *n)
{
	const char *c = strchr(osm_node__id(n), ':');

	return c ? c + 1 : "";
}

static bool str_ull(const char *s, unsigned long long *val)
{
	char *end;

	if (!s || !*s || !isxdigit((unsigned char)*s))
		return false;
	errno = 0;
	if (s[0] == '0' && s[1] == 'x')
		*val = strtoull(s + 2, &end, 16);
	else
		*val = strtoull(s, &end, 10);
	return !errno && !*end;
}

bool osm_test_attr_ull(const struct osm_node *n, const char *key,
		       unsigned long long *val)
{
	return str_ull(osm_node__attr(n, key), val);
}

bool osm_test_edge_attr_ull(const struct osm_edge *e, const char *key,
			    unsigned long long *val)
{
	return str_ull(osm_edge__attr(e, key), val);
}

static size_t edges_of(const struct osm_node *n, bool out, const char *kind,
		       const char *type, const struct osm_edge **res,
		       size_t max)
{
	size_t i, cnt = 0, total;

	if (!n)
		return 0;
	total = out ? osm_node__out_count(n) : osm_node__in_count(n);
	for (i = 0; i < total; i++) {
		const struct osm_edge *e = out ? osm_node__out(n, i) :
						 osm_node__in(n, i);
		const struct osm_node *o = out ? osm_edge__dst(e) :
						 osm_edge__src(e);

		if (kind && strcmp(osm_edge__kind(e), kind))
			continue;
		if (type && strcmp(osm_node__type(o), type))
			continue;
		if (res && cnt < max)
			res[cnt] = e;
		cnt++;
	}
	return cnt;
}

size_t osm_test_out(const struct osm_node *n, const char *kind,
		    const char *dst_type, const struct osm_edge **out,
		    size_t max)
{
	return edges_of(n, true, kind, dst_type, out, max);
}

size_t osm_test_in(const struct osm_node *n, const char *kind,
		   const char *src_type, const struct osm_edge **out,
		   size_t max)
{
	return edges_of(n, false, kind, src_type, out, max);
}

bool osm_test_has_edge(const struct osm_node *src, const char *kind,
		       const struct osm_node *dst)
{
	size_t i;

	if (!src || !dst)
		return false;
	for (i = 0; i < osm_node__out_count(src); i++) {
		const struct osm_edge *e = osm_node__out(src, i);

		if (osm_edge__dst(e) == dst && !strcmp(osm_edge__kind(e), kind))
			return true;
	}
	return false;
}

size_t osm_test_held_count(const struct osm_node *pd, const char *type)
{
	return osm_test_out(pd, OSM_EDGE_HOLD, type, NULL, 0);
}

const struct osm_edge *osm_test_hold_edge(const struct osm_node *pd,
					  const char *type)
{
	const struct osm_edge *e;

	if (osm_test_out(pd, OSM_EDGE_HOLD, type, &e, 1) != 1)
		return NULL;
	return e;
}

const struct osm_node *osm_test_held(const struct osm_node *pd,
				     const char *type)
{
	const struct osm_edge *e = osm_test_hold_edge(pd, type);

	return e ? osm_edge__dst(e) : NULL;
}

const struct osm_node *osm_test_held_by_tid(const struct osm_graph *g,
					    pid_t tid, const char *type)
{
	return osm_test_held(osm_test_thread(g, tid), type);
}

const struct osm_node *osm_test_fd_file(const struct osm_node *files, int fd)
{
	unsigned long long v;
	size_t i;

	if (!files)
		return NULL;
	for (i = 0; i < osm_node__out_count(files); i++) {
		const struct osm_edge *e = osm_node__out(files, i);

		if (strcmp(osm_edge__kind(e), OSM_EDGE_MAP) ||
		    strcmp(osm_node__type(osm_edge__dst(e)), OSM_NODE_FILE))
			continue;
		if (osm_test_edge_attr_ull(e, "fd", &v) &&
		    v == (unsigned long long)fd)
			return osm_edge__dst(e);
	}
	return NULL;
}

const struct osm_node *osm_test_mapped_inode(const struct osm_node *n)
{
	const struct osm_edge *e;

	if (osm_test_out(n, OSM_EDGE_MAP, OSM_NODE_INODE, &e, 1) != 1)
		return NULL;
	return osm_edge__dst(e);
}

/* ---- independent oracles ------------------------------------------- */

pid_t osm_test_gettid(void)
{
	return syscall(SYS_gettid);
}

int osm_test_kcmp(pid_t pid1, pid_t pid2, int type, unsigned long idx1,
		  unsigned long idx2)
{
	return syscall(SYS_kcmp, pid1, pid2, type, idx1, idx2);
}

unsigned long long osm_test_ns_ino(pid_t pid, const char *name)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, name);
	if (stat(path, &st))
		return 0;
	return st.st_ino;
}

void osm_test_inode_id(char *buf, size_t len, dev_t dev, ino_t ino)
{
	snprintf(buf, len, OSM_NODE_INODE ":%u:%u:%llu", major(dev),
		 minor(dev), (unsigned long long)ino);
}

int osm_test_fd_inode_id(int fd, char *buf, size_t len)
{
	struct stat st;

	if (fstat(fd, &st))
		return -1;
	osm_test_inode_id(buf, len, st.st_dev, st.st_ino);
	return 0;
}

int osm_test_status_field(pid_t pid, const char *key, char *buf, size_t len)
{
	char path[64], line[512];
	size_t kl = strlen(key);
	FILE *f;
	int ret = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *v = line + kl + 1;

		if (strncmp(line, key, kl) || line[kl] != ':')
			continue;
		while (*v == ' ' || *v == '\t')
			v++;
		v[strcspn(v, "\n")] = '\0';
		snprintf(buf, len, "%s", v);
		ret = 0;
		break;
	}
	fclose(f);
	if (ret)
		errno = ENOENT;
	return ret;
}

int osm_test_read_maps(pid_t pid, struct osm_test_vma **out)
{
	char path[64], line[4096 + 128];
	struct osm_test_vma *v = NULL, *nv;
	size_t n = 0, cap = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		struct osm_test_vma m = { 0 };
		int name = 0;

		if (sscanf(line, "%llx-%llx %4s %llx %x:%x %llu %n", &m.start,
			   &m.end, m.perm, &m.pgoff, &m.major, &m.minor,
			   &m.ino, &name) < 7) {
			errno = EPROTO;
			goto fail;
		}
		if (name && !strncmp(line + name, "[vsyscall]", 10))
			continue;	/* the gate area is not in the mm */
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv)
				goto fail;
			v = nv;
		}
		v[n++] = m;
	}
	fclose(f);
	*out = v;
	return n;
fail:
	fclose(f);
	free(v);
	return -1;
}

int osm_test_graph_vmas(const struct osm_node *mm, struct osm_test_vma **out)
{
	size_t i, n = osm_test_in(mm, OSM_EDGE_SUBSET, OSM_NODE_VMA, NULL, 0);
	const struct osm_edge **e = calloc(n + 1, sizeof(*e));
	struct osm_test_vma *v = calloc(n + 1, sizeof(*v));

	if (!e || !v)
		goto fail;
	osm_test_in(mm, OSM_EDGE_SUBSET, OSM_NODE_VMA, e, n);
	for (i = 0; i < n; i++) {
		const struct osm_node *vn = osm_edge__src(e[i]);
		const char *perm = osm_node__attr(vn, "perm");
		const char *dev = osm_node__attr(vn, "dev");

		if (!osm_test_attr_ull(vn, "start", &v[i].start) ||
		    !osm_test_attr_ull(vn, "end", &v[i].end) ||
		    !osm_test_attr_ull(vn, "pgoff", &v[i].pgoff) ||
		    !perm || strlen(perm) != 4)
			goto fail_proto;
		memcpy(v[i].perm, perm, 5);
		/* dev and ino may be left out for anonymous memory. */
		if (dev && sscanf(dev, "%u:%u", &v[i].major, &v[i].minor) != 2)
			goto fail_proto;
		if (osm_node__attr(vn, "ino") &&
		    !osm_test_attr_ull(vn, "ino", &v[i].ino))
			goto fail_proto;
	}
	free(e);
	*out = v;
	return n;

fail_proto:
	errno = EPROTO;
fail:
	free(e);
	free(v);
	return -1;
}

static int vma_cmp(const void *a, const void *b)
{
	const struct osm_test_vma *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

void osm_test_sort_vmas(struct osm_test_vma *v, size_t n)
{
	qsort(v, n, sizeof(*v), vma_cmp);
}

/* ---- children ------------------------------------------------------ */

#define MSG_READY	'R'
#define MSG_ERROR	'E'
#define MSG_RELEASE	'X'

static pid_t spawn(enum osm_spawn how, unsigned long flags)
{
	struct clone_args args = {
		.flags = flags,
		.exit_signal = SIGCHLD,
	};

	switch (how) {
	case OSM_SPAWN_FORK:
		return fork();
	case OSM_SPAWN_CLONE:
		/* No CLONE_VM: the child runs on a copy of this stack. */
		return syscall(SYS_clone, flags | SIGCHLD, 0, NULL, NULL, 0);
	case OSM_SPAWN_CLONE3:
		return syscall(SYS_clone3, &args, CLONE_ARGS_SIZE_VER0);
	}
	errno = EINVAL;
	return -1;
}

static void child_reap(struct osm_child *c)
{
	while (waitpid(c->pid, &c->status, 0) < 0 && errno == EINTR)
		;
	if (c->sock >= 0)
		close(c->sock);
	if (c->child_sock >= 0)
		close(c->child_sock);
	c->sock = c->child_sock = -1;
	c->pid = 0;
}

static void child_describe_exit(struct osm_child *c)
{
	size_t l = strlen(c->err);

	if (WIFEXITED(c->status))
		snprintf(c->err + l, sizeof(c->err) - l,
			 "%schild exited with %d before it was ready",
			 l ? "; " : "", WEXITSTATUS(c->status));
	else if (WIFSIGNALED(c->status))
		snprintf(c->err + l, sizeof(c->err) - l,
			 "%schild killed by signal %d before it was ready",
			 l ? "; " : "", WTERMSIG(c->status));
}

/* Wait for the first message of the child; see osm_child_start(). */
static int child_wait_ready(struct osm_child *c, void *reply, size_t len)
{
	char msg[1 + 4096];
	struct pollfd pfd[2];
	int pidfd = syscall(SYS_pidfd_open, c->pid, 0);
	ssize_t n;

	pfd[0].fd = c->sock;
	pfd[0].events = POLLIN;
	pfd[1].fd = pidfd;
	pfd[1].events = POLLIN;
	for (;;) {
		/* Without a pidfd (pre-5.3) block on the socket alone. */
		if (poll(pfd, pidfd >= 0 ? 2 : 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[0].revents || (pidfd >= 0 && pfd[1].revents))
			break;
	}
	n = recv(c->sock, msg, sizeof(msg), MSG_DONTWAIT);
	if (pidfd >= 0)
		close(pidfd);
	if (n > 0 && msg[0] == MSG_READY) {
		if (reply && (size_t)n - 1 != len) {
			snprintf(c->err, sizeof(c->err),
				 "child sent %zd bytes, expected %zu", n - 1,
				 len);
			osm_child_finish(c);
			errno = EPROTO;
			return -1;
		}
		if (reply)
			memcpy(reply, msg + 1, len);
		return 0;
	}
	if (n > 0 && msg[0] == MSG_ERROR)
		snprintf(c->err, sizeof(c->err), "%.*s", (int)n - 1, msg + 1);
	else if (n > 0)
		snprintf(c->err, sizeof(c->err), "bad message from child");
	osm_child_finish(c);
	child_describe_exit(c);
	errno = ECHILD;
	return -1;
}

int osm_child_start(struct osm_child *c, enum osm_spawn how,
		    unsigned long flags, osm_child_fn fn, void *arg,
		    void *reply, size_t len)
{
	bool shared = flags & CLONE_FILES;
	pid_t parent = getpid();
	int sv[2];

	memset(c, 0, sizeof(*c));
	c->sock = c->child_sock = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return -1;
	fflush(stdout);
	fflush(stderr);
	c->pid = spawn(how, flags);
	if (c->pid < 0) {
		snprintf(c->err, sizeof(c->err), "spawn: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (c->pid == 0) {
		if (!shared)
			close(sv[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* In a new pid namespace the parent has no number: 0. */
		if (getppid() != (flags & CLONE_NEWPID ? 0 : parent))
			_exit(1);
		_exit(fn(sv[1], arg));
	}
	c->sock = sv[0];
	if (shared)
		c->child_sock = sv[1];
	else
		close(sv[1]);
	return child_wait_ready(c, reply, len);
}

/* Child side of osm_child_start_exec(): become the waiting test binary. */
static int exec_self(int sock, void *arg)
{
	char fdstr[16];
	int fd;

	(void)arg;
	fd = fcntl(sock, F_DUPFD, 3);	/* without FD_CLOEXEC */
	if (fd < 0)
		osm_child_fail(sock, "dup: %m");
	snprintf(fdstr, sizeof(fdstr), "%d", fd);
	execl("/proc/self/exe", "/proc/self/exe", OSM_TEST_WAIT_ARG, fdstr,
	      (char *)NULL);
	osm_child_fail(sock, "exec /proc/self/exe: %m");
}

int osm_child_start_exec(struct osm_child *c)
{
	return osm_child_start(c, OSM_SPAWN_FORK, 0, exec_self, NULL, NULL, 0);
}

int osm_child_finish(struct osm_child *c)
{
	char m = MSG_RELEASE;

	if (c->pid <= 0)
		return -1;
	if (c->sock >= 0)
		send(c->sock, &m, 1, MSG_NOSIGNAL);
	child_reap(c);
	if (WIFEXITED(c->status))
		return WEXITSTATUS(c->status);
	return 128 + WTERMSIG(c->status);
}

int osm_child_ready(int sock, const void *data, size_t len)
{
	char msg[1 + 4096], m;
	ssize_t n;

	if (len > sizeof(msg) - 1) {
		errno = EMSGSIZE;
		return -1;
	}
	msg[0] = MSG_READY;
	if (len)
		memcpy(msg + 1, data, len);
	if (send(sock, msg, 1 + len, MSG_NOSIGNAL) < 0)
		return -1;
	do
		n = recv(sock, &m, 1, 0);	/* release or EOF */
	while (n < 0 && errno == EINTR);
	return 0;
}

int osm_child_idle(int sock, void *arg)
{
	(void)arg;
	return osm_child_ready(sock, NULL, 0) ? 1 : 0;
}

void osm_child_fail(int sock, const char *fmt, ...)
{
	char msg[1 + 4096];
	int saved = errno;
	va_list ap;

	msg[0] = MSG_ERROR;
	va_start(ap, fmt);
	errno = saved;
	vsnprintf(msg + 1, sizeof(msg) - 1, fmt, ap);
	va_end(ap);
	send(sock, msg, 1 + strlen(msg + 1), MSG_NOSIGNAL);
	_exit(1);
}

int osm_test_wait_main(int argc, char **argv)
{
	int fd = argc >= 3 ? atoi(argv[2]) : -1;

	if (fd < 0)
		return 2;
	if (osm_child_ready(fd, NULL, 0))
		return 1;
	return 0;
}
