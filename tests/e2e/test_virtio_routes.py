# SPDX-License-Identifier: GPL-2.0-only
"""The per-vCPU route index over QMP (__org.xkvm_query-vcpu-routes) against what a guest
driver programmed into a virtio-blk-pci's MSI-X table, step by step.

The guest programs (tests/guest/virtio_blk.c, virtio_irq.c) stop after each step (SYNC)
until we send a byte on COM1 (-serial stdio), so the dump is compared with a quiescent
table.
"""
import pytest

from qmp import VM, xkvm_qmp_cmd
from blkimg import blk_args, make_image

DEV = 'virtio-blk-d0'
CMD = '__org.xkvm_query-vcpu-routes'


def index(q):
    """{cpu-index: {vector: route}} for the virtio device, plus the raw dump."""
    dump = q.cmd(CMD)
    by_cpu = {}
    for cpu in dump:
        assert cpu['present'] is True
        assert cpu['apic-id'] == cpu['cpu-index']
        by_cpu[cpu['cpu-index']] = {r['vector']: r for r in cpu['routes'] if r['device'] == DEV}
    return by_cpu, dump


def step(vm, label, timeout=30):
    return vm.wait_ucall(lambda u: u.cmd == 'SYNC' and u.text == label, timeout)


def go_on(vm):
    vm.proc.stdin.write(b'g')
    vm.proc.stdin.flush()


def route_vm(tmp_path, program, cpus, append, queues=1):
    img = tmp_path / 'disk.img'
    make_image(img, 1)
    return VM(cmd=lambda sock: xkvm_qmp_cmd(
        sock, program=program, smp=cpus, serial='stdio',
        append=f'{append} cpus={cpus} wait=1', extra=blk_args(img, queues)))


def check(route, guest_vector, masked=False, pending=False):
    assert route['mode'] == 'irqfd'
    assert route['gsi'] >= 24
    assert route['guest-vector'] == guest_vector
    assert route['delivery'] == 'fixed'
    assert route['dest-mode'] == 'physical'
    assert route['masked'] is masked
    assert route['pending'] is pending
    assert route['targets'] == 1


@pytest.mark.parametrize('cpus,queues', [(2, 2), (4, 4), (2, 4)])
def test_one_vector_per_queue_each_on_its_vcpu(tmp_path, cpus, queues):
    with route_vm(tmp_path, 'virtio_blk', cpus, f'queues={queues} sectors=16384 hostseed=1',
                  queues) as vm:
        q = vm.qmp()
        step(vm, 'ready')
        by_cpu, dump = index(q)
        assert sorted(by_cpu) == list(range(cpus))
        # Vector 0 (configuration) on CPU 0; vector 1 + k (queue k) on CPU k mod cpus only.
        check(by_cpu[0][0], 0x40)
        for k in range(queues):
            cpu = k % cpus
            check(by_cpu[cpu][1 + k], 0x41 + k)
            assert by_cpu[cpu][1 + k]['dest-id'] == cpu
            for other in range(cpus):
                if other != cpu:
                    assert 1 + k not in by_cpu[other], dump
        go_on(vm)
        assert step(vm, 'blk-done').args[2] == queues
        assert vm.wait() == 0


def test_index_follows_every_step(tmp_path):
    with route_vm(tmp_path, 'virtio_irq', 2, 'test=all') as vm:
        q = vm.qmp()
        expect = {
            # step: {cpu: {vector: (guest vector, masked, pending)}}
            'programmed': {0: {0: (0x40, False, False), 1: (0x41, False, False)}, 1: {}},
            'masked-pending': {0: {0: (0x40, False, False), 1: (0x41, True, True)}, 1: {}},
            'unmasked': {0: {0: (0x40, False, False), 1: (0x41, False, False)}, 1: {}},
            'function-masked': {0: {0: (0x40, True, False), 1: (0x41, True, True)}, 1: {}},
            'function-unmasked': {0: {0: (0x40, False, False), 1: (0x41, False, False)}, 1: {}},
            'vector': {0: {0: (0x40, False, False), 1: (0x41, False, False)}, 1: {}},
            'retargeted': {0: {0: (0x40, False, False)}, 1: {1: (0x41, False, False)}},
            'retargeted-back': {0: {0: (0x40, False, False), 1: (0x41, False, False)}, 1: {}},
            # MSI-X disabled: every vector masked, the table (and so the index) unchanged.
            'intx-disabled': {0: {0: (0x40, True, False), 1: (0x41, True, False)}, 1: {}},
            'intx': {0: {0: (0x40, False, False), 1: (0x41, False, False)}, 1: {}},
        }
        for label, want in expect.items():
            step(vm, label)
            by_cpu, dump = index(q)
            got = {cpu: {v: (r['guest-vector'], r['masked'], r['pending'])
                         for v, r in routes.items()} for cpu, routes in by_cpu.items()}
            assert got == want, f'after {label}: {dump}'
            go_on(vm)
        step(vm, 'irq-done')
        assert vm.wait() == 0


def test_query_without_devices_lists_the_vcpus():
    with VM(cmd=lambda sock: xkvm_qmp_cmd(sock, smp=2)) as vm:
        dump = vm.qmp().cmd(CMD)
        assert [(c['cpu-index'], c['routes']) for c in dump] == [(0, []), (1, [])]


def test_hot_remove_with_routes_then_retarget_and_readd(tmp_path):
    """A vCPU ejected while a vector still targets it: the routes are reported
    (__org.xkvm_VCPU_ROUTES_LEFT and a log line); once the guest retargets the vector the
    index lists none on it; after re-adding the vCPU a vector can be aimed at it again."""
    img = tmp_path / 'disk.img'
    make_image(img, 1)
    with VM(cmd=lambda sock: xkvm_qmp_cmd(sock, program='virtio_hotplug', smp='2,maxcpus=2',
                                          serial='stdio', append='wait=1',
                                          extra=blk_args(img, 1))) as vm:
        q = vm.qmp()
        step(vm, 'aimed')
        by_cpu, dump = index(q)
        assert 1 in by_cpu[1] and 1 not in by_cpu[0], dump

        go_on(vm)
        q.cmd('device_del', id='/machine/unattached/device[1]')
        left = q.wait_event('__org.xkvm_VCPU_ROUTES_LEFT', 20)['data']
        assert left['cpu-index'] == 1
        assert [(r['device'], r['vector'], r['guest-vector']) for r in left['routes']] == \
            [(DEV, 1, 0x41)]
        step(vm, 'removed')
        q.wait_event('DEVICE_DELETED')
        by_cpu, dump = index(q)
        # CPU 1 is gone: no longer listed (its routes stay valid, deliver nothing).
        assert sorted(by_cpu) == [0], dump
        assert 1 not in by_cpu[0]

        go_on(vm)
        step(vm, 'retargeted')
        by_cpu, dump = index(q)
        assert sorted(by_cpu) == [0] and 1 in by_cpu[0], dump
        assert by_cpu[0][1]['dest-id'] == 0
        go_on(vm)

        q.cmd('device_add', driver='host-x86_64-cpu', id='cpu1', socket_id=0, core_id=1,
              thread_id=0)
        step(vm, 're-aimed')
        by_cpu, dump = index(q)
        assert sorted(by_cpu) == [0, 1], dump
        assert 1 in by_cpu[1] and 1 not in by_cpu[0]
        assert vm.wait() == 0
    assert any('vCPU 1 removed with 1 interrupt route(s) still targeting it' in l
               for l in vm.run.stderr_lines), '\n'.join(vm.run.stderr_lines[-30:])
