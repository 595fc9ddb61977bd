# katana - top-level, non-recursive Makefile.  Run ./configure first.
# Everything is built under build/, laid out like an install prefix.

-include config.mk
PREFIX ?= /usr/local
CC ?= gcc
CXX ?= g++
SANITIZE ?= no
DESTDIR ?=
VERSION := 0.1.0

B := build
WARN := -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow -Wformat=2
CFLAGS ?= -O2 -g
ALL_CFLAGS := -std=gnu11 $(WARN) $(CFLAGS) -Ipo -Igen -Igdb-ext -Igdbserver-stub -I/usr/include/libdwarf \
	-D_GNU_SOURCE -DKATANA_VERSION='"$(VERSION)"' -MMD -MP
ALL_LDFLAGS := $(LDFLAGS)
ifeq ($(SANITIZE),yes)
ALL_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
ALL_LDFLAGS += -fsanitize=address,undefined
endif

PO_SRC := $(wildcard po/*.c)
PLAN_SRC := $(wildcard gdb-ext/*.c)
GEN_SRC := $(wildcard gen/*.c)
CMD_SRC := $(wildcard cmd/*.c)
UNIT_SRC := $(wildcard tests/unit/*.c)

PO_OBJ := $(PO_SRC:%.c=$(B)/obj/%.o)
GEN_OBJ := $(GEN_SRC:%.c=$(B)/obj/%.o)
PLAN_OBJ := $(PLAN_SRC:%.c=$(B)/obj/%.o)
CMD_OBJ := $(CMD_SRC:%.c=$(B)/obj/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/unit/%)

LIBPO := $(B)/lib/libkatana-po.a
LIBGEN := $(B)/lib/libkatana-gen.a
LIBPLAN := $(B)/lib/libkatana-plan.a
LIBS := -ldwarf -lelf -lz -liberty

KATANA := $(B)/bin/katana
DATA := $(B)/share/katana
MAN := $(B)/share/man/man1/katana.1

# ------------------------------------------------------------------ stub
# The in-target stub: freestanding, position independent, no vector
# registers.  katana-stub.elf (with debug info, for GDB) and the flat
# katana-stub.bin that is written into the target.  (Rules: gdbserver-stub.)
STUB_ALL ?=
-include gdbserver-stub/stub.mk

all: $(KATANA) $(MAN) $(UNIT_BIN) $(STUB_ALL) $(DATA)/katana.gdb

config.mk:
	@echo "make: run ./configure first (it probes and records the build configuration)" >&2; exit 1

$(B)/obj/%.o: %.c config.mk
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIBPO): $(PO_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^
$(LIBGEN): $(GEN_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(LIBPLAN): $(PLAN_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(KATANA): $(CMD_OBJ) $(LIBPLAN) $(LIBGEN) $(LIBPO)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) $(CMD_OBJ) $(LIBPLAN) $(LIBGEN) $(LIBPO) $(LIBS) -o $@

$(B)/tests/unit/%: tests/unit/%.c $(LIBPLAN) $(LIBGEN) $(LIBPO) $(STUB_ALL)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) $< $(LIBPLAN) $(LIBGEN) $(LIBPO) $(LIBS) -o $@


# The command file names the helper and the stub's layout (stub.h).
stub_const = $$(printf '\#include "stub.h"\n$(1)\n' | $(CC) -E -P -Igdbserver-stub - | tail -n 1)
define gen_gdb
	sed -e "s|@KATANA@|$(1)|g" \
	    -e "s|@KSTUB_MAP_SIZE@|$$(($(call stub_const,KSTUB_MAP_SIZE)))|" \
	    -e "s|@KSTUB_CODE_SIZE@|$$(($(call stub_const,KSTUB_CODE_SIZE)))|" \
	    -e "s|@KSTUB_REQ_OFF@|$$(($(call stub_const,KSTUB_REQ_OFF)))|" \
	    -e "s|@KSTUB_SCRATCH_OFF@|$$(($(call stub_const,KSTUB_SCRATCH_OFF)))|" \
	    -e "s|@KSTUB_XPLAN_SIZE@|$$(($(call stub_const,KSTUB_XPLAN_SIZE)))|" \
	    -e "s|@KSTUB_REQ_XPLAN_OFF@|$$(($(call stub_const,KSTUB_REQ_XPLAN_OFF)))|" \
	    -e "s|@KSTUB_XPLAN_FLAGS_OFF@|$$(($(call stub_const,KSTUB_XPLAN_FLAGS_OFF)))|" \
	    -e "s|@KSTUB_XPLAN_STEP_OFF@|$$(($(call stub_const,KSTUB_XPLAN_STEP_OFF)))|" \
	    gdb-ext/katana.gdb >$(2)
endef

$(DATA)/katana.gdb: gdb-ext/katana.gdb gdbserver-stub/stub.h
	@mkdir -p $(@D)
	$(call gen_gdb,$(CURDIR)/$(KATANA),$@.tmp)
	@if grep -n '@[A-Z_]*@' $@.tmp; then echo "$@: unsubstituted" >&2; exit 1; fi
	mv $@.tmp $@

$(MAN): doc/katana.1
	@mkdir -p $(@D)
	cp $< $@

# ------------------------------------------------------------------ tests
PROVE ?= prove
check: all
	KATANA_TOP=$(CURDIR) KATANA=$(CURDIR)/$(KATANA) $(PROVE) -f $(PROVE_FLAGS) tests/t[0-9]*.sh

# One test: make check T=tests/t2100-gen-basic.sh
check-one: all
	KATANA_TOP=$(CURDIR) KATANA=$(CURDIR)/$(KATANA) $(PROVE) -v $(T)

# Real programs (issue 4): Debian 12's lua5.4 and memcached source packages,
# built per fix with their own build systems (needs deb-src lines and their
# build dependencies: tests/realworld/deps.sh, as root, installs them).
REAL := $(B)/realworld
MCLOAD := $(B)/tests/realworld/mcload
$(MCLOAD): tests/realworld/mcload.c config.mk
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -pthread $< -o $@
real-trees: all $(MCLOAD)
	sh tests/realworld/build.sh $(REAL)
check-real: real-trees
	KATANA_TOP=$(CURDIR) KATANA=$(CURDIR)/$(KATANA) KATANA_REAL=$(CURDIR)/$(REAL) \
		MCLOAD=$(CURDIR)/$(MCLOAD) $(PROVE) -f $(PROVE_FLAGS) tests/realworld/t[0-9]*.sh
bench-real: real-trees
	@sh bench/real.sh $(CURDIR)/$(KATANA) $(CURDIR)/$(REAL) $(CURDIR)/$(MCLOAD) $(B)/bench-real

# The bundled example: build v0 and v1, generate the patch, show it.
demo: all
	@sh examples/demo/run.sh $(CURDIR)/$(KATANA) $(B)/demo

# Benchmark: apply/revert stop time, safe-point scan, patched call cost.
bench: all
	@sh bench/apply.sh $(CURDIR)/$(KATANA) $(B)/bench

# libFuzzer harness for the PO reader (needs clang).
FUZZ := $(B)/fuzz/po_fuzz
fuzz: $(FUZZ)
$(FUZZ): fuzz/po_fuzz.c $(PO_SRC) $(wildcard po/*.h)
	@mkdir -p $(@D)
	clang -std=gnu11 -g -O1 -Wall -Wextra -Wno-unused-parameter -Ipo -D_GNU_SOURCE \
		-DKATANA_VERSION='"$(VERSION)"' -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all fuzz/po_fuzz.c $(PO_SRC) -o $@
fuzz-run: $(FUZZ)
	@mkdir -p $(B)/fuzz/corpus
	$(FUZZ) -max_total_time=$${FUZZ_SECONDS:-60} $(B)/fuzz/corpus fuzz/seeds

# ------------------------------------------------------------------ install
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/katana \
		$(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(KATANA) $(DESTDIR)$(PREFIX)/bin/katana
	install -m 644 $(MAN) $(DESTDIR)$(PREFIX)/share/man/man1/katana.1
	if [ -d $(DATA) ]; then cp -R $(DATA)/. $(DESTDIR)$(PREFIX)/share/katana/; fi
	$(call gen_gdb,$(PREFIX)/bin/katana,$(DESTDIR)$(PREFIX)/share/katana/katana.gdb)

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/katana $(DESTDIR)$(PREFIX)/share/man/man1/katana.1
	rm -rf $(DESTDIR)$(PREFIX)/share/katana

clean:
	rm -rf $(B)

distclean: clean
	rm -f config.mk

.PHONY: all check check-one check-real real-trees bench-real demo bench fuzz fuzz-run install uninstall clean distclean
-include $(PO_OBJ:.o=.d) $(GEN_OBJ:.o=.d) $(PLAN_OBJ:.o=.d) $(CMD_OBJ:.o=.d)
