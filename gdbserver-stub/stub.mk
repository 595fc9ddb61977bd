# stub.mk - build rules for the in-target stub, included by the top-level
# Makefile (before its `all:`; uses its CC, WARN, B and DATA).
#
#   $(DATA)/katana-stub.elf  the stub linked at 0, with debug info, for
#                            GDB's `add-symbol-file FILE -o BASE`
#   $(DATA)/katana-stub.bin  the flat image written at the start of the
#                            stub mapping: katana_stub_entry at offset 0
#
# The build fails if the image needs any relocation, has writable data or
# a GOT (stub.ld), or is larger than KSTUB_CODE_SIZE (stub.h).

# This file is read before the Makefile's first rule: keep `all` the goal.
.DEFAULT_GOAL := all

OBJCOPY ?= objcopy
READELF ?= readelf

# Freestanding, position independent, general registers only (GDB 13.1
# restores no vector state), nothing that calls out or needs fixing up.
# Not $(CFLAGS)/$(ALL_CFLAGS): sanitizers and the like cannot run in there.
STUB_CFLAGS := -std=gnu11 $(WARN) -O2 -g -ffreestanding -fno-builtin -nostdlib \
	-fPIE -fvisibility=hidden -mgeneral-regs-only -fno-stack-protector \
	-fno-stack-clash-protection -fcf-protection=none -fno-asynchronous-unwind-tables \
	-fno-unwind-tables -fno-tree-loop-distribute-patterns -fno-common \
	-Igdbserver-stub -Ipo -fdebug-prefix-map=$(CURDIR)=. -MMD -MP
STUB_LDFLAGS := -nostdlib -static-pie -Wl,--no-dynamic-linker -Wl,-z,text \
	-Wl,-z,norelro -Wl,-z,noexecstack -Wl,--build-id=none -Wl,-T,gdbserver-stub/stub.ld

STUB_OBJ := $(B)/obj/stub/entry.o $(B)/obj/stub/stub.o $(B)/obj/stub/xform.o
STUB_ELF := $(DATA)/katana-stub.elf
STUB_BIN := $(DATA)/katana-stub.bin
# its sources, for stepping through it in GDB (katana apply --step)
STUB_SRC_FILES := $(wildcard gdbserver-stub/*.c gdbserver-stub/*.h gdbserver-stub/*.S) po/po_xop.h
STUB_SRC := $(STUB_SRC_FILES:%=$(DATA)/src/%)
STUB_ALL := $(STUB_ELF) $(STUB_BIN) $(STUB_SRC)

$(DATA)/src/%: %
	@mkdir -p $(@D)
	cp $< $@

$(B)/obj/stub/%.o: gdbserver-stub/%.c config.mk gdbserver-stub/stub.mk
	@mkdir -p $(@D)
	$(CC) $(STUB_CFLAGS) -c $< -o $@

$(B)/obj/stub/%.o: gdbserver-stub/%.S config.mk gdbserver-stub/stub.mk
	@mkdir -p $(@D)
	$(CC) $(STUB_CFLAGS) -c $< -o $@

$(STUB_ELF): $(STUB_OBJ) gdbserver-stub/stub.ld
	@mkdir -p $(@D)
	$(CC) $(STUB_CFLAGS) $(STUB_LDFLAGS) $(STUB_OBJ) -o $@.tmp
	@if $(READELF) -rW $@.tmp | grep -q 'R_X86_64'; then \
		echo "$@: the stub needs relocations; it must be position independent:" >&2; \
		$(READELF) -rW $@.tmp >&2; rm -f $@.tmp; exit 1; fi
	@$(READELF) -sW $@.tmp | grep -q ' 0000000000000000 .* katana_stub_entry$$' || { \
		echo "$@: katana_stub_entry is not at offset 0" >&2; rm -f $@.tmp; exit 1; }
	mv $@.tmp $@

$(STUB_BIN): $(STUB_ELF) gdbserver-stub/stub.h
	$(OBJCOPY) -O binary -j .text -j .rodata $< $@.tmp
	@max=$$(printf '#include "stub.h"\nKSTUB_CODE_SIZE\n' | $(CC) -E -P -Igdbserver-stub - | tail -n 1); \
	size=$$(wc -c < $@.tmp); \
	if [ "$$size" -eq 0 ] || [ "$$size" -gt $$(($$max)) ]; then \
		echo "$@: image is $$size bytes, the code area holds KSTUB_CODE_SIZE = $$max" >&2; \
		rm -f $@.tmp; exit 1; fi; \
	echo "katana-stub.bin: $$size of $$(($$max)) bytes"
	mv $@.tmp $@

-include $(STUB_OBJ:.o=.d)
