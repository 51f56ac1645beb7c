#!/usr/bin/env bash
# Keep the README's configuration reference equal to what the schema tables say.
#   tests/readme-reference.sh BIN check   fail when README.md is stale
#   tests/readme-reference.sh BIN update  rewrite the section
set -euo pipefail
bin=$1 mode=$2
root=$(cd "$(dirname "$0")/.." && pwd)
readme=$root/README.md
new=$(mktemp)
trap 'rm -f "$new"' EXIT
ref=$(mktemp)
"$bin" --reference >"$ref"
awk -v ref="$ref" '
	/<!-- reference:begin -->/ { print; while ((getline l < ref) > 0) print l; skip = 1; next }
	/<!-- reference:end -->/ { skip = 0 }
	!skip { print }
' "$readme" >"$new"
rm -f "$ref"
if [ "$mode" = update ]; then
	cp "$new" "$readme"
elif ! cmp -s "$new" "$readme"; then
	diff -u "$readme" "$new" | head -20 >&2
	echo "README.md: the configuration reference is stale; run 'make readme'" >&2
	exit 1
else
	echo "readme: reference up to date"
fi
