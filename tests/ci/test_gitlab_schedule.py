"""The GitLab example pipeline on its weekly schedule, run by gitlab-ci-local: without drift only the
check runs; with drift the check fails and the retrain path runs as a child pipeline."""
import os
import shutil
import unittest

from gitlab_support import HAS_DRIFT, HAS_RELEASE, ExamplePipelineTest
from gitlab_support import start_release as setUpModule, stop_release as tearDownModule  # noqa: F401


class GitLabScheduleTest(ExamplePipelineTest):
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
