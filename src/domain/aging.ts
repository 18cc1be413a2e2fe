/**
 * Aging (账龄). A bucket holds open amounts whose age in days falls in [fromDays, toDays]. The age
 * is measured from the due date (basis 'due', 逾期账龄: days past due) or from the issue date
 * (basis 'invoice', 开票账龄: days since the invoice was issued). On the due basis "not yet due"
 * (未到期) is an explicit first bucket so that the buckets always sum to the open total.
 *
 * Pure: no database, no clock. The as-of date is a parameter; every amount is bigint minor units.
 */
import { daysBetween } from './dates';

export interface AgingBucket {
  key: string;
  labelZh: string;
  labelEn: string;
  /** Inclusive lower bound in days; null for the first bucket (it also holds every smaller age). */
  fromDays: number | null;
  /** Inclusive upper bound; null for open-ended. */
  toDays: number | null;
}

export const CHINESE_BUCKETS: readonly AgingBucket[] = [
  { key: 'current', labelZh: '未到期', labelEn: 'Not due', fromDays: null, toDays: 0 },
  { key: 'd1_30', labelZh: '1–30天', labelEn: '1–30 days', fromDays: 1, toDays: 30 },
  { key: 'd31_60', labelZh: '31–60天', labelEn: '31–60 days', fromDays: 31, toDays: 60 },
  { key: 'd61_90', labelZh: '61–90天', labelEn: '61–90 days', fromDays: 61, toDays: 90 },
  { key: 'd91_180', labelZh: '91–180天', labelEn: '91–180 days', fromDays: 91, toDays: 180 },
  { key: 'd181_365', labelZh: '181–365天', labelEn: '181–365 days', fromDays: 181, toDays: 365 },
  { key: 'y1_2', labelZh: '1–2年', labelEn: '1–2 years', fromDays: 366, toDays: 730 },
  { key: 'y2_3', labelZh: '2–3年', labelEn: '2–3 years', fromDays: 731, toDays: 1095 },
  { key: 'y3_plus', labelZh: '3年以上', labelEn: 'Over 3 years', fromDays: 1096, toDays: null },
];

export function bucketFor(daysOverdue: number, buckets: readonly AgingBucket[] = CHINESE_BUCKETS): AgingBucket {
  for (const b of buckets) {
    if (b.fromDays === null) {
      if (daysOverdue <= (b.toDays ?? 0)) return b;
      continue;
    }
    if (daysOverdue >= b.fromDays && (b.toDays === null || daysOverdue <= b.toDays)) return b;
  }
  throw new Error(`no aging bucket holds ${daysOverdue} days`);
}

/** Sums open amounts into buckets; the bucket totals add up to the sum of the inputs exactly. */
export function ageAmounts(
  items: Iterable<{ daysOverdue: number; openMinor: bigint }>,
  buckets: readonly AgingBucket[] = CHINESE_BUCKETS,
): Map<string, bigint> {
  const totals = new Map<string, bigint>(buckets.map((b) => [b.key, 0n]));
  for (const it of items) {
    const b = bucketFor(it.daysOverdue, buckets);
    totals.set(b.key, (totals.get(b.key) ?? 0n) + it.openMinor);
  }
  return totals;
}

// ---------------------------------------------------------------------------------------------
// Bucket sets: the Chinese set, the short set and custom sets written as upper bounds in days.
// ---------------------------------------------------------------------------------------------

/** 'due' = 逾期账龄 (days past the installment's due date); 'invoice' = 开票账龄 (days since issue). */
export type AgingBasis = 'due' | 'invoice';
export const AGING_BASES: readonly AgingBasis[] = ['due', 'invoice'];

/** Upper bounds (in days) of the Chinese convention: 30/60/90/180 days, 1, 2 and 3 years. */
export const CHINESE_BOUNDS: readonly number[] = [30, 60, 90, 180, 365, 730, 1095];
/** The short set 0–30 / 31–60 / 61–90 / 90+. */
export const SHORT_BOUNDS: readonly number[] = [30, 60, 90];
export const NAMED_BUCKET_SETS = { chinese: CHINESE_BOUNDS, short: SHORT_BOUNDS } as const;
export type BucketSetName = keyof typeof NAMED_BUCKET_SETS;

/** The longest custom set and the largest bound a SPEC may use (100 years). */
export const MAX_BOUNDS = 20;
export const MAX_BOUND_DAYS = 36_500;

export type BucketSpecError =
  | { code: 'empty'; message: string }
  | { code: 'not_a_whole_number'; message: string; position: number }
  | { code: 'not_positive'; message: string; position: number }
  | { code: 'too_large'; message: string; position: number }
  | { code: 'not_increasing'; message: string; position: number }
  | { code: 'too_many'; message: string };

export type BucketSpecResult = { ok: true; bounds: number[] } | { ok: false; error: BucketSpecError };

/**
 * Parses a custom bucket SPEC such as "30,60,90,180,365": strictly increasing whole numbers of
 * days, each the inclusive upper bound of a bucket; a last, open-ended bucket is added after the
 * final bound. Expected mistakes come back as values whose message names the problem.
 */
export function parseBucketSpec(spec: string): BucketSpecResult {
  const text = spec.trim();
  if (text === '') return { ok: false, error: { code: 'empty', message: 'the bucket list is empty; write upper bounds in days such as "30,60,90"' } };
  const parts = text.split(/\s*[,，]\s*/);
  if (parts.length > MAX_BOUNDS) {
    return { ok: false, error: { code: 'too_many', message: `at most ${MAX_BOUNDS} bounds, got ${parts.length}` } };
  }
  const bounds: number[] = [];
  for (const [i, part] of parts.entries()) {
    const position = i + 1;
    if (!/^\d+$/.test(part)) {
      const what = part === '' ? 'an empty entry' : `"${part}"`;
      return { ok: false, error: { code: 'not_a_whole_number', position, message: `bound ${position} is ${what}, not a whole number of days` } };
    }
    const n = Number(part);
    if (n < 1) return { ok: false, error: { code: 'not_positive', position, message: `bound ${position} is ${n}; bounds start at 1 day` } };
    if (n > MAX_BOUND_DAYS) {
      return { ok: false, error: { code: 'too_large', position, message: `bound ${position} is ${n} days; the largest allowed is ${MAX_BOUND_DAYS}` } };
    }
    const prev = bounds.at(-1);
    if (prev !== undefined && n <= prev) {
      return { ok: false, error: { code: 'not_increasing', position, message: `bound ${position} (${n}) is not greater than the bound before it (${prev}); bounds must increase` } };
    }
    bounds.push(n);
  }
  return { ok: true, bounds };
}

/**
 * Resolves a bucket-set argument: "chinese", "short" or a custom SPEC. The same text always gives
 * the same buckets for a basis, so a cell of a report can be named by (text, basis, bucket key).
 */
export function resolveBucketSet(text: string, basis: AgingBasis): { ok: true; buckets: AgingBucket[] } | { ok: false; error: BucketSpecError } {
  const named = (NAMED_BUCKET_SETS as Record<string, readonly number[]>)[text.trim().toLowerCase()];
  if (named) return { ok: true, buckets: bucketsFromBounds(named, basis) };
  const parsed = parseBucketSpec(text);
  if (!parsed.ok) return parsed;
  return { ok: true, buckets: bucketsFromBounds(parsed.bounds, basis) };
}

const YEAR = 365;

function span(from: number, to: number): { key: string; zh: string; en: string } {
  // Whole years read better ("1–2年") when both ends fall on a year boundary.
  if ((from - 1) % YEAR === 0 && to % YEAR === 0 && from > 1) {
    const a = (from - 1) / YEAR;
    const b = to / YEAR;
    return { key: `y${a}_${b}`, zh: `${a}–${b}年`, en: `${a}–${b} years` };
  }
  return { key: `d${from}_${to}`, zh: `${from}–${to}天`, en: `${from}–${to} days` };
}

function openEnded(after: number): { key: string; zh: string; en: string } {
  if (after % YEAR === 0) {
    const y = after / YEAR;
    return { key: `y${y}_plus`, zh: `${y}年以上`, en: `Over ${y} year${y === 1 ? '' : 's'}` };
  }
  return { key: `d${after + 1}_plus`, zh: `${after}天以上`, en: `Over ${after} days` };
}

function firstOnInvoiceBasis(to: number): { key: string; zh: string; en: string } {
  if (to % YEAR === 0) {
    const y = to / YEAR;
    return { key: `y0_${y}`, zh: `${y}年以内`, en: `Within ${y} year${y === 1 ? '' : 's'}` };
  }
  return { key: `d0_${to}`, zh: `0–${to}天`, en: `0–${to} days` };
}

/**
 * Buckets from increasing upper bounds. On the due basis the set starts with 未到期 (age ≤ 0) and
 * the first bound closes "1–b₁ days"; on the invoice basis the first bucket is "0–b₁ days" (an
 * invoice cannot be younger than the day it was issued). Either way a last bucket is open-ended, so
 * every whole number of days falls in exactly one bucket.
 */
export function bucketsFromBounds(bounds: readonly number[], basis: AgingBasis): AgingBucket[] {
  const out: AgingBucket[] = [];
  let prev: number;
  if (basis === 'due') {
    out.push({ key: 'current', labelZh: '未到期', labelEn: 'Not due', fromDays: null, toDays: 0 });
    prev = 0;
  } else {
    const first = bounds[0];
    if (first === undefined) throw new Error('an invoice-basis bucket set needs at least one bound');
    const l = firstOnInvoiceBasis(first);
    out.push({ key: l.key, labelZh: l.zh, labelEn: l.en, fromDays: null, toDays: first });
    prev = first;
  }
  for (const b of basis === 'due' ? bounds : bounds.slice(1)) {
    if (!Number.isInteger(b) || b <= prev) throw new Error(`bucket bounds must be increasing whole numbers above ${prev}, got ${b}`);
    const l = span(prev + 1, b);
    out.push({ key: l.key, labelZh: l.zh, labelEn: l.en, fromDays: prev + 1, toDays: b });
    prev = b;
  }
  const l = openEnded(prev);
  out.push({ key: l.key, labelZh: l.zh, labelEn: l.en, fromDays: prev + 1, toDays: null });
  return out;
}

// ---------------------------------------------------------------------------------------------
// The aging report: open installments grouped by up to two dimensions, per currency.
// ---------------------------------------------------------------------------------------------

/** One value of a dimension: a stable key (a code) and what to show (a name); null = not set. */
export interface GroupValue {
  key: string;
  label: string | null;
}

/**
 * One open installment as of the report date. openMinor is the installment's open amount
 * (amount − allocations effective on or before asOf) as the invoice export computes it: positive
 * for an unpaid invoice installment, positive for the unapplied rest of a credit note too; the
 * report gives credit notes their sign (see signedOpenMinor).
 */
export interface AgingItem {
  kind: 'invoice' | 'credit_note';
  issueDate: string;
  dueDate: string;
  /** The currency the report counts this item in (the document's, or the converted-to one). */
  currency: string;
  openMinor: bigint;
  /** Dimension values, by dimension name; every dimension of the report must be present. */
  groups: Readonly<Record<string, GroupValue>>;
}

/** The amount an item adds to the customer's (or supplier's) balance: credit notes reduce it. */
export function signedOpenMinor(item: Pick<AgingItem, 'kind' | 'openMinor'>): bigint {
  return item.kind === 'credit_note' ? -item.openMinor : item.openMinor;
}

/** Age in days on the basis: days past the due date, or days since issue. */
export function ageInDays(item: Pick<AgingItem, 'issueDate' | 'dueDate'>, basis: AgingBasis, asOf: string): number {
  return daysBetween(basis === 'due' ? item.dueDate : item.issueDate, asOf);
}

export interface AgingOptions {
  buckets: readonly AgingBucket[];
  basis: AgingBasis;
  asOf: string;
  /** Up to two dimension names; [] gives one row per currency. */
  dims: readonly string[];
}

export interface AgingRow {
  /** One value per dimension, in the order of the report's dims ([] on a total row). */
  groups: GroupValue[];
  currency: string;
  /** Amount per bucket, aligned with the report's buckets. */
  amounts: bigint[];
  /** Unapplied credit notes (negative): a column of their own, not aged. */
  credits: bigint;
  /** Σ amounts + credits = the sum of the signed open amounts of the row's items. */
  total: bigint;
  /** Open installments (and credit notes) counted in the row. */
  count: number;
}

export interface AgingReport {
  asOf: string;
  basis: AgingBasis;
  dims: string[];
  buckets: AgingBucket[];
  /** Sorted by currency, then by the group keys. */
  rows: AgingRow[];
  /** The grand total, one row per currency (sorted like rows). */
  totals: AgingRow[];
}

/** The column an item lands in: a bucket key, or CREDITS_KEY for an unapplied credit note. */
export const CREDITS_KEY = 'credits';
export const TOTAL_KEY = 'total';

export const MAX_DIMS = 2;

export function checkDims(dims: readonly string[]): void {
  if (dims.length > MAX_DIMS) throw new Error(`an aging report groups by at most ${MAX_DIMS} dimensions, got ${dims.length}`);
  if (new Set(dims).size !== dims.length) throw new Error(`a dimension appears twice: ${dims.join(',')}`);
}

function groupsOf(item: AgingItem, dims: readonly string[]): GroupValue[] {
  return dims.map((d) => {
    const g = item.groups[d];
    if (!g) throw new Error(`aging item has no value for dimension ${d}`);
    return g;
  });
}

/** \u0000 cannot occur in a code, so joined keys never collide. */
const rowKeyOf = (currency: string, groups: readonly GroupValue[]) => [currency, ...groups.map((g) => g.key)].join('\u0000');

/** Where an item goes: its column (bucket key or credits) and its age on the basis. */
export function classify(item: AgingItem, opts: Pick<AgingOptions, 'buckets' | 'basis' | 'asOf'>): { column: string; days: number } {
  const days = ageInDays(item, opts.basis, opts.asOf);
  if (item.kind === 'credit_note') return { column: CREDITS_KEY, days };
  return { column: bucketFor(days, opts.buckets).key, days };
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function compareRows(a: AgingRow, b: AgingRow): number {
  // CNY first (the usual base currency), then alphabetically; within a currency by group keys.
  if (a.currency !== b.currency) {
    if (a.currency === 'CNY') return -1;
    if (b.currency === 'CNY') return 1;
    return compareText(a.currency, b.currency);
  }
  for (let i = 0; i < a.groups.length; i++) {
    const c = compareText(a.groups[i]?.key ?? '', b.groups[i]?.key ?? '');
    if (c !== 0) return c;
  }
  return 0;
}

/**
 * Groups open items into rows by currency and the report's dimensions, and sums each row per
 * bucket. Every total is an exact bigint sum: for each currency, the grand total equals the sum of
 * the signed open amounts of its items, and so does the sum of the rows' totals.
 */
export function agingReport(items: Iterable<AgingItem>, opts: AgingOptions): AgingReport {
  checkDims(opts.dims);
  const index = new Map(opts.buckets.map((b, i) => [b.key, i]));
  const rows = new Map<string, AgingRow>();
  const totals = new Map<string, AgingRow>();
  const blank = (currency: string, groups: GroupValue[]): AgingRow => ({
    groups,
    currency,
    amounts: opts.buckets.map(() => 0n),
    credits: 0n,
    total: 0n,
    count: 0,
  });
  const add = (row: AgingRow, column: string, signed: bigint) => {
    if (column === CREDITS_KEY) row.credits += signed;
    else {
      const i = index.get(column)!;
      row.amounts[i] = row.amounts[i]! + signed;
    }
    row.total += signed;
    row.count++;
  };
  for (const item of items) {
    const groups = groupsOf(item, opts.dims);
    const { column } = classify(item, opts);
    const signed = signedOpenMinor(item);
    const key = rowKeyOf(item.currency, groups);
    let row = rows.get(key);
    if (!row) {
      row = blank(item.currency, groups);
      rows.set(key, row);
    }
    add(row, column, signed);
    let total = totals.get(item.currency);
    if (!total) {
      total = blank(item.currency, []);
      totals.set(item.currency, total);
    }
    add(total, column, signed);
  }
  return {
    asOf: opts.asOf,
    basis: opts.basis,
    dims: [...opts.dims],
    buckets: [...opts.buckets],
    rows: [...rows.values()].sort(compareRows),
    totals: [...totals.values()].sort(compareRows),
  };
}

/** A cell of a report: a row (currency + one key per dimension) and a column. */
export interface AgingCell {
  currency: string;
  /** One group key per dimension of the report, in order. */
  keys: readonly string[];
  /** A bucket key, CREDITS_KEY, or TOTAL_KEY for the whole row. */
  column: string;
}

/**
 * The items behind one cell, with their age. Uses the same classification as agingReport(), so
 * the signed open amounts of the returned items always sum to the cell's amount.
 */
export function cellItems<T extends AgingItem>(items: Iterable<T>, opts: AgingOptions, cell: AgingCell): { item: T; days: number; column: string }[] {
  checkDims(opts.dims);
  if (cell.keys.length !== opts.dims.length) {
    throw new Error(`a cell names one key per dimension: ${opts.dims.length} expected, got ${cell.keys.length}`);
  }
  const out: { item: T; days: number; column: string }[] = [];
  for (const item of items) {
    if (item.currency !== cell.currency) continue;
    const groups = groupsOf(item, opts.dims);
    if (!groups.every((g, i) => g.key === cell.keys[i])) continue;
    const c = classify(item, opts);
    if (cell.column !== TOTAL_KEY && c.column !== cell.column) continue;
    out.push({ item, days: c.days, column: c.column });
  }
  return out;
}
