/** Shared pieces of the HTTP edge: the app type, the error shape, scoped read/write runners. */
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Database, Queryable } from '../db/database';
import { type Actor, withActor } from '../services/actor';
import type { PublicUser } from '../services/auth/users';
import { AppError } from '../services/errors';
import { claimKey, requestHash, storeResult } from '../services/idempotency';

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | null;
    user: PublicUser | null;
  }
}

export type ZApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;


export function errorBody(code: string, message: string, fields: string[] = []) {
  return { error: { code, message, fields } };
}

export function requireActor(req: FastifyRequest): Actor {
  if (!req.actor) throw new AppError(401, 'unauthenticated', 'log in first');
  return req.actor;
}

/** Read use case in a scoped transaction. */
export function read<T>(db: Database, req: FastifyRequest, fn: (tx: Queryable, actor: Actor) => Promise<T>): Promise<T> {
  const actor = requireActor(req);
  return withActor(db, actor, (tx) => fn(tx, actor));
}

/**
 * Write use case in a scoped transaction, idempotent when the request carries an Idempotency-Key:
 * the key is claimed in the same transaction as the write, so a retry or a concurrent duplicate
 * replays the first response and never writes twice.
 */
export async function write<T>(
  db: Database,
  req: FastifyRequest,
  reply: FastifyReply,
  status: number,
  fn: (tx: Queryable, actor: Actor) => Promise<T>,
): Promise<unknown> {
  const actor = requireActor(req);
  const key = req.headers['idempotency-key'];
  const keyValue = Array.isArray(key) ? key[0] : key;
  const result = await withActor(db, actor, async (tx) => {
    if (keyValue !== undefined) {
      const replay = await claimKey(tx, actor.userId, keyValue, requestHash(req.method, req.url, req.body));
      if (replay) return { replay: true as const, status: replay.statusCode, body: replay.body };
    }
    const body = await fn(tx, actor);
    if (keyValue !== undefined) await storeResult(tx, actor.userId, keyValue, status, body);
    return { replay: false as const, status, body };
  });
  reply.code(result.status);
  if (result.replay) reply.header('Idempotent-Replayed', 'true');
  return result.body;
}

