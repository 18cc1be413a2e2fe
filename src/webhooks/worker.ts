/**
 * The delivery worker. Stateless: any number of app instances may run it against one database.
 *
 * A run claims due deliveries in a short transaction (FOR UPDATE SKIP LOCKED, so two workers never
 * take the same row), counts the attempt and leases the row by pushing next_attempt_at past the
 * HTTP deadline; the POSTs then happen outside any transaction; each result is recorded with the
 * claim token, so only the holder of the lease writes it. A worker that dies mid-flight loses its
 * lease and the delivery is tried again (at-least-once; receivers dedupe on the event id).
 *
 * The clock and the random source are injectable so that tests can step through the retry
 * schedule without waiting.
 */
import { randomUUID } from 'node:crypto';
import type { Database, Queryable } from '../db/database';
import { todayIso } from '../domain/dates';
import { afterFailure, DEFAULT_MAX_ATTEMPTS } from './backoff';
import { blockPrivateFromEnv } from './guard';
import { emitOverdue } from './overdue';
import { postJson, type SendResult } from './send';
import { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, signatureHeader, TIMESTAMP_HEADER } from './signature';

export interface WorkerOptions {
  db: Database;
  now?: () => Date;
  random?: () => number;
  /** Per-request deadline (default 10 s). */
  timeoutMs?: number;
  maxAttempts?: number;
  /** Deliveries claimed per run (default 20). */
  batchSize?: number;
  /** Requests in flight at once (default 4). */
  concurrency?: number;
  /** How long a claim holds a delivery (default: timeout + 30 s). */
  leaseMs?: number;
  blockPrivate?: boolean;
  log?: (message: string, detail?: Record<string, unknown>) => void;
}

export interface RunSummary {
  claimed: number;
  succeeded: number;
  failed: number;
  dead: number;
}

interface Claimed {
  id: string;
  attempts: number;
  claim_token: string;
  url: string;
  secret: string;
  event_id: string;
  type: string;
  occurred_at: Date | string;
  payload: unknown;
}

export const USER_AGENT = 'Shoufu-Webhooks/1.0';

/** The exact body POSTed for an event (the same for every delivery and replay of it). */
export function eventBody(e: { id: string; type: string; occurredAt: Date | string; data: unknown }): string {
  return JSON.stringify({ id: e.id, type: e.type, createdAt: new Date(e.occurredAt).toISOString(), data: e.data });
}

const CLAIM_SQL = `
WITH due AS (
  SELECT d.id FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
   WHERE d.status IN ('pending', 'failed') AND d.next_attempt_at <= $1 AND e.active AND d.attempts < $4
     AND ($6::uuid IS NULL OR d.id = $6)
   ORDER BY d.next_attempt_at, d.id
   LIMIT $2
   FOR UPDATE OF d SKIP LOCKED
)
UPDATE webhook_deliveries d
   SET attempts = d.attempts + 1, claim_token = $3, last_attempt_at = $1,
       next_attempt_at = $1::timestamptz + $5::integer * interval '1 millisecond'
  FROM due, webhook_endpoints e, webhook_events ev
 WHERE d.id = due.id AND e.id = d.endpoint_id AND ev.id = d.event_id
RETURNING d.id, d.attempts, d.claim_token, e.url, e.secret, ev.id AS event_id, ev.type, ev.occurred_at, ev.payload`;

export function createWebhookWorker(opts: WorkerOptions) {
  const db = opts.db;
  const now = opts.now ?? (() => new Date());
  const random = opts.random ?? Math.random;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const maxAttempts = opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const batchSize = opts.batchSize ?? 20;
  const concurrency = Math.max(1, opts.concurrency ?? 4);
  const leaseMs = opts.leaseMs ?? timeoutMs + 30_000;
  const blockPrivate = opts.blockPrivate ?? blockPrivateFromEnv();
  const log = opts.log ?? (() => undefined);

  /** Deliveries whose last allowed attempt was claimed and never recorded (a crashed worker). */
  async function buryAbandoned(at: Date): Promise<number> {
    const rows = await db.query(
      `UPDATE webhook_deliveries SET status = 'dead', claim_token = NULL,
              last_error = coalesce(last_error, 'the worker holding the last attempt stopped before recording it')
        WHERE status IN ('pending', 'failed') AND attempts >= $1 AND next_attempt_at <= $2 RETURNING id`,
      [maxAttempts, at],
    );
    return rows.length;
  }

  async function claim(at: Date, limit: number, only: string | null): Promise<Claimed[]> {
    const token = randomUUID();
    return db.transaction((tx) => tx.query<Claimed>(CLAIM_SQL, [at, limit, token, maxAttempts, leaseMs, only]));
  }

  async function record(tx: Queryable, c: Claimed, startedAt: Date, result: SendResult): Promise<'succeeded' | 'failed' | 'dead' | 'lost'> {
    const next = result.ok ? null : afterFailure(c.attempts, maxAttempts, now(), random);
    const status = result.ok ? 'succeeded' : next!.status;
    const updated = await tx.query(
      `UPDATE webhook_deliveries
          SET status = $2, next_attempt_at = coalesce($3, next_attempt_at), last_status_code = $4, last_response_excerpt = $5,
              last_duration_ms = $6, last_error = $7, delivered_at = CASE WHEN $2 = 'succeeded' THEN $8::timestamptz ELSE delivered_at END,
              claim_token = NULL
        WHERE id = $1 AND claim_token = $9 RETURNING id`,
      [c.id, status, next?.nextAttemptAt ?? null, result.statusCode, result.excerpt, result.durationMs, result.error, now(), c.claim_token],
    );
    if (updated.length === 0) return 'lost';
    await tx.query(
      `INSERT INTO webhook_delivery_attempts (delivery_id, attempt, started_at, duration_ms, outcome, status_code, response_excerpt, error, next_attempt_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [c.id, c.attempts, startedAt, result.durationMs, result.ok ? 'succeeded' : 'failed', result.statusCode, result.excerpt, result.error, next?.nextAttemptAt ?? null],
    );
    return status;
  }

  async function send(c: Claimed): Promise<'succeeded' | 'failed' | 'dead' | 'lost'> {
    const startedAt = now();
    const timestamp = Math.floor(startedAt.getTime() / 1000);
    const body = eventBody({ id: c.event_id, type: c.type, occurredAt: c.occurred_at, data: c.payload });
    const result = await postJson(
      c.url,
      {
        'Content-Type': 'application/json; charset=utf-8',
        'User-Agent': USER_AGENT,
        [EVENT_HEADER]: c.type,
        [DELIVERY_HEADER]: c.id,
        [TIMESTAMP_HEADER]: String(timestamp),
        [SIGNATURE_HEADER]: signatureHeader(c.secret, timestamp, body),
      },
      body,
      { timeoutMs, blockPrivate },
    );
    const outcome = await db.transaction((tx) => record(tx, c, startedAt, result));
    log(`webhook ${c.type} → ${c.url}: ${outcome}`, { delivery: c.id, attempt: c.attempts, status: result.statusCode, error: result.error });
    return outcome;
  }

  async function sendAll(claimed: Claimed[]): Promise<RunSummary> {
    const summary: RunSummary = { claimed: claimed.length, succeeded: 0, failed: 0, dead: 0 };
    let next = 0;
    const lane = async () => {
      while (next < claimed.length) {
        const c = claimed[next++]!;
        const outcome = await send(c);
        if (outcome !== 'lost') summary[outcome]++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, claimed.length) }, lane));
    return summary;
  }

  /** One batch: bury abandoned deliveries, claim up to batchSize due ones, send them, record. */
  async function runOnce(): Promise<RunSummary> {
    const at = now();
    const buried = await buryAbandoned(at);
    const summary = await sendAll(await claim(at, batchSize, null));
    summary.dead += buried;
    return summary;
  }

  /** Runs batches until one comes back short (everything due now has been tried once). */
  async function drain(maxBatches = 50): Promise<RunSummary> {
    const total: RunSummary = { claimed: 0, succeeded: 0, failed: 0, dead: 0 };
    for (let i = 0; i < maxBatches; i++) {
      const s = await runOnce();
      total.claimed += s.claimed;
      total.succeeded += s.succeeded;
      total.failed += s.failed;
      total.dead += s.dead;
      if (s.claimed < batchSize) break;
    }
    return total;
  }

  /** Tries one delivery now if it is pending or failed (whatever its schedule); null if it was not claimable. */
  async function deliverNow(deliveryId: string): Promise<'succeeded' | 'failed' | 'dead' | 'lost' | null> {
    const at = now();
    const [c] = await db.transaction((tx) =>
      tx.query<Claimed>(CLAIM_SQL.replace('AND d.next_attempt_at <= $1', ''), [at, 1, randomUUID(), maxAttempts, leaseMs, deliveryId]),
    );
    return c ? send(c) : null;
  }

  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> | null = null;
  let stopped = true;
  let lastOverdueScan = 0;

  /**
   * Runs drain() every intervalMs until stop(); with overdueScanMs also the invoice.overdue scan
   * for today (only does work when somebody subscribes to invoice.overdue).
   */
  function start(intervalMs = 5000, overdueScanMs: number | null = 3_600_000): void {
    if (!stopped) return;
    stopped = false;
    const tick = async () => {
      try {
        if (overdueScanMs !== null && Date.now() - lastOverdueScan >= overdueScanMs) {
          lastOverdueScan = Date.now();
          const scan = await emitOverdue(db, todayIso());
          if (scan.emitted) log(`invoice.overdue: ${scan.emitted} events`, { ...scan });
        }
        await drain();
      } catch (err) {
        log(`webhook worker run failed: ${(err as Error).message}`, { error: String(err) });
      }
    };
    const loop = () => {
      if (stopped) return;
      running = tick().finally(() => {
        running = null;
        if (!stopped) timer = setTimeout(loop, intervalMs);
      });
    };
    timer = setTimeout(loop, 0);
  }

  /** Stops the loop and waits for the run in flight (its requests are bounded by timeoutMs). */
  async function stop(): Promise<void> {
    stopped = true;
    if (timer) clearTimeout(timer);
    timer = null;
    if (running) await running;
  }

  return { runOnce, drain, deliverNow, start, stop };
}

export type WebhookWorker = ReturnType<typeof createWebhookWorker>;
