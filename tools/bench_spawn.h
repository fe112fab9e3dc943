/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef OSM_BENCH_SPAWN_H
#define OSM_BENCH_SPAWN_H

/* argv[1] of the program the spawn benchmark starts: exit 0 at once. */
#define BENCH_SPAWN_CHILD_ARG	"--spawn-latency-child"

/* osm-bench --spawn-latency N: print the table; 0, or 1 on failure. */
int bench_spawn_latency(int n);

#endif
