/** Ledger routes: parties, contracts, invoices, receipts, allocations, dashboard, audit. */
import { z } from 'zod';
import type { Database } from '../../db/database';
import { todayIso } from '../../domain/dates';
import { canReadAudit } from '../../services/actor';
import { forbidden } from '../../services/errors';
import { addContractVersion, createContract, getContract, listContracts } from '../../services/ledger/contracts';
import { addAdjustment, allocateReceipt, reverseAllocation } from '../../services/ledger/allocations';
import { createCreditNote, createInvoice } from '../../services/ledger/invoices';
import { openDispute, resolveDispute } from '../../services/ledger/disputes';
import { createParty } from '../../services/ledger/parties';
import {
  allocationCandidates,
  dashboardSummary,
  invoiceDetail,
  listInvoices,
  listParties,
  listReceipts,
  partyDetail,
  partyLedger,
  receiptDetail,
} from '../../services/ledger/queries';
import { createReceipt } from '../../services/ledger/receipts';
import { read, type ZApp, write } from '../http';

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD');
const decimal = z.string().regex(/^-?\d+(\.\d+)?$/, 'expected a decimal string such as "1234.50"');
const uuid = z.uuid();
const idParams = z.object({ id: uuid });
const pageQuery = {
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(500).default(50),
  sort: z.string().max(40).optional(),
  order: z.enum(['asc', 'desc']).optional(),
  asOf: isoDate.optional(),
};
const side = z.enum(['AR', 'AP']);

const partyBody = z.object({
  code: z.string().min(1).max(64),
  name: z.string().min(1).max(200),
  nameEn: z.string().max(200).nullish(),
  shortName: z.string().max(100).nullish(),
  isCustomer: z.boolean().optional(),
  isSupplier: z.boolean().optional(),
  uscc: z.string().nullish(),
  region: z.string().min(1).max(40).optional(),
  province: z.string().max(40).nullish(),
  industry: z.string().max(60).nullish(),
  ownerUsername: z.string().nullish(),
  paymentTermsDays: z.number().int().min(0).max(3650).optional(),
  creditLimit: decimal.nullish(),
  creditCurrency: z.string().length(3).optional(),
  parentCode: z.string().nullish(),
  externalIds: z.record(z.string(), z.string()).optional(),
  contactEmail: z.email().nullish(),
  bankAccounts: z.array(z.object({ bankName: z.string().min(1), accountNo: z.string().min(1), accountName: z.string().min(1) })).optional(),
});

const lineBody = z.object({
  description: z.string().min(1).max(500),
  quantity: decimal.optional(),
  unitPrice: decimal,
  taxRate: decimal.optional(),
  amount: decimal.optional(),
  tax: decimal.optional(),
});

const invoiceBody = z.object({
  entity: z.string().optional(),
  side: side.optional(),
  number: z.string().min(1).max(64).optional(),
  partyId: uuid.optional(),
  partyCode: z.string().optional(),
  contractId: uuid.optional(),
  orderRef: z.string().max(64).nullish(),
  einvoiceNumber: z.string().max(64).nullish(),
  currency: z.string().length(3),
  issueDate: isoDate,
  description: z.string().max(1000).nullish(),
  lines: z.array(lineBody).min(1).max(1000),
  installments: z.array(z.object({ dueDate: isoDate, amount: decimal })).max(120).optional(),
});

const receiptBody = z.object({
  entity: z.string().optional(),
  side: side.optional(),
  number: z.string().min(1).max(64).optional(),
  partyId: uuid.optional(),
  partyCode: z.string().optional(),
  receiptDate: isoDate,
  currency: z.string().length(3),
  amount: decimal,
  method: z.enum(['bank_transfer', 'cash', 'draft', 'card', 'other']).optional(),
  bankAccount: z.string().max(64).nullish(),
  counterpartyName: z.string().max(200).nullish(),
  counterpartyAccount: z.string().max(64).nullish(),
  remittance: z.string().max(1000).nullish(),
  bankReference: z.string().max(100).nullish(),
});

export function registerLedgerRoutes(app: ZApp, db: Database): void {
  const asOfOf = (q: { asOf?: string | undefined }) => q.asOf ?? todayIso();

  app.get(
    '/api/dashboard/summary',
    { schema: { tags: ['dashboard'], summary: 'Receivables, overdue, unapplied and aging as of a date', querystring: z.object({ asOf: isoDate.optional() }) } },
    (req) => read(db, req, (tx) => dashboardSummary(tx, asOfOf(req.query))),
  );

  // ---- parties ----------------------------------------------------------------------------
  for (const [path, s, label] of [
    ['customers', 'AR', 'customers'],
    ['suppliers', 'AP', 'suppliers'],
  ] as const) {
    app.get(
      `/api/${path}`,
      {
        schema: {
          tags: ['parties'],
          summary: `List ${label} with open and overdue balances`,
          querystring: z.object({ ...pageQuery, q: z.string().max(100).optional(), region: z.string().max(40).optional() }),
        },
      },
      (req) => read(db, req, (tx) => listParties(tx, { side: s, asOf: asOfOf(req.query), q: req.query.q, region: req.query.region }, req.query)),
    );
    app.get(
      `/api/${path}/:id`,
      { schema: { tags: ['parties'], summary: `One of the ${label} with balances`, params: idParams, querystring: z.object({ asOf: isoDate.optional() }) } },
      (req) => read(db, req, (tx) => partyDetail(tx, req.params.id, s, asOfOf(req.query))),
    );
    app.get(
      `/api/${path}/:id/ledger`,
      { schema: { tags: ['parties'], summary: 'Account history (往来明细) with running balance', params: idParams, querystring: z.object({ asOf: isoDate.optional() }) } },
      (req) => read(db, req, (tx) => partyLedger(tx, req.params.id, s, asOfOf(req.query))),
    );
  }
  app.post('/api/parties', { schema: { tags: ['parties'], summary: 'Create a customer and/or supplier', body: partyBody } }, (req, reply) =>
    write(db, req, reply, 201, (tx, actor) => createParty(tx, actor, req.body)),
  );

  // ---- contracts --------------------------------------------------------------------------
  app.get(
    '/api/contracts',
    { schema: { tags: ['contracts'], summary: 'List contracts', querystring: z.object({ ...pageQuery, side: side.default('AR'), partyId: uuid.optional(), q: z.string().max(100).optional() }) } },
    (req) => read(db, req, (tx) => listContracts(tx, { side: req.query.side, partyId: req.query.partyId, q: req.query.q }, req.query)),
  );
  app.get('/api/contracts/:id', { schema: { tags: ['contracts'], summary: 'A contract with all its versions', params: idParams } }, (req) =>
    read(db, req, (tx) => getContract(tx, req.params.id)),
  );
  const milestone = z.object({
    name: z.string().min(1).max(100),
    percent: decimal.optional(),
    amount: decimal.optional(),
    dueRule: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('days_after_invoice'), days: z.number().int().min(0).max(3650) }),
      z.object({ kind: z.literal('month_end_plus'), days: z.number().int().min(0).max(3650) }),
      z.object({ kind: z.literal('fixed_date'), date: isoDate }),
      z.object({ kind: z.literal('months_after_invoice'), months: z.number().int().min(0).max(120) }),
    ]),
  });
  app.post(
    '/api/contracts',
    {
      schema: {
        tags: ['contracts'],
        summary: 'Create a contract with its first version',
        body: z.object({
          entity: z.string().optional(),
          side: side.optional(),
          number: z.string().min(1).max(64),
          partyId: uuid.optional(),
          partyCode: z.string().optional(),
          title: z.string().min(1).max(200),
          currency: z.string().length(3),
          total: decimal,
          signedOn: isoDate.optional(),
          validFrom: isoDate,
          schedule: z.array(milestone).min(1).max(60),
        }),
      },
    },
    (req, reply) => write(db, req, reply, 201, (tx, actor) => createContract(tx, actor, req.body)),
  );
  app.post(
    '/api/contracts/:id/versions',
    {
      schema: {
        tags: ['contracts'],
        summary: 'A changed term: a new contract version',
        params: idParams,
        body: z.object({ total: decimal, validFrom: isoDate, schedule: z.array(milestone).min(1).max(60), note: z.string().max(500).optional() }),
      },
    },
    (req, reply) => write(db, req, reply, 201, (tx, actor) => addContractVersion(tx, actor, req.params.id, req.body)),
  );

  // ---- invoices ---------------------------------------------------------------------------
  const invoiceQuery = z.object({
    ...pageQuery,
    side: side.default('AR'),
    partyId: uuid.optional(),
    status: z.enum(['open', 'partially_paid', 'paid', 'overdue', 'disputed', 'written_off']).optional(),
    kind: z.enum(['invoice', 'credit_note']).optional(),
    q: z.string().max(100).optional(),
    openOnly: z.enum(['true', 'false']).optional(),
  });
  for (const [path, fixedSide] of [
    ['invoices', null],
    ['bills', 'AP'],
  ] as const) {
    app.get(`/api/${path}`, { schema: { tags: ['invoices'], summary: `List ${path} with balances as of a date`, querystring: invoiceQuery } }, (req) =>
      read(db, req, (tx) =>
        listInvoices(
          tx,
          {
            side: fixedSide ?? req.query.side,
            asOf: asOfOf(req.query),
            partyId: req.query.partyId,
            status: req.query.status,
            kind: req.query.kind,
            q: req.query.q,
            openOnly: req.query.openOnly === 'true',
          },
          req.query,
        ),
      ),
    );
    app.get(
      `/api/${path}/:id`,
      { schema: { tags: ['invoices'], summary: 'Invoice detail: lines, installments, allocations', params: idParams, querystring: z.object({ asOf: isoDate.optional() }) } },
      (req) => read(db, req, (tx) => invoiceDetail(tx, req.params.id, asOfOf(req.query))),
    );
  }
  app.post('/api/invoices', { schema: { tags: ['invoices'], summary: 'Post an AR invoice (or AP bill with side AP)', body: invoiceBody } }, (req, reply) =>
    write(db, req, reply, 201, (tx, actor) => createInvoice(tx, actor, req.body).then((r) => ({ ...r, totalMinor: undefined }))),
  );
  app.post(
    '/api/credit-notes',
    {
      schema: {
        tags: ['invoices'],
        summary: 'Post a credit note (红字发票) against an invoice; applied to it by default',
        body: z.object({
          originalInvoiceId: uuid,
          number: z.string().min(1).max(64).optional(),
          issueDate: isoDate,
          description: z.string().max(1000).nullish(),
          einvoiceNumber: z.string().max(64).nullish(),
          lines: z.array(lineBody).min(1).max(1000),
          applyToOriginal: z.boolean().optional(),
        }),
      },
    },
    (req, reply) => write(db, req, reply, 201, (tx, actor) => createCreditNote(tx, actor, req.body).then((r) => ({ ...r, totalMinor: undefined }))),
  );

  app.post(
    '/api/invoices/:id/disputes',
    {
      schema: {
        tags: ['invoices'],
        summary: 'Open a dispute (争议) on an invoice',
        params: idParams,
        body: z.object({ reason: z.string().min(1).max(1000), openedOn: isoDate.optional() }),
      },
    },
    (req, reply) => write(db, req, reply, 201, (tx, actor) => openDispute(tx, actor, req.params.id, req.body)),
  );
  app.post(
    '/api/invoices/:id/disputes/resolve',
    {
      schema: {
        tags: ['invoices'],
        summary: "Resolve the invoice's open dispute",
        params: idParams,
        body: z.object({ resolvedOn: isoDate.optional() }).optional(),
      },
    },
    (req, reply) => write(db, req, reply, 200, (tx, actor) => resolveDispute(tx, actor, req.params.id, req.body ?? {})),
  );

  // ---- receipts ---------------------------------------------------------------------------
  const receiptQuery = z.object({
    ...pageQuery,
    side: side.default('AR'),
    partyId: uuid.optional(),
    q: z.string().max(100).optional(),
    unappliedOnly: z.enum(['true', 'false']).optional(),
  });
  for (const [path, fixedSide] of [
    ['receipts', null],
    ['payments', 'AP'],
  ] as const) {
    app.get(`/api/${path}`, { schema: { tags: ['receipts'], summary: `List ${path}`, querystring: receiptQuery } }, (req) =>
      read(db, req, (tx) =>
        listReceipts(
          tx,
          {
            side: fixedSide ?? req.query.side,
            asOf: asOfOf(req.query),
            partyId: req.query.partyId,
            q: req.query.q,
            unappliedOnly: req.query.unappliedOnly === 'true',
          },
          req.query,
        ),
      ),
    );
    app.get(
      `/api/${path}/:id`,
      { schema: { tags: ['receipts'], summary: 'Receipt detail with its allocations', params: idParams, querystring: z.object({ asOf: isoDate.optional() }) } },
      (req) => read(db, req, (tx) => receiptDetail(tx, req.params.id, asOfOf(req.query))),
    );
  }
  app.post('/api/receipts', { schema: { tags: ['receipts'], summary: 'Record a receipt (or a payment with side AP)', body: receiptBody } }, (req, reply) =>
    write(db, req, reply, 201, (tx, actor) => createReceipt(tx, actor, req.body)),
  );
  app.get(
    '/api/receipts/:id/candidates',
    { schema: { tags: ['allocations'], summary: 'Open installments this receipt may be allocated to', params: idParams } },
    (req) => read(db, req, (tx) => allocationCandidates(tx, req.params.id)),
  );

  // ---- allocations (核销) -------------------------------------------------------------------
  app.post(
    '/api/allocations',
    {
      schema: {
        tags: ['allocations'],
        summary: 'Allocate (核销) a receipt to invoice installments',
        body: z.object({
          receiptId: uuid,
          effectiveDate: isoDate.optional(),
          reason: z.string().max(500).nullish(),
          lines: z.array(z.object({ installmentId: uuid, amount: decimal })).min(1).max(1000),
        }),
      },
    },
    (req, reply) => write(db, req, reply, 201, (tx, actor) => allocateReceipt(tx, actor, { ...req.body, method: 'manual' })),
  );
  app.post(
    '/api/allocations/:id/reverse',
    {
      schema: {
        tags: ['allocations'],
        summary: 'Reverse one allocation (a new negating row; nothing is deleted)',
        params: idParams,
        body: z.object({ effectiveDate: isoDate.optional(), reason: z.string().max(500).nullish() }).optional(),
      },
    },
    (req, reply) => write(db, req, reply, 201, (tx, actor) => reverseAllocation(tx, actor, req.params.id, req.body ?? {})),
  );
  app.post(
    '/api/adjustments',
    {
      schema: {
        tags: ['allocations'],
        summary: 'Discount, bank fee or small-difference write-off on an installment',
        body: z.object({
          installmentId: uuid,
          kind: z.enum(['discount', 'bank_fee', 'small_difference', 'write_off']),
          amount: decimal,
          reason: z.string().min(1).max(500),
          effectiveDate: isoDate.optional(),
        }),
      },
    },
    (req, reply) => write(db, req, reply, 201, (tx, actor) => addAdjustment(tx, actor, req.body)),
  );

  // ---- audit ------------------------------------------------------------------------------
  app.get(
    '/api/audit',
    {
      schema: {
        tags: ['audit'],
        summary: 'The hash-chained audit log (admin, auditor, finance)',
        querystring: z.object({ page: pageQuery.page, pageSize: pageQuery.pageSize, objectType: z.string().max(40).optional(), objectId: z.string().max(100).optional() }),
      },
    },
    (req) =>
      read(db, req, async (tx, actor) => {
        if (!canReadAudit(actor)) throw forbidden('the audit log is for admin, auditor and finance roles');
        const params: unknown[] = [];
        const where: string[] = [];
        if (req.query.objectType) {
          params.push(req.query.objectType);
          where.push(`object_type = $${params.length}`);
        }
        if (req.query.objectId) {
          params.push(req.query.objectId);
          where.push(`object_id = $${params.length}`);
        }
        const size = req.query.pageSize;
        const rows = await tx.query<{ seq: bigint; at: Date; actor: string; action: string; object_type: string; object_id: string | null; before: unknown; after: unknown; hash: string; total: bigint }>(
          `SELECT seq, at, actor, action, object_type, object_id, before, after, hash, count(*) OVER () AS total FROM audit_log
           ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ${size} OFFSET ${(req.query.page - 1) * size}`,
          params,
        );
        return {
          items: rows.map((r) => ({
            seq: r.seq.toString(),
            at: new Date(r.at).toISOString(),
            actor: r.actor,
            action: r.action,
            objectType: r.object_type,
            objectId: r.object_id,
            before: r.before,
            after: r.after,
            hash: r.hash,
          })),
          total: Number(rows[0]?.total ?? 0n),
          page: req.query.page,
          pageSize: size,
        };
      }),
  );
}
