// SPDX-License-Identifier: GPL-2.0-only
/*
 * Sockets: what a socket inode is (family, type, protocol, state, its
 * network namespace, its addresses), and which socket it talks to.
 *
 * A socket is rendered as the inode its file is backed by (sockfs), so
 * the attributes go on that inode's node.  Unix sockets know their peer
 * (socketpair, connect, accept): the walk notes each peer as it meets a
 * socket and draws the "peer" edges at the end, since the peer may belong
 * to a process it has not reached yet.  The note costs one entry per
 * connected socket, charged to the reader and capped with the id set
 * (max_nodes).
 */
#include <linux/fs.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/tcp.h>
#include <net/af_unix.h>
#include <net/inet_sock.h>
#include <net/ipv6.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "osmosis.h"

static const char *const osm_families[] = {
	[AF_UNIX] = "unix", [AF_INET] = "inet", [AF_INET6] = "inet6",
	[AF_NETLINK] = "netlink", [AF_PACKET] = "packet",
	[AF_VSOCK] = "vsock",
};

static const char *const osm_sock_types[] = {
	[SOCK_STREAM] = "stream", [SOCK_DGRAM] = "dgram", [SOCK_RAW] = "raw",
	[SOCK_RDM] = "rdm", [SOCK_SEQPACKET] = "seqpacket",
	[SOCK_PACKET] = "packet",
};

/* sk_state, as TCP names it; unix sockets use the same values. */
static const char *const osm_sock_states[] = {
	[TCP_ESTABLISHED] = "established", [TCP_SYN_SENT] = "syn_sent",
	[TCP_SYN_RECV] = "syn_recv", [TCP_FIN_WAIT1] = "fin_wait1",
	[TCP_FIN_WAIT2] = "fin_wait2", [TCP_TIME_WAIT] = "time_wait",
	[TCP_CLOSE] = "close", [TCP_CLOSE_WAIT] = "close_wait",
	[TCP_LAST_ACK] = "last_ack", [TCP_LISTEN] = "listen",
	[TCP_CLOSING] = "closing", [TCP_NEW_SYN_RECV] = "new_syn_recv",
};

static void osm_attr_name(struct osm_reader *r, const char *key,
			  const char *const *names, size_t n, unsigned int v)
{
	if (v < n && names[v])
		osm_attr_str(r, key, names[v]);
	else
		osm_attr_u64(r, key, v);
}

/*
 * A unix socket's bound name as /proc/net/unix prints it: a path, or
 * "@" and the abstract name with each NUL byte shown as "@".
 */
static void osm_attr_unix_name(struct osm_reader *r, struct sock *sk)
{
	struct unix_address *addr;
	char *buf = r->pathbuf;
	int i, len;

	/* Pairs with the store-release that publishes a bound name. */
	addr = smp_load_acquire(&unix_sk(sk)->addr);
	if (!addr)
		return;
	len = addr->len - (int)offsetof(struct sockaddr_un, sun_path);
	len = clamp(len, 0, (int)sizeof(addr->name->sun_path));
	for (i = 0; i < len; i++)
		buf[i] = addr->name->sun_path[i] ? addr->name->sun_path[i] : '@';
	/* A path name is NUL-terminated within len; keep what precedes. */
	if (len && addr->name->sun_path[0])
		len = strnlen(addr->name->sun_path, len);
	buf[len] = '\0';
	if (len)
		osm_attr_str(r, "name", buf);
}

static void osm_attr_inet(struct osm_reader *r, struct sock *sk)
{
	const struct inet_sock *inet = inet_sk(sk);

	if (sk->sk_family == AF_INET) {
		osm_printf(r, " local=%pI4:%u remote=%pI4:%u",
			   &inet->inet_rcv_saddr, ntohs(inet->inet_sport),
			   &inet->inet_daddr, ntohs(inet->inet_dport));
		return;
	}
#if IS_ENABLED(CONFIG_IPV6)
	osm_printf(r, " local=[%pI6c]:%u remote=[%pI6c]:%u",
		   &sk->sk_v6_rcv_saddr, ntohs(inet->inet_sport),
		   &sk->sk_v6_daddr, ntohs(inet->inet_dport));
#endif
}

/**
 * osm_attr_sock() - append what a socket file's socket is.
 * @r: the reader.
 * @file: a file whose inode is a socket, referenced by the caller (which
 *	keeps the socket from being released).
 */
void osm_attr_sock(struct osm_reader *r, struct file *file)
{
	struct socket *sock = sock_from_file(file);
	struct sock *sk = sock ? READ_ONCE(sock->sk) : NULL;

	if (!sk)
		return;
	osm_attr_name(r, "family", osm_families, ARRAY_SIZE(osm_families),
		      sk->sk_family);
	osm_attr_name(r, "type", osm_sock_types, ARRAY_SIZE(osm_sock_types),
		      sk->sk_type);
	osm_attr_u64(r, "proto", sk->sk_protocol);
	osm_attr_name(r, "state", osm_sock_states,
		      ARRAY_SIZE(osm_sock_states), READ_ONCE(sk->sk_state));
	osm_attr_u64(r, "netns", sock_net(sk)->ns.inum);
	if (sk->sk_family == AF_UNIX)
		osm_attr_unix_name(r, sk);
	else if (sk->sk_family == AF_INET || sk->sk_family == AF_INET6)
		osm_attr_inet(r, sk);
}

/**
 * osm_note_peer() - remember whom a socket talks to, for the end.
 * @r: the reader.
 * @file: a socket file, referenced by the caller.
 * @id: the node of its (sockfs) inode, emitted.
 *
 * Context: may sleep; no lock held.
 */
void osm_note_peer(struct osm_reader *r, struct file *file,
		   const struct osm_id *id)
{
	struct socket *sock = sock_from_file(file);
	struct sock *sk = sock ? READ_ONCE(sock->sk) : NULL;
	struct osm_peers *p = &r->peers;
	struct osm_peer *slots;
	struct sock *peer;
	unsigned long ino;
	size_t cap;

	if (r->err || !sk || sk->sk_family != AF_UNIX)
		return;
	peer = unix_peer_get(sk);
	if (!peer)
		return;
	ino = sock_i_ino(peer);	/* 0 once the peer is closed */
	sock_put(peer);
	if (!ino)
		return;
	if (p->nr == p->cap) {
		if (p->nr >= osm_max_nodes) {
			r->err = -E2BIG;
			return;
		}
		cap = p->cap ? p->cap * 2 : 64;
		slots = kvmalloc_array(cap, sizeof(*slots), OSM_GFP_WALK);
		if (!slots) {
			r->err = -ENOMEM;
			return;
		}
		if (p->nr)
			memcpy(slots, p->slots, p->nr * sizeof(*slots));
		kvfree(p->slots);
		p->slots = slots;
		p->cap = cap;
	}
	/* The peer lives on the same sockfs superblock: same device. */
	p->slots[p->nr++] = (struct osm_peer){ .src = *id, .ino = ino };
}

/*
 * A peer the walk did not render (its holder is out of scope, or no
 * process holds it) is declared with what is known of it, for a reader
 * who may see every socket; for any other reader it gets no edge.
 */
static bool osm_emit_bare_peer(struct osm_reader *r, const struct osm_id *id)
{
	int ret;

	if (!r->full_view || !osm_want(r, OSM_T_INODE))
		return false;
	ret = osm_idset_add(&r->ids, id);
	if (ret < 0)
		r->err = ret;
	if (ret <= 0 || !osm_node_begin(r, id))
		return false;
	osm_printf(r, " dev=%u:%u ino=%llu ftype=sock\n", MAJOR((u32)id->a),
		   MINOR((u32)id->a), id->b);
	return true;
}

/**
 * osm_emit_peers() - the "peer" edges between sockets this walk rendered,
 * from where the last call stopped, until the chunk is full.
 * @r: the reader, at the end of its walk.
 *
 * A peer the walk did not render gets a bare node of its own when the
 * reader has the full view, else no edge.
 *
 * Return: true when every noted peer is done.
 */
bool osm_emit_peers(struct osm_reader *r)
{
	struct osm_peers *p = &r->peers;
	struct osm_id dst;

	for (; p->next < p->nr; p->next++) {
		if (osm_chunk_full(r))
			return !!r->err;
		dst = (struct osm_id){ .type = OSM_T_INODE,
				       .a = (u32)p->slots[p->next].src.a,
				       .b = p->slots[p->next].ino };
		if (!osm_idset_find(&r->ids, &dst) && !osm_emit_bare_peer(r, &dst))
			continue;
		osm_edge_begin(r, &p->slots[p->next].src, OSM_EDGE_PEER, &dst);
		osm_end_line(r);
	}
	osm_peers_free(p);
	return true;
}

/**
 * osm_peers_free() - drop the noted peers.
 * @p: the list; left empty.
 */
void osm_peers_free(struct osm_peers *p)
{
	kvfree(p->slots);
	*p = (struct osm_peers){};
}
