// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * The child's root directory and file table before it commits (the
 * plan's OSM_SPAWN_ACT_PIVOT_ROOT, _CHROOT, _MOVE_FDS, _CLOSE_FDS;
 * uapi/spawn.md):
 *
 *   pivot_root (a new mount namespace): mounts private, bind the new
 *     root on itself, enter it, pivot_root(".", "."), detach the old
 *     root.  The directory is found by its path: root_fd names a mount
 *     of the caller's namespace, which no mount call takes in the new
 *     one; the module checks it is the same directory.
 *   chroot: fchdir(root_fd), chroot("."), chdir("/").
 *   fds[]: every wanted file first to a number above them all, then to
 *     its place (dup2 clears close-on-exec), then close the rest.
 *
 * System calls only: the child may share the caller's memory.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "libosm_internal.h"
#include "spawn_internal.h"

static int osm_pivot_root(const char *dir)
{
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    chdir(dir) || mount(".", ".", NULL, MS_BIND | MS_REC, NULL) ||
	    chdir(dir) ||	/* into the bind mount, on top */
	    syscall(SYS_pivot_root, ".", ".") ||
	    umount2(".", MNT_DETACH) || chdir("/"))
		return errno;
	return 0;
}

/* The plan's new root, if any; returns only on success. */
void osm_spawn_child_root(struct osm_spawn_ctx *c)
{
	int err = 0;

	if (c->req.actions & OSM_SPAWN_ACT_PIVOT_ROOT)
		err = osm_pivot_root(c->o.root_dir);
	else if ((c->req.actions & OSM_SPAWN_ACT_CHROOT) &&
		 (fchdir(c->rootfd) || chroot(".") || chdir("/")))
		err = errno;
	if (err)
		osm_spawn_child_fail(c->st, OSM_STAGE_ROOT, err);
}

/* The smallest "to" above @prev, or @limit if none. */
static int osm_next_to(const struct osm_spawn_fd *fds, unsigned int n,
		       int prev, int limit)
{
	unsigned int i;
	int next = limit;

	for (i = 0; i < n; i++)
		if (fds[i].to > prev && fds[i].to < next)
			next = fds[i].to;
	return next;
}

static int osm_move_fds(struct osm_spawn_ctx *c, int *osmfd)
{
	const struct osm_spawn_fd *fds =
		(const struct osm_spawn_fd *)(uintptr_t)c->req.fds;
	unsigned int n = c->req.fd_count, i;
	int base = *osmfd, prev, next;

	for (i = 0; i < n; i++) {
		if (fds[i].from > base)
			base = fds[i].from;
		if (fds[i].to > base)
			base = fds[i].to;
	}
	base++;
	/* The commit's descriptor at base, the files above it. */
	if (dup2(*osmfd, base) < 0 || fcntl(base, F_SETFD, FD_CLOEXEC))
		return errno;
	*osmfd = base;
	for (i = 0; i < n; i++)
		if (dup2(fds[i].from, base + 1 + i) < 0)
			return errno;
	for (i = 0; i < n; i++)
		if (dup2(base + 1 + i, fds[i].to) < 0)
			return errno;
	if (syscall(SYS_close_range, base + 1, ~0U, 0))
		return errno;
	/* Below base: close the gaps between the wanted numbers. */
	for (prev = -1; prev < base; prev = next) {
		next = osm_next_to(fds, n, prev, base);
		if (next > prev + 1 &&
		    syscall(SYS_close_range, prev + 1, next - 1, 0))
			return errno;
	}
	return 0;
}

/*
 * The plan's new file table, if any; returns the number of the
 * /dev/osmosis descriptor in it (moved by fds[]), only on success.
 */
int osm_spawn_child_fds(struct osm_spawn_ctx *c)
{
	int osmfd = c->osmfd, err = 0;

	if (c->req.actions & OSM_SPAWN_ACT_MOVE_FDS) {
		err = osm_move_fds(c, &osmfd);
	} else if (c->req.actions & OSM_SPAWN_ACT_CLOSE_FDS) {
		if ((osmfd > 3 &&
		     syscall(SYS_close_range, 3, osmfd - 1, 0)) ||
		    syscall(SYS_close_range, osmfd + 1, ~0U, 0))
			err = errno;
	}
	if (err)
		osm_spawn_child_fail(c->st, OSM_STAGE_CLOSE, err);
	return osmfd;
}
