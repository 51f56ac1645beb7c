#!/usr/bin/env bash
# Link state: with link_propagation = true, losing link on one side forces the other side
# down and brings it back with it; with the default (false), the other side stays up.
set -u
. "$(dirname "$0")/lib.sh"

"$root/board/virt-netns.sh" up "$name" || fail "namespace setup"

# Default: no propagation.
start_bridgeward "$root/config/bridgeward.conf"
in_ns ip link set eth0 down
# the log is flushed a few times a second
wait_for grep -q '"port":"inside","segment":"seg0","state":"down"' "$tmp/events.json" ||
	fail "link down not logged"
sleep 0.5
[ "$(carrier "$name-out")" = 1 ] || fail "outside lost carrier without link_propagation"
in_ns ip link set eth0 up
stop_bridgeward
echo "without propagation: outside stays up"

# Propagation on.
sed -e 's/link_propagation = false/link_propagation = true/' -e "s#\"apps.conf\"#\"$root/config/apps.conf\"#" "$root/config/bridgeward.conf" >"$tmp/prop.conf"
grep -q 'link_propagation = true' "$tmp/prop.conf" || fail "could not make the test config"
start_bridgeward "$tmp/prop.conf"
wait_for in_ns ping -c 1 -W 1 198.18.0.2 >/dev/null || fail "no traffic before the link test"
in_ns ip link set eth0 down
wait_for carrier_is "$name-out" 0 || fail "outside kept carrier after inside lost link"
wait_for grep -q '"port":"outside","segment":"seg0","state":"forced-down","cause":"propagated from inside"' \
	"$tmp/events.json" || fail "forced-down not logged"
echo "propagation: inside down -> outside forced down"
in_ns ip link set eth0 up
wait_for carrier_is "$name-out" 1 || fail "outside did not come back with inside"
wait_for in_ns ping -c 1 -W 1 198.18.0.2 >/dev/null || fail "no traffic after the link came back"
echo "propagation: inside up -> outside released, traffic flows"
# The other direction.
out_ns ip link set eth0 down
wait_for carrier_is "$name-in" 0 || fail "inside kept carrier after outside lost link"
out_ns ip link set eth0 up
wait_for carrier_is "$name-in" 1 || fail "inside did not come back"
stop_bridgeward
echo "propagation: both directions"
exit 0
