/**
 * Customer credit score (客户信用评分): a points scorecard, 0–100 with a grade A–E. Each factor
 * looks up its value in a table of bands and contributes whole points; the score is the base plus
 * the factors, and a factor list shows every contribution in Chinese and English
 * ("近6个月平均逾期 23 天: −12 分" / "Avg 23 days late (6 months): −12 pts"). No black box: the
 * points of the listed factors always sum exactly to score − base.
 *
 * Pure: the facts are computed elsewhere (features.ts from the ledger, or an import) as of a date.
 * Money is bigint minor units; shares and ratios of money are compared exactly with integer
 * arithmetic, never through floating point.
 *
 * Monotonic by construction: every "bad" quantity (days late, share late, overdue days and
 * amount, utilisation, disputes, broken promises, litigation) has bands whose points never rise
 * as the quantity grows — validateScorecardConfig checks this for custom tables.
 */

// ---------------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------------

/** Optional third-party data (工商/司法信息). Each field may be absent; absent fields add no factor. */
export interface ExternalCreditData {
  /** 注册资本, in CNY minor units (fen). */
  registeredCapitalMinor?: bigint;
  /** 成立年限. */
  yearsInBusiness?: number;
  /** 涉诉案件数 (cases as defendant, last 3 years). */
  litigationCount?: number;
  /** 失信被执行人 (on the court's list of dishonest judgment debtors). */
  dishonestDebtor?: boolean;
  /** 经营异常 (listed for abnormal operations by the market regulator). */
  abnormalOperation?: boolean;
  /** 行业风险. */
  industryRisk?: 'low' | 'medium' | 'high';
}

/** A customer's payment behaviour as of a date, from the ledger (plus optional external data). */
export interface CreditFacts {
  /** Amount-weighted days late of installments settled in the last 3/6/12 months (early = 0); null when none settled. */
  avgDaysLate3m: number | null;
  avgDaysLate6m: number | null;
  avgDaysLate12m: number | null;
  /** Installments settled in the last 12 months, and how many of them after their due date. */
  paidCount12m: number;
  paidLateCount12m: number;
  /** Open amount past due today, and the days past due of the oldest such installment (0 when none). */
  overdueMinor: bigint;
  oldestDaysOverdue: number;
  /** Credit limit (信用额度) and the open balance it is measured against; limit null = none set. */
  creditLimitMinor: bigint | null;
  openMinor: bigint;
  /** Months since the first invoice. */
  tenureMonths: number;
  /** Invoiced in the last 12 months, and in the 12 months before (null when the customer is younger). */
  volume12mMinor: bigint;
  volumePrior12mMinor: bigint | null;
  /** Disputes raised and payment promises broken in the last 12 months. */
  disputes12m: number;
  brokenPromises12m: number;
  /** This customer's share of the organisation's receivables: dependence on one customer (集中度). */
  receivablesShare?: { customerMinor: bigint; totalMinor: bigint } | null;
  external?: ExternalCreditData | null;
}

// ---------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------

/** A band holds values ≤ upTo (null = no upper bound, the last band). */
export interface Band {
  upTo: number | null;
  points: number;
}

export type Grade = 'A' | 'B' | 'C' | 'D' | 'E';

export interface ScorecardConfig {
  base: number;
  /** Minimum score of each grade, best first; E takes the rest. */
  grades: { grade: Exclude<Grade, 'E'>; minScore: number }[];
  bands: {
    /** Days late (amount-weighted). */
    daysLate3m: Band[];
    daysLate6m: Band[];
    daysLate12m: Band[];
    /** Share of installments paid late, in percent. */
    shareLatePct: Band[];
    oldestDaysOverdue: Band[];
    /** Overdue as a percentage of 12-month volume. */
    overduePctOfVolume: Band[];
    /** Open balance as a percentage of the credit limit. */
    utilisationPct: Band[];
    /** Tenure in months: bands rise (a longer relationship earns points). */
    tenureMonths: Band[];
    /** 12-month volume as a percentage of the 12 months before: bands rise. */
    volumeTrendPct: Band[];
    disputes: Band[];
    brokenPromises: Band[];
    /** Share of the organisation's receivables, in percent. */
    concentrationPct: Band[];
    litigationCount: Band[];
    /** Years in business: bands rise. */
    yearsInBusiness: Band[];
    /** Registered capital in CNY (whole yuan): bands rise. */
    registeredCapitalCny: Band[];
  };
  flags: {
    dishonestDebtor: number;
    abnormalOperation: number;
    industryRisk: Record<'low' | 'medium' | 'high', number>;
  };
}

export const DEFAULT_SCORECARD: ScorecardConfig = {
  base: 60,
  grades: [
    { grade: 'A', minScore: 80 },
    { grade: 'B', minScore: 65 },
    { grade: 'C', minScore: 50 },
    { grade: 'D', minScore: 35 },
  ],
  bands: {
    daysLate3m: [
      { upTo: 30, points: 0 },
      { upTo: 60, points: -4 },
      { upTo: null, points: -8 },
    ],
    daysLate6m: [
      { upTo: 0, points: 10 },
      { upTo: 5, points: 5 },
      { upTo: 15, points: 0 },
      { upTo: 30, points: -12 },
      { upTo: 60, points: -20 },
      { upTo: 90, points: -28 },
      { upTo: null, points: -35 },
    ],
    daysLate12m: [
      { upTo: 5, points: 3 },
      { upTo: 30, points: 0 },
      { upTo: 60, points: -4 },
      { upTo: null, points: -8 },
    ],
    shareLatePct: [
      { upTo: 10, points: 5 },
      { upTo: 25, points: 0 },
      { upTo: 50, points: -5 },
      { upTo: null, points: -10 },
    ],
    oldestDaysOverdue: [
      { upTo: 0, points: 5 },
      { upTo: 30, points: 0 },
      { upTo: 60, points: -8 },
      { upTo: 90, points: -15 },
      { upTo: null, points: -25 },
    ],
    overduePctOfVolume: [
      { upTo: 0, points: 0 },
      { upTo: 5, points: -2 },
      { upTo: 15, points: -5 },
      { upTo: 30, points: -10 },
      { upTo: null, points: -15 },
    ],
    utilisationPct: [
      { upTo: 50, points: 3 },
      { upTo: 80, points: 0 },
      { upTo: 100, points: -5 },
      { upTo: null, points: -12 },
    ],
    tenureMonths: [
      { upTo: 5, points: -5 },
      { upTo: 11, points: -2 },
      { upTo: 35, points: 0 },
      { upTo: null, points: 5 },
    ],
    volumeTrendPct: [
      { upTo: 49, points: -5 },
      { upTo: 79, points: -2 },
      { upTo: null, points: 0 },
    ],
    disputes: [
      { upTo: 0, points: 0 },
      { upTo: 2, points: -3 },
      { upTo: null, points: -8 },
    ],
    brokenPromises: [
      { upTo: 0, points: 0 },
      { upTo: 1, points: -5 },
      { upTo: null, points: -10 },
    ],
    concentrationPct: [
      { upTo: 15, points: 0 },
      { upTo: 30, points: -2 },
      { upTo: null, points: -5 },
    ],
    litigationCount: [
      { upTo: 0, points: 2 },
      { upTo: 2, points: -3 },
      { upTo: 5, points: -8 },
      { upTo: null, points: -15 },
    ],
    yearsInBusiness: [
      { upTo: 1, points: -5 },
      { upTo: 4, points: 0 },
      { upTo: 9, points: 1 },
      { upTo: null, points: 3 },
    ],
    registeredCapitalCny: [
      { upTo: 999_999, points: -3 },
      { upTo: 9_999_999, points: 0 },
      { upTo: null, points: 2 },
    ],
  },
  flags: {
    dishonestDebtor: -30,
    abnormalOperation: -15,
    industryRisk: { low: 2, medium: 0, high: -5 },
  },
};

/** Bands whose points must never rise with the value (more of a bad thing never helps). */
const FALLING: readonly (keyof ScorecardConfig['bands'])[] = [
  'daysLate3m',
  'daysLate6m',
  'daysLate12m',
  'shareLatePct',
  'oldestDaysOverdue',
  'overduePctOfVolume',
  'utilisationPct',
  'disputes',
  'brokenPromises',
  'concentrationPct',
  'litigationCount',
];

/** Problems with a configuration, empty when it is usable. */
export function validateScorecardConfig(config: ScorecardConfig): string[] {
  const problems: string[] = [];
  for (const [name, bands] of Object.entries(config.bands) as [keyof ScorecardConfig['bands'], Band[]][]) {
    if (bands.length === 0) {
      problems.push(`${name}: no bands`);
      continue;
    }
    if (bands[bands.length - 1]!.upTo !== null) problems.push(`${name}: the last band must be open-ended (upTo null)`);
    for (let i = 0; i < bands.length; i++) {
      const b = bands[i]!;
      if (!Number.isInteger(b.points)) problems.push(`${name}: points must be whole numbers`);
      if (i > 0) {
        const prev = bands[i - 1]!;
        if (prev.upTo === null || (b.upTo !== null && b.upTo <= prev.upTo)) problems.push(`${name}: bands must be in increasing order`);
        if (FALLING.includes(name) && b.points > prev.points) problems.push(`${name}: points must not rise as the value grows`);
      }
    }
  }
  for (let i = 1; i < config.grades.length; i++) {
    if (config.grades[i]!.minScore >= config.grades[i - 1]!.minScore) problems.push('grades must be ordered best first with falling minimum scores');
  }
  if (!Number.isInteger(config.base) || config.base < 0 || config.base > 100) problems.push('base must be a whole number in 0..100');
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Scoring
// ---------------------------------------------------------------------------------------------

export interface ScoreFactor {
  key: string;
  /** Whole points this factor adds (negative = subtracts). */
  points: number;
  /** The input as shown (a number, a percentage, a flag). */
  value: number | string | boolean | null;
  zh: string;
  en: string;
}

export interface CreditScore {
  score: number;
  grade: Grade;
  base: number;
  /** Sum of factor points === score − base, always. */
  factors: ScoreFactor[];
}

export function bandPoints(bands: readonly Band[], value: number): number {
  for (const b of bands) if (b.upTo === null || value <= b.upTo) return b.points;
  return bands[bands.length - 1]?.points ?? 0;
}

/** "−12 分" / "+5 分" / "0 分" with a true minus sign. */
export function formatPoints(points: number, lang: 'zh' | 'en'): string {
  const sign = points > 0 ? '+' : points < 0 ? '−' : '';
  return `${sign}${Math.abs(points)}${lang === 'zh' ? ' 分' : ' pts'}`;
}

/**
 * Percentage num/den as a whole number, rounded up, computed exactly on bigints — so that e.g.
 * 5.01 % lands in the "over 5 %" band. Capped at 100000 to stay a safe number.
 */
export function percentCeil(num: bigint, den: bigint): number {
  if (den <= 0n) throw new RangeError('percentage of a non-positive base');
  if (num <= 0n) return 0;
  const q = (num * 100n + den - 1n) / den;
  return q > 100_000n ? 100_000 : Number(q);
}

function gradeOf(score: number, config: ScorecardConfig): Grade {
  for (const g of config.grades) if (score >= g.minScore) return g.grade;
  return 'E';
}

const round1 = (x: number): string => (Math.round(x * 10) / 10).toString();

/** Scores a customer's facts. Pure; throws only on an invalid configuration (a bug). */
export function scoreCustomer(facts: CreditFacts, config: ScorecardConfig = DEFAULT_SCORECARD): CreditScore {
  const problems = validateScorecardConfig(config);
  if (problems.length > 0) throw new Error(`invalid scorecard configuration: ${problems.join('; ')}`);
  const b = config.bands;
  const factors: ScoreFactor[] = [];
  const add = (key: string, points: number, value: ScoreFactor['value'], zh: string, en: string): void => {
    factors.push({ key, points, value, zh: `${zh}: ${formatPoints(points, 'zh')}`, en: `${en}: ${formatPoints(points, 'en')}` });
  };

  // Payment behaviour. Days late are rounded to whole days before the band lookup so that the text
  // and the band agree ("23 天" is looked up as 23).
  const windows: Array<[keyof ScorecardConfig['bands'], number | null, number]> = [
    ['daysLate6m', facts.avgDaysLate6m, 6],
    ['daysLate3m', facts.avgDaysLate3m, 3],
    ['daysLate12m', facts.avgDaysLate12m, 12],
  ];
  for (const [key, v, months] of windows) {
    if (v === null || !Number.isFinite(v)) continue;
    const days = Math.max(0, Math.round(v));
    add(key, bandPoints(b[key], days), days, `近${months}个月平均逾期 ${days} 天`, `Avg ${days} days late (${months} months)`);
  }
  if (facts.paidCount12m > 0) {
    const pct = percentCeil(BigInt(facts.paidLateCount12m), BigInt(facts.paidCount12m));
    add(
      'shareLate',
      bandPoints(b.shareLatePct, pct),
      pct,
      `近12个月逾期付款 ${facts.paidLateCount12m}/${facts.paidCount12m} 笔 (${pct}%)`,
      `Paid late ${facts.paidLateCount12m} of ${facts.paidCount12m} (${pct}%, 12 months)`,
    );
  }

  // Current exposure.
  const oldest = Math.max(0, Math.round(facts.oldestDaysOverdue));
  add(
    'oldestDaysOverdue',
    bandPoints(b.oldestDaysOverdue, oldest),
    oldest,
    oldest > 0 ? `最长逾期 ${oldest} 天` : '当前无逾期',
    oldest > 0 ? `Oldest overdue ${oldest} days` : 'Nothing overdue now',
  );
  if (facts.overdueMinor > 0n) {
    // Without volume the overdue amount cannot be put in proportion: treat it as the worst band.
    const pct = facts.volume12mMinor > 0n ? percentCeil(facts.overdueMinor, facts.volume12mMinor) : 100_000;
    const shown = pct >= 100_000 ? '—' : `${pct}%`;
    add('overdueAmount', bandPoints(b.overduePctOfVolume, pct), pct, `逾期金额占近12个月销售额 ${shown}`, `Overdue amount ${shown} of 12-month sales`);
  }
  if (facts.creditLimitMinor !== null && facts.creditLimitMinor > 0n) {
    const pct = percentCeil(facts.openMinor, facts.creditLimitMinor);
    add('utilisation', bandPoints(b.utilisationPct, pct), pct, `信用额度使用率 ${pct}%`, `Credit limit used ${pct}%`);
  }

  // Relationship.
  const tenure = Math.max(0, Math.floor(facts.tenureMonths));
  add('tenure', bandPoints(b.tenureMonths, tenure), tenure, `合作 ${tenure} 个月`, `Customer for ${tenure} months`);
  if (facts.volumePrior12mMinor !== null && facts.volumePrior12mMinor > 0n) {
    const pct = percentCeil(facts.volume12mMinor, facts.volumePrior12mMinor);
    add('volumeTrend', bandPoints(b.volumeTrendPct, pct), pct, `近12个月交易额为上年同期的 ${pct}%`, `12-month volume ${pct}% of the year before`);
  }
  add('disputes', bandPoints(b.disputes, facts.disputes12m), facts.disputes12m, `近12个月争议 ${facts.disputes12m} 次`, `${facts.disputes12m} disputes (12 months)`);
  add(
    'brokenPromises',
    bandPoints(b.brokenPromises, facts.brokenPromises12m),
    facts.brokenPromises12m,
    `近12个月违约承诺 ${facts.brokenPromises12m} 次`,
    `${facts.brokenPromises12m} broken payment promises (12 months)`,
  );
  const share = facts.receivablesShare;
  if (share && share.totalMinor > 0n) {
    const pct = percentCeil(share.customerMinor, share.totalMinor);
    add('concentration', bandPoints(b.concentrationPct, pct), pct, `占公司应收余额 ${pct}%`, `${pct}% of all receivables`);
  }

  // External data, each only when given.
  const ext = facts.external;
  if (ext) {
    if (ext.dishonestDebtor !== undefined) {
      const pts = ext.dishonestDebtor ? config.flags.dishonestDebtor : 0;
      add('dishonestDebtor', pts, ext.dishonestDebtor, ext.dishonestDebtor ? '列入失信被执行人' : '非失信被执行人', ext.dishonestDebtor ? 'Listed as dishonest judgment debtor' : 'Not a dishonest judgment debtor');
    }
    if (ext.abnormalOperation !== undefined) {
      const pts = ext.abnormalOperation ? config.flags.abnormalOperation : 0;
      add('abnormalOperation', pts, ext.abnormalOperation, ext.abnormalOperation ? '列入经营异常名录' : '无经营异常', ext.abnormalOperation ? 'Listed for abnormal operations' : 'No abnormal-operation listing');
    }
    if (ext.litigationCount !== undefined) {
      const n = Math.max(0, Math.floor(ext.litigationCount));
      add('litigation', bandPoints(b.litigationCount, n), n, `涉诉 ${n} 件`, `${n} lawsuits`);
    }
    if (ext.yearsInBusiness !== undefined) {
      const y = Math.max(0, Math.floor(ext.yearsInBusiness));
      add('yearsInBusiness', bandPoints(b.yearsInBusiness, y), y, `成立 ${y} 年`, `${y} years in business`);
    }
    if (ext.registeredCapitalMinor !== undefined) {
      const yuanBig = ext.registeredCapitalMinor / 100n;
      const yuan = yuanBig > 10n ** 15n ? 1e15 : Number(yuanBig);
      const wan = round1(yuan / 10_000);
      add('registeredCapital', bandPoints(b.registeredCapitalCny, yuan), yuan, `注册资本 ${wan} 万元`, `Registered capital CNY ${round1(yuan / 1_000_000)}m`);
    }
    if (ext.industryRisk !== undefined) {
      const zh = { low: '低', medium: '中', high: '高' }[ext.industryRisk];
      add('industryRisk', config.flags.industryRisk[ext.industryRisk], ext.industryRisk, `行业风险${zh}`, `Industry risk ${ext.industryRisk}`);
    }
  }

  // Bound to 0..100; when the bound bites, it is shown as its own factor so the sum stays exact.
  const raw = config.base + factors.reduce((s, f) => s + f.points, 0);
  const score = Math.max(0, Math.min(100, raw));
  if (score !== raw) add('bounds', score - raw, raw, `分数限定在 0–100 (原始 ${raw})`, `Score bounded to 0–100 (raw ${raw})`);
  return { score, grade: gradeOf(score, config), base: config.base, factors };
}
