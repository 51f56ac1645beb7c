# Bridgeward: one entry point for build, test, benchmarks and (later) the firmware image.
#
#   make            build/bridgeward, the traffic generator, the test binaries
#   make test       everything CI runs: format check, unit, replay and netns tests, fuzz,
#                   identification eval on $(CORPUS)
#   make eval       identification against a labelled corpus (CORPUS=DIR)
#   make unit       unit tests only          make san   unit and integration tests under ASan+UBSan
#   make bench      benchmarks (BENCHMARKS.md), not in CI
#   make demo       generate the demo capture and replay it
#   make clean

BUILD   ?= build
CC      ?= cc
PKGS    := libdpdk libhs libconfig libpcap libcrypto
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo dev)

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS))
CRIT_LIBS  := $(shell pkg-config --libs criterion) -lrte_net_ring

OPT      ?= -O2
CFLAGS   ?= $(OPT) -g
CFLAGS   += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	    -Wmissing-prototypes -Wformat=2 -Wno-format-nonliteral -fno-strict-aliasing \
	    -MMD -MP -DBW_VERSION='"$(VERSION)"' $(PKG_CFLAGS) $(SAN_CFLAGS)
LDLIBS   += $(PKG_LIBS) -lm -lpthread $(SAN_LDFLAGS)

LIB_SRCS := $(wildcard config/*.c board/*.c dataplane/*.c) $(filter-out fw/main.c,$(wildcard fw/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
UNIT_SRCS := $(wildcard tests/unit/*.c) tests/support/support.c tests/gen/pkt.c tests/gen/collide.c
INTEG_SRCS := $(wildcard tests/integration/*.c) tests/support/support.c

BIN      := $(BUILD)/bridgeward
GEN      := $(BUILD)/bwgen
UNIT     := $(BUILD)/tests/unit
INTEG    := $(BUILD)/tests/integration

.PHONY: all test unit integration netns san format format-check bench demo clean reference readme readme-check eval eval-baseline

all: $(BIN) $(GEN) $(UNIT) $(INTEG)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC  $<"
	@$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/libbw.a: $(LIB_OBJS)
	@rm -f $@
	@echo "  AR  $@"
	@ar rcs $@ $^

$(BIN): $(BUILD)/obj/fw/main.o $(BUILD)/libbw.a
	@echo "  LD  $@"
	@$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(GEN): $(BUILD)/obj/tests/gen/bwgen.o $(BUILD)/obj/tests/gen/pkt.o \
	$(BUILD)/obj/tests/gen/apps.o $(BUILD)/obj/tests/gen/proto.o $(BUILD)/obj/tests/gen/collide.o
	@echo "  LD  $@"
	@$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(UNIT): $(UNIT_SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/libbw.a
	@mkdir -p $(dir $@)
	@echo "  LD  $@"
	@$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) $(CRIT_LIBS)

$(INTEG): $(INTEG_SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/tests/gen/pkt.o $(BUILD)/libbw.a
	@mkdir -p $(dir $@)
	@echo "  LD  $@"
	@$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) $(CRIT_LIBS)

# Criterion runs each test in its own process; integration tests start DPDK, so one at a time.
unit: $(UNIT)
	$(UNIT) --jobs 2 --short-filename

integration: $(BIN) $(GEN) $(INTEG)
	BW_ROOT=$(CURDIR) BW_BUILD=$(CURDIR)/$(BUILD) $(INTEG) --jobs 1 --short-filename

netns: $(BIN) $(GEN)
	BW_BUILD=$(CURDIR)/$(BUILD) bash tests/netns/run.sh

test: format-check readme-check unit integration netns fuzz-short eval

readme: $(BIN)
	bash tests/readme-reference.sh $(BIN) update

readme-check: $(BIN)
	@bash tests/readme-reference.sh $(BIN) check

# The unit tests, then the real binary (and the generator) under the sanitizers through
# every integration test: a memory error, undefined behaviour or a leak in bridgeward makes
# it exit non-zero, which fails the test that ran it.
san:
	$(MAKE) BUILD=build-san OPT=-O1 SAN_CFLAGS='-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined' SAN_LDFLAGS='-fsanitize=address,undefined' build-san/tests/unit build-san/bridgeward build-san/bwgen build-san/tests/integration
	ASAN_OPTIONS=detect_leaks=1 build-san/tests/unit --jobs 2 --short-filename
	BW_ROOT=$(CURDIR) BW_BUILD=$(CURDIR)/build-san ASAN_OPTIONS=detect_leaks=1 build-san/tests/integration --jobs 1 --short-filename

FMT_SRCS = $(shell git ls-files '*.c' '*.h' 2>/dev/null || find . -name '*.[ch]' -not -path './build*')

format:
	clang-format -i $(FMT_SRCS)

format-check:
	@clang-format --dry-run --Werror $(FMT_SRCS) && echo "format: OK"

reference: $(BIN)
	$(BIN) --reference

# Identification against a labelled corpus (tests/eval/eval.py): per application and overall
# recall, false positives, median packets to decision; fails below tests/eval/baseline.tsv.
CORPUS ?= ../shared/corpus/ndpi
EVAL_FLAGS ?=

eval: $(BIN)
	/usr/bin/python3 tests/eval/eval.py $(CORPUS) --check tests/eval/baseline.tsv --leakage $(EVAL_FLAGS)

# Record the current figures in the baseline (never lowering one).
eval-baseline: $(BIN)
	/usr/bin/python3 tests/eval/eval.py $(CORPUS) --update tests/eval/baseline.tsv

demo: $(BIN) $(GEN)
	@mkdir -p out
	$(GEN) demo out/demo.pcap
	$(BIN) --board board/virt-pcap.conf --config config/bridgeward.conf \
		--replay out/demo.pcap --out out/demo-forwarded.pcap --log out/demo-events.json
	@tshark -r out/demo-forwarded.pcap 2>/dev/null | head -40 || true

$(BUILD)/bench/flowmem: $(BUILD)/obj/tests/bench/flowmem.o $(BUILD)/libbw.a
	@mkdir -p $(dir $@)
	@echo "  LD  $@"
	@$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/bench/attribbench: $(BUILD)/obj/tests/bench/attribbench.o $(BUILD)/libbw.a
	@mkdir -p $(dir $@)
	@echo "  LD  $@"
	@$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

bench: $(BIN) $(GEN) $(BUILD)/bench/flowmem $(BUILD)/bench/attribbench
	bash tests/bench/run.sh

clean:
	rm -rf $(BUILD) build-san out

# Fuzz targets (libFuzzer): make fuzz [FUZZ_SECONDS=N], make fuzz-short (part of make test)
-include tests/fuzz/fuzz.mk

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
