"""End-to-end tests of the metrics files other than JSON: YAML (DVC's metrics.yaml) and MLflow
file-store runs, wherever a metrics file is read."""
import os
import unittest

from lean_cli import CliTest


class YamlMetrics(CliTest):
    def test_yaml_metrics_are_gated_like_json(self):
        self.write("metrics.yaml", "accuracy: 0.9\neval:\n  f1: 0.8\n")
        r = self.run_tool("ml-validate", "metrics.yaml", "--require", "accuracy >= 0.85", "--require", "eval.f1 >= 0.7")
        self.assertEqual(r.code, 0, r)
        self.write("prod.yml", "accuracy: 0.85\n")
        r = self.run_tool("ml-compare", "--candidate", "metrics.yaml", "--baseline", "prod.yml", "--metric", "accuracy",
                          "--min-delta", "0.01")
        self.assertEqual(r.code, 0, r)

    def test_duplicate_key(self):
        self.write("m.yaml", "accuracy: 0.9\naccuracy: 0.8\n")
        self.assertFails(self.run_tool("ml-validate", "m.yaml", "--require", "accuracy >= 0"), 3,
                         "ml-validate: error: 'm.yaml': duplicate key \"accuracy\"")

    def test_not_finite(self):
        self.write("m.yaml", "eval:\n  loss: .nan\n")
        self.assertFails(self.run_tool("ml-validate", "m.yaml", "--require", "eval.loss <= 1"), 3,
                         "ml-validate: error: 'm.yaml': metric \"eval.loss\" is .nan, not a finite number")

    def test_malformed(self):
        self.write("m.yaml", "a: [1\n")
        self.assertFails(self.run_tool("ml-validate", "m.yaml", "--require", "a >= 0"), 3,
                         "ml-validate: error: 'm.yaml': malformed YAML at line 2")

    def test_a_second_document_is_refused(self):
        self.write("m.yaml", "accuracy: 0.9\n---\naccuracy: 0.1\n")
        self.assertFails(self.run_tool("ml-validate", "m.yaml", "--require", "accuracy >= 0.5"), 3,
                         "ml-validate: error: 'm.yaml': holds 2 YAML documents (separated by \"---\"); "
                         "a metrics file is one document")

    def test_anchors_aliases_tags_and_directives_are_refused_before_yaml_cpp_reads_them(self):
        # yaml-cpp 0.7 loops without bound on "&N4;," (found by the metrics_yaml fuzz target).
        for text, line, what in (("&N4;,", 1, "anchors, aliases and tags"),
                                 ("a: 1\nb: &x 2\n", 2, "anchors, aliases and tags"),
                                 ("a: !!str 1\n", 1, "anchors, aliases and tags"),
                                 ("a: [1, *x]\n", 1, "anchors, aliases and tags"),
                                 ("%YAML 1.2\n---\na: 1\n", 1, "directives")):
            with self.subTest(text=text):
                self.write("m.yaml", text)
                self.assertFails(self.run_tool("ml-validate", "m.yaml", "--require", "a >= 0"), 3,
                                 f"ml-validate: error: 'm.yaml:{line}': YAML {what} are not read in a metrics file")
        # The same characters inside a value, a quoted text or a comment are text.
        self.write("m.yaml", "a: 1 # & * !\nb: 'x &y'\nc: 2*3\n")
        self.assertEqual(self.run_tool("ml-validate", "m.yaml", "--require", "a >= 1").code, 0)

    def test_a_comma_after_a_node_outside_any_collection_is_refused_before_yaml_cpp_reads_it(self):
        # yaml-cpp 0.7 loops without bound, allocating, on these (found by the metrics_yaml fuzz target).
        for text in ('"",', "'' ,", '"a"x,"b",', "[1],", "{a: 1},\n", 'a: 1\n"b" ,\n',
                     '"\n.+",x'):
            with self.subTest(text=text):
                self.write("m.yaml", text)
                line = text.count("\n", 0, text.index(",")) + 1
                self.assertFails(self.run_tool("ml-validate", "m.yaml", "--require", "a >= 0"), 3,
                                 f"ml-validate: error: 'm.yaml': malformed YAML at line {line}")
        # Commas in plain and quoted text and in flow collections are text and separators.
        self.write("m.yaml", "a: [1, 2]\nb: {c: 3, d: 4}\nname: 'x, y'\nnote: a, b\nq: 'it''s'\n"
                             "s: \"say \\\"hi\\\", ok\"  # comment\n\"k\" : 5\nl: [\"x\", 'y']\n"
                             "m: \"two\n  lines, # not a comment\n  %not a directive\"\n")
        self.assertEqual(self.run_tool("ml-validate", "m.yaml", "--require", "b.d >= 4", "--require", "k == 5").code, 0)

    def test_yaml_that_yaml_cpp_reads_slowly_is_refused_at_once(self):
        # Many keys are quadratic in yaml-cpp and deep flow brackets cost gigabytes.
        for text, message in (("".join(f"k{i}: {i}\n" for i in range(5001)),
                               "holds more than 5000 lines and items (the limit of a YAML metrics file; "
                               "see docs/hardening.md)"),
                              ("a: [" + ",".join("1" * 1 for _ in range(6000)) + "]\n",
                               "holds more than 5000 lines and items (the limit of a YAML metrics file; "
                               "see docs/hardening.md)"),
                              ("a: " + "[" * 100000 + "]" * 100000 + "\n",
                               "nests deeper than 64 levels (the limit; see docs/hardening.md)")):
            self.write("m.yaml", text)
            self.assertFails(self.run_tool("ml-validate", "m.yaml", "--require", "a >= 0"), 3,
                             f"ml-validate: error: 'm.yaml': {message}")
        self.write("m.yaml", "".join(f"k{i}: {i}\n" for i in range(4998)) + "a: [1, 2]\n")
        self.assertEqual(self.run_tool("ml-validate", "m.yaml", "--require", "k4997 >= 1").code, 0)

    def test_uppercase_extensions_are_yaml(self):
        for name in ("M.YAML", "M.YML"):
            with self.subTest(name=name):
                self.write(name, "accuracy: 0.9\n")
                r = self.run_tool("ml-validate", name, "--require", "accuracy >= 0.85")
                self.assertEqual(r.code, 0, r)

    def test_not_a_mapping(self):
        self.write("m.yaml", "- 1\n- 2\n")
        self.assertFails(self.run_tool("ml-validate", "m.yaml", "--require", "a >= 0"), 3,
                         "ml-validate: error: 'm.yaml': expected a YAML mapping of metrics")


class MlflowRuns(CliTest):
    def run_folder(self):
        self.write("mlruns/1/abc/meta.yaml", "run_id: abc\n")
        self.write("mlruns/1/abc/params/lr", "0.1")
        # The latest metric: the highest step, the latest timestamp on ties (MLflow's rule).
        self.write("mlruns/1/abc/metrics/accuracy", "1000 0.5 0\n1003 0.61 2\n1001 0.7 2\n")
        self.write("mlruns/1/abc/metrics/eval/loss", "5 0.3 0\n")
        return "mlruns/1/abc"

    def test_latest_metric_of_each_name(self):
        run = self.run_folder()
        r = self.run_tool("ml-validate", "--mlflow-run", run, "--require", "accuracy == 0.61",
                          "--require", "/eval~1loss <= 0.3", "--report", "r.json")
        self.assertEqual(r.code, 0, r)

    def test_a_run_as_compare_candidate(self):
        run = self.run_folder()
        self.write("prod.json", {"accuracy": 0.6})
        r = self.run_tool("ml-compare", "--candidate", run, "--baseline", "prod.json", "--metric", "accuracy")
        self.assertEqual(r.code, 0, r)

    def test_an_output_naming_a_file_of_the_run_is_refused(self):
        run = self.run_folder()
        target = run + "/metrics/accuracy"
        r = self.run_tool("ml-validate", "--mlflow-run", run, "--require", "accuracy >= 0", "--report", target)
        self.assertFails(r, 2, f"ml-validate: error: '{target}': --report would overwrite an input file")
        self.write("prod.json", {"accuracy": 0.6})
        r = self.run_tool("ml-compare", "--candidate", run, "--baseline", "prod.json", "--metric", "accuracy",
                          "--markdown", run + "/meta.yaml")
        self.assertFails(r, 2, f"ml-compare: error: '{run}/meta.yaml': --markdown would overwrite an input file")
        self.assertEqual(self.read(target), "1000 0.5 0\n1003 0.61 2\n1001 0.7 2\n")

    def test_folder_that_is_not_a_run(self):
        os.makedirs(self.path("empty"))
        self.assertFails(self.run_tool("ml-validate", "--mlflow-run", "empty", "--require", "a >= 0"), 3,
                         "ml-validate: error: 'empty': not an MLflow run: expected meta.yaml and metrics/ "
                         "(mlruns/<experiment>/<run_id>)")

    def test_non_finite_latest_value(self):
        run = self.run_folder()
        self.write(run + "/metrics/accuracy", "1 nan 3\n")
        self.assertFails(self.run_tool("ml-validate", "--mlflow-run", run, "--require", "accuracy >= 0"), 3,
                         "ml-validate: error: 'mlruns/1/abc/metrics/accuracy': metric \"accuracy\" is nan, "
                         "not a finite number")


if __name__ == "__main__":
    unittest.main()
