#!/usr/bin/python3
"""Writes the predictions fixtures and what scikit-learn 1.2, scipy and statsmodels say about
them (expected.json). Run from anywhere: /usr/bin/python3 tests/data/predictions/generate.py

The CLI tests (tests/cli/test_ml_predictions.py) compare ml-validate's and ml-compare's
numbers with these. The DeLong reference below is written from Sun & Xu (2014), "Fast
implementation of DeLong's algorithm for comparing the areas under correlated receiver
operating characteristic curves", and checked here against a large paired bootstrap.
"""
import csv
import json
import os

import numpy as np
from scipy import stats
from sklearn import metrics as skm
from statsmodels.stats.contingency_tables import mcnemar

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20261201)


def write_csv(name, columns):
    names = list(columns)
    with open(os.path.join(HERE, name), "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(names)
        for row in zip(*(columns[n] for n in names)):
            writer.writerow([repr(float(v)) if isinstance(v, (float, np.floating)) else str(v) for v in row])


def classification_metrics(y, y_pred, labels, pos_label=None, w=None, score=None, proba=None, average=None):
    """The metrics ml-validate names, from sklearn, for the labels as ml-validate orders them."""
    binary = len(labels) == 2
    average = average or ("binary" if binary else "macro")
    kw = {"sample_weight": w}
    pos = {"pos_label": pos_label} if average == "binary" else {}
    out = {
        "n": len(y),
        "accuracy": skm.accuracy_score(y, y_pred, **kw),
        "balanced_accuracy": skm.balanced_accuracy_score(y, y_pred, **kw),
        "precision": skm.precision_score(y, y_pred, average=average, zero_division=0, **pos, **kw),
        "recall": skm.recall_score(y, y_pred, average=average, zero_division=0, **pos, **kw),
        "f1": skm.f1_score(y, y_pred, average=average, zero_division=0, **pos, **kw),
        "mcc": skm.matthews_corrcoef(y, y_pred, **kw),
        "cohen_kappa": skm.cohen_kappa_score(y, y_pred, **kw),
    }
    for avg in ("macro", "micro", "weighted"):
        out["precision_" + avg] = skm.precision_score(y, y_pred, average=avg, zero_division=0, **kw)
        out["recall_" + avg] = skm.recall_score(y, y_pred, average=avg, zero_division=0, **kw)
        out["f1_" + avg] = skm.f1_score(y, y_pred, average=avg, zero_division=0, **kw)
    present = sorted(set(y) | set(y_pred))
    p, r, f, s = skm.precision_recall_fscore_support(y, y_pred, labels=present, zero_division=0, sample_weight=w)
    for i, label in enumerate(present):
        out[f"per_class.{label}.precision"] = p[i]
        out[f"per_class.{label}.recall"] = r[i]
        out[f"per_class.{label}.f1"] = f[i]
        out[f"per_class.{label}.support"] = s[i]
    if binary:
        negative = [l for l in labels if l != pos_label][0]
        tn, fp, fn, tp = skm.confusion_matrix(y, y_pred, labels=[negative, pos_label], sample_weight=w).ravel()
        out.update({"tp": tp, "fp": fp, "tn": tn, "fn": fn})
    if score is not None:
        truth = (np.asarray(y) == pos_label).astype(int)
        out["roc_auc"] = skm.roc_auc_score(truth, score, **kw)
        out["average_precision"] = skm.average_precision_score(truth, score, **kw)
        out["log_loss"] = skm.log_loss(truth, score, labels=[0, 1], **kw)
        out["brier_score"] = skm.brier_score_loss(truth, score, **kw)
    if proba is not None:
        out["roc_auc"] = skm.roc_auc_score(y, proba, multi_class="ovr", average="macro", labels=labels, **kw)
        out["log_loss"] = skm.log_loss(y, proba, labels=labels, **kw)
    return {k: float(v) for k, v in out.items()}


def regression_metrics(y, y_pred, w=None):
    kw = {"sample_weight": w}
    out = {
        "n": len(y),
        "mae": skm.mean_absolute_error(y, y_pred, **kw),
        "mse": skm.mean_squared_error(y, y_pred, **kw),
        "rmse": skm.mean_squared_error(y, y_pred, squared=False, **kw),
        "r2": skm.r2_score(y, y_pred, **kw),
        "mape": skm.mean_absolute_percentage_error(y, y_pred, **kw),
        "median_absolute_error": skm.median_absolute_error(y, y_pred, **kw),
        "max_error": skm.max_error(y, y_pred),
        "explained_variance": skm.explained_variance_score(y, y_pred, **kw),
    }
    return {k: float(v) for k, v in out.items()}


def delong_reference(scores_a, scores_b, truth):
    """DeLong's paired test from Sun & Xu's midrank formulation: returns (auc_a, auc_b, se, z)."""
    truth = np.asarray(truth, dtype=bool)
    m, n = truth.sum(), (~truth).sum()
    v10, v01, aucs = [], [], []
    for s in (np.asarray(scores_a), np.asarray(scores_b)):
        x, y = s[truth], s[~truth]
        tx, ty, tz = stats.rankdata(x), stats.rankdata(y), stats.rankdata(np.concatenate([x, y]))
        aucs.append((tz[:m].sum() - m * (m + 1) / 2) / (m * n))
        v10.append((tz[:m] - tx) / n)
        v01.append(1 - (tz[m:] - ty) / m)
    s10, s01 = np.cov(np.array(v10)), np.cov(np.array(v01))
    cov = s10 / m + s01 / n
    se = np.sqrt(cov[0, 0] + cov[1, 1] - 2 * cov[0, 1])
    return aucs[0], aucs[1], se, (aucs[0] - aucs[1]) / se


expected = {}

# Binary 0/1 with tied scores (two decimals), a slice column and weights.
n = 600
y = rng.integers(0, 2, n)
score = np.round(np.clip(0.35 * y + rng.normal(0.33, 0.22, n), 0, 1), 2)
y_pred = (score >= 0.5).astype(int)
region = rng.choice(["eu", "us", "apac"], n, p=[0.5, 0.4, 0.1])
w = np.round(rng.uniform(0.1, 3.0, n), 3)
write_csv("binary.csv", {"id": range(n), "y_true": y, "y_pred": y_pred, "y_score": score, "region": region, "w": w})
expected["binary"] = classification_metrics(y, y_pred, [0, 1], 1, score=score)
expected["binary_weighted"] = classification_metrics(y, y_pred, [0, 1], 1, w=w, score=score)
expected["binary_micro"] = classification_metrics(y, y_pred, [0, 1], 1, score=score, average="micro")
expected["binary_slices"] = {
    r: classification_metrics(y[region == r], y_pred[region == r], [0, 1], 1, score=score[region == r])
    for r in ["eu", "us", "apac"]}

# String labels: the positive label must be named.
n = 300
animal = rng.choice(["cat", "dog"], n)
dog_score = np.clip((animal == "dog") * 0.3 + rng.uniform(0, 0.7, n), 0, 1)
predicted = np.where(dog_score >= 0.5, "dog", "cat")
write_csv("strings.csv", {"y_true": animal, "y_pred": predicted, "y_score": dog_score})
expected["strings"] = classification_metrics(animal, predicted, ["cat", "dog"], "dog", score=dog_score)

# Multiclass with class probabilities (rows sum to 1) and weights.
n = 450
labels = ["ant", "bee", "cow"]
truth = rng.choice(labels, n, p=[0.5, 0.3, 0.2])
logits = rng.normal(0, 1, (n, 3)) + 1.2 * (truth[:, None] == np.array(labels)[None, :])
proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
proba = np.round(proba, 4)
proba[:, 2] = np.round(1 - proba[:, 0] - proba[:, 1], 4)
mc_pred = np.array(labels)[proba.argmax(axis=1)]
mw = np.round(rng.uniform(0.5, 2.0, n), 2)
write_csv("multiclass.csv", {"y_true": truth, "y_pred": mc_pred, "proba_ant": proba[:, 0], "proba_bee": proba[:, 1],
                             "proba_cow": proba[:, 2], "w": mw})
expected["multiclass"] = classification_metrics(truth, mc_pred, labels, proba=proba)
expected["multiclass_weighted"] = classification_metrics(truth, mc_pred, labels, w=mw, proba=proba)
expected["multiclass_weighted_average"] = classification_metrics(truth, mc_pred, labels, proba=proba, average="weighted")

# Regression, weighted too.
n = 400
target = np.round(rng.normal(50, 12, n), 3)
estimate = np.round(target + rng.normal(0, 4, n), 3)
rw = np.round(rng.uniform(0.2, 2.0, n), 2)
write_csv("regression.csv", {"y_true": target, "y_pred": estimate, "w": rw})
expected["regression"] = regression_metrics(target, estimate)
expected["regression_weighted"] = regression_metrics(target, estimate, rw)

# Paired comparisons. Binary: the candidate is better; the baseline's rows are shuffled and
# paired by id.
n = 1500
y = rng.integers(0, 2, n)
signal = rng.normal(0, 1, n)
base_score = 1 / (1 + np.exp(-(1.1 * (2 * y - 1) + 1.3 * rng.normal(0, 1, n))))
cand_score = 1 / (1 + np.exp(-(1.2 * (2 * y - 1) + 1.3 * rng.normal(0, 1, n) + 0.1 * signal)))
base_score, cand_score = np.round(base_score, 6), np.round(cand_score, 6)
base_pred, cand_pred = (base_score >= 0.5).astype(int), (cand_score >= 0.5).astype(int)
write_csv("candidate.csv", {"id": [f"r{i}" for i in range(n)], "y_true": y, "y_pred": cand_pred, "y_score": cand_score})
order = rng.permutation(n)
write_csv("baseline.csv", {"id": [f"r{i}" for i in order], "y_true": y[order], "y_pred": base_pred[order],
                           "y_score": base_score[order]})
b = int(((cand_pred == y) & (base_pred != y)).sum())
c = int(((cand_pred != y) & (base_pred == y)).sum())
two_sided = mcnemar([[0, b], [c, 0]], exact=True).pvalue
one_sided = stats.binomtest(b, b + c, 0.5, alternative="greater").pvalue
assert abs(two_sided - min(1.0, 2 * min(one_sided, stats.binomtest(c, b + c, 0.5, alternative="greater").pvalue))) < 1e-12


def binary_log_losses(truth, p):
    p = np.clip(p, np.finfo(float).eps, 1 - np.finfo(float).eps)
    return -np.log(np.where(truth == 1, p, 1 - p) / ((1 - p) + p))


t_log = stats.ttest_rel(binary_log_losses(y, base_score), binary_log_losses(y, cand_score), alternative="greater")
t_brier = stats.ttest_rel((y - base_score) ** 2, (y - cand_score) ** 2, alternative="greater")
auc_c, auc_b, se, z = delong_reference(cand_score, base_score, y)
# The reference's standard error against a paired bootstrap of 2,000 resamples.
deltas = []
for _ in range(2000):
    i = rng.integers(0, n, n)
    deltas.append(skm.roc_auc_score(y[i], cand_score[i]) - skm.roc_auc_score(y[i], base_score[i]))
assert abs(np.std(deltas) / se - 1) < 0.1, (np.std(deltas), se)
expected["compare_binary"] = {
    "n": n, "b": b, "c": c, "mcnemar_p": one_sided, "statsmodels_two_sided": two_sided,
    "accuracy_candidate": skm.accuracy_score(y, cand_pred), "accuracy_baseline": skm.accuracy_score(y, base_pred),
    "log_loss_t": t_log.statistic, "log_loss_p": t_log.pvalue,
    "brier_t": t_brier.statistic, "brier_p": t_brier.pvalue,
    "delong_auc_candidate": auc_c, "delong_auc_baseline": auc_b, "delong_se": se, "delong_z": z,
    "delong_p": stats.norm.sf(z), "bootstrap_se": float(np.std(deltas)),
    # --lower-is-better: "better" is fewer right rows, the one-sided test towards c.
    "mcnemar_p_worse": stats.binomtest(c, b + c, 0.5, alternative="greater").pvalue,
    # A tiny --significance (1 - alpha rounds to 1): the quantiles of the upper tail itself.
    "mcnemar_min_detectable_1e-17": (stats.norm.isf(1e-17) + stats.norm.ppf(0.8)) * np.sqrt(b + c) / n,
}

# Regression pair, by row order: the candidate has smaller errors.
n = 800
target = np.round(rng.normal(10, 3, n), 4)
base_est = np.round(target + rng.normal(0, 1.0, n), 4)
cand_est = np.round(target + rng.normal(0, 0.96, n), 4)
write_csv("reg_candidate.csv", {"y_true": target, "y_pred": cand_est})
write_csv("reg_baseline.csv", {"y_true": target, "y_pred": base_est})
t_mse = stats.ttest_rel((target - base_est) ** 2, (target - cand_est) ** 2, alternative="greater")
t_mae = stats.ttest_rel(np.abs(target - base_est), np.abs(target - cand_est), alternative="greater")
loss_difference = (target - base_est) ** 2 - (target - cand_est) ** 2
mse_se = np.std(loss_difference, ddof=1) / np.sqrt(n)
mse_t_1e17 = stats.t.isf(1e-17, n - 1)
expected["compare_regression"] = {"n": n, "mse_t": t_mse.statistic, "mse_p": t_mse.pvalue,
                                  "mae_t": t_mae.statistic, "mae_p": t_mae.pvalue,
                                  "mse_interval_low_1e-17": -loss_difference.mean() - mse_t_1e17 * mse_se,
                                  "mse_interval_high_1e-17": -loss_difference.mean() + mse_t_1e17 * mse_se}

with open(os.path.join(HERE, "expected.json"), "w") as f:
    json.dump({k: {kk: float(vv) for kk, vv in v.items()} if k != "binary_slices" else
               {s: {kk: float(vv) for kk, vv in m.items()} for s, m in v.items()}
               for k, v in expected.items()}, f, indent=1, sort_keys=True)
    f.write("\n")
