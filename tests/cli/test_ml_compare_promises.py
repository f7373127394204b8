"""ml-compare's promises of issue 11: a typo in the baseline never promotes silently,
direction by name, one floating-point tolerance, the relative margin's boundaries."""
import os
import unittest
import xml.etree.ElementTree as ET

from release_cli import PINNED, ReleaseCommands
from lean_cli import CliTest
from s3_fixture import BUCKET, S3Fixture


class RegistryBaseline(ReleaseCommands):
    """A registry in ./reg with model churn, channel production at 1.0.0 (accuracy 0.85)."""

    def release(self, command, *args):
        return self.run_tool("ml-release", command, "--registry", "reg", *args, env=PINNED)

    def setUp(self):
        super().setUp()
        self.write("m.json", {"accuracy": 0.85})
        self.publish("1.0.0", b"w", "--metrics", "m.json")
        self.promote("1.0.0")
        self.write("new.json", {"accuracy": 0.9})

    def compare(self, *args, registry="reg", model="churn", channel="production"):
        return self.run_tool("ml-compare", "--candidate", "new.json", "--metric", "accuracy", "--baseline-registry",
                             registry, "--model", model, "--channel", channel, "--report", "r.json", *args)

    def test_a_registry_folder_that_does_not_exist_is_a_configuration_error(self):
        self.assertFails(self.compare(registry="regs"), 2,
                         "ml-compare: error: 'regs': --baseline-registry: the registry folder does not exist")
        # Asked for explicitly (a project's first run, before its first publish): promoted, and said why.
        r = self.compare("--if-no-baseline", "promote", registry="regs")
        self.assertEqual(r.code, 0, r)
        self.assertIn("no baseline (the registry folder does not exist yet); --if-no-baseline promote", r.stdout)

    def test_a_folder_that_is_not_a_registry_is_a_configuration_error(self):
        self.write("models/model.pkl", b"x")
        self.assertFails(self.compare("--if-no-baseline", "promote", registry="models"), 2,
                         "ml-compare: error: 'models': --baseline-registry: not a registry (no MODEL/versions or "
                         "MODEL/channels in it)")
        self.write("notes.txt", "x")
        self.assertFails(self.compare(registry="notes.txt"), 2,
                         "ml-compare: error: 'notes.txt': --baseline-registry: not a folder")

    def test_a_misspelt_model_keeps_the_baseline_and_suggests_the_name(self):
        r = self.compare(model="chrun")
        self.assertEqual(r.code, 1, r)
        reason = ("no baseline (no model \"chrun\" in the registry; did you mean \"churn\"? (models: churn)); "
                  "--if-no-baseline fail (the default for a registry baseline)")
        self.assertEqual(r.stdout, "ml-compare: keep: " + reason + "\n")
        self.assertEqual(self.read_json("r.json")["reason"], reason)

    def test_a_misspelt_channel_keeps_the_baseline_and_suggests_the_name(self):
        r = self.compare(channel="prodution")
        self.assertEqual(r.code, 1, r)
        self.assertEqual(self.read_json("r.json")["reason"],
                         "no baseline (model churn has no channel \"prodution\"; did you mean \"production\"? "
                         "(channels: production)); --if-no-baseline fail (the default for a registry baseline)")

    def test_a_new_model_promotes_only_when_asked_and_says_why(self):
        r = self.compare("--if-no-baseline", "promote", "--markdown", "s.md", "--junit", "j.xml", model="fraud")
        self.assertEqual(r.code, 0, r)
        reason = "no baseline (no model \"fraud\" in the registry (models: churn)); --if-no-baseline promote"
        self.assertEqual(self.read_json("r.json")["reason"], reason)
        self.assertIn("Promoted without a comparison: " + reason + "\n", self.read("s.md"))
        testcase = ET.parse(self.path("j.xml")).getroot().find("testsuite").find("testcase")
        self.assertEqual(testcase.find("skipped").get("message"), reason)

    def test_an_empty_registry_is_no_model_yet(self):
        os.makedirs(self.path("empty"))  # a folder with no objects: a new registry (or an empty S3 prefix)
        r = self.compare(registry="empty")
        self.assertEqual(r.code, 1, r)
        self.assertEqual(self.read_json("r.json")["reason"],
                         "no baseline (the registry holds no model yet (a new registry, or a wrong URL or prefix)); "
                         "--if-no-baseline fail (the default for a registry baseline)")
        self.assertEqual(self.compare("--if-no-baseline", "promote", registry="empty").code, 0)

    def test_empty_registry_options_are_usage_errors(self):
        self.assertFails(self.compare(registry=""), 2,
                         "ml-compare: error: --baseline-registry is empty (an unset variable?)")
        self.assertFails(self.compare(model=""), 2, "ml-compare: error: --model is empty (an unset variable?)")
        self.assertFails(self.compare(channel=""), 2, "ml-compare: error: --channel is empty (an unset variable?)")


class S3RegistryBaseline(ReleaseCommands):
    """A wrong S3 prefix lists no objects at all: an empty registry, which is no model."""

    @classmethod
    def setUpClass(cls):
        cls.s3 = S3Fixture()

    @classmethod
    def tearDownClass(cls):
        cls.s3.stop()

    def setUp(self):
        super().setUp()
        self.s3.proxy.reset()

    def release(self, command, *args):
        return self.run_tool("ml-release", command, "--registry", f"s3://{BUCKET}/models", *args, "--no-ci",
                             env={**PINNED, **self.s3.env()})

    def test_a_wrong_s3_prefix_keeps_the_baseline(self):
        self.write("m.json", {"accuracy": 0.85})
        self.publish("1.0.0", b"w", "--metrics", "m.json")
        self.promote("1.0.0")
        self.write("new.json", {"accuracy": 0.9})

        def compare(prefix, *args):
            return self.run_tool("ml-compare", "--candidate", "new.json", "--metric", "accuracy", "--baseline-registry",
                                 f"s3://{BUCKET}/{prefix}", "--model", "churn", "--channel", "production",
                                 "--report", "r.json", *args, env=self.s3.env())

        r = compare("modles")
        self.assertEqual(r.code, 1, r)
        self.assertEqual(self.read_json("r.json")["reason"],
                         "no baseline (the registry holds no model yet (a new registry, or a wrong URL or prefix)); "
                         "--if-no-baseline fail (the default for a registry baseline)")
        r = compare("models")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(self.read_json("r.json")["baseline_registry"]["version"], "1.0.0")


class FileBaseline(CliTest):
    def setUp(self):
        super().setUp()
        self.write("new.json", {"accuracy": 0.9, "mape": 0.2, "neg_log_loss": -0.4})

    def compare(self, *args):
        return self.run_tool("ml-compare", "--candidate", "new.json", "--metric", "accuracy", "--report", "r.json",
                             *args)

    def test_an_empty_baseline_path_is_a_usage_error(self):
        self.assertFails(self.compare("--baseline", ""), 2,
                         "ml-compare: error: --baseline is empty (an unset variable?)")

    def test_a_missing_baseline_file_promotes_by_default_and_says_why(self):
        r = self.compare("--baseline", "prod.json", "--markdown", "s.md", "--junit", "j.xml")
        self.assertEqual(r.code, 0, r)
        reason = "no baseline ('prod.json' does not exist); --if-no-baseline promote (the default for a baseline file)"
        self.assertEqual(r.stdout, "ml-compare: promote without a comparison: " + reason + "\n")
        self.assertIn("Promoted without a comparison: " + reason, self.read("s.md"))
        suite = ET.parse(self.path("j.xml")).getroot().find("testsuite")
        self.assertEqual(suite.get("skipped"), "1")
        self.assertEqual(suite.find("testcase").find("skipped").get("message"), reason)

    def test_model_with_a_baseline_file_names_the_mix(self):
        self.write("base.json", {"accuracy": 0.8})
        self.assertFails(self.compare("--baseline", "base.json", "--model", "churn"), 2,
                         "ml-compare: error: --model and --channel go with --baseline-registry URL, not with "
                         "--baseline FILE")

    def test_baseline_from_standard_input(self):
        r = self.run_tool("ml-compare", "--candidate", "new.json", "--baseline", "-", "--metric", "accuracy",
                          "--report", "r.json", stdin='{"accuracy": 0.8}')
        self.assertEqual(r.code, 0, r)
        self.assertEqual(self.read_json("r.json")["primary"]["baseline"], 0.8)
        self.assertFails(self.run_tool("ml-compare", "--candidate", "-", "--baseline", "-", "--metric", "accuracy"),
                         2, "ml-compare: error: \"-\" (standard input) can be given only once")

    def test_report_overwriting_an_input_is_refused(self):
        self.write("base.json", {"accuracy": 0.8})
        self.assertFails(self.run_tool("ml-compare", "--candidate", "new.json", "--baseline", "base.json",
                                       "--metric", "accuracy", "--report", "base.json"), 2,
                         "ml-compare: error: 'base.json': --report would overwrite an input file")
        self.assertEqual(self.read_json("base.json"), {"accuracy": 0.8})


class Direction(CliTest):
    def setUp(self):
        super().setUp()
        self.write("prod.json", {"accuracy": 0.85, "mape": 0.10, "neg_log_loss": -0.50, "score": 0.5})

    def compare(self, candidate, *args):
        self.write("new.json", candidate)
        return self.run_tool("ml-compare", "--candidate", "new.json", "--baseline", "prod.json", "--report", "r.json",
                             *args)

    def test_sklearn_neg_scorers_are_higher_is_better(self):
        r = self.compare({"neg_log_loss": -0.40}, "--metric", "neg_log_loss")
        self.assertEqual(r.code, 0, r)
        primary = self.read_json("r.json")["primary"]
        self.assertEqual((primary["direction"], primary["direction_reason"]),
                         ("higher", "the name starts with \"neg\" (a negated loss, as sklearn's neg_* scorers)"))

    def test_mape_is_lower_is_better(self):
        self.assertEqual(self.compare({"mape": 0.08}, "--metric", "mape").code, 0)
        self.assertEqual(self.compare({"mape": 0.12}, "--metric", "mape").code, 1)

    def test_a_guard_takes_a_direction_and_the_report_says_why(self):
        # "score" is higher-is-better by name; here it is a loss the guard names as such.
        r = self.compare({"accuracy": 0.9, "score": 0.52, "mape": 0.10}, "--metric", "accuracy",
                         "--guard", "score:0.01:lower", "--guard", "mape")
        self.assertEqual(r.code, 1, r)
        guards = self.read_json("r.json")["guards"]
        self.assertEqual([(g["metric"], g["direction"], g["direction_reason"], g["passed"]) for g in guards],
                         [("score", "lower", "--guard ...:lower", False),
                          ("mape", "lower", "the name contains \"mape\"", True)])
        self.assertIn("FAIL  guard score is 0.52 against 0.5 (+0.02, +4.00%), allowed <= 0.51 (tolerance 0.01), "
                      "lower is better (--guard ...:lower)\n", r.stdout)
        self.assertFails(self.compare({"accuracy": 0.9}, "--metric", "accuracy", "--guard", "score:0.01:lowr"), 2,
                         "ml-compare: error: invalid --guard \"score:0.01:lowr\": \"lowr\" is not a direction; did you "
                         "mean \"lower\"?")
        for guard, word in (("score:0.01:up", "up"), ("score:fast", "fast")):
            self.assertFails(self.compare({"accuracy": 0.9}, "--metric", "accuracy", "--guard", guard), 2,
                             f"ml-compare: error: invalid --guard \"{guard}\": \"{word}\" is neither a tolerance (a "
                             "number, or N%) nor a direction (higher or lower)")
        r = self.compare({"accuracy": 0.9, "score": 0.49}, "--metric", "accuracy", "--guard", "score:higher")
        self.assertEqual(r.code, 1, r)
        self.assertEqual(self.read_json("r.json")["guards"][0]["tolerance"], "0")


class Tolerance(CliTest):
    def compare(self, baseline, candidate, *args):
        self.write("prod.json", {"m": baseline})
        self.write("new.json", {"m": candidate})
        return self.run_tool("ml-compare", "--candidate", "new.json", "--baseline", "prod.json", "--metric", "m",
                             "--report", "r.json", *args)

    def test_the_docs_slack_example_promotes_at_exactly_the_margin(self):
        # 0.80 + 0.05 is 0.8500000000000001 in binary; the candidate 0.85 meets it.
        r = self.compare(0.80, 0.85, "--min-delta", "0.05")
        self.assertEqual(r.code, 0, r)

    def test_the_tolerance_is_relative_so_tiny_metrics_are_judged_too(self):
        # The old absolute slack of 1e-12 promoted this: 6e-13 does not meet 1e-13 + 1e-12.
        r = self.compare(1e-13, 6e-13, "--min-delta", "1e-12")
        self.assertEqual(r.code, 1, r)
        self.assertEqual(self.compare(1e-13, 1.1e-12, "--min-delta", "1e-12").code, 0)

    def test_a_failing_line_never_shows_two_equal_numbers(self):
        r = self.compare(0.85, 0.8599999999, "--min-delta", "0.01")
        self.assertEqual(r.code, 1, r)
        self.assertIn("required >= 0.86,", r.stdout)
        self.assertIn("m is 0.8599999999 against", r.stdout)
        r = self.compare(0.85, 0.85999999999999, "--min-delta", "0.01")
        self.assertEqual(r.code, 1, r)
        self.assertIn("FAIL  m is 0.85999999999999 against 0.85 (+0.01, +1.18%), required >= 0.86,", r.stdout)
        self.assertIn("ml-compare: keep the baseline: m 0.85999999999999 does not meet >= 0.86\n", r.stdout)
        r = self.compare(0.86, 0.85999999999999, "--markdown", "s.md")
        self.assertEqual(r.code, 1, r)
        self.assertIn("| `m` | 0.86 | 0.85999999999999 |", self.read("s.md"))


class RelativeMargin(CliTest):
    def compare(self, baseline, candidate, margin, *args):
        self.write("prod.json", {"m": baseline})
        self.write("new.json", {"m": candidate})
        return self.run_tool("ml-compare", "--candidate", "new.json", "--baseline", "prod.json", "--metric", "m",
                             "--min-rel-delta", margin, "--report", "r.json", *args).code

    def test_the_relative_margin_boundary_table(self):
        # (baseline, candidate, X, exit code), as in docs/ml-compare.md
        table = [(0.80, 0.84, "0.05", 0), (0.80, 0.8399, "0.05", 1),
                 (-0.50, -0.45, "0.1", 0), (-0.50, -0.46, "0.1", 1),  # |baseline|: MLflow would pass -0.55
                 (0, 0, "0", 0), (0, 0, "0.1", 1), (0, 0.001, "0.1", 0), (0, -0.001, "0.1", 1),
                 (0.5, 1.0, "1", 0)]
        for baseline, candidate, margin, code in table:
            with self.subTest(baseline=baseline, candidate=candidate, margin=margin):
                self.assertEqual(self.compare(baseline, candidate, margin), code)
        self.assertEqual(self.compare(-0.50, -0.55, "0.1"), 1)

    def test_a_relative_margin_above_one_is_a_usage_error(self):
        self.write("prod.json", {"m": 1})
        self.write("new.json", {"m": 3})
        self.assertFails(self.run_tool("ml-compare", "--candidate", "new.json", "--baseline", "prod.json", "--metric",
                                       "m", "--min-rel-delta", "2"), 2,
                         "ml-compare: error: --min-rel-delta must be a fraction between 0 and 1 (0.02 is 2 %)")


if __name__ == "__main__":
    unittest.main()
