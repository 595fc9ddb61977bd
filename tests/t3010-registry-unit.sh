#!/bin/sh
# t3010-registry-unit.sh - the host's side of the in-target registry
# (gdb-ext/plan_registry.c): records staged, a full registry making room by
# dropping history oldest first, stale staged records cancelled.  The unit
# test prints the TAP itself.
: "${KATANA_TOP:=$(cd "$(dirname "$0")/.." && pwd)}"
export KATANA_TOP
bin=$KATANA_TOP/build/tests/unit/registry
if [ ! -x "$bin" ]; then
	echo "1..0 # SKIP $bin not built"
	exit 0
fi
exec "$bin"
