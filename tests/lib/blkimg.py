# SPDX-License-Identifier: GPL-2.0-only
"""Raw disk images for the virtio-blk guest programs: the data pattern they write and
check (twin of blk_pattern() in tests/guest/lib/virtio.h), and the image the host fills
before a run and checks byte for byte after it."""
import struct

M = 0xffffffff
SECTORS = 16384          # an 8 MiB image
HOST_SECTOR, HOST_COUNT = 4096, 16
SECTORS_PER = 32         # what each queue writes, at sector 64 * queue


def pattern(sector, word, seed):
    x = ((sector * 2654435761) & M) ^ ((word * 40503) & M) ^ seed
    x ^= x >> 13
    x = (x * 0x5bd1e995) & M
    x ^= x >> 15
    return x


def sector_bytes(sector, seed):
    return struct.pack('<128I', *[pattern(sector, w, seed) for w in range(128)])


def make_image(path, hostseed, sectors=SECTORS):
    """A zeroed image with the host's pattern at HOST_SECTOR..+HOST_COUNT."""
    with open(path, 'wb') as f:
        f.truncate(sectors * 512)
        f.seek(HOST_SECTOR * 512)
        for s in range(HOST_SECTOR, HOST_SECTOR + HOST_COUNT):
            f.write(sector_bytes(s, hostseed))


def blk_args(img, queues, extra=''):
    return ['-drive', f'file={img},format=raw,if=none,id=d0',
            '-device', f'virtio-blk-pci,drive=d0,num-queues={queues}{extra}']


def check_image(img, queues, seed, hostseed):
    """What virtio_blk.c wrote (queue q: sectors 64q..64q+31), nothing around it, and the
    host's sectors untouched."""
    data = open(img, 'rb').read()
    assert len(data) == SECTORS * 512
    for q in range(queues):
        for s in range(q * 64, q * 64 + SECTORS_PER):
            assert data[s * 512:(s + 1) * 512] == sector_bytes(s, seed), f'sector {s}'
        gap = data[(q * 64 + SECTORS_PER) * 512:(q * 64 + 64) * 512]
        assert gap == bytes(len(gap)), f'queue {q} wrote past its sectors'
    for s in range(HOST_SECTOR, HOST_SECTOR + HOST_COUNT):
        assert data[s * 512:(s + 1) * 512] == sector_bytes(s, hostseed)
