# splitvirt top-level build.
#
# Two toolchains build from one tree:
#   native (x86_64): libraries + unit tests with ASan/UBSan, fuzzers (clang/libFuzzer)
#   arm64 (static):  everything that runs inside the emulated board or on arm64 hardware
#
# Every directory that builds something has a module.mk that appends to:
#   NATIVE_LIBS    static libraries built natively      (name_SRCS, name_LDLIBS)
#   ARM64_LIBS     static libraries cross-built         (name_SRCS, name_LDLIBS)
#   UNIT_TESTS     native cmocka test programs          (name_SRCS, name_LIBS, name_LDLIBS)
#   FUZZERS        libFuzzer targets                    (name_SRCS, name_LIBS, name_LDLIBS)
#   ARM64_BINS     static arm64 programs                (name_SRCS, name_LIBS, name_LDLIBS)
#   NATIVE_BINS    native programs (tools)              (name_SRCS, name_LIBS, name_LDLIBS)
#   BENCH_BINS     native benchmarks, -O2, no sanitizers (name_SRCS, name_LIBS, name_LDLIBS)
# A library name "foo" becomes build/<arch>/lib/libfoo.a; name_LIBS lists such names.
# A library may set foo_LDLIBS (e.g. svvirtio_LDLIBS := -luring): every program
# whose name_LIBS lists foo links with it too, after its own name_LDLIBS.

BUILD      ?= build
DEBIAN     ?= $(BUILD)/debian
CC         ?= gcc
CROSS_CC   ?= aarch64-linux-gnu-gcc
FUZZ_CC    ?= clang
V          ?= 0
Q          := $(if $(filter 1,$(V)),,@)

WARN       := -Wall -Wextra -Werror -Wshadow -Wno-missing-field-initializers
BASE_CFLAGS := -std=gnu11 $(WARN) -g -Iinclude -D_GNU_SOURCE
SAN        := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

NATIVE_CFLAGS := $(BASE_CFLAGS) -O1 $(SAN)
NATIVE_LDFLAGS := $(SAN)
ARM64_CFLAGS  := $(BASE_CFLAGS) -O2 -I$(DEBIAN)/arm64/usr/include
ARM64_LDFLAGS := -static -L$(DEBIAN)/arm64/usr/lib/aarch64-linux-gnu
FUZZ_CFLAGS   := $(BASE_CFLAGS) -O1 -fsanitize=fuzzer-no-link,address,undefined
FUZZ_LDFLAGS  := -fsanitize=fuzzer,address,undefined
BENCH_CFLAGS  := $(BASE_CFLAGS) -O2

NATIVE_LIBS :=
ARM64_LIBS  :=
UNIT_TESTS  :=
FUZZERS     :=
ARM64_BINS  :=
NATIVE_BINS :=
BENCH_BINS  :=

MODULES := $(sort $(shell find . -name module.mk -not -path './build/*' -not -path './.git/*'))
include $(MODULES)

N := $(BUILD)/native
A := $(BUILD)/arm64
F := $(BUILD)/fuzz
B := $(BUILD)/bench

objs = $(patsubst %.c,$(1)/obj/%.o,$(2))
libfiles = $(foreach l,$(2),$(1)/lib/lib$(l).a)
# What the libraries a program links (name_LIBS) need themselves (libname_LDLIBS).
libldlibs = $(foreach l,$($(1)_LIBS),$($(l)_LDLIBS))

define native_lib
$(N)/lib/lib$(1).a: $(call objs,$(N),$($(1)_SRCS))
	@mkdir -p $$(@D)
	$(Q)rm -f $$@ && ar rcs $$@ $$^
endef
define arm64_lib
$(A)/lib/lib$(1).a: $(call objs,$(A),$($(1)_SRCS))
	@mkdir -p $$(@D)
	$(Q)rm -f $$@ && aarch64-linux-gnu-ar rcs $$@ $$^
endef
define fuzz_lib
$(F)/lib/lib$(1).a: $(call objs,$(F),$($(1)_SRCS))
	@mkdir -p $$(@D)
	$(Q)rm -f $$@ && ar rcs $$@ $$^
endef
define bench_lib
$(B)/lib/lib$(1).a: $(call objs,$(B),$($(1)_SRCS))
	@mkdir -p $$(@D)
	$(Q)rm -f $$@ && ar rcs $$@ $$^
endef
define bench_bin
$(B)/bin/$(1): $(call objs,$(B),$($(1)_SRCS)) $(call libfiles,$(B),$($(1)_LIBS))
	@mkdir -p $$(@D)
	@echo "  LD      $$@"
	$(Q)$(CC) -o $$@ $$^ $($(1)_LDLIBS) $(call libldlibs,$(1)) -lpthread
endef
define unit_test
$(N)/tests/$(1): $(call objs,$(N),$($(1)_SRCS)) $(call libfiles,$(N),$($(1)_LIBS))
	@mkdir -p $$(@D)
	@echo "  LD      $$@"
	$(Q)$(CC) $(NATIVE_LDFLAGS) -o $$@ $$^ -lcmocka $($(1)_LDLIBS) $(call libldlibs,$(1))
endef
define fuzzer
$(F)/bin/$(1): $(call objs,$(F),$($(1)_SRCS)) $(call libfiles,$(F),$($(1)_LIBS))
	@mkdir -p $$(@D)
	@echo "  LD      $$@"
	$(Q)$(FUZZ_CC) $(FUZZ_LDFLAGS) -o $$@ $$^ $($(1)_LDLIBS) $(call libldlibs,$(1))
endef
define arm64_bin
$(A)/bin/$(1): $(call objs,$(A),$($(1)_SRCS)) $(call libfiles,$(A),$($(1)_LIBS))
	@mkdir -p $$(@D)
	@echo "  LD      $$@"
	$(Q)$(CROSS_CC) $(ARM64_LDFLAGS) -o $$@ $$^ $($(1)_LDLIBS) $(call libldlibs,$(1)) -lpthread
endef
define native_bin
$(N)/bin/$(1): $(call objs,$(N),$($(1)_SRCS)) $(call libfiles,$(N),$($(1)_LIBS))
	@mkdir -p $$(@D)
	@echo "  LD      $$@"
	$(Q)$(CC) $(NATIVE_LDFLAGS) -o $$@ $$^ $($(1)_LDLIBS) $(call libldlibs,$(1)) -lpthread
endef

$(foreach l,$(NATIVE_LIBS),$(eval $(call native_lib,$(l))))
$(foreach l,$(NATIVE_LIBS),$(eval $(call fuzz_lib,$(l))))
$(foreach l,$(ARM64_LIBS),$(eval $(call arm64_lib,$(l))))
$(foreach l,$(NATIVE_LIBS),$(eval $(call bench_lib,$(l))))
$(foreach b,$(BENCH_BINS),$(eval $(call bench_bin,$(b))))
$(foreach t,$(UNIT_TESTS),$(eval $(call unit_test,$(t))))
$(foreach t,$(FUZZERS),$(eval $(call fuzzer,$(t))))
$(foreach b,$(ARM64_BINS),$(eval $(call arm64_bin,$(b))))
$(foreach b,$(NATIVE_BINS),$(eval $(call native_bin,$(b))))

$(N)/obj/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(NATIVE_CFLAGS) $(EXTRA_CFLAGS_$(notdir $(<D))) -MMD -MP -c -o $@ $<
$(A)/obj/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC[a64] $<"
	$(Q)$(CROSS_CC) $(ARM64_CFLAGS) -MMD -MP -c -o $@ $<
$(B)/obj/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC[opt] $<"
	$(Q)$(CC) $(BENCH_CFLAGS) -MMD -MP -c -o $@ $<
$(F)/obj/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC[fuz] $<"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<

NATIVE_TARGETS := $(addprefix $(N)/tests/,$(UNIT_TESTS)) $(addprefix $(N)/bin/,$(NATIVE_BINS))
ARM64_TARGETS  := $(addprefix $(A)/bin/,$(ARM64_BINS))
FUZZ_TARGETS   := $(addprefix $(F)/bin/,$(FUZZERS))
BENCH_TARGETS  := $(addprefix $(B)/bin/,$(BENCH_BINS))

.PHONY: all native arm64 fuzz bench kmod unit deps images kernel board-image demo test check format lint clean help
all: native arm64

help:
	@echo "make deps     install build dependencies (apt-get) and fetch Debian arm64 content"
	@echo "make native   unit tests and native tools (ASan/UBSan)"
	@echo "make arm64    static arm64 binaries (vmm, ...)"
	@echo "make fuzz     libFuzzer targets"
	@echo "make bench    native benchmarks (-O2, no sanitizers) in build/bench/bin"
	@echo "make unit     build and run the unit tests"
	@echo "make kmod     splitvirt.ko for Debian's arm64 kernel (build/kmod)"
	@echo "make images   guest, device-VM and board initramfs images"
	@echo "make kernel   the driver-VM kernel from Debian's linux-source-6.1 (cached in /var/cache/splitvirt)"
	@echo "make demo     build everything and run the demo in the emulated board"
	@echo "make check    the whole test suite (unit, fuzz, system)"
	@echo "make format / make lint"

native: $(NATIVE_TARGETS)
arm64: $(DEBIAN)/.stamp $(ARM64_TARGETS)
fuzz: $(FUZZ_TARGETS)
bench: $(BENCH_TARGETS)

$(DEBIAN)/.stamp:
	images/fetch-debian.sh $(DEBIAN)

deps:
	scripts/deps.sh
	images/fetch-debian.sh $(DEBIAN)

unit: native
	tests/run-unit.sh $(N)/tests

kmod: $(DEBIAN)/.stamp
	$(MAKE) -C kmod BUILD=$(abspath $(BUILD)) DEBIAN=$(abspath $(DEBIAN))

# The device VM's vhost-user back-ends: Debian's arm64 qemu-storage-daemon and virtiofsd.
VHOST_BACKENDS := $(BUILD)/vhost-backends
images: arm64 kmod
	images/fetch-qemu-arm64.sh --no-qemu \
		--with qemu-system-common:usr/bin/qemu-storage-daemon \
		--with qemu-system-common:usr/lib/qemu/virtiofsd $(VHOST_BACKENDS)
	images/build-guest-initramfs.sh $(DEBIAN) $(BUILD)/images $(A)/bin
	images/build-devvm-initramfs.sh $(DEBIAN) $(A)/bin $(BUILD)/kmod $(BUILD)/images $(VHOST_BACKENDS)
	images/build-host-initramfs.sh $(DEBIAN) $(A)/bin $(BUILD)/kmod $(BUILD)/images

kernel:
	kernel/build.sh $(BUILD)/kernel/Image

demo:
	scripts/demo

check test:
	scripts/test

SRC_FILES = $(shell git ls-files '*.c' '*.h' 2>/dev/null)
format:
	clang-format -i $(SRC_FILES)
lint:
	scripts/lint.sh

clean:
	rm -rf $(N) $(A) $(F) $(B) $(BUILD)/images

-include $(shell find $(N) $(A) $(F) $(B) -type f -name '*.d' 2>/dev/null)
