/**
 * The approval engine on both databases: chain selection by type/amount/role, multi-step chains,
 * approve/reject with comments, four eyes, delegation while away, reminders, expiry, every
 * decision audited; and the HTTP edge (inbox, approve, reject, delegate).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database';
import { addDays, todayIso } from '../../src/domain/dates';
import { buildServer } from '../../src/api/server';
import { type Actor, withActor } from '../../src/services/actor';
import { createChain, decideRequest, delegate, expireRequests, inbox, requestApproval, sendReminders } from '../../src/services/approvals/approvals';
import { verifyAuditChain } from '../../src/services/audit';
import { createActor, databases, rejection, type Seed, seedBasics, TEST_PASSWORD } from './harness';

for (const target of databases) {
  describe(`approvals on ${target.name}`, () => {
    let db: Database;
    let seed: Seed;
    let mgr: Actor;
    let mgr2: Actor;
    let sales: Actor;
    let deputy: Actor;
    beforeAll(async () => {
      db = await target.open();
      seed = await seedBasics(db);
      mgr = await createActor(db, 'mgr', 'manager');
      mgr2 = await createActor(db, 'mgr2', 'manager');
      sales = await createActor(db, 'sales1', 'sales');
      deputy = await createActor(db, 'deputy', 'collector');
      // A document type without a handler: the same thresholds as the seeded credit_override chains.
      await withActor(db, seed.admin, async (tx) => {
        await createChain(tx, seed.admin, { name: '小额', documentType: 'test_doc', currency: 'CNY', minAmountMinor: 0n, maxAmountMinor: 10_000_000n, requesterRoles: [], priority: 100, steps: [{ name: '经理', approverRoles: ['manager', 'admin'] }] });
        await createChain(tx, seed.admin, { name: '大额', documentType: 'test_doc', currency: 'CNY', minAmountMinor: 10_000_000n, maxAmountMinor: null, requesterRoles: [], priority: 100, steps: [{ name: '经理', approverRoles: ['manager', 'admin'] }, { name: '总经理', approverRoles: ['admin'] }] });
      });
    });
    afterAll(async () => db?.close());

    const req = (actor: Actor, amountMinor: bigint, documentType = 'test_doc') =>
      withActor(db, actor, (tx) => requestApproval(tx, actor, { documentType, amountMinor, currency: 'CNY', title: 't', reason: 'r', payload: {} }));

    it('chooses the chain by amount threshold: one step below ¥100,000.00, two from it', async () => {
      const small = await req(seed.finance, 9_999_999n);
      expect(small.steps.map((s) => s.approverRoles)).toEqual([['manager', 'admin']]);
      const large = await req(seed.finance, 10_000_000n);
      expect(large.steps).toHaveLength(2);
      const a1 = await withActor(db, mgr, (tx) => decideRequest(tx, mgr, large.id, 'approve', '可以'));
      expect(a1.status).toBe('pending');
      expect(a1.currentStep).toBe(1);
      expect((await rejection(withActor(db, mgr2, (tx) => decideRequest(tx, mgr2, large.id, 'approve')))).code).toBe('approval_not_an_approver');
      const a2 = await withActor(db, seed.admin, (tx) => decideRequest(tx, seed.admin, large.id, 'approve'));
      expect(a2.status).toBe('approved');
      expect(a2.decisions.map((d) => [d.step, d.decision, d.comment])).toEqual([
        [0, 'approve', '可以'],
        [1, 'approve', null],
      ]);
    });

    it('chooses by requester role and falls back to an admin step when nothing matches', async () => {
      await withActor(db, seed.admin, (tx) =>
        createChain(tx, seed.admin, { name: '销售特批', documentType: 'credit_override', currency: 'CNY', minAmountMinor: 0n, maxAmountMinor: null, requesterRoles: ['sales'], priority: 1, steps: [{ name: '财务', approverRoles: ['finance'] }] }),
      );
      expect((await req(sales, 5n, 'credit_override')).steps[0]?.approverRoles).toEqual(['finance']);
      expect((await req(seed.finance, 5n, 'credit_override')).steps[0]?.approverRoles).toEqual(['manager', 'admin']);
      expect((await req(seed.finance, 5n, 'write_off')).steps).toHaveLength(1);
      expect((await req(seed.finance, 5n, 'something_else')).steps[0]?.approverRoles).toEqual(['admin']);
      expect((await rejection(withActor(db, sales, (tx) => createChain(tx, sales, { name: 'x', documentType: 'x_y', currency: 'CNY', minAmountMinor: 0n, maxAmountMinor: null, requesterRoles: [], priority: 1, steps: [{ name: 's', approverRoles: ['admin'] }] })))).status).toBe(403);
    });

    it('rejects with a comment; the requester never decides; one person one step', async () => {
      const r = await req(seed.finance, 1n);
      expect((await rejection(withActor(db, seed.finance, (tx) => decideRequest(tx, seed.finance, r.id, 'approve')))).code).toBe('approval_own_request');
      expect((await rejection(withActor(db, mgr, (tx) => decideRequest(tx, mgr, r.id, 'reject')))).code).toBe('approval_comment_required');
      const rej = await withActor(db, mgr, (tx) => decideRequest(tx, mgr, r.id, 'reject', '理由不足'));
      expect(rej.status).toBe('rejected');
      expect((await rejection(withActor(db, mgr2, (tx) => decideRequest(tx, mgr2, r.id, 'approve')))).code).toBe('approval_not_pending');
    });

    it('a delegate decides while the manager is away, on their behalf; the inbox shows it', async () => {
      const r = await req(seed.finance, 2n);
      expect((await withActor(db, deputy, (tx) => inbox(tx, deputy))).toDecide.map((x) => x.id)).not.toContain(r.id);
      await withActor(db, mgr, (tx) => delegate(tx, mgr, { toUsername: 'deputy', startsOn: todayIso(), endsOn: addDays(todayIso(), 3), reason: '休假' }));
      const box = await withActor(db, deputy, (tx) => inbox(tx, deputy));
      expect(box.toDecide.find((x) => x.id === r.id)?.onBehalfOf).toBe(mgr.userId);
      const done = await withActor(db, deputy, (tx) => decideRequest(tx, deputy, r.id, 'approve', '代批'));
      expect(done.status).toBe('approved');
      expect(done.decisions[0]).toMatchObject({ userId: deputy.userId, onBehalfOf: mgr.userId });
      expect((await withActor(db, seed.finance, (tx) => inbox(tx, seed.finance))).mine.length).toBeGreaterThan(0);
    });

    it('reminds idle requests and expires old ones, audited', async () => {
      const r = await req(seed.finance, 3n);
      const later = new Date(Date.now() + 25 * 3_600_000);
      const sent = await withActor(db, seed.admin, (tx) => sendReminders(tx, seed.admin, 24, later));
      const mine = sent.find((s) => s.requestId === r.id);
      expect(mine?.approvers).toEqual(expect.arrayContaining(['admin', 'mgr', 'mgr2']));
      expect(mine?.approvers).not.toContain('finance');
      expect((await withActor(db, seed.admin, (tx) => sendReminders(tx, seed.admin, 24, later))).find((s) => s.requestId === r.id)).toBeUndefined();
      const expired = await withActor(db, seed.admin, (tx) => expireRequests(tx, seed.admin, new Date(Date.now() + 15 * 86_400_000)));
      expect(expired).toContain(r.id);
      const actions = await db.query<{ action: string }>("SELECT DISTINCT action FROM audit_log WHERE action LIKE 'approval.%' ORDER BY action");
      expect(actions.map((a) => a.action)).toEqual(['approval.approve', 'approval.delegate', 'approval.expire', 'approval.reject', 'approval.remind', 'approval.request']);
      expect((await verifyAuditChain(db)).ok).toBe(true);
    });

    it('over HTTP: inbox, approve, reject', async () => {
      const app = await buildServer({ db, webDist: null });
      try {
        const login = async (username: string) => {
          const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password: TEST_PASSWORD } });
          expect(res.statusCode).toBe(200);
          return { cookie: res.headers['set-cookie'] as string };
        };
        const fin = await login('finance');
        const m = await login('mgr2');
        const party = await seed.as().customer('H001');
        const r = await app.inject({ method: 'POST', url: '/api/credit/overrides', headers: fin, payload: { partyId: party.id, amount: '100.00', expiresOn: addDays(todayIso(), 5), reason: '急单' } });
        expect(r.statusCode).toBe(201);
        const id = r.json().id as string;
        const box = await app.inject({ method: 'GET', url: '/api/approvals/inbox', headers: m });
        expect(box.json().toDecide.map((x: { id: string }) => x.id)).toContain(id);
        const bad = await app.inject({ method: 'POST', url: `/api/approvals/requests/${id}/approve`, headers: fin, payload: {} });
        expect(bad.statusCode).toBe(403);
        const ok = await app.inject({ method: 'POST', url: `/api/approvals/requests/${id}/approve`, headers: m, payload: { comment: 'ok' } });
        expect(ok.statusCode).toBe(200);
        expect(ok.json().status).toBe('approved');
        const ov = await app.inject({ method: 'GET', url: `/api/credit/overrides?partyId=${party.id}`, headers: fin });
        expect(ov.json()[0]).toMatchObject({ amount: '100.00', used: '0.00' });
      } finally {
        await app.close();
      }
    });
  });
}
