// SPDX-License-Identifier: GPL-2.0-only
/*
 * How namespaces and cgroups nest and who owns them.  User and pid
 * namespaces form trees (a subset edge from a child to its parent), every
 * other namespace is owned by a user namespace (an owner edge: whoever
 * has CAP_SYS_ADMIN there administers it), and cgroups form a tree.
 *
 * The reader sees these trees as the nsfs ioctls would show them to its
 * opener: a user namespace's ancestors up to the opener's own user
 * namespace (NS_GET_PARENT refuses to go higher), a pid namespace's up to
 * the reader's pid namespace, an owner only when it is the opener's user
 * namespace or below it (NS_GET_USERNS), and cgroups up to the root of the
 * reader's cgroup namespace.  Each node is emitted with the edges to its
 * parent and owner the first time the walk meets it; ancestors are emitted
 * first, so every edge follows both of its nodes.
 */
#include <linux/cgroup.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/memcontrol.h>
#include <linux/page_counter.h>
#include <linux/pid_namespace.h>
#include <linux/user_namespace.h>

#include "osmosis.h"

/* Deepest nesting of user and pid namespaces, plus the root. */
#define OSM_NS_LEVELS	33

static struct user_namespace *osm_opener_userns(struct osm_reader *r)
{
	return r->file->f_cred->user_ns;
}

/* Is @ns the opener's user namespace or below it? */
static bool osm_userns_visible(struct osm_reader *r,
			       const struct user_namespace *ns)
{
	const struct user_namespace *top = osm_opener_userns(r);

	for (; ns && ns->level >= top->level; ns = ns->parent)
		if (ns == top)
			return true;
	return false;
}

static void osm_edge_line(struct osm_reader *r, const struct osm_id *src,
			  const char *kind, const struct osm_id *dst)
{
	osm_edge_begin(r, src, kind, dst);
	osm_end_line(r);
}

/**
 * osm_emit_userns() - emit a user namespace (once per walk) with its
 * ancestors up to the opener's own, each with a subset edge to its parent.
 * @r: the reader.
 * @ns: the user namespace, kept alive by the caller (it pins its parents).
 *
 * Context: may sleep.
 */
void osm_emit_userns(struct osm_reader *r, struct user_namespace *ns)
{
	struct user_namespace *chain[OSM_NS_LEVELS];
	struct user_namespace *top = osm_opener_userns(r);
	bool under = osm_userns_visible(r, ns);
	struct osm_id id, parent;
	int n = 0;

	for (; ns && n < OSM_NS_LEVELS; ns = ns->parent) {
		id = (struct osm_id){ .type = OSM_T_USER_NS, .a = ns->ns.inum };
		if (osm_idset_find(&r->ids, &id))
			break;	/* it, and so its ancestors, are out */
		chain[n++] = ns;
		if (!under || ns == top)
			break;
	}
	while (n--) {
		ns = chain[n];
		id = (struct osm_id){ .type = OSM_T_USER_NS, .a = ns->ns.inum };
		if (!osm_node_begin(r, &id))
			continue;
		osm_attr_u64(r, "inum", ns->ns.inum);
		osm_attr_u64(r, "level", ns->level);
		osm_attr_u64(r, "owner", from_kuid_munged(top, ns->owner));
		osm_end_line(r);
		if (!under || ns == top || !ns->parent)
			continue;
		parent = (struct osm_id){ .type = OSM_T_USER_NS,
					  .a = ns->parent->ns.inum };
		osm_edge_line(r, &id, OSM_EDGE_SUBSET, &parent);
	}
}

/**
 * osm_emit_owner() - the edge from a namespace node to the user namespace
 * that owns it, when the opener may know it.
 * @r: the reader.
 * @id: the namespace's node, declared.
 * @owner: its owning user namespace, kept alive by the caller.
 *
 * Context: may sleep.
 */
void osm_emit_owner(struct osm_reader *r, const struct osm_id *id,
		    struct user_namespace *owner)
{
	struct osm_id uid = { .type = OSM_T_USER_NS, .a = owner->ns.inum };

	if (!osm_want(r, OSM_T_USER_NS) || !osm_userns_visible(r, owner))
		return;
	osm_emit_userns(r, owner);
	osm_edge_line(r, id, OSM_EDGE_OWNER, &uid);
}

/**
 * osm_emit_pidns() - emit a pid namespace (once per walk) with its
 * ancestors up to the reader's, each with its owner and a subset edge to
 * its parent.
 * @r: the reader.
 * @ns: a pid namespace at or below the reader's, kept alive by the
 *	caller (it pins its parents).
 *
 * Context: may sleep.
 */
void osm_emit_pidns(struct osm_reader *r, struct pid_namespace *ns)
{
	struct pid_namespace *chain[OSM_NS_LEVELS];
	struct osm_id id, parent;
	int n = 0;

	for (; ns && n < OSM_NS_LEVELS; ns = ns->parent) {
		id = (struct osm_id){ .type = OSM_T_PID_NS, .a = ns->ns.inum };
		if (osm_idset_find(&r->ids, &id))
			break;
		chain[n++] = ns;
		if (ns == r->pid_ns)
			break;
	}
	while (n--) {
		ns = chain[n];
		id = (struct osm_id){ .type = OSM_T_PID_NS, .a = ns->ns.inum };
		if (!osm_node_begin(r, &id))
			continue;
		osm_attr_u64(r, "inum", ns->ns.inum);
		osm_attr_u64(r, "level", ns->level);
		osm_end_line(r);
		osm_emit_owner(r, &id, ns->user_ns);
		if (ns == r->pid_ns || !ns->parent)
			continue;
		parent = (struct osm_id){ .type = OSM_T_PID_NS,
					  .a = ns->parent->ns.inum };
		osm_edge_line(r, &id, OSM_EDGE_SUBSET, &parent);
	}
}

/*
 * " memory_max=<bytes>|max" when the memory controller is enabled on @c
 * itself (cgroup.subtree_control of its parent has it), as its memory.max
 * file reads; nothing otherwise.  The other quota controllers (pids, cpu,
 * cpuset) keep their limits in structures the kernel does not export.
 */
static void osm_attr_memory_max(struct osm_reader *r, struct cgroup *c)
{
	struct cgroup_subsys_state *css;
	unsigned long max;

	if (!IS_ENABLED(CONFIG_MEMCG))
		return;
	css = cgroup_get_e_css(c, &memory_cgrp_subsys);
	if (!css)
		return;
	if (css->cgroup == c && cgroup_parent(c)) {
		max = READ_ONCE(mem_cgroup_from_css(css)->memory.max);
		if (max == PAGE_COUNTER_MAX)
			osm_printf(r, " memory_max=max");
		else
			osm_printf(r, " memory_max=%llu",
				   (unsigned long long)max * PAGE_SIZE);
	}
	css_put(css);
}

/**
 * osm_emit_cgroup_node() - emit a cgroup v2 group (once per walk) with its
 * ancestors up to the root of the reader's cgroup namespace, each with a
 * subset edge to its parent.
 * @r: the reader.
 * @cgrp: the group, referenced by the caller (it pins its ancestors).
 * @id: out: its node.
 *
 * Context: may sleep (cgroup_path_ns() takes cgroup_mutex).
 */
void osm_emit_cgroup_node(struct osm_reader *r, struct cgroup *cgrp,
			  struct osm_id *id)
{
	struct cgroup *top = r->cgroup_ns->root_cset->dfl_cgrp;
	bool under = cgroup_is_descendant(cgrp, top);
	int level = under ? top->level : cgrp->level;
	struct cgroup *c, *parent;

	for (; level <= cgrp->level; level++) {
		c = cgroup_ancestor(cgrp, level);
		*id = (struct osm_id){ .type = OSM_T_CGROUP, .a = cgroup_id(c) };
		if (!osm_node_begin(r, id))
			continue;
		osm_attr_u64(r, "id", id->a);
		if (cgroup_path_ns(c, r->pathbuf, PATH_MAX, r->cgroup_ns) > 0)
			osm_attr_str(r, "path", r->pathbuf);
		osm_attr_memory_max(r, c);
		osm_end_line(r);
		parent = cgroup_parent(c);
		if (!under || c == top || !parent)
			continue;
		osm_edge_begin(r, id, OSM_EDGE_SUBSET,
			       &(struct osm_id){ .type = OSM_T_CGROUP,
						 .a = cgroup_id(parent) });
		osm_end_line(r);
	}
}
