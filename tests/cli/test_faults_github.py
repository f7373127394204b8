"""Fault injection on github:// (the fake behind Prism). See fault_trials.py and docs/hardening.md."""
import shutil
import tempfile
import unittest

from fault_proxy import FaultProxy
from fault_trials import FaultInjection
from lean_cli import CliTest


class GitHub(FaultInjection, CliTest):
    name = "github"
    registry = "github://acme/models"
    open_uploads_supported = False

    @classmethod
    def setUpClass(cls):
        from fake_github import TOKEN, FakeGitHub
        cls.token = TOKEN
        cls.spec_dir = tempfile.mkdtemp(prefix="lean-prism-")
        cls.fake = FakeGitHub(spec_dir=cls.spec_dir)
        cls.proxy = FaultProxy(cls.fake.api_url)

    @classmethod
    def tearDownClass(cls):
        cls.proxy.stop()
        cls.fake.stop()
        shutil.rmtree(cls.spec_dir, ignore_errors=True)

    def direct_env(self):
        return {"GITHUB_TOKEN": self.token, "GITHUB_API_URL": self.fake.api_url}

    def proxied_env(self):
        return {"GITHUB_TOKEN": self.token, "GITHUB_API_URL": self.proxy.base}


if __name__ == "__main__":
    unittest.main()
