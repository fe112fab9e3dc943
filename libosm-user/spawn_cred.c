// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * The child's credential and seccomp steps before it commits (the
 * plan's OSM_SPAWN_ACT_IDMAP ... OSM_SPAWN_ACT_SECCOMP, uapi/spawn.md):
 *
 *   new user namespace: setgroups "deny", uid_map "UID EUID 1",
 *     gid_map "GID EGID 1" (one id each, the caller's: what a process
 *     may map in its own namespace without privilege, as bwrap and
 *     unshare -r do; the caller stays suspended by CLONE_VFORK);
 *   keep-caps on, bounding set down to caps_keep (needs CAP_SETPCAP,
 *     so before the ids change);
 *   setgroups(0) (not in a new user namespace), setresgid, setresuid;
 *   permitted, effective, inheritable = caps_keep, ambient = caps_keep
 *     (so the program keeps them across execve whatever its uid);
 *   no_new_privs if asked, then the seccomp filter.
 *
 * The child may share the caller's memory (osm_spawn_fn()): raw system
 * calls for the ids (glibc's setresuid() would signal the caller's
 * threads to change theirs too), and no allocation.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "libosm_internal.h"
#include "spawn_internal.h"

/* "A B 1\n" for an id map, without stdio. */
static size_t osm_fmt_map(char *buf, unsigned int inner, unsigned int outer)
{
	unsigned int v[2] = { inner, outer }, i;
	char tmp[12];
	size_t n = 0;
	int k;

	for (i = 0; i < 2; i++) {
		k = 0;
		do {
			tmp[k++] = '0' + v[i] % 10;
			v[i] /= 10;
		} while (v[i]);
		while (k)
			buf[n++] = tmp[--k];
		buf[n++] = ' ';
	}
	buf[n++] = '1';
	buf[n++] = '\n';
	return n;
}

static int osm_write_proc(const char *path, const char *val, size_t len)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return errno;
	n = write(fd, val, len);
	if (n < 0) {
		n = errno;
		close(fd);
		return n;
	}
	close(fd);
	return n == (ssize_t)len ? 0 : EIO;
}

static int osm_idmap(const struct osm_spawn_ctx *c)
{
	char buf[32];
	int err;

	err = osm_write_proc("/proc/self/uid_map", buf,
			     osm_fmt_map(buf, c->req.uid, c->euid));
	if (!err)
		err = osm_write_proc("/proc/self/setgroups", "deny", 4);
	if (!err)
		err = osm_write_proc("/proc/self/gid_map", buf,
				     osm_fmt_map(buf, c->req.gid, c->egid));
	return err;
}

static int osm_setids(const struct osm_spawn_ctx *c)
{
	unsigned int uid = c->req.uid, gid = c->req.gid;

	/* A joined namespace may deny setgroups; a new one does. */
	if (!(c->req.actions & OSM_SPAWN_ACT_IDMAP) &&
	    syscall(SYS_setgroups, 0, NULL) &&
	    !(errno == EPERM && c->o.mode[OSM_SPAWN_R_USER_NS] == OSM_SPAWN_JOIN))
		return errno;
	if (syscall(SYS_setresgid, gid, gid, gid) ||
	    syscall(SYS_setresuid, uid, uid, uid))
		return errno;
	return 0;
}

/* Every capability outside caps_keep out of the bounding set. */
static int osm_drop_bounding(unsigned long long keep)
{
	unsigned int i;

	for (i = 0; i < 64; i++) {
		if (keep & (1ULL << i))
			continue;
		if (prctl(PR_CAPBSET_DROP, i, 0, 0, 0)) {
			if (errno == EINVAL && i)
				return 0;	/* past CAP_LAST_CAP */
			return errno;
		}
	}
	return 0;
}

static int osm_set_caps(unsigned long long keep)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];
	unsigned int i;

	for (i = 0; i < 2; i++) {
		data[i].effective = keep >> (32 * i);
		data[i].permitted = keep >> (32 * i);
		data[i].inheritable = keep >> (32 * i);
	}
	if (syscall(SYS_capset, &hdr, data) ||
	    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0))
		return errno;
	for (i = 0; i < 64; i++)
		if ((keep & (1ULL << i)) &&
		    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, i, 0, 0))
			return errno;
	return 0;
}

/*
 * The plan's uid and gid maps, first: /proc is gone once the child is
 * in its new root.  Returns only on success.
 */
void osm_spawn_child_idmap(struct osm_spawn_ctx *c)
{
	int err;

	if (c->req.actions & OSM_SPAWN_ACT_IDMAP) {
		err = osm_idmap(c);
		if (err)
			osm_spawn_child_fail(c->st, OSM_STAGE_CRED, err);
	}
}

/* The plan's credential and seccomp actions; returns only on success. */
void osm_spawn_child_cred(struct osm_spawn_ctx *c)
{
	unsigned long long act = c->req.actions, keep = c->req.caps_keep;
	struct osm_child_status *st = c->st;
	struct sock_fprog prog;
	int err = 0;

	if (act & OSM_SPAWN_ACT_CAPS) {
		if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0))
			err = errno;
		else
			err = osm_drop_bounding(keep);
	}
	if (!err && (act & OSM_SPAWN_ACT_SETID))
		err = osm_setids(c);
	if (!err && (act & OSM_SPAWN_ACT_CAPS))
		err = osm_set_caps(keep);
	if (err)
		osm_spawn_child_fail(st, OSM_STAGE_CRED, err);

	if ((act & OSM_SPAWN_ACT_NNP) &&
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		osm_spawn_child_fail(st, OSM_STAGE_SECCOMP, errno);
	if (act & OSM_SPAWN_ACT_SECCOMP) {
		prog.len = c->req.seccomp_len;
		prog.filter = (struct sock_filter *)(uintptr_t)c->req.seccomp_prog;
		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog))
			osm_spawn_child_fail(st, OSM_STAGE_SECCOMP, errno);
	}
}
