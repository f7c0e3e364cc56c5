"""Helpers shared by the ServerApp and the ClientApp.

The validation rules mirror `medsynth_federated::aggregate` in Rust, so that
a Flower deployment and `medsynth federate simulate` accept and reject the
same updates:

* every tensor of the global model (or, with aggregate="generator", every
  `generator.*` tensor) is present exactly once, with the same shape;
* no NaN or infinity;
* the L2 norm of (update - global) over those tensors is within the bound;
* the site reports a positive `num-examples`.

A rejected update is logged with its reason and left out; the others are
averaged (weights = `num-examples`, sums in float64). When every update is
rejected the previous global parameters stay in force.

Snapshot selection mirrors `medsynth_federated::select`: each site reports
its selection score of the parameters it received (`score` in the
client-round metrics, computed on its own rows, never under DP); the
server's combined score of those parameters is the row-weighted mean of the
scores that are finite and in [0, 1].
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

GENERATOR_PREFIX = "generator."


def selected(name: str, aggregate: str) -> bool:
    """Whether tensor `name` takes part in aggregation."""
    return aggregate == "all" or name.startswith(GENERATOR_PREFIX)


@dataclass
class Rejection:
    site: int
    reason: str

    def __str__(self) -> str:
        return f"site {self.site} rejected: {self.reason}"


def validate(
    glob: dict[str, np.ndarray],
    update: dict[str, np.ndarray],
    rows: float,
    aggregate: str,
    max_norm: float,
) -> str | None:
    """Returns None if the update is acceptable, else the reason."""
    if not (rows > 0):
        return "reported 0 training rows"
    sq = 0.0
    for name, g in glob.items():
        if not selected(name, aggregate):
            continue
        u = update.get(name)
        if u is None:
            return f"tensor `{name}` is missing"
        if tuple(u.shape) != tuple(g.shape):
            return f"tensor `{name}` has shape {tuple(u.shape)}, expected {tuple(g.shape)}"
        u64 = np.asarray(u, dtype=np.float64)
        if not np.all(np.isfinite(u64)):
            return f"tensor `{name}` has a non-finite value"
        d = u64 - np.asarray(g, dtype=np.float64)
        sq += float(np.dot(d.ravel(), d.ravel()))
    for name in update:
        if selected(name, aggregate) and name not in glob:
            return f"tensor `{name}` is unknown"
    norm = sq ** 0.5
    if max_norm > 0 and norm > max_norm:
        return f"update norm {norm:.4f} exceeds the bound {max_norm}"
    return None


def fedavg(
    glob: dict[str, np.ndarray],
    updates: list[tuple[int, float, dict[str, np.ndarray]]],
    aggregate: str,
    max_norm: float,
) -> tuple[dict[str, np.ndarray], list[int], list[Rejection]]:
    """Row-weighted mean of the accepted updates (in site order).

    Returns (new global, accepted sites, rejections). Unselected tensors keep
    the server's values.
    """
    accepted: list[tuple[int, float, dict[str, np.ndarray]]] = []
    rejected: list[Rejection] = []
    for site, rows, params in sorted(updates, key=lambda u: u[0]):
        reason = validate(glob, params, rows, aggregate, max_norm)
        if reason is None:
            accepted.append((site, rows, params))
        else:
            rejected.append(Rejection(site, reason))
    if not accepted:
        return dict(glob), [], rejected
    total = sum(r for _, r, _ in accepted)
    out: dict[str, np.ndarray] = {}
    for name, g in glob.items():
        if not selected(name, aggregate):
            out[name] = g
            continue
        acc = np.zeros(g.shape, dtype=np.float64)
        for _, rows, params in accepted:
            acc += (rows / total) * np.asarray(params[name], dtype=np.float64)
        out[name] = acc.astype(g.dtype)
    return out, [s for s, _, _ in accepted], rejected


def combined_score(scores: list[tuple[float, float]]) -> float | None:
    """Row-weighted mean of (rows, score) pairs, ignoring scores that are not
    finite or outside [0, 1] and sites with no rows; None when none is usable."""
    usable = [(r, s) for r, s in scores if r > 0 and np.isfinite(s) and 0.0 <= s <= 1.0]
    total = sum(r for r, _ in usable)
    if total <= 0:
        return None
    return sum(r * s for r, s in usable) / total
