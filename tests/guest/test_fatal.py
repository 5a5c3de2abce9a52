# SPDX-License-Identifier: GPL-2.0-only
"""A KVM internal error or emulation failure stops the VM with a report naming the vCPU,
RIP and the instruction bytes (read through the guest's page tables), and xkvm exits
non-zero: never a hang (tests/guest/fatal.c)."""
import re

import pytest

import host
from xkvm import assert_passed, run_guest

REPORT_RE = re.compile(r'xkvm: error: vcpu (\d+): KVM internal error \(suberror \d+: [^)]*\) '
                       r'at RIP 0x([0-9a-f]+) \(CS [0-9a-f]+, 64-bit mode\)')
BYTES_RE = re.compile(r'xkvm: error: vcpu (\d+): instruction bytes at RIP: (.*)$', re.M)
DEADLINE = 15  # seconds: the guest faults within a second; anything near this is a hang


def fatal_report(res):
    """(vcpu, rip, bytes-or-text) from xkvm's report; fails if it is not there."""
    m = REPORT_RE.search(res.stderr)
    assert m, 'no fatal-error report naming vCPU and RIP:\n' + res.log()
    b = BYTES_RE.search(res.stderr)
    assert b and int(b.group(1)) == int(m.group(1)), 'no instruction-bytes line:\n' + res.log()
    return int(m.group(1)), int(m.group(2), 16), b.group(2)


def fault_site(res):
    syncs = res.sync('fault-at')
    assert len(syncs) == 1, 'the guest did not announce its fault:\n' + res.log()
    cpu, addr, first = syncs[0]
    return cpu, addr, first.to_bytes(8, 'little')


def assert_stopped(res):
    assert not res.timed_out, 'xkvm hung after the fatal error:\n' + res.log()
    assert res.elapsed < DEADLINE
    assert res.status == 1, 'xkvm must exit 1 after a fatal error:\n' + res.log()
    assert not res.calls('DONE')


@pytest.mark.parametrize('cpu', [0, 1])
def test_cmpxchg16b(cpu):
    res = run_guest('fatal', smp=2, append=f'what=cx16 cpu={cpu}', timeout=DEADLINE + 15,
                    extra=['-cpu', 'host,+cx16'])
    if not host.kvm_pvm():
        # Hardware KVM runs cmpxchg16b: the guest checks the result and passes.
        assert_passed(res)
        assert res.sync('cx16-ran') == [[cpu]]
        return
    assert_stopped(res)
    vcpu, rip, text = fatal_report(res)
    fcpu, faddr, fbytes = fault_site(res)
    assert (vcpu, rip) == (fcpu, faddr) == (cpu, faddr)
    # The bytes came through the guest's page tables: they match what the guest saw.
    assert text.split()[:8] == [f'{x:02x}' for x in fbytes]
    assert text.startswith('f0 48 0f c7'), text  # lock cmpxchg16b


@pytest.mark.parametrize('cpu', [0, 1])
def test_code_in_mmio_hole(cpu):
    """No KVM can fetch instructions where there is no RAM: a report on every host."""
    res = run_guest('fatal', smp=2, append=f'what=mmio cpu={cpu}', timeout=DEADLINE + 15)
    assert_stopped(res)
    vcpu, rip, text = fatal_report(res)
    assert (vcpu, rip) == (cpu, 0xd0000000)
    assert fault_site(res)[:2] == (cpu, 0xd0000000)
    assert text == '(unreadable): RIP is guest physical 0xd0000000, which is not RAM', text
