"""Hardening of the tools on the command line (docs/hardening.md): resource limits with
inputs generated just over each limit, interrupts while a report is written, a closed
stdout, and planted secrets that must never appear in anything a tool writes."""
import json
import os
import signal
import socket
import subprocess
import threading
import time
import unittest
import xml.etree.ElementTree as ET

from lean_cli import BIN_DIR, CliTest, _CI_VARIABLES

MiB = 1 << 20
SANITIZED = "ASAN_OPTIONS" in os.environ  # the sanitizer run: more memory per process


def tool_path(tool):
    return os.path.join(BIN_DIR, tool)


class Limits(CliTest):
    """Each limit: an input just over it is a clear exit 3 (2 for a policy), in bounded memory."""

    def run_measured(self, *args, writer=None):
        """Runs ml-validate under GNU time (the peak RSS of a child forked from this test
        would include this Python process's), returning (exit code, stderr, peak MiB)."""
        env = {k: v for k, v in os.environ.items() if k not in _CI_VARIABLES}
        rss_file = self.path("rss.txt")
        proc = subprocess.Popen(["/usr/bin/time", "-q", "-f", "%M", "-o", rss_file, tool_path("ml-validate"), *args],
                                cwd=self.dir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        thread = threading.Thread(target=writer) if writer else None
        if thread:
            thread.start()
        stderr = proc.communicate(timeout=300)[1].decode()
        if thread:
            thread.join()
        with open(rss_file) as f:
            rss_kib = int(f.read().split()[-1])
        os.remove(rss_file)
        return proc.returncode, stderr, rss_kib / 1024

    def test_metrics_file_over_16_mib_streamed_through_a_pipe(self):
        # 16 MiB + 1 byte through a FIFO: nothing stored, and the tool must stop reading at
        # the limit: 256 MiB are offered, and its memory shows it did not take them.
        fifo = self.path("metrics.json")
        os.mkfifo(fifo)
        offered = {"bytes": 0}

        def stream():
            block = b" " * MiB
            try:
                with open(fifo, "wb") as f:
                    f.write(b'{"accuracy": 0.9')
                    for _ in range(256):
                        f.write(block)
                        offered["bytes"] += len(block)
            except BrokenPipeError:
                pass

        code, stderr, rss = self.run_measured(fifo, "-r", "accuracy>0.5", writer=stream)
        self.assertEqual(code, 3, stderr)
        self.assertEqual(stderr, f"ml-validate: error: '{fifo}': is larger than 16 MiB (the limit; see docs/hardening.md)\n")
        self.assertLess(offered["bytes"], 64 * MiB)  # the reader stopped, the writer got EPIPE
        self.assertLess(rss, 400 if SANITIZED else 64, "peak RSS in MiB")

    def test_metrics_file_over_16_mib_on_disk_is_refused_before_reading(self):
        path = self.path("big.json")
        with open(path, "wb") as f:
            f.write(b'{"accuracy": 0.9}')
            f.truncate(16 * MiB + 1)  # sparse: no disk space used
        code, stderr, rss = self.run_measured("big.json", "-r", "accuracy>0.5")
        self.assertEqual((code, stderr), (3, "ml-validate: error: 'big.json': is larger than 16 MiB "
                                             "(the limit; see docs/hardening.md)\n"))
        self.assertLess(rss, 400 if SANITIZED else 32, "peak RSS in MiB")

    def test_metrics_file_at_16_mib_is_accepted(self):
        with open(self.path("max.json"), "wb") as f:
            head = b'{"accuracy": 0.9}'
            f.write(head + b" " * (16 * MiB - len(head)))
        r = self.run_tool("ml-validate", "max.json", "-r", "accuracy>0.5", "-q")
        self.assertEqual(r.code, 0, r)

    def test_nesting_just_over_64_levels(self):
        self.write("ok.json", '{"a": ' + "[" * 63 + "1" + "]" * 63 + "}")
        self.assertEqual(self.run_tool("ml-validate", "ok.json", "-r", "a" + ".0" * 63 + ">0").code, 0)
        self.write("deep.json", '{"a": ' + "[" * 64 + "1" + "]" * 64 + "}")
        self.assertFails(self.run_tool("ml-validate", "deep.json", "-r", "a>0"), 3,
                         "ml-validate: error: 'deep.json': nests objects and arrays deeper than 64 levels "
                         "(the limit; see docs/hardening.md)")

    def test_nesting_a_million_levels_deep_is_not_a_stack_overflow(self):
        self.write("deep.json", '{"a": ' + "[" * 1000000 + "]" * 1000000 + "}")
        r = self.run_tool("ml-validate", "deep.json", "-r", "a>0")
        self.assertEqual(r.code, 3, r)  # before the limit: killed by SIGSEGV (exit -11)
        self.write("deep.jsonl", '{"a": 1}\n' + "{" * 500000 + "\n")
        r = self.run_tool("ml-compare", "--candidate", "deep.json", "--baseline", "deep.json", "--metric", "a")
        self.assertEqual(r.code, 3, r)
        r = self.run_tool("ml-validate", "--history", "deep.jsonl", "-r", "last(a)>0")
        self.assertIn("nests objects and arrays deeper than 64 levels", r.stderr)
        self.assertEqual(r.code, 3, r)

    def test_policy_limits_are_configuration_errors(self):
        self.write("metrics.json", {"accuracy": 0.9})
        self.write("deep.json", '{"require": ' + "[" * 100000 + "]" * 100000 + "}")
        self.assertFails(self.run_tool("ml-validate", "metrics.json", "--policy", "deep.json"), 2,
                         "ml-validate: error: 'deep.json': nests deeper than 64 levels (the limit; see docs/hardening.md)")
        # Found while hardening: a number out of range escaped as an internal error (exit 3).
        self.write("huge.json", '{"require": ["accuracy > 0.5"], "x": 1e999}')
        self.assertEqual(self.run_tool("ml-validate", "metrics.json", "--policy", "huge.json").code, 2)

    def test_more_than_a_million_metrics(self):
        self.write("many.json", '{"m": [' + ",".join(["0"] * 1000001) + '], "accuracy": 0.9}')
        self.assertFails(self.run_tool("ml-validate", "many.json", "-r", "accuracy>0.5"), 3,
                         "ml-validate: error: 'many.json': holds more than 1000000 metrics "
                         "(the limit; see docs/hardening.md)")

    def test_history_over_256_mib(self):
        path = self.path("h.jsonl")
        with open(path, "wb") as f:
            f.write(b'{"accuracy": 0.9}\n')
            f.truncate(256 * MiB + 1)
        self.assertFails(self.run_tool("ml-validate", "--history", "h.jsonl", "-r", "last(accuracy)>0.5"), 3,
                         "ml-validate: error: 'h.jsonl': is larger than 256 MiB (the limit; see docs/hardening.md)")

    def test_history_window_over_a_million_records(self):
        self.write("h.jsonl", "{}\n" * 1000001)
        r = self.run_tool("ml-validate", "--history", "h.jsonl", "-r", "count(accuracy)>=0", "--allow-missing")
        self.assertFails(r, 3, "ml-validate: error: 'h.jsonl': the window holds more than 1000000 metrics "
                               "(the limit; see docs/hardening.md): give a smaller --window")
        r = self.run_tool("ml-validate", "--history", "h.jsonl", "--window", "5", "-r", "count(accuracy)>=0",
                          "--allow-missing", "-q")
        self.assertEqual(r.code, 0, r)


class CsvLimits(CliTest):
    """ml-drift's CSV limits, with inputs just over each, streamed through a FIFO."""

    def stream(self, name, chunks):
        """A FIFO fed from a thread with the chunks (bytes) until the reader goes away."""
        path = self.path(name)
        os.mkfifo(path)

        def feed():
            try:
                with open(path, "wb") as f:
                    for chunk in chunks:
                        f.write(chunk)
            except BrokenPipeError:
                pass

        thread = threading.Thread(target=feed, daemon=True)
        thread.start()
        self.addCleanup(thread.join, 60)
        return path

    def drift(self, reference, *extra):
        self.write("cur.csv", "a,c\n1,x\n")
        return self.run_tool("ml-drift", "--reference", reference, "--current", "cur.csv", *extra)

    def test_a_field_just_over_4_mib(self):
        ref = self.stream("ref.csv", [b"a,c\n1,", b"x" * (4 * MiB), b"\n2,", b"y" * (4 * MiB + 1), b"\n"])
        self.assertFails(self.drift(ref), 3, f"ml-drift: error: '{ref}:3': a field longer than 4 MiB "
                                             "(the limit; see docs/hardening.md)")

    def test_a_row_of_10001_fields(self):
        header = ",".join(f"f{i}" for i in range(10000)).encode()
        self.write("ok.csv", header + b"\n" + b",".join([b"1"] * 10000) + b"\n")
        r = self.run_tool("ml-drift", "--reference", "ok.csv", "--current", "ok.csv", "--columns", "f0,f9999")
        self.assertEqual(r.code, 0, r)
        self.write("wide.csv", header + b",f10000\n")
        self.assertFails(self.run_tool("ml-drift", "--reference", "wide.csv", "--current", "ok.csv"), 3,
                         "ml-drift: error: 'wide.csv:1': a row of more than 10000 fields (the limit; see docs/hardening.md)")

    def test_a_row_just_over_16_mib(self):
        field = b"z" * (MiB - 1)
        ref = self.stream("ref.csv", [b"a,c\n"] + [field + b","] * 16 + [b"tail\n"])
        self.assertFails(self.drift(ref), 3, f"ml-drift: error: '{ref}:2': a row longer than 16 MiB "
                                             "(the limit; see docs/hardening.md)")

    def test_distinct_text_values_over_256_mib(self):
        # 1000-byte distinct cells: 256 MiB / 1064 bytes each is 252,000 rows; 260,000 are offered.
        def rows():
            yield b"a,c\n"
            for start in range(0, 260000, 1000):
                yield b"".join(b"1,%0999d\n" % i for i in range(start, start + 1000))
        ref = self.stream("ref.csv", rows())
        r = self.drift(ref, "--categorical", "c", "--columns", "c")
        self.assertEqual(r.code, 3, r)
        self.assertRegex(r.stderr, r"^ml-drift: error: '.*ref.csv:\d+': the distinct values of the text columns exceed "
                                   r"256 MiB \(the limit; see docs/hardening.md\); column \"c\" may be an id: leave it "
                                   r"out with --exclude\n$")


class FoundByFuzzing(CliTest):
    def test_an_option_value_holding_a_boost_placeholder_is_a_usage_error_not_a_hang(self):
        # Boost.Program_options fills "%value%" in its messages with the value itself, forever.
        self.write("m.json", {"accuracy": 0.9})
        r = self.run_tool("ml-validate", "--history", "m.json", "--min-count", "%value%x", "-r", "last(accuracy)>0")
        self.assertFails(r, 2, "ml-validate: error: --min-count must be a whole number of at least 1, not \"%value%x\"")
        r = self.run_tool("ml-validate", "--history", "m.json", "--min-count", "x", "-r", "last(accuracy)>0")
        self.assertEqual(r.code, 2, r)
        self.assertNotIn("%", r.stderr)


class Interrupts(CliTest):
    """SIGINT and SIGTERM: exit 130/143, and a report at its path is complete or absent."""

    N = 20000  # checks: the report is about 3 MB, so writing it takes a while

    def setUp(self):
        super().setUp()
        self.write("m.json", {"m": {str(i): i for i in range(self.N)}})
        self.write("p.json", {"require": [f"m.{i} >= 0" for i in range(self.N)]})
        self.args = [tool_path("ml-validate"), "m.json", "--policy", "p.json", "--no-ci", "-q",
                     "--report", "r.json", "--junit", "j.xml", "--markdown", "s.md"]

    def leftovers(self):
        return [n for n in os.listdir(self.dir) if ".tmp-" in n]

    def start_writing(self, stderr):
        """Starts a run without its outputs and returns once it writes the first of them
        (or has ended)."""
        for name in ("r.json", "j.xml", "s.md"):
            if os.path.exists(self.path(name)):
                os.remove(self.path(name))
        proc = subprocess.Popen(self.args, cwd=self.dir, stdout=subprocess.DEVNULL, stderr=stderr)
        deadline = time.monotonic() + 120
        while proc.poll() is None and not self.writing(proc) and time.monotonic() < deadline:
            time.sleep(0.0002)
        return proc

    def writing(self, proc):
        """Whether `proc` is writing an output: it holds a file open in the test's folder
        that has no name yet (O_TMPFILE: "DIR/#INODE (deleted)") or a temporary name."""
        try:
            links = [os.readlink(f"/proc/{proc.pid}/fd/{fd}") for fd in os.listdir(f"/proc/{proc.pid}/fd")]
        except OSError:  # ended meanwhile
            return False
        mine = [link for link in links if link.startswith(os.path.realpath(self.dir) + "/")]
        return any(link.endswith(" (deleted)") or ".tmp-" in link for link in mine)

    def check_outputs(self):
        self.assertEqual(self.leftovers(), [])
        if os.path.exists(self.path("r.json")):
            report = self.read_json("r.json")  # complete JSON, or this raises
            self.assertEqual((report["status"], report["passed"]), ("pass", self.N))

    def test_signal_while_the_report_is_written(self):
        caught = 0
        for trial in range(8):
            sig = signal.SIGINT if trial % 2 == 0 else signal.SIGTERM
            proc = self.start_writing(stderr=subprocess.PIPE)  # then interrupt
            seen = self.writing(proc)
            proc.send_signal(sig)
            stderr = proc.communicate(timeout=120)[1].decode()
            if proc.returncode == 0:
                self.check_outputs()
                continue
            self.assertEqual(proc.returncode, 128 + sig, stderr)
            self.assertTrue(stderr.endswith(f"ml-validate: error: interrupted by {sig.name}\n"), stderr)
            self.check_outputs()
            caught += seen
        self.assertGreater(caught, 0, "no trial interrupted a report while it was being written")

    def test_signal_at_any_moment(self):
        # Signals spread over the whole run: reading, checking, writing.
        start = time.monotonic()
        subprocess.run(self.args, cwd=self.dir, check=True)
        full = time.monotonic() - start
        expected = self.read("r.json")
        for trial in range(8):
            if os.path.exists(self.path("r.json")):
                os.remove(self.path("r.json"))
            proc = subprocess.Popen(self.args, cwd=self.dir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(full * trial / 8)
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=120)
            # -15: the signal came in the first instant of start-up, before the handler was
            # installed; nothing was written yet, and a shell reports 143 all the same.
            self.assertIn(proc.returncode, (0, 143, -15))
            self.assertEqual(self.leftovers(), [])
            if os.path.exists(self.path("r.json")):
                self.assertEqual(self.read("r.json"), expected)

    def test_kill_9_while_the_outputs_are_written_leaves_no_partial_file(self):
        # kill -9 runs no cleanup: an output is written to a file without a name (O_TMPFILE)
        # and named only, complete, for the instant before its rename. A kill in that instant
        # (a loaded machine hits it) leaves a complete temporary, which the next run removes.
        killed_while_writing = 0
        for trial in range(12):
            proc = self.start_writing(stderr=subprocess.DEVNULL)
            time.sleep(0.001 * (trial % 4))  # into the write, or the next output's
            killed_while_writing += self.writing(proc)
            proc.kill()
            proc.wait(timeout=60)
            for name in self.leftovers():  # named only once complete
                with open(self.path(name), "rb") as f:
                    content = f.read()
                if name.startswith(".r.json.tmp-"):
                    self.assertEqual(json.loads(content)["passed"], self.N, name)
                elif name.startswith(".j.xml.tmp-"):
                    ET.fromstring(content)
                else:
                    self.assertTrue(name.startswith(".s.md.tmp-") and content.endswith(b"\n"), name)
            if os.path.exists(self.path("r.json")):
                self.assertEqual(self.read_json("r.json")["passed"], self.N)
        self.assertGreater(killed_while_writing, 0, "no trial killed the tool while it wrote an output")
        subprocess.run(self.args, cwd=self.dir, check=True, stdout=subprocess.DEVNULL)
        self.assertEqual(self.leftovers(), [])  # the next run removed what the kills left

    def test_a_killed_writers_leftover_goes_with_the_next_write_of_that_output(self):
        # Left by a run of an earlier version (named temporaries), or by a kill in the instant
        # between naming and renaming: removed once its owner is dead, never a live one's.
        namespace = "".join(c for c in os.readlink("/proc/self/ns/pid") if c.isdigit())
        host = "".join(c if c.isalnum() or c in "._" else "_" for c in socket.gethostname())[:64]
        ended = subprocess.Popen(["true"])
        ended.wait()
        dead = self.write(f".r.json.tmp-p{ended.pid}.{namespace}@{host}-AAAAAA", "half")
        live = self.write(f".r.json.tmp-p{os.getpid()}.{namespace}@{host}-BBBBBB", "in progress")
        other = self.write(f".other.json.tmp-p{ended.pid}.{namespace}@{host}-CCCCCC", "half")
        self.write("small.json", {"m": 1})
        r = self.run_tool("ml-validate", "small.json", "-r", "m >= 0", "--report", "r.json")
        self.assertEqual(r.code, 0, r)
        self.assertFalse(os.path.exists(dead))
        self.assertTrue(os.path.exists(live))
        self.assertTrue(os.path.exists(other))

    def wait_for(self, condition, seconds=60):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not condition():
            time.sleep(0.002)
        return condition()

    def registry_files(self, root):
        return sorted(os.path.relpath(os.path.join(d, n), root) for d, _, names in os.walk(root) for n in names)

    def test_signal_during_a_local_publish_and_fetch(self):
        release = tool_path("ml-release")
        reg = ["--registry", "reg", "--model", "churn"]
        with open(self.path("big.bin"), "wb") as f:
            f.truncate(1 << 30)  # sparse: quick to make, a while to copy and hash
        for trial, sig in enumerate((signal.SIGINT, signal.SIGTERM)):
            proc = subprocess.Popen([release, "publish", *reg, "--version", f"{trial}", "big.bin", "--no-ci"],
                                    cwd=self.dir, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            folder = self.path(f"reg/churn/versions/{trial}")
            self.assertTrue(self.wait_for(lambda: os.path.isdir(folder) and os.listdir(folder)), "no copy started")
            proc.send_signal(sig)
            stderr = proc.communicate(timeout=60)[1].decode()
            self.assertEqual(proc.returncode, 128 + sig, stderr)
            self.assertTrue(stderr.endswith(f"ml-release: error: interrupted by {sig.name}\n"), stderr)
            # Nothing at a final path, no temporary file left, no version visible.
            self.assertEqual([f for f in self.registry_files(self.path("reg")) if "/versions/" in f], [])
        # A fetch interrupted while it downloads: no destination, no staging folder.
        with open(self.path("big.bin"), "wb") as f:
            f.truncate(1 << 29)
        r = self.run_tool("ml-release", "publish", *reg, "--version", "9", "big.bin")
        self.assertEqual(r.code, 0, r)
        proc = subprocess.Popen([release, "fetch", *reg, "--version", "9", "--dest", "out", "--no-ci"], cwd=self.dir,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.assertTrue(self.wait_for(lambda: any(n.startswith(".lean-fetch-") for n in os.listdir(self.dir))))
        proc.send_signal(signal.SIGTERM)
        stderr = proc.communicate(timeout=60)[1].decode()
        self.assertEqual(proc.returncode, 143, stderr)
        self.assertEqual(sorted(n for n in os.listdir(self.dir) if n not in ("m.json", "p.json")), ["big.bin", "reg"])

    def test_signal_during_an_s3_multipart_publish_aborts_the_upload(self):
        from s3_fixture import S3Fixture
        s3 = S3Fixture()
        self.addCleanup(s3.stop)
        s3.proxy.part_delay = 0.5
        with open(self.path("big.bin"), "wb") as f:
            f.write(os.urandom(70 * MiB))
        env = {**os.environ, **s3.env()}
        proc = subprocess.Popen([tool_path("ml-release"), "publish", "--registry", "s3://models/sig", "--model", "churn",
                                 "--version", "1", "big.bin", "--quiet", "--no-ci"], cwd=self.dir, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.assertTrue(self.wait_for(lambda: s3.proxy.calls("PUT", "partNumber")), "no part was sent")
        start = time.monotonic()
        proc.send_signal(signal.SIGINT)
        stderr = proc.communicate(timeout=60)[1].decode()
        self.assertEqual(proc.returncode, 130, stderr)
        self.assertLess(time.monotonic() - start, 10)
        # The transfer stopped at once and the multipart upload was aborted on the way out.
        self.assertEqual(len(s3.proxy.calls("DELETE", "uploadId")), 1)
        s3.proxy.part_delay = 0.0
        r = self.run_tool("ml-release", "list", "--registry", "s3://models/sig", "--model", "churn", env=s3.env())
        self.assertEqual(r.code, 3, r)  # no such model: nothing of it is visible

    def test_closed_stdout_is_not_a_crash(self):
        # SIGPIPE is ignored: the decision is still the exit code.
        self.write("small.json", {"accuracy": 0.9})
        read_end, write_end = os.pipe()
        os.close(read_end)
        proc = subprocess.run([tool_path("ml-validate"), "small.json", "-r", "accuracy>0.95", "--no-ci"],
                              cwd=self.dir, stdout=write_end, stderr=subprocess.PIPE)
        os.close(write_end)
        self.assertEqual(proc.returncode, 1, proc.stderr)


class Tls(CliTest):
    """Certificates are always verified: a loopback HTTPS server with a self-signed certificate
    (made here with openssl req) is refused without --ca-bundle, and trusted with it."""

    def setUp(self):
        super().setUp()
        self.cert, self.key = self.path("cert.pem"), self.path("key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", self.key, "-out", self.cert], check=True, capture_output=True)

    def test_ml_release_on_https_gitlab(self):
        from fake_gitlab import TOKEN, FakeGitLab
        from fault_proxy import FaultProxy
        fake = FakeGitLab()
        self.addCleanup(fake.stop)
        front = FaultProxy(fake.api_url, tls=(self.cert, self.key))
        self.addCleanup(front.stop)
        env = {"GITLAB_TOKEN": TOKEN, "CI_API_V4_URL": front.url(fake.api_url)}
        self.assertTrue(env["CI_API_V4_URL"].startswith("https://127.0.0.1:"))
        self.write("model.bin", b"weights")
        args = ["publish", "--registry", "gitlab://acme/ml/models", "--model", "churn", "--version", "1.0", "model.bin"]
        r = self.run_tool("ml-release", *args, env=env)
        self.assertEqual(r.code, 4, r)
        self.assertIn("certificate", r.stderr)
        r = self.run_tool("ml-release", *args, "--ca-bundle", "cert.pem", env=env)
        self.assertEqual(r.code, 0, r)
        names = fake.names("churn", "1.0")  # the file under its publish attempt's name (docs/ml-release.md)
        self.assertEqual((names[0], len(names), names[1].endswith("+2Fmodel.bin")), ("manifest.json", 2, True), names)
        self.assertFails(self.run_tool("ml-release", *args, "--ca-bundle", "missing.pem", env=env), 2,
                         "ml-release: error: 'missing.pem': --ca-bundle: No such file or directory")

    def test_ml_drift_pushgateway_over_https(self):
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        from fault_proxy import FaultProxy
        pushed = []

        class Gateway(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_PUT(self):
                pushed.append(self.rfile.read(int(self.headers["Content-Length"])))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        gateway = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
        threading.Thread(target=gateway.serve_forever, daemon=True).start()
        self.addCleanup(gateway.server_close)
        self.addCleanup(gateway.shutdown)
        front = FaultProxy(f"http://127.0.0.1:{gateway.server_address[1]}", tls=(self.cert, self.key))
        self.addCleanup(front.stop)
        self.write("ref.csv", "x\n1\n2\n3\n")
        args = ["--reference", "ref.csv", "--current", "ref.csv", "--pushgateway", front.base]
        r = self.run_tool("ml-drift", *args)
        self.assertEqual(r.code, 4, r)
        self.assertEqual(pushed, [])
        r = self.run_tool("ml-drift", *args, "--ca-bundle", self.cert)
        self.assertEqual(r.code, 0, r)
        self.assertEqual(len(pushed), 1)


if __name__ == "__main__":
    unittest.main()
