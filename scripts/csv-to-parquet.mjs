// Writes a CSV file as Parquet (snappy) with DuckDB (@duckdb/node-api, pinned in
// package-lock.json): the demo's Parquet pair. Usage: node scripts/csv-to-parquet.mjs IN.csv OUT.parquet
import { DuckDBInstance } from '@duckdb/node-api';

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: node scripts/csv-to-parquet.mjs IN.csv OUT.parquet');
  process.exit(2);
}
const quoted = (text) => `'${text.replaceAll("'", "''")}'`;
// The missing-value spellings the toolkit reads as missing (pandas' na_values; csv/cells.cpp).
const missing = ['', 'NA', 'N/A', 'n/a', 'NaN', 'nan', '#NA', 'null', 'NULL', 'None', '#N/A', '-NaN', '-nan', '<NA>',
  '1.#IND', '-1.#IND', '1.#QNAN', '-1.#QNAN', '#N/A N/A'];
const db = await (await DuckDBInstance.create(':memory:')).connect();
await db.run(`COPY (SELECT * FROM read_csv(${quoted(input)}, header = true, nullstr = [${missing.map(quoted).join(', ')}])) TO ${quoted(output)} (FORMAT parquet, COMPRESSION snappy)`);
