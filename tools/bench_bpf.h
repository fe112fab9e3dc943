/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef OSM_BENCH_BPF_H
#define OSM_BENCH_BPF_H

/*
 * osm-bench --bpf: the module's read of @device against libosm's bpf
 * backend, @iter times each, medians and their ratio printed for a
 * system with @nproc processes.  0, or 1 on failure.
 */
int bench_bpf(int iter, const char *device, int nproc);

#endif
