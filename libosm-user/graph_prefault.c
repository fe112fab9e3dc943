// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Faulting a large load's arrays in from a second thread.
 *
 * Loading a saved graph of a few hundred megabytes fills about 1.3 bytes
 * of fresh memory per byte of text, and on a virtual machine whose host
 * reclaims free guest memory the first touch of each page is the larger
 * part of the load: the kernel's fault path, not the parser.  That cost
 * does not depend on which thread pays it, so while the parser parses,
 * a helper thread runs just ahead of it and asks the kernel to fault the
 * next pages of each array in (MADV_POPULATE_WRITE, Linux 5.14; without
 * it the helper does nothing).  The memory touched is the memory the
 * load would touch anyway, plus a few megabytes of lead per array.
 *
 * The arrays the helper works on do not move while it does: the parser
 * reserves them at once from the file's size (osm__mem_reserve()), and a
 * tracked array that must still move or go away is first dropped from
 * the helper's list and then resized or freed under map_lock, which the
 * helper takes before it lets go of the list and holds across each
 * madvise() call; so it never touches an address that is no longer the
 * array's.  Lock order: lock, then map_lock.
 */
#define _GNU_SOURCE		/* sched_getaffinity() */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "libosm_internal.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE	23
#endif

#define OSM_PF_STEP	(2UL << 20)	/* one huge page a call */
#define OSM_PF_MIN	(32UL << 20)	/* smaller loads: not worth a thread */

struct osm_pf_area {
	char *base;		/* page-aligned, or NULL: not tracked */
	size_t done;		/* populated: base[0, done) */
	size_t want;		/* asked for: base[0, want) */
};

struct osm_prefault {
	pthread_t thread;
	pthread_mutex_t lock;		/* the areas, stop */
	pthread_cond_t wake;
	pthread_mutex_t map_lock;	/* held across madvise() and moves */
	bool stop;
	bool broken;			/* madvise() refused: do nothing */
	unsigned int next;		/* round robin over the areas */
	struct osm_pf_area area[OSM_PF_NAREAS];
};

static size_t page_down(size_t n)
{
	return n & ~((size_t)sysconf(_SC_PAGESIZE) - 1);
}

/* Arrays are whole pages (mmap()), so rounding up stays inside. */
static size_t page_up(size_t n)
{
	return page_down(n + (size_t)sysconf(_SC_PAGESIZE) - 1);
}

/* The next step to populate, claimed, or false when there is none. */
static bool claim(struct osm_prefault *pf, char **addr, size_t *len)
{
	unsigned int i, k;

	for (k = 0; k < OSM_PF_NAREAS; k++) {
		struct osm_pf_area *a;

		i = (pf->next + k) % OSM_PF_NAREAS;
		a = &pf->area[i];
		if (!a->base || a->done >= a->want)
			continue;
		*addr = a->base + a->done;
		*len = a->want - a->done < OSM_PF_STEP ?
		       a->want - a->done : OSM_PF_STEP;
		a->done += *len;
		pf->next = i + 1;
		return true;
	}
	return false;
}

static void *helper(void *arg)
{
	struct osm_prefault *pf = arg;
	size_t len;
	char *addr;
	int err;

	pthread_mutex_lock(&pf->lock);
	while (!pf->stop) {
		if (pf->broken || !claim(pf, &addr, &len)) {
			pthread_cond_wait(&pf->wake, &pf->lock);
			continue;
		}
		/* Before the array can be dropped: see the top. */
		pthread_mutex_lock(&pf->map_lock);
		pthread_mutex_unlock(&pf->lock);
		err = madvise(addr, len, MADV_POPULATE_WRITE) ? errno : 0;
		pthread_mutex_unlock(&pf->map_lock);
		pthread_mutex_lock(&pf->lock);
		/* An old kernel, or no memory: the parser faults its own. */
		if (err && err != EINTR && err != EAGAIN)
			pf->broken = true;
	}
	pthread_mutex_unlock(&pf->lock);
	return NULL;
}

/* More than one CPU this thread may run on? */
static bool cpus_to_spare(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set))
		return sysconf(_SC_NPROCESSORS_ONLN) > 1;
	return CPU_COUNT(&set) > 1;
}

/**
 * osm__prefault_start() - start the helper for a load of @bytes of text.
 *
 * Return: the helper, or NULL when it would not pay (a small load, one
 * CPU) or cannot start; the load then faults its own memory.
 */
struct osm_prefault *osm__prefault_start(size_t bytes)
{
	struct osm_prefault *pf;
	sigset_t all, old;
	int err;

	if (bytes < OSM_PF_MIN || !cpus_to_spare())
		return NULL;
	pf = calloc(1, sizeof(*pf));
	if (!pf)
		return NULL;
	if (pthread_mutex_init(&pf->lock, NULL))
		goto err_free;
	if (pthread_mutex_init(&pf->map_lock, NULL))
		goto err_lock;
	if (pthread_cond_init(&pf->wake, NULL))
		goto err_map_lock;
	/* Signals are the program's threads' business, not the helper's. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&pf->thread, NULL, helper, pf);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err)
		goto err_cond;
	return pf;

err_cond:
	pthread_cond_destroy(&pf->wake);
err_map_lock:
	pthread_mutex_destroy(&pf->map_lock);
err_lock:
	pthread_mutex_destroy(&pf->lock);
err_free:
	free(pf);
	return NULL;
}

/**
 * osm__prefault_want() - ask for array @i's pages up to @want bytes.
 * @pf: the helper, or NULL (then nothing happens)
 * @i: which array (OSM_PF_*)
 * @base: the array now
 * @size: its size in bytes; an array below OSM_BIG_MIN is malloc()ed,
 *	not a mapping of its own, and is not tracked
 * @used: bytes of it already written by the caller (populated)
 * @want: populate up to here (within @size, rounded up to a page:
 *	madvise() works on whole pages, and a mapping is whole pages)
 */
void osm__prefault_want(struct osm_prefault *pf, unsigned int i, void *base,
			size_t size, size_t used, size_t want)
{
	struct osm_pf_area *a;

	if (!pf || i >= OSM_PF_NAREAS)
		return;
	a = &pf->area[i];
	pthread_mutex_lock(&pf->lock);
	if (size < OSM_BIG_MIN) {
		a->base = NULL;
	} else {
		if (a->base != base) {
			a->base = base;
			a->done = 0;
		}
		/*
		 * Caught up with: go on from where the caller writes.  (Leaving
		 * it a few megabytes to fault itself, so that the two never
		 * wait on one huge page, was slower in alternating runs.)
		 */
		if (a->done < page_down(used))
			a->done = page_down(used);
		a->want = page_up(want < size ? want : size);
	}
	pthread_mutex_unlock(&pf->lock);
	pthread_cond_signal(&pf->wake);
}

/*
 * osm__prefault_lock() / osm__prefault_unlock() - around moving or
 * freeing array @i, which the helper may be working on: it is dropped
 * from the helper's list (the next osm__prefault_want() gives it back)
 * and the helper's madvise() in flight, if any, is waited for.
 */
void osm__prefault_lock(struct osm_prefault *pf, unsigned int i)
{
	if (!pf)
		return;
	pthread_mutex_lock(&pf->lock);
	if (i < OSM_PF_NAREAS)
		pf->area[i].base = NULL;
	pthread_mutex_lock(&pf->map_lock);
}

void osm__prefault_unlock(struct osm_prefault *pf)
{
	if (!pf)
		return;
	pthread_mutex_unlock(&pf->map_lock);
	pthread_mutex_unlock(&pf->lock);
}

/** osm__prefault_stop() - stop and join the helper, free it. */
void osm__prefault_stop(struct osm_prefault *pf)
{
	if (!pf)
		return;
	pthread_mutex_lock(&pf->lock);
	pf->stop = true;
	pthread_mutex_unlock(&pf->lock);
	pthread_cond_signal(&pf->wake);
	pthread_join(pf->thread, NULL);
	pthread_cond_destroy(&pf->wake);
	pthread_mutex_destroy(&pf->map_lock);
	pthread_mutex_destroy(&pf->lock);
	free(pf);
}
