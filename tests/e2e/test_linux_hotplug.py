# SPDX-License-Identifier: GPL-2.0-only
"""vCPU hot-plug with Debian's kernel as the guest (issue 5): hot-add three CPUs over QMP,
online them through sysfs, /proc/cpuinfo shows 4, hot-remove one (Linux offlines it and
ejects it), re-add the same slot and online it again, power off cleanly.

This needs a kernel that reaches user space, which KVM-PVM does not allow (kvm-pvm.md):
there the test says so in the NOT CHECKED block and is skipped with the reason.  The
early milestone this issue also asks for on every host, "Allowing 4 CPUs, 3 hotplug CPUs"
with no ACPI error for -smp 1,maxcpus=4, is checked by test_linux.py."""
import os
import re

import pytest

import host
import linux
import notchecked
from linux import MILESTONES, Console
from qmp import QMP, short_tmpdir
from xkvm import XKVM

pytestmark = pytest.mark.linux


def test_linux_cpu_hotplug_flow():
    imgs = linux.images()
    if not imgs:
        notchecked.report('Linux CPU hot-plug flow', 'no kernel images: run scripts/fetch-linux.sh')
        pytest.skip('no kernel images in images/: run scripts/fetch-linux.sh')
    if host.kvm_pvm():
        why = ('KVM-PVM runs Debian\'s kernel ~8000x slower and it never reaches user space '
               '(kvm-pvm.md), so no shell can online CPUs; the guest side of hot-plug is proven '
               'by tests/e2e/test_cpu_hotplug.py with tests/guest/hotplug.c instead')
        notchecked.report('Linux CPU hot-plug: hot-add, online via sysfs, /proc/cpuinfo shows 4, '
                          'hot-remove, re-add', why)
        pytest.skip('NOT CHECKED on KVM-PVM: ' + why)

    sock = os.path.join(short_tmpdir(), 'qmp.sock')
    cmd = [XKVM, '-kernel', imgs['vmlinux'], '-initrd', imgs['initrd'], '-m', '512M',
           '-smp', '1,maxcpus=4', '-serial', 'stdio', '-append', linux.cmdline('xkvm_shell=1'),
           '-qmp', f'unix:{sock},server=on,wait=off']
    with Console(cmd) as con:
        assert con.wait(MILESTONES['shell'], 90), con.log()
        q = QMP(sock)

        def cpus():
            con.send('echo xkvm-cpus=$(grep -c ^processor /proc/cpuinfo)'
                     ' online=$(cat /sys/devices/system/cpu/online)\n')
            got = con.wait(re.compile(r'^xkvm-cpus=(\d+) online=(\S+)'), 20)
            assert got, con.log()
            return int(got[1].group(1)), got[1].group(2)

        def add(slot):
            q.cmd('device_add', driver='host-x86_64-cpu', id=f'cpu{slot}', socket_id=0,
                  core_id=slot, thread_id=0)
            assert con.wait(re.compile(rf'CPU{slot} has been hot-added'), 30), con.log()
            info = q.wait_event('ACPI_DEVICE_OST', 30)['data']['info']
            assert (info['slot'], info['source'], info['status']) == (str(slot), 1, 0)
            # Debian has no udev rule that onlines a hot-added CPU (cpu-hotplug.md §2.1).
            con.send(f'echo 1 > /sys/devices/system/cpu/cpu{slot}/online\n')

        assert cpus() == (1, '0')
        for slot in (1, 2, 3):
            add(slot)
        assert cpus() == (4, '0-3')

        # Hot-remove: Linux offlines the CPU itself, runs _EJ0, checks _STA.
        q.cmd('device_del', id='cpu3')
        assert q.wait_event('DEVICE_DELETED', 30)['data'] == {
            'device': 'cpu3', 'path': '/machine/peripheral/cpu3'}
        assert con.wait(re.compile(r'CPU 3 is now offline'), 30), con.log()
        assert cpus() == (3, '0-2')

        # Re-add the same slot: its parked vCPU comes back and comes online.
        add(3)
        assert cpus() == (4, '0-3')
        assert [c['cpu-index'] for c in q.cmd('query-cpus-fast')] == [0, 1, 2, 3]

        con.send('exit\n')
        assert con.wait(MILESTONES['poweroff'], 30), con.log()
        assert con.wait_exit(30) == 0, con.log()
        assert not con.find(linux.ACPI_ERROR), con.log()
        assert not con.find(re.compile(r'Eject incomplete|Kernel panic|BUG:|Oops')), con.log()
        q.close()
