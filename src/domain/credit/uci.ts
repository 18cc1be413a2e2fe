/**
 * The public UCI "Default of Credit Card Clients" data (Taiwan, April–September 2005) seen as a
 * receivables ledger: each account is a customer with a credit limit and six monthly statements —
 * the bill, the payment received and the repayment status (−2 no consumption, −1 paid duly,
 * 0 revolving, 1..8 months late). The label is default in the following month.
 *
 * Pure: the caller reads the file and passes its text. Amounts in the file are whole NT dollars;
 * they are features here, not money in the ledger, so they stay numbers.
 */
import type { CreditFacts } from './scorecard';

export interface UciAccount {
  limit: number;
  sex: number;
  education: number;
  marriage: number;
  age: number;
  /** Index 0 = September (latest) … 5 = April, as in the file (PAY_1..PAY_6). */
  status: number[];
  bill: number[];
  paid: number[];
  defaulted: 0 | 1;
}

const COLUMNS = ['LIMIT_BAL', 'SEX', 'EDUCATION', 'MARRIAGE', 'AGE'] as const;

/** Parses the PyCaret CSV (header LIMIT_BAL,…,default). Throws on a malformed header or row. */
export function parseUciCsv(text: string): UciAccount[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = lines[0]?.split(',') ?? [];
  const col = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`UCI file: column ${name} missing`);
    return i;
  };
  const base = COLUMNS.map(col);
  const status = [1, 2, 3, 4, 5, 6].map((k) => col(`PAY_${k}`));
  const bill = [1, 2, 3, 4, 5, 6].map((k) => col(`BILL_AMT${k}`));
  const paid = [1, 2, 3, 4, 5, 6].map((k) => col(`PAY_AMT${k}`));
  const label = col('default');
  return lines.slice(1).map((line, n) => {
    const cells = line.split(',').map(Number);
    if (cells.length !== header.length || cells.some((c) => !Number.isFinite(c))) throw new Error(`UCI file: row ${n + 2} is malformed`);
    const at = (i: number): number => cells[i]!;
    return {
      limit: at(base[0]!),
      sex: at(base[1]!),
      education: at(base[2]!),
      marriage: at(base[3]!),
      age: at(base[4]!),
      status: status.map(at),
      bill: bill.map(at),
      paid: paid.map(at),
      defaulted: at(label) === 1 ? 1 : 0,
    };
  });
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const ratio = (a: number, b: number): number => (b > 0 ? a / b : Number.NaN);
const log1pSigned = (x: number): number => Math.sign(x) * Math.log1p(Math.abs(x));

/** Months late → days late (the status counts whole months of delay). */
const daysLate = (status: number): number => Math.max(0, status) * 30;

/** Bill-weighted days late over the latest `months` statements; null when nothing was billed. */
function weightedDaysLate(a: UciAccount, months: number): number | null {
  let w = 0;
  let s = 0;
  for (let k = 0; k < months; k++) {
    const b = Math.max(0, a.bill[k]!);
    w += b;
    s += b * daysLate(a.status[k]!);
  }
  if (w === 0) {
    const st = a.status.slice(0, months);
    return st.some((x) => x > 0) ? mean(st.map(daysLate)) : null;
  }
  return s / w;
}

/**
 * Ledger-like features of an account. Demographics (sex, education, marriage, age) are left out
 * by default: a receivables ledger has none of them, and the benchmark should measure what the
 * ledger alone can tell.
 */
export function uciFeatures(a: UciAccount, options: { demographics?: boolean } = {}): { names: string[]; values: number[] } {
  const f: Array<[string, number]> = [];
  const st = a.status;
  f.push(['limit_log', Math.log1p(a.limit)]);
  for (let k = 0; k < 6; k++) f.push([`status_${k + 1}`, st[k]!]);
  f.push(['status_max_3m', Math.max(...st.slice(0, 3))]);
  f.push(['status_max_6m', Math.max(...st)]);
  f.push(['status_mean_6m', mean(st)]);
  f.push(['months_late_3m', st.slice(0, 3).filter((s) => s > 0).length]);
  f.push(['months_late_6m', st.filter((s) => s > 0).length]);
  f.push(['months_paid_duly_6m', st.filter((s) => s === -1).length]);
  f.push(['months_no_use_6m', st.filter((s) => s === -2).length]);
  f.push(['status_trend', st[0]! - mean(st.slice(3))]);
  f.push(['status_change_1m', st[0]! - st[1]!]);
  f.push(['wdays_late_3m', weightedDaysLate(a, 3) ?? Number.NaN]);
  f.push(['wdays_late_6m', weightedDaysLate(a, 6) ?? Number.NaN]);
  for (let k = 0; k < 6; k++) f.push([`util_${k + 1}`, ratio(a.bill[k]!, a.limit)]);
  f.push(['util_mean_6m', ratio(mean(a.bill), a.limit)]);
  f.push(['util_max_6m', ratio(Math.max(...a.bill), a.limit)]);
  f.push(['headroom_log', log1pSigned(a.limit - a.bill[0]!)]);
  for (let k = 0; k < 6; k++) f.push([`paid_log_${k + 1}`, Math.log1p(Math.max(0, a.paid[k]!))]);
  // Payment k settles (part of) statement k+1: the share of the previous bill that was paid.
  const payRatios: number[] = [];
  for (let k = 0; k < 5; k++) {
    const r = ratio(a.paid[k]!, a.bill[k + 1]!);
    payRatios.push(Number.isNaN(r) ? Number.NaN : Math.min(r, 5));
    f.push([`pay_ratio_${k + 1}`, payRatios[k]!]);
  }
  const finite = payRatios.filter((r) => !Number.isNaN(r));
  f.push(['pay_ratio_mean', finite.length ? mean(finite) : Number.NaN]);
  f.push(['paid_to_billed_6m', ratio(a.paid.reduce((x, y) => x + y, 0), a.bill.slice(1).reduce((x, y) => x + Math.max(0, y), 0))]);
  f.push(['months_no_payment_6m', a.paid.filter((p) => p === 0).length]);
  f.push(['bill_log_1', log1pSigned(a.bill[0]!)]);
  f.push(['bill_trend', ratio(a.bill[0]! - a.bill[5]!, a.limit)]);
  f.push(['unpaid_log_1', log1pSigned(a.bill[1]! - a.paid[0]!)]);
  if (options.demographics) {
    f.push(['sex', a.sex], ['education', a.education], ['marriage', a.marriage], ['age', a.age]);
  }
  return { names: f.map(([n]) => n), values: f.map(([, v]) => v) };
}

/**
 * The account's facts for the points scorecard, as of the end of September 2005. Amounts become
 * minor units (NT$ has 2 decimals in ISO 4217); the overdue amount is the part of the latest bill
 * that sits in a late status.
 */
export function uciCreditFacts(a: UciAccount): CreditFacts {
  const months = (from: number, to: number): { late: number; total: number } => {
    let late = 0;
    let total = 0;
    for (let k = from; k < to; k++) {
      if (a.status[k] === -2) continue;
      total++;
      if (a.status[k]! > 0) late++;
    }
    return { late, total };
  };
  const share = months(0, 6);
  const minor = (x: number): bigint => BigInt(Math.round(Math.max(0, x))) * 100n;
  const latestLate = a.status[0]! > 0;
  return {
    avgDaysLate3m: weightedDaysLate(a, 3),
    avgDaysLate6m: weightedDaysLate(a, 6),
    avgDaysLate12m: null,
    paidCount12m: share.total,
    paidLateCount12m: share.late,
    overdueMinor: latestLate ? minor(a.bill[0]!) : 0n,
    oldestDaysOverdue: daysLate(a.status[0]!),
    creditLimitMinor: minor(a.limit),
    openMinor: minor(a.bill[0]!),
    tenureMonths: 6,
    volume12mMinor: minor(a.bill.reduce((x, y) => x + Math.max(0, y), 0)),
    volumePrior12mMinor: null,
    disputes12m: 0,
    brokenPromises12m: 0,
  };
}
