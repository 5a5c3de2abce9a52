/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * -device virtio-blk-pci,drive=ID[,num-queues=N][,queue-size=N][,serial=S][,addr=SLOT]
 *                       [,ioeventfd=on|off][,id=NAME]
 * A virtio block device (VIRTIO 1.2 §5.2) over the modern PCI transport, backed by a raw
 * -drive.  Features: SEG_MAX, BLK_SIZE (512), FLUSH, MQ (num-queues > 1), RO (readonly
 * drives), plus the transport's INDIRECT_DESC and EVENT_IDX.
 *
 * One I/O thread per device waits on every queue's notify eventfd (a KVM ioeventfd),
 * serves the available requests with preadv/pwritev straight into guest memory, and raises
 * the queue's MSI-X vector by writing its trigger eventfd (a KVM irqfd).
 */
#ifndef XKVM_VIRTIO_BLK_H
#define XKVM_VIRTIO_BLK_H

#include <stddef.h>

#include "util/opts.h"

struct vm;

int virtio_blk_pci_create(struct vm *vm, struct opts *opts, char *err, size_t errlen);

#endif
