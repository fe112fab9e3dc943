// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * The procfs backend: the graph schema built from /proc alone, for any
 * user, holding the processes /proc lets that user inspect.  It reads
 * everything first (tasks, their groupings by kcmp(2), descriptors,
 * sockets from sock_diag), then writes the text in one pass, so every
 * node is declared before an edge names it.  What it cannot see is in
 * the header's unseen= key; the objects /proc has no name for get ids
 * hashed with a per-run key (approx=): uapi/graph-format.md, "Backends".
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "backend_procfs.h"

#define PF_UNSEEN "cred,seccomp,semundo,shm,sem,msg,phys,fuse,uffd,"	\
	"owner,for_children,in,request,serve,inflight,"			\
	"subset:user_ns,subset:pid_ns,subset:cgroup"
#define PF_APPROX "mm,files,fs,sighand,file"

static uint64_t mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* A keyed hash of what names an object: never the same across runs. */
uint64_t pf_hash(const struct pf_walk *w, unsigned int kind, uint64_t a,
		 uint64_t b)
{
	return mix(w->key[0] ^ mix(w->key[1] ^ ((uint64_t)kind << 56) ^ a) ^
		   mix(b + 0x9e3779b97f4a7c15ULL));
}

/* Read a small file whole, NUL-terminated; its length or -errno. */
int pf_read_file(const char *path, char *buf, size_t n)
{
	ssize_t r;
	size_t len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while (len + 1 < n) {
		r = read(fd, buf + len, n - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += r;
	}
	close(fd);
	buf[len] = '\0';
	return len;
}

/* CAP_SYS_PTRACE in the effective set: the module's view=full. */
static bool have_ptrace_cap(struct pf_walk *w)
{
	char buf[4096], *p;
	unsigned long long eff;

	snprintf(w->path, sizeof(w->path), "%s/self/status", w->proc);
	if (pf_read_file(w->path, buf, sizeof(buf)) < 0)
		return false;
	p = strstr(buf, "\nCapEff:");
	if (!p || sscanf(p + 8, "%llx", &eff) != 1)
		return false;
	return eff & (1ULL << 19);
}

static unsigned int ns_inum(struct pf_walk *w, const char *name)
{
	struct stat st;

	snprintf(w->path, sizeof(w->path), "%s/self/ns/%s", w->proc, name);
	return stat(w->path, &st) ? 0 : (unsigned int)st.st_ino;
}

/* Where cgroup v2 is mounted: a cgroup's id is its directory's inode. */
static void find_cgroup2(struct pf_walk *w)
{
	char line[4096], mnt[PATH_MAX];
	FILE *f;

	snprintf(w->path, sizeof(w->path), "%s/self/mountinfo", w->proc);
	f = fopen(w->path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, " - cgroup2 ") &&
		    sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1) {
			snprintf(w->cgroot, sizeof(w->cgroot), "%s",
				 strcmp(mnt, "/") ? mnt : "");
			break;
		}
	fclose(f);
}

static void emit_header(struct pf_walk *w)
{
	osm_text_printf(&w->t,
			OSM_GRAPH_MAGIC " %d.%d epoch=%016llx pid_ns=%u view=%s backend=procfs unseen=" PF_UNSEEN " approx=" PF_APPROX "\n",
			OSM_GRAPH_MAJOR, OSM_GRAPH_MINOR,
			(unsigned long long)mix(w->key[0] ^ mix(w->key[1])),
			ns_inum(w, "pid"), w->full ? "full" : "own");
	osm_text_node(&w->t, "kernel:0", "pd");
	osm_text_attr(&w->t, "name", "kernel");
	osm_text_eol(&w->t);
}

static int procfs_usable(const struct osm_backend_opts *o, char *why,
			 size_t n)
{
	const char *proc = OPTS_GET(o, proc, NULL);
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/self/stat", proc ? proc : "/proc");
	if (access(path, R_OK)) {
		int err = -errno;

		osm__set_err(why, n, "%s: %s", path, strerror(-err));
		return err;
	}
	return 0;
}

static void walk_free(struct pf_walk *w)
{
	pf_fds_free(w);
	pf_socks_free(w);
	free(w->tasks);
	osm_text_free(&w->t);
}

static int procfs_read(const struct osm_backend_opts *o, size_t max,
		       char **buf, size_t *len, char *why, size_t n)
{
	struct pf_walk *w;
	size_t i;
	int err;

	err = procfs_usable(o, why, n);
	if (err)
		return err;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	osm_text_init(&w->t, max);
	w->proc = OPTS_GET(o, proc, NULL);
	if (!w->proc)
		w->proc = "/proc";
	if (getrandom(w->key, sizeof(w->key), 0) != sizeof(w->key)) {
		err = -errno;
		osm__set_err(why, n, "getrandom: %s", strerror(errno));
		goto out;
	}
	w->full = have_ptrace_cap(w);
	w->netns = ns_inum(w, "net");
	find_cgroup2(w);
	err = pf_tasks(w);
	if (!err) {
		pf_group_tasks(w);
		err = pf_fds(w);
	}
	if (!err) {
		pf_group_fds(w);
		err = pf_socks(w);
	}
	if (err) {
		osm__set_err(why, n, "reading %s: %s", w->proc,
			     strerror(-err));
		goto out;
	}
	emit_header(w);
	for (i = 0; i < w->ntasks; i++)
		pf_emit_task(w, &w->tasks[i]);
	pf_emit_peers(w);
	osm_text_printf(&w->t, "end nodes=%zu edges=%zu\n", w->t.nodes,
			w->t.edges);
	err = w->t.err;
	if (err) {
		osm__set_err(why, n, "%s", err == -EFBIG ?
			     "larger than max_bytes" : strerror(-err));
		goto out;
	}
	*buf = w->t.buf;
	*len = w->t.len;
	w->t.buf = NULL;
out:
	walk_free(w);
	free(w);
	return err;
}

const struct osm_backend_ops osm__backend_procfs = {
	.id = OSM_BACKEND_PROCFS,
	.name = "procfs",
	.usable = procfs_usable,
	.read = procfs_read,
};
