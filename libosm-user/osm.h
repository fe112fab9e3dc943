/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * libosm: read the osmosis isolation graph and run queries on it.
 *
 * Conventions (as libbpf): functions returning int give 0 or a positive
 * count on success and a negative errno on failure, and also set errno;
 * functions returning a pointer give NULL and set errno on failure.
 * Options structs start with "size_t sz" and are built with OSM_OPTS(),
 * so old binaries keep working when a struct grows.  The library keeps
 * no global state and never prints.
 */
#ifndef __LIBOSM_OSM_H
#define __LIBOSM_OSM_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>		/* memset() in OSM_OPTS() */
#include <linux/osmosis.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef OSM_API
#define OSM_API __attribute__((visibility("default")))
#endif

/* Declare and zero an options struct, set its size, and fill fields. */
#define OSM_OPTS(TYPE, NAME, ...)					\
	struct TYPE NAME = ({						\
		memset(&NAME, 0, sizeof(struct TYPE));			\
		(struct TYPE){ .sz = sizeof(struct TYPE), __VA_ARGS__ };\
	})

struct osm_graph;
struct osm_node;
struct osm_edge;
struct osm_querier;

/* OSM_LIB_{MAJOR,MINOR,PATCH}_VERSION, OSM_LIB_VERSION_STR */
#include "osm_version.h"

/** osm_version() - the library version, "MAJOR.MINOR.PATCH". */
OSM_API const char *osm_version(void);

/**
 * osm_ioc_get_api() - OSM_IOC_GET_API on an open /dev/osmosis descriptor.
 * @fd: descriptor of the device.
 * @api: filled in; api->size is set by the call.
 *
 * Return: 0, or a negative errno.
 */
OSM_API int osm_ioc_get_api(int fd, struct osm_api *api);

/**
 * osm_ioc_set_scope() - OSM_IOC_SET_SCOPE on an open /dev/osmosis
 * descriptor, before its first read: one process, some resource types,
 * physical memory (OSM_SCOPE_PHYS: phys nodes, for CAP_SYS_ADMIN).
 * @fd: descriptor of the device.
 * @scope: flags, pid and types (size is set by the call).
 *
 * Return: 0, or a negative errno (-EINVAL bad fields, -ESRCH no such
 * visible process, -EBUSY already read or scoped, -EPERM physical
 * memory asked by an opener without CAP_SYS_ADMIN).
 */
OSM_API int osm_ioc_set_scope(int fd, const struct osm_scope *scope);

/**
 * struct osm_graph_opts - where to read a graph from
 * @sz: sizeof(struct osm_graph_opts), set by OSM_OPTS().
 * @path: device or saved graph file; NULL means OSM_DEVICE_PATH.
 * @max_bytes: refuse input larger than this (-EFBIG); 0 means 1 GiB,
 *	SIZE_MAX means no limit.  The parser keeps about 0.6 times the text
 *	plus 70 bytes per node and 50 per edge.
 * @errbuf: when not NULL, a failed load or parse writes why here, as
 *	one NUL-terminated line without a newline, e.g. "line 1228: node
 *	'vma:...' declared twice" or "line 1: unknown major version 2"
 *	(truncated to fit); on success it is left alone.
 * @errbuf_sz: size of @errbuf in bytes.
 * @single_thread: (0.3.0) load on the calling thread only.  By default a
 *	load of 32 MiB or more, on a machine where the caller may run on
 *	more than one CPU, starts one helper thread that faults the
 *	graph's memory in just ahead of the parser (first touching fresh
 *	memory can cost more than parsing it, on a virtual machine several
 *	times more) and joins it before the call returns.
 */
struct osm_graph_opts {
	size_t sz;
	const char *path;
	size_t max_bytes;
	char *errbuf;
	size_t errbuf_sz;
	bool single_thread;
	size_t :0;
};
#define osm_graph_opts__last_field single_thread

/**
 * osm_graph__load() - read a whole graph from the device or a file.
 * @opts: may be NULL.
 *
 * The text is parsed as it is read, so a stream that is not a graph
 * (/dev/zero, a binary file) is refused after its first read, not at
 * @opts->max_bytes.
 *
 * Return: the graph (free with osm_graph__free()), or NULL with errno set:
 * EPROTO for a malformed stream or an unknown major version, ENODATA when
 * the stream has no "end" line (cut short), EFBIG over @opts->max_bytes;
 * @opts->errbuf says where and why.
 */
OSM_API struct osm_graph *osm_graph__load(const struct osm_graph_opts *opts);

/**
 * osm_graph__read() - read the raw graph text, without parsing it.
 * @opts: as osm_graph__load(); may be NULL.
 * @buf: on success a malloc()ed buffer holding the text; free() it.  It
 *	is not NUL-terminated (the text contains no NUL byte if valid).
 * @len: on success the number of bytes in *@buf.
 *
 * For saving a walk to a file or showing it as is; a stream cut short is
 * returned as read.
 *
 * Return: 0, or a negative errno (-EFBIG over opts->max_bytes, -EPROTO
 * when the first line is not a graph header: checked as soon as it is
 * read).
 */
OSM_API int osm_graph__read(const struct osm_graph_opts *opts, char **buf,
			    size_t *len);

/**
 * osm_graph__parse() - parse a graph held in memory.
 * @buf: the text, not necessarily NUL-terminated.
 * @len: its length in bytes.
 *
 * Return: as osm_graph__load().
 */
OSM_API struct osm_graph *osm_graph__parse(const char *buf, size_t len);

/**
 * osm_graph__parse_opts() - osm_graph__parse() with options.
 * @buf: the text, not necessarily NUL-terminated.
 * @len: its length in bytes.
 * @opts: may be NULL; @opts->path is ignored, @opts->max_bytes caps
 *	@len as for osm_graph__load(), @opts->errbuf gets the reason of a
 *	failure.
 *
 * Return: as osm_graph__load().
 */
OSM_API struct osm_graph *osm_graph__parse_opts(const char *buf, size_t len,
						const struct osm_graph_opts *opts);

/** osm_graph__free() - free a graph and everything reached through it. */
OSM_API void osm_graph__free(struct osm_graph *g);

/** osm_graph__major() / osm_graph__minor() - format version of the graph. */
OSM_API unsigned int osm_graph__major(const struct osm_graph *g);
OSM_API unsigned int osm_graph__minor(const struct osm_graph *g);

/** osm_graph__header_attr() - decoded value of a header key, or NULL. */
OSM_API const char *osm_graph__header_attr(const struct osm_graph *g,
					   const char *key);
/* Header attributes in stream order, for listing them all. */
OSM_API size_t osm_graph__header_attr_count(const struct osm_graph *g);
OSM_API const char *osm_graph__header_attr_key(const struct osm_graph *g,
					       size_t i);
OSM_API const char *osm_graph__header_attr_value(const struct osm_graph *g,
						 size_t i);

OSM_API size_t osm_graph__node_count(const struct osm_graph *g);
OSM_API const struct osm_node *osm_graph__node(const struct osm_graph *g,
					       size_t i);
/** osm_graph__find() - the node with this id ("thread:42"), or NULL. */
OSM_API const struct osm_node *osm_graph__find(const struct osm_graph *g,
					       const char *id);
OSM_API size_t osm_graph__edge_count(const struct osm_graph *g);
OSM_API const struct osm_edge *osm_graph__edge(const struct osm_graph *g,
					       size_t i);

/* Nodes.  Strings live as long as the graph; attribute values are decoded. */
OSM_API const char *osm_node__id(const struct osm_node *n);
/** osm_node__type() - the id's prefix: "thread", "mm", "net_ns", ... */
OSM_API const char *osm_node__type(const struct osm_node *n);
/** osm_node__class() - the class field as written: "pd", "res", ... */
OSM_API const char *osm_node__class(const struct osm_node *n);
OSM_API bool osm_node__is_pd(const struct osm_node *n);
OSM_API const char *osm_node__attr(const struct osm_node *n, const char *key);
OSM_API size_t osm_node__attr_count(const struct osm_node *n);
OSM_API const char *osm_node__attr_key(const struct osm_node *n, size_t i);
OSM_API const char *osm_node__attr_value(const struct osm_node *n, size_t i);
/** osm_node__index() - position of the node in the graph, for arrays. */
OSM_API size_t osm_node__index(const struct osm_node *n);
OSM_API size_t osm_node__out_count(const struct osm_node *n);
OSM_API const struct osm_edge *osm_node__out(const struct osm_node *n,
					     size_t i);
OSM_API size_t osm_node__in_count(const struct osm_node *n);
OSM_API const struct osm_edge *osm_node__in(const struct osm_node *n,
					    size_t i);

/* Edges. */
OSM_API const struct osm_node *osm_edge__src(const struct osm_edge *e);
OSM_API const struct osm_node *osm_edge__dst(const struct osm_edge *e);
OSM_API const char *osm_edge__kind(const struct osm_edge *e);
OSM_API const char *osm_edge__attr(const struct osm_edge *e, const char *key);
OSM_API size_t osm_edge__attr_count(const struct osm_edge *e);
OSM_API const char *osm_edge__attr_key(const struct osm_edge *e, size_t i);
OSM_API const char *osm_edge__attr_value(const struct osm_edge *e, size_t i);

/*
 * Queries.  A PD argument may be a thread, a process (the union of its
 * threads) or the kernel (the union of its kernel threads).
 * libosm-user/query.md defines each query.
 */

/*
 * Granularity: what a PD in an answer is.  OSM_GRAN_PROCESS (the
 * default): a process for user threads, the kernel for kernel threads.
 * OSM_GRAN_THREAD: every thread is its own answer, so two threads of one
 * process can be told apart.  OSM_GRAN_KERNEL: processes as with
 * OSM_GRAN_PROCESS, and each kernel thread on its own instead of the
 * kernel as a whole.  The queried PD itself (and the threads or process
 * it is part of or made of) is never an answer.
 */
#define OSM_GRAN_PROCESS	0U
#define OSM_GRAN_THREAD		1U
#define OSM_GRAN_KERNEL		2U

/* Access mode filters (opts .mode) and access modes of an answer. */
#define OSM_MODE_ANY		0U	/* any access: reading is enough */
#define OSM_MODE_WRITE		1U	/* only what can be written */
#define OSM_ACCESS_R		1U	/* reached, read-only */
#define OSM_ACCESS_RW		2U	/* reached by a writable path */

/**
 * osm_querier__new() - scratch space for a batch of queries on @g.
 * @g: the graph; it must outlive the querier.
 *
 * Every query needs per-node scratch arrays; passed in the opts'
 * .querier field, a querier is allocated once and reused, so a batch
 * (the TCB of every process) does not allocate and clear them per query.
 * It also caches what a batch reads again: every thread's control facts
 * and each resource's holders (query.md, "Cost and the querier").
 * Not thread-safe: one querier per thread.
 *
 * Return: the querier, or NULL with errno set.
 */
OSM_API struct osm_querier *osm_querier__new(const struct osm_graph *g);
OSM_API void osm_querier__free(struct osm_querier *q);

/**
 * struct osm_query_opts - options shared by the queries
 * @sz: sizeof(struct osm_query_opts), set by OSM_OPTS().
 * @types: NULL-terminated list of resource types to consider ("mm",
 *	"net_ns", ...); NULL means every type.
 * @mode: OSM_MODE_ANY (0) or OSM_MODE_WRITE: count only resources the
 *	PDs can write (see "Access modes" in libosm-user/query.md).
 * @granularity: OSM_GRAN_PROCESS (0, the default), OSM_GRAN_THREAD or
 *	OSM_GRAN_KERNEL: what a PD in an answer is.
 * @querier: scratch space to reuse across queries on the same graph
 *	(osm_querier__new()); NULL means the query allocates its own.
 *
 * osm_query__reachable() ignores @mode and @granularity; osm_query__shared()
 * and osm_query__servers() take them since library 0.2.
 */
struct osm_query_opts {
	size_t sz;
	const char *const *types;
	unsigned int mode;
	unsigned int granularity;
	struct osm_querier *querier;
	size_t :0;
};
#define osm_query_opts__last_field querier

/**
 * osm_query__reachable() - resources a PD reaches (see graph-format.md).
 * @g: the graph.
 * @pd: a PD node of @g.
 * @opts: may be NULL.
 * @out: on success a malloc()ed array of the resource nodes, in graph
 *	order, or NULL when there are none; free() it.
 *
 * @opts->types filters the result, not the walk: with types = {"inode"}
 * the inodes behind mapped regions are still found through "mm".
 *
 * Return: the number of nodes in *@out, or a negative errno (-EINVAL when
 * @pd is not a PD node of @g).
 */
OSM_API int osm_query__reachable(const struct osm_graph *g,
				 const struct osm_node *pd,
				 const struct osm_query_opts *opts,
				 const struct osm_node ***out);

/**
 * struct osm_share - one PD that shares resources with the queried PD
 * @pd: the other PD (a process, or the kernel; threads are folded into
 *	their process, and the queried PD's own process is left out).
 * @nres: number of shared resources.
 * @res: the shared resource nodes.
 */
struct osm_share {
	const struct osm_node *pd;
	size_t nres;
	const struct osm_node **res;
};

/**
 * osm_query__shared() - SharedResources(PD, types): PDs whose reachable
 * resources intersect those of @pd.
 * @out: on success a malloc()ed array in graph order of the other PDs,
 *	each with its shared resources in graph order, or NULL when there
 *	are none; free it with osm_shares__free().
 *
 * Return: the number of entries in *@out, or a negative errno.
 */
OSM_API int osm_query__shared(const struct osm_graph *g,
			      const struct osm_node *pd,
			      const struct osm_query_opts *opts,
			      struct osm_share **out);
OSM_API void osm_shares__free(struct osm_share *shares, size_t n);

/**
 * osm_query__servers() - who serves @pd's requests (the resource
 * directory, graph 1.5): the PDs that reach a file with a "serve" edge to
 * a channel (a "fuse" or "uffd" node) that a resource @pd reaches
 * "request"s.  Requests with no "request" edge are served by the kernel,
 * which is not listed.
 * @g: the graph.
 * @pd: a PD node of @g.
 * @opts: may be NULL; @opts->types filters the channels ("fuse", "uffd").
 * @out: on success a malloc()ed array in graph order of the serving PDs
 *	(processes, or the kernel; @pd's own process too when it serves
 *	itself, as a userfaultfd handler thread does), each with the
 *	channels it serves for @pd in graph order, or NULL when there are
 *	none; free it with osm_shares__free().
 *
 * "request" and "serve" edges are not part of reachability: a server is
 * in @pd's trusted computing base, not a resource @pd shares with it.  A
 * channel nobody in the graph serves (its server is out of the reader's
 * view, or gone) shows up in no entry.
 *
 * Return: the number of entries in *@out, or a negative errno.
 */
OSM_API int osm_query__servers(const struct osm_graph *g,
			       const struct osm_node *pd,
			       const struct osm_query_opts *opts,
			       struct osm_share **out);

/**
 * struct osm_shared_res - a resource two PDs reach, and how
 * @res: the resource node.
 * @mine: OSM_ACCESS_R or OSM_ACCESS_RW: how the queried PD reaches it.
 * @theirs: the same for the other PD.
 */
struct osm_shared_res {
	const struct osm_node *res;
	unsigned int mine;
	unsigned int theirs;
};

/**
 * struct osm_sharing - one PD sharing resources with the queried PD
 * @pd: the other PD, at the granularity asked.
 * @nres: number of shared resources.
 * @res: the shared resources in graph order, with their access modes.
 */
struct osm_sharing {
	const struct osm_node *pd;
	size_t nres;
	struct osm_shared_res *res;
};

/**
 * osm_query__sharing() - SharedResources(PD, types, mode) with the access
 * modes: as osm_query__shared(), each resource saying whether @pd and the
 * other PD reach it read-only or read-write.
 * @g: the graph.
 * @pd: a PD node of @g.
 * @opts: may be NULL; @opts->mode OSM_MODE_WRITE keeps only resources
 *	both PDs can write.
 * @out: on success a malloc()ed array in graph order, or NULL when there
 *	are none; free it with osm_sharings__free().
 *
 * Return: the number of entries in *@out, or a negative errno.
 */
OSM_API int osm_query__sharing(const struct osm_graph *g,
			       const struct osm_node *pd,
			       const struct osm_query_opts *opts,
			       struct osm_sharing **out);
OSM_API void osm_sharings__free(struct osm_sharing *s, size_t n);

/**
 * struct osm_holder - one PD that reaches a resource
 * @pd: the PD, at the granularity asked.
 * @access: OSM_ACCESS_R or OSM_ACCESS_RW.
 */
struct osm_holder {
	const struct osm_node *pd;
	unsigned int access;
};

/**
 * osm_query__holders() - the PDs that reach a resource ("who is in
 * net_ns X"), the exact inverse of osm_query__reachable(): a PD is a
 * holder iff @res is in its reachable set.
 * @g: the graph.
 * @res: a resource node of @g.
 * @opts: may be NULL; @opts->types is ignored; @opts->mode OSM_MODE_WRITE
 *	keeps only the PDs that can write @res.
 * @out: on success a malloc()ed array in graph order, or NULL; free() it.
 *
 * Return: the number of entries in *@out, or a negative errno (-EINVAL
 * when @res is not a resource node of @g).
 */
OSM_API int osm_query__holders(const struct osm_graph *g,
			       const struct osm_node *res,
			       const struct osm_query_opts *opts,
			       struct osm_holder **out);

/* osm_bfs_opts.dir: which way edges are followed. */
#define OSM_BFS_OUT		1U	/* source to destination (default) */
#define OSM_BFS_IN		2U	/* destination to source */
#define OSM_BFS_BOTH		3U
/* osm_bfs_opts.flags */
#define OSM_BFS_REACH		(1U << 0) /* follow edges as reachability */

/**
 * struct osm_bfs_opts - options of osm_query__bfs()
 * @sz: sizeof(struct osm_bfs_opts), set by OSM_OPTS().
 * @kinds: NULL-terminated edge kinds to follow ("hold", "map", ...);
 *	NULL means every kind.
 * @dir: OSM_BFS_OUT (0 also means out), OSM_BFS_IN or OSM_BFS_BOTH.
 * @mode: OSM_MODE_ANY, or OSM_MODE_WRITE: take only steps that allow
 *	writing (query.md, "Access modes").
 * @max_depth: do not go further than this many edges; 0: no limit.
 * @classes: NULL-terminated node classes to return ("pd", "res"); NULL
 *	means every class.  The walk still goes through the others.
 * @types: NULL-terminated node types to return; NULL means every type.
 * @flags: OSM_BFS_REACH: follow edges only as reachability does (with
 *	OSM_BFS_OUT from a PD this is osm_query__reachable(), with
 *	OSM_BFS_IN from a resource osm_query__holders() before folding).
 * @querier: as in struct osm_query_opts.
 */
struct osm_bfs_opts {
	size_t sz;
	const char *const *kinds;
	unsigned int dir;
	unsigned int mode;
	unsigned int max_depth;
	const char *const *classes;
	const char *const *types;
	unsigned int flags;
	struct osm_querier *querier;
	size_t :0;
};
#define osm_bfs_opts__last_field querier

/**
 * struct osm_bfs_hit - a node a BFS reached
 * @node: the node.
 * @via: the edge it was first reached by (NULL for the start); the
 *	other end of it is the node's parent in the BFS tree, so following
 *	@via from hit to hit gives a shortest path.
 * @depth: edges from the start.
 */
struct osm_bfs_hit {
	const struct osm_node *node;
	const struct osm_edge *via;
	unsigned int depth;
};

/**
 * osm_query__bfs() - breadth-first search from any node: the primitive
 * the OSmosis queries are defined with.
 * @g: the graph.
 * @start: any node of @g (a PD or a resource); it is the first hit when
 *	it matches @opts->classes and @opts->types.
 * @opts: may be NULL.
 * @out: on success a malloc()ed array of the matching nodes in BFS order
 *	(by depth), or NULL when there are none; free() it.  A hit's parent
 *	may be a node that did not match the filters.
 *
 * Return: the number of hits, or a negative errno (-EINVAL for a bad
 * argument or option).
 */
OSM_API int osm_query__bfs(const struct osm_graph *g,
			   const struct osm_node *start,
			   const struct osm_bfs_opts *opts,
			   struct osm_bfs_hit **out);

/*
 * CanControl(PD) (libosm-user/control.md): who can control a PD, and by
 * which rule.  Bits of struct osm_control.rules.
 */
#define OSM_CONTROL_PARENT	(1U << 0)	/* its parent process */
#define OSM_CONTROL_TRACER	(1U << 1)	/* it ptraces the PD now */
#define OSM_CONTROL_SIGNAL	(1U << 2)	/* kill(2) is allowed */
#define OSM_CONTROL_PTRACE	(1U << 3)	/* PTRACE_ATTACH is allowed */
#define OSM_CONTROL_NR_RULES	4

/* osm_control_opts.flags: answer per thread instead of per process. */
#define OSM_CONTROL_THREADS	(1U << 0)

/**
 * struct osm_control_opts - options of osm_query__can_control()
 * @sz: sizeof(struct osm_control_opts), set by OSM_OPTS().
 * @ptrace_scope: Yama's kernel.yama.ptrace_scope (0 to 3), which the
 *	graph does not show: read /proc/sys/kernel/yama/ptrace_scope; 0
 *	(the default) is also right for a kernel without Yama.
 * @flags: OSM_CONTROL_THREADS or 0.
 * @querier: as in struct osm_query_opts (it also keeps the facts of
 *	every thread, read once).
 */
struct osm_control_opts {
	size_t sz;
	int ptrace_scope;
	unsigned int flags;
	struct osm_querier *querier;
	size_t :0;
};
#define osm_control_opts__last_field querier

/**
 * struct osm_control - one PD that can control the queried PD
 * @pd: a process (by default) or a thread (OSM_CONTROL_THREADS).
 * @rules: the OSM_CONTROL_* rules that hold for it.
 */
struct osm_control {
	const struct osm_node *pd;
	unsigned int rules;
};

/**
 * osm_query__can_control() - CanControl(PD): the PDs that can control
 * @pd (a thread, or a process: a controller of any of its threads), each
 * with the rules that made it true.  The PD's own threads and kernel
 * threads are never listed.
 * @g: the graph.
 * @pd: a PD node of @g.
 * @opts: may be NULL.
 * @out: on success a malloc()ed array in graph order, or NULL when there
 *	are none; free() it.
 *
 * Return: the number of entries in *@out, or a negative errno (-EINVAL
 * for a bad argument or option).
 */
OSM_API int osm_query__can_control(const struct osm_graph *g,
				   const struct osm_node *pd,
				   const struct osm_control_opts *opts,
				   struct osm_control **out);

/** osm_control_rule_name() - "parent", "tracer", ... for one bit, or NULL. */
OSM_API const char *osm_control_rule_name(unsigned int rule);

/**
 * osm_query__controls() - the reverse of CanControl: the PDs @pd can
 * control, each with the rules; Q is listed iff @pd is in
 * osm_query__can_control(Q) (by process, or by thread with
 * OSM_CONTROL_THREADS).  Arguments and return as
 * osm_query__can_control().
 */
OSM_API int osm_query__controls(const struct osm_graph *g,
				const struct osm_node *pd,
				const struct osm_control_opts *opts,
				struct osm_control **out);

/**
 * struct osm_tcb_opts - options of osm_query__tcb() and osm_query__impact()
 * @sz: sizeof(struct osm_tcb_opts), set by OSM_OPTS().
 * @types: as in struct osm_query_opts: the shared resources and the
 *	channels considered.
 * @mode: as in struct osm_query_opts, for the shared resources of a TCB
 *	(an impact boundary always counts the resources @pd can write).
 * @granularity: as in struct osm_query_opts.
 * @ptrace_scope: as in struct osm_control_opts.
 * @querier: as in struct osm_query_opts.
 */
struct osm_tcb_opts {
	size_t sz;
	const char *const *types;
	unsigned int mode;
	unsigned int granularity;
	int ptrace_scope;
	struct osm_querier *querier;
	size_t :0;
};
#define osm_tcb_opts__last_field querier

/* struct osm_tcb_entry.why: the parts of the relation that hold. */
#define OSM_TCB_SHARED		(1U << 0)
#define OSM_TCB_CONTROL		(1U << 1)
#define OSM_TCB_SERVER		(1U << 2)

/**
 * struct osm_tcb_entry - one PD of a TCB or of an impact boundary
 * @pd: the PD, at the granularity asked.
 * @why: OSM_TCB_* bits: which of the lists below are not empty.
 * @nres: number of shared resources.
 * @res: the shared resources in graph order (@mine is the queried PD's
 *	access, @theirs @pd's).
 * @rules: OSM_CONTROL_* rules: for a TCB by which @pd controls the
 *	queried PD, for an impact boundary by which the queried PD
 *	controls @pd.
 * @nchan: number of channels.
 * @chan: for a TCB the channels @pd serves for the queried PD, for an
 *	impact boundary those the queried PD serves for @pd; graph order.
 */
struct osm_tcb_entry {
	const struct osm_node *pd;
	unsigned int why;
	size_t nres;
	struct osm_shared_res *res;
	unsigned int rules;
	size_t nchan;
	const struct osm_node **chan;
};

/**
 * osm_query__tcb() - TCB(PD) = SharedResources(PD) ∪ CanControl(PD) ∪
 * the PDs serving its requests: one entry per PD, each saying why.
 * @g: the graph.
 * @pd: a PD node of @g.
 * @opts: may be NULL.
 * @out: on success a malloc()ed array in graph order, or NULL when empty;
 *	free it with osm_tcb__free().
 *
 * The kernel is in every TCB and is listed only through what it shares
 * (kernel threads hold namespaces, for one).
 *
 * Return: the number of entries in *@out, or a negative errno.
 */
OSM_API int osm_query__tcb(const struct osm_graph *g,
			   const struct osm_node *pd,
			   const struct osm_tcb_opts *opts,
			   struct osm_tcb_entry **out);

/**
 * osm_query__impact() - ImpactBoundary(PD): the PDs @pd can affect: those
 * that reach a resource @pd can write, those @pd can control
 * (osm_query__controls()) and those whose requests @pd serves.
 * Arguments and return as osm_query__tcb().
 */
OSM_API int osm_query__impact(const struct osm_graph *g,
			      const struct osm_node *pd,
			      const struct osm_tcb_opts *opts,
			      struct osm_tcb_entry **out);
OSM_API void osm_tcb__free(struct osm_tcb_entry *v, size_t n);

/**
 * struct osm_compare_type - one resource type in a comparison of two PDs
 * @type: the type ("mm", "net_ns", ...); lives as long as the graph.
 * @na: how many resources of @type the first PD reaches.
 * @nb: the same for the second PD.
 * @nshared: how many of them both reach: 0 means isolated for this type.
 * @shared: those resources in graph order (@mine is the first PD's
 *	access, @theirs the second's).
 */
struct osm_compare_type {
	const char *type;
	size_t na;
	size_t nb;
	size_t nshared;
	struct osm_shared_res *shared;
};

/**
 * osm_query__compare() - Compare(A, B): per resource type, whether two
 * PDs share it or are isolated, and through which nodes.
 * @g: the graph.
 * @a: a PD node of @g: a thread, a process or the kernel.
 * @b: another (or the same) PD node of @g.
 * @opts: may be NULL; @opts->types limits the types, @opts->mode
 *	OSM_MODE_WRITE counts as shared only what both can write;
 *	@opts->granularity is not used.
 * @out: on success a malloc()ed array, one entry per type either PD
 *	reaches, sorted by type name; free it with osm_compare__free().
 *
 * Return: the number of types in *@out, or a negative errno.
 */
OSM_API int osm_query__compare(const struct osm_graph *g,
			       const struct osm_node *a,
			       const struct osm_node *b,
			       const struct osm_query_opts *opts,
			       struct osm_compare_type **out);
OSM_API void osm_compare__free(struct osm_compare_type *v, size_t n);

/*
 * PD creation (uapi/spawn.md): a program in a new PD whose resources are
 * shared with the caller, copied or new, one by one.
 */

struct sock_fprog;

/**
 * struct osm_spawn_opts - the PD osm_spawn() creates
 * @sz: sizeof(struct osm_spawn_opts), set by OSM_OPTS().
 * @file: the program; looked up in PATH when it has no '/'.  NULL
 *	means @argv[0].
 * @argv: its arguments, NULL-terminated; @argv[0] is required.
 * @envp: its environment; NULL means the caller's.
 * @mode: OSM_SPAWN_* per OSM_SPAWN_R_* resource, as struct
 *	osm_spawn_req.mode (0: what fork(2) does).  Sharing the address
 *	space, the signal handlers or the file table is -EOPNOTSUPP: a
 *	program replaces its address space at execve(2), and execve gives
 *	it a copy of a shared file table.
 * @ns_pidfd: for a namespace in mode OSM_SPAWN_JOIN, a pidfd of the
 *	process whose namespace to join (from OSM_SPAWN_R_NS0).  -EBADF
 *	if it is not a pidfd, -ESRCH if its process is gone.
 * @flags: OSM_SPAWN_NO_NEW_PRIVS or 0.
 * @cgroup_parent: with cgroup mode OSM_SPAWN_NEW, the cgroup2
 *	directory to create the PD's cgroup in (a delegated subtree);
 *	NULL means the caller's own cgroup.  The controllers the limits
 *	need are enabled in its cgroup.subtree_control.
 * @memory_max: the new cgroup's memory.max in bytes (0: max).
 * @pids_max: its pids.max (0: max).
 * @stack_size: for osm_spawn_fn(), the size of the function's stack,
 *	mapped by the library below a guard page (0: 2 MiB; less than
 *	16 KiB is -EINVAL).  Must be 0 for osm_spawn().
 * @fn_flags: for osm_spawn_fn(): OSM_SPAWN_FN_PRIVATE_STACK or 0.
 *	Must be 0 for osm_spawn().
 * @uid: with cred mode OSM_SPAWN_NEW, the PD's uid in its user
 *	namespace (a new one maps it to the caller's euid); must be 0
 *	otherwise.
 * @gid: the same for its gid.
 * @caps_keep: with cred mode OSM_SPAWN_NEW, the capabilities (bit
 *	1 << CAP_*) the PD keeps across execve(2); all others are dropped
 *	from all five sets (0: none at all).
 * @seccomp: with seccomp mode OSM_SPAWN_NEW, a filter the PD installs
 *	before it commits and execs; it must allow ioctl(2) and
 *	execve(2).  NULL otherwise.
 * @cpu_max_quota: the new cgroup's cpu.max quota in microseconds per
 *	period (0: max).
 * @cpu_max_period: its period in microseconds (0: the kernel's default).
 * @cpuset_cpus: the new cgroup's cpuset.cpus, a list such as "0-3,6"
 *	(NULL: the parent's).
 * @cpuset_mems: its cpuset.mems, NUMA nodes in the same syntax (NULL:
 *	the parent's).
 * @root_dir: with fs mode OSM_SPAWN_NEW, the directory that becomes the
 *	PD's root and cwd (pivot_root with a new mount namespace, chroot
 *	without); NULL otherwise.
 * @fds: with files mode OSM_SPAWN_NEW, the descriptors the PD's table
 *	holds: exactly @fd_count of them, each @to a duplicate of the
 *	caller's @from (NULL: 0-2 only).
 * @fd_count: entries of @fds.
 */
struct osm_spawn_opts {
	size_t sz;
	const char *file;
	char *const *argv;
	char *const *envp;
	unsigned char mode[OSM_SPAWN_NR];
	int ns_pidfd[OSM_SPAWN_NR_NS];
	unsigned int flags;
	const char *cgroup_parent;
	unsigned long long memory_max;
	unsigned long long pids_max;
	size_t stack_size;
	unsigned int fn_flags;
	unsigned int uid;
	unsigned int gid;
	unsigned long long caps_keep;
	const struct sock_fprog *seccomp;
	unsigned long long cpu_max_quota;
	unsigned long long cpu_max_period;
	const char *cpuset_cpus;
	const char *cpuset_mems;
	const char *root_dir;
	const struct osm_spawn_fd *fds;
	unsigned int fd_count;
	size_t :0;
};
#define osm_spawn_opts__last_field fd_count

/*
 * The function's stack is its own (the "tis" kind): tagged with a new
 * memory protection key that the calling thread denies itself, so it
 * faults (SIGSEGV, SEGV_PKUERR) on any access.  Needs a shared address
 * space (-EINVAL otherwise) and a CPU with protection keys (x86 PKU:
 * -EOPNOTSUPP without).
 */
#define OSM_SPAWN_FN_PRIVATE_STACK	0x1U

/* The smallest and the default stack of osm_spawn_fn(). */
#define OSM_SPAWN_STACK_MIN	(16UL << 10)
#define OSM_SPAWN_STACK_DEFAULT	(2UL << 20)

/**
 * struct osm_spawned - a PD osm_spawn() created
 * @pidfd: a pidfd of the PD (close-on-exec).
 * @pid: its pid.
 * @cgroup_dirfd: the directory its own cgroup was made in, or -1.
 * @cgroup_name: the name of that cgroup, or "".
 * @mismatch: when osm_spawn() failed with -EXDEV, the resources
 *	(bit 1 << OSM_SPAWN_R_*) the child did not get as asked.
 * @stack: osm_spawn_fn()'s stack mapping (guard page included), unmapped
 *	by osm_spawn_wait() once the PD is reaped; NULL for a program.
 * @stack_len: its length.
 * @stack_pkey: the protection key of a private stack, freed with it; 0
 *	for none.
 */
struct osm_spawned {
	int pidfd;
	int pid;
	int cgroup_dirfd;
	char cgroup_name[32];
	unsigned long long mismatch;
	void *stack;
	size_t stack_len;
	int stack_pkey;
};

/**
 * osm_spawn() - run a program in a new PD, as @opts asks.
 * @opts: the PD; a preset (osm_spawn_preset()) plus changes.
 * @pd: filled in on success; give it to osm_spawn_wait().
 *
 * Needs /dev/osmosis: the module checks the request and, from the child
 * before it execs, that the child's resources are the ones asked for.
 * A child that fails any step is killed and reaped, its cgroup removed.
 *
 * Return: the PD's pidfd (also in @pd), or a negative errno: those of
 * OSM_IOC_SPAWN_PREPARE (uapi/linux/osmosis.h), -EXDEV when the child's
 * resources were not as asked (@pd->mismatch says which), the errno of
 * setns(2) or execve(2) in the child, -ECHILD if it died before exec.
 */
OSM_API int osm_spawn(const struct osm_spawn_opts *opts,
		      struct osm_spawned *pd);

/**
 * osm_spawn_fn() - run @fn(@arg) in a new PD on a new stack, as @opts asks.
 * @opts: the PD, usually the "thread" or "tif" preset plus changes;
 *	@opts->argv, @opts->file and @opts->envp must be NULL.  Every mode
 *	the module supports may be asked, sharing the address space too.
 * @fn: the function; its return value is the PD's exit status.
 * @arg: its argument.
 * @pd: filled in on success; give it to osm_spawn_wait(), which also
 *	unmaps the stack.
 *
 * The PD is made with clone3(2) (the plan's flags, CLONE_PIDFD, a stack
 * the library maps, exit signal SIGCHLD; never CLONE_THREAD: a thread
 * sharing everything is still its own thread group, with its own pid,
 * reaped by osm_spawn_wait()).  It commits itself with the module before
 * @fn runs, so osm_spawn_fn() returns once the PD is verified.
 *
 * @fn runs with the TLS of the calling thread (there is no way to give
 * a thread its own glibc TLS outside pthread_create()) and every signal
 * blocked.  Like a vfork(2) child it must not call malloc(), stdio,
 * pthread or other functions that take locks or use per-thread state,
 * and errno is the calling thread's: use system calls and memory.
 * x86-64 only (-EOPNOTSUPP elsewhere).
 *
 * Return: the PD's pidfd (also in @pd), or a negative errno as
 * osm_spawn(), -ECHILD if it died before committing.
 */
OSM_API int osm_spawn_fn(const struct osm_spawn_opts *opts,
			 int (*fn)(void *arg), void *arg,
			 struct osm_spawned *pd);

/**
 * osm_spawn_wait() - wait for a spawned PD to end, then remove its
 * cgroup and close its descriptors.
 * @pd: from osm_spawn().
 * @wstatus: if not NULL, the status as waitpid(2) gives it.
 *
 * Return: 0, or a negative errno (then @pd is left as it was).
 */
OSM_API int osm_spawn_wait(struct osm_spawned *pd, int *wstatus);

/**
 * osm_spawn_preset() - fill in @opts->mode and @opts->flags for a kind
 * of PD; the other fields are left alone.
 * @name: "process" (as fork(2)), "pir" (a process with a new cgroup for
 *	its memory.max and pids.max), "container" (new user, pid, mnt,
 *	uts, ipc, net and cgroup namespaces, own fs), "sandbox" (a
 *	container with no_new_privs); for osm_spawn_fn() only: "thread"
 *	(shares the address space, file table, fs, signal handlers and
 *	SysV semaphore undo list) and "tif" (a thread with its own copy of
 *	the file table and of the fs: root, cwd, umask), "tis" (a thread
 *	whose stack is its own: OSM_SPAWN_FN_PRIVATE_STACK in @opts->fn_flags,
 *	which the other presets clear).
 * @opts: the options to fill in.
 *
 * Return: 0, -ENOENT for an unknown name, -EINVAL for bad arguments.
 */
OSM_API int osm_spawn_preset(const char *name, struct osm_spawn_opts *opts);

/** osm_spawn_preset_name() - the @i-th preset name, NULL past the last. */
OSM_API const char *osm_spawn_preset_name(unsigned int i);

/** osm_spawn_res_name() - "mm", "net", ... for OSM_SPAWN_R_*; NULL if none. */
OSM_API const char *osm_spawn_res_name(unsigned int r);

/** osm_spawn_mode_name() - "share", "new", ... for OSM_SPAWN_*; or NULL. */
OSM_API const char *osm_spawn_mode_name(unsigned int mode);

/**
 * osm_spawn_kind() - the preset a spawned PD was made with, from the
 * spawn attributes of its process node (graph format 1.6).
 * @pd: a process node.
 *
 * Return: "process", "pir", "container", "sandbox", "thread" (also
 * "tis": the stack is library state) or "tif" when the modes (and
 * no_new_privs) are exactly a preset's, "custom" when they are not, NULL
 * when the node has no spawn record (not made by osm_spawn(), or a
 * graph older than 1.6).
 */
OSM_API const char *osm_spawn_kind(const struct osm_node *pd);
/*
 * Size-versioned results (library 0.3.0).  The answers above are arrays
 * of structs the caller indexes, and struct osm_spawned is the caller's:
 * a library whose structs grew would write past a program built against
 * this header.  So each such function has an *_sz form that takes the
 * caller's sizeof of the structs (@sz for the entries, @res_sz for struct
 * osm_shared_res in them): the library writes entries at that stride,
 * keeps the fields that fit and zeroes the rest.  A size smaller than the
 * 0.2.0 struct or not a multiple of its alignment is -EINVAL.
 *
 * Programs call the plain names: the macros below turn them into the
 * *_sz forms with this header's sizes, so source written for 0.2.0
 * builds unchanged.  The plain functions themselves stay for binaries
 * built against 0.2.0 and keep the 0.2.0 layout.  Arrays the plain
 * names say to free() are still free()d; the *__free_sz() functions free
 * the others at the caller's stride.
 */
OSM_API int osm_query__shared_sz(const struct osm_graph *g,
				 const struct osm_node *pd,
				 const struct osm_query_opts *opts,
				 struct osm_share **out, size_t sz);
OSM_API int osm_query__servers_sz(const struct osm_graph *g,
				  const struct osm_node *pd,
				  const struct osm_query_opts *opts,
				  struct osm_share **out, size_t sz);
OSM_API void osm_shares__free_sz(struct osm_share *v, size_t n, size_t sz);
OSM_API int osm_query__sharing_sz(const struct osm_graph *g,
				  const struct osm_node *pd,
				  const struct osm_query_opts *opts,
				  struct osm_sharing **out, size_t sz,
				  size_t res_sz);
OSM_API void osm_sharings__free_sz(struct osm_sharing *v, size_t n,
				   size_t sz);
OSM_API int osm_query__holders_sz(const struct osm_graph *g,
				  const struct osm_node *res,
				  const struct osm_query_opts *opts,
				  struct osm_holder **out, size_t sz);
OSM_API int osm_query__bfs_sz(const struct osm_graph *g,
			      const struct osm_node *start,
			      const struct osm_bfs_opts *opts,
			      struct osm_bfs_hit **out, size_t sz);
OSM_API int osm_query__can_control_sz(const struct osm_graph *g,
				      const struct osm_node *pd,
				      const struct osm_control_opts *opts,
				      struct osm_control **out, size_t sz);
OSM_API int osm_query__controls_sz(const struct osm_graph *g,
				   const struct osm_node *pd,
				   const struct osm_control_opts *opts,
				   struct osm_control **out, size_t sz);
OSM_API int osm_query__tcb_sz(const struct osm_graph *g,
			      const struct osm_node *pd,
			      const struct osm_tcb_opts *opts,
			      struct osm_tcb_entry **out, size_t sz,
			      size_t res_sz);
OSM_API int osm_query__impact_sz(const struct osm_graph *g,
				 const struct osm_node *pd,
				 const struct osm_tcb_opts *opts,
				 struct osm_tcb_entry **out, size_t sz,
				 size_t res_sz);
OSM_API void osm_tcb__free_sz(struct osm_tcb_entry *v, size_t n, size_t sz);
OSM_API int osm_query__compare_sz(const struct osm_graph *g,
				  const struct osm_node *a,
				  const struct osm_node *b,
				  const struct osm_query_opts *opts,
				  struct osm_compare_type **out, size_t sz,
				  size_t res_sz);
OSM_API void osm_compare__free_sz(struct osm_compare_type *v, size_t n,
				  size_t sz);
OSM_API int osm_spawn_sz(const struct osm_spawn_opts *opts,
			 struct osm_spawned *pd, size_t sz);
OSM_API int osm_spawn_fn_sz(const struct osm_spawn_opts *opts,
			    int (*fn)(void *arg), void *arg,
			    struct osm_spawned *pd, size_t sz);
OSM_API int osm_spawn_wait_sz(struct osm_spawned *pd, int *wstatus,
			      size_t sz);

/* The library's own sources define the plain functions: no macros there. */
#ifndef __LIBOSM_INTERNAL
#define OSM__RES_SZ	sizeof(struct osm_shared_res)
#define osm_query__shared(g, pd, opts, out)				\
	osm_query__shared_sz(g, pd, opts, out, sizeof(struct osm_share))
#define osm_query__servers(g, pd, opts, out)				\
	osm_query__servers_sz(g, pd, opts, out, sizeof(struct osm_share))
#define osm_shares__free(v, n)						\
	osm_shares__free_sz(v, n, sizeof(struct osm_share))
#define osm_query__sharing(g, pd, opts, out)				\
	osm_query__sharing_sz(g, pd, opts, out,				\
			      sizeof(struct osm_sharing), OSM__RES_SZ)
#define osm_sharings__free(v, n)					\
	osm_sharings__free_sz(v, n, sizeof(struct osm_sharing))
#define osm_query__holders(g, res, opts, out)				\
	osm_query__holders_sz(g, res, opts, out, sizeof(struct osm_holder))
#define osm_query__bfs(g, start, opts, out)				\
	osm_query__bfs_sz(g, start, opts, out, sizeof(struct osm_bfs_hit))
#define osm_query__can_control(g, pd, opts, out)			\
	osm_query__can_control_sz(g, pd, opts, out,			\
				  sizeof(struct osm_control))
#define osm_query__controls(g, pd, opts, out)				\
	osm_query__controls_sz(g, pd, opts, out, sizeof(struct osm_control))
#define osm_query__tcb(g, pd, opts, out)				\
	osm_query__tcb_sz(g, pd, opts, out,				\
			  sizeof(struct osm_tcb_entry), OSM__RES_SZ)
#define osm_query__impact(g, pd, opts, out)				\
	osm_query__impact_sz(g, pd, opts, out,				\
			     sizeof(struct osm_tcb_entry), OSM__RES_SZ)
#define osm_tcb__free(v, n)						\
	osm_tcb__free_sz(v, n, sizeof(struct osm_tcb_entry))
#define osm_query__compare(g, a, b, opts, out)				\
	osm_query__compare_sz(g, a, b, opts, out,			\
			      sizeof(struct osm_compare_type), OSM__RES_SZ)
#define osm_compare__free(v, n)						\
	osm_compare__free_sz(v, n, sizeof(struct osm_compare_type))
#define osm_spawn(opts, pd)						\
	osm_spawn_sz(opts, pd, sizeof(struct osm_spawned))
#define osm_spawn_fn(opts, fn, arg, pd)					\
	osm_spawn_fn_sz(opts, fn, arg, pd, sizeof(struct osm_spawned))
#define osm_spawn_wait(pd, wstatus)					\
	osm_spawn_wait_sz(pd, wstatus, sizeof(struct osm_spawned))
#endif /* __LIBOSM_INTERNAL */

/*
 * The kernel's own control rules for one pair of threads (api 1.5),
 * to test CanControl against.
 */

/**
 * osm_ioc_control_check() - OSM_IOC_CONTROL_CHECK on an open /dev/osmosis
 * descriptor: which OSM_CTL_* rules hold for thread @cc->subject over
 * thread @cc->target (ids in the opener's pid namespace), evaluated by
 * the module on the live credentials.
 * @fd: an open /dev/osmosis.
 * @cc: in: subject and target; out: rules, steps and ptrace_scope (the
 *	other fields are set by the call).
 *
 * Return: 0; -ESRCH if either thread is gone or the opener may not see
 * it; -ENOTTY from a module before api 1.5; another negative errno.
 */
OSM_API int osm_ioc_control_check(int fd, struct osm_control_check *cc);

/*
 * Backends (graph format 1.8): where a graph comes from.  The module
 * walks the kernel's own objects; the procfs backend builds the same
 * schema from /proc and sock_diag for any user; the bpf backend from BPF
 * iterators.  Each names itself in the header ("backend=") and lists
 * what it cannot see ("unseen="): uapi/graph-format.md, "Backends".
 */
enum osm_backend {
	OSM_BACKEND_AUTO,	/* module if usable, else bpf, else procfs */
	OSM_BACKEND_MODULE,	/* /dev/osmosis */
	OSM_BACKEND_BPF,	/* BPF iterators (CAP_BPF + CAP_PERFMON) */
	OSM_BACKEND_PROCFS,	/* /proc, sock_diag: any user */
	OSM_BACKEND_NR,
};

/**
 * struct osm_backend_times - where one osm_backend__read() spent its time
 * @load_ms: bpf: opening the skeleton, verifying and loading the programs.
 * @attach_ms: bpf: attaching the four iterators and opening their fds.
 * @walk_ms: walking the kernel's objects: bpf, reading the iterators'
 *	records; module and procfs, the whole read (they walk and write text
 *	at once).
 * @text_ms: bpf: rendering the records as graph text.
 *
 * Milliseconds, CLOCK_MONOTONIC; a phase a backend does not have is 0.
 */
struct osm_backend_times {
	double load_ms;
	double attach_ms;
	double walk_ms;
	double text_ms;
};

/**
 * struct osm_backend_opts - which backend, and how to read it
 * @sz: sizeof(struct osm_backend_opts), set by OSM_OPTS().
 * @backend: one of enum osm_backend; OSM_BACKEND_AUTO picks the first
 *	usable of module, bpf, procfs.
 * @max_bytes: as struct osm_graph_opts: refuse a text larger (-EFBIG);
 *	0 means 1 GiB, SIZE_MAX no limit.
 * @errbuf: when not NULL, a failure writes why here (one line).
 * @errbuf_sz: size of @errbuf.
 * @proc: the procfs backend's /proc mount; NULL means "/proc".
 * @times: when not NULL, a read writes where its time went here.
 */
struct osm_backend_opts {
	size_t sz;
	enum osm_backend backend;
	size_t max_bytes;
	char *errbuf;
	size_t errbuf_sz;
	const char *proc;
	struct osm_backend_times *times;
	size_t :0;
};
#define osm_backend_opts__last_field times

/**
 * osm_backend__name() - "module", "bpf", "procfs" or "auto".
 * @b: a backend.
 *
 * Return: the name, or NULL for a value out of range.
 */
OSM_API const char *osm_backend__name(enum osm_backend b);

/**
 * osm_backend__from_name() - the backend called @name.
 * @name: "auto", "module", "bpf" or "procfs".
 *
 * Return: an enum osm_backend, or -EINVAL.
 */
OSM_API int osm_backend__from_name(const char *name);

/**
 * osm_backend__resolve() - the backend @opts would read.
 * @opts: may be NULL (OSM_BACKEND_AUTO).
 *
 * For OSM_BACKEND_AUTO the first of module (/dev/osmosis opens), bpf
 * (built in and permitted), procfs; any other is returned as asked.
 *
 * Return: an enum osm_backend other than OSM_BACKEND_AUTO, or -EINVAL.
 */
OSM_API int osm_backend__resolve(const struct osm_backend_opts *opts);

/**
 * osm_backend__read() - walk the system with a backend, as graph text.
 * @opts: may be NULL (OSM_BACKEND_AUTO).
 * @buf: on success a malloc()ed buffer with the text; free() it.
 * @len: on success its length.
 *
 * Return: 0, or a negative errno: -EOPNOTSUPP for a backend this libosm
 * was built without (bpf, until it is added), -ENOENT/-EACCES from the
 * module's device, -EFBIG over @opts->max_bytes, -ENOMEM.
 */
OSM_API int osm_backend__read(const struct osm_backend_opts *opts, char **buf,
			      size_t *len);

/**
 * osm_backend__load() - osm_backend__read() and parse it.
 * @opts: may be NULL.
 *
 * Return: the graph (osm_graph__free() it), or NULL with errno set.
 */
OSM_API struct osm_graph *osm_backend__load(const struct osm_backend_opts *opts);

#ifdef __cplusplus
}
#endif

#endif /* __LIBOSM_OSM_H */
