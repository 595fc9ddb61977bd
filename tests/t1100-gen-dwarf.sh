#!/bin/sh
# gen's DWARF reading and writing (gen/dwarf_read.c, gen/dwarf_write.c):
# the TAP unit test compiles small C files, reads them, writes a PO with
# DWARF and checks it with readelf, objdump and dwarfdump.
: "${KATANA_TOP:=$(cd "$(dirname "$0")/.." && pwd)}"
bin="$KATANA_TOP/build/tests/unit/gdwarf"
if [ ! -x "$bin" ]; then
	echo "1..0 # SKIP $bin not built"
	exit 0
fi
exec "$bin"
