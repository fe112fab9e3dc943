// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * osm_spawn() without the module: presets, option checks, names, and a
 * clean failure when /dev/osmosis is absent (run under valgrind).  The
 * spawning itself is tested in the VM (selftests/spawn_test.c).
 *
 * Usage: test_spawn    (output is TAP)
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/filter.h>

#include "osm.h"
#include "check.h"


static char *argv_true[] = { "true", NULL };

static void test_presets(void)
{
	OSM_OPTS(osm_spawn_opts, o, .argv = argv_true);
	unsigned int i, r;

	CHECK(osm_spawn_preset("process", &o) == 0);
	CHECK(o.mode[OSM_SPAWN_R_MM] == OSM_SPAWN_COPY);
	CHECK(o.mode[OSM_SPAWN_R_SYSVSEM] == OSM_SPAWN_NEW);
	CHECK(o.mode[OSM_SPAWN_R_CGROUP] == OSM_SPAWN_SHARE);
	for (i = 0; i < OSM_SPAWN_NR_NS; i++)
		CHECK(o.mode[OSM_SPAWN_R_NS0 + i] == OSM_SPAWN_SHARE);
	CHECK(o.argv == argv_true);	/* left alone */
	CHECK(o.flags == 0);

	CHECK(osm_spawn_preset("pir", &o) == 0);
	CHECK(o.mode[OSM_SPAWN_R_CGROUP] == OSM_SPAWN_NEW);

	CHECK(osm_spawn_preset("container", &o) == 0);
	for (r = OSM_SPAWN_R_NS0; r < OSM_SPAWN_NR; r++)
		CHECK(o.mode[r] == (r == OSM_SPAWN_R_TIME_NS ?
				    OSM_SPAWN_SHARE : OSM_SPAWN_NEW));
	CHECK(o.mode[OSM_SPAWN_R_FS] == OSM_SPAWN_COPY);
	CHECK(o.flags == 0);

	CHECK(osm_spawn_preset("sandbox", &o) == 0);
	CHECK(o.mode[OSM_SPAWN_R_NET_NS] == OSM_SPAWN_NEW);
	CHECK(o.flags == OSM_SPAWN_NO_NEW_PRIVS);

	CHECK(osm_spawn_preset("thread", &o) == 0);
	for (r = OSM_SPAWN_R_MM; r <= OSM_SPAWN_R_SYSVSEM; r++)
		CHECK(o.mode[r] == OSM_SPAWN_SHARE);
	CHECK(o.mode[OSM_SPAWN_R_CGROUP] == OSM_SPAWN_SHARE);
	CHECK(o.flags == 0);
	CHECK(osm_spawn_preset("tif", &o) == 0);
	CHECK(o.mode[OSM_SPAWN_R_MM] == OSM_SPAWN_SHARE);
	CHECK(o.mode[OSM_SPAWN_R_FILES] == OSM_SPAWN_COPY);
	CHECK(o.mode[OSM_SPAWN_R_FS] == OSM_SPAWN_COPY);
	CHECK(o.mode[OSM_SPAWN_R_SIGHAND] == OSM_SPAWN_SHARE);
	CHECK(o.mode[OSM_SPAWN_R_SYSVSEM] == OSM_SPAWN_SHARE);
	for (i = 0; i < OSM_SPAWN_NR_NS; i++)
		CHECK(o.mode[OSM_SPAWN_R_NS0 + i] == OSM_SPAWN_SHARE);
	CHECK(o.fn_flags == 0);
	CHECK(osm_spawn_preset("tis", &o) == 0);
	CHECK(o.fn_flags == OSM_SPAWN_FN_PRIVATE_STACK);
	CHECK(o.mode[OSM_SPAWN_R_FILES] == OSM_SPAWN_SHARE);
	CHECK(osm_spawn_preset("thread", &o) == 0);
	CHECK(o.fn_flags == 0);
	/* A caller built before fn_flags cannot have tis. */
	o.sz = offsetof(struct osm_spawn_opts, fn_flags);
	CHECK(osm_spawn_preset("tis", &o) == -EINVAL);
	CHECK(osm_spawn_preset("thread", &o) == 0);
	o.sz = sizeof(o);
	CHECK(osm_spawn_preset("nope", &o) == -ENOENT);
	CHECK(osm_spawn_preset(NULL, &o) == -EINVAL);
	CHECK(osm_spawn_preset("process", NULL) == -EINVAL);
	for (i = 0; osm_spawn_preset_name(i); i++)
		CHECK(osm_spawn_preset(osm_spawn_preset_name(i), &o) == 0);
	CHECK(i == 4);		/* programs only: what osm spawn offers */
}

static void test_names(void)
{
	CHECK(!strcmp(osm_spawn_res_name(OSM_SPAWN_R_MM), "mm"));
	CHECK(!strcmp(osm_spawn_res_name(OSM_SPAWN_R_CGROUP_NS), "cgroupns"));
	CHECK(!strcmp(osm_spawn_res_name(OSM_SPAWN_R_CRED), "cred"));
	CHECK(!strcmp(osm_spawn_res_name(OSM_SPAWN_R_SECCOMP), "seccomp"));
	CHECK(osm_spawn_res_name(OSM_SPAWN_NR) == NULL);
	CHECK(!strcmp(osm_spawn_mode_name(OSM_SPAWN_JOIN), "join"));
	CHECK(osm_spawn_mode_name(5) == NULL);
}

static void test_bad_options(void)
{
	struct {
		struct osm_spawn_opts o;
		char tail[8];
	} big;
	OSM_OPTS(osm_spawn_opts, o, .argv = argv_true);
	struct osm_spawned pd;

	CHECK(osm_spawn(NULL, &pd) == -EINVAL && errno == EINVAL);
	CHECK(osm_spawn(&o, NULL) == -EINVAL);
	o.argv = NULL;
	CHECK(osm_spawn(&o, &pd) == -EINVAL);
	CHECK(pd.pidfd == -1 && pd.cgroup_dirfd == -1);
	o.argv = argv_true;
	o.mode[OSM_SPAWN_R_MM] = OSM_SPAWN_SHARE;
	CHECK(osm_spawn(&o, &pd) == -EOPNOTSUPP);
	o.mode[OSM_SPAWN_R_MM] = 0;
	o.mode[OSM_SPAWN_R_SIGHAND] = OSM_SPAWN_SHARE;
	CHECK(osm_spawn(&o, &pd) == -EOPNOTSUPP);
	o.mode[OSM_SPAWN_R_SIGHAND] = 0;
	o.mode[OSM_SPAWN_R_FILES] = OSM_SPAWN_SHARE;
	CHECK(osm_spawn(&o, &pd) == -EOPNOTSUPP);
	o.mode[OSM_SPAWN_R_FILES] = OSM_SPAWN_NEW;
	o.mode[OSM_SPAWN_R_NET_NS] = 9;
	CHECK(osm_spawn(&o, &pd) == -EINVAL);
	o.mode[OSM_SPAWN_R_NET_NS] = 0;
	o.flags = 2;
	CHECK(osm_spawn(&o, &pd) == -EINVAL);
	o.flags = 0;
	/* A root and a descriptor list only with fs / files new. */
	o.root_dir = "/";
	CHECK(osm_spawn(&o, &pd) == -EINVAL);
	o.root_dir = NULL;
	o.mode[OSM_SPAWN_R_FS] = OSM_SPAWN_NEW;
	CHECK(osm_spawn(&o, &pd) == -EINVAL);	/* no root */
	o.mode[OSM_SPAWN_R_FS] = 0;
	o.mode[OSM_SPAWN_R_FILES] = 0;
	o.fd_count = 1;
	CHECK(osm_spawn(&o, &pd) == -EINVAL);
	o.fd_count = 0;
	o.mode[OSM_SPAWN_R_FILES] = OSM_SPAWN_NEW;
	/* Ids, capabilities and a filter only with cred / seccomp new. */
	o.uid = 1;
	CHECK(osm_spawn(&o, &pd) == -EINVAL);
	o.uid = 0;
	o.caps_keep = 1;
	CHECK(osm_spawn(&o, &pd) == -EINVAL);
	o.caps_keep = 0;
	o.mode[OSM_SPAWN_R_SECCOMP] = OSM_SPAWN_NEW;
	CHECK(osm_spawn(&o, &pd) == -EINVAL);	/* no filter */
	o.mode[OSM_SPAWN_R_SECCOMP] = 0;
	{
		struct sock_filter ret = BPF_STMT(BPF_RET | BPF_K, 0x7fff0000);
		struct sock_fprog prog = { .len = 1, .filter = &ret };

		o.seccomp = &prog;
		CHECK(osm_spawn(&o, &pd) == -EINVAL);	/* not seccomp new */
		o.seccomp = NULL;
	}

	/* A newer caller's larger struct: fine if its tail is zero. */
	memset(&big, 0, sizeof(big));
	big.o = o;
	big.o.sz = sizeof(big);
	big.tail[3] = 1;
	CHECK(osm_spawn(&big.o, &pd) == -EINVAL);
	CHECK(osm_spawn_wait(&pd, NULL) == -EINVAL);
}

static int fn_zero(void *arg)
{
	(void)arg;
	return 0;
}

static void test_fn_bad_options(void)
{
	OSM_OPTS(osm_spawn_opts, o);
	struct osm_spawned pd;

	CHECK(osm_spawn_fn(NULL, fn_zero, NULL, &pd) == -EINVAL);
	CHECK(osm_spawn_fn(&o, fn_zero, NULL, NULL) == -EINVAL);
	CHECK(osm_spawn_fn(&o, NULL, NULL, &pd) == -EINVAL);
	CHECK(pd.pidfd == -1 && pd.stack == NULL);
	o.argv = argv_true;
	CHECK(osm_spawn_fn(&o, fn_zero, NULL, &pd) == -EINVAL);
	o.argv = NULL;
	o.stack_size = OSM_SPAWN_STACK_MIN - 1;
	CHECK(osm_spawn_fn(&o, fn_zero, NULL, &pd) == -EINVAL);
	o.stack_size = 0;
	o.mode[OSM_SPAWN_R_FS] = 7;
	CHECK(osm_spawn_fn(&o, fn_zero, NULL, &pd) == -EINVAL);
	o.mode[OSM_SPAWN_R_FS] = 0;
	o.fn_flags = 2;
	CHECK(osm_spawn_fn(&o, fn_zero, NULL, &pd) == -EINVAL);
	/* A private stack needs a shared address space. */
	o.fn_flags = OSM_SPAWN_FN_PRIVATE_STACK;
	CHECK(osm_spawn_fn(&o, fn_zero, NULL, &pd) == -EINVAL);
	CHECK(pd.stack == NULL && pd.stack_pkey == 0);
	o.fn_flags = 0;
	/* A stack is for a function, a program has its own. */
	o.argv = argv_true;
	o.stack_size = OSM_SPAWN_STACK_MIN;
	CHECK(osm_spawn(&o, &pd) == -EINVAL);
	o.stack_size = 0;
	o.fn_flags = OSM_SPAWN_FN_PRIVATE_STACK;
	CHECK(osm_spawn(&o, &pd) == -EINVAL);
	o.fn_flags = 0;
	/* A program cannot share the address space: the function presets. */
	CHECK(osm_spawn_preset("thread", &o) == 0);
	CHECK(osm_spawn(&o, &pd) == -EOPNOTSUPP);
	CHECK(osm_spawn_preset("tif", &o) == 0);
	CHECK(osm_spawn(&o, &pd) == -EOPNOTSUPP);
}

/* Without the module: a clean -ENOENT and nothing held. */
static void test_no_device(void)
{
	OSM_OPTS(osm_spawn_opts, o, .argv = argv_true);
	struct osm_spawned pd;

	if (!access(OSM_DEVICE_PATH, F_OK)) {
		printf("# %s present: no-device case not run\n",
		       OSM_DEVICE_PATH);
		return;
	}
	CHECK(osm_spawn(&o, &pd) == -ENOENT);
	CHECK(pd.pidfd == -1 && pd.cgroup_dirfd == -1 && !pd.cgroup_name[0]);
	osm_spawn_preset("pir", &o);
	o.pids_max = 4;
	CHECK(osm_spawn(&o, &pd) == -ENOENT);
	CHECK(pd.pidfd == -1 && pd.cgroup_dirfd == -1);

	osm_spawn_preset("thread", &o);
	o.argv = NULL;
	CHECK(osm_spawn_fn(&o, fn_zero, NULL, &pd) == -ENOENT);
	CHECK(pd.pidfd == -1 && pd.stack == NULL && pd.cgroup_dirfd == -1);
}

int main(void)
{
	static const struct check_test tests[] = {
		{ "presets", test_presets },
		{ "names", test_names },
		{ "bad options", test_bad_options },
		{ "function: bad options", test_fn_bad_options },
		{ "no device", test_no_device },
	};

	return check_run(tests, sizeof(tests) / sizeof(tests[0]), "spawn: ");
}
