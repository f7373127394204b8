"""ml-drift on Parquet: the report on each Parquet pair equals the report on the same data
as CSV (fixtures by DuckDB and parquet-wasm, tests/cli/parquet_fixtures.mjs, written at
test time), and every bad file exits 3 with the exact error line."""
import json
import math
import os
import shutil
import struct
import subprocess
import tempfile
import unittest
import zlib

import parquet_bytes as pq
from lean_cli import SOURCE_DIR, CliTest

PAIRS = ["duckdb_uncompressed", "duckdb_snappy", "duckdb_gzip", "duckdb_zstd", "duckdb_lz4", "duckdb_brotli", "duckdb_v2",
         "duckdb_small_groups", "wasm_v1_plain", "wasm_v2_delta", "wasm_v2_delta_length", "wasm_dictionary_fallback",
         "wasm_brotli_lz4"]
FIXTURES = None


def setUpModule():
    global FIXTURES
    FIXTURES = tempfile.mkdtemp(prefix="lean-parquet-")
    subprocess.run(["node", os.path.join(SOURCE_DIR, "tests", "cli", "parquet_fixtures.mjs"), FIXTURES], check=True,
                   capture_output=True, timeout=300)


def tearDownModule():
    shutil.rmtree(FIXTURES, ignore_errors=True)


def without_paths(report):
    report = dict(report)
    report.pop("reference")
    report.pop("current")
    return report


class ParquetEqualsCsv(CliTest):
    def drift(self, reference, current, *args):
        r = self.run_tool("ml-drift", "--reference", reference, "--current", current, "--report", "report.json", *args)
        self.assertIn(r.code, (0, 1), r)
        self.assertEqual(r.stderr, "")
        return without_paths(self.read_json("report.json")), r.stdout.replace(reference, "REF").replace(current, "CUR")

    def check_pair(self, ref_parquet, cur_parquet, ref_csv, cur_csv, *args):
        parquet_report, parquet_out = self.drift(ref_parquet, cur_parquet, *args)
        csv_report, csv_out = self.drift(ref_csv, cur_csv, *args)
        self.assertEqual(parquet_report, csv_report)
        self.assertEqual(parquet_out, csv_out)
        return parquet_report

    def test_every_fixture_pair(self):
        for name in PAIRS:
            with self.subTest(pair=name):
                base = os.path.join(FIXTURES, name)
                report = self.check_pair(base + ".ref.parquet", base + ".cur.parquet", base + ".ref.csv", base + ".cur.csv")
                self.assertGreaterEqual(len(report["columns"]), 11)

    def test_partitioned_folder_is_one_table_with_partition_columns(self):
        base = os.path.join(FIXTURES, "duckdb_partitioned")
        report = self.check_pair(base + ".ref", base + ".cur", base + ".ref.csv", base + ".cur.csv")
        kinds = {c["name"]: c["type"] for c in report["columns"]}
        self.assertEqual((kinds["year"], kinds["region"]), ("numeric", "categorical"))
        self.assertEqual(report["rows"], {"reference": 2000, "current": 2000})

    def test_projection_threads_and_kind_options(self):
        base = os.path.join(FIXTURES, "duckdb_snappy")
        for args in (["--columns", "f64,cat", "--threads", "1"], ["--threads", "4"], ["--categorical", "i32,flag"],
                     ["--exclude", "maybe,ts_ms"]):
            with self.subTest(args=args):
                self.check_pair(base + ".ref.parquet", base + ".cur.parquet", base + ".ref.csv", base + ".cur.csv", *args)

    def test_a_list_or_a_pattern_of_files_is_one_table(self):
        first, second = (os.path.join(FIXTURES, name) for name in ("duckdb_snappy.ref", "duckdb_gzip.cur"))
        with open(first + ".csv") as a, open(second + ".csv") as b:
            self.write("both.csv", a.read() + "".join(b.readlines()[1:]))
        os.makedirs(self.path("parts"))
        shutil.copy(first + ".parquet", self.path("parts/part-0.parquet"))
        shutil.copy(second + ".parquet", self.path("parts/part-1.parquet"))
        cur = os.path.join(FIXTURES, "duckdb_zstd.cur")
        for reference in (f"{first}.parquet,{second}.parquet", "parts/part-*.parquet"):
            with self.subTest(reference=reference):
                parquet_report, _ = self.drift(reference, cur + ".parquet")
                csv_report, _ = self.drift("both.csv", cur + ".csv")
                self.assertEqual(parquet_report, csv_report)
                self.assertEqual(parquet_report["rows"]["reference"], 6000)

    def test_a_bad_entry_of_a_list_is_named_alone(self):
        good = os.path.join(FIXTURES, "duckdb_snappy.ref.parquet")
        cur = os.path.join(FIXTURES, "duckdb_snappy.cur.parquet")
        self.write("notes.csv", "a,b\n1,2\n")
        os.makedirs(self.path("folder"))
        for reference, line in (
                (f"{good},missing.parquet", "'missing.parquet': cannot open: No such file or directory"),
                (f"{good},notes.csv", "'notes.csv': not a Parquet file, in a list of Parquet files"),
                (f"{good},nothing-*.parquet", "'nothing-*.parquet': no file matches the pattern, in a list of Parquet files"),
                (f"{good},folder", "'folder': is a directory, in a list of Parquet files (give the folder alone)")):
            with self.subTest(reference=reference):
                r = self.run_tool("ml-drift", "--reference", reference, "--current", cur, "--no-ci")
                self.assertFails(r, 3, f"ml-drift: error: {line}")

    def test_an_empty_folder_says_it_is_empty(self):
        os.makedirs(self.path("empty/_temporary"))
        self.write("empty/_SUCCESS", "")
        cur = os.path.join(FIXTURES, "duckdb_snappy.cur.parquet")
        r = self.run_tool("ml-drift", "--reference", "empty", "--current", cur, "--no-ci")
        self.assertFails(r, 3, "ml-drift: error: 'empty': is an empty folder: neither a CSV file nor a Parquet dataset "
                               "(no .parquet file in it)")

    def test_parquet_against_csv(self):
        base = os.path.join(FIXTURES, "wasm_v1_plain")
        parquet_report, _ = self.drift(base + ".ref.parquet", base + ".cur.csv")
        csv_report, _ = self.drift(base + ".ref.csv", base + ".cur.csv")
        self.assertEqual(parquet_report, csv_report)

    def test_types_no_npm_writer_produces(self):
        # INT96 timestamps (nanoseconds in the day + Julian day) and FIXED_LEN_BYTE_ARRAY
        # decimals (big-endian two's complement), with nulls, by the minimal writer.
        def int96(seconds):
            days, rest = divmod(seconds, 86400)
            return struct.pack("<qI", rest * 10**9, days + 2440588)

        def flba(unscaled):
            return unscaled.to_bytes(16, "big", signed=True)

        for side, shift in (("ref", 0), ("cur", 3)):
            seconds = [1_700_000_000 + 37 * i * (i % 5 + shift) for i in range(40)]
            decimals = [(i * 7919 + shift * 13) % 100000 - 50000 for i in range(40)]
            levels = [0 if i % 9 == 4 else 1 for i in range(40)]
            ts_body = pq.optional_levels(levels) + b"".join(int96(s) for s, l in zip(seconds, levels) if l)
            self.write(f"ts.{side}.parquet", pq.parquet_file("ts", 3, [pq.page(0, ts_body, 40)], 40, optional=True))
            self.write(f"ts.{side}.csv", "ts\n" + "".join(f"{s}\n" if l else "NA\n" for s, l in zip(seconds, levels)))
            dec_body = b"".join(flba(d) for d in decimals)
            self.write(f"dec.{side}.parquet", pq.parquet_file("dec", 7, [pq.page(0, dec_body, 40)], 40, type_length=16,
                                                               converted=5, scale=3, precision=30))
            self.write(f"dec.{side}.csv", "dec\n" + "".join(f"{'-' if d < 0 else ''}{abs(d) // 1000}.{abs(d) % 1000:03d}\n"
                                                              for d in decimals))
        for name in ("ts", "dec"):
            with self.subTest(name=name):
                self.check_pair(f"{name}.ref.parquet", f"{name}.cur.parquet", f"{name}.ref.csv", f"{name}.cur.csv")


    def test_doubles_at_the_edges_of_the_decimal_conversion(self):
        # A DOUBLE that is a short decimal is kept as one (ColumnSink's fast path): NaN and
        # infinities (missing), -0.0, magnitudes around 2^51 and 2^53 where the rounding
        # changes method, scales past the last tried (1e-9), doubles that are no short
        # decimal (0.1 + 0.2), and scales that change mid-page, over more values than one
        # conversion block. Each must give the CSV path's report.
        special = [float("nan"), float("inf"), -float("inf"), -0.0, 0.0, 2.0**51 - 1, 2.0**51, 2.0**51 + 1,
                   -(2.0**51 + 3), 2.0**52 + 1, 2.0**53, 2.0**53 + 2, 1e300, -1e300, 5e-324, 1e-9, 0.1 + 0.2,
                   0.1, -7.125, 123456789.12345678, 1e15 + 0.5, 4503599627370495.5, 12.3456, 1.5, 2.5, -2.5]
        for side, shift in (("ref", 0), ("cur", 0.25)):
            values = []
            for i in range(9000):
                if i % 97 == 0:
                    values.append(special[(i // 97) % len(special)])
                elif i % 89 == 0:
                    values.append(round(i / 13 + shift, 6))  # scale 6, kept for the values after it
                elif i % 3 == 0:
                    values.append(round((i % 1000) / 7 + shift, 4))  # scale 4
                elif i % 3 == 1:
                    values.append(round((i % 500) / 3 - shift, 1))  # scale 1, then back to 4
                else:
                    values.append(float(i % 250) - shift)
            body = b"".join(struct.pack("<d", v) for v in values)
            self.write(f"{side}.parquet", pq.parquet_file("x", 5, [pq.page(0, body, len(values))], len(values)))
            self.write(f"{side}.csv", "x\n" + "".join(f"{v!r}\n" if math.isfinite(v) else "NaN\n" for v in values))
        report = self.check_pair("ref.parquet", "cur.parquet", "ref.csv", "cur.csv")
        self.assertEqual(report["columns"][0]["type"], "numeric")
        self.assertEqual(report["columns"][0]["missing_ref"], sum(not math.isfinite(v) for v in values))

    def test_empty_row_groups(self):
        for side, values in (("ref", [[1, 2, 3], [], [4, 5], []]), ("cur", [[], [2, 3, 4, 5, 6, 7], [], [9]])):
            groups = [([pq.page(0, pq.plain_int32(v), len(v))] if v else [], len(v)) for v in values]
            self.write(f"{side}.parquet", pq.parquet_file_groups("x", 1, groups))
            self.write(f"{side}.csv", "x\n" + "".join(f"{x}\n" for v in values for x in v))
        report = self.check_pair("ref.parquet", "cur.parquet", "ref.csv", "cur.csv")
        self.assertEqual(report["rows"], {"reference": 5, "current": 7})

    def test_a_file_of_only_empty_row_groups_has_no_rows(self):
        self.write("empty.parquet", pq.parquet_file_groups("x", 1, [([], 0), ([], 0)]))
        self.write("cur.csv", "x\n1\n")
        r = self.run_tool("ml-drift", "--reference", "empty.parquet", "--current", "cur.csv")
        self.assertFails(r, 3, "ml-drift: error: 'empty.parquet': no data rows, only a header")


class BadFiles(CliTest):
    """Each defect: exit 3 and one exact line naming the file (and row group and column)."""

    def setUp(self):
        super().setUp()
        self.good = pq.parquet_file("x", 1, [pq.page(0, pq.plain_int32([1, 2, 3, 4, 5]), 5)], 5)
        self.write("cur.csv", "x\n1\n2\n3\n")

    def check(self, content, message):
        self.write("bad.parquet", content)
        r = self.run_tool("ml-drift", "--reference", "bad.parquet", "--current", "cur.csv", "--report", "report.json")
        self.assertFails(r, 3, f"ml-drift: error: 'bad.parquet': {message}")
        self.assertEqual(self.read_json("report.json")["exit_code"], 3)

    def footer(self):
        length = struct.unpack("<I", self.good[-8:-4])[0]
        return self.good[-8 - length:-8]

    def test_the_good_file_reads(self):
        self.write("good.parquet", self.good)
        r = self.run_tool("ml-drift", "--reference", "good.parquet", "--current", "cur.csv")
        self.assertEqual(r.code, 0, r)

    def test_truncated_file(self):
        self.check(self.good[:-5], "not a complete Parquet file: it does not end with the magic bytes PAR1")

    def test_truncated_footer(self):
        footer = self.footer()[:20]
        self.check(self.good[:-8 - len(self.footer())] + footer + struct.pack("<I", len(footer)) + b"PAR1",
                   "footer: corrupt Thrift: ends early")

    def test_wrong_magic_at_the_start(self):
        self.check(b"PARX" + self.good[4:], "not a Parquet file: it does not start with the magic bytes PAR1")

    def test_wrong_magic_at_the_end(self):
        self.check(self.good[:-4] + b"PARX", "not a complete Parquet file: it does not end with the magic bytes PAR1")

    def test_too_short(self):
        self.check(b"PAR1PAR1", "not a complete Parquet file: 8 bytes, too short for its magic bytes and footer")

    def test_footer_length_outside_the_file(self):
        self.check(self.good[:-8] + struct.pack("<I", 1_000_000) + b"PAR1",
                   f"the footer length 1000000 points outside the file ({len(self.good)} bytes)")

    def test_corrupt_thrift(self):
        start = len(self.good) - 8 - len(self.footer())
        self.check(self.good[:start] + b"\x1d" + self.good[start + 1:], "footer: corrupt Thrift: unknown field type 13")

    def test_page_decompressing_to_the_wrong_size(self):
        body = pq.plain_int32([1, 2, 3, 4, 5])
        self.check(pq.parquet_file("x", 1, [pq.page(0, body, 5, uncompressed=23)], 5),
                   'row group 0, column "x": page at byte 4: UNCOMPRESSED page decompresses to 20 bytes, its header says 23 bytes')
        self.check(pq.parquet_file("x", 1, [pq.page(0, zlib.compress(body), 5, uncompressed=23)], 5, codec=2),
                   'row group 0, column "x": page at byte 4: GZIP page decompresses to 20 bytes, its header says 23 bytes')

    def test_dictionary_index_out_of_range(self):
        dictionary = pq.page(2, pq.plain_int32([10, 20]), 2)
        indices = pq.page(0, b"\x02" + pq.rle_run(3, 5), 5, encoding=8)
        self.check(pq.parquet_file("x", 1, [dictionary, indices], 5, dictionary=True),
                   f'row group 0, column "x": page at byte {4 + len(dictionary)}: dictionary index 3 out of range '
                   '(the dictionary has 2 values)')

    def test_dictionary_page_missing(self):
        self.check(pq.parquet_file("x", 1, [pq.page(0, b"\x02" + pq.rle_run(1, 5), 5, encoding=8)], 5),
                   'row group 0, column "x": page at byte 4: a dictionary-encoded page without a dictionary page')

    def test_definition_level_above_the_maximum(self):
        runs = pq.rle_run(2, 5)
        body = struct.pack("<I", len(runs)) + runs + pq.plain_int32([1, 2, 3, 4, 5])
        self.check(pq.parquet_file("x", 1, [pq.page(0, body, 5)], 5, optional=True),
                   'row group 0, column "x": page at byte 4: definition level 2 above the maximum 1')

    def test_column_chunk_outside_the_file(self):
        content = pq.parquet_file("x", 1, [pq.page(0, pq.plain_int32([1, 2, 3, 4, 5]), 5)], 5, chunk_offset=1_000_000)
        data_end = len(content) - 8 - struct.unpack("<I", content[-8:-4])[0]
        self.check(content, f'row group 0, column "x": the column chunk ({data_end - 4} bytes at byte 1000000) lies outside '
                            f"the file's data (bytes 4 to {data_end})")

    def test_text_where_the_reference_is_numeric(self):
        self.write("ref.parquet", self.good)
        text = b"".join(struct.pack("<I", len(v)) + v for v in (b"abc", b"d"))
        self.write("cur.parquet", pq.parquet_file("x", 6, [pq.page(0, text, 2)], 2, converted=0))
        r = self.run_tool("ml-drift", "--reference", "ref.parquet", "--current", "cur.parquet")
        self.assertFails(r, 3, "ml-drift: error: 'cur.parquet': column \"x\": \"abc\" is not a number, "
                               "but the reference column is numeric")

    def test_unsupported_codec(self):
        self.check(pq.parquet_file("x", 1, [pq.page(0, b"\x00" * 20, 5)], 5, codec=3),
                   'row group 0, column "x": page at byte 4: compression codec LZO is not supported')

    def test_nested_column(self):
        footer = pq.thrift_struct([(1, pq.I32, 1), (2, pq.LIST, (pq.STRUCT, [
            [(4, pq.BINARY, "schema"), (5, pq.I32, 1)],
            [(3, pq.I32, 1), (4, pq.BINARY, "address"), (5, pq.I32, 1)],
            [(1, pq.I32, 6), (3, pq.I32, 1), (4, pq.BINARY, "city")]])), (3, pq.I64, 0)])
        self.write("bad.parquet", b"PAR1" + footer + struct.pack("<I", len(footer)) + b"PAR1")
        r = self.run_tool("ml-drift", "--reference", "bad.parquet", "--current", "bad.parquet")
        self.assertFails(r, 3, "ml-drift: error: 'bad.parquet': column \"address\" is nested (a group of 1 fields): "
                               "only flat schemas are supported; --exclude it to compare the other columns")

    def test_a_group_claiming_more_fields_than_the_schema_has(self):
        footer = pq.thrift_struct([(1, pq.I32, 1), (2, pq.LIST, (pq.STRUCT, [
            [(4, pq.BINARY, "schema"), (5, pq.I32, 1)],
            [(3, pq.I32, 1), (4, pq.BINARY, "address"), (5, pq.I32, 3)],
            [(1, pq.I32, 6), (3, pq.I32, 1), (4, pq.BINARY, "city")]])), (3, pq.I64, 0)])
        self.check(b"PAR1" + footer + struct.pack("<I", len(footer)) + b"PAR1",
                   "footer: corrupt metadata: the schema's groups claim more fields than it has")


class NestedColumns(CliTest):
    """DuckDB's file with a STRUCT, a LIST and a MAP column among the flat ones: those are
    left out with --exclude or --columns, and the rest gives the report of the flat CSV."""
    NESTED = ("address", "tags", "attrs")

    def pair(self, suffix):
        base = os.path.join(FIXTURES, "duckdb_nested")
        return base + ".ref" + suffix, base + ".cur" + suffix

    def report(self, reference, current, *args):
        r = self.run_tool("ml-drift", "--reference", reference, "--current", current, "--report", "report.json", *args)
        self.assertIn(r.code, (0, 1), r)
        self.assertEqual(r.stderr, "")
        report = without_paths(self.read_json("report.json"))
        report.pop("excluded_columns", None)
        report.pop("selected_columns", None)
        return report

    def test_excluding_the_nested_columns_gives_the_flat_csv_report(self):
        expected = self.report(*self.pair(".csv"))
        self.assertEqual(self.report(*self.pair(".parquet"), "--exclude", ",".join(self.NESTED)), expected)
        self.assertEqual(len(expected["columns"]), 12)

    def test_selecting_flat_columns_reads_past_the_nested_ones(self):
        expected = self.report(*self.pair(".csv"), "--columns", "i32,maybe,u16")
        self.assertEqual(self.report(*self.pair(".parquet"), "--columns", "i32,maybe,u16"), expected)

    def test_a_compared_nested_column_is_an_error_naming_it(self):
        reference, current = self.pair(".parquet")
        r = self.run_tool("ml-drift", "--reference", reference, "--current", current, "--exclude", "address")
        self.assertFails(r, 3, f"ml-drift: error: '{reference}': column \"tags\" is nested (a group of 1 fields): "
                               "only flat schemas are supported; --exclude it to compare the other columns")
        r = self.run_tool("ml-drift", "--reference", reference, "--current", current)
        self.assertFails(r, 3, f"ml-drift: error: '{reference}': column \"address\" is nested (a group of 2 fields): "
                               "only flat schemas are supported; --exclude it to compare the other columns")

    def test_the_readers_that_take_rows_refuse_the_file(self):
        reference, _ = self.pair(".parquet")
        r = self.run_tool("ml-drift", "schema", "--reference", reference, "--output", "schema.json")
        self.assertFails(r, 3, f"ml-drift: error: '{reference}': column \"address\" is nested (a group of 2 fields): "
                               "only flat schemas are supported")


if __name__ == "__main__":
    unittest.main()
