import { describe, expect, it } from 'vitest';
import { FEATURE_NAMES, type FeatureRow } from './features';
import { predictByRules, priorFromOutcomes, type RulePrior } from './rules';

function row(over: Partial<Record<(typeof FEATURE_NAMES)[number], number>>, asOf = '2025-03-01', dueDate = '2025-03-31'): FeatureRow {
  const values = FEATURE_NAMES.map((n) => over[n] ?? 0);
  return { installmentId: 'I1', customerId: 'C1', asOf, dueDate, values };
}

const prior: RulePrior = { shareLate: 0.4, shareLate30: 0.1, medianDaysLate: 4, p25DaysLate: -2, p75DaysLate: 12, strength: 4 };

describe('rule-based predictor', () => {
  it('shrinks the customer share late towards the prior (hand-computed)', () => {
    // 6 settled, 3 late (50 %), 1 over 30 days: p_late = (6·0.5 + 4·0.4) / 10 = 0.46
    const p = predictByRules(
      row({ hist_count: 6, hist_share_late: 0.5, hist_share_late30: 1 / 6, hist_median_days_late: 9, hist_p25_days_late: 1, hist_p75_days_late: 20 }),
      prior,
    );
    expect(p.pLate).toBeCloseTo(0.46, 12);
    expect(p.pLate30).toBeCloseTo((1 + 0.4) / 10, 12);
    // median (6·9 + 4·4)/10 = 7 → due 2025-03-31 + 7 = 2025-04-07; low (6·1 − 8)/10 = −0.2 → 0; high (120+48)/10 = 16.8 → 17
    expect(p.expectedDate).toBe('2025-04-07');
    expect(p.expectedLow).toBe('2025-03-31');
    expect(p.expectedHigh).toBe('2025-04-17');
    expect(p).toMatchObject({ source: 'rules', fallback: true });
    expect(p.noteEn).toContain('Too little history');
    expect(p.noteZh).toContain('规则模型');
  });

  it('uses the prior alone for a new customer', () => {
    const p = predictByRules(row({ hist_count: 0 }), prior);
    expect(p.pLate).toBeCloseTo(0.4, 12);
    expect(p.expectedDate).toBe('2025-04-04');
  });

  it('an installment already overdue is late for certain and paid tomorrow at the earliest', () => {
    const p = predictByRules(row({ hist_count: 0, days_overdue_now: 40 }, '2025-05-10', '2025-03-31'), prior);
    expect(p.pLate).toBe(1);
    expect(p.pLate30).toBe(1);
    expect(p.expectedDate).toBe('2025-05-11');
    expect(p.expectedLow >= '2025-05-11').toBe(true);
  });

  it('derives the organisation prior from outcomes', () => {
    const pr = priorFromOutcomes([-3, 0, 5, 40], 1);
    expect(pr.shareLate).toBeCloseTo(3 / 5, 12);
    expect(pr.shareLate30).toBeCloseTo(2 / 5, 12);
    expect(pr.medianDaysLate).toBe(5);
  });
});
