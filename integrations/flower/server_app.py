"""Flower ServerApp: FedAvg weighted by `num-examples`, with medsynth's
rejection rules (see `medsynth_common.py`).

Why not Flower's stock `FedAvg.aggregate_train`: it raises and skips the whole
round's aggregation when a single reply is inconsistent, and it never checks
for NaN or a norm bound. Here each reply is validated on its own, bad ones
are logged and dropped, and the round goes on. Replies that miss
`round-timeout` are dropped by the Grid and never wait for.
"""

from __future__ import annotations

import json
import time
from logging import INFO, WARNING

import numpy as np
from flwr.app import Array, ArrayRecord, ConfigRecord, Context, Message, MessageType, RecordDict
from flwr.serverapp import Grid, ServerApp
from flwr.supercore import log
from safetensors.numpy import load_file, save_file

from medsynth_common import fedavg

app = ServerApp()


def _wait_for_nodes(grid: Grid, n: int, timeout: float) -> list[int]:
    start = time.monotonic()
    while True:
        nodes = list(grid.get_node_ids())
        if len(nodes) >= n or time.monotonic() - start > timeout:
            return nodes
        time.sleep(1.0)


def _to_numpy(record: ArrayRecord) -> dict[str, np.ndarray]:
    return {name: arr.numpy() for name, arr in record.items()}


@app.main()
def main(grid: Grid, context: Context) -> None:
    cfg = context.run_config
    rounds = int(cfg["num-server-rounds"])
    timeout = float(cfg["round-timeout"])
    max_norm = float(cfg["max-update-norm"])
    aggregate = str(cfg["aggregate"])
    if aggregate not in ("all", "generator"):
        raise ValueError(f"aggregate must be 'all' or 'generator', got {aggregate!r}")
    glob = load_file(str(cfg["initial-params"]))
    history = []
    for rnd in range(1, rounds + 1):
        nodes = _wait_for_nodes(grid, int(cfg["min-nodes"]), timeout)
        config = ConfigRecord({"server-round": rnd, "local-epochs": int(cfg["local-epochs"])})
        msgs = [
            Message(
                content=RecordDict({"arrays": ArrayRecord({k: Array(v) for k, v in glob.items()}), "config": config}),
                message_type=MessageType.TRAIN,
                dst_node_id=node,
            )
            for node in nodes
        ]
        t0 = time.monotonic()
        replies = list(grid.send_and_receive(msgs, timeout=timeout))
        updates, failures, ledgers = [], [], {}
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
            except (KeyError, TypeError, ValueError) as err:
                failures.append({"site": site, "error": f"malformed reply: {err}"})
                log(WARNING, "round %d: site %d sent a malformed reply: %s", rnd, site, err)
                continue
            updates.append((site, rows, params))
        missing = len(nodes) - len(replies)
        glob, accepted, rejected = fedavg(glob, updates, aggregate, max_norm)
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
            }
        )
    save_file(glob, str(cfg["final-params"]))
    log(INFO, "final parameters written to %s", cfg["final-params"])
    log(INFO, "round history: %s", json.dumps(history))
