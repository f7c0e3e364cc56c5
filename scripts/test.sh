#!/usr/bin/env bash
# The README's test command: sets up what the tests need on a fresh machine,
# then runs every test of the workspace in a release build (the integration
# tests train real models on real data, which is only fast when optimised).
set -euo pipefail
cd "$(dirname "$0")/.."

# The HTML report is checked in headless Chromium (Debian package `chromium`).
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing chromium for the report rendering test..."
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "chromium is missing and cannot be installed here (needs root and apt-get)." >&2
    echo "install the Debian package 'chromium' and run again." >&2
    exit 1
  fi
fi

cargo test --workspace --release --locked "$@"
