/**
 * Receivables KPIs on both databases: a tiny hand-made ledger checked against hand-computed
 * figures (also for a salesperson who sees only their own customers), then a small demo company
 * whose closing AR must equal the dashboard's receivable and the aging report's Σ buckets, with a
 * full non-negative trend, a salesperson's scope, and the HTTP route.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/server';
import type { Database } from '../../src/db/database';
import { parseAmount } from '../../src/domain/money';
import { DEMO_DEFAULTS, seedDemo } from '../../src/demo/seed';
import { type Actor, withActor } from '../../src/services/actor';
import { agingAsOf } from '../../src/services/analytics/aging';
import { dashboardAsOf } from '../../src/services/analytics/dashboard';
import { type KpiParams, kpisAsOf } from '../../src/services/analytics/kpi';
import { actorForUsername } from '../../src/services/auth/users';
import { createInvoice } from '../../src/services/ledger/invoices';
import { dashboardSummary } from '../../src/services/ledger/queries';
import { createActor, databases, rejection, seedBasics } from './harness';

describe.each(databases)('KPIs on $name', (database) => {
  describe('a hand-made ledger', () => {
    let db: Database;
    let finance: Actor;
    let sales: Actor;
    const kpis = (actor: Actor, p: Partial<KpiParams> = {}) =>
      withActor(db, actor, (tx) => kpisAsOf(tx, { asOf: '2024-03-31', months: 3, currency: 'CNY', ...p }));

    beforeAll(async () => {
      db = await database.open();
      const seed = await seedBasics(db);
      finance = seed.finance;
      sales = await createActor(db, 'sales1', 'sales', { ownCustomersOnly: true });
      const l = seed.as();
      const k1 = await l.customer('K1', { ownerUsername: 'sales1', creditLimit: '1000.00' });
      const k2 = await l.customer('K2', { creditLimit: '5000.00' });
      // A: January, due in February, paid 2024-02-20.
      const a = await l.invoice({ partyId: k1.id, amount: '1000.00', issueDate: '2024-01-10', installments: [{ dueDate: '2024-02-09', amount: '1000.00' }] });
      // B: February, two installments; 600 of the first paid 2024-03-25, the rest of it overdue at the end of March.
      const b = await l.invoice({
        partyId: k1.id,
        amount: '2000.00',
        issueDate: '2024-02-15',
        installments: [
          { dueDate: '2024-03-15', amount: '1000.00' },
          { dueDate: '2024-04-15', amount: '1000.00' },
        ],
      });
      // C: March, another customer, 500 credited in March (applied to C).
      const c = await l.invoice({ partyId: k2.id, amount: '3000.00', issueDate: '2024-03-05', installments: [{ dueDate: '2024-04-30', amount: '3000.00' }] });
      await l.creditNote(c.id, '500.00', '2024-03-20');
      const [aInst] = await l.installments(a.id);
      const [bInst] = await l.installments(b.id);
      const r1 = await l.receipt({ partyId: k1.id, amount: '1000.00', receiptDate: '2024-02-20' });
      await l.allocate({ receiptId: r1.id, lines: [{ installmentId: aInst!, amount: '1000.00' }] });
      const r2 = await l.receipt({ partyId: k1.id, amount: '600.00', receiptDate: '2024-03-25' });
      await l.allocate({ receiptId: r2.id, lines: [{ installmentId: bInst!, amount: '600.00' }] });
      // April: the rest of B's first installment (400) written off; E, K2, 1000; a receipt of K2 left
      // unapplied; two bills of a supplier (AP).
      await l.adjust({ installmentId: bInst!, kind: 'write_off', amount: '400.00', reason: '客户破产', effectiveDate: '2024-04-10' });
      await l.invoice({ partyId: k2.id, amount: '1000.00', issueDate: '2024-04-12', installments: [{ dueDate: '2024-05-12', amount: '1000.00' }] });
      await l.receipt({ partyId: k2.id, amount: '500.00', receiptDate: '2024-04-05' });
      const s1 = await l.customer('S1', { isCustomer: false, isSupplier: true });
      const bill = (spec: { amount: string; issueDate: string; installments: { dueDate: string; amount: string }[] }) =>
        l.run((tx) =>
          createInvoice(tx, l.actor, { side: 'AP', partyId: s1.id, currency: 'CNY', lines: [{ description: '采购', unitPrice: spec.amount }], ...spec }),
        );
      await bill({
        amount: '3000.00',
        issueDate: '2024-04-01',
        installments: [
          { dueDate: '2024-05-05', amount: '1000.00' },
          { dueDate: '2024-05-25', amount: '2000.00' },
        ],
      });
      await bill({ amount: '600.00', issueDate: '2024-04-02', installments: [{ dueDate: '2024-04-20', amount: '600.00' }] });
    }, 60_000);

    afterAll(async () => {
      await db?.close();
    });

    it('March 2024 as computed by hand', async () => {
      const k = await kpis(finance);
      expect(k.period).toEqual({ from: '2024-03-01', to: '2024-03-31', days: 31 });
      // opening (Feb 29) 2000 = B; closing 3900 = B 400 (overdue) + 1000 + C 2500; sales 3000 − 500; collected 600.
      expect(k.current).toMatchObject({
        dso: '48.4', // 3900 × 31 ÷ 2500 = 48.36
        dsoCountback: '51.3', // March's 2500 → 31 days; 1400 of February's 2000 → 0.7 × 29 = 20.3 days
        bestPossibleDso: '43.4', // 3500 × 31 ÷ 2500
        add: '5.0', // 400 × 31 ÷ 2500 = 4.96
        cei: '60.00', // (2000 + 2500 − 3900) ÷ (2000 + 2500 − 3500)
        overdueRatioAmount: '10.26', // 400 ÷ 3900
        overdueRatioCount: '33.33', // 1 of 3 open installments
        turnover: '9.98', // 2500 × 365 ÷ 31 ÷ ((2000 + 3900) ÷ 2)
        turnoverDays: '36.6', // 31 × 5900 ÷ 2 ÷ 2500
        collectionRate: '13.33', // 600 ÷ (2000 + 2500)
        openingAr: '2000.00',
        closingAr: '3900.00',
        closingCurrentAr: '3500.00',
        overdue: '400.00',
        creditSales: '2500.00',
        collections: '600.00',
      });
      // March's concentration and credit: K1 1400 (over its 1000 limit), K2 2500 (limit 5000).
      expect(k.current).toMatchObject({
        top10Share: '100.00',
        hhi: '5397.8', // (1400² + 2500²) ÷ 3900² × 10000 = 5397.76
        creditUtilisation: '65.00', // 3900 ÷ 6000
        customersWithLimit: 2,
        customersOverLimit: 1,
        unapplied: '0.00',
        unappliedCount: 0,
        writtenOff: '0.00',
        badDebtRate: '0.00',
        closingAp: '0.00',
        dpo: null, // no purchases
      });
      expect(k.trend.map(({ month, from, to, dso, cei, closingAr, overdue, creditSales, collections }) => ({ month, from, to, dso, cei, closingAr, overdue, creditSales, collections }))).toEqual([
        { month: '2024-01', from: '2024-01-01', to: '2024-01-31', dso: '31.0', cei: null, closingAr: '1000.00', overdue: '0.00', creditSales: '1000.00', collections: '0.00' },
        { month: '2024-02', from: '2024-02-01', to: '2024-02-29', dso: '29.0', cei: '100.00', closingAr: '2000.00', overdue: '0.00', creditSales: '2000.00', collections: '1000.00' },
        { month: '2024-03', from: '2024-03-01', to: '2024-03-31', dso: '48.4', cei: '60.00', closingAr: '3900.00', overdue: '400.00', creditSales: '2500.00', collections: '600.00' },
      ]);
      expect(k.trend.map((t) => t.hhi)).toEqual(['10000.0', '10000.0', '5397.8']);
    });

    it('April 2024: write-off, unapplied cash, concentration, credit use and payables, by hand', async () => {
      const k = await kpis(finance, { asOf: '2024-04-30', months: 2 });
      // AR at April 30: K1 = B's second installment 1000 (due 04-15, overdue); K2 = C 2500 (due today) + E 1000.
      expect(k.current).toMatchObject({
        closingAr: '4500.00',
        overdue: '1000.00',
        creditSales: '1000.00',
        collections: '0.00',
        dso: '135.0', // 4500 × 30 ÷ 1000
        writtenOff: '400.00',
        badDebtRate: '40.00', // 400 ÷ 1000
        unapplied: '500.00',
        unappliedCount: 1,
        unappliedRatio: '11.11', // 500 ÷ 4500
        top10Share: '100.00',
        hhi: '6543.2', // (1000² + 3500²) ÷ 4500² × 10000 = 6543.209…
        creditUtilisation: '75.00', // 4500 ÷ 6000
        customersWithLimit: 2,
        customersOverLimit: 0, // K1 at exactly its limit is not over it
        closingAp: '3600.00',
        payablesOverdue: '600.00', // the 600 bill due 04-20
        payablesDue7: '1000.00', // due 05-05 ≤ 04-30 + 7
        payablesDue30: '3000.00', // + 2000 due 05-25
        purchases: '3600.00',
        dpo: '30.0', // 3600 × 30 ÷ 3600
      });
      // Month over month: March is the previous period.
      expect(k.previous).toMatchObject({ period: { from: '2024-03-01', to: '2024-03-31', days: 31 }, closingAr: '3900.00', hhi: '5397.8', customersOverLimit: 1 });
      expect(k.trend.map((t) => [t.month, t.closingAp, t.dpo, t.badDebtRate, t.unapplied])).toEqual([
        ['2024-03', '0.00', null, '0.00', '0.00'],
        ['2024-04', '3600.00', '30.0', '40.00', '500.00'],
      ]);
    });

    it("April as the salesperson: K1 only, no supplier, no other customer's receipt", async () => {
      const k = await kpis(sales, { asOf: '2024-04-30', months: 1 });
      expect(k.current).toMatchObject({
        closingAr: '1000.00',
        hhi: '10000.0', // one customer
        top10Share: '100.00',
        creditUtilisation: '100.00',
        customersWithLimit: 1,
        customersOverLimit: 0,
        writtenOff: '400.00',
        badDebtRate: null, // no sales to K1 in April
        unapplied: '0.00',
        closingAp: '0.00',
        dpo: null,
      });
      expect(k.previous).toBeNull();
    });

    it('the dashboard document adds up: totals = KPIs = Σ aging buckets; top overdue and regions, also scoped', async () => {
      const d = await withActor(db, finance, (tx) => dashboardAsOf(tx, { asOf: '2024-04-30', months: 2, currency: 'CNY' }));
      expect(d.totals).toEqual({ receivable: '4500.00', overdue: '1000.00', unapplied: '500.00', customerCount: 2, overdueCustomerCount: 1 });
      expect(d.kpis.current.closingAr).toBe(d.totals.receivable);
      expect(d.aging.map((b) => [b.key, b.amount]).filter(([, a]) => a !== '0.00')).toEqual([
        ['current', '3500.00'],
        ['d1_30', '1000.00'],
      ]);
      expect(d.topOverdue).toEqual([
        expect.objectContaining({ code: 'K1', open: '1000.00', overdue: '1000.00', overdueRatio: '100.00', creditLimit: '1000.00', creditUtilisation: '100.00', oldestBucket: 'd1_30' }),
      ]);
      expect(d.regions).toEqual([
        expect.objectContaining({ open: '4500.00', overdue: '1000.00', overdueRatio: '22.22', customers: 2, overdueCustomers: 1, provinces: [expect.objectContaining({ province: '', overdueRatio: '22.22' })] }),
      ]);
      const mine = await withActor(db, sales, (tx) => dashboardAsOf(tx, { asOf: '2024-04-30', months: 2, currency: 'CNY' }));
      expect(mine.totals).toMatchObject({ receivable: '1000.00', customerCount: 1, overdueCustomerCount: 1 });
      expect(mine.topOverdue.map((c) => c.code)).toEqual(['K1']);
    });

    it('a mid-month as-of date is month-to-date; a past as-of date ignores later money', async () => {
      const k = await kpis(finance, { asOf: '2024-03-10', months: 1 });
      expect(k.period).toEqual({ from: '2024-03-01', to: '2024-03-10', days: 10 });
      // B 2000 + C 3000, all not yet due (C's credit note comes on the 20th, the receipt on the 25th), so
      // CEI has no base: opening 2000 + sales 3000 − current 5000 = 0.
      expect(k.current).toMatchObject({ closingAr: '5000.00', creditSales: '3000.00', collections: '0.00', dso: '16.7', cei: null });
      expect(k.trend.map((t) => t.month)).toEqual(['2024-03']);
    });

    it('a salesperson limited to their own customers gets KPIs over those customers only', async () => {
      const k = await kpis(sales);
      // K1 only: opening B 2000, closing 400 + 1000, no sales in March, 600 collected.
      expect(k.current).toMatchObject({
        openingAr: '2000.00',
        closingAr: '1400.00',
        closingCurrentAr: '1000.00',
        creditSales: '0.00',
        collections: '600.00',
        dso: null,
        cei: '60.00', // (2000 − 1400) ÷ (2000 − 1000)
        collectionRate: '30.00',
        overdueRatioCount: '50.00',
      });
      const dash = await withActor(db, sales, (tx) => dashboardSummary(tx, '2024-03-31'));
      expect(k.current.closingAr).toBe(dash.receivable);
    });

    it('another currency, an unknown entity and bad parameters', async () => {
      const usd = await kpis(finance, { currency: 'usd' });
      expect(usd.currency).toBe('USD');
      expect(usd.current).toMatchObject({ closingAr: '0.00', dso: null, cei: null, collectionRate: null });
      expect((await kpis(finance, { entity: 'SH01' })).current.closingAr).toBe('3900.00');
      expect((await rejection(kpis(finance, { entity: 'NOPE' }))).code).toBe('unknown_entity');
      expect((await rejection(kpis(finance, { asOf: '2024-02-30' }))).code).toBe('invalid_date');
      expect((await rejection(kpis(finance, { months: 0 }))).code).toBe('invalid_months');
      expect((await rejection(kpis(finance, { currency: 'XYZ' }))).code).toBe('unknown_currency');
    });
  });

  describe('a small demo company', () => {
    const TODAY = '2026-06-30';
    let db: Database;
    let finance: Actor;
    const kpis = (actor: Actor, p: Partial<KpiParams> = {}) => withActor(db, actor, (tx) => kpisAsOf(tx, { asOf: TODAY, months: 12, currency: 'CNY', ...p }));
    /** Σ buckets of the CNY row of the aging report (credit notes excluded), under the actor's scope. */
    const agingBuckets = async (actor: Actor) => {
      const r = await withActor(db, actor, (tx) => agingAsOf(tx, { asOf: TODAY, side: 'AR', basis: 'due', buckets: 'chinese', by: [], currency: 'CNY' }));
      const cny = r.report.totals.find((t) => t.currency === 'CNY');
      return cny ? cny.amounts.reduce((a, b) => a + b, 0n) : 0n;
    };

    beforeAll(async () => {
      db = await database.open();
      await seedDemo(db, { customers: 30, invoices: 600, today: TODAY });
      finance = (await actorForUsername(db, 'finance'))!;
    }, 120_000);

    afterAll(async () => {
      await db?.close();
    });

    it('closing AR equals the dashboard receivable and the aging Σ buckets; the trend has 12 non-negative months', async () => {
      const k = await kpis(finance);
      const dash = await withActor(db, finance, (tx) => dashboardSummary(tx, TODAY));
      expect(k.current.closingAr).toBe(dash.receivable);
      expect(k.current.overdue).toBe(dash.overdue);
      expect(parseAmount(k.current.closingAr, 'CNY')).toBe(await agingBuckets(finance));
      expect(parseAmount(k.current.closingAr, 'CNY')).toBeGreaterThan(0n);

      expect(k.trend).toHaveLength(12);
      expect(k.trend.map((t) => t.month)).toEqual(['2025-07', '2025-08', '2025-09', '2025-10', '2025-11', '2025-12', '2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06']);
      for (const t of k.trend) {
        for (const f of ['closingAr', 'overdue', 'creditSales', 'collections'] as const) {
          expect(parseAmount(t[f], 'CNY'), `${t.month} ${f}`).toBeGreaterThanOrEqual(0n);
        }
        if (t.dso !== null) expect(Number(t.dso)).toBeGreaterThanOrEqual(0);
      }
      // The last trend month is the current period; each month's closing AR is the dashboard's at its end.
      const last = k.trend[11]!;
      expect(last).toMatchObject({ closingAr: k.current.closingAr, creditSales: k.current.creditSales, collections: k.current.collections, dso: k.current.dso, cei: k.current.cei });
      const dashJan = await withActor(db, finance, (tx) => dashboardSummary(tx, '2026-01-31'));
      expect(k.trend[6]!.closingAr).toBe(dashJan.receivable);
    });

    it('a demo salesperson (own customers only) gets KPIs over their customers only', async () => {
      const sales = (await actorForUsername(db, 'wangfang'))!;
      expect(sales.ownCustomersOnly).toBe(true);
      const mine = await kpis(sales);
      const all = await kpis(finance);
      const dash = await withActor(db, sales, (tx) => dashboardSummary(tx, TODAY));
      expect(mine.current.closingAr).toBe(dash.receivable);
      expect(parseAmount(mine.current.closingAr, 'CNY')).toBe(await agingBuckets(sales));
      expect(parseAmount(mine.current.closingAr, 'CNY')).toBeLessThan(parseAmount(all.current.closingAr, 'CNY'));
      expect(parseAmount(mine.current.creditSales, 'CNY')).toBeLessThanOrEqual(parseAmount(all.current.creditSales, 'CNY'));
    });

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

      it('GET /api/kpis gives the service figures; bad parameters are 400; no session is 401', async () => {
        const r = await app.inject({ method: 'GET', url: `/api/kpis?asOf=${TODAY}&months=6`, headers: { cookie } });
        expect(r.statusCode, r.body).toBe(200);
        expect(r.json()).toEqual(await kpis(finance, { months: 6 }));
        const bad = await app.inject({ method: 'GET', url: `/api/kpis?asOf=${TODAY}&months=99`, headers: { cookie } });
        expect(bad.statusCode).toBe(400);
        const anon = await app.inject({ method: 'GET', url: '/api/kpis' });
        expect(anon.statusCode).toBe(401);
      });

      it('GET /api/dashboard serves the home page in one request, schema-validated and in the OpenAPI document', async () => {
        const r = await app.inject({ method: 'GET', url: `/api/dashboard?asOf=${TODAY}&months=24`, headers: { cookie } });
        expect(r.statusCode, r.body).toBe(200);
        const d = r.json();
        expect(d).toEqual(JSON.parse(JSON.stringify(await withActor(db, finance, (tx) => dashboardAsOf(tx, { asOf: TODAY, months: 24, currency: 'CNY' })))));
        expect(d.kpis.trend).toHaveLength(24);
        const dash = await withActor(db, finance, (tx) => dashboardSummary(tx, TODAY));
        expect(d.totals).toMatchObject({ receivable: dash.receivable, overdue: dash.overdue, unapplied: dash.unapplied, customerCount: dash.customerCount, overdueCustomerCount: dash.overdueCustomerCount });
        expect(d.aging).toEqual(dash.aging);
        expect(d.kpis.current.closingAr).toBe(dash.receivable);
        expect(d.topOverdue.length).toBeGreaterThan(0);
        expect(d.regions.length).toBeGreaterThan(0);
        expect((await app.inject({ method: 'GET', url: '/api/dashboard?months=25', headers: { cookie } })).statusCode).toBe(400);
        expect((await app.inject({ method: 'GET', url: '/api/dashboard' })).statusCode).toBe(401);
        const spec = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
        expect(spec.paths['/api/dashboard'].get.responses['200']).toBeDefined();
      });
    });
  });
});
