/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * graph_keys.c: the parser's lookup of the keys it writes as one byte.
 */
#ifndef OSM_GRAPH_KEYS_H
#define OSM_GRAPH_KEYS_H

#include "libosm_internal.h"

#define OSM_KEYS_SLOTS	256	/* a power of two, well above OSM_NKEYS */

/*
 * A key's first eight bytes (zero-padded), its length and index, hashed;
 * by index, "key=" as a word, its length, and the key that followed it
 * last (next[OSM_NKEYS]: that began a record): records of one type
 * repeat their keys in order, so the guess is right for most keys.
 */
struct osm_keys {
	struct osm_key_slot {
		uint64_t w;
		uint8_t len;	/* 0: a free slot */
		uint8_t idx;
	} slot[OSM_KEYS_SLOTS];
	uint64_t eq[OSM_NKEYS];		/* "key=" of a key below 8 bytes */
	uint64_t eq_mask[OSM_NKEYS];	/* its bytes; 0: never matches */
	uint8_t len[OSM_NKEYS];
	uint8_t next[OSM_NKEYS + 1];
};

void osm__keys_init(struct osm_keys *t);

/* Keys whose values repeat across records (graph_keys.c). */
extern const uint64_t osm__keys_interned;

static inline bool osm__key_interned(unsigned int idx)
{
	return idx < OSM_NKEYS && (osm__keys_interned >> idx & 1);
}

/*
 * The first eight bytes of key @k[0..n), zero-padded; @lim is the end of
 * the bytes that may be read (a whole word is read when it is there).
 */
static inline uint64_t osm__key_word(const char *k, size_t n,
				     const char *lim)
{
	size_t m = n < 8 ? n : 8;
	uint64_t w = 0;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (lim - k >= 8) {
		memcpy(&w, k, 8);
		return m < 8 ? w & ((1ULL << (8 * m)) - 1) : w;
	}
#endif
	(void)lim;
	memcpy(&w, k, m);
	return w;
}

static inline unsigned int osm__key_slot(uint64_t w, size_t n)
{
	return (unsigned int)(((w ^ n) * 0x9e3779b97f4a7c15ULL) >> 56) &
	       (OSM_KEYS_SLOTS - 1);
}

/*
 * The index in osm__key_names[] of the key @k[0..n) whose first eight
 * bytes are @w, or -1.
 */
static inline int osm__key_find(const struct osm_keys *t, uint64_t w,
				const char *k, size_t n)
{
	const struct osm_key_slot *s;
	unsigned int i;

	for (i = osm__key_slot(w, n);; i = (i + 1) & (OSM_KEYS_SLOTS - 1)) {
		s = &t->slot[i];
		if (!s->len)
			return -1;
		if (s->len == n && s->w == w &&
		    (n <= 8 || !memcmp(osm__key_names[s->idx] + 8, k + 8,
				       n - 8)))
			return s->idx;
	}
}

/* The index of key @k[0..n) in osm__key_names[], or -1. */
static inline int osm__key_code(const struct osm_keys *t, const char *k,
				size_t n, const char *lim)
{
	return osm__key_find(t, osm__key_word(k, n, lim), k, n);
}

/*
 * The known key of at most seven bytes at @r whose '=' is in the word
 * at @r, or -1 (then the caller reads the key byte by byte).  @prev is
 * the key before it (OSM_NKEYS: none) and becomes this one; *@n is set
 * to its length.  A key found is made of key characters: the table's.
 */
static inline int osm__key_fast(struct osm_keys *t, const char *r,
				const char *lim, unsigned int *prev,
				size_t *n)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const uint64_t ones = 0x0101010101010101ULL;
	uint64_t x, y, m;
	unsigned int len;
	int c;

	if (lim - r < 8)
		return -1;
	memcpy(&x, r, 8);
	c = t->next[*prev];
	if ((x & t->eq_mask[c]) == t->eq[c])
		goto found;
	y = x ^ (ones * '=');
	m = (y - ones) & ~y & (ones << 7);	/* exact up to the first */
	len = m ? __builtin_ctzll(m) / 8 : 0;
	if (!len)
		return -1;
	c = osm__key_find(t, x & ((1ULL << (8 * len)) - 1), r, len);
	if (c < 0)
		return -1;
	t->next[*prev] = c;
found:
	*prev = c;
	*n = t->len[c];
	return c;
#else
	(void)t;
	(void)r;
	(void)lim;
	(void)prev;
	(void)n;
	return -1;
#endif
}

#endif
