/**
 * Approvals (docs/approvals.md): my inbox, approve/reject with a comment, cancel, delegation,
 * chains, reminders.
 */
import { z } from 'zod';
import type { Database } from '../../db/database';
import { requireRole } from '../../services/actor';
import {
  cancelRequest,
  chainOut,
  createChain,
  decideRequest,
  delegate,
  expireRequests,
  getRequest,
  inbox,
  listDelegations,
  listRequests,
  loadChains,
  revokeDelegation,
  sendReminders,
  setChainActive,
} from '../../services/approvals/approvals';
import { money } from '../../services/ledger/input';
import { read, type ZApp, write } from '../http';

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD');
const decimal = z.string().regex(/^\d+(\.\d+)?$/, 'expected a decimal string such as "1234.50"');
const idParams = z.object({ id: z.uuid() });
const role = z.enum(['admin', 'finance', 'collector', 'sales', 'legal', 'manager', 'auditor']);

export function registerApprovalRoutes(app: ZApp, db: Database): void {
  app.get('/api/approvals/inbox', { schema: { tags: ['approvals'], summary: 'My pending decisions (directly or as a delegate) and my own open requests' } }, (req) =>
    read(db, req, (tx, actor) => inbox(tx, actor)),
  );

  app.get(
    '/api/approvals/requests',
    {
      schema: {
        tags: ['approvals'],
        summary: 'Approval requests (latest 500)',
        querystring: z.object({ status: z.enum(['pending', 'approved', 'rejected', 'cancelled', 'expired']).optional(), documentType: z.string().max(40).optional(), partyId: z.uuid().optional() }),
      },
    },
    (req) => read(db, req, (tx) => listRequests(tx, req.query)),
  );

  app.get('/api/approvals/requests/:id', { schema: { tags: ['approvals'], summary: 'One request with its steps and decisions', params: idParams } }, (req) =>
    read(db, req, (tx) => getRequest(tx, req.params.id)),
  );

  const decision = (kind: 'approve' | 'reject') =>
    app.post(
      `/api/approvals/requests/:id/${kind}`,
      {
        schema: {
          tags: ['approvals'],
          summary: kind === 'approve' ? 'Approve the current step (the last approval applies the change)' : 'Reject the request (a comment is required)',
          params: idParams,
          body: z.object({ comment: z.string().max(1000).nullish() }),
        },
      },
      (req, reply) => write(db, req, reply, 200, (tx, actor) => decideRequest(tx, actor, req.params.id, kind, req.body.comment)),
    );
  decision('approve');
  decision('reject');

  app.post('/api/approvals/requests/:id/cancel', { schema: { tags: ['approvals'], summary: 'Cancel my own pending request', params: idParams } }, (req, reply) =>
    write(db, req, reply, 200, (tx, actor) => cancelRequest(tx, actor, req.params.id)),
  );

  app.get('/api/approvals/delegations', { schema: { tags: ['approvals'], summary: 'Active and future delegations from or to me' } }, (req) => read(db, req, (tx, actor) => listDelegations(tx, actor)));

  app.post(
    '/api/approvals/delegations',
    {
      schema: {
        tags: ['approvals'],
        summary: 'Delegate my approvals to another user while away (an admin may delegate for someone else)',
        body: z.object({ toUserId: z.uuid().optional(), toUsername: z.string().max(64).optional(), fromUserId: z.uuid().optional(), startsOn: isoDate, endsOn: isoDate, reason: z.string().max(500).nullish() }),
      },
    },
    (req, reply) => write(db, req, reply, 201, (tx, actor) => delegate(tx, actor, req.body)),
  );

  app.delete('/api/approvals/delegations/:id', { schema: { tags: ['approvals'], summary: 'Revoke a delegation', params: idParams } }, (req, reply) =>
    write(db, req, reply, 200, async (tx, actor) => {
      await revokeDelegation(tx, actor, req.params.id);
      return { revoked: true };
    }),
  );

  app.get('/api/approvals/chains', { schema: { tags: ['approvals'], summary: 'Approval chains by document type and amount threshold', querystring: z.object({ documentType: z.string().max(40).optional() }) } }, (req) =>
    read(db, req, async (tx) => (await loadChains(tx, req.query.documentType)).map(chainOut)),
  );

  app.post(
    '/api/approvals/chains',
    {
      schema: {
        tags: ['approvals'],
        summary: 'Create an approval chain (admin): document type, currency, amount range [min, max), requester roles, steps',
        body: z.object({
          name: z.string().min(1).max(100),
          documentType: z.string().regex(/^[a-z_]{2,40}$/),
          currency: z.string().length(3).default('CNY'),
          minAmount: decimal.default('0'),
          maxAmount: decimal.nullish(),
          requesterRoles: z.array(role).default([]),
          priority: z.number().int().default(100),
          steps: z.array(z.object({ name: z.string().min(1).max(100), approverRoles: z.array(role).default([]), approverUserId: z.uuid().nullish() })).min(1).max(10),
        }),
      },
    },
    (req, reply) =>
      write(db, req, reply, 201, async (tx, actor) => {
        const b = req.body;
        const chain = await createChain(tx, actor, {
          name: b.name,
          documentType: b.documentType,
          currency: b.currency,
          minAmountMinor: money(b.minAmount, b.currency, 'minAmount'),
          maxAmountMinor: b.maxAmount ? money(b.maxAmount, b.currency, 'maxAmount') : null,
          requesterRoles: b.requesterRoles,
          priority: b.priority,
          steps: b.steps.map((s) => ({ name: s.name, approverRoles: s.approverRoles, approverUserId: s.approverUserId ?? null })),
        });
        return chainOut(chain);
      }),
  );

  app.post(
    '/api/approvals/chains/:id/active',
    { schema: { tags: ['approvals'], summary: 'Activate or deactivate a chain (admin)', params: idParams, body: z.object({ active: z.boolean() }) } },
    (req, reply) =>
      write(db, req, reply, 200, async (tx, actor) => {
        await setChainActive(tx, actor, req.params.id, req.body.active);
        return { active: req.body.active };
      }),
  );

  app.post(
    '/api/approvals/reminders',
    { schema: { tags: ['approvals'], summary: 'Send reminders for requests idle for N hours and expire overdue requests (admin; the scheduler does this too)', body: z.object({ everyHours: z.number().int().min(1).max(720).default(24) }) } },
    (req, reply) =>
      write(db, req, reply, 200, async (tx, actor) => {
        requireRole(actor, 'admin');
        const expired = await expireRequests(tx, actor);
        return { reminders: await sendReminders(tx, actor, req.body.everyHours), expired };
      }),
  );
}
