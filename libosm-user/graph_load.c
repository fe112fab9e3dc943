// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Reading a whole graph from /dev/osmosis or a saved file.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libosm_internal.h"

#define OSM_READ_CHUNK		(64UL << 10)

/*
 * Could @buf[0..len) begin a graph?  Its first line must start with the
 * magic and end within OSM_HDR_MAX bytes.
 */
static bool header_ok(const char *buf, size_t len)
{
	static const char magic[] = OSM_GRAPH_MAGIC " ";
	size_t n = sizeof(magic) - 1;

	if (memcmp(buf, magic, len < n ? len : n))
		return false;
	return len <= OSM_HDR_MAX || memchr(buf, '\n', OSM_HDR_MAX);
}

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
		/* Refuse what is not a graph at its first bytes. */
		if (!header_ok(buf, len)) {
			err = -EPROTO;
			goto err_free;
		}
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

static size_t max_bytes(const struct osm_graph_opts *opts)
{
	size_t max = OPTS_GET(opts, max_bytes, 0);

	return max ? max : OSM_DEFAULT_MAX_BYTES;
}

static int open_graph(const struct osm_graph_opts *opts)
{
	const char *path = OPTS_GET(opts, path, NULL);
	int fd;

	if (!path)
		path = OSM_DEVICE_PATH;
	fd = OSM_NO_INTR(open(path, O_RDONLY | O_CLOEXEC));
	if (fd < 0) {
		fd = -errno;
		osm__set_err(OPTS_GET(opts, errbuf, NULL),
			     OPTS_GET(opts, errbuf_sz, 0), "cannot open %s: %s",
			     path, strerror(-fd));
	}
	return fd;
}

int osm_graph__read(const struct osm_graph_opts *opts, char **buf,
		    size_t *len)
{
	size_t max;
	int fd, err;

	if (!OPTS_VALID(opts, osm_graph_opts) || !buf || !len)
		return osm_err(-EINVAL);
	max = max_bytes(opts);
	if (max >= SIZE_MAX - 1)
		max = SIZE_MAX - 2;

	fd = open_graph(opts);
	if (fd < 0)
		return osm_err(fd);
	err = read_all(fd, max, buf, len);
	close(fd);
	if (err)
		osm__set_err(OPTS_GET(opts, errbuf, NULL),
			     OPTS_GET(opts, errbuf_sz, 0), "%s",
			     err == -EPROTO ? "not an osmosis graph" :
			     err == -EFBIG ? "larger than max_bytes" :
			     strerror(-err));
	return osm_err(err);
}

struct osm_graph *osm_graph__load(const struct osm_graph_opts *opts)
{
	struct osm_parser *p;
	struct osm_graph *g;
	int fd, err;

	if (!OPTS_VALID(opts, osm_graph_opts))
		return osm_err_ptr(-EINVAL);
	fd = open_graph(opts);
	if (fd < 0)
		return osm_err_ptr(fd);
	p = osm__parser_new(opts);
	if (!p) {
		close(fd);
		osm__set_err(OPTS_GET(opts, errbuf, NULL),
			     OPTS_GET(opts, errbuf_sz, 0), "out of memory");
		return osm_err_ptr(-ENOMEM);
	}
	g = osm__parser_run(p, fd, NULL, 0);
	err = errno;	/* close() must not clobber the parser's */
	close(fd);
	errno = err;
	return g;
}
