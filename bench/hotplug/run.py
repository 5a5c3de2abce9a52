#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""bench/hotplug: vCPU hot-add and hot-remove latency against the floor, in one run.

Timestamps come from xkvm's own trace log (-D, microseconds, one clock), so the harness's
Python latency is not in the numbers:
  hot-add:  QMP device_add received -> the new AP's first report (its first ucall exit),
            split into the VMM's part (device_add -> GED raised, vCPU thread started) and
            the guest's part (its ACPI walk, _OST, INIT/SIPI, trampoline, long mode);
  eject:    the guest's "ejecting" report (just before it writes the eject bit) -> the
            vCPU stopped, joined and parked and DEVICE_DELETED sent;
  floor:    build/bench/hotplug-floor: KVM_CREATE_VCPU + xkvm's vCPU configuration +
            thread + first KVM_RUN exit, and the same for an unparked fd.
The first plug of the slot creates its vCPU; every later cycle unparks it.

  bench/hotplug/run.py [--cycles 200] [--markdown]
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'lib'))
from qmp import VM  # noqa: E402

BUILD = os.environ.get('XKVM_BUILD', os.path.join(ROOT, 'build'))
LINE = re.compile(r'^\d+@(\d+\.\d+):(\w+) (.*)$')
TRACE = ['qmp_request', 'ucall', 'acpi_ged_raise', 'vcpu_thread_start', 'cpu_hotplug_eject',
         'vcpu_exit_io']


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(len(v) * p / 100))]


def fmt(us):
    return f'{us:.0f} µs' if us < 10000 else f'{us / 1000:.1f} ms'


def parse(log):
    """Per cycle, in µs: add->GED, add->thread, add->AP first instruction (its first exit,
    the io_delay() at the top of ap_start()), add->AP report, eject->parked."""
    add = ged = thr = first = None
    eject = None
    adds, geds, thrs, firsts, ejects = [], [], [], [], []
    for l in open(log):
        m = LINE.match(l.strip())
        if not m:
            continue
        t, name, args = float(m.group(1)) * 1e6, m.group(2), m.group(3)
        if name == 'qmp_request' and '"device_add"' in args:
            add, ged, thr, first = t, None, None, None
        elif name == 'vcpu_exit_io' and args.startswith('id 1 port 0x80') and add is not None \
                and first is None:
            first = t - add
        elif name == 'acpi_ged_raise' and add is not None and ged is None:
            ged = t - add
        elif name == 'vcpu_thread_start' and add is not None and thr is None:
            thr = t - add
        elif name == 'ucall' and args.startswith('vcpu 1 SYNC') and add is not None:
            adds.append(t - add)
            geds.append(ged)
            thrs.append(thr)
            firsts.append(first)
            add = None
        elif name == 'ucall' and args.startswith('vcpu 0 SYNC'):
            eject = t  # the last SYNC of the BSP before the eject is "ejecting"
        elif name == 'cpu_hotplug_eject' and eject is not None:
            ejects.append(t - eject)
            eject = None
    return adds, geds, thrs, firsts, ejects


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--cycles', type=int, default=200)
    ap.add_argument('--markdown', action='store_true')
    args = ap.parse_args()

    floor = json.loads(subprocess.run([os.path.join(BUILD, 'bench', 'hotplug-floor'), '-n',
                                       str(min(args.cycles, 253))], check=True,
                                      capture_output=True, text=True).stdout)
    log = tempfile.NamedTemporaryFile(prefix='xkvm-hp-', suffix='.log', delete=False).name
    extra = ['-D', log] + [a for e in TRACE for a in ('-trace', e)]
    guest_ns = []
    with VM(program='hotplug', append='maxcpus=2 quiet=1', smp='1,maxcpus=2', extra=extra) as vm:
        q = vm.qmp()
        vm.wait_ucall(lambda u: u.text == 'hotplug-ready')
        for _ in range(args.cycles):
            q.cmd('device_add', driver='host-x86_64-cpu', id='c', socket_id=0, core_id=1,
                  thread_id=0)
            guest_ns.append(vm.wait_ucall(lambda u: u.text == 'ap-up').args[2])
            q.cmd('device_del', id='c')
            q.wait_event('DEVICE_DELETED')  # the id is free again from here
            vm.wait_ucall(lambda u: u.text == 'cpu-removed')
            q.events.clear()
        q.cmd('system_powerdown')
        vm.wait()
    adds, geds, thrs, firsts, ejects = parse(log)
    os.unlink(log)
    assert len(adds) == args.cycles and len(ejects) == args.cycles, (len(adds), len(ejects))

    fc, fu = floor['create_ns'], floor['unpark_ns']
    unpark_adds, unpark_thrs = adds[1:], thrs[1:]
    guest_us = [g / 1000 for g in guest_ns[1:]]
    res = {
        'add_first_insn': (pct(firsts[1:], 50), pct(firsts[1:], 99)),
        'add_unpark': (pct(unpark_adds, 50), pct(unpark_adds, 99)),
        'add_vmm': (pct(unpark_thrs, 50), pct(unpark_thrs, 99)),
        'add_ged': (pct(geds[1:], 50), pct(geds[1:], 99)),
        'guest': (pct(guest_us, 50), pct(guest_us, 99)),
        'eject': (pct(ejects, 50), pct(ejects, 99)),
        'add_create': adds[0], 'add_create_vmm': thrs[0], 'add_create_first': firsts[0],
        'floor_create': (fc['p50'] / 1000, fc['p99'] / 1000),
        'floor_unpark': (fu['p50'] / 1000, fu['p99'] / 1000),
    }
    if not args.markdown:
        print(json.dumps(res, indent=1))
        return
    r = res
    print(f'| what ({args.cycles} cycles, xkvm trace clock) | p50 | p99 |')
    print('|---|---|---|')
    print(f'| hot-add (re-plug): device_add -> new AP\'s first instruction (its first exit) | {fmt(r["add_first_insn"][0])} | {fmt(r["add_first_insn"][1])} |')
    print(f'| hot-add (re-plug): device_add -> new AP\'s first ucall report | {fmt(r["add_unpark"][0])} | {fmt(r["add_unpark"][1])} |')
    print(f'| &nbsp;&nbsp;VMM part: device_add -> vCPU unparked, thread in KVM_RUN | {fmt(r["add_vmm"][0])} | {fmt(r["add_vmm"][1])} |')
    print(f'| &nbsp;&nbsp;VMM part: device_add -> GED raised | {fmt(r["add_ged"][0])} | {fmt(r["add_ged"][1])} |')
    print(f'| &nbsp;&nbsp;guest part: insert seen -> AP first C instruction (kvmclock) | {fmt(r["guest"][0])} | {fmt(r["guest"][1])} |')
    print(f'| hot-remove: eject write -> vCPU parked, DEVICE_DELETED sent | {fmt(r["eject"][0])} | {fmt(r["eject"][1])} |')
    print(f'| hot-add, first plug (creates the vCPU): -> thread / -> first instruction | {fmt(r["add_create_vmm"])} / {fmt(r["add_create_first"])} | — |')
    print(f'| floor: create + thread + first KVM_RUN | {fmt(r["floor_create"][0])} | {fmt(r["floor_create"][1])} |')
    print(f'| floor: unpark + thread + first KVM_RUN | {fmt(r["floor_unpark"][0])} | {fmt(r["floor_unpark"][1])} |')
    print()
    print(f'- VMM part of a hot-add / unpark floor (p50): {r["add_vmm"][0] / r["floor_unpark"][0]:.1f}x (target 3x)')
    print(f'- device_add -> AP first instruction, guest included / unpark floor (p50): '
          f'{r["add_first_insn"][0] / r["floor_unpark"][0]:.1f}x')
    print(f'- unpark floor / create floor (p50): {r["floor_unpark"][0] / r["floor_create"][0]:.2f}x (target < 1)')


if __name__ == '__main__':
    main()
