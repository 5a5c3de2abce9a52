/* SPDX-License-Identifier: GPL-2.0-only */
/* Sleep control/status registers and the 0xCF9 reset register (see pm.h). */
#include "acpi/pm.h"

#include <errno.h>

#include "trace/trace.h"

/* Offsets inside the sleep register pair. */
enum { SLEEP_CONTROL = 0, SLEEP_STATUS = 1, SLEEP_LEN = 2 };

void acpi_pm_init(struct acpi_pm *pm, const struct acpi_pm_ops *ops, void *opaque,
		  struct trace *trace)
{
	*pm = (struct acpi_pm){ .ops = ops, .opaque = opaque, .trace = trace,
				.rl = RATELIMIT_INIT };
}

void acpi_pm_reset(struct acpi_pm *pm)
{
	atomic_store(&pm->slp_typ, 0);
	atomic_store(&pm->cf9, 0);
}

/* Every register is a byte: anything else gets the answer of an unclaimed access. */
static bool byte_access(struct acpi_pm *pm, const char *reg, unsigned size, bool write)
{
	if (size == 1)
		return true;
	log_guest(&pm->rl, "acpi: %u-byte %s of the %s register ignored (byte register)", size,
		  write ? "write" : "read", reg);
	return false;
}

static void sleep_control_write(struct acpi_pm *pm, uint8_t v)
{
	unsigned typ = (v & ACPI_SLP_TYP_MASK) >> ACPI_SLP_TYP_SHIFT;

	trace_acpi_sleep_control(pm->trace, v);
	if (v & ACPI_SLP_CTL_RESERVED)
		log_guest(&pm->rl, "acpi: sleep control 0x%02x: reserved bits 0x%02x ignored", v,
			  v & ACPI_SLP_CTL_RESERVED);
	atomic_store(&pm->slp_typ, (uint8_t)(v & ACPI_SLP_TYP_MASK));
	if (!(v & ACPI_SLP_EN))
		return;
	if (typ != ACPI_SLP_TYP_S5) {
		/* Only \_S5 is defined in the DSDT: S1-S4 do not exist on this machine. */
		log_guest(&pm->rl, "acpi: sleep type %u requested; only %u (S5) exists, ignored",
			  typ, ACPI_SLP_TYP_S5);
		return;
	}
	pm->ops->shutdown(pm->opaque);
}

static void sleep_status_write(struct acpi_pm *pm, uint8_t v)
{
	/* WAK_STS is write-1-to-clear and never set: the machine never wakes from sleep. */
	if (v & ACPI_SLP_STS_RESERVED)
		log_guest(&pm->rl, "acpi: sleep status 0x%02x: reserved bits 0x%02x ignored", v,
			  v & ACPI_SLP_STS_RESERVED);
}

static uint64_t sleep_read(void *opaque, struct vcpu *vcpu, uint64_t off, unsigned size)
{
	struct acpi_pm *pm = opaque;

	(void)vcpu;
	if (!byte_access(pm, off == SLEEP_CONTROL ? "sleep control" : "sleep status", size, false))
		return ~0ull;
	if (off == SLEEP_CONTROL)
		return atomic_load(&pm->slp_typ); /* SLP_EN reads as 0 */
	return 0;                                  /* WAK_STS clear */
}

static void sleep_write(void *opaque, struct vcpu *vcpu, uint64_t off, unsigned size,
			uint64_t val)
{
	struct acpi_pm *pm = opaque;

	(void)vcpu;
	if (!byte_access(pm, off == SLEEP_CONTROL ? "sleep control" : "sleep status", size, true))
		return;
	if (off == SLEEP_CONTROL)
		sleep_control_write(pm, (uint8_t)val);
	else
		sleep_status_write(pm, (uint8_t)val);
}

const struct bus_ops acpi_pm_sleep_ops = {
	.read = sleep_read,
	.write = sleep_write,
};

static uint64_t reset_read(void *opaque, struct vcpu *vcpu, uint64_t off, unsigned size)
{
	struct acpi_pm *pm = opaque;

	(void)vcpu;
	(void)off;
	if (!byte_access(pm, "reset control (0xcf9)", size, false))
		return ~0ull;
	return atomic_load(&pm->cf9);
}

static void reset_write(void *opaque, struct vcpu *vcpu, uint64_t off, unsigned size,
			uint64_t val)
{
	struct acpi_pm *pm = opaque;
	uint8_t v = (uint8_t)val;

	(void)vcpu;
	(void)off;
	if (!byte_access(pm, "reset control (0xcf9)", size, true))
		return;
	trace_acpi_reset_control(pm->trace, v);
	if (v & CF9_RESERVED)
		log_guest(&pm->rl, "acpi: reset control 0x%02x: reserved bits 0x%02x ignored", v,
			  v & CF9_RESERVED);
	if (v & CF9_RST_CPU) {
		/* As QEMU's ICH9: every write with RST_CPU set resets (hardware resets on the
		 * 0 -> 1 edge of a bit that then reads back 0, so both agree). */
		pm->ops->reset(pm->opaque);
		return;
	}
	atomic_store(&pm->cf9, (uint8_t)(v & (CF9_SYS_RST | CF9_FULL_RST)));
}

const struct bus_ops acpi_pm_reset_ops = {
	.read = reset_read,
	.write = reset_write,
};

int acpi_pm_register(struct acpi_pm *pm, struct bus *pio, uint16_t sleep_port,
		     uint16_t reset_port)
{
	int ret = bus_register(pio, sleep_port, SLEEP_LEN, &acpi_pm_sleep_ops, pm, "acpi-sleep");

	if (ret < 0) {
		log_error("acpi: sleep registers at 0x%x: %s", sleep_port,
			  ret == -EBUSY ? "ports already in use" : "cannot register");
		return ret;
	}
	ret = bus_register(pio, reset_port, 1, &acpi_pm_reset_ops, pm, "acpi-reset");
	if (ret < 0) {
		log_error("acpi: reset register at 0x%x: %s", reset_port,
			  ret == -EBUSY ? "port already in use" : "cannot register");
		bus_unregister(pio, sleep_port, pm);
		return ret;
	}
	pm->pio = pio;
	pm->sleep_port = sleep_port;
	pm->reset_port = reset_port;
	return 0;
}
