#!/usr/bin/env python3
"""Reference values for the medsynth-privacy RDP accountant.

Computes epsilon for the Poisson-subsampled Gaussian mechanism on a grid of
(q, sigma, steps, delta), and calibrated noise multipliers for a grid of
(target epsilon, delta, steps, q), with Google's `dp_accounting` package
(RdpAccountant, default orders). Also records Laplace / plain Gaussian checks.
If Opacus' RDP analysis module can be loaded (it needs no torch itself),
its epsilon is stored alongside as an independent second opinion.

Opacus needs torch for its package import, but its RDP analysis module does
not; `pip install --no-deps opacus` into the venv is enough for this script.

Usage (from the repo root):
    /work/venv-ref/bin/python scripts/reference_accountant.py \
        > crates/medsynth-privacy/fixtures/accountant_reference.json
"""
import importlib.metadata
import importlib.util
import json
import math
import sys

import dp_accounting
from dp_accounting import dp_event, mechanism_calibration
from dp_accounting.rdp import rdp_privacy_accountant as rdp

QS = [0.001, 0.01, 0.05, 0.1, 0.3, 1.0]
SIGMAS = [0.5, 0.8, 1.0, 1.5, 3.0, 10.0]
STEPS = [1, 10, 100, 1000, 10000]
DELTAS = [1e-5, 1e-6, 1e-3]


def load_opacus_rdp():
    """Load opacus/accountants/analysis/rdp.py directly (no torch import)."""
    try:
        import opacus  # noqa: F401  (only works with torch installed)
        from opacus.accountants.analysis import rdp as mod
        return mod
    except Exception:
        pass
    try:
        import importlib.util as iu
        spec = iu.find_spec("opacus")
    except Exception:
        spec = None
    if spec is None or not spec.submodule_search_locations:
        return None
    path = spec.submodule_search_locations[0] + "/accountants/analysis/rdp.py"
    try:
        s = importlib.util.spec_from_file_location("opacus_rdp", path)
        mod = importlib.util.module_from_spec(s)
        s.loader.exec_module(mod)
        return mod
    except Exception as exc:  # pragma: no cover - informative only
        print(f"opacus rdp module not loadable: {exc}", file=sys.stderr)
        return None


def dpsgd_event(q, sigma, steps):
    return dp_event.SelfComposedDpEvent(
        dp_event.PoissonSampledDpEvent(q, dp_event.GaussianDpEvent(sigma)), steps
    )


def epsilon(q, sigma, steps, delta):
    acc = rdp.RdpAccountant()
    acc.compose(dpsgd_event(q, sigma, steps))
    return acc.get_epsilon(delta)


def main():
    opacus_rdp = load_opacus_rdp()
    eps_rows = []
    for q in QS:
        for sigma in SIGMAS:
            for steps in STEPS:
                for delta in DELTAS:
                    row = {
                        "q": q,
                        "sigma": sigma,
                        "steps": steps,
                        "delta": delta,
                        "epsilon": epsilon(q, sigma, steps, delta),
                    }
                    if opacus_rdp is not None:
                        orders = rdp.DEFAULT_RDP_ORDERS
                        r = opacus_rdp.compute_rdp(
                            q=q, noise_multiplier=sigma, steps=steps, orders=orders
                        )
                        e, _ = opacus_rdp.get_privacy_spent(
                            orders=orders, rdp=r, delta=delta
                        )
                        row["epsilon_opacus"] = float(e)
                    eps_rows.append(row)

    calib_rows = []
    for target in [0.5, 1.0, 3.0, 8.0]:
        for delta in [1e-5, 1e-6]:
            for q in [0.001, 0.01, 0.1, 1.0]:
                for steps in [1, 100, 1000, 10000]:
                    sigma = mechanism_calibration.calibrate_dp_mechanism(
                        rdp.RdpAccountant,
                        lambda s, q=q, steps=steps: dpsgd_event(q, s, steps),
                        target,
                        delta,
                        mechanism_calibration.LowerEndpointAndGuess(1e-3, 1.0),
                        tol=1e-7,
                    )
                    calib_rows.append(
                        {
                            "target_epsilon": target,
                            "delta": delta,
                            "q": q,
                            "steps": steps,
                            "sigma": sigma,
                        }
                    )

    laplace_rows = []
    for scale in [0.5, 1.0, 2.0, 10.0]:
        for count in [1, 10, 100]:
            for delta in [1e-5, 1e-6]:
                acc = rdp.RdpAccountant()
                acc.compose(dp_event.LaplaceDpEvent(scale), count)
                laplace_rows.append(
                    {
                        "noise_multiplier": scale,
                        "count": count,
                        "delta": delta,
                        "epsilon": acc.get_epsilon(delta),
                    }
                )

    out = {
        "generator": "scripts/reference_accountant.py",
        "dp_accounting_version": importlib.metadata.version("dp-accounting"),
        "opacus_rdp_loaded": opacus_rdp is not None,
        "orders": list(rdp.DEFAULT_RDP_ORDERS),
        "poisson_gaussian_epsilon": eps_rows,
        "calibrated_sigma": calib_rows,
        "laplace_epsilon": laplace_rows,
    }
    json.dump(out, sys.stdout, indent=0)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
