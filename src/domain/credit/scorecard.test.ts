import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CreditFacts, DEFAULT_SCORECARD, formatPoints, percentCeil, type ScorecardConfig, scoreCustomer, validateScorecardConfig } from './scorecard';

const typical: CreditFacts = {
  avgDaysLate3m: 40,
  avgDaysLate6m: 23,
  avgDaysLate12m: 18,
  paidCount12m: 10,
  paidLateCount12m: 4,
  overdueMinor: 5_000_000n, // ¥50,000.00
  oldestDaysOverdue: 45,
  creditLimitMinor: 20_000_000n,
  openMinor: 15_000_000n,
  tenureMonths: 40,
  volume12mMinor: 100_000_000n,
  volumePrior12mMinor: 80_000_000n,
  disputes12m: 1,
  brokenPromises12m: 0,
};

describe('scoreCustomer — hand-computed examples', () => {
  it('scores a customer who pays 23 days late', () => {
    const s = scoreCustomer(typical);
    const points = Object.fromEntries(s.factors.map((f) => [f.key, f.points]));
    // 6m 23 d → −12; 3m 40 d → −4; 12m 18 d → 0; 4/10 late = 40 % → −5; oldest 45 d → −8;
    // overdue 5 % of volume → −2; limit 75 % used → 0; 40 months → +5; volume 125 % → 0;
    // 1 dispute → −3; no broken promise → 0. Sum −29 → 60 − 29 = 31 → grade E.
    expect(points).toEqual({
      daysLate6m: -12,
      daysLate3m: -4,
      daysLate12m: 0,
      shareLate: -5,
      oldestDaysOverdue: -8,
      overdueAmount: -2,
      utilisation: 0,
      tenure: 5,
      volumeTrend: 0,
      disputes: -3,
      brokenPromises: 0,
    });
    expect(s.score).toBe(31);
    expect(s.grade).toBe('E');
    const f6 = s.factors.find((f) => f.key === 'daysLate6m')!;
    expect(f6.zh).toBe('近6个月平均逾期 23 天: −12 分');
    expect(f6.en).toBe('Avg 23 days late (6 months): −12 pts');
    expect(f6.value).toBe(23);
    expect(s.factors.find((f) => f.key === 'tenure')!.zh).toBe('合作 40 个月: +5 分');
  });

  it('scores a good customer with external data, and a court listing costs 30 points', () => {
    const good: CreditFacts = {
      ...typical,
      avgDaysLate3m: 0,
      avgDaysLate6m: 0,
      avgDaysLate12m: 2,
      paidCount12m: 20,
      paidLateCount12m: 1,
      overdueMinor: 0n,
      oldestDaysOverdue: 0,
      openMinor: 6_000_000n,
      tenureMonths: 50,
      volumePrior12mMinor: 90_909_091n,
      disputes12m: 0,
      external: { dishonestDebtor: false, litigationCount: 0, yearsInBusiness: 12, registeredCapitalMinor: 500_000_000n, industryRisk: 'low' },
    };
    // +10 +0 +3 +5(5 %) +5(no overdue) +3(30 %) +5 +0(110 %) +0 +0 | 0 +2 +3 +0 +2 = 38 → 98 A
    const s = scoreCustomer(good);
    expect(s.score).toBe(98);
    expect(s.grade).toBe('A');
    expect(s.factors.find((f) => f.key === 'registeredCapital')!.zh).toBe('注册资本 500 万元: 0 分');
    const listed = scoreCustomer({ ...good, external: { ...good.external, dishonestDebtor: true } });
    expect(listed.score).toBe(68);
    expect(listed.grade).toBe('B');
    expect(listed.factors.find((f) => f.key === 'dishonestDebtor')!.zh).toBe('列入失信被执行人: −30 分');
  });

  it('bounds the score to 0..100 with an explicit factor so the sum still holds', () => {
    const s = scoreCustomer({
      ...typical,
      avgDaysLate3m: 200,
      avgDaysLate6m: 200,
      avgDaysLate12m: 200,
      paidLateCount12m: 10,
      overdueMinor: 200_000_000n,
      oldestDaysOverdue: 200,
      openMinor: 40_000_000n,
      tenureMonths: 2,
      volumePrior12mMinor: 1_000_000_000n,
      disputes12m: 5,
      brokenPromises12m: 3,
      external: { dishonestDebtor: true, abnormalOperation: true, litigationCount: 10 },
    });
    expect(s.score).toBe(0);
    const bound = s.factors.find((f) => f.key === 'bounds')!;
    expect(bound.points).toBeGreaterThan(0);
    expect(s.factors.reduce((a, f) => a + f.points, 0)).toBe(s.score - s.base);
  });

  it('a new customer without history scores on what is known', () => {
    const s = scoreCustomer({
      avgDaysLate3m: null,
      avgDaysLate6m: null,
      avgDaysLate12m: null,
      paidCount12m: 0,
      paidLateCount12m: 0,
      overdueMinor: 0n,
      oldestDaysOverdue: 0,
      creditLimitMinor: null,
      openMinor: 0n,
      tenureMonths: 1,
      volume12mMinor: 0n,
      volumePrior12mMinor: null,
      disputes12m: 0,
      brokenPromises12m: 0,
    });
    // +5 nothing overdue, −5 tenure < 6 months, 0 disputes, 0 promises → 60
    expect(s.score).toBe(60);
    expect(s.grade).toBe('C');
    expect(s.factors.map((f) => f.key)).toEqual(['oldestDaysOverdue', 'tenure', 'disputes', 'brokenPromises']);
  });
});

describe('helpers and configuration', () => {
  it('formats points with a true minus sign', () => {
    expect(formatPoints(-12, 'zh')).toBe('−12 分');
    expect(formatPoints(5, 'en')).toBe('+5 pts');
    expect(formatPoints(0, 'zh')).toBe('0 分');
  });

  it('rounds percentages up exactly on bigints', () => {
    expect(percentCeil(5n, 100n)).toBe(5);
    expect(percentCeil(501n, 10_000n)).toBe(6); // 5.01 % is over 5 %
    expect(percentCeil(0n, 7n)).toBe(0);
    expect(() => percentCeil(1n, 0n)).toThrow(RangeError);
  });

  it('accepts custom bands and rejects non-monotonic ones', () => {
    expect(validateScorecardConfig(DEFAULT_SCORECARD)).toEqual([]);
    const custom: ScorecardConfig = {
      ...DEFAULT_SCORECARD,
      bands: {
        ...DEFAULT_SCORECARD.bands,
        daysLate6m: [
          { upTo: 10, points: 0 },
          { upTo: null, points: -20 },
        ],
      },
    };
    expect(scoreCustomer(typical, custom).factors.find((f) => f.key === 'daysLate6m')!.points).toBe(-20);
    const broken: ScorecardConfig = {
      ...DEFAULT_SCORECARD,
      bands: {
        ...DEFAULT_SCORECARD.bands,
        daysLate6m: [
          { upTo: 10, points: -5 },
          { upTo: null, points: 3 },
        ],
      },
    };
    expect(validateScorecardConfig(broken)).toContain('daysLate6m: points must not rise as the value grows');
    expect(() => scoreCustomer(typical, broken)).toThrow(/invalid scorecard/);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

const days = fc.option(fc.double({ min: 0, max: 400, noNaN: true }), { nil: null });
const money = fc.bigInt({ min: 0n, max: 10n ** 12n });
const arbFacts: fc.Arbitrary<CreditFacts> = fc
  .record({
    avgDaysLate3m: days,
    avgDaysLate6m: days,
    avgDaysLate12m: days,
    paidCount12m: fc.integer({ min: 0, max: 300 }),
    lateShare: fc.double({ min: 0, max: 1, noNaN: true }),
    overdueMinor: money,
    oldestDaysOverdue: fc.integer({ min: 0, max: 2000 }),
    creditLimitMinor: fc.option(money, { nil: null }),
    openMinor: money,
    tenureMonths: fc.integer({ min: 0, max: 400 }),
    volume12mMinor: money,
    volumePrior12mMinor: fc.option(money, { nil: null }),
    disputes12m: fc.integer({ min: 0, max: 20 }),
    brokenPromises12m: fc.integer({ min: 0, max: 20 }),
    external: fc.option(
      fc.record(
        {
          registeredCapitalMinor: money,
          yearsInBusiness: fc.integer({ min: 0, max: 80 }),
          litigationCount: fc.integer({ min: 0, max: 50 }),
          dishonestDebtor: fc.boolean(),
          abnormalOperation: fc.boolean(),
          industryRisk: fc.constantFrom('low' as const, 'medium' as const, 'high' as const),
        },
        { requiredKeys: [] },
      ),
      { nil: null },
    ),
  })
  .map(({ lateShare, ...f }) => ({ ...f, paidLateCount12m: Math.floor(lateShare * f.paidCount12m) }));

describe('scoreCustomer — properties', () => {
  it('score is a whole number in 0..100 and the factors sum to score − base', () => {
    fc.assert(
      fc.property(arbFacts, (facts) => {
        const s = scoreCustomer(facts);
        expect(Number.isInteger(s.score)).toBe(true);
        expect(s.score).toBeGreaterThanOrEqual(0);
        expect(s.score).toBeLessThanOrEqual(100);
        expect(s.factors.reduce((a, f) => a + f.points, 0)).toBe(s.score - s.base);
        for (const f of s.factors) {
          expect(f.zh).toMatch(/: (\+|−)?\d+ 分$/);
          expect(f.en).toMatch(/: (\+|−)?\d+ pts$/);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('more days late, overdue, disputes or broken promises never raise the score', () => {
    const worse = fc.record({
      dLate: fc.double({ min: 0, max: 200, noNaN: true }),
      dOverdue: fc.integer({ min: 0, max: 500 }),
      moreLate: fc.integer({ min: 0, max: 50 }),
      moreOverdue: fc.bigInt({ min: 0n, max: 10n ** 10n }),
      moreDisputes: fc.integer({ min: 0, max: 5 }),
      morePromises: fc.integer({ min: 0, max: 5 }),
      moreLitigation: fc.integer({ min: 0, max: 5 }),
    });
    fc.assert(
      fc.property(arbFacts, worse, (facts, w) => {
        const bump = (v: number | null): number | null => (v === null ? null : v + w.dLate);
        const worseFacts: CreditFacts = {
          ...facts,
          avgDaysLate3m: bump(facts.avgDaysLate3m),
          avgDaysLate6m: bump(facts.avgDaysLate6m),
          avgDaysLate12m: bump(facts.avgDaysLate12m),
          paidLateCount12m: Math.min(facts.paidCount12m, facts.paidLateCount12m + w.moreLate),
          oldestDaysOverdue: facts.oldestDaysOverdue + w.dOverdue,
          overdueMinor: facts.overdueMinor + w.moreOverdue,
          disputes12m: facts.disputes12m + w.moreDisputes,
          brokenPromises12m: facts.brokenPromises12m + w.morePromises,
          external: facts.external?.litigationCount !== undefined ? { ...facts.external, litigationCount: facts.external.litigationCount + w.moreLitigation } : facts.external,
        };
        expect(scoreCustomer(worseFacts).score).toBeLessThanOrEqual(scoreCustomer(facts).score);
      }),
      { numRuns: 500 },
    );
  });

  it('each days-late window alone is monotonic', () => {
    fc.assert(
      fc.property(arbFacts, fc.constantFrom('avgDaysLate3m' as const, 'avgDaysLate6m' as const, 'avgDaysLate12m' as const), fc.double({ min: 0, max: 300, noNaN: true }), (facts, key, extra) => {
        const v = facts[key] ?? 0;
        expect(scoreCustomer({ ...facts, [key]: v + extra }).score).toBeLessThanOrEqual(scoreCustomer({ ...facts, [key]: v }).score);
      }),
      { numRuns: 300 },
    );
  });

  it('works without external data: no external factor appears', () => {
    fc.assert(
      fc.property(arbFacts, (facts) => {
        const s = scoreCustomer({ ...facts, external: null });
        const keys = new Set(s.factors.map((f) => f.key));
        for (const k of ['dishonestDebtor', 'abnormalOperation', 'litigation', 'yearsInBusiness', 'registeredCapital', 'industryRisk']) expect(keys.has(k)).toBe(false);
        expect(s.factors.reduce((a, f) => a + f.points, 0)).toBe(s.score - s.base);
      }),
      { numRuns: 200 },
    );
  });
});
