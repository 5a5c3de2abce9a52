# SPDX-License-Identifier: GPL-2.0-only
"""The Xen guest ABI served from user space (docs/xen.md), from inside Xen HVM guests booted
through the PVH entry: detection, the hypercall page, every served hypercall and
event-channel rule with its errno, timers, the PV console, shutdown, vCPU hot-plug and
save/restore.  The guest programs are tests/guest/xen_*.c."""
import struct

import pytest
from qmp import QMPError

from xkvm import Running, assert_passed, guest, run_guest, xkvm_cmd

XEN = ['-accel', 'kvm,xen-version=0x4000a']


def xen_accel(version=0x4000a, kvm_leaves=False, domid=None):
    accel = f'kvm,xen-version={version:#x},kernel-irqchip=split'
    if kvm_leaves:
        accel += ',x-xen-kvm-leaves=on'
    extra = ['-accel', accel]
    if domid is not None:
        extra += ['-xen-domid', str(domid)]
    return extra


@pytest.mark.parametrize('cpus,maxcpus', [(1, 1), (4, 4), (2, 4)])
def test_abi(cpus, maxcpus):
    res = assert_passed(run_guest('xen_abi', smp=f'{cpus},maxcpus={maxcpus}',
                                  append=f'cpus={cpus} maxcpus={maxcpus}', extra=XEN))
    assert res.sync('xen-abi-ok') == [[cpus, 0x40000000, 0x4000a]]
    # The #GP cases of the MSR were logged (rate-limited), not fatal.
    assert 'hypercall page at 0x7ff000000000 refused: not RAM (#GP)' in res.stderr


def test_abi_with_kvm_leaves_domid_and_version():
    """QEMU's full spelling, KVM's leaves kept (Xen's move to 0x40000100), another domid."""
    res = assert_passed(run_guest(
        'xen_abi', smp=2, append='cpus=2 base=0x40000100 version=0x40011 domid=7',
        extra=xen_accel(0x40011, kvm_leaves=True, domid=7)))
    assert res.sync('xen-abi-ok') == [[2, 0x40000100, 0x40011]]


def test_without_xen_the_guest_finds_no_xen():
    res = run_guest('xen_abi', append='cpus=1')
    assert not res.passed
    assert 'xen_cpuid_base() == want_base' in res.stderr


@pytest.mark.parametrize('cpus,maxcpus,route', [
    (1, 1, 'percpu'), (4, 4, 'percpu'), (2, 4, 'percpu'),
    (4, 4, 'callback'), (1, 1, 'gsi')])
def test_event_channels(cpus, maxcpus, route):
    res = assert_passed(run_guest(
        'xen_evtchn', smp=f'{cpus},maxcpus={maxcpus}',
        append=f'cpus={cpus} maxcpus={maxcpus} route={route}', extra=XEN, timeout=60))
    assert res.sync('xen-evtchn-ok') == [[cpus, ['percpu', 'callback', 'gsi'].index(route)]]
    (exhausted,) = res.sync('exhausted')[0]
    # 4095 usable ports minus the ones bound at that point: the console's, an IPI and a
    # VIRQ_TIMER per vCPU, two unbound ones.
    assert exhausted == 4095 - (1 + 2 * cpus + 2)


def test_event_channels_gsi_callback_is_level():
    """The GSI callback is a level line: asserted on the upcall edge, dropped once the
    guest has cleared upcall_pending (seen at its EOI through the irqfd's resample fd, or
    after vCPU 0's next hypercall).  KVM-PVM signals the resample when it injects the
    interrupt rather than at the guest's EOI (docs/xen.md), so the line may stay up
    between events there; delivery itself is checked by the guest."""
    res = assert_passed(run_guest('xen_evtchn', append='cpus=1 route=gsi',
                                  extra=XEN + ['-trace', 'xen_callback_gsi'], timeout=60))
    lines = [l for l in res.stderr.splitlines() if 'xen_callback_gsi gsi 10 level' in l]
    levels = [int(l[-1]) for l in lines]
    # Every drop follows an assertion.
    assert levels.count(0) >= 3, levels
    assert all(levels[i - 1] == 1 for i, v in enumerate(levels) if v == 0), levels


@pytest.mark.parametrize('cpus', [1, 4])
def test_timers_block_poll(cpus):
    res = assert_passed(run_guest('xen_timer', smp=cpus, append=f'cpus={cpus}', extra=XEN,
                                  timeout=60))
    assert res.sync('xen-timer-ok') == [[cpus]]
    late = {cpu: ns for cpu, ns in res.sync('timer-late-ns')}
    assert sorted(late) == list(range(cpus))
    # Each VIRQ_TIMER came from that vCPU's own thread (its singleshot timer).
    assert {u.vcpu for u in res.calls('SYNC', 'timer-late-ns')} == set(range(cpus))
    if cpus > 1:
        assert res.sync('poll-woken-after-ns')


def test_xen_time_matches_kvmclock():
    """With KVM's leaves kept, the guest reads both clocks: they agree within 200 us."""
    res = assert_passed(run_guest('xen_timer', smp=2, append='cpus=2',
                                  extra=xen_accel(kvm_leaves=True), timeout=60))
    (delta,) = res.sync('xen-vs-kvmclock')[0]
    delta = delta - (1 << 64) if delta >= 1 << 63 else delta
    assert abs(delta) < 200_000, delta


def test_consoles_both_ways():
    """console_io lines and the PV console ring (hvc0) on the serial back-end: output
    with flow control past the ring's size, a corrupt ring survived, input typed on the
    back-end read by the guest and echoed."""
    bulk = 16384
    cmd = xkvm_cmd(guest('xen_console'), serial='stdio', append=f'bulk={bulk}') + XEN
    with Running(cmd) as r:
        r.wait_stdout('xen-console: type a line')
        r.proc.stdin.write(b'pong\n')
        r.proc.stdin.flush()
        r.wait_ucall(lambda u: u.cmd == 'SYNC' and u.text == 'xen-console-ok')
        r.wait_ucall(lambda u: u.cmd == 'DONE')
        assert r.wait() == 0
        out = r.stdout_buf.decode(errors='replace')
    assert 'xen-console: hello from console_io\r\n' in out
    assert 'xen-console: two parts of one line\r\n' in out  # \x01\x02 dropped
    assert 'xen-console: hvc0 says hello\r\n' in out
    assert out.count('#' * 62 + '\r\n') == bulk // 64
    assert out.index('bulk done') > out.rindex('#')
    assert 'xen-console: still here' in out
    assert 'xen-console: echo: pong' in out


@pytest.mark.parametrize('reason,events', [
    ('poweroff', [('SHUTDOWN', {'guest': True, 'reason': 'guest-shutdown'})]),
    # -no-reboot (the harness's default) turns the reset into an exit, as in QEMU
    ('reboot', [('SHUTDOWN', {'guest': True, 'reason': 'guest-reset'})]),
    ('crash', [('GUEST_PANICKED', {'action': 'poweroff'}),
               ('SHUTDOWN', {'guest': True, 'reason': 'guest-panic'})]),
])
def test_shutdown_reasons(reason, events):
    """SCHEDOP_shutdown's reasons become QMP's SHUTDOWN reasons (QEMU's mapping)."""
    with xen_vm('xen_shutdown', f'reason={reason}', paused=True) as vm:
        q = vm.qmp()
        q.cmd('cont')  # connected before the guest can end the VM
        u = vm.wait_ucall(lambda u: u.text == 'shutting-down')
        assert u.args == [['poweroff', 'reboot', 'suspend', 'crash'].index(reason)]
        for name, data in events:
            assert q.wait_event(name)['data'] == data
        assert vm.wait() == 0
        assert not [u for u in vm.run.ucalls if u.cmd in ('ASSERT', 'FAIL')]
    if reason == 'crash':
        assert 'xen: the guest crashed' in '\n'.join(vm.run.stderr_lines)


def test_reboot_starts_a_fresh_domain():
    res = assert_passed(run_guest('xen_shutdown', append='reason=reboot', no_reboot=False,
                                  extra=XEN + ['-trace', 'vm_request']))
    assert res.sync('rebooted') == [[1]]
    assert 'vm_request reset reason guest-reset' in res.stderr


def test_soft_reset_forgets_everything():
    res = assert_passed(run_guest('xen_shutdown', append='reason=soft_reset', extra=XEN))
    assert res.sync('soft-reset-ok') == [[1]]


# ---- over QMP: the port table, injection, save/restore ----------------------------------

def xen_vm(program, append, smp=1, extra=(), paused=False):
    from qmp import VM
    return VM(program=program, append=append, smp=smp,
              extra=[*xen_accel(), *(['-S'] if paused else []), *extra])


def records(blob):
    """The state blob's records as (tag, payload) (docs/xen.md, "State")."""
    assert blob[:8] == b'XKVM-XEN'
    major, minor, total = struct.unpack_from('<HHI', blob, 8)
    assert (major, minor, total) == (1, 1, len(blob))
    out, off = [], 16
    while off < len(blob):
        tag, flags, n = struct.unpack_from('<HHI', blob, off)
        out.append((tag, blob[off + 8:off + 8 + n]))
        off += 8 + n
    return out


def test_event_list_inject_and_query_xen():
    with xen_vm('xen_restore', 'phase=save delay_ms=60000') as vm:
        q = vm.qmp()
        timer, ipi, a, b, deadline = vm.wait_ucall(lambda u: u.text == 'armed').args
        events = {e['port']: e for e in q.cmd('xen-event-list')}
        assert events[1] == {'port': 1, 'vcpu': 0, 'type': 'interdomain',
                             'remote-domain': 'xkvm', 'target': 1, 'pending': False,
                             'masked': False}
        assert events[timer]['type'] == 'virq' and events[timer]['target'] == 0  # VIRQ_TIMER
        assert events[ipi]['type'] == 'ipi'
        assert events[a] == {'port': a, 'vcpu': 0, 'type': 'interdomain', 'remote-domain': '1',
                             'target': b, 'pending': False, 'masked': False}
        assert events[b]['target'] == a
        x = q.cmd('__org.xkvm_query-xen')
        assert x['domid'] == 1 and x['version'] == 0x4000a and x['long-mode']
        assert x['shared-info'] is not None
        v0 = x['vcpus'][0]
        assert v0['present'] and v0['vcpu-info'] is not None and v0['time-info'] is not None
        assert v0['upcall-vector'] == 0x50 and v0['timer-deadline'] == deadline
        (con,) = [e['port'] for e in events.values() if e['type'] == 'virq' and e['target'] == 8]
        assert v0['virqs'] == {'0': timer, '8': con}  # VIRQ_TIMER, VIRQ_CON_RING
        # QEMU's inject: the guest takes it on the IPI port
        q.cmd('xen-event-inject', port=ipi)
        assert vm.wait_ucall(lambda u: u.text == 'injected').args == [ipi, 0]
        for bad in (0, 4000, 4096):
            with pytest.raises(QMPError) as e:
                q.cmd('xen-event-inject', port=bad)
            assert e.value.desc == f'Invalid port {bad}'
        with pytest.raises(QMPError) as e:
            q.cmd('__org.xkvm_xen-state-load', file='/nonexistent')
        assert 'before the guest runs' in e.value.desc


def test_commands_without_xen():
    from qmp import VM
    with VM(program='progress') as vm:
        q = vm.qmp()
        names = {c['name'] for c in q.cmd('query-commands')}
        assert 'xen-event-list' not in names
        with pytest.raises(QMPError) as e:
            q.cmd('xen-event-list')
        assert e.value.cls == 'CommandNotFound'


def test_save_restore_round_trip(tmp_path):
    """A timer armed before the save fires after the load into a fresh xkvm process, at
    its deadline in the saved guest's time; the state reads the same on both sides."""
    blob_a, blob_b = tmp_path / 'a.xen', tmp_path / 'b.xen'
    with xen_vm('xen_restore', 'phase=save delay_ms=3000') as vm:
        q = vm.qmp()
        timer, ipi, a, b, deadline = vm.wait_ucall(lambda u: u.text == 'armed').args
        q.cmd('xen-event-inject', port=ipi)
        vm.wait_ucall(lambda u: u.text == 'injected')
        before = q.cmd('__org.xkvm_query-xen')
        size = q.cmd('__org.xkvm_xen-state-save', file=str(blob_a))['size']
        assert size == blob_a.stat().st_size
    append = f'phase=restore timer={timer} ipi={ipi} a={a} b={b} deadline={deadline}'
    with xen_vm('xen_restore', append, paused=True) as vm:
        q = vm.qmp()
        q.cmd('__org.xkvm_xen-state-load', file=str(blob_a))
        after = q.cmd('__org.xkvm_query-xen')
        q.cmd('__org.xkvm_xen-state-save', file=str(blob_b))
        # Same state on both sides; only guest RAM (pending bits) and counters differ.
        for s in (before, after):
            del s['stats']
            for p in s['ports']:
                del p['pending'], p['masked']
        assert before == after
        ra, rb = records(blob_a.read_bytes()), records(blob_b.read_bytes())
        assert [t for t, _ in ra] == [t for t, _ in rb]
        assert [r for r in ra if r[0] not in (6, 0xffff)] == \
               [r for r in rb if r[0] not in (6, 0xffff)]
        (clock_a,) = [struct.unpack('<Q', p)[0] for t, p in ra if t == 6]
        (clock_b,) = [struct.unpack('<Q', p)[0] for t, p in rb if t == 6]
        assert clock_a <= clock_b < deadline  # the clock continued from the save
        # loading twice is refused: the state is in use
        with pytest.raises(QMPError) as e:
            q.cmd('__org.xkvm_xen-state-load', file=str(blob_a))
        assert 'in use' in e.value.desc
        q.cmd('cont')
        u = vm.wait_ucall(lambda u: u.text == 'restored-timer', timeout=30)
        assert u.args[0] == timer
        vm.wait_ucall(lambda u: u.cmd == 'DONE')


def test_state_load_refuses_bad_blobs(tmp_path):
    bad = tmp_path / 'bad.xen'
    with xen_vm('xen_restore', 'phase=save delay_ms=60000', paused=True) as vm:
        q = vm.qmp()
        for content, why in ((b'', 'too short'), (b'XKVM-XEN' + b'\0' * 100, 'version'),
                             (b'garbage' * 10, 'bad magic')):
            bad.write_bytes(content)
            with pytest.raises(QMPError) as e:
                q.cmd('__org.xkvm_xen-state-load', file=str(bad))
            assert why in e.value.desc, e.value.desc
        # still usable afterwards: the guest runs and sets itself up
        q.cmd('cont')
        vm.wait_ucall(lambda u: u.text == 'armed')


def test_vcpu_hotplug():
    """A hot-added vCPU becomes a valid event-channel target and takes its own timer; a
    hot-removed one loses its per-vCPU ports and timer, its other ports move to vCPU 0;
    plugged again it keeps its vcpu_info and binds again."""
    with xen_vm('xen_hotplug', 'maxcpus=3', smp='1,maxcpus=3') as vm:
        q = vm.qmp()
        vm.wait_ucall(lambda u: u.text == 'xen-hotplug-ready')
        for generation in (1, 2):
            q.cmd('device_add', driver='host-x86_64-cpu', id='cpu1', socket_id=0, core_id=1,
                  thread_id=0)
            u = vm.wait_ucall(lambda u: u.text == 'xen-ap-up', timeout=30)
            assert (u.vcpu, u.args) == (1, [1, generation])
            vm.wait_ucall(lambda u: u.text == 'xen-plugged' and u.args == [1], timeout=30)
            x = q.cmd('__org.xkvm_query-xen')
            v1 = x['vcpus'][1]
            assert v1['present'] and v1['vcpu-info'] is not None
            assert v1['timer-deadline'] > 0 and v1['upcall-vector'] == 0x50
            assert set(v1['virqs']) == {'0'}  # its VIRQ_TIMER (global VIRQs are vCPU 0's)
            (con,) = [p for p in x['ports'] if p['type'] == 'virq' and p['target'] == 8]
            assert con['vcpu'] == 1  # VIRQ_CON_RING moved here
            q.cmd('device_del', id='cpu1')
            vm.wait_ucall(lambda u: u.text == 'xen-unplugged' and u.args == [1], timeout=30)
            q.wait_event('DEVICE_DELETED')
            v1 = q.cmd('__org.xkvm_query-xen')['vcpus'][1]
            assert not v1['present'] and v1['timer-deadline'] == 0 and v1['virqs'] == {}
            assert v1['vcpu-info'] is not None  # kept, as Xen keeps it
            while True:  # the guest's last _OST before the slot is plugged again
                info = q.wait_event('ACPI_DEVICE_OST')['data']['info']
                if (info['source'], info['status']) == (3, 0):
                    break
        assert 'xen: vcpu 1 unplugged: 2 per-vCPU event channels closed' in \
            '\n'.join(vm.run.stderr_lines)


@pytest.mark.parametrize('seed', [1, 7, 1234])
def test_hostile_guest(seed):
    """Random hypercalls and arguments from two vCPUs: every one answered, xkvm alive and
    still serving a well-behaved round trip afterwards."""
    res = assert_passed(run_guest('xen_garbage', smp=2, append=f'seed={seed} iterations=2000',
                                  extra=XEN, timeout=120))
    assert res.sync('xen-garbage-survived')[0][0] == 2000
    assert 'AddressSanitizer' not in res.stderr and 'runtime error' not in res.stderr


def test_32bit_calling_convention():
    """Hypercalls from compatibility mode: EBX ECX EDX... in, EAX out, the compat
    structures, set_timer_op's split deadline, and the 32-bit 2-level layout latched by an
    MSR write from 32-bit code."""
    res = assert_passed(run_guest('xen_compat', append='version=0x4000a', extra=XEN))
    assert res.sync('xen-compat-ok') == [[0x4000a]]


@pytest.mark.parametrize('args,message', [
    (['-xen-domid', '0'], '-xen-domid 0: a domain id from 1 to 32751'),
    (['-xen-domid', '40000'], '-xen-domid 40000: a domain id from 1 to 32751'),
    (['-accel', 'kvm,xen-version=0'], 'xen-version must be a 32-bit value'),
    (['-accel', 'kvm,xen-version=0x4000a,x-xen-kvm-leaves=maybe'], 'x-xen-kvm-leaves'),
])
def test_bad_xen_options(args, message):
    res = run_guest('xen_abi', extra=args, timeout=10)
    assert res.status == 1 and message in res.stderr, res.log()
