// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The BPF iterators of libosm's bpf backend (backend_bpf.c): task,
 * task_file, task_vma and cgroup, each writing fixed records
 * (osm_iter.h).  CO-RE against the running kernel's BTF, so one object
 * loads on 6.1 and 6.12.  Kernel objects without a public number (mm,
 * files, fs, sighand, file) are named by a keyed siphash of their
 * address, the key chosen per run by user space: no address is written.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#include "osm_iter.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* siphash-2-4 key, set by user space before load (per run). */
const volatile __u64 osm_key[2];

#define PF_KTHREAD		0x00200000
#define PFA_NO_NEW_PRIVS	0
#define CAP_SYS_ADMIN		21
#define ANON_INODE_FS_MAGIC	0x09041934
#define OSM_NS_LEVELS		33

/* Hashed-id types: the same address never names two types at once. */
enum { OSM_H_MM = 1, OSM_H_FILES, OSM_H_FS, OSM_H_SIGHAND, OSM_H_FILE };

#define ROTL(x, b)	(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND							\
	do {								\
		v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32); \
		v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;			\
		v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;			\
		v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32); \
	} while (0)

/* siphash_1u64() as lib/siphash.c computes it; 0 stays 0 (no object). */
static __always_inline __u64 osm_hash(const void *ptr, __u64 type)
{
	__u64 k0 = osm_key[0], k1 = osm_key[1], m, b = 8ULL << 56;
	__u64 v0 = 0x736f6d6570736575ULL ^ k0;
	__u64 v1 = 0x646f72616e646f6dULL ^ k1;
	__u64 v2 = 0x6c7967656e657261ULL ^ k0;
	__u64 v3 = 0x7465646279746573ULL ^ k1;

	if (!ptr)
		return 0;
	/* A trusted pointer (ctx->file) takes no arithmetic: copy its bytes. */
	bpf_probe_read_kernel(&m, sizeof(m), &ptr);
	m ^= type;
	v3 ^= m;
	SIPROUND;
	SIPROUND;
	v0 ^= m;
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return (v0 ^ v1 ^ v2 ^ v3) | 1;	/* never 0 */
}

/* @pid->numbers[@level] (the caller bounds @level): 0, or an error. */
static __always_inline long osm_upid(struct pid *pid, unsigned int level,
				     struct upid *up)
{
	__u64 off = bpf_core_field_offset(struct pid, numbers) +
		    level * bpf_core_type_size(struct upid);

	return bpf_probe_read_kernel(up, sizeof(*up), (void *)pid + off);
}

/* @pid's number at @level if that level's namespace is @ns, else 0. */
static __always_inline __u32 osm_pid_at(struct pid *pid, unsigned int level,
					struct pid_namespace *ns)
{
	struct upid up = {};

	if (!pid || level >= OSM_NS_LEVELS || BPF_CORE_READ(pid, level) < level)
		return 0;
	if (osm_upid(pid, level, &up))
		return 0;
	return up.ns == ns ? up.nr : 0;
}

/* The reader's pid namespace and its level: pids are written in it. */
static __always_inline struct pid_namespace *osm_reader_ns(unsigned int *level)
{
	struct task_struct *cur = bpf_get_current_task_btf();
	struct pid *pid = BPF_CORE_READ(cur, thread_pid);
	struct upid up = {};
	unsigned int l = BPF_CORE_READ(pid, level);

	if (l >= OSM_NS_LEVELS || osm_upid(pid, l, &up))
		return NULL;
	*level = l;
	return up.ns;
}

/*
 * The tgid of @task in the reader's pid namespace (0: it has none
 * there); false, no record, when the reader's namespace is unknown.
 */
static __always_inline bool osm_reader_tgid(struct task_struct *task,
					    __u32 *tgid)
{
	unsigned int level = 0;
	struct pid_namespace *rns = osm_reader_ns(&level);

	if (!rns)
		return false;
	*tgid = osm_pid_at(BPF_CORE_READ(task, group_leader, thread_pid),
			   level, rns);
	return true;
}

/* The inode fields the file and vma records carry. */
static __always_inline void osm_inode(struct inode *inode, __u32 *dev,
				      __u64 *ino, __u32 *mode)
{
	*dev = BPF_CORE_READ(inode, i_sb, s_dev);
	*ino = BPF_CORE_READ(inode, i_ino);
	*mode = BPF_CORE_READ(inode, i_mode);
}

/* mm_struct.flags is an unsigned long up to 6.12 (a bitmap type later). */
struct mm_struct___ulong {
	unsigned long flags;
} __attribute__((preserve_access_index));

static __always_inline __u64 osm_mm_flags(struct mm_struct *mm)
{
	struct mm_struct___ulong *old = (void *)mm;
	__u64 v = 0;

	if (bpf_core_field_exists(old->flags))
		return BPF_CORE_READ(old, flags);
	/* Later kernels: the first word of the bitmap holds the same bits. */
	bpf_probe_read_kernel(&v, sizeof(v), (void *)mm +
			      bpf_core_field_offset(struct mm_struct, flags));
	return v;
}

/*
 * A namespace and its owner.  Whether the task is admin there is decided
 * in user space (backend_bpf_render.c) from the user_ns trees: a loop
 * per namespace here multiplies the verifier's states past its limit.
 */
static __always_inline void osm_ns(struct osm_btask *r, int i,
				   struct ns_common *ns,
				   struct user_namespace *owner)
{
	if (!ns)
		return;
	r->ns[i] = BPF_CORE_READ(ns, inum);
	r->ns_owner[i] = BPF_CORE_READ(owner, ns.inum);
}

/* osm_ns() of the namespace @p of type @type (NULL: none), its user_ns. */
#define OSM_NS(r, i, type, p)						\
	do {								\
		type *__nsp = (p);					\
									\
		if (__nsp)						\
			osm_ns(r, i, (void *)__nsp +			\
			       bpf_core_field_offset(type, ns),		\
			       BPF_CORE_READ(__nsp, user_ns));		\
	} while (0)

/* The task's namespaces, with their owners and the admin bits. */
static __always_inline void osm_task_ns(struct osm_btask *r,
					struct task_struct *task,
					const struct cred *cred,
					struct pid_namespace *pidns)
{
	struct nsproxy *nsp = BPF_CORE_READ(task, nsproxy);
	struct user_namespace *uns = BPF_CORE_READ(cred, user_ns);
	int i;

	/* kernel_cap_t is u32[2] on 6.1, one u64 on 6.3+: 8 bytes either way. */
	bpf_probe_read_kernel(&r->cap_eff, sizeof(r->cap_eff),
			      (void *)cred +
			      bpf_core_field_offset(struct cred, cap_effective));

	osm_ns(r, OSM_BNS_USER, (void *)uns +
	       bpf_core_field_offset(struct user_namespace, ns), uns);
	OSM_NS(r, OSM_BNS_PID, struct pid_namespace, pidns);
	if (nsp) {
		OSM_NS(r, OSM_BNS_MNT, struct mnt_namespace,
		       BPF_CORE_READ(nsp, mnt_ns));
		OSM_NS(r, OSM_BNS_UTS, struct uts_namespace,
		       BPF_CORE_READ(nsp, uts_ns));
		OSM_NS(r, OSM_BNS_IPC, struct ipc_namespace,
		       BPF_CORE_READ(nsp, ipc_ns));
		OSM_NS(r, OSM_BNS_NET, struct net, BPF_CORE_READ(nsp, net_ns));
		OSM_NS(r, OSM_BNS_CGROUP, struct cgroup_namespace,
		       BPF_CORE_READ(nsp, cgroup_ns));
		if (bpf_core_field_exists(nsp->time_ns))
			OSM_NS(r, OSM_BNS_TIME, struct time_namespace,
			       BPF_CORE_READ(nsp, time_ns));
	}

	for (i = 0; i < OSM_BNS_CHAIN && uns; i++) {
		r->userns[i] = BPF_CORE_READ(uns, ns.inum);
		r->userns_level[i] = BPF_CORE_READ(uns, level);
		r->userns_uid[i] = BPF_CORE_READ(uns, owner.val);
		uns = BPF_CORE_READ(uns, parent);
	}
	for (i = 0; i < OSM_BNS_CHAIN && pidns; i++) {
		r->pidns[i] = BPF_CORE_READ(pidns, ns.inum);
		r->pidns_level[i] = BPF_CORE_READ(pidns, level);
		r->pidns_owner[i] = BPF_CORE_READ(pidns, user_ns, ns.inum);
		pidns = BPF_CORE_READ(pidns, parent);
	}
}

SEC("iter/task")
int osm_task(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	struct osm_btask r = {};
	struct pid_namespace *rns, *pidns = NULL;
	const struct cred *cred;
	struct mm_struct *mm;
	struct pid *tpid;
	unsigned int level = 0, plevel;

	if (!task)
		return 0;
	rns = osm_reader_ns(&level);
	if (!rns)
		return 0;
	tpid = BPF_CORE_READ(task, thread_pid);
	r.tid = osm_pid_at(tpid, level, rns);
	if (!r.tid)
		return 0;
	r.tgid = osm_pid_at(BPF_CORE_READ(task, group_leader, thread_pid),
			    level, rns);
	r.ppid = osm_pid_at(BPF_CORE_READ(task, real_parent, group_leader,
					  thread_pid), level, rns);
	if (BPF_CORE_READ(task, ptrace))
		r.tracer = osm_pid_at(BPF_CORE_READ(task, parent, thread_pid),
				      level, rns);
	if (BPF_CORE_READ(task, flags) & PF_KTHREAD)
		r.flags |= OSM_BT_KTHREAD;
	if (BPF_CORE_READ(task, atomic_flags) & (1UL << PFA_NO_NEW_PRIVS))
		r.flags |= OSM_BT_NNP;
	r.seccomp = BPF_CORE_READ(task, seccomp.mode);
	BPF_CORE_READ_STR_INTO(&r.comm, task, comm);

	cred = BPF_CORE_READ(task, real_cred);
	r.uid = BPF_CORE_READ(cred, uid.val);
	r.euid = BPF_CORE_READ(cred, euid.val);
	r.gid = BPF_CORE_READ(cred, gid.val);
	r.egid = BPF_CORE_READ(cred, egid.val);

	mm = BPF_CORE_READ(task, mm);
	if (mm && !(r.flags & OSM_BT_KTHREAD)) {
		r.mm = osm_hash(mm, OSM_H_MM);
		r.mm_vmas = BPF_CORE_READ(mm, map_count);
		r.mm_dumpable = osm_mm_flags(mm) & 3;
		r.mm_owner = BPF_CORE_READ(mm, user_ns, ns.inum);
	}
	r.files = osm_hash(BPF_CORE_READ(task, files), OSM_H_FILES);
	r.fs = osm_hash(BPF_CORE_READ(task, fs), OSM_H_FS);
	r.sighand = osm_hash(BPF_CORE_READ(task, sighand), OSM_H_SIGHAND);
	r.cgroup = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);

	/* The task's own pid namespace: thread_pid->numbers[level].ns. */
	plevel = BPF_CORE_READ(tpid, level);
	if (plevel < OSM_NS_LEVELS) {
		struct upid up = {};

		if (!osm_upid(tpid, plevel, &up))
			pidns = up.ns;
	}
	osm_task_ns(&r, task, cred, pidns);

	bpf_seq_write(ctx->meta->seq, &r, sizeof(r));
	return 0;
}

SEC("iter/task_file")
int osm_task_file(struct bpf_iter__task_file *ctx)
{
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	struct osm_bfile r = {};
	struct inode *inode;

	if (!task || !file || !osm_reader_tgid(task, &r.tgid))
		return 0;
	r.fd = ctx->fd;
	r.files = osm_hash(BPF_CORE_READ(task, files), OSM_H_FILES);
	r.file = osm_hash(file, OSM_H_FILE);
	r.pos = BPF_CORE_READ(file, f_pos);
	r.f_mode = BPF_CORE_READ(file, f_mode);
	r.f_flags = BPF_CORE_READ(file, f_flags);
	inode = BPF_CORE_READ(file, f_inode);
	osm_inode(inode, &r.dev, &r.ino, &r.mode);
	if (BPF_CORE_READ(inode, i_sb, s_magic) == ANON_INODE_FS_MAGIC) {
		r.anon = 1;
		bpf_probe_read_kernel_str(r.anon_name, sizeof(r.anon_name),
					  BPF_CORE_READ(file, f_path.dentry,
							d_name.name));
	}
	bpf_seq_write(ctx->meta->seq, &r, sizeof(r));
	return 0;
}

SEC("iter/task_vma")
int osm_task_vma(struct bpf_iter__task_vma *ctx)
{
	struct vm_area_struct *vma = ctx->vma;
	struct task_struct *task = ctx->task;
	struct osm_bvma r = {};
	struct file *file;

	if (!task || !vma || !osm_reader_tgid(task, &r.tgid))
		return 0;
	r.mm = osm_hash(BPF_CORE_READ(vma, vm_mm), OSM_H_MM);
	r.start = BPF_CORE_READ(vma, vm_start);
	r.end = BPF_CORE_READ(vma, vm_end);
	r.flags = BPF_CORE_READ(vma, vm_flags);
	file = BPF_CORE_READ(vma, vm_file);
	if (file) {
		r.pgoff = BPF_CORE_READ(vma, vm_pgoff) << 12;
		osm_inode(BPF_CORE_READ(file, f_inode), &r.dev, &r.ino,
			  &r.mode);
	}
	bpf_seq_write(ctx->meta->seq, &r, sizeof(r));
	return 0;
}

SEC("iter/cgroup")
int osm_cgroup(struct bpf_iter__cgroup *ctx)
{
	struct cgroup *cgrp = ctx->cgroup;
	struct osm_bcgroup r = {};
	struct cgroup *parent;

	if (!cgrp)
		return 0;
	r.id = BPF_CORE_READ(cgrp, kn, id);
	r.level = BPF_CORE_READ(cgrp, level);
	parent = BPF_CORE_READ(cgrp, self.parent, cgroup);
	if (parent)
		r.parent = BPF_CORE_READ(parent, kn, id);
	bpf_probe_read_kernel_str(r.name, sizeof(r.name),
				  BPF_CORE_READ(cgrp, kn, name));
	bpf_seq_write(ctx->meta->seq, &r, sizeof(r));
	return 0;
}
