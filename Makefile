# Vitals - customer health-score engine.
#
#   make            build ./vitals and libvitals.a
#   make test       install missing packages (as root), build, run every test
#   make demo       build, load examples/data, score it, print the at-risk list
#   make asan       the same tests under AddressSanitizer + UBSan (SANITIZE=1)
#   make bench      benchmarks (ratios against a baseline in the same run)
#   make install    PREFIX=/usr/local DESTDIR=
#
# V=1 shows full commands.

PREFIX     ?= /usr/local
DESTDIR    ?=
PKG_CONFIG ?= pkg-config
CC         ?= cc
BUILD      ?= build

DEPS_OK := $(shell $(PKG_CONFIG) --exists lua5.4 sqlite3 cmocka 2>/dev/null && test -f /usr/include/csv.h && command -v sqlite3 >/dev/null && command -v python3 >/dev/null && echo yes)

WARN   = -Wall -Wextra -Werror -Wshadow -Wundef -Wwrite-strings \
         -Wmissing-prototypes -Wstrict-prototypes -Wno-unused-parameter
OPT   ?= -O2 -g
ifeq ($(SANITIZE),1)
  OPT   = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
  BUILD = build-asan
endif

# Deferred (=), not immediate (:=): on a fresh machine the packages are only
# installed by the `deps` prerequisite, after this file is read.
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags lua5.4 sqlite3 2>/dev/null)
PKG_LIBS   = $(shell $(PKG_CONFIG) --libs lua5.4 sqlite3 2>/dev/null) -lcsv -lm -lpthread
CMOCKA     = $(shell $(PKG_CONFIG) --cflags --libs cmocka 2>/dev/null)

ALL_CFLAGS  = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) $(OPT) \
              -Iinclude -Isrc $(PKG_CFLAGS) -DVITALS_SHARE='"$(PREFIX)/share/vitals"' \
              -MMD -MP $(CFLAGS)
ALL_LDFLAGS = $(OPT) $(LDFLAGS)

CLI_SRC  = src/main.c $(wildcard src/cmd_*.c) src/cli.c
LIB_SRC  = $(filter-out $(CLI_SRC),$(wildcard src/*.c))
LIB_OBJ  = $(LIB_SRC:src/%.c=$(BUILD)/%.o)
CLI_OBJ  = $(CLI_SRC:src/%.c=$(BUILD)/%.o)
TEST_SRC = $(wildcard tests/test_*.c)
TEST_BIN = $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)

ifeq ($(V),1)
  Q =
else
  Q = @
endif

.PHONY: all deps test unit e2e demo asan bench install uninstall clean

all: deps $(BUILD)/vitals vitals

deps:
ifneq ($(DEPS_OK),yes)
	@sh scripts/install-deps.sh
endif

vitals: $(BUILD)/vitals
	$(Q)ln -sf $(BUILD)/vitals vitals

$(BUILD)/vitals: $(CLI_OBJ) $(BUILD)/libvitals.a
	@echo "  LINK    $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/libvitals.a $(PKG_LIBS)

$(BUILD)/libvitals.a: $(LIB_OBJ)
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $(LIB_OBJ)

$(BUILD)/%.o: src/%.c | deps
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/%.c $(BUILD)/libvitals.a | deps
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/libvitals.a $(CMOCKA) $(PKG_LIBS)

unit: deps $(TEST_BIN)
	@set -e; for t in $(TEST_BIN); do echo "== $$t"; $$t; done

e2e: deps $(BUILD)/vitals
	@VITALS=$(CURDIR)/$(BUILD)/vitals VITALS_SANITIZED=$(SANITIZE) sh tests/e2e/run.sh

test: unit e2e
	@echo "all tests passed"

asan:
	$(MAKE) SANITIZE=1 test

demo: all
	@sh scripts/demo.sh ./$(BUILD)/vitals

bench: all
	@sh scripts/bench.sh ./$(BUILD)/vitals

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/vitals/rules
	install -m 755 $(BUILD)/vitals $(DESTDIR)$(PREFIX)/bin/vitals
	install -m 644 rules/*.lua $(DESTDIR)$(PREFIX)/share/vitals/rules/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/vitals
	rm -rf $(DESTDIR)$(PREFIX)/share/vitals

clean:
	rm -rf build build-asan vitals

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d)

# ---------------------------------------------------------------- fuzzing
# make fuzz FUZZ_SECONDS=N   build the libFuzzer targets of tests/fuzz with
#                            clang (ASan + UBSan) into build-fuzz/, replay
#                            tests/fuzz/regressions/, then fuzz each target
#                            for N seconds (default 60); fails on any crash.
# fuzz_rules is built only once src/rules.c exists.
FUZZ_CC      ?= clang
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_SAN      = -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS   = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
                $(filter-out -Werror,$(WARN)) -g -O1 -fno-omit-frame-pointer $(FUZZ_SAN) \
                -Iinclude -Isrc $(PKG_CFLAGS) -DVITALS_SHARE='"$(PREFIX)/share/vitals"' \
                $(if $(wildcard src/score.c),-DFUZZ_HAVE_SCORE) -MMD -MP
FUZZ_LIB_OBJ  = $(LIB_SRC:src/%.c=$(FUZZ_BUILD)/%.o)
FUZZ_TARGETS  = fuzz_load fuzz_parsers $(if $(wildcard src/rules.c),fuzz_rules)
FUZZ_BIN      = $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/%)

.PHONY: fuzz fuzz-build
fuzz: fuzz-build
	@FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) sh tests/fuzz/run.sh $(FUZZ_TARGETS)

fuzz-build: deps $(FUZZ_BIN)

$(FUZZ_BUILD)/%.o: src/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $< (fuzz)"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_BUILD)/libvitals.a: $(FUZZ_LIB_OBJ)
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $(FUZZ_LIB_OBJ)

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_BUILD)/libvitals.a
	@echo "  LINK    $@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_BUILD)/libvitals.a $(PKG_LIBS)

-include $(FUZZ_LIB_OBJ:.o=.d) $(FUZZ_BIN:=.d)
