/**
 * The cold-start predictor (冷启动规则模型): used while the organisation has too little history to
 * train on, and always as the transparent fallback. Every figure is a sentence long:
 *
 *   p_late   = (customer's late count + k · prior share late) / (customer's settled count + k)
 *   p_late30 = the same with payments more than 30 days late
 *   expected date = due date + the customer's median days late, shrunk towards the prior median
 *                   with the same weight k; low/high = due + the customer's 25th/75th percentile.
 *
 * An installment already past due is late for certain (p_late = 1) and cannot be paid before
 * tomorrow. Each prediction says that it comes from the fallback.
 */
import { addDays, daysBetween } from '../dates';
import { type FeatureRow, featureValue } from './features';

export interface RulePrior {
  /** The organisation's share of installments paid late / more than 30 days late. */
  shareLate: number;
  shareLate30: number;
  /** The organisation's median, 25th and 75th percentile days late. */
  medianDaysLate: number;
  p25DaysLate: number;
  p75DaysLate: number;
  /** Weight of the prior in settled installments (a Beta prior's pseudo-count). */
  strength: number;
}

/** Used when even the organisation has no settled installment. */
export const DEFAULT_PRIOR: RulePrior = { shareLate: 0.3, shareLate30: 0.08, medianDaysLate: 0, p25DaysLate: -3, p75DaysLate: 10, strength: 4 };

export type PredictionSource = 'gbm' | 'rules';

export interface PaymentPrediction {
  installmentId: string;
  customerId: string;
  asOf: string;
  dueDate: string;
  pLate: number;
  pLate30: number;
  expectedDate: string;
  expectedLow: string;
  expectedHigh: string;
  source: PredictionSource;
  /** True when the rule model stood in for a trained one. */
  fallback: boolean;
  noteZh: string;
  noteEn: string;
}

/** The organisation-wide prior from settled installments' days late (and never-paid counts). */
export function priorFromOutcomes(daysLate: readonly number[], neverPaid = 0, strength = DEFAULT_PRIOR.strength): RulePrior {
  const n = daysLate.length + neverPaid;
  if (n === 0) return { ...DEFAULT_PRIOR, strength };
  const sorted = [...daysLate].sort((a, b) => a - b);
  const q = (p: number): number => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : 0);
  return {
    shareLate: (daysLate.filter((d) => d > 0).length + neverPaid) / n,
    shareLate30: (daysLate.filter((d) => d > 30).length + neverPaid) / n,
    medianDaysLate: q(0.5),
    p25DaysLate: q(0.25),
    p75DaysLate: q(0.75),
    strength,
  };
}

const shrink = (value: number, n: number, prior: number, k: number): number => (n * value + k * prior) / (n + k);

/** Rule-based prediction for one open installment from its point-in-time features. */
export function predictByRules(row: FeatureRow, prior: RulePrior = DEFAULT_PRIOR, reason: 'cold_start' | 'fallback' = 'cold_start'): PaymentPrediction {
  const n = featureValue(row, 'hist_count');
  const has = n > 0;
  const shareLate = has ? featureValue(row, 'hist_share_late') : 0;
  const shareLate30 = has ? featureValue(row, 'hist_share_late30') : 0;
  const k = prior.strength;
  const overdueDays = featureValue(row, 'days_overdue_now');
  let pLate = shrink(shareLate, n, prior.shareLate, k);
  let pLate30 = shrink(shareLate30, n, prior.shareLate30, k);
  if (overdueDays > 0) {
    pLate = 1;
    // Already late: the chance of passing 30 days is the share of late payers that did.
    pLate30 = overdueDays > 30 ? 1 : Math.min(1, pLate30 / Math.max(prior.shareLate, shrink(shareLate, n, prior.shareLate, k), 1e-9));
  }
  const median = shrink(has ? featureValue(row, 'hist_median_days_late') : 0, n, prior.medianDaysLate, k);
  const p25 = shrink(has ? featureValue(row, 'hist_p25_days_late') : 0, n, prior.p25DaysLate, k);
  const p75 = shrink(has ? featureValue(row, 'hist_p75_days_late') : 0, n, prior.p75DaysLate, k);
  const tomorrow = addDays(row.asOf, 1);
  const at = (days: number): string => {
    const d = addDays(row.dueDate, Math.round(days));
    return d < tomorrow ? tomorrow : d;
  };
  const expectedDate = at(median);
  const low = at(Math.min(p25, median));
  const high = at(Math.max(p75, median));
  const lead = reason === 'cold_start' ? '历史数据不足，使用规则模型' : '使用规则模型（备用）';
  const leadEn = reason === 'cold_start' ? 'Too little history: rule-based model' : 'Rule-based model (fallback)';
  const days = daysBetween(row.dueDate, expectedDate);
  return {
    installmentId: row.installmentId,
    customerId: row.customerId,
    asOf: row.asOf,
    dueDate: row.dueDate,
    pLate,
    pLate30,
    expectedDate,
    expectedLow: low,
    expectedHigh: high > expectedDate ? high : expectedDate,
    source: 'rules',
    fallback: true,
    noteZh: `${lead}：该客户已结清 ${n} 笔，逾期比例 ${Math.round(shareLate * 100)}%，预计到期后 ${days} 天付款`,
    noteEn: `${leadEn}: ${n} settled installments, ${Math.round(shareLate * 100)}% paid late; expected ${days} days after due`,
  };
}
