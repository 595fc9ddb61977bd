/* dwarf_read.c - gen's DWARF reading through libdwarf's consumer API.
 *
 * Implements the reading half of gdwarf.h: compilation units, canonical type
 * signatures of variables (and explaining their differences), declaration
 * lines of functions and line tables of code ranges.
 *
 * Type signature syntax (no white space except inside quoted names):
 *
 *   type   := base | 'void' | ptr | array | qual type | agg | enum | fn | '?'
 *   base   := ('int'|'uint'|'float'|'bool'|'cplx'|'enc'HEX) SIZE
 *   ptr    := 'ptr' SIZE '"' C spelling of the pointee '"'
 *   array  := '[' COUNT? ']' type            (one per dimension)
 *   qual   := 'const:' | 'volatile:' | 'restrict:' | 'atomic:'
 *   agg    := ('struct'|'union') SIZE '{' member (';' member)* '}'
 *   member := NAME '@' OFFSET '=' type       (byte offset)
 *           | NAME '@b' BITPOS ':' WIDTH '=' type  (bit-field; BITPOS from
 *                                            the start of the aggregate)
 *   enum   := 'enum' SIZE '{' NAME '=' VALUE (',' NAME '=' VALUE)* '}'
 *   fn     := 'fn"' C spelling '"'
 *
 * Typedefs are transparent; struct, union and enum tags are not part of the
 * signature (only layout is), pointers compare by the spelled pointee name.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dwarf.h>
#include <libdwarf.h>

#include "dwarf_int.h"
#include "gdwarf.h"
#include "gen_internal.h"

/* ------------------------------------------------------------ helpers */

void gdr_sb_addn(struct sbuf *b, const char *s, size_t n)
{
	if (b->err)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		char *np;

		while (cap < b->len + n + 1)
			cap *= 2;
		np = realloc(b->p, cap);
		if (!np) {
			b->err = -ENOMEM;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}

void gdr_sb_add(struct sbuf *b, const char *s)
{
	gdr_sb_addn(b, s, strlen(s));
}

void __attribute__((format(printf, 2, 3)))
gdr_sb_printf(struct sbuf *b, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->err = -EINVAL;
		return;
	}
	if ((size_t)n < sizeof(tmp)) {
		gdr_sb_addn(b, tmp, n);
		return;
	}
	{
		char *big = malloc(n + 1);

		if (!big) {
			b->err = -ENOMEM;
			return;
		}
		va_start(ap, fmt);
		vsnprintf(big, n + 1, fmt, ap);
		va_end(ap);
		gdr_sb_addn(b, big, n);
		free(big);
	}
}

/* Take the buffer's string (never NULL on success). */
char *gdr_sb_take(struct sbuf *b)
{
	char *s;

	if (b->err) {
		free(b->p);
		return NULL;
	}
	s = b->p ? b->p : strdup("");
	b->p = NULL;
	b->len = b->cap = 0;
	return s;
}

/* ------------------------------------------------------------ object */

const char *gdr_intern(struct gd_obj *g, const char *s)
{
	size_t h = 5381, i;

	if (!s)
		return NULL;
	if ((g->nstrs + 1) * 2 > g->capstrs) {
		size_t ncap = g->capstrs ? g->capstrs * 2 : 64;
		char **ns = calloc(ncap, sizeof(*ns));

		if (!ns)
			return NULL;
		for (i = 0; i < g->capstrs; i++) {
			const char *t = g->strs[i];
			size_t th = 5381, j;

			if (!t)
				continue;
			for (const char *c = t; *c; c++)
				th = th * 33 + (unsigned char)*c;
			for (j = th % ncap; ns[j]; j = (j + 1) % ncap)
				;
			ns[j] = g->strs[i];
		}
		free(g->strs);
		g->strs = ns;
		g->capstrs = ncap;
	}
	for (const char *c = s; *c; c++)
		h = h * 33 + (unsigned char)*c;
	for (i = h % g->capstrs; g->strs[i]; i = (i + 1) % g->capstrs)
		if (!strcmp(g->strs[i], s))
			return g->strs[i];
	g->strs[i] = strdup(s);
	if (!g->strs[i])
		return NULL;
	g->nstrs++;
	return g->strs[i];
}

static const char *derrmsg(Dwarf_Error e)
{
	const char *m = e ? dwarf_errmsg(e) : NULL;

	return m ? m : "unknown libdwarf error";
}

/* Report a libdwarf error once and release it. */
int gdr_dw_fail(struct gd_obj *g, Dwarf_Error *e, const char *what)
{
	gen_err("gen: '%s': dwarf: %s: %s", g->path, what, derrmsg(*e));
	if (*e)
		dwarf_dealloc_error(g->dbg, *e);
	*e = NULL;
	return -GEN_EINPUT;
}

void gdr_drop_err(struct gd_obj *g, Dwarf_Error *e)
{
	if (*e)
		dwarf_dealloc_error(g->dbg, *e);
	*e = NULL;
}

/* Attribute helpers.  Return 1 found, 0 absent, <0 error (reported). */
int gdr_attr_get(struct gd_obj *g, Dwarf_Die d, Dwarf_Half at,
		    Dwarf_Attribute *a)
{
	Dwarf_Error e = NULL;
	int r = dwarf_attr(d, at, a, &e);

	if (r == DW_DLV_OK)
		return 1;
	if (r == DW_DLV_NO_ENTRY)
		return 0;
	return gdr_dw_fail(g, &e, "cannot read attribute");
}

int gdr_attr_str(struct gd_obj *g, Dwarf_Die d, Dwarf_Half at,
		    const char **out)
{
	Dwarf_Attribute a;
	Dwarf_Error e = NULL;
	char *s;
	int r = gdr_attr_get(g, d, at, &a);

	*out = NULL;
	if (r <= 0)
		return r;
	r = dwarf_formstring(a, &s, &e);
	dwarf_dealloc_attribute(a);
	if (r != DW_DLV_OK) {
		gdr_drop_err(g, &e);
		return 0;
	}
	*out = s;
	return 1;
}

int gdr_attr_udata(struct gd_obj *g, Dwarf_Die d, Dwarf_Half at,
		      Dwarf_Unsigned *out)
{
	Dwarf_Attribute a;
	Dwarf_Error e = NULL;
	Dwarf_Half form = 0;
	int r = gdr_attr_get(g, d, at, &a);

	if (r <= 0)
		return r;
	dwarf_whatform(a, &form, &e);
	gdr_drop_err(g, &e);
	if (form == DW_FORM_sdata || form == DW_FORM_implicit_const) {
		Dwarf_Signed sv;

		r = dwarf_formsdata(a, &sv, &e);
		*out = (Dwarf_Unsigned)sv;
	} else if (form == DW_FORM_sec_offset) {
		Dwarf_Off o;

		r = dwarf_global_formref(a, &o, &e);
		*out = o;
	} else {
		r = dwarf_formudata(a, out, &e);
	}
	dwarf_dealloc_attribute(a);
	if (r != DW_DLV_OK) {
		gdr_drop_err(g, &e);
		return 0;
	}
	return 1;
}

int gdr_attr_flag(struct gd_obj *g, Dwarf_Die d, Dwarf_Half at)
{
	Dwarf_Attribute a;
	Dwarf_Error e = NULL;
	Dwarf_Bool f = 0;
	int r = gdr_attr_get(g, d, at, &a);

	if (r <= 0)
		return 0;
	if (dwarf_formflag(a, &f, &e) != DW_DLV_OK)
		gdr_drop_err(g, &e);
	dwarf_dealloc_attribute(a);
	return f != 0;
}

/* A reference attribute's global .debug_info offset. */
int gdr_attr_ref(struct gd_obj *g, Dwarf_Die d, Dwarf_Half at,
		    Dwarf_Off *out)
{
	Dwarf_Attribute a;
	Dwarf_Error e = NULL;
	int r = gdr_attr_get(g, d, at, &a);

	if (r <= 0)
		return r;
	r = dwarf_global_formref(a, out, &e);
	dwarf_dealloc_attribute(a);
	if (r != DW_DLV_OK)
		return gdr_dw_fail(g, &e, "cannot follow reference (type units are not supported)");
	return 1;
}

int gdr_die_at(struct gd_obj *g, Dwarf_Off off, Dwarf_Die *d)
{
	Dwarf_Error e = NULL;

	if (dwarf_offdie_b(g->dbg, off, 1, d, &e) != DW_DLV_OK)
		return gdr_dw_fail(g, &e, "cannot read DIE");
	return 0;
}

Dwarf_Half gdr_die_tag(struct gd_obj *g, Dwarf_Die d)
{
	Dwarf_Half t = 0;
	Dwarf_Error e = NULL;

	if (dwarf_tag(d, &t, &e) != DW_DLV_OK)
		gdr_drop_err(g, &e);
	return t;
}

Dwarf_Off gdr_die_off(struct gd_obj *g, Dwarf_Die d)
{
	Dwarf_Off o = 0;
	Dwarf_Error e = NULL;

	if (dwarf_dieoffset(d, &o, &e) != DW_DLV_OK)
		gdr_drop_err(g, &e);
	return o;
}

/* First child / next sibling: 1 found, 0 none, <0 error. */
int gdr_die_child(struct gd_obj *g, Dwarf_Die d, Dwarf_Die *c)
{
	Dwarf_Error e = NULL;
	int r = dwarf_child(d, c, &e);

	if (r == DW_DLV_OK)
		return 1;
	if (r == DW_DLV_NO_ENTRY)
		return 0;
	return gdr_dw_fail(g, &e, "cannot read DIE children");
}

/* Replaces *d by its sibling (deallocating the old one). */
int gdr_die_next(struct gd_obj *g, Dwarf_Die *d)
{
	Dwarf_Error e = NULL;
	Dwarf_Die s;
	int r = dwarf_siblingof_b(g->dbg, *d, 1, &s, &e);

	dwarf_dealloc_die(*d);
	*d = NULL;
	if (r == DW_DLV_OK) {
		*d = s;
		return 1;
	}
	if (r == DW_DLV_NO_ENTRY)
		return 0;
	return gdr_dw_fail(g, &e, "cannot read DIE sibling");
}

/* Name of a DIE, following DW_AT_abstract_origin / DW_AT_specification. */
int gdr_die_name_depth(struct gd_obj *g, Dwarf_Die d, Dwarf_Half at,
			  const char **out, int depth)
{
	static const Dwarf_Half via[] = { DW_AT_abstract_origin, DW_AT_specification };
	int r = gdr_attr_str(g, d, at, out);

	if (r != 0 || depth > 8)
		return r;
	for (size_t i = 0; i < 2; i++) {
		Dwarf_Off o;
		Dwarf_Die t;

		r = gdr_attr_ref(g, d, via[i], &o);
		if (r < 0)
			return r;
		if (r == 0)
			continue;
		if ((r = gdr_die_at(g, o, &t)) < 0)
			return r;
		r = gdr_die_name_depth(g, t, at, out, depth + 1);
		dwarf_dealloc_die(t);
		return r;
	}
	return 0;
}

int gdr_die_name(struct gd_obj *g, Dwarf_Die d, const char **out)
{
	return gdr_die_name_depth(g, d, DW_AT_name, out, 0);
}

/* The DIE d stands for (DW_AT_abstract_origin, else DW_AT_specification):
 * 1 with *t set (the caller deallocates it), 0 if none, < 0 on error. */
int gdr_die_origin(struct gd_obj *g, Dwarf_Die d, Dwarf_Die *t)
{
	static const Dwarf_Half via[] = { DW_AT_abstract_origin, DW_AT_specification };

	for (size_t i = 0; i < 2; i++) {
		Dwarf_Off o;
		int r = gdr_attr_ref(g, d, via[i], &o);

		if (r < 0)
			return r;
		if (r == 0)
			continue;
		if ((r = gdr_die_at(g, o, t)) < 0)
			return r;
		return 1;
	}
	return 0;
}

/* An attribute (udata or ref) found on d or its origin/specification. */
int gdr_die_follow_ref(struct gd_obj *g, Dwarf_Die d, Dwarf_Half at,
			  Dwarf_Off *out, int depth)
{
	int r = gdr_attr_ref(g, d, at, out);
	Dwarf_Die t;

	if (r != 0 || depth > 8)
		return r;
	if ((r = gdr_die_origin(g, d, &t)) <= 0)
		return r;
	r = gdr_die_follow_ref(g, t, at, out, depth + 1);
	dwarf_dealloc_die(t);
	return r;
}

int gdr_die_follow_udata(struct gd_obj *g, Dwarf_Die d, Dwarf_Half at,
			    Dwarf_Unsigned *out, int depth)
{
	int r = gdr_attr_udata(g, d, at, out);
	Dwarf_Die t;

	if (r != 0 || depth > 8)
		return r;
	if ((r = gdr_die_origin(g, d, &t)) <= 0)
		return r;
	r = gdr_die_follow_udata(g, t, at, out, depth + 1);
	dwarf_dealloc_die(t);
	return r;
}

/* ------------------------------------------------------------ open/close */

static int load_cus(struct gd_obj *g)
{
	Dwarf_Error e = NULL;
	size_t cap = 0;

	for (;;) {
		Dwarf_Unsigned hlen, toff, next;
		Dwarf_Half ver, asz, lsz, esz, utype;
		Dwarf_Off aoff;
		Dwarf_Sig8 sig;
		Dwarf_Die cu = NULL;
		struct gd_cu *c;
		const char *s;
		int r;

		r = dwarf_next_cu_header_d(g->dbg, 1, &hlen, &ver, &aoff, &asz,
					   &lsz, &esz, &sig, &toff, &next,
					   &utype, &e);
		if (r == DW_DLV_NO_ENTRY)
			break;
		if (r != DW_DLV_OK)
			return gdr_dw_fail(g, &e, "cannot read CU header");
		r = dwarf_siblingof_b(g->dbg, NULL, 1, &cu, &e);
		if (r == DW_DLV_NO_ENTRY)
			continue;
		if (r != DW_DLV_OK)
			return gdr_dw_fail(g, &e, "cannot read CU");
		if (g->ncus == cap) {
			struct gd_cu *n;

			cap = cap ? cap * 2 : 4;
			n = realloc(g->cus, cap * sizeof(*n));
			if (!n) {
				dwarf_dealloc_die(cu);
				return -ENOMEM;
			}
			g->cus = n;
		}
		c = &g->cus[g->ncus++];
		memset(c, 0, sizeof(*c));
		c->off = gdr_die_off(g, cu);
		c->version = ver;
		if (gdr_attr_str(g, cu, DW_AT_name, &s) > 0 && !(c->name = strdup(s)))
			r = -ENOMEM;
		if (gdr_attr_str(g, cu, DW_AT_comp_dir, &s) > 0 &&
		    !(c->comp_dir = strdup(s)))
			r = -ENOMEM;
		if (!c->name && r >= 0 && !(c->name = strdup("")))
			r = -ENOMEM;
		if (r >= 0 && gdr_attr_udata(g, cu, DW_AT_stmt_list, &c->stmt_list) > 0)
			c->has_stmt = 1;
		dwarf_dealloc_die(cu);
		if (r < 0)
			return r;
	}
	return 0;
}

int gd_open(const char *path, struct gd_obj **out)
{
	struct gd_obj *g;
	Dwarf_Error e = NULL;
	int fd, r;

	*out = NULL;
	g = calloc(1, sizeof(*g));
	if (!g || !(g->path = strdup(path))) {
		free(g);
		return -ENOMEM;
	}
	/* ELF type, with a clear errno for unreadable files */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		gen_err("gen: '%s': cannot open: %s", path, strerror(errno));
		gd_close(g);
		return r;
	}
	elf_version(EV_CURRENT);
	{
		Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
		GElf_Ehdr eh;

		if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh)) {
			gen_err("gen: '%s': not an ELF object: %s", path,
				elf_errmsg(-1));
			if (elf)
				elf_end(elf);
			close(fd);
			gd_close(g);
			return -GEN_EINPUT;
		}
		g->etype = eh.e_type;
		elf_end(elf);
	}
	close(fd);

	r = dwarf_init_path(path, NULL, 0, DW_DLC_READ, DW_GROUPNUMBER_ANY,
			    NULL, NULL, &g->dbg, NULL, 0, NULL, &e);
	if (r == DW_DLV_NO_ENTRY) {
		g->dbg = NULL;
		*out = g;
		return 0;
	}
	if (r != DW_DLV_OK) {
		gen_err("gen: '%s': dwarf: cannot open: %s", path, derrmsg(e));
		if (e)
			dwarf_dealloc_error(NULL, e);
		g->dbg = NULL;
		gd_close(g);
		return -GEN_EINPUT;
	}
	g->has_dwarf = 1;
	r = load_cus(g);
	if (r < 0) {
		gd_close(g);
		return r;
	}
	if (!g->ncus)
		g->has_dwarf = 0;
	*out = g;
	return 0;
}

void gd_close(struct gd_obj *g)
{
	Dwarf_Error e = NULL;

	if (!g)
		return;
	for (size_t i = 0; i < g->ncus; i++) {
		free(g->cus[i].name);
		free(g->cus[i].comp_dir);
		free(g->cus[i].rows);
	}
	free(g->cus);
	for (size_t i = 0; i < g->capstrs; i++)
		free(g->strs[i]);
	free(g->strs);
	free(g->lrels);
	gdr_types_free(g);
	if (g->dbg && dwarf_finish(g->dbg, &e) != DW_DLV_OK && e)
		dwarf_dealloc_error(NULL, e);
	free(g->path);
	free(g);
}

int gd_has_dwarf(const struct gd_obj *g)
{
	return g && g->has_dwarf;
}

size_t gd_ncus(const struct gd_obj *g)
{
	return g ? g->ncus : 0;
}

const char *gd_cu_name(const struct gd_obj *g, size_t i)
{
	return g && i < g->ncus ? g->cus[i].name : NULL;
}

const char *gd_cu_comp_dir(const struct gd_obj *g, size_t i)
{
	return g && i < g->ncus ? g->cus[i].comp_dir : NULL;
}

/* ------------------------------------------------------------ C spelling */

static int is_qual(Dwarf_Half t)
{
	return t == DW_TAG_const_type || t == DW_TAG_volatile_type ||
	       t == DW_TAG_restrict_type || t == DW_TAG_atomic_type;
}

static const char *qual_word(Dwarf_Half t)
{
	switch (t) {
	case DW_TAG_const_type: return "const";
	case DW_TAG_volatile_type: return "volatile";
	case DW_TAG_restrict_type: return "restrict";
	default: return "_Atomic";
	}
}

/* Does the type at off (through qualifiers, and typedefs when peel) end in
 * a pointer?  Used to place qualifiers. */
static int type_is_kind(struct gd_obj *g, Dwarf_Off off, int peel, int depth,
			int array)
{
	Dwarf_Die d;
	Dwarf_Half t;
	Dwarf_Off n;
	int r;

	if (!off || depth > MAX_DEPTH || gdr_die_at(g, off, &d) < 0)
		return 0;
	t = gdr_die_tag(g, d);
	if (array ? t == DW_TAG_array_type :
		    t == DW_TAG_pointer_type || t == DW_TAG_reference_type) {
		dwarf_dealloc_die(d);
		return 1;
	}
	if (!is_qual(t) && !(peel && t == DW_TAG_typedef)) {
		dwarf_dealloc_die(d);
		return 0;
	}
	r = gdr_attr_ref(g, d, DW_AT_type, &n);
	dwarf_dealloc_die(d);
	return r > 0 ? type_is_kind(g, n, peel, depth + 1, array) : 0;
}

static int type_is_ptr(struct gd_obj *g, Dwarf_Off off, int peel, int depth)
{
	return type_is_kind(g, off, peel, depth, 0);
}

/* Qualifiers of an array type apply to its elements (GCC repeats them
 * there), so they are left out of spellings and signatures. */
static int type_is_array(struct gd_obj *g, Dwarf_Off off, int depth)
{
	return type_is_kind(g, off, 1, depth, 1);
}

int gdr_spell(struct gd_obj *g, Dwarf_Off off, const char *decl, int peel,
		 int depth, struct sbuf *out);

static void join_decl(struct sbuf *out, const char *base, const char *decl)
{
	gdr_sb_add(out, base);
	if (decl && *decl) {
		if (*decl != '[')
			gdr_sb_add(out, " ");
		gdr_sb_add(out, decl);
	}
}

static int spell_params(struct gd_obj *g, Dwarf_Die fn, int depth,
			struct sbuf *b)
{
	Dwarf_Die c;
	int r, n = 0;

	gdr_sb_add(b, "(");
	r = gdr_die_child(g, fn, &c);
	while (r > 0) {
		Dwarf_Half t = gdr_die_tag(g, c);

		if (t == DW_TAG_formal_parameter) {
			Dwarf_Off pt = 0;

			if (n++)
				gdr_sb_add(b, ", ");
			if ((r = gdr_attr_ref(g, c, DW_AT_type, &pt)) < 0 ||
			    (r = gdr_spell(g, r ? pt : 0, "", 0, depth + 1, b)) < 0) {
				dwarf_dealloc_die(c);
				return r;
			}
		} else if (t == DW_TAG_unspecified_parameters) {
			gdr_sb_add(b, n++ ? ", ..." : "...");
		}
		r = gdr_die_next(g, &c);
	}
	if (r < 0)
		return r;
	if (!n && gdr_attr_flag(g, fn, DW_AT_prototyped))
		gdr_sb_add(b, "void");
	gdr_sb_add(b, ")");
	return 0;
}

/* Array dimensions of DIE d as "[N][M]" into b. */
static int array_dims(struct gd_obj *g, Dwarf_Die d, struct sbuf *b)
{
	Dwarf_Die c;
	int r = gdr_die_child(g, d, &c);

	while (r > 0) {
		if (gdr_die_tag(g, c) == DW_TAG_subrange_type ||
		    gdr_die_tag(g, c) == DW_TAG_enumeration_type) {
			Dwarf_Unsigned cnt, ub, lb = 0;

			if (gdr_attr_udata(g, c, DW_AT_count, &cnt) > 0)
				gdr_sb_printf(b, "[%llu]", (unsigned long long)cnt);
			else if (gdr_attr_udata(g, c, DW_AT_upper_bound, &ub) > 0 &&
				 ub != (Dwarf_Unsigned)-1) {
				gdr_attr_udata(g, c, DW_AT_lower_bound, &lb);
				gdr_sb_printf(b, "[%llu]", (unsigned long long)(ub - lb + 1));
			} else
				gdr_sb_add(b, "[]");
		}
		r = gdr_die_next(g, &c);
	}
	return r;
}

/* Spell the type at off (0 = void) in C around declarator decl. */
int gdr_spell(struct gd_obj *g, Dwarf_Off off, const char *decl, int peel,
		 int depth, struct sbuf *out)
{
	Dwarf_Die d;
	Dwarf_Half t;
	Dwarf_Off sub = 0;
	const char *name = NULL;
	struct sbuf nd = { 0 };
	int r, hassub;

	if (depth > MAX_DEPTH)
		return -ELOOP;
	if (!off) {
		join_decl(out, "void", decl);
		return 0;
	}
	if ((r = gdr_die_at(g, off, &d)) < 0)
		return r;
	t = gdr_die_tag(g, d);
	if ((hassub = gdr_attr_ref(g, d, DW_AT_type, &sub)) < 0) {
		dwarf_dealloc_die(d);
		return hassub;
	}
	if (!hassub)
		sub = 0;
	gdr_attr_str(g, d, DW_AT_name, &name);
	switch (t) {
	case DW_TAG_typedef:
		if (peel) {
			r = gdr_spell(g, sub, decl, 1, depth + 1, out);
			break;
		}
		/* fall through */
	case DW_TAG_base_type:
	case DW_TAG_unspecified_type:
		join_decl(out, name ? name : "?", decl);
		break;
	case DW_TAG_structure_type:
	case DW_TAG_union_type:
	case DW_TAG_enumeration_type:
	case DW_TAG_class_type:
		gdr_sb_add(&nd, t == DW_TAG_union_type ? "union " :
			    t == DW_TAG_enumeration_type ? "enum " :
			    t == DW_TAG_class_type ? "class " : "struct ");
		gdr_sb_add(&nd, name ? name : "<anonymous>");
		if (nd.err) {
			r = nd.err;
			break;
		}
		join_decl(out, nd.p, decl);
		break;
	case DW_TAG_pointer_type:
	case DW_TAG_reference_type: {
		Dwarf_Die pd;
		Dwarf_Half pt = 0;
		int paren = 0;

		if (sub) {
			if ((r = gdr_die_at(g, sub, &pd)) < 0)
				break;
			pt = gdr_die_tag(g, pd);
			dwarf_dealloc_die(pd);
			paren = pt == DW_TAG_array_type || pt == DW_TAG_subroutine_type;
		}
		if (paren)
			gdr_sb_add(&nd, "(");
		gdr_sb_add(&nd, t == DW_TAG_pointer_type ? "*" : "&");
		gdr_sb_add(&nd, decl);
		if (paren)
			gdr_sb_add(&nd, ")");
		r = nd.err ? nd.err : gdr_spell(g, sub, nd.p, 0, depth + 1, out);
		break;
	}
	case DW_TAG_const_type:
	case DW_TAG_volatile_type:
	case DW_TAG_restrict_type:
	case DW_TAG_atomic_type:
		if (type_is_array(g, sub, depth)) {
			r = gdr_spell(g, sub, decl, peel, depth + 1, out);
		} else if (type_is_ptr(g, sub, 0, depth)) {
			gdr_sb_add(&nd, qual_word(t));
			if (decl && *decl) {
				gdr_sb_add(&nd, " ");
				gdr_sb_add(&nd, decl);
			}
			r = nd.err ? nd.err : gdr_spell(g, sub, nd.p, peel, depth + 1, out);
		} else {
			struct sbuf inner = { 0 };

			gdr_sb_add(out, qual_word(t));
			gdr_sb_add(out, " ");
			r = gdr_spell(g, sub, decl, peel, depth + 1, &inner);
			if (r >= 0)
				gdr_sb_add(out, inner.p ? inner.p : "");
			free(inner.p);
		}
		break;
	case DW_TAG_array_type:
		gdr_sb_add(&nd, decl);
		r = array_dims(g, d, &nd);
		if (r >= 0)
			r = nd.err ? nd.err : gdr_spell(g, sub, nd.p, 0, depth + 1, out);
		break;
	case DW_TAG_subroutine_type:
		gdr_sb_add(&nd, decl);
		r = spell_params(g, d, depth, &nd);
		if (r >= 0)
			r = nd.err ? nd.err : gdr_spell(g, sub, nd.p, 0, depth + 1, out);
		break;
	default:
		join_decl(out, name ? name : "?", decl);
		break;
	}
	free(nd.p);
	dwarf_dealloc_die(d);
	if (r >= 0 && out->err)
		r = out->err;
	return r;
}

/* ------------------------------------------------------------ signature */

static int sig_type(struct gd_obj *g, Dwarf_Off off, int depth,
		    struct sbuf *b);

int gdr_member_loc(struct gd_obj *g, Dwarf_Die m, Dwarf_Off mt, uint64_t *byte_off,
		   uint64_t *bit_pos, uint64_t *bit_size)
{
	Dwarf_Unsigned loc = 0, bsz = 0, dbo = 0, bo = 0, msz = 0;
	Dwarf_Attribute a;
	int r;

	/* DW_AT_data_member_location: constant or DW_OP_plus_uconst */
	if ((r = gdr_attr_get(g, m, DW_AT_data_member_location, &a)) < 0)
		return r;
	if (r > 0) {
		Dwarf_Half form = 0;
		Dwarf_Error e = NULL;

		dwarf_whatform(a, &form, &e);
		gdr_drop_err(g, &e);
		if (form == DW_FORM_exprloc || form == DW_FORM_block1 ||
		    form == DW_FORM_block) {
			Dwarf_Unsigned len = 0;
			Dwarf_Ptr p = NULL;

			if (dwarf_formexprloc(a, &len, &p, &e) == DW_DLV_OK &&
			    len >= 2 && ((unsigned char *)p)[0] == DW_OP_plus_uconst) {
				const unsigned char *q = (unsigned char *)p + 1;
				unsigned sh = 0;

				for (size_t i = 1; i < len && sh < 64; i++, q++, sh += 7) {
					loc |= (Dwarf_Unsigned)(*q & 0x7f) << sh;
					if (!(*q & 0x80))
						break;
				}
			}
			gdr_drop_err(g, &e);
		} else if (dwarf_formudata(a, &loc, &e) != DW_DLV_OK) {
			gdr_drop_err(g, &e);
		}
		dwarf_dealloc_attribute(a);
	}
	*byte_off = loc;
	*bit_pos = loc * 8;
	*bit_size = 0;
	if (gdr_attr_udata(g, m, DW_AT_bit_size, &bsz) > 0) {
		*bit_size = bsz;
		if (gdr_attr_udata(g, m, DW_AT_data_bit_offset, &dbo) > 0) {
			*bit_pos = dbo;
		} else if (gdr_attr_udata(g, m, DW_AT_bit_offset, &bo) > 0) {
			if (gdr_attr_udata(g, m, DW_AT_byte_size, &msz) <= 0) {
				Dwarf_Die td;

				msz = 0;
				if (mt && gdr_die_at(g, mt, &td) >= 0) {
					gdr_die_follow_udata(g, td, DW_AT_byte_size, &msz, 0);
					dwarf_dealloc_die(td);
				}
			}
			/* little-endian: DW_AT_bit_offset counts from the MSB */
			*bit_pos = loc * 8 + msz * 8 - bo - bsz;
		}
		*byte_off = *bit_pos / 8;
	}
	return 0;
}

static int sig_member(struct gd_obj *g, Dwarf_Die m, int depth,
		      struct sbuf *b)
{
	const char *name = NULL;
	uint64_t loc, pos, bsz;
	Dwarf_Off mt = 0;
	int r;

	gdr_attr_str(g, m, DW_AT_name, &name);
	if ((r = gdr_attr_ref(g, m, DW_AT_type, &mt)) < 0)
		return r;
	if (r == 0)
		mt = 0;
	if ((r = gdr_member_loc(g, m, mt, &loc, &pos, &bsz)) < 0)
		return r;
	gdr_sb_add(b, name ? name : "");
	if (bsz)
		gdr_sb_printf(b, "@b%llu:%llu=", (unsigned long long)pos,
			      (unsigned long long)bsz);
	else
		gdr_sb_printf(b, "@%llu=", (unsigned long long)loc);
	return sig_type(g, mt, depth + 1, b);
}

static int sig_type(struct gd_obj *g, Dwarf_Off off, int depth,
		    struct sbuf *b)
{
	Dwarf_Die d, c;
	Dwarf_Half t;
	Dwarf_Off sub = 0;
	Dwarf_Unsigned size = 0, enc = 0;
	int r, hassub;

	if (depth > MAX_DEPTH) {
		gen_err("gen: '%s': dwarf: type nested too deeply", g->path);
		return -ELOOP;
	}
	if (!off) {
		gdr_sb_add(b, "void");
		return b->err;
	}
	if ((r = gdr_die_at(g, off, &d)) < 0)
		return r;
	t = gdr_die_tag(g, d);
	if ((hassub = gdr_attr_ref(g, d, DW_AT_type, &sub)) < 0) {
		dwarf_dealloc_die(d);
		return hassub;
	}
	if (!hassub)
		sub = 0;
	gdr_attr_udata(g, d, DW_AT_byte_size, &size);
	r = 0;
	switch (t) {
	case DW_TAG_base_type:
		gdr_attr_udata(g, d, DW_AT_encoding, &enc);
		switch (enc) {
		case DW_ATE_signed:
		case DW_ATE_signed_char:
			gdr_sb_printf(b, "int%llu", (unsigned long long)size);
			break;
		case DW_ATE_unsigned:
		case DW_ATE_unsigned_char:
			gdr_sb_printf(b, "uint%llu", (unsigned long long)size);
			break;
		case DW_ATE_float:
			gdr_sb_printf(b, "float%llu", (unsigned long long)size);
			break;
		case DW_ATE_boolean:
			gdr_sb_printf(b, "bool%llu", (unsigned long long)size);
			break;
		case DW_ATE_complex_float:
			gdr_sb_printf(b, "cplx%llu", (unsigned long long)size);
			break;
		default:
			gdr_sb_printf(b, "enc%llx_%llu", (unsigned long long)enc,
				  (unsigned long long)size);
			break;
		}
		break;
	case DW_TAG_typedef:
		r = sig_type(g, sub, depth + 1, b);
		break;
	case DW_TAG_const_type:
	case DW_TAG_volatile_type:
	case DW_TAG_restrict_type:
	case DW_TAG_atomic_type:
		if (!type_is_array(g, sub, depth)) {
			gdr_sb_add(b, t == DW_TAG_atomic_type ? "atomic" : qual_word(t));
			gdr_sb_add(b, ":");
		}
		r = sig_type(g, sub, depth + 1, b);
		break;
	case DW_TAG_pointer_type:
	case DW_TAG_reference_type:
		gdr_sb_printf(b, "ptr%llu\"", (unsigned long long)(size ? size : 8));
		r = gdr_spell(g, sub, "", 1, depth + 1, b);
		gdr_sb_add(b, "\"");
		break;
	case DW_TAG_array_type:
		r = array_dims(g, d, b);
		if (r >= 0)
			r = sig_type(g, sub, depth + 1, b);
		break;
	case DW_TAG_structure_type:
	case DW_TAG_class_type:
	case DW_TAG_union_type: {
		int n = 0;

		if (gdr_attr_flag(g, d, DW_AT_declaration)) {
			const char *nm = NULL;

			gdr_attr_str(g, d, DW_AT_name, &nm);
			gdr_sb_printf(b, "%s?\"%s\"", t == DW_TAG_union_type ?
				  "union" : "struct", nm ? nm : "");
			break;
		}
		gdr_sb_printf(b, "%s%llu{", t == DW_TAG_union_type ? "union" : "struct",
			  (unsigned long long)size);
		r = gdr_die_child(g, d, &c);
		while (r > 0) {
			if (gdr_die_tag(g, c) == DW_TAG_member) {
				if (n++)
					gdr_sb_add(b, ";");
				if ((r = sig_member(g, c, depth, b)) < 0) {
					dwarf_dealloc_die(c);
					break;
				}
			}
			r = gdr_die_next(g, &c);
		}
		gdr_sb_add(b, "}");
		break;
	}
	case DW_TAG_enumeration_type: {
		int n = 0;

		gdr_sb_printf(b, "enum%llu{", (unsigned long long)size);
		r = gdr_die_child(g, d, &c);
		while (r > 0) {
			if (gdr_die_tag(g, c) == DW_TAG_enumerator) {
				const char *nm = NULL;
				Dwarf_Attribute a;
				Dwarf_Half form = 0;
				Dwarf_Error e = NULL;

				gdr_attr_str(g, c, DW_AT_name, &nm);
				gdr_sb_printf(b, "%s%s=", n++ ? "," : "", nm ? nm : "");
				if (gdr_attr_get(g, c, DW_AT_const_value, &a) > 0) {
					dwarf_whatform(a, &form, &e);
					gdr_drop_err(g, &e);
					if (form == DW_FORM_sdata ||
					    form == DW_FORM_implicit_const) {
						Dwarf_Signed sv = 0;

						dwarf_formsdata(a, &sv, &e);
						gdr_sb_printf(b, "%lld", (long long)sv);
					} else {
						Dwarf_Unsigned uv = 0;

						dwarf_formudata(a, &uv, &e);
						gdr_sb_printf(b, "%llu", (unsigned long long)uv);
					}
					gdr_drop_err(g, &e);
					dwarf_dealloc_attribute(a);
				}
			}
			r = gdr_die_next(g, &c);
		}
		gdr_sb_add(b, "}");
		break;
	}
	case DW_TAG_subroutine_type:
		gdr_sb_add(b, "fn\"");
		r = gdr_spell(g, off, "", 0, depth + 1, b);
		gdr_sb_add(b, "\"");
		break;
	default:
		gdr_sb_printf(b, "tag%x", (unsigned)t);
		break;
	}
	dwarf_dealloc_die(d);
	if (r >= 0 && b->err)
		r = b->err;
	return r < 0 ? r : 0;
}

/* ------------------------------------------------------------ finding DIEs */

/* Callback for a DIE during a tree gdr_walk: return 1 to stop (found), 0 to
 * continue, <0 error.  Does not take ownership of the DIE. */
int gdr_walk(struct gd_obj *g, Dwarf_Die parent, int depth, walk_fn fn,
		void *arg, int recurse)
{
	Dwarf_Die c;
	int r = gdr_die_child(g, parent, &c);

	if (depth > MAX_DEPTH)
		return 0;
	while (r > 0) {
		Dwarf_Half t = gdr_die_tag(g, c);
		int s = fn(g, c, t, arg);

		if (s == 0 && recurse &&
		    (t == DW_TAG_subprogram || t == DW_TAG_lexical_block ||
		     t == DW_TAG_inlined_subroutine))
			s = gdr_walk(g, c, depth + 1, fn, arg, recurse);
		if (s != 0) {
			dwarf_dealloc_die(c);
			return s;
		}
		r = gdr_die_next(g, &c);
	}
	return r;
}

struct var_find {
	const char *name;
	int best;		/* 3 static storage, 2 definition, 1 declaration */
	Dwarf_Off off;
};

int gdr_addr_location(struct gd_obj *g, Dwarf_Die d)
{
	Dwarf_Attribute a;
	Dwarf_Half form = 0;
	Dwarf_Error e = NULL;
	int ok = 0;

	if (gdr_attr_get(g, d, DW_AT_location, &a) <= 0)
		return 0;
	dwarf_whatform(a, &form, &e);
	gdr_drop_err(g, &e);
	if (form == DW_FORM_exprloc || form == DW_FORM_block1) {
		Dwarf_Unsigned len = 0;
		Dwarf_Ptr p = NULL;

		if (dwarf_formexprloc(a, &len, &p, &e) == DW_DLV_OK && len &&
		    (((unsigned char *)p)[0] == DW_OP_addr ||
		     ((unsigned char *)p)[0] == DW_OP_addrx ||
		     ((unsigned char *)p)[0] == DW_OP_GNU_variable_value))
			ok = 1;
		gdr_drop_err(g, &e);
	}
	dwarf_dealloc_attribute(a);
	return ok;
}

static int find_var_cb(struct gd_obj *g, Dwarf_Die d, Dwarf_Half tag, void *arg)
{
	struct var_find *vf = arg;
	const char *n = NULL;
	int score, r;

	if (tag != DW_TAG_variable)
		return 0;
	if ((r = gdr_die_name(g, d, &n)) < 0)
		return r;
	if (!n || strcmp(n, vf->name))
		return 0;
	if (gdr_attr_flag(g, d, DW_AT_declaration))
		score = 1;
	else if (gdr_addr_location(g, d))
		score = 3;
	else
		score = 2;
	if (score > vf->best) {
		vf->best = score;
		vf->off = gdr_die_off(g, d);
	}
	return score == 3;
}

struct func_find {
	const char *name;
	struct var_find *vf;	/* searching a variable in it */
	int best;		/* see find_func_cb */
	Dwarf_Off off;
};

static int func_matches(struct gd_obj *g, Dwarf_Die d, const char *name)
{
	const char *n = NULL;

	if (gdr_die_name(g, d, &n) > 0 && !strcmp(n, name))
		return 1;
	n = NULL;
	if (gdr_die_name_depth(g, d, DW_AT_linkage_name, &n, 0) > 0 && !strcmp(n, name))
		return 1;
	n = NULL;
	if (gdr_die_name_depth(g, d, DW_AT_MIPS_linkage_name, &n, 0) > 0 &&
	    !strcmp(n, name))
		return 1;
	return 0;
}

/* Searching a static local: in every subprogram named func (abstract and
 * concrete instances), find the variable. */
static int find_func_var_cb(struct gd_obj *g, Dwarf_Die d, Dwarf_Half tag,
			    void *arg)
{
	struct func_find *ff = arg;
	int r;

	if (tag != DW_TAG_subprogram || !func_matches(g, d, ff->name))
		return 0;
	r = gdr_walk(g, d, 0, find_var_cb, ff->vf, 1);
	return r < 0 ? r : ff->vf->best == 3;
}

int gdr_find_var(struct gd_obj *g, const char *name, const char *func, Dwarf_Off *off)
{
	struct var_find vf = { .name = name };
	int r = 0;

	if (!g->has_dwarf)
		return 0;
	for (size_t i = 0; i < g->ncus && vf.best < 3; i++) {
		Dwarf_Die cu;

		if ((r = gdr_die_at(g, g->cus[i].off, &cu)) < 0)
			return r;
		if (func) {
			struct func_find ff = { .name = func, .vf = &vf };

			r = gdr_walk(g, cu, 0, find_func_var_cb, &ff, 1);
		} else {
			r = gdr_walk(g, cu, 0, find_var_cb, &vf, 0);
		}
		dwarf_dealloc_die(cu);
		if (r < 0)
			return r;
	}
	if (!vf.best)
		return 0;
	*off = vf.off;
	return 1;
}

int gd_var_type(struct gd_obj *g, const char *name, const char *func,
		char **sig, char **type_name)
{
	struct sbuf sb = { 0 }, tb = { 0 };
	Dwarf_Off toff = 0, voff = 0;
	Dwarf_Die d;
	int r;

	*sig = NULL;
	if (type_name)
		*type_name = NULL;
	r = gdr_find_var(g, name, func, &voff);
	if (r < 0)
		return r;
	if (!r)
		return -ENOENT;
	if ((r = gdr_die_at(g, voff, &d)) < 0)
		return r;
	r = gdr_die_follow_ref(g, d, DW_AT_type, &toff, 0);
	dwarf_dealloc_die(d);
	if (r < 0)
		return r;
	if (r == 0) {
		gen_err("gen: '%s': dwarf: variable '%s' has no type", g->path, name);
		return -GEN_EINPUT;
	}
	if ((r = sig_type(g, toff, 0, &sb)) < 0 ||
	    (type_name && (r = gdr_spell(g, toff, "", 0, 0, &tb)) < 0)) {
		free(sb.p);
		free(tb.p);
		return r;
	}
	*sig = gdr_sb_take(&sb);
	if (type_name)
		*type_name = gdr_sb_take(&tb);
	if (!*sig || (type_name && !*type_name)) {
		free(*sig);
		*sig = NULL;
		if (type_name) {
			free(*type_name);
			*type_name = NULL;
		}
		return -ENOMEM;
	}
	return 0;
}

/* ------------------------------------------------------------ sig diff */

struct snode;
struct smember {
	char *name;
	char *pos;		/* "4" or "b35:5" */
	struct snode *type;
};

struct snode {
	const char *start;	/* text span in the signature */
	size_t len;
	int kind;		/* 0 opaque, 1 agg, 2 array, 3 qual, 4 enum */
	char head[32];		/* "struct8", "[4]", "const:", "enum4" */
	struct snode *child;	/* array element / qualified type */
	struct smember *m;	/* agg members; enum items (pos = value) */
	size_t nm;
};

static void snode_free(struct snode *n)
{
	if (!n)
		return;
	snode_free(n->child);
	for (size_t i = 0; i < n->nm; i++) {
		free(n->m[i].name);
		free(n->m[i].pos);
		snode_free(n->m[i].type);
	}
	free(n->m);
	free(n);
}

static int add_member(struct snode *n, const char *name, size_t nl,
		      const char *pos, size_t pl, struct snode *t)
{
	struct smember *m = realloc(n->m, (n->nm + 1) * sizeof(*m));

	if (!m)
		return -1;
	n->m = m;
	m = &n->m[n->nm];
	m->name = strndup(name, nl);
	m->pos = strndup(pos, pl);
	m->type = t;
	if (!m->name || !m->pos) {
		free(m->name);
		free(m->pos);
		return -1;
	}
	n->nm++;
	return 0;
}

static int is_word(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '$' || c == '?';
}

static struct snode *sparse(const char **pp, int depth)
{
	const char *p = *pp;
	struct snode *n;

	if (depth > 2 * MAX_DEPTH || !(n = calloc(1, sizeof(*n))))
		return NULL;
	n->start = p;
	if (*p == '[') {
		const char *q = strchr(p, ']');

		if (!q || (size_t)(q - p + 1) >= sizeof(n->head))
			goto bad;
		memcpy(n->head, p, q - p + 1);
		n->kind = 2;
		p = q + 1;
		if (!(n->child = sparse(&p, depth + 1)))
			goto bad;
	} else {
		const char *w = p;

		while (is_word(*p))
			p++;
		if ((size_t)(p - w) >= sizeof(n->head) - 1)
			goto bad;
		memcpy(n->head, w, p - w);
		if (*p == ':') {
			n->kind = 3;
			n->head[p - w] = ':';
			p++;
			if (!(n->child = sparse(&p, depth + 1)))
				goto bad;
		} else if (*p == '"') {
			const char *q = strchr(p + 1, '"');

			if (!q)
				goto bad;
			p = q + 1;
		} else if (*p == '{' && (!strncmp(w, "struct", 6) ||
					 !strncmp(w, "union", 5))) {
			n->kind = 1;
			p++;
			while (*p && *p != '}') {
				const char *nm = p, *pos;
				size_t nl, pl;
				struct snode *t;

				while (is_word(*p))
					p++;
				nl = p - nm;
				if (*p++ != '@')
					goto bad;
				pos = p;
				while (*p && *p != '=')
					p++;
				pl = p - pos;
				if (*p++ != '=')
					goto bad;
				if (!(t = sparse(&p, depth + 1)))
					goto bad;
				if (add_member(n, nm, nl, pos, pl, t) < 0) {
					snode_free(t);
					goto bad;
				}
				if (*p == ';')
					p++;
				else if (*p != '}')
					goto bad;
			}
			if (*p++ != '}')
				goto bad;
		} else if (*p == '{' && !strncmp(w, "enum", 4)) {
			n->kind = 4;
			p++;
			while (*p && *p != '}') {
				const char *nm = p, *v;

				while (is_word(*p))
					p++;
				if (*p++ != '=')
					goto bad;
				v = p;
				while (*p && *p != ',' && *p != '}')
					p++;
				if (add_member(n, nm, v - 1 - nm, v, p - v, NULL) < 0)
					goto bad;
				if (*p == ',')
					p++;
			}
			if (*p++ != '}')
				goto bad;
		} else if (p == w) {
			goto bad;
		}
	}
	n->len = p - n->start;
	*pp = p;
	return n;
bad:
	snode_free(n);
	return NULL;
}

struct dctx {
	struct sbuf out;
	int n;
};

static void dnote(struct dctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void dnote(struct dctx *c, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (c->n++)
		gdr_sb_add(&c->out, "; ");
	gdr_sb_add(&c->out, tmp);
}

/* A short form of a type's text for messages. */
static void short_text(const struct snode *n, char *buf, size_t sz)
{
	size_t l = n->len;

	if (l + 1 > sz) {
		l = sz - 4;
		snprintf(buf, sz, "%.*s...", (int)l, n->start);
	} else {
		snprintf(buf, sz, "%.*s", (int)l, n->start);
	}
}

static const char *what(const char *path, char *buf, size_t sz)
{
	buf[0] = 0;
	if (*path)
		snprintf(buf, sz, "member '%s' ", path);
	return buf;
}

static int size_of_head(const char *h, unsigned long long *v)
{
	while (*h && !(*h >= '0' && *h <= '9'))
		h++;
	if (!*h)
		return 0;
	*v = strtoull(h, NULL, 10);
	return 1;
}

static void sdiff(struct dctx *c, const struct snode *a, const struct snode *b,
		  const char *path)
{
	char w[300], ta[80], tb[80];

	if (a->len == b->len && !memcmp(a->start, b->start, a->len))
		return;
	what(path, w, sizeof(w));
	if (a->kind == 1 && b->kind == 1 &&
	    !strncmp(a->head, b->head, 5)) {
		unsigned long long sa = 0, sb = 0;
		int before = c->n;
		size_t k, last = 0, inorder = 1;

		size_of_head(a->head, &sa);
		size_of_head(b->head, &sb);
		if (sa != sb)
			dnote(c, "%ssize %llu -> %llu", w, sa, sb);
		for (size_t i = 0; i < a->nm; i++) {
			const struct smember *ma = &a->m[i];
			char sub[300];

			for (k = 0; k < b->nm; k++)
				if (!strcmp(b->m[k].name, ma->name))
					break;
			snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? "." : "",
				 *ma->name ? ma->name : "<anonymous>");
			if (k == b->nm) {
				dnote(c, "member '%s' removed", sub);
				continue;
			}
			if (k < last)
				inorder = 0;
			last = k;
			if (strcmp(ma->pos, b->m[k].pos)) {
				const char *pa = ma->pos, *pb = b->m[k].pos;

				if (*pa == 'b' && *pb == 'b') {
					unsigned long long pa0, wa, pb0, wb;

					sscanf(pa, "b%llu:%llu", &pa0, &wa);
					sscanf(pb, "b%llu:%llu", &pb0, &wb);
					if (wa != wb)
						dnote(c, "member '%s' bit-field width %llu -> %llu",
						      sub, wa, wb);
					if (pa0 != pb0)
						dnote(c, "member '%s' bit offset %llu -> %llu",
						      sub, pa0, pb0);
				} else if (*pa == 'b' || *pb == 'b') {
					dnote(c, "member '%s' %s -> %s", sub,
					      *pa == 'b' ? "bit-field" : "plain member",
					      *pb == 'b' ? "bit-field" : "plain member");
				} else {
					dnote(c, "member '%s' offset %s -> %s", sub, pa, pb);
				}
			}
			sdiff(c, ma->type, b->m[k].type, sub);
		}
		for (k = 0; k < b->nm; k++) {
			size_t i;

			for (i = 0; i < a->nm; i++)
				if (!strcmp(a->m[i].name, b->m[k].name))
					break;
			if (i == a->nm)
				dnote(c, "member '%s%s%s' added", path, *path ? "." : "",
				      *b->m[k].name ? b->m[k].name : "<anonymous>");
		}
		if (c->n == before && !inorder)
			dnote(c, "%smembers reordered", w);
		if (c->n == before)
			dnote(c, "%slayout differs", w);
		return;
	}
	if (a->kind == 2 && b->kind == 2) {
		char sub[300];

		if (strcmp(a->head, b->head))
			dnote(c, "%sarray bound %s -> %s", w, a->head, b->head);
		snprintf(sub, sizeof(sub), "%s[]", path);
		sdiff(c, a->child, b->child, *path ? sub : "");
		return;
	}
	if (a->kind == 3 && b->kind == 3 && !strcmp(a->head, b->head)) {
		sdiff(c, a->child, b->child, path);
		return;
	}
	if (a->kind == 4 && b->kind == 4) {
		int before = c->n;

		if (strcmp(a->head, b->head))
			dnote(c, "%ssize %s -> %s", w, a->head + 4, b->head + 4);
		for (size_t i = 0; i < a->nm; i++) {
			size_t k;

			for (k = 0; k < b->nm; k++)
				if (!strcmp(a->m[i].name, b->m[k].name))
					break;
			if (k == b->nm)
				dnote(c, "%senumerator '%s' removed", w, a->m[i].name);
			else if (strcmp(a->m[i].pos, b->m[k].pos))
				dnote(c, "%senumerator '%s' %s -> %s", w, a->m[i].name,
				      a->m[i].pos, b->m[k].pos);
		}
		for (size_t k = 0; k < b->nm; k++) {
			size_t i;

			for (i = 0; i < a->nm; i++)
				if (!strcmp(a->m[i].name, b->m[k].name))
					break;
			if (i == a->nm)
				dnote(c, "%senumerator '%s' added", w, b->m[k].name);
		}
		if (c->n == before)
			dnote(c, "%senumerators differ", w);
		return;
	}
	short_text(a, ta, sizeof(ta));
	short_text(b, tb, sizeof(tb));
	dnote(c, "%stype %s -> %s", w, ta, tb);
}

char *gd_sig_diff(const char *old_sig, const char *new_sig)
{
	const char *pa = old_sig ? old_sig : "", *pb = new_sig ? new_sig : "";
	struct snode *a, *b;
	struct dctx c = { { 0 }, 0 };

	if (!strcmp(pa, pb))
		return strdup("no difference");
	a = sparse(&pa, 0);
	b = sparse(&pb, 0);
	if (!a || !b || *pa || *pb) {
		snode_free(a);
		snode_free(b);
		return strdup("type layout differs");
	}
	sdiff(&c, a, b, "");
	snode_free(a);
	snode_free(b);
	if (!c.n)
		dnote(&c, "type layout differs");
	return gdr_sb_take(&c.out);
}

/* ------------------------------------------------------------ functions */

/* "f.isra.0" -> "f"; returns a malloc'd copy. */
static char *clone_origin(const char *s)
{
	static const char *const sfx[] = { "isra", "constprop", "part", "cold" };
	const char *p = s;

	while ((p = strchr(p, '.'))) {
		for (size_t i = 0; i < 4; i++) {
			size_t l = strlen(sfx[i]);

			if (!strncmp(p + 1, sfx[i], l) &&
			    (p[1 + l] == 0 || p[1 + l] == '.'))
				return strndup(s, p - s);
		}
		p++;
	}
	return strdup(s);
}

static int find_func_cb(struct gd_obj *g, Dwarf_Die d, Dwarf_Half tag, void *arg)
{
	struct func_find *ff = arg;
	int score;

	if (tag != DW_TAG_subprogram || !func_matches(g, d, ff->name))
		return 0;
	/* 3: definition with a declaration line, 2: definition, 1: declaration */
	if (gdr_attr_flag(g, d, DW_AT_declaration)) {
		score = 1;
	} else {
		Dwarf_Unsigned ln = 0;

		score = gdr_die_follow_udata(g, d, DW_AT_decl_line, &ln, 0) > 0 ? 3 : 2;
	}
	if (score > ff->best) {
		ff->best = score;
		ff->off = gdr_die_off(g, d);
	}
	return score == 3;
}

/* Name of file number fno of the CU cu (a DIE). */
static int cu_file(struct gd_obj *g, size_t cui, Dwarf_Die cu,
		   Dwarf_Unsigned fno, const char **file)
{
	char **files = NULL;
	Dwarf_Signed n = 0;
	Dwarf_Error e = NULL;
	Dwarf_Unsigned idx;
	int r;

	*file = NULL;
	r = dwarf_srcfiles(cu, &files, &n, &e);
	if (r == DW_DLV_NO_ENTRY)
		return 0;
	if (r != DW_DLV_OK)
		return gdr_dw_fail(g, &e, "cannot read file names");
	/* DWARF 5 numbers files from 0, earlier versions from 1 */
	idx = g->cus[cui].version >= 5 ? fno : fno - 1;
	if (fno && idx < (Dwarf_Unsigned)n)
		*file = gdr_intern(g, files[idx]);
	else if (!fno && g->cus[cui].version >= 5 && n > 0)
		*file = gdr_intern(g, files[0]);
	for (Dwarf_Signed i = 0; i < n; i++)
		dwarf_dealloc(g->dbg, files[i], DW_DLA_STRING);
	dwarf_dealloc(g->dbg, files, DW_DLA_LIST);
	return 0;
}

int gd_func_decl(struct gd_obj *g, const char *sym_name, unsigned *line,
		 const char **file)
{
	struct func_find ff = { 0 };
	size_t best_cu = 0;
	char *name;
	int r = 0;

	if (line)
		*line = 0;
	if (file)
		*file = NULL;
	if (!g->has_dwarf)
		return -ENOENT;
	if (!(name = clone_origin(sym_name)))
		return -ENOMEM;
	/* first the symbol as given, then its clone origin */
	for (int pass = 0; pass < 2 && !ff.best; pass++) {
		ff.name = pass ? name : sym_name;
		if (pass && !strcmp(name, sym_name))
			break;
		for (size_t i = 0; i < g->ncus && ff.best < 3; i++) {
			Dwarf_Die cu;
			int before = ff.best;

			if ((r = gdr_die_at(g, g->cus[i].off, &cu)) < 0)
				goto out;
			r = gdr_walk(g, cu, 0, find_func_cb, &ff, 0);
			dwarf_dealloc_die(cu);
			if (r < 0)
				goto out;
			if (ff.best > before)
				best_cu = i;
		}
	}
	if (!ff.best) {
		r = -ENOENT;
		goto out;
	}
	{
		Dwarf_Die cu, d;
		Dwarf_Unsigned ln = 0, fno = 0;

		if ((r = gdr_die_at(g, ff.off, &d)) < 0)
			goto out;
		gdr_die_follow_udata(g, d, DW_AT_decl_line, &ln, 0);
		gdr_die_follow_udata(g, d, DW_AT_decl_file, &fno, 0);
		dwarf_dealloc_die(d);
		if (line)
			*line = (unsigned)ln;
		r = 0;
		if (file && fno) {
			if ((r = gdr_die_at(g, g->cus[best_cu].off, &cu)) < 0)
				goto out;
			r = cu_file(g, best_cu, cu, fno, file);
			dwarf_dealloc_die(cu);
		}
	}
out:
	free(name);
	return r;
}

/* ------------------------------------------------------------ lines */

static int lrel_cmp(const void *a, const void *b)
{
	const struct lrel *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

/* ET_REL: the R_X86_64_64 relocations of .rela.debug_line, by offset. */
static int load_lrels(struct gd_obj *g)
{
	Elf *elf;
	Elf_Scn *scn = NULL, *rscn = NULL;
	size_t shstrndx, line_ndx = 0, cap = 0;
	GElf_Shdr sh, rsh = { 0 }, symsh;
	Elf_Data *rd, *sd;
	Elf_Scn *symscn;
	int fd, r = 0;

	if (g->lrels_loaded)
		return 0;
	fd = open(g->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		gen_err("gen: '%s': cannot open: %s", g->path, strerror(errno));
		return r;
	}
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_getshdrstrndx(elf, &shstrndx) < 0) {
		r = -GEN_EINPUT;
		gen_err("gen: '%s': cannot read ELF: %s", g->path, elf_errmsg(-1));
		goto out;
	}
	while ((scn = elf_nextscn(elf, scn))) {
		const char *n;

		if (!gelf_getshdr(scn, &sh))
			continue;
		n = elf_strptr(elf, shstrndx, sh.sh_name);
		if (n && !strcmp(n, ".debug_line"))
			line_ndx = elf_ndxscn(scn);
	}
	scn = NULL;
	while (line_ndx && (scn = elf_nextscn(elf, scn))) {
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_RELA &&
		    sh.sh_info == line_ndx) {
			rscn = scn;
			rsh = sh;
		}
	}
	if (!rscn)
		goto done;	/* no relocations: everything in one section */
	symscn = elf_getscn(elf, rsh.sh_link);
	if (!symscn || !gelf_getshdr(symscn, &symsh) ||
	    !(sd = elf_getdata(symscn, NULL)) || !(rd = elf_getdata(rscn, NULL))) {
		r = -GEN_EINPUT;
		gen_err("gen: '%s': cannot read .rela.debug_line: %s", g->path,
			elf_errmsg(-1));
		goto out;
	}
	for (size_t i = 0; rsh.sh_entsize && i < rsh.sh_size / rsh.sh_entsize; i++) {
		GElf_Rela rel;
		GElf_Sym sym;

		if (!gelf_getrela(rd, (int)i, &rel))
			break;
		if (GELF_R_TYPE(rel.r_info) != R_X86_64_64)
			continue;
		if (!gelf_getsym(sd, (int)GELF_R_SYM(rel.r_info), &sym)) {
			r = -GEN_EINPUT;
			gen_err("gen: '%s': .rela.debug_line: bad symbol index %u",
				g->path, (unsigned)GELF_R_SYM(rel.r_info));
			goto out;
		}
		if (g->nlrels == cap) {
			struct lrel *n;

			cap = cap ? cap * 2 : 16;
			n = realloc(g->lrels, cap * sizeof(*n));
			if (!n) {
				r = -ENOMEM;
				goto out;
			}
			g->lrels = n;
		}
		g->lrels[g->nlrels].off = rel.r_offset;
		g->lrels[g->nlrels].shndx = sym.st_shndx;
		g->lrels[g->nlrels].value = sym.st_value + rel.r_addend;
		g->nlrels++;
	}
	if (g->nlrels)
		qsort(g->lrels, g->nlrels, sizeof(*g->lrels), lrel_cmp);
done:
	g->lrels_loaded = 1;
out:
	if (elf)
		elf_end(elf);
	close(fd);
	return r;
}

static int load_cu_lines(struct gd_obj *g, size_t ci)
{
	struct gd_cu *c = &g->cus[ci];
	Dwarf_Die cu;
	Dwarf_Unsigned ver = 0;
	Dwarf_Small tcount = 0;
	Dwarf_Line_Context ctx = NULL;
	Dwarf_Line *lines = NULL;
	Dwarf_Signed n = 0;
	Dwarf_Error e = NULL;
	int r;

	if (c->lines_loaded)
		return 0;
	if (!c->has_stmt) {
		c->lines_loaded = 1;
		return 0;
	}
	if ((r = gdr_die_at(g, c->off, &cu)) < 0)
		return r;
	r = dwarf_srclines_b(cu, &ver, &tcount, &ctx, &e);
	dwarf_dealloc_die(cu);
	if (r == DW_DLV_NO_ENTRY) {
		c->lines_loaded = 1;
		return 0;
	}
	if (r != DW_DLV_OK)
		return gdr_dw_fail(g, &e, "cannot read line table");
	if (dwarf_srclines_from_linecontext(ctx, &lines, &n, &e) != DW_DLV_OK) {
		dwarf_srclines_dealloc_b(ctx);
		return gdr_dw_fail(g, &e, "cannot read line table");
	}
	c->rows = calloc(n ? n : 1, sizeof(*c->rows));
	if (!c->rows) {
		dwarf_srclines_dealloc_b(ctx);
		return -ENOMEM;
	}
	for (Dwarf_Signed i = 0; i < n; i++) {
		struct lrow *w = &c->rows[i];
		Dwarf_Addr a = 0;
		Dwarf_Unsigned ln = 0, col = 0;
		Dwarf_Bool st = 0, es = 0;
		char *src = NULL;

		if (dwarf_lineaddr(lines[i], &a, &e) != DW_DLV_OK ||
		    dwarf_lineno(lines[i], &ln, &e) != DW_DLV_OK ||
		    dwarf_lineoff_b(lines[i], &col, &e) != DW_DLV_OK ||
		    dwarf_linebeginstatement(lines[i], &st, &e) != DW_DLV_OK ||
		    dwarf_lineendsequence(lines[i], &es, &e) != DW_DLV_OK) {
			dwarf_srclines_dealloc_b(ctx);
			free(c->rows);
			c->rows = NULL;
			return gdr_dw_fail(g, &e, "cannot read line table row");
		}
		r = dwarf_linesrc(lines[i], &src, &e);
		if (r == DW_DLV_OK) {
			w->file = gdr_intern(g, src);
			dwarf_dealloc(g->dbg, src, DW_DLA_STRING);
		} else {
			gdr_drop_err(g, &e);
			w->file = gdr_intern(g, "??");
		}
		if (!w->file) {
			dwarf_srclines_dealloc_b(ctx);
			free(c->rows);
			c->rows = NULL;
			return -ENOMEM;
		}
		w->addr = a;
		w->line = (unsigned)ln;
		w->column = (unsigned)col;
		w->is_stmt = st != 0;
		w->end_seq = es != 0;
	}
	c->nrows = n;
	dwarf_srclines_dealloc_b(ctx);

	if (g->etype == ET_REL) {
		/* k-th sequence of this CU's line program <-> k-th R_X86_64_64
		 * relocation (of its DW_LNE_set_address) in the program's
		 * range of .debug_line */
		uint64_t lo = c->stmt_list, hi = UINT64_MAX;
		size_t first = 0, nrel = 0, nseq = 0, k = 0;

		if ((r = load_lrels(g)) < 0)
			return r;
		for (size_t j = 0; j < g->ncus; j++)
			if (g->cus[j].has_stmt && g->cus[j].stmt_list > lo &&
			    g->cus[j].stmt_list < hi)
				hi = g->cus[j].stmt_list;
		while (first < g->nlrels && g->lrels[first].off < lo)
			first++;
		while (first + nrel < g->nlrels && g->lrels[first + nrel].off < hi)
			nrel++;
		for (size_t i = 0; i < c->nrows; i++)
			if (c->rows[i].end_seq || i + 1 == c->nrows)
				nseq++;
		/* A sequence may hold several DW_LNE_set_address (GAS emits one
		 * per subsection switch), all into the sequence's section; a
		 * new section always starts a new sequence.  So sequences map
		 * to the runs of relocations against one section. */
		unsigned *seq_shndx = calloc(nseq ? nseq : 1, sizeof(*seq_shndx));
		size_t nrun = 0;

		if (!seq_shndx) {
			free(c->rows);
			c->rows = NULL;
			c->nrows = 0;
			return -ENOMEM;
		}
		if (nseq == nrel) {
			for (size_t j = 0; j < nrel; j++)
				seq_shndx[j] = g->lrels[first + j].shndx;
			nrun = nrel;
		} else {
			for (size_t j = 0; j < nrel; j++) {
				unsigned sh = g->lrels[first + j].shndx;

				if (j && g->lrels[first + j - 1].shndx == sh)
					continue;
				if (nrun < nseq)
					seq_shndx[nrun] = sh;
				nrun++;
			}
		}
		if (nseq && !nrel && !g->nlrels) {
			/* no relocations at all: no way to tell; leave 0 */
		} else if (nseq != nrun) {
			gen_err("gen: '%s': dwarf: cannot map line sequences of CU '%s' "
				"to sections (%zu sequences, %zu address relocations)",
				g->path, c->name, nseq, nrel);
			free(seq_shndx);
			free(c->rows);
			c->rows = NULL;
			c->nrows = 0;
			return -GEN_EINPUT;
		}
		for (size_t i = 0; i < c->nrows && nrun; i++) {
			c->rows[i].shndx = seq_shndx[k];
			if (c->rows[i].end_seq && k + 1 < nrun)
				k++;
		}
		free(seq_shndx);
	}
	c->lines_loaded = 1;
	return 0;
}

static int grow_cmp(const void *a, const void *b)
{
	const struct gd_row *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return 0;
}

int gd_lines(struct gd_obj *g, unsigned shndx, uint64_t start, uint64_t size,
	     struct gd_row **rows, size_t *nrows)
{
	struct gd_row *out = NULL;
	size_t n = 0, cap = 0;
	int r;

	*rows = NULL;
	*nrows = 0;
	if (!g->has_dwarf)
		return 0;
	for (size_t ci = 0; ci < g->ncus; ci++) {
		struct gd_cu *c = &g->cus[ci];

		if ((r = load_cu_lines(g, ci)) < 0) {
			free(out);
			return r;
		}
		for (size_t i = 0; i < c->nrows; i++) {
			const struct lrow *w = &c->rows[i];

			if (w->end_seq || w->addr < start || w->addr - start >= size)
				continue;
			if (g->etype == ET_REL && w->shndx != shndx)
				continue;
			if (n == cap) {
				struct gd_row *nr;

				cap = cap ? cap * 2 : 32;
				nr = realloc(out, cap * sizeof(*nr));
				if (!nr) {
					free(out);
					return -ENOMEM;
				}
				out = nr;
			}
			out[n].addr = w->addr - start;
			out[n].file = w->file;
			out[n].line = w->line;
			out[n].column = w->column;
			out[n].is_stmt = w->is_stmt;
			n++;
		}
	}
	/* stable sort by address (insertion sort keeps equal rows in order,
	 * and rows come mostly sorted) */
	for (size_t i = 1; i < n; i++) {
		struct gd_row t = out[i];
		size_t j = i;

		while (j > 0 && grow_cmp(&out[j - 1], &t) > 0) {
			out[j] = out[j - 1];
			j--;
		}
		out[j] = t;
	}
	*rows = out;
	*nrows = n;
	return 0;
}
