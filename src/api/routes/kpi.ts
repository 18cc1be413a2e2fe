/** Analytics routes: receivables KPIs (应收指标) of the month ending at a date, with a monthly trend. */
import { z } from 'zod';
import type { Database } from '../../db/database';
import { todayIso } from '../../domain/dates';
import { kpisAsOf, MAX_KPI_MONTHS } from '../../services/analytics/kpi';
import { read, type ZApp } from '../http';

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD');

export function registerKpiRoutes(app: ZApp, db: Database): void {
  app.get(
    '/api/kpis',
    {
      schema: {
        tags: ['analytics'],
        summary:
          'Receivables and payables KPIs (DSO family, ADD, CEI, overdue ratios, turnover, collection rate, top-10 concentration, HHI, credit utilisation, unapplied cash, bad-debt rate, DPO, payables due) with the previous month and a monthly trend',
        description:
          'The current period runs from the first of the as-of month to asOf; the trend lists the last `months` months, oldest first. ' +
          'Amounts are decimal strings; days have 1 decimal, percentages and turnover 2; a ratio without a base is null. Formulas: docs/analytics.md#kpis.',
        querystring: z.object({
          asOf: isoDate.optional().describe('the closing date of the current period (default today, Asia/Shanghai)'),
          months: z.coerce.number().int().min(1).max(MAX_KPI_MONTHS).default(12).describe('months of trend'),
          currency: z.string().length(3).default('CNY').describe('document currency'),
          entity: z.string().min(1).max(32).optional().describe('an entity code (default: every entity in scope)'),
        }),
      },
    },
    async (req) => {
      const q = req.query;
      return read(db, req, (tx) => kpisAsOf(tx, { asOf: q.asOf ?? todayIso(), months: q.months, currency: q.currency, entity: q.entity }));
    },
  );
}
