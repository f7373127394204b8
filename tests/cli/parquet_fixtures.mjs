// Writes the Parquet fixtures of tests/cli/test_drift_parquet.py into OUTDIR, each beside
// the same data as CSV, by two independent writers pinned in package-lock.json: DuckDB
// (@duckdb/node-api) and the Rust `parquet` crate of Apache Arrow (parquet-wasm, fed
// Arrow tables from apache-arrow). A pair NAME is NAME.ref.{parquet,csv} and
// NAME.cur.{parquet,csv} (a folder NAME.ref/ for a dataset); the CSV holds each value as
// ml-drift reads the Parquet one: dates in days, times and timestamps in seconds.
//
//   node tests/cli/parquet_fixtures.mjs OUTDIR
//   PARQUET_FIXTURE_ROWS=40 node tests/cli/parquet_fixtures.mjs OUTDIR   (the seeds of tests/fuzz/corpus/parquet)
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import * as arrow from 'apache-arrow';
import * as pw from 'parquet-wasm';

const out = process.argv[2];
mkdirSync(out, { recursive: true });

// Deterministic data (a 32-bit LCG), current slightly shifted from reference.
function rows(count, seed, shift) {
  count = Number(process.env.PARQUET_FIXTURE_ROWS) || count;  // small files: the fuzz seeds
  let state = seed >>> 0;
  const next = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const normal = () => Math.sqrt(-2 * Math.log(next() + 1e-12)) * Math.cos(2 * Math.PI * next());
  const cats = ['alpha', 'beta', 'gamma', 'delta', 'epsilon'];
  const data = [];
  for (let i = 0; i < count; i++) {
    const ms = 1_700_000_000_000 + Math.floor(next() * 86_400_000 * 30) + shift * 1000;
    data.push({
      i32: Math.floor(next() * 2000) - 1000 + shift,
      i64: 1_000_000_000_000 + Math.floor(next() * 1_000_000) + shift,
      f64: normal() + shift / 10,
      f32: Math.fround(normal() * 3 + shift / 10),
      cat: next() < 0.05 ? null : cats[Math.min(4, Math.floor(next() * (5 + shift / 50)))],
      flag: next() < 0.3 + shift / 100,
      dec: (Math.floor(next() * 2_000_000) - 1_000_000 + shift * 100) / 100,  // 2 decimals
      day: 19_000 + Math.floor(next() * 400) + shift,
      ts_ms: ms,
      tod_us: Math.floor(next() * 86_400_000_000),
      maybe: next() < 0.1 ? null : Math.round(normal() * 1000) / 8,
      u16: Math.floor(next() * 65536),
    });
  }
  return data;
}

const decimalText = (unscaled, scale) => {  // exact text of unscaled / 10^scale
  const negative = unscaled < 0n;
  let digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  if (scale > 0) digits = digits.slice(0, digits.length - scale) + '.' + digits.slice(digits.length - scale);
  return (negative ? '-' : '') + digits;
};
const columns = ['i32', 'i64', 'f64', 'f32', 'cat', 'flag', 'dec', 'day', 'ts_ms', 'tod_us', 'maybe', 'u16'];
const cell = {
  dec: (v) => decimalText(BigInt(Math.round(v * 100)), 2),
  ts_ms: (v) => decimalText(BigInt(v), 3),
  tod_us: (v) => decimalText(BigInt(v), 6),
  flag: (v) => (v ? 'true' : 'false'),
};
function csv(data, names = columns) {
  const lines = [names.join(',')];
  for (const row of data) lines.push(names.map((c) => (row[c] === null ? '' : (cell[c] ?? String)(row[c]))).join(','));
  return lines.join('\n') + '\n';
}

// --- DuckDB: every codec, data page v1 and v2 (with its DELTA and BYTE_STREAM_SPLIT
// encodings), many small row groups, empty row groups, a Hive-partitioned folder.
const db = await (await DuckDBInstance.create(':memory:')).connect();
const typed = (file) => `SELECT i32::INTEGER AS i32, i64::BIGINT AS i64, f64::DOUBLE AS f64, f32::FLOAT AS f32,
  NULLIF(cat, '') AS cat, flag::BOOLEAN AS flag, dec::DECIMAL(9,2) AS dec, DATE '1970-01-01' + day::INTEGER AS day,
  epoch_ms((ts_ms::DECIMAL(18,3) * 1000)::BIGINT)::TIMESTAMP_MS AS ts_ms,
  TIME '00:00:00' + to_microseconds((tod_us::DECIMAL(18,6) * 1000000)::BIGINT) AS tod_us,
  NULLIF(maybe, '')::DOUBLE AS maybe, u16::USMALLINT AS u16
  FROM read_csv('${file}', all_varchar = true, header = true)`;
async function duckdbPair(name, count, options, seed = 1) {
  for (const [side, shift] of [['ref', 0], ['cur', 5]]) {
    const base = join(out, `${name}.${side}`);
    writeFileSync(`${base}.csv`, csv(rows(count, seed + shift, shift)));
    await db.run(`COPY (${typed(base + '.csv')}) TO '${base}.parquet' (FORMAT parquet, ${options})`);
  }
}
for (const codec of ['uncompressed', 'snappy', 'gzip', 'zstd', 'lz4', 'brotli']) {
  await duckdbPair(`duckdb_${codec}`, 3000, `COMPRESSION ${codec}`);
}
await duckdbPair('duckdb_v2', 3000, "COMPRESSION zstd, PARQUET_VERSION V2");
await duckdbPair('duckdb_small_groups', 5000, 'COMPRESSION snappy, ROW_GROUP_SIZE 100');
for (const [side, shift] of [['ref', 0], ['cur', 5]]) {
  const base = join(out, `duckdb_partitioned.${side}`);
  rmSync(base, { recursive: true, force: true });
  const data = rows(2000, 7 + shift, shift).map((row, i) => ({ ...row, year: 2024 + (i % 3), region: ['eu', 'us'][i % 2] }));
  writeFileSync(`${base}.csv`, csv(data, [...columns, 'year', 'region']));
  await db.run(`CREATE OR REPLACE TABLE part AS SELECT * FROM read_csv('${base}.csv', all_varchar = true, header = true)`);
  const select = typed('').replace(/\s+FROM read_csv\([^)]*\)/, ', year::INTEGER AS year, region FROM part');
  await db.run(`COPY (${select}) TO '${base}' (FORMAT parquet, PARTITION_BY (year, region), COMPRESSION snappy)`);
}

// Nested columns beside the flat ones (a STRUCT, a LIST, a MAP), in the middle of the file:
// they cannot be compared, and excluding them must leave a pair equal to the flat CSV.
for (const [side, shift] of [['ref', 0], ['cur', 5]]) {
  const base = join(out, `duckdb_nested.${side}`);
  writeFileSync(`${base}.csv`, csv(rows(1500, 11 + shift, shift)));
  const select = typed(base + '.csv').replace(' AS flag,', ` AS flag,
    {'city': cat, 'zip': i32} AS address, [i32, u16] AS tags, MAP {'k': f64} AS attrs,`);
  await db.run(`COPY (${select}) TO '${base}.parquet' (FORMAT parquet, COMPRESSION snappy)`);
}

// --- parquet-wasm (arrow-rs): data page v1/v2, chosen encodings, LZ4_RAW, dictionary
// fallback to plain mid-column, unsigned integers, timestamps in microseconds.
function arrowTable(data) {
  const col = (name) => data.map((r) => r[name]);
  return arrow.tableFromArrays({
    i32: arrow.vectorFromArray(col('i32'), new arrow.Int32()),
    i64: arrow.vectorFromArray(col('i64').map(BigInt), new arrow.Int64()),
    f64: arrow.vectorFromArray(col('f64'), new arrow.Float64()),
    f32: arrow.vectorFromArray(col('f32'), new arrow.Float32()),
    cat: arrow.vectorFromArray(col('cat'), new arrow.Utf8()),
    flag: arrow.vectorFromArray(col('flag'), new arrow.Bool()),
    day: arrow.vectorFromArray(col('day').map((d) => new Date(d * 86_400_000)), new arrow.DateDay()),
    ts_ms: arrow.vectorFromArray(col('ts_ms'), new arrow.TimestampMicrosecond()),  // given in ms
    tod_us: arrow.vectorFromArray(col('tod_us').map(BigInt), new arrow.TimeMicrosecond()),
    maybe: arrow.vectorFromArray(col('maybe'), new arrow.Float64()),
    u16: arrow.vectorFromArray(col('u16'), new arrow.Uint16()),
  });
}
const wasmColumns = columns.filter((c) => c !== 'dec');
function wasmPair(name, count, configure) {
  for (const [side, shift] of [['ref', 0], ['cur', 5]]) {
    const base = join(out, `${name}.${side}`);
    const data = rows(count, 11 + shift, shift);
    writeFileSync(`${base}.csv`, csv(data, wasmColumns));
    const table = pw.Table.fromIPCStream(arrow.tableToIPC(arrowTable(data), 'stream'));
    const props = configure(new pw.WriterPropertiesBuilder()).build();
    writeFileSync(`${base}.parquet`, pw.writeParquet(table, props));
  }
}
const E = pw.Encoding;
wasmPair('wasm_v1_plain', 3000, (b) => b.setDictionaryEnabled(false).setCompression(pw.Compression.SNAPPY));
wasmPair('wasm_v2_delta', 3000, (b) =>
  b.setWriterVersion(pw.WriterVersion.V2).setDictionaryEnabled(false).setCompression(pw.Compression.LZ4_RAW)
    .setColumnEncoding('i32', E.DELTA_BINARY_PACKED).setColumnEncoding('i64', E.DELTA_BINARY_PACKED)
    .setColumnEncoding('day', E.DELTA_BINARY_PACKED).setColumnEncoding('ts_ms', E.DELTA_BINARY_PACKED)
    .setColumnEncoding('cat', E.DELTA_BYTE_ARRAY).setColumnEncoding('flag', E.RLE)
    .setColumnEncoding('f64', E.BYTE_STREAM_SPLIT).setColumnEncoding('f32', E.BYTE_STREAM_SPLIT)
    .setColumnEncoding('maybe', E.BYTE_STREAM_SPLIT).setColumnEncoding('tod_us', E.DELTA_BINARY_PACKED));
wasmPair('wasm_v2_delta_length', 3000, (b) =>
  b.setWriterVersion(pw.WriterVersion.V2).setDictionaryEnabled(false).setCompression(pw.Compression.GZIP)
    .setColumnEncoding('cat', E.DELTA_LENGTH_BYTE_ARRAY));
// A dictionary page of at most 256 bytes: the wide columns fall back to PLAIN mid-chunk.
wasmPair('wasm_dictionary_fallback', 3000, (b) =>
  b.setDictionaryEnabled(true).setDictionaryPageSizeLimit(256).setDataPageSizeLimit(1024).setCompression(pw.Compression.ZSTD));
wasmPair('wasm_brotli_lz4', 3000, (b) =>
  b.setCompression(pw.Compression.BROTLI).setColumnCompression('f64', pw.Compression.LZ4));
console.log('fixtures written to', out);
