"""Fault injection on gitlab:// (the fake). See fault_trials.py and docs/hardening.md."""
import unittest

from fault_proxy import FaultProxy
from fault_trials import FaultInjection
from lean_cli import CliTest


class GitLab(FaultInjection, CliTest):
    name = "gitlab"
    registry = "gitlab://acme/ml/models"
    open_uploads_supported = False

    @classmethod
    def setUpClass(cls):
        from fake_gitlab import TOKEN, FakeGitLab
        cls.token = TOKEN
        cls.fake = FakeGitLab()
        cls.proxy = FaultProxy(cls.fake.api_url)

    @classmethod
    def tearDownClass(cls):
        cls.proxy.stop()
        cls.fake.stop()

    def direct_env(self):
        return {"GITLAB_TOKEN": self.token, "CI_API_V4_URL": self.fake.api_url}

    def proxied_env(self):
        return {"GITLAB_TOKEN": self.token, "CI_API_V4_URL": self.proxy.url(self.fake.api_url)}


if __name__ == "__main__":
    unittest.main()
