/**
 * Credit limits, the credit check, ERP orders, holds and overrides (docs/credit.md).
 */
import { z } from 'zod';
import type { Database } from '../../db/database';
import { STAGES } from '../../domain/credit/limits';
import { requireLedgerWriter } from '../../services/actor';
import { closeOrder, creditCheck, listOrders } from '../../services/credit/check';
import { listHolds, listOverrides, reevaluateHolds, releaseHoldManually, requestOverride } from '../../services/credit/holds';
import { endLimit, listLimits, loadRules, recommendLimit, rulesOut, setLimit, setStageRules } from '../../services/credit/limits';
import { read, type ZApp, write } from '../http';

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD');
const decimal = z.string().regex(/^\d+(\.\d+)?$/, 'expected a decimal string such as "1234.50"');
const currency = z.string().length(3);
const stage = z.enum(STAGES);
const grade = z.enum(['A', 'B', 'C', 'D', 'E']);
const partyRef = { partyId: z.uuid().optional(), partyCode: z.string().min(1).max(64).optional() };

export function registerCreditLimitRoutes(app: ZApp, db: Database): void {
  app.post(
    '/api/credit/check',
    {
      schema: {
        tags: ['credit'],
        summary: 'Credit check (信用检查): customer + amount at a stage → allow / warn / block with reasons (zh/en); with orderRef at the order stage a passing check records the order',
        body: z.object({
          ...partyRef,
          amount: decimal.describe('the document being checked, decimal string'),
          currency: currency.optional().describe('default: the customer’s credit currency'),
          stage: stage.default('order'),
          entity: z.string().max(32).nullish().describe('legal entity code (entity-specific limits; required to record an order, default the first entity)'),
          date: isoDate.optional(),
          orderRef: z.string().min(1).max(100).nullish().describe('ERP order reference: record the order when the check passes'),
        }),
      },
    },
    (req, reply) => write(db, req, reply, 200, (tx, actor) => creditCheck(tx, actor, req.body)),
  );

  app.get(
    '/api/credit/limits',
    { schema: { tags: ['credit'], summary: 'Credit limits in force (not ended), optionally of one customer', querystring: z.object({ partyId: z.uuid().optional() }) } },
    (req) => read(db, req, (tx) => listLimits(tx, req.query)),
  );

  app.post(
    '/api/credit/limits',
    {
      schema: {
        tags: ['credit'],
        summary: 'Set a credit limit (customer, customer + entity, group on a parent; permanent or temporary). Goes through an approval when a credit_limit chain is configured (202 with the request)',
        body: z.object({
          partyId: z.uuid(),
          entity: z.string().max(32).nullish(),
          group: z.boolean().optional(),
          kind: z.enum(['permanent', 'temporary']).optional(),
          amount: decimal,
          currency: currency.optional(),
          validFrom: isoDate.optional(),
          expiresOn: isoDate.nullish(),
          note: z.string().max(500).nullish(),
          reason: z.string().max(500).nullish(),
        }),
      },
    },
    async (req, reply) => {
      const out = (await write(db, req, reply, 201, (tx, actor) => setLimit(tx, actor, req.body))) as { status: string };
      if (out.status === 'pending_approval') reply.code(202);
      return out;
    },
  );

  app.delete(
    '/api/credit/limits/:id',
    { schema: { tags: ['credit'], summary: 'End a credit limit (through an approval when configured)', params: z.object({ id: z.uuid() }), querystring: z.object({ reason: z.string().max(500).optional() }) } },
    (req, reply) => write(db, req, reply, 200, (tx, actor) => endLimit(tx, actor, req.params.id, req.query.reason)),
  );

  app.get(
    '/api/credit/limits/recommended/:partyId',
    { schema: { tags: ['credit'], summary: 'Recommended limit from the 12-month volume, payment terms and grade, with its formula', params: z.object({ partyId: z.uuid() }), querystring: z.object({ asOf: isoDate.optional() }) } },
    (req) => read(db, req, (tx) => recommendLimit(tx, req.params.partyId, req.query.asOf)),
  );

  app.get('/api/credit/rules', { schema: { tags: ['credit'], summary: 'Credit-check rules per stage (order, delivery, invoice)' } }, (req) => read(db, req, async (tx) => rulesOut(await loadRules(tx))));

  app.put(
    '/api/credit/rules/:stage',
    {
      schema: {
        tags: ['credit'],
        summary: 'Set the rules of one stage: exposure vs limit (off/warn/block, warn from a percentage), overdue amount, oldest days overdue, grades',
        params: z.object({ stage }),
        body: z.object({
          exposure: z.enum(['off', 'warn', 'block']),
          warnAtPercent: z.number().int().min(1).max(1000).nullable(),
          overdueWarnOver: decimal.nullable(),
          overdueBlockOver: decimal.nullable(),
          oldestDaysWarnOver: z.number().int().min(0).max(3650).nullable(),
          oldestDaysBlockOver: z.number().int().min(0).max(3650).nullable(),
          gradesWarn: z.array(grade),
          gradesBlock: z.array(grade),
        }),
      },
    },
    (req, reply) => write(db, req, reply, 200, (tx, actor) => setStageRules(tx, actor, req.params.stage, req.body)),
  );

  app.get(
    '/api/credit/orders',
    { schema: { tags: ['credit'], summary: 'ERP orders counted in the exposure', querystring: z.object({ partyId: z.uuid().optional(), status: z.enum(['open', 'released', 'invoiced']).optional() }) } },
    (req) => read(db, req, (tx) => listOrders(tx, req.query)),
  );

  app.post(
    '/api/credit/orders',
    {
      schema: {
        tags: ['credit'],
        summary: 'ERP: post an order. It is credit-checked at the order stage and recorded (counted in the exposure) unless blocked; the response is the check',
        body: z.object({ ...partyRef, externalRef: z.string().min(1).max(100), amount: decimal, currency: currency.optional(), entity: z.string().max(32).nullish(), date: isoDate.optional() }),
      },
    },
    (req, reply) =>
      write(db, req, reply, 201, async (tx, actor) => {
        requireLedgerWriter(actor);
        const { externalRef, ...rest } = req.body;
        const r = await creditCheck(tx, actor, { ...rest, stage: 'order', orderRef: externalRef });
        if (r.decision === 'block') reply.code(200);
        return r;
      }),
  );

  app.delete(
    '/api/credit/orders/:externalRef',
    {
      schema: {
        tags: ['credit'],
        summary: 'ERP: release (cancel) an order, or mark it invoiced (status=invoiced): it no longer counts as an open order',
        params: z.object({ externalRef: z.string().min(1).max(100) }),
        querystring: z.object({ entity: z.string().max(32).optional(), status: z.enum(['released', 'invoiced']).default('released') }),
      },
    },
    (req, reply) =>
      write(db, req, reply, 200, (tx, actor) => {
        requireLedgerWriter(actor);
        return closeOrder(tx, actor, { externalRef: req.params.externalRef, ...(req.query.entity ? { entity: req.query.entity } : {}) }, req.query.status);
      }),
  );

  app.get(
    '/api/credit/holds',
    { schema: { tags: ['credit'], summary: 'Credit holds (open, or all with open=false)', querystring: z.object({ open: z.enum(['true', 'false', 'all']).default('true'), partyId: z.uuid().optional() }) } },
    (req) => read(db, req, (tx) => listHolds(tx, { ...(req.query.open === 'all' ? {} : { open: req.query.open === 'true' }), ...(req.query.partyId ? { partyId: req.query.partyId } : {}) })),
  );

  app.post(
    '/api/credit/holds/reevaluate',
    { schema: { tags: ['credit'], summary: 'Re-evaluate the open holds in scope now; releases those back within the rules', body: z.object({ partyIds: z.array(z.uuid()).optional() }).optional() } },
    (req, reply) =>
      write(db, req, reply, 200, async (tx, actor) => {
        const ids = req.body?.partyIds ?? (await tx.query<{ party_id: string }>('SELECT party_id FROM credit_holds WHERE released_at IS NULL')).map((r) => r.party_id);
        return { released: await reevaluateHolds(tx, actor, ids) };
      }),
  );

  app.post(
    '/api/credit/holds/:id/release',
    { schema: { tags: ['credit'], summary: 'Release a hold by hand (with a reason, audited)', params: z.object({ id: z.uuid() }), body: z.object({ reason: z.string().min(1).max(500) }) } },
    (req, reply) =>
      write(db, req, reply, 200, async (tx, actor) => {
        await releaseHoldManually(tx, actor, req.params.id, req.body.reason);
        return { released: true };
      }),
  );

  app.get(
    '/api/credit/overrides',
    { schema: { tags: ['credit'], summary: 'Approved overrides (特批) with their amount used', querystring: z.object({ partyId: z.uuid().optional() }) } },
    (req) => read(db, req, (tx) => listOverrides(tx, req.query)),
  );

  app.post(
    '/api/credit/overrides',
    {
      schema: {
        tags: ['credit'],
        summary: 'Request an override (特批) of blocks for a customer: amount, expiry, reason → an approval request (credit_override chain)',
        body: z.object({ ...partyRef, amount: decimal, currency: currency.optional(), expiresOn: isoDate, reason: z.string().min(1).max(500) }),
      },
    },
    (req, reply) => write(db, req, reply, 201, (tx, actor) => requestOverride(tx, actor, req.body)),
  );
}
