# libFuzzer targets (included by the top Makefile):
#
#   make fuzz [FUZZ_SECONDS=60]   build, seed and run each target for FUZZ_SECONDS
#   make fuzz-short               the same for 10 s each (CI)
#   make fuzz-build               build only
#
# fuzz_decode  dataplane/decode.c: any frame, every pointer it returns inside the frame
# fuzz_stream  dataplane/stream.c: one TCP direction against a reference model
# fuzz_frag    dataplane/frag.c (+ decode.c, DPDK mbufs): fragments against a model of
#              the table; the mbuf pool must be whole after every input
# fuzz_quic    dataplane/quic.c (+ tls.c, libcrypto): raw datagrams, and fuzzed plaintext
#              sealed as client Initials (v1, v2, drafts) so the frame walker, CRYPTO
#              reassembly and the ClientHello parser see it
#
# Inputs that once found a bug live in tests/fuzz/regress/<name> and are replayed by every
# run. Each target keeps its corpus in $(BUILD)/fuzz/corpus/<name> (seeded below), its output in
# $(BUILD)/fuzz/<name>.log and any crashing input in $(BUILD)/fuzz/<name>-crash-*.
# Reproduce one with: $(BUILD)/fuzz/<name> <file>

FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_FLAGS   ?= -timeout=25
FUZZ_DEFS    ?=
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_NAMES   := fuzz_decode fuzz_stream fuzz_frag fuzz_quic
FUZZ_BINS    := $(FUZZ_NAMES:%=$(FUZZ_DIR)/%)
FUZZ_SEEDED  := $(FUZZ_NAMES:%=$(FUZZ_DIR)/corpus/%/.seeded)
FUZZ_CFLAGS  := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-fno-omit-frame-pointer -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror

.PHONY: fuzz fuzz-short fuzz-build

$(FUZZ_DIR)/fuzz_decode: tests/fuzz/fuzz_decode.c dataplane/decode.c dataplane/decode.h
$(FUZZ_DIR)/fuzz_stream: tests/fuzz/fuzz_stream.c dataplane/stream.c dataplane/stream.h
$(FUZZ_DIR)/fuzz_frag: tests/fuzz/fuzz_frag.c dataplane/frag.c dataplane/decode.c \
		       dataplane/frag.h dataplane/decode.h
$(FUZZ_DIR)/fuzz_frag: FUZZ_LIBS = $(PKG_LIBS)
$(FUZZ_DIR)/fuzz_quic: tests/fuzz/fuzz_quic.c dataplane/quic.c dataplane/tls.c \
		       dataplane/quic.h dataplane/tls.h
$(FUZZ_DIR)/fuzz_quic: FUZZ_LIBS = $(PKG_LIBS)

# The compiler flags, rewritten only when they change (FUZZ_DEFS=...), so the targets rebuild.
$(FUZZ_DIR)/.flags: fuzz-flags-check
	@mkdir -p $(dir $@)
	@echo '$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_DEFS)' | cmp -s - $@ || \
		echo '$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_DEFS)' > $@

.PHONY: fuzz-flags-check
fuzz-flags-check:

$(FUZZ_BINS): tests/fuzz/fuzz.mk $(FUZZ_DIR)/.flags
	@mkdir -p $(dir $@)
	@echo "  FUZZCC $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_DEFS) $(PKG_CFLAGS) -o $@ $(filter %.c,$^) $(FUZZ_LIBS)

# Hand-made seeds (hex): well-formed frames for the decoder; for the reassembler and the
# fragment table, inputs in the record formats described at the top of their sources
# (wrap-around, out of order, overlaps, conflicts, timeouts, datagrams of maximal size,
# budgets).
FUZZ_SEEDS_fuzz_decode := \
  02000000000202000000000108004600003500010000400662c00a0000010a000101010101009c4001bb000003e8000007d06018ffff00000000020405b468656c6c6f \
  02000000000202000000000186dd60000000001d0040fd000000000000000000000000000001fd0000000000000000000000000001003c00010400000000110001040000000014e90035000d000068656c6c6f \
  02000000000202000000000186dd6000000000182c40fd000000000000000000000000000001fd00000000000000000000000000010006000001123456789c4001bb000003e8000007d06018ffff \
  02000000000202000000000188a80064810000c808004500002000010000400165db0a0000010a00010108000000004d000170696e67 \
  02000000000202000000000108004500002400012000401145c70a0000010a00010114e90035000d00007878787878787878 \
  02000000000202000000000186dd6000000000183340fd000000000000000000000000000001fd0000000000000000000000000001003a010000000000000000000080000000004d000170696e67 \
  020000000002020000000001080600000000000000000000000000000000000000000000000000000000
FUZZ_SEEDS_fuzz_stream := \
  ffffff00070307d001000000c8000190c80100c8c82a00649605012c000301f464000258ff06035700 \
  7fffffc00300012c030000643204009606616263646566000000ff0503e800 \
  000000013fff7fff000003e8ff0007d0ff000000ff0000ffff0001feff0002fdff0205dcff070000000000000a
FUZZ_SEEDS_fuzz_frag := \
  000003e800005555550714e9003500280000000000000000000000000000000100000040010000030000004001000022000000280100 \
  000003e800005555550714e9003500280000000000000000000000000000062800100018010006090000004001000607000000500100060500000040010006110004001001640601000000800100 \
  fffffe000fff0000000714e90035002800000000000000000000000000000101000003200100040100000040c800040000080008c800010000c80064ff0003010000000801000101000003200100020100000008010002010001000801000201000200080100020100030008010002010004000801000201000500080100020100060008010002010007000801000201000800080100 \
  000003e800000000000714e9003500280000000000000000000000000000000100002490000000030000249000000003000024900000000300002490000000030000249000000003000024900000000300002490000000220000000f0100 \
  000003e800000000000714e900350028000000000000000000000000000007010000249000000703000024900000070300002490000007030000249000000703000024900000070300002490000007030000249000000722000000070100 \
  000003e800005555550714e9003500280000000000000000000000000000000100000008030001010000000803000201000000080300030100000008030004010000000803000501000000080300000100020008030001010002000803000201000200080300030100020008030004010002000803000501000200080300000100040008030001010004000803000201000400080300030100040008030004010004000803000501000400080300
FUZZ_SEEDS_fuzz_quic := \
  11006903406419010201040708090600405a010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e86804fe3a47f06a2b69484c00000413011302010000c000000010000e00000b6578616d706c652e636f6dff01000100000a00080006001d0017001800100007009e06405a4097000504616c706e000500050100000000003300260024001d00209370b2c9caa47fbabaf4559fedba753de171fa71f50f1ce15d43e994ec74d748002b0003020304000d0010000e0403050306030203080408050806002d00020101001c00024001003900320408ffffffffffffffff05048000ffff07048000ffff0801100104800075300901100f088394c8f03e51570806048000ffff1c00

$(FUZZ_DIR)/corpus/%/.seeded: tests/fuzz/fuzz.mk
	@mkdir -p $(dir $@)
	@echo "  SEED   $(dir $@)"
	@n=0; for h in $(FUZZ_SEEDS_$*); do n=$$((n + 1)); \
		perl -e 'print pack("H*", $$ARGV[0])' $$h > $(dir $@)seed-$$n || exit 1; done
	@touch $@

fuzz-build: $(FUZZ_BINS)

fuzz: FUZZ_TIME = $(FUZZ_SECONDS)
fuzz-short: FUZZ_TIME = 10

# Run every target (one at a time), print libFuzzer's final stats line; if one fails, show
# its report and the crashing input's path, go on with the others and fail at the end.
fuzz fuzz-short: $(FUZZ_BINS) $(FUZZ_SEEDED)
	@failed=; for f in $(FUZZ_NAMES); do \
		echo "  FUZZ   $$f ($(FUZZ_TIME) s)"; \
		if $(FUZZ_DIR)/$$f -max_total_time=$(FUZZ_TIME) -print_final_stats=1 $(FUZZ_FLAGS) \
			-artifact_prefix=$(FUZZ_DIR)/$$f- $(FUZZ_DIR)/corpus/$$f tests/fuzz/regress/$$f \
			> $(FUZZ_DIR)/$$f.log 2>&1; then \
			grep -E '^#[0-9]+[[:space:]]+DONE' $(FUZZ_DIR)/$$f.log | tail -n 1 | \
				sed 's/^/         /'; \
		else \
			grep -m 1 -A 30 -E '==ERROR|check failed|ERROR: libFuzzer' $(FUZZ_DIR)/$$f.log; \
			grep -E 'Test unit written|^Base64' $(FUZZ_DIR)/$$f.log; \
			echo "  FUZZ   $$f FAILED (log: $(FUZZ_DIR)/$$f.log)"; \
			failed="$$failed $$f"; \
		fi; \
	done; \
	if [ -n "$$failed" ]; then echo "  FUZZ   failed:$$failed"; exit 1; fi
