"""End-to-end tests of ml-validate: exit codes, reports, exact error lines, CI outputs."""
import json
import os
import unittest
import xml.etree.ElementTree as ET

from lean_cli import CliTest

METRICS = {"accuracy": 0.91, "eval": {"precision": 0.88, "f1": 0.79}, "latency": {"p95_ms": 42}}


class Gate(CliTest):
    def setUp(self):
        super().setUp()
        self.write("metrics.json", METRICS)

    def test_pass(self):
        r = self.run_tool("ml-validate", "metrics.json", "--require", "accuracy>=0.85",
                          "--require", "/latency/p95_ms <= 50", "--report", "report.json")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.stderr, "")
        self.assertEqual(r.stdout, "PASS  accuracy is 0.91 (>= 0.85)\nPASS  /latency/p95_ms is 42 (<= 50)\n"
                                   "ml-validate: pass (2 of 2 checks passed)\n")
        report = self.read_json("report.json")
        self.assertEqual(list(report)[:4], ["tool", "tool_version", "status", "exit_code"])
        self.assertEqual((report["tool"], report["status"], report["exit_code"]), ("ml-validate", "pass", 0))
        self.assertEqual(report["checks"][1], {"expr": "/latency/p95_ms <= 50", "metric": "/latency/p95_ms", "op": "<=",
                                               "threshold": 50, "value": 42, "passed": True})
        self.assertEqual((report["passed"], report["failed"]), (2, 0))

    def test_fail_writes_every_output(self):
        r = self.run_tool("ml-validate", "metrics.json", "-r", "accuracy>=0.85", "-r", "eval.f1 >= 0.8",
                          "--report", "r.json", "--markdown", "s.md", "--junit", "j.xml", "--dotenv", "d.env")
        self.assertEqual(r.code, 1, r)
        self.assertIn("FAIL  eval.f1 is 0.79, required >= 0.8\n", r.stdout)
        report = self.read_json("r.json")
        self.assertEqual((report["status"], report["exit_code"], report["passed"], report["failed"]), ("fail", 1, 1, 1))
        self.assertFalse(report["checks"][1]["passed"])
        self.assertIn("| `eval.f1 >= 0.8` | 0.79 | ❌ fail |", self.read("s.md"))
        suite = ET.parse(self.path("j.xml")).getroot().find("testsuite")
        self.assertEqual((suite.get("tests"), suite.get("failures")), ("2", "1"))
        failure = suite.findall("testcase")[1].find("failure")
        self.assertEqual(failure.get("message"), "eval.f1 is 0.79, required >= 0.8")
        self.assertEqual(self.read("d.env"), "ML_VALIDATE_STATUS=fail\nML_VALIDATE_EXIT_CODE=1\n"
                                             "ML_VALIDATE_REPORT=r.json\nML_VALIDATE_PASSED=1\nML_VALIDATE_FAILED=1\n"
                                             "ML_VALIDATE_SKIPPED=0\n")

    def test_reports_are_deterministic(self):
        args = ["metrics.json", "-r", "accuracy>=0.85", "--no-ci"]
        self.run_tool("ml-validate", *args, "--report", "a.json")
        self.run_tool("ml-validate", *args, "--report", "b.json")
        self.assertEqual(self.read("a.json"), self.read("b.json"))

    def test_several_files_are_merged(self):
        self.write("extra.json", {"accuracy": 0.91, "auc": 0.97})
        r = self.run_tool("ml-validate", "metrics.json", "extra.json", "-r", "auc>0.95", "-r", "accuracy>0.9")
        self.assertEqual(r.code, 0, r)

    def test_policy_file(self):
        self.write("policy.json", {"require": ["accuracy >= 0.85", "eval.precision>=0.9"]})
        r = self.run_tool("ml-validate", "metrics.json", "--policy", "policy.json", "--report", "r.json")
        self.assertEqual(r.code, 1, r)
        self.assertEqual([c["expr"] for c in self.read_json("r.json")["checks"]],
                         ["accuracy >= 0.85", "eval.precision>=0.9"])

    def test_allow_missing_skips(self):
        r = self.run_tool("ml-validate", "metrics.json", "-r", "auc>0.9", "-r", "accuracy>0.9", "--allow-missing",
                          "--report", "r.json")
        self.assertEqual(r.code, 0, r)
        report = self.read_json("r.json")
        self.assertEqual(report["skipped"], 1)
        self.assertIsNone(report["checks"][0]["value"])

    def test_help_and_version(self):
        self.assertEqual(self.run_tool("ml-validate", "--version").stdout.split()[0], "ml-validate")
        self.assertIn("--require", self.run_tool("ml-validate", "--help").stdout)


class BadInput(CliTest):
    """Every bad input: exit code and the exact error line."""

    def validate(self, *args):
        return self.run_tool("ml-validate", *args)

    def test_missing_file(self):
        self.assertFails(self.validate("nope.json", "-r", "a>1"), 3,
                         "ml-validate: error: 'nope.json': cannot open: No such file or directory")

    def test_empty_file(self):
        self.write("m.json", "")
        self.assertFails(self.validate("m.json", "-r", "a>1"), 3,
                         "ml-validate: error: 'm.json': is empty, expected a JSON object")

    def test_truncated_json(self):
        self.write("m.json", '{"accuracy": 0.9, "f1": ')
        self.assertFails(self.validate("m.json", "-r", "accuracy>1"), 3,
                         "ml-validate: error: 'm.json': malformed JSON at line 1, column 25: unexpected end of input; "
                         "expected '[', '{', or a literal")

    def test_nan(self):
        self.write("m.json", '{"accuracy": NaN}')
        self.assertFails(self.validate("m.json", "-r", "accuracy>=0.85"), 3,
                         "ml-validate: error: 'm.json': metric \"accuracy\" is NaN, not a finite number")

    def test_infinity_and_strings(self):
        self.write("m.json", '{"a": -Infinity, "b": "0.9", "c": null, "d": false}')
        self.assertFails(self.validate("m.json", "-r", "a>=0"), 3,
                         "ml-validate: error: 'm.json': metric \"a\" is -Infinity, not a finite number")
        self.assertFails(self.validate("m.json", "-r", "b>=0"), 3,
                         "ml-validate: error: 'm.json': metric \"b\" is a string (\"0.9\"), not a finite number")
        self.assertFails(self.validate("m.json", "-r", "c>=0"), 3,
                         "ml-validate: error: 'm.json': metric \"c\" is null, not a finite number")
        self.assertFails(self.validate("m.json", "-r", "d>=0"), 3,
                         "ml-validate: error: 'm.json': metric \"d\" is false (a boolean), not a finite number")

    def test_missing_metric_with_suggestion(self):
        self.write("metrics.json", METRICS)
        self.assertFails(self.validate("metrics.json", "-r", "eval.f2>=0.8"), 3,
                         "ml-validate: error: 'metrics.json': no metric \"eval.f2\"; did you mean \"eval.f1\"? "
                         "(available: accuracy, eval.precision, eval.f1, latency.p95_ms)")

    def test_duplicate_key_across_files(self):
        self.write("a.json", {"accuracy": 0.9})
        self.write("b.json", {"accuracy": 0.8})
        self.assertFails(self.validate("a.json", "b.json", "-r", "accuracy>0.5"), 3,
                         "ml-validate: error: 'b.json': metric \"accuracy\" is 0.8 here but 0.9 in 'a.json'")

    def test_duplicate_key_in_one_file(self):
        self.write("m.json", '{"accuracy": 0.9, "accuracy": 0.7}')
        self.assertFails(self.validate("m.json", "-r", "accuracy>0.5"), 3,
                         "ml-validate: error: 'm.json': duplicate key \"accuracy\"")

    def test_duplicate_empty_key_in_one_file(self):  # found by the metrics_json fuzz target
        self.write("m.json", '{"accuracy": 0.9, "": 10.7, "": 38.9}')
        self.assertFails(self.validate("m.json", "-r", "accuracy>0.5"), 3,
                         "ml-validate: error: 'm.json': duplicate key \"\"")

    def test_unknown_flag(self):
        self.write("metrics.json", METRICS)
        self.assertFails(self.validate("metrics.json", "--requires", "a>1"), 2,
                         "ml-validate: error: unknown option '--requires'; did you mean \"--require\"?")

    def test_column_options_need_a_predictions_file(self):
        self.write("metrics.json", METRICS)
        self.assertFails(self.validate("metrics.json", "-r", "accuracy>0.5", "--decision-threshold", "0.3"), 2,
                         "ml-validate: error: --decision-threshold reads predictions files: give --predictions FILE")
        self.write("pred.csv", "y_true,y_pred\n1,1\n0,0\n")
        self.assertFails(self.validate("--predictions", "pred.csv", "-r", "accuracy>0.5", "--window", "3"), 2,
                         "ml-validate: error: --window and --min-count need --history FILE")

    def test_bad_expression(self):
        self.write("metrics.json", METRICS)
        self.assertFails(self.validate("metrics.json", "-r", "accuracy=>0.8"), 2,
                         "ml-validate: error: invalid --require \"accuracy=>0.8\": unknown operator \"=>\"; "
                         "did you mean \">=\"? (use >=, >, <=, <, ==, !=)")
        self.assertFails(self.validate("metrics.json", "-r", "accuracy>=high"), 2,
                         "ml-validate: error: invalid --require \"accuracy>=high\": \"high\" is not a finite number")

    def test_nothing_to_check(self):
        self.write("metrics.json", METRICS)
        self.assertFails(self.validate("metrics.json"), 2,
                         "ml-validate: error: nothing to check: give --require EXPR or --policy FILE")

    def test_no_metrics_file(self):
        self.assertFails(self.validate("-r", "a>1"), 2, "ml-validate: error: no metrics file given")

    def test_aggregate_without_history(self):
        self.write("metrics.json", METRICS)
        self.assertFails(self.validate("metrics.json", "-r", "mean(accuracy)>0.8"), 2,
                         "ml-validate: error: \"mean(accuracy)>0.8\" aggregates a history; give --history FILE")

    def test_malformed_policy_is_a_configuration_error(self):
        self.write("metrics.json", METRICS)
        self.write("p.json", '{"require": ["accuracy >> 1"]}')
        self.assertFails(self.validate("metrics.json", "--policy", "p.json"), 2,
                         "ml-validate: error: 'p.json': invalid requirement \"accuracy >> 1\": unknown operator \">>\" "
                         "(use >=, >, <=, <, ==, !=)")
        self.write("p.json", '{"requires": ["accuracy > 1"]}')
        self.assertFails(self.validate("metrics.json", "--policy", "p.json"), 2,
                         "ml-validate: error: 'p.json': unknown policy key \"requires\"; did you mean \"require\"?")
        self.write("p.json", '{"require": ')
        self.assertFails(self.validate("metrics.json", "--policy", "p.json"), 2,
                         "ml-validate: error: 'p.json': malformed JSON; a policy is {\"require\": [\"accuracy>=0.85\", ...]}")
        self.assertFails(self.validate("metrics.json", "--policy", "missing.json"), 2,
                         "ml-validate: error: 'missing.json': cannot open: No such file or directory")

    def test_error_still_writes_the_report(self):
        self.write("m.json", '{"accuracy": NaN}')
        r = self.validate("m.json", "-r", "accuracy>=0.85", "--report", "r.json", "--junit", "j.xml")
        self.assertEqual(r.code, 3)
        report = self.read_json("r.json")
        self.assertEqual((report["status"], report["exit_code"]), ("error", 3))
        self.assertEqual(report["error"], "'m.json': metric \"accuracy\" is NaN, not a finite number")
        self.assertIsNotNone(ET.parse(self.path("j.xml")).getroot().find("testsuite/testcase/error"))


class History(CliTest):
    def setUp(self):
        super().setUp()
        rows = [{"accuracy": a, "day": i} for i, a in enumerate([0.95, 0.9, 0.88, 0.86, 0.8, 0.78])]
        self.write("h.jsonl", "".join(json.dumps(r) + "\n" for r in rows))

    def test_rolling_mean_over_the_window(self):
        r = self.run_tool("ml-validate", "--history", "h.jsonl", "--window", "3", "-r", "mean(accuracy)>=0.85",
                          "-r", "min(accuracy) >= 0.7", "-r", "count(accuracy)==3", "--report", "r.json")
        self.assertEqual(r.code, 1, r)  # mean of 0.86, 0.8, 0.78 is 0.8133...
        checks = self.read_json("r.json")["checks"]
        self.assertAlmostEqual(checks[0]["value"], (0.86 + 0.8 + 0.78) / 3)
        self.assertEqual(checks[0]["aggregate"], "mean")
        self.assertEqual([c["passed"] for c in checks], [False, True, True])

    def test_median_max_last(self):
        r = self.run_tool("ml-validate", "--history", "h.jsonl", "-r", "median(accuracy)>0.86", "-r",
                          "max(accuracy)==0.95", "-r", "last(accuracy)<0.8", "-r", "accuracy<0.8")
        self.assertEqual(r.code, 0, r)

    def test_too_few_records(self):
        self.assertFails(self.run_tool("ml-validate", "--history", "h.jsonl", "--window", "10", "-r", "mean(accuracy)>0"),
                         3, "ml-validate: error: 'h.jsonl': has 6 records, fewer than the 10 required "
                            "(lower the requirement with --min-count)")
        r = self.run_tool("ml-validate", "--history", "h.jsonl", "--window", "10", "--min-count", "5",
                          "-r", "mean(accuracy)>0")
        self.assertEqual(r.code, 0, r)

    def test_bad_line_is_named(self):
        self.write("bad.jsonl", '{"accuracy": 0.9}\n{"accuracy": NaN}\n')
        self.assertFails(self.run_tool("ml-validate", "--history", "bad.jsonl", "-r", "mean(accuracy)>0"), 3,
                         "ml-validate: error: 'bad.jsonl:2': metric \"accuracy\" is NaN, not a finite number")

    def test_history_and_files_are_exclusive(self):
        self.write("m.json", METRICS)
        self.assertFails(self.run_tool("ml-validate", "m.json", "--history", "h.jsonl", "-r", "accuracy>0"), 2,
                         "ml-validate: error: give metrics files or --history, not both")


class GitHubActions(CliTest):
    def test_outputs_summary_and_annotations(self):
        self.write("metrics.json", METRICS)
        self.write("summary.md", "")
        self.write("output.txt", "previous=1\n")
        env = {"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": self.path("output.txt"),
               "GITHUB_STEP_SUMMARY": self.path("summary.md")}
        r = self.run_tool("ml-validate", "metrics.json", "-r", "accuracy>=0.95", "-r", "eval.f1>=0.5",
                          "--report", "r.json", env=env)
        self.assertEqual(r.code, 1, r)
        self.assertIn("::error title=ml-validate%3A accuracy >= 0.95::accuracy is 0.91, required >= 0.95\n", r.stdout)
        self.assertEqual(r.stdout.count("::error"), 1)
        self.assertEqual(self.read("output.txt"), "previous=1\nstatus=fail\nexit-code=1\nreport=r.json\n")
        summary = self.read("summary.md")
        self.assertTrue(summary.startswith("### ❌ ml-validate: fail — 1 of 2 checks failed\n"), summary)
        self.assertIn("| `accuracy >= 0.95` | 0.91 | ❌ fail |", summary)

    def test_no_ci_turns_it_off(self):
        self.write("metrics.json", METRICS)
        self.write("output.txt", "")
        env = {"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": self.path("output.txt")}
        r = self.run_tool("ml-validate", "metrics.json", "-r", "accuracy>=0.95", "--no-ci", env=env)
        self.assertEqual(r.code, 1)
        self.assertNotIn("::error", r.stdout)
        self.assertEqual(self.read("output.txt"), "")

    def test_error_is_annotated_and_output(self):
        self.write("output.txt", "")
        env = {"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": self.path("output.txt")}
        r = self.run_tool("ml-validate", "missing.json", "-r", "a>1", env=env)
        self.assertEqual(r.code, 3)
        self.assertEqual(r.stdout, "::error title=ml-validate::'missing.json': cannot open: No such file or directory\n")
        self.assertEqual(self.read("output.txt"), "status=error\nexit-code=3\nreport=\n")


if __name__ == "__main__":
    unittest.main()
