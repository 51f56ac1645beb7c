#!/usr/bin/env bash
# make bench: Bridgeward's benchmarks, every figure a ratio against a reference measured in
# the same invocation (alternating A B A B), medians of per-second samples.
#
#   1. forwarding: bridgeward as a plain bridge (flow.track = false) against dpdk-testpmd io
#      forwarding on the same devices: the corpus mix replayed from memory into a sink
#   2. tracking cost on the same mix: off / flows only / + TCP reassembly / + retention
#   3. new flows per second on one worker: a SYN flood and complete handshakes, each frame a
#      flow the table has not seen (the table is smaller than the capture's flows)
#   4. memory per flow (flowmem)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

secs=${BENCH_SECONDS:-6}
rounds=${BENCH_ROUNDS:-2}
make_mix
board=$(bench_board "$mix")
huge=$(grep -q ' /dev/hugepages hugetlbfs ' /proc/mounts && echo yes || echo no)
echo "mix: $mix_frames frames, average $mix_avg bytes; hugepages: $huge; ${secs} s x $rounds rounds"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
med() { printf '%s\n' "$@" | median; }

off=$(variant off -e 's/track = true/track = false/')
flows=$(variant flows -e 's/reassembly = true/reassembly = false/')
reasm=$(variant reasm -e 's/verify_delivered = true/verify_delivered = false/')
full=$root/config/bridgeward.conf

echo "== 1. forwarding against testpmd"
tp=() bw=()
for r in $(seq 1 "$rounds"); do
	tp+=("$(run_testpmd "$secs" "net_pcap0,rx_pcap=$mix,infinite_rx=1" "net_null0,no-rx=1")")
	bw+=("$(run_bridgeward "$secs" "$board" "$off")")
	echo "  round $r: testpmd ${tp[-1]} pps, bridgeward ${bw[-1]} pps"
done
tpm=$(med "${tp[@]}") bwm=$(med "${bw[@]}")

echo "== 2. tracking cost on the mix"
a=() b=() c=() d=()
for r in $(seq 1 "$rounds"); do
	a+=("$(run_bridgeward "$secs" "$board" "$off")")
	b+=("$(run_bridgeward "$secs" "$board" "$flows")")
	c+=("$(run_bridgeward "$secs" "$board" "$reasm")")
	d+=("$(run_bridgeward "$secs" "$board" "$full")")
	echo "  round $r: off ${a[-1]}, flows ${b[-1]}, +reassembly ${c[-1]}, +retention ${d[-1]} pps"
done
am=$(med "${a[@]}") bm=$(med "${b[@]}") cm=$(med "${c[@]}") dm=$(med "${d[@]}")

echo "== 3. new flows per second"
"$build/bwgen" synflood "$bench/syn.pcap" --frames 200000 2>/dev/null
"$build/bwgen" handshakes "$bench/hs.pcap" --frames 40000 2>/dev/null
syn_board=$(loop_board "$bench/syn.pcap" 262144 syn)
hs_board=$(loop_board "$bench/hs.pcap" 262144 hs)
syn_cfg=$(variant syn64k -e 's/entries = 131072/entries = 65536/')
hs_cfg=$(variant hs16k -e 's/entries = 131072/entries = 16384/')
syn_off=$(run_bridgeward "$secs" "$syn_board" "$off")
syn_on=$(run_bridgeward "$secs" "$syn_board" "$syn_cfg")
syn_hwm=$(summary_value high_water) syn_cap=$(summary_value capacity) syn_ev=$(summary_value evicted)
hs_off=$(run_bridgeward "$secs" "$hs_board" "$off")
hs_on=$(run_bridgeward "$secs" "$hs_board" "$hs_cfg")
hs_hwm=$(summary_value high_water) hs_cap=$(summary_value capacity)
echo "  SYN flood: $syn_on new flows/s (plain bridge on the same frames: $syn_off pps); table high water $syn_hwm of $syn_cap, $syn_ev evicted"
echo "  handshakes: $hs_on frames/s = $((hs_on / 6)) sessions/s (plain bridge: $hs_off pps); table high water $hs_hwm of $hs_cap"

echo "== 4. memory per flow"
mem=$("$build/bench/flowmem" --no-huge -m 1024 --no-pci --file-prefix bwbench-fm -l 0 \
	--log-level='*:error' 2>/dev/null)
echo "$mem" | sed 's/^/  /'

{
	echo "| test | reference (pps) | bridgeward (pps) | ratio |"
	echo "| --- | ---: | ---: | ---: |"
	printf '| forwarding, plain bridge vs testpmd io | %.0f | %.0f | %s |\n' "$tpm" "$bwm" "$(ratio "$bwm" "$tpm")"
	printf '| flow tracking vs plain bridge | %.0f | %.0f | %s |\n' "$am" "$bm" "$(ratio "$bm" "$am")"
	printf '| + TCP reassembly | %.0f | %.0f | %s |\n' "$am" "$cm" "$(ratio "$cm" "$am")"
	printf '| + retention of unacknowledged bytes (default) | %.0f | %.0f | %s |\n' "$am" "$dm" "$(ratio "$dm" "$am")"
	printf '| SYN flood: new flows/s | %.0f | %.0f | %s |\n' "$syn_off" "$syn_on" "$(ratio "$syn_on" "$syn_off")"
	printf '| handshake + teardown frames/s (6 per session) | %.0f | %.0f | %s |\n' "$hs_off" "$hs_on" "$(ratio "$hs_on" "$hs_off")"
} | tee "$bench/results.md"
