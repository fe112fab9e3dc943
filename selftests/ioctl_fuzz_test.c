// SPDX-License-Identifier: GPL-2.0-only
/*
 * An ioctl fuzzer for /dev/osmosis: random and mutated command numbers,
 * struct sizes, contents, flags and pointers, seeded and reproducible.
 *
 * The oracle is the documentation (uapi/linux/osmosis.h, osmosis(4)):
 *  - a command whose type, number or direction is not one of the six
 *    OSM_IOC_* is ENOTTY, whatever its size bits (the module takes the
 *    size from the struct);
 *  - every call of a known command succeeds or fails with an errno its
 *    struct documents, and with exactly the documented one where the
 *    argument alone decides it: a pointer outside the address space is
 *    EFAULT, a size below the first version EINVAL, above a page E2BIG,
 *    a non-zero unknown tail E2BIG, flags, reserved and out fields not
 *    zero EINVAL; GET_API and SET_SCOPE are modelled in full, and
 *    CONTROL_CHECK where the ids decide (this process, init, none);
 *  - what succeeds is what is documented: GET_API writes no byte past
 *    the caller's size, a zeroed spawn request is a plain fork with its
 *    defaults spelt out, and a token prepared here cannot be committed
 *    by its own preparer (EPERM).
 * Part of the calls run as nobody.  The fuzzing runs in children, a new
 * one every few thousand calls, so their pending spawn requests become
 * stale when they exit: afterwards spawn_records is what it was, there
 * is no child and no new cgroup, the kernel log gained no report, and a
 * full read of the device parses.
 *
 * OSM_FUZZ_SEED=N reproduces a run (the seed is printed), OSM_FUZZ_CALLS=N
 * sets the number of calls (default 100000), OSM_FUZZ_LONG=1 makes it
 * 1000000.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "osm_test_util.h"

#define RECORDS_PARAM	"/sys/module/osmosis/parameters/spawn_records"
#define CGROOT		"/sys/fs/cgroup"
#define NOBODY		65534
#define CALLS_CI	100000UL
#define CALLS_LONG	1000000UL
/* Calls per fuzzing child: a fresh preparer before 64 pending requests. */
#define CALLS_PER_CHILD	1000UL
#define PID_MAX_LIMIT	4194304ULL
/* Pending spawn requests one user may have (osm_spawn_room()). */
#define SPAWN_PENDING_PER_USER	64
#define ARENA_PAGES	4	/* three read-write, then one PROT_NONE */

/* Command targets; T_NONE is any command the module does not know. */
enum {
	T_GET_API, T_SET_SCOPE, T_PREPARE, T_COMMIT, T_CONTROL, T_CLONE, T_NR,
	T_NONE = T_NR
};

static const unsigned int target_cmd[T_NR] = {
	OSM_IOC_GET_API, OSM_IOC_SET_SCOPE, OSM_IOC_SPAWN_PREPARE,
	OSM_IOC_SPAWN_COMMIT, OSM_IOC_CONTROL_CHECK, OSM_IOC_SPAWN_CLONE,
};
static const char *const target_name[T_NR + 1] = {
	"GET_API", "SET_SCOPE", "SPAWN_PREPARE", "SPAWN_COMMIT",
	"CONTROL_CHECK", "SPAWN_CLONE", "unknown",
};
static const size_t target_ksize[T_NR] = {
	sizeof(struct osm_api), sizeof(struct osm_scope),
	sizeof(struct osm_spawn_req), sizeof(struct osm_spawn_commit),
	sizeof(struct osm_control_check), sizeof(struct osm_spawn_clone),
};
static const size_t target_ver0[T_NR] = {
	OSM_API_SIZE_VER0, OSM_SCOPE_SIZE_VER0, OSM_SPAWN_REQ_SIZE_VER0,
	OSM_SPAWN_COMMIT_SIZE_VER0, OSM_CONTROL_CHECK_SIZE_VER0,
	OSM_SPAWN_CLONE_SIZE_VER0,
};

/*
 * The errors each command documents (osmosis.h, osmosis(4)).  Success of
 * SPAWN_COMMIT and its EXDEV need a child of the preparer: never here.
 */
static const int errs_none[] = { ENOTTY, 0 };
static const int errs_api[] = { 0, EFAULT, EINVAL, E2BIG, -1 };
static const int errs_scope[] = { 0, EFAULT, EINVAL, E2BIG, EPERM, EBUSY,
				  ESRCH, EINTR, -1 };
static const int errs_prepare[] = { 0, EFAULT, EINVAL, E2BIG, EPERM, EBADF,
				    EBUSY, EACCES, ENOTDIR, ENOMEM, EAGAIN,
				    EOPNOTSUPP, -1 };
static const int errs_commit[] = { EFAULT, EINVAL, E2BIG, ENOENT, EPERM,
				   -1 };
static const int errs_control[] = { 0, EFAULT, EINVAL, E2BIG, ESRCH, EINTR,
				    -1 };
/* SPAWN_CLONE succeeds only for a child of the caller: none here. */
static const int errs_clone[] = { EFAULT, EINVAL, E2BIG, ESRCH, EEXIST,
				  EXDEV, EAGAIN, ENOMEM, -1 };
static const int *const target_errs[T_NR + 1] = {
	errs_api, errs_scope, errs_prepare, errs_commit, errs_control,
	errs_clone, errs_none,
};

/* Where the argument points. */
enum {
	A_OK, A_MISALIGNED, A_READONLY, A_STRADDLE, A_NULL, A_UNMAPPED,
	A_KERNEL, A_NR,
};
static const char *const arg_name[A_NR] = {
	"ok", "misaligned", "read-only", "straddling", "NULL", "unmapped",
	"kernel",
};

/* Addresses no user pointer may reach. */
static const unsigned long kernel_ptrs[] = {
	0xffff888000000000UL, 0xffffffff81000000UL, 0xffffffffff600000UL,
	~0UL, 0x0000800000000000UL, 0x8000000000000000UL, 0xfffffffffffff000UL,
};

#define NERR	136	/* errno values counted, per target */

/* Shared by the fuzzing children and the test. */
struct fuzz_shared {
	unsigned long calls;
	unsigned long ok[T_NR + 1];
	unsigned long err[T_NR + 1][NERR];
	unsigned long prepared, committed_eperm, nobody_calls;
	int failed;
	char msg[1024];
};

struct rng {
	unsigned long long s;
};

static unsigned long long rnd(struct rng *r)
{
	unsigned long long z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned int below(struct rng *r, unsigned int n)
{
	return rnd(r) % n;
}

static bool chance(struct rng *r, unsigned int percent)
{
	return below(r, 100) < percent;
}

/* Everything one fuzzing child uses. */
struct fuzzer {
	struct rng rng;
	struct fuzz_shared *sh;
	bool nobody;
	long page;
	unsigned char *arena;		/* ARENA_PAGES, the last PROT_NONE */
	unsigned char *ro;		/* two pages, read-only when used */
	unsigned long unmapped;
	int fd;				/* /dev/osmosis */
	bool scoped;			/* a SET_SCOPE succeeded, or a read */
	unsigned long fd_calls;
	unsigned long long tokens[8];	/* prepared by this child */
	unsigned int ntokens;
	unsigned int pending;		/* requests this child prepared */
	int fds[16];			/* descriptors a request may name */
	unsigned int nfds;
	int ns_fds[OSM_SPAWN_NR_NS];
	int cg_empty, cg_busy, dir_fd, file_fd;
	struct sock_filter prog[2];	/* a valid filter: allow all */
	unsigned long long cpus, mems;
	struct osm_spawn_fd fdmap[4];
	pid_t pid_max;
};

/* The one call being made, for the model and the failure message. */
struct call {
	unsigned long n;
	unsigned int cmd;
	int target;
	int arg;
	unsigned int size;		/* the struct's leading size field */
	size_t readable;		/* straddling: bytes before PROT_NONE */
	bool tail_nonzero;
	unsigned char raw[2 * 4096 + 64];
	size_t rawlen;
	size_t sentinel;		/* offset of 64 bytes of 0xa5 */
};

static void fail(struct fuzzer *f, const struct call *c, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fail(struct fuzzer *f, const struct call *c, const char *fmt, ...)
{
	struct fuzz_shared *sh = f->sh;
	va_list ap;
	int n;

	if (sh->failed++)
		return;
	n = snprintf(sh->msg, sizeof(sh->msg),
		     "call %lu%s: cmd 0x%08x (%s), arg %s, size %u: ", c->n,
		     f->nobody ? " as nobody" : "", c->cmd,
		     target_name[c->target], arg_name[c->arg], c->size);
	va_start(ap, fmt);
	vsnprintf(sh->msg + n, sizeof(sh->msg) - n, fmt, ap);
	va_end(ap);
}

/* ---- commands ----------------------------------------------------- */

/* Types whose commands the VFS itself handles (do_vfs_ioctl()). */
static bool vfs_type(unsigned int type)
{
	return type == 0x00 || type == 0x15 || type == 'T' || type == 'X' ||
	       type == 'f' || type == 0x94;
}

/* The target of @cmd as osmosis.h documents the dispatch. */
static int cmd_target(unsigned int cmd)
{
	unsigned int nosize = cmd & ~(_IOC_SIZEMASK << _IOC_SIZESHIFT);
	int t;

	for (t = 0; t < T_NR; t++)
		if (nosize == (target_cmd[t] &
			       ~(_IOC_SIZEMASK << _IOC_SIZESHIFT)))
			return t;
	return T_NONE;
}

/* A command: mostly the four, then mutated ones, then random ones. */
static unsigned int pick_cmd(struct rng *r)
{
	unsigned int cmd, dir, type, nr, size;

	for (;;) {
		if (chance(r, 80))
			return target_cmd[below(r, 100) < 20 ? T_GET_API :
					  below(r, 100) < 30 ? T_SET_SCOPE :
					  below(r, 100) < 70 ? T_PREPARE :
					  below(r, 100) < 50 ? T_COMMIT :
					  below(r, 100) < 70 ? T_CONTROL :
					  T_CLONE];
		if (chance(r, 25)) {
			cmd = rnd(r);
		} else {
			cmd = target_cmd[below(r, T_NR)];
			dir = _IOC_DIR(cmd);
			type = _IOC_TYPE(cmd);
			nr = _IOC_NR(cmd);
			size = _IOC_SIZE(cmd);
			switch (below(r, 5)) {
			case 0:
				dir = below(r, 4);
				break;
			case 1:
				size = chance(r, 50) ? 0 : below(r, 1 << 14);
				break;
			case 2:
				type = chance(r, 50) ? type ^ (1 << below(r, 8)) :
				       below(r, 256);
				break;
			case 3:
				nr = chance(r, 50) ? nr + 1 + below(r, 2) :
				     below(r, 256);
				break;
			default:
				dir = below(r, 4);
				nr = below(r, 8);
				size = below(r, 1 << 14);
				break;
			}
			cmd = _IOC(dir, type & 0xff, nr & 0xff, size);
		}
		if (_IOC_TYPE(cmd) == OSM_IOC_MAGIC || !vfs_type(_IOC_TYPE(cmd)))
			return cmd;
	}
}

/* ---- pointers a struct field may hold ------------------------------ */

static unsigned long long bad_ptr(struct fuzzer *f)
{
	switch (below(&f->rng, 4)) {
	case 0:
		return 0;
	case 1:
		return f->unmapped + below(&f->rng, f->page);
	case 2:
		return kernel_ptrs[below(&f->rng, sizeof(kernel_ptrs) /
					  sizeof(*kernel_ptrs))];
	default:	/* the last bytes before the PROT_NONE page */
		return (unsigned long)(f->arena + (ARENA_PAGES - 1) * f->page -
				       1 - below(&f->rng, 8));
	}
}

static int pool_fd(struct fuzzer *f)
{
	switch (below(&f->rng, 8)) {
	case 0:
		return -1 - (int)below(&f->rng, 3);
	case 1:
		return 1000 + below(&f->rng, 9000);
	case 2:
		return rnd(&f->rng);
	default:
		return f->fds[below(&f->rng, f->nfds)];
	}
}

static unsigned long long pick_u64(struct rng *r)
{
	switch (below(r, 6)) {
	case 0:
		return 0;
	case 1:
		return below(r, 16);
	case 2:
		return 1ULL << below(r, 64);
	case 3:
		return ~0ULL;
	default:
		return rnd(r);
	}
}

/* ---- struct contents ------------------------------------------------ */

static void fill_api(struct fuzzer *f, struct osm_api *a)
{
	if (chance(&f->rng, 15))
		a->flags = pick_u64(&f->rng);
	if (chance(&f->rng, 15))
		a->api_major = rnd(&f->rng);	/* out fields: overwritten */
	if (chance(&f->rng, 10))
		a->ioctls = rnd(&f->rng);
}

static void fill_scope(struct fuzzer *f, struct osm_scope *s)
{
	struct rng *r = &f->rng;

	s->flags = chance(r, 60) ? below(r, 8) :
		   chance(r, 50) ? 0 : pick_u64(r);
	if ((s->flags & OSM_SCOPE_PID) || chance(r, 10)) {
		switch (below(r, 7)) {
		case 0:
			s->pid = getpid();
			break;
		case 1:
			s->pid = 1;
			break;
		case 2:	/* above pid_max, within PID_MAX_LIMIT: nobody */
			s->pid = f->pid_max + 1 +
				 below(r, PID_MAX_LIMIT - f->pid_max);
			break;
		case 3:
			s->pid = PID_MAX_LIMIT + 1 + below(r, 1000);
			break;
		case 4:
			s->pid = 0;
			break;
		default:
			s->pid = pick_u64(r);
			break;
		}
	}
	if ((s->flags & OSM_SCOPE_TYPES) || chance(r, 10))
		s->types = chance(r, 70) ? rnd(r) & OSM_RES_ALL : pick_u64(r);
}

static void fill_prepare(struct fuzzer *f, struct osm_spawn_req *q)
{
	struct rng *r = &f->rng;
	unsigned int i, m;

	if (chance(r, 25))	/* the plain process, maybe nnp */
		return (void)(q->flags = chance(r, 20) ?
				OSM_SPAWN_NO_NEW_PRIVS : 0);
	q->flags = chance(r, 80) ? 0 : chance(r, 50) ?
		   OSM_SPAWN_NO_NEW_PRIVS : pick_u64(r);
	/* A few resources not by default, so that more requests get far. */
	for (i = 0; i < OSM_SPAWN_NR; i++)
		q->mode[i] = chance(r, 85) ? 0 : chance(r, 95) ?
			     1 + below(r, 4) : rnd(r);
	for (i = 0; i < OSM_SPAWN_NR_NS; i++) {
		m = q->mode[OSM_SPAWN_R_NS0 + i];
		if (m == OSM_SPAWN_JOIN)
			q->ns_fd[i] = chance(r, 60) ?
				      f->ns_fds[chance(r, 80) ? i :
						below(r, OSM_SPAWN_NR_NS)] :
				      pool_fd(f);
		else if (chance(r, 3))
			q->ns_fd[i] = pool_fd(f);
	}
	if (q->mode[OSM_SPAWN_R_CGROUP] == OSM_SPAWN_NEW || chance(r, 3)) {
		q->cgroup_fd = chance(r, 50) ? f->cg_empty :
			       chance(r, 50) ? f->cg_busy : pool_fd(f);
		q->memory_max = chance(r, 50) ? 0 : pick_u64(r);
		q->pids_max = chance(r, 50) ? 0 : chance(r, 50) ?
			      below(r, 5000000) : pick_u64(r);
		if (chance(r, 40)) {
			q->cpu_max_quota = chance(r, 50) ? 50000 : pick_u64(r);
			q->cpu_max_period = chance(r, 50) ? 100000 :
					    pick_u64(r);
		}
		if (chance(r, 40)) {
			q->cpus = chance(r, 70) ?
				  (unsigned long)&f->cpus : bad_ptr(f);
			q->cpus_size = chance(r, 70) ? 8 : pick_u64(r);
		}
		if (chance(r, 30)) {
			q->mems = chance(r, 70) ?
				  (unsigned long)&f->mems : bad_ptr(f);
			q->mems_size = chance(r, 70) ? 8 : below(r, 5000);
		}
	}
	if (q->mode[OSM_SPAWN_R_CRED] == OSM_SPAWN_NEW || chance(r, 3)) {
		q->uid = chance(r, 40) ? 0 : chance(r, 50) ? NOBODY : rnd(r);
		q->gid = chance(r, 40) ? 0 : chance(r, 50) ? NOBODY : rnd(r);
		q->caps_keep = chance(r, 50) ? 0 : pick_u64(r);
	}
	if (q->mode[OSM_SPAWN_R_SECCOMP] == OSM_SPAWN_NEW || chance(r, 3)) {
		switch (below(r, 4)) {
		case 0:
		case 1:	/* the allow-all filter */
			q->seccomp_prog = (unsigned long)f->prog;
			q->seccomp_len = chance(r, 80) ? 1 : 2;
			break;
		case 2:	/* garbage instructions */
			q->seccomp_prog = (unsigned long)f->arena;
			q->seccomp_len = 1 + below(r, 300);
			break;
		default:
			q->seccomp_prog = bad_ptr(f);
			q->seccomp_len = chance(r, 50) ? 1 + below(r, 5000) :
					 pick_u64(r);
			break;
		}
	}
	if (q->mode[OSM_SPAWN_R_FS] == OSM_SPAWN_NEW || chance(r, 3))
		q->root_fd = chance(r, 60) ? f->dir_fd : pool_fd(f);
	if (q->mode[OSM_SPAWN_R_FILES] == OSM_SPAWN_NEW && chance(r, 50)) {
		q->fd_count = chance(r, 70) ? 1 + below(r, 4) :
			      chance(r, 50) ? 1024 + below(r, 2) : rnd(r);
		q->fds = chance(r, 70) && q->fd_count <= 4 ?
			 (unsigned long)f->fdmap : bad_ptr(f);
		for (i = 0; i < 4; i++) {
			f->fdmap[i].from = chance(r, 70) ? (int)i : pool_fd(f);
			f->fdmap[i].to = chance(r, 70) ? (int)i + 3 * chance(r, 30) :
					 (int)rnd(r);
		}
	}
	/* Reserved and out fields, now and then. */
	if (chance(r, 4))
		q->__reserved0 = 1 + below(r, 100);
	if (chance(r, 4))
		q->__reserved[below(r, 4)] = pick_u64(r) | 1;
	if (chance(r, 4))
		q->__reserved1 = 1 + below(r, 100);
	if (chance(r, 4))
		q->token = rnd(r) | 1;
	if (chance(r, 3))
		q->clone_flags = pick_u64(r) | 1;
	if (chance(r, 3))
		q->actions = pick_u64(r) | 1;
}

static void fill_commit(struct fuzzer *f, struct osm_spawn_commit *c)
{
	struct rng *r = &f->rng;

	if (chance(r, 10))
		c->flags = pick_u64(r);
	if (chance(r, 10))
		c->mismatch = pick_u64(r);
	c->token = f->ntokens && chance(r, 40) ?
		   f->tokens[below(r, f->ntokens)] :
		   chance(r, 10) ? 0 : rnd(r);
}

/* A thread id: this one, init, a random one, or invalid. */
static unsigned long long pick_tid(struct fuzzer *f)
{
	struct rng *r = &f->rng;

	switch (below(r, 8)) {
	case 0:
		return 1;
	case 1:
		return 0;
	case 2:
		return f->pid_max + 1 + below(r, PID_MAX_LIMIT - f->pid_max);
	case 3:
		return chance(r, 50) ? PID_MAX_LIMIT + 1 + below(r, 16) :
		       pick_u64(r);
	case 4:
		return 1 + below(r, f->pid_max);
	default:
		return getpid();
	}
}

static void fill_control(struct fuzzer *f, struct osm_control_check *cc)
{
	struct rng *r = &f->rng;

	cc->subject = pick_tid(f);
	cc->target = pick_tid(f);
	if (chance(r, 4))
		cc->flags = 1 + below(r, 100);
	if (chance(r, 3))
		cc->rules = pick_u64(r) | 1;
	if (chance(r, 3))
		cc->steps = pick_u64(r) | 1;
	if (chance(r, 3))
		cc->ptrace_scope = 1 + below(r, 4);
	if (chance(r, 3))
		cc->__reserved0 = 1 + below(r, 100);
	if (chance(r, 3))
		cc->__reserved[below(r, 2)] = pick_u64(r) | 1;
}

/* Random bytes over the struct, the size field included now and then. */
static void mutate_bytes(struct fuzzer *f, struct call *c, size_t ksize)
{
	unsigned int i, n = 1 + below(&f->rng, 3);
	size_t at;

	for (i = 0; i < n; i++) {
		at = chance(&f->rng, 10) ? below(&f->rng, 4) :
		     4 + below(&f->rng, ksize - 4);
		c->raw[at] = rnd(&f->rng);
	}
}

/* The leading size: valid versions, edges, and garbage. */
static unsigned int pick_size(struct fuzzer *f, int t)
{
	static const unsigned int prep[] = {
		OSM_SPAWN_REQ_SIZE_VER0, OSM_SPAWN_REQ_SIZE_VER1,
		OSM_SPAWN_REQ_SIZE_VER2, OSM_SPAWN_REQ_SIZE_VER3,
	};
	struct rng *r = &f->rng;
	unsigned int ks = target_ksize[t];

	if (chance(r, 70))
		return t == T_PREPARE && chance(r, 30) ? prep[below(r, 4)] : ks;
	switch (below(r, 10)) {
	case 0:
		return 0;
	case 1:
		return 1 + below(r, 3);
	case 2:
		return target_ver0[t] - 1 - below(r, 4);
	case 3:
		return ks + 8 * (1 + below(r, 4));
	case 4:
		return f->page;
	case 5:
		return f->page + 1 + below(r, 64);
	case 6:
		return ~0U - below(r, 2);
	case 7:
		return 1U << (12 + below(r, 20));
	default:
		return below(r, 512);
	}
}

/* ---- the model -------------------------------------------------------- */

static bool all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n--)
		if (*b++)
			return false;
	return true;
}

/* Is a byte of the tail, before @end, not zero? */
static bool tail_bytes_nonzero(const struct call *c, size_t ksize,
			       size_t end)
{
	size_t i;

	for (i = ksize; i < c->size && i < end && i < c->rawlen; i++)
		if (c->raw[i])
			return true;
	return false;
}

/*
 * The errno the documentation pins down for this call, 0 for success,
 * or -1 where several documented outcomes are possible.
 */
static int expected(struct fuzzer *f, const struct call *c)
{
	size_t ks, v0;

	if (c->target == T_NONE)
		return ENOTTY;
	if (c->arg == A_NULL || c->arg == A_UNMAPPED || c->arg == A_KERNEL)
		return EFAULT;
	if (c->arg == A_STRADDLE && c->readable < 4)
		return EFAULT;
	ks = target_ksize[c->target];
	v0 = target_ver0[c->target];
	if (c->size < v0)
		return EINVAL;
	if (c->size > f->page)
		return E2BIG;
	/* A non-zero tail byte met before the fault is E2BIG. */
	if (c->size > ks && tail_bytes_nonzero(c, ks, c->arg == A_STRADDLE ?
					       c->readable : c->size))
		return E2BIG;
	if (c->arg == A_STRADDLE && c->size > c->readable)
		return EFAULT;

	switch (c->target) {
	case T_GET_API: {
		const struct osm_api *a = (const void *)c->raw;

		if (a->flags)
			return EINVAL;
		return c->arg == A_READONLY ? EFAULT : 0;
	}
	case T_SET_SCOPE: {
		struct osm_scope s = {};

		memcpy(&s, c->raw, c->size < ks ? c->size : ks);
		if (s.flags & ~(unsigned long long)OSM_SCOPE_ALL)
			return EINVAL;
		if (!(s.flags & OSM_SCOPE_PID) && s.pid)
			return EINVAL;
		if ((s.flags & OSM_SCOPE_PID) &&
		    (!s.pid || s.pid > PID_MAX_LIMIT))
			return EINVAL;
		if (!(s.flags & OSM_SCOPE_TYPES) && s.types)
			return EINVAL;
		if (s.types & ~(unsigned long long)OSM_RES_ALL)
			return EINVAL;
		if ((s.flags & OSM_SCOPE_PHYS) && f->nobody)
			return EPERM;
		if (f->scoped)
			return EBUSY;
		if (!(s.flags & OSM_SCOPE_PID) || s.pid == (unsigned int)getpid())
			return 0;
		if (s.pid > (unsigned long long)f->pid_max)
			return ESRCH;
		if (s.pid == 1)
			return f->nobody ? ESRCH : 0;
		return -1;	/* 0 or ESRCH, as that pid goes */
	}
	case T_PREPARE: {
		struct osm_spawn_req q = {};
		unsigned long long flags;
		unsigned int i;

		memcpy(&q, c->raw, c->size < ks ? c->size : ks);
		if (q.flags & ~(unsigned long long)OSM_SPAWN_FLAGS_ALL)
			return EINVAL;
		if (q.__reserved0 || q.__reserved[0] || q.__reserved[1] ||
		    q.__reserved[2] || q.__reserved[3])
			return EINVAL;
		if (q.clone_flags || q.setns_flags || q.parent_setns_flags ||
		    q.actions || q.token)
			return EINVAL;
		for (i = 0; i < OSM_SPAWN_NR; i++)
			if (q.mode[i] > OSM_SPAWN_JOIN)
				return EINVAL;
		/*
		 * A zeroed request, nnp or not, is a plain fork; a private
		 * stack (1.6) needs a shared address space.
		 */
		flags = q.flags;
		q.flags = 0;
		q.size = 0;
		if (!all_zero(&q, sizeof(q)))
			return -1;
		if (flags & OSM_SPAWN_STACK_PKEY)
			return EINVAL;
		/* At most 64 requests of one user pending (spawn.c). */
		if (f->pending >= SPAWN_PENDING_PER_USER)
			return EAGAIN;
		return c->arg == A_READONLY ? EFAULT : 0;
	}
	case T_COMMIT: {
		struct osm_spawn_commit m = {};
		unsigned int i;

		memcpy(&m, c->raw, ks);
		if (m.flags || m.mismatch)
			return EINVAL;
		for (i = 0; i < f->ntokens; i++)
			if (m.token == f->tokens[i])
				return EPERM;	/* not a child of the preparer */
		return ENOENT;
	}
	case T_CONTROL: {
		struct osm_control_check cc = {};
		unsigned long long me = getpid();

		memcpy(&cc, c->raw, c->size < ks ? c->size : ks);
		if (cc.flags || cc.rules || cc.steps || cc.ptrace_scope ||
		    cc.__reserved0 || cc.__reserved[0] || cc.__reserved[1])
			return EINVAL;
		if (!cc.subject || cc.subject > PID_MAX_LIMIT ||
		    !cc.target || cc.target > PID_MAX_LIMIT)
			return EINVAL;
		if (cc.subject > (unsigned long long)f->pid_max ||
		    cc.target > (unsigned long long)f->pid_max)
			return ESRCH;
		/* Itself and, for root, init: both exist and are visible. */
		if ((cc.subject == me || (cc.subject == 1 && !f->nobody)) &&
		    (cc.target == me || (cc.target == 1 && !f->nobody)))
			return c->arg == A_READONLY ? EFAULT : 0;
		/* Init is not nobody's to inspect (the view of /proc). */
		if (f->nobody && (cc.subject == 1 || cc.target == 1))
			return ESRCH;
		return -1;	/* 0 or ESRCH, as those ids go */
	}
	case T_CLONE: {
		struct osm_spawn_clone sc = {};

		memcpy(&sc, c->raw, ks);
		if (sc.flags || sc.__reserved0 || sc.mismatch || sc.pid <= 0)
			return EINVAL;
		return -1;	/* EINVAL for a mode, ESRCH: no child here */
	}
	}
	return -1;
}

/* ---- checking what succeeded ---------------------------------------- */

/* The modes each resource has, and its default (osmosis.h). */
static const unsigned char modes_of[OSM_SPAWN_NR] = {
	[OSM_SPAWN_R_MM] = 1 << OSM_SPAWN_SHARE | 1 << OSM_SPAWN_COPY,
	[OSM_SPAWN_R_FILES] = 1 << OSM_SPAWN_SHARE | 1 << OSM_SPAWN_COPY |
			      1 << OSM_SPAWN_NEW,
	[OSM_SPAWN_R_FS] = 1 << OSM_SPAWN_SHARE | 1 << OSM_SPAWN_COPY |
			   1 << OSM_SPAWN_NEW,
	[OSM_SPAWN_R_SIGHAND] = 1 << OSM_SPAWN_SHARE | 1 << OSM_SPAWN_COPY,
	[OSM_SPAWN_R_SYSVSEM] = 1 << OSM_SPAWN_SHARE | 1 << OSM_SPAWN_NEW,
	[OSM_SPAWN_R_CGROUP] = 1 << OSM_SPAWN_SHARE | 1 << OSM_SPAWN_NEW,
	[OSM_SPAWN_R_CRED] = 1 << OSM_SPAWN_SHARE | 1 << OSM_SPAWN_NEW,
	[OSM_SPAWN_R_SECCOMP] = 1 << OSM_SPAWN_SHARE | 1 << OSM_SPAWN_NEW,
	[OSM_SPAWN_R_MNT_NS ... OSM_SPAWN_R_TIME_NS] =
		1 << OSM_SPAWN_SHARE | 1 << OSM_SPAWN_NEW | 1 << OSM_SPAWN_JOIN,
};
static const unsigned char default_of[OSM_SPAWN_NR] = {
	[OSM_SPAWN_R_MM] = OSM_SPAWN_COPY,
	[OSM_SPAWN_R_FILES] = OSM_SPAWN_COPY,
	[OSM_SPAWN_R_FS] = OSM_SPAWN_COPY,
	[OSM_SPAWN_R_SIGHAND] = OSM_SPAWN_COPY,
	[OSM_SPAWN_R_SYSVSEM] = OSM_SPAWN_NEW,
	[OSM_SPAWN_R_CGROUP ... OSM_SPAWN_R_TIME_NS] = OSM_SPAWN_SHARE,
};
static const unsigned long long share_flag[OSM_SPAWN_R_CGROUP] = {
	CLONE_VM, CLONE_FILES, CLONE_FS, CLONE_SIGHAND, CLONE_SYSVSEM,
};
static const unsigned long long ns_flag[OSM_SPAWN_NR_NS] = {
	CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWPID, CLONE_NEWNET,
	CLONE_NEWUSER, CLONE_NEWCGROUP, CLONE_NEWTIME,
};

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

/* A plan PREPARE returned: the defaults spelt out, flags that match. */
static void check_plan(struct fuzzer *f, const struct call *c,
		       const struct osm_spawn_req *in,
		       const struct osm_spawn_req *out)
{
	unsigned long long want = 0;
	unsigned int i, m;

	if (!out->token)
		return fail(f, c, "prepared with token 0");
	for (i = 0; i < OSM_SPAWN_NR; i++) {
		m = out->mode[i];
		if (m > OSM_SPAWN_JOIN || !(modes_of[i] & (1 << m)))
			return fail(f, c, "mode[%u] %u after prepare", i, m);
		if (!in->mode[i] && m != default_of[i])
			return fail(f, c, "default mode[%u] became %u, want %u",
				    i, m, default_of[i]);
		if (in->mode[i] && m != in->mode[i])
			return fail(f, c, "mode[%u] %u became %u", i,
				    in->mode[i], m);
	}
	for (i = 0; i < OSM_SPAWN_R_CGROUP; i++)
		if (out->mode[i] == OSM_SPAWN_SHARE)
			want |= share_flag[i];
	for (i = 0; i < OSM_SPAWN_NR_NS; i++)
		if (out->mode[OSM_SPAWN_R_NS0 + i] == OSM_SPAWN_NEW)
			want |= ns_flag[i];
	if (out->mode[OSM_SPAWN_R_CGROUP] == OSM_SPAWN_NEW)
		want |= CLONE_INTO_CGROUP;
	if (out->clone_flags != want)
		fail(f, c, "clone_flags 0x%llx for modes asking 0x%llx",
		     (unsigned long long)out->clone_flags, want);
}

/* ---- one call --------------------------------------------------------- */

static void *place(struct fuzzer *f, struct call *c)
{
	size_t len = c->rawlen;
	unsigned char *p;

	switch (c->arg) {
	case A_NULL:
		return NULL;
	case A_UNMAPPED:
		return (void *)(f->unmapped + below(&f->rng, f->page));
	case A_KERNEL:
		return (void *)kernel_ptrs[below(&f->rng,
					  sizeof(kernel_ptrs) /
					  sizeof(*kernel_ptrs))];
	case A_STRADDLE:
		c->readable = below(&f->rng, len + 8);
		p = f->arena + (ARENA_PAGES - 1) * f->page - c->readable;
		memcpy(p, c->raw, c->readable < len ? c->readable : len);
		/* After the readable part: the PROT_NONE page. */
		return p;
	case A_READONLY:
		mprotect(f->ro, 2 * f->page, PROT_READ | PROT_WRITE);
		memcpy(f->ro, c->raw, len);
		mprotect(f->ro, 2 * f->page, PROT_READ);
		return f->ro;
	case A_MISALIGNED:
		p = f->arena + 1 + below(&f->rng, 7);
		memcpy(p, c->raw, len);
		return p;
	default:
		memcpy(f->arena, c->raw, len);
		return f->arena;
	}
}

static void count(struct fuzzer *f, int target, int err)
{
	if (!err)
		f->sh->ok[target]++;
	else
		f->sh->err[target][err < NERR ? err : NERR - 1]++;
}

static bool allowed(int target, int err)
{
	const int *e;

	for (e = target_errs[target]; *e >= 0; e++)
		if (*e == err)
			return true;
	return false;
}

static void reopen(struct fuzzer *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = open(osm_test_device(), O_RDONLY | O_CLOEXEC);
	f->scoped = false;
	f->fd_calls = 0;
}

/*
 * What a CONTROL_CHECK that succeeded wrote: known rule bits, a Yama
 * scope or none, the ids as given, reserved fields zero; and with this
 * process as the subject, the signal rule is what kill(2) says.
 */
static void check_control(struct fuzzer *f, const struct call *c,
			  const struct osm_control_check *out)
{
	const struct osm_control_check *in = (const void *)c->raw;
	bool sig;

	if (out->rules & ~(unsigned long long)OSM_CTL_ALL)
		return fail(f, c, "rules 0x%llx", (unsigned long long)out->rules);
	if (out->ptrace_scope > 3 && out->ptrace_scope != OSM_CTL_NO_YAMA)
		return fail(f, c, "ptrace_scope %u", out->ptrace_scope);
	if (out->subject != in->subject || out->target != in->target ||
	    out->flags || out->__reserved0 || out->__reserved[0] ||
	    out->__reserved[1])
		return fail(f, c, "ids or reserved fields changed");
	if (out->subject != (unsigned long long)getpid())
		return;
	if (kill(out->target, 0) && errno == ESRCH)
		return;		/* gone since */
	sig = !kill(out->target, 0);
	if (sig != !!(out->rules & OSM_CTL_SIGNAL))
		return fail(f, c, "signal rule %d, kill(%llu, 0) %s",
			    !!(out->rules & OSM_CTL_SIGNAL),
			    (unsigned long long)out->target,
			    sig ? "allowed" : "refused");
}

static void one_call(struct fuzzer *f, unsigned long n)
{
	struct call c = { .n = n };
	struct rng *r = &f->rng;
	unsigned char *arg;
	size_t ks, i;
	int ret, err, want;

	/* A fresh open now and then, a read that ends the scope window. */
	if (f->fd < 0 || ++f->fd_calls > 64)
		reopen(f);
	if (f->fd < 0)
		return fail(f, &c, "open: %s", strerror(errno));
	if (!f->scoped && chance(r, 1)) {
		char b;

		if (read(f->fd, &b, 1) != 1)
			return fail(f, &c, "read 1 byte: %s", strerror(errno));
		f->scoped = true;
	}

	c.cmd = pick_cmd(r);
	c.target = cmd_target(c.cmd);
	ks = c.target == T_NONE ? 64 : target_ksize[c.target];
	c.arg = chance(r, 70) ? A_OK : below(r, A_NR);
	c.size = pick_size(f, c.target == T_NONE ? T_GET_API : c.target);
	c.rawlen = ks;
	if (c.size > ks && c.size <= f->page)
		c.rawlen = c.size;
	switch (c.target) {
	case T_GET_API:
		fill_api(f, (void *)c.raw);
		break;
	case T_SET_SCOPE:
		fill_scope(f, (void *)c.raw);
		break;
	case T_PREPARE:
		fill_prepare(f, (void *)c.raw);
		break;
	case T_COMMIT:
		fill_commit(f, (void *)c.raw);
		break;
	case T_CONTROL:
		fill_control(f, (void *)c.raw);
		break;
	default:
		for (i = 0; i < ks; i++)
			c.raw[i] = chance(r, 50) ? 0 : rnd(r);
		break;
	}
	memcpy(c.raw, &c.size, sizeof(c.size));
	if (c.target != T_NONE && chance(r, 8)) {
		mutate_bytes(f, &c, ks);
		memcpy(&c.size, c.raw, sizeof(c.size));
		if (c.size > ks && c.size <= f->page && c.size > c.rawlen)
			c.rawlen = c.size;
	}
	if (c.rawlen > ks && chance(r, 30)) {
		c.raw[ks + below(r, c.rawlen - ks)] = 1 + below(r, 255);
		c.tail_nonzero = true;
	}
	/* Past the struct: a sentinel that no call may write. */
	c.sentinel = c.rawlen;
	memset(c.raw + c.rawlen, 0xa5, 64);
	if (c.arg == A_OK || c.arg == A_MISALIGNED || c.arg == A_READONLY)
		c.rawlen += 64;

	arg = place(f, &c);
	want = expected(f, &c);
	ret = ioctl(f->fd, c.cmd, arg);
	err = ret ? errno : 0;
	f->sh->calls++;
	if (f->nobody)
		f->sh->nobody_calls++;
	count(f, c.target, err);
	if (ret && ret != -1)
		return fail(f, &c, "returned %d", ret);
	if (!allowed(c.target, err))
		return fail(f, &c, "%s (%d): not documented for %s",
			    err ? strerror(err) : "success", err,
			    target_name[c.target]);
	if (want >= 0 && err != want)
		return fail(f, &c, "%s (%d), documented: %s (%d)",
			    err ? strerror(err) : "success", err,
			    want ? strerror(want) : "success", want);
	if (err)
		return;

	/* What a success wrote: nothing past the caller's size. */
	if (c.arg == A_OK) {
		for (i = c.sentinel; i < c.sentinel + 64; i++)
			if (arg[i] != 0xa5)
				return fail(f, &c, "byte %zu past the struct written",
					    i);
		for (i = ks; i < c.size; i++)
			if (arg[i] != c.raw[i])
				return fail(f, &c, "tail byte %zu written", i);
	}
	if (c.target == T_GET_API && c.size >= ks) {
		const struct osm_api *a = (const void *)arg;

		if (a->api_major != OSM_API_MAJOR ||
		    a->graph_major != OSM_GRAPH_MAJOR || a->flags)
			return fail(f, &c, "api %u graph %u flags %u",
				    a->api_major, a->graph_major, a->flags);
	}
	if (c.target == T_SET_SCOPE)
		f->scoped = true;
	if (c.target == T_PREPARE) {
		struct osm_spawn_req in = {}, out = {};

		f->sh->prepared++;
		f->pending++;
		memcpy(&in, c.raw, c.size < ks ? c.size : ks);
		memcpy(&out, arg, c.size < ks ? c.size : ks);
		if (c.size >= ks)
			check_plan(f, &c, &in, &out);
		if (out.token && f->ntokens < 8)
			f->tokens[f->ntokens++] = out.token;
		else if (out.token)
			f->tokens[below(r, 8)] = out.token;
	}
	if (c.target == T_COMMIT)
		fail(f, &c, "committed from the preparing process itself");
	if (c.target == T_CONTROL && c.size >= ks)
		check_control(f, &c, (const void *)arg);
}

/* ---- a fuzzing child ---------------------------------------------------- */

static const char *const ns_names[OSM_SPAWN_NR_NS] = {
	"mnt", "uts", "ipc", "pid", "net", "user", "cgroup", "time",
};

/* Set up a fuzzer: memory, descriptors, who it is.  0 or -1. */
static int fuzzer_init(struct fuzzer *f, struct fuzz_shared *sh,
		       unsigned long long seed, bool nobody,
		       const char *cgdir)
{
	unsigned long pid_max;
	unsigned char *m;
	unsigned int i;

	memset(f, 0, sizeof(*f));
	f->rng.s = seed;
	f->sh = sh;
	f->nobody = nobody;
	f->page = sysconf(_SC_PAGESIZE);
	f->fd = -1;
	f->arena = mmap(NULL, ARENA_PAGES * f->page, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	f->ro = mmap(NULL, 2 * f->page, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	m = mmap(NULL, f->page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (f->arena == MAP_FAILED || f->ro == MAP_FAILED || m == MAP_FAILED ||
	    munmap(m, f->page) ||
	    mprotect(f->arena + (ARENA_PAGES - 1) * f->page, f->page,
		     PROT_NONE))
		return -1;
	f->unmapped = (unsigned long)m;
	if (osm_test_read_ulong("/proc/sys/kernel/pid_max", &pid_max))
		return -1;
	f->pid_max = pid_max;

	for (i = 0; i < OSM_SPAWN_NR_NS; i++) {
		char path[64];

		snprintf(path, sizeof(path), "/proc/self/ns/%s", ns_names[i]);
		f->ns_fds[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (f->ns_fds[i] < 0)
			return -1;
		f->fds[f->nfds++] = f->ns_fds[i];
	}
	f->dir_fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	f->file_fd = open("/proc/version", O_RDONLY | O_CLOEXEC);
	f->cg_empty = open(cgdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	f->cg_busy = open(CGROOT, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (f->dir_fd < 0 || f->file_fd < 0 || f->cg_empty < 0 ||
	    f->cg_busy < 0)
		return -1;
	f->fds[f->nfds++] = f->dir_fd;
	f->fds[f->nfds++] = f->file_fd;
	f->fds[f->nfds++] = f->cg_empty;
	f->fds[f->nfds++] = f->cg_busy;
	f->fds[f->nfds++] = 0;
	f->fds[f->nfds++] = 2;
	f->prog[0] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
						  SECCOMP_RET_ALLOW);
	f->prog[1] = f->prog[0];
	f->cpus = 1;	/* CPU 0 */
	f->mems = 1;	/* node 0 */

	if (nobody) {
		if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
		    setresuid(NOBODY, NOBODY, NOBODY))
			return -1;
		/* /proc shows a non-dumpable process to root only. */
		if (prctl(PR_SET_DUMPABLE, 1))
			return -1;
	}
	return 0;
}

static int fuzz_child(struct fuzz_shared *sh, unsigned long long seed,
		      bool nobody, const char *cgdir, unsigned long first,
		      unsigned long calls)
{
	struct fuzzer f;
	unsigned long n;

	if (fuzzer_init(&f, sh, seed, nobody, cgdir)) {
		snprintf(sh->msg, sizeof(sh->msg), "fuzzer setup: %s",
			 strerror(errno));
		sh->failed++;
		return 1;
	}
	for (n = first; n < first + calls && !sh->failed; n++)
		one_call(&f, n);
	return sh->failed ? 1 : 0;
}

/* ---- the tests ------------------------------------------------------------- */

static unsigned long env_ulong(const char *name, unsigned long dflt)
{
	const char *v = getenv(name);

	return v && *v ? strtoull(v, NULL, 0) : dflt;
}

static int count_cgroups(void)
{
	struct dirent *d;
	DIR *dir = opendir(CGROOT);
	int n = 0;

	if (!dir)
		return -1;
	while ((d = readdir(dir)))
		if (d->d_type == DT_DIR && d->d_name[0] != '.')
			n++;
	closedir(dir);
	return n;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The whole device once more: well-formed text, and libosm parses it. */
#define EXPECT_DEVICE_WORKS() do {					\
	struct osm_graph *__g;						\
	char __err[512], *__buf;					\
	size_t __len;							\
									\
	__buf = osm_test_read_device(1 << 20, &__len);			\
	ASSERT_NE(NULL, __buf) TH_LOG("read after fuzzing: %m");	\
	EXPECT_EQ(0, osm_test_check_text(__buf, __len, NULL, __err,	\
					 sizeof(__err)))		\
		TH_LOG("graph after fuzzing: %s", __err);		\
	free(__buf);							\
	__g = osm_test_load();						\
	ASSERT_NE(NULL, __g) TH_LOG("libosm load after fuzzing: %m");	\
	osm_graph__free(__g);						\
} while (0)

FIXTURE(fuzz) {
	int kmsg;
	char cgdir[128];
};

FIXTURE_SETUP(fuzz)
{
	self->kmsg = osm_test_kmsg_open();
	ASSERT_LE(0, self->kmsg) TH_LOG("/dev/kmsg: %m");
	snprintf(self->cgdir, sizeof(self->cgdir), CGROOT "/osm_fuzz.%d",
		 getpid());
	ASSERT_EQ(0, mkdir(self->cgdir, 0755)) TH_LOG("%s: %m", self->cgdir);
}

FIXTURE_TEARDOWN(fuzz)
{
	char err[512];

	int bad;

	rmdir(self->cgdir);
	bad = osm_test_kmsg_check(self->kmsg, err, sizeof(err));
	EXPECT_EQ(0, bad);
	if (bad)
		TH_LOG("kernel log: %s", bad < 0 ? strerror(errno) : err);
	close(self->kmsg);
}

/*
 * Every direction and number of the osmosis type, with random size
 * bits: exactly the four documented commands reach the module, the rest
 * is ENOTTY.  A NULL argument tells which: EFAULT from a command.
 */
TEST_F_TIMEOUT(fuzz, dispatch_by_type_number_direction, OSM_TIMEOUT)
{
	struct rng r = { .s = 42 };
	unsigned int dir, nr, cmd, t, hits = 0;
	int fd = open(osm_test_device(), O_RDONLY | O_CLOEXEC);

	ASSERT_LE(0, fd) TH_LOG("open: %m");
	for (dir = 0; dir < 4; dir++)
		for (nr = 0; nr < 256; nr++) {
			cmd = _IOC(dir, OSM_IOC_MAGIC, nr, below(&r, 1 << 14));
			t = cmd_target(cmd);
			errno = 0;
			EXPECT_EQ(-1, ioctl(fd, cmd, NULL));
			EXPECT_EQ(t == T_NONE ? ENOTTY : EFAULT, errno)
				TH_LOG("dir %u nr %u: %m", dir, nr);
			hits += t != T_NONE;
		}
	EXPECT_EQ(T_NR, hits);
	close(fd);
}

TEST_F_TIMEOUT(fuzz, every_call_documented, 280)
{
	unsigned long calls = env_ulong("OSM_FUZZ_CALLS",
					env_ulong("OSM_FUZZ_LONG", 0) ?
					CALLS_LONG : CALLS_CI);
	unsigned long long seed = env_ulong("OSM_FUZZ_SEED", 0);
	unsigned long before, after, first, n, i, e;
	int cgroups, status;
	struct fuzz_shared *sh;
	double t0, secs;
	char line[1024];
	pid_t pid;
	int t, len;

	if (!seed)
		seed = ((unsigned long long)time(NULL) << 20) ^ getpid() ^
		       (unsigned long long)(now() * 1e9);
	TH_LOG("seed 0x%llx (OSM_FUZZ_SEED=0x%llx repeats it), %lu calls",
	       seed, seed, calls);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sh);
	ASSERT_EQ(0, osm_test_read_ulong(RECORDS_PARAM, &before)) TH_LOG("%m");
	cgroups = count_cgroups();

	t0 = now();
	for (first = 0, i = 0; first < calls && !sh->failed; i++) {
		n = calls - first < CALLS_PER_CHILD ? calls - first :
		    CALLS_PER_CHILD;
		pid = fork();
		ASSERT_LE(0, pid) TH_LOG("fork: %m");
		if (!pid)
			_exit(fuzz_child(sh, seed + i * 0x9e3779b97f4a7c15ULL,
					 i % 4 == 3, self->cgdir, first, n));
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		ASSERT_TRUE(WIFEXITED(status))
			TH_LOG("fuzzing child %lu: status 0x%x (call %lu on)",
			       i, status, first);
		first += n;
	}
	secs = now() - t0;
	ASSERT_EQ(0, sh->failed) TH_LOG("seed 0x%llx: %s", seed, sh->msg);
	TH_LOG("%lu calls (%lu as nobody) in %.1f s: %.0f calls/s; %lu spawn requests prepared",
	       sh->calls, sh->nobody_calls, secs, sh->calls / secs,
	       sh->prepared);
	for (t = 0; t <= T_NR; t++) {
		len = snprintf(line, sizeof(line), "%s: %lu ok",
			       target_name[t], sh->ok[t]);
		for (e = 1; e < NERR; e++)
			if (sh->err[t][e])
				len += snprintf(line + len, sizeof(line) - len,
						", %s %lu", strerrorname_np(e),
						sh->err[t][e]);
		TH_LOG("%s", line);
	}
	EXPECT_EQ(calls, sh->calls);
	/* Successes of each command that can succeed here. */
	EXPECT_LT(0, sh->ok[T_GET_API]);
	EXPECT_LT(0, sh->ok[T_SET_SCOPE]);
	EXPECT_LT(0, sh->ok[T_PREPARE]);
	EXPECT_LT(0, sh->ok[T_CONTROL]);

	/* Nothing left behind: no child, no record, no cgroup. */
	errno = 0;
	EXPECT_EQ(-1, waitpid(-1, NULL, WNOHANG));
	EXPECT_EQ(ECHILD, errno);
	ASSERT_EQ(0, osm_test_read_ulong(RECORDS_PARAM, &after)) TH_LOG("%m");
	EXPECT_EQ(before, after) TH_LOG("spawn_records %lu before, %lu after",
					before, after);
	EXPECT_EQ(cgroups, count_cgroups());
	EXPECT_DEVICE_WORKS();
	munmap(sh, sizeof(*sh));
}

OSM_TEST_MAIN
