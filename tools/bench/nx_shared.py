#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""networkx side of `make bench-graph`: load a saved osmosis graph into a
networkx MultiDiGraph and answer `shared` for one PD, by the rules that
libosm-user/query.c documents, so the answer can be compared line for
line with libosm's (bench_load.c writes the same format).

Usage: nx_shared.py GRAPH PD ANSWER-FILE
Prints "key value" lines: load_s, load_maxrss_kib, shared_s, shared_pds.

The rules (query.c, graph-format.md "Reachability"):
  * a walk from a PD follows, from every node it reaches, "hold", "map"
    and "peer" edges forward to resources (never to a PD), "member" edges
    backward from a PD to a PD (a process reaches what its threads do),
    and "subset" edges backward into parts of another type (holding an mm
    reaches its regions; a subset edge between two nodes of one type is a
    tree edge and is not followed);
  * a PD's group is the outermost PD it is a member of (thread ->
    process, kthread -> kernel), at most 16 levels up, through its first
    "member" edge to a PD;
  * shared(PD): the resources (non-PD nodes) PD reaches; then for every
    group in graph order other than PD's own (a PD with no "member" edge
    to a PD), the part of those resources it reaches, in graph order,
    when not empty.
"""
import resource
import sys
import time
from collections import deque

import networkx as nx

MAX_NESTING = 16


def unescape(v):
    if "\\" not in v:
        return v
    out = bytearray()
    b = v.encode("latin-1", "surrogateescape")
    i = 0
    while i < len(b):
        if b[i] == 0x5C:
            out.append(int(b[i + 2:i + 4], 16))
            i += 4
        else:
            out.append(b[i])
            i += 1
    return out.decode("utf-8", "surrogateescape")


def attrs(fields):
    d = {}
    for f in fields:
        k, _, v = f.partition("=")
        d[k] = unescape(v)
    return d


def load(path):
    """The graph, and a second one of the edges walks follow backward
    ("member", "subset"): networkx keeps no per-kind in-lists, and a
    shared library's inode has one "map" in-edge per region that maps it.
    """
    g = nx.MultiDiGraph()
    back = nx.MultiDiGraph()
    with open(path, "r", encoding="latin-1", newline="\n") as f:
        for line in f:
            w = line.rstrip("\n").split(" ")
            if w[0] == "node":
                g.add_node(w[1], cls=w[2], type=w[1].split(":", 1)[0],
                           a=attrs(w[3:]))
            elif w[0] == "edge":
                g.add_edge(w[1], w[3], key=None, kind=w[2], a=attrs(w[4:]))
                if w[2] in ("member", "subset"):
                    back.add_edge(w[1], w[3], kind=w[2])
    return g, back


def walk(g, back, start):
    nodes = g.nodes
    seen = {start}
    queue = deque([start])
    while queue:
        n = queue.popleft()
        nd = nodes[n]
        if n in back:
            for src, edges in back.pred[n].items():
                sd = nodes[src]
                for e in edges.values():
                    if e["kind"] == "member":
                        ok = nd["cls"] == "pd" and sd["cls"] == "pd"
                    else:
                        ok = sd["cls"] != "pd" and sd["type"] != nd["type"]
                    if ok and src not in seen:
                        seen.add(src)
                        queue.append(src)
        for dst, edges in g.succ[n].items():
            if nodes[dst]["cls"] == "pd" or dst in seen:
                continue
            if any(e["kind"] in ("hold", "map", "peer")
                   for e in edges.values()):
                seen.add(dst)
                queue.append(dst)
    return seen


def pd_parent(g, n):
    for dst, edges in g.succ[n].items():
        for e in edges.values():
            if e["kind"] == "member" and g.nodes[dst]["cls"] == "pd":
                return dst
    return None


def pd_group(g, n):
    for _ in range(MAX_NESTING):
        up = pd_parent(g, n)
        if up is None:
            break
        n = up
    return n


def shared(g, back, pd, order):
    mine = {r for r in walk(g, back, pd) if g.nodes[r]["cls"] != "pd"}
    out = []
    if not mine:
        return out
    own = pd_group(g, pd)
    for grp, nd in g.nodes(data=True):
        if grp == own or nd["cls"] != "pd" or pd_parent(g, grp) is not None:
            continue
        res = sorted(mine & walk(g, back, grp), key=order.__getitem__)
        if res:
            out.append((grp, res))
    return out


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: nx_shared.py GRAPH PD ANSWER-FILE")
    path, pd, answer = sys.argv[1:]
    t0 = time.monotonic()
    g, back = load(path)
    t1 = time.monotonic()
    print("load_s %.3f" % (t1 - t0))
    print("load_maxrss_kib %d" %
          resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    order = {n: i for i, n in enumerate(g.nodes)}
    t1 = time.monotonic()
    res = shared(g, back, pd, order)
    t2 = time.monotonic()
    print("shared_s %.4f" % (t2 - t1))
    print("shared_pds %d" % len(res))
    with open(answer, "w") as f:
        for grp, rs in res:
            f.write("share %s %s\n" % (grp, " ".join(rs)))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
