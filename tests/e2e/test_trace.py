# SPDX-License-Identifier: GPL-2.0-only
"""Trace events from the command line: -trace globs (repeatable, '-' to turn off),
-trace events=FILE, written to the -D log with the thread id and a timestamp."""
import re
import time

from qmp import VM

LINE = re.compile(r'^(\d+)@(\d+)\.(\d{6}):([a-z0-9_]+)(?: (.*))?$')


def parse(log):
    out = []
    for line in log.read_text().splitlines():
        m = LINE.match(line)
        assert m, f'malformed trace line: {line!r}'
        out.append((int(m.group(1)), float(m.group(2) + '.' + m.group(3)), m.group(4), m.group(5)))
    return out


def test_glob_and_log_format(tmp_path):
    log = tmp_path / 'x.log'
    t0 = time.time()
    with VM(extra=['-D', str(log), '-trace', 'vcpu_thread_*', '-trace', 'vm_*',
                   '-trace', '-vm_request']) as vm:
        c = vm.qmp()
        vm.progress()
        tid0 = c.cmd('query-cpus-fast')[0]['thread-id']
        c.cmd('stop')
        c.cmd('cont')
        c.cmd('quit')
        assert vm.wait() == 0
    lines = parse(log)
    names = {n for _, _, n, _ in lines}
    assert 'vcpu_thread_start' in names and 'vm_state_change' in names
    assert 'vm_request' not in names, '-trace -vm_request did not turn it off'
    assert not names - {'vcpu_thread_start', 'vcpu_thread_exit', 'vm_state_change', 'vm_reset'}
    # The vCPU thread logs its own start, with its own thread id.
    start = [l for l in lines if l[2] == 'vcpu_thread_start'][0]
    assert start[0] == tid0 and start[3] == f'id 0 tid {tid0}'
    # State changes happen on the main thread (the process id).
    changes = [l for l in lines if l[2] == 'vm_state_change']
    assert [l[3] for l in changes] == ['running -> paused', 'paused -> running', 'running -> shutdown']
    assert all(l[0] == vm.proc.pid for l in changes)
    assert all(t0 - 1 <= l[1] <= time.time() + 1 for l in lines)


def test_events_file(tmp_path):
    events = tmp_path / 'events'
    events.write_text('# QMP only\n\nqmp_*   # every QMP event\n-qmp_event\n')
    log = tmp_path / 'x.log'
    with VM(extra=['-D', str(log), '-trace', f'events={events}']) as vm:
        c = vm.qmp()
        c.cmd('query-name')
        states = {x['name']: x['state'] for x in c.cmd('trace-event-get-state', name='qmp_*')}
        assert states['qmp_request'] == 'enabled' and states['qmp_event'] == 'disabled'
    names = {n for _, _, n, _ in parse(log)}
    assert {'qmp_client_connect', 'qmp_request', 'qmp_reply'} <= names
    assert 'qmp_event' not in names


def test_unmatched_pattern_warns():
    with VM(extra=['-trace', 'no_such_event_*']) as vm:
        vm.qmp().cmd('quit')
        vm.wait()
        assert any('-trace no_such_event_*: no trace event matches' in l
                   for l in vm.run.stderr_lines)
