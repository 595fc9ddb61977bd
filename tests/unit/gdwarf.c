/* gdwarf.c - unit test of gen/dwarf_read.c and gen/dwarf_write.c (TAP).
 * Compiles small C files with gcc into a scratch directory, reads them with
 * gd_*, writes a PO with gd_out_* and checks it with readelf, objdump and
 * dwarfdump. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gdwarf.h"
#include "gen.h"
#include "po.h"
#include "tap.h"

static char dir[1024];

static void quiet(enum gen_level l, const char *fmt, va_list ap)
{
	if (l > GEN_WARN)
		return;
	printf("# msg: ");
	vprintf(fmt, ap);
	printf("\n");
}

static int sh(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static void put(const char *name, const char *text)
{
	char p[8192];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	if (!f) {
		perror(p);
		exit(2);
	}
	fputs(text, f);
	fclose(f);
}

/* compile dir/src.c with flags into dir/out.o; returns path (static) */
static const char *cc(const char *src, const char *out, const char *flags)
{
	static char p[8][4096];
	static int k;
	char *r = p[k++ % 8];

	snprintf(r, 4096, "%s/%s.o", dir, out);
	if (sh("cd '%s' && gcc -g %s -c %s.c -o '%s'", dir, flags, src, r)) {
		printf("Bail out! cannot compile %s.c %s\n", src, flags);
		exit(1);
	}
	return r;
}

static char *varsig(const char *obj, const char *name, const char *func,
		    char **tn)
{
	struct gd_obj *g;
	char *s = NULL, *t = NULL;

	if (gd_open(obj, &g))
		return NULL;
	if (gd_var_type(g, name, func, &s, &t))
		s = NULL;
	gd_close(g);
	if (tn)
		*tn = t;
	else
		free(t);
	return s;
}

static const char *base_c =
	"struct cfg { int a; int b; char name[8]; unsigned f : 3; unsigned g : 2; };\n"
	"typedef struct cfg cfg_t;\n"
	"struct cfg conf = { .a = 1, .f = 1 };\n"
	"int f1(int x)\n"
	"{\n"
	"\tconf.a += x;\n"
	"\treturn conf.a * 3;\n"
	"}\n"
	"\n"
	"int f2(int y)\n"
	"{\n"
	"\tstatic int hits;\n"
	"\thits++;\n"
	"\tif (y > 3)\n"
	"\t\treturn y + hits;\n"
	"\treturn conf.b - y;\n"
	"}\n";

/* a variant of base_c with the struct body replaced */
static void variant(const char *name, const char *body)
{
	char buf[4096];

	snprintf(buf, sizeof(buf), "struct cfg { %s };\n%s", body,
		 strchr(base_c, '\n') + 1);
	put(name, buf);
}

struct fsec {
	unsigned shndx;
	uint64_t value, size;
};

/* section index, value and size of function symbol name in obj */
static int func_sym(const char *obj, const char *name, struct fsec *fs)
{
	int fd = open(obj, O_RDONLY), found = 0;
	Elf *e;
	Elf_Scn *scn = NULL;

	if (fd < 0)
		return 0;
	elf_version(EV_CURRENT);
	e = elf_begin(fd, ELF_C_READ, NULL);
	while (e && (scn = elf_nextscn(e, scn))) {
		GElf_Shdr shdr;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_SYMTAB)
			continue;
		d = elf_getdata(scn, NULL);
		for (size_t i = 0; d && i < shdr.sh_size / shdr.sh_entsize; i++) {
			GElf_Sym s;
			const char *n;

			gelf_getsym(d, (int)i, &s);
			n = elf_strptr(e, shdr.sh_link, s.st_name);
			if (n && !strcmp(n, name) && GELF_ST_TYPE(s.st_info) == STT_FUNC) {
				fs->shndx = s.st_shndx;
				fs->value = s.st_value;
				fs->size = s.st_size;
				found = 1;
			}
		}
	}
	if (e)
		elf_end(e);
	close(fd);
	return found;
}

static void test_read(void)
{
	static const char *const opts[] = {
		"-O0", "-O2", "-O0 -ffunction-sections", "-O2 -ffunction-sections",
		"-O2 -gdwarf-4 -ffunction-sections",
	};
	char *s0, *tn = NULL;

	put("base.c", base_c);
	put("same.c", "struct cfg { int a; int b; char name[8]; unsigned f : 3; unsigned g : 2; };\n"
		      "typedef struct cfg cfg_t;\ncfg_t conf;\n");
	variant("ins.c", "int a; int new_member; int b; char name[8]; unsigned f : 3; unsigned g : 2;");
	variant("wide.c", "int a; long b; char name[8]; unsigned f : 3; unsigned g : 2;");
	variant("reord.c", "int b; int a; char name[8]; unsigned f : 3; unsigned g : 2;");
	variant("bound.c", "int a; int b; char name[16]; unsigned f : 3; unsigned g : 2;");
	variant("bits.c", "int a; int b; char name[8]; unsigned f : 4; unsigned g : 2;");
	put("nodw.c", "int nodwarf(int x) { return x + 1; }\n");

	/* no DWARF */
	{
		struct gd_obj *g;
		char p[4200];

		snprintf(p, sizeof(p), "%s/nodw.o", dir);
		sh("cd '%s' && gcc -g0 -c nodw.c -o nodw.o", dir);
		ok(gd_open(p, &g) == 0 && !gd_has_dwarf(g), "object without DWARF opens, gd_has_dwarf 0");
		gd_close(g);
	}

	for (size_t oi = 0; oi < sizeof(opts) / sizeof(opts[0]); oi++) {
		const char *o = opts[oi];
		const char *base = cc("base", "base", o);
		struct gd_obj *g = NULL;
		unsigned line = 0;
		const char *file = NULL;
		int r;

		ok(gd_open(base, &g) == 0 && gd_has_dwarf(g), "[%s] gd_open", o);
		if (!g)
			continue;
		ok(gd_ncus(g) == 1 && !strcmp(gd_cu_name(g, 0), "base.c") &&
		   gd_cu_comp_dir(g, 0) && !strcmp(gd_cu_comp_dir(g, 0), dir),
		   "[%s] one CU 'base.c' in the scratch dir", o);
		r = gd_func_decl(g, "f1", &line, &file);
		ok(r == 0 && line == 4 && file &&
		   strstr(file, "base.c") && file[0] == '/', "[%s] f1 declared at base.c:4 (%s:%u)",
		   o, file ? file : "-", line);
		r = gd_func_decl(g, "f2.isra.0", &line, &file);
		ok(r == 0 && line == 10,
		   "[%s] clone f2.isra.0 looked up as f2 (line %u)", o, line);
		ok(gd_func_decl(g, "nosuch", &line, &file) == -ENOENT, "[%s] unknown function -ENOENT", o);
		{
			char *s = NULL, *t = NULL;

			r = gd_var_type(g, "hits", "f2", &s, &t);
			ok(r == 0 && s && !strcmp(s, "int4") &&
			   !strcmp(t, "int"), "[%s] static local hits in f2: %s", o, s ? s : "-");
			free(s);
			free(t);
			ok(gd_var_type(g, "hits", NULL, &s, &t) == -ENOENT,
			   "[%s] static local not found at file scope", o);
		}

		/* line tables */
		{
			struct fsec a, b;
			struct gd_row *rows = NULL;
			size_t n = 0;
			int good;

			ok(func_sym(base, "f1", &a) && func_sym(base, "f2", &b),
			   "[%s] symbols f1 and f2", o);
			good = gd_lines(g, a.shndx, a.value, a.size, &rows, &n) == 0 && n > 0;
			for (size_t i = 0; good && i < n; i++)
				if (rows[i].line < 4 || rows[i].line > 8 || rows[i].addr >= a.size ||
				    !strstr(rows[i].file, "base.c") || (i && rows[i].addr < rows[i - 1].addr))
					good = 0;
			ok(good, "[%s] f1: %zu rows, all in lines 4-8", o, n);
			free(rows);
			good = gd_lines(g, b.shndx, b.value, b.size, &rows, &n) == 0 && n > 0;
			for (size_t i = 0; good && i < n; i++)
				if (rows[i].line < 10 || rows[i].line > 17 || rows[i].addr >= b.size)
					good = 0;
			ok(good, "[%s] f2: %zu rows, all in lines 10-17", o, n);
			free(rows);
		}
		gd_close(g);
	}

	/* signatures */
	{
		const char *o = "-O2";
		char *same, *ins, *wide, *reord, *bound, *bits, *d;

		s0 = varsig(cc("base", "b2", o), "conf", NULL, &tn);
		same = varsig(cc("same", "same", o), "conf", NULL, NULL);
		ins = varsig(cc("ins", "ins", o), "conf", NULL, NULL);
		wide = varsig(cc("wide", "wide", o), "conf", NULL, NULL);
		reord = varsig(cc("reord", "reord", o), "conf", NULL, NULL);
		bound = varsig(cc("bound", "bound", o), "conf", NULL, NULL);
		bits = varsig(cc("bits", "bits", o), "conf", NULL, NULL);
		diag("base sig: %s", s0 ? s0 : "-");
		ok(s0 && tn && !strcmp(tn, "struct cfg"), "type name 'struct cfg' (%s)", tn ? tn : "-");
		ok(s0 && same && !strcmp(s0, same), "typedef of the same struct: equal signature");
		ok(s0 && ins && strcmp(s0, ins), "member inserted: different");
		ok(s0 && wide && strcmp(s0, wide), "int -> long: different");
		ok(s0 && reord && strcmp(s0, reord), "members reordered: different");
		ok(s0 && bound && strcmp(s0, bound), "array bound changed: different");
		ok(s0 && bits && strcmp(s0, bits), "bit-field width changed: different");
		d = gd_sig_diff(s0, ins);
		diag("diff ins: %s", d ? d : "-");
		ok(d && strstr(d, "'new_member' added") && strstr(d, "'b' offset"), "diff names inserted member");
		free(d);
		d = gd_sig_diff(s0, wide);
		diag("diff wide: %s", d ? d : "-");
		ok(d && strstr(d, "member 'b' type int4 -> int8"), "diff names widened member");
		free(d);
		d = gd_sig_diff(s0, reord);
		diag("diff reord: %s", d ? d : "-");
		ok(d && strstr(d, "'a' offset 0 -> 4"), "diff names reordered member");
		free(d);
		d = gd_sig_diff(s0, bound);
		diag("diff bound: %s", d ? d : "-");
		ok(d && strstr(d, "member 'name' array bound [8] -> [16]"), "diff names array bound");
		free(d);
		d = gd_sig_diff(s0, bits);
		diag("diff bits: %s", d ? d : "-");
		ok(d && strstr(d, "member 'f' bit-field width 3 -> 4"), "diff names bit-field width");
		free(d);
		d = gd_sig_diff(s0, s0);
		ok(d && !strcmp(d, "no difference"), "diff of equal signatures");
		free(d);
		free(s0);
		free(tn);
		free(same);
		free(ins);
		free(wide);
		free(reord);
		free(bound);
		free(bits);
	}

	/* C spellings */
	{
		put("spell.c",
		    "typedef struct node node_t;\n"
		    "struct node { node_t *next; int (*fp)(int, char *); const char *s; };\n"
		    "const char *cs; char *const cp = 0; int arr[4]; node_t *np;\n"
		    "int (*fptr)(int); const volatile int cva[2][3];\n"
		    "enum col { RED, GREEN = 5 } col;\n");
		const char *so = cc("spell", "spell", "-O0");
		static const char *const want[][3] = {
			{ "cs", "const char *", "ptr8\"const char\"" },
			{ "cp", "char *const", "const:ptr8\"char\"" },
			{ "arr", "int[4]", "[4]int4" },
			{ "np", "node_t *", "ptr8\"struct node\"" },
			{ "fptr", "int (*)(int)", "ptr8\"int (int)\"" },
			{ "cva", "volatile const int[2][3]", "[2][3]volatile:const:int4" },
			{ "col", "enum col", "enum4{RED=0,GREEN=5}" },
		};

		for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
			char *t = NULL, *s = varsig(so, want[i][0], NULL, &t);

			ok(s && t && !strcmp(t, want[i][1]) && !strcmp(s, want[i][2]),
			   "%s: '%s' %s", want[i][0], t ? t : "-", s ? s : "-");
			free(s);
			free(t);
		}
	}
}

/* ------------------------------------------------------------ writing */

static int run_clean(const char *what, const char *cmd, const char *po)
{
	char out[4200];
	FILE *f;
	char line[4096];
	int bad = 0, st;

	snprintf(out, sizeof(out), "%s/%s.out", dir, what);
	st = sh("%s '%s' >'%s' 2>&1", cmd, po, out);
	f = fopen(out, "r");
	while (f && fgets(line, sizeof(line), f)) {
		if (strcasestr(line, "warning") || strcasestr(line, "error") ||
		    strstr(line, "DW_DLE") || strstr(line, "DWARF CHECK")) {
			if (bad++ < 5)
				printf("# %s: %s", what, line);
		}
	}
	if (f)
		fclose(f);
	return st == 0 && !bad && f;
}

static void test_write(void)
{
	const char *o = "-O2 -ffunction-sections";
	const char *base = cc("base", "w", o);
	struct gd_obj *g = NULL;
	struct po_writer *w = NULL;
	struct gd_out *go = NULL;
	struct po_target_info ti = { .name = "server", .kind = PO_TARGET_EXEC, .machine = 62 };
	struct fsec a;
	struct gd_row *rows = NULL;
	size_t n = 0;
	const char *file = NULL;
	unsigned line = 0;
	unsigned char code[64];
	uint64_t off = 0, dataoff = 0, size = 0;
	int fnew, fold, vnew, vold, r;
	char po[4200], *s = NULL, *t = NULL;
	struct po *p = NULL;

	snprintf(po, sizeof(po), "%s/patch.po", dir);
	memset(code, 0x90, sizeof(code));
	ok(gd_open(base, &g) == 0 && func_sym(base, "f2", &a) &&
	   gd_lines(g, a.shndx, a.value, a.size, &rows, &n) == 0 && n &&
	   gd_func_decl(g, "f2", &line, &file) == 0 &&
	   gd_var_type(g, "conf", NULL, &s, &t) == 0, "inputs for gd_out");
	ok(po_writer_new(&w, &ti) == 0, "po_writer_new");
	r = po_writer_append(w, PO_SEC_TEXT, code, a.size < sizeof(code) ? a.size : sizeof(code),
			     16, &off);
	fnew = po_writer_symbol(w, "f2", PO_SEC_TEXT, off, a.size, STT_FUNC, STB_GLOBAL);
	fold = po_writer_symbol(w, "f2", PO_SEC_UNDEF, 0x401000, 40, STT_FUNC, STB_GLOBAL);
	r |= po_writer_append(w, PO_SEC_DATA, code, 28, 8, &dataoff);
	vnew = po_writer_symbol(w, "conf", PO_SEC_DATA, dataoff, 28, STT_OBJECT, STB_GLOBAL);
	vold = po_writer_symbol(w, "conf", PO_SEC_UNDEF, 0x404000, 24, STT_OBJECT, STB_GLOBAL);
	ok(!r && fnew > 0 && fold > 0 && vnew > 0 && vold > 0, "symbols");
	if (fold > 0)
		po_writer_symref(w, fold, PO_SYM_FUNC, NULL, NULL, 0x401000, 40);
	if (vold > 0)
		po_writer_symref(w, vold, PO_SYM_OBJECT, NULL, NULL, 0x404000, 24);
	ok(gd_out_new(&go, "katana patch") == 0, "gd_out_new");
	ok(gd_out_func(go, "f2", "base.c", fnew, a.size, fold, 40, file, line, rows, n,
		       "changed: body differs") == 0, "gd_out_func (replaced)");
	ok(gd_out_var(go, "conf", "base.c", vnew, 28, vold, 24, t, "new storage", NULL, NULL) == 0,
	   "gd_out_var");
	ok(gd_out_finish(go, w) == 0, "gd_out_finish");
	ok(po_writer_write(w, po, &size) == 0 && size > 0, "po_writer_write (%llu bytes)",
	   (unsigned long long)size);
	ok(po_open(po, &p) == 0, "po_open accepts the PO with DWARF");
	po_close(p);
	ok(run_clean("readelf", "readelf -a -W --debug-dump=info,line,abbrev ", po),
	   "readelf -a -W --debug-dump=info,line: no warnings");
	ok(run_clean("objdump", "objdump -dr -W ", po), "objdump -dr -W: no warnings");
	ok(run_clean("dwarfdump", "dwarfdump -a -i -l ", po), "dwarfdump -a -i -l: no warnings");
	ok(run_clean("dwarfdump-k", "dwarfdump -ka ", po), "dwarfdump -ka: no errors");
	ok(sh("readelf -W --debug-dump=decodedline '%s' | grep -q 'base.c'", po) == 0,
	   "line table maps the new code to base.c");
	ok(sh("readelf -rW '%s' | sed -n '/rela.debug_line/,/^$/p' | grep -q 'R_X86_64_64 .* f2 + 0'", po) == 0 &&
	   sh("readelf -rW '%s' | sed -n '/rela.debug_line/,/^$/p' | grep -q R_X86_64_32", po) != 0,
	   "DW_LNE_set_address relocated with R_X86_64_64 against the new function");
	ok(sh("readelf -rW '%s' | sed -n '/rela.debug_info/,/^$/p' | grep -c 'R_X86_64_64' | grep -qx 4", po) == 0 &&
	   sh("readelf -rW '%s' | sed -n '/rela.debug_info/,/^$/p' | grep -q 'R_X86_64_32 .*debug_abbrev'", po) == 0,
	   ".debug_info: 4 address relocations, abbrev offset against .debug_abbrev");
	ok(sh("readelf -W --debug-dump=info '%s' | grep -q DW_AT_trampoline", po) == 0,
	   "DW_AT_trampoline present");
	/* read our own output back */
	{
		struct gd_obj *pg = NULL;
		unsigned l2 = 0;
		const char *f2 = NULL;

		r = gd_open(po, &pg);
		if (!r)
			r = gd_func_decl(pg, "f2", &l2, &f2);
		ok(r == 0 && gd_has_dwarf(pg) && gd_ncus(pg) == 1 &&
		   !strcmp(gd_cu_name(pg, 0), "katana patch") && l2 == line,
		   "gd_open reads the PO's DWARF back (f2 at line %u)", l2);
		gd_close(pg);
	}
	free(rows);
	free(s);
	free(t);
	gd_out_free(go);
	po_writer_free(w);
	gd_close(g);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	int rc;

	snprintf(dir, sizeof(dir), "%s/katana-gdwarf.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	gen_set_print(quiet);
	test_read();
	test_write();
	rc = tap_done();
	if (!tap_nfail && !getenv("KATANA_KEEP"))
		sh("rm -rf '%s'", dir);
	else
		diag("scratch dir kept: %s", dir);
	return rc;
}
