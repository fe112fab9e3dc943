// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * osm_spawn(): a new PD with the isolation asked for, resource by
 * resource (uapi/spawn.md).
 *
 *   parent                               child
 *   OSM_IOC_SPAWN_PREPARE -> plan
 *   [new cgroup made before, removed by osm_spawn_wait()]
 *   clone3(plan | CLONE_PIDFD | CLONE_VFORK) ---> setns() per plan
 *   (suspended until the child execs              close fds >= 3 (files new)
 *    or exits)                                    OSM_IOC_SPAWN_COMMIT
 *                                                 execve()
 *   reads the child's status page; on a failure, kills and reaps it.
 *
 * The child runs on a copy of the caller's stack (no CLONE_VM), so it
 * only makes system calls, and reports a failure through a shared
 * anonymous page.  Signals are blocked around the clone and the caller's
 * handlers reset in the child, as posix_spawn does.  Every descriptor the
 * library opens is close-on-exec.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/filter.h>
#include <linux/futex.h>
#include <linux/sched.h>

#include "libosm_internal.h"
#include "spawn_internal.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

#define OSM_CGROUP_ROOT	"/sys/fs/cgroup"

static const char *const osm_res_names[OSM_SPAWN_NR] = {
	[OSM_SPAWN_R_MM]	= "mm",
	[OSM_SPAWN_R_FILES]	= "files",
	[OSM_SPAWN_R_FS]	= "fs",
	[OSM_SPAWN_R_SIGHAND]	= "sighand",
	[OSM_SPAWN_R_SYSVSEM]	= "sysvsem",
	[OSM_SPAWN_R_CGROUP]	= "cgroup",
	[OSM_SPAWN_R_CRED]	= "cred",
	[OSM_SPAWN_R_SECCOMP]	= "seccomp",
	[OSM_SPAWN_R_MNT_NS]	= "mnt",
	[OSM_SPAWN_R_UTS_NS]	= "uts",
	[OSM_SPAWN_R_IPC_NS]	= "ipc",
	[OSM_SPAWN_R_PID_NS]	= "pid",
	[OSM_SPAWN_R_NET_NS]	= "net",
	[OSM_SPAWN_R_USER_NS]	= "user",
	[OSM_SPAWN_R_CGROUP_NS]	= "cgroupns",
	[OSM_SPAWN_R_TIME_NS]	= "time",
};

/* The /proc/PID/ns/ names, from OSM_SPAWN_R_NS0. */
static const char *const osm_ns_proc[OSM_SPAWN_NR_NS] = {
	"mnt", "uts", "ipc", "pid", "net", "user", "cgroup", "time",
};

static const int osm_ns_flag[OSM_SPAWN_NR_NS] = {
	CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWPID,
	CLONE_NEWNET, CLONE_NEWUSER, CLONE_NEWCGROUP, CLONE_NEWTIME,
};

static const char *const osm_mode_names[] = {
	[OSM_SPAWN_DEFAULT]	= "default",
	[OSM_SPAWN_SHARE]	= "share",
	[OSM_SPAWN_COPY]	= "copy",
	[OSM_SPAWN_NEW]		= "new",
	[OSM_SPAWN_JOIN]	= "join",
};

const char *osm_spawn_res_name(unsigned int r)
{
	return r < OSM_SPAWN_NR ? osm_res_names[r] : NULL;
}

const char *osm_spawn_mode_name(unsigned int mode)
{
	return mode <= OSM_SPAWN_JOIN ? osm_mode_names[mode] : NULL;
}

static const char *const osm_presets[] = {
	"process", "pir", "container", "sandbox", NULL,
};

const char *osm_spawn_preset_name(unsigned int i)
{
	return i < sizeof(osm_presets) / sizeof(*osm_presets) ?
	       osm_presets[i] : NULL;
}

int osm_spawn_preset(const char *name, struct osm_spawn_opts *opts)
{
	static const unsigned int container_ns[] = {
		OSM_SPAWN_R_USER_NS, OSM_SPAWN_R_PID_NS, OSM_SPAWN_R_MNT_NS,
		OSM_SPAWN_R_UTS_NS, OSM_SPAWN_R_IPC_NS, OSM_SPAWN_R_NET_NS,
		OSM_SPAWN_R_CGROUP_NS,
	};
	bool pir, container, sandbox, thread, tif, tis;
	unsigned int i;

	if (!name || !opts || !OPTS_VALID(opts, osm_spawn_opts) ||
	    !OPTS_HAS(opts, flags))
		return osm_err(-EINVAL);
	pir = !strcmp(name, "pir");
	sandbox = !strcmp(name, "sandbox");
	container = sandbox || !strcmp(name, "container");
	thread = !strcmp(name, "thread");
	tif = !strcmp(name, "tif");
	tis = !strcmp(name, "tis");
	if (!pir && !container && !thread && !tif && !tis &&
	    strcmp(name, "process"))
		return osm_err(-ENOENT);
	if (tis && !OPTS_HAS(opts, fn_flags))
		return osm_err(-EINVAL);
	thread |= tis;

	/* A process: what fork(2) does, spelt out. */
	memset(opts->mode, 0, sizeof(opts->mode));
	memset(opts->ns_pidfd, 0, sizeof(opts->ns_pidfd));
	opts->mode[OSM_SPAWN_R_MM] = OSM_SPAWN_COPY;
	opts->mode[OSM_SPAWN_R_FILES] = OSM_SPAWN_COPY;
	opts->mode[OSM_SPAWN_R_FS] = OSM_SPAWN_COPY;
	opts->mode[OSM_SPAWN_R_SIGHAND] = OSM_SPAWN_COPY;
	opts->mode[OSM_SPAWN_R_SYSVSEM] = OSM_SPAWN_NEW;
	opts->mode[OSM_SPAWN_R_CGROUP] = pir ? OSM_SPAWN_NEW : OSM_SPAWN_SHARE;
	opts->mode[OSM_SPAWN_R_CRED] = OSM_SPAWN_SHARE;
	opts->mode[OSM_SPAWN_R_SECCOMP] = OSM_SPAWN_SHARE;
	for (i = 0; i < OSM_SPAWN_NR_NS; i++)
		opts->mode[OSM_SPAWN_R_NS0 + i] = OSM_SPAWN_SHARE;
	if (container)
		for (i = 0; i < sizeof(container_ns) / sizeof(*container_ns);
		     i++)
			opts->mode[container_ns[i]] = OSM_SPAWN_NEW;
	opts->flags = sandbox ? OSM_SPAWN_NO_NEW_PRIVS : 0;
	/* Function presets: one address space, handlers and undo list. */
	if (thread || tif) {
		opts->mode[OSM_SPAWN_R_MM] = OSM_SPAWN_SHARE;
		opts->mode[OSM_SPAWN_R_SIGHAND] = OSM_SPAWN_SHARE;
		opts->mode[OSM_SPAWN_R_SYSVSEM] = OSM_SPAWN_SHARE;
	}
	if (thread) {
		opts->mode[OSM_SPAWN_R_FILES] = OSM_SPAWN_SHARE;
		opts->mode[OSM_SPAWN_R_FS] = OSM_SPAWN_SHARE;
	}
	if (OPTS_HAS(opts, fn_flags))
		opts->fn_flags = tis ? OSM_SPAWN_FN_PRIVATE_STACK : 0;
	return 0;
}

/* The graph's letter for each mode (uapi/graph-format.md, 1.6). */
static const char osm_mode_letters[] = "?scnj";

const char *osm_spawn_kind(const struct osm_node *pd)
{
	static const char *const kinds[] = {
		"process", "pir", "container", "sandbox", "thread", "tif",
		"tis",
	};
	const char *spawn = pd ? osm_node__attr(pd, "spawn") : NULL;
	const char *nnp = pd ? osm_node__attr(pd, "spawn_nnp") : NULL;
	const char *stack = pd ? osm_node__attr(pd, "spawn_stack") : NULL;
	bool pkey = stack && !strcmp(stack, "pkey");
	char want[OSM_SPAWN_NR + 1];
	unsigned int i, r;

	if (!spawn)
		return NULL;
	if (stack && !pkey)
		return "custom";	/* a stack kind this library does not know */
	for (i = 0; i < sizeof(kinds) / sizeof(*kinds); i++) {
		OSM_OPTS(osm_spawn_opts, o);

		if (osm_spawn_preset(kinds[i], &o))
			continue;
		for (r = 0; r < OSM_SPAWN_NR; r++)
			want[r] = osm_mode_letters[o.mode[r] <= OSM_SPAWN_JOIN ?
						   o.mode[r] : 0];
		want[OSM_SPAWN_NR] = '\0';
		/* 1.8: a tis PD's stack has its own key; a thread's not. */
		if (!strcmp(spawn, want) &&
		    !!(o.flags & OSM_SPAWN_NO_NEW_PRIVS) ==
		    (nnp && !strcmp(nnp, "1")) &&
		    !!(o.fn_flags & OSM_SPAWN_FN_PRIVATE_STACK) == pkey)
			return kinds[i];
	}
	return "custom";
}

void osm_spawn_child_fail(struct osm_child_status *st, int stage, int err)
{
	st->err = err ? err : EIO;
	__atomic_store_n(&st->stage, stage, __ATOMIC_RELEASE);
	/* osm_spawn_fn()'s caller waits on the stage (a shared page). */
	syscall(SYS_futex, &st->stage, FUTEX_WAKE, 1, NULL, NULL, 0);
	_exit(127);
}

/*
 * The child's steps before its own code runs: setns() per plan, uid and
 * gid maps, a new root and file table (spawn_files.c), credentials and
 * seccomp (spawn_cred.c), COMMIT.  Returns the number of the
 * /dev/osmosis descriptor (a new file table may move it), only on
 * success.  On a copy of the caller's
 * memory or in it: system calls only, no allocation (another thread of
 * the caller may hold a lock).  Returns only on success.
 */
int osm_spawn_child_commit(struct osm_spawn_ctx *c)
{
	struct osm_spawn_commit commit = { .size = sizeof(commit) };
	unsigned long long setns_flags = c->req.setns_flags;
	struct osm_child_status *st = c->st;
	unsigned int i;
	int osmfd;

	st->stage = OSM_STAGE_STARTED;
	/* The user namespace first: it decides what the others allow. */
	if ((setns_flags & CLONE_NEWUSER) &&
	    setns(c->nsfd[OSM_SPAWN_R_USER_NS - OSM_SPAWN_R_NS0],
		  CLONE_NEWUSER))
		osm_spawn_child_fail(st, OSM_STAGE_SETNS, errno);
	for (i = 0; i < OSM_SPAWN_NR_NS; i++)
		if (osm_ns_flag[i] != CLONE_NEWUSER &&
		    (setns_flags & osm_ns_flag[i]) &&
		    setns(c->nsfd[i], osm_ns_flag[i]))
			osm_spawn_child_fail(st, OSM_STAGE_SETNS, errno);
	osm_spawn_child_idmap(c);
	osm_spawn_child_root(c);
	osmfd = osm_spawn_child_fds(c);
	osm_spawn_child_cred(c);
	commit.token = c->req.token;
	if (ioctl(osmfd, OSM_IOC_SPAWN_COMMIT, &commit)) {
		st->mismatch = commit.mismatch;
		osm_spawn_child_fail(st, OSM_STAGE_COMMIT, errno);
	}
	return osmfd;
}

/* The child of osm_spawn(), on a copy of the caller's memory. */
static __attribute__((noreturn)) void osm_child(struct osm_spawn_ctx *c)
{
	struct osm_child_status *st = c->st;
	unsigned int i;

	osm_spawn_child_commit(c);
	/*
	 * As posix_spawn: the caller's handlers must not run here, so
	 * signals stayed blocked since before the clone; reset caught ones
	 * to their default, then unblock what the caller had unblocked.
	 */
	for (i = 1; i < _NSIG; i++) {
		struct sigaction sa;

		if (sigaction(i, NULL, &sa) || sa.sa_handler == SIG_IGN ||
		    sa.sa_handler == SIG_DFL)
			continue;
		sa.sa_handler = SIG_DFL;
		sigaction(i, &sa, NULL);
	}
	sigprocmask(SIG_SETMASK, &c->oldmask, NULL);
	st->stage = OSM_STAGE_EXEC;
	execvpe(c->o.file ? c->o.file : c->o.argv[0], c->o.argv,
		c->o.envp ? c->o.envp : environ);
	osm_spawn_child_fail(st, OSM_STAGE_EXEC, errno);
}

/*
 * The process a pidfd names, as a pid of our pid namespace: the Pid:
 * line of its fdinfo (only pidfds have one).  -EBADF for a descriptor
 * that is not a pidfd, -ESRCH for one whose process was reaped or is
 * outside our pid namespace.
 */
static int osm_pidfd_pid(int pidfd)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd, pid;

	if (pidfd < 0)
		return -EBADF;
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", pidfd);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -EBADF : -errno;
	n = OSM_NO_INTR(read(fd, buf, sizeof(buf) - 1));
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	p = strstr(buf, "\nPid:\t");
	if (!p || sscanf(p + 6, "%d", &pid) != 1)
		return -EBADF;
	return pid > 0 ? pid : -ESRCH;
}

/*
 * An nsfs descriptor of namespace @i of the process @pidfd names.  The
 * pid is read from the pidfd, then the pidfd is asked whether its
 * process is still there: if so, the pid was not reused in between.
 */
static int osm_pidfd_ns(int pidfd, unsigned int i)
{
	char path[64];
	int pid, fd;

	pid = osm_pidfd_pid(pidfd);
	if (pid < 0)
		return pid;
	snprintf(path, sizeof(path), "/proc/%d/ns/%s", pid, osm_ns_proc[i]);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	if (syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0)) {
		int err = errno;

		close(fd);
		return err == ESRCH ? -ESRCH : -err;
	}
	return fd;
}

/* Read a small cgroup file into @buf (NUL-terminated).  0 or -errno. */
int osm_cg_read(int dirfd, const char *name, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = OSM_NO_INTR(read(fd, buf, len - 1));
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

int osm_cg_write(int dirfd, const char *name, const char *val)
{
	ssize_t n;
	int fd;

	fd = openat(dirfd, name, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = OSM_NO_INTR(write(fd, val, strlen(val)));
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	return 0;
}

/* Enable controller @ctl for the children of @dirfd if it is not yet. */
int osm_cg_enable(int dirfd, const char *ctl)
{
	char buf[512], want[32], *tok, *save;
	int err;

	err = osm_cg_read(dirfd, "cgroup.subtree_control", buf, sizeof(buf));
	if (err)
		return err;
	for (tok = strtok_r(buf, " \n", &save); tok;
	     tok = strtok_r(NULL, " \n", &save))
		if (!strcmp(tok, ctl))
			return 0;
	snprintf(want, sizeof(want), "+%s", ctl);
	return osm_cg_write(dirfd, "cgroup.subtree_control", want);
}

/* Write a limit (0: "max") and read it back as the kernel kept it. */
static int osm_cg_limit(int cgfd, const char *name, unsigned long long val,
			unsigned long long unit)
{
	char buf[32], back[32];
	int err;

	if (val)
		snprintf(buf, sizeof(buf), "%llu", val / unit * unit);
	else
		snprintf(buf, sizeof(buf), "max");
	err = osm_cg_write(cgfd, name, buf);
	if (!err)
		err = osm_cg_read(cgfd, name, back, sizeof(back));
	if (err)
		return err;
	back[strcspn(back, "\n")] = '\0';
	return strcmp(buf, back) ? -EIO : 0;
}

/* The caller's cgroup directory: "0::/PATH" of /proc/self/cgroup. */
static int osm_own_cgroup(char *path, size_t len)
{
	char buf[PATH_MAX + 64], *p, *nl;
	int err;

	err = osm_cg_read(AT_FDCWD, "/proc/self/cgroup", buf, sizeof(buf));
	if (err)
		return err;
	p = strstr(buf, "0::");
	if (!p || (p != buf && p[-1] != '\n'))
		return -EOPNOTSUPP;	/* no cgroup2 hierarchy */
	p += 3;
	nl = strchr(p, '\n');
	if (nl)
		*nl = '\0';
	if ((size_t)snprintf(path, len, OSM_CGROUP_ROOT "%s", p) >= len)
		return -ENAMETOOLONG;
	return 0;
}

/*
 * A new cgroup for the PD under opts.cgroup_parent (default: the
 * caller's own cgroup), with its limits.  The controllers a limit needs
 * are enabled in the parent's cgroup.subtree_control if they are not.
 */
static int osm_cg_create(struct osm_spawn_ctx *c, struct osm_spawned *pd)
{
	const unsigned long long page = sysconf(_SC_PAGESIZE);
	char path[PATH_MAX];
	unsigned long long rnd;
	const char *parent;
	int err;

	parent = c->o.cgroup_parent;
	if (!parent) {
		err = osm_own_cgroup(path, sizeof(path));
		if (err)
			return err;
		parent = path;
	}
	pd->cgroup_dirfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pd->cgroup_dirfd < 0)
		return -errno;
	if (c->o.memory_max) {
		err = osm_cg_enable(pd->cgroup_dirfd, "memory");
		if (err)
			return err;
	}
	if (c->o.pids_max) {
		err = osm_cg_enable(pd->cgroup_dirfd, "pids");
		if (err)
			return err;
	}
	err = osm_cg_cpu_enable(c, pd->cgroup_dirfd);
	if (err)
		return err;
	if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
		return -errno;
	snprintf(pd->cgroup_name, sizeof(pd->cgroup_name),
		 "osm-spawn-%016llx", rnd);
	if (mkdirat(pd->cgroup_dirfd, pd->cgroup_name, 0755)) {
		pd->cgroup_name[0] = '\0';
		return -errno;
	}
	/* Best effort: without it osm_spawn_wait() still removes it. */
	osm_cg_janitor(pd, &c->janitor_wfd);
	c->cgfd = openat(pd->cgroup_dirfd, pd->cgroup_name,
			 O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->cgfd < 0)
		return -errno;
	if (c->o.memory_max) {
		err = osm_cg_limit(c->cgfd, "memory.max", c->o.memory_max,
				   page);
		if (err)
			return err;
	}
	if (c->o.pids_max) {
		err = osm_cg_limit(c->cgfd, "pids.max", c->o.pids_max, 1);
		if (err)
			return err;
	}
	return osm_cg_cpu_limits(c);
}

/* Remove the PD's cgroup (once it is empty) and close what it holds. */
void osm_spawned_release(struct osm_spawned *pd)
{
	/* A stack with no key of its own serves the next PD as it is. */
	if (pd->stack && pd->stack_pkey > 0)
		munmap(pd->stack, pd->stack_len);
	else if (pd->stack)
		osm_stack_give(pd->stack, pd->stack_len);
	if (pd->stack_pkey > 0)
		pkey_free(pd->stack_pkey);
	pd->stack = NULL;
	pd->stack_len = 0;
	pd->stack_pkey = 0;
	if (pd->cgroup_dirfd >= 0) {
		if (pd->cgroup_name[0])
			unlinkat(pd->cgroup_dirfd, pd->cgroup_name,
				 AT_REMOVEDIR);
		close(pd->cgroup_dirfd);
	}
	if (pd->pidfd >= 0)
		close(pd->pidfd);
	pd->cgroup_dirfd = -1;
	pd->cgroup_name[0] = '\0';
	pd->pidfd = -1;
	pd->pid = 0;
}

/* Copy the caller's options, whatever their size, into @c->o. */
static int osm_spawn_opts_get(struct osm_spawn_ctx *c,
			      const struct osm_spawn_opts *opts)
{
	unsigned int r;

	if (!opts || !OPTS_VALID(opts, osm_spawn_opts))
		return -EINVAL;
	memset(&c->o, 0, sizeof(c->o));
	memcpy(&c->o, opts, opts->sz < sizeof(c->o) ? opts->sz : sizeof(c->o));
	c->o.sz = sizeof(c->o);
	/* OSM_SPAWN_STACK_PKEY is the library's: fn_flags asks for it. */
	if (c->o.flags & ~OSM_SPAWN_NO_NEW_PRIVS)
		return -EINVAL;
	for (r = 0; r < OSM_SPAWN_NR; r++)
		if (c->o.mode[r] > OSM_SPAWN_JOIN)
			return -EINVAL;
	/* A root directory and a descriptor list need fs / files new. */
	if ((c->o.mode[OSM_SPAWN_R_FS] == OSM_SPAWN_NEW) != !!c->o.root_dir ||
	    (c->o.mode[OSM_SPAWN_R_FILES] != OSM_SPAWN_NEW &&
	     (c->o.fds || c->o.fd_count)))
		return -EINVAL;
	/* Credentials and a filter are for cred and seccomp mode new. */
	if ((c->o.mode[OSM_SPAWN_R_CRED] != OSM_SPAWN_NEW &&
	     (c->o.uid || c->o.gid || c->o.caps_keep)) ||
	    (c->o.mode[OSM_SPAWN_R_SECCOMP] == OSM_SPAWN_NEW) != !!c->o.seccomp)
		return -EINVAL;
	if (c->fn) {
		if (c->o.argv || c->o.file || c->o.envp ||
		    (c->o.stack_size && c->o.stack_size < OSM_SPAWN_STACK_MIN) ||
		    (c->o.fn_flags & ~OSM_SPAWN_FN_PRIVATE_STACK))
			return -EINVAL;
		/* A private stack is private from a shared address space. */
		if ((c->o.fn_flags & OSM_SPAWN_FN_PRIVATE_STACK) &&
		    c->o.mode[OSM_SPAWN_R_MM] != OSM_SPAWN_SHARE)
			return -EINVAL;
		return 0;
	}
	if (!c->o.argv || !c->o.argv[0] || c->o.stack_size || c->o.fn_flags)
		return -EINVAL;
	/*
	 * A program replaces its address space at execve(2): it cannot
	 * go on sharing the caller's, nor the handlers that need it, and
	 * execve gives it a copy of a shared file table (unshare_files()
	 * in begin_new_exec()).  osm_spawn_fn() runs a function instead.
	 */
	if (c->o.mode[OSM_SPAWN_R_MM] == OSM_SPAWN_SHARE ||
	    c->o.mode[OSM_SPAWN_R_SIGHAND] == OSM_SPAWN_SHARE ||
	    c->o.mode[OSM_SPAWN_R_FILES] == OSM_SPAWN_SHARE)
		return -EOPNOTSUPP;
	return 0;
}

/**
 * osm_spawn_begin() - start a spawn: a context with nothing open yet,
 * and the PD emptied.
 * @c: the context (osm_spawn_ctx_free() it from here on).
 * @pd: the caller's PD; NULL is refused.
 *
 * Return: 0, or -EINVAL (and errno set).
 */
int osm_spawn_begin(struct osm_spawn_ctx *c, struct osm_spawned *pd)
{
	unsigned int i;

	*c = (struct osm_spawn_ctx){ .osmfd = -1, .cgfd = -1, .rootfd = -1,
				     .janitor_wfd = -1 };
	for (i = 0; i < OSM_SPAWN_NR_NS; i++)
		c->nsfd[i] = -1;
	if (!pd)
		return osm_err(-EINVAL);
	*pd = (struct osm_spawned){ .pidfd = -1, .cgroup_dirfd = -1 };
	return 0;
}

void osm_spawn_ctx_free(struct osm_spawn_ctx *c)
{
	unsigned int i;

	for (i = 0; i < OSM_SPAWN_NR_NS; i++)
		if (c->nsfd[i] >= 0)
			close(c->nsfd[i]);
	if (c->cgfd >= 0)
		close(c->cgfd);
	if (c->rootfd >= 0)
		close(c->rootfd);
	if (c->janitor_wfd >= 0)
		close(c->janitor_wfd);
	if (c->osmfd >= 0)
		close(c->osmfd);
	if (c->st)
		munmap(c->st, sizeof(*c->st));
}

/* clone3(2) the child; in the parent, the pid (or -errno) and *pidfd. */
long osm_spawn_clone(struct osm_spawn_ctx *c, int *pidfd)
{
	struct clone_args args = {
		.flags = c->req.clone_flags | CLONE_PIDFD |
			 (c->fn ? 0 : CLONE_VFORK),
		.pidfd = (unsigned long long)(uintptr_t)pidfd,
		.exit_signal = SIGCHLD,
		.stack = (unsigned long long)(uintptr_t)c->stack,
		.stack_size = c->stack_size,
		.cgroup = c->cgfd >= 0 ? (unsigned long long)c->cgfd : 0,
	};
	int pidns = OSM_SPAWN_R_PID_NS - OSM_SPAWN_R_NS0, back = -1;
	sigset_t all;
	long pid;

	/* A task never enters a pid namespace itself: its children do. */
	if (c->req.parent_setns_flags & CLONE_NEWPID) {
		back = open("/proc/thread-self/ns/pid_for_children",
			    O_RDONLY | O_CLOEXEC);
		if (back < 0)
			return -errno;
		if (setns(c->nsfd[pidns], CLONE_NEWPID)) {
			pid = -errno;
			close(back);
			return pid;
		}
	}
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &c->oldmask);
	if (c->fn) {
		pid = osm_spawn_clone3_fn(&args, c);	/* the child never returns */
	} else {
		pid = syscall(SYS_clone3, &args, sizeof(args));
		if (pid == 0)
			osm_child(c);
		if (pid < 0)
			pid = -errno;
	}
	pthread_sigmask(SIG_SETMASK, &c->oldmask, NULL);
	if (back >= 0) {
		/* Back to our own: always allowed (it is our active one). */
		if (setns(back, CLONE_NEWPID) && pid > 0) {
			int err = errno;

			syscall(SYS_pidfd_send_signal, *pidfd, SIGKILL, NULL, 0);
			waitid(P_PIDFD, *pidfd, &(siginfo_t){ 0 }, WEXITED);
			close(*pidfd);
			pid = -err;
		}
		close(back);
	}
	return pid;
}

/*
 * Everything before the clone, for osm_spawn() and osm_spawn_fn(): the
 * options, the descriptors of namespaces to join, a new cgroup, PREPARE
 * and the status page.  0 or -errno; @c is freed by osm_spawn_ctx_free().
 */
int osm_spawn_setup(struct osm_spawn_ctx *c,
		    const struct osm_spawn_opts *opts, struct osm_spawned *pd)
{
	unsigned int i, r;
	int err;

	err = osm_spawn_opts_get(c, opts);
	if (err)
		return err;

	c->req.size = sizeof(c->req);
	c->req.flags = c->o.flags | c->req_flags;
	memcpy(c->req.mode, c->o.mode, sizeof(c->req.mode));
	c->req.uid = c->o.uid;
	c->req.gid = c->o.gid;
	c->req.caps_keep = c->o.caps_keep;
	if (c->o.seccomp) {
		c->req.seccomp_prog = (uintptr_t)c->o.seccomp->filter;
		c->req.seccomp_len = c->o.seccomp->len;
	}
	c->euid = geteuid();
	c->egid = getegid();
	c->req.fds = (uintptr_t)c->o.fds;
	c->req.fd_count = c->o.fd_count;
	if (c->o.root_dir) {
		c->rootfd = open(c->o.root_dir,
				 O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (c->rootfd < 0)
			return -errno;
		c->req.root_fd = c->rootfd;
	}
	c->osmfd = open(OSM_DEVICE_PATH, O_RDONLY | O_CLOEXEC);
	if (c->osmfd < 0)
		return -errno;
	for (i = 0; i < OSM_SPAWN_NR_NS; i++) {
		r = OSM_SPAWN_R_NS0 + i;
		if (c->o.mode[r] != OSM_SPAWN_JOIN)
			continue;
		c->nsfd[i] = osm_pidfd_ns(c->o.ns_pidfd[i], i);
		if (c->nsfd[i] < 0)
			return c->nsfd[i];
		c->req.ns_fd[i] = c->nsfd[i];
	}
	err = osm_cg_cpu_check(c);
	if (err)
		return err;
	if (c->o.mode[OSM_SPAWN_R_CGROUP] == OSM_SPAWN_NEW) {
		err = osm_cg_create(c, pd);
		if (err)
			return err;
		c->req.cgroup_fd = c->cgfd;
		c->req.memory_max = c->o.memory_max;
		c->req.pids_max = c->o.pids_max;
	} else if (c->o.memory_max || c->o.pids_max || c->o.cgroup_parent) {
		return -EINVAL;	/* limits are for a new cgroup */
	}
	if (OSM_NO_INTR(ioctl(c->osmfd, OSM_IOC_SPAWN_PREPARE, &c->req)) < 0)
		return -errno;

	c->st = mmap(NULL, sizeof(*c->st), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (c->st == MAP_FAILED) {
		c->st = NULL;
		return -errno;
	}
	return 0;
}

int osm_spawn(const struct osm_spawn_opts *opts, struct osm_spawned *pd)
{
	struct osm_spawn_ctx c;
	int err, pidfd = -1;
	long pid;

	err = osm_spawn_begin(&c, pd);
	if (err)
		return err;
	err = osm_spawn_setup(&c, opts, pd);
	if (err)
		return osm_spawn_settle(&c, pd, err, -1, OSM_STAGE_EXEC);
	/* CLONE_VFORK: the child has exec'd or exited once this returns. */
	pid = osm_spawn_clone(&c, &pidfd);
	return osm_spawn_settle(&c, pd, pid, pidfd, OSM_STAGE_EXEC);
}

/**
 * osm_spawn_settle() - end a spawn: keep the PD if its child reached
 * @stage without error, else kill and reap the child.
 * @c: the spawn's context; freed here.
 * @pd: the PD; released on failure, with the child's mismatch mask.
 * @pid: the child's pid, or a negative errno from an earlier step.
 * @pidfd: the child's pidfd when @pid is a pid.
 * @stage: the stage the child reports once it runs as asked.
 *
 * Return: the pidfd, or a negative errno (and errno set).
 */
int osm_spawn_settle(struct osm_spawn_ctx *c, struct osm_spawned *pd,
		     long pid, int pidfd, int stage)
{
	unsigned long long mismatch = 0;
	int err = pid < 0 ? (int)pid : 0;

	if (!err && (c->st->stage != stage || c->st->err)) {
		err = c->st->err ? -c->st->err : -ECHILD;
		mismatch = c->st->mismatch;
		syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
		OSM_NO_INTR(waitid(P_PIDFD, pidfd, &(siginfo_t){ 0 }, WEXITED));
		close(pidfd);
	} else if (!err) {
		pd->pidfd = pidfd;
		pd->pid = pid;
	}
	osm_spawn_ctx_free(c);
	if (err) {
		osm_spawned_release(pd);
		pd->mismatch = mismatch;
		return osm_err(err);
	}
	return pd->pidfd;
}

int osm_spawn_wait(struct osm_spawned *pd, int *wstatus)
{
	siginfo_t si = { 0 };
	int status;

	if (!pd || pd->pidfd < 0)
		return osm_err(-EINVAL);
	if (OSM_NO_INTR(waitid(P_PIDFD, pd->pidfd, &si, WEXITED)) < 0)
		return osm_err(-errno);
	if (si.si_code == CLD_EXITED)
		status = (si.si_status & 0xff) << 8;
	else
		status = (si.si_status & 0x7f) |
			 (si.si_code == CLD_DUMPED ? 0x80 : 0);
	if (wstatus)
		*wstatus = status;
	osm_spawned_release(pd);
	return 0;
}
