#!/bin/sh
test_description='Debian 12 memcached through gdbserver: 0008 (SASL password database) applied, checked and reverted with katana --remote while 4 worker threads serve authenticated load'
: "${KATANA_TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
export KATANA_TOP
. "$KATANA_TOP/tests/lib.sh"
. "$KATANA_TOP/tests/realworld/real.sh"
real_require
require_tool gdbserver

M=$REAL/memcached
KEYS=20000

test_expect_success 'setup: SASL users, the 0008 patch' '
	mc_sasl_setup &&
	katana_expect 0 gen8 gen -o $W/mc8.po $M/fs/p6 $M/fs/p7 memcached
'

test_expect_success 'memcached through gdbserver: apply 0008 --remote under load, status --remote, revert --remote; credentials checked at each step; no request failed, no key lost' '
	mc_start rs $M/fs/p6 -S && test_when_finished "target_stop rs" &&
	MC_AUTH=1 mc rs fill $KEYS >fill.out &&
	mc_auth rs dup second refused &&
	MC_AUTH=1 mc_load_start rs &&
	test_when_finished "touch $W/rs-load.stop" &&
		mc_load_during rs remote rs 0 apply apply $W/mc8.po &&
	test_grep -E "^katana: applied .mc8\.po. to memcached: 1 function redirected \(sasl_server_userdb_checkpass\)" apply.out &&
	remote rs 0 status status &&
	test_grep "^  sasl_server_userdb_checkpass: 0x[0-9a-f]* -> 0x[0-9a-f]* (5-byte jump)" status.out &&
	mc_auth rs katana s3cret accepted && mc_auth rs katana wrong refused &&
	mc_auth rs dup second accepted &&
	wait_for_line $W/rs-load.out "^second [0-9]+ phase=2 " &&
		mc_load_during rs remote rs 0 revert revert $W/mc8.po &&
	mc_auth rs katana s3cret accepted && mc_auth rs dup second refused &&
	wait_for_line $W/rs-load.out "^second [0-9]+ phase=4 " &&
	mc_load_stop rs &&
	mc_load_clean rs 5 &&
	MC_AUTH=1 mc rs check $KEYS >check.out &&
	test_grep "^check keys=$KEYS missing=0 wrong=0\$" check.out &&
	target_alive rs
'

test_done
