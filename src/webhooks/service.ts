/**
 * Webhook use cases for the API and the CLI: endpoints (secret shown once), events, deliveries
 * with their attempts, replay and the test ping. Admin and finance users without a region or
 * owner limit manage webhooks; row-level security (migrations/0008_webhooks.sql) says the same.
 */
import type { Queryable } from '../db/database';
import { type Actor, createdBy, requireRole } from '../services/actor';
import { audit } from '../services/audit';
import { AppError, forbidden, invalid, notFound } from '../services/errors';
import { EVENT_TYPES, emitEvent, isEventType, TEST_EVENT } from './events';
import { checkWebhookUrl } from './guard';
import { generateSecret } from './signature';
import { eventBody } from './worker';

export const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed', 'dead'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export function requireWebhookManager(actor: Actor): void {
  requireRole(actor, 'admin', 'finance');
  if (actor.scopeRegions !== null || actor.ownCustomersOnly) {
    throw forbidden('webhooks send every region’s documents: users limited to regions or own customers cannot manage them');
  }
}

export interface EndpointInput {
  url: string;
  eventTypes: string[];
  /** Entity codes; null or absent = all entities. */
  entities?: string[] | null;
  description?: string | null;
  active?: boolean;
  /** Use this secret instead of a generated one (16–200 characters). */
  secret?: string;
}

export interface Endpoint {
  id: string;
  url: string;
  eventTypes: string[];
  entities: string[] | null;
  active: boolean;
  description: string | null;
  createdAt: string;
  updatedAt: string;
}

interface EndpointRow {
  id: string;
  url: string;
  event_types: string[];
  entity_ids: string[] | null;
  active: boolean;
  description: string | null;
  created_at: Date;
  updated_at: Date;
}

const ENDPOINT_COLUMNS = 'id, url, event_types, entity_ids, active, description, created_at, updated_at';

async function entityCodes(tx: Queryable, ids: string[] | null): Promise<string[] | null> {
  if (ids === null) return null;
  const rows = await tx.query<{ id: string; code: string }>('SELECT id, code FROM entities WHERE id = ANY ($1::uuid[]) ORDER BY code', [ids]);
  return rows.map((r) => r.code);
}

async function toEndpoint(tx: Queryable, r: EndpointRow): Promise<Endpoint> {
  return {
    id: r.id,
    url: r.url,
    eventTypes: r.event_types,
    entities: await entityCodes(tx, r.entity_ids),
    active: r.active,
    description: r.description,
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

function checkUrl(url: string): string {
  const c = checkWebhookUrl(url.trim());
  if (!c.ok) throw invalid('invalid_webhook_url', c.reason, 'url');
  return c.url.toString();
}

function checkEventTypes(types: string[]): string[] {
  const unique = [...new Set(types.map((t) => t.trim()))];
  if (unique.length === 0) throw invalid('event_types_required', 'subscribe to at least one event type (or "*")', 'eventTypes');
  for (const t of unique) {
    if (t !== '*' && !isEventType(t)) {
      throw invalid('unknown_event_type', `unknown event type "${t}"; one of ${EVENT_TYPES.join(', ')} or *`, 'eventTypes');
    }
  }
  return unique.includes('*') ? ['*'] : unique.sort();
}

async function entityIds(tx: Queryable, actor: Actor, codes: string[] | null | undefined): Promise<string[] | null> {
  if (codes === null || codes === undefined || codes.length === 0) {
    if (actor.scopeEntityIds !== null) {
      throw invalid('entities_required', 'you are limited to some entities: name them for this endpoint', 'entities');
    }
    return null;
  }
  const rows = await tx.query<{ id: string; code: string }>('SELECT id, code FROM entities WHERE code = ANY ($1::text[])', [codes]);
  const missing = codes.filter((c) => !rows.some((r) => r.code === c));
  if (missing.length) throw invalid('unknown_entity', `unknown entity ${missing.join(', ')}`, 'entities');
  if (actor.scopeEntityIds !== null && rows.some((r) => !actor.scopeEntityIds!.includes(r.id))) {
    throw forbidden('an endpoint may only cover entities in your scope');
  }
  return rows.map((r) => r.id);
}

function checkSecret(secret: string | undefined): string {
  if (secret === undefined) return generateSecret();
  if (secret.length < 16 || secret.length > 200) throw invalid('invalid_secret', 'a secret has 16 to 200 characters', 'secret');
  return secret;
}

export async function listEndpoints(tx: Queryable, actor: Actor): Promise<Endpoint[]> {
  requireWebhookManager(actor);
  const rows = await tx.query<EndpointRow>(`SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints ORDER BY created_at, id`);
  return Promise.all(rows.map((r) => toEndpoint(tx, r)));
}

export async function getEndpoint(tx: Queryable, actor: Actor, id: string): Promise<Endpoint> {
  requireWebhookManager(actor);
  const [row] = await tx.query<EndpointRow>(`SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = $1`, [id]);
  if (!row) throw notFound('webhook endpoint');
  return toEndpoint(tx, row);
}

/** Creates an endpoint; the secret is returned here and never again. */
export async function createEndpoint(tx: Queryable, actor: Actor, input: EndpointInput): Promise<Endpoint & { secret: string }> {
  requireWebhookManager(actor);
  const url = checkUrl(input.url);
  const types = checkEventTypes(input.eventTypes);
  const ids = await entityIds(tx, actor, input.entities);
  const secret = checkSecret(input.secret);
  const [row] = await tx.query<{ id: string }>(
    `INSERT INTO webhook_endpoints (url, secret, event_types, entity_ids, active, description, created_by)
     VALUES ($1, $2, $3::text[], $4::uuid[], $5, $6, $7) RETURNING id`,
    [url, secret, types, ids, input.active ?? true, input.description?.trim() || null, createdBy(actor)],
  );
  const endpoint = await getEndpoint(tx, actor, row!.id);
  await audit(tx, actor, 'webhook_endpoint.create', 'webhook_endpoint', endpoint.id, null, {
    url: endpoint.url,
    eventTypes: endpoint.eventTypes,
    entities: endpoint.entities,
    active: endpoint.active,
    description: endpoint.description,
  });
  return { ...endpoint, secret };
}

export interface EndpointPatch {
  url?: string;
  eventTypes?: string[];
  entities?: string[] | null;
  description?: string | null;
  active?: boolean;
}

export async function updateEndpoint(tx: Queryable, actor: Actor, id: string, patch: EndpointPatch): Promise<Endpoint> {
  const before = await getEndpoint(tx, actor, id);
  const sets: string[] = [];
  const params: unknown[] = [id];
  const set = (column: string, value: unknown, cast = '') => {
    params.push(value);
    sets.push(`${column} = $${params.length}${cast}`);
  };
  if (patch.url !== undefined) set('url', checkUrl(patch.url));
  if (patch.eventTypes !== undefined) set('event_types', checkEventTypes(patch.eventTypes), '::text[]');
  if (patch.entities !== undefined) set('entity_ids', await entityIds(tx, actor, patch.entities), '::uuid[]');
  if (patch.description !== undefined) set('description', patch.description?.trim() || null);
  if (patch.active !== undefined) set('active', patch.active);
  if (sets.length === 0) return before;
  await tx.query(`UPDATE webhook_endpoints SET ${sets.join(', ')}, updated_at = now() WHERE id = $1`, params);
  const after = await getEndpoint(tx, actor, id);
  const changed = (Object.keys(patch) as (keyof EndpointPatch)[]).filter((k) => patch[k] !== undefined);
  const pick = (e: Endpoint) => Object.fromEntries(changed.map((k) => [k, e[k]]));
  await audit(tx, actor, 'webhook_endpoint.update', 'webhook_endpoint', id, pick(before), pick(after));
  return after;
}

export async function rotateSecret(tx: Queryable, actor: Actor, id: string, secret?: string): Promise<{ id: string; secret: string }> {
  await getEndpoint(tx, actor, id);
  const next = checkSecret(secret);
  await tx.query('UPDATE webhook_endpoints SET secret = $2, updated_at = now() WHERE id = $1', [id, next]);
  await audit(tx, actor, 'webhook_endpoint.rotate_secret', 'webhook_endpoint', id, null, { rotated: true });
  return { id, secret: next };
}

/** Deletes an endpoint with its deliveries and their attempts (events stay). */
export async function deleteEndpoint(tx: Queryable, actor: Actor, id: string): Promise<{ id: string; deleted: true }> {
  const before = await getEndpoint(tx, actor, id);
  await tx.query('DELETE FROM webhook_endpoints WHERE id = $1', [id]);
  await audit(tx, actor, 'webhook_endpoint.delete', 'webhook_endpoint', id, { url: before.url, eventTypes: before.eventTypes }, null);
  return { id, deleted: true };
}

// ---- events and deliveries ----------------------------------------------------------------------

export interface EventFilter {
  type?: string | undefined;
  objectId?: string | undefined;
  page: number;
  pageSize: number;
}

export async function listEvents(tx: Queryable, actor: Actor, f: EventFilter) {
  requireWebhookManager(actor);
  const params: unknown[] = [];
  const where: string[] = [];
  if (f.type) {
    params.push(f.type);
    where.push(`ev.type = $${params.length}`);
  }
  if (f.objectId) {
    params.push(f.objectId);
    where.push(`ev.object_id = $${params.length}`);
  }
  params.push(f.pageSize, (f.page - 1) * f.pageSize);
  const rows = await tx.query<{ id: string; type: string; occurred_at: Date; object_id: string | null; entity: string | null; payload: unknown; deliveries: bigint; total: bigint }>(
    `SELECT ev.id, ev.type, ev.occurred_at, ev.object_id, e.code AS entity, ev.payload,
            (SELECT count(*) FROM webhook_deliveries d WHERE d.event_id = ev.id) AS deliveries, count(*) OVER () AS total
       FROM webhook_events ev LEFT JOIN entities e ON e.id = ev.entity_id
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY ev.occurred_at DESC, ev.id LIMIT $${params.length - 1} OFFSET $${params.length}`,
    params,
  );
  return {
    items: rows.map((r) => ({
      id: r.id,
      type: r.type,
      occurredAt: new Date(r.occurred_at).toISOString(),
      objectId: r.object_id,
      entity: r.entity,
      deliveries: Number(r.deliveries),
      data: r.payload,
    })),
    total: Number(rows[0]?.total ?? 0n),
    page: f.page,
    pageSize: f.pageSize,
  };
}

export interface DeliveryFilter {
  endpointId?: string | undefined;
  eventId?: string | undefined;
  status?: DeliveryStatus | undefined;
  type?: string | undefined;
  page: number;
  pageSize: number;
}

interface DeliveryRow {
  id: string;
  endpoint_id: string;
  url: string;
  event_id: string;
  type: string;
  object_id: string | null;
  occurred_at: Date;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: Date;
  last_attempt_at: Date | null;
  last_status_code: number | null;
  last_response_excerpt: string | null;
  last_duration_ms: number | null;
  last_error: string | null;
  delivered_at: Date | null;
  replay_of: string | null;
  created_at: Date;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

function toDelivery(r: DeliveryRow) {
  return {
    id: r.id,
    endpointId: r.endpoint_id,
    url: r.url,
    eventId: r.event_id,
    type: r.type,
    objectId: r.object_id,
    occurredAt: new Date(r.occurred_at).toISOString(),
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: r.status === 'pending' || r.status === 'failed' ? iso(r.next_attempt_at) : null,
    lastAttemptAt: iso(r.last_attempt_at),
    lastStatusCode: r.last_status_code,
    lastResponseExcerpt: r.last_response_excerpt,
    lastDurationMs: r.last_duration_ms,
    lastError: r.last_error,
    deliveredAt: iso(r.delivered_at),
    replayOf: r.replay_of,
    createdAt: new Date(r.created_at).toISOString(),
  };
}
export type Delivery = ReturnType<typeof toDelivery>;

const DELIVERY_COLUMNS = `d.id, d.endpoint_id, e.url, d.event_id, ev.type, ev.object_id, ev.occurred_at, d.status, d.attempts,
  d.next_attempt_at, d.last_attempt_at, d.last_status_code, d.last_response_excerpt, d.last_duration_ms, d.last_error, d.delivered_at,
  d.replay_of, d.created_at`;
const DELIVERY_FROM =
  'FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id JOIN webhook_events ev ON ev.id = d.event_id';
const DELIVERY_SQL = `SELECT ${DELIVERY_COLUMNS} ${DELIVERY_FROM}`;

export async function listDeliveries(tx: Queryable, actor: Actor, f: DeliveryFilter) {
  requireWebhookManager(actor);
  const params: unknown[] = [];
  const where: string[] = [];
  const add = (sql: string, v: unknown) => {
    params.push(v);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (f.endpointId) add('d.endpoint_id = ?', f.endpointId);
  if (f.eventId) add('d.event_id = ?', f.eventId);
  if (f.status) add('d.status = ?', f.status);
  if (f.type) add('ev.type = ?', f.type);
  const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const [count] = await tx.query<{ n: bigint }>(
    `SELECT count(*) AS n FROM webhook_deliveries d JOIN webhook_events ev ON ev.id = d.event_id ${whereSql}`,
    params,
  );
  params.push(f.pageSize, (f.page - 1) * f.pageSize);
  const rows = await tx.query<DeliveryRow>(
    `${DELIVERY_SQL} ${whereSql} ORDER BY d.created_at DESC, d.id DESC LIMIT $${params.length - 1} OFFSET $${params.length}`,
    params,
  );
  return { items: rows.map(toDelivery), total: Number(count?.n ?? 0n), page: f.page, pageSize: f.pageSize };
}

export async function getDelivery(tx: Queryable, actor: Actor, id: string) {
  requireWebhookManager(actor);
  const [row] = await tx.query<DeliveryRow & { payload: unknown }>(
    `SELECT ${DELIVERY_COLUMNS}, ev.payload ${DELIVERY_FROM} WHERE d.id = $1`,
    [id],
  );
  if (!row) throw notFound('webhook delivery');
  const attempts = await listAttempts(tx, actor, id);
  return {
    ...toDelivery(row),
    body: eventBody({ id: row.event_id, type: row.type, occurredAt: row.occurred_at, data: row.payload }),
    attemptHistory: attempts,
  };
}

export async function listAttempts(tx: Queryable, actor: Actor, deliveryId: string) {
  requireWebhookManager(actor);
  const rows = await tx.query<{
    attempt: number;
    started_at: Date;
    duration_ms: number;
    outcome: 'succeeded' | 'failed';
    status_code: number | null;
    response_excerpt: string | null;
    error: string | null;
    next_attempt_at: Date | null;
  }>(
    `SELECT attempt, started_at, duration_ms, outcome, status_code, response_excerpt, error, next_attempt_at
       FROM webhook_delivery_attempts WHERE delivery_id = $1 ORDER BY attempt`,
    [deliveryId],
  );
  return rows.map((r) => ({
    attempt: r.attempt,
    startedAt: new Date(r.started_at).toISOString(),
    durationMs: r.duration_ms,
    outcome: r.outcome,
    statusCode: r.status_code,
    responseExcerpt: r.response_excerpt,
    error: r.error,
    nextAttemptAt: iso(r.next_attempt_at),
  }));
}

/** A new pending delivery of the same event to the same endpoint (the original stays as it was). */
export async function replayDelivery(tx: Queryable, actor: Actor, id: string) {
  requireWebhookManager(actor);
  const [orig] = await tx.query<{ id: string; endpoint_id: string; event_id: string }>(
    'SELECT id, endpoint_id, event_id FROM webhook_deliveries WHERE id = $1',
    [id],
  );
  if (!orig) throw notFound('webhook delivery');
  const [row] = await tx.query<{ id: string }>(
    `INSERT INTO webhook_deliveries (endpoint_id, event_id, status, attempts, next_attempt_at, replay_of, created_by)
     VALUES ($1, $2, 'pending', 0, now(), $3, $4) RETURNING id`,
    [orig.endpoint_id, orig.event_id, orig.id, createdBy(actor)],
  );
  await audit(tx, actor, 'webhook_delivery.replay', 'webhook_delivery', row!.id, null, { replayOf: orig.id, eventId: orig.event_id });
  const [created] = await tx.query<DeliveryRow>(`${DELIVERY_SQL} WHERE d.id = $1`, [row!.id]);
  return toDelivery(created!);
}

/** Queues a webhook.test event for one endpoint; returns its delivery id (the caller may send it at once). */
export async function queueTestPing(tx: Queryable, actor: Actor, endpointId: string): Promise<{ eventId: string; deliveryId: string }> {
  const endpoint = await getEndpoint(tx, actor, endpointId);
  if (!endpoint.active) throw new AppError(409, 'endpoint_inactive', 'enable the endpoint before testing it', ['endpointId']);
  const eventId = await emitEvent(tx, {
    type: TEST_EVENT,
    entityId: null,
    objectId: endpointId,
    endpointId,
    data: { message: 'Shoufu webhook test / 收付 Webhook 测试', endpoint: { id: endpoint.id, url: endpoint.url }, by: actor.username },
  });
  if (!eventId) throw new Error('the test event was not written');
  const [d] = await tx.query<{ id: string }>('SELECT id FROM webhook_deliveries WHERE event_id = $1', [eventId]);
  return { eventId, deliveryId: d!.id };
}
