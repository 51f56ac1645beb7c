#!/usr/bin/env bash
# make bench: forwarding rate of bridgeward against dpdk-testpmd io forwarding on the same
# devices (the real-traffic mix replayed from memory by net_pcap into net_null), one
# forwarding core each, alternated A B A B in one invocation; medians and the ratio.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

secs=${BENCH_SECONDS:-10}
rounds=${BENCH_ROUNDS:-2}
make_mix
board=$(bench_board "$mix")
huge=$(grep -q ' /dev/hugepages hugetlbfs ' /proc/mounts && echo yes || echo no)
echo "mix: $mix_frames frames, average $mix_avg bytes; hugepages: $huge; ${secs} s x $rounds rounds"

tp=() bw=()
for r in $(seq 1 "$rounds"); do
	a=$(run_testpmd "$secs" "net_pcap0,rx_pcap=$mix,infinite_rx=1" "net_null0,no-rx=1")
	b=$(run_bridgeward "$secs" "$board")
	echo "round $r: testpmd $a pps, bridgeward $b pps"
	tp+=("$a")
	bw+=("$b")
done
tpm=$(printf '%s\n' "${tp[@]}" | median)
bwm=$(printf '%s\n' "${bw[@]}" | median)
ratio=$(awk -v a="$bwm" -v b="$tpm" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
{
	echo "| test | testpmd io (pps) | bridgeward (pps) | ratio |"
	echo "| --- | ---: | ---: | ---: |"
	printf '| forwarding, 1 worker | %.0f | %.0f | %s |\n' "$tpm" "$bwm" "$ratio"
} | tee "$bench/results.md"
awk -v r="$ratio" 'BEGIN { exit !(r >= 0.90) }' || echo "bench: below the 90% target" >&2
