# SPDX-License-Identifier: GPL-2.0-only
"""QMP against a running VM: a guest program (tests/guest/progress.c) reports its progress
and its kvmclock time; the tests drive xkvm through QMP sessions and check what the guest
saw (nothing while stopped, a fresh start after a reset) and what the clients saw."""
import json
import os
import time

import pytest

from qmp import QMPError, VM, run_cli


def test_greeting_and_negotiation():
    with VM() as vm:
        c = vm.qmp(negotiate=False)
        g = c.greeting['QMP']
        assert set(g) == {'version', 'capabilities'}
        assert set(g['version']) == {'qemu', 'package'}
        assert all(isinstance(g['version']['qemu'][k], int) for k in ('major', 'minor', 'micro'))
        assert g['capabilities'] == []
        # Capabilities mode: nothing but qmp_capabilities, the id still echoed.
        r = c.execute('query-status', id='x1')
        assert r['error']['class'] == 'CommandNotFound'
        assert r['error']['desc'] == "Expecting capabilities negotiation with 'qmp_capabilities'"
        assert r['id'] == 'x1'
        assert c.execute('qmp_capabilities', id=[1, {'a': None}]) == {'return': {}, 'id': [1, {'a': None}]}
        r = c.execute('qmp_capabilities')
        assert r['error'] == {'class': 'CommandNotFound',
                              'desc': 'Capabilities negotiation is already complete, command ignored'}
        assert c.cmd('query-status')['status'] == 'running'


def test_queries():
    with VM(extra=['-name', 'vm-under-test']) as vm:
        c = vm.qmp()
        vm.progress()
        assert c.cmd('query-name') == {'name': 'vm-under-test'}
        v = c.cmd('query-version')
        assert v['package'].startswith('xkvm ')
        names = {x['name'] for x in c.cmd('query-commands')}
        for want in ('qmp_capabilities', 'query-version', 'query-commands', 'query-status',
                     'query-name', 'stop', 'cont', 'system_powerdown', 'system_reset', 'quit',
                     'query-cpus-fast', 'human-monitor-command', 'trace-event-get-state',
                     'trace-event-set-state', '__org.xkvm_trace-event-list'):
            assert want in names
        # Our own commands carry QAPI's downstream-extension prefix.
        assert all(n.startswith('__org.xkvm_') or not n.startswith('__') for n in names)
        assert c.cmd('query-status') == {'status': 'running', 'singlestep': False, 'running': True}
    with VM() as vm:
        assert vm.qmp().cmd('query-name') == {}


def test_query_cpus_fast_thread_ids():
    with VM(smp='2,maxcpus=4') as vm:
        c = vm.qmp()
        vm.progress()
        cpus = c.cmd('query-cpus-fast')
        assert [x['cpu-index'] for x in cpus] == [0, 1]
        tids = [x['thread-id'] for x in cpus]
        assert len(set(tids)) == 2
        # Host threads of this xkvm, and not its main thread.
        assert set(tids) <= vm.threads()
        assert vm.proc.pid not in tids
        for x in cpus:
            assert x['target'] == 'x86_64'
            assert x['qom-path'] == f"/machine/unattached/device[{x['cpu-index']}]"
            assert set(x['props']) == {'socket-id', 'core-id', 'thread-id'}
        hmp = c.cmd('human-monitor-command', command_line='info cpus')
        assert hmp == (f'* CPU #0: thread_id={tids[0]}\r\n'
                       f'  CPU #1: thread_id={tids[1]}\r\n')
        assert c.cmd('human-monitor-command', command_line='info cpus', cpu_index=1).startswith('  CPU #0')
        with pytest.raises(QMPError, match="'cpu-index' expects a CPU number"):
            c.cmd('human-monitor-command', command_line='info cpus', cpu_index=3)


def test_stop_cont_pauses_progress_and_guest_clock():
    """stop: STOP before the reply, no guest progress and no guest time while stopped;
    cont: RESUME, the guest carries on from where it was."""
    stopped_for = 1.5
    with VM(append='interval_ms=50') as vm:
        c = vm.qmp()
        for _ in range(3):
            vm.progress()
        r = c.execute('stop')
        assert r == {'return': {}}
        # STOP came before the reply (it is already stashed).
        assert [e['event'] for e in c.events] == ['STOP']
        stop = c.events.pop()
        assert set(stop) == {'event', 'timestamp'}
        assert set(stop['timestamp']) == {'seconds', 'microseconds'}
        assert abs(stop['timestamp']['seconds'] + stop['timestamp']['microseconds'] / 1e6
                   - time.time()) < 5
        t_stop = time.monotonic()
        # Everything the guest did before the pause is in the pipe now.
        before = [u for u in vm.drain() if u.text == 'progress']
        last = before[-1].args if before else None
        if last is None:
            last = vm.run.ucalls[-1].args
        assert c.cmd('query-status') == {'status': 'paused', 'singlestep': False, 'running': False}
        assert c.cmd('human-monitor-command', command_line='info status') == 'VM status: paused\r\n'
        assert c.cmd('stop') == {}  # no-op, no second STOP
        time.sleep(stopped_for)
        during = [u for u in vm.drain() if u.text == 'progress']
        assert during == [], f'the guest made progress while stopped: {during}'
        assert c.events == []

        assert c.cmd('cont') == {}
        t_cont = time.monotonic()
        assert c.wait_event('RESUME')
        n, ns = vm.progress()
        assert n == last[0] + 1, 'the guest did not carry on from where it stopped'
        guest_delta = (ns - last[1]) / 1e9
        wall_delta = time.monotonic() - t_stop
        # The guest's clock did not run while stopped: its step across the pause is about
        # one interval, although more than `stopped_for` seconds of real time passed.
        assert wall_delta > stopped_for
        assert guest_delta < 0.5, (guest_delta, wall_delta, t_cont - t_stop)
        assert c.cmd('query-status')['status'] == 'running'


def test_system_reset_restarts_program():
    with VM(no_reboot=False) as vm:
        c = vm.qmp()
        boot = vm.wait_ucall(lambda u: u.text == 'boot')
        assert boot.args[0] == 1
        vm.progress()
        n, _ = vm.progress()
        assert n >= 2
        assert c.cmd('system_reset') == {}
        ev = c.wait_event('RESET')
        assert ev['data'] == {'guest': False, 'reason': 'host-qmp-system-reset'}
        boot = vm.wait_ucall(lambda u: u.text == 'boot')
        assert boot.args[0] == 2, 'the program did not start again after the reset'
        n, _ = vm.progress()
        assert n == 1
        assert c.cmd('query-status')['status'] == 'running'
        assert vm.proc.poll() is None


def test_system_reset_with_no_reboot_shuts_down():
    with VM(no_reboot=True) as vm:
        c = vm.qmp()
        vm.progress()
        assert c.cmd('system_reset') == {}
        ev = c.wait_event('SHUTDOWN')
        assert ev['data'] == {'guest': False, 'reason': 'host-qmp-system-reset'}
        assert vm.wait() == 0


def test_quit():
    with VM() as vm:
        c = vm.qmp()
        vm.progress()
        assert c.cmd('quit') == {}
        ev = c.wait_event('SHUTDOWN')
        assert ev['data'] == {'guest': False, 'reason': 'host-qmp-quit'}
        assert vm.wait() == 0
        assert c.closed_by_server()
        assert not os.path.exists(vm.sock), 'the socket file was left behind'


def test_start_paused_then_cont():
    with VM(extra=['-S']) as vm:
        c = vm.qmp()
        assert c.cmd('query-status') == {'status': 'prelaunch', 'singlestep': False, 'running': False}
        assert c.cmd('human-monitor-command', command_line='info status') == \
            'VM status: paused (prelaunch)\r\n'
        time.sleep(0.5)
        assert not vm.drain(), 'the guest ran before cont'
        c.cmd('stop')  # no-op in prelaunch
        assert c.cmd('query-status')['status'] == 'prelaunch'
        c.cmd('cont')
        c.wait_event('RESUME')
        assert vm.wait_ucall(lambda u: u.text == 'boot').args[0] == 1


def test_guest_shutdown_with_no_shutdown_then_reset():
    """-no-shutdown: the guest's DONE stops the VM (SHUTDOWN, STOP); cont needs a reset;
    system_reset brings it back paused; cont runs the program again."""
    with VM(append='interval_ms=20 count=2', extra=['-no-shutdown'], no_reboot=False) as vm:
        c = vm.qmp()
        ev = c.wait_event('SHUTDOWN')
        assert ev['data'] == {'guest': True, 'reason': 'guest-shutdown'}
        c.wait_event('STOP')
        assert c.cmd('query-status')['status'] == 'shutdown'
        r = c.execute('cont')
        assert r['error'] == {'class': 'GenericError',
                              'desc': 'Resetting the Virtual Machine is required'}
        c.cmd('system_reset')
        c.wait_event('RESET')
        assert c.cmd('query-status')['status'] == 'paused'
        c.cmd('cont')
        c.wait_event('RESUME')
        assert vm.wait_ucall(lambda u: u.text == 'boot' and u.args[0] == 2)


def test_several_clients_each_get_every_event():
    with VM() as vm:
        clients = [vm.qmp() for _ in range(4)]
        silent = vm.qmp(negotiate=False)  # capabilities mode: gets no events
        vm.progress()
        clients[0].cmd('stop')
        clients[2].cmd('cont')
        for c in clients:
            assert c.wait_event('STOP')
            assert c.wait_event('RESUME')
        with pytest.raises(TimeoutError):
            silent.recv(timeout=0.5)
        # A client that leaves does not disturb the others.
        clients[1].close()
        clients[3].cmd('stop')
        for c in (clients[0], clients[2], clients[3]):
            c.wait_event('STOP')
        clients[0].cmd('cont')


def test_wait_on_blocks_start_until_a_client_connects():
    with VM(wait=True) as vm:
        time.sleep(1.0)
        assert not vm.drain(), 'the guest ran before a QMP client connected (wait=on)'
        assert vm.proc.poll() is None
        c = vm.qmp()
        assert vm.wait_ucall(lambda u: u.text == 'boot')
        assert c.cmd('query-status')['status'] == 'running'


def test_wait_on_ends_cleanly_on_sigterm():
    import signal
    with VM(wait=True) as vm:
        time.sleep(0.3)
        vm.proc.send_signal(signal.SIGTERM)
        assert vm.wait(10) == 0


def test_trace_over_qmp(tmp_path):
    log = tmp_path / 'trace.log'
    with VM(extra=['-D', str(log)]) as vm:
        c = vm.qmp()
        vm.progress()
        st = c.cmd('trace-event-get-state', name='qmp_*')
        assert {x['name'] for x in st} >= {'qmp_request', 'qmp_reply', 'qmp_event'}
        assert all(x['state'] == 'disabled' and x['vcpu'] is False for x in st)
        c.cmd('trace-event-set-state', name='qmp_re*', enable=True)
        assert {x['state'] for x in c.cmd('trace-event-get-state', name='qmp_re*')} == {'enabled'}
        c.cmd('query-name')
        c.cmd('trace-event-set-state', name='qmp_re*', enable=False)
        c.cmd('query-version')
        lines = log.read_text().splitlines()
        req = [l for l in lines if ':qmp_request ' in l]
        assert any('"query-name"' in l for l in req)
        assert not any('query-version' in l for l in lines)
        # <tid>@<sec>.<usec>:name: the QMP server runs on the main thread.
        tid, rest = req[0].split('@', 1)
        assert int(tid) == vm.proc.pid
        assert rest.split(':', 1)[0].replace('.', '').isdigit()
        assert any(':qmp_reply ' in l and l.endswith(' return') for l in lines)
        # Errors in QEMU's words.
        with pytest.raises(QMPError, match='unknown event "nope"'):
            c.cmd('trace-event-get-state', name='nope')
        with pytest.raises(QMPError, match='is not vCPU-specific'):
            c.cmd('trace-event-set-state', name='qmp_event', enable=True, vcpu=0)
        with pytest.raises(QMPError, match='invalid vCPU index 7'):
            c.cmd('trace-event-get-state', name='qmp_event', vcpu=7)
        assert c.cmd('trace-event-get-state', name='*', vcpu=0) == []
        lst = c.cmd('__org.xkvm_trace-event-list', name='vm_reset')
        assert lst == [{'name': 'vm_reset', 'format': 'reset #%u', 'state': 'disabled'}]
        out = c.cmd('human-monitor-command', command_line='info trace-events vm_reset')
        assert out == 'vm_reset : state 0\r\n'


def test_system_powerdown_guest_powers_off():
    """system_powerdown → POWERDOWN; the guest (tests/guest/ged.c) takes the GED interrupt
    on GSI 9, reads the power-button bit from ESEL and powers off through the FADT sleep
    control register → SHUTDOWN (guest-shutdown) → xkvm exits 0.  Driven with xkvm-qmp,
    as a user would."""
    with VM(program='ged', append='timeout_ms=20000') as vm:
        watcher = vm.qmp()
        ready = vm.wait_ucall(lambda u: u.text == 'ged-ready')
        assert ready.args == [0xce8, 5]  # FADT sleep control port, \_S5 SLP_TYP
        r = run_cli(['-s', vm.sock, '--events', '--count', '2', '--filter', 'POWERDOWN',
                     '--filter', 'SHUTDOWN', '--timeout', '20', 'system_powerdown'])
        assert r.returncode == 0, r.stderr
        msgs = [json.loads(l) for l in r.stdout.splitlines() if l]
        assert {'return': {}} in msgs
        events = [m for m in msgs if 'event' in m]
        assert [e['event'] for e in events] == ['POWERDOWN', 'SHUTDOWN']
        assert events[1]['data'] == {'guest': True, 'reason': 'guest-shutdown'}
        button = vm.wait_ucall(lambda u: u.text == 'power-button')
        esel, again, irqs = button.args
        assert esel & 0x2 and again == 0 and irqs >= 1
        assert vm.wait() == 0
        assert not [u for u in vm.run.ucalls if u.cmd in ('ASSERT', 'FAIL')]
        assert watcher.wait_event('POWERDOWN')
        assert watcher.wait_event('SHUTDOWN')['data']['reason'] == 'guest-shutdown'
