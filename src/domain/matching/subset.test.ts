import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prefixMatch, subsetSum } from './subset';

const opts = { maxItems: 6, maxNodes: 10_000, maxSolutions: 3 };

describe('bounded subset-sum', () => {
  it('finds the oldest-first combination first', () => {
    const r = subsetSum([100n, 200n, 300n, 100n], 300n, 300n, opts);
    expect(r.solutions[0]).toEqual([0, 1]);
    expect(r.solutions).toContainEqual([2]);
    expect(r.truncated).toBe(false);
  });
  it('respects maxItems exactly', () => {
    const a = [1n, 1n, 1n, 1n, 1n, 1n, 1n];
    expect(subsetSum(a, 3n, 3n, { ...opts, maxItems: 3 }).solutions.length).toBeGreaterThan(0);
    expect(subsetSum(a, 4n, 4n, { ...opts, maxItems: 3 }).solutions).toEqual([]);
  });
  it('respects maxNodes exactly and says it was truncated', () => {
    const a = Array.from({ length: 40 }, (_, i) => BigInt(1000 + i * 7));
    const r = subsetSum(a, 1n, 1n, { ...opts, maxNodes: 50 });
    expect(r.nodes).toBeLessThanOrEqual(50);
    const same = Array.from({ length: 40 }, () => 1000n);
    const big = subsetSum(same, 6500n, 6500n, { maxItems: 6, maxNodes: 500, maxSolutions: 1 });
    expect(big.nodes).toBe(500);
    expect(big.truncated).toBe(true);
  });
  it('ranges (fee-short combinations)', () => {
    expect(subsetSum([100n, 250n], 340n, 350n, opts).solutions).toEqual([[0, 1]]);
  });
  it('every solution sums into the range, within limits', () => {
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: 1n, max: 50n }), { maxLength: 12 }), fc.bigInt({ min: 1n, max: 200n }), (a, t) => {
        const r = subsetSum(a, t, t, { maxItems: 4, maxNodes: 2000, maxSolutions: 5 });
        for (const s of r.solutions) {
          expect(s.length).toBeLessThanOrEqual(4);
          expect(s.reduce((x, i) => x + a[i]!, 0n)).toBe(t);
        }
        expect(r.nodes).toBeLessThanOrEqual(2000);
      }),
    );
  });
  it('prefix match', () => {
    expect(prefixMatch([1n, 2n, 3n], 3n)).toBe(2);
    expect(prefixMatch([1n, 2n, 3n], 4n)).toBeNull();
  });
});
