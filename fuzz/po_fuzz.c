/* po_fuzz.c - libFuzzer harness for the PO reader.
 *
 * po_open_mem promises that everything reachable through the accessors is
 * in bounds; so after a successful open, touch every byte of it and let
 * ASan/UBSan tell us otherwise.  `make fuzz-run` starts from fuzz/seeds. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "po.h"
#include "po_xop.h"

static void quiet(enum po_level level, const char *fmt, va_list ap)
{
	char buf[1024];

	/* format anyway: the messages quote data from the file */
	vsnprintf(buf, sizeof(buf), fmt, ap);
	(void)level;
}

static volatile uint64_t sink;

static void touch_str(const char *s)
{
	sink += s ? strlen(s) : 0;
}

static void touch_bytes(const uint8_t *d, uint64_t n)
{
	for (uint64_t i = 0; d && i < n; i++)
		sink += d[i];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct po_info *in;
	struct po *p;

	po_set_print(quiet);
	if (po_open_mem(data, size, "fuzz.po", &p) < 0)
		return 0;
	in = po_info(p);
	touch_str(in->target_name);
	touch_str(in->generator);
	touch_bytes(in->build_id, in->build_id_len);
	for (size_t i = 0; i < po_nsymbols(p); i++) {
		const struct po_symbol *s = po_symbol(p, i);

		touch_str(s->name);
		touch_str(s->ref_cu);
		touch_str(s->ref_object);
		if (s->ref)
			sink += s->ref->old_value + s->ref->flags;
	}
	for (int id = 0; (size_t)id < po_nsections(p); id++) {
		const struct po_section *s = po_section(p, id);

		if (!s)
			continue;
		touch_str(s->name);
		touch_bytes(s->data, s->size);
		for (size_t r = 0; r < s->nrelocs; r++) {
			const struct po_symbol *rs = po_symbol(p, s->relocs[r].sym);

			touch_str(rs->name);
			touch_str(po_reloc_name(s->relocs[r].type));
			if (s->data)
				sink += s->data[s->relocs[r].offset];
		}
	}
	for (size_t i = 0; i < po_nelf_sections(p); i++)
		touch_str(po_elf_section(p, i, NULL, NULL));
	for (size_t i = 0; i < po_nfuncs(p); i++) {
		const struct po_func *f = po_func(p, i);
		const struct po_section *text = po_section(p, PO_SEC_TEXT);
		const struct po_symbol *ns = po_symbol(p, f->new_sym);

		touch_str(f->name);
		touch_str(f->cu);
		touch_str(po_symbol(p, f->old_sym)->name);
		/* the new code is inside .text.new */
		touch_bytes(text->data + ns->value, f->new_size);
		for (size_t m = 0; m < f->nmasks; m++)
			sink += f->masks[m].off + f->masks[m].len;
	}
	for (size_t i = 0; i < po_nvars(p); i++) {
		const struct po_var *v = po_var(p, i);

		touch_str(v->name);
		touch_str(v->cu);
		touch_str(v->type);
		touch_str(po_var_action_name(v->action));
		touch_str(po_symbol(p, v->old_sym)->name);
		touch_str(po_symbol(p, v->new_sym)->name);
	}
	/* version 2: the transforms; an opened PO's programs all decode */
	for (size_t i = 0; i < po_nxtypes(p); i++) {
		const struct po_xtype *x = po_xtype(p, i);
		const struct po_xtype *all = po_xtype(p, 0);

		touch_str(x->name);
		touch_str(x->diff);
		touch_str(x->back_why);
		for (int back = 0; back < 2; back++) {
			const uint8_t *prog = back ? x->back : x->fwd;
			size_t len = back ? x->back_len : x->fwd_len, pos = 0;
			struct po_xop op;
			char buf[256];
			uint64_t out;

			touch_bytes(prog, len);
			while (prog && pos < len && po_xop_decode(prog, len, &pos, &op) == 0) {
				po_xop_describe(all, po_nxtypes(p), &op, buf, sizeof(buf));
				touch_str(buf);
				touch_str(po_xop_name(op.code));
				if (op.code == PO_XOP_ENUM) {
					int64_t v;

					sink += (uint64_t)po_xop_enum_map(&op, 1, &v);
				}
				if (op.code == PO_XOP_END)
					break;
			}
			for (uint64_t off = 0; prog && off < (back ? x->new_size : x->old_size) && off < 64; off++)
				if (po_xform_translate(all, po_nxtypes(p), i, back, off, &out) == 0)
					sink += out;
		}
	}
	for (size_t i = 0; i < po_nptrs(p); i++) {
		const struct po_ptr *r = po_ptr(p, i);

		touch_str(po_symbol(p, r->site_sym)->name);
		touch_str(po_var(p, r->var)->name);
		sink += r->site_off + (uint64_t)r->addend;
	}
	for (size_t i = 0; i < po_nvars(p); i++)
		if (po_var(p, i)->xtype)
			touch_str(po_xtype(p, po_var(p, i)->xtype - 1)->name);
	for (size_t i = 0; i < po_nunsafe(p); i++)
		touch_str(po_symbol(p, po_unsafe(p, i)->sym)->name);
	for (size_t i = 0; i < po_nwarnings(p); i++)
		touch_str(po_warning(p, i));
	po_close(p);
	return 0;
}
