"""A real Prometheus (Debian's package) on loopback, with known samples at known times.

The samples are written as OpenMetrics and turned into TSDB blocks by
`promtool tsdb create-blocks-from openmetrics`, then /usr/bin/prometheus serves them from a
temporary data folder on a free port (never the package's service). Every expected value a
test checks is computed here from the same sample list, with Prometheus' evaluation rules
(an instant query at t sees the newest sample in (t - 5m, t])."""
import base64
import http.server
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request

PROMETHEUS = "/usr/bin/prometheus"
PROMTOOL = "/usr/bin/promtool"
LOOKBACK = 300  # Prometheus' default --query.lookback-delta

T0 = 1767225600  # 2026-01-01T00:00:00Z: the first sample of every series
HOURS = 3
SCRAPE = 60  # one sample a minute
END = T0 + HOURS * 3600  # where the tests evaluate ("--at")
GAP = (T0 + 3600, T0 + 5400)  # gappy has no sample in [start, end)
CANARY_HOURS = 3  # the example's canary is healthy this long, then fails 9 % of requests
HEALTHY_AT = T0 + CANARY_HOURS * 3600
UNHEALTHY_AT = T0 + 2 * CANARY_HOURS * 3600


def _series():
    """{(name, labels text): [(time, value), ...]}, oldest first."""
    times = list(range(T0, END + 1, SCRAPE))
    out = {}

    def add(name, labels, value_at, keep=lambda t: True):
        out[(name, labels)] = [(t, value_at(t)) for t in times if keep(t)]

    add("http_error_ratio", 'track="stable"', lambda t: 0.02)
    add("http_error_ratio", 'track="canary"', lambda t: 0.01 + ((t - T0) // SCRAPE % 4) * 0.001)
    add("http_error_ratio", 'track="bad"', lambda t: 0.01 if t < T0 + 7200 else 0.09)
    add("latency_p95_ms", 'track="canary"', lambda t: 100 + ((t - T0) // SCRAPE % 5) * 5)
    add("latency_p95_ms", 'track="bad"', lambda t: 180.0)
    add("gappy", 'job="batch"', lambda t: 1.0, keep=lambda t: not GAP[0] <= t < GAP[1])
    for instance in ("a", "b", "c"):
        add("up_multi", f'instance="{instance}",job="node"', lambda t: 1.0)
    # The canary example (docs/canary.md): request counters per track, 100 requests a
    # minute; the canary fails 1 % of them for CANARY_HOURS hours, then 9 %; stable 2 %.
    canary_times = range(T0, T0 + 2 * CANARY_HOURS * 3600 + 1, SCRAPE)

    def counter(labels, per_minute):
        out[("http_requests_total", labels)] = [(t, per_minute(t) * ((t - T0) // SCRAPE)) for t in canary_times]

    def canary_errors(t):
        healthy = min(t, T0 + CANARY_HOURS * 3600) - T0
        return healthy // SCRAPE * 1 + max(0, t - T0 - CANARY_HOURS * 3600) // SCRAPE * 9

    out[("http_requests_total", 'code="200",track="canary"')] = [(t, 100 * ((t - T0) // SCRAPE) - canary_errors(t))
                                                                 for t in canary_times]
    out[("http_requests_total", 'code="500",track="canary"')] = [(t, canary_errors(t)) for t in canary_times]
    counter('code="200",track="stable"', lambda t: 98)
    counter('code="500",track="stable"', lambda t: 2)
    for track in ("canary", "stable"):
        out[("request_latency_p95_seconds", f'track="{track}"')] = [(t, 0.1) for t in canary_times]
    out[("ml_drift_dataset_drift", 'job="ml-drift"')] = [(t, 0.0) for t in canary_times]
    return out


SERIES = _series()


def value_at(name, labels, t):
    """An instant query's answer at t: the newest sample in (t - lookback, t], or None."""
    seen = [v for (s, v) in SERIES[(name, labels)] if t - LOOKBACK < s <= t]
    return seen[-1] if seen else None


def range_values(name, labels, start, end, step):
    """A range query's points: the instant value at start, start + step, ... <= end."""
    out = []
    t = start
    while t <= end:
        v = value_at(name, labels, t)
        if v is not None:
            out.append((t, v))
        t += step
    return out


def openmetrics_text():
    lines = []
    names = []
    for name, _ in SERIES:
        if name not in names:
            names.append(name)
    for name in names:
        lines.append(f"# TYPE {name} gauge")
        for (n, labels), samples in SERIES.items():
            if n == name:
                lines += [f"{name}{{{labels}}} {v} {t}" for t, v in samples]
    return "\n".join(lines) + "\n# EOF\n"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrometheusServer:
    """start() -> URL; stop() ends the process and removes its data folder."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="lean-prometheus-")
        self.process = None
        self.url = None

    def start(self):
        data = os.path.join(self.dir, "data")
        source = os.path.join(self.dir, "samples.om")
        with open(source, "w") as f:
            f.write(openmetrics_text())
        subprocess.run([PROMTOOL, "tsdb", "create-blocks-from", "openmetrics", source, data], check=True,
                       capture_output=True)
        config = os.path.join(self.dir, "prometheus.yml")
        with open(config, "w") as f:
            f.write("global: {}\nscrape_configs: []\n")
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.log = open(os.path.join(self.dir, "prometheus.log"), "w")
        self.process = subprocess.Popen(
            [PROMETHEUS, f"--config.file={config}", f"--storage.tsdb.path={data}",
             "--storage.tsdb.retention.time=100y", f"--web.listen-address=127.0.0.1:{port}",
             "--log.level=warn"],
            stdout=self.log, stderr=subprocess.STDOUT, cwd=self.dir)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/-/ready", timeout=2) as r:
                    if r.status == 200:
                        return self.url
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("prometheus did not start")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if getattr(self, "log", None):
            self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class AuthProxy:
    """A loopback reverse proxy that lets a request through only with the expected
    Authorization header; a refused request gets 401 with the header it received in the body,
    so a test proves the tool never prints what a server echoes."""

    def __init__(self, upstream, token=None, user=None, password=None):
        if token:
            expected = f"Bearer {token}"
        else:
            expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        self.seen = []
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                got = self.headers.get("Authorization", "")
                proxy.seen.append(got)
                if got != expected:
                    reply = f"denied: got Authorization {got!r}".encode()
                    self.send_response(401)
                    self.send_header("Content-Length", str(len(reply)))
                    self.end_headers()
                    self.wfile.write(reply)
                    return
                request = urllib.request.Request(upstream + self.path, data=body, method="POST",
                                                 headers={"Content-Type": self.headers.get("Content-Type", "")})
                try:
                    with urllib.request.urlopen(request, timeout=30) as r:
                        status, reply = r.status, r.read()
                except urllib.error.HTTPError as e:
                    status, reply = e.code, e.read()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
