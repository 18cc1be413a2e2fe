/**
 * POST /api/import — a CSV or XLSX file of customers, suppliers, invoices, bills, receipts or
 * payments (docs/import.md). The file comes either as the raw body (Content-Type:
 * application/octet-stream, options in the query string) or base64 in a JSON body. dryRun=true
 * returns the preview and every problem without writing. A real import is idempotent with
 * Idempotency-Key: the key is claimed in the transaction that writes the file, so a retry replays
 * the first response and never imports twice.
 *
 * 200: dry_run or imported. 422: rejected (nothing written) or interrupted (a large file stopped
 * part-way; import it again to resume) — the body is the same report plus an `error`.
 */
import { createHash } from 'node:crypto';
import { PassThrough } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Database } from '../../db/database';
import { type IdempotencyHooks, type ImportResult, importTable } from '../../import/import-service';
import { errorFileWriter } from '../../import/tabular/error-file';
import { IMPORT_KINDS, type ImportKind } from '../../import/tabular/headers';
import { listMappings } from '../../import/tabular/mapping';
import { bufferSource } from '../../import/tabular/read';
import { withActor } from '../../services/actor';
import { AppError } from '../../services/errors';
import { prepareKey, requestHash } from '../../services/idempotency';
import { errorBody, read, requireActor, type ZApp } from '../http';

/** The largest file accepted (SHOUFU_IMPORT_MAX_MB, default 50 MB, as for the other importers). */
function maxFileBytes(): number {
  const mb = Number(process.env.SHOUFU_IMPORT_MAX_MB ?? '');
  return Number.isFinite(mb) && mb > 0 ? Math.floor(mb * 1024 * 1024) : 50 * 1024 * 1024;
}

const flag = z.enum(['true', 'false', '1', '0']).optional();
const isTrue = (v: string | boolean | undefined) => v === true || v === 'true' || v === '1';

const importQuery = z.object({
  kind: z.enum(IMPORT_KINDS as [ImportKind, ...ImportKind[]]).optional(),
  mapping: z.string().min(1).max(64).optional(),
  saveMapping: z.string().min(1).max(64).optional(),
  entity: z.string().min(1).max(32).optional(),
  sheet: z.string().min(1).max(100).optional(),
  fileName: z.string().min(1).max(255).optional(),
  dryRun: flag,
  validOnly: flag,
  /** Include the rejected rows as an error file (base64) in the response. */
  errorFile: flag,
  /** Column overrides as a JSON object: {"往来户编号":"partyCode","备注2":"ignore"}. */
  columns: z.string().max(20_000).optional(),
});

const importBody = z.object({
  /** The file's bytes, base64-encoded. */
  file: z.string().min(1),
  fileName: z.string().min(1).max(255),
  kind: z.enum(IMPORT_KINDS as [ImportKind, ...ImportKind[]]).optional(),
  mapping: z.string().min(1).max(64).optional(),
  saveMapping: z.string().min(1).max(64).optional(),
  entity: z.string().min(1).max(32).optional(),
  sheet: z.string().min(1).max(100).optional(),
  dryRun: z.boolean().optional(),
  validOnly: z.boolean().optional(),
  errorFile: z.boolean().optional(),
  columns: z.record(z.string().max(200), z.string().max(64)).optional(),
});

type ImportInput = Omit<z.infer<typeof importBody>, 'file'> & { data: Buffer };

function invalidBody(message: string, fields: string[] = []): AppError {
  return new AppError(400, 'validation_failed', message, fields);
}

/** The request as options and bytes, from a raw body plus query, or from a JSON body. */
function parseRequest(req: FastifyRequest): ImportInput {
  const q = importQuery.safeParse(req.query ?? {});
  if (!q.success) throw invalidBody(`invalid query: ${q.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, q.error.issues.map((i) => i.path.join('.')));
  const query = q.data;
  let columns: Record<string, string> | undefined;
  if (query.columns) {
    try {
      const parsed = z.record(z.string(), z.string()).safeParse(JSON.parse(query.columns));
      if (!parsed.success) throw new Error('not an object of strings');
      columns = parsed.data;
    } catch {
      throw invalidBody('columns must be a JSON object {"header": "field"}', ['columns']);
    }
  }
  const fromQuery = {
    ...(query.kind ? { kind: query.kind } : {}),
    ...(query.mapping ? { mapping: query.mapping } : {}),
    ...(query.saveMapping ? { saveMapping: query.saveMapping } : {}),
    ...(query.entity ? { entity: query.entity } : {}),
    ...(query.sheet ? { sheet: query.sheet } : {}),
    ...(columns ? { columns } : {}),
    dryRun: isTrue(query.dryRun),
    validOnly: isTrue(query.validOnly),
    errorFile: isTrue(query.errorFile),
  };
  if (Buffer.isBuffer(req.body)) {
    if (req.body.length === 0) throw invalidBody('the request body is empty: send the file', ['file']);
    return { ...fromQuery, fileName: query.fileName ?? 'upload', data: req.body };
  }
  const b = importBody.safeParse(req.body);
  if (!b.success) throw invalidBody(`invalid body: ${b.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}`, b.error.issues.map((i) => i.path.join('.')));
  const { file, ...rest } = b.data;
  if (!/^[A-Za-z0-9+/=\s]+$/.test(file)) throw invalidBody('file is not base64', ['file']);
  const data = Buffer.from(file, 'base64');
  if (data.length > maxFileBytes()) throw new AppError(413, 'file_too_large', `the file has ${data.length} bytes, more than the import limit of ${maxFileBytes()} bytes`);
  return { ...fromQuery, ...rest, data };
}

async function handleImport(db: Database, req: FastifyRequest, reply: FastifyReply) {
  const actor = requireActor(req);
  const input = parseRequest(req);
  const sha256 = createHash('sha256').update(input.data).digest('hex');
  const header = req.headers['idempotency-key'];
  const key = Array.isArray(header) ? header[0] : header;

  let idempotency: IdempotencyHooks | undefined;
  if (key !== undefined && !input.dryRun) {
    const { data: _bytes, ...options } = input;
    const hash = requestHash('POST', '/api/import', { ...options, sha256 });
    // A completed request with this key replays at once, before the file is read again.
    const prepared = await prepareKey((fn) => withActor(db, actor, fn), actor.userId, key, hash);
    if ('replay' in prepared) {
      reply.code(prepared.replay.statusCode).header('Idempotent-Replayed', 'true');
      return prepared.replay.body;
    }
    idempotency = prepared.hooks;
  }

  const chunks: Buffer[] = [];
  const xlsx = input.data.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
  const sink = input.errorFile ? new PassThrough() : null;
  sink?.on('data', (c: Buffer) => chunks.push(c));
  const result: ImportResult = await importTable(db, actor, bufferSource(input.fileName, input.data), {
    ...(input.kind ? { kind: input.kind } : {}),
    ...(input.mapping ? { mapping: input.mapping } : {}),
    ...(input.saveMapping ? { saveMapping: input.saveMapping } : {}),
    ...(input.entity ? { entity: input.entity } : {}),
    ...(input.sheet ? { sheet: input.sheet } : {}),
    ...(input.columns ? { columns: input.columns } : {}),
    dryRun: !!input.dryRun,
    validOnly: !!input.validOnly,
    ...(sink ? { errors: errorFileWriter(xlsx ? 'xlsx' : 'csv', sink) } : {}),
    ...(idempotency ? { idempotency } : {}),
  });
  if (result.replayed) reply.header('Idempotent-Replayed', 'true');
  const base = input.fileName.replace(/\.[^.]*$/, '');
  const body: ImportResult & { errorFile?: { name: string; contentType: string; base64: string }; error?: ReturnType<typeof errorBody>['error'] } = { ...result };
  if (sink && result.errorFileRows > 0) {
    body.errorFile = {
      name: `${base}.errors.${xlsx ? 'xlsx' : 'csv'}`,
      contentType: xlsx ? 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' : 'text/csv; charset=utf-8',
      base64: Buffer.concat(chunks).toString('base64'),
    };
  }
  if (result.status === 'rejected' || result.status === 'interrupted') {
    body.error =
      result.status === 'rejected'
        ? errorBody('import_rejected', `${result.counts.rejected} of ${result.counts.rows} rows are wrong; nothing was imported`, ['file']).error
        : errorBody('import_interrupted', `the import stopped at a failing row; rows up to ${result.run?.committedThroughRow} are written — import the same file again to resume`, ['file']).error;
    reply.code(422);
  }
  return body;
}

export function registerImportRoutes(app: ZApp, db: Database): void {
  const maxBytes = maxFileBytes();
  // Encapsulated so that the raw-body parser applies to this route only.
  app.register(async (scope) => {
    scope.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: maxBytes }, (_req, body, done) => done(null, body));
    scope.withTypeProvider<ZodTypeProvider>().post(
      '/api/import',
      {
        bodyLimit: Math.ceil((maxBytes * 4) / 3) + 64 * 1024,
        errorHandler: (err, req, reply) => {
          if ((err as { code?: string }).code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
            return reply.code(413).send(errorBody('file_too_large', `the request is larger than the import limit of ${maxBytes} bytes (SHOUFU_IMPORT_MAX_MB)`));
          }
          return app.errorHandler(err, req, reply);
        },
        schema: {
          tags: ['import'],
          summary: 'Import customers, suppliers, invoices, bills, receipts or payments from CSV or XLSX',
          description:
            'Send the file as the raw body (Content-Type: application/octet-stream) with the options in the query, or as JSON ' +
            '{ file: <base64>, fileName, kind?, dryRun?, validOnly?, columns?, mapping?, saveMapping?, entity?, sheet?, errorFile? }. ' +
            'dryRun=true writes nothing and returns the recognised columns, the first rows and every problem (row, column, reason). ' +
            'Idempotent with Idempotency-Key. See docs/import.md.',
          querystring: importQuery,
        },
      },
      (req, reply) => handleImport(db, req, reply),
    );
  });

  app.get('/api/import/mappings', { schema: { tags: ['import'], summary: 'Saved column mappings' } }, (req) => read(db, req, (tx) => listMappings(tx)));
}
