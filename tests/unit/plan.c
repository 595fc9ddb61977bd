/* plan.c - unit test of the apply planner (gdb-ext/plan*.c) on real
 * processes.  tests/t3100-plan-unit.sh builds and generates the cases into
 * a scratch directory W and runs `plan W`; this program starts the case
 * programs, asks GDB (gdb -batch -p) for their mappings, memory and stack
 * frames exactly as the GDB command set will, and checks what the planner
 * makes of it against GDB's own answers and /proc/PID/maps.  Prints TAP.
 * Every process it starts is killed at exit. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "plan.h"
#include "po.h"
#include "tap.h"

static const char *W;
static pid_t pids[16];
static int npids;
static char msgs[16384];	/* planner messages of the current step */

/* tap_on_fail: after a "not ok", show what the planner said in this step */
static void show_msgs(void)
{
	if (msgs[0]) {
		char *l, *save = NULL, *m = strdup(msgs);

		for (l = strtok_r(m, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
			printf("# %s\n", l);
		free(m);
	}
}

static void capture(enum plan_level lvl, const char *fmt, va_list ap)
{
	size_t n = strlen(msgs);

	if (lvl <= PLAN_INFO && n < sizeof(msgs) - 1)
		vsnprintf(msgs + n, sizeof(msgs) - n, fmt, ap);
}

static void kill_all(void)
{
	int i;

	for (i = 0; i < npids; i++) {
		kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, 0);
	}
	npids = 0;
}

static void on_signal(int sig)
{
	kill_all();
	_exit(128 + sig);
}

static char *slurp_cmd(const char *cmd)
{
	FILE *f = popen(cmd, "r");
	size_t cap = 65536, n = 0, r;
	char *b = malloc(cap);

	if (!f || !b) {
		free(b);
		if (f)
			pclose(f);
		return strdup("");
	}
	while ((r = fread(b + n, 1, cap - n - 1, f)) > 0) {
		n += r;
		if (cap - n < 2)
			b = realloc(b, cap *= 2);
	}
	b[n] = 0;
	pclose(f);
	return b;
}

static char *slurp_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b;
	size_t n;

	if (!f)
		return NULL;
	b = malloc(1 << 20);
	n = fread(b, 1, (1 << 20) - 1, f);
	b[n] = 0;
	fclose(f);
	if (len)
		*len = n;
	return b;
}

/* Start DIR/prog forever (20 ms between iterations); wait until it runs. */
static pid_t start(const char *exe)
{
	char path[4096];
	pid_t pid = fork();
	int i;

	if (pid == 0) {
		freopen("/dev/null", "w", stdout);
		freopen("/dev/null", "w", stderr);
		execl(exe, exe, "0", "20", (char *)NULL);
		_exit(127);
	}
	pids[npids++] = pid;
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	for (i = 0; i < 200; i++) {	/* until the loader mapped libc */
		char *m = slurp_file(path, NULL);
		int ready = m && strstr(m, "libc.so");

		free(m);
		if (ready)
			break;
		usleep(10000);
	}
	return pid;
}

/* gdb -batch on pid with the given -ex commands (one string, \n separated) */
static char *gdb(pid_t pid, const char *cmds)
{
	char file[4096], cmd[8192];
	FILE *f;

	snprintf(file, sizeof(file), "%s/cmds-%d.gdb", W, (int)pid);
	f = fopen(file, "w");
	fputs(cmds, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "gdb -batch -nx -iex 'set debuginfod enabled off' -p %d -x %s 2>/dev/null",
		 (int)pid, file);
	return slurp_cmd(cmd);
}

static struct plan_maps *gdb_maps(pid_t pid)
{
	char *t = gdb(pid, "info proc mappings\n");
	struct plan_maps *m = NULL;

	if (plan_maps_parse(t, &m))
		m = NULL;
	free(t);
	return m;
}

/* Dump every read with GDB; dumps[i] gets the bytes. */
static int gdb_dumps(pid_t pid, const struct plan_read *r, size_t n,
		     struct plan_dump *d, char **bufs)
{
	char *cmds = calloc(1, 256 * (n + 1)), path[4096];
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(cmds + strlen(cmds), "dump binary memory %s/d%d-%zu.bin 0x%" PRIx64 " 0x%" PRIx64 "\n",
			W, (int)pid, i, r[i].addr, r[i].addr + r[i].len);
	free(gdb(pid, cmds));
	free(cmds);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/d%d-%zu.bin", W, (int)pid, i);
		bufs[i] = slurp_file(path, &d[i].len);
		if (!bufs[i])
			return -1;
		d[i].data = bufs[i];
	}
	return 0;
}

/* First mapping of exe in /proc/PID/maps, read by the test only. */
static uint64_t proc_start(pid_t pid, const char *exe)
{
	char path[64], rp[4096], *m, *l;
	uint64_t a = 0;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	m = slurp_file(path, NULL);
	if (!realpath(exe, rp) || !m)
		return 0;
	for (l = m; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		char *nl = strchr(l, '\n');

		if (nl)
			*nl = 0;
		if (strstr(l, rp) && !a)
			a = strtoull(l, NULL, 16);
		if (nl)
			*nl = '\n';
	}
	free(m);
	return a;
}

struct run {
	pid_t pid;
	struct plan_maps *maps;
	struct plan *plan;
	const struct plan_read *reads;
	size_t nreads;
	struct plan_dump d[32];
	char *bufs[32];
	int err;		/* of the last step */
};

/* plan_open + reads + dumps (+ verify + resolve when full) */
static void run_open(struct run *r, const char *exe, const char *po, int full)
{
	memset(r, 0, sizeof(*r));
	msgs[0] = 0;
	r->pid = start(exe);
	r->maps = gdb_maps(r->pid);
	r->err = r->maps ? plan_open(&r->plan, po, r->maps, NULL) : -EINVAL;
	if (r->err)
		return;
	r->err = plan_reads(r->plan, &r->reads, &r->nreads);
	if (r->err)
		return;
	if (r->nreads > 32 || gdb_dumps(r->pid, r->reads, r->nreads, r->d, r->bufs)) {
		r->err = -EIO;
		return;
	}
	if (full)
		r->err = plan_verify(r->plan, r->d, r->nreads) ?:
			 plan_resolve(r->plan, r->d, r->nreads);
}

static void run_close(struct run *r)
{
	size_t i;

	for (i = 0; i < 32; i++)
		free(r->bufs[i]);
	plan_close(r->plan);
	plan_maps_free(r->maps);
	kill(r->pid, SIGKILL);
	waitpid(r->pid, NULL, 0);
	npids--;		/* started last */
}

static uint64_t gdb_value(pid_t pid, const char *expr)
{
	char cmds[512], *o, *s;
	uint64_t v = 0;

	snprintf(cmds, sizeof(cmds), "printf \"VALUE %%lx\\n\", %s\n", expr);
	o = gdb(pid, cmds);
	s = strstr(o, "VALUE ");
	if (s)
		v = strtoull(s + 6, NULL, 16);
	free(o);
	return v;
}

static char *path_of(const char *c, const char *rel)
{
	static char buf[4][4096];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s/%s", W, c, rel);
	return buf[k];
}

/* --------------------------------------------------------------- tests */
static void test_libcall(void)
{
	struct run r;
	uint64_t bias, a, want, size, hints[8], base;
	size_t nh, i;
	const struct kstub_site *s;
	int32_t rel32 = 0;
	const struct plan_region *text = NULL, *got = NULL;
	char cmd[8192], *o, *line, *t;
	int ncall = 0, calls_ok = 0, riprel_ok = 0, e;

	run_open(&r, path_of("libcall-pic", "v0/prog"), path_of("libcall-pic", "fix.po"), 0);
	ok(!r.err, "libcall: plan_open finds 'prog' in GDB's mappings");
	if (r.err)
		goto out;
	bias = plan_target_bias(r.plan);
	ok(bias == proc_start(r.pid, path_of("libcall-pic", "v0/prog")) && bias,
	   "libcall: load bias 0x%" PRIx64 " is where /proc/PID/maps has the PIE", bias);
	ok(r.nreads == 3 && r.reads[0].kind == PLAN_READ_BUILD_ID &&
	   r.reads[1].kind == PLAN_READ_FUNC && r.reads[2].kind == PLAN_READ_GOT,
	   "libcall: reads are the build-id, check_name's bytes, strlen's GOT slot");
	r.err = plan_verify(r.plan, r.d, r.nreads);
	ok(!r.err, "libcall: v0 process verifies (build-id, checksum)");
	r.err = r.err ?: plan_resolve(r.plan, r.d, r.nreads);
	ok(!r.err, "libcall: every symbol resolves");
	if (r.err)
		goto out;
	want = gdb_value(r.pid, "&fprintf");
	e = plan_sym_addr(r.plan, "fprintf", &a);
	ok(!e && a == want,
	   "libcall: fprintf at 0x%" PRIx64 " as GDB says (0x%" PRIx64 ")", a, want);
	want = gdb_value(r.pid, "&stderr");
	e = plan_sym_addr(r.plan, "stderr", &a);
	ok(!e && a == want,
	   "libcall: stderr at 0x%" PRIx64 " as GDB says (0x%" PRIx64 ")", a, want);
	ok(!plan_sym_addr(r.plan, "check_name", &a) && a == r.reads[1].addr,
	   "libcall: check_name at bias + old_value");
	plan_sym_addr(r.plan, "strlen", &a);
	snprintf(cmd, sizeof(cmd), "info symbol 0x%" PRIx64 "\n", a);
	o = gdb(r.pid, cmd);
	{
		char *sym = strstr(o, "__strlen_");
		int good = sym && strstr(o, "libc.so");

		if (sym)
			sym[strcspn(sym, " \n")] = 0;
		ok(good, "libcall: IFUNC strlen resolves through its IRELATIVE GOT slot to 0x%" PRIx64 " (%s)",
		   a, sym ? sym : "not a strlen implementation");
	}
	free(o);

	e = plan_alloc_hints(r.plan, &size, hints, 8, &nh);
	ok(!e && nh >= 2 && size == 3 * 4096,
	   "libcall: %zu allocation hints for 0x%" PRIx64 " bytes (text, rodata, got)", nh, size);
	for (i = 0; i < nh; i++) {
		int64_t d = (int64_t)(hints[i] - bias);

		if (d < -(1LL << 31) + (1LL << 24) || d > (1LL << 31) - (1LL << 24))
			break;
	}
	ok(i == nh, "libcall: every hint lies within 2 GiB of the executable");
	base = hints[0];
	r.err = plan_relocate(r.plan, base);
	ok(!r.err, "libcall: relocated at 0x%" PRIx64, base);
	if (r.err)
		goto out;
	for (i = 0; i < plan_nregions(r.plan); i++) {
		const struct plan_region *g = plan_region(r.plan, i);

		if (g->kind == PLAN_REG_TEXT)
			text = g;
		if (g->kind == PLAN_REG_GOT)
			got = g;
	}
	ok(text && got && text->addr == base && plan_section_addr(r.plan, ".text.new") == base,
	   "libcall: .text.new at the base, a GOT/veneer region");
	if (!text || !got)
		goto out;
	ok(!plan_write_blobs(r.plan, W), "libcall: blobs written");
	/* every call goes to a resolved function, directly or by a veneer;
	 * every rip-relative load of a pointer reads a GOT slot holding it */
	snprintf(cmd, sizeof(cmd), "objdump -D -b binary -m i386:x86-64 --adjust-vma=0x%" PRIx64 " %s/text.bin",
		 base, W);
	o = slurp_cmd(cmd);
	for (line = strtok_r(o, "\n", &t); line; line = strtok_r(NULL, "\n", &t)) {
		char *c = strstr(line, "call ");
		uint64_t tgt, v;

		if (c) {
			tgt = strtoull(c + 5, NULL, 16);
			ncall++;
			if (tgt >= got->addr && tgt + 14 <= got->addr + got->len) {
				const uint8_t *vb = got->bytes + (tgt - got->addr);

				memcpy(&v, vb + 6, 8);
				if (!memcmp(vb, "\xff\x25\0\0\0\0", 6))
					tgt = v;
			}
			if ((!plan_sym_addr(r.plan, "strlen", &a) && a == tgt) ||
			    (!plan_sym_addr(r.plan, "fprintf", &a) && a == tgt))
				calls_ok++;
		}
		c = strstr(line, "(%rip)");
		if (c && strstr(line, "mov ") && strstr(line, "# 0x")) {
			tgt = strtoull(strstr(line, "# 0x") + 2, NULL, 16);
			if (tgt >= got->addr && tgt + 8 <= got->addr + got->len) {
				memcpy(&v, got->bytes + (tgt - got->addr), 8);
				plan_sym_addr(r.plan, "stderr", &a);
				riprel_ok += v == a;
			}
		}
	}
	free(o);
	ok(ncall == 2 && calls_ok == 2, "libcall: %d of %d calls reach strlen/fprintf", calls_ok, ncall);
	ok(riprel_ok == 1, "libcall: the GOTPCREL load reads a slot holding &stderr");
	s = plan_site(r.plan, 0);
	if (s)	/* the rel32 sits unaligned in the jump bytes */
		memcpy(&rel32, s->jump + 1, sizeof(rel32));
	ok(plan_nsites(r.plan) == 1 && s && s->len == 5 && s->jump[0] == 0xe9 &&
	   s->addr + 5 + (uint64_t)(int64_t)rel32 == s->new_addr &&
	   s->new_addr >= base && s->new_addr < base + text->len &&
	   !memcmp(s->orig, r.d[1].data, 5),
	   "libcall: site at check_name: e9 rel32 to the new code, orig = process bytes");
	ok(plan_nunsafe(r.plan) >= 1 && plan_unsafe_range(r.plan, 0)->start == s->addr,
	   "libcall: check_name is an unsafe range");
out:
	run_close(&r);
}

static void test_wrong(void)
{
	struct run r;

	/* v1's process is a different build: refused, build-id named */
	run_open(&r, path_of("libcall-pic", "v1/prog"), path_of("libcall-pic", "fix.po"), 0);
	ok(!r.err, "wrong build: v1 process opens (same name)");
	if (!r.err) {
		r.err = plan_verify(r.plan, r.d, r.nreads);
		ok(r.err == -PLAN_EWRONG_TARGET && strstr(msgs, "build-id") &&
		   strstr(msgs, "plan: 'fix.po': target"),
		   "wrong build: verify refuses, naming the build-ids");
	}
	run_close(&r);

	/* a PO for a library the process does not load */
	run_open(&r, path_of("libcall-pic", "v0/prog"), path_of("shlib", "fix.po"), 0);
	ok(r.err == -PLAN_EWRONG_TARGET &&
	   strstr(msgs, "target 'libfoo.so' is not mapped in this process"),
	   "unmapped target: refused with a clear message");
	run_close(&r);

	/* -fPIE code loads stderr directly (copy relocation assumed): from
	 * patch memory near the executable, libc's stderr is out of reach */
	run_open(&r, path_of("libcall", "v0/prog"), path_of("libcall", "fix.po"), 1);
	if (!r.err) {
		uint64_t size, h[4];
		size_t n;

		plan_alloc_hints(r.plan, &size, h, 4, &n);
		r.err = n ? plan_relocate(r.plan, h[0]) : -1;
	}
	ok(r.err == -ERANGE && strstr(msgs, "R_X86_64_PC32 against 'stderr'"),
	   "libcall -fPIE: direct data reference out of range is an error naming stderr");
	run_close(&r);

	/* compute() is 4 bytes, describe() follows it 16-byte aligned: the
	 * padding between them is read and the 5-byte jump fits */
	run_open(&r, path_of("onefunc", "v0/prog"), path_of("onefunc", "fix.po"), 0);
	{
		size_t i, len = 0;

		for (i = 0; i < r.nreads; i++)
			if (r.reads[i].kind == PLAN_READ_FUNC)
				len = r.reads[i].len;
		r.err = r.err ?: plan_verify(r.plan, r.d, r.nreads);
		ok(r.err == 0 && len > 4 && len <= 14,
		   "onefunc: a 4-byte function followed by padding is verified, padding read (%zu bytes)", len);
	}
	run_close(&r);
}

static void test_static_frames(void)
{
	struct run r;
	uint64_t a, want, size, h[4];
	size_t nh, nb, nr, i;
	struct plan_block *b;
	uint64_t *rets;
	char cmds[4096], *o;
	int e, found = 0;

	run_open(&r, path_of("static-dup", "v0/prog"), path_of("static-dup", "fix.po"), 1);
	ok(!r.err, "static-dup: verifies and resolves");
	if (r.err)
		goto out;
	want = gdb_value(r.pid, "&'b.c'::scale");
	e = plan_sym_addr(r.plan, "scale", &a);
	ok(!e && a == want,
	   "static-dup: static scale() of b.c at 0x%" PRIx64 " (GDB: 0x%" PRIx64 ")", a, want);
	plan_alloc_hints(r.plan, &size, h, 4, &nh);
	r.err = nh ? plan_relocate(r.plan, h[0]) : -1;
	ok(!r.err, "static-dup: relocated");
	if (r.err)
		goto out;
	/* stop the process inside scale(), called by the replaced helper() */
	snprintf(cmds, sizeof(cmds), "%sbreak b.c:scale\ncontinue\n"
		 "pipe thread apply all -q -s katana-frames-1 | cat > %s/frames.txt\n",
		 plan_frames_gdb(), W);
	free(gdb(r.pid, cmds));
	snprintf(cmds, sizeof(cmds), "%s/frames.txt", W);
	o = slurp_file(cmds, NULL);
	ok(o && strstr(o, "katana-frame 1 0 0x"), "static-dup: GDB prints the frames text");
	msgs[0] = 0;
	e = o ? plan_check_frames(r.plan, o, &b, &nb, &rets, &nr) : -1;
	for (i = 0; e == -PLAN_EUNSAFE && i < nb; i++)
		found += b[i].level == 1 && !strcmp(b[i].func, "helper") && !strcmp(b[i].cu, "b.c");
	ok(e == -PLAN_EUNSAFE && found == 1 && nr == 1,
	   "static-dup: frame #1 in helper (b.c) blocks; one return address to wait at");
	if (e == -PLAN_EUNSAFE && nr == 1) {
		want = gdb_value(r.pid, "&b_value");
		ok(rets[0] > want && rets[0] < want + 64,
		   "static-dup: the return address 0x%" PRIx64 " is in b_value", rets[0]);
	}
	if (e == -PLAN_EUNSAFE) {
		free(b);
		free(rets);
	}
	e = plan_check_frames(r.plan, "katana-frame 1 0 0x1000\nkatana-frame 1 1 0x2000\n",
			      &b, &nb, &rets, &nr);
	ok(e == 0 && nb == 0, "frames elsewhere are safe");
	free(b);
	free(rets);
	free(o);
out:
	run_close(&r);
}

static void test_tls(void)
{
	struct run r;
	uint64_t t1 = 0, t2 = 0, size, h[4];
	size_t nh;
	char cmd[4096], *o, *s;
	int good = 0;

	run_open(&r, path_of("tls", "v0/prog"), path_of("tls", "fix.po"), 1);
	ok(!r.err, "tls: verifies and resolves");
	if (r.err)
		goto out;
	plan_sym_addr(r.plan, "ticks", &t1);
	plan_sym_addr(r.plan, "last", &t2);
	/* the old tick() uses the same %fs offsets the linker computed */
	snprintf(cmd, sizeof(cmd), "objdump -d --no-show-raw-insn %s | sed -n '/<tick>:/,/ret/p'",
		 path_of("tls", "v0/prog"));
	o = slurp_cmd(cmd);
	for (s = strstr(o, "%fs:0x"); s; s = strstr(s + 1, "%fs:0x")) {
		uint64_t v = strtoull(s + 4, NULL, 16);

		good += v == t1 || v == t2;
		good -= v != t1 && v != t2;
	}
	free(o);
	ok(good >= 2 && t1 != t2, "tls: TP offsets ticks %" PRId64 ", last %" PRId64 " match v0's code",
	   (int64_t)t1, (int64_t)t2);
	plan_alloc_hints(r.plan, &size, h, 4, &nh);
	ok(nh && !plan_relocate(r.plan, h[0]), "tls: TPOFF32 relocations applied");
out:
	run_close(&r);
}

static void test_maps_text(void)
{
	struct plan_maps *m = NULL;
	const char *t =
		"process 1\nMapped address spaces:\n\n"
		"          Start Addr           End Addr       Size     Offset  Perms  objfile\n"
		"      0x400000   0x401000  0x1000  0x0  r-xp   /bin/with space (deleted)\n"
		"      0x7f0000000000  0x7f0000001000  0x1000  0x0  rw-p   \n"
		"      0x7f0000002000  0x7f0000003000  0x1000  0x1000  /old/gdb/no-perms\n";

	ok(!plan_maps_parse(t, &m) && plan_maps_count(m) == 3 &&
	   !strcmp(plan_maps_get(m, 0)->path, "/bin/with space (deleted)") &&
	   !strcmp(plan_maps_get(m, 0)->perms, "r-xp") &&
	   !plan_maps_get(m, 1)->path[0] && plan_maps_get(m, 2)->offset == 0x1000 &&
	   !strcmp(plan_maps_get(m, 2)->path, "/old/gdb/no-perms"),
	   "maps: rows with spaces in names, anonymous rows, no perms column");
	plan_maps_free(m);
}

static void test_helper(void)
{
	static char cmd[65536];
	char dir[1024], *o;
	unsigned long n = 5000000UL + (unsigned long)getpid();
	pid_t pid;
	int rc;
	const char *k = getenv("KATANA");
	const char *po = path_of("libcall-pic", "fix.po");

	if (!k) {
		skip("KATANA not set");
		return;
	}
	snprintf(dir, sizeof(dir), "/tmp/katana-gdb-%lu", n);
	pid = start(path_of("libcall-pic", "v0/prog"));
	snprintf(cmd, sizeof(cmd),
		 "%s gdb-helper start %lu apply %s"
		 " && gdb -batch -nx -iex 'set debuginfod enabled off' -p %d -ex 'info proc mappings' 2>/dev/null | %s gdb-helper maps %lu"
		 " && gdb -batch -nx -iex 'set debuginfod enabled off' -p %d -x %s/maps.gdb >/dev/null 2>&1"
		 " && %s gdb-helper verify %lu"
		 " && %s gdb-helper layout %lu $(sed -n 's/^set .k_hint0 = //p' %s/alloc.gdb) 0x7f0000000000",
		 k, n, po, (int)pid, k, n, (int)pid, dir, k, n, k, n, dir);
	rc = system(cmd);
	snprintf(cmd, sizeof(cmd), "%s/layout.gdb", dir);
	o = slurp_file(cmd, NULL);
	ok(rc == 0 && o && strstr(o, "define katana-restore-regions") &&
	   strstr(o, "add-symbol-file ") && strstr(o, "-s .text.new 0x") &&
	   strstr(o, "define katana-registry-write") && strstr(o, "set $k_index = 0"),
	   "gdb-helper: start, maps, verify, layout write the GDB scripts");
	free(o);
	kill_all();
	snprintf(cmd, sizeof(cmd), "%s gdb-helper frames %lu </dev/null >/dev/null 2>&1", k, n);
	rc = system(cmd);
	ok(WIFEXITED(rc) && WEXITSTATUS(rc) == 1, "gdb-helper frames: no frames text is an error (exit 1)");
	pid = start(path_of("libcall-pic", "v1/prog"));
	snprintf(cmd, sizeof(cmd),
		 "%s gdb-helper start %lu apply %s"
		 " && gdb -batch -nx -iex 'set debuginfod enabled off' -p %d -ex 'info proc mappings' 2>/dev/null | %s gdb-helper maps %lu"
		 " && gdb -batch -nx -iex 'set debuginfod enabled off' -p %d -x %s/maps.gdb >/dev/null 2>&1;"
		 " %s gdb-helper verify %lu 2>%s/verify.err",
		 k, n, po, (int)pid, k, n, (int)pid, dir, k, n, W);
	rc = system(cmd);
	snprintf(cmd, sizeof(cmd), "%s/verify.err", W);
	o = slurp_file(cmd, NULL);
	ok(WIFEXITED(rc) && WEXITSTATUS(rc) == 4 && o && strstr(o, "build-id"),
	   "gdb-helper verify: v1's process is refused with exit 4, naming the build-id");
	free(o);
	kill_all();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		diag("cannot remove %s", dir);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: plan SCRATCH_DIR (see tests/t3100-plan-unit.sh)\n");
		return 2;
	}
	W = argv[1];
	setvbuf(stdout, NULL, _IOLBF, 0);
	atexit(kill_all);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGALRM, on_signal);
	alarm(120);
	plan_set_print(capture);
	tap_on_fail = show_msgs;
	test_maps_text();
	test_libcall();
	test_wrong();
	test_static_frames();
	test_tls();
	test_helper();
	return tap_done();
}
