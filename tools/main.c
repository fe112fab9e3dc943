// SPDX-License-Identifier: GPL-2.0-only
/*
 * osm: show the osmosis isolation graph and query it.
 *
 *   osm [OPTIONS] OBJECT { COMMAND | help }
 *
 * Structure after bpftool: command tables matched by prefix ("osm g s"),
 * a help at every level, -j/-p for JSON, errors as "Error: ..." on
 * stderr or {"error": "..."} on stdout in JSON mode, exit 0 or 1.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "draw.h"
#include "main.h"

const char *bin_name;
bool json_output;
bool pretty_output;
bool verbose;
json_writer_t *json_wtr;

bool is_prefix(const char *pfx, const char *str)
{
	if (!pfx || !*pfx)
		return false;
	return !strncmp(str, pfx, strlen(pfx));
}

bool is_help(const char *arg)
{
	return !strcmp(arg, "help") || !strcmp(arg, "--help") ||
	       !strcmp(arg, "-h");
}

/* Help has no JSON form: with -j it is null.  True when printed so. */
bool help_json(void)
{
	if (!json_output)
		return false;
	jsonw_null(json_wtr);
	return true;
}

void p_err(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (json_output) {
		jsonw_start_object(json_wtr);
		jsonw_string_field(json_wtr, "error", msg);
		jsonw_end_object(json_wtr);
	} else {
		fprintf(stderr, "Error: %s\n", msg);
	}
}

/*
 * Run the first command @argv[0] is a prefix of, so table order settles
 * ambiguous prefixes.  Help words go to @help.
 */
int cmd_select(const struct cmd *cmds, int argc, char **argv,
	       int (*help)(int argc, char **argv))
{
	unsigned int i;

	if (argc < 1) {
		p_err("missing COMMAND; try '%s help'", bin_name);
		return -1;
	}
	if (is_help(argv[0]))
		return help(argc - 1, argv + 1);
	for (i = 0; cmds[i].cmd; i++)
		if (is_prefix(argv[0], cmds[i].cmd))
			return cmds[i].func(argc - 1, argv + 1);
	p_err("unknown command '%s'; try '%s help'", argv[0], bin_name);
	return -1;
}

static int do_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (help_json())
		return 0;
	printf("Usage: %s [OPTIONS] OBJECT { COMMAND | help }\n"
	       "       %s version\n"
	       "\n"
	       "       OBJECT := { api | graph | query | spawn | draw | tcb |\n"
	       "                   ib | control | compare | holders | bfs |\n"
	       "                   diff }\n"
	       "       " HELP_SPEC_OPTIONS "\n"
	       "\n"
	       "Reads /dev/osmosis unless --file names a saved graph or\n"
	       "--backend module|bpf|procfs picks a walk (default: the module\n"
	       "if usable, else bpf, else procfs; -v says which).\n"
	       "Commands may be abbreviated: '%s g s' is 'graph show'.\n",
	       bin_name, bin_name, bin_name);
	return 0;
}

static int do_version(int argc, char **argv)
{
	(void)argv;
	if (argc) {
		p_err("'version' takes no arguments");
		return -1;
	}
	if (json_output) {
		jsonw_start_object(json_wtr);
		jsonw_string_field(json_wtr, "version", osm_version());
		jsonw_uint_field(json_wtr, "graph_major", OSM_GRAPH_MAJOR);
		jsonw_uint_field(json_wtr, "graph_minor", OSM_GRAPH_MINOR);
		jsonw_end_object(json_wtr);
	} else {
		printf("%s v%s (libosm %s, graph format %d.%d)\n", bin_name,
		       OSM_LIB_VERSION_STR, osm_version(), OSM_GRAPH_MAJOR,
		       OSM_GRAPH_MINOR);
	}
	return 0;
}

static const struct cmd main_cmds[] = {
	{ "help",	do_help },
	{ "api",	do_api },
	{ "graph",	do_graph },
	{ "query",	do_query },
	{ "spawn",	do_spawn },
	{ "version",	do_version },
	{ "tcb",	do_tcb },
	{ "ib",		do_ib },
	{ "control",	do_control },
	{ "compare",	do_compare },
	{ "holders",	do_holders },
	{ "bfs",	do_bfs },
	{ "draw",	do_draw },
	{ "diff",	do_diff },
	{ 0 }
};

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "json",	no_argument,	NULL,	'j' },
		{ "pretty",	no_argument,	NULL,	'p' },
		{ "help",	no_argument,	NULL,	'h' },
		{ "version",	no_argument,	NULL,	'V' },
		{ "verbose",	no_argument,	NULL,	'v' },
		{ 0 }
	};
	bool version = false, help = false;
	int opt, ret;

	bin_name = "osm";
	opterr = 0;
	/* "+": stop at the object, the rest belongs to the command. */
	while ((opt = getopt_long(argc, argv, "+jphVv", options, NULL)) >= 0) {
		switch (opt) {
		case 'p':
			pretty_output = true;
			/* fall through */
		case 'j':
			json_output = true;
			break;
		case 'h':
			help = true;
			break;
		case 'V':
			version = true;
			break;
		case 'v':
			verbose = true;
			break;
		default:
			/* JSON mode may not be known yet: report as text. */
			fprintf(stderr, "Error: unknown option '%s'\n",
				argv[optind - 1]);
			return 1;
		}
	}
	argc -= optind;
	argv += optind;

	if (json_output) {
		json_wtr = jsonw_new(stdout);
		if (!json_wtr) {
			fprintf(stderr, "Error: out of memory\n");
			return 1;
		}
		jsonw_pretty(json_wtr, pretty_output);
	}

	if (help)
		ret = do_help(0, NULL);
	else if (version)
		ret = do_version(0, NULL);
	else if (argc < 1) {
		p_err("missing OBJECT; try '%s help'", bin_name);
		ret = -1;
	} else
		ret = cmd_select(main_cmds, argc, argv, do_help);

	if (json_wtr)
		jsonw_destroy(&json_wtr);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "Error: cannot write output\n");
		ret = -1;
	}
	if (diff_exit >= 0)
		return diff_exit;
	return ret ? 1 : 0;
}
