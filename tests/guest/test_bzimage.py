# SPDX-License-Identifier: GPL-2.0-only
"""The Linux bzImage 64-bit boot protocol from the kernel's side, on every host: a guest
program built as a bzImage (tests/guest/bzimage.c) checks the entry state, boot_params,
the command line, the e820 map, the RSDP pointer and the initrd.  (Debian's kernel boots
the same way in tests/e2e/test_linux.py, but on KVM-PVM it does not get past its
decompressor there.)"""
import pytest

from xkvm import assert_passed, guest, run, xkvm_cmd

MARKER = b'xkvm-initrd-marker-7c1e'


def cpio(path, payload_size):
    """A newc archive with one file of payload_size bytes ending with MARKER; returns
    the append words that tell the guest about it."""
    data = b'\0' * (payload_size - len(MARKER)) + MARKER
    out = b''
    for ino, (name, body) in enumerate([('blob', data), ('TRAILER!!!', b'')], 1):
        nb = name.encode() + b'\0'
        hdr = b'070701' + b''.join(b'%08x' % v for v in (
            ino, 0o100644 if body else 0, 0, 0, 1, 0, len(body), 0, 0, 0, 0, len(nb), 0))
        out += hdr + nb + b'\0' * (-(len(hdr) + len(nb)) % 4) + body + b'\0' * (-len(body) % 4)
    path.write_bytes(out)
    return (f'initrd_size={len(out)} initrd_marker={MARKER.decode()} '
            f'initrd_marker_at={out.index(MARKER)}')


@pytest.mark.parametrize('mem,smp,initrd_kib', [
    ('128M', 1, 4),
    ('256M', 2, 20 * 1024),   # a bigger initrd, its last bytes checked
    ('3584M', 1, 64),         # RAM above 4 GiB; the initrd stays below initrd_addr_max (2 GiB)
])
def test_bzimage_protocol(tmp_path, mem, smp, initrd_kib):
    rd = tmp_path / 'initrd.cpio'
    words = cpio(rd, initrd_kib * 1024)
    kernel = guest('bzimage').with_suffix('.bzImage')
    res = assert_passed(run(xkvm_cmd(kernel, mem=mem, smp=smp, append=f'test=bzimage {words}',
                                     extra=['-initrd', str(rd)]), timeout=60))
    bp, e820_entries, rd_addr, rd_size, cr3 = res.sync('bzimage')[0]
    assert bp == 0x7000 and rd_size == rd.stat().st_size
    assert rd_addr < 0x80000000          # initrd_addr_max
    assert e820_entries == (6 if mem == '3584M' else 5)  # + RAM above 4 GiB


def test_bzimage_wrong_initrd_size_fails(tmp_path):
    """The guest's checks can fail: a wrong expectation is caught."""
    rd = tmp_path / 'initrd.cpio'
    words = cpio(rd, 4096).replace('initrd_size=', 'initrd_size=1')
    kernel = guest('bzimage').with_suffix('.bzImage')
    res = run(xkvm_cmd(kernel, append=f'test=bzimage {words}', extra=['-initrd', str(rd)]),
              timeout=30)
    assert not res.passed and res.calls('ASSERT'), res.log()
