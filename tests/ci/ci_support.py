"""Helpers for the CI-integration tests: a release served on loopback, a simulated runner."""
import http.server
import json
import os
import shutil
import subprocess
import tempfile
import threading
import unittest

SOURCE_DIR = os.path.abspath(os.environ.get("LEAN_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", "..")))
BIN_DIR = os.path.abspath(os.environ.get("LEAN_BIN_DIR", os.path.join(SOURCE_DIR, "build", "bin")))
BUILD_DIR = os.path.dirname(BIN_DIR)
NODE = shutil.which("node") or "/usr/bin/node"

# Variables of the CI the tests run in must not leak into the simulated runners.
_CI_VARIABLES = ("GITHUB_ACTIONS", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_PATH", "GITHUB_ENV",
                 "GITHUB_ACTION_PATH", "GITHUB_ACTION_REPOSITORY", "GITHUB_REPOSITORY", "RUNNER_OS",
                 "RUNNER_ARCH", "RUNNER_TEMP", "RUNNER_TOOL_CACHE", "GITLAB_CI", "CI_JOB_TOKEN", "ML_REGISTRY",
                 "LEAN_MLOPS_VERSION", "LEAN_MLOPS_BASE_URL", "LEAN_MLOPS_PREFIX", "LEAN_MLOPS_BIN_DIR",
                 "LEAN_MLOPS_SHA256", "AWS_ENDPOINT_URL", "AWS_PROFILE")


def project_version():
    with open(os.path.join(SOURCE_DIR, "CMakeLists.txt")) as f:
        for line in f:
            if line.startswith("project(lean-mlops VERSION "):
                return line.split()[2]
    raise RuntimeError("no version in CMakeLists.txt")


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in _CI_VARIABLES and not k.startswith("LEAN_")}
    env.update(extra)
    return env


def package(outdir):
    """scripts/package.sh OUTDIR on the freshly built binaries."""
    subprocess.run([os.path.join(SOURCE_DIR, "scripts", "package.sh"), outdir], check=True, capture_output=True,
                   env=clean_env(LEAN_MLOPS_BUILD_DIR=BUILD_DIR))
    return outdir


class ReleaseServer:
    """Serves DIR as GitHub serves release assets, on 127.0.0.1 at a free port:
    /releases/download/vVER/ASSET and /releases/latest/download/ASSET. Records every request;
    `replace` maps an asset name to other bytes (a tampered or corrupted download)."""

    def __init__(self, directory, version):
        self.directory, self.version = directory, version
        self.requests, self.replace = [], {}
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's naming)
                server.requests.append(self.path)
                parts = self.path.split("/")
                name = None
                if self.path.startswith(f"/releases/download/v{server.version}/") and len(parts) == 5:
                    name = parts[4]
                elif self.path.startswith("/releases/latest/download/") and len(parts) == 5:
                    name = parts[4]
                body = server.replace.get(name)
                if body is None and name and os.path.isfile(os.path.join(server.directory, name)):
                    with open(os.path.join(server.directory, name), "rb") as f:
                        body = f.read()
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/releases/download"

    def downloads(self):
        return [p for p in self.requests if p.endswith(".tar.gz")]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


class Result:
    def __init__(self, code, stdout, stderr, outputs=None):
        self.code, self.stdout, self.stderr, self.outputs = code, stdout, stderr, outputs or {}

    def __repr__(self):
        return f"exit {self.code}\noutputs: {self.outputs}\nstdout: {self.stdout}\nstderr: {self.stderr}"


class TempDirTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="lean-ci-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)

    def path(self, *names):
        return os.path.join(self.dir, *names)

    def write(self, name, content, mode=None):
        path = self.path(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb" if isinstance(content, bytes) else "w") as f:
            f.write(content if isinstance(content, (str, bytes)) else json.dumps(content))
        if mode:
            os.chmod(path, mode)
        return path

    def read(self, name):
        with open(self.path(name)) as f:
            return f.read()


class SimulatedRunner:
    """A GitHub-hosted runner's environment in a directory: tool cache, temp, the files behind
    GITHUB_OUTPUT/GITHUB_PATH/GITHUB_STEP_SUMMARY, and an actions/cache store."""

    def __init__(self, root, base_url, os_name="Linux", arch="X64"):
        self.root = root
        for d in ("tool-cache", "temp", "workspace", "actions-cache"):
            os.makedirs(os.path.join(root, d), exist_ok=True)
        self.summary = os.path.join(root, "step-summary.md")
        self.env = clean_env(
            RUNNER_OS=os_name, RUNNER_ARCH=arch,
            RUNNER_TOOL_CACHE=os.path.join(root, "tool-cache"), RUNNER_TEMP=os.path.join(root, "temp"),
            GITHUB_STEP_SUMMARY=self.summary, GITHUB_WORKSPACE=os.path.join(root, "workspace"),
            GITHUB_ACTION_REPOSITORY="lean-mlops/lean-mlops", LEAN_MLOPS_BASE_URL=base_url,
            SIM_CACHE_DIR=os.path.join(root, "actions-cache"))
        self.workspace = os.path.join(root, "workspace")

    def run(self, action_dir, **inputs):
        out = os.path.join(self.root, "temp", "outputs.json")
        if os.path.exists(out):
            os.remove(out)
        cmd = [NODE, os.path.join(SOURCE_DIR, "tests", "ci", "run_action.mjs"), action_dir, "--outputs", out]
        for name, value in inputs.items():
            cmd += ["--input", f"{name.replace('_', '-')}={value}"]
        proc = subprocess.run(cmd, cwd=self.workspace, env=self.env, capture_output=True, text=True, timeout=600)
        outputs = {}
        if os.path.exists(out):
            with open(out) as f:
                outputs = json.load(f)
        return Result(proc.returncode, proc.stdout, proc.stderr, outputs)


GITLAB_CI_LOCAL = os.path.join(SOURCE_DIR, "node_modules", ".bin", "gitlab-ci-local")


class GitLabProject:
    """A git repository with a .gitlab-ci.yml, run by gitlab-ci-local with the shell executor
    and one isolated directory per job (GitLab's cache and artifacts between jobs)."""

    def __init__(self, root, files_from=None):
        self.root = root
        if files_from:
            shutil.copytree(files_from, root)
        else:
            os.makedirs(root)
        with open(os.path.join(root, ".gitignore"), "w") as f:
            f.write(".gitlab-ci-local/\n.gitlab-ci-local-variables.yml\n")
        stubs = os.path.join(os.path.dirname(root), "stubs")
        os.makedirs(stubs, exist_ok=True)
        # The image's python and pip: Debian's python3, and a pip with nothing to install.
        for name, body in (("python", '#!/bin/sh\nexec /usr/bin/python3 "$@"\n'),
                           ("pip", '#!/bin/sh\necho "pip (stub): $*"\n')):
            with open(os.path.join(stubs, name), "w") as f:
                f.write(body)
            os.chmod(os.path.join(stubs, name), 0o755)
        self.env = clean_env(PATH=f"{stubs}:{os.environ['PATH']}")
        self.committed = False

    def add_remote_include(self, url, path):
        """gitlab-ci-local reads a remote include from its state directory when it is there."""
        cached = os.path.join(self.root, ".gitlab-ci-local", "includes", url.split("://", 1)[1])
        os.makedirs(os.path.dirname(cached), exist_ok=True)
        shutil.copy(path, cached)

    def commit(self):
        git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
        for cmd in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "init"],
                    ["remote", "add", "origin", "https://gitlab.example.com/team/churn.git"]):
            subprocess.run(git + cmd, cwd=self.root, check=True, capture_output=True)
        self.committed = True

    def run(self, *jobs, variables=(), pipeline_variables=()):
        """variables: KEY=VALUE as the project's CI/CD settings (every pipeline, child pipelines
        too); pipeline_variables: as variables of this one pipeline (a schedule's, a manual run's)."""
        if not self.committed:
            self.commit()
        with open(os.path.join(self.root, ".gitlab-ci-local-variables.yml"), "w") as f:
            # JSON is YAML; type "variable", or a value starting with / would be a file variable.
            json.dump({k: {"type": "variable", "values": {"*": v}} for k, v in (x.split("=", 1) for x in variables)}, f)
        cmd = [GITLAB_CI_LOCAL, "--force-shell-executor", "--shell-isolation", "--no-color"]
        for v in pipeline_variables:
            cmd += ["--variable", v]
        if jobs:
            cmd += [*jobs, "--needs"]
        proc = subprocess.run(cmd, cwd=self.root, env=self.env, capture_output=True, text=True, timeout=600)
        return PipelineResult(proc)

    def artifact(self, job, name):
        return os.path.join(self.root, ".gitlab-ci-local", "artifacts", job, "lean-mlops-reports", name)

    def report(self, job, name):
        with open(self.artifact(job, name)) as f:
            return json.load(f)


class PipelineResult:
    def __init__(self, proc):
        import re
        self.code, self.log = proc.returncode, proc.stdout + proc.stderr
        # " PASS  job" lines; a child pipeline's jobs read " PASS  [trigger] -> job".
        self.jobs = {job: status for status, job in
                     re.findall(r"^ (PASS|FAIL|WARN) +((?:\[\S+\] -> )?\S+)\s*$", self.log, re.M)}

    def job_log(self, job):
        return "\n".join(line for line in self.log.split("\n") if line.startswith(job + " "))

    def __repr__(self):
        return f"exit {self.code}, jobs {self.jobs}\n{self.log[-6000:]}"


class FakeGitHubApi:
    """Just enough of the GitHub REST API for pull-request comments, on 127.0.0.1 at a free port:
    list (paginated), create, edit. Checks the token; records every request."""

    def __init__(self, repository, token):
        self.repository, self.token = repository, token
        self.comments = {}  # pr -> [comment]
        self.requests = []
        self.next_id = 1000
        api = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def reply(self, status, payload):
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def handle_any(self, method):
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length)) if length else None
                api.requests.append((method, self.path, body))
                if self.headers.get("Authorization") != f"Bearer {api.token}":
                    return self.reply(401, {"message": "Bad credentials"})
                base = f"/repos/{api.repository}/issues/"
                path, _, query = self.path.partition("?")
                params = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
                if not path.startswith(base):
                    return self.reply(404, {"message": "Not Found"})
                rest = path[len(base):].split("/")
                if method == "GET" and len(rest) == 2 and rest[1] == "comments":
                    items = api.comments.get(int(rest[0]), [])
                    per_page, page = int(params.get("per_page", 30)), int(params.get("page", 1))
                    return self.reply(200, items[(page - 1) * per_page:page * per_page])
                if method == "POST" and len(rest) == 2 and rest[1] == "comments":
                    api.next_id += 1
                    cid = api.next_id
                    url = f"https://api.github.com/repos/{api.repository}/issues/comments/{cid}"
                    comment = {"url": url, "html_url": f"https://github.com/{api.repository}/pull/{rest[0]}#issuecomment-{cid}",
                               "issue_url": f"https://api.github.com/repos/{api.repository}/issues/{rest[0]}",
                               "id": cid, "user": {"login": "github-actions[bot]", "id": 41898282}, "body": body["body"],
                               "reactions": {"url": f"{url}/reactions", "total_count": 0}}
                    api.comments.setdefault(int(rest[0]), []).append(comment)
                    return self.reply(201, comment)
                if method == "PATCH" and len(rest) == 2 and rest[0] == "comments":
                    for items in api.comments.values():
                        for comment in items:
                            if comment["id"] == int(rest[1]):
                                comment["body"] = body["body"]
                                return self.reply(200, comment)
                return self.reply(404, {"message": "Not Found"})

            def do_GET(self):  # noqa: N802
                self.handle_any("GET")

            def do_POST(self):  # noqa: N802
                self.handle_any("POST")

            def do_PATCH(self):  # noqa: N802
                self.handle_any("PATCH")

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
