# SPDX-License-Identifier: GPL-2.0-only
"""A small synchronous QMP client for tests, plus helpers to start xkvm (or QEMU) with a
QMP socket.  Raw access (send_raw, recv_raw) is there for the hostile-client tests; the
e2e tests that exercise the command-line client use build/src/xkvm-qmp instead."""
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from xkvm import BUILD, Running, guest, xkvm_cmd

XKVM_QMP = Path(os.environ.get('XKVM_QMP', BUILD / 'src' / 'xkvm-qmp'))


def _sanitized():
    from xkvm import XKVM
    try:
        out = subprocess.run(['ldd', str(XKVM)], capture_output=True, text=True).stdout
    except OSError:
        return False
    return 'libasan' in out


# Under ASan, freed memory sits in a quarantine, so RSS is no measure of leaks there (the
# sanitizer's leak check at exit is).
SANITIZED = _sanitized()
QEMU = shutil.which('qemu-system-x86_64')


class QMPError(Exception):
    def __init__(self, reply):
        self.reply = reply
        err = reply.get('error', {})
        self.cls = err.get('class')
        self.desc = err.get('desc')
        super().__init__(f'{self.cls}: {self.desc}')


class QMP:
    """One client connection.  Events received while waiting for replies are kept in
    self.events (in order)."""

    def __init__(self, path, negotiate=True, timeout=10.0, wait=10.0):
        deadline = time.monotonic() + wait
        while True:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                self.sock.connect(str(path))
                break
            except (FileNotFoundError, ConnectionRefusedError):
                self.sock.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)
        self.timeout = timeout
        self.buf = b''
        self.events = []
        self.greeting = self.recv()
        if negotiate:
            self.cmd('qmp_capabilities')

    # ---- raw I/O ----
    def send_raw(self, data):
        self.sock.sendall(data if isinstance(data, bytes) else data.encode())

    def send(self, obj):
        self.send_raw(json.dumps(obj) + '\n')

    def recv_raw_line(self, timeout=None):
        """The next line as bytes (without the line end); raises on timeout or EOF."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while b'\n' not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError('no message from the QMP server')
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(1 << 16)
            except socket.timeout:
                raise TimeoutError('no message from the QMP server') from None
            if not data:
                raise EOFError('the QMP server closed the connection')
            self.buf += data
        line, self.buf = self.buf.split(b'\n', 1)
        return line.rstrip(b'\r')

    def recv(self, timeout=None):
        while True:
            line = self.recv_raw_line(timeout)
            if line.strip():
                return json.loads(line)

    def closed_by_server(self, timeout=5.0):
        """True once the server has closed the connection (EOF or reset)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                data = self.sock.recv(1 << 16)
            except socket.timeout:
                continue
            except (ConnectionResetError, BrokenPipeError):
                return True
            if not data:
                return True
            self.buf += data
        return False

    # ---- commands ----
    def execute(self, name, args=None, id=None, timeout=None):
        """Send a command and return the whole reply (events are stashed)."""
        msg = {'execute': name}
        if args is not None:
            msg['arguments'] = args
        if id is not None:
            msg['id'] = id
        self.send(msg)
        return self.reply(timeout)

    def reply(self, timeout=None):
        while True:
            m = self.recv(timeout)
            if 'event' in m:
                self.events.append(m)
                continue
            return m

    def cmd(self, _command, _timeout=None, **args):
        """Run a command (keyword arguments with '_' spelled '-'); return its value."""
        args = {k.replace('_', '-'): v for k, v in args.items()}
        r = self.execute(_command, args or None, timeout=_timeout)
        if 'error' in r:
            raise QMPError(r)
        return r['return']

    def wait_event(self, name, timeout=10.0):
        return self.wait_event_any((name,), timeout)

    def wait_event_any(self, names, timeout=10.0):
        """The first event (stashed or new) whose name is in `names`, in arrival order."""
        deadline = time.monotonic() + timeout
        while True:
            for i, e in enumerate(self.events):
                if e['event'] in names:
                    return self.events.pop(i)
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f'none of {names} within {timeout}s (got {self.events})')
            m = self.recv(left)
            if 'event' in m:
                self.events.append(m)

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def short_tmpdir():
    """A short directory for Unix socket paths (108-byte limit)."""
    return tempfile.mkdtemp(prefix='xq', dir='/tmp')


def xkvm_qmp_cmd(sock_path, program='progress', append='interval_ms=100', wait=False,
                 extra=(), **kw):
    qmp = f'unix:{sock_path},server=on' + ('' if wait else ',wait=off')
    return xkvm_cmd(guest(program), append=append, extra=['-qmp', qmp, *extra], **kw)


def qemu_qmp_cmd(sock_path, program='progress', append='interval_ms=100', extra=()):
    """Debian's QEMU on the same guest program: microvm, KVM, no arch-capabilities (the
    KVM-PVM emulator lacks it, docs in shared/design/kvm-pvm.md)."""
    return [QEMU, '-M', 'microvm', '-accel', 'kvm', '-cpu', 'host,-arch-capabilities',
            '-m', '128M', '-smp', '1', '-nodefaults', '-no-user-config', '-display', 'none',
            '-serial', 'none', '-kernel', str(guest(program)), '-append', append,
            '-device', 'isa-debug-exit,iobase=0xf4,iosize=4',
            '-qmp', f'unix:{sock_path},server=on,wait=off', *extra]


class VM:
    """xkvm (or any VMM command) running with a QMP socket; a context manager."""

    def __init__(self, cmd=None, sock=None, **kw):
        self.dir = short_tmpdir()
        self.sock = sock or os.path.join(self.dir, 'qmp.sock')
        self.cmd = cmd(self.sock) if callable(cmd) else (cmd or xkvm_qmp_cmd(self.sock, **kw))
        self.run = Running(self.cmd)
        self.proc = self.run.proc
        self.clients = []

    def qmp(self, negotiate=True, **kw):
        c = QMP(self.sock, negotiate=negotiate, **kw)
        self.clients.append(c)
        return c

    def wait_ucall(self, pred, timeout=20):
        return self.run.wait_ucall(pred, timeout)

    def seen_ucall(self, pred, timeout=20):
        return self.run.seen_ucall(pred, timeout)

    def progress(self, timeout=20):
        """The next SYNC progress ucall's (counter, kvmclock ns)."""
        u = self.wait_ucall(lambda u: u.cmd == 'SYNC' and u.text == 'progress', timeout)
        return u.args[0], u.args[1]

    def drain(self):
        """Read whatever stderr has now; return the ucalls that arrived."""
        n = len(self.run.ucalls)
        while self.run._pump(0.05):
            pass
        return self.run.ucalls[n:]

    def fd_count(self):
        return len(os.listdir(f'/proc/{self.proc.pid}/fd'))

    def rss_kib(self):
        for line in open(f'/proc/{self.proc.pid}/status'):
            if line.startswith('VmRSS:'):
                return int(line.split()[1])
        return 0

    def threads(self):
        return {int(t) for t in os.listdir(f'/proc/{self.proc.pid}/task')}

    def wait(self, timeout=20):
        return self.run.wait(timeout)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        for c in self.clients:
            c.close()
        # End with quit rather than SIGKILL, so sanitizers (build-asan) report leaks.
        if self.proc.poll() is None:
            try:
                with QMP(self.sock, wait=1) as c:
                    c.send({'execute': 'quit'})
                self.run.wait(10)
            except (OSError, EOFError, TimeoutError, AssertionError):
                pass
        self.run.__exit__(exc_type, exc, tb)
        shutil.rmtree(self.dir, ignore_errors=True)
        if exc_type is None:
            bad = [l for l in self.run.stderr_lines
                   if 'Sanitizer' in l or 'runtime error:' in l]
            assert not bad, 'sanitizer report:\n' + '\n'.join(self.run.stderr_lines[-80:])


def shape(v):
    """The shape of a JSON value: keys and types, not values."""
    if isinstance(v, dict):
        return {k: shape(x) for k, x in sorted(v.items())}
    if isinstance(v, list):
        shapes = []
        for x in v:
            s = shape(x)
            if s not in shapes:
                shapes.append(s)
        return ['list', shapes[:1]]  # lists compare by their first element's shape
    if isinstance(v, bool):
        return 'bool'
    if isinstance(v, int):
        return 'int'
    if isinstance(v, float):
        return 'number'
    if isinstance(v, str):
        return 'str'
    if v is None:
        return 'null'
    return type(v).__name__


def run_cli(args, timeout=20):
    """Run xkvm-qmp; returns the CompletedProcess."""
    return subprocess.run([str(XKVM_QMP), *map(str, args)], capture_output=True, text=True,
                          timeout=timeout)
