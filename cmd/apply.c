/* apply.c - the standalone forms: `katana apply|revert|unsafe|status ...
 * PID` (or --remote HOST:PORT).  They run GDB in batch mode with the same
 * command file (share/katana/katana.gdb) a GDB user sources, so the same
 * code patches the process whichever way it is asked; the exit status is
 * the GDB command's ($k_exit).
 *
 * GDB's own chatter (attach banners, thread messages) is not shown: the
 * helper's messages reach the caller through file descriptors 3 and 4
 * (KATANA_STDOUT_FD / KATANA_STDERR_FD, see gdb_helper.c), GDB's stdout
 * goes to /dev/null and its stderr to a temporary file that is shown only
 * when GDB itself failed (cannot attach, lost the target, ...).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd.h"

static int usage(const char *op)
{
	fprintf(stderr,
		"usage: katana apply [-s] [--wait SECONDS] FILE.po PID | --remote HOST:PORT\n"
		"       katana revert [-s] [--wait SECONDS] [FILE.po] PID | --remote HOST:PORT\n"
		"       katana unsafe FILE.po PID | --remote HOST:PORT\n"
		"       katana status PID | --remote HOST:PORT\n"
		"       katana vars FILE.po PID | --remote HOST:PORT\n"
		"(katana %s: see 'katana --help')\n", op);
	return KATANA_EXIT_USAGE;
}

static int valid_pid(const char *s)
{
	char *e;
	long v = strtol(s, &e, 10);

	return *s && !*e && v > 0 && v < (1L << 22);
}

/* Arguments GDB substitutes as text must not break its command line. */
static int plain(const char *s)
{
	return !strpbrk(s, "%\"\\ \t\n'$`;&|<>*?");
}

/* DATADIR: next to the katana binary, ../share/katana.  Shared with the
 * GDB helper (gdb_helper.c), which finds the stub there. */
int katana_data_path(char *out, size_t n, const char *file)
{
	char exe[PATH_MAX];
	ssize_t l = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (l <= 0)
		return -errno;
	exe[l] = 0;
	snprintf(out, n, "%s/share/katana/%s", dirname(dirname(exe)), file);
	if (access(out, R_OK)) {
		fprintf(stderr, "katana: cannot read '%s': %s (is katana installed completely?)\n",
			out, strerror(errno));
		return -ENOENT;
	}
	return 0;
}

int cmd_standalone(int argc, char **argv)
{
	const char *op = argv[0], *remote = NULL, *pid = NULL, *wait = NULL, *po = NULL;
	char gdbfile[PATH_MAX], opcmd[PATH_MAX + 128], target[256], errpath[] = "/tmp/katana-gdb-err-XXXXXX";
	const char *gdb = getenv("KATANA_GDB") ? getenv("KATANA_GDB") : "gdb";
	const char *gv[40];
	int stop = 0, i, n = 0, st, errfd, status;
	pid_t child;

	const char *pos[3];
	int npos = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-s") || !strcmp(argv[i], "--stop"))
			stop = 1;
		else if ((!strcmp(argv[i], "--wait") || !strcmp(argv[i], "-w")) && i + 1 < argc)
			wait = argv[++i];
		else if (!strcmp(argv[i], "--remote") && i + 1 < argc)
			remote = argv[++i];
		else if (!strcmp(argv[i], "--step") && !strcmp(op, "apply")) {
			fprintf(stderr, "katana apply: --step stops inside the process for you to look around: use it in GDB (gdb -p PID, then katana apply FILE.po --step)\n");
			return KATANA_EXIT_USAGE;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "katana %s: unknown option '%s'\n", op, argv[i]);
			return usage(op);
		} else if (npos < 3) {
			pos[npos++] = argv[i];
		} else {
			return usage(op);
		}
	}
	/* the last positional is the PID unless --remote names the target */
	if (!remote && npos > 0) {
		if (!valid_pid(pos[npos - 1])) {
			fprintf(stderr, "katana %s: '%s' is not a process id\n", op, pos[npos - 1]);
			return usage(op);
		}
		pid = pos[--npos];
	}
	if (npos > 1) {
		fprintf(stderr, "katana %s: unexpected argument '%s'\n", op, pos[1]);
		return usage(op);
	}
	po = npos ? pos[0] : NULL;
	if (!pid && !remote) {
		fprintf(stderr, "katana %s: which process? give its PID (or --remote HOST:PORT of a gdbserver)\n", op);
		return usage(op);
	}
	if (pid && remote) {
		fprintf(stderr, "katana %s: give a PID or --remote, not both\n", op);
		return KATANA_EXIT_USAGE;
	}
	if ((!strcmp(op, "apply") || !strcmp(op, "unsafe") || !strcmp(op, "vars")) && !po) {
		fprintf(stderr, "katana %s: which patch? usage: katana %s FILE.po PID\n", op, op);
		return KATANA_EXIT_USAGE;
	}
	if (!strcmp(op, "status") && po) {
		fprintf(stderr, "katana status: takes only a PID (or --remote HOST:PORT)\n");
		return KATANA_EXIT_USAGE;
	}
	if ((po && !plain(po)) || (wait && !plain(wait)) || (remote && !plain(remote))) {
		fprintf(stderr, "katana %s: arguments with spaces, quotes or shell characters are not supported; rename or link the file\n", op);
		return KATANA_EXIT_USAGE;
	}
	if (po && access(po, R_OK)) {
		fprintf(stderr, "katana: '%s': %s\n", po, strerror(errno));
		return KATANA_EXIT_ERROR;
	}
	if (katana_data_path(gdbfile, sizeof(gdbfile), "katana.gdb"))
		return KATANA_EXIT_ERROR;
	snprintf(opcmd, sizeof(opcmd), "katana %s%s%s%s%s", op, po ? " " : "", po ? po : "",
		 wait ? " --wait " : "", wait ? wait : "");
	if (remote)
		snprintf(target, sizeof(target), "target remote %s", remote);
	else
		snprintf(target, sizeof(target), "attach %s", pid);

	gv[n++] = gdb;
	gv[n++] = "-batch";
	gv[n++] = "-nx";
	gv[n++] = "-q";
	gv[n++] = "-iex";
	gv[n++] = "set debuginfod enabled off";
	gv[n++] = "-iex";
	gv[n++] = "set auto-load off";
	gv[n++] = "-iex";
	gv[n++] = "set pagination off";
	gv[n++] = "-ex";
	gv[n++] = "set confirm off";
	if (remote) {
		gv[n++] = "-ex";
		gv[n++] = "set sysroot /";
	}
	gv[n++] = "-x";
	gv[n++] = gdbfile;
	gv[n++] = "-ex";
	gv[n++] = "katana-mark attach";
	gv[n++] = "-ex";
	gv[n++] = target;
	gv[n++] = "-ex";
	gv[n++] = opcmd;
	gv[n++] = "-ex";
	gv[n++] = stop ? "katana-exit 1" : "katana-exit 0";
	gv[n] = NULL;

	errfd = mkstemp(errpath);
	if (errfd < 0) {
		fprintf(stderr, "katana: cannot create a temporary file: %s\n", strerror(errno));
		return KATANA_EXIT_ERROR;
	}
	unlink(errpath);
	/* above the descriptors the child sets up */
	{
		int hi = fcntl(errfd, F_DUPFD_CLOEXEC, 10);

		close(errfd);
		errfd = hi;
	}
	fflush(stdout);
	fflush(stderr);
	child = fork();
	if (child < 0) {
		fprintf(stderr, "katana: fork: %s\n", strerror(errno));
		return KATANA_EXIT_ERROR;
	}
	if (child == 0) {
		/* every source above 10 first, so no dup2 below clobbers one */
		int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
		int out = fcntl(1, F_DUPFD_CLOEXEC, 10), err = fcntl(2, F_DUPFD_CLOEXEC, 10);
		int nul = devnull >= 0 ? fcntl(devnull, F_DUPFD_CLOEXEC, 10) : -1;

		/* the helper's channels: 3 = our stdout, 4 = our stderr */
		if (out < 0 || err < 0 || nul < 0 || dup2(out, 3) < 0 || dup2(err, 4) < 0 ||
		    dup2(nul, 0) < 0 || dup2(nul, 1) < 0 || dup2(errfd, 2) < 0)
			_exit(127);
		setenv("KATANA_STDOUT_FD", "3", 1);
		setenv("KATANA_STDERR_FD", "4", 1);
		execvp(gdb, (char *const *)gv);
		dprintf(4, "katana: cannot run '%s': %s (install gdb, or set KATANA_GDB)\n", gdb,
			strerror(errno));
		_exit(127);
	}
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	st = WIFEXITED(status) ? WEXITSTATUS(status) : KATANA_EXIT_ERROR;
	if (WIFSIGNALED(status))
		fprintf(stderr, "katana: gdb died (signal %d); the target is either unpatched or fully patched: check with katana status\n",
			WTERMSIG(status));
	if (st == 127)
		st = KATANA_EXIT_ERROR;
	if (st != KATANA_EXIT_OK && st != KATANA_EXIT_REFUSED && st != KATANA_EXIT_USAGE) {
		/* GDB's own errors (cannot attach, ...), without the noise */
		FILE *f = fdopen(errfd, "r");
		char line[1024];

		if (f) {
			rewind(f);
			while (fgets(line, sizeof(line), f))
				/* (not source lines GDB could not show: "71\t...") */
				if (!strstr(line, "katana-command-stopped") && !strstr(line, "libthread_db") &&
				    !(line[0] >= '0' && line[0] <= '9' && strchr(line, '\t')))
					fprintf(stderr, "gdb: %s", line);
			fclose(f);
		}
	} else {
		close(errfd);
	}
	return st;
}
