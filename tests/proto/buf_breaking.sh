#!/bin/sh
# Protects the public contract: proto/ must stay wire- and source-compatible
# (buf's FILE rules, proto/buf.yaml) with the last released contract, the
# image committed as proto/released/v1.binpb (a committed image rather than a
# git tag, so the check works on a fresh clone without tags). Then shows that
# the check bites: a copy of proto/ with one field renumbered must fail.
#
# At a release, refresh the image from the released tree:
#   (cd proto && ../tools/buf/node_modules/.bin/buf build --exclude-source-info \
#       -o released/v1.binpb)
# Usage: buf_breaking.sh [REPO_ROOT]   (defaults to two levels above this script)
set -eu
repo="${1:-$(cd "$(dirname "$0")/../.." && pwd)}"
buf="$repo/tools/buf/node_modules/.bin/buf"
image="$repo/proto/released/v1.binpb"
if [ ! -x "$buf" ]; then
  echo "buf_breaking: buf not found at $buf" >&2
  echo "buf_breaking: install it with: npm ci --prefix $repo/tools/buf" >&2
  exit 1
fi
[ -f "$image" ] || { echo "buf_breaking: no released image at $image" >&2; exit 1; }

echo "buf_breaking: $("$buf" --version) breaking in $repo/proto against $image"
(cd "$repo/proto" && "$buf" breaking --against "$image")
echo "buf_breaking: compatible with the released contract"

# The check catches an incompatible change: display_name renumbered
# (Organization, Role, Person).
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -R "$repo/proto" "$work/proto"
rm -rf "$work/proto/released"
file="$work/proto/samepage/directory/v1/resources.proto"
grep -q '^  string display_name = 2;' "$file" || {
  echo "buf_breaking: the field this check renumbers moved; update the test" >&2; exit 1; }
sed -i 's/^  string display_name = 2;/  string display_name = 99;/' "$file"
if (cd "$work/proto" && "$buf" breaking --against "$image") >"$work/out" 2>&1; then
  echo "buf_breaking: a renumbered field was not reported as breaking" >&2
  exit 1
fi
cat "$work/out"
grep -q 'display_name' "$work/out" || { echo "buf_breaking: unexpected report" >&2; exit 1; }
echo "buf_breaking: a renumbered field is reported as breaking"
