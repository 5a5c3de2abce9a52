# SPDX-License-Identifier: GPL-2.0-only
"""Host side of the guest-program tests: start a program under xkvm, collect its verdict.

A guest program reports through the ucall port (docs/specs/ucall.md); xkvm prints each
call as one stderr line "ucall: vcpu=N CMD text args...".  A run passes only when the
guest said DONE, xkvm exited 0, nothing timed out and no KVM internal error was reported.
"""
import os
import re
import select
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get('XKVM_BUILD', ROOT / 'build'))
XKVM = Path(os.environ.get('XKVM', BUILD / 'src' / 'xkvm'))
GUEST_DIR = Path(os.environ.get('XKVM_GUEST_DIR', BUILD / 'tests' / 'guest'))

UCALL_RE = re.compile(r'^ucall: vcpu=(\d+) (PRINT|SYNC|ASSERT|DONE|REPORT|FAIL)(?: (.*))?$')


@dataclass
class Ucall:
    vcpu: int
    cmd: str
    text: str
    args: list

    def __str__(self):
        return f'vcpu{self.vcpu} {self.cmd} {self.text} {[hex(a) for a in self.args]}'


def parse_ucall(line):
    m = UCALL_RE.match(line.rstrip('\n'))
    if not m:
        return None
    vcpu, cmd, rest = int(m.group(1)), m.group(2), m.group(3) or ''
    if cmd == 'PRINT':
        return Ucall(vcpu, cmd, rest, [])
    parts = rest.split(' ')
    args = []
    while parts and re.fullmatch(r'0x[0-9a-f]+', parts[-1]):
        args.insert(0, int(parts.pop(), 16))
    return Ucall(vcpu, cmd, ' '.join(parts), args)


@dataclass
class Result:
    cmd: list
    status: int
    stdout: str
    stderr: str
    elapsed: float
    timed_out: bool
    ucalls: list = field(default_factory=list)

    def calls(self, cmd, text=None):
        return [u for u in self.ucalls if u.cmd == cmd and (text is None or u.text == text)]

    def sync(self, label):
        """The args of the SYNC ucalls with this label (one list per call)."""
        return [u.args for u in self.calls('SYNC', label)]

    def reports(self):
        return {u.text: u.args[0] for u in self.calls('REPORT')}

    def log(self):
        return (f'command: {" ".join(map(str, self.cmd))}\nstatus: {self.status}'
                f'{" (TIMED OUT)" if self.timed_out else ""}\nelapsed: {self.elapsed:.3f}s\n'
                f'--- stderr ---\n{self.stderr}\n--- stdout ---\n{self.stdout[-4000:]}')

    @property
    def passed(self):
        return (not self.timed_out and self.status == 0 and bool(self.calls('DONE'))
                and not self.calls('ASSERT') and not self.calls('FAIL')
                and 'KVM internal error' not in self.stderr)


def guest(name):
    path = GUEST_DIR / f'{name}.elf'
    if not path.exists():
        raise FileNotFoundError(f'guest program {path} is not built (ninja -C {BUILD})')
    return path


def xkvm_cmd(kernel, smp=1, mem='128M', append=None, extra=(), serial='none', ucall=True,
             debug_exit=True, no_reboot=True):
    cmd = [str(XKVM), '-kernel', str(kernel), '-m', str(mem), '-smp', str(smp),
           '-serial', serial]
    if append is not None:
        cmd += ['-append', append]
    if ucall:
        cmd += ['-device', 'xkvm-ucall']
    if debug_exit:
        cmd += ['-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04']
    if no_reboot:
        cmd += ['-no-reboot']
    return cmd + list(extra)


def run(cmd, timeout=30, input=None, env=None):
    """Run a command to completion (killing it on timeout); parse ucall lines."""
    start = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                         start_new_session=True)
    timed_out = False
    try:
        out, err = p.communicate(input=input, timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
    elapsed = time.monotonic() - start
    out = out.decode(errors='replace') if isinstance(out, bytes) else out
    err = err.decode(errors='replace') if isinstance(err, bytes) else err
    res = Result(cmd, p.returncode, out, err, elapsed, timed_out)
    res.ucalls = [u for u in (parse_ucall(l) for l in err.splitlines()) if u]
    return res


def run_guest(name, timeout=30, input=None, **kw):
    return run(xkvm_cmd(guest(name), **kw), timeout=timeout, input=input)


def assert_passed(res):
    assert res.passed, 'guest program did not pass:\n' + res.log()
    return res


class Running:
    """xkvm started in the background (for QMP-driven tests); reads stderr as it goes."""

    def __init__(self, cmd, env=None):
        self.cmd = cmd
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=env, start_new_session=True)
        self.stderr_lines = []
        self.stdout_buf = b''
        self.ucalls = []

    def _pump(self, timeout):
        fds = [f for f in (self.proc.stderr, self.proc.stdout) if f and not f.closed]
        r, _, _ = select.select(fds, [], [], timeout)
        got = False
        for f in r:
            data = os.read(f.fileno(), 65536)
            if not data:
                f.close()
                continue
            got = True
            if f is self.proc.stdout:
                self.stdout_buf += data
            else:
                self._stderr_partial = getattr(self, '_stderr_partial', b'') + data
                *lines, self._stderr_partial = self._stderr_partial.split(b'\n')
                for l in lines:
                    s = l.decode(errors='replace')
                    self.stderr_lines.append(s)
                    u = parse_ucall(s)
                    if u:
                        self.ucalls.append(u)
        return got

    def wait_ucall(self, pred, timeout=20):
        """Wait for the first ucall (not seen by an earlier wait) matching pred."""
        deadline = time.monotonic() + timeout
        seen = getattr(self, '_consumed', 0)
        while True:
            for i in range(seen, len(self.ucalls)):
                if pred(self.ucalls[i]):
                    self._consumed = i + 1
                    return self.ucalls[i]
            seen = len(self.ucalls)
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None and not self._pump(0):
                raise AssertionError(f'no matching ucall within {timeout}s; stderr:\n' +
                                     '\n'.join(self.stderr_lines[-50:]))
            self._pump(min(left, 0.2))

    def seen_ucall(self, pred, timeout=20):
        """Wait for a ucall matching pred among every one received so far or later,
        whatever waits came before: for reports whose order against others is not fixed
        (two vCPUs reporting at about the same time).  Consumes nothing."""
        deadline = time.monotonic() + timeout
        while True:
            for u in self.ucalls:
                if pred(u):
                    return u
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None and not self._pump(0):
                raise AssertionError(f'no matching ucall within {timeout}s; stderr:\n' +
                                     '\n'.join(self.stderr_lines[-50:]))
            self._pump(min(left, 0.2))

    def wait_stdout(self, needle, timeout=20):
        deadline = time.monotonic() + timeout
        needle = needle.encode() if isinstance(needle, str) else needle
        while needle not in self.stdout_buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f'{needle!r} not seen on stdout within {timeout}s')
            if not self._pump(min(left, 0.2)) and self.proc.poll() is not None:
                raise AssertionError(f'xkvm exited ({self.proc.returncode}) before {needle!r}')
        return self.stdout_buf

    def wait(self, timeout=20):
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            self._pump(0.1)
        while self._pump(0):
            pass
        if self.proc.poll() is None:
            self.kill()
            raise AssertionError(f'xkvm did not exit within {timeout}s')
        return self.proc.returncode

    def kill(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill()
        for f in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if f and not f.closed:
                f.close()
