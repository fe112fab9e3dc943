// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * The library version, from the top-level VERSION file (osm_version.h).
 * A release that adds symbols also gets a new node in libosm.map.
 */
#include "libosm_internal.h"

const char *osm_version(void)
{
	return OSM_LIB_VERSION_STR;
}
