#!/usr/bin/env python3
"""Reference fidelity and utility figures for medsynth-eval, computed with the
peers' own tools (SDMetrics QualityReport, scikit-learn LogisticRegression).

The Rust integration test `crates/medsynth-eval/tests/fidelity_reference.rs`
regenerates the same tables in-process and checks its figures against the
JSON this script writes (tolerance 0.01).

Exact commands (from the repository root; venv /work/venv-ref holds
sdmetrics 0.32, scikit-learn, pandas):

    cargo run -p medsynth-eval --example make_eval_inputs -- /tmp/eval_inputs
    /work/venv-ref/bin/python scripts/reference_eval.py /tmp/eval_inputs \
        > crates/medsynth-eval/fixtures/reference_eval.json

The input directory holds, per dataset (heart, adult): train.csv, holdout.csv
and synth_<name>.csv for each synthetic variant (bootstrap, shuffle, noisy).
Nothing of it is committed: only the JSON output is.
"""

import json
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

warnings.filterwarnings("ignore")

from sdmetrics.reports.single_table import QualityReport  # noqa: E402
from sklearn.compose import ColumnTransformer  # noqa: E402
from sklearn.impute import SimpleImputer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import OneHotEncoder, StandardScaler  # noqa: E402

# Column types of shared/benchmarks/peers.md.
DATASETS = {
    "heart": {
        "categorical": ["sex", "cp", "fbs", "restecg", "exang", "slope", "ca", "thal", "num"],
        "target": "num",
        "positive": ["1", "2", "3", "4"],
    },
    "adult": {
        "categorical": [
            "workclass", "education", "marital-status", "occupation",
            "relationship", "race", "sex", "native-country", "income",
        ],
        "target": "income",
        "positive": [">50K"],
    },
}
VARIANTS = ["bootstrap", "shuffle", "noisy"]


def read(path, categorical):
    # Categorical cells as the text the CSV holds ("1", ">50K"); empty = NaN.
    return pd.read_csv(path, dtype={c: str for c in categorical})


def metadata(df, categorical):
    return {
        "columns": {
            c: {"sdtype": "categorical" if c in categorical else "numerical"}
            for c in df.columns
        }
    }


def quality(real, synth, meta, thresholds):
    rep = QualityReport()
    if not thresholds:
        rep.real_correlation_threshold = 0
        rep.real_association_threshold = 0
    rep.generate(real, synth, meta, verbose=False)
    props = rep.get_properties().set_index("Property")["Score"]
    shapes = rep.get_details("Column Shapes")
    pairs = rep.get_details("Column Pair Trends")
    out = {
        "quality": float(rep.get_score()),
        "column_shapes": float(props["Column Shapes"]),
        "column_pair_trends": float(props["Column Pair Trends"]),
    }
    if thresholds:
        out["shapes"] = {r["Column"]: nan_none(r["Score"]) for _, r in shapes.iterrows()}
    else:
        out["pairs"] = {
            f'{r["Column 1"]}|{r["Column 2"]}': nan_none(r["Score"]) for _, r in pairs.iterrows()
        }
    return out


def nan_none(v):
    v = float(v)
    return None if np.isnan(v) else v


def lr_auc(fit, test, spec, categorical):
    target = spec["target"]
    feats = [c for c in fit.columns if c != target]
    cats = [c for c in feats if c in categorical]
    nums = [c for c in feats if c not in categorical]
    y_fit = fit[target].isin(spec["positive"]).astype(int)
    y_test = test[target].isin(spec["positive"]).astype(int)
    pre = ColumnTransformer([
        ("num", Pipeline([("impute", SimpleImputer(strategy="median")),
                          ("scale", StandardScaler())]), nums),
        # Missing is a category of its own; unseen test levels encode as zeros.
        ("cat", Pipeline([("fill", SimpleImputer(strategy="constant", fill_value="__missing__")),
                          ("onehot", OneHotEncoder(handle_unknown="ignore"))]), cats),
    ])
    model = Pipeline([("pre", pre), ("lr", LogisticRegression(max_iter=1000))])
    model.fit(fit[feats], y_fit)
    return float(roc_auc_score(y_test, model.predict_proba(test[feats])[:, 1]))


def main():
    root = Path(sys.argv[1])
    result = {"sdmetrics_version": __import__("sdmetrics").__version__,
              "sklearn_version": __import__("sklearn").__version__, "datasets": {}}
    for name, spec in DATASETS.items():
        cat = spec["categorical"]
        train = read(root / name / "train.csv", cat)
        holdout = read(root / name / "holdout.csv", cat)
        meta = metadata(train, cat)
        entry = {"n_train": len(train), "n_holdout": len(holdout),
                 "trtr_lr_auc": lr_auc(train, holdout, spec, cat), "synthetic": {}}
        for v in VARIANTS:
            synth = read(root / name / f"synth_{v}.csv", cat)
            entry["synthetic"][v] = {
                "sdmetrics": quality(train, synth, meta, thresholds=True),
                "sdmetrics_all_pairs": quality(train, synth, meta, thresholds=False),
                "tstr_lr_auc": lr_auc(synth, holdout, spec, cat),
            }
        result["datasets"][name] = entry
    json.dump(result, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
