// SPDX-License-Identifier: GPL-2.0-only
/*
 * osm api: what the loaded module offers (OSM_IOC_GET_API).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "main.h"

static const char *const feature_names[64] = {
	[0] = "graph_read",		/* OSM_FEAT_GRAPH_READ */
	[1] = "scope",			/* OSM_FEAT_SCOPE */
	[2] = "phys",			/* OSM_FEAT_PHYS */
	[3] = "spawn",			/* OSM_FEAT_SPAWN */
	[4] = "control_check",		/* OSM_FEAT_CONTROL_CHECK */
	[5] = "spawn_clone",		/* OSM_FEAT_SPAWN_CLONE */
};

/* By _IOC_NR of the command. */
static const char *const ioctl_names[64] = {
	[0] = "get_api",		/* OSM_IOC_GET_API */
	[1] = "set_scope",		/* OSM_IOC_SET_SCOPE */
	[2] = "spawn_prepare",		/* OSM_IOC_SPAWN_PREPARE */
	[3] = "spawn_commit",		/* OSM_IOC_SPAWN_COMMIT */
	[4] = "control_check",		/* OSM_IOC_CONTROL_CHECK */
	[5] = "spawn_clone",		/* OSM_IOC_SPAWN_CLONE */
};

/* A mask as a list of names; bits this osm does not know as "bitN". */
static void print_mask(const char *key, const char *const names[64],
		       unsigned long long mask)
{
	char unknown[16];
	bool first = true;
	int bit;

	open_json_array(key);
	print_text("\t%s:", key);
	for (bit = 0; bit < 64; bit++) {
		const char *name = names[bit];

		if (!(mask & (1ULL << bit)))
			continue;
		if (!name) {
			snprintf(unknown, sizeof(unknown), "bit%d", bit);
			name = unknown;
		}
		print_string(PRINT_ANY, NULL, first ? " %s" : ", %s", name);
		first = false;
	}
	if (first)
		print_text(" none");
	close_json_array();
	print_text(" (0x%llx)\n", mask);
}

static int do_help(int argc, char **argv);

static int do_show(int argc, char **argv)
{
	struct osm_api api;
	int fd, err;

	if (argc && is_help(argv[0]))
		return do_help(0, NULL);
	if (argc)
		return BAD_ARG();

	fd = open(OSM_DEVICE_PATH, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		p_err("cannot open %s: %s%s", OSM_DEVICE_PATH, strerror(errno),
		      device_hint(errno));
		return -1;
	}
	err = osm_ioc_get_api(fd, &api);
	close(fd);
	if (err) {
		p_err("OSM_IOC_GET_API: %s%s", strerror(-err), device_hint(-err));
		return -1;
	}

	open_json_object(NULL);
	print_text("osmosis api ");
	print_uint(PRINT_ANY, "api_major", "%llu", api.api_major);
	print_uint(PRINT_ANY, "api_minor", ".%llu", api.api_minor);
	print_text(", graph format ");
	print_uint(PRINT_ANY, "graph_major", "%llu", api.graph_major);
	print_uint(PRINT_ANY, "graph_minor", ".%llu\n", api.graph_minor);
	print_mask("features", feature_names, api.features);
	print_uint(PRINT_JSON, "features_mask", NULL, api.features);
	print_mask("ioctls", ioctl_names, api.ioctls);
	print_uint(PRINT_JSON, "ioctls_mask", NULL, api.ioctls);
	print_string(PRINT_ANY, "libosm", "\tlibosm %s\n", osm_version());
	if (api.api_major != OSM_API_MAJOR)
		print_text("\twarning: this osm knows api %d.x: install matching releases of the module and osm\n",
			   OSM_API_MAJOR);
	else if (api.api_minor < OSM_API_MINOR)
		print_text("\twarning: the module is older than this osm (api %d.%d): what it lacks is refused; load the module of release %s\n",
			   OSM_API_MAJOR, OSM_API_MINOR, osm_version());
	if (api.graph_major != OSM_GRAPH_MAJOR)
		print_text("\twarning: this osm reads graph format %d.x only\n",
			   OSM_GRAPH_MAJOR);
	close_json_object();
	return 0;
}

static int do_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (help_json())
		return 0;
	printf("Usage: %s api [show]\n"
	       "       %s api help\n"
	       "\n"
	       "Shows the API and graph format versions, the features and the\n"
	       "ioctls of the loaded module (OSM_IOC_GET_API on %s).\n"
	       "JSON keys: api_major api_minor graph_major graph_minor\n"
	       "           features features_mask ioctls ioctls_mask libosm\n",
	       bin_name, bin_name, OSM_DEVICE_PATH);
	return 0;
}

static const struct cmd cmds[] = {
	{ "show",	do_show },
	{ "help",	do_help },
	{ 0 }
};

int do_api(int argc, char **argv)
{
	if (argc < 1)
		return do_show(0, NULL);
	return cmd_select(cmds, argc, argv, do_help);
}
