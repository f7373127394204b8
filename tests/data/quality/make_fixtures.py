"""Fixtures of the data-quality checks: a clean reference/current pair and one current file
per anomaly, each anomaly injected alone into a copy of the clean current data.

Run by the CLI tests (tests/cli/test_ml_drift_quality.py) into their scratch directory;
`python3 make_fixtures.py DIR` writes them for a look. Deterministic (seeded)."""
import csv
import os
import random
import sys

ROWS = 200
HEADER = ["id", "age", "income", "city", "segment", "score"]
CITIES = ["Berlin", "Lagos", "Paris", "Tokyo"]
SEGMENTS = ["consumer", "enterprise", "smb"]


def reference_rows():
    rng = random.Random(14)
    rows = []
    for i in range(ROWS):
        rows.append({"id": str(1000 + i), "age": str(rng.randint(19, 89)), "income": f"{rng.uniform(20000, 90000):.2f}",
                     "city": rng.choice(CITIES), "segment": rng.choice(SEGMENTS), "score": f"{rng.random():.4f}"})
    rows[0]["age"], rows[1]["age"] = "18", "90"  # the range is [18, 90]
    rows[2]["income"] = ""                        # 1 of 200 missing: 0.5%
    return rows


def clean_current():
    rows = [dict(r) for r in reference_rows()]
    return rows[37:] + rows[:37]  # the same values in another order: no drift, no anomaly


def with_cells(column, value, count, start=10, step=7):
    """The clean current data with `count` cells of `column` set to `value`."""
    rows = clean_current()
    for k in range(count):
        rows[start + k * step][column] = value
    return rows


def duplicated(count):
    rows = clean_current()
    for k in range(count):
        rows[100 + k] = dict(rows[20 + k])
    return rows


def anomalies():
    """name -> (header, rows) of each current file."""
    out = {"clean": (HEADER, clean_current())}
    out["columns_missing"] = ([h for h in HEADER if h != "segment"], clean_current())
    out["columns_new"] = (HEADER + ["extra"], [dict(r, extra="x") for r in clean_current()])
    out["type"] = (HEADER, with_cells("age", "forty", 2))
    # missing: reference 1 of 200 (0.5%); +5% is 11 of 200 (at the threshold), 12 above it.
    out["missing_at"] = (HEADER, with_cells("income", "NA", 10, start=5, step=11))  # + the one already missing
    out["missing_above"] = (HEADER, with_cells("income", "", 11, start=5, step=11))
    # range: 1% of 200 is 2 values outside [18, 90]; 3 is above.
    out["range_at"] = (HEADER, with_cells("age", "150", 2))
    out["range_above"] = (HEADER, with_cells("age", "-3", 3))
    out["categories_at"] = (HEADER, with_cells("city", "Atlantis", 2))
    out["categories_above"] = (HEADER, with_cells("city", "Atlantis", 3))
    out["constant"] = (HEADER, with_cells("score", "0.5", ROWS, start=0, step=1))
    out["empty"] = (HEADER, with_cells("segment", "", ROWS, start=0, step=1))
    out["rows_at"] = (HEADER, clean_current()[:160])      # 160 / 200 = 0.8
    out["rows_above"] = (HEADER, clean_current()[:159])   # below 0.8
    out["duplicates_at"] = (HEADER, duplicated(2))        # 1% duplicated rows
    out["duplicates_above"] = (HEADER, duplicated(3))
    unique = clean_current()
    unique[50]["id"] = unique[49]["id"]
    out["unique"] = (HEADER, unique)
    return out


def write_csv(path, header, rows):
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=header, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def write_fixtures(directory):
    write_csv(os.path.join(directory, "reference.csv"), HEADER, reference_rows())
    for name, (header, rows) in anomalies().items():
        write_csv(os.path.join(directory, f"{name}.csv"), header, rows)


if __name__ == "__main__":
    write_fixtures(sys.argv[1] if len(sys.argv) > 1 else ".")
