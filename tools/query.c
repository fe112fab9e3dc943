// SPDX-License-Identifier: GPL-2.0-only
/*
 * osm query: what a PD reaches, whom it shares resources with, and who
 * serves its requests.
 */
#include <errno.h>
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
	struct osm_query_opts opts;
};

static int query_setup(int argc, char **argv, struct query_ctx *q)
{
	struct verb_args va;
	int r;

	memset(q, 0, sizeof(*q));
	r = parse_verb_args(argc, argv, ARG_FILE | ARG_TYPES, 1, &va);
	if (r)
		return r > 0 ? 1 : -1;
	if (va.npos < 1) {
		p_err("missing PD: a pid, 'kernel' or a node id "
		      "(thread:TID, process:PID)");
		return -1;
	}
	q->g = load_graph(va.file);
	if (!q->g)
		return -1;
	q->pd = find_pd(q->g, va.pos[0]);
	if (q->pd && va.types)
		q->types = parse_types(q->g, va.types);
	if (!q->pd || (va.types && !q->types)) {
		osm_graph__free(q->g);
		return -1;
	}
	{
		OSM_OPTS(osm_query_opts, opts, .types = q->types);

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

static int show_shared(const struct query_ctx *q)
{
	struct osm_share *sh;
	int i, n;

	n = osm_query__shared(q->g, q->pd, &q->opts, &sh);
	if (n < 0)
		return n;

	open_json_object(NULL);
	print_pd(q->pd);
	print_uint(PRINT_ANY, "count", " shares resources with %llu PDs\n",
		   n);
	if (n)
		print_nl();
	open_json_array("shares");
	for (i = 0; i < n; i++) {
		open_json_object(NULL);
		print_pd(sh[i].pd);
		print_uint(PRINT_ANY, "count", ": %llu shared\n", sh[i].nres);
		print_resources(sh[i].res, sh[i].nres);
		close_json_object();
	}
	close_json_array();
	close_json_object();
	osm_shares__free(sh, n);
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

static int do_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (help_json())
		return 0;
	printf("Usage: %s query shared    PD [--types TYPES] [--file FILE]\n"
	       "       %s query reachable PD [--types TYPES] [--file FILE]\n"
	       "       %s query servers   PD [--types TYPES] [--file FILE]\n"
	       "       %s query help\n"
	       "\n"
	       "       PD    := { PID | kernel | NODE-ID }  e.g. 1234, thread:42\n"
	       "       TYPES := TYPE[,TYPE...]  e.g. mm,net_ns (resource types)\n"
	       "\n"
	       "  reachable  the resources PD reaches: a process is the union\n"
	       "             of its threads, the kernel of its kthreads\n"
	       "  shared     the other processes (and the kernel) that reach\n"
	       "             some of those resources, with the shared ones\n"
	       "  servers    the processes that serve PD's requests (FUSE\n"
	       "             daemons, userfaultfd handlers), with the channels;\n"
	       "             the kernel serves the rest\n"
	       "\n"
	       "JSON: reachable {\"pd\", \"label\", \"count\", \"resources\": [{\"id\",\n"
	       "      \"type\", \"label\"}]}; shared {\"pd\", \"label\", \"count\",\n"
	       "      \"shares\": [{\"pd\", \"label\", \"count\", \"resources\"}]};\n"
	       "      servers {\"pd\", \"label\", \"count\", \"servers\": [{\"pd\",\n"
	       "      \"label\", \"count\", \"resources\"}]}\n",
	       bin_name, bin_name, bin_name, bin_name);
	return 0;
}

static const struct cmd cmds[] = {
	{ "shared",	do_shared },
	{ "reachable",	do_reachable },
	{ "servers",	do_servers },
	{ "help",	do_help },
	{ 0 }
};

int do_query(int argc, char **argv)
{
	return cmd_select(cmds, argc, argv, do_help);
}
