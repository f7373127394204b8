"""The GitLab example pipeline (docs/examples/gitlab/.gitlab-ci.yml), exactly as a user copies it,
run end to end by gitlab-ci-local with the shell executor and job isolation: the remote include
resolves to this checkout's template, the template installs a release that scripts/package.sh
built from the fresh binaries and that is served on loopback (checksum-verified, then cached
between jobs). The project around it is tests/ci/data/project (a stand-in train.py)."""
import json
import os
import re
import shutil
import tempfile
import unittest

from ci_support import BIN_DIR, SOURCE_DIR, GitLabProject, ReleaseServer, TempDirTest, package, project_version

VERSION = project_version()
EXAMPLE = os.path.join(SOURCE_DIR, "docs", "examples", "gitlab", ".gitlab-ci.yml")
HAS_RELEASE = os.path.exists(os.path.join(BIN_DIR, "ml-release"))
HAS_DRIFT = os.path.exists(os.path.join(BIN_DIR, "ml-drift"))


def setUpModule():
    global DIST, SERVER
    DIST = tempfile.mkdtemp(prefix="lean-dist-")
    package(DIST)
    SERVER = ReleaseServer(DIST, VERSION).__enter__()


def tearDownModule():
    SERVER.__exit__()
    shutil.rmtree(DIST, ignore_errors=True)


def include_url():
    with open(EXAMPLE) as f:
        return re.search(r"remote: (https://\S+)", f.read()).group(1)


class GitLabPipelineTest(TempDirTest):
    def setUp(self):
        super().setUp()
        self.gitlab = GitLabProject(self.path("project"), os.path.join(SOURCE_DIR, "tests", "ci", "data", "project"))
        self.project = self.gitlab.root
        shutil.copy(EXAMPLE, self.project)
        self.gitlab.add_remote_include(include_url(), os.path.join(SOURCE_DIR, ".gitlab-ci-templates",
                                                                   "lean-mlops.gitlab-ci.yml"))
        self.registry = self.path("registry")

    def run_pipeline(self, *jobs, quality="good", variables=(), schedule=False):
        # As a project's CI/CD settings would: the release mirror and the registry.
        return self.gitlab.run(*jobs, variables=[f"LEAN_MLOPS_BASE_URL={SERVER.base_url}",
                                                 f"ML_REGISTRY={self.registry}", f"FIXTURE_QUALITY={quality}",
                                                 *variables],
                               pipeline_variables=["CI_PIPELINE_SOURCE=schedule"] if schedule else [])

    def artifact(self, job, name):
        return self.gitlab.artifact(job, name)

    def report(self, job, name):
        return self.gitlab.report(job, name)

    def without_registry(self):
        # Until ml-release exists, compare takes the production metrics from the project's
        # production.json instead of the registry.
        return ["LEAN_COMPARE_BASELINE_REGISTRY=", "LEAN_COMPARE_MODEL=", "LEAN_COMPARE_CHANNEL=",
                "LEAN_COMPARE_BASELINE=production.json"]

    def test_passing_pipeline(self):
        before = len(SERVER.downloads())
        if HAS_RELEASE:
            p = self.run_pipeline()
            expected = {"train", "validate", "compare", "publish", "promote"}
        else:
            p = self.run_pipeline("train", "validate", "compare", variables=self.without_registry())
            expected = {"train", "validate", "compare"}
        self.assertEqual(p.code, 0, p)
        self.assertEqual(p.jobs, {job: "PASS" for job in expected}, p)
        self.assertEqual(self.report("validate", "validate.json")["status"], "pass")
        self.assertEqual(self.report("compare", "compare.json")["decision"], "promote")
        with open(self.artifact("validate", "validate.junit.xml")) as f:
            self.assertIn('failures="0"', f.read())
        with open(self.artifact("compare", "compare.env")) as f:
            self.assertIn("ML_COMPARE_DECISION=promote\n", f.read())
        # Installed once, checksum-verified; every later job restored it from the GitLab cache.
        self.assertIn("checksum verified", p.job_log("validate"))
        self.assertIn(f"lean-mlops {VERSION}: cache hit", p.job_log("compare"))
        self.assertEqual(len(SERVER.downloads()) - before, 1, p)
        if HAS_RELEASE:
            self.assertIn("production", json.dumps(self.report("promote", "release.json")))

    def test_failing_gate_fails_the_job_and_keeps_the_reports(self):
        variables = [] if HAS_RELEASE else self.without_registry()
        p = self.run_pipeline(*([] if HAS_RELEASE else ["train", "validate", "compare"]), quality="bad",
                              variables=variables)
        self.assertNotEqual(p.code, 0, p)
        self.assertEqual(p.jobs.get("validate"), "FAIL", p)
        self.assertNotIn("compare", p.jobs, "nothing runs after a failed gate")
        self.assertNotIn("publish", p.jobs)
        report = self.report("validate", "validate.json")
        self.assertEqual((report["status"], report["exit_code"]), ("fail", 1))
        with open(self.artifact("validate", "validate.junit.xml")) as f:
            self.assertRegex(f.read(), r'failures="[1-9]')
        with open(self.artifact("validate", "validate.env")) as f:
            self.assertIn("ML_VALIDATE_STATUS=fail\n", f.read())
        self.assertIn("FAIL  accuracy is 0.801", p.log)

    def test_worse_candidate_stops_at_compare(self):
        variables = [] if HAS_RELEASE else self.without_registry()
        if HAS_RELEASE:
            first = self.run_pipeline(quality="good")
            self.assertEqual(first.code, 0, first)
        p = self.run_pipeline(*([] if HAS_RELEASE else ["train", "validate", "compare"]), quality="worse",
                              variables=variables)
        self.assertNotEqual(p.code, 0, p)
        self.assertEqual((p.jobs.get("validate"), p.jobs.get("compare")), ("PASS", "FAIL"), p)
        self.assertNotIn("publish", p.jobs)
        report = self.report("compare", "compare.json")
        self.assertEqual((report["status"], report["decision"]), ("fail", "keep"))

    @unittest.skipUnless(HAS_DRIFT and HAS_RELEASE, "ml-drift and ml-release are not both built")
    def test_weekly_schedule_without_drift_stops_after_the_check(self):
        p = self.run_pipeline(schedule=True)
        self.assertEqual(p.code, 0, p)
        self.assertEqual(p.jobs, {"drift": "PASS"}, p)
        self.assertEqual(self.report("drift", "drift.json")["status"], "pass")
        self.assertTrue(os.path.isfile(self.artifact("drift", "drift.html")))

    @unittest.skipUnless(HAS_DRIFT and HAS_RELEASE, "ml-drift and ml-release are not both built")
    def test_weekly_schedule_with_drift_runs_the_retrain_path(self):
        data = os.path.join(self.project, "data")
        shutil.copy(os.path.join(data, "current-drifted.csv"), os.path.join(data, "current.csv"))
        p = self.run_pipeline(schedule=True)
        self.assertNotEqual(p.code, 0, "the drift job fails: that is the alert")
        child = "[retrain] -> "
        self.assertEqual(p.jobs, {"drift": "FAIL", "retrain": "PASS", f"{child}train": "PASS",
                                  f"{child}validate": "PASS", f"{child}compare": "PASS", f"{child}publish": "PASS",
                                  f"{child}promote": "PASS"}, p)
        report = self.report("drift", "drift.json")
        self.assertEqual((report["status"], report["dataset"]["drift"]), ("fail", True))
        with open(self.artifact("drift", "drift.html")) as f:
            self.assertIn("<svg", f.read())
        with open(self.artifact("drift", "drift.env")) as f:
            self.assertIn("ML_DRIFT_DRIFT=true\n", f.read())


if __name__ == "__main__":
    unittest.main()
