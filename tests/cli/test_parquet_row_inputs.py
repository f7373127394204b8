"""Parquet for the readers that take rows: ml-validate --predictions, ml-compare
--candidate/--baseline-predictions, ml-drift schema, ml-drift --quality/--schema and ml-drift
profile read a Parquet file (or dataset) as its CSV text and give what they give on the CSV
of the same data (fixtures: tests/cli/parquet_fixtures.mjs, DuckDB and parquet-wasm; the
example predictions written as Parquet by scripts/csv-to-parquet.mjs, DuckDB)."""
import os
import shutil
import subprocess
import tempfile
import unittest

from lean_cli import SOURCE_DIR, CliTest

FIXTURES = None
PAIRS = ["duckdb_snappy", "duckdb_v2", "duckdb_small_groups", "wasm_v1_plain", "wasm_v2_delta", "wasm_dictionary_fallback"]
EXAMPLES = os.path.join(SOURCE_DIR, "examples", "predictions")


def setUpModule():
    global FIXTURES
    FIXTURES = tempfile.mkdtemp(prefix="lean-parquet-rows-")
    subprocess.run(["node", os.path.join(SOURCE_DIR, "tests", "cli", "parquet_fixtures.mjs"), FIXTURES], check=True,
                   capture_output=True, timeout=300)
    for folder, name in (("predictions", "candidate"), ("predictions", "production"), ("drift", "training"),
                         ("drift", "production")):
        subprocess.run(["node", os.path.join(SOURCE_DIR, "scripts", "csv-to-parquet.mjs"),
                        os.path.join(SOURCE_DIR, "examples", folder, name + ".csv"),
                        os.path.join(FIXTURES, f"{folder}-{name}.parquet")], check=True, capture_output=True, timeout=300)


def tearDownModule():
    shutil.rmtree(FIXTURES, ignore_errors=True)


def fixture(name):
    return os.path.join(FIXTURES, name)


class ParquetRows(CliTest):
    def same_output(self, runs, output, tool_args, *, codes=(0, 1)):
        """Runs tool_args(source...) for each source set; the output files are equal, paths aside."""
        texts = []
        for sources in runs:
            if os.path.exists(self.path(output)):
                os.remove(self.path(output))
            r = self.run_tool(*tool_args(*sources))
            self.assertIn(r.code, codes, r)
            self.assertEqual(r.stderr, "")
            text = self.read(output)
            for i, source in enumerate(sources):
                text = text.replace(source, f"INPUT{i}")
            texts.append((r.code, text))
        self.assertEqual(texts[0], texts[1])
        return texts[0]

    def test_predictions(self):
        self.same_output(
            [(os.path.join(EXAMPLES, "candidate.csv"),), (fixture("predictions-candidate.parquet"),)], "metrics.json",
            lambda p: ("ml-validate", "--predictions", p, "--require", "accuracy >= 0.8", "--write-metrics", "metrics.json",
                       "--report", "report.json", "--no-ci"))
        self.same_output(
            [(os.path.join(EXAMPLES, "candidate.csv"), os.path.join(EXAMPLES, "production.csv")),
             (fixture("predictions-candidate.parquet"), fixture("predictions-production.parquet"))], "compare.json",
            lambda c, b: ("ml-compare", "--candidate-predictions", c, "--baseline-predictions", b, "--id-column", "id",
                          "--metric", "accuracy", "--significance", "0.05", "--report", "compare.json", "--no-ci"))

    def test_schema_quality_and_profile_of_every_pair(self):
        for name in PAIRS:
            with self.subTest(pair=name):
                base = fixture(name)
                csv, parquet = (base + ".ref.csv", base + ".cur.csv"), (base + ".ref.parquet", base + ".cur.parquet")
                self.same_output([csv[:1], parquet[:1]], "schema.json",
                                 lambda ref: ("ml-drift", "schema", "--reference", ref, "--output", "schema.json", "--no-ci"),
                                 codes=(0,))
                self.same_output([csv, parquet], "report.json",
                                 lambda ref, cur: ("ml-drift", "--reference", ref, "--current", cur, "--quality",
                                                   "--report", "report.json", "--no-ci"))
                self.same_output([csv[:1], parquet[:1]], "ref.profile",
                                 lambda ref: ("ml-drift", "profile", ref, "--output", "ref.profile", "--no-ci"), codes=(0,))

    def test_a_partitioned_dataset_with_the_quality_checks(self):
        # Its rows come in file-name order, not the CSV's: the findings are the same, the
        # lines their examples cite are not.
        base = fixture("duckdb_partitioned")
        reports = []
        for ref, cur in ((base + ".ref.csv", base + ".cur.csv"), (base + ".ref", base + ".cur")):
            r = self.run_tool("ml-drift", "--reference", ref, "--current", cur, "--quality", "--report", "report.json",
                              "--no-ci")
            self.assertIn(r.code, (0, 1), r)
            report = self.read_json("report.json")
            for finding in report["quality"]:
                finding.pop("examples")
                finding.pop("message")
            reports.append((r.code, report["columns"], report["quality"]))
        self.assertEqual(reports[0], reports[1])

    def test_the_demo_pair_as_parquet_gives_the_csv_report(self):
        drift = os.path.join(SOURCE_DIR, "examples", "drift")
        self.same_output([(os.path.join(drift, "training.csv"), os.path.join(drift, "production.csv")),
                          (fixture("drift-training.parquet"), fixture("drift-production.parquet"))], "report.json",
                         lambda ref, cur: ("ml-drift", "--reference", ref, "--current", cur, "--report", "report.json",
                                           "--no-ci"))

    def test_a_damaged_file_is_still_named(self):
        with open(fixture("duckdb_snappy.ref.parquet"), "rb") as f:
            self.write("bad.parquet", f.read()[:-20] + b"PAR1")
        r = self.run_tool("ml-validate", "--predictions", "bad.parquet", "--require", "accuracy >= 0.8", "--no-ci")
        self.assertEqual(r.code, 3, r)
        self.assertTrue(r.stderr.startswith("ml-validate: error: 'bad.parquet': "), r)


if __name__ == "__main__":
    unittest.main()
