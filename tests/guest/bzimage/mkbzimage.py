#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Wrap a flat image linked for 1 MiB (64-bit entry at +0x200) in a Linux bzImage setup
header (Documentation/arch/x86/boot.rst), so xkvm boots it through the bzImage protocol.

  mkbzimage.py IN.elf OUT.bzImage OBJCOPY
"""
import struct
import subprocess
import sys
import tempfile

SETUP_SECTS = 1
LOAD = 0x100000


def symbol(elf, name):
    out = subprocess.run(['nm', elf], capture_output=True, check=True, text=True).stdout
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2] == name:
            return int(parts[0], 16)
    sys.exit(f'mkbzimage.py: {elf} has no symbol {name}')


def main(elf, out, objcopy):
    with tempfile.NamedTemporaryFile(suffix='.bin') as tmp:
        subprocess.run([objcopy, '-O', 'binary', '-j', '.head', '-j', '.text', '-j', '.rodata',
                        '-j', '.data', elf, tmp.name], check=True)
        flat = open(tmp.name, 'rb').read()
    flat += b'\0' * (-len(flat) % 16)
    assert symbol(elf, 'bz_start64') == LOAD + 0x200, 'the 64-bit entry must be at +0x200'
    init_size = symbol(elf, '__image_end') - LOAD
    setup = bytearray((SETUP_SECTS + 1) * 512)
    hdr_end = 0x268
    struct.pack_into('<B', setup, 0x1f1, SETUP_SECTS)
    struct.pack_into('<I', setup, 0x1f4, len(flat) // 16)        # syssize
    struct.pack_into('<H', setup, 0x1fe, 0xaa55)                 # boot_flag
    struct.pack_into('<BB', setup, 0x200, 0xeb, hdr_end - 0x202)  # jump over the header
    setup[0x202:0x206] = b'HdrS'
    struct.pack_into('<H', setup, 0x206, 0x020f)                 # protocol 2.15
    struct.pack_into('<B', setup, 0x211, 0x01)                   # loadflags: LOADED_HIGH
    struct.pack_into('<I', setup, 0x214, LOAD)                   # code32_start
    struct.pack_into('<I', setup, 0x22c, 0x7fffffff)             # initrd_addr_max
    struct.pack_into('<I', setup, 0x230, 0x1000)                 # kernel_alignment
    struct.pack_into('<H', setup, 0x236, 0x0001)                 # xloadflags: XLF_KERNEL_64
    struct.pack_into('<I', setup, 0x238, 2047)                   # cmdline_size
    struct.pack_into('<Q', setup, 0x258, LOAD)                   # pref_address
    struct.pack_into('<I', setup, 0x260, init_size)              # init_size
    with open(out, 'wb') as f:
        f.write(setup + flat)


if __name__ == '__main__':
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
