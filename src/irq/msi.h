/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * x86 MSI messages: decoding an address/data pair as the guest wrote it, the reserved-bit
 * checks, the set of vCPUs a message targets, and the message KVM is given for it.
 * Pure logic, no KVM: cmocka drives it (tests/unit/test_msi.c).
 *
 * Guest-visible format (Intel SDM Vol. 3, "Message Signalled Interrupts"):
 *   address[63:32]  0 (anything else is a memory write above 4 GiB, not an interrupt)
 *   address[31:20]  0xFEE
 *   address[19:12]  destination ID [7:0]
 *   address[11:5]   reserved, or destination ID [14:8] when the VMM advertises the
 *                   "extended destination ID" (CPUID KVM_FEATURE_MSI_EXT_DEST_ID)
 *   address[4]      remappable format (needs an IOMMU doing interrupt remapping: reserved here)
 *   address[3]      redirection hint (RH)     address[2]  destination mode (1 = logical)
 *   address[1:0]    ignored
 *   data[7:0]       vector                    data[10:8]  delivery mode
 *   data[13:11]     reserved                  data[14]    level (assert)
 *   data[15]        trigger mode (1 = level)  data[31:16] reserved
 *
 * Destination matching follows KVM's kvm_apic_match_dest() (arch/x86/kvm/lapic.c), the
 * reference for what the in-kernel LAPICs accept: physical (xAPIC 8-bit ID or x2APIC
 * 32-bit ID, KVM's "hotplug hack" for IDs above 0xff), logical (xAPIC flat and cluster by
 * DFR, x2APIC cluster), the 0xff broadcast and KVM's x2APIC broadcast quirk; a lowest
 * priority message (delivery mode 1, or RH set, as KVM treats it) targets the matching
 * vCPUs whose LAPIC is enabled, one of which receives each interrupt.
 */
#ifndef XKVM_IRQ_MSI_H
#define XKVM_IRQ_MSI_H

#include <stdbool.h>
#include <stdint.h>

struct msi_msg {
	uint64_t addr; /* address_hi << 32 | address_lo */
	uint32_t data;
};

enum msi_delivery {
	MSI_DM_FIXED = 0,
	MSI_DM_LOWEST = 1,
	MSI_DM_SMI = 2,
	MSI_DM_RSVD3 = 3,
	MSI_DM_NMI = 4,
	MSI_DM_INIT = 5,
	MSI_DM_RSVD6 = 6,
	MSI_DM_EXTINT = 7,
};

/* Problems found by msi_decode().  The MSI_FATAL ones mean the message is not delivered
 * (it is not an interrupt, or the LAPIC would reject it); the others are reserved bits
 * the LAPIC ignores: the message is delivered as if they were zero. */
#define MSI_ERR_NOT_INTERRUPT (1u << 0) /* address outside 0xFEExxxxx: a memory write */
#define MSI_ERR_REMAPPABLE    (1u << 1) /* remappable format without an IOMMU */
#define MSI_ERR_DM_RESERVED   (1u << 2) /* delivery mode 3 or 6 */
#define MSI_ERR_ILLEGAL_VEC   (1u << 3) /* fixed/lowest-priority vector below 16 */
#define MSI_ERR_EXTINT        (1u << 4) /* ExtINT cannot be sent by MSI */
#define MSI_ERR_ADDR_RSVD     (1u << 8) /* address[11:5] set without extended dest IDs */
#define MSI_ERR_DATA_RSVD     (1u << 9) /* data[31:16] or data[13:11] set */
#define MSI_FATAL (MSI_ERR_NOT_INTERRUPT | MSI_ERR_REMAPPABLE | MSI_ERR_DM_RESERVED | \
		   MSI_ERR_ILLEGAL_VEC | MSI_ERR_EXTINT)

#define MSI_ADDR_BASE       0xfee00000u
#define MSI_ADDR_BASE_MASK  0xfff00000u
#define MSI_BROADCAST_XAPIC 0xffu
#define MSI_BROADCAST_X2APIC 0xffffffffu

struct msi_decoded {
	uint32_t dest_id;   /* 8 bits, or 15 with extended destination IDs */
	bool logical;       /* destination mode */
	bool redir_hint;
	bool lowest_prio;   /* delivery mode lowest priority, or RH (as KVM treats it) */
	enum msi_delivery dm;
	uint8_t vector;
	bool level_trigger;
	bool assert;
	uint32_t errors;    /* MSI_ERR_* */
};

/* What the guest-visible decoding depends on. */
struct msi_format {
	bool ext_dest_id; /* address[11:5] are destination ID [14:8] */
};

void msi_decode(const struct msi_msg *msg, const struct msi_format *fmt, struct msi_decoded *d);
static inline bool msi_deliverable(const struct msi_decoded *d)
{
	return !(d->errors & MSI_FATAL);
}
/* "not-an-interrupt|reserved-delivery-mode|..." for log lines; `buf` gets the text. */
const char *msi_errors_str(uint32_t errors, char *buf, unsigned len);

/* A vCPU's LAPIC as destination matching sees it. */
struct msi_cpu {
	bool present;   /* plugged in; absent vCPUs match nothing */
	bool x2apic;    /* IA32_APIC_BASE.EXTD */
	bool enabled;   /* hardware- and software-enabled (SPIV bit 8): lowest-priority candidate */
	uint32_t id;    /* x2APIC ID (KVM: the vCPU id) */
	uint8_t xapic_id; /* xAPIC ID register [31:24] (guest-writable) */
	uint32_t ldr;   /* logical destination register, raw */
	uint32_t dfr;   /* destination format register, raw (xAPIC only) */
};

#define MSI_DFR_FLAT    0xffffffffu
#define MSI_DFR_CLUSTER 0x0fffffffu

/* How KVM was configured (KVM_CAP_X2APIC_API flags). */
struct msi_match_opts {
	bool broadcast_quirk; /* true unless KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK */
};

/* Does `d` target `cpu`?  For a lowest-priority message: is `cpu` a candidate? */
bool msi_cpu_match(const struct msi_decoded *d, const struct msi_cpu *cpu,
		   const struct msi_match_opts *o);

/* The vCPU state as KVM_GET_LAPIC (1 KiB register page) and IA32_APIC_BASE give it.
 * `x2apic_format`: KVM_X2APIC_API_USE_32BIT_IDS is enabled (the ID register holds the
 * full x2APIC ID instead of ID << 24). */
void msi_cpu_from_lapic(struct msi_cpu *c, uint32_t vcpu_id, const uint8_t regs[1024],
			uint64_t apic_base, bool x2apic_format);
/* The state KVM gives a vCPU at creation (xAPIC, ID = vcpu id, LDR 0, flat DFR). */
void msi_cpu_reset(struct msi_cpu *c, uint32_t vcpu_id);

/* The address/data for a KVM_IRQ_ROUTING_MSI entry or KVM_SIGNAL_MSI, rebuilt from the
 * decoded fields (so reserved and ignored bits are zero).  A destination above 0xff goes
 * in address_hi[31:8], which KVM understands only with KVM_X2APIC_API_USE_32BIT_IDS
 * (`x2apic_format`).  Returns 0, -EINVAL for a message
 * that is not delivered (MSI_FATAL), -ERANGE for a destination KVM cannot express. */
int msi_to_kvm(const struct msi_decoded *d, bool x2apic_format,
	       uint32_t *addr_lo, uint32_t *addr_hi, uint32_t *data);

#endif
