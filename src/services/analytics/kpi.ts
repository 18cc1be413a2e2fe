/**
 * Receivables KPIs (应收指标) of the month ending at an as-of date and a monthly trend, per
 * currency (and optionally one entity), under the caller's row-level-security scope: tx must run
 * as the actor (withActor).
 *
 * Periods: period 0 runs from the first day of the as-of date's month to the as-of date (the
 * calendar month when the as-of date is a month end); period k ≥ 1 is the k-th calendar month
 * before it. Balances are taken at each period's closing date with installmentBalancesCte (one
 * query per boundary, so the closing AR is by construction the aging report's Σ buckets), the
 * flows of all periods in one more query. The KPIs themselves are the pure src/domain/kpi.ts.
 */
import type { Queryable } from '../../db/database';
import { addDays, addMonths, daysBetween, endOfMonth, isIsoDate } from '../../domain/dates';
import {
  badDebtRate,
  type CreditLine,
  computeKpis,
  creditSummary,
  dpo,
  hhi,
  type KpiValues,
  TOP_N,
  topShare,
  unappliedRatio,
} from '../../domain/kpi';
import { formatAmount, isKnownCurrency } from '../../domain/money';
import { AppError } from '../errors';
import { analyticsPlanner, openBalancesCte, receiptOpenCte } from './open-balances';

export const MAX_KPI_MONTHS = 36;

export interface KpiParams {
  asOf: string;
  /** Months of trend (≥ 1); the countback DSO uses the same history. */
  months: number;
  currency: string;
  /** An entity code, or all entities in scope. */
  entity?: string | undefined;
}

/** The ledger figures at one boundary and over one period, in minor units. */
export interface KpiPeriod {
  month: string;
  /** First day (inclusive) and closing date (inclusive) of the period. */
  from: string;
  to: string;
  days: number;
  openingAr: bigint;
  closingAr: bigint;
  closingCurrentAr: bigint;
  creditSales: bigint;
  collections: bigint;
  openCount: number;
  overdueCount: number;
  /** Open AR per customer at the closing date (invoice installments, document currency). */
  arByParty: Map<string, PartyBalance>;
  /** Unapplied receipts at the closing date: Σ (amount − applied as of the date) and how many. */
  unapplied: bigint;
  unappliedCount: number;
  /** AR written off (write_off adjustments) effective in the period. */
  writtenOff: bigint;
  /** AP: open bills at the closing date, of them overdue, and due within 7 / 30 days. */
  closingAp: bigint;
  apOverdue: bigint;
  apDue7: bigint;
  apDue30: bigint;
  /** AP: bills issued in the period minus supplier credit notes. */
  purchases: bigint;
}

/** A customer's open AR at a boundary. */
export interface PartyBalance {
  open: bigint;
  current: bigint;
}

/** Days ahead that the payables-due KPIs look (due date in [D, D + n]). */
export const PAYABLES_DUE_DAYS = [7, 30] as const;

const badRequest = (code: string, message: string, field: string) => new AppError(400, code, message, [field]);

/** Closing dates, latest first: asOf, then the ends of the `months` months before its month. */
export function periodBoundaries(asOf: string, months: number): string[] {
  const firstOfMonth = `${asOf.slice(0, 8)}01`;
  const out = [asOf];
  for (let k = 1; k <= months; k++) out.push(endOfMonth(addMonths(firstOfMonth, -k)));
  return out;
}

interface BalanceRow {
  ar: bigint;
  current_ar: bigint;
  open_count: bigint;
  overdue_count: bigint;
  ar_by_party: Map<string, PartyBalance>;
  ap: bigint;
  ap_overdue: bigint;
  ap_due7: bigint;
  ap_due30: bigint;
  unapplied: bigint;
  unapplied_count: bigint;
}

interface PartyRow {
  side: 'AR' | 'AP';
  party_id: string;
  open_minor: bigint;
  current_minor: bigint;
  open_count: bigint;
  overdue_count: bigint;
  due7_minor: bigint;
  due30_minor: bigint;
}

/**
 * Open invoice installments (AR and AP) as of `date`, per side and party, and the unapplied
 * receipts: two queries.
 */
async function balanceAt(tx: Queryable, date: string, currency: string, entityId: string | null): Promise<BalanceRow> {
  // MATERIALIZED, as in the aging report: the planner cannot estimate the row-level-security
  // filter and would otherwise re-run the allocation aggregate per invoice.
  const rows = await tx.query<PartyRow>(
    `WITH ${openBalancesCte('$1')},
     open_inst AS MATERIALIZED (
       SELECT b.side, b.party_id, b.due_date, (b.amount_minor - b.allocated_minor)::bigint AS open_minor
         FROM inst_bal b
        WHERE b.kind = 'invoice' AND b.currency = $2 AND b.amount_minor <> b.allocated_minor
          AND ($3::uuid IS NULL OR b.entity_id = $3::uuid)
     )
     SELECT side, party_id,
            sum(open_minor)::bigint AS open_minor,
            coalesce(sum(open_minor) FILTER (WHERE due_date >= $1::date), 0)::bigint AS current_minor,
            count(*)::bigint AS open_count,
            count(*) FILTER (WHERE due_date < $1::date)::bigint AS overdue_count,
            coalesce(sum(open_minor) FILTER (WHERE due_date >= $1::date AND due_date <= $1::date + ${PAYABLES_DUE_DAYS[0]}), 0)::bigint AS due7_minor,
            coalesce(sum(open_minor) FILTER (WHERE due_date >= $1::date AND due_date <= $1::date + ${PAYABLES_DUE_DAYS[1]}), 0)::bigint AS due30_minor
       FROM open_inst GROUP BY side, party_id`,
    [date, currency, entityId],
  );
  const out: BalanceRow = {
    ar: 0n,
    current_ar: 0n,
    open_count: 0n,
    overdue_count: 0n,
    ar_by_party: new Map(),
    ap: 0n,
    ap_overdue: 0n,
    ap_due7: 0n,
    ap_due30: 0n,
    unapplied: 0n,
    unapplied_count: 0n,
  };
  for (const r of rows) {
    if (r.side === 'AR') {
      out.ar += r.open_minor;
      out.current_ar += r.current_minor;
      out.open_count += r.open_count;
      out.overdue_count += r.overdue_count;
      out.ar_by_party.set(r.party_id, { open: r.open_minor, current: r.current_minor });
    } else {
      out.ap += r.open_minor;
      out.ap_overdue += r.open_minor - r.current_minor;
      out.ap_due7 += r.due7_minor;
      out.ap_due30 += r.due30_minor;
    }
  }
  const [u] = await tx.query<{ unapplied: bigint; n: bigint }>(
    `WITH ${receiptOpenCte('$1')}
     SELECT coalesce(sum(unapplied_minor), 0)::bigint AS unapplied, count(*) FILTER (WHERE unapplied_minor <> 0)::bigint AS n
       FROM rcpt_open WHERE side = 'AR' AND currency = $2 AND ($3::uuid IS NULL OR entity_id = $3::uuid)`,
    [date, currency, entityId],
  );
  out.unapplied = u?.unapplied ?? 0n;
  out.unapplied_count = u?.n ?? 0n;
  return out;
}

interface FlowRow {
  k: number;
  credit_sales: bigint;
  collections: bigint;
  written_off: bigint;
  purchases: bigint;
}

/** Credit sales and collections of every period (after[k], to[k]] in one query. */
async function flows(tx: Queryable, after: string[], to: string[], currency: string, entityId: string | null): Promise<FlowRow[]> {
  return tx.query<FlowRow>(
    `WITH p AS (SELECT (t.k - 1)::int AS k, t.a, t.e FROM unnest($1::date[], $2::date[]) WITH ORDINALITY AS t(a, e, k)),
     docs AS MATERIALIZED (
       SELECT i.side, i.issue_date, CASE WHEN i.kind = 'invoice' THEN i.total_minor ELSE -i.total_minor END AS signed_minor
         FROM invoices i
        WHERE i.currency = $3 AND ($4::uuid IS NULL OR i.entity_id = $4::uuid)
          AND i.issue_date > $5::date AND i.issue_date <= $6::date
     ),
     coll AS MATERIALIZED (
       SELECT a.effective_date, a.amount_minor, a.source_kind
         FROM allocations a
         JOIN installments n ON n.id = a.target_installment_id
         JOIN invoices i ON i.id = n.invoice_id
        WHERE (a.source_kind = 'receipt' OR a.adjustment_kind = 'write_off') AND i.side = 'AR' AND i.kind = 'invoice' AND i.currency = $3
          AND ($4::uuid IS NULL OR i.entity_id = $4::uuid)
          AND a.effective_date > $5::date AND a.effective_date <= $6::date
     )
     SELECT p.k,
            (SELECT coalesce(sum(d.signed_minor), 0) FROM docs d WHERE d.side = 'AR' AND d.issue_date > p.a AND d.issue_date <= p.e)::bigint AS credit_sales,
            (SELECT coalesce(sum(d.signed_minor), 0) FROM docs d WHERE d.side = 'AP' AND d.issue_date > p.a AND d.issue_date <= p.e)::bigint AS purchases,
            (SELECT coalesce(sum(c.amount_minor), 0) FROM coll c WHERE c.source_kind = 'receipt' AND c.effective_date > p.a AND c.effective_date <= p.e)::bigint AS collections,
            (SELECT coalesce(sum(c.amount_minor), 0) FROM coll c WHERE c.source_kind = 'adjustment' AND c.effective_date > p.a AND c.effective_date <= p.e)::bigint AS written_off
       FROM p ORDER BY p.k`,
    [after, to, currency, entityId, after[after.length - 1], to[0]],
  );
}

export async function resolveEntityId(tx: Queryable, code: string | undefined): Promise<string | null> {
  if (!code) return null;
  const [row] = await tx.query<{ id: string }>('SELECT id FROM entities WHERE code = $1', [code]);
  if (!row) throw badRequest('unknown_entity', `no entity "${code}" in your scope`, 'entity');
  return row.id;
}

/** The ledger figures of the `months` periods ending at asOf, latest first. */
export async function loadKpiPeriods(tx: Queryable, p: KpiParams): Promise<KpiPeriod[]> {
  await analyticsPlanner(tx);
  const entityId = await resolveEntityId(tx, p.entity);
  const bounds = periodBoundaries(p.asOf, p.months); // months + 1 closing dates, latest first
  const balances: BalanceRow[] = [];
  for (const d of bounds) balances.push(await balanceAt(tx, d, p.currency, entityId));
  const to = bounds.slice(0, p.months);
  const after = bounds.slice(1);
  const flowRows = await flows(tx, after, to, p.currency, entityId);
  const byK = new Map(flowRows.map((r) => [Number(r.k), r]));
  return to.map((end, k): KpiPeriod => {
    const closing = balances[k]!;
    const opening = balances[k + 1]!;
    const f = byK.get(k);
    return {
      month: end.slice(0, 7),
      from: addDays(after[k]!, 1),
      to: end,
      days: daysBetween(after[k]!, end),
      openingAr: opening.ar,
      closingAr: closing.ar,
      closingCurrentAr: closing.current_ar,
      creditSales: f?.credit_sales ?? 0n,
      collections: f?.collections ?? 0n,
      openCount: Number(closing.open_count),
      overdueCount: Number(closing.overdue_count),
      arByParty: closing.ar_by_party,
      unapplied: closing.unapplied,
      unappliedCount: Number(closing.unapplied_count),
      writtenOff: f?.written_off ?? 0n,
      closingAp: closing.ap,
      apOverdue: closing.ap_overdue,
      apDue7: closing.ap_due7,
      apDue30: closing.ap_due30,
      purchases: f?.purchases ?? 0n,
    };
  });
}

/** The KPIs beyond the DSO family: concentration, credit, cash, bad debt and payables. */
export interface MoreKpiValues {
  /** Share of the 10 largest customer balances in closing AR, % (2 decimals). */
  top10Share: string | null;
  /** Herfindahl–Hirschman index of customer balances, points 0…10000 (1 decimal). */
  hhi: string | null;
  /** Σ open AR ÷ Σ credit limits over customers with a limit in this currency, %. */
  creditUtilisation: string | null;
  customersWithLimit: number;
  customersOverLimit: number;
  /** Receipts dated by the closing date not (fully) applied, amount and count, and ÷ closing AR %. */
  unapplied: string;
  unappliedCount: number;
  unappliedRatio: string | null;
  /** AR written off in the period and ÷ credit sales %. */
  writtenOff: string;
  badDebtRate: string | null;
  /** AP: closing open bills, overdue part, due within 7 and 30 days, purchases and DPO. */
  closingAp: string;
  payablesOverdue: string;
  payablesDue7: string;
  payablesDue30: string;
  purchases: string;
  dpo: string | null;
}

export type KpiFigures = KpiValues &
  MoreKpiValues & { openingAr: string; closingAr: string; closingCurrentAr: string; overdue: string; creditSales: string; collections: string };

export interface KpiTrendPoint {
  month: string;
  from: string;
  to: string;
  dso: string | null;
  cei: string | null;
  closingAr: string;
  overdue: string;
  creditSales: string;
  collections: string;
  overdueRatioAmount: string | null;
  top10Share: string | null;
  hhi: string | null;
  creditUtilisation: string | null;
  unapplied: string;
  badDebtRate: string | null;
  closingAp: string;
  dpo: string | null;
}

export interface KpiDocument {
  asOf: string;
  currency: string;
  entity: string | null;
  period: { from: string; to: string; days: number };
  current: KpiFigures;
  /** The calendar month before the current period (null when months = 1): for month-over-month change. */
  previous: (KpiFigures & { period: { from: string; to: string; days: number } }) | null;
  trend: KpiTrendPoint[];
}

/** Validates the parameters; every expected mistake is a 400 naming the parameter at fault. */
export function resolveKpiParams(p: KpiParams): KpiParams {
  if (!isIsoDate(p.asOf)) throw badRequest('invalid_date', `asOf must be a date YYYY-MM-DD, got "${p.asOf}"`, 'asOf');
  if (!Number.isInteger(p.months) || p.months < 1 || p.months > MAX_KPI_MONTHS) {
    throw badRequest('invalid_months', `months must be a whole number 1…${MAX_KPI_MONTHS}, got ${p.months}`, 'months');
  }
  const currency = p.currency.toUpperCase();
  if (!isKnownCurrency(currency)) throw badRequest('unknown_currency', `currency must be a known currency code, got "${p.currency}"`, 'currency');
  return { ...p, currency };
}

/** Credit limits (minor units) of the customers in scope whose credit currency is `currency`. */
export async function creditLimits(tx: Queryable, currency: string): Promise<Map<string, bigint>> {
  const rows = await tx.query<{ id: string; credit_limit_minor: bigint }>(
    'SELECT id, credit_limit_minor FROM parties WHERE is_customer AND credit_limit_minor IS NOT NULL AND credit_currency = $1',
    [currency],
  );
  return new Map(rows.map((r) => [r.id, r.credit_limit_minor]));
}

/** Every figure of one period. `history` is the countback history from this period backwards. */
export function periodFigures(x: KpiPeriod, history: readonly { creditSales: bigint; days: number }[], limits: ReadonlyMap<string, bigint>, currency: string): KpiFigures {
  const fmt = (v: bigint) => formatAmount(v, currency);
  const balances = [...x.arByParty.values()].map((b) => b.open);
  const lines: CreditLine[] = [...limits].map(([id, limitMinor]) => ({ openMinor: x.arByParty.get(id)?.open ?? 0n, limitMinor }));
  const credit = creditSummary(lines);
  return {
    ...computeKpis(x, history),
    openingAr: fmt(x.openingAr),
    closingAr: fmt(x.closingAr),
    closingCurrentAr: fmt(x.closingCurrentAr),
    overdue: fmt(x.closingAr - x.closingCurrentAr),
    creditSales: fmt(x.creditSales),
    collections: fmt(x.collections),
    top10Share: topShare(balances, TOP_N),
    hhi: hhi(balances),
    creditUtilisation: credit.utilisation,
    customersWithLimit: credit.withLimit,
    customersOverLimit: credit.overLimit,
    unapplied: fmt(x.unapplied),
    unappliedCount: x.unappliedCount,
    unappliedRatio: unappliedRatio(x.unapplied, x.closingAr),
    writtenOff: fmt(x.writtenOff),
    badDebtRate: badDebtRate(x.writtenOff, x.creditSales),
    closingAp: fmt(x.closingAp),
    payablesOverdue: fmt(x.apOverdue),
    payablesDue7: fmt(x.apDue7),
    payablesDue30: fmt(x.apDue30),
    purchases: fmt(x.purchases),
    dpo: dpo(x.closingAp, x.purchases, x.days),
  };
}

/** The document of already loaded periods (latest first). */
export function kpiDocument(p: KpiParams, periods: readonly KpiPeriod[], limits: ReadonlyMap<string, bigint>): KpiDocument {
  const cur = periods[0]!;
  const history = periods.map((x) => ({ creditSales: x.creditSales, days: x.days }));
  const figures = periods.map((x, k) => periodFigures(x, history.slice(k), limits, p.currency));
  const prev = periods[1];
  return {
    asOf: p.asOf,
    currency: p.currency,
    entity: p.entity ?? null,
    period: { from: cur.from, to: cur.to, days: cur.days },
    current: figures[0]!,
    previous: prev ? { ...figures[1]!, period: { from: prev.from, to: prev.to, days: prev.days } } : null,
    trend: periods
      .map((x, k): KpiTrendPoint => {
        const v = figures[k]!;
        return {
          month: x.month,
          from: x.from,
          to: x.to,
          dso: v.dso,
          cei: v.cei,
          closingAr: v.closingAr,
          overdue: v.overdue,
          creditSales: v.creditSales,
          collections: v.collections,
          overdueRatioAmount: v.overdueRatioAmount,
          top10Share: v.top10Share,
          hhi: v.hhi,
          creditUtilisation: v.creditUtilisation,
          unapplied: v.unapplied,
          badDebtRate: v.badDebtRate,
          closingAp: v.closingAp,
          dpo: v.dpo,
        };
      })
      .reverse(),
  };
}

/** The KPIs of the month ending at asOf and the trend of the last `months` months (oldest first). */
export async function kpisAsOf(tx: Queryable, params: KpiParams): Promise<KpiDocument> {
  const p = resolveKpiParams(params);
  const periods = await loadKpiPeriods(tx, p);
  return kpiDocument(p, periods, await creditLimits(tx, p.currency));
}
