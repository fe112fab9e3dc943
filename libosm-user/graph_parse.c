// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * The graph format parser (uapi/graph-format.md).
 *
 * The text is parsed as it arrives, a chunk at a time, in one buffer that
 * the graph keeps: each complete line is decoded and compacted in place
 * into the records described in libosm_internal.h (what a record keeps
 * is never longer than its line, so the writer never overtakes the
 * reader), and the partial line at the end of a chunk moves down to meet
 * the records before the next read.  So the buffer holds the records
 * plus one chunk, a stream that is not a graph is refused at its first
 * line, and every string the API hands out points into that one
 * allocation.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "graph_keys.h"
#include "libosm_internal.h"

#ifndef OSM_CHUNK			/* the fuzz build makes it tiny */
#define OSM_CHUNK		(1UL << 20)
#endif
#define OSM_QUOTE_MAX		96		/* bytes of an id in a message */

struct osm_parser {
	struct osm_graph *g;
	char *buf;		/* g->text */
	size_t cap;
	size_t out;		/* records: buf[0, out) */
	size_t in;		/* the unparsed input: buf[in, end) */
	size_t end;
	size_t total;		/* input bytes so far */
	size_t max;		/* refuse more input than this */
	size_t line;		/* number of the line being parsed */
	bool seen_end;
	/* The nodes met last: edges name them again and again. */
	struct {
		uint32_t hash;
		uint32_t idx1;		/* index + 1; 0: empty */
		size_t off;		/* the id in the text */
		size_t len;
	} recent[4];
	unsigned int rpos;
	const char *last_kind;	/* the kind of the previous edge */
	size_t last_klen;
	const char *last_type;	/* the type of the previous node */
	size_t last_tlen;
	char *errbuf;
	size_t errbuf_sz;
	bool single_thread;	/* opts: no helper thread */
	struct osm_keys keys;	/* the keys written as one byte */
	struct osm_htab intern;	/* values kept once: their offsets */
};

int osm__set_err(char *errbuf, size_t errbuf_sz, const char *fmt, ...)
{
	va_list ap;

	if (errbuf && errbuf_sz) {
		va_start(ap, fmt);
		vsnprintf(errbuf, errbuf_sz, fmt, ap);
		va_end(ap);
	}
	return 0;
}

/* Fail with @err and say why, prefixed with the line number. */
__attribute__((format(printf, 3, 4)))
static int fail(struct osm_parser *p, int err, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	osm__set_err(p->errbuf, p->errbuf_sz, "line %zu: %s", p->line, msg);
	return err;
}

/* @s[0..len) for a message: escaped as the format escapes, and short. */
static const char *quote(char *dst, size_t dsz, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	for (i = 0; i < len && o + 8 < dsz; i++) {
		unsigned char c = s[i];

		if (c <= 0x20 || c >= 0x7f || c == '\\') {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		} else {
			dst[o++] = c;
		}
	}
	if (i < len) {
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	dst[o] = '\0';
	return dst;
}

#define Q(s, len) quote((char[OSM_QUOTE_MAX + 8]){ 0 }, OSM_QUOTE_MAX + 8, \
			(s), (len))

static int grow(struct osm_parser *p, unsigned int area, void **arr,
		size_t *cap, size_t need, size_t elem)
{
	size_t n = *cap ? *cap : 256;
	void *a;

	if (need <= *cap)
		return 0;
	while (n < need) {
		if (n > SIZE_MAX / 2 / elem)
			return -ENOMEM;
		n *= 2;
	}
	/* The helper may be faulting the array in: not while it moves. */
	osm__prefault_lock(p->g->pf, area);
	a = osm__mem_resize(*arr, *cap * elem, n * elem);
	osm__prefault_unlock(p->g->pf);
	if (!a)
		return -ENOMEM;
	*arr = a;
	*cap = n;
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool valid_key(const char *k, size_t len)
{
	size_t i;

	if (!len)
		return false;
	for (i = 0; i < len; i++) {
		char c = k[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_'))
			return false;
	}
	return true;
}

static const unsigned char key_char[256] = {
	['_'] = 1,
	['0' ... '9'] = 1,
	['a' ... 'z'] = 1,
};

/*
 * The first ' ' or '\\' in [s, end), or end.  Values are most of the
 * text: a word at a time, where a byte is found as in strlen().  A bit
 * set above the first match may be wrong (a borrow), never one below.
 */
static char *value_end(char *s, const char *end)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const uint64_t ones = 0x0101010101010101ULL;
	const uint64_t highs = 0x8080808080808080ULL;
	uint64_t x, a, b, m;

	for (; end - s >= 8; s += 8) {
		memcpy(&x, s, 8);
		a = x ^ (ones * ' ');
		b = x ^ (ones * '\\');
		m = ((a - ones) & ~a) | ((b - ones) & ~b);
		m &= highs;
		if (m)
			return s + __builtin_ctzll(m) / 8;
	}
#endif
	while (s < end && *s != ' ' && *s != '\\')
		s++;
	return s;
}

/*
 * Move @n bytes of a line down from @r to @w (@w < @r), the line ending
 * at @lim: a word at a time when the gap and the line leave room for
 * it.  A word copied whole ends below @r + @n, so it never overwrites
 * what is still to be read; values are short, shorter than a call pays.
 */
static inline void move_down(char *w, const char *r, size_t n,
			     const char *lim)
{
	uint64_t x;
	size_t i;

	if (r - w < 8 || (size_t)(lim - r) < n + 8) {
		memmove(w, r, n);
		return;
	}
	for (i = 0; i < n; i += 8) {
		memcpy(&x, r + i, 8);
		memcpy(w + i, &x, 8);
	}
}

/*
 * Values of interned keys this long or longer are kept once, up to a
 * length past which a value is not a name that repeats.
 */
#define OSM_INTERN_MIN		8
#define OSM_INTERN_LEN_MAX	4096
/* At most this many distinct values are remembered (bounded memory). */
#define OSM_INTERN_MAX		(1U << 16)

/* A remembered value, for osm__htab_find(): its offset in the text. */
static const char *intern_key(const void *ctx, uint32_t off)
{
	const struct osm_parser *p = ctx;

	return p->buf + off;
}

/*
 * Set *@off to the offset in the text of an earlier copy of value
 * @v[0..len), or to 0 when there is none (offset 0 is the header's,
 * never a value's): then @v is remembered, while there is room (it is
 * NUL-terminated before the next lookup).
 */
static int intern(struct osm_parser *p, const char *v, size_t len,
		  size_t *off)
{
	uint32_t hash = osm__hash(v, len), val;
	size_t at = v - p->buf;

	*off = 0;
	if (!osm__htab_find(&p->intern, v, len, hash, intern_key, p, &val)) {
		*off = val;
		return 0;
	}
	/* Full, or past 4 GiB of text: the value stays literal. */
	if (p->intern.used >= OSM_INTERN_MAX || at >= UINT32_MAX)
		return 0;
	return osm__htab_insert(&p->intern, hash, (uint32_t)at);
}

/*
 * The attribute at @a, key @code (-1: written out) whose value was just
 * written at @v[0..len): one byte and a reference when the value is in
 * the text already.  Sets *@w to where the next attribute goes.
 */
static int put_value(struct osm_parser *p, char *a, int code, char *v,
		     size_t len, char **w)
{
	size_t off = 0;
	long long d;
	int32_t d32;

	if (code >= 0 && len >= OSM_INTERN_MIN && len <= OSM_INTERN_LEN_MAX &&
	    osm__key_interned(code) && intern(p, v, len, &off))
		return fail(p, -ENOMEM, "out of memory");
	d = (long long)off - (long long)(a - p->buf);
	if (!off || d < INT32_MIN) {
		v[len] = '\0';
		*w = v + len + 1;
		return 0;
	}
	d32 = (int32_t)d;
	*a = (char)(OSM_KEY_REF + code);
	memcpy(a + 1, &d32, sizeof(d32));
	*w = a + 1 + sizeof(d32);
	return 0;
}

/*
 * Write the key=value fields after @sep (the space before the first, or
 * @end when there are none) as attributes (libosm_internal.h) at
 * p->buf + p->out.  Fields are separated by exactly one space.
 *
 * The fields are moved down to p->out in one piece and rewritten there:
 * a known key becomes one byte, '=' and ' ' become NULs in place, and
 * only an escape (3 bytes shorter decoded) makes what follows it move
 * again, run by run.  What a message quotes is read there too.
 */
static int put_attrs(struct osm_parser *p, const char *sep, const char *end)
{
	char *w = p->buf + p->out, *r, *k, *lim, *f, *a, *v;
	unsigned int prev = OSM_NKEYS;
	const char *key;
	size_t n;
	int code;

	if (sep == end) {
		*w = '\0';
		p->out++;
		return 0;
	}
	n = end - (sep + 1);
	if (!n)
		return fail(p, -EPROTO, "space at the end of the line");
	memmove(w, sep + 1, n);
	r = w;		/* reading; w: writing, r - w bytes behind */
	lim = w + n;
	while (r < lim) {
		/* The key: up to the first '='. */
		a = w;
		k = r;
		code = osm__key_fast(&p->keys, r, lim, &prev, &n);
		if (code >= 0) {
			r += n;
			goto known;
		}
		for (; r < lim && key_char[(unsigned char)*r]; r++)
			;
		n = r - k;
		if (r == lim || *r == ' ')
			return fail(p, -EPROTO, "field '%s' is not key=value",
				    Q(k, n));
		if (*r != '=' || !n) {
			for (f = r; f < lim && *f != '=' && *f != ' '; f++)
				;
			return fail(p, -EPROTO, "bad key '%s%s'", Q(k, n),
				    Q(r, f - r));
		}
		code = osm__key_code(&p->keys, k, n, lim);
		prev = code >= 0 ? (unsigned int)code : OSM_NKEYS;
known:
		if (code >= 0) {
			*w++ = (char)(OSM_KEY_CODED + code);
			key = osm__key_names[code];
		} else {
			if (w != k)
				memmove(w, k, n);
			key = w;
			w += n;
			*w++ = '\0';
		}
		r++;
		/* The value: up to the next space, \xHH decoded. */
		v = w;
		for (;;) {
			char *t = value_end(r, lim);
			int hi, lo;

			if (w != r)
				move_down(w, r, t - r, lim);
			w += t - r;
			r = t;
			if (r == lim || *r == ' ')
				break;
			hi = lim - r < 4 || r[1] != 'x' ? -1 : hexval(r[2]);
			lo = hi < 0 ? -1 : hexval(r[3]);
			/* A decoded NUL would cut the C string short. */
			if (lo < 0 || (hi | lo) == 0)
				return fail(p, -EPROTO,
					    "bad escape in the value of '%s'",
					    Q(key, strlen(key)));
			*w++ = (char)(hi << 4 | lo);
			r += 4;
		}
		if (put_value(p, a, code, v, w - v, &w))
			return -ENOMEM;
		if (r < lim && ++r == lim)
			return fail(p, -EPROTO, "space at the end of the line");
	}
	*w++ = '\0';
	p->out = w - p->buf;
	return 0;
}

/* Does attribute list @a have @key with no 'w' in its value? */
static bool attr_no_w(const char *a, const char *key)
{
	const char *v = osm__attr_find(a, key);

	return v && !strchr(v, 'w');
}

/* A region's perm "rwxp" as OSM_NB_W and OSM_NB_S. */
static uint8_t perm_bits(const char *a)
{
	const char *v = osm__attr_find(a, "perm");
	uint8_t bits = 0;

	if (v && strlen(v) >= 4) {
		if (v[1] == 'w')
			bits |= OSM_NB_W;
		if (v[3] == 's')
			bits |= OSM_NB_S;
	}
	return bits;
}

/*
 * What the walks need of node @idx (OSM_NB_*), read from its attributes
 * @a while they are in cache, and its count of backward steps started:
 * a walk judging whether a step writes then reads one byte, not the
 * record (libosm_internal.h).
 */
static int note_node(struct osm_parser *p, const struct osm_node *n,
		     size_t idx, const char *a)
{
	struct osm_graph *g = p->g;
	uint8_t bits = 0;
	int err;

	err = grow(p, OSM_PF_NBITS, (void **)&g->nbits, &g->nbits_cap,
		   idx + 1, 1);
	if (!err)
		err = grow(p, OSM_PF_ROFF, (void **)&g->roff, &g->roff_cap,
			   idx + 2, sizeof(*g->roff));
	if (err)
		return fail(p, err, "out of memory");
	if (n->type == g->t_vma)
		bits = perm_bits(a);
	else if (n->type == g->t_file && attr_no_w(a, "mode"))
		bits = OSM_NB_RO;
	if (!n->is_pd && (n->type == g->t_mm || n->type == g->t_files))
		bits |= OSM_NB_STOP;
	g->nbits[idx] = bits;
	g->roff[idx] = 0;
	g->roff[idx + 1] = 0;
	return 0;
}

/*
 * The backward step of reachability edge @e makes, if any (querier.c's
 * walks, query.md): a member edge from a PD to a PD and a subset edge
 * into another type are taken from their source, an edge reachability
 * follows into a resource from its destination.  Counted in roff.
 */
static int note_step(struct osm_parser *p, const struct osm_edge *e,
		     const struct osm_node *src, const struct osm_node *dst)
{
	struct osm_graph *g = p->g;
	const char *a = e->attrs_off == OSM_NO_ATTRS ? "" :
			p->buf + e->attrs_off;
	bool ro = attr_no_w(a, "mode");
	uint8_t code = ro ? OSM_ESTEP_RO : 0;
	int err;

	err = grow(p, OSM_PF_ESTEP, (void **)&g->estep, &g->estep_cap,
		   g->nedges + 1, 1);
	if (err)
		return fail(p, err, "out of memory");
	if (e->kind == g->k_member && src->is_pd && dst->is_pd) {
		code |= OSM_ESTEP_SRC | OSM_ESTEP_RW;
	} else if (e->kind == g->k_subset && !src->is_pd &&
		   src->type != dst->type) {
		code |= OSM_ESTEP_SRC;
		if (osm__step_writes(g, e->kind, ro, dst, src))
			code |= OSM_ESTEP_RW;
	} else if (osm__is_reach_kind(g, e->kind) && !dst->is_pd) {
		code |= OSM_ESTEP_DST;
		if (osm__step_writes(g, e->kind, ro, src, dst))
			code |= OSM_ESTEP_RW;
	}
	if (code & OSM_ESTEP_SRC)
		g->roff[src->index]++;
	else if (code & OSM_ESTEP_DST)
		g->roff[dst->index]++;
	g->estep[g->nedges] = code;
	return 0;
}

/* Unsigned number: decimal, or hex after "0x" (graph-format.md). */
static int parse_num(const char *s, size_t len, unsigned long long *out)
{
	const char *end = s + len;
	unsigned long long v = 0;
	int base = 10, d;

	if (len > 2 && s[0] == '0' && s[1] == 'x') {
		base = 16;
		s += 2;
	}
	if (s == end)
		return -EPROTO;
	for (; s < end; s++) {
		d = hexval(*s);
		if (d < 0 || d >= base)
			return -EPROTO;
		if (v > (~0ULL - d) / base)
			return -EPROTO;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

/* "<major>.<minor>", both decimal. */
static int parse_version(const char *s, const char *end, unsigned int *major,
			 unsigned int *minor)
{
	unsigned long v[2] = { 0, 0 };
	int i;

	for (i = 0; i < 2; i++) {
		if (s == end || *s < '0' || *s > '9')
			return -EPROTO;
		for (; s < end && *s >= '0' && *s <= '9'; s++) {
			v[i] = v[i] * 10 + (*s - '0');
			if (v[i] > 0xffff)
				return -EPROTO;
		}
		if (!i && (s == end || *s++ != '.'))
			return -EPROTO;
	}
	if (s != end)
		return -EPROTO;
	*major = v[0];
	*minor = v[1];
	return 0;
}

static bool maybe_magic(const char *s, size_t len)
{
	static const char magic[] = OSM_GRAPH_MAGIC " ";
	size_t n = sizeof(magic) - 1;

	return !memcmp(s, magic, len < n ? len : n);
}

static int parse_header(struct osm_parser *p, const char *s, const char *e)
{
	size_t n = sizeof(OSM_GRAPH_MAGIC) - 1;
	const char *v = s + n + 1, *ve;
	struct osm_graph *g = p->g;

	if ((size_t)(e - s) <= n || !maybe_magic(s, e - s))
		return fail(p, -EPROTO, "not an osmosis graph (no '%s' header)",
			    OSM_GRAPH_MAGIC);
	ve = memchr(v, ' ', e - v);
	if (!ve)
		ve = e;
	if (parse_version(v, ve, &g->major, &g->minor))
		return fail(p, -EPROTO, "bad version '%s'", Q(v, ve - v));
	/* Any minor is readable; another major is another format. */
	if (g->major != OSM_GRAPH_MAJOR)
		return fail(p, -EPROTO,
			    "unknown major version %u (format %u.%u; this library reads %d.x)",
			    g->major, g->major, g->minor, OSM_GRAPH_MAJOR);
	g->hdr_off = p->out;
	return put_attrs(p, ve, e);
}

static void remember(struct osm_parser *p, uint32_t hash, size_t idx,
		     size_t len)
{
	p->recent[p->rpos].hash = hash;
	p->recent[p->rpos].idx1 = idx + 1;
	p->recent[p->rpos].off = p->g->nodes[idx].id_off;
	p->recent[p->rpos].len = len;
	p->rpos = (p->rpos + 1) % 4;
}

/*
 * @a[0..len) == @b[0..len), a word at a time: a library call costs more
 * than these short compares, and the id was often written just now.
 */
static bool same(const char *a, const char *b, size_t len)
{
	uint64_t x, y;

	for (; len >= 8; a += 8, b += 8, len -= 8) {
		memcpy(&x, a, 8);
		memcpy(&y, b, 8);
		if (x != y)
			return false;
	}
	while (len--)
		if (*a++ != *b++)
			return false;
	return true;
}

/* Look up a node id, trying the nodes met last first. */
static int find_node(struct osm_parser *p, const char *s, size_t len,
		     uint32_t hash, size_t *idx)
{
	unsigned int i;

	for (i = 0; i < 4; i++) {
		if (p->recent[i].hash != hash || p->recent[i].len != len ||
		    !p->recent[i].idx1)
			continue;
		if (same(p->buf + p->recent[i].off, s, len)) {
			*idx = p->recent[i].idx1 - 1;
			return 0;
		}
	}
	if (osm__node_lookup(p->g, s, len, hash, idx))
		return -ENOENT;
	remember(p, hash, *idx, len);
	return 0;
}

/*
 * A node line after "node ": @sp is the space after the id @s[0..len),
 * @hash the id's.
 */
static int node_body(struct osm_parser *p, const char *s, const char *e,
		     const char *sp, size_t len, uint32_t hash)
{
	struct osm_graph *g = p->g;
	const char *colon, *cls, *ce;
	struct osm_node *n;
	size_t idx, clen, attrs;
	char *w;
	int err;

	colon = memchr(s, ':', len);
	if (!colon || colon == s)
		return fail(p, -EPROTO, "node id '%s' is not <type>:<token>",
			    Q(s, len));
	cls = sp + 1;
	ce = memchr(cls, ' ', e - cls);
	if (!ce)
		ce = e;
	clen = ce - cls;
	if (!clen)
		return fail(p, -EPROTO, "node '%s' without a class", Q(s, len));
	if (g->nnodes >= (1U << 31) - 1)
		return fail(p, -EOVERFLOW, "too many nodes");
	err = grow(p, OSM_PF_NODES, (void **)&g->nodes, &g->nodes_cap,
		   g->nnodes + 1, sizeof(*g->nodes));
	if (err)
		return fail(p, err, "out of memory");

	n = &g->nodes[g->nnodes];
	memset(n, 0, sizeof(*n));
	n->id_off = p->out;
	n->index = g->nnodes;
	n->is_pd = clen == sizeof(OSM_CLASS_PD) - 1 &&
		   !memcmp(cls, OSM_CLASS_PD, clen);
	w = p->buf + p->out;
	memmove(w, s, len);
	w[len] = '\0';
	memmove(w + len + 1, cls, clen);
	w[len + 1 + clen] = '\0';
	p->out += len + clen + 2;
	/* Runs of one type are the rule, as runs of one edge kind. */
	if (p->last_type && (size_t)(colon - s) == p->last_tlen &&
	    !memcmp(w, p->last_type, p->last_tlen)) {
		n->type = p->last_type;
	} else {
		n->type = osm__intern(g, w, colon - s);
		if (!n->type)
			return fail(p, -ENOMEM, "out of memory");
		p->last_type = n->type;
		p->last_tlen = colon - s;
	}
	attrs = p->out;
	err = put_attrs(p, ce, e);
	if (!err)
		err = note_node(p, n, g->nnodes, p->buf + attrs);
	if (!err && osm__facts_node(g, g->nnodes, p->buf + attrs))
		err = fail(p, -ENOMEM, "out of memory");
	if (err)
		return err;
	/* A node is declared once. */
	if (!osm__node_lookup(g, w, len, hash, &idx))
		return fail(p, -EPROTO, "node '%s' declared twice", Q(w, len));
	err = osm__node_insert(g, hash, g->nnodes);
	if (err)
		return fail(p, err, "out of memory");
	remember(p, hash, g->nnodes, len);
	g->nnodes++;
	return 0;
}

static int parse_node(struct osm_parser *p, const char *s, const char *e)
{
	const char *sp = memchr(s, ' ', e - s);
	size_t len = (sp ? sp : e) - s;

	if (!len)
		return fail(p, -EPROTO, "node without an id");
	if (!sp)
		return fail(p, -EPROTO, "node '%s' without a class", Q(s, len));
	return node_body(p, s, e, sp, len, osm__hash(s, len));
}

/* Split off the next field of an edge line; NULL when there is none. */
static const char *field(const char **s, const char *e, size_t *len)
{
	const char *f = *s, *sp;

	if (!f)
		return NULL;
	sp = memchr(f, ' ', e - f);
	*len = (sp ? sp : e) - f;
	*s = sp ? sp + 1 : NULL;
	return f;
}

/* The fields of an edge line, split, and its ends' hashes. */
struct osm_edge_line {
	const char *src, *kind, *dst;
	size_t sl, kl, dl;
	uint32_t sh, dh;
};

static int edge_body(struct osm_parser *p, const struct osm_edge_line *l,
		     const char *e)
{
	const char *src = l->src, *kind = l->kind, *dst = l->dst;
	size_t sl = l->sl, kl = l->kl, dl = l->dl, si, di;
	uint32_t sh = l->sh, dh = l->dh;
	struct osm_graph *g = p->g;
	struct osm_edge *ed;
	int err;

	/* Endpoints must be declared earlier in the stream. */
	if (find_node(p, src, sl, sh, &si))
		return fail(p, -EPROTO, "edge from undeclared node '%s'",
			    Q(src, sl));
	if (find_node(p, dst, dl, dh, &di))
		return fail(p, -EPROTO, "edge to undeclared node '%s'",
			    Q(dst, dl));
	if (g->nedges >= UINT32_MAX / 2 || g->nodes[si].nout == UINT32_MAX ||
	    g->nodes[di].nin == UINT32_MAX)
		return fail(p, -EOVERFLOW, "too many edges");
	err = grow(p, OSM_PF_EDGES, (void **)&g->edges, &g->edges_cap,
		   g->nedges + 1, sizeof(*g->edges));
	if (err)
		return fail(p, err, "out of memory");

	ed = &g->edges[g->nedges];
	ed->src.idx = si;
	ed->dst.idx = di;
	/* Runs of one kind are the rule: skip the name table then. */
	if (p->last_kind && kl == p->last_klen &&
	    !memcmp(kind, p->last_kind, kl)) {
		ed->kind = p->last_kind;
	} else {
		ed->kind = osm__intern(g, kind, kl);
		if (!ed->kind)
			return fail(p, -ENOMEM, "out of memory");
		p->last_kind = ed->kind;
		p->last_klen = kl;
	}
	ed->attrs_off = OSM_NO_ATTRS;
	if (dst + dl != e) {
		ed->attrs_off = p->out;
		err = put_attrs(p, dst + dl, e);
		if (err)
			return err;
	}
	err = note_step(p, ed, &g->nodes[si], &g->nodes[di]);
	if (err)
		return err;
	osm__facts_edge(g, ed, &g->nodes[si], &g->nodes[di]);
	g->nodes[si].nout++;
	g->nodes[di].nin++;
	/* Walks go backward only along "member" and "subset" edges. */
	if ((ed->kind == g->k_member || ed->kind == g->k_subset) &&
	    g->nodes[di].nback != UINT32_MAX) {
		g->nodes[di].nback++;
		g->nback++;
	}
	g->nedges++;
	return 0;
}

static int parse_edge(struct osm_parser *p, const char *s, const char *e)
{
	struct osm_edge_line l = { 0 };
	const char *cur = s;

	l.src = field(&cur, e, &l.sl);
	l.kind = field(&cur, e, &l.kl);
	l.dst = field(&cur, e, &l.dl);
	if (!l.src || !l.kind || !l.dst || !l.sl || !l.kl || !l.dl)
		return fail(p, -EPROTO,
			    "edge needs a source, a kind and a destination");
	l.sh = osm__hash(l.src, l.sl);
	l.dh = osm__hash(l.dst, l.dl);
	return edge_body(p, &l, e);
}

/* "end nodes=<n> edges=<m>": both counts present and matching. */
static int parse_end(struct osm_parser *p, const char *s, const char *e)
{
	unsigned long long v[2] = { 0, 0 };
	const char *f, *cur = s;
	unsigned int seen = 0;
	size_t len;

	p->seen_end = true;
	while (cur && cur < e && (f = field(&cur, e, &len))) {
		const char *eq = memchr(f, '=', len);
		unsigned int i;

		if (!eq || !valid_key(f, eq - f))
			return fail(p, -EPROTO, "field '%s' is not key=value",
				    Q(f, len));
		if (eq - f == 5 && !memcmp(f, "nodes", 5))
			i = 0;
		else if (eq - f == 5 && !memcmp(f, "edges", 5))
			i = 1;
		else
			continue;
		if (parse_num(eq + 1, f + len - eq - 1, &v[i]))
			return fail(p, -EPROTO, "bad number '%s'",
				    Q(f, len));
		seen |= 1U << i;
	}
	if (cur && cur == e)
		return fail(p, -EPROTO, "space at the end of the line");
	if (seen != 3)
		return fail(p, -EPROTO, "'end' without nodes= and edges=");
	if (v[0] != p->g->nnodes || v[1] != p->g->nedges)
		return fail(p, -EPROTO,
			    "'end' counts %llu nodes and %llu edges, the stream has %zu and %zu",
			    v[0], v[1], p->g->nnodes, p->g->nedges);
	return 0;
}

static bool is_kw(const char *s, size_t len, const char *kw, size_t kwlen)
{
	return len == kwlen && !memcmp(s, kw, len);
}

#define KW(s, len, kw)	is_kw(s, len, kw, sizeof(kw) - 1)

static int parse_line(struct osm_parser *p, const char *s, const char *e)
{
	const char *sp, *rest;
	size_t kl;

	if (p->seen_end)
		return fail(p, -EPROTO, "data after 'end'");
	if (p->line == 1)
		return parse_header(p, s, e);
	sp = memchr(s, ' ', e - s);
	kl = (sp ? sp : e) - s;
	rest = sp ? sp + 1 : e;
	if (KW(s, kl, OSM_REC_NODE))
		return parse_node(p, rest, e);
	if (KW(s, kl, OSM_REC_EDGE))
		return parse_edge(p, rest, e);
	if (KW(s, kl, OSM_REC_END))
		return parse_end(p, sp ? rest : NULL, e);
	/* Unknown keywords belong to a later minor: skip the line. */
	return 0;
}

/*
 * Lines are taken a batch at a time: split first, their node ids hashed
 * and the ids' table slots fetched, and then parsed in order.  On a
 * large graph every lookup is a chain of cache misses (slot, node, id);
 * started together for a batch they overlap instead of taking turns.
 * Parsing a line writes no further than its own end, so the batch's
 * later lines are still there when their turn comes.
 */
#define OSM_BATCH		32

enum { LINE_OTHER, LINE_NODE, LINE_EDGE };

struct osm_line {
	const char *s, *e;	/* the line, up to its newline */
	int type;
	union {
		struct {
			const char *sp;	/* the space after the id */
			size_t len;
			uint32_t hash;
		} node;
		struct osm_edge_line edge;
	};
};

/* Split the usual node and edge lines; others wait for parse_line(). */
static void split_line(const struct osm_graph *g, struct osm_line *l,
		       const char *s, const char *e)
{
	static const char node_kw[] = OSM_REC_NODE " ";
	static const char edge_kw[] = OSM_REC_EDGE " ";
	const size_t kwl = sizeof(node_kw) - 1;
	struct osm_edge_line *el = &l->edge;
	const char *cur = s + kwl;

	l->s = s;
	l->e = e;
	l->type = LINE_OTHER;
	if ((size_t)(e - s) <= kwl)
		return;
	if (!memcmp(s, node_kw, kwl)) {
		l->node.sp = memchr(cur, ' ', e - cur);
		if (!l->node.sp || l->node.sp == cur)
			return;
		l->node.len = l->node.sp - cur;
		l->node.hash = osm__hash(cur, l->node.len);
		osm__htab_prefetch(&g->ids, l->node.hash);
		l->type = LINE_NODE;
	} else if (sizeof(edge_kw) - 1 == kwl && !memcmp(s, edge_kw, kwl)) {
		el->src = field(&cur, e, &el->sl);
		el->kind = field(&cur, e, &el->kl);
		el->dst = field(&cur, e, &el->dl);
		if (!el->src || !el->kind || !el->dst || !el->sl ||
		    !el->kl || !el->dl)
			return;
		el->sh = osm__hash(el->src, el->sl);
		el->dh = osm__hash(el->dst, el->dl);
		osm__htab_prefetch(&g->ids, el->sh);
		osm__htab_prefetch(&g->ids, el->dh);
		l->type = LINE_EDGE;
	}
}

static int parse_split(struct osm_parser *p, const struct osm_line *l)
{
	const char *s = l->s + sizeof(OSM_REC_NODE);

	if (l->type == LINE_OTHER || p->seen_end || p->line == 1)
		return parse_line(p, l->s, l->e);
	if (l->type == LINE_NODE)
		return node_body(p, s, l->e, l->node.sp, l->node.len,
				 l->node.hash);
	return edge_body(p, &l->edge, l->e);
}

/*
 * Parse the complete lines of buf[in, end), then move the partial last
 * line down to the records.  @nul: a NUL byte at this offset, or NULL.
 */
static int parse_lines(struct osm_parser *p, const char *nul)
{
	char *s = p->buf + p->in, *e = nul ? (char *)nul : p->buf + p->end;
	struct osm_line batch[OSM_BATCH];
	const struct osm_graph *g = p->g;
	size_t n, i;
	char *nl;
	int err;

	do {
		for (n = 0; n < OSM_BATCH &&
		     (nl = memchr(s, '\n', e - s)); n++) {
			split_line(g, &batch[n], s, nl);
			s = nl + 1;
		}
		/* The slots are in: fetch the nodes, then their ids. */
		for (i = 0; i < n; i++)
			if (batch[i].type == LINE_EDGE) {
				osm__node_prefetch(g, batch[i].edge.sh, false);
				osm__node_prefetch(g, batch[i].edge.dh, false);
			}
		for (i = 0; i < n; i++)
			if (batch[i].type == LINE_EDGE) {
				osm__node_prefetch(g, batch[i].edge.sh, true);
				osm__node_prefetch(g, batch[i].edge.dh, true);
			}
		for (i = 0; i < n; i++) {
			err = parse_split(p, &batch[i]);
			if (err)
				return err;
			p->line++;
		}
	} while (n);
	/* Values are escaped, so a raw NUL means this is not a graph. */
	if (nul)
		return fail(p, -EPROTO, "NUL byte: not a text graph");
	if (s < e && p->seen_end)
		return fail(p, -EPROTO, "data after 'end'");
	/* Refuse what is not a graph at its first bytes, not at the cap. */
	if (p->line == 1 && !maybe_magic(s, e - s))
		return fail(p, -EPROTO, "not an osmosis graph (no '%s' header)",
			    OSM_GRAPH_MAGIC);
	if (p->line == 1 && (size_t)(e - s) > OSM_HDR_MAX)
		return fail(p, -EPROTO, "header line longer than %lu bytes",
			    OSM_HDR_MAX);
	p->in = s - p->buf;
	if (p->in != p->out) {
		memmove(p->buf + p->out, s, p->end - p->in);
		p->end = p->out + (p->end - p->in);
		p->in = p->out;
	}
	return 0;
}

/* Make room for @n more input bytes at buf[end]. */
static int reserve_input(struct osm_parser *p, size_t n)
{
	size_t cap = p->cap ? p->cap : 4096;
	char *b;

	if (p->end + n <= p->cap)
		return 0;
	while (cap < p->end + n) {
		if (cap > SIZE_MAX / 2)
			return -ENOMEM;
		cap *= 2;
	}
	osm__prefault_lock(p->g->pf, OSM_PF_TEXT);
	b = osm__mem_resize(p->buf, p->cap, cap);
	osm__prefault_unlock(p->g->pf);
	if (!b)
		return -ENOMEM;
	p->buf = p->g->text = b;
	p->cap = p->g->text_cap = cap;
	return 0;
}

/* The shortest node and edge lines: "node t: c", "edge t: k t:". */
#define OSM_MIN_NODE_LINE	10
#define OSM_MIN_EDGE_LINE	13
/* The helper faults in what this much more input will fill. */
#define OSM_PF_LEAD		(8UL << 20)

/* Reserve array @arr for @n elements of @elem bytes, if it is empty. */
static void reserve(void **arr, size_t *cap, size_t n, size_t elem)
{
	void *a;

	if (*cap || n > SIZE_MAX / 2 / elem)
		return;
	a = osm__mem_reserve(n * elem);
	if (a) {
		*arr = a;
		*cap = n;
	}
}

/*
 * The input is @size bytes: start the helper (graph_prefault.c), and
 * reserve the arrays it works on for the most the input can hold, so
 * that they do not move while it does (address space only).
 */
static void start_helper(struct osm_parser *p, size_t size)
{
	struct osm_graph *g = p->g;
	size_t nodes = size / OSM_MIN_NODE_LINE + 1;
	size_t edges = size / OSM_MIN_EDGE_LINE + 1;

	if (p->single_thread || p->cap || size > p->max)
		return;
	g->pf = osm__prefault_start(size);
	if (!g->pf)
		return;
	reserve((void **)&p->buf, &p->cap, size + OSM_CHUNK + 1, 1);
	g->text = p->buf;
	g->text_cap = p->cap;
	reserve((void **)&g->nodes, &g->nodes_cap, nodes, sizeof(*g->nodes));
	reserve((void **)&g->edges, &g->edges_cap, edges, sizeof(*g->edges));
	reserve((void **)&g->nbits, &g->nbits_cap, nodes, 1);
	reserve((void **)&g->roff, &g->roff_cap, nodes + 1, sizeof(*g->roff));
	reserve((void **)&g->estep, &g->estep_cap, edges, 1);
}

/* Ask for array @i's next pages: what OSM_PF_LEAD more input fills. */
static void ahead(struct osm_parser *p, unsigned int i, void *base,
		  size_t used, size_t cap)
{
	double rate = (double)used / (double)p->total;
	double want = used + rate * OSM_PF_LEAD + (2UL << 20);

	osm__prefault_want(p->g->pf, i, base, cap, used,
			   want < (double)cap ? (size_t)want : cap);
}

static void want_ahead(struct osm_parser *p)
{
	struct osm_graph *g = p->g;

	if (!g->pf)
		return;
	ahead(p, OSM_PF_TEXT, g->text, p->end, g->text_cap);
	ahead(p, OSM_PF_NODES, g->nodes, g->nnodes * sizeof(*g->nodes),
	      g->nodes_cap * sizeof(*g->nodes));
	ahead(p, OSM_PF_EDGES, g->edges, g->nedges * sizeof(*g->edges),
	      g->edges_cap * sizeof(*g->edges));
	ahead(p, OSM_PF_NBITS, g->nbits, g->nnodes, g->nbits_cap);
	ahead(p, OSM_PF_ROFF, g->roff, g->nnodes * sizeof(*g->roff),
	      g->roff_cap * sizeof(*g->roff));
	ahead(p, OSM_PF_ESTEP, g->estep, g->nedges, g->estep_cap);
}

/* Take @n bytes just placed at buf[end]. */
static int take_input(struct osm_parser *p, size_t n)
{
	const char *nul = memchr(p->buf + p->end, '\0', n);
	int err;

	p->end += n;
	p->total += n;
	err = parse_lines(p, nul);
	want_ahead(p);
	return err;
}

/* After the last byte: was the stream whole? */
static int finish(struct osm_parser *p)
{
	if (p->in < p->end) {
		/* An unterminated last line was cut short. */
		return fail(p, -ENODATA, "no newline at the end: %s",
			    p->line == 1 ? "header cut short" :
			    "the stream was cut short");
	}
	if (!p->total)
		return fail(p, -ENODATA, "empty stream");
	if (!p->seen_end)
		return fail(p, -ENODATA,
			    "no 'end' line: the stream was cut short");
	return 0;
}

/*
 * The records are all in: turn offsets into pointers.  Nothing is shrunk:
 * the arrays and the text grew by doubling, but pages past what was
 * written (the text: past the records plus one chunk) were never touched
 * and take no memory.
 */
static int settle(struct osm_parser *p)
{
	struct osm_graph *g = p->g;
	size_t i;

	g->text_len = p->out;
	g->hdr_attrs = g->text + g->hdr_off;
	for (i = 0; i < g->nnodes; i++)
		g->nodes[i].id = g->text + g->nodes[i].id_off;
	g->indexed = true;
	/* The edges' records: one pass with their ends, there. */
	return osm__graph_index(g);
}

struct osm_parser *osm__parser_new(const struct osm_graph_opts *opts)
{
	struct osm_parser *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->g = osm__graph_new();
	if (!p->g) {
		free(p);
		return NULL;
	}
	p->line = 1;
	p->max = OPTS_GET(opts, max_bytes, 0);
	p->errbuf = OPTS_GET(opts, errbuf, NULL);
	p->errbuf_sz = OPTS_GET(opts, errbuf_sz, 0);
	p->single_thread = OPTS_GET(opts, single_thread, false);
	osm__keys_init(&p->keys);
	return p;
}

static int too_big(struct osm_parser *p)
{
	osm__set_err(p->errbuf, p->errbuf_sz,
		     "larger than the limit of %zu bytes (max_bytes)", p->max);
	return -EFBIG;
}

static int feed_fd(struct osm_parser *p, int fd)
{
	struct stat st;
	size_t want;
	ssize_t r;
	int err;

	/* A saved file tells its size: a device or a pipe does not. */
	if (!fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_size > 0)
		start_helper(p, (unsigned long long)st.st_size < SIZE_MAX / 2 ?
				(size_t)st.st_size : SIZE_MAX / 2);
	for (;;) {
		/* Read at most one byte past the cap: exactly max is fine. */
		want = p->max - p->total;
		want = want < OSM_CHUNK ? want + 1 : OSM_CHUNK;
		err = reserve_input(p, want);
		if (err)
			return fail(p, err, "out of memory");
		r = OSM_NO_INTR(read(fd, p->buf + p->end, want));
		if (r < 0) {
			err = -errno;
			return fail(p, err, "read: %s", strerror(-err));
		}
		if (!r)
			return finish(p);
		if ((size_t)r > p->max - p->total)
			return too_big(p);
		err = take_input(p, r);
		if (err)
			return err;
	}
}

static int feed_buf(struct osm_parser *p, const char *buf, size_t len)
{
	size_t n;
	int err;

	if (len > p->max)
		return too_big(p);
	start_helper(p, len);
	while (len) {
		n = len < OSM_CHUNK ? len : OSM_CHUNK;
		err = reserve_input(p, n);
		if (err)
			return fail(p, err, "out of memory");
		memcpy(p->buf + p->end, buf, n);
		err = take_input(p, n);
		if (err)
			return err;
		buf += n;
		len -= n;
	}
	return finish(p);
}

/**
 * osm__parser_run() - parse from @fd (when >= 0) or @buf, free @p.
 *
 * Return: the graph, or NULL with errno set and p->errbuf filled.
 */
struct osm_graph *osm__parser_run(struct osm_parser *p, int fd,
				  const char *buf, size_t len)
{
	struct osm_graph *g = p->g;
	int err;

	if (fd >= 0) {
		if (!p->max)
			p->max = OSM_DEFAULT_MAX_BYTES;
		err = feed_fd(p, fd);
	} else {
		if (!p->max)
			p->max = SIZE_MAX;
		err = feed_buf(p, buf, len);
	}
	if (!err) {
		err = settle(p);
		if (err)
			osm__set_err(p->errbuf, p->errbuf_sz, "out of memory");
	}
	/* Joined before anything it works on can be freed. */
	osm__prefault_stop(g->pf);
	g->pf = NULL;
	osm__htab_free(&p->intern);
	free(p);
	if (err) {
		osm_graph__free(g);
		return osm_err_ptr(err);
	}
	return g;
}

struct osm_graph *osm_graph__parse_opts(const char *buf, size_t len,
					const struct osm_graph_opts *opts)
{
	struct osm_parser *p;

	if (!OPTS_VALID(opts, osm_graph_opts))
		return osm_err_ptr(-EINVAL);
	if (!buf && len) {
		osm__set_err(OPTS_GET(opts, errbuf, NULL),
			     OPTS_GET(opts, errbuf_sz, 0), "no buffer");
		return osm_err_ptr(-EINVAL);
	}
	p = osm__parser_new(opts);
	if (!p) {
		osm__set_err(OPTS_GET(opts, errbuf, NULL),
			     OPTS_GET(opts, errbuf_sz, 0), "out of memory");
		return osm_err_ptr(-ENOMEM);
	}
	return osm__parser_run(p, -1, buf, len);
}

struct osm_graph *osm_graph__parse(const char *buf, size_t len)
{
	return osm_graph__parse_opts(buf, len, NULL);
}
