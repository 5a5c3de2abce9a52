# SPDX-License-Identifier: GPL-2.0-only
"""Hostile QMP clients against a running VM.  Each bad input gets QEMU's error class (or,
for an over-long request, an error and a closed connection); no other client is
disturbed; the guest keeps making progress; fds and memory stay flat."""
import json
import socket
import threading
import time

import pytest

from qmp import QMP, SANITIZED, VM



@pytest.fixture
def vm():
    with VM(append='interval_ms=100') as v:
        v.qmp()  # the well-behaved client: v.clients[0]
        v.progress()
        yield v


def good(vm):
    return vm.clients[0]


def assert_healthy(vm, since_counter=None):
    """The well-behaved client is served and the guest still makes progress."""
    assert good(vm).cmd('query-status')['status'] == 'running'
    n, _ = vm.progress()
    if since_counter is not None:
        assert n > since_counter
    assert vm.proc.poll() is None
    return n


BAD_INPUTS = [
    (b'{bad json}', 'GenericError', 'JSON parse error, '),
    (b'{"execute": "query-status",}', 'GenericError', 'JSON parse error, '),
    (b'{"execute": "query-status", "execute": "query-name"}', 'GenericError', 'JSON parse error, '),
    (b'{"execute": "query-\xff\xfe"}', 'GenericError', 'JSON parse error, '),
    (b'[' * 5000 + b']' * 5000, 'GenericError', None),   # deep nesting: jansson's limit
    (b'[1, 2]', 'GenericError', 'QMP input must be a JSON object'),
    (b'"query-status"', 'GenericError', 'QMP input must be a JSON object'),
    (b'12345 ', 'GenericError', 'QMP input must be a JSON object'),
    (b'null ', 'GenericError', 'QMP input must be a JSON object'),
    (b'}', 'GenericError', 'JSON parse error, '),
    (b'{}', 'GenericError', "QMP input lacks member 'execute'"),
    (b'{"execute": ["query-status"]}', 'GenericError', "QMP input member 'execute' must be a string"),
    (b'{"execute": "query-status", "foo": 1}', 'GenericError', "QMP input member 'foo' is unexpected"),
    (b'{"execute": "query-status", "arguments": 5}', 'GenericError',
     "QMP input member 'arguments' must be an object"),
    (b'{"execute": "query-status", "arguments": {"x": 1}}', 'GenericError', "Parameter 'x' is unexpected"),
    (b'{"execute": "trace-event-get-state", "arguments": {"name": 1}}', 'GenericError',
     "Invalid parameter type for 'name', expected: string"),
    (b'{"execute": "trace-event-set-state", "arguments": {"name": "x*", "enable": "yes"}}',
     'GenericError', "Invalid parameter type for 'enable', expected: boolean"),
    (b'{"execute": "trace-event-get-state", "arguments": {"name": "x", "vcpu": 1.5}}',
     'GenericError', "Invalid parameter type for 'vcpu', expected: integer"),
    (b'{"execute": "trace-event-get-state", "arguments": {}}', 'GenericError', "Parameter 'name' is missing"),
    (b'{"execute": "human-monitor-command"}', 'GenericError', "Parameter 'command-line' is missing"),
    (b'{"execute": "qmp_capabilities", "arguments": {"enable": "oob"}}', 'GenericError',
     "Invalid parameter type for 'enable', expected: array"),
    (b'{"execute": "no-such-command"}', 'CommandNotFound', 'The command no-such-command has not been found'),
    (b'{"execute": "__org.xkvm_nothing"}', 'CommandNotFound', None),
]


@pytest.mark.parametrize('data,cls,desc', BAD_INPUTS, ids=[str(i) for i in range(len(BAD_INPUTS))])
def test_bad_request_gets_error_class_and_connection_stays_usable(vm, data, cls, desc):
    c = vm.qmp()
    n = vm.progress()[0]
    c.send_raw(data + b'\n')
    r = c.recv()
    assert set(r) == {'error'}, r
    assert r['error']['class'] == cls
    assert isinstance(r['error']['desc'], str)
    if desc:
        assert r['error']['desc'].startswith(desc), r
    # The same connection still works, with ids.
    assert c.execute('query-status', id=n) == {
        'return': {'status': 'running', 'singlestep': False, 'running': True}, 'id': n}
    assert_healthy(vm, n)


def test_pipelined_requests_without_newlines(vm):
    """QEMU's framing: messages end where the JSON value ends."""
    c = vm.qmp()
    c.send_raw(b''.join(json.dumps({'execute': 'query-name', 'id': i}).encode() for i in range(50)))
    ids = [c.recv()['id'] for _ in range(50)]
    assert ids == list(range(50))
    c.send_raw(b'{"execute":\n "query-status",\r\n "id": "multi-line"\n}')
    assert c.recv()['id'] == 'multi-line'


def test_ten_mib_line_is_dropped(vm):
    c = vm.qmp()
    n = vm.progress()[0]
    big = b'{"execute": "query-status", "arguments": {"x": "' + b'A' * (10 << 20) + b'"}}\n'

    def sender():
        try:
            c.sock.sendall(big)
        except OSError:
            pass  # the server closed the connection while we were still sending
    t = threading.Thread(target=sender)
    t.start()
    # Meanwhile the well-behaved client is served.
    for _ in range(20):
        assert good(vm).cmd('query-status')['status'] == 'running'
    r = c.recv(timeout=20)
    assert r['error']['class'] == 'GenericError'
    assert 'exceeds' in r['error']['desc']
    assert c.closed_by_server(10), 'the connection was not closed after the over-long request'
    t.join(30)
    assert not t.is_alive()
    assert_healthy(vm, n)


def test_half_a_line_then_silence(vm):
    c = vm.qmp()
    c.send_raw(b'{"execute": "query-st')
    n = vm.progress()[0]
    t0 = time.monotonic()
    for _ in range(200):
        good(vm).cmd('query-status')
    assert time.monotonic() - t0 < 10
    assert_healthy(vm, n)
    # The stalled client is still there and finishing its request is enough.
    c.send_raw(b'atus", "id": "late"}')
    assert c.recv()['id'] == 'late'


def test_disconnect_mid_reply(vm):
    base_fds = vm.fd_count()
    n = vm.progress()[0]
    for _ in range(20):
        s = socket.socket(socket.AF_UNIX)
        s.connect(vm.sock)
        s.sendall(b'{"execute": "qmp_capabilities"}' +
                  b'{"execute": "query-commands"}' * 2000)  # ~1.5 MB of replies
        time.sleep(0.01)
        s.recv(100)  # a bit of the greeting, then gone
        s.close()
    time.sleep(0.5)
    assert_healthy(vm, n)
    assert vm.fd_count() == base_fds


def test_slow_reader_is_paused_not_dropped(vm):
    """A client that sends far more than it reads: xkvm stops reading from it rather than
    buffer without bound; when it finally reads, every reply is there, in order."""
    c = vm.qmp()
    n = 40000  # ~26 MB of replies
    rss0 = vm.rss_kib()
    payload = b''.join(b'{"execute": "query-commands", "id": %d}' % i for i in range(n))
    t = threading.Thread(target=lambda: c.sock.sendall(payload))
    t.start()
    time.sleep(1.0)
    rss_mid = vm.rss_kib()
    assert good(vm).cmd('query-status')['status'] == 'running'
    ids = []
    while len(ids) < n:
        ids.append(c.recv(timeout=20)['id'])
    t.join(10)
    assert ids == list(range(n))
    if not SANITIZED:
        assert rss_mid - rss0 < 4096, f'xkvm buffered {rss_mid - rss0} KiB for a slow reader'
    assert_healthy(vm)


def test_hundred_clients_at_once(vm):
    base_fds = vm.fd_count()
    n0 = vm.progress()[0]
    results = [None] * 100
    barrier = threading.Barrier(100)

    def client(i):
        barrier.wait()
        try:
            with QMP(vm.sock) as c:
                results[i] = c.execute('query-name', id=i)
        except Exception as e:  # noqa: BLE001 (the test reports it)
            results[i] = e
    threads = [threading.Thread(target=client, args=(i,)) for i in range(100)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert all(r == {'return': {}, 'id': i} for i, r in enumerate(results)), results
    assert_healthy(vm, n0)
    time.sleep(0.3)
    assert vm.fd_count() == base_fds


def test_client_limit(vm):
    """Past 128 clients, new connections are closed at once; the others carry on."""
    held = [vm.qmp() for _ in range(127)]  # plus the well-behaved one: 128
    extra = socket.socket(socket.AF_UNIX)
    extra.connect(vm.sock)
    extra.settimeout(5)
    assert extra.recv(100) == b'', 'the 129th client was served'
    extra.close()
    for c in held[::20]:
        assert c.cmd('query-status')['status'] == 'running'
    for c in held:
        c.close()
    vm.clients[1:] = []
    time.sleep(0.3)
    with QMP(vm.sock) as c:  # room again
        assert c.cmd('query-status')['status'] == 'running'


def test_ten_thousand_requests_fds_and_rss_steady(vm):
    """10,000 requests of every kind, and connect/disconnect cycles: the fd count is back
    where it was and the RSS has not grown."""
    c = good(vm)
    kinds = [
        b'{"execute": "query-status", "id": 1}',
        b'{"execute": "query-commands"}',
        b'{"execute": "nope"}',
        b'{"execute": "query-status", "arguments": {"x": "y"}}',
        b'{bad',
        b'}',
        b'[1]',
        b'{"execute": "human-monitor-command", "arguments": {"command-line": "info cpus"}}',
        b'{"execute": "trace-event-get-state", "arguments": {"name": "*"}}',
    ]

    def batch(count):
        for i in range(count):
            if i % 100 == 99:
                with QMP(vm.sock) as tmp:  # a fresh client now and then
                    tmp.cmd('query-name')
                continue
            k = kinds[i % len(kinds)]
            c.send_raw(k + b'\n')
            if k == b'{bad':
                c.send_raw(b'}\n')  # completes it: one (error) reply
            c.recv()

    batch(1000)  # warm up allocator caches
    time.sleep(0.2)
    fds, rss = vm.fd_count(), vm.rss_kib()
    n = vm.progress()[0]
    batch(10000)
    time.sleep(0.2)
    assert vm.fd_count() == fds
    grown = vm.rss_kib() - rss
    if not SANITIZED:  # under ASan, LeakSanitizer checks at exit instead
        assert grown < 1024, f'RSS grew by {grown} KiB over 10,000 requests'
    assert_healthy(vm, n)
