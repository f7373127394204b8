"""End-to-end tests of ml-release on gitlab://: the real binary against a stateful fake of GitLab's
generic packages, packages and releases APIs (fake_gitlab.py names the documentation of each route)."""
import json
import re
import os
import subprocess
import time
import unittest

from fake_gitlab import JOB_TOKEN, TOKEN, FakeGitLab
from lean_cli import BIN_DIR
from release_cli import PINNED, PROGRESS_MIN_BYTES, ReleaseCommands, sha256

REGISTRY = "gitlab://acme/ml/models"
FAKE = None


def setUpModule():
    global FAKE
    FAKE = FakeGitLab()


def tearDownModule():
    FAKE.stop()


class GitlabTest(ReleaseCommands):
    def setUp(self):
        super().setUp()
        FAKE.reset()

    def env(self, extra=None):
        return {**PINNED, "GITLAB_TOKEN": TOKEN, "CI_API_V4_URL": FAKE.api_url, **(extra or {})}

    def release(self, command, *args, env=None, registry=REGISTRY):
        return self.run_tool("ml-release", command, "--registry", registry, *args, env=self.env(env))

    def stored(self, version, name):
        """The package file name of a version's file: under the folder of the publish attempt
        that won, which the manifest names."""
        folder = json.loads(FAKE.file("churn", version, "manifest.json")["_data"])["files_folder"]
        self.assertRegex(folder, r"^upload-\d{8}T\d{6}\.\d{6}Z-[0-9a-f]{12}$")
        return f"{folder}+2F{name}"


class Registry(GitlabTest):
    def test_ml_drift_reads_the_profile_from_the_attempt_folder_the_manifest_names(self):
        self.write("ref.csv", "x\n" + "".join(f"{i % 5}\n" for i in range(30)))
        self.write("cur.csv", "x\n" + "".join(f"{i % 5}\n" for i in range(20)))
        self.assertEqual(self.run_tool("ml-drift", "profile", "ref.csv", "--output", "ref.profile").code, 0)
        self.publish("1.0.0", b"one", "--profile", "ref.profile")
        self.promote("1.0.0")
        r = self.run_tool("ml-drift", "--reference-registry", REGISTRY, "--model", "churn", "--channel", "production",
                          "--current", "cur.csv", "--report", "r.json", "--no-ci", env=self.env())
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.stderr, "")
        self.assertEqual(self.read_json("r.json")["reference_profile"],
                         f"{REGISTRY}/churn/versions/1.0.0/{self.stored('1.0.0', 'ref.profile').replace('+2F', '/')}")

    def test_the_whole_loop_on_the_generic_package_registry(self):
        self.write("m.json", {"accuracy": 0.9})
        self.publish("1.0.0", b"one", "--metrics", "m.json")
        stored = self.stored("1.0.0", "model.bin")
        self.assertEqual(FAKE.names("churn", "1.0.0"), ["manifest.json", stored])
        self.assertEqual(FAKE.file("churn", "1.0.0", stored)["_data"], b"one")
        manifest = json.loads(FAKE.file("churn", "1.0.0", "manifest.json")["_data"])
        self.assertEqual(manifest["files"], [{"name": "model.bin", "size": 3, "sha256": sha256(b"one")}])
        self.publish("1.1.0", b"two")
        self.promote("1.0.0")
        r = self.promote("1.1.0")
        self.assertEqual(r.stdout, "ml-release: production of churn now points to 1.1.0 (was 1.0.0)\n")
        self.assertEqual([n.split("-")[0] for n in FAKE.names("churn", "ml-registry-channels")],
                         ["production.0000000001", "production.0000000002"])
        r = self.release("rollback", "--model", "churn", "--channel", "production")
        self.assertEqual(r.stdout, "ml-release: production of churn now points to 1.0.0 (was 1.1.0)\n")
        r = self.release("list", "--model", "churn", "--report", "l.json")
        self.assertEqual(r.code, 0, r)
        report = self.read_json("l.json")
        self.assertEqual([(v["version"], v["channels"]) for v in report["versions"]],
                         [("1.0.0", ["production"]), ("1.1.0", [])])
        r = self.release("fetch", "--model", "churn", "--channel", "production", "--dest", "deploy")
        self.assertEqual(r.code, 0, r)
        with open(self.path("deploy/model.bin"), "rb") as f:
            self.assertEqual(f.read(), b"one")
        self.assertEqual(self.release("verify", "--model", "churn", "--version", "1.1.0").code, 0)
        events = [json.loads(x["_data"])["event"] for p in FAKE.packages if p["version"] == "ml-registry-audit"
                  for x in p["files"]]
        self.assertEqual(sorted(events), ["promote", "promote", "publish", "publish", "rollback"])
        r = self.run_tool("ml-release", "list", "--registry", REGISTRY, env=self.env())
        self.assertEqual((r.code, r.stdout), (0, "churn\n"), r)

    def test_identical_republish_and_conflicting_content(self):
        self.publish("1.0.0", b"w")
        r = self.publish("1.0.0", b"w")
        self.assertIn("was already published with identical files", r.stdout)
        self.write("model.bin", b"other")
        self.assertFails(self.release("publish", "--model", "churn", "--version", "1.0.0", "model.bin"), 5,
                         "ml-release: error: 'gitlab://acme/ml/models/churn/versions/1.0.0': version 1.0.0 of churn is "
                         "already published with different content (model.bin differs); versions are immutable: "
                         "publish a new version")

    def test_renamed_files_the_job_token_and_a_numeric_project_id(self):
        self.write("my model (v2).pkl", b"w")
        r = self.run_tool("ml-release", "publish", "--registry", "gitlab://4242", "--model", "churn", "--version", "1",
                          "my model (v2).pkl", "--verbose",
                          env={**PINNED, "CI_JOB_TOKEN": JOB_TOKEN, "CI_API_V4_URL": FAKE.api_url})
        self.assertEqual(r.code, 0, r)
        self.assertNotIn(JOB_TOKEN, r.stdout + r.stderr)
        self.assertEqual(FAKE.names("churn", "1"), ["manifest.json", self.stored("1", "my+20model+20+28v2+29.pkl")])
        r = self.release("fetch", "--model", "churn", "--version", "1", "--dest", "out")
        self.assertEqual((r.code, os.listdir(self.path("out"))), (0, ["my model (v2).pkl"]), r)

    def test_gitlab_release_links_every_file(self):
        self.publish("1.0.0", b"w", "--gitlab-release")
        release = FAKE.releases["churn-v1.0.0"]
        self.assertEqual(release["ref"], "main")
        self.assertEqual([l["name"] for l in release["assets"]["links"]], ["model.bin", "manifest.json"])
        self.assertEqual(release["assets"]["links"][0]["url"],
                         FAKE.api_url + "/projects/acme%2Fml%2Fmodels/packages/generic/churn/1.0.0/" +
                         self.stored("1.0.0", "model.bin").replace("+", "%2B"))
        self.publish("1.0.0", b"w", "--gitlab-release")  # a retry: the release is there (409)

    def test_an_interrupted_publish_leaves_an_incomplete_version_and_older_duplicates_go(self):
        self.publish("1.0.0")
        # A publish of 2.0.0 whose manifest cannot be written removes the files it staged.
        self.write("model.bin", b"half")
        FAKE.faults.append(lambda h, m, p: m == "PUT" and p.endswith("/manifest.json") and
                           (h.body(), h.send(500, {"message": "500 Internal Server Error"}))[1] is None)
        r = self.release("publish", "--model", "churn", "--version", "2.0.0", "model.bin")
        self.assertEqual(r.code, 4, r)
        FAKE.faults.clear()
        self.assertEqual(FAKE.names("churn", "2.0.0"), [])
        # What a publish killed a day ago leaves: its attempt's file, no manifest.
        with FAKE.lock:
            package = FAKE.package("churn", "2.0.0", create=True)
            package["files"].append({"id": FAKE.new_id(), "package_id": package["id"], "created_at": "2026-01-01T00:00:00Z",
                                     "updated_at": "2026-01-01T00:00:00Z", "size": 4, "file_store": 1,
                                     "file_md5": None, "file_sha1": None, "file_sha256": sha256(b"half"),
                                     "file_name": "upload-20260101T000000.000000Z-0123456789ab+2Fmodel.bin",
                                     "_data": b"half"})
        r = self.release("list", "--model", "churn", "--report", "l.json")
        self.assertEqual(self.read_json("l.json")["incomplete"], ["2.0.0"])
        self.assertEqual(self.release("fetch", "--model", "churn", "--version", "2.0.0", "--dest", "o").code, 3)
        self.publish("2.0.0", b"whole")  # and removes the killed attempt's file: older than a day
        self.assertEqual(FAKE.names("churn", "2.0.0"), ["manifest.json", self.stored("2.0.0", "model.bin")])
        self.assertEqual(self.release("verify", "--model", "churn", "--version", "2.0.0").code, 0)

    def test_a_killed_publish_of_a_version_never_published_again_is_cleaned_by_the_next_publish(self):
        self.publish("1.0.0")
        stale = "upload-20260101T000000.000000Z-0123456789ab+2Fmodel.bin"
        fresh = "upload-" + time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + ".000000Z-0123456789ab+2Fmodel.bin"
        with FAKE.lock:
            for version, names in (("2.0.0", [stale, fresh]), ("1.0.0", [stale])):
                package = FAKE.package("churn", version, create=True)
                for name in names:
                    package["files"].append({"id": FAKE.new_id(), "package_id": package["id"],
                                             "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
                                             "size": 4, "file_store": 1, "file_md5": None, "file_sha1": None,
                                             "file_sha256": sha256(b"half"), "file_name": name, "_data": b"half"})
        self.publish("3.0.0", b"other")
        # 2.0.0's day-old attempt goes, a publish of it still running (a fresh attempt) stays,
        # and so does anything of 1.0.0, which is complete (verify lists it).
        self.assertEqual(FAKE.names("churn", "2.0.0"), [fresh])
        self.assertIn(stale, FAKE.names("churn", "1.0.0"))
        r = self.release("verify", "--model", "churn", "--version", "1.0.0", "--report", "v.json")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(len(self.read_json("v.json")["leftovers"]), 1)

    def test_large_transfers_show_progress_on_stderr_without_the_token(self):
        r = self.publish("1.0.0", os.urandom(PROGRESS_MIN_BYTES), "--verbose")
        folder = self.stored("1.0.0", "model.bin").split("+2F")[0]
        self.assertProgress(r.stderr, f"upload gitlab://acme/ml/models/churn/versions/1.0.0/{folder}/model.bin", "32.0 MiB")
        self.assertNotIn(TOKEN, r.stdout + r.stderr)
        r = self.release("fetch", "--model", "churn", "--version", "1.0.0", "--dest", "out", "--verbose")
        self.assertEqual(r.code, 0, r)
        self.assertProgress(r.stderr, f"download gitlab://acme/ml/models/churn/versions/1.0.0/{folder}/model.bin",
                            "32.0 MiB")
        self.assertNotIn(TOKEN, r.stdout + r.stderr)
        r = self.release("fetch", "--model", "churn", "--version", "1.0.0", "--dest", "quiet", "--quiet")
        self.assertEqual((r.code, r.stderr), (0, ""), r)

    def test_concurrent_promotes_keep_every_event(self):
        versions = ["1.0.0", "1.1.0", "1.2.0"]
        for v in versions:
            self.publish(v, v.encode())
        procs = [subprocess.Popen([os.path.join(BIN_DIR, "ml-release"), "promote", "--registry", REGISTRY, "--model",
                                   "churn", "--version", v, "--channel", "production", "--no-ci"], cwd=self.dir,
                                  env={**os.environ, **self.env()}, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for v in versions]
        for proc in procs:
            _, err = proc.communicate(timeout=120)
            self.assertEqual(proc.returncode, 0, err)
        r = self.release("list", "--model", "churn", "--report", "l.json")
        channel = self.read_json("l.json")["channels"]["production"]
        self.assertEqual(sorted([channel["version"]] + channel["history"]), versions)


class Faults(GitlabTest):
    def test_5xx_and_429_are_retried(self):
        calls = {"n": 0}

        def flaky(handler, method, path):
            if method == "PUT":
                calls["n"] += 1
                if calls["n"] in (1, 2):
                    handler.body()
                    handler.send(503 if calls["n"] == 1 else 429, {"message": "busy"}, {"Retry-After": "1"})
                    return True
            return False
        FAKE.faults.append(flaky)
        self.publish("1.0.0", b"w")
        self.assertEqual(self.release("verify", "--model", "churn", "--version", "1.0.0").code, 0)

    def test_corrupted_checksum_is_exit_5(self):
        def corrupt(handler, method, path):
            if method == "PUT" and path.endswith("model.bin"):
                data = handler.body()
                handler.send(201, {"id": 999, "package_id": 1, "file_name": "model.bin", "size": len(data),
                                   "file_sha256": sha256(b"something else")})
                return True
            return False
        FAKE.faults.append(corrupt)
        self.write("model.bin", b"w")
        r = self.release("publish", "--model", "churn", "--version", "1.0.0", "model.bin")
        self.assertEqual(r.code, 5, r)
        self.assertRegex(r.stderr, r"^ml-release: error: 'gitlab://acme/ml/models/churn/versions/1\.0\.0/upload-[^/]+/"
                                   r"model\.bin': GitLab " + re.escape(
                                       f"stored other bytes than were sent (sha256 {sha256(b'something else')}, 1 bytes; "
                                       f"sent {sha256(b'w')}, 1 bytes); publish again") + "\n$")

    def test_401_403_404_are_exit_4(self):
        r = self.release("list", "--model", "churn", env={"GITLAB_TOKEN": "glpat-wrong-secret"})
        self.assertFails(r, 4, "ml-release: error: 'gitlab://acme/ml/models': cannot list the packages of churn: GitLab "
                               "refused the credentials (HTTP 401: 401 Unauthorized); check GITLAB_TOKEN")
        self.assertNotIn("glpat-wrong-secret", r.stderr)
        r = self.release("list", "--model", "churn", registry="gitlab://acme/other")
        self.assertFails(r, 4, "ml-release: error: 'gitlab://acme/other': cannot list the packages of churn: not found "
                               "(HTTP 404: 404 Project Not Found); the project does not exist or the token cannot see it")
        FAKE.faults.append(lambda h, m, p: m == "PUT" and (h.body(), h.send(403, {"message": "403 Forbidden"}))[1] is None)
        self.write("model.bin", b"w")
        r = self.release("publish", "--model", "churn", "--version", "1", "model.bin")
        self.assertEqual(r.code, 4, r)
        self.assertRegex(r.stderr, r"^ml-release: error: 'gitlab://acme/ml/models': cannot upload churn/versions/1/"
                                   r"upload-[^/]+/model\.bin: " + re.escape(
                                       "GitLab denied it (HTTP 403: 403 Forbidden); the token needs the api scope (or a "
                                       "deploy token's read_package_registry/write_package_registry) and the Developer "
                                       "role") + "\n$")

    def test_a_failing_promote_leaves_the_previous_pointer(self):
        self.publish("1.0.0", b"one")
        self.publish("1.1.0", b"two")
        self.promote("1.0.0")
        FAKE.faults.append(lambda h, m, p: m == "PUT" and "ml-registry-channels" in p and
                           (h.body(), h.send(502, {"message": "502 Bad Gateway"}))[1] is None)
        r = self.release("promote", "--model", "churn", "--version", "1.1.0", "--channel", "production")
        self.assertEqual(r.code, 4, r)
        FAKE.faults.clear()
        r = self.release("show", "--model", "churn", "--channel", "production", "--report", "s.json")
        self.assertEqual((r.code, self.read_json("s.json")["version"]), (0, "1.0.0"), r)

    def test_bad_urls(self):
        self.assertFails(self.run_tool("ml-release", "list", "--registry", "gitlab://acme"), 2,
                         "ml-release: error: invalid registry URL \"gitlab://acme\": use gitlab://GROUP/PROJECT or "
                         "gitlab://PROJECT_ID")


if __name__ == "__main__":
    unittest.main()
