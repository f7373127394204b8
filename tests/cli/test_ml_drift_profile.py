"""ml-drift profile: profiles, merging, shards, imported KLL sketches, drift from profiles."""
import json
import os
import random
import shutil
import unittest

from lean_cli import SOURCE_DIR, CliTest

FIXTURES = os.path.join(SOURCE_DIR, "tests", "data", "drift")
CSV = os.path.join(FIXTURES, "csv")
KLL = os.path.join(SOURCE_DIR, "tests", "data", "kll")
with open(os.path.join(FIXTURES, "cli_cases.json")) as f:
    CASES = json.load(f)["cases"]

COMPARED = ("name", "type", "method", "statistic", "p_value", "p_value_adjusted", "threshold", "drift", "n_ref",
            "n_cur", "missing_ref", "missing_cur", "dof", "skipped")


class FromProfileEqualsRaw(CliTest):
    """Where both sides are exact, drift from a profile reports what the raw path reports."""

    def setUp(self):
        super().setUp()
        for name in os.listdir(CSV):
            shutil.copy(os.path.join(CSV, name), self.path(name))

    def test_every_fixture_case(self):
        for case in CASES:
            args = list(case["args"])
            with self.subTest(case=case["name"]):
                raw = self.run_tool("ml-drift", *args, "--report", "raw.json")
                at = args.index("--reference")
                reference = args[at + 1]
                del args[at:at + 2]
                typing = []
                for option in ("--categorical", "--numeric", "--delimiter"):
                    if option in args:
                        i = args.index(option)
                        typing += args[i:i + 2]
                        if option != "--delimiter":
                            del args[i:i + 2]
                made = self.run_tool("ml-drift", "profile", reference, "--output", "ref.profile", *typing)
                self.assertEqual(made.code, 0, made)
                got = self.run_tool("ml-drift", "--reference-profile", "ref.profile", *args, "--report", "profile.json")
                self.assertEqual(got.code, raw.code, got)
                want, have = self.read_json("raw.json"), self.read_json("profile.json")
                for w, h in zip(want["columns"], have["columns"]):
                    self.assertEqual({k: h.get(k) for k in COMPARED}, {k: w.get(k) for k in COMPARED})
                    self.assertNotIn("approximate", h)
                self.assertEqual(have["dataset"], want["dataset"])


def write_csv(path, columns, rows):
    with open(path, "w") as f:
        f.write(",".join(columns) + "\n")
        for row in rows:
            f.write(",".join(str(v) for v in row) + "\n")


class Profiles(CliTest):
    def test_shards_merge_to_the_profile_of_all_files(self):
        rng = random.Random(7)
        names = []
        for part in range(6):
            name = f"part-{part}.csv"
            write_csv(self.path(name), ["n", "c"], [(rng.randint(0, 30), rng.choice("abc")) for _ in range(200)])
            names.append(name)
        shards = []
        for i in (1, 2, 3):
            r = self.run_tool("ml-drift", "profile", *names, "--shard", f"{i}/3", "--output", f"s{i}.profile")
            self.assertEqual(r.code, 0, r)
            shards.append(f"s{i}.profile")
        self.assertEqual(sum(self.read_json(s)["files"] for s in shards), 6)
        r = self.run_tool("ml-drift", "profile", "merge", *shards, "--output", "merged.profile", "--report", "r.json")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(self.read_json("r.json")["rows"], 1200)
        self.assertEqual(self.run_tool("ml-drift", "profile", *names, "--output", "all.profile").code, 0)
        merged, whole = self.read_json("merged.profile"), self.read_json("all.profile")
        self.assertEqual(merged["rows"], whole["rows"])
        for m, w in zip(merged["columns"], whole["columns"]):
            self.assertEqual((m["name"], m["count"], m["values"]), (w["name"], w["count"], w["values"]))

    def test_merging_in_any_order_gives_the_same_bytes(self):
        rng = random.Random(12)
        for name in ("a", "b", "c"):  # means of non-integers differ in the last bit by order
            write_csv(self.path(f"{name}.csv"), ["v", "w", "c"],
                      [(rng.gauss(3, 1) / 7, rng.gauss(0, 1), rng.choice("xyz")) for _ in range(rng.randint(300, 900))])
            r = self.run_tool("ml-drift", "profile", f"{name}.csv", "--output", f"{name}.profile", "--max-exact", "100")
            self.assertEqual(r.code, 0, r)
        orders = (("a", "b"), ("b", "a"), ("a", "b", "c"), ("c", "b", "a"), ("b", "c", "a"))
        merged = {}
        for order in orders:
            r = self.run_tool("ml-drift", "profile", "merge", *(f"{n}.profile" for n in order), "--output", "m.profile")
            self.assertEqual(r.code, 0, r)
            merged[order] = self.read("m.profile")
        self.assertEqual(merged[("a", "b")], merged[("b", "a")])
        self.assertEqual(merged[("a", "b", "c")], merged[("c", "b", "a")])
        self.assertEqual(merged[("a", "b", "c")], merged[("b", "c", "a")])
        self.assertEqual(self.read_json("m.profile")["columns"][0]["distribution"], "kll")

    def test_bad_shard_specs_are_usage_errors(self):
        write_csv(self.path("a.csv"), ["x"], [(1,)])
        for spec in ("3/2", "0/4"):
            r = self.run_tool("ml-drift", "profile", "a.csv", "--shard", spec, "--output", "p.profile")
            self.assertFails(r, 2, f'ml-drift: error: --shard must be I/N with 1 <= I <= N, not "{spec}"')

    def profile(self, name="ref.profile"):
        write_csv(self.path("ref.csv"), ["x", "y"], [(i % 7, "ab"[i % 2]) for i in range(50)])
        self.assertEqual(self.run_tool("ml-drift", "profile", "ref.csv", "--output", name).code, 0)
        write_csv(self.path("cur.csv"), ["x", "y"], [(i % 5, "ab"[i % 3 % 2]) for i in range(40)])
        return self.read(name)

    def test_quality_checks_do_not_go_with_a_reference_profile(self):
        # They read the reference's rows; a profile holds none (silently skipping them was a bypass).
        self.profile()
        self.write("s.json", "{}")
        for args in (["--quality"], ["--schema", "s.json"], ["--max-out-of-range", "0.5"]):
            with self.subTest(args=args):
                r = self.run_tool("ml-drift", "--reference-profile", "ref.profile", "--current", "cur.csv", *args)
                self.assertFails(r, 2, f"ml-drift: error: {args[0]} checks the reference's rows: it does not go "
                                       "with a reference profile")

    def test_a_tampered_or_truncated_profile_is_an_integrity_error(self):
        text = self.profile()
        self.write("tampered.profile", text.replace('"count":50', '"count":51', 1))
        r = self.run_tool("ml-drift", "--reference-profile", "tampered.profile", "--current", "cur.csv")
        self.assertFails(r, 5, "ml-drift: error: 'tampered.profile': checksum mismatch: the profile was changed or "
                               "damaged after it was written")
        self.write("truncated.profile", text[: len(text) // 2])
        r = self.run_tool("ml-drift", "--reference-profile", "truncated.profile", "--current", "cur.csv")
        self.assertFails(r, 5, "ml-drift: error: 'truncated.profile': not a complete profile: the JSON is truncated "
                               "or damaged")

    def test_a_version_2_profile_is_refused(self):
        text = self.profile()
        self.write("v2.profile", text.replace('"version":1', '"version":2', 1))
        r = self.run_tool("ml-drift", "--reference-profile", "v2.profile", "--current", "cur.csv")
        self.assertFails(r, 3, "ml-drift: error: 'v2.profile': profile version 2 is not supported (this ml-drift "
                               "reads version 1)")

    def test_profiles_of_different_columns_do_not_merge_silently(self):
        self.profile("a.profile")
        write_csv(self.path("b.csv"), ["x", "z"], [(1, 2)])
        self.assertEqual(self.run_tool("ml-drift", "profile", "b.csv", "--output", "b.profile").code, 0)
        r = self.run_tool("ml-drift", "profile", "merge", "a.profile", "b.profile", "--output", "m.profile")
        self.assertFails(r, 3, "ml-drift: error: 'b.profile': column \"z\" is not in a.profile (profiles of different "
                               "column sets; give --allow-new-columns to merge them)")
        r = self.run_tool("ml-drift", "profile", "merge", "a.profile", "b.profile", "--output", "m.profile",
                          "--allow-new-columns")
        self.assertEqual(r.code, 0, r)
        self.assertEqual([c["name"] for c in self.read_json("m.profile")["columns"]], ["x", "y", "z"])

    def test_a_column_typed_differently_names_both_profiles(self):
        self.profile("a.profile")
        write_csv(self.path("b.csv"), ["x", "y"], [("text", "a")])
        self.assertEqual(self.run_tool("ml-drift", "profile", "b.csv", "--output", "b.profile").code, 0)
        r = self.run_tool("ml-drift", "profile", "merge", "a.profile", "b.profile", "--output", "m.profile")
        self.assertFails(r, 3, "ml-drift: error: 'b.profile': column \"x\" is categorical here but numeric in a.profile")


    def test_the_same_profile_twice_is_refused_not_counted_twice(self):
        self.profile("a.profile")
        shutil.copy(self.path("a.profile"), self.path("copy.profile"))
        self.assertEqual(self.run_tool("ml-drift", "profile", "cur.csv", "--output", "b.profile").code, 0)
        for args, twice, first in ((["a.profile", "a.profile"], "a.profile", "a.profile"),
                                   (["b.profile", "a.profile", "copy.profile"], "copy.profile", "a.profile")):
            r = self.run_tool("ml-drift", "profile", "merge", *args, "--output", "m.profile")
            self.assertFails(r, 3, f"ml-drift: error: '{twice}': is the same profile as {first} (merged twice, its "
                                   "rows would count twice)")
            self.assertFalse(os.path.exists(self.path("m.profile")))
        # Empty shards are alike and merge as nothing.
        for name in ("e1.profile", "e2.profile"):
            r = self.run_tool("ml-drift", "profile", "--shard", "2/2", "ref.csv", "--output", name)
            self.assertEqual(r.code, 0, r)
        self.assertEqual(self.read("e1.profile"), self.read("e2.profile"))
        r = self.run_tool("ml-drift", "profile", "merge", "a.profile", "e1.profile", "e2.profile", "--output", "m.profile")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(self.read_json("m.profile")["rows"], 50)

    def test_parts_profiled_with_different_options_do_not_merge(self):
        self.profile("a.profile")
        for option, value, name in (("--sketch-k", "200", "--sketch-k"), ("--max-exact", "1000", "--max-exact")):
            r = self.run_tool("ml-drift", "profile", "cur.csv", option, value, "--output", "b.profile")
            self.assertEqual(r.code, 0, r)
            default = self.read_json("a.profile")["sketch_k" if option == "--sketch-k" else "max_exact"]
            r = self.run_tool("ml-drift", "profile", "merge", "a.profile", "b.profile", "--output", "m.profile")
            self.assertFails(r, 3, f"ml-drift: error: 'b.profile': was made with {name} {value}, a.profile with "
                                   f"{default} (profile every part with the same options)")


class ImportedSketches(CliTest):
    def test_a_datasketches_sketch_becomes_an_approximate_reference(self):
        shutil.copy(os.path.join(KLL, "normal_100k_k200.sk"), self.path("age.sk"))
        r = self.run_tool("ml-drift", "profile", "import-kll", "--column", "age=age.sk", "--output", "ref.profile")
        self.assertEqual(r.code, 0, r)
        column = self.read_json("ref.profile")["columns"][0]
        self.assertEqual((column["name"], column["distribution"], column["count"]), ("age", "kll", 100000))
        rng = random.Random(3)
        write_csv(self.path("same.csv"), ["age"], [(rng.gauss(50, 10),) for _ in range(3000)])
        write_csv(self.path("moved.csv"), ["age"], [(rng.gauss(60, 10),) for _ in range(3000)])
        r = self.run_tool("ml-drift", "--reference-profile", "ref.profile", "--current", "moved.csv",
                          "--numeric-method", "ks", "--report", "moved.json")
        self.assertEqual(r.code, 1, r)
        moved = self.read_json("moved.json")["columns"][0]
        self.assertTrue(moved["approximate"])
        self.assertEqual(moved["verdict"], "drift")
        low, high = moved["statistic_interval"]
        self.assertLessEqual(low, moved["statistic"])
        self.assertLessEqual(moved["statistic"], high)
        self.assertAlmostEqual(high - low, 2 * 0.016515619085289819, places=9)  # the sketch's CDF error, each way
        # K = 200 knows the reference's CDF within 1.65 %: too coarse to call the same distribution
        # "no drift" at the default threshold (undecided), not too coarse for a looser one.
        r = self.run_tool("ml-drift", "--reference-profile", "ref.profile", "--current", "same.csv", "--report", "same.json")
        self.assertEqual(r.code, 1, r)
        same = self.read_json("same.json")["columns"][0]
        self.assertEqual((same["method"], same["verdict"]), ("wasserstein", "undecided"))
        r = self.run_tool("ml-drift", "--reference-profile", "ref.profile", "--current", "same.csv", "--threshold",
                          "wasserstein=0.25", "--report", "same.json")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(self.read_json("same.json")["columns"][0]["verdict"], "no drift")

    def test_add_to_a_profile_keeps_every_column_s_rows_adding_up(self):
        shutil.copy(os.path.join(KLL, "exact_150_k200.sk"), self.path("x.sk"))
        write_csv(self.path("ref.csv"), ["x", "y"], [(i % 7, "ab"[i % 2]) for i in range(50)])
        self.assertEqual(self.run_tool("ml-drift", "profile", "ref.csv", "--output", "ref.profile").code, 0)
        r = self.run_tool("ml-drift", "profile", "import-kll", "--column", "x=x.sk", "--add-to", "ref.profile",
                          "--output", "more.profile", "--report", "r.json")
        self.assertEqual(r.code, 0, r)
        report = self.read_json("r.json")
        self.assertEqual(report["rows"], 200)  # 150 more rows of x: y lacks them
        self.assertEqual([(c["name"], c["count"], c["missing"]) for c in report["columns"]],
                         [("x", 200, 0), ("y", 50, 150)])
        profile = self.read_json("more.profile")
        self.assertEqual(profile["rows"], 200)
        for column in profile["columns"]:
            self.assertEqual(column["count"] + column["missing"], profile["rows"], column["name"])
        r = self.run_tool("ml-drift", "profile", "import-kll", "--column", "x=x.sk", "--column", "x=x.sk",
                          "--output", "twice.profile")
        self.assertFails(r, 2, "ml-drift: error: --column x is given twice (one sketch per column and import)")

    def test_a_column_name_that_is_not_utf8_is_refused_by_name(self):
        # A profile is JSON: the name cannot be written as it is (the JSON library's own
        # exception text reached the user before).
        self.write("u.csv", b"x,\xffy\n1,2\n3,4\n")
        r = self.run_tool("ml-drift", "profile", "u.csv", "--output", "u.profile")
        self.assertFails(r, 3, "ml-drift: error: 'u.csv': column name \"\\xffy\" is not UTF-8, which a profile "
                               "cannot hold; rename it or --exclude it")
        self.assertFalse(os.path.exists(self.path("u.profile")))
        self.assertEqual(self.run_tool("ml-drift", "profile", "u.csv", "--output", "u.profile", "--exclude",
                                       "\udcffy").code, 0)
        r = self.run_tool("ml-drift", "profile", "import-kll", "--column", "a\udcff=x.bin", "--output", "p.profile")
        self.assertFails(r, 2, "ml-drift: error: --column \"a\\xff\": the name is not valid UTF-8")

    def test_a_value_that_is_not_utf8_is_refused_by_line_and_column(self):
        # Likewise a category value (the JSON library's exception text reached the user), also
        # in a column another thread profiles, many batches of rows into the file.
        self.write("u.csv", b"a,b\nx,1\n\xff,2\n")
        r = self.run_tool("ml-drift", "profile", "u.csv", "--output", "u.profile")
        self.assertFails(r, 3, "ml-drift: error: 'u.csv:3': column \"a\": \"\\xff\" is not UTF-8, which a profile "
                               "cannot hold; leave the column out with --exclude")
        self.assertFalse(os.path.exists(self.path("u.profile")))
        self.assertEqual(self.run_tool("ml-drift", "profile", "u.csv", "--output", "u.profile", "--exclude", "a").code, 0)
        rows = [b"%d,%d,c%d,d%d" % (i, i % 7, i % 5, i % 3) for i in range(20000)]
        rows[15000] = b"15000,1,c1,d\xfe"
        self.write("late.csv", b"w,x,y,z\n" + b"\n".join(rows) + b"\n")
        r = self.run_tool("ml-drift", "profile", "late.csv", "--output", "late.profile")
        self.assertFails(r, 3, "ml-drift: error: 'late.csv:15002': column \"z\": \"d\\xfe\" is not UTF-8, which a "
                               "profile cannot hold; leave the column out with --exclude")

    def test_a_variance_beyond_a_double_is_refused_by_column(self):
        # It was written as null, and the profile could not be read back ("m2 is missing").
        self.write("big.csv", b"x,y\n1e300,1\n-1e300,2\n5,3\n")
        r = self.run_tool("ml-drift", "profile", "big.csv", "--output", "big.profile")
        self.assertFails(r, 3, "ml-drift: error: 'big.csv': column \"x\": its variance is beyond a double's range "
                               "(values as large as 1e+300); profile it with --categorical or leave it out with --exclude")
        self.assertFalse(os.path.exists(self.path("big.profile")))
        self.assertEqual(self.run_tool("ml-drift", "profile", "big.csv", "--output", "big.profile", "--exclude", "x").code, 0)
        # Each profile alone is fine; their merge is not.
        self.write("hi.csv", b"x\n1e300\n1e300\n")
        self.write("lo.csv", b"x\n-1e300\n")
        for name in ("hi", "lo"):
            self.assertEqual(self.run_tool("ml-drift", "profile", name + ".csv", "--output", name + ".profile").code, 0)
        r = self.run_tool("ml-drift", "profile", "merge", "lo.profile", "hi.profile", "--output", "all.profile")
        self.assertEqual(r.code, 3, r.stderr)
        self.assertIn("column \"x\": its variance is beyond a double's range", r.stderr)
        self.assertFalse(os.path.exists(self.path("all.profile")))

    def test_bytes_that_are_not_a_kll_sketch_are_input_errors(self):
        self.write("bad.bin", "not a sketch at all")
        r = self.run_tool("ml-drift", "profile", "import-kll", "--column", "x=bad.bin", "--output", "p.profile")
        self.assertFails(r, 3, "ml-drift: error: 'bad.bin': not a DataSketches KLL doubles sketch: not a KLL sketch "
                               "(family 116, not 15)")


class FromTheRegistry(CliTest):
    """The profile published with the production version is the reference: no training data needed."""

    def test_publish_a_profile_and_compare_with_the_channel(self):
        write_csv(self.path("ref.csv"), ["x", "y"], [(i % 7, "ab"[i % 2]) for i in range(50)])
        write_csv(self.path("cur.csv"), ["x", "y"], [(i % 7, "ab"[i % 2]) for i in range(30)])
        self.assertEqual(self.run_tool("ml-drift", "profile", "ref.csv", "--output", "ref.profile").code, 0)
        self.write("model.bin", "weights")
        r = self.run_tool("ml-release", "publish", "--registry", "reg", "--model", "m", "--version", "1",
                          "--profile", "ref.profile", "model.bin")
        self.assertEqual(r.code, 0, r)
        r = self.run_tool("ml-release", "promote", "--registry", "reg", "--model", "m", "--version", "1",
                          "--channel", "production")
        self.assertEqual(r.code, 0, r)
        common = ["--reference-registry", "reg", "--model", "m", "--channel", "production", "--current", "cur.csv"]
        r = self.run_tool("ml-drift", *common, "--report", "r.json")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(self.read_json("r.json")["reference_profile"], "reg/m/versions/1/ref.profile")
        stored = self.path("reg/m/versions/1/ref.profile")
        os.chmod(stored, 0o644)
        with open(stored) as f:
            text = f.read()
        with open(stored, "w") as f:
            f.write(text.replace('"rows":50', '"rows":51'))
        r = self.run_tool("ml-drift", *common)
        self.assertFails(r, 5, "ml-drift: error: 'reg/m/versions/1/ref.profile': differs from the manifest's SHA-256")

    def test_usage_errors_name_the_reference_option_given(self):
        registry = ["--reference-registry", "reg", "--model", "m", "--channel", "production"]
        r = self.run_tool("ml-drift", *registry, "--reference", "ref.csv", "--current", "cur.csv")
        self.assertFails(r, 2, "ml-drift: error: give --reference or --reference-registry, not both")
        r = self.run_tool("ml-drift", *registry)
        self.assertFails(r, 2, "ml-drift: error: give --current CUR.csv or --current-profile CUR.profile with "
                               "--reference-registry")
        r = self.run_tool("ml-drift", *registry, "--current", "cur.csv", "--html", "r.html")
        self.assertFails(r, 2, "ml-drift: error: --html does not go with --reference-registry")
        r = self.run_tool("ml-drift", "--reference-profile", "ref.profile", "--reference", "ref.csv", "--current", "c.csv")
        self.assertFails(r, 2, "ml-drift: error: give --reference or --reference-profile, not both")

    def test_publish_checks_the_profile_first(self):
        self.write("bad.profile", "{\"format\": ")
        r = self.run_tool("ml-release", "publish", "--registry", "reg", "--model", "m", "--version", "1",
                          "--profile", "bad.profile")
        self.assertFails(r, 5, "ml-release: error: 'bad.profile': not a complete profile: the JSON is truncated or "
                               "damaged")


class Undecided(CliTest):
    """The sketch's error leaves the verdict open: --on-undecided decides the exit code."""

    def test_on_undecided(self):
        rng = random.Random(684)
        write_csv(self.path("ref.csv"), ["v"], [(rng.gauss(0, 1),) for _ in range(60000)])
        write_csv(self.path("cur.csv"), ["v"], [(rng.gauss(0.012, 1),) for _ in range(60000)])
        r = self.run_tool("ml-drift", "profile", "ref.csv", "--output", "ref.profile", "--max-exact", "1000")
        self.assertEqual(r.code, 0, r)
        common = ["--reference-profile", "ref.profile", "--current", "cur.csv", "--numeric-method", "ks"]
        r = self.run_tool("ml-drift", *common, "--report", "r.json")
        report = self.read_json("r.json")
        self.assertEqual(report["columns"][0]["verdict"], "undecided", report)
        self.assertEqual(report["dataset"]["verdict"], "undecided")
        self.assertEqual(r.code, 1, r)  # the default: drift
        self.assertEqual(self.run_tool("ml-drift", *common, "--on-undecided", "pass").code, 0)
        r = self.run_tool("ml-drift", *common, "--on-undecided", "error", "--report", "e.json")
        self.assertFails(r, 3, "ml-drift: error: 'ref.profile': undecided: 1 columns' intervals span their thresholds "
                               "(--on-undecided error)")
        self.assertRegex(r.stdout, r"(?m)^UNDEC v: ")  # the column lines, as the other modes print them
        self.assertEqual(self.read_json("e.json")["columns"][0]["verdict"], "undecided")
        r = self.run_tool("ml-drift", *common, "--on-undecided", "maybe")
        self.assertFails(r, 2, 'ml-drift: error: --on-undecided must be drift, pass or error, not "maybe"')


if __name__ == "__main__":
    unittest.main()
