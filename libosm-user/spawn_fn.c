// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * osm_spawn_fn(): a function in a new PD, on a stack the library maps
 * (uapi/spawn.md, "Functions").
 *
 *   parent                               child (on the new stack)
 *   PREPARE, cgroup (spawn.c)
 *   clone3(plan | CLONE_PIDFD, stack) ---> setns(), close, COMMIT
 *   waits on the status page (futex)  <--- stage RUN (or an error), wake
 *   returns the pidfd                      fn(arg), then exit(2)
 *
 * glibc has no clone3() wrapper that runs a function, so the clone is a
 * few lines of assembly: the child starts on its own stack and must not
 * return into C code that ran on the parent's.
 *
 * The child may share the caller's memory, and always shares its TLS:
 * until it reports, the caller waits with raw system calls that do not
 * write errno, and the child makes system calls only.
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
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
static __attribute__((noreturn, used)) void osm_fn_child(void *p)
{
	struct osm_spawn_ctx *c = p;
	struct osm_child_status *st = c->st;
	int (*fn)(void *arg) = c->fn;
	void *arg = c->arg;
	unsigned int i;
	int osmfd;

	osmfd = osm_spawn_child_commit(c);
	/*
	 * Our copy of the library's descriptors, not the caller's; a new
	 * table holds only the /dev/osmosis one by now.
	 */
	if (c->o.mode[OSM_SPAWN_R_FILES] == OSM_SPAWN_NEW) {
		osm_raw6(SYS_close, osmfd, 0, 0, 0, 0, 0);
	} else if (c->o.mode[OSM_SPAWN_R_FILES] != OSM_SPAWN_SHARE) {
		osm_raw6(SYS_close, c->osmfd, 0, 0, 0, 0, 0);
		if (c->cgfd >= 0)
			osm_raw6(SYS_close, c->cgfd, 0, 0, 0, 0, 0);
		if (c->rootfd >= 0)
			osm_raw6(SYS_close, c->rootfd, 0, 0, 0, 0, 0);
		if (c->janitor_wfd >= 0)
			osm_raw6(SYS_close, c->janitor_wfd, 0, 0, 0, 0, 0);
		for (i = 0; i < OSM_SPAWN_NR_NS; i++)
			if (c->nsfd[i] >= 0)
				osm_raw6(SYS_close, c->nsfd[i], 0, 0, 0, 0, 0);
	}
	/* After this the caller may free @c: use only fn and arg. */
	__atomic_store_n(&st->stage, OSM_STAGE_RUN, __ATOMIC_RELEASE);
	osm_raw6(SYS_futex, (long)&st->stage, FUTEX_WAKE, 1, 0, 0, 0);
	osm_raw6(SYS_exit, fn(arg) & 0xff, 0, 0, 0, 0, 0);
	__builtin_unreachable();
}

long osm_clone3_call(struct clone_args *args, void (*entry)(void *),
		     void *arg)
{
	register long r12 asm("r12") = (long)entry;
	register long r13 asm("r13") = (long)arg;
	long ret;

	/*
	 * The child has the parent's registers on a new stack: align it,
	 * clear the frame pointer, call entry(arg), which never returns
	 * (exit(2) if it did).
	 */
	asm volatile("syscall\n\t"
		     "test %%rax, %%rax\n\t"
		     "jnz 1f\n\t"
		     "xor %%ebp, %%ebp\n\t"
		     "and $-16, %%rsp\n\t"
		     "mov %%r13, %%rdi\n\t"
		     "call *%%r12\n\t"
		     "mov $127, %%edi\n\t"
		     "mov %[exit], %%eax\n\t"
		     "syscall\n\t"
		     "hlt\n"
		     "1:"
		     : "=a"(ret)
		     : "a"((long)SYS_clone3), "D"(args), "S"(sizeof(*args)),
		       "r"(r12), "r"(r13), [exit] "i"(SYS_exit)
		     : "rcx", "r11", "memory");
	return ret;
}

long osm_spawn_clone3_fn(struct clone_args *args, struct osm_spawn_ctx *c)
{
	return osm_clone3_call(args, osm_fn_child, c);
}

/*
 * A private stack (OSM_SPAWN_FN_PRIVATE_STACK): a new protection key on
 * it.  PKRU is per thread and a clone inherits it, so the child may use
 * the key and the caller denies it to itself after the clone (threads
 * start with every key but 0 denied, so other threads deny it too unless
 * they enabled it by hand).  The key is freed with the stack.
 */
static int osm_fn_pkey(struct osm_spawn_ctx *c, struct osm_spawned *pd)
{
	unsigned int a, b, cx, d;

	/* CPUID.7.0:ECX.OSPKE: the CPU has keys and the kernel enabled them. */
	if (!__get_cpuid_count(7, 0, &a, &b, &cx, &d) || !(cx & (1U << 4)))
		return -EOPNOTSUPP;
	pd->stack_pkey = pkey_alloc(0, 0);
	if (pd->stack_pkey < 0) {
		pd->stack_pkey = 0;
		return errno == EINVAL || errno == ENOSYS ? -EOPNOTSUPP : -errno;
	}
	if (pkey_mprotect(c->stack, c->stack_size, PROT_READ | PROT_WRITE,
			  pd->stack_pkey))
		return -errno;
	return 0;
}

/*
 * Wait, with raw system calls, until the child runs fn or fails.  A
 * child killed before it reports is seen through its pidfd.
 */
static void osm_fn_wait(struct osm_child_status *st, int pidfd)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	siginfo_t si;
	int stage;

	for (;;) {
		stage = __atomic_load_n(&st->stage, __ATOMIC_ACQUIRE);
		if (stage == OSM_STAGE_RUN || st->err)
			return;
		osm_raw6(SYS_futex, (long)&st->stage, FUTEX_WAIT, stage,
			 (long)&ts, 0, 0);
		si.si_pid = 0;
		if (!osm_raw6(SYS_waitid, P_PIDFD, pidfd, (long)&si,
			      WEXITED | WNOHANG | WNOWAIT, 0, 0) && si.si_pid &&
		    __atomic_load_n(&st->stage, __ATOMIC_ACQUIRE) !=
		    OSM_STAGE_RUN)
			return;
	}
}

/*
 * The stack, above a guard page: one a reaped PD left (spawn_cache.c) or
 * a new mapping; osm_spawned_release() keeps it for the next PD or
 * unmaps it.
 */
int osm_fn_stack(struct osm_spawn_ctx *c, struct osm_spawned *pd)
{
	const size_t page = sysconf(_SC_PAGESIZE);

	c->stack_size = c->o.stack_size ? c->o.stack_size :
			OSM_SPAWN_STACK_DEFAULT;
	c->stack_size = (c->stack_size + page - 1) / page * page;
	pd->stack_len = c->stack_size + page;
	pd->stack = osm_stack_take(pd->stack_len);
	if (!pd->stack) {
		pd->stack = mmap(NULL, pd->stack_len, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK |
				 MAP_NORESERVE, -1, 0);
		if (pd->stack == MAP_FAILED) {
			pd->stack = NULL;
			return -errno;
		}
		if (mprotect(pd->stack, page, PROT_NONE))
			return -errno;
	}
	c->stack = (char *)pd->stack + page;
	return 0;
}

int osm_spawn_fn(const struct osm_spawn_opts *opts, int (*fn)(void *arg),
		 void *arg, struct osm_spawned *pd)
{
	struct osm_spawn_ctx c;
	int err, pidfd = -1;
	long pid;

	err = osm_spawn_begin(&c, pd);
	if (err)
		return err;
	if (!fn)
		return osm_err(-EINVAL);
	c.fn = fn;
	c.arg = arg;
	/* A request clone3 expresses whole: one ioctl (spawn_fast.c). */
	err = osm_spawn_fn_fast(&c, opts, pd);
	if (err != 1)
		return err;
	/* A module of api 1.6 checks and records a private stack. */
	if (opts && OPTS_VALID(opts, osm_spawn_opts) &&
	    OPTS_HAS(opts, fn_flags) &&
	    (opts->fn_flags & OSM_SPAWN_FN_PRIVATE_STACK)) {
		unsigned long long features = 0;

		if (osm_spawn_dev(&features) >= 0 &&
		    (features & OSM_FEAT_SPAWN_CLONE))
			c.req_flags |= OSM_SPAWN_STACK_PKEY;
	}
	err = osm_spawn_setup(&c, opts, pd);
	if (err)
		goto out;

	err = osm_fn_stack(&c, pd);
	if (err)
		goto out;
	if (c.o.fn_flags & OSM_SPAWN_FN_PRIVATE_STACK) {
		err = osm_fn_pkey(&c, pd);
		if (err)
			goto out;
	}

	pid = osm_spawn_clone(&c, &pidfd);
	if (pid >= 0) {
		/* The child has its PKRU: from now on only it may use its stack. */
		if (pd->stack_pkey)
			pkey_set(pd->stack_pkey, PKEY_DISABLE_ACCESS);
		osm_fn_wait(c.st, pidfd);
	}
	return osm_spawn_settle(&c, pd, pid, pidfd, OSM_STAGE_RUN);
out:
	return osm_spawn_settle(&c, pd, err, -1, OSM_STAGE_RUN);
}
#else
long osm_spawn_clone3_fn(struct clone_args *args, struct osm_spawn_ctx *c)
{
	(void)args;
	(void)c;
	return -EOPNOTSUPP;
}

int osm_spawn_fn(const struct osm_spawn_opts *opts, int (*fn)(void *arg),
		 void *arg, struct osm_spawned *pd)
{
	(void)opts;
	(void)fn;
	(void)arg;
	if (pd)
		*pd = (struct osm_spawned){ .pidfd = -1, .cgroup_dirfd = -1 };
	return osm_err(-EOPNOTSUPP);	/* the clone is x86-64 assembly */
}
#endif
