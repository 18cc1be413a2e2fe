/**
 * Aging at scale (npm run bench:aging): 1,000,000 open installments and 2,000,000 allocations,
 * generated set-based in SQL (INSERT … SELECT generate_series) through the real schema — every
 * trigger and constraint fires (the allocation trigger keeps the installment and receipt caches and
 * the control totals; the CHECKs refuse over-allocation) — then the aging report through the real
 * service (src/services/analytics/aging.ts) as of today and as of a past date, by customer and by
 * region, beside a bare baseline (one full aggregate scan of installments and one of allocations),
 * and the dashboard API's p95 over repeated requests. Not a test: it fails on nothing.
 *
 *   DATABASE_URL                 PostgreSQL server (default postgres://postgres@127.0.0.1:5432/); a fresh
 *                                database is created and dropped
 *   SHOUFU_BENCH_INSTALLMENTS    installments on PostgreSQL (default 1000000; allocations = 2×)
 *   SHOUFU_BENCH_PGLITE_INSTALLMENTS  installments on PGlite (default 100000; 0 skips PGlite)
 *   SHOUFU_BENCH_REQUESTS        dashboard requests for the p95 (default 30, within SHOUFU_BENCH_DASHBOARD_BUDGET_MS, default 120 s)
 *
 * Shape: 16 entities (a group), 8,000 customers over 7 regions and 28 provinces with 10 owners,
 * invoices of 2 installments issued over the last 3 years; each installment gets one receipt,
 * applied in two allocations of 30 % each (the second one often after the past as-of date), so
 * every installment stays 40 % open today. Rows are inserted in batches of one transaction each:
 * the per-row triggers all update the one control_totals row of an entity and currency, and a
 * transaction that updates a row n times leaves n versions that only its commit lets PostgreSQL
 * prune — in one transaction the version chain (and the time) grows quadratically.
 */
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { buildServer } from '../src/api/server';
import { type Database, openPGlite, openPostgres } from '../src/db/database';
import { migrate } from '../src/db/migrate';
import { addDays, todayIso } from '../src/domain/dates';
import { type Actor, withActor } from '../src/services/actor';
import { agingAsOf } from '../src/services/analytics/aging';
import { actorForUsername, createApiToken, createUser } from '../src/services/auth/users';

const PG_INSTALLMENTS = Number(process.env.SHOUFU_BENCH_INSTALLMENTS ?? 1_000_000);
const PGLITE_INSTALLMENTS = Number(process.env.SHOUFU_BENCH_PGLITE_INSTALLMENTS ?? 100_000);
const REQUESTS = Number(process.env.SHOUFU_BENCH_REQUESTS ?? 30);
/** Time budget per dashboard series; fewer requests are made when they are slow (printed). */
const DASHBOARD_BUDGET_MS = Number(process.env.SHOUFU_BENCH_DASHBOARD_BUDGET_MS ?? 120_000);
const ENTITIES = 16;
const CUSTOMERS = 8000;
/** Invoices per insert transaction (2 installments, 2 receipts, 4 allocations each). */
const BATCH = 5000;

const REGIONS: [string, string[]][] = [
  ['华东', ['上海', '江苏', '浙江', '安徽', '山东', '福建']],
  ['华北', ['北京', '天津', '河北', '山西']],
  ['华南', ['广东', '广西', '海南']],
  ['华中', ['湖北', '湖南', '河南', '江西']],
  ['西南', ['四川', '重庆', '云南', '贵州']],
  ['西北', ['陕西', '甘肃', '新疆']],
  ['东北', ['辽宁', '吉林', '黑龙江', '内蒙古']],
];
const PROVINCES = REGIONS.flatMap(([region, ps]) => ps.map((p) => [region, p] as const));

type Report = { name: string; ms: number; note?: string }[];

async function time(fn: () => Promise<unknown>, repeat: number): Promise<{ median: number; all: number[] }> {
  const all: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const t0 = performance.now();
    await fn();
    all.push(performance.now() - t0);
  }
  const sorted = [...all].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)]!, all };
}

const p95 = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(s.length * 0.95) - 1)]!;
};

export async function generate(db: Database, installments: number, today: string, log: (s: string) => void): Promise<void> {
  const invoices = Math.floor(installments / 2);
  const t0 = performance.now();
  await db.exec(`
    INSERT INTO entities (code, name) SELECT 'E' || lpad(g::text, 2, '0'), '子公司 ' || g FROM generate_series(1, ${ENTITIES}) g;
  `);
  for (let i = 1; i <= 10; i++) {
    await createUser(db, { username: `owner${i}`, password: 'bench-password', role: 'sales', ownCustomersOnly: true });
  }
  await createUser(db, { username: 'benchfin', password: 'bench-password', role: 'finance' });
  const regions = PROVINCES.map(([r]) => r);
  const provinces = PROVINCES.map(([, p]) => p);
  await db.query(
    `INSERT INTO parties (code, name, region, province, owner_user_id, credit_limit_minor)
     SELECT 'C' || lpad(g::text, 6, '0'), '客户 ' || g, ($1::text[])[1 + g % $3], ($2::text[])[1 + g % $3],
            (SELECT id FROM users WHERE username = 'owner' || (1 + g % 10)),
            CASE WHEN g % 5 < 3 THEN (50000 + (g % 97) * 5000)::bigint * 100 END
       FROM generate_series(1, ${CUSTOMERS}) g`,
    [regions, provinces, PROVINCES.length],
  );
  await db.exec(`
    CREATE TEMP TABLE bench_e AS SELECT row_number() OVER (ORDER BY code) - 1 AS k, id FROM entities;
    CREATE TEMP TABLE bench_p AS SELECT row_number() OVER (ORDER BY code) - 1 AS k, id FROM parties;
  `);
  log(`  setup ${(performance.now() - t0).toFixed(0)} ms`);
  const tInv = performance.now();
  for (let from = 1; from <= invoices; from += BATCH) {
    const to = Math.min(invoices, from + BATCH - 1);
    // One invoice g: entity g % 16, customer g·7919 % 8000, issued (g·31) % 1095 days before today,
    // total 1000.00 + (g % 1000) × 10.00, two installments due 30 and 60 days after issue.
    // Ids are derived from g (uuid literals), so each statement finds the rows of the one before
    // by primary key.
    const id = (prefix: string, g = 'g') => `('${prefix}-0000-4000-8000-' || lpad(to_hex(${g}), 12, '0'))::uuid`;
    await db.exec(`
      INSERT INTO invoices (id, entity_id, side, kind, number, party_id, currency, issue_date, subtotal_minor, tax_minor, total_minor)
      SELECT ${id('b0000000')}, e.id, 'AR', 'invoice', 'B' || lpad(g::text, 8, '0'), p.id, 'CNY', '${today}'::date - (g * 31) % 1095,
             (100000 + (g % 1000) * 1000) - (100000 + (g % 1000) * 1000) / 10, (100000 + (g % 1000) * 1000) / 10, 100000 + (g % 1000) * 1000
        FROM generate_series(${from}, ${to}) g
        JOIN bench_e e ON e.k = g % ${ENTITIES}
        JOIN bench_p p ON p.k = (g::bigint * 7919) % ${CUSTOMERS};
      INSERT INTO installments (id, invoice_id, seq, due_date, amount_minor)
      SELECT CASE s WHEN 1 THEN ${id('c0000001')} ELSE ${id('c0000002')} END, i.id, s, i.issue_date + 30 * s, i.total_minor / 2
        FROM generate_series(${from}, ${to}) g CROSS JOIN generate_series(1, 2) s
        JOIN invoices i ON i.id = ${id('b0000000')};
      INSERT INTO receipts (id, entity_id, side, number, party_id, receipt_date, currency, amount_minor)
      SELECT CASE s WHEN 1 THEN ${id('d0000001')} ELSE ${id('d0000002')} END, i.entity_id, 'AR', 'R' || substr(i.number, 2) || '-' || s, i.party_id,
             LEAST(i.issue_date + 20, '${today}'::date), 'CNY', i.total_minor / 2 * 6 / 10
        FROM generate_series(${from}, ${to}) g CROSS JOIN generate_series(1, 2) s
        JOIN invoices i ON i.id = ${id('b0000000')};
      INSERT INTO allocations (entity_id, side, target_installment_id, source_kind, source_receipt_id, amount_minor, source_amount_minor, effective_date, method)
      SELECT i.entity_id, 'AR', CASE s WHEN 1 THEN ${id('c0000001')} ELSE ${id('c0000002')} END, 'receipt',
             CASE s WHEN 1 THEN ${id('d0000001')} ELSE ${id('d0000002')} END,
             i.total_minor / 2 * 3 / 10, i.total_minor / 2 * 3 / 10, LEAST(i.issue_date + 20 + 30 * (a - 1) * s, '${today}'::date), 'demo'
        FROM generate_series(${from}, ${to}) g CROSS JOIN generate_series(1, 2) s CROSS JOIN generate_series(1, 2) a
        JOIN invoices i ON i.id = ${id('b0000000')}
       ORDER BY g, s, a;
    `);
    if (((from - 1) / BATCH) % 20 === 0) log(`  … ${to} invoices, ${((performance.now() - tInv) / 1000).toFixed(0)} s`);
  }
  log(`  ${invoices * 2} installments, ${invoices * 4} allocations in ${((performance.now() - tInv) / 1000).toFixed(1)} s`);
  const tv = performance.now();
  await db.exec('VACUUM ANALYZE');
  log(`  VACUUM ANALYZE ${((performance.now() - tv) / 1000).toFixed(1)} s`);
}

export async function measure(db: Database, label: string, installments: number, today: string, fresh = true): Promise<Report> {
  const log = (s: string) => console.log(`[${label}] ${s}`);
  if (fresh) {
    log(`generating ${installments} open installments, ${installments * 2} allocations …`);
    await migrate(db);
    await generate(db, installments, today, log);
  }
  const [counts] = await db.query<{ n: bigint; a: bigint; open: bigint }>(
    `SELECT (SELECT count(*) FROM installments) AS n, (SELECT count(*) FROM allocations) AS a,
            (SELECT count(*) FROM installments WHERE allocated_minor < amount_minor) AS open`,
  );
  log(`rows: ${counts!.n} installments (${counts!.open} open today), ${counts!.a} allocations`);

  const out: Report = [];
  const bare = await time(
    () => db.query('SELECT count(*), sum(amount_minor), sum(allocated_minor) FROM installments').then(() => db.query('SELECT count(*), sum(amount_minor) FROM allocations')),
    5,
  );
  out.push({ name: 'bare baseline: aggregate scan installments + allocations', ms: bare.median });
  const actor = (await actorForUsername(db, 'benchfin')) as Actor;
  const past = addDays(today, -365);
  for (const [dim, date, tag] of [
    ['customer', today, 'today'],
    ['region', today, 'today'],
    ['customer', past, past],
    ['region', past, past],
  ] as const) {
    const r = await time(() => withActor(db, actor, (tx) => agingAsOf(tx, { asOf: date, side: 'AR', basis: 'due', buckets: 'chinese', by: [dim], currency: 'all' })), 3);
    out.push({ name: `aging by ${dim} as of ${tag}`, ms: r.median });
  }
  const sales = (await actorForUsername(db, 'owner1')) as Actor;
  const s = await time(() => withActor(db, sales, (tx) => agingAsOf(tx, { asOf: today, side: 'AR', basis: 'due', buckets: 'chinese', by: ['customer'], currency: 'all' })), 3);
  out.push({ name: 'aging by customer as of today, a salesperson (RLS)', ms: s.median });

  const app = await buildServer({ db, webDist: null });
  const token = await createApiToken(db, 'benchfin', 'bench');
  const headers = { authorization: `Bearer ${token}` };
  for (const months of [12, 24]) {
    const url = `/api/dashboard?asOf=${today}&months=${months}`;
    const first = await app.inject({ method: 'GET', url, headers });
    if (first.statusCode !== 200) throw new Error(`dashboard ${first.statusCode}: ${first.body.slice(0, 300)}`);
    // REQUESTS requests for months=12 (a third of them for 24), but no more than DASHBOARD_BUDGET_MS in all.
    const want = months === 12 ? REQUESTS : Math.max(3, Math.round(REQUESTS / 3));
    const all: number[] = [];
    const t0 = performance.now();
    while (all.length < want && performance.now() - t0 < DASHBOARD_BUDGET_MS) {
      const t = performance.now();
      await app.inject({ method: 'GET', url, headers });
      all.push(performance.now() - t);
    }
    const median = [...all].sort((a, b) => a - b)[Math.floor(all.length / 2)]!;
    out.push({ name: `dashboard API months=${months}: p95 of ${all.length}`, ms: p95(all), note: `median ${median.toFixed(0)} ms` });
  }
  await app.close();

  console.log(`\n[${label}] ${installments} installments, ${installments * 2} allocations`);
  for (const r of out) {
    const ratio = r.ms / bare.median;
    console.log(`  ${r.name.padEnd(58)} ${r.ms.toFixed(0).padStart(7)} ms  ${ratio.toFixed(2).padStart(6)}× baseline${r.note ? `  (${r.note})` : ''}`);
  }
  console.log('');
  return out;
}

const today = todayIso();
/** SHOUFU_BENCH_KEEP=NAME: build (once) and keep the PostgreSQL database NAME, for EXPLAIN sessions. */
const KEEP = process.env.SHOUFU_BENCH_KEEP;

if (PGLITE_INSTALLMENTS > 0) {
  const db = await openPGlite();
  try {
    await measure(db, 'pglite', PGLITE_INSTALLMENTS, today);
  } finally {
    await db.close();
  }
}

if (PG_INSTALLMENTS > 0) {
  const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/';
  const admin = new pg.Client(url);
  await admin.connect();
  const name = KEEP ?? `shoufu_bench_aging_${Date.now()}`;
  const exists = KEEP ? (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [KEEP])).rowCount === 1 : false;
  if (!exists) await admin.query(`CREATE DATABASE ${name}`);
  const u = new URL(url);
  u.pathname = `/${name}`;
  const db = await openPostgres(u.toString());
  try {
    await measure(db, 'postgres', PG_INSTALLMENTS, today, !exists);
  } finally {
    await db.close();
    if (!KEEP) await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
    await admin.end();
  }
}
