"""Fault injection for every remote backend (docs/hardening.md): ml-release publish, promote
and fetch run through fault_proxy.FaultProxy, which injects one fault (a reset mid-body, a
truncated answer, 500, 503 SlowDown, 429 with Retry-After, a stall beyond the timeout, an
outage longer than the retries) at request number k, for k over every request of the command.

After every trial, checked directly against the store (no proxy):
- the command either completed (exit 0) with every SHA-256 verified, or failed cleanly
  (exit 4 or 5);
- the registry lists exactly the complete versions: every version published before is still
  there, byte for byte, and a version that is listed re-verifies against its manifest;
- the channel points to a complete version (the old or the new one after a promote);
- a fetch wrote every file verified, or nothing at all;
- no S3 multipart upload is left open (neither completed nor aborted).

Each backend prints: trials, completed, failed cleanly, lost (anything else; must be 0).
FAULT_STRIDE=N (default 3) runs every N-th (request, fault) pair; 1 runs them all.
"""
import hashlib
import json
import os
import shutil
import sys
import tempfile
import unittest

from fault_proxy import FAULTS, FaultProxy
from lean_cli import CliTest

STRIDE = int(os.environ.get("FAULT_STRIDE", "3"))
MiB = 1 << 20
PINNED = {"SOURCE_DATE_EPOCH": "1767225600", "USER": "tester", "ML_HTTP_STALL_TIMEOUT": "2"}


def sha256(data):
    return hashlib.sha256(data).hexdigest()


class Trials:
    """Counts one backend's trials; `lost` collects every broken promise, with its trial."""

    def __init__(self, name):
        self.name, self.trials, self.completed, self.failed_cleanly, self.lost = name, 0, 0, 0, []

    def summary(self):
        return (f"fault injection {self.name}: {self.trials} trials, {self.completed} completed, "
                f"{self.failed_cleanly} failed cleanly, {len(self.lost)} lost")


class FaultInjection:
    """The trials over one backend; a subclass sets up the store and its environment."""

    registry = None
    big_file = 0  # bytes of an extra file that makes publish go multipart (S3)
    flows = ("publish", "promote", "fetch")
    stride = STRIDE

    def start_store(self):
        raise NotImplementedError

    def stop_store(self):
        raise NotImplementedError

    def direct_env(self):
        raise NotImplementedError

    def proxied_env(self):
        raise NotImplementedError

    def open_uploads(self):
        return self.proxy.open_uploads()

    # ---- running the tool

    def release(self, command, *args, proxied, report=None):
        env = {**PINNED, **(self.proxied_env() if proxied else self.direct_env())}
        extra = ["--report", report] if report else []
        return self.run_tool("ml-release", command, "--registry", self.registry, *args, *extra, "--no-ci", env=env)

    def publish_args(self, version):
        files = {"model.bin": os.urandom(96 * 1024), "config.json": json.dumps({"version": version}).encode()}
        if self.big_file:
            files["weights.bin"] = os.urandom(self.big_file)
        folder = self.path(f"src-{version}")
        os.makedirs(folder, exist_ok=True)
        paths = []
        for name, data in files.items():
            with open(os.path.join(folder, name), "wb") as f:
                f.write(data)
            paths.append(os.path.join(folder, name))
        return {name: sha256(data) for name, data in files.items()}, paths

    # ---- the store as it is, read directly

    def listing(self):
        r = self.release("list", "--model", "churn", proxied=False, report=self.path("list.json"))
        if r.code != 0:
            return None, r
        report = self.read_json("list.json")
        versions = [v["version"] for v in report["versions"]]
        channels = {name: c["version"] for name, c in report["channels"].items()}
        return (versions, channels), r

    def verified_files(self, version):
        """{name: sha256} of a version re-read from the store, or None when verify fails."""
        r = self.release("verify", "--model", "churn", "--version", version, proxied=False,
                         report=self.path("verify.json"))
        if r.code != 0:
            return None
        return {f["name"]: f["sha256"] for f in self.read_json("verify.json")["files"]}

    def check_store(self, trial, touched):
        """Every promise about the store after a trial; returns the problems found."""
        problems = []
        state, r = self.listing()
        if state is None:
            return [f"list failed after the trial: {r}"]
        versions, channels = state
        for version in self.complete:
            if version not in versions:
                problems.append(f"complete version {version} is no longer listed")
        for version in set(touched) | set(channels.values()):
            if version not in versions:
                if version in channels.values():
                    problems.append(f"a channel points to {version}, which is not a complete version")
                continue
            files = self.verified_files(version)
            if files is None:
                problems.append(f"listed version {version} does not verify")
            elif version in self.expected and files != self.expected[version]:
                problems.append(f"listed version {version} holds other files than were published")
        if self.big_file or self.open_uploads_supported:
            left = self.open_uploads()
            if left:
                problems.append(f"multipart uploads left open: {left}")
        return problems

    # ---- the trials

    def clean_count(self, run):
        """How many requests `run` makes through the proxy without faults."""
        self.proxy.arm(None)
        result = run()
        self.assertEqual(result.code, 0, result)
        return self.proxy.requests()

    def plan(self, requests):
        return [(at, kind) for at in range(1, requests + 1) for i, kind in enumerate(FAULTS)
                if (at + i) % self.stride == 0]

    def record(self, trials, label, code, problems):
        trials.trials += 1
        if code == 0 and not problems:
            trials.completed += 1
        elif code in (4, 5) and not problems:
            trials.failed_cleanly += 1
        else:
            if code not in (0, 4, 5):
                problems = [f"exit {code}"] + problems
            trials.lost.append(f"{label}: " + "; ".join(problems) + f" (injected: {self.proxy.injected})")

    def test_publish_promote_fetch_under_faults(self):
        trials = Trials(self.name)
        self.expected, self.complete = {}, []
        counter = iter(range(1, 100000))

        # A clean start: two complete versions, a channel.
        for version in ("1.0", "1.1"):
            expected, paths = self.publish_args(version)
            r = self.release("publish", "--model", "churn", "--version", version, *paths, proxied=False)
            self.assertEqual(r.code, 0, r)
            self.expected[version], self.complete = expected, self.complete + [version]
        self.assertEqual(self.release("promote", "--model", "churn", "--version", "1.0", "--channel", "production",
                                      proxied=False).code, 0)

        # publish
        def publish(version):
            expected, paths = self.publish_args(version)
            self.expected[version] = expected
            return self.release("publish", "--model", "churn", "--version", version, *paths, proxied=True)

        requests = self.clean_count(lambda: publish("2.0"))
        self.complete.append("2.0")
        for at, kind in self.plan(requests) if "publish" in self.flows else []:
            version = f"3.{next(counter)}"
            self.proxy.arm(kind, at)
            r = publish(version)
            problems = self.check_store(trials, [version])
            state, _ = self.listing()
            if r.code == 0 and (state is None or version not in state[0]):
                problems.append(f"publish {version} succeeded but the version is not listed")
            if state and version in state[0]:
                self.complete.append(version)
            self.record(trials, f"publish {kind}@{at}", r.code, problems)

        # promote: back and forth between two complete versions
        target = iter(["1.1", "1.0"] * 1000)

        def promote(version):
            return self.release("promote", "--model", "churn", "--version", version, "--channel", "production",
                                proxied=True)

        requests = self.clean_count(lambda: promote(next(target))) if "promote" in self.flows else 0
        for at, kind in self.plan(requests):
            before = self.listing()[0][1].get("production")
            version = next(target)
            self.proxy.arm(kind, at)
            r = promote(version)
            problems = self.check_store(trials, [])
            after = (self.listing()[0] or ({}, {}))[1].get("production")
            if r.code == 0 and after != version:
                problems.append(f"promote to {version} succeeded but the channel points to {after}")
            if after not in (before, version):
                problems.append(f"the channel points to {after}, neither {before} nor {version}")
            self.record(trials, f"promote {kind}@{at}", r.code, problems)

        # fetch
        def fetch(dest):
            return self.release("fetch", "--model", "churn", "--channel", "production", "--dest", dest, proxied=True,
                                report=self.path("fetch.json"))

        requests = self.clean_count(lambda: fetch(self.path("fetched-clean"))) if "fetch" in self.flows else 0
        for at, kind in self.plan(requests):
            dest = self.path(f"fetched-{next(counter)}")
            self.proxy.arm(kind, at)
            r = fetch(dest)
            problems = self.check_store(trials, [])
            if r.code == 0:
                version = self.read_json("fetch.json")["version"]
                got = {name: sha256(open(os.path.join(dest, name), "rb").read()) for name in os.listdir(dest)}
                if got != self.expected.get(version):
                    problems.append(f"fetch succeeded but {dest} does not hold version {version}'s files")
            elif os.path.exists(dest) and os.listdir(dest):
                problems.append(f"a failed fetch left files in {dest}: {os.listdir(dest)}")
            leftovers = [n for n in os.listdir(self.dir) if n.startswith(".") and "fetched" in n]
            if leftovers:
                problems.append(f"a fetch left its staging folder behind: {leftovers}")
            self.record(trials, f"fetch {kind}@{at}", r.code, problems)

        # The whole store once more: every complete version, byte for byte.
        final = self.check_store(trials, list(self.complete))
        print("\n" + trials.summary(), file=sys.stderr)
        for line in trials.lost:
            print("  lost: " + line, file=sys.stderr)
        self.assertEqual(final, [])
        self.assertEqual(trials.lost, [], trials.summary())
        self.assertGreaterEqual(trials.trials, len(self.flows) * len(FAULTS) // self.stride)


class S3(FaultInjection, CliTest):
    name = "s3"
    registry = "s3://models/faults"
    open_uploads_supported = True

    @classmethod
    def setUpClass(cls):
        from s3_fixture import S3Fixture
        cls.s3 = S3Fixture()
        cls.proxy = FaultProxy(cls.s3.endpoint)

    @classmethod
    def tearDownClass(cls):
        cls.proxy.stop()
        cls.s3.stop()

    def direct_env(self):
        return self.s3.env()

    def proxied_env(self):
        return self.s3.env(AWS_ENDPOINT_URL=self.proxy.base)


class S3Multipart(S3):
    """A 64 MiB + 1 file goes up in 9 parts: faults land on create, parts, complete and abort."""
    name = "s3 multipart"
    registry = "s3://models/faults-multipart"
    big_file = 64 * MiB + 1
    flows = ("publish",)
    stride = 2 * STRIDE


class GitHub(FaultInjection, CliTest):
    name = "github"
    registry = "github://acme/models"
    open_uploads_supported = False

    @classmethod
    def setUpClass(cls):
        from fake_github import TOKEN, FakeGitHub
        cls.token = TOKEN
        cls.spec_dir = tempfile.mkdtemp(prefix="lean-prism-")
        cls.fake = FakeGitHub(spec_dir=cls.spec_dir)
        cls.proxy = FaultProxy(cls.fake.api_url)

    @classmethod
    def tearDownClass(cls):
        cls.proxy.stop()
        cls.fake.stop()
        shutil.rmtree(cls.spec_dir, ignore_errors=True)

    def direct_env(self):
        return {"GITHUB_TOKEN": self.token, "GITHUB_API_URL": self.fake.api_url}

    def proxied_env(self):
        return {"GITHUB_TOKEN": self.token, "GITHUB_API_URL": self.proxy.base}


class GitLab(FaultInjection, CliTest):
    name = "gitlab"
    registry = "gitlab://acme/ml/models"
    open_uploads_supported = False

    @classmethod
    def setUpClass(cls):
        from fake_gitlab import TOKEN, FakeGitLab
        cls.token = TOKEN
        cls.fake = FakeGitLab()
        cls.proxy = FaultProxy(cls.fake.api_url)

    @classmethod
    def tearDownClass(cls):
        cls.proxy.stop()
        cls.fake.stop()

    def direct_env(self):
        return {"GITLAB_TOKEN": self.token, "CI_API_V4_URL": self.fake.api_url}

    def proxied_env(self):
        return {"GITLAB_TOKEN": self.token, "CI_API_V4_URL": self.proxy.url(self.fake.api_url)}


if __name__ == "__main__":
    unittest.main()
