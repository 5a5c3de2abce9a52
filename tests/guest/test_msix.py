# SPDX-License-Identifier: GPL-2.0-only
"""The interrupt fabric from inside a guest (tests/guest/msix.c, -device xkvm-msix-testdev):
irqfd delivery from an I/O thread, masked -> PBA -> one delivery on unmask, function mask,
retargeting, the emulated path, and bad input answered architecturally."""
import pytest

from xkvm import assert_passed, run_guest

DEV = ['-device', 'xkvm-msix-testdev,addr=0xfe000000,vectors=4']


@pytest.mark.parametrize('smp', [1, 2])
def test_msix_in_guest(smp):
    res = assert_passed(run_guest('msix', smp=smp, append=f'test=msix smp2={int(smp == 2)}',
                                  extra=DEV))
    v40, v41, v42, cpu1 = res.sync('msix-done')[0]
    assert (v40, v42) == (3, 3)
    assert v41 == (4 if smp == 2 else 3)
    assert cpu1 == (1 if smp == 2 else 0)
    # The bad entries were reported (rate-limited), not delivered.
    assert 'reserved-delivery-mode: not delivered' in res.stderr
    assert 'not-an-interrupt-address' in res.stderr
    assert 'matches no vCPU' in res.stderr
    assert 'MSI-X table read of size 1' in res.stderr


def test_msix_testdev_bad_properties():
    res = run_guest('msix', extra=['-device', 'xkvm-msix-testdev,vectors=99'])
    assert res.status == 1 and 'vectors=99' in res.stderr
