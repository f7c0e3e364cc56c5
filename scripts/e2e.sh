#!/usr/bin/env bash
# End-to-end checks of the real `medsynth` binary on the real tables in
# ../shared/data (run by .ci/run after the test suite). Each check prints
# what it measured; any failure stops the run with a non-zero exit code.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${MEDSYNTH_DATA:-../shared/data}
[ -d "$DATA" ] || { echo "missing $DATA (the shared data sets)"; exit 1; }
# `cargo test --workspace --release` (the step before) already built the
# binary and the examples; asking for the same build again reuses them (a
# different package selection would unify features differently and rebuild
# arrow and parquet).
cargo test --workspace --release --locked --no-run -q
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

echo "-- simulate: a 100,000-patient cohort written as Parquet"
measure "simulate 100k" "$BIN" --quiet simulate --rows 100000 -o "$OUT/cohort.parquet"

echo "-- diabetes130 (101,766 x 50): read + infer + write Parquet + read back"
measure "diabetes130 round trip" target/release/examples/roundtrip "$DATA/diabetes130.csv" "$OUT/diabetes130.parquet"

echo "-- heart: split, fit, sample, evaluate through the CLI"
"$BIN" --quiet split "$DATA/heart_cleveland.csv" --holdout 0.3 --stratify num --seed 0 -o "$OUT/heart"
measure "heart fit (ctgan)" "$BIN" --quiet fit "$OUT/heart/train.csv" -o "$OUT/heart/model"
measure "heart sample 100k" "$BIN" --quiet sample "$OUT/heart/model" --rows 100000 -o "$OUT/heart/synth100k.parquet"
"$BIN" --quiet sample "$OUT/heart/model" --rows 212 -o "$OUT/heart/synth.csv"
measure "heart evaluate" "$BIN" --quiet evaluate --train "$OUT/heart/train.csv" --holdout "$OUT/heart/holdout.csv" \
  --synthetic "$OUT/heart/synth.csv" --target num --positive 1,2,3,4 --sensitive sex -o "$OUT/heart/report"
python3 - "$OUT/heart/report/metrics.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
def get(path):
    v = m
    for k in path.split("."):
        v = v[k]
    return v
for key in ["fidelity.quality", "fidelity.column_shapes", "fidelity.column_pair_trends",
            "utility.tstr.logistic_regression.roc_auc", "utility.trtr.logistic_regression.roc_auc",
            "privacy.dcr.share_closer_to_train", "privacy.mia.distance.auc", "privacy.mia.density_ratio.auc"]:
    v = get(key)
    assert isinstance(v, (int, float)) and 0 <= v <= 1, (key, v)
    print(f"  {key} = {v:.3f}")
PY

echo "-- the README's main job: medsynth demo"
(cd "$OUT" && measure "demo" "$BIN" --quiet demo -o demo)
test -s "$OUT/demo/report/report.html"
test -s "$OUT/demo/report/metrics.json"

echo "e2e: all checks passed"
