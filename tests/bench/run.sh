#!/usr/bin/env bash
# make bench: Bridgeward's benchmarks, every figure a ratio against a reference measured in
# the same invocation (alternating A B A B), medians of per-second samples.
#
#   1. forwarding: bridgeward as a plain bridge (flow.track = false, decode.enabled = false)
#      against dpdk-testpmd io forwarding on the same devices: the corpus mix replayed from
#      memory into a sink
#   2. tracking cost on the same mix (identification off): plain bridge / decoding bridge
#      (flow.track = false: every frame decoded and checked) / flows only / + TCP reassembly
#      / + retention
#   3. new flows per second on one worker: a SYN flood, complete handshakes, and a hash flood
#      (UDP tuples crafted to share one CRC32C, bwgen collide), each frame a flow the table
#      has not seen (the table is smaller than the capture's flows)
#   4. memory per flow (flowmem)
#   5. full inspection (the shipped configuration: identification on) on the mix, one worker,
#      against testpmd io forwarding on the same devices and against ndpiReader on the same
#      capture
#   6. the attribution cache: per-worker copies fed by rings against one shared lock-free
#      table (attribbench)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

secs=${BENCH_SECONDS:-6}
rounds=${BENCH_ROUNDS:-2}
make_mix
board=$(bench_board "$mix")
huge=$(grep -q ' /dev/hugepages hugetlbfs ' /proc/mounts && echo yes || echo no)
echo "mix: $mix_frames frames, average $mix_avg bytes; hugepages: $huge; ${secs} s x $rounds rounds"
med() { printf '%s\n' "$@" | median; }
# Round by round (each pair measured a few seconds apart, so a shift of the machine's speed
# between rounds cancels out): "r1 r2 ... (median m)" of B/A for arrays named A and B.
paired() { # NAME_A NAME_B
	local -n pa=$1 pb=$2
	local rs=() i
	for i in "${!pa[@]}"; do rs+=("$(ratio "${pb[$i]}" "${pa[$i]}")"); done
	echo "${rs[*]} (median $(printf '%s\n' "${rs[@]}" | median %.2f))"
}

noid='s/identify = true/identify = false/'
plain=$(variant plain -e 's/track = true/track = false/' \
	-e 's/^  invalid = "forward";/  enabled = false;\n  invalid = "forward";/')
off=$(variant off -e 's/track = true/track = false/')
flows=$(variant flows -e 's/reassembly = true/reassembly = false/' -e "$noid")
reasm=$(variant reasm -e 's/verify_delivered = true/verify_delivered = false/' -e "$noid")
retain=$(variant retain -e "$noid")
full=$(variant full)

echo "== 1. forwarding against testpmd"
tp=() bw=()
for r in $(seq 1 "$rounds"); do
	tp+=("$(run_testpmd "$secs" "net_pcap0,rx_pcap=$mix,infinite_rx=1" "net_null0,no-rx=1")")
	bw+=("$(run_bridgeward "$secs" "$board" "$plain")")
	echo "  round $r: testpmd ${tp[-1]} pps, bridgeward ${bw[-1]} pps"
done
tpm=$(med "${tp[@]}") bwm=$(med "${bw[@]}")

echo "== 2. tracking cost on the mix"
p=() a=() b=() c=() d=()
for r in $(seq 1 "$rounds"); do
	p+=("$(run_bridgeward "$secs" "$board" "$plain")")
	a+=("$(run_bridgeward "$secs" "$board" "$off")")
	b+=("$(run_bridgeward "$secs" "$board" "$flows")")
	c+=("$(run_bridgeward "$secs" "$board" "$reasm")")
	d+=("$(run_bridgeward "$secs" "$board" "$retain")")
	echo "  round $r: plain ${p[-1]}, decoding ${a[-1]}, flows ${b[-1]}, +reassembly ${c[-1]}, +retention ${d[-1]} pps"
done
pm=$(med "${p[@]}") am=$(med "${a[@]}") bm=$(med "${b[@]}") cm=$(med "${c[@]}") dm=$(med "${d[@]}")

echo "== 3. new flows per second"
"$build/bwgen" synflood "$bench/syn.pcap" --frames 200000 2>/dev/null
"$build/bwgen" handshakes "$bench/hs.pcap" --frames 40000 2>/dev/null
"$build/bwgen" collide "$bench/collide.pcap" --frames 65536 2>/dev/null
syn_board=$(loop_board "$bench/syn.pcap" 262144 syn)
hs_board=$(loop_board "$bench/hs.pcap" 262144 hs)
col_board=$(loop_board "$bench/collide.pcap" 262144 collide)
syn_cfg=$(variant syn64k -e 's/entries = 131072/entries = 65536/' -e "$noid")
syn_id=$(variant syn64kid -e 's/entries = 131072/entries = 65536/')
hs_cfg=$(variant hs16k -e 's/entries = 131072/entries = 16384/' -e "$noid")
syn_off=$(run_bridgeward "$secs" "$syn_board" "$plain")
syn_on=$(run_bridgeward "$secs" "$syn_board" "$syn_cfg")
syn_hwm=$(summary_value high_water) syn_cap=$(summary_value capacity) syn_ev=$(summary_value evicted)
syn_idr=$(run_bridgeward "$secs" "$syn_board" "$syn_id")
hs_off=$(run_bridgeward "$secs" "$hs_board" "$plain")
hs_on=$(run_bridgeward "$secs" "$hs_board" "$hs_cfg")
hs_hwm=$(summary_value high_water) hs_cap=$(summary_value capacity)
col_off=$(run_bridgeward "$secs" "$col_board" "$plain")
col_on=$(run_bridgeward "$secs" "$col_board" "$hs_cfg")
echo "  SYN flood: $syn_on new flows/s (plain bridge on the same frames: $syn_off pps); table high water $syn_hwm of $syn_cap, $syn_ev evicted; with identification on: $syn_idr new flows/s"
echo "  handshakes: $hs_on frames/s = $((hs_on / 6)) sessions/s (plain bridge: $hs_off pps); table high water $hs_hwm of $hs_cap"
echo "  hash flood (65,536 UDP tuples sharing one CRC32C, 16,384 entries): $col_on new flows/s (plain bridge: $col_off pps)"

echo "== 4. memory per flow"
mem=$("$build/bench/flowmem" --no-huge -m 1024 --no-pci --file-prefix bwbench-fm -l 0 \
	--log-level='*:error' 2>/dev/null)
echo "$mem" | sed 's/^/  /'

echo "== 5. full inspection against testpmd and ndpiReader"
tp5=() bw5=() nd5=()
for r in $(seq 1 "$rounds"); do
	tp5+=("$(run_testpmd "$secs" "net_pcap0,rx_pcap=$mix,infinite_rx=1" "net_null0,no-rx=1")")
	bw5+=("$(run_bridgeward "$secs" "$board" "$full")")
	nd5+=("$(run_ndpireader "$mix")")
	echo "  round $r: testpmd ${tp5[-1]} pps, bridgeward ${bw5[-1]} pps, ndpiReader ${nd5[-1]} pps"
done
grep -A9 '^identify' "$bench/bridgeward.log" | sed 's/^/  /'
tp5m=$(med "${tp5[@]}") bw5m=$(med "${bw5[@]}") nd5m=$(med "${nd5[@]}")

echo "== 6. attribution cache design"
"$build/bench/attribbench" --no-huge -m 512 --no-pci --file-prefix bwbench-ab -l 0,1 \
	--log-level='*:error' 2>/dev/null | sed 's/^/  /'

{
	echo "| test | reference (pps) | bridgeward (pps) | ratio |"
	echo "| --- | ---: | ---: | ---: |"
	printf '| forwarding, plain bridge vs testpmd io | %.0f | %.0f | %s |\n' "$tpm" "$bwm" "$(ratio "$bwm" "$tpm")"
	printf '| decoding bridge (flow.track = false) vs plain bridge | %.0f | %.0f | %s |\n' "$pm" "$am" "$(ratio "$am" "$pm")"
	printf '| flow tracking vs plain bridge | %.0f | %.0f | %s |\n' "$pm" "$bm" "$(ratio "$bm" "$pm")"
	printf '| + TCP reassembly | %.0f | %.0f | %s |\n' "$pm" "$cm" "$(ratio "$cm" "$pm")"
	printf '| + retention of unacknowledged bytes (default) | %.0f | %.0f | %s |\n' "$pm" "$dm" "$(ratio "$dm" "$pm")"
	printf '| flow tracking vs decoding bridge | %.0f | %.0f | %s |\n' "$am" "$bm" "$(ratio "$bm" "$am")"
	printf '| + TCP reassembly | %.0f | %.0f | %s |\n' "$am" "$cm" "$(ratio "$cm" "$am")"
	printf '| + retention of unacknowledged bytes (default) | %.0f | %.0f | %s |\n' "$am" "$dm" "$(ratio "$dm" "$am")"
	printf '| SYN flood: new flows/s | %.0f | %.0f | %s |\n' "$syn_off" "$syn_on" "$(ratio "$syn_on" "$syn_off")"
	printf '| SYN flood: new flows/s, identification on | %.0f | %.0f | %s |\n' "$syn_off" "$syn_idr" "$(ratio "$syn_idr" "$syn_off")"
	printf '| handshake + teardown frames/s (6 per session) | %.0f | %.0f | %s |\n' "$hs_off" "$hs_on" "$(ratio "$hs_on" "$hs_off")"
	printf '| hash flood: new flows/s (tuples sharing one CRC32C) | %.0f | %.0f | %s |\n' "$col_off" "$col_on" "$(ratio "$col_on" "$col_off")"
	printf '| full inspection vs testpmd io | %.0f | %.0f | %s |\n' "$tp5m" "$bw5m" "$(ratio "$bw5m" "$tp5m")"
	printf '| full inspection vs ndpiReader (same capture) | %.0f | %.0f | %s |\n' "$nd5m" "$bw5m" "$(ratio "$bw5m" "$nd5m")"
	echo
	echo "Round by round: forwarding $(paired tp bw); decoding $(paired p a);" \
		"tracking vs plain $(paired p b), vs decoding $(paired a b);" \
		"+ reassembly $(paired p c), $(paired a c); + retention $(paired p d), $(paired a d);" \
		"full inspection vs testpmd $(paired tp5 bw5)."
} | tee "$bench/results.md"
