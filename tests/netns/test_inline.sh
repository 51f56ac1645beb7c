#!/usr/bin/env bash
# Inline enforcement on the virt-netns board: bwgen's "apps" capture (flows of every
# application of the catalogue) replayed across the box by the project's two-sided
# replayer, client frames from the inside host and server frames from the outside host,
# with captures on both hosts. With skype_teams, zoom, whatsapp, anydesk, tor, bittorrent
# and http_tunnel blocked (reset or drop): no frame of a blocked flow crosses after its
# decision, every frame of the allowed flows arrives byte-identical, and the only frames
# the box adds are RSTs of reset flows (tests/netns/replay2.py says exactly what is checked).
set -u
. "$(dirname "$0")/lib.sh"

"$root/board/virt-netns.sh" up "$name" || fail "namespace setup"
# Only the replayed frames may cross: no IPv6 neighbour discovery from the test hosts.
for ns in "$name-in" "$name-out"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1
done

"$build/bwgen" apps "$tmp/in.pcap" >/dev/null || fail "bwgen apps"
conf=$tmp/inline.conf
sed -e "s|catalogue = \[ \"apps.conf\" \]|catalogue = [ \"$root/config/apps.conf\" ]|" \
	-e "s|cache_dir = \"[^\"]*\"|cache_dir = \"$tmp/cache\"|" \
	-e 's|  rules = (|  rules = (\
    { name = "no-teams"; app = [ "skype_teams", "whatsapp", "anydesk", "http_tunnel" ]; action = "reset"; },\
    { name = "no-media"; app = [ "zoom", "tor", "bittorrent" ]; action = "drop"; }|' \
	"$root/config/bridgeward.conf" >"$conf"
grep -q no-media "$conf" || fail "policy not written"

start_bridgeward "$conf"
/usr/bin/python3 "$root/tests/netns/replay2.py" run "$tmp/in.pcap" --ns-in "$name-in" \
	--ns-out "$name-out" --cap-in "$tmp/at-in.pcap" --cap-out "$tmp/at-out.pcap" ||
	fail "two-sided replay"
stop_bridgeward
/usr/bin/python3 "$root/tests/netns/replay2.py" check "$tmp/in.pcap" --cap-in "$tmp/at-in.pcap" \
	--cap-out "$tmp/at-out.pcap" --log "$tmp/events.json" \
	--expect skype_teams,zoom,whatsapp,anydesk,tor,bittorrent,http_tunnel ||
	fail "what crossed the box does not match the verdicts"
