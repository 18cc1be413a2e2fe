/**
 * The HTTP API as an integration would use it, on both databases: authentication, one error
 * shape for bad input with nothing half-written, idempotent writes (also under concurrency), and
 * data scopes through every read path (by id, list, export, report).
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/server';
import type { Database } from '../../src/db/database';
import { EXPORT_COLUMNS, EXPORT_KINDS } from '../../src/export/exports';
import { LOGIN_MAX_FAILURES } from '../../src/services/auth/users';
import { createActor, databases, seedBasics, TEST_PASSWORD } from './harness';

type Json = Record<string, unknown> & { items?: Record<string, unknown>[] };

describe.each(databases)('HTTP API on $name', (database) => {
  let db: Database;
  let app: FastifyInstance;
  let adminCookie = '';
  const ids: Record<string, string> = {};

  async function loginCookie(username: string, password = TEST_PASSWORD): Promise<string> {
    const r = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } });
    expect(r.statusCode, r.body).toBe(200);
    const setCookie = String(r.headers['set-cookie']);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    return setCookie.split(';')[0]!;
  }

  async function call(cookie: string, method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown, headers: Record<string, string> = {}) {
    const r = await app.inject({ method, url, headers: { cookie, ...headers }, ...(payload === undefined ? {} : { payload: payload as object }) });
    return { status: r.statusCode, body: r.body ? (r.json() as Json) : ({} as Json), headers: r.headers };
  }

  async function counts() {
    const [row] = await db.query<{ inv: bigint; rc: bigint; al: bigint; au: bigint; pa: bigint }>(
      `SELECT (SELECT count(*) FROM invoices) AS inv, (SELECT count(*) FROM receipts) AS rc, (SELECT count(*) FROM allocations) AS al,
              (SELECT count(*) FROM audit_log) AS au, (SELECT count(*) FROM parties) AS pa`,
    );
    return row!;
  }

  beforeAll(async () => {
    db = await database.open();
    await seedBasics(db);
    await createActor(db, 'east', 'finance', { regions: ['华东'] });
    await createActor(db, 'sales1', 'sales', { ownCustomersOnly: true });
    app = await buildServer({ db, webDist: null });
    adminCookie = await loginCookie('finance');
    const east = await call(adminCookie, 'POST', '/api/parties', { code: 'E001', name: '杭州恒信电子科技有限公司', region: '华东', ownerUsername: 'sales1' });
    const south = await call(adminCookie, 'POST', '/api/parties', { code: 'S001', name: '广州南方贸易有限公司', region: '华南' });
    expect(east.status, JSON.stringify(east.body)).toBe(201);
    ids.east = String(east.body.id);
    ids.south = String(south.body.id);
    for (const [key, code, amount] of [
      ['eastInv1', 'E001', '1000.00'],
      ['eastInv2', 'E001', '500.00'],
      ['southInv', 'S001', '800.00'],
    ] as const) {
      const r = await call(adminCookie, 'POST', '/api/invoices', {
        partyCode: code,
        currency: 'CNY',
        issueDate: '2026-01-05',
        lines: [{ description: '货款', unitPrice: amount }],
      });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      ids[key] = String(r.body.id);
    }
    const rc = await call(adminCookie, 'POST', '/api/receipts', { partyCode: 'E001', currency: 'CNY', receiptDate: '2026-02-01', amount: '1200.00', bankReference: 'BR-1' });
    ids.eastReceipt = String(rc.body.id);
    const rs = await call(adminCookie, 'POST', '/api/receipts', { partyCode: 'S001', currency: 'CNY', receiptDate: '2026-02-01', amount: '800.00', bankReference: 'BR-2' });
    ids.southReceipt = String(rs.body.id);
  });

  afterAll(async () => {
    await app?.close();
    await db?.close();
  });

  it('refuses requests without a session and wrong passwords, and rate-limits repeated failures', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/customers' })).statusCode).toBe(401);
    const wrong = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'east', password: 'nope-nope' } });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.code).toBe('invalid_credentials');
    for (let i = 1; i < LOGIN_MAX_FAILURES; i++) {
      await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'east', password: 'nope-nope' } });
    }
    const limited = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'east', password: TEST_PASSWORD } });
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('too_many_attempts');
    await db.query("DELETE FROM login_attempts WHERE username = 'east'");
  });

  it('allocates a receipt to two invoices and the balances follow', async () => {
    const cands = await call(adminCookie, 'GET', `/api/receipts/${ids.eastReceipt}/candidates`);
    expect(cands.status).toBe(200);
    const items = cands.body.items as { installmentId: string; invoiceId: string; open: string }[];
    expect(items.map((c) => c.open).sort()).toEqual(['1000.00', '500.00']);
    const first = items.find((c) => c.invoiceId === ids.eastInv1)!;
    const second = items.find((c) => c.invoiceId === ids.eastInv2)!;
    const r = await call(adminCookie, 'POST', '/api/allocations', {
      receiptId: ids.eastReceipt,
      lines: [
        { installmentId: first.installmentId, amount: '1000.00' },
        { installmentId: second.installmentId, amount: '200.00' },
      ],
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.unapplied).toBe('0.00');
    const inv2 = await call(adminCookie, 'GET', `/api/invoices/${ids.eastInv2}`);
    expect(inv2.body.open).toBe('300.00');
    expect(inv2.body.status).toBe('overdue');
    const inv1 = await call(adminCookie, 'GET', `/api/invoices/${ids.eastInv1}`);
    expect(inv1.body.status).toBe('paid');
    // As of a date before the receipt, nothing was paid yet.
    const before = await call(adminCookie, 'GET', `/api/invoices/${ids.eastInv1}?asOf=2026-01-31`);
    expect(before.body.open).toBe('1000.00');
    const customer = await call(adminCookie, 'GET', `/api/customers/${ids.east}`);
    expect(customer.body.open).toBe('300.00');
  });

  it('rejects bad input with one error shape naming the field, and writes nothing', async () => {
    const before = await counts();
    const cases: [unknown, number, string, string | null][] = [
      [{ partyCode: 'E001', currency: 'CNY', issueDate: '2026-01-05', lines: [{ description: 'x', unitPrice: 12 }] }, 400, 'validation_failed', 'lines.0.unitPrice'],
      [{ partyCode: 'E001', currency: 'CNY', issueDate: '2026-01-05', lines: [{ description: 'x', unitPrice: '-5.00' }] }, 422, 'amount_negative', 'lines.0.unitPrice'],
      [{ partyCode: 'E001', currency: 'XYZ', issueDate: '2026-01-05', lines: [{ description: 'x', unitPrice: '5.00' }] }, 422, 'unknown_currency', 'currency'],
      [{ partyCode: 'E001', currency: 'CNY', issueDate: '2026-02-30', lines: [{ description: 'x', unitPrice: '5.00' }] }, 422, 'invalid_date', 'issueDate'],
      [{ partyCode: 'E001', currency: 'CNY', issueDate: '2026-01-05', lines: [{ description: 'x', unitPrice: '5.001' }] }, 422, 'too_many_decimals', 'lines.0.unitPrice'],
      [{ partyCode: 'NOPE', currency: 'CNY', issueDate: '2026-01-05', lines: [{ description: 'x', unitPrice: '5.00' }] }, 404, 'not_found', 'partyCode'],
      [
        { partyCode: 'E001', currency: 'CNY', issueDate: '2026-01-05', lines: [{ description: 'x', unitPrice: '5.00' }], installments: [{ dueDate: '2026-02-01', amount: '4.00' }] },
        422,
        'schedule_mismatch',
        'installments',
      ],
    ];
    for (const [payload, status, code, field] of cases) {
      const r = await call(adminCookie, 'POST', '/api/invoices', payload);
      expect(r.status, JSON.stringify(r.body)).toBe(status);
      const err = r.body.error as { code: string; message: string; fields: string[] };
      expect(err.code).toBe(code);
      expect(err.message.length).toBeGreaterThan(0);
      if (field) expect(err.fields).toContain(field);
    }
    const malformed = await app.inject({ method: 'POST', url: '/api/receipts', payload: '{"amount": ', headers: { cookie: adminCookie, 'content-type': 'application/json' } });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error.code).toBe('invalid_json');
    const negative = await call(adminCookie, 'POST', '/api/receipts', { partyCode: 'E001', currency: 'CNY', receiptDate: '2026-02-01', amount: '-1.00' });
    expect(negative.status).toBe(422);
    expect((negative.body.error as { fields: string[] }).fields).toEqual(['amount']);
    // Over-allocation: the south receipt (800) to the south invoice (800) plus one cent too much.
    const cands = await call(adminCookie, 'GET', `/api/receipts/${ids.southReceipt}/candidates`);
    const inst = (cands.body.items as { installmentId: string }[])[0]!;
    const over = await call(adminCookie, 'POST', '/api/allocations', { receiptId: ids.southReceipt, lines: [{ installmentId: inst.installmentId, amount: '800.01' }] });
    expect(over.status).toBe(409);
    expect((over.body.error as { code: string }).code).toBe('installment_over_allocated');
    expect(await counts()).toEqual(before);
  });

  it('replays an idempotent request, refuses a reused key with another body, and writes once under concurrency', async () => {
    const body = { partyCode: 'S001', currency: 'CNY', receiptDate: '2026-03-01', amount: '99.00', bankReference: 'IDEM-1' };
    const first = await call(adminCookie, 'POST', '/api/receipts', body, { 'idempotency-key': 'key-1' });
    const again = await call(adminCookie, 'POST', '/api/receipts', body, { 'idempotency-key': 'key-1' });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.id).toBe(first.body.id);
    const reused = await call(adminCookie, 'POST', '/api/receipts', { ...body, amount: '100.00' }, { 'idempotency-key': 'key-1' });
    expect(reused.status).toBe(409);
    expect((reused.body.error as { code: string }).code).toBe('idempotency_key_reused');

    const before = await counts();
    const concurrent = await Promise.all(
      Array.from({ length: 10 }, () =>
        call(adminCookie, 'POST', '/api/receipts', { ...body, bankReference: 'IDEM-2', amount: '42.00' }, { 'idempotency-key': 'key-2' }),
      ),
    );
    expect(new Set(concurrent.map((r) => r.status))).toEqual(new Set([201]));
    expect(new Set(concurrent.map((r) => r.body.id)).size).toBe(1);
    const after = await counts();
    expect(after.rc - before.rc).toBe(1n);
  });

  it('keeps a region-scoped user and a salesperson inside their scope on every read path', async () => {
    const east = await loginCookie('east');
    const sales = await loginCookie('sales1');
    for (const cookie of [east, sales]) {
      expect((await call(cookie, 'GET', `/api/customers/${ids.south}`)).status).toBe(404);
      expect((await call(cookie, 'GET', `/api/invoices/${ids.southInv}`)).status).toBe(404);
      expect((await call(cookie, 'GET', `/api/receipts/${ids.southReceipt}`)).status).toBe(404);
      const list = await call(cookie, 'GET', '/api/customers');
      expect((list.body.items ?? []).map((c) => c.code)).toEqual(['E001']);
      const invoices = await call(cookie, 'GET', '/api/invoices?pageSize=100');
      expect(new Set((invoices.body.items ?? []).map((i) => i.partyCode))).toEqual(new Set(['E001']));
      const exported = await call(cookie, 'GET', '/api/export/invoices?format=json');
      const rows = exported.body.rows as { customer_code: string }[];
      expect(rows.length).toBe(2);
      expect(rows.every((r) => r.customer_code === 'E001')).toBe(true);
      const csv = await app.inject({ method: 'GET', url: '/api/export/customers?format=csv', headers: { cookie } });
      expect(csv.body).not.toContain('S001');
      const summary = await call(cookie, 'GET', '/api/dashboard/summary');
      expect(summary.body.receivable).toBe('300.00');
    }
    // The sales user cannot write, and cannot read the audit log.
    const write = await call(sales, 'POST', '/api/receipts', { partyCode: 'E001', currency: 'CNY', receiptDate: '2026-03-01', amount: '1.00' });
    expect(write.status).toBe(403);
    expect((await call(sales, 'GET', '/api/audit')).status).toBe(403);
    // The region user may write inside the region, not outside it.
    const outside = await call(east, 'POST', '/api/receipts', { partyId: ids.south, currency: 'CNY', receiptDate: '2026-03-01', amount: '1.00' });
    expect(outside.status).toBe(404);
  });

  it('shows a scoped user an invoice paid by a head office outside their scope as paid', async () => {
    const parent = await call(adminCookie, 'POST', '/api/parties', { code: 'G001', name: '南方集团总部有限公司', region: '华南' });
    const child = await call(adminCookie, 'POST', '/api/parties', { code: 'E002', name: '南方集团（杭州）有限公司', region: '华东', parentCode: 'G001' });
    expect(child.status, JSON.stringify(child.body)).toBe(201);
    const inv = await call(adminCookie, 'POST', '/api/invoices', { partyCode: 'E002', currency: 'CNY', issueDate: '2026-01-05', lines: [{ description: '货款', unitPrice: '700.00' }] });
    const rc = await call(adminCookie, 'POST', '/api/receipts', { partyId: parent.body.id, currency: 'CNY', receiptDate: '2026-02-01', amount: '700.00' });
    const cands = await call(adminCookie, 'GET', `/api/receipts/${rc.body.id}/candidates`);
    const line = (cands.body.items as { invoiceId: string; installmentId: string }[]).find((c) => c.invoiceId === inv.body.id)!;
    const alloc = await call(adminCookie, 'POST', '/api/allocations', { receiptId: rc.body.id, lines: [{ installmentId: line.installmentId, amount: '700.00' }] });
    expect(alloc.status, JSON.stringify(alloc.body)).toBe(201);
    const east = await loginCookie('east');
    expect((await call(east, 'GET', `/api/receipts/${rc.body.id}`)).status).toBe(404);
    const seen = await call(east, 'GET', `/api/invoices/${inv.body.id}`);
    expect(seen.body.status).toBe('paid');
    expect(seen.body.open).toBe('0.00');
  });

  it('marks an invoice disputed while a dispute is open, as of any date', async () => {
    const opened = await call(adminCookie, 'POST', `/api/invoices/${ids.southInv}/disputes`, { reason: '客户称货物破损', openedOn: '2026-03-10' });
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    expect((await call(adminCookie, 'GET', `/api/invoices/${ids.southInv}?asOf=2026-03-15`)).body.status).toBe('disputed');
    expect((await call(adminCookie, 'GET', `/api/invoices/${ids.southInv}?asOf=2026-03-01`)).body.status).toBe('overdue');
    const again = await call(adminCookie, 'POST', `/api/invoices/${ids.southInv}/disputes`, { reason: 'twice' });
    expect(again.status).toBe(409);
    const resolved = await call(adminCookie, 'POST', `/api/invoices/${ids.southInv}/disputes/resolve`, { resolvedOn: '2026-04-01' });
    expect(resolved.status, JSON.stringify(resolved.body)).toBe(200);
    expect((await call(adminCookie, 'GET', `/api/invoices/${ids.southInv}?asOf=2026-03-15`)).body.status).toBe('disputed');
    expect((await call(adminCookie, 'GET', `/api/invoices/${ids.southInv}?asOf=2026-04-02`)).body.status).toBe('overdue');
  });

  it('exports every kind with the same header whether or not it has rows', async () => {
    const east = await loginCookie('east');
    for (const kind of EXPORT_KINDS) {
      const full = await call(adminCookie, 'GET', `/api/export/${kind}?format=json`);
      const rows = full.body.rows as Record<string, unknown>[];
      if (rows.length > 0) expect(Object.keys(rows[0]!)).toEqual(EXPORT_COLUMNS[kind]);
    }
    // A date before anything was issued: no rows, and the CSV still has its header.
    const csv = await app.inject({ method: 'GET', url: '/api/export/invoices?format=csv&asOf=2020-01-01', headers: { cookie: east } });
    expect(csv.body.startsWith('\uFEFF')).toBe(true);
    expect(csv.body.trim()).toBe(EXPORT_COLUMNS.invoices.join(','));
  });

  it('serves the OpenAPI document and records every write in the audit log', async () => {
    const docs = await app.inject({ method: 'GET', url: '/docs/json' });
    expect(docs.statusCode).toBe(200);
    const paths = Object.keys(docs.json().paths);
    expect(paths).toEqual(expect.arrayContaining(['/api/invoices', '/api/allocations', '/api/receipts/{id}/candidates', '/api/export/{kind}']));
    const audit = await call(adminCookie, 'GET', '/api/audit?pageSize=200');
    const actions = new Set((audit.body.items ?? []).map((a) => a.action));
    for (const a of ['party.create', 'invoice.post', 'receipt.post', 'allocation.create', 'user.create', 'dispute.open', 'dispute.resolve']) expect(actions.has(a)).toBe(true);
  });
});
