/**
 * Bank statements into the ledger on both databases: the Subite month statement (264 real
 * entries), its re-import, an overlapping two-month file, an MT940 file whose suppliers are
 * created between two imports, the HTTP route with Idempotency-Key, and hostile or broken files
 * that must change nothing. Then BAI2, OFX and Chinese bank CSV/XLSX tables: receipts and
 * payments created, re-imports recognised (by bank reference, and by the line fingerprint for a
 * table without one), control totals refusing an import unless accepted.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/server';
import type { Database } from '../../src/db/database';
import { importStatement, type StatementImportInput } from '../../src/import/statements/import';
import { withActor } from '../../src/services/actor';
import { createParty } from '../../src/services/ledger/parties';
import { createActor, databases, ledgerSnapshot, ledgerViolations, rejection, type Seed, seedBasics, TEST_PASSWORD } from './harness';

const REAL = join(import.meta.dirname, '..', 'fixtures', 'realdata', 'bank-statements');
const NOVEMBER = readFileSync(join(REAL, 'camt053/subite-anonymized-real/BE68793230773034-202411.xml'));
const DECEMBER = readFileSync(join(REAL, 'camt053/subite-anonymized-real/BE68793230773034-202412.xml'));
const ING = readFileSync(join(REAL, 'mt940/zilverline-mt940/ing__mt940_iban.txt'));
const TABLES = join(import.meta.dirname, '..', 'fixtures', 'statements');
const CN_CSV = readFileSync(join(TABLES, 'cn-bank-gbk.csv'));
const CN_XLSX = readFileSync(join(TABLES, 'cn-bank.xlsx'));

/** A BAI2 file: a wire from a customer, an unidentified ACH credit and a wire to a supplier. */
const BAI2 = [
  '01,SENDER,RECEIVER,240315,0800,FILE1,80,,2/',
  '02,RECEIVER,BANKID,1,240314,2400,USD,2/',
  '03,123456789,,010,100000,,,015,125000,,,100,40000,2,,400,15000,1,/',
  '16,195,30000,Z,WIRE123,INV-1001,INCOMING WIRE/',
  '88,REMI: Invoice 1001',
  '88,DBNM: ACME CORP',
  '16,142,10000,0,ACH555,,ACH CREDIT/',
  '16,495,15000,Z,WIRE777,PO-9,OUTGOING WIRE/',
  '88,CRNM: GLOBEX LLC',
  '88,CACT: 555000111',
  '49,335000,9/',
  '98,335000,1,11/',
  '99,335000,1,13/',
].join('\n');

const OFX = `OFXHEADER:100
DATA:OFXSGML
VERSION:102
SECURITY:NONE
ENCODING:USASCII
CHARSET:1252
COMPRESSION:NONE
OLDFILEUID:NONE
NEWFILEUID:NONE

<OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS><DTSERVER>20240401<LANGUAGE>ENG</SONRS></SIGNONMSGSRSV1>
<BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS><STMTRS><CURDEF>USD
<BANKACCTFROM><BANKID>121000248<ACCTID>000111222<ACCTTYPE>CHECKING</BANKACCTFROM>
<BANKTRANLIST><DTSTART>20240301<DTEND>20240331
<STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20240305120000.000[-5:EST]<TRNAMT>1250.00<FITID>OFX-1<NAME>Acme Corp<MEMO>Invoice 2024-031</STMTTRN>
<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20240306<TRNAMT>-99.50<FITID>OFX-2<NAME>Globex LLC<MEMO>PO 77</STMTTRN>
<STMTTRN><TRNTYPE>FEE<DTPOSTED>20240331<TRNAMT>-5.00<FITID>OFX-3<NAME>Monthly fee</STMTTRN>
</BANKTRANLIST><LEDGERBAL><BALAMT>4145.50<DTASOF>20240331</LEDGERBAL></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>`;

/** One camt.053 document holding the November and the December statement: December overlaps. */
function novemberAndDecember(): Buffer {
  const nov = NOVEMBER.toString('utf8');
  const novStmt = nov.slice(nov.indexOf('<Stmt>'), nov.indexOf('</Stmt>') + '</Stmt>'.length);
  return Buffer.from(DECEMBER.toString('utf8').replace('<Stmt>', `${novStmt}\n    <Stmt>`));
}

describe.each(databases)('bank statement import on $name', (database) => {
  let db: Database;
  let seed: Seed;
  let app: FastifyInstance;
  const previousLimit = process.env.SHOUFU_IMPORT_MAX_MB;

  const run = (input: Omit<StatementImportInput, 'entity'>, actor = seed.finance) =>
    withActor(db, actor, (tx) => importStatement(tx, actor, { entity: 'SH01', ...input }));

  async function receiptTotals() {
    return db.query<{ side: string; n: bigint; total: bigint; unknown: bigint }>(
      `SELECT side, count(*) AS n, sum(amount_minor)::bigint AS total, count(*) FILTER (WHERE party_id IS NULL) AS unknown
         FROM receipts GROUP BY side ORDER BY side`,
    );
  }

  beforeAll(async () => {
    db = await database.open();
    seed = await seedBasics(db);
    const party = (code: string, name: string, role: 'customer' | 'supplier', accountNo?: string) =>
      withActor(db, seed.finance, (tx) =>
        createParty(tx, seed.finance, {
          code,
          name,
          isCustomer: role === 'customer',
          isSupplier: role === 'supplier',
          ...(accountNo ? { bankAccounts: [{ bankName: 'Bank', accountNo, accountName: name }] } : {}),
        }),
      );
    // Identified by bank account (written with spaces), or by exact name regardless of case and spacing.
    await party('S-ZETA', 'Zeta NV (by account)', 'supplier', 'BE95 7314 2117 2658');
    await party('S-QUANTUM', 'quantum  SA', 'supplier', 'BE53822485014653');
    await party('S-VERTEX', 'Vertex Solutions', 'supplier');
    await party('S-DELTA', 'Delta Services', 'supplier');
    await party('S-NOVA', 'Nova Holdings', 'supplier');
    await party('S-OMEGA', 'Omega GmbH', 'supplier');
    await party('C-STELLAR', 'Stellar Ltd', 'customer', 'BE91516952884376');
    // Not set up: Zeta SRL, Alpha GmbH, Epsilon Group (December), Zeta Holdings (November);
    // and Theta Ltd, who pays from Quantum's account — Quantum is a supplier, not a customer.
    process.env.SHOUFU_IMPORT_MAX_MB = '1';
    app = await buildServer({ db, webDist: null });
  });

  afterAll(async () => {
    if (previousLimit === undefined) delete process.env.SHOUFU_IMPORT_MAX_MB;
    else process.env.SHOUFU_IMPORT_MAX_MB = previousLimit;
    await app?.close();
    await db?.close();
  });

  it('imports the December statement: 3 receipts and 252 payments, 9 payments to unknown suppliers left out', async () => {
    const r = await run({ bytes: DECEMBER, filename: 'BE68793230773034-202412.xml' });
    expect(r.format).toBe('camt.053');
    expect(r.statements).toEqual([
      { id: 'MSG32407125-MSPHHC', account: 'BE68793230773034', currency: 'EUR', opening: '87539.12', closing: '41965.11', fromDate: '2024-12-01', toDate: '2024-12-31', lines: 264 },
    ]);
    expect(r.balance).toEqual({ ok: true, checked: ['balance'], issues: [] });
    expect(r.counts).toEqual({ lines: 264, created: 255, receipts: 3, payments: 252, duplicates: 0, unidentified: 1, rejected: 9 });
    const left = r.lines.filter((l) => l.outcome === 'rejected');
    expect(new Set(left.map((l) => l.reason))).toEqual(new Set(['supplier_not_identified']));
    expect([...new Set(left.map((l) => l.counterpartyName))].sort()).toEqual(['Alpha GmbH', 'Epsilon Group', 'Zeta SRL']);
    const byParty = new Map<string, number>();
    for (const l of r.lines) if (l.outcome === 'created') byParty.set(`${l.partyCode}/${l.matchedBy}`, (byParty.get(`${l.partyCode}/${l.matchedBy}`) ?? 0) + 1);
    expect(Object.fromEntries(byParty)).toEqual({
      'S-ZETA/account': 143,
      'S-QUANTUM/account': 47,
      'S-VERTEX/name': 18,
      'S-DELTA/name': 17,
      'S-NOVA/name': 14,
      'S-OMEGA/name': 13,
      'C-STELLAR/account': 2,
      'null/null': 1,
    });
    // The ledger holds exactly the statement's movements, less the 9 left out.
    const leftOutMinor = left.reduce((a, l) => a + BigInt(l.amount.replace('.', '')), 0n);
    const rows = await receiptTotals();
    const credits = rows.find((x) => x.side === 'AR')!;
    const debits = rows.find((x) => x.side === 'AP')!;
    expect([credits.n, credits.unknown, debits.n, debits.unknown]).toEqual([3n, 1n, 252n, 0n]);
    // opening + credits − debits = closing, with the left-out payments added back.
    expect(8753912n + credits.total - debits.total - leftOutMinor).toBe(4196511n);
    const [line] = await db.query<{ n: bigint }>('SELECT count(*) AS n FROM statement_lines');
    expect(line!.n).toBe(255n);
    const [receipt] = await db.query<{ bank_account: string; counterparty_name: string; remittance: string; currency: string }>(
      `SELECT bank_account, counterparty_name, remittance, currency FROM receipts WHERE remittance LIKE 'Settlement SKRTEX9280%'`,
    );
    expect(receipt).toEqual({ bank_account: 'BE68793230773034', counterparty_name: 'Nova Holdings', remittance: 'Settlement SKRTEX9280 | E2E E2ETNFCXQJX16566916', currency: 'EUR' });
    expect(await ledgerViolations(db)).toEqual([]);
  });

  it('creates nothing when the same file comes again', async () => {
    const before = await receiptTotals();
    const r = await run({ bytes: DECEMBER, filename: 'again.xml' });
    expect(r.counts).toEqual({ lines: 264, created: 0, receipts: 0, payments: 0, duplicates: 255, unidentified: 0, rejected: 9 });
    expect(r.lines.find((l) => l.outcome === 'duplicate')!.message).toMatch(/^already imported as (PY|RC)24-\d{6}$/);
    expect(await receiptTotals()).toEqual(before);
  });

  it('imports only the new lines of an overlapping file (November + December)', async () => {
    const dry = await run({ bytes: novemberAndDecember(), dryRun: true });
    expect(dry.counts).toEqual({ lines: 532, created: 267, receipts: 4, payments: 263, duplicates: 255, unidentified: 0, rejected: 10 });
    expect(dry.importId).toBeNull();
    const r = await run({ bytes: novemberAndDecember(), filename: 'nov-dec.xml' });
    expect(r.counts).toEqual(dry.counts);
    expect(r.balance.ok).toBe(true);
    expect(r.statements.map((s) => s.lines)).toEqual([268, 264]);
    const rows = await receiptTotals();
    expect(rows.map((x) => [x.side, x.n])).toEqual([
      ['AP', 515n],
      ['AR', 7n],
    ]);
    const [imports] = await db.query<{ n: bigint; created: bigint }>('SELECT count(*) AS n, sum(created_count)::bigint AS created FROM statement_imports');
    expect(imports).toEqual({ n: 3n, created: 522n });
    expect(await ledgerViolations(db)).toEqual([]);
  });

  it('imports an MT940 statement; a supplier created afterwards lets the same file add only its payments', async () => {
    const first = await run({ bytes: ING, filename: 'ing.sta' });
    expect(first.format).toBe('mt940');
    expect(first.balance.ok).toBe(true);
    expect(first.counts).toEqual({ lines: 21, created: 3, receipts: 3, payments: 0, duplicates: 0, unidentified: 3, rejected: 18 });
    await withActor(db, seed.finance, (tx) =>
      createParty(tx, seed.finance, {
        code: 'S-BERT',
        name: 'B. Bert',
        isCustomer: true,
        isSupplier: true,
        bankAccounts: [{ bankName: 'ABN AMRO', accountNo: 'NL57 ABNA 0876 5432 11', accountName: 'B Bert' }],
      }),
    );
    const second = await run({ bytes: ING, filename: 'ing.sta' });
    expect(second.counts).toEqual({ lines: 21, created: 13, receipts: 0, payments: 13, duplicates: 3, unidentified: 0, rejected: 5 });
    const [payment] = await db.query<{ bank_reference: string; amount_minor: bigint; receipt_date: string; party: string }>(
      `SELECT r.bank_reference, r.amount_minor, r.receipt_date, p.code AS party FROM receipts r JOIN parties p ON p.id = r.party_id
        WHERE r.bank_reference = '14237654096217'`,
    );
    expect(payment).toEqual({ bank_reference: '14237654096217', amount_minor: 19236n, receipt_date: '2014-08-25', party: 'S-BERT' });
  });

  it('refuses a statement that does not add up unless told to accept it', async () => {
    const broken = Buffer.from(DECEMBER.toString('utf8').replace('<Amt Ccy="EUR">41965.11</Amt>', '<Amt Ccy="EUR">41965.12</Amt>'));
    const before = await ledgerSnapshot(db);
    const e = await rejection(run({ bytes: broken }));
    expect([e.status, e.code]).toEqual([422, 'statement_unbalanced']);
    expect(e.message).toMatch(/= 41965\.11, but the closing balance is 41965\.12/);
    expect(await ledgerSnapshot(db)).toBe(before);
    const accepted = await run({ bytes: broken, acceptMismatch: true, dryRun: true });
    expect(accepted.balance.ok).toBe(false);
  });

  it('changes nothing for XXE, entity expansion, binary garbage, truncated XML or another format', async () => {
    const before = await ledgerSnapshot(db);
    const cases: [Buffer, string][] = [
      [Buffer.from('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><Document>&x;</Document>'), 'xml_dtd_forbidden'],
      [Buffer.from('<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><Document>&b;</Document>'), 'xml_dtd_forbidden'],
      [Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919) % 256)), 'binary_data'],
      [DECEMBER.subarray(0, 200_000), 'xml_truncated'],
      [readFileSync(join(REAL, '..', 'einvoices/ubl/peppol-bis-billing-3/base-example.xml')), 'not_a_statement'],
    ];
    for (const [bytes, code] of cases) {
      const e = await rejection(run({ bytes }));
      expect([e.status, e.code]).toEqual([422, code]);
    }
    expect(await ledgerSnapshot(db)).toBe(before);
  });

  it('is refused to users limited to a region, whose scope could not hold the receipts', async () => {
    const east = await createActor(db, 'east', 'finance', { regions: ['华东'] });
    const e = await rejection(run({ bytes: DECEMBER, dryRun: true }, east));
    expect([e.status, e.code]).toEqual([403, 'forbidden']);
  });

  it('POST /api/statements/import: dry run, import, idempotent replay, oversized body', async () => {
    const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'finance', password: TEST_PASSWORD } });
    const cookie = String(login.headers['set-cookie']).split(';')[0]!;
    const mt940 = Buffer.from(':20:API\n:25:NL20INGB0001234567\n:28C:1/1\n:60F:C240501EUR0,00\n:61:240502C120,50NTRFNONREF//API-REF-1\n:86:/NAME/Stellar Ltd/REMI/Invoice 9/\n:62F:C240502EUR120,50\n-');
    const body = { filename: 'api.sta', contentBase64: mt940.toString('base64') };
    const post = (payload: object, headers: Record<string, string> = {}) =>
      app.inject({ method: 'POST', url: '/api/statements/import', headers: { cookie, ...headers }, payload });

    const dry = await post({ ...body, dryRun: true });
    expect(dry.statusCode, dry.body).toBe(200);
    expect(dry.json().counts).toMatchObject({ created: 1, receipts: 1 });
    const first = await post(body, { 'idempotency-key': 'stmt-1' });
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json().lines[0]).toMatchObject({ outcome: 'created', partyCode: 'C-STELLAR', matchedBy: 'name', bankReference: 'API-REF-1' });
    const replay = await post(body, { 'idempotency-key': 'stmt-1' });
    expect(replay.statusCode).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    // The first answer adds what reconciliation did with the new lines; a replay returns the import's stored result.
    const { reconciliation, ...imported } = first.json();
    expect(reconciliation).toMatchObject({ receipts: { lines: 1 } });
    expect(replay.json()).toEqual(imported);
    const again = await post(body);
    expect(again.json().counts).toMatchObject({ created: 0, duplicates: 1 });
    const [n] = await db.query<{ n: bigint }>(`SELECT count(*) AS n FROM receipts WHERE bank_reference = 'API-REF-1'`);
    expect(n!.n).toBe(1n);

    const bad = await post({ filename: 'x.xml', contentBase64: Buffer.from('<Document><Stmt>').toString('base64') });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error.code).toBe('xml_truncated');
    // The server in this test was built with SHOUFU_IMPORT_MAX_MB=1.
    for (const size of [1_100_000, 3_000_000]) {
      // Just over the limit: refused from the encoded length; far over: refused before reading.
      const big = await post({ filename: 'big.sta', contentBase64: Buffer.alloc(size, 0x41).toString('base64') });
      expect(big.statusCode).toBe(413);
      expect(big.json().error.code).toBe('file_too_large');
    }
  });
});

describe.each(databases)('BAI2, OFX and bank table statements on $name', (database) => {
  let db: Database;
  let seed: Seed;
  const run = (input: Omit<StatementImportInput, 'entity'>) => withActor(db, seed.finance, (tx) => importStatement(tx, seed.finance, { entity: 'SH01', ...input }));
  const count = async (where = 'true') => (await db.query<{ n: bigint }>(`SELECT count(*) AS n FROM receipts WHERE ${where}`))[0]!.n;

  beforeAll(async () => {
    db = await database.open();
    seed = await seedBasics(db);
    const party = (code: string, name: string, role: 'customer' | 'supplier', accountNo?: string) =>
      withActor(db, seed.finance, (tx) =>
        createParty(tx, seed.finance, {
          code,
          name,
          isCustomer: role === 'customer',
          isSupplier: role === 'supplier',
          ...(accountNo ? { bankAccounts: [{ bankName: 'Bank', accountNo, accountName: name }] } : {}),
        }),
      );
    await party('C-ACME', 'Acme Corp', 'customer');
    await party('S-GLOBEX', 'Globex LLC', 'supplier', '555 000 111');
    await party('C-XINGCHEN', '北京星辰贸易有限公司', 'customer', '1100 2233 4455 6677');
    await party('C-YUNFAN', '杭州云帆网络科技有限公司', 'customer');
    await party('S-HENGXIN', '深圳恒信物流有限公司', 'supplier', '4403123456789012');
  });

  afterAll(async () => {
    await db?.close();
  });

  it('imports a BAI2 file: receipts, a payment, its control totals checked; again, nothing new', async () => {
    const r = await run({ bytes: Buffer.from(BAI2), filename: 'prior-day.bai' });
    expect([r.format, r.version]).toEqual(['bai2', '2']);
    expect(r.balance).toEqual({ ok: true, checked: ['balance', 'credits', 'debits', 'control_total', 'record_count'], issues: [] });
    expect(r.statements).toEqual([
      { id: '123456789/2024-03-14', account: '123456789', currency: 'USD', opening: '1000.00', closing: '1250.00', fromDate: '2024-03-14', toDate: '2024-03-14', lines: 3 },
    ]);
    expect(r.counts).toEqual({ lines: 3, created: 3, receipts: 2, payments: 1, duplicates: 0, unidentified: 1, rejected: 0 });
    expect(r.lines.map((l) => [l.side, l.partyCode, l.matchedBy, l.bankReference, l.amount])).toEqual([
      ['AR', 'C-ACME', 'name', 'WIRE123', '300.00'],
      ['AR', null, null, 'ACH555', '100.00'],
      ['AP', 'S-GLOBEX', 'account', 'WIRE777', '150.00'],
    ]);
    const [wire] = await db.query<{ remittance: string; receipt_date: string; currency: string }>(`SELECT remittance, receipt_date, currency FROM receipts WHERE bank_reference = 'WIRE123'`);
    expect(wire).toEqual({ remittance: 'Invoice 1001', receipt_date: '2024-03-14', currency: 'USD' });
    const again = await run({ bytes: Buffer.from(BAI2), filename: 'prior-day.bai' });
    expect(again.counts).toEqual({ lines: 3, created: 0, receipts: 0, payments: 0, duplicates: 3, unidentified: 0, rejected: 0 });
    expect(await count("bank_reference IN ('WIRE123','ACH555','WIRE777')")).toBe(3n);
  });

  it('refuses a BAI2 file whose control total does not match unless the mismatch is accepted', async () => {
    const before = await ledgerSnapshot(db);
    const broken = Buffer.from(BAI2.replace('49,335000,9/', '49,335100,9/'));
    const e = await rejection(run({ bytes: broken }));
    expect([e.status, e.code]).toEqual([422, 'statement_unbalanced']);
    expect(e.message).toMatch(/control total \(49, line 11\): the trailer says 335100, the records give 335000/);
    expect(await ledgerSnapshot(db)).toBe(before);
    const accepted = await run({ bytes: broken, acceptMismatch: true });
    expect(accepted.balance.ok).toBe(false);
    expect(accepted.counts).toMatchObject({ created: 0, duplicates: 3 });
  });

  it('imports an OFX statement by FITID; the same file again creates nothing', async () => {
    const r = await run({ bytes: Buffer.from(OFX), filename: 'march.ofx' });
    expect([r.format, r.version]).toEqual(['ofx', '102']);
    expect(r.statements[0]).toMatchObject({ account: '000111222', closing: '4145.50', opening: null });
    expect(r.counts).toEqual({ lines: 3, created: 2, receipts: 1, payments: 1, duplicates: 0, unidentified: 0, rejected: 1 });
    expect(r.lines.map((l) => [l.bookingDate, l.partyCode, l.outcome, l.reason])).toEqual([
      ['2024-03-05', 'C-ACME', 'created', null],
      ['2024-03-06', 'S-GLOBEX', 'created', null],
      ['2024-03-31', null, 'rejected', 'supplier_not_identified'],
    ]);
    const again = await run({ bytes: Buffer.from(OFX), filename: 'march.ofx' });
    expect(again.counts).toMatchObject({ created: 0, duplicates: 2, rejected: 1 });
    expect(await count("bank_reference IN ('OFX-1','OFX-2')")).toBe(2n);
  });

  it('imports a GBK CSV bank statement with its account block; again, nothing new', async () => {
    const r = await run({ bytes: CN_CSV, filename: 'cn-bank-gbk.csv' });
    expect(r.format).toBe('csv');
    expect(r.balance.ok).toBe(true);
    expect(r.statements).toEqual([
      { id: '6222021234567890/CNY', account: '6222021234567890', currency: 'CNY', opening: '100000.00', closing: '97285.50', fromDate: '2024-03-01', toDate: '2024-03-31', lines: 5 },
    ]);
    expect(r.counts).toEqual({ lines: 5, created: 3, receipts: 2, payments: 1, duplicates: 0, unidentified: 0, rejected: 2 });
    expect(r.lines.filter((l) => l.outcome === 'created').map((l) => [l.partyCode, l.matchedBy, l.amount])).toEqual([
      ['C-XINGCHEN', 'account', '12000.00'],
      ['S-HENGXIN', 'account', '3500.00'],
      ['C-YUNFAN', 'name', '8800.50'],
    ]);
    const [receipt] = await db.query<{ bank_account: string; remittance: string; counterparty_account: string }>(
      `SELECT bank_account, remittance, counterparty_account FROM receipts WHERE bank_reference = 'FL20240301000123'`,
    );
    expect(receipt).toEqual({ bank_account: '6222021234567890', remittance: '货款 INV-2024-0012', counterparty_account: '1100223344556677' });
    const again = await run({ bytes: CN_CSV, filename: 'cn-bank-gbk.csv' });
    expect(again.counts).toEqual({ lines: 5, created: 0, receipts: 0, payments: 0, duplicates: 3, unidentified: 0, rejected: 2 });
  });

  it('imports an XLSX statement without references: the line fingerprint keeps identical payments two and re-imports idempotent', async () => {
    const before = await count();
    const r = await run({ bytes: CN_XLSX, filename: 'cn-bank.xlsx' });
    expect(r.format).toBe('xlsx');
    expect(r.counts).toEqual({ lines: 4, created: 4, receipts: 2, payments: 2, duplicates: 0, unidentified: 1, rejected: 0 });
    expect(await count()).toBe(before + 4n);
    const again = await run({ bytes: CN_XLSX, filename: 'cn-bank-again.xlsx' });
    expect(again.counts).toEqual({ lines: 4, created: 0, receipts: 0, payments: 0, duplicates: 4, unidentified: 0, rejected: 0 });
    expect(await count()).toBe(before + 4n);
    expect(await ledgerViolations(db)).toEqual([]);
  });
});
