// SPDX-License-Identifier: GPL-2.0-only
/*
 * The set of node ids one walk has emitted, so that a resource shared by
 * many PDs is rendered as one node.  Open addressing with linear probing
 * keeps it to one allocation; it doubles at half load.  The memory is
 * charged to the reader's memory cgroup and capped by max_nodes: the cap
 * is checked before the table grows, and the table never grows past
 * what max_nodes ids need.
 *
 * Growing allocates and may reclaim, so it must not run under a lock
 * that other tasks wait for (a target's mmap_lock, task_lock): walk
 * steps that add ids under such a lock reserve room first
 * (osm_idset_reserve()) and check osm_idset_room() as they go.
 */
#include <linux/hash.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/pid.h>
#include <linux/slab.h>

#include "osmosis.h"

#define OSM_IDSET_MIN_BITS	10

static u64 osm_id_mix(const struct osm_id *id)
{
	return id->a ^ hash_64(id->b ^ ((u64)id->type << 56), 64);
}

static bool osm_slot_is(const struct osm_idslot *s, const struct osm_id *id)
{
	return s->type == id->type + 1 && s->a == id->a && s->b == id->b;
}

/* The slot holding @id, or the free slot where it belongs. */
static struct osm_idslot *osm_idset_slot(struct osm_idslot *slots,
					 unsigned int bits,
					 const struct osm_id *id)
{
	size_t mask = (1UL << bits) - 1;
	size_t i = hash_64(osm_id_mix(id), bits);

	while (slots[i].type && !osm_slot_is(&slots[i], id))
		i = (i + 1) & mask;
	return &slots[i];
}

/* Ids the table takes without growing: half its slots. */
static size_t osm_idset_capacity(const struct osm_idset *set)
{
	return set->slots ? (set->mask + 1) / 2 : 0;
}

/* The ids @n more additions may need room for: never past the cap. */
static size_t osm_idset_need(const struct osm_idset *set, size_t n)
{
	return min_t(size_t, set->count + n, max(osm_max_nodes, 1U));
}

static int osm_idset_grow(struct osm_idset *set, unsigned int bits)
{
	struct osm_idslot *slots;
	struct osm_id id;
	size_t i;

	might_sleep();
	slots = kvcalloc(1UL << bits, sizeof(*slots), OSM_GFP_WALK);
	if (!slots)
		return -ENOMEM;
	for (i = 0; set->slots && i <= set->mask; i++) {
		if (!set->slots[i].type)
			continue;
		id = (struct osm_id){ .a = set->slots[i].a,
				      .b = set->slots[i].b,
				      .type = set->slots[i].type - 1 };
		*osm_idset_slot(slots, bits, &id) = set->slots[i];
	}
	kvfree(set->slots);
	set->slots = slots;
	set->mask = (1UL << bits) - 1;
	set->bits = bits;
	return 0;
}

/**
 * osm_idset_reserve() - make room for @n more ids.
 * @set: the walk's set.
 * @n: how many; room is made for no more than max_nodes ids in all.
 *
 * Context: may sleep; call it with no lock held.
 * Return: 0 (osm_idset_room(@set, @n) then holds), or -ENOMEM.
 */
int osm_idset_reserve(struct osm_idset *set, size_t n)
{
	size_t need = osm_idset_need(set, n);
	unsigned int bits;

	if (need <= osm_idset_capacity(set))
		return 0;
	bits = max_t(unsigned int, OSM_IDSET_MIN_BITS,
		     ilog2(roundup_pow_of_two(need * 2)));
	return osm_idset_grow(set, bits);
}

/**
 * osm_idset_find() - look an id up.
 * @set: the walk's set.
 * @id: the id.
 *
 * Context: any; does not allocate.
 * Return: its slot, or NULL if the set does not hold @id.
 */
struct osm_idslot *osm_idset_find(struct osm_idset *set,
				  const struct osm_id *id)
{
	struct osm_idslot *slot;

	if (!set->slots)
		return NULL;
	slot = osm_idset_slot(set->slots, set->bits, id);
	return slot->type ? slot : NULL;
}

/**
 * osm_idset_insert() - add an id known to be absent, without growing.
 * @set: the walk's set, with osm_idset_room(@set, 1).
 * @id: the id, not in @set.
 *
 * Context: any; does not allocate.
 * Return: its new slot (fd and holder zeroed), or ERR_PTR(-E2BIG) when
 * the set already holds max_nodes ids.
 */
struct osm_idslot *osm_idset_insert(struct osm_idset *set,
				    const struct osm_id *id)
{
	struct osm_idslot *slot;

	if (set->count >= osm_max_nodes)
		return ERR_PTR(-E2BIG);
	if (WARN_ON_ONCE(!osm_idset_room(set, 1)))
		return ERR_PTR(-ENOMEM);
	slot = osm_idset_slot(set->slots, set->bits, id);
	*slot = (struct osm_idslot){ .a = id->a, .b = id->b,
				     .type = id->type + 1 };
	set->count++;
	return slot;
}

/**
 * osm_idset_add() - remember an id.
 * @set: the walk's set.
 * @id: the id.
 *
 * Context: may sleep, unless osm_idset_room(@set, 1) holds.
 * Return: 1 if @id is new, 0 if the set already had it, -ENOMEM, or
 * -E2BIG if @id is new and the set already holds max_nodes ids.
 */
int osm_idset_add(struct osm_idset *set, const struct osm_id *id)
{
	struct osm_idslot *slot;
	int err;

	if (osm_idset_find(set, id))
		return 0;
	if (set->count >= osm_max_nodes)
		return -E2BIG;
	err = osm_idset_reserve(set, 1);
	if (err)
		return err;
	slot = osm_idset_insert(set, id);
	return IS_ERR(slot) ? PTR_ERR(slot) : 1;
}

/* Types whose slots reference a holder pid (see ident.c). */
static bool osm_type_has_holder(u32 type)
{
	switch (type) {
	case OSM_T_MM:
	case OSM_T_FILES:
	case OSM_T_FILE:
	case OSM_T_FS:
	case OSM_T_SIGHAND:
	case OSM_T_CRED:
	case OSM_T_SECCOMP:
	case OSM_T_UFFD:
	case OSM_T_SEMUNDO:
		return true;
	default:
		return false;
	}
}

/**
 * osm_idset_free() - release the table and the holders it references.
 * @set: the set; left empty and reusable.
 *
 * Context: may sleep.
 */
void osm_idset_free(struct osm_idset *set)
{
	size_t i;

	for (i = 0; set->slots && i <= set->mask; i++) {
		if (set->slots[i].type &&
		    osm_type_has_holder(set->slots[i].type - 1))
			put_pid(set->slots[i].holder);
		if (!(i & 1023))
			cond_resched();
	}
	kvfree(set->slots);
	*set = (struct osm_idset){};
}
