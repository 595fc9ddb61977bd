/* x86.c - unit test for gen/x86.c, the x86-64 instruction length decoder.
 *
 * 1. Hand-written encodings with known length and PC-relative operand.
 * 2. Every instruction of the .text of real binaries on this machine, and of
 *    an assembled sample of rarer encodings, compared with objdump: length,
 *    RIP-relative target ("# addr" comment), direct branch target, and the
 *    control-flow flags.  Prints TAP. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "x86.h"
#include "tap.h"

static long max_report = 15;	/* mismatches shown per binary; env X86_TEST_REPORT */

/* ------------------------------------------------------------ hand cases */

enum { C = 1, JM = 2, JC = 4, RT = 8, EB = 16 };

struct hcase {
	const char *desc;
	const char *bytes;	/* hex */
	int len;		/* expected return (-EINVAL for invalid) */
	int kind, off, size;
	int flags;
};

static const struct hcase hcases[] = {
	{ "endbr64", "f30f1efa", 4, 0, 0, 0, EB },
	{ "endbr32 is not endbr64", "f30f1efb", 4, 0, 0, 0, 0 },
	{ "call rel32", "e8fbffffff", 5, X86_REL_BRANCH, 1, 4, C },
	{ "jmp rel32", "e900010000", 5, X86_REL_BRANCH, 1, 4, JM },
	{ "jmp rel8", "ebfe", 2, X86_REL_BRANCH, 1, 1, JM },
	{ "bnd jmp rel8", "f2eb10", 3, X86_REL_BRANCH, 2, 1, JM },
	{ "jne rel8", "7510", 2, X86_REL_BRANCH, 1, 1, JC },
	{ "je rel32", "0f8400010000", 6, X86_REL_BRANCH, 2, 4, JC },
	{ "ds je rel32 (branch hint)", "3e0f8400010000", 7, X86_REL_BRANCH, 3, 4, JC },
	{ "loop rel8", "e2fe", 2, X86_REL_BRANCH, 1, 1, JC },
	{ "jecxz rel8", "67e3fe", 3, X86_REL_BRANCH, 2, 1, JC },
	{ "TLS GD call: data16 data16 rex.W call", "666648e800000000", 8, X86_REL_BRANCH, 4, 4, C },
	{ "66 call (rel16 on AMD) rejected", "66e800000000", -EINVAL, 0, 0, 0, 0 },
	{ "66 jcc rejected", "660f8400000000", -EINVAL, 0, 0, 0, 0 },
	{ "xbegin rel32", "c7f800010000", 6, X86_REL_BRANCH, 2, 4, JC },
	{ "xabort imm8", "c6f801", 3, 0, 0, 0, 0 },
	{ "lea x(%rip),%rax", "488d0510000000", 7, X86_REL_RIP, 3, 4, 0 },
	{ "lea x(%rip),%r13 (REX.R)", "4c8d2d10000000", 7, X86_REL_RIP, 3, 4, 0 },
	{ "lea 0x10(%r13),%rax is not RIP (REX.B)", "498d4510", 4, 0, 0, 0, 0 },
	{ "lea (%r12),%rax needs SIB", "498d0424", 4, 0, 0, 0, 0 },
	{ "mov 0x10(,%rax,8),%eax: SIB no base, disp32", "8b04c510000000", 7, 0, 0, 0, 0 },
	{ "cmpl $5,x(%rip): disp32 then imm8", "833d1000000005", 7, X86_REL_RIP, 2, 4, 0 },
	{ "movl $7,x(%rip): disp32 then imm32", "c7051000000007000000", 10, X86_REL_RIP, 2, 4, 0 },
	{ "movw $7,x(%rip): 66 makes imm16", "66c70510000000 0700", 9, X86_REL_RIP, 3, 4, 0 },
	{ "movq $-1,x(%rip): REX.W keeps imm32", "48c70510000000ffffffff", 11, X86_REL_RIP, 3, 4, 0 },
	{ "testb $1,x(%rip): F6 /0 has imm8", "f6051000000001", 7, X86_REL_RIP, 2, 4, 0 },
	{ "negl x(%rip): F7 /3 has no imm", "f71d10000000", 6, X86_REL_RIP, 2, 4, 0 },
	{ "jmp *x(%rip)", "ff2510000000", 6, X86_REL_RIP, 2, 4, JM },
	{ "notrack jmp *%rax", "3effe0", 3, 0, 0, 0, JM },
	{ "call *%rax", "ffd0", 2, 0, 0, 0, C },
	{ "call *x(%rip)", "ff1510000000", 6, X86_REL_RIP, 2, 4, C },
	{ "mov x(%eip),%eax (67)", "678b0510000000", 7, X86_REL_RIP, 3, 4, 0 },
	{ "add $0x1234,%ax (66 imm16)", "66051234", 4, 0, 0, 0, 0 },
	{ "add $imm32,%rax (66 REX.W: imm32)", "664805 01020304", 7, 0, 0, 0, 0 },
	{ "rex.W 66 add: REX not last, ignored, imm16", "486605 0102", 5, 0, 0, 0, 0 },
	{ "push $imm32 cut short", "681122", -EINVAL, 0, 0, 0, 0 },
	{ "pushw $imm16", "66681122", 4, 0, 0, 0, 0 },
	{ "push $imm32", "6811223344", 5, 0, 0, 0, 0 },
	{ "movabs $imm64,%rax", "48b88877665544332211", 10, 0, 0, 0, 0 },
	{ "mov $imm32,%eax", "b844332211", 5, 0, 0, 0, 0 },
	{ "mov $imm16,%ax", "66b82211", 4, 0, 0, 0, 0 },
	{ "movabs moffs64,%al", "a08877665544332211", 9, 0, 0, 0, 0 },
	{ "addr32 mov moffs32,%eax", "67a144332211", 6, 0, 0, 0, 0 },
	{ "enter $16,$0", "c8100000", 4, 0, 0, 0, 0 },
	{ "ret", "c3", 1, 0, 0, 0, RT },
	{ "repz ret", "f3c3", 2, 0, 0, 0, RT },
	{ "ret $8", "c20800", 3, 0, 0, 0, RT },
	{ "fldt x(%rip) (x87)", "db2d10000000", 6, X86_REL_RIP, 2, 4, 0 },
	{ "nopw 0(%rax,%rax,1) with cs/data16", "662e0f1f840000000000", 10, 0, 0, 0, 0 },
	{ "mov %cr0,%rbp: mod ignored, no disp", "0f2005", 3, 0, 0, 0, 0 },
	{ "pshufd $1,x(%rip),%xmm0: disp then imm8", "660f700510000000 01", 9, X86_REL_RIP, 4, 4, 0 },
	{ "pextrb $1,%xmm0,x(%rip) (0F3A)", "660f3a140510000000 01", 10, X86_REL_RIP, 5, 4, 0 },
	{ "pshufb x(%rip),%xmm0 (0F38)", "660f38000510000000", 9, X86_REL_RIP, 5, 4, 0 },
	{ "extrq $1,$2,%xmm0: two imm8", "660f78c00201", 6, 0, 0, 0, 0 },
	{ "vmovdqu x(%rip),%ymm0 (VEX2)", "c5fe6f0510000000", 8, X86_REL_RIP, 4, 4, 0 },
	{ "vpshufd $1,x(%rip),%ymm0 (VEX2 imm)", "c5fd700510000000 01", 9, X86_REL_RIP, 4, 4, 0 },
	{ "vpbroadcastd x(%rip),%ymm0 (VEX3 map2)", "c4e27d580510000000", 9, X86_REL_RIP, 5, 4, 0 },
	{ "vpermq $1,x(%rip),%ymm0 (VEX3 map3)", "c4e3fd000510000000 01", 10, X86_REL_RIP, 5, 4, 0 },
	{ "vzeroupper", "c5f877", 3, 0, 0, 0, 0 },
	{ "vmovdqu64 x(%rip),%zmm0 (EVEX)", "62f1fe486f0510000000", 10, X86_REL_RIP, 6, 4, 0 },
	{ "vmovdqu64 0x40(%rax),%zmm0 (EVEX disp8*N)", "62f1fe486f4001", 7, 0, 0, 0, 0 },
	{ "vpternlogd $1,x(%rip),%zmm1,%zmm0 (EVEX map3)", "62f375483f0510000000 01", 11, X86_REL_RIP, 6, 4, 0 },
	{ "vaddph x(%rip),%zmm1,%zmm2 (EVEX map5)", "62f57448581510000000", 10, X86_REL_RIP, 6, 4, 0 },
	{ "rex before VEX rejected", "40c5f877", -EINVAL, 0, 0, 0, 0 },
	{ "XOP map 8: vprotb $1 (imm8)", "8fe878c0c001", 6, 0, 0, 0, 0 },
	{ "XOP map 9: vfrczps x(%rip) (no imm)", "8fe978800510000000", 9, X86_REL_RIP, 5, 4, 0 },
	{ "XOP map 10: bextr $imm32 (imm32)", "8fea7810c001020304", 9, 0, 0, 0, 0 },
	{ "XOP map 11 rejected", "8feb7810c0", -EINVAL, 0, 0, 0, 0 },
	{ "8F /4 is neither pop nor XOP", "8f20", -EINVAL, 0, 0, 0, 0 },
	{ "3DNow! pfadd x(%rip),%mm0: suffix after disp", "0f0f05100000009e", 8, X86_REL_RIP, 3, 4, 0 },
	{ "pop x(%rip)", "8f0510000000", 6, X86_REL_RIP, 2, 4, 0 },
	{ "push %es invalid", "06", -EINVAL, 0, 0, 0, 0 },
	{ "aam invalid", "d40a", -EINVAL, 0, 0, 0, 0 },
	{ "jmpf ptr invalid", "ea000000000000", -EINVAL, 0, 0, 0, 0 },
	{ "opcode 82 invalid", "820001", -EINVAL, 0, 0, 0, 0 },
	{ "ff /7 invalid", "ff38", -EINVAL, 0, 0, 0, 0 },
	{ "16 prefixes: longer than 15 bytes", "66666666666666666666666666666690", -EINVAL, 0, 0, 0, 0 },
	{ "14 prefixes + nop: 15 bytes", "6666666666666666666666666666 90", 15, 0, 0, 0, 0 },
	{ "empty", "", -EINVAL, 0, 0, 0, 0 },
};

static size_t unhex(const char *s, uint8_t *buf)
{
	size_t n = 0;

	while (*s) {
		if (*s == ' ') {
			s++;
			continue;
		}
		sscanf(s, "%2hhx", &buf[n++]);
		s += 2;
	}
	return n;
}

static void hand_cases(void)
{
	uint8_t buf[32];
	struct x86_insn in, tmp;
	size_t i;

	for (i = 0; i < sizeof(hcases) / sizeof(hcases[0]); i++) {
		const struct hcase *h = &hcases[i];
		size_t n = unhex(h->bytes, buf), cut;
		int r = x86_decode(buf, n, &in), good = r == h->len, cut_ok = 1;

		if (good && r > 0) {
			int flags = (in.is_call ? C : 0) | (in.is_jmp ? JM : 0) |
				    (in.is_jcc ? JC : 0) | (in.is_ret ? RT : 0) |
				    (in.is_endbr ? EB : 0);

			good = in.len == r && in.rel_kind == h->kind &&
			       flags == h->flags;
			if (h->kind)
				good = good && in.rel_off == h->off &&
				       in.rel_size == h->size;
			/* Every proper prefix of a valid instruction is cut
			 * short. */
			for (cut = 0; cut < (size_t)r; cut++)
				if (x86_decode(buf, cut, &tmp) != -EINVAL)
					cut_ok = 0;
		}
		ok(good && cut_ok, "%s: %s", h->desc,
		   !good ? "WRONG DECODE" : !cut_ok ? "truncation not detected" : h->len < 0 ? "rejected" : "decoded");
		if (!good)
			printf("# got %d len=%u kind=%u off=%u size=%u call=%u jmp=%u jcc=%u ret=%u endbr=%u\n",
			       r, in.len, in.rel_kind, in.rel_off, in.rel_size,
			       in.is_call, in.is_jmp, in.is_jcc, in.is_ret, in.is_endbr);
	}
}

/* ------------------------------------------------------- objdump compare */

struct section {
	void *map;
	size_t map_len;
	const uint8_t *data;
	uint64_t addr, size;
};

static int load_text(const char *path, struct section *s)
{
	const Elf64_Ehdr *eh;
	const Elf64_Shdr *sh;
	const char *names;
	struct stat st;
	int fd, i;

	memset(s, 0, sizeof(*s));
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || (size_t)st.st_size < sizeof(*eh)) {
		close(fd);
		return -1;
	}
	s->map_len = st.st_size;
	s->map = mmap(NULL, s->map_len, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (s->map == MAP_FAILED)
		return -1;
	eh = s->map;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_machine != EM_X86_64 || eh->e_shoff + (uint64_t)eh->e_shnum * sizeof(*sh) > s->map_len ||
	    eh->e_shstrndx >= eh->e_shnum)
		goto bad;
	sh = (const Elf64_Shdr *)((const char *)s->map + eh->e_shoff);
	names = (const char *)s->map + sh[eh->e_shstrndx].sh_offset;
	for (i = 0; i < eh->e_shnum; i++) {
		if (strcmp(names + sh[i].sh_name, ".text") || sh[i].sh_type != SHT_PROGBITS)
			continue;
		if (sh[i].sh_offset + sh[i].sh_size > s->map_len)
			goto bad;
		s->data = (const uint8_t *)s->map + sh[i].sh_offset;
		s->addr = sh[i].sh_addr;
		s->size = sh[i].sh_size;
		return 0;
	}
bad:
	munmap(s->map, s->map_len);
	s->map = NULL;
	return -1;
}

static const char *const prefix_words[] = {
	"data16", "addr32", "cs", "ds", "ss", "es", "fs", "gs", "lock", "rep",
	"repz", "repnz", "repe", "repne", "bnd", "notrack", "xacquire",
	"xrelease", "rex", "{vex}", "{vex3}", "{evex}", NULL,
};

static int is_prefix_word(const char *w, size_t n)
{
	int i;

	if (n > 4 && !strncmp(w, "rex.", 4))
		return 1;
	for (i = 0; prefix_words[i]; i++)
		if (strlen(prefix_words[i]) == n && !strncmp(w, prefix_words[i], n))
			return 1;
	return 0;
}

/* Find the mnemonic in objdump's text: the first word that is not a
 * prefix.  Returns NULL for a line holding only prefixes. */
static const char *mnemonic(const char *text, size_t *len, const char **rest)
{
	const char *w = text;

	for (;;) {
		size_t n;

		w += strspn(w, " \t");
		if (!*w)
			return NULL;
		n = strcspn(w, " \t");
		if (!is_prefix_word(w, n)) {
			*len = n;
			*rest = w + n;
			return w;
		}
		w += n;
	}
}

static int starts(const char *m, size_t n, const char *p)
{
	size_t k = strlen(p);

	return n >= k && !strncmp(m, p, k);
}

struct stats {
	long insns, rip, branch, vex, evex, bad, prefix_only, cut, rejected, fwait, fails;
};

static void report_fail(struct stats *st, uint64_t addr, const char *bytes,
			const char *text, const char *why, int r,
			const struct x86_insn *in)
{
	if (st->fails++ < max_report)
		printf("# %#lx: %s| %s : %s (ours: %d kind=%u off=%u size=%u)\n",
		       (unsigned long)addr, bytes, text, why, r, in->rel_kind,
		       in->rel_off, in->rel_size);
}

static int is_prefix_byte(uint8_t b)
{
	return b == 0x66 || b == 0x67 || b == 0xf0 || b == 0xf2 || b == 0xf3 ||
	       b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x64 ||
	       b == 0x65 || (b & 0xf0) == 0x40;
}

static int all_prefixes(const uint8_t *p, size_t n)
{
	while (n--)
		if (!is_prefix_byte(*p++))
			return 0;
	return 1;
}

/* Encodings objdump decodes that x86_decode refuses on purpose: 66-prefixed
 * near branches (rel16 on AMD and in objdump, 66 ignored by Intel) and
 * VEX/EVEX/XOP after REX/66/F2/F3/F0 (#UD; objdump ignores the prefix). */
static int refused_on_purpose(const uint8_t *p, size_t n, const char *m, size_t mlen)
{
	int p66 = 0, simd = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] == 0x66)
			p66 = 1;
		else if (p[i] == 0xf2 || p[i] == 0xf3 || p[i] == 0xf0 || (p[i] & 0xf0) == 0x40)
			simd = 1;
		else if (!is_prefix_byte(p[i]))
			break;
	}
	if (i == n)
		return 0;
	if (p66 && (starts(m, mlen, "j") || starts(m, mlen, "call") || starts(m, mlen, "xbegin")))
		return 1;
	return (p66 || simd) && (p[i] == 0xc4 || p[i] == 0xc5 || p[i] == 0x62 || p[i] == 0x8f);
}

/* Compare at most limit bytes of path's .text with objdump. */
static void compare(const char *path, const char *name, uint64_t limit)
{
	struct section sec;
	struct stats st = { 0 };
	char cmd[1024], *line = NULL;
	size_t cap = 0;
	uint64_t stop;
	FILE *f;

	if (access(path, R_OK)) {
		skip("%s: not installed", name);
		return;
	}
	if (load_text(path, &sec)) {
		ok(0, "%s: cannot read its .text", name);
		return;
	}
	stop = sec.addr + (sec.size < limit ? sec.size : limit);
	snprintf(cmd, sizeof(cmd),
		 "LC_ALL=C objdump -d -w -j .text --start-address=%#lx --stop-address=%#lx '%s'",
		 (unsigned long)sec.addr, (unsigned long)stop, path);
	f = popen(cmd, "r");
	if (!f) {
		ok(0, "%s: cannot run objdump", name);
		goto out;
	}
	while (getline(&line, &cap, f) > 0) {
		char *s = line, *end, *text, *bytes;
		const char *m, *rest;
		size_t mlen, nbytes = 0;
		uint64_t addr, off, next;
		struct x86_insn in;
		int r, want_branch;

		line[strcspn(line, "\n")] = 0;
		s += strspn(s, " ");
		addr = strtoull(s, &end, 16);
		if (end == s || end[0] != ':' || end[1] != '\t')
			continue;
		bytes = end + 2;
		text = strchr(bytes, '\t');
		if (!text)
			continue;	/* "..." or a continuation */
		*text++ = 0;
		for (s = bytes; *s;) {
			unsigned v;

			s += strspn(s, " ");
			if (!*s)
				break;
			if (sscanf(s, "%2x", &v) != 1)
				break;
			nbytes++;
			s += 2;
		}
		if (addr < sec.addr || addr + nbytes > sec.addr + sec.size)
			continue;
		off = addr - sec.addr;
		if (strstr(text, "(bad)")) {
			st.bad++;
			continue;
		}
		m = mnemonic(text, &mlen, &rest);
		if (!m) {
			/* objdump shows an ignored prefix (say, REX before a
			 * legacy prefix) on a line of its own. */
			st.prefix_only++;
			continue;
		}
		if (starts(m, mlen, ".byte")) {
			/* objdump stops at a symbol and shows the rest as
			 * ".byte". */
			st.cut++;
			continue;
		}
		r = x86_decode(sec.data + off, sec.size - off, &in);
		if (r < 0) {
			if (refused_on_purpose(sec.data + off, nbytes, m, mlen)) {
				st.rejected++;
				continue;
			}
			report_fail(&st, addr, bytes, text, "rejected", r, &in);
			continue;
		}
		if (addr + r > stop)
			continue;	/* cut by --stop-address: ".byte" */
		while (in.map == 0 && in.opcode == 0x9b && (size_t)r < nbytes &&
		       !all_prefixes(sec.data + off + r, nbytes - r)) {
			/* objdump shows [prefixes] fwait + fnstcw as one
			 * "fstcw"; for the CPU they are two instructions. */
			st.fwait++;
			off += r;
			addr += r;
			nbytes -= r;
			r = x86_decode(sec.data + off, sec.size - off, &in);
			if (r < 0) {
				report_fail(&st, addr, bytes, text, "rejected after fwait", r, &in);
				break;
			}
		}
		if (r < 0)
			continue;
		if (in.map == 0 && in.opcode == 0x9b && (size_t)r < nbytes) {
			/* objdump folded the next instruction's prefixes
			 * into "fwait". */
			st.prefix_only++;
			continue;
		}
		st.insns++;
		{
			size_t k = 0;

			while (k < nbytes && is_prefix_byte(sec.data[off + k]))
				k++;
			if (in.map && (sec.data[off + k] == 0xc4 || sec.data[off + k] == 0xc5 ||
				       sec.data[off + k] == 0x8f))
				st.vex++;
			else if (in.map && sec.data[off + k] == 0x62)
				st.evex++;
		}
		if ((size_t)r != nbytes) {
			report_fail(&st, addr, bytes, text, "length differs", r, &in);
			continue;
		}
		next = addr + r;
		if (strstr(rest, "(%rip)") || strstr(rest, "(%eip)")) {
			const char *c = strstr(rest, "# ");
			uint64_t want = c ? strtoull(c + 2, NULL, 16) : 0;
			uint64_t got = next + (int64_t)x86_rel_disp(sec.data + off, &in);

			/* EIP-relative wraps at 4 GiB; objdump sign-extends
			 * the result. */
			if (strstr(rest, "(%eip)")) {
				got &= 0xffffffff;
				want &= 0xffffffff;
			}
			st.rip++;
			if (in.rel_kind != X86_REL_RIP || !c || want != got) {
				report_fail(&st, addr, bytes, text, "RIP target differs", r, &in);
				continue;
			}
		} else if (in.rel_kind == X86_REL_RIP) {
			report_fail(&st, addr, bytes, text, "RIP operand not in objdump", r, &in);
			continue;
		}
		/* A direct branch: j*, call, loop*, xbegin with a bare hex
		 * operand. */
		rest += strspn(rest, " ");
		if (!strncmp(rest, "0x", 2))
			rest += 2;	/* no symbols: "jmp 0x1234" */
		want_branch = (starts(m, mlen, "j") || starts(m, mlen, "call") ||
			       starts(m, mlen, "loop") || starts(m, mlen, "xbegin")) &&
			      *rest && strspn(rest, "0123456789abcdef") == strcspn(rest, " ");
		if (want_branch) {
			uint64_t want = strtoull(rest, NULL, 16);
			uint64_t got = next + (int64_t)x86_rel_disp(sec.data + off, &in);

			st.branch++;
			if (in.rel_kind != X86_REL_BRANCH || want != got) {
				report_fail(&st, addr, bytes, text, "branch target differs", r, &in);
				continue;
			}
		} else if (in.rel_kind == X86_REL_BRANCH) {
			report_fail(&st, addr, bytes, text, "branch not in objdump", r, &in);
			continue;
		}
		if (in.is_call != (starts(m, mlen, "call") || starts(m, mlen, "lcall")) ||
		    in.is_jmp != (starts(m, mlen, "jmp") || starts(m, mlen, "ljmp")) ||
		    in.is_jcc != ((starts(m, mlen, "j") && !starts(m, mlen, "jmp")) ||
				  starts(m, mlen, "loop") || starts(m, mlen, "xbegin")) ||
		    in.is_ret != (starts(m, mlen, "ret") || starts(m, mlen, "lret")) ||
		    in.is_endbr != (mlen == 7 && starts(m, mlen, "endbr64"))) {
			report_fail(&st, addr, bytes, text, "control-flow flags differ", r, &in);
			continue;
		}
	}
	if (pclose(f) != 0) {
		ok(0, "%s: objdump failed", name);
		goto out;
	}
	ok(st.fails == 0 && st.insns > 0,
	   "%s: %ld instructions agree with objdump (%ld RIP-relative, %ld rel branches, "
	   "%ld VEX/XOP, %ld EVEX; "
	   "%.1f KiB of .text; %ld fwait split; skipped %ld (bad), %ld lone prefixes, "
	   "%ld cut at symbols, %ld refused on purpose)%s",
	   name, st.insns - st.fails, st.rip, st.branch, st.vex, st.evex,
	   (double)(stop - sec.addr) / 1024, st.fwait, st.bad, st.prefix_only, st.cut, st.rejected,
	   st.fails ? "; MISMATCHES" : "");
	if (st.fails)
		printf("# %s: %ld mismatches\n", name, st.fails);
out:
	free(line);
	munmap(sec.map, sec.map_len);
}

/* Rarer encodings that real binaries may lack, assembled here and compared
 * with objdump the same way. */
static const char sample_asm[] =
	"	.text\n"
	"0:	endbr64\n"
	"	call 0b\n	jmp 0b\n	jmp 1f\n	jne 0b\n	je 2f\n	jrcxz 0b\n	jecxz 0b\n	loopne 0b\n"
	"	bnd jmp 0b\n	bnd call 0b\n	bnd ret\n	notrack jmp *%rax\n	ret $8\n	lretq\n	lretq $4\n"
	"	xbegin 1f\n	xabort $3\n	xend\n"
	"1:	.byte 0x66,0x66,0x48,0xe8,0,0,0,0\n"
	"	lea x(%rip),%rax\n	lea x(%rip),%r13\n	lea x(%eip),%eax\n	lea 8(%r13),%rax\n"
	"	lea (%r12),%rax\n	lea 0x10(,%rax,8),%rax\n	lea (%rsp),%rax\n	lea 0x80(%rbp,%r12,2),%rax\n"
	"	cmpl $5,x(%rip)\n	cmpw $5,x(%rip)\n	cmpw $500,x(%rip)\n	cmpq $-500,x(%rip)\n"
	"	movl $7,x(%rip)\n	movw $7,x(%rip)\n	movb $7,x(%rip)\n	movq $-7,x(%rip)\n"
	"	testb $1,x(%rip)\n	testw $1,x(%rip)\n	testl $1,x(%rip)\n	testq $1,%r11\n"
	"	notl x(%rip)\n	negq x(%rip)\n	mull x(%rip)\n	idivq x(%rip)\n"
	"	imul $3,x(%rip),%eax\n	imul $300,x(%rip),%ax\n	imul $300,x(%rip),%rax\n"
	"	shll $3,x(%rip)\n	rolw $3,x(%rip)\n	shrq x(%rip)\n	sarb %cl,x(%rip)\n"
	"	shld $3,%eax,x(%rip)\n	shrd %cl,%eax,x(%rip)\n	btl $3,x(%rip)\n	btsq %rax,x(%rip)\n"
	"	add $0x1234,%ax\n	add $0x12345678,%rax\n	add $1,%al\n	adc $0x1234,%eax\n"
	"	push $0x1234\n	pushw $0x1234\n	push $1\n	pop x(%rip)\n	push x(%rip)\n"
	"	movabs $0x1122334455667788,%rax\n	mov $0x11223344,%r9d\n	mov $0x1122,%r9w\n	mov $1,%r10b\n"
	"	movabs 0x1122334455667788,%al\n	movabs %rax,0x1122334455667788\n	addr32 mov 0x11223344,%eax\n"
	"	enter $16,$1\n	leave\n	int $0x80\n	int3\n	in $0x60,%al\n	out %al,$0x61\n"
	"	fldt x(%rip)\n	fstpl x(%rip)\n	fadd %st(1),%st\n	fnstcw x(%rip)\n	fistpll (%rax)\n"
	"	nopw %cs:0(%rax,%rax,1)\n	.byte 0x66,0x66,0x2e,0x0f,0x1f,0x84,0,0,0,0,0\n	nopl 0(%rax)\n	xchg %ax,%ax\n"
	"	lock cmpxchg %rcx,x(%rip)\n	lock xadd %eax,x(%rip)\n	rep movsb\n	repne scasb\n	movsxd x(%rip),%rax\n"
	"	mov %fs:0x28,%rax\n	mov %gs:x(%rip),%eax\n	mov %cr0,%rax\n	mov %rax,%cr3\n	mov %dr7,%rax\n"
	"	syscall\n	sysretq\n	cpuid\n	rdtsc\n	rdtscp\n	ud2\n	lfence\n	clflush x(%rip)\n	prefetcht0 x(%rip)\n"
	"	cmovne x(%rip),%rax\n	sete x(%rip)\n	bswap %r12\n	popcnt x(%rip),%rax\n	tzcnt x(%rip),%eax\n"
	"	cmpxchg16b x(%rip)\n	rdrand %eax\n	vmread %rax,x(%rip)\n	vmwrite x(%rip),%rax\n	xgetbv\n"
	"	movaps x(%rip),%xmm0\n	movsd x(%rip),%xmm8\n	cvtsi2sdq x(%rip),%xmm1\n	pshufd $1,x(%rip),%xmm0\n"
	"	psrlq $3,%xmm1\n	cmpps $1,x(%rip),%xmm0\n	pinsrw $1,x(%rip),%xmm0\n	pextrw $1,%xmm0,%eax\n	shufps $1,x(%rip),%xmm0\n"
	"	pshufb x(%rip),%xmm0\n	pmovzxbw x(%rip),%xmm0\n	crc32q x(%rip),%rax\n	movbe x(%rip),%eax\n	aesenc x(%rip),%xmm0\n"
	"	sha256rnds2 x(%rip),%xmm1\n	pextrb $1,%xmm0,x(%rip)\n	roundsd $1,x(%rip),%xmm0\n	pclmulqdq $1,x(%rip),%xmm0\n"
	"	extrq $1,$2,%xmm0\n	insertq $1,$2,%xmm1,%xmm0\n	extrq %xmm1,%xmm0\n	insertq %xmm1,%xmm0\n"
	"	vzeroupper\n	vzeroall\n	vmovdqu x(%rip),%ymm0\n	vmovdqu x(%rip),%ymm12\n	vpshufd $1,x(%rip),%ymm0\n"
	"	vpbroadcastd x(%rip),%ymm0\n	vpermq $1,x(%rip),%ymm0\n	vfmadd231ps x(%rip),%ymm1,%ymm2\n	vblendvps %ymm3,x(%rip),%ymm1,%ymm2\n"
	"	vcmpps $1,x(%rip),%ymm1,%ymm2\n	vpsrldq $3,%ymm1,%ymm2\n	andn x(%rip),%eax,%ebx\n	rorx $3,x(%rip),%rax\n	bextr %eax,x(%rip),%ebx\n"
	"	kmovw %k1,%eax\n	kmovq x(%rip),%k1\n	vmovdqu64 x(%rip),%zmm0\n	vmovdqu64 0x40(%rax),%zmm0\n	vmovdqu8 x(%rip),%zmm31{%k1}{z}\n"
	"	vpternlogd $1,x(%rip),%zmm1,%zmm0\n	vpcmpeqd x(%rip),%zmm1,%k1\n	vaddps {rn-sae},%zmm1,%zmm2,%zmm3\n	vaddps x(%rip){1to16},%zmm1,%zmm2\n"
	"	vpshufd $1,x(%rip),%zmm0\n	vpsrlq $3,x(%rip),%zmm1\n	vcmpps $1,x(%rip),%zmm1,%k2\n	vpinsrw $1,x(%rip),%xmm1,%xmm2\n"
	"	vaddph x(%rip),%zmm1,%zmm2\n	vfmadd132ph x(%rip),%zmm1,%zmm2\n	vgetmantph $1,x(%rip),%zmm2\n	vcvtph2psx x(%rip),%zmm2\n"
	"	vpdpbusd x(%rip),%zmm1,%zmm2\n	vaesenc x(%rip),%zmm1,%zmm2\n	vgf2p8affineqb $1,x(%rip),%zmm1,%zmm2\n"
	"	tileloadd (%rax,%rbx,4),%tmm0\n	tilerelease\n	ldtilecfg x(%rip)\n"
	"2:	nop\n"
	"	.data\n"
	"x:	.quad 0\n";

static void write_sample(FILE *f)
{
	fputs(sample_asm, f);
}

/* Random byte soup, biased towards prefixes, escapes and VEX/EVEX, with a
 * fixed seed: reaches encodings no compiler emits.  objdump resyncs after
 * "(bad)"; every line it decodes is compared. */
static void write_soup(FILE *f)
{
	static const uint8_t pfx[] = { 0x66, 0x67, 0xf2, 0xf3, 0xf0, 0x2e, 0x3e,
				       0x64, 0x65, 0x40, 0x41, 0x48, 0x4c, 0x4f };
	static const uint8_t evex_p0[] = { 0xf1, 0xf2, 0xf3, 0xf5, 0xf6, 0x61, 0x72 };
	static const uint8_t vex3_b1[] = { 0xe1, 0xe2, 0xe3, 0x61, 0x42, 0xe8, 0xe9, 0xea };
	uint64_t seed = 0x4b4154414e41ULL;	/* "KATANA" */
	int i, k, col = 0;

#define RND() (seed = seed * 6364136223846793005ULL + 1442695040888963407ULL, \
	       (unsigned)(seed >> 33))
#define PUT(b) fprintf(f, "%s%u", col++ % 32 ? "," : "\n.byte ", (unsigned)(b))
	fputs("\t.text\n", f);
	for (i = 0; i < 20000; i++) {
		unsigned r = RND() % 10;

		while (RND() % 10 < 3)
			PUT(pfx[RND() % sizeof(pfx)]);
		if (r < 3) {
			PUT(0x0f);
		} else if (r == 3) {
			PUT(0x0f);
			PUT(RND() & 1 ? 0x38 : 0x3a);
		} else if (r == 4) {
			PUT(0xc5);
		} else if (r == 5) {
			PUT(RND() & 1 ? 0xc4 : 0x8f);
			PUT(vex3_b1[RND() % sizeof(vex3_b1)]);
		} else if (r == 6) {
			PUT(0x62);
			PUT(evex_p0[RND() % sizeof(evex_p0)]);
		}
		for (k = 0; k < 14; k++)
			PUT(RND() & 0xff);
	}
	fputs("\n", f);
#undef PUT
#undef RND
}

static void assemble_and_compare(const char *name, void (*writer)(FILE *))
{
	char dir[] = "/tmp/katana-x86-XXXXXX", src[64], obj[64], cmd[256];
	FILE *f;

	if (!mkdtemp(dir)) {
		ok(0, "%s: mkdtemp", name);
		return;
	}
	snprintf(src, sizeof(src), "%s/s.s", dir);
	snprintf(obj, sizeof(obj), "%s/s.o", dir);
	f = fopen(src, "w");
	if (f)
		writer(f);
	if (!f || ferror(f) || fclose(f)) {
		ok(0, "%s: cannot write %s", name, src);
		return;
	}
	snprintf(cmd, sizeof(cmd), "as --64 -o %s %s", obj, src);
	if (system(cmd))
		ok(0, "%s: assembling failed", name);
	else
		compare(obj, name, ~0ULL);
	unlink(src);
	unlink(obj);
	rmdir(dir);
}

/* With arguments, compare just those ELF files (whole .text). */
int main(int argc, char **argv)
{
	/* Cap per binary so the whole test stays well under 20 s. */
	const uint64_t cap = 8 << 20;
	static const char *const bins[][2] = {
		{ "/usr/lib/x86_64-linux-gnu/libc.so.6", "libc.so.6" },
		{ "/usr/lib/x86_64-linux-gnu/libm.so.6", "libm.so.6" },
		{ "/usr/lib/x86_64-linux-gnu/libmvec.so.1", "libmvec.so.1 (AVX-512)" },
		{ "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "libstdc++.so.6" },
		{ "/usr/lib/x86_64-linux-gnu/libcrypto.so.3", "libcrypto.so.3 (AVX-512, SHA, AES)" },
		{ "/usr/lib/x86_64-linux-gnu/libgmp.so.10", "libgmp.so.10 (hand asm)" },
		{ "/usr/bin/gdb", "gdb (C++)" },
	};
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (getenv("X86_TEST_REPORT"))
		max_report = atol(getenv("X86_TEST_REPORT"));
	if (argc > 1) {
		for (i = 1; i < (size_t)argc; i++)
			compare(argv[i], argv[i], ~0ULL);
		return tap_done();
	}
	hand_cases();
	if (system("objdump --version >/dev/null 2>&1 && as --version >/dev/null 2>&1")) {
		skip("objdump or as (binutils) not installed: no comparison");
		return tap_done();
	}
	assemble_and_compare("assembled sample", write_sample);
	assemble_and_compare("random byte soup", write_soup);
	for (i = 0; i < sizeof(bins) / sizeof(bins[0]); i++)
		compare(bins[i][0], bins[i][1], cap);
	return tap_done();
}
