#!/usr/bin/env bash
# Renders a medsynth report.html in headless Chromium and fails on load or
# console errors. Usage: scripts/render_report.sh report/report.html [out.png]
# Needs the Debian package `chromium` (installed by .ci/run). Under CI=true a
# missing chromium is an error, never a skip.
set -euo pipefail
report="${1:?usage: render_report.sh REPORT.html [OUT.png]}"
out="${2:-${report%.html}.png}"
if ! command -v chromium >/dev/null 2>&1; then
  echo "chromium not found (apt-get install -y chromium)" >&2
  exit 1
fi
profile="$(mktemp -d)"
log="$(mktemp)"
trap 'rm -rf "$profile" "$log"' EXIT
url="file://$(realpath "$report")"
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
       --disable-background-networking --disable-component-update --disable-sync
       --user-data-dir="$profile")
chromium "${flags[@]}" --enable-logging=stderr --v=0 --screenshot="$out" \
  --window-size=1280,2000 "$url" 2>"$log"
if grep -E "Uncaught|CONSOLE\(" "$log"; then
  echo "console errors while rendering $report" >&2
  exit 1
fi
chromium "${flags[@]}" --dump-dom "$url" 2>/dev/null | grep -q "Synthetic data evaluation\|Drift between two extracts" \
  || { echo "the rendered page lacks its title" >&2; exit 1; }
test -s "$out" || { echo "no screenshot written" >&2; exit 1; }
echo "rendered $report -> $out"
