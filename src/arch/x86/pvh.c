/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ELF kernels with a PVH entry point: the XEN_ELFNOTE_PHYS32_ENTRY note gives the 32-bit
 * protected-mode entry; the kernel finds struct hvm_start_info through EBX.
 * (Xen's docs/misc/pvh.pandoc; Linux arch/x86/platform/pvh/head.S.)
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <xen/elfnote.h>

#include "arch/x86/boot.h"

#define ERR(...) (snprintf(err, errlen, __VA_ARGS__), -EINVAL)

/* A uniform view of ELF32 and ELF64 program headers. */
struct phdr {
	uint32_t type;
	uint64_t offset, paddr, filesz, memsz;
};

static int get_phdr(const struct mapped_file *k, bool is64, uint64_t phoff, unsigned i,
		    unsigned phentsize, struct phdr *p)
{
	uint64_t off;

	/* phoff comes from the file: no overflow, and the whole entry inside it. */
	if (phoff > k->size || (uint64_t)i * phentsize > k->size - phoff)
		return -EINVAL;
	off = phoff + (uint64_t)i * phentsize;
	if (k->size - off < phentsize)
		return -EINVAL;
	if (is64) {
		Elf64_Phdr ph;
		memcpy(&ph, k->data + off, sizeof(ph));
		*p = (struct phdr){ ph.p_type, ph.p_offset, ph.p_paddr, ph.p_filesz, ph.p_memsz };
	} else {
		Elf32_Phdr ph;
		memcpy(&ph, k->data + off, sizeof(ph));
		*p = (struct phdr){ ph.p_type, ph.p_offset, ph.p_paddr, ph.p_filesz, ph.p_memsz };
	}
	return 0;
}

/* Scans a PT_NOTE segment for the Xen PHYS32_ENTRY note. */
static bool find_entry_note(const uint8_t *n, uint64_t len, uint64_t *entry)
{
	uint64_t pos = 0;

	while (len - pos >= 12) {
		uint32_t namesz, descsz, type;
		uint64_t name_off, desc_off, next;

		memcpy(&namesz, n + pos, 4);
		memcpy(&descsz, n + pos + 4, 4);
		memcpy(&type, n + pos + 8, 4);
		name_off = pos + 12;
		desc_off = name_off + (((uint64_t)namesz + 3) & ~3ull);
		next = desc_off + (((uint64_t)descsz + 3) & ~3ull);
		if (desc_off > len || next > len)
			return false;
		if (type == XEN_ELFNOTE_PHYS32_ENTRY && namesz == 4 &&
		    !memcmp(n + name_off, "Xen", 4) && (descsz == 4 || descsz == 8)) {
			uint64_t v = 0;
			memcpy(&v, n + desc_off, descsz);
			*entry = descsz == 4 ? (uint32_t)v : v;
			return true;
		}
		pos = next;
	}
	return false;
}

static bool found_entry_in(const struct phdr *p, uint64_t entry)
{
	return p->memsz && entry >= p->paddr && entry - p->paddr < p->filesz;
}

int pvh_parse_elf(const struct guest_mem *gm, const struct mapped_file *k, uint64_t *entry,
		  uint64_t *end, char *err, size_t errlen)
{
	bool is64, found = false, entry_loaded = false;
	uint64_t phoff;
	unsigned phnum, phentsize, machine, loads = 0;
	struct phdr p;

	if (k->size < EI_NIDENT || memcmp(k->data, ELFMAG, SELFMAG))
		return ERR("not an ELF file");
	if (k->data[EI_CLASS] != ELFCLASS32 && k->data[EI_CLASS] != ELFCLASS64)
		return ERR("unknown ELF class %u", k->data[EI_CLASS]);
	if (k->data[EI_DATA] != ELFDATA2LSB)
		return ERR("not a little-endian ELF");
	is64 = k->data[EI_CLASS] == ELFCLASS64;
	if (k->size < (is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr)))
		return ERR("truncated ELF header (%zu bytes)", k->size);
	if (is64) {
		Elf64_Ehdr eh;
		memcpy(&eh, k->data, sizeof(eh));
		phoff = eh.e_phoff;
		phnum = eh.e_phnum;
		phentsize = eh.e_phentsize;
		machine = eh.e_machine;
		if (phentsize < sizeof(Elf64_Phdr))
			return ERR("bad ELF program header size %u", phentsize);
	} else {
		Elf32_Ehdr eh;
		memcpy(&eh, k->data, sizeof(eh));
		phoff = eh.e_phoff;
		phnum = eh.e_phnum;
		phentsize = eh.e_phentsize;
		machine = eh.e_machine;
		if (phentsize < sizeof(Elf32_Phdr))
			return ERR("bad ELF program header size %u", phentsize);
	}
	if (machine != EM_X86_64 && machine != EM_386)
		return ERR("ELF machine %u is not x86", machine);
	if (phnum == 0)
		return ERR("ELF file has no program headers");

	/* Validate everything and find the entry note, before touching RAM. */
	*end = 0;
	*entry = 0;
	for (unsigned i = 0; i < phnum; i++) {
		if (get_phdr(k, is64, phoff, i, phentsize, &p) < 0)
			return ERR("truncated ELF: program header %u is past the end of the file", i);
		if (p.type == PT_NOTE) {
			if (p.offset > k->size || p.filesz > k->size - p.offset)
				return ERR("truncated ELF: note segment %u is past the end of the file", i);
			found |= find_entry_note(k->data + p.offset, p.filesz, entry);
		} else if (p.type == PT_LOAD) {
			if (p.offset > k->size || p.filesz > k->size - p.offset)
				return ERR("truncated ELF: segment %u (%llu bytes at offset %llu) is past "
					   "the end of the file (%zu bytes)", i,
					   (unsigned long long)p.filesz, (unsigned long long)p.offset,
					   k->size);
			if (p.filesz > p.memsz)
				return ERR("ELF segment %u has filesz > memsz", i);
			if (!p.memsz)
				continue;
			if (p.paddr < 0x100000)
				return ERR("ELF segment %u at 0x%llx would overwrite the boot data below 1 MiB",
					   i, (unsigned long long)p.paddr);
			if (!gm_is_ram(gm, p.paddr, p.memsz))
				return ERR("ELF segment %u [0x%llx, +0x%llx) is not inside guest RAM (%llu "
					   "MiB below 4 GiB; raise -m?)", i, (unsigned long long)p.paddr,
					   (unsigned long long)p.memsz,
					   (unsigned long long)(gm_lowmem_top(gm) >> 20));
			if (p.paddr + p.memsz > *end)
				*end = p.paddr + p.memsz;
			loads++;
		}
	}
	if (!found)
		return ERR("ELF file has no PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY); xkvm boots ELF "
			   "kernels through the PVH entry");
	if (!loads)
		return ERR("ELF file has no loadable segment");
	/* The entry must be code we load (the note may come after its segment). */
	for (unsigned i = 0; !entry_loaded && i < phnum; i++)
		if (get_phdr(k, is64, phoff, i, phentsize, &p) == 0 && p.type == PT_LOAD &&
		    found_entry_in(&p, *entry))
			entry_loaded = true;
	if (*entry >= 0x100000000ull || !entry_loaded)
		return ERR("PVH entry 0x%llx is not inside a loaded segment below 4 GiB",
			   (unsigned long long)*entry);

	return 0;
}

int pvh_load_elf(const struct guest_mem *gm, const struct mapped_file *k, uint64_t *entry,
		 uint64_t *end, char *err, size_t errlen)
{
	bool is64;
	uint64_t phoff;
	unsigned phnum, phentsize;
	struct phdr p;
	int ret = pvh_parse_elf(gm, k, entry, end, err, errlen);

	if (ret < 0)
		return ret;
	is64 = k->data[EI_CLASS] == ELFCLASS64;
	if (is64) {
		Elf64_Ehdr eh;
		memcpy(&eh, k->data, sizeof(eh));
		phoff = eh.e_phoff;
		phnum = eh.e_phnum;
		phentsize = eh.e_phentsize;
	} else {
		Elf32_Ehdr eh;
		memcpy(&eh, k->data, sizeof(eh));
		phoff = eh.e_phoff;
		phnum = eh.e_phnum;
		phentsize = eh.e_phentsize;
	}
	for (unsigned i = 0; i < phnum; i++) {
		if (get_phdr(k, is64, phoff, i, phentsize, &p) < 0 || p.type != PT_LOAD || !p.memsz)
			continue;
		if (gm_write(gm, p.paddr, k->data + p.offset, p.filesz) < 0 ||
		    gm_memset(gm, p.paddr + p.filesz, 0, p.memsz - p.filesz) < 0)
			return ERR("ELF segment %u does not fit in guest RAM", i);
	}
	return 0;
}
