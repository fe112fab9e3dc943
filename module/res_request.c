// SPDX-License-Identifier: GPL-2.0-only
/*
 * The resource directory (OSmosis "request"): who serves a PD's requests
 * for a resource.  The kernel does, unless the graph says otherwise with
 * a "request" edge from the resource to a channel that a server's open
 * file "serve"s:
 *
 *  - an inode on a FUSE superblock, and a root or working directory on
 *    one, request the "fuse" node of that superblock's connection; the
 *    /dev/fuse file of the daemon serves it (fuse_layout.c);
 *  - a region registered with userfaultfd requests the "uffd" node of
 *    its context; the userfaultfd file serves it.
 *
 * A channel is rendered once per walk, when the walk first meets it from
 * either side, and only through PDs the reader may see.
 */
#include <linux/fs.h>
#include <linux/magic.h>
#include <linux/mm.h>
#include <linux/string.h>

#include "osmosis.h"

/* Emit the fuse node of the superblock @info (once); its id in @id. */
static bool osm_emit_fuse_node(struct osm_reader *r,
			       const struct osm_fuse_sb *info,
			       struct osm_id *id)
{
	int ret;

	*id = (struct osm_id){ .type = OSM_T_FUSE };
	ret = osm_named_id(r, OSM_T_FUSE, info->dev, info->print, id);
	if (ret < 0) {
		r->err = ret;
		return false;
	}
	if (ret && osm_node_begin(r, id)) {
		osm_printf(r, " dev=%u:%u conn=%u", MAJOR(info->dev),
			   MINOR(info->dev), (u32)info->dev);
		osm_attr_str(r, "fstype", info->fstype);
		if (info->subtype)
			osm_attr_str(r, "subtype", r->pathbuf);
		osm_end_line(r);
	}
	return !r->err;
}

/**
 * osm_emit_fuse_request() - "@src request fuse:..." when @sb is FUSE's.
 * @r: the reader.
 * @src: an inode or fs node, emitted.
 * @sb: the superblock behind it, kept alive by the caller.
 * @what: NULL, or the value of the edge's "what" attribute.
 *
 * Context: may sleep, unless the caller reserved room for one id.
 */
void osm_emit_fuse_request(struct osm_reader *r, const struct osm_id *src,
			   struct super_block *sb, const char *what)
{
	struct osm_fuse_sb info;
	struct osm_id id;

	if (r->err || !osm_want(r, OSM_T_FUSE) || !osm_sb_is_fuse(sb))
		return;
	osm_fuse_sb_info(r, sb, &info);
	if (!osm_emit_fuse_node(r, &info, &id))
		return;
	osm_edge_begin(r, src, OSM_EDGE_REQUEST, &id);
	if (what)
		osm_attr_str(r, "what", what);
	osm_end_line(r);
}

#ifdef CONFIG_USERFAULTFD
/* Which faults go to the handler, as UFFDIO_REGISTER asked for them. */
static void osm_attr_faults(struct osm_reader *r, vm_flags_t flags)
{
	static const struct {
		vm_flags_t flag;
		const char *name;
	} modes[] = {
		{ VM_UFFD_MISSING, "missing" },
		{ VM_UFFD_WP, "wp" },
		{ VM_UFFD_MINOR, "minor" },
	};
	char buf[32] = "";
	int i;

	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		if (!(flags & modes[i].flag))
			continue;
		if (buf[0])
			strlcat(buf, ",", sizeof(buf));
		strlcat(buf, modes[i].name, sizeof(buf));
	}
	osm_attr_str(r, "faults", buf[0] ? buf : "none");
}
#endif

/**
 * osm_emit_uffd_request() - "vma:... request uffd:..." when @vma is
 * registered with a userfaultfd context.
 * @r: the reader; r->cur holds the thread and the mm being rendered.
 * @vma: a region of r->cur.mm, under its mmap_lock.
 * @vma_id: its node, emitted.
 *
 * Context: under the mmap_lock; does not allocate: the caller reserved
 * room for one id.
 */
void osm_emit_uffd_request(struct osm_reader *r, struct vm_area_struct *vma,
			   const struct osm_id *vma_id)
{
#ifdef CONFIG_USERFAULTFD
	const void *ctx = vma->vm_userfaultfd_ctx.ctx;
	struct osm_id id;
	int ret;

	if (!ctx || r->err || !osm_want(r, OSM_T_UFFD))
		return;
	ret = osm_uffd_id(r, ctx, r->cur.task, OSM_FD_NONE, r->cur.mm, &id);
	if (ret < 0) {
		r->err = ret;
		return;
	}
	if (ret && osm_node_begin(r, &id))
		osm_end_line(r);
	osm_edge_begin(r, vma_id, OSM_EDGE_REQUEST, &id);
	osm_attr_faults(r, vma->vm_flags);
	osm_end_line(r);
#endif
}

/* Is @file a userfaultfd, as /proc/PID/fd names it "anon_inode:[userfaultfd]"? */
static bool osm_file_is_uffd(struct file *file)
{
	return IS_ENABLED(CONFIG_USERFAULTFD) && osm_file_is_anon(file) &&
	       !strcmp(file->f_path.dentry->d_name.name, "[userfaultfd]");
}

/**
 * osm_emit_serve() - "file:... serve <channel>" when @file serves one.
 * @r: the reader.
 * @file: an open file, referenced by the caller.
 * @file_id: its node, emitted.
 * @holder: the task whose descriptor table holds it.
 * @fd: the descriptor.
 *
 * Context: may sleep; no lock held.  Room for one id is reserved.
 */
void osm_emit_serve(struct osm_reader *r, struct file *file,
		    const struct osm_id *file_id, struct task_struct *holder,
		    unsigned int fd)
{
	struct osm_fuse_sb info;
	struct osm_id id;
	int ret;

	if (r->err)
		return;
	if (osm_want(r, OSM_T_FUSE) && osm_file_is_fuse_dev(file)) {
		if (!osm_fuse_dev_sb(r, file, &info) ||
		    !osm_emit_fuse_node(r, &info, &id))
			return;
	} else if (osm_want(r, OSM_T_UFFD) && osm_file_is_uffd(file)) {
		ret = osm_uffd_id(r, READ_ONCE(file->private_data), holder, fd,
				  NULL, &id);
		if (ret < 0) {
			r->err = ret;
			return;
		}
		if (ret && osm_node_begin(r, &id))
			osm_end_line(r);
	} else {
		return;
	}
	osm_edge_begin(r, file_id, OSM_EDGE_SERVE, &id);
	osm_end_line(r);
}
