/* gdb_helper.c - `katana gdb-helper VERB ...`, the host side of the GDB
 * command set (gdb-ext/katana.gdb), called through `shell` and `pipe`.
 * Hidden from --help.  Every verb reads what earlier verbs left in DIR,
 * calls the planner, and writes a GDB script to DIR (temp name + rename)
 * for the command set to `source`.
 *
 *   pipe info proc mappings | katana gdb-helper maps [--sysroot S] PO DIR
 *	keeps DIR/maps.txt; writes DIR/reads.gdb: `dump binary memory
 *	DIR/read-N.bin START END` for every range to read ($katana_nreads)
 *   katana gdb-helper verify [--sysroot S] PO DIR
 *	checks DIR/read-N.bin (build-id, checksums), resolves the symbols;
 *	writes DIR/alloc.gdb: $katana_alloc_size, $katana_nhints,
 *	$katana_hint0.. (nearest first)
 *   katana gdb-helper layout [--sysroot S] PO DIR BASE
 *	relocates at BASE; writes DIR/{text,rodata,data,got,sites,regions}.bin
 *	and DIR/layout.gdb (see plan_write_layout_gdb)
 *   pipe thread apply all -q -s katana-frames-1 | katana gdb-helper frames [--sysroot S] PO DIR BASE
 *	safe-point check; writes DIR/frames.gdb: $katana_blocked and the
 *	command katana-wait-breaks (tbreak on the blocking frames' returns)
 *   katana gdb-helper defs DIR
 *	writes DIR/defs.gdb: the user commands printing the frames text
 *
 * Exit: 0 ok, 1 error, 2 usage, 4 refused (wrong target, not safe, the
 * patch cannot be applied to this process).
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "plan.h"
#include "po.h"

static void print_po(enum po_level level, const char *fmt, va_list ap)
{
	if (level <= PO_WARN) {
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

static char *read_path(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b;

	if (!f) {
		fprintf(stderr, "katana: gdb-helper: cannot open '%s': %s\n", path, strerror(errno));
		return NULL;
	}
	b = read_stream(f, len);
	fclose(f);
	return b;
}

static int write_path(const char *path, const char *data, size_t len)
{
	char tmp[PATH_MAX];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "wb");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f) || rename(tmp, path)) {
		fprintf(stderr, "katana: gdb-helper: cannot write '%s': %s\n", path, strerror(errno));
		return -EIO;
	}
	return 0;
}

/* Opens a script DIR/NAME for writing under a temporary name. */
static FILE *script_open(const char *dir, const char *name, char *tmp, size_t n)
{
	FILE *f;

	snprintf(tmp, n, "%s/.%s.tmp", dir, name);
	f = fopen(tmp, "w");
	if (!f)
		fprintf(stderr, "katana: gdb-helper: cannot write '%s': %s\n", tmp, strerror(errno));
	return f;
}

static int script_close(FILE *f, const char *dir, const char *name, const char *tmp)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (ferror(f) | fclose(f) || rename(tmp, path)) {
		fprintf(stderr, "katana: gdb-helper: cannot write '%s': %s\n", path, strerror(errno));
		remove(tmp);
		return -EIO;
	}
	return 0;
}

/* GDB substitutes these paths into commands as text: refuse what it would
 * misread rather than quote. */
static int check_path(const char *s)
{
	if (strpbrk(s, "%\"\\ \t\n'")) {
		fprintf(stderr, "katana: gdb-helper: '%s': paths with spaces, quotes, %% or \\ are not supported\n", s);
		return -EINVAL;
	}
	return 0;
}

struct ctx {
	struct plan *plan;
	struct plan_maps *maps;
	const struct plan_read *reads;
	size_t nreads;
	struct plan_dump *dumps;
	char **bufs;
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
}

enum stage { ST_OPEN, ST_RESOLVED, ST_LAYOUT };

/* Replays the earlier verbs from what they left in dir. */
static int setup(struct ctx *c, const char *po, const char *dir, const char *sysroot,
		 enum stage st, uint64_t base)
{
	char path[PATH_MAX];
	char *text;
	size_t i;
	int err;

	snprintf(path, sizeof(path), "%s/maps.txt", dir);
	text = read_path(path, NULL);
	if (!text)
		return -ENOENT;
	err = plan_maps_parse(text, &c->maps);
	free(text);
	err = err ?: plan_open(&c->plan, po, c->maps, sysroot);
	err = err ?: plan_reads(c->plan, &c->reads, &c->nreads);
	if (err || st == ST_OPEN)
		return err;
	c->dumps = calloc(c->nreads + 1, sizeof(*c->dumps));
	c->bufs = calloc(c->nreads + 1, sizeof(*c->bufs));
	if (!c->dumps || !c->bufs)
		return -ENOMEM;
	for (i = 0; i < c->nreads; i++) {
		snprintf(path, sizeof(path), "%s/read-%zu.bin", dir, i);
		c->bufs[i] = read_path(path, &c->dumps[i].len);
		if (!c->bufs[i])
			return -ENOENT;
		c->dumps[i].data = c->bufs[i];
	}
	err = plan_verify(c->plan, c->dumps, c->nreads);
	err = err ?: plan_resolve(c->plan, c->dumps, c->nreads);
	if (err || st == ST_RESOLVED)
		return err;
	return plan_relocate(c->plan, base);
}

static int verb_maps(const char *po, const char *dir, const char *sysroot)
{
	struct ctx c = { 0 };
	char path[PATH_MAX], tmp[PATH_MAX];
	size_t len, i;
	char *text = read_stream(stdin, &len);
	FILE *f;
	int err;

	if (!text)
		return -ENOMEM;
	snprintf(path, sizeof(path), "%s/maps.txt", dir);
	err = write_path(path, text, len);
	free(text);
	err = err ?: setup(&c, po, dir, sysroot, ST_OPEN, 0);
	if (!err && !(f = script_open(dir, "reads.gdb", tmp, sizeof(tmp))))
		err = -EIO;
	if (!err) {
		fprintf(f, "# katana: memory to read for '%s' (target %s, bias 0x%" PRIx64 ")\n",
			po, plan_target_path(c.plan), plan_target_bias(c.plan));
		fprintf(f, "set $katana_nreads = %zu\n", c.nreads);
		for (i = 0; i < c.nreads; i++)
			fprintf(f, "# %s\ndump binary memory %s/read-%zu.bin 0x%" PRIx64 " 0x%" PRIx64 "\n",
				c.reads[i].label, dir, i, c.reads[i].addr,
				c.reads[i].addr + c.reads[i].len);
		err = script_close(f, dir, "reads.gdb", tmp);
	}
	ctx_free(&c);
	return err;
}

static int verb_verify(const char *po, const char *dir, const char *sysroot)
{
	struct ctx c = { 0 };
	uint64_t hints[16], size;
	size_t n, i;
	char tmp[PATH_MAX];
	FILE *f;
	int err = setup(&c, po, dir, sysroot, ST_RESOLVED, 0);

	err = err ?: plan_alloc_hints(c.plan, &size, hints, 16, &n);
	if (!err && !(f = script_open(dir, "alloc.gdb", tmp, sizeof(tmp))))
		err = -EIO;
	if (!err) {
		fprintf(f, "set $katana_alloc_size = 0x%" PRIx64 "\n", size);
		fprintf(f, "set $katana_nhints = %zu\n", n);
		for (i = 0; i < n; i++)
			fprintf(f, "set $katana_hint%zu = 0x%" PRIx64 "\n", i, hints[i]);
		err = script_close(f, dir, "alloc.gdb", tmp);
	}
	ctx_free(&c);
	return err;
}

static int verb_layout(const char *po, const char *dir, const char *sysroot, uint64_t base)
{
	struct ctx c = { 0 };
	char tmp[PATH_MAX];
	FILE *f;
	int err = setup(&c, po, dir, sysroot, ST_LAYOUT, base);

	err = err ?: plan_write_blobs(c.plan, dir);
	if (!err && !(f = script_open(dir, "layout.gdb", tmp, sizeof(tmp))))
		err = -EIO;
	if (!err) {
		err = plan_write_layout_gdb(c.plan, dir, f);
		err = script_close(f, dir, "layout.gdb", tmp) ?: err;
	}
	ctx_free(&c);
	return err;
}

static int verb_frames(const char *po, const char *dir, const char *sysroot, uint64_t base)
{
	struct ctx c = { 0 };
	struct plan_block *b = NULL;
	uint64_t *rets = NULL;
	size_t nb = 0, nr = 0, i;
	char tmp[PATH_MAX];
	char *text = read_stream(stdin, NULL);
	FILE *f;
	int err = text ? setup(&c, po, dir, sysroot, ST_LAYOUT, base) : -ENOMEM;
	int verdict;

	if (err) {
		free(text);
		ctx_free(&c);
		return err;
	}
	verdict = plan_check_frames(c.plan, text, &b, &nb, &rets, &nr);
	free(text);
	if (verdict && verdict != -PLAN_EUNSAFE) {
		err = verdict;
		goto out;
	}
	for (i = 0; i < nb; i++)
		fprintf(stderr, "katana: thread %d frame #%d (pc 0x%" PRIx64 ") is in %s%s%s%s\n",
			b[i].thread, b[i].level, b[i].pc, b[i].func,
			b[i].cu[0] ? " (" : "", b[i].cu, b[i].cu[0] ? ")" : "");
	f = script_open(dir, "frames.gdb", tmp, sizeof(tmp));
	if (!f) {
		err = -EIO;
		goto out;
	}
	fprintf(f, "set $katana_blocked = %zu\nset $katana_nwait = %zu\n", nb, nr);
	fprintf(f, "define katana-wait-breaks\n");
	for (i = 0; i < nr; i++)
		fprintf(f, "  tbreak *0x%" PRIx64 "\n", rets[i]);
	fprintf(f, "end\n");
	err = script_close(f, dir, "frames.gdb", tmp) ?: verdict;
out:
	free(b);
	free(rets);
	ctx_free(&c);
	return err;
}

static int usage(void)
{
	fputs("usage: katana gdb-helper maps|verify [--sysroot S] PO DIR\n"
	      "       katana gdb-helper layout|frames [--sysroot S] PO DIR BASE\n"
	      "       katana gdb-helper defs DIR\n"
	      "(called by the katana GDB commands)\n", stderr);
	return KATANA_EXIT_USAGE;
}

int cmd_gdb_helper(int argc, char **argv)
{
	const char *verb, *sysroot = NULL, *pos[3] = { 0 };
	char po[PATH_MAX];
	int i, np = 0, err;
	uint64_t base = 0;

	if (argc < 2)
		return usage();
	verb = argv[1];
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--sysroot") && i + 1 < argc)
			sysroot = argv[++i];
		else if (argv[i][0] == '-' && argv[i][1])
			return usage();
		else if (np < 3)
			pos[np++] = argv[i];
		else
			return usage();
	}
	po_set_print(print_po);
	if (!strcmp(verb, "defs")) {
		char path[PATH_MAX];
		const char *d = plan_frames_gdb();

		if (np != 1)
			return usage();
		snprintf(path, sizeof(path), "%s/defs.gdb", pos[0]);
		return write_path(path, d, strlen(d)) ? KATANA_EXIT_ERROR : KATANA_EXIT_OK;
	}
	if (np < 2)
		return usage();
	if (!realpath(pos[0], po)) {
		fprintf(stderr, "katana: unable to open '%s': %s\n", pos[0], strerror(errno));
		return KATANA_EXIT_ERROR;
	}
	if (check_path(po) || check_path(pos[1]))
		return KATANA_EXIT_ERROR;
	if (!strcmp(verb, "layout") || !strcmp(verb, "frames")) {
		char *e;

		if (np != 3)
			return usage();
		errno = 0;
		base = strtoull(pos[2], &e, 0);
		if (errno || *e || e == pos[2]) {
			fprintf(stderr, "katana: gdb-helper: '%s' is not an address\n", pos[2]);
			return KATANA_EXIT_USAGE;
		}
	} else if (np != 2) {
		return usage();
	}
	if (!strcmp(verb, "maps"))
		err = verb_maps(po, pos[1], sysroot);
	else if (!strcmp(verb, "verify"))
		err = verb_verify(po, pos[1], sysroot);
	else if (!strcmp(verb, "layout"))
		err = verb_layout(po, pos[1], sysroot, base);
	else if (!strcmp(verb, "frames"))
		err = verb_frames(po, pos[1], sysroot, base);
	else
		return usage();
	return exit_for(err);
}
