/**
 * The managers' home dashboard (首页看板) in one call: totals, the aging buckets, every KPI with the
 * previous month for month-over-month change and a 12–24 month trend, the customers most overdue
 * and the overdue ratio per region and province (risk heat-grid). Runs under the caller's
 * row-level-security scope (tx runs as the actor), per document currency, over every entity in
 * scope or one entity.
 *
 * Queries: the KPI periods (src/services/analytics/kpi.ts: two per month boundary and one for the
 * flows), one for the customers' open AR per aging bucket at the as-of date, one customer count.
 */
import type { Queryable } from '../../db/database';
import { CHINESE_BUCKETS } from '../../domain/aging';
import { creditUtilisation, PERCENT_DECIMALS, ratio } from '../../domain/kpi';
import { formatAmount } from '../../domain/money';
import { openBalancesCte } from './open-balances';
import { creditLimits, type KpiDocument, type KpiParams, kpiDocument, loadKpiPeriods, resolveEntityId, resolveKpiParams } from './kpi';

export const MAX_DASHBOARD_MONTHS = 24;
export const TOP_OVERDUE = 10;

export type DashboardParams = KpiParams;

export interface DashboardCustomer {
  id: string;
  code: string;
  name: string;
  region: string;
  province: string | null;
  open: string;
  overdue: string;
  overdueRatio: string | null;
  /** Open AR ÷ credit limit (%) when the customer has a limit in this currency. */
  creditLimit: string | null;
  creditUtilisation: string | null;
  /** Days past due of its oldest overdue bucket's lower bound (the bucket key). */
  oldestBucket: string;
}

export interface DashboardArea {
  open: string;
  overdue: string;
  /** overdue ÷ open × 100, 2 decimals; null when nothing is open. */
  overdueRatio: string | null;
  customers: number;
  overdueCustomers: number;
}

export interface DashboardRegion extends DashboardArea {
  region: string;
  provinces: (DashboardArea & { province: string })[];
}

export interface DashboardDocument {
  asOf: string;
  currency: string;
  entity: string | null;
  totals: {
    receivable: string;
    overdue: string;
    unapplied: string;
    customerCount: number;
    overdueCustomerCount: number;
  };
  aging: { key: string; labelZh: string; labelEn: string; amount: string }[];
  kpis: KpiDocument;
  topOverdue: DashboardCustomer[];
  regions: DashboardRegion[];
}

interface AgedRow {
  party_id: string;
  bucket: number;
  open_minor: bigint;
  code: string;
  name: string;
  region: string;
  province: string | null;
  credit_limit_minor: bigint | null;
  credit_currency: string;
}

/** Lower bounds (days past due) of the overdue buckets: width_bucket(age, …) is the bucket index. */
const BUCKET_FROM = CHINESE_BUCKETS.slice(1).map((b) => b.fromDays!);

interface Acc {
  open: bigint;
  overdue: bigint;
  customers: number;
  overdueCustomers: number;
}
const blankAcc = (): Acc => ({ open: 0n, overdue: 0n, customers: 0, overdueCustomers: 0 });
const pct = (num: bigint, den: bigint) => (den > 0n ? ratio(num * 100n, den, PERCENT_DECIMALS) : null);

export async function dashboardAsOf(tx: Queryable, params: DashboardParams): Promise<DashboardDocument> {
  const p = resolveKpiParams(params);
  const entityId = await resolveEntityId(tx, p.entity);
  const periods = await loadKpiPeriods(tx, p);
  // Parties are read on their own and joined here: the planner cannot estimate the
  // row-level-security filter on parties (it guesses one row) and, joined in SQL, re-scanned the
  // aggregate once per party.
  const aged = await tx.query<{ party_id: string; bucket: number; open_minor: bigint }>(
    `WITH ${openBalancesCte('$1')},
     open_inst AS MATERIALIZED (
       SELECT b.party_id, b.due_date, (b.amount_minor - b.allocated_minor)::bigint AS open_minor
         FROM inst_bal b
        WHERE b.side = 'AR' AND b.kind = 'invoice' AND b.currency = $2 AND b.amount_minor <> b.allocated_minor
          AND ($3::uuid IS NULL OR b.entity_id = $3::uuid)
     )
     SELECT party_id, width_bucket(GREATEST($1::date - due_date, 0), $4::int[]) AS bucket, sum(open_minor)::bigint AS open_minor
       FROM open_inst GROUP BY 1, 2`,
    [p.asOf, p.currency, entityId, BUCKET_FROM],
  );
  const parties = new Map(
    (
      await tx.query<Omit<AgedRow, 'party_id' | 'bucket' | 'open_minor'> & { id: string }>(
        'SELECT id, code, name, region, province, credit_limit_minor, credit_currency FROM parties WHERE id = ANY($1::uuid[])',
        [[...new Set(aged.map((r) => r.party_id))]],
      )
    ).map((r) => [r.id, r]),
  );
  const rows: AgedRow[] = aged.flatMap((a) => {
    const party = parties.get(a.party_id);
    return party ? [{ ...party, ...a }] : [];
  });
  const [count] = await tx.query<{ n: bigint }>('SELECT count(*)::bigint AS n FROM parties WHERE is_customer');

  const fmt = (v: bigint) => formatAmount(v, p.currency);
  const buckets = CHINESE_BUCKETS.map(() => 0n);
  const customers = new Map<string, { row: AgedRow; open: bigint; overdue: bigint; oldest: number }>();
  for (const r of rows) {
    const b = Number(r.bucket);
    buckets[b] = buckets[b]! + r.open_minor;
    let c = customers.get(r.party_id);
    if (!c) {
      c = { row: r, open: 0n, overdue: 0n, oldest: 0 };
      customers.set(r.party_id, c);
    }
    c.open += r.open_minor;
    if (b > 0) {
      c.overdue += r.open_minor;
      if (r.open_minor !== 0n) c.oldest = Math.max(c.oldest, b);
    }
  }
  let receivable = 0n;
  let overdue = 0n;
  buckets.forEach((v, i) => {
    receivable += v;
    if (i > 0) overdue += v;
  });

  const all = [...customers.values()];
  const topOverdue = all
    .filter((c) => c.overdue > 0n)
    .sort((a, b) => (a.overdue < b.overdue ? 1 : a.overdue > b.overdue ? -1 : a.row.code < b.row.code ? -1 : 1))
    .slice(0, TOP_OVERDUE)
    .map((c): DashboardCustomer => {
      const limit = c.row.credit_currency.trim() === p.currency ? c.row.credit_limit_minor : null;
      return {
        id: c.row.party_id,
        code: c.row.code,
        name: c.row.name,
        region: c.row.region,
        province: c.row.province,
        open: fmt(c.open),
        overdue: fmt(c.overdue),
        overdueRatio: pct(c.overdue, c.open),
        creditLimit: limit === null ? null : fmt(limit),
        creditUtilisation: creditUtilisation(c.open, limit),
        oldestBucket: CHINESE_BUCKETS[c.oldest]!.key,
      };
    });

  // Heat-grid: regions, and the provinces within each ('' = not filled in).
  const regions = new Map<string, { acc: Acc; provinces: Map<string, Acc> }>();
  for (const c of all) {
    let r = regions.get(c.row.region);
    if (!r) {
      r = { acc: blankAcc(), provinces: new Map() };
      regions.set(c.row.region, r);
    }
    const key = c.row.province ?? '';
    let pv = r.provinces.get(key);
    if (!pv) {
      pv = blankAcc();
      r.provinces.set(key, pv);
    }
    for (const acc of [r.acc, pv]) {
      acc.open += c.open;
      acc.overdue += c.overdue;
      acc.customers++;
      if (c.overdue > 0n) acc.overdueCustomers++;
    }
  }
  const area = (a: Acc): DashboardArea => ({
    open: fmt(a.open),
    overdue: fmt(a.overdue),
    overdueRatio: pct(a.overdue, a.open),
    customers: a.customers,
    overdueCustomers: a.overdueCustomers,
  });
  const byOpen = (a: Acc, b: Acc) => (a.open < b.open ? 1 : a.open > b.open ? -1 : 0);

  const kpis = kpiDocument(p, periods, await creditLimits(tx, p.currency));
  return {
    asOf: p.asOf,
    currency: p.currency,
    entity: p.entity ?? null,
    totals: {
      receivable: fmt(receivable),
      overdue: fmt(overdue),
      unapplied: kpis.current.unapplied,
      customerCount: Number(count?.n ?? 0n),
      overdueCustomerCount: all.filter((c) => c.overdue > 0n).length,
    },
    aging: CHINESE_BUCKETS.map((b, i) => ({ key: b.key, labelZh: b.labelZh, labelEn: b.labelEn, amount: fmt(buckets[i]!) })),
    kpis,
    topOverdue,
    regions: [...regions]
      .sort((a, b) => byOpen(a[1].acc, b[1].acc) || (a[0] < b[0] ? -1 : 1))
      .map(([region, r]) => ({
        region,
        ...area(r.acc),
        provinces: [...r.provinces]
          .sort((a, b) => byOpen(a[1], b[1]) || (a[0] < b[0] ? -1 : 1))
          .map(([province, acc]) => ({ province, ...area(acc) })),
      })),
  };
}
