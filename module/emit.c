// SPDX-License-Identifier: GPL-2.0-only
/*
 * Rendering of graph records (uapi/graph-format.md) into the reader's
 * chunk buffer.  Errors are sticky in the reader: once one call fails,
 * the others do nothing and read(2) reports the error.
 */
#include <linux/dcache.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/path.h>
#include <linux/slab.h>
#include <linux/swab.h>

#include "osmosis.h"

/*
 * Node type names (uapi strings), whether the type is a PD, and whether
 * osm_node_begin() must look its ids up: a public id (a tid, an nsfs
 * inode, a cgroup id) can be met twice in one walk.  Processes,
 * regions and SysV objects (one pass per IPC namespace) are met once by
 * construction; ids named by an address, and inodes, are resolved by
 * ident.c before their node is begun.  Frame intervals are drawn once
 * each by construction (res_phys.c).
 */
#define OSM_TYPE(name, pd, dedup)	{ name ":", sizeof(name), pd, dedup }
static const struct {
	char name[OSM_TYPE_NAME_MAX];	/* "<name>:"; longer does not build */
	u8 len;				/* its length */
	bool pd;
	bool dedup;
} osm_types[OSM_T_NR] = {
	[OSM_T_KERNEL]		= OSM_TYPE(OSM_NODE_KERNEL, true, false),
	[OSM_T_PROCESS]		= OSM_TYPE(OSM_NODE_PROCESS, true, false),
	[OSM_T_THREAD]		= OSM_TYPE(OSM_NODE_THREAD, true, true),
	[OSM_T_MM]		= OSM_TYPE(OSM_NODE_MM, false, false),
	[OSM_T_VMA]		= OSM_TYPE(OSM_NODE_VMA, false, false),
	[OSM_T_FILES]		= OSM_TYPE(OSM_NODE_FILES, false, false),
	[OSM_T_FILE]		= OSM_TYPE(OSM_NODE_FILE, false, false),
	[OSM_T_INODE]		= OSM_TYPE(OSM_NODE_INODE, false, false),
	[OSM_T_FS]		= OSM_TYPE(OSM_NODE_FS, false, false),
	[OSM_T_SIGHAND]		= OSM_TYPE(OSM_NODE_SIGHAND, false, false),
	[OSM_T_CGROUP]		= OSM_TYPE(OSM_NODE_CGROUP, false, true),
	[OSM_T_MNT_NS]		= OSM_TYPE(OSM_NODE_MNT_NS, false, true),
	[OSM_T_UTS_NS]		= OSM_TYPE(OSM_NODE_UTS_NS, false, true),
	[OSM_T_IPC_NS]		= OSM_TYPE(OSM_NODE_IPC_NS, false, true),
	[OSM_T_PID_NS]		= OSM_TYPE(OSM_NODE_PID_NS, false, true),
	[OSM_T_NET_NS]		= OSM_TYPE(OSM_NODE_NET_NS, false, true),
	[OSM_T_USER_NS]		= OSM_TYPE(OSM_NODE_USER_NS, false, true),
	[OSM_T_CGROUP_NS]	= OSM_TYPE(OSM_NODE_CGROUP_NS, false, true),
	[OSM_T_TIME_NS]		= OSM_TYPE(OSM_NODE_TIME_NS, false, true),
	[OSM_T_CRED]		= OSM_TYPE(OSM_NODE_CRED, false, false),
	[OSM_T_SECCOMP]		= OSM_TYPE(OSM_NODE_SECCOMP, false, false),
	[OSM_T_SHM]		= OSM_TYPE(OSM_NODE_SHM, false, false),
	[OSM_T_SEM]		= OSM_TYPE(OSM_NODE_SEM, false, false),
	[OSM_T_MSG]		= OSM_TYPE(OSM_NODE_MSG, false, false),
	[OSM_T_SEMUNDO]		= OSM_TYPE(OSM_NODE_SEMUNDO, false, false),
	[OSM_T_PHYS]		= OSM_TYPE(OSM_NODE_PHYS, false, false),
	[OSM_T_FUSE]		= OSM_TYPE(OSM_NODE_FUSE, false, false),
	[OSM_T_UFFD]		= OSM_TYPE(OSM_NODE_UFFD, false, false),
};

/**
 * osm_buf_reset() - empty the chunk, keeping its memory.
 * @buf: the buffer.
 */
void osm_buf_reset(struct osm_buf *buf)
{
	buf->len = 0;
}

/**
 * osm_buf_free() - release the chunk's memory.
 * @buf: the buffer; left empty and reusable.
 */
void osm_buf_free(struct osm_buf *buf)
{
	kvfree(buf->data);
	buf->data = NULL;
	buf->len = 0;
	buf->cap = 0;
}

/*
 * A chunk stops growing at OSM_CHUNK_SOFT plus one record, and the
 * longest record is a few escaped paths (4 bytes per byte of PATH_MAX):
 * the buffer is allocated at this size before the walk starts, so no
 * allocation happens while the walk holds a target's lock.  Past the cap
 * something is wrong and the walk fails rather than grow without bound.
 */
#define OSM_CHUNK_CAP		(2 * OSM_CHUNK_SOFT)
#define OSM_CHUNK_MAX		(1024 * 1024)

/* Make room for @need more bytes plus a NUL; the chunk size is capped. */
static int osm_buf_reserve(struct osm_buf *buf, size_t need)
{
	size_t limit = OSM_CHUNK_MAX;
	size_t cap = buf->cap ? buf->cap : PAGE_SIZE;
	char *data;

	if (buf->len + need + 1 <= buf->cap)
		return 0;
	while (cap < buf->len + need + 1)
		cap *= 2;
	if (cap > limit)
		return -EFBIG;
	data = kvmalloc(cap, OSM_GFP_WALK);
	if (!data)
		return -ENOMEM;
	if (buf->len)
		memcpy(data, buf->data, buf->len);
	kvfree(buf->data);
	buf->data = data;
	buf->cap = cap;
	return 0;
}

/**
 * osm_buf_prepare() - allocate the chunk buffer at its working size.
 * @buf: the buffer.
 *
 * Context: may sleep; no lock held.
 * Return: 0 or -ENOMEM.
 */
int osm_buf_prepare(struct osm_buf *buf)
{
	return osm_buf_reserve(buf, OSM_CHUNK_CAP - 1);
}

/**
 * osm_printf() - append formatted text to the chunk.
 * @r: the reader.
 * @fmt: format; the caller makes sure the result holds no space or
 *	control byte where a value is expected.
 *
 * Context: may sleep.
 */
void osm_printf(struct osm_reader *r, const char *fmt, ...)
{
	struct osm_buf *buf = &r->out;
	va_list args;
	int n;

	if (r->err)
		return;
	va_start(args, fmt);
	n = vsnprintf(buf->data ? buf->data + buf->len : NULL,
		      buf->data ? buf->cap - buf->len : 0, fmt, args);
	va_end(args);
	if (buf->data && buf->len + n < buf->cap) {
		buf->len += n;
		return;
	}
	r->err = osm_buf_reserve(buf, n);
	if (r->err)
		return;
	va_start(args, fmt);
	buf->len += vsnprintf(buf->data + buf->len, buf->cap - buf->len,
			      fmt, args);
	va_end(args);
}

/*
 * Plain bytes, numbers and ids are written without vsnprintf(): a graph
 * is mostly ids, and formatting them through vsnprintf() cost more than
 * the rest of the walk (tools/bench_graph.c against its floor).  Each
 * piece asks once for room for its longest form (osm_reserve()) and is
 * then written straight into the chunk.
 */
static bool osm_room(struct osm_reader *r, size_t n)
{
	struct osm_buf *buf = &r->out;

	if (r->err)
		return false;
	if (buf->len + n + 1 <= buf->cap)
		return true;
	r->err = osm_buf_reserve(buf, n);
	return !r->err;
}

/**
 * osm_reserve_slow() - osm_reserve() when the chunk must grow first.
 * @r: the reader.
 * @n: bytes wanted.
 *
 * Return: where to write them, or NULL once the walk has failed.
 */
char *osm_reserve_slow(struct osm_reader *r, size_t n)
{
	return osm_room(r, n) ? r->out.data + r->out.len : NULL;
}

/* Decimal digits of @v. */
static unsigned int osm_dec_len(u64 v)
{
	unsigned int n = 1;

	while (v >= 10000) {
		v = div_u64(v, 10000);
		n += 4;
	}
	if (v >= 1000)
		return n + 3;
	if (v >= 100)
		return n + 2;
	return v >= 10 ? n + 1 : n;
}

/**
 * osm_fmt_dec() - write @v in decimal at @p, two digits per division.
 * @p: room for OSM_NUM_MAX bytes.
 * @v: the number.
 *
 * Return: the end of what was written.
 */
char *osm_fmt_dec(char *p, u64 v)
{
	char *end = p + osm_dec_len(v);
	unsigned int d;

	p = end;
	while (v >= 100) {
		d = do_div(v, 100);
		p -= 2;
		p[0] = '0' + d / 10;
		p[1] = '0' + d % 10;
	}
	d = v;
	if (d >= 10) {
		p -= 2;
		p[0] = '0' + d / 10;
		p[1] = '0' + d % 10;
	} else {
		p[-1] = '0' + d;
	}
	return end;
}

/*
 * The 8 hex digits of @v as 8 ASCII bytes, the first digit in the lowest
 * byte: each nibble is spread to a byte of its own, digits of 10 and up
 * are found all at once, then the bytes are reversed.
 */
static u64 osm_hex8(u32 v)
{
	u64 x = v, big;

	x = (x | x << 16) & 0x0000ffff0000ffffULL;
	x = (x | x << 8) & 0x00ff00ff00ff00ffULL;
	x = (x | x << 4) & 0x0f0f0f0f0f0f0f0fULL;
	big = ((x + 0x0606060606060606ULL) >> 4) & 0x0101010101010101ULL;
	x += 0x3030303030303030ULL + big * ('a' - '0' - 10);
	return swab64(x);
}

/**
 * osm_fmt_hex() - write @v in lower-case hex, no prefix, at @p.
 * @p: room for OSM_NUM_MAX bytes.
 * @v: the number.
 * @width: minimum number of digits, zero-padded (at most 16).
 *
 * Return: the end of what was written.
 */
char *osm_fmt_hex(char *p, u64 v, unsigned int width)
{
	unsigned int n = v ? DIV_ROUND_UP(fls64(v), 4) : 1;
	__le64 digits[2];

	n = max(n, min(width, 16U));
	/* Little-endian stores: the digits come out in reading order. */
	digits[0] = cpu_to_le64(osm_hex8(v >> 32));
	digits[1] = cpu_to_le64(osm_hex8(v));
	return osm_fmt_mem(p, (char *)digits + 16 - n, n);
}

/**
 * osm_put_mem_slow() - osm_put_mem() when the chunk must grow first.
 * @r: the reader.
 * @s: the bytes.
 * @n: how many.
 */
void osm_put_mem_slow(struct osm_reader *r, const char *s, size_t n)
{
	if (!osm_room(r, n))
		return;
	memcpy(r->out.data + r->out.len, s, n);
	r->out.len += n;
}

/**
 * osm_put_num() - append @v in base 8, 10 or 16 (lower case, no prefix)
 * with at least @width digits.
 * @r: the reader.
 * @v: the number.
 * @base: 8, 10 or 16.
 * @width: minimum number of digits, zero-padded (base 16 only, at
 *	most 16).
 */
void osm_put_num(struct osm_reader *r, u64 v, unsigned int base,
		 unsigned int width)
{
	char *p = osm_reserve(r, OSM_NUM_MAX);
	char tmp[24];
	int i = sizeof(tmp);

	if (!p)
		return;
	if (base == 10) {
		osm_commit(r, osm_fmt_dec(p, v));
		return;
	}
	if (base == 16) {
		osm_commit(r, osm_fmt_hex(p, v, width));
		return;
	}
	do {
		tmp[--i] = '0' + (v & 7);
		v >>= 3;
	} while (v);
	osm_commit(r, osm_fmt_mem(p, tmp + i, sizeof(tmp) - i));
}

/**
 * osm_attr_devino() - append " dev=<maj>:<min> ino=<ino>".
 * @r: the reader.
 * @dev: the device.
 * @ino: the inode number.
 */
void osm_attr_devino(struct osm_reader *r, dev_t dev, u64 ino)
{
	char *p = osm_reserve(r, 10 + 3 * OSM_NUM_MAX);

	if (!p)
		return;
	p = osm_fmt_mem(p, " dev=", 5);
	p = osm_fmt_dec(p, MAJOR(dev));
	*p++ = ':';
	p = osm_fmt_dec(p, MINOR(dev));
	p = osm_fmt_mem(p, " ino=", 5);
	osm_commit(r, osm_fmt_dec(p, ino));
}

/**
 * osm_put_escaped() - append a value, escaping what the format forbids.
 * @r: the reader.
 * @s: NUL-terminated bytes; every byte <= 0x20, >= 0x7f and the
 *	backslash become \xHH, so a value is always one field.
 */
void osm_put_escaped(struct osm_reader *r, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char *d = osm_reserve(r, strlen(s) * 4);

	if (!d)
		return;
	for (; *p; p++) {
		if (*p <= 0x20 || *p >= 0x7f || *p == '\\') {
			d[0] = '\\';
			d[1] = 'x';
			d[2] = hex_asc_lo(*p >> 4);
			d[3] = hex_asc_lo(*p);
			d += 4;
		} else {
			*d++ = *p;
		}
	}
	osm_commit(r, d);
}

/* "<type>:<token>" at @p (room for OSM_ID_MAX bytes); returns its end. */
static char *osm_fmt_id(char *p, const struct osm_id *id)
{
	p = osm_fmt_mem(p, osm_types[id->type].name, osm_types[id->type].len);
	switch (id->type) {
	case OSM_T_KERNEL:
	case OSM_T_PROCESS:
	case OSM_T_THREAD:
	case OSM_T_CGROUP:
	case OSM_T_MNT_NS ... OSM_T_TIME_NS:
		return osm_fmt_dec(p, id->a);
	case OSM_T_VMA:
		p = osm_fmt_hex(p, id->a, 16);
		*p++ = ':';
		return osm_fmt_hex(p, id->b, 0);
	case OSM_T_SHM ... OSM_T_MSG:
		p = osm_fmt_dec(p, id->a);
		*p++ = ':';
		return osm_fmt_dec(p, id->b);
	case OSM_T_PHYS:	/* first and last frame */
		p = osm_fmt_hex(p, id->a, 0);
		*p++ = '-';
		return osm_fmt_hex(p, id->b, 0);
	case OSM_T_INODE:
	case OSM_T_FUSE:
		p = osm_fmt_dec(p, MAJOR((u32)id->a));
		*p++ = ':';
		p = osm_fmt_dec(p, MINOR((u32)id->a));
		if (id->type == OSM_T_INODE) {
			*p++ = ':';
			p = osm_fmt_dec(p, id->b);
		}
		/* Not the first object under this name (ident.c). */
		if (id->a >> 32) {
			*p++ = ':';
			p = osm_fmt_hex(p, (u32)(id->a >> 32), 8);
		}
		return p;
	default:
		return osm_fmt_hex(p, id->a, 16);
	}
}

/**
 * osm_node_begin() - start a node record, once per node and walk.
 * @r: the reader.
 * @id: the node; @id->type is an enum osm_type.  For a type named by
 *	an address, or an inode, ident.c has found the id new.
 *
 * Writes "node <id> <class>" without the newline, so the caller can add
 * attributes and must finish with osm_end_line().
 *
 * Context: may sleep, unless osm_idset_room() holds for one id.
 * Return: true if the record was started; false if this walk already
 * emitted the node (or failed), and the caller must skip its record.
 */
bool osm_node_begin(struct osm_reader *r, const struct osm_id *id)
{
	char *p;

	if (r->err)
		return false;
	if (osm_types[id->type].dedup) {
		int ret = osm_idset_add(&r->ids, id);

		if (ret <= 0) {
			r->err = ret;
			return false;
		}
	}
	p = osm_reserve(r, OSM_ID_MAX + 16);
	if (!p)
		return false;
	p = osm_fmt_mem(p, OSM_REC_NODE " ", sizeof(OSM_REC_NODE));
	p = osm_fmt_id(p, id);
	if (osm_types[id->type].pd)
		p = osm_fmt_mem(p, " " OSM_CLASS_PD, sizeof(OSM_CLASS_PD));
	else
		p = osm_fmt_mem(p, " " OSM_CLASS_RES, sizeof(OSM_CLASS_RES));
	osm_commit(r, p);
	r->nodes++;
	return true;
}

/**
 * osm_edge_begin_len() - start an edge record "<src> <kind> <dst>".
 * @r: the reader.
 * @src: source node, already emitted in this walk.
 * @kind: an OSM_EDGE_* string ...
 * @klen: ... of this length.
 * @dst: destination node, already emitted in this walk.
 *
 * Callers use osm_edge_begin().  Finish with osm_end_line(), after any
 * attributes.
 */
void osm_edge_begin_len(struct osm_reader *r, const struct osm_id *src,
			const char *kind, size_t klen, const struct osm_id *dst)
{
	char *p = osm_reserve(r, 2 * OSM_ID_MAX + klen + 8);

	if (!p)
		return;
	p = osm_fmt_mem(p, OSM_REC_EDGE " ", sizeof(OSM_REC_EDGE));
	p = osm_fmt_id(p, src);
	*p++ = ' ';
	p = osm_fmt_mem(p, kind, klen);
	*p++ = ' ';
	osm_commit(r, osm_fmt_id(p, dst));
	r->edges++;
}

/**
 * osm_attr_path() - append " key=<path>" as /proc/PID/maps shows it.
 * @r: the reader.
 * @key: attribute name.
 * @path: the path; nothing is written if d_path() fails.
 *
 * d_path() resolves against the root directory of the task calling
 * read(2), the only exported resolver: the format documents it so.
 */
void osm_attr_path(struct osm_reader *r, const char *key,
		   const struct path *path)
{
	char *p = d_path(path, r->pathbuf, PATH_MAX);

	if (!IS_ERR(p))
		osm_attr_str(r, key, p);
}

/**
 * osm_chunk_full() - should the walk pause and hand the chunk out?
 * @r: the reader.
 *
 * Return: true once the chunk holds OSM_CHUNK_SOFT bytes or the walk
 * failed; pieces of the walk check it between records.
 */
bool osm_chunk_full(const struct osm_reader *r)
{
	return r->err || r->out.len >= OSM_CHUNK_SOFT;
}
