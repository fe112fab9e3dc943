// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * The procfs backend's ids for objects /proc cannot name: address
 * spaces, file tables, fs, signal handlers and open files.  kcmp(2)
 * orders two tasks' objects by (obfuscated) address, so sorting the
 * tasks with it puts the holders of one object side by side: each run
 * of equal objects is one node.  That needs the ptrace-read check on
 * both tasks (kcmp of a task with itself tells whether it passes) and
 * CONFIG_KCMP.  Without it an object gets its own id per process (mm,
 * sighand: the threads of a process always share them) or per thread
 * (files, fs), and an open file the id of what fdinfo shows of it; the
 * header's approx= says these ids are derived, not the kernel's.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "backend_procfs.h"

#ifndef SYS_kcmp
#define SYS_kcmp 312
#endif

/* enum kcmp_type of <linux/kcmp.h>, by enum pf_kind. */
static const int kcmp_types[PFK_NKIND] = {
	[PFK_MM] = 1, [PFK_FILES] = 2, [PFK_FS] = 3, [PFK_SIGHAND] = 4,
	[PFK_FILE] = 0,
};

static long kcmp(int a, int b, int type, unsigned long ia, unsigned long ib)
{
	return syscall(SYS_kcmp, a, b, type, ia, ib);
}

/*
 * One element to group: the task and descriptor kcmp(2) is asked about
 * (fd 0 for the task-wide kinds), and where its group id goes.
 */
struct item {
	int tid;
	int fd;
	uint64_t *id;
	uint64_t key;	/* the smallest (tid << 32 | fd) of its group */
	const void *arg;	/* open files: its struct pf_fd */
};

static long kcmp_items(const struct item *x, const struct item *y, int type)
{
	return kcmp(x->tid, y->tid, type, x->fd, y->fd);
}

static int by_kcmp(const void *a, const void *b, void *arg)
{
	long r = kcmp_items(a, b, *(int *)arg);

	if (r == 0 || r == 1 || r == 2)
		return r == 0 ? 0 : r == 1 ? -1 : 1;
	/* Gone meanwhile: the sort is checked and redone without it. */
	return 0;
}

/* Keep the items kcmp still answers for (the task or fd may be gone). */
static size_t keep_alive(struct item *v, size_t n, int type)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		if (!kcmp_items(&v[i], &v[i], type))
			v[k++] = v[i];
	return k;
}

/* Sorted by kcmp's order, every neighbour checked again. */
static bool sorted(const struct item *v, size_t n, int type)
{
	size_t i;
	long r;

	for (i = 0; i + 1 < n; i++) {
		r = kcmp_items(&v[i], &v[i + 1], type);
		if (r != 0 && r != 1)
			return false;
	}
	return true;
}

/*
 * Sort @v with kcmp and give each run of equal objects one id.  A task
 * that exits during the sort makes its comparisons inconsistent, so the
 * order is checked afterwards and, if it does not hold, sorted again
 * without the items that are gone (they keep the ids they have).  If it
 * never holds (the system churns), the runs are still checked with kcmp
 * one by one, so an id never joins two objects; one object may then be
 * split into several runs, as the module splits an object whose first
 * holder let go of it.
 */
static void group_items(struct pf_walk *w, struct item *v, size_t n,
			int kind)
{
	int type = kcmp_types[kind], tries;
	size_t i, j, k;

	for (tries = 0; tries < 4; tries++) {
		n = keep_alive(v, n, type);
		qsort_r(v, n, sizeof(*v), by_kcmp, &type);
		if (sorted(v, n, type))
			break;
	}
	for (i = 0; i < n; i = j) {
		uint64_t key = ((uint64_t)v[i].tid << 32) | (unsigned int)v[i].fd;

		for (j = i + 1; j < n && !kcmp_items(&v[i], &v[j], type); j++) {
			uint64_t kj = ((uint64_t)v[j].tid << 32) |
				      (unsigned int)v[j].fd;

			key = kj < key ? kj : key;
		}
		for (k = i; k < j; k++)
			*v[k].id = pf_hash(w, kind, key, 1);
	}
}

/*
 * Group @kind over the tasks; @per_process: one object per thread group
 * (the threads of a process share mm and sighand by definition).
 */
static void group_kind(struct pf_walk *w, int kind, bool per_process)
{
	struct item *v = malloc((w->ntasks + 1) * sizeof(*v));
	size_t i, n = 0;

	for (i = 0; i < w->ntasks; i++) {
		struct pf_task *t = &w->tasks[i];

		if (per_process && i && w->tasks[i - 1].tgid == t->tgid)
			continue;
		/* Own id until kcmp joins it to another. */
		t->id[kind] = pf_hash(w, kind, per_process ? t->tgid : t->tid,
				      0);
		if (v && w->kcmp_ok)
			v[n++] = (struct item){ .tid = t->tid, .id = &t->id[kind] };
	}
	if (v)
		group_items(w, v, n, kind);
	free(v);
	if (!per_process)
		return;
	for (i = 1; i < w->ntasks; i++)
		if (w->tasks[i].tgid == w->tasks[i - 1].tgid)
			w->tasks[i].id[kind] = w->tasks[i - 1].id[kind];
}

void pf_group_tasks(struct pf_walk *w)
{
	w->kcmp_ok = kcmp(getpid(), getpid(), kcmp_types[PFK_MM], 0, 0) == 0;
	group_kind(w, PFK_MM, true);
	group_kind(w, PFK_SIGHAND, true);
	group_kind(w, PFK_FILES, false);
	group_kind(w, PFK_FS, false);
}

/* The inode an item's descriptor was listed with, or none. */
static int by_inode(const void *a, const void *b, void *arg)
{
	const struct pf_fd *x = ((const struct item *)a)->arg;
	const struct pf_fd *y = ((const struct item *)b)->arg;

	(void)arg;
	if (x->st_ok != y->st_ok)
		return x->st_ok ? 1 : -1;
	if (!x->st_ok)
		return 0;
	if (x->st.st_dev != y->st.st_dev)
		return x->st.st_dev < y->st.st_dev ? -1 : 1;
	return (x->st.st_ino > y->st.st_ino) - (x->st.st_ino < y->st.st_ino);
}

/*
 * Open files: descriptors (of any table) that kcmp says are one file.
 * Two descriptors of different inodes are never one file, so each inode
 * is sorted on its own: a descriptor closed or reused while one inode is
 * sorted does not upset the others.
 */
void pf_group_fds(struct pf_walk *w)
{
	struct item *v = malloc((w->nfds + 1) * sizeof(*v));
	size_t i, j, n = 0;

	for (i = 0; i < w->nfds; i++) {
		struct pf_fd *f = &w->fds[i];

		/* What fdinfo proves: may join two opens that coincide. */
		f->id = pf_hash(w, PFK_FILE,
				f->pos ^ ((uint64_t)f->flags << 32) ^
				((uint64_t)f->mnt_id << 48),
				f->st_ok ? (uint64_t)(f->st.st_ino ^ f->st.st_dev) :
				(uint64_t)f->fd);
		if (v && w->kcmp_ok)
			v[n++] = (struct item){ .tid = f->tid, .fd = f->fd,
						.id = &f->id, .arg = f };
	}
	if (v)
		qsort_r(v, n, sizeof(*v), by_inode, NULL);
	for (i = 0; v && i < n; i = j) {
		for (j = i + 1; j < n && !by_inode(&v[i], &v[j], NULL); j++)
			;
		group_items(w, v + i, j - i, PFK_FILE);
	}
	free(v);
}
