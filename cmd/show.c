/* show.c - `katana show [--json] FILE.po`: print what a Patch Object holds.
 *
 * Only presentation lives here; reading and validating is po_open's job.
 * The file is untrusted: text output replaces control characters, JSON
 * output escapes them and replaces invalid UTF-8. */
#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <libiberty/demangle.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "po.h"
#include "po_xop.h"

static const char show_usage[] =
"usage: katana show [--json] FILE.po\n"
"       katana -l [--json] FILE.po\n";

/* ------------------------------------------------------------ errors */
/* po_open reports through the callback; keep its first error so that the
 * user sees exactly one line, in katana's own words. */
static char first_error[1024];

static void keep_first_error(enum po_level level, const char *fmt, va_list ap)
{
	if (level != PO_ERROR || first_error[0])
		return;
	vsnprintf(first_error, sizeof(first_error), fmt, ap);
	for (char *c = first_error; *c; c++)
		if (*c == '\n')
			*c = ' ';
}

static void report_open_error(const char *path, int err)
{
	const char *what = first_error;
	const char *hint = "";

	if (!strncmp(what, "po: ", 4))
		what += 4;
	if (err == -PO_EFORMAT)
		hint = "; regenerate it with 'katana gen'";
	else if (err == -ENOENT)
		hint = "; check the file name";
	if (*what)
		fprintf(stderr, "katana: %s%s\n", what, hint);
	else
		fprintf(stderr, "katana: '%s': %s%s\n", path, po_strerror(err), hint);
}

static void show_xtypes_text(const struct po *p);
static void json_str(const char *s);

/* ------------------------------------------------------------ helpers */
static char *demangle(const char *name)
{
	char *d = cplus_demangle(name, DMGL_PARAMS | DMGL_ANSI);

	return d ? d : strdup(name);
}

static const char *sym_kind(const struct po_symbol *s)
{
	uint32_t f = s->ref ? s->ref->flags : 0;

	if (f & PO_SYM_TLS || (!f && s->stt == STT_TLS))
		return "tls";
	if (f & PO_SYM_FUNC || (!(f & PO_SYM_OBJECT) && s->stt == STT_FUNC))
		return "func";
	if (f & PO_SYM_OBJECT || s->stt == STT_OBJECT)
		return "object";
	return "other";
}

/* The CU of an unsafe function: a static names its own; a global one is
 * known when the patch replaces it. */
static const char *unsafe_cu(const struct po *p, const struct po_unsafe *u)
{
	const struct po_symbol *s = po_symbol(p, u->sym);

	if (s->ref_cu)
		return s->ref_cu;
	for (size_t i = 0; i < po_nfuncs(p); i++)
		if (po_func(p, i)->old_sym == u->sym)
			return po_func(p, i)->cu;
	return NULL;
}

static int sym_weak(const struct po_symbol *s)
{
	return s->stb == STB_WEAK || (s->ref && (s->ref->flags & PO_SYM_WEAK));
}

static size_t count_relocs(const struct po *p)
{
	size_t n = 0;

	for (size_t id = 1; id < po_nsections(p); id++) {
		const struct po_section *s = po_section(p, (int)id);

		n += s ? s->nrelocs : 0;
	}
	return n;
}

/* ------------------------------------------------------------ text */
/* A table printed with columns as wide as their widest cell. */
struct table {
	size_t ncols, nrows, cap;
	const char *const *head;
	const char *right;	/* per column: 'r' right-aligned */
	char **cells;		/* nrows * ncols */
};

static void row(struct table *t, ...)
{
	va_list ap;

	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		char **c = realloc(t->cells, cap * t->ncols * sizeof(*c));

		if (!c) {
			fputs("katana: out of memory\n", stderr);
			exit(KATANA_EXIT_ERROR);
		}
		t->cells = c;
		t->cap = cap;
	}
	va_start(ap, t);
	for (size_t i = 0; i < t->ncols; i++) {
		char *s = strdup(va_arg(ap, const char *));

		if (!s) {
			fputs("katana: out of memory\n", stderr);
			exit(KATANA_EXIT_ERROR);
		}
		/* a crafted name must not drive the terminal */
		for (char *c = s; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				*c = '?';
		t->cells[t->nrows * t->ncols + i] = s;
	}
	va_end(ap);
	t->nrows++;
}

static void print_table(struct table *t)
{
	size_t w[16] = { 0 };

	for (size_t c = 0; c < t->ncols; c++) {
		w[c] = strlen(t->head[c]);
		for (size_t r = 0; r < t->nrows; r++) {
			size_t l = strlen(t->cells[r * t->ncols + c]);

			if (l > w[c])
				w[c] = l;
		}
	}
	for (size_t r = 0; r <= t->nrows; r++) {
		char *line = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&line, &len);

		if (!m) {
			fputs("katana: out of memory\n", stderr);
			exit(KATANA_EXIT_ERROR);
		}
		for (size_t c = 0; c < t->ncols; c++) {
			const char *s = r ? t->cells[(r - 1) * t->ncols + c] : t->head[c];

			if (t->right[c] == 'r')
				fprintf(m, "  %*s", (int)w[c], s);
			else
				fprintf(m, "  %-*s", (int)w[c], s);
		}
		if (fclose(m)) {
			fputs("katana: out of memory\n", stderr);
			exit(KATANA_EXIT_ERROR);
		}
		/* an empty last column leaves spaces nobody wants to diff */
		while (len && line[len - 1] == ' ')
			len--;
		printf("%.*s\n", (int)len, line);
		free(line);
	}
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
}

static void clean_puts(const char *s)
{
	for (; *s; s++)
		putchar((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
}

static void human_size(char *buf, size_t n, uint64_t size)
{
	if (size < 1024)
		snprintf(buf, n, "%" PRIu64 " bytes", size);
	else if (size < 1024 * 1024)
		snprintf(buf, n, "%.1f KiB", size / 1024.0);
	else
		snprintf(buf, n, "%.1f MiB", size / (1024.0 * 1024.0));
}

static void show_text(const struct po *p, const char *path)
{
	const struct po_info *in = po_info(p);
	size_t nchanged = 0, nnew = 0, nundef = 0;
	char sz[32], a[32], b[32], c[32];

	human_size(sz, sizeof(sz), in->file_size);
	fputs("patch object ", stdout);
	clean_puts(path);
	printf(" (%s), format %u, generated by ", sz, in->version);
	clean_puts(*in->generator ? in->generator : "(unknown)");
	fputs("\ntarget:   ", stdout);
	clean_puts(in->target_name);
	printf(" (%s), build-id ", po_target_kind_name(in->target_kind));
	for (size_t i = 0; i < in->build_id_len; i++)
		printf("%02x", in->build_id[i]);
	if (!in->build_id_len)
		fputs("none", stdout);
	putchar('\n');

	for (size_t i = 0; i < po_nfuncs(p); i++) {
		nchanged += !!(po_func(p, i)->flags & PO_FUNC_CHANGED);
		nnew += !!(po_func(p, i)->flags & PO_FUNC_NEW);
	}
	printf("functions (%zu changed, %zu new)%s\n", nchanged, nnew, po_nfuncs(p) ? ":" : "");
	if (po_nfuncs(p)) {
		static const char *const head[] = { "ACTION", "FUNCTION", "CU", "OLD SIZE",
			"NEW SIZE", "OLD CHECKSUM", "NOTES" };
		struct table t = { .ncols = 7, .head = head, .right = "lllrrll" };

		for (size_t i = 0; i < po_nfuncs(p); i++) {
			const struct po_func *f = po_func(p, i);
			char *dn = demangle(f->name), notes[64];
			int changed = f->flags & PO_FUNC_CHANGED;

			snprintf(notes, sizeof(notes), "%s%s%s",
				 f->flags & PO_FUNC_LOCAL ? "static " : "",
				 f->flags & PO_FUNC_FRAGMENT ? "fragment " : "",
				 f->flags & PO_FUNC_CLONE ? "clone " : "");
			if (*notes)
				notes[strlen(notes) - 1] = 0;
			snprintf(a, sizeof(a), "%" PRIu64, f->old_size);
			snprintf(b, sizeof(b), "%" PRIu64, f->new_size);
			snprintf(c, sizeof(c), "0x%016" PRIx64, f->old_csum);
			row(&t, changed ? "changed" : "new", dn, f->cu, changed ? a : "-", b,
			    changed ? c : "-", notes);
			free(dn);
		}
		print_table(&t);
	}

	printf("variables (%zu)%s\n", po_nvars(p), po_nvars(p) ? ":" : "");
	if (po_nvars(p)) {
		static const char *const head[] = { "ACTION", "VARIABLE", "CU", "TYPE", "OLD",
			"NEW", "NOTES" };
		struct table t = { .ncols = 7, .head = head, .right = "llllrrl" };

		for (size_t i = 0; i < po_nvars(p); i++) {
			const struct po_var *v = po_var(p, i);
			char *dn = demangle(v->name), notes[64];

			snprintf(notes, sizeof(notes), "%s%s%s%s",
				 v->flags & PO_VAR_LOCAL ? "static " : "",
				 v->flags & PO_VAR_STATIC_LOCAL ? "static-local " : "",
				 v->flags & PO_VAR_TLS ? "tls " : "",
				 v->flags & PO_VAR_CONST ? "const " : "");
			if (*notes)
				notes[strlen(notes) - 1] = 0;
			snprintf(a, sizeof(a), "%" PRIu64, v->old_size);
			snprintf(b, sizeof(b), "%" PRIu64, v->new_size);
			if (v->xtype)
				snprintf(notes + strlen(notes), sizeof(notes) - strlen(notes), "%stype %u",
					 *notes ? " " : "", v->xtype - 1);
			row(&t, po_var_action_name(v->action), dn, v->cu, *v->type ? v->type : "?",
			    v->old_sym ? a : "-",
			    v->new_sym || v->action == PO_VAR_FIXUP ? b : "-", notes);
			free(dn);
		}
		print_table(&t);
	}

	show_xtypes_text(p);

	printf("unsafe functions (%zu)%s", po_nunsafe(p), po_nunsafe(p) ? ": " : "\n");
	for (size_t i = 0; i < po_nunsafe(p); i++) {
		const struct po_unsafe *u = po_unsafe(p, i);
		const struct po_symbol *s = po_symbol(p, u->sym);
		const char *cu = unsafe_cu(p, u);
		char *dn = demangle(s->name);

		clean_puts(dn);
		{
			const char *notes[4] = { cu, u->flags & PO_UNSAFE_REPLACED ? "replaced" : NULL,
						 u->flags & PO_UNSAFE_DATA ? "holds transformed data" : NULL,
						 u->flags & PO_UNSAFE_ALLOC ? "allocator" : NULL };
			int n = 0;

			for (int k = 0; k < 4; k++) {
				if (!notes[k])
					continue;
				fputs(n++ ? ", " : " (", stdout);
				clean_puts(notes[k]);
			}
			if (n)
				putchar(')');
		}
		fputs(i + 1 < po_nunsafe(p) ? ", " : "\n", stdout);
		free(dn);
	}

	for (size_t i = 1; i < po_nsymbols(p); i++)
		nundef += po_symbol(p, i)->sec == PO_SEC_UNDEF;
	printf("target symbols referenced (%zu)%s\n", nundef, nundef ? ":" : "");
	if (nundef) {
		static const char *const head[] = { "KIND", "SYMBOL", "RESOLVED IN", "OLD ADDRESS",
			"SIZE" };
		struct table t = { .ncols = 5, .head = head, .right = "lllrr" };

		for (size_t i = 1; i < po_nsymbols(p); i++) {
			const struct po_symbol *s = po_symbol(p, i);
			char *dn, where[600];
			uint32_t f;

			if (s->sec != PO_SEC_UNDEF)
				continue;
			f = s->ref ? s->ref->flags : 0;
			dn = demangle(s->name);
			if (f & PO_SYM_LOCAL)
				snprintf(where, sizeof(where), "static in %s", s->ref_cu);
			else if (f & PO_SYM_EXTERNAL)
				snprintf(where, sizeof(where), "external");
			else if (s->ref_object)
				snprintf(where, sizeof(where), "target (%s)", s->ref_object);
			else
				snprintf(where, sizeof(where), "target");
			if (sym_weak(s))
				strncat(where, ", weak", sizeof(where) - strlen(where) - 1);
			snprintf(a, sizeof(a), "0x%" PRIx64, s->ref ? s->ref->old_value : 0);
			snprintf(b, sizeof(b), "%" PRIu64, s->ref ? s->ref->size : 0);
			row(&t, sym_kind(s), dn, where,
			    s->ref && s->ref->old_value ? a : "-", s->ref && s->ref->size ? b : "-");
			free(dn);
		}
		print_table(&t);
	}

	printf("warnings (%zu)%s\n", po_nwarnings(p), po_nwarnings(p) ? ":" : "");
	for (size_t i = 0; i < po_nwarnings(p); i++) {
		fputs("  ", stdout);
		clean_puts(po_warning(p, i));
		putchar('\n');
	}
	printf("functions skipped (only __LINE__ constants moved): %u\n", in->n_line_only);
}

/* The programs of an xtype, one operation a line (text) or a JSON array of
 * strings. */
static void show_program(const struct po *p, const uint8_t *prog, size_t len, int json)
{
	const struct po_xtype *types = po_xtype(p, 0);
	struct po_xop op;
	size_t pos = 0;
	int n = 0;
	char buf[512];

	if (json)
		putchar('[');
	while (prog && !po_xop_decode(prog, len, &pos, &op) && op.code != PO_XOP_END) {
		po_xop_describe(types, po_nxtypes(p), &op, buf, sizeof(buf));
		if (json) {
			if (n)
				putchar(',');
			json_str(buf);
		} else {
			printf("      %s\n", buf);
		}
		n++;
	}
	if (json)
		putchar(']');
}

static void show_xtypes_text(const struct po *p)
{
	if (!po_nxtypes(p))
		return;
	printf("data transforms (%zu type%s):\n", po_nxtypes(p), po_nxtypes(p) == 1 ? "" : "s");
	for (size_t i = 0; i < po_nxtypes(p); i++) {
		const struct po_xtype *t = po_xtype(p, i);

		printf("  type %zu: ", i);
		clean_puts(t->name);
		printf(", %" PRIu64 " -> %" PRIu64 " bytes%s%s%s\n", t->old_size, t->new_size,
		       t->flags & PO_XT_INPLACE ? ", in place" : "",
		       t->flags & PO_XT_HEAP ? ", found on the heap" : "",
		       t->back ? "" : ", cannot be undone");
		if (*t->diff) {
			fputs("    ", stdout);
			clean_puts(t->diff);
			putchar('\n');
		}
		puts("    forward:");
		show_program(p, t->fwd, t->fwd_len, 0);
		if (t->back) {
			puts("    backward:");
			show_program(p, t->back, t->back_len, 0);
		} else if (*t->back_why) {
			fputs("    no way back: ", stdout);
			clean_puts(t->back_why);
			putchar('\n');
		}
	}
	if (po_nptrs(p)) {
		printf("pointers re-pointed (%zu):\n", po_nptrs(p));
		for (size_t i = 0; i < po_nptrs(p); i++) {
			const struct po_ptr *r = po_ptr(p, i);

			fputs("  ", stdout);
			clean_puts(po_symbol(p, r->site_sym)->name);
			printf("+%" PRIu64 " -> ", r->site_off);
			clean_puts(po_var(p, r->var)->name);
			printf("%+" PRId64 "\n", r->addend);
		}
	}
	if (po_info(p)->alloc_sym) {
		fputs("heap objects allocated with ", stdout);
		clean_puts(po_symbol(p, po_info(p)->alloc_sym)->name);
		fputs(" (old ones kept; the program frees new ones with ", stdout);
		clean_puts(po_symbol(p, po_info(p)->free_sym)->name);
		puts(")");
	}
}

/* ------------------------------------------------------------ JSON */
static void json_str(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	putchar('"');
	while (*u) {
		unsigned char ch = *u;
		size_t n = 0;

		if (ch == '"' || ch == '\\') {
			printf("\\%c", ch);
		} else if (ch == '\n') {
			fputs("\\n", stdout);
		} else if (ch == '\t') {
			fputs("\\t", stdout);
		} else if (ch < 0x20 || ch == 0x7f) {
			printf("\\u%04x", ch);
		} else if (ch < 0x80) {
			putchar(ch);
		} else {
			/* pass valid UTF-8 through, replace anything else */
			uint32_t cp = 0;

			if (ch >= 0xc2 && ch <= 0xdf)
				n = 1, cp = ch & 0x1f;
			else if (ch >= 0xe0 && ch <= 0xef)
				n = 2, cp = ch & 0x0f;
			else if (ch >= 0xf0 && ch <= 0xf4)
				n = 3, cp = ch & 0x07;
			for (size_t k = 1; n && k <= n; k++) {
				if ((u[k] & 0xc0) != 0x80) {
					n = 0;
					break;
				}
				cp = cp << 6 | (u[k] & 0x3f);
			}
			if (n && ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
				  (n == 3 && (cp < 0x10000 || cp > 0x10ffff))))
				n = 0;
			if (n)
				fwrite(u, 1, n + 1, stdout);
			else
				fputs("\\ufffd", stdout);
			u += n;
		}
		u++;
	}
	putchar('"');
}

static void json_str_or_null(const char *s)
{
	if (s)
		json_str(s);
	else
		fputs("null", stdout);
}

static const char *jbool(int b)
{
	return b ? "true" : "false";
}

static void show_json(const struct po *p, const char *path)
{
	const struct po_info *in = po_info(p);
	const char *sep = "";
	char hex[2 * 64 + 1];

	for (size_t i = 0; i < in->build_id_len; i++)
		snprintf(hex + 2 * i, 3, "%02x", in->build_id[i]);
	hex[2 * in->build_id_len] = 0;

	fputs("{\"file\":", stdout);
	json_str(path);
	printf(",\"size\":%" PRIu64 ",\"format_version\":%u,\"generator\":",
	       in->file_size, in->version);
	json_str(in->generator);
	fputs(",\"target\":{\"name\":", stdout);
	json_str(in->target_name);
	printf(",\"kind\":\"%s\",\"build_id\":\"%s\"}", po_target_kind_name(in->target_kind), hex);

	fputs(",\"functions\":[", stdout);
	for (size_t i = 0; i < po_nfuncs(p); i++) {
		const struct po_func *f = po_func(p, i);
		char *dn = demangle(f->name);

		fputs(i ? ",{\"name\":" : "{\"name\":", stdout);
		json_str(f->name);
		fputs(",\"demangled\":", stdout);
		json_str(dn);
		fputs(",\"cu\":", stdout);
		json_str(f->cu);
		printf(",\"action\":\"%s\",\"static\":%s,\"fragment\":%s,\"clone\":%s,"
		       "\"old_size\":%" PRIu64 ",\"new_size\":%" PRIu64 ",\"old_value\":%" PRIu64
		       ",\"old_checksum\":\"0x%016" PRIx64 "\",\"masks\":%zu}",
		       f->flags & PO_FUNC_CHANGED ? "changed" : "new",
		       jbool(f->flags & PO_FUNC_LOCAL), jbool(f->flags & PO_FUNC_FRAGMENT),
		       jbool(f->flags & PO_FUNC_CLONE), f->old_size, f->new_size,
		       f->old_value, f->old_csum, f->nmasks);
		free(dn);
	}
	fputs("],\"variables\":[", stdout);
	for (size_t i = 0; i < po_nvars(p); i++) {
		const struct po_var *v = po_var(p, i);

		fputs(i ? ",{\"name\":" : "{\"name\":", stdout);
		json_str(v->name);
		fputs(",\"cu\":", stdout);
		json_str(v->cu);
		printf(",\"action\":\"%s\",\"static\":%s,\"static_local\":%s,\"tls\":%s,"
		       "\"const\":%s,\"type\":", po_var_action_name(v->action),
		       jbool(v->flags & PO_VAR_LOCAL), jbool(v->flags & PO_VAR_STATIC_LOCAL),
		       jbool(v->flags & PO_VAR_TLS), jbool(v->flags & PO_VAR_CONST));
		json_str(v->type);
		printf(",\"old_size\":%" PRIu64 ",\"new_size\":%" PRIu64, v->old_size, v->new_size);
		if (v->xtype)
			printf(",\"xtype\":%u}", v->xtype - 1);
		else
			fputs(",\"xtype\":null}", stdout);
	}
	fputs("],\"xtypes\":[", stdout);
	for (size_t i = 0; i < po_nxtypes(p); i++) {
		const struct po_xtype *t = po_xtype(p, i);

		fputs(i ? ",{\"name\":" : "{\"name\":", stdout);
		json_str(t->name);
		printf(",\"old_size\":%" PRIu64 ",\"new_size\":%" PRIu64 ",\"inplace\":%s,\"heap\":%s,\"diff\":",
		       t->old_size, t->new_size, jbool(t->flags & PO_XT_INPLACE),
		       jbool(t->flags & PO_XT_HEAP));
		json_str(t->diff);
		fputs(",\"forward\":", stdout);
		show_program(p, t->fwd, t->fwd_len, 1);
		fputs(",\"backward\":", stdout);
		if (t->back)
			show_program(p, t->back, t->back_len, 1);
		else
			fputs("null", stdout);
		fputs(",\"back_why\":", stdout);
		json_str(t->back_why);
		putchar('}');
	}
	fputs("],\"ptrs\":[", stdout);
	for (size_t i = 0; i < po_nptrs(p); i++) {
		const struct po_ptr *r = po_ptr(p, i);

		fputs(i ? ",{\"site\":" : "{\"site\":", stdout);
		json_str(po_symbol(p, r->site_sym)->name);
		printf(",\"offset\":%" PRIu64 ",\"var\":", r->site_off);
		json_str(po_var(p, r->var)->name);
		printf(",\"addend\":%" PRId64 "}", r->addend);
	}
	fputs("],\"allocator\":", stdout);
	json_str_or_null(po_info(p)->alloc_sym ? po_symbol(p, po_info(p)->alloc_sym)->name : NULL);
	fputs(",\"unsafe\":[", stdout);
	for (size_t i = 0; i < po_nunsafe(p); i++) {
		const struct po_unsafe *u = po_unsafe(p, i);
		const struct po_symbol *s = po_symbol(p, u->sym);

		fputs(i ? ",{\"name\":" : "{\"name\":", stdout);
		json_str(s->name);
		fputs(",\"cu\":", stdout);
		json_str_or_null(unsafe_cu(p, u));
		printf(",\"replaced\":%s,\"data\":%s,\"allocator\":%s}",
		       jbool(u->flags & PO_UNSAFE_REPLACED), jbool(u->flags & PO_UNSAFE_DATA),
		       jbool(u->flags & PO_UNSAFE_ALLOC));
	}
	fputs("],\"symbols\":[", stdout);
	for (size_t i = 1; i < po_nsymbols(p); i++) {
		const struct po_symbol *s = po_symbol(p, i);
		uint32_t f = s->ref ? s->ref->flags : 0;

		if (s->sec != PO_SEC_UNDEF)
			continue;
		printf("%s{\"name\":", sep);
		sep = ",";
		json_str(s->name);
		printf(",\"kind\":\"%s\",\"static\":%s,\"cu\":", sym_kind(s),
		       jbool(f & PO_SYM_LOCAL));
		json_str_or_null(s->ref_cu);
		printf(",\"external\":%s,\"weak\":%s,\"old_value\":%" PRIu64 ",\"size\":%" PRIu64 "}",
		       jbool(f & PO_SYM_EXTERNAL), jbool(sym_weak(s)),
		       s->ref ? s->ref->old_value : 0, s->ref ? s->ref->size : 0);
	}
	fputs("],\"sections\":{", stdout);
	sep = "";
	for (size_t i = 1; i < po_nelf_sections(p); i++) {
		uint32_t type;
		uint64_t size;
		const char *name = po_elf_section(p, i, &type, &size);

		if (type == SHT_SYMTAB || type == SHT_NULL || !strcmp(name, ".strtab") ||
		    !strcmp(name, ".shstrtab"))
			continue;
		fputs(sep, stdout);
		sep = ",";
		json_str(name);
		printf(":%" PRIu64, size);
	}
	printf("},\"relocations\":%zu,\"warnings\":[", count_relocs(p));
	for (size_t i = 0; i < po_nwarnings(p); i++) {
		if (i)
			putchar(',');
		json_str(po_warning(p, i));
	}
	printf("],\"line_only_skipped\":%u}\n", in->n_line_only);
}

/* ------------------------------------------------------------ command */
int cmd_show(int argc, char **argv)
{
	const char *path = NULL;
	po_print_fn old;
	struct po *p;
	int json = 0, err;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = 1;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(show_usage, stdout);
			return KATANA_EXIT_OK;
		} else if (!strcmp(argv[i], "--") && i + 1 < argc && !path) {
			path = argv[++i];
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "katana show: unknown option '%s'\n%s", argv[i], show_usage);
			return KATANA_EXIT_USAGE;
		} else if (path) {
			fprintf(stderr, "katana show: one file at a time\n%s", show_usage);
			return KATANA_EXIT_USAGE;
		} else {
			path = argv[i];
		}
	}
	if (!path) {
		fputs(show_usage, stderr);
		return KATANA_EXIT_USAGE;
	}

	first_error[0] = 0;
	old = po_set_print(keep_first_error);
	err = po_open(path, &p);
	po_set_print(old);
	if (err < 0) {
		report_open_error(path, err);
		return KATANA_EXIT_ERROR;
	}
	if (json)
		show_json(p, path);
	else
		show_text(p, path);
	po_close(p);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "katana: cannot write the output: %s\n", strerror(errno));
		return KATANA_EXIT_ERROR;
	}
	return KATANA_EXIT_OK;
}
