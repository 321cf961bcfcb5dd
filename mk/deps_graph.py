#!/usr/bin/env python3
"""Include circles: between subsystems (src/<subsystem>/) and between the
files of one subsystem.  `make lint` runs it; exit 1 on any circle.

A file's dependencies are its own header's and the headers it includes;
x.c and x.h are one module.  Internal headers (*_int.h) are the module
group's shared core and are not counted as a module of their own."""
import glob, os, re, sys

INC = re.compile(r'#include "([a-z_]+)/([a-z_0-9]+)\.h"')

def module(path):
    sub, name = path.split('/')[1], os.path.splitext(os.path.basename(path))[0]
    return sub, name

def scc(graph):
    index, low, stack, on, out, n = {}, {}, [], set(), [], [0]
    def visit(v):
        index[v] = low[v] = n[0]; n[0] += 1; stack.append(v); on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w); low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop(); on.discard(w); comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out

subs, mods = {}, {}
for path in sorted(glob.glob('src/*/*.[ch]')):
    sub, name = module(path)
    for m in INC.finditer(open(path).read()):
        isub, iname = m.group(1), m.group(2)
        if isub != sub:
            subs.setdefault(sub, set()).add(isub)
        elif iname != name and not iname.endswith('_int'):
            mods.setdefault((sub, name), set()).add((sub, iname))

bad = 0
for comp in scc(subs):
    print('include circle between subsystems: ' + ' -> '.join(comp))
    bad = 1
for comp in scc(mods):
    print('include circle in src/%s: %s' % (comp[0][0], ' -> '.join(n for _, n in comp)))
    bad = 1
sys.exit(bad)
