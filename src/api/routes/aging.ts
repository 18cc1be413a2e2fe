/** Analytics routes: the point-in-time aging report (账龄分析), its drill-down and its files. */
import { PassThrough } from 'node:stream';
import { z } from 'zod';
import { agingPdf } from '../../reports/aging-pdf';
import type { Database } from '../../db/database';
import { AGING_BASES } from '../../domain/aging';
import { todayIso } from '../../domain/dates';
import { type AgingParams, agingAsOf, agingCell, splitDims } from '../../services/analytics/aging';
import { agingCellJson, agingCsv, agingJson, agingSheet, writeAgingXlsx } from '../../services/analytics/aging-output';
import { read, type ZApp } from '../http';

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD');

const reportQuery = {
  asOf: isoDate.optional().describe('as of this date (default today, Asia/Shanghai)'),
  side: z.enum(['AR', 'AP']).default('AR').describe('AR receivables (customers) or AP payables (suppliers)'),
  basis: z.enum(AGING_BASES).default('due').describe('due: days past the due date (逾期账龄); invoice: days since issue (开票账龄)'),
  buckets: z.string().max(200).default('chinese').describe('chinese, short, or upper bounds in days such as 30,60,90,180,365'),
  by: z.string().max(100).optional().describe('up to two of customer, parent, entity, region, province, salesperson, industry, contract, currency'),
  currency: z.string().min(3).max(4).default('all').describe('all (per document currency), base (converted to the entity base currency at the as-of rate) or one currency code'),
};

function paramsOf(q: { asOf?: string | undefined; side: 'AR' | 'AP'; basis: 'due' | 'invoice'; buckets: string; by?: string | undefined; currency: string }): AgingParams {
  return { asOf: q.asOf ?? todayIso(), side: q.side, basis: q.basis, buckets: q.buckets, by: splitDims(q.by), currency: q.currency };
}

export function registerAgingRoutes(app: ZApp, db: Database): void {
  app.get(
    '/api/aging',
    {
      schema: {
        tags: ['analytics'],
        summary: 'Aging report (账龄分析) as of a date: open installments by bucket, grouped by up to two dimensions',
        description:
          'Rows per currency and group with the open amount per bucket, unapplied credit notes (negative) and the total; ' +
          'totals per currency equal the signed open balances of the invoice export as of the same date. format=csv|xlsx|pdf downloads a file.',
        querystring: z.object({
          ...reportQuery,
          format: z.enum(['json', 'csv', 'xlsx', 'pdf']).default('json'),
          lang: z.enum(['zh-CN', 'en-US']).default('zh-CN').describe('column headings of csv/xlsx/pdf'),
        }),
      },
    },
    async (req, reply) => {
      const result = await read(db, req, (tx) => agingAsOf(tx, paramsOf(req.query)));
      if (req.query.format === 'json') return agingJson(result);
      const sheet = agingSheet(result, req.query.lang);
      const name = `shoufu-aging-${result.params.side}-${result.params.asOf}`;
      if (req.query.format === 'csv') {
        reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}.csv"`);
        return agingCsv(sheet);
      }
      if (req.query.format === 'pdf') {
        const pdf = await agingPdf(result, req.query.lang, req.actor?.username);
        reply.header('content-type', 'application/pdf').header('content-disposition', `attachment; filename="${name}.pdf"`);
        return pdf;
      }
      const stream = new PassThrough();
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      await writeAgingXlsx(sheet, stream);
      reply
        .header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
        .header('content-disposition', `attachment; filename="${name}.xlsx"`);
      return Buffer.concat(chunks);
    },
  );

  app.get(
    '/api/aging/cell',
    {
      schema: {
        tags: ['analytics'],
        summary: 'Drill-down: the installments behind one cell of the aging report',
        description: 'Same parameters as /api/aging, plus the row (rowCurrency and one key per dimension, repeated in order) and the column (a bucket key, credits or total).',
        querystring: z.object({
          ...reportQuery,
          rowCurrency: z.string().length(3).describe('the currency of the report row'),
          key: z.union([z.string().max(200), z.array(z.string().max(200)).max(2)]).optional().describe('one per dimension of by, in order'),
          column: z.string().min(1).max(40).describe('a bucket key, credits or total'),
          limit: z.coerce.number().int().min(1).max(5000).default(500),
        }),
      },
    },
    async (req) => {
      const q = req.query;
      const keys = q.key === undefined ? [] : Array.isArray(q.key) ? q.key : [q.key];
      const result = await read(db, req, (tx) => agingCell(tx, paramsOf(q), { rowCurrency: q.rowCurrency, keys, column: q.column, limit: q.limit }));
      return agingCellJson(result);
    },
  );
}
