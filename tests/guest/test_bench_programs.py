# SPDX-License-Identifier: GPL-2.0-only
"""The benchmark guest programs (bench/irq, bench/blk) in a short run, so they keep working:
every path reports, the numbers are sane, and the CPL3 helper round-trips."""
import os

import pytest

from xkvm import assert_passed, run_guest


def test_bench_irq_short():
    res = assert_passed(run_guest('bench_irq', append='n=20 delay_us=200',
                                  extra=['-device', 'xkvm-msix-testdev,addr=0xfe000000,vectors=4']))
    r = res.reports()
    assert r['tsc_khz'] > 100000
    for path in ('irqfd', 'emulated', 'ipi'):
        assert 0 < r[f'{path}_min_ns'] <= r[f'{path}_median_ns'] <= r[f'{path}_p90_ns'] < 10**7


@pytest.mark.parametrize('cpl', [0, 3])
@pytest.mark.parametrize('params', ['mode=rand bs=4096 qd=8', 'mode=seq bs=65536 qd=2'])
def test_bench_blk_short(tmp_path, cpl, params):
    img = tmp_path / 'bench.img'
    with open(img, 'wb') as f:
        f.truncate(16 << 20)
    res = assert_passed(run_guest(
        'bench_blk', append=f'{params} cpl={cpl} ms=200 warmup_ms=50 sectors={32768}',
        extra=['-drive', f'file={img},format=raw,if=none,id=d0',
               '-device', 'virtio-blk-pci,drive=d0,num-queues=1']))
    r = res.reports()
    assert r['requests'] > 10 and r['iops'] > 10
    assert r['bytes'] == r['requests'] * int(params.split('bs=')[1].split()[0])
    if cpl == 3:
        assert r['interrupts'] == 0   # polled, interrupts suppressed
    else:
        assert r['interrupts'] > 0
