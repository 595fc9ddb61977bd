#!/bin/sh
test_description='Debian 12 redis 7.0: CVE-2025-46817 (unpack() in the bundled Lua crashes the server) generated from the package trees and hot-patched into a server with an I/O thread under INCR and EVAL load, then reverted, natively and through gdbserver; every request counted, every key kept'
: "${KATANA_TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
export KATANA_TOP
. "$KATANA_TOP/tests/lib.sh"
. "$KATANA_TOP/tests/realworld/real.sh"
real_require
require_tool gdbserver

R=$REAL/redis/deb
KEYS=10000
INCRS=200000
# the CVE's own reproducer (redis's tests/unit/scripting.tcl)
EXPLOIT='return {unpack({1,2,3}, -2, 2147483647)}'
FILL="for i=1,$KEYS do redis.call('SET','key:'..i,i) end return $KEYS"
SUM="local s=0 for i=1,$KEYS do s=s+tonumber(redis.call('GET','key:'..i)) end return s"

# rd_start NAME TREE: redis-server of TREE as target NAME on a free port
# (NAME.port), an I/O thread besides the main one and the background ones
# (more spin on these 2 cores and the load crawls), no persistence; waits
# until it answers.
rd_start() {
	_rp=$(free_port) || return 1
	echo "$_rp" >"$W/$1.port"
	target_start "$1" "$2/src/redis-server" --port "$_rp" --bind 127.0.0.1 --save "" \
		--appendonly no --io-threads 2 --daemonize no &&
	_ri=0
	while [ "$(rd "$1" PING 2>/dev/null)" != PONG ]; do
		_ri=$((_ri + 1))
		if [ "$_ri" -gt 500 ] || ! target_alive "$1"; then
			echo "rd_start: redis-server of '$2' does not answer on $_rp:" >&2
			sed 's/^/| /' "$W/$1.out" >&2
			return 1
		fi
		sleep 0.02
	done
}

# rd NAME ARGS...: redis-cli of the old tree against target NAME.
rd() {
	_rn=$1
	shift
	"$R/p12/src/redis-cli" -p "$(cat "$W/$_rn.port")" "$@"
}

test_expect_success 'gen CVE-2025-46817 finds exactly the functions of the bundled Lua the fix changes' '
	katana_expect 0 gen13 gen -o $W/rd13.po $R/p12 $R/p13 src/redis-server &&
	test_grep "^gen: 5 functions changed, 0 new, 0 variables" gen13.out &&
	test "$(po_funcs $W/rd13.po)" = "luaB_unpack luaH_getn luaH_getnum luaH_setnum resize"
'

test_expect_success 'the builds differ where the fix says: the reproducer kills p12, p13 answers with an error' '
	rd_start old $R/p12 && test_when_finished "target_stop old" &&
	rd_start new $R/p13 && test_when_finished "target_stop new" &&
	pid=$(target_pid old) &&
	{ rd old EVAL "$EXPLOIT" 0 >exploit-old.out 2>&1; true; } &&
	n=0 && while kill -0 $pid 2>/dev/null && [ $n -lt 500 ]; do sleep 0.02; n=$((n + 1)); done &&
	! target_alive old &&
	rd new EVAL "$EXPLOIT" 0 >exploit-new.out 2>&1 &&
	test_grep "too many results to unpack" exploit-new.out &&
	test "$(rd new PING)" = PONG
'

# kat VIA NAME OUT SUB ARGS...: katana SUB ARGS on target NAME, natively
# (its pid last) or through gdbserver --attach (--remote); output OUT.out.
kat() {
	_kv=$1 _kn=$2 _ko=$3 _ks=$4
	shift 4
	if [ "$_kv" = remote ]; then
		remote "$_kn" 0 "$_ko" "$_ks" "$@"
	else
		katana_expect 0 "$_ko" "$_ks" "$@" "$(target_pid "$_kn")"
	fi
}

# live VIA: the fix into a server under load and out again, natively or
# through gdbserver.
live() {
	via=$1
	test_expect_success "redis [$via]: apply CVE-2025-46817 under INCR and EVAL load (unpack on the stacks), the reproducer fails cleanly; revert; $INCRS INCRs all counted, $KEYS keys intact" '
		rd_start live $R/p12 && test_when_finished "target_stop live" &&
		pid=$(target_pid live) &&
		test "$(ls /proc/$pid/task | wc -l)" -ge 5 &&
		test "$(rd live EVAL "$FILL" 0)" = $KEYS &&
		port=$(cat $W/live.port) &&
		{ "$R/p12/src/redis-benchmark" -p $port -c 8 -n $INCRS INCR ctr >incr.out 2>&1 & } &&
		ip=$! &&
		{ "$R/p12/src/redis-benchmark" -p $port -c 2 -n 100000000 EVAL "return #({unpack({1,2,3})})" 0 >eval.out 2>&1 & } &&
		ep=$! &&
		test_when_finished "kill $ip $ep 2>/dev/null; true" &&
		n=0 && while [ "$(rd live GET ctr)" = "" ] && [ $n -lt 500 ]; do sleep 0.02; n=$((n + 1)); done &&
		test "$(rd live GET ctr)" -gt 0 &&
		kat $via live apply13 apply $W/rd13.po &&
		test_grep -E "^katana: applied .rd13\.po. to redis-server: 5 functions redirected \(luaB_unpack, resize, luaH_getnum, luaH_setnum, \.\.\.\), [0-9]+ KiB at 0x[0-9a-f]+, target stopped [0-9.]+ ms" apply13.out &&
		kat $via live st13 status &&
		test_grep "^patch 1: rd13.po: applied, 5 functions" st13.out &&
		rd live EVAL "$EXPLOIT" 0 >exploit.out 2>&1 &&
		test_grep "too many results to unpack" exploit.out &&
		test "$(rd live EVAL "return {unpack({1,2,3}, 2, 3)}" 0 | tr "\n" " ")" = "2 3 " &&
		kat $via live revert13 revert $W/rd13.po &&
		test_grep "^katana: reverted: original code restored" revert13.out &&
		# the load ran through both (the INCRs are not done yet)
		test "$(rd live GET ctr)" -lt $INCRS &&
		test "$(rd live EVAL "return {unpack({1,2,3}, 2, 3)}" 0 | tr "\n" " ")" = "2 3 " &&
		wait $ip &&
		test "$(rd live GET ctr)" = $INCRS &&
		kill $ep && { wait $ep; true; } &&
		test "$(rd live EVAL "$SUM" 0)" = $((KEYS * (KEYS + 1) / 2)) &&
		test "$(rd live DBSIZE)" = $((KEYS + 1)) &&
		target_alive live
	'
}

live native
live remote

test_done
