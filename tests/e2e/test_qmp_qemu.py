# SPDX-License-Identifier: GPL-2.0-only
"""The same QMP transcript against Debian's QEMU (-M microvm -accel kvm, the same guest
program) and against xkvm: the replies and events must have the same shapes (keys and
types, not values), and errors the same classes."""
import json

import pytest

from qmp import QEMU, QMP, VM, qemu_qmp_cmd, xkvm_qmp_cmd

pytestmark = pytest.mark.qemu

# (label, raw request or (command, arguments), events the step must produce)
ERRORS = [
    ('not-an-object', b'[1, 2]'),
    ('malformed', b'{"execute": }'),
    ('unknown-member', b'{"execute": "query-status", "bogus": 1}'),
    ('execute-not-string', b'{"execute": 42}'),
    ('arguments-not-object', b'{"execute": "query-status", "arguments": []}'),
    ('lacks-execute', b'{"id": 3}'),
    ('unknown-command', b'{"execute": "no-such-command", "id": "u"}'),
    ('unexpected-argument', b'{"execute": "query-status", "arguments": {"x": 1}}'),
    ('missing-argument', b'{"execute": "trace-event-get-state", "arguments": {}}'),
    ('wrong-type', b'{"execute": "trace-event-get-state", "arguments": {"name": 1}}'),
    ('wrong-type-bool', b'{"execute": "trace-event-set-state", "arguments": {"name": "x", "enable": "on"}}'),
    ('unknown-trace-event', b'{"execute": "trace-event-get-state", "arguments": {"name": "no_such_event_x"}}'),
    ('hmp-missing', b'{"execute": "human-monitor-command"}'),
    ('caps-again', b'{"execute": "qmp_capabilities"}'),
]


def transcript(sock, proc, wait_guest):
    """Runs the session; returns [(label, message)] with replies and events."""
    out = []
    c = QMP(sock, negotiate=False, timeout=15)
    out.append(('greeting', c.greeting))
    out.append(('before-negotiation', c.execute('query-status', id=1)))
    out.append(('qmp_capabilities', c.execute('qmp_capabilities', id={'n': [1]})))
    wait_guest()
    for cmd, args in [('query-version', None), ('query-name', None), ('query-status', None),
                      ('query-commands', None), ('query-cpus-fast', None),
                      ('human-monitor-command', {'command-line': 'info status'}),
                      ('human-monitor-command', {'command-line': 'info cpus'}),
                      ('trace-event-get-state', {'name': '*'})]:
        out.append((cmd + (' ' + json.dumps(args) if args else ''), c.execute(cmd, args)))
    # The first trace event each VMM has: on, read back, off.
    first = out[-1][1]['return'][0]['name']
    out.append(('trace-on', c.execute('trace-event-set-state', {'name': first, 'enable': True})))
    out.append(('trace-read', c.execute('trace-event-get-state', {'name': first})))
    out.append(('trace-off', c.execute('trace-event-set-state', {'name': first, 'enable': False})))
    for label, raw in ERRORS:
        c.send_raw(raw + b'\n')
        out.append((label, c.reply()))
    for cmd, event in [('stop', 'STOP'), ('cont', 'RESUME'), ('system_reset', 'RESET'),
                       ('system_powerdown', 'POWERDOWN')]:
        out.append((cmd, c.execute(cmd)))
        out.append((cmd + ' event', c.wait_event(event)))
    out.append(('query-status (after)', c.execute('query-status')))
    out.append(('quit', c.execute('quit')))
    out.append(('quit event', c.wait_event('SHUTDOWN')))
    c.close()
    return out


def compare(a, b, path='$'):
    """Differences between the shapes of two JSON values (keys and types)."""
    kind = lambda v: ('bool' if isinstance(v, bool) else 'int' if isinstance(v, int) else  # noqa: E731
                      type(v).__name__)
    if kind(a) != kind(b):
        return [f'{path}: {kind(a)} vs {kind(b)}']
    if isinstance(a, dict):
        diff = []
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                diff.append(f'{path}.{k}: only in {"QEMU" if k in a else "xkvm"}')
            else:
                diff += compare(a[k], b[k], f'{path}.{k}')
        return diff
    if isinstance(a, list) and a and b:
        return compare(a[0], b[0], f'{path}[0]')
    return []


@pytest.mark.skipif(QEMU is None, reason='Debian QEMU (qemu-system-x86_64) is not installed')
def test_same_transcript_same_shapes():
    results = {}
    for name, make in (('QEMU', lambda s: qemu_qmp_cmd(s, extra=['-name', 'cmp'])),
                       ('xkvm', lambda s: xkvm_qmp_cmd(s, extra=['-name', 'cmp'], no_reboot=False))):
        with VM(cmd=make) as vm:
            # xkvm reports the guest's progress through ucall; QEMU runs the same program
            # with its output on a serial port we do not read, so give it a moment.
            wait = (lambda: vm.progress()) if name == 'xkvm' else (lambda: __import__('time').sleep(0.5))
            results[name] = transcript(vm.sock, vm.proc, wait)
            assert vm.wait(20) == 0, f'{name} did not exit 0 after quit'
    q, x = results['QEMU'], results['xkvm']
    assert [l for l, _ in q] == [l for l, _ in x]
    problems = []
    for (label, qm), (_, xm) in zip(q, x):
        problems += [f'{label}: {d}' for d in compare(qm, xm)]
        if 'error' in qm and 'error' in xm and qm['error']['class'] != xm['error']['class']:
            problems.append(f"{label}: class {qm['error']['class']} vs {xm['error']['class']}")
        if ('event' in qm) and qm.get('event') != xm.get('event'):
            problems.append(f"{label}: event {qm.get('event')} vs {xm.get('event')}")
    assert not problems, 'QEMU vs xkvm:\n' + '\n'.join(problems) + '\n\nQEMU: ' + \
        json.dumps(q, indent=1)[:6000] + '\n\nxkvm: ' + json.dumps(x, indent=1)[:6000]
    # Sanity: the comparison saw the things it claims to compare.
    labels = dict(x)
    assert labels['quit event']['data']['reason'] == 'host-qmp-quit'
    assert labels['system_reset event']['data'] == {'guest': False, 'reason': 'host-qmp-system-reset'}
    assert labels['unknown-command']['error']['class'] == 'CommandNotFound'
    assert labels['unknown-command']['id'] == 'u'
