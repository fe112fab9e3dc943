// SPDX-License-Identifier: GPL-2.0-only
/*
 * A fake /dev/osmosis for the failure-message tests (tests/failure.sh):
 * osm's own objects and libosm.a linked with --wrap=open,openat,ioctl,
 * access,fopen, so the device, the module's sysfs and modinfo files
 * look as OSM_FAKE says.  No kernel is involved.
 *
 *   nomod      no device, no module, osmosis.ko in modules.dep
 *   noinstall  no device, no module, osmosis.ko not in modules.dep
 *   nodevnode  the module is loaded but /dev/osmosis is missing
 *   nomodules  no device and no /proc/modules (CONFIG_MODULES=n)
 *   denied     open(/dev/osmosis) fails with EACCES
 *   busy       open fails with EAGAIN (max_walks reached)
 *   nohandshake  the device has no OSM_IOC_GET_API (ENOTTY)
 *   api1.2     api 1.2, graph 1.5, no spawn: its ioctls are ENOTTY
 *   api1.3     api 1.3 with spawn: a request with 1.4 fields is E2BIG
 *   api2.0     api 2.0
 *   graph2     read(2) returns a graph of format 2.0
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/osmosis.h>

int __real_open(const char *path, int flags, ...);
int __real_openat(int dirfd, const char *path, int flags, ...);
int __real_ioctl(int fd, unsigned long req, ...);
int __real_access(const char *path, int mode);
FILE *__real_fopen(const char *path, const char *mode);

static const char *fake_mode(void)
{
	const char *m = getenv("OSM_FAKE");

	return m ? m : "";
}

static bool is(const char *m)
{
	return !strcmp(fake_mode(), m);
}

static int dev_fd = -1;

/* The device: a memfd holding a tiny graph of the format asked. */
static int fake_open(void)
{
	static const char g1[] =
		"osmosis-graph 1.5 epoch=1 pid_ns=1 view=full\n"
		"node kernel:0 pd name=kernel\nend nodes=1 edges=0\n";
	static const char g2[] =
		"osmosis-graph 2.0 epoch=1 pid_ns=1 view=full\n"
		"node kernel:0 pd name=kernel\nend nodes=1 edges=0\n";
	const char *g = is("graph2") ? g2 : g1;
	int fd;

	if (is("nomod") || is("noinstall") || is("nodevnode") ||
	    is("nomodules")) {
		errno = ENOENT;
		return -1;
	}
	if (is("denied")) {
		errno = EACCES;
		return -1;
	}
	if (is("busy")) {
		errno = EAGAIN;
		return -1;
	}
	fd = memfd_create("osmosis", MFD_CLOEXEC);
	if (fd < 0 || write(fd, g, strlen(g)) != (ssize_t)strlen(g) ||
	    lseek(fd, 0, SEEK_SET))
		abort();
	dev_fd = fd;
	return fd;
}

int __wrap_open(const char *path, int flags, ...)
{
	va_list ap;
	int m;

	if (!strcmp(path, OSM_DEVICE_PATH))
		return fake_open();
	va_start(ap, flags);
	m = va_arg(ap, int);
	va_end(ap);
	return __real_open(path, flags, m);
}

int __wrap_openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	int m;

	if (!strcmp(path, OSM_DEVICE_PATH))
		return fake_open();
	va_start(ap, flags);
	m = va_arg(ap, int);
	va_end(ap);
	return __real_openat(dirfd, path, flags, m);
}

static int get_api(struct osm_api *a)
{
	unsigned int major = OSM_API_MAJOR, minor = OSM_API_MINOR;

	if (is("nohandshake")) {
		errno = ENOTTY;
		return -1;
	}
	if (is("api1.2"))
		minor = 2;
	else if (is("api1.3"))
		minor = 3;
	else if (is("api2.0"))
		major = 2, minor = 0;
	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->api_major = major;
	a->api_minor = minor;
	a->graph_major = OSM_GRAPH_MAJOR;
	a->graph_minor = OSM_GRAPH_MINOR;
	a->features = OSM_FEAT_GRAPH_READ | OSM_FEAT_SCOPE | OSM_FEAT_PHYS;
	if (minor >= 3 || major > 1)
		a->features |= OSM_FEAT_SPAWN;
	return 0;
}

int __wrap_ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fd < 0 || fd != dev_fd)
		return __real_ioctl(fd, req, arg);
	if (req == OSM_IOC_GET_API)
		return get_api(arg);
	/* Every other ioctl: what an older module does with it. */
	errno = is("api1.3") || is("api2.0") ? E2BIG : ENOTTY;
	return -1;
}

int __wrap_access(const char *path, int mode)
{
	if (!strcmp(path, "/sys/module/osmosis")) {
		if (is("nodevnode"))
			return 0;
		if (is("nomod") || is("noinstall") || is("nomodules")) {
			errno = ENOENT;
			return -1;
		}
	}
	if (!strcmp(path, "/proc/modules") && *fake_mode()) {
		if (!is("nomodules"))
			return 0;
		errno = ENOENT;
		return -1;
	}
	if (!strcmp(path, OSM_DEVICE_PATH)) {
		if (is("denied")) {
			errno = EACCES;
			return -1;
		}
		if (is("nomod") || is("noinstall") || is("nodevnode") ||
		    is("nomodules")) {
			errno = ENOENT;
			return -1;
		}
		return 0;
	}
	return __real_access(path, mode);
}

FILE *__wrap_fopen(const char *path, const char *m)
{
	static char dep[] = "kernel/drivers/misc/x.ko:\nupdates/dkms/osmosis.ko:\n";
	static char nodep[] = "kernel/drivers/misc/x.ko:\n";
	size_t n = strlen(path), k = strlen("/modules.dep");

	if (n > k && !strcmp(path + n - k, "/modules.dep") &&
	    (is("nomod") || is("noinstall")))
		return is("nomod") ? fmemopen(dep, strlen(dep), "r") :
				     fmemopen(nodep, strlen(nodep), "r");
	return __real_fopen(path, m);
}
