# SPDX-License-Identifier: GPL-2.0-only
"""The memory map, and guests that misbehave: xkvm must never crash or hang."""
import pytest

from xkvm import assert_passed, run_guest


@pytest.mark.parametrize('mem_mib', [64, 256, 3584])
def test_memory_map(mem_mib):
    # 3584 MiB puts 512 MiB above 4 GiB (RAM below 4 GiB stops at 3 GiB).
    res = assert_passed(run_guest('memmap', mem=f'{mem_mib}M', append=f'mem_mib={mem_mib}'))
    ram, entries = res.sync('memmap-ok')[0]
    assert ram == mem_mib * 2**20 - (0x100000 - 0x9fc00)
    if mem_mib > 3072:
        assert any('[0x100000000,' in u.text for u in res.calls('PRINT')), res.log()


def test_garbage_ports_and_mmio():
    res = assert_passed(run_guest('garbage', append='n=3000'))
    assert res.sync('garbage-ok')[0][0] == 3000


def test_triple_fault_with_no_reboot_exits_0():
    res = run_guest('triple_fault')  # run_guest passes -no-reboot
    assert res.status == 0 and not res.timed_out, res.log()
    assert res.sync('faulting') and not res.sync('rebooted'), res.log()
    assert 'triple fault' in res.stderr


def test_triple_fault_without_no_reboot_boots_again():
    res = assert_passed(run_guest('triple_fault', no_reboot=False))
    assert res.sync('rebooted') == [[1]], res.log()
