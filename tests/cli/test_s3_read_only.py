"""Read-only credentials can read an S3 registry: the reading commands never write (no probe
object), tested through the test proxy refusing every write with 403 AccessDenied."""
import unittest

from release_cli import PINNED, ReleaseCommands
from s3_fixture import BUCKET, Fault, S3Fixture


class ReadOnlyS3(ReleaseCommands):
    @classmethod
    def setUpClass(cls):
        cls.s3 = S3Fixture()

    @classmethod
    def tearDownClass(cls):
        cls.s3.stop()

    def setUp(self):
        super().setUp()
        self.s3.proxy.reset()
        self.registry = f"s3://{BUCKET}/read-only"

    def env(self):
        return {**PINNED, **self.s3.env()}

    def release(self, command, *args):
        return self.run_tool("ml-release", command, "--registry", self.registry, *args, "--no-ci", env=self.env())

    def test_a_read_only_key_can_list_show_verify_fetch_and_compare(self):
        self.write("m.json", {"accuracy": 0.9})
        self.publish("1.0.0", b"weights", "--metrics", "m.json")
        self.promote("1.0.0")
        self.s3.proxy.requests.clear()
        for method in ("PUT", "POST", "DELETE"):
            self.s3.proxy.faults.append(Fault(403, "AccessDenied", method=method, count=10 ** 6))
        runs = [
            self.release("list"),
            self.release("list", "--model", "churn"),
            self.release("show", "--model", "churn", "--channel", "production"),
            self.release("verify", "--model", "churn", "--channel", "production"),
            self.release("fetch", "--model", "churn", "--channel", "production", "--dest", "deploy"),
        ]
        self.write("new.json", {"accuracy": 0.95})
        runs.append(self.run_tool("ml-compare", "--candidate", "new.json", "--metric", "accuracy",
                                  "--baseline-registry", self.registry, "--model", "churn", "--channel", "production",
                                  "--no-ci", env=self.env()))
        for r in runs:
            self.assertEqual(r.code, 0, r)
        with open(self.path("deploy/model.bin"), "rb") as f:
            self.assertEqual(f.read(), b"weights")
        self.assertEqual([c for c in self.s3.proxy.requests if c[0] not in ("GET", "HEAD")], [])


if __name__ == "__main__":
    unittest.main()
