// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * The procfs backend's file tables: each table's descriptors, read once
 * through one thread that holds it (/proc/TID/fd and fdinfo), then the
 * files, file and inode nodes with the module's ids and attributes.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "backend_procfs.h"

static int add_fd(struct pf_walk *w, size_t *cap, const struct pf_task *t,
		  int fd)
{
	char info[4096], link[PATH_MAX], *p;
	struct pf_fd *f;
	ssize_t r;

	snprintf(w->path, sizeof(w->path), "%s/%d/task/%d/fd/%d", w->proc,
		 t->tgid, t->tid, fd);
	r = readlink(w->path, link, sizeof(link) - 1);
	if (r < 0)
		return 0;	/* closed meanwhile */
	link[r] = '\0';
	if (w->nfds == *cap) {
		*cap = *cap ? *cap * 2 : 256;
		f = realloc(w->fds, *cap * sizeof(*f));
		if (!f)
			return -ENOMEM;
		w->fds = f;
	}
	f = &w->fds[w->nfds];
	memset(f, 0, sizeof(*f));
	f->files = t->id[PFK_FILES];
	f->tid = t->tid;
	f->fd = fd;
	f->st_ok = !stat(w->path, &f->st);
	f->link = strdup(link);
	if (!f->link)
		return -ENOMEM;
	w->nfds++;
	snprintf(w->path, sizeof(w->path), "%s/%d/task/%d/fdinfo/%d",
		 w->proc, t->tgid, t->tid, fd);
	if (pf_read_file(w->path, info, sizeof(info)) <= 0)
		return 0;
	f->pos = strtoull(info + strcspn(info, "0123456789"), NULL, 10);
	p = strstr(info, "\nflags:");
	if (p)
		f->flags = strtoul(p + 7, NULL, 8);
	p = strstr(info, "\nmnt_id:");
	if (p)
		f->mnt_id = atoi(p + 8);
	return 0;
}

static int by_fd(const void *a, const void *b)
{
	const struct pf_fd *x = a, *y = b;

	return (x->fd > y->fd) - (x->fd < y->fd);
}

static int read_table(struct pf_walk *w, size_t *cap, const struct pf_task *t)
{
	size_t first = w->nfds;
	struct dirent *de;
	int err = 0;
	DIR *d;

	snprintf(w->path, sizeof(w->path), "%s/%d/task/%d/fd", w->proc,
		 t->tgid, t->tid);
	d = opendir(w->path);
	if (!d)
		return 0;
	while (!err && (de = readdir(d)))
		if (de->d_name[0] != '.')
			err = add_fd(w, cap, t, atoi(de->d_name));
	closedir(d);
	qsort(w->fds + first, w->nfds - first, sizeof(*w->fds), by_fd);
	return err;
}

static bool seen_table(const struct pf_walk *w, size_t i)
{
	size_t j;

	/* Threads of one process are side by side and mostly share one. */
	for (j = i; j-- > 0;)
		if (w->tasks[j].id[PFK_FILES] == w->tasks[i].id[PFK_FILES])
			return true;
	return false;
}

/* The descriptors of every file table, each table once. */
int pf_fds(struct pf_walk *w)
{
	size_t i, cap = 0;
	int err = 0;

	for (i = 0; !err && i < w->ntasks; i++)
		if (!seen_table(w, i))
			err = read_table(w, &cap, &w->tasks[i]);
	return err;
}

void pf_fds_free(struct pf_walk *w)
{
	size_t i;

	for (i = 0; i < w->nfds; i++)
		free(w->fds[i].link);
	free(w->fds);
	w->fds = NULL;
	w->nfds = 0;
}

static const char *fmode(unsigned int flags)
{
	if (flags & O_PATH)
		return "-";
	switch (flags & O_ACCMODE) {
	case O_RDONLY: return "r";
	case O_WRONLY: return "w";
	}
	return "rw";
}

static void emit_inode(struct pf_walk *w, const struct pf_fd *f,
		       const char *id)
{
	const struct pf_sock *s;

	if (!osm_text_node(&w->t, id, "res"))
		return;
	osm_text_printf(&w->t, " dev=%u:%u ino=%llu ftype=%s",
			major(f->st.st_dev), minor(f->st.st_dev),
			(unsigned long long)f->st.st_ino, osm_text_ftype(f->st.st_mode));
	osm_text_attr(&w->t, "path", f->link);
	s = S_ISSOCK(f->st.st_mode) ? pf_sock_find(w, f->st.st_ino) : NULL;
	if (s)
		pf_emit_sock_attrs(w, s);
	osm_text_eol(&w->t);
}

static void emit_file(struct pf_walk *w, const struct pf_fd *f,
		      const char *id)
{
	bool anon = !strncmp(f->link, "anon_inode:", 11);
	char ino[64];

	snprintf(ino, sizeof(ino), "inode:%u:%u:%llu", major(f->st.st_dev),
		 minor(f->st.st_dev), (unsigned long long)f->st.st_ino);
	if (!anon && f->st_ok)
		emit_inode(w, f, ino);
	if (!osm_text_node(&w->t, id, "res"))
		return;
	osm_text_printf(&w->t, " mode=%s flags=0%o pos=%llu", fmode(f->flags),
			f->flags, f->pos);
	if (anon) {
		osm_text_printf(&w->t, " ftype=anon");
		osm_text_attr(&w->t, "anon", f->link + 11);
	} else if (f->st_ok) {
		osm_text_printf(&w->t, " ftype=%s", osm_text_ftype(f->st.st_mode));
	}
	osm_text_eol(&w->t);
	if (!anon && f->st_ok) {
		osm_text_edge(&w->t, id, OSM_EDGE_MAP, ino);
		osm_text_eol(&w->t);
	}
}

/* The file table @id (once) with its open files, and the hold edge. */
void pf_emit_files(struct pf_walk *w, const struct pf_task *t,
		   const char *id)
{
	char thread[32], file[40];
	size_t i, first, n = 0;

	snprintf(thread, sizeof(thread), "thread:%d", t->tid);
	if (osm_text_declared(&w->t, id))
		goto hold;
	for (first = 0; first < w->nfds; first++)
		if (w->fds[first].files == t->id[PFK_FILES])
			break;
	for (i = first; i < w->nfds && w->fds[i].files == t->id[PFK_FILES]; i++)
		n++;
	if (!n) {
		/* An empty table, or one /proc would not list. */
		snprintf(w->path, sizeof(w->path), "%s/%d/task/%d/fd",
			 w->proc, t->tgid, t->tid);
		if (access(w->path, R_OK | X_OK))
			return;
	}
	osm_text_node(&w->t, id, "res");
	osm_text_printf(&w->t, " fds=%zu\n", n);
	for (i = first; i < first + n; i++) {
		const struct pf_fd *f = &w->fds[i];

		snprintf(file, sizeof(file), "file:%016llx",
			 (unsigned long long)f->id);
		emit_file(w, f, file);
		osm_text_edge(&w->t, id, OSM_EDGE_MAP, file);
		osm_text_printf(&w->t, " fd=%d mode=%s\n", f->fd,
				fmode(f->flags));
	}
hold:
	osm_text_edge(&w->t, thread, OSM_EDGE_HOLD, id);
	osm_text_printf(&w->t, " mode=rw\n");
}
