/* po_roundtrip.c - write a Patch Object with every kind of record, read it
 * back field by field, then check that corrupt copies are rejected with one
 * message and no crash.  TAP output.
 *
 * The same for format 2 (data transforms): a PO with every kind of
 * transform record, one damage at a time, and the transform programs on
 * tables built here.
 *
 *   po_roundtrip                run the tests
 *   po_roundtrip --write F      only write the sample PO to F (for t1010)
 *   po_roundtrip --write-v2 F   only write the version 2 sample to F
 *                               (fuzz/seeds/xform.po)
 */
#include <elf.h>
#include <errno.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libelf.h>
#include <unistd.h>

#include "po.h"
#include "po_xop.h"
#include "tap.h"

/* messages from the library: counted, the last one kept */
static int nerrors;
static char last_msg[1024];

static void capture(enum po_level level, const char *fmt, va_list ap)
{
	if (level != PO_ERROR)
		return;
	nerrors++;
	vsnprintf(last_msg, sizeof(last_msg), fmt, ap);
}

/* ------------------------------------------------------------ the sample */
static const uint8_t build_id[20] = {
	0x3f, 0x2a, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
	0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12,
};

/* parse_request: push %rbp; call memcpy@PLT; lea .rodata.new(%rip),%rax;
 * mov old_table@GOTPCREL(%rip),%rax; mov %fs:tls_counter@tpoff,%eax; ret */
static const uint8_t code1[] = {
	0x55,
	0xe8, 0, 0, 0, 0,
	0x48, 0x8d, 0x05, 0, 0, 0, 0,
	0x48, 0x8b, 0x05, 0, 0, 0, 0,
	0x64, 0x8b, 0x04, 0x25, 0, 0, 0, 0,
	0x5d, 0xc3,
};
/* check_len: xor %eax,%eax; ret */
static const uint8_t code2[] = { 0x31, 0xc0, 0xc3 };
static const int32_t rodata[4] = { 1, 2, 3, 5 };
static const uint8_t data[16] = { 0 };	/* holds two relocated pointers */
static const uint32_t tdata = 7;
static const struct po_disk_mask masks1[] = { { 2, 4 }, { 9, 4 } };

/* A minimal DWARF 4 compile unit so dwarfdump has something to check. */
static const uint8_t abbrev[] = {
	1, 0x11, 0,		/* 1: DW_TAG_compile_unit, no children */
	0x25, 0x08,		/* DW_AT_producer, DW_FORM_string */
	0x03, 0x08,		/* DW_AT_name, DW_FORM_string */
	0x11, 0x01,		/* DW_AT_low_pc, DW_FORM_addr */
	0x12, 0x07,		/* DW_AT_high_pc, DW_FORM_data8 */
	0, 0, 0,
};
#define INFO_LEN (2 + 4 + 1 + 1 + 7 + 13 + 8 + 8)
static const uint8_t info[4 + INFO_LEN] = {
	INFO_LEN, 0, 0, 0, 4, 0,
	0, 0, 0, 0,		/* abbrev offset: relocated */
	8,
	1, 'k', 'a', 't', 'a', 'n', 'a', 0,
	'k', 'a', 't', 'a', 'n', 'a', ' ', 'p', 'a', 't', 'c', 'h', 0,
	0, 0, 0, 0, 0, 0, 0, 0,	/* low_pc: relocated */
	35, 0, 0, 0, 0, 0, 0, 0,	/* high_pc: bytes of .text.new */
};

struct sample {
	uint64_t off_code1, off_code2, off_ro, off_data, off_bss, off_tdata;
	int s_old_parse, s_memcpy, s_old_table, s_helper, s_main, s_tls_old;
	int s_new_parse, s_check, s_counter, s_table, s_buf, s_tls;
	int s_text, s_ro, s_abbrev;
	int id_info, id_abbrev;
};

#define CK(x) do { int e_ = (x); if (e_ < 0) { fprintf(stderr, "%s: %d\n", #x, e_); return e_; } } while (0)

static int build(struct po_writer *w, struct sample *s)
{
	struct po_func_info f;
	struct po_var_info v;

	CK(po_writer_append(w, PO_SEC_TEXT, code1, sizeof(code1), 16, &s->off_code1));
	CK(po_writer_append(w, PO_SEC_TEXT, code2, sizeof(code2), 16, &s->off_code2));
	CK(po_writer_append(w, PO_SEC_RODATA, rodata, sizeof(rodata), 8, &s->off_ro));
	CK(po_writer_append(w, PO_SEC_DATA, data, sizeof(data), 8, &s->off_data));
	CK(po_writer_append(w, PO_SEC_BSS, NULL, 64, 32, &s->off_bss));
	CK(po_writer_append(w, PO_SEC_TDATA, &tdata, sizeof(tdata), 4, &s->off_tdata));

	/* the target's symbols */
	CK(s->s_old_parse = po_writer_symbol(w, "parse_request", PO_SEC_UNDEF, 0x1130, 212,
					     STT_FUNC, STB_LOCAL));
	CK(s->s_memcpy = po_writer_symbol(w, "memcpy", PO_SEC_UNDEF, 0, 0, STT_FUNC, STB_GLOBAL));
	CK(s->s_old_table = po_writer_symbol(w, "table", PO_SEC_UNDEF, 0x4010, 16,
					     STT_OBJECT, STB_GLOBAL));
	CK(s->s_helper = po_writer_symbol(w, "helper", PO_SEC_UNDEF, 0, 0, STT_FUNC, STB_GLOBAL));
	CK(s->s_main = po_writer_symbol(w, "main", PO_SEC_UNDEF, 0x1000, 40, STT_FUNC, STB_GLOBAL));
	CK(s->s_tls_old = po_writer_symbol(w, "tls_counter", PO_SEC_UNDEF, 0, 4, STT_TLS,
					   STB_GLOBAL));
	CK(po_writer_symref(w, s->s_old_parse, PO_SYM_LOCAL | PO_SYM_FUNC, "net/proto.c",
			    "net/proto.o", 0x1130, 212));
	CK(po_writer_symref(w, s->s_memcpy, PO_SYM_FUNC | PO_SYM_EXTERNAL, NULL, NULL, 0, 0));
	CK(po_writer_symref(w, s->s_old_table, PO_SYM_OBJECT, NULL, "tab.o", 0x4010, 16));
	CK(po_writer_symref(w, s->s_helper, PO_SYM_FUNC | PO_SYM_WEAK, NULL, NULL, 0, 0));
	CK(po_writer_symref(w, s->s_main, PO_SYM_FUNC, NULL, "main.o", 0x1000, 40));
	CK(po_writer_symref(w, s->s_tls_old, PO_SYM_TLS, NULL, "tls.o", 0x10, 4));

	/* the patch's symbols */
	CK(s->s_new_parse = po_writer_symbol(w, "parse_request", PO_SEC_TEXT, s->off_code1,
					     sizeof(code1), STT_FUNC, STB_LOCAL));
	CK(s->s_check = po_writer_symbol(w, "_Z9check_leni", PO_SEC_TEXT, s->off_code2,
					 sizeof(code2), STT_FUNC, STB_GLOBAL));
	CK(s->s_table = po_writer_symbol(w, "table", PO_SEC_RODATA, s->off_ro, sizeof(rodata),
					 STT_OBJECT, STB_LOCAL));
	CK(s->s_counter = po_writer_symbol(w, "counter", PO_SEC_DATA, s->off_data, 16,
					   STT_OBJECT, STB_GLOBAL));
	CK(s->s_buf = po_writer_symbol(w, "buf", PO_SEC_BSS, s->off_bss, 64, STT_OBJECT,
				       STB_LOCAL));
	CK(s->s_tls = po_writer_symbol(w, "tls_new", PO_SEC_TDATA, s->off_tdata, 4, STT_TLS,
				       STB_GLOBAL));
	CK(s->s_text = po_writer_section_sym(w, PO_SEC_TEXT));
	CK(s->s_ro = po_writer_section_sym(w, PO_SEC_RODATA));

	/* relocations: code, read-only data, data */
	CK(po_writer_reloc(w, PO_SEC_TEXT, s->off_code1 + 2, R_X86_64_PLT32, s->s_memcpy, -4));
	CK(po_writer_reloc(w, PO_SEC_TEXT, s->off_code1 + 9, R_X86_64_PC32, s->s_ro, -4));
	CK(po_writer_reloc(w, PO_SEC_TEXT, s->off_code1 + 16, R_X86_64_REX_GOTPCRELX,
			   s->s_old_table, -4));
	CK(po_writer_reloc(w, PO_SEC_TEXT, s->off_code1 + 24, R_X86_64_TPOFF32, s->s_tls_old, 0));
	CK(po_writer_reloc(w, PO_SEC_RODATA, s->off_ro, R_X86_64_32, s->s_helper, 0));
	/* added out of order: the reader sorts by offset */
	CK(po_writer_reloc(w, PO_SEC_DATA, s->off_data + 8, R_X86_64_64, s->s_check, 0));
	CK(po_writer_reloc(w, PO_SEC_DATA, s->off_data, R_X86_64_64, s->s_old_table, 8));

	/* DWARF, with relocations against an extra section */
	CK(s->id_abbrev = po_writer_add_section(w, ".debug_abbrev", SHT_PROGBITS, 0, abbrev,
						sizeof(abbrev), 1));
	CK(s->id_info = po_writer_add_section(w, ".debug_info", SHT_PROGBITS, 0, info,
					      sizeof(info), 1));
	CK(s->s_abbrev = po_writer_section_sym(w, s->id_abbrev));
	CK(po_writer_reloc(w, s->id_info, 6, R_X86_64_32, s->s_abbrev, 0));
	CK(po_writer_reloc(w, s->id_info, 4 + INFO_LEN - 16, R_X86_64_64, s->s_text, 0));

	memset(&f, 0, sizeof(f));
	f.name = "parse_request";
	f.cu = "net/proto.c";
	f.old_sym = s->s_old_parse;
	f.new_sym = s->s_new_parse;
	f.flags = PO_FUNC_CHANGED | PO_FUNC_LOCAL;
	f.old_size = 212;
	f.new_size = sizeof(code1);
	f.old_value = 0x1130;
	f.old_csum = 0x1234abcd5678ef90ULL;
	f.masks = masks1;
	f.nmasks = 2;
	CK(po_writer_func(w, &f));
	memset(&f, 0, sizeof(f));
	f.name = "_Z9check_leni";
	f.cu = "net/proto.c";
	f.new_sym = s->s_check;
	f.flags = PO_FUNC_NEW | PO_FUNC_CLONE;
	f.new_size = sizeof(code2);
	CK(po_writer_func(w, &f));

	memset(&v, 0, sizeof(v));
	v.name = "counter";
	v.cu = "net/proto.c";
	v.type = "long[2]";
	v.new_sym = s->s_counter;
	v.action = PO_VAR_NEW;
	v.new_size = 16;
	CK(po_writer_var(w, &v));
	v.name = "table";
	v.cu = "tab.c";
	v.type = "const int[4]";
	v.old_sym = s->s_old_table;
	v.new_sym = s->s_table;
	v.action = PO_VAR_CONST_UPDATE;
	v.flags = PO_VAR_CONST;
	v.old_size = v.new_size = 16;
	CK(po_writer_var(w, &v));
	memset(&v, 0, sizeof(v));
	v.name = "tls_counter";
	v.cu = "tls.c";
	v.old_sym = s->s_tls_old;
	v.action = PO_VAR_INIT_CHANGED;
	v.flags = PO_VAR_TLS | PO_VAR_LOCAL;
	v.old_size = v.new_size = 4;
	CK(po_writer_var(w, &v));

	CK(po_writer_unsafe(w, s->s_old_parse, PO_UNSAFE_REPLACED));
	CK(po_writer_unsafe(w, s->s_main, 0));
	CK(po_writer_warning(w, "gen: 'v1/a.o': var '%s': initialiser changed; the running value is kept",
			     "tls_counter"));
	CK(po_writer_warning(w, "gen: second \"warning\"\twith\\escapes"));
	po_writer_set_line_only(w, 2);
	return 0;
}

static int write_sample(const char *path, struct sample *s, uint64_t *size)
{
	struct po_target_info t = {
		.name = "server", .kind = PO_TARGET_PIE, .build_id = build_id,
		.build_id_len = sizeof(build_id), .machine = EM_X86_64,
	};
	struct po_writer *w;
	int err;

	memset(s, 0, sizeof(*s));
	err = po_writer_new(&w, &t);
	if (err)
		return err;
	err = build(w, s);
	if (!err)
		err = po_writer_write(w, path, size);
	po_writer_free(w);
	return err;
}

/* ------------------------------------------------------------ checks */
static const struct po_symbol *sym_named(struct po *p, const char *name, int undef)
{
	for (size_t i = 1; i < po_nsymbols(p); i++) {
		const struct po_symbol *s = po_symbol(p, i);

		if (!strcmp(s->name, name) && (s->sec == PO_SEC_UNDEF) == undef)
			return s;
	}
	return NULL;
}

static void check_roundtrip(struct po *p, const struct sample *smp, uint64_t size)
{
	const struct po_info *in = po_info(p);
	const struct po_section *sec;
	const struct po_symbol *s;
	const struct po_func *f;
	const struct po_var *v;
	int good;

	ok(in->version == 1 && !strcmp(in->target_name, "server") &&
	   in->target_kind == PO_TARGET_PIE && in->machine == EM_X86_64 &&
	   in->build_id_len == sizeof(build_id) &&
	   !memcmp(in->build_id, build_id, sizeof(build_id)) &&
	   !strcmp(in->generator, "katana gen " KATANA_VERSION) &&
	   in->n_line_only == 2 && in->file_size == size, "header fields");

	sec = po_section(p, PO_SEC_TEXT);
	ok(sec && !strcmp(sec->name, ".text.new") && sec->sh_type == SHT_PROGBITS &&
	   sec->sh_flags == (SHF_ALLOC | SHF_EXECINSTR) && sec->align == 16 &&
	   sec->size == smp->off_code2 + sizeof(code2) &&
	   !memcmp(sec->data + smp->off_code1, code1, sizeof(code1)) &&
	   !memcmp(sec->data + smp->off_code2, code2, sizeof(code2)), ".text.new bytes");
	good = sec && sec->nrelocs == 4;
	for (size_t i = 1; good && i < sec->nrelocs; i++)
		good = sec->relocs[i - 1].offset < sec->relocs[i].offset;
	ok(good && sec->relocs[0].type == R_X86_64_PLT32 &&
	   !strcmp(po_symbol(p, sec->relocs[0].sym)->name, "memcpy") &&
	   sec->relocs[0].addend == -4 && sec->relocs[1].type == R_X86_64_PC32 &&
	   po_symbol(p, sec->relocs[1].sym)->stt == STT_SECTION &&
	   po_symbol(p, sec->relocs[1].sym)->sec == PO_SEC_RODATA &&
	   sec->relocs[2].type == R_X86_64_REX_GOTPCRELX &&
	   sec->relocs[3].type == R_X86_64_TPOFF32, ".text.new relocations");
	sec = po_section(p, PO_SEC_RODATA);
	ok(sec && sec->size == sizeof(rodata) && !memcmp(sec->data, rodata, sizeof(rodata)) &&
	   sec->nrelocs == 1 && sec->relocs[0].type == R_X86_64_32 &&
	   po_symbol(p, sec->relocs[0].sym)->stb == STB_WEAK, ".rodata.new and its relocation");
	sec = po_section(p, PO_SEC_DATA);
	ok(sec && sec->size == 16 && sec->nrelocs == 2 && sec->relocs[0].offset == 0 &&
	   sec->relocs[0].addend == 8 && sec->relocs[1].offset == 8 &&
	   !strcmp(po_symbol(p, sec->relocs[1].sym)->name, "_Z9check_leni"),
	   ".data.new relocations sorted by offset");
	sec = po_section(p, PO_SEC_BSS);
	ok(sec && sec->sh_type == SHT_NOBITS && sec->size == 64 && !sec->data &&
	   sec->align == 32, ".bss.new");
	sec = po_section(p, PO_SEC_TDATA);
	ok(sec && sec->sh_flags == (SHF_ALLOC | SHF_WRITE | SHF_TLS) && sec->size == 4 &&
	   !po_section(p, PO_SEC_TBSS), ".tdata.new present, .tbss.new absent");
	ok(po_nsections(p) == PO_SEC_NFIXED + 2 &&
	   (sec = po_section(p, PO_SEC_NFIXED)) && !strcmp(sec->name, ".debug_abbrev") &&
	   sec->size == sizeof(abbrev) && !sec->nrelocs &&
	   (sec = po_section(p, PO_SEC_NFIXED + 1)) && !strcmp(sec->name, ".debug_info") &&
	   sec->nrelocs == 2 && sec->relocs[0].offset == 6 &&
	   !po_section(p, PO_SEC_NFIXED + 2) && !po_section(p, 0) && !po_section(p, -1),
	   "extra sections in file order with their relocations");

	s = po_symbol(p, 0);
	ok(s && !*s->name && s->sec == PO_SEC_UNDEF && !s->ref && !po_symbol(p, po_nsymbols(p)),
	   "null symbol");
	good = 1;
	for (size_t i = 1, seen_global = 0; i < po_nsymbols(p); i++) {
		s = po_symbol(p, i);
		if (s->stb != STB_LOCAL)
			seen_global = 1;
		else if (seen_global)
			good = 0;
	}
	ok(good, "locals before globals");
	s = sym_named(p, "parse_request", 1);
	ok(s && s->stb == STB_GLOBAL && s->value == 0 && s->ref &&
	   s->ref->flags == (PO_SYM_LOCAL | PO_SYM_FUNC) && s->ref->old_value == 0x1130 &&
	   s->ref->size == 212 && s->ref_cu && !strcmp(s->ref_cu, "net/proto.c") &&
	   s->ref_object && !strcmp(s->ref_object, "net/proto.o"), "undefined static and its ref");
	s = sym_named(p, "memcpy", 1);
	ok(s && s->ref && s->ref->flags == (PO_SYM_FUNC | PO_SYM_EXTERNAL) && !s->ref_cu &&
	   !s->ref_object, "external symbol");
	s = sym_named(p, "helper", 1);
	ok(s && s->stb == STB_WEAK && s->ref && (s->ref->flags & PO_SYM_WEAK), "weak symbol");
	s = sym_named(p, "tls_new", 0);
	ok(s && s->sec == PO_SEC_TDATA && s->stt == STT_TLS && s->size == 4 && !s->ref,
	   "defined TLS symbol");
	s = sym_named(p, "buf", 0);
	ok(s && s->sec == PO_SEC_BSS && s->stb == STB_LOCAL && s->size == 64, "bss symbol");

	ok(po_nfuncs(p) == 2 && !po_func(p, 2), "two functions");
	f = po_func(p, 0);
	ok(f && !strcmp(f->name, "parse_request") && !strcmp(f->cu, "net/proto.c") &&
	   f->flags == (PO_FUNC_CHANGED | PO_FUNC_LOCAL) && f->old_size == 212 &&
	   f->new_size == sizeof(code1) && f->old_value == 0x1130 &&
	   f->old_csum == 0x1234abcd5678ef90ULL && f->nmasks == 2 &&
	   f->masks[0].off == 2 && f->masks[1].len == 4 &&
	   po_symbol(p, f->old_sym)->sec == PO_SEC_UNDEF &&
	   po_symbol(p, f->new_sym)->sec == PO_SEC_TEXT &&
	   po_symbol(p, f->new_sym)->value == smp->off_code1, "changed function");
	f = po_func(p, 1);
	ok(f && !strcmp(f->name, "_Z9check_leni") && f->flags == (PO_FUNC_NEW | PO_FUNC_CLONE) &&
	   f->old_sym == 0 && f->nmasks == 0 && f->new_size == sizeof(code2) &&
	   po_symbol(p, f->new_sym)->value == smp->off_code2, "new function");

	ok(po_nvars(p) == 3 && !po_var(p, 3), "three variables");
	v = po_var(p, 0);
	ok(v && !strcmp(v->name, "counter") && v->action == PO_VAR_NEW && !strcmp(v->type, "long[2]") &&
	   v->old_sym == 0 && po_symbol(p, v->new_sym)->sec == PO_SEC_DATA && v->new_size == 16,
	   "new variable");
	v = po_var(p, 1);
	ok(v && v->action == PO_VAR_CONST_UPDATE && v->flags == PO_VAR_CONST &&
	   !strcmp(v->cu, "tab.c") && !strcmp(po_symbol(p, v->old_sym)->name, "table") &&
	   po_symbol(p, v->new_sym)->sec == PO_SEC_RODATA && v->old_size == 16, "const update");
	v = po_var(p, 2);
	ok(v && v->action == PO_VAR_INIT_CHANGED && v->new_sym == 0 && !strcmp(v->type, "") &&
	   v->flags == (PO_VAR_TLS | PO_VAR_LOCAL), "changed initialiser");

	ok(po_nunsafe(p) == 2 && po_unsafe(p, 0)->flags == PO_UNSAFE_REPLACED &&
	   !strcmp(po_symbol(p, po_unsafe(p, 0)->sym)->name, "parse_request") &&
	   !strcmp(po_symbol(p, po_unsafe(p, 1)->sym)->name, "main") &&
	   po_unsafe(p, 1)->flags == 0 && !po_unsafe(p, 2), "unsafe functions");
	ok(po_nwarnings(p) == 2 && !strncmp(po_warning(p, 0), "gen: 'v1/a.o'", 13) &&
	   !strcmp(po_warning(p, 1), "gen: second \"warning\"\twith\\escapes") &&
	   !po_warning(p, 2), "warnings");
}

static void check_misc(void)
{
	static const struct po_disk_mask m = { 1, 1 };

	ok(po_checksum("", 0, NULL, 0) == 0xcbf29ce484222325ULL &&
	   po_checksum("a", 1, NULL, 0) == 0xaf63dc4c8601ec8cULL &&
	   po_checksum("ab", 2, &m, 1) == po_checksum("a\0", 2, NULL, 0) &&
	   po_checksum("ab", 2, &m, 1) != po_checksum("ab", 2, NULL, 0),
	   "checksum is FNV-1a 64 with masked bytes as 0");
	ok(!strcmp(po_reloc_name(R_X86_64_PLT32), "R_X86_64_PLT32") &&
	   !strcmp(po_target_kind_name(PO_TARGET_SHARED), "shared") &&
	   !strcmp(po_var_action_name(PO_VAR_CONST_UPDATE), "const-update") &&
	   !strcmp(po_sec_name(PO_SEC_TBSS), ".tbss.new") &&
	   strstr(po_strerror(-PO_EVERSION), "version"), "names");
}

static void check_writer_errors(const char *dir)
{
	struct po_target_info t = { .name = "x", .kind = PO_TARGET_EXEC };
	struct po_func_info f;
	struct po_writer *w;
	char path[4096];
	int d, u, err;

	if (!ok(po_writer_new(&w, &t) == 0, "writer for error cases"))
		return;
	d = po_writer_symbol(w, "d", PO_SEC_TEXT, 0, 0, STT_FUNC, STB_GLOBAL);
	u = po_writer_symbol(w, "u", PO_SEC_UNDEF, 0, 0, STT_FUNC, STB_GLOBAL);
	nerrors = 0;
	ok(po_writer_reloc(w, PO_SEC_TEXT, 0, R_X86_64_PC32, 99, 0) == -EINVAL &&
	   po_writer_reloc(w, PO_SEC_TEXT, 0, R_X86_64_COPY, d, 0) == -EINVAL &&
	   po_writer_reloc(w, PO_SEC_BSS, 0, R_X86_64_64, d, 0) == -EINVAL &&
	   po_writer_unsafe(w, d, 0) == -EINVAL &&
	   po_writer_symref(w, d, 0, NULL, NULL, 0, 0) == -EINVAL &&
	   po_writer_symref(w, u, PO_SYM_LOCAL, NULL, NULL, 0, 0) == -EINVAL &&
	   po_writer_add_section(w, ".katana", SHT_PROGBITS, 0, "", 0, 1) == -EINVAL &&
	   po_writer_add_section(w, ".rela.text.new", SHT_RELA, 0, "", 0, 1) == -EINVAL &&
	   po_writer_append(w, PO_SEC_BSS, "x", 1, 1, NULL) == -EINVAL &&
	   po_writer_append(w, PO_SEC_TEXT, "x", 1, 3, NULL) == -EINVAL &&
	   nerrors == 10, "writer rejects bad arguments, one message each");
	memset(&f, 0, sizeof(f));
	f.name = "d";
	f.cu = "d.c";
	f.new_sym = d;
	f.old_sym = d;	/* must be undefined */
	f.flags = PO_FUNC_CHANGED;
	ok(po_writer_func(w, &f) == -EINVAL, "changed function with a defined old_sym rejected");
	/* a relocation past the end is only known at write time */
	po_writer_reloc(w, PO_SEC_TEXT, 100, R_X86_64_PC32, u, 0);
	snprintf(path, sizeof(path), "%s/bad.po", dir);
	nerrors = 0;
	err = po_writer_write(w, path, NULL);
	ok(err == -EINVAL && nerrors == 1 && access(path, F_OK) != 0,
	   "relocation outside its section: write fails, no file left");
	snprintf(path, sizeof(path), "%s/no/such/dir/x.po", dir);
	po_writer_free(w);
	if (po_writer_new(&w, &t))
		return;
	nerrors = 0;
	err = po_writer_write(w, path, NULL);
	ok(err == -ENOENT && nerrors == 1, "unwritable path reported once (%s)", last_msg);
	po_writer_free(w);
}

/* ------------------------------------------------------------ corruption */
static uint8_t *img;
static size_t img_size;

static Elf64_Shdr *shdr(uint8_t *b, const char *name)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)b;
	Elf64_Shdr *sh = (Elf64_Shdr *)(b + eh->e_shoff);
	const char *names = (const char *)b + sh[eh->e_shstrndx].sh_offset;

	for (int i = 0; i < eh->e_shnum; i++)
		if (!strcmp(names + sh[i].sh_name, name))
			return &sh[i];
	return NULL;
}

/* Open a modified copy; expect failure with code want (0: any negative)
 * and exactly one message, of one line, containing needle (if not NULL). */
static void expect_reject_msg(uint8_t *b, size_t size, int want, const char *needle,
			      const char *what)
{
	struct po *p = NULL;
	int err;

	nerrors = 0;
	last_msg[0] = 0;
	err = po_open_mem(b, size, "bad.po", &p);
	ok(err < 0 && (!want || err == want) && !p && nerrors == 1 &&
	   !strncmp(last_msg, "po: 'bad.po': ", 14) && !strchr(last_msg, '\n') &&
	   (!needle || strstr(last_msg, needle)),
	   "%s: rejected (%d: %s)", what, err, last_msg);
	po_close(p);
}

static void expect_reject(uint8_t *b, size_t size, int want, const char *what)
{
	expect_reject_msg(b, size, want, NULL, what);
}

static uint8_t *copy(void)
{
	uint8_t *b = malloc(img_size);

	memcpy(b, img, img_size);
	return b;
}

#define CORRUPT(what, want, stmt) do { \
	uint8_t *b = copy(); \
	Elf64_Ehdr *eh = (Elf64_Ehdr *)b; \
	(void)eh; \
	stmt; \
	expect_reject(b, img_size, want, what); \
	free(b); \
} while (0)

static void *rec(uint8_t *b, const char *sec, size_t i, size_t size)
{
	Elf64_Shdr *s = shdr(b, sec);

	return b + s->sh_offset + i * size;
}

static void check_corruption(void)
{
	size_t bad_trunc = 0, crashes_avoided = 0;
	struct po *p;
	unsigned seed = 12345;

	/* every prefix of the file is truncated somewhere that matters */
	for (size_t n = 0; n < img_size; n++) {
		uint8_t *b = malloc(n ? n : 1);

		memcpy(b, img, n);
		nerrors = 0;
		p = NULL;
		if (po_open_mem(b, n, "bad.po", &p) >= 0 || nerrors != 1)
			bad_trunc++;
		po_close(p);
		free(b);
	}
	ok(bad_trunc == 0, "every truncation rejected with one message (%zu not)", bad_trunc);

	CORRUPT("ELF magic", -PO_EFORMAT, b[1] = 'X');
	CORRUPT("ELFCLASS32", -PO_EFORMAT, b[EI_CLASS] = ELFCLASS32);
	CORRUPT("big-endian", -PO_EFORMAT, b[EI_DATA] = ELFDATA2MSB);
	CORRUPT("ET_EXEC", -PO_EFORMAT, eh->e_type = ET_EXEC);
	CORRUPT("machine", -PO_EFORMAT, eh->e_machine = EM_AARCH64);
	CORRUPT("e_shentsize", -PO_EFORMAT, eh->e_shentsize = 40);
	CORRUPT("e_shnum too large", -PO_EFORMAT, eh->e_shnum = 0xff00);
	CORRUPT("e_shnum 0", -PO_EFORMAT, eh->e_shnum = 0);
	CORRUPT("e_shstrndx", -PO_EFORMAT, eh->e_shstrndx = eh->e_shnum);
	CORRUPT("e_shoff", -PO_EFORMAT, eh->e_shoff = ~0ULL - 10);
	CORRUPT("section offset overflow", -PO_EFORMAT,
		shdr(b, ".katana.funcs")->sh_offset = ~0ULL - 4);
	CORRUPT("section name offset", -PO_EFORMAT, shdr(b, ".text.new")->sh_name = 0xffffff);
	CORRUPT("bad alignment", -PO_EFORMAT, shdr(b, ".text.new")->sh_addralign = 3);
	CORRUPT("no .katana", -PO_EFORMAT, ((char *)b + shdr(b, ".shstrtab")->sh_offset +
					    shdr(b, ".katana")->sh_name)[1] = 'x');
	CORRUPT("bad magic", -PO_EFORMAT, ((struct po_disk_hdr *)rec(b, ".katana", 0, 0))->magic[0] = 'k');
	CORRUPT("version 3", -PO_EVERSION, ((struct po_disk_hdr *)rec(b, ".katana", 0, 0))->version = 3);
	CORRUPT("version 0", -PO_EVERSION, ((struct po_disk_hdr *)rec(b, ".katana", 0, 0))->version = 0);
	CORRUPT("reserved header field", -PO_EFORMAT,
		((struct po_disk_hdr *)rec(b, ".katana", 0, 0))->reserved[4] = 1);
	CORRUPT("allocator in a version 1 file", -PO_EFORMAT,
		((struct po_disk_hdr *)rec(b, ".katana", 0, 0))->alloc_sym = 1);
	CORRUPT("var xtype in a version 1 file", -PO_EFORMAT,
		((struct po_disk_var *)rec(b, ".katana.vars", 2, sizeof(struct po_disk_var)))->xtype = 1);
	CORRUPT("build-id length", -PO_EFORMAT,
		((struct po_disk_hdr *)rec(b, ".katana", 0, 0))->build_id_len = 65);
	CORRUPT("func name offset", -PO_EFORMAT,
		((struct po_disk_func *)rec(b, ".katana.funcs", 1, sizeof(struct po_disk_func)))->name = 9999);
	CORRUPT("func new_sym index", -PO_EFORMAT,
		((struct po_disk_func *)rec(b, ".katana.funcs", 0, sizeof(struct po_disk_func)))->new_sym = 9999);
	CORRUPT("func old_sym defined", -PO_EFORMAT,
		{ struct po_disk_func *f = rec(b, ".katana.funcs", 0, sizeof(*f)); f->old_sym = f->new_sym; });
	CORRUPT("func flags", -PO_EFORMAT,
		((struct po_disk_func *)rec(b, ".katana.funcs", 0, sizeof(struct po_disk_func)))->flags = 3);
	CORRUPT("func new_size", -PO_EFORMAT,
		((struct po_disk_func *)rec(b, ".katana.funcs", 0, sizeof(struct po_disk_func)))->new_size++);
	CORRUPT("func masks range", -PO_EFORMAT,
		((struct po_disk_func *)rec(b, ".katana.funcs", 0, sizeof(struct po_disk_func)))->mask_count = 0xffffffff);
	CORRUPT("mask beyond old function", -PO_EFORMAT,
		((struct po_disk_mask *)rec(b, ".katana.masks", 1, sizeof(struct po_disk_mask)))->len = 0xfffffff0);
	CORRUPT("var action", -PO_EFORMAT,
		((struct po_disk_var *)rec(b, ".katana.vars", 2, sizeof(struct po_disk_var)))->action = 9);
	CORRUPT("var type offset", -PO_EFORMAT,
		((struct po_disk_var *)rec(b, ".katana.vars", 2, sizeof(struct po_disk_var)))->type = 0x7fffffff);
	CORRUPT("symref index", -PO_EFORMAT,
		((struct po_disk_sym *)rec(b, ".katana.syms", 0, sizeof(struct po_disk_sym)))->sym = 9999);
	CORRUPT("symref to a defined symbol", -PO_EFORMAT,
		((struct po_disk_sym *)rec(b, ".katana.syms", 0, sizeof(struct po_disk_sym)))->sym = 1);
	CORRUPT("unsafe sym index", -PO_EFORMAT,
		((struct po_disk_unsafe *)rec(b, ".unsafe_functions", 0, sizeof(struct po_disk_unsafe)))->sym = 9999);
	CORRUPT("string table not terminated", -PO_EFORMAT,
		b[shdr(b, ".katana.str")->sh_offset + shdr(b, ".katana.str")->sh_size - 1] = 'x');
	CORRUPT("warnings not terminated", -PO_EFORMAT,
		b[shdr(b, ".katana.warnings")->sh_offset + shdr(b, ".katana.warnings")->sh_size - 1] = 'x');
	CORRUPT("symbol name offset", -PO_EFORMAT,
		((Elf64_Sym *)rec(b, ".symtab", 3, sizeof(Elf64_Sym)))->st_name = 0xfffffff);
	CORRUPT("symbol section index", -PO_EFORMAT,
		((Elf64_Sym *)rec(b, ".symtab", 1, sizeof(Elf64_Sym)))->st_shndx = 0xff00 - 1);
	CORRUPT("symbol outside its section", -PO_EFORMAT,
		((Elf64_Sym *)rec(b, ".symtab", 3, sizeof(Elf64_Sym)))->st_value = 1ULL << 40);
	CORRUPT("first global", -PO_EFORMAT, shdr(b, ".symtab")->sh_info = 1);
	CORRUPT("reloc symbol index", -PO_EFORMAT,
		((Elf64_Rela *)rec(b, ".rela.text.new", 0, sizeof(Elf64_Rela)))->r_info =
		ELF64_R_INFO(9999, R_X86_64_PC32));
	CORRUPT("reloc type", -PO_EFORMAT,
		((Elf64_Rela *)rec(b, ".rela.text.new", 0, sizeof(Elf64_Rela)))->r_info =
		ELF64_R_INFO(1, R_X86_64_COPY));
	CORRUPT("reloc offset", -PO_EFORMAT,
		((Elf64_Rela *)rec(b, ".rela.data.new", 0, sizeof(Elf64_Rela)))->r_offset = 12);
	CORRUPT("reloc offset overflow", -PO_EFORMAT,
		((Elf64_Rela *)rec(b, ".rela.data.new", 0, sizeof(Elf64_Rela)))->r_offset = ~0ULL - 2);
	CORRUPT("reloc target", -PO_EFORMAT, shdr(b, ".rela.data.new")->sh_info = 0);
	CORRUPT("reloc into .katana", -PO_EFORMAT,
		{ Elf64_Ehdr *e = (Elf64_Ehdr *)b;
		  shdr(b, ".rela.data.new")->sh_info =
		  (uint32_t)(shdr(b, ".katana") - (Elf64_Shdr *)(b + e->e_shoff)); });
	CORRUPT("record entry size", -PO_EFORMAT, shdr(b, ".katana.vars")->sh_entsize = 8);

	/* random damage: anything may happen except a crash or a leak (ASan) */
	for (int i = 0; i < 3000; i++) {
		uint8_t *b = copy();
		int flips = 1 + (int)((seed = seed * 1103515245 + 12345) >> 16) % 4;

		for (int k = 0; k < flips; k++) {
			seed = seed * 1103515245 + 12345;
			b[(seed >> 8) % img_size] ^= (uint8_t)(1u << ((seed >> 4) & 7));
		}
		nerrors = 0;
		p = NULL;
		if (po_open_mem(b, img_size, "bad.po", &p) < 0 ? nerrors == 1 : nerrors == 0)
			crashes_avoided++;
		po_close(p);
		free(b);
	}
	ok(crashes_avoided == 3000, "3000 random bit flips: no crash, one message per failure");
}

/* ------------------------------------------------------------ version 2 */
/* Data transforms.  Six types, every opcode:
 *   0 struct item    24 -> 32, heap: int id widened to long, a list link
 *   1 struct pair     8 -> 8:  two ints swapped
 *   2 struct holder  16 -> 16, in place: a pointer to an item
 *   3 struct box      8 -> 8:  a pair embedded (SUB)
 *   4 struct config  64 -> 80: INT, ENUM, BITS, COPY, PTR, ARRAY of box,
 *                              SUB of holder
 *   5 struct stats   16 -> 8:  a member removed, cannot be undone
 * Every operand is below 128, so one byte: the corruption tests name a
 * byte of a program by its position in these arrays. */
enum { XT_ITEM, XT_PAIR, XT_HOLDER, XT_BOX, XT_CONFIG, XT_STATS, NXT };

#define SS (PO_XOP_OLD_SIGNED | PO_XOP_NEW_SIGNED)
#define ITEM_PTR 10		/* offset of item's PTR operation */
static const uint8_t item_fwd[] = {
	PO_XOP_INT, 0, 4, 0, 8, SS,
	PO_XOP_COPY, 8, 8, 8,
	PO_XOP_PTR, 16, 16, XT_ITEM,
	PO_XOP_END,
};
static const uint8_t item_back[] = {
	PO_XOP_INT, 0, 8, 0, 4, SS,
	PO_XOP_COPY, 8, 8, 8,
	PO_XOP_PTR, 16, 16, XT_ITEM,
	PO_XOP_END,
};
static const uint8_t pair_prog[] = {	/* a swap undoes itself */
	PO_XOP_COPY, 0, 4, 4,
	PO_XOP_COPY, 4, 0, 4,
	PO_XOP_END,
};
static const uint8_t holder_prog[] = { PO_XOP_PTR, 0, 0, XT_ITEM, PO_XOP_END };
static const uint8_t box_prog[] = { PO_XOP_SUB, 0, 0, XT_PAIR, PO_XOP_END };
#define CFG_ENUM 6		/* offsets of config's ENUM, ARRAY and SUB */
#define CFG_ARRAY 35
#define CFG_SUB 42
static const uint8_t config_fwd[] = {
	PO_XOP_INT, 4, 2, 0, 8, SS,				/* short level -> long */
	PO_XOP_ENUM, 0, 4, 8, 2, SS, 4, 0, 1, 1, 2, 2, 0, 0x7f, 0x7f, /* -1=>-1 */
	PO_XOP_BITS, 64, 3, 80, 5, 0,				/* flags:3 -> flags:5 */
	PO_XOP_COPY, 56, 16, 8,					/* char name[8] */
	PO_XOP_PTR, 48, 24, XT_ITEM,				/* struct item *first */
	PO_XOP_ARRAY, 32, 32, 2, 8, 16, XT_BOX,			/* struct box b[2] */
	PO_XOP_SUB, 16, 64, XT_HOLDER,				/* struct holder h */
	PO_XOP_END,
};
static const uint8_t config_back[] = {
	PO_XOP_INT, 0, 8, 4, 2, SS,
	PO_XOP_ENUM, 8, 2, 0, 4, SS, 4, 1, 0, 2, 1, 0, 2, 0x7f, 0x7f,
	PO_XOP_BITS, 80, 5, 64, 3, 0,
	PO_XOP_COPY, 16, 56, 8,
	PO_XOP_PTR, 24, 48, XT_ITEM,
	PO_XOP_ARRAY, 32, 32, 2, 16, 8, XT_BOX,
	PO_XOP_SUB, 64, 16, XT_HOLDER,
	PO_XOP_END,
};
static const uint8_t stats_fwd[] = { PO_XOP_COPY, 8, 0, 8, PO_XOP_END };
#undef SS

#define PROG(a) a, sizeof(a)
static const struct po_xtype_info xt_sample[NXT] = {
	{ "struct item", "'id' int -> long; 'weight' added", NULL, PO_XT_HEAP, 24, 32,
	  PROG(item_fwd), PROG(item_back) },
	{ "struct pair", "'a' and 'b' swapped", NULL, 0, 8, 8, PROG(pair_prog), PROG(pair_prog) },
	{ "struct holder", "pointers to changed data only", NULL, PO_XT_INPLACE, 16, 16,
	  PROG(holder_prog), PROG(holder_prog) },
	{ "struct box", NULL, "ignored: box can be undone", 0, 8, 8, PROG(box_prog),
	  PROG(box_prog) },
	{ "struct config", "renumbered, widened, moved", NULL, 0, 64, 80,
	  PROG(config_fwd), PROG(config_back) },
	{ "struct stats", "'hits' removed", "member 'hits' was removed", 0, 16, 8,
	  PROG(stats_fwd), NULL, 0 },
};
#undef PROG

/* The sample's types as the reader hands them out. */
static void xt_table(struct po_xtype *t)
{
	for (int i = 0; i < NXT; i++) {
		const struct po_xtype_info *x = &xt_sample[i];

		t[i] = (struct po_xtype){ x->name, x->diff ? x->diff : "",
					  x->back ? "" : x->back_why, x->flags, x->old_size,
					  x->new_size, x->fwd, x->back, x->fwd_len, x->back_len };
	}
}

/* the sample's variables by index */
enum { V_CFG, V_LIST, V_STATS };

static int build_v2(struct po_writer *w)
{
	static const uint8_t cfg_init[80] = { 1, 0, 0, 0, 0, 0, 0, 0, 2 };
	struct po_var_info v;
	uint64_t off_cfg, off_stats;
	int s_malloc, s_free, s_walk, s_cfg, s_list, s_stats, s_site1, s_site2;
	int s_cfg_new, s_stats_new;

	for (int i = 0; i < NXT; i++)
		if (po_writer_xtype(w, &xt_sample[i]) != i)
			return -EINVAL;
	CK(po_writer_append(w, PO_SEC_DATA, cfg_init, sizeof(cfg_init), 8, &off_cfg));
	CK(po_writer_append(w, PO_SEC_BSS, NULL, 8, 8, &off_stats));
	CK(s_malloc = po_writer_symbol(w, "malloc", PO_SEC_UNDEF, 0, 0, STT_FUNC, STB_GLOBAL));
	CK(s_free = po_writer_symbol(w, "free", PO_SEC_UNDEF, 0, 0, STT_FUNC, STB_GLOBAL));
	CK(s_walk = po_writer_symbol(w, "walk", PO_SEC_UNDEF, 0x1200, 30, STT_FUNC, STB_GLOBAL));
	CK(s_cfg = po_writer_symbol(w, "cfg", PO_SEC_UNDEF, 0x4000, 64, STT_OBJECT, STB_GLOBAL));
	CK(s_list = po_writer_symbol(w, "list_head", PO_SEC_UNDEF, 0x4040, 16, STT_OBJECT,
				     STB_GLOBAL));
	CK(s_stats = po_writer_symbol(w, "stats", PO_SEC_UNDEF, 0x4050, 16, STT_OBJECT,
				      STB_GLOBAL));
	CK(s_site1 = po_writer_symbol(w, "cfg_ptr", PO_SEC_UNDEF, 0x4060, 8, STT_OBJECT,
				      STB_GLOBAL));
	CK(s_site2 = po_writer_symbol(w, "stat_refs", PO_SEC_UNDEF, 0x4070, 32, STT_OBJECT,
				      STB_GLOBAL));
	CK(po_writer_symref(w, s_malloc, PO_SYM_FUNC | PO_SYM_EXTERNAL, NULL, NULL, 0, 0));
	CK(po_writer_symref(w, s_free, PO_SYM_FUNC | PO_SYM_EXTERNAL, NULL, NULL, 0, 0));
	CK(po_writer_symref(w, s_walk, PO_SYM_FUNC, NULL, "walk.o", 0x1200, 30));
	CK(po_writer_symref(w, s_cfg, PO_SYM_OBJECT, NULL, "cfg.o", 0x4000, 64));
	CK(po_writer_symref(w, s_list, PO_SYM_OBJECT | PO_SYM_LOCAL, "list.c", "list.o",
			    0x4040, 16));
	CK(po_writer_symref(w, s_stats, PO_SYM_OBJECT, NULL, "stats.o", 0x4050, 16));
	CK(po_writer_symref(w, s_site1, PO_SYM_OBJECT, NULL, "cfg.o", 0x4060, 8));
	CK(po_writer_symref(w, s_site2, PO_SYM_OBJECT, NULL, "stats.o", 0x4070, 32));
	CK(s_cfg_new = po_writer_symbol(w, "cfg", PO_SEC_DATA, off_cfg, sizeof(cfg_init),
					STT_OBJECT, STB_GLOBAL));
	CK(s_stats_new = po_writer_symbol(w, "stats", PO_SEC_BSS, off_stats, 8, STT_OBJECT,
					  STB_GLOBAL));
	CK(po_writer_set_alloc(w, s_malloc, s_free));

	memset(&v, 0, sizeof(v));
	v.name = "cfg";
	v.cu = "cfg.c";
	v.type = "struct config";
	v.old_sym = s_cfg;
	v.new_sym = s_cfg_new;
	v.action = PO_VAR_TRANSFORM;
	v.old_size = 64;
	v.new_size = 80;
	v.xtype = 1 + XT_CONFIG;
	CK(po_writer_var(w, &v));
	memset(&v, 0, sizeof(v));
	v.name = "list_head";
	v.cu = "list.c";
	v.type = "struct holder";
	v.old_sym = s_list;
	v.action = PO_VAR_FIXUP;
	v.flags = PO_VAR_LOCAL;
	v.old_size = v.new_size = 16;
	v.xtype = 1 + XT_HOLDER;
	CK(po_writer_var(w, &v));
	memset(&v, 0, sizeof(v));
	v.name = "stats";
	v.cu = "stats.c";
	v.type = "struct stats";
	v.old_sym = s_stats;
	v.new_sym = s_stats_new;
	v.action = PO_VAR_TRANSFORM;
	v.old_size = 16;
	v.new_size = 8;
	v.xtype = 1 + XT_STATS;
	CK(po_writer_var(w, &v));

	CK(po_writer_ptr(w, s_site1, V_CFG, 0, 0));
	CK(po_writer_ptr(w, s_site2, V_STATS, 16, -8));
	CK(po_writer_unsafe(w, s_walk, PO_UNSAFE_DATA));
	CK(po_writer_unsafe(w, s_malloc, PO_UNSAFE_ALLOC));
	return 0;
}

/* A PO of target t built by fn (NULL: nothing in it). */
static int write_po(const char *path, int (*fn)(struct po_writer *), uint64_t *size)
{
	struct po_target_info t = { .name = "listd", .kind = PO_TARGET_EXEC,
				    .machine = EM_X86_64 };
	struct po_writer *w;
	int err;

	err = po_writer_new(&w, &t);
	if (err)
		return err;
	err = fn ? fn(w) : 0;
	if (!err)
		err = po_writer_write(w, path, size);
	po_writer_free(w);
	return err;
}

static const char *symname(struct po *p, uint32_t i)
{
	const struct po_symbol *s = po_symbol(p, i);

	return s ? s->name : "(none)";
}

static void check_v2_roundtrip(struct po *p)
{
	const struct po_info *in = po_info(p);
	const struct po_var *v;
	const struct po_ptr *r;
	char buf[256];
	int good = po_nxtypes(p) == NXT && !po_xtype(p, NXT);

	ok(in->version == 2 && !strcmp(in->target_name, "listd") &&
	   in->target_kind == PO_TARGET_EXEC && in->build_id_len == 0, "v2: header version 2");
	ok(in->alloc_sym && in->free_sym && !strcmp(symname(p, in->alloc_sym), "malloc") &&
	   !strcmp(symname(p, in->free_sym), "free") &&
	   po_symbol(p, in->alloc_sym)->sec == PO_SEC_UNDEF &&
	   po_symbol(p, in->alloc_sym)->ref &&
	   (po_symbol(p, in->alloc_sym)->ref->flags & PO_SYM_EXTERNAL), "v2: allocator symbols");
	for (int i = 0; good && i < NXT; i++) {
		const struct po_xtype *t = po_xtype(p, (size_t)i);
		const struct po_xtype_info *x = &xt_sample[i];

		good = !strcmp(t->name, x->name) && !strcmp(t->diff, x->diff ? x->diff : "") &&
			t->flags == x->flags && t->old_size == x->old_size &&
			t->new_size == x->new_size && t->fwd_len == x->fwd_len &&
			!memcmp(t->fwd, x->fwd, x->fwd_len) && t->back_len == x->back_len &&
			(x->back ? t->back && !memcmp(t->back, x->back, x->back_len) &&
				   !strcmp(t->back_why, "") :
				   !t->back && !strcmp(t->back_why, x->back_why));
		if (!good)
			diag("xtype %d (%s) differs", i, x->name);
	}
	ok(good, "v2: six xtypes: names, diffs, flags, sizes, both programs, back_why");
	ok(!strcmp(po_xtype(p, XT_BOX)->back_why, "") &&
	   !strcmp(po_xtype(p, XT_STATS)->back_why, "member 'hits' was removed") &&
	   !po_xtype(p, XT_STATS)->back, "v2: back_why only where there is no backward program");

	ok(po_nvars(p) == 3 && !po_var(p, 3), "v2: three variables");
	v = po_var(p, V_CFG);
	ok(v && v->action == PO_VAR_TRANSFORM && v->xtype == 1 + XT_CONFIG &&
	   !strcmp(v->name, "cfg") && !strcmp(v->type, "struct config") &&
	   v->old_size == 64 && v->new_size == 80 && !strcmp(symname(p, v->old_sym), "cfg") &&
	   po_symbol(p, v->old_sym)->sec == PO_SEC_UNDEF &&
	   po_symbol(p, v->new_sym)->sec == PO_SEC_DATA && po_symbol(p, v->new_sym)->size == 80,
	   "v2: transform variable");
	v = po_var(p, V_LIST);
	ok(v && v->action == PO_VAR_FIXUP && v->xtype == 1 + XT_HOLDER && v->new_sym == 0 &&
	   v->flags == PO_VAR_LOCAL && v->old_size == 16 && v->new_size == 16 &&
	   !strcmp(symname(p, v->old_sym), "list_head") &&
	   !strcmp(po_symbol(p, v->old_sym)->ref_cu, "list.c"), "v2: fixup variable");
	v = po_var(p, V_STATS);
	ok(v && v->action == PO_VAR_TRANSFORM && v->xtype == 1 + XT_STATS &&
	   po_symbol(p, v->new_sym)->sec == PO_SEC_BSS && v->new_size == 8,
	   "v2: transform variable that cannot be undone");

	ok(po_nptrs(p) == 2 && !po_ptr(p, 2), "v2: two pointer records");
	r = po_ptr(p, 0);
	ok(r && r->var == V_CFG && r->site_off == 0 && r->addend == 0 &&
	   !strcmp(symname(p, r->site_sym), "cfg_ptr") &&
	   po_symbol(p, r->site_sym)->sec == PO_SEC_UNDEF, "v2: pointer record 0");
	r = po_ptr(p, 1);
	ok(r && r->var == V_STATS && r->site_off == 16 && r->addend == -8 &&
	   !strcmp(symname(p, r->site_sym), "stat_refs"), "v2: pointer record 1");
	ok(po_nunsafe(p) == 2 && !strcmp(symname(p, po_unsafe(p, 0)->sym), "walk") &&
	   po_unsafe(p, 0)->flags == PO_UNSAFE_DATA &&
	   !strcmp(symname(p, po_unsafe(p, 1)->sym), "malloc") &&
	   po_unsafe(p, 1)->flags == PO_UNSAFE_ALLOC, "v2: unsafe flags data and alloc");

	/* the programs decode back into the operations written */
	{
		const struct po_xtype *t = po_xtype(p, XT_CONFIG);
		struct po_xop op;
		size_t pos = CFG_ENUM;

		ok(!po_xop_decode(t->fwd, t->fwd_len, &pos, &op) && op.code == PO_XOP_ENUM &&
		   (po_xop_describe(po_xtype(p, 0), po_nxtypes(p), &op, buf, sizeof(buf)), 1) &&
		   !strcmp(buf, "enum +0 (4 bytes, signed) -> +8 (2 bytes, signed): "
			   "0=>1, 1=>2, 2=>0, -1=>-1"), "v2: describe enum (%s)", buf);
		pos = CFG_ARRAY;
		ok(!po_xop_decode(t->fwd, t->fwd_len, &pos, &op) && op.code == PO_XOP_ARRAY &&
		   (po_xop_describe(po_xtype(p, 0), po_nxtypes(p), &op, buf, sizeof(buf)), 1) &&
		   !strcmp(buf, "array +32 -> +32, 2 x type 3 (struct box), strides 8 -> 16"),
		   "v2: describe array (%s)", buf);
	}
	ok(!strcmp(po_xop_name(PO_XOP_BITS), "bits") && !strcmp(po_xop_name(PO_XOP_SUB), "sub") &&
	   !strcmp(po_xop_name(0x42), "?") &&
	   !strcmp(po_var_action_name(PO_VAR_TRANSFORM), "transform") &&
	   !strcmp(po_var_action_name(PO_VAR_FIXUP), "fixup"), "v2: names of ops and actions");
}

/* Only a data-related unsafe flag: still version 2. */
static int build_unsafe_data(struct po_writer *w)
{
	int s;

	CK(s = po_writer_symbol(w, "walk", PO_SEC_UNDEF, 0, 0, STT_FUNC, STB_GLOBAL));
	CK(po_writer_unsafe(w, s, PO_UNSAFE_DATA));
	return 0;
}

/* Everything of version 1: a new variable and a replaced function. */
static int build_v1_only(struct po_writer *w)
{
	struct po_var_info v;
	uint64_t off;
	int s_new, s_f;

	CK(po_writer_append(w, PO_SEC_DATA, data, 8, 8, &off));
	CK(s_new = po_writer_symbol(w, "fresh", PO_SEC_DATA, off, 8, STT_OBJECT, STB_GLOBAL));
	CK(s_f = po_writer_symbol(w, "walk", PO_SEC_UNDEF, 0, 0, STT_FUNC, STB_GLOBAL));
	CK(po_writer_unsafe(w, s_f, PO_UNSAFE_REPLACED));
	memset(&v, 0, sizeof(v));
	v.name = "fresh";
	v.cu = "f.c";
	v.new_sym = s_new;
	v.action = PO_VAR_NEW;
	v.new_size = 8;
	CK(po_writer_var(w, &v));
	return 0;
}

static void check_v2_versions(const char *dir)
{
	char path[4096];
	struct po *p = NULL;
	int err;

	snprintf(path, sizeof(path), "%s/v1.po", dir);
	err = write_po(path, build_v1_only, NULL);
	ok(!err && !po_open(path, &p) && po_info(p)->version == 1 && !po_nxtypes(p) &&
	   !po_nptrs(p) && !po_info(p)->alloc_sym, "v2: a PO without transforms is version 1");
	po_close(p);
	p = NULL;
	err = write_po(path, NULL, NULL);
	ok(!err && !po_open(path, &p) && po_info(p)->version == 1, "v2: an empty PO is version 1");
	po_close(p);
	p = NULL;
	err = write_po(path, build_unsafe_data, NULL);
	ok(!err && !po_open(path, &p) && po_info(p)->version == 2 &&
	   po_unsafe(p, 0)->flags == PO_UNSAFE_DATA, "v2: an unsafe 'data' flag alone makes version 2");
	po_close(p);
	unlink(path);
}

/* po_xform_translate and po_xform_check_all on tables built here. */
static void check_xform_tables(void)
{
	static const uint8_t end[] = { PO_XOP_END };
	static const uint8_t sub1[] = { PO_XOP_SUB, 0, 0, 1, PO_XOP_END };
	static const uint8_t sub0[] = { PO_XOP_SUB, 0, 0, 0, PO_XOP_END };
	static const uint8_t sub9[] = { PO_XOP_SUB, 0, 0, 9, PO_XOP_END };
	/* GNU C empty structs: an array of them has stride 0 */
	static const uint8_t arr0[] = { PO_XOP_ARRAY, 0, 0, 3, 0, 4, 0, PO_XOP_END };
	static const uint8_t copy_far[] = { PO_XOP_COPY, 4, 0, 8, PO_XOP_END };
	static const uint8_t ptr0[] = { PO_XOP_PTR, 0, 0, 0, PO_XOP_END };
	struct po_xtype t[NXT], c[2];
	char why[256];
	uint64_t o = 0;

	xt_table(t);
	ok(po_xform_check_all(t, NXT, why, sizeof(why)) == 0, "xform: the sample's table checks");
	ok(!po_xform_translate(t, NXT, XT_CONFIG, 0, 58, &o) && o == 18 &&
	   !po_xform_translate(t, NXT, XT_CONFIG, 0, 4, &o) && o == 0 &&
	   !po_xform_translate(t, NXT, XT_CONFIG, 0, 0, &o) && o == 8 &&
	   !po_xform_translate(t, NXT, XT_CONFIG, 0, 48, &o) && o == 24,
	   "xform: offsets in a copied member and at converted fields map over");
	ok(po_xform_translate(t, NXT, XT_CONFIG, 0, 5, &o) == -1 &&
	   po_xform_translate(t, NXT, XT_CONFIG, 0, 12, &o) == -1 &&
	   po_xform_translate(t, NXT, XT_CONFIG, 0, 64, &o) == -1 &&
	   po_xform_translate(t, NXT, XT_STATS, 0, 3, &o) == -1 &&
	   !po_xform_translate(t, NXT, XT_STATS, 0, 10, &o) && o == 2,
	   "xform: inside a converted field, padding, past the end, a dropped member: not carried");
	ok(!po_xform_translate(t, NXT, XT_CONFIG, 0, 21, &o) && o == 69 &&
	   !po_xform_translate(t, NXT, XT_CONFIG, 0, 44, &o) && o == 48 &&
	   !po_xform_translate(t, NXT, XT_CONFIG, 0, 32 + 8 + 1, &o) && o == 32 + 16 + 5 &&
	   !po_xform_translate(t, NXT, XT_BOX, 0, 6, &o) && o == 2,
	   "xform: SUB and ARRAY are followed into the embedded types");
	ok(!po_xform_translate(t, NXT, XT_CONFIG, 1, 48, &o) && o == 44 &&
	   !po_xform_translate(t, NXT, XT_CONFIG, 1, 16 + 3, &o) && o == 56 + 3 &&
	   po_xform_translate(t, NXT, XT_STATS, 1, 0, &o) == -1 &&
	   po_xform_translate(t, NXT, NXT, 0, 0, &o) == -1,
	   "xform: backward translation; none without a backward program or type");

	/* embedding nested deeper than an engine follows: a chain of n types,
	 * each embedding the next, nests n - 1 deep */
	for (int n = PO_XFORM_MAX_DEPTH + 1; n <= PO_XFORM_MAX_DEPTH + 2; n++) {
		static struct po_xtype d[PO_XFORM_MAX_DEPTH + 2];
		static uint8_t prog[PO_XFORM_MAX_DEPTH + 2][5];
		int r;

		for (int i = 0; i < n; i++) {
			const uint8_t sub[5] = { PO_XOP_SUB, 0, 0, (uint8_t)(i + 1), PO_XOP_END };
			const uint8_t cp[5] = { PO_XOP_COPY, 0, 0, 8, PO_XOP_END };

			memcpy(prog[i], i + 1 < n ? sub : cp, 5);
			d[i] = (struct po_xtype){ "deep", "", "", 0, 8, 8, prog[i], NULL, 5, 0 };
		}
		why[0] = 0;
		r = po_xform_check_all(d, (size_t)n, why, sizeof(why));
		if (n - 1 <= PO_XFORM_MAX_DEPTH)
			ok(r == 0, "xform: embedding %d deep accepted (%s)", n - 1, why);
		else
			ok(r == -1 && strstr(why, "deep (at most 64)"), "xform: embedding %d deep refused (%s)",
			   n - 1, why);
	}

	/* a pair of types embedding each other */
	c[0] = (struct po_xtype){ "a", "", "", 0, 8, 8, sub1, NULL, sizeof(sub1), 0 };
	c[1] = (struct po_xtype){ "b", "", "", 0, 8, 8, sub0, NULL, sizeof(sub0), 0 };
	why[0] = 0;
	ok(po_xform_check_all(c, 2, why, sizeof(why)) == -1 && strstr(why, "embeds itself") &&
	   po_xform_translate(c, 2, 0, 0, 0, &o) == -1, "xform: SUB cycle refused (%s)", why);
	c[1].fwd = sub9;
	why[0] = 0;
	ok(po_xform_check_all(c, 2, why, sizeof(why)) == -1 && strstr(why, "sub: type 9 of 2") &&
	   strstr(why, "type 1 (b): forward program"), "xform: type out of range (%s)", why);
	c[0] = (struct po_xtype){ "empty", "", "", 0, 0, 4, end, NULL, sizeof(end), 0 };
	c[1] = (struct po_xtype){ "empties", "", "", 0, 0, 12, arr0, NULL, sizeof(arr0), 0 };
	ok(po_xform_check_all(c, 2, why, sizeof(why)) == 0 &&
	   po_xform_translate(c, 2, 1, 0, 0, &o) == -1,
	   "xform: array of empty structs (stride 0): no division by zero");
	c[1].fwd = copy_far;
	c[1].fwd_len = sizeof(copy_far);
	c[1].old_size = 8;
	why[0] = 0;
	ok(po_xform_check(c, 2, 1, 0, why, sizeof(why)) == -1 && strstr(why, "outside the object"),
	   "xform: copy outside the object (%s)", why);
	c[1] = (struct po_xtype){ "x", "", "", PO_XT_INPLACE, 8, 16, ptr0, NULL, sizeof(ptr0), 0 };
	why[0] = 0;
	ok(po_xform_check(c, 2, 1, 0, why, sizeof(why)) == -1 && strstr(why, "in-place type with sizes"),
	   "xform: in-place type whose size changes (%s)", why);
	c[0].flags = PO_XT_HEAP;
	c[1] = (struct po_xtype){ "y", "", "", 0, 8, 8, ptr0, ptr0, sizeof(ptr0), sizeof(ptr0) };
	why[0] = 0;
	ok(po_xform_check(c, 2, 1, 0, why, sizeof(why)) == 0 &&
	   po_xform_check(c, 2, 1, 1, why, sizeof(why)) == -1 && strstr(why, "cannot be undone"),
	   "xform: backward ptr to a type that cannot be undone (%s)", why);
}

/* Where the v2 sample keeps its records, read with libelf. */
struct loc {
	size_t off, size;
};
static struct {
	struct loc hdr, str, vars, xtypes, xform, ptrs, symtab;
} L;
static uint8_t *img2;
static size_t img2_size;

static int locate(uint8_t *b, size_t n)
{
	const struct {
		const char *name;
		struct loc *l;
	} want[] = {
		{ ".katana", &L.hdr }, { ".katana.str", &L.str }, { ".katana.vars", &L.vars },
		{ ".katana.xtypes", &L.xtypes }, { ".katana.xform", &L.xform },
		{ ".katana.ptrs", &L.ptrs }, { ".symtab", &L.symtab },
	};
	size_t nwant = sizeof(want) / sizeof(want[0]), found = 0, shstrndx;
	Elf_Scn *scn = NULL;
	Elf *e;

	if (elf_version(EV_CURRENT) == EV_NONE || !(e = elf_memory((char *)b, n)))
		return -1;
	if (elf_getshdrstrndx(e, &shstrndx)) {
		elf_end(e);
		return -1;
	}
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		const char *name;

		if (!gelf_getshdr(scn, &sh) || !(name = elf_strptr(e, shstrndx, sh.sh_name)))
			continue;
		for (size_t i = 0; i < nwant; i++) {
			if (strcmp(name, want[i].name))
				continue;
			want[i].l->off = sh.sh_offset;
			want[i].l->size = sh.sh_size;
			found++;
		}
	}
	elf_end(e);
	return found == nwant ? 0 : -1;
}

#define HDR(b) ((struct po_disk_hdr *)((b) + L.hdr.off))
#define XT(b, i) ((struct po_disk_xtype *)((b) + L.xtypes.off) + (i))
#define VAR(b, i) ((struct po_disk_var *)((b) + L.vars.off) + (i))
#define XPTR(b, i) ((struct po_disk_ptr *)((b) + L.ptrs.off) + (i))
#define FWD(b, i) ((b) + L.xform.off + XT(b, i)->fwd_off)
#define BACK(b, i) ((b) + L.xform.off + XT(b, i)->back_off)

/* ... is the damage (a statement; commas allowed) */
#define CORRUPT2(what, want, needle, ...) do { \
	uint8_t *b = malloc(img2_size); \
	memcpy(b, img2, img2_size); \
	__VA_ARGS__; \
	expect_reject_msg(b, img2_size, want, needle, what); \
	free(b); \
} while (0)

static void check_v2_corruption(void)
{
	size_t nsyms = L.symtab.size / sizeof(Elf64_Sym), bad_trunc = 0, fine = 0;
	uint32_t cfg_new = 0;
	unsigned seed = 4242;
	struct po *p = NULL;

	if (po_open_mem(img2, img2_size, "v2.po", &p) == 0)
		cfg_new = po_var(p, V_CFG)->new_sym;
	po_close(p);

	CORRUPT2("xtype: forward program offset past .katana.xform", -PO_EFORMAT,
		 "outside '.katana.xform'", XT(b, XT_ITEM)->fwd_off = (uint32_t)L.xform.size);
	CORRUPT2("xtype: forward program length past .katana.xform", -PO_EFORMAT,
		 "outside '.katana.xform'",
		 XT(b, XT_STATS)->fwd_len = (uint32_t)L.xform.size - XT(b, XT_STATS)->fwd_off + 1);
	CORRUPT2("xtype: backward program offset overflows", -PO_EFORMAT,
		 "outside '.katana.xform'", XT(b, XT_PAIR)->back_off = 0xffffffff);
	CORRUPT2("xtype: empty forward program", -PO_EFORMAT, "outside '.katana.xform'",
		 XT(b, XT_BOX)->fwd_len = 0);
	CORRUPT2("xtype: program without end", -PO_EFORMAT,
		 "type 0 (struct item): forward program: +14: the program ends without an end operation",
		 XT(b, XT_ITEM)->fwd_len--);
	CORRUPT2("xtype: end before the program's last byte", -PO_EFORMAT,
		 "end before the program's last byte", XT(b, XT_HOLDER)->back_len++);
	CORRUPT2("xtype: unknown opcode", -PO_EFORMAT, "+0: unknown opcode 0x0f",
		 FWD(b, XT_CONFIG)[0] = 0x0f);
	CORRUPT2("xtype: operand truncated", -PO_EFORMAT, "+0: copy: operand 3 truncated",
		 { FWD(b, XT_STATS)[3] = 0x80; FWD(b, XT_STATS)[4] = 0x80; });
	CORRUPT2("xtype: sub names a type out of range", -PO_EFORMAT,
		 "type 4 (struct config): forward program: +42: sub: type 9 of 6",
		 FWD(b, XT_CONFIG)[CFG_SUB + 3] = 9);
	CORRUPT2("xtype: ptr names a type out of range", -PO_EFORMAT,
		 "backward program: +10: ptr: type 6 of 6", BACK(b, XT_ITEM)[ITEM_PTR + 3] = 6);
	CORRUPT2("xtype: array names a type out of range", -PO_EFORMAT, "array: type 127 of 6",
		 FWD(b, XT_CONFIG)[CFG_ARRAY + 6] = 127);
	/* pair now embeds box, which embeds pair: same sizes, so only the
	 * cycle is wrong */
	CORRUPT2("xtype: cycle of sub embeddings", -PO_EFORMAT, "embeds itself",
		 { static const uint8_t sub_box[] = { PO_XOP_SUB, 0, 0, XT_BOX, PO_XOP_END };
		   memcpy(FWD(b, XT_PAIR), sub_box, sizeof(sub_box));
		   XT(b, XT_PAIR)->fwd_len = sizeof(sub_box); });
	CORRUPT2("xtype: enum table truncated", -PO_EFORMAT,
		 "+6: enum: table of 4 pairs truncated",
		 XT(b, XT_CONFIG)->fwd_len = CFG_ENUM + 7 + 5);
	CORRUPT2("xtype: enum table longer than the program", -PO_EFORMAT,
		 "+6: enum: table of 100 pairs truncated", FWD(b, XT_CONFIG)[CFG_ENUM + 6] = 100);
	CORRUPT2("xtype: sub of a type that cannot be undone, backward", -PO_EFORMAT,
		 "type 3 (struct box): backward program: +0: sub: type 1 (struct pair) cannot be undone",
		 XT(b, XT_PAIR)->back_len = 0);
	CORRUPT2("xtype: ptr to a type not marked heap", -PO_EFORMAT, "is not marked heap",
		 XT(b, XT_ITEM)->flags = 0);
	CORRUPT2("xtype: in-place type with a copy", -PO_EFORMAT, "copy in an in-place type",
		 FWD(b, XT_HOLDER)[0] = PO_XOP_COPY);
	CORRUPT2("xtype: unknown flags", -PO_EFORMAT, "entry 1 (struct pair): unknown flags 0x4",
		 XT(b, XT_PAIR)->flags = 4);
	CORRUPT2("xtype: name offset outside the string table", -PO_EFORMAT,
		 "section '.katana.xtypes': entry 2: string offset",
		 XT(b, XT_HOLDER)->name = (uint32_t)L.str.size);
	CORRUPT2("xtype: back_why offset outside the string table", -PO_EFORMAT,
		 "string offset 4294967295 outside .katana.str", XT(b, XT_STATS)->back_why = ~0u);
	CORRUPT2("xtype: back_why with a backward program", -PO_EFORMAT,
		 "a backward program and a reason why there is none",
		 XT(b, XT_PAIR)->back_why = XT(b, XT_STATS)->back_why);
	CORRUPT2("var: transform with xtype 0", -PO_EFORMAT, "(cfg): transform: xtype 0 of 6",
		 VAR(b, V_CFG)->xtype = 0);
	CORRUPT2("var: transform with xtype out of range", -PO_EFORMAT,
		 "(stats): transform: xtype 7 of 6", VAR(b, V_STATS)->xtype = NXT + 1);
	CORRUPT2("var: fixup with a changed type", -PO_EFORMAT, "does not fit a fixup",
		 VAR(b, V_LIST)->xtype = 1 + XT_PAIR);
	CORRUPT2("var: transform with the wrong sizes", -PO_EFORMAT, "does not fit a transform",
		 VAR(b, V_CFG)->new_size = 64);
	CORRUPT2("var: fixup with new storage", -PO_EFORMAT, "fixup: old_sym",
		 VAR(b, V_LIST)->new_sym = cfg_new);
	CORRUPT2("ptr: var out of range", -PO_EFORMAT, "entry 0: var 3 is not a transformed variable",
		 XPTR(b, 0)->var = 3);
	CORRUPT2("ptr: var is a fixup", -PO_EFORMAT, "entry 1: var 1 is not a transformed variable",
		 XPTR(b, 1)->var = V_LIST);
	CORRUPT2("ptr: site_sym 0", -PO_EFORMAT, "'.katana.ptrs': entry 0: site_sym is 0",
		 XPTR(b, 0)->site_sym = 0);
	CORRUPT2("ptr: site_sym defined in the patch", -PO_EFORMAT, "must be an undefined symbol",
		 XPTR(b, 1)->site_sym = cfg_new);
	CORRUPT2("alloc_sym out of range", -PO_EFORMAT, "outside the symbol table",
		 HDR(b)->alloc_sym = (uint32_t)nsyms);
	CORRUPT2("alloc_sym defined in the patch", -PO_EFORMAT,
		 "must be an undefined symbol", HDR(b)->alloc_sym = cfg_new);
	CORRUPT2("free_sym without alloc_sym", -PO_EFORMAT, "both or neither",
		 HDR(b)->alloc_sym = 0);
	CORRUPT2("heap type without an allocator", -PO_EFORMAT, "names no allocator",
		 { HDR(b)->alloc_sym = 0; HDR(b)->free_sym = 0; });
	CORRUPT2("version 3", -PO_EVERSION, "format version 3", HDR(b)->version = 3);
	CORRUPT2("version 1 with transforms", -PO_EFORMAT,
		 "format version 1 with data transforms", HDR(b)->version = 1);

	for (size_t n = 0; n < img2_size; n++) {
		nerrors = 0;
		p = NULL;
		if (po_open_mem(img2, n, "bad.po", &p) >= 0 || nerrors != 1)
			bad_trunc++;
		po_close(p);
	}
	ok(bad_trunc == 0, "v2: every truncation rejected with one message (%zu not)", bad_trunc);
	/* random damage to the transform sections: no crash, one message */
	for (int i = 0; i < 3000; i++) {
		uint8_t *b = malloc(img2_size);
		const struct loc *l = i % 2 ? &L.xform : &L.xtypes;

		memcpy(b, img2, img2_size);
		seed = seed * 1103515245 + 12345;
		b[l->off + (seed >> 8) % l->size] ^= (uint8_t)(1u << ((seed >> 4) & 7));
		nerrors = 0;
		p = NULL;
		if (po_open_mem(b, img2_size, "bad.po", &p) < 0 ? nerrors == 1 : nerrors == 0)
			fine++;
		po_close(p);
		free(b);
	}
	ok(fine == 3000, "v2: 3000 bit flips in .katana.xtypes and .katana.xform: no crash, "
	   "one message per failure");
}

static void check_v2(const char *dir)
{
	char path[4096];
	uint64_t size = 0;
	struct po *p = NULL;
	FILE *f;
	int err;

	snprintf(path, sizeof(path), "%s/xform.po", dir);
	err = write_po(path, build_v2, &size);
	ok(err == 0 && size > 0, "v2: write a PO with transforms (%d, %llu bytes)", err,
	   (unsigned long long)size);
	err = po_open(path, &p);
	ok(err == 0 && p, "v2: open it back (%s)", err ? last_msg : "ok");
	if (p)
		check_v2_roundtrip(p);
	else
		for (int i = 0; i < 15; i++)
			skip("v2: no PO");
	po_close(p);
	check_v2_versions(dir);
	check_xform_tables();

	f = fopen(path, "rb");
	img2 = malloc(size ? size : 1);
	if (f && img2 && fread(img2, 1, size, f) == size && !locate(img2, size)) {
		img2_size = size;
		check_v2_corruption();
	} else {
		ok(0, "v2: read back and locate the sections of '%s'", path);
	}
	if (f)
		fclose(f);
	free(img2);
	unlink(path);
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/po_roundtrip.XXXXXX";
	char path[4096];
	struct sample smp;
	uint64_t size = 0;
	struct po *p = NULL;
	FILE *f;
	int err;

	if (argc == 3 && !strcmp(argv[1], "--write")) {
		err = write_sample(argv[2], &smp, &size);
		return err ? 1 : 0;
	}
	if (argc == 3 && !strcmp(argv[1], "--write-v2"))
		return write_po(argv[2], build_v2, NULL) ? 1 : 0;
	if (argc != 1) {
		fprintf(stderr, "usage: po_roundtrip [--write FILE | --write-v2 FILE]\n");
		return 2;
	}
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	tap_plan(154);
	po_set_print(capture);
	snprintf(path, sizeof(path), "%s/fix.po", dir);
	err = write_sample(path, &smp, &size);
	ok(err == 0 && size > 0, "write sample PO (%d, %llu bytes)", err, (unsigned long long)size);
	err = po_open(path, &p);
	ok(err == 0 && p, "open it back (%s)", err ? last_msg : "ok");
	if (p)
		check_roundtrip(p, &smp, size);
	po_close(p);

	f = fopen(path, "rb");
	img = malloc(size);
	if (f && img && fread(img, 1, size, f) == size) {
		img_size = size;
		p = NULL;
		ok(po_open_mem(img, img_size, "mem.po", &p) == 0, "open from memory");
		po_close(p);
		check_corruption();
	}
	if (f)
		fclose(f);
	free(img);
	unlink(path);

	nerrors = 0;
	p = NULL;
	snprintf(path, sizeof(path), "%s/missing.po", dir);
	ok(po_open(path, &p) == -ENOENT && !p && nerrors == 1 &&
	   strstr(last_msg, "missing.po"), "missing file: -ENOENT, named in the message");
	check_misc();
	check_writer_errors(dir);
	check_v2(dir);
	rmdir(dir);
	return tap_done();
}
