"""ml-drift's triggers and monitoring: --changed/--state, --openmetrics, --pushgateway (a real one, on loopback)."""
import hashlib
import shutil
import socket
import subprocess
import time
import unittest
import urllib.request

from lean_cli import CliTest

PUSHGATEWAY = shutil.which("prometheus-pushgateway")


def sha256(data):
    return hashlib.sha256(data).hexdigest()


class DriftPair(CliTest):
    def setUp(self):
        super().setUp()
        self.write("ref.csv", "x,c\n" + "".join(f"{i},{'ab'[i % 2]}\n" for i in range(40)))
        self.write("cur.csv", "x,c\n" + "".join(f"{i + 25},{'ab'[i % 2]}\n" for i in range(40)))

    def drift(self, *args):
        return self.run_tool("ml-drift", "--reference", "ref.csv", "--current", "cur.csv", *args)


class OpenMetrics(DriftPair):
    def test_the_file_parses_as_openmetrics_with_every_score(self):
        from prometheus_client.openmetrics.parser import text_string_to_metric_families

        r = self.drift("--openmetrics", "metrics.txt", "--report", "r.json")
        self.assertEqual(r.code, 1, r)  # x drifted, c did not: share 0.5 reaches the default 0.5
        text = self.read("metrics.txt")
        self.assertTrue(text.endswith("# EOF\n"))
        families = {f.name: f for f in text_string_to_metric_families(text)}  # raises on invalid OpenMetrics
        report = self.read_json("r.json")
        stats = {s.labels["column"]: s.value for s in families["ml_drift_column_statistic"].samples}
        self.assertEqual(stats, {c["name"]: c["statistic"] for c in report["columns"]})
        drift = {s.labels["column"]: s.value for s in families["ml_drift_column_drift"].samples}
        self.assertEqual(drift, {c["name"]: float(c["drift"]) for c in report["columns"]})
        self.assertEqual(families["ml_drift_dataset_drift"].samples[0].value, float(report["dataset"]["drift"]))
        self.assertEqual(families["ml_drift_dataset_tested_columns"].samples[0].value, 2)


class ChangedTrigger(CliTest):
    def test_missing_state_then_unchanged_then_changed(self):
        self.write("a.csv", "x\n1\n")
        self.write("b.csv", "x\n2\n")
        r = self.run_tool("ml-drift", "--changed", "a.csv", "b.csv", "--state", "state.json", "--report", "r.json")
        self.assertEqual(r.code, 1, r)
        self.assertEqual(self.read_json("state.json"), {"files": {"a.csv": sha256(b"x\n1\n"), "b.csv": sha256(b"x\n2\n")}})
        self.assertEqual(self.read_json("r.json")["changed"], 2)

        r = self.run_tool("ml-drift", "--changed", "a.csv", "b.csv", "--state", "state.json")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.stdout.splitlines()[-1], "ml-drift: unchanged (0 of 2 files changed)")

        self.write("b.csv", "x\n3\n")
        r = self.run_tool("ml-drift", "--changed", "a.csv", "b.csv", "--state", "state.json", "--report", "r.json")
        self.assertEqual(r.code, 1, r)
        files = self.read_json("r.json")["files"]
        self.assertEqual([f["changed"] for f in files], [False, True])
        self.assertEqual(files[1]["previous"], sha256(b"x\n2\n"))
        self.assertEqual(self.read_json("state.json")["files"]["b.csv"], sha256(b"x\n3\n"))

    def test_bad_state_and_missing_files(self):
        self.write("a.csv", "x\n1\n")
        self.write("state.json", "{not json")
        self.assertFails(self.run_tool("ml-drift", "--changed", "a.csv", "--state", "state.json"), 3,
                         "ml-drift: error: 'state.json': malformed JSON; a state file is {\"files\": {\"path\": \"sha256 hex\", ...}}")
        self.assertFails(self.run_tool("ml-drift", "--changed", "gone.csv", "--state", "s.json"), 3,
                         "ml-drift: error: 'gone.csv': cannot open: No such file or directory")
        self.assertFails(self.run_tool("ml-drift", "--changed", "a.csv", "--state", "s.json", "--reference", "a.csv"), 2,
                         "ml-drift: error: --changed checks files; give it without --reference/--current")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@unittest.skipUnless(PUSHGATEWAY, "Debian's prometheus-pushgateway is installed by scripts/setup.sh")
class Pushgateway(DriftPair):
    def setUp(self):
        super().setUp()
        self.port = free_port()
        self.gateway = subprocess.Popen([PUSHGATEWAY, f"--web.listen-address=127.0.0.1:{self.port}"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.addCleanup(self.stop_gateway)
        deadline = time.time() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/-/ready", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.05)

    def stop_gateway(self):
        self.gateway.terminate()
        self.gateway.wait(timeout=10)

    def scraped(self):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=5) as response:
            return response.read().decode()

    def test_push_replaces_the_group_and_the_gateway_serves_the_scores(self):
        r = self.drift("--pushgateway", f"http://127.0.0.1:{self.port}", "--report", "r.json")
        self.assertEqual(r.code, 1, r)
        report = self.read_json("r.json")
        x = report["columns"][0]
        metrics = self.scraped()
        self.assertIn(f'ml_drift_column_statistic{{column="x",instance="",job="ml-drift",method="ks"}} {x["statistic"]}',
                      metrics)
        self.assertIn('ml_drift_dataset_tested_columns{instance="",job="ml-drift"} 2', metrics)
        r = self.drift("--pushgateway", f"http://127.0.0.1:{self.port}/metrics/job/nightly/instance/eu")
        self.assertEqual(r.code, 1, r)
        self.assertIn('ml_drift_dataset_drift{instance="eu",job="nightly"}', self.scraped())

    def test_refused_push_and_unreachable_gateway_exit_4(self):
        url = f"http://127.0.0.1:{self.port}/metrics/job/a/b"
        self.assertFails(self.drift("--pushgateway", url), 4,
                         f"ml-drift: error: '{url}': HTTP 400: odd number of components in label string \"/b\"")
        self.stop_gateway()
        r = self.drift("--pushgateway", f"http://127.0.0.1:{self.port}")
        self.assertEqual(r.code, 4, r)
        # The shared HTTP client retries within its connect timeout, then names the attempts and time taken.
        self.assertRegex(r.stderr, rf"^ml-drift: error: 'http://127\.0\.0\.1:{self.port}/metrics/job/ml-drift': "
                                   r"cannot connect to the endpoint: .*Couldn't connect to server \(gave up after \d+ "
                                   r"attempts? in [0-9.]+ s\)\n$")
        self.gateway = subprocess.Popen(["true"])  # stop_gateway runs again at cleanup

if __name__ == "__main__":
    unittest.main()
