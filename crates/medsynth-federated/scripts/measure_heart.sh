#!/usr/bin/env bash
# Federated vs centralised vs local-only on the Cleveland heart data, with the
# protocol of ../shared/benchmarks/peers.md: 70/30 split stratified on `num`
# (seed 0), the generator sees only the 70 %, a synthetic sample of the
# train size is scored by `medsynth evaluate` on the 30 % holdout (binary
# target num > 0). Prints one TSV line per run:
#   arm  split  strategy  seed  seconds  quality  pairs  tstr_lr_auc  share_closer_to_train
#
# Usage: measure_heart.sh OUT_DIR [SEEDS] [ARMS]
#   ARMS (comma list): central, local, fedavg, fedprox, shared-generator, and
#   fedavg-last / fedprox-last / shared-generator-last: the same without the
#   sites' snapshot selection (`--no-select`: the last round's generator)
# Env: BIN (default target/release/medsynth), ROUNDS (20), STEPS (50 local
#   steps per round), SPLITS ("iid by=sex dirichlet=0.5"), MU (FedProx, 1),
#   SERVER_EMA (0.8), LR_SCALE (the sites' learning-rate multiplier; unset = the tool's default; the
#   word `sites` = the number of sites of the split).
# Budget: a federated run does ROUNDS×STEPS steps at each of its K sites; the
# centralised fit gets the same total (K×ROUNDS×STEPS steps); a local-only
# model gets its site's share (ROUNDS×STEPS).
set -euo pipefail
cd "$(dirname "$0")/../../.."
OUT=${1:?usage: measure_heart.sh OUT_DIR [SEEDS] [ARMS]}
SEEDS=${2:-"0 1 2"}
ARMS=${3:-"central,local,fedavg"}
BIN=${BIN:-$PWD/target/release/medsynth}
ROUNDS=${ROUNDS:-20}
STEPS=${STEPS:-50}
SPLITS=${SPLITS:-"iid by=sex dirichlet=0.5"}
DATA=${MEDSYNTH_DATA:-../shared/data}/heart_cleveland.csv
mkdir -p "$OUT"
[ -f "$OUT/split/train.csv" ] || "$BIN" --quiet split "$DATA" --holdout 0.3 --stratify num --seed 0 -o "$OUT/split"
TRAIN=$OUT/split/train.csv
HOLD=$OUT/split/holdout.csv
N=$(($(wc -l <"$TRAIN") - 1))

line() { printf '%s\t%s\t%s\t%s\t%.1f\t%s\t%s\t%s\t%s\n' "$@"; }

metrics() {  # metrics EVAL_DIR -> "quality pairs auc share_closer"
  python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(m["fidelity"]["quality"], m["fidelity"]["column_pair_trends"], m["utility"]["tstr"]["logistic_regression"]["roc_auc"], m["privacy"]["dcr"]["share_closer_to_train"])' "$1/metrics.json"
}

run_eval() {  # run_eval MODEL TAG SEED -> prints "quality pairs auc closer"
  "$BIN" --quiet sample "$1" --rows "$N" --seed "$3" -o "$OUT/$2.csv"
  "$BIN" --quiet evaluate --train "$TRAIN" --holdout "$HOLD" --synthetic "$OUT/$2.csv" \
    --target num --positive 1,2,3,4 --no-tsne -o "$OUT/$2.eval" >/dev/null 2>&1
  metrics "$OUT/$2.eval"
}

for seed in $SEEDS; do
  for split in $SPLITS; do
    sites=3; [ "$split" = "by=sex" ] && sites=2
    tot=$((sites * ROUNDS * STEPS))
    if [[ ",$ARMS," == *",central,"* ]]; then
      tag="central_${sites}x_s$seed"
      if [ ! -f "$OUT/$tag.tsv" ]; then
        t0=$(date +%s.%N)
        "$BIN" --quiet fit "$TRAIN" --steps "$tot" --seed "$seed" --rare-categories merge -o "$OUT/$tag.model"
        t1=$(date +%s.%N)
        read -r q p a c < <(run_eval "$OUT/$tag.model" "$tag" "$seed")
        line central "$split" "steps=$tot" "$seed" "$(echo "$t1 - $t0" | bc)" "$q" "$p" "$a" "$c" | tee "$OUT/$tag.tsv"
      else cat "$OUT/$tag.tsv"; fi
    fi
    for strat in fedavg fedprox shared-generator fedavg-last fedprox-last shared-generator-last; do
      [[ ",$ARMS," == *",$strat,"* ]] || continue
      tag="fed_${strat}_${split//[=.]/_}_s$seed"
      extra=()
      [[ $strat == *-last ]] && extra=(--no-select)
      lrs=()
      [ -n "${LR_SCALE:-}" ] && lrs=(--lr-scale "$LR_SCALE")
      [ "${LR_SCALE:-}" = sites ] && lrs=(--lr-scale "$sites")
      t0=$(date +%s.%N)
      "$BIN" --quiet federate simulate "$TRAIN" --sites "$sites" --split "$split" --target num \
        --rounds "$ROUNDS" --local-steps "$STEPS" --strategy "${strat%-last}" --mu "${MU:-1}" --seed "$seed" \
        --server-ema "${SERVER_EMA:-0.8}" "${lrs[@]}" "${extra[@]}" --sites-out "$OUT/sites_${split//[=.]/_}_s$seed" -o "$OUT/$tag.model"
      t1=$(date +%s.%N)
      read -r q p a c < <(run_eval "$OUT/$tag.model" "$tag" "$seed")
      line "federated" "$split" "$strat" "$seed" "$(echo "$t1 - $t0" | bc)" "$q" "$p" "$a" "$c"
    done
    if [[ ",$ARMS," == *",local,"* ]]; then
      sd="$OUT/sites_${split//[=.]/_}_s$seed"
      [ -d "$sd" ] || "$BIN" --quiet federate simulate "$TRAIN" --sites "$sites" --split "$split" --target num \
        --rounds 1 --local-steps 1 --seed "$seed" --sites-out "$sd" -o "$OUT/tmp.model"
      for ((i = 0; i < sites; i++)); do
        tag="local_${split//[=.]/_}_site${i}_s$seed"
        t0=$(date +%s.%N)
        "$BIN" --quiet fit "$sd/site$i.csv" --steps $((ROUNDS * STEPS)) --seed "$seed" --rare-categories merge -o "$OUT/$tag.model"
        t1=$(date +%s.%N)
        read -r q p a c < <(run_eval "$OUT/$tag.model" "$tag" "$seed")
        line "local-site$i" "$split" "-" "$seed" "$(echo "$t1 - $t0" | bc)" "$q" "$p" "$a" "$c"
      done
    fi
  done
done
