# SPDX-License-Identifier: GPL-2.0-only
"""The command line from the outside: bad input gets one line on stderr that names the
problem and exit status 1, and nothing leaks (every case runs under the ASan+UBSan build
too, when there is one: LeakSanitizer would add its report to stderr and change the
status); --help and --version; a QEMU direct-boot command line runs unchanged."""
import gzip
import os
import re

import pytest

from xkvm import BUILD, ROOT, XKVM, assert_passed, guest, run

ASAN_XKVM = ROOT / 'build-asan' / 'src' / 'xkvm'
BINARIES = [pytest.param(XKVM, id='build')]
if ASAN_XKVM.exists() and BUILD.resolve() != (ROOT / 'build-asan').resolve():
    BINARIES.append(pytest.param(ASAN_XKVM, id='asan'))
SAN_ENV = dict(os.environ, ASAN_OPTIONS='detect_leaks=1:exitcode=23',
               UBSAN_OPTIONS='print_stacktrace=1:halt_on_error=1')


def cpio_newc(files):
    """A small cpio "newc" archive: {name: bytes}, then the trailer."""
    out = b''
    for ino, (name, data) in enumerate(list(files.items()) + [('TRAILER!!!', b'')], 1):
        nb = name.encode() + b'\0'
        hdr = b'070701' + b''.join(b'%08x' % v for v in (
            ino, 0o100644 if data else 0, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(nb), 0))
        out += hdr + nb + b'\0' * (-(len(hdr) + len(nb)) % 4) + data + b'\0' * (-len(data) % 4)
    return out


@pytest.fixture(scope='module')
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp('cli')
    elf = guest('boot').read_bytes()
    f = {'elf': guest('boot'), 'dir': d}
    (d / 'kernel-truncated.elf').write_bytes(elf[:3000])
    f['kernel_truncated'] = d / 'kernel-truncated.elf'
    (d / 'notes.txt').write_text('not a kernel\n')
    f['foreign'] = d / 'notes.txt'
    cpio = cpio_newc({'init': b'#!/bin/sh\n' + b'x' * 4000})
    (d / 'initrd.cpio').write_bytes(cpio)
    f['initrd'] = d / 'initrd.cpio'
    (d / 'initrd-truncated.cpio').write_bytes(cpio[:2500])
    f['initrd_truncated'] = d / 'initrd-truncated.cpio'
    # 200 MiB, sparse, that looks like a gzip-compressed initrd: bigger than -m 128M.
    big = d / 'initrd-big.gz'
    with open(big, 'wb') as fh:
        fh.write(gzip.compress(b'070701'))
        fh.truncate(200 << 20)
    f['initrd_big'] = big
    vmlinuz = ROOT / 'images' / 'vmlinuz'
    if vmlinuz.exists():
        (d / 'vmlinuz-truncated').write_bytes(vmlinuz.read_bytes()[:1 << 20])
        f['bzimage_truncated'] = d / 'vmlinuz-truncated'
    return f


def one_line_error(binary, args, timeout=20):
    res = run([str(binary)] + [str(a) for a in args], timeout=timeout, env=SAN_ENV)
    assert not res.timed_out, res.log()
    lines = res.stderr.splitlines()
    assert res.status == 1 and len(lines) == 1, \
        'expected exit status 1 and exactly one line on stderr:\n' + res.log()
    assert lines[0].startswith('xkvm: error: '), res.log()
    return lines[0]


# (id, args, what the one line must say); {name} is replaced by the fixture's path.
BAD_INPUT = [
    ('kernel-missing', ['-kernel', '/nonexistent/vmlinuz'],
     r'-kernel /nonexistent/vmlinuz: No such file or directory'),
    ('kernel-dir', ['-kernel', '{dir}'], r'-kernel {dir}: is a directory'),
    ('kernel-truncated', ['-kernel', '{kernel_truncated}'],
     r'-kernel {kernel_truncated}: truncated ELF'),
    ('kernel-foreign', ['-kernel', '{foreign}'],
     r'-kernel {foreign}: neither a Linux bzImage .* expected a bzImage or an ELF with a PVH '
     r'entry note'),
    ('initrd-missing', ['-kernel', '{elf}', '-initrd', '/nonexistent/initrd.img'],
     r'-initrd /nonexistent/initrd.img: No such file or directory'),
    ('initrd-truncated', ['-kernel', '{elf}', '-initrd', '{initrd_truncated}'],
     r'-initrd {initrd_truncated}: truncated cpio archive'),
    ('initrd-foreign', ['-kernel', '{elf}', '-initrd', '{elf}'],
     r'-initrd {elf}: this is an ELF file, not an initrd'),
    ('initrd-bigger-than-ram', ['-kernel', '{elf}', '-initrd', '{initrd_big}', '-m', '128M'],
     r'-initrd {initrd_big}: initrd \(200 MiB\) does not fit in guest RAM.*raise -m'),
    ('mem-zero', ['-kernel', '{elf}', '-m', '0'], r'-m 0: guest RAM must be at least 64 MiB'),
    ('smp-zero', ['-kernel', '{elf}', '-smp', '0'], r"-smp: 'cpus' must be at least 1"),
    ('cpus-over-maxcpus', ['-kernel', '{elf}', '-smp', '4,maxcpus=2'],
     r'-smp 4,maxcpus=2: maxcpus must be equal to or greater than smp \(4 > 2\)'),
    ('unknown-option', ['-kernel', '{elf}', '-frobnicate'], r'-frobnicate: invalid option'),
    ('unknown-cpu-feature', ['-kernel', '{elf}', '-cpu', 'host,+warp-drive'],
     r"-cpu: unknown CPU feature 'warp-drive'"),
    ('unknown-device', ['-kernel', '{elf}', '-device', 'sound-blaster'],
     r"-device sound-blaster: 'sound-blaster' is not a valid device model name"),
    ('no-kernel', ['-m', '256M'], r'no kernel given'),
    ('missing-argument', ['-kernel', '{elf}', '-append'], r'-append: requires an argument'),
]


@pytest.mark.parametrize('binary', BINARIES)
@pytest.mark.parametrize('case,args,message', BAD_INPUT, ids=[c[0] for c in BAD_INPUT])
def test_bad_input(files, binary, case, args, message):
    fmt = {k: str(v) for k, v in files.items()}
    line = one_line_error(binary, [a.format(**fmt) for a in args])
    pattern = message.format(**{k: re.escape(v) for k, v in fmt.items()})
    assert re.search(pattern, line), f'{line!r} does not say {pattern!r}'


@pytest.mark.parametrize('binary', BINARIES)
def test_truncated_bzimage(files, binary):
    if 'bzimage_truncated' not in files:
        pytest.skip('images/vmlinuz is missing: run scripts/fetch-linux.sh')
    path = files['bzimage_truncated']
    line = one_line_error(binary, ['-kernel', path])
    assert f'-kernel {path}: truncated bzImage' in line


@pytest.mark.parametrize('binary', BINARIES)
def test_unwritable_qmp_path(tmp_path, binary):
    bad = tmp_path / 'no-such-dir' / 'qmp.sock'
    # -S: should xkvm wrongly start anyway, it waits instead of running the guest.
    line = one_line_error(binary, ['-kernel', guest('boot'), '-serial', 'none', '-S',
                                   '-qmp', f'unix:{bad},server=on,wait=off'], timeout=10)
    assert str(bad) in line


def project_version():
    m = re.search(r"version\s*:\s*'([^']+)'", (ROOT / 'meson.build').read_text())
    return m.group(1)


@pytest.mark.parametrize('flag', ['--help', '-help', '-h'])
def test_help(flag):
    res = run([str(XKVM), flag])
    assert res.status == 0 and res.stderr == '', res.log()
    assert res.stdout.startswith('usage: ')
    for opt in ('-kernel PATH', '-initrd PATH', '-append', '-m ', '-smp', '-cpu', '-qmp',
                '-serial', '-no-reboot', '-device'):
        assert opt in res.stdout, f'--help does not list {opt}'


@pytest.mark.parametrize('flag', ['--version', '-version'])
def test_version(flag):
    res = run([str(XKVM), flag])
    assert res.status == 0 and res.stderr == '', res.log()
    assert res.stdout == f'xkvm version {project_version()}\n'


def test_qemu_direct_boot_line():
    """A QEMU microvm direct-boot line, options and all, only the binary's name changed."""
    qemu_args = ['-M', 'microvm,x-option-roms=off,isa-serial=on,rtc=off,pit=off,pic=off',
                 '-accel', 'kvm', '-enable-kvm', '-cpu', 'host,-arch-capabilities',
                 '-m', '256', '-smp', '2,maxcpus=4', '-nodefaults', '-no-user-config',
                 '-nographic', '-display', 'none', '-vga', 'none', '-monitor', 'none',
                 '-nic', 'none', '-serial', 'stdio', '-name', 'guest=cli-test',
                 '-kernel', str(guest('boot')), '-append', 'test=boot maxcpus=4',
                 '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', '-no-reboot']
    # The guest reports through xkvm's test port; everything else is QEMU's line.
    res = run([str(XKVM)] + qemu_args + ['-device', 'xkvm-ucall'], timeout=30, input=b'')
    assert_passed(res)
