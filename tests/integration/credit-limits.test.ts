/**
 * Credit limits, the credit check at every stage, orders, holds (placed on block, released by a
 * receipt through the audit hook), overrides through approvals, group and temporary limits, RLS —
 * on PGlite and PostgreSQL; and, on PostgreSQL, concurrent order checks that each fit but together
 * exceed a limit: exactly as many pass as fit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database';
import { addDays, todayIso } from '../../src/domain/dates';
import { withActor } from '../../src/services/actor';
import { decideRequest } from '../../src/services/approvals/approvals';
import { verifyAuditChain } from '../../src/services/audit';
import { closeOrder, creditCheck } from '../../src/services/credit/check';
import { listHolds, reevaluateAllHolds, requestOverride } from '../../src/services/credit/holds';
import { recommendLimit, setLimit, setStageRules } from '../../src/services/credit/limits';
import { createActor, databases, postgres, rejection, type Seed, seedBasics, type TestDatabase } from './harness';

const today = todayIso();

for (const target of databases) {
  describe(`credit limits on ${target.name}`, () => {
    let db: Database;
    let seed: Seed;
    let custId: string;
    beforeAll(async () => {
      db = await target.open();
      seed = await seedBasics(db);
      custId = (await seed.as().customer('C001', { paymentTermsDays: 30 })).id;
      // open receivables ¥60,000.00 due in 30 days
      await seed.as().invoice({ partyId: custId, amount: '60000.00', issueDate: today, installments: [{ dueDate: addDays(today, 30), amount: '60000.00' }] });
      await withActor(db, seed.finance, (tx) => setLimit(tx, seed.finance, { partyId: custId, amount: '100000.00' }));
    });
    afterAll(async () => db?.close());

    const check = (amount: string, extra: Record<string, unknown> = {}) =>
      withActor(db, seed.finance, (tx) => creditCheck(tx, seed.finance, { partyId: custId, amount, ...extra }));

    it('allows within the limit, warns near it, blocks above it — with bilingual reasons', async () => {
      expect((await check('10000.00')).decision).toBe('allow');
      const warn = await check('31000.00');
      expect(warn.decision).toBe('warn');
      expect(warn.reasons[0]?.code).toBe('exposure_near_limit');
      const block = await check('60000.00', { stage: 'invoice' });
      expect(block.decision).toBe('warn'); // invoice stage only warns
      const order = await check('60000.00');
      expect(order.decision).toBe('block');
      expect(order.reasons[0]?.zh).toBe('敞口 120,000.00 超过额度 100,000.00');
      expect(order.reasons[0]?.en).toBe('exposure 120,000.00 CNY exceeds limit 100,000.00 CNY');
      expect(order.exposure).toEqual({ open: '60000.00', unapplied: '0.00', orders: '0.00', document: '60000.00', total: '120000.00' });
      expect(order.available).toBe('40000.00');
      expect(order.hold).not.toBeNull();
      const delivery = await check('60000.00', { stage: 'delivery' });
      expect(delivery.decision).toBe('block');
    });

    it('a hold is listed and lifts when a receipt brings the customer back within the rules', async () => {
      const holds = await withActor(db, seed.finance, (tx) => listHolds(tx, { open: true }));
      expect(holds.map((h) => h.customer.code)).toEqual(['C001']);
      // Still within the rules without a document: the next passing check releases it.
      const ok = await check('1000.00');
      expect(ok.decision).toBe('allow');
      expect(ok.hold).toBeNull();
    });

    it('orders reserve exposure; release and invoicing free it', async () => {
      const o1 = await check('30000.00', { orderRef: 'SO-1' });
      expect(o1.order?.externalRef).toBe('SO-1');
      const again = await check('15000.00', { orderRef: 'SO-2' });
      expect(again.decision).toBe('block'); // 60k + 30k + 15k > 100k
      expect(again.order).toBeNull();
      expect((await rejection(check('1.00', { orderRef: 'SO-1' }))).code).toBe('duplicate_order');
      await withActor(db, seed.finance, (tx) => closeOrder(tx, seed.finance, { externalRef: 'SO-1' }, 'released'));
      // the release re-evaluated the hold
      expect(await withActor(db, seed.finance, (tx) => listHolds(tx, { open: true }))).toEqual([]);
      expect((await check('15000.00', { orderRef: 'SO-2' })).decision).toBe('allow');
      await withActor(db, seed.finance, (tx) => closeOrder(tx, seed.finance, { externalRef: 'SO-2' }, 'invoiced'));
      expect((await rejection(withActor(db, seed.finance, (tx) => closeOrder(tx, seed.finance, { externalRef: 'SO-2' }, 'released'))) ).code).toBe('order_closed');
    });

    it('an override approved by someone else lets a blocked order through; the hold lifts after payment', async () => {
      const blocked = await check('50000.00', { orderRef: 'SO-3' });
      expect(blocked.decision).toBe('block');
      const request = await withActor(db, seed.finance, (tx) => requestOverride(tx, seed.finance, { partyId: custId, amount: '50000.00', expiresOn: addDays(today, 7), reason: '战略客户' }));
      expect(request.status).toBe('pending');
      expect((await rejection(withActor(db, seed.finance, (tx) => decideRequest(tx, seed.finance, request.id, 'approve')))).code).toBe('approval_own_request');
      const manager = await createActor(db, 'mgr', 'manager');
      const approved = await withActor(db, manager, (tx) => decideRequest(tx, manager, request.id, 'approve', '同意'));
      expect(approved.status).toBe('approved');
      expect(approved.result).toMatchObject({ amount: '50000.00' });
      const passed = await check('50000.00', { orderRef: 'SO-3' });
      expect(passed.decision).toBe('warn');
      expect(passed.overrideUsed).not.toBeNull();
      expect(passed.hold).not.toBeNull(); // exposure 110k with the order: still outside the rules
      // override used up
      expect((await check('1.00', { orderRef: 'SO-4' })).decision).toBe('block');
      // a receipt of ¥20,000.00 (unapplied cash counts against the exposure) lifts the hold via the audit hook
      await seed.as().receipt({ partyId: custId, amount: '20000.00', receiptDate: today });
      expect(await withActor(db, seed.finance, (tx) => listHolds(tx, { open: true }))).toEqual([]);
      const all = await withActor(db, seed.finance, (tx) => listHolds(tx, { partyId: custId }));
      expect(all.every((h) => !h.open && h.releasedByRule)).toBe(true);
    });

    it('overdue and grade rules per stage; stage rules are configurable', async () => {
      const late = (await seed.as().customer('C002')).id;
      await seed.as().invoice({ partyId: late, amount: '500.00', issueDate: addDays(today, -200), installments: [{ dueDate: addDays(today, -100), amount: '500.00' }] });
      const c = (stage: 'order' | 'delivery' | 'invoice') => withActor(db, seed.finance, (tx) => creditCheck(tx, seed.finance, { partyId: late, amount: '1.00', stage }));
      const order = await c('order');
      expect(order.decision).toBe('block');
      expect(order.reasons.map((r) => r.code)).toEqual(['no_limit', 'overdue_amount', 'oldest_overdue']);
      expect(order.oldestDaysOverdue).toBe(100);
      expect((await c('delivery')).decision).toBe('warn');
      expect((await c('invoice')).decision).toBe('warn');
      await db.query("INSERT INTO credit_scores (party_id, as_of, score, grade, factors, facts) VALUES ($1, $2, 20, 'E', '[]', '{}')", [late, today]);
      expect((await c('invoice')).reasons.some((r) => r.code === 'grade')).toBe(true);
      await withActor(db, seed.admin, (tx) =>
        setStageRules(tx, seed.admin, 'delivery', { exposure: 'block', warnAtPercent: null, overdueWarnOver: null, overdueBlockOver: '100.00', oldestDaysWarnOver: null, oldestDaysBlockOver: null, gradesWarn: [], gradesBlock: [] }),
      );
      const d = await c('delivery');
      expect(d.decision).toBe('block');
      expect(d.reasons.find((r) => r.code === 'overdue_amount')?.zh).toBe('逾期金额 500.00 超过 100.00');
    });

    it('group-shared and temporary limits', async () => {
      const parent = (await seed.as().customer('G000')).id;
      const sub1 = (await seed.as().customer('G001', { parentCode: 'G000' })).id;
      const sub2 = (await seed.as().customer('G002', { parentCode: 'G000' })).id;
      await withActor(db, seed.finance, (tx) => setLimit(tx, seed.finance, { partyId: parent, amount: '10000.00', group: true }));
      await seed.as().invoice({ partyId: sub1, amount: '8000.00', issueDate: today, installments: [{ dueDate: addDays(today, 30), amount: '8000.00' }] });
      const g = await withActor(db, seed.finance, (tx) => creditCheck(tx, seed.finance, { partyId: sub2, amount: '3000.00' }));
      expect(g.decision).toBe('block');
      expect(g.reasons[0]?.zh).toBe('集团敞口 11,000.00 超过集团额度 10,000.00');
      expect(g.group?.members).toBe(3);
      await withActor(db, seed.finance, (tx) => setLimit(tx, seed.finance, { partyId: parent, amount: '20000.00', group: true, kind: 'temporary', expiresOn: addDays(today, 10) }));
      const t = await withActor(db, seed.finance, (tx) => creditCheck(tx, seed.finance, { partyId: sub2, amount: '3000.00' }));
      expect(t.decision).toBe('allow');
      const later = await withActor(db, seed.finance, (tx) => creditCheck(tx, seed.finance, { partyId: sub2, amount: '3000.00', date: addDays(today, 11) }));
      expect(later.decision).toBe('block');
      expect((await rejection(withActor(db, seed.finance, (tx) => setLimit(tx, seed.finance, { partyId: sub1, amount: '1.00', group: true })))).code).toBe('group_limit_on_parent');
    });

    it('a limit change goes through an approval once a credit_limit chain is configured', async () => {
      await db.query(`WITH c AS (INSERT INTO approval_chains (name, document_type) VALUES ('额度', 'credit_limit') RETURNING id)
                      INSERT INTO approval_chain_steps (chain_id, seq, name, approver_roles) SELECT id, 1, '经理', ARRAY['manager'] FROM c`);
      const out = await withActor(db, seed.finance, (tx) => setLimit(tx, seed.finance, { partyId: custId, amount: '200000.00', reason: '业务增长' }));
      expect(out.status).toBe('pending_approval');
      const manager = (await db.query<{ id: string }>("SELECT id FROM users WHERE username = 'mgr'"))[0]!;
      const mgr = { ...seed.finance, userId: manager.id, username: 'mgr', role: 'manager' as const };
      const done = await withActor(db, mgr, (tx) => decideRequest(tx, mgr, out.approval!.id, 'approve'));
      expect(done.result).toMatchObject({ applied: true, limit: { amount: '200000.00' } });
      const rec = await withActor(db, seed.finance, (tx) => recommendLimit(tx, custId));
      expect(rec.volume12m).toBe('60000.00');
      // 60,000 × 60 / 365 = 9,863.01 × 75 % (no grade) = 7,397.26 → 7,000.00
      expect(rec.recommended).toBe('7000.00');
    });

    it('a scoped user sees no other region’s holds or limits; the audit chain holds', async () => {
      const east = await createActor(db, 'east', 'finance', { regions: ['华东'] });
      expect(await withActor(db, east, (tx) => listHolds(tx, {}))).toEqual([]);
      expect((await rejection(withActor(db, east, (tx) => creditCheck(tx, east, { partyId: custId, amount: '1.00' })))).status).toBe(404);
      expect(await reevaluateAllHolds(db)).toBeDefined();
      expect((await verifyAuditChain(db)).ok).toBe(true);
    });
  });
}

describe.skipIf(!postgres)('concurrent order checks on PostgreSQL', () => {
  let db: Database;
  let seed: Seed;
  beforeAll(async () => {
    db = await (postgres as TestDatabase).open({ poolSize: 12 });
    seed = await seedBasics(db);
  });
  afterAll(async () => db?.close());

  it('two orders checked at once that together exceed the limit cannot both pass (10 at once: exactly as many as fit)', async () => {
    for (let round = 0; round < 3; round++) {
      const party = (await seed.as().customer(`CC${round}`)).id;
      await withActor(db, seed.finance, (tx) => setLimit(tx, seed.finance, { partyId: party, amount: '100000.00' }));
      const n = round === 0 ? 2 : 10;
      const amount = round === 0 ? '60000.00' : '30000.00';
      let arrived = 0;
      let open!: () => void;
      const gate = new Promise<void>((r) => {
        open = r;
      });
      const timer = setTimeout(() => open(), 10_000);
      const results = await Promise.all(
        Array.from({ length: n }, (_, i) =>
          withActor(db, seed.finance, async (tx) => {
            arrived++;
            if (arrived === n) {
              clearTimeout(timer);
              open();
            }
            await gate;
            return creditCheck(tx, seed.finance, { partyId: party, amount, orderRef: `R${round}-${i}` });
          }),
        ),
      );
      const passed = results.filter((r) => r.decision !== 'block').length;
      expect(passed).toBe(round === 0 ? 1 : 3);
      const [sum] = await db.query<{ total: bigint }>("SELECT coalesce(sum(amount_minor), 0)::bigint AS total FROM credit_orders WHERE party_id = $1 AND status = 'open'", [party]);
      expect(sum!.total <= 10_000_000n).toBe(true);
    }
    expect((await verifyAuditChain(db)).ok).toBe(true);
  }, 60_000);
});
