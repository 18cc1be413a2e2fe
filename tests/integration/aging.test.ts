/**
 * Point-in-time aging (账龄分析) on both databases, on a small demo company: the report's totals
 * reconcile with the invoice export at several dates, a past date never moves when later money
 * arrives, allocations effective on the as-of day count, data scopes hold, the AP side works, FX
 * conversion uses the as-of rate (and names a missing one), and every drill-down cell adds up.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/server';
import type { Database } from '../../src/db/database';
import { CREDITS_KEY, TOTAL_KEY } from '../../src/domain/aging';
import { convert, parseAmount } from '../../src/domain/money';
import { DEMO_DEFAULTS, seedDemo } from '../../src/demo/seed';
import { exportData } from '../../src/export/exports';
import { type Actor, SYSTEM_ACTOR, withActor } from '../../src/services/actor';
import { type AgingParams, agingAsOf, agingCell } from '../../src/services/analytics/aging';
import { type AgingDocument, agingJson, displayWidth } from '../../src/services/analytics/aging-output';
import { actorForUsername } from '../../src/services/auth/users';
import { allocateReceipt } from '../../src/services/ledger/allocations';
import { createCreditNote, createInvoice } from '../../src/services/ledger/invoices';
import { dashboardSummary } from '../../src/services/ledger/queries';
import { createReceipt } from '../../src/services/ledger/receipts';
import { createActor, databases, rejection, TEST_DATABASE_URL } from './harness';

const TODAY = '2026-06-30';
const DATES = ['2025-03-31', '2025-12-31', '2026-05-31', TODAY];

const params = (p: Partial<AgingParams> = {}): AgingParams => ({
  asOf: TODAY,
  side: 'AR',
  basis: 'due',
  buckets: 'chinese',
  by: ['customer'],
  currency: 'all',
  ...p,
});

describe.each(databases)('aging report on $name', (database) => {
  let db: Database;
  let finance: Actor;
  const aging = (p: Partial<AgingParams> = {}, actor: Actor = finance) => withActor(db, actor, (tx) => agingAsOf(tx, params(p)));
  const doc = async (p: Partial<AgingParams> = {}, actor: Actor = finance): Promise<AgingDocument> => agingJson(await aging(p, actor));

  /** Σ open_balance of the export per currency, credit notes counted negative (docs/analytics.md). */
  async function exportOpenByCurrency(kind: 'invoices' | 'bills', asOf: string, actor: Actor = SYSTEM_ACTOR): Promise<Map<string, bigint>> {
    const data = await withActor(db, actor, (tx) => exportData(tx, actor, kind, asOf));
    const out = new Map<string, bigint>();
    for (const r of data.rows) {
      const currency = String(r.currency);
      const open = parseAmount(String(r.open_balance), currency);
      out.set(currency, (out.get(currency) ?? 0n) + (r.kind === 'credit_note' ? -open : open));
    }
    for (const [c, v] of out) if (v === 0n) out.delete(c);
    return out;
  }

  const totalsOf = (d: AgingDocument) => new Map(d.totals.map((t) => [t.currency, parseAmount(t.total, t.currency)]));

  /** A CNY installment issued by the date and never allocated (so open at any later date), with its party. */
  async function openInstallment(issuedBy: string, offset = 0) {
    const [row] = await db.query<{ id: string; invoice_id: string; party_id: string; entity: string }>(
      `SELECT n.id, n.invoice_id, i.party_id, e.code AS entity
         FROM installments n JOIN invoices i ON i.id = n.invoice_id JOIN entities e ON e.id = i.entity_id
        WHERE i.side = 'AR' AND i.kind = 'invoice' AND i.currency = 'CNY' AND i.issue_date <= $1
          AND n.allocated_minor = 0 AND n.amount_minor > 100000
          AND NOT EXISTS (SELECT 1 FROM allocations a WHERE a.target_installment_id = n.id)
        ORDER BY i.number, n.seq OFFSET $2 LIMIT 1`,
      [issuedBy, offset],
    );
    if (!row) throw new Error('the demo company has no suitable open installment');
    return row;
  }

  async function receiveAndAllocate(inst: { id: string; party_id: string; entity: string }, amount: string, receiptDate: string, effectiveDate?: string) {
    return withActor(db, finance, async (tx) => {
      const r = await createReceipt(tx, finance, { entity: inst.entity, partyId: inst.party_id, currency: 'CNY', amount, receiptDate });
      await allocateReceipt(tx, finance, { receiptId: r.id, lines: [{ installmentId: inst.id, amount }], ...(effectiveDate ? { effectiveDate } : {}) });
    });
  }

  beforeAll(async () => {
    db = await database.open();
    await seedDemo(db, { customers: 30, invoices: 800, today: TODAY });
    finance = (await actorForUsername(db, 'finance'))!;
    // An unapplied credit note (红字发票 kept as the customer's credit) so that the credits column
    // and the export's sign convention are exercised.
    const inst = await openInstallment('2026-05-01', 3);
    await withActor(db, finance, (tx) =>
      createCreditNote(tx, finance, {
        originalInvoiceId: inst.invoice_id,
        issueDate: '2026-06-10',
        lines: [{ description: '销售折让', unitPrice: '321.09' }],
        applyToOriginal: false,
      }),
    );
  }, 120_000);

  afterAll(async () => {
    await db?.close();
  });

  it('as of several dates the total per currency equals Σ open_balance of the invoice export (credit notes negative), on every basis and bucket set', async () => {
    for (const asOf of DATES) {
      const expected = await exportOpenByCurrency('invoices', asOf);
      expect(expected.size, asOf).toBeGreaterThan(0);
      for (const p of [
        { by: ['customer'] },
        { by: ['region', 'salesperson'], basis: 'invoice' as const, buckets: 'short' },
        { by: ['contract'], buckets: '15,45,400' },
        { by: [] },
      ]) {
        const d = await doc({ asOf, ...p });
        expect(totalsOf(d), `${asOf} ${JSON.stringify(p)}`).toEqual(expected);
        // The rows add up to the totals.
        for (const [currency, total] of totalsOf(d)) {
          const rows = d.rows.filter((r) => r.currency === currency);
          expect(rows.reduce((s, r) => s + parseAmount(r.total, currency), 0n)).toBe(total);
        }
      }
    }
  });

  it('the CNY buckets equal the dashboard aging (which leaves credit notes out) at every date', async () => {
    for (const asOf of DATES) {
      const dash = await withActor(db, finance, (tx) => dashboardSummary(tx, asOf));
      const cny = (await doc({ asOf, by: [] })).totals.find((t) => t.currency === 'CNY')!;
      expect(dash.aging.map((b) => [b.key, b.amount])).toEqual(Object.entries(cny.amounts));
      expect(parseAmount(dash.receivable, 'CNY')).toBe(parseAmount(cny.total, 'CNY') - parseAmount(cny.credits, 'CNY'));
    }
  });

  it('an unapplied credit note appears as a negative amount in the credits column of its customer', async () => {
    const d = await doc({ by: ['customer'] });
    const withCredit = d.rows.filter((r) => r.credits !== '0.00');
    expect(withCredit).toHaveLength(1);
    expect(withCredit[0]!.credits).toBe('-321.09');
    expect(d.totals[0]!.credits).toBe('-321.09');
    // Before the credit note was issued it is not there.
    expect((await doc({ asOf: '2026-06-09', by: [] })).totals[0]!.credits).toBe('0.00');
  });

  it('aging as of a past date does not change when a later receipt is recorded and allocated', async () => {
    const past = '2026-05-31';
    const inst = await openInstallment(past);
    const before = { past: await doc({ asOf: past, by: ['region', 'customer'] }), today: await doc({ by: ['customer'] }) };
    await receiveAndAllocate(inst, '1000.00', TODAY);
    expect(await doc({ asOf: past, by: ['region', 'customer'] })).toEqual(before.past);
    const after = await doc({ by: ['customer'] });
    expect(totalsOf(after).get('CNY')).toBe(totalsOf(before.today).get('CNY')! - 1000_00n);
  });

  it('an allocation effective on the as-of day counts as of that day, not the day before', async () => {
    const day = '2026-06-20';
    const inst = await openInstallment(day, 1);
    const beforeDay = await doc({ asOf: day, by: [] });
    const dayBefore = await doc({ asOf: '2026-06-19', by: [] });
    await receiveAndAllocate(inst, '500.00', day, day);
    expect(totalsOf(await doc({ asOf: day, by: [] })).get('CNY')).toBe(totalsOf(beforeDay).get('CNY')! - 500_00n);
    expect(await doc({ asOf: '2026-06-19', by: [] })).toEqual(dayBefore);
  });

  it('a salesperson limited to their own customers sees only those customers; a regional user only their region', async () => {
    const sales = (await actorForUsername(db, 'wangfang'))!;
    expect(sales.ownCustomersOnly).toBe(true);
    const own = await db.query<{ code: string }>('SELECT code FROM parties WHERE owner_user_id = $1', [sales.userId]);
    const ownCodes = new Set(own.map((r) => r.code));
    const mine = await doc({ by: ['customer'] }, sales);
    const all = await doc({ by: ['customer'] });
    expect(mine.rows.length).toBeGreaterThan(0);
    expect(mine.rows.length).toBeLessThan(all.rows.length);
    for (const r of mine.rows) expect(ownCodes.has(r.groups[0]!.key), r.groups[0]!.key).toBe(true);
    // Every one of their customers with an open balance is there, with the same figures as finance sees.
    const expected = all.rows.filter((r) => ownCodes.has(r.groups[0]!.key));
    expect(mine.rows).toEqual(expected);
    // Their total reconciles with their own export.
    expect(totalsOf(mine)).toEqual(await exportOpenByCurrency('invoices', TODAY, sales));

    const east = await createActor(db, 'aging_east', 'finance', { regions: ['华东'] });
    const byRegion = await doc({ by: ['region'] }, east);
    expect(byRegion.rows.map((r) => r.groups[0]!.key)).toEqual(['华东']);
    expect(byRegion.rows[0]).toEqual((await doc({ by: ['region'] })).rows.find((r) => r.groups[0]!.key === '华东'));
  });

  it('AP aging: suppliers and bills, reconciling with the bills export', async () => {
    const d = await doc({ side: 'AP', by: ['supplier'], buckets: 'short' });
    expect(d.rows.length).toBeGreaterThan(0);
    expect(d.by).toEqual(['supplier']);
    expect(d.dims).toEqual(['customer']);
    expect(totalsOf(d)).toEqual(await exportOpenByCurrency('bills', TODAY));
    expect(totalsOf(await doc({ side: 'AP', asOf: '2025-12-31', by: ['entity'] }))).toEqual(await exportOpenByCurrency('bills', '2025-12-31'));
    expect(d.buckets.map((b) => b.labelZh)).toEqual(['未到期', '1–30天', '31–60天', '61–90天', '90天以上']);
  });

  it('every drill-down cell lists installments that add up to the cell', async () => {
    const p = { by: ['region', 'salesperson'], basis: 'due' as const, buckets: 'short' };
    const d = await doc(p);
    let cells = 0;
    for (const row of d.rows) {
      const columns = [...d.buckets.map((b) => [b.key, row.amounts[b.key]!] as const), [CREDITS_KEY, row.credits] as const, [TOTAL_KEY, row.total] as const];
      for (const [column, amount] of columns) {
        if (amount === '0.00' && column !== TOTAL_KEY) continue;
        const cell = await withActor(db, finance, (tx) => agingCell(tx, params(p), { rowCurrency: row.currency, keys: row.groups.map((g) => g.key), column, limit: 5000 }));
        const listed = cell.items.reduce((s, i) => s + (i.item.kind === 'credit_note' ? -i.item.openMinor : i.item.openMinor), 0n);
        expect(cell.truncated).toBe(false);
        expect(listed, `${row.groups.map((g) => g.key)} ${column}`).toBe(parseAmount(amount, row.currency));
        expect(cell.totalMinor).toBe(listed);
        if (column === TOTAL_KEY) expect(cell.count).toBe(row.count);
        for (const i of cell.items) if (column !== TOTAL_KEY) expect(i.column).toBe(column);
        cells++;
      }
    }
    expect(cells).toBeGreaterThan(d.rows.length);
  });

  it('currency=base converts at the latest rate on or before the as-of date; a missing rate is an error naming the pair and the date', async () => {
    const [party] = await db.query<{ id: string; code: string }>("SELECT id, code FROM parties WHERE is_customer ORDER BY code LIMIT 1");
    await withActor(db, finance, (tx) =>
      createInvoice(tx, finance, {
        partyId: party!.id,
        currency: 'USD',
        issueDate: '2026-06-01',
        number: 'INV-USD-AGING-1',
        lines: [{ description: 'export sale', unitPrice: '1234.57' }],
      }),
    );
    const perCurrency = await doc({ by: ['customer'] });
    expect(perCurrency.rows.find((r) => r.currency === 'USD')).toMatchObject({ groups: [{ key: party!.code }], total: '1234.57' });
    const [rate] = await db.query<{ rate_date: string; rate: string }>(
      "SELECT rate_date, rate::text AS rate FROM fx_rates WHERE base_currency = 'USD' AND quote_currency = 'CNY' AND rate_date <= $1 ORDER BY rate_date DESC LIMIT 1",
      [TODAY],
    );
    const base = await doc({ by: ['currency'], currency: 'base' });
    expect(base.fxRates).toEqual([{ from: 'USD', to: 'CNY', rateDate: rate!.rate_date, rate: rate!.rate }]);
    expect(base.totals.map((t) => t.currency)).toEqual(['CNY']);
    const usdRow = base.rows.find((r) => r.groups[0]!.key === 'USD')!;
    expect(usdRow.currency).toBe('CNY');
    expect(parseAmount(usdRow.total, 'CNY')).toBe(convert(1234_57n, 'USD', 'CNY', rate!.rate));
    expect(parseAmount(base.totals[0]!.total, 'CNY')).toBe(totalsOf(perCurrency).get('CNY')! + convert(1234_57n, 'USD', 'CNY', rate!.rate));
    // One currency only.
    expect((await doc({ currency: 'USD' })).totals).toEqual(perCurrency.totals.filter((t) => t.currency === 'USD'));

    // A USD invoice from before the first recorded rate cannot be converted.
    await withActor(db, finance, (tx) =>
      createInvoice(tx, finance, { partyId: party!.id, currency: 'USD', issueDate: '2020-01-15', lines: [{ description: 'old sale', unitPrice: '10.00' }] }),
    );
    const err = await rejection(aging({ asOf: '2020-02-01', currency: 'base' }));
    expect(err.code).toBe('fx_rate_missing');
    expect(err.message).toContain('USD→CNY');
    expect(err.message).toContain('2020-02-01');
  });

  it('refuses bad parameters with a 400 naming the parameter', async () => {
    for (const [p, code, field] of [
      [{ buckets: '30,abc' }, 'invalid_buckets', 'buckets'],
      [{ buckets: '60,30' }, 'invalid_buckets', 'buckets'],
      [{ by: ['customer', 'region', 'industry'] }, 'too_many_dimensions', 'by'],
      [{ by: ['colour'] }, 'unknown_dimension', 'by'],
      [{ by: ['customer', 'supplier'] }, 'duplicate_dimension', 'by'],
      [{ currency: 'XYZ' }, 'unknown_currency', 'currency'],
    ] as const) {
      const err = await rejection(aging(p as Partial<AgingParams>));
      expect([err.status, err.code, err.fields]).toEqual([400, code, [field]]);
    }
    const err = await rejection(aging({ buckets: '30,abc' }));
    expect(err.message).toContain('bound 2 is "abc", not a whole number of days');
  });

  // The command line, as a real process on the same database (PostgreSQL only: an embedded
  // database belongs to this test process). Two calls, ~3 s each.
  it.runIf(database.name === 'postgres')('shoufu aging prints an aligned table and, with --user, the user’s scoped JSON', async () => {
    const url = new URL(TEST_DATABASE_URL);
    url.pathname = `/${(db as unknown as { databaseName: string }).databaseName}`;
    const bin = join(import.meta.dirname, '..', '..', 'bin', 'shoufu.mjs');
    const run = (args: string[]) => promisify(execFile)(process.execPath, [bin, 'aging', ...args], { env: { ...process.env, DATABASE_URL: url.toString() } });
    const table = await run(['--as-of', '2026-05-31', '--by', 'region', '--buckets', 'short']);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('应收账龄分析  截至 2026-05-31  逾期账龄（按到期日）  原币');
    expect(lines[1]).toMatch(/^区域\s+币种\s+未到期\s+1–30天\s+31–60天\s+61–90天\s+90天以上\s+合计$/);
    const total = (await doc({ asOf: '2026-05-31', by: ['region'], buckets: 'short' })).totals[0]!.total;
    const grouped = total.replace(/\B(?=(\d{3})+(?!\d))(?=.*\.)/g, ',');
    expect(lines.find((l) => l.startsWith('合计'))).toMatch(new RegExp(`CNY .* ${grouped.replace('.', '\\.')}$`));
    // Amount columns are right-aligned: every body line ends at the same display column.
    expect(new Set(lines.slice(1).filter((l) => !l.startsWith('-')).map((l) => displayWidth(l))).size).toBe(1);

    const json = JSON.parse((await run(['--as-of', TODAY, '--by', 'customer', '--format', 'json', '--user', 'wangfang'])).stdout) as AgingDocument;
    expect(json).toEqual(await doc({ by: ['customer'] }, (await actorForUsername(db, 'wangfang'))!));
  }, 30_000);

  describe('over HTTP', () => {
    let app: FastifyInstance;
    let cookie = '';
    beforeAll(async () => {
      app = await buildServer({ db, webDist: null });
      const r = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'finance', password: DEMO_DEFAULTS.demoPassword } });
      cookie = String(r.headers['set-cookie']).split(';')[0]!;
    });
    afterAll(async () => {
      await app?.close();
    });
    const get = (url: string) => app.inject({ method: 'GET', url, headers: { cookie } });

    it('GET /api/aging (json, csv, xlsx) and /api/aging/cell give the same figures as the service', async () => {
      const q = `asOf=${TODAY}&by=region,salesperson&buckets=short`;
      const json = await get(`/api/aging?${q}`);
      expect(json.statusCode, json.body).toBe(200);
      const body = json.json() as AgingDocument;
      expect(body).toEqual(await doc({ by: ['region', 'salesperson'], buckets: 'short' }));

      const csv = await get(`/api/aging?${q}&format=csv`);
      expect(csv.headers['content-type']).toMatch(/text\/csv/);
      expect(csv.headers['content-disposition']).toContain(`shoufu-aging-AR-${TODAY}.csv`);
      const lines = csv.body.replace(/^\uFEFF/, '').trim().split('\n');
      expect(lines[0]).toBe('区域,销售负责人编码,销售负责人名称,币种,未到期,1–30天,31–60天,61–90天,90天以上,未核销红字,合计,笔数');
      const cnyTotal = lines.find((l) => l.startsWith('合计,,,CNY,'));
      expect(cnyTotal).toContain(`,${body.totals[0]!.total},`);
      expect(lines).toHaveLength(1 + body.rows.length + body.totals.length);
      const en = await get(`/api/aging?${q}&format=csv&lang=en-US`);
      expect(en.body).toContain('Region,Salesperson code,Salesperson name,Currency,Not due,1–30 days');

      const xlsx = await get(`/api/aging?${q}&format=xlsx`);
      expect(xlsx.statusCode).toBe(200);
      expect(xlsx.rawPayload.subarray(0, 2).toString()).toBe('PK');

      const row = body.rows[0]!;
      const cellUrl = `/api/aging/cell?${q}&rowCurrency=${row.currency}&${row.groups.map((g) => `key=${encodeURIComponent(g.key)}`).join('&')}&column=total`;
      const cell = await get(cellUrl);
      expect(cell.statusCode, cell.body).toBe(200);
      const c = cell.json() as { total: string; count: number; items: { open: string; number: string; invoiceId: string }[] };
      expect(c.total).toBe(row.total);
      expect(c.count).toBe(row.count);
      expect(c.items.reduce((s, i) => s + parseAmount(i.open, row.currency), 0n)).toBe(parseAmount(row.total, row.currency));
    });

    it('errors come back in the one error shape', async () => {
      const bad = await get('/api/aging?buckets=0,30');
      expect(bad.statusCode).toBe(400);
      expect(bad.json()).toEqual({ error: { code: 'invalid_buckets', message: expect.stringContaining('bound 1 is 0'), fields: ['buckets'] } });
      const badBasis = await get('/api/aging?basis=weekly');
      expect(badBasis.statusCode).toBe(400);
      expect((badBasis.json() as { error: { code: string } }).error.code).toBe('validation_failed');
      const badCell = await get(`/api/aging/cell?by=region&rowCurrency=CNY&key=华东&column=d999`);
      expect(badCell.statusCode).toBe(400);
      expect((badCell.json() as { error: { fields: string[] } }).error.fields).toEqual(['column']);
      const anon = await app.inject({ method: 'GET', url: '/api/aging' });
      expect(anon.statusCode).toBe(401);
    });
  });
});
