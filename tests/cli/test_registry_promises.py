"""The registry's promises under damage, hostile content and crashes (docs/hardening.md): a damaged
version is never "identical", identical means the whole manifest, symbolic links inside a local
registry are never followed, every stored object is validated on the way in, one bad object
does not hide the others, a fetch leaves DEST all new or untouched, and leftovers of killed
runs are named and removed."""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

from lean_cli import BIN_DIR
from test_ml_release import ReleaseTest, read_bytes

NEVER_FOLLOWS = "is a symbolic link inside the registry; the registry never follows one"
NOT_REGULAR = "is not a regular file: it is a symbolic link, which the registry never follows"
NOT_REGULAR_FIFO = "is not a regular file: it is a FIFO"


def dead_pid():
    """The pid of a process that has ended."""
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def host_tag():
    return "".join(c if c.isalnum() or c in "._" else "_" for c in socket.gethostname())[:64]


def owner_tag(pid):
    """How a temporary names its owner: pid, the pid namespace (this test's and the tools') and host."""
    namespace = "".join(c for c in os.readlink("/proc/self/ns/pid") if c.isdigit())
    return f"p{pid}.{namespace}@{host_tag()}-"


class RepublishChecksWhatIsStored(ReleaseTest):
    def test_republishing_onto_a_damaged_version_is_exit_5_naming_the_file(self):
        self.publish("1.0.0", b"weights")
        with open(self.path("reg/churn/versions/1.0.0/model.bin"), "wb") as f:
            f.write(b"damaged")
        self.write("model.bin", b"weights")
        r = self.release("publish", "--model", "churn", "--version", "1.0.0", "model.bin")
        self.assertFails(r, 5, "ml-release: error: 'reg/churn/versions/1.0.0/model.bin': does not match the manifest: "
                               "version 1.0.0 of churn is damaged; publish a new version")
        os.remove(self.path("reg/churn/versions/1.0.0/model.bin"))
        r = self.release("publish", "--model", "churn", "--version", "1.0.0", "model.bin")
        self.assertFails(r, 5, "ml-release: error: 'reg/churn/versions/1.0.0/model.bin': is in the manifest but missing "
                               "from the registry: version 1.0.0 of churn is damaged; publish a new version")

    def test_republishing_identical_files_with_other_metrics_or_meta_is_exit_5(self):
        self.write("m.json", {"accuracy": 0.9})
        self.publish("1.0.0", b"w", "--metrics", "m.json", "--meta", "dataset=a")
        before = read_bytes(self.path("reg/churn/versions/1.0.0/manifest.json"))
        self.write("m2.json", {"accuracy": 0.8})
        conflict = ("ml-release: error: 'reg/churn/versions/1.0.0': version 1.0.0 of churn is already published with "
                    "different content ({}); versions are immutable: publish a new version")
        r = self.release("publish", "--model", "churn", "--version", "1.0.0", "model.bin", "--metrics", "m2.json",
                         "--meta", "dataset=a")
        self.assertFails(r, 5, conflict.format("its metrics differ from --metrics"))
        r = self.release("publish", "--model", "churn", "--version", "1.0.0", "model.bin", "--metrics", "m.json")
        self.assertFails(r, 5, conflict.format("its meta differs from --meta"))
        r = self.release("publish", "--model", "churn", "--version", "1.0.0", "model.bin", "--meta", "dataset=a")
        self.assertFails(r, 5, conflict.format("its metrics differ from --metrics"))
        self.assertEqual(read_bytes(self.path("reg/churn/versions/1.0.0/manifest.json")), before)
        r = self.release("publish", "--model", "churn", "--version", "1.0.0", "model.bin", "--metrics", "m.json",
                         "--meta", "dataset=a")
        self.assertEqual(r.code, 0, r)
        self.assertIn("already published", r.stdout)


class SymbolicLinks(ReleaseTest):
    def setUp(self):
        super().setUp()
        os.makedirs(self.path("outside"))

    def outside_is_empty(self):
        self.assertEqual(os.listdir(self.path("outside")), [])

    def test_a_symlinked_version_folder_is_exit_5_and_nothing_is_written_outside(self):
        self.publish("1.0.0")
        os.symlink(self.path("outside"), self.path("reg/churn/versions/4.0.0"))
        r = self.release("publish", "--model", "churn", "--version", "4.0.0", "model.bin")
        self.assertFails(r, 5, f"ml-release: error: 'reg/churn/versions/4.0.0': {NEVER_FOLLOWS}")
        self.outside_is_empty()

    def test_a_symlinked_model_audit_or_channels_folder_is_exit_5(self):
        self.publish("1.0.0")
        shutil.rmtree(self.path("reg/churn/channels"), ignore_errors=True)
        os.symlink(self.path("outside"), self.path("reg/churn/channels"))
        r = self.release("promote", "--model", "churn", "--version", "1.0.0", "--channel", "prod")
        self.assertFails(r, 5, f"ml-release: error: 'reg/churn/channels': {NEVER_FOLLOWS}")
        os.remove(self.path("reg/churn/channels"))
        shutil.rmtree(self.path("reg/churn/audit"))
        os.symlink(self.path("outside"), self.path("reg/churn/audit"))
        r = self.release("promote", "--model", "churn", "--version", "1.0.0", "--channel", "prod")
        self.assertFails(r, 5, f"ml-release: error: 'reg/churn/audit': {NEVER_FOLLOWS}")
        os.symlink(self.path("outside"), self.path("reg/other"))
        r = self.release("publish", "--model", "other", "--version", "1", "model.bin")
        self.assertFails(r, 5, f"ml-release: error: 'reg/other': {NEVER_FOLLOWS}")
        self.outside_is_empty()

    def test_a_symlinked_audit_folder_is_found_before_the_channel_moves(self):
        self.publish("1.0.0")
        self.promote("1.0.0")
        self.publish("2.0.0", b"weights 2")
        self.promote("2.0.0")
        self.publish("3.0.0", b"weights 3")
        channel = read_bytes(self.path("reg/churn/channels/production.json"))
        shutil.rmtree(self.path("reg/churn/audit"))
        os.symlink(self.path("outside"), self.path("reg/churn/audit"))
        line = f"ml-release: error: 'reg/churn/audit': {NEVER_FOLLOWS}"
        for args in (("promote", "--model", "churn", "--version", "3.0.0", "--channel", "production"),
                     ("promote", "--model", "churn", "--version", "3.0.0", "--channel", "canary"),
                     ("rollback", "--model", "churn", "--channel", "production"),
                     ("publish", "--model", "churn", "--version", "4.0.0", "model.bin"),
                     ("gc", "--model", "churn", "--keep", "0", "--keep-history", "0", "--grace", "0")):
            self.assertFails(self.release(*args), 5, line)
        self.assertEqual(read_bytes(self.path("reg/churn/channels/production.json")), channel)
        self.assertEqual(sorted(os.listdir(self.path("reg/churn/channels"))), ["production.json"])
        self.assertEqual(sorted(os.listdir(self.path("reg/churn/versions"))), ["1.0.0", "2.0.0", "3.0.0"])
        for version in ("1.0.0", "3.0.0"):
            self.assertTrue(os.path.exists(self.path(f"reg/churn/versions/{version}/manifest.json")))
        self.outside_is_empty()

    def test_a_dangling_lock_symlink_is_exit_5_and_its_target_is_not_created(self):
        self.publish("1.0.0")
        os.remove(self.path("reg/.lean-lock"))
        os.symlink(self.path("outside/created"), self.path("reg/.lean-lock"))
        r = self.release("publish", "--model", "churn", "--version", "2.0.0", "model.bin")
        self.assertFails(r, 5, f"ml-release: error: 'reg/.lean-lock': {NEVER_FOLLOWS}")
        self.outside_is_empty()

    def test_a_hard_linked_lock_file_is_exit_5_and_the_linked_file_keeps_its_bytes(self):
        self.publish("1.0.0")
        stored = self.path("reg/churn/versions/1.0.0/model.bin")
        before = read_bytes(stored)
        os.remove(self.path("reg/.lean-lock"))
        os.link(stored, self.path("reg/.lean-lock"))
        r = self.release("promote", "--model", "churn", "--version", "1.0.0", "--channel", "hl")
        self.assertFails(r, 5, "ml-release: error: 'reg/.lean-lock': has other hard links; the registry never "
                               "writes through one")
        self.assertEqual(read_bytes(stored), before)
        self.assertFalse(os.path.exists(self.path("reg/churn/channels/hl.json")))

    def test_data_files_that_are_symlinks_or_fifos_are_not_regular_files(self):
        self.publish("1.0.0")
        stored = self.path("reg/churn/versions/1.0.0/model.bin")
        shutil.copy(stored, self.path("outside/model.bin"))
        os.remove(stored)
        os.symlink(self.path("outside/model.bin"), stored)
        r = self.release("verify", "--model", "churn", "--version", "1.0.0")
        self.assertFails(r, 5, f"ml-release: error: 'reg/churn/versions/1.0.0/model.bin': {NOT_REGULAR}")
        os.remove(stored)
        os.mkfifo(stored)
        r = self.release("verify", "--model", "churn", "--version", "1.0.0")  # must not block on the FIFO
        self.assertFails(r, 5, f"ml-release: error: 'reg/churn/versions/1.0.0/model.bin': {NOT_REGULAR_FIFO}")
        r = self.release("fetch", "--model", "churn", "--version", "1.0.0", "--dest", "out")
        self.assertFails(r, 5, f"ml-release: error: 'reg/churn/versions/1.0.0/model.bin': {NOT_REGULAR_FIFO}")
        self.assertFalse(os.path.exists(self.path("out")))


class HostileContent(ReleaseTest):
    def setUp(self):
        super().setUp()
        self.publish("1.0.0")
        self.promote("1.0.0", "prod")
        self.pointer = self.channel("prod")

    def plant(self, text, channel="prod"):
        with open(self.path(f"reg/churn/channels/{channel}.json"), "w") as f:
            f.write(text)

    def test_hostile_channel_pointers_are_exit_5_malformed_channel(self):
        sha = self.pointer["manifest_sha256"]
        cases = [
            ({**self.pointer, "version": "../../x"},
             "\"version\" is not a version name or \"manifest_sha256\" not a SHA-256"),
            ({**self.pointer, "version": "1.0.0\n\x1b[2K\rforged"},
             "\"version\" is not a version name or \"manifest_sha256\" not a SHA-256"),
            ({**self.pointer, "model": "fraud"}, "it is not the pointer of channel prod of churn"),
            ({**self.pointer, "channel": "staging"}, "it is not the pointer of channel prod of churn"),
            ({**self.pointer, "history": [{"version": "../1", "manifest_sha256": sha}]},
             "a history entry needs a version name and a manifest_sha256"),
            ({**self.pointer, "updated_by": "x\n::warning::injected"}, "\"updated_by\" is not printable text"),
        ]
        for doc, why in cases:
            with self.subTest(why=why, doc=doc.get("version")):
                self.plant(json.dumps(doc))
                for command in (("show", "--channel", "prod"), ("fetch", "--channel", "prod", "--dest", "out"),
                                ("verify", "--channel", "prod")):
                    r = self.release(command[0], "--model", "churn", *command[1:])
                    self.assertFails(r, 5, f"ml-release: error: 'reg/churn/channels/prod.json': malformed channel "
                                           f"pointer: {why}")
        self.assertFalse(os.path.exists(self.path("out")))

    def test_a_key_written_twice_in_a_stored_object_is_malformed_not_last_wins(self):
        body = json.dumps(self.pointer)
        self.plant(body[:-1] + ', "version": "9.9.9"}')
        r = self.release("show", "--model", "churn", "--channel", "prod")
        self.assertFails(r, 5, "ml-release: error: 'reg/churn/channels/prod.json': malformed channel pointer: "
                               "key \"version\" twice")
        manifest = self.path("reg/churn/versions/1.0.0/manifest.json")
        with open(manifest) as f:
            text = f.read().rstrip()
        with open(manifest, "w") as f:
            f.write(text[:-1] + ', "metrics": {"accuracy": 1.0}}')
        r = self.release("show", "--model", "churn", "--version", "1.0.0")
        self.assertFails(r, 5, "ml-release: error: 'reg/churn/versions/1.0.0/manifest.json': malformed manifest: "
                               "key \"metrics\" twice")

    def test_list_shows_the_good_versions_marks_the_bad_ones_and_exits_5(self):
        self.publish("1.1.0", b"w2")
        self.publish("1.2.0", b"w3")
        with open(self.path("reg/churn/versions/1.1.0/manifest.json"), "w") as f:
            f.write("{not json")
        self.plant(json.dumps({**self.pointer, "version": "1.0.0\n\x1b[2K\rforged"}), channel="evil")
        os.makedirs(self.path("reg/churn/versions/x\ny"))
        with open(self.path("reg/churn/versions/x\ny/manifest.json"), "w") as f:
            f.write("{}")
        r = self.release("list", "--model", "churn", "--report", "r.json")
        self.assertEqual(r.code, 5, r)
        lines = r.stdout.splitlines()
        self.assertEqual([line.split("\t")[0] for line in lines[1:3]], ["1.0.0", "1.2.0"])
        self.assertIn("channel prod -> 1.0.0", lines)
        self.assertIn("malformed version 1.1.0 ('reg/churn/versions/1.1.0/manifest.json': malformed manifest: "
                      "not JSON)", lines)
        self.assertIn("malformed version \"x\\ny\" ('reg/churn/versions': malformed version folder \"x\\ny\": not a "
                      "version name)", lines)
        self.assertTrue(any(line.startswith("malformed channel evil (") for line in lines), lines)
        self.assertNotIn("\x1b", r.stdout)
        self.assertFalse(any(line == "forged" or line.startswith("\rforged") for line in lines), lines)
        self.assertEqual(r.stderr, "ml-release: error: 'reg/churn/versions/1.1.0/manifest.json': malformed manifest: "
                                   "not JSON (and 2 more malformed; see the listing)\n")
        report = self.read_json("r.json")
        self.assertEqual([v["version"] for v in report["versions"]], ["1.0.0", "1.2.0"])
        self.assertEqual([(m["kind"], m["name"]) for m in report["malformed"]],
                         [("version", "1.1.0"), ("version", "\"x\\ny\""), ("channel", "evil")])


class FetchIsAllOrNothing(ReleaseTest):
    def publish_two(self, version="1.0.0"):
        self.write("a.bin", b"alpha " + version.encode())
        self.write("b.bin", b"beta " + version.encode())
        r = self.release("publish", "--model", "churn", "--version", version, "a.bin", "b.bin")
        self.assertEqual(r.code, 0, r)

    def test_a_target_that_cannot_be_replaced_leaves_dest_untouched(self):
        self.publish_two()
        self.write("out/a.bin", b"old a")
        os.makedirs(self.path("out/b.bin"))
        r = self.release("fetch", "--model", "churn", "--version", "1.0.0", "--dest", "out")
        self.assertFails(r, 3, "ml-release: error: 'out/b.bin': is a folder; nothing was written to 'out'")
        self.assertEqual(read_bytes(self.path("out/a.bin")), b"old a")
        self.assertEqual(sorted(os.listdir(self.dir)), sorted(["a.bin", "b.bin", "out", "reg"]))

    def test_an_empty_dest_is_a_usage_error(self):
        self.publish_two()
        r = self.release("fetch", "--model", "churn", "--version", "1.0.0", "--dest", "")
        self.assertFails(r, 2, "ml-release: error: --dest is empty: give the folder to fetch into")

    def test_other_files_stay_unless_clean_makes_dest_exactly_the_version(self):
        self.publish_two("1.0.0")
        self.write("vocab.json", b"{}")
        r = self.release("publish", "--model", "churn", "--version", "2.0.0", "a.bin", "b.bin", "vocab.json")
        self.assertEqual(r.code, 0, r)
        r = self.release("fetch", "--model", "churn", "--version", "2.0.0", "--dest", "out")
        self.assertEqual(r.code, 0, r)
        r = self.release("fetch", "--model", "churn", "--version", "1.0.0", "--dest", "out")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(sorted(os.listdir(self.path("out"))), ["a.bin", "b.bin", "vocab.json"])  # left alone
        r = self.release("fetch", "--model", "churn", "--version", "1.0.0", "--dest", "out", "--clean")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(sorted(os.listdir(self.path("out"))), ["a.bin", "b.bin"])
        self.assertEqual(read_bytes(self.path("out/a.bin")), b"alpha 1.0.0")
        self.assertEqual([n for n in os.listdir(self.dir) if n.startswith(".lean-")], [])


class ParallelFetches(ReleaseTest):
    """fetch --clean run in parallel into one DEST: DEST always holds one version's files."""

    TRIALS = int(os.environ.get("FETCH_TRIALS", "4"))
    PARALLEL = 8

    def test_parallel_clean_fetches_into_one_dest_leave_exactly_one_versions_files(self):
        expected = {}
        for version, names in (("1.0", ("a.bin", "b.bin")), ("2.0", ("c.bin", "d.bin", "e.bin"))):
            for name in names:
                self.write(name, f"{name} of {version}".encode())
            r = self.release("publish", "--model", "churn", "--version", version, *names)
            self.assertEqual(r.code, 0, r)
            expected[version] = {name: f"{name} of {version}".encode() for name in names}
        self.promote("1.0", "production")
        self.promote("2.0", "canary")
        release = os.path.join(BIN_DIR, "ml-release")
        env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
        mixed = 0
        for trial in range(self.TRIALS):
            shutil.rmtree(self.path("out"), ignore_errors=True)
            if trial % 2:
                os.makedirs(self.path("out"))  # an existing DEST as well as a new one
            procs = [subprocess.Popen([release, "fetch", "--registry", "reg", "--model", "churn",
                                       *(["--version", "1.0"] if i % 2 else ["--channel", "canary"]),
                                       "--dest", "out", "--clean", "--quiet"],
                                      cwd=self.dir, env=env, stderr=subprocess.PIPE, text=True)
                     for i in range(self.PARALLEL)]
            for proc in procs:
                self.assertEqual(proc.wait(timeout=120), 0, proc.stderr.read())
                proc.stderr.close()
            got = {name: read_bytes(self.path("out/" + name)) for name in os.listdir(self.path("out"))}
            if got not in expected.values():
                mixed += 1
                print(f"trial {trial}: DEST holds {sorted(got)}")
            self.assertEqual([n for n in os.listdir(self.dir) if n.startswith(".lean-")], [])
        print(f"parallel fetch --clean into one DEST: {self.TRIALS} trials of {self.PARALLEL} fetches, {mixed} mixed")
        self.assertEqual(mixed, 0)

    def test_a_dest_with_a_trailing_slash_is_that_folder(self):
        self.publish("1.0", b"weights 1")
        self.publish("2.0", b"weights 2", name="other.bin")
        r = self.release("fetch", "--model", "churn", "--version", "1.0", "--dest", "out/")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(os.listdir(self.path("out")), ["model.bin"])
        r = self.release("fetch", "--model", "churn", "--version", "2.0", "--dest", "out/", "--clean")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(os.listdir(self.path("out")), ["other.bin"])
        self.assertEqual([n for n in os.listdir(self.dir) if n.startswith(".lean-")], [])
        os.symlink("out", self.path("current"))
        r = self.release("fetch", "--model", "churn", "--version", "1.0", "--dest", "current/", "--clean")
        self.assertFails(r, 2, "ml-release: error: 'current/': --clean replaces DEST whole, and DEST is a symbolic "
                               "link; give the folder it points to")
        self.assertEqual(os.readlink(self.path("current")), "out")


class StalledLockHolder(ReleaseTest):
    """A process that holds the registry lock and does not let go (SIGSTOP, a hung client):
    a writer says after 2 s what it waits for, and gives up (exit 4) after
    ML_RELEASE_LOCK_TIMEOUT seconds."""

    HOLDER = ("import fcntl, sys\n"
              "f = open(sys.argv[1], 'r+')\n"
              "fcntl.flock(f, fcntl.LOCK_EX)\n"
              "f.write(sys.argv[2]); f.flush()\n"
              "print('locked', flush=True)\n"
              "sys.stdin.read()\n")

    def hold_lock(self, record):
        holder = subprocess.Popen([sys.executable, "-c", self.HOLDER, self.path("reg/.lean-lock"), record],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.addCleanup(holder.wait)
        self.addCleanup(holder.stdin.close)
        self.assertEqual(holder.stdout.readline(), "locked\n")
        return holder

    def test_a_writer_says_it_waits_for_the_lock_and_gives_up_with_exit_4(self):
        self.publish("1.0")
        holder = self.hold_lock("")
        host = host_tag()
        # The record ml-release writes while it holds the lock, here written by the holder.
        with open(self.path("reg/.lean-lock"), "r+") as f:
            f.write(f"p{holder.pid}@{host} 2026-12-01T18:00:00Z\n")
        held = f"held by process {holder.pid} on {host} since 2026-12-01T18:00:00Z"
        started = time.monotonic()
        r = self.release("promote", "--model", "churn", "--version", "1.0", "--channel", "production",
                         env={"ML_RELEASE_LOCK_TIMEOUT": "3"})
        waited = time.monotonic() - started
        self.assertEqual(r.code, 4, r)
        self.assertEqual(r.stderr.splitlines(), [
            f"ml-release: waiting for the registry lock 'reg/.lean-lock' ({held}; giving up after 3 s)",
            f"ml-release: error: 'reg/.lean-lock': gave up waiting for the registry lock after 3 s ({held}; another "
            "ml-release is writing, or is stopped while it holds the lock); set ML_RELEASE_LOCK_TIMEOUT to wait "
            "longer"])
        self.assertGreaterEqual(waited, 3)
        self.assertLess(waited, 30)
        self.assertFalse(os.path.exists(self.path("reg/churn/channels/production.json")))
        holder.stdin.close()
        holder.wait()
        self.promote("1.0")  # the lock is free again
        self.assertEqual(read_bytes(self.path("reg/.lean-lock")), b"")  # no record of a holder that is gone

    @unittest.skipUnless(shutil.which("strace"), "strace is not installed (scripts/packages/gc.txt)")
    def test_a_stalled_ml_release_holding_the_lock_is_named(self):
        self.publish("1.0")
        # A promote that stalls while it holds the lock: strace holds its first fsync (the
        # channel write, under the lock) back 8 s.
        env = {**os.environ, "SOURCE_DATE_EPOCH": "1767225600", "USER": "tester"}
        if "ASAN_OPTIONS" in env:  # LeakSanitizer cannot run under ptrace
            env["ASAN_OPTIONS"] += ":detect_leaks=0"
        holder = subprocess.Popen(["strace", "-f", "-o", os.devnull, "-e", "trace=fsync",
                                   "-e", "inject=fsync:delay_enter=8000000:when=1",
                                   os.path.join(BIN_DIR, "ml-release"), "promote", "--registry", "reg", "--model",
                                   "churn", "--version", "1.0", "--channel", "production"],
                                  cwd=self.dir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: holder.poll() is None and holder.kill())
        deadline = time.monotonic() + 30
        while not read_bytes(self.path("reg/.lean-lock")):
            if holder.poll() is not None:
                self.fail(f"the promote ended before it held the lock: {holder.communicate()}")
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.05)
        record = read_bytes(self.path("reg/.lean-lock")).decode()
        self.assertRegex(record, r"^p\d+@\S+ \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n$")
        pid, host = record[1:].split(" ")[0].split("@")
        r = self.release("promote", "--model", "churn", "--version", "1.0", "--channel", "staging",
                         env={"ML_RELEASE_LOCK_TIMEOUT": "3"})
        self.assertEqual(r.code, 4, r)
        self.assertIn(f"(held by process {pid} on {host} since {record.split(' ')[1].strip()}; giving up after 3 s)",
                      r.stderr.splitlines()[0])
        self.assertFalse(os.path.exists(self.path("reg/churn/channels/staging.json")))
        out, err = holder.communicate(timeout=60)
        self.assertEqual(holder.returncode, 0, err)
        self.assertEqual(read_bytes(self.path("reg/.lean-lock")), b"")

    def test_a_holder_that_records_nothing_is_not_named_and_a_bad_timeout_is_exit_2(self):
        self.publish("1.0")
        self.hold_lock("")
        r = self.release("publish", "--model", "churn", "--version", "2.0", "model.bin",
                         env={"ML_RELEASE_LOCK_TIMEOUT": "2.5"})
        self.assertEqual(r.code, 4, r)
        self.assertEqual(r.stderr.splitlines()[0],
                         "ml-release: waiting for the registry lock 'reg/.lean-lock' (giving up after 2.5 s)")
        self.assertFalse(os.path.exists(self.path("reg/churn/versions/2.0/manifest.json")))
        r = self.release("publish", "--model", "churn", "--version", "2.0", "model.bin",
                         env={"ML_RELEASE_LOCK_TIMEOUT": "soon"})
        self.assertFails(r, 2, "ml-release: error: ML_RELEASE_LOCK_TIMEOUT must be a number of seconds from 0 to 86400")


class InvalidUtf8(ReleaseTest):
    def test_invalid_utf8_in_an_option_is_exit_2_before_anything_is_written(self):
        bad = os.fsdecode(b"\xff\xfe")
        self.write("model.bin", b"w")
        self.write(f"m{bad}.bin", b"w")
        cases = [
            (("--meta", f"note={bad}", "model.bin"), "--meta (pair 1): not valid UTF-8"),
            (("--meta", "a=1", "--meta", f"{bad}=x", "model.bin"), "--meta (pair 2): not valid UTF-8"),
            (("model.bin", f"m{bad}.bin"), "cannot publish file 2: its name is not valid UTF-8"),
        ]
        for args, message in cases:
            with self.subTest(message=message):
                r = self.release("publish", "--model", "churn", "--version", "1.0.0", *args, "--report", "r.json")
                self.assertFails(r, 2, "ml-release: error: " + message)
                self.assertFalse(os.path.exists(self.path("reg")))
                self.assertEqual(self.read_json("r.json")["exit_code"], 2)
        self.publish("1.0.0")
        r = self.release("fetch", "--model", "churn", "--version", "1.0.0", "--dest", f"out{bad}")
        self.assertFails(r, 2, "ml-release: error: --dest is not valid UTF-8")
        # The CI environment is stored as printable text: bytes that are not UTF-8 are kept as escapes.
        r = self.release("publish", "--model", "churn", "--version", "2.0.0", "model.bin", env={"GITHUB_ACTOR": bad})
        self.assertEqual(r.code, 0, r)
        self.assertEqual(self.release("verify", "--model", "churn", "--version", "2.0.0").code, 0)


class CommandLineMessages(ReleaseTest):
    COMMANDS = "(commands: publish, promote, rollback, list, show, fetch, verify, history, gc, diff)"

    def test_an_unknown_command_is_exit_2_even_with_version_or_help(self):
        for args in (("delete", "--version", "1.2.0"), ("delete", "--help"), ("delete",)):
            with self.subTest(args=args):
                r = self.run_tool("ml-release", *args)
                self.assertFails(r, 2, f"ml-release: error: unknown command 'delete' {self.COMMANDS}")
        r = self.run_tool("ml-release", "pubish", "--help")
        self.assertFails(r, 2, f"ml-release: error: unknown command 'pubish'; did you mean \"publish\"? {self.COMMANDS}")

    def test_help_and_help_command_answer_as_the_help_options_do(self):
        self.assertEqual(self.run_tool("ml-release", "help").stdout, self.run_tool("ml-release", "--help").stdout)
        r = self.run_tool("ml-release", "help", "publish")
        self.assertEqual((r.code, r.stdout), (0, self.run_tool("ml-release", "publish", "--help").stdout), r)
        r = self.run_tool("ml-release", "help", "pubish")
        self.assertFails(r, 2, f"ml-release: error: unknown command 'pubish'; did you mean \"publish\"? {self.COMMANDS}")

    def test_help_shows_no_internal_options_and_no_gate_exit_code(self):
        r = self.run_tool("ml-release", "--help")
        self.assertEqual(r.code, 0, r)
        for internal in ("--command", "--files", "gate failed"):
            self.assertNotIn(internal, r.stdout)
        self.assertIn("ml-release publish --model NAME --version VER", r.stdout)
        self.assertIn("Exit codes: 0 done, 2 usage, 3 input data, 4 remote, 5 integrity or conflict.", r.stdout)
        r = self.run_tool("ml-release", "fetch", "--help")
        self.assertEqual(r.code, 0, r)
        self.assertNotIn("gate failed", r.stdout)
        self.assertIn("--clean", r.stdout)

    def test_rollback_with_version_says_to_use_to(self):
        r = self.release("rollback", "--model", "churn", "--channel", "prod", "--version", "1.0.0")
        self.assertFails(r, 2, "ml-release: error: rollback takes --to VER (the earlier version to go back to), "
                               "not --version")

    def test_a_file_where_the_registry_needs_a_folder_is_named(self):
        self.write("reg/churn", b"not a folder")
        self.write("model.bin", b"w")
        r = self.release("publish", "--model", "churn", "--version", "1.0.0", "model.bin")
        self.assertFails(r, 5, "ml-release: error: 'reg/churn': is not a folder; the registry needs one here")

    def test_a_read_only_registry_folder_says_permission_denied(self):
        os.makedirs(self.path("reg"))
        os.chmod(self.path("reg"), 0o555)
        self.addCleanup(os.chmod, self.path("reg"), 0o755)
        self.write("model.bin", b"w")
        if os.geteuid() == 0:
            # Root writes into read-only folders (CI runs as root): the publish runs as nobody.
            r = self.run_tool_as_nobody("ml-release", "publish", "--registry", "reg", "--model", "churn",
                                        "--version", "1.0.0", "model.bin")
        else:
            r = self.release("publish", "--model", "churn", "--version", "1.0.0", "model.bin")
        self.assertFails(r, 4, "ml-release: error: 'reg/churn/versions/1.0.0': cannot create the folder: "
                               "Permission denied")


class LeftoversOfKilledRuns(ReleaseTest):
    def test_a_publish_after_a_kill_9_removes_the_dead_runs_temporaries(self):
        big = self.path("big.bin")
        with open(big, "wb") as f:
            f.truncate(256 << 20)
        folder = self.path("reg/churn/versions/2.0.0")
        proc = subprocess.Popen([os.path.join(BIN_DIR, "ml-release"), "publish", "--registry", "reg", "--model",
                                 "churn", "--version", "2.0.0", "big.bin"], cwd=self.dir,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 30
        while time.time() < deadline and not (os.path.isdir(folder) and os.listdir(folder)):
            time.sleep(0.002)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        self.assertEqual(proc.returncode, -signal.SIGKILL, "publish finished before it could be killed")
        self.assertTrue(any(n.startswith(".lean-tmp-") for n in os.listdir(folder)))
        self.write("model.bin", b"small")
        r = self.release("publish", "--model", "churn", "--version", "2.0.0", "model.bin")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(sorted(os.listdir(folder)), ["manifest.json", "model.bin"])

    def test_an_old_temporary_of_another_host_goes_a_live_ones_stays(self):
        self.publish("1.0.0")
        folder = self.path("reg/churn/versions/2.0.0")
        os.makedirs(folder)
        old = self.write("reg/churn/versions/2.0.0/.lean-tmp-p1@elsewhere-model.bin-AAAAAA", b"half")
        os.utime(old, (time.time() - 7200, time.time() - 7200))
        fresh = self.write("reg/churn/versions/2.0.0/.lean-tmp-p1@elsewhere-model.bin-BBBBBB", b"in progress")
        live = self.write(f"reg/churn/versions/2.0.0/.lean-tmp-{owner_tag(os.getpid())}model.bin-CCCCCC", b"mine")
        # A pid of another pid namespace (a container sharing the host name) says nothing here.
        other_container = self.write(f"reg/churn/versions/2.0.0/.lean-tmp-p{dead_pid()}.1@{host_tag()}-model.bin-DDDDDD",
                                     b"in progress")
        # A folder's age is its newest entry's: a long download into it keeps it fresh.
        folder_in_use = self.path("reg/churn/versions/2.0.0/.lean-tmp-p1@elsewhere-dir-EEEEEE")
        os.makedirs(folder_in_use)
        self.write(os.path.relpath(folder_in_use, self.dir) + "/part", b"being written")
        os.utime(folder_in_use, (time.time() - 7200, time.time() - 7200))
        # A live pid that has not changed its temporary for two days is a reused pid; pid 0 is no process.
        reused = self.write(f"reg/churn/versions/2.0.0/.lean-tmp-{owner_tag(os.getpid())}model.bin-FFFFFF", b"old")
        os.utime(reused, (time.time() - 2 * 86400, time.time() - 2 * 86400))
        pid_zero = self.write(f"reg/churn/versions/2.0.0/.lean-tmp-{owner_tag(0)}model.bin-GGGGGG", b"old")
        os.utime(pid_zero, (time.time() - 7200, time.time() - 7200))
        self.publish("2.0.0")
        self.assertFalse(os.path.exists(reused))
        self.assertFalse(os.path.exists(pid_zero))
        self.assertFalse(os.path.exists(old))
        for kept in (fresh, live, other_container, folder_in_use):
            self.assertTrue(os.path.exists(kept), kept)

    def test_an_identical_republish_removes_a_dead_runs_temporaries_and_keeps_the_version(self):
        self.publish("1.0.0")
        folder = self.path("reg/churn/versions/1.0.0")
        before = {n: read_bytes(os.path.join(folder, n)) for n in os.listdir(folder)}
        dead = self.write(f"reg/churn/versions/1.0.0/.lean-tmp-{owner_tag(dead_pid())}model.bin-AAAAAA", b"half")
        live = self.write(f"reg/churn/versions/1.0.0/.lean-tmp-{owner_tag(os.getpid())}model.bin-BBBBBB", b"mine")
        r = self.publish("1.0.0")
        self.assertIn("was already published with identical files", r.stdout)
        self.assertFalse(os.path.exists(dead))
        self.assertTrue(os.path.exists(live))
        os.remove(live)
        self.assertEqual({n: read_bytes(os.path.join(folder, n)) for n in os.listdir(folder)}, before)

    def test_a_publish_of_another_version_or_a_gc_removes_what_a_killed_publish_of_a_version_left(self):
        # 2.0.0 was never published again after its publish was killed: its temporaries must
        # not stay forever (the next publish of any version of the model, or gc, removes them).
        self.publish("1.0.0")
        dead = self.write(f"reg/churn/versions/2.0.0/.lean-tmp-{owner_tag(dead_pid())}model.bin-AAAAAA", b"half")
        live = self.write(f"reg/churn/versions/2.0.0/.lean-tmp-{owner_tag(os.getpid())}model.bin-BBBBBB", b"mine")
        r = self.release("publish", "--model", "churn", "--version", "3.0.0", "model.bin", "--verbose")
        self.assertEqual(r.code, 0, r)
        self.assertFalse(os.path.exists(dead))
        self.assertTrue(os.path.exists(live))
        self.assertIn(f"removed the leftover of an interrupted publish {os.path.relpath(dead, self.dir)}\n", r.stderr)
        old = self.write("reg/churn/versions/4.0.0/.lean-tmp-p1@elsewhere-model.bin-CCCCCC", b"half")
        os.utime(old, (time.time() - 7200, time.time() - 7200))
        r = self.release("gc", "--model", "churn", "--keep", "5", "--dry-run")
        self.assertTrue(os.path.exists(old), "a dry run removes nothing")
        r = self.release("gc", "--model", "churn", "--keep", "5", "--report", "gc.json")
        self.assertEqual(r.code, 0, r)
        self.assertFalse(os.path.exists(old))
        old = os.path.relpath(old, self.dir)
        self.assertIn(f"REMOVED LEFTOVER  {old} (left by an interrupted publish)\n", r.stdout)
        self.assertEqual(self.read_json("gc.json")["leftovers_removed"], [old])
        self.assertTrue(os.path.exists(live))
        self.assertEqual(self.release("verify", "--model", "churn", "--version", "3.0.0").code, 0)

    def test_a_leftovers_hostile_name_is_escaped_and_a_name_that_is_not_utf8_reaches_the_report(self):
        self.publish("1.0.0")
        folder = self.path("reg/churn/versions/1.0.0")
        for tail in (b"a\n::error::forged", b"b\xff"):
            name = f".lean-tmp-{owner_tag(dead_pid())}".encode() + tail
            with open(os.path.join(folder.encode(), name), "wb") as f:
                f.write(b"half")
        r = self.release("verify", "--model", "churn", "--version", "1.0.0", "--report", "v.json")
        self.assertEqual(r.code, 0, r)
        self.assertNotIn("\n::error::", r.stdout)
        self.assertIn("a\\n::error::forged (left by an interrupted write; not part of the version)\n", r.stdout)
        self.assertIn("b\\xff (left by", r.stdout)
        self.assertEqual(len(self.read_json("v.json")["leftovers"]), 2)
        self.assertTrue(any(p.endswith("b\ufffd") for p in self.read_json("v.json")["leftovers"]))
        r = self.release("gc", "--model", "churn", "--keep", "5", "--report", "gc.json")
        self.assertEqual(r.code, 0, r)
        self.assertNotIn("\n::error::", r.stdout)
        self.assertIn("a\\n::error::forged (left by an interrupted publish)\n", r.stdout)
        self.assertEqual(len(self.read_json("gc.json")["leftovers_removed"]), 2)
        self.assertEqual(sorted(os.listdir(folder)), ["manifest.json", "model.bin"])

    def test_verify_names_leftover_temporaries(self):
        self.publish("1.0.0")
        leftover = self.write(f"reg/churn/versions/1.0.0/.lean-tmp-{owner_tag(dead_pid())}model.bin-AAAAAA", b"half")
        r = self.release("verify", "--model", "churn", "--version", "1.0.0", "--report", "r.json")
        self.assertEqual(r.code, 0, r)
        leftover = os.path.relpath(leftover, self.dir)
        self.assertIn(f"LEFTOVER {leftover} (left by an interrupted write; not part of the version)\n", r.stdout)
        self.assertEqual(self.read_json("r.json")["leftovers"], [leftover])
        self.write("reg/churn/versions/1.0.0/notes.txt", b"put there by hand")
        r = self.release("verify", "--model", "churn", "--version", "1.0.0")
        self.assertIn("LEFTOVER reg/churn/versions/1.0.0/notes.txt (not in the manifest; not part of the version)\n",
                      r.stdout)
        self.assertIn("1 of 1 files match the manifest, 2 leftovers not part of it\n", r.stdout)

    def test_a_fetch_removes_the_staging_folder_a_killed_fetch_left(self):
        self.publish("1.0.0")
        stale = self.path(f".lean-fetch-{owner_tag(dead_pid())}out-AAAAAA")
        os.makedirs(stale)
        self.write(os.path.basename(stale) + "/model.bin", b"half")
        r = self.release("fetch", "--model", "churn", "--version", "1.0.0", "--dest", "out")
        self.assertEqual(r.code, 0, r)
        self.assertFalse(os.path.exists(stale))




class PromoteVerifiesByDefault(ReleaseTest):
    def test_promote_refuses_a_version_that_does_not_verify_unless_no_verify(self):
        self.publish("1.0.0")
        with open(self.path("reg/churn/versions/1.0.0/model.bin"), "wb") as f:
            f.write(b"tampered")
        # By version, then from the channel that now points there: each verifies before it writes.
        for source, channel in ((("--version", "1.0.0"), "prod"), (("--from-channel", "prod"), "production")):
            r = self.release("promote", "--model", "churn", *source, "--channel", channel)
            self.assertFails(r, 5, "ml-release: error: 'reg/churn/versions/1.0.0/model.bin': does not match the "
                                   "manifest; not promoting")
            self.assertFalse(os.path.exists(self.path(f"reg/churn/channels/{channel}.json")))
            r = self.release("promote", "--model", "churn", *source, "--channel", channel, "--no-verify")
            self.assertEqual(r.code, 0, r)

    def test_promote_and_show_markdown_show_the_versions_and_metrics(self):
        self.write("m.json", {"accuracy": 0.9, "eval": {"f1": 0.8}})
        self.publish("1.0.0", b"a", "--metrics", "m.json")
        self.publish("1.1.0", b"b", "--metrics", "m.json")
        self.promote("1.0.0")
        r = self.release("promote", "--model", "churn", "--version", "1.1.0", "--channel", "production",
                         "--markdown", "p.md")
        self.assertEqual(r.code, 0, r)
        md = self.read("p.md")
        self.assertIn("`production`", md)
        self.assertIn("`1.0.0`", md)
        self.assertIn("`1.1.0`", md)
        self.assertIn("`/eval/f1`", md)
        r = self.release("show", "--model", "churn", "--channel", "production", "--markdown", "s.md")
        self.assertEqual(r.code, 0, r)
        self.assertIn("`model.bin`", self.read("s.md"))
        self.assertIn("`/accuracy`", self.read("s.md"))

    def test_verbose_logs_every_object_read(self):
        self.publish("1.0.0")
        self.promote("1.0.0")
        r = self.release("show", "--model", "churn", "--channel", "production", "--verbose")
        self.assertEqual(r.code, 0, r)
        self.assertIn("ml-release: reading reg/churn/channels/production.json\n", r.stderr)
        self.assertIn("ml-release: reading reg/churn/versions/1.0.0/manifest.json\n", r.stderr)


if __name__ == "__main__":
    unittest.main()


class ReviewedMisuses(ReleaseTest):
    """Misuses an independent review found: each is refused (exit 2) before anything is read or written."""

    def test_an_option_before_any_command_is_exit_2_and_publishes_nothing(self):
        self.write("model.bin", b"w")
        r = self.run_tool("ml-release", "--registry", "reg", "publish", "--model", "churn", "--version", "1.0.1",
                          "model.bin")
        self.assertFails(r, 2, "ml-release: error: put the command first: ml-release publish [OPTIONS]")
        self.assertFalse(os.path.exists(self.path("reg")))
        for command in ("gc", "fetch", "history", "diff", "promote", "rollback"):
            r = self.run_tool("ml-release", "--registry", "reg", command, "--model", "churn", "--keep", "1")
            self.assertFails(r, 2, f"ml-release: error: put the command first: ml-release {command} [OPTIONS]")

    def test_fetch_into_or_around_the_registry_is_exit_2_and_the_registry_stays(self):
        self.publish("2.0", b"weights", model="m")
        for dest, where in (("reg/m", "is inside"), ("reg", "is inside"), (".", "contains")):
            for clean in ((), ("--clean",)):
                r = self.release("fetch", "--model", "m", "--version", "2.0", "--dest", dest, *clean)
                self.assertFails(r, 2, f"ml-release: error: '{dest}': --dest {where} the registry reg; fetch into a "
                                       "folder outside it")
        self.assertEqual(read_bytes(self.path("reg/m/versions/2.0/model.bin")), b"weights")

    def test_fetch_clean_never_replaces_a_symlinked_dest(self):
        self.publish("2.0", b"weights", model="m")
        os.makedirs(self.path("releases/v1"))
        self.write("releases/v1/old.bin", b"old")
        os.symlink("releases/v1", self.path("current"))
        r = self.release("fetch", "--model", "m", "--version", "2.0", "--dest", "current", "--clean")
        self.assertFails(r, 2, "ml-release: error: 'current': --clean replaces DEST whole, and DEST is a symbolic "
                               "link; give the folder it points to")
        self.assertEqual((os.readlink(self.path("current")), os.listdir(self.path("releases/v1"))),
                         ("releases/v1", ["old.bin"]))
        r = self.release("fetch", "--model", "m", "--version", "2.0", "--dest", "releases/v1", "--clean")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(os.listdir(self.path("current")), ["model.bin"])

    def test_fetch_clean_into_the_current_folder_is_a_clear_exit_2(self):
        elsewhere = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, elsewhere)
        self.write("model.bin", b"weights")
        r = self.run_tool("ml-release", "publish", "--registry", elsewhere, "--model", "m", "--version", "2.0",
                          "model.bin")
        self.assertEqual(r.code, 0, r)
        r = self.run_tool("ml-release", "fetch", "--registry", elsewhere, "--model", "m", "--version", "2.0", "--dest",
                          ".", "--clean")
        self.assertFails(r, 2, "ml-release: error: '.': --clean cannot replace the current folder or one that "
                               "contains it; fetch into a folder below it")
        self.assertEqual(read_bytes(self.path("model.bin")), b"weights")

    def test_an_output_flag_naming_an_input_is_exit_2(self):
        self.write("mp.pkl", b"weights")
        r = self.release("publish", "--model", "churn", "--version", "1", "mp.pkl", "--report", "mp.pkl")
        self.assertFails(r, 2, "ml-release: error: 'mp.pkl': --report would overwrite an input file")
        self.assertEqual(read_bytes(self.path("mp.pkl")), b"weights")
        self.write("mm.json", {"accuracy": 0.9})
        r = self.release("publish", "--model", "churn", "--version", "1", "mp.pkl", "--markdown", "mm.json",
                         "--metrics", "mm.json")
        self.assertFails(r, 2, "ml-release: error: 'mm.json': --markdown would overwrite an input file")
        self.assertFalse(os.path.exists(self.path("reg")))
        self.publish("1", b"weights", name="mp.pkl")
        os.makedirs(self.path("fz"))  # (a DEST that does not exist yet: its report's folder is missing, exit 3)
        r = self.release("fetch", "--model", "churn", "--version", "1", "--dest", "fz", "--report", "fz/mp.pkl")
        self.assertFails(r, 2, "ml-release: error: 'fz/mp.pkl': --report is inside --dest fz; write it outside the "
                               "folder fetch fills")
        self.assertEqual(self.read_json("fz/mp.pkl")["status"], "error")  # the refusal's report, no version file

    def test_negative_keep_counts_are_exit_2(self):
        self.publish("1", b"weights")
        self.assertFails(self.release("gc", "--model", "churn", "--keep", "-1"), 2,
                         "ml-release: error: --keep cannot be negative")
        self.assertFails(self.release("gc", "--model", "churn", "--keep", "1", "--keep-history", "-1"), 2,
                         "ml-release: error: --keep-history cannot be negative")

    def test_reading_a_registry_folder_that_does_not_exist_is_exit_2(self):
        missing = "ml-release: error: 'nonexist': the registry folder does not exist"
        for args in (("list",), ("show", "--model", "m", "--version", "1"),
                     ("fetch", "--model", "m", "--version", "1", "--dest", "out"),
                     ("verify", "--model", "m", "--version", "1"), ("history", "--model", "m", "--channel", "p"),
                     ("diff", "--model", "m", "1", "2"), ("gc", "--model", "m", "--keep", "1")):
            r = self.run_tool("ml-release", args[0], "--registry", "nonexist", *args[1:])
            self.assertFails(r, 2, missing)
        self.assertFalse(os.path.exists(self.path("out")))


class UnwritableOutputs(ReleaseTest):
    def test_an_unwritable_report_fails_before_any_work_with_the_same_exit_in_every_tool(self):
        self.write("model.bin", b"weights")
        self.write("m.json", {"accuracy": 0.9})
        line = "error: '/nonexistent/r.json': cannot create: No such file or directory"
        r = self.release("publish", "--model", "churn", "--version", "1.0.0", "model.bin", "--report", "/nonexistent/r.json")
        self.assertFails(r, 3, "ml-release: " + line)
        self.assertFalse(os.path.exists(self.path("reg/churn")))  # nothing was uploaded
        self.publish("1.0.0")
        r = self.release("promote", "--model", "churn", "--version", "1.0.0", "--channel", "prod",
                         "--markdown", "/nonexistent/r.json")
        self.assertFails(r, 3, "ml-release: " + line)
        self.assertFalse(os.path.exists(self.path("reg/churn/channels")))
        for tool, args in (("ml-validate", ("m.json", "-r", "accuracy > 0.5")),
                           ("ml-compare", ("--candidate", "m.json", "--baseline", "m.json", "--metric", "accuracy"))):
            self.assertFails(self.run_tool(tool, *args, "--junit", "/nonexistent/r.json"), 3, f"{tool}: " + line)
        self.write("blocker", "a file where a folder should be")
        r = self.release("promote", "--model", "churn", "--version", "1.0.0", "--channel", "prod",
                         "--report", "blocker/r.json")
        self.assertFails(r, 3, "ml-release: error: 'blocker/r.json': cannot create: Not a directory")


class OutputsAreCheckedBeforeTheRegistryChanges(ReleaseTest):
    """An output file inside a local registry would overwrite a stored object; one that cannot
    be written (a folder, /proc, a FIFO nobody reads, GitHub's files) would fail only after the
    registry changed. Both are found before anything is written."""

    KERNEL = "cannot write there: /proc and /sys are the kernel's interface, not a place for files"
    INSIDE = "ml-release: error: '{path}': {option} is inside the registry reg; write it outside the registry"

    def snapshot(self):
        files = {}
        for folder, _, names in os.walk(self.path("reg")):
            for name in names:
                files[os.path.join(folder, name)] = read_bytes(os.path.join(folder, name))
        return files

    def test_an_output_inside_the_registry_is_exit_2_and_changes_nothing(self):
        self.publish("1.0")
        self.promote("1.0")
        self.publish("2.0", b"weights 2")
        before = self.snapshot()
        manifest = "reg/churn/versions/1.0/manifest.json"
        r = self.release("publish", "--model", "churn", "--version", "3.0", "model.bin", "--report", manifest)
        self.assertFails(r, 2, self.INSIDE.format(path=manifest, option="--report"))
        channel = "reg/churn/channels/production.json"
        r = self.release("promote", "--model", "churn", "--version", "2.0", "--channel", "production",
                         "--markdown", channel)
        self.assertFails(r, 2, self.INSIDE.format(path=channel, option="--markdown"))
        r = self.release("rollback", "--model", "churn", "--channel", "production", "--junit", "reg/new.xml")
        self.assertFails(r, 2, self.INSIDE.format(path="reg/new.xml", option="--junit"))
        os.symlink("reg/churn", self.path("link"))  # however it is spelt
        r = self.release("promote", "--model", "churn", "--version", "2.0", "--channel", "production",
                         "--dotenv", "link/channels/production.json")
        self.assertFails(r, 2, self.INSIDE.format(path="link/channels/production.json", option="--dotenv"))
        summary = self.path("reg/churn/channels/production.json")
        r = self.release("promote", "--model", "churn", "--version", "2.0", "--channel", "production",
                         env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": summary})
        self.assertFails(r, 2, self.INSIDE.format(path=summary, option="$GITHUB_STEP_SUMMARY"))
        self.assertEqual(self.snapshot(), before)
        self.assertFalse(os.path.exists(self.path("reg/churn/versions/3.0")))

    def test_an_output_that_cannot_be_written_is_exit_3_before_anything_is_published(self):
        self.write("model.bin", b"weights")
        os.makedirs(self.path("folder"))
        os.mkfifo(self.path("fifo"))
        self.write("summary.md", "")
        cases = [(["--report", "folder"], {}, "'folder': cannot create: Is a directory"),
                 (["--report", "/proc/self/lean-report.json"], {},
                  "'/proc/self/lean-report.json': " + self.KERNEL),
                 (["--markdown", "fifo"], {}, "'fifo': cannot open: it is a FIFO that no process reads"),
                 ([], {"GITHUB_STEP_SUMMARY": self.path("folder")},
                  f"'{self.path('folder')}': cannot open for appending: Is a directory"),
                 ([], {"GITHUB_STEP_SUMMARY": self.path("summary.md"), "GITHUB_OUTPUT": "/proc/version"},
                  "'/proc/version': " + self.KERNEL),
                 ([], {"GITHUB_OUTPUT": self.path("fifo")},
                  f"'{self.path('fifo')}': cannot open: it is a FIFO that no process reads"),
                 ([], {"GITHUB_OUTPUT": self.path("missing/out")},
                  f"'{self.path('missing/out')}': cannot open for appending: No such file or directory")]
        for args, ci, line in cases:
            env = {"GITHUB_ACTIONS": "true", **ci} if ci else {}
            r = self.release("publish", "--model", "churn", "--version", "1.0", "model.bin", *args, env=env)
            self.assertFails(r, 3, "ml-release: error: " + line)
            self.assertFalse(os.path.exists(self.path("reg/churn")), args)  # nothing was uploaded
        self.assertEqual(self.read("summary.md"), "")  # a refused run does not append to GitHub's files
        # --no-ci: GitHub's files are not written, so not checked.
        r = self.release("publish", "--model", "churn", "--version", "1.0", "model.bin", "--no-ci",
                         env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": self.path("folder")})
        self.assertEqual(r.code, 0, r)

    def test_a_fifo_with_a_reader_is_written_through(self):
        self.write("model.bin", b"weights")
        fifo = self.path("fifo")
        os.mkfifo(fifo)
        got = []
        def read():
            with open(fifo, "rb") as f:
                got.append(f.read())

        reader = threading.Thread(target=read)
        reader.start()
        time.sleep(0.2)  # the reader has opened the FIFO
        r = self.release("publish", "--model", "churn", "--version", "1.0", "model.bin", "--report", fifo)
        reader.join(60)
        self.assertEqual(r.code, 0, r)
        self.assertEqual(json.loads(got[0])["status"], "pass")


class HostileHistoryAndDiff(ReleaseTest):
    """Registry content cannot forge a console line (a GitHub workflow command) through history or diff."""

    FORGED = "x\n::warning title=x::injected"

    def test_diff_escapes_a_metric_name_with_a_newline(self):
        self.write("m1.json", {self.FORGED: 1})
        self.write("m2.json", {self.FORGED: 2})
        self.publish("1", b"w", "--metrics", "m1.json")
        self.publish("2", b"w", "--metrics", "m2.json")
        r = self.release("diff", "--model", "churn", "1", "2")
        self.assertEqual(r.code, 0, r)
        self.assertIn("x\\n::warning title=x::injected\t1\t2\t+1\n", r.stdout)
        self.assertFalse(any(line.startswith("::") for line in r.stdout.splitlines()), r.stdout)

    def test_history_refuses_an_audit_event_with_control_characters_or_a_key_twice(self):
        self.publish("1", b"w")
        self.promote("1")
        name = "20991231T000000.000000Z-ffffffffffffffff.json"
        event = ('{"event": "promote", "model": "churn", "channel": "production", "version": "1", '
                 '"previous_version": null, "at": "2026-01-01T00:00:00Z", "by": %s}')
        for by, why in ((json.dumps(self.FORGED), '"by" is not printable text'),
                        ('"a", "by": "b"', 'key "by" twice')):
            with open(self.path(f"reg/churn/audit/{name}"), "w") as f:
                f.write(event % by)
            r = self.release("history", "--model", "churn", "--channel", "production")
            self.assertFails(r, 5, f"ml-release: error: 'reg/churn/audit/{name}': malformed audit event: {why}")
            self.assertNotIn("::warning", r.stdout)
