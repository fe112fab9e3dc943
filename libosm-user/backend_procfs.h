/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * The procfs backend's walk: what it collects from /proc before it
 * writes the graph, shared by its files (backend_procfs*.c).  Not ABI.
 */
#ifndef __LIBOSM_BACKEND_PROCFS_H
#define __LIBOSM_BACKEND_PROCFS_H

#include <limits.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "backend_internal.h"

/* The objects /proc cannot name, grouped by kcmp(2) where permitted. */
enum pf_kind { PFK_MM, PFK_FILES, PFK_FS, PFK_SIGHAND, PFK_FILE, PFK_NKIND };

struct pf_task {
	int tgid, tid;
	bool kthread;
	uint64_t id[PFK_FILE];		/* group ids, by enum pf_kind */
};

/* One descriptor of one file table (read through a thread holding it). */
struct pf_fd {
	uint64_t files;		/* the table's group id */
	int tid, fd;
	uint64_t id;		/* the open file's group id */
	unsigned int flags;
	unsigned long long pos;
	int mnt_id;
	bool st_ok;
	struct stat st;
	char *link;		/* readlink() of /proc/TID/fd/FD */
};

struct pf_sock {
	unsigned long ino, peer;
	unsigned char family, type, state, proto;
	unsigned int netns;
	char *name;		/* unix: bound name as /proc/net/unix shows it */
	char local[64], remote[64];
};

struct pf_walk {
	struct osm_text t;
	const char *proc;
	uint64_t key[2];
	bool full, kcmp_ok;
	unsigned int netns;
	struct pf_task *tasks;
	size_t ntasks;
	struct pf_fd *fds;
	size_t nfds;
	struct pf_sock *socks;
	size_t nsocks;
	dev_t sockdev;
	char cgroot[PATH_MAX];
	char path[PATH_MAX];
};

uint64_t pf_hash(const struct pf_walk *w, unsigned int kind, uint64_t a,
		 uint64_t b);
int pf_read_file(const char *path, char *buf, size_t n);
int pf_tasks(struct pf_walk *w);
void pf_group_tasks(struct pf_walk *w);
int pf_fds(struct pf_walk *w);
void pf_group_fds(struct pf_walk *w);
void pf_fds_free(struct pf_walk *w);
int pf_socks(struct pf_walk *w);
const struct pf_sock *pf_sock_find(const struct pf_walk *w,
				   unsigned long ino);
void pf_socks_free(struct pf_walk *w);
void pf_emit_sock_attrs(struct pf_walk *w, const struct pf_sock *s);
void pf_emit_peers(struct pf_walk *w);
void pf_emit_task(struct pf_walk *w, const struct pf_task *task);
void pf_emit_mm(struct pf_walk *w, const struct pf_task *task,
		const char *mm);
void pf_emit_files(struct pf_walk *w, const struct pf_task *task,
		   const char *files);

#endif /* __LIBOSM_BACKEND_PROCFS_H */
