"""scripts/ship/ci-run.sh builds each tool's argument vector from variables, under dash (GitLab
images' /bin/sh) and bash (GitHub's shell), without ever running a value as shell code.
A stand-in ml-* binary records the exact argv it was given."""
import json
import os
import subprocess
import sys
import unittest

from ci_support import SOURCE_DIR, TempDirTest, clean_env

sys.path.insert(0, os.path.join(SOURCE_DIR, "scripts"))
from generate import INPUT_KINDS, TOOLS  # noqa: E402  the table ci-run.sh's mapping is generated from

SCRIPT = os.path.join(SOURCE_DIR, "scripts", "ship", "ci-run.sh")
RECORDER = """#!/bin/sh
/usr/bin/python3 - "$0" "$@" <<'EOF'
import json, sys
with open(sys.argv[1] + ".argv", "w") as f:
    json.dump(sys.argv[2:], f)
EOF
exit ${FAKE_EXIT:-0}
"""

SHELLS = ("dash", "bash")


class CiRunTest(TempDirTest):
    def setUp(self):
        super().setUp()
        self.bin = self.path("bin")
        for tool in ("validate", "compare", "drift", "release"):
            self.write(f"bin/ml-{tool}", RECORDER, mode=0o755)

    def run_ci(self, tool, shell="dash", **variables):
        env = clean_env(**{"LEAN_MLOPS_BIN_DIR": self.bin, **variables})
        proc = subprocess.run([shell, SCRIPT, tool], cwd=self.dir, env=env, capture_output=True, text=True, timeout=60)
        argv = None
        if os.path.exists(self.path("bin", f"ml-{tool}.argv")):
            with open(self.path("bin", f"ml-{tool}.argv")) as f:
                argv = json.load(f)
            os.remove(self.path("bin", f"ml-{tool}.argv"))
        return proc, argv

    def test_every_input_of_the_table_becomes_its_option(self):
        samples = {"flag": "true", "direction": "higher", "command": "list"}
        for tool, (_, inputs, _) in TOOLS.items():
            with self.subTest(tool=tool):
                kinds = {var: INPUT_KINDS[tool].get(var, "value") for _, var, _, _ in inputs}
                variables = {f"LEAN_{tool.upper()}_{var}": samples.get(kind, f"v-{var}") for var, kind in kinds.items()
                             if kind != "output"}
                proc, argv = self.run_ci(tool, **variables)
                self.assertEqual(proc.returncode, 0, proc.stderr)
                for var, kind in kinds.items():
                    option = "--" + var.lower().replace("_", "-")
                    if kind in ("value", "list", "files", "joined"):
                        self.assertIn([option, f"v-{var}"], [argv[i:i + 2] for i in range(len(argv))], var)
                    elif kind == "flag":
                        self.assertIn(option, argv)
                    elif kind == "positional":
                        self.assertEqual(argv[0], f"v-{var}")
                    elif kind == "trailing":
                        self.assertEqual(argv[-1], f"v-{var}")
                if tool == "compare":
                    self.assertIn("--higher-is-better", argv)
                if tool == "release":
                    self.assertEqual(argv[0], "list")

    def test_shell_quoting_is_split_never_expanded(self):
        marker = self.path("pwned")
        args = (f"""a 'b c' "d \\"e\\" \\$HOME" f\\ g '' "$(touch {marker})" `touch {marker}` ; | && $HOME *""")
        for shell in SHELLS:
            with self.subTest(shell=shell):
                proc, argv = self.run_ci("validate", shell, LEAN_ARGS=args)
                self.assertEqual(proc.returncode, 0, proc.stderr)
                self.assertEqual(argv, ["a", "b c", 'd "e" $HOME', "f g", "", f"$(touch {marker})",
                                        f"`touch", f"{marker}`", ";", "|", "&&", "$HOME", "*"])
                self.assertFalse(os.path.exists(marker))

    def test_unterminated_quote_is_a_usage_error(self):
        for shell in SHELLS:
            with self.subTest(shell=shell):
                proc, argv = self.run_ci("validate", shell, LEAN_ARGS="--require 'accuracy >= 0.8")
                self.assertEqual(proc.returncode, 2)
                self.assertIn("unterminated single quote", proc.stderr)
                self.assertIsNone(argv)

    def test_validate_lists_values_and_flags(self):
        self.write("m1.json", "{}")
        self.write("m2.json", "{}")
        for shell in SHELLS:
            with self.subTest(shell=shell):
                proc, argv = self.run_ci(
                    "validate", shell, LEAN_VALIDATE_METRICS="m*.json\nmissing file.json\n",
                    LEAN_VALIDATE_REQUIRE="  accuracy >= 0.85\n# comment\n\n'quoted' != 1  \n",
                    LEAN_VALIDATE_POLICY=" policy.json ", LEAN_VALIDATE_ALLOW_MISSING="true",
                    LEAN_VALIDATE_WINDOW="7")
                self.assertEqual(proc.returncode, 0, proc.stderr)
                self.assertEqual(argv, ["m1.json", "m2.json", "missing file.json", "--require", "accuracy >= 0.85",
                                        "--require", "'quoted' != 1", "--policy", "policy.json", "--window", "7",
                                        "--allow-missing"])

    def test_bad_boolean_is_a_usage_error(self):
        proc, argv = self.run_ci("validate", LEAN_VALIDATE_ALLOW_MISSING="maybe")
        self.assertEqual(proc.returncode, 2)
        self.assertIn("allow-missing must be true or false, not 'maybe'", proc.stderr)

    def test_compare_direction_and_guards(self):
        proc, argv = self.run_ci("compare", LEAN_COMPARE_CANDIDATE="new.json", LEAN_COMPARE_BASELINE="prod.json",
                                 LEAN_COMPARE_METRIC="loss", LEAN_COMPARE_DIRECTION="lower",
                                 LEAN_COMPARE_GUARD="eval.f1:0.02\nlatency.p95_ms:10%", LEAN_COMPARE_MIN_DELTA="0.01")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(argv, ["--candidate", "new.json", "--metric", "loss", "--baseline", "prod.json",
                                "--min-delta", "0.01", "--lower-is-better", "--guard", "eval.f1:0.02",
                                "--guard", "latency.p95_ms:10%"])
        proc, _ = self.run_ci("compare", LEAN_COMPARE_DIRECTION="sideways")
        self.assertEqual(proc.returncode, 2)

    def test_predictions_inputs(self):
        proc, argv = self.run_ci("validate", LEAN_VALIDATE_PREDICTIONS="pred.csv", LEAN_VALIDATE_REQUIRE="f1 >= 0.8",
                                 LEAN_VALIDATE_SLICE_BY="region", LEAN_VALIDATE_REQUIRE_SLICES="recall >= 0.7",
                                 LEAN_VALIDATE_WRITE_METRICS="metrics.json")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(argv, ["--require", "f1 >= 0.8", "--predictions", "pred.csv", "--slice-by", "region",
                                "--require-slices", "recall >= 0.7", "--write-metrics", "metrics.json"])
        proc, argv = self.run_ci("compare", LEAN_COMPARE_CANDIDATE_PREDICTIONS="new.csv",
                                 LEAN_COMPARE_BASELINE_PREDICTIONS="prod.csv", LEAN_COMPARE_METRIC="accuracy",
                                 LEAN_COMPARE_SIGNIFICANCE="0.05", LEAN_COMPARE_ID_COLUMN="id")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(argv, ["--metric", "accuracy", "--candidate-predictions", "new.csv", "--baseline-predictions",
                                "prod.csv", "--id-column", "id", "--significance", "0.05"])

    def test_drift_columns_join_and_reports_dir(self):
        proc, argv = self.run_ci("drift", LEAN_DRIFT_REFERENCE="ref.csv", LEAN_DRIFT_CURRENT="cur.csv",
                                 LEAN_DRIFT_COLUMNS="age\nincome, city\n", LEAN_REPORTS_DIR="out/reports")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        reports = self.path("out", "reports")  # made absolute: LEAN_WORKING_DIRECTORY may move the tool
        self.assertEqual(argv, ["--reference", "ref.csv", "--current", "cur.csv", "--columns", "age,income, city",
                                "--report", f"{reports}/drift.json", "--markdown", f"{reports}/drift.md",
                                "--junit", f"{reports}/drift.junit.xml", "--dotenv", f"{reports}/drift.env",
                                "--html", f"{reports}/drift.html", "--openmetrics", f"{reports}/drift.metrics.txt"])
        self.assertTrue(os.path.isdir(self.path("out", "reports")))

    def test_s3_connection_inputs(self):
        for tool in ("validate", "compare", "drift"):
            prefix = f"LEAN_{tool.upper()}_"
            proc, argv = self.run_ci(tool, **{prefix + "ENDPOINT_URL": "http://127.0.0.1:9000", prefix + "REGION": "eu-west-1",
                                              prefix + "CA_BUNDLE": "ca.pem"})
            self.assertEqual(proc.returncode, 0, proc.stderr)
            start = argv.index("--endpoint-url")
            self.assertEqual(argv[start:start + 6], ["--endpoint-url", "http://127.0.0.1:9000", "--region", "eu-west-1",
                                                     "--ca-bundle", "ca.pem"], tool)

    def test_drift_quality_inputs(self):
        proc, argv = self.run_ci("drift", LEAN_DRIFT_CURRENT="cur.csv", LEAN_DRIFT_SCHEMA="schema.json",
                                 LEAN_DRIFT_QUALITY="true", LEAN_DRIFT_FAIL_ON_NEW_COLUMNS="false",
                                 LEAN_DRIFT_MAX_MISSING_INCREASE="0.02", LEAN_DRIFT_MAX_MISSING="age=0\nincome=0.1",
                                 LEAN_DRIFT_MAX_OUT_OF_RANGE="0", LEAN_DRIFT_MAX_NEW_CATEGORIES="0.05",
                                 LEAN_DRIFT_ROWS_RATIO="0.5:2", LEAN_DRIFT_MAX_DUPLICATE_INCREASE="0.001",
                                 LEAN_DRIFT_UNIQUE="id, ts", LEAN_REPORTS_DIR="r")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(argv[:argv.index("--report")],
                         ["--current", "cur.csv", "--quality", "--schema", "schema.json", "--max-missing-increase", "0.02",
                          "--max-missing", "age=0,income=0.1", "--max-out-of-range", "0", "--max-new-categories", "0.05",
                          "--rows-ratio", "0.5:2", "--max-duplicate-increase", "0.001", "--unique", "id, ts"])
        proc, _ = self.run_ci("drift", LEAN_DRIFT_QUALITY="maybe")
        self.assertEqual(proc.returncode, 2)

    def test_explicit_output_flag_in_args_wins_over_reports_dir(self):
        proc, argv = self.run_ci("validate", LEAN_ARGS="--report=mine.json", LEAN_REPORTS_DIR="r")
        self.assertIn("--report=mine.json", argv)
        self.assertFalse([a for a in argv if a.endswith("/r/validate.json")], argv)

    def test_release_command_options_then_files(self):
        self.write("model/a.pkl", "x")
        self.write("model/b.pkl", "y")
        proc, argv = self.run_ci("release", LEAN_RELEASE_COMMAND="publish", LEAN_RELEASE_REGISTRY="s3://b/p",
                                 LEAN_RELEASE_MODEL="churn", LEAN_RELEASE_VERSION="1.2.0",
                                 LEAN_RELEASE_META="owner=ml team\ncommit=abc", LEAN_RELEASE_FILES="model/*.pkl")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(argv, ["publish", "--registry", "s3://b/p", "--model", "churn", "--version", "1.2.0",
                                "--meta", "owner=ml team", "--meta", "commit=abc", "model/a.pkl", "model/b.pkl"])
        proc, argv = self.run_ci("release", LEAN_RELEASE_COMMAND="promote", LEAN_RELEASE_REGISTRY="github://team/models",
                                 LEAN_RELEASE_API_URL="https://ghe.example.com/api/v3", LEAN_RELEASE_TAG_FORMAT="{model}@{version}",
                                 LEAN_RELEASE_GITLAB_RELEASE="false", LEAN_RELEASE_MODEL="churn")
        self.assertEqual(argv, ["promote", "--registry", "github://team/models", "--model", "churn",
                                "--api-url", "https://ghe.example.com/api/v3", "--tag-format", "{model}@{version}"])
        proc, _ = self.run_ci("release", LEAN_RELEASE_COMMAND="deploy")
        self.assertEqual(proc.returncode, 2)
        self.assertIn("command must be publish", proc.stderr)

    def test_exit_codes_pass_through_and_fail_on_gate(self):
        for code in (0, 1, 3, 5):
            with self.subTest(code=code):
                proc, _ = self.run_ci("validate", FAKE_EXIT=str(code))
                self.assertEqual(proc.returncode, code)
        proc, _ = self.run_ci("validate", FAKE_EXIT="1", LEAN_FAIL_ON_GATE="false")
        self.assertEqual(proc.returncode, 0)
        self.assertIn("continuing because fail-on-gate is false", proc.stderr)
        proc, _ = self.run_ci("validate", FAKE_EXIT="4", LEAN_FAIL_ON_GATE="false")
        self.assertEqual(proc.returncode, 4)

    def test_github_outputs_when_the_tool_cannot_start(self):
        output = self.path("github_output")
        proc, _ = self.run_ci("drift", GITHUB_ACTIONS="true", GITHUB_OUTPUT=output, RUNNER_TEMP=self.dir,
                              LEAN_MLOPS_BIN_DIR=self.path("nowhere"))
        self.assertEqual(proc.returncode, 127)
        with open(output) as f:
            text = f.read()
        self.assertIn("status=error\nexit-code=127\n", text)
        self.assertRegex(text, r"report=.*/drift\.json\n")

    def test_missing_tool_on_path_is_explained(self):
        env_path = "/usr/bin:/bin"
        proc = subprocess.run(["dash", SCRIPT, "release"], cwd=self.dir, capture_output=True, text=True,
                              env=clean_env(PATH=env_path))
        self.assertEqual(proc.returncode, 2)
        self.assertIn("ml-release is not installed", proc.stderr)

    def test_unknown_tool(self):
        proc, _ = self.run_ci("deploy")
        self.assertEqual(proc.returncode, 2)
        self.assertIn("unknown tool 'deploy'", proc.stderr)


if __name__ == "__main__":
    unittest.main()
