/* dwarf_write.c - the PO's own DWARF, built with libdwarf's producer.
 *
 * One compile unit (DWARF 4, 64-bit addresses, symbolic relocations).  The
 * symbol indices handed to libdwarf are po_writer symbol handles; the
 * producer's section callback gets local ids whose "section name symbols"
 * are placeholders above any handle (FAKE_SYM + id) and are turned into
 * po_writer_section_sym() handles once the sections exist.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dwarf.h>
#include <elf.h>
#include <libdwarf.h>

#include "gdwarf.h"
#include "gen_internal.h"
#include "po.h"

#define FAKE_SYM (1ULL << 40)
/* libdwarf's producer accepts string attributes only from a short list or
 * the user range; DW_AT_description is written under this user-range
 * number and renamed in .debug_abbrev after the sections are produced. */
#define AT_DESC_PLACEHOLDER 0x3ff0
#define MAX_SECS 32

struct osec {
	char *name;
	int is_rel;
	unsigned char *data;
	size_t size;
	int po_id;
};

struct tmemo {			/* a type already written */
	const struct gtype *t;
	Dwarf_P_Die d;
};

struct gd_out {
	char *patch_name;
	struct tmemo *types;
	size_t ntypes, ctypes;
	Dwarf_P_Debug dbg;
	Dwarf_P_Die cu;
	int finished;
	int nlines;		/* sequences written */
	char **files;		/* line table file names; index i is file i+1 */
	size_t nfiles;
	struct osec secs[MAX_SECS];
	int nsecs;
	int cb_err;
};

static int pfail(struct gd_out *o, Dwarf_Error e, const char *what)
{
	/* producer errors carry only a number */
	const char *m = e ? dwarf_errmsg_by_number(dwarf_errno(e)) : NULL;

	gen_err("gen: '%s': dwarf: %s: %s", o->patch_name, what,
		m ? m : "libdwarf producer error");
	return -GEN_EINPUT;
}

static int sec_cb(const char *name, int size, Dwarf_Unsigned type,
		  Dwarf_Unsigned flags, Dwarf_Unsigned link,
		  Dwarf_Unsigned info, Dwarf_Unsigned *sect_name_index,
		  void *user_data, int *error)
{
	struct gd_out *o = user_data;
	struct osec *s;

	if (o->nsecs >= MAX_SECS) {
		o->cb_err = -E2BIG;
		*error = 1;
		return -1;
	}
	s = &o->secs[o->nsecs];
	memset(s, 0, sizeof(*s));
	s->name = strdup(name ? name : "");
	if (!s->name) {
		o->cb_err = -ENOMEM;
		*error = 1;
		return -1;
	}
	s->is_rel = !strncmp(s->name, ".rel", 4);
	s->po_id = -1;
	o->nsecs++;
	*sect_name_index = FAKE_SYM + o->nsecs;
	*error = 0;
	return o->nsecs;	/* our "ELF index": position + 1 */
}

int gd_out_new(struct gd_out **out, const char *patch_name)
{
	struct gd_out *o = calloc(1, sizeof(*o));
	Dwarf_Error e = NULL;
	Dwarf_P_Attribute a;
	int r;

	*out = NULL;
	if (!o || !(o->patch_name = strdup(patch_name ? patch_name : "katana patch"))) {
		free(o);
		return -ENOMEM;
	}
	r = dwarf_producer_init(DW_DLC_WRITE | DW_DLC_POINTER64 | DW_DLC_OFFSET32 |
				DW_DLC_SYMBOLIC_RELOCATIONS |
				DW_DLC_TARGET_LITTLEENDIAN,
				sec_cb, NULL, NULL, o, "x86_64", "V4", NULL,
				&o->dbg, &e);
	if (r != DW_DLV_OK) {
		r = pfail(o, e, "cannot start producer");
		o->dbg = NULL;
		gd_out_free(o);
		return r;
	}
	if (dwarf_new_die_a(o->dbg, DW_TAG_compile_unit, NULL, NULL, NULL, NULL,
			    &o->cu, &e) != DW_DLV_OK ||
	    dwarf_add_AT_name_a(o->cu, o->patch_name, &a, &e) != DW_DLV_OK ||
	    dwarf_add_AT_producer_a(o->cu, (char *)"katana gen", &a, &e) != DW_DLV_OK ||
	    dwarf_add_AT_unsigned_const_a(o->dbg, o->cu, DW_AT_language,
					  DW_LANG_C99, &a, &e) != DW_DLV_OK ||
	    dwarf_add_die_to_debug_a(o->dbg, o->cu, &e) != DW_DLV_OK) {
		r = pfail(o, e, "cannot create compile unit");
		gd_out_free(o);
		return r;
	}
	*out = o;
	return 0;
}

void gd_out_free(struct gd_out *o)
{
	Dwarf_Error e = NULL;

	if (!o)
		return;
	if (o->dbg)
		dwarf_producer_finish_a(o->dbg, &e);
	for (size_t i = 0; i < o->nfiles; i++)
		free(o->files[i]);
	free(o->files);
	for (int i = 0; i < o->nsecs; i++) {
		free(o->secs[i].name);
		free(o->secs[i].data);
	}
	free(o->patch_name);
	free(o->types);
	free(o);
}

/* Line table file index (1-based) of name, declaring it when new. */
static int file_index(struct gd_out *o, const char *name, Dwarf_Unsigned *idx)
{
	Dwarf_Error e = NULL;
	Dwarf_Unsigned n = 0;
	char **nf, *copy;

	for (size_t i = 0; i < o->nfiles; i++) {
		if (!strcmp(o->files[i], name)) {
			*idx = i + 1;
			return 0;
		}
	}
	nf = realloc(o->files, (o->nfiles + 1) * sizeof(*nf));
	if (!nf)
		return -ENOMEM;
	o->files = nf;
	if (!(copy = strdup(name)))
		return -ENOMEM;
	if (dwarf_add_file_decl_a(o->dbg, copy, 0, 0, 0, &n, &e) != DW_DLV_OK) {
		free(copy);
		return pfail(o, e, "cannot declare file");
	}
	o->files[o->nfiles++] = copy;
	*idx = o->nfiles;
	return 0;
}

static int new_die(struct gd_out *o, Dwarf_Tag tag, Dwarf_P_Die *d)
{
	Dwarf_Error e = NULL;

	if (dwarf_new_die_a(o->dbg, tag, o->cu, NULL, NULL, NULL, d, &e) != DW_DLV_OK)
		return pfail(o, e, "cannot create DIE");
	return 0;
}

static int add_str(struct gd_out *o, Dwarf_P_Die d, Dwarf_Half at,
		   const char *s)
{
	Dwarf_Error e = NULL;
	Dwarf_P_Attribute a;
	int r;

	if (!s)
		return 0;
	if (at == DW_AT_description)
		at = AT_DESC_PLACEHOLDER;
	if (at == DW_AT_name)
		r = dwarf_add_AT_name_a(d, (char *)s, &a, &e);
	else
		r = dwarf_add_AT_string_a(o->dbg, d, at, (char *)s, &a, &e);
	if (r != DW_DLV_OK)
		return pfail(o, e, "cannot add string attribute");
	return 0;
}

static int add_const(struct gd_out *o, Dwarf_P_Die d, Dwarf_Half at,
		     Dwarf_Unsigned v)
{
	Dwarf_Error e = NULL;
	Dwarf_P_Attribute a;

	if (dwarf_add_AT_unsigned_const_a(o->dbg, d, at, v, &a, &e) != DW_DLV_OK)
		return pfail(o, e, "cannot add constant attribute");
	return 0;
}

static int add_addr(struct gd_out *o, Dwarf_P_Die d, Dwarf_Half at, int sym)
{
	Dwarf_Error e = NULL;
	Dwarf_P_Attribute a;

	if (dwarf_add_AT_targ_address_c(o->dbg, d, at, 0, (Dwarf_Unsigned)sym,
					&a, &e) != DW_DLV_OK)
		return pfail(o, e, "cannot add address attribute");
	return 0;
}

int gd_out_func(struct gd_out *o, const char *name, const char *cu,
		int new_sym, uint64_t new_size, int old_sym, uint64_t old_size,
		const char *decl_file, unsigned decl_line,
		const struct gd_row *rows, size_t nrows, const char *desc)
{
	Dwarf_P_Die nd = NULL, od = NULL;
	Dwarf_P_Attribute a;
	Dwarf_Error e = NULL;
	Dwarf_Unsigned fidx = 0;
	int r;

	if (!o || o->finished || !name || new_sym <= 0)
		return -EINVAL;
	/* the replaced code's DIE comes first: tools that look a line
	 * sequence's address up among subprograms (dwarfdump -k) then find
	 * the new function, whose DIE is the later one at the same
	 * (relocatable) address */
	if (old_sym > 0 && (r = new_die(o, DW_TAG_subprogram, &od)) < 0)
		return r;
	if ((r = new_die(o, DW_TAG_subprogram, &nd)) < 0 ||
	    (r = add_str(o, nd, DW_AT_name, name)) < 0)
		return r;
	if (decl_file && *decl_file) {
		if ((r = file_index(o, decl_file, &fidx)) < 0 ||
		    (r = add_const(o, nd, DW_AT_decl_file, fidx)) < 0)
			return r;
	}
	if (decl_line && (r = add_const(o, nd, DW_AT_decl_line, decl_line)) < 0)
		return r;
	if ((r = add_addr(o, nd, DW_AT_low_pc, new_sym)) < 0 ||
	    (r = add_const(o, nd, DW_AT_high_pc, new_size)) < 0 ||
	    (r = add_str(o, nd, DW_AT_description, desc)) < 0)
		return r;

	if (old_sym > 0) {
		char buf[512];

		snprintf(buf, sizeof(buf), "replaced by %s from %s (katana patch)",
			 name, cu ? cu : "?");
		if ((r = add_str(o, od, DW_AT_name, name)) < 0 ||
		    (r = add_addr(o, od, DW_AT_low_pc, old_sym)) < 0 ||
		    (r = add_const(o, od, DW_AT_high_pc, old_size)) < 0)
			return r;
		if (dwarf_add_AT_reference_c(o->dbg, od, DW_AT_trampoline, nd, &a,
					     &e) != DW_DLV_OK)
			return pfail(o, e, "cannot add DW_AT_trampoline");
		if ((r = add_str(o, od, DW_AT_description, buf)) < 0)
			return r;
	}

	/* the line table: one sequence per function, rows relative to it */
	if (nrows) {
		int started = 0;

		for (size_t i = 0; i < nrows; i++) {
			if (rows[i].addr >= new_size || !rows[i].file)
				continue;
			if (i && rows[i].addr < rows[i - 1].addr)
				continue;	/* must not go backwards */
			if ((r = file_index(o, rows[i].file, &fidx)) < 0)
				return r;
			if (!started) {
				if (dwarf_lne_set_address_a(o->dbg, 0,
							    (Dwarf_Unsigned)new_sym,
							    &e) != DW_DLV_OK)
					return pfail(o, e, "cannot start line sequence");
				started = 1;
			}
			if (dwarf_add_line_entry_c(o->dbg, fidx, rows[i].addr,
						   rows[i].line, rows[i].column,
						   rows[i].is_stmt != 0, 0, 0, 0, 0, 0,
						   &e) != DW_DLV_OK)
				return pfail(o, e, "cannot add line row");
		}
		if (started) {
			if (dwarf_lne_end_sequence_a(o->dbg, new_size, &e) != DW_DLV_OK)
				return pfail(o, e, "cannot end line sequence");
			o->nlines++;
		}
	}
	return 0;
}

/* ------------------------------------------------------------ types */
static int die_under(struct gd_out *o, Dwarf_Tag tag, Dwarf_P_Die parent, Dwarf_P_Die *d)
{
	Dwarf_Error e = NULL;

	if (dwarf_new_die_a(o->dbg, tag, parent ? parent : o->cu, NULL, NULL, NULL, d, &e) !=
	    DW_DLV_OK)
		return pfail(o, e, "cannot create DIE");
	return 0;
}

static int add_ref(struct gd_out *o, Dwarf_P_Die d, Dwarf_Half at, Dwarf_P_Die to)
{
	Dwarf_Error e = NULL;
	Dwarf_P_Attribute a;

	if (!to)
		return 0;	/* void: no DW_AT_type */
	if (dwarf_add_AT_reference_c(o->dbg, d, at, to, &a, &e) != DW_DLV_OK)
		return pfail(o, e, "cannot add type reference");
	return 0;
}

static int type_die(struct gd_out *o, const struct gtype *t, Dwarf_P_Die *out, int depth);

static int members(struct gd_out *o, const struct gtype *t, Dwarf_P_Die d, int depth)
{
	int r = 0;

	for (size_t i = 0; !r && i < t->nm; i++) {
		const struct gt_member *m = &t->m[i];
		Dwarf_P_Die md, mt;

		r = die_under(o, DW_TAG_member, d, &md);
		if (!r && *m->name)
			r = add_str(o, md, DW_AT_name, m->name);
		if (!r)
			r = type_die(o, m->type, &mt, depth + 1);
		if (!r)
			r = add_ref(o, md, DW_AT_type, mt);
		if (!r && m->bit_size) {
			/* libdwarf's add_AT_unsigned_const refuses this DWARF 4
			 * attribute: written as ULEB (DW_FORM_udata) */
			Dwarf_Error e = NULL;
			Dwarf_P_Attribute a;

			if (dwarf_add_AT_any_value_uleb_a(md, DW_AT_data_bit_offset, m->bit_pos,
							  &a, &e) != DW_DLV_OK)
				r = pfail(o, e, "cannot add DW_AT_data_bit_offset");
			if (!r)
				r = add_const(o, md, DW_AT_bit_size, m->bit_size);
		} else if (!r && t->kind == GT_STRUCT) {
			r = add_const(o, md, DW_AT_data_member_location, m->off);
		}
	}
	for (size_t i = 0; !r && i < t->ne; i++) {
		Dwarf_P_Die ed;
		Dwarf_P_Attribute a;
		Dwarf_Error e = NULL;

		r = die_under(o, DW_TAG_enumerator, d, &ed);
		if (!r)
			r = add_str(o, ed, DW_AT_name, t->e[i].name);
		if (!r && dwarf_add_AT_signed_const_a(o->dbg, ed, DW_AT_const_value, t->e[i].value,
						      &a, &e) != DW_DLV_OK)
			r = pfail(o, e, "cannot add enumerator value");
	}
	return r;
}

/* The DIE of type t (a top-level DIE of the compile unit), written once. */
static int type_die(struct gd_out *o, const struct gtype *t, Dwarf_P_Die *out, int depth)
{
	static const Dwarf_Tag tags[] = {
		[GT_VOID] = DW_TAG_base_type, [GT_BASE] = DW_TAG_base_type,
		[GT_PTR] = DW_TAG_pointer_type, [GT_ARRAY] = DW_TAG_array_type,
		[GT_STRUCT] = DW_TAG_structure_type, [GT_UNION] = DW_TAG_union_type,
		[GT_ENUM] = DW_TAG_enumeration_type, [GT_FUNC] = DW_TAG_subroutine_type,
		[GT_DECL] = DW_TAG_structure_type, [GT_OTHER] = DW_TAG_base_type,
	};
	Dwarf_P_Die d, sub;
	Dwarf_Tag tag;
	int r;

	*out = NULL;
	if (!t || t->kind == GT_VOID)
		return 0;
	if (depth > 4 * 64)
		return -ELOOP;
	for (size_t i = 0; i < o->ntypes; i++)
		if (o->types[i].t == t) {
			*out = o->types[i].d;
			return 0;
		}
	tag = tags[t->kind];
	if (t->kind == GT_DECL)
		tag = t->decl_kind == GT_UNION ? DW_TAG_union_type :
		      t->decl_kind == GT_ENUM ? DW_TAG_enumeration_type : DW_TAG_structure_type;
	if ((r = die_under(o, tag, NULL, &d)) < 0)
		return r;
	/* in the memo before what it refers to: pointers make cycles */
	if (o->ntypes == o->ctypes) {
		size_t nc = o->ctypes ? o->ctypes * 2 : 32;
		struct tmemo *nm = realloc(o->types, nc * sizeof(*nm));

		if (!nm)
			return -ENOMEM;
		o->types = nm;
		o->ctypes = nc;
	}
	o->types[o->ntypes++] = (struct tmemo){ t, d };
	*out = d;
	if (t->name && (r = add_str(o, d, DW_AT_name, t->name)) < 0)
		return r;
	switch (t->kind) {
	case GT_BASE:
	case GT_OTHER:
		if (!t->name && (r = add_str(o, d, DW_AT_name, t->spell)) < 0)
			return r;
		r = add_const(o, d, DW_AT_byte_size, t->size);
		if (!r)
			r = add_const(o, d, DW_AT_encoding, t->kind == GT_BASE && t->encoding ?
					t->encoding : DW_ATE_unsigned);
		return r;
	case GT_PTR:
		r = add_const(o, d, DW_AT_byte_size, t->size ? t->size : 8);
		if (!r)
			r = type_die(o, t->target, &sub, depth + 1);
		return r ? r : add_ref(o, d, DW_AT_type, sub);
	case GT_ARRAY:
		r = type_die(o, t->target, &sub, depth + 1);
		if (!r)
			r = add_ref(o, d, DW_AT_type, sub);
		if (!r) {
			Dwarf_P_Die sr;

			r = die_under(o, DW_TAG_subrange_type, d, &sr);
			if (!r && t->count)
				r = add_const(o, sr, DW_AT_count, t->count);
		}
		return r;
	case GT_STRUCT:
	case GT_UNION:
	case GT_ENUM:
		r = add_const(o, d, DW_AT_byte_size, t->size);
		if (!r && t->kind == GT_ENUM)
			r = add_const(o, d, DW_AT_encoding, t->is_signed ? DW_ATE_signed : DW_ATE_unsigned);
		return r ? r : members(o, t, d, depth);
	case GT_DECL: {
		Dwarf_P_Attribute a;
		Dwarf_Error e = NULL;

		if (dwarf_add_AT_flag_a(o->dbg, d, DW_AT_declaration, 1, &a, &e) != DW_DLV_OK)
			return pfail(o, e, "cannot add declaration flag");
		return 0;
	}
	case GT_FUNC: {
		Dwarf_P_Attribute a;
		Dwarf_Error e = NULL;

		if (dwarf_add_AT_flag_a(o->dbg, d, DW_AT_prototyped, 1, &a, &e) != DW_DLV_OK)
			return pfail(o, e, "cannot add prototyped flag");
		return 0;
	}
	default:
		return 0;
	}
}

int gd_out_typedef(struct gd_out *o, const char *name, const struct gtype *t)
{
	Dwarf_P_Die d, td;
	int r;

	if (!o || o->finished || !name)
		return -EINVAL;
	if ((r = type_die(o, t, &td, 0)) < 0 || (r = die_under(o, DW_TAG_typedef, NULL, &d)) < 0 ||
	    (r = add_str(o, d, DW_AT_name, name)) < 0)
		return r;
	return add_ref(o, d, DW_AT_type, td);
}

int gd_out_wrapper(struct gd_out *o, const char *tag, const char *member, const struct gtype *t)
{
	Dwarf_P_Die d, md, td;
	int r;

	if (!o || o->finished || !tag || !member)
		return -EINVAL;
	if ((r = type_die(o, t, &td, 0)) < 0 ||
	    (r = die_under(o, DW_TAG_structure_type, NULL, &d)) < 0 ||
	    (r = add_str(o, d, DW_AT_name, tag)) < 0 ||
	    (r = add_const(o, d, DW_AT_byte_size, t ? t->size : 0)) < 0 ||
	    (r = die_under(o, DW_TAG_member, d, &md)) < 0 ||
	    (r = add_str(o, md, DW_AT_name, member)) < 0 ||
	    (r = add_const(o, md, DW_AT_data_member_location, 0)) < 0)
		return r;
	return add_ref(o, md, DW_AT_type, td);
}

int gd_out_var(struct gd_out *o, const char *name, const char *cu,
	       int new_sym, uint64_t new_size, int old_sym, uint64_t old_size,
	       const char *type_name, const char *desc,
	       const struct gtype *new_t, const struct gtype *old_t)
{
	/* a transformed variable (both types known): the second DIE is the
	 * old view, with the old type and a name of its own (GDB would not
	 * know which `cfg` is meant); a fixed-up one has only one storage,
	 * seen both ways */
	int renamed = new_t && old_t && old_sym > 0;
	int syms[2] = { new_sym > 0 ? new_sym : old_sym,
			(new_sym > 0 || renamed) && old_sym > 0 ? old_sym : 0 };

	if (!o || o->finished || !name || syms[0] <= 0)
		return -EINVAL;
	for (int k = 0; k < 2 && syms[k] > 0; k++) {
		Dwarf_P_Die d, td;
		Dwarf_P_Expr x;
		Dwarf_P_Attribute a;
		Dwarf_Error e = NULL;
		Dwarf_Unsigned next;
		char buf[512];
		int r;

		snprintf(buf, sizeof(buf), "katana_old_%s", name);
		if ((r = new_die(o, DW_TAG_variable, &d)) < 0 ||
		    (r = add_str(o, d, DW_AT_name, k && renamed ? buf : name)) < 0)
			return r;
		if (dwarf_new_expr_a(o->dbg, &x, &e) != DW_DLV_OK ||
		    dwarf_add_expr_addr_c(x, 0, (Dwarf_Unsigned)syms[k], &next,
					  &e) != DW_DLV_OK ||
		    dwarf_add_AT_location_expr_a(o->dbg, d, DW_AT_location, x, &a,
						 &e) != DW_DLV_OK)
			return pfail(o, e, "cannot add variable location");
		if ((r = type_die(o, k == 0 && new_t ? new_t : old_t, &td, 0)) < 0 ||
		    (r = add_ref(o, d, DW_AT_type, td)) < 0)
			return r;
		if (k == 0)
			snprintf(buf, sizeof(buf), "%s%s%s%s%s", desc ? desc : "",
				 desc && type_name ? "; " : "",
				 type_name ? "type " : "", type_name ? type_name : "",
				 !desc && !type_name ? "katana patch variable" : "");
		else if (new_sym > 0)
			snprintf(buf, sizeof(buf),
				 "old storage of %s from %s (%llu bytes; new copy %llu bytes)",
				 name, cu ? cu : "?", (unsigned long long)old_size,
				 (unsigned long long)new_size);
		else
			snprintf(buf, sizeof(buf), "%s from %s seen with its type before the patch",
				 name, cu ? cu : "?");
		if ((r = add_str(o, d, DW_AT_description, buf)) < 0)
			return r;
	}
	return 0;
}

static uint64_t get_le(const unsigned char *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static int uleb_get(const unsigned char *p, size_t n, size_t *i, uint64_t *v)
{
	unsigned sh = 0;

	*v = 0;
	while (*i < n && sh < 64) {
		unsigned char b = p[(*i)++];

		*v |= (uint64_t)(b & 0x7f) << sh;
		sh += 7;
		if (!(b & 0x80))
			return 0;
	}
	return -1;
}

static void uleb_put(unsigned char *p, size_t *o, uint64_t v)
{
	do {
		unsigned char b = v & 0x7f;

		v >>= 7;
		p[(*o)++] = b | (v ? 0x80 : 0);
	} while (v);
}

/* Rewrite .debug_abbrev with the placeholder attribute number replaced by
 * DW_AT_description (the table only shrinks; nothing refers into it but
 * the CU header's offset 0 of its only table). */
static int fix_abbrev(struct gd_out *o, struct osec *s)
{
	unsigned char *out = malloc(s->size + 1);
	size_t i = 0, n = 0;
	uint64_t v, form;

	if (!out)
		return -ENOMEM;
	while (i < s->size) {
		/* code (0 ends the table) */
		if (uleb_get(s->data, s->size, &i, &v) < 0)
			goto bad;
		uleb_put(out, &n, v);
		if (!v)
			continue;
		if (uleb_get(s->data, s->size, &i, &v) < 0 || i >= s->size)
			goto bad;	/* tag */
		uleb_put(out, &n, v);
		out[n++] = s->data[i++];	/* children */
		for (;;) {
			if (uleb_get(s->data, s->size, &i, &v) < 0 ||
			    uleb_get(s->data, s->size, &i, &form) < 0)
				goto bad;
			uleb_put(out, &n, v == AT_DESC_PLACEHOLDER ? DW_AT_description : v);
			/* the producer writes DWARF 4 locations as DW_FORM_block1;
			 * for blocks under 128 bytes (ours: DW_OP_addr, 9 bytes)
			 * DW_FORM_exprloc has the same encoding and is the right
			 * form class */
			if (v == DW_AT_location && form == DW_FORM_block1)
				form = DW_FORM_exprloc;
			uleb_put(out, &n, form);
			if (form == DW_FORM_implicit_const) {
				if (uleb_get(s->data, s->size, &i, &v) < 0)
					goto bad;
				uleb_put(out, &n, v);
			}
			if (!v && !form)
				break;
		}
	}
	free(s->data);
	s->data = out;
	s->size = n;
	return 0;
bad:
	free(out);
	gen_err("gen: '%s': dwarf: cannot parse produced .debug_abbrev", o->patch_name);
	return -GEN_EINPUT;
}

struct prel {
	int sec;		/* index into o->secs of the relocated section */
	uint64_t off;
	uint64_t sym;
	unsigned len;
	int64_t addend;
};

int gd_out_finish(struct gd_out *o, struct po_writer *w)
{
	Dwarf_Error e = NULL;
	Dwarf_Signed nbufs = 0;
	Dwarf_Unsigned nrelsecs = 0;
	struct prel *rels = NULL;
	size_t nrels = 0;
	int drdver = 0, r = 0;

	if (!o || !w || o->finished)
		return -EINVAL;
	o->finished = 1;
	if (dwarf_transform_to_disk_form_a(o->dbg, &nbufs, &e) != DW_DLV_OK) {
		if (o->cb_err)
			return o->cb_err;
		return pfail(o, e, "cannot produce sections");
	}
	for (Dwarf_Signed i = 0; i < nbufs; i++) {
		Dwarf_Signed idx = 0;
		Dwarf_Unsigned len = 0;
		Dwarf_Ptr p = NULL;
		struct osec *s;
		unsigned char *nd;

		if (dwarf_get_section_bytes_a(o->dbg, i, &idx, &len, &p, &e) != DW_DLV_OK)
			return pfail(o, e, "cannot get section bytes");
		if (idx < 1 || idx > o->nsecs) {
			gen_err("gen: '%s': dwarf: producer returned unknown section %lld",
				o->patch_name, (long long)idx);
			return -GEN_EINPUT;
		}
		s = &o->secs[idx - 1];
		nd = realloc(s->data, s->size + len + 1);
		if (!nd)
			return -ENOMEM;
		s->data = nd;
		memcpy(s->data + s->size, p, len);
		s->size += len;
	}
	for (int i = 0; i < o->nsecs; i++)
		if (!strcmp(o->secs[i].name, ".debug_abbrev") && o->secs[i].size &&
		    (r = fix_abbrev(o, &o->secs[i])) < 0)
			return r;
	if (dwarf_get_relocation_info_count(o->dbg, &nrelsecs, &drdver, &e) != DW_DLV_OK)
		return pfail(o, e, "cannot count relocations");
	for (Dwarf_Unsigned i = 0; i < nrelsecs; i++) {
		Dwarf_Signed ridx = 0, link = 0;
		Dwarf_Unsigned cnt = 0;
		Dwarf_Relocation_Data rd = NULL;
		struct prel *nr;
		struct osec *s;

		if (dwarf_get_relocation_info(o->dbg, &ridx, &link, &cnt, &rd, &e) != DW_DLV_OK) {
			r = pfail(o, e, "cannot get relocations");
			goto out;
		}
		if (link < 1 || link > o->nsecs) {
			gen_err("gen: '%s': dwarf: relocations for unknown section %lld",
				o->patch_name, (long long)link);
			r = -GEN_EINPUT;
			goto out;
		}
		s = &o->secs[link - 1];
		nr = realloc(rels, (nrels + cnt + 1) * sizeof(*nr));
		if (!nr) {
			r = -ENOMEM;
			goto out;
		}
		rels = nr;
		for (Dwarf_Unsigned k = 0; k < cnt; k++) {
			struct prel *pr = &rels[nrels];
			/* Against a section name symbol it is a 32-bit DWARF
			 * offset, else a 64-bit address.  drd_length is not
			 * trusted: libdwarf 20210528 reports 4 for the 8-byte
			 * operand of DW_LNE_set_address. */
			int fake = rd[k].drd_symbol_index > FAKE_SYM &&
				   rd[k].drd_symbol_index <= FAKE_SYM + (uint64_t)o->nsecs;
			unsigned len = fake ? 4 : 8;

			if ((len != 4 && len != 8) || rd[k].drd_offset + len > s->size) {
				gen_err("gen: '%s': dwarf: bad relocation in %s at 0x%llx",
					o->patch_name, s->name,
					(unsigned long long)rd[k].drd_offset);
				r = -GEN_EINPUT;
				goto out;
			}
			pr->sec = (int)(link - 1);
			pr->off = rd[k].drd_offset;
			pr->sym = rd[k].drd_symbol_index;
			pr->len = len;
			/* RELA: the in-place value becomes the addend */
			pr->addend = (int64_t)get_le(s->data + pr->off, len);
			memset(s->data + pr->off, 0, len);
			nrels++;
		}
	}
	/* sections (relocation sections are the writer's business) */
	for (int i = 0; i < o->nsecs; i++) {
		struct osec *s = &o->secs[i];

		if (s->is_rel || !s->size)
			continue;
		r = po_writer_add_section(w, s->name, SHT_PROGBITS, 0, s->data,
					  s->size, 1);
		if (r < 0)
			goto out;
		s->po_id = r;
		r = 0;
	}
	for (size_t i = 0; i < nrels; i++) {
		const struct prel *pr = &rels[i];
		int sym, sec = o->secs[pr->sec].po_id;

		if (pr->sym > FAKE_SYM && pr->sym <= FAKE_SYM + (uint64_t)o->nsecs) {
			int tgt = o->secs[pr->sym - FAKE_SYM - 1].po_id;

			if (tgt < 0) {
				gen_err("gen: '%s': dwarf: relocation against empty section %s",
					o->patch_name, o->secs[pr->sym - FAKE_SYM - 1].name);
				r = -GEN_EINPUT;
				goto out;
			}
			sym = po_writer_section_sym(w, tgt);
			if (sym < 0) {
				r = sym;
				goto out;
			}
		} else if (pr->sym > 0 && pr->sym <= INT32_MAX) {
			sym = (int)pr->sym;
		} else {
			gen_err("gen: '%s': dwarf: relocation in %s at 0x%llx without symbol",
				o->patch_name, o->secs[pr->sec].name,
				(unsigned long long)pr->off);
			r = -GEN_EINPUT;
			goto out;
		}
		if (sec < 0) {
			r = -GEN_EINPUT;
			goto out;
		}
		r = po_writer_reloc(w, sec, pr->off,
				    pr->len == 8 ? R_X86_64_64 : R_X86_64_32, sym,
				    pr->addend);
		if (r < 0)
			goto out;
	}
out:
	free(rels);
	return r;
}
