#!/usr/bin/env python3
"""Stand-in for `medsynth federate client-round` until the Rust command
exists: it honours the same contract (safetensors in/out, metrics JSON) so
that the Flower plumbing can be exercised end to end. Its "training" moves
every parameter halfway towards the site's mean of the first numeric column
— meaningless as a model, but deterministic and checkable.

Failure injection through the SuperNode's environment: `STUB_POISON=1`
returns NaNs (the server rejects the update), `STUB_FAIL=1` exits non-zero
(the site fails the round), `STUB_SLEEP=S` sleeps S seconds first (the site
misses a short `round-timeout`).
"""

import argparse
import csv
import json
import os
import sys
import time

import numpy as np
from safetensors.numpy import load_file, save_file


def main() -> int:
    if sys.argv[1:3] != ["federate", "client-round"]:
        print("stub supports only `federate client-round`", file=sys.stderr)
        return 2
    ap = argparse.ArgumentParser()
    for flag in ("--params-in", "--data", "--params-out", "--metrics"):
        ap.add_argument(flag, required=True)
    ap.add_argument("--round", type=int, default=1)
    ap.add_argument("--local-epochs", type=int, default=1)
    args = ap.parse_args(sys.argv[3:])
    if os.environ.get("STUB_FAIL"):
        print("stub: injected failure", file=sys.stderr)
        return 1
    time.sleep(float(os.environ.get("STUB_SLEEP", "0")))
    with open(args.data, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))[1:]
    target = float(np.mean([float(r[0]) for r in rows]))
    params = load_file(args.params_in)
    out = {k: (v + 0.5 * (target - v)).astype(v.dtype) for k, v in params.items()}
    if os.environ.get("STUB_POISON"):
        out = {k: np.full_like(v, np.nan) for k, v in out.items()}
    save_file(out, args.params_out)
    with open(args.metrics, "w", encoding="utf-8") as f:
        json.dump({"rows": len(rows), "loss": abs(target), "ledger": None}, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
