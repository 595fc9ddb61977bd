/* plan_frames.c - the safe-point check: which threads have a frame inside
 * a function the patch changes, and where to wait for them to leave. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "plan_int.h"

static const char frames_gdb[] =
"define katana-frame-1\n"
"  printf \"katana-frame %d %d 0x%lx\\n\", $_thread, $katana_lvl, $pc\n"
"  set $katana_lvl = $katana_lvl + 1\n"
"end\n"
"define katana-frames-1\n"
"  printf \"katana-thread %d 0x%lx %ld\\n\", $_thread, $pc, $orig_rax\n"
"  set $katana_lvl = 0\n"
"  frame apply all -q -s katana-frame-1\n"
"end\n";

const char *plan_frames_gdb(void)
{
	return frames_gdb;
}

struct frame {
	int thread, level;
	uint64_t pc;
};

struct rset {
	const struct plan_range *v;
	size_t n;
};

static const struct plan_range *unsafe_at(const struct rset *p, uint64_t pc)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (pc >= p->v[i].start && pc < p->v[i].end)
			return &p->v[i];
	return NULL;
}

int plan_alloc_thread(const struct plan *p, const char *text)
{
	const struct plan_obj *lib;
	const char *line = text;
	int first = 0, cur = 0;

	if (!p->info->alloc_sym || !(lib = p->syms[p->info->alloc_sym].obj))
		return 0;
	while (line && *line) {
		const char *nl = strchr(line, '\n');
		int t, used = 0;
		uint64_t pc;
		long long orig;

		if (sscanf(line, " katana-current %d", &t) == 1) {
			cur = t;
		} else if (sscanf(line, " katana-thread %d %" SCNx64 " %lld%n", &t, &pc, &orig, &used) == 3 &&
			   used && t > 0 && orig >= 0 && pc >= lib->text_lo && pc < lib->text_hi) {
			/* the thread GDB made the system calls on, if it can:
			 * no other thread is then left in a stop whose SIGTRAP
			 * a GDB killed during the stub would let through */
			if (t == cur)
				return t;
			if (!first)
				first = t;
		}
		line = nl ? nl + 1 : NULL;
	}
	return first;
}

int plan_check_frames(struct plan *p, const char *text,
		      struct plan_block **blocks, size_t *nblocks,
		      uint64_t **rets, size_t *nrets)
{
	*blocks = NULL;
	*rets = NULL;
	*nblocks = *nrets = 0;
	if (p->state < PLAN_RESOLVED)
		return -PLAN_ESTATE;
	return plan_frames_check(p->po_name, p->unsafe, p->nunsafe, text, blocks, nblocks,
				 rets, nrets);
}

int plan_frames_check(const char *label, const struct plan_range *ranges, size_t nranges,
		      const char *text, struct plan_block **blocks, size_t *nblocks,
		      uint64_t **rets, size_t *nrets)
{
	const struct rset rs = { ranges, nranges }, *p = &rs;
	struct frame *fr = NULL;
	size_t nf = 0, cap = 0, i, j;
	const char *line = text;
	int err = 0;

	*blocks = NULL;
	*rets = NULL;
	*nblocks = *nrets = 0;
	while (line && *line) {
		const char *nl = strchr(line, '\n');
		int t, l, used = 0;
		uint64_t pc;

		if (sscanf(line, " katana-frame %d %d %" SCNx64 "%n", &t, &l, &pc, &used) == 3 &&
		    used && t >= 0 && l >= 0) {
			if (nf == cap) {
				struct frame *nv;

				cap = cap ? 2 * cap : 64;
				nv = realloc(fr, cap * sizeof(*nv));
				if (!nv) {
					free(fr);
					return -ENOMEM;
				}
				fr = nv;
			}
			fr[nf++] = (struct frame){ t, l, pc };
		}
		line = nl ? nl + 1 : NULL;
	}
	if (!nf) {
		plan_msg(PLAN_ERROR, "plan: '%s': no frames in GDB's stack walk (want lines 'katana-frame THREAD LEVEL PC')\n",
			 label);
		return -EINVAL;
	}
	*blocks = calloc(nf, sizeof(**blocks));
	*rets = calloc(nf, sizeof(**rets));
	if (!*blocks || !*rets) {
		free(fr);
		free(*blocks);
		free(*rets);
		*blocks = NULL;
		*rets = NULL;
		return -ENOMEM;
	}
	for (i = 0; i < nf; i++) {
		/* a return address points past the call: test pc - 1 */
		uint64_t pc = fr[i].level ? fr[i].pc - 1 : fr[i].pc;
		const struct plan_range *u = unsafe_at(p, pc);
		int outer = -1;

		if (!u)
			continue;
		(*blocks)[(*nblocks)++] = (struct plan_block){ fr[i].thread, fr[i].level,
							      fr[i].pc, u->name, u->cu };
		plan_msg(PLAN_INFO, "plan: '%s': thread %d frame #%d (pc 0x%" PRIx64 ") is in '%s'%s%s%s\n",
			 label, fr[i].thread, fr[i].level, fr[i].pc, u->name,
			 u->cu[0] ? " (" : "", u->cu, u->cu[0] ? ")" : "");
		err = -PLAN_EUNSAFE;
		/* is this the outermost blocked frame of its thread? */
		for (j = 0; j < nf; j++) {
			uint64_t q;

			if (fr[j].thread != fr[i].thread || fr[j].level <= fr[i].level)
				continue;
			q = fr[j].level ? fr[j].pc - 1 : fr[j].pc;
			if (unsafe_at(p, q))
				break;
		}
		if (j < nf)
			continue;
		/* its caller's pc is where it returns to */
		for (j = 0; j < nf; j++)
			if (fr[j].thread == fr[i].thread && fr[j].level == fr[i].level + 1)
				outer = (int)j;
		if (outer >= 0) {
			size_t k;

			for (k = 0; k < *nrets && (*rets)[k] != fr[outer].pc; k++)
				;
			if (k == *nrets)
				(*rets)[(*nrets)++] = fr[outer].pc;
		}
	}
	free(fr);
	return err;
}
