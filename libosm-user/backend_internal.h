/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * libosm backends: the table backend.c dispatches through, and the text
 * builder the user-space backends write graph text with.  Not ABI.
 */
#ifndef __LIBOSM_BACKEND_INTERNAL_H
#define __LIBOSM_BACKEND_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libosm_internal.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

/**
 * struct osm_backend_ops - one backend
 * @id: its enum osm_backend value.
 * @name: as in the header's backend= key.
 * @usable: 0 when this caller can read it now (for OSM_BACKEND_AUTO),
 *	else a negative errno, with why in @why.
 * @read: the whole walk as graph text into a malloc()ed *@buf.
 */
struct osm_backend_ops {
	enum osm_backend id;
	const char *name;
	int (*usable)(const struct osm_backend_opts *o, char *why, size_t n);
	int (*read)(const struct osm_backend_opts *o, size_t max, char **buf,
		    size_t *len, char *why, size_t n);
};

extern const struct osm_backend_ops osm__backend_module;
extern const struct osm_backend_ops osm__backend_bpf;
extern const struct osm_backend_ops osm__backend_procfs;

/* CLOCK_MONOTONIC in milliseconds, for struct osm_backend_times. */
double osm__now_ms(void);

/*
 * The text builder: lines of graph text in a growing buffer, the node
 * ids already declared (so each is declared once), and the counts for
 * the "end" line.  The first failure sticks in @err; later calls do
 * nothing.
 */
struct osm_text {
	char *buf;
	size_t len, cap, max;
	size_t nodes, edges;
	int err;
	char **ids;		/* open addressing, malloc()ed strings */
	size_t nids, idcap;
};

void osm_text_init(struct osm_text *t, size_t max);
void osm_text_free(struct osm_text *t);
void osm_text_put(struct osm_text *t, const char *s, size_t n);
void osm_text_printf(struct osm_text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* " key=value", the value escaped as the format says. */
void osm_text_attr(struct osm_text *t, const char *key, const char *v);
void osm_text_attr_n(struct osm_text *t, const char *key, const char *v,
		     size_t n);
bool osm_text_declared(struct osm_text *t, const char *id);
/* "node ID CLASS" unless ID is declared already (then false). */
bool osm_text_node(struct osm_text *t, const char *id, const char *cls);
void osm_text_edge(struct osm_text *t, const char *src, const char *kind,
		   const char *dst);
void osm_text_eol(struct osm_text *t);
/* The ftype= value of an inode of mode @mode: "reg", "dir"... or "anon". */
const char *osm_text_ftype(unsigned int mode);

#endif /* __LIBOSM_BACKEND_INTERNAL_H */
