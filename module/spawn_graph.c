// SPDX-License-Identifier: GPL-2.0-only
/*
 * The spec of a spawned PD in the graph (format 1.6): attributes on its
 * process node, rendered from the record COMMIT made (spawn.c).  The
 * node is only rendered for a reader that may inspect the process, and
 * every value here is one /proc or the cgroup files already show such a
 * reader (the namespaces, the cgroup and its limits, the ids and
 * capabilities), as the child was asked to have them.
 */
#include <linux/cpumask.h>
#include <linux/nodemask.h>

#include "osmosis.h"

/* One letter per mode, by OSM_SPAWN_* value (0, the default, is resolved). */
static const char osm_spawn_mode_chr[] = "?scnj";

/* The graph's names of the namespaces, in OSM_SPAWN_R_NS0 order. */
static const char *const osm_spawn_ns_name[OSM_SPAWN_NR_NS] = {
	"mnt_ns", "uts_ns", "ipc_ns", "pid_ns",
	"net_ns", "user_ns", "cgroup_ns", "time_ns",
};

static void osm_spawn_render_joins(struct osm_reader *r,
				   const struct osm_spawn_spec *spec)
{
	const char *sep = " spawn_join=";
	unsigned int i;

	for (i = 0; i < OSM_SPAWN_NR_NS; i++) {
		if (spec->mode[OSM_SPAWN_R_NS0 + i] != OSM_SPAWN_JOIN)
			continue;
		osm_printf(r, "%s%s:%u", sep, osm_spawn_ns_name[i],
			   spec->join_inum[i]);
		sep = ",";
	}
}

static void osm_spawn_render_cgroup(struct osm_reader *r,
				    const struct osm_spawn_spec *spec)
{
	osm_attr_u64(r, "spawn_cgroup", spec->cgroup_id);
	if (spec->memory_max)
		osm_attr_u64(r, "spawn_memory_max", spec->memory_max);
	if (spec->pids_max)
		osm_attr_u64(r, "spawn_pids_max", spec->pids_max);
	if (spec->cpu_max_quota || spec->cpu_max_period) {
		if (spec->cpu_max_quota)
			osm_printf(r, " spawn_cpu_max=%llu",
				   spec->cpu_max_quota);
		else
			osm_printf(r, " spawn_cpu_max=max");
		if (spec->cpu_max_period)
			osm_printf(r, "/%llu", spec->cpu_max_period);
	}
	if (spec->has_cpus)
		osm_printf(r, " spawn_cpus=%*pbl", cpumask_pr_args(spec->cpus));
	if (spec->has_mems)
		osm_printf(r, " spawn_mems=%*pbl",
			   nodemask_pr_args(&spec->mems));
}

/**
 * osm_spawn_render() - append a spawned PD's spec to its process node.
 * @r: the reader, inside the process node's line.
 * @spec: the record's spec.
 *
 * Context: under the spawn records' lock (a mutex); may sleep.
 */
void osm_spawn_render(struct osm_reader *r, const struct osm_spawn_spec *spec)
{
	char modes[OSM_SPAWN_NR + 1];
	unsigned int i;

	for (i = 0; i < OSM_SPAWN_NR; i++)
		modes[i] = osm_spawn_mode_chr[min_t(unsigned int,
						    spec->mode[i],
						    OSM_SPAWN_JOIN)];
	modes[OSM_SPAWN_NR] = '\0';
	osm_attr_str(r, "spawn", modes);
	if (spec->flags & OSM_SPAWN_NO_NEW_PRIVS)
		osm_attr_u64(r, "spawn_nnp", 1);
	/* 1.8: a stack with its own protection key (the tis kind). */
	if (spec->flags & OSM_SPAWN_STACK_PKEY)
		osm_attr_str(r, "spawn_stack", "pkey");
	osm_spawn_render_joins(r, spec);
	if (spec->mode[OSM_SPAWN_R_CGROUP] == OSM_SPAWN_NEW)
		osm_spawn_render_cgroup(r, spec);
	if (spec->mode[OSM_SPAWN_R_CRED] == OSM_SPAWN_NEW) {
		osm_attr_u64(r, "spawn_uid", spec->uid);
		osm_attr_u64(r, "spawn_gid", spec->gid);
		osm_printf(r, " spawn_caps=%016llx", spec->caps_keep);
	}
	if (spec->nr_fds)
		osm_attr_u64(r, "spawn_fds", spec->nr_fds);
	if (spec->has_root)
		osm_attr_u64(r, "spawn_root", 1);
}
