"""ml-drift --html: a self-contained page, checked by structure and rendered by headless Chromium."""
import html.parser
import os
import random
import shutil
import subprocess
import tempfile
import unittest

from lean_cli import CliTest

CHROMIUM = shutil.which("chromium")


class Structure(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.external, self.sections = [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        for key in ("src", "href"):
            if key in attrs and not attrs[key].startswith("#"):
                self.external.append((tag, key, attrs[key]))
        if tag == "link" or tag == "script" or tag == "img" or tag == "iframe":
            self.external.append((tag, "", ""))
        if tag == "section":
            self.sections.append(attrs.get("class", ""))


def write_columns(path, columns, rows, shift, seed):
    rnd = random.Random(seed)
    with open(path, "w") as f:
        f.write(",".join(f"c{i}" for i in range(columns)) + "\n")
        for _ in range(rows):
            f.write(",".join(f"{rnd.gauss(shift if i % 4 == 0 else 0, 1):.3f}" for i in range(columns)) + "\n")


class HtmlReport(CliTest):
    def make_report(self, columns=200, rows=1500):
        write_columns(self.path("ref.csv"), columns, rows, 0, 1)
        write_columns(self.path("cur.csv"), columns, rows, 0.8, 2)
        r = self.run_tool("ml-drift", "--reference", "ref.csv", "--current", "cur.csv", "--html", "report.html",
                          "--drift-share", "0.9", "--report", "report.json")
        self.assertEqual(r.code, 0, r)
        with open(self.path("report.html"), encoding="utf-8") as f:
            return f.read()

    def test_200_columns_stay_small_and_self_contained(self):
        page = self.make_report()
        self.assertLess(len(page.encode()), 1_000_000)  # opens instantly: under a megabyte for 200 columns
        parsed = Structure()
        parsed.feed(page)
        self.assertEqual(parsed.external, [])
        self.assertEqual(parsed.tags.count("svg"), 200)
        self.assertEqual(parsed.tags.count("style"), 1)
        self.assertEqual(len(parsed.sections), 200)
        drifted = [c == "drift" for c in parsed.sections]
        report = self.read_json("report.json")
        self.assertGreaterEqual(sum(drifted), 50)  # every fourth column is shifted
        self.assertEqual(sum(drifted), report["dataset"]["drifted_columns"])
        self.assertEqual(drifted, sorted(drifted, reverse=True))  # drifted columns first
        self.assertIn("<h1>No dataset drift</h1>", page)
        self.assertIn(f"{sum(drifted)} of 200 tested columns drifted", page)

    @unittest.skipUnless(CHROMIUM, "Debian's chromium is installed by scripts/setup.sh")
    def test_chromium_renders_summary_and_charts(self):
        from PIL import Image  # python3-pil

        self.make_report(columns=12, rows=800)
        profile = tempfile.mkdtemp(prefix="lean-chromium-")
        self.addCleanup(shutil.rmtree, profile, ignore_errors=True)
        shot = self.path("shot.png")
        subprocess.run([CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        f"--user-data-dir={profile}", "--window-size=1200,1200", f"--screenshot={shot}",
                        "file://" + self.path("report.html")],
                       capture_output=True, timeout=120, check=True)
        image = Image.open(shot).convert("RGB")
        self.assertEqual(image.size, (1200, 1200))
        colors = image.getcolors(maxcolors=1 << 20)
        self.assertGreater(len(colors), 50)  # not blank: text, bars, borders
        white = sum(n for n, c in colors if c == (255, 255, 255))
        self.assertLess(white, 0.9 * 1200 * 1200)
        pixels = image.load()

        def near(target, tolerance=40):
            return sum(1 for x in range(0, 1200, 2) for y in range(0, 1200, 2)
                       if all(abs(pixels[x, y][i] - target[i]) <= tolerance for i in range(3)))

        self.assertGreater(near((0x8c, 0xb5, 0xec)), 200)  # reference bars (blue at 45%)
        self.assertGreater(near((0xfd, 0xc5, 0x8c)), 200)  # current bars (orange at 45%)
        self.assertGreater(near((0xda, 0xfb, 0xe1), 5), 2000)  # the green "no dataset drift" banner


if __name__ == "__main__":
    unittest.main()
