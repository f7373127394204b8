"""End-to-end tests of ml-compare: the promote/keep decision, guards, direction, errors."""
import os
import unittest

from lean_cli import CliTest

PROD = {"accuracy": 0.85, "f1": 0.81, "latency_ms": 40, "rmse": 2.0, "zero": 0}


class Decision(CliTest):
    def setUp(self):
        super().setUp()
        self.write("prod.json", PROD)

    def compare(self, candidate, *args):
        self.write("new.json", candidate)
        return self.run_tool("ml-compare", "--candidate", "new.json", "--baseline", "prod.json", "--report", "r.json",
                             *args)

    def test_seed_scenario_promotes_at_exactly_the_margin(self):
        # The article: promote when the new accuracy beats production by at least 0.01 (inclusive;
        # 0.85 + 0.01 is not exactly 0.86 in binary).
        r = self.compare({**PROD, "accuracy": 0.86}, "--metric", "accuracy", "--min-delta", "0.01")
        self.assertEqual(r.code, 0, r)
        report = self.read_json("r.json")
        self.assertEqual(report["decision"], "promote")
        primary = report["primary"]
        self.assertEqual((primary["metric"], primary["baseline"], primary["candidate"], primary["direction"]),
                         ("accuracy", 0.85, 0.86, "higher"))
        self.assertAlmostEqual(primary["delta"], 0.01)
        self.assertAlmostEqual(primary["rel_delta"], 0.01 / 0.85)
        self.assertAlmostEqual(primary["required"], 0.86)
        self.assertEqual(report["guards"], [])

    def test_significance_options_need_predictions_files(self):
        # A metrics file holds no rows to test: the option would be silently ignored.
        for option, value in (("--significance", "0.05"), ("--test", "mcnemar"), ("--bootstrap-samples", "1000"),
                              ("--seed", "7"), ("--id-column", "id")):
            with self.subTest(option=option):
                r = self.compare({**PROD, "accuracy": 0.9}, "--metric", "accuracy", option, value)
                self.assertFails(r, 2, f"ml-compare: error: {option} compares predictions: give "
                                       "--candidate-predictions and --baseline-predictions, not metrics files")

    def test_column_options_need_predictions_files(self):
        for option, value in (("--decision-threshold", "0.3"), ("--task", "binary"), ("--average", "macro"),
                              ("--label-column", "y"), ("--pos-label", "1")):
            with self.subTest(option=option):
                r = self.compare({**PROD, "accuracy": 0.9}, "--metric", "accuracy", option, value)
                self.assertFails(r, 2, f"ml-compare: error: {option} reads predictions files: give "
                                       "--candidate-predictions and --baseline-predictions, not metrics files")

    def test_numbers_are_read_as_typed(self):
        # A leading "+" and an underflow to 0 are numbers; nan, inf and words are not.
        for margin, code in (("+0.01", 0), ("1e-400", 0), ("+.2", 1)):
            with self.subTest(margin=margin):
                self.assertEqual(self.compare({**PROD, "accuracy": 0.86}, "--metric", "accuracy", "--min-delta",
                                              margin).code, code)
        for margin in ("nan", "inf", "x", " 1", "0x10", "1e999"):
            with self.subTest(margin=margin):
                r = self.compare({**PROD, "accuracy": 0.86}, "--metric", "accuracy", "--min-delta", margin)
                self.assertFails(r, 2, f'ml-compare: error: --min-delta: "{margin}" is not a finite number')

    def test_not_enough_improvement_keeps_the_baseline(self):
        r = self.compare({**PROD, "accuracy": 0.855}, "--metric", "accuracy", "--min-delta", "0.01")
        self.assertEqual(r.code, 1, r)
        self.assertEqual(self.read_json("r.json")["decision"], "keep")
        self.assertIn("ml-compare: keep the baseline: accuracy 0.855 does not meet >= 0.86\n", r.stdout)

    def test_relative_margin(self):
        self.assertEqual(self.compare({**PROD, "accuracy": 0.935}, "--metric", "accuracy",
                                      "--min-rel-delta", "0.1").code, 0)
        self.assertEqual(self.compare({**PROD, "accuracy": 0.93}, "--metric", "accuracy",
                                      "--min-rel-delta", "0.1").code, 1)

    def test_relative_margin_against_zero_needs_a_strict_improvement(self):
        self.assertEqual(self.compare({**PROD, "zero": 0}, "--metric", "zero", "--min-rel-delta", "0.1").code, 1)
        self.assertEqual(self.compare({**PROD, "zero": 0.001}, "--metric", "zero", "--min-rel-delta", "0.1").code, 0)
        self.assertIsNone(self.read_json("r.json")["primary"]["rel_delta"])

    def test_loss_names_are_lower_is_better(self):
        r = self.compare({**PROD, "rmse": 1.9}, "--metric", "rmse", "--min-delta", "0.1")
        self.assertEqual(r.code, 0, r)
        primary = self.read_json("r.json")["primary"]
        self.assertEqual((primary["direction"], primary["direction_reason"]), ("lower", "the name contains \"rmse\""))
        self.assertEqual(self.compare({**PROD, "rmse": 1.95}, "--metric", "rmse", "--min-delta", "0.1").code, 1)

    def test_explicit_direction_overrides_the_name(self):
        r = self.compare({**PROD, "accuracy": 0.80}, "--metric", "accuracy", "--lower-is-better")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(self.read_json("r.json")["primary"]["direction_reason"], "--lower-is-better")
        r = self.compare({**PROD, "rmse": 2.5}, "--metric", "rmse", "--higher-is-better")
        self.assertEqual(r.code, 0, r)

    def test_guards(self):
        better = {**PROD, "accuracy": 0.9}
        self.assertEqual(self.compare({**better, "latency_ms": 42}, "--metric", "accuracy",
                                      "--guard", "latency_ms:5%").code, 0)
        r = self.compare({**better, "latency_ms": 43}, "--metric", "accuracy", "--guard", "latency_ms:5%",
                         "--guard", "f1:0.02", "--markdown", "s.md")
        self.assertEqual(r.code, 1, r)
        report = self.read_json("r.json")
        self.assertEqual(report["decision"], "keep")
        self.assertEqual(report["reason"], "guard regressed: latency_ms")
        guard = report["guards"][0]
        self.assertEqual((guard["metric"], guard["baseline"], guard["candidate"], guard["tolerance"], guard["bound"],
                          guard["direction"], guard["passed"]), ("latency_ms", 40, 43, "5%", 42, "lower", False))
        self.assertTrue(report["guards"][1]["passed"])
        markdown = self.read("s.md")
        self.assertIn("| Metric | Baseline | Candidate | Change | Verdict |", markdown)
        self.assertIn("| `latency_ms` (guard) | 40 | 43 | +3 (+7.50%) | ❌ regressed beyond 5% |", markdown)
        self.assertIn("| `accuracy` | 0.85 | 0.9 | +0.05 (+5.88%) | ✅ better |", markdown)

    def test_guard_default_tolerance_is_zero(self):
        self.assertEqual(self.compare({**PROD, "accuracy": 0.9, "f1": 0.8099}, "--metric", "accuracy",
                                      "--guard", "f1").code, 1)

    def test_no_baseline_promotes_by_default(self):
        self.write("new.json", PROD)
        r = self.run_tool("ml-compare", "--candidate", "new.json", "--baseline", "none.json", "--metric", "accuracy",
                          "--report", "r.json")
        self.assertEqual(r.code, 0, r)
        report = self.read_json("r.json")
        self.assertEqual(report["decision"], "promote")
        self.assertIsNone(report["primary"]["baseline"])
        r = self.run_tool("ml-compare", "--candidate", "new.json", "--baseline", "none.json", "--metric", "accuracy",
                          "--if-no-baseline", "fail")
        self.assertEqual(r.code, 1, r)

    def test_dotenv_has_the_decision(self):
        r = self.compare({**PROD, "accuracy": 0.9}, "--metric", "accuracy", "--dotenv", "d.env")
        self.assertEqual(r.code, 0)
        self.assertEqual(self.read("d.env"), "ML_COMPARE_STATUS=pass\nML_COMPARE_EXIT_CODE=0\n"
                                             "ML_COMPARE_REPORT=r.json\nML_COMPARE_DECISION=promote\n")


class HelpAndVersion(CliTest):
    def test_help_and_version_need_no_other_option(self):
        r = self.run_tool("ml-compare", "--help")
        self.assertEqual(r.code, 0, r)
        self.assertIn("--candidate", r.stdout)
        r = self.run_tool("ml-compare", "--version")
        self.assertEqual((r.code, r.stdout.split()[0]), (0, "ml-compare"), r)


class BadInput(CliTest):
    def setUp(self):
        super().setUp()
        self.write("new.json", PROD)
        self.write("prod.json", PROD)

    def compare(self, *args):
        return self.run_tool("ml-compare", "--candidate", "new.json", "--baseline", "prod.json", *args)

    def test_malformed_baseline_is_an_input_error(self):
        self.write("prod.json", '{"accuracy": ')
        self.assertFails(self.compare("--metric", "accuracy"), 3,
                         "ml-compare: error: 'prod.json': malformed JSON at line 1, column 14: unexpected end of input; "
                         "expected '[', '{', or a literal")

    def test_metric_missing_in_the_baseline(self):
        self.write("prod.json", {"acc": 0.8})
        self.assertFails(self.compare("--metric", "accuracy"), 3,
                         "ml-compare: error: 'prod.json': no metric \"accuracy\" (available: acc)")

    def test_missing_candidate(self):
        r = self.run_tool("ml-compare", "--candidate", "gone.json", "--baseline", "prod.json", "--metric", "accuracy")
        self.assertFails(r, 3, "ml-compare: error: 'gone.json': cannot open: No such file or directory")

    def test_nan_in_candidate(self):
        self.write("new.json", '{"accuracy": NaN}')
        self.assertFails(self.compare("--metric", "accuracy"), 3,
                         "ml-compare: error: 'new.json': metric \"accuracy\" is NaN, not a finite number")

    def test_usage_errors(self):
        self.assertFails(self.compare("--metric", "accuracy", "--min-delta", "0.1", "--min-rel-delta", "0.1"), 2,
                         "ml-compare: error: give --min-delta or --min-rel-delta, not both")
        self.assertFails(self.compare("--metric", "accuracy", "--lower-is-better", "--higher-is-better"), 2,
                         "ml-compare: error: give --lower-is-better or --higher-is-better, not both")
        self.assertFails(self.compare("--metric", "accuracy", "--guard", "f1:lots"), 2,
                         "ml-compare: error: invalid --guard \"f1:lots\": \"lots\" is neither a tolerance (a number, "
                         "or N%) nor a direction (higher or lower)")
        self.assertFails(self.compare("--metric", "accuracy", "--if-no-baseline", "maybe"), 2,
                         "ml-compare: error: --if-no-baseline must be promote or fail, not \"maybe\"")
        self.assertFails(self.compare(), 2, "ml-compare: error: the option '--metric' is required but missing")
        self.assertFails(self.compare("--metric", "accuracy", "--min-delta", "-0.5"), 2,
                         "ml-compare: error: --min-delta must be a finite number >= 0")
        self.assertFails(self.compare("--metric", "accuracy", "--gaurd", "f1"), 2,
                         "ml-compare: error: unknown option '--gaurd'; did you mean \"--guard\"?")


class OptionText(CliTest):
    def test_option_values_that_are_not_utf8_are_usage_errors_before_any_file_is_read(self):
        self.write("prod.json", PROD)
        self.write("new.json", PROD)
        bad = os.fsdecode(b"acc\xff")
        base = ("--candidate", "new.json", "--baseline", "prod.json", "--report", "r.json")
        for args, option in ((("--metric", bad), "--metric"),
                             (("--metric", "accuracy", "--guard", bad), "--guard"),
                             (("--metric", "accuracy", "--guard", "f1", "--guard", bad + ":0.1"), "--guard"),
                             (("--metric", "accuracy", "--if-no-baseline", bad), "--if-no-baseline")):
            r = self.run_tool("ml-compare", *base, *args)
            self.assertFails(r, 2, f"ml-compare: error: {option} is not valid UTF-8")
            self.assertEqual(self.read_json("r.json")["error"], f"{option} is not valid UTF-8")
        r = self.run_tool("ml-compare", "--candidate", "new.json", "--baseline-registry", self.path("reg"), "--model",
                          bad, "--channel", "prod", "--metric", "accuracy")
        self.assertFails(r, 2, "ml-compare: error: --model is not valid UTF-8")


if __name__ == "__main__":
    unittest.main()
