// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * What osm_spawn_fn() keeps from one PD to the next, as pthread keeps
 * thread stacks: an open /dev/osmosis (with the module's features) and a
 * few stacks of PDs that were reaped.  Opening the device and mapping a
 * fresh stack cost more than the clone itself (tools/bench_spawn.c).
 *
 * No locks a fork(2) could leave held: each cache entry is claimed with
 * an atomic exchange, so a child of a forking thread at worst finds a
 * slot busy and maps a stack of its own.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libosm_internal.h"
#include "spawn_internal.h"

/* The device as the library opened it, and what its module offers. */
struct osm_dev_cache {
	int fd;
	dev_t rdev;
	ino_t ino;
	unsigned long long features;
};

static struct osm_dev_cache *osm_dev;

/*
 * A descriptor of /dev/osmosis kept open (close-on-exec) for the life of
 * the process, and the module's OSM_FEAT_* bits.  Each use checks, with
 * fstat(2), that the number still names the device the library opened:
 * a program may close descriptors it does not know (a daemon closing
 * all of them), and the number may then name another file, which is
 * never the library's to close.  Returns the descriptor, or -errno.
 */
int osm_spawn_dev(unsigned long long *features)
{
	struct osm_dev_cache *d = __atomic_load_n(&osm_dev, __ATOMIC_ACQUIRE);
	struct osm_api api = { .size = sizeof(api) };
	struct osm_dev_cache *fresh;
	struct stat st;

	if (d && !fstat(d->fd, &st) && S_ISCHR(st.st_mode) &&
	    st.st_rdev == d->rdev && st.st_ino == d->ino) {
		*features = d->features;
		return d->fd;
	}
	fresh = malloc(sizeof(*fresh));
	if (!fresh)
		return -ENOMEM;
	fresh->fd = open(OSM_DEVICE_PATH, O_RDONLY | O_CLOEXEC);
	if (fresh->fd < 0 || fstat(fresh->fd, &st) ||
	    ioctl(fresh->fd, OSM_IOC_GET_API, &api)) {
		int err = -errno;

		if (fresh->fd >= 0)
			close(fresh->fd);
		free(fresh);
		return err;
	}
	fresh->rdev = st.st_rdev;
	fresh->ino = st.st_ino;
	fresh->features = api.features;
	/*
	 * Publish ours in place of the stale one (left allocated: another
	 * thread may still read it; it goes stale only when a program
	 * closed the descriptor under us).  If another thread published
	 * first, use its descriptor.
	 */
	if (!__atomic_compare_exchange_n(&osm_dev, &d, fresh, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE) &&
	    d) {
		close(fresh->fd);
		free(fresh);
		*features = d->features;
		return d->fd;
	}
	*features = fresh->features;
	return fresh->fd;
}

/* Stacks of reaped PDs (no protection key), each with its length. */
#define OSM_STACK_CACHE	4

static struct {
	int busy;
	void *base;
	size_t len;
} osm_stacks[OSM_STACK_CACHE];

/*
 * A stack mapping of @len bytes (a guard page included) that a reaped PD
 * used, or NULL.  Its memory is the caller's own address space's.
 */
void *osm_stack_take(size_t len)
{
	void *base = NULL;
	unsigned int i;

	for (i = 0; i < OSM_STACK_CACHE && !base; i++) {
		if (__atomic_exchange_n(&osm_stacks[i].busy, 1,
					__ATOMIC_ACQUIRE))
			continue;
		if (osm_stacks[i].base && osm_stacks[i].len == len) {
			base = osm_stacks[i].base;
			osm_stacks[i].base = NULL;
		}
		__atomic_store_n(&osm_stacks[i].busy, 0, __ATOMIC_RELEASE);
	}
	return base;
}

/* Keep the stack of a reaped PD for the next one, or unmap it. */
void osm_stack_give(void *base, size_t len)
{
	unsigned int i;

	for (i = 0; i < OSM_STACK_CACHE && base; i++) {
		if (__atomic_exchange_n(&osm_stacks[i].busy, 1,
					__ATOMIC_ACQUIRE))
			continue;
		if (!osm_stacks[i].base) {
			osm_stacks[i].base = base;
			osm_stacks[i].len = len;
			base = NULL;
		}
		__atomic_store_n(&osm_stacks[i].busy, 0, __ATOMIC_RELEASE);
	}
	if (base)
		munmap(base, len);
}
