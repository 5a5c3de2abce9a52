# SPDX-License-Identifier: GPL-2.0-only
"""COM1 (16550A at 0x3f8, IRQ 4) and the -serial back-ends, driven by guest programs:
serial_regs.c (register file), serial_tx.c (interrupt-driven and polled output),
serial_rx.c (interrupt-driven input, echo), serial_hello.c (polled, also under QEMU)."""
import array
import fcntl
import os
import pty
import re
import select
import shutil
import signal
import subprocess
import termios
import time
import tty

import pytest

from xkvm import Running, assert_passed, guest, parse_ucall, run, run_guest, xkvm_cmd


def stream(seed, n):
    """What serial_tx.c sends: xorshift32 from seed, bits 31:24 of each step."""
    x, out = seed, bytearray(n)
    for i in range(n):
        x ^= (x << 13) & 0xffffffff
        x ^= x >> 17
        x ^= (x << 5) & 0xffffffff
        out[i] = x >> 24
    return bytes(out)


def fnv1a(data):
    h = 2166136261
    for c in data:
        h = ((h ^ c) * 16777619) & 0xffffffff
    return h


def pattern(n):
    return bytes((i * 131 + (i >> 8) * 7 + 3) & 0xff for i in range(n))


def small_pipe():
    """A pipe holding only 4 KiB, so a reader that lags is felt at once."""
    r, w = os.pipe()
    fcntl.fcntl(w, fcntl.F_SETPIPE_SZ, 4096)
    return r, w


def ucalls_of(stderr):
    return [u for u in (parse_ucall(l) for l in stderr.splitlines()) if u]


def sync_args(stderr, label):
    return [u.args for u in ucalls_of(stderr) if u.cmd == 'SYNC' and u.text == label]


def run_raw(cmd, timeout=30, stdout_fd=None):
    """Run to completion keeping stdout as bytes."""
    start = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                         stdout=stdout_fd if stdout_fd is not None else subprocess.PIPE,
                         stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
        pytest.fail(f'xkvm did not exit within {timeout}s:\n{err.decode(errors="replace")}')
    return p.returncode, out or b'', err.decode(errors='replace'), time.monotonic() - start


# ---- the register file ------------------------------------------------------------------

@pytest.mark.parametrize('serial', ['stdio', 'null'])
def test_registers(serial):
    """Reset values, scratch, DLAB divisor round trip, IER bits, FIFO enable, loopback data
    and modem lines, overrun in both modes, IIR priorities, trigger level, character
    timeout, and RX/THRE interrupts through IOAPIC pin 4 (tests/guest/serial_regs.c)."""
    res = assert_passed(run_guest('serial_regs', serial=serial))
    assert res.sync('regs-ok') == [[0x5a]]
    assert res.stdout == ''  # loopback traffic never reaches the back-end
    # The character timeout came after ~4 character times (347 us), not a 4 ms tick.
    assert res.reports()['cti_after_us'] < 100000


def test_serial_none_has_no_uart():
    res = assert_passed(run_guest('serial_regs', serial='none', append='absent=1'))
    assert res.sync('absent-ok')


# ---- output -------------------------------------------------------------------------------

def test_tx_interrupt_driven_64k():
    """64 KiB driven by THRE interrupts, 16 bytes per interrupt; every byte checked."""
    n = 65536
    status, out, err, _ = run_raw(xkvm_cmd(guest('serial_tx'), serial='stdio',
                                           append=f'len={n} seed=7'), timeout=60)
    assert status == 0, err
    assert out == stream(7, n)
    [[sent, thre_irqs, empty_irqs, _]] = sync_args(err, 'tx-done')
    assert sent == n
    assert thre_irqs >= n // 16
    assert 'DONE' in err


def test_tx_polled():
    n = 8192
    status, out, err, _ = run_raw(xkvm_cmd(guest('serial_tx'), serial='stdio',
                                           append=f'len={n} seed=99 mode=poll'))
    assert status == 0, err
    assert out == stream(99, n)


@pytest.mark.parametrize('mode', ['poll', 'irq'])
def test_tx_flood_slow_reader(mode):
    """The guest writes as fast as it can, the host reads 512 bytes every 40 ms through a
    4 KiB pipe: the UART reports busy (the guest sees THRE clear), nothing is lost,
    duplicated or reordered, and THRE interrupts resume once the host catches up."""
    n = 24576
    r, w = small_pipe()
    p = subprocess.Popen(xkvm_cmd(guest('serial_tx'), serial='stdio',
                                  append=f'len={n} seed=5 mode={mode}'),
                         stdin=subprocess.DEVNULL, stdout=w, stderr=subprocess.PIPE,
                         start_new_session=True)
    os.close(w)
    out, err = bytearray(), b''
    deadline = time.monotonic() + 180
    try:
        # Back-pressure for certain, however fast the guest runs: read nothing until the
        # pipe is full, then a moment more so xkvm's own buffer fills and the guest sees
        # the transmitter busy.
        while time.monotonic() < deadline and p.poll() is None:
            avail = array.array('i', [0])
            fcntl.ioctl(r, termios.FIONREAD, avail)
            if avail[0] >= 4096:
                break
            time.sleep(0.02)
        time.sleep(0.3)
        while time.monotonic() < deadline:
            ready, _, _ = select.select([r, p.stderr], [], [], 1)
            if p.stderr in ready:
                err += os.read(p.stderr.fileno(), 65536)
            if r in ready:
                chunk = os.read(r, 512)
                if not chunk:
                    break
                out += chunk
                time.sleep(0.04)
        p.wait(timeout=10)
        err += p.stderr.read()
    finally:
        os.close(r)
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
    err = err.decode(errors='replace')
    assert p.returncode == 0, err
    assert len(out) == n
    assert bytes(out) == stream(5, n)
    [[sent, _, _, busy]] = sync_args(err, 'tx-done')
    assert sent == n
    if mode == 'poll':
        assert busy > 0, 'the host never pushed back: the test proved nothing'


def test_file_backend_truncates(tmp_path):
    path = tmp_path / 'console.log'
    path.write_bytes(b'old content that must disappear\n' * 4096)
    res = assert_passed(run_guest('serial_tx', serial=f'file:{path}', append='len=8192 seed=3'))
    assert res.stdout == ''
    assert path.read_bytes() == stream(3, 8192)


def test_file_backend_bad_path():
    res = run(xkvm_cmd(guest('serial_tx'), serial='file:/nonexistent-dir/console.log'))
    assert res.status == 1
    assert 'file:/nonexistent-dir/console.log: No such file or directory' in res.stderr


def test_stdout_closed_does_not_stop_the_guest():
    """A back-end that goes away (EPIPE, SIGPIPE ignored): output is discarded, the guest
    keeps running to the end and xkvm exits normally."""
    r, w = os.pipe()
    os.close(r)
    try:
        status, _, err, _ = run_raw(xkvm_cmd(guest('serial_tx'), serial='stdio',
                                             append='len=16384 seed=2'), stdout_fd=w)
    finally:
        os.close(w)
    assert status == 0, err
    assert sync_args(err, 'tx-done')[0][0] == 16384
    assert 'discarding further output' in err


def test_stdin_and_stdout_closed():
    """Started with fds 0 and 1 closed: the console has no input and discards output;
    the guest runs to the end (and /dev/kvm is not mistaken for stdin)."""
    def close_std():
        os.close(0)
        os.close(1)
    p = subprocess.run(xkvm_cmd(guest('serial_tx'), serial='stdio', append='len=2048 seed=4'),
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=30,
                       preexec_fn=close_std)
    err = p.stderr.decode(errors='replace')
    assert p.returncode == 0, err
    assert sync_args(err, 'tx-done')[0][0] == 2048


# ---- power-off in the middle of output --------------------------------------------------------

def test_poweroff_mid_burst_flushes():
    """isa-debug-exit right after the last byte, with output still buffered: xkvm
    exits with the guest's status and every byte reaches stdout."""
    n = 16384
    status, out, err, elapsed = run_raw(
        xkvm_cmd(guest('serial_tx'), serial='stdio', append=f'len={n} seed=11 mode=poll poweroff=5'))
    assert status == (5 << 1) | 1, err
    assert out == stream(11, n)
    assert elapsed < 20


def test_poweroff_with_stuck_reader_is_bounded():
    """Nobody reads stdout: the guest stalls on a busy transmitter, powers off, and xkvm
    still exits promptly (the final flush gives up after 2 s) with the right status;
    what did get out is an exact prefix of the stream."""
    r, w = small_pipe()
    try:
        start = time.monotonic()
        p = subprocess.Popen(xkvm_cmd(guest('serial_tx'), serial='stdio',
                                      append='len=262144 seed=13 mode=poll stall_ms=300 poweroff=5'),
                             stdin=subprocess.DEVNULL, stdout=w, stderr=subprocess.PIPE,
                             start_new_session=True)
        os.close(w)
        w = -1
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
            pytest.fail('xkvm hung on a stuck stdout after the guest powered off')
        elapsed = time.monotonic() - start
        err = p.stderr.read().decode(errors='replace')
        out = b''
        while True:
            chunk = os.read(r, 65536)
            if not chunk:
                break
            out += chunk
    finally:
        os.close(r)
        if w >= 0:
            os.close(w)
    assert p.returncode == (5 << 1) | 1, err
    assert elapsed < 10, f'exit took {elapsed:.1f}s'
    assert 4096 <= len(out) < 262144
    assert out == stream(13, len(out))
    assert 'dropping' in err


# ---- input --------------------------------------------------------------------------------

def test_rx_interrupt_driven():
    """16 KiB written to xkvm's stdin arrive through RX-data and timeout interrupts,
    checksummed by the guest; then 5 bytes below the trigger level (14) that only the
    character timeout can announce."""
    n = 16384
    data = pattern(n)
    with Running(xkvm_cmd(guest('serial_rx'), serial='stdio', append=f'len={n} cti=1')) as r:
        r.wait_ucall(lambda u: u.text == 'rx-ready')
        r.proc.stdin.write(data)
        r.proc.stdin.flush()
        done = r.wait_ucall(lambda u: u.text == 'rx-done', timeout=60)
        count, fnv, rda, cti, overruns = done.args
        assert count == n and fnv == fnv1a(data) and overruns == 0
        assert rda > 0
        r.wait_ucall(lambda u: u.text == 'cti-ready')
        r.proc.stdin.write(b'tail!')
        r.proc.stdin.flush()
        count, rda, cti, fnv = r.wait_ucall(lambda u: u.text == 'cti-done').args
        assert (count, rda, fnv) == (5, 0, fnv1a(b'tail!'))
        assert cti >= 1
        assert r.wait() == 0


def test_rx_stdin_eof_with_data_pending():
    """stdin closes while most of what was written still waits behind a full FIFO: all
    of it still reaches the guest, then input ends quietly."""
    n = 3000
    data = pattern(n)
    with Running(xkvm_cmd(guest('serial_rx'), serial='stdio', append=f'len={n} trigger=8')) as r:
        r.wait_ucall(lambda u: u.text == 'rx-ready')
        r.proc.stdin.write(data)
        r.proc.stdin.close()
        count, fnv = r.wait_ucall(lambda u: u.text == 'rx-done', timeout=60).args[:2]
        assert (count, fnv) == (n, fnv1a(data))
        assert r.wait() == 0


def test_rx_echo_stdio():
    n = 2048
    data = pattern(n)
    with Running(xkvm_cmd(guest('serial_rx'), serial='stdio', append=f'len={n} echo=1 trigger=4')) as r:
        r.wait_ucall(lambda u: u.text == 'rx-ready')
        r.proc.stdin.write(data)
        r.proc.stdin.flush()
        r.wait_ucall(lambda u: u.text == 'rx-done', timeout=60)
        assert r.wait() == 0
        assert r.stdout_buf == data


# ---- pty ----------------------------------------------------------------------------------

def open_pty_client(r):
    r.wait_stdout(b'(label serial0)\n')
    m = re.search(rb'char device redirected to (/dev/pts/\d+) \(label serial0\)', r.stdout_buf)
    assert m, r.stdout_buf
    fd = os.open(m.group(1), os.O_RDWR | os.O_NOCTTY)
    tty.setraw(fd, termios.TCSANOW)  # TCSAFLUSH would discard what waits
    return fd


def read_exactly(fd, n, timeout=120):
    buf = b''
    deadline = time.monotonic() + timeout
    while len(buf) < n and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            buf += os.read(fd, n - len(buf))
    return buf


def test_pty_rx_tx():
    """-serial pty: the path is printed as QEMU prints it; what a client writes reaches
    the guest (checksummed), what the guest echoes reaches the client."""
    n = 4096
    data = pattern(n)
    with Running(xkvm_cmd(guest('serial_rx'), serial='pty', append=f'len={n} echo=1 trigger=1')) as r:
        fd = open_pty_client(r)
        try:
            r.wait_ucall(lambda u: u.text == 'rx-ready')
            os.write(fd, data)
            echo = read_exactly(fd, n)
            count, fnv = r.wait_ucall(lambda u: u.text == 'rx-done', timeout=60).args[:2]
        finally:
            os.close(fd)
        assert (count, fnv) == (n, fnv1a(data))
        assert echo == data
        assert r.wait() == 0


def test_pty_output_waits_for_client_and_survives_reconnect():
    """Output written before any client opened the pty is kept (the guest waits once the
    pty's ~20 KiB and xkvm's buffer are full), and a client that closes and comes back
    reads on where the last one stopped."""
    n = 49152
    with Running(xkvm_cmd(guest('serial_tx'), serial='pty',
                          append=f'len={n} seed=21 mode=poll')) as r:
        r.wait_stdout(b'(label serial0)\n')
        time.sleep(0.3)  # let the guest write before anyone listens
        fd = open_pty_client(r)
        first = read_exactly(fd, 1000)
        os.close(fd)
        fd = open_pty_client(r)
        rest = read_exactly(fd, n - len(first))
        os.close(fd)
        assert len(first) == 1000 and len(first) + len(rest) == n, (len(first), len(rest))
        assert first + rest == stream(21, n)
        assert r.wait() == 0


# ---- a terminal on stdio: raw mode and the C-a keys -----------------------------------------

class OnTerminal(Running):
    """xkvm with stdin and stdout on a pseudo-terminal, stderr (ucalls) on a pipe."""

    def __init__(self, cmd, slave):
        self.cmd = cmd
        self.proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=subprocess.PIPE,
                                     start_new_session=True)
        self.stderr_lines, self.stdout_buf, self.ucalls = [], b'', []


def read_until(fd, needle, timeout=10):
    buf = b''
    deadline = time.monotonic() + timeout
    while needle not in buf:
        left = deadline - time.monotonic()
        assert left > 0, f'{needle!r} not seen on the terminal; got {buf!r}'
        ready, _, _ = select.select([fd], [], [], min(left, 0.2))
        if ready:
            try:
                buf += os.read(fd, 4096)
            except OSError:
                break
    return buf


def test_terminal_raw_mode_and_ctrl_a():
    master, slave = pty.openpty()
    before = termios.tcgetattr(slave)
    try:
        with OnTerminal(xkvm_cmd(guest('serial_rx'), serial='stdio',
                                 append='len=100000 echo=1 trigger=1'), slave) as r:
            r.wait_ucall(lambda u: u.text == 'rx-ready')
            during = termios.tcgetattr(slave)
            assert not during[3] & (termios.ICANON | termios.ECHO)  # raw: no line editing
            os.write(master, b'abc')  # no newline: only a raw terminal passes it on
            read_until(master, b'abc')
            os.write(master, b'\x01\x01')  # C-a C-a sends one C-a
            read_until(master, b'\x01')
            os.write(master, b'\x01b')  # C-a b: a break, which the guest reads as NUL
            read_until(master, b'\x00')
            os.write(master, b'\x01h')
            read_until(master, b'C-a x    exit xkvm')
            os.write(master, b'\x01x')
            read_until(master, b'xkvm: Terminated')
            assert r.wait(timeout=10) == 0
        after = termios.tcgetattr(slave)
        assert after == before, 'xkvm did not restore the terminal'
    finally:
        os.close(master)
        os.close(slave)


# ---- the same program under QEMU ------------------------------------------------------------

@pytest.mark.qemu
def test_polled_output_matches_qemu():
    """serial_hello prints through COM1 (polled) and ends with DONE + isa-debug-exit;
    xkvm's stdout must be byte-for-byte QEMU's."""
    qemu = shutil.which('qemu-system-x86_64')
    if not qemu:
        pytest.skip('qemu-system-x86_64 is not installed: cannot compare with QEMU')
    kernel = str(guest('serial_hello'))
    x = run(xkvm_cmd(kernel, serial='stdio', ucall=False))
    q = run([qemu, '-M', 'microvm', '-accel', 'kvm', '-cpu', 'host,-arch-capabilities',
             '-m', '128M', '-display', 'none', '-monitor', 'none', '-serial', 'stdio',
             '-device', 'isa-debug-exit,iobase=0xf4', '-no-reboot', '-kernel', kernel],
            timeout=60)
    assert q.status == 1, q.log()
    assert x.status == 1, x.log()
    assert 'hello from the guest on COM1' in q.stdout and q.stdout.endswith('DONE\r\n')
    assert x.stdout == q.stdout
