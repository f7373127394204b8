// bench/parquet.sh's DuckDB side (@duckdb/node-api, pinned in package-lock.json):
//   node bench/parquet.mjs generate DIR ROWS   the drift data as CSV and as snappy Parquet
//   node bench/parquet.mjs scan FILE...        min, max and count of every column; prints seconds
import { DuckDBInstance } from '@duckdb/node-api';

const [command, ...args] = process.argv.slice(2);
const db = await (await DuckDBInstance.create(':memory:', { threads: '2' })).connect();

if (command === 'generate') {
  const [dir, rows] = args;
  // 15 numeric columns (every third with 2% missing, five drifted in current) and 3
  // categorical ones, as bench/drift.sh's data.
  for (const [name, drifted] of [['reference', false], ['current', true]]) {
    const numbers = [];
    for (let i = 0; i < 15; i++) {
      const shift = drifted && i < 4 ? 0.35 * (i + 1) : 0;
      const scale = (drifted && i === 4 ? 1.4 : 1) * (i + 1);
      const normal = 'sqrt(-2 * ln(random() + 1e-12)) * cos(2 * pi() * random())';
      const value = `round(${10 * i + shift} + ${scale} * ${normal}, 4)`;
      numbers.push(i % 3 === 0 ? `CASE WHEN random() < 0.02 THEN NULL ELSE ${value} END AS num_${String(i).padStart(2, '0')}`
                               : `${value} AS num_${String(i).padStart(2, '0')}`);
    }
    const segment = drifted ? "CASE WHEN r < 0.35 THEN 'consumer' WHEN r < 0.7 THEN 'smb' WHEN r < 0.9 THEN 'enterprise' ELSE 'public' END"
                            : "CASE WHEN r < 0.5 THEN 'consumer' WHEN r < 0.8 THEN 'smb' WHEN r < 0.95 THEN 'enterprise' ELSE 'public' END";
    await db.run(`SELECT setseed(${drifted ? 0.2 : 0.1})`);
    await db.run(`CREATE OR REPLACE TABLE t AS SELECT ${numbers.join(', ')}, ${segment} AS segment,
      (['web', 'app', 'store'])[1 + floor(random() * 3)::INT] AS channel,
      (['Berlin', 'Paris', 'Tokyo', 'Lagos', 'Lima', 'Oslo', 'Pune'])[1 + floor(random() * 7)::INT] AS city
      FROM (SELECT random() AS r FROM range(${Number(rows)}))`);
    await db.run(`COPY t TO '${dir}/${name}.csv' (HEADER, NULLSTR '')`);
    await db.run(`COPY t TO '${dir}/${name}.parquet' (FORMAT parquet, COMPRESSION snappy)`);
  }
} else if (command === 'scan') {
  const columns = (await db.runAndReadAll(`DESCRIBE SELECT * FROM '${args[0]}'`)).getRows().map((r) => r[0]);
  const select = columns.map((c) => `min("${c}"), max("${c}"), count("${c}")`).join(', ');
  const start = performance.now();
  for (const file of args) await db.runAndReadAll(`SELECT ${select} FROM '${file}'`);
  console.log(((performance.now() - start) / 1000).toFixed(3));
}
