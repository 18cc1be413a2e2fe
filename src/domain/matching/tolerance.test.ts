import { describe, expect, it } from 'vitest';
import { allocateToSet } from './allocate';
import { ITEMS } from './fixtures.test-helpers';
import { discountFor, feeTolerance, matchDiscount, matchFee } from './tolerance';
import { DEFAULT_MATCH_CONFIG } from './types';

describe('fee and discount tolerance', () => {
  it('fee within the per-currency tolerance', () => {
    expect(feeTolerance('CNY', DEFAULT_MATCH_CONFIG)).toBe(5000n);
    expect(feeTolerance('USD', DEFAULT_MATCH_CONFIG)).toBe(2500n);
    expect(feeTolerance('XXX', DEFAULT_MATCH_CONFIG)).toBe(0n);
    expect(matchFee(100_000n, 98_500n, 5000n)).toBe(1500n);
    expect(matchFee(100_000n, 94_999n, 5000n)).toBeNull();
    expect(matchFee(100_000n, 100_000n, 5000n)).toBeNull();
  });
  it('agreed discounts', () => {
    expect(discountFor(123_456n, 200)).toBe(2469n);
    expect(matchDiscount(123_456n, 123_456n - 2469n, DEFAULT_MATCH_CONFIG)).toEqual({ rateBp: 200, discountMinor: 2469n });
    expect(matchDiscount(123_456n, 123_456n - 2480n, DEFAULT_MATCH_CONFIG)).toBeNull();
  });
});

describe('allocation to a set of items (partial, overpayment, fee)', () => {
  const slots = ITEMS.slice(0, 3).map((item) => ({ item, remaining: item.openMinor }));
  const total = slots.reduce((s, x) => s + x.remaining, 0n);
  it('exact', () => {
    expect(allocateToSet(total, slots, 5000n, DEFAULT_MATCH_CONFIG).outcome).toBe('exact');
  });
  it('partial goes oldest first', () => {
    const r = allocateToSet(1_100_000n, slots, 5000n, DEFAULT_MATCH_CONFIG);
    expect(r.outcome).toBe('partial');
    expect(r.allocations).toEqual([
      { installmentId: ITEMS[0]!.installmentId, amountMinor: 1_000_000n },
      { installmentId: ITEMS[1]!.installmentId, amountMinor: 100_000n },
    ]);
  });
  it('overpayment keeps the rest on account', () => {
    const r = allocateToSet(total + 999n, slots, 5000n, DEFAULT_MATCH_CONFIG);
    expect(r.outcome).toBe('overpayment');
    expect(r.onAccountMinor).toBe(999n);
  });
  it('fee closes the newest item', () => {
    const r = allocateToSet(total - 2000n, slots, 5000n, DEFAULT_MATCH_CONFIG);
    expect(r.outcome).toBe('fee_short');
    expect(r.adjustment).toEqual({ kind: 'bank_fee', installmentId: ITEMS[2]!.installmentId, amountMinor: 2000n });
    expect(r.allocations.reduce((s, a) => s + a.amountMinor, 0n)).toBe(total - 2000n);
  });
});
