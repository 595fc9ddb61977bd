/* po_common.c - what the PO writer, reader and viewers share: the checksum,
 * the diagnostics callback, and the names of things. */
#include <elf.h>
#include <stdio.h>
#include <string.h>

#include "po_internal.h"

/* FNV-1a 64 is tiny, has no tables, and is specified byte by byte, so an
 * applier in any language computes the same value.  It only needs to detect
 * accidental mismatches (wrong build), not adversaries. */
uint64_t po_checksum(const void *data, size_t len,
		     const struct po_disk_mask *masks, size_t nmasks)
{
	const uint8_t *d = data;
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++) {
		uint8_t b = d[i];

		for (size_t m = 0; m < nmasks; m++) {
			if (i >= masks[m].off && i - masks[m].off < masks[m].len) {
				b = 0;
				break;
			}
		}
		h ^= b;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static void default_print(enum po_level level, const char *fmt, va_list ap)
{
	if (level > PO_WARN)
		return;
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static po_print_fn print_fn = default_print;

po_print_fn po_set_print(po_print_fn fn)
{
	po_print_fn old = print_fn;

	print_fn = fn ? fn : default_print;
	return old;
}

void po_msg(enum po_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	print_fn(level, fmt, ap);
	va_end(ap);
}

const struct po_fixed_sec po_fixed_secs[PO_SEC_NFIXED] = {
	[PO_SEC_TEXT] = { ".text.new", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR },
	[PO_SEC_RODATA] = { ".rodata.new", SHT_PROGBITS, SHF_ALLOC },
	[PO_SEC_DATA] = { ".data.new", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE },
	[PO_SEC_BSS] = { ".bss.new", SHT_NOBITS, SHF_ALLOC | SHF_WRITE },
	[PO_SEC_TDATA] = { ".tdata.new", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE | SHF_TLS },
	[PO_SEC_TBSS] = { ".tbss.new", SHT_NOBITS, SHF_ALLOC | SHF_WRITE | SHF_TLS },
};

const char *po_sec_name(int sec)
{
	if (sec > PO_SEC_UNDEF && sec < PO_SEC_NFIXED)
		return po_fixed_secs[sec].name;
	return "?";
}

const char *po_target_kind_name(enum po_target_kind k)
{
	switch (k) {
	case PO_TARGET_EXEC: return "exec";
	case PO_TARGET_PIE: return "pie";
	case PO_TARGET_SHARED: return "shared";
	}
	return "?";
}

const char *po_var_action_name(enum po_var_action a)
{
	switch (a) {
	case PO_VAR_NEW: return "new";
	case PO_VAR_CONST_UPDATE: return "const-update";
	case PO_VAR_INIT_CHANGED: return "init-changed";
	case PO_VAR_TRANSFORM: return "transform";
	case PO_VAR_FIXUP: return "fixup";
	}
	return "?";
}

/* The relocation types a PO may carry: what gcc emits for -fPIC/-fPIE and
 * non-PIC x86-64 code and for DWARF, and nothing an applier cannot honour
 * from patch memory (no PLT/GOT-base arithmetic of the large model). */
static const struct {
	uint32_t type;
	unsigned size;
	const char *name;
} relocs[] = {
	{ R_X86_64_64, 8, "R_X86_64_64" },
	{ R_X86_64_PC32, 4, "R_X86_64_PC32" },
	{ R_X86_64_PLT32, 4, "R_X86_64_PLT32" },
	{ R_X86_64_32, 4, "R_X86_64_32" },
	{ R_X86_64_32S, 4, "R_X86_64_32S" },
	{ R_X86_64_PC64, 8, "R_X86_64_PC64" },
	{ R_X86_64_GOTPCREL, 4, "R_X86_64_GOTPCREL" },
	{ R_X86_64_GOTPCRELX, 4, "R_X86_64_GOTPCRELX" },
	{ R_X86_64_REX_GOTPCRELX, 4, "R_X86_64_REX_GOTPCRELX" },
	{ R_X86_64_GOTTPOFF, 4, "R_X86_64_GOTTPOFF" },
	{ R_X86_64_TPOFF32, 4, "R_X86_64_TPOFF32" },
	{ R_X86_64_TLSGD, 4, "R_X86_64_TLSGD" },
	{ R_X86_64_TLSLD, 4, "R_X86_64_TLSLD" },
	{ R_X86_64_DTPOFF32, 4, "R_X86_64_DTPOFF32" },
	{ R_X86_64_DTPOFF64, 8, "R_X86_64_DTPOFF64" },
};

unsigned po_reloc_size(uint32_t type)
{
	for (size_t i = 0; i < sizeof(relocs) / sizeof(relocs[0]); i++)
		if (relocs[i].type == type)
			return relocs[i].size;
	return 0;
}

const char *po_reloc_name(uint32_t type)
{
	for (size_t i = 0; i < sizeof(relocs) / sizeof(relocs[0]); i++)
		if (relocs[i].type == type)
			return relocs[i].name;
	return "R_X86_64_?";
}

const char *po_strerror(int err)
{
	if (err < 0)
		err = -err;
	if (err == PO_EFORMAT)
		return "not a valid patch object";
	if (err == PO_EVERSION)
		return "unsupported patch object format version";
	return strerror(err);
}
