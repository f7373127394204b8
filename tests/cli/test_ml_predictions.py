"""End-to-end tests of metrics computed from predictions files (ml-validate --predictions) and of
ml-compare's significance tests, against scikit-learn, scipy and statsmodels: the fixtures and
their expected values come from tests/data/predictions/generate.py."""
import gzip
import json
import os
import shutil
import unittest

from lean_cli import CliTest, SOURCE_DIR

DATA = os.path.join(SOURCE_DIR, "tests", "data", "predictions")
with open(os.path.join(DATA, "expected.json")) as f:
    EXPECTED = json.load(f)


def lookup(metrics, dotted):
    node = metrics
    for key in dotted.split("."):
        node = node[key]
    return node


class PredictionsTest(CliTest):
    def fixture(self, name):
        shutil.copy(os.path.join(DATA, name), self.path(name))
        return name

    def metrics_of(self, name, *args):
        self.fixture(name)
        r = self.run_tool("ml-validate", "--predictions", name, "--write-metrics", "m.json", *args)
        self.assertEqual(r.code, 0, r)
        return self.read_json("m.json")

    def assertMatches(self, metrics, expected, rel=1e-12):
        for key, value in expected.items():
            got = lookup(metrics, key)
            self.assertLessEqual(abs(got - value), rel * max(abs(value), 1e-300), f"{key}: {got} against sklearn {value}")


class MetricsAgainstSklearn(PredictionsTest):
    def test_binary(self):
        self.assertMatches(self.metrics_of("binary.csv"), EXPECTED["binary"])

    def test_binary_weighted(self):
        self.assertMatches(self.metrics_of("binary.csv", "--weight-column", "w"), EXPECTED["binary_weighted"])

    def test_binary_micro_average(self):
        self.assertMatches(self.metrics_of("binary.csv", "--average", "micro"), EXPECTED["binary_micro"])

    def test_string_labels_with_pos_label(self):
        self.assertMatches(self.metrics_of("strings.csv", "--pos-label", "dog"), EXPECTED["strings"])

    def test_multiclass(self):
        metrics = self.metrics_of("multiclass.csv")
        self.assertMatches(metrics, EXPECTED["multiclass"])
        self.assertEqual(metrics["predictions"]["task"], "multiclass")

    def test_multiclass_weighted(self):
        self.assertMatches(self.metrics_of("multiclass.csv", "--weight-column", "w"), EXPECTED["multiclass_weighted"])

    def test_multiclass_weighted_average(self):
        self.assertMatches(self.metrics_of("multiclass.csv", "--average", "weighted"),
                           EXPECTED["multiclass_weighted_average"])

    def test_regression(self):
        metrics = self.metrics_of("regression.csv")
        self.assertMatches(metrics, EXPECTED["regression"])
        self.assertEqual(metrics["predictions"]["task"], "regression")

    def test_regression_weighted(self):
        self.assertMatches(self.metrics_of("regression.csv", "--weight-column", "w"), EXPECTED["regression_weighted"])

    def test_gzip_input_gives_the_same_metrics(self):
        with open(os.path.join(DATA, "binary.csv"), "rb") as src, gzip.open(self.path("binary.csv.gz"), "wb") as dst:
            dst.write(src.read())
        r = self.run_tool("ml-validate", "--predictions", "binary.csv.gz", "--write-metrics", "m.json")
        self.assertEqual(r.code, 0, r)
        self.assertMatches(self.read_json("m.json"), EXPECTED["binary"])

    def test_predictions_derived_from_scores(self):
        # Without y_pred the binary prediction is y_score >= --decision-threshold: here the same.
        with open(os.path.join(DATA, "binary.csv")) as f:
            rows = [line.rstrip("\n").split(",") for line in f]
        self.write("scores.csv", "\n".join(",".join([r[1], r[3]]) for r in rows) + "\n")
        r = self.run_tool("ml-validate", "--predictions", "scores.csv", "--write-metrics", "m.json")
        self.assertEqual(r.code, 0, r)
        self.assertMatches(self.read_json("m.json"), EXPECTED["binary"])

    def test_write_metrics_is_deterministic_and_records_the_label_hash(self):
        first = json.dumps(self.metrics_of("binary.csv"))
        second = json.dumps(self.metrics_of("binary.csv"))
        self.assertEqual(first, second)
        self.assertRegex(json.loads(first)["predictions"]["label_sha256"], "^[0-9a-f]{64}$")

    def test_written_metrics_feed_ml_validate_and_ml_compare(self):
        self.metrics_of("binary.csv")
        r = self.run_tool("ml-validate", "m.json", "--require", "roc_auc >= 0.8")
        self.assertEqual(r.code, 0, r)
        r = self.run_tool("ml-compare", "--candidate", "m.json", "--baseline", "m.json", "--metric", "f1")
        self.assertEqual(r.code, 0, r)


class Slices(PredictionsTest):
    def test_every_metric_per_slice_and_the_worst_slices(self):
        self.fixture("binary.csv")
        r = self.run_tool("ml-validate", "--predictions", "binary.csv", "--slice-by", "region", "--require-slices",
                          "accuracy >= 0.8", "--min-slice-size", "100", "--write-metrics", "m.json",
                          "--report", "r.json", "--markdown", "s.md")
        metrics = self.read_json("m.json")
        for region, expected in EXPECTED["binary_slices"].items():
            self.assertMatches(metrics["slices"]["region"][region], expected)
        report = self.read_json("r.json")
        small = [s["slice"] for s in report["slices"]["too_small"]]
        self.assertEqual(small, ["apac"])  # 10 % of 600 rows: below --min-slice-size 100
        checked = {c["slice"]: c for c in report["slices"]["checks"]}
        self.assertEqual(set(checked), {"eu", "us"})
        expected_code = 0 if all(EXPECTED["binary_slices"][s]["accuracy"] >= 0.8 for s in ("eu", "us")) else 1
        self.assertEqual(r.code, expected_code, r)
        worst = report["slices"]["worst"]["accuracy >= 0.8"]
        self.assertLessEqual(worst[0]["value"], worst[1]["value"])
        self.assertIn("Worst slices by region", self.read("s.md"))

    def test_a_failing_slice_fails_the_gate(self):
        self.fixture("binary.csv")
        r = self.run_tool("ml-validate", "--predictions", "binary.csv", "--slice-by", "region", "--require-slices",
                          "accuracy >= 0.99", "--min-slice-size", "1")
        self.assertEqual(r.code, 1, r)
        self.assertIn("FAIL  accuracy in slice region=", r.stdout)
        self.assertTrue(r.stdout.endswith("ml-validate: fail (3 of 3 checks failed (3 on slices of region))\n"), r)


class SkippedSlices(PredictionsTest):
    def test_a_missing_slice_metric_allowed_is_reported_skipped(self):
        # The "b" slice holds one class only: its roc_auc is undefined, allowed by --allow-missing.
        self.write("p.csv", "y_true,y_pred,y_score,g\n1,1,0.9,a\n0,0,0.2,a\n1,1,0.8,b\n1,0,0.4,b\n")
        r = self.run_tool("ml-validate", "--predictions", "p.csv", "--slice-by", "g", "--require-slices", "roc_auc >= 0.5",
                          "--min-slice-size", "1", "--allow-missing", "--report", "r.json")
        self.assertEqual(r.code, 0, r)
        checks = {c["slice"]: c for c in self.read_json("r.json")["slices"]["checks"]}
        self.assertEqual((checks["b"]["skipped"], checks["b"]["skip_reason"]),
                         (True, "metric undefined: y_true holds one class only, allowed by --allow-missing"))
        self.assertIn("SKIP  roc_auc in slice g=b is undefined: y_true holds one class only (allowed by --allow-missing)\n",
                      r.stdout)
        self.assertNotIn("skipped", checks["a"])

    def test_every_slice_too_small_is_a_warning(self):
        self.fixture("binary.csv")
        r = self.run_tool("ml-validate", "--predictions", "binary.csv", "--slice-by", "region", "--require-slices",
                          "accuracy >= 0.99", "--min-slice-size", "100000")
        self.assertEqual(r.code, 0, r)
        self.assertIn("WARN  every slice of region has fewer than 100000 rows (--min-slice-size): "
                      "no --require-slices check was evaluated\n", r.stdout)

    def test_some_slices_too_small_are_named_on_the_console_and_in_the_markdown(self):
        self.write("p.csv", "y_true,y_pred,g\n" + "1,1,a\n" * 20 + "0,0,a\n" * 20 + "1,0,b\n" * 3)
        r = self.run_tool("ml-validate", "--predictions", "p.csv", "--slice-by", "g", "--require-slices", "accuracy>0.5",
                          "--require", "n>0", "--markdown", "s.md", "--report", "r.json")
        self.assertEqual(r.code, 0, r)
        note = ("1 of 2 slices of g has fewer than 30 rows (--min-slice-size): not checked by --require-slices "
                "(listed in the report's slices.too_small)")
        self.assertIn("WARN  " + note + "\n", r.stdout)
        self.assertIn("\n" + note.replace("_", "\\_") + "\n", self.read("s.md"))
        self.assertEqual(self.read_json("r.json")["slices"]["too_small"], [{"slice": "b", "n": 3}])


class BadInput(PredictionsTest):
    def test_negative_min_slice_size_is_a_usage_error(self):
        self.fixture("binary.csv")
        r = self.run_tool("ml-validate", "--predictions", "binary.csv", "--slice-by", "region", "--require-slices",
                          "accuracy >= 0.99", "--min-slice-size", "-1")
        self.assertFails(r, 2, 'ml-validate: error: --min-slice-size must be a whole number of at least 0, not "-1"')
        r = self.run_tool("ml-validate", "--predictions", "binary.csv", "--slice-by", "region", "--require-slices",
                          "accuracy >= 0.99", "--min-slice-size", "abc")
        self.assertFails(r, 2, 'ml-validate: error: --min-slice-size must be a whole number of at least 0, not "abc"')

    def validate(self, content, *args):
        self.write("p.csv", content)
        return self.run_tool("ml-validate", "--predictions", "p.csv", "--require", "accuracy >= 0", *args)

    def test_missing_column_suggests_the_closest(self):
        self.assertFails(self.validate("y_ture,y_pred\n1,1\n"), 3,
                         "ml-validate: error: 'p.csv': no column \"y_true\"; did you mean \"y_ture\"?")

    def test_a_mistyped_prediction_or_score_column_is_not_ignored(self):
        content = "y_true,y_pred,y_score\n1,1,0.9\n0,0,0.2\n"
        self.assertFails(self.validate(content, "--prediction-column", "y_prd"), 3,
                         "ml-validate: error: 'p.csv': no column \"y_prd\"; did you mean \"y_pred\"?")
        self.assertFails(self.validate(content, "--score-column", "y_scr"), 3,
                         "ml-validate: error: 'p.csv': no column \"y_scr\"; did you mean \"y_score\"?")

    def test_score_not_a_finite_number(self):
        self.assertFails(self.validate("y_true,y_pred,y_score\n1,1,0.9\n0,0,inf\n"), 3,
                         "ml-validate: error: 'p.csv:3': column \"y_score\": \"inf\" is not a finite number")

    def test_a_missing_score_or_weight_is_named_missing(self):
        self.assertFails(self.validate("y_true,y_pred,y_score\n1,1,0.9\n0,0,\n"), 3,
                         "ml-validate: error: 'p.csv:3': column \"y_score\": a missing value (\"\"); every row needs a "
                         "number here")
        self.assertFails(self.validate("y_true,y_pred,y_score\n1,1,0.9\n0,0,  \n"), 3,
                         "ml-validate: error: 'p.csv:3': column \"y_score\": a missing value (\"  \"); every row needs a "
                         "number here")
        self.assertFails(self.validate("y_true,y_pred,w\n1,1,2\n0,0, NA \n", "--weight-column", "w"), 3,
                         "ml-validate: error: 'p.csv:3': column \"w\": a missing value (\" NA \"); every row needs a "
                         "number here")
        self.assertFails(self.validate("y_true,y_pred,w\n1,1,2\n0,0,NA\n", "--weight-column", "w"), 3,
                         "ml-validate: error: 'p.csv:3': column \"w\": a missing value (\"NA\"); every row needs a "
                         "number here")

    def test_quotes_inside_a_value_and_labels_in_a_list_are_escaped(self):
        self.assertFails(self.validate('y_true,y_pred,y_score\n1,1,0.9\n0,0,"0.""5"\n'), 3,
                         "ml-validate: error: 'p.csv:3': column \"y_score\": \"0.\\\"5\" is not a finite number")
        self.assertFails(self.validate("y_true,y_pred\na,a\n a,a\nb,c\n"), 3,
                         "ml-validate: error: 'p.csv:4': column \"y_pred\": \"c\" is not one of the labels (\" a\", \"a\", \"b\")")

    def test_probability_outside_0_1(self):
        self.assertFails(self.validate("y_true,proba_a,proba_b,proba_c\na,0.5,0.5,0\nb,1.2,-0.2,0\nc,0,0,1\n"), 3,
                         "ml-validate: error: 'p.csv:3': column \"proba_a\": 1.2 is not a probability (outside [0, 1])")

    def test_class_probabilities_not_summing_to_one(self):
        self.assertFails(self.validate("y_true,proba_a,proba_b,proba_c\na,0.5,0.5,0\nb,0.5,0.4,0\nc,0,0,1\n"), 3,
                         "ml-validate: error: 'p.csv:3': the class probabilities sum to 0.9, not 1 within 1e-6 "
                         "(rows are renormalised only within that tolerance)")

    def test_predicted_label_not_in_the_label_set(self):
        self.assertFails(self.validate("y_true,y_pred\ncat,cat\ndog,cow\n", "--pos-label", "dog"), 3,
                         "ml-validate: error: 'p.csv:3': column \"y_pred\": \"cow\" is not one of the labels (\"cat\", \"dog\")")

    def test_corrupt_gzip_names_the_file_not_the_stream(self):
        data = bytearray(gzip.compress(b"y_true,y_pred\n1,1\n0,0\n"))
        data[2] = 7  # the compression method
        with open(self.path("p.csv.gz"), "wb") as f:
            f.write(bytes(data))
        r = self.run_tool("ml-validate", "--predictions", "p.csv.gz", "--require", "n>0")
        self.assertFails(r, 3, "ml-validate: error: 'p.csv.gz': corrupt gzip data: unknown compression method")

    def test_a_tab_separated_file_named_csv_says_so(self):
        self.assertFails(self.validate("y_true\ty_pred\n1\t1\n0\t0\n"), 3,
                         "ml-validate: error: 'p.csv': the header is one column but holds '\\t': predictions files are "
                         "comma-separated, tab-separated when named .tsv or .tab")

    def test_empty_file(self):
        self.assertFails(self.validate(""), 3, "ml-validate: error: 'p.csv': empty file: no header row")

    def test_header_only(self):
        self.assertFails(self.validate("y_true,y_pred\n"), 3, "ml-validate: error: 'p.csv': no rows: the file holds a header only")

    def test_negative_weight(self):
        self.assertFails(self.validate("y_true,y_pred,w\n1,1,1\n0,1,-0.5\n", "--weight-column", "w"), 3,
                         "ml-validate: error: 'p.csv:3': column \"w\": the weight -0.5 is negative")

    def test_other_binary_labels_need_pos_label(self):
        self.assertFails(self.validate("y_true,y_pred\ncat,cat\ndog,dog\n"), 2,
                         "ml-validate: error: the labels of 'p.csv' are \"cat\" and \"dog\": give --pos-label to say which is positive")

    def test_undefined_metric_names_the_metric_and_why(self):
        self.write("p.csv", "y_true,y_pred,y_score\n1,1,0.9\n1,0,0.2\n")
        r = self.run_tool("ml-validate", "--predictions", "p.csv", "--require", "roc_auc >= 0.5")
        self.assertFails(r, 3, "ml-validate: error: 'p.csv': roc_auc is undefined: y_true holds one class only")
        r = self.run_tool("ml-validate", "--predictions", "p.csv", "--require", "roc_auc >= 0.5", "--allow-missing")
        self.assertEqual(r.code, 0, r)

    def test_an_overflowing_metric_is_an_input_error_naming_it(self):
        self.write("p.csv", "y_true,y_pred\n1e200,-1e200\n-1e200,1e200\n5,6\n")
        for args in (("--write-metrics", "m.json"), ("--require", "mse <= 1")):
            with self.subTest(args=args):
                r = self.run_tool("ml-validate", "--predictions", "p.csv", "--task", "regression", *args)
                self.assertFails(r, 3, "ml-validate: error: 'p.csv': metric \"mse\" overflows: it is not a finite number "
                                       "(the values are too large for a double)")
        self.assertFalse(os.path.exists(self.path("m.json")))

    def test_errors_about_one_line_name_it(self):
        self.write("p.csv", "y_true,y_pred,y_score\n1,1,0.9\n0,0,3\n")
        r = self.run_tool("ml-validate", "--predictions", "p.csv", "--require", "log_loss <= 1")
        self.assertFails(r, 3, "ml-validate: error: 'p.csv:3': log_loss is undefined: the scores are not probabilities "
                               "(this one is outside [0, 1])")
        self.write("p.csv", "y_true,proba_a,proba_b,proba_c\na,1,0,0\nb,0,1,0\nc,0,0,1\nd,0,0,1\n")
        r = self.run_tool("ml-validate", "--predictions", "p.csv", "--require", "n > 0")
        self.assertFails(r, 3, "ml-validate: error: 'p.csv:5': no column \"proba_d\" for the label \"d\"")

    def test_a_binary_score_in_a_multiclass_file_says_why_it_is_not_read(self):
        self.write("p.csv", "y_true,y_pred,y_score\n0,0,0.1\n1,1,0.8\n0,0,0.3\n2,1,0.6\n")
        r = self.run_tool("ml-validate", "--predictions", "p.csv", "--require", "roc_auc > 0")
        self.assertFails(r, 3, "ml-validate: error: 'p.csv:5': roc_auc is undefined: column \"y_score\" is a binary "
                               "score, but the label \"2\" makes 3 labels; multiclass scores are \"proba_<label>\" columns")

    def test_r2_of_a_constant_target(self):
        rows = "".join(f"5,{5 + i / 10}\n" for i in range(30))
        self.write("p.csv", "y_true,y_pred\n" + rows)
        r = self.run_tool("ml-validate", "--predictions", "p.csv", "--task", "regression", "--require", "r2 >= 0")
        self.assertFails(r, 3, "ml-validate: error: 'p.csv': r2 is undefined: y_true is constant")


class OptionsThatDoNotApply(PredictionsTest):
    def test_are_usage_errors_naming_why(self):
        binary = "y_true,y_pred,y_score\n1,1,0.9\n0,0,0.2\n"
        regression = "y_true,y_pred\n1.5,1\n0.2,0\n"
        multiclass = "y_true,y_pred\na,a\nb,b\nc,c\n"
        for content, args, error in (
                (binary, ("--decision-threshold", "0.3"),
                 "--decision-threshold derives predictions from the scores, but 'p.csv' has the prediction column \"y_pred\""),
                (regression, ("--decision-threshold", "0.3"), "--decision-threshold applies to binary scores; 'p.csv' is a regression"),
                (regression, ("--average", "macro"),
                 "--average applies to precision, recall and f1 of labels; 'p.csv' is a regression"),
                (regression, ("--pos-label", "1"), "--pos-label applies to binary labels; 'p.csv' is a regression"),
                (multiclass, ("--pos-label", "a"), "--pos-label applies to binary labels; 'p.csv' is multiclass"),
                (multiclass, ("--decision-threshold", "0.3"), "--decision-threshold applies to binary scores; 'p.csv' is multiclass")):
            with self.subTest(args=args, content=content):
                self.write("p.csv", content)
                r = self.run_tool("ml-validate", "--predictions", "p.csv", "--require", "n>0", *args)
                self.assertFails(r, 2, "ml-validate: error: " + error)
        self.write("p.csv", "y_true,y_score\n1,0.9\n0,0.2\n")  # derived predictions: the threshold applies
        r = self.run_tool("ml-validate", "--predictions", "p.csv", "--require", "n>0", "--decision-threshold", "0.3")
        self.assertEqual(r.code, 0, r)


class Booleans(PredictionsTest):
    def test_booleans_in_any_case_are_one_label_as_pandas_reads_them(self):
        self.write("p.csv", "y_true,y_pred\ntrue,True\nfalse,False\ntrue,FALSE\n")
        r = self.run_tool("ml-validate", "--predictions", "p.csv", "--require", "accuracy>0", "--write-metrics", "m.json")
        self.assertEqual(r.code, 0, r)
        metrics = self.read_json("m.json")
        self.assertEqual((metrics["accuracy"], metrics["tp"], metrics["fn"]), (2 / 3, 1, 1))
        self.assertEqual(sorted(metrics["per_class"]), ["False", "True"])

    def test_mixed_spellings_in_one_column_are_binary(self):
        # sklearn on pandas' bool column: f1 2/3, roc_auc 0.75 (the column is read as bool)
        self.write("p.csv", "y_true,y_pred\nTrue,True\nTrue,True\nTrue,False\nFalse,False\nfalse,True\n")
        self.write("s.csv", "y_true,y_pred,y_score\ntrue,true,0.9\nfalse,false,0.2\nTrue,false,0.4\nFALSE,true,0.6\n")
        r = self.run_tool("ml-validate", "--predictions", "p.csv", "--require", "f1>0", "--write-metrics", "m.json")
        self.assertEqual(r.code, 0, r)
        metrics = self.read_json("m.json")
        self.assertEqual((metrics["predictions"]["task"], metrics["f1"]), ("binary", 2 / 3))
        self.assertEqual(sorted(metrics["per_class"]), ["False", "True"])
        r = self.run_tool("ml-validate", "--predictions", "s.csv", "--require", "roc_auc>0", "--write-metrics", "m.json")
        self.assertEqual(r.code, 0, r)
        metrics = self.read_json("m.json")
        self.assertEqual((metrics["roc_auc"], metrics["tp"], metrics["fp"], metrics["tn"], metrics["fn"]),
                         (0.75, 1, 1, 1, 1))
        r = self.run_tool("ml-compare", "--candidate-predictions", "p.csv", "--baseline-predictions", "p.csv",
                          "--metric", "f1", "--report", "r.json")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(self.read_json("r.json")["primary"]["candidate"], 2 / 3)

    def test_two_files_spelling_booleans_differently_are_one_test_set(self):
        self.write("a.csv", "y_true,y_pred\nTrue,True\nFalse,False\nTrue,False\n")
        self.write("b.csv", "y_true,y_pred\ntrue,true\nfalse,true\nTRUE,false\n")
        fingerprints = []
        for name in ("a", "b"):
            r = self.run_tool("ml-validate", "--predictions", name + ".csv", "--require", "n>0", "--write-metrics",
                              name + ".json")
            self.assertEqual(r.code, 0, r)
            metrics = self.read_json(name + ".json")
            self.assertEqual(sorted(metrics["per_class"]), ["False", "True"])
            fingerprints.append(metrics["predictions"]["label_sha256"])
        self.assertEqual(fingerprints[0], fingerprints[1])
        r = self.run_tool("ml-compare", "--candidate-predictions", "a.csv", "--baseline-predictions", "b.csv",
                          "--metric", "accuracy", "--report", "r.json")
        self.assertEqual(r.code, 0, r)
        report = self.read_json("r.json")
        self.assertEqual((report["primary"]["candidate"], report["primary"]["baseline"]), (2 / 3, 1 / 3))


class JunitWellFormed(PredictionsTest):
    def test_noncharacters_in_labels_and_slices_are_escaped_in_junit(self):
        import xml.etree.ElementTree as ET
        with open(self.path("nc.csv"), "wb") as f:
            f.write(b"y_true,y_pred,g\na,a,x\xef\xbf\xbfy\nb,b,w\xef\xbf\xbe\n")
        r = self.run_tool("ml-validate", "--predictions", "nc.csv", "--pos-label", "b", "--slice-by", "g",
                          "--min-slice-size", "0", "--require-slices", "accuracy>2", "--require", "n>0",
                          "--junit", "nc.xml")
        self.assertEqual(r.code, 1, r)
        names = [case.get("name") for case in ET.parse(self.path("nc.xml")).iter("testcase")]
        self.assertEqual(names, ["n > 0", "g=w\\ufffe: accuracy > 2", "g=x\\uffffy: accuracy > 2"])
        with open(self.path("e.csv"), "wb") as f:
            f.write(b"y_true,y_pred\n\xef\xbf\xbe,b\nb,b\n")
        r = self.run_tool("ml-compare", "--candidate-predictions", "e.csv", "--baseline-predictions", "e.csv",
                          "--metric", "accuracy", "--junit", "e.xml")
        self.assertEqual(r.code, 2, r)
        error = next(ET.parse(self.path("e.xml")).iter("error"))
        self.assertIn("\\ufffe", error.get("message"))


class ZeroWeights(PredictionsTest):
    def test_a_class_of_zero_weight_leaves_roc_auc_undefined_not_overflowing(self):
        self.write("p.csv", "y_true,y_pred,y_score,w\n1,1,0.9,1\n0,0,0.2,0\n1,0,0.4,1\n0,1,0.6,0\n")
        r = self.run_tool("ml-validate", "--predictions", "p.csv", "--weight-column", "w", "--require", "accuracy>=0",
                          "--allow-missing", "--write-metrics", "m.json")
        self.assertEqual((r.code, r.stderr), (0, ""), r)
        self.assertNotIn("roc_auc", self.read_json("m.json"))
        r = self.run_tool("ml-validate", "--predictions", "p.csv", "--weight-column", "w", "--require", "roc_auc>=0")
        self.assertFails(r, 3, "ml-validate: error: 'p.csv': roc_auc is undefined: one class of y_true has zero weight")

    def test_a_slice_whose_negatives_weigh_0(self):
        self.write("p.csv", "y_true,y_pred,y_score,w,g\n1,1,0.9,1,a\n0,0,0.2,0,a\n1,0,0.4,1,b\n0,1,0.6,1,b\n")
        r = self.run_tool("ml-validate", "--predictions", "p.csv", "--weight-column", "w", "--slice-by", "g",
                          "--min-slice-size", "1", "--require-slices", "accuracy>0")
        self.assertEqual(r.code, 1, r)  # slice b: accuracy 0
        self.assertEqual(r.stderr, "")

    def test_rows_weighing_0_in_total(self):
        self.write("p.csv", "y_true,y_pred,y_score,w\n1,1,0.9,0\n0,0,0.2,0\n")
        r = self.run_tool("ml-validate", "--predictions", "p.csv", "--weight-column", "w", "--require", "log_loss<=1")
        self.assertFails(r, 3, "ml-validate: error: 'p.csv': log_loss is undefined: the rows weigh 0 in total")
        r = self.run_tool("ml-validate", "--predictions", "p.csv", "--weight-column", "w", "--require", "f1>=0")
        self.assertFails(r, 3, "ml-validate: error: 'p.csv': f1 is undefined: the rows weigh 0 in total")


class SliceReporting(PredictionsTest):
    def test_the_worst_slices_heading_escapes_the_column_name(self):
        self.write("p.csv", 'y_true,y_pred,"g\x1b[2J*x*"\n1,1,a\n0,0,b\n')
        r = self.run_tool("ml-validate", "--predictions", "p.csv", "--slice-by", "g\x1b[2J*x*", "--min-slice-size", "1",
                          "--require-slices", "accuracy>0", "--require", "n>0", "--markdown", "s.md")
        self.assertEqual(r.code, 0, r)
        self.assertIn("**Worst slices by g\\\\e\\[2J\\*x\\***\n", self.read("s.md"))
        self.assertNotIn("\x1b", self.read("s.md"))

    def test_no_worst_slices_table_when_every_slice_is_too_small(self):
        self.write("p.csv", "y_true,y_pred,g\n1,1,a\n0,0,b\n")
        r = self.run_tool("ml-validate", "--predictions", "p.csv", "--slice-by", "g", "--require-slices", "accuracy>0",
                          "--require", "n>0", "--markdown", "s.md")
        self.assertEqual(r.code, 0, r)
        markdown = self.read("s.md")
        self.assertNotIn("| Slice |", markdown)
        self.assertIn("**Worst slices by g**: none, every slice has fewer than 30 rows (--min-slice-size): "
                      "no --require-slices check was evaluated\n", markdown)

    def test_every_output_counts_the_slice_checks(self):
        self.write("p.csv", "y_true,y_pred,y_score,g\n1,1,0.9,a\n0,1,0.2,a\n1,1,0.8,b\n1,0,0.4,b\n")
        r = self.run_tool("ml-validate", "--predictions", "p.csv", "--slice-by", "g", "--min-slice-size", "1",
                          "--require", "n>0", "--require-slices", "accuracy>0.9", "--require-slices", "roc_auc>=0.5",
                          "--allow-missing", "--report", "r.json", "--dotenv", "r.env", "--junit", "r.xml")
        self.assertEqual(r.code, 1, r)
        self.assertTrue(r.stdout.endswith("ml-validate: fail (2 of 5 checks failed, 1 skipped (4 on slices of g))\n"), r)
        report = self.read_json("r.json")
        self.assertEqual((report["passed"], report["failed"], report["skipped"]), (2, 2, 1))
        env = self.read("r.env")
        for line in ("ML_VALIDATE_PASSED=2\n", "ML_VALIDATE_FAILED=2\n", "ML_VALIDATE_SKIPPED=1\n"):
            self.assertIn(line, env)
        self.assertIn('tests="5" failures="2" errors="0" skipped="1"', self.read("r.xml"))

    def test_a_value_spelled_like_the_missing_slice_is_refused(self):
        self.write("p.csv", "y_true,y_pred,g\n1,1,(missing)\n0,0,(missing)\n1,0,\n0,1,\n")
        r = self.run_tool("ml-validate", "--predictions", "p.csv", "--slice-by", "g", "--require", "n>0")
        self.assertFails(r, 3, "ml-validate: error: 'p.csv:2': column \"g\": the value \"(missing)\" is also the name "
                               "of the slice of missing cells (line 4); rename it, they would be one slice")


class ProbabilityColumns(PredictionsTest):
    def test_a_binary_file_with_proba_of_the_positive_only(self):
        self.write("p.csv", "y_true,proba_1\n1,0.9\n0,0.2\n1,0.3\n")
        r = self.run_tool("ml-validate", "--predictions", "p.csv", "--require", "roc_auc>=0", "--write-metrics", "m.json")
        self.assertEqual(r.code, 0, r)
        metrics = self.read_json("m.json")
        self.assertEqual((metrics["roc_auc"], metrics["accuracy"]), (1.0, 2 / 3))

    def test_a_proba_column_beside_y_score(self):
        self.write("p.csv", "y_true,y_score,proba_1\n1,0.9,0.9\n0,0.2,0.2\n")
        r = self.run_tool("ml-validate", "--predictions", "p.csv", "--require", "roc_auc>=0")
        self.assertEqual(r.code, 0, r)

    def test_the_negative_class_column_alone_is_not_the_score(self):
        self.write("p.csv", "y_true,proba_0\n1,0.1\n0,0.8\n")
        r = self.run_tool("ml-validate", "--predictions", "p.csv", "--require", "roc_auc>=0")
        self.assertFails(r, 3, "ml-validate: error: 'p.csv:2': no column \"proba_1\" for the label \"1\"")


class NotUtf8(PredictionsTest):
    def test_labels_and_slice_values_that_are_not_utf8_are_refused(self):
        for content, line, column in ((b"y_true,y_pred\n\xff,\xff\n\xfe,\xfe\nb,b\n", 2, "y_true"),
                                      (b"y_true,y_pred\na,a\nb,\xff\n", 3, "y_pred"),
                                      (b"y_true,y_pred,g\n1,1,a\n0,0,\xff\n", 3, "g")):
            with self.subTest(column=column):
                with open(self.path("p.csv"), "wb") as f:
                    f.write(content)
                extra = {"g": ("--slice-by", "g"), "y_pred": ("--pos-label", "a"), "y_true": ()}[column]
                r = self.run_tool("ml-validate", "--predictions", "p.csv", "--require", "n>0", *extra)
                self.assertFails(r, 3, f"ml-validate: error: 'p.csv:{line}': column \"{column}\": \"\\xff\" is not UTF-8, "
                                       "which a metrics file cannot hold as a label or slice name")
        with open(self.path("p.csv"), "wb") as f:
            f.write(b"y_true,y_pred,\xff\n1,1,a\n0,0,b\n")
        r = self.run_tool("ml-validate", "--predictions", "p.csv", "--require", "n>0", "--slice-by", b"\xff".decode("utf-8", "surrogateescape"))
        self.assertFails(r, 3, "ml-validate: error: 'p.csv:1': the --slice-by column's name: \"\\xff\" is not UTF-8, "
                               "which a metrics file cannot hold as a label or slice name")


class Significance(PredictionsTest):
    def compare(self, metric, *args, candidate="candidate.csv", baseline="baseline.csv"):
        self.fixture(candidate)
        self.fixture(baseline)
        r = self.run_tool("ml-compare", "--candidate-predictions", candidate, "--baseline-predictions", baseline,
                          "--metric", metric, "--report", "r.json", *args)
        self.assertIn(r.code, (0, 1), r)
        return r, self.read_json("r.json")

    def test_mcnemar_exact_against_scipy_and_statsmodels(self):
        e = EXPECTED["compare_binary"]
        r, report = self.compare("accuracy", "--id-column", "id", "--significance", "0.05")
        s = report["significance"]
        self.assertEqual((s["test"], s["b"], s["c"], s["n"]), ("mcnemar", e["b"], e["c"], e["n"]))
        self.assertLess(abs(s["p_value"] - e["mcnemar_p"]), 1e-10)
        self.assertLess(abs(min(1, 2 * min(s["p_value"], s["p_value_worse"])) - e["statsmodels_two_sided"]), 1e-10)
        self.assertAlmostEqual(report["primary"]["candidate"], e["accuracy_candidate"], delta=1e-12)
        self.assertEqual(report["decision"], "keep" if e["mcnemar_p"] >= 0.05 else "promote")
        self.assertIn("ml-compare: keep: accuracy +0.013 meets the margin but is not significant (p = 0.20 ≥ 0.05; "
                      "with 1,500 rows only gains above +0.035 are detectable)\n", r.stdout)

    def test_mcnemar_follows_lower_is_better(self):
        # Accuracy read the other way round: "better" is fewer right rows, p = P(X >= c).
        e = EXPECTED["compare_binary"]
        _, report = self.compare("accuracy", "--id-column", "id", "--significance", "0.05", "--lower-is-better")
        s = report["significance"]
        self.assertEqual((s["test"], s["b"], s["c"]), ("mcnemar", e["b"], e["c"]))
        self.assertLess(abs(s["p_value"] - e["mcnemar_p_worse"]), 1e-10)
        self.assertLess(abs(s["p_value_worse"] - e["mcnemar_p"]), 1e-10)
        self.assertLess(abs(min(1, 2 * min(s["p_value"], s["p_value_worse"])) - e["statsmodels_two_sided"]), 1e-10)
        self.assertEqual(report["primary"]["direction"], "lower")
        self.assertEqual(s["significantly_worse"], e["mcnemar_p"] < 0.05)

    def test_a_tiny_alpha_has_finite_quantiles(self):
        # 1 - 1e-17 rounds to 1: the quantiles come from the upper tail itself (scipy's isf).
        e = EXPECTED["compare_binary"]
        r, report = self.compare("accuracy", "--id-column", "id", "--significance", "1e-17")
        s = report["significance"]
        self.assertLess(abs(s["min_detectable_delta"] / e["mcnemar_min_detectable_1e-17"] - 1), 1e-9)
        self.assertNotIn("nan", r.stdout)
        self.assertNotIn("inf", r.stdout)
        self.assertRegex(r.stdout, r"only gains above \+0\.\d+ are detectable\)")
        e = EXPECTED["compare_regression"]
        r, report = self.compare("mse", "--significance", "1e-17", candidate="reg_candidate.csv", baseline="reg_baseline.csv")
        interval = report["significance"]["interval"]
        self.assertLess(abs(interval["low"] / e["mse_interval_low_1e-17"] - 1), 1e-9)
        self.assertLess(abs(interval["high"] / e["mse_interval_high_1e-17"] - 1), 1e-9)
        self.assertNotIn("nan", r.stdout)

    def test_paired_t_against_scipy(self):
        e = EXPECTED["compare_binary"]
        for metric, key in (("log_loss", "log_loss"), ("brier_score", "brier")):
            _, report = self.compare(metric, "--id-column", "id", "--significance", "0.05")
            s = report["significance"]
            self.assertEqual(s["test"], "paired-t")
            self.assertLess(abs(s["statistic"] - e[key + "_t"]), 1e-10 * abs(e[key + "_t"]))
            self.assertLess(abs(s["p_value"] - e[key + "_p"]), 1e-10)
        r = e = EXPECTED["compare_regression"]
        for metric in ("mse", "mae"):
            _, report = self.compare(metric, "--significance", "0.05", candidate="reg_candidate.csv",
                                     baseline="reg_baseline.csv")
            s = report["significance"]
            self.assertLess(abs(s["p_value"] - e[metric + "_p"]), 1e-10)
            self.assertEqual(report["decision"], "keep")

    def test_delong_against_the_reference(self):
        e = EXPECTED["compare_binary"]
        _, report = self.compare("roc_auc", "--id-column", "id", "--significance", "0.05")
        s = report["significance"]
        self.assertEqual(s["test"], "delong")
        self.assertLess(abs(report["primary"]["candidate"] - e["delong_auc_candidate"]), 1e-12)
        self.assertLess(abs(s["statistic"] - e["delong_z"]), 1e-9)
        self.assertLess(abs(s["p_value"] - e["delong_p"]), 1e-10)

    def test_bootstrap_is_reproducible_and_agrees_with_the_standard_error(self):
        _, first = self.compare("f1", "--id-column", "id", "--significance", "0.05", "--bootstrap-samples", "2000")
        _, second = self.compare("f1", "--id-column", "id", "--significance", "0.05", "--bootstrap-samples", "2000")
        self.assertEqual(first["significance"], second["significance"])
        self.assertEqual(first["significance"]["test"], "bootstrap")
        _, other_seed = self.compare("f1", "--id-column", "id", "--significance", "0.05", "--bootstrap-samples", "2000",
                                     "--seed", "7")
        self.assertNotEqual(first["significance"]["p_value"], other_seed["significance"]["p_value"])
        self.assertLess(abs(first["significance"]["p_value"] - other_seed["significance"]["p_value"]), 0.05)
        # Index resampling (roc_auc by bootstrap) has DeLong's standard error, within bootstrap noise.
        _, boot = self.compare("roc_auc", "--id-column", "id", "--significance", "0.05", "--test", "bootstrap",
                               "--bootstrap-samples", "1000")
        e = EXPECTED["compare_binary"]
        self.assertLess(abs(boot["significance"]["p_value"] - e["delong_p"]), 0.03)

    def test_significant_gain_promotes_with_the_worded_line(self):
        # The candidate is compared with a clearly worse copy of itself: every tenth prediction flipped.
        with open(os.path.join(DATA, "candidate.csv")) as f:
            lines = f.read().splitlines()
        worse = [lines[0]]
        for i, line in enumerate(lines[1:]):
            cells = line.split(",")
            if i % 10 == 0:
                cells[2] = "1" if cells[2] == "0" else "0"
            worse.append(",".join(cells))
        self.write("worse.csv", "\n".join(worse) + "\n")
        self.fixture("candidate.csv")
        r = self.run_tool("ml-compare", "--candidate-predictions", "candidate.csv", "--baseline-predictions", "worse.csv",
                          "--metric", "accuracy", "--significance", "0.05", "--report", "r.json", "--junit", "j.xml",
                          "--markdown", "s.md")
        self.assertEqual(r.code, 0, r)
        self.assertRegex(r.stdout, r"ml-compare: promote: accuracy \+0\.\d{3} \(0\.\d{3} → 0\.\d{3}\), significant: "
                                   r"p < 0\.001 \(McNemar exact, 1,500 paired rows\)\n")
        self.assertIn("significant: p &lt; 0.001 (McNemar exact, 1,500 paired rows)", self.read("j.xml"))
        # A stable test name; the sentence is the passed test's <system-out>.
        self.assertIn('<testcase classname="ml-compare" name="accuracy beats the baseline">\n      <system-out>accuracy +0.',
                      self.read("j.xml"))
        self.assertIn("significant", self.read("s.md"))
        self.assertIn(" | < 0.001 | ✅ better |\n", self.read("s.md"))  # as the console: not "0.001"
        # The other way round it is significantly worse, in every output.
        r = self.run_tool("ml-compare", "--candidate-predictions", "worse.csv", "--baseline-predictions", "candidate.csv",
                          "--metric", "accuracy", "--significance", "0.05", "--report", "r.json", "--junit", "j.xml",
                          "--markdown", "s.md")
        # The p of "worse" (the p of "better" is near 1 here).
        self.assertIn(" | < 0.001 | ❌ significantly worse |\n", self.read("s.md"))
        self.assertEqual(r.code, 1, r)
        self.assertIn("is significantly worse: p < 0.001 (McNemar exact, 1,500 paired rows)", r.stdout)
        self.assertTrue(self.read_json("r.json")["significance"]["significantly_worse"])
        self.assertIn('<testcase classname="ml-compare" name="accuracy beats the baseline">\n      <failure message="accuracy -0.',
                      self.read("j.xml"))
        self.assertIn("significantly worse", self.read("j.xml"))

    def test_a_guard_within_its_tolerance_fails_when_significantly_worse(self):
        # docs/ml-compare.md, "Guards and significance": the candidate flips every tenth prediction.
        with open(os.path.join(DATA, "candidate.csv")) as f:
            lines = f.read().splitlines()
        worse = [lines[0]] + [",".join(c if j != 2 or i % 10 else ("1" if c == "0" else "0") for j, c in enumerate(line.split(",")))
                              for i, line in enumerate(lines[1:])]
        self.write("worse.csv", "\n".join(worse) + "\n")
        self.fixture("candidate.csv")
        r = self.run_tool("ml-compare", "--candidate-predictions", "worse.csv", "--baseline-predictions", "candidate.csv",
                          "--metric", "roc_auc", "--significance", "0.05", "--test", "bootstrap", "--bootstrap-samples",
                          "200", "--guard", "accuracy:0.5", "--report", "r.json", "--markdown", "s.md")
        self.assertEqual(r.code, 1, r)
        guard = self.read_json("r.json")["guards"][0]
        self.assertLess(guard["bound"], guard["candidate"])  # within the tolerance...
        self.assertFalse(guard["passed"])  # ...and still failed: significantly worse
        self.assertEqual(guard["significance"]["test"], "mcnemar")  # auto for the guard's metric, not --test
        self.assertTrue(guard["significance"]["significantly_worse"])
        self.assertIn(", significantly worse: p < 0.001 (McNemar exact)\n", r.stdout)
        self.assertIn("| < 0.001 | ❌ significantly worse |", self.read("s.md"))

    def test_guard_regressing_significantly(self):
        _, report = self.compare("accuracy", "--id-column", "id", "--significance", "0.05", "--guard", "roc_auc:0.5")
        guard = report["guards"][0]
        self.assertEqual(guard["significance"]["test"], "delong")
        self.assertFalse(guard["significance"]["significantly_worse"])


class SharedRules(PredictionsTest):
    """The point rule, guards and the decision are the metrics mode's (src/gates/compare_common)."""

    def test_guard_directions_and_errors_as_in_the_metrics_mode(self):
        self.fixture("candidate.csv")
        self.fixture("baseline.csv")
        common = ["ml-compare", "--candidate-predictions", "candidate.csv", "--baseline-predictions", "baseline.csv",
                  "--id-column", "id", "--metric", "accuracy", "--report", "r.json"]
        r = self.run_tool(*common, "--guard", "log_loss:0.1:higher", "--guard", "roc_auc:lower")
        self.assertIn(r.code, (0, 1), r)
        guards = self.read_json("r.json")["guards"]
        self.assertEqual([(g["metric"], g["direction"]) for g in guards], [("log_loss", "higher"), ("roc_auc", "lower")])
        r = self.run_tool(*common, "--guard", "f1:0.01:lowr")
        self.assertFails(r, 2, "ml-compare: error: invalid --guard \"f1:0.01:lowr\": \"lowr\" is not a direction; did you "
                               "mean \"lower\"?")
        r = self.run_tool(*common, "--guard", "f1:lots")
        self.assertFails(r, 2, "ml-compare: error: invalid --guard \"f1:lots\": \"lots\" is neither a tolerance "
                               "(a number, or N%) nor a direction (higher or lower)")
        r = self.run_tool(*common, "--min-rel-delta", "2")
        self.assertFails(r, 2, "ml-compare: error: --min-rel-delta must be a fraction between 0 and 1 (0.02 is 2 %)")


class HugeCounts(PredictionsTest):
    def test_bootstrap_samples_out_of_range_are_usage_errors(self):
        self.fixture("candidate.csv")
        self.fixture("baseline.csv")
        for count in ("-1", "99", "100000000000", "abc"):
            with self.subTest(count=count):
                r = self.run_tool("ml-compare", "--candidate-predictions", "candidate.csv", "--baseline-predictions",
                                  "baseline.csv", "--metric", "f1", "--significance", "0.05", "--bootstrap-samples", count)
                self.assertFails(r, 2, "ml-compare: error: --bootstrap-samples must be a whole number from 100 to 1000000, "
                                       f'not "{count}"')

    def test_a_seed_that_is_not_a_whole_number_is_worded_by_the_tool(self):
        self.fixture("candidate.csv")
        self.fixture("baseline.csv")
        for seed in ("abc", "-1", "1.5"):
            with self.subTest(seed=seed):
                r = self.run_tool("ml-compare", "--candidate-predictions", "candidate.csv", "--baseline-predictions",
                                  "baseline.csv", "--metric", "f1", "--significance", "0.05", "--seed", seed)
                self.assertFails(r, 2, f'ml-compare: error: --seed must be a whole number of at least 0, not "{seed}"')
        r = self.run_tool("ml-compare", "--candidate-predictions", "candidate.csv", "--baseline-predictions",
                          "baseline.csv", "--metric", "f1", "--significance", "0.05", "--seed", "18446744073709551616")
        self.assertFails(r, 2, 'ml-compare: error: --seed is too large: "18446744073709551616" is above '
                               '18446744073709551615')


class NoBaselineYet(PredictionsTest):
    """--if-no-baseline as in the metrics mode: a missing file promotes, a missing model fails."""

    def compare(self, *args):
        self.fixture("candidate.csv")
        return self.run_tool("ml-compare", "--candidate-predictions", "candidate.csv", "--metric", "accuracy",
                             "--report", "r.json", "--junit", "j.xml", *args)

    def test_a_baseline_file_that_does_not_exist(self):
        r = self.compare("--baseline-predictions", "prod.csv")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.stdout, "ml-compare: promote without a comparison: no baseline ('prod.csv' does not exist); "
                                   "--if-no-baseline promote (the default for a baseline file)\n")
        report = self.read_json("r.json")
        self.assertEqual((report["decision"], report["primary"]["baseline"]), ("promote", None))
        self.assertAlmostEqual(report["primary"]["candidate"], EXPECTED["compare_binary"]["accuracy_candidate"], delta=1e-12)
        self.assertIn("<skipped", self.read("j.xml"))
        r = self.compare("--baseline-predictions", "prod.csv", "--if-no-baseline", "fail")
        self.assertEqual(r.code, 1, r)
        self.assertEqual(self.read_json("r.json")["decision"], "keep")
        r = self.compare("--baseline-predictions", "prod.csv", "--if-no-baseline", "maybe")
        self.assertFails(r, 2, "ml-compare: error: --if-no-baseline must be promote or fail, not \"maybe\"")
        r = self.compare("--baseline-predictions", "")
        self.assertFails(r, 2, "ml-compare: error: --baseline-predictions is empty (an unset variable?)")

    def test_a_registry_without_the_model_or_folder(self):
        registry = ["--baseline-registry", "reg", "--model", "churn", "--channel", "production",
                    "--baseline-predictions-file", "predictions.csv"]
        r = self.compare(*registry)
        self.assertFails(r, 2, "ml-compare: error: 'reg': --baseline-registry: the registry folder does not exist")
        r = self.compare(*registry, "--if-no-baseline", "promote")
        self.assertEqual(r.code, 0, r)
        self.assertIn("no baseline (the registry folder does not exist yet); --if-no-baseline promote", r.stdout)
        os.mkdir(self.path("reg"))
        r = self.compare(*registry)
        self.assertEqual(r.code, 1, r)
        self.assertIn("no baseline (the registry holds no model yet (a new registry, or a wrong URL or prefix)); "
                      "--if-no-baseline fail (the default for a registry baseline)", r.stdout)


class Overflow(PredictionsTest):
    def test_an_overflowing_metric_is_an_input_error_naming_it(self):
        self.write("c.csv", "y_true,y_pred\n1e200,-1e200\n-1e200,1e200\n5,6\n")
        self.write("b.csv", "y_true,y_pred\n1e200,1e200\n-1e200,-1e200\n5,5\n")
        for metric, guard in (("mse", "mae"), ("mae", "mse"), ("mae", "rmse")):
            with self.subTest(metric=metric, guard=guard):
                r = self.run_tool("ml-compare", "--candidate-predictions", "c.csv", "--baseline-predictions", "b.csv",
                                  "--task", "regression", "--metric", metric, "--guard", guard, "--significance", "0.05",
                                  "--report", "r.json")
                self.assertFails(r, 3, f"ml-compare: error: 'c.csv': metric \"{'mse' if 'mse' in (metric, guard) else guard}\" "
                                       "overflows: it is not a finite number (the values are too large for a double)")
                self.assertEqual(self.read_json("r.json")["status"], "error")  # never a decision on infinity


class PairingErrors(PredictionsTest):
    def test_mistyped_metric_and_columns_suggest_the_closest(self):
        self.fixture("candidate.csv")
        self.fixture("baseline.csv")
        pair = ["--candidate-predictions", "candidate.csv", "--baseline-predictions", "baseline.csv"]
        available = ("(available: accuracy, average_precision, balanced_accuracy, brier_score, cohen_kappa, f1, "
                     "f1_macro, f1_micro, ...)")
        cases = [
            (["--id-column", "id", "--metric", "acuracy"],
             "'candidate.csv': no metric \"acuracy\"; did you mean \"accuracy\"? " + available),
            (["--id-column", "id", "--metric", "per_class.1.f2", "--significance", "0.05"],
             "'candidate.csv': no metric \"per_class.1.f2\"; did you mean \"per_class.1.f1\"? " + available),
            (["--id-column", "id", "--metric", "accuracy", "--guard", "f1_macr:0.1"],
             "'candidate.csv': no metric \"f1_macr\"; did you mean \"f1_macro\"? " + available),
            (["--id-column", "idd", "--metric", "accuracy"], "'candidate.csv': no column \"idd\"; did you mean \"id\"?"),
            (["--id-column", "ID", "--metric", "accuracy"], "'candidate.csv': no column \"ID\"; did you mean \"id\"?"),
            (["--label-column", "y_tru", "--metric", "accuracy"],
             "'candidate.csv': no column \"y_tru\"; did you mean \"y_true\"?"),
            (["--score-column", "Y_Score", "--metric", "roc_auc"],
             "'candidate.csv': no column \"Y_Score\"; did you mean \"y_score\"?"),
        ]
        for args, message in cases:
            with self.subTest(args=args):
                r = self.run_tool("ml-compare", *pair, *args)
                self.assertFails(r, 3, "ml-compare: error: " + message)
        r = self.run_tool("ml-validate", "--predictions", "candidate.csv", "--label-column", "Y_TRUE", "--require", "f1 > 0")
        self.assertFails(r, 3, "ml-validate: error: 'candidate.csv': no column \"Y_TRUE\"; did you mean \"y_true\"?")

    def test_unmatched_ids_in_each_direction(self):
        self.write("a.csv", "id,y_true,y_pred\n1,0,0\n2,1,1\n3,1,0\n")
        self.write("b.csv", "id,y_true,y_pred\n1,0,0\n2,1,1\n4,1,1\n")
        r = self.run_tool("ml-compare", "--candidate-predictions", "a.csv", "--baseline-predictions", "b.csv",
                          "--metric", "accuracy", "--id-column", "id")
        self.assertFails(r, 3, "ml-compare: error: 'a.csv': the two files hold different ids: \"3\" is not in 'b.csv'; "
                               "\"4\" is not in 'a.csv'")

    def test_a_row_without_an_id_is_an_error_in_either_file_and_the_outputs_say_so(self):
        self.write("a.csv", "id,y_true,y_pred\n1,1,1\n2,0,0\n3,1,0\n")
        self.write("b.csv", "id,y_true,y_pred\n1,1,1\n2,0,0\n,1,0\n3,1,0\n")
        self.write("n.csv", "id,y_true,y_pred\n1,1,1\nNA,0,0\n2,0,0\n3,1,0\n")
        for candidate, baseline, line in (("b.csv", "a.csv", "'b.csv:4'"), ("a.csv", "b.csv", "'b.csv:4'"),
                                          ("a.csv", "n.csv", "'n.csv:3'")):
            with self.subTest(candidate=candidate, baseline=baseline):
                r = self.run_tool("ml-compare", "--candidate-predictions", candidate, "--baseline-predictions", baseline,
                                  "--metric", "accuracy", "--id-column", "id", "--report", "r.json", "--junit", "r.xml",
                                  "--markdown", "r.md", "--dotenv", "r.env")
                error = line + ": column \"id\" has no value"
                self.assertFails(r, 3, "ml-compare: error: " + error)
                report = self.read_json("r.json")
                self.assertEqual((report["status"], report["exit_code"], report["error"]), ("error", 3, error))
                self.assertIn("has no value", self.read("r.xml"))
                self.assertIn("has no value", self.read("r.md"))
                self.assertIn("EXIT_CODE=3", self.read("r.env"))
                for name in ("r.json", "r.xml", "r.md", "r.env"):
                    os.remove(self.path(name))

    def test_the_two_files_must_weigh_each_example_the_same(self):
        self.write("a.csv", "id,y_true,y_pred,w\n1,1,1,1\n2,0,0,1\n3,1,0,2\n")
        self.write("b.csv", "id,y_true,y_pred,w\n3,1,1,2\n1,1,1,5\n2,0,0,1\n")
        r = self.run_tool("ml-compare", "--candidate-predictions", "a.csv", "--baseline-predictions", "b.csv",
                          "--metric", "accuracy", "--weight-column", "w", "--id-column", "id")
        self.assertFails(r, 3, "ml-compare: error: 'b.csv:3': the weight differs from 'a.csv' line 2 (5 against 1); "
                               "both files must weigh each example the same")
        self.write("b.csv", "id,y_true,y_pred,w\n3,1,1,2.0\n1,1,1,1\n2,0,0,1\n")
        r = self.run_tool("ml-compare", "--candidate-predictions", "a.csv", "--baseline-predictions", "b.csv",
                          "--metric", "accuracy", "--weight-column", "w", "--id-column", "id")
        self.assertEqual((r.code, r.stderr), (1, ""), r)  # 2.0 is 2: compared, the baseline is better

    def test_bootstrap_counts_undefined_resamples_as_no_gain(self):
        # Two rows: about half the resamples hold one class, where roc_auc is undefined.
        self.write("c.csv", "y_true,y_pred,y_score\n1,1,0.9\n0,0,0.1\n")
        self.write("b.csv", "y_true,y_pred,y_score\n1,1,0.4\n0,0,0.6\n")
        r = self.run_tool("ml-compare", "--candidate-predictions", "c.csv", "--baseline-predictions", "b.csv",
                          "--metric", "roc_auc", "--significance", "0.05", "--test", "bootstrap", "--report", "r.json")
        self.assertEqual(r.code, 1, r)
        significance = self.read_json("r.json")["significance"]
        self.assertEqual(significance["p_value"], 1)  # and the defined ones all say +1: no spread either
        self.assertIn("is not significant (paired bootstrap, ", r.stdout)

    def test_a_test_without_spread_is_never_significant(self):
        # A p of 0 from a zero standard error promoted 1 to 4 rows (third review of issue 13).
        self.write("dc.csv", "y_true,y_score\n1,0.9\n0,0.1\n1,0.8\n0,0.2\n")
        self.write("db.csv", "y_true,y_score\n1,0.1\n0,0.9\n1,0.2\n0,0.8\n")
        self.write("rc.csv", "y_true,y_pred\n1,1\n")
        self.write("rb.csv", "y_true,y_pred\n1,2\n")
        self.write("wc.csv", "y_true,y_pred,w\n1,1,1\n0,0,1\n")
        self.write("wb.csv", "y_true,y_pred,w\n1,0,1\n0,1,1\n")
        cases = [(("dc.csv", "db.csv", "roc_auc"), (), "roc_auc +1.000 meets the margin but is not significant "
                  "(DeLong, no spread to test on 4 rows: p = 1)"),
                 (("rc.csv", "rb.csv", "mae"), ("--task", "regression"), "mae -1.000 meets the margin but is not "
                  "significant (paired t, no spread to test on 1 row: p = 1)"),
                 (("wc.csv", "wb.csv", "accuracy"), ("--weight-column", "w"), "accuracy +1.000 meets the margin but is "
                  "not significant (paired bootstrap, 10000 resamples, no spread to test on 2 rows: p = 1)")]
        for (candidate, baseline, metric), extra, sentence in cases:
            with self.subTest(metric=metric):
                r = self.run_tool("ml-compare", "--candidate-predictions", candidate, "--baseline-predictions", baseline,
                                  "--metric", metric, "--significance", "0.05", "--report", "r.json", *extra)
                self.assertEqual(r.code, 1, r)
                self.assertIn("ml-compare: keep: " + sentence, r.stdout)
                significance = self.read_json("r.json")["significance"]
                self.assertEqual((significance["p_value"], significance["p_value_worse"]), (1, 1))

    def test_row_order_needs_identical_labels(self):
        self.write("a.csv", "y_true,y_pred\n0,0\n1,1\n1,0\n")
        self.write("b.csv", "y_true,y_pred\n0,0\n0,1\n1,1\n")
        r = self.run_tool("ml-compare", "--candidate-predictions", "a.csv", "--baseline-predictions", "b.csv",
                          "--metric", "accuracy")
        self.assertFails(r, 3, "ml-compare: error: 'b.csv:3': the label differs from 'a.csv' line 3 (\"0\" against \"1\"); "
                               "rows pair by order without --id-column")

    def test_unweighted_test_with_weights_is_a_usage_error(self):
        self.write("a.csv", "y_true,y_pred,w\n0,0,1\n1,1,2\n")
        r = self.run_tool("ml-compare", "--candidate-predictions", "a.csv", "--baseline-predictions", "a.csv",
                          "--metric", "accuracy", "--weight-column", "w", "--significance", "0.05", "--test", "mcnemar")
        self.assertFails(r, 2, "ml-compare: error: --test mcnemar is unweighted; with --weight-column use --test bootstrap")

    def test_alpha_out_of_range(self):
        self.write("a.csv", "y_true,y_pred\n0,0\n1,1\n")
        r = self.run_tool("ml-compare", "--candidate-predictions", "a.csv", "--baseline-predictions", "a.csv",
                          "--metric", "accuracy", "--significance", "0.5")
        self.assertFails(r, 2, "ml-compare: error: --significance must be between 0 and 0.5 (exclusive)")
        for alpha in ("0", "-0.01", "1e-400", "nan", "inf"):
            r = self.run_tool("ml-compare", "--candidate-predictions", "a.csv", "--baseline-predictions", "a.csv",
                              "--metric", "accuracy", "--significance", alpha)
            self.assertEqual(r.code, 2, (alpha, r))


class RegistryBaseline(PredictionsTest):
    """The baseline's own predictions, published with its version and fetched from the registry."""

    def publish_baseline(self):
        self.fixture("binary.csv")
        r = self.run_tool("ml-validate", "--predictions", "binary.csv", "--write-metrics", "metrics.json")
        self.assertEqual(r.code, 0, r)
        for args in (("publish", "--model", "churn", "--version", "1", "--metrics", "metrics.json", "binary.csv"),
                     ("promote", "--model", "churn", "--version", "1", "--channel", "production")):
            r = self.run_tool("ml-release", args[0], "--registry", "reg", *args[1:], "--no-ci")
            self.assertEqual(r.code, 0, r)

    def compare(self, candidate):
        return self.run_tool("ml-compare", "--candidate-predictions", candidate, "--baseline-registry", "reg",
                             "--model", "churn", "--channel", "production", "--baseline-predictions-file", "binary.csv",
                             "--metric", "accuracy", "--significance", "0.05", "--report", "r.json")

    def test_publish_takes_the_written_metrics_and_compare_fetches_the_predictions(self):
        self.publish_baseline()
        shutil.copy(self.path("binary.csv"), self.path("new.csv"))
        r = self.compare("new.csv")
        self.assertEqual(r.code, 1, r)  # the same predictions: no gain, not significant
        report = self.read_json("r.json")
        self.assertEqual(report["baseline_registry"]["version"], "1")
        self.assertEqual(report["significance"]["b"], 0)

    def test_a_different_test_set_is_refused(self):
        self.publish_baseline()
        with open(self.path("binary.csv")) as f:
            lines = f.read().splitlines()
        cells = lines[1].split(",")
        cells[1] = "1" if cells[1] == "0" else "0"
        self.write("new.csv", "\n".join([lines[0], ",".join(cells)] + lines[2:]) + "\n")
        self.assertFails(self.compare("new.csv"), 3,
                         "ml-compare: error: 'new.csv': the baseline was evaluated on a different test set (the label "
                         "column's SHA-256 differs from the one recorded with version 1)")

    def test_the_same_labels_spelled_otherwise_are_the_same_test_set(self):
        self.publish_baseline()
        with open(self.path("binary.csv")) as f:
            lines = f.read().splitlines()
        respelled = []
        for line in lines[1:]:
            cells = line.split(",")
            cells[1] += ".0"  # y_true 1 as 1.0
            respelled.append(",".join(cells))
        self.write("new.csv", "\n".join([lines[0]] + respelled) + "\n")
        r = self.compare("new.csv")
        self.assertEqual(r.code, 1, r)  # compared (the same predictions: not significant), not refused
        self.assertEqual(r.stderr, "")

    def test_errors_in_the_fetched_file_name_it_as_the_registry_holds_it(self):
        self.publish_baseline()
        with open(self.path("binary.csv")) as f:
            lines = f.read().splitlines()
        self.write("new.csv", "\n".join([lines[0] + ",key"] + [line + f",{i}" for i, line in enumerate(lines[1:])]) + "\n")
        r = self.run_tool("ml-compare", "--candidate-predictions", "new.csv", "--baseline-registry", "reg",
                          "--model", "churn", "--channel", "production", "--baseline-predictions-file", "binary.csv",
                          "--metric", "accuracy", "--id-column", "key")
        self.assertFails(r, 3, "ml-compare: error: 'reg/churn@1/binary.csv': no column \"key\"")


if __name__ == "__main__":
    unittest.main()


class OutputsNeverOverwriteInputs(PredictionsTest):
    def test_an_output_naming_the_predictions_file_is_refused(self):
        self.fixture("binary.csv")
        original = self.read("binary.csv")
        for flag, target in (("--write-metrics", "./binary.csv"), ("--report", "binary.csv"), ("--markdown", "binary.csv")):
            with self.subTest(flag=flag):
                r = self.run_tool("ml-validate", "--predictions", "binary.csv", "--require", "accuracy >= 0", flag, target)
                self.assertFails(r, 2, f"ml-validate: error: '{target}': {flag} would overwrite an input file")
        self.assertEqual(self.read("binary.csv"), original)

    def test_write_metrics_naming_a_metrics_input_is_refused(self):
        self.fixture("binary.csv")
        self.write("m.json", {"accuracy": 0.9})
        r = self.run_tool("ml-validate", "m.json", "--require", "accuracy >= 0", "--write-metrics", "m.json")
        self.assertFails(r, 2, "ml-validate: error: 'm.json': --write-metrics would overwrite an input file")

    def test_compare_outputs_naming_either_predictions_file_are_refused(self):
        self.fixture("candidate.csv")
        self.fixture("baseline.csv")
        originals = (self.read("candidate.csv"), self.read("baseline.csv"))
        for flag, target in (("--report", "candidate.csv"), ("--markdown", "baseline.csv")):
            with self.subTest(flag=flag):
                r = self.run_tool("ml-compare", "--candidate-predictions", "candidate.csv", "--baseline-predictions",
                                  "baseline.csv", "--metric", "accuracy", flag, target)
                self.assertFails(r, 2, f"ml-compare: error: '{target}': {flag} would overwrite an input file")
        self.assertEqual((self.read("candidate.csv"), self.read("baseline.csv")), originals)
