"""The tree says where things are (docs/developing.md): each unit test sits in the folder of
the concern it tests, named after a source file there (tests/unit/drift/report_test.cpp
tests src/drift/report.cpp; report_format_test.cpp would test an aspect of it)."""
import glob
import os
import unittest

from ci_support import SOURCE_DIR


class LayoutTest(unittest.TestCase):
    def test_unit_tests_mirror_the_source_tree(self):
        unit = os.path.join(SOURCE_DIR, "tests", "unit")
        tests = sorted(glob.glob(os.path.join(unit, "*", "*_test.cpp")))
        self.assertGreater(len(tests), 50)
        self.assertEqual(glob.glob(os.path.join(unit, "*_test.cpp")), [], "a unit test outside a concern's folder")
        for test in tests:
            concern = os.path.basename(os.path.dirname(test))
            name = os.path.basename(test)[: -len("_test.cpp")]
            sources = [os.path.basename(s)[:-4] for s in glob.glob(os.path.join(SOURCE_DIR, "src", concern, "*.cpp"))]
            with self.subTest(test=os.path.relpath(test, SOURCE_DIR)):
                self.assertTrue(any(name == s or name.startswith(s + "_") for s in sources),
                                f"no src/{concern}/{name}.cpp (or a file whose name it starts with)")


if __name__ == "__main__":
    unittest.main()
