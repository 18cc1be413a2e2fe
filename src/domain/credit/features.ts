/**
 * Point-in-time features (时点特征) for the payment predictions, from a plain in-memory history
 * of installments and the payments received on them.
 *
 * The rule: a feature as of date T uses only events dated ≤ T. It is kept by construction —
 * `historyAsOf(history, T)` first cuts the history at T (installments issued later disappear,
 * later payments, write-offs, disputes and broken promises are dropped) and every feature is then
 * computed from that cut alone. Labels (was it paid late? when?) are computed separately from the
 * events after T, up to a "known at" date, so a model trained at date S never sees an outcome
 * that happened after S.
 *
 * Probabilities and features are floats (they are not money); amounts enter them only as ratios
 * and logarithms. The money itself stays bigint.
 */
import { addDays, addMonths, daysBetween } from '../dates';
import type { CreditFacts } from './scorecard';

// ---------------------------------------------------------------------------------------------
// History
// ---------------------------------------------------------------------------------------------

export interface PaymentEvent {
  date: string;
  amountMinor: bigint;
}

export interface InstallmentRecord {
  id: string;
  customerId: string;
  issueDate: string;
  dueDate: string;
  amountMinor: bigint;
  /** Receipts allocated (核销) to this installment, any order. */
  payments: readonly PaymentEvent[];
  /** Written off as bad debt on this date (the unpaid rest will never be paid). */
  writtenOffOn?: string | null;
}

export interface CustomerEvent {
  customerId: string;
  date: string;
}

export interface CustomerRecord {
  id: string;
  creditLimitMinor?: bigint | null;
}

export interface LedgerHistory {
  installments: readonly InstallmentRecord[];
  customers?: readonly CustomerRecord[];
  disputes?: readonly CustomerEvent[];
  brokenPromises?: readonly CustomerEvent[];
}

/** The history as it was known at the end of day `asOf`: nothing dated later survives. */
export function historyAsOf(history: LedgerHistory, asOf: string): LedgerHistory {
  return {
    installments: history.installments
      .filter((i) => i.issueDate <= asOf)
      .map((i) => ({
        ...i,
        payments: i.payments.filter((p) => p.date <= asOf),
        writtenOffOn: i.writtenOffOn && i.writtenOffOn <= asOf ? i.writtenOffOn : null,
      })),
    customers: history.customers,
    disputes: history.disputes?.filter((e) => e.date <= asOf),
    brokenPromises: history.brokenPromises?.filter((e) => e.date <= asOf),
  };
}

/** The date on which the payments reached the amount, or null while anything is unpaid. */
export function settledOn(inst: InstallmentRecord): string | null {
  const sorted = [...inst.payments].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  let paid = 0n;
  for (const p of sorted) {
    paid += p.amountMinor;
    if (paid >= inst.amountMinor) return p.date;
  }
  return inst.amountMinor <= 0n ? inst.issueDate : null;
}

export function paidMinor(inst: InstallmentRecord): bigint {
  let s = 0n;
  for (const p of inst.payments) s += p.amountMinor;
  return s;
}

// ---------------------------------------------------------------------------------------------
// Customer behaviour as of a date
// ---------------------------------------------------------------------------------------------

interface Settled {
  settledOn: string;
  dueDate: string;
  daysLate: number;
  amount: number;
}

/** What the ledger says about one customer's payments, computed from a history already cut at asOf. */
export interface CustomerBehaviour {
  customerId: string;
  asOf: string;
  settled: Settled[];
  open: Array<{ inst: InstallmentRecord; openMinor: bigint; daysOverdue: number }>;
  firstIssue: string | null;
  amounts: number[];
  invoiced12mMinor: bigint;
  invoicedPrior12mMinor: bigint;
  invoiced3mMinor: bigint;
  invoices12m: number;
  lastPaymentDate: string | null;
  disputes12m: number;
  brokenPromises12m: number;
  creditLimitMinor: bigint | null;
}

function behaviourFromCut(customerId: string, installments: readonly InstallmentRecord[], cut: LedgerHistory, asOf: string): CustomerBehaviour {
  const settled: Settled[] = [];
  const open: CustomerBehaviour['open'] = [];
  let firstIssue: string | null = null;
  let lastPaymentDate: string | null = null;
  const amounts: number[] = [];
  let invoiced12mMinor = 0n;
  let invoicedPrior12mMinor = 0n;
  let invoiced3mMinor = 0n;
  let invoices12m = 0;
  const d12 = addMonths(asOf, -12);
  const d24 = addMonths(asOf, -24);
  const d3 = addMonths(asOf, -3);
  for (const inst of installments) {
    if (firstIssue === null || inst.issueDate < firstIssue) firstIssue = inst.issueDate;
    amounts.push(Number(inst.amountMinor));
    if (inst.issueDate > d12) {
      invoiced12mMinor += inst.amountMinor;
      invoices12m++;
      if (inst.issueDate > d3) invoiced3mMinor += inst.amountMinor;
    } else if (inst.issueDate > d24) invoicedPrior12mMinor += inst.amountMinor;
    for (const p of inst.payments) if (lastPaymentDate === null || p.date > lastPaymentDate) lastPaymentDate = p.date;
    const s = settledOn(inst);
    if (s !== null) settled.push({ settledOn: s, dueDate: inst.dueDate, daysLate: daysBetween(inst.dueDate, s), amount: Number(inst.amountMinor) });
    else if (!inst.writtenOffOn) {
      open.push({ inst, openMinor: inst.amountMinor - paidMinor(inst), daysOverdue: Math.max(0, daysBetween(inst.dueDate, asOf)) });
    }
  }
  settled.sort((a, b) => (a.settledOn < b.settledOn ? -1 : a.settledOn > b.settledOn ? 1 : a.dueDate < b.dueDate ? -1 : 1));
  const count12m = (events: readonly CustomerEvent[] | undefined): number =>
    events?.filter((e) => e.customerId === customerId && e.date > d12).length ?? 0;
  return {
    customerId,
    asOf,
    settled,
    open,
    firstIssue,
    amounts,
    invoiced12mMinor,
    invoicedPrior12mMinor,
    invoiced3mMinor,
    invoices12m,
    lastPaymentDate,
    disputes12m: count12m(cut.disputes),
    brokenPromises12m: count12m(cut.brokenPromises),
    creditLimitMinor: cut.customers?.find((c) => c.id === customerId)?.creditLimitMinor ?? null,
  };
}

function groupByCustomer(installments: readonly InstallmentRecord[]): Map<string, InstallmentRecord[]> {
  const m = new Map<string, InstallmentRecord[]>();
  for (const i of installments) {
    const list = m.get(i.customerId);
    if (list) list.push(i);
    else m.set(i.customerId, [i]);
  }
  return m;
}

/** Every customer's behaviour as of `asOf`, from events dated ≤ asOf only. */
export function behavioursAsOf(history: LedgerHistory, asOf: string): Map<string, CustomerBehaviour> {
  const cut = historyAsOf(history, asOf);
  const out = new Map<string, CustomerBehaviour>();
  for (const [cid, list] of groupByCustomer(cut.installments)) out.set(cid, behaviourFromCut(cid, list, cut, asOf));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Statistics
// ---------------------------------------------------------------------------------------------

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Amount-weighted mean of max(0, days late) over installments settled after `from`; NaN when none. */
function weightedLateSince(settled: readonly Settled[], from: string | null): number {
  let w = 0;
  let s = 0;
  for (const x of settled) {
    if (from !== null && x.settledOn <= from) continue;
    w += x.amount;
    s += x.amount * Math.max(0, x.daysLate);
  }
  return w > 0 ? s / w : Number.NaN;
}

function isMonthEnd(date: string, withinDays: number): boolean {
  return daysBetween(date, addMonths(`${date.slice(0, 7)}-01`, 1)) <= withinDays;
}

// ---------------------------------------------------------------------------------------------
// Feature vectors
// ---------------------------------------------------------------------------------------------

export const FEATURE_NAMES = [
  'hist_count',
  'hist_mean_days_late',
  'hist_wmean_days_late',
  'hist_share_late',
  'hist_share_late30',
  'hist_median_days_late',
  'hist_p25_days_late',
  'hist_p75_days_late',
  'hist_std_days_late',
  'last_days_late',
  'last3_mean_days_late',
  'wdl_3m',
  'wdl_6m',
  'wdl_12m',
  'trend_3m_vs_12m',
  'cust_open_count',
  'cust_overdue_count',
  'cust_overdue_rel',
  'cust_oldest_days_overdue',
  'cust_tenure_days',
  'cust_invoices_12m',
  'cust_volume_trend',
  'cust_days_since_payment',
  'cust_utilisation',
  'cust_disputes_12m',
  'cust_broken_promises_12m',
  'amount_log',
  'amount_rel',
  'terms_days',
  'days_until_due',
  'days_overdue_now',
  'days_since_issue',
  'paid_share_now',
  'due_month',
  'due_day',
  'due_month_end',
  'due_quarter_end',
] as const;

export type FeatureName = (typeof FEATURE_NAMES)[number];
const INDEX = new Map<string, number>(FEATURE_NAMES.map((n, i) => [n, i]));

export interface FeatureRow {
  installmentId: string;
  customerId: string;
  asOf: string;
  dueDate: string;
  values: number[];
}

export function featureValue(row: FeatureRow, name: FeatureName): number {
  return row.values[INDEX.get(name)!]!;
}

function installmentFeatures(b: CustomerBehaviour, o: CustomerBehaviour['open'][number]): number[] {
  const asOf = b.asOf;
  const inst = o.inst;
  const lates = b.settled.map((s) => s.daysLate);
  const sortedLates = [...lates].sort((x, y) => x - y);
  const n = lates.length;
  const mean = n ? lates.reduce((x, y) => x + y, 0) / n : Number.NaN;
  const std = n > 1 ? Math.sqrt(lates.reduce((x, y) => x + (y - mean) ** 2, 0) / (n - 1)) : Number.NaN;
  const last3 = lates.slice(-3);
  const wdl3 = weightedLateSince(b.settled, addMonths(asOf, -3));
  const wdl12 = weightedLateSince(b.settled, addMonths(asOf, -12));
  const sortedAmounts = [...b.amounts].sort((x, y) => x - y);
  const typical = quantile(sortedAmounts, 0.5);
  const amount = Number(inst.amountMinor);
  let overdueCount = 0;
  let overdueMinor = 0n;
  let oldest = 0;
  let openMinor = 0n;
  for (const x of b.open) {
    openMinor += x.openMinor;
    if (x.daysOverdue > 0 && x.inst.id !== inst.id) {
      overdueCount++;
      overdueMinor += x.openMinor;
      oldest = Math.max(oldest, x.daysOverdue);
    }
  }
  const avg3mOf12m = Number(b.invoiced12mMinor) / 4;
  const v: Record<FeatureName, number> = {
    hist_count: n,
    hist_mean_days_late: mean,
    hist_wmean_days_late: weightedLateSince(b.settled, null),
    hist_share_late: n ? lates.filter((d) => d > 0).length / n : Number.NaN,
    hist_share_late30: n ? lates.filter((d) => d > 30).length / n : Number.NaN,
    hist_median_days_late: quantile(sortedLates, 0.5),
    hist_p25_days_late: quantile(sortedLates, 0.25),
    hist_p75_days_late: quantile(sortedLates, 0.75),
    hist_std_days_late: std,
    last_days_late: n ? lates[n - 1]! : Number.NaN,
    last3_mean_days_late: last3.length ? last3.reduce((x, y) => x + y, 0) / last3.length : Number.NaN,
    wdl_3m: wdl3,
    wdl_6m: weightedLateSince(b.settled, addMonths(asOf, -6)),
    wdl_12m: wdl12,
    trend_3m_vs_12m: wdl3 - wdl12,
    cust_open_count: b.open.length,
    cust_overdue_count: overdueCount,
    cust_overdue_rel: typical > 0 ? Number(overdueMinor) / typical : Number.NaN,
    cust_oldest_days_overdue: oldest,
    cust_tenure_days: b.firstIssue ? daysBetween(b.firstIssue, asOf) : 0,
    cust_invoices_12m: b.invoices12m,
    cust_volume_trend: avg3mOf12m > 0 ? Number(b.invoiced3mMinor) / avg3mOf12m : Number.NaN,
    cust_days_since_payment: b.lastPaymentDate ? daysBetween(b.lastPaymentDate, asOf) : Number.NaN,
    cust_utilisation: b.creditLimitMinor && b.creditLimitMinor > 0n ? Number(openMinor) / Number(b.creditLimitMinor) : Number.NaN,
    cust_disputes_12m: b.disputes12m,
    cust_broken_promises_12m: b.brokenPromises12m,
    amount_log: Math.log1p(Math.max(0, amount)),
    amount_rel: typical > 0 ? amount / typical : Number.NaN,
    terms_days: daysBetween(inst.issueDate, inst.dueDate),
    days_until_due: daysBetween(asOf, inst.dueDate),
    days_overdue_now: o.daysOverdue,
    days_since_issue: daysBetween(inst.issueDate, asOf),
    paid_share_now: inst.amountMinor > 0n ? Number(inst.amountMinor - o.openMinor) / Number(inst.amountMinor) : 0,
    due_month: Number(inst.dueDate.slice(5, 7)),
    due_day: Number(inst.dueDate.slice(8, 10)),
    due_month_end: isMonthEnd(inst.dueDate, 3) ? 1 : 0,
    due_quarter_end: isMonthEnd(inst.dueDate, 3) && Number(inst.dueDate.slice(5, 7)) % 3 === 0 ? 1 : 0,
  };
  return FEATURE_NAMES.map((k) => v[k]);
}

/**
 * Feature vectors of every installment open at the end of day `asOf` (issued, not fully paid, not
 * written off), computed from events dated ≤ asOf only. Ordered by customer then installment id.
 */
export function extractFeatures(history: LedgerHistory, asOf: string): FeatureRow[] {
  const rows: FeatureRow[] = [];
  const behaviours = behavioursAsOf(history, asOf);
  for (const cid of [...behaviours.keys()].sort()) {
    const b = behaviours.get(cid)!;
    const open = [...b.open].sort((x, y) => (x.inst.id < y.inst.id ? -1 : x.inst.id > y.inst.id ? 1 : 0));
    for (const o of open) rows.push({ installmentId: o.inst.id, customerId: cid, asOf, dueDate: o.inst.dueDate, values: installmentFeatures(b, o) });
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Labels (from events after asOf, as known at a later date)
// ---------------------------------------------------------------------------------------------

export interface PaymentLabel {
  /** Paid after the due date (or never); null while still unknown at `knownAt`. */
  late: boolean | null;
  /** Paid more than 30 days after the due date, or never; null while unknown. */
  late30: boolean | null;
  /** Settlement date and days late, null unless settled by knownAt. */
  settledOn: string | null;
  daysLate: number | null;
}

/** The outcome of an installment as it can be known at `knownAt` (events dated ≤ knownAt). */
export function labelAsKnownAt(inst: InstallmentRecord, knownAt: string): PaymentLabel {
  const seen: InstallmentRecord = { ...inst, payments: inst.payments.filter((p) => p.date <= knownAt) };
  const s = settledOn(seen);
  if (s !== null) {
    const d = daysBetween(inst.dueDate, s);
    return { late: d > 0, late30: d > 30, settledOn: s, daysLate: d };
  }
  if (inst.writtenOffOn && inst.writtenOffOn <= knownAt) return { late: true, late30: true, settledOn: null, daysLate: null };
  const overdue = daysBetween(inst.dueDate, knownAt);
  return { late: overdue > 0 ? true : null, late30: overdue > 30 ? true : null, settledOn: null, daysLate: null };
}

export interface DatasetRow extends FeatureRow {
  label: PaymentLabel;
}

/**
 * Feature rows at each snapshot date with their labels as known at `knownAt`. A model trained at
 * date S uses snapshots ≤ S with knownAt = S: nothing after S leaks in. `notYetDueOnly` keeps the
 * installments whose due date is still ahead (≥ the snapshot), the ones a p_late is a forecast for.
 */
export function buildDataset(
  history: LedgerHistory,
  snapshots: readonly string[],
  options: { knownAt: string; notYetDueOnly?: boolean },
): DatasetRow[] {
  const byId = new Map(history.installments.map((i) => [i.id, i]));
  const out: DatasetRow[] = [];
  for (const t of snapshots) {
    if (t > options.knownAt) throw new RangeError(`snapshot ${t} is after knownAt ${options.knownAt}`);
    for (const row of extractFeatures(history, t)) {
      if (options.notYetDueOnly && row.dueDate < t) continue;
      out.push({ ...row, label: labelAsKnownAt(byId.get(row.installmentId)!, options.knownAt) });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Scorecard facts
// ---------------------------------------------------------------------------------------------

/** The scorecard's facts for one customer, from events dated ≤ asOf. */
export function creditFactsFromBehaviour(b: CustomerBehaviour): CreditFacts {
  const asOf = b.asOf;
  const window = (months: number): number | null => {
    const v = weightedLateSince(b.settled, addMonths(asOf, -months));
    return Number.isNaN(v) ? null : v;
  };
  const d12 = addMonths(asOf, -12);
  const recent = b.settled.filter((s) => s.settledOn > d12);
  let overdueMinor = 0n;
  let oldest = 0;
  let openMinor = 0n;
  for (const o of b.open) {
    openMinor += o.openMinor;
    if (o.daysOverdue > 0) {
      overdueMinor += o.openMinor;
      oldest = Math.max(oldest, o.daysOverdue);
    }
  }
  const tenureMonths = b.firstIssue ? Math.max(0, Math.floor(daysBetween(b.firstIssue, asOf) / 30.4375)) : 0;
  return {
    avgDaysLate3m: window(3),
    avgDaysLate6m: window(6),
    avgDaysLate12m: window(12),
    paidCount12m: recent.length,
    paidLateCount12m: recent.filter((s) => s.daysLate > 0).length,
    overdueMinor,
    oldestDaysOverdue: oldest,
    creditLimitMinor: b.creditLimitMinor,
    openMinor,
    tenureMonths,
    volume12mMinor: b.invoiced12mMinor,
    volumePrior12mMinor: tenureMonths >= 24 ? b.invoicedPrior12mMinor : null,
    disputes12m: b.disputes12m,
    brokenPromises12m: b.brokenPromises12m,
  };
}

/** Scorecard facts of every customer as of `asOf`, with each one's share of all open receivables. */
export function creditFactsAsOf(history: LedgerHistory, asOf: string): Map<string, CreditFacts> {
  const out = new Map<string, CreditFacts>();
  const behaviours = behavioursAsOf(history, asOf);
  let total = 0n;
  for (const b of behaviours.values()) for (const o of b.open) total += o.openMinor;
  for (const [cid, b] of behaviours) {
    const facts = creditFactsFromBehaviour(b);
    out.set(cid, { ...facts, receivablesShare: total > 0n ? { customerMinor: facts.openMinor, totalMinor: total } : null });
  }
  return out;
}

/**
 * Whether a customer defaults within `months` after asOf: an installment reaches 90+ days past
 * due unpaid, or is written off, in (asOf, asOf + months], as known at `knownAt`. Null when the
 * window is not over by knownAt and no default was seen yet.
 */
export function defaultWithin(history: LedgerHistory, customerId: string, asOf: string, months: number, knownAt: string): boolean | null {
  const end = addMonths(asOf, months);
  const horizon = end < knownAt ? end : knownAt;
  for (const inst of history.installments) {
    if (inst.customerId !== customerId || inst.issueDate > horizon) continue;
    const seen: InstallmentRecord = { ...inst, payments: inst.payments.filter((p) => p.date <= knownAt) };
    const s = settledOn(seen);
    const ninetyOn = addDays(inst.dueDate, 91);
    const written = inst.writtenOffOn && inst.writtenOffOn <= knownAt ? inst.writtenOffOn : null;
    const eventOn = written !== null && written < ninetyOn ? written : ninetyOn;
    const stillUnpaidAtEvent = s === null || s > eventOn;
    if (stillUnpaidAtEvent && eventOn > asOf && eventOn <= horizon) return true;
  }
  return end <= knownAt ? false : null;
}
