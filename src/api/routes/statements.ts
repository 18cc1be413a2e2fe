/**
 * POST /api/statements/import: a bank statement file (base64 in JSON) into the ledger, one
 * transaction, idempotent with Idempotency-Key through write(). The format (camt, MT940/MT942,
 * BAI2, OFX, a bank's CSV/XLSX table) is recognised from the bytes, as on the command line.
 */
import { z } from 'zod';
import type { Database } from '../../db/database';
import { importStatement, type StatementImportResult } from '../../import/statements/import';
import { reconcileImported } from '../../services/reconciliation/run';
import { defaultMaxBytes } from '../../import/xml';
import { requireActor, type ZApp, write } from '../http';
import { decodeUpload, uploadRouteOptions } from '../upload';

const importBody = z.object({
  filename: z.string().min(1).max(255),
  /** The file's bytes, base64-encoded. */
  contentBase64: z.string().min(1),
  entity: z.string().min(1).max(32).optional(),
  dryRun: z.boolean().optional(),
  acceptMismatch: z.boolean().optional(),
});

export function registerStatementRoutes(app: ZApp, db: Database): void {
  const maxBytes = defaultMaxBytes();
  app.post(
    '/api/statements/import',
    {
      ...uploadRouteOptions(app, maxBytes),
      schema: {
        tags: ['statements'],
        summary: 'Import a bank statement (camt.053/052/054, MT940/MT942, BAI2, OFX, bank CSV/XLSX table): credits → receipts, debits → payments',
        body: importBody,
      },
    },
    async (req, reply) => {
      const body = req.body;
      const bytes = decodeUpload(body.contentBase64, maxBytes);
      const result = (await write(db, req, reply, body.dryRun ? 200 : 201, (tx, actor) =>
        importStatement(tx, actor, {
          bytes,
          filename: body.filename,
          ...(body.entity ? { entity: body.entity } : {}),
          dryRun: !!body.dryRun,
          acceptMismatch: !!body.acceptMismatch,
          maxBytes,
        }),
      )) as StatementImportResult;
      // The lines just imported are matched to open invoices at once (docs/reconciliation.md).
      if (body.dryRun || !result?.importId || reply.statusCode >= 400 || reply.getHeader('idempotent-replayed')) return result;
      return { ...result, reconciliation: await reconcileImported(db, requireActor(req), result.importId) };
    },
  );
}
