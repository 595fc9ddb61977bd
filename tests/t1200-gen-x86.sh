#!/bin/sh
# t1200-gen-x86.sh - gen's x86-64 instruction length decoder (gen/x86.c):
# hand-written encodings, and every instruction of libc, libm, libmvec,
# libstdc++, libcrypto, libgmp and gdb compared with objdump.  The unit test
# prints the TAP itself.
: "${KATANA_TOP:=$(cd "$(dirname "$0")/.." && pwd)}"
bin=$KATANA_TOP/build/tests/unit/x86
if [ ! -x "$bin" ]; then
	echo "1..0 # SKIP $bin not built"
	exit 0
fi
exec "$bin"
