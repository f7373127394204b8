"""End-to-end tests of ml-drift's data-quality checks and schemas, on the fixtures of
tests/data/quality/make_fixtures.py: each anomaly fails exactly its check, thresholds at the
boundary pass and just above fail, the schema round trip, and the schema's errors."""
import json
import os
import sys
import xml.etree.ElementTree as ET

from lean_cli import SOURCE_DIR, CliTest

sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "data", "quality"))
import make_fixtures  # noqa: E402

QUALITY = ["--quality", "--unique", "id"]
# Fixture -> (extra options, the failed (check, column) pairs). An empty column is reported
# once, as empty (not as missing too); a duplicated row repeats its id, so that fixture leaves
# out --unique id.
CASES = {
    "clean": ([], set()),
    "columns_missing": ([], {("columns", "segment")}),
    "columns_new": ([], set()),
    "type": ([], {("type", "age")}),
    "missing_at": ([], set()),
    "missing_above": ([], {("missing", "income")}),
    "range_at": ([], set()),
    "range_above": ([], {("range", "age")}),
    "categories_at": ([], set()),
    "categories_above": ([], {("categories", "city")}),
    "constant": ([], {("constant", "score")}),
    "empty": ([], {("empty", "segment")}),
    "rows_at": (["--rows-ratio", "0.8:1.25"], set()),
    "rows_above": (["--rows-ratio", "0.8:1.25"], {("rows", None)}),
    "duplicates_at": (["--no-unique"], set()),
    "duplicates_above": (["--no-unique"], {("duplicates", None)}),
    "unique": ([], {("unique", "id")}),
}


class QualityTest(CliTest):
    def setUp(self):
        super().setUp()
        make_fixtures.write_fixtures(self.dir)

    def quality(self, current, *extra, reference=True):
        options = list(QUALITY)
        extra = list(extra)
        if "--no-unique" in extra:
            extra.remove("--no-unique")
            options = ["--quality"]
        args = (["--reference", "reference.csv"] if reference else []) + ["--current", current] + options + extra
        r = self.run_tool("ml-drift", *args, "--report", "report.json", "--no-ci")
        self.assertIn(r.code, (0, 1), r)
        return r, self.read_json("report.json")

    @staticmethod
    def failed(report):
        return {(f["check"], f["column"]) for f in report["quality"] if not f["passed"]}


class EachAnomaly(QualityTest):
    def test_each_check_fails_exactly_on_its_anomaly(self):
        for name, (extra, want) in CASES.items():
            with self.subTest(fixture=name):
                r, report = self.quality(f"{name}.csv", *extra)
                self.assertEqual(self.failed(report), want, r.stdout)
                self.assertFalse(report["dataset"]["drift"], r.stdout)
                self.assertEqual(r.code, 1 if want else 0, r)
                self.assertEqual(r.stderr, "")

    def test_one_late_text_cell_in_a_numeric_column_fails_type(self):
        # Under 1 % of the cells (the stray-cell rule): still a type change, never a silent pass.
        lines = self.read("clean.csv").splitlines(True)
        cells = lines[150].split(",")
        cells[1] = "forty"
        lines[150] = ",".join(cells)
        self.write("late_text.csv", "".join(lines))
        r, report = self.quality("late_text.csv", "--no-unique")
        self.assertIn(("type", "age"), self.failed(report), r.stdout)
        self.assertEqual(r.code, 1, r)

    def test_without_quality_nothing_changes(self):
        r = self.run_tool("ml-drift", "--reference", "reference.csv", "--current", "missing_above.csv", "--report", "r.json")
        self.assertEqual(r.code, 0, r)
        self.assertNotIn("quality", self.read_json("r.json"))
        r = self.run_tool("ml-drift", "--reference", "reference.csv", "--current", "columns_missing.csv")
        self.assertFails(r, 3, "ml-drift: error: 'columns_missing.csv:1': no column \"segment\", which the reference has")

    def test_new_columns_fail_on_request(self):
        r, report = self.quality("columns_new.csv", "--fail-on-new-columns")
        self.assertEqual(self.failed(report), {("columns", "extra")})
        self.assertIn("FAIL  columns: extra is new: not in the reference (--fail-on-new-columns)\n", r.stdout)

    def test_findings_and_console(self):
        r, report = self.quality("missing_above.csv")
        self.assertIn("FAIL  missing: income 6% missing, reference 0.5% (+5.5% > +5%)\n", r.stdout)
        self.assertIn("gate failed: quality; no dataset drift", r.stdout)
        missing = next(f for f in report["quality"] if f["check"] == "missing" and f["column"] == "income")
        self.assertEqual(missing["observed"], 12 / 200)
        self.assertEqual(missing["expected"], 1 / 200)
        self.assertEqual(missing["threshold"], 0.05)
        self.assertEqual([e["line"] for e in missing["examples"]], [7, 18, 29, 40, 51])  # header is line 1

        r, report = self.quality("range_above.csv")
        found = next(f for f in report["quality"] if f["check"] == "range" and f["column"] == "age")
        self.assertEqual(found["examples"], [{"line": 12, "value": "-3"}, {"line": 19, "value": "-3"},
                                             {"line": 26, "value": "-3"}])
        self.assertEqual(found["observed"], 3 / 200)

        r, report = self.quality("categories_above.csv")
        found = next(f for f in report["quality"] if f["check"] == "categories")
        self.assertEqual(found["new_values"], [{"value": "Atlantis", "count": 3}])
        self.assertEqual(found["examples"], [{"line": 12, "value": "Atlantis"}])

        r, report = self.quality("type.csv")
        found = next(f for f in report["quality"] if f["check"] == "type" and f["column"] == "age")
        self.assertEqual((found["observed"], found["expected"]), ("categorical", "numeric"))
        self.assertEqual(found["examples"], [{"line": 12, "value": "forty"}, {"line": 19, "value": "forty"}])
        age = next(c for c in report["columns"] if c["name"] == "age")
        self.assertEqual(age["skipped"], "type changed: text in the current data")

        r, report = self.quality("unique.csv")
        found = next(f for f in report["quality"] if f["check"] == "unique")
        self.assertEqual(found["examples"], [{"line": 52, "value": "same as line 51"}])

    def test_duplicates_tell_rows_apart_by_their_categories(self):
        # Rows that differ only in a category cell are not duplicates, and rows equal cell for
        # cell are, however the cell was written (quoted or not) and however long it is: a
        # category seen before takes the hash it was first given.
        long_city = "Llanfairpwllgwyngyll-Wales"
        ref = "n,city\n" + "".join(f"{i},Berlin\n" for i in range(20))
        cur = ("n,city\n"
               "1,Berlin\n1,Paris\n"                     # distinct
               "1,Berlin\n1,\"Paris\"\n"                # both repeat the first two
               f"1,\"{long_city}\"\n1,{long_city}x\n"  # distinct, long
               f"1,{long_city}\n"                          # repeats line 6
               "2,Berlin\n1,NA\n1,\n")                  # distinct; missing in two spellings repeats
        cur += "".join(f"{i + 10},Berlin\n" for i in range(10))
        self.write("dup_ref.csv", ref)
        self.write("dup_cur.csv", cur)
        r = self.run_tool("ml-drift", "--reference", "dup_ref.csv", "--current", "dup_cur.csv", "--quality",
                          "--max-duplicate-increase", "1", "--report", "report.json", "--no-ci")
        self.assertIn(r.code, (0, 1), r)
        report = self.read_json("report.json")
        duplicates = next(f for f in report["quality"] if f["check"] == "duplicates")
        self.assertEqual(duplicates["observed"], 4 / 20)
        self.assertEqual([e["line"] for e in duplicates["examples"]], [4, 5, 8, 11])

    def test_per_column_missing_limit(self):
        r, report = self.quality("clean.csv", "--max-missing", "income=0")
        self.assertEqual(self.failed(report), {("missing", "income")})
        self.assertIn("FAIL  missing: income 0.5% missing, reference 0.5% (0.5% > 0% allowed)\n", r.stdout)
        r, report = self.quality("clean.csv", "--max-missing", "income=0.005")
        self.assertEqual(self.failed(report), set())

    def test_outputs(self):
        r = self.run_tool("ml-drift", "--reference", "reference.csv", "--current", "range_above.csv", *QUALITY,
                          "--junit", "j.xml", "--markdown", "m.md", "--dotenv", "d.env", "--openmetrics", "m.txt",
                          "--html", "r.html")
        self.assertEqual(r.code, 1, r)
        cases = ET.parse(self.path("j.xml")).getroot().iter("testcase")
        names = {c.get("name"): c.find("failure") is not None for c in cases}
        self.assertTrue(names["range: age"])
        self.assertFalse(names["missing: income"])
        markdown = self.read("m.md")
        self.assertIn("### Data quality", markdown)
        table = markdown.split("### Data quality")[1]
        self.assertLess(table.index("range"), table.index("missing"))  # failed first
        dotenv = self.read("d.env")
        self.assertIn("ML_DRIFT_QUALITY=fail\n", dotenv)
        self.assertIn("ML_DRIFT_QUALITY_FAILED=1\n", dotenv)
        metrics = self.read("m.txt")
        self.assertIn('ml_drift_quality_failed{check="range",column="age"} 1\n', metrics)
        self.assertIn('ml_drift_quality_failed{check="duplicates",column=""} 0\n', metrics)
        self.assertIn("Data quality</h2>", self.read("r.html"))
        r = self.run_tool("ml-drift", "--reference", "reference.csv", "--current", "range_above.csv", *QUALITY,
                          env={"GITHUB_ACTIONS": "true"})
        self.assertIn("::error title=ml-drift%3A range%3A age::age 1.5%25 of values outside [18, 90] (1.5%25 > 1%25)\n", r.stdout)

    def test_bad_options(self):
        r = self.run_tool("ml-drift", "--reference", "reference.csv", "--current", "clean.csv", "--max-out-of-range", "0.01")
        self.assertFails(r, 2, "ml-drift: error: the data-quality options go with --quality or --schema")
        r = self.run_tool("ml-drift", "--reference", "reference.csv", "--current", "clean.csv", "--quality",
                          "--max-missing-increase", "1.5")
        self.assertFails(r, 2, "ml-drift: error: --max-missing-increase must be a share between 0 and 1, not \"1.5\"")
        r = self.run_tool("ml-drift", "--reference", "reference.csv", "--current", "clean.csv", "--quality",
                          "--rows-ratio", "2")
        self.assertFails(r, 2, "ml-drift: error: --rows-ratio must be MIN:MAX with 0 <= MIN <= MAX, not \"2\"")
        r = self.run_tool("ml-drift", "--reference", "reference.csv", "--current", "clean.csv", "--quality",
                          "--unique", "idd")
        self.assertFails(r, 3, "ml-drift: error: 'clean.csv': no column \"idd\"; did you mean \"id\"?")
        r = self.run_tool("ml-drift", "--reference", "reference.csv", "--current", "clean.csv", "--quality",
                          "--max-missing", "incme=0")
        self.assertFails(r, 3, "ml-drift: error: 'clean.csv': no column \"incme\"; did you mean \"income\"?")
        r = self.run_tool("ml-drift", "--reference", "reference.csv", "--current", "clean.csv", "--quality",
                          "--max-missing", "income")
        self.assertFails(r, 2, "ml-drift: error: --max-missing \"income\" is not COLUMN=SHARE")
        r = self.run_tool("ml-drift", "scheme", "--reference", "reference.csv")
        self.assertFails(r, 2, "ml-drift: error: unknown command \"scheme\" (ml-drift schema writes a schema; checks take options only)")


    def test_a_key_given_twice_is_a_usage_error(self):
        base = ["--reference", "reference.csv", "--current", "clean.csv", "--quality"]
        r = self.run_tool("ml-drift", *base, "--max-missing", "income=0,age=0,income=0.1")
        self.assertFails(r, 2, "ml-drift: error: --max-missing names \"income\" twice")
        r = self.run_tool("ml-drift", *base, "--unique", "id,age,id")
        self.assertFails(r, 2, "ml-drift: error: --unique names \"id\" twice")
        # The same across repeated flags.
        r = self.run_tool("ml-drift", *base, "--max-missing", "income=0", "--max-missing", "age=0,income=0.1")
        self.assertFails(r, 2, "ml-drift: error: --max-missing names \"income\" twice")
        r = self.run_tool("ml-drift", *base, "--unique", "id", "--unique", "id")
        self.assertFails(r, 2, "ml-drift: error: --unique names \"id\" twice")

    def test_per_column_options_repeat_as_flags(self):
        # --max-missing a=X --max-missing b=Y is the comma form a=X,b=Y; --unique likewise.
        _, comma = self.quality("clean.csv", "--no-unique", "--max-missing", "income=0,age=0.5", "--unique", "id,city")
        _, repeated = self.quality("clean.csv", "--no-unique", "--max-missing", "income=0", "--max-missing", "age=0.5",
                                   "--unique", "id", "--unique", "city")
        self.assertEqual(comma["quality"], repeated["quality"])
        self.assertIn(("missing", "income"), self.failed(repeated))
        self.assertIn(("unique", "city"), self.failed(repeated))
        thresholds = {f["column"]: f["threshold"] for f in repeated["quality"] if f["check"] == "missing"}
        self.assertEqual((thresholds["income"], thresholds["age"]), (0, 0.5))

    def test_shares_are_read_by_the_project_s_number_parser(self):
        r, report = self.quality("clean.csv", "--max-new-categories", "1e-400", "--max-missing-increase", "5e-1")
        self.assertEqual(r.code, 0, r)  # 1e-400 is 0 (an underflow), as Python reads it
        thresholds = {f["check"]: f.get("threshold") for f in report["quality"] if f["column"] == "city"}
        self.assertEqual(thresholds["categories"], 0)
        self.assertEqual(thresholds["missing"], 0.5)
        r = self.run_tool("ml-drift", "--reference", "reference.csv", "--current", "clean.csv", "--quality",
                          "--max-new-categories", "1e400")
        self.assertFails(r, 2, "ml-drift: error: --max-new-categories must be a share between 0 and 1, not \"1e400\"")

    def test_an_empty_column_is_reported_once(self):
        r, report = self.quality("empty.csv")
        findings = [(f["check"], f["passed"]) for f in report["quality"] if f["column"] == "segment"]
        self.assertEqual([check for check, passed in findings if not passed], ["empty"])
        self.assertNotIn("missing", [check for check, _ in findings])
        self.assertEqual(r.stdout.count("FAIL  "), 1, r.stdout)


class Schema(QualityTest):
    def infer(self):
        r = self.run_tool("ml-drift", "schema", "--reference", "reference.csv", "--output", "schema.json")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.stdout, "ml-drift: schema of 6 columns written to schema.json\n")
        return self.read_json("schema.json")

    def check(self, current, *extra):
        r = self.run_tool("ml-drift", "--schema", "schema.json", "--current", current, *extra, "--report", "report.json")
        self.assertIn(r.code, (0, 1), r)
        return r, self.read_json("report.json")

    def test_inferred_schema(self):
        schema = self.infer()
        first = self.read("schema.json")
        self.infer()
        self.assertEqual(self.read("schema.json"), first)  # deterministic
        self.assertEqual(schema["schema_version"], 1)
        self.assertEqual(schema["rows"], 200)
        self.assertEqual(schema["duplicate_share"], 0)
        columns = {c["name"]: c for c in schema["columns"]}
        self.assertEqual([c["name"] for c in schema["columns"]], make_fixtures.HEADER)
        self.assertEqual(columns["age"], {"name": "age", "type": "numeric", "optional": False, "missing_share": 0,
                                          "min": 18, "max": 90, "unique": False})
        self.assertEqual(columns["city"]["categories"], make_fixtures.CITIES)
        self.assertTrue(columns["id"]["unique"])
        self.assertFalse(columns["score"]["unique"])  # no ties, but not whole numbers: not an id
        self.assertEqual(columns["income"]["missing_share"], 0.005)
        with open(os.path.join(SOURCE_DIR, "docs", "ml-drift.schema.json")) as f:
            spec = json.load(f)
        self.assertEqual(set(schema), set(spec["properties"]))
        self.assertEqual(set(columns["city"]) | set(columns["age"]), set(spec["$defs"]["column"]["properties"]))

    def test_round_trip_each_anomaly(self):
        self.infer()
        for name, (extra, want) in CASES.items():
            if name == "duplicates_at" or name == "duplicates_above":
                continue  # the schema marks id unique: a duplicated row repeats it
            with self.subTest(fixture=name):
                r, report = self.check(f"{name}.csv", *extra)
                self.assertEqual(self.failed(report), want, r.stdout)
                self.assertEqual(report["columns"], [])  # no reference: no drift test

    def test_edit_by_hand(self):
        schema = self.infer()
        columns = {c["name"]: c for c in schema["columns"]}
        r, report = self.check("range_above.csv")
        self.assertEqual(self.failed(report), {("range", "age")})
        columns["age"]["min"] = -10  # widen the range
        columns["city"]["categories"].append("Atlantis")  # allow a category
        columns["segment"]["optional"] = True
        self.write("schema.json", json.dumps(schema, indent=2))
        for name in ("range_above", "categories_above", "columns_missing"):
            r, report = self.check(f"{name}.csv")
            self.assertEqual(self.failed(report), set(), (name, r.stdout))
        columns["age"]["max"] = 80  # tighten it
        self.write("schema.json", json.dumps(schema, indent=2))
        r, report = self.check("clean.csv")
        self.assertEqual(self.failed(report), {("range", "age")})
        self.assertIn("outside [-10, 80]", r.stdout)

    def test_schema_and_reference_together(self):
        schema = self.infer()
        schema["columns"][1]["max"] = 200
        self.write("schema.json", json.dumps(schema))
        r = self.run_tool("ml-drift", "--schema", "schema.json", "--reference", "reference.csv", "--current",
                          "range_at.csv", "--report", "report.json")
        report = self.read_json("report.json")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(len(report["columns"]), 6)  # drift tested too
        self.assertEqual(self.failed(report), set())  # the schema's range, not the reference's

    def test_columns_disagree(self):
        schema = self.infer()
        schema["columns"][4]["name"] = "zip"
        self.write("schema.json", json.dumps(schema))
        r, report = self.check("clean.csv")
        self.assertEqual(r.code, 1)
        self.assertEqual(self.failed(report), {("columns", "zip")})
        new = next(f for f in report["quality"] if f["column"] == "segment")
        self.assertEqual((new["check"], new["passed"]), ("columns", True))
        self.assertIn("FAIL  columns: zip is missing from the current data\n", r.stdout)
        r, report = self.check("clean.csv", "--fail-on-new-columns")
        self.assertEqual(self.failed(report), {("columns", "zip"), ("columns", "segment")})

    def test_schema_version_as_a_float(self):
        schema = self.infer()
        schema["schema_version"] = 1.0
        self.write("schema.json", json.dumps(schema))
        self.assertIn('"schema_version": 1.0', self.read("schema.json"))
        r, report = self.check("clean.csv")
        self.assertEqual(r.code, 0, r)
        schema["schema_version"] = 1.5
        self.write("schema.json", json.dumps(schema))
        r = self.run_tool("ml-drift", "--schema", "schema.json", "--current", "clean.csv")
        self.assertFails(r, 2, "ml-drift: error: 'schema.json': schema_version 1.5 is not supported; this ml-drift reads version 1")

    def test_a_column_subset_does_not_make_rows_duplicates(self):
        # city and segment repeat across rows; the rows (with their id) do not.
        self.infer()
        r, report = self.check("clean.csv", "--columns", "city,segment")
        self.assertEqual(self.failed(report), set(), r.stdout)
        duplicates = next(f for f in report["quality"] if f["check"] == "duplicates")
        self.assertEqual(duplicates["observed"], 0)
        r, report = self.check("duplicates_above.csv", "--columns", "city,segment")
        self.assertIn(("duplicates", None), self.failed(report))  # real duplicates still count

    def test_an_all_missing_reference_column_has_no_type(self):
        # No value in the reference is no evidence of a type: the schema says null, and any
        # later values pass the type check (they failed it: the column was inferred numeric).
        self.write("ref.csv", "id,notes\n1,\n2,NA\n3,\n")
        self.write("text.csv", "id,notes\n1,late\n2,entries\n3,late\n")
        self.write("same.csv", "id,notes\n1,7\n2,7\n3,7\n")
        r = self.run_tool("ml-drift", "schema", "--reference", "ref.csv", "--output", "schema.json")
        self.assertEqual(r.code, 0, r)
        notes = self.read_json("schema.json")["columns"][1]
        self.assertEqual(notes, {"name": "notes", "type": None, "optional": False, "missing_share": 1, "unique": False})
        for current in ("text.csv", "same.csv"):
            with self.subTest(current=current):
                r, report = self.check(current)
                self.assertEqual(self.failed(report), set(), r.stdout)
                findings = {f["check"]: f for f in report["quality"] if f["column"] == "notes"}
                self.assertEqual(sorted(findings), ["empty", "missing", "type"])  # no categories, no constant
                self.assertNotIn("expected", findings["type"])
                self.assertIn("the reference has no value, so any type is expected", findings["type"]["message"])
        r = self.run_tool("ml-drift", "--reference", "ref.csv", "--current", "text.csv", "--quality", "--report", "report.json")
        self.assertEqual(self.failed(self.read_json("report.json")), set(), r.stdout)

    def test_unknown_fields(self):
        schema = self.infer()
        schema["colums"] = []
        schema["columns"][0]["maxx"] = 3
        self.write("schema.json", json.dumps(schema))
        r = self.run_tool("ml-drift", "--schema", "schema.json", "--current", "clean.csv")
        self.assertFails(r, 2, "ml-drift: error: 'schema.json': unknown schema fields \"colums\" (did you mean "
                         "\"columns\"?), \"columns[0].maxx\" (did you mean \"columns[0].max\"?)")

    def test_version_2(self):
        schema = self.infer()
        schema["schema_version"] = 2
        self.write("schema.json", json.dumps(schema))
        r = self.run_tool("ml-drift", "--schema", "schema.json", "--current", "clean.csv")
        self.assertFails(r, 2, "ml-drift: error: 'schema.json': schema_version 2 is not supported; this ml-drift reads version 1")

    def test_bad_schemas(self):
        cases = [
            ("{", "malformed JSON; a schema is {\"schema_version\": 1, \"columns\": [...]} (ml-drift schema writes one)"),
            ("[]", "a schema is a JSON object: {\"schema_version\": 1, \"columns\": [...]}"),
            ('{"columns": []}', "no \"schema_version\"; this ml-drift reads version 1"),
            ('{"schema_version": 1, "columns": []}', "\"columns\" must be a non-empty list of columns"),
            ('{"schema_version": 1, "columns": [{"name": "a", "type": "text"}]}',
             "\"columns[0].type\" must be \"numeric\", \"categorical\" or null"),
            ('{"schema_version": 1, "columns": [{"name": "a", "type": null, "min": 0, "max": 1}]}',
             "\"columns[0].type\" is null: min, max and categories need a type"),
            ('{"schema_version": 1, "columns": [{"name": "a", "type": "numeric", "min": 3, "max": 1}]}',
             "\"columns[0].min\" is above \"max\""),
            ('{"schema_version": 1, "columns": [{"name": "a", "type": "numeric", "missing_share": 2}]}',
             "\"columns[0].missing_share\" must be a share between 0 and 1, not 2"),
            # A key written twice: refused, not the last one kept.
            ('{"schema_version": 1, "columns": [{"name": "a", "type": "numeric", "min": 0, "max": 1, "max": 5}]}',
             "duplicate key \"max\""),
            ('{"schema_version": 1, "schema_version": 1, "columns": [{"name": "a", "type": "numeric"}]}',
             "duplicate key \"schema_version\""),
        ]
        for text, message in cases:
            with self.subTest(text=text):
                self.write("bad.json", text)
                r = self.run_tool("ml-drift", "--schema", "bad.json", "--current", "clean.csv")
                self.assertFails(r, 2, "ml-drift: error: 'bad.json': " + message)
        r = self.run_tool("ml-drift", "--schema", "none.json", "--current", "clean.csv")
        self.assertEqual(r.code, 2, r)
        r = self.run_tool("ml-drift", "schema", "--reference", "reference.csv")
        self.assertFails(r, 2, "ml-drift: error: ml-drift schema needs --reference REF.csv (or --reference-profile REF.profile) "
                               "and --output SCHEMA.json")
