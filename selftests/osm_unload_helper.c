// SPDX-License-Identifier: GPL-2.0-only
/*
 * A helper for vm/init.sh's unload checks, which need rmmod and insmod
 * between steps and so cannot be selftests (it is not named *_test, so
 * run_tests.sh does not run it):
 *
 *   osm_unload_helper check-graph     read the whole device: well-formed
 *                                     text with exact counts, and libosm
 *                                     parses it; exit 0, else 1
 *   osm_unload_helper park            open, read one chunk (the walk is
 *                                     parked), print "parked", wait
 *   osm_unload_helper prepare [close] OSM_IOC_SPAWN_PREPARE a plain
 *                                     process, print "prepared"; with
 *                                     close, close the device; then on a
 *                                     line on stdin fork a child that
 *                                     commits the token on a new open and
 *                                     print "commit: 0" or "commit: ENAME"
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "osm_test_util.h"

static int check_graph(void)
{
	struct osm_graph *g;
	char err[512], *buf;
	size_t len;

	buf = osm_test_read_device(1 << 20, &len);
	if (!buf) {
		fprintf(stderr, "check-graph: read: %m\n");
		return 1;
	}
	if (osm_test_check_text(buf, len, NULL, err, sizeof(err))) {
		fprintf(stderr, "check-graph: %s\n", err);
		free(buf);
		return 1;
	}
	free(buf);
	g = osm_test_load();
	if (!g) {
		fprintf(stderr, "check-graph: libosm: %m\n");
		return 1;
	}
	osm_graph__free(g);
	return 0;
}

static int park(void)
{
	static char b[1 << 20];
	int fd = open(osm_test_device(), O_RDONLY);

	if (fd < 0 || read(fd, b, sizeof(b)) <= 0) {
		fprintf(stderr, "park: %m\n");
		return 1;
	}
	printf("parked\n");
	fflush(stdout);
	pause();
	return 0;
}

static int prepare(bool close_it)
{
	struct osm_spawn_req req = { .size = sizeof(req) };
	struct osm_spawn_commit c = { .size = sizeof(c) };
	char line[64];
	int fd = open(osm_test_device(), O_RDONLY), status, err;
	pid_t pid;

	if (fd < 0 || ioctl(fd, OSM_IOC_SPAWN_PREPARE, &req)) {
		fprintf(stderr, "prepare: %m\n");
		return 1;
	}
	if (close_it)
		close(fd);
	printf("prepared\n");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	pid = fork();
	if (pid < 0)
		return 1;
	if (!pid) {
		c.token = req.token;
		fd = open(osm_test_device(), O_RDONLY);
		err = fd < 0 ? errno :
		      ioctl(fd, OSM_IOC_SPAWN_COMMIT, &c) ? errno : 0;
		printf("commit: %s\n", err ? strerrorname_np(err) : "0");
		fflush(stdout);
		_exit(0);
	}
	return waitpid(pid, &status, 0) == pid && WIFEXITED(status) ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "check-graph"))
		return check_graph();
	if (argc == 2 && !strcmp(argv[1], "park"))
		return park();
	if (argc >= 2 && !strcmp(argv[1], "prepare"))
		return prepare(argc == 3 && !strcmp(argv[2], "close"));
	fprintf(stderr, "usage: %s check-graph | park | prepare [close]\n",
		argv[0]);
	return 2;
}
