# Benchmark helpers: the corpus mix, and rate extraction from testpmd and bridgeward.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${BW_BUILD:-$root/build}
corpus=${CORPUS:-$root/../shared/corpus/ndpi}
bench=$build/bench
mkdir -p "$bench"

# The real-traffic mix (../shared/corpus/ndpi/README.md): every capture merged, frames of at
# most 1518 bytes kept. Built once, kept in build/bench (never committed).
make_mix() {
	mix=$bench/mix1518.pcap
	if [ ! -s "$mix" ]; then
		mergecap -a -F pcap -w "$bench/mix.pcap" "$corpus"/pcap/*.pcap
		tshark -r "$bench/mix.pcap" -Y 'frame.len <= 1518 && frame.cap_len == frame.len' \
			-F pcap -w "$mix" 2>/dev/null
		rm -f "$bench/mix.pcap"
	fi
	mix_frames=$(capinfos -c -M "$mix" | awk '/Number of packets/ {print $NF}')
	mix_avg=$(capinfos -z -M "$mix" | awk '/Average packet size/ {print $4}')
}

# A / B to two decimals (0 when B is 0).
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

# The median of the numbers on stdin; FORMAT (printf, default whole numbers) for the mean of
# the middle two.
median() { # [FORMAT]
	sort -g | awk -v f="${1:-%.0f}" '{a[NR]=$1} END {if (NR==0) print 0; else if (NR%2) print a[(NR+1)/2]; else printf f "\n", (a[NR/2]+a[NR/2+1])/2}'
}

# testpmd io forwarding, one forwarding core, bursts of 64 frames like bridgeward's default
# bridge.burst; prints the median Rx-pps of port 0 once the replay is in memory (samples
# after the first WARM seconds).
run_testpmd() { # SECONDS DEVARGS_RX DEVARGS_TX
	local r
	# a run that reported no rate (testpmd still loading the capture) is run again
	for _ in 1 2 3; do
		r=$(run_testpmd_once "$@")
		[ "${r:-0}" != 0 ] && break
	done
	echo "${r:-0}"
}

run_testpmd_once() { # SECONDS DEVARGS_RX DEVARGS_TX
	local secs=$1 rx=$2 tx=$3 log=$bench/testpmd.log
	timeout -s INT $((secs + 4)) dpdk-testpmd -l 0,1 --main-lcore 0 --no-pci --vdev "$rx" \
		--vdev "$tx" --file-prefix bwbench-tp --log-level=*:warning -- --forward-mode=io \
		--nb-cores=1 --stats-period=1 --burst=64 --total-num-mbufs=131072 >"$log" 2>&1 || true
	grep -A8 'statistics for port 0' "$log" | awk '/Rx-pps:/ {print $2}' | tail -n +4 | head -n "$secs" | median
}

# bridgeward on an equivalent board; same sampling.
run_bridgeward() { # SECONDS BOARD [CONFIG]
	local secs=$1 board=$2 config=${3:-$root/config/bridgeward.conf} log=$bench/bridgeward.log
	"$build/bridgeward" --board "$board" --config "$config" --stats-interval 1 \
		--duration $((secs + 3)) -- --file-prefix bwbench-bw >"$log" 2>&1 || true
	grep '^stats:' "$log" | sed 's/.*rx_pps=\([0-9]*\).*/\1/' | tail -n +4 | head -n "$secs" | median
}

bench_board() { # MIX
	cat >"$bench/bench.conf" <<EOB
# Benchmark board: the mix replayed from memory into a sink, one worker (tests/bench).
name = "bench-null";
ports = (
  { name = "inside";  dev = "net_pcap0,rx_pcap=$1,infinite_rx=1"; },
  { name = "outside"; dev = "net_null0,no-rx=1"; }
);
segments = ( { name = "seg0"; ports = [ "inside", "outside" ]; } );
cores = { control = 0; workers = [ 1 ]; };
dispatch = "segment";
mtu = 1500;
memory = { hugepages = "auto"; mbufs = 131072; };  # infinite_rx holds the whole mix
EOB
	echo "$bench/bench.conf"
}

# A board replaying CAPTURE from memory into a sink with MBUFS buffers (tests/bench).
loop_board() { # CAPTURE MBUFS NAME
	cat >"$bench/$3.conf" <<EOB
name = "$3";
ports = (
  { name = "inside";  dev = "net_pcap0,rx_pcap=$1,infinite_rx=1"; },
  { name = "outside"; dev = "net_null0,no-rx=1"; }
);
segments = ( { name = "seg0"; ports = [ "inside", "outside" ]; } );
cores = { control = 0; workers = [ 1 ]; };
dispatch = "segment";
mtu = 1500;
memory = { hugepages = "auto"; mbufs = $2; };
EOB
	echo "$bench/$3.conf"
}

# A configuration variant: config/bridgeward.conf with sed expressions applied (the
# catalogue by absolute path, compiled databases cached under build/bench).
variant() { # NAME SED...
	local name=$1
	shift
	sed -e "s#\"apps.conf\"#\"$root/config/apps.conf\"#" \
		-e "s#cache_dir = \"/var/cache/bridgeward\"#cache_dir = \"$bench/hscache\"#" \
		"$@" "$root/config/bridgeward.conf" >"$bench/$name.conf"
	echo "$bench/$name.conf"
}

# ndpiReader (Debian's libndpi-bin) over a capture: its own "nDPI throughput" in pps.
run_ndpireader() { # CAPTURE
	ndpiReader -i "$1" 2>/dev/null | awk '/nDPI throughput:/ {
		v = $3; u = $4; if (u == "K") v *= 1000; else if (u == "M") v *= 1000000; printf "%.0f\n", v }'
}

# The last counter summary line value "key=N" from the last bridgeward run.
summary_value() { # KEY
	grep -o " $1=[0-9]*" "$bench/bridgeward.log" | tail -1 | cut -d= -f2
}
