"""Helpers for the end-to-end tests: run the real binaries in a scratch directory."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

BIN_DIR = os.environ.get("LEAN_BIN_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "build", "bin"))
SOURCE_DIR = os.environ.get("LEAN_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))

# Variables of the CI the tests run in must not leak into the tools under test.
_CI_VARIABLES = ("GITHUB_ACTIONS", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITLAB_CI", "CI_JOB_TOKEN",
                 "ML_REGISTRY", "AWS_ENDPOINT_URL", "AWS_PROFILE", "GITHUB_TOKEN", "GH_TOKEN", "GITLAB_TOKEN")


class Result:
    def __init__(self, code, stdout, stderr):
        self.code, self.stdout, self.stderr = code, stdout, stderr

    def __repr__(self):
        return f"exit {self.code}\nstdout: {self.stdout}\nstderr: {self.stderr}"


class CliTest(unittest.TestCase):
    """Each test gets a fresh working directory, removed afterwards."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="lean-cli-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.dir, name)

    def write(self, name, content):
        path = self.path(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        mode = "wb" if isinstance(content, bytes) else "w"
        with open(path, mode) as f:
            f.write(content if isinstance(content, (str, bytes)) else json.dumps(content))
        return path

    def read(self, name):
        with open(self.path(name)) as f:
            return f.read()

    def read_json(self, name):
        with open(self.path(name)) as f:
            return json.load(f)

    def run_tool(self, tool, *args, env=None, stdin=None):
        environment = {k: v for k, v in os.environ.items() if k not in _CI_VARIABLES}
        environment.update(env or {})
        proc = subprocess.run([os.path.join(BIN_DIR, tool), *args], cwd=self.dir, env=environment,
                              input=stdin, capture_output=True, text=True, timeout=300)
        # No internal exception text ever reaches a user (docs/conventions.md): every run checks it.
        self.assertNotIn("json.exception", proc.stderr, f"{tool} {args}")
        return Result(proc.returncode, proc.stdout, proc.stderr)

    def run_tool_as_nobody(self, tool, *args):
        """A run as nobody (uid 65534, no groups), for what root may write and nobody may not
        (CI runs as root). Skips when setpriv (util-linux) is missing or nobody cannot reach
        the binary."""
        setpriv = shutil.which("setpriv")
        if not setpriv:
            self.skipTest("setpriv (util-linux) is not installed")
        as_nobody = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
        binary = os.path.abspath(os.path.join(BIN_DIR, tool))
        if subprocess.run([*as_nobody, "test", "-x", binary]).returncode != 0:
            self.skipTest(f"nobody cannot run {binary}")
        os.chmod(self.dir, 0o755)
        environment = {k: v for k, v in os.environ.items() if k not in _CI_VARIABLES}
        environment.update({"SOURCE_DATE_EPOCH": "1767225600", "USER": "tester"})
        proc = subprocess.run([*as_nobody, binary, *args], cwd=self.dir, env=environment, capture_output=True,
                              text=True, timeout=300)
        return Result(proc.returncode, proc.stdout, proc.stderr)

    def assertFails(self, result, code, stderr):
        """Exit code and the exact stderr line."""
        self.assertEqual(result.code, code, result)
        self.assertEqual(result.stderr, stderr + "\n", result)
