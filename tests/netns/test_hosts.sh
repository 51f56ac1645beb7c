#!/usr/bin/env bash
# The shared inside-host table forgets idle hosts while the appliance runs: an inside host
# opens a flow that a p2p_fanout rule tracks, then stays quiet for longer than
# policy.host_idle; the exit counters show it tracked, then pruned (after the RCU grace
# period), and the table empty.
set -u
. "$(dirname "$0")/lib.sh"

"$root/board/virt-netns.sh" up "$name" || fail "namespace setup"
conf=$tmp/hosts.conf
sed -e "s|catalogue = \[ \"apps.conf\" \]|catalogue = [ \"$root/config/apps.conf\" ]|" \
	-e "s|cache_dir = \"[^\"]*\"|cache_dir = \"$tmp/cache\"|" \
	-e 's|  rules = (|  host_idle = "10s";\
  rules = (\
    { name = "p2p"; behaviour = [ "p2p_fanout" ]; action = "log"; }|' \
	"$root/config/bridgeward.conf" >"$conf"
grep -q 'host_idle = "10s"' "$conf" || fail "config not written"

start_bridgeward "$conf"
# one UDP datagram from the inside host to a high port: its host entry is created
in_ns /usr/bin/python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.sendto(b"hello", ("198.18.0.2", 40000))'
sleep 13
stop_bridgeward
stats=$(grep '"event_type":"stats"' "$tmp/events.json" | tail -1)
policy=$(echo "$stats" | grep -o '"policy":{[^}]*}')
echo "exit counters: $policy"
echo "$policy" | grep -q '"hosts_pruned":1[,}]' || fail "the idle host was not pruned"
echo "$policy" | grep -q '"hosts":0[,}]' || fail "the table still holds a host"
echo "hosts: the idle inside host left the table after policy.host_idle"
