// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * The bpf backend's kernel side: load bpf/osm_iter.bpf.c (CO-RE, through
 * its generated skeleton), run each iterator once and keep its records.
 * backend_bpf_render.c turns them into graph text.
 */
#define _GNU_SOURCE		/* secure_getenv() */
#include "libosm_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "backend_bpf.h"
#include "bpf/osm_iter.h"
#include "osm_iter.skel.h"

/* libosm never prints: libbpf's own messages are dropped while we run. */
static int osm_bpf_quiet(enum libbpf_print_level level, const char *fmt,
			 va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

static double osm_bpf_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Read an iterator to its end; the time to attach and to read into @t. */
static int osm_bpf_iter_read(struct bpf_program *prog,
			     union bpf_iter_link_info *info, size_t info_len,
			     void **buf, size_t *len,
			     struct osm_backend_times *t)
{
	double t0 = osm_bpf_now_ms();
	DECLARE_LIBBPF_OPTS(bpf_iter_attach_opts, o);
	size_t cap = 1 << 16, n = 0;
	struct bpf_link *link;
	char *b = NULL, *nb;
	int fd, ret = 0;
	ssize_t r;

	if (info) {
		o.link_info = info;
		o.link_info_len = info_len;
	}
	link = bpf_program__attach_iter(prog, info ? &o : NULL);
	if (!link)
		return -errno;
	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0) {
		ret = -errno;
		goto out_link;
	}
	t->attach_ms += osm_bpf_now_ms() - t0;
	t0 = osm_bpf_now_ms();
	for (;;) {
		if (!b || cap - n < 4096) {
			cap *= 2;
			nb = realloc(b, cap);
			if (!nb) {
				ret = -ENOMEM;
				goto out_fd;
			}
			b = nb;
		}
		r = OSM_NO_INTR(read(fd, b + n, cap - n));
		if (r < 0) {
			ret = -errno;
			goto out_fd;
		}
		if (!r)
			break;
		n += r;
	}
	*buf = b;
	*len = n;
	b = NULL;
	t->walk_ms += osm_bpf_now_ms() - t0;
out_fd:
	close(fd);
out_link:
	bpf_link__destroy(link);
	free(b);
	return ret;
}

static int osm_bpf_walk(struct osm_iter *skel, struct osm_bpf_walk *w,
			struct osm_backend_times *t)
{
	static const size_t rsz[] = {
		sizeof(struct osm_btask), sizeof(struct osm_bfile),
		sizeof(struct osm_bvma), sizeof(struct osm_bcgroup),
	};
	struct bpf_program *progs[] = {
		skel->progs.osm_task, skel->progs.osm_task_file,
		skel->progs.osm_task_vma, skel->progs.osm_cgroup,
	};
	union bpf_iter_link_info cg = {};
	size_t len = 0;
	int i, ret;

	/* Pre-order from the v2 root (cgroup_fd 0): parents come first. */
	cg.cgroup.order = BPF_CGROUP_ITER_DESCENDANTS_PRE;
	for (i = 0; i < 4; i++) {
		if (!progs[i])
			continue;
		ret = osm_bpf_iter_read(progs[i], i == OSM_BPF_CGROUP ? &cg : NULL,
					sizeof(cg), &w->rec[i], &len, t);
		if (ret && i == OSM_BPF_CGROUP)
			continue;	/* cgroups are then bare nodes */
		if (ret)
			return ret;
		w->nrec[i] = len / rsz[i];
		if (i == OSM_BPF_CGROUP)
			w->have_cgroups = 1;
	}
	return 0;
}

int osm__backend_bpf_read(const struct osm_backend_bpf_opts *opts,
			  char **text, size_t *len)
{
	struct osm_backend_times tm = {}, *t;
	struct osm_bpf_walk w = {};
	libbpf_print_fn_t old = NULL;
	double t0;
	bool quiet;
	struct osm_iter *skel;
	unsigned long long key[3];
	int ret, i;

	if (!OPTS_VALID(opts, osm_backend_bpf_opts) ||
	    OPTS_GET(opts, flags, 0) || !text || !len)
		return osm_err(-EINVAL);
	t = OPTS_GET(opts, times, NULL);
	if (!t)
		t = &tm;
	if (getrandom(key, sizeof(key), 0) != sizeof(key))
		return osm_err(-errno);

	/* OSM_BPF_DEBUG: leave libbpf's messages (verifier log) on stderr. */
	quiet = !secure_getenv("OSM_BPF_DEBUG");
	if (quiet)
		old = libbpf_set_print(osm_bpf_quiet);
	t0 = osm_bpf_now_ms();
	skel = osm_iter__open();
	if (!skel) {
		ret = -errno;
		goto out_print;
	}
	/* The per-run key of the hashed ids; the epoch names the run. */
	skel->rodata->osm_key[0] = key[0];
	skel->rodata->osm_key[1] = key[1];
	w.epoch = key[2];
	ret = osm_iter__load(skel);
	t->load_ms = osm_bpf_now_ms() - t0;
	if (ret) {
		ret = ret < 0 ? ret : -errno;
		/* Unprivileged loads fail EPERM, and with CAP_BPF alone. */
		if (ret == -EPERM || ret == -EACCES)
			ret = -EPERM;
		else if (ret != -ENOMEM)
			ret = -EOPNOTSUPP;
		goto out_skel;
	}
	ret = osm_bpf_walk(skel, &w, t);
	if (ret == -EACCES)
		ret = -EPERM;
	t0 = osm_bpf_now_ms();
	if (!ret)
		ret = osm__bpf_render(&w, text, len);
	t->text_ms = osm_bpf_now_ms() - t0;
	for (i = 0; i < 4; i++)
		free(w.rec[i]);
out_skel:
	osm_iter__destroy(skel);
out_print:
	if (quiet)
		libbpf_set_print(old);
	explicit_bzero(key, sizeof(key));
	return osm_err(ret);
}
