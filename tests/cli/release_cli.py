"""What the ml-release tests of every backend share: a pinned clock and user, and publish and
promote over the `release(command, *args)` each backend's test class defines."""
import hashlib
import re

from lean_cli import CliTest

PINNED = {"SOURCE_DATE_EPOCH": "1767225600", "USER": "tester"}  # 2026-01-01T00:00:00Z
MiB = 1 << 20
PROGRESS_MIN_BYTES = 32 * MiB  # transfers this large show progress (http::kProgressMinBytes)


def sha256(data):
    return hashlib.sha256(data).hexdigest()


class ReleaseCommands(CliTest):
    def publish(self, version, content=b"weights", *extra, name="model.bin", model="churn"):
        self.write(name, content)
        r = self.release("publish", "--model", model, "--version", version, name, *extra)
        self.assertEqual(r.code, 0, r)
        return r

    def promote(self, version, channel="production"):
        r = self.release("promote", "--model", "churn", "--version", version, "--channel", channel)
        self.assertEqual(r.code, 0, r)
        return r

    def assertProgress(self, stderr, label, total):
        """Progress of a transfer without a terminal: one line per 10% reached, up to 100%."""
        steps = re.findall(rf"^{re.escape(label)}: (\d+)% \([0-9.]+ [KMG]?i?B of {re.escape(total)}\)$", stderr,
                           re.MULTILINE)
        self.assertEqual(steps, [str(p) for p in range(10, 101, 10)], stderr)
