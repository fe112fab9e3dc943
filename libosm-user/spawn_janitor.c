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
 * cgroup is gone (osm_spawn_wait() or a failed spawn removed it first).
 * It starts as soon as the cgroup exists, so a caller killed in the
 * middle of the spawn leaves nothing either.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
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

/*
 * In the janitor: descriptor 0 the parent directory, 1 cgroup.events,
 * 2 a pipe the caller holds the other end of while it spawns (it ends
 * when osm_spawn() returns or the caller dies).  Until then the cgroup
 * is empty because the PD is not in it yet.
 */
static __attribute__((noreturn)) void osm_janitor(const char *name)
{
	struct pollfd p[2] = {
		{ .fd = 1, .events = POLLPRI },
		{ .fd = 2, .events = POLLIN },
	};
	bool spawned = false;
	char buf[256];
	ssize_t n;

	for (;;) {
		n = pread(1, buf, sizeof(buf) - 1, 0);
		if (n < 0)
			_exit(0);	/* removed under us */
		buf[n] = '\0';
		if (spawned && strstr(buf, "populated 0") &&
		    (!unlinkat(0, name, AT_REMOVEDIR) || errno == ENOENT))
			_exit(0);
		poll(p, spawned ? 1 : 2, OSM_JANITOR_POLL_MS);
		if (!spawned && p[1].revents) {
			spawned = read(2, buf, 1) <= 0;
			p[1].revents = 0;
		}
		if (faccessat(0, name, F_OK, AT_SYMLINK_NOFOLLOW))
			_exit(0);
	}
}

/*
 * Start the janitor of @pd's new cgroup, right after it is made; *@wfd
 * gets the caller's end of the pipe, to close once the spawn is over.
 * 0, or -errno (then the cgroup is left to osm_spawn_wait() alone).
 */
int osm_cg_janitor(const struct osm_spawned *pd, int *wfd)
{
	int ev, status, pipefd[2];
	char events[64];
	sigset_t all;
	pid_t mid;

	snprintf(events, sizeof(events), "%s/cgroup.events", pd->cgroup_name);
	ev = openat(pd->cgroup_dirfd, events, O_RDONLY | O_CLOEXEC);
	if (ev < 0)
		return -errno;
	if (pipe2(pipefd, O_CLOEXEC)) {
		close(ev);
		return -errno;
	}
	mid = _Fork();
	if (mid == 0) {
		if (_Fork() != 0)
			_exit(0);
		sigfillset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		setsid();
		prctl(PR_SET_NAME, "osm-spawn-cg", 0, 0, 0);
		close(pipefd[1]);
		if (dup2(pd->cgroup_dirfd, 0) < 0 || dup2(ev, 1) < 0 ||
		    dup2(pipefd[0], 2) < 0 ||
		    syscall(SYS_close_range, 3, ~0U, 0))
			_exit(1);
		osm_janitor(pd->cgroup_name);
	}
	close(ev);
	close(pipefd[0]);
	if (mid < 0) {
		close(pipefd[1]);
		return -errno;
	}
	*wfd = pipefd[1];
	while (waitpid(mid, &status, 0) < 0 && errno == EINTR)
		;
	return 0;
}
