/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * osmosis: internal interfaces of the module.
 *
 * A reader (one open file of /dev/osmosis) walks the live system one
 * process at a time and renders each into a text chunk (emit.c) that
 * read(2) hands out.  Shared resources are rendered once per walk: the
 * idset remembers which node ids this walk has already emitted, and
 * ident.c decides when an object met again is one already named.
 */
#ifndef _OSMOSIS_INTERNAL_H
#define _OSMOSIS_INTERNAL_H

#include <linux/types.h>
#include <linux/cpumask.h>
#include <linux/limits.h>
#include <linux/mutex.h>
#include <linux/nodemask.h>
#include <linux/path.h>
#include <linux/string.h>
#include <linux/osmosis.h>

struct file;
struct task_struct;
struct pid_namespace;
struct cgroup_namespace;
struct user_namespace;
struct mm_struct;
struct cred;
struct path;
struct inode;

/* Node types; the order is internal, the names are the uapi strings. */
enum osm_type {
	OSM_T_KERNEL,
	OSM_T_PROCESS,
	OSM_T_THREAD,
	OSM_T_MM,
	OSM_T_VMA,
	OSM_T_FILES,
	OSM_T_FILE,
	OSM_T_INODE,
	OSM_T_FS,
	OSM_T_SIGHAND,
	OSM_T_CGROUP,
	OSM_T_MNT_NS,
	OSM_T_UTS_NS,
	OSM_T_IPC_NS,
	OSM_T_PID_NS,
	OSM_T_NET_NS,
	OSM_T_USER_NS,
	OSM_T_CGROUP_NS,
	OSM_T_TIME_NS,
	OSM_T_CRED,
	OSM_T_SECCOMP,
	OSM_T_SHM,	/* SHM to SEMUNDO: all under OSM_RES_SYSVIPC */
	OSM_T_SEM,
	OSM_T_MSG,
	OSM_T_SEMUNDO,
	OSM_T_PHYS,	/* not a scope type: OSM_SCOPE_PHYS turns it on */
	OSM_T_FUSE,
	OSM_T_UFFD,
	OSM_T_NR,
};

/**
 * struct osm_id - the identity of a node, rendered as "<type>:<token>"
 * @type: an enum osm_type.
 * @a: first key: hash, number, or encoded device.
 * @b: second key: VMA start or inode number; 0 where unused.
 */
struct osm_id {
	u64 a;
	u64 b;
	u32 type;
};

/**
 * struct osm_idslot - one id in the set, and how to confirm it later
 * @a: &struct osm_id.a.
 * @b: &struct osm_id.b.
 * @type: &struct osm_id.type plus one; 0 marks a free slot.
 * @fd: for an open file, the descriptor of @holder it was met at.
 * @holder: for an object named by a hash of its address (mm, files,
 *	fs, sighand, file, uffd): the pid of the task it was first met
 *	in, referenced, so a later meeting can confirm the object is
 *	still the same (see ident.c).
 * @print: for an inode or a FUSE connection: a fingerprint of the
 *	object (ident.c).
 */
struct osm_idslot {
	u64 a;
	u64 b;
	u32 type;
	u32 fd;
	union {
		struct pid *holder;
		u64 print;
	};
};

/**
 * struct osm_idset - open-addressing set of the node ids a walk emitted
 * @slots: kvmalloc()ed table, @mask + 1 entries.
 * @mask: table size minus one (a power of two).
 * @bits: log2 of the table size.
 * @count: ids in the set.
 */
struct osm_idset {
	struct osm_idslot *slots;
	size_t mask;
	unsigned int bits;
	size_t count;
};

/**
 * struct osm_buf - growable text buffer for one chunk of the graph
 * @data: kvmalloc()ed bytes.
 * @len: bytes written.
 * @cap: bytes allocated.
 */
struct osm_buf {
	char *data;
	size_t len;
	size_t cap;
};

enum osm_stage {
	OSM_STAGE_HEADER,
	OSM_STAGE_PROCESSES,
	OSM_STAGE_SYSVIPC,	/* SysV objects of the IPC namespaces met */
	OSM_STAGE_PEERS,	/* edges that wait for both ends (res_sock.c) */
	OSM_STAGE_PHYS,		/* frames, once every region is met (res_phys.c) */
	OSM_STAGE_END,
	OSM_STAGE_DONE,
};

/* Where the walk is inside one thread. */
enum osm_thread_stage {
	OSM_TS_NODE,	/* the thread node and its member edge */
	OSM_TS_MM,	/* its address space, region by region */
	OSM_TS_FILES,	/* its descriptor table, fd by fd */
	OSM_TS_REST,	/* fs, sighand, namespaces, cgroup */
};

/*
 * A chunk is handed out once it holds this much text.  Regions and
 * descriptors are rendered in pieces that resume where they stopped, so
 * no chunk grows much past it whatever one process holds.
 */
#define OSM_CHUNK_SOFT		(128 * 1024)

/*
 * What a walk allocates: charged to the reader's memory cgroup, and
 * allowed to fail.  Past the cgroup's memory.max (or with the system
 * short of memory) the read fails with -ENOMEM: __GFP_RETRY_MAYFAIL keeps
 * the OOM killer, the cgroup's and the system's, from killing anyone for
 * a reader, and __GFP_NOWARN keeps the failure out of the kernel log.
 */
#define OSM_GFP_WALK	(GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | \
			 __GFP_NOWARN)

/**
 * struct osm_cursor - where the walk is inside the current process
 * @tids: the process's thread ids (in the reader's pid namespace) when
 *	the walk reached it; NULL between processes.
 * @nr: number of @tids.
 * @next: index in @tids of the thread being rendered.
 * @tgid: the process's pid.
 * @task: the thread at @next, referenced while it is being rendered.
 * @group: the PD the threads are members of (process or kernel).
 * @stage: how far @task is rendered.
 * @thread: @task's node.
 * @res: the mm or files node being rendered in pieces, or type
 *	OSM_T_NR when none is open.
 * @mm: the address space of @res, pinned with mmgrab() while it is
 *	rendered (as fs/proc/task_mmu.c pins it between reads).
 * @files: the descriptor table of @res; compared, never dereferenced.
 * @addr: next region address of @mm.
 * @fd: next descriptor of @files.
 * @phys_start: start of the region whose frames are being read.
 * @phys_addr: where reading them resumes; below @phys_end while a
 *	region's frames are read in pieces.
 * @phys_end: the region's end, as its node was rendered.
 *
 * Threads are looked up by number one at a time, as
 * kernel/bpf/task_iter.c does, so a paused reader pins one task and one
 * mm, not every thread of a large process.  Locks are taken again on
 * each resume.
 */
struct osm_cursor {
	pid_t *tids;
	int nr;
	int next;
	pid_t tgid;
	struct task_struct *task;
	struct osm_id group;
	enum osm_thread_stage stage;
	struct osm_id thread;
	struct osm_id res;
	struct mm_struct *mm;
	const void *files;
	unsigned long addr;
	unsigned int fd;
	unsigned long phys_start;
	unsigned long phys_addr;
	unsigned long phys_end;
};

/**
 * struct osm_peer - a socket and the inode number of its peer
 * @src: the socket's inode node.
 * @ino: the peer's inode number, on the same (sockfs) device.
 */
struct osm_peer {
	struct osm_id src;
	u64 ino;
};

/**
 * struct osm_peers - peers noted during a walk, drawn at its end
 * @slots: kvmalloc()ed array of @cap entries.
 * @nr: entries in use.
 * @cap: entries allocated.
 * @next: the next entry to draw.
 */
struct osm_peers {
	struct osm_peer *slots;
	size_t nr;
	size_t cap;
	size_t next;
};

struct ipc_namespace;

/**
 * struct osm_ipcns_list - IPC namespaces whose objects the walk renders
 * @ns: kvmalloc()ed array of @cap namespaces, each referenced.
 * @nr: entries in use.
 * @cap: entries allocated.
 * @next: the namespace being rendered.
 * @kind: 0, 1, 2: its shm, sem or msg objects are being rendered.
 * @idx: the next index to look at in that kind's idr.
 */
struct osm_ipcns_list {
	struct ipc_namespace **ns;
	size_t nr;
	size_t cap;
	size_t next;
	int kind;
	int idx;
};

/**
 * struct osm_run - frames one region maps at consecutive addresses
 * @mm: the region's node: &struct osm_id.a of its mm ...
 * @start: ... and its start address (&struct osm_id.b).
 * @pfn: the first frame.
 * @va: the address that maps @pfn.
 * @pages: how many frames, contiguous both physically and virtually.
 */
struct osm_run {
	u64 mm;
	u64 start;
	u64 pfn;
	u64 va;
	u32 pages;
};

/**
 * struct osm_phys - frame runs noted during a walk, drawn at its end
 * @runs: kvmalloc()ed array of @cap runs; while drawn, sorted by @pfn,
 *	the runs covering @pos first (@nact of them), then spent ones,
 *	then those not reached yet (from @next).
 * @nr: runs in use.
 * @cap: runs allocated.
 * @sorted: the drawing has begun.
 * @next: the first run not reached yet.
 * @nact: the runs that cover @pos.
 * @pos: the first frame of the interval being drawn.
 * @iend: the frame after it, once its node is drawn (else 0).
 * @edge: the next of the @nact runs to draw an edge for.
 */
struct osm_phys {
	struct osm_run *runs;
	size_t nr;
	size_t cap;
	bool sorted;
	size_t next;
	size_t nact;
	u64 pos;
	u64 iend;
	size_t edge;
};

/**
 * struct osm_memo - one remembered keyed hash (ident.c)
 * @obj: the object hashed.
 * @x: what was hashed with it: its type, or a property of it (with
 *	bit 63 set for a fingerprint).
 * @y: another property (a fingerprint), or 0.
 * @hash: the result.
 */
struct osm_memo {
	const void *obj;
	u64 x;
	u64 y;
	u64 hash;
};

#define OSM_MEMO_BITS	6

/**
 * struct osm_reader - per-open state of /dev/osmosis
 * @lock: serialises read(2) calls on this open file; protects all below.
 * @file: the open file; its f_cred is the reader's identity.
 * @pid_ns: the opener's pid namespace (reference held): pids are
 *	rendered in it and tasks outside it are not walked.
 * @cgroup_ns: the opener's cgroup namespace (reference held), for paths.
 * @full_view: the opener had CAP_SYS_PTRACE in the initial user namespace.
 * @limited: the open counts against the walk limits (walk_limit.c).
 * @stage: where the walk is.
 * @next_tgid: the walk visits processes in pid order from here.
 * @cur: where the walk is inside the current process.
 * @out: the chunk being handed out; @out_pos bytes of it are consumed.
 * @out_pos: see @out.
 * @ids: ids of the threads and resources this walk has emitted.
 * @peers: socket peers to draw at the end of the walk.
 * @ipcns: IPC namespaces whose SysV objects are drawn at the end.
 * @phys: frame runs to draw at the end of the walk.
 * @phys_on: the walk renders physical memory (OSM_SCOPE_PHYS).
 * @scope_pid: the one process a scoped walk renders (referenced), or NULL.
 * @scope_done: that process has been rendered.
 * @types: OSM_RES_* types the walk renders (all unless scoped).
 * @scoped: OSM_IOC_SET_SCOPE was called (it may be called once).
 * @nodes: node records emitted.
 * @edges: edge records emitted.
 * @err: sticky error: once a walk fails, every later read fails.
 * @pathbuf: PATH_MAX scratch buffer for d_path() and cgroup paths.
 * @memo: keyed hashes computed lately (ident.c).
 *
 * Once @err is set the walk drops everything it holds (ids, cursor).
 */
struct osm_reader {
	struct mutex lock;	/* serialises read(2); protects the rest */
	struct file *file;
	struct pid_namespace *pid_ns;
	struct cgroup_namespace *cgroup_ns;
	bool full_view;
	bool limited;
	enum osm_stage stage;
	pid_t next_tgid;
	struct osm_cursor cur;
	struct osm_buf out;
	size_t out_pos;
	struct osm_idset ids;
	struct osm_peers peers;
	struct osm_ipcns_list ipcns;
	struct osm_phys phys;
	bool phys_on;
	struct pid *scope_pid;
	bool scope_done;
	u64 types;
	bool scoped;
	u64 nodes;
	u64 edges;
	int err;
	char *pathbuf;
	struct osm_memo memo[1 << OSM_MEMO_BITS];
};

/* main.c: tunables (module parameters). */
extern unsigned int osm_max_nodes;

/* ids.c */
void osm_ids_init(void);
u64 osm_hash_ptr(const void *ptr, enum osm_type type, unsigned int gen);
u32 osm_hash_print(const void *ptr, u64 x, u64 y);
u64 osm_epoch(void);

/* idset.c */
struct osm_idslot *osm_idset_find(struct osm_idset *set,
				  const struct osm_id *id);
struct osm_idslot *osm_idset_insert(struct osm_idset *set,
				    const struct osm_id *id);
int osm_idset_add(struct osm_idset *set, const struct osm_id *id);
int osm_idset_reserve(struct osm_idset *set, size_t n);

/**
 * osm_idset_room() - can @n ids be added without growing the table?
 * @set: the walk's set.
 * @n: how many.
 *
 * Ids past max_nodes are refused rather than stored, so they need no
 * room.  Inline: the walk asks before each region and resource.
 *
 * Return: true if osm_idset_add() of @n new ids will not allocate.
 */
static inline bool osm_idset_room(const struct osm_idset *set, size_t n)
{
	size_t need = min_t(size_t, set->count + n, max(osm_max_nodes, 1U));

	return need <= (set->slots ? (set->mask + 1) / 2 : 0);
}

void osm_idset_free(struct osm_idset *set);

/* ident.c */
bool osm_ids_reserve_slow(struct osm_reader *r, size_t n);

/**
 * osm_ids_reserve() - make room for @n ids before taking a lock.
 * @r: the reader; its error is set on failure.
 * @n: how many ids the next locked step may add.
 *
 * Context: may sleep.
 * Return: true if the room is there.
 */
static inline bool osm_ids_reserve(struct osm_reader *r, size_t n)
{
	if (likely(!r->err && osm_idset_room(&r->ids, n)))
		return true;
	return osm_ids_reserve_slow(r, n);
}

int osm_object_id(struct osm_reader *r, enum osm_type type, const void *obj,
		  struct task_struct *holder, unsigned int fd,
		  struct osm_id *id);
int osm_inode_id(struct osm_reader *r, const struct inode *inode,
		 struct osm_id *id);
bool osm_inode_rendered(struct osm_reader *r, const struct inode *inode,
			struct osm_id *id);
int osm_named_id(struct osm_reader *r, enum osm_type type, u64 name,
		 u32 print, struct osm_id *id);
#define OSM_FD_NONE	UINT_MAX	/* osm_uffd_id(): met through a region */
/* osm_object_id() of a file: met in the queue of the socket at fd. */
#define OSM_FD_INFLIGHT	0x80000000U
int osm_uffd_id(struct osm_reader *r, const void *ctx,
		struct task_struct *holder, unsigned int fd,
		const struct mm_struct *mm, struct osm_id *id);

/* walk_limit.c */
int osm_walk_limit_get(struct osm_reader *r);
void osm_walk_limit_put(struct osm_reader *r);

/* emit.c */
void osm_buf_reset(struct osm_buf *buf);
void osm_buf_free(struct osm_buf *buf);
int osm_buf_prepare(struct osm_buf *buf);
__printf(2, 3) void osm_printf(struct osm_reader *r, const char *fmt, ...);
void osm_put_escaped(struct osm_reader *r, const char *s);
void osm_put_mem_slow(struct osm_reader *r, const char *s, size_t n);
char *osm_reserve_slow(struct osm_reader *r, size_t n);
void osm_put_num(struct osm_reader *r, u64 v, unsigned int base,
		 unsigned int width);
char *osm_fmt_dec(char *p, u64 v);
char *osm_fmt_hex(char *p, u64 v, unsigned int width);

/* Room a number takes at most (22 octal digits), a node type's name. */
#define OSM_NUM_MAX		24
#define OSM_TYPE_NAME_MAX	16
/* ... and an id: "inode:<maj>:<min>:<ino>:<8 hex>" is the longest. */
#define OSM_ID_MAX		(OSM_TYPE_NAME_MAX + 4 * OSM_NUM_MAX + 8)

/**
 * osm_reserve() - room for @n bytes at the end of the chunk.
 * @r: the reader.
 * @n: the most the caller will write before osm_commit().
 *
 * Inline: most of a graph is short pieces, and the buffer is allocated
 * at its working size before the walk (emit.c), so the slow path is rare.
 *
 * Return: where to write, or NULL once the walk has failed (nothing may
 * be written then).
 */
static __always_inline char *osm_reserve(struct osm_reader *r, size_t n)
{
	struct osm_buf *buf = &r->out;

	if (likely(!r->err && buf->len + n + 1 <= buf->cap))
		return buf->data + buf->len;
	return osm_reserve_slow(r, n);
}

/* Keep what was written at osm_reserve()'s pointer, up to @end. */
static __always_inline void osm_commit(struct osm_reader *r, char *end)
{
	r->out.len = end - r->out.data;
}

/* Copy @n bytes to @p; returns the end. */
static __always_inline char *osm_fmt_mem(char *p, const char *s,
					 size_t n)
{
	memcpy(p, s, n);
	return p + n;
}

/**
 * osm_put_mem() - append @n plain bytes to the chunk.
 * @r: the reader.
 * @s: the bytes; the caller makes sure they need no escaping.
 * @n: how many.
 */
static __always_inline void osm_put_mem(struct osm_reader *r, const char *s,
					size_t n)
{
	struct osm_buf *buf = &r->out;

	if (likely(!r->err && buf->len + n + 1 <= buf->cap)) {
		memcpy(buf->data + buf->len, s, n);
		buf->len += n;
		return;
	}
	osm_put_mem_slow(r, s, n);
}

/*
 * Append a NUL-terminated string that needs no escaping.  Inline, so
 * the length of a literal is known when it is compiled.
 */
static __always_inline void osm_puts(struct osm_reader *r, const char *s)
{
	osm_put_mem(r, s, strlen(s));
}

/*
 * " key=" at @p, for the attribute writers below; they are inline so a
 * literal key is copied as a constant, in one piece with its value.
 */
static __always_inline char *osm_fmt_key(char *p, const char *key,
					 size_t n)
{
	*p++ = ' ';
	p = osm_fmt_mem(p, key, n);
	*p++ = '=';
	return p;
}

/**
 * osm_attr_u64() - append " key=<decimal>".
 * @r: the reader.
 * @key: attribute name.
 * @v: the value.
 */
static __always_inline void osm_attr_u64(struct osm_reader *r,
					 const char *key, u64 v)
{
	size_t n = strlen(key);
	char *p = osm_reserve(r, n + 2 + OSM_NUM_MAX);

	if (p)
		osm_commit(r, osm_fmt_dec(osm_fmt_key(p, key, n), v));
}

/**
 * osm_attr_hex() - append " key=0x<hex>".
 * @r: the reader.
 * @key: attribute name.
 * @v: the value.
 */
static __always_inline void osm_attr_hex(struct osm_reader *r,
					 const char *key, u64 v)
{
	size_t n = strlen(key);
	char *p = osm_reserve(r, n + 4 + OSM_NUM_MAX);

	if (!p)
		return;
	p = osm_fmt_mem(osm_fmt_key(p, key, n), "0x", 2);
	osm_commit(r, osm_fmt_hex(p, v, 0));
}

/**
 * osm_attr_str() - append " key=value" with @val escaped.
 * @r: the reader.
 * @key: attribute name.
 * @val: attribute value.
 */
static __always_inline void osm_attr_str(struct osm_reader *r,
					 const char *key, const char *val)
{
	size_t n = strlen(key);
	char *p = osm_reserve(r, n + 2);

	if (!p)
		return;
	osm_commit(r, osm_fmt_key(p, key, n));
	osm_put_escaped(r, val);
}

void osm_attr_devino(struct osm_reader *r, dev_t dev, u64 ino);
bool osm_node_begin(struct osm_reader *r, const struct osm_id *id);
void osm_edge_begin_len(struct osm_reader *r, const struct osm_id *src,
			const char *kind, size_t klen,
			const struct osm_id *dst);

/**
 * osm_edge_begin() - start an edge record "<src> <kind> <dst>".
 * @r: the reader.
 * @src: source node, already emitted in this walk.
 * @kind: an OSM_EDGE_* string.
 * @dst: destination node, already emitted in this walk.
 *
 * Finish with osm_end_line(), after any attributes.
 */
static __always_inline void osm_edge_begin(struct osm_reader *r,
					   const struct osm_id *src,
					   const char *kind,
					   const struct osm_id *dst)
{
	osm_edge_begin_len(r, src, kind, strlen(kind), dst);
}

void osm_attr_path(struct osm_reader *r, const char *key,
		   const struct path *path);

/**
 * osm_end_line() - finish a record.
 * @r: the reader.
 */
static __always_inline void osm_end_line(struct osm_reader *r)
{
	osm_put_mem(r, "\n", 1);
}

bool osm_chunk_full(const struct osm_reader *r);

/* visibility.c */
bool osm_may_inspect(struct osm_reader *r, struct task_struct *task);
bool osm_opener_capable(struct osm_reader *r, struct user_namespace *ns,
			int cap);
bool osm_cred_has_cap(const struct cred *cred, struct user_namespace *ns,
		      int cap);

/* walk.c */
ssize_t osm_walk_read(struct osm_reader *r, char __user *ubuf, size_t count);
void osm_walk_release(struct osm_reader *r);

/* res_task.c */
void osm_process_begin(struct osm_reader *r, struct task_struct *leader,
		       pid_t tgid);
bool osm_process_step(struct osm_reader *r);
void osm_process_end(struct osm_reader *r);
void osm_cursor_close_res(struct osm_cursor *c);
struct task_struct *osm_thread_get(struct osm_reader *r, pid_t tid);

/* res_inode.c */
const char *osm_ftype(umode_t mode);
bool osm_file_is_anon(const struct file *file);
bool osm_emit_inode_of(struct osm_reader *r, struct file *file,
		       struct osm_id *id);

/* res_mm.c */
bool osm_emit_mm(struct osm_reader *r, struct task_struct *task);

/* res_files.c */
bool osm_emit_files(struct osm_reader *r, struct task_struct *task);

/* res_shared.c */
struct sighand_struct;
int osm_under_siglock(struct task_struct *task,
		      int (*fn)(struct sighand_struct *sh, void *arg),
		      void *arg);
void osm_emit_fs(struct osm_reader *r, struct task_struct *task,
		 const struct osm_id *holder);
void osm_emit_sighand(struct osm_reader *r, struct task_struct *task,
		      const struct osm_id *holder);

/* res_sock.c */
void osm_attr_sock(struct osm_reader *r, struct file *file);
bool osm_emit_file(struct osm_reader *r, struct task_struct *holder,
		   unsigned int fd, struct file *file, struct osm_id *id);
void osm_emit_inflight(struct osm_reader *r, struct task_struct *holder,
		       unsigned int fd, struct file *file,
		       const struct osm_id *sock_id);
bool osm_inflight_has(struct task_struct *holder, unsigned int fd,
		      const void *obj);
void osm_note_peer(struct osm_reader *r, struct file *file,
		   const struct osm_id *id);
bool osm_emit_peers(struct osm_reader *r);
void osm_peers_free(struct osm_peers *p);

/* res_phys.c */
struct vm_area_struct;
bool osm_phys_wanted(const struct osm_reader *r,
		     const struct vm_area_struct *vma);
bool osm_phys_reserve(struct osm_reader *r);
bool osm_phys_read(struct osm_reader *r, struct vm_area_struct *vma,
		   const struct osm_id *region, unsigned long *addr,
		   unsigned long end);
bool osm_emit_phys(struct osm_reader *r);
void osm_phys_free(struct osm_phys *p);

/* res_cred.c */
void osm_emit_cred(struct osm_reader *r, struct task_struct *task,
		   const struct osm_id *holder);
void osm_emit_seccomp(struct osm_reader *r, struct task_struct *task,
		      const struct osm_id *holder);

/* res_ns.c */
void osm_emit_namespaces(struct osm_reader *r, struct task_struct *task,
			 const struct osm_id *holder);
void osm_emit_cgroup(struct osm_reader *r, struct task_struct *task,
		     const struct osm_id *holder);

/* res_nstree.c */
struct cgroup;
struct pid_namespace;
void osm_emit_userns(struct osm_reader *r, struct user_namespace *ns);
void osm_emit_owner(struct osm_reader *r, const struct osm_id *id,
		    struct user_namespace *owner);
void osm_emit_pidns(struct osm_reader *r, struct pid_namespace *ns);
void osm_emit_cgroup_node(struct osm_reader *r, struct cgroup *cgrp,
			  struct osm_id *id);

/* res_request.c */
struct super_block;
struct vm_area_struct;
void osm_emit_fuse_request(struct osm_reader *r, const struct osm_id *src,
			   struct super_block *sb, const char *what);
void osm_emit_uffd_request(struct osm_reader *r, struct vm_area_struct *vma,
			   const struct osm_id *vma_id);
void osm_emit_serve(struct osm_reader *r, struct file *file,
		    const struct osm_id *file_id, struct task_struct *holder,
		    unsigned int fd);

/* fuse_layout.c */
bool osm_sb_is_fuse(const struct super_block *sb);
bool osm_file_is_fuse_dev(struct file *file);
/**
 * struct osm_fuse_sb - what the walk shows of a FUSE superblock
 * @dev: its s_dev.
 * @print: a fingerprint of the superblock object (osm_hash_print()).
 * @fstype: "fuse" or "fuseblk" (a static string of the file system).
 * @subtype: copied into the reader's pathbuf, or false when it has none.
 */
struct osm_fuse_sb {
	dev_t dev;
	u32 print;
	const char *fstype;
	bool subtype;
};

void osm_fuse_sb_info(struct osm_reader *r, struct super_block *sb,
		      struct osm_fuse_sb *info);
bool osm_fuse_dev_sb(struct osm_reader *r, struct file *file,
		     struct osm_fuse_sb *info);

/* res_sysvipc.c */
void osm_sysvipc_note(struct osm_reader *r, struct ipc_namespace *ns);
void osm_ipcns_put(struct ipc_namespace *ns);
bool osm_emit_sysvipc(struct osm_reader *r);
void osm_sysvipc_free(struct osm_ipcns_list *l);
void osm_emit_semundo(struct osm_reader *r, struct task_struct *task,
		      const struct osm_id *holder);

/* ipc_layout.c */
struct kern_ipc_perm;
struct ipc_ids *osm_ipc_ids(struct ipc_namespace *ns, int kind);
const struct inode *osm_shm_peek(struct kern_ipc_perm *perm,
				 unsigned long *size, unsigned long *nattch);

/* mntns_layout.c */
int osm_mntns_layout_init(void);
struct ns_common *osm_mnt_ns_common(struct task_struct *task);

/* bench_floor.c */
void osm_floor_init(void);
void osm_floor_exit(void);

/* ioctl.c */
long osm_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
int osm_copy_struct_in(void *dst, size_t ksize, size_t ver0,
		       const void __user *uarg, u32 *usize);

/**
 * struct osm_spawn_spec - what a spawned PD was asked to be
 * @mode: OSM_SPAWN_* per OSM_SPAWN_R_* resource, defaults resolved.
 * @flags: OSM_SPAWN_NO_NEW_PRIVS or 0.
 * @join_inum: for each joined namespace, its nsfs inode number.
 * @cgroup_id: the new cgroup, with cgroup mode OSM_SPAWN_NEW.
 * @memory_max: its memory.max as the caller set it (0: max).
 * @pids_max: its pids.max (0: max).
 * @uid: cred new: the uid asked for, in the child's user namespace.
 * @gid: cred new: the gid.
 * @caps_keep: cred new: the capabilities the child keeps.
 * @cpu_max_quota: cgroup new: cpu.max quota in us as declared (0: max).
 * @cpu_max_period: its period in us (0: the default).
 * @cpus: with @has_cpus, the cpuset.cpus asked for.
 * @mems: with @has_mems, the cpuset.mems asked for.
 * @has_cpus: @cpus is allocated and set.
 * @has_mems: @mems is set.
 * @cgdir: with @has_cgdir, the new cgroup's directory, whose cpu.max
 *	COMMIT reads (cpu_max_quota or cpu_max_period declared).
 * @has_cgdir: @cgdir is set and referenced.
 * @root: with @has_root, the directory that becomes the root (fs new).
 * @has_root: @root is set and referenced.
 * @fds: files new with a list: each descriptor of the child and the
 *	open file (referenced) it must be.
 * @nr_fds: entries of @fds.
 */
struct osm_spawn_spec {
	u8 mode[OSM_SPAWN_NR];
	u32 flags;
	unsigned int join_inum[OSM_SPAWN_NR_NS];
	u64 cgroup_id;
	u64 memory_max;
	u64 pids_max;
	u32 uid;
	u32 gid;
	u64 caps_keep;
	u64 cpu_max_quota;
	u64 cpu_max_period;
	cpumask_var_t cpus;
	nodemask_t mems;
	bool has_cpus;
	bool has_mems;
	struct path cgdir;
	bool has_cgdir;
	struct path root;
	bool has_root;
	struct {
		int to;
		struct file *file;
	} *fds;
	unsigned int nr_fds;
};

/* spawn.c */
long osm_ioc_spawn_prepare(void __user *uarg);
long osm_ioc_spawn_commit(struct file *file, void __user *uarg);
long osm_ioc_spawn_clone(void __user *uarg);

/* control.c */
long osm_ioc_control_check(struct osm_reader *r, void __user *uarg);
void osm_spawn_exit(void);
void osm_spawn_emit(struct osm_reader *r, struct task_struct *leader);

/* spawn_graph.c */
void osm_spawn_render(struct osm_reader *r, const struct osm_spawn_spec *spec);

/* spawn_plan.c */
struct osm_spawn_req;
int osm_spawn_plan(struct osm_spawn_req *req, struct osm_spawn_spec *spec);
int osm_spawn_plan_clone(u8 *mode, struct osm_spawn_spec *spec);

/* spawn_stack.c */
int osm_spawn_plan_stack(const struct osm_spawn_req *req);
bool osm_spawn_verify_stack(void);

/* spawn_cred.c */
int osm_spawn_plan_cred(struct osm_spawn_req *req,
			struct osm_spawn_spec *spec);
u64 osm_spawn_verify_cred(const struct osm_spawn_spec *spec,
			  struct task_struct *child,
			  struct task_struct *parent);

/* spawn_cgroup.c */
int osm_spawn_plan_limits(const struct osm_spawn_req *req,
			  struct osm_spawn_spec *spec);
bool osm_spawn_verify_limits(const struct osm_spawn_spec *spec);
void osm_spawn_spec_free(struct osm_spawn_spec *spec);

/* spawn_fs.c */
int osm_spawn_plan_fs(struct osm_spawn_req *req, struct osm_spawn_spec *spec);
bool osm_spawn_verify_root(const struct osm_spawn_spec *spec);
bool osm_spawn_verify_fds(const struct osm_spawn_spec *spec,
			  const struct file *commit);
void osm_spawn_fs_free(struct osm_spawn_spec *spec);

/* spawn_ns.c */
u64 osm_spawn_ns_flag(unsigned int i);
u64 osm_spawn_ns_mask(void);
void osm_spawn_ns_inums(struct task_struct *task, bool for_children,
			unsigned int inum[OSM_SPAWN_NR_NS]);
int osm_spawn_nsfd(int fd, unsigned int i, unsigned int *inum,
		   struct user_namespace **admin);

/**
 * osm_want() - does this walk render nodes of @type?
 * @r: the reader.
 * @type: an enum osm_type.
 *
 * Return: true for PDs and for the resource types of the walk's scope;
 * for frames, when the walk was asked for them and renders regions.
 */
static inline bool osm_want(const struct osm_reader *r, enum osm_type type)
{
	if (type < OSM_T_MM)
		return true;
	switch (type) {
	case OSM_T_PHYS:	/* frames hang off regions */
		return r->phys_on && (r->types & OSM_RES_VMA);
	case OSM_T_SHM ... OSM_T_SEMUNDO:
		return r->types & OSM_RES_SYSVIPC;
	case OSM_T_FUSE:
		return r->types & OSM_RES_FUSE;
	case OSM_T_UFFD:
		return r->types & OSM_RES_UFFD;
	default:
		return r->types & (1ULL << (type - OSM_T_MM));
	}
}

#endif /* _OSMOSIS_INTERNAL_H */
