#!/bin/sh
# t1000-po-roundtrip: the PO writer/reader unit test (TAP of its own).
: "${KATANA_TOP:?run through 'make check'}"
exec "$KATANA_TOP/build/tests/unit/po_roundtrip"
