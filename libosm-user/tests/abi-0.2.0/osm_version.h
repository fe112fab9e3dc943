/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/* osm_version.h of library 0.2.0, for osm.h beside it (tests/abi_dump.c). */
#ifndef __LIBOSM_OSM_VERSION_H
#define __LIBOSM_OSM_VERSION_H

#define OSM_LIB_MAJOR_VERSION	0
#define OSM_LIB_MINOR_VERSION	2
#define OSM_LIB_PATCH_VERSION	0
#define OSM_LIB_VERSION_STR	"0.2.0"

#endif /* __LIBOSM_OSM_VERSION_H */
