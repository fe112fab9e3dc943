// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * osm_spawn_fn() in one ioctl, for a request clone3(2)'s flags express
 * whole (uapi/spawn.md, "One call"): a thread-like PD that shares the
 * address space, whose other resources are shared, copied or new as
 * CLONE_* flags make them, with nothing for the child to do before it
 * runs.
 *
 *   parent                                 child (on its new stack)
 *   clone3(flags | CLONE_PIDFD) ---------> waits on a futex in its stack
 *   OSM_IOC_SPAWN_CLONE {modes, pid}:
 *     the module compares the child's
 *     resources with ours, records the PD
 *   go = 1, wake ------------------------> fn(arg), exit(2)
 *   returns the pidfd
 *
 * The child runs no code of the caller's before the module has checked
 * and recorded it; on an error the caller kills it.  The caller does not
 * wait for the child (it is the child that waits, if it gets there
 * first), which saves a round trip of the scheduler over PREPARE and
 * COMMIT.  No status page either: the child reports nothing, and the
 * word it waits on lives at the top of its own stack, which the library
 * unmaps (or keeps for the next PD) only once the PD is reaped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/futex.h>
#include <linux/sched.h>

#include "libosm_internal.h"
#include "spawn_internal.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

#ifdef __x86_64__
/* At the top of the child's stack: what it runs, and when it may. */
struct osm_fn_start {
	int go;			/* 0 wait, 2 waiting, 1 run, -1 exit */
	int devfd;		/* to close in a copied file table, or -1 */
	int (*fn)(void *arg);
	void *arg;
};

/* What fork(2) does for mode 0, and the CLONE_* flag of each share. */
static const unsigned char osm_fork_mode[OSM_SPAWN_R_NS0] = {
	OSM_SPAWN_COPY, OSM_SPAWN_COPY, OSM_SPAWN_COPY, OSM_SPAWN_COPY,
	OSM_SPAWN_NEW, OSM_SPAWN_SHARE, OSM_SPAWN_SHARE, OSM_SPAWN_SHARE,
};

static const unsigned long long osm_share_flag[OSM_SPAWN_R_CGROUP] = {
	CLONE_VM, CLONE_FILES, CLONE_FS, CLONE_SIGHAND, CLONE_SYSVSEM,
};

static const unsigned long long osm_new_flag[OSM_SPAWN_NR_NS] = {
	CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWPID,
	CLONE_NEWNET, CLONE_NEWUSER, CLONE_NEWCGROUP, CLONE_NEWTIME,
};

/*
 * The clone3 flags of a request OSM_IOC_SPAWN_CLONE takes (its modes
 * written back resolved into @mode), or 0 for one that needs PREPARE:
 * anything to do in the child or an object to name (a join, a new file
 * table, root, cgroup or credentials, a filter, no_new_privs, a private
 * stack), or a copied address space (the child waits on memory the
 * caller writes).
 */
static unsigned long long osm_fast_flags(const struct osm_spawn_opts *o,
					 unsigned char *mode)
{
	unsigned long long flags = 0;
	unsigned int r;
	unsigned char m;

	if (o->flags || o->fn_flags ||
	    o->mode[OSM_SPAWN_R_MM] != OSM_SPAWN_SHARE)
		return 0;
	for (r = 0; r < OSM_SPAWN_NR; r++) {
		m = o->mode[r];
		if (!m)
			m = r < OSM_SPAWN_R_NS0 ? osm_fork_mode[r] :
			    OSM_SPAWN_SHARE;
		mode[r] = m;
		if (r < OSM_SPAWN_R_CGROUP) {
			/* mm, files, fs, sighand, sysvsem */
			if (m == OSM_SPAWN_SHARE)
				flags |= osm_share_flag[r];
			else if (m != (r == OSM_SPAWN_R_SYSVSEM ?
				       OSM_SPAWN_NEW : OSM_SPAWN_COPY))
				return 0;
		} else if (r < OSM_SPAWN_R_NS0) {
			/* cgroup, cred, seccomp */
			if (m != OSM_SPAWN_SHARE)
				return 0;
		} else if (m == OSM_SPAWN_NEW) {
			flags |= osm_new_flag[r - OSM_SPAWN_R_NS0];
		} else if (m != OSM_SPAWN_SHARE) {
			return 0;
		}
	}
	/*
	 * What clone3 takes but would not give as asked (a thread keeps its
	 * time namespace), or refuses: PREPARE says -EINVAL for each.
	 */
	if ((flags & CLONE_NEWTIME) ||
	    ((flags & CLONE_FS) && (flags & (CLONE_NEWNS | CLONE_NEWUSER))) ||
	    ((flags & CLONE_SYSVSEM) && (flags & CLONE_NEWIPC)))
		return 0;
	return flags;
}

static __attribute__((noreturn, used)) void osm_fast_child(void *p)
{
	struct osm_fn_start *s = p;
	int go, zero;

	/* Raw system calls: errno and the TLS are the caller's. */
	for (;;) {
		go = __atomic_load_n(&s->go, __ATOMIC_ACQUIRE);
		if (go == 1 || go == -1)
			break;
		zero = 0;
		if (go == 0 &&
		    !__atomic_compare_exchange_n(&s->go, &zero, 2, false,
						 __ATOMIC_ACQ_REL,
						 __ATOMIC_ACQUIRE))
			continue;	/* the caller wrote it meanwhile */
		osm_raw6(SYS_futex, (long)&s->go, FUTEX_WAIT, 2, 0, 0, 0);
	}
	if (go != 1)
		osm_raw6(SYS_exit, 127, 0, 0, 0, 0, 0);
	/* The library's descriptor is no business of a table of its own. */
	if (s->devfd >= 0)
		osm_raw6(SYS_close, s->devfd, 0, 0, 0, 0, 0);
	osm_raw6(SYS_exit, s->fn(s->arg) & 0xff, 0, 0, 0, 0, 0);
	__builtin_unreachable();
}

/* Let the child run (@go 1) or exit (-1); wake it if it waits. */
static void osm_fast_go(struct osm_fn_start *s, int go)
{
	if (__atomic_exchange_n(&s->go, go, __ATOMIC_ACQ_REL) == 2)
		osm_raw6(SYS_futex, (long)&s->go, FUTEX_WAKE, 1, 0, 0, 0);
}

/**
 * osm_spawn_fn_fast() - osm_spawn_fn() with OSM_IOC_SPAWN_CLONE.
 * @c: the spawn's context (fn, arg); its options are read here.
 * @opts: the caller's options.
 * @pd: the PD, filled in.
 *
 * Return: the pidfd, a negative errno (errno set), or 1 when the request
 * or the module needs PREPARE and COMMIT.
 */
int osm_spawn_fn_fast(struct osm_spawn_ctx *c,
		      const struct osm_spawn_opts *opts,
		      struct osm_spawned *pd)
{
	struct osm_spawn_clone rec = { .size = sizeof(rec) };
	struct clone_args args = { .exit_signal = SIGCHLD };
	unsigned long long features, flags;
	struct osm_fn_start *s;
	int devfd, err, pidfd = -1;
	sigset_t all, old;
	uintptr_t top;
	long pid;

	if (!opts || !OPTS_VALID(opts, osm_spawn_opts))
		return 1;	/* the slow path says why */
	memset(&c->o, 0, sizeof(c->o));
	memcpy(&c->o, opts, opts->sz < sizeof(c->o) ? opts->sz : sizeof(c->o));
	if (c->o.argv || c->o.file || c->o.envp || c->o.cgroup_parent ||
	    c->o.memory_max || c->o.pids_max || c->o.root_dir || c->o.fds ||
	    c->o.fd_count || c->o.uid || c->o.gid || c->o.caps_keep ||
	    c->o.seccomp || c->o.cpu_max_quota || c->o.cpu_max_period ||
	    c->o.cpuset_cpus || c->o.cpuset_mems ||
	    (c->o.stack_size && c->o.stack_size < OSM_SPAWN_STACK_MIN))
		return 1;
	flags = osm_fast_flags(&c->o, rec.mode);
	if (!flags)
		return 1;
	devfd = osm_spawn_dev(&features);
	if (devfd < 0 || !(features & OSM_FEAT_SPAWN_CLONE))
		return 1;	/* no device: the slow path's error */

	err = osm_fn_stack(c, pd);
	if (err)
		goto out;
	top = ((uintptr_t)c->stack + c->stack_size - sizeof(*s)) & ~63UL;
	s = (struct osm_fn_start *)top;
	*s = (struct osm_fn_start){ .fn = c->fn, .arg = c->arg,
				    .devfd = flags & CLONE_FILES ? -1 : devfd };
	args.flags = flags | CLONE_PIDFD;
	args.pidfd = (uintptr_t)&pidfd;
	args.stack = (uintptr_t)c->stack;
	args.stack_size = top - (uintptr_t)c->stack;

	/* The child starts with every signal blocked, as the slow path. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pid = osm_clone3_call(&args, osm_fast_child, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (pid < 0) {
		err = (int)pid;
		goto out;
	}
	rec.pid = pid;
	if (ioctl(devfd, OSM_IOC_SPAWN_CLONE, &rec)) {
		err = -errno;
		pd->mismatch = rec.mismatch;
		osm_fast_go(s, -1);
		syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
		OSM_NO_INTR(waitid(P_PIDFD, pidfd, &(siginfo_t){ 0 }, WEXITED));
		close(pidfd);
		goto out;
	}
	osm_fast_go(s, 1);
	pd->pidfd = pidfd;
	pd->pid = pid;
	return pidfd;
out:
	{
		unsigned long long mismatch = pd->mismatch;

		osm_spawned_release(pd);
		pd->mismatch = mismatch;
	}
	return osm_err(err);
}
#else
int osm_spawn_fn_fast(struct osm_spawn_ctx *c,
		      const struct osm_spawn_opts *opts,
		      struct osm_spawned *pd)
{
	(void)c;
	(void)opts;
	(void)pd;
	return 1;
}
#endif
