"""Flower ServerApp for medsynth: statistics phase, shared encoder, rounds of
FedAvg weighted by `num-examples` with medsynth's rejection rules (see
`medsynth_common.py`), and the final model directory.

1. QUERY every site for its summary (`medsynth federate site-stats`: row
   count and aggregate column statistics over the agreed domain).
2. `medsynth federate init` on the server merges them into
   `federation.json` (shared encoder, settings) and the initial parameters.
3. Each round: TRAIN messages carry the global arrays and federation.json;
   each reply is validated on its own, bad ones are logged and dropped, the
   rest averaged. Replies missing `round-timeout` are dropped by the Grid.
4. `medsynth federate finish` writes the model directory (`final-model`),
   which `medsynth sample` reads like any other. With `select-round = true`
   its parameters are those of the round whose global parameters the sites
   scored best (each reply carries the site's `score` of the parameters it
   received; the server takes the row-weighted mean,
   `medsynth_common.combined_score`); otherwise, or when no site scored,
   the last aggregate. The last aggregate itself is never scored (no site
   receives it), hence off by default.

Why not Flower's stock `FedAvg.aggregate_train`: it raises and skips the
whole round's aggregation when a single reply is inconsistent, and it never
checks for NaN or a norm bound.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from logging import INFO, WARNING

import numpy as np
from flwr.app import Array, ArrayRecord, ConfigRecord, Context, Message, MessageType, RecordDict
from flwr.serverapp import Grid, ServerApp
from flwr.supercore import log
from safetensors.numpy import load_file, save_file

from medsynth_common import combined_score, fedavg

app = ServerApp()


def _wait_for_nodes(grid: Grid, n: int, timeout: float) -> list[int]:
    start = time.monotonic()
    while True:
        nodes = sorted(grid.get_node_ids())
        if len(nodes) >= n or time.monotonic() - start > timeout:
            return nodes
        time.sleep(1.0)


def _to_numpy(record: ArrayRecord) -> dict[str, np.ndarray]:
    return {name: arr.numpy() for name, arr in record.items()}


def _run(cmd: list[str]) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])} exited with {proc.returncode}: {proc.stderr.strip()[-800:]}")


@app.main()
def main(grid: Grid, context: Context) -> None:
    cfg = context.run_config
    rounds = int(cfg["num-server-rounds"])
    timeout = float(cfg["round-timeout"])
    max_norm = float(cfg["max-update-norm"])
    strategy = str(cfg["strategy"])
    if strategy not in ("fedavg", "fedprox", "shared-generator"):
        raise ValueError(f"strategy must be fedavg, fedprox or shared-generator, got {strategy!r}")
    aggregate = "generator" if strategy == "shared-generator" else "all"
    binary = str(cfg["medsynth-bin"])
    work = str(cfg["work-dir"])
    os.makedirs(work, exist_ok=True)

    # 1. Statistics phase: every site's summary, in node order.
    nodes = _wait_for_nodes(grid, int(cfg["min-nodes"]), timeout)
    query = [
        Message(content=RecordDict({"config": ConfigRecord({"phase": "stats"})}), message_type=MessageType.QUERY, dst_node_id=n)
        for n in nodes
    ]
    summaries = {}
    for reply in grid.send_and_receive(query, timeout=timeout):
        site = reply.metadata.src_node_id
        if reply.has_error():
            log(WARNING, "statistics phase: site %d failed: %s", site, reply.error.reason)
            continue
        summaries[site] = str(reply.content["summary"]["json"])
    nodes = [n for n in nodes if n in summaries]
    if len(nodes) < int(cfg["min-nodes"]):
        raise RuntimeError(f"only {len(nodes)} sites sent their statistics; need {cfg['min-nodes']}")
    stats_files = []
    for i, n in enumerate(nodes):
        path = os.path.join(work, f"site{i}_stats.json")
        with open(path, "w", encoding="utf-8") as f:
            f.write(summaries[n])
        stats_files.append(path)

    # 2. Shared encoder and initial parameters, from the merged statistics alone.
    fed_dir = os.path.join(work, "federation")
    _run(
        [binary, "federate", "init", "--schema", str(cfg["schema-path"]),
         "--strategy", strategy, "--mu", str(float(cfg["mu"])), "--local-steps", str(int(cfg["local-steps"])),
         "--seed", str(int(cfg["seed"])), "-o", fed_dir, "--quiet", "--stats", *stats_files]
    )
    with open(os.path.join(fed_dir, "federation.json"), encoding="utf-8") as f:
        federation = f.read()
    glob = load_file(os.path.join(fed_dir, "global0.safetensors"))
    log(INFO, "federation of %d sites initialised (%d tensors)", len(nodes), len(glob))

    # 3. Rounds.
    history = []
    total_accepted = total_rejected = 0
    select_round = bool(cfg.get("select-round", False))
    best = None  # (combined score, round, parameters sent in that round)
    for rnd in range(1, rounds + 1):
        live = [n for n in _wait_for_nodes(grid, int(cfg["min-nodes"]), timeout) if n in summaries]
        config = ConfigRecord({"server-round": rnd, "federation": federation})
        msgs = [
            Message(
                content=RecordDict({"arrays": ArrayRecord({k: Array(v) for k, v in glob.items()}), "config": config}),
                message_type=MessageType.TRAIN,
                dst_node_id=node,
            )
            for node in live
        ]
        t0 = time.monotonic()
        replies = list(grid.send_and_receive(msgs, timeout=timeout))
        updates, failures, ledgers, scores = [], [], {}, []
        for reply in replies:
            site = reply.metadata.src_node_id
            if reply.has_error():
                failures.append({"site": site, "error": reply.error.reason})
                log(WARNING, "round %d: site %d failed: %s", rnd, site, reply.error.reason)
                continue
            try:
                params = _to_numpy(reply.content["arrays"])
                rows = float(reply.content["metrics"]["num-examples"])
                ledger = reply.content.config_records.get("ledger")
                if ledger is not None:
                    ledgers[site] = json.loads(str(ledger["json"]))
                metrics = reply.content["metrics"]
                if "score" in metrics:
                    scores.append((rows, float(metrics["score"])))
            except (KeyError, TypeError, ValueError) as err:
                failures.append({"site": site, "error": f"malformed reply: {err}"})
                log(WARNING, "round %d: site %d sent a malformed reply: %s", rnd, site, err)
                continue
            updates.append((site, rows, params))
        missing = len(live) - len(replies)
        # The scores are of the parameters sent this round (before aggregation).
        score = combined_score(scores)
        if select_round and score is not None and (best is None or score > best[0]):
            best = (score, rnd, glob)
        glob, accepted, rejected = fedavg(glob, updates, aggregate, max_norm)
        total_accepted += len(accepted)
        total_rejected += len(rejected)
        for r in rejected:
            log(WARNING, "round %d: %s", rnd, r)
        if not accepted:
            log(WARNING, "round %d: no update accepted, global parameters unchanged", rnd)
        log(
            INFO,
            "round %d: %d accepted, %d rejected, %d failed, %d timed out (%.1fs)",
            rnd, len(accepted), len(rejected), len(failures), missing, time.monotonic() - t0,
        )
        history.append(
            {
                "round": rnd,
                "accepted": accepted,
                "rejected": [{"site": r.site, "reason": r.reason} for r in rejected],
                "failed": failures,
                "timed_out": missing,
                "ledgers": ledgers,
                "selection_score": score,
            }
        )

    # 4. The model directory.
    final_params = os.path.join(work, "global_final.safetensors")
    selection = []
    if best is not None:
        log(INFO, "selected the parameters sent in round %d (sites' mean selection score %.4f)", best[1], best[0])
        glob = best[2]
        if best[1] >= 2:
            # Sent in round r (from 1) = the aggregate of round r - 1, i.e. round r - 2 counted from 0.
            selection = ["--selected-round", str(best[1] - 2), "--selection-score", repr(best[0])]
    save_file(glob, final_params)
    _run(
        [binary, "federate", "finish", "--federation", os.path.join(fed_dir, "federation.json"),
         "--params", final_params, "--rounds", str(rounds), "--accepted", str(total_accepted),
         "--rejected", str(total_rejected), *selection, "-o", str(cfg["final-model"]), "--quiet"]
    )
    with open(os.path.join(work, "rounds.json"), "w", encoding="utf-8") as f:
        json.dump(history, f)
    log(INFO, "final model written to %s", cfg["final-model"])
    log(INFO, "round history: %s", json.dumps(history))
