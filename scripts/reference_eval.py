#!/usr/bin/env python3
"""Reference fidelity and utility figures for medsynth-eval, computed with the
peers' own tools (SDMetrics QualityReport, scikit-learn LogisticRegression,
RandomForestClassifier, LinearRegression and classification_report).

The Rust integration tests `crates/medsynth-eval/tests/fidelity_reference.rs`
and `utility_reference.rs` regenerate the same tables in-process and check
their figures against the JSON this script writes (tolerances stated there).

Random forests are randomised: each forest figure is given for RF_SEEDS
seeds (mean, sample standard deviation and the values), so that the Rust
test can compare against the mean and justify its tolerance by the
seed-to-seed spread. The forest follows peers.md: 200 trees, scikit-learn's
defaults otherwise (bootstrap, max_features="sqrt", fully grown trees) on
median-imputed numerics and one-hot categoricals.

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
from sklearn.ensemble import RandomForestClassifier  # noqa: E402
from sklearn.linear_model import LinearRegression, LogisticRegression  # noqa: E402
from sklearn.metrics import (  # noqa: E402
    classification_report, mean_absolute_error, r2_score, roc_auc_score)
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
RF_SEEDS = [0, 1, 2, 3, 4]


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


def preprocessor(feats, categorical, scale=True):
    cats = [c for c in feats if c in categorical]
    nums = [c for c in feats if c not in categorical]
    num_steps = [("impute", SimpleImputer(strategy="median"))]
    if scale:
        num_steps.append(("scale", StandardScaler()))
    return ColumnTransformer([
        ("num", Pipeline(num_steps), nums),
        # Missing is a category of its own; unseen test levels encode as zeros.
        ("cat", Pipeline([("fill", SimpleImputer(strategy="constant", fill_value="__missing__")),
                          ("onehot", OneHotEncoder(handle_unknown="ignore"))]), cats),
    ])


def xy(fit, test, spec):
    target = spec["target"]
    feats = [c for c in fit.columns if c != target]
    y_fit = fit[target].isin(spec["positive"]).astype(int)
    y_test = test[target].isin(spec["positive"]).astype(int)
    return feats, y_fit, y_test


def lr_model(fit, test, spec, categorical):
    feats, y_fit, y_test = xy(fit, test, spec)
    model = Pipeline([("pre", preprocessor(feats, categorical)),
                      ("lr", LogisticRegression(max_iter=1000))])
    model.fit(fit[feats], y_fit)
    return model, feats, y_test


def lr_auc(fit, test, spec, categorical):
    model, feats, y_test = lr_model(fit, test, spec, categorical)
    return float(roc_auc_score(y_test, model.predict_proba(test[feats])[:, 1]))


def lr_report(fit, test, spec, categorical):
    """classification_report of the LR at the 0.5 threshold (argmax)."""
    model, feats, y_test = lr_model(fit, test, spec, categorical)
    rep = classification_report(y_test, model.predict(test[feats]), output_dict=True,
                                zero_division=0)
    return {
        "accuracy": float(rep["accuracy"]),
        "macro_f1": float(rep["macro avg"]["f1-score"]),
        "weighted_f1": float(rep["weighted avg"]["f1-score"]),
        "positive_precision": float(rep["1"]["precision"]),
        "positive_recall": float(rep["1"]["recall"]),
    }


def rf_auc(fit, test, spec, categorical):
    """ROC AUC of a 200-tree forest per seed of RF_SEEDS, with mean and sd."""
    feats, y_fit, y_test = xy(fit, test, spec)
    values = []
    for seed in RF_SEEDS:
        model = Pipeline([("pre", preprocessor(feats, categorical, scale=False)),
                          ("rf", RandomForestClassifier(n_estimators=200, random_state=seed,
                                                        n_jobs=2))])
        model.fit(fit[feats], y_fit)
        values.append(float(roc_auc_score(y_test, model.predict_proba(test[feats])[:, 1])))
    return {"mean": float(np.mean(values)), "sd": float(np.std(values, ddof=1)),
            "values": values}


def multiclass_lr_auc(fit, test, target, categorical):
    """One-vs-rest macro AUC of a multinomial LR on the raw class column."""
    feats = [c for c in fit.columns if c != target]
    model = Pipeline([("pre", preprocessor(feats, categorical)),
                      ("lr", LogisticRegression(max_iter=1000))])
    model.fit(fit[feats], fit[target])
    proba = model.predict_proba(test[feats])
    return float(roc_auc_score(test[target], proba, multi_class="ovr", average="macro",
                               labels=model.classes_))


def regression(fit, test, target, categorical):
    """R² and MAE of a least-squares linear model on a numeric target."""
    feats = [c for c in fit.columns if c != target]
    model = Pipeline([("pre", preprocessor(feats, categorical)), ("ols", LinearRegression())])
    model.fit(fit[feats], fit[target])
    pred = model.predict(test[feats])
    return {"r2": float(r2_score(test[target], pred)),
            "mae": float(mean_absolute_error(test[target], pred))}


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
                 "trtr_lr_auc": lr_auc(train, holdout, spec, cat),
                 "trtr_lr_report": lr_report(train, holdout, spec, cat),
                 "trtr_rf_auc": rf_auc(train, holdout, spec, cat), "synthetic": {}}
        for v in VARIANTS:
            synth = read(root / name / f"synth_{v}.csv", cat)
            entry["synthetic"][v] = {
                "sdmetrics": quality(train, synth, meta, thresholds=True),
                "sdmetrics_all_pairs": quality(train, synth, meta, thresholds=False),
                "tstr_lr_auc": lr_auc(synth, holdout, spec, cat),
                "tstr_lr_report": lr_report(synth, holdout, spec, cat),
                "tstr_rf_auc": rf_auc(synth, holdout, spec, cat),
            }
        if name == "heart":
            # Multi-class (severity 0-4 as it is) and numeric (max heart
            # rate) targets, trained on real train, scored on the holdout.
            entry["trtr_multiclass_num_lr_auc"] = multiclass_lr_auc(train, holdout, "num", cat)
            entry["trtr_regression_thalach"] = regression(train, holdout, "thalach", cat)
        result["datasets"][name] = entry
    json.dump(result, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
