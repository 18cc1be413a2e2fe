/**
 * Bad-debt provision runs and write-offs (坏账准备 / 坏账核销), docs/credit.md "Provisions and write-offs".
 */
import { z } from 'zod';
import type { Database } from '../../db/database';
import {
  createProvisionRun,
  DEBTOR_STATUSES,
  getProvisionRun,
  listProvisionRuns,
  requestWriteOff,
  submitProvisionRun,
  voucherPdf,
  voucherRows,
  voucherXlsx,
} from '../../services/credit/provisions';
import { read, type ZApp, write } from '../http';

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD');
const decimal = z.string().regex(/^\d+(\.\d+)?$/, 'expected a decimal string such as "1234.50"');
const bp = z.number().int().min(0).max(10_000);

export function registerProvisionRoutes(app: ZApp, db: Database): void {
  app.post(
    '/api/provisions/runs',
    {
      schema: {
        tags: ['credit'],
        summary: 'Provision run (坏账准备, aging-rate method) as of a period end: required provision per currency, the balance before, the charge or release and its voucher; stored as a draft unless dryRun; submit=true sends it for approval',
        body: z.object({
          entity: z.string().max(32).optional().describe('legal entity code (default the first entity)'),
          periodEnd: isoDate,
          bands: z
            .array(z.object({ upToYears: z.number().int().positive().nullable(), rateBp: bp, zh: z.string().max(40), en: z.string().max(40) }))
            .min(1)
            .max(20)
            .optional()
            .describe('age bands in whole years since the invoice date, rates in basis points; default 1年以内 5%, 1–2年 10%, 2–3年 30%, 3–4年 50%, 4–5年 80%, 5年以上 100%'),
          overrides: z
            .array(
              z.object({
                partyId: z.uuid().optional(),
                partyCode: z.string().min(1).max(64).optional(),
                rateBp: bp.optional(),
                amount: decimal.optional(),
                currency: z.string().length(3).optional(),
                reason: z.string().min(1).max(500),
              }),
            )
            .max(500)
            .optional()
            .describe('individual assessment (单项计提): a rate for the customer, or an amount in one currency'),
          dryRun: z.boolean().default(false),
          submit: z.boolean().default(false).describe('send the stored run for approval (provision_run chain)'),
          reason: z.string().max(500).optional(),
        }),
      },
    },
    (req, reply) =>
      write(db, req, reply, req.body.dryRun ? 200 : 201, async (tx, actor) => {
        const { submit, reason, ...input } = req.body;
        const run = await createProvisionRun(tx, actor, input);
        if (!submit || run.dryRun || !run.id) return run;
        return (await submitProvisionRun(tx, actor, run.id, reason)).run;
      }),
  );

  app.get(
    '/api/provisions/runs',
    { schema: { tags: ['credit'], summary: 'Provision runs, latest period first', querystring: z.object({ entity: z.string().max(32).optional() }) } },
    (req) => read(db, req, (tx) => listProvisionRuns(tx, req.query)),
  );

  app.get(
    '/api/provisions/runs/:id',
    { schema: { tags: ['credit'], summary: 'A provision run with its bands, individual assessments and voucher per currency', params: z.object({ id: z.uuid() }) } },
    (req) => read(db, req, (tx) => getProvisionRun(tx, req.params.id)),
  );

  app.post(
    '/api/provisions/runs/:id/submit',
    { schema: { tags: ['credit'], summary: 'Send a draft run for approval', params: z.object({ id: z.uuid() }), body: z.object({ reason: z.string().max(500).optional() }).optional() } },
    (req, reply) => write(db, req, reply, 200, async (tx, actor) => (await submitProvisionRun(tx, actor, req.params.id, req.body?.reason)).run),
  );

  app.get(
    '/api/provisions/runs/:id/voucher',
    {
      schema: {
        tags: ['credit'],
        summary: 'The run’s journal voucher (借 信用减值损失 / 贷 坏账准备, or the reverse for a release): json, xlsx or pdf',
        params: z.object({ id: z.uuid() }),
        querystring: z.object({ format: z.enum(['json', 'xlsx', 'pdf']).default('json') }),
      },
    },
    async (req, reply) => {
      const run = await read(db, req, (tx) => getProvisionRun(tx, req.params.id));
      if (req.query.format === 'json') return { runId: run.id, status: run.status, periodEnd: run.periodEnd, lines: voucherRows(run) };
      const name = `shoufu-provision-${run.entity.code}-${run.periodEnd}`;
      if (req.query.format === 'pdf') {
        const pdf = await voucherPdf(run);
        reply.header('content-type', 'application/pdf').header('content-disposition', `attachment; filename="${name}.pdf"`);
        return pdf;
      }
      const xlsx = await voucherXlsx(run);
      reply.header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').header('content-disposition', `attachment; filename="${name}.xlsx"`);
      return xlsx;
    },
  );

  app.post(
    '/api/write-offs',
    {
      schema: {
        tags: ['credit'],
        summary: 'Request the write-off (坏账核销) of an AR installment → an approval request (write_off chain); on approval a write_off adjustment is booked. Flags items that may qualify for tax deduction (25号公告)',
        body: z.object({
          installmentId: z.uuid(),
          amount: decimal.optional().describe('default: the whole open amount'),
          reason: z.string().min(1).max(500),
          debtorStatus: z.enum(DEBTOR_STATUSES).optional(),
          effectiveDate: isoDate.optional(),
        }),
      },
    },
    (req, reply) =>
      write(db, req, reply, 201, (tx, actor) => requestWriteOff(tx, actor, req.body)),
  );
}
