#!/bin/sh
test_description='Debian 12 memcached: 0007-uninitialized-variables and 0008-CVE-2026-47783-CVE-2026-47784 hot-patched into a server with 4 worker threads under steady client load, then reverted, with no failed request and no key lost'
: "${KATANA_TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
export KATANA_TOP
. "$KATANA_TOP/tests/lib.sh"
. "$KATANA_TOP/tests/realworld/real.sh"
real_require

M=$REAL/memcached
KEYS=20000

test_expect_success 'setup: SASL with the password database (katana, and dup listed twice)' '
	mc_sasl_setup
'

for v in fs plain; do
	test_expect_success "memcached [$v]: gen 0007 finds exactly the two static logger functions" '
		katana_expect 0 gen7-$v gen -o $W/mc7-$v.po $M/$v/p5 $M/$v/p6 memcached &&
		test "$(po_funcs $W/mc7-$v.po)" = "_logger_parse_cce _logger_parse_cne"
	'
	test_expect_success "memcached [$v]: gen 0008 finds exactly sasl_server_userdb_checkpass" '
		katana_expect 0 gen8-$v gen -o $W/mc8-$v.po $M/$v/p6 $M/$v/p7 memcached &&
		test "$(po_funcs $W/mc8-$v.po)" = "sasl_server_userdb_checkpass"
	'
done

test_expect_success 'memcached as Debian configures it (no --enable-sasl-pwdb): 0008 changes no code, gen says so (exit 3)' '
	katana_expect 3 gen8-deb gen -o $W/mc8-deb.po $REAL/memcached-deb/fs/p6 $REAL/memcached-deb/fs/p7 memcached &&
	test_grep "^gen: no difference for .memcached." gen8-deb.out &&
	test_path_is_missing $W/mc8-deb.po
'

test_expect_success 'the builds differ where the fix says: p6 refuses dup/second (first line of dup wins), p7 accepts it' '
	mc_start old $M/fs/p6 -S && test_when_finished "target_stop old" &&
	mc_start new $M/fs/p7 -S && test_when_finished "target_stop new" &&
	mc_auth old dup second refused && mc_auth new dup second accepted &&
	mc_auth old dup first accepted && mc_auth new dup first accepted
'

# sasl_live VARIANT: 0008 into a SASL server under authenticated load.
sasl_live() {
	v=$1
	test_expect_success "memcached [$v]: apply 0008 under load; credentials checked before, during the patch's life and after revert; no request failed, no key lost" '
		mc_start s$v $M/$v/p6 -S && test_when_finished "target_stop s$v" &&
		pid=$(target_pid s$v) &&
		MC_AUTH=1 mc s$v fill $KEYS >fill.out &&
		mc_auth s$v katana s3cret accepted && mc_auth s$v katana wrong refused &&
		mc_auth s$v dup second refused &&
		MC_AUTH=1 mc_load_start s$v &&
		test_when_finished "touch $W/s$v-load.stop" &&
		mc_load_during s$v katana_expect 0 apply8-$v apply $W/mc8-$v.po $pid &&
		test_grep -E "^katana: applied .mc8-$v\.po. to memcached: 1 function redirected \(sasl_server_userdb_checkpass\)" apply8-$v.out &&
		katana_expect 0 st8-$v status $pid &&
		test_grep "^patch 1: mc8-$v.po: applied, 1 function" st8-$v.out &&
		test_grep "^  sasl_server_userdb_checkpass: 0x[0-9a-f]* -> 0x[0-9a-f]* (5-byte jump)" st8-$v.out &&
		mc_auth s$v katana s3cret accepted && mc_auth s$v katana wrong refused &&
		mc_auth s$v dup second accepted && mc_auth s$v nobody s3cret refused &&
		wait_for_line $W/s$v-load.out "^second [0-9]+ phase=2 " &&
		mc_load_during s$v katana_expect 0 revert8-$v revert $W/mc8-$v.po $pid &&
		test_grep "^katana: reverted: original code restored" revert8-$v.out &&
		mc_auth s$v katana s3cret accepted && mc_auth s$v katana wrong refused &&
		mc_auth s$v dup second refused &&
		wait_for_line $W/s$v-load.out "^second [0-9]+ phase=4 " &&
		mc_load_stop s$v &&
		mc_load_clean s$v 5 &&
		MC_AUTH=1 mc s$v check $KEYS >check.out &&
		test_grep "^check keys=$KEYS missing=0 wrong=0\$" check.out &&
		target_alive s$v
	'
}

# logger_live VARIANT: 0007 into a server under load; the connection events
# the fixed functions format are checked before, patched and reverted.
logger_live() {
	v=$1
	test_expect_success "memcached [$v]: apply 0007 under load; watch connevents right before, patched and after revert; no request failed, no key lost" '
		mc_start l$v $M/$v/p5 && test_when_finished "target_stop l$v" &&
		pid=$(target_pid l$v) &&
		mc l$v fill $KEYS >fill.out &&
		mc l$v connevents >ev0.out &&
		mc_load_start l$v &&
		test_when_finished "touch $W/l$v-load.stop" &&
		mc_load_during l$v katana_expect 0 apply7-$v apply $W/mc7-$v.po $pid &&
		test_grep -E "^katana: applied .mc7-$v\.po. to memcached: 2 functions redirected \(_logger_parse_c[cn]e, _logger_parse_c[cn]e\)" apply7-$v.out &&
		katana_expect 0 st7-$v status $pid &&
		test_grep "^  _logger_parse_cne: 0x" st7-$v.out &&
		test_grep "^  _logger_parse_cce: 0x" st7-$v.out &&
		mc l$v connevents >ev1.out &&
		test_grep "^conn_close: type=conn_close rip=127.0.0.1 rport=[0-9]* transport=tcp reason=normal" ev1.out &&
		wait_for_line $W/l$v-load.out "^second [0-9]+ phase=2 " &&
		mc_load_during l$v katana_expect 0 revert7-$v revert $W/mc7-$v.po $pid &&
		mc l$v connevents >ev2.out &&
		wait_for_line $W/l$v-load.out "^second [0-9]+ phase=4 " &&
		mc_load_stop l$v &&
		mc_load_clean l$v 5 &&
		mc l$v check $KEYS >check.out &&
		test_grep "^check keys=$KEYS missing=0 wrong=0\$" check.out &&
		target_alive l$v
	'
}

for v in fs plain; do
	sasl_live $v
	logger_live $v
done

test_done
