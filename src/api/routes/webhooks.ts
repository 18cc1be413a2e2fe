/**
 * Webhook routes (docs/webhooks.md): endpoints, events, deliveries with their attempts, replay
 * and the test ping. Admin and finance users without a region or owner limit.
 */
import { z } from 'zod';
import type { Database } from '../../db/database';
import { EVENT_DESCRIPTIONS, EVENT_TYPES } from '../../webhooks/events';
import {
  createEndpoint,
  DELIVERY_STATUSES,
  deleteEndpoint,
  getDelivery,
  getEndpoint,
  listAttempts,
  listDeliveries,
  listEndpoints,
  listEvents,
  queueTestPing,
  replayDelivery,
  rotateSecret,
  updateEndpoint,
} from '../../webhooks/service';
import { createWebhookWorker } from '../../webhooks/worker';
import { read, type ZApp, write } from '../http';

const uuid = z.uuid();
const idParams = z.object({ id: uuid });
const eventType = z.string().min(1).max(60).describe('an event type, or "*" for all');
const page = {
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(500).default(50),
};

const endpointBody = z.object({
  url: z.string().min(1).max(2000).describe('http(s) URL the events are POSTed to'),
  eventTypes: z.array(eventType).min(1).max(50),
  entities: z.array(z.string().min(1).max(32)).max(100).nullish().describe('entity codes; absent or null = all entities'),
  description: z.string().max(500).nullish(),
  active: z.boolean().optional(),
  secret: z.string().min(16).max(200).optional().describe('the signing secret; generated when absent'),
});

const endpointPatch = z.object({
  url: z.string().min(1).max(2000).optional(),
  eventTypes: z.array(eventType).min(1).max(50).optional(),
  entities: z.array(z.string().min(1).max(32)).max(100).nullish(),
  description: z.string().max(500).nullish(),
  active: z.boolean().optional(),
});

export function registerWebhookRoutes(app: ZApp, db: Database): void {
  // Sends the test ping at once through a one-off worker (the regular one would pick it up too).
  const pinger = createWebhookWorker({ db, timeoutMs: 10_000 });

  app.get(
    '/api/webhooks/event-types',
    { schema: { tags: ['webhooks'], summary: 'The event types an endpoint can subscribe to' } },
    (req) => read(db, req, async () => ({ items: EVENT_TYPES.map((type) => ({ type, description: EVENT_DESCRIPTIONS[type] })) })),
  );

  app.get(
    '/api/webhooks/endpoints',
    { schema: { tags: ['webhooks'], summary: 'Webhook endpoints (secrets are never returned)' } },
    (req) => read(db, req, async (tx, actor) => ({ items: await listEndpoints(tx, actor) })),
  );

  app.get(
    '/api/webhooks/endpoints/:id',
    { schema: { tags: ['webhooks'], summary: 'One webhook endpoint', params: idParams } },
    (req) => read(db, req, (tx, actor) => getEndpoint(tx, actor, req.params.id)),
  );

  app.post(
    '/api/webhooks/endpoints',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Create an endpoint; the response carries the signing secret, shown this once',
        body: endpointBody,
      },
    },
    (req, reply) => write(db, req, reply, 201, (tx, actor) => createEndpoint(tx, actor, req.body)),
  );

  app.patch(
    '/api/webhooks/endpoints/:id',
    { schema: { tags: ['webhooks'], summary: 'Change an endpoint (url, event types, entities, description, active)', params: idParams, body: endpointPatch } },
    (req, reply) => write(db, req, reply, 200, (tx, actor) => updateEndpoint(tx, actor, req.params.id, req.body)),
  );

  app.post(
    '/api/webhooks/endpoints/:id/rotate-secret',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Replace the signing secret (generated unless given); shown this once',
        params: idParams,
        body: z.object({ secret: z.string().min(16).max(200).optional() }).optional(),
      },
    },
    (req, reply) => write(db, req, reply, 200, (tx, actor) => rotateSecret(tx, actor, req.params.id, req.body?.secret)),
  );

  app.delete(
    '/api/webhooks/endpoints/:id',
    { schema: { tags: ['webhooks'], summary: 'Delete an endpoint with its delivery history (events stay)', params: idParams } },
    (req, reply) => write(db, req, reply, 200, (tx, actor) => deleteEndpoint(tx, actor, req.params.id)),
  );

  app.post(
    '/api/webhooks/endpoints/:id/test',
    { schema: { tags: ['webhooks'], summary: 'Send a webhook.test event to this endpoint now; returns the delivery', params: idParams } },
    async (req, reply) => {
      const queued = (await write(db, req, reply, 201, (tx, actor) => queueTestPing(tx, actor, req.params.id))) as { deliveryId: string };
      await pinger.deliverNow(queued.deliveryId);
      return read(db, req, (tx, actor) => getDelivery(tx, actor, queued.deliveryId));
    },
  );

  app.get(
    '/api/webhooks/events',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Events in the outbox, newest first',
        querystring: z.object({ ...page, type: z.string().max(60).optional(), objectId: z.string().max(100).optional() }),
      },
    },
    (req) => read(db, req, (tx, actor) => listEvents(tx, actor, req.query)),
  );

  app.get(
    '/api/webhooks/deliveries',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Deliveries, newest first',
        querystring: z.object({
          ...page,
          endpointId: uuid.optional(),
          eventId: uuid.optional(),
          status: z.enum(DELIVERY_STATUSES).optional(),
          type: z.string().max(60).optional(),
        }),
      },
    },
    (req) => read(db, req, (tx, actor) => listDeliveries(tx, actor, req.query)),
  );

  app.get(
    '/api/webhooks/deliveries/:id',
    { schema: { tags: ['webhooks'], summary: 'One delivery with the exact body sent and every attempt', params: idParams } },
    (req) => read(db, req, (tx, actor) => getDelivery(tx, actor, req.params.id)),
  );

  app.get(
    '/api/webhooks/deliveries/:id/attempts',
    { schema: { tags: ['webhooks'], summary: 'The attempts of one delivery', params: idParams } },
    (req) =>
      read(db, req, async (tx, actor) => {
        await getDelivery(tx, actor, req.params.id);
        return { items: await listAttempts(tx, actor, req.params.id) };
      }),
  );

  app.post(
    '/api/webhooks/deliveries/:id/replay',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Deliver the same event again as a new delivery (accepts Idempotency-Key)',
        params: idParams,
      },
    },
    (req, reply) => write(db, req, reply, 201, (tx, actor) => replayDelivery(tx, actor, req.params.id)),
  );
}
