"""Outside text (registry content, metric, column and file names) in each output format is
escaped by that format's one rule (docs/conventions.md, "Text from outside"): markdown is
rendered by cmark-gfm with GitHub's extensions and must show the text as text (no HTML, no
link, no image, no broken table); OpenMetrics must parse and hold no raw control or bidi
character; the HTML shows them as escapes."""
import html.parser
import json
import os
import shutil
import subprocess
import unittest

from lean_cli import CliTest
from release_cli import PINNED

CMARK = shutil.which("cmark-gfm")
# Markup of every kind a hostile value may carry: a cell break, a code span, HTML, a link,
# an image, emphasis, math and an entity.
MARKUP = "a|b`c <script>alert(1)</script> [x](javascript:alert(1)) ![i](https://e.example/i.png) *em* $x$ &amp;"
CONTROLS = "\x1b[2K\u202e"  # ESC (erase line) and RIGHT-TO-LEFT OVERRIDE
RAW = ("\x1b", "\u202e")
SHOWN_CONTROLS = "\\e[2K\\u202e"


class Rendered(html.parser.HTMLParser):
    """The tags, links and table rows (their cells' text) of cmark-gfm's HTML."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.tags, self.hrefs, self.tables, self.rows, self.text = [], [], [], [], []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "a":
            self.hrefs.append(dict(attrs).get("href"))
        if tag == "table":
            self.tables.append([])
        if tag == "tr":
            self.rows.append([])
            self.tables[-1].append(self.rows[-1])
        if tag in ("td", "th"):
            self.rows[-1].append("")

    def handle_data(self, data):
        self.text.append(data)
        if self.rows and self.rows[-1] and self.lasttag in ("td", "th", "code", "a"):
            self.rows[-1][-1] += data


def render_gfm(markdown):
    # --unsafe keeps raw HTML (GitHub filters it; the test must see whether any got through).
    return subprocess.run([CMARK, "--unsafe", "-e", "table", "-e", "autolink", "-e", "strikethrough", "-e", "tagfilter"],
                          input=markdown, capture_output=True, text=True, check=True).stdout


@unittest.skipUnless(CMARK, "needs Debian's cmark-gfm (scripts/packages/escaping.txt)")
class MarkdownShowsOutsideTextAsText(CliTest):
    def assert_text_only(self, markdown, *values):
        page = Rendered(render_gfm(markdown))
        self.assertLessEqual(set(page.tags), {"h3", "p", "blockquote", "table", "thead", "tbody", "tr", "th", "td",
                                              "code", "strong", "a"}, markdown)
        for href in page.hrefs:
            self.assertRegex(href, r"^https://", markdown)
        for table in page.tables:
            widths = {len(row) for row in table}
            self.assertEqual(len(widths), 1, f"a row has another number of cells: {table}\n{markdown}")
        cells = [cell for row in page.rows for cell in row]
        for value in values:
            self.assertTrue(any(value in cell for cell in cells), f"{value!r} not shown in {cells}\n{markdown}")
        return page

    def release(self, *args, env=None):
        return self.run_tool("ml-release", args[0], "--registry", "reg", *args[1:], env={**PINNED, **(env or {})})

    def test_history_audit_fields_are_text_in_the_table(self):
        self.write("model.bin", b"w")
        self.assertEqual(self.release("publish", "--model", "churn", "--version", "1", "model.bin").code, 0)
        self.assertEqual(self.release("publish", "--model", "churn", "--version", "2", "model.bin").code, 0)
        hostile = {"GITHUB_ACTOR": MARKUP, "CI_JOB_URL": "javascript:alert(1)//" + MARKUP}
        r = self.release("promote", "--model", "churn", "--version", "1", "--channel", "prod", env=hostile)
        self.assertEqual(r.code, 0, r)
        r = self.release("promote", "--model", "churn", "--version", "2", "--channel", "prod",
                         env={"GITHUB_ACTOR": "octo_cat", "CI_JOB_URL": "https://ci.example/jobs/1_2?a=b&c"})
        self.assertEqual(r.code, 0, r)
        r = self.release("history", "--model", "churn", "--channel", "prod", "--markdown", "h.md")
        self.assertEqual(r.code, 0, r)
        page = self.assert_text_only(self.read("h.md"), MARKUP, "javascript:alert(1)//" + MARKUP, "octo_cat")
        self.assertEqual(page.hrefs, ["https://ci.example/jobs/1_2?a=b&c"])  # a CI URL is a link, only http(s)

    def test_diff_metric_names_with_backticks_are_code_spans(self):
        self.write("model.bin", b"w")
        name = "acc`uracy|x <b>"
        for version, value in (("1", 0.5), ("2", 0.75)):
            self.write(f"m{version}.json", {name: value})
            r = self.release("publish", "--model", "churn", "--version", version, "--metrics", f"m{version}.json",
                             "model.bin")
            self.assertEqual(r.code, 0, r)
        r = self.release("diff", "--model", "churn", "1", "2", "--markdown", "d.md")
        self.assertEqual(r.code, 0, r)
        self.assert_text_only(self.read("d.md"), name, "+0.25")
        r = self.release("show", "--model", "churn", "--version", "2", "--markdown", "s.md")
        self.assertEqual(r.code, 0, r)
        self.assert_text_only(self.read("s.md"), name)
        r = self.release("promote", "--model", "churn", "--version", "2", "--channel", "prod", "--markdown", "p.md")
        self.assertEqual(r.code, 0, r)
        self.assert_text_only(self.read("p.md"), name)

    def test_validate_compare_and_drift_names_are_text(self):
        name = "f1`x*y*_z_"
        self.write("m.json", {name: 0.9})
        self.write("b.json", {name: 0.8})
        r = self.run_tool("ml-validate", "m.json", "-r", f"/{name} >= 0.5", "--markdown", "v.md")
        self.assertEqual(r.code, 0, r)
        self.assert_text_only(self.read("v.md"), name)
        r = self.run_tool("ml-compare", "--candidate", "m.json", "--baseline", "b.json", "--metric", f"/{name}",
                          "--markdown", "c.md")
        self.assertEqual(r.code, 0, r)
        self.assert_text_only(self.read("c.md"), name)
        column = "col`|<i>x</i>"
        self.write("ref.csv", f'"{column}",y\n' + "".join(f"{i},{i % 2}\n" for i in range(40)))
        self.write("cur.csv", f'"{column}",y\n' + "".join(f"{i + 25},{i % 2}\n" for i in range(40)))
        r = self.run_tool("ml-drift", "--reference", "ref.csv", "--current", "cur.csv", "--markdown", "d.md")
        self.assertEqual(r.code, 1, r)
        self.assert_text_only(self.read("d.md"), column)


class HostileColumn(CliTest):
    COLUMN = 'x"y\\z' + CONTROLS

    def setUp(self):
        super().setUp()
        header = '"' + self.COLUMN.replace('"', '""') + '",c'
        self.write("ref.csv", header + "\n" + "".join(f"{i},{'ab'[i % 2]}\n" for i in range(40)))
        self.write("cur.csv", header + "\n" + "".join(f"{i + 25},{'ab'[i % 2]}\n" for i in range(40)))


class OpenMetricsAndHtmlHoldNoRawControls(HostileColumn):
    def test_label_values_are_escaped_by_the_format_and_controls_shown_as_escapes(self):
        from prometheus_client.openmetrics.parser import text_string_to_metric_families

        r = self.run_tool("ml-drift", "--reference", "ref.csv", "--current", "cur.csv", "--openmetrics", "m.txt",
                          "--html", "r.html")
        self.assertEqual(r.code, 1, r)
        text = self.read("m.txt")
        for raw in RAW:
            self.assertNotIn(raw, text)
        families = {f.name: f for f in text_string_to_metric_families(text)}  # raises on invalid OpenMetrics
        columns = {s.labels["column"] for s in families["ml_drift_column_statistic"].samples}
        self.assertEqual(columns, {'x"y\\z' + SHOWN_CONTROLS, "c"})
        page = self.read("r.html")
        for raw in RAW:
            self.assertNotIn(raw, page)
        self.assertIn("x&quot;y\\z" + SHOWN_CONTROLS, page)


@unittest.skipUnless(shutil.which("prometheus-pushgateway"), "Debian's prometheus-pushgateway (scripts/setup.sh)")
class PushgatewayBodyHoldsNoRawControls(HostileColumn):
    def test_the_gateway_accepts_the_body_and_serves_the_escapes(self):
        import socket
        import time
        import urllib.request
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        gateway = subprocess.Popen([shutil.which("prometheus-pushgateway"), f"--web.listen-address=127.0.0.1:{port}"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.addCleanup(gateway.wait, 10)
        self.addCleanup(gateway.terminate)
        deadline = time.time() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/-/ready", timeout=1):
                    break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.05)
        # The scheme in capitals: URL schemes are case-insensitive (RFC 3986).
        r = self.run_tool("ml-drift", "--reference", "ref.csv", "--current", "cur.csv",
                          "--pushgateway", f"HTTP://127.0.0.1:{port}")
        self.assertEqual(r.code, 1, r)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
            scraped = response.read().decode()
        for raw in RAW:
            self.assertNotIn(raw, scraped)
        self.assertIn('column="x\\"y\\\\z\\\\e[2K\\\\u202e"', scraped)


if __name__ == "__main__":
    unittest.main()
