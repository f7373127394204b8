"""The GitHub backend's REST layer (tests/drivers/github_driver) replayed against real GitHub
conversations recorded by @octokit/fixtures, scenarios release-assets and
release-assets-conflict, served by @octokit/fixtures-server on 127.0.0.1.

The server answers a recorded request only when it comes next in the recording, with the
recorded method, path, query, headers (Accept, Authorization, Content-Type, Content-Length)
and body; anything else is a 404. So every answer below that carries a recorded id proves the
request our code sent was the one GitHub received, and the assertions check what our code
parsed out of GitHub's real answers. After the last recorded answer the scenario is gone.

Where the flow deviates from the recordings, and why:
- The recordings upload with Content-Type text/plain; the backend sends
  application/octet-stream (the only type GitHub's OpenAPI description names for this
  endpoint), so the driver is told to send text/plain. The control test shows that the
  replay refuses the backend's own type: the header is really compared.
- release-assets goes on with GET, PATCH (rename, relabel) and DELETE of the single asset.
  The backend never reads a single asset and never edits one (the label is set by the
  upload's label parameter), so its replay ends after the listing; the test checks that
  the GET of the single asset is what the recording expects next.
- The releases are published ones that ml-release did not create (no marker in the body),
  so they are driven through the REST layer and the backend's clash handling
  (upload_asset_resolving_clash), not through ml-release publish, which would refuse them.
"""
import json
import os
import subprocess
import unittest
import urllib.error
import urllib.request

from lean_cli import BIN_DIR, SOURCE_DIR, CliTest

DRIVER = os.path.join(BIN_DIR, "github_driver")
SERVER_SCRIPT = os.path.join(SOURCE_DIR, "tests", "cli", "fixtures_server.mjs")
# The token of the recordings (@octokit/fixtures normalizes every token to this one).
TOKEN = "0000000000000000000000000000000000000001"
ORG = "octokit-fixture-org"
UPLOAD = b"Hello, world!\n"  # the recorded upload body


class FixturesServer:
    def __init__(self):
        self.proc = subprocess.Popen(["node", SERVER_SCRIPT], cwd=os.path.join(SOURCE_DIR, "tests", "cli"),
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     start_new_session=True)
        port = self.proc.stdout.readline().strip()
        if not port.isdigit():
            self.stop()
            raise RuntimeError("fixtures-server did not start: " + self.proc.stderr.read())
        self.url = f"http://127.0.0.1:{port}"

    def load(self, scenario):
        """A fresh copy of the scenario; its API base URL (GitHub's https://api.github.com)."""
        request = urllib.request.Request(self.url + "/fixtures", data=json.dumps({"scenario": scenario}).encode(),
                                         headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)["url"]

    def next_expected(self, api_url):
        """What the recording expects next ("GET /repos/..."), or None when it is used up."""
        request = urllib.request.Request(api_url + "/lean-mlops-probe", headers={"Accept": "application/json"})
        try:
            urllib.request.urlopen(request, timeout=30)
        except urllib.error.HTTPError as e:
            error = json.load(e)["error"]
            if error.endswith("not found"):
                return None
            return error.split(" does not match next fixture: ")[1]
        raise AssertionError("the probe matched a recorded request")

    def stop(self):
        self.proc.kill()
        self.proc.wait(timeout=10)
        self.proc.stdout.close()
        self.proc.stderr.close()


SERVER = None


def setUpModule():
    global SERVER
    SERVER = FixturesServer()


def tearDownModule():
    SERVER.stop()


class RecordedConversations(CliTest):
    def drive(self, scenario, *steps, content_type="text/plain", token=TOKEN):
        """Runs the steps against a fresh copy of the scenario: (exit code, parsed lines, stderr, api url)."""
        api_url = SERVER.load(scenario)
        upload = self.write("test-upload.txt", UPLOAD)
        steps = [s.replace("FILE", upload) for s in steps]
        proc = subprocess.run([DRIVER, "--api-url", api_url, "--repo", f"{ORG}/{scenario}", "--content-type",
                               content_type, *steps], env={**os.environ, "GITHUB_TOKEN": token},
                              capture_output=True, text=True, timeout=120)
        lines = [json.loads(line) for line in proc.stdout.splitlines()]
        self.assertNotIn(token, proc.stdout + proc.stderr)
        return proc.returncode, lines, proc.stderr, api_url

    def assertRecordedRelease(self, step, scenario, api_url):
        release = step["release"]
        self.assertEqual((release["id"], release["tag"], release["name"], release["draft"], release["assets"]),
                         (1000, "v1.0.0", "Version 1.0.0", False, []))
        # The upload host is the release's upload_url (the server points uploads.github.com at itself).
        self.assertEqual(release["upload_url"],
                         api_url.replace("/api.github.com/", "/uploads.github.com/") +
                         f"/repos/{ORG}/{scenario}/releases/1000/assets{{?name,label}}")

    def assertRecordedAsset(self, asset, asset_id):
        self.assertEqual(asset, {"id": asset_id, "name": "test-upload.txt", "label": "test", "state": "uploaded",
                                 "size": len(UPLOAD), "digest": "", "updated_at": "2017-10-10T16:00:00Z"})

    def test_release_assets_get_upload_list(self):
        code, lines, stderr, api_url = self.drive("release-assets", "release:v1.0.0",
                                                  "upload:FILE:test-upload.txt:test:keep", "assets")
        self.assertEqual(code, 0, stderr)
        self.assertEqual([line["step"] for line in lines], ["release", "upload", "assets"])
        self.assertRecordedRelease(lines[0], "release-assets", api_url)
        self.assertRecordedAsset(lines[1]["asset"], 1000)
        self.assertEqual(len(lines[2]["assets"]), 1)
        self.assertRecordedAsset(lines[2]["assets"][0], 1000)
        # Every request before was matched and consumed in order: next is the single-asset GET
        # the backend never makes.
        self.assertEqual(SERVER.next_expected(api_url),
                         f"GET /repos/{ORG}/release-assets/releases/assets/1000")

    def test_release_assets_conflict_replaces_the_asset_that_holds_the_name(self):
        # POST -> 422 already_exists, GET the assets, DELETE the holder (id 1000), POST again -> 201:
        # the backend's clash handling makes exactly GitHub's recorded conversation.
        code, lines, stderr, api_url = self.drive("release-assets-conflict", "release:v1.0.0",
                                                  "upload:FILE:test-upload.txt:test:replace")
        self.assertEqual(code, 0, stderr)
        self.assertRecordedRelease(lines[0], "release-assets-conflict", api_url)
        # 1001 is only in the answer to the last recorded request.
        self.assertRecordedAsset(lines[1]["asset"], 1001)
        self.assertIsNone(SERVER.next_expected(api_url), "the whole recording was replayed")

    def test_release_assets_conflict_keeps_an_asset_that_is_not_ours_to_replace(self):
        # A channel pointer or a manifest whose name is taken: the upload lost a race, nothing is deleted.
        code, lines, stderr, api_url = self.drive("release-assets-conflict", "release:v1.0.0",
                                                  "upload:FILE:test-upload.txt:test:keep")
        self.assertEqual(code, 0, stderr)
        self.assertEqual(lines[1], {"step": "upload", "asset": None})
        self.assertEqual(SERVER.next_expected(api_url),
                         f"DELETE /repos/{ORG}/release-assets-conflict/releases/assets/1000")

    def test_the_replay_refuses_what_github_did_not_receive(self):
        # The backend's own Content-Type: not the recorded one, so the recording has no answer (404).
        code, lines, stderr, _ = self.drive("release-assets", "release:v1.0.0", "upload:FILE:test-upload.txt:test:keep",
                                            content_type="application/octet-stream")
        self.assertEqual((code, len(lines)), (4, 1), stderr)
        self.assertEqual(stderr, f"github-driver: error: 'github://{ORG}/release-assets': cannot upload test-upload.txt "
                                 "to release v1.0.0: not found (HTTP 404: Nock: No match for request); the repository "
                                 "does not exist or the token cannot see it\n")
        # Another token: the recorded GET does not answer, so the published release is not found.
        code, lines, stderr, _ = self.drive("release-assets", "release:v1.0.0",
                                            token="0000000000000000000000000000000000000002")
        self.assertEqual((code, lines), (0, [{"step": "release", "release": None}]), stderr)


if __name__ == "__main__":
    unittest.main()
