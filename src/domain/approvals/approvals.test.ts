import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ApprovalChain, selectChain, validateChain } from './chains';
import { type ApprovalState, cancel, decide, type Delegation, eligibility, expire, newRequest, reminderDue } from './request';

const chain = (over: Partial<ApprovalChain>): ApprovalChain => ({
  id: 'c',
  name: 'chain',
  documentType: 'credit_override',
  currency: 'CNY',
  minAmountMinor: 0n,
  maxAmountMinor: null,
  requesterRoles: [],
  priority: 100,
  active: true,
  steps: [{ name: '经理', approverRoles: ['manager'] }],
  ...over,
});

const small = chain({ id: 'small', maxAmountMinor: 10_000_000n });
const large = chain({ id: 'large', minAmountMinor: 10_000_000n, steps: [{ name: '经理', approverRoles: ['manager'] }, { name: '总经理', approverRoles: ['admin'] }] });
const salesOnly = chain({ id: 'sales', requesterRoles: ['sales'], steps: [{ name: '财务', approverRoles: ['finance'] }] });
const limits = chain({ id: 'limit', documentType: 'credit_limit' });

describe('selectChain', () => {
  const all = [small, large, salesOnly, limits];
  it('chooses by document type and amount threshold', () => {
    expect(selectChain(all, { documentType: 'credit_override', amountMinor: 9_999_999n, currency: 'CNY', requesterRole: 'finance' })?.id).toBe('small');
    expect(selectChain(all, { documentType: 'credit_override', amountMinor: 10_000_000n, currency: 'CNY', requesterRole: 'finance' })?.id).toBe('large');
    expect(selectChain(all, { documentType: 'credit_limit', amountMinor: 1n, currency: 'CNY', requesterRole: 'finance' })?.id).toBe('limit');
  });
  it('prefers a chain naming the requester role', () => {
    expect(selectChain(all, { documentType: 'credit_override', amountMinor: 50_000_000n, currency: 'CNY', requesterRole: 'sales' })?.id).toBe('sales');
  });
  it('returns null for another currency, an inactive chain or an unknown type', () => {
    expect(selectChain(all, { documentType: 'credit_override', amountMinor: 1n, currency: 'USD', requesterRole: 'finance' })).toBeNull();
    expect(selectChain([chain({ active: false })], { documentType: 'credit_override', amountMinor: 1n, currency: 'CNY', requesterRole: 'finance' })).toBeNull();
    expect(selectChain(all, { documentType: 'write_off', amountMinor: 1n, currency: 'CNY', requesterRole: 'finance' })).toBeNull();
  });
  it('breaks ties by priority then id', () => {
    const a = chain({ id: 'a', priority: 5 });
    const b = chain({ id: 'b', priority: 1 });
    expect(selectChain([a, b], { documentType: 'credit_override', amountMinor: 1n, currency: 'CNY', requesterRole: 'x' })?.id).toBe('b');
    expect(selectChain([chain({ id: 'z' }), chain({ id: 'y' })], { documentType: 'credit_override', amountMinor: 1n, currency: 'CNY', requesterRole: 'x' })?.id).toBe('y');
  });
  it('property: the chosen chain always matches, and contiguous bands pick exactly the band holding the amount', () => {
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: 1n, max: 1_000_000n }), { minLength: 1, maxLength: 5 }), fc.bigInt({ min: 0n, max: 6_000_000n }), (widths, amount) => {
        const bands: ApprovalChain[] = [];
        let lo = 0n;
        widths.forEach((w, i) => {
          const last = i === widths.length - 1;
          bands.push(chain({ id: `b${i}`, minAmountMinor: lo, maxAmountMinor: last ? null : lo + w }));
          lo += w;
        });
        const got = selectChain(bands, { documentType: 'credit_override', amountMinor: amount, currency: 'CNY', requesterRole: 'finance' });
        expect(got).not.toBeNull();
        expect(amount >= got!.minAmountMinor && (got!.maxAmountMinor === null || amount < got!.maxAmountMinor)).toBe(true);
      }),
    );
  });
  it('validates chain definitions', () => {
    expect(validateChain({ ...small, steps: [] })).toContain('a chain needs at least one step');
    expect(validateChain({ ...small, minAmountMinor: 5n, maxAmountMinor: 5n })).toContain('maxAmount must be above minAmount');
    expect(validateChain({ ...small, steps: [{ name: 'x', approverRoles: [] }] })).toContain('step 1 needs an approver role or user');
    expect(validateChain(large)).toEqual([]);
  });
});

const requester = { userId: 'u-req', role: 'finance' };
const manager = { userId: 'u-mgr', role: 'manager' };
const manager2 = { userId: 'u-mgr2', role: 'manager' };
const admin = { userId: 'u-adm', role: 'admin' };
const at = '2025-03-01T10:00:00.000Z';

function twoStep(): ApprovalState {
  return newRequest(requester.userId, large.steps, '2025-03-10T00:00:00.000Z');
}

describe('request state machine', () => {
  it('walks a two-step chain to approved', () => {
    const r1 = decide(twoStep(), { user: manager, decision: 'approve', comment: 'ok', at });
    expect(r1.ok && r1.state.status).toBe('pending');
    if (!r1.ok) throw new Error();
    expect(r1.state.currentStep).toBe(1);
    const r2 = decide(r1.state, { user: admin, decision: 'approve', at });
    expect(r2.ok && r2.state.status).toBe('approved');
    if (!r2.ok) throw new Error();
    expect(r2.state.decisions.map((d) => d.step)).toEqual([0, 1]);
  });
  it('rejects with a comment only, and a rejected request takes no more decisions', () => {
    expect(decide(twoStep(), { user: manager, decision: 'reject', at })).toEqual({ ok: false, error: { code: 'comment_required' } });
    const r = decide(twoStep(), { user: manager, decision: 'reject', comment: '逾期太多', at });
    expect(r.ok && r.state.status).toBe('rejected');
    if (!r.ok) throw new Error();
    expect(decide(r.state, { user: manager2, decision: 'approve', at })).toEqual({ ok: false, error: { code: 'not_pending', status: 'rejected' } });
  });
  it('refuses the requester, a wrong role, and a second step by the same person', () => {
    expect(decide(twoStep(), { user: requester, decision: 'approve', at })).toEqual({ ok: false, error: { code: 'own_request' } });
    expect(decide(twoStep(), { user: admin, decision: 'approve', at })).toEqual({ ok: false, error: { code: 'not_an_approver' } });
    const both = newRequest(requester.userId, [{ name: 'a', approverRoles: ['admin'] }, { name: 'b', approverRoles: ['admin'] }], null);
    const r1 = decide(both, { user: admin, decision: 'approve', at });
    if (!r1.ok) throw new Error();
    expect(decide(r1.state, { user: admin, decision: 'approve', at })).toEqual({ ok: false, error: { code: 'already_decided_a_step' } });
  });
  it('honours a named approver over roles', () => {
    const s = newRequest(requester.userId, [{ name: 'x', approverRoles: ['manager'], approverUserId: 'u-mgr2' }], null);
    expect(decide(s, { user: manager, decision: 'approve', at })).toEqual({ ok: false, error: { code: 'not_an_approver' } });
    expect(decide(s, { user: manager2, decision: 'approve', at }).ok).toBe(true);
  });
  it('lets a delegate decide while the delegation is active, on behalf of the delegator', () => {
    const d: Delegation = { fromUserId: manager.userId, fromRole: 'manager', toUserId: 'u-deputy', startsOn: '2025-02-28', endsOn: '2025-03-02' };
    const deputy = { userId: 'u-deputy', role: 'collector' };
    const r = decide(twoStep(), { user: deputy, decision: 'approve', at, delegations: [d] });
    expect(r.ok && r.decision.onBehalfOf).toBe(manager.userId);
    expect(decide(twoStep(), { user: deputy, decision: 'approve', at: '2025-03-03T00:00:00Z', delegations: [d] }).ok).toBe(false);
    expect(decide(twoStep(), { user: deputy, decision: 'approve', at, delegations: [{ ...d, revoked: true }] }).ok).toBe(false);
    // a delegation from the requester gives nothing
    expect(eligibility(twoStep(), deputy, at, [{ ...d, fromUserId: requester.userId }])).toBeNull();
    // the delegator cannot then decide the next step too
    if (!r.ok) throw new Error();
    const adminAsMgr = { userId: manager.userId, role: 'admin' };
    expect(decide(r.state, { user: adminAsMgr, decision: 'approve', at })).toEqual({ ok: false, error: { code: 'already_decided_a_step' } });
  });
  it('expires and cancels', () => {
    expect(decide(twoStep(), { user: manager, decision: 'approve', at: '2025-03-11T00:00:00Z' })).toEqual({ ok: false, error: { code: 'expired' } });
    expect(expire(twoStep(), '2025-03-11T00:00:00Z').status).toBe('expired');
    expect(expire(twoStep(), at).status).toBe('pending');
    expect(cancel(twoStep(), manager.userId).ok).toBe(false);
    const c = cancel(twoStep(), requester.userId);
    expect(c.ok && c.state.status).toBe('cancelled');
  });
  it('reminds after the interval since the last activity', () => {
    const s = twoStep();
    expect(reminderDue(s, '2025-03-01T00:00:00Z', null, '2025-03-01T23:00:00Z', 24)).toBe(false);
    expect(reminderDue(s, '2025-03-01T00:00:00Z', null, '2025-03-02T00:00:00Z', 24)).toBe(true);
    expect(reminderDue(s, '2025-03-01T00:00:00Z', '2025-03-01T12:00:00Z', '2025-03-02T00:00:00Z', 24)).toBe(false);
    expect(reminderDue({ ...s, status: 'approved' }, '2025-03-01T00:00:00Z', null, '2025-03-05T00:00:00Z', 24)).toBe(false);
  });
  it('property: any sequence of decisions keeps the machine consistent', () => {
    const users = [requester, manager, manager2, admin, { userId: 'u-fin', role: 'finance' }];
    fc.assert(
      fc.property(
        fc.array(fc.record({ u: fc.integer({ min: 0, max: users.length - 1 }), approve: fc.boolean(), comment: fc.boolean() }), { maxLength: 8 }),
        (moves) => {
          let s = twoStep();
          for (const m of moves) {
            const r = decide(s, { user: users[m.u]!, decision: m.approve ? 'approve' : 'reject', comment: m.comment ? 'c' : null, at });
            if (r.ok) s = r.state;
          }
          // decisions are one per step, in order, by distinct non-requesters
          expect(s.decisions.map((d) => d.step)).toEqual(s.decisions.map((_, i) => i));
          expect(new Set(s.decisions.map((d) => d.userId)).size).toBe(s.decisions.length);
          expect(s.decisions.every((d) => d.userId !== requester.userId)).toBe(true);
          if (s.status === 'approved') expect(s.decisions.every((d) => d.decision === 'approve') && s.decisions.length === 2).toBe(true);
          if (s.status === 'rejected') expect(s.decisions.at(-1)?.decision).toBe('reject');
          if (s.status === 'pending') expect(s.currentStep).toBe(s.decisions.length);
        },
      ),
    );
  });
});
