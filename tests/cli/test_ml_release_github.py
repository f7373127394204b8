"""End-to-end tests of ml-release on github://: the real binary against a stateful fake of GitHub's
releases API, every request and answer validated by Prism against GitHub's OpenAPI description."""
import json
import os
import re
import subprocess
import tempfile
import threading
import unittest

from fake_github import TOKEN, USER, FakeGitHub
from lean_cli import BIN_DIR
from release_cli import PINNED, PROGRESS_MIN_BYTES, ReleaseCommands, sha256

REGISTRY = "github://acme/models"

FAKE = None
SPEC_DIR = None


def setUpModule():
    global FAKE, SPEC_DIR
    SPEC_DIR = tempfile.mkdtemp(prefix="lean-prism-")
    FAKE = FakeGitHub(spec_dir=SPEC_DIR)


def tearDownModule():
    FAKE.stop()


class GithubTest(ReleaseCommands):
    def setUp(self):
        super().setUp()
        FAKE.reset()
        self.violations_before = len(FAKE.violations())
        self.addCleanup(self.no_contract_violations)

    def no_contract_violations(self):
        new = FAKE.violations()[self.violations_before:]
        self.assertEqual(new, [], "a request or response broke GitHub's published contract (Prism)")

    def env(self, extra=None):
        return {**PINNED, "GITHUB_TOKEN": TOKEN, "GITHUB_API_URL": FAKE.api_url, **(extra or {})}

    def release(self, command, *args, env=None):
        return self.run_tool("ml-release", command, "--registry", REGISTRY, *args, env=self.env(env))

    def drafts(self, role):
        with FAKE.state.lock:
            return [r for r in FAKE.state.releases.values() if r["draft"] and f'"role":"{role}"' in r["body"]]

    def state_assets(self, role):
        with FAKE.state.lock:
            return sorted(FAKE.state.assets[a]["name"] for r in self.drafts(role) for a in r["assets"])

    def audit_events(self):
        with FAKE.state.lock:
            return [json.loads(FAKE.state.assets[a]["_data"]) for r in self.drafts("audit") for a in r["assets"]]

    def channel_doc(self, channel="production"):
        r = self.release("show", "--model", "churn", "--channel", channel, "--report", "show.json")
        self.assertEqual(r.code, 0, r)
        return self.read_json("show.json")


class Publish(GithubTest):
    def test_a_version_is_a_published_release_with_every_file_and_the_manifest(self):
        self.write("m.json", {"accuracy": 0.9})
        self.write("vocab.txt", "a b c")
        r = self.publish("1.0.0", b"\x00weights\xff", "vocab.txt", "--metrics", "m.json",
                         "--report", "r.json")
        self.assertIn("ml-release: published churn 1.0.0 (2 files, 14 B)\n", r.stdout)
        release = FAKE.release("churn-v1.0.0")
        self.assertFalse(release["draft"])
        self.assertTrue(release["immutable"])
        self.assertEqual(FAKE.asset_names("churn-v1.0.0"), ["manifest.json", "model.bin", "vocab.txt"])
        self.assertEqual(FAKE.asset_data("churn-v1.0.0", "model.bin"), b"\x00weights\xff")
        manifest = json.loads(FAKE.asset_data("churn-v1.0.0", "manifest.json"))
        self.assertEqual(manifest["files"], [{"name": "model.bin", "size": 9, "sha256": sha256(b"\x00weights\xff")},
                                             {"name": "vocab.txt", "size": 5, "sha256": sha256(b"a b c")}])
        self.assertEqual(self.read_json("r.json")["manifest_sha256"],
                         sha256(FAKE.asset_data("churn-v1.0.0", "manifest.json")))
        # Published last: the manifest is the last upload, then the one PATCH that publishes.
        with FAKE.state.lock:
            calls = [(m, p.split("?")[0].rsplit("/", 2)[-2:]) for m, p in FAKE.state.requests]
        uploads = [p for m, p in FAKE.state.requests if m == "POST" and "/assets?" in p]
        self.assertTrue(uploads[-2].endswith("name=manifest.json") or "manifest.json" in uploads[-2], uploads)
        patches = [c for c in calls if c[0] == "PATCH"]
        self.assertEqual(len(patches), 1, calls)
        self.assertEqual([e["event"] for e in self.audit_events()], ["publish"])

    def test_names_github_would_rewrite_keep_their_real_name(self):
        self.publish("1.0.0", b"w", name="my model (v2)~.pkl")
        self.assertEqual(FAKE.asset_names("churn-v1.0.0"), ["manifest.json", "my+20model+20+28v2+29+7E.pkl"])
        with FAKE.state.lock:
            labels = [FAKE.state.assets[a]["label"] for a in FAKE.release("churn-v1.0.0")["assets"]]
        self.assertIn("my model (v2)~.pkl", labels)
        manifest = json.loads(FAKE.asset_data("churn-v1.0.0", "manifest.json"))
        self.assertEqual(manifest["files"][0]["name"], "my model (v2)~.pkl")
        r = self.release("fetch", "--model", "churn", "--version", "1.0.0", "--dest", "out")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(os.listdir(self.path("out")), ["my model (v2)~.pkl"])

    def test_identical_republish_succeeds_and_other_content_is_exit_5(self):
        self.publish("1.0.0", b"weights")
        r = self.publish("1.0.0", b"weights")
        self.assertIn("was already published with identical files", r.stdout)
        self.write("model.bin", b"retrained")
        r = self.release("publish", "--model", "churn", "--version", "1.0.0", "model.bin")
        self.assertFails(r, 5, "ml-release: error: 'github://acme/models/churn/versions/1.0.0': version 1.0.0 of churn "
                               "is already published with different content (model.bin differs); versions are "
                               "immutable: publish a new version")
        self.assertEqual(FAKE.asset_data("churn-v1.0.0", "model.bin"), b"weights")

    def test_an_interrupted_publish_is_a_draft_that_nothing_accepts_and_the_retry_completes(self):
        self.publish("1.0.0")
        # What a publish killed before its manifest leaves: a draft with some files.
        def die_on_manifest(handler, method, path):
            if method == "POST" and path.endswith("/assets") and "name=manifest.json" in handler.path:
                handler.body()
                handler.close_connection = True
                handler.connection.shutdown(2)
                return True
            return False
        FAKE.state.faults.append(die_on_manifest)
        self.write("model.bin", b"v2")
        r = self.release("publish", "--model", "churn", "--version", "2.0.0", "model.bin")
        self.assertEqual(r.code, 4, r)
        # The failed attempt deleted its own draft; a killed one leaves it (made here).
        self.assertIsNone(FAKE.release("churn-v2.0.0"))
        FAKE.state.faults.clear()
        with FAKE.state.lock:
            rid = FAKE.state.new_id()
            FAKE.state.releases[rid] = {
                "id": rid, "tag_name": "churn-v2.0.0", "name": "churn 2.0.0", "draft": True, "prerelease": False,
                "immutable": False, "created_at": "2026-01-01T00:00:00Z", "published_at": None,
                "updated_at": "2026-01-01T00:00:00Z", "assets": [],
                "body": '<!-- ml-release:{"model":"churn","version":"2.0.0","tag_format":"{model}-v{version}",'
                        '"attempt":"upload-20260101T000000.000000Z-0123456789ab"} -->'}
            aid = FAKE.state.new_id()
            FAKE.state.assets[aid] = {"id": aid, "name": "model.bin", "label": "model.bin", "state": "uploaded",
                                      "size": 4, "digest": "sha256:" + sha256(b"half"), "_data": b"half",
                                      "_release": rid, "url": "https://api.github.com/x", "node_id": "RA_x",
                                      "browser_download_url": "https://github.com/x", "content_type": "application/octet-stream",
                                      "download_count": 0, "created_at": "2026-01-01T00:00:00Z",
                                      "updated_at": "2026-01-01T00:00:00Z", "uploader": USER}
            FAKE.state.releases[rid]["assets"].append(aid)
        r = self.release("list", "--model", "churn", "--report", "l.json")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(([v["version"] for v in self.read_json("l.json")["versions"]],
                          self.read_json("l.json")["incomplete"]), (["1.0.0"], ["2.0.0"]))
        self.assertFails(self.release("promote", "--model", "churn", "--version", "2.0.0", "--channel", "prod"), 3,
                         "ml-release: error: 'github://acme/models/churn/versions/2.0.0': version 2.0.0 of churn is "
                         "incomplete: it has files but no manifest (an interrupted publish); publish it again")
        self.publish("2.0.0", b"v2")  # and deletes the killed attempt's draft: older than a day
        with FAKE.state.lock:
            releases = [r for r in FAKE.state.releases.values() if r["tag_name"] == "churn-v2.0.0"]
        self.assertEqual([r["draft"] for r in releases], [False])
        self.assertEqual(FAKE.asset_names("churn-v2.0.0"), ["manifest.json", "model.bin"])
        self.assertEqual(FAKE.asset_data("churn-v2.0.0", "model.bin"), b"v2")

    def test_tag_format_and_verbose_never_print_the_token(self):
        self.write("model.bin", b"w")
        r = self.release("publish", "--model", "churn", "--version", "1.0.0", "--tag-format", "models/{model}/{version}",
                         "model.bin", "--verbose")
        self.assertEqual(r.code, 0, r)
        self.assertIsNotNone(FAKE.release("models/churn/1.0.0"))
        self.assertNotIn(TOKEN, r.stdout + r.stderr)
        self.assertIn("ml-release: wrote github://acme/models/churn/versions/1.0.0/manifest.json\n", r.stderr)
        self.assertFails(self.release("list", "--tag-format", "{model}"), 2,
                         "ml-release: error: invalid --tag-format \"{model}\": it needs {version} (and {model} when the "
                         "repository holds several models)")

    def test_the_tag_format_is_recorded_by_the_first_publish_and_used_from_then_on(self):
        self.write("model.bin", b"w")
        r = self.release("publish", "--model", "churn", "--version", "1.0.0", "--tag-format", "models/{model}/{version}",
                         "model.bin")
        self.assertEqual(r.code, 0, r)
        self.promote("1.0.0")  # without --tag-format: found by the recorded format
        self.publish("2.0.0", b"w2")  # a plain publish uses it too
        self.assertIsNotNone(FAKE.release("models/churn/2.0.0"))
        self.assertIsNone(FAKE.release("churn-v2.0.0"))
        r = self.release("promote", "--model", "churn", "--version", "2.0.0", "--channel", "production",
                         "--tag-format", "{model}-{version}")
        self.assertFails(r, 2, "ml-release: error: --tag-format \"{model}-{version}\" conflicts with "
                               "\"models/{model}/{version}\", the tag format churn was first published with (recorded "
                               "in github://acme/models); leave --tag-format out")

    def test_large_transfers_show_progress_on_stderr_without_the_token(self):
        # Prism refuses bodies over 10 MB: this transfer goes to the fake directly.
        direct = {"GITHUB_API_URL": FAKE.without_prism()}
        self.write("model.bin", os.urandom(PROGRESS_MIN_BYTES))
        r = self.release("publish", "--model", "churn", "--version", "1.0.0", "model.bin", "--verbose", env=direct)
        self.assertEqual(r.code, 0, r)
        self.assertProgress(r.stderr, "upload github://acme/models/churn/versions/1.0.0/model.bin", "32.0 MiB")
        self.assertNotIn(TOKEN, r.stdout + r.stderr)
        r = self.release("fetch", "--model", "churn", "--version", "1.0.0", "--dest", "out", "--verbose", env=direct)
        self.assertEqual(r.code, 0, r)
        self.assertProgress(r.stderr, "download github://acme/models/churn/versions/1.0.0/model.bin", "32.0 MiB")
        self.assertNotIn(TOKEN, r.stdout + r.stderr)
        self.assertNotIn("sig=", r.stderr)  # nor the signed URL of GitHub's storage host
        r = self.release("fetch", "--model", "churn", "--version", "1.0.0", "--dest", "quiet", "--quiet", env=direct)
        self.assertEqual((r.code, r.stderr), (0, ""), r)

    def test_two_matrix_jobs_publishing_the_same_version_end_in_one_release(self):
        self.write("model.bin", b"same bytes")
        procs = [subprocess.Popen([os.path.join(BIN_DIR, "ml-release"), "publish", "--registry", REGISTRY, "--model",
                                   "churn", "--version", "3.0.0", "model.bin", "--no-ci"], cwd=self.dir,
                                  env={**os.environ, **self.env()}, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for _ in range(2)]
        for proc in procs:
            out, err = proc.communicate(timeout=120)
            self.assertEqual(proc.returncode, 0, err)
        with FAKE.state.lock:
            tags = [r["tag_name"] for r in FAKE.state.releases.values() if r["tag_name"] == "churn-v3.0.0"]
        self.assertEqual(tags, ["churn-v3.0.0"])
        self.assertEqual(FAKE.asset_names("churn-v3.0.0"), ["manifest.json", "model.bin"])
        r = self.release("verify", "--model", "churn", "--version", "3.0.0")
        self.assertEqual(r.code, 0, r)


class Channels(GithubTest):
    def setUp(self):
        super().setUp()
        for version in ("1.0.0", "1.1.0", "1.2.0"):
            self.publish(version, version.encode())

    def test_promote_rollback_list_show_fetch_verify(self):
        self.promote("1.0.0")
        r = self.promote("1.1.0")
        self.assertEqual(r.stdout, "ml-release: production of churn now points to 1.1.0 (was 1.0.0)\n")
        # The old pointer stays readable until the new one is complete: generations, newest wins.
        self.assertEqual(self.state_assets("channels"), ["production.0000000001.json", "production.0000000002.json"])
        self.promote("1.2.0")
        self.assertEqual(self.state_assets("channels"), ["production.0000000001.json", "production.0000000002.json",
                                                         "production.0000000003.json"])
        r = self.release("rollback", "--model", "churn", "--channel", "production")
        self.assertEqual(r.stdout, "ml-release: production of churn now points to 1.1.0 (was 1.2.0)\n")
        r = self.release("list", "--model", "churn", "--report", "l.json")
        self.assertEqual(r.code, 0, r)
        report = self.read_json("l.json")
        self.assertEqual([(v["version"], v["channels"]) for v in report["versions"]],
                         [("1.0.0", []), ("1.1.0", ["production"]), ("1.2.0", [])])
        self.assertEqual(report["channels"]["production"]["history"], ["1.0.0"])
        self.assertEqual(self.channel_doc()["version"], "1.1.0")
        r = self.release("fetch", "--model", "churn", "--channel", "production", "--dest", "deploy")
        self.assertEqual(r.code, 0, r)
        with open(self.path("deploy/model.bin"), "rb") as f:
            self.assertEqual(f.read(), b"1.1.0")
        self.assertEqual(self.release("verify", "--model", "churn", "--channel", "production").code, 0)
        self.assertEqual([e["event"] for e in self.audit_events()].count("promote"), 3)
        r = self.run_tool("ml-release", "list", "--registry", REGISTRY, env=self.env())
        self.assertEqual((r.code, r.stdout), (0, "churn\n"), r)

    def test_concurrent_promotes_keep_every_event_and_a_readable_channel(self):
        versions = ["1.0.0", "1.1.0", "1.2.0"]
        procs = [subprocess.Popen([os.path.join(BIN_DIR, "ml-release"), "promote", "--registry", REGISTRY, "--model",
                                   "churn", "--version", v, "--channel", "production", "--no-ci"], cwd=self.dir,
                                  env={**os.environ, **self.env()}, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for v in versions]
        for proc in procs:
            _, err = proc.communicate(timeout=180)
            self.assertEqual(proc.returncode, 0, err)
        doc = self.channel_doc()
        r = self.release("list", "--model", "churn", "--report", "l.json")
        channel = self.read_json("l.json")["channels"]["production"]
        self.assertEqual(sorted([channel["version"]] + channel["history"]), versions)
        self.assertEqual(doc["version"], channel["version"])
        self.assertEqual(sorted(e["version"] for e in self.audit_events() if e["event"] == "promote"), versions)

    def test_corrupted_asset_on_fetch_is_exit_5_and_dest_untouched(self):
        self.promote("1.2.0")
        with FAKE.state.lock:
            for a in FAKE.release("churn-v1.2.0")["assets"]:
                if FAKE.state.assets[a]["name"] == "model.bin":
                    FAKE.state.assets[a]["_data"] = b"1.2.X"
        self.write("deploy/keep.txt", "mine")
        r = self.release("fetch", "--model", "churn", "--channel", "production", "--dest", "deploy")
        self.assertFails(r, 5, "ml-release: error: 'github://acme/models/churn/versions/1.2.0/model.bin': does not match "
                               f"the digest GitHub recorded (sha256:{sha256(b'1.2.0')}; read sha256:{sha256(b'1.2.X')})")
        self.assertEqual(os.listdir(self.path("deploy")), ["keep.txt"])


class Faults(GithubTest):
    def test_a_5xx_and_a_dropped_connection_mid_upload_are_retried_to_a_complete_version(self):
        seen = {"n": 0}

        def flaky(handler, method, path):
            if method == "POST" and path.endswith("/assets") and "name=model.bin" in handler.path:
                seen["n"] += 1
                if seen["n"] == 1:
                    handler.body()
                    handler.error(502, "Server Error")
                    return True
                if seen["n"] == 2:
                    # The connection drops after GitHub created the asset: it stays "open" and holds the name.
                    handler.body()
                    with FAKE.state.lock:
                        r = FAKE.state.releases[int(path.split("/")[-2])]
                        aid = FAKE.state.new_id()
                        FAKE.state.assets[aid] = {
                            "id": aid, "name": "model.bin", "label": None, "state": "open",
                            "content_type": "application/octet-stream", "size": 0, "digest": None,
                            "download_count": 0, "created_at": "2026-01-01T00:00:00Z",
                            "updated_at": "2026-01-01T00:00:00Z",
                            "url": f"https://api.github.com/repos/acme/models/releases/assets/{aid}",
                            "node_id": f"RA_{aid}", "uploader": USER, "_data": b"", "_release": r["id"],
                            "browser_download_url": "https://github.com/acme/models/releases/download/v/model.bin"}
                        r["assets"].append(aid)
                    handler.error(500, "Server Error")
                    return True
            return False
        FAKE.state.faults.append(flaky)
        self.publish("1.0.0", b"weights")
        self.assertEqual(FAKE.asset_names("churn-v1.0.0"), ["manifest.json", "model.bin"])
        self.assertEqual(FAKE.asset_data("churn-v1.0.0", "model.bin"), b"weights")
        self.assertEqual(self.release("verify", "--model", "churn", "--version", "1.0.0").code, 0)

    def test_a_storage_host_that_echoes_the_signed_url_never_gets_it_printed(self):
        self.publish("1.0.0", b"weights")
        signed = "sig=PLANTEDsig%2B0123&jwt=eyJPLANTEDjwt.abc&X-Amz-Signature=amzSigPLANTED999"

        def signed_redirect(handler, method, path):
            if re.fullmatch(r"/repos/acme/models/releases/assets/\d+", path) and \
                    handler.headers.get("Accept") == "application/octet-stream":
                aid = path.rsplit("/", 1)[1]
                handler.send(302, None, {"Location": f"{handler.server.direct_url}/download/{aid}?{signed}"})
                return True
            if path.startswith("/download/"):  # the storage host refuses, echoing the request
                handler.send(403, f"AuthenticationFailed: {handler.path}".encode())
                return True
            return False
        FAKE.state.faults.append(signed_redirect)
        r = self.release("fetch", "--model", "churn", "--version", "1.0.0", "--dest", "got", "--report", "r.json",
                         "--markdown", "r.md")
        self.assertEqual(r.code, 4, r)
        self.assertIn("GitHub's storage host answered HTTP 403", r.stderr)
        for planted in ("PLANTEDsig", "eyJPLANTEDjwt", "amzSigPLANTED"):
            for text in (r.stdout, r.stderr, self.read("r.json"), self.read("r.md")):
                self.assertNotIn(planted, text)

    def test_rate_limits_are_waited_out(self):
        calls = {"n": 0}

        def limited(handler, method, path):
            calls["n"] += 1
            if calls["n"] == 1:  # the primary limit: remaining 0 until reset
                handler.send(403, {"message": "API rate limit exceeded for installation ID 1.",
                                   "documentation_url": "https://docs.github.com/rest/rate-limit"},
                             {"retry-after": "1", "x-ratelimit-remaining": "0"})
                return True
            if calls["n"] == 3:  # a secondary limit
                handler.send(429, {"message": "You have exceeded a secondary rate limit.",
                                   "documentation_url": "https://docs.github.com/rest/rate-limit"}, {"retry-after": "1"})
                return True
            return False
        FAKE.state.faults.append(limited)
        self.publish("1.0.0")
        self.assertGreaterEqual(calls["n"], 4)

    def test_refused_credentials_and_missing_repository_are_exit_4(self):
        self.write("model.bin", b"w")
        r = self.release("publish", "--model", "churn", "--version", "1.0.0", "model.bin", "--verbose",
                         env={"GITHUB_TOKEN": "ghp_wrongTOKENwrong"})
        r.stderr = "".join(line for line in r.stderr.splitlines(True) if not line.startswith("ml-release: reading "))
        # The first request reads the releases (the model's recorded tag format): it is refused.
        self.assertFails(r, 4, "ml-release: error: 'github://acme/models': cannot list the releases: GitHub "
                               "refused the credentials (HTTP 401: Bad credentials); check GITHUB_TOKEN or GH_TOKEN")
        self.assertNotIn("ghp_wrongTOKENwrong", r.stdout + r.stderr)
        r = self.run_tool("ml-release", "list", "--registry", "github://acme/other", "--model", "churn",
                          env=self.env())
        self.assertFails(r, 4, "ml-release: error: 'github://acme/other': cannot list the releases: not found "
                               "(HTTP 404: Not Found); the repository does not exist or the token cannot see it")

        def forbidden(handler, method, path):
            if method == "POST":
                handler.body()
                handler.error(403, "Resource not accessible by integration")
                return True
            return False
        FAKE.state.faults.append(forbidden)
        r = self.release("publish", "--model", "churn", "--version", "1.0.0", "model.bin")
        self.assertFails(r, 4, "ml-release: error: 'github://acme/models': cannot create release churn-v1.0.0: GitHub "
                               "denied it (HTTP 403: Resource not accessible by integration); the token needs the "
                               "contents permission (write to publish, promote and roll back) on the repository")

    def test_a_failing_promote_leaves_the_previous_pointer(self):
        self.publish("1.0.0", b"one")
        self.publish("1.1.0", b"two")
        self.promote("1.0.0")

        def broken(handler, method, path):
            if method == "POST" and "name=production" in handler.path:
                handler.body()
                handler.error(503, "Service Unavailable")
                return True
            return False
        FAKE.state.faults.append(broken)
        r = self.release("promote", "--model", "churn", "--version", "1.1.0", "--channel", "production")
        self.assertEqual(r.code, 4, r)
        self.assertTrue(r.stderr.startswith("ml-release: error: 'github://acme/models': cannot upload "
                                            "production.0000000002.json to release ml-registry/churn/channels: "
                                            "HTTP 503: Service Unavailable"), r)
        FAKE.state.faults.clear()
        self.assertEqual(self.channel_doc()["version"], "1.0.0")

    def test_bad_urls_are_usage_errors(self):
        self.assertFails(self.run_tool("ml-release", "list", "--registry", "github://acme"), 2,
                         "ml-release: error: invalid registry URL \"github://acme\": use github://OWNER/REPO")


if __name__ == "__main__":
    unittest.main()
