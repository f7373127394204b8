"""A stateful fake of GitHub's releases API on 127.0.0.1, behind Stoplight Prism in proxy mode.

Every request ml-release sends goes to Prism, which validates it against GitHub's published
OpenAPI description (trimmed by github_spec.py), forwards it here, and validates this fake's
answer on the way back: a request or a response that breaks GitHub's contract becomes a Prism
error, which the tests look for in Prism's log. Only the asset download's redirect target (GitHub's
storage host, not part of the REST API) is served here directly.

Behaviour follows https://docs.github.com/rest/releases/releases and .../releases/assets:
drafts are listed only to the token, GET .../releases/tags/{tag} finds published releases only,
an asset name is unique within a release (422 already_exists), a dropped upload leaves an asset
in state "open" that holds its name, published releases are immutable (GitHub's immutable
releases), uploads need Content-Length, and assets carry "digest": "sha256:...".
"""
import hashlib
import http.client
import json
import os
import re
import socket
import subprocess
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from github_spec import trimmed_release_spec
from lean_cli import SOURCE_DIR

TOKEN = "ghs_fake0123456789abcdefTOKEN"
USER = {
    "login": "octocat", "id": 1, "node_id": "MDQ6VXNlcjE=", "avatar_url": "https://github.com/images/error/octocat.gif",
    "gravatar_id": "", "url": "https://api.github.com/users/octocat", "html_url": "https://github.com/octocat",
    "followers_url": "https://api.github.com/users/octocat/followers",
    "following_url": "https://api.github.com/users/octocat/following{/other_user}",
    "gists_url": "https://api.github.com/users/octocat/gists{/gist_id}",
    "starred_url": "https://api.github.com/users/octocat/starred{/owner}{/repo}",
    "subscriptions_url": "https://api.github.com/users/octocat/subscriptions",
    "organizations_url": "https://api.github.com/users/octocat/orgs",
    "repos_url": "https://api.github.com/users/octocat/repos", "events_url": "https://api.github.com/users/octocat/events{/privacy}",
    "received_events_url": "https://api.github.com/users/octocat/received_events", "type": "User", "site_admin": False,
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def now():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class State:
    def __init__(self, repo):
        self.repo = repo
        self.lock = threading.RLock()
        self.releases = {}  # id -> dict (with "assets": list of asset ids)
        self.assets = {}    # id -> dict (+ "_data" bytes, "_release")
        self.next_id = 100
        self.faults = []    # callables (handler, method, path) -> True when they answered
        self.requests = []  # (method, path) as received
        self.immutable = True

    def new_id(self):
        self.next_id += 1
        return self.next_id


class AnyMethod(BaseHTTPRequestHandler):
    """Every method of GitHub's releases API goes to handle_any(method)."""
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_PATCH(self):
        self.handle_any("PATCH")

    def do_DELETE(self):
        self.handle_any("DELETE")


class Handler(AnyMethod):
    server_version = "FakeGitHub/1.0"

    @property
    def state(self):
        return self.server.state

    # ---- helpers ----
    def send(self, status, body=None, headers=None):
        data = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        self.send_response(status)
        if body is not None and not isinstance(body, bytes):
            self.send_header("Content-Type", "application/json; charset=utf-8")
        elif body is not None:
            self.send_header("Content-Type", "application/octet-stream")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("x-ratelimit-limit", "5000")
        self.send_header("x-ratelimit-remaining", "4999")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if data:
            self.wfile.write(data)

    def error(self, status, message, errors=None):
        body = {"message": message, "documentation_url": "https://docs.github.com/rest/releases"}
        if errors:
            body["errors"] = errors
        self.send(status, body)

    def body(self):
        length = self.headers.get("Content-Length")
        if length is None:
            return None
        return self.rfile.read(int(length))

    def base(self):
        return f"http://{self.headers.get('Host')}"

    def release_json(self, r):
        s = self.state
        base = f"https://api.github.com/repos/{s.repo}"
        out = {k: v for k, v in r.items() if not k.startswith("_") and k != "assets"}
        out.update({
            "url": f"{base}/releases/{r['id']}", "html_url": f"https://github.com/{s.repo}/releases/tag/{r['tag_name']}",
            "assets_url": f"{base}/releases/{r['id']}/assets",
            "upload_url": f"{self.server.public_url}/repos/{s.repo}/releases/{r['id']}/assets{{?name,label}}",
            "tarball_url": f"{base}/tarball/{r['tag_name']}", "zipball_url": f"{base}/zipball/{r['tag_name']}",
            "node_id": f"RE_{r['id']}", "author": USER, "target_commitish": "main",
            "assets": [self.asset_json(s.assets[a]) for a in r["assets"]],
        })
        return out

    def asset_json(self, a):
        return {k: v for k, v in a.items() if not k.startswith("_")}

    def authorized(self):
        if self.headers.get("Authorization") != f"token {self.server.token}":
            self.error(401, "Bad credentials")
            return False
        return True

    # ---- dispatch ----
    def handle_any(self, method):
        url = urllib.parse.urlsplit(self.path)
        path, query = url.path, urllib.parse.parse_qs(url.query)
        s = self.state
        with s.lock:
            s.requests.append((method, self.path))
        for fault in list(s.faults):
            if fault(self, method, path):
                return
        if path.startswith("/download/"):  # the storage host a download redirects to
            with s.lock:
                a = s.assets.get(int(path.split("/")[2]))
            if not a:
                return self.send(404, b"")
            return self.send(200, a["_data"])
        if not self.authorized():
            return
        prefix = f"/repos/{s.repo}/releases"
        if not path.startswith(prefix):
            return self.error(404, "Not Found")
        rest = path[len(prefix):]
        with s.lock:
            return self.route(method, rest, query)

    def route(self, method, rest, query):
        s = self.state
        if rest == "" and method == "GET":
            items = sorted(s.releases.values(), key=lambda r: -r["id"])
            per_page = int(query.get("per_page", ["30"])[0])
            page = int(query.get("page", ["1"])[0])
            chunk = items[(page - 1) * per_page: page * per_page]
            headers = {}
            if page * per_page < len(items):
                headers["Link"] = (f'<{self.server.public_url}/repos/{s.repo}/releases?per_page={per_page}&page={page + 1}>;'
                                   ' rel="next"')
            return self.send(200, [self.release_json(r) for r in chunk], headers)
        if rest == "" and method == "POST":
            req = json.loads(self.body() or b"{}")
            tag = req["tag_name"]
            if any(r["tag_name"] == tag and not r["draft"] for r in s.releases.values()):
                return self.error(422, "Validation Failed",
                                  [{"resource": "Release", "code": "already_exists", "field": "tag_name"}])
            rid = s.new_id()
            draft = bool(req.get("draft", False))
            s.releases[rid] = {"id": rid, "tag_name": tag, "name": req.get("name", tag), "body": req.get("body", ""),
                               "draft": draft, "prerelease": bool(req.get("prerelease", False)),
                               "immutable": False, "created_at": now(), "published_at": None if draft else now(),
                               "updated_at": now(), "assets": []}
            return self.send(201, self.release_json(s.releases[rid]),
                             {"Location": f"https://api.github.com/repos/{s.repo}/releases/{rid}"})
        m = re.fullmatch(r"/tags/(.+)", rest)
        if m and method == "GET":
            tag = urllib.parse.unquote(m.group(1))
            for r in s.releases.values():
                if r["tag_name"] == tag and not r["draft"]:
                    return self.send(200, self.release_json(r))
            return self.error(404, "Not Found")
        m = re.fullmatch(r"/assets/(\d+)", rest)
        if m:
            a = s.assets.get(int(m.group(1)))
            if not a:
                return self.error(404, "Not Found")
            if method == "GET":
                if self.headers.get("Accept") == "application/octet-stream":
                    return self.send(302, None, {"Location": f"{self.server.direct_url}/download/{a['id']}?sig=abc"})
                return self.send(200, self.asset_json(a))
            release = s.releases[a["_release"]]
            if release.get("immutable"):
                return self.error(422, "Cannot modify an asset of an immutable release")
            if method == "DELETE":
                release["assets"].remove(a["id"])
                del s.assets[a["id"]]
                return self.send(204)
        m = re.fullmatch(r"/(\d+)(/assets)?", rest)
        if m:
            r = s.releases.get(int(m.group(1)))
            if not r:
                return self.error(404, "Not Found")
            if m.group(2) and method == "GET":
                return self.send(200, [self.asset_json(s.assets[a]) for a in r["assets"]])
            if m.group(2) and method == "POST":
                return self.upload(r, query)
            if method == "GET":
                return self.send(200, self.release_json(r))
            if method == "PATCH":
                req = json.loads(self.body() or b"{}")
                if r.get("immutable"):
                    return self.error(422, "Cannot modify an immutable release")
                if req.get("draft") is False and r["draft"]:
                    if any(o["tag_name"] == r["tag_name"] and not o["draft"] for o in s.releases.values()):
                        return self.error(422, "Validation Failed",
                                          [{"resource": "Release", "code": "already_exists", "field": "tag_name"}])
                    r["draft"] = False
                    r["published_at"] = now()
                    r["immutable"] = s.immutable
                for k in ("name", "body", "tag_name"):
                    if k in req:
                        r[k] = req[k]
                return self.send(200, self.release_json(r))
            if method == "DELETE":
                for a in r["assets"]:
                    del s.assets[a]
                del s.releases[r["id"]]
                return self.send(204)
        return self.error(404, "Not Found")

    def upload(self, r, query):
        s = self.state
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked" or self.headers.get("Content-Length") is None:
            return self.error(400, "Content-Length required: chunked uploads are not supported")
        if r.get("immutable"):
            self.body()
            return self.error(422, "Cannot upload assets to an immutable release")
        name = query["name"][0]
        data = self.body()
        raw = self.server.stash.pop(self.headers.get("X-Test-Body-Id", ""), None)
        if raw is not None and raw.decode("utf-8", "replace").encode() in (data, raw):
            data = raw
        if any(s.assets[a]["name"] == name for a in r["assets"]):
            return self.error(422, "Validation Failed",
                              [{"resource": "ReleaseAsset", "code": "already_exists", "field": "name"}])
        aid = s.new_id()
        s.assets[aid] = {
            "url": f"https://api.github.com/repos/{s.repo}/releases/assets/{aid}",
            "browser_download_url": f"https://github.com/{s.repo}/releases/download/{r['tag_name']}/{name}",
            "id": aid, "node_id": f"RA_{aid}", "name": name, "label": query.get("label", [None])[0], "state": "uploaded",
            "content_type": self.headers.get("Content-Type"), "size": len(data),
            "digest": "sha256:" + hashlib.sha256(data).hexdigest(), "download_count": 0,
            "created_at": now(), "updated_at": now(), "uploader": USER, "_data": data, "_release": r["id"]}
        r["assets"].append(aid)
        return self.send(201, self.asset_json(s.assets[aid]))


class Front(AnyMethod):
    """What ml-release talks to: relays every request to Prism and Prism's answer back.

    One exception, because Prism's proxy follows redirects itself: GET .../releases/assets/{id}
    with Accept: application/octet-stream answers GitHub's 302 to the storage host. That request
    still goes through Prism first (as the JSON variant of the same operation, so Prism checks
    the path and the fake's asset), and the 302 is the answer GitHub's description documents."""

    def relay(self, method, headers=None):
        body = None
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return self.reply(400, {"message": "chunked uploads are not supported"}, {})
        if self.headers.get("Content-Length") is not None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
        conn = http.client.HTTPConnection("127.0.0.1", self.server.prism_port, timeout=60)
        sent = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
        sent.update(headers or {})
        if body:
            # Prism passes bodies on as text, which mangles binary files: the fake takes the
            # bytes from here (and checks they are what Prism passed on, read as text).
            body_id = uuid.uuid4().hex
            self.server.stash[body_id] = body
            sent["X-Test-Body-Id"] = body_id
        conn.request(method, self.path, body=body, headers=sent)
        response = conn.getresponse()
        data = response.read()
        conn.close()
        return response.status, data, response.getheaders()

    def reply(self, status, body, headers):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        for k, v in headers:
            if k.lower() not in ("content-length", "transfer-encoding", "connection", "keep-alive"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def handle_any(self, method):
        if method == "GET" and self.headers.get("Accept") == "application/octet-stream" and \
                re.fullmatch(r"/repos/[^/]+/[^/]+/releases/assets/\d+", self.path):
            status, data, headers = self.relay(method, {"Accept": "application/vnd.github+json"})
            if status == 200:
                aid = self.path.rsplit("/", 1)[1]
                return self.reply(302, b"", [("Location", f"{self.server.direct_url}/download/{aid}?sig=abc")])
            return self.reply(status, data, headers)
        status, data, headers = self.relay(method)
        self.reply(status, data, headers)


class FakeGitHub:
    """The fake on one port, Prism in front of it, and the relay in front of Prism (`api_url`)."""

    def __init__(self, repo="acme/models", token=TOKEN, spec_dir=None):
        self.state = State(repo)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.state = self.state
        self.server.token = token
        self.direct_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.server.direct_url = self.direct_url
        self.prism_port = free_port()
        self.front = ThreadingHTTPServer(("127.0.0.1", 0), Front)
        self.front.daemon_threads = True
        self.front.prism_port = self.prism_port
        self.front.direct_url = self.direct_url
        self.front.stash = self.server.stash = {}
        self.api_url = f"http://127.0.0.1:{self.front.server_address[1]}"
        self.server.public_url = self.api_url  # upload_url goes the same way
        for server in (self.server, self.front):
            threading.Thread(target=server.serve_forever, daemon=True).start()
        spec = trimmed_release_spec(os.path.join(spec_dir, "github-releases.json"))
        self.log_path = os.path.join(spec_dir, "prism.log")
        self.log = open(self.log_path, "w")
        self.prism = subprocess.Popen(
            [os.path.join(SOURCE_DIR, "node_modules", ".bin", "prism"), "proxy", spec, self.direct_url, "--host",
             "127.0.0.1", "--port", str(self.prism_port), "--errors"],
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.prism_port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("Prism did not start: " + open(self.log_path).read())

    def violations(self):
        """Prism's verdicts: every request or response that broke GitHub's published contract."""
        with open(self.log_path) as f:
            return [line.strip() for line in f if "VIOLATIONS" in line or "UNPROCESSABLE_ENTITY" in line
                    or "NO_PATH_MATCHED" in line or "NOT_ACCEPTABLE" in line]

    def reset(self, token=TOKEN):
        with self.state.lock:
            self.state.releases.clear()
            self.state.assets.clear()
            self.state.faults.clear()
            self.state.requests.clear()
            self.state.immutable = True
        self.server.token = token
        self.server.public_url = self.api_url

    def without_prism(self):
        """The fake's own URL, for bodies over Prism's 10 MB limit (HTTP 413); release upload
        URLs point there too, until reset()."""
        self.server.public_url = self.direct_url
        return self.direct_url

    def stop(self):
        self.prism.terminate()
        try:
            self.prism.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.prism.kill()
        self.log.close()
        for server in (self.front, self.server):
            server.shutdown()
            server.server_close()

    # views for assertions
    def release(self, tag):
        with self.state.lock:
            for r in self.state.releases.values():
                if r["tag_name"] == tag:
                    return r
        return None

    def asset_names(self, tag):
        r = self.release(tag)
        with self.state.lock:
            return sorted(self.state.assets[a]["name"] for a in r["assets"]) if r else []

    def asset_data(self, tag, name):
        r = self.release(tag)
        with self.state.lock:
            for a in r["assets"]:
                if self.state.assets[a]["name"] == name:
                    return self.state.assets[a]["_data"]
        return None
