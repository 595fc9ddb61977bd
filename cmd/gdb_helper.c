/* gdb_helper.c - `katana gdb-helper VERB N ...`, the host side of the GDB
 * command set (gdb-ext/katana.gdb), run through GDB's `shell` and `pipe`.
 * Hidden from --help.
 *
 * N is the GDB session number (GDB's own pid, which katana.gdb learns once
 * through shell exit codes): every verb works in DIR = /tmp/katana-gdb-N,
 * reads what earlier verbs left there, calls the planner, and writes a GDB
 * script (temporary name + rename) for the command set to `source`.  GDB
 * never needs a file name in a variable: it builds DIR from the number.
 *
 *   start N OP [ARGS]    OP: apply PO [--wait S] | unsafe PO | status
 *                        | revert [PO] [--wait S].  Makes DIR (mode 700,
 *                        ours), records the arguments -> start.gdb
 *   mark N NAME          records a timestamp (the standalone command marks
 *                        when GDB attaches)
 *   maps N               stdin: `info proc mappings` -> maps.gdb: the stub
 *                        mapping if any, the memory GDB must dump
 *   verify N             apply: build-id, checksums, symbols, registry ->
 *                        alloc.gdb; unsafe: prints the unsafe functions;
 *                        status: prints the registry; revert: picks the
 *                        patch -> revert.gdb
 *   layout N BASE STUB   relocates at BASE, stages the record in the
 *                        registry image of the stub at STUB -> layout.gdb
 *   frames N             stdin: the stack walk -> frames.gdb
 *   done N RESULT        after the commit: one summary line
 *
 * Exit: 0 ok, 1 error, 2 usage, 4 refused (wrong target, not safe, the
 * patch cannot be applied to this process).  Every failure prints one line.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "gen.h"
#include "plan.h"
#include "po.h"

#define SESSION_FMT "/tmp/katana-gdb-%lu"

enum op { OP_APPLY = 1, OP_UNSAFE, OP_STATUS, OP_REVERT, OP_VARS };
static const char *const op_names[] = { "", "apply", "unsafe", "status", "revert", "vars" };

struct args {
	enum op op;
	char po[PATH_MAX];	/* "" when none */
	long wait_ms;
	int step;		/* apply --step */
};

static int po_hash(const char *path, uint8_t hash[8]);

static char dir[256];	/* /tmp/katana-gdb-N */

static void print_po(enum po_level level, const char *fmt, va_list ap)
{
	if (level <= PO_WARN) {
		fputs("katana: ", stderr);
		vfprintf(stderr, fmt, ap);
	}
}

static void print_plan(enum plan_level level, const char *fmt, va_list ap)
{
	if (level <= PLAN_WARN) {
		fputs("katana: ", stderr);
		vfprintf(stderr, fmt, ap);
	}
}

static int exit_for(int err)
{
	if (err == -PLAN_EWRONG_TARGET || err == -PLAN_EREFUSED || err == -PLAN_EUNSAFE)
		return KATANA_EXIT_REFUSED;
	return err ? KATANA_EXIT_ERROR : KATANA_EXIT_OK;
}

/* ------------------------------------------------------------ files */
static char *read_stream(FILE *f, size_t *len)
{
	size_t cap = 65536, n = 0, r;
	char *b = malloc(cap);

	while (b && (r = fread(b + n, 1, cap - n - 1, f)) > 0) {
		n += r;
		if (cap - n < 2) {
			char *nb = realloc(b, cap *= 2);

			if (!nb) {
				free(b);
				return NULL;
			}
			b = nb;
		}
	}
	if (b)
		b[n] = 0;
	if (len)
		*len = n;
	return b;
}

/* DIR/name into a malloc'd, NUL-terminated buffer; quiet when missing. */
static char *read_file(const char *name, size_t *len, int quiet)
{
	char path[PATH_MAX];
	FILE *f;
	char *b;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (!f) {
		if (!quiet)
			fprintf(stderr, "katana: gdb-helper: cannot open '%s': %s\n", path, strerror(errno));
		return NULL;
	}
	b = read_stream(f, len);
	fclose(f);
	return b;
}

static int write_file(const char *name, const void *data, size_t len)
{
	char tmp[PATH_MAX], path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name);
	f = fopen(tmp, "wb");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f) || rename(tmp, path)) {
		fprintf(stderr, "katana: gdb-helper: cannot write '%s': %s\n", path, strerror(errno));
		return -EIO;
	}
	return 0;
}

/* A script is built in memory and written whole. */
struct script {
	char *buf;
	size_t len;
	FILE *f;
};

static FILE *script_begin(struct script *s)
{
	s->buf = NULL;
	s->len = 0;
	s->f = open_memstream(&s->buf, &s->len);
	return s->f;
}

static int script_end(struct script *s, const char *name)
{
	int err;

	if (!s->f)
		return -ENOMEM;
	if (fclose(s->f)) {
		free(s->buf);
		return -ENOMEM;
	}
	err = write_file(name, s->buf, s->len);
	free(s->buf);
	return err;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void mark_set(const char *name, uint64_t v)
{
	char b[32];
	int n = snprintf(b, sizeof(b), "%" PRIu64 "\n", v);

	write_file(name, b, (size_t)n);
}

static void mark(const char *name)
{
	mark_set(name, now_ns());
}

static uint64_t mark_get(const char *name)
{
	char *b = read_file(name, NULL, 1);
	uint64_t v = b ? strtoull(b, NULL, 10) : 0;

	free(b);
	return v;
}

/* Makes DIR ours: created 0700, or an existing directory we own that is
 * not a symlink (left by an earlier command of this GDB session). */
static int session_dir(unsigned long n, int create)
{
	struct stat st;

	snprintf(dir, sizeof(dir), SESSION_FMT, n);
	if (create && mkdir(dir, 0700) && errno != EEXIST) {
		fprintf(stderr, "katana: cannot create '%s': %s\n", dir, strerror(errno));
		return -errno;
	}
	if (lstat(dir, &st) || !S_ISDIR(st.st_mode) || st.st_uid != getuid() ||
	    (st.st_mode & 077)) {
		fprintf(stderr, "katana: '%s' is not a private directory of this user; remove it and retry\n",
			dir);
		return -EPERM;
	}
	return 0;
}

static void clean_dir(void)
{
	static const char *const keep[] = { "t-attach", "t-launch", NULL };
	char cmd[PATH_MAX + 64];
	const char *const *k;
	char path[PATH_MAX];
	FILE *ls;

	/* remove what an earlier command left, but not the standalone's marks */
	snprintf(cmd, sizeof(cmd), "ls -A '%s'", dir);
	ls = popen(cmd, "r");
	while (ls && fgets(path, sizeof(path), ls)) {
		char full[PATH_MAX * 2];

		path[strcspn(path, "\n")] = 0;
		for (k = keep; *k && strcmp(*k, path); k++)
			;
		if (*k)
			continue;
		snprintf(full, sizeof(full), "%s/%s", dir, path);
		remove(full);
	}
	if (ls)
		pclose(ls);
}

/* ------------------------------------------------------------ arguments */
static int args_save(const struct args *a)
{
	char b[PATH_MAX + 64];
	int n = snprintf(b, sizeof(b), "%d %d\n%ld\n%s\n", (int)a->op, a->step, a->wait_ms, a->po);

	return write_file("args", b, (size_t)n);
}

static int args_load(struct args *a)
{
	char *b = read_file("args", NULL, 0), *l2, *l3;

	if (!b)
		return -ENOENT;
	l2 = strchr(b, '\n');
	l3 = l2 ? strchr(l2 + 1, '\n') : NULL;
	if (!l3) {
		free(b);
		return -EINVAL;
	}
	a->op = (enum op)atoi(b);
	a->step = strchr(b, ' ') && strchr(b, ' ') < l2 ? atoi(strchr(b, ' ') + 1) : 0;
	a->wait_ms = atol(l2 + 1);
	l3++;
	l3[strcspn(l3, "\n")] = 0;
	snprintf(a->po, sizeof(a->po), "%s", l3);
	free(b);
	return 0;
}

/* GDB substitutes paths into commands as text: refuse what it would
 * misread rather than quote it. */
static int check_path(const char *s)
{
	if (strpbrk(s, "%\"\\ \t\n'$`;&|<>*?")) {
		fprintf(stderr, "katana: '%s': file names with spaces, quotes or shell characters are not supported; rename or link the file\n", s);
		return -EINVAL;
	}
	return 0;
}

static int usage(const char *msg)
{
	fprintf(stderr, "katana: %s\n", msg);
	return KATANA_EXIT_USAGE;
}

static int verb_start(unsigned long n, int argc, char **argv)
{
	struct args a = { 0 };
	struct script s;
	struct po *po = NULL;
	const char *po_arg = NULL;
	int i, err;

	if (argc < 1)
		return usage("gdb-helper start: no operation");
	for (i = 1; i < 6; i++)
		if (!strcmp(argv[0], op_names[i]))
			a.op = (enum op)i;
	if (!a.op)
		return usage("gdb-helper start: unknown operation");
	a.wait_ms = 5000;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--wait") || !strcmp(argv[i], "-w")) {
			char *e;
			double w;

			if (i + 1 >= argc)
				return usage("--wait needs a number of seconds, e.g. --wait 5");
			w = strtod(argv[++i], &e);
			if (*e || e == argv[i] || w < 0 || w > 3600)
				return usage("--wait takes seconds between 0 and 3600, e.g. --wait 2.5");
			a.wait_ms = (long)(w * 1000 + 0.5);
		} else if (!strcmp(argv[i], "--step") && a.op == OP_APPLY) {
			a.step = 1;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "katana: %s: unknown option '%s' (see `help katana %s`)\n",
				op_names[a.op], argv[i], op_names[a.op]);
			return KATANA_EXIT_USAGE;
		} else if (!po_arg) {
			po_arg = argv[i];
		} else {
			fprintf(stderr, "katana: %s: unexpected argument '%s' (see `help katana %s`)\n",
				op_names[a.op], argv[i], op_names[a.op]);
			return KATANA_EXIT_USAGE;
		}
	}
	if ((a.op == OP_APPLY || a.op == OP_UNSAFE || a.op == OP_VARS) && !po_arg) {
		fprintf(stderr, "katana: %s: which patch? usage: katana %s FILE.po%s\n",
			op_names[a.op], op_names[a.op], a.op == OP_APPLY ? " [--wait SECONDS]" : "");
		return KATANA_EXIT_USAGE;
	}
	if (a.op == OP_STATUS && po_arg)
		return usage("status: takes no arguments");
	if (po_arg) {
		if (!realpath(po_arg, a.po)) {
			fprintf(stderr, "katana: '%s': %s\n", po_arg, strerror(errno));
			return KATANA_EXIT_ERROR;
		}
		if (check_path(a.po))
			return KATANA_EXIT_ERROR;
		err = po_open(a.po, &po);	/* prints why it is not a PO */
		if (!err && a.step && !po_nxtypes(po)) {
			fprintf(stderr, "katana: apply --step: '%s' transforms no data; there is nothing to step through (apply it without --step)\n",
				basename(a.po));
			po_close(po);
			return KATANA_EXIT_USAGE;
		}
		po_close(po);
		if (err)
			return KATANA_EXIT_ERROR;
	}
	err = session_dir(n, 1);
	if (err)
		return KATANA_EXIT_ERROR;
	clean_dir();
	mark("t-start");
	err = args_save(&a);
	if (!err && script_begin(&s)) {
		fprintf(s.f, "set $k_wait_ms = %ld\nset $k_has_po = %d\nset $k_step = %d\n", a.wait_ms,
			a.po[0] != 0, a.step);
		err = script_end(&s, "start.gdb");
	}
	return err ? KATANA_EXIT_ERROR : KATANA_EXIT_OK;
}

/* ------------------------------------------------------------ stub files */
/* Offset of a symbol in katana-stub.elf (linked at 0). */
static int stub_sym(const char *elfpath, const char *name, uint64_t *off)
{
	int fd = open(elfpath, O_RDONLY | O_CLOEXEC), found = -ENOENT;
	Elf_Scn *scn = NULL;
	Elf *e;

	if (fd < 0)
		return -errno;
	elf_version(EV_CURRENT);
	e = elf_begin(fd, ELF_C_READ, NULL);
	while (e && (scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;
		size_t i;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB || !sh.sh_entsize)
			continue;
		d = elf_getdata(scn, NULL);
		for (i = 0; d && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym sym;
			const char *nm;

			if (gelf_getsym(d, (int)i, &sym) &&
			    (nm = elf_strptr(e, sh.sh_link, sym.st_name)) && !strcmp(nm, name)) {
				*off = sym.st_value;
				found = 0;
			}
		}
	}
	if (e)
		elf_end(e);
	close(fd);
	return found;
}

/* ------------------------------------------------------------ maps */
/* The stub mapping: "/memfd:katana (deleted)", offset 0.  0 if none. */
static uint64_t find_stub(const struct plan_maps *m, uint64_t *end)
{
	size_t i;

	for (i = 0; i < plan_maps_count(m); i++) {
		const struct plan_map *x = plan_maps_get(m, i);

		if (!strncmp(x->path, "/memfd:katana", 13) && x->offset == 0) {
			*end = x->end;
			return x->start;
		}
	}
	return 0;
}

struct ctx {
	struct args a;
	struct plan *plan;
	struct plan_maps *maps;
	const struct plan_read *reads;
	size_t nreads;
	struct plan_dump *dumps;
	char **bufs;
	uint64_t stub;
	struct plan_reg reg;		/* as dumped (reg.data NULL: no stub) */
};

static void ctx_free(struct ctx *c)
{
	size_t i;

	for (i = 0; c->bufs && i < c->nreads; i++)
		free(c->bufs[i]);
	free(c->bufs);
	free(c->dumps);
	plan_close(c->plan);
	plan_maps_free(c->maps);
	plan_reg_free(&c->reg);
}

enum stage { ST_MAPS, ST_RESOLVED, ST_LAYOUT };

static int po_hash(const char *path, uint8_t hash[8]);

/* katana vars: the registry record of this PO when it is applied, else -1. */
static long vars_applied(const struct ctx *c)
{
	uint8_t hash[8];

	if (!c->reg.r || po_hash(c->a.po, hash))
		return -1;
	return (long)plan_reg_applied(&c->reg, hash);
}

/* Replays the earlier verbs from what they left in DIR. */
static int setup(struct ctx *c, enum stage st)
{
	char *text;
	size_t i, len;
	uint64_t end = 0;
	int err = args_load(&c->a);

	if (err)
		return err;
	text = read_file("maps.txt", NULL, 0);
	if (!text)
		return -ENOENT;
	err = plan_maps_parse(text, &c->maps);
	free(text);
	if (err)
		return err;
	c->stub = find_stub(c->maps, &end);
	if (c->stub && st > ST_MAPS) {
		char *b = read_file("registry-old.bin", &len, 0);

		if (!b)
			return -ENOENT;
		err = plan_reg_parse(&c->reg, c->stub, b, len);
		free(b);
		if (err)
			return err;
	}
	if (!c->a.po[0])
		return 0;
	if (c->a.op == OP_APPLY && c->reg.r && st == ST_RESOLVED) {
		/* a second apply of the same PO: say so, not "checksum differs" */
		uint8_t hash[8];
		size_t k;

		err = po_hash(c->a.po, hash);
		if (err)
			return err;
		k = plan_reg_applied(&c->reg, hash);
		if (k != (size_t)-1) {
			fprintf(stderr, "katana: '%s': already applied to this process (patch %u); see `katana status`\n",
				basename(c->a.po), c->reg.r->patches[k].seq);
			return -PLAN_EREFUSED;
		}
	}
	err = plan_open(&c->plan, c->a.po, c->maps, NULL);
	if (!err && (c->a.op == OP_REVERT || (c->a.op == OP_VARS && vars_applied(c) >= 0)))
		plan_for_revert(c->plan);
	err = err ?: plan_reads(c->plan, &c->reads, &c->nreads);
	if (err || st == ST_MAPS)
		return err;
	c->dumps = calloc(c->nreads + 1, sizeof(*c->dumps));
	c->bufs = calloc(c->nreads + 1, sizeof(*c->bufs));
	if (!c->dumps || !c->bufs)
		return -ENOMEM;
	for (i = 0; i < c->nreads; i++) {
		char name[32];

		snprintf(name, sizeof(name), "read-%zu.bin", i);
		c->bufs[i] = read_file(name, &c->dumps[i].len, 0);
		if (!c->bufs[i])
			return -ENOENT;
		c->dumps[i].data = c->bufs[i];
	}
	err = plan_verify(c->plan, c->dumps, c->nreads);
	err = err ?: plan_resolve(c->plan, c->dumps, c->nreads);
	if (err || st == ST_RESOLVED || c->a.op == OP_REVERT)
		return err;
	{
		char *b = read_file("base", NULL, 0);
		uint64_t base = b ? strtoull(b, NULL, 0) : 0;

		free(b);
		if (!base)
			return -ENOENT;
		return plan_relocate(c->plan, base);
	}
}

/* What GDB needs to place and call the stub. */
static int stub_script(FILE *f)
{
	char stub_bin[PATH_MAX], stub_elf[PATH_MAX];
	uint64_t done = 0;
	int err;

	err = katana_data_path(stub_bin, sizeof(stub_bin), "katana-stub.bin");
	err = err ?: katana_data_path(stub_elf, sizeof(stub_elf), "katana-stub.elf");
	err = err ?: check_path(stub_bin) ?: check_path(stub_elf);
	if (!err && stub_sym(stub_elf, "katana_stub_done", &done)) {
		fprintf(stderr, "katana: '%s': no symbol katana_stub_done\n", stub_elf);
		err = -ENOENT;
	}
	if (err)
		return err;
	/* where GDB's breakpoint takes the thread back from the stub */
	fprintf(f, "set $k_stub_done_off = 0x%" PRIx64 "\n", done);
	fprintf(f, "define katana-stub-write\n  restore %s binary $k_stub_base\nend\n", stub_bin);
	fprintf(f, "define katana-stub-symbols\n  add-symbol-file %s -o $k_stub_base\nend\n", stub_elf);
	/* the stub's sources, for --step (built with -fdebug-prefix-map=TOP=.) */
	{
		char src[PATH_MAX + 64], probe[PATH_MAX + 128];

		snprintf(src, sizeof(src), "%s", stub_elf);
		*strrchr(src, '/') = 0;
		strcat(src, "/src");
		snprintf(probe, sizeof(probe), "%s/gdbserver-stub/xform.c", src);
		if (!access(probe, R_OK) && !strpbrk(src, "%\"\\ \t\n'$`;&|<>*?"))
			fprintf(f, "define katana-stub-source\n  directory %s\nend\n", src);
		else
			fprintf(f, "define katana-stub-source\nend\n");
	}
	return 0;
}

static int verb_maps(void)
{
	struct ctx c = { 0 };
	struct script s;
	size_t len, i;
	uint64_t end = 0;
	char *text = read_stream(stdin, &len);
	int err;

	if (!text)
		return -ENOMEM;
	err = write_file("maps.txt", text, len);
	free(text);
	err = err ?: setup(&c, ST_MAPS);
	if (err) {
		ctx_free(&c);
		return err;
	}
	c.stub = find_stub(c.maps, &end);
	if (c.stub && end - c.stub != KSTUB_MAP_SIZE && end - c.stub != KSTUB_CODE_SIZE) {
		fprintf(stderr, "katana: the katana mapping at 0x%" PRIx64 " has an unexpected size (another katana version placed it?); detach and use that version\n",
			c.stub);
		ctx_free(&c);
		return -EPROTO;
	}
	if (!script_begin(&s)) {
		ctx_free(&c);
		return -ENOMEM;
	}
	fprintf(s.f, "set $k_stub_base = 0x%" PRIx64 "\n", c.stub);
	err = stub_script(s.f);
	if (err) {
		fclose(s.f);
		free(s.buf);
		ctx_free(&c);
		return err;
	}
	if (c.stub)
		fprintf(s.f, "dump binary memory %s/registry-old.bin 0x%" PRIx64 " 0x%" PRIx64 "\n",
			dir, c.stub + KSTUB_REG_OFF, c.stub + KSTUB_MAP_SIZE);
	fprintf(s.f, "set $k_nreads = %zu\n", c.nreads);
	for (i = 0; i < c.nreads; i++)
		fprintf(s.f, "# %s\ndump binary memory %s/read-%zu.bin 0x%" PRIx64 " 0x%" PRIx64 "\n",
			c.reads[i].label, dir, i, c.reads[i].addr, c.reads[i].addr + c.reads[i].len);
	ctx_free(&c);
	return script_end(&s, "maps.gdb");
}

/* ------------------------------------------------------------ verify */
static int po_hash(const char *path, uint8_t hash[8])
{
	FILE *f = fopen(path, "rb");
	size_t len;
	char *b = f ? read_stream(f, &len) : NULL;
	uint64_t h;

	if (f)
		fclose(f);
	if (!b)
		return -EIO;
	h = po_checksum(b, len, NULL, 0);
	memcpy(hash, &h, 8);
	free(b);
	return 0;
}

static const char *state_name(uint32_t st)
{
	return st == KSTUB_APPLIED ? "applied" : st == KSTUB_REVERTED ? "reverted" :
	       st == KSTUB_STAGED ? "staged (never committed)" :
	       st == KSTUB_CANCELLED ? "cancelled (never committed, memory released)" : "free";
}

static void print_status(const struct ctx *c)
{
	const struct kstub_registry *r = c->reg.r;
	size_t i, k, napplied = 0;

	if (!r) {
		printf("katana: no katana patches in this process\n");
		return;
	}
	for (i = 0; i < r->npatches; i++)
		napplied += r->patches[i].state == KSTUB_APPLIED;
	printf("katana: %zu patch%s applied (registry at 0x%" PRIx64 ", %u record%s)\n",
	       napplied, napplied == 1 ? "" : "es", c->stub + KSTUB_REG_OFF, r->npatches,
	       r->npatches == 1 ? "" : "s");
	for (i = 0; i < r->npatches; i++) {
		const struct kstub_patch *p = &r->patches[i];
		const struct kstub_site *s = plan_reg_sites(&c->reg, i);
		const struct kstub_region *g = plan_reg_regions(&c->reg, i);
		uint64_t mem = 0;
		char when[64] = "";

		for (k = 0; g && k < p->nregions; k++)
			mem += g[k].size;
		if (p->applied_ns) {
			time_t t = (time_t)(p->applied_ns / 1000000000ULL);
			struct tm tm;

			strftime(when, sizeof(when), ", %Y-%m-%d %H:%M:%S", localtime_r(&t, &tm));
		}
		printf("patch %u: %s: %s, %u function%s, %" PRIu64 " KiB%s\n", p->seq, p->name,
		       state_name(p->state), p->nsites, p->nsites == 1 ? "" : "s", mem / 1024, when);
		for (k = 0; s && k < p->nsites; k++)
			printf("  %s: 0x%" PRIx64 " -> 0x%" PRIx64 " (%u-byte jump)\n",
			       plan_reg_site_name(&c->reg, i, k), s[k].addr, s[k].new_addr, s[k].len);
		for (k = 0; g && (p->state == KSTUB_APPLIED || p->state == KSTUB_STAGED) &&
			    k < p->nregions; k++)
			printf("  memory 0x%" PRIx64 "-0x%" PRIx64 " %c%c%c\n", g[k].addr,
			       g[k].addr + g[k].size, g[k].prot & 1 ? 'r' : '-',
			       g[k].prot & 2 ? 'w' : '-', g[k].prot & 4 ? 'x' : '-');
	}
}

/* The patch revert works on: the most recent applied one, which must be
 * the PO's if one was named.  -1 with a message if none. */
static long revert_index(const struct ctx *c)
{
	const struct kstub_registry *r = c->reg.r;
	long i, last = -1;
	uint8_t hash[8];

	if (!r) {
		fprintf(stderr, "katana: revert: no katana patches in this process\n");
		return -1;
	}
	for (i = 0; i < (long)r->npatches; i++)
		if (r->patches[i].state == KSTUB_APPLIED &&
		    (last < 0 || r->patches[i].seq > r->patches[last].seq))
			last = i;
	if (last < 0) {
		fprintf(stderr, "katana: revert: no patch is applied to this process (see `katana status`)\n");
		return -1;
	}
	if (!c->a.po[0])
		return last;
	if (po_hash(c->a.po, hash))
		return -1;
	i = (long)plan_reg_applied(&c->reg, hash);
	if (i < 0) {
		fprintf(stderr, "katana: revert: '%s' is not applied to this process (see `katana status`)\n",
			c->a.po);
		return -1;
	}
	if (i != last) {
		fprintf(stderr, "katana: revert: patch %u ('%s') was applied after '%s'; revert it first (most recent first)\n",
			r->patches[last].seq, r->patches[last].name, r->patches[i].name);
		return -2;
	}
	return i;
}

/* GDB's echo: C escapes, and a leading space kept with a backslash. */
static void echo(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void echo(FILE *f, const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	fputs("echo ", f);
	for (const char *p = s ? s : ""; *p; p++) {
		if (*p == '\\')
			fputs("\\\\", f);
		else if (*p == '\n')
			fputs("\\n", f);
		else if (*p == ' ' && (p == s || !p[1]))
			fputs("\\040", f);	/* GDB drops leading and trailing blanks */
		else if ((unsigned char)*p >= ' ')
			fputc(*p, f);
	}
	fputc('\n', f);
	free(s);
}

/* GDB prints a value in its type (the types file defines katana_old_I and
 * katana_new_I); an unreadable address is reported, not fatal. */
static void show_value(FILE *f, const char *what, const char *type, size_t i, uint64_t addr,
		       int pointer)
{
	echo(f, "  %s (0x%" PRIx64 "): ", what, addr);
	fprintf(f, "eval \"thread apply %%d -q -s output *(%s_%zu *) 0x%" PRIx64 "\", $_thread\n", type,
		i, addr);
	echo(f, "\n");
	if (pointer) {
		echo(f, "    which points to: ");
		fprintf(f, "eval \"thread apply %%d -q -s output **(%s_%zu *) 0x%" PRIx64 "\", $_thread\n",
			type, i, addr);
		echo(f, "\n");
	}
}

/* katana vars: types.o (the two types of every variable) and vars.gdb,
 * which prints, as text and with GDB, what each variable is and holds. */
static int vars_script(struct ctx *c)
{
	struct gen_povars *pv = NULL;
	struct script s;
	char path[PATH_MAX];
	struct po *po = NULL;
	long rec = vars_applied(c);
	size_t i;
	int err;

	err = gen_povars_open(c->a.po, &pv);
	if (err) {
		fprintf(stderr, "katana: vars: '%s': cannot read its variables' types\n", c->a.po);
		return err;
	}
	if (rec >= 0) {
		/* applied: the patch's storage is where its registry record says */
		const struct kstub_region *g = plan_reg_regions(&c->reg, (size_t)rec);
		uint64_t base = 0;

		for (i = 0; g && i < c->reg.r->patches[rec].nregions; i++)
			if (!base || g[i].addr < base)
				base = g[i].addr;
		err = base ? plan_relocate(c->plan, base) : -ENOENT;
		if (err) {
			gen_povars_close(pv);
			return err;
		}
	}
	snprintf(path, sizeof(path), "%s/types.o", dir);
	err = gen_povars_write_types(pv, path);
	if (err || !script_begin(&s)) {
		gen_povars_close(pv);
		return err ? err : -ENOMEM;
	}
	po_open(c->a.po, &po);
	echo(s.f, "katana: '%s' for '%s': %zu variable%s; %s\n", basename(c->a.po),
	     basename((char *)plan_target_path(c->plan)), po ? po_nvars(po) : 0,
	     po && po_nvars(po) == 1 ? "" : "s",
	     rec >= 0 ? "the patch is applied" : "the patch is not applied");
	for (i = 0; po && i < po_nvars(po); i++) {
		const struct po_var *v = po_var(po, i);
		const struct po_xtype *t = v->xtype ? po_xtype(po, v->xtype - 1) : NULL;
		uint64_t oa, na;
		char *table = NULL;
		size_t tlen = 0;
		FILE *tf;

		plan_var_addr(c->plan, i, &oa, &na);
		echo(s.f, "var %s (%s): %s, %s", v->name, v->cu, po_var_action_name(v->action),
		     *v->type ? v->type : "?");
		if (t && v->action == PO_VAR_TRANSFORM)
			echo(s.f, ": %" PRIu64 " -> %" PRIu64 " bytes", t->old_size, t->new_size);
		echo(s.f, "\n");
		tf = open_memstream(&table, &tlen);
		if (tf && gen_povars_typed(pv, i))
			gen_povars_members(pv, i, "  ", tf);
		if (tf && !fclose(tf)) {
			for (char *l = table, *nl; l && *l; l = nl + 1) {
				nl = strchr(l, '\n');
				if (!nl)
					break;
				*nl = 0;
				echo(s.f, "%s\n", l);
			}
		}
		free(table);
		switch (v->action) {
		case PO_VAR_TRANSFORM:
			if (!gen_povars_typed(pv, i))
				break;
			if (rec < 0) {
				show_value(s.f, "now", "katana_old", i, oa, 0);
			} else {
				show_value(s.f, "now, in the patch's storage", "katana_new", i, na, 0);
				show_value(s.f, "the old storage, unused since", "katana_old", i, oa, 0);
			}
			break;
		case PO_VAR_FIXUP:
			if (gen_povars_typed(pv, i))
				show_value(s.f, "now", rec < 0 ? "katana_old" : "katana_new", i, oa,
					   t && strchr(t->name, '*') != NULL);
			break;
		case PO_VAR_NEW:
			if (rec >= 0)
				echo(s.f, "  in the patch's storage at 0x%" PRIx64 "\n", na);
			else
				echo(s.f, "  it exists once the patch is applied\n");
			break;
		case PO_VAR_CONST_UPDATE:
			echo(s.f, "  the patch brings a new copy; its users read that one\n");
			break;
		case PO_VAR_INIT_CHANGED:
			echo(s.f, "  warning: the initial value changed, the running value is kept\n");
			break;
		}
	}
	po_close(po);
	gen_povars_close(pv);
	return script_end(&s, "vars.gdb");
}

static int verb_verify(void)
{
	struct ctx c = { 0 };
	struct script s;
	uint64_t hints[16], size;
	size_t n, i;
	int err = setup(&c, ST_RESOLVED);

	if (err)
		goto out;
	if (c.a.op == OP_STATUS) {
		print_status(&c);
		goto out;
	}
	if (c.a.op == OP_VARS) {
		err = vars_script(&c);
		goto out;
	}
	if (c.a.op == OP_UNSAFE) {
		printf("katana: '%s' for '%s' (load bias 0x%" PRIx64 "): %zu unsafe function%s\n",
		       basename(c.a.po), plan_target_path(c.plan), plan_target_bias(c.plan),
		       plan_nunsafe(c.plan), plan_nunsafe(c.plan) == 1 ? "" : "s");
		for (i = 0; i < plan_nunsafe(c.plan); i++) {
			const struct plan_range *u = plan_unsafe_range(c.plan, i);

			printf("  %s%s%s%s: 0x%" PRIx64 "-0x%" PRIx64 "\n", u->name,
			       u->cu[0] ? " (" : "", u->cu, u->cu[0] ? ")" : "", u->start, u->end);
		}
		goto out;
	}
	if (!script_begin(&s)) {
		err = -ENOMEM;
		goto out;
	}
	if (c.a.op == OP_REVERT) {
		long idx = revert_index(&c);
		const struct kstub_patch *p;
		const struct kstub_region *g;

		if (idx < 0) {
			fclose(s.f);
			free(s.buf);
			err = idx == -2 ? -PLAN_EREFUSED : -ENOENT;
			goto out;
		}
		p = &c.reg.r->patches[idx];
		g = plan_reg_regions(&c.reg, (size_t)idx);
		{
			uint64_t xplan = 0;

			for (i = 0; g && i < p->nregions; i++)
				if (g[i].kind == PLAN_REG_XFORM)
					xplan = g[i].addr;
			if (xplan && c.plan && (err = plan_xform_revert_check(c.plan))) {
				fclose(s.f);
				free(s.buf);
				goto out;
			}
			if (xplan && !c.plan) {
				fprintf(stderr, "katana: revert: patch %u ('%s') transformed data: give its file (katana revert %s) so that katana knows the functions that may hold that data and the backward transforms\n",
					p->seq, p->name, p->name);
				fclose(s.f);
				free(s.buf);
				err = -PLAN_EREFUSED;
				goto out;
			}
			fprintf(s.f, "set $k_xplan = 0x%" PRIx64 "\nset $k_heap = %d\n", xplan,
				xplan && plan_xform_heap(c.plan));
		}
		fprintf(s.f, "set $k_index = %ld\nset $k_nsites = %u\n", idx, p->nsites);
		fprintf(s.f, "define katana-release\n");
		for (i = 0; g && i < p->nregions; i++)
			fprintf(s.f, "  katana-syscall 11 0x%" PRIx64 " 0x%" PRIx64 "\n", g[i].addr, g[i].size);
		fprintf(s.f, "end\n");
		/* With the PO at hand GDB gets its symbols and CFI for the walk:
		 * a thread inside the patch's code then unwinds correctly. */
		{
			uint64_t text = 0;

			for (i = 0; g && i < p->nregions && !text; i++)
				if (g[i].kind == PLAN_REG_TEXT)
					text = g[i].addr;
			fprintf(s.f, "define katana-revert-symbols\n");
			if (c.a.po[0] && text)
				fprintf(s.f, "  add-symbol-file %s -s .text.new 0x%" PRIx64 "\n", c.a.po, text);
			fprintf(s.f, "end\ndefine katana-revert-unsymbols\n");
			if (text)
				fprintf(s.f, "  remove-symbol-file -a 0x%" PRIx64 "\n", text);
			fprintf(s.f, "end\n");
		}
		err = script_end(&s, "revert.gdb");
		goto out;
	}
	/* apply: records an earlier apply staged and never committed are
	 * stale (GDB holds the process: nobody else is applying); their
	 * memory is released first, the registry saying so before the
	 * munmaps (a GDB killed in between leaks memory, never unmaps twice).
	 * The cleaned image is the one the layout stages onto and a failed
	 * apply restores. */
	fprintf(s.f, "define katana-discard-stale\n");
	if (c.reg.r) {
		size_t nstale = 0;

		for (i = 0; i < c.reg.r->npatches; i++)
			nstale += c.reg.r->patches[i].state == KSTUB_STAGED;
		if (nstale) {
			fprintf(s.f, "  restore %s/registry-old.bin binary 0x%" PRIx64 "\n", dir,
				c.stub + KSTUB_REG_OFF);
			for (i = 0; i < c.reg.r->npatches; i++) {
				const struct kstub_patch *p = &c.reg.r->patches[i];
				const struct kstub_region *g = plan_reg_regions(&c.reg, i);

				for (size_t k = 0; g && p->state == KSTUB_STAGED && k < p->nregions; k++)
					fprintf(s.f, "  katana-syscall 11 0x%" PRIx64 " 0x%" PRIx64 "\n",
						g[k].addr, g[k].size);
			}
			plan_reg_cancel_stale(&c.reg);
			err = write_file("registry-old.bin", c.reg.data, PLAN_REG_LEN);
		}
	}
	fprintf(s.f, "end\n");
	err = err ?: plan_alloc_hints(c.plan, &size, hints, 16, &n);
	if (!err) {
		fprintf(s.f, "set $k_alloc_size = 0x%" PRIx64 "\nset $k_nhints = %zu\n", size, n);
		for (i = 0; i < n; i++)
			fprintf(s.f, "set $k_hint%zu = 0x%" PRIx64 "\n", i, hints[i]);
	}
	if (err) {
		fclose(s.f);
		free(s.buf);
		goto out;
	}
	err = script_end(&s, "alloc.gdb");
out:
	ctx_free(&c);
	return err;
}

/* ------------------------------------------------------------ --step */
/* The variables the stub stops at are the PO's transformed and fixed-up
 * ones, in order: root R is the R-th of them.  -1 if none. */
static long root_var(const struct po *po, uint64_t root)
{
	uint64_t r = 0;

	for (size_t i = 0; i < po_nvars(po); i++) {
		const struct po_var *v = po_var(po, i);

		if (v->action != PO_VAR_TRANSFORM && v->action != PO_VAR_FIXUP)
			continue;
		if (r++ == root)
			return (long)i;
	}
	return -1;
}

/* apply --step: step-R.o (the two types of root R as struct katana_old
 * and struct katana_new, the stub's opaque types) and step.gdb (the stop
 * before each variable's transform, the end of the stub's run). */
static int step_files(struct ctx *c)
{
	struct gen_povars *pv = NULL;
	struct po *po = NULL;
	struct script s;
	char path[PATH_MAX];
	long i;
	int err = gen_povars_open(c->a.po, &pv);

	err = err ?: po_open(c->a.po, &po);
	for (uint64_t r = 0; !err && (i = root_var(po, r)) >= 0; r++) {
		snprintf(path, sizeof(path), "%s/step-%" PRIu64 ".o", dir, r);
		err = gen_povars_typed(pv, (size_t)i) ? gen_povars_write_step(pv, (size_t)i, path) : 0;
	}
	po_close(po);
	gen_povars_close(pv);
	if (err || !script_begin(&s))
		return err ? err : -ENOMEM;
	fprintf(s.f, "break kstub_xform_var\nset $k_step_bp = $bpnum\ncommands\n  silent\n  katana-step-stop\nend\n");
	fprintf(s.f, "break kstub_step_confirm\nset $k_step_go = $bpnum\ncommands\n  silent\n  katana-step-go\nend\n");
	fprintf(s.f, "break *($k_stub_base + $k_stub_done_off)\nset $k_catch = $bpnum\ncommands\n  silent\n  katana-step-done\nend\n");
	return script_end(&s, "step.gdb");
}

static int verb_step(uint64_t root)
{
	struct args a;
	struct po *po = NULL;
	long i;
	int err = args_load(&a);

	err = err ?: po_open(a.po, &po);
	if (err)
		return err;
	i = root_var(po, root);
	if (i >= 0) {
		const struct po_var *v = po_var(po, (size_t)i);
		const struct po_xtype *t = po_xtype(po, v->xtype - 1);
		size_t n = 0;

		while (root_var(po, n) >= 0)
			n++;
		printf("katana: step: before the %s of '%s' (%s, %" PRIu64 " of %zu: %s, %" PRIu64 " -> %" PRIu64 " bytes)\n",
		       v->action == PO_VAR_FIXUP ? "re-pointing" : "transform", v->name, v->cu,
		       root + 1, n, t->name, t->old_size, t->new_size);
		printf("katana: print *old, print *new; next, step through it; continue: %s; katana abort: roll everything back\n",
		       root + 1 < n ? "on to the next variable" : "finish (heap objects, then the switch)");
	}
	po_close(po);
	return 0;
}

/* ------------------------------------------------------------ layout */
static int verb_layout(uint64_t base, uint64_t stub)
{
	struct ctx c = { 0 };
	char b[32];
	struct script s;
	struct plan_reg reg = { 0 };
	uint8_t hash[8];
	size_t idx, i, n = 0;
	int err;

	n = (size_t)snprintf(b, sizeof(b), "0x%" PRIx64 "\n", base);
	err = write_file("base", b, n);
	err = err ?: setup(&c, ST_LAYOUT);
	err = err ?: po_hash(c.a.po, hash);
	if (err)
		goto out;
	if (c.reg.r) {
		err = plan_reg_check(&c.reg, c.plan, hash);
		if (!err && !(reg.data = malloc(PLAN_REG_LEN)))
			err = -ENOMEM;
		if (!err) {
			memcpy(reg.data, c.reg.data, PLAN_REG_LEN);
			reg.r = (struct kstub_registry *)reg.data;
			reg.stub = c.stub;
		}
	} else {
		err = plan_reg_new(&reg, stub);
	}
	err = err ?: plan_reg_add(&reg, c.plan, basename(c.a.po), hash, &idx);
	err = err ?: plan_write_blobs(c.plan, dir);
	err = err ?: write_file("registry-new.bin", reg.data, PLAN_REG_LEN);
	if (err)
		goto out;
	if (!script_begin(&s)) {
		err = -ENOMEM;
		goto out;
	}
	err = plan_write_layout_gdb(c.plan, dir, s.f);
	fprintf(s.f, "set $k_index = %zu\n", idx);
	fprintf(s.f, "set $k_xplan = 0x%" PRIx64 "\nset $k_heap = %d\n", plan_xform_addr(c.plan),
		plan_xform_heap(c.plan) && plan_xform_addr(c.plan));
	if (!err && c.a.step)
		err = step_files(&c);
	fprintf(s.f, "define katana-registry-write\n  restore %s/registry-new.bin binary 0x%" PRIx64 "\nend\n",
		dir, stub + KSTUB_REG_OFF);
	fprintf(s.f, "define katana-registry-undo\n");
	if (c.reg.r)
		fprintf(s.f, "  restore %s/registry-old.bin binary 0x%" PRIx64 "\n", dir,
			stub + KSTUB_REG_OFF);
	fprintf(s.f, "end\n");
	/* one mprotect per region; katana-fail-ish checks happen in GDB */
	fprintf(s.f, "define katana-protect-regions\n  set $k_prot_ok = 1\n");
	for (i = 0; i < plan_nregions(c.plan); i++) {
		const struct plan_region *r = plan_region(c.plan, i);

		fprintf(s.f, "  katana-syscall 10 0x%" PRIx64 " 0x%" PRIx64 " %u\n", r->addr, r->size, r->prot);
		fprintf(s.f, "  if $k_sc_ret != 0\n    set $k_prot_ok = 0\n  end\n");
	}
	fprintf(s.f, "end\n");
	if (err) {
		fclose(s.f);
		free(s.buf);
		goto out;
	}
	err = script_end(&s, "layout.gdb");
out:
	plan_reg_free(&reg);
	ctx_free(&c);
	return err;
}

/* ------------------------------------------------------------ frames */
/* Can a temporary breakpoint go at a (a caller's pc from GDB's unwinder)?
 * Only into code: an executable mapping, or an applied patch's text (GDB
 * may not know the CFI of code a patch put there, and then unwinds it into
 * a garbage "return address"; a breakpoint there makes `continue` fail).
 * Without one the wait re-checks on its periodic tick. */
static bool code_addr(const struct ctx *c, uint64_t a)
{
	size_t i, k;

	for (i = 0; i < plan_maps_count(c->maps); i++) {
		const struct plan_map *m = plan_maps_get(c->maps, i);

		if (a >= m->start && a < m->end)
			return !m->perms[0] || m->perms[2] == 'x';
	}
	for (i = 0; c->reg.r && i < c->reg.r->npatches && i < KSTUB_MAX_PATCHES; i++) {
		const struct kstub_region *rg = plan_reg_regions(&c->reg, i);

		for (k = 0; rg && k < c->reg.r->patches[i].nregions; k++)
			if (rg[k].kind == PLAN_REG_TEXT && a >= rg[k].addr && a < rg[k].addr + rg[k].size)
				return c->reg.r->patches[i].state == KSTUB_APPLIED;
	}
	for (i = 0; c->plan && i < plan_nregions(c->plan); i++) {
		const struct plan_region *rg = plan_region(c->plan, i);

		if (rg->kind == PLAN_REG_TEXT && a >= rg->addr && a < rg->addr + rg->size)
			return true;
	}
	return false;
}

static int verb_frames(void)
{
	struct ctx c = { 0 };
	struct plan_block *b = NULL;
	struct plan_range *rr = NULL;
	uint64_t *rets = NULL;
	size_t nb = 0, nr = 0, nrr = 0, i, k;
	struct script s;
	char *text = read_stream(stdin, NULL);
	int err, verdict, alloc_thread = -1;
	const char *label = "revert";

	if (!text)
		return -ENOMEM;
	/* every stack walk of this command, kept with the session's files
	 * (which stay when the command fails) for a post-mortem */
	{
		char path[PATH_MAX];
		FILE *lf;

		snprintf(path, sizeof(path), "%s/frames.log", dir);
		lf = fopen(path, "a");
		if (lf) {
			fprintf(lf, "-- walk at %" PRIu64 "\n%s", now_ns(), text);
			fclose(lf);
		}
	}
	/* the time since the previous stack walk is (nearly all) time the
	 * target ran while waiting for a safe point: not part of its stop */
	if (mark_get("t-frames"))
		mark_set("t-ran", mark_get("t-ran") + (now_ns() - mark_get("t-frames")));
	err = args_load(&c.a);
	err = err ?: setup(&c, c.a.op == OP_APPLY ? ST_LAYOUT : ST_RESOLVED);
	if (err)
		goto out;
	if (c.a.op == OP_REVERT) {
		long idx = revert_index(&c);

		if (idx < 0) {
			err = -ENOENT;
			goto out;
		}
		err = plan_reg_revert_ranges(&c.reg, (size_t)idx, &rr, &nrr);
		if (err)
			goto out;
		/* with the PO: also what it says must not run (functions that
		 * hold transformed data, the allocator) */
		for (i = 0; c.plan && i < plan_nunsafe(c.plan); i++) {
			struct plan_range *nv = realloc(rr, (nrr + 1) * sizeof(*rr));

			if (!nv) {
				err = -ENOMEM;
				goto out;
			}
			rr = nv;
			rr[nrr++] = *plan_unsafe_range(c.plan, i);
		}
		verdict = plan_frames_check(label, rr, nrr, text, &b, &nb, &rets, &nr);
	} else {
		verdict = plan_check_frames(c.plan, text, &b, &nb, &rets, &nr);
	}
	if (verdict && verdict != -PLAN_EUNSAFE) {
		err = verdict;
		goto out;
	}
	if (c.a.op == OP_UNSAFE) {
		int at = plan_xform_heap(c.plan) ? plan_alloc_thread(c.plan, text) : -1;

		if (at >= 0)
			printf("  %s\n", at ? "a thread is parked in a system call: heap objects can be allocated" :
			       "no thread is parked in a system call of the allocator's library: heap objects cannot be allocated now");
		for (i = 0; i < nb; i++)
			printf("  thread %d frame #%d (pc 0x%" PRIx64 ") is in %s%s%s%s\n",
			       b[i].thread, b[i].level, b[i].pc, b[i].func,
			       b[i].cu[0] ? " (" : "", b[i].cu, b[i].cu[0] ? ")" : "");
		printf("katana: %s: apply could %scommit now%s\n", basename(c.a.po),
		       nb || !at ? "not " : "", nb || !at ? " (it would wait)" : "");
		goto out;
	}
	if (!script_begin(&s)) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0, k = 0; i < nr; i++)
		if (code_addr(&c, rets[i]))
			rets[k++] = rets[i];
	nr = k;
	/* heap objects are allocated on a thread parked in a system call */
	{
		int at = c.plan && plan_xform_heap(c.plan) ? plan_alloc_thread(c.plan, text) : 0;

		if (c.plan && plan_xform_heap(c.plan) && (c.a.op == OP_APPLY || c.a.op == OP_REVERT)) {
			fprintf(s.f, "set $k_alloc_thread = %d\n", at);
			if (!at)
				nb++;	/* wait for one: a blocker without a frame */
			alloc_thread = at;
		}
	}
	fprintf(s.f, "set $k_blocked = %zu\nset $k_nwait = %zu\n", nb, nr);
	fprintf(s.f, "define katana-wait-breaks\n");
	for (i = 0; i < nr; i++)
		fprintf(s.f, "  tbreak *0x%" PRIx64 "\n", rets[i]);
	fprintf(s.f, "end\n");
	err = script_end(&s, "frames.gdb");
	/* who blocks, for the refusal message */
	if (!err && nb) {
		FILE *f = open_memstream(&s.buf, &s.len);

		for (i = 0; f && b && i < nb - (alloc_thread == 0); i++)
			fprintf(f, "katana:   thread %d frame #%d (pc 0x%" PRIx64 ") is in %s%s%s%s\n",
				b[i].thread, b[i].level, b[i].pc, b[i].func,
				b[i].cu[0] ? " (" : "", b[i].cu, b[i].cu[0] ? ")" : "");
		if (f && alloc_thread == 0)
			fprintf(f, "katana:   no thread is parked in a system call of the allocator's library: the transform needs one to call the program's malloc on\n");
		if (f && !fclose(f)) {
			write_file("blockers.txt", s.buf, s.len);
			free(s.buf);
		}
	}
out:
	free(text);
	free(b);
	free(rets);
	free(rr);
	ctx_free(&c);
	mark("t-frames");
	return err;
}

/* ------------------------------------------------------------ done */
static void ms(char *out, size_t n, uint64_t ns)
{
	if (ns < 10000000ULL)
		snprintf(out, n, "%.1f ms", ns / 1e6);
	else
		snprintf(out, n, "%.0f ms", ns / 1e6);
}

static int verb_done(long result)
{
	struct ctx c = { 0 };
	uint64_t t = now_ns(), t0 = mark_get("t-start"), ta = mark_get("t-attach");
	uint64_t tl = mark_get("t-launch"), mem = 0;
	uint64_t el = t - (ta ? ta : t0), ran = mark_get("t-ran");
	char stopped[32], total[32], data[512] = "";
	size_t i;
	int err = args_load(&c.a);

	if (err)
		return err;
	ms(stopped, sizeof(stopped), ran < el ? el - ran : 0);
	ms(total, sizeof(total), t - (tl ? tl : ta ? ta : t0));
	err = setup(&c, c.a.op == OP_REVERT ? ST_RESOLVED : ST_LAYOUT);
	if (err) {
		ctx_free(&c);
		return err;
	}
	{
		size_t len;
		char *x = read_file("xplan.out", &len, 1);

		if (x && c.plan)
			plan_xform_result(c.plan, x, len, data, sizeof(data));
		free(x);
	}
	if (c.a.op == OP_REVERT) {
		printf("katana: reverted: original code restored%s%s%s, patch memory released; target stopped %s, total %s\n",
		       *data ? ", data transformed back (" : "", data, *data ? ")" : "", stopped, total);
		ctx_free(&c);
		return 0;
	}
	for (i = 0; i < plan_nregions(c.plan); i++)
		mem += plan_region(c.plan, i)->size;
	printf("katana: applied '%s' to %s: %zu function%s redirected", basename(c.a.po),
	       basename((char *)plan_target_path(c.plan)), plan_nsites(c.plan),
	       plan_nsites(c.plan) == 1 ? "" : "s");
	for (i = 0; i < plan_nsites(c.plan) && i < 4; i++)
		printf("%s%s", i ? ", " : " (", plan_site_name(c.plan, i));
	printf("%s", plan_nsites(c.plan) > 4 ? ", ...)" : plan_nsites(c.plan) ? ")" : "");
	if (*data)
		printf(", data transformed (%s)", data);
	printf(", %" PRIu64 " KiB at 0x%" PRIx64 ", target stopped %s, total %s\n",
	       mem / 1024, plan_region(c.plan, 0) ? plan_region(c.plan, 0)->addr : 0, stopped, total);
	(void)result;
	ctx_free(&c);
	return 0;
}

/* ------------------------------------------------------------ report */
/* Why a command failed on the GDB side ($k_err, see katana-report).  The
 * helper prints it so that it reaches the standalone command's caller too. */
/* Why the stub's transform failed, from the plan's header GDB dumped. */
static int xform_failure(char *line, size_t n)
{
	struct ctx c = { 0 };
	size_t len;
	char *x = read_file("xplan.out", &len, 1);
	int r = 0;

	if (x && !args_load(&c.a) && !setup(&c, c.a.op == OP_REVERT ? ST_RESOLVED : ST_LAYOUT) &&
	    c.plan)
		r = plan_xform_result(c.plan, x, len, line, n) == 1;
	free(x);
	ctx_free(&c);
	return r;
}

static int verb_report(long code, long stage, long val, long wait_ms)
{
	char *b, line[512];

	switch (code) {
	case 1:
		fprintf(stderr, "katana: cannot map the patch memory in the process (mmap: %s); nothing was changed\n",
			strerror((int)-val));
		break;
	case 2:
		fprintf(stderr, "katana: the patch memory does not read back as written; nothing was changed\n");
		break;
	case 3:
		fprintf(stderr, "katana: mprotect of the patch memory failed; nothing was changed\n");
		break;
	case 4:
		fprintf(stderr, "katana: cannot place katana's stub in the process (%s); nothing was changed\n",
			strerror((int)-val));
		break;
	case 5:
		b = read_file("blockers.txt", NULL, 1);
		if (b)
			fputs(b, stderr);
		free(b);
		fprintf(stderr, "katana: not safe to switch within %.1f s: the threads above are inside code the patch changes; nothing was changed (retry, or allow more time with --wait SECONDS)\n",
			wait_ms / 1000.0);
		return KATANA_EXIT_REFUSED;
	case 6:
		if (val == -EINVAL && xform_failure(line, sizeof(line))) {
			char *ab = strstr(line, ": katana abort");

			if (ab) {
				fprintf(stderr, "katana: aborted at a --step stop (%.*s); nothing was changed\n",
					(int)(ab - line), line);
				return KATANA_EXIT_REFUSED;
			}
			fprintf(stderr, "katana: the data transform failed: %s; nothing was changed (the objects it had built were freed)\n",
				line);
			return KATANA_EXIT_REFUSED;
		}
		fprintf(stderr, "katana: the stub refused the switch (%s); nothing was changed\n",
			strerror((int)-val));
		break;
	case 7:
		fprintf(stderr, "katana: cannot arm the wait's timer in the process (%s); nothing was changed\n",
			strerror((int)-val));
		break;
	case 8:
		fprintf(stderr, "katana: the stub did not come back to GDB (a fault?); the thread's registers were restored; check with katana status\n");
		break;
	case 9:
		fprintf(stderr, "katana: no process; attach to one first (attach PID, or target remote HOST:PORT to a gdbserver)\n");
		break;
	default:
		fprintf(stderr, "katana: failed at step %ld (a GDB error, or the target was lost); what katana allocated was released\n",
			stage);
	}
	return KATANA_EXIT_ERROR;
}

/* ------------------------------------------------------------ main */
static int parse_u64(const char *s, uint64_t *v)
{
	char *e;

	errno = 0;
	*v = strtoull(s, &e, 0);
	return errno || *e || e == s ? -EINVAL : 0;
}

int cmd_gdb_helper(int argc, char **argv)
{
	const char *verb;
	uint64_t n, a1 = 0, a2 = 0;
	int err;

	if (argc < 3 || parse_u64(argv[2], &n) || !n)
		return usage("usage: katana gdb-helper VERB SESSION ... (called by the katana GDB commands)");
	verb = argv[1];
	/* the standalone command hands us its own stdout/stderr (GDB's are
	 * not shown) */
	if (getenv("KATANA_STDOUT_FD"))
		dup2(atoi(getenv("KATANA_STDOUT_FD")), 1);
	if (getenv("KATANA_STDERR_FD"))
		dup2(atoi(getenv("KATANA_STDERR_FD")), 2);
	po_set_print(print_po);
	plan_set_print(print_plan);
	if (!strcmp(verb, "start"))
		return verb_start((unsigned long)n, argc - 3, argv + 3);
	if (!strcmp(verb, "report") && argc == 7) {
		session_dir((unsigned long)n, 0);
		return verb_report(atol(argv[3]), atol(argv[4]), atol(argv[5]), atol(argv[6]));
	}
	if (session_dir((unsigned long)n, !strcmp(verb, "mark")))
		return KATANA_EXIT_ERROR;
	if (!strcmp(verb, "mark") && argc == 4) {
		char name[64];

		if (strpbrk(argv[3], "/."))
			return usage("gdb-helper mark: bad name");
		snprintf(name, sizeof(name), "t-%s", argv[3]);
		mark(name);
		return 0;
	}
	if (!strcmp(verb, "step") && argc == 4 && !parse_u64(argv[3], &a1))
		return exit_for(verb_step(a1));
	if (!strcmp(verb, "cat") && argc == 4 && !strpbrk(argv[3], "/")) {
		size_t len;
		char *b = read_file(argv[3], &len, 0);

		if (!b)
			return KATANA_EXIT_ERROR;
		fwrite(b, 1, len, stdout);
		free(b);
		return KATANA_EXIT_OK;
	}
	if (!strcmp(verb, "maps") && argc == 3)
		err = verb_maps();
	else if (!strcmp(verb, "verify") && argc == 3)
		err = verb_verify();
	else if (!strcmp(verb, "layout") && argc == 5 && !parse_u64(argv[3], &a1) &&
		 !parse_u64(argv[4], &a2))
		err = verb_layout(a1, a2);
	else if (!strcmp(verb, "frames") && argc == 3)
		err = verb_frames();
	else if (!strcmp(verb, "done") && argc == 4 && !parse_u64(argv[3], &a1))
		err = verb_done((long)a1);
	else
		return usage("gdb-helper: bad verb or arguments");
	return exit_for(err);
}
