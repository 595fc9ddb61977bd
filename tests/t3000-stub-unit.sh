#!/bin/sh
# t3000-stub-unit.sh - the in-target stub (gdbserver-stub/): the built
# katana-stub.bin entered in-process the way GDB enters it, without GDB, so
# it must resume the thread itself; commit, revert, rollback, malformed
# requests.  The unit test prints the TAP itself.
: "${KATANA_TOP:=$(cd "$(dirname "$0")/.." && pwd)}"
export KATANA_TOP
bin=$KATANA_TOP/build/tests/unit/stub
if [ ! -x "$bin" ]; then
	echo "1..0 # SKIP $bin not built"
	exit 0
fi
exec "$bin"
