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
static const struct {
	const char *name;
	bool pd;
	bool dedup;
} osm_types[OSM_T_NR] = {
	[OSM_T_KERNEL]		= { OSM_NODE_KERNEL, true, false },
	[OSM_T_PROCESS]		= { OSM_NODE_PROCESS, true, false },
	[OSM_T_THREAD]		= { OSM_NODE_THREAD, true, true },
	[OSM_T_MM]		= { OSM_NODE_MM, false, false },
	[OSM_T_VMA]		= { OSM_NODE_VMA, false, false },
	[OSM_T_FILES]		= { OSM_NODE_FILES, false, false },
	[OSM_T_FILE]		= { OSM_NODE_FILE, false, false },
	[OSM_T_INODE]		= { OSM_NODE_INODE, false, false },
	[OSM_T_FS]		= { OSM_NODE_FS, false, false },
	[OSM_T_SIGHAND]		= { OSM_NODE_SIGHAND, false, false },
	[OSM_T_CGROUP]		= { OSM_NODE_CGROUP, false, true },
	[OSM_T_MNT_NS]		= { OSM_NODE_MNT_NS, false, true },
	[OSM_T_UTS_NS]		= { OSM_NODE_UTS_NS, false, true },
	[OSM_T_IPC_NS]		= { OSM_NODE_IPC_NS, false, true },
	[OSM_T_PID_NS]		= { OSM_NODE_PID_NS, false, true },
	[OSM_T_NET_NS]		= { OSM_NODE_NET_NS, false, true },
	[OSM_T_USER_NS]		= { OSM_NODE_USER_NS, false, true },
	[OSM_T_CGROUP_NS]	= { OSM_NODE_CGROUP_NS, false, true },
	[OSM_T_TIME_NS]		= { OSM_NODE_TIME_NS, false, true },
	[OSM_T_CRED]		= { OSM_NODE_CRED, false, false },
	[OSM_T_SECCOMP]		= { OSM_NODE_SECCOMP, false, false },
	[OSM_T_SHM]		= { OSM_NODE_SHM, false, false },
	[OSM_T_SEM]		= { OSM_NODE_SEM, false, false },
	[OSM_T_MSG]		= { OSM_NODE_MSG, false, false },
	[OSM_T_SEMUNDO]		= { OSM_NODE_SEMUNDO, false, false },
	[OSM_T_PHYS]		= { OSM_NODE_PHYS, false, false },
	[OSM_T_FUSE]		= { OSM_NODE_FUSE, false, false },
	[OSM_T_UFFD]		= { OSM_NODE_UFFD, false, false },
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
 * the rest of the walk (tools/bench_graph.c against its floor).
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
 * @width: minimum number of digits, zero-padded (at most 22).
 */
void osm_put_num(struct osm_reader *r, u64 v, unsigned int base,
		 unsigned int width)
{
	char tmp[24];
	int i = sizeof(tmp);

	do {
		if (base == 10) {
			tmp[--i] = '0' + do_div(v, 10);
		} else {
			tmp[--i] = hex_asc_lo(v & (base - 1));
			v = base == 16 ? v >> 4 : v >> 3;
		}
	} while (v);
	while (sizeof(tmp) - i < width && i > 0)
		tmp[--i] = '0';
	osm_put_mem(r, tmp + i, sizeof(tmp) - i);
}

/**
 * osm_attr_u64() - append " key=<decimal>".
 * @r: the reader.
 * @key: attribute name.
 * @v: the value.
 */
void osm_attr_u64(struct osm_reader *r, const char *key, u64 v)
{
	osm_put_mem(r, " ", 1);
	osm_puts(r, key);
	osm_put_mem(r, "=", 1);
	osm_put_num(r, v, 10, 0);
}

/**
 * osm_attr_hex() - append " key=0x<hex>".
 * @r: the reader.
 * @key: attribute name.
 * @v: the value.
 */
void osm_attr_hex(struct osm_reader *r, const char *key, u64 v)
{
	osm_put_mem(r, " ", 1);
	osm_puts(r, key);
	osm_put_mem(r, "=0x", 3);
	osm_put_num(r, v, 16, 0);
}

/**
 * osm_attr_devino() - append " dev=<maj>:<min> ino=<ino>".
 * @r: the reader.
 * @dev: the device.
 * @ino: the inode number.
 */
void osm_attr_devino(struct osm_reader *r, dev_t dev, u64 ino)
{
	osm_attr_u64(r, "dev", MAJOR(dev));
	osm_put_mem(r, ":", 1);
	osm_put_num(r, MINOR(dev), 10, 0);
	osm_attr_u64(r, "ino", ino);
}

/**
 * osm_put_escaped() - append a value, escaping what the format forbids.
 * @r: the reader.
 * @s: NUL-terminated bytes; every byte <= 0x20, >= 0x7f and the
 *	backslash become \xHH, so a value is always one field.
 */
void osm_put_escaped(struct osm_reader *r, const char *s)
{
	struct osm_buf *buf = &r->out;
	const unsigned char *p;

	if (r->err)
		return;
	r->err = osm_buf_reserve(buf, strlen(s) * 4);
	if (r->err)
		return;
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p <= 0x20 || *p >= 0x7f || *p == '\\') {
			buf->data[buf->len++] = '\\';
			buf->data[buf->len++] = 'x';
			buf->data[buf->len++] = hex_asc_lo(*p >> 4);
			buf->data[buf->len++] = hex_asc_lo(*p);
		} else {
			buf->data[buf->len++] = *p;
		}
	}
}

static void osm_put_id(struct osm_reader *r, const struct osm_id *id)
{
	osm_puts(r, osm_types[id->type].name);
	osm_put_mem(r, ":", 1);
	switch (id->type) {
	case OSM_T_KERNEL:
	case OSM_T_PROCESS:
	case OSM_T_THREAD:
	case OSM_T_CGROUP:
	case OSM_T_MNT_NS ... OSM_T_TIME_NS:
		osm_put_num(r, id->a, 10, 0);
		break;
	case OSM_T_VMA:
		osm_put_num(r, id->a, 16, 16);
		osm_put_mem(r, ":", 1);
		osm_put_num(r, id->b, 16, 0);
		break;
	case OSM_T_SHM ... OSM_T_MSG:
		osm_put_num(r, id->a, 10, 0);
		osm_put_mem(r, ":", 1);
		osm_put_num(r, id->b, 10, 0);
		break;
	case OSM_T_PHYS:	/* first and last frame */
		osm_put_num(r, id->a, 16, 0);
		osm_put_mem(r, "-", 1);
		osm_put_num(r, id->b, 16, 0);
		break;
	case OSM_T_INODE:
		osm_put_num(r, MAJOR((u32)id->a), 10, 0);
		osm_put_mem(r, ":", 1);
		osm_put_num(r, MINOR((u32)id->a), 10, 0);
		osm_put_mem(r, ":", 1);
		osm_put_num(r, id->b, 10, 0);
		/* Not the first inode object under this name (ident.c). */
		if (id->a >> 32) {
			osm_put_mem(r, ":", 1);
			osm_put_num(r, (u32)(id->a >> 32), 16, 8);
		}
		break;
	case OSM_T_FUSE:
		osm_put_num(r, MAJOR((u32)id->a), 10, 0);
		osm_put_mem(r, ":", 1);
		osm_put_num(r, MINOR((u32)id->a), 10, 0);
		/* Not the first superblock under this name (ident.c). */
		if (id->a >> 32) {
			osm_put_mem(r, ":", 1);
			osm_put_num(r, (u32)(id->a >> 32), 16, 8);
		}
		break;
	default:
		osm_put_num(r, id->a, 16, 16);
		break;
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
	if (r->err)
		return false;
	if (osm_types[id->type].dedup) {
		int ret = osm_idset_add(&r->ids, id);

		if (ret <= 0) {
			r->err = ret;
			return false;
		}
	}
	osm_puts(r, OSM_REC_NODE " ");
	osm_put_id(r, id);
	osm_puts(r, osm_types[id->type].pd ? " " OSM_CLASS_PD :
		    " " OSM_CLASS_RES);
	r->nodes++;
	return true;
}

/**
 * osm_edge_begin() - start an edge record "<src> <kind> <dst>".
 * @r: the reader.
 * @src: source node, already emitted in this walk.
 * @kind: an OSM_EDGE_* string.
 * @dst: destination node, already emitted in this walk.
 *
 * Finish with osm_end_line(), after any attributes.
 */
void osm_edge_begin(struct osm_reader *r, const struct osm_id *src,
		    const char *kind, const struct osm_id *dst)
{
	osm_puts(r, OSM_REC_EDGE " ");
	osm_put_id(r, src);
	osm_put_mem(r, " ", 1);
	osm_puts(r, kind);
	osm_put_mem(r, " ", 1);
	osm_put_id(r, dst);
	r->edges++;
}

/**
 * osm_attr_str() - append " key=value" with @val escaped.
 * @r: the reader.
 * @key: attribute name.
 * @val: attribute value.
 */
void osm_attr_str(struct osm_reader *r, const char *key, const char *val)
{
	osm_put_mem(r, " ", 1);
	osm_puts(r, key);
	osm_put_mem(r, "=", 1);
	osm_put_escaped(r, val);
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

/**
 * osm_end_line() - finish a record.
 * @r: the reader.
 */
void osm_end_line(struct osm_reader *r)
{
	osm_put_mem(r, "\n", 1);
}
