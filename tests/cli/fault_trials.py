"""The fault-injection trials shared by test_faults_*.py: for every remote backend (docs/hardening.md): ml-release publish, promote
and fetch run through fault_proxy.FaultProxy, which injects one fault (a reset mid-body, a
truncated answer, 500, 503 SlowDown, 429 with Retry-After, a stall beyond the timeout, an
outage longer than the retries) at request number k, for k over every request of the command.

After every trial, checked directly against the store (no proxy):
- the command either completed (exit 0) with every SHA-256 verified, or failed cleanly
  (exit 4 or 5);
- the registry lists exactly the complete versions: every version published before is still
  there, byte for byte, and a version that is listed re-verifies against its manifest;
- the channel points to a complete version (the old or the new one after a promote);
- a fetch wrote every file verified, or nothing at all;
- no S3 multipart upload is left open (neither completed nor aborted).

Each backend prints: trials, completed, failed cleanly, lost (anything else; must be 0).
FAULT_TRIALS=N (default 16) trials per command, spread evenly over its requests with the
faults in turn; 0 runs every (request, fault) pair.
"""
import hashlib
import json
import os
import sys

from fault_proxy import FAULTS

TRIALS = int(os.environ.get("FAULT_TRIALS", "16"))
MiB = 1 << 20
PINNED = {"SOURCE_DATE_EPOCH": "1767225600", "USER": "tester", "ML_HTTP_STALL_TIMEOUT": "2"}


def sha256(data):
    return hashlib.sha256(data).hexdigest()


class Trials:
    """Counts one backend's trials; `lost` collects every broken promise, with its trial."""

    def __init__(self, name):
        self.name, self.trials, self.completed, self.failed_cleanly, self.lost = name, 0, 0, 0, []

    def summary(self):
        return (f"fault injection {self.name}: {self.trials} trials, {self.completed} completed, "
                f"{self.failed_cleanly} failed cleanly, {len(self.lost)} lost")


class FaultInjection:
    """The trials over one backend; a subclass sets up the store and its environment."""

    registry = None
    big_file = 0  # bytes of an extra file that makes publish go multipart (S3)
    flows = ("publish", "promote", "fetch")
    trials_per_flow = TRIALS

    def start_store(self):
        raise NotImplementedError

    def stop_store(self):
        raise NotImplementedError

    def direct_env(self):
        raise NotImplementedError

    def proxied_env(self):
        raise NotImplementedError

    def open_uploads(self):
        return self.proxy.open_uploads()

    # ---- running the tool

    def release(self, command, *args, proxied, report=None):
        env = {**PINNED, **(self.proxied_env() if proxied else self.direct_env())}
        extra = ["--report", report] if report else []
        return self.run_tool("ml-release", command, "--registry", self.registry, *args, *extra, "--no-ci", env=env)

    def publish_args(self, version):
        files = {"model.bin": os.urandom(96 * 1024), "config.json": json.dumps({"version": version}).encode()}
        if self.big_file:
            files["weights.bin"] = os.urandom(self.big_file)
        folder = self.path(f"src-{version}")
        os.makedirs(folder, exist_ok=True)
        paths = []
        for name, data in files.items():
            with open(os.path.join(folder, name), "wb") as f:
                f.write(data)
            paths.append(os.path.join(folder, name))
        return {name: sha256(data) for name, data in files.items()}, paths

    # ---- the store as it is, read directly

    def listing(self):
        r = self.release("list", "--model", "churn", proxied=False, report=self.path("list.json"))
        if r.code != 0:
            return None, r
        report = self.read_json("list.json")
        versions = [v["version"] for v in report["versions"]]
        channels = {name: c["version"] for name, c in report["channels"].items()}
        return (versions, channels), r

    def verified_files(self, version):
        """{name: sha256} of a version re-read from the store, or None when verify fails."""
        r = self.release("verify", "--model", "churn", "--version", version, proxied=False,
                         report=self.path("verify.json"))
        if r.code != 0:
            return None
        return {f["name"]: f["sha256"] for f in self.read_json("verify.json")["files"]}

    def check_store(self, touched):
        """Every promise about the store after a trial: (problems found, (versions, channels)).
        Re-reads the versions the trial touched; the final check re-reads them all."""
        problems = []
        state, r = self.listing()
        if state is None:
            return [f"list failed after the trial: {r}"], ([], {})
        versions, channels = state
        for version in self.complete:
            if version not in versions:
                problems.append(f"complete version {version} is no longer listed")
        for version in channels.values():
            if version not in versions:
                problems.append(f"a channel points to {version}, which is not a complete version")
        for version in touched:
            if version not in versions:
                continue
            files = self.verified_files(version)
            if files is None:
                problems.append(f"listed version {version} does not verify")
            elif version in self.expected and files != self.expected[version]:
                problems.append(f"listed version {version} holds other files than were published")
        if self.open_uploads_supported:
            left = self.open_uploads()
            if left:
                problems.append(f"multipart uploads left open: {left}")
        return problems, state

    # ---- the trials

    def clean_count(self, run):
        """How many requests `run` makes through the proxy without faults."""
        self.proxy.arm(None)
        result = run()
        self.assertEqual(result.code, 0, result)
        return self.proxy.requests()

    def plan(self, requests):
        """(request number, fault) pairs: spread evenly over the requests, the faults in turn."""
        grid = [(at, kind) for at in range(1, requests + 1) for kind in FAULTS]
        count = self.trials_per_flow
        if count <= 0 or count >= len(grid):
            return grid
        return [(1 + (j * requests) // count, FAULTS[j % len(FAULTS)]) for j in range(count)]

    def record(self, trials, label, code, problems):
        trials.trials += 1
        if code == 0 and not problems:
            trials.completed += 1
        elif code in (4, 5) and not problems:
            trials.failed_cleanly += 1
        else:
            if code not in (0, 4, 5):
                problems = [f"exit {code}"] + problems
            trials.lost.append(f"{label}: " + "; ".join(problems) + f" (injected: {self.proxy.injected})")

    def test_publish_promote_fetch_under_faults(self):
        trials = Trials(self.name)
        self.expected, self.complete = {}, []
        counter = iter(range(1, 100000))

        # A clean start: two complete versions, a channel.
        for version in ("1.0", "1.1"):
            expected, paths = self.publish_args(version)
            r = self.release("publish", "--model", "churn", "--version", version, *paths, proxied=False)
            self.assertEqual(r.code, 0, r)
            self.expected[version], self.complete = expected, self.complete + [version]
        self.assertEqual(self.release("promote", "--model", "churn", "--version", "1.0", "--channel", "production",
                                      proxied=False).code, 0)

        # publish
        def publish(version):
            expected, paths = self.publish_args(version)
            self.expected[version] = expected
            return self.release("publish", "--model", "churn", "--version", version, *paths, proxied=True)

        requests = self.clean_count(lambda: publish("2.0"))
        self.complete.append("2.0")
        for at, kind in self.plan(requests) if "publish" in self.flows else []:
            version = f"3.{next(counter)}"
            self.proxy.arm(kind, at)
            r = publish(version)
            problems, (versions, _) = self.check_store([version])
            if r.code == 0 and version not in versions:
                problems.append(f"publish {version} succeeded but the version is not listed")
            if version in versions:
                self.complete.append(version)
            self.record(trials, f"publish {kind}@{at}", r.code, problems)

        # promote: back and forth between two complete versions
        target = iter(["1.1", "1.0"] * 1000)

        def promote(version):
            return self.release("promote", "--model", "churn", "--version", version, "--channel", "production",
                                proxied=True)

        requests = self.clean_count(lambda: promote(next(target))) if "promote" in self.flows else 0
        before = self.listing()[0][1].get("production") if requests else None
        for at, kind in self.plan(requests):
            version = next(target)
            self.proxy.arm(kind, at)
            r = promote(version)
            problems, (_, channels) = self.check_store([])
            after = channels.get("production")
            if r.code == 0 and after != version:
                problems.append(f"promote to {version} succeeded but the channel points to {after}")
            if after not in (before, version):
                problems.append(f"the channel points to {after}, neither {before} nor {version}")
            self.record(trials, f"promote {kind}@{at}", r.code, problems)
            before = after

        # fetch
        def fetch(dest):
            return self.release("fetch", "--model", "churn", "--channel", "production", "--dest", dest, proxied=True,
                                report=self.path("fetch.json"))

        requests = self.clean_count(lambda: fetch(self.path("fetched-clean"))) if "fetch" in self.flows else 0
        for at, kind in self.plan(requests):
            dest = self.path(f"fetched-{next(counter)}")
            self.proxy.arm(kind, at)
            r = fetch(dest)
            problems, _ = self.check_store([])
            if r.code == 0:
                version = self.read_json("fetch.json")["version"]
                got = {}
                for name in os.listdir(dest):
                    with open(os.path.join(dest, name), "rb") as f:
                        got[name] = sha256(f.read())
                if got != self.expected.get(version):
                    problems.append(f"fetch succeeded but {dest} does not hold version {version}'s files")
            elif os.path.exists(dest) and os.listdir(dest):
                problems.append(f"a failed fetch left files in {dest}: {os.listdir(dest)}")
            leftovers = [n for n in os.listdir(self.dir) if n.startswith(".") and "fetched" in n]
            if leftovers:
                problems.append(f"a fetch left its staging folder behind: {leftovers}")
            self.record(trials, f"fetch {kind}@{at}", r.code, problems)

        # The whole store once more: every complete version, byte for byte.
        final, _ = self.check_store(list(self.complete))
        print("\n" + trials.summary(), file=sys.stderr)
        for line in trials.lost:
            print("  lost: " + line, file=sys.stderr)
        self.assertEqual(final, [])
        self.assertEqual(trials.lost, [], trials.summary())
        self.assertGreaterEqual(trials.trials, min(len(FAULTS), self.trials_per_flow) * len(self.flows))
