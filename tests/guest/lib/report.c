/* SPDX-License-Identifier: GPL-2.0-only */
/* Reporting: the ucall port under xkvm; COM1 + isa-debug-exit elsewhere (QEMU). */
#include "guest.h"

#define DEBUG_EXIT_PORT 0xf4

bool under_xkvm;

static void fallback_line(const char *tag, const char *text, unsigned nargs, const u64 *args)
{
	char buf[64];

	serial_puts(tag);
	serial_puts(text);
	for (unsigned i = 0; i < nargs; i++) {
		snprintf(buf, sizeof(buf), " 0x%lx", args[i]);
		serial_puts(buf);
	}
	serial_puts("\n");
}

static void ucall_send(struct ucall *uc)
{
	static const char *const tags[] = { "", "", "SYNC ", "ASSERT ", "DONE", "REPORT ", "FAIL " };

	if (under_xkvm) {
		outl(UCALL_PORT, (u32)(uintptr_t)uc);
		return;
	}
	fallback_line(uc->cmd < ARRAY_SIZE(tags) ? tags[uc->cmd] : "", uc->text, uc->nargs, uc->args);
	if (uc->cmd == UCALL_DONE)
		outb(DEBUG_EXIT_PORT, 0);        /* QEMU exit status 1 */
	else if (uc->cmd == UCALL_ASSERT || uc->cmd == UCALL_FAIL)
		outb(DEBUG_EXIT_PORT, 1);        /* QEMU exit status 3 */
}

static void ucall_va(u32 cmd, const char *text, u32 line, unsigned nargs, va_list ap)
{
	struct ucall uc;

	memset(&uc, 0, sizeof(uc));
	uc.cmd = cmd;
	uc.line = line;
	uc.nargs = nargs > UCALL_MAX_ARGS ? UCALL_MAX_ARGS : nargs;
	for (unsigned i = 0; i < uc.nargs; i++)
		uc.args[i] = va_arg(ap, u64);
	if (text)
		snprintf(uc.text, sizeof(uc.text), "%s", text);
	ucall_send(&uc);
}

void ucall(u32 cmd, const char *text, u32 line, unsigned nargs, ...)
{
	va_list ap;

	va_start(ap, nargs);
	ucall_va(cmd, text, line, nargs, ap);
	va_end(ap);
}

void gprintf(const char *fmt, ...)
{
	struct ucall uc;
	va_list ap;
	size_t n;

	memset(&uc, 0, sizeof(uc));
	uc.cmd = UCALL_PRINT;
	va_start(ap, fmt);
	vsnprintf(uc.text, sizeof(uc.text), fmt, ap);
	va_end(ap);
	n = strlen(uc.text);
	if (n && uc.text[n - 1] == '\n')
		uc.text[n - 1] = '\0';
	ucall_send(&uc);
}

static NORETURN void halt_forever(void)
{
	for (;;) {
		cli();
		hlt();
	}
}

void guest_done(void)
{
	ucall(UCALL_DONE, NULL, 0, 0);
	halt_forever();
}

void guest_fail(const char *file, u32 line, const char *expr, unsigned nargs, ...)
{
	char text[UCALL_TEXT_MAX];
	const char *base = file;
	va_list ap;

	for (const char *p = file; *p; p++)
		if (*p == '/')
			base = p + 1;
	snprintf(text, sizeof(text), "%s:%u: %s", base, line, expr);
	va_start(ap, nargs);
	ucall_va(UCALL_ASSERT, text, line, nargs, ap);
	va_end(ap);
	halt_forever();
}
