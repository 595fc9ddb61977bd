/* x86.c - x86-64 instruction length decoder (64-bit mode only).
 *
 * Only what the length and the PC-relative operand depend on is decoded:
 * prefixes, the opcode map, ModRM/SIB/displacement and the immediate size.
 * Validated against objdump on libc, libstdc++ and gdb (tests/unit/x86.c). */
#include <errno.h>
#include <string.h>

#include "x86.h"

/* Per-opcode descriptor: low nibble says what follows the opcode (and the
 * ModRM if any), M says a ModRM byte follows.  Kind 0 (X) is invalid in
 * 64-bit mode, unsupported, or a prefix/escape handled before the lookup. */
enum {
	X = 0,		/* invalid */
	N,		/* nothing more */
	B,		/* imm8 */
	W,		/* imm16 */
	Z,		/* imm16 with 66 (and no REX.W), else imm32 */
	V,		/* B8+r: imm64 with REX.W, imm16 with 66, else imm32 */
	O,		/* A0-A3 moffs: 8-byte address, 4 with 67 */
	E,		/* ENTER: imm16 + imm8 */
	J8,		/* rel8 branch */
	J32,		/* rel32 branch */
	G,		/* group: depends on ModRM.reg, decided in code */
	M = 0x10,
};

#define R(a, b) [a ... b]

static const uint8_t map0[256] = {
	/* ALU ops: Eb,Gb Ev,Gv Gb,Eb Gv,Ev then AL,ib and eAX,iz.  The
	 * push/pop seg, DAA/DAS/AAA/AAS slots are invalid in 64-bit mode and
	 * 26/2E/36/3E are segment prefixes. */
	R(0x00, 0x03) = M | N, [0x04] = B, [0x05] = Z,
	R(0x08, 0x0b) = M | N, [0x0c] = B, [0x0d] = Z,
	R(0x10, 0x13) = M | N, [0x14] = B, [0x15] = Z,
	R(0x18, 0x1b) = M | N, [0x1c] = B, [0x1d] = Z,
	R(0x20, 0x23) = M | N, [0x24] = B, [0x25] = Z,
	R(0x28, 0x2b) = M | N, [0x2c] = B, [0x2d] = Z,
	R(0x30, 0x33) = M | N, [0x34] = B, [0x35] = Z,
	R(0x38, 0x3b) = M | N, [0x3c] = B, [0x3d] = Z,
	/* 40-4F are REX. */
	R(0x50, 0x5f) = N,			/* push/pop r64 */
	/* 60/61 pusha/popa invalid, 62 is EVEX (BOUND is gone). */
	[0x63] = M | N,				/* movsxd */
	[0x68] = Z, [0x69] = M | Z, [0x6a] = B, [0x6b] = M | B,
	R(0x6c, 0x6f) = N,			/* ins/outs */
	R(0x70, 0x7f) = J8,			/* jcc rel8 */
	[0x80] = M | B, [0x81] = M | Z, [0x83] = M | B,	/* 82 invalid */
	R(0x84, 0x8e) = M | N,
	[0x8f] = M | G,				/* pop Ev (XOP handled first) */
	R(0x90, 0x99) = N, R(0x9b, 0x9f) = N,	/* 9A callf invalid */
	R(0xa0, 0xa3) = O,
	R(0xa4, 0xa7) = N, [0xa8] = B, [0xa9] = Z, R(0xaa, 0xaf) = N,
	R(0xb0, 0xb7) = B, R(0xb8, 0xbf) = V,
	[0xc0] = M | B, [0xc1] = M | B, [0xc2] = W, [0xc3] = N,
	/* C4/C5 are VEX in 64-bit mode. */
	[0xc6] = M | G, [0xc7] = M | G,		/* mov Ev,imm; xabort/xbegin */
	[0xc8] = E, [0xc9] = N, [0xca] = W, [0xcb] = N,
	[0xcc] = N, [0xcd] = B, [0xcf] = N,	/* CE into invalid */
	R(0xd0, 0xd3) = M | N,			/* shifts; D4-D6 invalid */
	[0xd7] = N, R(0xd8, 0xdf) = M | N,	/* xlat, x87 */
	R(0xe0, 0xe3) = J8,			/* loop*, jrcxz */
	R(0xe4, 0xe7) = B,			/* in/out imm8 */
	[0xe8] = J32, [0xe9] = J32, [0xeb] = J8,	/* EA jmpf invalid */
	R(0xec, 0xef) = N,
	/* F0/F2/F3 are prefixes. */
	[0xf1] = N, [0xf4] = N, [0xf5] = N,
	[0xf6] = M | G, [0xf7] = M | G,		/* group 3: test has an imm */
	R(0xf8, 0xfd) = N,
	[0xfe] = M | G, [0xff] = M | G,		/* groups 4 and 5 */
};

static const uint8_t map0f[256] = {
	R(0x00, 0x03) = M | N,
	R(0x05, 0x09) = N, [0x0b] = N,		/* syscall..wbinvd, ud2 */
	[0x0d] = M | N, [0x0e] = N,		/* prefetch, femms */
	[0x0f] = M | B,		/* 3DNow!: the real opcode is a suffix byte
				 * after ModRM/disp, sized like an imm8 */
	R(0x10, 0x1f) = M | N,			/* SSE moves, hint NOPs, endbr */
	R(0x20, 0x23) = M | G,			/* mov cr/dr */
	R(0x28, 0x2f) = M | N,
	R(0x30, 0x35) = N, [0x37] = N,		/* wrmsr..sysexit, getsec */
	/* 38 and 3A are three-byte escapes. */
	R(0x40, 0x6f) = M | N,			/* cmovcc, SSE */
	R(0x70, 0x73) = M | B,			/* pshuf*, shift groups */
	R(0x74, 0x76) = M | N, [0x77] = N,	/* pcmpeq*, emms */
	[0x78] = M | G, [0x79] = M | G,		/* vmread/vmwrite, extrq/insertq */
	R(0x7c, 0x7f) = M | N,
	R(0x80, 0x8f) = J32,			/* jcc rel32 */
	R(0x90, 0x9f) = M | N,			/* setcc */
	R(0xa0, 0xa2) = N, [0xa3] = M | N, [0xa4] = M | B, [0xa5] = M | N,
	/* A6/A7 are VIA PadLock xsha and xcrypt (mod is always 3). */
	[0xa6] = M | N, [0xa7] = M | N,
	R(0xa8, 0xaa) = N, [0xab] = M | N, [0xac] = M | B, R(0xad, 0xaf) = M | N,
	R(0xb0, 0xb9) = M | N, [0xba] = M | B, R(0xbb, 0xbf) = M | N,
	[0xc0] = M | N, [0xc1] = M | N, [0xc2] = M | B, [0xc3] = M | N,
	R(0xc4, 0xc6) = M | B, [0xc7] = M | N,
	R(0xc8, 0xcf) = N,			/* bswap */
	R(0xd0, 0xff) = M | N,
};

#undef R

/* Does a VEX/EVEX map-1 opcode take an imm8?  The same opcodes as in the
 * legacy 0F map: pshuf/shift groups 70-73, cmpps C2, pinsrw/pextrw/shufps
 * C4-C6. */
static int map1_has_imm8(uint8_t op)
{
	return (op >= 0x70 && op <= 0x73) || op == 0xc2 ||
	       (op >= 0xc4 && op <= 0xc6);
}

/* Skip the ModRM byte at p[n] and its SIB and displacement.  Records a
 * RIP-relative disp32.  Returns the new offset or -EINVAL. */
static int skip_modrm(const uint8_t *p, int n, int max, struct x86_insn *out)
{
	unsigned mod, rm;
	int disp = 0;

	if (n >= max)
		return -EINVAL;
	out->modrm_off = n;
	mod = p[n] >> 6;
	rm = p[n] & 7;
	n++;
	if (mod == 3)
		return n;
	/* REX.B does not matter here: r12 still needs a SIB and r13 a
	 * displacement, only the low three bits of rm/base are looked at. */
	if (rm == 4) {
		if (n >= max)
			return -EINVAL;
		/* SIB base 101 with mod 00: disp32, no base (not RIP). */
		if (mod == 0 && (p[n] & 7) == 5)
			disp = 4;
		n++;
	} else if (mod == 0 && rm == 5) {
		/* In 64-bit mode this is RIP-relative (EIP-relative with a
		 * 67 prefix), not absolute disp32 as in 32-bit mode. */
		out->rel_kind = X86_REL_RIP;
		out->rel_off = n;
		out->rel_size = 4;
		disp = 4;
	}
	if (mod == 1)
		disp = 1;
	else if (mod == 2)
		disp = 4;
	n += disp;
	return n > max ? -EINVAL : n;
}

int x86_decode(const uint8_t *p, size_t avail, struct x86_insn *out)
{
	/* The architectural limit is 15 bytes, prefixes included. */
	int max = avail < 15 ? (int)avail : 15;
	int n = 0, imm = 0, kind, map = 0, simd_pfx = 0;
	unsigned rex = 0, p66 = 0, p67 = 0, pf2 = 0, pf3 = 0;
	uint8_t op, d, reg = 0;

	memset(out, 0, sizeof(*out));
	for (;; n++) {
		if (n >= max)
			return -EINVAL;
		switch (p[n]) {
		case 0x66: p66 = 1; break;
		case 0x67: p67 = 1; break;
		case 0xf2: pf2 = 1; simd_pfx = 1; break;
		case 0xf3: pf3 = 1; simd_pfx = 1; break;
		case 0xf0: simd_pfx = 1; break;
		case 0x26: case 0x2e: case 0x36: case 0x3e:
		case 0x64: case 0x65:
			break;
		default:
			if ((p[n] & 0xf0) == 0x40) {
				rex = p[n];
				continue;
			}
			goto opcode;
		}
		/* A REX prefix only counts right before the opcode. */
		rex = 0;
	}
opcode:
	op = p[n++];
	/* 8F is pop Ev when ModRM.reg is 0, else AMD XOP: its mmmmm field
	 * (8-10) overlaps reg. */
	if (op == 0xc4 || op == 0xc5 || op == 0x62 ||
	    (op == 0x8f && n < max && (p[n] & 0x18))) {
		/* VEX/EVEX/XOP.  In 64-bit mode C4/C5/62 are never
		 * LES/LDS/BOUND.  66/F2/F3/F0/REX before them is #UD (those
		 * bits are inside the prefix). */
		unsigned vex_len = op == 0xc5 ? 1 : op == 0x62 ? 3 : 2;

		if (p66 || simd_pfx || rex)
			return -EINVAL;
		if (n + (int)vex_len >= max)
			return -EINVAL;
		if (op == 0xc5) {
			map = 1;
		} else if (op == 0xc4) {
			map = p[n] & 0x1f;
			if (map < 1 || map > 3)
				return -EINVAL;
		} else if (op == 0x8f) {
			/* XOP maps 8 (imm8), 9 (none), 10 (imm32). */
			map = p[n] & 0x1f;
			if (map < 8 || map > 10)
				return -EINVAL;
		} else {
			/* EVEX P0 bit 3 must be 0 (APX uses it; unsupported),
			 * P1 bit 2 must be 1.  Maps 1-3 and the AVX512-FP16
			 * maps 5 and 6; map 4 is APX. */
			map = p[n] & 7;
			if ((p[n] & 0x08) || !(p[n + 1] & 0x04) ||
			    map == 0 || map == 4 || map == 7)
				return -EINVAL;
		}
		n += vex_len;
		out->opcode = op = p[n++];
		out->map = map;
		/* vzeroupper/vzeroall is the only one without ModRM.  EVEX
		 * disp8*N scaling changes the meaning of disp8, not its
		 * size. */
		if (!(map == 1 && op == 0x77 && vex_len < 3)) {
			n = skip_modrm(p, n, max, out);
			if (n < 0)
				return n;
		}
		if (map == 3 || map == 8 || (map == 1 && map1_has_imm8(op)))
			imm = 1;
		else if (map == 10)
			imm = 4;
		goto imm;
	}
	if (op == 0x0f) {
		if (n >= max)
			return -EINVAL;
		op = p[n++];
		if (op == 0x38 || op == 0x3a) {
			/* Three-byte maps: all have ModRM, 0F3A an imm8. */
			map = op == 0x38 ? 2 : 3;
			if (n >= max)
				return -EINVAL;
			out->opcode = op = p[n++];
			out->map = map;
			n = skip_modrm(p, n, max, out);
			if (n < 0)
				return n;
			imm = map == 3;
			goto imm;
		}
		map = 1;
		d = map0f[op];
	} else {
		d = map0[op];
	}
	out->opcode = op;
	out->map = map;
	kind = d & 0x0f;
	if (kind == X)
		return -EINVAL;
	if (d & M) {
		if (n >= max)
			return -EINVAL;
		reg = (p[n] >> 3) & 7;
		if (map == 1 && op >= 0x20 && op <= 0x23) {
			/* mov to/from CR/DR ignores mod: the operand is
			 * always a register, so 0F 20 05 has no disp32. */
			out->modrm_off = n++;
		} else {
			n = skip_modrm(p, n, max, out);
			if (n < 0)
				return n;
		}
	}

	if (kind == G) {
		uint8_t modrm = p[out->modrm_off];

		kind = N;
		if (map == 1) {
			/* 0F 78: vmread, or with 66/F2 the SSE4a extrq/insertq
			 * immediate forms, which take two imm8 (length,
			 * index).  0F 79 has no immediate either way. */
			if (op == 0x78 && (p66 || pf2))
				imm = 2;
		} else if (op == 0x8f) {
			/* pop Ev is /0; reg 1-7 with mmmmm < 8 is nothing. */
			if (reg)
				return -EINVAL;
		} else if (op == 0xc6 || op == 0xc7) {
			if (reg == 0) {
				kind = op == 0xc6 ? B : Z;
			} else if (modrm == 0xf8) {
				/* C6 F8 ib xabort; C7 F8 cd xbegin rel32,
				 * which branches to the abort handler. */
				if (op == 0xc6) {
					kind = B;
				} else {
					kind = J32;
					out->is_jcc = 1;
				}
			} else {
				return -EINVAL;
			}
		} else if (op == 0xf6 || op == 0xf7) {
			/* test Ex,imm is /0 (and its alias /1); not, neg,
			 * mul, imul, div, idiv have no immediate. */
			if (reg <= 1)
				kind = op == 0xf6 ? B : Z;
		} else if (op == 0xfe) {
			if (reg > 1)
				return -EINVAL;
		} else {	/* 0xff */
			if (reg == 7 || ((reg == 3 || reg == 5) && (modrm >> 6) == 3))
				return -EINVAL;
			out->is_call = reg == 2 || reg == 3;
			out->is_jmp = reg == 4 || reg == 5;
		}
	}

	switch (kind) {
	case N: break;
	case B: imm = 1; break;
	case W: imm = 2; break;
	case E: imm = 3; break;
	case Z: imm = p66 && !(rex & 8) ? 2 : 4; break;
	case V: imm = rex & 8 ? 8 : p66 ? 2 : 4; break;
	case O:
		/* moffs is an address, sized by 67, not by operand size. */
		imm = p67 ? 4 : 8;
		break;
	case J8:
	case J32:
		/* Near branches are 64-bit operand size; a 66 prefix without
		 * REX.W is ignored by Intel but gives rel16 on AMD (and in
		 * objdump).  Compilers never emit it: refuse.  (TLS GD's
		 * "66 66 48 e8" call has REX.W, so it is rel32.) */
		if (kind == J32 && p66 && !(rex & 8))
			return -EINVAL;
		out->rel_kind = X86_REL_BRANCH;
		out->rel_off = n;
		out->rel_size = kind == J8 ? 1 : 4;
		n += out->rel_size;
		if (n > max)
			return -EINVAL;
		if (map == 1 || (op >= 0x70 && op <= 0x7f) ||
		    (op >= 0xe0 && op <= 0xe3))
			out->is_jcc = 1;	/* jcc, loop*, jrcxz */
		out->is_call = op == 0xe8;
		out->is_jmp = op == 0xe9 || op == 0xeb;
		break;
	}
	if (map == 0 && (op == 0xc2 || op == 0xc3 || op == 0xca || op == 0xcb))
		out->is_ret = 1;	/* near and far returns */
	if (map == 1 && op == 0x1e && pf3 && p[out->modrm_off] == 0xfa)
		out->is_endbr = 1;
imm:
	if (imm) {
		out->imm_off = n;
		out->imm_size = imm;
		n += imm;
		if (n > max)
			return -EINVAL;
	}
	out->len = n;
	return n;
}
