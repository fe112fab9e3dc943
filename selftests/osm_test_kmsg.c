// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel log as a test oracle: records /dev/kmsg gains while a test
 * runs, scanned for the reports vm/init.sh's dmesg check fails on (oops,
 * WARN, BUG, sanitizers, lockdep, OOM kills).  See osm_test_util.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "osm_test_util.h"

/* The patterns of vm/init.sh's DMESG_BAD, and the OOM killer's report. */
static const char *const osm_kmsg_bad[] = {
	"BUG:", "WARNING:", "Oops", "Call Trace", "KASAN", "UBSAN",
	"possible recursive locking", "circular locking", "lockdep",
	"general protection", "kernel BUG", "Out of memory",
	"oom-kill", "kmemleak",
};

int osm_test_kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (lseek(fd, 0, SEEK_END) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int osm_test_kmsg_check(int fd, char *err, size_t len)
{
	char rec[8192], *msg;
	unsigned int i;
	ssize_t n;

	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)	/* overwritten: go on */
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n <= 0)
			return -1;
		rec[n] = '\0';
		/* "prio,seq,usec,flags;message\n" */
		msg = strchr(rec, ';');
		msg = msg ? msg + 1 : rec;
		for (i = 0; i < sizeof(osm_kmsg_bad) / sizeof(*osm_kmsg_bad);
		     i++)
			if (strstr(msg, osm_kmsg_bad[i])) {
				snprintf(err, len, "%s", msg);
				err[strcspn(err, "\n")] = '\0';
				return 1;
			}
	}
}
