// SPDX-License-Identifier: GPL-2.0-only
/*
 * Physical memory (OSM_SCOPE_PHYS): the frames each region maps, so that
 * two PDs that share a frame (a MAP_SHARED region, SysV shm, a memfd, the
 * page cache of a library, private pages still shared copy-on-write after
 * fork) reach one node.
 *
 * While the walk renders a region it reads the region's page tables and
 * notes runs of frames (contiguous both virtually and physically) in one
 * array per walk.  At the end the runs are sorted by frame and cut at
 * every run's first and last frame, so that any two runs that overlap
 * share the nodes of their overlap: one node per elementary interval,
 * "phys:<first>-<last>", and a "map" edge from each region that maps it.
 *
 * Reading page tables.  walk_page_range() is not exported, follow_pte()
 * is exported on 6.1 only and handles neither huge pages nor runs, and
 * pte_offset_map() calls __pte_offset_map(), which 6.12 does not export.
 * So the tables are read as gup-fast and __pte_offset_map() read them,
 * with the public inline helpers: under the mm's mmap_lock (held for
 * reading by the caller, so no region goes away and no upper table is
 * freed), each entry read once with READ_ONCE() and descended from its
 * copy, and a page table read under rcu_read_lock() (6.12's khugepaged
 * retracts page tables of file regions without the mmap_lock and frees
 * them after an RCU grace period) and trusted only if the pmd still
 * points at it afterwards.  A page table is reached through the direct
 * map (pte_offset_kernel()), which holds every page table wherever
 * CONFIG_HIGHPTE does not exist (x86-64 and every 64-bit architecture).
 * Nothing is faulted in, no lock but RCU is taken, no page's state or
 * reference count changes, and nothing sleeps under RCU.
 *
 * What is a frame: a present entry's pfn, as /proc/PID/pagemap reports it
 * (PROT_NONE pages are present; swapped, migrating and never-touched pages
 * are not).  A huge entry (a pmd-mapped THP, a hugetlb page) is its
 * frames, 512 or 262144 of them.  Left out: regions with VM_IO or
 * VM_PFNMAP (device memory and raw frame maps, such as [vvar], which are
 * not pages the kernel allocates), and the zero page and huge zero page
 * (one read-only page every process that reads untouched memory maps;
 * sharing it isolates nothing).
 */
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/page-flags.h>
#include <linux/pgtable.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "osmosis.h"

#ifdef CONFIG_HIGHPTE
#error "page tables in highmem: osm_phys_pmd() would need kmap_local_page()"
#endif

/* Runs a reader may add between two checks: one page table's worth. */
#define OSM_PHYS_STEP		PTRS_PER_PTE

/**
 * osm_phys_wanted() - are @vma's frames part of this walk?
 * @r: the reader.
 * @vma: a region, under its mm's mmap_lock.
 *
 * Return: true when the walk renders frames and @vma maps pages.
 */
bool osm_phys_wanted(const struct osm_reader *r,
		     const struct vm_area_struct *vma)
{
	return osm_want(r, OSM_T_PHYS) &&
	       !(vma->vm_flags & (VM_IO | VM_PFNMAP));
}

/**
 * osm_phys_reserve() - make room for one more page table's runs.
 * @r: the reader.
 *
 * The array doubles, charged to the reader's memory cgroup; a walk that
 * notes more than max_nodes runs fails with -E2BIG, as the id set does.
 *
 * Context: may sleep; call without any target lock held.
 * Return: true if there is room; false with r->err set.
 */
bool osm_phys_reserve(struct osm_reader *r)
{
	struct osm_phys *p = &r->phys;
	struct osm_run *runs;
	size_t cap;

	if (r->err)
		return false;
	if (!osm_want(r, OSM_T_PHYS) || p->cap - p->nr >= OSM_PHYS_STEP)
		return true;
	if (p->nr > osm_max_nodes) {
		r->err = -E2BIG;
		return false;
	}
	cap = max_t(size_t, p->cap * 2, 4 * OSM_PHYS_STEP);
	cap = min_t(size_t, cap, (size_t)osm_max_nodes + OSM_PHYS_STEP);
	runs = kvmalloc_array(cap, sizeof(*runs), OSM_GFP_WALK);
	if (!runs) {
		r->err = -ENOMEM;
		return false;
	}
	if (p->nr)
		memcpy(runs, p->runs, p->nr * sizeof(*runs));
	kvfree(p->runs);
	p->runs = runs;
	p->cap = cap;
	return true;
}

/* Note that @region maps @pages frames from @pfn at @va: grow or add a run. */
static void osm_phys_note(struct osm_phys *p, const struct osm_id *region,
			  unsigned long va, u64 pfn, u64 pages)
{
	struct osm_run *last = p->nr ? &p->runs[p->nr - 1] : NULL;

	if (last && last->mm == region->a && last->start == region->b &&
	    last->va + ((u64)last->pages << PAGE_SHIFT) == va &&
	    last->pfn + last->pages == pfn && last->pages + pages <= U32_MAX) {
		last->pages += pages;
		return;
	}
	p->runs[p->nr++] = (struct osm_run){ .mm = region->a,
					     .start = region->b, .pfn = pfn,
					     .va = va, .pages = pages };
}

/* A huge pmd in an anonymous region: an anonymous THP, or the huge zero page. */
static bool osm_huge_zero(struct vm_area_struct *vma, pmd_t pmd)
{
	/* Read racily: a THP being freed under us is left out, as it may be. */
	return vma_is_anonymous(vma) && !PageAnon(pmd_page(pmd));
}

/*
 * The frames of [addr, end), which lies in one pmd.  The page table is
 * read under RCU and trusted only if the pmd still points at it after.
 */
static void osm_phys_pmd(struct osm_phys *p, struct vm_area_struct *vma,
			 const struct osm_id *region, pmd_t *pmdp,
			 unsigned long addr, unsigned long end)
{
	size_t nr = p->nr;
	u32 pages = nr ? p->runs[nr - 1].pages : 0;
	unsigned long a;
	int tries = 3;
	pte_t *ptep;
	pmd_t pmd;
	pte_t pte;

again:
	rcu_read_lock();
	pmd = READ_ONCE(*pmdp);
	if (pmd_none(pmd) || !pmd_present(pmd))	/* empty, swapped, migrating */
		goto out;
	if (pmd_leaf(pmd)) {
		if (!osm_huge_zero(vma, pmd))
			osm_phys_note(p, region, addr, pmd_pfn(pmd) +
				      ((addr & ~PMD_MASK) >> PAGE_SHIFT),
				      (end - addr) >> PAGE_SHIFT);
		goto out;
	}
	if (pmd_bad(pmd))
		goto out;
	ptep = pte_offset_kernel(&pmd, addr);
	for (a = addr; a < end; a += PAGE_SIZE, ptep++) {
		pte = ptep_get(ptep);
		if (pte_present(pte) && !is_zero_pfn(pte_pfn(pte)))
			osm_phys_note(p, region, a, pte_pfn(pte), 1);
	}
	if (!pmd_same(pmd, READ_ONCE(*pmdp))) {
		/* The table was replaced (a THP collapse): read it again. */
		rcu_read_unlock();
		p->nr = nr;
		if (nr)
			p->runs[nr - 1].pages = pages;
		if (--tries)
			goto again;
		return;	/* changing under us: read as empty */
	}
out:
	rcu_read_unlock();
}

/*
 * The frames of [addr, next) for the next pud-sized step of @addr,
 * descending from copies of the entries.  Returns where the step ends.
 */
static unsigned long osm_phys_step(struct osm_phys *p,
				   struct vm_area_struct *vma,
				   const struct osm_id *region,
				   unsigned long addr, unsigned long end)
{
	unsigned long next;
	pgd_t pgd;
	p4d_t p4d;
	pud_t pud;

	pgd = READ_ONCE(*pgd_offset(vma->vm_mm, addr));
	next = pgd_addr_end(addr, end);
	if (pgd_none(pgd) || pgd_bad(pgd))
		return next;
	p4d = READ_ONCE(*p4d_offset(&pgd, addr));
	next = p4d_addr_end(addr, end);
	if (p4d_none(p4d) || !p4d_present(p4d) || p4d_bad(p4d))
		return next;
	pud = READ_ONCE(*pud_offset(&p4d, addr));
	next = pud_addr_end(addr, end);
	if (pud_none(pud) || !pud_present(pud))
		return next;
	if (pud_leaf(pud)) {	/* a 1 GiB hugetlb page */
		osm_phys_note(p, region, addr, pud_pfn(pud) +
			      ((addr & ~PUD_MASK) >> PAGE_SHIFT),
			      (next - addr) >> PAGE_SHIFT);
		return next;
	}
	if (pud_bad(pud))
		return next;
	next = pmd_addr_end(addr, end);
	osm_phys_pmd(p, vma, region, pmd_offset(&pud, addr), addr, next);
	return next;
}

/**
 * osm_phys_read() - note the frames @vma maps from *@addr to @end.
 * @r: the reader; osm_phys_reserve() made room.
 * @vma: the region, with osm_phys_wanted().
 * @region: its node.
 * @addr: in: where to start, inside @vma; out: where to resume.
 * @end: where to stop, at most @vma's end.
 *
 * Stops early, for the caller to drop the lock and resume, when the run
 * array needs to grow, a writer waits for the lock, or the CPU is wanted.
 *
 * Context: the caller holds @vma's mmap_lock for reading; does not sleep.
 * Return: true when [*@addr, @end) is read.
 */
bool osm_phys_read(struct osm_reader *r, struct vm_area_struct *vma,
		   const struct osm_id *region, unsigned long *addr,
		   unsigned long end)
{
	struct osm_phys *p = &r->phys;

	while (*addr < end) {
		if (p->cap - p->nr < OSM_PHYS_STEP)
			return false;
		*addr = osm_phys_step(p, vma, region, *addr, end);
		if (*addr < end && (mmap_lock_is_contended(vma->vm_mm) ||
				    need_resched()))
			return false;
	}
	return true;
}

static int osm_run_cmp(const void *a, const void *b)
{
	const struct osm_run *x = a, *y = b;

	if (x->pfn != y->pfn)
		return x->pfn < y->pfn ? -1 : 1;
	return 0;
}

/* Start the next interval at p->pos: take in the runs that start there. */
static void osm_phys_interval(struct osm_reader *r)
{
	struct osm_phys *p = &r->phys;
	struct osm_id id = { .type = OSM_T_PHYS };
	u64 end = U64_MAX;
	size_t i;

	while (p->next < p->nr && p->runs[p->next].pfn == p->pos)
		p->runs[p->nact++] = p->runs[p->next++];
	if (p->next < p->nr)
		end = p->runs[p->next].pfn;
	for (i = 0; i < p->nact; i++)
		end = min(end, p->runs[i].pfn + p->runs[i].pages);
	p->iend = end;
	p->edge = 0;
	id.a = p->pos;
	id.b = end - 1;
	if (osm_node_begin(r, &id))
		osm_printf(r, " first=0x%llx pages=%llu\n", p->pos, end - p->pos);
}

/* Drop the runs that end with the interval; the next one starts there. */
static void osm_phys_retire(struct osm_phys *p)
{
	size_t i, j = 0;

	for (i = 0; i < p->nact; i++)
		if (p->runs[i].pfn + p->runs[i].pages != p->iend)
			p->runs[j++] = p->runs[i];
	p->nact = j;
	p->pos = p->iend;
	p->iend = 0;
}

/**
 * osm_emit_phys() - the frame intervals and the "map" edges from the
 * regions that map them, from where the last call stopped, until the
 * chunk is full.
 * @r: the reader, at the end of its walk.
 *
 * Sweeps the runs in frame order: an interval ends where any run that
 * covers it ends or another one starts, so two regions that map one
 * frame reach the same node.  The runs that cover the interval being
 * drawn are kept at the front of the array: no memory beyond it.
 *
 * Context: may sleep.
 * Return: true when every interval is drawn.
 */
bool osm_emit_phys(struct osm_reader *r)
{
	struct osm_phys *p = &r->phys;
	struct osm_id dst = { .type = OSM_T_PHYS };
	struct osm_run *run;

	if (!p->sorted) {
		sort(p->runs, p->nr, sizeof(*p->runs), osm_run_cmp, NULL);
		p->sorted = true;
	}
	while (p->nact || p->next < p->nr) {
		if (!p->iend) {
			if (osm_chunk_full(r))
				return !!r->err;
			if (!p->nact)
				p->pos = p->runs[p->next].pfn;
			osm_phys_interval(r);
		}
		dst.a = p->pos;
		dst.b = p->iend - 1;
		for (; p->edge < p->nact; p->edge++) {
			if (osm_chunk_full(r))
				return !!r->err;
			run = &p->runs[p->edge];
			osm_edge_begin(r, &(struct osm_id){ .type = OSM_T_VMA,
				       .a = run->mm, .b = run->start },
				       OSM_EDGE_MAP, &dst);
			osm_printf(r, " va=0x%llx\n", run->va +
				   ((p->pos - run->pfn) << PAGE_SHIFT));
		}
		osm_phys_retire(p);
	}
	osm_phys_free(p);
	return true;
}

/**
 * osm_phys_free() - drop the noted runs.
 * @p: the runs; left empty.
 */
void osm_phys_free(struct osm_phys *p)
{
	kvfree(p->runs);
	*p = (struct osm_phys){};
}
