"""Shared by test_github_action*.py: the release served on loopback and a runner per test."""
import json
import os
import shutil
import subprocess
import tempfile

from ci_support import (BIN_DIR, SOURCE_DIR, FakeGitHubApi, ReleaseServer, SimulatedRunner, TempDirTest,  # noqa: F401
                        clean_env, package, project_version)

VERSION = project_version()
HAS_RELEASE = os.path.exists(os.path.join(BIN_DIR, "ml-release"))
HAS_DRIFT = os.path.exists(os.path.join(BIN_DIR, "ml-drift"))
DATA = os.path.join(SOURCE_DIR, "tests", "ci", "data", "project", "data")
ASSET = f"lean-mlops-{VERSION}-linux-x86_64.tar.gz"
GOOD = {"accuracy": 0.891, "eval": {"f1": 0.875}}
WORSE = {"accuracy": 0.866, "eval": {"f1": 0.840}}
PRODUCTION = {"accuracy": 0.872, "eval": {"f1": 0.852}}


DIST = SEED = None


def start_release():
    """scripts/package.sh of the fresh binaries, once per test module; and a tool cache with the
    release installed (by install.sh), for the tests about running rather than installing."""
    global DIST, SEED
    DIST = tempfile.mkdtemp(prefix="lean-dist-")
    package(DIST)
    SEED = tempfile.mkdtemp(prefix="lean-toolcache-")
    with ReleaseServer(DIST, VERSION) as server:
        install_sh = os.path.join(SOURCE_DIR, "scripts", "ship", "install.sh")
        subprocess.run(["sh", install_sh, "--quiet", "--version", VERSION, "--base-url", server.base_url,
                        "--prefix", os.path.join(SEED, "lean-mlops", VERSION, "x86_64")],
                       check=True, env=clean_env())


def stop_release():
    shutil.rmtree(DIST, ignore_errors=True)
    shutil.rmtree(SEED, ignore_errors=True)


class ActionTest(TempDirTest):
    seeded = False  # True: the runner's tool cache already has the release

    def setUp(self):
        super().setUp()
        self.server = ReleaseServer(DIST, VERSION).__enter__()
        self.addCleanup(self.server.__exit__)
        self.runner = SimulatedRunner(self.path("runner"), self.server.base_url)
        if self.seeded:
            shutil.rmtree(os.path.join(self.runner.root, "tool-cache"))
            shutil.copytree(SEED, os.path.join(self.runner.root, "tool-cache"), symlinks=True)
        for name, content in (("metrics.json", GOOD), ("worse.json", WORSE), ("production.json", PRODUCTION)):
            with open(os.path.join(self.runner.workspace, name), "w") as f:
                json.dump(content, f)

    def installed(self, version=VERSION):
        return os.path.join(self.runner.root, "tool-cache", "lean-mlops", version, "x86_64")

    def report(self, result):
        with open(result.outputs["report"]) as f:
            return json.load(f)
