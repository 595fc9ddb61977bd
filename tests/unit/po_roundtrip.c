/* po_roundtrip.c - write a Patch Object with every kind of record, read it
 * back field by field, then check that corrupt copies are rejected with one
 * message and no crash.  TAP output.
 *
 *   po_roundtrip             run the tests
 *   po_roundtrip --write F   only write the sample PO to F (for t1010)
 */
#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "po.h"
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
 * and exactly one message. */
static void expect_reject(uint8_t *b, size_t size, int want, const char *what)
{
	struct po *p = NULL;
	int err;

	nerrors = 0;
	last_msg[0] = 0;
	err = po_open_mem(b, size, "bad.po", &p);
	ok(err < 0 && (!want || err == want) && !p && nerrors == 1 &&
	   !strncmp(last_msg, "po: 'bad.po': ", 14),
	   "%s: rejected (%d: %s)", what, err, last_msg);
	po_close(p);
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
	if (argc != 1) {
		fprintf(stderr, "usage: po_roundtrip [--write FILE]\n");
		return 2;
	}
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	tap_plan(83);
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
	rmdir(dir);
	return tap_done();
}
