"""ml-validate --prometheus against a real Prometheus (Debian's package) on loopback, serving
known samples at known times (prometheus_fixture.py); the expected values are computed there
from the same samples."""
import base64
import os
import re
import statistics
import unittest

import prometheus_fixture as pf
from lean_cli import CliTest

AT = str(pf.END)
CANARY = 'http_error_ratio{track="canary"}'
STABLE = 'http_error_ratio{track="stable"}'
LATENCY = 'latency_p95_ms{track="canary"}'
TOKEN = "PLANTED-PROMETHEUS-TOKEN-0101"
PASSWORD = "PLANTED-PROMETHEUS-PASSWORD-0102"
BASIC = base64.b64encode(f"gate:{PASSWORD}".encode()).decode()  # as the header carries it


@unittest.skipUnless(os.path.exists(pf.PROMETHEUS), "needs Debian's prometheus package (scripts/packages/prometheus.txt)")
class PrometheusGate(CliTest):
    @classmethod
    def setUpClass(cls):
        cls.server = pf.PrometheusServer()
        cls.url = cls.server.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def gate(self, *args, env=None):
        return self.run_tool("ml-validate", "--prometheus", self.url, *args, env=env)

    def test_instant_queries_become_metrics_with_query_and_time_in_the_report(self):
        r = self.gate("--query", f"err={CANARY}", "--query", f"stable={STABLE}", "--at", AT,
                      "--require", "err < 0.05", "--require", "stable < 0.05", "--report", "r.json",
                      "--write-metrics", "canary.json")
        self.assertEqual(r.code, 0, r)
        expected = pf.value_at("http_error_ratio", 'track="canary"', pf.END)
        self.assertIn(f"PASS  err is {expected:g} (< 0.05)", r.stdout)
        report = self.read_json("r.json")
        query = report["prometheus"]["queries"][0]
        self.assertEqual(report["prometheus"]["url"], self.url)
        self.assertEqual((query["name"], query["query"], query["time"]), ("err", CANARY, "2026-01-01T03:00:00Z"))
        self.assertEqual(query["value"], expected)
        self.assertEqual(query["labels"], {"__name__": "http_error_ratio", "track": "canary"})
        self.assertEqual(report["checks"][0]["value"], expected)
        self.assertEqual(self.read_json("canary.json"),
                         {"err": expected, "stable": pf.value_at("http_error_ratio", 'track="stable"', pf.END)})

    def test_a_failing_value_fails_the_gate(self):
        r = self.gate("--query", 'err=http_error_ratio{track="bad"}', "--at", AT, "--require", "err < 0.05")
        self.assertEqual(r.code, 1, r)
        self.assertIn("FAIL  err is 0.09, required < 0.05", r.stdout)

    def test_the_written_metrics_feed_ml_compare_canary_against_stable(self):
        for name, selector in (("canary", CANARY), ("stable", STABLE)):
            r = self.gate("--query", f"error_rate={selector}", "--at", AT, "--require", "error_rate < 1",
                          "--write-metrics", f"{name}.json")
            self.assertEqual(r.code, 0, r)
        r = self.run_tool("ml-compare", "--candidate", "canary.json", "--baseline", "stable.json", "--metric",
                          "error_rate", "--lower-is-better", "--min-delta", "0")
        self.assertEqual(r.code, 0, r)

    def test_a_range_aggregates_as_history_mode(self):
        start = pf.END - 3 * 3600
        err = [v for _, v in pf.range_values("http_error_ratio", 'track="canary"', start, pf.END, 300)]
        lat = [v for _, v in pf.range_values("latency_p95_ms", 'track="canary"', start, pf.END, 300)]
        r = self.gate("--query", f"err={CANARY}", "--query", f"lat={LATENCY}", "--at", AT, "--range", "3h",
                      "--step", "5m", "--require", "max(err) < 0.05", "--require", "mean(lat) <= 120",
                      "--require", f"count(lat) >= {len(lat)}", "--require", "last(err) < 0.05",
                      "--require", "median(lat) < 200", "--report", "r.json", "--write-metrics", "m.json")
        self.assertEqual(r.code, 0, r)
        values = {c["expr"]: c["value"] for c in self.read_json("r.json")["checks"]}
        self.assertAlmostEqual(values["max(err) < 0.05"], max(err), places=12)
        self.assertAlmostEqual(values["mean(lat) <= 120"], statistics.mean(lat), places=9)
        self.assertEqual(values[f"count(lat) >= {len(lat)}"], len(lat))
        self.assertAlmostEqual(values["last(err) < 0.05"], err[-1], places=12)
        self.assertEqual(len(lat), 37)  # 3h every 5m, both ends included
        report = self.read_json("r.json")
        self.assertEqual(report["prometheus"]["range"], "3h")
        q = report["prometheus"]["queries"][1]
        self.assertEqual((q["start"], q["end"], q["step"], q["points"], q["expected_points"], q["gaps"]),
                         ("2026-01-01T00:00:00Z", "2026-01-01T03:00:00Z", "5m", 37, 37, []))
        self.assertEqual(report["gaps"], 0)
        self.assertAlmostEqual(self.read_json("m.json")["lat"]["mean"], statistics.mean(lat), places=9)
        self.assertIn('"count": 37\n', self.read("m.json"))  # a count, not 37.0

    def test_a_range_that_turns_bad_fails_on_its_max(self):
        r = self.gate("--query", 'err=http_error_ratio{track="bad"}', "--at", AT, "--range", "3h",
                      "--require", "max(err) < 0.05")
        self.assertEqual(r.code, 1, r)
        self.assertIn("FAIL  max(err) is 0.09, required < 0.05", r.stdout)

    def test_a_gap_is_reported_and_fails_with_require_complete(self):
        start = pf.END - 3 * 3600
        present = {t for t, _ in pf.range_values("gappy", 'job="batch"', start, pf.END, 300)}
        missing = [t for t in range(start, pf.END + 1, 300) if t not in present]
        self.assertEqual(missing, list(range(missing[0], missing[-1] + 1, 300)))  # one stretch
        stretch = (f"{pf_time(missing[0])}..{pf_time(missing[-1])} ({len(missing)} steps, "
                   f"{len(missing) * 5}m)")
        args = ("--query", "g=gappy", "--at", AT, "--range", "3h", "--require", "count(g) >= 1")
        r = self.gate(*args, "--report", "r.json")
        self.assertEqual(r.code, 0, r)
        self.assertIn(f"GAP   g has no data {stretch}\n", r.stdout)
        report = self.read_json("r.json")
        self.assertEqual(report["gaps"], 1)
        self.assertEqual(report["prometheus"]["queries"][0]["gaps"][0]["missing_steps"], len(missing))
        r = self.gate(*args, "--require-complete", "--report", "r.json")
        self.assertEqual(r.code, 1, r)
        self.assertIn(f"FAIL  g has no data {stretch} (--require-complete)\n", r.stdout)
        self.assertEqual(r.stdout.splitlines()[-1],
                         "ml-validate: fail (1 of 1 checks passed; 1 query with gaps in the data)")
        self.assertEqual(self.read_json("r.json")["failed"], 1)
        r = self.gate(*args, "--require-complete", "--max-gap", f"{len(missing) * 5}m")
        self.assertEqual(r.code, 0, r)
        self.assertNotIn("GAP", r.stdout)

    def test_no_data_is_exit_3_unless_allowed(self):
        r = self.gate("--query", "gone=absent_metric", "--at", AT, "--require", "gone < 1")
        self.assertFails(r, 3, f"ml-validate: error: '{self.url}/api/v1/query': query gone: the query returned "
                               f"no data (--allow-missing skips it)")
        r = self.gate("--query", "gone=absent_metric", "--at", AT, "--require", "gone < 1", "--allow-missing",
                      "--report", "r.json")
        self.assertEqual(r.code, 0, r)
        self.assertIn("SKIP  gone is missing (allowed by --allow-missing)", r.stdout)
        self.assertTrue(self.read_json("r.json")["prometheus"]["queries"][0]["missing"])

    def test_several_series_is_exit_3_listing_their_label_sets(self):
        r = self.gate("--query", "up=up_multi", "--at", AT, "--require", "up >= 1")
        self.assertFails(r, 3, f"ml-validate: error: '{self.url}/api/v1/query': query up: returned 3 series, a gate "
                               f"needs one (aggregate them, e.g. sum(...) or max(...)): "
                               '{__name__="up_multi", instance="a", job="node"}, '
                               '{__name__="up_multi", instance="b", job="node"}, '
                               '{__name__="up_multi", instance="c", job="node"}')

    def test_a_range_vector_in_an_instant_query_is_exit_3(self):
        # Its first sample went to the report and --write-metrics, its last to the check.
        r = self.gate("--query", f"err={STABLE}[2h]", "--at", AT, "--require", "err < 0.05", "--write-metrics",
                      "w.json")
        self.assertFails(r, 3, f"ml-validate: error: '{self.url}/api/v1/query': query err: returns a range vector, a "
                               "gate needs one value (give an instant expression, e.g. max_over_time(...[2h]), or "
                               "--range to check every point)")
        self.assertFalse(os.path.exists(self.path("w.json")))

    def test_a_promql_syntax_error_is_exit_3_with_prometheus_words(self):
        r = self.gate("--query", "bad=sum(", "--at", AT, "--require", "bad < 1")
        self.assertFails(r, 3, f"ml-validate: error: '{self.url}/api/v1/query': query bad: bad_data: invalid "
                               f"parameter \"query\": 1:5: parse error: unclosed left parenthesis")

    def test_usage_errors(self):
        cases = [
            (("--query", "errors=up", "--require", "latency < 1"),
             "ml-validate: error: \"latency < 1\" checks latency, which no --query names (queries: errors)"),
            (("--query", "errors=up", "--require", "error < 1"),
             "ml-validate: error: \"error < 1\" checks error, which no --query names; did you mean \"errors\"? "
             "(queries: errors)"),
            (("--query", "a=up", "--require", "max(a) < 1"),
             "ml-validate: error: \"max(a) < 1\" aggregates over time; give --range DURATION"),
            (("--query", "a=up", "--range", "1x", "--require", "a < 1"),
             "ml-validate: error: invalid --range \"1x\": a duration such as 90s, 5m, 24h, 1h30m"),
            (("--query", "a=up", "--at", "yesterday", "--require", "a < 1"),
             "ml-validate: error: invalid --at \"yesterday\": use 2026-11-24T09:00Z or Unix seconds"),
            (("--query", "a=up", "--require-complete", "--require", "a < 1"),
             "ml-validate: error: --step, --max-gap and --require-complete need --range DURATION"),
            (("--query", "a=up", "--query", "a=down", "--require", "a < 1"),
             "ml-validate: error: --query a is given twice"),
            (("--require", "a < 1"), "ml-validate: error: --prometheus needs at least one --query NAME=PROMQL"),
            (("--query", "a=up", "--range", "1h", "--window", "3", "--require", "count(a) == 3"),
             "ml-validate: error: --window and --min-count need --history FILE"),
        ]
        for args, line in cases:
            with self.subTest(args=args):
                self.assertFails(self.gate(*args), 2, line)
        self.write("m.json", {"a": 1})
        self.assertFails(self.run_tool("ml-validate", "m.json", "--query", "a=up", "--require", "a < 1"), 2,
                         "ml-validate: error: --query needs --prometheus URL")

    def test_auth_through_a_proxy_that_checks_it_and_no_secret_in_any_output(self):
        bearer = pf.AuthProxy(self.url, token=TOKEN)
        basic = pf.AuthProxy(self.url, user="gate", password=PASSWORD)
        self.addCleanup(bearer.stop)
        self.addCleanup(basic.stop)
        args = ("--query", f"err={CANARY}", "--at", AT, "--require", "err < 0.05", "--report", "r.json",
                "--markdown", "s.md", "--junit", "j.xml", "--dotenv", "d.env", "--write-metrics", "m.json")
        runs = [
            (bearer.url, {"PROMETHEUS_TOKEN": TOKEN}, 0),
            (basic.url, {"PROMETHEUS_USER": "gate", "PROMETHEUS_PASSWORD": PASSWORD}, 0),
            # Refused: the proxy echoes the header it got; the tool must not print it.
            (bearer.url, {"PROMETHEUS_TOKEN": TOKEN + "-WRONG"}, 4),
            (basic.url, {"PROMETHEUS_USER": "gate", "PROMETHEUS_PASSWORD": PASSWORD + "-WRONG"}, 4),
            (bearer.url, {}, 4),
        ]
        for url, env, code in runs:
            with self.subTest(url=url, env=list(env)):
                for name in ("r.json", "s.md", "j.xml", "d.env", "m.json"):
                    if os.path.exists(self.path(name)):
                        os.remove(self.path(name))
                r = self.run_tool("ml-validate", "--prometheus", url, *args, env=env)
                self.assertEqual(r.code, code, r)
                if code == 4:
                    self.assertEqual(r.stderr, f"ml-validate: error: '{url}/api/v1/query': query err: credentials "
                                               f"refused (HTTP 401); set PROMETHEUS_TOKEN, or PROMETHEUS_USER and "
                                               f"PROMETHEUS_PASSWORD\n")
                written = r.stdout + r.stderr
                for name in ("r.json", "s.md", "j.xml", "d.env", "m.json"):
                    if os.path.exists(self.path(name)):
                        written += self.read(name)
                for secret in (TOKEN, PASSWORD, BASIC):
                    self.assertNotIn(secret, written)
        self.assertEqual(bearer.seen[0], f"Bearer {TOKEN}")


    def test_https_with_a_private_ca_needs_ca_bundle(self):
        import subprocess
        from fault_proxy import FaultProxy
        cert, key = self.path("cert.pem"), self.path("key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", key, "-out", cert], check=True, capture_output=True)
        front = FaultProxy(self.url, tls=(cert, key))
        self.addCleanup(front.stop)
        args = ("--prometheus", front.base, "--query", f"err={CANARY}", "--at", AT, "--require", "err < 0.05")
        r = self.run_tool("ml-validate", *args)
        self.assertEqual(r.code, 4, r)
        self.assertIn("certificate", r.stderr)
        r = self.run_tool("ml-validate", *args, "--ca-bundle", "cert.pem")
        self.assertEqual(r.code, 0, r)
        self.write("garbage.pem", "not a certificate\n")
        r = self.run_tool("ml-validate", *args, "--ca-bundle", "garbage.pem")
        self.assertEqual(r.code, 2, r)
        self.assertTrue(r.stderr.startswith("ml-validate: error: 'garbage.pem': --ca-bundle: holds no PEM certificate ("),
                        r)


class PrometheusDown(CliTest):
    def test_a_server_that_is_down_is_exit_4(self):
        url = f"http://127.0.0.1:{pf.free_port()}"
        r = self.run_tool("ml-validate", "--prometheus", url, "--query", "a=up", "--require", "a < 1")
        self.assertEqual(r.code, 4, r)
        self.assertRegex(r.stderr, rf"^ml-validate: error: '{re.escape(url)}/api/v1/query': cannot connect to the "
                                   r"endpoint: .*\(gave up after \d+ attempts? in [0-9.]+ s\)\n$")


class HostilePrometheus(CliTest):
    """A server that echoes the credentials it got, decoded and as sent, in every answer: an
    error (400 bad_data, 422 execution), a 503 the client retries, and a success whose
    warnings carry them. Nothing the tool writes may contain them."""

    def setUp(self):
        super().setUp()
        import http.server
        import json
        import threading
        answers = self.answers = []
        requests = self.requests = []
        notes = self.notes = {}  # "warnings", "infos" of a success, "error" of an error answer

        class Echo(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                requests.append(self.path)
                header = self.headers.get("Authorization", "")
                decoded = base64.b64decode(header[6:]).decode() if header.startswith("Basic ") else ""
                echo = f"got Authorization: {header} ({decoded}); password {decoded.partition(':')[2]}"
                status = answers[0] if answers else 400
                if status == 200:
                    body = {"status": "success", "warnings": notes.get("warnings", [echo]),
                            "data": {"resultType": "vector", "result": [{"metric": {}, "value": [1, "0.01"]}]}}
                    if "infos" in notes:
                        body["infos"] = notes["infos"]
                else:
                    body = {"status": "error", "errorType": "bad_data" if status == 400 else "execution",
                            "error": notes.get("error", "") + echo}
                reply = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Echo)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.addCleanup(self.server.server_close)
        self.addCleanup(self.server.shutdown)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def test_echoed_basic_credentials_are_redacted_from_every_output(self):
        env = {"PROMETHEUS_USER": "gate", "PROMETHEUS_PASSWORD": PASSWORD}
        outputs = ("r.json", "s.md", "j.xml", "d.env")
        for status, code in ((400, 3), (422, 3), (503, 3), (200, 0)):
            with self.subTest(status=status):
                self.answers[:] = [status]
                for name in outputs:
                    if os.path.exists(self.path(name)):
                        os.remove(self.path(name))
                r = self.run_tool("ml-validate", "--prometheus", self.url, "--query", "err=up", "--at", AT, "--require",
                                  "err < 0.05", "--report", "r.json", "--markdown", "s.md", "--junit", "j.xml",
                                  "--dotenv", "d.env", env=env)
                self.assertEqual(r.code, code, r)
                written = r.stdout + r.stderr + "".join(self.read(n) for n in outputs if os.path.exists(self.path(n)))
                for secret in (PASSWORD, BASIC):
                    self.assertNotIn(secret, written)
                if status != 200:
                    self.assertIn("got Authorization: Basic *** (gate:***); password ***", r.stderr)

    def test_warnings_and_infos_are_in_the_report_and_on_stderr_and_change_no_verdict(self):
        self.answers[:] = [200]
        forged = "partial answer\n::warning title=x::injected \x1b[2K\u202e"
        self.notes.update({"warnings": [forged, "store eu-1 did not answer"], "infos": ["PromQL info: a hint"]})
        subject = f"'{self.url}/api/v1/query': query err: "
        r = self.run_tool("ml-validate", "--prometheus", self.url, "--query", "err=up", "--at", AT, "--require",
                          "err < 0.05", "--report", "r.json")
        self.assertEqual(r.code, 0, r)
        self.assertIn("PASS  err is 0.01 (< 0.05)", r.stdout)
        self.assertEqual(r.stderr.splitlines(), [
            "ml-validate: warning: " + subject + "partial answer\\n::warning title=x::injected \\e[2K\\u202e",
            "ml-validate: warning: " + subject + "store eu-1 did not answer",
            "ml-validate: info: " + subject + "PromQL info: a hint"])
        query = self.read_json("r.json")["prometheus"]["queries"][0]
        self.assertEqual((query["warnings"], query["infos"]), (self.notes["warnings"], self.notes["infos"]))
        self.notes.clear()
        self.notes["warnings"] = []
        r = self.run_tool("ml-validate", "--prometheus", self.url, "--query", "err=up", "--at", AT, "--require",
                          "err < 0.05", "--report", "r.json")
        self.assertEqual((r.code, r.stderr), (0, ""), r)
        self.assertNotIn("warnings", self.read_json("r.json")["prometheus"]["queries"][0])

    def test_a_short_password_is_not_masked_inside_the_servers_words(self):
        self.answers[:] = [400]
        self.notes["error"] = "upward trend: "
        r = self.run_tool("ml-validate", "--prometheus", self.url, "--query", "err=up", "--at", AT, "--require",
                          "err < 0.05", env={"PROMETHEUS_USER": "gate", "PROMETHEUS_PASSWORD": "pw"})
        self.assertEqual(r.code, 3, r)
        # Under six characters a value is not removed as a substring (it would mask every "pw");
        # the Authorization header it is sent in is still redacted.
        self.assertIn("upward trend: got Authorization: Basic *** (gate:pw)", r.stderr)

    def test_a_url_with_credentials_is_refused_without_repeating_it(self):
        url = self.url.replace("http://", f"http://gate:{PASSWORD}@")
        r = self.run_tool("ml-validate", "--prometheus", url, "--query", "err=up", "--require", "err < 0.05",
                          "--report", "r.json")
        self.assertFails(r, 2, "ml-validate: error: --prometheus URL carries credentials (USER:PASSWORD@); set "
                               "PROMETHEUS_USER and PROMETHEUS_PASSWORD (or PROMETHEUS_TOKEN) instead")
        self.assertNotIn(PASSWORD, r.stdout + (self.read("r.json") if os.path.exists(self.path("r.json")) else ""))
        self.assertEqual(self.requests, [])


def pf_time(t):
    import datetime
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


if __name__ == "__main__":
    unittest.main()
