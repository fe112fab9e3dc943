/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * Records the BPF iterators of osm_iter.bpf.c write with bpf_seq_write()
 * and backend_bpf.c reads: fixed binary layouts, because bpf_seq_printf()
 * takes at most 12 arguments and has no %o.  Object ids are already
 * keyed hashes (osm_iter.bpf.c): no kernel address leaves the kernel.
 * Pids are numbers in the reader's pid namespace; 0 when not visible.
 */
#ifndef __OSM_ITER_H
#define __OSM_ITER_H

/* Namespaces in the order of osm_ns_names[] (backend_bpf.c). */
enum {
	OSM_BNS_MNT, OSM_BNS_UTS, OSM_BNS_IPC, OSM_BNS_PID, OSM_BNS_NET,
	OSM_BNS_USER, OSM_BNS_CGROUP, OSM_BNS_TIME, OSM_BNS_NR
};

/* Ancestors of a user or pid namespace carried in a task record. */
#define OSM_BNS_CHAIN	8

#define OSM_BT_KTHREAD	(1U << 0)
#define OSM_BT_NNP	(1U << 1)

/* iter/task: one per task (thread). */
struct osm_btask {
	__u64 mm, files, fs, sighand;	/* hashed; 0 when none */
	__u64 cgroup;			/* cgroup v2 id, 0 when unknown */
	__u32 tid, tgid, ppid, tracer;
	__u32 uid, euid, gid, egid;	/* objective credentials */
	__u32 flags, seccomp;
	__u32 ns[OSM_BNS_NR];		/* nsfs inodes, 0 when none */
	__u32 ns_owner[OSM_BNS_NR];	/* owning user_ns inode */
	__u32 __pad;
	__u64 cap_eff;			/* effective capabilities */
	__u32 mm_vmas, mm_dumpable, mm_owner;
	/* user_ns and its ancestors: inum, level, creator uid */
	__u32 userns[OSM_BNS_CHAIN], userns_level[OSM_BNS_CHAIN];
	__u32 userns_uid[OSM_BNS_CHAIN];
	/* the task's own pid_ns and its ancestors: inum, level, owner */
	__u32 pidns[OSM_BNS_CHAIN], pidns_level[OSM_BNS_CHAIN];
	__u32 pidns_owner[OSM_BNS_CHAIN];
	char comm[16];
};

/* iter/task_file: one per descriptor of each distinct file table. */
struct osm_bfile {
	__u64 files, file;		/* hashed */
	__u64 ino;
	__s64 pos;
	__u32 tgid, fd;
	__u32 dev;			/* kernel dev_t: major << 20 | minor */
	__u32 mode;			/* i_mode */
	__u32 f_mode, f_flags;
	__u32 anon;			/* 1: anonymous inode (eventfd...) */
	__u32 __pad;
	char anon_name[32];
};

/* iter/task_vma: one per region of each task walked. */
struct osm_bvma {
	__u64 mm;			/* hashed */
	__u64 start, end, pgoff;	/* pgoff in bytes */
	__u64 flags;			/* vm_flags */
	__u64 ino;
	__u32 dev;			/* 0 for anonymous memory */
	__u32 mode;
	__u32 tgid, __pad;
};

/* iter/cgroup: one per cgroup v2 group, parents before children. */
struct osm_bcgroup {
	__u64 id, parent;		/* parent 0 for the root */
	__u32 level, __pad;
	char name[64];
};

#endif /* __OSM_ITER_H */
