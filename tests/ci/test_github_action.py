"""The GitHub actions' install (action.yml and the per-tool actions share it), run by a simulated
runner (run_action.mjs) against a release built by scripts/package.sh from the fresh binaries and
served on loopback: checksums, pins, caches, latest, source fallback."""
import hashlib
import os
import shutil
import unittest

import action_support
from action_support import ASSET, SOURCE_DIR, VERSION, ActionTest
from action_support import start_release as setUpModule, stop_release as tearDownModule  # noqa: F401


class InstallTest(ActionTest):
    def test_checksum_match_installs_runs_and_sets_outputs(self):
        r = self.runner.run(SOURCE_DIR, tool="validate", args="metrics.json --require 'accuracy >= 0.85'")
        self.assertEqual(r.code, 0, r)
        self.assertIn(f"checksum verified: {ASSET}", r.stderr)
        self.assertEqual(r.outputs["status"], "pass", r)
        self.assertEqual(r.outputs["exit-code"], "0", r)
        self.assertEqual(self.report(r)["status"], "pass")
        self.assertTrue(os.path.isfile(os.path.join(self.installed(), "bin", "ml-validate")))
        self.assertIn("ml-validate: pass", open(self.runner.summary).read())
        self.assertEqual(self.server.downloads(), [f"/releases/download/v{VERSION}/{ASSET}"])
        with open(os.path.join(self.installed(), "share", "lean-mlops", "receipt")) as f:
            receipt = f.read()
        with open(os.path.join(action_support.DIST, ASSET), "rb") as f:
            self.assertIn(f"from=prebuilt sha256:{hashlib.sha256(f.read()).hexdigest()}", receipt)

    def test_tool_cache_hit_downloads_nothing(self):
        self.assertEqual(self.runner.run(SOURCE_DIR, tool="validate", args="metrics.json -r 'accuracy>=0.8'").code, 0)
        before = len(self.server.requests)
        r = self.runner.run(SOURCE_DIR, tool="compare",
                            args="--candidate metrics.json --baseline production.json --metric accuracy")
        self.assertEqual(r.code, 0, r)
        self.assertIn("already in the tool cache", r.stdout)
        self.assertEqual(self.server.requests[before:], [])

    def test_actions_cache_restores_on_a_fresh_runner(self):
        self.assertEqual(self.runner.run(SOURCE_DIR, tool="validate", args="metrics.json -r 'accuracy>=0.8'").code, 0)
        self.assertTrue(os.path.isdir(os.path.join(self.runner.root, "actions-cache", f"lean-mlops-{VERSION}-linux-x86_64")))
        shutil.rmtree(os.path.join(self.runner.root, "tool-cache"))  # a new VM: only actions/cache survives
        before = len(self.server.requests)
        r = self.runner.run(SOURCE_DIR, tool="validate", args="metrics.json -r 'accuracy>=0.8'")
        self.assertEqual(r.code, 0, r)
        self.assertIn("Cache restored", r.stdout)
        self.assertEqual(self.server.requests[before:], [])

    def test_checksum_mismatch_refuses_to_install(self):
        with open(os.path.join(action_support.DIST, ASSET), "rb") as f:
            tampered = bytearray(f.read())
        tampered[len(tampered) // 2] ^= 0xFF
        self.server.replace[ASSET] = bytes(tampered)
        r = self.runner.run(SOURCE_DIR, tool="validate", args="metrics.json -r 'accuracy>=0.8'")
        self.assertEqual(r.code, 5, r)
        self.assertIn(f"checksum mismatch for {ASSET}", r.stderr)
        self.assertIn("refusing to install", r.stderr)
        self.assertNotIn("building from source", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.installed(), "bin", "ml-validate")))
        self.assertEqual(r.outputs["status"], "", "the tool must not have run")
        self.assertEqual(os.listdir(os.path.join(self.runner.root, "actions-cache")), [])

    def test_pinned_sha256_must_match(self):
        r = self.runner.run(SOURCE_DIR, tool="validate", args="metrics.json -r 'accuracy>=0.8'", sha256="0" * 64)
        self.assertEqual(r.code, 5, r)
        self.assertIn("--sha256 pins", r.stderr)
        self.assertEqual(self.server.downloads(), [])

    def test_latest_resolves_through_the_latest_release(self):
        r = self.runner.run(SOURCE_DIR, tool="validate", args="metrics.json -r 'accuracy>=0.8'", version="latest")
        self.assertEqual(r.code, 0, r)
        self.assertIn("/releases/latest/download/SHA256SUMS", self.server.requests)
        self.assertTrue(os.path.isdir(self.installed()))


class SourceFallbackTest(ActionTest):
    """An unreleased version (the server answers 404) builds the action's own source. A stand-in
    source tree keeps this fast: the real build is covered by test_package's cmake --install."""

    def fake_action(self, version):
        action = self.path("action")
        os.makedirs(os.path.join(action, "scripts", "ship"))
        shutil.copy(os.path.join(SOURCE_DIR, "action.yml"), action)
        for script in ("install.sh", "action-install.sh", "ci-run.sh"):
            shutil.copy(os.path.join(SOURCE_DIR, "scripts", "ship", script), os.path.join(action, "scripts", "ship"))
        self.write("action/CMakeLists.txt", f"""cmake_minimum_required(VERSION 3.20)
project(lean-mlops VERSION {version} LANGUAGES CXX)
option(LEAN_MLOPS_TESTS "" ON)
add_executable(ml-validate stub.cpp)
install(TARGETS ml-validate RUNTIME DESTINATION bin)
""")
        self.write("action/stub.cpp", f"""#include <cstdio>
#include <cstring>
int main(int argc, char** argv) {{
  if (argc > 1 && !std::strcmp(argv[1], "--version")) {{ std::puts("ml-validate {version}"); return 0; }}
  std::puts("stub ml-validate built from source");
  return 0;
}}
""")
        return action

    def test_unreleased_version_builds_from_source(self):
        action = self.fake_action("9.9.9")
        r = self.runner.run(action, tool="validate", args="metrics.json")
        self.assertEqual(r.code, 0, r)
        self.assertIn("no release v9.9.9", r.stderr)
        self.assertIn("building from source", r.stderr)
        self.assertIn("stub ml-validate built from source", r.stdout)
        with open(os.path.join(self.installed("9.9.9"), "share", "lean-mlops", "receipt")) as f:
            self.assertIn("from=source", f.read())
        self.assertEqual(os.listdir(os.path.join(self.runner.root, "actions-cache")), [],
                         "a source build is not saved to actions/cache")

    def test_version_source_builds_without_downloading(self):
        action = self.fake_action(VERSION)
        r = self.runner.run(action, tool="validate", args="metrics.json", version="source")
        self.assertEqual(r.code, 0, r)
        self.assertIn("stub ml-validate built from source", r.stdout)
        self.assertEqual(self.server.requests, [])
        self.assertTrue(os.path.isdir(self.installed(f"{VERSION}-source")))

    def test_macos_and_windows_runners_get_a_clear_error(self):
        for runner_os in ("macOS", "Windows"):
            self.runner.env["RUNNER_OS"] = runner_os
            r = self.runner.run(SOURCE_DIR, tool="validate", args="metrics.json")
            self.assertEqual(r.code, 2, r)
            self.assertIn("lean-mlops runs on Linux runners", r.stdout)
            self.assertIn(f"this job runs on {runner_os}", r.stdout)

    def test_architecture_without_an_archive_builds_from_source(self):
        action = self.fake_action(VERSION)
        self.runner.env["RUNNER_ARCH"] = "ARM64"
        r = self.runner.run(action, tool="validate", args="metrics.json")
        self.assertEqual(r.code, 0, r)
        self.assertIn("no prebuilt archive for linux-aarch64", r.stderr)
        self.assertEqual(self.server.downloads(), [])


if __name__ == "__main__":
    unittest.main()

