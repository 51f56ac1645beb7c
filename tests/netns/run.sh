#!/usr/bin/env bash
# Runs every tests/netns/test_*.sh; they need root (network namespaces) and the build.
set -u
here=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" != 0 ]; then
	echo "netns tests: SKIPPED (need root for network namespaces)" >&2
	exit 0
fi
fail=0
for t in "$here"/test_*.sh; do
	echo "=== $(basename "$t")"
	if bash "$t"; then
		echo "=== $(basename "$t"): PASS"
	else
		echo "=== $(basename "$t"): FAIL"
		fail=1
	fi
done
exit $fail
