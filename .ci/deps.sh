#!/usr/bin/env bash
# Install what Bridgeward needs on Debian 12 (as root) and reserve 2 MiB hugepages when the
# machine allows it. Safe to run again.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2046
apt-get install -y -q --no-install-recommends $(grep -v '^#' "$here/packages") >/dev/null
echo "deps: $(grep -vc '^#' "$here/packages") Debian packages installed"

# Hugepages nearly double DPDK's packet rate here; without them Bridgeward falls back to
# --no-huge by itself (board memory.hugepages = "auto").
pages=${BW_HUGEPAGES:-1024}
nr=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
if [ -w "$nr" ] && [ "$(cat "$nr")" -lt "$pages" ]; then
	echo "$pages" >"$nr" 2>/dev/null || true
fi
if ! grep -q ' /dev/hugepages hugetlbfs ' /proc/mounts; then
	mkdir -p /dev/hugepages
	mount -t hugetlbfs nodev /dev/hugepages 2>/dev/null || true
fi
if grep -q ' /dev/hugepages hugetlbfs ' /proc/mounts; then
	echo "deps: hugepages: $(cat "$nr" 2>/dev/null || echo 0) x 2 MiB reserved, mounted at /dev/hugepages"
else
	echo "deps: hugepages unavailable; DPDK will run with --no-huge"
fi
