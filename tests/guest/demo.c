/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The README's demo: a tiny "OS" that tells, on COM1, what xkvm gave it — how it booted,
 * its memory, its vCPUs (started with INIT/SIPI), the ACPI tables it found, the devices it
 * probed — and then powers off the way an OS does (the FADT's sleep control register with
 * SLP_TYP from \_S5).  Everything printed is read from the hardware, not assumed.
 *
 * With serve=1 on the command line it first stays up and serves the host (scripts/demo.sh
 * drives it over QMP): CPUs hot-added through ACPI are started with INIT/SIPI, CPUs the
 * host asks back are parked and ejected, and the power button powers it off.
 */
#include "guest.h"

#include <xen/arch-x86/hvm/start_info.h>

static char line[256];
static volatile u32 ticks, aps_online;

#define VEC_GED 0x50
#define VEC_PARK 0x51

#define say(...)                                       \
	do {                                           \
		snprintf(line, sizeof(line), __VA_ARGS__); \
		serial_puts(line);                     \
		serial_puts("\n");                     \
	} while (0)

static void on_tick(struct irq_frame *f)
{
	(void)f;
	ticks++;
	lapic_eoi();
}

static void ap_hello(u32 id)
{
	__atomic_add_fetch(&aps_online, 1, __ATOMIC_SEQ_CST);
	cpuhp_ap_idle(id); /* stays available for a hot-remove */
}

static void show_boot(void)
{
	const struct hvm_start_info *si = (const void *)(uintptr_t)pvh_start_info;
	const struct hvm_memmap_table_entry *mm = (const void *)(uintptr_t)si->memmap_paddr;
	u64 ram = 0;
	u32 a, b, c, d;
	char vendor[13];

	say("xkvm demo: a freestanding guest reports what its VMM provides");
	say("  boot     : PVH entry, hvm_start_info v%u at 0x%x, command line \"%s\"", si->version,
	    pvh_start_info, guest_cmdline());
	for (u32 i = 0; i < si->memmap_entries; i++)
		if (mm[i].type == XEN_HVM_MEMMAP_TYPE_RAM)
			ram += mm[i].size;
	say("  memory   : %lu MiB of RAM in a %u-entry memory map", (ram + (1 << 20) - 1) >> 20,
	    si->memmap_entries);
	cpuid(0, 0, &a, &b, &c, &d);
	memcpy(vendor, &b, 4);
	memcpy(vendor + 4, &d, 4);
	memcpy(vendor + 8, &c, 4);
	vendor[12] = '\0';
	cpuid(0x40000000, 0, &a, &b, &c, &d);
	{
		char hv[13];
		memcpy(hv, &b, 4);
		memcpy(hv + 4, &c, 4);
		memcpy(hv + 8, &d, 4);
		hv[12] = '\0';
		say("  cpu      : %s, hypervisor \"%s\", long mode, kvmclock %s", vendor, hv,
		    kvmclock_available() ? "ticking" : "absent");
	}
}

/* MADT: count LAPIC entries, enabled and online-capable; find the IOAPIC. */
static u32 show_cpus(void)
{
	const struct acpi_header *madt = acpi_find_table("APIC");
	u32 enabled = 0, capable = 0, ioapic = 0;
	u64 t0;

	if (!madt) {
		say("  vcpus    : no MADT found");
		return 1;
	}
	for (u32 off = 44; off + 2 <= madt->length;) {
		const u8 *e = (const u8 *)madt + off;
		if (e[1] < 2)
			break;
		if (e[0] == 0 && e[1] >= 8) {
			u32 flags;
			memcpy(&flags, e + 4, 4);
			enabled += flags & 1;
			capable += !(flags & 1) && (flags & 2);
		} else if (e[0] == 1 && e[1] >= 12) {
			memcpy(&ioapic, e + 4, 4);
		}
		off += e[1];
	}
	t0 = kvmclock_ns();
	for (u32 id = 1; id < enabled; id++)
		if (smp_start_ap(id, ap_hello, 2000) < 0)
			say("  vcpus    : CPU %u did not answer INIT/SIPI", id);
	say("  vcpus    : %u enabled in the MADT; %u AP(s) started with INIT/SIPI in %lu us; %u "
	    "hot-pluggable slot(s)", enabled, aps_online, (kvmclock_ns() - t0) / 1000, capable);
	if (ioapic)
		say("  ioapic   : at 0x%x, %u pins", ioapic, ioapic_pins());
	return enabled;
}

static void show_acpi(void)
{
	const u8 *rsdp = acpi_find_rsdp();
	const struct acpi_header *xsdt = acpi_find_table("XSDT");
	char list[160] = "";
	size_t n = 0;

	if (!rsdp || !xsdt) {
		say("  acpi     : no valid RSDP/XSDT");
		return;
	}
	for (u32 off = sizeof(*xsdt); off + 8 <= xsdt->length; off += 8) {
		u64 addr;
		const struct acpi_header *t;
		memcpy(&addr, (const u8 *)xsdt + off, 8);
		t = (const void *)(uintptr_t)addr;
		char sig[5] = { t->signature[0], t->signature[1], t->signature[2], t->signature[3], 0 };
		n += (size_t)snprintf(list + n, sizeof(list) - n, " %s(%u)", sig, t->length);
		if (n >= sizeof(list))
			break;
	}
	say("  acpi     : RSDP at %p rev %u -> XSDT:%s, checksums good", rsdp, rsdp[15], list);
	{
		const struct acpi_header *f = acpi_find_table("FACP");
		const struct acpi_header *dsdt = acpi_find_table("DSDT");
		if (f)
			say("  acpi     : FADT %u.%u%s, DSDT %u bytes of AML", f->revision,
			    f->length > 131 ? ((const u8 *)f)[131] : 0,
			    f->length > 115 && (((const u8 *)f)[114] & 0x10) ? " hardware-reduced" : "",
			    dsdt ? dsdt->length : 0);
	}
}

static void show_devices(void)
{
	u32 t;

	outb(0x3f8 + 7, 0xa5);
	say("  devices  : COM1 16550A %s", inb(0x3f8 + 7) == 0xa5 ? "(scratch register answers)" : "(absent)");
	lapic_enable();
	irq_set_handler(0x30, on_tick);
	lapic_write(APIC_TIMER_DIV, 0xb);
	lapic_write(APIC_LVT_TIMER, 0x30 | (1u << 17));
	lapic_write(APIC_TIMER_INIT, 1000000);
	WAIT_UNTIL(ticks >= 3, 1000);
	lapic_write(APIC_TIMER_INIT, 0);
	t = ticks;
	say("  devices  : LAPIC timer delivered %u interrupts (periodic, 1 ms)", t);
}

/* \_S5's SLP_TYP from the DSDT bytes: NameSeg "_S5_", PackageOp, PkgLength, count, value. */
static int s5_slp_typ(void)
{
	const struct acpi_header *dsdt = acpi_find_table("DSDT");
	const u8 *p;

	if (!dsdt)
		return -1;
	p = (const u8 *)dsdt;
	for (u32 i = sizeof(*dsdt); i + 8 < dsdt->length; i++) {
		if (memcmp(p + i, "_S5_", 4) || p[i + 4] != 0x12)
			continue;
		i += 5 + ((p[i + 5] >> 6) + 1) + 1; /* PkgLength, NumElements */
		if (p[i] == 0x0a)
			return p[i + 1];
		if (p[i] <= 1)
			return p[i];
		return -1;
	}
	return -1;
}

static void power_off(void)
{
	const struct acpi_header *f = acpi_find_table("FACP");
	int typ = s5_slp_typ();

	if (f && f->length >= 256 && typ >= 0) {
		const u8 *gas = (const u8 *)f + 244; /* SLEEP_CONTROL_REG */
		u64 addr;
		memcpy(&addr, gas + 4, 8);
		say("  power    : \\_S5 is SLP_TYP %d; writing SLP_EN to the sleep control register at "
		    "I/O 0x%lx. Bye.", typ, addr);
		if (gas[0] == 1 && addr < 0x10000)
			outb((u16)addr, (u8)((typ & 7) << 2 | 1 << 5));
	}
	say("  power    : no ACPI power-off; using isa-debug-exit");
	outb(0xf4, 0);
}

/* Serve hot-plug events until the power button; returns when it is pressed. */
static void serve(u32 maxcpus)
{
	say("  hot-plug : serving ACPI CPU hot-plug (GED on GSI 9) and the power button");
	for (;;) {
		u32 ev = cpuhp_wait_ged(), slot;
		u8 flags;

		while ((ev & GED_CPU_HOTPLUG) && cpuhp_next_event(maxcpus, &slot, &flags)) {
			if (flags & CPUHP_INSERT) {
				u64 t0 = kvmclock_ns();
				int ret;

				cpuhp_ost(slot, 1, 0);
				ret = smp_start_ap(slot, ap_hello, 2000);
				say("  hot-plug : CPU %u inserted; %s in %lu us", slot,
				    ret ? "it did not answer INIT/SIPI" : "started with INIT/SIPI",
				    (kvmclock_ns() - t0) / 1000);
			} else {
				cpuhp_ost(slot, 3, 0x84);
				if (!cpuhp_park_ap(slot, 2000))
					say("  hot-plug : CPU %u did not park", slot);
				say("  hot-plug : CPU %u removal requested; parked it and ejected it: %s",
				    slot, cpuhp_eject(slot) ? "gone" : "still present?!");
				cpuhp_ost(slot, 3, 0);
			}
		}
		if (ev & GED_PWR_BUTTON) {
			say("  power    : the power button was pressed");
			return;
		}
	}
}

int main(void)
{
	serial_init();
	kvmclock_init_cpu();
	lapic_enable();
	cpuhp_init(VEC_GED, VEC_PARK);
	show_boot();
	show_acpi();
	show_cpus();
	show_devices();
	if (under_xkvm)
		GUEST_SYNC("demo-ok");
	if (cmdline_get_u64("serve", 0))
		serve((u32)cmdline_get_u64("maxcpus", 4));
	power_off();
	return 0;
}
