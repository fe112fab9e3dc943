// SPDX-License-Identifier: GPL-2.0-only
/*
 * Helpers the graph and query commands share: verb arguments, loading a
 * graph with readable errors, naming PDs and resource types.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "main.h"

/* Take "--name VALUE" or "--name=VALUE"; 1 if @argv[0] is that option. */
static int take_opt(int *argc, char ***argv, const char *name,
		    const char **value)
{
	const char *arg = (*argv)[0];
	size_t len = strlen(name);

	if (strncmp(arg, name, len))
		return 0;
	if (arg[len] == '=') {
		*value = arg + len + 1;
	} else if (!arg[len]) {
		if (*argc < 2) {
			p_err("option '%s' needs a value", name);
			return -1;
		}
		(*argc)--;
		(*argv)++;
		*value = (*argv)[0];
	} else {
		return 0;
	}
	if (!**value) {
		p_err("option '%s' needs a value", name);
		return -1;
	}
	return 1;
}

/* The valued options of the verbs, and where parse_verb_args() puts them. */
static const struct verb_opt {
	unsigned int flag;
	const char *name;
	size_t offset;
} verb_opts[] = {
	{ ARG_FILE,  "--file",  offsetof(struct verb_args, file) },
	{ ARG_FILE,  "--backend", offsetof(struct verb_args, backend) },
	{ ARG_TYPES, "--types", offsetof(struct verb_args, types) },
	{ ARG_DIR,   "--dir",   offsetof(struct verb_args, dir) },
	{ ARG_SCOPE, "--ptrace-scope", offsetof(struct verb_args, scope) },
	{ ARG_MODE,  "--mode",  offsetof(struct verb_args, mode) },
	{ ARG_GRAN,  "--granularity", offsetof(struct verb_args, gran) },
};

/* take_opt() for each of the @allowed options: 1, 0 or -1 as it. */
static int take_verb_opt(int *argc, char ***argv, unsigned int allowed,
			 struct verb_args *va)
{
	size_t i;
	int r;

	for (i = 0; i < ARRAY_SIZE(verb_opts); i++) {
		const struct verb_opt *o = &verb_opts[i];

		if (!(allowed & o->flag))
			continue;
		r = take_opt(argc, argv, o->name,
			     (const char **)((char *)va + o->offset));
		if (r)
			return r;
	}
	return 0;
}

/**
 * parse_verb_args() - the options and positional arguments of a verb.
 *
 * Return: 0, 1 when help was asked for, or -1 after reporting an error.
 */
/* The last verb's --backend, for load_graph(). */
static const char *backend_arg;

int parse_verb_args(int argc, char **argv, unsigned int allowed,
		    int max_pos, struct verb_args *va)
{
	int r;

	memset(va, 0, sizeof(*va));
	backend_arg = NULL;
	for (; argc > 0; argc--, argv++) {
		if (is_help(argv[0]))
			return 1;
		r = take_verb_opt(&argc, &argv, allowed, va);
		if (r < 0)
			return -1;
		if (r)
			continue;
		if ((allowed & ARG_THREADS) && !strcmp(argv[0], "--threads")) {
			va->threads = true;
			continue;
		}
		if (argv[0][0] == '-' && argv[0][1]) {
			p_err("unknown option '%s'", argv[0]);
			return -1;
		}
		if (va->npos >= max_pos || va->npos >= (int)ARRAY_SIZE(va->pos))
			return BAD_ARG();
		va->pos[va->npos++] = argv[0];
	}
	if (va->backend && va->file) {
		p_err("--file and --backend exclude each other");
		return -1;
	}
	backend_arg = va->backend;
	return 0;
}

/**
 * verb_backend() - the backend the last verb reads: its --backend, else
 * the first usable of module, bpf, procfs.  Said on stderr with -v.
 *
 * Return: an enum osm_backend, or -1 after reporting an error.
 */
int verb_backend(void)
{
	int b = osm_backend__from_name(backend_arg ? backend_arg : "auto");

	if (b < 0) {
		p_err("--backend '%s': use module, bpf, procfs or auto",
		      backend_arg);
		return -1;
	}
	{
		OSM_OPTS(osm_backend_opts, o, .backend = b);

		b = osm_backend__resolve(&o);
	}
	if (verbose && b >= 0)
		fprintf(stderr, "osm: backend %s%s\n", osm_backend__name(b),
			backend_arg ? "" : " (the first usable)");
	return b;
}

/* A walk of a backend other than the module, saying why it failed. */
static struct osm_graph *load_backend(int b, size_t max)
{
	char why[512] = "";
	struct osm_graph *g;

	{
		OSM_OPTS(osm_backend_opts, o, .backend = b, .max_bytes = max,
			 .errbuf = why, .errbuf_sz = sizeof(why));

		g = osm_backend__load(&o);
	}
	if (!g)
		p_err("backend %s: %s%s%s", osm_backend__name(b),
		      strerror(errno), *why ? ": " : "", why);
	return g;
}

/* Whether modules.dep of the running kernel lists osmosis.ko. */
static bool module_installed(void)
{
	char path[128 + sizeof(((struct utsname *)0)->release)], line[4096];
	struct utsname u;
	bool found = false;
	FILE *f;

	if (uname(&u))
		return true;	/* cannot tell: do not claim it is missing */
	snprintf(path, sizeof(path), "/lib/modules/%s/modules.dep", u.release);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, "/osmosis.ko") != NULL;
	fclose(f);
	return found;
}

/**
 * device_hint() - what to do about errno @err from opening, reading or
 * asking /dev/osmosis: " (...)" to append to the message, or "".
 */
const char *device_hint(int err)
{
	static char hint[256];
	struct utsname u;

	switch (err) {
	case ENOENT:
	case ENXIO:
	case ENODEV:
		if (!access("/sys/module/osmosis", F_OK))
			return " (the osmosis module is loaded but the device node is missing: is devtmpfs mounted on /dev?)";
		if (access("/proc/modules", F_OK))
			return " (this kernel cannot load modules: it needs CONFIG_MODULES=y to run osmosis)";
		if (module_installed())
			return " (the osmosis module is not loaded: load it with 'modprobe osmosis')";
		snprintf(hint, sizeof(hint),
			 " (the osmosis module is not installed for kernel %s: install osmosis-dkms or run 'make dkms-install', then load it with 'modprobe osmosis')",
			 uname(&u) ? "?" : u.release);
		return hint;
	case EACCES:
	case EPERM:
		return " (the module creates the device world-readable, mode 0444: check 'ls -l " OSM_DEVICE_PATH "' and any LSM policy)";
	case EAGAIN:
		return " (too many open walks: see max_walks_per_user and max_walks in /sys/module/osmosis/parameters)";
	case E2BIG:
		return " (the walk has more ids than max_nodes: raise /sys/module/osmosis/parameters/max_nodes or narrow the walk)";
	case ENOTTY:
		return " (the loaded osmosis module is older than this osm: 'osm api' shows what it offers, 'modinfo osmosis' its version)";
	}
	return "";
}

/**
 * module_api_hint() - why @what failed with errno @err: the device cannot
 * be opened (device_hint()), or the loaded module refused it (ENOTTY: an
 * ioctl it does not have; E2BIG or EINVAL: a request with fields it does
 * not know) and is older than this osm.  Returns " (...)" to append to
 * the message, or "".
 * @feat: the OSM_FEAT_* bit @what needs.
 * @since: the api minor that added it.
 */
const char *module_api_hint(int err, const char *what, unsigned long long feat,
			    unsigned int since)
{
	static char hint[320];
	struct osm_api api;
	int fd, r;

	fd = open(OSM_DEVICE_PATH, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return device_hint(errno);
	if (err != ENOTTY && err != E2BIG && err != EINVAL) {
		close(fd);
		return "";
	}
	r = osm_ioc_get_api(fd, &api);
	close(fd);
	if (r == -ENOTTY)
		return device_hint(ENOTTY);
	if (r)
		return "";
	if (api.api_major != OSM_API_MAJOR)
		snprintf(hint, sizeof(hint),
			 " (the loaded osmosis module has api %u.%u, this osm speaks %d.x: install the module and osm of one release; 'modinfo osmosis' shows the module's)",
			 api.api_major, api.api_minor, OSM_API_MAJOR);
	else if (!(api.features & feat))
		snprintf(hint, sizeof(hint),
			 " (the loaded osmosis module has api %u.%u, without %s (api %d.%u): load the module of this osm's release %s, 'modinfo osmosis' shows the module's)",
			 api.api_major, api.api_minor, what, OSM_API_MAJOR,
			 since, osm_version());
	else if (api.api_minor < OSM_API_MINOR)
		snprintf(hint, sizeof(hint),
			 " (the loaded osmosis module has api %u.%u, older than this osm's %d.%d: options added since are refused; load the module of release %s, 'modinfo osmosis' shows the module's)",
			 api.api_major, api.api_minor, OSM_API_MAJOR,
			 OSM_API_MINOR, osm_version());
	else
		return "";
	return hint;
}

/*
 * OSM_MAX_SIZE: the largest graph to read, in bytes, with an optional K,
 * M or G suffix; "0" or unset means the library's 1 GiB, "max" no limit.
 */
static int max_size(size_t *max)
{
	const char *s = getenv("OSM_MAX_SIZE");
	unsigned long long v;
	char *end;

	*max = 0;
	if (!s || !*s)
		return 0;
	if (!strcmp(s, "max")) {
		*max = SIZE_MAX;
		return 0;
	}
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end && !end[1] && strchr("KMG", *end))
		v <<= *end == 'K' ? 10 : *end == 'M' ? 20 : 30;
	else if (*end || errno || *s == '-')
		return p_err("OSM_MAX_SIZE='%s' is not a size", s), -1;
	*max = v;
	return 0;
}

/* Load from --file or the device, saying why it failed. */
struct osm_graph *load_graph(const char *file)
{
	const char *path = file ? file : OSM_DEVICE_PATH;
	char why[512] = "";
	struct osm_graph *g;
	size_t max;
	int err;

	if (max_size(&max))
		return NULL;
	if (!file) {
		int b = verb_backend();

		if (b < 0)
			return NULL;
		if (b != OSM_BACKEND_MODULE)
			return load_backend(b, max);
	}
	{
		OSM_OPTS(osm_graph_opts, opts, .path = path, .max_bytes = max,
			 .errbuf = why, .errbuf_sz = sizeof(why));

		g = osm_graph__load(&opts);
	}
	if (g)
		return g;
	err = errno;
	if (err == EFBIG)
		p_err("%s: graph is larger than %s (raise OSM_MAX_SIZE)", path,
		      max ? getenv("OSM_MAX_SIZE") : "the 1 GiB limit");
	else if (err == EPROTO || err == ENODATA)
		p_err("%s: malformed graph: %s%s", path, why,
		      !file && strstr(why, "major version") ?
		      " (the loaded osmosis module and this osm are from different releases: install matching versions, 'modinfo osmosis' shows the module's)" : "");
	else
		p_err("cannot read %s: %s%s", path, strerror(err),
		      file ? "" : device_hint(err));
	return NULL;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/*
 * A PD as the user names it: "1234" is process:1234, "kernel" is
 * kernel:0, anything else a full node id ("thread:42").
 */
const struct osm_node *find_pd(const struct osm_graph *g, const char *arg)
{
	const struct osm_node *n;
	char id[64];
	const char *want = arg;

	if (all_digits(arg)) {
		if (strlen(arg) > 20) {
			p_err("'%s' is not a pid", arg);
			return NULL;
		}
		snprintf(id, sizeof(id), "%s:%s", OSM_NODE_PROCESS, arg);
		want = id;
	} else if (!strcmp(arg, OSM_NODE_KERNEL)) {
		want = OSM_NODE_KERNEL ":0";
	}
	n = osm_graph__find(g, want);
	if (!n) {
		p_err("no node '%s' in the graph", want);
		return NULL;
	}
	if (!osm_node__is_pd(n)) {
		p_err("'%s' is a resource, not a protection domain", want);
		return NULL;
	}
	return n;
}

/* OSM_ACCESS_R or OSM_ACCESS_RW as the queries print it. */
const char *access_name(unsigned int access)
{
	return access == OSM_ACCESS_RW ? "rw" : "r";
}

/* load_graph() and find_pd() in it; NULL (said why) if either fails. */
struct osm_graph *load_graph_pd(const char *file, const char *arg,
				const struct osm_node **pd)
{
	struct osm_graph *g = load_graph(file);

	if (!g)
		return NULL;
	*pd = find_pd(g, arg);
	if (!*pd) {
		osm_graph__free(g);
		return NULL;
	}
	return g;
}

static const char *const known_res_types[] = {
	OSM_NODE_MM, OSM_NODE_VMA, OSM_NODE_FILES, OSM_NODE_FILE,
	OSM_NODE_INODE, OSM_NODE_FS, OSM_NODE_SIGHAND, OSM_NODE_CGROUP,
	OSM_NODE_MNT_NS, OSM_NODE_UTS_NS, OSM_NODE_IPC_NS, OSM_NODE_PID_NS,
	OSM_NODE_NET_NS, OSM_NODE_USER_NS, OSM_NODE_CGROUP_NS,
	OSM_NODE_TIME_NS, OSM_NODE_CRED, OSM_NODE_SECCOMP, OSM_NODE_SHM,
	OSM_NODE_SEM, OSM_NODE_MSG, OSM_NODE_SEMUNDO, OSM_NODE_FUSE,
	OSM_NODE_UFFD,
};

/* A type this osm knows, or one a newer module put in this graph. */
static bool is_res_type(const struct osm_graph *g, const char *t)
{
	size_t i, n = osm_graph__node_count(g);

	for (i = 0; i < ARRAY_SIZE(known_res_types); i++)
		if (!strcmp(t, known_res_types[i]))
			return true;
	for (i = 0; i < n; i++) {
		const struct osm_node *node = osm_graph__node(g, i);

		if (!osm_node__is_pd(node) && !strcmp(osm_node__type(node), t))
			return true;
	}
	return false;
}

/**
 * parse_types() - "t1,t2" as the NULL-terminated list libosm takes.
 *
 * Unknown names are refused: "netns" silently matching nothing would
 * read as "shares no network namespace".
 *
 * Return: one malloc()ed block (free() it), or NULL after an error.
 */
const char **parse_types(const struct osm_graph *g, const char *list)
{
	size_t n = 1, len = strlen(list), i = 0;
	const char **v;
	char *copy, *tok, *save;
	const char *p;

	for (p = list; *p; p++)
		n += *p == ',';
	v = malloc((n + 1) * sizeof(*v) + len + 1);
	if (!v) {
		p_err("out of memory");
		return NULL;
	}
	copy = (char *)(v + n + 1);
	memcpy(copy, list, len + 1);
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!is_res_type(g, tok)) {
			p_err("unknown resource type '%s'", tok);
			free(v);
			return NULL;
		}
		v[i++] = tok;
	}
	if (!i) {
		p_err("--types needs at least one type");
		free(v);
		return NULL;
	}
	v[i] = NULL;
	return v;
}

/* What to show next to an id: a command, a name or a path. */
const char *node_label(const struct osm_node *n)
{
	static const char *const keys[] = { "comm", "name", "path", "anon" };
	const char *v;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		v = osm_node__attr(n, keys[i]);
		if (v)
			return v;
	}
	return NULL;
}
