#!/usr/bin/env bash
# Two builds of bridgeward on one board and configuration, run alternately (A B A B), each
# run's rate the median of its per-second samples after a 3-second warm-up; prints every
# round's B / A and the median of those ratios. For changes whose effect is smaller than
# the machine's drift between runs (BENCHMARKS.md).
#
#   tests/bench/ab.sh OLD_BINARY NEW_BINARY BOARD CONFIG [ROUNDS] [SECONDS]
#
# e.g. build the previous commit in a worktree (git worktree add /tmp/old HEAD~1 &&
# make -C /tmp/old), run make bench once (it writes build/bench/*.conf), then
#   tests/bench/ab.sh /tmp/old/build/bridgeward build/bridgeward \
#       build/bench/bench.conf build/bench/flows.conf 10
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -ge 4 ] || {
	sed -n '2,12p' "$0" >&2
	exit 2
}
old=$1 new=$2 board=$3 config=$4 rounds=${5:-6} secs=${6:-6}

one() { # BINARY
	"$1" --board "$board" --config "$config" --stats-interval 1 --duration $((secs + 3)) \
		-- --file-prefix bwbench-ab >"$bench/ab.log" 2>&1 || true
	grep '^stats:' "$bench/ab.log" | sed 's/.*rx_pps=\([0-9]*\).*/\1/' | tail -n +4 |
		head -n "$secs" | median
}

ratios=()
for r in $(seq 1 "$rounds"); do
	a=$(one "$old")
	b=$(one "$new")
	ratios+=("$(ratio "$b" "$a")")
	echo "round $r: A $a pps, B $b pps, B / A ${ratios[-1]}"
done
echo "median B / A over $rounds rounds: $(printf '%s\n' "${ratios[@]}" | median %.2f)"
