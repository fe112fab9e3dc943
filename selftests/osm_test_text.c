// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checking the raw text of a graph stream against graph-format.md
 * (osm_test_check_text) and for leaked kernel addresses
 * (osm_test_check_leaks), and looking lines up in a stream read so far
 * (osm_test_text_lines, osm_test_text_vmas), without going through
 * libosm's parser.
 * See osm_test_util.h.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "osm_test_util.h"

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

/* The node types graph-format 1.4 defines, with their class. */
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
	{ OSM_NODE_TIME_NS, false }, { OSM_NODE_CRED, false },
	{ OSM_NODE_SECCOMP, false }, { OSM_NODE_SHM, false },
	{ OSM_NODE_SEM, false }, { OSM_NODE_MSG, false },
	{ OSM_NODE_SEMUNDO, false },
	{ OSM_NODE_FUSE, false }, { OSM_NODE_UFFD, false },
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

/*
 * The next whole line of [@buf, @end) at or after @from that starts with
 * the @pl bytes of @pat (which is "\n" + prefix), or NULL.
 */
static const char *next_line(const char *buf, const char *end,
			     const char *from, const char *pat, size_t pl)
{
	const char *hit;

	if (from == buf) {
		if ((size_t)(end - buf) >= pl - 1 && !memcmp(buf, pat + 1, pl - 1))
			return buf;
		from = buf + 1;
	}
	/* From the newline before @from, so a line starting there is found. */
	hit = memmem(from - 1, end - (from - 1), pat, pl);
	return hit ? hit + 1 : NULL;
}

/* "\n" + the formatted prefix into @pat; its length, or 0 if too long. */
static size_t line_pattern(char *pat, size_t size, const char *fmt,
			   va_list ap)
{
	int k;

	pat[0] = '\n';
	k = vsnprintf(pat + 1, size - 1, fmt, ap);
	if (k <= 0 || (size_t)k >= size - 1)
		return 0;
	return k + 1;
}

/* The end of the last whole line of @buf, or @buf if there is none. */
static const char *whole_lines_end(const char *buf, size_t len)
{
	const char *nl = len ? memrchr(buf, '\n', len) : NULL;

	return nl ? nl + 1 : buf;
}

size_t osm_test_text_lines(const char *buf, size_t len, const char **first,
			   const char *fmt, ...)
{
	const char *end = whole_lines_end(buf, len), *l = buf;
	char pat[256];
	size_t pl, n = 0;
	va_list ap;

	if (first)
		*first = NULL;
	va_start(ap, fmt);
	pl = line_pattern(pat, sizeof(pat), fmt, ap);
	va_end(ap);
	if (!pl)
		return 0;
	while (l < end && (l = next_line(buf, end, l, pat, pl))) {
		if (!n++ && first)
			*first = l;
		l = memchr(l, '\n', end - l) + 1;
	}
	return n;
}

/* "key=0x<hex>" in @f, its value into *@val. */
static bool hex_value(const struct field *f, const char *key,
		      unsigned long long *val)
{
	size_t vl;
	const char *v = kv_value(f, key, &vl);

	return v && vl > 2 && !memcmp(v, "0x", 2) &&
	       parse_num(v + 2, vl - 2, 16, val);
}

/* The start=, end= and perm= fields of one vma node line into @v. */
static bool parse_vma_line(const char *l, const char *nl,
			   struct osm_test_vma *v)
{
	unsigned int got = 0;
	const char *f = l;

	memset(v, 0, sizeof(*v));
	while (f < nl) {
		const char *sp = memchr(f, ' ', nl - f);
		size_t n = (sp ? sp : nl) - f, vl;
		struct field fl = { f, n };
		const char *perm = kv_value(&fl, "perm", &vl);

		if (hex_value(&fl, "start", &v->start)) {
			got |= 1;
		} else if (hex_value(&fl, "end", &v->end)) {
			got |= 2;
		} else if (perm && vl == 4) {
			memcpy(v->perm, perm, 4);
			got |= 4;
		}
		f += n + 1;
	}
	return got == 7;
}

int osm_test_text_vmas(const char *buf, size_t len, const char *mm,
		       struct osm_test_vma **out)
{
	const char *end = whole_lines_end(buf, len), *l = buf, *nl;
	struct osm_test_vma *v = NULL, *nv;
	size_t n = 0, cap = 0, pl;
	char pat[128];

	pl = snprintf(pat, sizeof(pat), "\n" OSM_REC_NODE " " OSM_NODE_VMA
		      ":%s:", mm);
	if (pl >= sizeof(pat)) {
		errno = EINVAL;
		return -1;
	}
	while (l < end && (l = next_line(buf, end, l, pat, pl))) {
		nl = memchr(l, '\n', end - l);
		nv = osm_test_grow(v, n, &cap, sizeof(*v));
		if (!nv)
			goto fail;
		v = nv;
		if (!parse_vma_line(l, nl, &v[n++])) {
			errno = EPROTO;
			goto fail;
		}
		l = nl + 1;
	}
	*out = v;
	return n;
fail:
	free(v);
	return -1;
}
