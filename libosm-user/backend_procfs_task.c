// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * The procfs backend's PDs: every thread of every process /proc lets the
 * caller inspect (readlink of its ns/pid needs the ptrace-read check,
 * the rule the module's view=own applies), and what each thread holds:
 * process and thread nodes, fs, sighand, namespaces and cgroup.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend_procfs.h"

#define PF_KTHREAD	0x00200000	/* PF_KTHREAD in /proc/PID/stat */

static const char *const ns_names[][2] = {
	{ "mnt", OSM_NODE_MNT_NS }, { "uts", OSM_NODE_UTS_NS },
	{ "ipc", OSM_NODE_IPC_NS }, { "pid", OSM_NODE_PID_NS },
	{ "net", OSM_NODE_NET_NS }, { "user", OSM_NODE_USER_NS },
	{ "cgroup", OSM_NODE_CGROUP_NS }, { "time", OSM_NODE_TIME_NS },
};

static bool is_kthread(struct pf_walk *w, int tgid)
{
	char buf[1024], *p;
	unsigned long flags = 0;
	int i;

	snprintf(w->path, sizeof(w->path), "%s/%d/stat", w->proc, tgid);
	if (pf_read_file(w->path, buf, sizeof(buf)) < 0)
		return false;
	p = strrchr(buf, ')');	/* comm may hold spaces and ')' */
	for (i = 0; p && i < 7; i++)
		p = strchr(p + 1, ' ');
	if (p)
		flags = strtoul(p + 1, NULL, 10);
	return flags & PF_KTHREAD;
}

static int add_task(struct pf_walk *w, size_t *cap, int tgid, int tid,
		    bool kthread)
{
	struct pf_task *t;
	char link[64];

	/* The ptrace-read check: the threads the caller may inspect. */
	snprintf(w->path, sizeof(w->path), "%s/%d/task/%d/ns/pid", w->proc,
		 tgid, tid);
	if (readlink(w->path, link, sizeof(link)) < 0)
		return 0;
	if (w->ntasks == *cap) {
		*cap = *cap ? *cap * 2 : 256;
		t = realloc(w->tasks, *cap * sizeof(*t));
		if (!t)
			return -ENOMEM;
		w->tasks = t;
	}
	w->tasks[w->ntasks++] = (struct pf_task){
		.tgid = tgid, .tid = tid, .kthread = kthread,
	};
	return 0;
}

static int numeric(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	return *s && !*end && v > 0 && v <= INT_MAX ? (int)v : 0;
}

static int add_process(struct pf_walk *w, size_t *cap, int tgid)
{
	bool kthread = is_kthread(w, tgid);
	struct dirent *de;
	int tid, err = 0;
	DIR *d;

	snprintf(w->path, sizeof(w->path), "%s/%d/task", w->proc, tgid);
	d = opendir(w->path);
	if (!d)
		return 0;	/* exited */
	while (!err && (de = readdir(d))) {
		tid = numeric(de->d_name);
		if (tid)
			err = add_task(w, cap, tgid, tid, kthread);
	}
	closedir(d);
	return err;
}

/* Every inspectable thread, grouped by process, in /proc's pid order. */
int pf_tasks(struct pf_walk *w)
{
	struct dirent *de;
	size_t cap = 0;
	int tgid, err = 0;
	DIR *d = opendir(w->proc);

	if (!d)
		return -errno;
	while (!err && (de = readdir(d))) {
		tgid = numeric(de->d_name);
		if (tgid)
			err = add_process(w, &cap, tgid);
	}
	closedir(d);
	return err;
}

/* "Key:\tv1\tv2..." of a status file: the @i-th number, or 0. */
static unsigned long long status_num(const char *st, const char *key, int i)
{
	const char *p = strstr(st, key);
	unsigned long long v = 0;
	char *end;

	if (!p)
		return 0;
	p += strlen(key);
	while (i-- >= 0) {
		v = strtoull(p, &end, 10);
		if (end == p)
			return 0;
		p = end;
	}
	return v;
}

/* /proc/TGID/task/TID/@what into @buf, the trailing newline cut. */
static int task_file(struct pf_walk *w, const struct pf_task *t,
		     const char *what, char *buf, size_t n)
{
	int len;

	snprintf(w->path, sizeof(w->path), "%s/%d/task/%d/%s", w->proc,
		 t->tgid, t->tid, what);
	len = pf_read_file(w->path, buf, n);
	if (len > 0 && buf[len - 1] == '\n')
		buf[--len] = '\0';
	return len;
}

static void emit_process(struct pf_walk *w, const struct pf_task *t,
			 const char *id)
{
	char st[4096], comm[64];
	struct pf_task leader = { .tgid = t->tgid, .tid = t->tgid };

	if (task_file(w, &leader, "status", st, sizeof(st)) < 0 ||
	    task_file(w, &leader, "comm", comm, sizeof(comm)) < 0)
		comm[0] = st[0] = '\0';
	if (!osm_text_node(&w->t, id, "pd"))
		return;
	osm_text_printf(&w->t, " pid=%d ppid=%llu", t->tgid,
			status_num(st, "\nPPid:", 0));
	osm_text_attr(&w->t, "comm", comm);
	osm_text_printf(&w->t, " uid=%llu euid=%llu gid=%llu egid=%llu\n",
			status_num(st, "\nUid:", 0), status_num(st, "\nUid:", 1),
			status_num(st, "\nGid:", 0), status_num(st, "\nGid:", 1));
}

static void emit_thread(struct pf_walk *w, const struct pf_task *t,
			const char *id)
{
	char st[4096], comm[64];

	if (task_file(w, t, "status", st, sizeof(st)) < 0 ||
	    task_file(w, t, "comm", comm, sizeof(comm)) < 0)
		comm[0] = st[0] = '\0';
	if (!osm_text_node(&w->t, id, "pd"))
		return;
	osm_text_printf(&w->t, " tid=%d tgid=%d", t->tid, t->tgid);
	osm_text_attr(&w->t, "comm", comm);
	if (t->kthread)
		osm_text_printf(&w->t, " kthread=1");
	osm_text_printf(&w->t, " no_new_privs=%llu seccomp=%llu tracer=%llu\n",
			status_num(st, "\nNoNewPrivs:", 0),
			status_num(st, "\nSeccomp:", 0),
			status_num(st, "\nTracerPid:", 0));
}

static void hold(struct pf_walk *w, const char *thread, const char *res,
		 const char *mode)
{
	osm_text_edge(&w->t, thread, OSM_EDGE_HOLD, res);
	osm_text_printf(&w->t, " mode=%s\n", mode);
}

static void emit_fs(struct pf_walk *w, const struct pf_task *t,
		    const char *thread)
{
	char id[40], root[PATH_MAX], cwd[PATH_MAX];
	ssize_t r, c;

	snprintf(w->path, sizeof(w->path), "%s/%d/task/%d/root", w->proc,
		 t->tgid, t->tid);
	r = readlink(w->path, root, sizeof(root));
	snprintf(w->path, sizeof(w->path), "%s/%d/task/%d/cwd", w->proc,
		 t->tgid, t->tid);
	c = readlink(w->path, cwd, sizeof(cwd));
	if (r < 0 || c < 0)
		return;
	snprintf(id, sizeof(id), "fs:%016llx", (unsigned long long)t->id[PFK_FS]);
	if (osm_text_node(&w->t, id, "res")) {
		osm_text_attr_n(&w->t, "root", root, r);
		osm_text_attr_n(&w->t, "cwd", cwd, c);
		osm_text_eol(&w->t);
	}
	hold(w, thread, id, "rw");
}

static void emit_ns(struct pf_walk *w, const struct pf_task *t,
		    const char *thread, bool admin)
{
	char link[64], id[64];
	unsigned long inum;
	ssize_t r;
	size_t i;
	char *p;

	for (i = 0; i < ARRAY_SIZE(ns_names); i++) {
		snprintf(w->path, sizeof(w->path), "%s/%d/task/%d/ns/%s",
			 w->proc, t->tgid, t->tid, ns_names[i][0]);
		r = readlink(w->path, link, sizeof(link) - 1);
		if (r < 0)
			continue;
		link[r] = '\0';
		p = strchr(link, '[');
		if (!p)
			continue;
		inum = strtoul(p + 1, NULL, 10);
		snprintf(id, sizeof(id), "%s:%lu", ns_names[i][1], inum);
		if (osm_text_node(&w->t, id, "res"))
			osm_text_printf(&w->t, " inum=%lu\n", inum);
		hold(w, thread, id, admin ? "rw" : "r");
	}
}

static void emit_cgroup(struct pf_walk *w, const struct pf_task *t,
			const char *thread)
{
	char buf[PATH_MAX], id[40], *path;
	struct stat st;

	if (!w->cgroot[0] || task_file(w, t, "cgroup", buf, sizeof(buf)) < 0)
		return;
	path = strstr(buf, "0::");	/* the cgroup v2 line */
	if (!path || (path != buf && path[-1] != '\n'))
		return;
	path += 3;
	path[strcspn(path, "\n")] = '\0';
	snprintf(w->path, sizeof(w->path), "%s%s", w->cgroot, path);
	if (stat(w->path, &st))
		return;
	snprintf(id, sizeof(id), "cgroup:%llu", (unsigned long long)st.st_ino);
	if (osm_text_node(&w->t, id, "res")) {
		osm_text_printf(&w->t, " id=%llu", (unsigned long long)st.st_ino);
		osm_text_attr(&w->t, "path", path);
		osm_text_eol(&w->t);
	}
	hold(w, thread, id, "r");
}

/* CAP_SYS_ADMIN in the thread's effective set: namespaces held rw. */
static bool thread_admin(struct pf_walk *w, const struct pf_task *t)
{
	char st[4096], *p;
	unsigned long long eff;

	if (task_file(w, t, "status", st, sizeof(st)) < 0)
		return false;
	p = strstr(st, "\nCapEff:");
	return p && sscanf(p + 8, "%llx", &eff) == 1 && (eff & (1ULL << 21));
}

void pf_emit_task(struct pf_walk *w, const struct pf_task *t)
{
	char thread[32], group[32], id[40];

	snprintf(thread, sizeof(thread), "thread:%d", t->tid);
	if (t->kthread) {
		snprintf(group, sizeof(group), "kernel:0");
	} else {
		snprintf(group, sizeof(group), "process:%d", t->tgid);
		emit_process(w, t, group);
	}
	emit_thread(w, t, thread);
	osm_text_edge(&w->t, thread, OSM_EDGE_MEMBER, group);
	osm_text_eol(&w->t);
	if (!t->kthread) {
		snprintf(id, sizeof(id), "mm:%016llx",
			 (unsigned long long)t->id[PFK_MM]);
		pf_emit_mm(w, t, id);
	}
	snprintf(id, sizeof(id), "files:%016llx",
		 (unsigned long long)t->id[PFK_FILES]);
	pf_emit_files(w, t, id);
	emit_fs(w, t, thread);
	snprintf(id, sizeof(id), "sighand:%016llx",
		 (unsigned long long)t->id[PFK_SIGHAND]);
	if (osm_text_node(&w->t, id, "res"))
		osm_text_eol(&w->t);
	hold(w, thread, id, "rw");
	emit_ns(w, t, thread, thread_admin(w, t));
	emit_cgroup(w, t, thread);
}
