/** The managers' home dashboard (首页看板) in one request: totals, aging, KPIs with trend, top overdue customers, regions. */
import { z } from 'zod';
import type { Database } from '../../db/database';
import { todayIso } from '../../domain/dates';
import { dashboardAsOf, MAX_DASHBOARD_MONTHS } from '../../services/analytics/dashboard';
import { read, type ZApp } from '../http';

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD');
const amount = z.string().describe('decimal string in the currency');
const num = z.string().nullable();

const kpiValues = {
  dso: num,
  dsoCountback: num,
  bestPossibleDso: num,
  add: num,
  cei: num,
  overdueRatioAmount: num,
  overdueRatioCount: num,
  turnover: num,
  turnoverDays: num,
  collectionRate: num,
  top10Share: num,
  hhi: num,
  creditUtilisation: num,
  customersWithLimit: z.number().int(),
  customersOverLimit: z.number().int(),
  unapplied: amount,
  unappliedCount: z.number().int(),
  unappliedRatio: num,
  writtenOff: amount,
  badDebtRate: num,
  closingAp: amount,
  payablesOverdue: amount,
  payablesDue7: amount,
  payablesDue30: amount,
  purchases: amount,
  dpo: num,
  openingAr: amount,
  closingAr: amount,
  closingCurrentAr: amount,
  overdue: amount,
  creditSales: amount,
  collections: amount,
};
const period = z.object({ from: isoDate, to: isoDate, days: z.number().int() });
const area = {
  open: amount,
  overdue: amount,
  overdueRatio: num,
  customers: z.number().int(),
  overdueCustomers: z.number().int(),
};

export const dashboardResponse = z.object({
  asOf: isoDate,
  currency: z.string(),
  entity: z.string().nullable(),
  totals: z.object({
    receivable: amount,
    overdue: amount,
    unapplied: amount,
    customerCount: z.number().int(),
    overdueCustomerCount: z.number().int(),
  }),
  aging: z.array(z.object({ key: z.string(), labelZh: z.string(), labelEn: z.string(), amount })),
  kpis: z.object({
    asOf: isoDate,
    currency: z.string(),
    entity: z.string().nullable(),
    period,
    current: z.object(kpiValues),
    previous: z.object({ ...kpiValues, period }).nullable(),
    trend: z.array(
      z.object({
        month: z.string(),
        from: isoDate,
        to: isoDate,
        dso: num,
        cei: num,
        closingAr: amount,
        overdue: amount,
        creditSales: amount,
        collections: amount,
        overdueRatioAmount: num,
        top10Share: num,
        hhi: num,
        creditUtilisation: num,
        unapplied: amount,
        badDebtRate: num,
        closingAp: amount,
        dpo: num,
      }),
    ),
  }),
  topOverdue: z.array(
    z.object({
      id: z.string(),
      code: z.string(),
      name: z.string(),
      region: z.string(),
      province: z.string().nullable(),
      open: amount,
      overdue: amount,
      overdueRatio: num,
      creditLimit: amount.nullable(),
      creditUtilisation: num,
      oldestBucket: z.string(),
    }),
  ),
  regions: z.array(z.object({ region: z.string(), ...area, provinces: z.array(z.object({ province: z.string(), ...area })) })),
});

export function registerDashboardRoutes(app: ZApp, db: Database): void {
  app.get(
    '/api/dashboard',
    {
      schema: {
        tags: ['dashboard'],
        summary: 'Home dashboard: totals, aging buckets, KPIs with the previous month and a monthly trend, top overdue customers, overdue ratio by region and province',
        description:
          'One request for the managers’ home page, under the caller’s data scope, in one document currency, over every entity in scope or one entity. ' +
          'Amounts are decimal strings; days have 1 decimal, percentages 2, HHI 1 (points 0…10000); a ratio without a base is null. Formulas: docs/analytics.md#kpis.',
        querystring: z.object({
          asOf: isoDate.optional().describe('as of this date (default today, Asia/Shanghai)'),
          months: z.coerce.number().int().min(1).max(MAX_DASHBOARD_MONTHS).default(12).describe('months of trend'),
          currency: z.string().length(3).default('CNY').describe('document currency'),
          entity: z.string().min(1).max(32).optional().describe('an entity code (default: every entity in scope)'),
        }),
        response: { 200: dashboardResponse },
      },
    },
    async (req) => {
      const q = req.query;
      return read(db, req, (tx) => dashboardAsOf(tx, { asOf: q.asOf ?? todayIso(), months: q.months, currency: q.currency, entity: q.entity }));
    },
  );
}
