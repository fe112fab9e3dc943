/* SPDX-License-Identifier: GPL-2.0-only */
/* osm diff: two graphs compared by identity (diff.c). */
#ifndef __OSM_DIFF_H
#define __OSM_DIFF_H

/* The exit status osm diff asks for (0, 1, 2), or -1 for the usual. */
extern int diff_exit;
int do_diff(int argc, char **argv);

#endif /* __OSM_DIFF_H */
