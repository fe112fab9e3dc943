// SPDX-License-Identifier: GPL-2.0-only
/*
 * osm spawn: run a command in a new PD, resource by resource, in the
 * style of unshare(1): the command's exit status is osm's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/filter.h>

#include "main.h"

static int do_help(void)
{
	unsigned int i;

	if (help_json())
		return 0;
	printf("Usage: %s spawn [--preset P] [--share RES] [--copy RES] [--new RES]\n"
	       "                 [--join NS=PID] [--mem BYTES] [--pids N]\n"
	       "                 [--cgroup-parent DIR] [--no-new-privs] [--explain]\n"
	       "                 [--uid UID] [--gid GID] [--caps CAPS]\n"
	       "                 [--seccomp FILE] [--cpu-max QUOTA[/PERIOD]]\n"
	       "                 [--cpus LIST] [--mems LIST] [--root DIR]\n"
	       "                 [--fd FROM[=TO]]... -- CMD [ARGS...]\n"
	       "       %s spawn help\n"
	       "\n"
	       "Runs CMD in a new PD (clone3, checked by the module before CMD\n"
	       "runs) and exits with its status (128+N if killed by signal N).\n"
	       "RES := { mm | files | fs | sighand | sysvsem | cgroup | cred |\n"
	       "         seccomp | NS }\n"
	       "NS  := { mnt | uts | ipc | pid | net | user | cgroupns | time }\n"
	       "RES may be a comma-separated list.  --mem and --pids imply\n"
	       "--new cgroup (BYTES may end in K, M, G).  --uid, --gid and --caps\n"
	       "imply --new cred: CAPS := { all | none | CAP[,CAP...] } (names as\n"
	       "in capabilities(7), without CAP_; the rest are dropped; default\n"
	       "none); ids default to 0 in a new user namespace, else the\n"
	       "caller's.  --seccomp FILE (a binary struct sock_filter array)\n"
	       "implies --new seccomp.  --cpu-max (microseconds), --cpus and\n"
	       "--mems (cpuset lists such as 0-3,6) imply --new cgroup.\n"
	       "--root DIR (the PD's root: pivot_root with --new mnt, else\n"
	       "chroot) implies --new fs; --fd FROM[=TO] (repeatable: the new\n"
	       "table holds exactly these) implies --new files.\n"
	       "--explain prints the request and runs\n"
	       "nothing.  Presets:",
	       bin_name, bin_name);
	for (i = 0; osm_spawn_preset_name(i); i++)
		printf(" %s", osm_spawn_preset_name(i));
	printf(" (default: process).\n");
	return 0;
}

static int res_index(const char *name)
{
	unsigned int r;

	for (r = 0; r < OSM_SPAWN_NR; r++)
		if (osm_spawn_res_name(r) && !strcmp(osm_spawn_res_name(r), name))
			return r;
	return -1;
}

/* Set @mode for every resource in the comma-separated @list. */
static int set_modes(struct osm_spawn_opts *o, const char *list, int mode)
{
	char *copy, *tok, *save;
	int r, ret = 0;

	copy = strdup(list);
	if (!copy) {
		p_err("out of memory");
		return -1;
	}
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		r = res_index(tok);
		if (r < 0) {
			p_err("unknown resource '%s'; try '%s spawn help'",
			      tok, bin_name);
			ret = -1;
			break;
		}
		o->mode[r] = mode;
	}
	if (!*list) {
		p_err("empty resource list");
		ret = -1;
	}
	free(copy);
	return ret;
}

/* --join NS=PID: a pidfd of PID for that namespace. */
static int set_join(struct osm_spawn_opts *o, const char *arg, int *pids)
{
	char name[16], *end;
	const char *eq;
	long pid;
	int r;

	eq = strchr(arg, '=');
	if (!eq || (size_t)(eq - arg) >= sizeof(name)) {
		p_err("--join wants NS=PID, not '%s'", arg);
		return -1;
	}
	memcpy(name, arg, eq - arg);
	name[eq - arg] = '\0';
	r = res_index(name);
	if (r < OSM_SPAWN_R_NS0) {
		p_err("--join: '%s' is not a namespace", name);
		return -1;
	}
	errno = 0;
	pid = strtol(eq + 1, &end, 10);
	if (errno || end == eq + 1 || *end || pid <= 0 || pid > INT_MAX) {
		p_err("--join: bad pid '%s'", eq + 1);
		return -1;
	}
	o->mode[r] = OSM_SPAWN_JOIN;
	pids[r - OSM_SPAWN_R_NS0] = pid;
	return 0;
}

static int parse_size(const char *arg, unsigned long long *val)
{
	unsigned long long v, mul = 1;
	char *end;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno || end == arg || *arg == '-')
		return -1;
	switch (*end) {
	case 'k': case 'K': mul = 1ULL << 10; end++; break;
	case 'm': case 'M': mul = 1ULL << 20; end++; break;
	case 'g': case 'G': mul = 1ULL << 30; end++; break;
	case 't': case 'T': mul = 1ULL << 40; end++; break;
	}
	if (*end || !v || v > ~0ULL / mul)
		return -1;
	*val = v * mul;
	return 0;
}

#define MAX_FDS	64

/* --fd FROM[=TO]: one more descriptor of the new table. */
static int parse_fd(const char *arg, struct osm_spawn_fd *fds,
		    unsigned int *n)
{
	long from, to;
	char *end;

	if (*n >= MAX_FDS || *arg < '0' || *arg > '9')
		return -1;
	errno = 0;
	from = strtol(arg, &end, 10);
	to = from;
	if (*end == '=') {
		arg = end + 1;
		if (*arg < '0' || *arg > '9')
			return -1;
		to = strtol(arg, &end, 10);
	}
	if (errno || *end || from > INT_MAX || to > INT_MAX)
		return -1;
	fds[*n].from = from;
	fds[*n].to = to;
	(*n)++;
	return 0;
}

/* --cpu-max QUOTA[/PERIOD], microseconds. */
static int parse_cpu_max(const char *arg, struct osm_spawn_opts *o)
{
	char *end;

	errno = 0;
	o->cpu_max_quota = strtoull(arg, &end, 10);
	if (errno || end == arg || *arg == '-' || !o->cpu_max_quota)
		return -1;
	o->cpu_max_period = 0;
	if (*end == '/') {
		arg = end + 1;
		o->cpu_max_period = strtoull(arg, &end, 10);
		if (errno || end == arg || *arg == '-' || !o->cpu_max_period)
			return -1;
	}
	return *end ? -1 : 0;
}

/* capabilities(7), in CAP_* order. */
static const char *const cap_names[] = {
	"chown", "dac_override", "dac_read_search", "fowner", "fsetid",
	"kill", "setgid", "setuid", "setpcap", "linux_immutable",
	"net_bind_service", "net_broadcast", "net_admin", "net_raw",
	"ipc_lock", "ipc_owner", "sys_module", "sys_rawio", "sys_chroot",
	"sys_ptrace", "sys_pacct", "sys_admin", "sys_boot", "sys_nice",
	"sys_resource", "sys_time", "sys_tty_config", "mknod", "lease",
	"audit_write", "audit_control", "setfcap", "mac_override",
	"mac_admin", "syslog", "wake_alarm", "block_suspend", "audit_read",
	"perfmon", "bpf", "checkpoint_restore",
};
#define NR_CAP_NAMES	(sizeof(cap_names) / sizeof(*cap_names))

/* Every capability the running kernel knows (cap_last_cap). */
static unsigned long long caps_all(void)
{
	unsigned int last = NR_CAP_NAMES - 1;
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");

	if (f) {
		if (fscanf(f, "%u", &last) != 1 || last > 63)
			last = NR_CAP_NAMES - 1;
		fclose(f);
	}
	return last == 63 ? ~0ULL : (1ULL << (last + 1)) - 1;
}

/* --caps all | none | NAME[,NAME...] (case-insensitive, cap_ optional). */
static int parse_caps(const char *arg, unsigned long long *caps)
{
	char *copy, *tok, *save, *end;
	unsigned long n;
	unsigned int i;
	int ret = 0;

	*caps = 0;
	if (!strcasecmp(arg, "all")) {
		*caps = caps_all();
		return 0;
	}
	if (!strcasecmp(arg, "none"))
		return 0;
	copy = strdup(arg);
	if (!copy)
		return -1;
	for (tok = strtok_r(copy, ",", &save); tok && !ret;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!strncasecmp(tok, "cap_", 4))
			tok += 4;
		for (i = 0; i < NR_CAP_NAMES; i++)
			if (!strcasecmp(tok, cap_names[i]))
				break;
		if (i == NR_CAP_NAMES) {
			n = strtoul(tok, &end, 10);
			if (*tok < '0' || *tok > '9' || *end || n > 63)
				ret = -1;
			i = n;
		}
		*caps |= 1ULL << (i & 63);
	}
	free(copy);
	return ret;
}

static int parse_id(const char *arg, unsigned int *id)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || *arg == '-' || v >= UINT_MAX)
		return -1;
	*id = v;
	return 0;
}

/* --seccomp FILE: a binary array of struct sock_filter. */
static int load_seccomp(const char *path, struct sock_fprog *prog)
{
	struct stat st;
	size_t n;
	FILE *f;

	f = fopen(path, "re");
	if (!f) {
		p_err("--seccomp %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) || !st.st_size ||
	    st.st_size % sizeof(struct sock_filter) ||
	    st.st_size / sizeof(struct sock_filter) > BPF_MAXINSNS) {
		p_err("--seccomp %s: not a BPF program of 1 to %d instructions",
		      path, BPF_MAXINSNS);
		fclose(f);
		return -1;
	}
	n = st.st_size / sizeof(struct sock_filter);
	prog->filter = calloc(n, sizeof(struct sock_filter));
	if (!prog->filter || fread(prog->filter, sizeof(struct sock_filter),
				   n, f) != n) {
		p_err("--seccomp %s: cannot read it", path);
		fclose(f);
		return -1;
	}
	fclose(f);
	prog->len = n;
	return 0;
}

static void explain_cred(const struct osm_spawn_opts *o,
			 const char *seccomp_file)
{
	if (o->mode[OSM_SPAWN_R_CRED] == OSM_SPAWN_NEW) {
		print_uint(PRINT_ANY, "uid", "uid           %u\n", o->uid);
		print_uint(PRINT_ANY, "gid", "gid           %u\n", o->gid);
		if (json_output)
			print_uint(PRINT_JSON, "caps_keep", NULL, o->caps_keep);
		else
			printf("caps_keep     0x%016llx\n", o->caps_keep);
	}
	if (o->mode[OSM_SPAWN_R_SECCOMP] == OSM_SPAWN_NEW && o->seccomp) {
		print_string(PRINT_ANY, "seccomp", "seccomp       %s",
			     seccomp_file);
		print_uint(PRINT_ANY, "seccomp_len", " (%u instructions)\n",
			   o->seccomp->len);
	}
}

static void explain(const struct osm_spawn_opts *o, const char *preset,
		    const int *pids, const char *seccomp_file, char **cmd)
{
	unsigned int r;

	open_json_object(NULL);
	print_string(PRINT_ANY, "preset", "preset        %s\n", preset);
	open_json_object("modes");
	for (r = 0; r < OSM_SPAWN_NR; r++) {
		const char *name = osm_spawn_res_name(r);

		if (!name)
			continue;
		print_text("%-13s ", name);
		print_string(PRINT_ANY, name, "%s",
			     osm_spawn_mode_name(o->mode[r]));
		if (o->mode[r] == OSM_SPAWN_JOIN)
			print_text(" pid %d", pids[r - OSM_SPAWN_R_NS0]);
		print_text("\n");
	}
	close_json_object();
	open_json_object("join");
	for (r = OSM_SPAWN_R_NS0; r < OSM_SPAWN_NR; r++)
		if (o->mode[r] == OSM_SPAWN_JOIN)
			print_uint(PRINT_JSON, osm_spawn_res_name(r), NULL,
				   pids[r - OSM_SPAWN_R_NS0]);
	close_json_object();
	if (o->mode[OSM_SPAWN_R_CGROUP] == OSM_SPAWN_NEW) {
		if (o->cgroup_parent)
			print_string(PRINT_ANY, "cgroup_parent",
				     "cgroup_parent %s\n", o->cgroup_parent);
		else
			print_text("cgroup_parent (own cgroup)\n");
		if (o->memory_max)
			print_uint(PRINT_ANY, "memory_max", "memory.max    %llu\n",
				   o->memory_max);
		else
			print_string(PRINT_ANY, "memory_max", "memory.max    %s\n",
				     "max");
		if (o->pids_max)
			print_uint(PRINT_ANY, "pids_max", "pids.max      %llu\n",
				   o->pids_max);
		else
			print_string(PRINT_ANY, "pids_max", "pids.max      %s\n",
				     "max");
		if (o->cpu_max_quota) {
			print_uint(PRINT_ANY, "cpu_max_quota",
				   "cpu.max       %llu", o->cpu_max_quota);
			if (o->cpu_max_period)
				print_uint(PRINT_ANY, "cpu_max_period", " %llu",
					   o->cpu_max_period);
			print_text("\n");
		} else {
			print_string(PRINT_ANY, "cpu_max_quota",
				     "cpu.max       %s\n", "max");
		}
		if (o->cpuset_cpus)
			print_string(PRINT_ANY, "cpuset_cpus",
				     "cpuset.cpus   %s\n", o->cpuset_cpus);
		if (o->cpuset_mems)
			print_string(PRINT_ANY, "cpuset_mems",
				     "cpuset.mems   %s\n", o->cpuset_mems);
	}
	explain_cred(o, seccomp_file);
	if (o->root_dir)
		print_string(PRINT_ANY, "root", "root          %s\n",
			     o->root_dir);
	if (o->fd_count) {
		unsigned int i;

		open_json_array("fds");
		print_text("fds          ");
		for (i = 0; i < o->fd_count; i++) {
			if (json_output) {
				jsonw_start_object(json_wtr);
				jsonw_uint_field(json_wtr, "from", o->fds[i].from);
				jsonw_uint_field(json_wtr, "to", o->fds[i].to);
				jsonw_end_object(json_wtr);
			} else {
				printf(" %d=%d", o->fds[i].from, o->fds[i].to);
			}
		}
		print_text("\n");
		close_json_array();
	}
	if (json_output) {
		jsonw_name(json_wtr, "no_new_privs");
		jsonw_bool(json_wtr, o->flags & OSM_SPAWN_NO_NEW_PRIVS);
	} else
		printf("no_new_privs  %s\n",
		       o->flags & OSM_SPAWN_NO_NEW_PRIVS ? "yes" : "no");
	open_json_array("argv");
	print_text("command      ");
	for (; *cmd; cmd++)
		print_string(PRINT_ANY, NULL, " %s", *cmd);
	print_text("\n");
	close_json_array();
	close_json_object();
}

/* Run it; exit with its status.  Returns only on failure. */
static int run(const struct osm_spawn_opts *o)
{
	struct osm_spawned pd;
	unsigned int r;
	int err, status;

	err = osm_spawn(o, &pd);
	if (err < 0) {
		if (err == -EXDEV) {
			char list[256] = "";

			for (r = 0; r < OSM_SPAWN_NR; r++)
				if ((pd.mismatch >> r) & 1 &&
				    osm_spawn_res_name(r)) {
					strcat(list, " ");
					strcat(list, osm_spawn_res_name(r));
				}
			p_err("the child's resources are not as asked:%s",
			      list);
		} else if (err == -EOPNOTSUPP) {
			p_err("a program cannot share the caller's mm, sighand or files: execve replaces the address space and copies a shared file table");
		} else {
			p_err("cannot spawn %s: %s%s", o->argv[0],
			      strerror(-err),
			      module_api_hint(-err, "spawn", OSM_FEAT_SPAWN, 3));
		}
		return -1;
	}
	err = osm_spawn_wait(&pd, &status);
	if (err) {
		p_err("waiting for %s: %s", o->argv[0], strerror(-err));
		return -1;
	}
	fflush(stdout);
	if (WIFSIGNALED(status))
		exit(128 + WTERMSIG(status));
	exit(WEXITSTATUS(status));
}

/* do_spawn() without the filter's memory, which it frees. */
static int spawn_main(int argc, char **argv, struct sock_fprog *prog)
{
	int pids[OSM_SPAWN_NR_NS] = { 0 };
	int pidfds[OSM_SPAWN_NR_NS];
	struct osm_spawn_fd fds[MAX_FDS];
	const char *preset = "process", *seccomp_file = NULL;
	bool do_explain = false, nnp = false, uid_set = false, gid_set = false;
	OSM_OPTS(osm_spawn_opts, o);
	unsigned int i;
	int ret;

	if (argc && is_help(argv[0]))
		return do_help();
	/* The preset first: the other options change it. */
	for (i = 0; i + 1 < (unsigned int)argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--preset"))
			preset = argv[i + 1];
	/* A function cannot be given on a command line. */
	if (!strcmp(preset, "thread") || !strcmp(preset, "tif") ||
	    !strcmp(preset, "tis")) {
		p_err("preset '%s' runs a function, not a program: it is for osm_spawn_fn() in libosm",
		      preset);
		return -1;
	}
	ret = osm_spawn_preset(preset, &o);
	if (ret) {
		p_err("unknown preset '%s'; try '%s spawn help'", preset,
		      bin_name);
		return -1;
	}

	while (argc && strcmp(*argv, "--")) {
		const char *opt = *argv;

		if (is_help(opt))
			return do_help();
		if (!strcmp(opt, "--explain") || !strcmp(opt, "--no-new-privs")) {
			if (opt[2] == 'e')
				do_explain = true;
			else
				nnp = true;
			NEXT_ARG();
			continue;
		}
		if (strncmp(opt, "--", 2) || argc < 2) {
			if (!strncmp(opt, "--", 2))
				p_err("%s needs a value", opt);
			else
				p_err("what is '%s'? (the command goes after --)",
				      opt);
			return -1;
		}
		NEXT_ARG();
		if (!strcmp(opt, "--preset")) {
			;	/* applied above */
		} else if (!strcmp(opt, "--share")) {
			ret = set_modes(&o, *argv, OSM_SPAWN_SHARE);
		} else if (!strcmp(opt, "--copy")) {
			ret = set_modes(&o, *argv, OSM_SPAWN_COPY);
		} else if (!strcmp(opt, "--new")) {
			ret = set_modes(&o, *argv, OSM_SPAWN_NEW);
		} else if (!strcmp(opt, "--join")) {
			ret = set_join(&o, *argv, pids);
		} else if (!strcmp(opt, "--mem")) {
			ret = parse_size(*argv, &o.memory_max);
			if (ret)
				p_err("--mem: bad size '%s'", *argv);
			o.mode[OSM_SPAWN_R_CGROUP] = OSM_SPAWN_NEW;
		} else if (!strcmp(opt, "--pids")) {
			ret = parse_size(*argv, &o.pids_max);
			if (ret || o.pids_max > 4194304) {
				p_err("--pids: bad count '%s'", *argv);
				ret = -1;
			}
			o.mode[OSM_SPAWN_R_CGROUP] = OSM_SPAWN_NEW;
		} else if (!strcmp(opt, "--cgroup-parent")) {
			o.cgroup_parent = *argv;
		} else if (!strcmp(opt, "--root")) {
			o.root_dir = *argv;
			o.mode[OSM_SPAWN_R_FS] = OSM_SPAWN_NEW;
		} else if (!strcmp(opt, "--fd")) {
			ret = parse_fd(*argv, fds, &o.fd_count);
			if (ret)
				p_err("--fd: bad FROM[=TO] '%s' (at most %d)",
				      *argv, MAX_FDS);
			o.fds = fds;
			o.mode[OSM_SPAWN_R_FILES] = OSM_SPAWN_NEW;
		} else if (!strcmp(opt, "--cpu-max")) {
			ret = parse_cpu_max(*argv, &o);
			if (ret)
				p_err("--cpu-max: bad QUOTA[/PERIOD] '%s' (microseconds)",
				      *argv);
			o.mode[OSM_SPAWN_R_CGROUP] = OSM_SPAWN_NEW;
		} else if (!strcmp(opt, "--cpus") || !strcmp(opt, "--mems")) {
			*(opt[3] == 'p' ? &o.cpuset_cpus : &o.cpuset_mems) =
				*argv;
			o.mode[OSM_SPAWN_R_CGROUP] = OSM_SPAWN_NEW;
		} else if (!strcmp(opt, "--uid") || !strcmp(opt, "--gid")) {
			bool u = opt[2] == 'u';

			ret = parse_id(*argv, u ? &o.uid : &o.gid);
			if (ret)
				p_err("%s: bad id '%s'", opt, *argv);
			*(u ? &uid_set : &gid_set) = true;
			o.mode[OSM_SPAWN_R_CRED] = OSM_SPAWN_NEW;
		} else if (!strcmp(opt, "--caps")) {
			ret = parse_caps(*argv, &o.caps_keep);
			if (ret)
				p_err("--caps: bad capability list '%s'", *argv);
			o.mode[OSM_SPAWN_R_CRED] = OSM_SPAWN_NEW;
		} else if (!strcmp(opt, "--seccomp")) {
			free(prog->filter);
			prog->filter = NULL;
			ret = load_seccomp(*argv, prog);
			seccomp_file = *argv;
			o.mode[OSM_SPAWN_R_SECCOMP] = OSM_SPAWN_NEW;
		} else {
			p_err("unknown option '%s'; try '%s spawn help'", opt,
			      bin_name);
			return -1;
		}
		if (ret)
			return -1;
		NEXT_ARG();
	}
	if (!argc || argc < 2) {
		p_err("no command; usage: %s spawn [OPTIONS] -- CMD [ARGS...]",
		      bin_name);
		return -1;
	}
	NEXT_ARG();
	if (nnp)
		o.flags |= OSM_SPAWN_NO_NEW_PRIVS;
	if (o.cgroup_parent && o.mode[OSM_SPAWN_R_CGROUP] != OSM_SPAWN_NEW)
		o.mode[OSM_SPAWN_R_CGROUP] = OSM_SPAWN_NEW;
	/* Ids not given: root in a new user namespace, else the caller's. */
	if (o.mode[OSM_SPAWN_R_CRED] == OSM_SPAWN_NEW) {
		bool userns = o.mode[OSM_SPAWN_R_USER_NS] == OSM_SPAWN_NEW;

		if (!uid_set)
			o.uid = userns ? 0 : getuid();
		if (!gid_set)
			o.gid = userns ? 0 : getgid();
	}
	if (o.mode[OSM_SPAWN_R_SECCOMP] == OSM_SPAWN_NEW && !prog->filter) {
		p_err("--new seccomp needs --seccomp FILE");
		return -1;
	}
	if (prog->filter)
		o.seccomp = prog;
	o.argv = argv;

	if (do_explain) {
		explain(&o, preset, pids, seccomp_file, argv);
		return 0;
	}

	for (i = 0; i < OSM_SPAWN_NR_NS; i++) {
		pidfds[i] = -1;
		if (!pids[i])
			continue;
		pidfds[i] = syscall(SYS_pidfd_open, pids[i], 0);
		if (pidfds[i] < 0) {
			p_err("--join %s=%d: %s",
			      osm_spawn_res_name(OSM_SPAWN_R_NS0 + i), pids[i],
			      strerror(errno));
			return -1;
		}
		o.ns_pidfd[i] = pidfds[i];
	}
	return run(&o);
}

int do_spawn(int argc, char **argv)
{
	struct sock_fprog prog = { 0 };
	int ret;

	ret = spawn_main(argc, argv, &prog);
	free(prog.filter);
	return ret;
}
