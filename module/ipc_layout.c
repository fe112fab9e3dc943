// SPDX-License-Identifier: GPL-2.0-only
/*
 * The one place that reaches into the SysV IPC structures private to
 * ipc/ (shm.c, sem.c, msg.c).
 *
 * Every IPC object starts with a struct kern_ipc_perm (include/linux/
 * ipc.h), which is all the walk needs of semaphore sets and message
 * queues.  A shared memory segment needs two things more that no header
 * and no exported function gives: which shmem inode holds its memory
 * (so the regions that map the segment lead to it) and its size and
 * attach count (shmctl(IPC_STAT)'s shm_segsz and shm_nattch).  They are
 * the members after the kern_ipc_perm in ipc/shm.c:
 *
 *	struct shmid_kernel {
 *		struct kern_ipc_perm	shm_perm;
 *		struct file		*shm_file;
 *		unsigned long		shm_nattch;
 *		unsigned long		shm_segsz;
 *		...
 *	} __randomize_layout;
 *
 * in every kernel from 5.18 (checked in its ipc/shm.c) to 6.12 (Debian's
 * linux-source-6.12), so in Debian's 6.1 too, and the struct is not
 * randomized there (CONFIG_RANDSTRUCT_NONE).  The mirror below repeats
 * that beginning; the kern_ipc_perm comes from the public header, so the
 * compiler lays the mirror out as ipc/shm.c's.  Each use is checked
 * through the public side: ipc/shm.c names the segment's inode
 * "SYSV<key %08x>" and numbers it with the segment id (newseg()), so a
 * file whose inode does not carry the id is not trusted.
 *
 * The index of each kind in ipc_namespace.ids[] (IPC_SEM_IDS 0,
 * IPC_MSG_IDS 1, IPC_SHM_IDS 2) is in ipc/util.h, private too, and
 * unchanged since namespaces came (2.6.19).
 */
#include <linux/fs.h>
#include <linux/ipc.h>
#include <linux/ipc_namespace.h>

#include "osmosis.h"

struct osm_shmid_kernel {
	struct kern_ipc_perm	shm_perm;
	struct file		*shm_file;
	unsigned long		shm_nattch;
	unsigned long		shm_segsz;
};

/* ipc/util.h's IPC_SEM_IDS, IPC_MSG_IDS, IPC_SHM_IDS, by our kind. */
static const int osm_ids_index[3] = { 2, 0, 1 };	/* shm, sem, msg */

/**
 * osm_ipc_ids() - one kind of SysV object of an IPC namespace.
 * @ns: the namespace, referenced by the caller.
 * @kind: 0 shared memory, 1 semaphore sets, 2 message queues.
 *
 * Return: its id table.
 */
struct ipc_ids *osm_ipc_ids(struct ipc_namespace *ns, int kind)
{
	return &ns->ids[osm_ids_index[kind]];
}

/**
 * osm_shm_peek() - the memory of a shared memory segment.
 * @perm: the segment's kern_ipc_perm.
 * @size: out: its size in bytes (shm_segsz).
 * @nattch: out: how many regions map it (shm_nattch).
 *
 * Context: the caller holds the segment's ipc_ids rwsem (shm_destroy()
 * clears shm_file under it, written) and its perm->lock.
 * Return: the shmem or hugetlbfs inode that holds the segment's memory,
 * valid while the rwsem is held, or NULL if there is none or it does not
 * carry the segment's id.
 */
const struct inode *osm_shm_peek(struct kern_ipc_perm *perm,
				 unsigned long *size, unsigned long *nattch)
{
	struct osm_shmid_kernel *shp =
		container_of(perm, struct osm_shmid_kernel, shm_perm);
	const struct inode *inode;

	*size = shp->shm_segsz;
	*nattch = shp->shm_nattch;
	if (!shp->shm_file)
		return NULL;
	inode = file_inode(shp->shm_file);
	if (WARN_ON_ONCE(inode->i_ino != (unsigned long)perm->id))
		return NULL;
	return inode;
}
