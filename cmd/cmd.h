/* cmd.h - katana's sub-commands.  Each parses its arguments, calls the
 * libraries, and returns an exit code (enum katana_exit). */
#ifndef KATANA_CMD_H
#define KATANA_CMD_H

#include <stddef.h>

enum katana_exit {
	KATANA_EXIT_OK = 0,
	KATANA_EXIT_ERROR = 1,
	KATANA_EXIT_USAGE = 2,
	KATANA_EXIT_NOCHANGE = 3,	/* gen: the trees do not differ */
	KATANA_EXIT_REFUSED = 4,	/* apply: not safe within the wait, or wrong target */
};

int cmd_gen(int argc, char **argv);	/* argv[0] is "gen" */
int cmd_show(int argc, char **argv);	/* argv[0] is "show" */
/* PREFIX/share/katana/FILE next to this binary; -errno with a message. */
int katana_data_path(char *out, size_t n, const char *file);
int cmd_standalone(int argc, char **argv);	/* apply, revert, unsafe, status */
int cmd_gdb_helper(int argc, char **argv);	/* argv[0] is "gdb-helper"; hidden */

#endif
