"""The GitHub actions (action.yml, */action.yml) run by a simulated runner (run_action.mjs)
against a release built by scripts/package.sh from the fresh binaries and served on loopback."""
import hashlib
import json
import os
import shutil
import tempfile
import unittest

from ci_support import BIN_DIR, SOURCE_DIR, FakeGitHubApi, ReleaseServer, SimulatedRunner, TempDirTest, package, project_version

VERSION = project_version()
HAS_RELEASE = os.path.exists(os.path.join(BIN_DIR, "ml-release"))
HAS_DRIFT = os.path.exists(os.path.join(BIN_DIR, "ml-drift"))
DATA = os.path.join(SOURCE_DIR, "tests", "ci", "data", "project", "data")
ASSET = f"lean-mlops-{VERSION}-linux-x86_64.tar.gz"
GOOD = {"accuracy": 0.891, "eval": {"f1": 0.875}}
WORSE = {"accuracy": 0.866, "eval": {"f1": 0.840}}
PRODUCTION = {"accuracy": 0.872, "eval": {"f1": 0.852}}


def setUpModule():
    global DIST
    DIST = tempfile.mkdtemp(prefix="lean-dist-")
    package(DIST)


def tearDownModule():
    shutil.rmtree(DIST, ignore_errors=True)


class ActionTest(TempDirTest):
    def setUp(self):
        super().setUp()
        self.server = ReleaseServer(DIST, VERSION).__enter__()
        self.addCleanup(self.server.__exit__)
        self.runner = SimulatedRunner(self.path("runner"), self.server.base_url)
        for name, content in (("metrics.json", GOOD), ("worse.json", WORSE), ("production.json", PRODUCTION)):
            with open(os.path.join(self.runner.workspace, name), "w") as f:
                json.dump(content, f)

    def installed(self, version=VERSION):
        return os.path.join(self.runner.root, "tool-cache", "lean-mlops", version, "x86_64")

    def report(self, result):
        with open(result.outputs["report"]) as f:
            return json.load(f)


class InstallTest(ActionTest):
    def test_checksum_match_installs_runs_and_sets_outputs(self):
        r = self.runner.run(SOURCE_DIR, tool="validate", args="metrics.json --require 'accuracy >= 0.85'")
        self.assertEqual(r.code, 0, r)
        self.assertIn(f"checksum verified: {ASSET}", r.stderr)
        self.assertEqual(r.outputs["status"], "pass", r)
        self.assertEqual(r.outputs["exit-code"], "0", r)
        self.assertEqual(self.report(r)["status"], "pass")
        self.assertTrue(os.path.isfile(os.path.join(self.installed(), "bin", "ml-validate")))
        self.assertIn("ml-validate: pass", open(self.runner.summary).read())
        self.assertEqual(self.server.downloads(), [f"/releases/download/v{VERSION}/{ASSET}"])
        with open(os.path.join(self.installed(), "share", "lean-mlops", "receipt")) as f:
            receipt = f.read()
        with open(os.path.join(DIST, ASSET), "rb") as f:
            self.assertIn(f"from=prebuilt sha256:{hashlib.sha256(f.read()).hexdigest()}", receipt)

    def test_tool_cache_hit_downloads_nothing(self):
        self.assertEqual(self.runner.run(SOURCE_DIR, tool="validate", args="metrics.json -r 'accuracy>=0.8'").code, 0)
        before = len(self.server.requests)
        r = self.runner.run(SOURCE_DIR, tool="compare",
                            args="--candidate metrics.json --baseline production.json --metric accuracy")
        self.assertEqual(r.code, 0, r)
        self.assertIn("already in the tool cache", r.stdout)
        self.assertEqual(self.server.requests[before:], [])

    def test_actions_cache_restores_on_a_fresh_runner(self):
        self.assertEqual(self.runner.run(SOURCE_DIR, tool="validate", args="metrics.json -r 'accuracy>=0.8'").code, 0)
        self.assertTrue(os.path.isdir(os.path.join(self.runner.root, "actions-cache", f"lean-mlops-{VERSION}-linux-x86_64")))
        shutil.rmtree(os.path.join(self.runner.root, "tool-cache"))  # a new VM: only actions/cache survives
        before = len(self.server.requests)
        r = self.runner.run(SOURCE_DIR, tool="validate", args="metrics.json -r 'accuracy>=0.8'")
        self.assertEqual(r.code, 0, r)
        self.assertIn("Cache restored", r.stdout)
        self.assertEqual(self.server.requests[before:], [])

    def test_checksum_mismatch_refuses_to_install(self):
        with open(os.path.join(DIST, ASSET), "rb") as f:
            tampered = bytearray(f.read())
        tampered[len(tampered) // 2] ^= 0xFF
        self.server.replace[ASSET] = bytes(tampered)
        r = self.runner.run(SOURCE_DIR, tool="validate", args="metrics.json -r 'accuracy>=0.8'")
        self.assertEqual(r.code, 5, r)
        self.assertIn(f"checksum mismatch for {ASSET}", r.stderr)
        self.assertIn("refusing to install", r.stderr)
        self.assertNotIn("building from source", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.installed(), "bin", "ml-validate")))
        self.assertEqual(r.outputs["status"], "", "the tool must not have run")
        self.assertEqual(os.listdir(os.path.join(self.runner.root, "actions-cache")), [])

    def test_pinned_sha256_must_match(self):
        r = self.runner.run(SOURCE_DIR, tool="validate", args="metrics.json -r 'accuracy>=0.8'", sha256="0" * 64)
        self.assertEqual(r.code, 5, r)
        self.assertIn("--sha256 pins", r.stderr)
        self.assertEqual(self.server.downloads(), [])

    def test_latest_resolves_through_the_latest_release(self):
        r = self.runner.run(SOURCE_DIR, tool="validate", args="metrics.json -r 'accuracy>=0.8'", version="latest")
        self.assertEqual(r.code, 0, r)
        self.assertIn("/releases/latest/download/SHA256SUMS", self.server.requests)
        self.assertTrue(os.path.isdir(self.installed()))


class SourceFallbackTest(ActionTest):
    """An unreleased version (the server answers 404) builds the action's own source. A stand-in
    source tree keeps this fast: the real build is covered by test_package's cmake --install."""

    def fake_action(self, version):
        action = self.path("action")
        os.makedirs(os.path.join(action, "scripts"))
        shutil.copy(os.path.join(SOURCE_DIR, "action.yml"), action)
        for script in ("install.sh", "action-install.sh", "ci-run.sh"):
            shutil.copy(os.path.join(SOURCE_DIR, "scripts", script), os.path.join(action, "scripts"))
        self.write("action/CMakeLists.txt", f"""cmake_minimum_required(VERSION 3.20)
project(lean-mlops VERSION {version} LANGUAGES CXX)
option(LEAN_MLOPS_TESTS "" ON)
add_executable(ml-validate stub.cpp)
install(TARGETS ml-validate RUNTIME DESTINATION bin)
""")
        self.write("action/stub.cpp", f"""#include <cstdio>
#include <cstring>
int main(int argc, char** argv) {{
  if (argc > 1 && !std::strcmp(argv[1], "--version")) {{ std::puts("ml-validate {version}"); return 0; }}
  std::puts("stub ml-validate built from source");
  return 0;
}}
""")
        return action

    def test_unreleased_version_builds_from_source(self):
        action = self.fake_action("9.9.9")
        r = self.runner.run(action, tool="validate", args="metrics.json")
        self.assertEqual(r.code, 0, r)
        self.assertIn("no release v9.9.9", r.stderr)
        self.assertIn("building from source", r.stderr)
        self.assertIn("stub ml-validate built from source", r.stdout)
        with open(os.path.join(self.installed("9.9.9"), "share", "lean-mlops", "receipt")) as f:
            self.assertIn("from=source", f.read())
        self.assertEqual(os.listdir(os.path.join(self.runner.root, "actions-cache")), [],
                         "a source build is not saved to actions/cache")

    def test_version_source_builds_without_downloading(self):
        action = self.fake_action(VERSION)
        r = self.runner.run(action, tool="validate", args="metrics.json", version="source")
        self.assertEqual(r.code, 0, r)
        self.assertIn("stub ml-validate built from source", r.stdout)
        self.assertEqual(self.server.requests, [])
        self.assertTrue(os.path.isdir(self.installed(f"{VERSION}-source")))

    def test_architecture_without_an_archive_builds_from_source(self):
        action = self.fake_action(VERSION)
        self.runner.env["RUNNER_ARCH"] = "ARM64"
        r = self.runner.run(action, tool="validate", args="metrics.json")
        self.assertEqual(r.code, 0, r)
        self.assertIn("no prebuilt archive for linux-aarch64", r.stderr)
        self.assertEqual(self.server.downloads(), [])


class RunTest(ActionTest):
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
