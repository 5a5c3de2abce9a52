# SPDX-License-Identifier: GPL-2.0-only
"""Booting Debian's kernel (fetched by scripts/fetch-linux.sh) and watching its console:
shared by tests/e2e/test_linux.py and bench/boot.

The milestones are the lines the kernel and our /init (scripts/initramfs-init.sh) print,
in the order they come.  Console is a VMM process (xkvm or QEMU) whose serial console is
its stdin/stdout; it records every line with the time since the process started."""
import os
import re
import select
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import host

ROOT = Path(__file__).resolve().parents[2]
IMAGES = Path(os.environ.get('XKVM_IMAGES', ROOT / 'images'))

# Milestone -> the console line that marks it.  "smp" has two spellings: Linux 6.1
# (smpboot: Allowing <possible> CPUs, <hotplug> hotplug CPUs) and, since the 6.9 topology
# rework, "CPU topo: Allowing <present> present CPUs plus <hotplug> hotplug CPUs".
MILESTONES = {
    'banner': re.compile(r'Linux version (\S+)'),
    'acpi': re.compile(r'ACPI: RSDP 0x'),
    'smp': re.compile(r'smpboot: Allowing (\d+) CPUs, (\d+) hotplug CPUs|'
                      r'CPU topo: Allowing (\d+) present CPUs plus (\d+) hotplug CPUs'),
    'init': re.compile(r'^XKVM-INIT: cpus=(\d+) possible=(\S+) kernel=(\S+)'),
    'shell': re.compile(r'^XKVM-SHELL: ready'),
    'poweroff': re.compile(r'^XKVM-POWEROFF'),
}
ACPI_TABLES = ['RSDP', 'XSDT', 'FACP', 'APIC', 'DSDT']
ACPI_ERROR = re.compile(r'ACPI (BIOS )?Error|ACPI Warning')
FATAL_RE = re.compile(r'vcpu (\d+): KVM internal error \(suberror (\d+): ([^)]*)\) at RIP '
                      r'0x([0-9a-f]+)')
BYTES_RE = re.compile(r'vcpu \d+: instruction bytes at RIP: (.*)$', re.M)


def images():
    """Paths of the kernel images and the initramfs, with linux.env; None if not fetched."""
    need = {'vmlinuz': IMAGES / 'vmlinuz', 'vmlinux': IMAGES / 'vmlinux',
            'initrd': IMAGES / 'initramfs.cpio.gz', 'env': IMAGES / 'linux.env'}
    if not all(p.exists() for p in need.values()):
        return None
    env = dict(l.split('=', 1) for l in need['env'].read_text().splitlines() if '=' in l)
    return dict(need, **{k.lower(): v for k, v in env.items()})


def cmdline(extra=''):
    """The kernel command line the tests and the benchmark use.  earlyprintk prints from
    the first instants (console=ttyS0 alone starts printing only once the 8250 driver is
    up, which KVM-PVM never reaches); on KVM-PVM, noxsave keeps Linux off XSAVE, which
    KVM-PVM's emulator lacks and cannot be hidden there (vcpu/cpuid.c)."""
    parts = ['console=ttyS0', 'earlyprintk=serial,ttyS0,115200']
    if host.kvm_pvm():
        parts.append('noxsave')
    if extra:
        parts.append(extra)
    return ' '.join(parts)


def smp_numbers(m):
    """(present or possible CPUs, hotplug CPUs, spelling) from a "smp" milestone match."""
    if m.group(1) is not None:
        return int(m.group(1)), int(m.group(2)), 'smpboot'
    return int(m.group(3)), int(m.group(4)), 'topo'


def expected_smp(spelling, cpus, maxcpus):
    """What the "smp" line must say for -smp cpus,maxcpus=maxcpus."""
    if spelling == 'smpboot':
        return maxcpus, maxcpus - cpus
    return cpus, maxcpus - cpus


@dataclass
class Line:
    t: float      # seconds since the VMM started
    text: str


class Console:
    """A VMM whose serial console is its stdio: lines in, commands out."""

    def __init__(self, cmd, env=None):
        self.cmd = [str(c) for c in cmd]
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(self.cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=env, start_new_session=True)
        self.lines = []       # stdout (the console), complete lines
        self.stderr = ''
        self._partial = {}
        self._next = 0        # first line not yet consumed by wait()
        self.exit_time = None

    def _pump(self, timeout):
        fds = [f for f in (self.proc.stdout, self.proc.stderr) if not f.closed]
        if not fds:
            time.sleep(timeout)
            return
        r, _, _ = select.select(fds, [], [], timeout)
        now = time.monotonic() - self.t0
        for f in r:
            data = os.read(f.fileno(), 65536)
            if not data:
                rest = self._partial.pop(f, b'')
                if rest and f is self.proc.stdout:
                    self.lines.append(Line(now, rest.decode(errors='replace').rstrip('\r')))
                f.close()
                continue
            if f is self.proc.stderr:
                self.stderr += data.decode(errors='replace')
                continue
            buf = self._partial.get(f, b'') + data
            *done, rest = buf.split(b'\n')
            self._partial[f] = rest
            for l in done:
                self.lines.append(Line(now, l.decode(errors='replace').rstrip('\r')))

    def elapsed(self):
        """Seconds since the VMM started."""
        return time.monotonic() - self.t0

    def alive(self):
        if self.proc.poll() is None:
            return True
        if self.exit_time is None:
            self.exit_time = time.monotonic() - self.t0
        return False

    def wait(self, regex, timeout, give_up=None):
        """The first line from here on matching regex, as (Line, match); None if the
        VMM exited, the time ran out, or `give_up` (a regex) matched its stderr first
        (QEMU stops the guest on a KVM internal error but does not exit)."""
        deadline = time.monotonic() + timeout
        while True:
            if give_up is not None and give_up.search(self.stderr):
                return None
            while self._next < len(self.lines):
                line = self.lines[self._next]
                self._next += 1
                m = regex.search(line.text)
                if m:
                    return line, m
            if not self.alive():
                # Drain what the process wrote before it went.
                self._pump(0.05)
                if self._next < len(self.lines) or any(not f.closed for f in
                                                      (self.proc.stdout, self.proc.stderr)):
                    continue
                return None
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self._pump(min(left, 0.1))

    def send(self, text):
        self.proc.stdin.write(text.encode())
        self.proc.stdin.flush()

    def wait_exit(self, timeout):
        deadline = time.monotonic() + timeout
        while self.alive() and time.monotonic() < deadline:
            self._pump(0.1)
        while any(not f.closed for f in (self.proc.stdout, self.proc.stderr)):
            self._pump(0.05)
            if self.alive():
                break
        return None if self.alive() else self.proc.returncode

    def find(self, regex):
        return [l for l in self.lines if regex.search(l.text)]

    def text(self):
        return '\n'.join(l.text for l in self.lines)

    def fatal(self):
        """xkvm's fatal-error report: (vcpu, suberror, what, rip, bytes) or None."""
        m = FATAL_RE.search(self.stderr)
        if not m:
            return None
        b = BYTES_RE.search(self.stderr)
        return (int(m.group(1)), int(m.group(2)), m.group(3), int(m.group(4), 16),
                b.group(1) if b else '')

    def log(self, last=60):
        tail = '\n'.join(f'{l.t:8.2f} {l.text}' for l in self.lines[-last:])
        return (f'command: {" ".join(self.cmd)}\nstatus: {self.proc.poll()}\n'
                f'--- stderr ---\n{self.stderr}\n--- console (last {last} lines) ---\n{tail}')

    def kill(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        for f in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if f and not f.closed:
                f.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill()
