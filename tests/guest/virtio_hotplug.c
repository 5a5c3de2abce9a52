/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Hot-removing a vCPU that interrupt routes still target, driven by the host over QMP
 * (tests/e2e/test_virtio_routes.py):
 *   1. virtio-blk's queue vector aimed at CPU 1; a completion lands there    SYNC "aimed"
 *   2. the host device_dels CPU 1: the OS side of ACPI hot-plug (lib/cpuhp.c: GED, the
 *      CSCN walk as the DSDT does it, _OST) parks CPU 1 and ejects it *without* moving the
 *      vector first; xkvm reports the routes left on it                     SYNC "removed"
 *   3. the guest retargets the vector to CPU 0; a completion lands there     SYNC "retargeted"
 *   4. the host device_adds CPU 1 again; the guest starts it, aims the vector
 *      at it again; a completion lands there                                SYNC "re-aimed"
 * With wait=1 it stops after each SYNC until the host sends a byte on COM1.
 */
#include "guest.h"
#include "virtio.h"

#define VEC_GED 0x50
#define VEC_PARK 0x51
#define VEC_CFG 0x40
#define VEC_Q 0x41

static volatile u32 hits[MAX_CPUS][256];
static struct virtio_dev d;
static struct vq vq;
static u8 *buf;

static void on_irq(struct irq_frame *f)
{
	__atomic_add_fetch(&hits[this_apic_id()][f->vector & 0xff], 1, __ATOMIC_SEQ_CST);
	lapic_eoi();
}

/* Wait for the GED, then the CSCN walk (lib/cpuhp.c): the one event expected, an insert
 * or a removal of `slot`.  The removal parks the CPU as Linux's play_dead does, with the
 * vector still aimed at it. */
static void hotplug_event(u32 slot, bool insert)
{
	u32 got;
	u8 flags;

	GUEST_ASSERT(cpuhp_wait_ged() & GED_CPU_HOTPLUG);
	GUEST_ASSERT_EQ(cpuhp_next_event(2, &got, &flags), 1);
	GUEST_ASSERT_EQ(got, slot);
	if (insert) {
		GUEST_ASSERT(flags & CPUHP_INSERT);
		cpuhp_ost(slot, 1, 0);
		GUEST_ASSERT_EQ(smp_start_ap(slot, cpuhp_ap_idle, 2000), 0);
		return;
	}
	GUEST_ASSERT(flags & CPUHP_REMOVE);
	cpuhp_ost(slot, 3, 0x84);
	GUEST_ASSERT(cpuhp_park_ap(slot, 2000));
	GUEST_ASSERT(cpuhp_eject(slot));
	cpuhp_ost(slot, 3, 0);
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
	cpuhp_init(VEC_GED, VEC_PARK);
	blk_bringup(&d, &vq, 1, VF_EVENT_IDX, true);
	buf = vmem_alloc(4096, 4096);
	GUEST_ASSERT_EQ(smp_start_ap(1, cpuhp_ap_idle, 2000), 0);
	msix_set(&d, 0, 0, VEC_CFG, false);
	msix_set(&d, 1, 1, VEC_Q, false);
	msix_control(&d, true, false);
	io_lands_on(1);
	GUEST_SYNC("aimed", 1);
	host_wait();

	hotplug_event(1, false);
	GUEST_SYNC("removed", 1);
	host_wait();

	aim(0);
	io_lands_on(0);
	GUEST_SYNC("retargeted", 0);
	host_wait();

	hotplug_event(1, true);
	aim(1);
	io_lands_on(1);
	GUEST_SYNC("re-aimed", 1);
	GUEST_ASSERT_EQ(hits[0][VEC_CFG] + hits[1][VEC_CFG], 0);
	return 0;
}
