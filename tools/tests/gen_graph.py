#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
#
# A synthetic graph in the format of uapi/graph-format.md, for the export
# checks and the -j graph speed measure of tools/tests (not the full
# benchmark generator): PROCS processes of THREADS threads, each with
# VMAS regions (some mapping shared libraries) and FILES descriptors (some
# open files shared with the previous process), namespaces, cgroups and
# credentials, and values that need escaping in every output format.
#
#   tools/tests/gen_graph.py [--procs N] [--threads T] [--vmas R]
#                            [--files F] [--seed S] > big.graph
import argparse
import random
import sys

# Graph-format escaped values: space, tab, newline, backslash, UTF-8,
# invalid UTF-8, U+FFFE, markup and CSV characters.
ODD = ['my\\x20prog', 'caf\\xc3\\xa9', 'a&b<c>"d\'e,f', 'tab\\x09x',
       'bad\\xff', 'back\\x5cslash', 'line\\x0anext', '\\xe2\\x82\\xac',
       'nc\\xef\\xbf\\xbe', 'cr\\x0d']
COMMS = ['bash', 'sshd'] + ODD + ['python3', 'systemd', 'nginx', 'postgres']
NS = ['mnt_ns', 'uts_ns', 'ipc_ns', 'pid_ns', 'net_ns', 'cgroup_ns',
      'time_ns']


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--procs', type=int, default=100)
    ap.add_argument('--threads', type=int, default=3)
    ap.add_argument('--vmas', type=int, default=40)
    ap.add_argument('--files', type=int, default=10)
    ap.add_argument('--seed', type=int, default=1)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    out = []
    w = out.append
    counts = [0, 0]

    def node(nid, cls, *attrs):
        counts[0] += 1
        w('node %s %s%s\n' % (nid, cls, ''.join(' ' + x for x in attrs)))

    def edge(src, kind, dst, *attrs):
        counts[1] += 1
        w('edge %s %s %s%s\n' % (src, kind, dst,
                                 ''.join(' ' + x for x in attrs)))

    w('osmosis-graph 1.5 epoch=00000000deadbeef pid_ns=4026531836 '
      'view=full\n')
    node('kernel:0', 'pd', 'name=kernel')
    node('user_ns:4026531837', 'res', 'inum=4026531837', 'level=0',
         'owner=0')
    nets = []
    for i, t in enumerate(NS):
        inum = 4026531838 + i
        node('%s:%d' % (t, inum), 'res', 'inum=%d' % inum)
        edge('%s:%d' % (t, inum), 'owner', 'user_ns:4026531837')
    for i in range(4):		# containers' network namespaces
        inum = 4026532000 + i
        nets.append('net_ns:%d' % inum)
        node(nets[-1], 'res', 'inum=%d' % inum)
    node('cgroup:1', 'res', 'id=1', 'path=/')
    for c in range(2, 10):
        node('cgroup:%d' % c, 'res', 'id=%d' % c,
             'path=/system.slice/s%d.service' % c)
        edge('cgroup:%d' % c, 'subset', 'cgroup:1')
    libs = []
    for i in range(30):
        libs.append('inode:8:1:%d' % (5000 + i))
        name = '/usr/lib/lib%d%s.so' % (i, ODD[i % len(ODD)] if i % 3 == 0
                                       else '')
        node(libs[-1], 'res', 'dev=8:1', 'ino=%d' % (5000 + i), 'ftype=reg',
             'path=' + name)
    for k in range(2):
        node('thread:%d' % (2 + k), 'pd', 'tid=%d' % (2 + k),
             'tgid=%d' % (2 + k), 'comm=kworker/%d' % k, 'kthread=1')
        edge('thread:%d' % (2 + k), 'member', 'kernel:0')
        edge('thread:%d' % (2 + k), 'hold', 'mnt_ns:4026531838', 'mode=rw')
    prev_files = []
    for p in range(a.procs):
        pid = 1000 + p * (a.threads + 1)
        h = '%016x' % rnd.getrandbits(64)
        comm = COMMS[p % len(COMMS)]
        uid = rnd.choice([0, 1000, 1001])
        node('process:%d' % pid, 'pd', 'pid=%d' % pid,
             'ppid=%d' % (1000 if p else 1), 'comm=' + comm,
             'uid=%d' % uid, 'euid=%d' % uid, 'gid=%d' % uid,
             'egid=%d' % uid)
        node('cred:' + h, 'res', 'uid=%d' % uid, 'euid=%d' % uid,
             'cap_eff=%016x' % (0x1ffffffffff if not uid else 0),
             'userns=4026531837')
        node('mm:' + h, 'res', 'vmas=%d' % a.vmas, 'dumpable=1')
        for v in range(a.vmas):
            start = 0x400000 + v * 0x10000
            vid = 'vma:%s:%x' % (h, start)
            lib = libs[rnd.randrange(len(libs))] if v % 2 else None
            attrs = ['start=0x%x' % start, 'end=0x%x' % (start + 0x8000),
                     'perm=' + rnd.choice(['r-xp', 'rw-p', 'r--p']),
                     'pgoff=0x0']
            if lib:
                attrs += ['dev=8:1', 'ino=' + lib.split(':')[3]]
            node(vid, 'res', *attrs)
            edge(vid, 'subset', 'mm:' + h)
            if lib:
                edge(vid, 'map', lib)
        node('files:' + h, 'res', 'fds=%d' % a.files)
        files = []
        for f in range(a.files):
            if f < 3 and prev_files:	# inherited stdio
                files.append(prev_files[f])
                continue
            fid = 'file:%s%04x' % (h[:12], f)
            files.append(fid)
            ino = 'inode:0:25:%d' % (pid * 64 + f)
            node(fid, 'res', 'mode=' + rnd.choice(['r', 'w', 'rw']),
                 'flags=02', 'pos=%d' % rnd.randrange(1 << 20), 'ftype=reg')
            node(ino, 'res', 'dev=0:25', 'ino=%d' % (pid * 64 + f),
                 'ftype=reg', 'path=/tmp/%s/%d' % (comm, f))
            edge(fid, 'map', ino)
        for f, fid in enumerate(files):
            edge('files:' + h, 'map', fid, 'fd=%d' % f, 'mode=rw')
        prev_files = files
        node('fs:' + h, 'res', 'root=/', 'cwd=/home/' + comm)
        node('sighand:' + h, 'res')
        net = nets[p % len(nets)] if p % 5 == 0 else 'net_ns:4026531842'
        for t in range(a.threads):
            tid = pid + t
            tn = 'thread:%d' % tid
            node(tn, 'pd', 'tid=%d' % tid, 'tgid=%d' % pid,
                 'comm=' + comm, 'no_new_privs=0', 'seccomp=0', 'tracer=0')
            edge(tn, 'member', 'process:%d' % pid)
            for r in ('mm', 'files', 'fs', 'sighand'):
                edge(tn, 'hold', '%s:%s' % (r, h), 'mode=rw')
            edge(tn, 'hold', 'cred:' + h, 'mode=r')
            for i, ns in enumerate(NS):
                nid = net if ns == 'net_ns' else '%s:%d' % (ns,
                                                            4026531838 + i)
                edge(tn, 'hold', nid, 'mode=' + ('rw' if not uid else 'r'))
            edge(tn, 'hold', 'cgroup:%d' % (2 + p % 8), 'mode=r')
        if len(out) > 4096:
            sys.stdout.write(''.join(out))
            out.clear()
    w('end nodes=%d edges=%d\n' % tuple(counts))
    sys.stdout.write(''.join(out))


main()
