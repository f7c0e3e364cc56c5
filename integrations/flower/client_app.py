"""Flower ClientApp: one federated round at a site = one call of

    medsynth federate client-round --params-in P --data DATA \
        --params-out Q --metrics M [--round R] [--local-epochs E]

The site's rows stay in `data-path` on the site's machine; only the arrays
in Q and the metrics in M go back to the server. Node configuration (set per
SuperNode with `--node-config`):

* `data-path`     the site's CSV/Parquet file (required);
* `medsynth-bin`  the binary to call (default `medsynth` on PATH);
* `work-dir`      where the per-round files go (default: a temporary dir).

Contract of the metrics JSON written by the binary:
    {"rows": <int, rows trained on this round>,
     "loss": <float, mean generator loss of the round>,
     "ledger": <the site's cumulative privacy ledger, or null without DP>}
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile

from flwr.app import Array, ArrayRecord, ConfigRecord, Context, Message, MetricRecord, RecordDict
from flwr.clientapp import ClientApp
from safetensors.numpy import load_file, save_file

app = ClientApp()


@app.train()
def train(msg: Message, context: Context) -> Message:
    node = context.node_config
    data = str(node["data-path"])
    binary = str(node.get("medsynth-bin", "medsynth"))
    cfg = msg.content["config"]
    rnd = int(cfg["server-round"])
    epochs = int(cfg.get("local-epochs", 1))
    arrays = msg.content["arrays"]
    work = str(node["work-dir"]) if "work-dir" in node else tempfile.mkdtemp(prefix="medsynth-round-")
    os.makedirs(work, exist_ok=True)
    p_in = os.path.join(work, f"round{rnd}_in.safetensors")
    p_out = os.path.join(work, f"round{rnd}_out.safetensors")
    m_out = os.path.join(work, f"round{rnd}_metrics.json")
    save_file({name: arr.numpy() for name, arr in arrays.items()}, p_in)
    cmd = [
        binary, "federate", "client-round",
        "--params-in", p_in, "--data", data,
        "--params-out", p_out, "--metrics", m_out,
        "--round", str(rnd), "--local-epochs", str(epochs),
    ]
    # A failing binary raises here; Flower turns the exception into an error
    # reply, which the server logs as a failed site and drops from the round.
    # Only the tail of stderr is forwarded: it must name the problem, and it
    # must not carry rows (medsynth's errors name file, row and column only).
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(
            f"medsynth client-round exited with {proc.returncode}: {proc.stderr.strip()[-500:]}"
        )
    params = load_file(p_out)
    with open(m_out, encoding="utf-8") as f:
        metrics = json.load(f)
    content = RecordDict(
        {
            "arrays": ArrayRecord({k: Array(v) for k, v in params.items()}),
            "metrics": MetricRecord(
                {"num-examples": int(metrics["rows"]), "loss": float(metrics.get("loss") or 0.0)}
            ),
            "ledger": ConfigRecord({"json": json.dumps(metrics.get("ledger"))}),
        }
    )
    return Message(content=content, reply_to=msg)
