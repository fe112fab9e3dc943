// SPDX-License-Identifier: GPL-2.0-only
/*
 * osm query: what a PD reaches, whom it shares resources with, who
 * serves its requests, and who can control it.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "main.h"

static int do_help(int argc, char **argv);

/* The node as a JSON object, or "id  label" as text. */
static void print_node(const struct osm_node *n, int width)
{
	const char *label = node_label(n);
	char fmt[32];

	snprintf(fmt, sizeof(fmt), label ? "\t%%-%ds" : "\t%%s", width);
	open_json_object(NULL);
	print_string(PRINT_ANY, "id", fmt, osm_node__id(n));
	print_string(PRINT_JSON, "type", NULL, osm_node__type(n));
	if (label)
		print_string(PRINT_ANY, "label", "  %s", label);
	close_json_object();
}

static void print_pd(const struct osm_node *pd)
{
	print_string(PRINT_ANY, "pd", "%s", osm_node__id(pd));
	if (node_label(pd))
		print_string(PRINT_ANY, "label", " (%s)", node_label(pd));
}

static void print_resources(const struct osm_node *const *res, size_t n)
{
	size_t i, w = 0;

	for (i = 0; i < n; i++)
		if (strlen(osm_node__id(res[i])) > w)
			w = strlen(osm_node__id(res[i]));
	open_json_array("resources");
	for (i = 0; i < n; i++) {
		print_node(res[i], w > 40 ? 40 : (int)w);
		print_nl();
	}
	close_json_array();
}

/* The graph, the PD and the type filter, as query options, of a query. */
struct query_ctx {
	struct osm_graph *g;
	const struct osm_node *pd;
	const char **types;
	unsigned int mode, gran;
	struct osm_query_opts opts;
};

static int query_setup(int argc, char **argv, struct query_ctx *q)
{
	struct verb_args va;
	int r;

	memset(q, 0, sizeof(*q));
	r = parse_verb_args(argc, argv, ARG_FILE | ARG_TYPES | ARG_MODE |
			    ARG_GRAN, 1, &va);
	if (r)
		return r > 0 ? 1 : -1;
	if (parse_mode(va.mode, &q->mode) || parse_gran(va.gran, &q->gran))
		return -1;
	if (va.npos < 1) {
		p_err(MISSING_PD);
		return -1;
	}
	q->g = load_graph_pd(va.file, va.pos[0], &q->pd);
	if (!q->g)
		return -1;
	if (va.types) {
		q->types = parse_types(q->g, va.types);
		if (!q->types) {
			osm_graph__free(q->g);
			return -1;
		}
	}
	{
		OSM_OPTS(osm_query_opts, opts, .types = q->types,
			 .mode = q->mode, .granularity = q->gran);

		q->opts = opts;
	}
	return 0;
}

static void query_done(struct query_ctx *q)
{
	free(q->types);
	osm_graph__free(q->g);
}

/*
 * Set a query up from the verb's arguments, run @show on it, clean up.
 * @show returns 0, or the negative errno of a failed query.
 */
static int run_query(int argc, char **argv,
		     int (*show)(const struct query_ctx *q))
{
	struct query_ctx q;
	int r;

	r = query_setup(argc, argv, &q);
	if (r)
		return r > 0 ? do_help(0, NULL) : -1;
	r = show(&q);
	if (r < 0)
		p_err("query failed: %s", strerror(-r));
	query_done(&q);
	return r < 0 ? -1 : 0;
}

static int show_reachable(const struct query_ctx *q)
{
	const struct osm_node **res;
	int n;

	n = osm_query__reachable(q->g, q->pd, &q->opts, &res);
	if (n < 0)
		return n;

	open_json_object(NULL);
	print_pd(q->pd);
	print_uint(PRINT_ANY, "count", " reaches %llu resources\n", n);
	print_resources(res, n);
	close_json_object();
	free(res);
	return 0;
}

/* Shared resources with both accesses: {"id", "type", "label", "mine", "theirs"}. */
static void print_shared_res(const struct osm_shared_res *r, size_t n)
{
	size_t i, w = 0;
	char fmt[32];

	for (i = 0; i < n; i++)
		if (strlen(osm_node__id(r[i].res)) > w)
			w = strlen(osm_node__id(r[i].res));
	snprintf(fmt, sizeof(fmt), "\t%%-%ds", w > 40 ? 40 : (int)w);
	open_json_array("resources");
	for (i = 0; i < n; i++) {
		open_json_object(NULL);
		print_string(PRINT_ANY, "id", fmt, osm_node__id(r[i].res));
		print_string(PRINT_JSON, "type", NULL,
			     osm_node__type(r[i].res));
		if (node_label(r[i].res))
			print_string(PRINT_JSON, "label", NULL,
				     node_label(r[i].res));
		print_string(PRINT_ANY, "mine", "  %s",
			     access_name(r[i].mine));
		print_string(PRINT_ANY, "theirs", "/%s",
			     access_name(r[i].theirs));
		if (node_label(r[i].res))
			print_string(PRINT_FP, NULL, "  %s",
				     node_label(r[i].res));
		close_json_object();
		print_nl();
	}
	close_json_array();
}

static int show_shared(const struct query_ctx *q)
{
	struct osm_sharing *sh;
	int i, n;

	n = osm_query__sharing(q->g, q->pd, &q->opts, &sh);
	if (n < 0)
		return n;

	open_json_object(NULL);
	print_pd(q->pd);
	print_uint(PRINT_ANY, "count", " shares resources with %llu PDs",
		   n);
	print_string(PRINT_ANY, "granularity", " (granularity %s",
		     gran_name(q->gran));
	print_string(PRINT_ANY, "mode", ", mode %s)\n",
		     q->mode == OSM_MODE_WRITE ? "rw" : "any");
	if (n)
		print_nl();
	open_json_array("shares");
	for (i = 0; i < n; i++) {
		open_json_object(NULL);
		print_pd(sh[i].pd);
		print_uint(PRINT_ANY, "count", ": %llu shared (mine/theirs)\n",
			   sh[i].nres);
		print_shared_res(sh[i].res, sh[i].nres);
		close_json_object();
	}
	close_json_array();
	close_json_object();
	osm_sharings__free(sh, n);
	return 0;
}

static int show_servers(const struct query_ctx *q)
{
	struct osm_share *sv;
	int i, n;

	n = osm_query__servers(q->g, q->pd, &q->opts, &sv);
	if (n < 0)
		return n;

	open_json_object(NULL);
	print_pd(q->pd);
	print_uint(PRINT_ANY, "count",
		   " is served by %llu PDs besides the kernel\n", n);
	if (n)
		print_nl();
	open_json_array("servers");
	for (i = 0; i < n; i++) {
		open_json_object(NULL);
		print_pd(sv[i].pd);
		print_uint(PRINT_ANY, "count", ": %llu channels\n", sv[i].nres);
		print_resources(sv[i].res, sv[i].nres);
		close_json_object();
	}
	close_json_array();
	close_json_object();
	osm_shares__free(sv, n);
	return 0;
}

/*
 * The spawn record of a process (graph 1.6): the preset it matches,
 * each resource's mode, and the other spawn_* attributes as they are.
 */
static int show_spawn(const struct query_ctx *q)
{
	const char *kind = osm_spawn_kind(q->pd);
	const char *modes = osm_node__attr(q->pd, "spawn");
	static const char letters[] = "?scnj";
	const char *k, *p;
	size_t i;

	open_json_object(NULL);
	print_pd(q->pd);
	if (!kind) {
		print_string(PRINT_ANY, "kind", "%s", "");
		print_text(" was not made by osm spawn (no spawn record)\n");
		close_json_object();
		return 0;
	}
	print_string(PRINT_ANY, "kind", " was spawned as %s\n", kind);
	open_json_object("modes");
	for (i = 0; modes[i] && i < OSM_SPAWN_NR; i++) {
		p = strchr(letters, modes[i]);
		k = osm_spawn_mode_name(p ? (unsigned int)(p - letters) : 0);
		print_string(PRINT_JSON, osm_spawn_res_name(i), NULL,
			     k ? k : "?");
		print_text("\t%-10s %s\n", osm_spawn_res_name(i), k ? k : "?");
	}
	close_json_object();
	open_json_object("attrs");
	for (i = 0; i < osm_node__attr_count(q->pd); i++) {
		k = osm_node__attr_key(q->pd, i);
		if (strncmp(k, "spawn_", 6))
			continue;
		print_string(PRINT_JSON, k + 6, NULL,
			     osm_node__attr_value(q->pd, i));
		print_text("\t%-10s %s\n", k + 6,
			   osm_node__attr_value(q->pd, i));
	}
	close_json_object();
	close_json_object();
	return 0;
}

static int do_query_spawn(int argc, char **argv)
{
	return run_query(argc, argv, show_spawn);
}

static int do_servers(int argc, char **argv)
{
	return run_query(argc, argv, show_servers);
}

static int do_reachable(int argc, char **argv)
{
	return run_query(argc, argv, show_reachable);
}

static int do_shared(int argc, char **argv)
{
	return run_query(argc, argv, show_shared);
}

/*
 * Yama's ptrace_scope of this system: 0 when Yama is not there, and a
 * later Yama's stricter mode taken as 3 (no attach at all).
 */
static int system_ptrace_scope(void)
{
	FILE *f = fopen("/proc/sys/kernel/yama/ptrace_scope", "re");
	int v = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%d", &v) != 1 || v < 0)
		v = 0;
	fclose(f);
	return v > 3 ? 3 : v;
}

static int parse_scope(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < 0 || v > 3) {
		p_err("bad --ptrace-scope '%s': 0, 1, 2 or 3", s);
		return -1;
	}
	return (int)v;
}

/* The scope to answer with: --ptrace-scope @arg, else the system's. */
int ptrace_scope_arg(const char *arg)
{
	return arg ? parse_scope(arg) : system_ptrace_scope();
}

static void print_controllers(const struct osm_control *c, int n,
			      unsigned int rule)
{
	size_t w = 0;
	int i;

	for (i = 0; i < n; i++)
		if ((c[i].rules & rule) && strlen(osm_node__id(c[i].pd)) > w)
			w = strlen(osm_node__id(c[i].pd));
	for (i = 0; i < n; i++)
		if (c[i].rules & rule) {
			print_node(c[i].pd, w > 40 ? 40 : (int)w);
			print_nl();
		}
}

/* Text: counts first, then the PDs grouped by rule.  JSON: one per PD. */
static void show_control(const struct osm_node *pd, int scope,
			 const struct osm_control *c, int n)
{
	unsigned int b;
	int i, k;

	open_json_object(NULL);
	print_pd(pd);
	print_uint(PRINT_ANY, "count", " can be controlled by %llu PDs",
		   n);
	print_uint(PRINT_ANY, "ptrace_scope", " (ptrace_scope %llu)\n",
		   scope);
	for (b = 1; !json_output && b < 1U << OSM_CONTROL_NR_RULES; b <<= 1) {
		for (i = 0, k = 0; i < n; i++)
			k += !!(c[i].rules & b);
		print_text("%s: %d\n", osm_control_rule_name(b), k);
		print_controllers(c, n, b);
	}
	open_json_array("controllers");
	for (i = 0; json_output && i < n; i++) {
		open_json_object(NULL);
		print_string(PRINT_JSON, "pd", NULL, osm_node__id(c[i].pd));
		print_string(PRINT_JSON, "type", NULL,
			     osm_node__type(c[i].pd));
		if (node_label(c[i].pd))
			print_string(PRINT_JSON, "label", NULL,
				     node_label(c[i].pd));
		open_json_array("rules");
		for (b = 1; b < 1U << OSM_CONTROL_NR_RULES; b <<= 1)
			if (c[i].rules & b)
				print_string(PRINT_JSON, NULL, NULL,
					     osm_control_rule_name(b));
		close_json_array();
		close_json_object();
	}
	close_json_array();
	close_json_object();
}

int do_control(int argc, char **argv)
{
	const struct osm_node *pd;
	struct osm_control *c;
	struct verb_args va;
	struct osm_graph *g;
	int r, n, scope;

	if (argc >= 1 && !strcmp(argv[0], "check"))
		return do_control_check(argc - 1, argv + 1);
	r = parse_verb_args(argc, argv, ARG_FILE | ARG_SCOPE | ARG_THREADS,
			    1, &va);
	if (r)
		return r > 0 ? do_help(0, NULL) : -1;
	if (va.npos < 1) {
		p_err(MISSING_PD);
		return -1;
	}
	scope = ptrace_scope_arg(va.scope);
	if (scope < 0)
		return -1;
	g = load_graph_pd(va.file, va.pos[0], &pd);
	if (!g)
		return -1;
	{
		OSM_OPTS(osm_control_opts, opts, .ptrace_scope = scope,
			 .flags = va.threads ? OSM_CONTROL_THREADS : 0);

		n = osm_query__can_control(g, pd, &opts, &c);
	}
	if (n < 0) {
		p_err("query failed: %s", strerror(-n));
		osm_graph__free(g);
		return -1;
	}
	show_control(pd, scope, c, n);
	free(c);
	osm_graph__free(g);
	return 0;
}

static int do_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (help_json())
		return 0;
	printf("Usage: %s query shared    PD [--types TYPES] [--mode r|rw]\n"
	       "                             [--granularity G] [--file FILE]\n"
	       "       %s query reachable PD [--types TYPES] [--file FILE]\n"
	       "       %s query control   PD [--threads] [--ptrace-scope N]\n"
	       "                             [--file FILE]\n"
	       "       %s control check   S T [--ptrace-scope N]\n"
	       "       %s query servers   PD [--types TYPES] [--file FILE]\n"
	       "       %s query spawn     PD [--file FILE]\n"
	       "       %s query { tcb | ib | compare | holders | bfs } ...\n"
	       "                             (see '%s tcb help')\n"
	       "       %s query help\n"
	       "\n"
	       "       PD    := { PID | kernel | NODE-ID }  e.g. 1234, thread:42\n"
	       "       TYPES := TYPE[,TYPE...]  e.g. mm,net_ns (resource types)\n"
	       "\n"
	       "  reachable  the resources PD reaches: a process is the union\n"
	       "             of its threads, the kernel of its kthreads\n"
	       "  shared     the other processes (and the kernel) that reach\n"
	       "             some of those resources, with the shared ones and\n"
	       "             how each side reaches them (r or rw); --mode rw:\n"
	       "             only what both can write; G: process (default),\n"
	       "             thread or kernel\n"
	       "  control    the processes (--threads: threads) that can control\n"
	       "             PD, by rule: parent, tracer, signal (kill(2)),\n"
	       "             ptrace (PTRACE_ATTACH); N is Yama's ptrace_scope,\n"
	       "             read from /proc/sys/kernel/yama when not given\n"
	       "  check      the kernel's own rules for thread S over thread T\n"
	       "             (OSM_IOC_CONTROL_CHECK) beside the library's; exit\n"
	       "             status 1 when they differ\n"
	       "  servers    the processes that serve PD's requests (FUSE\n"
	       "             daemons, userfaultfd handlers), with the channels;\n"
	       "             the kernel serves the rest\n"
	       "  spawn      how PD was made by osm spawn: the preset its\n"
	       "             modes match (or custom), each resource's mode and\n"
	       "             the limits, ids and joins it was given\n"
	       "\n"
	       "JSON: reachable {\"pd\", \"label\", \"count\", \"resources\": [{\"id\",\n"
	       "      \"type\", \"label\"}]}; shared {\"pd\", \"label\", \"count\",\n"
	       "      \"granularity\", \"mode\", \"shares\": [{\"pd\", \"label\", \"count\",\n"
	       "      \"resources\": [{\"id\", \"type\", \"label\", \"mine\", \"theirs\"}]}]};\n"
	       "      control {\"pd\", \"label\", \"count\", \"ptrace_scope\",\n"
	       "      \"controllers\": [{\"pd\", \"type\", \"label\", \"rules\"}]};\n"
	       "      servers {\"pd\", \"label\", \"count\", \"servers\": [{\"pd\",\n"
	       "      \"label\", \"count\", \"resources\"}]}; check {\"subject\",\n"
	       "      \"target\", \"ptrace_scope\", \"kernel\", \"library\", \"steps\",\n"
	       "      \"agree\"};\n"
	       "      spawn {\"pd\", \"label\", \"kind\" (\"\" if none), \"modes\":\n"
	       "      {RES: MODE}, \"attrs\": {KEY: VALUE}}\n",
	       bin_name, bin_name, bin_name, bin_name, bin_name, bin_name,
	       bin_name, bin_name, bin_name);
	return 0;
}

static const struct cmd cmds[] = {
	{ "shared",	do_shared },
	{ "reachable",	do_reachable },
	{ "control",	do_control },
	{ "servers",	do_servers },
	{ "spawn",	do_query_spawn },
	{ "tcb",	do_tcb },
	{ "ib",		do_ib },
	{ "compare",	do_compare },
	{ "holders",	do_holders },
	{ "bfs",	do_bfs },
	{ "help",	do_help },
	{ 0 }
};

int do_query(int argc, char **argv)
{
	return cmd_select(cmds, argc, argv, do_help);
}
