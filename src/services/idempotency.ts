/**
 * Idempotency keys (Stripe's model). The key row is inserted in the same transaction as the write:
 * a concurrent duplicate blocks on the unique key until the first commits, then replays its
 * stored response; if the first rolled back, the duplicate proceeds as the first.
 */
import { createHash } from 'node:crypto';
import type { Queryable } from '../db/database';
import { AppError } from './errors';
import { toJson } from './json';

export interface Replay {
  statusCode: number;
  body: unknown;
}

export function requestHash(method: string, path: string, body: unknown): string {
  return createHash('sha256').update(`${method} ${path}\n${toJson(body ?? null)}`).digest('hex');
}

/** Returns a stored replay, or null when this request is the first with the key (and claims it). */
export async function claimKey(tx: Queryable, userId: string, key: string, hash: string): Promise<Replay | null> {
  if (key.length === 0 || key.length > 200) {
    throw new AppError(422, 'invalid_idempotency_key', 'Idempotency-Key must be 1–200 characters', ['Idempotency-Key']);
  }
  const claimed = await tx.query(
    `INSERT INTO idempotency_keys (user_id, key, request_hash) VALUES ($1, $2, $3)
     ON CONFLICT (user_id, key) DO NOTHING RETURNING key`,
    [userId, key, hash],
  );
  if (claimed.length === 1) return null;
  const [row] = await tx.query<{ request_hash: string; status_code: number | null; response: unknown }>(
    'SELECT request_hash, status_code, response FROM idempotency_keys WHERE user_id = $1 AND key = $2',
    [userId, key],
  );
  if (!row || row.status_code === null) {
    throw new AppError(409, 'idempotency_key_in_use', 'a request with this Idempotency-Key is still in progress');
  }
  if (row.request_hash !== hash) {
    throw new AppError(409, 'idempotency_key_reused', 'this Idempotency-Key was used for a different request', [
      'Idempotency-Key',
    ]);
  }
  return { statusCode: row.status_code, body: row.response };
}

export async function storeResult(tx: Queryable, userId: string, key: string, statusCode: number, body: unknown) {
  await tx.query('UPDATE idempotency_keys SET status_code = $3, response = $4::jsonb WHERE user_id = $1 AND key = $2', [
    userId,
    key,
    statusCode,
    toJson(body),
  ]);
}

/** What a write that manages its own transactions (imports, sync) needs to honour a key. */
export interface KeyHooks {
  claim(tx: Queryable): Promise<Replay | null>;
  store(tx: Queryable, body: unknown): Promise<void>;
}

/**
 * For writes that run several transactions (imports): a completed request with the key replays at
 * once, before any work; otherwise hooks that claim the key and store the response inside the
 * write's last transaction. A key reused for a different request is refused.
 */
export async function prepareKey(
  run: <T>(fn: (tx: Queryable) => Promise<T>) => Promise<T>,
  userId: string,
  key: string,
  hash: string,
  statusCode = 200,
): Promise<{ replay: Replay } | { hooks: KeyHooks }> {
  const [prior] = await run((tx) =>
    tx.query<{ request_hash: string; status_code: number | null; response: unknown }>(
      'SELECT request_hash, status_code, response FROM idempotency_keys WHERE user_id = $1 AND key = $2',
      [userId, key],
    ),
  );
  if (prior && prior.request_hash !== hash) throw new AppError(409, 'idempotency_key_reused', 'this Idempotency-Key was used for a different request', ['Idempotency-Key']);
  if (prior?.status_code) return { replay: { statusCode: prior.status_code, body: prior.response } };
  return {
    hooks: {
      claim: (tx) => claimKey(tx, userId, key, hash),
      store: (tx, body) => storeResult(tx, userId, key, statusCode, body),
    },
  };
}
