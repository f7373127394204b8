"""ml-drift's input checks (issue 11, items 21-24): files that are not the CSV they seem,
pandas' missing values, stray cells in a numeric column, thresholds per column, the
corrections a run applied, and a --changed state file in a folder still to be made."""
import gzip
import json
import os
import unittest

from lean_cli import CliTest


class DriftInput(CliTest):
    def setUp(self):
        super().setUp()
        self.write("ref.csv", "age,city\n31,Berlin\n42,Paris\n")
        self.write("cur.csv", "age,city\n35,Rome\n41,Paris\n")

    def drift(self, ref, cur, *args):
        return self.run_tool("ml-drift", "--reference", ref, "--current", cur, *args)

    def fails(self, code, line, ref, cur, *args):
        r = self.drift(ref, cur, *args)
        self.assertFails(r, code, "ml-drift: error: " + line)
        return r

    def test_an_output_naming_an_input_is_refused(self):
        self.fails(2, "'ref.csv': --report would overwrite an input file", "ref.csv", "cur.csv", "--report", "ref.csv")
        self.fails(2, "'./cur.csv': --html would overwrite an input file", "ref.csv", "cur.csv", "--html", "./cur.csv")
        self.fails(2, "'r.json': --report and --markdown name the same file", "ref.csv", "cur.csv",
                   "--report", "r.json", "--markdown", "r.json")
        r = self.run_tool("ml-drift", "profile", "ref.csv", "--output", "ref.csv")
        self.assertFails(r, 2, "ml-drift: error: 'ref.csv': --output would overwrite an input file")
        r = self.run_tool("ml-drift", "schema", "--reference", "ref.csv", "--output", "ref.csv")
        self.assertFails(r, 2, "ml-drift: error: 'ref.csv': --output would overwrite an input file")
        self.assertEqual(self.read("ref.csv"), "age,city\n31,Berlin\n42,Paris\n")

    # 21: files that are not the CSV they seem

    def test_a_semicolon_csv_is_not_one_column(self):
        self.write("semi.csv", "age;city\n31;Berlin\n42;Paris\n")
        self.fails(3, "'semi.csv': the header is one column but holds ';': give --delimiter ';'", "semi.csv", "semi.csv")
        self.write("decimal_comma.csv", "age;score\n31;0,5\n42;1,25\n")
        self.fails(3, "'decimal_comma.csv': the header is one column but holds ';': give --delimiter ';'",
                   "ref.csv", "decimal_comma.csv")
        self.write("tabs.csv", "age\tcity\n31\tBerlin\n")
        self.fails(3, "'tabs.csv': the header is one column but holds '\\t': give --delimiter 'tab'", "tabs.csv", "tabs.csv")
        self.write("pipes.csv", "age|city\n31|Berlin\n")
        self.fails(3, "'pipes.csv': the header is one column but holds '|': give --delimiter '|'", "pipes.csv", "pipes.csv")
        r = self.drift("semi.csv", "semi.csv", "--delimiter", ";")
        self.assertEqual(r.code, 0, r)

    def test_one_side_with_one_column_and_the_other_with_many_is_an_error(self):
        self.write("one.csv", "age\n31\n42\n")
        self.fails(3, "'one.csv': has one column, but the reference has 2: check the delimiter (--delimiter)",
                   "ref.csv", "one.csv", "--columns", "age")
        self.fails(3, "'one.csv': has one column, but the current data has 2: check the delimiter (--delimiter)",
                   "one.csv", "ref.csv")

    def test_binary_and_json_files_are_named(self):
        self.write("d.parquet", b"PAR1\x15\x04\x15\x10" + b"\x00" * 32 + b"PAR1")
        # Parquet is read by its magic bytes (docs/ml-drift.md, Input formats): this one is damaged.
        self.fails(3, "'d.parquet': footer: corrupt Thrift: ends early", "d.parquet", "cur.csv")
        self.write("book.xlsx", b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 32)
        self.fails(3, "'book.xlsx': is a ZIP archive (an .xlsx workbook?), not CSV", "ref.csv", "book.xlsx")
        self.write("tool", b"\x7fELF\x02\x01\x01" + b"\x00" * 32)
        self.fails(3, "'tool': is an executable (ELF), not CSV", "tool", "cur.csv")
        self.write("nul.csv", b"age,city\n31,Ber\x00lin\n")
        self.fails(3, "'nul.csv': is a binary file (it holds NUL bytes), not CSV", "ref.csv", "nul.csv")
        self.write("rows.json", json.dumps([{"age": 31, "city": "Berlin"}]))
        self.fails(3, "'rows.json': is a JSON file, not CSV", "rows.json", "cur.csv")
        self.write("rows.jsonl", '{"age": 31}\n{"age": 42}\n')
        self.fails(3, "'rows.jsonl': is a JSON file, not CSV", "ref.csv", "rows.jsonl")
        self.write("cur.csv.gz", gzip.compress(b"age,city\n35,Rome\n41,Paris\n"))
        self.assertEqual(self.drift("ref.csv", "cur.csv.gz").code, 0)

    # 22: missing values, stray cells, underflow

    def test_pandas_missing_values_keep_a_column_numeric(self):
        spellings = ["#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>",
                     "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null", '""']  # "": a blank line is skipped
        self.write("r.csv", "x\n" + "".join(f"{i}\n" for i in range(50)) + "".join(f"{s}\n" for s in spellings))
        self.write("c.csv", "x\n" + "".join(f"{i}\n" for i in range(50)))
        r = self.drift("r.csv", "c.csv", "--report", "o.json")
        (x,) = self.read_json("o.json")["columns"]
        self.assertEqual((x["type"], x["method"], x["n_ref"], x["missing_ref"]), ("numeric", "ks", 50, len(spellings)), r)

    def test_a_numeric_column_with_a_few_stray_cells_names_them(self):
        rows = [str(i % 97) for i in range(400)]
        rows[56], rows[200] = "oops", "1.2.3"
        self.write("r.csv", "x\n" + "\n".join(rows) + "\n")
        self.write("c.csv", "x\n" + "".join(f"{i % 90}\n" for i in range(400)))
        self.fails(3, "'r.csv:58': column \"x\" holds numbers but for 2 cells (lines 58, 202, first \"oops\"): "
                      "fix or empty them, or give --categorical x", "r.csv", "c.csv")
        r = self.drift("r.csv", "c.csv", "--categorical", "x", "--report", "o.json")
        self.assertEqual(self.read_json("o.json")["columns"][0]["type"], "categorical", r)
        self.fails(3, "'r.csv:58': column \"x\": \"oops\" is not a number (--numeric)", "r.csv", "c.csv", "--numeric", "x")

    def test_an_all_missing_reference_column_is_skipped_with_no_type(self):
        self.write("r.csv", "x,y\n" + "".join(f"NA,{i}\n" for i in range(30)))
        self.write("c.csv", "x,y\n" + "".join(f"text{i},{i}\n" for i in range(30)))
        r = self.drift("r.csv", "c.csv", "--report", "o.json")
        self.assertEqual(r.code, 0, r)
        x = self.read_json("o.json")["columns"][0]
        self.assertEqual((x["type"], x["skipped"], x["missing_ref"]), (None, "no values in the reference", 30))
        self.assertIn("SKIP  x: skipped: no values in the reference\n", r.stdout)

    def test_numbers_that_underflow_are_zero(self):
        self.write("r.csv", "x\n" + "".join(f"{i}\n" for i in range(20)) + "1e-400\n-1e-400\n")
        self.write("c.csv", "x\n" + "".join(f"{i}\n" for i in range(20)))
        r = self.drift("r.csv", "c.csv", "--report", "o.json")
        (x,) = self.read_json("o.json")["columns"]
        self.assertEqual((x["type"], x["n_ref"]), ("numeric", 22), r)

    # 23: corrections and thresholds

    def test_a_correction_says_which_columns_it_applied_to(self):
        self.write("r.csv", "a,b\n" + "".join(f"{i},{i}\n" for i in range(40)))
        self.write("c.csv", "a,b\n" + "".join(f"{i + 20},{i}\n" for i in range(40)))
        r = self.drift("r.csv", "c.csv", "--correction", "fdr", "--report", "o.json", "--markdown", "s.md")
        self.assertIn("--correction fdr applied to the p-values of a, b (distances are not corrected)\n", r.stdout)
        self.assertEqual(self.read_json("o.json")["corrected_columns"], ["a", "b"])
        self.assertIn("--correction fdr applied to the p-values of a, b", self.read("s.md"))
        r = self.drift("r.csv", "c.csv", "--correction", "fdr", "--numeric-method", "wasserstein", "--report", "o.json")
        self.assertIn("--correction fdr applied to no column: every tested column was decided by a distance, "
                      "which is not corrected\n", r.stdout)
        self.assertEqual(self.read_json("o.json")["corrected_columns"], [])

    def test_thresholds_per_column_and_their_bounds(self):
        self.write("r.csv", "age,score\n" + "".join(f"{i},{i}\n" for i in range(40)))
        self.write("c.csv", "age,score\n" + "".join(f"{i + 5},{i + 5}\n" for i in range(40)))
        self.drift("r.csv", "c.csv", "--threshold", "ks=0.2,age=0.001", "--report", "o.json")
        cols = {c["name"]: c["threshold"] for c in self.read_json("o.json")["columns"]}
        self.assertEqual(cols, {"age": 0.001, "score": 0.2})
        self.fails(2, "--threshold names \"ks\" twice", "r.csv", "c.csv", "--threshold", "ks=0.1,ks=0.2")
        self.fails(2, "--threshold names \"age\" twice", "r.csv", "c.csv", "--threshold", "age=0.1,age=0.2")
        self.fails(2, "--threshold ks=1.5: a p-value threshold must be between 0 and 1", "r.csv", "c.csv",
                   "--threshold", "ks=1.5")
        self.fails(2, "--threshold 1 (it applies to ks, chi2 and ztest too; give METHOD=X for one method): a p-value "
                      "threshold must be between 0 and 1", "r.csv", "c.csv", "--threshold", "1")
        self.fails(2, "--threshold age=2: column \"age\" is tested with ks, whose p-value threshold must be between 0 and 1",
                   "r.csv", "c.csv", "--threshold", "age=2")
        self.fails(2, "--threshold \"agee=0.01\" names no method and no column of the reference; did you mean \"age\"?",
                   "r.csv", "c.csv", "--threshold", "agee=0.01")
        r = self.drift("r.csv", "c.csv", "--threshold", "psi=1.5,wasserstein=2", "--numeric-method", "psi")
        self.assertIn(r.code, (0, 1), r)

    # 24: --changed with a state file in a folder that does not exist yet

    def test_changed_creates_the_folder_of_its_state_file(self):
        r = self.run_tool("ml-drift", "--changed", "ref.csv", "--state", "cache/drift/state.json")
        self.assertEqual(r.code, 1, r)
        self.assertIn("ref.csv", self.read_json("cache/drift/state.json")["files"])
        self.assertEqual(self.run_tool("ml-drift", "--changed", "ref.csv", "--state", "cache/drift/state.json").code, 0)


if __name__ == "__main__":
    unittest.main()
