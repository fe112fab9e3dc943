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

struct sort_ctx {
	struct pf_walk *w;
	int kind;
};

static int by_task_obj(const void *a, const void *b, void *arg)
{
	const struct pf_task *x = *(struct pf_task *const *)a;
	const struct pf_task *y = *(struct pf_task *const *)b;
	const struct sort_ctx *c = arg;
	long r = kcmp(x->tid, y->tid, kcmp_types[c->kind], 0, 0);

	if (r == 0 || r == 1 || r == 2)
		return r == 0 ? 0 : r == 1 ? -1 : 1;
	/* Gone meanwhile, or no order: keep apart, consistently. */
	return (x->tid > y->tid) - (x->tid < y->tid);
}

/*
 * Group @kind over the tasks; @per_process: one object per thread group
 * (the threads of a process share mm and sighand by definition).
 */
static void group_kind(struct pf_walk *w, int kind, bool per_process)
{
	struct sort_ctx c = { .w = w, .kind = kind };
	struct pf_task **v = malloc(w->ntasks * sizeof(*v));
	size_t i, j, n = 0, k;

	for (i = 0; i < w->ntasks; i++) {
		struct pf_task *t = &w->tasks[i];

		if (per_process && i && w->tasks[i - 1].tgid == t->tgid)
			continue;
		/* Own id until kcmp joins it to another. */
		t->id[kind] = pf_hash(w, kind, per_process ? t->tgid : t->tid,
				      0);
		if (v && w->kcmp_ok &&
		    !kcmp(t->tid, t->tid, kcmp_types[kind], 0, 0))
			v[n++] = t;
	}
	if (v && n > 1)
		qsort_r(v, n, sizeof(*v), by_task_obj, &c);
	for (i = 0; i < n; i = j) {
		int min = v[i]->tid;

		for (j = i + 1; j < n && !by_task_obj(&v[i], &v[j], &c); j++)
			min = v[j]->tid < min ? v[j]->tid : min;
		for (k = i; k < j; k++)
			v[k]->id[kind] = pf_hash(w, kind, min, 1);
	}
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

static int by_file(const void *a, const void *b, void *arg)
{
	const struct pf_fd *x = *(struct pf_fd *const *)a;
	const struct pf_fd *y = *(struct pf_fd *const *)b;
	long r = kcmp(x->tid, y->tid, kcmp_types[PFK_FILE], x->fd, y->fd);

	(void)arg;
	if (r == 0 || r == 1 || r == 2)
		return r == 0 ? 0 : r == 1 ? -1 : 1;
	if (x->tid != y->tid)
		return (x->tid > y->tid) - (x->tid < y->tid);
	return (x->fd > y->fd) - (x->fd < y->fd);
}

/* Open files: descriptors (of any table) that kcmp says are one file. */
void pf_group_fds(struct pf_walk *w)
{
	struct pf_fd **v = malloc(w->nfds * sizeof(*v));
	size_t i, j, k, n = 0;

	for (i = 0; i < w->nfds; i++) {
		struct pf_fd *f = &w->fds[i];

		/* What fdinfo proves: may join two opens that coincide. */
		f->id = pf_hash(w, PFK_FILE,
				f->pos ^ ((uint64_t)f->flags << 32) ^
				((uint64_t)f->mnt_id << 48),
				f->st_ok ? (uint64_t)(f->st.st_ino ^ f->st.st_dev) :
				(uint64_t)f->fd);
		if (v && w->kcmp_ok &&
		    !kcmp(f->tid, f->tid, kcmp_types[PFK_FILE], f->fd, f->fd))
			v[n++] = f;
	}
	if (v && n > 1)
		qsort_r(v, n, sizeof(*v), by_file, NULL);
	for (i = 0; i < n; i = j) {
		uint64_t a = ((uint64_t)v[i]->tid << 32) | (unsigned int)v[i]->fd;

		for (j = i + 1; j < n && !by_file(&v[i], &v[j], NULL); j++) {
			uint64_t b = ((uint64_t)v[j]->tid << 32) |
				     (unsigned int)v[j]->fd;

			a = b < a ? b : a;
		}
		for (k = i; k < j; k++)
			v[k]->id = pf_hash(w, PFK_FILE, a, 2);
	}
	free(v);
}
