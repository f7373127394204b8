"""End-to-end tests of ml-release on the local-folder backend: every command and every fault."""
import json
import os
import shutil
import signal
import subprocess
import time
import unittest

from lean_cli import BIN_DIR
from release_cli import PINNED, ReleaseCommands, sha256


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


class ReleaseTest(ReleaseCommands):
    """Helpers over a registry in ./reg of the test's directory."""

    def release(self, command, *args, env=None):
        return self.run_tool("ml-release", command, "--registry", "reg", *args, env={**PINNED, **(env or {})})

    def channel(self, name="production"):
        with open(self.path(f"reg/churn/channels/{name}.json")) as f:
            return json.load(f)

    def audit(self):
        folder = self.path("reg/churn/audit")
        events = []
        for name in sorted(os.listdir(folder)):
            with open(os.path.join(folder, name)) as f:
                events.append(json.load(f))
        return events


class Publish(ReleaseTest):
    def test_publish_writes_the_layout_and_reports_every_file(self):
        self.write("m.json", {"accuracy": 0.9})
        self.write("vocab.txt", "a b c")
        self.write("model.bin", b"\x00weights\xff")
        r = self.release("publish", "--model", "churn", "--version", "1.0.0", "--metrics", "m.json",
                         "--meta", "dataset=2026-11", "--meta", "note=a=b", "model.bin", "vocab.txt",
                         "--report", "r.json", "--dotenv", "r.env")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.stderr, "")
        self.assertIn("ml-release: published churn 1.0.0 (2 files, 14 B)\n", r.stdout)
        manifest = self.read_json("reg/churn/versions/1.0.0/manifest.json")
        self.assertEqual(manifest, {
            "model": "churn", "version": "1.0.0",
            "files": [{"name": "model.bin", "size": 9, "sha256": sha256(b"\x00weights\xff")},
                      {"name": "vocab.txt", "size": 5, "sha256": sha256(b"a b c")}],
            "metrics": {"accuracy": 0.9},
            "meta": {"dataset": "2026-11", "note": "a=b"},
            "git_commit": None, "ci_run_url": None,
            "created_at": "2026-01-01T00:00:00Z", "created_by": "tester", "tool_version": "ml-release 0.1.0"})
        with open(self.path("reg/churn/versions/1.0.0/model.bin"), "rb") as f:
            self.assertEqual(f.read(), b"\x00weights\xff")
        report = self.read_json("r.json")
        manifest_sha = sha256(read_bytes(self.path("reg/churn/versions/1.0.0/manifest.json")))
        self.assertEqual({k: report[k] for k in ("status", "exit_code", "command", "registry", "model", "version",
                                                 "already_published", "manifest_sha256")},
                         {"status": "pass", "exit_code": 0, "command": "publish", "registry": "reg", "model": "churn",
                          "version": "1.0.0", "already_published": False, "manifest_sha256": manifest_sha})
        self.assertEqual([f["name"] for f in report["files"]], ["model.bin", "vocab.txt"])
        self.assertIn(f"ML_RELEASE_MANIFEST_SHA256={manifest_sha}\n", self.read("r.env"))
        self.assertEqual([e["event"] for e in self.audit()], ["publish"])

    def test_ci_provenance_lands_in_the_manifest(self):
        env = {"GITHUB_SHA": "0123abcd", "GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "acme/churn",
               "GITHUB_RUN_ID": "99", "GITHUB_RUN_ATTEMPT": "1", "GITHUB_ACTOR": "octocat"}
        self.write("model.bin", b"w")
        r = self.release("publish", "--model", "churn", "--version", "1", "model.bin", "--no-ci", env=env)
        self.assertEqual(r.code, 0, r)
        manifest = self.read_json("reg/churn/versions/1/manifest.json")
        self.assertEqual((manifest["git_commit"], manifest["ci_run_url"], manifest["created_by"]),
                         ("0123abcd", "https://github.com/acme/churn/actions/runs/99/attempts/1", "octocat"))

    def test_verbose_says_each_step_on_stderr(self):
        self.write("model.bin", b"w")
        r = self.release("publish", "--model", "churn", "--version", "1", "model.bin", "--verbose",
                         env={"AWS_SECRET_ACCESS_KEY": "do-not-print-me"})
        self.assertEqual(r.code, 0, r)
        lines = [line for line in r.stderr.splitlines() if not line.startswith("ml-release: reading ")]
        self.assertIn("ml-release: reading reg/churn/versions/1/manifest.json", r.stderr)  # reads are logged too
        self.assertEqual(lines[:4], ["ml-release: uploading model.bin (1 bytes) to reg/churn/versions/1/model.bin",
                                     f"ml-release: stored model.bin sha256 {sha256(b'w')}",
                                     "ml-release: writing reg/churn/versions/1/manifest.json if absent",
                                     "ml-release: wrote reg/churn/versions/1/manifest.json"])
        self.assertTrue(lines[4].startswith("ml-release: audit event reg/churn/audit/"), r)
        self.assertNotIn("do-not-print-me", r.stderr + r.stdout)
        r = self.release("promote", "--model", "churn", "--version", "1", "--channel", "production", "--verbose")
        self.assertEqual(r.code, 0, r)
        self.assertIn("ml-release: writing reg/churn/channels/production.json if absent\n", r.stderr)
        r = self.release("promote", "--model", "churn", "--version", "1", "--channel", "production", "--verbose")
        self.assertNotIn("ml-release: writing reg/churn/channels/", r.stderr, "already there: nothing is written")

    def test_identical_republish_succeeds_so_ci_retries_are_safe(self):
        self.publish("1.0.0", b"weights")
        r = self.release("publish", "--model", "churn", "--version", "1.0.0", "model.bin", "--report", "r.json")
        self.assertEqual(r.code, 0, r)
        self.assertIn("ml-release: churn 1.0.0 was already published with identical files\n", r.stdout)
        self.assertTrue(self.read_json("r.json")["already_published"])
        self.assertEqual(len(self.audit()), 1)

    def test_publishing_an_existing_version_with_other_content_is_exit_5(self):
        self.publish("1.0.0", b"weights")
        before = read_bytes(self.path("reg/churn/versions/1.0.0/manifest.json"))
        self.write("model.bin", b"retrained")
        r = self.release("publish", "--model", "churn", "--version", "1.0.0", "model.bin", "--report", "r.json")
        self.assertFails(r, 5, "ml-release: error: 'reg/churn/versions/1.0.0': version 1.0.0 of churn is already "
                               "published with different content (model.bin differs); versions are immutable: "
                               "publish a new version")
        self.assertEqual(self.read_json("r.json")["status"], "error")
        self.assertEqual(read_bytes(self.path("reg/churn/versions/1.0.0/manifest.json")), before)
        self.assertEqual(read_bytes(self.path("reg/churn/versions/1.0.0/model.bin")), b"weights")

    def test_a_missing_file_is_exit_3_and_nothing_is_written(self):
        self.write("model.bin", b"w")
        r = self.release("publish", "--model", "churn", "--version", "1.0.0", "model.bin", "missing.bin")
        self.assertFails(r, 3, "ml-release: error: 'missing.bin': cannot open: No such file or directory")
        self.assertFalse(os.path.exists(self.path("reg")))

    def test_bad_names_and_options_are_usage_errors(self):
        self.write("model.bin", b"w")
        cases = [
            (("--model", "churn", "--version", "../1", "model.bin"),
             "invalid version name \"../1\": use a letter or digit, then letters, digits, '.', '_', '-' or '+' "
             "(at most 128)"),
            (("--model", "churn", "--version", "1", "--meta", "novalue", "model.bin"),
             "invalid --meta \"novalue\": expected KEY=VALUE"),
            (("--model", "churn", "--version", "1"), "nothing to publish: give one or more FILE"),
            (("--version", "1", "model.bin"), "missing --model NAME"),
            (("--model", "churn", "--version", "1", "--chanel", "x", "model.bin"),
             "unknown option '--chanel'"),
        ]
        for args, message in cases:
            with self.subTest(args=args):
                self.assertFails(self.release("publish", *args), 2, "ml-release: error: " + message)

    def test_malformed_metrics_are_exit_3(self):
        self.write("model.bin", b"w")
        self.write("m.json", "{\"accuracy\": 0.9,}")
        r = self.release("publish", "--model", "churn", "--version", "1", "--metrics", "m.json", "model.bin")
        self.assertEqual(r.code, 3, r)
        self.assertTrue(r.stderr.startswith("ml-release: error: 'm.json': "), r)


class InterruptedPublish(ReleaseTest):
    def test_files_without_a_manifest_are_invisible_to_list_promote_and_fetch(self):
        self.publish("1.0.0")
        # What a publish killed after its files and before its manifest leaves behind.
        os.makedirs(self.path("reg/churn/versions/1.1.0"))
        shutil.copy(self.path("model.bin"), self.path("reg/churn/versions/1.1.0/model.bin"))

        r = self.release("list", "--model", "churn", "--report", "r.json")
        self.assertEqual(r.code, 0, r)
        report = self.read_json("r.json")
        self.assertEqual([v["version"] for v in report["versions"]], ["1.0.0"])
        self.assertEqual(report["incomplete"], ["1.1.0"])
        incomplete = ("ml-release: error: 'reg/churn/versions/1.1.0': version 1.1.0 of churn is incomplete: it has "
                      "files but no manifest (an interrupted publish); publish it again")
        self.assertFails(self.release("promote", "--model", "churn", "--version", "1.1.0", "--channel", "prod"),
                         3, incomplete)
        self.assertFails(self.release("fetch", "--model", "churn", "--version", "1.1.0", "--dest", "out"), 3,
                         incomplete)
        self.assertFalse(os.path.exists(self.path("out")))
        self.assertFalse(os.path.exists(self.path("reg/churn/channels/prod.json")))
        self.publish("1.1.0")  # the retry completes it
        self.promote("1.1.0")

    def test_a_publish_killed_mid_copy_leaves_nothing_visible(self):
        self.publish("1.0.0")
        big = self.path("big.bin")
        with open(big, "wb") as f:
            f.truncate(1 << 30)  # sparse: fast to make, 1 GiB to copy
        proc = subprocess.Popen([os.path.join(BIN_DIR, "ml-release"), "publish", "--registry", "reg", "--model",
                                 "churn", "--version", "2.0.0", "big.bin"], cwd=self.dir,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        folder = self.path("reg/churn/versions/2.0.0")
        deadline = time.time() + 30
        while time.time() < deadline and not (os.path.isdir(folder) and os.listdir(folder)):
            time.sleep(0.002)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        self.assertEqual(proc.returncode, -signal.SIGKILL, "publish finished before it could be interrupted")
        self.assertFalse(os.path.exists(os.path.join(folder, "manifest.json")))

        r = self.release("list", "--model", "churn", "--report", "r.json")
        self.assertEqual(r.code, 0, r)
        self.assertEqual([v["version"] for v in self.read_json("r.json")["versions"]], ["1.0.0"])
        r = self.release("promote", "--model", "churn", "--version", "2.0.0", "--channel", "production")
        self.assertEqual(r.code, 3, r)
        r = self.release("fetch", "--model", "churn", "--version", "2.0.0", "--dest", "out")
        self.assertEqual(r.code, 3, r)
        self.assertFalse(os.path.exists(self.path("out")))


class PromoteAndRollback(ReleaseTest):
    def setUp(self):
        super().setUp()
        for version in ("1.0.0", "1.1.0", "1.2.0"):
            self.publish(version, version.encode())

    def test_promote_points_the_channel_and_keeps_the_history(self):
        self.promote("1.0.0")
        r = self.release("promote", "--model", "churn", "--version", "1.1.0", "--channel", "production",
                         "--report", "r.json", "--dotenv", "r.env")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.stdout, "ml-release: production of churn now points to 1.1.0 (was 1.0.0)\n")
        report = self.read_json("r.json")
        self.assertEqual({k: report[k] for k in ("command", "channel", "version", "previous_version", "changed")},
                         {"command": "promote", "channel": "production", "version": "1.1.0",
                          "previous_version": "1.0.0", "changed": True})
        self.assertIn("ML_RELEASE_PREVIOUS_VERSION=1.0.0\n", self.read("r.env"))
        channel = self.channel()
        manifest = read_bytes(self.path("reg/churn/versions/1.1.0/manifest.json"))
        self.assertEqual((channel["version"], channel["manifest_sha256"], channel["updated_at"], channel["updated_by"]),
                         ("1.1.0", sha256(manifest), "2026-01-01T00:00:00Z", "tester"))
        self.assertEqual([h["version"] for h in channel["history"]], ["1.0.0"])
        self.assertEqual([(e["event"], e.get("channel"), e["version"]) for e in self.audit()][-2:],
                         [("promote", "production", "1.0.0"), ("promote", "production", "1.1.0")])

    def test_promoting_the_current_version_again_changes_nothing(self):
        self.promote("1.0.0")
        r = self.promote("1.0.0")
        self.assertEqual(r.stdout, "ml-release: production of churn already points to 1.0.0\n")
        self.assertEqual(self.channel()["history"], [])

    def test_promote_of_a_missing_version_is_exit_3(self):
        r = self.release("promote", "--model", "churn", "--version", "1.3.0", "--channel", "production")
        self.assertFails(r, 3, "ml-release: error: 'reg': model churn has no version \"1.3.0\"; did you mean "
                               "\"1.0.0\"? (versions: 1.0.0, 1.1.0, 1.2.0)")
        r = self.release("promote", "--model", "churm", "--version", "1.0.0", "--channel", "production")
        self.assertFails(r, 3, "ml-release: error: 'reg': no model \"churm\" in the registry; did you mean "
                               "\"churn\"? (models: churn)")

    def test_promote_verify_refuses_a_corrupted_version(self):
        with open(self.path("reg/churn/versions/1.2.0/model.bin"), "wb") as f:
            f.write(b"bitrot")
        r = self.release("promote", "--model", "churn", "--version", "1.2.0", "--channel", "production", "--verify")
        self.assertFails(r, 5, "ml-release: error: 'reg/churn/versions/1.2.0/model.bin': does not match the "
                               "manifest; not promoting")
        self.assertFalse(os.path.exists(self.path("reg/churn/channels/production.json")))

    def test_rollback_without_to_goes_back_one_step_at_a_time(self):
        for version in ("1.0.0", "1.1.0", "1.2.0"):
            self.promote(version)
        r = self.release("rollback", "--model", "churn", "--channel", "production", "--report", "r.json")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.stdout, "ml-release: production of churn now points to 1.1.0 (was 1.2.0)\n")
        self.assertEqual(self.read_json("r.json")["previous_version"], "1.2.0")
        self.assertEqual((self.channel()["action"], [h["version"] for h in self.channel()["history"]]),
                         ("rollback", ["1.0.0"]))
        self.assertEqual(self.release("rollback", "--model", "churn", "--channel", "production").code, 0)
        self.assertEqual(self.channel()["version"], "1.0.0")
        self.assertFails(self.release("rollback", "--model", "churn", "--channel", "production"), 3,
                         "ml-release: error: 'reg': channel production of churn has no earlier version to roll "
                         "back to")
        self.assertEqual([e["event"] for e in self.audit()].count("rollback"), 2)

    def test_rollback_to_a_named_version_of_the_history(self):
        for version in ("1.0.0", "1.1.0", "1.2.0"):
            self.promote(version)
        r = self.release("rollback", "--model", "churn", "--channel", "production", "--to", "1.0.0")
        self.assertEqual(r.code, 0, r)
        self.assertEqual((self.channel()["version"], self.channel()["history"]), ("1.0.0", []))
        again = self.release("rollback", "--model", "churn", "--channel", "production", "--to", "1.0.0")
        self.assertEqual(again.stdout, "ml-release: production of churn already points to 1.0.0\n")
        self.assertFails(self.release("rollback", "--model", "churn", "--channel", "production", "--to", "1.2.0"), 3,
                         "ml-release: error: 'reg': version 1.2.0 was not on channel production of churn before "
                         "(no earlier version); promote it instead")

    def test_rollback_of_a_missing_channel_is_exit_3(self):
        self.promote("1.0.0", "staging")
        self.assertFails(self.release("rollback", "--model", "churn", "--channel", "production"), 3,
                         "ml-release: error: 'reg': model churn has no channel \"production\" (channels: staging)")

    def test_concurrent_promotes_keep_every_audit_event_and_a_readable_channel(self):
        versions = [f"2.0.{i}" for i in range(8)]
        for version in versions:
            self.publish(version, version.encode())
        events_before = len(self.audit())
        procs = [subprocess.Popen([os.path.join(BIN_DIR, "ml-release"), "promote", "--registry", "reg", "--model",
                                   "churn", "--version", v, "--channel", "production", "--report", f"r-{v}.json",
                                   "--no-ci"], cwd=self.dir, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for v in versions]
        for proc in procs:
            _, err = proc.communicate(timeout=120)
            self.assertEqual(proc.returncode, 0, err)
        channel = self.channel()  # parses: never a torn write
        seen = [channel["version"]] + [h["version"] for h in channel["history"]]
        self.assertEqual(sorted(seen), sorted(versions), "every promote is in the channel's history exactly once")
        promotes = [e for e in self.audit()[events_before:] if e["event"] == "promote"]
        self.assertEqual(sorted(e["version"] for e in promotes), sorted(versions))
        # The history links up: each promote's previous version is the one promoted just before it.
        previous = {self.read_json(f"r-{v}.json")["previous_version"] for v in versions}
        self.assertEqual(len(previous), len(versions))


class ListShowFetchVerify(ReleaseTest):
    def setUp(self):
        super().setUp()
        self.write("m.json", {"accuracy": 0.91})
        self.publish("1.0.0", b"one", "--metrics", "m.json")
        self.publish("1.10.0", b"ten")
        self.publish("1.9.0", b"nine")
        self.promote("1.9.0")

    def test_list_shows_versions_in_natural_order_and_channels(self):
        r = self.release("list", "--model", "churn", "--report", "r.json")
        self.assertEqual(r.code, 0, r)
        report = self.read_json("r.json")
        self.assertEqual([(v["version"], v["channels"]) for v in report["versions"]],
                         [("1.0.0", []), ("1.9.0", ["production"]), ("1.10.0", [])])
        self.assertEqual(report["channels"]["production"]["version"], "1.9.0")
        self.assertEqual(report["incomplete"], [])
        self.assertIn("1.9.0\t2026-01-01T00:00:00Z\t1\t4 B\tproduction\n", r.stdout)

    def test_list_without_a_model_lists_the_models(self):
        r = self.release("list", "--report", "r.json")
        self.assertEqual((r.code, r.stdout), (0, "churn\n"), r)
        self.assertEqual(self.read_json("r.json")["models"], ["churn"])

    def test_list_of_an_unknown_model_is_exit_3(self):
        self.assertFails(self.release("list", "--model", "fraud"), 3,
                         "ml-release: error: 'reg': no model \"fraud\" in the registry (models: churn)")

    def test_show_prints_the_manifest(self):
        r = self.release("show", "--model", "churn", "--channel", "production")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(json.loads(r.stdout), self.read_json("reg/churn/versions/1.9.0/manifest.json"))
        r = self.release("show", "--model", "churn", "--version", "1.0.0", "--quiet", "--report", "r.json")
        self.assertEqual((r.code, r.stdout), (0, ""))
        self.assertEqual(self.read_json("r.json")["manifest"]["metrics"], {"accuracy": 0.91})
        self.assertFails(self.release("show", "--model", "churn"), 2,
                         "ml-release: error: missing --version VER or --channel CH")
        self.assertFails(self.release("show", "--model", "churn", "--version", "1.0.0", "--channel", "production"), 2,
                         "ml-release: error: give --version VER or --channel CH, not both")

    def test_fetch_by_channel_writes_the_verified_files(self):
        r = self.release("fetch", "--model", "churn", "--channel", "production", "--dest", "deploy/model",
                         "--report", "r.json")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(read_bytes(self.path("deploy/model/model.bin")), b"nine")
        self.assertEqual(self.read_json("r.json")["version"], "1.9.0")
        self.assertEqual(os.listdir(self.path("deploy")), ["model"])  # no staging folder left

    def test_version_in_a_report_is_the_models_and_tool_version_the_tools(self):
        r = self.release("fetch", "--model", "churn", "--channel", "production", "--dest", "d", "--report", "ok.json")
        self.assertEqual(r.code, 0, r)
        ok = self.read_json("ok.json")
        self.assertEqual((list(ok)[:2], ok["tool_version"], ok["version"]), (["tool", "tool_version"], "0.1.0", "1.9.0"))
        r = self.release("fetch", "--model", "churn", "--channel", "nightly", "--dest", "d", "--report", "err.json")
        self.assertEqual(r.code, 3, r)
        err = self.read_json("err.json")
        self.assertEqual((err["tool_version"], err["status"]), ("0.1.0", "error"))
        self.assertNotIn("version", err)  # no model version is known: none is claimed

    def test_fetch_of_a_corrupted_object_is_exit_5_and_leaves_dest_untouched(self):
        self.write("deploy/keep.txt", "mine")
        with open(self.path("reg/churn/versions/1.9.0/model.bin"), "wb") as f:
            f.write(b"nin3")
        r = self.release("fetch", "--model", "churn", "--channel", "production", "--dest", "deploy")
        self.assertFails(r, 5, "ml-release: error: 'reg/churn/versions/1.9.0/model.bin': does not match the "
                               f"manifest (sha256 {sha256(b'nin3')}, 4 bytes; expected {sha256(b'nine')}, 4 bytes); "
                               "nothing was written to 'deploy'")
        self.assertEqual(sorted(os.listdir(self.path("deploy"))), ["keep.txt"])
        r = self.release("fetch", "--model", "churn", "--channel", "production", "--dest", "fresh")
        self.assertEqual(r.code, 5, r)
        self.assertFalse(os.path.exists(self.path("fresh")))
        self.assertEqual(sorted(os.listdir(self.dir)), ["deploy", "m.json", "model.bin", "reg"])

    def test_fetch_of_a_missing_object_is_exit_5(self):
        os.remove(self.path("reg/churn/versions/1.0.0/model.bin"))
        r = self.release("fetch", "--model", "churn", "--version", "1.0.0", "--dest", "out")
        self.assertFails(r, 5, "ml-release: error: 'reg/churn/versions/1.0.0/model.bin': is in the manifest but "
                               "missing from the registry")

    def test_verify_rereads_every_file(self):
        r = self.release("verify", "--model", "churn", "--version", "1.10.0", "--junit", "j.xml")
        self.assertEqual(r.code, 0, r)
        self.assertIn("ml-release: churn 1.10.0: 1 of 1 files match the manifest\n", r.stdout)
        self.assertIn('name="verify model.bin"', self.read("j.xml"))
        with open(self.path("reg/churn/versions/1.10.0/model.bin"), "ab") as f:
            f.write(b"!")
        r = self.release("verify", "--model", "churn", "--version", "1.10.0")
        self.assertFails(r, 5, "ml-release: error: 'reg/churn/versions/1.10.0': 1 of 1 files do not match the "
                               f"manifest: model.bin (sha256 {sha256(b'ten!')})")


class CommandLine(ReleaseTest):
    def test_unknown_and_missing_commands(self):
        self.assertFails(self.run_tool("ml-release", "pubish", "--model", "x"), 2,
                         "ml-release: error: unknown command 'pubish'; did you mean \"publish\"? (commands: publish, "
                         "promote, rollback, list, show, fetch, verify, history, gc, diff)")
        self.assertFails(self.run_tool("ml-release"), 2, "ml-release: error: missing command: give one of publish, "
                                                         "promote, rollback, list, show, fetch, verify, history, gc, diff")
        self.assertFails(self.run_tool("ml-release", "--model", "x", "list"), 2,
                         "ml-release: error: put the command first: ml-release list [OPTIONS]")
        # The tools' words, not the option library's ("too many positional options ...").
        self.assertFails(self.run_tool("ml-release", "promote", "--model", "m", "--version", "1", "--channel", "c",
                                       "extra"), 2,
                         "ml-release: error: too many arguments: an argument that is not an option's value is not "
                         "taken here (see --help)")

    def test_version_and_help(self):
        self.assertEqual(self.run_tool("ml-release", "--version").stdout, "ml-release 0.1.0\n")
        r = self.run_tool("ml-release", "rollback", "--help")
        self.assertEqual(r.code, 0)
        self.assertIn("ml-release rollback --model NAME --channel CH [--to VER]", r.stdout)

    def test_registry_urls(self):
        self.write("model.bin", b"w")
        r = self.run_tool("ml-release", "publish", "--model", "m", "--version", "1", "model.bin",
                          env={"ML_REGISTRY": "from-env"})
        self.assertEqual(r.code, 0, r)
        self.assertTrue(os.path.exists(self.path("from-env/m/versions/1/manifest.json")))
        r = self.run_tool("ml-release", "publish", "--model", "m", "--version", "1", "model.bin")
        self.assertEqual(r.code, 0, r)
        self.assertTrue(os.path.exists(self.path(".ml-registry/m/versions/1/manifest.json")))
        r = self.run_tool("ml-release", "list", "--model", "m", "--registry", "file://" + self.path("from-env"))
        self.assertEqual(r.code, 0, r)
        no_credentials = {"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}
        self.assertFails(self.run_tool("ml-release", "list", "--registry", "s3://bucket/models", env=no_credentials), 4,
                         "ml-release: error: 's3://bucket/models': no AWS credentials: set AWS_ACCESS_KEY_ID and "
                         "AWS_SECRET_ACCESS_KEY (or a profile in ~/.aws/credentials)")
        self.assertFails(self.run_tool("ml-release", "list", "--registry", "s3://"), 2,
                         "ml-release: error: 's3://' names no bucket: use s3://BUCKET/PREFIX")
        self.assertFails(self.run_tool("ml-release", "list", "--registry", "gs://bucket/models"), 2,
                         "ml-release: error: unsupported registry URL \"gs://bucket/models\": use a folder, "
                         "file:///PATH, s3://BUCKET/PREFIX, github://OWNER/REPO or gitlab://GROUP/PROJECT")


class CompareAgainstRegistry(ReleaseTest):
    def compare(self, *args):
        return self.run_tool("ml-compare", "--candidate", "new.json", "--metric", "accuracy", "--baseline-registry",
                             "reg", "--model", "churn", "--channel", "production", "--report", "r.json", *args)

    def test_the_baseline_is_the_metrics_of_the_version_the_channel_points_to(self):
        self.write("m.json", {"accuracy": 0.85})
        self.publish("1.0.0", b"w", "--metrics", "m.json")
        self.promote("1.0.0")
        self.write("new.json", {"accuracy": 0.87})
        r = self.compare("--min-delta", "0.01")
        self.assertEqual(r.code, 0, r)
        report = self.read_json("r.json")
        self.assertEqual(report["baseline_registry"],
                         {"registry": "reg", "model": "churn", "channel": "production", "version": "1.0.0"})
        self.assertEqual(report["primary"]["baseline"], 0.85)
        self.write("new.json", {"accuracy": 0.855})
        self.assertEqual(self.compare("--min-delta", "0.01").code, 1)

    def test_no_channel_yet_follows_if_no_baseline(self):
        self.publish("1.0.0")
        self.write("new.json", {"accuracy": 0.8})
        r = self.compare("--if-no-baseline", "promote")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.stdout, "ml-compare: promote without a comparison: no baseline (model churn has no "
                                   "channel \"production\" (no channel yet)); --if-no-baseline promote\n")
        self.assertEqual(self.compare().code, 1)  # the default for a registry baseline is fail

    def test_a_baseline_version_without_metrics_is_exit_3(self):
        self.publish("1.0.0")
        self.promote("1.0.0")
        self.write("new.json", {"accuracy": 0.8})
        self.assertFails(self.compare(), 3, "ml-compare: error: 'reg/churn/versions/1.0.0/manifest.json': version "
                                            "1.0.0 has no metrics to compare against (publish with --metrics M.json)")

    def test_registry_and_file_baselines_are_exclusive(self):
        self.write("new.json", {"accuracy": 0.8})
        self.assertFails(self.compare("--baseline", "prod.json"), 2,
                         "ml-compare: error: give --baseline FILE or --baseline-registry URL, not both")
        r = self.run_tool("ml-compare", "--candidate", "new.json", "--metric", "accuracy", "--model", "churn")
        self.assertFails(r, 2, "ml-compare: error: a registry baseline needs --baseline-registry URL, --model NAME "
                               "and --channel CH")


if __name__ == "__main__":
    unittest.main()
