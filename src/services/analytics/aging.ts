/**
 * Point-in-time aging (账龄分析): the open installments of the ledger as of a date, under the
 * caller's row-level-security scope, grouped by up to two dimensions into aging buckets.
 *
 * One SQL query loads every open installment (and unapplied credit note) as of the date through
 * the same as-of CTE as the invoice export, so the report's grand total is, by construction, the
 * export's signed open balance; the grouping and bucketing are the pure agingReport() of the
 * domain, and the drill-down uses the same classification, so a cell's installments always add
 * up to the cell.
 */
import type { Queryable } from '../../db/database';
import {
  type AgingBasis,
  type AgingBucket,
  type AgingCell,
  type AgingItem,
  type AgingReport,
  agingReport,
  CREDITS_KEY,
  cellItems,
  type GroupValue,
  MAX_DIMS,
  resolveBucketSet,
  TOTAL_KEY,
} from '../../domain/aging';
import { isIsoDate } from '../../domain/dates';
import { convert, isKnownCurrency } from '../../domain/money';
import { AppError } from '../errors';
import { analyticsPlanner, openBalancesCte } from './open-balances';

export const AGING_DIMS = ['customer', 'parent', 'entity', 'region', 'province', 'salesperson', 'industry', 'contract', 'currency'] as const;
export type AgingDim = (typeof AGING_DIMS)[number];
/** Other names accepted for a dimension (on the AP side a "customer" is a supplier). */
const DIM_ALIASES: Readonly<Record<string, AgingDim>> = { supplier: 'customer', party: 'customer', owner: 'salesperson' };

/** all: one row set per document currency; base: converted to each entity's base currency; or one ISO code. */
export type AgingCurrency = 'all' | 'base' | (string & {});

export interface AgingParams {
  side: 'AR' | 'AP';
  asOf: string;
  basis: AgingBasis;
  /** 'chinese', 'short' or a SPEC of upper bounds in days such as "30,60,90,180,365". */
  buckets: string;
  /** Dimension names as the caller wrote them (aliases allowed); at most two. */
  by: string[];
  currency: AgingCurrency;
}

export interface ResolvedAgingParams extends AgingParams {
  bucketList: AgingBucket[];
  /** The canonical dimension behind each name in `by`. */
  dims: AgingDim[];
}

const badRequest = (code: string, message: string, field: string) => new AppError(400, code, message, [field]);

/** Splits "customer,region" (or an array of such strings) into dimension names. */
export function splitDims(by: string | readonly string[] | undefined): string[] {
  const parts = (Array.isArray(by) ? by : [by ?? '']).flatMap((s: string) => s.split(/[,，]/));
  return parts.map((s) => s.trim()).filter(Boolean);
}

/** Validates the parameters; every expected mistake is a 400 naming the parameter at fault. */
export function resolveAgingParams(p: AgingParams): ResolvedAgingParams {
  if (!isIsoDate(p.asOf)) throw badRequest('invalid_date', `asOf must be a date YYYY-MM-DD, got "${p.asOf}"`, 'asOf');
  const set = resolveBucketSet(p.buckets, p.basis);
  if (!set.ok) throw badRequest('invalid_buckets', `buckets "${p.buckets}": ${set.error.message} (or use chinese / short)`, 'buckets');
  if (p.by.length > MAX_DIMS) throw badRequest('too_many_dimensions', `group by at most ${MAX_DIMS} dimensions, got ${p.by.length}`, 'by');
  const dims = p.by.map((name) => {
    const lower = name.toLowerCase();
    const dim = (AGING_DIMS as readonly string[]).includes(lower) ? (lower as AgingDim) : DIM_ALIASES[lower];
    if (!dim) throw badRequest('unknown_dimension', `unknown dimension "${name}"; one of ${AGING_DIMS.join(', ')}`, 'by');
    return dim;
  });
  if (new Set(dims).size !== dims.length) throw badRequest('duplicate_dimension', `a dimension appears twice in "${p.by.join(',')}"`, 'by');
  const currency = p.currency === 'all' || p.currency === 'base' ? p.currency : p.currency.toUpperCase();
  if (currency !== 'all' && currency !== 'base' && !isKnownCurrency(currency)) {
    throw badRequest('unknown_currency', `currency must be all, base or a known currency code, got "${p.currency}"`, 'currency');
  }
  // The report keeps the names as written (lower-cased): `--ap --by supplier` shows a supplier column.
  return { ...p, by: p.by.map((s) => s.toLowerCase()), currency, bucketList: set.buckets, dims };
}

// ---------------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------------

/** What a dimension reads: SQL for its key and label, and the joins it needs. */
const DIM_SQL: Record<AgingDim, { key: string; label: string; joins: string[] }> = {
  customer: { key: 'p.code', label: 'p.name', joins: [] },
  // A parent that row-level security hides still groups its subsidiaries together (by its id).
  parent: {
    key: "CASE WHEN p.parent_id IS NULL THEN p.code WHEN pp.id IS NULL THEN '#' || p.parent_id::text ELSE pp.code END",
    label: 'CASE WHEN p.parent_id IS NULL THEN p.name ELSE pp.name END',
    joins: ['LEFT JOIN parties pp ON pp.id = p.parent_id'],
  },
  entity: { key: 'e.code', label: 'e.name', joins: [] },
  region: { key: 'p.region', label: 'p.region', joins: [] },
  province: { key: "coalesce(p.province, '')", label: 'p.province', joins: [] },
  salesperson: { key: "coalesce(u.username, '')", label: 'u.display_name', joins: ['LEFT JOIN users u ON u.id = p.owner_user_id'] },
  industry: { key: "coalesce(p.industry, '')", label: 'p.industry', joins: [] },
  // A credit note is counted under its original invoice's contract.
  contract: {
    key: "coalesce(c.number, '')",
    label: 'c.title',
    joins: [
      'LEFT JOIN invoices di ON di.id = b.invoice_id',
      'LEFT JOIN invoices oi ON oi.id = di.original_invoice_id',
      'LEFT JOIN contract_versions cv ON cv.id = coalesce(di.contract_version_id, oi.contract_version_id)',
      'LEFT JOIN contracts c ON c.id = cv.contract_id',
    ],
  },
  currency: { key: 'b.currency', label: 'b.currency', joins: [] },
};

/** An open installment with what the drill-down shows about it. */
export interface LoadedAgingItem extends AgingItem {
  installmentId: string;
  invoiceId: string;
  number: string;
  seq: number;
  partyId: string;
  partyCode: string;
  partyName: string;
  entityCode: string;
  /** The document's own currency and open amount (before any conversion). */
  documentCurrency: string;
  documentOpenMinor: bigint;
}

export interface FxRateUsed {
  from: string;
  to: string;
  rateDate: string;
  rate: string;
}

interface ItemRow {
  installment_id: string;
  invoice_id: string;
  number: string;
  seq: number;
  kind: 'invoice' | 'credit_note';
  issue_date: string;
  due_date: string;
  currency: string;
  open_minor: bigint;
  party_id: string;
  party_code: string;
  party_name: string;
  entity_code: string;
  base_currency: string;
  [dimColumn: string]: unknown;
}

/**
 * Loads the open items (open ≠ 0) as of the date in one query, under the caller's scope: tx must
 * run as the actor (withActor), so row-level security decides which documents exist.
 */
export async function loadAgingItems(tx: Queryable, p: ResolvedAgingParams): Promise<{ items: LoadedAgingItem[]; fxRates: FxRateUsed[] }> {
  const joins = [...new Set(p.dims.flatMap((d) => DIM_SQL[d].joins))];
  const dimCols = p.dims.map((d, i) => `${DIM_SQL[d].key} AS g${i}_key, ${DIM_SQL[d].label} AS g${i}_label`);
  const params: unknown[] = [p.asOf, p.side];
  let currencyFilter = '';
  if (p.currency !== 'all' && p.currency !== 'base') {
    params.push(p.currency);
    currencyFilter = `AND b.currency = $${params.length}`;
  }
  // The open installments are a MATERIALIZED CTE: an optimisation fence, so that PostgreSQL plans
  // the balance aggregation on its own (one pass over allocations, as for the dashboard) and joins
  // the dimension tables to its result. Without it the planner, which cannot estimate the
  // row-level-security filter on parties, starts from parties and re-runs the allocation aggregate
  // for every invoice (measured: 100 s instead of 0.3 s at 20k invoices on PGlite).
  const rows = await tx.query<ItemRow>(
    `WITH ${openBalancesCte('$1')},
     open_inst AS MATERIALIZED (
       SELECT * FROM inst_bal b WHERE b.side = $2 AND b.amount_minor <> b.allocated_minor ${currencyFilter}
     )
     SELECT b.id AS installment_id, b.invoice_id, b.number, b.seq, b.kind, b.issue_date, b.due_date, b.currency,
            (b.amount_minor - b.allocated_minor)::bigint AS open_minor,
            p.id AS party_id, p.code AS party_code, p.name AS party_name, e.code AS entity_code, e.base_currency
            ${dimCols.map((c) => `, ${c}`).join('')}
       FROM open_inst b
       JOIN parties p ON p.id = b.party_id
       JOIN entities e ON e.id = b.entity_id
       ${joins.join('\n       ')}`,
    params,
  );

  const rates = p.currency === 'base' ? await fxRatesFor(tx, rows, p.asOf) : new Map<string, FxRateUsed>();
  const items = rows.map((r): LoadedAgingItem => {
    const groups: Record<string, GroupValue> = {};
    p.by.forEach((name, i) => {
      groups[name] = { key: String(r[`g${i}_key`] ?? ''), label: (r[`g${i}_label`] as string | null) ?? null };
    });
    let currency = r.currency;
    let openMinor = r.open_minor;
    if (p.currency === 'base' && r.currency !== r.base_currency) {
      const rate = rates.get(`${r.currency}>${r.base_currency}`)!;
      currency = r.base_currency;
      openMinor = convert(r.open_minor, r.currency, r.base_currency, rate.rate);
    }
    return {
      kind: r.kind,
      issueDate: r.issue_date,
      dueDate: r.due_date,
      currency,
      openMinor,
      groups,
      installmentId: r.installment_id,
      invoiceId: r.invoice_id,
      number: r.number,
      seq: Number(r.seq),
      partyId: r.party_id,
      partyCode: r.party_code,
      partyName: r.party_name,
      entityCode: r.entity_code,
      documentCurrency: r.currency,
      documentOpenMinor: r.open_minor,
    };
  });
  return { items, fxRates: [...rates.values()] };
}

/**
 * The rate for each (document currency → entity base currency) pair the items need: the latest
 * recorded rate dated on or before the as-of date (fx_rates: quote units per one base unit). A
 * missing rate is an error naming the pair and the date; nothing is guessed.
 */
async function fxRatesFor(tx: Queryable, rows: readonly ItemRow[], asOf: string): Promise<Map<string, FxRateUsed>> {
  const pairs = [...new Set(rows.filter((r) => r.currency !== r.base_currency).map((r) => `${r.currency}>${r.base_currency}`))].sort();
  const out = new Map<string, FxRateUsed>();
  if (pairs.length === 0) return out;
  const from = pairs.map((k) => k.split('>')[0]!);
  const to = pairs.map((k) => k.split('>')[1]!);
  const found = await tx.query<{ base_currency: string; quote_currency: string; rate_date: string; rate: string }>(
    `SELECT DISTINCT ON (f.base_currency, f.quote_currency) f.base_currency, f.quote_currency, f.rate_date, f.rate::text AS rate
       FROM fx_rates f JOIN unnest($2::text[], $3::text[]) AS w(b, q) ON f.base_currency = w.b AND f.quote_currency = w.q
      WHERE f.rate_date <= $1::date
      ORDER BY f.base_currency, f.quote_currency, f.rate_date DESC`,
    [asOf, from, to],
  );
  for (const r of found) {
    const base = r.base_currency.trim();
    const quote = r.quote_currency.trim();
    out.set(`${base}>${quote}`, { from: base, to: quote, rateDate: r.rate_date, rate: r.rate });
  }
  const missing = pairs.filter((k) => !out.has(k));
  if (missing.length) {
    const names = missing.map((k) => k.replace('>', '→')).join(', ');
    throw new AppError(
      422,
      'fx_rate_missing',
      `no exchange rate ${names} dated on or before ${asOf} in fx_rates; record one, or report per currency (currency=all)`,
      ['currency'],
    );
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The report and the drill-down
// ---------------------------------------------------------------------------------------------

export interface AgingResult {
  params: ResolvedAgingParams;
  report: AgingReport;
  fxRates: FxRateUsed[];
}

interface GroupedRow {
  kind: 'invoice' | 'credit_note';
  currency: string;
  bucket: number;
  rep_date: string;
  open_minor: bigint;
  n: bigint;
  [dimColumn: string]: unknown;
}

/**
 * The report's cells straight from SQL: the open installments grouped by currency, dimension
 * values and bucket (credit notes apart), so that a million open installments come back as a few
 * thousand rows. Each group becomes one item dated at one of its members' basis date, so the
 * pure agingReport() puts it in the same bucket; the row counts are restored from the groups'
 * sizes. Not for currency=base, which converts per installment.
 */
async function groupedReport(tx: Queryable, p: ResolvedAgingParams): Promise<AgingReport> {
  const contract = p.dims.includes('contract');
  // Dimension joins run on the groups, not the installments; the contract is found per group
  // through the contract version id carried up from the installments.
  const joins = [
    ...new Set(
      p.dims.flatMap((d) =>
        d === 'contract' ? ['LEFT JOIN contract_versions cv ON cv.id = b.cv_id', 'LEFT JOIN contracts c ON c.id = cv.contract_id'] : DIM_SQL[d].joins,
      ),
    ),
  ];
  const dimCols = p.dims.map((d, i) => [`${DIM_SQL[d].key}`, `${DIM_SQL[d].label}`, `g${i}_key`, `g${i}_label`] as const);
  const basisCol = p.basis === 'due' ? 'b.due_date' : 'b.issue_date';
  // width_bucket(age, lower bounds of buckets 2…n) is the index of the bucket holding the age.
  const bounds = p.bucketList.slice(1).map((b) => b.fromDays!);
  const params: unknown[] = [p.asOf, p.side, bounds];
  let currencyFilter = '';
  if (p.currency !== 'all') {
    params.push(p.currency);
    currencyFilter = `AND b.currency = $${params.length}`;
  }
  const select = dimCols.map(([k, l, ka, la]) => `, ${k} AS ${ka}, ${l} AS ${la}`).join('');
  const groupBy = dimCols.map(([k, l]) => `, ${k}, ${l}`).join('');
  const cvJoin = contract
    ? `LEFT JOIN invoices di ON di.id = b.invoice_id LEFT JOIN invoices oi ON oi.id = di.original_invoice_id`
    : '';
  const cvCol = contract ? ', coalesce(di.contract_version_id, oi.contract_version_id) AS cv_id' : '';
  // Two levels: first by ids (party, entity, contract version) and bucket over the installments,
  // which is a hash aggregate on uuids; then the few groups get their dimension values and are
  // summed by those. Grouping the installments by text (names, with collation) directly was the
  // slowest part of the plan.
  const rows = await tx.query<GroupedRow>(
    `WITH ${openBalancesCte('$1')},
     open_inst AS (
       SELECT * FROM inst_bal b WHERE b.side = $2 AND b.amount_minor <> b.allocated_minor ${currencyFilter}
     ),
     by_id AS MATERIALIZED (
       SELECT b.kind, b.currency, b.party_id, b.entity_id ${cvCol},
              CASE WHEN b.kind = 'credit_note' THEN -1 ELSE width_bucket($1::date - ${basisCol}, $3::int[]) END AS bucket,
              min(${basisCol}) AS rep_date, sum(b.amount_minor - b.allocated_minor)::bigint AS open_minor, count(*)::bigint AS n
         FROM open_inst b ${cvJoin}
        GROUP BY b.kind, b.currency, b.party_id, b.entity_id ${contract ? ', 5' : ''}, bucket
     )
     SELECT b.kind, b.currency, b.bucket, min(b.rep_date) AS rep_date, sum(b.open_minor)::bigint AS open_minor, sum(b.n)::bigint AS n
            ${select}
       FROM by_id b
       JOIN parties p ON p.id = b.party_id
       JOIN entities e ON e.id = b.entity_id
       ${joins.join('\n       ')}
      GROUP BY b.kind, b.currency, b.bucket ${groupBy}`,
    params,
  );
  const opts = { buckets: p.bucketList, basis: p.basis, asOf: p.asOf, dims: p.by };
  const counts = new Map<string, number>();
  const totalCounts = new Map<string, number>();
  const items = rows.map((r): AgingItem => {
    const groups: Record<string, GroupValue> = {};
    const keys: string[] = [r.currency];
    p.by.forEach((name, i) => {
      const key = String(r[`g${i}_key`] ?? '');
      groups[name] = { key, label: (r[`g${i}_label`] as string | null) ?? null };
      keys.push(key);
    });
    const rowKey = keys.join('\u0000');
    counts.set(rowKey, (counts.get(rowKey) ?? 0) + Number(r.n));
    totalCounts.set(r.currency, (totalCounts.get(r.currency) ?? 0) + Number(r.n));
    return { kind: r.kind, issueDate: r.rep_date, dueDate: r.rep_date, currency: r.currency, openMinor: r.open_minor, groups };
  });
  const report = agingReport(items, opts);
  for (const row of report.rows) row.count = counts.get([row.currency, ...row.groups.map((g) => g.key)].join('\u0000')) ?? 0;
  for (const row of report.totals) row.count = totalCounts.get(row.currency) ?? 0;
  return report;
}

/** The aging report as of p.asOf under the caller's scope (tx runs as the actor). */
export async function agingAsOf(tx: Queryable, params: AgingParams): Promise<AgingResult> {
  const p = resolveAgingParams(params);
  await analyticsPlanner(tx);
  if (p.currency !== 'base') return { params: p, report: await groupedReport(tx, p), fxRates: [] };
  const { items, fxRates } = await loadAgingItems(tx, p);
  const report = agingReport(items, { buckets: p.bucketList, basis: p.basis, asOf: p.asOf, dims: p.by });
  return { params: p, report, fxRates };
}

export interface AgingCellQuery {
  /** The report currency of the row (after conversion when currency=base). */
  rowCurrency: string;
  /** One group key per dimension of `by`, in order. */
  keys: string[];
  /** A bucket key, 'credits' or 'total'. */
  column: string;
  /** At most this many items are listed (largest age first); count and total cover them all. */
  limit?: number;
}

export interface AgingCellItem {
  item: LoadedAgingItem;
  days: number;
  column: string;
}

export interface AgingCellResult {
  params: ResolvedAgingParams;
  cell: AgingCell;
  /** Σ signed open amounts of every item behind the cell = the cell's amount in the report. */
  totalMinor: bigint;
  count: number;
  items: AgingCellItem[];
  truncated: boolean;
}

/** The installments behind one cell of the report (drill-down). */
export async function agingCell(tx: Queryable, params: AgingParams, q: AgingCellQuery): Promise<AgingCellResult> {
  const p = resolveAgingParams(params);
  if (q.keys.length !== p.by.length) {
    throw badRequest('invalid_cell', `the cell needs one key per dimension (${p.by.length}), got ${q.keys.length}`, 'keys');
  }
  const columns = [...p.bucketList.map((b) => b.key), CREDITS_KEY, TOTAL_KEY];
  if (!columns.includes(q.column)) throw badRequest('invalid_cell', `unknown column "${q.column}"; one of ${columns.join(', ')}`, 'column');
  await analyticsPlanner(tx);
  const { items } = await loadAgingItems(tx, p);
  const cell: AgingCell = { currency: q.rowCurrency.toUpperCase(), keys: q.keys, column: q.column };
  const behind = cellItems(items, { buckets: p.bucketList, basis: p.basis, asOf: p.asOf, dims: p.by }, cell);
  let totalMinor = 0n;
  for (const b of behind) totalMinor += b.item.kind === 'credit_note' ? -b.item.openMinor : b.item.openMinor;
  behind.sort((a, b) => b.days - a.days || (a.item.number < b.item.number ? -1 : a.item.number > b.item.number ? 1 : a.item.seq - b.item.seq));
  const limit = Math.max(1, q.limit ?? 500);
  return { params: p, cell, totalMinor, count: behind.length, items: behind.slice(0, limit), truncated: behind.length > limit };
}
