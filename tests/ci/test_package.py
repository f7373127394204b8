"""scripts/package.sh and cmake --install: the release archive's content, checksums,
reproducibility, and binaries that run on the oldest supported runner (glibc 2.35)."""
import os
import re
import subprocess
import tarfile
import unittest

from ci_support import BIN_DIR, BUILD_DIR, SOURCE_DIR, TempDirTest, clean_env, package, project_version

VERSION = project_version()
NAME = f"lean-mlops-{VERSION}-linux-x86_64"
OLDEST_GLIBC = (2, 35)  # ubuntu-22.04, the oldest GitHub-hosted Linux runner (docs/github.md)
TOOLS = [t for t in ("ml-validate", "ml-compare", "ml-drift", "ml-release") if os.path.exists(os.path.join(BIN_DIR, t))]


def glibc_versions(binary):
    """The glibc symbol versions a dynamically linked binary needs; none for a static one."""
    out = subprocess.run(["objdump", "-T", binary], capture_output=True, text=True).stdout
    return {tuple(int(x) for x in v.split(".")) for v in re.findall(r"\(GLIBC_([0-9.]+)\)", out)}


class PackageTest(TempDirTest):
    def test_archive_checksums_and_layout(self):
        dist = package(self.path("dist"))
        self.assertEqual(sorted(os.listdir(dist)), sorted(["SHA256SUMS", "install.sh", f"{NAME}.tar.gz"]))
        check = subprocess.run(["sha256sum", "--check", "--strict", "SHA256SUMS"], cwd=dist, capture_output=True,
                               text=True)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        self.assertEqual(check.stdout, f"{NAME}.tar.gz: OK\ninstall.sh: OK\n")
        with tarfile.open(os.path.join(dist, f"{NAME}.tar.gz")) as tar:
            names = set(tar.getnames())
            for member in tar.getmembers():
                self.assertEqual((member.uid, member.gid), (0, 0), member.name)
                self.assertTrue(member.name == NAME or member.name.startswith(NAME + "/"), member.name)
        os.makedirs(self.path("x"))
        subprocess.run(["tar", "-xzf", os.path.join(dist, f"{NAME}.tar.gz"), "-C", self.path("x")], check=True)
        for tool in TOOLS:
            self.assertIn(f"{NAME}/bin/{tool}", names)
            # It starts (the loader finds every library) and answers as the tool.
            out = subprocess.run([self.path("x", NAME, "bin", tool), "--version"], capture_output=True, text=True)
            self.assertIn(out.returncode, (0, 2), out.stderr)
            self.assertIn(tool, out.stdout + out.stderr)
        self.assertEqual({n for n in names if n.startswith(f"{NAME}/bin/")}, {f"{NAME}/bin/{t}" for t in TOOLS})
        for path in ("LICENSE", "share/doc/lean-mlops/LICENSE", "share/doc/lean-mlops/conventions.md",
                     "libexec/lean-mlops/ci-run.sh"):
            self.assertIn(f"{NAME}/{path}", names)
        with open(self.path("x", NAME, "LICENSE")) as f:
            self.assertIn("MIT License", f.read())

    def test_archive_is_reproducible(self):
        a = package(self.path("a"))
        b = package(self.path("b"))
        with open(os.path.join(a, "SHA256SUMS")) as fa, open(os.path.join(b, "SHA256SUMS")) as fb:
            self.assertEqual(fa.read(), fb.read())

    def test_binaries_run_on_the_oldest_supported_glibc(self):
        self.assertIn("ml-validate", TOOLS)
        # The gate links glibc alone for its start-up time; libcurl (--prometheus) is loaded
        # on first use (CMakeLists.txt).
        needed = subprocess.run(["objdump", "-p", os.path.join(BIN_DIR, "ml-validate")], capture_output=True,
                                text=True).stdout
        self.assertLessEqual(set(re.findall(r"NEEDED\s+(\S+)", needed)), {"libc.so.6", "libm.so.6", "ld-linux-x86-64.so.2"})
        for tool in TOOLS:
            with self.subTest(tool=tool):
                binary = os.path.join(BIN_DIR, tool)
                newest = max(glibc_versions(binary))
                self.assertLessEqual(newest, OLDEST_GLIBC, f"{tool} needs GLIBC_{'.'.join(map(str, newest))}")
                needed = subprocess.run(["objdump", "-p", binary], capture_output=True, text=True).stdout
                libs = set(re.findall(r"NEEDED\s+(\S+)", needed))
                self.assertFalse({l for l in libs if l.startswith(("libstdc++", "libboost"))},
                                 f"{tool} links {libs} dynamically")
                self.assertLessEqual(libs, {"libc.so.6", "libm.so.6", "libgcc_s.so.1", "libcurl.so.4", "libssl.so.3",
                                            "libcrypto.so.3", "libz.so.1", "ld-linux-x86-64.so.2"}, tool)
                ldd = subprocess.run(["ldd", binary], capture_output=True, text=True).stdout
                self.assertNotIn("not found", ldd)

    def test_package_refuses_binaries_newer_than_the_glibc_floor(self):
        proc = subprocess.run([os.path.join(SOURCE_DIR, "scripts", "package.sh"), self.path("d")], capture_output=True,
                              text=True, env=clean_env(LEAN_MLOPS_BUILD_DIR=BUILD_DIR, LEAN_MLOPS_MAX_GLIBC="2.17"))
        self.assertEqual(proc.returncode, 1)
        self.assertIn("newer than the supported 2.17", proc.stderr)
        self.assertFalse(os.path.exists(self.path("d", f"{NAME}.tar.gz")))

    def test_cmake_install_uses_gnuinstalldirs(self):
        prefix = self.path("prefix")
        proc = subprocess.run(["cmake", "--install", BUILD_DIR, "--prefix", prefix], capture_output=True, text=True)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        for tool in TOOLS:
            self.assertTrue(os.access(os.path.join(prefix, "bin", tool), os.X_OK), tool)
        for path in ("share/doc/lean-mlops/LICENSE", "share/doc/lean-mlops/ml-validate.md",
                     "libexec/lean-mlops/ci-run.sh"):
            self.assertTrue(os.path.isfile(os.path.join(prefix, path)), path)
        proc = subprocess.run(["cmake", "--install", BUILD_DIR, "--prefix", self.path("staged")],
                              env=clean_env(DESTDIR=self.path("root")), capture_output=True, text=True)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertTrue(os.path.isfile(self.path("root") + self.path("staged", "bin", "ml-validate")))


if __name__ == "__main__":
    unittest.main()
