"""Every flag in a tool's --help is in the tool's docs page, and every flag the page's
option tables document (the first cell of a table row) is in --help (all four tools)."""
import os
import re
import unittest

from lean_cli import SOURCE_DIR, CliTest

HELP_FLAG = re.compile(r"^  (?:-\w \[ )?--([a-z0-9][a-z0-9-]*)", re.MULTILINE)
DOC_FLAG = re.compile(r"--([a-z0-9][a-z0-9-]*)")
RELEASE_COMMANDS = ("publish", "promote", "rollback", "list", "show", "fetch", "verify", "history", "gc", "diff")



def docs_page(tool):
    with open(os.path.join(SOURCE_DIR, "docs", tool + ".md"), encoding="utf-8") as f:
        return f.read()


def documented_flags(tool):
    """The flags in the first cell of the rows of the page's tables (the option tables)."""
    flags = set()
    for row in docs_page(tool).splitlines():
        if row.startswith("| "):
            flags.update(DOC_FLAG.findall(re.split(r"(?<!\\)\|", row)[1]))
    return flags


def mentioned_flags(tool):
    """Every flag the page names anywhere (synopsis, tables, command sections)."""
    return set(DOC_FLAG.findall(docs_page(tool)))


class HelpMatchesDocs(CliTest):
    def help_flags(self, tool, *args):
        r = self.run_tool(tool, *args, "--help")
        self.assertEqual(r.code, 0, r)
        return set(HELP_FLAG.findall(r.stdout))

    def check(self, tool, in_help):
        self.assertEqual(sorted(in_help - mentioned_flags(tool)), [], f"in {tool} --help but not in docs/{tool}.md")
        self.assertEqual(sorted(documented_flags(tool) - in_help), [],
                         f"in the option tables of docs/{tool}.md but not in {tool} --help")

    def test_ml_validate_help_and_docs_have_the_same_flags(self):
        self.check("ml-validate", self.help_flags("ml-validate"))

    def test_ml_compare_help_and_docs_have_the_same_flags(self):
        self.check("ml-compare", self.help_flags("ml-compare"))

    def test_ml_drift_help_and_docs_have_the_same_flags(self):
        flags = self.help_flags("ml-drift")
        for command in (("profile",), ("profile", "merge"), ("profile", "import-kll")):
            flags |= self.help_flags("ml-drift", *command)
        self.check("ml-drift", flags)

    def test_ml_release_help_and_docs_have_the_same_flags(self):
        flags = self.help_flags("ml-release")
        for command in RELEASE_COMMANDS:
            flags |= self.help_flags("ml-release", command)
        self.check("ml-release", flags)

    def test_help_shows_no_boost_arg_placeholder(self):
        for tool in ("ml-validate", "ml-compare", "ml-drift", "ml-release"):
            r = self.run_tool(tool, "--help")
            self.assertNotRegex(r.stdout, r"--[a-z-]+ arg\b", tool)


if __name__ == "__main__":
    unittest.main()
