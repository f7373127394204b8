"""scripts/ship/install.sh as a laptop or a GitLab job runs it (under dash): a release built by
scripts/package.sh from the fresh binaries, served on loopback."""
import os
import shutil
import socket
import subprocess
import tempfile
import unittest

from ci_support import SOURCE_DIR, ReleaseServer, TempDirTest, clean_env, package, project_version

VERSION = project_version()
ASSET = f"lean-mlops-{VERSION}-linux-x86_64.tar.gz"
INSTALL = os.path.join(SOURCE_DIR, "scripts", "ship", "install.sh")


def setUpModule():
    global DIST
    DIST = tempfile.mkdtemp(prefix="lean-dist-")
    package(DIST)


def tearDownModule():
    shutil.rmtree(DIST, ignore_errors=True)


class InstallShTest(TempDirTest):
    def setUp(self):
        super().setUp()
        self.server = ReleaseServer(DIST, VERSION).__enter__()
        self.addCleanup(self.server.__exit__)
        self.prefix = self.path("prefix")

    def install(self, *args, script=INSTALL, **env):
        # The copy served with the release, run from outside any checkout (as `curl | sh` does).
        proc = subprocess.run(["dash", script, "--prefix", self.prefix, "--base-url", self.server.base_url, *args],
                              cwd=self.dir, env=clean_env(**env), capture_output=True, text=True, timeout=300)
        return proc

    def released_script(self):
        return shutil.copy(os.path.join(DIST, "install.sh"), self.path("install.sh"))

    def test_installs_verified_binaries_docs_and_ci_script(self):
        proc = self.install("--version", VERSION, script=self.released_script())
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn(f"checksum verified: {ASSET}", proc.stderr)
        out = subprocess.run([os.path.join(self.prefix, "bin", "ml-validate"), "--version"], capture_output=True,
                             text=True)
        self.assertEqual(out.stdout, f"ml-validate {VERSION}\n")
        for path in ("bin/ml-compare", "libexec/lean-mlops/ci-run.sh", "share/doc/lean-mlops/LICENSE",
                     "share/doc/lean-mlops/conventions.md", "share/lean-mlops/receipt"):
            self.assertTrue(os.path.isfile(os.path.join(self.prefix, path)), path)
        self.assertTrue(os.access(os.path.join(self.prefix, "libexec/lean-mlops/ci-run.sh"), os.X_OK))

    def test_second_run_is_a_cache_hit_and_force_reinstalls(self):
        self.assertEqual(self.install("--version", VERSION).returncode, 0)
        before = len(self.server.requests)
        proc = self.install("--version", VERSION)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("already installed", proc.stderr)
        self.assertEqual(self.server.requests[before:], [])
        proc = self.install("--version", VERSION, "--force")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(len(self.server.downloads()), 2)

    def test_wget_downloads_too(self):
        proc = self.install("--version", VERSION, LEAN_MLOPS_DOWNLOADER="wget")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertTrue(os.path.isfile(os.path.join(self.prefix, "bin", "ml-validate")))

    def test_tampered_archive_is_refused_and_nothing_installed(self):
        with open(os.path.join(DIST, ASSET), "rb") as f:
            data = f.read()
        self.server.replace[ASSET] = data[:-100] + bytes(100)
        for downloader in ("curl", "wget"):
            with self.subTest(downloader=downloader):
                proc = self.install("--version", VERSION, LEAN_MLOPS_DOWNLOADER=downloader)
                self.assertEqual(proc.returncode, 5, proc.stderr)
                self.assertIn(f"lean-mlops install: error: checksum mismatch for {ASSET}", proc.stderr)
                self.assertNotIn("source", proc.stderr)
                self.assertFalse(os.path.exists(self.prefix))

    def test_sha256sums_without_the_platform_and_no_fallback(self):
        proc = self.install("--version", VERSION, "--arch", "riscv64", "--no-source-fallback")
        self.assertEqual(proc.returncode, 3, proc.stderr)
        self.assertIn(f"release v{VERSION} has no prebuilt archive for linux-riscv64", proc.stderr)

    def test_unknown_release_and_no_fallback(self):
        proc = self.install("--version", "0.0.1", "--no-source-fallback")
        self.assertEqual(proc.returncode, 3, proc.stderr)
        self.assertIn("no release v0.0.1", proc.stderr)

    def test_unreachable_server(self):
        with socket.socket() as s:  # a port nobody listens on
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        proc = subprocess.run(["dash", INSTALL, "--prefix", self.prefix, "--version", VERSION, "--no-source-fallback",
                               "--base-url", f"http://127.0.0.1:{port}/releases/download"],
                              env=clean_env(), capture_output=True, text=True, timeout=120)
        self.assertEqual(proc.returncode, 3, proc.stderr)
        self.assertIn("cannot reach", proc.stderr)

    def test_pin(self):
        with open(os.path.join(DIST, "SHA256SUMS")) as f:
            digest = next(line.split()[0] for line in f if line.rstrip().endswith(ASSET))
        self.assertEqual(self.install("--version", VERSION, "--sha256", digest.upper()).returncode, 0)
        proc = self.install("--version", VERSION, "--sha256", "abc")
        self.assertEqual(proc.returncode, 2)
        self.assertIn("--sha256 must be 64 hex digits", proc.stderr)

    def test_latest(self):
        proc = self.install("--version", "latest")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("/releases/latest/download/SHA256SUMS", self.server.requests)
        proc = subprocess.run(["dash", INSTALL, "--resolve", "--version", "latest", "--base-url", self.server.base_url],
                              env=clean_env(), capture_output=True, text=True)
        self.assertEqual(proc.stdout, f"{VERSION}\n")

    def test_source_version_reads_a_source_tree(self):
        proc = subprocess.run(["dash", INSTALL, "--source-version", SOURCE_DIR],
                              env=clean_env(LEAN_MLOPS_VERSION="9.9.9"), capture_output=True, text=True)
        self.assertEqual((proc.returncode, proc.stdout), (0, f"{VERSION}\n"), proc.stderr)
        proc = subprocess.run(["dash", INSTALL, "--source-version", self.dir], env=clean_env(), capture_output=True,
                              text=True)
        self.assertEqual(proc.returncode, 3)
        self.assertEqual(proc.stderr, f"lean-mlops install: error: cannot read the lean-mlops version from "
                                      f"{self.dir}/CMakeLists.txt\n")

    def test_bad_option(self):
        proc = self.install("--verison", "1")
        self.assertEqual(proc.returncode, 2)
        self.assertIn("unknown option '--verison'", proc.stderr)


if __name__ == "__main__":
    unittest.main()
