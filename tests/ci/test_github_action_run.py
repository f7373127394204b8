"""The GitHub actions running the tools, by a simulated runner (run_action.mjs) against a release
built by scripts/package.sh from the fresh binaries: exit codes, outputs, typed inputs, injection,
working directory, release/drift/compare flows, pull-request comments."""
import os
import shutil
import unittest

from action_support import DATA, HAS_DRIFT, HAS_RELEASE, SOURCE_DIR, ActionTest, FakeGitHubApi
from action_support import start_release as setUpModule, stop_release as tearDownModule  # noqa: F401


class RunTest(ActionTest):
    seeded = True

    def test_gate_failure_fails_the_step_with_exit_1_and_outputs(self):
        r = self.runner.run(os.path.join(SOURCE_DIR, "compare"), candidate="worse.json", baseline="production.json",
                            metric="accuracy", min_delta="0.01")
        self.assertEqual(r.code, 1, r)
        self.assertEqual((r.outputs["status"], r.outputs["exit-code"], r.outputs["decision"]), ("fail", "1", "keep"))
        self.assertEqual(self.report(r)["decision"], "keep")
        self.assertIn("::error title=ml-compare", r.stdout)

    def test_fail_on_gate_false_passes_the_step_and_keeps_the_outputs(self):
        r = self.runner.run(os.path.join(SOURCE_DIR, "compare"), candidate="worse.json", baseline="production.json",
                            metric="accuracy", fail_on_gate="false")
        self.assertEqual(r.code, 0, r)
        self.assertEqual((r.outputs["status"], r.outputs["exit-code"]), ("fail", "1"))

    def test_errors_fail_even_with_fail_on_gate_false(self):
        r = self.runner.run(os.path.join(SOURCE_DIR, "compare"), candidate="missing.json", baseline="production.json",
                            metric="accuracy", fail_on_gate="false")
        self.assertEqual(r.code, 3, r)
        self.assertEqual((r.outputs["status"], r.outputs["exit-code"]), ("error", "3"))

    def test_typed_inputs_are_arguments_never_shell_code(self):
        marker = os.path.join(self.runner.workspace, "pwned")
        r = self.runner.run(os.path.join(SOURCE_DIR, "validate"), metrics="metrics.json",
                            require=f"accuracy >= 0.85\n\n# a comment\n  eval.f1 >= 0.8  \n$(touch {marker})",
                            args=f"--require 'eval.f1 > 0.5' `touch {marker}`; touch {marker}")
        self.assertEqual(r.code, 2, r)  # "$(touch ...)" reached ml-validate as a malformed check
        self.assertIn("--require 'accuracy >= 0.85' --require 'eval.f1 >= 0.8' --require '$(touch", r.stderr)
        self.assertFalse(os.path.exists(marker))

    def test_validate_outputs_counts_and_writes_requested_files(self):
        r = self.runner.run(os.path.join(SOURCE_DIR, "validate"), metrics="metrics.json",
                            require="accuracy >= 0.85\neval.f1 >= 0.9", junit="out/junit.xml",
                            report="out/report.json", working_directory=".", fail_on_gate="false")
        self.assertEqual(r.code, 0, r)
        self.assertEqual((r.outputs["passed"], r.outputs["failed"]), ("1", "1"))
        self.assertEqual(r.outputs["report"], "out/report.json")
        self.assertTrue(os.path.isfile(os.path.join(self.runner.workspace, "out", "junit.xml")))

    @unittest.skipUnless(HAS_RELEASE, "ml-release is not built")
    def test_release_publish_promote_then_compare_against_the_registry(self):
        registry = os.path.join(self.runner.root, "registry")
        with open(os.path.join(self.runner.workspace, "model.pkl"), "wb") as f:
            f.write(b"weights" * 100)
        release = os.path.join(SOURCE_DIR, "release")
        r = self.runner.run(release, command="publish", registry=registry, model="churn", model_version="1",
                            metrics="production.json", files="*.pkl", meta="owner=ml team\nticket=42")
        self.assertEqual(r.code, 0, r)
        self.assertEqual((r.outputs["status"], r.outputs["model"], r.outputs["version"]), ("pass", "churn", "1"))
        self.assertRegex(r.outputs["manifest-sha256"], r"^[0-9a-f]{64}$")
        r = self.runner.run(release, command="promote", registry=registry, model="churn", model_version="1",
                            channel="production")
        self.assertEqual(r.code, 0, r)
        self.assertEqual((r.outputs["channel"], r.outputs["version"], r.outputs["previous-version"]),
                         ("production", "1", ""))
        r = self.runner.run(os.path.join(SOURCE_DIR, "compare"), candidate="worse.json", metric="accuracy",
                            baseline_registry=registry, model="churn", channel="production", fail_on_gate="false")
        self.assertEqual(r.code, 0, r)
        self.assertEqual((r.outputs["status"], r.outputs["decision"]), ("fail", "keep"))
        self.assertEqual(self.report(r)["baseline_registry"]["version"], "1")

    @unittest.skipUnless(HAS_DRIFT, "ml-drift is not built")
    def test_drift_outputs_html_and_the_data_change_trigger(self):
        for name in ("reference.csv", "current-drifted.csv"):
            shutil.copy(os.path.join(DATA, name), self.runner.workspace)
        drift = os.path.join(SOURCE_DIR, "drift")
        r = self.runner.run(drift, reference="reference.csv", current="current-drifted.csv", exclude="id",
                            html="out/drift.html", fail_on_gate="false")
        self.assertEqual(r.code, 0, r)
        self.assertEqual((r.outputs["status"], r.outputs["drift"]), ("fail", "true"))
        self.assertEqual((r.outputs["drifted-columns"], r.outputs["tested-columns"]), ("3", "4"))
        with open(os.path.join(self.runner.workspace, "out", "drift.html")) as f:
            self.assertIn("<svg", f.read())
        # The article's file-hash trigger: changed on the first run (no state yet), not on the second.
        first = self.runner.run(drift, changed="*.csv", state=".state/data.json")
        second = self.runner.run(drift, changed="*.csv", state=".state/data.json")
        self.assertEqual((first.code, second.code), (1, 0), (first, second))
        self.assertEqual(first.outputs["changed-files"], "2")

    def test_unknown_tool_is_a_usage_error(self):
        r = self.runner.run(SOURCE_DIR, tool="deploy")
        self.assertEqual(r.code, 2, r)
        self.assertIn("unknown tool 'deploy'", r.stderr)
        self.assertEqual((r.outputs["status"], r.outputs["exit-code"]), ("error", "2"))

    def test_working_directory(self):
        os.makedirs(os.path.join(self.runner.workspace, "models"))
        shutil.move(os.path.join(self.runner.workspace, "metrics.json"), os.path.join(self.runner.workspace, "models"))
        r = self.runner.run(SOURCE_DIR, tool="ml-validate", args="metrics.json -r accuracy>=0.8",
                            working_directory="models")
        self.assertEqual(r.code, 0, r)



class CommentTest(ActionTest):
    """comment: true posts the summary on the pull request once, then edits that comment."""
    seeded = True

    def setUp(self):
        super().setUp()
        self.api = FakeGitHubApi("team/churn", "s3cret").__enter__()
        self.addCleanup(self.api.__exit__)
        # Another bot's comment first, and enough others to need a second page.
        self.api.comments[7] = [{"url": f"https://api.github.com/repos/team/churn/issues/comments/{i}", "id": i,
                                 "user": {"id": 1}, "body": f"comment {i}"} for i in range(1, 121)]
        self.runner.env.update(GITHUB_REPOSITORY="team/churn", GITHUB_REF="refs/pull/7/merge",
                               GITHUB_API_URL=self.api.url, GITHUB_WORKFLOW="ML pipeline", GITHUB_JOB="gate",
                               SIM_GITHUB_TOKEN="s3cret")

    def ours(self):
        return [c for c in self.api.comments[7] if "lean-mlops-comment-" in c["body"]]

    def test_sticky_comment_created_then_edited(self):
        validate = os.path.join(SOURCE_DIR, "validate")
        r = self.runner.run(validate, metrics="metrics.json", require="accuracy >= 0.85", comment="true")
        self.assertEqual(r.code, 0, r)
        self.assertIn("commented the summary on pull request #7", r.stdout)
        self.assertEqual(len(self.ours()), 1)
        self.assertIn("ml-validate: pass", self.ours()[0]["body"])
        r = self.runner.run(validate, metrics="metrics.json", require="accuracy >= 0.95", comment="true")
        self.assertEqual(r.code, 1, r)  # the gate's exit code, whatever the comment did
        self.assertIn("updated the summary comment", r.stdout)
        self.assertEqual(len(self.ours()), 1, "edited, not a second comment")
        self.assertIn("ml-validate: fail", self.ours()[0]["body"])
        self.assertEqual(len(self.api.comments[7]), 121)
        methods = [m for m, _, _ in self.api.requests]
        self.assertEqual(methods.count("POST"), 1)
        self.assertEqual(methods.count("PATCH"), 1)

    def test_a_failing_api_is_a_warning_not_a_failure(self):
        self.runner.env["SIM_GITHUB_TOKEN"] = "wrong"
        r = self.runner.run(os.path.join(SOURCE_DIR, "validate"), metrics="metrics.json", require="accuracy >= 0.85",
                            comment="true")
        self.assertEqual(r.code, 0, r)
        self.assertIn("::warning title=lean-mlops comment::cannot list the comments", r.stdout)
        self.assertEqual(self.ours(), [])

    def test_no_comment_outside_pull_requests(self):
        self.runner.env["GITHUB_REF"] = "refs/heads/main"
        r = self.runner.run(os.path.join(SOURCE_DIR, "validate"), metrics="metrics.json", require="accuracy >= 0.85",
                            comment="true")
        self.assertEqual(r.code, 0, r)
        self.assertIn("not a pull request", r.stdout)
        self.assertEqual(self.api.requests, [])


if __name__ == "__main__":
    unittest.main()

