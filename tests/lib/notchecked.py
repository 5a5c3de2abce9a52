# SPDX-License-Identifier: GPL-2.0-only
"""What a test could not check on this host, and why: never silent.

report() records one line and raises a pytest warning; tests/conftest.py prints every
record again in a "NOT CHECKED" block at the end of the run, so CI output shows it."""
import warnings

import host


class NotCheckedWarning(UserWarning):
    pass


_records = []


def report(what, why):
    line = f'NOT CHECKED on {host.kind()}: {what} ({why})'
    _records.append(line)
    warnings.warn(NotCheckedWarning(line), stacklevel=2)


def summary(terminalreporter):
    if not _records:
        return
    terminalreporter.section('NOT CHECKED on this host', sep='!', red=True, bold=True)
    for line in _records:
        terminalreporter.line(line, red=True)
