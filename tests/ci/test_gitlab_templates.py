"""The GitLab templates run by gitlab-ci-local: the `spec: inputs` templates (multi-line inputs,
custom job names and stages, the tools' reports), and the install step of the hidden jobs when
the download is tampered with (refused) and when there is no release (built from source)."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from ci_support import BIN_DIR, SOURCE_DIR, GitLabProject, ReleaseServer, TempDirTest, package, project_version

VERSION = project_version()
TEMPLATES = os.path.join(SOURCE_DIR, ".gitlab-ci-templates")
HAS_RELEASE = os.path.exists(os.path.join(BIN_DIR, "ml-release"))
GOOD = {"accuracy": 0.891, "eval": {"f1": 0.875}}
PRODUCTION = {"accuracy": 0.872, "eval": {"f1": 0.852}}


def setUpModule():
    global DIST, SERVER
    DIST = tempfile.mkdtemp(prefix="lean-dist-")
    package(DIST)
    SERVER = ReleaseServer(DIST, VERSION).__enter__()


def tearDownModule():
    SERVER.__exit__()
    shutil.rmtree(DIST, ignore_errors=True)


class TemplatesTest(TempDirTest):
    def project(self, gitlab_ci):
        gitlab = GitLabProject(self.path("project"))
        shutil.copytree(TEMPLATES, os.path.join(gitlab.root, ".gitlab-ci-templates"))
        self.write("project/metrics.json", GOOD)
        self.write("project/production.json", PRODUCTION)
        self.write("project/model.pkl", b"weights" * 100)
        self.write("project/.gitlab-ci.yml", gitlab_ci)
        return gitlab

    def test_spec_input_templates(self):
        release = """
  - local: .gitlab-ci-templates/release.gitlab-ci.yml
    inputs:
      job: publish-model
      stage: release
      command: publish
      registry: $ML_REGISTRY
      model: churn
      model-version: "7"
      metrics: metrics.json
      files: "*.pkl"
      meta: |
        owner=ml team
        ticket=42
""" if HAS_RELEASE else ""
        gitlab = self.project(f"""
stages: [test, compare, release]
include:
  - local: .gitlab-ci-templates/validate.gitlab-ci.yml
    inputs:
      metrics: metrics.json
      require: |
        accuracy >= 0.85
        # the F1 floor
        eval.f1 >= 0.8
  - local: .gitlab-ci-templates/compare.gitlab-ci.yml
    inputs:
      job: gate-compare
      stage: compare
      candidate: metrics.json
      baseline: production.json
      metric: accuracy
      min-delta: "0.05"
      fail-on-gate: "false"
{release}""")
        registry = self.path("registry")
        p = gitlab.run(variables=[f"LEAN_MLOPS_BASE_URL={SERVER.base_url}", f"ML_REGISTRY={registry}"])
        expected = {"ml-validate": "PASS", "gate-compare": "PASS"}
        if HAS_RELEASE:
            expected["publish-model"] = "PASS"
        self.assertEqual(p.code, 0, p)
        self.assertEqual(p.jobs, expected, p)
        report = gitlab.report("ml-validate", "validate.json")
        self.assertEqual([c["metric"] for c in report["checks"]], ["accuracy", "eval.f1"])
        compare = gitlab.report("gate-compare", "compare.json")
        self.assertEqual((compare["status"], compare["decision"]), ("fail", "keep"),
                         "fail-on-gate false: the gate failed and the job passed")
        with open(gitlab.artifact("gate-compare", "compare.env")) as f:
            self.assertIn("ML_COMPARE_DECISION=keep", f.read())
        if HAS_RELEASE:
            published = gitlab.report("publish-model", "release.json")
            self.assertEqual(published["status"], "pass", published)
            manifest = os.path.join(registry, "churn", "versions", "7", "manifest.json")
            with open(manifest) as f:
                self.assertIn("ml team", f.read())

    HIDDEN_JOB = """
include:
  - local: .gitlab-ci-templates/lean-mlops.gitlab-ci.yml
validate:
  extends: .ml-validate
  variables:
    LEAN_VALIDATE_METRICS: metrics.json
    LEAN_VALIDATE_REQUIRE: accuracy >= 0.85
"""

    def test_tampered_download_fails_the_job_and_installs_nothing(self):
        gitlab = self.project(self.HIDDEN_JOB)
        asset = f"lean-mlops-{VERSION}-linux-x86_64.tar.gz"
        with open(os.path.join(DIST, asset), "rb") as f:
            data = bytearray(f.read())
        data[1000] ^= 0x55
        SERVER.replace[asset] = bytes(data)
        try:
            p = gitlab.run(variables=[f"LEAN_MLOPS_BASE_URL={SERVER.base_url}"])
        finally:
            del SERVER.replace[asset]
        self.assertNotEqual(p.code, 0, p)
        self.assertEqual(p.jobs, {"validate": "FAIL"}, p)
        self.assertIn(f"checksum mismatch for {asset}", p.log)
        self.assertIn("FAIL 5", p.log)
        self.assertNotIn("building", p.log)
        build = os.path.join(gitlab.root, ".gitlab-ci-local", "builds", "validate", ".lean-mlops", VERSION)
        self.assertFalse(os.path.exists(os.path.join(build, "x86_64", "bin")))

    def test_tampered_install_script_is_not_run(self):
        gitlab = self.project(self.HIDDEN_JOB)
        SERVER.replace["install.sh"] = b"#!/bin/sh\necho PWNED\n"
        try:
            p = gitlab.run(variables=[f"LEAN_MLOPS_BASE_URL={SERVER.base_url}"])
        finally:
            del SERVER.replace["install.sh"]
        self.assertEqual(p.jobs, {"validate": "FAIL"}, p)
        self.assertIn("install.sh does not match the release's SHA256SUMS", p.log)
        self.assertNotIn("> PWNED", p.log)

    def test_no_release_builds_from_source(self):
        """An unreleased version: the template clones LEAN_MLOPS_SOURCE_URL at vVERSION and builds it.
        A stand-in source tree (a stub ml-validate) keeps it fast."""
        source = self.path("source")
        os.makedirs(os.path.join(source, "scripts", "ship"))
        for script in ("install.sh", "ci-run.sh"):
            shutil.copy(os.path.join(SOURCE_DIR, "scripts", "ship", script), os.path.join(source, "scripts", "ship"))
        self.write("source/CMakeLists.txt", """cmake_minimum_required(VERSION 3.20)
project(lean-mlops VERSION 9.9.9 LANGUAGES CXX)
option(LEAN_MLOPS_TESTS "" ON)
add_executable(ml-validate stub.cpp)
install(TARGETS ml-validate RUNTIME DESTINATION bin)
install(PROGRAMS scripts/ship/ci-run.sh DESTINATION libexec/lean-mlops)
""")
        self.write("source/stub.cpp", """#include <cstdio>
#include <cstring>
int main(int argc, char** argv) {
  if (argc > 1 && !std::strcmp(argv[1], "--version")) { std::puts("ml-validate 9.9.9"); return 0; }
  std::puts("stub ml-validate built from source");
  return 0;
}
""")
        git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
        for cmd in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "9.9.9"], ["tag", "v9.9.9"]):
            subprocess.run(git + cmd, cwd=source, check=True, capture_output=True)
        # Set as the project's own top-level variables: they must win over the template's defaults.
        gitlab = self.project(self.HIDDEN_JOB + f"""
variables:
  LEAN_MLOPS_VERSION: "9.9.9"
  LEAN_MLOPS_SOURCE_URL: {source}
""")
        p = gitlab.run(variables=[f"LEAN_MLOPS_BASE_URL={SERVER.base_url}"])
        self.assertEqual(p.code, 0, p)
        self.assertIn("no release v9.9.9", p.log)
        self.assertIn("stub ml-validate built from source", p.log)


if __name__ == "__main__":
    unittest.main()
