/* registry.c - unit test of the host's side of the in-target registry
 * (gdb-ext/plan_registry.c): staging records, a full registry making room
 * by dropping history (reverted, cancelled) oldest first while the applied
 * patches keep their tables, order and sequence numbers, stale staged
 * records cancelled, and every image read back by plan_reg_parse.  Pure
 * logic on images in memory; prints TAP. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan_int.h"
#include "tap.h"

#define STUB 0x7f0000000000ULL

static char msgs[4096];

static void capture(enum plan_level lvl, const char *fmt, va_list ap)
{
	size_t n = strlen(msgs);

	if (lvl <= PLAN_INFO && n < sizeof(msgs) - 1)
		vsnprintf(msgs + n, sizeof(msgs) - n, fmt, ap);
}

/* A relocated plan of patch number k: nsites sites whose names and
 * addresses are derived from k, two regions. */
struct fake {
	struct plan p;
	struct kstub_site sites[400];
	char *names[400];
	char buf[400][40];
};

static void fake_init(struct fake *f, unsigned k, size_t nsites)
{
	memset(f, 0, sizeof(*f));
	f->p.state = PLAN_RELOCATED;
	f->p.po_name = "fix.po";
	f->p.sites = f->sites;
	f->p.site_names = f->names;
	f->p.nsites = nsites;
	for (size_t i = 0; i < nsites; i++) {
		f->sites[i].addr = 0x400000 + k * 0x10000 + i * 0x20;
		f->sites[i].len = 5;
		f->sites[i].jump[0] = 0xe9;
		f->sites[i].new_addr = 0x500000 + k * 0x10000 + i * 0x40;
		snprintf(f->buf[i], sizeof(f->buf[i]), "func_%u_%zu%s", k, i,
			 i % 3 ? "" : "_with_a_longer_name");
		f->names[i] = f->buf[i];
	}
	f->p.nregions = 2;
	f->p.regions[0] = (struct plan_region){ .kind = PLAN_REG_TEXT, .addr = 0x600000 + k * 0x10000,
						.size = 0x1000, .prot = 5 };
	f->p.regions[1] = (struct plan_region){ .kind = PLAN_REG_DATA, .addr = 0x601000 + k * 0x10000,
						.size = 0x2000, .prot = 3 };
}

/* Record i holds exactly what fake_init(k, nsites) staged. */
static int record_is(const struct plan_reg *g, size_t i, unsigned k, size_t nsites)
{
	struct fake *f = malloc(sizeof(*f));
	const struct kstub_patch *q = &g->r->patches[i];
	const struct kstub_site *s = plan_reg_sites(g, i);
	const struct kstub_region *r = plan_reg_regions(g, i);
	int good;

	fake_init(f, k, nsites);
	good = q->nsites == nsites && q->nregions == 2 && r && (nsites == 0 || s);
	for (size_t j = 0; good && j < nsites; j++)
		good = s[j].addr == f->sites[j].addr && s[j].new_addr == f->sites[j].new_addr &&
		       s[j].len == 5 && s[j].jump[0] == 0xe9 &&
		       !strcmp(plan_reg_site_name(g, i, j), f->names[j]);
	good = good && r[0].addr == f->p.regions[0].addr && r[0].size == 0x1000 &&
	       r[0].prot == 5 && r[0].kind == PLAN_REG_TEXT && r[1].addr == f->p.regions[1].addr &&
	       r[1].size == 0x2000 && r[1].kind == PLAN_REG_DATA;
	if (!good)
		diag("record %zu (seq %u) is not patch %u's", i, q->seq, k);
	free(f);
	return good;
}

/* The image parses back (bounds of every record's tables checked). */
static int reparses(const struct plan_reg *g)
{
	struct plan_reg h;
	int r = plan_reg_parse(&h, g->stub, g->data, PLAN_REG_LEN);

	plan_reg_free(&h);
	return r == 0;
}

static int add(struct plan_reg *g, unsigned k, size_t nsites, size_t *idx)
{
	struct fake *f = malloc(sizeof(*f));
	uint8_t hash[8] = { (uint8_t)k, (uint8_t)(k >> 8), 1, 2, 3, 4, 5, 6 };
	int r;

	fake_init(f, k, nsites);
	r = plan_reg_add(g, &f->p, "fix.po", hash, idx);
	free(f);
	return r;
}

/* seq -> the k its record was made from (k == seq here) and sites */
static size_t nsites_of(unsigned k)
{
	return k % 5;
}

static void test_records(void)
{
	struct plan_reg g;
	size_t idx = 0, i;
	int r = 0, good = 1;

	msgs[0] = 0;
	plan_reg_new(&g, STUB);
	for (unsigned k = 1; k <= KSTUB_MAX_PATCHES && !r; k++) {
		r = add(&g, k, nsites_of(k), &idx);
		if (!r)
			g.r->patches[idx].state = KSTUB_APPLIED;
	}
	ok(!r && g.r->npatches == KSTUB_MAX_PATCHES, "%d patches staged and committed",
	   KSTUB_MAX_PATCHES);
	for (i = 0; i < g.r->npatches && good; i++)
		good = g.r->patches[i].seq == i + 1 && record_is(&g, i, (unsigned)i + 1, nsites_of(i + 1));
	ok(good && reparses(&g), "each record holds its sites, names and regions; the image parses");

	msgs[0] = 0;
	r = add(&g, 65, 2, &idx);
	ok(r == -ENOSPC && strstr(msgs, "registry is full: the 64 patches applied leave no room"),
	   "a 65th with all 64 applied: -ENOSPC, the message says why");
	if (r != -ENOSPC || !strstr(msgs, "registry is full"))
		diag("%d: %s", r, msgs);

	/* history: 3 and 7 reverted, 5 cancelled; the oldest (3) makes room */
	g.r->patches[2].state = KSTUB_REVERTED;
	g.r->patches[6].state = KSTUB_REVERTED;
	g.r->patches[4].state = KSTUB_CANCELLED;
	r = add(&g, 65, nsites_of(65), &idx);
	ok(!r && g.r->npatches == KSTUB_MAX_PATCHES && idx == KSTUB_MAX_PATCHES - 1 &&
	   g.r->patches[idx].seq == 65 && g.r->patches[idx].state == KSTUB_STAGED,
	   "full with history: the new record goes last, seq 65, staged");
	good = 1;
	for (i = 0; i < g.r->npatches && good; i++)
		good = g.r->patches[i].seq != 3;
	ok(good, "the oldest history record (3, reverted) was dropped, only it");
	good = 1;
	for (i = 0; i + 1 < g.r->npatches && good; i++) {
		unsigned k = g.r->patches[i].seq;

		good = (i == 0 || k > g.r->patches[i - 1].seq) && record_is(&g, i, k, nsites_of(k));
	}
	ok(good && record_is(&g, idx, 65, nsites_of(65)) && reparses(&g),
	   "every other record in order with its tables (moved), the image parses");
	ok(g.r->patches[4].seq == 6 && g.r->patches[3].state == KSTUB_CANCELLED &&
	   g.r->patches[5].state == KSTUB_REVERTED, "states kept (5 cancelled, 7 reverted)");

	/* revert the new one: its seq stays the highest even once dropped */
	g.r->patches[idx].state = KSTUB_REVERTED;
	r = add(&g, 66, nsites_of(66), &idx);
	ok(!r && g.r->patches[idx].seq == 66 && g.r->npatches == KSTUB_MAX_PATCHES,
	   "next: seq 66 (5 dropped as the oldest history)");
	good = 1;
	for (i = 0; i < g.r->npatches; i++)
		good &= g.r->patches[i].seq != 5 && g.r->patches[i].seq != 3;
	ok(good, "record 5 (cancelled) went, 7 (reverted) and 65 (reverted) kept");
	plan_reg_free(&g);
}

static void test_bytes(void)
{
	struct plan_reg g;
	size_t idx = 0, n = 0, big = 400, i;
	uint64_t before;
	int r = 0, good = 1;

	/* few records, big tables: the bytes run out first */
	plan_reg_new(&g, STUB);
	while (!r) {
		r = add(&g, (unsigned)n + 1, big, &idx);
		if (!r) {
			g.r->patches[idx].state = KSTUB_APPLIED;
			n++;
		}
	}
	ok(r == -ENOSPC && n > 3 && n < KSTUB_MAX_PATCHES && g.r->npatches == n,
	   "%zu applied records of %zu sites fill the table bytes (%" PRIu64 ")", n, big,
	   g.r->heap_used);
	/* 1 and 3 reverted: dropping 1 makes room for one of its size */
	g.r->patches[0].state = KSTUB_REVERTED;
	g.r->patches[2].state = KSTUB_REVERTED;
	before = g.r->heap_used;
	msgs[0] = 0;
	r = add(&g, (unsigned)n + 1, big, &idx);
	if (r || g.r->npatches != n)
		diag("r=%d npatches=%u n=%zu: %s", r, g.r->npatches, n, msgs);
	ok(!r && g.r->heap_used == before && g.r->npatches == n,
	   "one more: room made by dropping one reverted record (%" PRIu64 " -> %" PRIu64 " bytes)",
	   before, g.r->heap_used);
	for (i = 0; i < g.r->npatches && good; i++) {
		unsigned k = g.r->patches[i].seq;

		good = k == i + 2 && record_is(&g, i, k, big) &&
		       g.r->patches[i].state == (k == n + 1 ? KSTUB_STAGED :
						 k == 3 ? KSTUB_REVERTED : KSTUB_APPLIED);
	}
	ok(good && g.r->patches[idx].seq == n + 1 && reparses(&g),
	   "only the oldest reverted (1) went; the others moved intact, in order; the image parses");
	plan_reg_free(&g);
}

static void test_stale(void)
{
	struct plan_reg g;
	size_t idx;

	plan_reg_new(&g, STUB);
	add(&g, 1, 2, &idx);
	g.r->patches[idx].state = KSTUB_APPLIED;
	add(&g, 2, 2, &idx);
	add(&g, 3, 1, &idx);
	g.r->patches[idx].state = KSTUB_REVERTED;
	add(&g, 4, 3, &idx);
	ok(plan_reg_cancel_stale(&g) == 2 && g.r->patches[0].state == KSTUB_APPLIED &&
	   g.r->patches[1].state == KSTUB_CANCELLED && g.r->patches[2].state == KSTUB_REVERTED &&
	   g.r->patches[3].state == KSTUB_CANCELLED,
	   "cancel_stale: the 2 staged records become cancelled, nothing else changes");
	ok(plan_reg_cancel_stale(&g) == 0 && record_is(&g, 1, 2, 2) && reparses(&g),
	   "twice: nothing more; the tables of a cancelled record are kept (status shows them)");
	plan_reg_free(&g);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	plan_set_print(capture);
	test_records();
	test_bytes();
	test_stale();
	return tap_done();
}
