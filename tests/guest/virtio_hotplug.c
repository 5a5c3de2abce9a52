/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Hot-removing a vCPU that interrupt routes still target, driven by the host over QMP
 * (tests/e2e/test_virtio_routes.py):
 *   1. virtio-blk's queue vector aimed at CPU 1; a completion lands there    SYNC "aimed"
 *   2. the host device_dels CPU 1: the OS side of ACPI hot-plug (GED, the CSCN walk as
 *      the DSDT does it, _OST) parks CPU 1 and ejects it *without* moving the vector
 *      first; xkvm reports the routes left on it                           SYNC "removed"
 *   3. the guest retargets the vector to CPU 0; a completion lands there     SYNC "retargeted"
 *   4. the host device_adds CPU 1 again; the guest starts it, aims the vector
 *      at it again; a completion lands there                                SYNC "re-aimed"
 */
#include "guest.h"
#include "virtio.h"

#define PORT_CPUHP 0x0cd8
#define CPUHP_SEL (PORT_CPUHP + 0)
#define CPUHP_FLAGS (PORT_CPUHP + 4)
#define CPUHP_CMD (PORT_CPUHP + 5)
#define CPUHP_DATA (PORT_CPUHP + 8)
#define FLAG_ENABLED 0x1
#define FLAG_INSERT 0x2
#define FLAG_REMOVE 0x4
#define FLAG_EJECT 0x8
#define PORT_GED 0x0ce4
#define GED_GSI 9
#define GED_CPU_HOTPLUG 0x8
#define VEC_GED 0x50
#define VEC_PARK 0x51
#define VEC_CFG 0x40
#define VEC_Q 0x41

static volatile u32 hits[MAX_CPUS][256];
static volatile u32 ged_events;
static volatile u32 park_req[MAX_CPUS], parked[MAX_CPUS];
static struct virtio_dev d;
static struct vq vq;
static u8 *buf;

static void on_irq(struct irq_frame *f)
{
	__atomic_add_fetch(&hits[this_apic_id()][f->vector & 0xff], 1, __ATOMIC_SEQ_CST);
	lapic_eoi();
}

static void on_ged(struct irq_frame *f)
{
	(void)f;
	__atomic_or_fetch(&ged_events, inl(PORT_GED), __ATOMIC_SEQ_CST);
	lapic_eoi();
}

static void ap_main(u32 id)
{
	cli();
	while (!park_req[id]) {
		sti_hlt();
		cli();
	}
	park_req[id] = 0;
	__atomic_store_n(&parked[id], 1, __ATOMIC_SEQ_CST);
	cpu_park_self(); /* as Linux's play_dead: the vector is still aimed here */
}

static void ost(u32 slot, u32 event, u32 status)
{
	outl(CPUHP_SEL, slot);
	outb(CPUHP_CMD, 1);
	outl(CPUHP_DATA, event);
	outb(CPUHP_CMD, 2);
	outl(CPUHP_DATA, status);
}

/* Wait for the GED, then CSCN: the one event expected, insert or remove of `slot`. */
static void hotplug_event(u32 slot, bool insert)
{
	u8 flags;

	GUEST_ASSERT(WAIT_UNTIL(ged_events & GED_CPU_HOTPLUG, 30000));
	__atomic_and_fetch(&ged_events, ~GED_CPU_HOTPLUG, __ATOMIC_SEQ_CST);
	outb(CPUHP_CMD, 0);
	flags = inb(CPUHP_FLAGS);
	GUEST_ASSERT_EQ(inl(CPUHP_DATA), slot);
	if (insert) {
		GUEST_ASSERT(flags & FLAG_INSERT);
		outb(CPUHP_FLAGS, FLAG_INSERT);
		ost(slot, 1, 0);
		parked[slot] = 0;
		GUEST_ASSERT_EQ(smp_start_ap(slot, ap_main, 2000), 0);
		return;
	}
	GUEST_ASSERT(flags & FLAG_REMOVE);
	outb(CPUHP_FLAGS, FLAG_REMOVE);
	ost(slot, 3, 0x84);
	park_req[slot] = 1;
	lapic_send_ipi(slot, VEC_PARK);
	GUEST_ASSERT(WAIT_UNTIL(parked[slot], 2000));
	outl(CPUHP_SEL, slot);
	outb(CPUHP_FLAGS, FLAG_EJECT);
	outl(CPUHP_SEL, slot);
	GUEST_ASSERT_EQ(inb(CPUHP_FLAGS) & FLAG_ENABLED, 0);
	ost(slot, 3, 0);
}

/* One read; its completion interrupt must land on `cpu`. */
static void io_lands_on(u32 cpu)
{
	u32 before = hits[cpu][VEC_Q];

	GUEST_ASSERT_EQ(blk_sync(&vq, VBLK_T_IN, 0, (u64)(uintptr_t)buf, 512, 5000), VBLK_S_OK);
	GUEST_ASSERT(WAIT_UNTIL(hits[cpu][VEC_Q] == before + 1, 2000));
}

static void aim(u32 cpu)
{
	mmio_write32(d.msix_table + 16, 0xfee00000u | cpu << 12);
}

int main(void)
{
	kvmclock_init_cpu();
	lapic_enable();
	irq_set_handler(VEC_CFG, on_irq);
	irq_set_handler(VEC_Q, on_irq);
	irq_set_handler(VEC_PARK, on_irq);
	irq_set_handler(VEC_GED, on_ged);
	ioapic_route(GED_GSI, VEC_GED, 0, false, false);
	blk_bringup(&d, &vq, 1, VF_EVENT_IDX, true);
	buf = vmem_alloc(4096, 4096);
	GUEST_ASSERT_EQ(smp_start_ap(1, ap_main, 2000), 0);
	msix_set(&d, 0, 0, VEC_CFG, false);
	msix_set(&d, 1, 1, VEC_Q, false);
	msix_control(&d, true, false);
	io_lands_on(1);
	GUEST_SYNC("aimed", 1);

	hotplug_event(1, false);
	GUEST_SYNC("removed", 1);

	aim(0);
	io_lands_on(0);
	GUEST_SYNC("retargeted", 0);

	hotplug_event(1, true);
	aim(1);
	io_lands_on(1);
	GUEST_SYNC("re-aimed", 1);
	GUEST_ASSERT_EQ(hits[0][VEC_CFG] + hits[1][VEC_CFG], 0);
	return 0;
}
