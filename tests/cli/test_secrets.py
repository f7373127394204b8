"""Secrets (docs/hardening.md): known secrets are planted in every variable a tool reads a
credential from, and the tools run with --verbose, on success and on every error path, on
every backend. Not one byte a tool writes (stdout, stderr, reports, markdown, JUnit, dotenv,
GitHub outputs and summary, fetched folders) may contain a secret."""
import base64
import http.server
import json
import os
import re
import threading
import unittest

from lean_cli import CliTest

# Planted values: each is unique, so a leak names its variable.
SECRETS = {
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI-PLANTED-SECRET-KEY-0001",
    "AWS_SESSION_TOKEN": "PLANTED-SESSION-TOKEN-0002",
    "GITHUB_TOKEN": "ghp_PLANTEDGITHUBTOKEN0004",
    "GH_TOKEN": "ghp_PLANTEDGHTOKEN0005",
    "GITLAB_TOKEN": "glpat-PLANTEDGITLABTOKEN0006",
    "CI_JOB_TOKEN": "PLANTED-CI-JOB-TOKEN-0007",
}
PINNED = {"SOURCE_DATE_EPOCH": "1767225600", "USER": "tester"}


class PlantedSecrets(CliTest):
    """The planted environment and the checks every secrets test shares."""

    def setUp(self):
        super().setUp()
        self.secrets = dict(SECRETS)
        self.codes = []

    def env(self, **extra):
        return {**PINNED, **self.secrets, "GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": self.path("gh-output"),
                "GITHUB_STEP_SUMMARY": self.path("gh-summary"), **extra}

    def run_all_outputs(self, tool, *args, env=None):
        r = self.run_tool(tool, *args, "--report", "r.json", "--markdown", "s.md", "--junit", "j.xml",
                          "--dotenv", "d.env", env=env or self.env())
        self.codes.append(r.code)
        self.assertNotIn(r.code, (-11, -6, 134, 139), r)
        self.assert_no_secret_anywhere(r)
        return r

    def assert_no_secret_anywhere(self, result):
        blobs = [("stdout", result.stdout.encode()), ("stderr", result.stderr.encode())]
        for root, _, files in os.walk(self.dir):
            for name in files:
                path = os.path.join(root, name)
                with open(path, "rb") as f:
                    blobs.append((os.path.relpath(path, self.dir), f.read()))
        for where, blob in blobs:
            for key, secret in self.secrets.items():
                self.assertNotIn(secret.encode(), blob, f"{key} leaked into {where}: {result}")

    def publish_promote_fetch_then_refused(self, registry, env, secret, wrong_value):
        """A whole release round trip with --verbose and every output, then a `list` whose
        credential (the variable `secret`) the store refuses: exit 4, and the wrong value is
        not printed either."""
        self.write("model.bin", b"weights")
        reg = ["--registry", registry, "--verbose"]
        self.run_all_outputs("ml-release", "publish", *reg, "--model", "churn", "--version", "1.0", "model.bin", env=env)
        self.run_all_outputs("ml-release", "promote", *reg, "--model", "churn", "--version", "1.0", "--channel", "prod",
                             env=env)
        self.run_all_outputs("ml-release", "fetch", *reg, "--model", "churn", "--channel", "prod", "--dest", "out",
                             env=env)
        self.secrets[secret] = wrong_value
        env[secret] = wrong_value
        self.run_all_outputs("ml-release", "list", *reg, "--model", "churn", env=env)
        self.assertEqual(self.codes, [0, 0, 0, 4])


class SecretsTest(PlantedSecrets):
    def test_gates_on_every_outcome(self):
        self.write("a.json", {"accuracy": 0.9, "loss": 0.1})
        self.write("b.json", {"accuracy": 0.8, "loss": 0.2})
        self.write("bad.json", "{not json")
        self.run_all_outputs("ml-validate", "a.json", "-r", "accuracy>0.5")
        self.run_all_outputs("ml-validate", "a.json", "-r", "accuracy>0.95")
        self.run_all_outputs("ml-validate", "bad.json", "-r", "accuracy>0.5")
        self.run_all_outputs("ml-validate", "a.json", "--bogus")
        self.run_all_outputs("ml-compare", "--candidate", "a.json", "--baseline", "b.json", "--metric", "accuracy")
        self.run_all_outputs("ml-compare", "--candidate", "b.json", "--baseline", "a.json", "--metric", "f1")
        self.assertEqual(self.codes, [0, 1, 3, 2, 0, 3])

    def test_drift_with_an_unreachable_pushgateway(self):
        self.write("ref.csv", "x,c\n1,a\n2,b\n3,a\n")
        self.write("cur.csv", "x,c\n1,a\n2,b\n9,b\n")
        self.run_all_outputs("ml-drift", "--reference", "ref.csv", "--current", "cur.csv")
        self.run_all_outputs("ml-drift", "--reference", "ref.csv", "--current", "cur.csv",
                             "--pushgateway", "http://user:" + SECRETS["GITLAB_TOKEN"] + "@127.0.0.1:9/")
        self.assertEqual(self.codes[1], 4)

    def test_validate_with_an_unreachable_prometheus(self):
        # Credentials in the URL and in both kinds of variables (a usage error), then a token.
        url = "http://user:" + SECRETS["GITLAB_TOKEN"] + "@127.0.0.1:9"
        args = ("--query", "a=up", "--require", "a < 1")
        self.secrets.update(PROMETHEUS_TOKEN="PLANTED-PROMETHEUS-TOKEN-0008",
                            PROMETHEUS_PASSWORD="PLANTED-PROMETHEUS-PASSWORD-0009")
        self.run_all_outputs("ml-validate", "--prometheus", url, *args,
                             env=self.env(PROMETHEUS_USER="gate"))
        del self.secrets["PROMETHEUS_PASSWORD"]
        self.run_all_outputs("ml-validate", "--prometheus", url, *args, env=self.env())  # refused: user-info
        self.run_all_outputs("ml-validate", "--prometheus", "http://127.0.0.1:9", *args, env=self.env())
        self.assertEqual(self.codes, [2, 2, 4])

    def test_release_on_a_local_registry_verbose(self):
        self.write("model.bin", b"weights")
        self.write("m.json", {"accuracy": 0.9})
        reg = ["--registry", "reg", "--verbose"]
        self.run_all_outputs("ml-release", "publish", *reg, "--model", "churn", "--version", "1.0", "model.bin",
                             "--metrics", "m.json", "--meta", "token=ok")
        self.run_all_outputs("ml-release", "promote", *reg, "--model", "churn", "--version", "1.0", "--channel", "prod")
        self.run_all_outputs("ml-release", "fetch", *reg, "--model", "churn", "--channel", "prod", "--dest", "out")
        self.run_all_outputs("ml-release", "list", *reg, "--model", "churn")
        self.run_all_outputs("ml-release", "show", *reg, "--model", "churn", "--version", "1.0")
        self.run_all_outputs("ml-release", "verify", *reg, "--model", "churn", "--version", "1.0")
        self.run_all_outputs("ml-release", "fetch", *reg, "--model", "churn", "--version", "9", "--dest", "none")
        self.assertEqual(self.codes, [0, 0, 0, 0, 0, 0, 3])

    def test_release_on_s3_verbose_with_good_and_refused_credentials(self):
        from s3_fixture import ACCESS_KEY, S3Fixture
        s3 = S3Fixture()
        self.addCleanup(s3.stop)
        # The verifying proxy checks signatures made with the planted secret key (s3rver
        # itself only knows its access key id).
        s3.proxy.credentials = {ACCESS_KEY: SECRETS["AWS_SECRET_ACCESS_KEY"]}
        env = self.env(**{k: v for k, v in s3.env().items() if k not in SECRETS})
        env["AWS_SESSION_TOKEN"] = ""
        del self.secrets["AWS_SESSION_TOKEN"]
        self.publish_promote_fetch_then_refused("s3://models/secrets", env, "AWS_SECRET_ACCESS_KEY",
                                                "WRONG-PLANTED-SECRET-0009")

    def test_release_on_github_verbose_with_good_and_refused_tokens(self):
        import tempfile
        import shutil
        from fake_github import FakeGitHub
        spec_dir = tempfile.mkdtemp(prefix="lean-prism-")
        self.addCleanup(shutil.rmtree, spec_dir, True)
        fake = FakeGitHub(spec_dir=spec_dir, token=SECRETS["GITHUB_TOKEN"])
        self.addCleanup(fake.stop)
        env = self.env(GITHUB_API_URL=fake.api_url)
        self.publish_promote_fetch_then_refused("github://acme/models", env, "GITHUB_TOKEN",
                                                "ghp_WRONGPLANTEDTOKEN0010")

    def test_release_on_gitlab_verbose_with_good_and_refused_tokens(self):
        from fake_gitlab import TOKEN, FakeGitLab
        fake = FakeGitLab()
        self.addCleanup(fake.stop)
        self.secrets["GITLAB_TOKEN"] = TOKEN  # the token the fake accepts, planted like the others
        del self.secrets["CI_JOB_TOKEN"]
        env = self.env(CI_API_V4_URL=fake.api_url, CI_JOB_TOKEN="")
        self.publish_promote_fetch_then_refused("gitlab://acme/ml/models", env, "GITLAB_TOKEN",
                                                "glpat-WRONGPLANTEDTOKEN0011")


class EchoingServer:
    """A store that refuses every request and echoes its headers in the error body, the way
    a misconfigured proxy or a verbose API does; a control sequence and a forged workflow
    command ride along. `flavour` picks the body a backend parses: S3's XML or the forges'
    JSON. Every SigV4 signature it was sent is kept in `signatures`."""

    def __init__(self, flavour):
        server = self
        self.signatures = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                echoed = "; ".join(f"{k}: {v}" for k, v in self.headers.items())
                found = re.search(r"Signature=([0-9a-f]+)", self.headers.get("Authorization", ""))
                if found:
                    server.signatures.append(found.group(1))
                hostile = "\n::warning title=x::injected\n\x1b[2K\r"
                if flavour == "s3":
                    provided = found.group(1) if found else ""
                    body = (f"<?xml version=\"1.0\"?><Error><Code>SignatureDoesNotMatch</Code><Message>you sent "
                            f"{provided} in {echoed}{hostile}</Message><SignatureProvided>{provided}"
                            f"</SignatureProvided></Error>").encode()
                    kind = "application/xml"
                else:
                    body = json.dumps({"message": f"Bad credentials: {echoed}{hostile}"}).encode()
                    kind = "application/json"
                self.send_response(403)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = answer

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class EchoedSecretsTest(PlantedSecrets):
    """Servers that echo the request headers (credentials included) in their error bodies:
    the echo is quoted in the error, redacted, and its control characters escaped."""

    def echo(self, flavour):
        server = EchoingServer(flavour)
        self.addCleanup(server.stop)
        return server

    def assert_one_escaped_error_line(self, result, prefix):
        self.assertEqual(result.stderr.count("\n"), 1, result)
        self.assertTrue(result.stderr.startswith(prefix), result)
        self.assertIn("\\n::warning title=x::injected\\n\\e[2K", result.stderr)
        self.assertIn("***", result.stderr)
        for line in result.stdout.splitlines():
            self.assertFalse(line.startswith("::warning"), result)

    def test_an_s3_store_that_echoes_headers_and_the_signature(self):
        server = self.echo("s3")
        env = self.env(AWS_ENDPOINT_URL=server.url, AWS_REGION="us-east-1", AWS_ACCESS_KEY_ID="AKIDPLANTED",
                       AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null", NO_PROXY="127.0.0.1")
        r = self.run_all_outputs("ml-release", "list", "--registry", "s3://models/echo", "--model", "churn",
                                 "--verbose", env=env)
        self.assertEqual(r.code, 4, r)
        self.assertTrue(server.signatures, "the store saw no signed request")
        for i, signature in enumerate(server.signatures):
            self.secrets[f"signature {i}"] = signature
        self.assert_no_secret_anywhere(r)
        self.assert_one_escaped_error_line(r, "ml-release: error: 's3://models/echo")

    def test_a_github_api_that_echoes_the_token(self):
        server = self.echo("json")
        r = self.run_all_outputs("ml-release", "list", "--registry", "github://acme/models", "--model", "churn",
                                 "--verbose", env=self.env(GITHUB_API_URL=server.url))
        self.assertEqual(r.code, 4, r)
        self.assert_one_escaped_error_line(r, "ml-release: error: ")

    def test_a_gitlab_api_that_echoes_the_job_token(self):
        server = self.echo("json")
        r = self.run_all_outputs("ml-release", "list", "--registry", "gitlab://acme/ml/models", "--model", "churn",
                                 "--verbose", env=self.env(CI_API_V4_URL=server.url + "/api/v4"))
        self.assertEqual(r.code, 4, r)
        self.assert_one_escaped_error_line(r, "ml-release: error: ")

    def test_a_pushgateway_that_echoes_the_basic_header(self):
        # libcurl turns the URL's user-info into "Authorization: Basic BASE64": that is a secret too.
        server = self.echo("json")
        self.secrets.update(password="PLANTED-PUSH-PASSWORD", basic=base64.b64encode(b"bob:PLANTED-PUSH-PASSWORD").decode())
        self.write("ref.csv", "x,c\n1,a\n2,b\n3,a\n")
        self.write("cur.csv", "x,c\n1,a\n2,b\n9,b\n")
        r = self.run_all_outputs("ml-drift", "--reference", "ref.csv", "--current", "cur.csv", "--pushgateway",
                                 server.url.replace("http://", "http://bob:PLANTED-PUSH-PASSWORD@"))
        self.assertEqual(r.code, 4, r)

    def test_a_mistyped_scheme_does_not_repeat_the_password(self):
        self.secrets["URL password"] = "PLANTED-TYPO-PASSWORD"
        for url in ("http:/bob:PLANTED-TYPO-PASSWORD@127.0.0.1:9", "http//bob:PLANTED-TYPO-PASSWORD@127.0.0.1:9"):
            with self.subTest(url=url):
                r = self.run_all_outputs("ml-validate", "--prometheus", url, "--query", "a=up", "--require", "a < 1")
                self.assertEqual(r.code, 2, r)
                self.assertIn("/***@127.0.0.1:9", r.stderr)

    def test_a_credential_with_a_line_break_is_refused_before_any_request(self):
        # Sent as a header it would inject the rest as headers of their own and escape redaction.
        for name, value in (("PROMETHEUS_TOKEN", "PLANTED-NL-TOKEN\n"),
                            ("PROMETHEUS_TOKEN", "PLANTED-NL-TOKEN\r\nX-Injected: 1")):
            with self.subTest(value=value):
                r = self.run_tool("ml-validate", "--prometheus", "http://127.0.0.1:9", "--query", "a=up",
                                  "--require", "a < 1", env=self.env(**{name: value}))
                self.assertFails(r, 2, f"ml-validate: error: '${name}': holds a control character "
                                       "(a trailing line break?); set it without one")
        self.write("model.bin", b"weights")
        r = self.run_tool("ml-release", "list", "--registry", "s3://models/x", "--model", "churn",
                          env=self.env(AWS_SESSION_TOKEN="PLANTED-SESSION\n", AWS_ENDPOINT_URL="http://127.0.0.1:9"))
        self.assertFails(r, 2, "ml-release: error: '$AWS_SESSION_TOKEN': holds a control character "
                               "(a trailing line break?); set it without one")

    def test_a_password_in_a_registry_url_is_not_printed(self):
        self.secrets["URL password"] = "PLANTED-URL-PASSWORD"
        r = self.run_all_outputs("ml-release", "list", "--registry", "github://x:PLANTED-URL-PASSWORD@acme/models",
                                 "--model", "churn")
        self.assertEqual(r.code, 2, r)
        self.assertIn("github://***@acme/models", r.stderr)

    def test_a_password_in_an_s3_url_is_not_printed(self):
        self.secrets["URL password"] = "PLANTED-S3-PASSWORD"
        self.write("c.json", '{"accuracy": 0.9}')
        r = self.run_all_outputs("ml-compare", "--candidate", "c.json", "--baseline-registry",
                                 "s3://AKIAXX:PLANTED-S3-PASSWORD@bucket/p", "--model", "churn", "--channel", "prod",
                                 "--metric", "accuracy")
        self.assertFails(r, 2, "ml-compare: error: 's3://***@bucket/p': an s3:// URL holds no credentials (user-info "
                               "before '@'); give them in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) "
                               "or a profile")


if __name__ == "__main__":
    unittest.main()
