/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vcpu_time_info: Xen's per-vCPU clock description, the same pvclock ABI as KVM's
 * kvmclock.  A guest computes Xen system time as
 *
 *     system_time + (((rdtsc() - tsc_timestamp) << tsc_shift) * tsc_to_system_mul >> 32)
 *
 * (a negative shift shifts right).  xkvm fills it from the guest's kvmclock (Xen system
 * time is kvmclock time) and the vCPU's TSC, with the same scaling KVM uses for kvmclock,
 * so both clocks agree.  Pure.
 */
#ifndef XKVM_XEN_PVCLOCK_H
#define XKVM_XEN_PVCLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "xen/abi.h"

/* mul and shift that turn ticks of a `hz` clock into ns (hz > 0), with the most
 * precision a 32-bit multiplier allows. */
void xen_pvclock_scale(uint64_t hz, uint32_t *mul, int8_t *shift);

/* The time info for "kvmclock read `system_ns` when the vCPU's TSC read `tsc`", for a TSC
 * of `tsc_khz`.  `stable` sets XEN_PVCLOCK_TSC_STABLE_BIT.  version is left 0. */
void xen_pvclock_fill(struct vcpu_time_info *t, uint64_t tsc, uint64_t system_ns,
		      uint32_t tsc_khz, bool stable);

/* What a guest computes from `t` at `tsc`. */
uint64_t xen_pvclock_read(const struct vcpu_time_info *t, uint64_t tsc);

/* Publish `t` at `dst` (guest memory shared with running vCPUs; any alignment) with the
 * version protocol: version made odd, fields written, version made even again. */
void xen_pvclock_publish(void *dst, const struct vcpu_time_info *t);

#endif
