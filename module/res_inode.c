// SPDX-License-Identifier: GPL-2.0-only
/*
 * Inodes: what open files and file mappings are backed by.  An inode is
 * named as fstat(2) names it, device and inode number, so two files or
 * mappings of one inode meet at one node (ident.c keeps two inode
 * objects that share a name apart).
 */
#include <linux/fs.h>
#include <linux/magic.h>

#include "compat.h"
#include "osmosis.h"

/**
 * osm_ftype() - the format's name for a file type.
 * @mode: an inode's i_mode.
 *
 * Return: "reg", "dir", "chr", "blk", "fifo", "sock" or "lnk".
 */
const char *osm_ftype(umode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:	return "reg";
	case S_IFDIR:	return "dir";
	case S_IFCHR:	return "chr";
	case S_IFBLK:	return "blk";
	case S_IFIFO:	return "fifo";
	case S_IFSOCK:	return "sock";
	default:	return "lnk";
	}
}

/**
 * osm_file_is_anon() - is @file one of the anonymous-inode files?
 * @file: an open file.
 *
 * eventfd, epoll, signalfd, timerfd and friends all share one placeholder
 * inode; it is not a resource they share, so it gets no node.
 *
 * Return: true for such files.
 */
bool osm_file_is_anon(const struct file *file)
{
	return osm_file_user_inode(file)->i_sb->s_magic == ANON_INODE_FS_MAGIC;
}

/**
 * osm_emit_inode_of() - emit (once per walk) the inode behind @file.
 * @r: the reader.
 * @file: an open file or a mapping's file, kept alive by the caller.
 * @id: out: the inode's id, to draw an edge to.
 *
 * Context: may sleep; does not allocate: the caller has reserved room
 * for two ids (osm_ids_reserve(): the inode and the FUSE connection that
 * serves it), so it may hold a target's mmap_lock.
 * Return: true if @id names an emitted inode node; false for anonymous
 * inodes or when the walk failed.
 */
bool osm_emit_inode_of(struct osm_reader *r, struct file *file,
		       struct osm_id *id)
{
	const struct inode *inode = osm_file_user_inode(file);
	int ret;

	if (r->err || osm_file_is_anon(file) || !osm_want(r, OSM_T_INODE))
		return false;
	ret = osm_inode_id(r, inode, id);
	if (ret < 0) {
		r->err = ret;
		return false;
	}
	if (ret && osm_node_begin(r, id)) {
		osm_attr_devino(r, inode->i_sb->s_dev, inode->i_ino);
		osm_attr_str(r, "ftype", osm_ftype(inode->i_mode));
		osm_attr_path(r, "path", osm_file_user_path(file));
		if (S_ISSOCK(inode->i_mode))
			osm_attr_sock(r, file);
		osm_end_line(r);
		/* Who serves it, when the kernel does not (res_request.c). */
		osm_emit_fuse_request(r, id, inode->i_sb, NULL);
	}
	return !r->err;
}
