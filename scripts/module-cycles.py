#!/usr/bin/env python3
"""Module-level import graph of sanctum-core: an edge A -> B for every path `crate::B...` (or
`crate::Name` re-exported at the root from B) in module A's code (comments and `#[cfg(test)] mod
tests` left out). Fails when the graph has a cycle."""
import os, re, sys

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
src = os.path.join(root, 'sanctum-core', 'src')

def code(text):
    cut = text.find('#[cfg(test)]\nmod tests')
    if cut >= 0:
        text = text[:cut]
    return '\n'.join(line.split('//')[0] for line in text.split('\n'))

lib = code(open(os.path.join(src, 'lib.rs')).read())
reexported = {}
for module, names in re.findall(r'pub use (\w+)::\{([^}]*)\}', lib):
    for name in re.split(r'[\s,]+', names):
        if name:
            reexported[name] = module
for module, name in re.findall(r'pub use (\w+)::(\w+);', lib):
    reexported[name] = module

edges = {}
for folder, _, files in os.walk(src):
    for file in files:
        if not file.endswith('.rs'):
            continue
        path = os.path.join(folder, file)
        parts = os.path.relpath(path, src)[:-3].split(os.sep)
        if parts == ['lib']:
            continue
        module = parts[0]
        text = code(open(path).read())
        # `use crate::{a::X, b}` groups, then every other `crate::x` path
        targets = []
        for group in re.findall(r'crate::\{([^}]*)\}', text):
            targets += re.findall(r'(?:^|[\s,{])(\w+)', group)
        targets += re.findall(r'crate::(\w+)', text)
        for target in targets:
            target = reexported.get(target, target)
            if target != module and os.path.exists(os.path.join(src, target + '.rs')) or \
                    os.path.isdir(os.path.join(src, target)):
                if target != module:
                    edges.setdefault(module, set()).add(target)

def cycle():
    state = {}
    stack = []
    def visit(node):
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None
    for node in sorted(edges):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None

if '--list' in sys.argv:
    for module in sorted(edges):
        print(module, '->', ' '.join(sorted(edges[module])))
found = cycle()
if found:
    print('error: module import cycle in sanctum-core: ' + ' -> '.join(found), file=sys.stderr)
    sys.exit(1)
print('sanctum-core: no module import cycle (%d modules, %d edges)' % (
    len(set(edges) | {t for ts in edges.values() for t in ts}), sum(len(t) for t in edges.values())))
