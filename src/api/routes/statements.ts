/**
 * POST /api/statements/import: a bank statement file (base64 in JSON) into the ledger, one
 * transaction, idempotent with Idempotency-Key through write(). The format (camt, MT940/MT942,
 * BAI2, OFX, a bank's CSV/XLSX table) is recognised from the bytes, as on the command line.
 */
import { z } from 'zod';
import type { Database } from '../../db/database';
import { importStatement } from '../../import/statements/import';
import { defaultMaxBytes } from '../../import/xml';
import { AppError } from '../../services/errors';
import { errorBody, type ZApp, write } from '../http';

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
      // The JSON body carries the file base64-encoded: 4/3 of its size plus a little.
      bodyLimit: Math.ceil((maxBytes * 4) / 3) + 64 * 1024,
      // A body over that limit is refused by Fastify before it is read; say so in our terms.
      errorHandler: (err, req, reply) => {
        if ((err as { code?: string }).code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
          return reply.code(413).send(errorBody('file_too_large', `the request is larger than the import limit of ${maxBytes} bytes (SHOUFU_IMPORT_MAX_MB)`));
        }
        return app.errorHandler(err, req, reply);
      },
      schema: {
        tags: ['statements'],
        summary: 'Import a bank statement (camt.053/052/054, MT940/MT942, BAI2, OFX, bank CSV/XLSX table): credits → receipts, debits → payments',
        body: importBody,
      },
    },
    (req, reply) => {
      const body = req.body;
      // Refuse an oversized file from its encoded length, before decoding it.
      const decodedSize = Math.floor((body.contentBase64.replace(/[^A-Za-z0-9+/]/g, '').length * 3) / 4);
      if (decodedSize > maxBytes) {
        throw new AppError(413, 'file_too_large', `the file has about ${decodedSize} bytes, more than the import limit of ${maxBytes} bytes`);
      }
      if (!/^[A-Za-z0-9+/=\s]+$/.test(body.contentBase64)) {
        throw new AppError(400, 'invalid_base64', 'contentBase64 is not base64');
      }
      const bytes = Buffer.from(body.contentBase64, 'base64');
      return write(db, req, reply, body.dryRun ? 200 : 201, (tx, actor) =>
        importStatement(tx, actor, {
          bytes,
          filename: body.filename,
          ...(body.entity ? { entity: body.entity } : {}),
          dryRun: !!body.dryRun,
          acceptMismatch: !!body.acceptMismatch,
          maxBytes,
        }),
      );
    },
  );
}
