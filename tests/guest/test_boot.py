# SPDX-License-Identifier: GPL-2.0-only
"""Boot path and CPU state, from inside the guest (tests/guest/boot.c)."""
import pytest

from xkvm import assert_passed, run_guest


@pytest.mark.parametrize('smp,maxcpus', [(1, 1), (2, 4), (4, 4)])
def test_boot_cpu_state(smp, maxcpus):
    res = assert_passed(run_guest('boot', smp=f'{smp},maxcpus={maxcpus}',
                                  append=f'test=boot maxcpus={maxcpus}'))
    efer, cr0, cr4 = res.sync('boot-ok')[0]
    assert efer & (1 << 10) and cr0 & (1 << 31) and cr4 & (1 << 5)
