// SPDX-License-Identifier: GPL-2.0-only
/*
 * osmosis: publish the isolation graph of the running system.
 *
 * /dev/osmosis is a read-only misc device.  Each open starts one walk of
 * the live system; read(2) returns it as text in the format of
 * uapi/graph-format.md:
 *
 *	$ head -3 /dev/osmosis
 *	osmosis-graph 1.5 epoch=... pid_ns=4026531836 view=full
 *	node kernel:0 pd name=kernel
 *	node thread:2 pd tid=2 tgid=2 comm=kthreadd kthread=1
 *
 * Access policy: the device is world-readable.  A reader whose opener had
 * CAP_SYS_PTRACE in the initial user namespace sees every process of its
 * pid namespace; any other reader sees only the processes /proc would let
 * it inspect (see visibility.c).  Credentials are those of the opener
 * (file->f_cred), never of whoever later reads the file.  How many walks
 * unprivileged users may hold open at once is limited (walk_limit.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cgroup.h>
#include <linux/fs.h>
#include <linux/limits.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/nsproxy.h>

#include "osmosis.h"

unsigned int osm_max_nodes = 1 << 22;
module_param_named(max_nodes, osm_max_nodes, uint, 0644);
MODULE_PARM_DESC(max_nodes, "Most shared resources one walk may track (default 4M)");

/* Start a walk with the opener's pid and cgroup namespaces. */
static int osm_open(struct inode *inode, struct file *file)
{
	struct osm_reader *r;
	int err;

	err = stream_open(inode, file);
	if (err)
		return err;
	r = kzalloc(sizeof(*r), OSM_GFP_WALK);
	if (!r)
		return -ENOMEM;
	r->file = file;
	err = osm_walk_limit_get(r);
	if (err)
		goto out_free;
	r->pathbuf = kmalloc(PATH_MAX, OSM_GFP_WALK);
	if (!r->pathbuf) {
		err = -ENOMEM;
		goto out_limit;
	}
	mutex_init(&r->lock);
	/* Not audited: most openers are not privileged, and that is fine. */
	r->full_view = ns_capable_noaudit(&init_user_ns, CAP_SYS_PTRACE);
	r->pid_ns = get_pid_ns(task_active_pid_ns(current));
	/* current->nsproxy is stable: only current changes it. */
	r->cgroup_ns = current->nsproxy->cgroup_ns;
	get_cgroup_ns(r->cgroup_ns);
	r->stage = OSM_STAGE_HEADER;
	r->next_tgid = 1;
	r->types = OSM_RES_ALL;
	file->private_data = r;
	return 0;

out_limit:
	osm_walk_limit_put(r);
out_free:
	kfree(r);
	return err;
}

/* Drop everything the walk holds; nothing else refers to it. */
static int osm_release(struct inode *inode, struct file *file)
{
	struct osm_reader *r = file->private_data;

	osm_walk_release(r);
	osm_buf_free(&r->out);
	put_pid(r->scope_pid);
	put_cgroup_ns(r->cgroup_ns);
	put_pid_ns(r->pid_ns);
	osm_walk_limit_put(r);
	mutex_destroy(&r->lock);
	kfree(r->pathbuf);
	kfree(r);
	return 0;
}

/* Hand out the next bytes of this open's walk. */
static ssize_t osm_read(struct file *file, char __user *buf, size_t count,
			loff_t *ppos)
{
	return osm_walk_read(file->private_data, buf, count);
}

static const struct file_operations osm_fops = {
	.owner		= THIS_MODULE,
	.open		= osm_open,
	.release	= osm_release,
	.read		= osm_read,
	.unlocked_ioctl	= osm_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice osm_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "osmosis",
	.fops	= &osm_fops,
	.mode	= 0444,
};

static int __init osm_init(void)
{
	int err;

	osm_ids_init();
	err = osm_mntns_layout_init();
	if (err)
		return err;
	err = misc_register(&osm_misc);
	if (err) {
		pr_err("cannot register /dev/osmosis: %d\n", err);
		return err;
	}
	osm_floor_init();
	pr_info("graph format %d.%d on /dev/osmosis\n", OSM_GRAPH_MAJOR,
		OSM_GRAPH_MINOR);
	return 0;
}

/* Open files pin the module (fops owner), so no reader outlives this. */
static void __exit osm_exit(void)
{
	osm_floor_exit();
	misc_deregister(&osm_misc);
	osm_spawn_exit();
}

module_init(osm_init);
module_exit(osm_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("osmosis: the isolation graph of the running system");
MODULE_AUTHOR("osmosis-linux developers");
MODULE_VERSION(OSM_MODULE_VERSION);
