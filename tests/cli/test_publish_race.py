"""Concurrent publishes of one version (docs/hardening.md, "Races"): 16 processes start together,
with identical files or each with its own, on the local backend, on S3 (s3rver behind the
test proxy, which emulates S3's conditional writes), on GitHub Releases (the stateful fake
behind Prism) and on the GitLab package registry (its fake). In every trial exactly one publish wins,
the others exit 0 `already_published` (identical files) or 5 (different files), the version
verifies and holds the winner's bytes, and no staged file is left behind.

Each backend prints one line for scripts/test.sh: trials, winners, lost (broken promises) and
leaked temporaries. RACE_TRIALS=N (default 20; 8 on the forges, whose fakes answer more
slowly) trials per backend and kind."""
import json
import os
import subprocess
import sys
import unittest
import urllib.request
import xml.etree.ElementTree as ET

from lean_cli import BIN_DIR, CliTest
from release_cli import PINNED

TRIALS = int(os.environ.get("RACE_TRIALS", "20"))
PUBLISHERS = 16


class RaceCounts:
    def __init__(self, name):
        self.name, self.trials, self.winners, self.lost, self.leaked = name, 0, 0, [], 0

    def summary(self):
        return (f"fault injection race {self.name}: {self.trials} trials, {self.winners} winners, "
                f"{len(self.lost)} lost, {self.leaked} leaked temps")


class PublishRace:
    """One backend's trials; a subclass says where the registry is and what is stored in it."""

    def tool(self, *args):
        return [os.path.join(BIN_DIR, "ml-release"), *args, "--registry", self.registry_url(), "--no-ci"]

    def env(self):
        environment = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "GITLAB", "CI_", "ML_"))}
        environment.update(PINNED)
        return environment

    def race(self, version, identical):
        """Starts the publishers together; their (exit code, report) in order."""
        procs = []
        for i in range(PUBLISHERS):
            folder = self.path(f"{version}/p{i}")
            os.makedirs(folder)
            with open(os.path.join(folder, "model.bin"), "wb") as f:
                f.write(b"same weights" if identical else f"weights of publisher {i}".encode())
            report = os.path.join(folder, "r.json")
            procs.append((subprocess.Popen(self.tool("publish", "--model", "churn", "--version", version,
                                                     os.path.join(folder, "model.bin"), "--report", report),
                                           env=self.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True),
                          report))
        results = []
        for proc, report in procs:
            out, err = proc.communicate(timeout=300)
            got = None
            if os.path.exists(report):
                with open(report) as f:
                    got = json.load(f)
            results.append((proc.returncode, got, err))
        return results

    def check_trial(self, counts, version, identical):
        counts.trials += 1
        results = self.race(version, identical)
        winners = [r for r in results if r[0] == 0 and r[1] and r[1]["already_published"] is False]
        counts.winners += len(winners)
        problems = []
        if len(winners) != 1:
            problems.append(f"{len(winners)} winners")
        for code, report, err in results:
            if report is not None and report.get("already_published") is False:
                continue
            if identical and not (code == 0 and report and report["already_published"]):
                problems.append(f"identical loser: exit {code} {err.strip()}")
            if not identical and code != 5:
                problems.append(f"different loser: exit {code} {err.strip()}")
            if not identical and code == 5 and "is already published with different content" not in err:
                problems.append(f"different loser: {err.strip()}")
        verify = subprocess.run(self.tool("verify", "--model", "churn", "--version", version), env=self.env(),
                                capture_output=True, text=True, timeout=300)
        if verify.returncode != 0:
            problems.append(f"verify: exit {verify.returncode} {verify.stderr.strip()}")
        fetched = self.path(f"{version}/fetched")
        fetch = subprocess.run(self.tool("fetch", "--model", "churn", "--version", version, "--dest", fetched),
                               env=self.env(), capture_output=True, text=True, timeout=300)
        if fetch.returncode != 0:
            problems.append(f"fetch: exit {fetch.returncode} {fetch.stderr.strip()}")
        elif winners:
            with open(os.path.join(fetched, "model.bin"), "rb") as f:
                stored = f.read()
            winner_index = results.index(winners[0])
            expected = b"same weights" if identical else f"weights of publisher {winner_index}".encode()
            if stored != expected:
                problems.append("the version does not hold the winner's bytes")
        leaked = self.leaked_temps(version)
        counts.leaked += len(leaked)
        if leaked:
            problems.append(f"leaked {leaked}")
        if problems:
            counts.lost.append((version, problems))

    trials = TRIALS

    def run_trials(self, kind):
        counts = RaceCounts(f"{self.backend} {kind}")
        for trial in range(self.trials):
            self.check_trial(counts, f"{1 if kind == 'identical' else 2}.0.{trial}", kind == "identical")
        print("\n" + counts.summary(), file=sys.stderr)  # a line of its own for scripts/test.sh
        self.assertEqual(counts.lost, [])
        self.assertEqual(counts.winners, self.trials)
        self.assertEqual(counts.leaked, 0)

    def test_concurrent_publishes_of_identical_files_have_exactly_one_winner(self):
        self.run_trials("identical")

    def test_concurrent_publishes_of_different_files_have_exactly_one_winner(self):
        self.run_trials("different")


class LocalRace(PublishRace, CliTest):
    backend = "local"

    def registry_url(self):
        return self.path("reg")

    def leaked_temps(self, version):
        folder = self.path(f"reg/churn/versions/{version}")
        return [name for name in os.listdir(folder) if name.startswith(".lean-")]


class S3Race(PublishRace, CliTest):
    backend = "s3"

    @classmethod
    def setUpClass(cls):
        from s3_fixture import S3Fixture
        cls.s3 = S3Fixture()

    @classmethod
    def tearDownClass(cls):
        cls.s3.stop()

    def setUp(self):
        super().setUp()
        self.s3.proxy.reset()
        self.s3.proxy.emulate_conditional_writes = True
        self.prefix = f"race-{self.id().rsplit('.', 1)[-1][-20:]}"

    def registry_url(self):
        return f"s3://models/{self.prefix}"

    def env(self):
        return {**super().env(), **self.s3.env()}

    def stored_keys(self, prefix):
        """Every key under `prefix`, listed from s3rver directly (it does not check signatures)."""
        url = f"{self.s3.direct}/models?list-type=2&prefix={urllib.request.quote(prefix)}"
        with urllib.request.urlopen(url, timeout=30) as answer:
            tree = ET.fromstring(answer.read())
        return [node.text for node in tree.iter() if node.tag.endswith("Key")]

    def leaked_temps(self, version):
        prefix = f"{self.prefix}/churn/versions/{version}/"
        with urllib.request.urlopen(f"{self.s3.direct}/models/{prefix}manifest.json", timeout=30) as answer:
            folder = json.loads(answer.read())["files_folder"]
        return [k for k in self.stored_keys(prefix) if k != prefix + "manifest.json" and not k.startswith(prefix + folder + "/")]


FORGE_TRIALS = int(os.environ.get("RACE_TRIALS", "8"))


class GithubRace(PublishRace, CliTest):
    """Each attempt uploads into a draft release of its own and publishes it last: GitHub
    publishes one release per tag, so the losers' drafts are never the version."""
    backend = "github"
    trials = FORGE_TRIALS

    @classmethod
    def setUpClass(cls):
        import tempfile
        from fake_github import FakeGitHub
        cls.spec_dir = tempfile.mkdtemp(prefix="lean-prism-")
        cls.fake = FakeGitHub(spec_dir=cls.spec_dir)

    @classmethod
    def tearDownClass(cls):
        cls.fake.stop()

    def setUp(self):
        super().setUp()
        self.fake.reset()
        self.violations_before = len(self.fake.violations())

    def tearDown(self):
        self.assertEqual(self.fake.violations()[self.violations_before:], [])
        super().tearDown()

    def registry_url(self):
        return "github://acme/models"

    def env(self):
        from fake_github import TOKEN
        return {**super().env(), "GITHUB_TOKEN": TOKEN, "GITHUB_API_URL": self.fake.api_url}

    def leaked_temps(self, version):
        """Drafts of the version (a loser's) and assets the published release holds beyond
        the manifest and its files."""
        tag = f"churn-v{version}"
        state = self.fake.state
        with state.lock:
            drafts = [r["id"] for r in state.releases.values() if r["tag_name"] == tag and r["draft"]]
            published = [r for r in state.releases.values() if r["tag_name"] == tag and not r["draft"]]
            names = [state.assets[a]["name"] for r in published for a in r["assets"]]
        return [f"draft {d}" for d in drafts] + [n for n in names if n not in ("manifest.json", "model.bin")]


class GitlabRace(PublishRace, CliTest):
    """Each attempt uploads its files under names of its own (the attempt's folder, which the
    manifest names); the lowest package-file id of the manifest wins."""
    backend = "gitlab"
    trials = FORGE_TRIALS

    @classmethod
    def setUpClass(cls):
        from fake_gitlab import FakeGitLab
        cls.fake = FakeGitLab()

    @classmethod
    def tearDownClass(cls):
        cls.fake.stop()

    def setUp(self):
        super().setUp()
        self.fake.reset()

    def registry_url(self):
        return "gitlab://acme/ml/models"

    def env(self):
        from fake_gitlab import TOKEN
        return {**super().env(), "GITLAB_TOKEN": TOKEN, "CI_API_V4_URL": self.fake.api_url}

    def leaked_temps(self, version):
        names = self.fake.names("churn", version)
        manifest = self.fake.file("churn", version, "manifest.json")
        folder = json.loads(manifest["_data"]).get("files_folder", "") if manifest else ""
        return [n for n in names if n not in ("manifest.json", f"{folder}+2Fmodel.bin")]


if __name__ == "__main__":
    unittest.main()
