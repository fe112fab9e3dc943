// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * The bpf backend's text from fabricated iterator records: it parses,
 * names its backend, declares every node once (threads repeated by the
 * iterators, a table visited through two threads), counts a table's
 * descriptors once each, and draws the edges the records imply.  The
 * iterators themselves run in the VM (selftests/bpf_backend_test.c).
 */
#include <linux/types.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../osm.h"
#include "../backend_bpf.h"
#include "../bpf/osm_iter.h"
#include "check.h"

static const struct osm_node *edge_dst(const struct osm_node *n,
				       const char *kind, const char *type)
{
	size_t i;

	for (i = 0; i < osm_node__out_count(n); i++) {
		const struct osm_edge *e = osm_node__out(n, i);

		if (!strcmp(osm_edge__kind(e), kind) &&
		    !strcmp(osm_node__type(osm_edge__dst(e)), type))
			return osm_edge__dst(e);
	}
	return NULL;
}

int main(void)
{
	struct osm_btask t[3] = {};
	struct osm_bfile f[3] = {};
	struct osm_bvma v[1] = {};
	struct osm_bcgroup c[2] = {};
	struct osm_bpf_walk w = {
		.rec = { t, f, v, c }, .nrec = { 3, 3, 1, 2 },
		.have_cgroups = 1, .epoch = 0x1234,
	};
	const struct osm_node *th, *files, *n;
	struct osm_graph *g;
	size_t len, i;
	char *text;
	int r;

	for (i = 0; i < 3; i++) {
		t[i].tid = 100 + (i == 2 ? 1 : i);	/* tid 101 twice */
		t[i].tgid = 100;
		t[i].ppid = 1;
		t[i].mm = 0xabcdef01;
		t[i].files = 0x1111;
		t[i].cgroup = 7;
		t[i].ns[OSM_BNS_NET] = 4026531840U;
		t[i].ns_owner[OSM_BNS_NET] = 4026531837U;
		t[i].userns[0] = 4026531837U;
		t[i].ns[OSM_BNS_USER] = 4026531837U;
		t[i].ns_owner[OSM_BNS_USER] = 4026531837U;
		t[i].cap_eff = 1ULL << 21;
		strcpy(t[i].comm, "a b");
	}
	for (i = 0; i < 3; i++) {
		f[i].files = 0x1111;
		f[i].file = 0x2222 + (i == 2);
		f[i].fd = i ? 1 : 0;		/* fd 1 seen twice */
		f[i].dev = 8 << 20 | 1;
		f[i].ino = 42;
		f[i].mode = S_IFREG | 0644;
		f[i].f_mode = 3;
		f[i].f_flags = 02;
	}
	v[0] = (struct osm_bvma){ .mm = 0xabcdef01, .start = 0x400000,
				  .end = 0x401000, .flags = 5,
				  .dev = 8 << 20 | 1, .ino = 42,
				  .mode = S_IFREG };
	c[0] = (struct osm_bcgroup){ .id = 1 };
	c[1] = (struct osm_bcgroup){ .id = 7, .parent = 1, .level = 1 };
	strcpy(c[1].name, "sys");

	r = osm__bpf_render(&w, &text, &len);
	CHECK(r == 0);
	if (r)
		goto out;
	CHECK(strstr(text, " backend=bpf unseen=") != NULL);
	g = osm_graph__parse(text, len);
	CHECK(g != NULL);
	if (!g)
		goto out_text;
	th = osm_graph__find(g, "thread:101");
	CHECK(th != NULL);
	CHECK(osm_graph__find(g, "process:100") != NULL);
	CHECK_STR(th ? osm_node__attr(th, "comm") : NULL, "a b");
	files = th ? edge_dst(th, "hold", "files") : NULL;
	CHECK_STR(files ? osm_node__attr(files, "fds") : NULL, "2");
	n = th ? edge_dst(th, "hold", "net_ns") : NULL;
	CHECK_STR(n ? osm_node__id(n) : NULL, "net_ns:4026531840");
	n = th ? edge_dst(th, "hold", "cgroup") : NULL;
	CHECK_STR(n ? osm_node__attr(n, "path") : NULL, "/sys");
	n = osm_graph__find(g, "vma:00000000abcdef01:400000");
	CHECK_STR(n ? osm_node__attr(n, "perm") : NULL, "r-xp");
	CHECK(n && edge_dst(n, "map", "inode") ==
	      osm_graph__find(g, "inode:8:1:42"));
	CHECK(files && osm_node__out_count(files) == 2);
	osm_graph__free(g);
out_text:
	free(text);
out:
	printf("%s - bpf backend text from records (%d checks)\n",
	       failures ? "not ok 1" : "ok 1", checks);
	printf("1..1\n");
	return failures ? 1 : 0;
}
