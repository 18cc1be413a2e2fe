/**
 * Import benchmark (npm run bench:import): a CSV of invoice rows as an ERP writes it (Chinese
 * headers, 1,000,000 rows by default) imported through the real service — sniffing, header
 * recognition, validation against the ledger, set-based writes, audit — on PGlite and, when
 * DATABASE_URL is set, on PostgreSQL. Each run prints rows per second beside a bare baseline
 * measured in the same run on the same database: COPY of the same file into an unindexed table
 * with the same columns. Peak memory is sampled throughout to show the file is streamed.
 *
 *   SHOUFU_BENCH_IMPORT_ROWS         rows (default 1000000)
 *   SHOUFU_BENCH_IMPORT_PGLITE_ROWS  rows on PGlite (default: the same)
 *   SHOUFU_BENCH_IMPORT_PGLITE=0     skip PGlite
 *   DATABASE_URL                     also run on PostgreSQL (a scratch database is created)
 */
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { type Database, openPGlite, openPostgres } from '../src/db/database';
import { migrate } from '../src/db/migrate';
import { importTable } from '../src/import/import-service';
import { fileSource } from '../src/import/tabular/read';
import { SYSTEM_ACTOR } from '../src/services/actor';

const ROWS = Number(process.env.SHOUFU_BENCH_IMPORT_ROWS ?? 1_000_000);
const PGLITE_ROWS = Number(process.env.SHOUFU_BENCH_IMPORT_PGLITE_ROWS ?? ROWS);
const CUSTOMERS = 1000;
const HEADER = '单据编号,客户编码,开票日期,到期日,价税合计,税额,币种,摘要';

/** Writes n invoice rows; deterministic, so every run imports the same file. */
async function writeCsv(path: string, n: number): Promise<void> {
  const out = createWriteStream(path);
  const day = 86_400_000;
  const start = Date.UTC(2024, 0, 1);
  let buf = `${HEADER}\n`;
  for (let i = 1; i <= n; i++) {
    const issue = new Date(start + (i % 700) * day).toISOString().slice(0, 10);
    const due = new Date(start + ((i % 700) + 30 + (i % 4) * 15) * day).toISOString().slice(0, 10);
    const totalMinor = 10_000 + ((i * 7919) % 90_000_000);
    const taxMinor = Math.floor((totalMinor * 13) / 113);
    const amount = (m: number) => `${Math.floor(m / 100)}.${String(m % 100).padStart(2, '0')}`;
    buf += `INV-${String(i).padStart(8, '0')},C${String(i % CUSTOMERS).padStart(4, '0')},${issue},${due},${amount(totalMinor)},${amount(taxMinor)},CNY,货款\n`;
    if (buf.length > 1 << 16) {
      if (!out.write(buf)) await new Promise<void>((r) => out.once('drain', () => r()));
      buf = '';
    }
  }
  out.end(buf);
  await new Promise<void>((r) => out.once('finish', () => r()));
}

const BARE_TABLE = `CREATE TABLE bench_bare_invoices (
  number text, party_code text, issue_date date, due_date date, total numeric, tax numeric, currency text, description text)`;

/** Bare baseline: COPY the file into an unindexed table with no constraints, triggers or checks. */
async function bareCopy(db: Database, path: string): Promise<number> {
  await db.exec(`DROP TABLE IF EXISTS bench_bare_invoices; ${BARE_TABLE}`);
  const sql = 'COPY bench_bare_invoices FROM STDIN WITH (FORMAT csv, HEADER true)';
  const t0 = performance.now();
  if (db.kind === 'postgres') {
    const client = new pg.Client(process.env.BENCH_PG_URL);
    await client.connect();
    try {
      await pipeline(createReadStream(path), client.query(copyFrom(sql)));
    } finally {
      await client.end();
    }
  } else {
    const pglite = (db as unknown as { pglite: PGlite }).pglite;
    const blob = new Blob([await readFile(path)]);
    await pglite.query("COPY bench_bare_invoices FROM '/dev/blob' WITH (FORMAT csv, HEADER true)", [], { blob });
  }
  const ms = performance.now() - t0;
  const [{ n } = { n: 0n }] = await db.query<{ n: bigint }>('SELECT count(*) AS n FROM bench_bare_invoices');
  await db.exec('DROP TABLE bench_bare_invoices');
  if (Number(n) === 0) throw new Error('the baseline copied nothing');
  return ms;
}

async function prepare(db: Database): Promise<void> {
  await migrate(db);
  await db.query("INSERT INTO entities (code, name) VALUES ('HQ', '总部') ON CONFLICT DO NOTHING");
  await db.query(
    `INSERT INTO parties (code, name, is_customer, payment_terms_days)
     SELECT 'C' || lpad(g::text, 4, '0'), '基准客户' || g, true, 30 FROM generate_series(0, $1::int - 1) g`,
    [CUSTOMERS],
  );
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}

async function run(db: Database, label: string, path: string, rows: number): Promise<void> {
  await prepare(db);
  const copyMs = await bareCopy(db, path);
  const copyRate = rows / (copyMs / 1000);
  console.log(`[${label}] bare COPY of ${rows.toLocaleString('en')} rows into an unindexed table: ${(copyMs / 1000).toFixed(1)} s, ${Math.round(copyRate).toLocaleString('en')} rows/s`);

  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  let peakRss = rssBefore;
  let peakHeap = 0;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 100);
  const tty = process.stderr.isTTY;
  let lastPrint = 0;
  const t0 = performance.now();
  const phases: Record<string, number> = {};
  const result = await importTable(db, SYSTEM_ACTOR, fileSource(path), {
    kind: 'invoices',
    onProgress: (p) => {
      phases[p.phase] = performance.now() - t0;
      const now = performance.now();
      if (now - lastPrint < 1000 && p.done !== p.total) return;
      lastPrint = now;
      const line = `[${label}] import ${p.phase} ${p.done.toLocaleString('en')}${p.total ? `/${p.total.toLocaleString('en')}` : ''} rows${p.committed ? ' committed' : ''}`;
      if (tty) process.stderr.write(`\r${line}   `);
      else process.stderr.write(`${line}\n`);
    },
  });
  const ms = performance.now() - t0;
  clearInterval(sampler);
  if (tty) process.stderr.write('\n');
  if (result.status !== 'imported' || result.counts.created !== rows) {
    throw new Error(`[${label}] import ended ${result.status}: ${JSON.stringify(result.counts)} ${JSON.stringify(result.errors.slice(0, 3))}`);
  }
  const rate = rows / (ms / 1000);
  const validateMs = phases.validate ?? 0;
  console.log(
    `[${label}] import of ${rows.toLocaleString('en')} invoices: ${(ms / 1000).toFixed(1)} s (validate ${(validateMs / 1000).toFixed(1)} s, write ${((ms - validateMs) / 1000).toFixed(1)} s), ` +
      `${Math.round(rate).toLocaleString('en')} rows/s, ${(rate / copyRate).toFixed(3)} of bare COPY; run mode ${result.run?.mode}`,
  );
  console.log(`[${label}] memory: RSS ${mb(rssBefore)} before, peak ${mb(peakRss)}; peak JS heap ${mb(peakHeap)}`);
  const [check] = await db.query<{ invoices: bigint; installments: bigint; control: bigint | null; open: bigint | null }>(
    `SELECT (SELECT count(*) FROM invoices) AS invoices, (SELECT count(*) FROM installments) AS installments,
            (SELECT sum(open_minor) FROM control_totals) AS control, (SELECT sum(amount_minor - allocated_minor) FROM installments) AS open`,
  );
  console.log(`[${label}] check: ${check?.invoices} invoices, ${check?.installments} installments, control total ${check?.control === check?.open ? 'equals' : 'DIFFERS FROM'} the open installments`);
}

const dir = mkdtempSync(join(tmpdir(), 'shoufu-bench-import-'));
try {
  const sizes = [...new Set([ROWS, PGLITE_ROWS])];
  const files = new Map<number, string>();
  for (const n of sizes) {
    const path = join(dir, `invoices-${n}.csv`);
    const t0 = performance.now();
    await writeCsv(path, n);
    console.log(`generated ${path}: ${n.toLocaleString('en')} rows, ${mb(statSync(path).size)} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    files.set(n, path);
  }

  if (process.env.SHOUFU_BENCH_IMPORT_PGLITE !== '0') {
    const db = await openPGlite();
    try {
      await run(db, 'pglite', files.get(PGLITE_ROWS)!, PGLITE_ROWS);
    } finally {
      await db.close();
    }
  }

  if (process.env.DATABASE_URL) {
    const admin = new pg.Client(process.env.DATABASE_URL);
    await admin.connect();
    const name = `shoufu_bench_import_${Date.now()}`;
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(process.env.DATABASE_URL);
    url.pathname = `/${name}`;
    process.env.BENCH_PG_URL = url.toString();
    const db = await openPostgres(url.toString());
    try {
      await run(db, 'postgres', files.get(ROWS)!, ROWS);
    } finally {
      await db.close();
      await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
      await admin.end();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
