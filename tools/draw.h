/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * osm draw: the TCB neighbourhood of a PD, the picture's input.
 */
#ifndef __OSM_DRAW_H
#define __OSM_DRAW_H

#include <stddef.h>

#include "osm.h"

/**
 * struct tcb - what the picture of a PD shows
 * @g: the graph.
 * @pd: the PD drawn.
 * @threads: its threads (the kernel's kernel threads; a thread itself).
 * @nthreads: how many.
 * @res: the resources @pd reaches (osm_query__reachable()), parents
 *	before what is reached through them.
 * @nres: how many.
 * @via: per node index, the resource through which a node of @res was
 *	first reached, or NULL when a thread holds it.
 * @depth: per node index, 1 for what a thread holds, 2 for what is
 *	reached through that... 0 for a node not in @res.
 * @shares: osm_query__shared(): the other PDs and what they share.
 * @nshares: how many.
 * @ctl: osm_query__can_control(): who can control @pd, by which rule.
 * @nctl: how many.
 * @servers: osm_query__servers(): who serves @pd's requests.
 * @nservers: how many.
 */
struct tcb {
	const struct osm_graph *g;
	const struct osm_node *pd;
	const struct osm_node **threads;
	size_t nthreads;
	const struct osm_node **res;
	size_t nres;
	const struct osm_node **via;
	unsigned int *depth;
	struct osm_share *shares;
	size_t nshares;
	struct osm_control *ctl;
	size_t nctl;
	struct osm_share *servers;
	size_t nservers;
};

int tcb_assemble(const struct osm_graph *g, const struct osm_node *pd,
		 int ptrace_scope, struct tcb *t);
void tcb_free(struct tcb *t);

int do_draw(int argc, char **argv);

#endif /* __OSM_DRAW_H */
