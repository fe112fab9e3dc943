#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""networkx side of `make bench-graph`: load a saved osmosis graph into a
networkx MultiDiGraph and answer `shared` for one PD, by the rules that
libosm-user/query.c documents, so the answer can be compared line for
line with libosm's (bench_load.c writes the same format).

Usage: nx_shared.py GRAPH PD ANSWER-FILE [TCB-FILE [TCB_STRIDE]]
Prints "key value" lines: load_s, load_maxrss_kib, shared_s, shared_pds;
with TCB-FILE also the TCB of every TCB_STRIDE-th process (default 50),
see tcb() below, written as bench_load.c writes libosm's.

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


# TCB(PD) = SharedResources(PD) u CanControl(PD) u servers, by the rules of
# libosm-user/query_tcb.c, query.md and control.md, at process granularity
# with ptrace_scope 1.  Servers ("request"/"serve" edges) are not
# implemented: a graph with such edges is refused.  The answer per entry:
# which parts hold (1 shared, 2 control), the control rules (1 parent,
# 2 tracer, 4 signal, 8 ptrace), the number of shared resources and the
# sum of their positions in the graph; access modes are not compared.
CAP_KILL, CAP_SYS_PTRACE, MAX_CHAIN = 5, 19, 64
R_PARENT, R_TRACER, R_SIGNAL, R_PTRACE = 1, 2, 4, 8


def num(d, key, base=10):
    v = d.get(key)
    try:
        return int(v, base) if v else None
    except ValueError:
        return None


def out_to(g, n, kind, typ):
    for dst, edges in g.succ[n].items():
        if g.nodes[dst]["type"] == typ and any(
                e["kind"] == kind for e in edges.values()):
            return dst
    return None


def thread_facts(g, t):
    """control.c's struct ctl_thread, as a dict."""
    a = g.nodes[t]["a"]
    proc = out_to(g, t, "member", "process")
    f = {"thread": t, "proc": proc, "kthread": proc is None or "kthread" in a,
         "tid": num(a, "tid") or 0, "tracer": num(a, "tracer") or 0,
         "pid": 0, "ppid": 0}
    if proc is not None:
        pa = g.nodes[proc]["a"]
        f["pid"] = num(pa, "pid") or 0
        f["ppid"] = num(pa, "ppid") or 0
    mm = out_to(g, t, "hold", "mm")
    d = num(g.nodes[mm]["a"], "dumpable") if mm is not None else None
    f["dumpable"] = d if d is not None else -1
    cred = out_to(g, t, "hold", "cred")
    c = g.nodes[cred]["a"] if cred is not None else {}
    keys = [("uid", 10), ("euid", 10), ("suid", 10), ("gid", 10),
            ("egid", 10), ("sgid", 10), ("cap_eff", 16), ("cap_prm", 16),
            ("userns", 10)]
    vals = [num(c, k, b) for k, b in keys]
    f["cred"] = cred is not None and None not in vals
    for (k, _), v in zip(keys, vals):
        f[k] = v
    f["ns"] = None
    if f["cred"]:
        ns = "user_ns:%d" % f["userns"]
        f["ns"] = ns if ns in g else None
        f["cred"] = f["ns"] is not None
    f["level"] = num(g.nodes[f["ns"]]["a"], "level") if f["ns"] else None
    return f


def capable_in(g, s, ns, cap):
    if not s["cred"] or ns is None or s["level"] is None:
        return False
    for _ in range(MAX_CHAIN):
        if ns == s["ns"]:
            return bool((s["cap_eff"] >> cap) & 1)
        lvl = num(g.nodes[ns]["a"], "level")
        if lvl is None or lvl <= s["level"]:
            return False
        parent = out_to(g, ns, "subset", "user_ns")
        if parent is None:
            return False
        if parent == s["ns"] and num(g.nodes[ns]["a"], "owner") == s["euid"]:
            return True
        ns = parent
    return False


def is_descendant(g, s, t):
    p = t["proc"]
    for _ in range(MAX_CHAIN):
        if p is None:
            return False
        if p == s["proc"]:
            return True
        ppid = num(g.nodes[p]["a"], "ppid")
        if not ppid:
            return False
        p = "process:%d" % ppid
        if p not in g:
            return False
    return False


def rules_over(g, s, t, scope=1):
    r = 0
    if t["proc"] and s["proc"] and t["ppid"] and s["pid"] == t["ppid"]:
        r |= R_PARENT
    if t["tracer"] and t["tracer"] == s["tid"]:
        r |= R_TRACER
    if s["cred"] and t["cred"]:
        if (s["euid"] in (t["suid"], t["uid"]) or
                s["uid"] in (t["suid"], t["uid"]) or
                capable_in(g, s, t["ns"], CAP_KILL)):
            r |= R_SIGNAL
        if not t["kthread"]:
            cap = lambda: capable_in(g, s, t["ns"], CAP_SYS_PTRACE)
            ok = (s["uid"] == t["uid"] == t["euid"] == t["suid"] and
                  s["gid"] == t["gid"] == t["egid"] == t["sgid"]) or cap()
            if ok and t["dumpable"] >= 0 and t["dumpable"] != 1:
                ok = cap()
            if ok and not (s["ns"] == t["ns"] and
                           not (t["cap_prm"] & ~s["cap_prm"])):
                ok = cap()
            if ok and (scope == 0 or (scope == 1 and (
                    is_descendant(g, s, t) or cap())) or
                    (scope == 2 and cap())):
                r |= R_PTRACE
    return r


def tcb_prepare(g, back):
    """What a batch keeps: every group's reach, every thread's facts."""
    if any(e["kind"] in ("request", "serve")
           for _, _, e in g.edges(data=True)):
        sys.exit("nx_shared.py: servers (request/serve) not implemented")
    groups = [n for n, d in g.nodes(data=True)
              if d["cls"] == "pd" and pd_parent(g, n) is None]
    reach = {grp: frozenset(r for r in walk(g, back, grp)
                            if g.nodes[r]["cls"] != "pd") for grp in groups}
    threads = [thread_facts(g, n) for n, d in g.nodes(data=True)
               if d["type"] == "thread" and d["cls"] == "pd"]
    return groups, reach, threads


def tcb(g, prep, pd, order):
    groups, reach, threads = prep
    mine = reach[pd]
    entries = {}
    for grp in groups:
        if grp == pd:
            continue
        res = mine & reach[grp]
        if res:
            entries[grp] = [1, 0, len(res), sum(order[r] for r in res)]
    targets = [t for t in threads if t["proc"] == pd]
    for s in threads:
        if s["kthread"] or s["proc"] == pd:
            continue
        r = 0
        for t in targets:
            r |= rules_over(g, s, t)
        if r:
            e = entries.setdefault(s["proc"], [0, 0, 0, 0])
            e[0] |= 2
            e[1] |= r
    return sorted(entries.items(), key=lambda kv: order[kv[0]])


def tcb_batch(g, back, order, path, stride):
    c0 = time.process_time()
    prep = tcb_prepare(g, back)
    c1 = time.process_time()
    procs = [n for n, d in g.nodes(data=True)
             if d["type"] == "process" and d["cls"] == "pd"]
    sample = procs[::stride]
    with open(path, "w") as f:
        c2 = time.process_time()
        for pd in sample:
            for e, (why, rules, nres, at) in tcb(g, prep, pd, order):
                f.write("tcb %s %s why=%d rules=%d res=%d at=%d\n" %
                        (pd, e, why, rules, nres, at))
        c3 = time.process_time()
    print("tcb_prepare_cpu_s %.3f" % (c1 - c0))
    print("tcb_processes %d" % len(procs))
    print("tcb_sample %d" % len(sample))
    print("tcb_sample_per_process_s %.6f" % ((c3 - c2) / max(len(sample), 1)))
    # A batch of every process pays the preparation once.
    print("tcb_per_process_s %.6f" %
          ((c1 - c0) / max(len(procs), 1) + (c3 - c2) / max(len(sample), 1)))


def main():
    if len(sys.argv) not in (4, 5, 6):
        sys.exit("usage: nx_shared.py GRAPH PD ANSWER-FILE "
                 "[TCB-FILE [TCB_STRIDE]]")
    path, pd, answer = sys.argv[1:4]
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
    if len(sys.argv) > 4:
        tcb_batch(g, back, order, sys.argv[4],
                  int(sys.argv[5]) if len(sys.argv) > 5 else 50)
        sys.stdout.flush()


if __name__ == "__main__":
    main()
