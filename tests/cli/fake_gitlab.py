"""A stateful fake of the GitLab REST API routes ml-release uses, on 127.0.0.1.

Each route follows GitLab's documentation page named beside it. Like GitLab, the generic
package registry keeps every upload of a file name (duplicates), serves the newest one on
download, and reports each file's SHA-256 (file_sha256) in the package file record.
"""
import hashlib
import json
import re
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN = "glpat-fakeTOKEN0123456789"
JOB_TOKEN = "glcbt-fakeJOBTOKEN98765"
PROJECT = "acme/ml/models"


def now():
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body=None, headers=None):
        data = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream" if isinstance(body, bytes) else "application/json")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        n = self.headers.get("Content-Length")
        return self.rfile.read(int(n)) if n is not None else b""

    def handle_any(self, method):
        f = self.server.fake
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        with f.lock:
            f.requests.append((method, self.path))
        for fault in list(f.faults):
            if fault(self, method, url.path):
                return
        # https://docs.gitlab.com/ee/api/rest/authentication.html: PRIVATE-TOKEN or JOB-TOKEN.
        if self.headers.get("PRIVATE-TOKEN") != f.token and self.headers.get("JOB-TOKEN") != f.job_token:
            return self.send(401, {"message": "401 Unauthorized"})
        m = re.fullmatch(r"/api/v4/projects/([^/]+)(/.*)?", url.path)
        if not m or urllib.parse.unquote(m.group(1)) not in (PROJECT, str(f.project_id)):
            return self.send(404, {"message": "404 Project Not Found"})
        rest = m.group(2) or ""
        with f.lock:
            return self.route(method, rest, query)

    def route(self, method, rest, query):
        f = self.server.fake
        # https://docs.gitlab.com/ee/api/projects.html#get-a-single-project
        if rest == "" and method == "GET":
            return self.send(200, {"id": f.project_id, "path_with_namespace": PROJECT, "default_branch": "main"})
        # https://docs.gitlab.com/ee/user/packages/generic_packages/#publish-a-package
        # https://docs.gitlab.com/ee/user/packages/generic_packages/#download-a-package-file
        m = re.fullmatch(r"/packages/generic/([^/]+)/([^/]+)/([^/]+)", rest)
        if m:
            name, version, file_name = (urllib.parse.unquote(g) for g in m.groups())
            if method == "PUT":
                if self.headers.get("Content-Length") is None:
                    return self.send(400, {"message": "400 Bad request - Content-Length required"})
                data = self.body()
                package = f.package(name, version, create=True)
                fid = f.new_id()
                record = {"id": fid, "package_id": package["id"], "created_at": now(), "updated_at": now(),
                          "size": len(data), "file_store": 1, "file_md5": None, "file_sha1": None,
                          "file_name": file_name, "file_sha256": hashlib.sha256(data).hexdigest(),
                          "_data": data}
                package["files"].append(record)
                if query.get("select") == ["package_file"]:
                    return self.send(201, {k: v for k, v in record.items() if not k.startswith("_")})
                return self.send(201, {"message": "201 Created"})
            if method == "GET":
                package = f.package(name, version)
                matches = [x for x in (package["files"] if package else []) if x["file_name"] == file_name]
                if not matches:
                    return self.send(404, {"message": "404 Package Not Found"})
                newest = max(matches, key=lambda x: x["id"])  # duplicates: the most recent is served
                return self.send(200, newest["_data"])
        # https://docs.gitlab.com/ee/api/packages.html#for-a-project (list packages, paginated)
        if rest == "/packages" and method == "GET":
            items = [p for p in f.packages if p["files"]]
            if "package_type" in query:
                items = [p for p in items if p["package_type"] == query["package_type"][0]]
            if "package_name" in query:  # a fuzzy match, as documented
                items = [p for p in items if query["package_name"][0] in p["name"]]
            return self.paginate([{k: v for k, v in p.items() if k != "files"} for p in items], query)
        # https://docs.gitlab.com/ee/api/packages.html#list-package-files
        m = re.fullmatch(r"/packages/(\d+)/package_files", rest)
        if m and method == "GET":
            package = f.package_by_id(int(m.group(1)))
            if not package or not package["files"]:
                return self.send(404, {"message": "404 Package Not Found"})
            return self.paginate([{k: v for k, v in x.items() if not k.startswith("_")} for x in package["files"]], query)
        # https://docs.gitlab.com/ee/api/packages.html#delete-a-package-file
        m = re.fullmatch(r"/packages/(\d+)/package_files/(\d+)", rest)
        if m and method == "DELETE":
            package = f.package_by_id(int(m.group(1)))
            files = package["files"] if package else []
            if not any(x["id"] == int(m.group(2)) for x in files):
                return self.send(404, {"message": "404 Not found"})
            package["files"] = [x for x in files if x["id"] != int(m.group(2))]
            return self.send(204)
        # https://docs.gitlab.com/ee/api/releases/#create-a-release (links: https://docs.gitlab.com/ee/api/releases/links.html)
        if rest == "/releases" and method == "POST":
            req = json.loads(self.body() or b"{}")
            if req["tag_name"] in f.releases:
                return self.send(409, {"message": "Release already exists"})
            if "ref" not in req:
                return self.send(400, {"message": "Ref is not specified"})
            links = req.get("assets", {}).get("links", [])
            for link in links:
                if not link.get("name") or not link.get("url"):
                    return self.send(400, {"message": "name and url are required for a link"})
            f.releases[req["tag_name"]] = req
            return self.send(201, {"tag_name": req["tag_name"], "name": req.get("name"),
                                   "assets": {"links": [{"id": i + 1, **l} for i, l in enumerate(links)]}})
        return self.send(404, {"message": "404 Not Found"})

    def paginate(self, items, query):
        per_page = int(query.get("per_page", ["20"])[0])
        page = int(query.get("page", ["1"])[0])
        chunk = items[(page - 1) * per_page: page * per_page]
        more = page * per_page < len(items)
        return self.send(200, chunk, {"x-page": str(page), "x-per-page": str(per_page),
                                      "x-next-page": str(page + 1) if more else "", "x-total": str(len(items))})

    def do_GET(self):
        self.handle_any("GET")

    def do_PUT(self):
        self.handle_any("PUT")

    def do_POST(self):
        self.handle_any("POST")

    def do_DELETE(self):
        self.handle_any("DELETE")


class FakeGitLab:
    def __init__(self):
        self.lock = threading.RLock()
        self.token, self.job_token, self.project_id = TOKEN, JOB_TOKEN, 4242
        self.reset()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.fake = self
        self.api_url = f"http://127.0.0.1:{self.server.server_address[1]}/api/v4"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def reset(self):
        with self.lock:
            self.packages, self.releases, self.faults, self.requests, self.next_id = [], {}, [], [], 0

    def new_id(self):
        self.next_id += 1
        return self.next_id

    def package(self, name, version, create=False):
        for p in self.packages:
            if p["name"] == name and p["version"] == version:
                return p
        if not create:
            return None
        p = {"id": self.new_id(), "name": name, "version": version, "package_type": "generic", "status": "default",
             "created_at": now(), "files": []}
        self.packages.append(p)
        return p

    def package_by_id(self, pid):
        return next((p for p in self.packages if p["id"] == pid), None)

    def file(self, name, version, file_name):
        with self.lock:
            p = self.package(name, version)
            matches = [x for x in (p["files"] if p else []) if x["file_name"] == file_name]
            return max(matches, key=lambda x: x["id"]) if matches else None

    def names(self, name, version):
        with self.lock:
            p = self.package(name, version)
            return sorted(x["file_name"] for x in p["files"]) if p else []

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
