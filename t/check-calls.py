#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""check-calls.py BUILD - no call loop between the source files of lib/,
cmd/ and cgi/ (issue 13): a file that calls a function defined in another
file must not be called back by it, directly or through others.

The call graph comes from the built objects (nm: undefined symbols of one
object resolved to the object that defines them), so it sees what the
linker sees, including calls through macros.  Easy to get wrong: symbols
defined in several objects (none today) would make edges ambiguous; they
are reported.  Prints each loop (its files) and exits 1 when there is one.
"""
import collections, os, subprocess, sys

build = sys.argv[1] if len(sys.argv) > 1 else 'build'
status = 0
for part in ('lib', 'cmd', 'cgi'):
    top = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
    # objects of the sources that exist (a removed file's object may linger)
    objs = sorted(os.path.join(build, part, f[:-2] + '.o')
                  for f in os.listdir(os.path.join(top, part)) if f.endswith('.c')
                  and os.path.exists(os.path.join(build, part, f[:-2] + '.o')))
    defs, undef = {}, collections.defaultdict(set)
    for o in objs:
        out = subprocess.run(['nm', o], capture_output=True, text=True).stdout
        for line in out.splitlines():
            p = line.split()
            if len(p) == 3 and p[1] in 'TDBR' and p[2] != 'main':
                if p[2] in defs and defs[p[2]] != o:
                    print('%s: %s defined in %s and %s' % (part, p[2], defs[p[2]], o))
                defs[p[2]] = o
            elif len(p) == 2 and p[0] == 'U':
                undef[o].add(p[1])
    edges = collections.defaultdict(set)
    for o in objs:
        for sym in undef[o]:
            d = defs.get(sym)
            if d and d != o:
                edges[o].add(d)
    # strongly connected components (iterative Tarjan)
    index, low, on, stack, sccs, n = {}, {}, set(), [], [], [0]
    for root in objs:
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = n[0]; n[0] += 1; stack.append(root); on.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = n[0]; n[0] += 1; stack.append(w); on.add(w)
                    work.append((w, iter(sorted(edges[w]))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop(); on.discard(w); comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    sccs.append(comp)
    for comp in sccs:
        status = 1
        print('%s: call loop between %s' % (part, ', '.join(
            os.path.basename(c)[:-2] + '.c' for c in sorted(comp))))
    print('%s: %d files, %d call edges, %s' % (part, len(objs), sum(map(len, edges.values())),
                                              'loops found' if sccs else 'no loop'))
sys.exit(status)
