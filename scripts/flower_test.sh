#!/usr/bin/env bash
# Integration test of the Flower deployment on loopback (run by .ci/run):
# creates a venv with flwr outside the repository (reused when present),
# starts a real flower-superlink and three flower-supernodes on 127.0.0.1,
# each holding one third of the Cleveland heart data, runs the medsynth
# Flower app for two rounds with the real `medsynth` binary (statistics
# phase, shared encoder, local CTGAN rounds, validated FedAvg, final model),
# samples from the resulting model directory and checks it. Everything it
# starts is stopped on exit; any failure exits non-zero with the logs' tails.
#
# Environment: FLOWER_VENV (default target/flower-venv), MEDSYNTH_BIN
# (default target/release/medsynth, built if missing), MEDSYNTH_DATA
# (default ../shared/data).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
data_dir=${MEDSYNTH_DATA:-../shared/data}
heart="$data_dir/heart_cleveland.csv"
[ -f "$heart" ] || { echo "missing $heart (the shared data sets)" >&2; exit 1; }
venv=${FLOWER_VENV:-$repo/target/flower-venv}
bin=${MEDSYNTH_BIN:-$repo/target/release/medsynth}
start=$(date +%s)
say() { echo "[flower_test $(( $(date +%s) - start ))s] $*"; }

if [ ! -x "$bin" ]; then
  say "building the release binary"
  # Same package selection as scripts/test.sh, so the build is reused.
  cargo test --workspace --release --locked --no-run -q
fi
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")

if ! "$venv/bin/python" -c 'import flwr, safetensors, numpy' 2>/dev/null; then
  say "creating the flwr venv in $venv"
  rm -rf "$venv"
  timeout 900 "$repo/integrations/flower/install_flwr.sh" "$venv"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/medsynth-flower.XXXXXX")
export PATH="$venv/bin:$PATH" FLWR_HOME="$work/flwr-home"
# Ports: the SuperLink's HTTP API and the SuperNodes' runtime APIs. Fixed by
# flwr's CLI defaults for the link; chosen free for the nodes.
link_port=${FLOWER_LINK_PORT:-8000}
pids=()
cleanup() {
  local rc=$?
  # Servers were started with setsid: signal each whole process group so the
  # flower-superexec children and any running ClientApp go too.
  for p in "${pids[@]}"; do kill -- "-$p" 2>/dev/null || true; done
  for _ in 1 2 3 4 5 6 7 8; do
    alive=0
    for p in "${pids[@]}"; do kill -0 -- "-$p" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 1
  done
  for p in "${pids[@]}"; do kill -9 -- "-$p" 2>/dev/null || true; done
  if [ "$rc" != 0 ]; then
    echo "flower_test FAILED (exit $rc); log tails:" >&2
    for f in "$work"/*.log; do [ -f "$f" ] && { echo "--- $f" >&2; tail -n 25 "$f" >&2; }; done
  fi
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT INT TERM

if (exec 3<>"/dev/tcp/127.0.0.1/$link_port") 2>/dev/null; then
  echo "port $link_port on 127.0.0.1 is already in use (another SuperLink?); set FLOWER_LINK_PORT" >&2
  exit 1
fi

say "splitting the heart data into three sites and writing the agreed schema"
"$bin" --quiet schema "$heart" -o "$work/schema.json"
python3 - "$heart" "$work" <<'PY'
import sys
data, work = sys.argv[1], sys.argv[2]
lines = open(data).read().splitlines()
for i in range(3):
    open(f"{work}/site{i}.csv", "w").write("\n".join([lines[0]] + lines[1:][i::3]) + "\n")
PY

wait_for() {  # wait_for LOGFILE PATTERN SECONDS
  local t=0
  until grep -q "$2" "$1" 2>/dev/null; do
    sleep 1; t=$((t + 1))
    [ "$t" -lt "$3" ] || { echo "timed out after $3 s waiting for '$2' in $1" >&2; return 1; }
  done
}

say "starting flower-superlink on 127.0.0.1:$link_port"
setsid flower-superlink --insecure --disable-runtime-dependency-installation >"$work/superlink.log" 2>&1 &
pids+=($!)
disown $!
t=0
until (exec 3<>"/dev/tcp/127.0.0.1/$link_port") 2>/dev/null; do
  sleep 1; t=$((t + 1))
  [ "$t" -lt 60 ] || { echo "superlink did not open port $link_port within 60 s" >&2; exit 1; }
done
for i in 0 1 2; do
  setsid flower-supernode --insecure --superlink "127.0.0.1:$link_port" --port $((9094 + i)) \
    --node-config "data-path=\"$work/site$i.csv\" schema-path=\"$work/schema.json\" medsynth-bin=\"$bin\" work-dir=\"$work/site$i\"" \
    >"$work/supernode$i.log" 2>&1 &
  pids+=($!)
  disown $!
done
mkdir -p "$FLWR_HOME"
cat >>"$FLWR_HOME/config.toml" <<TOML
[superlink]
default = "loopback"

[superlink.loopback]
address = "127.0.0.1:$link_port"
insecure = true
TOML
t=0
until [ "$(flwr supernode list loopback 2>/dev/null | grep -c -i online || true)" -ge 3 ]; do
  sleep 2; t=$((t + 2))
  [ "$t" -lt 90 ] || { echo "the three supernodes did not come online within 90 s" >&2; flwr supernode list loopback >&2 || true; exit 1; }
done
say "three supernodes online; running two rounds"

app="$work/app"
mkdir -p "$app"
cp "$repo"/integrations/flower/{pyproject.toml,server_app.py,client_app.py,medsynth_common.py} "$app/"
model="$work/federated.model"
timeout 600 flwr run "$app" loopback --stream \
  -c "schema-path=\"$work/schema.json\" medsynth-bin=\"$bin\" work-dir=\"$work/server\" final-model=\"$model\" min-nodes=3 round-timeout=240.0 num-server-rounds=2 local-steps=50 seed=7" \
  >"$work/run.log" 2>&1 || { echo "flwr run failed" >&2; exit 1; }
grep -q "round 2: 3 accepted, 0 rejected, 0 failed, 0 timed out" "$work/run.log" \
  || { echo "round 2 did not accept all three sites" >&2; exit 1; }
[ -f "$model/manifest.json" ] || { echo "no model directory was written" >&2; exit 1; }

say "sampling from the federated model"
"$bin" --quiet sample "$model" --rows 300 --seed 1 -o "$work/synthetic.csv"
python3 - "$model/manifest.json" "$work/synthetic.csv" "$heart" <<'PY'
import csv, json, math, sys
manifest, synth, real = sys.argv[1:4]
m = json.load(open(manifest))
fed = m["federated"]
assert fed["sites"] == 3 and fed["rounds"] == 2, fed
assert sum(fed["rows_per_site"]) == 303, fed
assert fed["accepted_updates"] == 6 and fed["rejected_updates"] == 0, fed
rows = list(csv.DictReader(open(synth)))
header = open(real).readline().strip().split(",")
assert list(rows[0].keys()) == header, (list(rows[0].keys()), header)
assert len(rows) == 300, len(rows)
ages = [float(r["age"]) for r in rows if r["age"] != ""]
assert ages and all(math.isfinite(a) and 0 <= a <= 120 for a in ages), "implausible ages"
sexes = {r["sex"] for r in rows}
assert sexes <= {"0", "1", ""}, sexes
print(f"flower ok: 3 sites x 2 rounds, {len(rows)} synthetic rows, mean age {sum(ages)/len(ages):.1f}")
PY
say "passed"
