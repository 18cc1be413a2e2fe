/**
 * Customer statements (对账单) and confirmation (询证): staff download or send a statement; the
 * customer answers through the link without an account (/api/public/…, by the link's token).
 */
import { z } from 'zod';
import type { Database } from '../../db/database';
import { todayIso } from '../../domain/dates';
import { buildStatement, listConfirmations, respondToStatement, sendStatement, statementByToken, statementPdf, statementXlsx } from '../../reports/customer-statement';
import { read, requireActor, type ZApp } from '../http';

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD');
const idParams = z.object({ id: z.uuid() });
const tags = ['statements'];

export function registerCustomerStatementRoutes(app: ZApp, db: Database): void {
  app.get(
    '/api/customers/:id/statement',
    {
      schema: {
        tags,
        summary: 'Statement of account (对账单): opening balance, documents and closing balance per currency for a period',
        params: idParams,
        querystring: z.object({ from: isoDate, to: isoDate.optional(), format: z.enum(['json', 'pdf', 'xlsx']).default('json'), lang: z.enum(['zh-CN', 'en-US']).default('zh-CN') }),
      },
    },
    async (req, reply) => {
      const q = req.query;
      const s = await read(db, req, (tx) => buildStatement(tx, req.params.id, q.from, q.to ?? todayIso()));
      if (q.format === 'json') return s;
      const name = `statement-${s.party.code}-${s.to}.${q.format}`;
      reply.header('content-disposition', `attachment; filename="${name}"`);
      if (q.format === 'pdf') return reply.header('content-type', 'application/pdf').send(await statementPdf(s, q.lang));
      return reply.header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').send(await statementXlsx(s, q.lang));
    },
  );
  app.post(
    '/api/customers/:id/statement/send',
    {
      schema: {
        tags,
        summary: 'E-mail the statement (PDF + XLSX) with a link where the customer confirms the balance or disputes items',
        params: idParams,
        body: z.object({ from: isoDate, to: isoDate.optional(), recipients: z.array(z.string().max(254)).min(1).max(10), lang: z.enum(['zh-CN', 'en-US']).optional() }),
      },
    },
    async (req, reply) => {
      const b = req.body;
      const baseUrl = process.env.SHOUFU_PUBLIC_URL || `${req.protocol}://${req.headers.host ?? 'localhost'}`;
      const sent = await sendStatement(db, requireActor(req), { partyId: req.params.id, from: b.from, to: b.to ?? todayIso(), recipients: b.recipients, baseUrl, ...(b.lang ? { locale: b.lang } : {}) });
      reply.code(201);
      return sent;
    },
  );
  app.get(
    '/api/customers/:id/statement/confirmations',
    { schema: { tags, summary: 'Statements sent to the customer and their answers', params: idParams } },
    (req) => read(db, req, (tx) => listConfirmations(tx, req.params.id)),
  );
  // Public: the customer's side of the link. The token is the only key; nothing else is exposed.
  app.get(
    '/api/public/statements/:token',
    { schema: { tags, summary: 'The statement behind a confirmation link (no login)', params: z.object({ token: z.string().min(20).max(100) }) } },
    (req) => statementByToken(db, req.params.token),
  );
  app.post(
    '/api/public/statements/:token/respond',
    {
      schema: {
        tags,
        summary: 'The customer confirms the balance or disputes items (once)',
        params: z.object({ token: z.string().min(20).max(100) }),
        body: z.object({ response: z.enum(['confirmed', 'disputed']), comment: z.string().max(2000).nullish(), disputedItems: z.array(z.string().max(64)).max(200).optional() }),
      },
    },
    (req) => respondToStatement(db, req.params.token, { response: req.body.response, comment: req.body.comment ?? null, ...(req.body.disputedItems ? { disputedItems: req.body.disputedItems } : {}) }),
  );
}
