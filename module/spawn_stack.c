// SPDX-License-Identifier: GPL-2.0-only
/*
 * A private stack for a thread-like PD (the tis kind, api 1.6): libosm
 * tags the child's stack with a protection key of its own and the caller
 * denies itself that key after the clone.  The rights to a key (PKRU)
 * are per-thread register state that no exported interface reads for
 * another task, so COMMIT checks what the page tables show: the child's
 * stack pointer at the commit lies in a mapping whose protection key is
 * not 0 (what /proc/PID/smaps prints as ProtectionKey).
 */
#include <linux/mm.h>
#include <linux/pkeys.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/sched/task_stack.h>

#include "osmosis.h"

/**
 * osm_spawn_plan_stack() - check OSM_SPAWN_STACK_PKEY in a request.
 * @req: the request, modes resolved.
 *
 * Return: 0; -EINVAL without a shared address space (a copied one is
 * private anyway); -EOPNOTSUPP where the CPU or kernel has no keys.
 */
int osm_spawn_plan_stack(const struct osm_spawn_req *req)
{
	if (!(req->flags & OSM_SPAWN_STACK_PKEY))
		return 0;
	if (req->mode[OSM_SPAWN_R_MM] != OSM_SPAWN_SHARE)
		return -EINVAL;
	return arch_pkeys_enabled() ? 0 : -EOPNOTSUPP;
}

/**
 * osm_spawn_verify_stack() - does current run on a stack with its own
 * protection key?
 *
 * Context: process context, may sleep; current is the committing child
 * (only its own registers are stable: it is in this system call).
 * Return: true if the mapping of its user stack pointer has a key other
 * than 0.
 */
bool osm_spawn_verify_stack(void)
{
	unsigned long sp = user_stack_pointer(current_pt_regs());
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	bool ok;

	if (!mm)
		return false;
	mmap_read_lock(mm);
	vma = find_vma(mm, sp);
	ok = vma && vma->vm_start <= sp && vma_pkey(vma) != 0;
	mmap_read_unlock(mm);
	return ok;
}
