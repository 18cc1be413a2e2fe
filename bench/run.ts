/**
 * Benchmarks (npm run bench). Each figure is printed beside a bare baseline measured in the same
 * run on the same database, so the ratio says what the ledger's rules and scoping cost, whatever
 * the machine. Not a test: it fails on nothing.
 *
 *   SHOUFU_BENCH_INVOICES (default 20000)   size of the demo company for the read benchmarks
 *   DATABASE_URL                            also run on PostgreSQL (a scratch database is created)
 */
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { type Database, openPGlite, openPostgres } from '../src/db/database';
import { migrate } from '../src/db/migrate';
import { seedDemo } from '../src/demo/seed';
import { SYSTEM_ACTOR, withActor } from '../src/services/actor';
import { actorForUsername } from '../src/services/auth/users';
import { allocateReceipt } from '../src/services/ledger/allocations';
import { createInvoice } from '../src/services/ledger/invoices';
import { createParty } from '../src/services/ledger/parties';
import { dashboardSummary, listInvoices } from '../src/services/ledger/queries';
import { createReceipt } from '../src/services/ledger/receipts';
import { todayIso } from '../src/domain/dates';
import { agingAsOf } from '../src/services/analytics/aging';

const INVOICES = Number(process.env.SHOUFU_BENCH_INVOICES ?? 20000);

async function time(fn: () => Promise<unknown>, repeat = 1): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < repeat; i++) await fn();
  return (performance.now() - t0) / repeat;
}

function row(name: string, ms: number, baselineName: string, baselineMs: number) {
  console.log(`${name.padEnd(48)} ${ms.toFixed(1).padStart(9)} ms   baseline ${baselineName}: ${baselineMs.toFixed(2)} ms   ratio ${(ms / baselineMs).toFixed(1)}×`);
}

async function benchWrites(db: Database, label: string) {
  const N = 300;
  // Baseline: the same number of bare single-row INSERT transactions into an unconstrained table.
  await db.exec('CREATE TABLE IF NOT EXISTS bench_bare (id bigserial PRIMARY KEY, a bigint, b bigint, note text)');
  const bare = await time(async () => {
    for (let i = 0; i < N; i++) {
      await db.transaction((tx) => tx.query('INSERT INTO bench_bare (a, b, note) VALUES ($1, $2, $3)', [i, i * 2, 'x']));
    }
  });
  // The ledger: N allocations, each in its own transaction through the use case (locks, checks,
  // trigger, audit row), as finance users post them.
  const [entity] = await db.query<{ n: bigint }>('SELECT count(*) AS n FROM entities');
  if (!entity || entity.n === 0n) await db.query("INSERT INTO entities (code, name) VALUES ('BENCH', 'Bench Co')");
  const actor = SYSTEM_ACTOR;
  const party = await withActor(db, actor, (tx) => createParty(tx, actor, { code: `BENCH-${label}-${Date.now()}`, name: '基准测试客户', region: '华东' }));
  const invoices: string[] = [];
  for (let i = 0; i < N; i++) {
    const inv = await withActor(db, actor, (tx) =>
      createInvoice(tx, actor, { partyId: party.id, currency: 'CNY', issueDate: '2026-01-01', lines: [{ description: 'bench', unitPrice: '100.00' }] }),
    );
    invoices.push(inv.id);
  }
  const receipt = await withActor(db, actor, (tx) => createReceipt(tx, actor, { partyId: party.id, currency: 'CNY', receiptDate: '2026-02-01', amount: `${N * 100}.00` }));
  const inst = await db.query<{ id: string }>('SELECT id FROM installments WHERE invoice_id = ANY($1::uuid[]) ORDER BY id', [invoices]);
  const ledger = await time(async () => {
    for (const n of inst) {
      await withActor(db, actor, (tx) => allocateReceipt(tx, actor, { receiptId: receipt.id, lines: [{ installmentId: n.id, amount: '100.00' }] }));
    }
  });
  row(`[${label}] ${N} allocations (per allocation)`, ledger / N, 'bare insert txn', bare / N);
}

async function benchReads(db: Database, label: string) {
  const asOf = todayIso();
  const finance = (await actorForUsername(db, 'finance')) ?? SYSTEM_ACTOR;
  const bare = await time(() => db.query('SELECT count(*), sum(amount_minor) FROM installments'), 5);
  const list = await time(() => withActor(db, finance, (tx) => listInvoices(tx, { side: 'AR', asOf, status: 'overdue' }, { page: 1, pageSize: 50, sort: 'daysOverdue', order: 'desc' })), 3);
  row(`[${label}] overdue invoice list page, as of today`, list, 'count+sum installments', bare);
  const dash = await time(() => withActor(db, finance, (tx) => dashboardSummary(tx, asOf)), 3);
  row(`[${label}] dashboard summary (aging buckets)`, dash, 'count+sum installments', bare);
  const past = await time(() => withActor(db, finance, (tx) => dashboardSummary(tx, '2025-06-30')), 3);
  row(`[${label}] dashboard summary as of 2025-06-30`, past, 'count+sum installments', bare);
  // Aging (账龄分析): every open installment as of the date, grouped and bucketed, as of today and a past date.
  for (const [dim, date] of [['customer', asOf], ['region', asOf], ['customer', '2025-06-30'], ['region', '2025-06-30']] as const) {
    const ms = await time(() => withActor(db, finance, (tx) => agingAsOf(tx, { asOf: date, side: 'AR', basis: 'due', buckets: 'chinese', by: [dim], currency: 'all' })), 3);
    row(`[${label}] aging by ${dim} as of ${date === asOf ? 'today' : date}`, ms, 'count+sum installments', bare);
  }
  // A salesperson limited to their own customers: row-level security does the filtering.
  const [salesUser] = await db.query<{ username: string }>("SELECT username FROM users WHERE scope_own_customers ORDER BY username LIMIT 1");
  const sales = salesUser ? await actorForUsername(db, salesUser.username) : null;
  if (sales) {
    const sList = await time(() => withActor(db, sales, (tx) => listInvoices(tx, { side: 'AR', asOf, status: 'overdue' }, { page: 1, pageSize: 50, sort: 'daysOverdue', order: 'desc' })), 3);
    row(`[${label}] same list as a salesperson (RLS-scoped)`, sList, 'count+sum installments', bare);
    const sDash = await time(() => withActor(db, sales, (tx) => dashboardSummary(tx, asOf)), 3);
    row(`[${label}] dashboard as a salesperson (RLS-scoped)`, sDash, 'count+sum installments', bare);
  }
}

async function run(db: Database, label: string) {
  await migrate(db);
  const t0 = performance.now();
  const summary = await seedDemo(db, { invoices: INVOICES, customers: Math.max(50, Math.round(INVOICES / 85)) });
  const seedMs = performance.now() - t0;
  console.log(`[${label}] demo company: ${summary.invoices} invoices, ${summary.receipts} receipts, ${summary.allocations} allocations in ${(seedMs / 1000).toFixed(1)} s`);
  const rss = process.memoryUsage().rss / 1024 / 1024;
  console.log(`[${label}] process RSS after seeding: ${rss.toFixed(0)} MB`);
  await benchReads(db, label);
  await benchWrites(db, label);
}

const pglite = await openPGlite();
await run(pglite, 'pglite');
await pglite.close();

if (process.env.DATABASE_URL) {
  const admin = new pg.Client(process.env.DATABASE_URL);
  await admin.connect();
  const name = `shoufu_bench_${Date.now()}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(process.env.DATABASE_URL);
  url.pathname = `/${name}`;
  const db = await openPostgres(url.toString());
  try {
    await run(db, 'postgres');
  } finally {
    await db.close();
    await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
    await admin.end();
  }
}
