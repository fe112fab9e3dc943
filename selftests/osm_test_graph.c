// SPDX-License-Identifier: GPL-2.0-only
/*
 * Graph lookups on a parsed graph: nodes by id, attributes as numbers,
 * edges filtered by kind and type, what a PD holds, what a file maps.
 * See osm_test_util.h.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "osm_test_util.h"

const struct osm_node *osm_test_find(const struct osm_graph *g,
				     const char *fmt, ...)
{
	char id[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(id, sizeof(id), fmt, ap);
	va_end(ap);
	return osm_graph__find(g, id);
}

const struct osm_node *osm_test_thread(const struct osm_graph *g, pid_t tid)
{
	return osm_test_find(g, OSM_NODE_THREAD ":%d", (int)tid);
}

const struct osm_node *osm_test_process(const struct osm_graph *g, pid_t tgid)
{
	return osm_test_find(g, OSM_NODE_PROCESS ":%d", (int)tgid);
}

const char *osm_test_token(const struct osm_node *n)
{
	const char *c = strchr(osm_node__id(n), ':');

	return c ? c + 1 : "";
}

static bool str_ull(const char *s, unsigned long long *val)
{
	char *end;

	if (!s || !*s || !isxdigit((unsigned char)*s))
		return false;
	errno = 0;
	if (s[0] == '0' && s[1] == 'x')
		*val = strtoull(s + 2, &end, 16);
	else
		*val = strtoull(s, &end, 10);
	return !errno && !*end;
}

bool osm_test_attr_ull(const struct osm_node *n, const char *key,
		       unsigned long long *val)
{
	return str_ull(osm_node__attr(n, key), val);
}

bool osm_test_edge_attr_ull(const struct osm_edge *e, const char *key,
			    unsigned long long *val)
{
	return str_ull(osm_edge__attr(e, key), val);
}

static size_t edges_of(const struct osm_node *n, bool out, const char *kind,
		       const char *type, const struct osm_edge **res,
		       size_t max)
{
	size_t i, cnt = 0, total;

	if (!n)
		return 0;
	total = out ? osm_node__out_count(n) : osm_node__in_count(n);
	for (i = 0; i < total; i++) {
		const struct osm_edge *e = out ? osm_node__out(n, i) :
						 osm_node__in(n, i);
		const struct osm_node *o = out ? osm_edge__dst(e) :
						 osm_edge__src(e);

		if (kind && strcmp(osm_edge__kind(e), kind))
			continue;
		if (type && strcmp(osm_node__type(o), type))
			continue;
		if (res && cnt < max)
			res[cnt] = e;
		cnt++;
	}
	return cnt;
}

size_t osm_test_out(const struct osm_node *n, const char *kind,
		    const char *dst_type, const struct osm_edge **out,
		    size_t max)
{
	return edges_of(n, true, kind, dst_type, out, max);
}

size_t osm_test_in(const struct osm_node *n, const char *kind,
		   const char *src_type, const struct osm_edge **out,
		   size_t max)
{
	return edges_of(n, false, kind, src_type, out, max);
}

bool osm_test_has_edge(const struct osm_node *src, const char *kind,
		       const struct osm_node *dst)
{
	size_t i;

	if (!src || !dst)
		return false;
	for (i = 0; i < osm_node__out_count(src); i++) {
		const struct osm_edge *e = osm_node__out(src, i);

		if (osm_edge__dst(e) == dst && !strcmp(osm_edge__kind(e), kind))
			return true;
	}
	return false;
}

size_t osm_test_held_count(const struct osm_node *pd, const char *type)
{
	return osm_test_out(pd, OSM_EDGE_HOLD, type, NULL, 0);
}

const struct osm_edge *osm_test_hold_edge(const struct osm_node *pd,
					  const char *type)
{
	const struct osm_edge *e;

	if (osm_test_out(pd, OSM_EDGE_HOLD, type, &e, 1) != 1)
		return NULL;
	return e;
}

const struct osm_node *osm_test_held(const struct osm_node *pd,
				     const char *type)
{
	const struct osm_edge *e = osm_test_hold_edge(pd, type);

	return e ? osm_edge__dst(e) : NULL;
}

const struct osm_node *osm_test_held_by_tid(const struct osm_graph *g,
					    pid_t tid, const char *type)
{
	return osm_test_held(osm_test_thread(g, tid), type);
}

const struct osm_node *osm_test_fd_file(const struct osm_node *files, int fd)
{
	unsigned long long v;
	size_t i;

	if (!files)
		return NULL;
	for (i = 0; i < osm_node__out_count(files); i++) {
		const struct osm_edge *e = osm_node__out(files, i);

		if (strcmp(osm_edge__kind(e), OSM_EDGE_MAP) ||
		    strcmp(osm_node__type(osm_edge__dst(e)), OSM_NODE_FILE))
			continue;
		if (osm_test_edge_attr_ull(e, "fd", &v) &&
		    v == (unsigned long long)fd)
			return osm_edge__dst(e);
	}
	return NULL;
}

const struct osm_node *osm_test_mapped_inode(const struct osm_node *n)
{
	const struct osm_edge *e;

	if (osm_test_out(n, OSM_EDGE_MAP, OSM_NODE_INODE, &e, 1) != 1)
		return NULL;
	return osm_edge__dst(e);
}
