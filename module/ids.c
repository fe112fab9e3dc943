// SPDX-License-Identifier: GPL-2.0-only
/*
 * Node identities that never reveal a kernel address.
 *
 * Objects without a public identifier (mm, files, fs, sighand, open
 * files) are named by a keyed hash of their address, as kcmp(2) does
 * with kptr_obfuscate(), and the key is random per load, so ids say
 * nothing about where the kernel keeps its objects.  An address names
 * one object only while that object lives: ident.c decides, within one
 * walk, when a known address still holds the object it named.
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
 * @gen: 0, or how many other objects this walk already met at @ptr
 *	(ident.c), so that each gets a token of its own.
 *
 * Return: a 64-bit token, a function of its arguments for this load.
 */
u64 osm_hash_ptr(const void *ptr, enum osm_type type, unsigned int gen)
{
	return siphash_3u64((u64)(unsigned long)ptr, type, gen, &osm_key);
}

/**
 * osm_hash_print() - a keyed 32-bit fingerprint of an object.
 * @ptr: the object.
 * @x: a property of it.
 * @y: another property of it.
 *
 * Return: a non-zero fingerprint; like every token it hides @ptr.
 */
u32 osm_hash_print(const void *ptr, u64 x, u64 y)
{
	u32 h = (u32)siphash_3u64((u64)(unsigned long)ptr, x, y, &osm_key);

	return h ? h : 1;
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
