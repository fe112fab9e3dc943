// SPDX-License-Identifier: GPL-2.0-only
/*
 * osm control check S T: the kernel's control rules for one pair of
 * threads (OSM_IOC_CONTROL_CHECK) beside the library's answer from a
 * fresh graph, so a disagreement shows at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json_writer.h"
#include "main.h"

/* OSM_CTL_S_* by bit. */
static const char *const step_names[] = {
	"kill_ids", "kill_cap", "ptrace_ids", "ptrace_cap", "dumpable",
	"mm_cap", "cap_subset", "yama", "descendant", "same_process",
	"kthread", "traced",
};

#define NR_STEPS	(sizeof(step_names) / sizeof(step_names[0]))

static int parse_tid(const char *s, pid_t *tid)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v <= 0 || v > 0x3fffffff) {
		p_err("not a thread id: '%s'", s);
		return -1;
	}
	*tid = (pid_t)v;
	return 0;
}

/* The library's rules for thread @s over thread @t, or -1. */
static int library_rules(pid_t s, pid_t t, int scope)
{
	OSM_OPTS(osm_control_opts, opts, .ptrace_scope = scope,
		 .flags = OSM_CONTROL_THREADS);
	const struct osm_node *sn, *tn;
	struct osm_control *c;
	struct osm_graph *g;
	char id[32];
	int i, n, r = -1;

	g = load_graph(NULL);
	if (!g)
		return -1;
	snprintf(id, sizeof(id), "thread:%d", (int)t);
	tn = osm_graph__find(g, id);
	snprintf(id, sizeof(id), "thread:%d", (int)s);
	sn = osm_graph__find(g, id);
	if (!tn || !sn) {
		p_err("thread %d or %d is not in the graph", (int)s, (int)t);
		goto out;
	}
	n = osm_query__can_control(g, tn, &opts, &c);
	if (n < 0) {
		p_err("query failed: %s", strerror(-n));
		goto out;
	}
	for (r = 0, i = 0; i < n; i++)
		if (c[i].pd == sn)
			r = (int)c[i].rules;
	free(c);
out:
	osm_graph__free(g);
	return r;
}

static void print_rules(const char *key, unsigned int rules)
{
	unsigned int b;
	bool first = true;

	open_json_array(key);
	print_text("%s:", key);
	for (b = 1; b < 1U << OSM_CONTROL_NR_RULES; b <<= 1)
		if (rules & b) {
			print_string(PRINT_ANY, NULL, " %s",
				     osm_control_rule_name(b));
			first = false;
		}
	if (first)
		print_text(" none");
	close_json_array();
	print_text("\n");
}

/**
 * do_control_check() - "osm control check S T [--ptrace-scope N]".
 * @argc: arguments after "check".
 * @argv: S and T, thread ids; the scope for the library's answer (the
 *	system's by default: the kernel's check reads it itself).
 *
 * Return: 0 when both answers agree, 1 when they differ, -1 on error.
 */
int do_control_check(int argc, char **argv)
{
	struct osm_control_check cc = { 0 };
	struct verb_args va;
	pid_t s, t;
	int fd, err, lib, scope;
	bool agree;
	size_t i;

	err = parse_verb_args(argc, argv, ARG_SCOPE, 2, &va);
	if (err)
		return err > 0 ? 0 : -1;
	if (va.npos != 2) {
		p_err("need a subject and a target thread id");
		return -1;
	}
	if (parse_tid(va.pos[0], &s) || parse_tid(va.pos[1], &t))
		return -1;
	fd = open(OSM_DEVICE_PATH, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		p_err("cannot open %s: %s%s", OSM_DEVICE_PATH, strerror(errno),
		      device_hint(errno));
		return -1;
	}
	cc.subject = s;
	cc.target = t;
	err = osm_ioc_control_check(fd, &cc);
	close(fd);
	if (err) {
		p_err("OSM_IOC_CONTROL_CHECK: %s%s", strerror(-err),
		      err == -ESRCH ? " (no such thread, or not yours to see)" :
		      device_hint(-err));
		return -1;
	}
	scope = va.scope ? ptrace_scope_arg(va.scope) :
		cc.ptrace_scope == OSM_CTL_NO_YAMA ? 0 : (int)cc.ptrace_scope;
	if (scope < 0)
		return -1;
	lib = library_rules(s, t, scope);
	if (lib < 0)
		return -1;

	open_json_object(NULL);
	print_uint(PRINT_ANY, "subject", "thread %llu", s);
	print_uint(PRINT_ANY, "target", " over thread %llu", t);
	if (cc.ptrace_scope == OSM_CTL_NO_YAMA)
		print_text(" (no Yama)\n");
	else
		print_uint(PRINT_ANY, "ptrace_scope", " (ptrace_scope %llu)\n",
			   cc.ptrace_scope);
	print_rules("kernel", (unsigned int)cc.rules);
	print_rules("library", (unsigned int)lib);
	open_json_array("steps");
	print_text("steps:");
	for (i = 0; i < NR_STEPS; i++)
		if (cc.steps & (1ULL << i))
			print_string(PRINT_ANY, NULL, " %s", step_names[i]);
	close_json_array();
	print_text("\n");
	agree = (unsigned int)cc.rules == (unsigned int)lib;
	if (json_output) {
		jsonw_name(json_wtr, "agree");
		jsonw_bool(json_wtr, agree);
	} else {
		print_text("%s\n", agree ? "agree" : "DIFFER");
	}
	close_json_object();
	return agree ? 0 : 1;
}
