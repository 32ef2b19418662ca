#!/usr/bin/env bash
# Starts samepaged as a user would (--dev, data in a temporary folder, any free
# port) and calls it with a client that knows nothing of our protos: buf curl,
# through server reflection. Lists the four services and makes one
# authenticated call with a development token from the CLI.
set -euo pipefail
samepaged=$1 samepage=$2 buf=$3
if [ ! -x "$buf" ]; then
  echo "buf is missing: run 'npm ci --prefix tools/buf'" >&2
  exit 1
fi
data=$(mktemp -d)
log="$data/samepaged.log"
"$samepaged" --dev --data_dir "$data" --listen 127.0.0.1:0 >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$data"' EXIT

address=""
for _ in $(seq 1 300); do
  address=$(grep -oE 'on 127\.0\.0\.1:[0-9]+' "$log" | head -n1 | cut -d' ' -f2 || true)
  [ -n "$address" ] && break
  sleep 0.1
done
[ -n "$address" ] || { echo "samepaged did not start:"; cat "$log"; exit 1; }

services=$("$buf" curl --protocol grpc --http2-prior-knowledge --list-services "http://$address")
echo "$services"
for s in samepage.directory.v1.Directory samepage.registry.v1.CaseRegistry \
         samepage.caseplan.v1.CasePlans samepage.sharing.v1.Sharing grpc.health.v1.Health; do
  grep -qx "$s" <<<"$services" || { echo "missing service $s"; exit 1; }
done

token=$("$samepage" --data_dir "$data" dev-token --admin)
roles=$("$buf" curl --protocol grpc --http2-prior-knowledge \
  -H "authorization: Bearer $token" -d '{"page_size": 3}' \
  "http://$address/samepage.directory.v1.Directory/ListRoles")
echo "$roles"
grep -q '"roles/' <<<"$roles" || { echo "ListRoles returned no roles"; exit 1; }

# Without a token: UNAUTHENTICATED.
if "$buf" curl --protocol grpc --http2-prior-knowledge -d '{}' \
    "http://$address/samepage.directory.v1.Directory/ListRoles" 2>"$data/err"; then
  echo "a call without a token succeeded"; exit 1
fi
grep -q unauthenticated "$data/err" || { cat "$data/err"; exit 1; }
echo "reflection, an authenticated call and a refused one: ok"
