/* SPDX-License-Identifier: GPL-2.0-only */
/* osm-bench --backends: whole-system walk time of each libosm backend. */
#ifndef __OSM_BENCH_BACKEND_H
#define __OSM_BENCH_BACKEND_H

int bench_backends(int iter, int extra);

#endif /* __OSM_BENCH_BACKEND_H */
