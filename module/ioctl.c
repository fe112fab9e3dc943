// SPDX-License-Identifier: GPL-2.0-only
/*
 * ioctls of /dev/osmosis.  Every command takes a struct that starts with
 * its own size (struct clone_args style): the module dispatches on the
 * command number, reads the size, and lets copy_struct_from_user() accept
 * older (shorter) structs and newer (longer, zero-tailed) ones.
 */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/threads.h>
#include <linux/uaccess.h>
#include <linux/user_namespace.h>

#include "osmosis.h"

/* The command without its size bits: direction, type and number. */
#define OSM_IOC_NOSIZE(cmd)	((cmd) & ~(_IOC_SIZEMASK << _IOC_SIZESHIFT))

/**
 * osm_copy_struct_in() - read a size-versioned struct from user space.
 * @dst: the kernel's struct.
 * @ksize: its size.
 * @ver0: the size of its first published version.
 * @uarg: the user's struct, starting with its __u32 size.
 * @usize: out: the caller's size, for copying results back.
 *
 * The leading size is checked against @ver0 (-EINVAL) and a page
 * (-E2BIG), then copy_struct_from_user() zero-fills a shorter struct and
 * wants a longer one's tail zero (-E2BIG).
 *
 * Context: process context, may fault.
 * Return: 0, -EFAULT, -EINVAL or -E2BIG.
 */
int osm_copy_struct_in(void *dst, size_t ksize, size_t ver0,
		       const void __user *uarg, u32 *usize)
{
	if (get_user(*usize, (const u32 __user *)uarg))
		return -EFAULT;
	if (*usize < ver0)
		return -EINVAL;
	if (*usize > PAGE_SIZE)
		return -E2BIG;
	return copy_struct_from_user(dst, ksize, uarg, *usize);
}

static long osm_ioc_get_api(void __user *uarg)
{
	struct osm_api api;
	u32 usize;
	int err;

	BUILD_BUG_ON(sizeof(struct osm_api) != OSM_API_SIZE_VER0);
	BUILD_BUG_ON(offsetofend(struct osm_api, ioctls) != OSM_API_SIZE_VER0);

	err = osm_copy_struct_in(&api, sizeof(api), OSM_API_SIZE_VER0, uarg,
				 &usize);
	if (err)
		return err;
	if (api.flags)
		return -EINVAL;

	api.api_major = OSM_API_MAJOR;
	api.api_minor = OSM_API_MINOR;
	api.graph_major = OSM_GRAPH_MAJOR;
	api.graph_minor = OSM_GRAPH_MINOR;
	api.features = OSM_FEAT_ALL;
	api.ioctls = 1ULL << _IOC_NR(OSM_IOC_GET_API) |
		     1ULL << _IOC_NR(OSM_IOC_SET_SCOPE) |
		     1ULL << _IOC_NR(OSM_IOC_SPAWN_PREPARE) |
		     1ULL << _IOC_NR(OSM_IOC_SPAWN_COMMIT) |
		     1ULL << _IOC_NR(OSM_IOC_CONTROL_CHECK) |
		     1ULL << _IOC_NR(OSM_IOC_SPAWN_CLONE);
	/* A longer user struct has a zero tail already (checked above). */
	if (copy_to_user(uarg, &api, min_t(size_t, usize, sizeof(api))))
		return -EFAULT;
	return 0;
}

/* The process @nr of the reader's pid namespace, if the reader sees it. */
static struct pid *osm_scope_find(struct osm_reader *r, u64 nr)
{
	struct task_struct *task;
	struct pid *pid = NULL;
	bool visible = false;

	rcu_read_lock();
	task = pid_task(find_pid_ns(nr, r->pid_ns), PIDTYPE_TGID);
	if (task) {
		get_task_struct(task);
		pid = get_task_pid(task, PIDTYPE_TGID);
	}
	rcu_read_unlock();
	if (!task)
		return NULL;
	if (!down_read_killable(&task->signal->exec_update_lock)) {
		visible = osm_may_inspect(r, task);
		up_read(&task->signal->exec_update_lock);
	}
	put_task_struct(task);
	if (!visible) {
		put_pid(pid);
		return NULL;
	}
	return pid;
}

static long osm_ioc_set_scope(struct osm_reader *r, void __user *uarg)
{
	struct osm_scope sc;
	struct pid *pid = NULL;
	u32 usize;
	int err;

	BUILD_BUG_ON(sizeof(struct osm_scope) != OSM_SCOPE_SIZE_VER0);
	BUILD_BUG_ON(OSM_RES_SECCOMP != 1ULL << (OSM_T_SECCOMP - OSM_T_MM));
	BUILD_BUG_ON(OSM_RES_TIME_NS != 1ULL << (OSM_T_TIME_NS - OSM_T_MM));
	BUILD_BUG_ON(OSM_RES_SYSVIPC != 1ULL << (OSM_T_SHM - OSM_T_MM));
	/* The types after the SysV ones take the next bits, in order. */
	BUILD_BUG_ON(OSM_RES_FUSE != 2 * OSM_RES_SYSVIPC);
	BUILD_BUG_ON(OSM_RES_UFFD != 2 * OSM_RES_FUSE);
	BUILD_BUG_ON(OSM_RES_ALL != (OSM_RES_UFFD << 1) - 1);

	err = osm_copy_struct_in(&sc, sizeof(sc), OSM_SCOPE_SIZE_VER0, uarg,
				 &usize);
	if (err)
		return err;
	if (sc.flags & ~OSM_SCOPE_ALL)
		return -EINVAL;
	/* A field is set with its flag, and only then. */
	if (!(sc.flags & OSM_SCOPE_PID) && sc.pid)
		return -EINVAL;
	if ((sc.flags & OSM_SCOPE_PID) && (!sc.pid || sc.pid > PID_MAX_LIMIT))
		return -EINVAL;
	if (!(sc.flags & OSM_SCOPE_TYPES) && sc.types)
		return -EINVAL;
	if (sc.types & ~OSM_RES_ALL)
		return -EINVAL;
	/* Frame numbers are for those pagemap gives them to. */
	if ((sc.flags & OSM_SCOPE_PHYS) &&
	    !osm_opener_capable(r, &init_user_ns, CAP_SYS_ADMIN))
		return -EPERM;

	if (mutex_lock_killable(&r->lock))
		return -EINTR;
	err = -EBUSY;
	if (r->scoped || r->stage != OSM_STAGE_HEADER)
		goto out_unlock;
	if (sc.flags & OSM_SCOPE_PID) {
		err = -ESRCH;
		pid = osm_scope_find(r, sc.pid);
		if (!pid)
			goto out_unlock;
	}
	r->scope_pid = pid;
	if (sc.flags & OSM_SCOPE_TYPES)
		r->types = sc.types;
	r->phys_on = sc.flags & OSM_SCOPE_PHYS;
	r->scoped = true;
	err = 0;
out_unlock:
	mutex_unlock(&r->lock);
	return err;
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
	case _IOC_NR(OSM_IOC_SET_SCOPE):
		if (OSM_IOC_NOSIZE(cmd) != OSM_IOC_NOSIZE(OSM_IOC_SET_SCOPE))
			return -ENOTTY;
		return osm_ioc_set_scope(file->private_data, uarg);
	case _IOC_NR(OSM_IOC_SPAWN_PREPARE):
		if (OSM_IOC_NOSIZE(cmd) !=
		    OSM_IOC_NOSIZE(OSM_IOC_SPAWN_PREPARE))
			return -ENOTTY;
		return osm_ioc_spawn_prepare(uarg);
	case _IOC_NR(OSM_IOC_SPAWN_COMMIT):
		if (OSM_IOC_NOSIZE(cmd) != OSM_IOC_NOSIZE(OSM_IOC_SPAWN_COMMIT))
			return -ENOTTY;
		return osm_ioc_spawn_commit(file, uarg);
	case _IOC_NR(OSM_IOC_CONTROL_CHECK):
		if (OSM_IOC_NOSIZE(cmd) !=
		    OSM_IOC_NOSIZE(OSM_IOC_CONTROL_CHECK))
			return -ENOTTY;
		return osm_ioc_control_check(file->private_data, uarg);
	case _IOC_NR(OSM_IOC_SPAWN_CLONE):
		if (OSM_IOC_NOSIZE(cmd) != OSM_IOC_NOSIZE(OSM_IOC_SPAWN_CLONE))
			return -ENOTTY;
		return osm_ioc_spawn_clone(uarg);
	default:
		return -ENOTTY;
	}
}
