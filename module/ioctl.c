// SPDX-License-Identifier: GPL-2.0-only
/*
 * ioctls of /dev/osmosis.  Every command takes a struct that starts with
 * its own size (struct clone_args style): the module dispatches on the
 * command number, reads the size, and lets copy_struct_from_user() accept
 * older (shorter) structs and newer (longer, zero-tailed) ones.
 */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/uaccess.h>

#include "osmosis.h"

/* The command without its size bits: direction, type and number. */
#define OSM_IOC_NOSIZE(cmd)	((cmd) & ~(_IOC_SIZEMASK << _IOC_SIZESHIFT))

/* Read the leading size of a struct and check it against VER0 and a page. */
static int osm_get_usize(const void __user *uarg, size_t ver0, u32 *usize)
{
	if (get_user(*usize, (const u32 __user *)uarg))
		return -EFAULT;
	if (*usize < ver0)
		return -EINVAL;
	if (*usize > PAGE_SIZE)
		return -E2BIG;
	return 0;
}

static long osm_ioc_get_api(void __user *uarg)
{
	struct osm_api api;
	u32 usize;
	int err;

	BUILD_BUG_ON(sizeof(struct osm_api) != OSM_API_SIZE_VER0);
	BUILD_BUG_ON(offsetofend(struct osm_api, ioctls) != OSM_API_SIZE_VER0);

	err = osm_get_usize(uarg, OSM_API_SIZE_VER0, &usize);
	if (err)
		return err;
	err = copy_struct_from_user(&api, sizeof(api), uarg, usize);
	if (err)
		return err;
	if (api.flags)
		return -EINVAL;

	api.api_major = OSM_API_MAJOR;
	api.api_minor = OSM_API_MINOR;
	api.graph_major = OSM_GRAPH_MAJOR;
	api.graph_minor = OSM_GRAPH_MINOR;
	api.features = OSM_FEAT_ALL;
	api.ioctls = 1ULL << _IOC_NR(OSM_IOC_GET_API);
	/* A longer user struct has a zero tail already (checked above). */
	if (copy_to_user(uarg, &api, min_t(size_t, usize, sizeof(api))))
		return -EFAULT;
	return 0;
}

/**
 * osm_ioctl() - dispatch an ioctl of /dev/osmosis.
 * @file: the open device.
 * @cmd: the command.
 * @arg: user pointer to the command's struct.
 *
 * Context: process context, may sleep.
 * Return: 0 on success; -ENOTTY for a command this module does not know
 * (wrong type, number or direction); the command's own errors otherwise.
 */
long osm_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	if (_IOC_TYPE(cmd) != OSM_IOC_MAGIC)
		return -ENOTTY;

	switch (_IOC_NR(cmd)) {
	case _IOC_NR(OSM_IOC_GET_API):
		if (OSM_IOC_NOSIZE(cmd) != OSM_IOC_NOSIZE(OSM_IOC_GET_API))
			return -ENOTTY;
		return osm_ioc_get_api(uarg);
	default:
		return -ENOTTY;
	}
}
