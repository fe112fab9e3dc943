/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * osmosis: the isolation graph of a running Linux system.
 *
 * This header is the whole contract between the osmosis module, libosm
 * and any other reader.  It defines:
 *
 *  - the ioctls of /dev/osmosis (size-versioned structs in the style of
 *    struct clone_args: a leading size, fixed-width fields, zero-filled
 *    reserved space);
 *  - the text format that read(2) of /dev/osmosis returns (the "graph
 *    format"), described in full in uapi/graph-format.md.
 *
 * Versioning: OSM_API_MAJOR/MINOR cover the ioctls, OSM_GRAPH_MAJOR/MINOR
 * the graph format.  A MINOR bump only adds (new ioctls, new struct
 * fields at the end, new node types, edge kinds or attributes) and never
 * breaks an older reader.  A MAJOR bump is incompatible; readers must
 * refuse a graph whose major they do not know.
 */
#ifndef _UAPI_LINUX_OSMOSIS_H
#define _UAPI_LINUX_OSMOSIS_H

#include <linux/types.h>
#include <linux/ioctl.h>
#include <linux/const.h>

#define OSM_DEVICE_PATH		"/dev/osmosis"

#define OSM_API_MAJOR		1
#define OSM_API_MINOR		6

/* ioctl type byte: 0xB9, unused in Documentation/.../ioctl-number.rst. */
#define OSM_IOC_MAGIC		0xB9

/*
 * Features a module reports in struct osm_api.features.  Bits are never
 * reused; a reader tests the bits it knows and ignores the rest.
 */
#define OSM_FEAT_GRAPH_READ	_BITULL(0)	/* read(2) returns the graph */
#define OSM_FEAT_SCOPE		_BITULL(1)	/* OSM_IOC_SET_SCOPE (api 1.1) */
#define OSM_FEAT_PHYS		_BITULL(2)	/* OSM_SCOPE_PHYS (api 1.2) */
#define OSM_FEAT_SPAWN		_BITULL(3)	/* OSM_IOC_SPAWN_* (api 1.3) */
#define OSM_FEAT_CONTROL_CHECK	_BITULL(4)	/* OSM_IOC_CONTROL_CHECK (api 1.5) */
/* OSM_IOC_SPAWN_CLONE and OSM_SPAWN_STACK_PKEY (api 1.6) */
#define OSM_FEAT_SPAWN_CLONE	_BITULL(5)
#define OSM_FEAT_ALL		(OSM_FEAT_GRAPH_READ | OSM_FEAT_SCOPE | \
				 OSM_FEAT_PHYS | OSM_FEAT_SPAWN | \
				 OSM_FEAT_CONTROL_CHECK | OSM_FEAT_SPAWN_CLONE)

/**
 * struct osm_api - API handshake, the argument of OSM_IOC_GET_API
 * @size:	In: the size of this struct as the caller knows it.  Smaller
 *		than OSM_API_SIZE_VER0 is -EINVAL, larger than a page -E2BIG;
 *		bytes beyond the module's struct must be zero (else -E2BIG).
 * @flags:	In: must be zero (no flags are defined yet), else -EINVAL.
 * @api_major:	Out: OSM_API_MAJOR of the module.
 * @api_minor:	Out: OSM_API_MINOR of the module.
 * @graph_major: Out: OSM_GRAPH_MAJOR of the graph read(2) returns.
 * @graph_minor: Out: OSM_GRAPH_MINOR of the graph read(2) returns.
 * @features:	Out: OSM_FEAT_* bits the module supports.
 * @ioctls:	Out: bit (1 << _IOC_NR(cmd)) set for every ioctl supported.
 *
 * Frozen as command number 0: it is how any reader, old or new, learns
 * what this module can do.  The module writes back at most @size bytes
 * and zeroes any part of the caller's struct it does not know.
 */
struct osm_api {
	__u32 size;
	__u32 flags;
	__u32 api_major;
	__u32 api_minor;
	__u32 graph_major;
	__u32 graph_minor;
	__aligned_u64 features;
	__aligned_u64 ioctls;
};

#define OSM_API_SIZE_VER0	40	/* sizeof first published struct */

/*
 * Resource types a scoped walk may keep (struct osm_scope.types): one bit
 * per node type of the graph format, and one for the four SysV IPC types
 * (shm, sem, msg, semundo).  PDs (kernel, process, thread) are always
 * kept.  Bits are never reused.
 */
#define OSM_RES_MM		_BITULL(0)
#define OSM_RES_VMA		_BITULL(1)	/* needs OSM_RES_MM */
#define OSM_RES_FILES		_BITULL(2)
#define OSM_RES_FILE		_BITULL(3)	/* needs OSM_RES_FILES */
#define OSM_RES_INODE		_BITULL(4)	/* of kept files and regions */
#define OSM_RES_FS		_BITULL(5)
#define OSM_RES_SIGHAND		_BITULL(6)
#define OSM_RES_CGROUP		_BITULL(7)
#define OSM_RES_MNT_NS		_BITULL(8)
#define OSM_RES_UTS_NS		_BITULL(9)
#define OSM_RES_IPC_NS		_BITULL(10)
#define OSM_RES_PID_NS		_BITULL(11)
#define OSM_RES_NET_NS		_BITULL(12)
#define OSM_RES_USER_NS		_BITULL(13)	/* and every owner edge */
#define OSM_RES_CGROUP_NS	_BITULL(14)
#define OSM_RES_TIME_NS		_BITULL(15)
#define OSM_RES_CRED		_BITULL(16)
#define OSM_RES_SECCOMP		_BITULL(17)
#define OSM_RES_SYSVIPC		_BITULL(18)	/* semundo; shm, sem, msg need IPC_NS (1.4) */
#define OSM_RES_FUSE		_BITULL(19)	/* with the inodes, fs, files (1.5) */
#define OSM_RES_UFFD		_BITULL(20)	/* with regions and files (1.5) */
#define OSM_RES_ALL		(_BITULL(21) - 1)

/* struct osm_scope.flags */
#define OSM_SCOPE_PID		_BITULL(0)	/* @pid is set */
#define OSM_SCOPE_TYPES		_BITULL(1)	/* @types is set */
#define OSM_SCOPE_PHYS		_BITULL(2)	/* physical memory (api 1.2) */
#define OSM_SCOPE_ALL		(OSM_SCOPE_PID | OSM_SCOPE_TYPES | \
				 OSM_SCOPE_PHYS)

/**
 * struct osm_scope - what one walk renders, the argument of
 * OSM_IOC_SET_SCOPE
 * @size:	In: the size of this struct as the caller knows it (as for
 *		struct osm_api: below OSM_SCOPE_SIZE_VER0 -EINVAL, above a
 *		page -E2BIG, unknown non-zero tail -E2BIG).
 * @flags:	In: OSM_SCOPE_* bits; unknown bits are -EINVAL.
 *		OSM_SCOPE_PHYS adds the physical frames each region maps
 *		(phys nodes, off by default); it needs CAP_SYS_ADMIN in the
 *		initial user namespace (the opener's), else -EPERM.
 * @pid:	In: with OSM_SCOPE_PID, a process (a pid in the opener's pid
 *		namespace): the walk renders it, its threads and what they
 *		reach, and no other process.  -ESRCH if there is no such
 *		process or the opener may not see it.  Must be zero without
 *		the flag.
 * @types:	In: with OSM_SCOPE_TYPES, the OSM_RES_* types to render;
 *		edges to other types are left out too.  Unknown bits are
 *		-EINVAL.  Must be zero without the flag.
 *
 * Set once, before the first read(2) of the open file (later: -EBUSY).
 * Without it a walk renders every process the opener may see and every
 * type, and no physical memory.  The graph's header says what was scoped
 * (scope=, types=, phys=).
 */
struct osm_scope {
	__u32 size;
	__u32 flags;
	__aligned_u64 pid;
	__aligned_u64 types;
};

#define OSM_SCOPE_SIZE_VER0	24	/* sizeof first published struct */

/*
 * PD creation (api 1.3; uapi/spawn.md tells the whole story).  User space
 * creates the task with clone3(2), so seccomp, audit and LSMs see it; the
 * module validates the request and turns it into a plan
 * (OSM_IOC_SPAWN_PREPARE), and the child, before it execs, asks the
 * module to verify that its real resources are the ones requested and to
 * record it (OSM_IOC_SPAWN_COMMIT).
 *
 * A request holds one mode per resource, indexed by OSM_SPAWN_R_*.  Zero
 * (OSM_SPAWN_DEFAULT) is what fork(2) does for that resource, so a zeroed
 * request is a plain process, and a field added by a later version means
 * "as fork(2)" to a caller that does not know it.
 */
#define OSM_SPAWN_DEFAULT	0	/* as fork(2): see each resource */
#define OSM_SPAWN_SHARE		1	/* the caller's object itself */
#define OSM_SPAWN_COPY		2	/* a copy of the caller's */
#define OSM_SPAWN_NEW		3	/* a new one */
#define OSM_SPAWN_JOIN		4	/* namespaces: the one of ns_fd[] */

/* Resources: index in struct osm_spawn_req.mode.  Default in brackets. */
#define OSM_SPAWN_R_MM		0	/* share / [copy] (CLONE_VM) */
#define OSM_SPAWN_R_FILES	1	/* share / [copy] / new: fds 0-2 or fds[] */
#define OSM_SPAWN_R_FS		2	/* share / [copy] / new root (1.4) */
#define OSM_SPAWN_R_SIGHAND	3	/* share / [copy] signal handlers */
#define OSM_SPAWN_R_SYSVSEM	4	/* share / [new] SysV semaphore undo */
#define OSM_SPAWN_R_CGROUP	5	/* [share] / new: the cgroup of cgroup_fd */
#define OSM_SPAWN_R_CRED	6	/* [share] / new: uid, gid, caps_keep (1.4) */
#define OSM_SPAWN_R_SECCOMP	7	/* [share] / new: one more filter (1.4) */
#define OSM_SPAWN_R_MNT_NS	8	/* namespaces: [share] / new / join */
#define OSM_SPAWN_R_UTS_NS	9
#define OSM_SPAWN_R_IPC_NS	10
#define OSM_SPAWN_R_PID_NS	11
#define OSM_SPAWN_R_NET_NS	12
#define OSM_SPAWN_R_USER_NS	13
#define OSM_SPAWN_R_CGROUP_NS	14
#define OSM_SPAWN_R_TIME_NS	15
#define OSM_SPAWN_R_NS0		OSM_SPAWN_R_MNT_NS
#define OSM_SPAWN_NR_NS		8
#define OSM_SPAWN_NR		16

/* struct osm_spawn_req.flags */
#define OSM_SPAWN_NO_NEW_PRIVS	_BITULL(0)	/* set no_new_privs at commit */
#define OSM_SPAWN_STACK_PKEY	_BITULL(1)	/* own protection key on the stack (1.6) */
#define OSM_SPAWN_FLAGS_ALL	(OSM_SPAWN_NO_NEW_PRIVS | OSM_SPAWN_STACK_PKEY)

/* struct osm_spawn_req.actions: what the child does before it commits. */
#define OSM_SPAWN_ACT_CLOSE_FDS	_BITULL(0)	/* close fds >= 3 (files new) */
#define OSM_SPAWN_ACT_IDMAP	_BITULL(1)	/* write own uid_map, gid_map (1.4) */
#define OSM_SPAWN_ACT_SETID	_BITULL(2)	/* setgroups, setresgid, setresuid */
#define OSM_SPAWN_ACT_CAPS	_BITULL(3)	/* drop caps outside caps_keep */
#define OSM_SPAWN_ACT_NNP	_BITULL(4)	/* prctl no_new_privs, then ... */
#define OSM_SPAWN_ACT_SECCOMP	_BITULL(5)	/* ... install seccomp_prog */
#define OSM_SPAWN_ACT_PIVOT_ROOT _BITULL(6)	/* root_fd the root: pivot_root */
#define OSM_SPAWN_ACT_CHROOT	_BITULL(7)	/* root_fd the root: chroot */
#define OSM_SPAWN_ACT_MOVE_FDS	_BITULL(8)	/* fds[]: dup from to, close rest */

/**
 * struct osm_spawn_fd - one descriptor of a new file table (api 1.4)
 * @from: the caller's descriptor.
 * @to: the number it has in the child.
 */
struct osm_spawn_fd {
	__s32 from;
	__s32 to;
};

/**
 * struct osm_spawn_req - a PD to create, the argument of
 * OSM_IOC_SPAWN_PREPARE
 * @size:	In: the size of this struct as the caller knows it (as for
 *		struct osm_api: below OSM_SPAWN_REQ_SIZE_VER0 -EINVAL, above
 *		a page -E2BIG, unknown non-zero tail -E2BIG).
 * @flags:	In: OSM_SPAWN_NO_NEW_PRIVS, OSM_SPAWN_STACK_PKEY (api 1.6:
 *		the child runs on a stack tagged with a protection key of
 *		its own, the tis kind; needs mm share, -EINVAL without, and
 *		CPU and kernel support, -EOPNOTSUPP without) and nothing
 *		else (-EINVAL).
 * @mode:	In: an OSM_SPAWN_* mode per OSM_SPAWN_R_* resource; a mode
 *		a resource does not have is -EINVAL (so is cred or seccomp
 *		other than 0 for a module before api 1.4, where entries 6
 *		and 7 were reserved).  Out: OSM_SPAWN_DEFAULT replaced by
 *		what it means.
 * @ns_fd:	In: for a namespace in mode OSM_SPAWN_JOIN, a descriptor of
 *		the namespace to join: an nsfs file such as /proc/PID/ns/net
 *		(-EBADF if it is not one, -EINVAL if of another type).
 *		libosm's osm_spawn() takes pidfds and opens these.  Indexed
 *		from OSM_SPAWN_R_NS0.  Must be zero in every other mode.
 * @cgroup_fd:	In: with cgroup mode OSM_SPAWN_NEW, a descriptor of the new
 *		cgroup2 directory the child starts in: not the caller's
 *		cgroup, no process in it (-EBUSY otherwise; -EBADF if it is
 *		not a cgroup2 directory).  Must be zero otherwise.
 * @__reserved0: must be zero (-EINVAL).
 * @memory_max:	In: cgroup new: the memory.max the caller wrote to the new
 *		cgroup, in bytes; 0 for "max".  Recorded with the spec and
 *		verified at commit (api 1.6): the cgroup's memory.max must
 *		read this, rounded down to the page size ("max" for 0; for
 *		0 a cgroup without the memory controller passes too).
 * @pids_max:	In: cgroup new: its pids.max; 0 for "max"; at most
 *		4194304 (-EINVAL).  Verified at commit as @memory_max.
 *		Both limits must be zero without a new cgroup (-EINVAL).
 * @clone_flags: Out: the CLONE_* flags to give clone3(2) (the caller adds
 *		CLONE_PIDFD, CLONE_VFORK and the like as it needs).
 * @setns_flags: Out: CLONE_NEW* types the child joins with setns(2) on
 *		@ns_fd before it commits.
 * @parent_setns_flags: Out: CLONE_NEWPID when the pid namespace is
 *		joined: a task never changes its own pid namespace, so the
 *		caller's thread enters it (setns) for the clone3() and goes
 *		back to its own after.
 * @actions:	Out: OSM_SPAWN_ACT_* the child does before it commits.
 * @token:	Out: names this request to OSM_IOC_SPAWN_COMMIT.  Valid
 *		for a child of the calling thread, once, for 60 seconds.
 * @__reserved:	must be zero (-EINVAL).
 * @uid:	In (1.4): with cred mode OSM_SPAWN_NEW, the child's real,
 *		effective, saved and fs uid, in its user namespace (a new
 *		one maps it to the caller's euid, one id; without a new or
 *		joined one it must be mapped in the caller's, -EINVAL).
 *		(__u32)-1 is -EINVAL.  Must be zero in cred mode share.
 * @gid:	In (1.4): the same for the gids; supplementary groups are
 *		dropped (in a new user namespace setgroups(2) is denied).
 * @caps_keep:	In (1.4): with cred mode OSM_SPAWN_NEW, the capabilities
 *		(bit 1 << CAP_*) the child keeps: its bounding, permitted,
 *		effective, inheritable and ambient sets become exactly
 *		these, so the program keeps them across execve(2) whatever
 *		its uid.  Bits above CAP_LAST_CAP are -EINVAL; without a
 *		new or joined user namespace they must be in the caller's
 *		permitted set (-EPERM).  Must be zero in cred mode share.
 * @seccomp_prog: In (1.4): with seccomp mode OSM_SPAWN_NEW, a user
 *		pointer to a classic BPF program (struct sock_filter[])
 *		the child installs as a seccomp filter before it commits,
 *		on top of those it inherits.  A program the kernel refuses
 *		is -EINVAL.  Must be zero in seccomp mode share.
 * @seccomp_len: In (1.4): its length in instructions, 1 to 4096
 *		(-EINVAL).  Must be zero in seccomp mode share.
 * @__reserved1: must be zero (-EINVAL).
 * @cpu_max_quota: In (1.4): cgroup new: the quota of the cpu.max the
 *		caller wrote to the new cgroup, in microseconds per period;
 *		0 for "max".  1000 to 2^44 (-EINVAL otherwise).
 * @cpu_max_period: In (1.4): its period in microseconds, 1000 to 1000000
 *		(-EINVAL); 0 for the kernel's default (100000).
 * @cpus:	In (1.4): cgroup new: a user pointer to the CPU bitmap
 *		(unsigned long words, as sched_setaffinity(2) takes) the
 *		caller wrote to the new cgroup's cpuset.cpus, or 0 for the
 *		parent's.  Empty, or naming a CPU that is not online, is
 *		-EINVAL.  The child's allowed CPUs must be within it.
 * @cpus_size:	In (1.4): its size in bytes, a multiple of 8, at most 4096
 *		(-EINVAL); 0 without @cpus.
 * @mems_size:	In (1.4): the same for @mems.
 * @mems:	In (1.4): cgroup new: the NUMA node bitmap of its
 *		cpuset.mems, or 0; a node without memory is -EINVAL.  The
 *		child's allowed nodes must be within it.
 *
 * All six cgroup fields must be zero without a new cgroup (-EINVAL).
 * @root_fd:	In (1.4): with fs mode OSM_SPAWN_NEW, a descriptor of the
 *		directory that becomes the child's root and cwd (-EBADF if
 *		not open, -ENOTDIR if not a directory): pivot_root(2) with
 *		a new mount namespace, chroot(2) without (then the child
 *		needs CAP_SYS_CHROOT: a new user namespace, or the caller's,
 *		else -EPERM); a joined mount namespace is -EINVAL.  Must be
 *		zero in other fs modes.
 * @fd_count:	In (1.4): with files mode OSM_SPAWN_NEW, the entries of
 *		@fds, at most 1024 (-EINVAL); 0 keeps descriptors 0-2.
 * @fds:	In (1.4): a user pointer to @fd_count struct osm_spawn_fd:
 *		the child's table holds exactly these, descriptor @to of
 *		each the open file of the caller's @from (-EBADF if not
 *		open; a @to given twice, negative or not below
 *		RLIMIT_NOFILE is -EINVAL).  Both zero in other files modes.
 *
 * Credentials (1.4): cred mode new without a new or joined user
 * namespace needs CAP_SETUID, CAP_SETGID and CAP_SETPCAP in the caller's
 * user namespace (-EPERM).  A new seccomp filter needs no_new_privs (the
 * caller's, or OSM_SPAWN_NO_NEW_PRIVS, which the child then sets before
 * it installs the filter) or CAP_SYS_ADMIN kept by the child (-EACCES,
 * as seccomp(2)).  The filter is installed before the commit and the
 * execve: it must allow ioctl(2) and execve(2).
 *
 * At most 64 requests of one user (euid) are pending at once, and at
 * most max_spawn_records (a module parameter) are kept: past either
 * -EAGAIN.
 *
 * Out fields must be zero on input (-EINVAL).  Combinations clone(2) or
 * setns(2) would refuse, or that would not give the child what is asked,
 * are -EINVAL: shared signal handlers without a shared address space; a
 * shared fs with a new or joined mount or user namespace; shared
 * semaphore undo with a new or joined ipc namespace; a new or joined time
 * namespace with a shared address space; joining a namespace other than a
 * user namespace together with a new user namespace.  A new namespace
 * other than a user namespace, without a new user namespace, needs
 * CAP_SYS_ADMIN in the caller's user namespace; joining one needs
 * CAP_SYS_ADMIN over its owner too (as setns(2)): else -EPERM.
 */
struct osm_spawn_req {
	__u32 size;
	__u32 flags;
	__u8 mode[OSM_SPAWN_NR];
	__s32 ns_fd[OSM_SPAWN_NR_NS];
	__s32 cgroup_fd;
	__u32 __reserved0;
	__aligned_u64 memory_max;
	__aligned_u64 pids_max;
	__aligned_u64 clone_flags;
	__aligned_u64 setns_flags;
	__aligned_u64 parent_setns_flags;
	__aligned_u64 actions;
	__aligned_u64 token;
	__aligned_u64 __reserved[4];
	__u32 uid;
	__u32 gid;
	__aligned_u64 caps_keep;
	__aligned_u64 seccomp_prog;
	__u32 seccomp_len;
	__u32 __reserved1;
	__aligned_u64 cpu_max_quota;
	__aligned_u64 cpu_max_period;
	__aligned_u64 cpus;
	__u32 cpus_size;
	__u32 mems_size;
	__aligned_u64 mems;
	__s32 root_fd;
	__u32 fd_count;
	__aligned_u64 fds;
};

#define OSM_SPAWN_REQ_SIZE_VER0	152	/* sizeof first published struct */
#define OSM_SPAWN_REQ_SIZE_VER1	184	/* uid ... __reserved1 (api 1.4) */
#define OSM_SPAWN_REQ_SIZE_VER2	224	/* cpu_max_quota ... mems (api 1.4) */
#define OSM_SPAWN_REQ_SIZE_VER3	240	/* root_fd, fd_count, fds (api 1.4) */

/**
 * struct osm_spawn_commit - the argument of OSM_IOC_SPAWN_COMMIT, made
 * by the new child on itself before it execs
 * @size:	In: as for struct osm_api (OSM_SPAWN_COMMIT_SIZE_VER0).
 * @flags:	In: must be zero (-EINVAL).
 * @token:	In: struct osm_spawn_req.token.  -ENOENT if no such request
 *		is pending, -EPERM if the caller is not a child of the thread
 *		that prepared it.
 * @mismatch:	Out: on -EXDEV, bit (1 << OSM_SPAWN_R_*) set for every
 *		resource that is not as requested.  Must be zero on input.
 *
 * The module compares the caller's resources with its parent's: shared
 * means the same object, copied or new a different one, joined the
 * namespace of ns_fd, a new file table one whose descriptors from 3 up
 * are only the /dev/osmosis one this call is made on (or exactly those
 * of fds), a new fs one whose root and cwd are the directory of root_fd,
 * a new cgroup the one of cgroup_fd (with allowed CPUs and nodes within
 * cpus and mems, and its cpu.max, memory.max and pids.max files reading
 * as declared), a private stack (OSM_SPAWN_STACK_PKEY) a stack pointer
 * in a mapping with a protection key other than 0, new credentials the
 * ids and capabilities asked for, a new seccomp filter one more filter
 * than the parent's, and no_new_privs the parent's unless asked.  Any
 * difference is -EXDEV and nothing is recorded; then the caller must not
 * run the program (libosm kills it).  On
 * success no_new_privs is set if requested, and the PD is recorded with
 * its spec until it is reaped.
 */
struct osm_spawn_commit {
	__u32 size;
	__u32 flags;
	__aligned_u64 token;
	__aligned_u64 mismatch;
};

#define OSM_SPAWN_COMMIT_SIZE_VER0	24	/* sizeof first published struct */

/**
 * struct osm_spawn_clone - the argument of OSM_IOC_SPAWN_CLONE (api 1.6):
 * record a child the caller has just made with clone3(2) alone
 * @size:	In: as for struct osm_api (OSM_SPAWN_CLONE_SIZE_VER0).
 * @flags:	In: must be zero (-EINVAL).
 * @mode:	In: as struct osm_spawn_req.mode, limited to what clone3's
 *		flags give by themselves: mm, files, fs and sighand share or
 *		copy, sysvsem share or new, cgroup, cred and seccomp share,
 *		namespaces share or new; anything else (a join, a new file
 *		table, root, cgroup or credentials, a filter) needs
 *		OSM_IOC_SPAWN_PREPARE (-EINVAL), as do the combinations it
 *		refuses.
 * @pid:	In: the child, as a pid of the caller's pid namespace: a
 *		child of the calling thread (-ESRCH otherwise), made with
 *		the CLONE_* flags of @mode (CLONE_VM, CLONE_FILES,
 *		CLONE_FS, CLONE_SIGHAND, CLONE_SYSVSEM for share,
 *		CLONE_NEW* for new), not yet recorded (-EEXIST), alive.
 * @__reserved0: must be zero (-EINVAL).
 * @mismatch:	Out: on -EXDEV, bit (1 << OSM_SPAWN_R_*) set for every
 *		resource of the child that is not as @mode asks.  Must be
 *		zero on input.
 *
 * One call instead of PREPARE and COMMIT when clone3(2) expresses the
 * whole request: the kernel made the child with the flags, so nothing
 * is left for the child to do, and the module compares the child's
 * resources with the caller's (as COMMIT does, from the other side)
 * and records the PD with its spec.  The caller must keep the child
 * from running its own code until this returns (libosm's child waits on
 * a futex), and kill it on an error.  Past max_spawn_records: -EAGAIN.
 */
struct osm_spawn_clone {
	__u32 size;
	__u32 flags;
	__u8 mode[OSM_SPAWN_NR];
	__s32 pid;
	__u32 __reserved0;
	__aligned_u64 mismatch;
};

#define OSM_SPAWN_CLONE_SIZE_VER0	40	/* sizeof first published struct */

/*
 * The control rules (api 1.5): OSM_IOC_CONTROL_CHECK evaluates, in the
 * kernel and with the kernel's own credentials, which of these hold for
 * a subject thread S over a target thread T (uapi/osmosis.4 and
 * libosm-user/control.md list every rule and what is left out).  The
 * bits have the values of libosm's OSM_CONTROL_*.
 */
#define OSM_CTL_PARENT		_BITULL(0)	/* S's process is T's parent */
#define OSM_CTL_TRACER		_BITULL(1)	/* S ptraces T now */
#define OSM_CTL_SIGNAL		_BITULL(2)	/* kill(2) from S is allowed */
#define OSM_CTL_PTRACE		_BITULL(3)	/* PTRACE_ATTACH by S is allowed */
#define OSM_CTL_ALL		(OSM_CTL_PARENT | OSM_CTL_TRACER | \
				 OSM_CTL_SIGNAL | OSM_CTL_PTRACE)

/* The steps of the rules that held (struct osm_control_check.steps). */
#define OSM_CTL_S_KILL_IDS	_BITULL(0)	/* a uid test of kill_ok_by_cred */
#define OSM_CTL_S_KILL_CAP	_BITULL(1)	/* CAP_KILL over T's user ns */
#define OSM_CTL_S_PTRACE_IDS	_BITULL(2)	/* S's uid, gid are all of T's */
#define OSM_CTL_S_PTRACE_CAP	_BITULL(3)	/* CAP_SYS_PTRACE over T's user ns */
#define OSM_CTL_S_DUMPABLE	_BITULL(4)	/* T's mm dumpable, or no mm */
#define OSM_CTL_S_MM_CAP	_BITULL(5)	/* CAP_SYS_PTRACE over mm->user_ns */
#define OSM_CTL_S_CAP_SUBSET	_BITULL(6)	/* one user ns, S's cap_prm >= T's */
#define OSM_CTL_S_YAMA		_BITULL(7)	/* Yama allows the attach */
#define OSM_CTL_S_DESCENDANT	_BITULL(8)	/* T's process descends from S's */
#define OSM_CTL_S_SAME_PROCESS	_BITULL(9)	/* S and T are one process */
#define OSM_CTL_S_KTHREAD	_BITULL(10)	/* T is a kernel thread */
#define OSM_CTL_S_TRACED	_BITULL(11)	/* T has a tracer (attach: EPERM) */

#define OSM_CTL_NO_YAMA		0xffffffffU	/* ptrace_scope: Yama not read */

/**
 * struct osm_control_check - the argument of OSM_IOC_CONTROL_CHECK (api
 * 1.5): the kernel's control rules for one pair of threads
 * @size:	In: the size of this struct as the caller knows it (as for
 *		struct osm_api: below OSM_CONTROL_CHECK_SIZE_VER0 -EINVAL,
 *		above a page -E2BIG, unknown non-zero tail -E2BIG).
 * @flags:	In: must be zero (no flags are defined yet), else -EINVAL.
 * @subject:	In: the thread S (a thread id in the opener's pid
 *		namespace; a process's pid names its main thread).
 * @target:	In: the thread T, the same way.  -ESRCH if either does not
 *		exist or the opener may not see it (the same test as the
 *		graph's view: what /proc would let it inspect), -EINVAL if
 *		0 or above the pid limit.
 * @rules:	Out: the OSM_CTL_* rules that hold for S over T.
 * @steps:	Out: the OSM_CTL_S_* steps of those rules that held.
 * @ptrace_scope: Out: Yama's kernel.yama.ptrace_scope the ptrace rule
 *		used, or OSM_CTL_NO_YAMA when it could not be read (no
 *		Yama, or no /proc in the caller's mount namespace): then
 *		the rule is evaluated without Yama.
 * @__reserved0: must be zero (-EINVAL).
 * @__reserved:	must be zero (-EINVAL).
 *
 * Out fields must be zero on input (-EINVAL).  The answer is a snapshot:
 * it holds while neither thread changes its credentials or execs.
 */
struct osm_control_check {
	__u32 size;
	__u32 flags;
	__aligned_u64 subject;
	__aligned_u64 target;
	__aligned_u64 rules;
	__aligned_u64 steps;
	__u32 ptrace_scope;
	__u32 __reserved0;
	__aligned_u64 __reserved[2];
};

#define OSM_CONTROL_CHECK_SIZE_VER0	64	/* sizeof first published struct */

/*
 * Commands.  The module dispatches on _IOC_NR and takes the struct size
 * from its leading @size field, so a struct can grow without a new
 * command; direction and type must still match.  Unknown commands fail
 * with -ENOTTY.  Numbers are never reused.
 */
#define OSM_IOC_GET_API		_IOWR(OSM_IOC_MAGIC, 0x00, struct osm_api)
#define OSM_IOC_SET_SCOPE	_IOW(OSM_IOC_MAGIC, 0x01, struct osm_scope)
#define OSM_IOC_SPAWN_PREPARE	_IOWR(OSM_IOC_MAGIC, 0x02, struct osm_spawn_req)
#define OSM_IOC_SPAWN_COMMIT	_IOWR(OSM_IOC_MAGIC, 0x03, \
				      struct osm_spawn_commit)
#define OSM_IOC_CONTROL_CHECK	_IOWR(OSM_IOC_MAGIC, 0x04, \
				      struct osm_control_check)
#define OSM_IOC_SPAWN_CLONE	_IOWR(OSM_IOC_MAGIC, 0x05, \
				      struct osm_spawn_clone)

/*
 * The graph format (read(2) of /dev/osmosis), summarised; the full
 * specification is uapi/graph-format.md.
 *
 * Text, one record per line, fields separated by one space.  Every field
 * after the leading ones is key=value.  Values never contain a space: a
 * byte <= 0x20, >= 0x7f or a backslash is written as \xHH.  Readers must
 * ignore lines whose keyword they do not know and keys they do not know.
 *
 *   osmosis-graph <major>.<minor> key=value...	first line
 *   node <id> <class> key=value...		a node
 *   edge <src-id> <kind> <dst-id> key=value...	a directed edge
 *   end nodes=<n> edges=<m>			last line (walk complete)
 *
 * A node id is <type>:<token>; the type is the text before the first
 * colon.  The class says what an unknown type is: a protection domain or
 * a resource.  One resource is one node, however many PDs reach it.
 */
#define OSM_GRAPH_MAGIC		"osmosis-graph"
#define OSM_GRAPH_MAJOR		1
#define OSM_GRAPH_MINOR		8

#define OSM_REC_NODE		"node"
#define OSM_REC_EDGE		"edge"
#define OSM_REC_END		"end"

#define OSM_CLASS_PD		"pd"
#define OSM_CLASS_RES		"res"

/* Protection domains. */
#define OSM_NODE_KERNEL		"kernel"	/* kernel:0 */
#define OSM_NODE_PROCESS	"process"	/* process:<tgid> */
#define OSM_NODE_THREAD		"thread"	/* thread:<tid> */

/* Resources. */
#define OSM_NODE_MM		"mm"		/* mm:<hash> address space */
#define OSM_NODE_VMA		"vma"		/* vma:<mm-hash>:<start> */
#define OSM_NODE_FILES		"files"		/* files:<hash> fd table */
#define OSM_NODE_FILE		"file"		/* file:<hash> open file */
#define OSM_NODE_INODE		"inode"		/* inode:<maj>:<min>:<ino>[:<hex>] */
#define OSM_NODE_FS		"fs"		/* fs:<hash> root and cwd */
#define OSM_NODE_SIGHAND	"sighand"	/* sighand:<hash> handlers */
#define OSM_NODE_CGROUP		"cgroup"	/* cgroup:<cgroup-id> */
#define OSM_NODE_MNT_NS		"mnt_ns"	/* <type>:<nsfs inode> */
#define OSM_NODE_UTS_NS		"uts_ns"
#define OSM_NODE_IPC_NS		"ipc_ns"
#define OSM_NODE_PID_NS		"pid_ns"
#define OSM_NODE_NET_NS		"net_ns"
#define OSM_NODE_USER_NS	"user_ns"
#define OSM_NODE_CGROUP_NS	"cgroup_ns"
#define OSM_NODE_TIME_NS	"time_ns"
#define OSM_NODE_CRED		"cred"		/* cred:<hash> credentials (1.2) */
#define OSM_NODE_SECCOMP	"seccomp"	/* seccomp:<hash> filter (1.2) */
#define OSM_NODE_SHM		"shm"		/* shm:<ipc_ns>:<shmid> (1.4) */
#define OSM_NODE_SEM		"sem"		/* sem:<ipc_ns>:<semid> (1.4) */
#define OSM_NODE_MSG		"msg"		/* msg:<ipc_ns>:<msqid> (1.4) */
#define OSM_NODE_SEMUNDO	"semundo"	/* semundo:<hash> undo list (1.4) */
#define OSM_NODE_PHYS		"phys"		/* phys:<first>-<last> frames (1.4) */
#define OSM_NODE_FUSE		"fuse"		/* fuse:<maj>:<min>[:<hex>] (1.5) */
#define OSM_NODE_UFFD		"uffd"		/* uffd:<hash> userfaultfd (1.5) */

/* Edge kinds; an edge reads as a sentence: "<src> <kind> <dst>". */
#define OSM_EDGE_HOLD		"hold"		/* PD uses a resource */
#define OSM_EDGE_MEMBER		"member"	/* PD is part of a PD */
#define OSM_EDGE_SUBSET		"subset"	/* resource is part of one */
#define OSM_EDGE_MAP		"map"		/* resource refers to one */
#define OSM_EDGE_OWNER		"owner"		/* namespace, mm (1.7) -> its user ns */
#define OSM_EDGE_PEER		"peer"		/* socket -> the one it talks to (1.3) */
#define OSM_EDGE_FOR_CHILDREN	"for_children"	/* thread -> ns its children get (1.3) */
#define OSM_EDGE_IN		"in"		/* SysV object -> its ipc_ns (1.4) */
#define OSM_EDGE_REQUEST	"request"	/* resource -> who serves it (1.5) */
#define OSM_EDGE_SERVE		"serve"		/* server's file -> channel (1.5) */
#define OSM_EDGE_INFLIGHT	"inflight"	/* unix socket -> file queued in it (1.7) */

#endif /* _UAPI_LINUX_OSMOSIS_H */
