#!/usr/bin/env python3
"""Lists sanctum-core's public API from its source, deterministically: every `pub` item (not
`pub(crate)`/`pub(super)`) of every module, methods with the type of their `impl` block, enum
variants and struct fields apart; modules that are private (`mod x;`) are followed only for what
the crate root or a public module re-exports (`pub use`), which is listed as such. rustdoc JSON
(cargo public-api) would be exact but needs a nightly toolchain these machines lack; this is a
grep over the source, honest about what it sees.

A module is public when every `mod` on its path is declared `pub mod`. A `#[doc(hidden)]` module
(one reachable only with `test-util`, for sanctum's own tests and benches) is not API: nothing in
it is listed, nor does its `pub use` make anything else API. Items of a private module are listed
when their name is re-exported (`pub use ...::Name`) outside hidden modules, or names a type of
a public module (its methods may sit in a private module): `unreachable_pub` makes every other
`pub` item there a mistake, save in a module that allows it for a hidden re-export.

  scripts/public-api.py            print the listing
  scripts/public-api.py --check    compare with sanctum-core/public-api.txt (exit 1 on a difference)
  scripts/public-api.py --write    rewrite sanctum-core/public-api.txt
"""
import difflib, os, re, sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
SRC = os.path.join(ROOT, 'sanctum-core', 'src')
LISTING = os.path.join(ROOT, 'sanctum-core', 'public-api.txt')

ITEM = re.compile(r'^(\s*)pub (?:const |async |unsafe )*(fn|struct|enum|trait|type|const|static|mod|use|macro_rules!)(?=\s)\s*([^\s(<:;={]*)(.*)')
IMPL = re.compile(r'^(\s*)impl(?:<[^{]*?>)?\s+(?:([\w:<>, \'&]+?)\s+for\s+)?([\w:]+)')

def strip_tests(text):
    cut = text.find('#[cfg(test)]\nmod tests')
    text = text[:cut] if cut >= 0 else text
    # one line per `pub use`, however it is wrapped
    return re.sub(r'pub use [^;]*;', lambda m: re.sub(r'\s+', ' ', m.group(0)).replace('{ ', '{').replace(', }', '}'), text)

def expand_use(path):
    """`a::{B, c::D}` -> ['a::B', 'a::c::D'] (one level of braces)."""
    m = re.match(r'^(.*?)\{(.*)\}$', path)
    if not m:
        return [path]
    return [m.group(1) + name.strip() for name in m.group(2).split(',') if name.strip()]

def module_path(path):
    parts = os.path.relpath(path, SRC)[:-3].split(os.sep)
    if parts[-1] in ('mod', 'lib'):
        parts = parts[:-1]
    return '::'.join(['sanctum_core'] + parts)

def declarations():
    """{(parent module path, name): 'pub' | 'private' | 'hidden'}: `hidden` when a declaration
    has `#[doc(hidden)]` just above it, else `pub` when one is `pub mod`."""
    state = {}
    rank = {'private': 0, 'pub': 1, 'hidden': 2}
    for folder, _, files in os.walk(SRC):
        for file in files:
            if not file.endswith('.rs'):
                continue
            path = os.path.join(folder, file)
            lines = strip_tests(open(path).read()).split('\n')
            for i, line in enumerate(lines):
                m = re.match(r'^\s*(pub )?mod (\w+)\s*[;{]', line)
                if not m:
                    continue
                attributes = []
                j = i - 1
                while j >= 0 and lines[j].strip().startswith(('#[', '///', '//')):
                    attributes.append(lines[j].strip())
                    j -= 1
                if any(a.startswith('#[doc(hidden)]') for a in attributes):
                    found = 'hidden'
                else:
                    found = 'pub' if m.group(1) else 'private'
                key = (module_path(path), m.group(2))
                if rank[found] > rank[state.get(key, 'private')]:
                    state[key] = found
                else:
                    state.setdefault(key, found)
    return state

def ancestors(module, state):
    parts = module.split('::')
    return [state.get(('::'.join(parts[:i]), parts[i]), 'private') for i in range(1, len(parts))]

def is_public(module, state):
    return all(s == 'pub' for s in ancestors(module, state))

def is_hidden(module, state):
    return 'hidden' in ancestors(module, state)

def reexported_names(items):
    names = set()
    for _, item in items:
        if ': pub use ' in item:
            used = item.split(': pub use ', 1)[1]
            used = used.split(' as ')[0]
            names.add(used.split('::')[-1])
    return names

def listing():
    public = declarations()
    items = [(module, item) for module, item in raw_listing() if not is_hidden(module, public)]
    # re-exported names, and types of public modules (whose methods a private module may hold)
    names = reexported_names(items)
    for module, item in items:
        m = re.match(r'^[\w:]+::(\w+) \((?:struct|enum|trait|type)\)$', item)
        if m and is_public(module, public):
            names.add(m.group(1))
    out = []
    for module, item in items:
        if item.endswith(' (mod)') and public.get((module, item[len(module) + 2:-6])) == 'hidden':
            continue
        if is_public(module, public) or ': pub use ' in item:
            out.append(item)
            continue
        # an item of a module that is not public: listed when re-exported by name
        rest = item[len(module) + 2:]
        if rest.split('::')[0].split(' ')[0] in names:
            out.append(item)
    return sorted(set(out))

def raw_listing():
    out = []
    for folder, _, files in sorted(os.walk(SRC)):
        for file in sorted(files):
            if not file.endswith('.rs'):
                continue
            path = os.path.join(folder, file)
            module = module_path(path)
            lines = strip_tests(open(path).read()).split('\n')
            impl_stack = []  # (indent, type, trait)
            in_enum = None
            for line in lines:
                stripped = line.strip()
                if stripped.startswith('//'):
                    continue
                indent = len(line) - len(line.lstrip())
                while impl_stack and indent <= impl_stack[-1][0] and stripped.startswith('}'):
                    impl_stack.pop()
                    break
                m = IMPL.match(line)
                if m and not stripped.startswith('impl Trait') and stripped.endswith('{'):
                    impl_stack.append((indent, m.group(3), m.group(2)))
                    continue
                if in_enum is not None:
                    if stripped == '}' and indent == in_enum[0]:
                        in_enum = None
                    elif indent == in_enum[0] + 4:
                        v = re.match(r'^([A-Z]\w*)', stripped)
                        if v:
                            out.append((module, f'{module}::{in_enum[1]}::{v.group(1)} (variant)'))
                    continue
                m = ITEM.match(line)
                if not m:
                    continue
                kind, name, rest = m.group(2), m.group(3), m.group(4)
                if kind == 'use':
                    for used in expand_use(stripped[len('pub use '):].rstrip(';')):
                        out.append((module, f'{module}: pub use {used}'))
                    continue
                if kind == 'mod':
                    out.append((module, f'{module}::{name.rstrip(";")} (mod)'))
                    continue
                if impl_stack and kind in ('fn', 'const', 'type'):
                    _, ty, trait = impl_stack[-1]
                    if trait:
                        continue  # trait impls are listed by the trait
                    out.append((module, f'{module}::{ty}::{name} ({kind})'))
                    continue
                if indent > 0 and kind == 'fn':
                    continue  # trait method declarations inside a `pub trait` are listed below
                out.append((module, f'{module}::{name} ({kind})'))
                if kind == 'enum' and stripped.endswith('{'):
                    in_enum = (indent, name)
    return out

def main():
    items = listing()
    text = '\n'.join(items) + '\n'
    if '--write' in sys.argv:
        open(LISTING, 'w').write(text)
        print(f'{len(items)} public items written to {os.path.relpath(LISTING, ROOT)}')
    elif '--check' in sys.argv:
        old = open(LISTING).read() if os.path.exists(LISTING) else ''
        if old != text:
            sys.stdout.writelines(difflib.unified_diff(
                old.splitlines(True), text.splitlines(True), 'public-api.txt (checked in)', 'public-api.txt (source)'))
            print('error: sanctum-core\'s public API changed: review the diff above, then run scripts/public-api.py --write', file=sys.stderr)
            sys.exit(1)
        print(f'sanctum-core public API unchanged ({len(items)} items)')
    else:
        sys.stdout.write(text)

main()
