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
#define OSM_API_MINOR		2

/* ioctl type byte: 0xB9, unused in Documentation/.../ioctl-number.rst. */
#define OSM_IOC_MAGIC		0xB9

/*
 * Features a module reports in struct osm_api.features.  Bits are never
 * reused; a reader tests the bits it knows and ignores the rest.
 */
#define OSM_FEAT_GRAPH_READ	_BITULL(0)	/* read(2) returns the graph */
#define OSM_FEAT_SCOPE		_BITULL(1)	/* OSM_IOC_SET_SCOPE (api 1.1) */
#define OSM_FEAT_PHYS		_BITULL(2)	/* OSM_SCOPE_PHYS (api 1.2) */
#define OSM_FEAT_ALL		(OSM_FEAT_GRAPH_READ | OSM_FEAT_SCOPE | \
				 OSM_FEAT_PHYS)

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
 * Commands.  The module dispatches on _IOC_NR and takes the struct size
 * from its leading @size field, so a struct can grow without a new
 * command; direction and type must still match.  Unknown commands fail
 * with -ENOTTY.  Numbers are never reused.
 */
#define OSM_IOC_GET_API		_IOWR(OSM_IOC_MAGIC, 0x00, struct osm_api)
#define OSM_IOC_SET_SCOPE	_IOW(OSM_IOC_MAGIC, 0x01, struct osm_scope)

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
#define OSM_GRAPH_MINOR		5

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
#define OSM_EDGE_OWNER		"owner"		/* namespace -> its user ns (1.2) */
#define OSM_EDGE_PEER		"peer"		/* socket -> the one it talks to (1.3) */
#define OSM_EDGE_FOR_CHILDREN	"for_children"	/* thread -> ns its children get (1.3) */
#define OSM_EDGE_IN		"in"		/* SysV object -> its ipc_ns (1.4) */
#define OSM_EDGE_REQUEST	"request"	/* resource -> who serves it (1.5) */
#define OSM_EDGE_SERVE		"serve"		/* server's file -> channel (1.5) */

#endif /* _UAPI_LINUX_OSMOSIS_H */
