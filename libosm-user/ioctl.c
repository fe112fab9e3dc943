// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Thin wrappers around the /dev/osmosis ioctls, one per command.
 */
#include <string.h>
#include <sys/ioctl.h>

#include "libosm_internal.h"

int osm_ioc_get_api(int fd, struct osm_api *api)
{
	if (fd < 0 || !api)
		return osm_err(-EINVAL);
	/* The module wants zeroed flags and nothing it does not know. */
	memset(api, 0, sizeof(*api));
	api->size = sizeof(*api);
	if (OSM_NO_INTR(ioctl(fd, OSM_IOC_GET_API, api)) < 0)
		return osm_err(-errno);
	return 0;
}

int osm_ioc_set_scope(int fd, const struct osm_scope *scope)
{
	struct osm_scope sc;

	if (fd < 0 || !scope)
		return osm_err(-EINVAL);
	/* Pass the struct this library was built with, size and all. */
	sc = *scope;
	sc.size = sizeof(sc);
	if (OSM_NO_INTR(ioctl(fd, OSM_IOC_SET_SCOPE, &sc)) < 0)
		return osm_err(-errno);
	return 0;
}

int osm_ioc_control_check(int fd, struct osm_control_check *cc)
{
	struct osm_control_check c;

	if (fd < 0 || !cc)
		return osm_err(-EINVAL);
	/* Only the two threads are input; the rest must be zero. */
	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.subject = cc->subject;
	c.target = cc->target;
	if (OSM_NO_INTR(ioctl(fd, OSM_IOC_CONTROL_CHECK, &c)) < 0)
		return osm_err(-errno);
	*cc = c;
	return 0;
}
