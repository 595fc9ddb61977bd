/* plan_registry.c - the host's view of the in-target registry (stub.h):
 * parse what GDB dumped, check a new patch against the applied ones, and
 * build the image GDB writes back with the new record staged. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "plan_int.h"

#define REG_ADDR(g) ((g)->stub + KSTUB_REG_OFF)
#define HEAP_ADDR(g) ((g)->stub + KSTUB_HEAP_OFF)
#define HEAP_SIZE ((uint64_t)(KSTUB_MAP_SIZE - KSTUB_HEAP_OFF))

/* Pointer into the dump for [addr, addr + len), or NULL if outside. */
static void *at(const struct plan_reg *g, uint64_t addr, uint64_t len)
{
	uint64_t lo = REG_ADDR(g);

	if (addr < lo || len > PLAN_REG_LEN || addr - lo > PLAN_REG_LEN - len)
		return NULL;
	return g->data + (addr - lo);
}

int plan_reg_new(struct plan_reg *g, uint64_t stub)
{
	g->stub = stub;
	g->data = calloc(1, PLAN_REG_LEN);
	if (!g->data)
		return -ENOMEM;
	g->r = (struct kstub_registry *)g->data;
	g->r->magic = KSTUB_MAGIC;
	g->r->version = KSTUB_VERSION;
	g->r->size = KSTUB_MAP_SIZE;
	return 0;
}

void plan_reg_free(struct plan_reg *g)
{
	if (!g)
		return;
	free(g->data);
	g->data = NULL;
	g->r = NULL;
}

int plan_reg_parse(struct plan_reg *g, uint64_t stub, const void *data, size_t len)
{
	size_t i;

	g->data = NULL;
	g->r = NULL;
	g->stub = stub;
	if (len != PLAN_REG_LEN) {
		plan_msg(PLAN_ERROR, "plan: registry at 0x%" PRIx64 ": %zu bytes dumped, want %zu\n",
			 stub + KSTUB_REG_OFF, len, PLAN_REG_LEN);
		return -EPROTO;
	}
	g->data = malloc(len);
	if (!g->data)
		return -ENOMEM;
	memcpy(g->data, data, len);
	g->r = (struct kstub_registry *)g->data;
	if (g->r->magic != KSTUB_MAGIC || g->r->version != KSTUB_VERSION ||
	    g->r->size != KSTUB_MAP_SIZE || g->r->npatches > KSTUB_MAX_PATCHES ||
	    g->r->heap_used > HEAP_SIZE) {
		plan_msg(PLAN_ERROR, "plan: the mapping at 0x%" PRIx64 " is named katana but holds no katana registry of version %d (another katana version placed it?); detach and use that version\n",
			 stub, KSTUB_VERSION);
		plan_reg_free(g);
		return -EPROTO;
	}
	for (i = 0; i < g->r->npatches; i++) {
		const struct kstub_patch *p = &g->r->patches[i];

		if (p->nsites > 4096 || p->nregions > 16 ||
		    (p->nsites && !at(g, p->sites, (uint64_t)p->nsites * sizeof(struct kstub_site))) ||
		    (p->nregions && !at(g, p->regions, (uint64_t)p->nregions * sizeof(struct kstub_region))) ||
		    memchr(p->name, 0, sizeof(p->name)) == NULL) {
			plan_msg(PLAN_ERROR, "plan: registry at 0x%" PRIx64 ": record %zu is damaged\n",
				 stub + KSTUB_REG_OFF, i);
			plan_reg_free(g);
			return -EPROTO;
		}
	}
	return 0;
}

const struct kstub_site *plan_reg_sites(const struct plan_reg *g, size_t i)
{
	const struct kstub_patch *p = &g->r->patches[i];

	return p->nsites ? at(g, p->sites, (uint64_t)p->nsites * sizeof(struct kstub_site)) : NULL;
}

const struct kstub_region *plan_reg_regions(const struct plan_reg *g, size_t i)
{
	const struct kstub_patch *p = &g->r->patches[i];

	return p->nregions ? at(g, p->regions, (uint64_t)p->nregions * sizeof(struct kstub_region)) : NULL;
}

const char *plan_reg_site_name(const struct plan_reg *g, size_t i, size_t site)
{
	const struct kstub_patch *p = &g->r->patches[i];
	const struct kstub_site *s = plan_reg_sites(g, i);
	const char *name, *end = (const char *)g->data + PLAN_REG_LEN;

	if (!s || site >= p->nsites || !s[site].name_off)
		return "?";
	name = at(g, p->sites + s[site].name_off, 1);
	if (!name || !memchr(name, 0, (size_t)(end - name)))
		return "?";
	return name;
}

size_t plan_reg_applied(const struct plan_reg *g, const uint8_t hash[8])
{
	size_t i;

	for (i = 0; i < g->r->npatches; i++)
		if (g->r->patches[i].state == KSTUB_APPLIED &&
		    !memcmp(g->r->patches[i].po_hash, hash, 8))
			return i;
	return (size_t)-1;
}

int plan_reg_check(const struct plan_reg *g, const struct plan *p, const uint8_t hash[8])
{
	size_t i, j, k = plan_reg_applied(g, hash);

	if (k != (size_t)-1) {
		plan_msg(PLAN_ERROR, "plan: '%s': already applied to this process (patch %u, '%s'); see `katana status`\n",
			 p->po_name, g->r->patches[k].seq, g->r->patches[k].name);
		return -PLAN_EREFUSED;
	}
	for (i = 0; i < g->r->npatches; i++) {
		const struct kstub_patch *q = &g->r->patches[i];
		const struct kstub_site *s = plan_reg_sites(g, i);

		if (q->state != KSTUB_APPLIED)
			continue;
		for (j = 0; j < q->nsites && s; j++)
			for (k = 0; k < p->nsites; k++)
				if (p->sites[k].addr < s[j].addr + s[j].len &&
				    s[j].addr < p->sites[k].addr + p->sites[k].len) {
					plan_msg(PLAN_ERROR, "plan: '%s': func '%s' is already redirected by patch %u ('%s'); revert that patch first, or make one patch against the original build\n",
						 p->po_name, p->site_names[k], q->seq, q->name);
					return -PLAN_EREFUSED;
				}
	}
	return 0;
}

size_t plan_reg_cancel_stale(struct plan_reg *g)
{
	size_t i, n = 0;

	for (i = 0; g->r && i < g->r->npatches; i++)
		if (g->r->patches[i].state == KSTUB_STAGED) {
			g->r->patches[i].state = KSTUB_CANCELLED;
			n++;
		}
	return n;
}

/* Record i's tables as plan_reg_add lays them out: [sites][regions][site
 * names], from its sites address; *len bytes (a multiple of 8).  0 when
 * they are not laid out so (a damaged record keeps none). */
static uint64_t tables_of(const struct plan_reg *g, size_t i, uint64_t *len)
{
	const struct kstub_patch *q = &g->r->patches[i];
	uint64_t start = q->sites, end;
	size_t k;

	*len = 0;
	end = start + q->nsites * sizeof(struct kstub_site);
	if (q->regions != end)
		return 0;
	end += q->nregions * sizeof(struct kstub_region);
	for (k = 0; k < q->nsites; k++) {
		const char *name = plan_reg_site_name(g, i, k);
		const struct kstub_site *s = plan_reg_sites(g, i);

		if (s[k].name_off && strcmp(name, "?"))
			if (start + s[k].name_off + strlen(name) + 1 > end)
				end = start + s[k].name_off + strlen(name) + 1;
	}
	end = (end + 7) & ~7ULL;
	if (!at(g, start, end - start))
		return 0;
	*len = end - start;
	return start;
}

static int is_history(uint32_t state)
{
	return state == KSTUB_REVERTED || state == KSTUB_CANCELLED || state == KSTUB_FREE;
}

int plan_reg_make_room(struct plan_reg *g, size_t n, uint64_t need)
{
	struct kstub_registry *r = g->r, *nr;
	uint64_t used = 0, len;
	uint8_t drop[KSTUB_MAX_PATCHES] = { 0 };
	size_t i, nkeep = r->npatches;
	uint8_t *data;

	if (r->npatches + n <= KSTUB_MAX_PATCHES && r->heap_used + need <= HEAP_SIZE)
		return 0;
	for (i = 0; i < r->npatches; i++) {
		tables_of(g, i, &len);
		used += len;
	}
	/* history goes, oldest first, until the rest and the new one fit */
	while (nkeep + n > KSTUB_MAX_PATCHES || used + need > HEAP_SIZE) {
		size_t oldest = (size_t)-1;

		for (i = 0; i < r->npatches; i++)
			if (!drop[i] && is_history(r->patches[i].state) &&
			    (oldest == (size_t)-1 || r->patches[i].seq < r->patches[oldest].seq))
				oldest = i;
		if (oldest == (size_t)-1)
			return -ENOSPC;
		drop[oldest] = 1;
		nkeep--;
		tables_of(g, oldest, &len);
		used -= len;
	}
	data = calloc(1, PLAN_REG_LEN);
	if (!data)
		return -ENOMEM;
	nr = (struct kstub_registry *)data;
	nr->magic = r->magic;
	nr->version = r->version;
	nr->size = r->size;
	for (i = 0; i < r->npatches; i++) {
		struct kstub_patch *q;
		uint64_t from;

		if (drop[i])
			continue;
		q = &nr->patches[nr->npatches++];
		*q = r->patches[i];
		from = tables_of(g, i, &len);
		if (!from) {
			/* tables not where they are expected: keep the record
			 * for status, without them (it cannot be reverted) */
			q->nsites = q->nregions = 0;
			q->sites = q->regions = HEAP_ADDR(g) + nr->heap_used;
			continue;
		}
		memcpy(data + (KSTUB_HEAP_OFF - KSTUB_REG_OFF) + nr->heap_used, at(g, from, len), len);
		q->sites = HEAP_ADDR(g) + nr->heap_used;
		q->regions = q->sites + (r->patches[i].regions - from);
		nr->heap_used += len;
	}
	free(g->data);
	g->data = data;
	g->r = nr;
	return 0;
}

int plan_reg_add(struct plan_reg *g, const struct plan *p, const char *name,
		 const uint8_t hash[8], size_t *index)
{
	struct kstub_registry *r = g->r;
	struct kstub_patch *q;
	uint64_t names = 0, need, off, seq = 0;
	struct kstub_site *sites;
	struct kstub_region *regs;
	char *str;
	size_t i;
	int err;

	if (p->state != PLAN_RELOCATED)
		return -PLAN_ESTATE;
	for (i = 0; i < p->nsites; i++)
		names += strlen(p->site_names[i]) + 1;
	need = p->nsites * sizeof(*sites) + p->nregions * sizeof(*regs) + names;
	need = (need + 7) & ~7ULL;
	/* the sequence goes on past dropped history */
	for (i = 0; i < r->npatches; i++)
		if (r->patches[i].seq > seq)
			seq = r->patches[i].seq;
	err = plan_reg_make_room(g, 1, need);
	if (err == -ENOSPC) {
		size_t napplied = 0;

		for (i = 0; i < r->npatches; i++)
			napplied += !is_history(r->patches[i].state);
		plan_msg(PLAN_ERROR, "plan: '%s': the process's katana registry is full: the %zu patches applied leave no room for this one (at most %d records and %" PRIu64 " table bytes; it needs %" PRIu64 "); revert some or restart the process\n",
			 p->po_name, napplied, KSTUB_MAX_PATCHES, HEAP_SIZE, need);
	}
	if (err)
		return err;
	r = g->r;
	off = r->heap_used;
	sites = (struct kstub_site *)(g->data + (KSTUB_HEAP_OFF - KSTUB_REG_OFF) + off);
	regs = (struct kstub_region *)(sites + p->nsites);
	str = (char *)(regs + p->nregions);
	for (i = 0; i < p->nsites; i++) {
		sites[i] = p->sites[i];
		sites[i].name_off = (uint32_t)(str - (char *)sites);
		strcpy(str, p->site_names[i]);
		str += strlen(str) + 1;
	}
	for (i = 0; i < p->nregions; i++)
		regs[i] = (struct kstub_region){ p->regions[i].addr, p->regions[i].size,
						 p->regions[i].prot, p->regions[i].kind };
	q = &r->patches[r->npatches];
	memset(q, 0, sizeof(*q));
	q->state = KSTUB_STAGED;
	q->nsites = (uint32_t)p->nsites;
	q->nregions = (uint32_t)p->nregions;
	q->seq = (uint32_t)seq + 1;
	q->sites = HEAP_ADDR(g) + off;
	q->regions = q->sites + p->nsites * sizeof(*sites);
	snprintf(q->name, sizeof(q->name), "%s", name);
	memcpy(q->po_hash, hash, 8);
	r->heap_used += need;
	*index = r->npatches++;
	return 0;
}

int plan_reg_revert_ranges(const struct plan_reg *g, size_t i,
			   struct plan_range **ranges, size_t *n)
{
	const struct kstub_patch *q = &g->r->patches[i];
	const struct kstub_site *s = plan_reg_sites(g, i);
	const struct kstub_region *rg = plan_reg_regions(g, i);
	struct plan_range *v = calloc(q->nsites + q->nregions + 1, sizeof(*v));
	size_t k, m = 0;

	if (!v)
		return -ENOMEM;
	for (k = 0; rg && k < q->nregions; k++)
		if (rg[k].prot & 4)	/* PROT_EXEC: the patch's code, unmapped after */
			v[m++] = (struct plan_range){ rg[k].addr, rg[k].addr + rg[k].size,
						      rg[k].kind == 1 ? "the patch's code" : "the patch's veneers",
						      q->name };
	for (k = 0; s && k < q->nsites; k++)
		v[m++] = (struct plan_range){ s[k].addr, s[k].addr + s[k].len,
					      plan_reg_site_name(g, i, k), "" };
	*ranges = v;
	*n = m;
	return 0;
}
