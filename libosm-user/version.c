// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * The library version.  Bump it together with a new node in libosm.map
 * whenever a release adds symbols.
 */
#include "libosm_internal.h"

#define OSM_VERSION_STR	"0.2.0"

const char *osm_version(void)
{
	return OSM_VERSION_STR;
}
