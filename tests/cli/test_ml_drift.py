"""End-to-end tests of ml-drift: scipy's numbers on real files, exit codes, exact error lines, outputs."""
import gzip
import json
import os
import shutil
import unittest
import xml.etree.ElementTree as ET

from lean_cli import SOURCE_DIR, CliTest

FIXTURES = os.path.join(SOURCE_DIR, "tests", "data", "drift")
CSV = os.path.join(FIXTURES, "csv")
with open(os.path.join(FIXTURES, "cli_cases.json")) as f:
    CASES = json.load(f)["cases"]


def close(a, b, rel=1e-9):
    return a == b or abs(a - b) <= rel * max(abs(a), abs(b))


class MatchesScipy(CliTest):
    """Every fixture case: the report carries the values scipy computed on the same files."""

    def setUp(self):
        super().setUp()
        for name in os.listdir(CSV):
            shutil.copy(os.path.join(CSV, name), self.path(name))

    def check_case(self, case):
        r = self.run_tool("ml-drift", *case["args"], "--report", "report.json")
        expected_code = 1 if case["dataset"]["drift"] else 0
        self.assertEqual(r.code, expected_code, r)
        self.assertEqual(r.stderr, "")
        report = self.read_json("report.json")
        self.assertEqual((report["reference"], report["current"]), (case["reference"], case["current"]))
        self.assertEqual([report["rows"]["reference"], report["rows"]["current"]], case["rows"])
        self.assertEqual([c["name"] for c in report["columns"]], list(case["columns"]))
        for got in report["columns"]:
            want = case["columns"][got["name"]]
            with self.subTest(case=case["name"], column=got["name"]):
                for key in ("type", "n_ref", "n_cur", "missing_ref", "missing_cur", "drift", "dof", "skipped"):
                    if key in want:
                        self.assertEqual(got[key], want[key], key)
                if "method" in want:
                    self.assertEqual(got["method"], want["method"])
                    self.assertEqual(got["threshold"], want["threshold"])
                if "statistic" in want:
                    if want["method"] == "ks":
                        self.assertEqual(got["statistic"], want["statistic"])  # D exactly
                    else:
                        self.assertTrue(close(got["statistic"], want["statistic"]), (got, want))
                else:
                    self.assertIsNone(got["statistic"])
                if "p_value" in want:
                    self.assertTrue(close(got["p_value"], want["p_value"], 1e-6), (got, want))
                else:
                    self.assertIsNone(got["p_value"])
                if "p_value_adjusted" in want:
                    self.assertTrue(close(got["p_value_adjusted"], want["p_value_adjusted"], 1e-6), (got, want))
        self.assertEqual(report["dataset"]["tested_columns"], case["dataset"]["tested_columns"])
        self.assertEqual(report["dataset"]["drifted_columns"], case["dataset"]["drifted_columns"])
        self.assertTrue(close(report["dataset"]["drift_share"], case["dataset"]["drift_share"]))
        self.assertEqual(report["dataset"]["drift"], case["dataset"]["drift"])

    def test_cases(self):
        self.assertGreaterEqual(len(CASES), 10)
        for case in CASES:
            with self.subTest(case=case["name"]):
                self.check_case(case)

    def test_same_report_with_one_thread_or_two(self):
        args = ["--reference", "large_ref.csv.gz", "--current", "large_cur.csv.gz", "--html", "h.html"]
        self.run_tool("ml-drift", *args, "--threads", "1", "--report", "one.json")
        self.run_tool("ml-drift", *args, "--threads", "2", "--report", "two.json")
        self.assertEqual(self.read("one.json"), self.read("two.json"))


class Behaviour(CliTest):
    def write_pair(self, ref, cur):
        self.write("ref.csv", ref)
        self.write("cur.csv", cur)

    def drift(self, *args):
        return self.run_tool("ml-drift", "--reference", "ref.csv", "--current", "cur.csv", *args)

    def test_no_drift_output_and_exit_0(self):
        self.write_pair("x,c\n" + "".join(f"{i},a\n" for i in range(20)), "x,c\n" + "".join(f"{i},a\n" for i in range(20)))
        r = self.drift("--columns", "x")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.stdout, "OK    x: ks p 1 >= 0.05\nml-drift: pass (no dataset drift: 0 of 1 columns drifted (0% < 50%))\n")

    def test_drift_writes_every_output(self):
        self.write_pair("x,c\n" + "".join(f"{i},a\n" for i in range(50)),
                        "x,c\n" + "".join(f"{i + 40},b\n" for i in range(50)))
        r = self.drift("--report", "r.json", "--markdown", "s.md", "--junit", "j.xml", "--dotenv", "d.env")
        self.assertEqual(r.code, 1, r)
        report = self.read_json("r.json")
        self.assertEqual((report["status"], report["exit_code"]), ("fail", 1))
        self.assertEqual(report["dataset"], {"tested_columns": 2, "drifted_columns": 2, "drift_share": 1.0,
                                             "threshold_share": 0.5, "drift": True})
        self.assertIn("| `x` | numeric | ks |", self.read("s.md"))
        suite = ET.parse(self.path("j.xml")).getroot().find("testsuite")
        self.assertEqual((suite.get("tests"), suite.get("failures")), ("2", "2"))
        self.assertIn("ML_DRIFT_DRIFTED_COLUMNS=2\n", self.read("d.env"))
        self.assertIn("ML_DRIFT_STATUS=fail\n", self.read("d.env"))

    def test_markdown_puts_drifted_columns_first(self):
        rows = "".join(f"{i},{i},{i % 2}\n" for i in range(60))
        self.write_pair("a,b,k\n" + rows, "a,b,k\n" + "".join(f"{i},{i + 50},{i % 2}\n" for i in range(60)))
        self.drift("--markdown", "s.md")
        lines = [l for l in self.read("s.md").splitlines() if l.startswith("| `")]
        self.assertEqual([l.split("`")[1] for l in lines], ["b", "a", "k"])

    def test_column_selection_types_and_thresholds(self):
        self.write_pair("id,zip,v\n" + "".join(f"{i},{1000 + i % 3},{i}\n" for i in range(30)),
                        "id,zip,v\n" + "".join(f"{i},{1000 + i % 4},{i}\n" for i in range(30)))
        r = self.drift("--exclude", "id", "--categorical", "zip", "--threshold", "ks=0.5,chi2=0.01", "--report", "r.json")
        cols = {c["name"]: c for c in self.read_json("r.json")["columns"]}
        self.assertEqual(sorted(cols), ["v", "zip"], r)
        self.assertEqual((cols["zip"]["type"], cols["zip"]["method"], cols["zip"]["threshold"]), ("categorical", "chi2", 0.01))
        self.assertEqual(cols["v"]["threshold"], 0.5)
        self.drift("--columns", "v", "--threshold", "0.3", "--numeric-method", "wasserstein", "--report", "r.json")
        (v,) = self.read_json("r.json")["columns"]
        self.assertEqual((v["method"], v["threshold"], v["p_value"]), ("wasserstein", 0.3, None))

    def test_a_column_that_turns_to_text_late_is_categorical(self):
        ref = "x\n" + "".join(f"{i % 3}\n" for i in range(300)) + "high\nlow\nmid\nup\ndown\n"
        self.write_pair(ref, "x\n" + "".join(f"{i % 3}\n" for i in range(500)))
        self.drift("--report", "r.json")
        (x,) = self.read_json("r.json")["columns"]
        self.assertEqual((x["type"], x["n_ref"], x["n_cur"], x["method"]), ("categorical", 305, 500, "chi2"))

    def test_unseen_categories_and_empty_or_constant_columns_do_not_poison_the_run(self):
        self.write_pair("c,e,k\n" + "a,,1\nb,NA,1\n" * 10, "c,e,k\n" + "a,,1\nz,null,1\nq,,1\n" * 10)
        r = self.drift("--report", "r.json")
        cols = {c["name"]: c for c in self.read_json("r.json")["columns"]}
        self.assertEqual(cols["c"]["method"], "chi2")
        self.assertEqual(cols["c"]["dof"], 3)
        self.assertEqual(cols["e"]["skipped"], "no values in the reference")
        self.assertEqual((cols["e"]["missing_ref"], cols["e"]["missing_cur"]), (20, 30))
        self.assertEqual(cols["k"]["skipped"], "constant: one value on both sides")
        self.assertEqual(self.read_json("r.json")["dataset"]["tested_columns"], 1)
        self.assertIn("SKIP  k: skipped: constant: one value on both sides\n", r.stdout)

    def test_drift_share_and_correction(self):
        self.write_pair("a,b\n" + "".join(f"{i},{i}\n" for i in range(40)),
                        "a,b\n" + "".join(f"{i + 20},{i}\n" for i in range(40)))
        self.assertEqual(self.drift().code, 1)
        self.assertEqual(self.drift("--drift-share", "0.6").code, 0)
        self.drift("--correction", "bonferroni", "--report", "r.json")
        a = self.read_json("r.json")["columns"][0]
        self.assertTrue(close(a["p_value_adjusted"], min(1.0, 2 * a["p_value"])))

    def test_github_actions_outputs(self):
        self.write_pair("x\n" + "".join(f"{i}\n" for i in range(30)), "x\n" + "".join(f"{i + 20}\n" for i in range(30)))
        env = {"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": self.path("out.txt"), "GITHUB_STEP_SUMMARY": self.path("sum.md")}
        r = self.run_tool("ml-drift", "--reference", "ref.csv", "--current", "cur.csv", env=env)
        self.assertEqual(r.code, 1)
        self.assertIn("::error title=ml-drift%3A x::x: ks p ", r.stdout)
        self.assertEqual(self.read("out.txt"), "status=fail\nexit-code=1\nreport=\n")
        self.assertIn("ml-drift: fail", self.read("sum.md"))


class BadInput(CliTest):
    """Every bad input: its exit code and the exact error line."""

    def setUp(self):
        super().setUp()
        self.write("ref.csv", "age,city\n31,Berlin\n42,Paris\n")
        self.write("cur.csv", "age,city\n35,Rome\n41,Paris\n")

    def fails(self, code, line, *args):
        r = self.run_tool("ml-drift", *args)
        self.assertFails(r, code, "ml-drift: error: " + line)
        return r

    def pair(self, *extra, ref="ref.csv", cur="cur.csv"):
        return ("--reference", ref, "--current", cur, *extra)

    def test_missing_files_and_directories(self):
        self.fails(3, "'nope.csv': cannot open: No such file or directory", *self.pair(ref="nope.csv"))
        os.mkdir(self.path("dir.csv"))
        self.fails(3, "'dir.csv': is an empty folder: neither a CSV file nor a Parquet dataset (no .parquet file in it)",
                   *self.pair(cur="dir.csv"))
        self.write("dir.csv/notes.txt", "not data")
        self.fails(3, "'dir.csv': is a directory, not a file", *self.pair(cur="dir.csv"))

    def test_malformed_csv(self):
        self.write("short.csv", "age,city\n35,Rome\n41\n")
        self.fails(3, "'short.csv:3': row has 1 field, the header has 2", *self.pair(cur="short.csv"))
        self.write("long.csv", "age,city\n35,Rome,x\n")
        self.fails(3, "'long.csv:2': row has 3 fields, the header has 2", *self.pair(cur="long.csv"))
        self.write("quote.csv", "age,city\n35,\"Rome\n41,Paris\n")
        self.fails(3, "'quote.csv:2': unterminated quoted field", *self.pair(cur="quote.csv"))
        self.write("after.csv", "age,city\n35,\"Rome\"x\n")
        self.fails(3, "'after.csv:2': unexpected text after a closing quote", *self.pair(ref="after.csv"))
        self.write("twice.csv", "age,age\n1,2\n")
        self.fails(3, "'twice.csv:1': column \"age\" appears twice in the header", *self.pair(ref="twice.csv"))

    def test_empty_and_header_only_files(self):
        self.write("empty.csv", "")
        self.fails(3, "'empty.csv': empty file: no header row", *self.pair(ref="empty.csv"))
        self.write("header.csv", "age,city\n")
        self.fails(3, "'header.csv': no data rows, only a header", *self.pair(cur="header.csv"))

    def test_broken_gzip(self):
        data = gzip.compress(b"age,city\n35,Rome\n" * 200)
        self.write("cut.csv.gz", data[: len(data) // 2])
        self.fails(3, "'cut.csv.gz': truncated gzip data: unexpected end of file", *self.pair(cur="cut.csv.gz"))

    def test_columns_missing_or_mistyped(self):
        self.write("renamed.csv", "Age,city\n35,Rome\n")
        self.fails(3, "'renamed.csv:1': no column \"age\", which the reference has; did you mean \"Age\"?",
                   *self.pair(cur="renamed.csv"))
        self.fails(3, "'ref.csv': no column \"agee\"; did you mean \"age\"?", *self.pair("--columns", "agee"))
        self.fails(3, "'ref.csv': no column \"town\"", *self.pair("--exclude", "town"))
        self.write("text.csv", "age,city\n35,Rome\n41,Paris\nforty,Oslo\n")
        self.fails(3, "'text.csv:4': column \"age\": \"forty\" is not a number, but the reference column is numeric",
                   *self.pair(cur="text.csv"))
        self.fails(3, "'ref.csv:2': column \"city\": \"Berlin\" is not a number (--numeric)", *self.pair("--numeric", "city"))

    def test_usage_errors(self):
        self.fails(2, "give --reference REF.csv and --current CUR.csv (or --changed FILE... --state STATE.json)",
                   "--reference", "ref.csv")
        self.fails(2, "give --columns or --exclude, not both", *self.pair("--columns", "age", "--exclude", "city"))
        self.fails(2, "unknown --numeric-method \"kss\"; did you mean \"ks\"? (one of auto, ks, psi, wasserstein, chi2, "
                      "jensenshannon, ztest)", *self.pair("--numeric-method", "kss"))
        self.fails(2, "--categorical-method ks needs numbers; use auto, chi2, jensenshannon, psi or ztest",
                   *self.pair("--categorical-method", "ks"))
        self.fails(2, "--threshold must be a positive number, not \"-1\"", *self.pair("--threshold=-1"))
        self.fails(2, "--threshold \"entropy=0.1\" names no method and no column of the reference",
                   *self.pair("--threshold", "entropy=0.1"))
        self.fails(2, "--threshold psi must be a positive number, not \"x\"", *self.pair("--threshold", "psi=x"))
        self.fails(2, "--drift-share must be at most 1, not \"1.5\"", *self.pair("--drift-share", "1.5"))
        self.fails(2, "unknown --correction \"fdrr\"; did you mean \"fdr\"? (one of none, bonferroni, fdr)",
                   *self.pair("--correction", "fdrr"))
        self.fails(2, '--threads must be a whole number from 1 to 256, not "0"', *self.pair("--threads", "0"))
        for value in ("1.5", "x", "257"):
            self.fails(2, f'--threads must be a whole number from 1 to 256, not "{value}"', *self.pair("--threads", value))
        self.fails(2, "--delimiter must be one character (or \"tab\"), not \";;\"", *self.pair("--delimiter", ";;"))
        self.fails(2, "column \"age\" is in both --numeric and --categorical",
                   *self.pair("--numeric", "age", "--categorical", "age"))
        self.fails(2, "--changed needs --state STATE.json to remember the files' hashes", "--changed", "ref.csv")
        self.fails(2, "unknown option '--treshold'; did you mean \"--threshold\"?", *self.pair("--treshold", "1"))
        # Boost's own words never reach the user (one wording per error class).
        self.fails(2, "option '--threshold' is given more than once; give it once",
                   *self.pair("--threshold", "a=0.01", "--threshold", "b=0.02"))

    def test_an_error_still_writes_the_report(self):
        self.run_tool("ml-drift", *self.pair(ref="nope.csv"), "--report", "r.json")
        report = self.read_json("r.json")
        self.assertEqual((report["status"], report["exit_code"]), ("error", 3))
        self.assertEqual(report["error"], "'nope.csv': cannot open: No such file or directory")


class Delimiters(CliTest):
    def test_semicolon_and_tab(self):
        self.write("r.csv", "a;b\n1;x\n2;y\n")
        self.write("c.csv", "a;b\n1;x\n3;y\n")
        r = self.run_tool("ml-drift", "--reference", "r.csv", "--current", "c.csv", "--delimiter", ";", "--report", "o.json")
        self.assertEqual(r.code, 0, r)
        self.assertEqual([c["name"] for c in self.read_json("o.json")["columns"]], ["a", "b"])
        self.write("r.txt", "a\tb\n1\tx\n2\ty\n")
        self.write("c.txt", "a\tb\n1\tx\n3\ty\n")
        r = self.run_tool("ml-drift", "--reference", "r.txt", "--current", "c.txt", "--delimiter", "tab", "--report", "o.json")
        self.assertEqual([c["name"] for c in self.read_json("o.json")["columns"]], ["a", "b"])


if __name__ == "__main__":
    unittest.main()
