#!/usr/bin/env bash
# End-to-end probe on loopback: one SuperLink, three SuperNodes, this app,
# and the stub in place of `medsynth federate client-round` (site 2 returns
# NaNs and must be rejected). Everything it starts is stopped on exit.
# Usage: probe.sh VENV_DIR [MEDSYNTH_BIN]   (VENV_DIR from install_flwr.sh)
set -euo pipefail
venv="${1:?usage: probe.sh VENV_DIR [MEDSYNTH_BIN]}"
here="$(cd "$(dirname "$0")" && pwd)"
bin="${2:-$here/stub/medsynth_stub.py}"
data="$here/../../../shared/data/heart_cleveland.csv"
[ -f "$data" ] || { echo "missing $data" >&2; exit 1; }
work="$(mktemp -d)"
export PATH="$venv/bin:$PATH" FLWR_HOME="$work/flwr-home"
pids=()
cleanup() {
  # Each server was started with setsid: signal the whole group so that the
  # flower-superexec children (and any running ClientApp) go too.
  for p in "${pids[@]}"; do kill -- "-$p" 2>/dev/null || true; done
  sleep 3
  for p in "${pids[@]}"; do kill -9 -- "-$p" 2>/dev/null || true; done
}
trap cleanup EXIT

python - "$data" "$work" <<'PY'
import sys, numpy as np
from safetensors.numpy import save_file
data, work = sys.argv[1], sys.argv[2]
lines = open(data).read().splitlines()
for i in range(3):
    open(f"{work}/site{i}.csv", "w").write("\n".join([lines[0]] + lines[1:][i::3]) + "\n")
save_file({"generator.out.weight": np.zeros((2, 2), np.float32),
           "critic.out.bias": np.zeros((1,), np.float32)}, f"{work}/global0.safetensors")
PY

setsid flower-superlink --insecure --disable-runtime-dependency-installation >"$work/superlink.log" 2>&1 &
pids+=($!)
sleep 6
for i in 0 1 2; do
  poison=""; [ "$i" = 2 ] && poison=1
  STUB_POISON="$poison" setsid flower-supernode --insecure --superlink 127.0.0.1:8000 --port $((9094 + i)) \
    --node-config "data-path=\"$work/site$i.csv\" medsynth-bin=\"$bin\" work-dir=\"$work/site$i\"" \
    >"$work/supernode$i.log" 2>&1 &
  pids+=($!)
done
sleep 8
mkdir -p "$FLWR_HOME"
cat >>"$FLWR_HOME/config.toml" <<'TOML'
[superlink]
default = "loopback"

[superlink.loopback]
address = "127.0.0.1:8000"
insecure = true
TOML
app="$work/app"
mkdir -p "$app"
cp "$here"/{pyproject.toml,server_app.py,client_app.py,medsynth_common.py} "$app/"
flwr run "$app" loopback --stream \
  -c "initial-params=\"$work/global0.safetensors\" final-params=\"$work/final.safetensors\" min-nodes=3 round-timeout=120.0 num-server-rounds=2" \
  | tee "$work/run.log"
python - "$work" <<'PY'
import sys, numpy as np
from safetensors.numpy import load_file
work = sys.argv[1]
final = load_file(f"{work}/final.safetensors")
ages, rows = [], []
for i in (0, 1):  # site 2 is poisoned and must have been rejected
    a = [float(l.split(",")[0]) for l in open(f"{work}/site{i}.csv").read().splitlines()[1:]]
    ages.append(np.mean(a)); rows.append(len(a))
want = 0.75 * np.average(ages, weights=rows)  # two rounds of w += (target - w) / 2
got = final["generator.out.weight"]
assert np.allclose(got, want, rtol=1e-5), (got, want)
assert np.all(final["critic.out.bias"] == got[0, 0])
print(f"probe ok: final weight {got[0, 0]:.4f} == expected {want:.4f}; poisoned site rejected")
PY
grep -q "rejected: tensor" "$work/run.log" || { echo "poisoned site was not reported" >&2; exit 1; }
