#!/usr/bin/env python3
"""Every public type, trait, function and type alias of sanctum's three crates has an example in
its docs (a code block) or a link to an item or page that has one (an intra-doc link or a
Markdown link). Methods, variants and fields are shown by their type's example and are not
checked one by one. sanctum-core's public items are those of `sanctum-core/public-api.txt`
(scripts/public-api.py); in the adapters, every module-level `pub` item outside tests.

  scripts/doc-examples.py    list the items without one; exit 1 when there is any
"""
import os, re, sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
ITEM = re.compile(r'^pub (?:const |async |unsafe )*(struct|enum|trait|fn|type) (\w+)')
LINKED = re.compile(r'\[`[^`\]]+`\](?!\()|\]\(|```')

def core_public():
    names = set()
    for line in open(os.path.join(ROOT, 'sanctum-core', 'public-api.txt')):
        m = re.match(r'^(sanctum_core(?:::\w+)*) \((struct|enum|trait|fn|type)\)$', line.strip())
        if m:
            names.add(m.group(1).rsplit('::', 1)[1])
    return names

def doc_above(lines, i):
    doc, j = [], i - 1
    while j >= 0:
        text = lines[j].strip()
        if text.startswith('///'):
            doc.append(text)
        elif not (text.startswith('#[') or text.startswith(')]') or text.endswith(')]')):
            break
        j -= 1
    return '\n'.join(reversed(doc))

def main():
    public = core_public()
    missing, total = [], 0
    for crate in ('sanctum-core', 'sanctum-axum', 'sanctum-actix'):
        for folder, _, files in sorted(os.walk(os.path.join(ROOT, crate, 'src'))):
            for name in sorted(files):
                if not name.endswith('.rs'):
                    continue
                path = os.path.join(folder, name)
                text = open(path).read()
                cut = text.find('#[cfg(test)]\nmod tests')
                lines = (text[:cut] if cut >= 0 else text).split('\n')
                for i, line in enumerate(lines):
                    m = ITEM.match(line)
                    if not m or (crate == 'sanctum-core' and m.group(2) not in public):
                        continue
                    total += 1
                    if not LINKED.search(doc_above(lines, i)):
                        missing.append(f'{os.path.relpath(path, ROOT)}:{i + 1}: {m.group(1)} {m.group(2)}')
    for line in missing:
        print(line)
    print(f'doc-examples: {total} public items, {len(missing)} without an example or a link to one')
    return 1 if missing else 0

if __name__ == '__main__':
    sys.exit(main())
