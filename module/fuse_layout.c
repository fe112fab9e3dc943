// SPDX-License-Identifier: GPL-2.0-only
/*
 * The second place that reaches into structures private to the kernel
 * (after mntns_layout.c): which FUSE connection a /dev/fuse file serves.
 *
 * A FUSE client is easy to see through public fields: its inode's
 * superblock has s_type "fuse" or "fuseblk", and the graph names the
 * connection by that superblock's s_dev (the name fusectl gives it in
 * /sys/fs/fuse/connections).  The server side is not: a /dev/fuse file
 * (character device 10:229, FUSE_MINOR) keeps in private_data a struct
 * fuse_dev, and the superblock keeps in s_fs_info a struct fuse_mount,
 * both defined in fs/fuse/fuse_i.h, not in include/.  No exported
 * function maps one to the other.  In every kernel this module supports
 * (checked in the 6.1 and 6.12 sources) the FIRST member of both is
 * "struct fuse_conn *fc", the connection; fs/fuse itself reads them
 * that way (fuse_get_tree() matches fud->fc against the superblocks'
 * fm->fc to mount an existing connection).
 *
 * So this file reads one pointer at the start of each, never
 * dereferences the fuse_conn, and only compares: a /dev/fuse file serves
 * the superblock whose fm->fc equals its fud->fc.  That comparison is
 * the sanity check: should either layout change, the two pointers would
 * not agree and the walk would draw no "serve" edge, never a wrong one,
 * and read nothing but the first word of two live objects.
 *
 * Finding the superblock walks the superblocks of the two FUSE file
 * systems (iterate_supers_type(), which takes each one's s_umount for
 * reading), only when the walk meets a mounted /dev/fuse file.
 */
#include <linux/backing-dev-defs.h>
#include <linux/fs.h>
#include <linux/kdev_t.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/string.h>

#include "osmosis.h"

/* What fs/fuse/fuse_i.h starts struct fuse_mount and fuse_dev with. */
struct osm_fuse_head {
	const void *fc;		/* struct fuse_conn * */
};

static const char *const osm_fuse_types[] = { "fuse", "fuseblk" };

/**
 * osm_sb_is_fuse() - is @sb a FUSE superblock served by a /dev/fuse file?
 * @sb: a superblock, alive.
 *
 * virtiofs, whose server runs outside this system, and CUSE, which has
 * no superblock, are not.
 *
 * Return: true for "fuse" and "fuseblk".
 */
bool osm_sb_is_fuse(const struct super_block *sb)
{
	const char *name = sb->s_type->name;

	return !strcmp(name, osm_fuse_types[0]) ||
	       !strcmp(name, osm_fuse_types[1]);
}

/**
 * osm_file_is_fuse_dev() - is @file an open /dev/fuse?
 * @file: an open file, referenced by the caller.
 *
 * Misc minor 229 is reserved for FUSE (Documentation/admin-guide/
 * devices.txt); the character device's number, not its path, decides.
 *
 * Return: true if it is.
 */
bool osm_file_is_fuse_dev(struct file *file)
{
	const struct inode *inode = file_inode(file);

	return S_ISCHR(inode->i_mode) &&
	       inode->i_rdev == MKDEV(MISC_MAJOR, FUSE_MINOR);
}

/**
 * osm_fuse_sb_info() - what the graph shows of a FUSE superblock.
 * @r: the reader; its pathbuf receives the subtype.
 * @sb: a FUSE superblock, kept alive by the caller.
 * @info: out.
 */
void osm_fuse_sb_info(struct osm_reader *r, struct super_block *sb,
		      struct osm_fuse_sb *info)
{
	const char *sub = READ_ONCE(sb->s_subtype);

	info->dev = sb->s_dev;
	/*
	 * A FUSE superblock registers a backing device of its own, whose id
	 * no later one takes: a superblock mounted after another went away
	 * differs even at the same address and device number.
	 */
	info->print = osm_hash_print(sb, sb->s_dev, sb->s_bdi->id);
	info->fstype = sb->s_type->name;
	info->subtype = sub && strscpy(r->pathbuf, sub, PATH_MAX) > 0;
}

struct osm_fuse_find {
	struct osm_reader *r;
	const void *fc;
	struct osm_fuse_sb *info;
	bool found;
};

/* Under the superblock's s_umount (read): born, not yet shut down. */
static void osm_fuse_match(struct super_block *sb, void *arg)
{
	struct osm_fuse_find *f = arg;
	const struct osm_fuse_head *fm = READ_ONCE(sb->s_fs_info);

	if (f->found || !fm || READ_ONCE(fm->fc) != f->fc)
		return;
	osm_fuse_sb_info(f->r, sb, f->info);
	f->found = true;
}

/**
 * osm_fuse_dev_sb() - the superblock a /dev/fuse file serves.
 * @r: the reader.
 * @file: a file for which osm_file_is_fuse_dev() holds, referenced by
 *	the caller (which keeps its fuse_dev, and so the connection, alive).
 * @info: out: the superblock, when found.
 *
 * A /dev/fuse file serves nothing before its mount completes (its
 * private_data is NULL) and after the superblock is gone.  A connection
 * has one superblock (a second mount of the same connection shares it).
 *
 * Context: may sleep; takes s_umount of each FUSE superblock in turn.
 * Return: true if found.
 */
bool osm_fuse_dev_sb(struct osm_reader *r, struct file *file,
		     struct osm_fuse_sb *info)
{
	const struct osm_fuse_head *fud = READ_ONCE(file->private_data);
	struct osm_fuse_find f = { .r = r, .info = info };
	struct file_system_type *type;
	int i;

	if (!fud)
		return false;
	f.fc = READ_ONCE(fud->fc);
	if (!f.fc)
		return false;
	for (i = 0; i < ARRAY_SIZE(osm_fuse_types) && !f.found; i++) {
		/*
		 * The file is fuse's own, so fuse is registered: the lookup
		 * does not load a module.  It takes a reference on it.
		 */
		type = get_fs_type(osm_fuse_types[i]);
		if (!type)
			continue;
		iterate_supers_type(type, osm_fuse_match, &f);
		module_put(type->owner);
	}
	return f.found;
}
