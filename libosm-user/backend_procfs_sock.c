// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * The procfs backend's sockets: what the module reads from a socket
 * (family, type, state, names, the unix peer) asked of sock_diag
 * (NETLINK_SOCK_DIAG): unix_diag with UDIAG_SHOW_PEER, inet_diag for TCP
 * and UDP over IPv4 and IPv6.  sock_diag answers for the caller's network
 * namespace only: sockets of other namespaces get no attributes.
 */
#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "backend_procfs.h"

static const char *const families[] = {
	[AF_UNIX] = "unix", [AF_INET] = "inet", [AF_INET6] = "inet6",
};
static const char *const types[] = {
	[SOCK_STREAM] = "stream", [SOCK_DGRAM] = "dgram", [SOCK_RAW] = "raw",
	[SOCK_RDM] = "rdm", [SOCK_SEQPACKET] = "seqpacket",
};
/* The TCP state names, which unix sockets use too (module/res_sock.c). */
static const char *const states[] = {
	[1] = "established", [2] = "syn_sent", [3] = "syn_recv",
	[4] = "fin_wait1", [5] = "fin_wait2", [6] = "time_wait",
	[7] = "close", [8] = "close_wait", [9] = "last_ack",
	[10] = "listen", [11] = "closing", [12] = "new_syn_recv",
};

static struct pf_sock *new_sock(struct pf_walk *w, size_t *cap)
{
	struct pf_sock *s;

	if (w->nsocks == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		s = realloc(w->socks, *cap * sizeof(*s));
		if (!s)
			return NULL;
		w->socks = s;
	}
	s = &w->socks[w->nsocks++];
	memset(s, 0, sizeof(*s));
	s->netns = w->netns;
	return s;
}

static int add_unix(struct pf_walk *w, size_t *cap, struct nlmsghdr *h)
{
	struct unix_diag_msg *m = NLMSG_DATA(h);
	int len = h->nlmsg_len - NLMSG_LENGTH(sizeof(*m));
	struct rtattr *a = (struct rtattr *)(m + 1);
	struct pf_sock *s = new_sock(w, cap);
	size_t i, n;

	if (!s)
		return -ENOMEM;
	s->ino = m->udiag_ino;
	s->family = AF_UNIX;
	s->type = m->udiag_type;
	s->state = m->udiag_state;
	for (; RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == UNIX_DIAG_PEER)
			s->peer = *(__u32 *)RTA_DATA(a);
		if (a->rta_type != UNIX_DIAG_NAME || !RTA_PAYLOAD(a))
			continue;
		n = RTA_PAYLOAD(a);
		s->name = malloc(n + 1);
		if (!s->name)
			return -ENOMEM;
		memcpy(s->name, RTA_DATA(a), n);
		/* As /proc/net/unix: an abstract name's NULs as '@'. */
		if (s->name[0])
			n = strnlen(s->name, n);
		for (i = 0; i < n; i++)
			s->name[i] = s->name[i] ? s->name[i] : '@';
		s->name[n] = '\0';
	}
	return 0;
}

static void addr(char *out, size_t n, int family, const __be32 *a, __be16 p)
{
	char ip[INET6_ADDRSTRLEN] = "?";

	inet_ntop(family, a, ip, sizeof(ip));
	snprintf(out, n, family == AF_INET6 ? "[%s]:%u" : "%s:%u", ip,
		 ntohs(p));
}

static int add_inet(struct pf_walk *w, size_t *cap, struct nlmsghdr *h,
		    int proto)
{
	struct inet_diag_msg *m = NLMSG_DATA(h);
	struct pf_sock *s;

	if (!m->idiag_inode)
		return 0;	/* time_wait, or no socket file */
	s = new_sock(w, cap);
	if (!s)
		return -ENOMEM;
	s->ino = m->idiag_inode;
	s->family = m->idiag_family;
	s->type = proto == IPPROTO_TCP ? SOCK_STREAM : SOCK_DGRAM;
	s->proto = proto;
	s->state = m->idiag_state;
	addr(s->local, sizeof(s->local), s->family, m->id.idiag_src,
	     m->id.idiag_sport);
	addr(s->remote, sizeof(s->remote), s->family, m->id.idiag_dst,
	     m->id.idiag_dport);
	return 0;
}

/* One SOCK_DIAG_BY_FAMILY dump; each answer to add_unix or add_inet. */
static int dump(struct pf_walk *w, size_t *cap, int family, int proto)
{
	struct {
		struct nlmsghdr h;
		union {
			struct unix_diag_req u;
			struct inet_diag_req_v2 i;
		};
	} req = {
		.h.nlmsg_len = sizeof(req),
		.h.nlmsg_type = SOCK_DIAG_BY_FAMILY,
		.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
	};
	static char buf[32768] __attribute__((aligned(4)));
	int fd, err = 0, done = 0;
	struct nlmsghdr *h;
	ssize_t n;

	if (family == AF_UNIX) {
		req.u.sdiag_family = AF_UNIX;
		req.u.udiag_states = ~0U;
		req.u.udiag_show = UDIAG_SHOW_NAME | UDIAG_SHOW_PEER;
	} else {
		req.i.sdiag_family = family;
		req.i.sdiag_protocol = proto;
		req.i.idiag_states = ~0U;
	}
	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return 0;	/* no sock_diag: sockets without attributes */
	if (send(fd, &req, sizeof(req), 0) != sizeof(req))
		goto out;
	while (!done && !err && (n = recv(fd, buf, sizeof(buf), 0)) > 0) {
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_DONE ||
			    h->nlmsg_type == NLMSG_ERROR) {
				done = 1;
				break;
			}
			err = family == AF_UNIX ? add_unix(w, cap, h) :
						  add_inet(w, cap, h, proto);
			if (err)
				break;
		}
	}
out:
	close(fd);
	return err;
}

static int by_ino(const void *a, const void *b)
{
	const struct pf_sock *x = a, *y = b;

	return (x->ino > y->ino) - (x->ino < y->ino);
}

int pf_socks(struct pf_walk *w)
{
	static const int inet[][2] = {
		{ AF_INET, IPPROTO_TCP }, { AF_INET6, IPPROTO_TCP },
		{ AF_INET, IPPROTO_UDP }, { AF_INET6, IPPROTO_UDP },
	};
	size_t cap = 0, i;
	struct stat st;
	int err, fd;

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && !fstat(fd, &st))
		w->sockdev = st.st_dev;
	if (fd >= 0)
		close(fd);
	err = dump(w, &cap, AF_UNIX, 0);
	for (i = 0; !err && i < ARRAY_SIZE(inet); i++)
		err = dump(w, &cap, inet[i][0], inet[i][1]);
	if (w->nsocks)
		qsort(w->socks, w->nsocks, sizeof(*w->socks), by_ino);
	return err;
}

const struct pf_sock *pf_sock_find(const struct pf_walk *w,
				   unsigned long ino)
{
	struct pf_sock key = { .ino = ino };

	if (!w->nsocks)
		return NULL;
	return bsearch(&key, w->socks, w->nsocks, sizeof(key), by_ino);
}

void pf_socks_free(struct pf_walk *w)
{
	size_t i;

	for (i = 0; i < w->nsocks; i++)
		free(w->socks[i].name);
	free(w->socks);
	w->socks = NULL;
	w->nsocks = 0;
}

static void name_attr(struct pf_walk *w, const char *key,
		      const char *const *names, size_t n, unsigned int v)
{
	if (v < n && names[v])
		osm_text_attr(&w->t, key, names[v]);
	else
		osm_text_printf(&w->t, " %s=%u", key, v);
}


void pf_emit_sock_attrs(struct pf_walk *w, const struct pf_sock *s)
{
	name_attr(w, "family", families, ARRAY_SIZE(families), s->family);
	name_attr(w, "type", types, ARRAY_SIZE(types), s->type);
	osm_text_printf(&w->t, " proto=%u", s->proto);
	name_attr(w, "state", states, ARRAY_SIZE(states), s->state);
	osm_text_printf(&w->t, " netns=%u", s->netns);
	if (s->family == AF_UNIX && s->name)
		osm_text_attr(&w->t, "name", s->name);
	if (s->family != AF_UNIX) {
		osm_text_attr(&w->t, "local", s->local);
		osm_text_attr(&w->t, "remote", s->remote);
	}
}

/*
 * Unix peers, after every node as the module draws them: an end the
 * walk did not render is declared bare for a view=full reader, else
 * left without an edge.
 */
void pf_emit_peers(struct pf_walk *w)
{
	char src[64], dst[64];
	size_t i;

	for (i = 0; i < w->nsocks; i++) {
		const struct pf_sock *s = &w->socks[i];

		if (s->family != AF_UNIX || !s->peer)
			continue;
		snprintf(src, sizeof(src), "inode:%u:%u:%lu",
			 major(w->sockdev), minor(w->sockdev), s->ino);
		snprintf(dst, sizeof(dst), "inode:%u:%u:%lu",
			 major(w->sockdev), minor(w->sockdev), s->peer);
		if (!osm_text_declared(&w->t, src))
			continue;
		if (!osm_text_declared(&w->t, dst)) {
			if (!w->full)
				continue;
			osm_text_node(&w->t, dst, "res");
			osm_text_printf(&w->t, " dev=%u:%u ino=%lu ftype=sock\n",
					major(w->sockdev), minor(w->sockdev),
					s->peer);
		}
		osm_text_edge(&w->t, src, OSM_EDGE_PEER, dst);
		osm_text_eol(&w->t);
	}
}
