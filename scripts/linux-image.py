#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Helpers for scripts/fetch-linux.sh: turn Debian's packages into what the e2e tests boot.

  linux-image.py vmlinux BZIMAGE OUT     extract the uncompressed ELF kernel from a bzImage
  linux-image.py check-pvh VMLINUX       fail unless the ELF has a XEN_ELFNOTE_PHYS32_ENTRY note
  linux-image.py initramfs OUT BUSYBOX INIT
                                         write a gzip-compressed cpio (newc) with busybox,
                                         its applet links, /dev/console and INIT as /init

Written for this project from the formats' definitions: the x86 boot protocol
(Documentation/arch/x86/boot.rst: setup_sects, payload_offset, payload_length), ELF notes,
and the cpio "newc" format.
"""
import bz2
import gzip
import io
import lzma
import os
import struct
import subprocess
import sys

XEN_ELFNOTE_PHYS32_ENTRY = 18


def die(msg):
    sys.exit(f'linux-image.py: {msg}')


# --- bzImage -> vmlinux ---------------------------------------------------------------------

def bzimage_payload(img):
    """The compressed kernel inside a bzImage, as (format, bytes)."""
    if len(img) < 0x250 or img[0x202:0x206] != b'HdrS':
        die('not a bzImage (no "HdrS" boot header)')
    version = struct.unpack_from('<H', img, 0x206)[0]
    if version < 0x0208:
        die(f'boot protocol {version >> 8}.{version & 0xff:02d} has no payload fields (2.08+)')
    setup_sects = img[0x1f1] or 4
    start = (setup_sects + 1) * 512
    off, length = struct.unpack_from('<II', img, 0x248)
    begin, end = start + off, start + off + length
    if length == 0 or end > len(img):
        die(f'payload [{begin:#x}, {end:#x}) is outside the file ({len(img)} bytes)')
    data = img[begin:end]
    magics = [(b'\x1f\x8b', 'gzip'), (b'\xfd7zXZ\x00', 'xz'), (b'\x28\xb5\x2f\xfd', 'zstd'),
              (b'BZh', 'bzip2'), (b'\x5d\x00\x00', 'lzma'), (b'\x89LZO', 'lzo'),
              (b'\x02\x21\x4c\x18', 'lz4')]
    for magic, fmt in magics:
        if data.startswith(magic):
            return fmt, data
    die(f'unknown compression of the kernel payload (first bytes {data[:6].hex()})')


def decompress(fmt, data):
    # Every format but gzip is followed by the 4-byte uncompressed size (size_append in
    # arch/x86/boot/compressed/Makefile); the decompressors stop at the stream's end.
    if fmt == 'gzip':
        return gzip.GzipFile(fileobj=io.BytesIO(data)).read()
    size = struct.unpack_from('<I', data, len(data) - 4)[0]
    if fmt == 'xz':
        out = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(data[:-4])
    elif fmt == 'lzma':
        out = lzma.LZMADecompressor(format=lzma.FORMAT_ALONE).decompress(data[:-4])
    elif fmt == 'bzip2':
        out = bz2.BZ2Decompressor().decompress(data[:-4])
    elif fmt in ('zstd', 'lz4'):
        # No decompressor in Python's standard library: the tools from scripts/deps.txt.
        p = subprocess.run([fmt, '-dcq'], input=data[:-4], capture_output=True)
        if p.returncode:
            die(f'{fmt} -d failed: {p.stderr.decode(errors="replace").strip()}')
        out = p.stdout
    else:
        die(f'{fmt}-compressed kernels are not supported (install a decompressor and add it)')
    if len(out) != size:
        die(f'{fmt} payload decompressed to {len(out)} bytes; the image says {size}')
    return out


def cmd_vmlinux(bzimage, out):
    with open(bzimage, 'rb') as f:
        img = f.read()
    fmt, data = bzimage_payload(img)
    elf = decompress(fmt, data)
    if elf[:4] != b'\x7fELF':
        die(f'the {fmt} payload of {bzimage} is not an ELF file')
    with open(out + '.tmp', 'wb') as f:
        f.write(elf)
    os.replace(out + '.tmp', out)


# --- PVH note -------------------------------------------------------------------------------

def pvh_entry(path):
    with open(path, 'rb') as f:
        elf = f.read()
    if elf[:4] != b'\x7fELF' or elf[4] != 2 or elf[5] != 1:
        die(f'{path}: not a little-endian ELF64 file')
    phoff, = struct.unpack_from('<Q', elf, 0x20)
    phentsize, phnum = struct.unpack_from('<HH', elf, 0x36)
    for i in range(phnum):
        p_type, _, p_offset, _, _, p_filesz = struct.unpack_from('<IIQQQQ', elf,
                                                                 phoff + i * phentsize)
        if p_type != 4:  # PT_NOTE
            continue
        pos, end = p_offset, p_offset + p_filesz
        while pos + 12 <= end:
            namesz, descsz, ntype = struct.unpack_from('<III', elf, pos)
            name = elf[pos + 12:pos + 12 + namesz]
            desc = pos + 12 + ((namesz + 3) & ~3)
            if name == b'Xen\x00' and ntype == XEN_ELFNOTE_PHYS32_ENTRY and descsz in (4, 8):
                return struct.unpack_from('<I' if descsz == 4 else '<Q', elf, desc)[0]
            pos = desc + ((descsz + 3) & ~3)
    return None


def cmd_check_pvh(path):
    entry = pvh_entry(path)
    if entry is None:
        die(f'{path} has no PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY): is CONFIG_PVH off?')


# --- initramfs ------------------------------------------------------------------------------

class Cpio:
    """A cpio archive in the "newc" format (the one the kernel unpacks)."""

    def __init__(self):
        self.buf = io.BytesIO()
        self.ino = 1

    def _entry(self, name, mode, data=b'', rdev=(0, 0), nlink=1):
        name_b = name.encode() + b'\0'
        hdr = b'070701' + b''.join(b'%08x' % v for v in (
            self.ino, mode, 0, 0, nlink, 0, len(data), 0, 0, rdev[0], rdev[1], len(name_b), 0))
        self.ino += 1
        self.buf.write(hdr + name_b)
        self.buf.write(b'\0' * (-(len(hdr) + len(name_b)) % 4))
        self.buf.write(data)
        self.buf.write(b'\0' * (-len(data) % 4))

    def dir(self, name):
        self._entry(name, 0o040755, nlink=2)

    def file(self, name, data, perm=0o755):
        self._entry(name, 0o100000 | perm, data)

    def symlink(self, name, target):
        self._entry(name, 0o120777, target.encode())

    def chardev(self, name, major, minor, perm=0o600):
        self._entry(name, 0o020000 | perm, rdev=(major, minor))

    def finish(self):
        self._entry('TRAILER!!!', 0)
        return self.buf.getvalue()


def busybox_applets(busybox):
    """The applets' install paths ("bin/sh", "sbin/poweroff", ...): busybox-static runs on
    the build host, so ask it; fall back to what /init needs."""
    try:
        p = subprocess.run([busybox, '--list-full'], capture_output=True, timeout=10, check=True)
        paths = [l.strip() for l in p.stdout.decode().splitlines() if l.strip()]
        if paths:
            return paths
    except (OSError, subprocess.SubprocessError):
        pass
    return ['bin/sh', 'bin/mount', 'bin/echo', 'bin/cat', 'bin/uname', 'bin/sleep',
            'sbin/poweroff', 'sbin/reboot', 'usr/bin/nproc', 'bin/setsid']


def cmd_initramfs(out, busybox, init):
    with open(busybox, 'rb') as f:
        bb = f.read()
    with open(init, 'rb') as f:
        init_sh = f.read()
    c = Cpio()
    for d in ('bin', 'sbin', 'usr', 'usr/bin', 'usr/sbin', 'dev', 'proc', 'sys', 'tmp', 'etc',
              'root', 'run'):
        c.dir(d)
    # The kernel opens /dev/console for init before anything is mounted.
    c.chardev('dev/console', 5, 1)
    c.chardev('dev/null', 1, 3, 0o666)
    c.chardev('dev/ttyS0', 4, 64)
    c.file('bin/busybox', bb)
    for path in busybox_applets(busybox):
        if path in ('bin/busybox', 'init', 'sbin/init', 'linuxrc'):
            continue
        c.symlink(path, '/bin/busybox')
    c.file('init', init_sh)
    raw = c.finish()
    with open(out + '.tmp', 'wb') as f:
        with gzip.GzipFile(fileobj=f, mode='wb', compresslevel=9, mtime=0) as gz:
            gz.write(raw)
    os.replace(out + '.tmp', out)


def main(argv):
    cmds = {'vmlinux': (cmd_vmlinux, 2), 'check-pvh': (cmd_check_pvh, 1),
            'initramfs': (cmd_initramfs, 3)}
    if len(argv) < 2 or argv[1] not in cmds or len(argv) - 2 != cmds[argv[1]][1]:
        sys.exit(__doc__)
    fn, _ = cmds[argv[1]]
    fn(*argv[2:])


if __name__ == '__main__':
    main(sys.argv)
