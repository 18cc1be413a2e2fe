/** Scheduled reports: a user's weekly aging e-mail subscriptions (docs/analytics.md). */
import { z } from 'zod';
import type { Database } from '../../db/database';
import { createSubscription, deleteSubscription, listSubscriptions, sendNow } from '../../reports/subscriptions';
import { read, requireActor, write, type ZApp } from '../http';

const subscriptionBody = z.object({
  weekday: z.number().int().min(1).max(7).describe('ISO weekday: 1 = Monday … 7 = Sunday'),
  hour: z.number().int().min(0).max(23).describe('hour of the day in timeZone'),
  timeZone: z.string().min(1).max(64).optional().describe('IANA time zone, default Asia/Shanghai'),
  recipients: z.array(z.string().min(3).max(254)).min(1).max(20),
  options: z
    .object({
      by: z.array(z.string()).max(2).optional(),
      basis: z.enum(['due', 'invoice']).optional(),
      buckets: z.string().max(100).optional(),
      side: z.enum(['AR', 'AP']).optional(),
      currency: z.string().max(8).optional(),
      locale: z.enum(['zh-CN', 'en-US']).optional(),
    })
    .optional(),
});

export function registerReportRoutes(app: ZApp, db: Database): void {
  app.get('/api/reports/subscriptions', { schema: { tags: ['reports'], summary: 'My weekly report subscriptions, with their last deliveries' } }, (req) =>
    read(db, req, (tx) => listSubscriptions(tx)),
  );
  app.post(
    '/api/reports/subscriptions',
    { schema: { tags: ['reports'], summary: 'Subscribe to the weekly aging / overdue summary by e-mail (PDF + XLSX attached)', body: subscriptionBody } },
    (req, reply) => write(db, req, reply, 201, (tx, actor) => createSubscription(tx, actor, req.body as Parameters<typeof createSubscription>[2])),
  );
  app.delete(
    '/api/reports/subscriptions/:id',
    { schema: { tags: ['reports'], summary: 'Cancel a subscription', params: z.object({ id: z.uuid() }) } },
    async (req, reply) => {
      await read(db, req, (tx, actor) => deleteSubscription(tx, actor, req.params.id));
      return reply.code(204).send();
    },
  );
  app.post(
    '/api/reports/subscriptions/:id/send-now',
    { schema: { tags: ['reports'], summary: 'Send this week’s report now, outside the schedule', params: z.object({ id: z.uuid() }) } },
    async (req) => ({ outcome: await sendNow(db, requireActor(req), req.params.id) }),
  );
}
