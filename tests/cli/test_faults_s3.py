"""Fault injection on S3 (s3rver behind the SigV4-verifying proxy): single PUTs and a multipart
upload. See fault_trials.py and docs/hardening.md."""
import unittest

from fault_proxy import FaultProxy
from fault_trials import TRIALS, MiB, FaultInjection
from lean_cli import CliTest


class S3(FaultInjection, CliTest):
    name = "s3"
    registry = "s3://models/faults"
    open_uploads_supported = True

    @classmethod
    def setUpClass(cls):
        from s3_fixture import S3Fixture
        cls.s3 = S3Fixture()
        cls.proxy = FaultProxy(cls.s3.endpoint)

    @classmethod
    def tearDownClass(cls):
        cls.proxy.stop()
        cls.s3.stop()

    def direct_env(self):
        return self.s3.env()

    def proxied_env(self):
        return self.s3.env(AWS_ENDPOINT_URL=self.proxy.base)


class S3Multipart(S3):
    """A 64 MiB + 1 file goes up in 9 parts: faults land on create, parts, complete and abort."""
    name = "s3 multipart"
    registry = "s3://models/faults-multipart"
    big_file = 64 * MiB + 1
    flows = ("publish",)
    trials_per_flow = TRIALS


if __name__ == "__main__":
    unittest.main()
