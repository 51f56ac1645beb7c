#!/usr/bin/env bash
# Two test hosts bridged by bridgeward on the virt-netns board: ping, a 10 MiB HTTP download
# with checksum compare, a 5-second iperf3 run; stopping the appliance stops traffic.
set -u
. "$(dirname "$0")/lib.sh"

"$root/board/virt-netns.sh" up "$name" || fail "namespace setup"
# Nothing crosses before the appliance runs.
in_ns ping -c 1 -W 1 198.18.0.2 >/dev/null 2>&1 && fail "hosts reach each other without the appliance"

start_bridgeward "$root/config/bridgeward.conf"

# Capture on both hosts while they talk: the box must never appear as a sender.
box_macs=$(ip netns exec "$name-box" cat /sys/class/net/bw-in/address /sys/class/net/bw-out/address)
capture_start "$name-in" "$tmp/in.pcap"
capture_start "$name-out" "$tmp/out.pcap"
sleep 0.5

in_ns ping -c 3 -i 0.2 -W 2 198.18.0.2 >"$tmp/ping" 2>&1 || { cat "$tmp/ping"; fail "ping across the bridge"; }
echo "ping: $(grep -o '[0-9]* received' "$tmp/ping")"
sleep 1
capture_stop
for c in in out; do
	n=$(tshark -r "$tmp/$c.pcap" 2>/dev/null | wc -l)
	[ "$n" -ge 6 ] || fail "capture on the $c host saw only $n frames"
	for mac in $box_macs; do
		if tshark -r "$tmp/$c.pcap" -Y "eth.src == $mac" 2>/dev/null | grep -q .; then
			fail "the appliance sent a frame from $mac to the $c host"
		fi
	done
done
echo "silence: the box's own addresses never appear on the wire"

# 10 MiB over HTTP, checksummed at both ends.
mkdir -p "$tmp/www"
head -c $((10 * 1024 * 1024)) /dev/urandom >"$tmp/www/blob"
out_ns python3 -m http.server 8080 --bind 198.18.0.2 --directory "$tmp/www" >/dev/null 2>&1 &
pids+=($!)
wait_for in_ns curl -s -o /dev/null http://198.18.0.2:8080/ || fail "HTTP server did not come up"
in_ns curl -s --max-time 60 -o "$tmp/got" http://198.18.0.2:8080/blob || fail "HTTP download"
want=$(sha256sum <"$tmp/www/blob" | cut -d' ' -f1)
got=$(sha256sum <"$tmp/got" | cut -d' ' -f1)
[ "$want" = "$got" ] || fail "downloaded file differs: $got != $want"
echo "http: 10 MiB, sha256 matches"

# iperf3 for 5 seconds.
out_ns iperf3 -s -B 198.18.0.2 -1 >/dev/null 2>&1 &
pids+=($!)
wait_for listening "$name-out" 5201 || fail "iperf3 server did not start"
in_ns iperf3 -c 198.18.0.2 -t 5 -J >"$tmp/iperf.json" 2>&1 || { tail -5 "$tmp/iperf.json"; fail "iperf3"; }
bps=$(/usr/bin/python3 -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"]))' "$tmp/iperf.json")
[ "$bps" -gt 1000000 ] || fail "iperf3 received only $bps bit/s"
echo "iperf3: $((bps / 1000000)) Mbit/s for 5 s"

stop_bridgeward
grep -q "stopping: signal" "$tmp/bw.out" || fail "no clean stop"
grep -q "^inside " "$tmp/bw.out" || fail "no counters summary"
grep -q '"event_type":"stats"' "$tmp/events.json" || fail "no stats record"

# With the appliance stopped, nothing crosses.
in_ns ping -c 2 -i 0.2 -W 1 198.18.0.2 >/dev/null 2>&1 && fail "traffic crosses a stopped appliance"
echo "stopped: traffic no longer crosses"
exit 0
