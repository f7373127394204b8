"""ml-validate's promises of issue 11: one floating-point tolerance, history mode that
reads the whole file, skipped checks reported as skipped, outputs that never destroy or
contradict the run, standard input."""
import json
import os
import subprocess
import unittest
import xml.etree.ElementTree as ET

from lean_cli import BIN_DIR, CliTest


class Tolerance(CliTest):
    def validate(self, metrics, *requires):
        self.write("m.json", metrics)
        args = []
        for r in requires:
            args += ["-r", r]
        return self.run_tool("ml-validate", "m.json", *args)

    def test_a_sum_that_is_not_exact_in_binary_still_equals_its_decimal(self):
        r = self.validate('{"a": 0.30000000000000004}', "a == 0.3", "a >= 0.3", "a <= 0.3")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(self.validate('{"a": 0.30000000000000004}', "a > 0.3").code, 1)
        self.assertEqual(self.validate('{"a": 0.30000000000000004}', "a != 0.3").code, 1)

    def test_a_mean_one_ulp_below_the_threshold_meets_it(self):
        r = self.validate('{"accuracy": 0.8499999999999999}', "accuracy >= 0.85")
        self.assertEqual(r.code, 0, r)
        # Within the tolerance; printed in full, since the two numbers differ.
        self.assertEqual(r.stdout.splitlines()[0], "PASS  accuracy is 0.8499999999999999 (>= 0.85)")

    def test_a_failing_line_never_shows_two_equal_numbers(self):
        r = self.validate('{"accuracy": 0.84999999999}', "accuracy >= 0.85")
        self.assertEqual(r.code, 1, r)
        self.assertEqual(r.stdout.splitlines()[0], "FAIL  accuracy is 0.84999999999, required >= 0.85")


class History(CliTest):
    def history(self, lines, *args):
        self.write("h.jsonl", "".join(line + "\n" for line in lines))
        return self.run_tool("ml-validate", "--history", "h.jsonl", *args)

    def test_an_aggregate_that_overflows_is_an_input_error_naming_the_window(self):
        r = self.history(['{"x": 1}', '{"x": 1e308}', '{"x": 1e308}'], "--window", "2", "-r", "mean(x) < 1",
                         "--report", "r.json")
        self.assertFails(r, 3, "ml-validate: error: 'h.jsonl': mean(x) over the last 2 records (lines 2-3) is not a "
                               "finite number (the values overflow a double)")
        self.assertEqual(self.read_json("r.json")["status"], "error")

    def test_a_malformed_line_outside_the_window_is_an_error(self):
        self.assertFails(self.history(['{"x": 1', '{"x": 1}', '{"x": 2}'], "--window", "2", "-r", "mean(x) > 0"), 3,
                         "ml-validate: error: 'h.jsonl:1': malformed JSON at column 8: unexpected end of input; "
                         "expected '}'")

    def test_a_nan_outside_the_window_is_an_error(self):
        self.assertFails(self.history(['{"x": NaN}', '{"x": 1}', '{"x": 2}'], "--window", "2", "-r", "mean(x) > 0"),
                         3, "ml-validate: error: 'h.jsonl:1': metric \"x\" is NaN, not a finite number")

    def test_the_report_says_how_many_records_were_read(self):
        r = self.history(['{"x": 1}', '{"x": 2}', '{"x": 3}'], "--window", "2", "-r", "mean(x) > 0", "--report",
                         "r.json")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(self.read_json("r.json")["history"], {"file": "h.jsonl", "records": 2, "records_in_file": 3})

    def test_negative_window_and_min_count_are_usage_errors(self):
        lines = ['{"x": 1}']
        self.assertFails(self.history(lines, "--window", "-1", "-r", "x > 0"), 2,
                         'ml-validate: error: --window must be a whole number of at least 1, not "-1"')
        self.assertFails(self.history(lines, "--min-count", "-3", "-r", "x > 0"), 2,
                         'ml-validate: error: --min-count must be a whole number of at least 1, not "-3"')
        self.assertFails(self.history(lines, "--window", "0", "-r", "x > 0"), 2,
                         'ml-validate: error: --window must be a whole number of at least 1, not "0"')
        self.assertFails(self.history(lines, "--window", "abc", "-r", "x > 0"), 2,
                         'ml-validate: error: --window must be a whole number of at least 1, not "abc"')

    def test_count_and_last_do_not_need_the_metric_in_every_record(self):
        r = self.history(['{"x": 1, "eval": 0.9}', '{"x": 2}', '{"x": 3, "eval": 0.8}', '{"x": 4}'],
                         "-r", "count(eval) == 2", "-r", "last(eval) == 0.8", "-r", "eval == 0.8", "--report", "r.json")
        self.assertEqual(r.code, 0, r)
        self.assertEqual([c["value"] for c in self.read_json("r.json")["checks"]], [2, 0.8, 0.8])
        self.assertFails(self.history(['{"x": 1, "eval": 0.9}', '{"x": 2}'], "-r", "mean(eval) > 0"), 3,
                         "ml-validate: error: 'h.jsonl:2': no metric \"eval\" (available: x)")
        r = self.history(['{"x": 1}'], "-r", "count(eval) == 0")
        self.assertEqual(r.code, 0, r)

    def test_mean_uses_compensated_summation(self):
        # Naive summation loses the 1 next to 1e16 and gives 0; the exact mean is 1/3.
        r = self.history(['{"x": 1e16}', '{"x": 1}', '{"x": -1e16}'], "-r", "mean(x) > 0.3", "--report", "r.json")
        self.assertEqual(r.code, 0, r)
        self.assertAlmostEqual(self.read_json("r.json")["checks"][0]["value"], 1 / 3)

    def test_history_from_standard_input(self):
        r = self.run_tool("ml-validate", "--history", "-", "-r", "mean(x) == 2", "--report", "r.json",
                          stdin='{"x": 1}\n{"x": 3}\n')
        self.assertEqual(r.code, 0, r)
        self.assertEqual(self.read_json("r.json")["sources"], ["stdin"])


class SkippedChecks(CliTest):
    def setUp(self):
        super().setUp()
        self.write("m.json", {"accuracy": 0.9})

    def test_a_skipped_check_is_skipped_in_junit_report_and_dotenv(self):
        r = self.run_tool("ml-validate", "m.json", "-r", "auc > 0.9", "-r", "accuracy > 0.8", "--allow-missing",
                          "--report", "r.json", "--junit", "j.xml", "--dotenv", "d.env")
        self.assertEqual(r.code, 0, r)
        check = self.read_json("r.json")["checks"][0]
        self.assertEqual((check["skipped"], check["skip_reason"]), (True, "metric missing, allowed by --allow-missing"))
        suite = ET.parse(self.path("j.xml")).getroot().find("testsuite")
        self.assertEqual((suite.get("tests"), suite.get("failures"), suite.get("skipped")), ("2", "0", "1"))
        cases = suite.findall("testcase")
        self.assertEqual(cases[0].find("skipped").get("message"), "auc is missing (allowed by --allow-missing)")
        self.assertIsNone(cases[1].find("skipped"))
        self.assertEqual(self.read("d.env"), "ML_VALIDATE_STATUS=pass\nML_VALIDATE_EXIT_CODE=0\n"
                                             "ML_VALIDATE_REPORT=r.json\nML_VALIDATE_PASSED=1\nML_VALIDATE_FAILED=0\n"
                                             "ML_VALIDATE_SKIPPED=1\n")


class Outputs(CliTest):
    def setUp(self):
        super().setUp()
        self.write("m.json", {"accuracy": 0.9, "eval": {"f1_score": 0.8, "precision": 0.7}})

    def test_a_report_on_stdout_goes_through_the_stream_and_keeps_it_to_itself(self):
        # Redirected to a file (the path resolves to that file), to a pipe, and by the names
        # /dev/stdout, /dev/fd/1 and a link of one's own: never renamed over, the console's
        # lines on stderr so the stream parses.
        os.symlink("/proc/self/fd/1", self.path("out-link.json"))
        before = os.readlink("/dev/stdout")
        for name in ("/dev/stdout", "/dev/fd/1", "out-link.json"):
            with self.subTest(name=name):
                with open(self.path("captured.txt"), "w") as captured:
                    proc = subprocess.run([os.path.join(BIN_DIR, "ml-validate"), "m.json", "-r", "accuracy >= 0.5",
                                           "--no-ci", "--report", name], cwd=self.dir, stdout=captured,
                                          stderr=subprocess.PIPE, text=True, timeout=60)
                self.assertEqual(proc.returncode, 0, proc.stderr)
                self.assertEqual(self.read_json("captured.txt")["status"], "pass")
                self.assertIn("pass", proc.stderr)
                self.assertEqual(os.readlink("/dev/stdout"), before)
                self.assertTrue(os.path.islink(self.path("out-link.json")))
                self.assertEqual([n for n in os.listdir(self.dir) if ".tmp-" in n], [])
        r = self.run_tool("ml-validate", "m.json", "-r", "accuracy >= 0.5", "--report", "/dev/stdout")  # a pipe
        self.assertEqual((r.code, json.loads(r.stdout)["status"]), (0, "pass"), r)

    def test_a_closed_stdout_is_an_error_never_a_file_over_its_link(self):
        os.symlink("/dev/stdout", self.path("link.json"))
        before = os.lstat("/dev/stdout").st_mtime_ns
        for name in ("/dev/stdout", "/dev/fd/1", "link.json"):
            with self.subTest(name=name):
                proc = subprocess.run([os.path.join(BIN_DIR, "ml-validate"), "m.json", "-r", "accuracy >= 0.5",
                                       "--no-ci", "--report", name], cwd=self.dir, preexec_fn=lambda: os.close(1),
                                      stderr=subprocess.PIPE, text=True, timeout=60)
                self.assertEqual((proc.returncode, proc.stderr),
                                 (3, f"ml-validate: error: '{name}': cannot open: it names a file descriptor that is "
                                     "not open\n"))
                self.assertEqual(os.lstat("/dev/stdout").st_mtime_ns, before)
                self.assertTrue(os.path.islink(self.path("link.json")))

    def test_another_open_descriptor_is_written_through(self):
        with open(self.path("fd3.json"), "w") as f:
            proc = subprocess.run([os.path.join(BIN_DIR, "ml-validate"), "m.json", "-r", "accuracy >= 0.5", "--no-ci",
                                   "-q", "--report", f"/dev/fd/{f.fileno()}"], cwd=self.dir, pass_fds=(f.fileno(),),
                                  capture_output=True, text=True, timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(self.read_json("fd3.json")["status"], "pass")

    def test_two_outputs_naming_one_new_file_in_two_spellings_are_refused(self):
        for other in ("./new.json", os.path.join(self.dir, "new.json"), "sub/../new.json"):
            os.makedirs(self.path("sub"), exist_ok=True)
            r = self.run_tool("ml-validate", "m.json", "-r", "accuracy >= 0.5", "--report", "new.json", "--junit", other)
            self.assertFails(r, 2, f"ml-validate: error: '{other}': --report and --junit name the same file")
            self.assertFalse(os.path.exists(self.path("new.json")))

    def test_a_long_output_name_is_written_and_one_past_the_limit_fails_first(self):
        longest = "r" * 250 + ".json"  # 255 bytes, NAME_MAX: its temporary's name is cut
        r = self.run_tool("ml-validate", "m.json", "-r", "accuracy >= 0.5", "--report", longest)
        self.assertEqual(r.code, 0, r)
        self.assertEqual(self.read_json(longest)["status"], "pass")
        self.assertEqual(sorted(os.listdir(self.dir)), sorted(["m.json", longest]))
        too_long = "r" * 251 + ".json"
        r = self.run_tool("ml-validate", "m.json", "-r", "accuracy >= 0.5", "--report", too_long)
        self.assertFails(r, 3, f"ml-validate: error: '{too_long}': cannot create: File name too long")

    def test_more_failed_checks_line_names_the_report_only_when_there_is_one(self):
        args = ["m.json"]
        for i in range(12):
            args += ["-r", f"accuracy > {i + 1}"]
        env = {"GITHUB_ACTIONS": "true"}
        r = self.run_tool("ml-validate", *args, env=env)
        self.assertEqual(r.code, 1, r)
        self.assertIn("\n2 more failed checks are not annotated (GitHub shows 10 per step; --report FILE keeps all)\n",
                      r.stdout)
        self.assertNotIn("in the report", r.stdout)
        r = self.run_tool("ml-validate", *args, "--report", "r.json", env=env)
        self.assertIn("\n2 more failed checks are in the report\n", r.stdout)

    def test_report_overwriting_an_input_file_is_refused(self):
        for flag in ("--report", "--markdown", "--junit", "--dotenv"):
            with self.subTest(flag=flag):
                self.assertFails(self.run_tool("ml-validate", "m.json", "-r", "accuracy > 0.5", flag, "m.json"), 2,
                                 f"ml-validate: error: 'm.json': {flag} would overwrite an input file")
        self.write("p.json", {"require": ["accuracy > 0.5"]})
        self.assertFails(self.run_tool("ml-validate", "m.json", "--policy", "p.json", "--report", "./p.json"), 2,
                         "ml-validate: error: './p.json': --report would overwrite an input file")
        self.assertEqual(self.read_json("m.json")["accuracy"], 0.9)

    def test_an_unwritable_report_fails_before_printing_pass(self):
        os.makedirs(self.path("ro"))
        os.chmod(self.path("ro"), 0o555)
        self.addCleanup(os.chmod, self.path("ro"), 0o755)
        args = ("m.json", "-r", "accuracy > 0.5", "--report", "ro/r.json")
        # Root writes into read-only folders (CI runs as root): then the run is nobody's.
        r = self.run_tool_as_nobody("ml-validate", *args) if os.geteuid() == 0 else self.run_tool("ml-validate", *args)
        self.assertFails(r, 3, "ml-validate: error: 'ro/r.json': cannot create: Permission denied")
        self.assertEqual(r.stdout, "")

    def test_a_metrics_file_that_is_not_utf8_is_named_in_the_projects_words(self):
        with open(self.path("bad.json"), "wb") as f:
            f.write(b'{"acc\xff": 0.9}')
        self.assertFails(self.run_tool("ml-validate", "bad.json", "-r", "acc > 0.5"), 3,
                         "ml-validate: error: 'bad.json': malformed JSON at line 1, column 6: the text is not valid UTF-8")

    def test_an_unwritable_report_fails_before_printing_pass_even_as_root(self):
        self.write("blocker", "a file where a folder should be")
        r = self.run_tool("ml-validate", "m.json", "-r", "accuracy > 0.5", "--report", "blocker/r.json")
        self.assertFails(r, 3, "ml-validate: error: 'blocker/r.json': cannot create: Not a directory")
        self.assertEqual(r.stdout, "")

    def test_the_conventions_did_you_mean_example_works(self):
        self.assertFails(self.run_tool("ml-validate", "m.json", "-r", "eval.f1 >= 0.8"), 3,
                         "ml-validate: error: 'm.json': no metric \"eval.f1\"; did you mean \"eval.f1_score\"? "
                         "(available: accuracy, eval.f1_score, eval.precision)")

    def test_metrics_from_standard_input(self):
        r = self.run_tool("ml-validate", "-", "-r", "accuracy >= 0.85", "--report", "r.json",
                          stdin='{"accuracy": 0.9}')
        self.assertEqual(r.code, 0, r)
        self.assertEqual(self.read_json("r.json")["sources"], ["stdin"])
        self.assertFails(self.run_tool("ml-validate", "-", "-r", "accuracy >= 0.85", stdin='{"accuracy": '), 3,
                         "ml-validate: error: 'stdin': malformed JSON at line 1, column 14: unexpected end of input; "
                         "expected '[', '{', or a literal")
        self.assertFails(self.run_tool("ml-validate", "-", "-", "-r", "a > 0"), 2,
                         "ml-validate: error: \"-\" (standard input) can be given only once")

    def test_metrics_option_is_the_positional_files(self):
        r = self.run_tool("ml-validate", "--metrics", "m.json", "-r", "accuracy >= 0.85")
        self.assertEqual(r.code, 0, r)
        self.assertIn("  --metrics FILE ", self.run_tool("ml-validate", "--help").stdout)


if __name__ == "__main__":
    unittest.main()
