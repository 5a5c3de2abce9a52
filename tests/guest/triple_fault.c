/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Triple fault: an exception with no usable IDT.  The platform resets: with -no-reboot
 * xkvm exits 0; without it the program boots again (a counter in RAM outside the image
 * survives the reset) and finishes on the second boot.
 */
#include "guest.h"

#define BOOT_COUNTER 0x2000000ull /* 32 MiB: RAM, outside the loaded image */
#define MAGIC 0x54524950u         /* "TRIP" */

int main(void)
{
	volatile u32 *counter = (volatile u32 *)(uintptr_t)BOOT_COUNTER;
	struct {
		u16 limit;
		u64 base;
	} __attribute__((packed)) empty = { 0, 0 };

	if (counter[0] == MAGIC) {
		counter[1]++;
		GUEST_SYNC("rebooted", counter[1]);
		counter[0] = 0;
		return 0;
	}
	counter[0] = MAGIC;
	counter[1] = 0;
	GUEST_SYNC("faulting");
	__asm__ volatile("lidt %0; ud2" :: "m"(empty));
	GUEST_FAIL("still running after a triple fault");
	return 1;
}
