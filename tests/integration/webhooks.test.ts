/**
 * Outbound webhooks end to end on both databases, against a real HTTP receiver on a loopback
 * port that verifies every signature: the transactional outbox (an event iff its change
 * committed, nothing when nobody subscribes), delivery, retry with backoff on an injected clock,
 * dead after the last attempt, replay (idempotent through the API), invoice.overdue once per
 * installment, and two workers that never deliver one delivery twice (PostgreSQL).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/server';
import type { Database } from '../../src/db/database';
import { type Actor, withActor } from '../../src/services/actor';
import { importTable } from '../../src/import/import-service';
import { bufferSource } from '../../src/import/tabular/read';
import { createInvoice } from '../../src/services/ledger/invoices';
import { openDispute } from '../../src/services/ledger/disputes';
import { emitCreditHold } from '../../src/webhooks/events';
import { emitOverdue } from '../../src/webhooks/overdue';
import { createEndpoint, type EndpointInput, replayDelivery, updateEndpoint } from '../../src/webhooks/service';
import { verifySignature } from '../../src/webhooks/signature';
import { createWebhookWorker, type WorkerOptions } from '../../src/webhooks/worker';
import { createActor, databases, postgres, rejection, type Seed, seedBasics, TEST_PASSWORD } from './harness';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  json: { id: string; type: string; createdAt: string; data: Record<string, unknown> };
  verified: ReturnType<typeof verifySignature>;
}

/** A real webhook receiver: verifies the signature with the secret it is told, answers from a script. */
class Receiver {
  server: Server;
  received: Received[] = [];
  /** Status codes to answer with, in order; 200 once the list is used up. */
  script: number[] = [];
  secret = '';
  clock: () => number = Date.now;
  url = '';
  constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        this.received.push({
          headers: req.headers,
          body,
          json: JSON.parse(body),
          verified: verifySignature(String(req.headers['shoufu-signature'] ?? ''), this.secret, body, { now: this.clock }),
        });
        const status = this.script.shift() ?? 200;
        res.writeHead(status, { 'Content-Type': 'text/plain' });
        res.end(status === 200 ? 'ok 收到' : `error ${status}`);
      });
    });
  }
  async listen(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks/shoufu`;
    return this;
  }
  reset(secret: string) {
    this.received = [];
    this.script = [];
    this.secret = secret;
  }
  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

const count = async (db: Database, table: string, where = 'true') =>
  Number((await db.query<{ n: bigint }>(`SELECT count(*) AS n FROM ${table} WHERE ${where}`))[0]!.n);

describe.each(databases)('webhooks on $name', (database) => {
  let db: Database;
  let seed: Seed;
  let receiver: Receiver;
  let partyId: string;
  let clock = 0;
  const now = () => new Date(clock);
  const worker = (o: Partial<WorkerOptions> = {}) => createWebhookWorker({ db, now, random: () => 0.5, timeoutMs: 5000, ...o });

  async function endpoint(input: Partial<EndpointInput> & { eventTypes: string[] }, actor: Actor = seed.admin) {
    const created = await withActor(db, actor, (tx) => createEndpoint(tx, actor, { url: receiver.url, ...input }));
    receiver.reset(created.secret);
    return created;
  }

  async function invoice(amount = '1000.00', issueDate = '2026-03-01') {
    return seed.as().invoice({ partyId, amount, issueDate });
  }

  beforeAll(async () => {
    db = await database.open();
    seed = await seedBasics(db);
    partyId = (await seed.as().customer('C001', { name: '杭州恒信电子科技有限公司', region: '华东' })).id;
    receiver = await new Receiver().listen();
    receiver.clock = () => clock;
  });

  afterAll(async () => {
    await receiver?.close();
    await db?.close();
  });

  beforeEach(async () => {
    // Each test starts with no endpoints; a clock a little ahead of the database's now().
    await db.query('DELETE FROM webhook_endpoints');
    clock = Date.now() + 5000;
  });

  it('writes no outbox rows when no active endpoint subscribes to the event', async () => {
    const before = await count(db, 'webhook_events');
    await invoice();
    expect(await count(db, 'webhook_events')).toBe(before);
    // Subscribed to something else, or disabled: still nothing.
    const e = await endpoint({ eventTypes: ['receipt.created'] });
    await invoice();
    await withActor(db, seed.admin, (tx) => updateEndpoint(tx, seed.admin, e.id, { eventTypes: ['invoice.created'], active: false }));
    await invoice();
    expect(await count(db, 'webhook_events')).toBe(before);
  });

  it('delivers a created invoice once, signed, with the public payload', async () => {
    const e = await endpoint({ eventTypes: ['invoice.created'], description: 'ERP' });
    expect(e.secret).toMatch(/^whsec_/);
    const inv = await invoice('1130.00');
    const [event] = await db.query<{ id: string; type: string }>("SELECT id, type FROM webhook_events WHERE object_id = $1", [inv.id]);
    expect(event?.type).toBe('invoice.created');
    expect(await count(db, 'webhook_deliveries', `event_id = '${event!.id}' AND status = 'pending'`)).toBe(1);

    const summary = await worker().runOnce();
    expect(summary).toMatchObject({ claimed: 1, succeeded: 1, failed: 0 });
    expect(receiver.received).toHaveLength(1);
    const got = receiver.received[0]!;
    expect(got.verified).toEqual({ ok: true, timestamp: Math.floor(clock / 1000) });
    expect(got.headers['shoufu-event']).toBe('invoice.created');
    expect(got.headers['shoufu-timestamp']).toBe(String(Math.floor(clock / 1000)));
    expect(got.headers['content-type']).toMatch(/application\/json/);
    // A wrong secret or an edited body does not verify.
    expect(verifySignature(String(got.headers['shoufu-signature']), 'whsec_wrong-secret-123', got.body, { now: () => clock }).ok).toBe(false);
    expect(verifySignature(String(got.headers['shoufu-signature']), e.secret, got.body.replace('1130.00', '9130.00'), { now: () => clock }).ok).toBe(false);

    expect(got.json.id).toBe(event!.id);
    expect(got.json.type).toBe('invoice.created');
    const data = got.json.data as { invoice: Record<string, unknown> & { installments: Record<string, unknown>[] } };
    expect(data.invoice).toMatchObject({
      id: inv.id,
      number: inv.number,
      side: 'AR',
      kind: 'invoice',
      entity: 'SH01',
      party: { id: partyId, code: 'C001', name: '杭州恒信电子科技有限公司' },
      currency: 'CNY',
      issueDate: '2026-03-01',
      total: '1130.00',
    });
    expect(data.invoice.installments[0]).toMatchObject({ seq: 1, amount: '1130.00' });

    const [d] = await db.query<{ id: string; status: string; attempts: number; last_status_code: number; last_response_excerpt: string }>(
      'SELECT id, status, attempts, last_status_code, last_response_excerpt FROM webhook_deliveries WHERE event_id = $1',
      [event!.id],
    );
    expect(d).toMatchObject({ status: 'succeeded', attempts: 1, last_status_code: 200, last_response_excerpt: 'ok 收到' });
    expect(got.headers['shoufu-delivery']).toBe(d!.id);
    expect(await count(db, 'webhook_delivery_attempts', `delivery_id = '${d!.id}'`)).toBe(1);
    // Nothing left to do.
    expect((await worker().runOnce()).claimed).toBe(0);
    expect(receiver.received).toHaveLength(1);
  });

  it('sends one invoice.created per document of a set-based import chunk', async () => {
    await endpoint({ eventTypes: ['invoice.created'] });
    const file = ['单据编号,客户编码,开票日期,价税合计', 'WH-IMP-1,C001,2026-03-01,100.00', 'WH-IMP-2,C001,2026-03-02,200.00', 'WH-IMP-3,C001,2026-03-03,300.00'].join('\n');
    const r = await importTable(db, seed.finance, bufferSource('wh.csv', Buffer.from(file)), { kind: 'invoices' });
    expect(r.counts.created).toBe(3);
    const [audits] = await db.query<{ n: bigint }>("SELECT count(*) AS n FROM audit_log WHERE action = 'invoice.import' AND after->>'file' = 'wh.csv'");
    expect(audits!.n).toBe(1n);
    expect(await worker().runOnce()).toMatchObject({ claimed: 3, succeeded: 3 });
    const numbers = receiver.received.map((x) => (x.json.data as { invoice: { number: string; total: string } }).invoice).map((i) => `${i.number} ${i.total}`);
    expect(numbers.sort()).toEqual(['WH-IMP-1 100.00', 'WH-IMP-2 200.00', 'WH-IMP-3 300.00']);
    expect(receiver.received.every((x) => x.verified.ok)).toBe(true);
  });

  it('emits nothing for a change whose transaction rolls back', async () => {
    await endpoint({ eventTypes: ['*'] });
    const before = await count(db, 'webhook_events');
    await expect(
      withActor(db, seed.finance, async (tx) => {
        await createInvoice(tx, seed.finance, { partyId, currency: 'CNY', issueDate: '2026-03-02', lines: [{ description: '货款', unitPrice: '10.00' }] });
        expect(await tx.query('SELECT 1 FROM webhook_events WHERE type = $1', ['invoice.created'])).not.toHaveLength(0);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await count(db, 'webhook_events')).toBe(before);
    expect((await worker().runOnce()).claimed).toBe(0);
  });

  it('retries a failed delivery on the backoff schedule and records both attempts', async () => {
    await endpoint({ eventTypes: ['invoice.created'] });
    receiver.script = [500];
    const inv = await invoice('200.00');
    const w = worker();
    const t0 = clock;
    expect(await w.runOnce()).toMatchObject({ claimed: 1, failed: 1 });
    const [d] = await db.query<{ id: string; status: string; next_attempt_at: Date; last_status_code: number; last_error: string }>(
      `SELECT d.id, d.status, d.next_attempt_at, d.last_status_code, d.last_error FROM webhook_deliveries d
         JOIN webhook_events ev ON ev.id = d.event_id WHERE ev.object_id = $1`,
      [inv.id],
    );
    expect(d).toMatchObject({ status: 'failed', last_status_code: 500, last_error: 'HTTP 500' });
    expect(new Date(d!.next_attempt_at).getTime()).toBe(t0 + 60_000); // 1 minute (jitter fixed at the middle)

    // Not due yet: nothing happens until the clock passes the scheduled time.
    clock = t0 + 59_000;
    expect((await w.runOnce()).claimed).toBe(0);
    clock = t0 + 61_000;
    expect(await w.runOnce()).toMatchObject({ claimed: 1, succeeded: 1 });
    expect(receiver.received.map((r) => r.verified.ok)).toEqual([true, true]);
    expect(receiver.received[0]!.json.id).toBe(receiver.received[1]!.json.id);

    const attempts = await db.query<{ attempt: number; outcome: string; status_code: number; response_excerpt: string; next_attempt_at: Date | null }>(
      'SELECT attempt, outcome, status_code, response_excerpt, next_attempt_at FROM webhook_delivery_attempts WHERE delivery_id = $1 ORDER BY attempt',
      [d!.id],
    );
    expect(attempts.map((a) => [a.attempt, a.outcome, a.status_code, a.response_excerpt])).toEqual([
      [1, 'failed', 500, 'error 500'],
      [2, 'succeeded', 200, 'ok 收到'],
    ]);
    expect(new Date(attempts[0]!.next_attempt_at!).getTime()).toBe(t0 + 60_000);
  });

  it('gives up after the last attempt (dead), counts an unreachable receiver as a failure, and a replay delivers again', async () => {
    const e = await endpoint({ eventTypes: ['invoice.created'] });
    receiver.script = [503, 503, 503];
    await invoice('300.00');
    const w = worker({ maxAttempts: 3 });
    const statuses: string[] = [];
    for (let i = 0; i < 3; i++) {
      await w.runOnce();
      const [d] = await db.query<{ status: string }>('SELECT status FROM webhook_deliveries WHERE endpoint_id = $1', [e.id]);
      statuses.push(d!.status);
      clock += 86_400_000;
    }
    expect(statuses).toEqual(['failed', 'failed', 'dead']);
    expect((await w.runOnce()).claimed).toBe(0);
    const [dead] = await db.query<{ id: string; attempts: number }>('SELECT id, attempts FROM webhook_deliveries WHERE endpoint_id = $1', [e.id]);
    expect(dead!.attempts).toBe(3);
    expect(await count(db, 'webhook_delivery_attempts', `delivery_id = '${dead!.id}'`)).toBe(3);

    // Replay through the service: a new delivery of the same event, delivered on the next run.
    const replay = await withActor(db, seed.finance, (tx) => replayDelivery(tx, seed.finance, dead!.id));
    expect(replay).toMatchObject({ status: 'pending', attempts: 0, replayOf: dead!.id });
    expect(await w.runOnce()).toMatchObject({ claimed: 1, succeeded: 1 });
    const last = receiver.received.at(-1)!;
    expect(last.headers['shoufu-delivery']).toBe(replay.id);
    expect(last.json.id).toBe(receiver.received[0]!.json.id);
    expect(last.body).toBe(receiver.received[0]!.body);

    // A receiver that is not listening: a connection error, recorded as a failed attempt.
    await withActor(db, seed.admin, (tx) => updateEndpoint(tx, seed.admin, e.id, { url: 'http://127.0.0.1:9/closed' }));
    await withActor(db, seed.finance, (tx) => replayDelivery(tx, seed.finance, dead!.id));
    expect(await w.runOnce()).toMatchObject({ claimed: 1, failed: 1 });
    const [failed] = await db.query<{ last_error: string; last_status_code: number | null }>(
      "SELECT last_error, last_status_code FROM webhook_deliveries WHERE endpoint_id = $1 AND status = 'failed'",
      [e.id],
    );
    expect(failed!.last_status_code).toBeNull();
    expect(failed!.last_error).toMatch(/ECONNREFUSED/);
  });

  it('emits the other ledger events with their payloads, and credit.hold on request', async () => {
    await endpoint({ eventTypes: ['*'] });
    const l = seed.as();
    const inv = await invoice('1000.00', '2026-03-05');
    const [inst] = await l.installments(inv.id);
    const rc = await l.receipt({ partyId, amount: '600.00', receiptDate: '2026-03-10' });
    const alloc = await l.allocate({ receiptId: rc.id, lines: [{ installmentId: inst!, amount: '600.00' }] });
    await l.reverse(alloc.allocations[0]!.id, { effectiveDate: '2026-03-11' });
    await l.creditNote(inv.id, '100.00', '2026-03-12');
    await withActor(db, seed.finance, (tx) => openDispute(tx, seed.finance, inv.id, { reason: '数量不符', openedOn: '2026-03-13' }));
    await withActor(db, seed.finance, (tx) =>
      emitCreditHold(tx, seed.finance, { partyId, entityId: seed.entityId, reason: '超出信用额度', code: 'limit_exceeded', exposureMinor: 1_200_000n, limitMinor: 1_000_000n, currency: 'CNY', effectiveDate: '2026-03-14' }),
    );
    await worker().drain();
    const byType = new Map(receiver.received.map((r) => [r.json.type, r.json.data]));
    expect(receiver.received.every((r) => r.verified.ok)).toBe(true);
    expect([...byType.keys()].sort()).toEqual(
      ['allocation.created', 'allocation.reversed', 'credit.hold', 'creditnote.created', 'dispute.opened', 'invoice.created', 'receipt.created'].sort(),
    );
    // Two allocation.created: the receipt's, and the credit note applied to the invoice.
    expect(receiver.received.filter((r) => r.json.type === 'allocation.created')).toHaveLength(2);
    expect(byType.get('receipt.created')).toMatchObject({ receipt: { id: rc.id, amount: '600.00', currency: 'CNY', receiptDate: '2026-03-10', party: { code: 'C001' } } });
    const allocated = receiver.received.find((r) => r.json.type === 'allocation.created')!.json.data;
    expect(allocated).toMatchObject({
      source: { kind: 'receipt', id: rc.id },
      effectiveDate: '2026-03-10',
      allocations: [{ id: alloc.allocations[0]!.id, invoice: { id: inv.id, number: inv.number }, amount: '600.00', currency: 'CNY' }],
    });
    expect(byType.get('allocation.reversed')).toMatchObject({ allocation: { id: alloc.allocations[0]!.id, amount: '600.00' }, reversal: { effectiveDate: '2026-03-11' } });
    expect(byType.get('creditnote.created')).toMatchObject({ invoice: { kind: 'credit_note', total: '100.00', originalInvoice: { id: inv.id, number: inv.number } } });
    expect(byType.get('dispute.opened')).toMatchObject({ dispute: { reason: '数量不符', openedOn: '2026-03-13' }, invoice: { id: inv.id } });
    expect(byType.get('credit.hold')).toMatchObject({
      party: { code: 'C001' },
      entity: 'SH01',
      hold: { code: 'limit_exceeded', exposure: '12000.00', limit: '10000.00', currency: 'CNY', effectiveDate: '2026-03-14' },
    });
  });

  it('emits invoice.overdue once per installment, whoever scans and however often', async () => {
    await endpoint({ eventTypes: ['invoice.overdue'] });
    const l = seed.as();
    const overdue = await l.invoice({
      partyId,
      amount: '900.00',
      issueDate: '2026-01-01',
      installments: [
        { dueDate: '2026-01-31', amount: '300.00' },
        { dueDate: '2026-02-28', amount: '300.00' },
        { dueDate: '2026-12-31', amount: '300.00' },
      ],
    });
    const [first] = await l.installments(overdue.id);
    const rc = await l.receipt({ partyId, amount: '100.00', receiptDate: '2026-01-20' });
    await l.allocate({ receiptId: rc.id, lines: [{ installmentId: first!, amount: '100.00' }] });

    const before = await count(db, 'webhook_events', "type = 'invoice.overdue'");
    const scan1 = await emitOverdue(db, '2026-02-15');
    const mine = () => db.query<{ payload: { installment: { seq: number; open: string }; daysOverdue: number } }>(
      "SELECT payload FROM webhook_events WHERE type = 'invoice.overdue' AND object_id = $1 ORDER BY occurred_at",
      [overdue.id],
    );
    expect((await mine()).map((r) => [r.payload.installment.seq, r.payload.installment.open, r.payload.daysOverdue])).toEqual([[1, '200.00', 15]]);
    expect(scan1.emitted).toBeGreaterThanOrEqual(1);
    // The same day again, and concurrently: nothing new.
    const again = await Promise.all([emitOverdue(db, '2026-02-15'), emitOverdue(db, '2026-02-15')]);
    expect(again.map((s) => s.emitted)).toEqual([0, 0]);
    // Later: the second installment becomes overdue; the first is not reported again.
    await emitOverdue(db, '2026-03-15', { batchSize: 1 });
    expect((await mine()).map((r) => r.payload.installment.seq)).toEqual([1, 2]);
    expect(await count(db, 'webhook_events', "type = 'invoice.overdue'")).toBeGreaterThanOrEqual(before + 2);
    await worker().drain();
    expect(receiver.received.filter((r) => r.json.type === 'invoice.overdue' && (r.json.data as { invoice: { id: string } }).invoice.id === overdue.id)).toHaveLength(2);
  });

  it('honours entity scope and role limits (and row-level security agrees)', async () => {
    const [other] = await db.query<{ id: string }>("INSERT INTO entities (code, name) VALUES ('BJ02', '北京分公司') RETURNING id");
    await endpoint({ eventTypes: ['invoice.created'], entities: ['BJ02'] });
    const before = await count(db, 'webhook_events');
    await invoice('50.00'); // SH01: not for this endpoint
    expect(await count(db, 'webhook_events')).toBe(before);
    await seed.as().run((tx) =>
      createInvoice(tx, seed.finance, { entity: 'BJ02', partyId, currency: 'CNY', issueDate: '2026-03-03', lines: [{ description: '货款', unitPrice: '70.00' }] }),
    );
    expect(await count(db, 'webhook_events', `entity_id = '${other!.id}'`)).toBe(1);

    const collector = await createActor(db, `collector_${database.name}`, 'collector');
    const err = await rejection(withActor(db, collector, (tx) => createEndpoint(tx, collector, { url: receiver.url, eventTypes: ['*'] })));
    expect(err.status).toBe(403);
    // The database says the same: the collector's role sees no endpoint, event or delivery, and cannot read secrets at all.
    const seen = await withActor(db, collector, async (tx) => [
      (await tx.query('SELECT id FROM webhook_endpoints')).length,
      (await tx.query('SELECT id FROM webhook_events')).length,
      (await tx.query('SELECT id FROM webhook_deliveries')).length,
    ]);
    expect(seen).toEqual([0, 0, 0]);
    const secretRead = await rejection(withActor(db, seed.admin, (tx) => tx.query('SELECT secret FROM webhook_endpoints')));
    expect(secretRead.status).toBe(403);
    const regional = await createActor(db, `east_${database.name}`, 'finance', { regions: ['华东'] });
    expect((await rejection(withActor(db, regional, (tx) => createEndpoint(tx, regional, { url: receiver.url, eventTypes: ['*'] })))).status).toBe(403);
    const bad = await rejection(withActor(db, seed.admin, (tx) => createEndpoint(tx, seed.admin, { url: 'ftp://example.com/x', eventTypes: ['*'] })));
    expect(bad.code).toBe('invalid_webhook_url');
    const unknown = await rejection(withActor(db, seed.admin, (tx) => createEndpoint(tx, seed.admin, { url: receiver.url, eventTypes: ['invoice.paid'] })));
    expect(unknown.code).toBe('unknown_event_type');
  });

  describe('over HTTP', () => {
    let app: FastifyInstance;
    let cookie = '';
    beforeAll(async () => {
      app = await buildServer({ db, webDist: null });
      const r = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'admin', password: TEST_PASSWORD } });
      cookie = String(r.headers['set-cookie']).split(';')[0]!;
    });
    afterAll(async () => {
      await app?.close();
    });
    const call = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object, headers: Record<string, string> = {}) => {
      const r = await app.inject({ method, url, headers: { cookie, ...headers }, ...(payload ? { payload } : {}) });
      return { status: r.statusCode, body: r.json() as Record<string, unknown> & { items?: Record<string, unknown>[] }, headers: r.headers };
    };

    it('creates an endpoint (secret once), pings it, lists deliveries and replays idempotently', async () => {
      const created = await call('POST', '/api/webhooks/endpoints', { url: receiver.url, eventTypes: ['invoice.created'], description: '金蝶 ERP' });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const secret = String(created.body.secret);
      receiver.reset(secret);
      const id = String(created.body.id);
      const listed = await call('GET', '/api/webhooks/endpoints');
      expect(listed.body.items).toHaveLength(1);
      expect(JSON.stringify(listed.body)).not.toContain(secret);
      expect(listed.body.items![0]).toMatchObject({ id, eventTypes: ['invoice.created'], entities: null, active: true, description: '金蝶 ERP' });

      const ping = await call('POST', `/api/webhooks/endpoints/${id}/test`);
      expect(ping.status, JSON.stringify(ping.body)).toBe(201);
      expect(ping.body).toMatchObject({ type: 'webhook.test', status: 'succeeded', attempts: 1, lastStatusCode: 200 });
      // The real clock here (the API's worker is not the test's).
      expect(verifySignature(String(receiver.received[0]!.headers['shoufu-signature']), secret, receiver.received[0]!.body).ok).toBe(true);

      const inv = await invoice('88.00');
      await worker().runOnce();
      const deliveries = await call('GET', `/api/webhooks/deliveries?endpointId=${id}&type=invoice.created`);
      expect(deliveries.body.total).toBe(1);
      const delivery = deliveries.body.items![0]!;
      expect(delivery).toMatchObject({ status: 'succeeded', attempts: 1, lastStatusCode: 200, objectId: inv.id });
      const detail = await call('GET', `/api/webhooks/deliveries/${delivery.id}`);
      expect(detail.body.attemptHistory).toHaveLength(1);
      expect(detail.body.body).toBe(receiver.received.at(-1)!.body);

      const replay1 = await call('POST', `/api/webhooks/deliveries/${delivery.id}/replay`, {}, { 'idempotency-key': 'replay-1' });
      const replay2 = await call('POST', `/api/webhooks/deliveries/${delivery.id}/replay`, {}, { 'idempotency-key': 'replay-1' });
      expect(replay1.status).toBe(201);
      expect(replay2.headers['idempotent-replayed']).toBe('true');
      expect(replay2.body.id).toBe(replay1.body.id);
      expect((await call('GET', `/api/webhooks/deliveries?endpointId=${id}&type=invoice.created`)).body.total).toBe(2);
      await worker().runOnce();
      expect(receiver.received.at(-1)!.headers['shoufu-delivery']).toBe(replay1.body.id);

      const events = await call('GET', '/api/webhooks/events?type=invoice.created');
      expect(events.body.items!.some((e) => e.objectId === inv.id)).toBe(true);
      expect((await call('GET', '/api/webhooks/event-types')).body.items!.map((t) => t.type)).toContain('invoice.overdue');
      const disabled = await call('PATCH', `/api/webhooks/endpoints/${id}`, { active: false });
      expect(disabled.body.active).toBe(false);
      expect((await call('POST', '/api/webhooks/endpoints', { url: 'javascript:alert(1)', eventTypes: ['*'] })).status).toBe(422);
      expect((await call('DELETE', `/api/webhooks/endpoints/${id}`)).status).toBe(200);
      expect((await call('GET', '/api/webhooks/endpoints')).body.items).toHaveLength(0);
      const openapi = await app.inject({ method: 'GET', url: '/docs/json' });
      expect(openapi.body).toContain('/api/webhooks/deliveries/{id}/replay');
    });
  });
});

describe.skipIf(!postgres)('webhooks: two workers at once on PostgreSQL', () => {
  it('never deliver one delivery twice', async () => {
    const db = await postgres!.open({ poolSize: 12 });
    const receiver = await new Receiver().listen();
    try {
      const seed = await seedBasics(db);
      const party = (await seed.as().customer('C001')).id;
      const e = await withActor(db, seed.admin, (tx) => createEndpoint(tx, seed.admin, { url: receiver.url, eventTypes: ['invoice.created'] }));
      receiver.reset(e.secret);
      const n = 60;
      for (let i = 0; i < n; i++) await seed.as().invoice({ partyId: party, amount: `${i + 1}.00`, issueDate: '2026-03-01' });
      const workers = [0, 1, 2].map(() => createWebhookWorker({ db, batchSize: 4, concurrency: 3, timeoutMs: 5000 }));
      const results = await Promise.all(workers.map((w) => w.drain(100)));
      const ids = receiver.received.map((r) => String(r.headers['shoufu-delivery']));
      expect(ids).toHaveLength(n);
      expect(new Set(ids).size).toBe(n);
      expect(results.reduce((s, r) => s + r.succeeded, 0)).toBe(n);
      expect(results.filter((r) => r.claimed > 0).length).toBeGreaterThan(1); // both really took part
      expect(await count(db, 'webhook_deliveries', "status = 'succeeded' AND attempts = 1")).toBe(n);
      expect(await count(db, 'webhook_delivery_attempts')).toBe(n);
    } finally {
      await receiver.close();
      await db.close();
    }
  });
});
