/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one place xkvm includes Xen's public ABI headers (Debian's libxen-dev).  Include
 * this, never <xen/...> directly: the interface version must be fixed before the first
 * Xen header is seen, or structures change shape between files.
 *
 * Nothing here retypes the ABI; the only additions are the 32-bit ("compat") shapes of
 * the two hypercall arguments that differ between 32- and 64-bit callers and have no
 * public 32-bit definition, each checked against the native one where they must agree.
 */
#ifndef XKVM_XEN_ABI_H
#define XKVM_XEN_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifndef __XEN_INTERFACE_VERSION__
#define __XEN_INTERFACE_VERSION__ 0x00040e00 /* Xen 4.14: vcpu_time_info.flags, etc. */
#endif

#include <xen/xen.h>
#include <xen/errno.h>
#include <xen/event_channel.h>
#include <xen/sched.h>
#include <xen/vcpu.h>
#include <xen/version.h>
#include <xen/features.h>
#include <xen/memory.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>
#include <xen/arch-x86/cpuid.h>
#include <xen/foreign/x86_32.h> /* shared_info_x86_32, vcpu_info_x86_32 */

/* Native (64-bit caller) layouts, as every x86-64 Xen exposes them. */
_Static_assert(sizeof(struct vcpu_info) == 64, "vcpu_info is 64 bytes");
_Static_assert(sizeof(xen_ulong_t) == 8, "64-bit build: xen_ulong_t is 64 bits");
_Static_assert(offsetof(struct shared_info, evtchn_pending) == 2048, "shared_info layout");
_Static_assert(offsetof(struct shared_info, evtchn_mask) == 2560, "shared_info layout");
_Static_assert(offsetof(struct vcpu_info, evtchn_pending_sel) == 8, "vcpu_info layout");
/* 32-bit (compat) layouts from the generated foreign header. */
_Static_assert(sizeof(struct vcpu_info_x86_32) == 64, "compat vcpu_info is 64 bytes");
_Static_assert(offsetof(struct shared_info_x86_32, evtchn_pending) == 2048, "compat layout");
_Static_assert(offsetof(struct shared_info_x86_32, evtchn_mask) == 2176, "compat layout");
_Static_assert(offsetof(struct vcpu_info_x86_32, evtchn_pending_sel) == 4, "compat layout");

/* Argument structures whose fields are all fixed-width: one shape for both callers. */
_Static_assert(sizeof(struct evtchn_alloc_unbound) == 8, "ABI");
_Static_assert(sizeof(struct evtchn_bind_interdomain) == 12, "ABI");
_Static_assert(sizeof(struct evtchn_bind_virq) == 12, "ABI");
_Static_assert(sizeof(struct evtchn_bind_ipi) == 8, "ABI");
_Static_assert(sizeof(struct evtchn_status) == 24, "ABI");
_Static_assert(sizeof(struct evtchn_bind_vcpu) == 8, "ABI");
_Static_assert(sizeof(struct xen_hvm_param) == 16, "ABI");
_Static_assert(sizeof(struct xen_hvm_evtchn_upcall_vector) == 8, "ABI");
_Static_assert(sizeof(struct vcpu_register_vcpu_info) == 16, "ABI");
_Static_assert(sizeof(struct xen_feature_info) == 8, "ABI");
_Static_assert(sizeof(struct sched_shutdown) == 4, "ABI");

/* struct vcpu_set_singleshot_timer is { uint64_t; uint32_t }: 16 bytes for a 64-bit
 * caller, 12 for a 32-bit one.  Only the first 12 carry data, so both read 12. */
#define XEN_SSHOT_TIMER_ARG_SIZE 12u
_Static_assert(offsetof(struct vcpu_set_singleshot_timer, flags) == 8, "ABI");

/* struct xen_add_to_physmap from a 32-bit caller: xen_ulong_t and xen_pfn_t are 32-bit
 * `unsigned long` there. */
struct xen_add_to_physmap_compat {
	domid_t domid;
	uint16_t size;
	uint32_t space;
	uint32_t idx;
	uint32_t gpfn;
};
_Static_assert(sizeof(struct xen_add_to_physmap_compat) == 16, "compat ABI");
_Static_assert(offsetof(struct xen_add_to_physmap, space) ==
	       offsetof(struct xen_add_to_physmap_compat, space), "compat ABI");

/* struct sched_poll from a 32-bit caller: a 32-bit handle, and i386 aligns uint64_t to
 * 4 bytes. */
struct sched_poll_compat {
	uint32_t ports;
	uint32_t nr_ports;
	uint32_t timeout_lo, timeout_hi;
};
_Static_assert(sizeof(struct sched_poll) == 24, "ABI");
_Static_assert(offsetof(struct sched_poll, timeout) == 16, "ABI");

/* Guest-visible error numbers are Xen's (<xen/errno.h>).  They equal Linux's on x86, but
 * the code that answers a guest says XEN_Exxx so the intent is explicit. */

#define XEN_PAGE_SHIFT 12
#define XEN_PAGE_SIZE 4096u
#define XEN_INVALID_GPA UINT64_MAX

#endif
