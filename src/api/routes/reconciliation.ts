/** The reconciliation workbench API (docs/reconciliation.md): run, queue, accept, reject, undo. */
import { z } from 'zod';
import type { Database } from '../../db/database';
import { reconcile } from '../../services/reconciliation/run';
import { acceptProposal, recentAutoMatches, reconciliationQueue, rejectProposal, undoAutoMatch } from '../../services/reconciliation/workbench';
import { read, requireActor, write, type ZApp } from '../http';

const tags = ['reconciliation'];
const idParams = z.object({ id: z.uuid() });

export function registerReconciliationRoutes(app: ZApp, db: Database): void {
  app.post(
    '/api/reconciliation/run',
    {
      schema: {
        tags,
        summary: 'Match unapplied receipts (or payments) to open items; apply what clears the threshold, queue the rest',
        body: z.object({ side: z.enum(['AR', 'AP']).optional(), entity: z.string().max(32).optional(), threshold: z.number().gt(0).max(1).optional(), dryRun: z.boolean().optional() }),
      },
    },
    (req) => {
      const b = req.body;
      return reconcile(db, requireActor(req), { ...(b.side ? { side: b.side } : {}), ...(b.entity ? { entity: b.entity } : {}), ...(b.threshold ? { threshold: b.threshold } : {}), dryRun: !!b.dryRun });
    },
  );
  app.get(
    '/api/reconciliation/queue',
    {
      schema: {
        tags,
        summary: 'Receipts the engine left for people, each with its ranked proposals (reasons, confidence)',
        querystring: z.object({ side: z.enum(['AR', 'AP']).optional(), minConfidence: z.coerce.number().min(0).max(1).optional(), limit: z.coerce.number().int().min(1).max(2000).optional() }),
      },
    },
    (req) => read(db, req, (tx) => reconciliationQueue(tx, req.query)),
  );
  app.get(
    '/api/reconciliation/auto',
    { schema: { tags, summary: 'Receipts the engine applied by itself lately (not undone)', querystring: z.object({ limit: z.coerce.number().int().min(1).max(1000).optional() }) } },
    (req) => read(db, req, (tx) => recentAutoMatches(tx, req.query)),
  );
  app.post(
    '/api/reconciliation/proposals/:id/accept',
    { schema: { tags, summary: 'Accept a proposal: apply it and remember the payer', params: idParams } },
    (req, reply) => write(db, req, reply, 201, (tx, actor) => acceptProposal(tx, actor, req.params.id)),
  );
  app.post(
    '/api/reconciliation/proposals/:id/reject',
    { schema: { tags, summary: 'Reject a proposal: it is not proposed for this payer again', params: idParams } },
    (req, reply) => write(db, req, reply, 200, (tx, actor) => rejectProposal(tx, actor, req.params.id)),
  );
  app.post(
    '/api/reconciliation/receipts/:id/undo',
    { schema: { tags, summary: 'Undo the automatic allocations of a receipt in one action (reversals, audited)', params: idParams } },
    (req, reply) => write(db, req, reply, 200, (tx, actor) => undoAutoMatch(tx, actor, req.params.id)),
  );
}
