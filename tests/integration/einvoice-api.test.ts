/**
 * POST /api/einvoices/import on both databases: a dry run that says what would be created and
 * writes nothing, the import, an idempotent replay, a re-import recognised as a duplicate, a
 * refusal that still shows what the document is, and files that are refused with a named reason
 * (a bank statement, a hostile DOCTYPE, an oversized file). Real server through inject().
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/server';
import { einvoiceImportTable, runEInvoiceImport } from '../../src/cli/commands/einvoice';
import type { Database } from '../../src/db/database';
import { withActor } from '../../src/services/actor';
import { createParty } from '../../src/services/ledger/parties';
import { databases, ledgerSnapshot, type Seed, seedBasics, TEST_PASSWORD } from './harness';

const REAL = join(import.meta.dirname, '..', 'fixtures', 'realdata');
const INVOICE = readFileSync(join(REAL, 'einvoices/ubl/peppol-bis-billing-3/base-example.xml'));
const FACTUR_X = readFileSync(join(REAL, 'einvoices/cii/horstoeko-zugferd/xml_en16931_1.xml'));
const REMINDER = readFileSync(join(REAL, 'einvoices/ubl/oasis-ubl-examples/UBL-Reminder-2.1-Example.xml'));
const CAMT_FILE = join(REAL, 'bank-statements/camt053/genkgo-camt/camt053.v2.with-account-name.xml');
const CAMT = readFileSync(CAMT_FILE);

describe.each(databases)('POST /api/einvoices/import on $name', (database) => {
  let db: Database;
  let seed: Seed;
  let app: FastifyInstance;
  let cookie = '';
  const previousLimit = process.env.SHOUFU_IMPORT_MAX_MB;

  const post = (payload: object, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: '/api/einvoices/import', headers: { cookie, ...headers }, payload });
  const file = (filename: string, bytes: Buffer, more: object = {}) => ({ filename, contentBase64: bytes.toString('base64'), ...more });

  beforeAll(async () => {
    db = await database.open();
    seed = await seedBasics(db);
    // We are the Peppol example's seller (by VAT id) and the Factur-X example's buyer (by name).
    await db.query(`INSERT INTO entities (code, name, base_currency, tax_id) VALUES ('GB01', 'Supplier Official (UK) Ltd', 'EUR', 'GB 1232434')`);
    await db.query(`INSERT INTO entities (code, name, base_currency) VALUES ('DE01', 'Kunden AG Mitte', 'EUR')`);
    await withActor(db, seed.finance, (tx) =>
      createParty(tx, seed.finance, { code: 'C-BUYER', name: 'Buyer AB', externalIds: { vat: 'SE4598375937' }, paymentTermsDays: 30 }),
    );
    process.env.SHOUFU_IMPORT_MAX_MB = '1';
    app = await buildServer({ db, webDist: null });
    const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'finance', password: TEST_PASSWORD } });
    cookie = String(login.headers['set-cookie']).split(';')[0]!;
  });

  afterAll(async () => {
    if (previousLimit === undefined) delete process.env.SHOUFU_IMPORT_MAX_MB;
    else process.env.SHOUFU_IMPORT_MAX_MB = previousLimit;
    await app?.close();
    await db?.close();
  });

  it('dry run: what would be created, the party matched and the totals check; nothing written', async () => {
    const before = await ledgerSnapshot(db);
    const dry = await post(file('peppol.xml', INVOICE, { entity: 'GB01', dryRun: true }));
    expect(dry.statusCode, dry.body).toBe(200);
    expect(dry.json()).toMatchObject({
      outcome: 'planned',
      dryRun: true,
      filename: 'peppol.xml',
      entity: 'GB01',
      side: 'AR',
      kind: 'invoice',
      number: 'Snippet1',
      party: { code: 'C-BUYER', matchedBy: 'tax_id' },
      currency: 'EUR',
      subtotal: '1325.00',
      tax: '331.25',
      total: '1656.25',
      invoiceId: null,
      check: { ok: true, issues: [] },
      document: {
        syntax: 'ubl',
        documentType: 'invoice',
        number: 'Snippet1',
        currency: 'EUR',
        seller: { name: 'SupplierTradingName Ltd.', taxId: 'GB1232434' },
        buyer: { name: 'BuyerTradingName AS', taxId: 'SE4598375937' },
        total: '1656.25',
        check: { ok: true },
      },
    });
    expect(dry.json().check.checked).toContain('BR-CO-15');
    expect(await ledgerSnapshot(db)).toBe(before);
  });

  it('imports, replays with the same Idempotency-Key, and recognises the document again', async () => {
    const first = await post(file('peppol.xml', INVOICE, { entity: 'GB01' }), { 'idempotency-key': 'einv-1' });
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toMatchObject({ outcome: 'created', side: 'AR', number: 'Snippet1', total: '1656.25' });
    const id = first.json().invoiceId as string;
    const [row] = await db.query<{ number: string; total_minor: bigint; einvoice_number: string }>('SELECT number, total_minor, einvoice_number FROM invoices WHERE id = $1', [id]);
    expect(row).toEqual({ number: 'Snippet1', total_minor: 165625n, einvoice_number: 'Snippet1' });

    const replay = await post(file('peppol.xml', INVOICE, { entity: 'GB01' }), { 'idempotency-key': 'einv-1' });
    expect(replay.statusCode).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json()).toEqual(first.json());

    const before = await ledgerSnapshot(db);
    const again = await post(file('copy-of-peppol.xml', INVOICE, { entity: 'GB01' }));
    expect(again.statusCode, again.body).toBe(201);
    expect(again.json()).toMatchObject({ outcome: 'duplicate', invoiceId: id, number: 'Snippet1' });
    const dryAgain = await post(file('peppol.xml', INVOICE, { entity: 'GB01', dryRun: true }));
    expect(dryAgain.json()).toMatchObject({ outcome: 'duplicate', invoiceId: id });
    expect(await ledgerSnapshot(db)).toBe(before);
  });

  it('a refusal of a readable document names the reason and still shows what the document is', async () => {
    const before = await ledgerSnapshot(db);
    const r = await post(file('factur-x.xml', FACTUR_X, { entity: 'DE01', dryRun: true }));
    expect(r.statusCode).toBe(422);
    expect(r.json().error.code).toBe('party_not_found');
    expect(r.json().error.message).toMatch(/no supplier matches the seller Lieferant GmbH/);
    expect(r.json().document).toMatchObject({ syntax: 'cii', number: '471102', seller: { name: 'Lieferant GmbH' }, total: '529.87', check: { ok: true } });

    const notOurs = await post(file('peppol.xml', INVOICE));
    expect([notOurs.statusCode, notOurs.json().error.code]).toEqual([422, 'entity_not_party']);

    const wrong = Buffer.from(FACTUR_X.toString('utf8').replace('<ram:DuePayableAmount>529.87', '<ram:DuePayableAmount>528.87'));
    const mismatch = await post(file('wrong.xml', wrong, { entity: 'DE01' }));
    expect([mismatch.statusCode, mismatch.json().error.code]).toEqual([422, 'einvoice_totals_mismatch']);
    expect(mismatch.json().document.check).toMatchObject({ ok: false, issues: [{ rule: 'BR-CO-16', expected: '528.87', actual: '529.87' }] });
    expect(await ledgerSnapshot(db)).toBe(before);
  });

  it('refuses files that are not e-invoices, hostile XML and oversized files, each with a named reason', async () => {
    const before = await ledgerSnapshot(db);
    const camt = await post(file('statement.xml', CAMT, { entity: 'GB01', dryRun: true }));
    expect([camt.statusCode, camt.json().error.code]).toEqual([422, 'not_an_invoice']);
    expect(camt.json().error.message).toMatch(/ISO 20022 bank statement, not an e-invoice/);
    expect(camt.json().document).toBeUndefined();

    const reminder = await post(file('reminder.xml', REMINDER, { entity: 'GB01' }));
    expect([reminder.statusCode, reminder.json().error.code]).toEqual([422, 'unsupported_document']);
    expect(reminder.json().error.message).toMatch(/UBL Reminder documents are not imported/);

    const text = await post(file('notes.txt', Buffer.from('just some text, not XML')));
    expect([text.statusCode, text.json().error.code]).toEqual([422, 'not_xml']);

    const xxe = Buffer.from('<?xml version="1.0"?><!DOCTYPE Invoice [<!ENTITY x SYSTEM "file:///etc/passwd">]><Invoice>&x;</Invoice>');
    const hostile = await post(file('xxe.xml', xxe, { entity: 'GB01' }));
    expect([hostile.statusCode, hostile.json().error.code]).toEqual([422, 'xml_dtd_forbidden']);
    expect(hostile.body).not.toContain('root:');

    const notBase64 = await post({ filename: 'x.xml', contentBase64: '<Invoice/>' });
    expect([notBase64.statusCode, notBase64.json().error.code]).toEqual([400, 'invalid_base64']);

    // The server in this test was built with SHOUFU_IMPORT_MAX_MB=1.
    for (const size of [1_100_000, 3_000_000]) {
      // Just over the limit: refused from the encoded length; far over: refused before reading.
      const big = await post(file('big.xml', Buffer.alloc(size, 0x41)));
      expect(big.statusCode).toBe(413);
      expect(big.json().error.code).toBe('file_too_large');
    }
    expect(await ledgerSnapshot(db)).toBe(before);
  });

  it('shoufu einvoice import DIR: every .xml in its own transaction, other files skipped with a reason, a summary table', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shoufu-einv-dir-'));
    try {
      writeFileSync(join(dir, 'a-peppol.xml'), INVOICE);
      copyFileSync(CAMT_FILE, join(dir, 'b-statement.xml'));
      writeFileSync(join(dir, 'c-factur-x.XML'), FACTUR_X);
      writeFileSync(join(dir, 'd-invoice.pdf'), Buffer.from('%PDF-1.7'));
      writeFileSync(join(dir, 'e-notes.txt'), 'notes');
      mkdirSync(join(dir, 'f-archive'));
      const outcomes = await runEInvoiceImport(db, seed.finance, dir, { entity: 'GB01' });
      expect(outcomes.map((o) => [o.file.split('/').pop(), o.ok, !!o.skipped, o.format ?? null, o.result?.outcome ?? o.error?.code])).toEqual([
        ['a-peppol.xml', true, false, 'ubl', 'duplicate'],
        ['b-statement.xml', false, false, null, 'not_an_invoice'],
        ['c-factur-x.XML', false, false, 'cii', 'entity_not_party'],
        ['d-invoice.pdf', false, true, null, 'not_xml_file'],
        ['e-notes.txt', false, true, null, 'not_xml_file'],
        ['f-archive', false, true, null, 'folder'],
      ]);
      const table = einvoiceImportTable(outcomes).split('\n');
      expect(table[0]).toMatch(/^file\s+format\s+document\s+result$/);
      expect(table[2]).toMatch(/^a-peppol\.xml\s+ubl\s+AR invoice Snippet1 C-BUYER 1656\.25 EUR\s+duplicate$/);
      expect(table[3]).toMatch(/^b-statement\.xml\s+—\s+—\s+refused: not_an_invoice: this is an ISO 20022 bank statement/);
      expect(table[4]).toMatch(/^c-factur-x\.XML\s+cii\s+invoice 471102 Lieferant GmbH → Kunden AG Mitte 529\.87 EUR\s+refused: entity_not_party: /);
      expect(table[5]).toMatch(/^d-invoice\.pdf\s+—\s+—\s+skipped: PDF file: e-invoices are read from their XML/);
      expect(table.at(-2)).toBe('0 created, 0 planned (dry run), 1 already imported, 2 refused, 3 skipped');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('needs a login and appears in the OpenAPI document', async () => {
    const anon = await app.inject({ method: 'POST', url: '/api/einvoices/import', payload: file('peppol.xml', INVOICE) });
    expect([anon.statusCode, anon.json().error.code]).toEqual([401, 'unauthenticated']);
    const spec = await app.inject({ method: 'GET', url: '/docs/json' });
    const path = spec.json().paths['/api/einvoices/import'];
    expect(path.post.tags).toEqual(['einvoices']);
    expect(Object.keys(path.post.requestBody.content['application/json'].schema.properties)).toEqual(['filename', 'contentBase64', 'entity', 'dryRun']);
  });
});
