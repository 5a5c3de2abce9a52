# SPDX-License-Identifier: GPL-2.0-only
"""PCI and virtio-blk from inside the guest.

- pci_enum.c: enumeration through ECAM (found in the MCFG) and 0xCF8/0xCFC, every header
  and capability checked, BAR sizing/placement/refusal.
- virtio_blk.c: a freestanding virtio-blk driver; one MSI-X vector per queue aimed at a
  different vCPU; writes that this file then checks byte for byte in the image, reads of
  sectors this file wrote first; FLUSH, GET_ID, IOERR past the end.
"""
import pytest

from blkimg import SECTORS, blk_args, check_image, make_image
from xkvm import assert_passed, run_guest


@pytest.mark.parametrize('queues', [1, 3])
def test_pci_enumeration(tmp_path, queues):
    img = tmp_path / 'disk.img'
    make_image(img, 1)
    res = assert_passed(run_guest('pci_enum', append=f'devices=1 queues={queues}',
                                  extra=blk_args(img, queues)))
    functions, bars, caps = res.sync('pci-enum')[0]
    assert (functions, bars, caps) == (2, 2, 6)  # host bridge + virtio; 5 virtio caps + MSI-X
    # The refused placements were said, once each.
    assert 'does not decode: it overlaps guest RAM' in res.stderr
    assert "does not decode: it is outside the host bridge's windows" in res.stderr


def test_pci_enumeration_without_devices():
    res = assert_passed(run_guest('pci_enum', append='devices=0'))
    assert res.sync('pci-enum')[0] == [1, 0, 0]


@pytest.mark.parametrize('cpus,queues,opts', [
    (1, 1, ''),
    (2, 2, ''),
    (4, 4, ''),
    (2, 4, ' evidx=0 indirect=0'),       # no ring features: flags-based suppression
])
def test_virtio_blk(tmp_path, cpus, queues, opts):
    img = tmp_path / 'disk.img'
    make_image(img, hostseed=0x77)
    res = assert_passed(run_guest(
        'virtio_blk', smp=cpus, timeout=60,
        append=f'cpus={cpus} queues={queues} sectors={SECTORS} seed=0x1234 hostseed=0x77 '
               f'serial=xkvm-serial-0{opts}',
        extra=blk_args(img, queues, ',serial=xkvm-serial-0')))
    irqs, requests, nq = res.sync('blk-done')[0]
    assert nq == queues
    assert irqs >= 3 * queues          # write, read, and the 4-request batch per queue
    check_image(img, queues, 0x1234, 0x77)
    # Bad requests were answered, logged and survived.
    assert 'is beyond the 16384-sector disk' in res.stderr
    assert 'request type 77 is not supported' in res.stderr


def test_virtio_blk_without_ioeventfd(tmp_path):
    """Every kick exits to xkvm, which signals the same doorbell: same behaviour."""
    img = tmp_path / 'disk.img'
    make_image(img, hostseed=3)
    assert_passed(run_guest('virtio_blk', smp=2,
                            append=f'cpus=2 queues=2 sectors={SECTORS} seed=9 hostseed=3',
                            extra=blk_args(img, 2, ',ioeventfd=off')))
    check_image(img, 2, 9, 3)


def test_flush_reaches_the_file(tmp_path):
    img = tmp_path / 'disk.img'
    make_image(img, hostseed=3)
    res = assert_passed(run_guest('virtio_blk',
                                  append=f'cpus=1 queues=1 sectors={SECTORS} seed=9 hostseed=3',
                                  extra=blk_args(img, 1) + ['-trace', 'virtio_blk_flush']))
    assert 'virtio_blk_flush virtio-blk-d0 fdatasync 0' in res.stderr, res.log()


@pytest.mark.parametrize('args,message', [
    (['-drive', 'file={img},format=qcow2,if=none,id=d0'], "format 'qcow2' is not supported"),
    (['-drive', 'file={img},id=d0'], 'if=ide (the default) is not supported'),
    (['-drive', 'file={img},if=none'], 'if=none needs an id'),
    (['-drive', 'file={img},if=none,id=d0,bogus=1'], "invalid parameter 'bogus'"),
    (['-drive', 'file={img},if=none,id=d0', '-drive', 'file={img},if=none,id=d0'],
     "duplicate id 'd0'"),
    (['-drive', 'file=/nonexistent/x.img,if=none,id=d0', '-device', 'virtio-blk-pci,drive=d0'],
     'cannot open /nonexistent/x.img'),
    (['-device', 'virtio-blk-pci,drive=nope'], "drive 'nope' not found"),
    (['-device', 'virtio-blk-pci'], 'drive=ID is required'),
    (['-drive', 'file={img},if=none,id=d0', '-device', 'virtio-blk-pci,drive=d0',
      '-device', 'virtio-blk-pci,drive=d0'], "drive 'd0' is already in use"),
    (['-drive', 'file={img},if=none,id=d0', '-device', 'virtio-blk-pci,drive=d0,num-queues=65'],
     'num-queues=65'),
    (['-drive', 'file={img},if=none,id=d0', '-device', 'virtio-blk-pci,drive=d0,queue-size=100'],
     'queue-size=100'),
    (['-drive', 'file={img},if=none,id=d0', '-device', 'virtio-blk-pci,drive=d0,addr=0x20'],
     'addr=0x20'),
    (['-drive', 'file={img},if=none,id=d0', '-device', 'virtio-blk-pci,drive=d0,foo=1'],
     "property 'foo' not found"),
])
def test_bad_command_lines(tmp_path, args, message):
    img = tmp_path / 'disk.img'
    make_image(img, 1)
    res = run_guest('pci_enum', extra=[a.format(img=img) for a in args])
    assert res.status == 1 and message in res.stderr, res.log()


@pytest.mark.parametrize('cpus', [1, 2])
def test_virtio_interrupts(tmp_path, cpus):
    """mask -> PBA, no interrupt -> unmask -> exactly one; function mask; vector change;
    retarget to another vCPU with requests in flight (cpus=2); INTx fallback."""
    img = tmp_path / 'disk.img'
    make_image(img, 1)
    res = assert_passed(run_guest('virtio_irq', smp=cpus, append=f'cpus={cpus}',
                                  extra=blk_args(img, 1)))
    labels = [u.text for u in res.calls('SYNC')]
    expected = ['programmed', 'masked-pending', 'unmasked', 'function-masked',
                'function-unmasked', 'vector']
    if cpus >= 2:
        expected += ['retargeted', 'retargeted-back']
    assert labels == expected + ['intx-disabled', 'intx', 'irq-done'], res.log()
    gsi, spurious = res.sync('intx')[0]
    assert gsi == 17  # slot 1, INTA#: GSI 16 + (1 + 0) mod 4, as the _PRT says


def test_virtio_bad_rings(tmp_path):
    img = tmp_path / 'disk.img'
    make_image(img, 1)
    res = assert_passed(run_guest('virtio_bad', extra=blk_args(img, 1)))
    assert res.sync('bad-done') == [[12]], res.log()
    for why in ['loops', 'is outside RAM', 'more than the 16 entries', 'is beyond the 16',
                'nested indirect table', 'indirect table of 24 bytes', 'no room for the header',
                'a device-readable buffer after a device-writable one',
                'cannot enable: a ring is outside guest RAM']:
        assert why in res.stderr, f'{why!r} not reported\n' + res.log()
    assert 'matches no vCPU' in res.stderr


def test_vm_reset_with_a_busy_device_leaks_nothing(tmp_path):
    """Reset (0xCF9) with requests in flight, 12 boots: the function is at power-on state
    on every boot (checked by the guest), and xkvm's fds and threads do not grow."""
    import os
    from xkvm import Running, guest, xkvm_cmd
    img = tmp_path / 'disk.img'
    make_image(img, 1)
    cmd = xkvm_cmd(guest('virtio_reset'), append='boots=12', no_reboot=False,
                   extra=blk_args(img, 2))
    with Running(cmd) as run:
        seen = {}
        for n in range(1, 13):
            u = run.wait_ucall(lambda u: u.cmd == 'SYNC' and u.text == 'boot', 30)
            assert u.args[0] == n
            pid = run.proc.pid
            seen[n] = (len(os.listdir(f'/proc/{pid}/fd')), len(os.listdir(f'/proc/{pid}/task')))
        assert run.wait(30) == 0
        assert any(u.cmd == 'DONE' for u in run.ucalls)
    assert seen[12] == seen[2], seen


@pytest.mark.qemu
def test_the_same_driver_runs_under_qemu(tmp_path):
    """virtio_blk.elf under Debian's QEMU (microvm with its PCIe host, ECAM found through
    the root bridge's _CBA since QEMU 7.2's microvm has no MCFG): the bench compares the
    VMMs with the very same guest driver."""
    import shutil
    import subprocess
    from xkvm import guest
    qemu = shutil.which('qemu-system-x86_64')
    if not qemu:
        pytest.skip('*** qemu-system-x86_64 is not installed (Debian package qemu-system-x86, '
                    'in scripts/deps.txt): cannot run the guest driver under QEMU ***')
    img = tmp_path / 'disk.img'
    make_image(img, hostseed=5)
    r = subprocess.run(
        [qemu, '-M', 'microvm,pcie=on', '-accel', 'kvm', '-cpu', 'host,-arch-capabilities',
         '-m', '128M', '-smp', '2', '-nodefaults', '-no-user-config', '-display', 'none',
         '-serial', 'stdio', '-kernel', str(guest('virtio_blk')),
         '-append', f'cpus=2 queues=2 sectors={SECTORS} seed=0x99 hostseed=5',
         '-device', 'isa-debug-exit,iobase=0xf4,iosize=4',
         '-drive', f'file={img},format=raw,if=none,id=d0',
         '-device', 'virtio-blk-pci,drive=d0,num-queues=2,disable-legacy=on'],
        capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and 'DONE' in r.stdout, r.stdout + r.stderr  # debug-exit 0 -> 1
    assert 'SYNC blk-done' in r.stdout
    check_image(img, 2, 0x99, 5)
