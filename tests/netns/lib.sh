# Shared by the netns tests: names unique to this run, cleanup of what the test started.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${BW_BUILD:-$root/build}
name="bwt$$"
tmp=$(mktemp -d /tmp/bwtest-netns-XXXXXX)
pids=()

cleanup() {
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	"$root/board/virt-netns.sh" down "$name" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	[ -f "$tmp/bw.out" ] && { echo "--- appliance output:" >&2; tail -30 "$tmp/bw.out" >&2; }
	# a test that captures defines on_fail to show what crossed
	if declare -F on_fail >/dev/null; then on_fail >&2; fi
	exit 1
}

for tool in ping curl iperf3 ethtool ip python3; do
	command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed" >&2; exit 1; }
done

in_ns() { ip netns exec "$name-in" "$@"; }
out_ns() { ip netns exec "$name-out" "$@"; }

# start_bridgeward CONFIG: run the appliance in the box namespace, wait until it forwards.
start_bridgeward() {
	ip netns exec "$name-box" "$build/bridgeward" --board "$root/board/virt-netns.conf" \
		--config "$1" --log "$tmp/events.json" -- --file-prefix "$name" \
		>"$tmp/bw.out" 2>&1 &
	bw_pid=$!
	pids+=("$bw_pid")
	for _ in $(seq 1 100); do
		grep -q "forwarding" "$tmp/bw.out" 2>/dev/null && return 0
		kill -0 "$bw_pid" 2>/dev/null || fail "bridgeward exited at start"
		sleep 0.1
	done
	fail "bridgeward did not start"
}

# capture_start NS FILE: record what the host in NS sends and receives (dumpcap on its eth0);
# returns once the capture runs (it can take seconds to start on a busy machine).
# capture_stop ends them all and completes their files.
captures=()
capture_start() {
	ip netns exec "$1" dumpcap -q -i eth0 -w "$2" >"$2.log" 2>&1 &
	local p=$!
	pids+=("$p")
	captures+=("$p")
	poll 300 grep -q "Capturing on" "$2.log" || { cat "$2.log" >&2; fail "dumpcap in $1 did not start"; }
}
capture_stop() {
	for p in "${captures[@]}"; do
		kill -INT "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	captures=()
}

stop_bridgeward() {
	kill -TERM "$bw_pid"
	wait "$bw_pid"
	local rc=$?
	[ $rc = 0 ] || fail "bridgeward exited with $rc after SIGTERM"
}

carrier() { ip netns exec "$1" cat /sys/class/net/eth0/carrier 2>/dev/null || echo 0; }
# carrier_is NS 0|1 (re-reads each time it is called, so it can be polled)
carrier_is() { [ "$(carrier "$1")" = "$2" ]; }

# listening NS PORT: a TCP socket in NS listens on PORT (poll it with wait_for)
listening() { ip netns exec "$1" ss -Hltn "sport = :$2" | grep -q .; }

# poll TENTHS CMD...: run CMD every 0.1 s until it succeeds, at most TENTHS times
poll() {
	local n=$1
	shift
	for _ in $(seq 1 "$n"); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# wait_for CMD...: poll up to 5 s
wait_for() { poll 50 "$@"; }
