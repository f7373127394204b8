"""URL schemes are case-insensitive (RFC 3986, 3.1): where a tool takes a URL, HTTP://,
S3:// and FILE:// name what http://, s3:// and file:// do (docs/conventions.md)."""
import http.server
import json
import threading

from lean_cli import CliTest
from release_cli import PINNED


class SchemesInAnyCase(CliTest):
    def test_a_file_registry_url_in_capitals_is_the_local_folder(self):
        self.write("model.bin", b"w")
        url = "FILE://" + self.path("reg")
        r = self.run_tool("ml-release", "publish", "--registry", url, "--model", "churn", "--version", "1", "model.bin",
                          env=PINNED)
        self.assertEqual(r.code, 0, r)
        r = self.run_tool("ml-release", "list", "--registry", url, "--model", "churn", env=PINNED)
        self.assertEqual(r.code, 0, r)
        self.assertIn("1\t2026-01-01T00:00:00Z", r.stdout)

    def test_a_prometheus_url_in_capitals_is_queried(self):
        class Answer(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                body = json.dumps({"status": "success", "data": {"resultType": "vector", "result": [
                    {"metric": {}, "value": [1, "0.01"]}]}}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Answer)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        r = self.run_tool("ml-validate", "--prometheus", f"HTTP://127.0.0.1:{server.server_address[1]}", "--query",
                          "err=up", "--at", "1767225600", "--require", "err < 0.05", "--report", "r.json")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(self.read_json("r.json")["prometheus"]["url"], f"http://127.0.0.1:{server.server_address[1]}")
