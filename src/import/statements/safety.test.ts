/**
 * Hostile and broken input: external entities (XXE), entity expansion ("billion laughs"), an
 * oversized file, binary garbage and truncated XML. Each is refused with a clear, specific error
 * before anything is built from it. (That a refused import changes nothing in the ledger is
 * checked in tests/integration/statements.test.ts.)
 */
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readImportFile } from '../../cli/commands/statement';
import { AppError } from '../../services/errors';
import { parseEInvoiceFile } from '../einvoices/parse';
import { decodeEntities, FormatError, parseXml } from '../xml';
import { parseStatementFile } from './parse';

const REAL = join(import.meta.dirname, '..', '..', '..', 'tests', 'fixtures', 'realdata');

function refusal(fn: () => unknown): FormatError {
  try {
    fn();
  } catch (err) {
    if (err instanceof FormatError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

const XXE = `<?xml version="1.0"?>
<!DOCTYPE Document [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt><Id>&xxe;</Id></Stmt></BkToCstmrStmt></Document>`;

const LAUGHS = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol9 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><ID>&lol9;</ID></Invoice>`;

const tmp = mkdtempSync(join(tmpdir(), 'shoufu-safety-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('import safety', () => {
  it('refuses a DOCTYPE with an external entity (XXE) before parsing', () => {
    const e = refusal(() => parseStatementFile(Buffer.from(XXE)));
    expect(e.code).toBe('xml_dtd_forbidden');
    expect(e.message).toMatch(/<!DOCTYPE declaration \(line 2\)/);
    expect(e.message).not.toMatch(/root:/);
    // Also hidden after a BOM, in lower case, or as a bare ENTITY declaration.
    expect(refusal(() => parseXml('\ufeff<!doctype x><x/>')).code).toBe('xml_dtd_forbidden');
    expect(refusal(() => parseXml('<x><!ENTITY a "b"></x>')).code).toBe('xml_dtd_forbidden');
  });

  it('refuses entity expansion ("billion laughs") without expanding anything', () => {
    const started = Date.now();
    const e = refusal(() => parseEInvoiceFile(Buffer.from(LAUGHS)));
    expect(e.code).toBe('xml_dtd_forbidden');
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('decodes only the predefined entities and character references, one level deep', () => {
    expect(decodeEntities('A &amp; B &lt;&#x4E2D;&#25991;&gt; &amp;lt; &unknown;')).toBe('A & B <中文> &lt; &unknown;');
  });

  it('refuses a file over the size limit from its size, without reading it', () => {
    const big = join(tmp, 'big.xml');
    writeFileSync(big, '');
    truncateSync(big, 51 * 1024 * 1024); // sparse: 51 MB on paper, nothing on disk
    const started = Date.now();
    let error: unknown;
    try {
      readImportFile(big);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('file_too_large');
    expect((error as AppError).status).toBe(413);
    expect((error as AppError).message).toMatch(/53477376 bytes, more than the import limit of 52428800 bytes/);
    expect(Date.now() - started).toBeLessThan(200);
    // The pure parsers apply the same limit to bytes already in memory.
    expect(refusal(() => parseStatementFile(Buffer.alloc(2048, 0x20), { maxBytes: 1024 })).code).toBe('file_too_large');
  });

  it('refuses binary garbage as binary, whatever it is offered as', () => {
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed & 0xff;
    };
    const garbage = Buffer.from(Array.from({ length: 4096 }, next));
    expect(refusal(() => parseStatementFile(garbage)).code).toBe('binary_data');
    expect(refusal(() => parseEInvoiceFile(garbage)).code).toBe('not_xml');
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    expect(refusal(() => parseStatementFile(png)).code).toBe('binary_data');
    expect(refusal(() => parseStatementFile(Buffer.from('<Document>\u0000\u0001</Document>'))).code).toBe('binary_data');
  });

  it('refuses truncated XML as incomplete and names where', () => {
    const full = readFileSync(join(REAL, 'bank-statements/camt053/subite-anonymized-real/BE68793230773034-202412.xml'));
    const e = refusal(() => parseStatementFile(full.subarray(0, Math.floor(full.length / 2))));
    expect(e.code).toBe('xml_truncated');
    expect(e.message).toMatch(/incomplete \(truncated\?\): .*line \d+/);
    const inv = readFileSync(join(REAL, 'einvoices/ubl/peppol-bis-billing-3/base-example.xml'));
    expect(refusal(() => parseEInvoiceFile(inv.subarray(0, inv.length - 40))).code).toBe('xml_truncated');
    expect(refusal(() => parseStatementFile(Buffer.alloc(0))).code).toBe('empty_file');
  });
});
