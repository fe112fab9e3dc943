// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Memory for a graph's large arrays: the text, the nodes, the edges, the
 * adjacency lists and the id table.
 *
 * A load fills hundreds of megabytes, and faulting them in 4 KiB pages
 * costs more than parsing the bytes they hold (on a virtual machine
 * several times more).  So an array past OSM_BIG_MIN gets a mapping of
 * its own that asks for transparent huge pages -- for the whole mapping,
 * so that it stays one VMA and mremap() can grow it in place or move it
 * without copying, which it cannot do across the VMAs a partial
 * madvise() would split it into.  Small arrays stay with malloc(), where
 * the allocation-failure tests reach them.
 */
#define _GNU_SOURCE		/* mremap() */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "libosm_internal.h"

static size_t page_round(size_t n)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);

	return (n + pg - 1) & ~(pg - 1);
}

static void *map_big_flags(size_t n, int flags)
{
	void *p = mmap(NULL, page_round(n), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
#ifdef MADV_HUGEPAGE
	/* Only a hint: without transparent huge pages it does nothing. */
	madvise(p, page_round(n), MADV_HUGEPAGE);
#endif
	return p;
}

static void *map_big(size_t n)
{
	return map_big_flags(n, 0);
}

/**
 * osm__mem_reserve() - a zeroed array of @n bytes, most of which may never
 * be used: address space only, memory as it is touched (MAP_NORESERVE, so
 * that a bound on a load's worst case is not charged as a commitment).
 * Freed with osm__mem_free(p, n), grown with osm__mem_resize().
 */
void *osm__mem_reserve(size_t n)
{
	/* Smaller arrays are malloc()ed: osm__mem_free() tells by size. */
	if (n < OSM_BIG_MIN || n > SIZE_MAX / 2)
		return NULL;
	return map_big_flags(n, MAP_NORESERVE);
}

/**
 * osm__mem_resize() - grow an array.
 * @p: the array, or NULL
 * @old: its size in bytes, as last passed here (0 for NULL)
 * @new: the size wanted, not below @old
 *
 * Return: the array, moved or not, or NULL (then @p is left as it was).
 */
void *osm__mem_resize(void *p, size_t old, size_t new)
{
	void *q;

	if (new < OSM_BIG_MIN)
		return realloc(p, new);
	if (new > SIZE_MAX / 2)
		return NULL;
	if (old >= OSM_BIG_MIN) {
		q = mremap(p, page_round(old), page_round(new),
			   MREMAP_MAYMOVE);
		return q == MAP_FAILED ? NULL : q;
	}
	q = map_big(new);
	if (q && p) {
		memcpy(q, p, old);
		free(p);
	}
	return q;
}

/* A zeroed array of @n bytes, freed with osm__mem_free(p, n). */
void *osm__mem_zalloc(size_t n)
{
	return n < OSM_BIG_MIN ? calloc(1, n) : map_big(n);
}

void osm__mem_free(void *p, size_t n)
{
	if (!p)
		return;
	if (n < OSM_BIG_MIN)
		free(p);
	else
		munmap(p, page_round(n));
}
