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
	for (size_t i = 0; i < po_nunsafe(p); i++)
		touch_str(po_symbol(p, po_unsafe(p, i)->sym)->name);
	for (size_t i = 0; i < po_nwarnings(p); i++)
		touch_str(po_warning(p, i));
	po_close(p);
	return 0;
}
