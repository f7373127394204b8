"""ml-drift schema --reference-profile: the data-quality schema derived from a reference
profile equals the one derived from the data (but for what a profile cannot hold: row
hashes, so duplicate_share 0 and no unique column), and gates the current data alike."""
import json
import random
import unittest

from lean_cli import CliTest


class SchemaFromProfile(CliTest):
    def setUp(self):
        super().setUp()
        rng = random.Random(7)
        rows = ["id,age,income,city,flag,const"]
        for i in range(3000):
            income = "" if i % 17 == 0 else f"{rng.gauss(50000, 9000):.2f}"
            rows.append(f"{i},{rng.randint(18, 90)},{income},{rng.choice(['Berlin', 'Lagos', 'Paris', 'Tokyo'])},"
                        f"{rng.choice(['yes', 'no'])},same")
        self.write("ref.csv", "\n".join(rows) + "\n")

    def schemas(self, *args):
        r = self.run_tool("ml-drift", "schema", "--reference", "ref.csv", "--output", "raw.json", *args, "--no-ci")
        self.assertEqual(r.code, 0, r)
        r = self.run_tool("ml-drift", "profile", "ref.csv", "--output", "ref.profile", "--no-ci")
        self.assertEqual(r.code, 0, r)
        r = self.run_tool("ml-drift", "schema", "--reference-profile", "ref.profile", "--output", "from-profile.json",
                          *args, "--no-ci")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.stdout, "ml-drift: schema of 6 columns written to from-profile.json\n")
        return self.read_json("raw.json"), self.read_json("from-profile.json")

    def test_the_schema_of_a_profile_is_the_schema_of_its_data(self):
        for args in ((), ("--max-categories", "3")):
            with self.subTest(args=args):
                raw, derived = self.schemas(*args)
                self.assertEqual(derived["duplicate_share"], 0)
                self.assertTrue(all(c["unique"] is False for c in derived["columns"]))
                raw["duplicate_share"] = 0
                for column in raw["columns"]:
                    column["unique"] = False
                self.assertEqual(derived, raw)

    def test_it_gates_the_current_data(self):
        self.schemas()
        self.write("cur.csv", "id,age,income,city,flag,const\n1,200,1,Rome,yes,same\n2,30,2,Paris,no,same\n")
        r = self.run_tool("ml-drift", "--schema", "from-profile.json", "--current", "cur.csv", "--report", "r.json",
                          "--no-ci")
        self.assertEqual(r.code, 1, r)
        failed = {(f["check"], f["column"]) for f in self.read_json("r.json")["quality"] if not f["passed"]}
        self.assertIn(("range", "age"), failed)
        self.assertIn(("categories", "city"), failed)

    def test_bad_uses(self):
        self.write("ref.profile", "not a profile")
        r = self.run_tool("ml-drift", "schema", "--reference", "ref.csv", "--reference-profile", "ref.profile",
                          "--output", "s.json", "--no-ci")
        self.assertFails(r, 2, "ml-drift: error: give --reference or --reference-profile, not both")
        r = self.run_tool("ml-drift", "schema", "--output", "s.json", "--no-ci")
        self.assertFails(r, 2, "ml-drift: error: ml-drift schema needs --reference REF.csv (or --reference-profile "
                               "REF.profile) and --output SCHEMA.json")


if __name__ == "__main__":
    unittest.main()
