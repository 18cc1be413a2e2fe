/**
 * POST /api/sync/{kind}: an ERP or CRM upserts up to 10,000 customers, suppliers, invoices, bills,
 * receipts or payments per call, keyed by its own ids (src/import/sync.ts, docs/import.md).
 */
import { z } from 'zod';
import type { Database } from '../../db/database';
import { SYNC_MAX_RECORDS, type SyncResult, syncRecords } from '../../import/sync';
import { IMPORT_KINDS, type ImportKind } from '../../import/tabular/headers';
import { withActor } from '../../services/actor';
import { type KeyHooks, prepareKey, requestHash } from '../../services/idempotency';
import { errorBody, requireActor, type ZApp } from '../http';

const syncBody = z.object({
  source: z.string().min(1).max(40).describe('the other system, e.g. "kingdee"; external ids are unique per source'),
  entity: z.string().min(1).max(32).optional(),
  mode: z.enum(['all', 'valid']).optional().describe('all (default): a wrong record rejects the call; valid: the good records are written'),
  dryRun: z.boolean().optional(),
  records: z
    .array(z.record(z.string(), z.union([z.string().max(10_000), z.number(), z.boolean(), z.null()])))
    .min(1)
    .max(SYNC_MAX_RECORDS)
    .describe('each with externalId and the import field keys of the kind (docs/import.md), e.g. { externalId, partyCode, number, issueDate, dueDate, total, tax, currency }'),
});

export function registerSyncRoutes(app: ZApp, db: Database): void {
  app.post(
    '/api/sync/:kind',
    {
      // 10,000 records of a few hundred bytes each.
      bodyLimit: 32 * 1024 * 1024,
      schema: {
        tags: ['import'],
        summary: 'Upsert records from an ERP/CRM, keyed by its ids (batch of up to 10,000; idempotent)',
        description:
          'Records are checked and written like an imported file: natural keys, posted documents immutable, data scopes. ' +
          'The externalId is linked to the party or document; later calls with it find the same one. ' +
          'All or nothing unless mode=valid. Idempotent with Idempotency-Key. See docs/import.md "Sync API".',
        params: z.object({ kind: z.enum(IMPORT_KINDS as [ImportKind, ...ImportKind[]]) }),
        body: syncBody,
      },
    },
    async (req, reply) => {
      const actor = requireActor(req);
      const { kind } = req.params;
      const header = req.headers['idempotency-key'];
      const key = Array.isArray(header) ? header[0] : header;
      let hooks: KeyHooks | undefined;
      if (key !== undefined && !req.body.dryRun) {
        const prepared = await prepareKey((fn) => withActor(db, actor, fn), actor.userId, key, requestHash('POST', `/api/sync/${kind}`, req.body));
        if ('replay' in prepared) {
          reply.code(prepared.replay.statusCode).header('Idempotent-Replayed', 'true');
          return prepared.replay.body;
        }
        hooks = prepared.hooks;
      }
      const result = await syncRecords(db, actor, kind, req.body, hooks && { claim: hooks.claim, store: (tx, body) => hooks.store(tx, body) });
      if (result.replayed) reply.header('Idempotent-Replayed', 'true');
      if (result.status === 'rejected') {
        reply.code(422);
        return { ...result, ...errorBody('sync_rejected', `${result.counts.rejected} of ${result.counts.rows} records are wrong; nothing was written`, ['records']) } satisfies SyncResult & object;
      }
      return result;
    },
  );
}
