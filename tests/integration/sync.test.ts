/**
 * The ERP/CRM sync API (POST /api/sync/{kind}) on both databases: records keyed by the other
 * system's ids create, then find the same parties and documents; a batch is all or nothing unless
 * mode=valid; an Idempotency-Key replays; a 10,000-record batch goes through in one call; data
 * scopes hold.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/server';
import type { Database } from '../../src/db/database';
import { verifyAuditChain } from '../../src/services/audit';
import { createApiToken } from '../../src/services/auth/users';
import { withActor } from '../../src/services/actor';
import { createActor, databases, ledgerSnapshot, ledgerViolations, seedBasics } from './harness';

describe.each(databases)('sync API on $name', (database) => {
  let db: Database;
  let app: Awaited<ReturnType<typeof buildServer>>;
  let token = '';

  beforeAll(async () => {
    db = await database.open();
    await seedBasics(db);
    app = await buildServer({ db, webDist: null });
    token = await createApiToken(db, 'finance', 'sync test');
  });
  afterAll(async () => {
    await app?.close();
    await db?.close();
  });

  const sync = (kind: string, body: unknown, headers: Record<string, string> = {}, auth = token) =>
    app.inject({ method: 'POST', url: `/api/sync/${kind}`, headers: { authorization: `Bearer ${auth}`, ...headers }, payload: body as object });

  it('creates customers from CRM records, links their ids, and finds them again by id on the next call', async () => {
    const first = await sync('customers', {
      source: 'crm',
      records: [
        { externalId: 'acc-1001', partyCode: 'SY-C1', partyName: '同步客户一有限公司', region: '华东', paymentTerms: 30, creditLimit: '500000.00' },
        { externalId: 'acc-1002', partyName: '同步客户二有限公司', region: '华南' },
      ],
    });
    expect(first.statusCode).toBe(200);
    const r = first.json();
    expect(r).toMatchObject({ status: 'imported', kind: 'customers', source: 'crm', counts: { rows: 2, created: 2, rejected: 0 } });
    expect(r.records.map((x: { status: string; id: string | null }) => [x.status, typeof x.id])).toEqual([
      ['ok', 'string'],
      ['ok', 'string'],
    ]);
    // No code given: the external id is the code; the link is also on the party.
    const parties = await db.query<{ id: string; code: string; external_ids: Record<string, string> }>(
      "SELECT id, code, external_ids FROM parties WHERE name LIKE '同步客户%' ORDER BY name",
    );
    expect(parties.map((p) => p.code)).toEqual(['SY-C1', 'acc-1002']);
    expect(parties[0]!.external_ids).toEqual({ crm: 'acc-1001' });
    expect(r.records[0].id).toBe(parties[0]!.id);

    // Next day: the CRM sends the same ids with a new name and limit, without the code.
    const second = await sync('customers', {
      source: 'crm',
      records: [
        { externalId: 'acc-1001', partyName: '同步客户一（集团）有限公司', creditLimit: '800000.00' },
        { externalId: 'acc-1002', partyName: '同步客户二有限公司' },
      ],
    });
    expect(second.statusCode).toBe(200);
    expect(second.json()).toMatchObject({ status: 'imported', counts: { created: 0, updated: 1, unchanged: 1 } });
    const [updated] = await db.query<{ name: string; credit_limit_minor: bigint }>("SELECT name, credit_limit_minor FROM parties WHERE code = 'SY-C1'");
    expect(updated).toEqual({ name: '同步客户一（集团）有限公司', credit_limit_minor: 80_000_000n });

    // A linked id cannot move to another code.
    const moved = await sync('customers', { source: 'crm', records: [{ externalId: 'acc-1001', partyCode: 'SY-OTHER', partyName: 'x' }] });
    expect(moved.statusCode).toBe(422);
    expect(moved.json()).toMatchObject({ status: 'rejected', errors: [{ record: 0, externalId: 'acc-1001', code: 'external_id_conflict' }] });
  });

  it('posts invoices keyed by ERP ids, all or nothing, naming the wrong record; mode=valid writes the good ones', async () => {
    const records = [
      { externalId: 'FID-1', number: 'SY-INV-1', partyCode: 'SY-C1', issueDate: '2026-03-01', dueDate: '2026-03-31', total: 11300, tax: '1300.00', currency: 'CNY' },
      { externalId: 'FID-2', number: 'SY-INV-2', partyCode: 'SY-C1', issueDate: '2026-03-02', total: '2,260.00' },
      { externalId: 'FID-3', number: 'SY-INV-3', partyCode: 'NOBODY', issueDate: '2026-03-03', total: '100.00' },
    ];
    const before = await ledgerSnapshot(db);
    const all = await sync('invoices', { source: 'kingdee', records });
    expect(all.statusCode).toBe(422);
    expect(all.json()).toMatchObject({ status: 'rejected', error: { code: 'sync_rejected' }, errors: [{ record: 2, externalId: 'FID-3', field: 'partyCode', code: 'unknown_party' }] });
    expect(await ledgerSnapshot(db)).toBe(before);

    const valid = await sync('invoices', { source: 'kingdee', mode: 'valid', records });
    expect(valid.statusCode).toBe(200);
    const v = valid.json();
    expect(v).toMatchObject({ status: 'imported', counts: { rows: 3, created: 2, rejected: 1 } });
    expect(v.records.map((x: { status: string }) => x.status)).toEqual(['ok', 'ok', 'rejected']);
    const [inv] = await db.query<{ id: string; total_minor: bigint; tax_minor: bigint }>("SELECT id, total_minor, tax_minor FROM invoices WHERE number = 'SY-INV-1'");
    expect(inv).toMatchObject({ total_minor: 1_130_000n, tax_minor: 130_000n });
    expect(v.records[0].id).toBe(inv!.id);

    // Sent again (the ERP retries the whole batch): nothing is created twice; the same ids come back.
    const again = await sync('invoices', { source: 'kingdee', mode: 'valid', records: records.slice(0, 2) });
    expect(again.json()).toMatchObject({ status: 'imported', counts: { created: 0, unchanged: 2 } });
    expect(again.json().records[0].id).toBe(inv!.id);
    // A posted invoice is immutable: a changed amount is refused with the reason.
    const changed = await sync('invoices', { source: 'kingdee', records: [{ ...records[0]!, total: 99999 }] });
    expect(changed.json()).toMatchObject({ status: 'rejected', errors: [{ record: 0, code: 'posted_invoice_differs' }] });
    expect(await ledgerViolations(db)).toEqual([]);
  });

  it('replays a call with the same Idempotency-Key, and refuses the key for a different body', async () => {
    const body = { source: 'kingdee', records: [{ externalId: 'FID-10', number: 'SY-INV-10', partyCode: 'SY-C1', issueDate: '2026-04-01', total: '500.00' }] };
    const first = await sync('invoices', body, { 'idempotency-key': 'sync-10' });
    expect(first.statusCode).toBe(200);
    const replay = await sync('invoices', body, { 'idempotency-key': 'sync-10' });
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json().records).toEqual(first.json().records);
    const other = await sync('invoices', { ...body, records: [{ ...body.records[0]!, total: '600.00' }] }, { 'idempotency-key': 'sync-10' });
    expect(other.statusCode).toBe(409);
    const [n] = await db.query<{ n: bigint }>("SELECT count(*) AS n FROM invoices WHERE number = 'SY-INV-10'");
    expect(n!.n).toBe(1n);
  });

  it('refuses a malformed batch with the record and field named, before writing anything', async () => {
    const dup = await sync('customers', { source: 'crm', records: [{ externalId: 'x1', partyName: 'a' }, { externalId: 'x1', partyName: 'b' }] });
    expect(dup.statusCode).toBe(422);
    expect(dup.json().error).toMatchObject({ code: 'duplicate_external_id', fields: ['records.1.externalId'] });
    const unknown = await sync('customers', { source: 'crm', records: [{ externalId: 'x2', partyName: 'a', colour: 'red' }] });
    expect(unknown.json().error).toMatchObject({ code: 'unknown_field', fields: ['records.0.colour'] });
    const tooMany = await sync('customers', { source: 'crm', records: Array.from({ length: 10_001 }, (_, i) => ({ externalId: `m${i}` })) });
    expect(tooMany.statusCode).toBe(400);
  });

  it('upserts a batch of 10,000 receipts in one call, then finds them all unchanged', async () => {
    const records = Array.from({ length: 10_000 }, (_, i) => ({
      externalId: `RCV-${i}`,
      bankReference: `BR${String(i).padStart(6, '0')}`,
      partyCode: 'SY-C1',
      receiptDate: '2026-05-01',
      amount: `${(i % 90) + 10}.00`,
    }));
    const r = await sync('receipts', { source: 'bank-feed', records });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ status: 'imported', counts: { rows: 10_000, created: 10_000, rejected: 0 } });
    const again = await sync('receipts', { source: 'bank-feed', records });
    expect(again.json()).toMatchObject({ status: 'imported', counts: { created: 0, unchanged: 10_000 } });
    const [links] = await db.query<{ n: bigint }>("SELECT count(*) AS n FROM external_refs WHERE source = 'bank-feed' AND family = 'receipt'");
    expect(links!.n).toBe(10_000n);
    expect((await verifyAuditChain(db)).ok).toBe(true);
  });

  it('keeps data scopes: a finance user limited to 华南 can neither change a 华东 customer through its id nor see its link', async () => {
    const scoped = await createActor(db, 'sync-south', 'finance', { regions: ['华南'] });
    const scopedToken = await createApiToken(db, scoped.username, 'sync test');
    const before = await ledgerSnapshot(db);
    const r = await sync('customers', { source: 'crm', records: [{ externalId: 'acc-1001', partyName: '改名', region: '华南' }] }, {}, scopedToken);
    expect(r.statusCode).toBe(422);
    expect(r.json()).toMatchObject({ status: 'rejected', errors: [{ record: 0, externalId: 'acc-1001', code: 'forbidden' }] });
    expect(await db.query("SELECT 1 FROM parties WHERE name = '改名'")).toHaveLength(0);
    expect(await ledgerSnapshot(db)).toBe(before);
    const visible = await withActor(db, scoped, (tx) => tx.query<{ external_id: string }>("SELECT external_id FROM external_refs WHERE source = 'crm' ORDER BY external_id"));
    // Only the link of the 华南 customer is visible to them.
    expect(visible.map((v) => v.external_id)).toEqual(['acc-1002']);
    const all = await db.query<{ external_id: string }>("SELECT external_id FROM external_refs WHERE source = 'crm' ORDER BY external_id");
    expect(all.map((v) => v.external_id)).toEqual(['acc-1001', 'acc-1002']);
  });
});
