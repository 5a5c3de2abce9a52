#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Add up meson test logs and pytest JUnit files; print one line per stage, the skips,
and last the total as CI reads it:
    N passed, N failed
"""
import json
import sys
import xml.etree.ElementTree as ET


def meson_counts(path):
    p = f = s = 0
    for line in open(path):
        r = json.loads(line).get('result')
        if r in ('OK', 'EXPECTEDFAIL'):
            p += 1
        elif r == 'SKIP':
            s += 1
        else:
            f += 1
    return p, f, s


def junit_counts(path):
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == 'testsuite' else root.findall('testsuite')
    p = f = s = 0
    for st in suites:
        tests = int(st.get('tests', 0))
        fail = int(st.get('failures', 0)) + int(st.get('errors', 0))
        skip = int(st.get('skipped', 0))
        p += tests - fail - skip
        f += fail
        s += skip
    return p, f, s


def main():
    total = [0, 0, 0]
    for arg in sys.argv[1:]:
        name, path = arg.split('=', 1)
        try:
            c = meson_counts(path) if path.endswith('.json') else junit_counts(path)
        except (OSError, ValueError, ET.ParseError) as e:
            print(f'{name}: no results ({e}): counted as 1 failure')
            c = (0, 1, 0)
        print(f'{name}: {c[0]} passed, {c[1]} failed, {c[2]} skipped')
        total = [a + b for a, b in zip(total, c)]
    print(f'skipped: {total[2]} (each names what the host lacks, above)')
    print(f'{total[0]} passed, {total[1]} failed')
    return 1 if total[1] else 0


if __name__ == '__main__':
    sys.exit(main())
