"""A real S3 for the tests: s3rver (node_modules/.bin/s3rver) on 127.0.0.1 with a random port,
behind a loopback proxy that recomputes every request's SigV4 signature with botocore and
answers 403 on a mismatch (s3rver itself does not check V4 signatures), checks the payload
hash, records every request, can inject faults, and answers AbortMultipartUpload (which
s3rver lacks). Loopback only."""
import datetime
import hashlib
import hmac
import http.client
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from lean_cli import SOURCE_DIR

ACCESS_KEY = "S3RVER"  # the only key s3rver accepts
SECRET_KEY = "S3RVER"
BUCKET = "models"
S3RVER = os.path.join(SOURCE_DIR, "node_modules", ".bin", "s3rver")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def closed_port():
    """A port on 127.0.0.1 where nothing listens."""
    return free_port()


def _error(code, message):
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
            f'<Message>{message}</Message></Error>').encode()


class Fault:
    """Answers the next `count` requests that match with `status` (or drops the connection)."""

    def __init__(self, status=503, code="SlowDown", method=None, query=None, path=None, count=1,
                 retry_after=None, drop=False, body=None):
        self.status, self.code, self.method, self.query, self.path = status, code, method, query, path
        self.count, self.retry_after, self.drop, self.body = count, retry_after, drop, body
        self.hits = 0

    def matches(self, method, path, query):
        if self.count <= 0:
            return False
        if self.method and self.method != method:
            return False
        if self.query and self.query not in query:
            return False
        if self.path and not re.search(self.path, path):
            return False
        return True


class Hold:
    """Keeps the first request that matches from going on until release(): `held` is set once
    it waits (the gc tests hold a publish's manifest write while gc runs)."""

    def __init__(self, method, path):
        self.method, self.path = method, path
        self.held, self.released = threading.Event(), threading.Event()

    def matches(self, method, path):
        return not self.held.is_set() and method == self.method and re.search(self.path, path)

    def release(self):
        self.released.set()


class Proxy(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, upstream_port, credentials=None):
        super().__init__(("127.0.0.1", 0), Handler)
        self.upstream_port = upstream_port
        self.credentials = credentials or {ACCESS_KEY: SECRET_KEY}
        self.lock = threading.Lock()
        self.write_lock = threading.Lock()
        self.requests = []  # (method, path, query, status)
        self.faults = []
        self.holds = []
        self.emulate_conditional_writes = False
        self.part_delay = 0.0
        self.in_flight_parts = 0
        self.max_in_flight_parts = 0
        self.signature_failures = []
        self.head_size_change = 0  # added to the Content-Length of every HEAD answer

    def reset(self):
        """Back to a plain, fault-free proxy: what every test starts from."""
        self.faults.clear()
        for hold in self.holds:
            hold.release()
        self.holds.clear()
        self.requests.clear()
        self.emulate_conditional_writes = False
        self.part_delay = 0.0
        self.max_in_flight_parts = 0
        self.signature_failures.clear()
        self.head_size_change = 0

    @property
    def port(self):
        return self.server_address[1]

    def handle_error(self, request, client_address):
        # A client killed mid-request (the interrupted-publish tests) is expected, not an error.
        import sys
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)

    def hold(self, method, path):
        """Holds the next `method` request whose path matches the regular expression `path`."""
        hold = Hold(method, path)
        with self.lock:
            self.holds.append(hold)
        return hold

    def take_hold(self, method, path):
        with self.lock:
            for hold in self.holds:
                if hold.matches(method, path):
                    hold.held.set()
                    return hold
        return None

    def take_fault(self, method, path, query):
        with self.lock:
            for fault in self.faults:
                if fault.matches(method, path, query):
                    fault.count -= 1
                    fault.hits += 1
                    return fault
        return None

    def record(self, method, path, query, status):
        with self.lock:
            self.requests.append((method, path, query, status))

    def calls(self, method=None, query=None):
        with self.lock:
            return [r for r in self.requests
                    if (method is None or r[0] == method) and (query is None or query in r[2])]


def verify_signature(method, raw_path, raw_query, headers, body, credentials):
    """None when the request is signed right, else (status, code, message)."""
    auth = headers.get("authorization")
    if not auth:
        return 403, "AccessDenied", "Anonymous access is not allowed"
    m = re.fullmatch(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, "
                     r"SignedHeaders=([^,]+), Signature=([0-9a-f]{64})", auth)
    if not m:
        return 400, "AuthorizationHeaderMalformed", "The authorization header is malformed"
    access_key, date, region, service, signed_headers, signature = m.groups()
    if access_key not in credentials:
        return 403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."
    signed = signed_headers.split(";")
    required = {"host", "x-amz-date", "x-amz-content-sha256"} | {h for h in headers if h.startswith("x-amz-")}
    if not required <= set(signed):
        return 403, "AccessDenied", f"headers not signed: {sorted(required - set(signed))}"
    amz_date = headers.get("x-amz-date", "")
    when = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
    if abs((datetime.datetime.now(datetime.timezone.utc) - when).total_seconds()) > 900 or amz_date[:8] != date:
        return 403, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large."
    content_sha = headers.get("x-amz-content-sha256", "")
    if content_sha != "UNSIGNED-PAYLOAD" and content_sha != hashlib.sha256(body).hexdigest():
        return 400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed."
    # What S3 does: the path and query must be in their canonical (once-encoded) form.
    if urllib.parse.quote(urllib.parse.unquote(raw_path), safe="/~") != raw_path:
        return 403, "SignatureDoesNotMatch", f"path not canonically encoded: {raw_path}"
    for pair in filter(None, raw_query.split("&")):
        for part in pair.split("=", 1):
            if urllib.parse.quote(urllib.parse.unquote(part), safe="-_.~") != part:
                return 403, "SignatureDoesNotMatch", f"query not canonically encoded: {raw_query}"
    request = AWSRequest(method=method, url=f"http://{headers['host']}{raw_path}" + (f"?{raw_query}" if raw_query else ""),
                         data=body, headers={h: headers[h] for h in signed if h in headers})
    request.context["timestamp"] = amz_date
    signer = S3SigV4Auth(Credentials(access_key, credentials[access_key], headers.get("x-amz-security-token")),
                         service, region)
    canonical = signer.canonical_request(request)
    expected = signer.signature(signer.string_to_sign(request, canonical), request)
    if not hmac.compare_digest(expected, signature):
        return 403, "SignatureDoesNotMatch", ("The request signature we calculated does not match the signature "
                                              "you provided. Check your key and signing method.")
    return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _answer(self, status, body=b"", headers=(), length=None):
        """`length`: a HEAD answer's Content-Length (the object's size, not the empty body's)."""
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int(self.rfile.readline().strip().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    return body
                body += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length", 0)))

    def handle_any(self):
        proxy = self.server
        body = self._read_body()
        raw_path, _, raw_query = self.path.partition("?")
        headers = {k.lower(): v for k, v in self.headers.items()}
        method = self.command

        problem = verify_signature(method, raw_path, raw_query, headers, body, proxy.credentials)
        if problem:
            proxy.signature_failures.append((method, self.path, problem))
            proxy.record(method, raw_path, raw_query, problem[0])
            return self._answer(problem[0], _error(problem[1], problem[2]))

        fault = proxy.take_fault(method, raw_path, raw_query)
        if fault:
            proxy.record(method, raw_path, raw_query, fault.status if not fault.drop else 0)
            if fault.drop:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            extra = [("Retry-After", str(fault.retry_after))] if fault.retry_after is not None else []
            return self._answer(fault.status, fault.body if fault.body is not None else _error(fault.code, "injected"), extra)

        hold = proxy.take_hold(method, raw_path)
        if hold:
            hold.released.wait(60)

        query = urllib.parse.parse_qs(raw_query, keep_blank_values=True)
        if method == "DELETE" and "uploadId" in query:
            # AbortMultipartUpload: s3rver would take it for a DeleteObject.
            proxy.record(method, raw_path, raw_query, 204)
            return self._answer(204)

        is_part = method == "PUT" and "partNumber" in query
        if is_part:
            with proxy.lock:
                proxy.in_flight_parts += 1
                proxy.max_in_flight_parts = max(proxy.max_in_flight_parts, proxy.in_flight_parts)
            time.sleep(proxy.part_delay)
        try:
            conditional = (method == "PUT" and not is_part and proxy.emulate_conditional_writes
                           and ("if-match" in headers or "if-none-match" in headers))
            # Real S3 replaces an object atomically: a reader sees the old one or the new one.
            # s3rver writes in place, so while S3's semantics are emulated a read waits for a
            # write in progress instead of seeing half of it.
            if proxy.emulate_conditional_writes and method in ("PUT", "DELETE", "GET", "HEAD") and not is_part:
                with proxy.write_lock:
                    if conditional:
                        current = self._forward("HEAD", raw_path, "", {"host": headers["host"]}, b"")[1]
                        etag = current.get("etag") if current else None
                        if ("if-none-match" in headers and etag) or \
                           ("if-match" in headers and etag != headers["if-match"]):
                            proxy.record(method, raw_path, raw_query, 412)
                            return self._answer(412, _error("PreconditionFailed", "At least one of the pre-conditions you specified did not hold"))
                    status, out_headers, out_body = self._forward(method, raw_path, raw_query, headers, body)
            else:
                status, out_headers, out_body = self._forward(method, raw_path, raw_query, headers, body)
        finally:
            if is_part:
                with proxy.lock:
                    proxy.in_flight_parts -= 1
        proxy.record(method, raw_path, raw_query, status)
        length = (out_headers or {}).get("content-length") if method == "HEAD" else None
        if length and proxy.head_size_change:
            length = str(int(length) + proxy.head_size_change)
        self._answer(status, out_body, [(k, v) for k, v in (out_headers or {}).items()
                                        if k not in ("content-length", "transfer-encoding", "connection")], length)

    def _forward(self, method, raw_path, raw_query, headers, body):
        conn = http.client.HTTPConnection("127.0.0.1", self.server.upstream_port, timeout=60)
        try:
            forwarded = {k: v for k, v in headers.items() if k not in ("connection", "expect", "transfer-encoding")}
            forwarded["content-length"] = str(len(body))
            conn.request(method, raw_path + (f"?{raw_query}" if raw_query else ""), body=body, headers=forwarded)
            response = conn.getresponse()
            data = response.read()
            if method == "HEAD" and response.status == 404:
                return 404, None, b""
            return response.status, {k.lower(): v for k, v in response.getheaders()}, data
        finally:
            conn.close()

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any


class S3Fixture:
    """s3rver + the verifying proxy; `endpoint` is the proxy's URL, `direct` s3rver's."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="lean-s3rver-")
        self.process = None
        for _ in range(5):
            port = free_port()
            self.process = subprocess.Popen(
                [S3RVER, "-d", self.dir, "-a", "127.0.0.1", "-p", str(port), "--silent", "--configure-bucket", BUCKET],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if self._wait(port):
                self.port = port
                break
            self.process.kill()
            self.process.wait()
        else:
            raise RuntimeError("s3rver did not start")
        self.proxy = Proxy(self.port)
        self.thread = threading.Thread(target=self.proxy.serve_forever, daemon=True)
        self.thread.start()

    def _wait(self, port):
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    return True
            except OSError:
                time.sleep(0.05)
        return False

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.proxy.port}"

    @property
    def direct(self):
        return f"http://127.0.0.1:{self.port}"

    def env(self, **extra):
        environment = {"AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY, "AWS_REGION": "us-east-1",
                       "AWS_ENDPOINT_URL": self.endpoint, "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1",
                       "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}
        for name in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL_S3", "AWS_CA_BUNDLE"):
            environment[name] = ""
        environment.update(extra)
        return environment

    def aws(self, *args, endpoint=None):
        """The AWS CLI (Debian's awscli) against the proxy, so its requests are verified too."""
        aws = shutil.which("aws", path="/usr/bin") or "aws"
        environment = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        environment.update({"AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
                            "AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": "/dev/null",
                            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "NO_PROXY": "127.0.0.1"})
        return subprocess.run([aws, "--endpoint-url", endpoint or self.endpoint, *args], env=environment,
                              capture_output=True, text=True, timeout=300)

    def stop(self):
        self.proxy.shutdown()
        self.proxy.server_close()
        if self.process:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.dir, ignore_errors=True)
