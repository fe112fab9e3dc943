// SPDX-License-Identifier: GPL-2.0-only
/*
 * The device: its path, whether this binary can run, and reading it
 * whole, as a parsed graph or as raw text in read(2)s of a chosen size.
 * See osm_test_util.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "osm_test_util.h"

#define OSM_TEST_MAX_GRAPH	(1UL << 30)
/* Larger than any chunk the module hands out (see osm_test_read_chunk()). */
#define OSM_TEST_CHUNK_READ	(1UL << 20)

const char *osm_test_device(void)
{
	const char *p = getenv("OSM_TEST_DEVICE");

	return p && *p ? p : OSM_DEVICE_PATH;
}

const char *osm_test_skip_reason(void)
{
	static char why[256];
	const char *dev = osm_test_device();

	if (access(dev, F_OK)) {
		snprintf(why, sizeof(why), "%s absent (osmosis not loaded)",
			 dev);
		return why;
	}
	if (geteuid() != 0)
		return "needs root";
	if (access(dev, R_OK)) {
		snprintf(why, sizeof(why), "%s not readable: %s", dev,
			 strerror(errno));
		return why;
	}
	return NULL;
}

struct osm_graph *osm_test_load(void)
{
	OSM_OPTS(osm_graph_opts, opts, .path = osm_test_device());

	return osm_graph__load(&opts);
}

char *osm_test_read_fd(int fd, size_t chunk, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap + 1), *nb;
	ssize_t r;

	if (!buf || !chunk)
		goto fail_inval;
	for (;;) {
		while (cap - n < chunk) {
			if (cap >= OSM_TEST_MAX_GRAPH) {
				errno = EFBIG;
				goto fail;
			}
			nb = realloc(buf, 2 * cap + 1);
			if (!nb)
				goto fail;
			buf = nb;
			cap *= 2;
		}
		r = read(fd, buf + n, chunk);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto fail;
		if (r == 0)
			break;
		if ((size_t)r > chunk) {	/* never: the kernel overran */
			errno = EOVERFLOW;
			goto fail;
		}
		n += r;
	}
	buf[n] = '\0';
	*len = n;
	return buf;

fail_inval:
	errno = errno ? errno : EINVAL;
fail:
	free(buf);
	return NULL;
}

ssize_t osm_test_read_chunk(int fd, char **buf, size_t *len)
{
	char *nb;
	ssize_t r;

	if (*len + OSM_TEST_CHUNK_READ > OSM_TEST_MAX_GRAPH) {
		errno = EFBIG;
		return -1;
	}
	nb = realloc(*buf, *len + OSM_TEST_CHUNK_READ + 1);
	if (!nb)
		return -1;
	*buf = nb;
	do
		r = read(fd, nb + *len, OSM_TEST_CHUNK_READ);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -1;
	*len += r;
	nb[*len] = '\0';
	return r;
}

char *osm_test_read_device(size_t chunk, size_t *len)
{
	int fd = open(osm_test_device(), O_RDONLY | O_CLOEXEC);
	char *buf;
	int saved;

	if (fd < 0)
		return NULL;
	buf = osm_test_read_fd(fd, chunk, len);
	saved = errno;
	close(fd);
	errno = saved;
	return buf;
}
