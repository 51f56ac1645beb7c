#!/usr/bin/env bash
# Is flow tracking's cost on the mix its instructions or its memory accesses? The mix as it
# is (about 3,800 flows) and folded into 32 flows (tests/bench/fold_flows.py: the same frames
# in the same order, so the same work per frame, on a table that stays in the cache), each
# replayed by the decoding bridge and by flow tracking (identification and reassembly off),
# A B A B; IPv4 header checksums are not checked in either (the folding leaves them stale).
# Prints each round's tracking / decoding ratio and their median per capture.
# BENCH_SECONDS, BENCH_ROUNDS as for make bench. Not part of make bench (BENCHMARKS.md).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

secs=${BENCH_SECONDS:-6}
rounds=${BENCH_ROUNDS:-4}
make_mix
folded=$bench/mix-32flows.pcap
[ -s "$folded" ] || /usr/bin/python3 "$root/tests/bench/fold_flows.py" "$mix" "$folded" 32
ign='s/ip4_checksum = "verify"/ip4_checksum = "ignore"/'
dec=$(variant fold-decoding -e 's/track = true/track = false/' -e "$ign")
trk=$(variant fold-tracking -e 's/reassembly = true/reassembly = false/' \
	-e 's/identify = true/identify = false/' -e "$ign")
for cap in "$mix" "$folded"; do
	board=$(loop_board "$cap" 131072 "fold-board")
	rs=()
	for r in $(seq 1 "$rounds"); do
		a=$(run_bridgeward "$secs" "$board" "$dec")
		b=$(run_bridgeward "$secs" "$board" "$trk")
		rs+=("$(ratio "$b" "$a")")
		echo "  $(basename "$cap") round $r: decoding $a pps, tracking $b pps, ${rs[-1]}"
	done
	echo "$(basename "$cap"): tracking / decoding ${rs[*]} (median $(printf '%s\n' "${rs[@]}" | median %.2f))"
done
