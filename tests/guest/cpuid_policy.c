/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The CPUID the guest sees, for the host side to check xkvm's feature policy (-cpu
 * host,+feat,-feat and the host's defaults, vcpu/cpuid.c): leaves 1, 7.0 and 0x80000001.
 */
#include "guest.h"

int main(void)
{
	u32 a, b, c, d, b7, c7, d7, ec, ed;

	cpuid(7, 0, &a, &b7, &c7, &d7);
	cpuid(0x80000001, 0, &a, &b, &ec, &ed);
	cpuid(1, 0, &a, &b, &c, &d);
	GUEST_SYNC("cpuid", c, d, b7, c7, d7, ec);
	GUEST_SYNC("cpuid-ext", ed);
	return 0;
}
