"""Shared by test_gitlab_pipeline.py and test_gitlab_schedule.py. The GitLab example pipeline
(docs/examples/gitlab/.gitlab-ci.yml), exactly as a user copies it, runs end to end by gitlab-ci-local with the shell executor and job isolation: the remote include
resolves to this checkout's template, the template installs a release that scripts/package.sh
built from the fresh binaries and that is served on loopback (checksum-verified, then cached
between jobs). The project around it is tests/ci/data/project (a stand-in train.py)."""
import os
import re
import shutil
import tempfile

from ci_support import BIN_DIR, SOURCE_DIR, GitLabProject, ReleaseServer, TempDirTest, package, project_version

VERSION = project_version()
DIST = SERVER = None
EXAMPLE = os.path.join(SOURCE_DIR, "docs", "examples", "gitlab", ".gitlab-ci.yml")
HAS_RELEASE = os.path.exists(os.path.join(BIN_DIR, "ml-release"))
HAS_DRIFT = os.path.exists(os.path.join(BIN_DIR, "ml-drift"))


def start_release():
    global DIST, SERVER
    DIST = tempfile.mkdtemp(prefix="lean-dist-")
    package(DIST)
    SERVER = ReleaseServer(DIST, VERSION).__enter__()


def stop_release():
    SERVER.__exit__()
    shutil.rmtree(DIST, ignore_errors=True)


def include_url():
    with open(EXAMPLE) as f:
        return re.search(r"remote: (https://\S+)", f.read()).group(1)


class ExamplePipelineTest(TempDirTest):
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
        return self.gitlab.run(*jobs, variables=[f"LEAN_MLOPS_BASE_URL={release_server().base_url}",
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


def release_server():
    return SERVER
