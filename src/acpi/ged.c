/* SPDX-License-Identifier: GPL-2.0-only */
/* The Generic Event Device: ESEL, the GSI edge and the re-pulse schedule (see ged.h). */
#include "acpi/ged.h"

#include <errno.h>

#include "trace/trace.h"

void acpi_ged_init(struct acpi_ged *g, const struct acpi_ged_ops *ops, void *opaque,
		   struct trace *trace)
{
	*g = (struct acpi_ged){ .ops = ops, .opaque = opaque, .trace = trace,
				.rl = RATELIMIT_INIT };
	pthread_mutex_init(&g->lock, NULL);
}

void acpi_ged_destroy(struct acpi_ged *g)
{
	pthread_mutex_destroy(&g->lock);
}

int acpi_ged_raise(struct acpi_ged *g, uint32_t bits)
{
	uint32_t sel;

	if (!bits || (bits & ~ACPI_GED_EVT_SUPPORTED))
		return -EINVAL;
	pthread_mutex_lock(&g->lock);
	g->sel |= bits;
	sel = g->sel;
	g->raised++;
	g->tries = 0;
	g->backoff_ns = ACPI_GED_REPULSE_FIRST_NS;
	pthread_mutex_unlock(&g->lock);

	trace_acpi_ged_raise(g->trace, bits, sel);
	g->ops->pulse(g->opaque);
	g->ops->schedule(g->opaque, ACPI_GED_REPULSE_FIRST_NS);
	return 0;
}

void acpi_ged_repulse(struct acpi_ged *g)
{
	uint64_t next = 0;
	unsigned tries = 0;
	uint32_t sel;
	bool pulse = false;

	pthread_mutex_lock(&g->lock);
	sel = g->sel;
	if (g->seen == g->raised) {
		/* The guest read ESEL after the latest raise: nothing more to do. */
	} else if (g->tries >= ACPI_GED_REPULSE_TRIES) {
		if (g->tries++ == ACPI_GED_REPULSE_TRIES) /* say it once per raise */
			log_guest(&g->rl, "acpi: GED: the guest has not read its event selector "
				  "(0x%x pending) after %u pulses; waiting for the next event", sel,
				  ACPI_GED_REPULSE_TRIES + 1);
	} else {
		tries = ++g->tries;
		pulse = true;
		next = g->backoff_ns * 2;
		if (next > ACPI_GED_REPULSE_MAX_NS)
			next = ACPI_GED_REPULSE_MAX_NS;
		g->backoff_ns = next;
	}
	pthread_mutex_unlock(&g->lock);

	if (!pulse)
		return;
	trace_acpi_ged_repulse(g->trace, tries, sel);
	g->ops->pulse(g->opaque);
	/* After the last re-pulse, one more call only to report that it was the last. */
	g->ops->schedule(g->opaque, next);
}

void acpi_ged_reset(struct acpi_ged *g)
{
	pthread_mutex_lock(&g->lock);
	g->sel = 0;
	g->raised = g->seen = 0;
	g->tries = 0;
	g->backoff_ns = 0;
	pthread_mutex_unlock(&g->lock);
	g->ops->schedule(g->opaque, 0);
}

static uint64_t ged_read(void *opaque, struct vcpu *vcpu, uint64_t off, unsigned size)
{
	struct acpi_ged *g = opaque;
	uint32_t sel;

	(void)vcpu;
	if (off != 0 || size != ACPI_GED_ESEL_LEN) {
		/* A partial read would lose the bits it does not return: refuse it. */
		log_guest(&g->rl, "acpi: GED: %u-byte read at offset %llu ignored (ESEL is one "
			  "32-bit register)", size, (unsigned long long)off);
		return ~0ull;
	}
	pthread_mutex_lock(&g->lock);
	sel = g->sel;
	g->sel = 0;
	g->seen = g->raised;
	pthread_mutex_unlock(&g->lock);
	trace_acpi_ged_read(g->trace, sel);
	return sel;
}

static void ged_write(void *opaque, struct vcpu *vcpu, uint64_t off, unsigned size, uint64_t val)
{
	struct acpi_ged *g = opaque;

	(void)vcpu;
	/* ESEL is read-only; the DSDT's field is WriteAsZeros and never written. */
	if (val)
		log_guest(&g->rl, "acpi: GED: %u-byte write of 0x%llx at offset %llu ignored "
			  "(read-only)", size, (unsigned long long)val, (unsigned long long)off);
}

const struct bus_ops acpi_ged_ops = {
	.read = ged_read,
	.write = ged_write,
};

int acpi_ged_register(struct acpi_ged *g, struct bus *pio, uint16_t port)
{
	int ret = bus_register(pio, port, ACPI_GED_ESEL_LEN, &acpi_ged_ops, g, "acpi-ged");

	if (ret < 0)
		log_error("acpi: GED event selector at 0x%x: %s", port,
			  ret == -EBUSY ? "ports already in use" : "cannot register");
	return ret;
}
