/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * osm: the osmosis command-line tool, bpftool-style.
 */
#ifndef __OSM_MAIN_H
#define __OSM_MAIN_H

#include <stdbool.h>

#include "json_print.h"
#include "osm.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define NEXT_ARG()	({ argc--; argv++; })
#define GET_ARG()	({ argc--; *argv++; })
#define BAD_ARG()	({ p_err("what is '%s'?", *argv); -1; })

#define HELP_SPEC_OPTIONS						\
	"OPTIONS := { {-j|--json} [{-p|--pretty}] | {-h|--help} | "	\
	"{-V|--version} }"

extern const char *bin_name;
extern bool pretty_output;
extern bool verbose;

struct cmd {
	const char *cmd;
	int (*func)(int argc, char **argv);
};

bool is_prefix(const char *pfx, const char *str);
bool is_help(const char *arg);
bool help_json(void);
int cmd_select(const struct cmd *cmds, int argc, char **argv,
	       int (*help)(int argc, char **argv));
void p_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* common.c: what graph and query verbs share. */
#define ARG_FILE	(1U << 0)
#define ARG_TYPES	(1U << 1)
#define ARG_DIR		(1U << 2)
#define ARG_SCOPE	(1U << 3)	/* --ptrace-scope N */
#define ARG_THREADS	(1U << 4)	/* --threads */
#define ARG_MODE	(1U << 5)	/* --mode r|rw */
#define ARG_GRAN	(1U << 6)	/* --granularity G */

struct verb_args {
	const char *file;
	const char *types;
	const char *dir;
	const char *scope;
	bool threads;
	const char *pos[2];
	int npos;
	const char *mode;
	const char *gran;
	const char *backend;	/* --backend, with --file */
};

int parse_verb_args(int argc, char **argv, unsigned int allowed,
		    int max_pos, struct verb_args *va);
struct osm_graph *load_graph(const char *file);
int verb_backend(void);
const char *device_hint(int err);
const char *module_api_hint(int err, const char *what, unsigned long long feat,
			    unsigned int since);
const struct osm_node *find_pd(const struct osm_graph *g, const char *arg);
struct osm_graph *load_graph_pd(const char *file, const char *arg,
				const struct osm_node **pd);
const char *access_name(unsigned int access);
#define MISSING_PD	"missing PD: a pid, 'kernel' or a node id " \
			"(thread:TID, process:PID)"
const char **parse_types(const struct osm_graph *g, const char *list);
const char *node_label(const struct osm_node *n);

int do_api(int argc, char **argv);
int do_graph(int argc, char **argv);
int do_query(int argc, char **argv);
int do_spawn(int argc, char **argv);

/* query.c and query_ext.c: the OSmosis queries, also top-level objects. */
int do_control(int argc, char **argv);
int do_control_check(int argc, char **argv);
int ptrace_scope_arg(const char *arg);
int do_tcb(int argc, char **argv);
int do_ib(int argc, char **argv);
int do_compare(int argc, char **argv);
int do_holders(int argc, char **argv);
int do_bfs(int argc, char **argv);
int do_ext_help(int argc, char **argv);
int parse_gran(const char *s, unsigned int *g);
int parse_mode(const char *s, unsigned int *m);
const char *gran_name(unsigned int g);

#endif /* __OSM_MAIN_H */
