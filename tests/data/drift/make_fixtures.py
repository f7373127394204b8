#!/usr/bin/python3
"""Generates ml-drift's test fixtures: input CSV files and the values scipy computes on them.

Run with Debian's Python (python3-scipy, python3-pandas) from this directory:
    /usr/bin/python3 make_fixtures.py
It rewrites stats_cases.json (unit tests of src/stats), cli_cases.json and the CSV files
under csv/ (end-to-end tests of ml-drift). The outputs are committed, so the tests need
neither Python packages nor this script at run time.
"""
import gzip
import json
import os

import numpy as np
import pandas as pd
import scipy
from scipy import stats
from scipy.spatial import distance

HERE = os.path.dirname(os.path.abspath(__file__))
CSV_DIR = os.path.join(HERE, "csv")
MISSING = ["", "NA", "N/A", "NaN", "nan", "null", "NULL", "None"]
rng = np.random.default_rng(20240603)


# --- the statistics, as the issue defines them on top of scipy ---------------------------

def wasserstein_normed(ref, cur):
    return stats.wasserstein_distance(ref, cur) / max(np.std(ref), 0.001)


def decile_edges(ref):
    return np.unique(np.quantile(ref, np.arange(1, 10) / 10))


def bin_counts(values, edges):
    # bin i holds e(i-1) < x <= e(i), outer bins open
    idx = np.searchsorted(edges, values, side="left")
    return np.bincount(idx, minlength=len(edges) + 1)


def psi_from_counts(ref_counts, cur_counts):
    r = np.asarray(ref_counts, float) / np.sum(ref_counts)
    c = np.asarray(cur_counts, float) / np.sum(cur_counts)
    r = np.where(r == 0, 1e-4, r)
    c = np.where(c == 0, 1e-4, c)
    return float(np.sum((c - r) * np.log(c / r)))


def ztest(hits_ref, n_ref, hits_cur, n_cur):
    p1, p2 = hits_ref / n_ref, hits_cur / n_cur
    pooled = (p1 * n_ref + p2 * n_cur) / (n_ref + n_cur)
    z = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1 / n_ref + 1 / n_cur))
    return float(z), float(2 * stats.norm.sf(abs(z)))


def bh(p):
    p = np.asarray(p, float)
    m = len(p)
    order = np.argsort(p, kind="stable")
    adjusted = np.empty(m)
    running = 1.0
    for rank in range(m, 0, -1):
        i = order[rank - 1]
        running = min(running, p[i] * m / rank)
        adjusted[i] = running
    return adjusted


def table(ref_values, cur_values):
    labels = sorted(set(ref_values) | set(cur_values))
    ref_counts = [int(np.sum(ref_values == v)) for v in labels]
    cur_counts = [int(np.sum(cur_values == v)) for v in labels]
    return labels, ref_counts, cur_counts


def column_expectation(ref, cur, numeric, numeric_method="auto", categorical_method="auto"):
    """What ml-drift must report for one column (missing cells already dropped)."""
    out = {"n_ref": int(len(ref)), "n_cur": int(len(cur))}
    if len(ref) == 0 or len(cur) == 0:
        out["skipped"] = "no values in the reference" if len(ref) == 0 else "no values in the current data"
        return out
    labels, ref_counts, cur_counts = table(np.asarray(ref), np.asarray(cur))
    u = len(labels)
    if u == 1:
        out["skipped"] = "constant: one value on both sides"
        return out
    method = numeric_method if numeric else categorical_method
    as_categories = (not numeric) or method in ("chi2", "ztest")
    if method == "auto":
        if numeric:
            as_categories = u <= 5
        if len(ref) <= 1000:
            method = "ks" if not as_categories else ("chi2" if u > 2 else "ztest")
        else:
            method = "wasserstein" if not as_categories else "jensenshannon"
    out["method"] = method
    if method == "ks":
        r = stats.ks_2samp(ref, cur)
        out["statistic"], out["p_value"] = float(r.statistic), float(r.pvalue)
    elif method == "wasserstein":
        out["statistic"] = float(wasserstein_normed(ref, cur))
    elif method == "chi2":
        r = stats.chi2_contingency(np.array([ref_counts, cur_counts]))
        out["statistic"], out["p_value"], out["dof"] = float(r[0]), float(r[1]), int(r[2])
    elif method == "ztest":
        if u != 2:
            out["skipped"] = f"ztest needs exactly two distinct values, found {u}"
            del out["method"]
            out["method"] = method
            return out
        out["statistic"], out["p_value"] = ztest(ref_counts[0], len(ref), cur_counts[0], len(cur))
    elif method in ("psi", "jensenshannon"):
        if as_categories:
            rc, cc = ref_counts, cur_counts
        else:
            edges = decile_edges(np.asarray(ref))
            rc, cc = bin_counts(np.asarray(ref), edges), bin_counts(np.asarray(cur), edges)
        if method == "psi":
            out["statistic"] = psi_from_counts(rc, cc)
        else:
            out["statistic"] = float(distance.jensenshannon(rc, cc, base=2))
    return out


def decide(columns, threshold_overrides=None, correction="none", drift_share=0.5):
    defaults = {"ks": 0.05, "chi2": 0.05, "ztest": 0.05, "psi": 0.2, "wasserstein": 0.1, "jensenshannon": 0.1}
    defaults.update(threshold_overrides or {})
    tested = [c for c in columns.values() if "skipped" not in c and "method" in c]
    with_p = [c for c in tested if "p_value" in c]
    raw = [c["p_value"] for c in with_p]
    if correction == "bonferroni":
        adjusted = [min(1.0, p * len(raw)) for p in raw]
    elif correction == "fdr":
        adjusted = list(bh(raw))
    else:
        adjusted = raw
    for c, p in zip(with_p, adjusted):
        if correction != "none":
            c["p_value_adjusted"] = float(p)
    drifted = 0
    for c in columns.values():
        if "method" in c:
            c["threshold"] = defaults[c["method"]]
        if c in tested:
            if "p_value" in c:
                c["drift"] = c.get("p_value_adjusted", c["p_value"]) < c["threshold"]
            else:
                c["drift"] = c["statistic"] >= c["threshold"]
        else:
            c["drift"] = False
        drifted += c["drift"]
    share = drifted / len(tested) if tested else 0.0
    return {"tested_columns": len(tested), "drifted_columns": drifted, "drift_share": share,
            "threshold_share": drift_share, "drift": bool(tested) and share >= drift_share}


# --- unit-test cases of the statistics -----------------------------------------------------

def ks_cases():
    cases = []

    def add(name, a, b):
        r = stats.ks_2samp(a, b)
        cases.append({"name": name, "a": list(map(float, a)), "b": list(map(float, b)),
                      "statistic": float(r.statistic), "p_value": float(r.pvalue)})

    add("tiny exact", [1.0, 2.0, 3.0], [2.5, 4.0, 5.0, 6.0, 7.0])
    add("one value each", [1.0], [2.0])
    add("equal n exact", rng.normal(size=40).round(3), rng.normal(0.5, 1, size=40).round(3))
    add("ties exact", rng.integers(0, 6, size=50), rng.integers(0, 7, size=70))
    add("identical samples", np.arange(30.0), np.arange(30.0))
    add("large exact unequal", rng.integers(0, 2000, size=7000), rng.integers(0, 2000, size=9000) + 20)
    add("large exact equal", rng.integers(0, 5000, size=6000), rng.integers(0, 5000, size=6000) + 40)
    add("asymptotic small shift", rng.integers(0, 100000, size=12000), rng.integers(0, 100000, size=11000) + 300)
    add("asymptotic big shift", rng.integers(0, 1000, size=15000), rng.integers(200, 1200, size=10001))
    add("asymptotic small en", rng.integers(0, 1000, size=60), rng.integers(100, 1100, size=20000))
    add("asymptotic tiny en", rng.integers(0, 1000, size=3), rng.integers(100, 1100, size=10500))
    return cases


def kolmogorov_grid():
    grid = []
    for n in [1, 2, 5, 10, 50, 100, 140, 141, 500, 1000, 5000, 50000, 100000, 100001, 500000, 2000000]:
        for x in [0.0005, 0.001, 0.003, 0.01, 0.02, 0.05, 0.08, 0.1, 0.15, 0.2, 0.3, 0.45, 0.5, 0.6, 0.8, 0.95]:
            grid.append({"n": n, "x": x, "sf": float(stats.kstwo.sf(x, n))})
    for n in [3, 30, 300, 3000, 300000, 1500000]:
        for x in [0.2, 0.4, 0.55, 0.7, 0.9]:
            grid.append({"n": n, "x": x, "sf": float(scipy.special.smirnov(n, x)), "one_sided": True})
    return grid


def chi2_cases():
    cases = []

    def add(name, ref, cur):
        r = stats.chi2_contingency(np.array([ref, cur]))
        cases.append({"name": name, "reference": ref, "current": cur, "statistic": float(r[0]),
                      "p_value": float(r[1]), "dof": int(r[2])})

    add("2x2 yates", [30, 10], [20, 25])
    add("2x2 yates small gap", [10, 11], [11, 10])
    add("2x3 unseen category", [50, 30, 0], [40, 30, 12])
    add("2x5", [120, 80, 60, 30, 10], [100, 90, 50, 50, 20])
    add("one category", [5], [7])
    add("many categories", [int(v) for v in rng.integers(1, 200, size=300)], [int(v) for v in rng.integers(1, 200, size=300)])
    add("tiny p", [1000, 10], [10, 1000])
    grid = []
    for dof in [1, 2, 3, 10, 57, 299, 5000]:
        for x in [0.001, 0.5, 1, 3, 10, 50, 300, 1000, 6000]:
            grid.append({"x": x, "dof": dof, "sf": float(stats.chi2.sf(x, dof))})
    return cases, grid


def distance_cases():
    cases = []
    for name, a, b in [
        ("normal shift", rng.normal(size=500).round(4), rng.normal(0.3, 1.2, size=700).round(4)),
        ("ties", rng.integers(0, 10, size=300).astype(float), rng.integers(0, 12, size=200).astype(float)),
        ("constant reference", np.full(50, 3.0), rng.normal(3, 1, size=80).round(2)),
        ("large", rng.exponential(2, size=20000).round(5), rng.exponential(2.2, size=15000).round(5)),
    ]:
        edges = decile_edges(a)
        rc, cc = bin_counts(a, edges), bin_counts(b, edges)
        cases.append({"name": name, "a": list(map(float, a)), "b": list(map(float, b)),
                      "wasserstein_normed": float(wasserstein_normed(a, b)),
                      "edges": list(map(float, edges)), "ref_bins": [int(v) for v in rc], "cur_bins": [int(v) for v in cc],
                      "psi": psi_from_counts(rc, cc), "jensenshannon": float(distance.jensenshannon(rc, cc, base=2)),
                      "quantiles": [float(np.quantile(a, q)) for q in [0.0, 0.1, 0.25, 0.3, 0.5, 0.7, 0.9, 1.0]]})
    counts = []
    for p, q in [([10, 20, 30], [30, 20, 10]), ([5, 0, 5], [0, 10, 0]), ([1, 1], [1, 1]), ([100, 3, 0, 7], [90, 0, 4, 6])]:
        counts.append({"p": p, "q": q, "jensenshannon": float(distance.jensenshannon(p, q, base=2)),
                       "psi": psi_from_counts(p, q)})
    return cases, counts


def ztest_cases():
    out = []
    for h1, n1, h2, n2 in [(30, 100, 45, 100), (500, 1000, 520, 1100), (1, 3, 2, 2), (999, 1000, 1, 1000)]:
        z, p = ztest(h1, n1, h2, n2)
        out.append({"hits_ref": h1, "n_ref": n1, "hits_cur": h2, "n_cur": n2, "statistic": z, "p_value": p})
    return out


def correction_cases():
    p = [0.01, 0.04, 0.03, 0.2, 0.005, 0.04]
    return {"p": p, "bonferroni": [min(1.0, v * len(p)) for v in p], "fdr": list(map(float, bh(p)))}


# --- end-to-end cases: CSV files and the reports they must give ------------------------------

def fmt(v):
    return repr(float(v))


def write_csv(name, frame, *, gz=False, sep=",", line_end="\n", bom=False, final_newline=True, quote_all=False):
    text = frame.to_csv(index=False, sep=sep, lineterminator=line_end, na_rep="",
                        quoting=1 if quote_all else 0)
    if not final_newline:
        text = text[:-len(line_end)]
    data = (("\ufeff" if bom else "") + text).encode()
    path = os.path.join(CSV_DIR, name)
    if gz:
        with gzip.GzipFile(path, "wb", mtime=0) as f:
            f.write(data)
    else:
        with open(path, "wb") as f:
            f.write(data)
    return name


def read_back(name, sep=","):
    return pd.read_csv(os.path.join(CSV_DIR, name), sep=sep, keep_default_na=False, na_values=MISSING,
                       float_precision="round_trip", dtype=str)


def expected_report(ref_name, cur_name, sep=",", numeric_method="auto", categorical_method="auto",
                    force_categorical=(), thresholds=None, correction="none"):
    ref, cur = read_back(ref_name, sep), read_back(cur_name, sep)
    columns = {}
    for col in ref.columns:
        r, c = ref[col].dropna(), cur[col].dropna()
        numeric = col not in force_categorical and pd.to_numeric(r, errors="coerce").notna().all()
        if numeric:
            r, c = pd.to_numeric(r).to_numpy(float), pd.to_numeric(c).to_numpy(float)
        else:
            r, c = r.to_numpy(str), c.to_numpy(str)
        e = column_expectation(r, c, numeric, numeric_method, categorical_method)
        # ml-drift gives a column with no reference value no type (it is skipped).
        e["type"] = None if len(r) == 0 else "numeric" if numeric else "categorical"
        e["missing_ref"] = int(ref[col].isna().sum())
        e["missing_cur"] = int(cur[col].isna().sum())
        columns[col] = e
    dataset = decide(columns, thresholds, correction)
    return {"reference": ref_name, "current": cur_name, "rows": [len(ref), len(cur)], "columns": columns,
            "dataset": dataset}


def missing_sprinkle(values, share, marker_cycle=MISSING):
    values = values.astype(object)
    holes = rng.random(len(values)) < share
    for k, i in enumerate(np.flatnonzero(holes)):
        values[i] = marker_cycle[k % len(marker_cycle)]
    return values


def cli_cases():
    os.makedirs(CSV_DIR, exist_ok=True)
    cases = []

    # Small samples (auto: tests): ks exact with ties, chi2 with an unseen category, ztest,
    # few-valued numbers, an all-missing column, a constant one.
    n_ref, n_cur = 400, 300
    ref = pd.DataFrame({
        "age": missing_sprinkle(rng.normal(40, 10, n_ref).round(1), 0.05),
        "score": rng.integers(0, 50, n_ref),
        "plan": rng.choice(["basic", "pro", "team"], n_ref, p=[0.6, 0.3, 0.1]),
        "churned": rng.choice(["yes", "no"], n_ref, p=[0.2, 0.8]),
        "rating": rng.integers(1, 4, n_ref),
        "notes": [""] * n_ref,
        "version": ["v1"] * n_ref,
    })
    cur = pd.DataFrame({
        "age": missing_sprinkle(rng.normal(46, 10, n_cur).round(1), 0.08),
        "score": rng.integers(0, 50, n_cur),
        "plan": rng.choice(["basic", "pro", "team", "enterprise"], n_cur, p=[0.4, 0.3, 0.2, 0.1]),
        "churned": rng.choice(["yes", "no"], n_cur, p=[0.35, 0.65]),
        "rating": rng.integers(1, 4, n_cur),
        "notes": ["NA"] * n_cur,
        "version": ["v1"] * n_cur,
    })
    write_csv("small_ref.csv", ref)
    write_csv("small_cur.csv", cur)
    cases.append({"name": "small", "args": ["--reference", "small_ref.csv", "--current", "small_cur.csv"],
                  **expected_report("small_ref.csv", "small_cur.csv")})
    cases.append({"name": "small bonferroni", "args": ["--reference", "small_ref.csv", "--current", "small_cur.csv",
                                                       "--correction", "bonferroni"],
                  **expected_report("small_ref.csv", "small_cur.csv", correction="bonferroni")})
    cases.append({"name": "small fdr", "args": ["--reference", "small_ref.csv", "--current", "small_cur.csv",
                                                "--correction", "fdr"],
                  **expected_report("small_ref.csv", "small_cur.csv", correction="fdr")})
    cases.append({"name": "small psi", "args": ["--reference", "small_ref.csv", "--current", "small_cur.csv",
                                                "--numeric-method", "psi", "--categorical-method", "psi"],
                  **expected_report("small_ref.csv", "small_cur.csv", numeric_method="psi", categorical_method="psi")})

    # Large samples (auto: distances), gzipped.
    n_ref, n_cur = 5000, 4000
    ref = pd.DataFrame({
        "income": missing_sprinkle(rng.lognormal(10, 0.5, n_ref).round(2), 0.02),
        "clicks": rng.poisson(3, n_ref),
        "children": rng.integers(0, 4, n_ref),
        "country": rng.choice(["DE", "FR", "US", "JP"], n_ref),
    })
    cur = pd.DataFrame({
        "income": missing_sprinkle(rng.lognormal(10.2, 0.55, n_cur).round(2), 0.02),
        "clicks": rng.poisson(3, n_cur),
        "children": rng.integers(0, 4, n_cur),
        "country": rng.choice(["DE", "FR", "US", "JP", "BR"], n_cur, p=[0.3, 0.2, 0.2, 0.2, 0.1]),
    })
    write_csv("large_ref.csv.gz", ref, gz=True)
    write_csv("large_cur.csv.gz", cur, gz=True)
    cases.append({"name": "large gzip", "args": ["--reference", "large_ref.csv.gz", "--current", "large_cur.csv.gz"],
                  **expected_report("large_ref.csv.gz", "large_cur.csv.gz")})
    cases.append({"name": "large ks asymptotic", "args": ["--reference", "asymp_ref.csv.gz", "--current", "asymp_cur.csv.gz",
                                                          "--numeric-method", "ks"],
                  **(write_csv("asymp_ref.csv.gz", pd.DataFrame({"x": rng.normal(0, 1, 12000).round(4)}), gz=True) and
                     write_csv("asymp_cur.csv.gz", pd.DataFrame({"x": rng.normal(0.03, 1, 11000).round(4)}), gz=True) and
                     expected_report("asymp_ref.csv.gz", "asymp_cur.csv.gz", numeric_method="ks"))})
    cases.append({"name": "large chi2 and psi", "args": ["--reference", "large_ref.csv.gz", "--current", "large_cur.csv.gz",
                                                         "--numeric-method", "psi", "--categorical-method", "chi2"],
                  **expected_report("large_ref.csv.gz", "large_cur.csv.gz", numeric_method="psi", categorical_method="chi2")})

    # RFC 4180 edge cases: quotes, doubled quotes, delimiters and line breaks in quotes,
    # CRLF, a byte-order mark, no final newline; the same data as TSV.
    cities = ['New York, NY', 'Say "hi"', 'Line\nbreak', 'Paris', '']
    ref = pd.DataFrame({"city": rng.choice(cities, 60), "value": rng.normal(0, 1, 60).round(3)})
    cur = pd.DataFrame({"city": rng.choice(cities[:4], 50), "value": rng.normal(0.2, 1, 50).round(3)})
    write_csv("quoted_ref.csv", ref, line_end="\r\n", bom=True, final_newline=False, quote_all=True)
    write_csv("quoted_cur.csv", cur, line_end="\r\n")
    cases.append({"name": "quoted crlf bom", "args": ["--reference", "quoted_ref.csv", "--current", "quoted_cur.csv"],
                  **expected_report("quoted_ref.csv", "quoted_cur.csv")})
    write_csv("quoted_ref.tsv", ref, sep="\t")
    write_csv("quoted_cur.tsv", cur, sep="\t")
    cases.append({"name": "tsv", "args": ["--reference", "quoted_ref.tsv", "--current", "quoted_cur.tsv"],
                  **expected_report("quoted_ref.tsv", "quoted_cur.tsv", sep="\t")})

    # One-row files.
    write_csv("one_ref.csv", pd.DataFrame({"x": [1.5], "c": ["a"]}))
    write_csv("one_cur.csv", pd.DataFrame({"x": [2.5], "c": ["b"]}))
    cases.append({"name": "one row", "args": ["--reference", "one_ref.csv", "--current", "one_cur.csv"],
                  **expected_report("one_ref.csv", "one_cur.csv")})
    return cases


def main():
    cases, counts = distance_cases()
    chi2, chi2_grid = chi2_cases()
    unit = {"scipy": scipy.__version__, "numpy": np.__version__, "ks": ks_cases(), "kolmogorov": kolmogorov_grid(),
            "chi2": chi2, "chi2_sf": chi2_grid, "distances": cases, "count_distances": counts,
            "ztest": ztest_cases(), "correction": correction_cases()}
    with open(os.path.join(HERE, "stats_cases.json"), "w") as f:
        json.dump(unit, f, separators=(",", ":"))
        f.write("\n")
    with open(os.path.join(HERE, "cli_cases.json"), "w") as f:
        json.dump({"scipy": scipy.__version__, "pandas": pd.__version__, "cases": cli_cases()}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
