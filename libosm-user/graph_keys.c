// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * The attribute keys the parser writes as one byte, and the values it
 * keeps once (libosm_internal.h says how the text holds them).  The
 * records of a large graph are mostly regions and open files, whose
 * keys repeat on every line and whose file names repeat across
 * processes: spelled out, they were a third of the text a load
 * writes and faults in.
 */
#include "graph_keys.h"

/* Most frequent first; at most OSM_NKEYS.  Order is internal only. */
const char *const osm__key_names[OSM_NKEYS] = {
	"start", "end", "perm", "pgoff", "dev", "ino", "name", "mode",
	"ftype", "pos", "flags", "fd", "path", "comm", "tid", "tgid",
	"tracer", "seccomp", "no_new_privs", "uid", "gid", "euid", "egid",
	"suid", "sgid", "fsuid", "fsgid", "groups", "cap_inh", "cap_prm",
	"cap_eff", "cap_bnd", "cap_amb", "securebits", "userns", "vmas",
	"dumpable", "pid", "ppid", "inum", "level", "owner", "kthread",
	"state", "family", "type", "proto", "local", "remote", "size",
};

/*
 * Keys whose values repeat across records: a region's file name, a
 * thread's name, capability sets (an inode's path is one per inode).
 */
#define INTERNED(i)	(1ULL << (i))
const uint64_t osm__keys_interned =
	INTERNED(6) | INTERNED(13) | INTERNED(28) |
	INTERNED(29) | INTERNED(30) | INTERNED(31) | INTERNED(32);

/**
 * osm__keys_init() - fill @t with the known keys, for osm__key_code().
 * @t: the parser's table.
 */
void osm__keys_init(struct osm_keys *t)
{
	unsigned int i, h;
	const char *k;
	uint64_t w;
	size_t n;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < OSM_NKEYS; i++)
		t->eq[i] = 1;	/* no word & 0 equals it */
	for (i = 0; i < OSM_NKEYS && osm__key_names[i]; i++) {
		k = osm__key_names[i];
		n = strlen(k);
		w = osm__key_word(k, n, k + n);
		h = osm__key_slot(w, n);
		while (t->slot[h].len)
			h = (h + 1) & (OSM_KEYS_SLOTS - 1);
		t->slot[h].w = w;
		t->slot[h].len = n;
		t->slot[h].idx = i;
		t->len[i] = n;
		if (n < 8) {
			t->eq[i] = w | (uint64_t)'=' << (8 * n);
			t->eq_mask[i] = n == 7 ? ~0ULL :
					 (1ULL << (8 * (n + 1))) - 1;
		}
	}
}
