"""The S3 storage layer (through tests/drivers/s3_driver) against real s3rver behind a proxy that
verifies every SigV4 signature with botocore, and against the AWS CLI."""
import hashlib
import json
import os
import subprocess
import time
import unittest

from lean_cli import BIN_DIR, CliTest
from s3_fixture import BUCKET, Fault, S3Fixture, closed_port

DRIVER = os.path.join(BIN_DIR, "s3_driver")
URL = f"s3://{BUCKET}/registry"
MiB = 1 << 20


def sha256(data):
    return hashlib.sha256(data).hexdigest()


class S3StorageTest(CliTest):
    @classmethod
    def setUpClass(cls):
        cls.s3 = S3Fixture()

    @classmethod
    def tearDownClass(cls):
        cls.s3.stop()

    def setUp(self):
        super().setUp()
        self.s3.proxy.reset()
        self.addCleanup(self.assertNoSignatureFailures)
        self.expected_signature_failures = 0

    def assertNoSignatureFailures(self):
        failures = self.s3.proxy.signature_failures
        self.assertEqual(len(failures), self.expected_signature_failures, failures)
        failures.clear()

    def driver(self, *args, env=None, options=("--backoff-ms", "5")):
        environment = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        environment.update(self.s3.env())
        environment.update(env or {})
        proc = subprocess.run([DRIVER, *options, *args], cwd=self.dir, env=environment, capture_output=True,
                              text=True, timeout=300)
        return proc

    def ok(self, *args, **kwargs):
        proc = self.driver(*args, **kwargs)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return json.loads(proc.stdout)

    def random_file(self, name, size):
        data = os.urandom(size)
        return self.write(name, data), data

    # ---- transfers ------------------------------------------------------------------------

    def test_small_file_round_trip_with_signed_payload(self):
        path, data = self.random_file("model.bin", 100_000)
        self.assertEqual(self.ok("upload", URL, "m/versions/1/model.bin", path), {"size": len(data), "sha256": sha256(data)})
        got = self.ok("download", URL, "m/versions/1/model.bin", self.path("out.bin"))
        self.assertEqual(got["sha256"], sha256(data))
        with open(self.path("out.bin"), "rb") as f:
            self.assertEqual(f.read(), data)
        puts = self.s3.proxy.calls("PUT")
        self.assertEqual(len(puts), 1)
        self.assertEqual(puts[0][1], f"/{BUCKET}/registry/m/versions/1/model.bin")  # path-style

    def test_streamed_single_put_above_the_part_size(self):
        path, data = self.random_file("model.bin", 6 * MiB + 123)
        self.assertEqual(self.ok("upload", URL, "m/v/model.bin", path)["sha256"], sha256(data))
        self.assertEqual(len(self.s3.proxy.calls("PUT")), 1)
        self.assertEqual(self.ok("download", URL, "m/v/model.bin", self.path("o"))["sha256"], sha256(data))

    def test_multipart_upload_with_parts_in_flight_at_once(self):
        self.s3.proxy.part_delay = 0.3
        path, data = self.random_file("big.bin", 17 * MiB + 5)
        got = self.ok("upload", URL, "m/v/big.bin", path, options=("--multipart-threshold-mib", "6", "--part-size-mib", "5",
                                                                   "--concurrency", "3"))
        self.assertEqual(got, {"size": len(data), "sha256": sha256(data)})
        self.assertEqual(len(self.s3.proxy.calls("POST", "uploads")), 1)
        self.assertEqual(len(self.s3.proxy.calls("PUT", "partNumber")), 4)
        self.assertEqual(len(self.s3.proxy.calls("POST", "uploadId")), 1)
        self.assertGreaterEqual(self.s3.proxy.max_in_flight_parts, 2)
        self.assertEqual(self.ok("download", URL, "m/v/big.bin", self.path("o"))["sha256"], sha256(data))

    def test_keys_with_spaces_unicode_and_reserved_characters(self):
        key = "m/versions/1.0+rc (final)/mödel=1&x.bin"
        path, data = self.random_file("f", 1000)
        self.ok("upload", URL, key, path)
        self.assertIn(key, self.ok("list", URL, "m/versions/1.0+rc"))
        self.assertEqual(self.ok("download", URL, key, self.path("o"))["sha256"], sha256(data))

    def test_session_token_is_signed(self):
        path, data = self.random_file("f", 10)
        self.ok("upload", URL, "tok/f", path, env={"AWS_SESSION_TOKEN": "FQoGZXIvYXdzE//token+/="})
        self.assertEqual(len(self.s3.proxy.calls("PUT")), 1)

    def test_small_objects_list_and_remove(self):
        self.assertEqual(self.ok("get", URL, "lst/absent.json"), {"absent": True})
        for name in ("b.json", "a.json", "sub/c.json"):
            self.ok("put", URL, f"lst/{name}", json.dumps({"name": name}))
        self.assertEqual(self.ok("list", URL, "lst/"), ["lst/a.json", "lst/b.json", "lst/sub/c.json"])
        got = self.ok("get", URL, "lst/a.json")
        self.assertEqual(json.loads(got["body"]), {"name": "a.json"})
        self.assertTrue(got["etag"].startswith('"'))
        self.ok("remove", URL, "lst/a.json")
        self.ok("remove", URL, "lst/never-there.json")
        self.assertEqual(self.ok("list", URL, "lst/"), ["lst/b.json", "lst/sub/c.json"])

    def test_list_follows_continuation_tokens(self):
        # Pages as S3 sends them when there are more than max-keys objects.
        def page(keys, token=None):
            return ('<?xml version="1.0"?><ListBucketResult><IsTruncated>' + ("true" if token else "false") +
                    "</IsTruncated>" + "".join(f"<Contents><Key>registry/page/{k}</Key></Contents>" for k in keys) +
                    (f"<NextContinuationToken>{token}</NextContinuationToken>" if token else "") +
                    "</ListBucketResult>").encode()
        self.s3.proxy.faults.extend([
            Fault(200, method="GET", query="continuation-token=t%2F1%2B%3D", body=page(["2.json", "3 &amp; 4.json"])),
            Fault(200, method="GET", query="list-type=2", body=page(["0.json", "1.json"], token="t/1+=")),
        ])
        self.assertEqual(self.ok("list", URL, "page/"), ["page/0.json", "page/1.json", "page/2.json", "page/3 & 4.json"])
        self.assertEqual(len(self.s3.proxy.calls("GET", "list-type=2")), 2)

    # ---- conditional writes ----------------------------------------------------------------

    def test_conditional_writes_are_detected_missing_on_s3rver(self):
        self.assertEqual(self.ok("conditional", URL), {"atomic": False})
        # Emulated (check then write, not atomic) so the registry still sees conflicts in sequence.
        self.assertEqual(self.ok("put", "--if-absent", URL, "cw/ch.json", "1"), {"written": True})
        self.assertEqual(self.ok("put", "--if-absent", URL, "cw/ch.json", "2"), {"written": False})
        etag = self.ok("get", URL, "cw/ch.json")["etag"]
        self.assertEqual(self.ok("put", "--if-match", '"stale"', URL, "cw/ch.json", "3"), {"written": False})
        self.assertEqual(self.ok("put", "--if-match", etag, URL, "cw/ch.json", "4"), {"written": True})
        self.assertEqual(self.ok("get", URL, "cw/ch.json")["body"], "4")
        self.assertEqual(self.ok("list", URL, ".lean-probe"), [])

    def test_conditional_writes_on_a_store_that_enforces_them(self):
        self.s3.proxy.emulate_conditional_writes = True
        self.assertEqual(self.ok("conditional", URL), {"atomic": True})
        self.assertEqual(self.ok("put", "--conditional-writes", "enforced", "--if-absent", URL, "cw2/ch.json", "1"),
                         {"written": True})
        self.assertEqual(self.ok("put", "--conditional-writes", "enforced", "--if-absent", URL, "cw2/ch.json", "2"),
                         {"written": False})
        self.assertEqual([c[3] for c in self.s3.proxy.calls("PUT") if "cw2" in c[1]], [200, 412])  # no HEAD emulation
        etag = self.ok("get", URL, "cw2/ch.json")["etag"]
        self.assertEqual(self.ok("put", "--conditional-writes", "enforced", "--if-match", '"0"', URL, "cw2/ch.json", "3"),
                         {"written": False})
        self.assertEqual(self.ok("put", "--conditional-writes", "enforced", "--if-match", etag, URL, "cw2/ch.json", "4"),
                         {"written": True})

    # ---- interoperability with the AWS CLI -------------------------------------------------

    def test_aws_cli_downloads_what_we_upload_bit_identical(self):
        for name, size, options in (("single.bin", 300_000, ()),
                                    ("multi.bin", 11 * MiB + 7, ("--multipart-threshold-mib", "6", "--part-size-mib", "5"))):
            path, data = self.random_file(name, size)
            self.ok("upload", URL, f"interop/{name}", path, options=options)
            got = self.s3.aws("s3", "cp", f"s3://{BUCKET}/registry/interop/{name}", self.path(f"aws-{name}"))
            self.assertEqual(got.returncode, 0, got.stderr)
            with open(self.path(f"aws-{name}"), "rb") as f:
                self.assertEqual(sha256(f.read()), sha256(data))

    def test_we_read_and_verify_what_the_aws_cli_uploads(self):
        # 12 MiB: the AWS CLI uploads it in parts (its threshold is 8 MiB).
        path, data = self.random_file("aws.bin", 12 * MiB + 1)
        got = self.s3.aws("s3", "cp", path, f"s3://{BUCKET}/registry/from-aws/model.bin")
        self.assertEqual(got.returncode, 0, got.stderr)
        self.assertGreaterEqual(len(self.s3.proxy.calls("PUT", "partNumber")), 2)
        self.assertEqual(self.ok("download", URL, "from-aws/model.bin", self.path("o")),
                         {"size": len(data), "sha256": sha256(data)})
        self.assertIn("from-aws/model.bin", self.ok("list", URL, "from-aws/"))

    # ---- faults -----------------------------------------------------------------------------

    def test_slowdown_and_5xx_are_retried(self):
        self.s3.proxy.faults.extend([Fault(503, "SlowDown", method="PUT", count=2, retry_after=0),
                                     Fault(500, "InternalError", method="GET", count=1)])
        path, data = self.random_file("f", 5000)
        self.ok("upload", URL, "retry/f", path)
        self.assertEqual([c[3] for c in self.s3.proxy.calls("PUT")], [503, 503, 200])
        self.assertEqual(self.ok("download", URL, "retry/f", self.path("o"))["sha256"], sha256(data))

    def test_dropped_connections_are_retried(self):
        self.s3.proxy.faults.append(Fault(method="PUT", drop=True, count=1))
        path, data = self.random_file("f", 5000)
        self.assertEqual(self.ok("upload", URL, "drop/f", path)["sha256"], sha256(data))

    def test_a_part_failing_with_5xx_is_retried(self):
        self.s3.proxy.faults.append(Fault(502, "BadGateway", method="PUT", query="partNumber=2", count=2))
        path, data = self.random_file("big.bin", 11 * MiB)
        got = self.ok("upload", URL, "retry/big.bin", path, options=("--multipart-threshold-mib", "6", "--part-size-mib", "5",
                                                                     "--backoff-ms", "5"))
        self.assertEqual(got["sha256"], sha256(data))
        self.assertEqual(self.ok("download", URL, "retry/big.bin", self.path("o"))["sha256"], sha256(data))

    def test_retries_are_bounded(self):
        self.s3.proxy.faults.append(Fault(503, "SlowDown", method="PUT", count=100))
        path, _ = self.random_file("f", 10)
        proc = self.driver("upload", URL, "bounded/f", path, options=("--max-attempts", "3", "--backoff-ms", "5"))
        self.assertEqual(proc.returncode, 4, proc.stderr)
        self.assertEqual(proc.stderr, f"s3-driver: error: 's3://{BUCKET}/registry/bounded/f': uploading failed "
                                      "(HTTP 503 SlowDown: injected)\n")
        self.assertEqual(len(self.s3.proxy.calls("PUT")), 3)

    def test_a_failed_multipart_upload_is_aborted(self):
        self.s3.proxy.faults.append(Fault(400, "InvalidArgument", method="PUT", query="partNumber=2"))
        path, _ = self.random_file("big.bin", 16 * MiB)
        proc = self.driver("upload", URL, "abort/big.bin", path,
                           options=("--multipart-threshold-mib", "6", "--part-size-mib", "5"))
        self.assertEqual(proc.returncode, 4, proc.stderr)
        self.assertIn("uploading part 2 failed (HTTP 400 InvalidArgument: injected)", proc.stderr)
        aborts = self.s3.proxy.calls("DELETE", "uploadId=")
        self.assertEqual(len(aborts), 1)
        upload_id = [c for c in self.s3.proxy.calls("PUT", "partNumber")][0][2].split("uploadId=")[1]
        self.assertIn(upload_id, aborts[0][2])
        self.assertEqual(self.ok("list", URL, "abort/"), [])

    def test_complete_multipart_errors_in_a_200_body(self):
        transient = b'<?xml version="1.0"?>\n<Error><Code>InternalError</Code><Message>try again</Message></Error>'
        self.s3.proxy.faults.append(Fault(200, method="POST", query="uploadId=", body=transient))
        path, data = self.random_file("big.bin", 11 * MiB)
        options = ("--multipart-threshold-mib", "6", "--part-size-mib", "5", "--backoff-ms", "5")
        self.assertEqual(self.ok("upload", URL, "c200/ok.bin", path, options=options)["sha256"], sha256(data))
        self.assertEqual(len(self.s3.proxy.calls("POST", "uploadId=")), 2)

        fatal = b'<?xml version="1.0"?>\n<Error><Code>InvalidPart</Code><Message>part missing</Message></Error>'
        self.s3.proxy.faults.append(Fault(200, method="POST", query="uploadId=", body=fatal))
        proc = self.driver("upload", URL, "c200/bad.bin", path, options=options)
        self.assertEqual(proc.returncode, 4, proc.stderr)
        self.assertIn("completing the multipart upload failed (HTTP 500 InvalidPart: part missing)", proc.stderr)
        self.assertEqual(len(self.s3.proxy.calls("DELETE", "uploadId=")), 1)
        self.assertEqual(self.ok("list", URL, "c200/"), ["c200/ok.bin"])

    def test_unreachable_endpoint_fails_within_the_connect_timeout(self):
        path, _ = self.random_file("f", 10)
        start = time.monotonic()
        proc = self.driver("upload", URL, "x/f", path, env={"AWS_ENDPOINT_URL": f"http://127.0.0.1:{closed_port()}"},
                           options=("--connect-timeout-ms", "2000", "--backoff-ms", "100"))
        elapsed = time.monotonic() - start
        self.assertEqual(proc.returncode, 4, proc.stderr)
        self.assertRegex(proc.stderr, r"^s3-driver: error: 's3://models/registry/x/f': cannot connect to the endpoint: "
                                      r"Failed to connect to 127\.0\.0\.1 port \d+ .*\(gave up after \d+ attempts in \d+\.\d s\)\n$")
        self.assertLess(elapsed, 4.0)

    def test_wrong_secret_is_refused_without_printing_it(self):
        self.expected_signature_failures = 1
        path, _ = self.random_file("f", 10)
        proc = self.driver("upload", URL, "x/f", path, env={"AWS_SECRET_ACCESS_KEY": "not-the-secret-KEY123"})
        self.assertEqual(proc.returncode, 4, proc.stderr)
        self.assertEqual(proc.stderr,
                         f"s3-driver: error: 's3://{BUCKET}/registry/x/f': access denied while uploading (HTTP 403 "
                         "SignatureDoesNotMatch: The request signature we calculated does not match the signature you "
                         "provided. Check your key and signing method.); check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, "
                         "AWS_SESSION_TOKEN and the bucket policy\n")
        self.assertNotIn("not-the-secret", proc.stderr + proc.stdout)
        self.assertEqual(len(self.s3.proxy.calls("PUT")), 1)  # 403 is not retried

    def test_unknown_access_key_is_refused(self):
        self.expected_signature_failures = 1
        proc = self.driver("get", URL, "x.json", env={"AWS_ACCESS_KEY_ID": "AKIAUNKNOWN"})
        self.assertEqual(proc.returncode, 4, proc.stderr)
        self.assertIn("access denied while reading (HTTP 403 InvalidAccessKeyId", proc.stderr)

    def test_no_credentials(self):
        proc = self.driver("get", URL, "x.json", env={"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""})
        self.assertEqual(proc.returncode, 4, proc.stderr)
        self.assertEqual(proc.stderr, f"s3-driver: error: '{URL}': no AWS credentials: set AWS_ACCESS_KEY_ID and "
                                      "AWS_SECRET_ACCESS_KEY (or a profile in ~/.aws/credentials)\n")

    def test_credentials_from_a_profile_of_the_shared_credentials_file(self):
        self.write("credentials", "[default]\naws_access_key_id = WRONG\naws_secret_access_key = WRONG\n\n"
                                  "[ci]\naws_access_key_id = S3RVER\naws_secret_access_key = S3RVER\n")
        got = self.ok("put", URL, "profile/x.json", "{}",
                      env={"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_PROFILE": "ci",
                           "AWS_SHARED_CREDENTIALS_FILE": self.path("credentials")})
        self.assertEqual(got, {"written": True})

    def test_missing_bucket_missing_object_missing_file(self):
        proc = self.driver("get", "s3://no-such-bucket/p", "x.json")
        self.assertEqual(proc.returncode, 4, proc.stderr)
        self.assertIn("bucket 'no-such-bucket' does not exist", proc.stderr)
        proc = self.driver("download", URL, "nothing/here.bin", self.path("o"))
        self.assertEqual(proc.returncode, 5, proc.stderr)
        self.assertEqual(proc.stderr, f"s3-driver: error: 's3://{BUCKET}/registry/nothing/here.bin': is missing from "
                                      "the registry\n")
        proc = self.driver("upload", URL, "x/f", self.path("missing.bin"))
        self.assertEqual(proc.returncode, 3, proc.stderr)
        self.assertIn(f"'{self.path('missing.bin')}': cannot open", proc.stderr)
        self.assertEqual(self.s3.proxy.calls("PUT"), [])

    def test_malformed_urls_are_usage_errors(self):
        for url in ("s3://", "s3:///prefix"):
            proc = self.driver("get", url, "x")
            self.assertEqual(proc.returncode, 2, proc.stderr)
        proc = self.driver("get", URL, "x", env={"AWS_ENDPOINT_URL": "127.0.0.1:9000"})
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn("needs http:// or https://", proc.stderr)


if __name__ == "__main__":
    unittest.main()
