// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * The bpf backend's entry in the backend table (backend.c): when it is
 * usable (for OSM_BACKEND_AUTO) and how it reads (backend_bpf.c).
 */
#include <errno.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "backend_internal.h"
#include "backend_bpf.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON	38
#endif
#ifndef CAP_BPF
#define CAP_BPF		39
#endif

#define BTF_PATH	"/sys/kernel/btf/vmlinux"

static bool has_cap(const struct __user_cap_data_struct *d, int cap)
{
	return d[cap / 32].effective & (1U << (cap % 32));
}

/*
 * Cheap checks only, so that auto does not load programs to find out:
 * the capabilities the iterators need and the kernel BTF CO-RE needs.
 */
static int bpf_usable(const struct osm_backend_opts *o, char *why, size_t n)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3] = {};

	(void)o;
	if (syscall(SYS_capget, &h, d))
		return -errno;
	if (!has_cap(d, CAP_SYS_ADMIN) &&
	    !(has_cap(d, CAP_BPF) && has_cap(d, CAP_PERFMON))) {
		osm__set_err(why, n, "%s", OSM_BACKEND_BPF_EPERM_MSG);
		return -EPERM;
	}
	if (access(BTF_PATH, R_OK)) {
		osm__set_err(why, n, "%s: %s (the kernel has no BTF for CO-RE)",
			     BTF_PATH, strerror(errno));
		return -EOPNOTSUPP;
	}
	return 0;
}

static int bpf_read(const struct osm_backend_opts *o, size_t max, char **buf,
		    size_t *len, char *why, size_t n)
{
	OSM_OPTS(osm_backend_bpf_opts, bo, .times = OPTS_GET(o, times, NULL));
	int err = bpf_usable(o, why, n);

	if (err)
		return err;
	err = osm__backend_bpf_read(&bo, buf, len);
	if (err == -EPERM)
		osm__set_err(why, n, "%s", OSM_BACKEND_BPF_EPERM_MSG);
	else if (err == -EOPNOTSUPP)
		osm__set_err(why, n, "the kernel refused the BPF iterators (set OSM_BPF_DEBUG=1 for libbpf's log)");
	else if (err)
		osm__set_err(why, n, "bpf backend: %s", strerror(-err));
	if (err)
		return err;
	if (*len > max) {
		free(*buf);
		*buf = NULL;
		osm__set_err(why, n, "the bpf walk is %zu bytes, above the limit %zu",
			     *len, max);
		return -E2BIG;
	}
	return 0;
}

const struct osm_backend_ops osm__backend_bpf = {
	.id = OSM_BACKEND_BPF,
	.name = "bpf",
	.usable = bpf_usable,
	.read = bpf_read,
};
