import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  arTurnover,
  averageDaysDelinquent,
  badDebtRate,
  bestPossibleDso,
  cei,
  collectionRate,
  computeKpis,
  creditSummary,
  creditUtilisation,
  dpo,
  dsoCountback,
  dsoStandard,
  hhi,
  overdueRatioAmount,
  overdueRatioCount,
  ratio,
  topShare,
  turnoverDays,
  unappliedRatio,
} from './kpi';

/** A decimal string back to an integer scaled by 10^decimals. */
const scaled = (s: string): bigint => BigInt(s.replace('.', ''));

describe('ratio: exact division with half-away-from-zero rounding', () => {
  it.each([
    [1n, 3n, 2, '0.33'],
    [2n, 3n, 2, '0.67'],
    [1n, 2n, 0, '1'],
    [-1n, 2n, 0, '-1'],
    [3n, 2n, 0, '2'],
    [5n, 1000n, 2, '0.01'],
    [-5n, 1000n, 2, '-0.01'],
    [-4n, 1000n, 2, '0.00'],
    [4n, -1000n, 2, '0.00'],
    [1n, -3n, 2, '-0.33'],
    [-1n, -3n, 2, '0.33'],
    [0n, 5n, 1, '0.0'],
    [10n, 4n, 1, '2.5'],
    [12345n, 1n, 2, '12345.00'],
    [123456789012345678901234567890n, 7n, 1, '17636684144620811271604938270.0'],
  ])('%s ÷ %s to %s places = %s', (n, d, places, expected) => {
    expect(ratio(n, d, places)).toBe(expected);
  });

  it('a zero denominator is null, never Infinity or NaN', () => {
    expect(ratio(7n, 0n, 2)).toBeNull();
    expect(ratio(0n, 0n, 2)).toBeNull();
  });

  it('refuses a negative or fractional number of decimals', () => {
    expect(() => ratio(1n, 1n, -1)).toThrow(RangeError);
    expect(() => ratio(1n, 1n, 1.5)).toThrow(RangeError);
  });

  it('property: the result is within half a unit of the last place, ties away from zero', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 24n), max: 10n ** 24n }), fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }), fc.integer({ min: 0, max: 4 }), (n, d, places) => {
        fc.pre(d !== 0n);
        const s = ratio(n, d, places)!;
        expect(s).toMatch(places === 0 ? /^-?\d+$/ : new RegExp(`^-?\\d+\\.\\d{${places}}$`));
        const q = scaled(s);
        const exact = n * 10n ** BigInt(places); // q ≈ exact ÷ d
        const err = q * d - exact; // in units of d
        const absD = d < 0n ? -d : d;
        const absErr = err < 0n ? -err : err;
        expect(absErr * 2n <= absD).toBe(true);
        // A tie is rounded away from zero: |q| ≥ |exact ÷ d|.
        if (absErr * 2n === absD) expect((q < 0n ? -q : q) * absD >= (exact < 0n ? -exact : exact)).toBe(true);
      }),
    );
  });
});

describe('DSO, best-possible DSO and ADD', () => {
  it.each([
    // closing AR, current AR, credit sales, days → DSO, best-possible, ADD
    [1_000_000n, 250_000n, 500_000n, 30, '60.0', '15.0', '45.0'],
    [100n, 0n, 300n, 31, '10.3', '0.0', '10.3'],
    [0n, 0n, 300n, 30, '0.0', '0.0', '0.0'],
    [1n, 1n, 3n, 1, '0.3', '0.3', '0.0'],
    [500n, 500n, 1_000n, 28, '14.0', '14.0', '0.0'],
    [1_000n, 0n, 0n, 30, null, null, null],
    [1_000n, 0n, -10n, 30, null, null, null],
  ])('AR %s (current %s), sales %s over %s days → %s / %s / %s', (ar, current, sales, d, dso, best, add) => {
    expect(dsoStandard(ar, sales, d)).toBe(dso);
    expect(bestPossibleDso(current, sales, d)).toBe(best);
    expect(averageDaysDelinquent(ar, current, sales, d)).toBe(add);
  });

  it('refuses a negative or fractional day count', () => {
    expect(() => dsoStandard(1n, 1n, -1)).toThrow(RangeError);
    expect(() => dsoStandard(1n, 1n, 1.5)).toThrow(RangeError);
  });
});

describe('DSO, countback method', () => {
  const m = (creditSales: bigint, days: number) => ({ creditSales, days });
  it.each([
    ['AR within the latest month', 50n, [m(100n, 30)], '15.0'],
    ['AR over two and a half months', 250n, [m(100n, 30), m(100n, 31), m(100n, 31)], '76.5'],
    ['AR exactly two months', 200n, [m(100n, 30), m(100n, 31), m(100n, 31)], '61.0'],
    ['history runs out: all its days (a floor)', 500n, [m(100n, 30), m(100n, 31), m(100n, 31)], '92.0'],
    ['a month without sales counts in full', 50n, [m(0n, 30), m(100n, 31)], '45.5'],
    ['a month of net credit notes counts in full and takes nothing off', 50n, [m(-20n, 30), m(100n, 31)], '45.5'],
    ['no AR', 0n, [m(100n, 30)], '0.0'],
    ['negative AR (net credits)', -10n, [m(100n, 30)], '0.0'],
    ['a third of a month', 1n, [m(3n, 30)], '10.0'],
    ['no history', 100n, [], null],
  ])('%s', (_name, ar, months, expected) => {
    expect(dsoCountback(ar, months)).toBe(expected);
  });

  it('property: with equal months it equals the standard DSO while AR is covered by the history', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10n ** 12n }), fc.integer({ min: 28, max: 31 }), fc.integer({ min: 1, max: 12 }), fc.bigInt({ min: 0n, max: 10n ** 15n }), (sales, d, n, rawAr) => {
        const ar = rawAr % (sales * BigInt(n) + 1n);
        const months = Array.from({ length: n }, () => m(sales, d));
        expect(dsoCountback(ar, months)).toBe(dsoStandard(ar, sales, d));
      }),
    );
  });
});

describe('CEI, overdue ratios, turnover, collection rate', () => {
  it.each([
    // opening, sales, closing, closing current → CEI
    [800n, 500n, 1_000n, 250n, '28.57'],
    [100n, 0n, 0n, 0n, '100.00'],
    [0n, 1_000n, 400n, 400n, '100.00'],
    [1_000n, 0n, 1_000n, 0n, '0.00'],
    [500n, 500n, 1_000n, 1_000n, null],
  ])('CEI opening %s + sales %s, closing %s (current %s) = %s', (openingAr, creditSales, closingAr, closingCurrentAr, expected) => {
    expect(cei({ openingAr, creditSales, closingAr, closingCurrentAr })).toBe(expected);
  });

  it.each([
    [1_000n, 250n, '75.00'],
    [3n, 2n, '33.33'],
    [1_000n, 1_000n, '0.00'],
    [0n, 0n, null],
  ])('overdue ratio by amount: AR %s, current %s → %s', (ar, current, expected) => {
    expect(overdueRatioAmount(ar, current)).toBe(expected);
  });

  it.each([
    [3, 8, '37.50'],
    [0, 5, '0.00'],
    [2, 3, '66.67'],
    [0, 0, null],
  ])('overdue ratio by count: %s of %s → %s', (overdue, open, expected) => {
    expect(overdueRatioCount(overdue, open)).toBe(expected);
  });

  it.each([
    // sales, opening, closing, days → turnover (annualised), turnover days
    [500n, 800n, 1_000n, 30, '6.76', '54.0'],
    [365n, 100n, 100n, 365, '3.65', '100.0'],
    [1_000n, 0n, 0n, 30, null, '0.0'],
    [0n, 100n, 100n, 30, '0.00', null],
    [-5n, 100n, 100n, 30, '-0.61', null],
  ])('turnover: sales %s, AR %s → %s over %s days = %s (%s days)', (sales, opening, closing, d, turnover, tDays) => {
    expect(arTurnover(sales, opening, closing, d)).toBe(turnover);
    expect(turnoverDays(sales, opening, closing, d)).toBe(tDays);
  });

  it.each([
    [300n, 800n, 500n, '23.08'],
    [1_300n, 800n, 500n, '100.00'],
    [0n, 800n, 0n, '0.00'],
    [10n, 0n, 0n, null],
  ])('collection rate: %s collected of opening %s + sales %s = %s', (collections, opening, sales, expected) => {
    expect(collectionRate(collections, opening, sales)).toBe(expected);
  });
});

describe('computeKpis', () => {
  it('a hand-computed month', () => {
    const k = computeKpis(
      { days: 30, openingAr: 800n, closingAr: 1_000n, closingCurrentAr: 250n, creditSales: 500n, collections: 300n, openCount: 8, overdueCount: 3 },
      [
        { creditSales: 500n, days: 30 },
        { creditSales: 400n, days: 31 },
        { creditSales: 300n, days: 31 },
      ],
    );
    expect(k).toEqual({
      dso: '60.0',
      // 500 → 30 days, 400 → 31 days, 100 of 300 → 31/3 = 10.33 days
      dsoCountback: '71.3',
      bestPossibleDso: '15.0',
      add: '45.0',
      cei: '28.57',
      overdueRatioAmount: '75.00',
      overdueRatioCount: '37.50',
      turnover: '6.76',
      turnoverDays: '54.0',
      collectionRate: '23.08',
    });
  });

  it('an empty ledger has no ratios but no errors either', () => {
    const k = computeKpis({ days: 31, openingAr: 0n, closingAr: 0n, closingCurrentAr: 0n, creditSales: 0n, collections: 0n, openCount: 0, overdueCount: 0 });
    expect(k).toEqual({
      dso: null,
      dsoCountback: '0.0',
      bestPossibleDso: null,
      add: null,
      cei: null,
      overdueRatioAmount: null,
      overdueRatioCount: null,
      turnover: null,
      turnoverDays: null,
      collectionRate: null,
    });
  });

  it('refuses a period without days', () => {
    expect(() => computeKpis({ days: 0, openingAr: 0n, closingAr: 0n, closingCurrentAr: 0n, creditSales: 1n, collections: 0n, openCount: 0, overdueCount: 0 })).toThrow(RangeError);
  });

  it('property: every figure is a fixed-precision decimal or null; ADD is DSO − best-possible within rounding; CEI ≤ 100 on a sound ledger', () => {
    const amount = fc.bigInt({ min: 0n, max: 10n ** 14n });
    fc.assert(
      fc.property(amount, amount, amount, amount, amount, fc.integer({ min: 1, max: 366 }), fc.nat(1000), fc.nat(1000), (openingAr, closingRaw, currentRaw, creditSales, collections, d, a, b) => {
        // A sound ledger: AR cannot close above what was open plus what was sold.
        const closingAr = closingRaw % (openingAr + creditSales + 1n);
        const closingCurrentAr = closingAr === 0n ? 0n : currentRaw % (closingAr + 1n);
        const [overdueCount, openCount] = a <= b ? [a, b] : [b, a];
        const k = computeKpis({ days: d, openingAr, closingAr, closingCurrentAr, creditSales, collections, openCount, overdueCount });
        for (const [name, v] of Object.entries(k)) {
          if (v !== null) expect(v, name).toMatch(/^-?\d+\.\d{1,2}$/);
        }
        if (k.dso !== null) {
          const diff = scaled(k.dso) - scaled(k.bestPossibleDso!) - scaled(k.add!);
          expect(diff >= -1n && diff <= 1n).toBe(true);
        }
        if (k.cei !== null) expect(scaled(k.cei) <= 10_000n).toBe(true);
        if (k.overdueRatioAmount !== null) expect(scaled(k.overdueRatioAmount) <= 10_000n).toBe(true);
        if (k.overdueRatioCount !== null) expect(scaled(k.overdueRatioCount) <= 10_000n).toBe(true);
      }),
    );
  });
});

describe('concentration: top-10 share and HHI', () => {
  it('one customer owes everything: top share 100 %, HHI 10000', () => {
    expect(topShare([123_45n])).toBe('100.00');
    expect(hhi([123_45n])).toBe('10000.0');
  });

  it('nothing owed (no customers, all zero or in credit): null, never NaN', () => {
    expect(topShare([])).toBeNull();
    expect(hhi([])).toBeNull();
    expect(topShare([0n, 0n])).toBeNull();
    expect(hhi([0n, -500n])).toBeNull();
  });

  it('hand-computed: 60 / 30 / 10 gives HHI 3600 + 900 + 100 = 4600', () => {
    expect(hhi([6000n, 3000n, 1000n])).toBe('4600.0');
    // a customer in credit counts in neither the base nor the shares
    expect(hhi([6000n, -2000n, 3000n, 1000n])).toBe('4600.0');
    expect(topShare([6000n, 3000n, 1000n], 2)).toBe('90.00');
  });

  it('n equal customers: HHI 10000 ÷ n, rounded once (3 → 3333.3)', () => {
    expect(hhi([7n, 7n, 7n])).toBe('3333.3');
    expect(hhi(Array.from({ length: 4 }, () => 1_000_000n))).toBe('2500.0');
  });

  it('top 10 of 12: the two smallest stay out of the numerator', () => {
    // 10 customers of 100 and 2 of 50: 1000 ÷ 1100 = 90.909… %
    const amounts = [...Array.from({ length: 10 }, () => 100n), 50n, 50n].reverse();
    expect(topShare(amounts)).toBe('90.91');
    // HHI: 10 × (100/1100)² + 2 × (50/1100)² = (100000 + 5000) × 10000 ÷ 1210000 = 867.768…
    expect(hhi(amounts)).toBe('867.8');
  });

  it('exact for amounts far beyond float precision', () => {
    const big = 10n ** 20n + 1n;
    expect(hhi([big, big])).toBe('5000.0');
    expect(topShare([big, 1n], 1)).toBe('100.00');
  });
});

describe('credit-limit utilisation', () => {
  it('per customer: open ÷ limit; null without a limit or with a zero limit', () => {
    expect(creditUtilisation(750_00n, 1000_00n)).toBe('75.00');
    expect(creditUtilisation(1500_00n, 1000_00n)).toBe('150.00');
    expect(creditUtilisation(1n, 3n)).toBe('33.33');
    expect(creditUtilisation(100n, null)).toBeNull();
    expect(creditUtilisation(100n, 0n)).toBeNull();
  });

  it('overall: Σ open ÷ Σ limits over customers with a limit; counts those over it', () => {
    const s = creditSummary([
      { openMinor: 750n, limitMinor: 1000n }, // 75 %
      { openMinor: 1500n, limitMinor: 1000n }, // over
      { openMinor: 9999n, limitMinor: null }, // no limit: out of both sums
      { openMinor: 10n, limitMinor: 0n }, // a zero limit: over as soon as it owes anything, not in the sums
      { openMinor: 1000n, limitMinor: 1000n }, // at the limit is not over it
    ]);
    expect(s).toEqual({ withLimit: 3, overLimit: 2, utilisation: '108.33', openMinor: 3250n, limitMinor: 3000n });
  });

  it('no customer has a limit: utilisation null, nobody over', () => {
    expect(creditSummary([{ openMinor: 5n, limitMinor: null }])).toEqual({ withLimit: 0, overLimit: 0, utilisation: null, openMinor: 0n, limitMinor: 0n });
    expect(creditSummary([]).utilisation).toBeNull();
  });
});

describe('DPO, bad-debt rate and unapplied cash', () => {
  it('DPO = closing AP ÷ purchases × days', () => {
    expect(dpo(3000_00n, 4500_00n, 30)).toBe('20.0');
    expect(dpo(1000n, 3000n, 31)).toBe('10.3'); // 10.333…
    expect(dpo(1000n, 0n, 30)).toBeNull(); // no purchases
    expect(dpo(1000n, -5n, 30)).toBeNull(); // net supplier credit notes
    expect(dpo(0n, 100n, 30)).toBe('0.0');
  });

  it('bad-debt rate = written off ÷ credit sales; null without sales', () => {
    expect(badDebtRate(25_00n, 1000_00n)).toBe('2.50');
    expect(badDebtRate(1n, 0n)).toBeNull();
  });

  it('unapplied ratio = unapplied receipts ÷ closing AR; null on no AR', () => {
    expect(unappliedRatio(200n, 800n)).toBe('25.00');
    expect(unappliedRatio(200n, 0n)).toBeNull();
  });
});
