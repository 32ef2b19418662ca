#!/bin/sh
# Lints every .proto under proto/ with the buf version pinned in tools/buf.
# Usage: buf_lint.sh [REPO_ROOT]   (defaults to two levels above this script)
set -eu
repo="${1:-$(cd "$(dirname "$0")/../.." && pwd)}"
buf="$repo/tools/buf/node_modules/.bin/buf"
if [ ! -x "$buf" ]; then
  echo "buf_lint: buf not found at $buf" >&2
  echo "buf_lint: install it with: npm ci --prefix $repo/tools/buf" >&2
  exit 1
fi
cd "$repo/proto"
echo "buf_lint: $("$buf" --version) lint in $repo/proto"
"$buf" lint
echo "buf_lint: no findings"
