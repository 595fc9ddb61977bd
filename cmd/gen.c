/* gen.c - `katana gen [-v] [-o OUT] OLD_DIR NEW_DIR EXE` (also `katana -g`). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "gen.h"
#include "po.h"

static int verbose;

static void print_gen(enum gen_level level, const char *fmt, va_list ap)
{
	if ((int)level > GEN_WARN + verbose)
		return;
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static void print_po(enum po_level level, const char *fmt, va_list ap)
{
	if ((int)level > PO_WARN + verbose)
		return;
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static void human_size(uint64_t n, char *buf, size_t len)
{
	if (n < 1024)
		snprintf(buf, len, "%lu bytes", (unsigned long)n);
	else
		snprintf(buf, len, "%lu KiB", (unsigned long)((n + 1023) / 1024));
}

int cmd_gen(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "allow-opaque", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct gen_opts o = { 0 };
	struct gen_result r;
	const char *allow[64];
	size_t nallow = 0;
	char sz[64];
	int c, err;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+o:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o.out = optarg;
			break;
		case 'v':
			verbose++;
			break;
		case 'a':
			if (nallow == sizeof(allow) / sizeof(allow[0])) {
				fprintf(stderr, "katana gen: at most %zu --allow-opaque paths\n",
					sizeof(allow) / sizeof(allow[0]));
				return KATANA_EXIT_USAGE;
			}
			allow[nallow++] = optarg;
			break;
		case 'h':
			printf("usage: katana gen [-v] [-o OUT] [--allow-opaque PATH]... OLD_DIR NEW_DIR EXE\n");
			return KATANA_EXIT_OK;
		default:
			fprintf(stderr, "usage: katana gen [-v] [-o OUT] [--allow-opaque PATH]... OLD_DIR NEW_DIR EXE\n");
			return KATANA_EXIT_USAGE;
		}
	}
	if (argc - optind != 3) {
		fprintf(stderr, "katana gen: expected OLD_DIR NEW_DIR EXE, got %d argument%s\n"
			"usage: katana gen [-v] [-o OUT] [--allow-opaque PATH]... OLD_DIR NEW_DIR EXE\n",
			argc - optind, argc - optind == 1 ? "" : "s");
		return KATANA_EXIT_USAGE;
	}
	o.old_dir = argv[optind];
	o.new_dir = argv[optind + 1];
	o.exe = argv[optind + 2];
	o.verbose = verbose;
	o.allow_opaque = allow;
	o.nallow_opaque = nallow;
	gen_set_print(print_gen);
	po_set_print(print_po);
	err = gen_run(&o, &r);
	if (err == GEN_ENOCHANGE) {
		printf("gen: no difference for '%s' between '%s' and '%s'", o.exe, o.old_dir, o.new_dir);
		if (r.line_only)
			printf(" (%u function%s differ only in __LINE__ constants)", r.line_only,
			       r.line_only == 1 ? "" : "s");
		printf("; nothing written\n");
		return KATANA_EXIT_NOCHANGE;
	}
	if (err < 0)
		return KATANA_EXIT_ERROR;
	human_size(r.po_size, sz, sizeof(sz));
	printf("gen: %u function%s changed, %u new, %u variable%s", r.changed, r.changed == 1 ? "" : "s",
	       r.added, r.vars, r.vars == 1 ? "" : "s");
	if (r.transformed)
		printf(", %u transformed", r.transformed);
	if (r.line_only)
		printf(", %u skipped (only __LINE__ moved)", r.line_only);
	if (r.warnings)
		printf(", %u warning%s", r.warnings, r.warnings == 1 ? "" : "s");
	printf("; wrote %s (%s)\n", r.out, sz);
	return KATANA_EXIT_OK;
}
