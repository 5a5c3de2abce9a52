/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The DSDT's own devices.  Each function shows the ASL it emits; the golden fixtures
 * in tests/unit/fixtures/acpi/ are that ASL, compiled by `iasl -oa` and compared byte
 * for byte.
 */
#include "acpi/dsdt.h"

#include <stdio.h>

#include "acpi/ged.h"
#include "acpi/pm.h"
#include "arch/x86/layout.h"

/* The CPU hot-plug register block (docs/specs/acpi-cpu-hotplug.md, QEMU's layout). */
#define CPU_HP_LEN 12
#define PRES "\\_SB.PRES"
#define CPLK PRES ".CPLK"
#define CSEL PRES ".CSEL"
#define CDAT PRES ".CDAT"
#define CCMD PRES ".CCMD"
#define CPEN PRES ".CPEN"
#define CINS PRES ".CINS"
#define CRMV PRES ".CRMV"
#define FLD_CEJ0 PRES ".CEJ0"
/* CCMD values (QEMU's): the next CDAT write is the _OST source event, then its status. */
#define CCMD_OST_EVENT  1
#define CCMD_OST_STATUS 2

/* Notify values (ACPI 6.5 §5.6.6). */
#define NOTIFY_DEVICE_CHECK  0x01
#define NOTIFY_EJECT_REQUEST 0x03
#define NOTIFY_BUTTON_STATUS 0x80 /* power button pressed */

/*
 * Device (COM1) {
 *     Name (_HID, EisaId ("PNP0501"))
 *     Name (_UID, 0x00)
 *     Name (_CRS, ResourceTemplate () {
 *         IO (Decode16, 0x03F8, 0x03F8, 0x01, 0x08)
 *         Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive) { 4 } })
 * }
 */
void acpi_dsdt_com1(struct aml *a)
{
	static const uint32_t irq = IRQ_COM1;

	aml_scope(a, "\\_SB");
	aml_device(a, "COM1");
	aml_name_decl(a, "_HID");
	aml_eisaid(a, "PNP0501");
	aml_name_decl(a, "_UID");
	aml_int(a, 0);
	aml_name_decl(a, "_CRS");
	aml_resources(a);
	aml_io(a, true, PORT_COM1, PORT_COM1, 1, 8);
	aml_interrupt(a, true, true, false, false, &irq, 1);
	aml_close(a);
	aml_close(a);
	aml_close(a);
}

/*
 * A control-method power button (the FADT says there is no fixed one):
 * Device (PWRB) { Name (_HID, EisaId ("PNP0C0C"))  Name (_UID, 0x00) }
 */
void acpi_dsdt_power_button(struct aml *a)
{
	aml_scope(a, "\\_SB");
	aml_device(a, "PWRB");
	aml_name_decl(a, "_HID");
	aml_eisaid(a, "PNP0C0C");
	aml_name_decl(a, "_UID");
	aml_int(a, 0);
	aml_close(a);
	aml_close(a);
}

/*
 * Device (PRES): owns the register block.
 *     Name (_HID, EisaId ("PNP0A06"))  Name (_UID, "CPU Hotplug resources")
 *     Mutex (CPLK, 0)
 *     Name (_CRS, ResourceTemplate () { IO (Decode16, 0x0CD8, 0x0CD8, 0x01, 0x0C) })
 *     OperationRegion (PRST, SystemIO, 0x0CD8, 0x0C)
 *     Field (PRST, ByteAcc, NoLock, WriteAsZeros) {
 *         Offset (0x04), CPEN, 1, CINS, 1, CRMV, 1, CEJ0, 1, , 4, CCMD, 8 }
 *     Field (PRST, DWordAcc, NoLock, Preserve) { CSEL, 32, , 32, CDAT, 32 }
 */
static void cpu_hotplug_registers(struct aml *a)
{
	aml_device(a, "PRES");
	aml_name_decl(a, "_HID");
	aml_eisaid(a, "PNP0A06");
	aml_name_decl(a, "_UID");
	aml_string(a, "CPU Hotplug resources");
	aml_mutex(a, "CPLK", 0);
	aml_name_decl(a, "_CRS");
	aml_resources(a);
	aml_io(a, true, PORT_CPU_HOTPLUG, PORT_CPU_HOTPLUG, 1, CPU_HP_LEN);
	aml_close(a);
	aml_opregion(a, "PRST", AML_SYSTEM_IO, PORT_CPU_HOTPLUG, CPU_HP_LEN);

	aml_field(a, "PRST", AML_BYTE_ACC, false, AML_WRITE_AS_ZEROS);
	aml_field_offset(a, 4);
	aml_field_unit(a, "CPEN", 1); /* enabled (present) */
	aml_field_unit(a, "CINS", 1); /* insert event; write 1 to clear */
	aml_field_unit(a, "CRMV", 1); /* remove event; write 1 to clear */
	aml_field_unit(a, "CEJ0", 1); /* write 1: eject */
	aml_field_reserved(a, 4);
	aml_field_unit(a, "CCMD", 8);
	aml_close(a);

	aml_field(a, "PRST", AML_DWORD_ACC, false, AML_PRESERVE);
	aml_field_unit(a, "CSEL", 32);
	aml_field_reserved(a, 32);
	aml_field_unit(a, "CDAT", 32);
	aml_close(a);
	aml_close(a);
}

/* Method (CTFY, 2) { If ((Arg0 == 0x00)) { Notify (C000, Arg1) } ... one If per slot } */
static void cpu_notify_method(struct aml *a, unsigned max_cpus)
{
	aml_method(a, "CTFY", 2, AML_NOT_SERIALIZED);
	for (unsigned i = 0; i < max_cpus; i++) {
		char dev[16];
		snprintf(dev, sizeof(dev), "C%03X", i);
		aml_if(a);
		aml_lequal(a);
		aml_arg(a, 0);
		aml_int(a, i);
		aml_notify(a);
		aml_name(a, dev);
		aml_arg(a, 1);
		aml_close(a);
	}
	aml_close(a);
}

/* The per-CPU methods' opening: Acquire (CPLK, 0xFFFF)  CSEL = Arg0 */
static void select_cpu_arg0(struct aml *a)
{
	aml_acquire(a, CPLK, 0xffff);
	aml_store(a);
	aml_arg(a, 0);
	aml_name(a, CSEL);
}

/*
 * Method (CSTA, 1, Serialized) {
 *     Acquire (CPLK, 0xFFFF)  CSEL = Arg0  Local0 = 0x00
 *     If ((CPEN == 0x01)) { Local0 = 0x0F }
 *     Release (CPLK)  Return (Local0) }
 */
static void cpu_status_method(struct aml *a)
{
	aml_method(a, "CSTA", 1, AML_SERIALIZED);
	select_cpu_arg0(a);
	aml_store(a);
	aml_int(a, 0);
	aml_local(a, 0);
	aml_if(a);
	aml_lequal(a);
	aml_name(a, CPEN);
	aml_int(a, 1);
	aml_store(a);
	aml_int(a, 0xf); /* present, enabled, shown, functioning */
	aml_local(a, 0);
	aml_close(a);
	aml_release(a, CPLK);
	aml_return(a);
	aml_local(a, 0);
	aml_close(a);
}

/* Method (CEJ0, 1, Serialized) { Acquire  CSEL = Arg0  PRES.CEJ0 = 0x01  Release } */
static void cpu_eject_method(struct aml *a)
{
	aml_method(a, "CEJ0", 1, AML_SERIALIZED);
	select_cpu_arg0(a);
	aml_store(a);
	aml_int(a, 1);
	aml_name(a, FLD_CEJ0);
	aml_release(a, CPLK);
	aml_close(a);
}

/* Method (COST, 4, Serialized) { Acquire  CSEL = Arg0  CCMD = 1  CDAT = Arg1
 *                                CCMD = 2  CDAT = Arg2  Release } */
static void cpu_ost_method(struct aml *a)
{
	aml_method(a, "COST", 4, AML_SERIALIZED);
	select_cpu_arg0(a);
	aml_store(a);
	aml_int(a, CCMD_OST_EVENT);
	aml_name(a, CCMD);
	aml_store(a);
	aml_arg(a, 1);
	aml_name(a, CDAT);
	aml_store(a);
	aml_int(a, CCMD_OST_STATUS);
	aml_name(a, CCMD);
	aml_store(a);
	aml_arg(a, 2);
	aml_name(a, CDAT);
	aml_release(a, CPLK);
	aml_close(a);
}

/*
 * Method (CSCN, 0, Serialized) {
 *     Acquire (CPLK, 0xFFFF)  Local0 = 0x00
 *     While ((Local0 < max_cpus)) {
 *         CSEL = Local0
 *         If ((CINS == 0x01)) { CTFY (Local0, 0x01)  CINS = 0x01 }   device check, ack
 *         If ((CRMV == 0x01)) { CTFY (Local0, 0x03)  CRMV = 0x01 }   eject request, ack
 *         Local0++ }
 *     Release (CPLK) }
 */
static void cpu_scan_event(struct aml *a, const char *flag, unsigned notify)
{
	aml_if(a);
	aml_lequal(a);
	aml_name(a, flag);
	aml_int(a, 1);
	aml_call(a, "CTFY", 2);
	aml_local(a, 0);
	aml_int(a, notify);
	aml_store(a);
	aml_int(a, 1);
	aml_name(a, flag);
	aml_close(a);
}

static void cpu_scan_method(struct aml *a, unsigned max_cpus)
{
	aml_method(a, "CSCN", 0, AML_SERIALIZED);
	aml_acquire(a, CPLK, 0xffff);
	aml_store(a);
	aml_int(a, 0);
	aml_local(a, 0);
	aml_while(a);
	aml_lless(a);
	aml_local(a, 0);
	aml_int(a, max_cpus);
	aml_store(a);
	aml_local(a, 0);
	aml_name(a, CSEL);
	cpu_scan_event(a, CINS, NOTIFY_DEVICE_CHECK);
	cpu_scan_event(a, CRMV, NOTIFY_EJECT_REQUEST);
	aml_increment(a);
	aml_local(a, 0);
	aml_close(a);
	aml_release(a, CPLK);
	aml_close(a);
}

/*
 * Device (Cxxx) {
 *     Name (_HID, "ACPI0007")  Name (_UID, i)
 *     Method (_STA, 0, Serialized) { Return (CSTA (i)) }
 *     Name (_MAT, Buffer (0x08) { 0x00, 0x08, i, i, 0x01, 0x00, 0x00, 0x00 })
 *     Method (_OST, 3, Serialized) { COST (i, Arg0, Arg1, Arg2) }
 *     Method (_EJ0, 1) { CEJ0 (i) }          every slot but 0
 * }
 * _MAT is the slot's MADT Local APIC entry with Enabled set: Linux needs it to map a
 * hot-added CPU (cpu-hotplug.md §1.5).
 */
static void cpu_device(struct aml *a, unsigned i)
{
	const uint8_t mat[8] = { 0, 8, (uint8_t)i, (uint8_t)i, 1, 0, 0, 0 };
	char name[16];

	snprintf(name, sizeof(name), "C%03X", i);
	aml_device(a, name);
	aml_name_decl(a, "_HID");
	aml_string(a, "ACPI0007");
	aml_name_decl(a, "_UID");
	aml_int(a, i);
	aml_method(a, "_STA", 0, AML_SERIALIZED);
	aml_return(a);
	aml_call(a, "CSTA", 1);
	aml_int(a, i);
	aml_close(a);
	aml_name_decl(a, "_MAT");
	aml_buffer(a);
	aml_raw(a, mat, sizeof(mat));
	aml_close(a);
	aml_method(a, "_OST", 3, AML_SERIALIZED);
	aml_call(a, "COST", 4);
	aml_int(a, i);
	aml_arg(a, 0);
	aml_arg(a, 1);
	aml_arg(a, 2);
	aml_close(a);
	if (i != 0) { /* the boot CPU cannot be ejected */
		aml_method(a, "_EJ0", 1, AML_NOT_SERIALIZED);
		aml_call(a, "CEJ0", 1);
		aml_int(a, i);
		aml_close(a);
	}
	aml_close(a);
}

void acpi_dsdt_cpu_hotplug(struct aml *a, unsigned max_cpus)
{
	aml_scope(a, "\\_SB");
	cpu_hotplug_registers(a);
	aml_device(a, "CPUS");
	aml_name_decl(a, "_HID");
	aml_string(a, "ACPI0010");
	aml_name_decl(a, "_CID");
	aml_eisaid(a, "PNP0A05");
	cpu_notify_method(a, max_cpus);
	cpu_status_method(a);
	cpu_eject_method(a);
	cpu_ost_method(a);
	cpu_scan_method(a, max_cpus);
	for (unsigned i = 0; i < max_cpus; i++)
		cpu_device(a, i);
	aml_close(a);
	aml_close(a);
}

/*
 * Device (GED_) {
 *     Name (_HID, "ACPI0013")  Name (_UID, 0x00)
 *     Name (_CRS, ResourceTemplate () {
 *         Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive) { 9 } })
 *     OperationRegion (GDST, SystemIO, 0x0CE4, 0x04)
 *     Field (GDST, DWordAcc, NoLock, WriteAsZeros) { ESEL, 32 }
 *     Method (_EVT, 1, Serialized) {
 *         Local0 = ESEL                                    read-to-clear
 *         If (((Local0 & 0x02) == 0x02)) { Notify (PWRB, 0x80) }
 *         If (((Local0 & 0x08) == 0x08)) { \_SB.CPUS.CSCN () } } }
 */
static void ged_event(struct aml *a, uint32_t bit)
{
	aml_if(a);
	aml_lequal(a);
	aml_and(a);
	aml_local(a, 0);
	aml_int(a, bit);
	aml_null_target(a);
	aml_int(a, bit);
}

void acpi_dsdt_ged(struct aml *a)
{
	static const uint32_t gsi = GSI_GED;

	aml_scope(a, "\\_SB");
	aml_device(a, "GED_");
	aml_name_decl(a, "_HID");
	aml_string(a, "ACPI0013");
	aml_name_decl(a, "_UID");
	aml_int(a, 0);
	aml_name_decl(a, "_CRS");
	aml_resources(a);
	aml_interrupt(a, true, true, false, false, &gsi, 1);
	aml_close(a);
	aml_opregion(a, "GDST", AML_SYSTEM_IO, PORT_GED, ACPI_GED_ESEL_LEN);
	aml_field(a, "GDST", AML_DWORD_ACC, false, AML_WRITE_AS_ZEROS);
	aml_field_unit(a, "ESEL", 32);
	aml_close(a);

	aml_method(a, "_EVT", 1, AML_SERIALIZED);
	aml_store(a);
	aml_name(a, "ESEL");
	aml_local(a, 0);
	ged_event(a, ACPI_GED_EVT_PWR_DOWN);
	aml_notify(a);
	aml_name(a, "PWRB");
	aml_int(a, NOTIFY_BUTTON_STATUS);
	aml_close(a);
	ged_event(a, ACPI_GED_EVT_CPU_HOTPLUG);
	aml_call(a, "\\_SB.CPUS.CSCN", 0);
	aml_close(a);
	aml_close(a);

	aml_close(a);
	aml_close(a);
}

/* Name (_S5, Package (0x02) { 0x05, 0x00 }): SLP_TYPa, SLP_TYPb for the sleep register. */
void acpi_dsdt_sleep_states(struct aml *a)
{
	aml_name_decl(a, "_S5");
	aml_package(a, 2);
	aml_int(a, ACPI_SLP_TYP_S5);
	aml_int(a, 0);
	aml_close(a);
}

void acpi_dsdt_build(struct aml *a, const struct acpi_dsdt_config *cfg)
{
	if (cfg->com1)
		acpi_dsdt_com1(a);
	acpi_dsdt_power_button(a);
	acpi_dsdt_cpu_hotplug(a, cfg->max_cpus);
	acpi_dsdt_ged(a);
	acpi_dsdt_sleep_states(a);
}
