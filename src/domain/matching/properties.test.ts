import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isBooking, matchLines } from './engine';
import { ITEMS, PARTIES } from './fixtures.test-helpers';
import { MatchMemory } from './memory';
import type { BankLine } from './types';

const texts = ['', '货款', 'INV25-000123', 'INV25-000123/124', '000125', 'INV25-000126', '利息', '合同HT-2025-0007', 'INV24-000123 INV25-000300'];
const names = [null, '上海华信贸易有限公司', '华信集团', '张伟', '杭州瑞丰科技', 'Northwind Components Ltd', '某公司'];
const accounts = [null, '6222021001112222333', '3100-1234-567890', '123456789'];

const lineArb = fc.record({
  amountMinor: fc.oneof(
    fc.constantFrom(1_000_000n, 250_000n, 333_300n, 480_000n, 777_700n, 120_000n, 1_250_000n, 248_000n, 980_000n),
    fc.bigInt({ min: 1n, max: 3_000_000n }),
  ),
  text: fc.constantFrom(...texts),
  name: fc.constantFrom(...names),
  account: fc.constantFrom(...accounts),
  currency: fc.constantFrom('CNY', 'CNY', 'USD'),
  ref: fc.constantFrom(null, 'R1', 'R2', 'R3', 'R4'),
});

const toLines = (xs: fc.Arbitrary<unknown>[] | unknown[]): BankLine[] =>
  (xs as { amountMinor: bigint; text: string; name: string | null; account: string | null; currency: string; ref: string | null }[]).map(
    (x, i) => ({
      id: `L${i}`,
      side: 'AR',
      amountMinor: x.amountMinor,
      currency: x.currency,
      date: '2025-06-01',
      payerName: x.name,
      payerAccount: x.account,
      remittance: x.text,
      bankReference: x.ref,
    }),
  );

describe('engine properties', () => {
  it('never over-allocates a line or an item; money adds up; confidence in [0,1]', () => {
    fc.assert(
      fc.property(fc.array(lineArb, { minLength: 1, maxLength: 8 }), (raw) => {
        const lines = toLines(raw);
        const res = matchLines(lines, ITEMS, PARTIES, new MatchMemory());
        const open = new Map(ITEMS.map((i) => [i.installmentId, i.openMinor]));
        const autoUse = new Map<string, bigint>();
        for (const l of lines) {
          const ps = res.get(l.id)!;
          expect(ps.length).toBeGreaterThan(0);
          for (const p of ps) {
            expect(p.confidence).toBeGreaterThanOrEqual(0);
            expect(p.confidence).toBeLessThanOrEqual(1);
            expect(p.reasons.length).toBeGreaterThan(0);
            if (!isBooking(p.kind)) {
              expect(p.allocations).toEqual([]);
              expect(p.onAccountMinor).toBe(0n);
              continue;
            }
            const sum = p.allocations.reduce((s, a) => s + a.amountMinor, 0n);
            expect(sum + p.onAccountMinor).toBe(l.amountMinor);
            expect(p.onAccountMinor).toBeGreaterThanOrEqual(0n);
            const ids = new Set<string>();
            for (const a of p.allocations) {
              expect(a.amountMinor).toBeGreaterThan(0n);
              expect(ids.has(a.installmentId)).toBe(false);
              ids.add(a.installmentId);
              const adj = p.adjustment?.installmentId === a.installmentId ? p.adjustment.amountMinor : 0n;
              expect(a.amountMinor + adj).toBeLessThanOrEqual(open.get(a.installmentId)!);
            }
            if (p.adjustment) expect(ids.has(p.adjustment.installmentId)).toBe(true);
          }
          const top = ps[0]!;
          if (top.auto) {
            for (const a of top.allocations) autoUse.set(a.installmentId, (autoUse.get(a.installmentId) ?? 0n) + a.amountMinor);
            if (top.adjustment) {
              const id = top.adjustment.installmentId;
              autoUse.set(id, (autoUse.get(id) ?? 0n) + top.adjustment.amountMinor);
            }
          }
        }
        for (const [id, used] of autoUse) expect(used).toBeLessThanOrEqual(open.get(id)!);
      }),
      { numRuns: 150 },
    );
  });
  it('is deterministic', () => {
    fc.assert(
      fc.property(fc.array(lineArb, { minLength: 1, maxLength: 6 }), (raw) => {
        const lines = toLines(raw);
        const a = matchLines(lines, ITEMS, PARTIES, new MatchMemory());
        const b = matchLines(lines, [...ITEMS].reverse(), [...PARTIES].reverse(), new MatchMemory());
        const show = (m: typeof a) => JSON.stringify([...m], (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
        expect(show(b)).toBe(show(a));
      }),
      { numRuns: 60 },
    );
  });
});
