# SPDX-License-Identifier: GPL-2.0-only
"""Debian's newest stock cloud kernel (scripts/fetch-linux.sh) under xkvm, through both
entries: the bzImage 64-bit boot protocol (images/vmlinuz) and the PVH ELF entry
(images/vmlinux), with -smp 1,maxcpus=4 and 2,maxcpus=4.

Milestones, in order: the banner (the release fetched); ACPI: RSDP/XSDT/FACP/APIC/DSDT with
no ACPI error; the CPU count line (6.1: "smpboot: Allowing <maxcpus> CPUs, <hotplug>
hotplug CPUs"; 6.9+: "CPU topo: Allowing <cpus> present CPUs plus <hotplug> hotplug
CPUs"); /init with every boot CPU online and maxcpus possible; the shell answering a
command over the serial console; a clean ACPI power-off (exit status 0).

On KVM-PVM (kvm-pvm.md) kernel code runs ~8000x slower and the emulator lacks
instructions Linux uses, so the kernel never reaches user space: the test checks the early
milestones, stops there, and lists every milestone it did not check, with the reason, in
a NOT CHECKED block at the end of the run.  If the kernel stops on an instruction the
emulator lacks, xkvm's report of it (vCPU, RIP, bytes) is checked instead."""
import re

import pytest

import host
import linux
import notchecked
from linux import MILESTONES, Console
from xkvm import XKVM

pytestmark = pytest.mark.linux

# Seconds from the start of xkvm.  KVM-PVM: banner ≈28 s, smp line ≈37 s on our hosts.
DEADLINE = {'banner': 90, 'smp': 150} if host.kvm_pvm() else {'banner': 30, 'smp': 40}
PVM_SLOW = ('KVM-PVM emulates kernel code about 8000x slower than hardware and its emulator '
            'lacks int3, which Linux\'s int3 self-test runs about 100 s in (kvm-pvm.md)')
ENTRY_FILE = {'bzimage': 'vmlinuz', 'pvh': 'vmlinux'}


@pytest.fixture(scope='module')
def imgs():
    found = linux.images()
    if not found:
        notchecked.report('Linux boots', f'no kernel images in {linux.IMAGES}: run '
                          'scripts/fetch-linux.sh (needs Debian\'s package mirror)')
        pytest.skip(f'no kernel images in {linux.IMAGES}; run scripts/fetch-linux.sh')
    return found


# Instructions KVM-PVM's emulator lacks that Debian's kernels run into (by first bytes).
KNOWN = [('cc', 'int3', "Linux's int3 self-test"),
         ('48 0f ae 2f', 'xrstor', 'XSAVE: boot with noxsave'),
         ('f0 48 0f c7', 'cmpxchg16b', ''),
         ('c4 42', 'a BMI2 instruction (shlx)',
          "the bzImage's zstd decompressor uses BMI2 since KVM-PVM shows the host's BMI2 "
          "bit whatever xkvm's CPUID says")]


def not_reached(entry, smp, milestones, why):
    notchecked.report(f'Linux {entry} -smp {smp}: ' + ', '.join(milestones), why)


def stopped_by_emulator(con, entry, smp, remaining):
    """The kernel stopped before `remaining[0]`.  Acceptable only on KVM-PVM, and only as
    an emulation failure that xkvm reported in full and exited on."""
    status = con.wait_exit(10)
    fatal = con.fatal()
    assert host.kvm_pvm() and fatal is not None, \
        f'the kernel did not reach "{remaining[0]}":\n' + con.log()
    vcpu, suberror, what, rip, text = fatal
    assert status == 1, 'xkvm must exit 1 after a fatal error:\n' + con.log()
    assert suberror == 1 and what == 'emulation failure', con.log()
    assert text and text != '(unreadable)', 'no instruction bytes in the report:\n' + con.log()
    name, note = next(((n, w) for p, n, w in KNOWN if text.startswith(p)), ('an instruction', ''))
    not_reached(entry, smp, remaining,
                f"the kernel stopped at {name}, which KVM-PVM's emulator lacks (vcpu {vcpu} "
                f'RIP {rip:#x} bytes {text[:23]}; xkvm reported it and exited 1)'
                + (f'; {note}' if note else ''))


@pytest.mark.parametrize('entry', ['bzimage', 'pvh'])
@pytest.mark.parametrize('cpus,maxcpus', [(1, 4), (2, 4)])
def test_linux_boot(imgs, entry, cpus, maxcpus):
    smp = f'{cpus},maxcpus={maxcpus}'
    cmd = [XKVM, '-kernel', imgs[ENTRY_FILE[entry]], '-initrd', imgs['initrd'], '-m', '512M',
           '-smp', smp, '-serial', 'stdio', '-append', linux.cmdline('xkvm_shell=1')]
    order = ['banner', 'acpi', 'smp', 'init', 'shell', 'answer', 'poweroff']
    with Console(cmd) as con:
        # 1. The banner, with the release we fetched.
        got = con.wait(MILESTONES['banner'], DEADLINE['banner'])
        if got is None:
            return stopped_by_emulator(con, entry, smp, order)
        assert got[1].group(1) == imgs['kernel_release'], con.log()

        # 2. ACPI tables and 3. the CPU count line (ACPI's lines come first).
        got = con.wait(MILESTONES['smp'], DEADLINE['smp'] - con.elapsed())
        if got is None:
            text = con.text()
            remaining = order[1:] if 'ACPI: RSDP' not in text else order[2:]
            return stopped_by_emulator(con, entry, smp, remaining)
        text = con.text()
        for table in linux.ACPI_TABLES:
            assert f'ACPI: {table} 0x' in text, f'no "ACPI: {table}" line:\n' + con.log()
        assert not con.find(linux.ACPI_ERROR), con.log()
        n, hotplug, spelling = linux.smp_numbers(got[1])
        assert (n, hotplug) == linux.expected_smp(spelling, cpus, maxcpus), got[0].text

        if host.kvm_pvm():
            not_reached(entry, smp, order[3:], PVM_SLOW)
            return

        # 4. User space: every boot CPU online, maxcpus possible.
        got = con.wait(MILESTONES['init'], 60)
        assert got, 'no XKVM-INIT line from /init:\n' + con.log()
        assert int(got[1].group(1)) == cpus, got[0].text
        assert got[1].group(2) == (f'0-{maxcpus - 1}' if maxcpus > 1 else '0'), got[0].text

        # 5. The shell answers over the serial console.
        assert con.wait(MILESTONES['shell'], 20), con.log()
        con.send('echo xkvm-answer-$((6*7))\n')
        # The echo of what we typed says "$((6*7))": only the shell's answer says 42.
        assert con.wait(re.compile(r'^xkvm-answer-42\s*$'), 20), con.log()

        # 6. A clean power-off: /init's marker, the kernel's, exit status 0.
        con.send('exit\n')
        assert con.wait(MILESTONES['poweroff'], 20), con.log()
        status = con.wait_exit(30)
        assert status == 0, 'xkvm did not exit 0 after the power-off:\n' + con.log()
        assert con.find(re.compile(r'reboot: Power down')), con.log()
        assert not con.find(linux.ACPI_ERROR), con.log()
        assert not con.find(re.compile(r'Kernel panic|BUG:|Oops')), con.log()
