#!/usr/bin/env bash
# The shared inside-host table forgets idle hosts while the appliance runs: an inside host
# opens a flow that a p2p_fanout rule tracks, then stays quiet for longer than
# policy.host_idle; the stats records (one a second) show it tracked, then pruned (after the
# RCU grace period), and the table empty.
set -u
. "$(dirname "$0")/lib.sh"

"$root/board/virt-netns.sh" up "$name" || fail "namespace setup"
conf=$tmp/hosts.conf
sed -e "s|catalogue = \[ \"apps.conf\" \]|catalogue = [ \"$root/config/apps.conf\" ]|" \
	-e "s|cache_dir = \"[^\"]*\"|cache_dir = \"$tmp/cache\"|" \
	-e 's|^  stats_interval = 0; |  stats_interval = 1; |' \
	-e 's|  rules = (|  host_idle = "10s";\
  rules = (\
    { name = "p2p"; behaviour = [ "p2p_fanout" ]; action = "log"; }|' \
	"$root/config/bridgeward.conf" >"$conf"
grep -q 'host_idle = "10s"' "$conf" || fail "config not written"
grep -q '^  stats_interval = 1; ' "$conf" || fail "stats interval not written"

start_bridgeward "$conf"
# one UDP datagram from the inside host to a high port: its host entry is created
in_ns /usr/bin/python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.sendto(b"hello", ("198.18.0.2", 40000))'
# policy counters of the latest stats record
policy() { grep '"event_type":"stats"' "$tmp/events.json" | tail -1 | grep -o '"policy":{[^}]*}'; }
tracked() { policy | grep -q '"hosts":1[,}]'; }
pruned() { policy | grep -q '"hosts_pruned":1[,}]'; }
wait_for tracked || fail "the inside host was never tracked: $(policy)"
t0=$(date +%s)
# idle 10 s, then a prune pass (once a second) and the grace period: up to 25 s on a slow
# machine
poll 250 pruned
waited=$(($(date +%s) - t0))
stop_bridgeward
p=$(policy)
echo "exit counters: $p"
echo "$p" | grep -q '"hosts_pruned":1[,}]' || fail "the idle host was not pruned"
echo "$p" | grep -q '"hosts":0[,}]' || fail "the table still holds a host"
[ "$waited" -ge 8 ] || fail "the host was pruned after ${waited} s, before policy.host_idle"
echo "hosts: pruned ${waited} s after it was first seen tracked"
echo "hosts: the idle inside host left the table after policy.host_idle"
