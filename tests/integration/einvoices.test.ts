/**
 * E-invoices into the ledger on both databases: a Peppol UBL invoice and its credit note as AR
 * documents of the seller entity, a Factur-X (CII) invoice as an AP bill of the buyer entity,
 * re-import recognised, and refusals that name what to do and change nothing.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEInvoiceImport } from '../../src/cli/commands/einvoice';
import type { Database } from '../../src/db/database';
import { importEInvoice } from '../../src/import/einvoices/import';
import { withActor } from '../../src/services/actor';
import { createParty } from '../../src/services/ledger/parties';
import { databases, ledgerSnapshot, ledgerViolations, rejection, type Seed, seedBasics } from './harness';

const REAL = join(import.meta.dirname, '..', 'fixtures', 'realdata', 'einvoices');
const INVOICE = join(REAL, 'ubl/peppol-bis-billing-3/base-example.xml');
const CREDIT_NOTE = join(REAL, 'ubl/peppol-bis-billing-3/base-creditnote-correction.xml');
const FACTUR_X = join(REAL, 'cii/horstoeko-zugferd/xml_en16931_1.xml');

describe.each(databases)('e-invoice import on $name', (database) => {
  let db: Database;
  let seed: Seed;
  const dir = mkdtempSync(join(tmpdir(), 'shoufu-einv-'));

  const run = (entity: string, bytes: Uint8Array, dryRun = false) =>
    withActor(db, seed.finance, (tx) => importEInvoice(tx, seed.finance, { entity, bytes, dryRun }));

  beforeAll(async () => {
    db = await database.open();
    seed = await seedBasics(db);
    // We are the Peppol example's seller (recognised by VAT id) and the Factur-X example's buyer (by name).
    await db.query(`INSERT INTO entities (code, name, base_currency, tax_id) VALUES ('GB01', 'Supplier Official (UK) Ltd', 'EUR', 'GB 1232434')`);
    await db.query(`INSERT INTO entities (code, name, base_currency) VALUES ('DE01', 'Kunden AG Mitte', 'EUR')`);
    await withActor(db, seed.finance, (tx) =>
      createParty(tx, seed.finance, { code: 'C-BUYER', name: '瑞典买方 Buyer AB', externalIds: { vat: 'SE4598375937' }, paymentTermsDays: 30 }),
    );
  });

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await db?.close();
  });

  it('says which supplier to create when the seller is not a party yet', async () => {
    const before = await ledgerSnapshot(db);
    const e = await rejection(run('DE01', readFileSync(FACTUR_X)));
    expect([e.status, e.code]).toEqual([422, 'party_not_found']);
    expect(e.message).toMatch(/no supplier matches the seller Lieferant GmbH \(tax id DE123456789\): create the supplier with that exact name/);
    expect(await ledgerSnapshot(db)).toBe(before);
  });

  it('imports the UBL invoice and then its credit note (folder import orders them) as AR documents', async () => {
    copyFileSync(CREDIT_NOTE, join(dir, 'a-creditnote.xml'));
    copyFileSync(INVOICE, join(dir, 'b-invoice.xml'));
    const outcomes = await runEInvoiceImport(db, seed.finance, dir, { entity: 'GB01' });
    expect(outcomes.map((o) => [o.file.split('/').pop(), o.ok, o.result?.kind, o.result?.outcome])).toEqual([
      ['b-invoice.xml', true, 'invoice', 'created'],
      ['a-creditnote.xml', true, 'credit_note', 'created'],
    ]);
    const [inv, cn] = outcomes.map((o) => o.result!);
    expect(inv).toMatchObject({
      side: 'AR',
      number: 'Snippet1',
      einvoiceNumber: 'Snippet1',
      party: { code: 'C-BUYER', matchedBy: 'tax_id' },
      currency: 'EUR',
      subtotal: '1325.00',
      tax: '331.25',
      total: '1656.25',
      // A document-level charge and a negative line: recorded per VAT category.
      lineMode: 'vat_breakdown',
    });
    // The credit note carries the invoice's own number; the ledger's numbers are unique.
    expect(cn).toMatchObject({ side: 'AR', number: 'Snippet1-CN', originalInvoice: 'Snippet1', total: '1656.25' });
    expect(cn!.warnings).toContain('number Snippet1 is taken (by the invoice it credits); recorded as Snippet1-CN');

    const rows = await db.query<{ number: string; kind: string; subtotal_minor: bigint; tax_minor: bigint; total_minor: bigint; einvoice_number: string; due: string; open: bigint }>(
      `SELECT i.number, i.kind, i.subtotal_minor, i.tax_minor, i.total_minor, i.einvoice_number,
              min(n.due_date)::text AS due, sum(n.amount_minor - n.allocated_minor)::bigint AS open
         FROM invoices i JOIN installments n ON n.invoice_id = i.id JOIN entities e ON e.id = i.entity_id
        WHERE e.code = 'GB01' GROUP BY i.id ORDER BY i.number`,
    );
    expect(rows).toEqual([
      // Due on the document's due date, and fully credited by the credit note (whose own installment
      // follows the party's payment terms, as every credit note's does).
      { number: 'Snippet1', kind: 'invoice', subtotal_minor: 132500n, tax_minor: 33125n, total_minor: 165625n, einvoice_number: 'Snippet1', due: '2017-12-01', open: 0n },
      { number: 'Snippet1-CN', kind: 'credit_note', subtotal_minor: 132500n, tax_minor: 33125n, total_minor: 165625n, einvoice_number: 'Snippet1', due: '2017-12-13', open: 0n },
    ]);
    expect(await ledgerViolations(db)).toEqual([]);
  });

  it('recognises a document imported before and creates nothing', async () => {
    const before = await ledgerSnapshot(db);
    const again = await run('GB01', readFileSync(INVOICE));
    expect([again.outcome, again.number]).toEqual(['duplicate', 'Snippet1']);
    expect(await ledgerSnapshot(db)).toBe(before);
  });

  it('imports a Factur-X invoice as an AP bill of the buyer entity, line by line with the VAT per rate', async () => {
    await withActor(db, seed.finance, (tx) => createParty(tx, seed.finance, { code: 'S-LIEF', name: 'Lieferant GmbH', isCustomer: false, isSupplier: true }));
    const dry = await run('DE01', readFileSync(FACTUR_X), true);
    expect([dry.outcome, dry.invoiceId]).toEqual(['planned', null]);
    const r = await run('DE01', readFileSync(FACTUR_X));
    expect(r).toMatchObject({ outcome: 'created', side: 'AP', kind: 'invoice', number: '471102', party: { code: 'S-LIEF', matchedBy: 'name' }, total: '529.87', lineMode: 'document_lines' });
    const lines = await db.query<{ description: string; quantity: string; unit_price_minor: bigint; tax_rate: string; amount_minor: bigint; tax_minor: bigint }>(
      'SELECT description, quantity, unit_price_minor, tax_rate, amount_minor, tax_minor FROM invoice_lines WHERE invoice_id = $1 ORDER BY line_no',
      [r.invoiceId],
    );
    expect(lines.map((l) => [l.description, Number(l.quantity), l.unit_price_minor, Number(l.tax_rate), l.amount_minor, l.tax_minor])).toEqual([
      ['Trennblätter A4', 20, 990n, 0.19, 19800n, 3762n],
      ['Joghurt Banane', 50, 550n, 0.07, 27500n, 1925n],
    ]);
  });

  it('refuses documents that are not ours, do not add up, or are hostile — and changes nothing', async () => {
    const before = await ledgerSnapshot(db);
    const notOurs = await rejection(run('SH01', readFileSync(INVOICE)));
    expect(notOurs.code).toBe('entity_not_party');
    expect(notOurs.message).toMatch(/entity SH01 \(上海收付测试有限公司, no tax id set\) is neither the seller SupplierTradingName Ltd\. \(tax id GB1232434\) nor the buyer/);
    const wrong = readFileSync(FACTUR_X, 'utf8').replace('<ram:DuePayableAmount>529.87', '<ram:DuePayableAmount>528.87');
    const mismatch = await rejection(run('DE01', Buffer.from(wrong)));
    expect(mismatch.code).toBe('einvoice_totals_mismatch');
    expect(mismatch.message).toMatch(/BR-CO-16 .*: 528\.87 stated, 529\.87 computed/);
    const xxe = Buffer.from('<?xml version="1.0"?><!DOCTYPE Invoice [<!ENTITY x SYSTEM "file:///etc/passwd">]><Invoice>&x;</Invoice>');
    expect((await rejection(run('GB01', xxe))).code).toBe('xml_dtd_forbidden');
    expect((await rejection(run('GB01', readFileSync(INVOICE).subarray(0, 3000)))).code).toBe('xml_truncated');
    expect((await rejection(run('GB01', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x01, 0xff, 0xfe])))).code).toBe('not_xml');
    expect(await ledgerSnapshot(db)).toBe(before);
  });

  it.runIf(database.name === 'pglite')('shoufu einvoice parse prints the normalized document and its check', async () => {
    const bin = join(import.meta.dirname, '..', '..', 'bin', 'shoufu.mjs');
    const { stdout } = await promisify(execFile)(process.execPath, [bin, 'einvoice', 'parse', FACTUR_X]);
    const parsed = JSON.parse(stdout) as { invoice: { number: string; totals: { payable: string } }; check: { ok: boolean } };
    expect([parsed.invoice.number, parsed.invoice.totals.payable, parsed.check.ok]).toEqual(['471102', '529.87', true]);
  });
});
