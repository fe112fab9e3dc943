/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * libosm's bpf backend: the graph from BPF iterators (task, task_file,
 * task_vma, cgroup), without the module.  Internal: the backend table
 * (backend.c) calls it; see "BPF backend" in uapi/graph-format.md.
 */
#ifndef __LIBOSM_BACKEND_BPF_H
#define __LIBOSM_BACKEND_BPF_H

#include <stddef.h>

struct osm_backend_times;

/**
 * struct osm_backend_bpf_opts - options of osm__backend_bpf_read()
 * @sz: sizeof(struct osm_backend_bpf_opts), as libbpf's opts.
 * @flags: none defined yet; must be 0.
 * @times: when not NULL, the time of each phase (load, attach, walk,
 *	text) is written here.
 */
struct osm_backend_bpf_opts {
	size_t sz;
	unsigned int flags;
	struct osm_backend_times *times;
	size_t :0;
};
#define osm_backend_bpf_opts__last_field times

/* What to tell a user when osm__backend_bpf_read() returns -EPERM. */
#define OSM_BACKEND_BPF_EPERM_MSG \
	"the bpf backend needs CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN (run as root)"

/**
 * osm__backend_bpf_read() - walk the system with BPF iterators and
 * render the graph as text in the module's format (header "backend=bpf").
 * @opts: options, or NULL.
 * @text: out: the text, NUL-terminated, to free() by the caller.
 * @len: out: its length without the NUL.
 *
 * Return: 0, or a negative errno (errno set too): -EPERM without the
 * privileges (OSM_BACKEND_BPF_EPERM_MSG), -EOPNOTSUPP when the kernel
 * cannot load the iterators, -EINVAL for bad @opts, -ENOMEM.
 */
int osm__backend_bpf_read(const struct osm_backend_bpf_opts *opts,
			  char **text, size_t *len);

/* Between backend_bpf.c (the iterators) and backend_bpf_render.c. */
struct osm_bpf_walk {
	void *rec[4];		/* task, file, vma, cgroup records */
	size_t nrec[4];
	int have_cgroups;	/* iter/cgroup attached */
	unsigned long long epoch;
};
enum { OSM_BPF_TASK, OSM_BPF_FILE, OSM_BPF_VMA, OSM_BPF_CGROUP };

int osm__bpf_render(const struct osm_bpf_walk *w, char **text, size_t *len);

#endif /* __LIBOSM_BACKEND_BPF_H */
