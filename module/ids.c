// SPDX-License-Identifier: GPL-2.0-only
/*
 * Node identities that never reveal a kernel address.
 *
 * Objects without a public identifier (mm, files, fs, sighand, open
 * files) are named by a keyed hash of their address, as kcmp(2) does
 * with kptr_obfuscate(): equal objects get equal ids within one module
 * load, and the key is random per load, so ids say nothing about where
 * the kernel keeps its objects.
 */
#include <linux/random.h>
#include <linux/siphash.h>

#include "osmosis.h"

static siphash_key_t osm_key __ro_after_init;
static u64 osm_load_epoch __ro_after_init;

/**
 * osm_ids_init() - draw the per-load hash key.
 *
 * Context: module init, before the device is registered.
 */
void osm_ids_init(void)
{
	get_random_bytes(&osm_key, sizeof(osm_key));
	get_random_bytes(&osm_load_epoch, sizeof(osm_load_epoch));
}

/**
 * osm_hash_ptr() - the public token of a kernel object.
 * @ptr: the object.
 * @type: its node type, mixed in so one address never names two types
 *	alike.
 *
 * Return: a 64-bit token, stable for this module load.
 */
u64 osm_hash_ptr(const void *ptr, enum osm_type type)
{
	return siphash_2u64((u64)(unsigned long)ptr, type, &osm_key);
}

/**
 * osm_epoch() - the id of this module load, printed in the graph header.
 *
 * Return: a random 64-bit value drawn at load; it is not derived from
 * the hash key.
 */
u64 osm_epoch(void)
{
	return osm_load_epoch;
}
