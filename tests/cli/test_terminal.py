"""Control characters from outside never reach a terminal or a CI log raw (docs/hardening.md,
"Control characters"): names from CSV headers, metrics files, command lines and server
messages that hold a line feed, a forged workflow command or ESC sequences are printed
escaped, on stdout and stderr, by every tool."""
import json
import os
import unittest

from lean_cli import CliTest

FORGED = "a\n::warning title=x::injected\nb"
ESCAPES = "\x1b[2K\r\x1b]0;t\x07\u009b31m"  # CSI as a C1 control: U+009B
SHOWN = "a\\n::warning title=x::injected\\nb"


class Terminal(CliTest):
    def env(self):
        return {"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": self.path("gh-output"),
                "GITHUB_STEP_SUMMARY": self.path("gh-summary")}

    def assert_nothing_raw(self, result):
        for stream, text in (("stdout", result.stdout), ("stderr", result.stderr)):
            self.assertNotIn("\x1b", text, f"ESC on {stream}: {result}")
            self.assertNotIn("\r", text, f"CR on {stream}: {result}")
            self.assertNotIn("\x07", text, f"BEL on {stream}: {result}")
            self.assertNotIn("\u009b", text, f"CSI on {stream}: {result}")
            for line in text.splitlines():
                self.assertFalse(line.startswith("::warning"), f"forged command on {stream}: {result}")
        self.assertLessEqual(result.stderr.count("\n"), 1, result)

    def test_a_csv_header_with_a_forged_command_and_escapes(self):
        header = '"' + FORGED + ESCAPES + '",y\n'
        self.write("ref.csv", header + "".join(f"{i},{i}\n" for i in range(30)))
        self.write("cur.csv", header + "".join(f"{i + 25},{i}\n" for i in range(30)))
        r = self.run_tool("ml-drift", "--reference", "ref.csv", "--current", "cur.csv", "--markdown", "s.md",
                          "--junit", "j.xml", env=self.env())
        self.assertEqual(r.code, 1, r)
        self.assert_nothing_raw(r)
        self.assertIn("DRIFT " + SHOWN + "\\e[2K\\r\\e]0;t\\x07\\u009b31m: ks p ", r.stdout)
        self.assertNotIn("\x1b", self.read("s.md"))
        self.assertNotIn("\n::warning", self.read("gh-summary"))

    def test_a_metrics_key_with_a_forged_command(self):
        self.write("m.json", json.dumps({FORGED + ESCAPES: 0.5, "accuracy": 0.9}))
        r = self.run_tool("ml-validate", "m.json", "-r", "acuracy >= 0.5", env=self.env())
        self.assertEqual(r.code, 3, r)
        self.assert_nothing_raw(r)
        self.assertIn(SHOWN, r.stderr)

    def test_a_checked_metric_name_with_a_forged_command_in_every_output(self):
        """A name that is checked (not only one that is misspelt) reaches the verdict lines,
        the markdown heading and the JUnit body: escaped there too."""
        name = "a\n::warning::injected\nb" + ESCAPES  # no "=": a check's operator
        self.write("m.json", json.dumps({name: 0.5}))
        self.write("b.json", json.dumps({name: 0.4}))
        path = "/" + name
        r = self.run_tool("ml-validate", "m.json", "-r", path + ">= 1", "--markdown", "v.md", "--junit", "v.xml",
                          env=self.env())
        self.assertEqual(r.code, 1, r)
        self.assert_nothing_raw(r)
        self.assertIn("FAIL  /a\\n::warning::injected\\nb", r.stdout)
        r = self.run_tool("ml-compare", "--candidate", "m.json", "--baseline", "b.json", "--metric", path,
                          "--markdown", "c.md", "--junit", "c.xml", env=self.env())
        self.assertEqual(r.code, 0, r)
        self.assert_nothing_raw(r)
        for name in ("v.md", "v.xml", "c.md", "c.xml", "gh-summary"):
            text = self.read(name)
            self.assertNotIn("\x1b", text, name)
            self.assertNotIn("\u009b", text, name)
            self.assertFalse(any(line.startswith("::warning") for line in text.splitlines()), name)

    def test_a_file_name_with_a_forged_command(self):
        self.write(FORGED, "x\n1\n")
        r = self.run_tool("ml-drift", "--changed", FORGED, "--state", "s.json", env=self.env())
        self.assertEqual(r.code, 1, r)
        self.assert_nothing_raw(r)
        self.assertIn("CHANGED " + SHOWN + " (new (not in the state)", r.stdout)
        r = self.run_tool("ml-drift", "--reference", FORGED + ESCAPES, "--current", "nope.csv", env=self.env())
        self.assertFails(r, 3, "ml-drift: error: '" + SHOWN + "\\e[2K\\r\\e]0;t\\x07\\u009b31m': "
                               "cannot open: No such file or directory")
        self.assert_nothing_raw(r)

    def test_a_manifest_file_name_with_a_forged_command(self):
        self.write("ok.bin", b"x")
        self.assertEqual(self.run_tool("ml-release", "publish", "--registry", "reg", "--model", "m", "--version", "1.0",
                                       "ok.bin").code, 0)
        manifest_path = self.path("reg/m/versions/1.0/manifest.json")
        with open(manifest_path) as f:
            manifest = json.load(f)
        manifest["files"][0]["name"] = FORGED + ESCAPES
        with open(manifest_path, "w") as f:
            json.dump(manifest, f)
        os.rename(self.path("reg/m/versions/1.0/ok.bin"), self.path("reg/m/versions/1.0/" + FORGED + ESCAPES))
        for command in (["verify", "--version", "1.0"], ["fetch", "--version", "1.0", "--dest", "out"], ["list"]):
            r = self.run_tool("ml-release", command[0], "--registry", "reg", "--model", "m", *command[1:], env=self.env())
            self.assertNotEqual(r.code, 0, r)  # a hostile manifest is refused (the exit code is ml-release's)
            self.assert_nothing_raw(r)

    def test_a_registry_url_with_a_forged_command(self):
        r = self.run_tool("ml-release", "list", "--registry", "bogus://" + FORGED, "--model", "m", env=self.env())
        self.assertEqual(r.code, 2, r)
        self.assert_nothing_raw(r)
        self.assertIn(SHOWN, r.stderr)


if __name__ == "__main__":
    unittest.main()
