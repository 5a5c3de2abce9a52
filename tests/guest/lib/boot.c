/* SPDX-License-Identifier: GPL-2.0-only */
/* From start64 to main(): detect the ucall port, load the IDT, run the program. */
#include "guest.h"

#include <xen/arch-x86/hvm/start_info.h>

void guest_start(void);

void guest_start(void)
{
	int ret;

	under_xkvm = inl(UCALL_PORT) == UCALL_MAGIC;
	if (!under_xkvm)
		serial_init();
	idt_init();
	idt_load();
	ret = main();
	if (ret == 0)
		guest_done();
	guest_fail(__FILE__, __LINE__, "main() returned non-zero", 1, (u64)ret);
}

const char *guest_cmdline(void)
{
	const struct hvm_start_info *si = (const void *)(uintptr_t)pvh_start_info;

	if (!si || si->magic != XEN_HVM_START_MAGIC_VALUE || !si->cmdline_paddr)
		return "";
	return (const char *)(uintptr_t)si->cmdline_paddr;
}

const char *cmdline_get(const char *key)
{
	static char value[128];
	const char *p = guest_cmdline();
	size_t klen = strlen(key);

	while (*p) {
		while (*p == ' ')
			p++;
		if (!strncmp(p, key, klen) && p[klen] == '=') {
			size_t n = 0;
			p += klen + 1;
			while (p[n] && p[n] != ' ' && n < sizeof(value) - 1) {
				value[n] = p[n];
				n++;
			}
			value[n] = '\0';
			return value;
		}
		while (*p && *p != ' ')
			p++;
	}
	return NULL;
}

u64 cmdline_get_u64(const char *key, u64 dflt)
{
	const char *v = cmdline_get(key);
	u64 r = 0;
	unsigned base = 10;

	if (!v || !*v)
		return dflt;
	if (v[0] == '0' && v[1] == 'x') {
		base = 16;
		v += 2;
	}
	for (; *v; v++) {
		unsigned d;
		if (*v >= '0' && *v <= '9')
			d = (unsigned)(*v - '0');
		else if (base == 16 && *v >= 'a' && *v <= 'f')
			d = (unsigned)(*v - 'a' + 10);
		else
			return dflt;
		r = r * base + d;
	}
	return r;
}
