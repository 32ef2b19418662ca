#!/usr/bin/env bash
# Installs what SamePage needs to build and test on Debian 12 (bookworm), as
# root. Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake pkg-config
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  librocksdb-dev libabsl-dev libgtest-dev libgmock-dev
  libssl-dev libjwt-dev nlohmann-json3-dev
  libcpp-httplib-dev python3-grpcio python3-protobuf libgoogle-perftools-dev
  tzdata
  clang libclang-rt-14-dev
  python3 python3-yaml openssl
)
if ! command -v npm >/dev/null 2>&1; then packages+=(nodejs npm); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: run as root to install: ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends "${missing[@]}"
fi

# buf, for the contract's lint and breaking-change checks (npm registry).
if [ ! -x tools/buf/node_modules/.bin/buf ] && [ -f tools/buf/package-lock.json ]; then
  npm ci --prefix tools/buf --no-audit --no-fund
fi
# The Node.js integrator example's gRPC packages (npm registry).
if [ ! -d examples/node/node_modules/@grpc/grpc-js ] && [ -f examples/node/package-lock.json ]; then
  npm ci --prefix examples/node --no-audit --no-fund
fi
