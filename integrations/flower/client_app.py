"""Flower ClientApp: each message is answered by one call of the `medsynth`
binary at the site. The site's rows stay in `data-path` on the site's
machine; what goes back to the server is

* for a QUERY (statistics phase, once): the site's summary from
  `medsynth federate site-stats` — row count, column specs, histograms and
  category counts over the agreed domain (aggregates, never rows);
* for a TRAIN (every round): the arrays written by
  `medsynth federate client-round` and its metrics
  (`{"rows", "loss", "critic_loss", "steps", "ledger", "score"}`; `score`,
  the site's selection score of the parameters it received, is forwarded
  as a metric for the server's snapshot selection).

Node configuration (set per SuperNode with `--node-config`):

* `data-path`     the site's CSV/Parquet file (required);
* `schema-path`   the federation's agreed schema.json (required);
* `medsynth-bin`  the binary to call (default `medsynth` on PATH);
* `work-dir`      per-round files and the site's critic/optimiser state
                  (default: a temporary directory; set it, or the state is
                  lost between rounds).
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


def _node(context: Context) -> tuple[str, str, str, str]:
    node = context.node_config
    work = str(node["work-dir"]) if "work-dir" in node else tempfile.mkdtemp(prefix="medsynth-site-")
    os.makedirs(work, exist_ok=True)
    return (
        str(node["data-path"]),
        str(node["schema-path"]),
        str(node.get("medsynth-bin", "medsynth")),
        work,
    )


def _run(cmd: list[str]) -> None:
    # A failing binary raises here; Flower turns the exception into an error
    # reply, which the server logs as a failed site. Only the tail of stderr
    # is forwarded: medsynth's errors name file, row and column.
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"medsynth {cmd[1]} {cmd[2]} exited with {proc.returncode}: {proc.stderr.strip()[-500:]}")


@app.query()
def site_stats(msg: Message, context: Context) -> Message:
    data, schema, binary, work = _node(context)
    out = os.path.join(work, "site_stats.json")
    _run([binary, "federate", "site-stats", "--data", data, "--schema", schema, "-o", out, "--quiet"])
    with open(out, encoding="utf-8") as f:
        summary = f.read()
    return Message(content=RecordDict({"summary": ConfigRecord({"json": summary})}), reply_to=msg)


@app.train()
def train(msg: Message, context: Context) -> Message:
    data, _schema, binary, work = _node(context)
    cfg = msg.content["config"]
    rnd = int(cfg["server-round"])
    fed = os.path.join(work, "federation.json")
    with open(fed, "w", encoding="utf-8") as f:
        f.write(str(cfg["federation"]))
    p_in = os.path.join(work, f"round{rnd}_in.safetensors")
    p_out = os.path.join(work, f"round{rnd}_out.safetensors")
    m_out = os.path.join(work, f"round{rnd}_metrics.json")
    save_file({name: arr.numpy() for name, arr in msg.content["arrays"].items()}, p_in)
    _run(
        [
            binary, "federate", "client-round",
            "--federation", fed, "--params-in", p_in, "--data", data,
            "--params-out", p_out, "--metrics", m_out,
            "--state", os.path.join(work, "state"),
            "--round", str(rnd), "--seed", str(context.node_id % (2**63)), "--quiet",
        ]
    )
    params = load_file(p_out)
    with open(m_out, encoding="utf-8") as f:
        metrics = json.load(f)
    metric_values = {"num-examples": int(metrics["rows"]), "loss": float(metrics.get("loss") or 0.0)}
    # The site's selection score of the parameters it received (absent when
    # the binary does not compute one, e.g. under DP).
    if metrics.get("score") is not None:
        metric_values["score"] = float(metrics["score"])
    content = RecordDict(
        {
            "arrays": ArrayRecord({k: Array(v) for k, v in params.items()}),
            "metrics": MetricRecord(metric_values),
            "ledger": ConfigRecord({"json": json.dumps(metrics.get("ledger"))}),
        }
    )
    return Message(content=content, reply_to=msg)
