// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Reading a whole graph from /dev/osmosis or a saved file.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libosm_internal.h"

#define OSM_DEFAULT_MAX_BYTES	(1UL << 30)
#define OSM_READ_CHUNK		(64UL << 10)

/*
 * Read @fd to end of file.  The device produces the walk as it is read,
 * so its size is unknown up front: grow geometrically, and read at most
 * one byte past @max so that exactly @max bytes is still accepted.
 */
static int read_all(int fd, size_t max, char **bufp, size_t *lenp)
{
	size_t cap = OSM_READ_CHUNK, len = 0;
	char *buf = NULL, *p;
	struct stat st;
	ssize_t r;
	int err;

	/* A saved file tells its size; one read then suffices. */
	if (!fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (unsigned long long)st.st_size < max)
		cap = (size_t)st.st_size + 1;
	if (cap > max + 1)
		cap = max + 1;

	for (;;) {
		if (len == cap || !buf) {
			if (buf) {
				if (cap > max) {
					err = -EFBIG;
					goto err_free;
				}
				cap = cap > max / 2 ? max + 1 : cap * 2;
			}
			p = realloc(buf, cap);
			if (!p) {
				err = -ENOMEM;
				goto err_free;
			}
			buf = p;
		}
		r = OSM_NO_INTR(read(fd, buf + len, cap - len));
		if (r < 0) {
			err = -errno;
			goto err_free;
		}
		if (!r)
			break;	/* len < cap here: room for a NUL */
		len += r;
	}
	if (len > max) {
		err = -EFBIG;
		goto err_free;
	}
	*bufp = buf;
	*lenp = len;
	return 0;

err_free:
	free(buf);
	return err;
}

int osm_graph__read(const struct osm_graph_opts *opts, char **buf,
		    size_t *len)
{
	const char *path;
	size_t max;
	int fd, err;

	if (!OPTS_VALID(opts, osm_graph_opts) || !buf || !len)
		return osm_err(-EINVAL);
	path = OPTS_GET(opts, path, NULL);
	if (!path)
		path = OSM_DEVICE_PATH;
	max = OPTS_GET(opts, max_bytes, 0);
	if (!max)
		max = OSM_DEFAULT_MAX_BYTES;
	if (max >= SIZE_MAX - 1)
		max = SIZE_MAX - 2;

	fd = OSM_NO_INTR(open(path, O_RDONLY | O_CLOEXEC));
	if (fd < 0)
		return osm_err(-errno);
	err = read_all(fd, max, buf, len);
	close(fd);
	return osm_err(err);
}

struct osm_graph *osm_graph__load(const struct osm_graph_opts *opts)
{
	size_t len;
	char *buf;

	/* read_all() leaves room for the NUL the parser adds. */
	if (osm_graph__read(opts, &buf, &len))
		return NULL;
	return osm__graph_parse_take(buf, len);
}
