"""End-to-end tests of ml-release on S3: real s3rver behind the botocore SigV4-verifying proxy
(tests/cli/s3_fixture.py), and the AWS CLI on the other side."""
import json
import os
import signal
import subprocess
import time
import unittest

from lean_cli import BIN_DIR
from release_cli import PINNED, MiB, ReleaseCommands, sha256
from s3_fixture import BUCKET, Fault, S3Fixture, closed_port


class ReleaseS3Test(ReleaseCommands):
    @classmethod
    def setUpClass(cls):
        cls.s3 = S3Fixture()
        cls.serial = 0

    @classmethod
    def tearDownClass(cls):
        cls.s3.stop()

    def setUp(self):
        super().setUp()
        self.s3.proxy.reset()
        type(self).serial += 1
        # A registry prefix of its own for every test.
        self.prefix = f"reg{self.serial}"
        self.registry = f"s3://{BUCKET}/{self.prefix}"

    def tearDown(self):
        self.assertEqual(self.s3.proxy.signature_failures, [])
        super().tearDown()

    def env(self, **extra):
        return {**PINNED, **self.s3.env(), **extra}

    def release(self, command, *args, env=None):
        return self.run_tool("ml-release", command, "--registry", self.registry, *args, "--no-ci",
                             env=self.env(**(env or {})))

    def aws_get(self, key):
        got = self.s3.aws("s3", "cp", f"s3://{BUCKET}/{self.prefix}/{key}", self.path("aws.out"))
        self.assertEqual(got.returncode, 0, got.stderr)
        with open(self.path("aws.out"), "rb") as f:
            return f.read()

    def file_key(self, version, name):
        """Where a version's file is stored: in the folder of the publish attempt that won."""
        manifest = json.loads(self.aws_get(f"churn/versions/{version}/manifest.json"))
        return f"churn/versions/{version}/{manifest['files_folder']}/{name}"

    def aws_put(self, key, data):
        self.write("aws.in", data)
        got = self.s3.aws("s3", "cp", self.path("aws.in"), f"s3://{BUCKET}/{self.prefix}/{key}")
        self.assertEqual(got.returncode, 0, got.stderr)

    def audit(self):
        folder = self.path("audit")
        got = self.s3.aws("s3", "sync", f"s3://{BUCKET}/{self.prefix}/churn/audit/", folder)
        self.assertEqual(got.returncode, 0, got.stderr)
        events = []
        for name in sorted(os.listdir(folder)):
            with open(os.path.join(folder, name)) as f:
                events.append(json.load(f))
        return events

    # ---- publish, promote, fetch, verify ----------------------------------------------------

    def test_publish_promote_fetch_verify(self):
        self.write("m.json", {"accuracy": 0.9})
        self.publish("1.0.0", b"\x00weights\xff", "--metrics", "m.json")
        manifest = json.loads(self.aws_get("churn/versions/1.0.0/manifest.json"))
        self.assertEqual(manifest["files"], [{"name": "model.bin", "size": 9, "sha256": sha256(b"\x00weights\xff")}])
        self.assertEqual(self.aws_get(self.file_key("1.0.0", "model.bin")), b"\x00weights\xff")  # bit-identical
        self.promote("1.0.0")
        channel = json.loads(self.aws_get("churn/channels/production.json"))
        self.assertEqual(channel["version"], "1.0.0")
        r = self.release("fetch", "--model", "churn", "--channel", "production", "--dest", "deploy")
        self.assertEqual(r.code, 0, r)
        with open(self.path("deploy/model.bin"), "rb") as f:
            self.assertEqual(f.read(), b"\x00weights\xff")
        r = self.release("verify", "--model", "churn", "--version", "1.0.0")
        self.assertEqual(r.code, 0, r)
        r = self.release("show", "--model", "churn", "--channel", "production")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(json.loads(r.stdout)["version"], "1.0.0")
        r = self.release("list", "--model", "churn", "--report", "r.json")
        self.assertEqual(r.code, 0, r)
        self.assertEqual([v["version"] for v in self.read_json("r.json")["versions"]], ["1.0.0"])
        self.assertEqual(sorted(e["event"] for e in self.audit()), ["promote", "publish"])

    def test_verbose_names_the_probe_object_and_every_conditional_write(self):
        self.write("model.bin", b"w")
        r = self.release("publish", "--model", "churn", "--version", "1.0.0", "model.bin", "--verbose")
        self.assertEqual(r.code, 0, r)
        self.assertIn(f"ml-release: probing whether {self.registry} enforces conditional writes "
                      "(writing and removing a .lean-probe-* object)\n", r.stderr)
        self.assertIn(f"ml-release: writing {self.registry}/churn/versions/1.0.0/manifest.json if absent\n", r.stderr)
        r = self.release("promote", "--model", "churn", "--version", "1.0.0", "--channel", "production", "--verbose")
        self.assertEqual(r.code, 0, r)
        self.assertIn("enforces conditional writes (writing and removing a .lean-probe-* object)", r.stderr)
        self.assertIn(f"ml-release: writing {self.registry}/churn/channels/production.json if absent\n", r.stderr)
        # Reading commands never write, so they never probe.
        r = self.release("show", "--model", "churn", "--channel", "production", "--verbose")
        self.assertEqual(r.code, 0, r)
        self.assertNotIn("probing", r.stderr)

    def test_endpoint_and_region_options(self):
        self.write("model.bin", b"w")
        r = self.run_tool("ml-release", "publish", "--registry", self.registry, "--endpoint-url", self.s3.endpoint,
                          "--region", "eu-west-3", "--model", "churn", "--version", "1.0.0", "model.bin", "--no-ci",
                          env=self.env(AWS_ENDPOINT_URL="http://127.0.0.1:9", AWS_REGION="us-east-1"))
        self.assertEqual(r.code, 0, r)
        self.assertEqual(self.aws_get(self.file_key("1.0.0", "model.bin")), b"w")

    def test_a_multipart_model_round_trips_and_the_aws_cli_agrees(self):
        data = os.urandom(70 * MiB + 3)  # above the 64 MiB multipart threshold
        self.publish("2.0.0", data, "--quiet")
        self.assertGreaterEqual(len(self.s3.proxy.calls("PUT", "partNumber")), 9)
        self.assertEqual(sha256(self.aws_get(self.file_key("2.0.0", "model.bin"))), sha256(data))
        r = self.release("fetch", "--model", "churn", "--version", "2.0.0", "--dest", "out", "--quiet")
        self.assertEqual(r.code, 0, r)
        with open(self.path("out/model.bin"), "rb") as f:
            self.assertEqual(sha256(f.read()), sha256(data))

    def test_fetch_verifies_what_the_aws_cli_put_there(self):
        self.publish("1.0.0", b"original")
        # An operator replaces the object by hand with the same bytes: still verifies.
        self.aws_put(self.file_key("1.0.0", "model.bin"), b"original")
        r = self.release("fetch", "--model", "churn", "--version", "1.0.0", "--dest", "out")
        self.assertEqual(r.code, 0, r)

    # ---- faults ----------------------------------------------------------------------------

    def test_a_corrupted_object_on_fetch_is_exit_5_and_dest_untouched(self):
        self.publish("1.9.0", b"nine")
        self.promote("1.9.0")
        self.aws_put(self.file_key("1.9.0", "model.bin"), b"nin3")
        self.write("deploy/keep.txt", "mine")
        r = self.release("fetch", "--model", "churn", "--channel", "production", "--dest", "deploy")
        self.assertFails(r, 5, f"ml-release: error: '{self.registry}/{self.file_key('1.9.0', 'model.bin')}': does not match "
                               f"the manifest (sha256 {sha256(b'nin3')}, 4 bytes; expected {sha256(b'nine')}, 4 bytes); "
                               "nothing was written to 'deploy'")
        self.assertEqual(sorted(os.listdir(self.path("deploy"))), ["keep.txt"])
        r = self.release("verify", "--model", "churn", "--version", "1.9.0")
        self.assertEqual(r.code, 5, r)

    def test_an_interrupted_publish_is_invisible(self):
        self.publish("1.0.0")
        self.s3.proxy.part_delay = 0.5
        with open(self.path("big.bin"), "wb") as f:
            f.write(os.urandom(80 * MiB))
        proc = subprocess.Popen([os.path.join(BIN_DIR, "ml-release"), "publish", "--registry", self.registry,
                                 "--model", "churn", "--version", "2.0.0", "big.bin", "--quiet", "--no-ci"],
                                cwd=self.dir, env={**os.environ, **self.env()},
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 60
        while time.time() < deadline and not self.s3.proxy.calls("PUT", "partNumber"):
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        self.assertEqual(proc.returncode, -signal.SIGKILL, "publish finished before it could be interrupted")
        self.s3.proxy.part_delay = 0.0
        r = self.release("list", "--model", "churn", "--report", "r.json")
        self.assertEqual(r.code, 0, r)
        self.assertEqual([v["version"] for v in self.read_json("r.json")["versions"]], ["1.0.0"])
        self.assertEqual(self.release("promote", "--model", "churn", "--version", "2.0.0", "--channel", "p").code, 3)
        self.assertEqual(self.release("fetch", "--model", "churn", "--version", "2.0.0", "--dest", "out").code, 3)
        self.assertFalse(os.path.exists(self.path("out")))

    def _concurrent_promotes(self, versions):
        procs = [subprocess.Popen([os.path.join(BIN_DIR, "ml-release"), "promote", "--registry", self.registry,
                                   "--model", "churn", "--version", v, "--channel", "production", "--no-ci"],
                                  cwd=self.dir, env={**os.environ, **self.env()},
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE) for v in versions]
        for proc in procs:
            _, err = proc.communicate(timeout=120)
            self.assertEqual(proc.returncode, 0, err)
        channel = json.loads(self.aws_get("churn/channels/production.json"))  # parses: never torn
        promotes = [e for e in self.audit() if e["event"] == "promote"]
        self.assertEqual(sorted(e["version"] for e in promotes), sorted(versions), "every audit event is kept")
        return channel

    def test_concurrent_promotes_on_a_store_with_conditional_writes(self):
        self.s3.proxy.emulate_conditional_writes = True
        versions = [f"2.0.{i}" for i in range(6)]
        for v in versions:
            self.publish(v, v.encode())
        channel = self._concurrent_promotes(versions)
        seen = [channel["version"]] + [h["version"] for h in channel["history"]]
        self.assertEqual(sorted(seen), sorted(versions), "every promote is in the channel's history exactly once")

    def test_concurrent_promotes_on_s3rver_keep_every_audit_event(self):
        versions = [f"3.0.{i}" for i in range(6)]
        for v in versions:
            self.publish(v, v.encode())
        channel = self._concurrent_promotes(versions)
        self.assertIn(channel["version"], versions)

    def test_unreachable_endpoint_is_exit_4(self):
        self.write("model.bin", b"w")
        start = time.monotonic()
        r = self.run_tool("ml-release", "publish", "--registry", self.registry, "--model", "churn", "--version", "1",
                          "model.bin", "--no-ci", env=self.env(AWS_ENDPOINT_URL=f"http://127.0.0.1:{closed_port()}"))
        self.assertEqual(r.code, 4, r)
        self.assertRegex(r.stderr, rf"^ml-release: error: '{self.registry}/churn/[^']*': cannot connect to the "
                                   r"endpoint: .*\(gave up after \d+ attempts in \d+\.\d s\)\n$")
        self.assertLess(time.monotonic() - start, 15)

    def test_wrong_credentials_are_exit_4(self):
        r = self.release("list", "--model", "churn", env={"AWS_SECRET_ACCESS_KEY": "wrong-secret-123"})
        self.assertEqual(r.code, 4, r)
        self.assertIn("access denied while listing (HTTP 403 SignatureDoesNotMatch", r.stderr)
        self.assertNotIn("wrong-secret", r.stderr + r.stdout)
        self.s3.proxy.signature_failures.clear()

    def test_a_missing_file_is_exit_3(self):
        r = self.release("publish", "--model", "churn", "--version", "1.0.0", "missing.bin")
        self.assertFails(r, 3, "ml-release: error: 'missing.bin': cannot open: No such file or directory")
        self.assertEqual(self.s3.proxy.calls("PUT"), [])

    def test_an_existing_version_with_other_content_is_exit_5(self):
        self.publish("1.0.0", b"weights")
        self.publish("1.0.0", b"weights")  # identical: CI retries are safe
        self.write("model.bin", b"retrained")
        r = self.release("publish", "--model", "churn", "--version", "1.0.0", "model.bin")
        self.assertFails(r, 5, f"ml-release: error: '{self.registry}/churn/versions/1.0.0': version 1.0.0 of churn is "
                               "already published with different content (model.bin differs); versions are immutable: "
                               "publish a new version")
        self.assertEqual(self.aws_get(self.file_key("1.0.0", "model.bin")), b"weights")

    def test_slowdown_is_retried(self):
        self.s3.proxy.faults.append(Fault(503, "SlowDown", method="PUT", count=2, retry_after=0))
        self.publish("1.0.0", b"w")
        self.assertEqual(self.aws_get(self.file_key("1.0.0", "model.bin")), b"w")


if __name__ == "__main__":
    unittest.main()
