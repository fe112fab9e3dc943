// SPDX-License-Identifier: GPL-2.0-only
/*
 * The set of node ids one walk has emitted, so that a resource shared by
 * many PDs is rendered as one node.  Open addressing with linear probing
 * keeps it to one allocation; it doubles at half load.  The memory is
 * charged to the reader's memory cgroup and capped by max_nodes, so a
 * reader cannot make the kernel allocate without bound.
 */
#include <linux/hash.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "osmosis.h"

#define OSM_IDSET_MIN_SLOTS	1024

static size_t osm_id_hash(const struct osm_id *id)
{
	return hash_64(id->a ^ hash_64(id->b ^ ((u64)id->type << 56), 64), 64);
}

static bool osm_id_eq(const struct osm_id *x, const struct osm_id *y)
{
	return x->a == y->a && x->b == y->b && x->type == y->type;
}

/* The slot holding @key, or the free slot where it belongs. */
static struct osm_id *osm_idset_slot(struct osm_id *slots, size_t mask,
				     const struct osm_id *key)
{
	size_t i = osm_id_hash(key) & mask;

	while (slots[i].type && !osm_id_eq(&slots[i], key))
		i = (i + 1) & mask;
	return &slots[i];
}

/* Stored keys carry type + 1, so that type 0 marks a free slot. */
static struct osm_id osm_idset_key(const struct osm_id *id)
{
	struct osm_id key = *id;

	key.type++;
	return key;
}

static int osm_idset_grow(struct osm_idset *set)
{
	size_t nslots = set->slots ? (set->mask + 1) * 2 : OSM_IDSET_MIN_SLOTS;
	struct osm_id *slots;
	size_t i;

	slots = kvcalloc(nslots, sizeof(*slots), GFP_KERNEL_ACCOUNT);
	if (!slots)
		return -ENOMEM;
	for (i = 0; set->slots && i <= set->mask; i++)
		if (set->slots[i].type)
			*osm_idset_slot(slots, nslots - 1, &set->slots[i]) =
				set->slots[i];
	kvfree(set->slots);
	set->slots = slots;
	set->mask = nslots - 1;
	return 0;
}

/**
 * osm_idset_add() - remember an id.
 * @set: the walk's set.
 * @id: the id.
 *
 * Context: may sleep (allocates with GFP_KERNEL_ACCOUNT).
 * Return: 1 if @id is new, 0 if the set already had it, -ENOMEM, or
 * -E2BIG if @id is new and the set already holds max_nodes ids.
 */
int osm_idset_add(struct osm_idset *set, const struct osm_id *id)
{
	struct osm_id key = osm_idset_key(id);
	struct osm_id *slot;
	int err;

	/* Keep at least half the slots free so probes stay short. */
	if (!set->slots || (set->count + 1) * 2 > set->mask + 1) {
		err = osm_idset_grow(set);
		if (err)
			return err;
	}
	slot = osm_idset_slot(set->slots, set->mask, &key);
	if (slot->type)
		return 0;
	if (set->count >= osm_max_nodes)
		return -E2BIG;
	*slot = key;
	set->count++;
	return 1;
}

/**
 * osm_idset_free() - release the table.
 * @set: the set; left empty and reusable.
 */
void osm_idset_free(struct osm_idset *set)
{
	kvfree(set->slots);
	set->slots = NULL;
	set->mask = 0;
	set->count = 0;
}
