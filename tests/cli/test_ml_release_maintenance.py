"""ml-release history, gc and diff, and promote --from-channel / rollback --if-version, on
every backend: a local folder, S3 (s3rver), and the GitHub and GitLab fakes. Times are
pinned per command (SOURCE_DATE_EPOCH), so every move has a known time."""
import json
import os
import random
import re
import shutil
import subprocess
import threading
import time
import unittest

import test_ml_release as local
import test_ml_release_github as github
import test_ml_release_gitlab as gitlab
import test_ml_release_s3 as s3
from lean_cli import BIN_DIR
from release_cli import PINNED

T0 = int(PINNED["SOURCE_DATE_EPOCH"])  # 2026-01-01T00:00:00Z
RUN_URL = {"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "acme/churn", "GITHUB_RUN_ID": "77",
           "GITHUB_ACTOR": "octocat"}


def at(seconds):
    return {"SOURCE_DATE_EPOCH": str(T0 + seconds)}


def iso(seconds):
    import datetime
    return datetime.datetime.fromtimestamp(T0 + seconds, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Maintenance:
    """The cases every backend runs; the backend class gives release() and its setup."""

    def ok(self, *args, env=None):
        r = self.release(*args, env=env)
        self.assertEqual(r.code, 0, r)
        return r

    def publish_at(self, version, seconds, content=None, metrics=None, extra_file=None):
        self.write("model.bin", content or f"weights {version}".encode())
        args = ["--model", "churn", "--version", version, "model.bin"]
        if metrics is not None:
            self.write("m.json", metrics)
            args += ["--metrics", "m.json"]
        if extra_file:
            self.write(extra_file[0], extra_file[1])
            args.append(extra_file[0])
        self.ok("publish", *args, env=at(seconds))

    def test_history_newest_first_with_who_and_at_boundaries(self):
        for i, v in enumerate(("1.0", "1.1")):
            self.publish_at(v, i)
        self.ok("promote", "--model", "churn", "--version", "1.0", "--channel", "production", env=at(100))
        self.ok("promote", "--model", "churn", "--version", "1.1", "--channel", "production",
                env={**at(200), **RUN_URL})
        self.ok("rollback", "--model", "churn", "--channel", "production", env=at(300))
        self.ok("promote", "--model", "churn", "--version", "1.1", "--channel", "canary", env=at(400))
        r = self.ok("history", "--model", "churn", "--channel", "production", "--report", "r.json")
        moves = self.read_json("r.json")["moves"]
        self.assertEqual([(m["at"], m["action"], m["from"], m["to"]) for m in moves],
                         [(iso(300), "rollback", "1.1", "1.0"), (iso(200), "promote", "1.0", "1.1"),
                          (iso(100), "promote", None, "1.0")])
        self.assertEqual((moves[1]["by"], moves[1]["ci_run_url"]), ("octocat", "https://github.com/acme/churn/actions/runs/77"))
        self.assertEqual(moves[0]["by"], "tester")
        self.assertEqual(r.stdout.splitlines()[-1], "ml-release: 3 moves of channel production of churn, now 1.0")
        cases = [(200, "1.1"), (199, "1.0"), (100, "1.0"), (300, "1.0"), (299, "1.1"), (10**6, "1.0")]
        for seconds, version in cases:
            with self.subTest(at=seconds):
                r = self.ok("history", "--model", "churn", "--channel", "production", "--at", iso(seconds),
                            "--report", "r.json")
                self.assertEqual(self.read_json("r.json")["version"], version)
        r = self.release("history", "--model", "churn", "--channel", "production", "--at", iso(99))
        self.assertEqual(r.code, 3, r)
        self.assertTrue(r.stderr.endswith(f": channel production of churn did not exist yet at {iso(99)} "
                                          f"(its first move: {iso(100)})\n"), r)
        r = self.release("history", "--model", "churn", "--channel", "staging")
        self.assertEqual(r.code, 3, r)
        self.assertIn('model churn has no channel "staging"', r.stderr)

    def test_gc_keeps_the_newest_the_pointed_to_and_recent_history(self):
        for i in range(1, 7):
            self.publish_at(f"{i}.0", i * 86400)
        self.ok("promote", "--model", "churn", "--version", "1.0", "--channel", "production", env=at(7 * 86400))
        self.ok("promote", "--model", "churn", "--version", "2.0", "--channel", "production", env=at(7 * 86400))
        self.ok("promote", "--model", "churn", "--version", "3.0", "--channel", "canary", env=at(7 * 86400))
        gc = ("gc", "--model", "churn", "--keep", "1", "--keep-history", "1", "--grace", "0", "--report", "r.json")
        r = self.ok(*gc, "--dry-run", env=at(8 * 86400))
        report = self.read_json("r.json")
        self.assertEqual([v["version"] for v in report["deleted"]], ["4.0", "5.0"])
        self.assertEqual({v["version"]: v["reason"] for v in report["kept"]},
                         {"6.0": "one of the newest 1", "3.0": "channel canary", "2.0": "channel production",
                          "1.0": "history of production"})
        self.assertIn("WOULD DELETE  4.0", r.stdout)
        self.assertEqual(self.list_versions(), ["1.0", "2.0", "3.0", "4.0", "5.0", "6.0"])
        r = self.ok(*gc, "--keep-days", "3.5", env=at(8 * 86400))  # 5.0 is 3 days old
        self.assertEqual([v["version"] for v in self.read_json("r.json")["deleted"]], ["4.0"])
        self.assertEqual(r.stdout.splitlines()[-1], "ml-release: deleted 1 version of churn, kept 5")
        self.assertEqual(self.list_versions(), ["1.0", "2.0", "3.0", "5.0", "6.0"])
        r = self.ok(*gc, env=at(8 * 86400))
        self.assertEqual(self.list_versions(), ["1.0", "2.0", "3.0", "6.0"])
        r = self.ok("list", "--model", "churn", "--report", "l.json")
        self.assertEqual(self.read_json("l.json")["incomplete"], [])  # the files went too
        self.ok("verify", "--model", "churn", "--channel", "production")
        r = self.ok("history", "--model", "churn", "--channel", "production", "--report", "h.json")
        self.assertEqual(len(self.read_json("h.json")["moves"]), 2)  # gc moved no channel
        self.assertEqual(self.release("gc", "--model", "churn").code, 2)

    def test_diff_of_a_channel_and_a_version(self):
        self.publish_at("1.0", 0, b"one", {"accuracy": 0.9, "f1": 0.8}, ("vocab.txt", "a\n"))
        self.publish_at("1.1", 1, b"two", {"accuracy": 0.92, "auc": 0.7})
        self.ok("promote", "--model", "churn", "--version", "1.0", "--channel", "production")
        r = self.ok("diff", "--model", "churn", "production", "1.1", "--report", "r.json", "--markdown", "d.md")
        report = self.read_json("r.json")
        self.assertEqual((report["a"]["version"], report["b"]["version"]), ("1.0", "1.1"))
        metrics = {m["metric"]: (m["a"], m["b"]) for m in report["metrics"]}
        self.assertEqual(metrics, {"accuracy": (0.9, 0.92), "f1": (0.8, None), "auc": (None, 0.7)})
        self.assertAlmostEqual(report["metrics"][0]["delta"], 0.02)
        self.assertEqual({f["name"]: f["status"] for f in report["files"]}, {"model.bin": "changed", "vocab.txt": "removed"})
        self.assertIn("| `accuracy` | 0.9 | 0.92 | +0.02 |", self.read("d.md"))
        self.assertEqual(r.stdout.splitlines()[-1],
                         "ml-release: churn production (1.0) vs 1.1: 3 metrics, 2 of 2 files changed")
        r = self.release("diff", "--model", "churn", "1.0")
        self.assertEqual(r.code, 2, r)
        self.assertEqual(r.stderr, "ml-release: error: diff compares two versions or channels: "
                                   "ml-release diff --model NAME A B\n")
        self.assertEqual(self.release("diff", "--model", "churn", "1.0", "9.9").code, 3)

    def test_promote_from_channel_and_rollback_if_version(self):
        for i, v in enumerate(("1.0", "1.1", "1.2")):
            self.publish_at(v, i)
        self.ok("promote", "--model", "churn", "--version", "1.0", "--channel", "production")
        self.ok("promote", "--model", "churn", "--version", "1.1", "--channel", "canary")
        r = self.release("promote", "--model", "churn", "--from-channel", "canary", "--expect-version", "1.2",
                         "--channel", "production")
        self.assertEqual(r.code, 5, r)
        self.assertTrue(r.stderr.endswith(": channel canary of churn points to 1.1, not the checked 1.2; not promoting\n"), r)
        r = self.ok("promote", "--model", "churn", "--from-channel", "canary", "--expect-version", "1.1",
                    "--channel", "production", "--report", "r.json")
        self.assertEqual((self.read_json("r.json")["version"], self.read_json("r.json")["from_channel"]), ("1.1", "canary"))
        self.assertEqual(r.stdout, "ml-release: production of churn now points to 1.1 (was 1.0)\n")
        # The canary turned out bad: roll it back, twice (a retried job) — the second is a no-op.
        self.ok("promote", "--model", "churn", "--version", "1.2", "--channel", "canary")
        r = self.ok("rollback", "--model", "churn", "--channel", "canary", "--if-version", "1.2")
        self.assertEqual(r.stdout, "ml-release: canary of churn now points to 1.1 (was 1.2)\n")
        r = self.ok("rollback", "--model", "churn", "--channel", "canary", "--if-version", "1.2", "--report", "r.json")
        self.assertEqual(r.stdout, "ml-release: canary of churn points to 1.1, not 1.2: nothing to roll back\n")
        self.assertFalse(self.read_json("r.json")["changed"])
        r = self.release("promote", "--model", "churn", "--version", "1.0", "--from-channel", "canary",
                         "--channel", "production")
        self.assertEqual(r.stderr, "ml-release: error: give --version VER or --from-channel CH, not both\n")

    def list_versions(self):
        r = self.ok("list", "--model", "churn", "--report", "list.json")
        return [v["version"] for v in self.read_json("list.json")["versions"]]


def backend(base):
    """The maintenance cases over a backend's test class, without that class's own tests."""
    cls = type(base.__name__ + "Maintenance", (Maintenance, base), {})
    for name in dir(base):
        if name.startswith("test") and not hasattr(Maintenance, name):
            setattr(cls, name, None)
    return cls


LocalMaintenance = backend(local.ReleaseTest)
S3Maintenance = backend(s3.ReleaseS3Test)
GitlabMaintenance = backend(gitlab.GitlabTest)


class GithubMaintenance(backend(github.GithubTest)):
    def test_gc_keeps_the_newest_the_pointed_to_and_recent_history(self):
        # A version is a release: gc deletes the release (immutable ones too) in one request.
        super().test_gc_keeps_the_newest_the_pointed_to_and_recent_history()
        with github.FAKE.state.lock:
            tags = sorted(r["tag_name"] for r in github.FAKE.state.releases.values() if not r["draft"])
        self.assertEqual(tags, ["churn-v1.0", "churn-v2.0", "churn-v3.0", "churn-v6.0"])
        deletes = [e for e in self.audit_events() if e["event"] == "delete"]
        self.assertEqual(sorted(e["version"] for e in deletes), ["4.0", "5.0"])


def setUpModule():
    github.setUpModule()
    gitlab.setUpModule()


def tearDownModule():
    github.tearDownModule()
    gitlab.tearDownModule()


class GcAgainstConcurrentPromotes(backend(local.ReleaseTest)):
    """A fault test: gc runs while promotes point channels at the versions it is deleting.
    Afterwards every channel must point to a complete version (manifest and every file)."""

    TRIALS = int(os.environ.get("GC_TRIALS", "50"))
    test_history_newest_first_with_who_and_at_boundaries = None
    test_gc_keeps_the_newest_the_pointed_to_and_recent_history = None
    test_diff_of_a_channel_and_a_version = None
    test_promote_from_channel_and_rollback_if_version = None

    def test_gc_never_deletes_a_version_a_channel_points_to(self):
        for i in range(1, 7):
            self.publish_at(f"{i}.0", i)
        self.ok("promote", "--model", "churn", "--version", "6.0", "--channel", "production")
        shutil.copytree(self.path("reg"), self.path("base"))
        rng = random.Random(17)
        deleted = landed = refused = lost = 0
        release = os.path.join(BIN_DIR, "ml-release")
        env = {**os.environ, **PINNED}
        for trial in range(self.TRIALS):
            shutil.rmtree(self.path("reg"))
            shutil.copytree(self.path("base"), self.path("reg"))
            gc = subprocess.Popen([release, "gc", "--registry", "reg", "--model", "churn", "--keep", "1",
                                   "--keep-history", "0", "--grace", "0.5", "--report", "gc.json"],
                                  cwd=self.dir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            while gc.poll() is None:
                version = f"{rng.randint(1, 5)}.0"
                p = subprocess.run([release, "promote", "--registry", "reg", "--model", "churn", "--version", version,
                                    "--channel", rng.choice(["canary", "staging"])], cwd=self.dir, env=env,
                                   capture_output=True, text=True)
                if p.returncode == 0:
                    landed += 1
                else:
                    self.assertIn(p.returncode, (3, 5), p.stderr)  # hidden or gone: refused cleanly
                    refused += 1
            self.assertEqual(gc.wait(), 0, gc.stderr.read())
            gc.stderr.close()
            deleted += len(self.read_json("gc.json")["deleted"])
            for name in os.listdir(self.path("reg/churn/channels")):
                channel = name[:-len(".json")]
                r = self.release("verify", "--model", "churn", "--channel", channel)
                if r.code != 0:
                    lost += 1
                    print(f"trial {trial}: channel {channel}: {r.stderr.strip()}")
        print(f"fault injection gc against concurrent promotes (local): {self.TRIALS} trials, {deleted} versions "
              f"deleted, {landed} promotes landed, {refused} refused, {lost} pointed-to versions lost")
        self.assertEqual(lost, 0)
        self.assertGreater(deleted, 0)
        self.assertGreater(landed, 0)


class GcAgainstPublishAndInterruption(backend(local.ReleaseTest)):
    """gc on a local folder while a version it hid is published again, and a gc killed
    during its grace: no published version is lost, none stays hidden."""

    test_history_newest_first_with_who_and_at_boundaries = None
    test_gc_keeps_the_newest_the_pointed_to_and_recent_history = None
    test_diff_of_a_channel_and_a_version = None
    test_promote_from_channel_and_rollback_if_version = None

    def start_gc(self, *args):
        release = os.path.join(BIN_DIR, "ml-release")
        gc = subprocess.Popen([release, "gc", "--registry", "reg", "--model", "churn", "--keep", "1", *args,
                               "--report", "gc.json"], cwd=self.dir, env={**os.environ, **PINNED},
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: gc.poll() is None and gc.kill())
        return gc

    def wait_hidden(self, gc, *versions):
        # Pass 1 is done once every candidate's manifest is gone; the grace runs from there.
        deadline = time.monotonic() + 60
        while any(os.path.exists(self.path(f"reg/churn/versions/{v}/manifest.json")) for v in versions):
            self.assertIsNone(gc.poll(), "gc ended before hiding " + ", ".join(versions))
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.02)

    def test_a_version_published_again_during_the_grace_is_kept(self):
        for i in range(1, 4):
            self.publish_at(f"{i}.0", i)
        gc = self.start_gc("--grace", "4")
        self.wait_hidden(gc, "1.0", "2.0")
        self.publish_at("1.0", 10, content=b"new weights 1.0")  # new content
        self.publish_at("2.0", 2)  # identical content: a retried CI job
        out, err = gc.communicate(timeout=60)
        self.assertEqual(gc.returncode, 0, err)
        self.assertNotIn("DELETED", out)
        report = self.read_json("gc.json")
        self.assertEqual(report["deleted"], [])
        self.assertEqual({v["version"]: v["reason"] for v in report["kept"]},
                         {"3.0": "one of the newest 1", "1.0": "published again since gc started",
                          "2.0": "published again since gc started"})
        for version in ("1.0", "2.0"):
            self.ok("verify", "--model", "churn", "--version", version)
            self.assertEqual(sorted(os.listdir(self.path(f"reg/churn/versions/{version}"))),
                             ["manifest.json", "model.bin"])
        self.ok("fetch", "--model", "churn", "--version", "1.0", "--dest", "got")
        with open(self.path("got/model.bin"), "rb") as f:
            self.assertEqual(f.read(), b"new weights 1.0")
        self.assertFalse([e for e in self.audit() if e["event"] == "delete"])

    def test_the_next_gc_finishes_what_a_killed_gc_hid(self):
        for i in range(1, 4):
            self.publish_at(f"{i}.0", i)
        self.ok("promote", "--model", "churn", "--version", "1.0", "--channel", "canary")
        self.ok("promote", "--model", "churn", "--version", "3.0", "--channel", "canary")
        gc = self.start_gc("--keep-history", "0", "--grace", "60")
        self.wait_hidden(gc, "1.0", "2.0")
        gc.kill()  # kill -9 during the grace
        gc.communicate()
        r = self.ok("list", "--model", "churn", "--report", "l.json")
        self.assertEqual((self.read_json("l.json")["removing"], self.read_json("l.json")["incomplete"]),
                         (["1.0", "2.0"], []))
        self.assertIn("removing 1.0 (hidden by an ml-release gc that did not finish: the next gc finishes it)\n",
                      r.stdout)
        r = self.release("verify", "--model", "churn", "--version", "2.0")
        self.assertEqual(r.code, 3, r)
        self.assertTrue(r.stderr.endswith(": version 2.0 of churn is being removed by ml-release gc (or an "
                                          "interrupted gc was removing it: the next gc finishes it)\n"), r)
        # A dry run shows what the next gc would do with them, and changes nothing.
        r = self.ok("gc", "--model", "churn", "--keep", "1", "--keep-history", "1", "--dry-run", "--report", "dry.json")
        hidden = "hidden by an ml-release gc that did not finish"
        self.assertEqual({v["version"]: v["reason"] for v in self.read_json("dry.json")["kept"]},
                         {"3.0": "one of the newest 1",
                          "1.0": f"history of canary; {hidden}: gc restores its manifest"})
        self.assertEqual({v["version"]: v["reason"] for v in self.read_json("dry.json")["deleted"]},
                         {"2.0": f"would be deleted; {hidden}: gc finishes deleting it"})
        self.assertIn(f"WOULD DELETE  2.0 ({iso(2)}; {hidden}: gc finishes deleting it)\n", r.stdout)
        self.assertIn(f"KEEP  1.0 (history of canary; {hidden}: gc restores its manifest)\n", r.stdout)
        self.ok("list", "--model", "churn", "--report", "l.json")
        self.assertEqual(self.read_json("l.json")["removing"], ["1.0", "2.0"])
        # The next gc decides by its own rules: 1.0 is canary's rollback target now.
        self.ok("gc", "--model", "churn", "--keep", "1", "--keep-history", "1", "--grace", "0", "--report", "gc.json")
        report = self.read_json("gc.json")
        self.assertEqual([v["version"] for v in report["deleted"]], ["2.0"])
        self.assertEqual(sorted(v["version"] for v in report["kept"]), ["1.0", "3.0"])
        self.ok("verify", "--model", "churn", "--version", "1.0")
        # Nothing is left of 2.0, not even its folder, nor of gc's copy of 1.0's manifest.
        self.assertEqual(sorted(os.listdir(self.path("reg/churn/versions"))), ["1.0", "3.0"])
        self.assertEqual(sorted(os.listdir(self.path("reg/churn/versions/1.0"))), ["manifest.json", "model.bin"])
        self.ok("list", "--model", "churn", "--report", "l.json")
        self.assertEqual(self.read_json("l.json")["removing"], [])

    def test_a_gc_killed_while_it_deleted_files_is_finished_with_its_audit_event(self):
        for i in range(1, 4):
            self.publish_at(f"{i}.0", i, extra_file=("notes.txt", f"notes {i}"))
        gc = self.start_gc("--keep-history", "0", "--grace", "60")
        self.wait_hidden(gc, "1.0", "2.0")
        gc.kill()
        gc.communicate()
        # Where a kill -9 in the middle of 1.0's deletion leaves it: one of its files gone.
        os.remove(self.path("reg/churn/versions/1.0/model.bin"))
        r = self.ok("gc", "--model", "churn", "--keep", "1", "--keep-history", "0", "--dry-run", "--report", "dry.json")
        self.assertEqual({v["version"]: v["reason"] for v in self.read_json("dry.json")["deleted"]},
                         {"1.0": "would be deleted; a gc that did not finish was deleting it: gc finishes it",
                          "2.0": "would be deleted; hidden by an ml-release gc that did not finish: gc finishes "
                                 "deleting it"})
        self.ok("gc", "--model", "churn", "--keep", "1", "--keep-history", "0", "--grace", "0", "--report", "gc.json")
        self.assertEqual({v["version"]: v["reason"] for v in self.read_json("gc.json")["deleted"]},
                         {"1.0": "deleted (finishing a gc that was interrupted)", "2.0": "deleted"})
        self.assertEqual(sorted(e["version"] for e in self.audit() if e["event"] == "delete"), ["1.0", "2.0"])
        self.assertEqual(os.listdir(self.path("reg/churn/versions")), ["3.0"])
        self.ok("list", "--model", "churn", "--report", "l.json")
        self.assertEqual(self.read_json("l.json")["removing"], [])

    @unittest.skipUnless(shutil.which("strace"), "strace is not installed (scripts/packages/gc.txt)")
    def test_a_promote_that_read_the_manifest_before_the_hide_lands_and_gc_keeps_it(self):
        for i in range(1, 4):
            self.publish_at(f"{i}.0", i)
        # The promote reads and verifies 1.0, then its channel write (the registry lock, the
        # first flock) is held back 5 s by strace; gc hides 1.0 meanwhile.
        log = self.path("promote.strace")
        env = {**os.environ, **PINNED}
        if "ASAN_OPTIONS" in env:  # LeakSanitizer cannot run under ptrace; off for the traced promote only
            env["ASAN_OPTIONS"] += ":detect_leaks=0"
        promote = subprocess.Popen(
            ["strace", "-f", "-o", log, "-e", "trace=openat,flock", "-e", "inject=flock:delay_enter=5000000:when=1",
             os.path.join(BIN_DIR, "ml-release"), "promote", "--registry", "reg", "--model", "churn",
             "--version", "1.0", "--channel", "canary"],
            cwd=self.dir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: promote.poll() is None and promote.kill())
        deadline = time.monotonic() + 60
        def traced():
            with open(log) as f:
                return f.read()
        while not (os.path.exists(log) and "reg/.lean-lock" in traced()):
            self.assertIsNone(promote.poll(), promote.stderr.read() if promote.poll() is not None else "")
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.02)
        gc = self.start_gc("--keep-history", "0", "--grace", "8")
        self.wait_hidden(gc, "1.0", "2.0")
        self.assertIsNone(promote.poll(), "the promote wrote before gc hid 1.0: no race to test")
        out, err = promote.communicate(timeout=60)
        self.assertEqual(promote.returncode, 0, err)
        self.assertIn("ml-release: canary of churn now points to 1.0 (new channel)\n", out)
        out, err = gc.communicate(timeout=60)
        self.assertEqual(gc.returncode, 0, err)
        report = self.read_json("gc.json")
        self.assertEqual([v["version"] for v in report["deleted"]], ["2.0"])
        self.assertIn({"1.0": "channel canary (since gc started; manifest restored)"},
                      [{v["version"]: v["reason"]} for v in report["kept"]])
        self.ok("verify", "--model", "churn", "--channel", "canary")



class PublishInFlightDuringGc:
    """On S3 and GitLab no lock keeps a publish from completing while gc deletes a version it
    hid: a publish of that version in flight during gc (its files stored, its manifest not yet
    written) must keep its files, so it completes a whole version. The backend class gives
    registry_args(), tool_env(), hidden(version) and hold_manifest_write(version)."""

    test_history_newest_first_with_who_and_at_boundaries = None
    test_gc_keeps_the_newest_the_pointed_to_and_recent_history = None
    test_diff_of_a_channel_and_a_version = None
    test_promote_from_channel_and_rollback_if_version = None

    def start(self, *args):
        proc = subprocess.Popen([os.path.join(BIN_DIR, "ml-release"), args[0], *self.registry_args(), *args[1:],
                                 "--no-ci"], cwd=self.dir, env={**os.environ, **self.tool_env()},
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        return proc

    def wait_for(self, condition, proc, what):
        deadline = time.monotonic() + 60
        while not condition():
            self.assertIsNone(proc.poll(), f"ended before {what}: {proc.communicate() if proc.poll() is not None else ''}")
            self.assertLess(time.monotonic(), deadline, what)
            time.sleep(0.05)

    def test_a_publish_in_flight_during_gc_keeps_its_files(self):
        for i in range(1, 4):
            self.publish_at(f"{i}.0", i)
        gc = self.start("gc", "--model", "churn", "--keep", "1", "--grace", "3", "--report", "gc.json")
        self.wait_for(lambda: self.hidden("1.0") and self.hidden("2.0"), gc, "gc hid 1.0 and 2.0")
        # The publish stores its files during gc's grace; its manifest write waits until gc is done.
        held, release = self.hold_manifest_write("1.0")
        self.write("new.bin", b"new weights 1.0")
        publish = self.start("publish", "--model", "churn", "--version", "1.0", "new.bin")
        self.wait_for(held.is_set, publish, "the publish wrote its manifest")
        out, err = gc.communicate(timeout=60)
        self.assertEqual(gc.returncode, 0, err)
        self.assertEqual([v["version"] for v in self.read_json("gc.json")["deleted"]], ["1.0", "2.0"])
        release()
        out, err = publish.communicate(timeout=60)
        self.assertEqual(publish.returncode, 0, err)
        self.ok("verify", "--model", "churn", "--version", "1.0")  # gc did not delete its file
        self.ok("fetch", "--model", "churn", "--version", "1.0", "--dest", "got")
        with open(self.path("got/new.bin"), "rb") as f:
            self.assertEqual(f.read(), b"new weights 1.0")


class GcAgainstPublishS3(PublishInFlightDuringGc, backend(s3.ReleaseS3Test)):
    def registry_args(self):
        return ["--registry", self.registry]

    def tool_env(self):
        return self.env()

    def hidden(self, version):
        return any(m == "DELETE" and p.endswith(f"/churn/versions/{version}/manifest.json")
                   for m, p, q, status in self.s3.proxy.calls("DELETE"))

    def hold_manifest_write(self, version):
        hold = self.s3.proxy.hold("PUT", rf"/{self.prefix}/churn/versions/{re.escape(version)}/manifest\.json$")
        return hold.held, hold.release


class GcAgainstPublishGitlab(PublishInFlightDuringGc, backend(gitlab.GitlabTest)):
    def registry_args(self):
        return ["--registry", gitlab.REGISTRY]

    def tool_env(self):
        return self.env()

    def hidden(self, version):
        return "manifest.json" not in gitlab.FAKE.names("churn", version)

    def hold_manifest_write(self, version):
        held, released = threading.Event(), threading.Event()

        def hold(handler, method, path):
            if method == "PUT" and path.endswith(f"/packages/generic/churn/{version}/manifest.json") and not held.is_set():
                held.set()
                released.wait(60)
            return False  # then answered as usual

        gitlab.FAKE.faults.append(hold)
        self.addCleanup(released.set)
        return held, released.set

if __name__ == "__main__":
    unittest.main()
