"""A fault-injecting HTTP proxy on 127.0.0.1 for the fault-injection trials (docs/hardening.md).

It sits between a tool and any HTTP backend (the S3 fixture, the fake GitHub, the fake
GitLab), forwards every request, and injects one scripted fault at a chosen request number:

  reset_request   the connection is reset (RST) before the request is forwarded: an upload
                  dies mid-body and the store never sees it
  reset_response  the request is forwarded, then the answer is cut by a reset halfway
                  through its body: the store did the work, the tool never hears so
  truncate        the request is forwarded, the answer announces its full length and ends
                  (FIN) halfway through
  http_500        500 Internal Server Error, not forwarded
  slow_down       503 with S3's SlowDown error body, not forwarded
  too_many        429 with Retry-After: 1, not forwarded
  stall           the request is forwarded only after longer than the tool's stall timeout
                  (the store does the work late, after the tool gave up on that attempt)
  outage          503 on this request and the next 7: more than the tool's 5 attempts, so
                  the step fails for good (the cleanup after it gets through)

Response bodies and Location headers that name the upstream are rewritten to name the
proxy, so follow-up requests (GitHub's upload_url) also pass through it. S3 multipart
uploads are tracked from the answers: `open_uploads()` lists those neither completed nor
aborted.
"""
import http.client
import re
import socket
import ssl
import struct
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FAULTS = ("reset_request", "reset_response", "truncate", "http_500", "slow_down", "too_many", "stall", "outage")
SLOW_DOWN = (b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code>'
             b'<Message>Please reduce your request rate.</Message></Error>')


class FaultProxy(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, upstream, stall_seconds=3.0, tls=None):
        """`upstream`: "http://127.0.0.1:PORT" (a path prefix is kept as given); `tls`: (cert, key)
        PEM files to speak HTTPS to the tool (a TLS-terminating front for the HTTP fakes)."""
        super().__init__(("127.0.0.1", 0), _Handler)
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self.socket = context.wrap_socket(self.socket, server_side=True)
        match = re.match(r"http://([^/:]+):(\d+)", upstream)
        self.upstream_host, self.upstream_port = match.group(1), int(match.group(2))
        self.upstream_base = f"http://{self.upstream_host}:{self.upstream_port}"
        self.base = f"{'https' if tls else 'http'}://127.0.0.1:{self.server_address[1]}"
        self.stall_seconds = stall_seconds
        self.lock = threading.Lock()
        self.count = 0            # requests seen since arm()
        self.fault = None         # (kind, request number)
        self.outage_left = 0
        self.injected = []        # (request number, kind, method, path)
        self.uploads = {}         # S3 UploadId -> "open" | "completed" | "aborted"
        self.stalled = []         # threads forwarding late
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def url(self, upstream_url):
        """The proxied form of an upstream URL."""
        return upstream_url.replace(self.upstream_base, self.base)

    def arm(self, kind=None, at=0):
        """The next run: fault `kind` on request number `at` (1-based); None: no fault."""
        self.wait_for_stalled()
        with self.lock:
            self.count, self.fault, self.outage_left, self.injected = 0, (kind, at) if kind else None, 0, []

    def requests(self):
        with self.lock:
            return self.count

    def open_uploads(self):
        self.wait_for_stalled()
        with self.lock:
            return sorted(u for u, state in self.uploads.items() if state == "open")

    def wait_for_stalled(self):
        for thread in list(self.stalled):
            thread.join(timeout=60)
        self.stalled = [t for t in self.stalled if t.is_alive()]

    def take(self, method, path):
        with self.lock:
            self.count += 1
            n = self.count
            if self.outage_left > 0:
                self.outage_left -= 1
                self.injected.append((n, "outage", method, path))
                return "outage"
            if self.fault and self.fault[1] == n:
                kind = self.fault[0]
                if kind == "outage":
                    self.outage_left = 7
                self.injected.append((n, kind, method, path))
                return kind
            return None

    def stop(self):
        self.wait_for_stalled()
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _reset(self):
        """Closes the connection with a TCP reset instead of a normal close."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass

    def _read_body(self):
        length = int(self.headers.get("Content-Length", 0) or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status, headers, body, cut=None):
        """Sends an answer; `cut`: "reset" or "fin" halfway through the body."""
        self.send_response_only(status)
        for name, value in headers:
            self.send_header(name, value)
        # An empty answer is cut too: it announces one byte that never comes. A HEAD answer
        # keeps the upstream's Content-Length (the object's size).
        if not any(name.lower() == "content-length" for name, _ in headers):
            self.send_header("Content-Length", str(len(body) if body or not cut else 1))
        if cut:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command == "HEAD":
            return
        if not cut:
            self.wfile.write(body)
            return
        self.wfile.write(body[: len(body) // 2])
        self.wfile.flush()
        if cut == "reset":
            self._reset()
        else:
            self.close_connection = True

    def _forward(self, method, body):
        proxy = self.server
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "transfer-encoding")}
        conn = http.client.HTTPConnection(proxy.upstream_host, proxy.upstream_port, timeout=120)
        try:
            conn.request(method, self.path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            dropped = ("transfer-encoding", "connection") if method == "HEAD" else ("content-length", "transfer-encoding", "connection")
            out_headers = [(k, v) for k, v in response.getheaders() if k.lower() not in dropped]
            return response.status, out_headers, data
        finally:
            conn.close()

    def _rewrite(self, headers, body):
        proxy = self.server
        upstream, mine = proxy.upstream_base.encode(), proxy.base.encode()
        body = body.replace(upstream, mine)
        headers = [(k, v.replace(proxy.upstream_base, proxy.base)) if k.lower() == "location" else (k, v)
                   for k, v in headers]
        return headers, body

    def _track_uploads(self, method, status, body):
        """S3 multipart uploads: created by POST ?uploads, ended by POST/DELETE ?uploadId=."""
        proxy = self.server
        query = self.path.partition("?")[2]
        with proxy.lock:
            if method == "POST" and re.search(r"(^|&)uploads(=|&|$)", query) and 200 <= status < 300:
                found = re.search(rb"<UploadId>([^<]+)</UploadId>", body)
                if found:
                    proxy.uploads[found.group(1).decode()] = "open"
            upload = re.search(r"uploadId=([^&]+)", query)
            if upload and 200 <= status < 300:
                upload_id = urllib.parse.unquote(upload.group(1))
                if method == "DELETE":
                    proxy.uploads[upload_id] = "aborted"
                elif method == "POST" and b"<Error>" not in body:
                    proxy.uploads[upload_id] = "completed"

    def handle_any(self):
        proxy = self.server
        method = self.command
        kind = proxy.take(method, self.path)
        if kind == "reset_request":
            # Read part of the body at most, then reset: the store never gets this request.
            length = int(self.headers.get("Content-Length", 0) or 0)
            if length:
                self.rfile.read(min(length, 1 + length // 2))
            return self._reset()
        body = self._read_body()
        if kind in ("http_500", "slow_down", "too_many", "outage"):
            status = {"http_500": 500, "slow_down": 503, "too_many": 429, "outage": 503}[kind]
            extra = [("Retry-After", "1")] if kind == "too_many" else []
            payload = SLOW_DOWN if kind in ("slow_down", "outage") else b"injected fault"
            return self._send(status, extra + [("Content-Type", "application/xml")], payload)
        if kind == "stall":
            # The store does the work late; the tool's attempt has given up by then.
            done = threading.Event()

            def late():
                time.sleep(proxy.stall_seconds)
                try:
                    status, headers, data = self._forward(method, body)
                    self._track_uploads(method, status, data)
                except OSError:
                    pass
                done.set()

            thread = threading.Thread(target=late, daemon=True)
            proxy.stalled.append(thread)
            thread.start()
            done.wait(proxy.stall_seconds + 60)
            try:
                self._send(503, [], SLOW_DOWN)
            except OSError:
                pass
            return
        status, headers, data = self._forward(method, body)
        self._track_uploads(method, status, data)
        headers, data = self._rewrite(headers, data)
        if kind == "reset_response":
            return self._send(status, headers, data, cut="reset")
        if kind == "truncate":
            return self._send(status, headers, data, cut="fin")
        self._send(status, headers, data)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = do_PATCH = handle_any
