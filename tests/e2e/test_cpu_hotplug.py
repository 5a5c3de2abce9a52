# SPDX-License-Identifier: GPL-2.0-only
"""vCPU hot-add and hot-remove through ACPI, driven over QMP (issue 5).

The guest program tests/guest/hotplug.c is the OS: it takes the GED interrupt, walks the
register block as the DSDT's CSCN does, answers _OST, starts new CPUs with INIT/SIPI and,
for removal, parks the AP (as Linux's play_dead) and writes the eject bit.
"""
import os
import re
import time

import pytest

from qmp import QMPError, VM

CPU = 'host-x86_64-cpu'
TRACE = ['-trace', 'vcpu_create', '-trace', 'vcpu_*park', '-trace', 'vcpu_run_eagain']


def hp_vm(maxcpus=4, cpus=1, append='', extra=()):
    return VM(program='hotplug', append=f'maxcpus={maxcpus} quiet=1 {append}',
              smp=f'{cpus},maxcpus={maxcpus}', extra=[*TRACE, *extra])


def add(q, slot, id):
    q.cmd('device_add', driver=CPU, id=id, socket_id=0, core_id=slot, thread_id=0)


def ap_up(vm, slot, generation, timeout=20):
    """Wait for the AP's own report, from its vCPU, that it came up for the
    `generation`-th time (so a late report of an earlier bring-up cannot match)."""
    u = vm.seen_ucall(lambda u: u.text == 'ap-up' and u.args[:2] == [slot, generation], timeout)
    assert u.vcpu == slot


def event(q, name, timeout=10):
    return q.wait_event(name, timeout)['data']


def removal_done(q, slot):
    """Waits for DEVICE_DELETED and then the guest's final _OST(3, 0); returns the
    DEVICE_DELETED data.  Only then may the slot be plugged again without racing the
    guest's own _STA check after its eject (Linux would log "Eject incomplete")."""
    deleted = q.wait_event('DEVICE_DELETED')['data']
    while True:
        info = q.wait_event('ACPI_DEVICE_OST')['data']['info']
        if (info['slot'], info['source'], info['status']) == (str(slot), 3, 0):
            return deleted


def trace_lines(vm, what):
    vm.drain()
    return [l for l in vm.run.stderr_lines if f':{what} ' in l]


def test_add_remove_readd_unparks_the_same_fds():
    with hp_vm() as vm:
        q = vm.qmp()
        vm.wait_ucall(lambda u: u.text == 'hotplug-ready')
        for slot in (1, 2, 3):
            add(q, slot, f'cpu{slot}')
            ap_up(vm, slot, 1)
            assert event(q, 'ACPI_DEVICE_OST')['info'] == {
                'device': f'cpu{slot}', 'slot': str(slot), 'slot-type': 'CPU', 'source': 1,
                'status': 0}
        cpus = q.cmd('query-cpus-fast')
        assert [c['cpu-index'] for c in cpus] == [0, 1, 2, 3]
        tids = {int(t) for t in os.listdir(f'/proc/{vm.proc.pid}/task')}
        assert all(c['thread-id'] in tids for c in cpus)
        assert [c['qom-path'] for c in cpus[1:]] == [f'/machine/peripheral/cpu{i}' for i in (1, 2, 3)]
        slots = q.cmd('query-hotpluggable-cpus')
        assert [s['props']['core-id'] for s in slots] == [3, 2, 1, 0]  # highest first
        assert all('qom-path' in s for s in slots)
        ospm = q.cmd('query-acpi-ospm-status')
        assert [(o['slot'], o['source'], o['status']) for o in ospm[1:]] == [
            ('1', 1, 0), ('2', 1, 0), ('3', 1, 0)]

        fds = {}
        for l in trace_lines(vm, 'vcpu_create'):
            m = re.search(r'slot (\d+) id \d+ fd (\d+)', l)
            fds[int(m.group(1))] = int(m.group(2))
        assert sorted(fds) == [0, 1, 2, 3]

        for slot in (3, 1, 2):
            q.cmd('device_del', id=f'cpu{slot}')
            # QEMU's order: _OST(eject in progress), DEVICE_DELETED, _OST(success).
            e1 = q.wait_event('ACPI_DEVICE_OST')
            e2 = q.wait_event('DEVICE_DELETED')
            e3 = q.wait_event('ACPI_DEVICE_OST')
            assert e1['data']['info'] == {'device': f'cpu{slot}', 'slot': str(slot),
                                          'slot-type': 'CPU', 'source': 3, 'status': 0x84}
            assert e2['data'] == {'device': f'cpu{slot}', 'path': f'/machine/peripheral/cpu{slot}'}
            assert e3['data']['info'] == {'slot': str(slot), 'slot-type': 'CPU', 'source': 3,
                                          'status': 0}
            t = lambda e: e['timestamp']['seconds'] * 10**6 + e['timestamp']['microseconds']
            assert t(e1) <= t(e2) <= t(e3)
        assert [c['cpu-index'] for c in q.cmd('query-cpus-fast')] == [0]

        # Re-plug: the same fds come back (unparked), the APs run guest code again.
        for slot in (1, 2, 3):
            add(q, slot, f'cpu{slot}')
            ap_up(vm, slot, 2)
        unparked = trace_lines(vm, 'vcpu_unpark')
        for slot in (1, 2, 3):
            assert any(f'id {slot} fd {fds[slot]} unparked' in l for l in unparked), unparked
        assert len(trace_lines(vm, 'vcpu_create')) == 4  # nothing created twice
        assert len(trace_lines(vm, 'vcpu_park')) == 3
        # KVM_RUN returned EAGAIN on the INIT for every hot-added or unparked vCPU that was
        # waiting in the kernel (cpu-hotplug.md §3.5); the loop ran it again.
        eagain = {int(re.search(r'id (\d+)', l).group(1)) for l in trace_lines(vm, 'vcpu_run_eagain')}
        assert {1, 2, 3} <= eagain

        q.cmd('system_powerdown')
        vm.wait_ucall(lambda u: u.text == 'powerdown')
        assert vm.wait() == 0


def test_boot_cpus_unplug_by_qom_path():
    with hp_vm(cpus=2) as vm:
        q = vm.qmp()
        vm.wait_ucall(lambda u: u.text == 'hotplug-ready')
        # The guest started its boot AP; the AP's report and the BSP's "ready" race.
        ap_up(vm, 1, 1)
        q.cmd('device_del', id='/machine/unattached/device[1]')
        assert removal_done(q, 1) == {'path': '/machine/unattached/device[1]'}
        # The slot can be plugged again, now with an id.
        add(q, 1, 'again')
        ap_up(vm, 1, 2)
        with pytest.raises(QMPError) as e:
            q.cmd('device_del', id='/machine/unattached/device[0]')
        assert e.value.desc == 'Boot CPU is unpluggable'


ERRORS = [
    # device_add, with QEMU's wording
    ({'driver': CPU, 'socket-id': 0, 'core-id': 0, 'thread-id': 0, 'id': 'x'},
     'CPU[0] with APIC ID 0 exists'),
    ({'driver': CPU, 'socket-id': 0, 'core-id': 7, 'thread-id': 0},
     'Invalid CPU core-id: 7 must be in range 0:3'),
    ({'driver': CPU, 'socket-id': 1, 'core-id': 1, 'thread-id': 0},
     'Invalid CPU socket-id: 1 must be in range 0:0'),
    ({'driver': CPU, 'socket-id': 0, 'thread-id': 0}, 'CPU core-id is not set'),
    ({'driver': CPU, 'socket-id': 0, 'core-id': '1', 'thread-id': 0},
     "Invalid parameter type for 'core-id', expected: integer"),
    ({'driver': CPU, 'socket-id': 0, 'core-id': 1, 'thread-id': 0, 'speed': 3},
     "Property 'host-x86_64-cpu.speed' not found"),
    ({'driver': 'qemu64-x86_64-cpu', 'socket-id': 0, 'core-id': 1, 'thread-id': 0},
     "Invalid CPU type, expected cpu type: 'host-x86_64-cpu'"),
    ({'driver': 'no-such-device'}, "'no-such-device' is not a valid device model name"),
    ({'driver': 'virtio-blk-pci'}, "Device 'virtio-blk-pci' can not be hotplugged on this machine"),
    ({'driver': CPU, 'id': '1bad', 'socket-id': 0, 'core-id': 1, 'thread-id': 0},
     "Parameter 'id' expects an identifier"),
    ({'socket-id': 0}, "Parameter 'driver' is missing"),
    ({'driver': 7}, "Invalid parameter type for 'driver', expected: string"),
]


def test_device_add_errors():
    with hp_vm() as vm:
        q = vm.qmp()
        vm.wait_ucall(lambda u: u.text == 'hotplug-ready')
        for args, desc in ERRORS:
            r = q.execute('device_add', args)
            assert r.get('error') == {'class': 'GenericError', 'desc': desc}, (args, r)
        add(q, 1, 'cpu1')
        ap_up(vm, 1, 1)
        r = q.execute('device_add', {'driver': CPU, 'id': 'cpu1', 'socket-id': 0, 'core-id': 2,
                                     'thread-id': 0})
        assert r['error'] == {'class': 'GenericError', 'desc': "Duplicate device ID 'cpu1'"}
        r = q.execute('device_add', {'driver': CPU, 'id': 'cpu9', 'socket-id': 0, 'core-id': 1,
                                     'thread-id': 0})
        assert r['error'] == {'class': 'GenericError', 'desc': 'CPU[1] with APIC ID 1 exists'}
        # device_del
        r = q.execute('device_del', {'id': 'nope'})
        assert r['error'] == {'class': 'DeviceNotFound', 'desc': "Device 'nope' not found"}
        r = q.execute('device_del', {'id': '/machine/unattached/device[0]'})
        assert r['error'] == {'class': 'GenericError', 'desc': 'Boot CPU is unpluggable'}
        r = q.execute('device_del', {})
        assert r['error'] == {'class': 'GenericError', 'desc': "Parameter 'id' is missing"}
        # Nothing above disturbed the guest: it still serves a real removal.
        q.cmd('device_del', id='cpu1')
        assert q.wait_event('DEVICE_DELETED')['data']['device'] == 'cpu1'
        assert len(q.cmd('query-cpus-fast')) == 1


def test_unplug_refused_while_insert_unacknowledged_and_while_pending():
    # 'progress' never services the GED: events stay unacknowledged.
    with VM(program='progress', append='interval_ms=200', smp='2,maxcpus=3') as vm:
        q = vm.qmp()
        add(q, 2, 'cpu2')
        r = q.execute('device_del', {'id': 'cpu2'})
        assert r['error']['class'] == 'GenericError'
        assert 'busy' in r['error']['desc'] and 'cpu2' in r['error']['desc']
        boot_ap = '/machine/unattached/device[1]'
        q.cmd('device_del', id=boot_ap)
        r = q.execute('device_del', {'id': boot_ap})
        assert r['error'] == {'class': 'GenericError',
                              'desc': f'Device {boot_ap} is already in the process of unplug'}
    with hp_vm(maxcpus=2, append='refuse_first_eject=1') as vm:
        q = vm.qmp()
        vm.wait_ucall(lambda u: u.text == 'hotplug-ready')
        add(q, 1, 'cpu1')
        ap_up(vm, 1, 1)
        q.wait_event('ACPI_DEVICE_OST')
        q.cmd('device_del', id='cpu1')
        # The guest refuses: _OST(3, 0x82), the CPU stays, the request is over.
        vm.wait_ucall(lambda u: u.text == 'eject-refused')
        info = q.wait_event('ACPI_DEVICE_OST')['data']['info']
        assert (info['source'], info['status'], info['device']) == (3, 0x82, 'cpu1')
        assert len(q.cmd('query-cpus-fast')) == 2
        # Asking again works (QEMU lets the user retry).
        q.cmd('device_del', id='cpu1')
        assert q.wait_event('DEVICE_DELETED')['data']['device'] == 'cpu1'


def test_guest_abuses_the_register_block_and_ejects_unasked():
    with hp_vm(append='regs_selftest=1 self_eject=2') as vm:
        q = vm.qmp()
        vm.wait_ucall(lambda u: u.text == 'regs-selftest-ok')
        vm.wait_ucall(lambda u: u.text == 'hotplug-ready')
        assert [c['cpu-index'] for c in q.cmd('query-cpus-fast')] == [0]  # no bogus eject
        add(q, 2, 'cpu2')
        ap_up(vm, 2, 1)
        # The guest ejects slot 2 of its own accord: honoured, as QEMU does.
        assert removal_done(q, 2) == {'device': 'cpu2', 'path': '/machine/peripheral/cpu2'}
        add(q, 2, 'cpu2')
        ap_up(vm, 2, 2)
        q.cmd('system_powerdown')
        assert vm.wait() == 0


@pytest.mark.slow  # and its RSS check means nothing under ASan's allocator quarantine
def test_thousand_add_remove_cycles_leak_nothing():
    n = 1000
    with hp_vm(maxcpus=2, extra=['-trace', '-vcpu_*']) as vm:
        q = vm.qmp()
        vm.wait_ucall(lambda u: u.text == 'hotplug-ready')
        counts = {'deleted': 0, 'osts': 0}

        def cycle(generation):
            add(q, 1, 'c')
            ap_up(vm, 1, generation)
            q.cmd('device_del', id='c')
            while True:  # until the final _OST(3, 0) of this removal
                e = q.wait_event_any(('DEVICE_DELETED', 'ACPI_DEVICE_OST'))
                if e['event'] == 'DEVICE_DELETED':
                    counts['deleted'] += 1
                    continue
                counts['osts'] += 1
                if e['data']['info'] == {'slot': '1', 'slot-type': 'CPU', 'source': 3,
                                         'status': 0}:
                    break
            vm.drain()

        # One cycle first: KVM's worker thread and the parked vCPU's fd exist from here on.
        cycle(1)
        assert counts == {'deleted': 1, 'osts': 3}
        fds0, thr0, rss0 = vm.fd_count(), len(vm.threads()), vm.rss_kib()
        counts = {'deleted': 0, 'osts': 0}
        t0 = time.monotonic()
        for i in range(n):
            cycle(i + 2)
        deleted, osts = counts['deleted'], counts['osts']
        elapsed = time.monotonic() - t0
        # Exactly one deletion and three _OST reports per cycle: none lost, none doubled.
        assert deleted == n and osts == 3 * n, (deleted, osts)
        assert vm.fd_count() == fds0
        assert len(vm.threads()) == thr0
        assert vm.rss_kib() - rss0 < 1024, (rss0, vm.rss_kib())
        print(f'{n} cycles in {elapsed:.1f}s ({elapsed / n * 1000:.1f} ms each); '
              f'fds {fds0}, threads {thr0}, RSS {rss0} -> {vm.rss_kib()} KiB')
        q.cmd('system_powerdown')
        assert vm.wait() == 0
