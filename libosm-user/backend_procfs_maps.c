// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * The procfs backend's address spaces: /proc/PID/maps as mm, vma and
 * inode nodes, the ids and attributes the module gives them.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "backend_procfs.h"

/* A whole /proc file (maps can be large), malloc()ed; NULL if unread. */
static char *slurp(const char *path, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap), *b;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0 || !buf) {
		if (fd >= 0)
			close(fd);
		free(buf);
		return NULL;
	}
	for (;;) {
		if (n + 1 >= cap) {
			b = realloc(buf, cap * 2);
			if (!b)
				break;
			buf = b;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += r;
	}
	close(fd);
	buf[n] = '\0';
	*len = n;
	return buf;
}

struct pf_vma {
	unsigned long long start, end, pgoff, ino;
	unsigned int maj, min;
	char perm[5];
	char *name;	/* in the maps text; NULL for none */
};

static bool parse_line(char *line, struct pf_vma *v)
{
	int off = 0;

	if (sscanf(line, "%llx-%llx %4s %llx %x:%x %llu %n", &v->start,
		   &v->end, v->perm, &v->pgoff, &v->maj, &v->min, &v->ino,
		   &off) < 7)
		return false;
	v->name = off && line[off] ? line + off : NULL;
	return true;
}

static void emit_vma_inode(struct pf_walk *w, const struct pf_vma *v,
			   const char *id)
{
	const char *ftype = "reg";
	struct stat st;

	if (!osm_text_node(&w->t, id, "res"))
		return;
	if (v->name && v->name[0] == '/' && !stat(v->name, &st) &&
	    st.st_ino == v->ino && major(st.st_dev) == v->maj &&
	    minor(st.st_dev) == v->min)
		ftype = osm_text_ftype(st.st_mode);
	osm_text_printf(&w->t, " dev=%u:%u ino=%llu ftype=%s", v->maj, v->min,
			v->ino, ftype);
	if (v->name)
		osm_text_attr(&w->t, "path", v->name);
	osm_text_eol(&w->t);
}

static void emit_vma(struct pf_walk *w, const struct pf_vma *v,
		     const char *mm)
{
	char id[64], ino[64];

	snprintf(id, sizeof(id), "vma:%s:%llx", mm + 3, v->start);
	snprintf(ino, sizeof(ino), "inode:%u:%u:%llu", v->maj, v->min, v->ino);
	if (v->ino)
		emit_vma_inode(w, v, ino);
	if (!osm_text_node(&w->t, id, "res"))
		return;
	osm_text_printf(&w->t, " start=0x%llx end=0x%llx perm=%s pgoff=0x%llx dev=%u:%u ino=%llu",
			v->start, v->end, v->perm, v->ino ? v->pgoff : 0,
			v->maj, v->min, v->ino);
	if (v->name)
		osm_text_attr(&w->t, "name", v->name);
	osm_text_eol(&w->t);
	osm_text_edge(&w->t, id, OSM_EDGE_SUBSET, mm);
	osm_text_eol(&w->t);
	if (v->ino) {
		osm_text_edge(&w->t, id, OSM_EDGE_MAP, ino);
		osm_text_eol(&w->t);
	}
}

/* The mm @id (once) with its regions, and the thread's hold edge. */
void pf_emit_mm(struct pf_walk *w, const struct pf_task *t, const char *id)
{
	char thread[32], *buf, *line, *next;
	size_t len, n = 0;
	struct pf_vma v;

	snprintf(thread, sizeof(thread), "thread:%d", t->tid);
	if (osm_text_declared(&w->t, id))
		goto hold;
	snprintf(w->path, sizeof(w->path), "%s/%d/task/%d/maps", w->proc,
		 t->tgid, t->tid);
	buf = slurp(w->path, &len);
	if (!buf)
		return;
	for (line = buf; line < buf + len; line = next + 1) {
		next = strchrnul(line, '\n');
		n++;
	}
	/* A fixed kernel page, not in the mm: not a node. */
	if (n && strstr(buf, " [vsyscall]"))
		n--;
	if (!n) {	/* no mm (exited, or a kernel thread) */
		free(buf);
		return;
	}
	osm_text_node(&w->t, id, "res");
	osm_text_printf(&w->t, " vmas=%zu\n", n);
	for (line = buf; line < buf + len; line = next + 1) {
		next = strchrnul(line, '\n');
		*next = '\0';
		if (parse_line(line, &v) &&
		    !(v.name && !strcmp(v.name, "[vsyscall]")))
			emit_vma(w, &v, id);
		if (next >= buf + len)
			break;
	}
	free(buf);
hold:
	osm_text_edge(&w->t, thread, OSM_EDGE_HOLD, id);
	osm_text_printf(&w->t, " mode=rw\n");
}
