import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applicableLimits,
  applyOverride,
  type CheckInput,
  type CreditLimit,
  DEFAULT_RULES,
  evaluateCredit,
  exposureOf,
  grouped,
  recommendedLimit,
  STAGES,
} from './limits';

const fmt = (m: bigint) => grouped(m, 'CNY', 2);
const lim = (over: Partial<CreditLimit>): CreditLimit => ({
  id: 'l',
  partyId: 'p',
  entityId: null,
  isGroup: false,
  kind: 'permanent',
  amountMinor: 10_000_000n,
  currency: 'CNY',
  validFrom: '2024-01-01',
  expiresOn: null,
  ...over,
});
const parts = (open: bigint, doc = 0n, orders = 0n, unapplied = 0n) => ({ openMinor: open, unappliedMinor: unapplied, ordersMinor: orders, documentMinor: doc });
const base = (over: Partial<CheckInput>): CheckInput => ({
  stage: 'order',
  currency: 'CNY',
  own: { limit: lim({}), exposure: parts(0n) },
  group: null,
  overdueMinor: 0n,
  oldestDaysOverdue: 0,
  grade: null,
  rules: DEFAULT_RULES.order,
  ...over,
});

describe('limits in force', () => {
  const rows = [
    lim({ id: 'perm' }),
    lim({ id: 'temp', kind: 'temporary', amountMinor: 20_000_000n, validFrom: '2025-03-01', expiresOn: '2025-03-31' }),
    lim({ id: 'ent', entityId: 'E2', amountMinor: 5_000_000n }),
    lim({ id: 'grp', partyId: 'parent', isGroup: true, amountMinor: 50_000_000n }),
    lim({ id: 'old', validFrom: '2020-01-01', expiresOn: '2023-12-31', amountMinor: 1n }),
  ];
  it('temporary replaces permanent while valid, then lapses', () => {
    expect(applicableLimits(rows, { partyId: 'p', parentId: 'parent', entityId: 'E1', date: '2025-03-15' }).own?.id).toBe('temp');
    expect(applicableLimits(rows, { partyId: 'p', parentId: 'parent', entityId: 'E1', date: '2025-04-01' }).own?.id).toBe('perm');
    expect(applicableLimits(rows, { partyId: 'p', parentId: 'parent', entityId: 'E1', date: '2023-06-01' }).own?.id).toBe('old');
  });
  it('entity-specific limit beats the customer-wide one; group limit comes from the parent', () => {
    const s = applicableLimits(rows, { partyId: 'p', parentId: 'parent', entityId: 'E2', date: '2025-01-01' });
    expect(s.own?.id).toBe('ent');
    expect(s.group?.id).toBe('grp');
    expect(applicableLimits(rows, { partyId: 'parent', parentId: null, entityId: null, date: '2025-01-01' }).group?.id).toBe('grp');
    expect(applicableLimits(rows, { partyId: 'x', parentId: null, entityId: null, date: '2025-01-01' })).toEqual({ own: null, group: null });
  });
});

describe('evaluateCredit', () => {
  it('blocks exposure over the limit at order time with the bilingual reason', () => {
    const r = evaluateCredit(base({ own: { limit: lim({}), exposure: parts(9_000_000n, 3_000_000n) } }), fmt);
    expect(r.decision).toBe('block');
    expect(r.reasons[0]).toEqual({
      code: 'exposure_over_limit',
      severity: 'block',
      zh: '敞口 120,000.00 超过额度 100,000.00',
      en: 'exposure 120,000.00 CNY exceeds limit 100,000.00 CNY',
    });
  });
  it('counts open + orders − unapplied + document, exactly at the limit allowed', () => {
    expect(exposureOf(parts(5n, 3n, 4n, 2n))).toBe(10n);
    expect(evaluateCredit(base({ own: { limit: lim({ amountMinor: 10n }), exposure: parts(5n, 3n, 4n, 2n) } }), fmt).reasons.some((x) => x.code === 'exposure_over_limit')).toBe(false);
    expect(evaluateCredit(base({ own: { limit: lim({ amountMinor: 10n }), exposure: parts(5n, 4n, 4n, 2n) } }), fmt).decision).toBe('block');
  });
  it('per stage: order blocks, delivery blocks, invoice only warns', () => {
    const over = { own: { limit: lim({}), exposure: parts(12_000_000n) } };
    expect(STAGES.map((s) => evaluateCredit(base({ ...over, stage: s, rules: DEFAULT_RULES[s] }), fmt).decision)).toEqual(['block', 'block', 'warn']);
  });
  it('warns near the limit (90 % at order)', () => {
    const r = evaluateCredit(base({ own: { limit: lim({}), exposure: parts(9_000_000n) } }), fmt);
    expect(r.decision).toBe('warn');
    expect(r.reasons[0]?.code).toBe('exposure_near_limit');
    expect(evaluateCredit(base({ own: { limit: lim({}), exposure: parts(8_999_999n) } }), fmt).decision).toBe('allow');
  });
  it('group-shared limit is checked against the group exposure', () => {
    const r = evaluateCredit(base({ group: { limit: lim({ isGroup: true, amountMinor: 1_000_000n }), exposure: parts(900_000n, 200_000n) } }), fmt);
    expect(r.decision).toBe('block');
    expect(r.reasons.find((x) => x.code === 'group_over_limit')?.zh).toBe('集团敞口 11,000.00 超过集团额度 10,000.00');
  });
  it('overdue amount, oldest days overdue and grade per stage', () => {
    const r = evaluateCredit(base({ overdueMinor: 100n, oldestDaysOverdue: 91, grade: 'E' }), fmt);
    expect(r.reasons.map((x) => [x.code, x.severity])).toEqual([
      ['overdue_amount', 'warn'],
      ['oldest_overdue', 'block'],
      ['grade', 'block'],
    ]);
    expect(evaluateCredit(base({ oldestDaysOverdue: 31 }), fmt).decision).toBe('warn');
    expect(evaluateCredit(base({ oldestDaysOverdue: 30 }), fmt).decision).toBe('allow');
    expect(evaluateCredit(base({ grade: 'D' }), fmt).decision).toBe('warn');
    const inv = evaluateCredit(base({ stage: 'invoice', rules: DEFAULT_RULES.invoice, overdueMinor: 100n, oldestDaysOverdue: 91, grade: 'E' }), fmt);
    expect(inv.decision).toBe('warn');
    const del = evaluateCredit(base({ stage: 'delivery', rules: DEFAULT_RULES.delivery, oldestDaysOverdue: 121 }), fmt);
    expect(del.decision).toBe('block');
    const strict = evaluateCredit(base({ rules: { ...DEFAULT_RULES.order, overdueBlockOverMinor: 50n }, overdueMinor: 51n }), fmt);
    expect(strict.decision).toBe('block');
  });
  it('no limit: exposure not checked, said so', () => {
    const r = evaluateCredit(base({ own: null }), fmt);
    expect(r.decision).toBe('allow');
    expect(r.reasons[0]?.code).toBe('no_limit');
  });
  it('property: a larger document never improves the decision', () => {
    const rank = { allow: 0, warn: 1, block: 2 } as const;
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.bigInt({ min: 0n, max: 10n ** 10n }), fc.bigInt({ min: 1n, max: 10n ** 12n }), (open, doc, more, limit) => {
        const a = evaluateCredit(base({ own: { limit: lim({ amountMinor: limit }), exposure: parts(open, doc) } }), fmt);
        const b = evaluateCredit(base({ own: { limit: lim({ amountMinor: limit }), exposure: parts(open, doc + more) } }), fmt);
        expect(rank[b.decision]).toBeGreaterThanOrEqual(rank[a.decision]);
        expect(a.decision === 'block').toBe(open + doc > limit);
      }),
    );
  });
});

describe('overrides', () => {
  const blocked = evaluateCredit(base({ own: { limit: lim({}), exposure: parts(12_000_000n) } }), fmt);
  const ov = { amountMinor: 5_000_000n, usedMinor: 0n, expiresOn: '2025-03-31', reason: '战略客户' };
  it('lets a blocked document through within amount and expiry, keeping the reasons as warnings', () => {
    const r = applyOverride(blocked, ov, 5_000_000n, '2025-03-31', fmt);
    expect(r.decision).toBe('warn');
    expect(r.overrideUsed).toBe(true);
    expect(r.reasons.map((x) => x.severity)).toEqual(['warn', 'info']);
  });
  it('not beyond the amount left or after expiry', () => {
    expect(applyOverride(blocked, ov, 5_000_001n, '2025-03-01', fmt).decision).toBe('block');
    expect(applyOverride(blocked, { ...ov, usedMinor: 1n }, 5_000_000n, '2025-03-01', fmt).decision).toBe('block');
    expect(applyOverride(blocked, ov, 1n, '2025-04-01', fmt).decision).toBe('block');
    expect(applyOverride(blocked, null, 1n, '2025-03-01', fmt).overrideUsed).toBe(false);
  });
});

describe('recommendedLimit', () => {
  it('follows the documented formula', () => {
    // 12-month sales ¥1,200,000.00, terms 30 days: need = 1,200,000 × 60 / 365 = 197,260.27; grade B 100 % → 197,000.00
    const r = recommendedLimit({ volume12mMinor: 120_000_000n, paymentTermsDays: 30, grade: 'B', scale: 2 });
    expect(r.needMinor).toBe(19_726_027n);
    expect(r.amountMinor).toBe(19_700_000n);
    expect(recommendedLimit({ volume12mMinor: 120_000_000n, paymentTermsDays: 30, grade: 'A', scale: 2 }).amountMinor).toBe(23_600_000n);
    expect(recommendedLimit({ volume12mMinor: 120_000_000n, paymentTermsDays: 30, grade: 'E', scale: 2 }).amountMinor).toBe(0n);
    expect(recommendedLimit({ volume12mMinor: 120_000_000n, paymentTermsDays: 30, grade: null, scale: 2 }).factorPercent).toBe(75);
  });
  it('grouped formatting', () => {
    expect(grouped(12_000_000n, 'CNY', 2)).toBe('120,000.00');
    expect(grouped(-5n, 'CNY', 2)).toBe('-0.05');
    expect(grouped(1234567n, 'JPY', 0)).toBe('1,234,567');
  });
});
