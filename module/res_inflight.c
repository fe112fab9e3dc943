// SPDX-License-Identifier: GPL-2.0-only
/*
 * Descriptors in flight: an open file sent over a unix socket with
 * SCM_RIGHTS stays open, held by the message, until the receiver takes it
 * with recvmsg(2) (or the message is dropped).  Until then no descriptor
 * table holds it, yet whoever receives from that socket will: the walk
 * draws an "inflight" edge from the receiving socket's inode to each file
 * in its queue.
 *
 * The files are read from the socket's receive queue, under the queue's
 * lock, from the control block af_unix keeps in each message
 * (UNIXCB(skb).fp, a struct scm_fp_list).  There is no exported accessor:
 * the layout comes from the public headers include/net/af_unix.h and
 * include/net/scm.h, which both Debian kernels ship, and this file is the
 * only one that depends on it.  Each file is referenced under the lock
 * (the message holds it, so it cannot be freed meanwhile) and rendered
 * after it is dropped.  The queue of a listening socket holds connection
 * requests, not files; the embryo sockets of unaccepted connections are
 * not searched.  /proc shows no process's files in flight, so only a
 * reader with the full view gets them.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/net.h>
#include <linux/sched/task.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <net/af_unix.h>
#include <net/scm.h>
#include <net/sock.h>

#include "compat.h"
#include "osmosis.h"

/* The unix socket behind @file, or NULL. */
static struct sock *osm_unix_sk(struct file *file)
{
	struct socket *sock = sock_from_file(file);
	struct sock *sk = sock ? READ_ONCE(sock->sk) : NULL;

	return sk && sk->sk_family == AF_UNIX ? sk : NULL;
}

/*
 * Reference up to @max files of @sk's queue into @out; the count of all
 * files queued.  With @find, only look for that one file: 1 if queued.
 */
static size_t osm_queue_files(struct sock *sk, struct file **out, size_t max,
			      const struct file *find)
{
	struct sk_buff_head *q = &sk->sk_receive_queue;
	struct scm_fp_list *fpl;
	struct sk_buff *skb;
	size_t n = 0;
	int i;

	spin_lock(&q->lock);
	skb_queue_walk(q, skb) {
		fpl = UNIXCB(skb).fp;
		for (i = 0; fpl && i < fpl->count; i++) {
			if (find) {
				if (fpl->fp[i] == find) {
					n = 1;
					goto out_unlock;
				}
				continue;
			}
			if (n < max)
				out[n] = get_file(fpl->fp[i]);
			n++;
		}
	}
out_unlock:
	spin_unlock(&q->lock);
	return n;
}

/**
 * osm_inflight_has() - does @holder's descriptor @fd still hold a unix
 * socket with @obj in its receive queue?
 * @holder: a task, referenced by the caller.
 * @fd: the socket's descriptor (without OSM_FD_INFLIGHT).
 * @obj: an open file, kept alive by the caller; compared, not used.
 *
 * Context: may sleep; not under rcu_read_lock() or task_lock.
 * Return: true if it does.
 */
bool osm_inflight_has(struct task_struct *holder, unsigned int fd,
		      const void *obj)
{
	unsigned int at = fd;
	struct file *f = osm_next_file(holder, &at);
	struct sock *sk;
	bool same = false;

	if (!f)
		return false;
	sk = at == fd ? osm_unix_sk(f) : NULL;
	if (sk)
		same = osm_queue_files(sk, NULL, 0, obj) == 1;
	fput(f);
	return same;
}

/**
 * osm_emit_inflight() - the files in flight to a unix socket, each with
 * an "inflight" edge from the socket's inode.
 * @r: the reader.
 * @holder: the task whose descriptor @fd is the socket.
 * @fd: that descriptor.
 * @file: the socket's file, referenced by the caller.
 * @sock_id: the socket inode's node, emitted.
 *
 * The files are counted first, then referenced into an array of that
 * many (a queue that grew in between is cut at the count; the files are
 * nodes, so the id set's max_nodes caps them too).
 *
 * Context: may sleep; no lock held.
 */
void osm_emit_inflight(struct osm_reader *r, struct task_struct *holder,
		       unsigned int fd, struct file *file,
		       const struct osm_id *sock_id)
{
	struct sock *sk = osm_unix_sk(file);
	struct file **files;
	struct osm_id id;
	size_t n, i;

	/* /proc shows these to nobody: only the full view has them. */
	if (!sk || r->err || !r->full_view || !osm_want(r, OSM_T_FILE))
		return;
	n = osm_queue_files(sk, NULL, 0, NULL);
	if (!n)
		return;
	if (n > osm_max_nodes) {
		r->err = -E2BIG;
		return;
	}
	files = kvmalloc_array(n, sizeof(*files), GFP_KERNEL_ACCOUNT);
	if (!files) {
		r->err = -ENOMEM;
		return;
	}
	n = min(n, osm_queue_files(sk, files, n, NULL));
	for (i = 0; i < n; i++) {
		if (osm_emit_file(r, holder, fd | OSM_FD_INFLIGHT, files[i],
				  &id)) {
			osm_edge_begin(r, sock_id, OSM_EDGE_INFLIGHT, &id);
			osm_end_line(r);
		}
		fput(files[i]);
	}
	kvfree(files);
}
