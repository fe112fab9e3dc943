// SPDX-License-Identifier: GPL-2.0-only
/*
 * Independent oracles the graph is checked against: kcmp(2),
 * /proc/PID/ns, /proc/PID/status, /proc/PID/maps and fstat(2), plus the
 * graph's own regions of an mm in the same form as /proc/PID/maps.
 * See osm_test_util.h.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "osm_test_util.h"

pid_t osm_test_gettid(void)
{
	return syscall(SYS_gettid);
}

int osm_test_kcmp(pid_t pid1, pid_t pid2, int type, unsigned long idx1,
		  unsigned long idx2)
{
	return syscall(SYS_kcmp, pid1, pid2, type, idx1, idx2);
}

unsigned long long osm_test_ns_ino(pid_t pid, const char *name)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, name);
	if (stat(path, &st))
		return 0;
	return st.st_ino;
}

void osm_test_inode_id(char *buf, size_t len, dev_t dev, ino_t ino)
{
	snprintf(buf, len, OSM_NODE_INODE ":%u:%u:%llu", major(dev),
		 minor(dev), (unsigned long long)ino);
}

int osm_test_fd_inode_id(int fd, char *buf, size_t len)
{
	struct stat st;

	if (fstat(fd, &st))
		return -1;
	osm_test_inode_id(buf, len, st.st_dev, st.st_ino);
	return 0;
}

void *osm_test_grow(void *v, size_t n, size_t *cap, size_t size)
{
	size_t ncap;
	void *nv;

	if (n < *cap)
		return v;
	ncap = *cap ? 2 * *cap : 64;
	nv = realloc(v, ncap * size);
	if (nv)
		*cap = ncap;
	return nv;
}

ssize_t osm_test_read_small(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

int osm_test_read_line(const char *path, char *buf, size_t size)
{
	if (osm_test_read_small(path, buf, size) < 0)
		return -1;
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

int osm_test_read_ulong(const char *path, unsigned long *val)
{
	char buf[64];

	if (osm_test_read_small(path, buf, sizeof(buf)) <= 0)
		return -1;
	*val = strtoul(buf, NULL, 10);
	return 0;
}

int osm_test_write_small(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

/* The value of a "Key:" line of the status file at @path. */
static int status_file_field(const char *path, const char *key, char *buf,
			     size_t len)
{
	char line[512];
	size_t kl = strlen(key);
	FILE *f;
	int ret = -1;

	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *v = line + kl + 1;

		if (strncmp(line, key, kl) || line[kl] != ':')
			continue;
		while (*v == ' ' || *v == '\t')
			v++;
		v[strcspn(v, "\n")] = '\0';
		snprintf(buf, len, "%s", v);
		ret = 0;
		break;
	}
	fclose(f);
	if (ret)
		errno = ENOENT;
	return ret;
}

int osm_test_status_field(pid_t pid, const char *key, char *buf, size_t len)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	return status_file_field(path, key, buf, len);
}

int osm_test_task_status_field(pid_t pid, pid_t tid, const char *key,
			       char *buf, size_t len)
{
	char path[96];

	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", (int)pid,
		 (int)tid);
	return status_file_field(path, key, buf, len);
}

int osm_test_cgroup_path(pid_t pid, char *buf, size_t len)
{
	char path[64], line[512];
	FILE *f;
	int ret = -1;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	errno = ENOENT;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "0::", 3)) {
			line[strcspn(line, "\n")] = '\0';
			if (strlen(line + 3) >= len) {
				errno = ENAMETOOLONG;
				break;
			}
			memcpy(buf, line + 3, strlen(line + 3) + 1);
			ret = 0;
			break;
		}
	fclose(f);
	return ret;
}

int osm_test_read_maps(pid_t pid, struct osm_test_vma **out)
{
	char path[64], line[4096 + 128];
	struct osm_test_vma *v = NULL, *nv;
	size_t n = 0, cap = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		struct osm_test_vma m = { 0 };
		int name = 0;

		if (sscanf(line, "%llx-%llx %4s %llx %x:%x %llu %n", &m.start,
			   &m.end, m.perm, &m.pgoff, &m.major, &m.minor,
			   &m.ino, &name) < 7) {
			errno = EPROTO;
			goto fail;
		}
		if (name && !strncmp(line + name, "[vsyscall]", 10))
			continue;	/* the gate area is not in the mm */
		nv = osm_test_grow(v, n, &cap, sizeof(*v));
		if (!nv)
			goto fail;
		v = nv;
		v[n++] = m;
	}
	fclose(f);
	*out = v;
	return n;
fail:
	fclose(f);
	free(v);
	return -1;
}

int osm_test_graph_vmas(const struct osm_node *mm, struct osm_test_vma **out)
{
	size_t i, n = osm_test_in(mm, OSM_EDGE_SUBSET, OSM_NODE_VMA, NULL, 0);
	const struct osm_edge **e = calloc(n + 1, sizeof(*e));
	struct osm_test_vma *v = calloc(n + 1, sizeof(*v));

	if (!e || !v)
		goto fail;
	osm_test_in(mm, OSM_EDGE_SUBSET, OSM_NODE_VMA, e, n);
	for (i = 0; i < n; i++) {
		const struct osm_node *vn = osm_edge__src(e[i]);
		const char *perm = osm_node__attr(vn, "perm");
		const char *dev = osm_node__attr(vn, "dev");

		if (!osm_test_attr_ull(vn, "start", &v[i].start) ||
		    !osm_test_attr_ull(vn, "end", &v[i].end) ||
		    !osm_test_attr_ull(vn, "pgoff", &v[i].pgoff) ||
		    !perm || strlen(perm) != 4)
			goto fail_proto;
		memcpy(v[i].perm, perm, 5);
		/* dev and ino may be left out for anonymous memory. */
		if (dev && sscanf(dev, "%u:%u", &v[i].major, &v[i].minor) != 2)
			goto fail_proto;
		if (osm_node__attr(vn, "ino") &&
		    !osm_test_attr_ull(vn, "ino", &v[i].ino))
			goto fail_proto;
	}
	free(e);
	*out = v;
	return n;

fail_proto:
	errno = EPROTO;
fail:
	free(e);
	free(v);
	return -1;
}

static int vma_cmp(const void *a, const void *b)
{
	const struct osm_test_vma *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

void osm_test_sort_vmas(struct osm_test_vma *v, size_t n)
{
	qsort(v, n, sizeof(*v), vma_cmp);
}

int osm_test_proc_fds(pid_t pid, int **out)
{
	struct dirent *de;
	int *fds = NULL, *more;
	size_t n = 0, cap = 0;
	char path[64];
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		more = osm_test_grow(fds, n, &cap, sizeof(*fds));
		if (!more) {
			free(fds);
			closedir(d);
			return -1;
		}
		fds = more;
		fds[n++] = atoi(de->d_name);
	}
	closedir(d);
	*out = fds;
	return n;
}
