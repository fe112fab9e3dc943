// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * A PD's new cgroup must not outlive it, even when the caller dies
 * before osm_spawn_wait() (uapi/spawn.md, "Cleanup").  Nothing in the
 * kernel removes an empty cgroup, and the module cannot (cgroup_rmdir is
 * not exported), so a small process that outlives the caller does: made
 * with two forks (reparented to init or the subreaper, so the caller
 * never sees it as a child and no one but init reaps it), in its own
 * session, every signal but SIGKILL blocked, holding only the parent
 * cgroup's directory and the new cgroup's cgroup.events.  The kernel
 * wakes poll(POLLPRI) on cgroup.events when the cgroup empties; the
 * janitor then removes the cgroup and exits.  It also exits once the
 * cgroup is gone (osm_spawn_wait() removed it first).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libosm_internal.h"
#include "spawn_internal.h"

/* How often the janitor looks whether the cgroup is still there. */
#define OSM_JANITOR_POLL_MS	5000

/* In the janitor: descriptor 0 the parent directory, 1 cgroup.events. */
static __attribute__((noreturn)) void osm_janitor(const char *name)
{
	struct pollfd p = { .fd = 1, .events = POLLPRI };
	char buf[256];
	ssize_t n;

	for (;;) {
		n = pread(1, buf, sizeof(buf) - 1, 0);
		if (n < 0)
			_exit(0);	/* removed under us */
		buf[n] = '\0';
		if (strstr(buf, "populated 0") &&
		    (!unlinkat(0, name, AT_REMOVEDIR) || errno == ENOENT))
			_exit(0);
		poll(&p, 1, OSM_JANITOR_POLL_MS);
		if (faccessat(0, name, F_OK, AT_SYMLINK_NOFOLLOW))
			_exit(0);
	}
}

/*
 * Start the janitor of @pd's new cgroup.  0, or -errno (then the cgroup
 * is left to osm_spawn_wait() alone).
 */
int osm_cg_janitor(const struct osm_spawned *pd)
{
	char events[64];
	sigset_t all;
	pid_t mid;
	int ev, status;

	snprintf(events, sizeof(events), "%s/cgroup.events", pd->cgroup_name);
	ev = openat(pd->cgroup_dirfd, events, O_RDONLY | O_CLOEXEC);
	if (ev < 0)
		return -errno;
	mid = _Fork();
	if (mid == 0) {
		if (_Fork() != 0)
			_exit(0);
		sigfillset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		setsid();
		prctl(PR_SET_NAME, "osm-spawn-cg", 0, 0, 0);
		if (dup2(pd->cgroup_dirfd, 0) < 0 || dup2(ev, 1) < 0 ||
		    syscall(SYS_close_range, 2, ~0U, 0))
			_exit(1);
		osm_janitor(pd->cgroup_name);
	}
	close(ev);
	if (mid < 0)
		return -errno;
	while (waitpid(mid, &status, 0) < 0 && errno == EINTR)
		;
	return 0;
}
