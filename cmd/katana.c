/* katana.c - the katana command: dispatch to sub-commands. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"

static const char usage[] =
"usage: katana gen [-v] [-o OUT] [--allow-opaque PATH]... OLD_DIR NEW_DIR EXE\n"
"       katana show [--json] FILE.po\n"
"       katana -g [-o OUT] OLD_DIR NEW_DIR EXE   (same as gen)\n"
"       katana -l FILE.po                        (same as show)\n"
"       katana apply [-s] [--wait SECONDS] FILE.po PID|--remote HOST:PORT\n"
"       katana revert [-s] [--wait SECONDS] [FILE.po] PID|--remote HOST:PORT\n"
"       katana unsafe FILE.po PID|--remote HOST:PORT\n"
"       katana status PID|--remote HOST:PORT\n"
"       katana vars FILE.po PID|--remote HOST:PORT\n"
"       katana --version | --help\n"
"\n"
"  gen   diff the object files of two builds of EXE (an executable or a\n"
"        shared library) and write a Patch Object (default OLD_DIR/EXE.po);\n"
"        changed data types get transforms; --allow-opaque accepts a path\n"
"        gen refused (objects behind void *, T **) with a warning\n"
"  show  print what a Patch Object contains; --json for tools\n"
"  apply patch a running process (through GDB: attached to PID, or to a\n"
"        gdbserver with --remote); waits up to --wait seconds (default 5)\n"
"        for a safe point; -s leaves the process stopped afterwards\n"
"  revert undo the most recent patch;  unsafe  what blocks a patch now;\n"
"  status the patches applied to a process;  vars  the variables a patch\n"
"        touches: old and new types, member by member, and their values\n"
"  In GDB: source PREFIX/share/katana/katana.gdb, then help katana;\n"
"  katana apply FILE.po --step stops before each data transform there.\n"
"\n"
"exit status: 0 success, 1 error, 2 usage error, 3 gen found no difference,\n"
"             4 refused (apply: not safe within the wait, or wrong target;\n"
"               revert: the PO is needed, or the transform has no way back)\n";

int main(int argc, char **argv)
{
	const char *c = argc > 1 ? argv[1] : NULL;

	if (!c) {
		fputs(usage, stderr);
		return KATANA_EXIT_USAGE;
	}
	if (!strcmp(c, "--help") || !strcmp(c, "-h") || !strcmp(c, "help")) {
		fputs(usage, stdout);
		return KATANA_EXIT_OK;
	}
	if (!strcmp(c, "--version")) {
		printf("katana %s\n", KATANA_VERSION);
		return KATANA_EXIT_OK;
	}
	if (!strcmp(c, "gen") || !strcmp(c, "-g"))
		return cmd_gen(argc - 1, argv + 1);
	if (!strcmp(c, "show") || !strcmp(c, "-l"))
		return cmd_show(argc - 1, argv + 1);
	if (!strcmp(c, "apply") || !strcmp(c, "revert") || !strcmp(c, "unsafe") ||
	    !strcmp(c, "status") || !strcmp(c, "vars"))
		return cmd_standalone(argc - 1, argv + 1);
	if (!strcmp(c, "gdb-helper"))	/* for the GDB command set; not in --help */
		return cmd_gdb_helper(argc - 1, argv + 1);
	fprintf(stderr, "katana: unknown command '%s'; see 'katana --help'\n", c);
	return KATANA_EXIT_USAGE;
}
