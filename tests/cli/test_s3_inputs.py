"""s3:// data and metrics inputs (docs/ml-drift.md "Input formats"): read from s3rver through
the SigV4-verifying proxy, a Parquet pair, a Parquet dataset folder and a CSV(gz) pair give
byte-identical reports to the local pair; under injected faults (resets mid-body, truncation,
503 SlowDown) the report is the right one or the run exits 4, never a wrong result; a
read-only key is enough; every error names the URL with the exact line."""
import gzip
import os
import shutil
import subprocess
import tempfile
import unittest

from fault_proxy import FaultProxy
from lean_cli import SOURCE_DIR, CliTest
from s3_fixture import BUCKET, Fault, S3Fixture

FIXTURES = None
S3 = None
PAIR = "duckdb_snappy"


def setUpModule():
    global FIXTURES, S3
    FIXTURES = tempfile.mkdtemp(prefix="lean-s3-inputs-")
    subprocess.run(["node", os.path.join(SOURCE_DIR, "tests", "cli", "parquet_fixtures.mjs"), FIXTURES], check=True,
                   capture_output=True, timeout=300)
    for side in ("ref", "cur"):
        with open(os.path.join(FIXTURES, f"{PAIR}.{side}.csv"), "rb") as f, \
                gzip.open(os.path.join(FIXTURES, f"{PAIR}.{side}.csv.gz"), "wb") as out:
            out.write(f.read())
    S3 = S3Fixture()
    upload = os.path.join(FIXTURES, "upload")
    os.makedirs(upload)
    for name in (f"{PAIR}.ref.parquet", f"{PAIR}.cur.parquet", f"{PAIR}.ref.csv.gz", f"{PAIR}.cur.csv.gz",
                 f"{PAIR}.ref.csv", f"{PAIR}.cur.csv"):
        shutil.copy(os.path.join(FIXTURES, name), os.path.join(upload, name))
    shutil.copytree(os.path.join(FIXTURES, "duckdb_partitioned.ref"), os.path.join(upload, "partitioned.ref"))
    shutil.copytree(os.path.join(FIXTURES, "duckdb_partitioned.cur"), os.path.join(upload, "partitioned.cur"))
    for name in ("candidate.csv", "production.csv"):
        shutil.copy(os.path.join(SOURCE_DIR, "examples", "predictions", name), os.path.join(upload, name))
    with open(os.path.join(upload, "metrics.json"), "w") as f:
        f.write('{"accuracy": 0.91, "loss": 0.2}')
    got = S3.aws("s3", "cp", "--recursive", upload, f"s3://{BUCKET}/data")
    assert got.returncode == 0, got.stderr


def tearDownModule():
    if S3:
        S3.stop()
    shutil.rmtree(FIXTURES, ignore_errors=True)


def local(name):
    return os.path.join(FIXTURES, name)


def remote(name):
    return f"s3://{BUCKET}/data/{name}"


class S3Inputs(CliTest):
    def setUp(self):
        super().setUp()
        S3.proxy.reset()
        # A read-only key: every write is refused, and none is tried (checked in tearDown).
        for method in ("PUT", "POST", "DELETE"):
            S3.proxy.faults.append(Fault(403, "AccessDenied", method=method, count=10 ** 6))

    def tearDown(self):
        self.assertEqual([c for c in S3.proxy.requests if c[0] not in ("GET", "HEAD")], [])
        self.assertEqual(S3.proxy.signature_failures, [])
        super().tearDown()

    def drift(self, reference, current, *args, env=None, report="report.json"):
        return self.run_tool("ml-drift", "--reference", reference, "--current", current, "--report", report,
                             "--no-ci", *args, env=env or S3.env())

    def same_report(self, ref_remote, cur_remote, ref_local, cur_local, *args):
        here = self.drift(ref_local, cur_local, *args, report="local.json")
        there = self.drift(ref_remote, cur_remote, *args, report="remote.json")
        self.assertIn(here.code, (0, 1), here)
        self.assertEqual(there.code, here.code, there)
        self.assertEqual(there.stderr, "")
        local_report = self.read("local.json").replace(ref_local, "REF").replace(cur_local, "CUR")
        remote_report = self.read("remote.json").replace(ref_remote, "REF").replace(cur_remote, "CUR")
        self.assertEqual(remote_report, local_report)
        return here

    def test_a_parquet_pair_gives_the_local_report(self):
        self.same_report(remote(f"{PAIR}.ref.parquet"), remote(f"{PAIR}.cur.parquet"),
                         local(f"{PAIR}.ref.parquet"), local(f"{PAIR}.cur.parquet"), "--threads", "4")
        # Ranged GETs only, never the whole object, never a suffix range.
        self.assertTrue(all(c[0] in ("HEAD", "GET") for c in S3.proxy.requests))

    def test_a_parquet_dataset_folder_gives_the_local_report(self):
        self.same_report(remote("partitioned.ref/"), remote("partitioned.cur/"),
                         local("duckdb_partitioned.ref"), local("duckdb_partitioned.cur"))

    def test_a_list_of_objects_and_keys_with_pattern_characters(self):
        # Only ",s3://" starts another entry: '?', '[' and ',' in a key are the key's own.
        for key in ("odd?key[1],x.parquet",):
            got = S3.aws("s3", "cp", local(f"{PAIR}.ref.parquet"), remote(key), endpoint=S3.direct)
            self.assertEqual(got.returncode, 0, got.stderr)
            self.same_report(remote(key), remote(f"{PAIR}.cur.parquet"),
                             local(f"{PAIR}.ref.parquet"), local(f"{PAIR}.cur.parquet"))
        both = remote(f"{PAIR}.ref.parquet") + "," + remote(f"{PAIR}.cur.parquet")
        self.same_report(both, remote(f"{PAIR}.cur.parquet"),
                         local(f"{PAIR}.ref.parquet") + "," + local(f"{PAIR}.cur.parquet"), local(f"{PAIR}.cur.parquet"))
        # The scheme in any case (RFC 3986), also where it starts another entry of a list.
        both = remote(f"{PAIR}.ref.parquet").replace("s3://", "S3://") + "," + \
            remote(f"{PAIR}.cur.parquet").replace("s3://", "S3://")
        self.same_report(both, remote(f"{PAIR}.cur.parquet"),
                         local(f"{PAIR}.ref.parquet") + "," + local(f"{PAIR}.cur.parquet"), local(f"{PAIR}.cur.parquet"))

    def test_a_csv_and_a_gzipped_csv_pair_give_the_local_report(self):
        for suffix in ("csv", "csv.gz"):
            with self.subTest(suffix=suffix):
                self.same_report(remote(f"{PAIR}.ref.{suffix}"), remote(f"{PAIR}.cur.{suffix}"),
                                 local(f"{PAIR}.ref.csv"), local(f"{PAIR}.cur.csv"))

    def test_endpoint_and_region_options_instead_of_the_environment(self):
        env = S3.env(AWS_ENDPOINT_URL="", AWS_REGION="")
        r = self.drift(remote(f"{PAIR}.ref.parquet"), remote(f"{PAIR}.cur.parquet"), "--endpoint-url", S3.endpoint,
                       "--region", "us-east-1", env=env)
        self.assertIn(r.code, (0, 1), r)

    def test_metrics_files_from_s3(self):
        r = self.run_tool("ml-validate", remote("metrics.json"), "--require", "accuracy>=0.9", "--no-ci", env=S3.env())
        self.assertEqual(r.code, 0, r)
        self.write("new.json", '{"accuracy": 0.95, "loss": 0.1}')
        r = self.run_tool("ml-compare", "--candidate", "new.json", "--baseline", remote("metrics.json"), "--metric",
                          "accuracy", "--no-ci", env=S3.env())
        self.assertEqual(r.code, 0, r)

    def test_predictions_from_s3_give_the_local_metrics(self):
        examples = os.path.join(SOURCE_DIR, "examples", "predictions")
        for source, out in ((os.path.join(examples, "candidate.csv"), "local.json"), (remote("candidate.csv"), "remote.json")):
            r = self.run_tool("ml-validate", "--predictions", source, "--require", "accuracy >= 0.5", "--write-metrics", out,
                              "--no-ci", env=S3.env())
            self.assertEqual(r.code, 0, r)
        self.assertEqual(self.read("remote.json"), self.read("local.json"))
        reports = []
        for candidate, baseline in ((os.path.join(examples, "candidate.csv"), os.path.join(examples, "production.csv")),
                                    (remote("candidate.csv"), remote("production.csv"))):
            r = self.run_tool("ml-compare", "--candidate-predictions", candidate, "--baseline-predictions", baseline,
                              "--id-column", "id", "--metric", "accuracy", "--report", "compare.json", "--no-ci", env=S3.env())
            self.assertIn(r.code, (0, 1), r)
            reports.append(self.read("compare.json").replace(candidate, "CAND").replace(baseline, "BASE"))
        self.assertEqual(reports[0], reports[1])

    def test_schema_and_profile_of_an_s3_csv_and_parquet(self):
        outputs = []
        for source in (local(f"{PAIR}.ref.csv"), remote(f"{PAIR}.ref.csv.gz"), remote(f"{PAIR}.ref.parquet")):
            r = self.run_tool("ml-drift", "schema", "--reference", source, "--output", "schema.json", "--no-ci", env=S3.env())
            self.assertEqual(r.code, 0, r)
            r = self.run_tool("ml-drift", "profile", source, "--output", "ref.profile", "--no-ci", env=S3.env())
            self.assertEqual(r.code, 0, r)
            outputs.append((self.read("schema.json"), self.read_json("ref.profile")["columns"]))
        self.assertEqual(outputs[0], outputs[1])
        self.assertEqual(outputs[0], outputs[2])

    def test_a_missing_object_is_exit_3_naming_it(self):
        r = self.drift(remote("nope.csv"), local(f"{PAIR}.cur.csv"))
        self.assertFails(r, 3, f"ml-drift: error: '{remote('nope.csv')}': no such object (HTTP 404 NoSuchKey)")

    def test_a_missing_bucket_is_exit_3_naming_it(self):
        r = self.drift("s3://no-such-bucket/ref.csv", local(f"{PAIR}.cur.csv"))
        self.assertFails(r, 3, "ml-drift: error: 's3://no-such-bucket/ref.csv': bucket 'no-such-bucket' does not exist "
                               f"at {S3.endpoint}")

    def test_an_empty_s3_folder_is_exit_3(self):
        r = self.drift(remote("nothing-here/"), local(f"{PAIR}.cur.csv"))
        self.assertFails(r, 3, f"ml-drift: error: '{remote('nothing-here/')}': no Parquet files in the folder (no object under the prefix)")

    def test_a_folder_of_hidden_objects_only_says_so(self):
        for key in ("only-hidden/_SUCCESS", "only-hidden/.part-0.crc"):
            got = S3.aws("s3", "cp", local(f"{PAIR}.ref.csv"), remote(key), endpoint=S3.direct)
            self.assertEqual(got.returncode, 0, got.stderr)
        r = self.drift(remote("only-hidden/"), local(f"{PAIR}.cur.csv"))
        self.assertFails(r, 3, f"ml-drift: error: '{remote('only-hidden/')}': no Parquet files in the folder (its 2 "
                               "objects are hidden: a name or folder starting with '.' or '_', such as _SUCCESS)")

    def test_access_denied_is_exit_4_with_the_s3_error_code(self):
        S3.proxy.faults.insert(0, Fault(403, "AccessDenied", path=r"ref\.parquet", count=10))
        r = self.drift(remote(f"{PAIR}.ref.parquet"), local(f"{PAIR}.cur.parquet"))
        self.assertFails(r, 4, f"ml-drift: error: '{remote(f'{PAIR}.ref.parquet')}': access denied while reading "
                               "(HTTP 403 AccessDenied: injected); check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, "
                               "AWS_SESSION_TOKEN and the bucket policy")

    def test_a_head_that_under_reports_the_size_is_exit_4(self):
        # The ranged GET's Content-Range total is the object's size: a shorter HEAD would make
        # a cut input look complete.
        S3.proxy.head_size_change = -100
        for name in (f"{PAIR}.cur.csv", f"{PAIR}.cur.parquet"):
            with self.subTest(name=name):
                r = self.drift(local(f"{PAIR}.ref.csv"), remote(name))
                size = os.path.getsize(local(name))
                self.assertFails(r, 4, f"ml-drift: error: '{remote(name)}': changed while reading (its size was "
                                       f"{size - 100} bytes, now {size}): run again once it is written")

    def test_an_object_replaced_while_it_is_read_is_exit_4(self):
        # What S3 answers a ranged GET whose If-Match names the ETag the HEAD saw, once replaced.
        S3.proxy.faults.insert(0, Fault(412, "PreconditionFailed", method="GET", path=r"cur\.parquet", count=10))
        r = self.drift(local(f"{PAIR}.ref.parquet"), remote(f"{PAIR}.cur.parquet"))
        etag = [line for line in r.stderr.splitlines() if "ETag" in line]
        self.assertEqual(r.code, 4, r)
        self.assertRegex(r.stderr, rf"^ml-drift: error: '{remote(f'{PAIR}.cur.parquet')}': changed while reading "
                                   r'\(its ETag was "[0-9a-f]+"\): run again once it is written\n$', etag)


class ReferenceProfileFromAnS3Registry(CliTest):
    """--reference-registry s3://: the profile ml-release published with the version the channel
    points to, reached through --endpoint-url and --region as the data inputs are."""

    def test_the_published_profile_is_read_through_the_endpoint_option(self):
        S3.proxy.reset()
        self.write("ref.csv", "x,city\n" + "".join(f"{i % 7},c{i % 3}\n" for i in range(50)))
        self.write("cur.csv", "x,city\n" + "".join(f"{i % 7},c{i % 3}\n" for i in range(40)))
        self.write("model.bin", "weights")
        self.assertEqual(self.run_tool("ml-drift", "profile", "ref.csv", "--output", "ref.profile").code, 0)
        env = S3.env(AWS_ENDPOINT_URL="", AWS_REGION="")
        where = ["--registry", f"s3://{BUCKET}/registry", "--endpoint-url", S3.endpoint, "--region", "us-east-1"]
        r = self.run_tool("ml-release", "publish", *where, "--model", "m", "--version", "1",
                          "--profile", "ref.profile", "model.bin", env=env)
        self.assertEqual(r.code, 0, r)
        r = self.run_tool("ml-release", "promote", *where, "--model", "m", "--version", "1", "--channel", "production",
                          env=env)
        self.assertEqual(r.code, 0, r)
        r = self.run_tool("ml-drift", "--reference-registry", f"s3://{BUCKET}/registry", "--endpoint-url", S3.endpoint,
                          "--region", "us-east-1", "--model", "m", "--channel", "production", "--current", "cur.csv",
                          "--report", "remote.json", "--no-ci", env=env)
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.stderr, "")
        # Where the publish stored it: the folder of its attempt, which the manifest names.
        self.assertRegex(self.read_json("remote.json")["reference_profile"],
                         rf"^s3://{BUCKET}/registry/m/versions/1/upload-[0-9TZ.]+-[0-9a-f]{{12}}/ref\.profile$")
        r = self.run_tool("ml-drift", "--reference-profile", "ref.profile", "--current", "cur.csv", "--report",
                          "local.json", "--no-ci")
        self.assertEqual(r.code, 0, r)
        remote_report, local_report = self.read_json("remote.json"), self.read_json("local.json")
        for report in (remote_report, local_report):
            del report["reference_profile"], report["reference"]
        self.assertEqual(remote_report, local_report)
        self.assertEqual(S3.proxy.signature_failures, [])


class BaselineFromAnS3Registry(CliTest):
    def test_ml_compare_reaches_the_registry_through_the_endpoint_option(self):
        S3.proxy.reset()
        env = S3.env(AWS_ENDPOINT_URL="", AWS_REGION="")
        where = ["--endpoint-url", S3.endpoint, "--region", "us-east-1"]
        self.write("model.bin", "weights")
        self.write("prod.json", {"accuracy": 0.8})
        self.write("cand.json", {"accuracy": 0.9})
        for command in (["publish", "--version", "1", "--metrics", "prod.json", "model.bin"],
                        ["promote", "--version", "1", "--channel", "production"]):
            r = self.run_tool("ml-release", command[0], "--registry", f"s3://{BUCKET}/compare-registry", *where,
                              "--model", "m", *command[1:], env=env)
            self.assertEqual(r.code, 0, r)
        r = self.run_tool("ml-compare", "--candidate", "cand.json", "--metric", "accuracy", "--baseline-registry",
                          f"s3://{BUCKET}/compare-registry", *where, "--model", "m", "--channel", "production",
                          "--report", "r.json", "--no-ci", env=env)
        self.assertEqual(r.code, 0, r)
        self.assertEqual(self.read_json("r.json")["baseline_registry"]["version"], "1")
        self.assertEqual(S3.proxy.signature_failures, [])


class S3InputFaults(CliTest):
    """A fault on each request in turn: the run gives the fault-free report or exits 4."""

    @classmethod
    def setUpClass(cls):
        cls.proxy = FaultProxy(S3.endpoint)

    @classmethod
    def tearDownClass(cls):
        cls.proxy.stop()

    def trials(self, reference, current, kinds):
        env = S3.env(AWS_ENDPOINT_URL=self.proxy.base)
        self.proxy.arm(None)
        clean = self.run_tool("ml-drift", "--reference", reference, "--current", current, "--report", "clean.json",
                              "--no-ci", env=env)
        self.assertIn(clean.code, (0, 1), clean)
        requests = self.proxy.requests()
        expected = self.read("clean.json")
        outcomes = set()
        # Each request in turn gets one fault, the kinds taking turns (a fast suite).
        for at in range(1, requests + 1):
            kind = kinds[at % len(kinds)]
            with self.subTest(kind=kind, at=at):
                if os.path.exists(self.path("run.json")):
                    os.remove(self.path("run.json"))
                self.proxy.arm(kind, at)
                r = self.run_tool("ml-drift", "--reference", reference, "--current", current, "--report",
                                  "run.json", "--no-ci", env=env)
                if r.code == 4:
                    self.assertFalse(os.path.exists(self.path("run.json")))
                    outcomes.add("exit 4")
                else:
                    self.assertEqual(r.code, clean.code, r)
                    self.assertEqual(self.read("run.json"), expected)
                    outcomes.add("right report")
        self.assertIn("right report", outcomes)

    def test_parquet_under_faults(self):
        self.trials(remote(f"{PAIR}.ref.parquet"), remote(f"{PAIR}.cur.parquet"), ("reset_response", "truncate", "slow_down"))

    def test_gzipped_csv_under_faults(self):
        self.trials(remote(f"{PAIR}.ref.csv.gz"), remote(f"{PAIR}.cur.csv.gz"), ("reset_response", "truncate", "slow_down"))


if __name__ == "__main__":
    unittest.main()
