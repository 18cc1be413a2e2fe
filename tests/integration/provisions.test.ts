/**
 * Bad-debt provision runs and write-offs on PGlite and PostgreSQL: a hand-made ledger with invoices
 * of several accounting ages, a run matching hand-computed figures (with an individual assessment),
 * approval by another user, a write-off through approval, and a second period's run that charges
 * only the difference; the same over HTTP (dry run, voucher export, write-off request).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/server';
import type { Database } from '../../src/db/database';
import type { Actor } from '../../src/services/actor';
import { withActor } from '../../src/services/actor';
import { decideRequest } from '../../src/services/approvals/approvals';
import { verifyAuditChain } from '../../src/services/audit';
import { createProvisionRun, getProvisionRun, provisionBalance, requestWriteOff, submitProvisionRun } from '../../src/services/credit/provisions';
import { createActor, databases, rejection, type Seed, seedBasics, TEST_PASSWORD } from './harness';

const P1 = '2025-12-31';
const P2 = '2026-01-31';

for (const target of databases) {
  describe(`provisions on ${target.name}`, () => {
    let db: Database;
    let seed: Seed;
    let manager: Actor;
    let c2: string;
    const inst: Record<string, string> = {};
    beforeAll(async () => {
      db = await target.open();
      seed = await seedBasics(db);
      manager = await createActor(db, 'mgr', 'manager');
      const l = seed.as();
      const c1 = (await l.customer('C001')).id;
      c2 = (await l.customer('C002')).id;
      const invoice = async (key: string, partyId: string, issueDate: string, amount: string) => {
        const inv = await l.invoice({ partyId, issueDate, amount, installments: [{ dueDate: issueDate, amount }] });
        inst[key] = (await l.installments(inv.id))[0]!;
      };
      await invoice('A', c1, '2025-10-15', '100000.00'); // 1年以内
      await invoice('B', c1, '2024-06-30', '20000.00'); // 1–2年
      await invoice('C', c1, '2022-03-01', '10000.00'); // 3–4年
      await invoice('D', c1, '2019-05-05', '3333.33'); // 5年以上
      await invoice('E', c1, '2025-12-01', '12345.67'); // 1年以内, 2,345.67 paid in December
      await invoice('X', c2, '2025-11-01', '8000.00'); // C002: assessed individually at 25 %
      const r1 = await l.receipt({ partyId: c1, amount: '2345.67', receiptDate: '2025-12-20' });
      await l.allocate({ receiptId: r1.id, effectiveDate: '2025-12-20', lines: [{ installmentId: inst.E!, amount: '2345.67' }] });
      // after the first period end: a receipt for A and a new invoice F
      const r2 = await l.receipt({ partyId: c1, amount: '50000.00', receiptDate: '2026-01-10' });
      await l.allocate({ receiptId: r2.id, effectiveDate: '2026-01-10', lines: [{ installmentId: inst.A!, amount: '50000.00' }] });
      await invoice('F', c1, '2026-01-05', '100000.00');
    });
    afterAll(async () => db?.close());

    const override = () => [{ partyCode: 'C002', rateBp: 2500, reason: '涉诉，单项计提 25%' }];
    const approve = (requestId: string) => withActor(db, manager, (tx) => decideRequest(tx, manager, requestId, 'approve', '同意'));

    it('first period: hand-computed run, submitted, approved by another user', async () => {
      const dry = await withActor(db, seed.finance, (tx) => createProvisionRun(tx, seed.finance, { periodEnd: P1, overrides: override(), dryRun: true }));
      expect(dry.id).toBeNull();
      expect((await db.query('SELECT 1 FROM provision_runs')).length).toBe(0);

      const run = await withActor(db, seed.finance, (tx) => createProvisionRun(tx, seed.finance, { periodEnd: P1, overrides: override() }));
      expect(run.status).toBe('draft');
      const [cny] = run.result;
      // 1年以内: A 100,000.00 + E 10,000.00 → 5% = 5,500.00; B 20,000.00 → 10% = 2,000.00;
      // C 10,000.00 → 50% = 5,000.00; D 3,333.33 → 100%; C002 8,000.00 × 25% = 2,000.00
      expect(cny!.bands.map((b) => [b.zh, b.base, b.provision])).toEqual([
        ['1年以内', '110000.00', '5500.00'],
        ['1–2年', '20000.00', '2000.00'],
        ['2–3年', '0.00', '0.00'],
        ['3–4年', '10000.00', '5000.00'],
        ['4–5年', '0.00', '0.00'],
        ['5年以上', '3333.33', '3333.33'],
      ]);
      expect(cny!.individual).toEqual([{ partyId: c2, partyCode: 'C002', base: '8000.00', rateBp: 2500, provision: '2000.00', reason: '涉诉，单项计提 25%' }]);
      expect(cny).toMatchObject({ currency: 'CNY', receivable: '151333.33', required: '17833.33', existing: '0.00', change: '17833.33', kind: 'charge' });
      expect(cny!.voucher).toEqual([
        { account: '6702', accountZh: '信用减值损失', accountEn: 'Credit impairment losses', debit: '17833.33', credit: '0.00' },
        { account: '1231', accountZh: '坏账准备', accountEn: 'Allowance for bad debts', debit: '0.00', credit: '17833.33' },
      ]);
      expect(dry.result).toEqual(run.result);

      const { request } = await withActor(db, seed.finance, (tx) => submitProvisionRun(tx, seed.finance, run.id!));
      expect(request.documentType).toBe('provision_run');
      expect(request.amount).toBe('17833.33');
      expect((await withActor(db, seed.finance, (tx) => getProvisionRun(tx, run.id!))).status).toBe('pending_approval');
      expect((await rejection(withActor(db, seed.finance, (tx) => decideRequest(tx, seed.finance, request.id, 'approve')))).code).toBe('approval_own_request');
      const decided = await approve(request.id);
      expect(decided.status).toBe('approved');
      expect(decided.result).toMatchObject({ runId: run.id, changes: [{ currency: 'CNY', required: '17833.33', change: '17833.33' }] });
      const approved = await withActor(db, seed.finance, (tx) => getProvisionRun(tx, run.id!));
      expect(approved.status).toBe('approved');
      expect(approved.approvedAt).not.toBeNull();
      const balance = await withActor(db, seed.finance, (tx) => provisionBalance(tx, seed.entityId, P1));
      expect(balance.balances).toEqual({ CNY: 1_783_333n });
    });

    it('a write-off approved books the adjustment; the invoice’s open drops; 25号公告 flag', async () => {
      const request = await withActor(db, seed.finance, (tx) =>
        requestWriteOff(tx, seed.finance, { installmentId: inst.D!, reason: '债务人失联，催收无果', effectiveDate: '2026-01-15' }),
      );
      expect(request.documentType).toBe('write_off');
      expect(request.amount).toBe('3333.33');
      expect(request.title).toContain('可能符合25号公告');
      expect(request.payload).toMatchObject({ taxDeduction: { mayQualify: true }, debtorStatus: 'none' });
      const young = await withActor(db, seed.finance, (tx) => requestWriteOff(tx, seed.finance, { installmentId: inst.B!, amount: '1.00', reason: 'test', effectiveDate: '2026-01-15' }));
      expect(young.payload).toMatchObject({ taxDeduction: { mayQualify: false } });
      expect((await rejection(withActor(db, seed.finance, (tx) => requestWriteOff(tx, seed.finance, { installmentId: inst.D!, amount: '9999.00', reason: 'x' })))).code).toBe(
        'installment_over_allocated',
      );
      expect((await rejection(withActor(db, manager, (tx) => requestWriteOff(tx, manager, { installmentId: inst.D!, reason: 'x' })))).code).toBe('forbidden');

      const decided = await approve(request.id);
      expect(decided.status).toBe('approved');
      expect(decided.result).toMatchObject({ amount: '3333.33', effectiveDate: '2026-01-15' });
      const [row] = await db.query<{ open: bigint; kind: string; reason: string }>(
        `SELECT n.amount_minor - n.allocated_minor AS open, a.adjustment_kind AS kind, a.reason
           FROM installments n JOIN allocations a ON a.target_installment_id = n.id WHERE n.id = $1`,
        [inst.D],
      );
      expect(BigInt(row!.open)).toBe(0n);
      expect(row!.kind).toBe('write_off');
      expect(row!.reason).toContain('债务人失联，催收无果');
      // the write-off used the allowance up
      const balance = await withActor(db, seed.finance, (tx) => provisionBalance(tx, seed.entityId, P2));
      expect(balance.balances).toEqual({ CNY: 1_450_000n });
    });

    it('second period: the run charges only the difference', async () => {
      const run = await withActor(db, seed.finance, (tx) => createProvisionRun(tx, seed.finance, { periodEnd: P2, overrides: override() }));
      const [cny] = run.result;
      // 1年以内: A 50,000.00 + E 10,000.00 + F 100,000.00 → 8,000.00; B 2,000.00; C 5,000.00; C002 2,000.00
      expect(cny).toMatchObject({ required: '17000.00', existing: '14500.00', change: '2500.00', kind: 'charge' });
      expect(cny!.voucher.map((l) => [l.accountZh, l.debit, l.credit])).toEqual([
        ['信用减值损失', '2500.00', '0.00'],
        ['坏账准备', '0.00', '2500.00'],
      ]);
      expect(run.previousRunId).not.toBeNull();
      const { request } = await withActor(db, seed.finance, (tx) => submitProvisionRun(tx, seed.finance, run.id!));
      // one run per entity waits for approval at a time
      const other = await withActor(db, seed.finance, (tx) => createProvisionRun(tx, seed.finance, { periodEnd: P2 }));
      expect((await rejection(withActor(db, seed.finance, (tx) => submitProvisionRun(tx, seed.finance, other.id!)))).code).toBe('provision_run_pending');
      await approve(request.id);
      expect((await withActor(db, seed.finance, (tx) => provisionBalance(tx, seed.entityId, P2))).balances).toEqual({ CNY: 1_700_000n });
      // the draft computed against the old balance is stale now
      expect((await rejection(withActor(db, seed.finance, (tx) => submitProvisionRun(tx, seed.finance, other.id!)))).code).toBe('provision_run_stale');
      // an earlier period cannot be run after a later one was approved
      expect((await rejection(withActor(db, seed.finance, (tx) => createProvisionRun(tx, seed.finance, { periodEnd: P1 })))).code).toBe('period_before_last_run');
      expect((await verifyAuditChain(db)).ok).toBe(true);
    });

    it('a rejected run stays out of the balance; scope and closed periods are enforced', async () => {
      const run = await withActor(db, seed.finance, (tx) => createProvisionRun(tx, seed.finance, { periodEnd: P2 }));
      // without the individual assessment C002's 8,000.00 falls in 1年以内 at 5% (400.00 instead of 2,000.00): a release
      expect(run.result[0]).toMatchObject({ required: '15400.00', existing: '17000.00', change: '-1600.00', kind: 'release' });
      expect(run.result[0]!.voucher.map((l) => [l.accountZh, l.debit, l.credit])).toEqual([
        ['坏账准备', '1600.00', '0.00'],
        ['信用减值损失', '0.00', '1600.00'],
      ]);
      const { request } = await withActor(db, seed.finance, (tx) => submitProvisionRun(tx, seed.finance, run.id!));
      const rejected = await withActor(db, manager, (tx) => decideRequest(tx, manager, request.id, 'reject', '单项计提不应取消'));
      expect(rejected.status).toBe('rejected');
      expect((await withActor(db, seed.finance, (tx) => getProvisionRun(tx, run.id!))).status).toBe('rejected');
      expect((await withActor(db, seed.finance, (tx) => provisionBalance(tx, seed.entityId, P2))).balances).toEqual({ CNY: 1_700_000n });
      const east = await createActor(db, 'fin_east', 'finance', { regions: ['华东'] });
      expect((await rejection(withActor(db, east, (tx) => createProvisionRun(tx, east, { periodEnd: P2 })))).code).toBe('forbidden');
      const closed = await rejection(withActor(db, seed.finance, (tx) => requestWriteOff(tx, seed.finance, { installmentId: inst.B!, reason: 'x', effectiveDate: '2026-01-20' })));
      expect(closed.code).toBe('write_off_in_closed_period');
    });

    it('over HTTP: dry run, run with voucher, xlsx/pdf export, write-off request', async () => {
      const app = await buildServer({ db, webDist: null });
      try {
        const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'finance', password: TEST_PASSWORD } });
        const headers = { cookie: res.headers['set-cookie'] as string };
        const dry = await app.inject({ method: 'POST', url: '/api/provisions/runs', headers, payload: { periodEnd: P2, overrides: override(), dryRun: true } });
        expect(dry.statusCode).toBe(200);
        expect(dry.json().result[0]).toMatchObject({ required: '17000.00', existing: '17000.00', change: '0.00', voucher: [] });
        const bands = [
          { upToYears: 1, rateBp: 1000, zh: '1年以内', en: 'within 1 year' },
          { upToYears: null, rateBp: 10000, zh: '1年以上', en: 'over 1 year' },
        ];
        const created = await app.inject({ method: 'POST', url: '/api/provisions/runs', headers, payload: { periodEnd: P2, bands, submit: true } });
        expect(created.statusCode).toBe(201);
        const run = created.json();
        // 160,000.00 + 8,000.00 (C002 in the pool) at 10% = 16,800.00; B + C 30,000.00 at 100% → 46,800.00
        expect(run.status).toBe('pending_approval');
        expect(run.result[0]).toMatchObject({ required: '46800.00', existing: '17000.00', change: '29800.00' });
        const got = await app.inject({ method: 'GET', url: `/api/provisions/runs/${run.id}`, headers });
        expect(got.json().result[0].voucher[0]).toMatchObject({ accountZh: '信用减值损失', debit: '29800.00' });
        const xlsx = await app.inject({ method: 'GET', url: `/api/provisions/runs/${run.id}/voucher?format=xlsx`, headers });
        expect(xlsx.statusCode).toBe(200);
        expect(xlsx.headers['content-type']).toContain('spreadsheetml');
        expect(xlsx.rawPayload.subarray(0, 2).toString()).toBe('PK');
        const pdf = await app.inject({ method: 'GET', url: `/api/provisions/runs/${run.id}/voucher?format=pdf`, headers });
        expect([200, 501]).toContain(pdf.statusCode); // 501 when no CJK font is installed
        if (pdf.statusCode === 200) expect(pdf.rawPayload.subarray(0, 4).toString()).toBe('%PDF');
        const wo = await app.inject({ method: 'POST', url: '/api/write-offs', headers, payload: { installmentId: inst.C, reason: '债务人破产', debtorStatus: 'bankrupt', effectiveDate: '2026-02-10' } });
        expect(wo.statusCode).toBe(201);
        expect(wo.json()).toMatchObject({ documentType: 'write_off', status: 'pending', amount: '10000.00', payload: { taxDeduction: { mayQualify: true } } });
      } finally {
        await app.close();
      }
    });
  });
}
