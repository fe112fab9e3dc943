/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * What spawn.c (osm_spawn(), the steps both kinds share) and spawn_fn.c
 * (osm_spawn_fn(), a function on a new stack) share.  Nothing here is ABI.
 */
#ifndef __LIBOSM_SPAWN_INTERNAL_H
#define __LIBOSM_SPAWN_INTERNAL_H

#include <signal.h>
#include <stddef.h>
#include <linux/sched.h>

#include "osm.h"

/* What the child leaves in the shared page: its stage, and an error. */
enum osm_child_stage {
	OSM_STAGE_STARTED = 1,
	OSM_STAGE_SETNS,
	OSM_STAGE_CLOSE,
	OSM_STAGE_COMMIT,
	OSM_STAGE_EXEC,
	OSM_STAGE_RUN,		/* osm_spawn_fn(): committed, fn runs */
	OSM_STAGE_CRED,		/* uid/gid maps, ids, capabilities */
	OSM_STAGE_SECCOMP,	/* no_new_privs, the filter */
	OSM_STAGE_ROOT,		/* pivot_root or chroot */
};

struct osm_child_status {
	int stage;
	int err;
	unsigned long long mismatch;
};

/* The largest cpuset the library passes: 8192 CPUs, 1024 nodes. */
#define OSM_SPAWN_CPU_WORDS	128
#define OSM_SPAWN_NODE_WORDS	16

/* Everything a spawn works with, so failure paths free one thing. */
struct osm_spawn_ctx {
	struct osm_spawn_opts o;
	struct osm_spawn_req req;
	int osmfd;
	int nsfd[OSM_SPAWN_NR_NS];
	int cgfd;
	int rootfd;			/* fs new: the new root */
	int janitor_wfd;		/* open while the spawn runs */
	unsigned int euid, egid;	/* the caller's, for a new user ns */
	/* cpuset.cpus and cpuset.mems as bitmaps for the request. */
	unsigned long long cpus[OSM_SPAWN_CPU_WORDS];
	unsigned long long mems[OSM_SPAWN_NODE_WORDS];
	struct osm_child_status *st;
	sigset_t oldmask;
	/* Request flags the library adds (OSM_SPAWN_STACK_PKEY). */
	unsigned long long req_flags;
	/* osm_spawn_fn() only: the function and its stack. */
	int (*fn)(void *arg);
	void *arg;
	void *stack;
	size_t stack_size;
};

int osm_spawn_setup(struct osm_spawn_ctx *c,
		    const struct osm_spawn_opts *opts, struct osm_spawned *pd);
int osm_spawn_begin(struct osm_spawn_ctx *c, struct osm_spawned *pd);
void osm_spawn_ctx_free(struct osm_spawn_ctx *c);
void osm_spawned_release(struct osm_spawned *pd);
long osm_spawn_clone(struct osm_spawn_ctx *c, int *pidfd);
int osm_spawn_settle(struct osm_spawn_ctx *c, struct osm_spawned *pd,
		     long pid, int pidfd, int stage);
int osm_spawn_child_commit(struct osm_spawn_ctx *c);
void osm_spawn_child_idmap(struct osm_spawn_ctx *c);
void osm_spawn_child_cred(struct osm_spawn_ctx *c);
void osm_spawn_child_root(struct osm_spawn_ctx *c);
int osm_spawn_child_fds(struct osm_spawn_ctx *c);

/* Small cgroup files (spawn.c): 0 or -errno. */
int osm_cg_read(int dirfd, const char *name, char *buf, size_t len);
int osm_cg_write(int dirfd, const char *name, const char *val);
int osm_cg_enable(int dirfd, const char *ctl);
/* spawn_cgroup.c: cpu.max and the cpuset of a new cgroup. */
int osm_cg_cpu_check(struct osm_spawn_ctx *c);
int osm_cg_cpu_enable(struct osm_spawn_ctx *c, int parentfd);
int osm_cg_cpu_limits(struct osm_spawn_ctx *c);
/* spawn_janitor.c: remove a PD's cgroup once empty, caller alive or not. */
int osm_cg_janitor(const struct osm_spawned *pd, int *wfd);
__attribute__((noreturn)) void
osm_spawn_child_fail(struct osm_child_status *st, int stage, int err);

/* clone3(@args) running osm_spawn_fn()'s child; pid or -errno. */
long osm_spawn_clone3_fn(struct clone_args *args, struct osm_spawn_ctx *c);
/* clone3(@args), the child calling @entry(@arg) on its new stack. */
long osm_clone3_call(struct clone_args *args, void (*entry)(void *),
		     void *arg);
int osm_fn_stack(struct osm_spawn_ctx *c, struct osm_spawned *pd);
/* spawn_fast.c: 1 when the request needs PREPARE and COMMIT. */
int osm_spawn_fn_fast(struct osm_spawn_ctx *c,
		      const struct osm_spawn_opts *opts,
		      struct osm_spawned *pd);
/* spawn_cache.c: the device and stacks kept between PDs. */
int osm_spawn_dev(unsigned long long *features);
void *osm_stack_take(size_t len);
void osm_stack_give(void *base, size_t len);

#ifdef __x86_64__
/* A system call that leaves errno alone: the child shares it. */
static inline long osm_raw6(long nr, long a, long b, long c, long d, long e,
			    long f)
{
	register long r10 asm("r10") = d;
	register long r8 asm("r8") = e;
	register long r9 asm("r9") = f;
	long ret;

	asm volatile("syscall"
		     : "=a"(ret)
		     : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8),
		       "r"(r9)
		     : "rcx", "r11", "memory");
	return ret;
}
#endif

#endif
