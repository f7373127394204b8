"""The GitLab example pipeline (docs/examples/gitlab/.gitlab-ci.yml) run by gitlab-ci-local on push:
passing, failing gate, worse candidate; installed once, then cached (gitlab_support.py has the set-up)."""
import json
import unittest

import gitlab_support
from gitlab_support import HAS_RELEASE, VERSION, ExamplePipelineTest
from gitlab_support import start_release as setUpModule, stop_release as tearDownModule  # noqa: F401


class GitLabPipelineTest(ExamplePipelineTest):
    def test_passing_pipeline(self):
        before = len(gitlab_support.SERVER.downloads())
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
        self.assertEqual(len(gitlab_support.SERVER.downloads()) - before, 1, p)
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


if __name__ == "__main__":
    unittest.main()
