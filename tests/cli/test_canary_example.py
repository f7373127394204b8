"""The canary examples of docs/canary.md, run end to end against a real Prometheus (the
samples of prometheus_fixture.py: the canary is healthy for 3 hours, then fails 9 % of its
requests) and a local registry, with the real binaries behind scripts/ship/ci-run.sh, the script
the GitHub actions and the GitLab templates run.

Each job of the example is run as its CI would run it: the GitLab jobs' variables (with $VAR
expanded from the pipeline's variables and the dotenv reports of the jobs it needs), the
GitHub steps' `with:` inputs as the action passes them (LEAN_<TOOL>_<INPUT>, the table of
scripts/generate.py) and their outputs read back from $GITHUB_OUTPUT. A healthy canary is
promoted to production; an unhealthy one is rolled back, and a retried rollback does nothing."""
import json
import os
import re
import subprocess
import sys
import unittest

import yaml

import prometheus_fixture as pf
from lean_cli import BIN_DIR, SOURCE_DIR, CliTest
from release_cli import PINNED

sys.path.insert(0, os.path.join(SOURCE_DIR, "scripts"))
from generate import TOOLS  # noqa: E402  the action inputs -> LEAN_<TOOL>_<VAR> table

EXAMPLES = os.path.join(SOURCE_DIR, "docs", "examples")
CI_RUN = os.path.join(SOURCE_DIR, "scripts", "ship", "ci-run.sh")
TOKEN = "PLANTED-CANARY-PROMETHEUS-TOKEN-0201"
WINDOW = "2h"


def read_dotenv(path):
    out = {}
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                if "=" in line:
                    key, value = line.rstrip("\n").split("=", 1)
                    out[key] = value
    return out


@unittest.skipUnless(os.path.exists(pf.PROMETHEUS), "needs Debian's prometheus package (scripts/packages/prometheus.txt)")
class CanaryExample(CliTest):
    @classmethod
    def setUpClass(cls):
        cls.server = pf.PrometheusServer()
        cls.url = cls.server.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def setUp(self):
        super().setUp()
        for version in ("1.0", "1.1", "1.2"):
            self.write("model.bin", f"weights {version}")
            self.release("publish", "--model", "churn", "--version", version, "model.bin")
        self.release("promote", "--model", "churn", "--version", "1.0", "--channel", "production")
        self.outputs = []

    def release(self, *args, code=0):
        r = self.run_tool("ml-release", args[0], "--registry", self.path("reg"), *args[1:], env=PINNED)
        self.assertEqual(r.code, code, r)
        return r

    def pointer(self, channel):
        with open(self.path(f"reg/churn/channels/{channel}.json")) as f:
            return json.load(f)["version"]

    def ci_run(self, tool, variables, github=False):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LEAN_", "GITHUB_", "ML_", "CI_"))}
        env.update(PINNED)
        env.update({"LEAN_MLOPS_BIN_DIR": BIN_DIR, "PROMETHEUS_TOKEN": TOKEN, **variables})
        if github:
            for name in ("output", "summary"):
                open(self.path(f"gh-{name}"), "w").close()
            env.update({"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": self.path("gh-output"),
                        "GITHUB_STEP_SUMMARY": self.path("gh-summary"), "RUNNER_TEMP": self.path("runner-temp")})
        proc = subprocess.run(["sh", CI_RUN, tool], cwd=self.dir, env=env, capture_output=True, text=True, timeout=300)
        written = proc.stdout + proc.stderr
        for root, _, files in os.walk(self.dir):
            for name in files:
                if name.endswith((".json", ".md", ".env", ".xml")) or name.startswith("gh-"):
                    with open(os.path.join(root, name), errors="replace") as f:
                        written += f.read()
        self.assertNotIn(TOKEN, written)
        self.outputs.append((tool, proc.returncode, proc.stdout + proc.stderr))
        return proc

    # --- GitLab -------------------------------------------------------------------------------
    def gitlab_job(self, pipeline, name, needs_env):
        job = pipeline[name]
        tool = {".ml-validate": "validate", ".ml-compare": "compare", ".ml-release": "release"}[job["extends"]]
        variables = dict(self.gitlab_globals)
        variables.update(needs_env)
        expanded = {"LEAN_REPORTS_DIR": "lean-mlops-reports"}
        for key, value in job["variables"].items():
            expanded[key] = re.sub(r"\$([A-Z_][A-Z0-9_]*)", lambda m: variables.get(m.group(1), ""), str(value))
        proc = self.ci_run(tool, expanded)
        return proc.returncode, read_dotenv(self.path(f"lean-mlops-reports/{tool}.env"))

    def run_gitlab(self, at, canary_version):
        with open(os.path.join(EXAMPLES, "gitlab", "canary.gitlab-ci.yml")) as f:
            pipeline = yaml.safe_load(f)
        project = {"ML_REGISTRY": self.path("reg"), "PROMETHEUS_URL": self.url, "CANARY_WINDOW": WINDOW,
                   "CANARY_AT": str(at)}
        self.gitlab_globals = {k: (v["value"] if isinstance(v, dict) else str(v)) for k, v in pipeline["variables"].items()}
        self.gitlab_globals.update(project)
        # A pipeline run with CANARY_VERSION: the canary job only.
        self.gitlab_globals["CANARY_VERSION"] = canary_version
        code, _ = self.gitlab_job(pipeline, "canary", {})
        self.assertEqual(code, 0, self.outputs)
        # The schedule: the gate jobs, then promote (on_success) or rollback-canary (on_failure).
        self.gitlab_globals["CANARY_VERSION"] = ""
        results = {}
        for name in ("canary-version", "canary-gate", "stable-metrics", "canary-compare"):
            results[name] = self.gitlab_job(pipeline, name, {})
        decide = pipeline["promote"]["needs"]
        self.assertEqual(decide, pipeline["rollback-canary"]["needs"])
        self.assertEqual(pipeline["promote"]["rules"][0]["when"], "on_success")
        self.assertEqual(pipeline["rollback-canary"]["rules"][0]["when"], "on_failure")
        dotenv = {}
        for name in decide:
            dotenv.update(results[name][1])
        healthy = all(results[name][0] == 0 for name in decide)
        job = "promote" if healthy else "rollback-canary"
        code, _ = self.gitlab_job(pipeline, job, dotenv)
        self.assertEqual(code, 0, self.outputs)
        return healthy, results, lambda: self.gitlab_job(pipeline, job, dotenv)

    def test_gitlab_healthy_canary_is_promoted(self):
        healthy, results, _ = self.run_gitlab(pf.HEALTHY_AT, "1.1")
        self.assertTrue(healthy, self.outputs)
        self.assertEqual((self.pointer("production"), self.pointer("canary")), ("1.1", "1.1"))
        self.assertEqual(results["canary-version"][1]["ML_RELEASE_VERSION"], "1.1")

    def test_gitlab_unhealthy_canary_is_rolled_back_once(self):
        self.release("promote", "--model", "churn", "--version", "1.1", "--channel", "canary")
        healthy, results, retry = self.run_gitlab(pf.UNHEALTHY_AT, "1.2")
        self.assertFalse(healthy)
        self.assertEqual(results["canary-gate"][0], 1, self.outputs)
        self.assertIn("FAIL  max(error_rate) is 0.09, required < 0.05", self.outputs[2][2])
        self.assertEqual((self.pointer("production"), self.pointer("canary")), ("1.0", "1.1"))
        code, _ = retry()  # a retried rollback job: nothing to do
        self.assertEqual(code, 0, self.outputs)
        self.assertIn("canary of churn points to 1.1, not 1.2: nothing to roll back", self.outputs[-1][2])
        self.assertEqual(self.pointer("canary"), "1.1")

    # --- GitHub Actions -----------------------------------------------------------------------
    def github_step(self, step, context):
        tool = re.fullmatch(r"lean-mlops/lean-mlops/(\w+)@v1", step["uses"]).group(1)
        variables = {name: var for name, var, _, _ in TOOLS[tool][1]}

        def expand(text):
            def value(m):
                kind, _, rest = m.group(1).partition(".")
                if kind == "needs":
                    job, _, output = rest.partition(".outputs.")
                    return context["needs"][job].get(output, "")
                return context[kind].get(rest, "")
            return re.sub(r"\$\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}", value, str(text))

        env = {"LEAN_" + tool.upper() + "_" + variables[k]: expand(v) for k, v in step.get("with", {}).items()}
        proc = self.ci_run(tool, env, github=True)
        outputs = {}
        with open(self.path("gh-output")) as f:
            text = f.read()
        for key, value in re.findall(r"^([a-z-]+)<<(\S+)\n(.*?)\n\2$", text, re.M | re.S):
            outputs[key] = value
        for key, value in re.findall(r"^([a-z-]+)=(.*)$", text, re.M):
            outputs[key] = value
        return proc.returncode, outputs

    def github_job(self, workflow, name, context):
        job = workflow["jobs"][name]
        steps = {}
        for step in job["steps"]:
            code, outputs = self.github_step(step, context)
            if "id" in step:
                steps[step["id"]] = outputs
            if code != 0:
                return code, {}
        job_outputs = {}
        for key, expr in job.get("outputs", {}).items():
            m = re.fullmatch(r"\$\{\{\s*steps\.(\w+)\.outputs\.([a-z-]+)\s*\}\}", expr)
            job_outputs[key] = steps[m.group(1)][m.group(2)]
        return 0, job_outputs

    def run_github(self, at, canary_version):
        with open(os.path.join(EXAMPLES, "github", "canary.yml")) as f:
            workflow = yaml.safe_load(f)
        env = dict(workflow["env"])
        env.update({"ML_REGISTRY": self.path("reg"), "PROMETHEUS_URL": self.url, "WINDOW": WINDOW, "AT": str(at)})
        context = {"env": env, "inputs": {"version": canary_version}, "secrets": {"PROMETHEUS_TOKEN": TOKEN},
                   "needs": {}}
        code, _ = self.github_job(workflow, "canary", context)  # workflow_dispatch
        self.assertEqual(code, 0, self.outputs)
        code, gate = self.github_job(workflow, "gate", context)  # the schedule
        self.assertEqual(workflow["jobs"]["rollback"]["if"], "failure() && needs.gate.outputs.version != ''")
        self.assertNotIn("if", workflow["jobs"]["promote"])  # runs when gate succeeded
        if code != 0:
            # A failed job's outputs are those of the steps that ran: the version step ran first.
            gate = {"version": self.github_step(workflow["jobs"]["gate"]["steps"][0], context)[1]["version"]}
        context["needs"]["gate"] = gate
        job = "promote" if code == 0 else "rollback"
        self.assertEqual(self.github_job(workflow, job, context)[0], 0, self.outputs)
        return code == 0, gate

    def test_github_healthy_canary_is_promoted(self):
        healthy, gate = self.run_github(pf.HEALTHY_AT, "1.1")
        self.assertTrue(healthy, self.outputs)
        self.assertEqual(gate["version"], "1.1")
        self.assertEqual((self.pointer("production"), self.pointer("canary")), ("1.1", "1.1"))

    def test_github_unhealthy_canary_is_rolled_back(self):
        self.release("promote", "--model", "churn", "--version", "1.1", "--channel", "canary")
        healthy, gate = self.run_github(pf.UNHEALTHY_AT, "1.2")
        self.assertFalse(healthy)
        self.assertEqual(gate["version"], "1.2")
        self.assertEqual((self.pointer("production"), self.pointer("canary")), ("1.0", "1.1"))


class CanaryDoc(unittest.TestCase):
    def test_the_doc_shows_the_example_files_byte_for_byte(self):
        with open(os.path.join(SOURCE_DIR, "docs", "canary.md")) as f:
            blocks = re.findall(r"```yaml\n(.*?)```", f.read(), re.S)
        for path, block in zip(("github/canary.yml", "gitlab/canary.gitlab-ci.yml"), blocks):
            with open(os.path.join(EXAMPLES, path)) as f:
                self.assertEqual(block, f.read(), path)
        self.assertEqual(len(blocks), 2)


if __name__ == "__main__":
    unittest.main()
