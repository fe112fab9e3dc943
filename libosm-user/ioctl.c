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
