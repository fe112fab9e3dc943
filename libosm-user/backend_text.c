// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * The text builder of the user-space backends: graph lines in a buffer,
 * values escaped as uapi/graph-format.md says, each node id declared once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "backend_internal.h"

void osm_text_init(struct osm_text *t, size_t max)
{
	memset(t, 0, sizeof(*t));
	t->max = max;
}

void osm_text_free(struct osm_text *t)
{
	size_t i;

	for (i = 0; i < t->idcap; i++)
		free(t->ids[i]);
	free(t->ids);
	free(t->buf);
	memset(t, 0, sizeof(*t));
}

static bool reserve(struct osm_text *t, size_t n)
{
	size_t cap;
	char *b;

	if (t->err)
		return false;
	if (n > t->max || t->len > t->max - n) {
		t->err = -EFBIG;
		return false;
	}
	if (t->len + n <= t->cap)
		return true;
	cap = t->cap ? t->cap : 1 << 16;
	while (cap < t->len + n)
		cap *= 2;
	b = realloc(t->buf, cap);
	if (!b) {
		t->err = -ENOMEM;
		return false;
	}
	t->buf = b;
	t->cap = cap;
	return true;
}

void osm_text_put(struct osm_text *t, const char *s, size_t n)
{
	if (!reserve(t, n))
		return;
	memcpy(t->buf + t->len, s, n);
	t->len += n;
}

void osm_text_printf(struct osm_text *t, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		osm_text_put(t, small, n);
		return;
	}
	if (!reserve(t, n + 1))
		return;
	va_start(ap, fmt);
	vsnprintf(t->buf + t->len, n + 1, fmt, ap);
	va_end(ap);
	t->len += n;
}

void osm_text_attr_n(struct osm_text *t, const char *key, const char *v,
		     size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	osm_text_printf(t, " %s=", key);
	for (i = 0; i < n; i++) {
		unsigned char c = v[i];
		char e[4] = { '\\', 'x', hex[c >> 4], hex[c & 15] };

		if (c <= 0x20 || c >= 0x7f || c == '\\')
			osm_text_put(t, e, 4);
		else
			osm_text_put(t, (const char *)&c, 1);
	}
}

void osm_text_attr(struct osm_text *t, const char *key, const char *v)
{
	osm_text_attr_n(t, key, v, strlen(v));
}

static size_t id_hash(const char *s)
{
	size_t h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static bool grow_ids(struct osm_text *t)
{
	size_t cap = t->idcap ? t->idcap * 2 : 1024, i, j;
	char **ids = calloc(cap, sizeof(*ids));

	if (!ids) {
		t->err = -ENOMEM;
		return false;
	}
	for (i = 0; i < t->idcap; i++) {
		if (!t->ids[i])
			continue;
		for (j = id_hash(t->ids[i]) & (cap - 1); ids[j];
		     j = (j + 1) & (cap - 1))
			;
		ids[j] = t->ids[i];
	}
	free(t->ids);
	t->ids = ids;
	t->idcap = cap;
	return true;
}

/* Find @id; with @add, insert it when missing.  True if it was there. */
static bool lookup(struct osm_text *t, const char *id, bool add)
{
	size_t j;

	if (t->err || (add && 2 * (t->nids + 1) > t->idcap && !grow_ids(t)))
		return true;
	if (!t->idcap)
		return false;
	for (j = id_hash(id) & (t->idcap - 1); t->ids[j];
	     j = (j + 1) & (t->idcap - 1))
		if (!strcmp(t->ids[j], id))
			return true;
	if (add) {
		t->ids[j] = strdup(id);
		if (!t->ids[j]) {
			t->err = -ENOMEM;
			return true;
		}
		t->nids++;
	}
	return false;
}

bool osm_text_declared(struct osm_text *t, const char *id)
{
	return lookup(t, id, false);
}

bool osm_text_node(struct osm_text *t, const char *id, const char *cls)
{
	if (lookup(t, id, true))
		return false;
	osm_text_printf(t, "node %s %s", id, cls);
	t->nodes++;
	return true;
}

void osm_text_edge(struct osm_text *t, const char *src, const char *kind,
		   const char *dst)
{
	osm_text_printf(t, "edge %s %s %s", src, kind, dst);
	t->edges++;
}

void osm_text_eol(struct osm_text *t)
{
	osm_text_put(t, "\n", 1);
}

const char *osm_text_ftype(unsigned int mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return "reg";
	case S_IFDIR: return "dir";
	case S_IFCHR: return "chr";
	case S_IFBLK: return "blk";
	case S_IFIFO: return "fifo";
	case S_IFSOCK: return "sock";
	case S_IFLNK: return "lnk";
	}
	return "anon";
}
