#!/usr/bin/env bash
# Test-host wiring for the virt-netns board.
#
#   board/virt-netns.sh up   [NAME]   create namespaces NAME-box, NAME-in, NAME-out
#   board/virt-netns.sh down [NAME]   remove them (and everything in them)
#
# NAME-box holds the appliance's two ports, veths bw-in and bw-out (the names
# board/virt-netns.conf uses). Their peers are eth0 in the test hosts:
#   NAME-in  (inside host)  198.18.0.1/24
#   NAME-out (outside host) 198.18.0.2/24
# Both hosts are on one subnet: the appliance is a bridge, invisible between them.
# Run the appliance inside NAME-box:
#   ip netns exec NAME-box build/bridgeward --board board/virt-netns.conf --config config/bridgeward.conf
set -euo pipefail

cmd=${1:-}
name=${2:-bw}

case "$cmd" in
up)
	ip netns add "$name-box"
	ip netns add "$name-in"
	ip netns add "$name-out"
	for side in in out; do
		ip link add "bw-$side" netns "$name-box" type veth peer name eth0 netns "$name-$side"
		# The host's kernel would leave checksums to an offload that never happens,
		# and GRO/TSO would hand the appliance frames larger than the wire's.
		ip netns exec "$name-$side" ethtool -K eth0 tx off tso off gso off gro off >/dev/null
		ip netns exec "$name-box" ethtool -K "bw-$side" tx off tso off gso off gro off >/dev/null
		# The appliance's kernel must not speak on a bridged port (no IPv6 link-local,
		# no neighbour discovery): only what bridgeward forwards leaves these veths.
		ip netns exec "$name-box" sysctl -qw "net.ipv6.conf.bw-$side.disable_ipv6=1"
		ip netns exec "$name-box" ip link set "bw-$side" mtu 9000 up
		ip netns exec "$name-$side" ip link set lo up
		ip netns exec "$name-$side" ip link set eth0 up
	done
	ip netns exec "$name-in" ip addr add 198.18.0.1/24 dev eth0
	ip netns exec "$name-out" ip addr add 198.18.0.2/24 dev eth0
	# No IPv6 duplicate-address detection delays in tests.
	for ns in "$name-in" "$name-out"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.eth0.accept_dad=0 || true
	done
	;;
down)
	for ns in "$name-box" "$name-in" "$name-out"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null || true
		ip netns del "$ns" 2>/dev/null || true
	done
	;;
*)
	echo "usage: $0 up|down [NAME]" >&2
	exit 2
	;;
esac
