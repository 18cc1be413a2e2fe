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
import { computeKpis, type KpiValues } from '../../domain/kpi';
import { formatAmount, isKnownCurrency } from '../../domain/money';
import { AppError } from '../errors';
import { installmentBalancesCte } from '../ledger/balances';

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
}

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
}

/** Open AR invoice installments as of `date` (one query). */
async function balanceAt(tx: Queryable, date: string, currency: string, entityId: string | null): Promise<BalanceRow> {
  // MATERIALIZED, as in the aging report: the planner cannot estimate the row-level-security
  // filter and would otherwise re-run the allocation aggregate per invoice.
  const [row] = await tx.query<BalanceRow>(
    `WITH ${installmentBalancesCte('$1')},
     open_inst AS MATERIALIZED (
       SELECT b.due_date, (b.amount_minor - b.allocated_minor)::bigint AS open_minor
         FROM inst_bal b
        WHERE b.side = 'AR' AND b.kind = 'invoice' AND b.currency = $2 AND b.amount_minor <> b.allocated_minor
          AND ($3::uuid IS NULL OR b.entity_id = $3::uuid)
     )
     SELECT coalesce(sum(open_minor), 0)::bigint AS ar,
            coalesce(sum(open_minor) FILTER (WHERE due_date >= $1::date), 0)::bigint AS current_ar,
            count(*)::bigint AS open_count,
            count(*) FILTER (WHERE due_date < $1::date)::bigint AS overdue_count
       FROM open_inst`,
    [date, currency, entityId],
  );
  return row ?? { ar: 0n, current_ar: 0n, open_count: 0n, overdue_count: 0n };
}

interface FlowRow {
  k: number;
  credit_sales: bigint;
  collections: bigint;
}

/** Credit sales and collections of every period (after[k], to[k]] in one query. */
async function flows(tx: Queryable, after: string[], to: string[], currency: string, entityId: string | null): Promise<FlowRow[]> {
  return tx.query<FlowRow>(
    `WITH p AS (SELECT (t.k - 1)::int AS k, t.a, t.e FROM unnest($1::date[], $2::date[]) WITH ORDINALITY AS t(a, e, k)),
     docs AS MATERIALIZED (
       SELECT i.issue_date, CASE WHEN i.kind = 'invoice' THEN i.total_minor ELSE -i.total_minor END AS signed_minor
         FROM invoices i
        WHERE i.side = 'AR' AND i.currency = $3 AND ($4::uuid IS NULL OR i.entity_id = $4::uuid)
          AND i.issue_date > $5::date AND i.issue_date <= $6::date
     ),
     coll AS MATERIALIZED (
       SELECT a.effective_date, a.amount_minor
         FROM allocations a
         JOIN installments n ON n.id = a.target_installment_id
         JOIN invoices i ON i.id = n.invoice_id
        WHERE a.source_kind = 'receipt' AND i.side = 'AR' AND i.kind = 'invoice' AND i.currency = $3
          AND ($4::uuid IS NULL OR i.entity_id = $4::uuid)
          AND a.effective_date > $5::date AND a.effective_date <= $6::date
     )
     SELECT p.k,
            (SELECT coalesce(sum(d.signed_minor), 0) FROM docs d WHERE d.issue_date > p.a AND d.issue_date <= p.e)::bigint AS credit_sales,
            (SELECT coalesce(sum(c.amount_minor), 0) FROM coll c WHERE c.effective_date > p.a AND c.effective_date <= p.e)::bigint AS collections
       FROM p ORDER BY p.k`,
    [after, to, currency, entityId, after[after.length - 1], to[0]],
  );
}

async function resolveEntityId(tx: Queryable, code: string | undefined): Promise<string | null> {
  if (!code) return null;
  const [row] = await tx.query<{ id: string }>('SELECT id FROM entities WHERE code = $1', [code]);
  if (!row) throw badRequest('unknown_entity', `no entity "${code}" in your scope`, 'entity');
  return row.id;
}

/** The ledger figures of the `months` periods ending at asOf, latest first. */
export async function loadKpiPeriods(tx: Queryable, p: KpiParams): Promise<KpiPeriod[]> {
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
    };
  });
}

export interface KpiDocument {
  asOf: string;
  currency: string;
  entity: string | null;
  period: { from: string; to: string; days: number };
  current: KpiValues & { openingAr: string; closingAr: string; closingCurrentAr: string; overdue: string; creditSales: string; collections: string };
  trend: { month: string; from: string; to: string; dso: string | null; cei: string | null; closingAr: string; overdue: string; creditSales: string; collections: string }[];
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

/** The KPIs of the month ending at asOf and the trend of the last `months` months (oldest first). */
export async function kpisAsOf(tx: Queryable, params: KpiParams): Promise<KpiDocument> {
  const p = resolveKpiParams(params);
  const periods = await loadKpiPeriods(tx, p);
  const cur = periods[0]!;
  const history = periods.map((x) => ({ creditSales: x.creditSales, days: x.days }));
  const fmt = (v: bigint) => formatAmount(v, p.currency);
  return {
    asOf: p.asOf,
    currency: p.currency,
    entity: p.entity ?? null,
    period: { from: cur.from, to: cur.to, days: cur.days },
    current: {
      ...computeKpis(cur, history),
      openingAr: fmt(cur.openingAr),
      closingAr: fmt(cur.closingAr),
      closingCurrentAr: fmt(cur.closingCurrentAr),
      overdue: fmt(cur.closingAr - cur.closingCurrentAr),
      creditSales: fmt(cur.creditSales),
      collections: fmt(cur.collections),
    },
    trend: periods
      .map((x, k) => {
        const v = computeKpis(x, history.slice(k));
        return {
          month: x.month,
          from: x.from,
          to: x.to,
          dso: v.dso,
          cei: v.cei,
          closingAr: fmt(x.closingAr),
          overdue: fmt(x.closingAr - x.closingCurrentAr),
          creditSales: fmt(x.creditSales),
          collections: fmt(x.collections),
        };
      })
      .reverse(),
  };
}
