/* SPDX-License-Identifier: GPL-2.0-only */
#include "irq/msi.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define ADDR_DEST_SHIFT   12
#define ADDR_EXT_SHIFT    5
#define ADDR_EXT_MASK     (0x7fu << ADDR_EXT_SHIFT) /* bits 11:5 */
#define ADDR_REMAPPABLE   (1u << 4)
#define ADDR_RH           (1u << 3)
#define ADDR_DM_LOGICAL   (1u << 2)

#define DATA_VECTOR_MASK  0xffu
#define DATA_DM_SHIFT     8
#define DATA_LEVEL        (1u << 14)
#define DATA_TRIGGER      (1u << 15)
#define DATA_RSVD         (0xffff0000u | (7u << 11))

/* LAPIC register offsets in the KVM_GET_LAPIC page. */
#define LAPIC_ID   0x20
#define LAPIC_LDR  0xd0
#define LAPIC_DFR  0xe0
#define LAPIC_SPIV 0xf0
#define SPIV_APIC_ENABLED (1u << 8)
#define APIC_BASE_EXTD    (1ull << 10)
#define APIC_BASE_ENABLE  (1ull << 11)

void msi_decode(const struct msi_msg *msg, const struct msi_format *fmt, struct msi_decoded *d)
{
	uint32_t lo = (uint32_t)msg->addr, hi = (uint32_t)(msg->addr >> 32);
	uint32_t data = msg->data;

	memset(d, 0, sizeof(*d));
	if (hi || (lo & MSI_ADDR_BASE_MASK) != MSI_ADDR_BASE)
		d->errors |= MSI_ERR_NOT_INTERRUPT;
	d->dest_id = (lo >> ADDR_DEST_SHIFT) & 0xff;
	if (lo & ADDR_REMAPPABLE)
		d->errors |= MSI_ERR_REMAPPABLE;
	if (lo & ADDR_EXT_MASK) {
		if (fmt && fmt->ext_dest_id)
			d->dest_id |= ((lo & ADDR_EXT_MASK) >> ADDR_EXT_SHIFT) << 8;
		else
			d->errors |= MSI_ERR_ADDR_RSVD;
	}
	d->logical = lo & ADDR_DM_LOGICAL;
	d->redir_hint = lo & ADDR_RH;
	d->vector = data & DATA_VECTOR_MASK;
	d->dm = (enum msi_delivery)((data >> DATA_DM_SHIFT) & 7);
	d->assert = data & DATA_LEVEL;
	d->level_trigger = data & DATA_TRIGGER;
	if (data & DATA_RSVD)
		d->errors |= MSI_ERR_DATA_RSVD;
	switch (d->dm) {
	case MSI_DM_FIXED:
	case MSI_DM_LOWEST:
		if (d->vector < 16)
			d->errors |= MSI_ERR_ILLEGAL_VEC;
		break;
	case MSI_DM_RSVD3:
	case MSI_DM_RSVD6:
		d->errors |= MSI_ERR_DM_RESERVED;
		break;
	case MSI_DM_EXTINT:
		d->errors |= MSI_ERR_EXTINT;
		break;
	case MSI_DM_SMI:
	case MSI_DM_NMI:
	case MSI_DM_INIT:
		break;
	}
	/* KVM (kvm_lowest_prio_delivery) takes RH as a request for lowest priority. */
	d->lowest_prio = d->dm == MSI_DM_LOWEST || d->redir_hint;
}

const char *msi_errors_str(uint32_t errors, char *buf, unsigned len)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} names[] = {
		{ MSI_ERR_NOT_INTERRUPT, "not-an-interrupt-address" },
		{ MSI_ERR_REMAPPABLE, "remappable-format" },
		{ MSI_ERR_DM_RESERVED, "reserved-delivery-mode" },
		{ MSI_ERR_ILLEGAL_VEC, "illegal-vector" },
		{ MSI_ERR_EXTINT, "extint" },
		{ MSI_ERR_ADDR_RSVD, "reserved-address-bits" },
		{ MSI_ERR_DATA_RSVD, "reserved-data-bits" },
	};
	unsigned used = 0;

	if (!len)
		return buf;
	buf[0] = 0;
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int n;

		if (!(errors & names[i].bit))
			continue;
		n = snprintf(buf + used, len - used, "%s%s", used ? "|" : "", names[i].name);
		if (n < 0 || (unsigned)n >= len - used)
			break;
		used += (unsigned)n;
	}
	return buf;
}

static bool cpu_broadcast(const struct msi_cpu *c, uint32_t mda)
{
	return mda == (c->x2apic ? MSI_BROADCAST_X2APIC : MSI_BROADCAST_XAPIC);
}

static bool match_physical(const struct msi_cpu *c, uint32_t mda)
{
	if (cpu_broadcast(c, mda))
		return true;
	/* KVM's hotplug hack: an ID an xAPIC cannot hold is matched against the x2APIC ID. */
	if (c->x2apic || mda > 0xff)
		return mda == c->id;
	return mda == c->xapic_id;
}

static bool match_logical(const struct msi_cpu *c, uint32_t mda)
{
	uint32_t logical_id;

	if (cpu_broadcast(c, mda))
		return true;
	if (c->x2apic)
		return (c->ldr >> 16) == (mda >> 16) && (c->ldr & mda & 0xffff) != 0;
	logical_id = c->ldr >> 24;
	switch (c->dfr) {
	case MSI_DFR_FLAT:
		return (logical_id & mda) != 0;
	case MSI_DFR_CLUSTER:
		return (logical_id >> 4) == (mda >> 4) && (logical_id & mda & 0xf) != 0;
	default:
		return false;
	}
}

bool msi_cpu_match(const struct msi_decoded *d, const struct msi_cpu *cpu,
		   const struct msi_match_opts *o)
{
	uint32_t mda = d->dest_id;
	bool hit;

	if (!cpu->present || !msi_deliverable(d))
		return false;
	/* Messages that do not come from a LAPIC (kvm_apic_mda): 0xff means broadcast
	 * to x2APIC targets too, unless userspace disabled that quirk. */
	if (o->broadcast_quirk && mda == MSI_BROADCAST_XAPIC && cpu->x2apic)
		mda = MSI_BROADCAST_X2APIC;
	hit = d->logical ? match_logical(cpu, mda) : match_physical(cpu, mda);
	if (hit && d->lowest_prio)
		hit = cpu->enabled;
	return hit;
}

static uint32_t reg32(const uint8_t regs[1024], unsigned off)
{
	uint32_t v;

	memcpy(&v, regs + off, sizeof(v));
	return v;
}

void msi_cpu_from_lapic(struct msi_cpu *c, uint32_t vcpu_id, const uint8_t regs[1024],
			uint64_t apic_base, bool x2apic_format)
{
	uint32_t id = reg32(regs, LAPIC_ID);

	(void)x2apic_format; /* the x2APIC ID is the vCPU id either way */
	c->present = true;
	c->x2apic = apic_base & APIC_BASE_EXTD;
	c->enabled = (apic_base & APIC_BASE_ENABLE) && (reg32(regs, LAPIC_SPIV) & SPIV_APIC_ENABLED);
	c->id = vcpu_id;
	c->xapic_id = c->x2apic ? (uint8_t)vcpu_id : (uint8_t)(id >> 24);
	c->ldr = reg32(regs, LAPIC_LDR);
	c->dfr = reg32(regs, LAPIC_DFR);
}

void msi_cpu_reset(struct msi_cpu *c, uint32_t vcpu_id)
{
	*c = (struct msi_cpu){
		.present = true,
		.x2apic = false,
		.enabled = false,
		.id = vcpu_id,
		.xapic_id = (uint8_t)vcpu_id,
		.ldr = 0,
		.dfr = MSI_DFR_FLAT,
	};
}

int msi_to_kvm(const struct msi_decoded *d, bool x2apic_format,
	       uint32_t *addr_lo, uint32_t *addr_hi, uint32_t *data)
{
	if (!msi_deliverable(d))
		return -EINVAL;
	if (d->dest_id > 0xff && !x2apic_format)
		return -ERANGE;
	*addr_lo = MSI_ADDR_BASE | ((d->dest_id & 0xff) << ADDR_DEST_SHIFT) |
		   (d->redir_hint ? ADDR_RH : 0) | (d->logical ? ADDR_DM_LOGICAL : 0);
	*addr_hi = x2apic_format ? (d->dest_id >> 8) << 8 : 0;
	*data = d->vector | (uint32_t)d->dm << DATA_DM_SHIFT | (d->assert ? DATA_LEVEL : 0) |
		(d->level_trigger ? DATA_TRIGGER : 0);
	return 0;
}
