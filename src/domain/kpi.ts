/**
 * Receivables KPIs (应收指标) of one period, from bigint minor amounts and day counts. Pure and
 * exact: every KPI is a fraction of integers rounded once, half away from zero, to a fixed number
 * of decimals and returned as a decimal string; no floating point touches money. A ratio whose
 * denominator is zero — or, for the sales- and balance-based ones, not positive — is null, never
 * Infinity or NaN. Formulas: docs/analytics.md, section "KPIs".
 */

/** Decimals of each kind of figure. */
export const DAYS_DECIMALS = 1;
export const PERCENT_DECIMALS = 2;
export const TURNOVER_DECIMALS = 2;
/** Days of the year used to annualise turnover. */
export const DAYS_PER_YEAR = 365n;

/**
 * num ÷ den as a decimal string with `decimals` places, rounded half away from zero; null when den
 * is 0. Exact for any bigint inputs.
 */
export function ratio(num: bigint, den: bigint, decimals: number): string | null {
  if (!Number.isInteger(decimals) || decimals < 0) throw new RangeError(`decimals must be a whole number ≥ 0, got ${decimals}`);
  if (den === 0n) return null;
  const negative = num < 0n !== den < 0n && num !== 0n;
  const n = (num < 0n ? -num : num) * 10n ** BigInt(decimals);
  const d = den < 0n ? -den : den;
  let q = n / d;
  if ((n % d) * 2n >= d) q += 1n;
  const digits = q.toString().padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals);
  const frac = decimals > 0 ? `.${digits.slice(digits.length - decimals)}` : '';
  return `${negative && q !== 0n ? '-' : ''}${whole}${frac}`;
}

/** num ÷ den when den > 0, else null (a non-positive base makes the KPI meaningless). */
function positiveRatio(num: bigint, den: bigint, decimals: number): string | null {
  return den > 0n ? ratio(num, den, decimals) : null;
}

const days = (n: number): bigint => {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`a day count must be a whole number ≥ 0, got ${n}`);
  return BigInt(n);
};

/** The ledger figures of one period (opening = as of the day before it starts, closing = its last day). */
export interface KpiInputs {
  /** Days in the period (> 0). */
  days: number;
  openingAr: bigint;
  closingAr: bigint;
  /** Open and not yet due at the closing date (due date ≥ closing date). */
  closingCurrentAr: bigint;
  /** Invoices issued in the period minus credit notes issued in it. */
  creditSales: bigint;
  /** Receipts applied to invoices with an effective date in the period. */
  collections: bigint;
  /** Open invoice installments at the closing date, and those of them past due. */
  openCount: number;
  overdueCount: number;
}

/** One month of history for the countback DSO: its credit sales and its days. */
export interface SalesMonth {
  creditSales: bigint;
  days: number;
}

/** DSO, standard method: closing AR ÷ credit sales × days. */
export function dsoStandard(closingAr: bigint, creditSales: bigint, periodDays: number): string | null {
  return positiveRatio(closingAr * days(periodDays), creditSales, DAYS_DECIMALS);
}

/** Best-possible DSO: current (not yet due) AR ÷ credit sales × days. */
export function bestPossibleDso(currentAr: bigint, creditSales: bigint, periodDays: number): string | null {
  return positiveRatio(currentAr * days(periodDays), creditSales, DAYS_DECIMALS);
}

/** Average days delinquent: DSO − best-possible DSO = (closing AR − current AR) ÷ credit sales × days, rounded once. */
export function averageDaysDelinquent(closingAr: bigint, currentAr: bigint, creditSales: bigint, periodDays: number): string | null {
  return positiveRatio((closingAr - currentAr) * days(periodDays), creditSales, DAYS_DECIMALS);
}

/**
 * DSO, countback method: walk back from the latest month (months[0]), taking each month's credit
 * sales off the closing AR and counting its days while AR covers them; the month where AR runs out
 * counts the fraction remaining AR ÷ its sales of its days. A month with no (or negative) sales
 * counts in full. When the history runs out first, the days of the whole history are returned (a
 * lower bound). Closing AR ≤ 0 gives "0.0"; no months gives null.
 */
export function dsoCountback(closingAr: bigint, months: readonly SalesMonth[]): string | null {
  if (months.length === 0) return null;
  if (closingAr <= 0n) return ratio(0n, 1n, DAYS_DECIMALS);
  let remaining = closingAr;
  let fullDays = 0n;
  for (const m of months) {
    const d = days(m.days);
    if (m.creditSales <= 0n || remaining >= m.creditSales) {
      fullDays += d;
      if (m.creditSales > 0n) remaining -= m.creditSales;
      if (remaining === 0n) break;
      continue;
    }
    // (fullDays × sales + remaining × days) ÷ sales
    return ratio(fullDays * m.creditSales + remaining * d, m.creditSales, DAYS_DECIMALS);
  }
  return ratio(fullDays, 1n, DAYS_DECIMALS);
}

/** CEI (collection effectiveness index), percent: (opening + sales − closing) ÷ (opening + sales − closing current) × 100. */
export function cei(i: Pick<KpiInputs, 'openingAr' | 'creditSales' | 'closingAr' | 'closingCurrentAr'>): string | null {
  const base = i.openingAr + i.creditSales;
  return ratio((base - i.closingAr) * 100n, base - i.closingCurrentAr, PERCENT_DECIMALS);
}

/** Overdue ratio by amount, percent: (closing AR − current AR) ÷ closing AR × 100. */
export function overdueRatioAmount(closingAr: bigint, currentAr: bigint): string | null {
  return positiveRatio((closingAr - currentAr) * 100n, closingAr, PERCENT_DECIMALS);
}

/** Overdue ratio by count, percent: overdue installments ÷ open installments × 100. */
export function overdueRatioCount(overdueCount: number, openCount: number): string | null {
  return positiveRatio(days(overdueCount) * 100n, days(openCount), PERCENT_DECIMALS);
}

/** AR turnover, annualised: (credit sales × 365 ÷ days) ÷ ((opening + closing) ÷ 2). */
export function arTurnover(creditSales: bigint, openingAr: bigint, closingAr: bigint, periodDays: number): string | null {
  const d = days(periodDays);
  if (d === 0n) return null;
  return positiveRatio(creditSales * DAYS_PER_YEAR * 2n, d * (openingAr + closingAr), TURNOVER_DECIMALS);
}

/** Turnover days: 365 ÷ turnover = days × (opening + closing) ÷ 2 ÷ credit sales. */
export function turnoverDays(creditSales: bigint, openingAr: bigint, closingAr: bigint, periodDays: number): string | null {
  return positiveRatio(days(periodDays) * (openingAr + closingAr), 2n * creditSales, DAYS_DECIMALS);
}

/** Collection rate, percent: collections ÷ (opening AR + credit sales) × 100. */
export function collectionRate(collections: bigint, openingAr: bigint, creditSales: bigint): string | null {
  return positiveRatio(collections * 100n, openingAr + creditSales, PERCENT_DECIMALS);
}

export interface KpiValues {
  dso: string | null;
  dsoCountback: string | null;
  bestPossibleDso: string | null;
  add: string | null;
  cei: string | null;
  overdueRatioAmount: string | null;
  overdueRatioCount: string | null;
  turnover: string | null;
  turnoverDays: string | null;
  collectionRate: string | null;
}

/**
 * Every KPI of a period. `history` is the credit sales per month for the countback, latest first
 * (its first element is normally this period); without it the countback uses this period alone.
 */
export function computeKpis(i: KpiInputs, history: readonly SalesMonth[] = [{ creditSales: i.creditSales, days: i.days }]): KpiValues {
  if (!Number.isInteger(i.days) || i.days <= 0) throw new RangeError(`a period has at least one day, got ${i.days}`);
  return {
    dso: dsoStandard(i.closingAr, i.creditSales, i.days),
    dsoCountback: dsoCountback(i.closingAr, history),
    bestPossibleDso: bestPossibleDso(i.closingCurrentAr, i.creditSales, i.days),
    add: averageDaysDelinquent(i.closingAr, i.closingCurrentAr, i.creditSales, i.days),
    cei: cei(i),
    overdueRatioAmount: overdueRatioAmount(i.closingAr, i.closingCurrentAr),
    overdueRatioCount: overdueRatioCount(i.overdueCount, i.openCount),
    turnover: arTurnover(i.creditSales, i.openingAr, i.closingAr, i.days),
    turnoverDays: turnoverDays(i.creditSales, i.openingAr, i.closingAr, i.days),
    collectionRate: collectionRate(i.collections, i.openingAr, i.creditSales),
  };
}

// ---------------------------------------------------------------------------------------------
// Concentration, credit, cash and payables (docs/analytics.md, "More KPIs").
// ---------------------------------------------------------------------------------------------

/** HHI is quoted in points 0…10000 (shares in percent, squared and summed), 1 decimal. */
export const HHI_DECIMALS = 1;
/** How many of the largest customers the concentration KPI counts. */
export const TOP_N = 10;

/** Customers' positive balances, largest first (ties by nothing: only the amounts matter). */
function positives(amounts: readonly bigint[]): bigint[] {
  return amounts.filter((a) => a > 0n).sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
}

/**
 * Share of the `n` largest balances in the total of all positive balances, percent:
 * Σ top n ÷ Σ all × 100. Null when nothing is owed. Non-positive balances (a customer in credit)
 * count neither in the top nor in the base.
 */
export function topShare(amounts: readonly bigint[], n: number = TOP_N): string | null {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`n must be a whole number ≥ 1, got ${n}`);
  const pos = positives(amounts);
  let total = 0n;
  let top = 0n;
  pos.forEach((a, i) => {
    total += a;
    if (i < n) top += a;
  });
  return positiveRatio(top * 100n, total, PERCENT_DECIMALS);
}

/**
 * Herfindahl–Hirschman index of the positive balances: Σ (share_i × 100)² = 10000 × Σ a_i² ÷ (Σ a_i)²,
 * one fraction of integers rounded once. One customer gives 10000, n equal customers 10000 ÷ n.
 * Null when nothing is owed.
 */
export function hhi(amounts: readonly bigint[]): string | null {
  const pos = positives(amounts);
  let total = 0n;
  let squares = 0n;
  for (const a of pos) {
    total += a;
    squares += a * a;
  }
  return positiveRatio(squares * 10000n, total * total, HHI_DECIMALS);
}

/** A customer's open AR in its credit currency and its credit limit (null: none set). */
export interface CreditLine {
  openMinor: bigint;
  limitMinor: bigint | null;
}

/** Credit-limit utilisation, percent: open AR ÷ credit limit × 100; null without a (positive) limit. */
export function creditUtilisation(openMinor: bigint, limitMinor: bigint | null): string | null {
  return limitMinor === null ? null : positiveRatio(openMinor * 100n, limitMinor, PERCENT_DECIMALS);
}

export interface CreditSummary {
  /** Customers with a limit set (> 0). */
  withLimit: number;
  /** Customers whose open AR exceeds their limit (> 0). */
  overLimit: number;
  /** Σ open AR of customers with a limit ÷ Σ their limits × 100; null when no customer has one. */
  utilisation: string | null;
  openMinor: bigint;
  limitMinor: bigint;
}

/**
 * Overall utilisation over the customers that have a positive limit: Σ their open AR ÷ Σ their
 * limits × 100 (a customer without a limit has none to use up, so it counts in neither sum).
 * A limit of 0 means "no credit": such a customer is over its limit as soon as it owes anything.
 */
export function creditSummary(lines: readonly CreditLine[]): CreditSummary {
  let withLimit = 0;
  let overLimit = 0;
  let open = 0n;
  let limit = 0n;
  for (const l of lines) {
    if (l.limitMinor === null) continue;
    if (l.openMinor > l.limitMinor) overLimit++;
    if (l.limitMinor === 0n) continue;
    withLimit++;
    open += l.openMinor;
    limit += l.limitMinor;
  }
  return { withLimit, overLimit, utilisation: positiveRatio(open * 100n, limit, PERCENT_DECIMALS), openMinor: open, limitMinor: limit };
}

/** DPO (days payable outstanding), standard method: closing AP ÷ purchases × days. */
export function dpo(closingAp: bigint, purchases: bigint, periodDays: number): string | null {
  return positiveRatio(closingAp * days(periodDays), purchases, DAYS_DECIMALS);
}

/** Bad-debt rate, percent: AR written off in the period ÷ credit sales of the period × 100. */
export function badDebtRate(writtenOff: bigint, creditSales: bigint): string | null {
  return positiveRatio(writtenOff * 100n, creditSales, PERCENT_DECIMALS);
}

/** Unapplied cash as a share of closing AR, percent: unapplied receipts ÷ closing AR × 100. */
export function unappliedRatio(unapplied: bigint, closingAr: bigint): string | null {
  return positiveRatio(unapplied * 100n, closingAr, PERCENT_DECIMALS);
}
