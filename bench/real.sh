#!/bin/sh
# bench/real.sh KATANA REAL MCLOAD OUT - `make bench-real`: katana on Debian
# 12's memcached (0008, the SASL password database fix, 4 worker threads,
# 4 authenticated clients under steady load) against the alternative users
# have today, a restart with the fixed binary; katana gen on the lua and
# memcached trees against reading them.  One table, ratios from this run.
set -eu
K=$1
REAL=$2
MCLOAD=$3
OUT=$4
rm -rf "$OUT"
mkdir -p "$OUT/sasl"
OUT=$(cd "$OUT" && pwd)
M=$REAL/memcached/fs
KEYS=${KEYS:-100000}
BASE_S=${BASE_S:-4}

ns() { date +%s%N; }
ms() { echo "$1" | awk '{ printf "%.0f", $1 / 1e6 }'; }
port() { perl -MIO::Socket::INET -e '$s = IO::Socket::INET->new(Listen => 1, LocalAddr => "127.0.0.1:0") or die; print $s->sockport, "\n"'; }
wait_line() { # FILE REGEX
	_n=1500
	until grep -Eq "$2" "$1" 2>/dev/null; do
		_n=$((_n - 1))
		[ "$_n" -gt 0 ] || { echo "bench-real: no '$2' in $1" >&2; cat "$1" >&2; exit 1; }
		sleep 0.02
	done
}
listening() { perl -MIO::Socket::INET -e 'IO::Socket::INET->new("127.0.0.1:$ARGV[0]") or exit 1' "$1" 2>/dev/null; }
field() { # FILE PHASE KEY
	sed -n "s/^phase $2 .*$3=\([0-9]*\).*/\1/p" "$1"
}
# katana_kib PID: Size and Rss (KiB) of the mappings katana added: the
# patch's regions (katana status) and the stub/registry memfd.
katana_kib() {
	"$K" status "$1" | sed -n 's/^  memory \(0x[0-9a-f]*\)-\(0x[0-9a-f]*\) .*/\1 \2/p' >"$OUT/regions"
	perl -e '
		my ($smaps, $regions) = @ARGV;
		open my $r, "<", $regions or die; my @r = map { [map { hex } split] } <$r>;
		open my $f, "<", $smaps or die;
		my ($in, $size, $rss) = (0, 0, 0);
		while (<$f>) {
			if (/^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/) {
				my ($a, $b, $n) = (hex $1, hex $2, $3);
				$in = $n =~ /memfd:katana/ || grep { $a < $_->[1] && $_->[0] < $b } @r;
				next;
			}
			$size += $1 if $in && /^Size:\s+(\d+)/;
			$rss += $1 if $in && /^Rss:\s+(\d+)/;
		}
		print "$size $rss\n";' "/proc/$1/smaps" "$OUT/regions"
}

printf 'mech_list: plain\n' >"$OUT/sasl/memcached.conf"
h=$(uname -n)
printf 'katana@%s:s3cret\ndup@%s:first\ndup@%s:second\n' "$h" "$h" "$h" >"$OUT/pwdb"
export SASL_CONF_PATH="$OUT/sasl" MEMCACHED_SASL_PWDB="$OUT/pwdb"
A="-u katana -P s3cret"

"$K" gen -o "$OUT/mc8.po" "$M/p6" "$M/p7" memcached >/dev/null

start_mc() { # TREE PORT LOG
	"$1/memcached" -S -U 0 -l 127.0.0.1 -p "$2" -t 4 -m 1024 -u root >"$3" 2>&1 &
	echo $!
}
# start_mc runs in a command substitution: its server is no child of ours
gone() {
	while kill -0 "$1" 2>/dev/null; do sleep 0.002; done
}
wait_listen() {
	_n=500
	until listening "$1"; do _n=$((_n - 1)); [ "$_n" -gt 0 ] || exit 1; sleep 0.01; done
}

# ---------------------------------------------------------------- katana apply
P=$(port)
MP=$(start_mc "$M/p6" "$P" "$OUT/mc-apply.log")
trap 'kill -9 ${MP:-} ${LP:-} 2>/dev/null || true' EXIT
wait_listen "$P"
# shellcheck disable=SC2086
"$MCLOAD" -p "$P" $A fill "$KEYS" >/dev/null
rm -f "$OUT/stop"
# shellcheck disable=SC2086
"$MCLOAD" -p "$P" $A load "$OUT/stop" >"$OUT/load-apply.out" 2>&1 &
LP=$!
wait_line "$OUT/load-apply.out" "^second $BASE_S "
kill -USR1 "$LP"
t0=$(ns)
"$K" apply "$OUT/mc8.po" "$MP" >"$OUT/apply.out"
t1=$(ns)
kill -USR1 "$LP"
set -- $(katana_kib "$MP")
kat_size=$1 kat_rss=$2
wait_line "$OUT/load-apply.out" "phase=2 .*"
sleep 1
kill -USR1 "$LP"
"$K" revert "$OUT/mc8.po" "$MP" >"$OUT/revert.out"
kill -USR1 "$LP"
sleep 1
touch "$OUT/stop"
wait "$LP" || { echo "bench-real: the load saw failed or wrong responses:" >&2; cat "$OUT/load-apply.out" >&2; exit 1; }
LP=
# shellcheck disable=SC2086
"$MCLOAD" -p "$P" $A check "$KEYS" >"$OUT/check-apply.out" || true
kill "$MP"
gone "$MP"

stop_apply=$(sed -n 's/.*target stopped \([0-9.]*\) ms.*/\1/p' "$OUT/apply.out")
stop_revert=$(sed -n 's/.*target stopped \([0-9.]*\) ms.*/\1/p' "$OUT/revert.out")
base_p999=$(field "$OUT/load-apply.out" 0 p999_us)
base_p50=$(field "$OUT/load-apply.out" 0 p50_us)
apply_max=$(field "$OUT/load-apply.out" 1 max_us)
revert_max=$(field "$OUT/load-apply.out" 3 max_us)
apply_fail=$(( $(field "$OUT/load-apply.out" 1 fail) + $(field "$OUT/load-apply.out" 1 wrong) ))
apply_lost=$(sed -n 's/^check keys=[0-9]* missing=\([0-9]*\).*/\1/p' "$OUT/check-apply.out")

# ---------------------------------------------------------------- restart
P=$(port)
MP=$(start_mc "$M/p6" "$P" "$OUT/mc-restart.log")
wait_listen "$P"
# shellcheck disable=SC2086
"$MCLOAD" -p "$P" $A fill "$KEYS" >/dev/null
rm -f "$OUT/stop"
# shellcheck disable=SC2086
"$MCLOAD" -p "$P" $A -r load "$OUT/stop" >"$OUT/load-restart.out" 2>&1 &
LP=$!
wait_line "$OUT/load-restart.out" "^second $BASE_S "
kill -USR1 "$LP"
t2=$(ns)
kill "$MP"
gone "$MP"
MP=$(start_mc "$M/p7" "$P" "$OUT/mc-restart2.log")
wait_listen "$P"
t3=$(ns)
sleep 1
kill -USR1 "$LP"
sleep 1
touch "$OUT/stop"
wait "$LP" || true
LP=
# shellcheck disable=SC2086
"$MCLOAD" -p "$P" $A check "$KEYS" >"$OUT/check-restart.out" || true
kill "$MP"
gone "$MP"
MP=
restart_max=$(field "$OUT/load-restart.out" 1 max_us)
restart_fail=$(( $(field "$OUT/load-restart.out" 1 fail) + $(field "$OUT/load-restart.out" 1 wrong) ))
restart_lost=$(sed -n 's/^check keys=[0-9]* missing=\([0-9]*\).*/\1/p' "$OUT/check-restart.out")
restart_down=$(ms $((t3 - t2)))

# ---------------------------------------------------------------- memory of each patch
# patch: name, v0 tree, command line of the target
mem_rows=
mem_one() { # LABEL PO CMD...
	_lbl=$1 _po=$2
	shift 2
	"$@" >"$OUT/mem-target.out" 2>&1 &
	_tp=$!
	_n=500
	until grep -q . "$OUT/mem-target.out" 2>/dev/null || { [ -n "${MEM_PORT:-}" ] && listening "$MEM_PORT"; }; do
		_n=$((_n - 1)); [ "$_n" -gt 0 ] || break; sleep 0.01
	done
	"$K" apply "$_po" "$_tp" >"$OUT/mem-apply.out" 2>&1 || { cat "$OUT/mem-apply.out" >&2; kill -9 "$_tp"; exit 1; }
	set -- $(katana_kib "$_tp")
	mem_rows="$mem_rows| memory added by $_lbl (patch + stub/registry): mapped / resident | $1 KiB / $2 KiB | - | - |
"
	kill -9 "$_tp" 2>/dev/null || true
	gone "$_tp"
}
"$K" gen -o "$OUT/mc7.po" "$M/p5" "$M/p6" memcached >/dev/null
"$K" gen -o "$OUT/lua4.po" "$REAL/lua/fs/p3" "$REAL/lua/fs/p4" src/lua5.4 >/dev/null
"$K" gen -o "$OUT/lua5.po" "$REAL/lua/fs/p4" "$REAL/lua/fs/p5" src/lua5.4 >/dev/null
MEM_PORT=$(port)
mem_one "memcached 0007" "$OUT/mc7.po" "$M/p5/memcached" -U 0 -l 127.0.0.1 -p "$MEM_PORT" -t 4 -u root -vv
MEM_PORT=
LUA_LOAD=$(cd "$(dirname "$0")/.." && pwd)/tests/realworld/lua-load.lua
mem_one "lua5.4 0004" "$OUT/lua4.po" "$REAL/lua/fs/p3/src/lua5.4" "$LUA_LOAD" 200
mem_one "lua5.4 0005" "$OUT/lua5.po" "$REAL/lua/fs/p4/src/lua5.4" "$LUA_LOAD" 200

# ---------------------------------------------------------------- gen vs reading the trees
# median of 5 runs, in ms
median5() {
	for _i in 1 2 3 4 5; do
		_a=$(ns); "$@" >/dev/null 2>&1 || true; _b=$(ns)
		echo $(((_b - _a) / 1000))
	done | sort -n | sed -n 3p | awk '{ printf "%.0f", $1 / 1000 }'
}
gen_mc=$(median5 "$K" gen -o "$OUT/g.po" "$M/p6" "$M/p7" memcached)
cmp_mc=$(median5 diff -rq "$M/p6" "$M/p7")
gen_lua=$(median5 "$K" gen -o "$OUT/g.po" "$REAL/lua/fs/p4" "$REAL/lua/fs/p5" src/lua5.4)
cmp_lua=$(median5 diff -rq "$REAL/lua/fs/p4" "$REAL/lua/fs/p5")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'; }
us2ms() { awk -v a="$1" 'BEGIN { printf "%.1f", a / 1000 }'; }

printf '\nkatana bench-real (%s, %s keys, 4 worker threads, 4 clients)\n\n' "$(uname -n)" "$KEYS"
printf '| measure | katana | baseline / alternative | ratio |\n|---|---|---|---|\n'
printf '| target stopped by apply of 0008 (katana) vs client p99.9 before | %s ms | %s ms | %s |\n' \
	"$stop_apply" "$(us2ms "$base_p999")" "$(ratio "$stop_apply" "$(us2ms "$base_p999")")"
printf '| worst client latency during apply vs p99.9 before | %s ms | %s ms | %s |\n' \
	"$(us2ms "$apply_max")" "$(us2ms "$base_p999")" "$(ratio "$apply_max" "$base_p999")"
printf '| worst client latency: apply vs restart with the fixed binary | %s ms | %s ms | %s |\n' \
	"$(us2ms "$apply_max")" "$(us2ms "$restart_max")" "$(ratio "$apply_max" "$restart_max")"
printf '| time until it serves the fix: apply (command) vs restart (kill to listening) | %s ms | %s ms | %s |\n' \
	"$(ms $((t1 - t0)))" "$restart_down" "$(ratio "$(ms $((t1 - t0)))" "$restart_down")"
printf '| requests failed: apply vs restart | %s | %s | - |\n' "$apply_fail" "$restart_fail"
printf '| keys lost of %s: apply vs restart | %s | %s | - |\n' "$KEYS" "${apply_lost:-?}" "${restart_lost:-?}"
printf '| worst client latency during revert vs p99.9 before | %s ms | %s ms | %s |\n' \
	"$(us2ms "$revert_max")" "$(us2ms "$base_p999")" "$(ratio "$revert_max" "$base_p999")"
printf '| target stopped by revert | %s ms | - | - |\n' "$stop_revert"
printf '| memory added by memcached 0008 (patch + stub/registry): mapped / resident | %s KiB / %s KiB | - | - |\n' \
	"$kat_size" "$kat_rss"
printf '%s' "$mem_rows"
printf '| katana gen memcached (0008) vs diff -rq of both trees | %s ms | %s ms | %s |\n' \
	"$gen_mc" "$cmp_mc" "$(ratio "$gen_mc" "$cmp_mc")"
printf '| katana gen lua5.4 (0005) vs diff -rq of both trees | %s ms | %s ms | %s |\n' \
	"$gen_lua" "$cmp_lua" "$(ratio "$gen_lua" "$cmp_lua")"
printf '\nclient p50 before: %s us; apply: %s\n' "$base_p50" "$(cat "$OUT/apply.out")"
