/* x86.h - x86-64 instruction length decoding for gen (64-bit mode only).
 *
 * Objects built without -ffunction-sections have their intra-section
 * PC-relative references (call/jmp/jcc to a static function, lea of a local
 * symbol) resolved by the assembler, so no relocation records them.  To
 * compare or move such code gen must find every PC-relative displacement in
 * a function's bytes; x86_decode() tells where each instruction ends and
 * where its rel8/rel32 branch displacement or RIP-relative disp32 sits. */
#ifndef KATANA_GEN_X86_H
#define KATANA_GEN_X86_H

#include <stddef.h>
#include <stdint.h>

enum x86_rel_kind { X86_REL_NONE = 0, X86_REL_BRANCH, X86_REL_RIP };

struct x86_insn {
	uint8_t len;		/* total length in bytes */
	uint8_t rel_kind;	/* enum x86_rel_kind */
	uint8_t rel_off;	/* offset of the displacement within the instruction */
	uint8_t rel_size;	/* 1 or 4 (branch), 4 (RIP) */
	uint8_t is_call, is_jmp, is_jcc, is_ret;	/* control flow (direct or indirect for call/jmp) */
	uint8_t is_endbr;	/* endbr64 */
	/* Extra detail, informational. */
	uint8_t opcode;		/* the opcode byte (after any escape/VEX/EVEX prefix) */
	uint8_t map;		/* 0: one-byte, 1: 0F, 2: 0F38, 3: 0F3A,
				 * 5/6: EVEX FP16, 8-10: AMD XOP */
	uint8_t modrm_off;	/* offset of the ModRM byte, 0 if none */
	uint8_t imm_off;	/* offset of the immediate, 0 if none */
	uint8_t imm_size;	/* total immediate bytes (ENTER: 3, EXTRQ: 2) */
};

/* Decode the instruction at p (at most avail bytes).  Returns its length
 * (> 0) or -EINVAL if the bytes are not a valid/known instruction or are cut
 * short.  The target of a PC-relative operand is
 * (address of the next instruction) + (signed displacement); this holds for
 * RIP-relative operands followed by an immediate too. */
int x86_decode(const uint8_t *p, size_t avail, struct x86_insn *out);

/* Signed displacement of a decoded PC-relative operand (0 if none). */
static inline int32_t x86_rel_disp(const uint8_t *p, const struct x86_insn *in)
{
	const uint8_t *d = p + in->rel_off;

	if (in->rel_kind == X86_REL_NONE)
		return 0;
	if (in->rel_size == 1)
		return (int8_t)d[0];
	return (int32_t)((uint32_t)d[0] | (uint32_t)d[1] << 8 |
			 (uint32_t)d[2] << 16 | (uint32_t)d[3] << 24);
}

#endif
