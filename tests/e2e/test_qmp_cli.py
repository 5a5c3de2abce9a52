# SPDX-License-Identifier: GPL-2.0-only
"""xkvm-qmp, the command-line client: one command with arguments, JSON out, exit status
by reply; events as they arrive; latency statistics."""
import json
import os
import threading
import time

from qmp import VM, run_cli


def test_command_reply_and_exit_status():
    with VM(extra=['-name', 'cli']) as vm:
        vm.progress()
        r = run_cli(['-s', vm.sock, 'query-name'])
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout) == {'return': {'name': 'cli'}}
        r = run_cli(['-s', vm.sock, 'query-status', '--pretty'])
        assert r.returncode == 0 and '\n  "return"' in r.stdout
        assert json.loads(r.stdout)['return']['status'] == 'running'
        # An error reply: printed, exit 1, the description on stderr.
        r = run_cli(['-s', vm.sock, 'no-such-command'])
        assert r.returncode == 1
        assert json.loads(r.stdout)['error']['class'] == 'CommandNotFound'
        assert 'has not been found' in r.stderr
        r = run_cli(['-s', vm.sock, 'query-status', 'bogus=1'])
        assert r.returncode == 1
        assert json.loads(r.stdout)['error']['desc'] == "Parameter 'bogus' is unexpected"


def test_argument_forms():
    with VM() as vm:
        vm.progress()
        s = ['-s', vm.sock]
        # key=value: true/false become booleans, the glob stays a string.
        assert run_cli(s + ['trace-event-set-state', 'name=qmp_ev*', 'enable=true']).returncode == 0
        r = run_cli(s + ['trace-event-get-state', 'name=qmp_event'])
        assert json.loads(r.stdout)['return'][0]['state'] == 'enabled'
        # key:=JSON and --json.
        assert run_cli(s + ['trace-event-set-state', 'name=qmp_ev*', 'enable:=false']).returncode == 0
        r = run_cli(s + ['--json', '{"name": "qmp_event"}', 'trace-event-get-state'])
        assert json.loads(r.stdout)['return'][0]['state'] == 'disabled'
        # Integers: cpu-index=1 is an integer, so this is the CPU-number error, not a type one.
        r = run_cli(s + ['human-monitor-command', 'command-line=info cpus', 'cpu-index=5'])
        assert json.loads(r.stdout)['error']['desc'] == "Parameter 'cpu-index' expects a CPU number"
        r = run_cli(s + ['human-monitor-command', 'command-line=info status'])
        assert json.loads(r.stdout) == {'return': 'VM status: running\r\n'}


def test_usage_and_connection_errors():
    r = run_cli(['query-status'])
    assert r.returncode == 2 and 'socket' in r.stderr
    r = run_cli(['-s', '/nonexistent/xkvm.sock', 'query-status'])
    assert r.returncode == 2 and 'cannot connect' in r.stderr
    r = run_cli(['-s', '/tmp/x.sock', 'query-status', 'noequals'])
    assert r.returncode == 2
    r = run_cli(['-s', '/tmp/x.sock', 'query-status', 'x:={bad'])
    assert r.returncode == 2 and 'not JSON' in r.stderr
    r = run_cli(['--help'])
    assert r.returncode == 0 and 'usage:' in r.stdout


def test_wait_for_socket():
    """-w: a script can start xkvm and the client at once."""
    sock = f'/tmp/xq-wait-{os.getpid()}.sock'
    result = {}

    def client():
        result['r'] = run_cli(['-s', sock, '-w', '10', 'query-status'])
    t = threading.Thread(target=client)
    t.start()
    time.sleep(0.5)  # the client is already waiting when xkvm starts
    with VM(sock=sock) as vm:
        t.join(15)
        assert result['r'].returncode == 0, result['r'].stderr
        assert json.loads(result['r'].stdout)['return']['status'] == 'running'
        vm.progress()


def test_events_mode():
    with VM() as vm:
        vm.progress()
        r = {}

        def watch():
            r['p'] = run_cli(['-s', vm.sock, '--events', '--count', '2', '--timeout', '15'])
        t = threading.Thread(target=watch)
        t.start()
        time.sleep(0.5)  # the watcher has negotiated
        c = vm.qmp()
        c.cmd('stop')
        c.cmd('cont')
        t.join(20)
        assert r['p'].returncode == 0, r['p'].stderr
        events = [json.loads(l) for l in r['p'].stdout.splitlines()]
        assert [e['event'] for e in events] == ['STOP', 'RESUME']
        assert all(set(e['timestamp']) == {'seconds', 'microseconds'} for e in events)
        # --filter, and the stream ending with the VM: exit 0 without --count.
        r2 = {}

        def watch_all():
            r2['p'] = run_cli(['-s', vm.sock, '--events', '--filter', 'SHUTDOWN', '--timeout', '15'])
        t = threading.Thread(target=watch_all)
        t.start()
        time.sleep(0.5)
        c.cmd('stop')
        c.cmd('quit')
        t.join(20)
        assert r2['p'].returncode == 0, r2['p'].stderr
        events = [json.loads(l) for l in r2['p'].stdout.splitlines()]
        assert [e['event'] for e in events] == ['SHUTDOWN']
        assert vm.wait() == 0


def test_events_timeout():
    with VM() as vm:
        r = run_cli(['-s', vm.sock, '-w', '5', '--events', '--count', '1', '--timeout', '0.5'])
        assert r.returncode == 1 and 'timed out' in r.stderr


def test_repeat_statistics():
    with VM() as vm:
        vm.progress()
        r = run_cli(['-s', vm.sock, '--repeat', '200', '--warmup', '10', 'query-status'])
        assert r.returncode == 0, r.stderr
        st = json.loads(r.stdout)
        assert st['command'] == 'query-status' and st['n'] == 200
        assert 0 < st['min_us'] <= st['p50_us'] <= st['p90_us'] <= st['p99_us'] <= st['max_us']
