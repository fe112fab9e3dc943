// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Backends: which walk a graph comes from.  One table, indexed by enum
 * osm_backend; a backend adds its entry here and its ops in its own
 * files.  OSM_BACKEND_AUTO takes the first usable in the order module,
 * bpf, procfs (the cheapest and most complete first).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend_internal.h"

static const struct osm_backend_ops *const backends[OSM_BACKEND_NR] = {
	[OSM_BACKEND_MODULE] = &osm__backend_module,
	[OSM_BACKEND_BPF] = &osm__backend_bpf,
	[OSM_BACKEND_PROCFS] = &osm__backend_procfs,
};

static const char *const names[OSM_BACKEND_NR] = {
	[OSM_BACKEND_AUTO] = "auto",
	[OSM_BACKEND_MODULE] = "module",
	[OSM_BACKEND_BPF] = "bpf",
	[OSM_BACKEND_PROCFS] = "procfs",
};

static const enum osm_backend auto_order[] = {
	OSM_BACKEND_MODULE, OSM_BACKEND_BPF, OSM_BACKEND_PROCFS,
};

const char *osm_backend__name(enum osm_backend b)
{
	return (unsigned int)b < OSM_BACKEND_NR ? names[b] : NULL;
}

int osm_backend__from_name(const char *name)
{
	int i;

	for (i = 0; name && i < OSM_BACKEND_NR; i++)
		if (!strcmp(name, names[i]))
			return i;
	return osm_err(-EINVAL);
}

static int asked(const struct osm_backend_opts *opts)
{
	int b;

	if (!OPTS_VALID(opts, osm_backend_opts))
		return -EINVAL;
	b = OPTS_GET(opts, backend, OSM_BACKEND_AUTO);
	return b >= 0 && b < OSM_BACKEND_NR ? b : -EINVAL;
}

int osm_backend__resolve(const struct osm_backend_opts *opts)
{
	char why[8];
	size_t i;
	int b = asked(opts);

	if (b != OSM_BACKEND_AUTO)
		return osm_err(b);
	for (i = 0; i < ARRAY_SIZE(auto_order); i++) {
		const struct osm_backend_ops *ops = backends[auto_order[i]];

		if (ops && !ops->usable(opts, why, sizeof(why)))
			return ops->id;
	}
	return OSM_BACKEND_PROCFS;
}

double osm__now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int osm_backend__read(const struct osm_backend_opts *opts, char **buf,
		      size_t *len)
{
	char *why = OPTS_GET(opts, errbuf, NULL);
	size_t n = OPTS_GET(opts, errbuf_sz, 0), max;
	struct osm_backend_times *t;
	char dummy[8];
	double t0;
	int b, err;

	if (!buf || !len)
		return osm_err(-EINVAL);
	b = osm_backend__resolve(opts);
	if (b < 0) {
		osm__set_err(why, n, "no such backend");
		return osm_err(b);
	}
	if (!why || !n) {
		why = dummy;
		n = sizeof(dummy);
	}
	if (!backends[b]) {
		osm__set_err(why, n,
			     "the %s backend is not built into this libosm",
			     names[b]);
		return osm_err(-EOPNOTSUPP);
	}
	max = OPTS_GET(opts, max_bytes, 0);
	if (!max)
		max = OSM_DEFAULT_MAX_BYTES;
	t = OPTS_GET(opts, times, NULL);
	if (t)
		memset(t, 0, sizeof(*t));
	t0 = osm__now_ms();
	err = backends[b]->read(opts, max, buf, len, why, n);
	/* A backend that does not split its read walks and writes at once. */
	if (t && !t->load_ms && !t->attach_ms && !t->walk_ms && !t->text_ms)
		t->walk_ms = osm__now_ms() - t0;
	return osm_err(err);
}

struct osm_graph *osm_backend__load(const struct osm_backend_opts *opts)
{
	struct osm_graph *g;
	size_t len;
	char *buf;
	int err;

	err = osm_backend__read(opts, &buf, &len);
	if (err)
		return osm_err_ptr(err);
	{
		OSM_OPTS(osm_graph_opts, po, .max_bytes = SIZE_MAX,
			 .errbuf = OPTS_GET(opts, errbuf, NULL),
			 .errbuf_sz = OPTS_GET(opts, errbuf_sz, 0));

		g = osm_graph__parse_opts(buf, len, &po);
	}
	err = errno;
	free(buf);
	errno = err;
	return g;
}

/* The module: /dev/osmosis, read as it is. */
static int module_usable(const struct osm_backend_opts *o, char *why,
			 size_t n)
{
	int fd = open(OSM_DEVICE_PATH, O_RDONLY | O_CLOEXEC);

	(void)o;
	if (fd < 0) {
		int err = -errno;

		osm__set_err(why, n, "%s: %s", OSM_DEVICE_PATH,
			     strerror(-err));
		return err;
	}
	close(fd);
	return 0;
}

static int module_read(const struct osm_backend_opts *o, size_t max,
		       char **buf, size_t *len, char *why, size_t n)
{
	OSM_OPTS(osm_graph_opts, go, .path = OSM_DEVICE_PATH,
		 .max_bytes = max, .errbuf = why, .errbuf_sz = n);

	(void)o;
	return osm_graph__read(&go, buf, len);
}

const struct osm_backend_ops osm__backend_module = {
	.id = OSM_BACKEND_MODULE,
	.name = "module",
	.usable = module_usable,
	.read = module_read,
};
