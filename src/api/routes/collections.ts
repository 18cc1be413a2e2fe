/** Collections (催收) routes: policies, calendar, robots, dry run / run now, actions, promises, do-not-contact, worklist. */
import { z } from 'zod';
import { CONTACT_KINDS, CONTACT_OUTCOMES, listContacts, logContact } from '../../collections/contacts';
import { runDunning } from '../../collections/scheduler';
import {
  addRobot,
  createPolicy,
  createPromise,
  listActions,
  listCalendar,
  listPolicies,
  listPromises,
  listRobots,
  setCalendarDay,
  setContactPreferences,
  setDoNotContact,
  updatePolicy,
  worklist,
} from '../../collections/service';
import type { Database } from '../../db/database';
import { todayIso } from '../../domain/dates';
import { CHANNELS, ESCALATIONS, TASK_ROLES, TEMPLATES } from '../../domain/dunning/policy';
import { requireRole } from '../../services/actor';
import { forbidden } from '../../services/errors';
import { read, requireActor, type ZApp, write } from '../http';

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD');
const decimal = z.string().regex(/^\d+(\.\d+)?$/, 'expected a decimal string such as "1234.50"');
const hhmm = z.string().regex(/^\d{2}:\d{2}$/, 'expected HH:MM');
const idParams = z.object({ id: z.uuid() });
const tags = ['collections'];

const level = z.object({
  code: z.string().regex(/^[a-z0-9_-]{1,40}$/),
  offsetDays: z.number().int().min(-365).max(3650),
  nameZh: z.string().min(1).max(100),
  nameEn: z.string().min(1).max(100),
  channels: z.array(z.enum(CHANNELS)).max(4),
  template: z.enum(TEMPLATES),
  taskRole: z.enum(TASK_ROLES).nullable(),
  escalation: z.enum(ESCALATIONS).nullable(),
});

const policyBody = z.object({
  name: z.string().min(1).max(200).optional(),
  priority: z.number().int().min(0).max(100000).optional(),
  active: z.boolean().optional(),
  match: z
    .object({
      regions: z.array(z.string().min(1)).nullable().optional(),
      industries: z.array(z.string().min(1)).nullable().optional(),
      riskGrades: z.array(z.string().min(1)).nullable().optional(),
      minOpenAmount: decimal.nullable().optional(),
      currency: z.string().length(3).optional(),
    })
    .optional(),
  cap: z.object({ maxContacts: z.number().int().min(0).max(100), windowDays: z.number().int().min(0).max(365), minGapDays: z.number().int().min(0).max(365) }).optional(),
  sendWindow: z.object({ start: hhmm, end: hhmm }).optional(),
  businessDaysOnly: z.boolean().optional(),
  levels: z.array(level).min(1).max(20).optional(),
});

const runBody = z.object({ asOf: isoDate.optional(), partyIds: z.array(z.uuid()).max(1000).optional() });

export function registerCollectionsRoutes(app: ZApp, db: Database): void {
  app.get('/api/collections/policies', { schema: { tags, summary: 'Dunning policies with their levels' } }, (req) => read(db, req, (tx) => listPolicies(tx)));

  app.post(
    '/api/collections/policies',
    { schema: { tags, summary: 'Create a dunning policy', body: policyBody.extend({ code: z.string().regex(/^[a-z0-9_-]{1,40}$/), name: z.string().min(1).max(200), levels: z.array(level).min(1).max(20) }) } },
    (req, reply) => write(db, req, reply, 201, (tx, actor) => createPolicy(tx, actor, req.body)),
  );

  app.put(
    '/api/collections/policies/:id',
    { schema: { tags, summary: 'Update a policy (assignment, caps, quiet hours, levels)', params: idParams, body: policyBody } },
    (req, reply) => write(db, req, reply, 200, (tx, actor) => updatePolicy(tx, actor, req.params.id, req.body)),
  );

  app.get(
    '/api/collections/calendar',
    { schema: { tags, summary: 'Holidays and 调休 working days', querystring: z.object({ year: z.coerce.number().int().min(2000).max(2100).optional() }) } },
    (req) => read(db, req, (tx) => listCalendar(tx, req.query.year)),
  );

  app.put(
    '/api/collections/calendar/:day',
    {
      schema: {
        tags,
        summary: 'Mark a day as holiday or make-up working day (kind null removes it)',
        params: z.object({ day: isoDate }),
        body: z.object({ kind: z.enum(['holiday', 'workday']).nullable(), name: z.string().min(1).max(100).optional() }),
      },
    },
    (req, reply) => write(db, req, reply, 200, (tx, actor) => setCalendarDay(tx, actor, { day: req.params.day, kind: req.body.kind, ...(req.body.name ? { name: req.body.name } : {}) })),
  );

  app.get('/api/collections/robots', { schema: { tags, summary: 'WeCom / DingTalk group robots (no secrets)' } }, (req) => read(db, req, (tx) => listRobots(tx)));

  app.post(
    '/api/collections/robots',
    {
      schema: {
        tags,
        summary: 'Add a WeCom or DingTalk group robot',
        body: z.object({
          kind: z.enum(['wecom', 'dingtalk']),
          name: z.string().min(1).max(100),
          webhookUrl: z.url(),
          secret: z.string().min(1).max(200).nullish(),
          regions: z.array(z.string().min(1)).nullish(),
          perMinute: z.number().int().min(1).max(600).optional(),
        }),
      },
    },
    (req, reply) => write(db, req, reply, 201, (tx, actor) => addRobot(tx, actor, req.body)),
  );

  app.post(
    '/api/collections/dry-run',
    { schema: { tags, summary: 'What a run would send now (writes nothing)', body: runBody } },
    async (req) => {
      const actor = requireActor(req);
      requireRole(actor, 'admin', 'finance', 'manager', 'collector');
      return (await runDunning({ db, actor, dryRun: true, asOf: req.body.asOf ?? null, partyIds: req.body.partyIds ?? null })).plan;
    },
  );

  app.post(
    '/api/collections/run',
    { schema: { tags, summary: 'Run now: plan what is due and send it', body: runBody } },
    async (req) => {
      const actor = requireActor(req);
      requireRole(actor, 'admin', 'finance', 'manager');
      if (actor.scopeRegions !== null || actor.scopeEntityIds !== null || actor.ownCustomersOnly) {
        throw forbidden('a run acts on every customer: it needs a user without a data scope limit');
      }
      return runDunning({ db, actor, asOf: req.body.asOf ?? null, partyIds: req.body.partyIds ?? null });
    },
  );

  app.get(
    '/api/collections/actions',
    {
      schema: {
        tags,
        summary: 'Planned and sent dunning actions',
        querystring: z.object({
          partyId: z.uuid().optional(),
          status: z.enum(['planned', 'sending', 'sent', 'failed', 'dead', 'cancelled']).optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(200),
        }),
      },
    },
    (req) => read(db, req, (tx) => listActions(tx, req.query)),
  );

  app.get(
    '/api/collections/promises',
    { schema: { tags, summary: 'Promises to pay with kept/broken derived from receipts', querystring: z.object({ partyId: z.uuid().optional(), asOf: isoDate.optional() }) } },
    (req) => read(db, req, (tx) => listPromises(tx, { partyId: req.query.partyId ?? null, asOf: req.query.asOf ?? todayIso() })),
  );

  app.post(
    '/api/collections/promises',
    {
      schema: {
        tags,
        summary: 'Record a promise to pay (pauses dunning of the items it covers until its date)',
        body: z.object({
          partyId: z.uuid(),
          amount: decimal,
          currency: z.string().length(3).default('CNY'),
          promisedDate: isoDate,
          madeOn: isoDate.optional(),
          installmentIds: z.array(z.uuid()).max(500).nullish(),
          note: z.string().max(1000).nullish(),
        }),
      },
    },
    (req, reply) => write(db, req, reply, 201, (tx, actor) => createPromise(tx, actor, { ...req.body, madeOn: req.body.madeOn ?? todayIso() })),
  );

  app.put(
    '/api/collections/customers/:id/do-not-contact',
    { schema: { tags, summary: 'Set or clear the do-not-contact flag', params: idParams, body: z.object({ doNotContact: z.boolean(), reason: z.string().max(500).nullish() }) } },
    (req, reply) => write(db, req, reply, 200, (tx, actor) => setDoNotContact(tx, actor, req.params.id, req.body)),
  );

  app.put(
    '/api/collections/customers/:id/contact-preferences',
    {
      schema: {
        tags,
        summary: "The customer's time zone (quiet hours) and message language",
        params: idParams,
        body: z.object({ timeZone: z.string().min(1).max(64).optional(), locale: z.enum(['zh-CN', 'en-US']).optional() }),
      },
    },
    (req, reply) => write(db, req, reply, 200, (tx, actor) => setContactPreferences(tx, actor, req.params.id, req.body)),
  );

  app.get(
    '/api/collections/customers/:id/contacts',
    { schema: { tags, summary: 'The contact log (催收记录) of a customer, newest first', params: idParams } },
    (req) => read(db, req, (tx) => listContacts(tx, req.params.id)),
  );

  app.post(
    '/api/collections/customers/:id/contacts',
    {
      schema: {
        tags,
        summary: 'Log a call, visit, e-mail, message or note on a customer, with its outcome and a follow-up date',
        params: idParams,
        body: z.object({
          kind: z.enum(CONTACT_KINDS),
          outcome: z.enum(CONTACT_OUTCOMES).nullish(),
          note: z.string().min(1).max(2000),
          contactAt: z.iso.datetime({ offset: true }).nullish(),
          followUpOn: isoDate.nullish(),
        }),
      },
    },
    (req, reply) => write(db, req, reply, 201, (tx, actor) => logContact(tx, actor, req.params.id, req.body)),
  );

  app.get(
    '/api/collections/worklist',
    {
      schema: {
        tags,
        summary: 'Collector worklist: broken/due promises first, then by expected loss (fallback days overdue × amount)',
        querystring: z.object({ asOf: isoDate.optional(), limit: z.coerce.number().int().min(1).max(1000).default(200), currency: z.string().length(3).optional() }),
      },
    },
    (req) =>
      read(db, req, (tx, actor) =>
        worklist(tx, actor, { asOf: req.query.asOf ?? todayIso(), limit: req.query.limit, ...(req.query.currency ? { currency: req.query.currency } : {}) }),
      ),
  );
}
