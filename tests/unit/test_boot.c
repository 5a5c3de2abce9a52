/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel loaders against hand-made files: bzImage headers (valid, truncated, too old,
 * no 64-bit entry, malformed, too big for RAM), ELF kernels (no PVH note, truncated or
 * overflowing program headers, segments outside RAM), initrds (recognized, foreign,
 * truncated) and where the initrd lands.  Nothing here needs KVM: guest RAM is a plain
 * mapping, and what the loaders wrote is read back from it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <asm/bootparam.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xen/arch-x86/hvm/start_info.h>

#include "arch/x86/boot.h"
#include "arch/x86/e820.h"
#include "arch/x86/layout.h"

#define MIB (1ull << 20)

static char err[512];

#define ASSERT_ERR(expr, needle)                                                      \
	do {                                                                          \
		err[0] = '\0';                                                        \
		assert_true((expr) < 0);                                              \
		if (!strstr(err, needle))                                             \
			fail_msg("error '%s' does not mention '%s'", err, needle);    \
		assert_null(strchr(err, '\n'));                                       \
	} while (0)

#define ASSERT_OK(expr)                                                               \
	do {                                                                          \
		err[0] = '\0';                                                        \
		if ((expr) != 0)                                                      \
			fail_msg("%s failed: %s", #expr, err);                        \
	} while (0)

/* ---- a synthetic bzImage ---------------------------------------------------------- */

#define SETUP_SECTS 3
#define KERNEL_BYTES (64 * 1024)

static uint8_t *make_bzimage(size_t *size, uint32_t init_size)
{
	size_t setup = (SETUP_SECTS + 1) * 512;
	uint8_t *img = calloc(1, setup + KERNEL_BYTES);
	struct setup_header h;

	memset(&h, 0, sizeof(h));
	h.setup_sects = SETUP_SECTS;
	h.syssize = KERNEL_BYTES / 16;
	h.boot_flag = 0xaa55;
	h.jump = 0xeb | (uint16_t)((0x268 - 0x202) << 8); /* header ends at 0x268 */
	h.header = 0x53726448;
	h.version = 0x020f;
	h.loadflags = LOADED_HIGH;
	h.initrd_addr_max = 0x7fffffff;
	h.kernel_alignment = 0x200000;
	h.relocatable_kernel = 1;
	h.xloadflags = XLF_KERNEL_64;
	h.cmdline_size = 2047;
	h.pref_address = 0x1000000;
	h.init_size = init_size;
	memcpy(img + 0x1f1, &h, sizeof(h));
	for (size_t i = 0; i < KERNEL_BYTES; i++)
		img[setup + i] = (uint8_t)(i * 7);
	*size = setup + KERNEL_BYTES;
	return img;
}

static struct setup_header *hdr_of(uint8_t *img)
{
	return (struct setup_header *)(img + 0x1f1);
}

static void test_bzimage_loads(void **state)
{
	struct guest_mem gm;
	size_t size;
	uint8_t *img = make_bzimage(&size, 8 * MIB);
	struct mapped_file k = { img, size };
	uint8_t initrd_data[5000];
	struct mapped_file initrd = { initrd_data, sizeof(initrd_data) };
	struct boot_info boot;
	struct boot_params bp;
	char cmdline[64];
	bool acpi_reserved = false;

	(void)state;
	memset(initrd_data, 0x5a, sizeof(initrd_data));
	assert_int_equal(gm_init(&gm, 128 * MIB, LAYOUT_LOWMEM_END), 0);
	gm_write(&gm, LAYOUT_ACPI_START, "RSD PTR ", 8); /* as the ACPI tables are */
	ASSERT_OK(bzimage_load(&gm, &k, &initrd, "console=ttyS0 quiet", &boot, err,
				      sizeof(err)));
	assert_int_equal(boot.mode, BOOT_LINUX64);
	assert_int_equal(boot.entry, 0x100200);
	assert_int_equal(boot.info_gpa, LAYOUT_BOOT_PARAMS);

	/* The protected-mode kernel at 1 MiB, byte for byte. */
	assert_memory_equal(gm_ptr(&gm, 0x100000, KERNEL_BYTES), img + (SETUP_SECTS + 1) * 512,
			    KERNEL_BYTES);

	assert_int_equal(gm_read(&gm, LAYOUT_BOOT_PARAMS, &bp, sizeof(bp)), 0);
	assert_int_equal(bp.hdr.header, 0x53726448);
	assert_int_equal(bp.hdr.type_of_loader, 0xff);
	assert_int_equal(bp.hdr.code32_start, 0x100000);
	assert_int_equal(bp.acpi_rsdp_addr, LAYOUT_ACPI_START);
	assert_int_equal(gm_read(&gm, bp.hdr.cmd_line_ptr, cmdline, 20), 0);
	assert_string_equal(cmdline, "console=ttyS0 quiet");

	/* The initrd: page-aligned, above what the kernel decompresses into, below its
	 * limit and inside RAM, byte for byte. */
	assert_int_equal(bp.hdr.ramdisk_size, sizeof(initrd_data));
	assert_int_equal(bp.hdr.ramdisk_image & 0xfff, 0);
	assert_true(bp.hdr.ramdisk_image >= 0x1000000 + 8 * MIB);
	assert_true((uint64_t)bp.hdr.ramdisk_image + sizeof(initrd_data) <= 128 * MIB);
	assert_true(128 * MIB - ((uint64_t)bp.hdr.ramdisk_image + sizeof(initrd_data)) < 4096);
	assert_memory_equal(gm_ptr(&gm, bp.hdr.ramdisk_image, sizeof(initrd_data)), initrd_data,
			    sizeof(initrd_data));

	/* e820: RAM below the EBDA and from 1 MiB, the ACPI tables reserved. */
	assert_true(bp.e820_entries >= 3);
	for (unsigned i = 0; i < bp.e820_entries; i++) {
		const struct boot_e820_entry *e = &bp.e820_table[i];
		if (e->type == E820_RESERVED && e->addr <= LAYOUT_ACPI_START &&
		    e->addr + e->size >= LAYOUT_ACPI_END)
			acpi_reserved = true;
		if (e->type == E820_RAM)
			assert_true(e->addr + e->size <= LAYOUT_EBDA_START || e->addr >= 0x100000);
	}
	assert_true(acpi_reserved);
	assert_int_equal(bp.e820_table[0].addr, 0);
	assert_int_equal(bp.e820_table[0].type, E820_RAM);

	/* The identity map and GDT for the 64-bit entry. */
	{
		uint64_t pml4, pd0;
		gm_read(&gm, LAYOUT_PML4, &pml4, 8);
		gm_read(&gm, LAYOUT_PD, &pd0, 8);
		assert_int_equal(pml4 & ~0xfffull, LAYOUT_PDPT);
		assert_int_equal(pd0, 0x83);
	}
	gm_destroy(&gm);
	free(img);
}

static void test_bzimage_refused(void **state)
{
	struct guest_mem gm;
	size_t size;
	uint8_t *img = make_bzimage(&size, 8 * MIB);
	struct mapped_file k = { img, size };
	struct bzimage_info bi;
	char longline[3000];

	(void)state;
	assert_int_equal(gm_init(&gm, 64 * MIB, LAYOUT_LOWMEM_END), 0);
	ASSERT_OK(bzimage_parse(&k, 64 * MIB, 0, &bi, err, sizeof(err)));
	assert_int_equal(bi.setup_size, (SETUP_SECTS + 1) * 512);
	assert_int_equal(bi.kernel_size, KERNEL_BYTES);
	assert_int_equal(bi.load_end, 0x1000000 + 8 * MIB);
	assert_int_equal(bi.initrd_max, 64 * MIB);

	/* Truncated: inside the setup code, then short of what syssize promises. */
	k.size = 1500;
	ASSERT_ERR(bzimage_parse(&k, 64 * MIB, 0, &bi, err, sizeof(err)), "truncated bzImage");
	k.size = size - 16;
	ASSERT_ERR(bzimage_parse(&k, 64 * MIB, 0, &bi, err, sizeof(err)), "truncated bzImage");
	k.size = 0x250; /* shorter than the setup header itself */
	ASSERT_ERR(bzimage_parse(&k, 64 * MIB, 0, &bi, err, sizeof(err)), "not a bzImage");
	k.size = size;

	hdr_of(img)->version = 0x0206;
	ASSERT_ERR(bzimage_parse(&k, 64 * MIB, 0, &bi, err, sizeof(err)), "2.06 is too old");
	hdr_of(img)->version = 0x020f;
	hdr_of(img)->xloadflags = 0;
	ASSERT_ERR(bzimage_parse(&k, 64 * MIB, 0, &bi, err, sizeof(err)), "no 64-bit entry");
	hdr_of(img)->xloadflags = XLF_KERNEL_64;
	img[0x201] = 0xf0; /* the header would run past boot_params' room for it */
	ASSERT_ERR(bzimage_parse(&k, 64 * MIB, 0, &bi, err, sizeof(err)), "malformed");
	img[0x201] = 0x10;
	ASSERT_ERR(bzimage_parse(&k, 64 * MIB, 0, &bi, err, sizeof(err)), "malformed");
	img[0x201] = 0x66;

	/* More RAM than the guest has, to decompress; init_size at its maximum. */
	hdr_of(img)->init_size = 0xffffffff;
	ASSERT_ERR(bzimage_parse(&k, 64 * MIB, 0, &bi, err, sizeof(err)), "raise -m");
	hdr_of(img)->init_size = 60 * MIB;
	ASSERT_ERR(bzimage_parse(&k, 64 * MIB, 0, &bi, err, sizeof(err)), "needs 76 MiB");
	hdr_of(img)->init_size = 8 * MIB;

	hdr_of(img)->pref_address = 1ull << 40;
	ASSERT_ERR(bzimage_parse(&k, 64 * MIB, 0, &bi, err, sizeof(err)), "wants to run at");
	hdr_of(img)->pref_address = UINT64_MAX;
	ASSERT_ERR(bzimage_parse(&k, 64 * MIB, 0, &bi, err, sizeof(err)), "wants to run at");
	hdr_of(img)->pref_address = 0x1000000;
	hdr_of(img)->kernel_alignment = 0x300000;
	ASSERT_ERR(bzimage_parse(&k, 64 * MIB, 0, &bi, err, sizeof(err)), "not a power of two");
	hdr_of(img)->kernel_alignment = 0x200000;

	ASSERT_ERR(bzimage_parse(&k, 64 * MIB, 2048, &bi, err, sizeof(err)), "at most 2047");
	memset(longline, 'x', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	ASSERT_ERR(bzimage_load(&gm, &k, NULL, longline, &(struct boot_info){ 0 }, err, sizeof(err)),
		   "command line is 2999 bytes");

	/* Not a bzImage at all. */
	memcpy(img + 0x202, "HdrX", 4);
	assert_false(bzimage_probe(&k));
	ASSERT_ERR(bzimage_parse(&k, 64 * MIB, 0, &bi, err, sizeof(err)), "not a bzImage");
	gm_destroy(&gm);
	free(img);
}

static void test_initrd_placement(void **state)
{
	uint64_t gpa;

	(void)state;
	assert_int_equal(boot_place_initrd(5000, 0x2000000, 0x8000000, &gpa, err, sizeof(err)), 0);
	assert_int_equal(gpa, 0x8000000 - 0x2000);
	/* The limit itself need not be aligned; the result is. */
	assert_int_equal(boot_place_initrd(4096, 0, 0x8000fff, &gpa, err, sizeof(err)), 0);
	assert_int_equal(gpa, 0x8000000 - 0x1000);
	/* Exactly fills the room. */
	assert_int_equal(boot_place_initrd(0x1000, 0x7fff000, 0x8000000, &gpa, err, sizeof(err)), 0);
	assert_int_equal(gpa, 0x7fff000);
	/* Bigger than the room, bigger than RAM: -EFBIG, so the loader blames the initrd. */
	assert_int_equal(boot_place_initrd(0x1001, 0x7fff000, 0x8000000, &gpa, err, sizeof(err)),
			 -EFBIG);
	assert_non_null(strstr(err, "does not fit"));
	assert_int_equal(boot_place_initrd(1ull << 40, 0, 0x8000000, &gpa, err, sizeof(err)), -EFBIG);
	assert_non_null(strstr(err, "initrd (1048576 MiB)"));
}

/* ---- a synthetic ELF with a PVH note ---------------------------------------------- */

struct elf_image {
	Elf64_Ehdr eh;
	Elf64_Phdr ph[2];
	struct {
		uint32_t namesz, descsz, type;
		char name[4];
		uint32_t desc;
	} note;
	uint8_t code[256];
} __attribute__((packed));

static void make_elf(struct elf_image *e, uint64_t paddr, uint32_t entry)
{
	memset(e, 0, sizeof(*e));
	memcpy(e->eh.e_ident, ELFMAG, SELFMAG);
	e->eh.e_ident[EI_CLASS] = ELFCLASS64;
	e->eh.e_ident[EI_DATA] = ELFDATA2LSB;
	e->eh.e_ident[EI_VERSION] = EV_CURRENT;
	e->eh.e_type = ET_EXEC;
	e->eh.e_machine = EM_X86_64;
	e->eh.e_phoff = offsetof(struct elf_image, ph);
	e->eh.e_phentsize = sizeof(Elf64_Phdr);
	e->eh.e_phnum = 2;
	e->ph[0] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = offsetof(struct elf_image, code),
				 .p_paddr = paddr, .p_vaddr = paddr, .p_filesz = sizeof(e->code),
				 .p_memsz = 0x3000 };
	e->ph[1] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = offsetof(struct elf_image, note),
				 .p_filesz = sizeof(e->note) };
	e->note.namesz = 4;
	e->note.descsz = 4;
	e->note.type = 18; /* XEN_ELFNOTE_PHYS32_ENTRY */
	memcpy(e->note.name, "Xen", 4);
	e->note.desc = entry;
	memset(e->code, 0xf4, sizeof(e->code));
}

static void test_elf(void **state)
{
	struct guest_mem gm;
	struct elf_image e;
	struct mapped_file k = { (const uint8_t *)&e, sizeof(e) };
	uint64_t entry, end;

	(void)state;
	assert_int_equal(gm_init(&gm, 64 * MIB, LAYOUT_LOWMEM_END), 0);
	make_elf(&e, 0x200000, 0x200010);
	memset(gm_ptr(&gm, 0x200000, 0x3000), 0xcc, 0x3000);
	ASSERT_OK(pvh_load_elf(&gm, &k, &entry, &end, err, sizeof(err)));
	assert_int_equal(entry, 0x200010);
	assert_int_equal(end, 0x203000);
	assert_memory_equal(gm_ptr(&gm, 0x200000, 256), e.code, 256);
	assert_int_equal(*(uint8_t *)gm_ptr(&gm, 0x202fff, 1), 0); /* bss zeroed */

	make_elf(&e, 0x200000, 0x200010);
	e.note.type = 17;
	ASSERT_ERR(pvh_parse_elf(&gm, &k, &entry, &end, err, sizeof(err)), "no PVH entry note");
	make_elf(&e, 0x200000, 0x300000);
	ASSERT_ERR(pvh_parse_elf(&gm, &k, &entry, &end, err, sizeof(err)),
		   "not inside a loaded segment");
	make_elf(&e, 0x90000, 0x90000);
	ASSERT_ERR(pvh_parse_elf(&gm, &k, &entry, &end, err, sizeof(err)), "below 1 MiB");
	make_elf(&e, 63 * MIB, 63 * MIB);
	e.ph[0].p_memsz = 2 * MIB;
	ASSERT_ERR(pvh_parse_elf(&gm, &k, &entry, &end, err, sizeof(err)), "not inside guest RAM");
	make_elf(&e, 0xc0000000ull, 0xc0000000u); /* the MMIO hole */
	ASSERT_ERR(pvh_parse_elf(&gm, &k, &entry, &end, err, sizeof(err)), "not inside guest RAM");

	/* Truncated: segment data, program headers, the ELF header itself. */
	make_elf(&e, 0x200000, 0x200010);
	k.size = offsetof(struct elf_image, code) + 10;
	ASSERT_ERR(pvh_parse_elf(&gm, &k, &entry, &end, err, sizeof(err)), "truncated ELF: segment 0");
	k.size = offsetof(struct elf_image, ph) + 20;
	ASSERT_ERR(pvh_parse_elf(&gm, &k, &entry, &end, err, sizeof(err)),
		   "truncated ELF: program header 0");
	k.size = 40;
	ASSERT_ERR(pvh_parse_elf(&gm, &k, &entry, &end, err, sizeof(err)), "truncated ELF header");
	k.size = sizeof(e);

	/* Offsets from the file that would overflow. */
	e.eh.e_phoff = UINT64_MAX - 8;
	ASSERT_ERR(pvh_parse_elf(&gm, &k, &entry, &end, err, sizeof(err)), "program header 0");
	make_elf(&e, 0x200000, 0x200010);
	e.ph[0].p_offset = UINT64_MAX - 4;
	ASSERT_ERR(pvh_parse_elf(&gm, &k, &entry, &end, err, sizeof(err)), "truncated ELF: segment 0");
	make_elf(&e, 0x200000, 0x200010);
	e.ph[0].p_paddr = UINT64_MAX - 0x1000;
	ASSERT_ERR(pvh_parse_elf(&gm, &k, &entry, &end, err, sizeof(err)), "not inside guest RAM");
	make_elf(&e, 0x200000, 0x200010);
	e.note.namesz = 0xfffffff0; /* the note walk must not run off the segment */
	ASSERT_ERR(pvh_parse_elf(&gm, &k, &entry, &end, err, sizeof(err)), "no PVH entry note");
	make_elf(&e, 0x200000, 0x200010);
	e.ph[0].p_filesz = 0x4000; /* filesz > memsz */
	ASSERT_ERR(pvh_parse_elf(&gm, &k, &entry, &end, err, sizeof(err)), "");
	make_elf(&e, 0x200000, 0x200010);
	e.eh.e_machine = EM_AARCH64;
	ASSERT_ERR(pvh_parse_elf(&gm, &k, &entry, &end, err, sizeof(err)), "is not x86");
	make_elf(&e, 0x200000, 0x200010);
	e.eh.e_phentsize = 8;
	ASSERT_ERR(pvh_parse_elf(&gm, &k, &entry, &end, err, sizeof(err)), "program header size");
	gm_destroy(&gm);
}

/* ---- whole loads from files: what reaches the user ---------------------------------- */

static char tmpdir[] = "/tmp/xkvm-test-boot.XXXXXX";

static const char *write_file(const char *name, const void *data, size_t len)
{
	static char path[16][256];
	static unsigned n;
	char *p = path[n++ % 16];
	int fd;

	snprintf(p, 256, "%s/%s", tmpdir, name);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
	return p;
}

static int setup_tmp(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_tmp(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd);
}

static void test_pvh_boot_from_files(void **state)
{
	struct guest_mem gm;
	struct elf_image e;
	static const char cpio[] = "070701" "00000000" "00000000" "00000000" "00000000"
				   "00000001" "00000000" "00000000" "00000000" "00000000"
				   "00000000" "00000000" "0000000B" "00000000" "TRAILER!!!\0";
	struct boot_files f = { .cmdline = "test=1" };
	struct boot_info boot;
	struct hvm_start_info si;
	struct hvm_modlist_entry mod;
	struct hvm_memmap_table_entry mm[E820_MAX];
	bool acpi_reserved = false;

	(void)state;
	assert_int_equal(gm_init(&gm, 64 * MIB, LAYOUT_LOWMEM_END), 0);
	gm_write(&gm, LAYOUT_ACPI_START, "RSD PTR ", 8);
	make_elf(&e, 0x200000, 0x200010);
	f.kernel_path = write_file("kernel.elf", &e, sizeof(e));
	f.initrd_path = write_file("initrd.cpio", cpio, sizeof(cpio) - 1);
	ASSERT_OK(x86_boot_load(&gm, &f, &boot, err, sizeof(err)));
	assert_int_equal(boot.mode, BOOT_PVH32);
	assert_int_equal(boot.entry, 0x200010);
	assert_int_equal(gm_read(&gm, boot.info_gpa, &si, sizeof(si)), 0);
	assert_int_equal(si.magic, XEN_HVM_START_MAGIC_VALUE);
	assert_int_equal(si.version, 1);
	assert_string_equal((const char *)gm_ptr(&gm, si.cmdline_paddr, 7), "test=1");
	assert_int_equal(si.rsdp_paddr, LAYOUT_ACPI_START);
	assert_int_equal(si.nr_modules, 1);
	assert_int_equal(gm_read(&gm, si.modlist_paddr, &mod, sizeof(mod)), 0);
	assert_int_equal(mod.size, sizeof(cpio) - 1);
	assert_int_equal(mod.paddr & 0xfff, 0);
	assert_true(mod.paddr >= 0x203000);
	assert_memory_equal(gm_ptr(&gm, mod.paddr, mod.size), cpio, mod.size);
	assert_true(si.memmap_entries > 0 && si.memmap_entries <= E820_MAX);
	assert_int_equal(gm_read(&gm, si.memmap_paddr, mm, si.memmap_entries * sizeof(mm[0])), 0);
	for (unsigned i = 0; i < si.memmap_entries; i++)
		if (mm[i].type == XEN_HVM_MEMMAP_TYPE_RESERVED && mm[i].addr <= LAYOUT_ACPI_START &&
		    mm[i].addr + mm[i].size >= LAYOUT_ACPI_END)
			acpi_reserved = true;
	assert_true(acpi_reserved);

	/* No ACPI tables: no RSDP pointer either. */
	gm_memset(&gm, LAYOUT_ACPI_START, 0, 8);
	ASSERT_OK(x86_boot_load(&gm, &f, &boot, err, sizeof(err)));
	assert_int_equal(gm_read(&gm, boot.info_gpa, &si, sizeof(si)), 0);
	assert_int_equal(si.rsdp_paddr, 0);
	gm_destroy(&gm);
}

static void test_load_errors_name_the_file(void **state)
{
	struct guest_mem gm;
	struct elf_image e;
	struct boot_files f = { 0 };
	struct boot_info boot;
	size_t size;
	uint8_t *bz = make_bzimage(&size, 8 * MIB);
	static uint8_t big[8 * MIB];
	const char *elf;

	(void)state;
	assert_int_equal(gm_init(&gm, 64 * MIB, LAYOUT_LOWMEM_END), 0);
	make_elf(&e, 0x200000, 0x200010);
	elf = write_file("ok.elf", &e, sizeof(e));

	f.kernel_path = "/nonexistent/vmlinuz";
	ASSERT_ERR(x86_boot_load(&gm, &f, &boot, err, sizeof(err)),
		   "-kernel /nonexistent/vmlinuz: No such file or directory");
	f.kernel_path = tmpdir;
	ASSERT_ERR(x86_boot_load(&gm, &f, &boot, err, sizeof(err)), "is a directory");
	f.kernel_path = write_file("empty", "", 0);
	ASSERT_ERR(x86_boot_load(&gm, &f, &boot, err, sizeof(err)), "empty: file is empty");
	f.kernel_path = write_file("notes.txt", "hello, world\n", 13);
	ASSERT_ERR(x86_boot_load(&gm, &f, &boot, err, sizeof(err)),
		   "notes.txt: neither a Linux bzImage");
	f.kernel_path = write_file("bz-trunc", bz, 3000);
	ASSERT_ERR(x86_boot_load(&gm, &f, &boot, err, sizeof(err)), "bz-trunc: truncated bzImage");

	/* Initrd problems name -initrd, even when found by the kernel's loader. */
	f.kernel_path = elf;
	f.initrd_path = "/nonexistent/initrd";
	ASSERT_ERR(x86_boot_load(&gm, &f, &boot, err, sizeof(err)),
		   "-initrd /nonexistent/initrd: No such file or directory");
	f.initrd_path = elf;
	ASSERT_ERR(x86_boot_load(&gm, &f, &boot, err, sizeof(err)), "-initrd");
	assert_non_null(strstr(err, "ELF file, not an initrd"));
	big[0] = 0x1f;
	big[1] = 0x8b;
	big[2] = 0x08;
	f.initrd_path = write_file("big.gz", big, sizeof(big));
	gm_destroy(&gm);
	assert_int_equal(gm_init(&gm, 64 * MIB + 4096, LAYOUT_LOWMEM_END), 0);
	/* Fits: 64 MiB of RAM, a kernel at 2 MiB. */
	ASSERT_OK(x86_boot_load(&gm, &f, &boot, err, sizeof(err)));
	gm_destroy(&gm);
	assert_int_equal(gm_init(&gm, 64 * MIB, LAYOUT_LOWMEM_END), 0);
	make_elf(&e, 60 * MIB, 60 * MIB);
	f.kernel_path = write_file("high.elf", &e, sizeof(e));
	ASSERT_ERR(x86_boot_load(&gm, &f, &boot, err, sizeof(err)), "-initrd");
	assert_non_null(strstr(err, "big.gz: initrd (8 MiB) does not fit"));
	hdr_of(bz)->init_size = 44 * MIB; /* decompresses up to 60 MiB */
	f.kernel_path = write_file("bz", bz, size);
	ASSERT_ERR(x86_boot_load(&gm, &f, &boot, err, sizeof(err)), "big.gz: initrd (8 MiB)");
	gm_destroy(&gm);
	free(bz);
}

/* ---- initrd formats ---------------------------------------------------------------- */

static void test_initrd_formats(void **state)
{
	static const char entry[] = "070701" "00000001" "000081a4" "00000000" "00000000"
				    "00000001" "00000000" "00000005" "00000000" "00000000"
				    "00000000" "00000000" "00000005" "00000000" "init\0" "\0"
				    "echo\n\0\0\0";
	static const char trailer[] = "070701" "00000000" "00000000" "00000000" "00000000"
				      "00000001" "00000000" "00000000" "00000000" "00000000"
				      "00000000" "00000000" "0000000B" "00000000" "TRAILER!!!\0"
				      "\0\0\0";
	uint8_t buf[1024], ext2[2048] = { 0 };
	size_t n;
	/* A one-block zstd frame: single segment (1-byte size), a raw last block of 3. */
	static const uint8_t zst[] = { 0x28, 0xb5, 0x2f, 0xfd, 0x20, 0x03, 0x19, 0x00, 0x00,
				       'a', 'b', 'c' };
	static const uint8_t xz_head[] = { 0xfd, '7', 'z', 'X', 'Z', 0 };

	(void)state;
	memcpy(buf, entry, sizeof(entry) - 1);
	memcpy(buf + sizeof(entry) - 1, trailer, sizeof(trailer) - 1);
	n = sizeof(entry) - 1 + sizeof(trailer) - 1;
	ASSERT_OK(initrd_check(buf, n, err, sizeof(err)));
	/* Concatenated with NUL padding and a gzip member (early microcode style). */
	memset(buf + n, 0, 16);
	memcpy(buf + n + 16, "\x1f\x8b\x08\x00", 4);
	ASSERT_OK(initrd_check(buf, n + 20, err, sizeof(err)));
	ASSERT_ERR(initrd_check(buf, n - 20, err, sizeof(err)), "truncated cpio archive");
	ASSERT_ERR(initrd_check(buf, sizeof(entry) - 1, err, sizeof(err)), "truncated cpio archive");
	ASSERT_ERR(initrd_check(buf, 100, err, sizeof(err)), "truncated cpio archive");
	ASSERT_ERR(initrd_check(buf, 120, err, sizeof(err)), "truncated cpio archive");
	buf[94] = 'z'; /* namesize is not hex */
	ASSERT_ERR(initrd_check(buf, n, err, sizeof(err)), "corrupt cpio archive");
	memcpy(buf, entry, sizeof(entry) - 1);
	memcpy(buf + 54, "7fffffff", 8); /* filesize runs past the end */
	ASSERT_ERR(initrd_check(buf, n, err, sizeof(err)), "truncated cpio archive");

	ASSERT_OK(initrd_check(zst, sizeof(zst), err, sizeof(err)));
	ASSERT_ERR(initrd_check(zst, sizeof(zst) - 1, err, sizeof(err)), "truncated zstd");
	ASSERT_ERR(initrd_check(zst, 6, err, sizeof(err)), "truncated zstd");

	memset(buf, 0, 64);
	memcpy(buf, xz_head, sizeof(xz_head));
	memcpy(buf + 40, "YZ", 2); /* footer, then stream padding */
	ASSERT_OK(initrd_check(buf, 48, err, sizeof(err)));
	ASSERT_ERR(initrd_check(buf, 41, err, sizeof(err)), "truncated xz");

	ext2[0x438] = 0x53;
	ext2[0x439] = 0xef;
	ASSERT_OK(initrd_check(ext2, sizeof(ext2), err, sizeof(err)));
	ASSERT_OK(initrd_check((const uint8_t *)"BZh91AY&SY", 10, err, sizeof(err)));

	ASSERT_ERR(initrd_check((const uint8_t *)"\x7f" "ELF\2\1\1", 7, err, sizeof(err)),
		   "ELF file, not an initrd");
	ASSERT_ERR(initrd_check((const uint8_t *)"PK\3\4zipzip", 10, err, sizeof(err)),
		   "not an initrd: expected a cpio archive");
	ASSERT_ERR(initrd_check((const uint8_t *)"", 0, err, sizeof(err)), "empty");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bzimage_loads),
		cmocka_unit_test(test_bzimage_refused),
		cmocka_unit_test(test_initrd_placement),
		cmocka_unit_test(test_elf),
		cmocka_unit_test(test_pvh_boot_from_files),
		cmocka_unit_test(test_load_errors_name_the_file),
		cmocka_unit_test(test_initrd_formats),
	};
	return cmocka_run_group_tests(tests, setup_tmp, teardown_tmp);
}
