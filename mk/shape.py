#!/usr/bin/env python3
"""The shape of src/, checked by `make lint`:

  - no include circle between subsystems (src/<subsystem>/), nor between
    the modules of one subsystem (x.c and x.h are one module; *_int.h, a
    module group's shared core, is not a module of its own);
  - no file over 900 lines;
  - no function over 120 lines, except a parser's state machine whose
    comment says so ("state machine" in the comment above it).

Exit 1 with one line per problem."""
import glob, os, re, sys

FILE_MAX, FUNC_MAX = 900, 120
INC = re.compile(r'#include "([a-z_]+)/([a-z_0-9]+)\.h"')


def scc(graph):
    index, low, stack, on, out, n = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = n[0]
        n[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def functions(path, lines):
    """(name, first line, length, comment above) of each function."""
    i = 0
    while i < len(lines):
        if lines[i] == '{' and i > 0:
            j = i - 1
            while j > 0 and not re.match(r'^[A-Za-z_]', lines[j]):
                j -= 1
            sig = lines[j]
            m = re.search(r'([A-Za-z_][A-Za-z_0-9]*)\s*\(', sig)
            k = i + 1
            while k < len(lines) and lines[k] != '}':
                k += 1
            c = j - 1
            comment = []
            while c >= 0 and (lines[c].startswith(('/*', ' *')) or lines[c].endswith('*/')):
                comment.insert(0, lines[c])
                c -= 1
            yield (m.group(1) if m else sig, j + 1, k - i - 1, '\n'.join(comment))
            i = k
        i += 1


problems = []
subs, mods = {}, {}
for path in sorted(glob.glob('src/*/*.[ch]')):
    text = open(path).read()
    lines = text.split('\n')
    sub, name = path.split('/')[1], os.path.splitext(os.path.basename(path))[0]
    for m in INC.finditer(text):
        isub, iname = m.group(1), m.group(2)
        if isub != sub:
            subs.setdefault(sub, set()).add(isub)
        elif iname != name and not iname.endswith('_int'):
            mods.setdefault((sub, name), set()).add((sub, iname))
    if len(lines) - 1 > FILE_MAX:
        problems.append('%s: %d lines (at most %d)' % (path, len(lines) - 1, FILE_MAX))
    if path.endswith('.c'):
        for fn, line, n, comment in functions(path, lines):
            if n > FUNC_MAX and 'state machine' not in comment:
                problems.append('%s:%d: %s() is %d lines (at most %d)' % (path, line, fn, n, FUNC_MAX))

for comp in scc(subs):
    problems.append('include circle between subsystems: ' + ' -> '.join(comp))
for comp in scc(mods):
    problems.append('include circle in src/%s: %s' % (comp[0][0], ' -> '.join(n for _, n in comp)))
for p in problems:
    print(p)
sys.exit(1 if problems else 0)
