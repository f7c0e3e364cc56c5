#!/usr/bin/env bash
# End-to-end checks of the real `medsynth` binary on the real tables in
# ../shared/data (run by .ci/run after the test suite). Each check prints
# what it measured; any failure stops the run with a non-zero exit code.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${MEDSYNTH_DATA:-../shared/data}
[ -d "$DATA" ] || { echo "missing $DATA (the shared data sets)"; exit 1; }
# `cargo test --workspace --release` (the step before) already built the
# binary; building it with the same package selection reuses those artifacts.
cargo build --release --locked --workspace -q
BIN=$PWD/target/release/medsynth
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

# Runs a command under /usr/bin/time-like measurement: prints wall seconds
# and peak RSS (MiB) read from /proc via bash's `times` is not enough, so use
# GNU time when present.
measure() {
  local label=$1; shift
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f "$label: %e s wall, %M KiB peak RSS" "$@"
  else
    local t0=$(date +%s.%N); "$@"; echo "$label: $(echo "$(date +%s.%N) - $t0" | bc) s wall"
  fi
}

echo "-- heart: inferred kinds match the data README"
"$BIN" --quiet schema "$DATA/heart_cleveland.csv" -o "$OUT/heart.schema.json"
python3 - "$OUT/heart.schema.json" <<'PY'
import json, sys
cols = {c["name"]: c for c in json.load(open(sys.argv[1]))["columns"]}
cat = ["sex", "cp", "fbs", "restecg", "exang", "slope", "ca", "thal", "num"]
for c in cat:
    assert cols[c]["kind"] == "categorical", (c, cols[c]["kind"])
for c in ["age", "trestbps", "chol", "thalach"]:
    assert cols[c]["kind"] == "integer", (c, cols[c]["kind"])
assert cols["oldpeak"]["kind"] == "continuous", cols["oldpeak"]["kind"]
assert abs(cols["ca"]["missing_share"] - 4 / 303) < 1e-9
assert abs(cols["thal"]["missing_share"] - 2 / 303) < 1e-9
assert not any(c["kind"] == "identifier" for c in cols.values())
print("heart kinds ok:", {k: v["kind"] for k, v in cols.items()})
PY

echo "-- inspect on all three tables (no clinical column flagged)"
for f in heart_cleveland adult diabetes130; do
  "$BIN" --quiet inspect "$DATA/$f.csv" --json > "$OUT/$f.inspect.json"
done
python3 - "$OUT" <<'PY'
import json, sys, os
d = sys.argv[1]
for f, expected in [("heart_cleveland", set()), ("adult", set()), ("diabetes130", {"encounter_id", "patient_nbr"})]:
    rows = json.load(open(os.path.join(d, f + ".inspect.json")))
    flagged = {r["column"] for r in rows if r["identifier"]}
    assert flagged == expected, (f, flagged)
    print(f, "identifiers:", sorted(flagged))
PY

echo "-- diabetes130: CSV -> Parquet -> CSV round trip through the CLI"
measure "simulate 100k" "$BIN" --quiet simulate --rows 100000 -o "$OUT/cohort.parquet"
# [e2e:more]
echo "e2e: all checks passed"
