/**
 * The HTTP edge: schema-validated routes over the use cases, one error shape, authentication by
 * session cookie or API token, idempotent writes, OpenAPI at /docs and the built web UI.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Database } from '../db/database';
import { actorForApiToken, actorForSession, SESSION_COOKIE } from '../services/auth/users';
import { AppError, fromDatabaseError } from '../services/errors';
import { errorBody, type ZApp } from './http';
import { registerAgingRoutes } from './routes/aging';
import { registerApprovalRoutes } from './routes/approvals';
import { registerAuthRoutes } from './routes/auth';
import { registerCreditLimitRoutes } from './routes/credit-limits';
import { registerCreditRoutes } from './routes/credit';
import { registerCustomerStatementRoutes } from './routes/customer-statements';
import { registerCollectionsRoutes } from './routes/collections';
import { registerDashboardRoutes } from './routes/dashboard';
import { registerEInvoiceRoutes } from './routes/einvoices';
import { registerExportRoutes } from './routes/export';
import { registerImportRoutes } from './routes/import';
import { registerKpiRoutes } from './routes/kpi';
import { registerLedgerRoutes } from './routes/ledger';
import { registerProvisionRoutes } from './routes/provisions';
import { registerReconciliationRoutes } from './routes/reconciliation';
import { registerReportRoutes } from './routes/reports';
import { registerStatementRoutes } from './routes/statements';
import { registerSyncRoutes } from './routes/sync';
import { registerWebhookRoutes } from './routes/webhooks';


export interface ServerOptions {
  db: Database;
  logger?: boolean;
  /** Folder of the built web UI; served with an index.html fallback when present. */
  webDist?: string | null;
}

const DEFAULT_WEB_DIST = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'web', 'dist');

export async function buildServer(opts: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger ? { level: 'info' } : false,
    bodyLimit: 10 * 1024 * 1024,
    trustProxy: true,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorateRequest('actor', null);
  app.decorateRequest('user', null);

  await app.register(fastifyCookie);
  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'Shoufu 收付 API', description: 'Receivables & payables ledger (应收应付)', version: '0.1.0' },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
          bearer: { type: 'http', scheme: 'bearer' },
        },
      },
      security: [{ session: [] }, { bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });

  app.addHook('onRequest', async (req) => {
    if (!req.url.startsWith('/api/')) return;
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ')) {
      const found = await actorForApiToken(opts.db, auth.slice(7).trim());
      if (found) {
        req.actor = found.actor;
        req.user = found.user;
      }
      return;
    }
    const token = req.cookies[SESSION_COOKIE];
    if (token) {
      const found = await actorForSession(opts.db, token);
      if (found) {
        req.actor = found.actor;
        req.user = found.user;
      }
    }
  });

  app.setErrorHandler((err, req, reply) => {
    if (err instanceof AppError) {
      return reply.code(err.status).send(errorBody(err.code, err.message, err.fields));
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const fields = err.validation.map((v) => {
        const path = v.instancePath.replace(/^\//, '').replaceAll('/', '.');
        return path || String((v.params as { issue?: { path?: unknown[] } })?.issue?.path?.join('.') ?? '');
      });
      const where = err.validationContext ?? 'body';
      const detail = err.validation.map((v) => `${v.instancePath.replace(/^\//, '').replaceAll('/', '.') || where}: ${v.message}`).join('; ');
      return reply.code(400).send(errorBody('validation_failed', `invalid ${where}: ${detail}`, fields.filter(Boolean)));
    }
    const e = err as { code?: string; statusCode?: number; message?: string };
    if (e.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || (e.statusCode === 400 && /JSON/i.test(e.message ?? ''))) {
      return reply.code(400).send(errorBody('invalid_json', 'the request body is not valid JSON'));
    }
    if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return reply.code(415).send(errorBody('unsupported_media_type', 'send application/json'));
    }
    if (e.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
      return reply.code(400).send(errorBody('invalid_json', 'the request body is empty'));
    }
    const mapped = fromDatabaseError(err);
    if (mapped) return reply.code(mapped.status).send(errorBody(mapped.code, mapped.message, mapped.fields));
    if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
      return reply.code(e.statusCode).send(errorBody('bad_request', e.message ?? 'bad request'));
    }
    req.log.error({ err }, 'unhandled error');
    return reply.code(500).send(errorBody('internal_error', 'internal error; it has been logged'));
  });

  const typed: ZApp = app.withTypeProvider<ZodTypeProvider>();
  registerAuthRoutes(typed, opts.db);
  registerLedgerRoutes(typed, opts.db);
  registerExportRoutes(typed, opts.db);
  registerAgingRoutes(typed, opts.db);
  registerStatementRoutes(typed, opts.db);
  registerEInvoiceRoutes(typed, opts.db);
  registerImportRoutes(typed, opts.db);
  registerSyncRoutes(typed, opts.db);
  registerKpiRoutes(typed, opts.db);
  registerCreditRoutes(typed, opts.db);
  registerCreditLimitRoutes(typed, opts.db);
  registerProvisionRoutes(typed, opts.db);
  registerApprovalRoutes(typed, opts.db);
  registerReportRoutes(typed, opts.db);
  registerReconciliationRoutes(typed, opts.db);
  registerCustomerStatementRoutes(typed, opts.db);
  registerWebhookRoutes(typed, opts.db);
  registerCollectionsRoutes(typed, opts.db);
  registerDashboardRoutes(typed, opts.db);

  app.get('/healthz', { schema: { hide: true } }, async () => {
    await opts.db.query('SELECT 1');
    return { ok: true, database: opts.db.kind };
  });

  const webDist = opts.webDist === undefined ? DEFAULT_WEB_DIST : opts.webDist;
  if (webDist && existsSync(join(webDist, 'index.html'))) {
    await app.register(fastifyStatic, { root: webDist, wildcard: false });
    app.setNotFoundHandler((req, reply) => {
      if (req.method === 'GET' && !req.url.startsWith('/api/') && !req.url.startsWith('/docs')) {
        return reply.sendFile('index.html');
      }
      return reply.code(404).send(errorBody('not_found', `no route ${req.method} ${req.url.split('?')[0]}`));
    });
  } else {
    app.setNotFoundHandler((req, reply) =>
      reply.code(404).send(errorBody('not_found', `no route ${req.method} ${req.url.split('?')[0]}`)),
    );
  }
  return app;
}
