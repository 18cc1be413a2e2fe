/** Exports over HTTP: the same rows as `shoufu export`, scoped to the caller. */
import { PassThrough } from 'node:stream';
import { z } from 'zod';
import type { Database } from '../../db/database';
import { todayIso } from '../../domain/dates';
import { EXPORT_FORMATS, EXPORT_KINDS, exportData, toCsv, toJsonDocument, writeXlsx } from '../../export/exports';
import { read, type ZApp } from '../http';

export function registerExportRoutes(app: ZApp, db: Database): void {
  app.get(
    '/api/export/:kind',
    {
      schema: {
        tags: ['export'],
        summary: 'Export a ledger table as JSON, CSV or XLSX as of a date',
        params: z.object({ kind: z.enum(EXPORT_KINDS) }),
        querystring: z.object({ format: z.enum(EXPORT_FORMATS).default('json'), asOf: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional() }),
      },
    },
    async (req, reply) => {
      const asOf = req.query.asOf ?? todayIso();
      const data = await read(db, req, (tx, actor) => exportData(tx, actor, req.params.kind, asOf));
      const name = `shoufu-${data.kind}-${asOf}`;
      if (req.query.format === 'csv') {
        reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}.csv"`);
        return toCsv(data);
      }
      if (req.query.format === 'xlsx') {
        const stream = new PassThrough();
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        await writeXlsx(data, stream);
        reply
          .header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
          .header('content-disposition', `attachment; filename="${name}.xlsx"`);
        return Buffer.concat(chunks);
      }
      reply.header('content-type', 'application/json; charset=utf-8');
      return toJsonDocument(data);
    },
  );
}
