/**
 * Tabular imports on both databases: a Kingdee-style ledger (customers, then 应收单 with a title
 * block, then 收款单 that settle invoices), a GBK CSV, files with errors that change nothing,
 * --valid-only and its error file, re-imports that create nothing twice, export → import round
 * trips (property), hostile files, saved mappings, checkpointed batches that resume, the HTTP API
 * with Idempotency-Key, and the CLI as a process — killed with SIGKILL in the middle of a file.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { parse as parseCsvSync } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/server';
import type { Database } from '../../src/db/database';
import { exportData, toCsv, writeXlsx } from '../../src/export/exports';
import { type ImportOptions, type ImportResult, importTable } from '../../src/import/import-service';
import { errorFileWriter } from '../../src/import/tabular/error-file';
import { listMappings } from '../../src/import/tabular/mapping';
import { bufferSource, fileSource, ImportFileError } from '../../src/import/tabular/read';
import { type Actor, SYSTEM_ACTOR, withActor } from '../../src/services/actor';
import { verifyAuditChain } from '../../src/services/audit';
import { createApiToken } from '../../src/services/auth/users';
import { createInvoice } from '../../src/services/ledger/invoices';
import { createParty } from '../../src/services/ledger/parties';
import {
  csv,
  GBK_SUPPLIERS,
  gbkCsv,
  KINGDEE_RECEIVABLES,
  kingdeeCustomersXlsx,
  kingdeeReceiptsXlsx,
  kingdeeReceivablesXlsx,
  kingdeeWorkbook,
} from '../fixtures/import/fixtures';
import { type CliTarget, pgliteTarget, postgresTarget } from './cli-targets';
import { createActor, databases, ledgerSnapshot, ledgerViolations, postgresAvailable, type Seed, seedBasics } from './harness';

const imp = (db: Database, actor: Actor, name: string, bytes: Buffer | string, opts: ImportOptions = {}) =>
  importTable(db, actor, bufferSource(name, Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes)), opts);

const errorsOf = (r: ImportResult) => r.errors.map((e) => `${e.row}|${e.column ?? ''}|${e.code}`);

async function collect(format: 'csv' | 'xlsx', run: (sink: ReturnType<typeof errorFileWriter>) => Promise<ImportResult>): Promise<{ result: ImportResult; file: Buffer }> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const result = await run(errorFileWriter(format, out));
  return { result, file: Buffer.concat(chunks) };
}

describe.each(databases)('tabular import on $name', (database) => {
  let db: Database;
  let seed: Seed;

  beforeAll(async () => {
    db = await database.open();
    seed = await seedBasics(db);
  });
  afterAll(async () => {
    await db?.close();
  });

  describe('a Kingdee-style ledger: customers, 应收单, 收款单', () => {
    it('imports customers from an xlsx with a title block, a parent after its subsidiary and a column it does not know', async () => {
      const r = await imp(db, seed.finance, 'kingdee-customers.xlsx', await kingdeeCustomersXlsx());
      expect(r.status).toBe('imported');
      expect(r.kind).toBe('customers');
      expect(r.kindDetected).toBe(true);
      expect(r.file.headerRow).toBe(4);
      expect(r.unrecognisedColumns).toEqual(['联系人']);
      expect(r.counts).toMatchObject({ rows: 3, created: 3, updated: 0, unchanged: 0, rejected: 0 });
      const parties = await db.query<{ code: string; name: string; uscc: string | null; region: string; payment_terms_days: number; credit_limit_minor: bigint | null; parent: string | null; owner: string | null }>(
        `SELECT p.code, p.name, p.uscc, p.region, p.payment_terms_days, p.credit_limit_minor, pp.code AS parent, u.username AS owner
           FROM parties p LEFT JOIN parties pp ON pp.id = p.parent_id LEFT JOIN users u ON u.id = p.owner_user_id ORDER BY p.code`,
      );
      expect(parties).toEqual([
        { code: 'KD-C001', name: '上海华信贸易有限公司', uscc: '91310115MA1H7GX21Q', region: '华东', payment_terms_days: 30, credit_limit_minor: 100000000n, parent: null, owner: 'finance' },
        { code: 'KD-C002', name: '北京华北重工集团有限公司', uscc: '91110108MA01C8XH3N', region: '华北', payment_terms_days: 60, credit_limit_minor: 500000000n, parent: null, owner: null },
        { code: 'KD-C003', name: '北京华北重工（天津）有限公司', uscc: null, region: '华北', payment_terms_days: 45, credit_limit_minor: 20000000n, parent: 'KD-C002', owner: null },
      ]);
    });

    it('imports the 应收单 sheet: dates of every kind, amounts as numbers and text, the 合计 row skipped', async () => {
      const r = await imp(db, seed.finance, 'kingdee-receivables.xlsx', await kingdeeReceivablesXlsx());
      expect(r.status).toBe('imported');
      expect(r.kind).toBe('invoices');
      expect(r.file).toMatchObject({ format: 'xlsx', sheet: '应收单列表', headerRow: 4 });
      expect(r.unrecognisedColumns).toEqual(['单据状态']);
      expect(r.counts).toMatchObject({ rows: 4, created: 4, rejected: 0, skipped: 1 });
      const invoices = await db.query<{ number: string; party: string; issue_date: string; currency: string; subtotal_minor: bigint; tax_minor: bigint; total_minor: bigint; due: string; description: string | null }>(
        `SELECT i.number, p.code AS party, i.issue_date, i.currency, i.subtotal_minor, i.tax_minor, i.total_minor, n.due_date AS due, i.description
           FROM invoices i JOIN parties p ON p.id = i.party_id JOIN installments n ON n.invoice_id = i.id ORDER BY i.number`,
      );
      expect(invoices).toEqual([
        { number: 'AR-2025-0001', party: 'KD-C001', issue_date: '2025-03-05', currency: 'CNY', subtotal_minor: 1000000n, tax_minor: 130000n, total_minor: 1130000n, due: '2025-04-04', description: '技术服务费' },
        { number: 'AR-2025-0002', party: 'KD-C001', issue_date: '2025-03-08', currency: 'CNY', subtotal_minor: 2000000n, tax_minor: 260000n, total_minor: 2260000n, due: '2025-04-07', description: null },
        { number: 'AR-2025-0003', party: 'KD-C003', issue_date: '2025-03-14', currency: 'CNY', subtotal_minor: 500000n, tax_minor: 65000n, total_minor: 565000n, due: '2025-04-30', description: '设备维修' },
        { number: 'AR-2025-0004', party: 'KD-C002', issue_date: '2025-03-20', currency: 'USD', subtotal_minor: 100050n, tax_minor: 0n, total_minor: 100050n, due: '2025-05-19', description: 'USD 咨询费' },
      ]);
    });

    it('imports the 收款单 sheet and allocates the invoices each receipt names, oldest due first', async () => {
      const r = await imp(db, seed.finance, 'kingdee-receipts.xlsx', await kingdeeReceiptsXlsx());
      expect(r.status).toBe('imported');
      expect(r.kind).toBe('receipts');
      expect(r.counts).toMatchObject({ rows: 3, created: 3, rejected: 0, skipped: 1 });
      const open = await db.query<{ number: string; open: bigint }>(
        `SELECT i.number, sum(n.amount_minor - n.allocated_minor)::bigint AS open FROM invoices i JOIN installments n ON n.invoice_id = i.id GROUP BY i.number ORDER BY i.number`,
      );
      expect(open).toEqual([
        { number: 'AR-2025-0001', open: 0n },
        { number: 'AR-2025-0002', open: 1390000n },
        { number: 'AR-2025-0003', open: 0n },
        { number: 'AR-2025-0004', open: 100050n },
      ]);
      const receipts = await db.query<{ number: string; party: string | null; amount_minor: bigint; allocated_minor: bigint; bank_reference: string; counterparty_name: string }>(
        `SELECT r.number, p.code AS party, r.amount_minor, r.allocated_minor, r.bank_reference, r.counterparty_name
           FROM receipts r LEFT JOIN parties p ON p.id = r.party_id ORDER BY r.number`,
      );
      expect(receipts).toEqual([
        { number: 'SK-2025-0001', party: 'KD-C001', amount_minor: 2000000n, allocated_minor: 2000000n, bank_reference: '3101202504010001', counterparty_name: '上海华信贸易有限公司' },
        { number: 'SK-2025-0002', party: 'KD-C002', amount_minor: 565000n, allocated_minor: 565000n, bank_reference: '3101202504100002', counterparty_name: '北京华北重工集团有限公司' },
        { number: 'SK-2025-0003', party: null, amount_minor: 88800n, allocated_minor: 0n, bank_reference: '3101202504150003', counterparty_name: '某某商贸' },
      ]);
      const methods = await db.query<{ method: string; n: bigint }>("SELECT method, count(*) AS n FROM allocations GROUP BY method");
      expect(methods).toEqual([{ method: 'import', n: 3n }]);
      expect(await ledgerViolations(db)).toEqual([]);
      expect((await verifyAuditChain(db)).ok).toBe(true);
    });

    it('re-imports all three files as unchanged and writes nothing', async () => {
      const before = await ledgerSnapshot(db);
      for (const [name, bytes, kind] of [
        ['kingdee-customers.xlsx', await kingdeeCustomersXlsx(), 'customers'],
        ['kingdee-receivables.xlsx', await kingdeeReceivablesXlsx(), 'invoices'],
        ['kingdee-receipts.xlsx', await kingdeeReceiptsXlsx(), 'receipts'],
      ] as const) {
        const r = await imp(db, seed.finance, name, bytes);
        expect(r.kind).toBe(kind);
        expect(r.status).toBe('imported');
        expect(r.counts).toMatchObject({ created: 0, updated: 0, rejected: 0 });
        expect(r.counts.unchanged).toBe(r.counts.rows);
      }
      expect(await ledgerSnapshot(db)).toBe(before);
    });

    it('updates master data that changed, and refuses a posted invoice that changed', async () => {
      const customers = await imp(db, seed.finance, 'c.csv', csv([['客户编码', '客户名称', '账期'], ['KD-C001', '上海华信贸易股份有限公司', '45']]));
      expect(customers.counts).toMatchObject({ updated: 1, created: 0 });
      const [p] = await db.query<{ name: string; payment_terms_days: number }>("SELECT name, payment_terms_days FROM parties WHERE code = 'KD-C001'");
      expect(p).toEqual({ name: '上海华信贸易股份有限公司', payment_terms_days: 45 });
      const [audit] = await db.query<{ before: unknown; after: unknown }>("SELECT before, after FROM audit_log WHERE action = 'party.update' ORDER BY seq DESC LIMIT 1");
      expect(audit!.before).toMatchObject({ name: '上海华信贸易有限公司', paymentTermsDays: 30 });
      expect(audit!.after).toMatchObject({ name: '上海华信贸易股份有限公司', paymentTermsDays: 45 });

      const before = await ledgerSnapshot(db);
      const rows = KINGDEE_RECEIVABLES.rows.map((r) => [...r]);
      rows[1]![6] = '23,000.00';
      const changed = await imp(db, seed.finance, 'ar.xlsx', await kingdeeWorkbook({ ...KINGDEE_RECEIVABLES, rows }));
      expect(changed.status).toBe('rejected');
      expect(changed.errors).toEqual([
        expect.objectContaining({ row: 6, column: '单据编号', code: 'posted_invoice_differs', message: expect.stringContaining('total 22600.00') }),
      ]);
      expect(changed.errors[0]!.message).toContain('credit note');
      expect(await ledgerSnapshot(db)).toBe(before);
    });
  });

  it('imports suppliers from a GBK CSV as Chinese Windows Excel saves it', async () => {
    const r = await imp(db, seed.finance, 'suppliers.csv', gbkCsv(GBK_SUPPLIERS));
    expect(r.file.encoding).toBe('gb18030');
    expect(r.kind).toBe('suppliers');
    expect(r.counts).toMatchObject({ created: 3, rejected: 0 });
    const rows = await db.query<{ code: string; name: string; is_supplier: boolean; is_customer: boolean; payment_terms_days: number }>(
      "SELECT code, name, is_supplier, is_customer, payment_terms_days FROM parties WHERE code LIKE 'GYS-%' ORDER BY code",
    );
    expect(rows).toEqual([
      { code: 'GYS-001', name: '苏州精密零件制造有限公司', is_supplier: true, is_customer: false, payment_terms_days: 60 },
      { code: 'GYS-002', name: '深圳市鑫达电子科技有限公司', is_supplier: true, is_customer: false, payment_terms_days: 30 },
      { code: 'GYS-003', name: '广州𠀀字号贸易商行', is_supplier: true, is_customer: false, payment_terms_days: 45 },
    ]);
  });

  describe('a file with errors', () => {
    const bad = () =>
      csv([
        ['发票号码', '开票日期', '到期日', '客户编码', '价税合计', '税额'],
        ['ERR-0001', '2025-03-01', '2025-03-31', 'KD-C001', '1,130.00', '130.00'],
        ['ERR-0002', '2025-03-01', '2025-03-31', 'KD-C999', '500.00', null],
        ['ERR-0003', '2025-03-10', '2025-03-01', 'KD-C001', '500.00', null],
        ['ERR-0001', '2025-03-02', '2025-04-01', 'KD-C002', '800.00', null],
        ['ERR-0004', '2025-03-05', null, 'KD-C001', 'abc', null],
        ['ERR-0005', '2025-03-05', null, 'KD-C001', '12.345', null],
        ['ERR-0006', '2025-02-30', null, 'KD-C001', '100.00', null],
      ]);

    it('dry run lists every problem with row, column and reason', async () => {
      const r = await imp(db, seed.finance, 'bad.csv', bad(), { dryRun: true });
      expect(r.status).toBe('dry_run');
      expect(r.planned).toEqual({ create: 1, update: 0, unchanged: 0 });
      expect(errorsOf(r)).toEqual([
        '3|客户编码|unknown_party',
        '4|到期日|due_before_issue',
        '5|发票号码|duplicate_in_file',
        '6|价税合计|invalid_amount',
        '7|价税合计|too_many_decimals',
        '8|开票日期|invalid_date',
      ]);
      expect(r.errors[0]!.message).toContain('KD-C999');
      expect(r.errors[2]!.message).toContain('row 2');
      expect(r.preview.map((p) => [p.row, p.action])).toEqual([
        [2, 'create'],
        [3, 'reject'],
        [4, 'reject'],
        [5, 'reject'],
        [6, 'reject'],
        [7, 'reject'],
        [8, 'reject'],
      ]);
    });

    it('changes nothing when imported all-or-nothing', async () => {
      const before = await ledgerSnapshot(db);
      const r = await imp(db, seed.finance, 'bad.csv', bad());
      expect(r.status).toBe('rejected');
      expect(r.counts).toMatchObject({ rows: 7, created: 0, rejected: 6 });
      expect(await ledgerSnapshot(db)).toBe(before);
    });

    it('reports a missing required column and imports nothing', async () => {
      const r = await imp(db, seed.finance, 'x.csv', csv([['发票号码', '客户编码', '价税合计'], ['X-1', 'KD-C001', '1.00']]), { kind: 'invoices' });
      expect(r.status).toBe('rejected');
      expect(r.errors).toEqual([expect.objectContaining({ row: 1, code: 'missing_column', message: expect.stringContaining('开票日期') })]);
    });

    it('with validOnly imports the good rows and writes the others to an error file that re-imports once fixed', async () => {
      const { result, file } = await collect('csv', (sink) => imp(db, seed.finance, 'bad.csv', bad(), { validOnly: true, errors: sink }));
      expect(result.status).toBe('imported');
      expect(result.counts).toMatchObject({ rows: 7, created: 1, rejected: 6 });
      expect(result.errorFileRows).toBe(6);
      const text = file.toString('utf8');
      expect(text.startsWith('\uFEFF')).toBe(true);
      const rows = parseCsvSync(text.slice(1)) as string[][];
      expect(rows[0]).toEqual(['发票号码', '开票日期', '到期日', '客户编码', '价税合计', '税额', '原行号/source row', '错误原因/error']);
      expect(rows.slice(1).map((r) => r[6])).toEqual(['3', '4', '5', '6', '7', '8']);
      expect(rows[1]![7]).toContain('客户编码: unknown customer code KD-C999');

      // Fix the rows in the error file and import it as it is: the two added columns are ignored.
      const fixed = rows.map((r, i) => {
        if (i === 0) return r;
        const f = [...r];
        f[0] = `FIX-${i}`;
        f[1] = '2025-03-01';
        f[2] = '2025-03-31';
        f[3] = 'KD-C001';
        f[4] = '100.00';
        return f;
      });
      const again = await imp(db, seed.finance, 'bad.errors.csv', `\uFEFF${csv(fixed)}`);
      expect(again.status).toBe('imported');
      expect(again.unrecognisedColumns).toEqual([]);
      expect(again.counts).toMatchObject({ created: 6, rejected: 0 });
      expect(await ledgerViolations(db)).toEqual([]);
    });

    it('writes an XLSX error file for an XLSX import', async () => {
      const rows = KINGDEE_RECEIVABLES.rows.map((r) => [...r]);
      rows.push(['AR-2025-0099', '2025/13/01', null, 'KD-C001', null, '人民币', 100, 0, null, null, '已审核']);
      const workbook = await kingdeeWorkbook({ ...KINGDEE_RECEIVABLES, rows });
      const { result, file } = await collect('xlsx', (sink) => imp(db, seed.finance, 'ar.xlsx', workbook, { validOnly: true, errors: sink, dryRun: true }));
      expect(result.counts.rejected).toBe(1);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(file as unknown as ArrayBuffer);
      const ws = wb.worksheets[0]!;
      expect(ws.getRow(1).getCell(12).value).toBe('原行号/source row');
      expect(ws.getRow(2).getCell(1).value).toBe('AR-2025-0099');
      expect(ws.getRow(2).getCell(12).value).toBe(9);
      expect(String(ws.getRow(2).getCell(13).value)).toContain('业务日期');
    });
  });

  it('stores cells that look like formulas as text, and an export of them re-imports unchanged', async () => {
    const names = ['=HYPERLINK("http://evil.example","点我")', '+86-21-5555', '-2+3', '@SUM(A1)'];
    const r = await imp(db, seed.finance, 'f.csv', csv([['客户编码', '客户名称'], ...names.map((n, i) => [`FX-${i}`, n])]));
    expect(r.counts.created).toBe(4);
    const stored = await db.query<{ name: string }>("SELECT name FROM parties WHERE code LIKE 'FX-%' ORDER BY code");
    expect(stored.map((s) => s.name)).toEqual(names);
    const exported = toCsv(await withActor(db, SYSTEM_ACTOR, (tx) => exportData(tx, SYSTEM_ACTOR, 'customers', '2026-12-31')));
    expect(exported).toContain(`"'=HYPERLINK(""http://evil.example"",""点我"")"`);
    const again = await imp(db, seed.finance, 'customers.csv', exported, { kind: 'customers' });
    expect(again.status).toBe('imported');
    expect(again.counts.created + again.counts.updated).toBe(0);
  });

  it('refuses hostile files with a clear reason and changes nothing', async () => {
    const before = await ledgerSnapshot(db);
    const garbage = Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 7919 + 13) % 256));
    await expect(imp(db, seed.finance, 'x.csv', garbage)).rejects.toMatchObject({ code: 'binary_file' });
    const wide = csv([['客户编码', '客户名称', ...Array.from({ length: 10_000 }, (_, i) => `col${i}`)], ['H-1', 'x']]);
    const e = await imp(db, seed.finance, 'wide.csv', wide).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(ImportFileError);
    expect(e).toMatchObject({ code: 'header_too_large' });
    await expect(imp(db, seed.finance, 'long.csv', csv([['客户编码', '客户名称', `备注${'长'.repeat(300)}`], ['H-1', 'x']]))).rejects.toMatchObject({ code: 'header_too_large' });
    await expect(imp(db, seed.finance, 'nohead.csv', csv([['a', 'b'], ['1', '2']]))).rejects.toMatchObject({ code: 'header_not_found' });
    // A 2 GB file (sparse: it takes no disk) is refused before a byte of it is read.
    const dir = mkdtempSync(join(tmpdir(), 'huge-'));
    try {
      const huge = join(dir, 'huge.csv');
      writeFileSync(huge, '客户编码,客户名称\n');
      truncateSync(huge, 2 * 1024 ** 3);
      const source = fileSource(huge);
      let opened = false;
      const watched = {
        ...source,
        open: () => {
          opened = true;
          return source.open();
        },
      };
      await expect(importTable(db, seed.finance, watched)).rejects.toMatchObject({ code: 'file_too_large', status: 413 });
      expect(source.size).toBe(2 * 1024 ** 3);
      expect(opened).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(await ledgerSnapshot(db)).toBe(before);
  });

  it('saves a column mapping and imports the next file from the same source with it alone', async () => {
    const file = (rows: string[][]) => csv([['往来户编号', '往来户全称', '内部备注'], ...rows]);
    const first = await imp(db, seed.finance, 'k3.csv', file([['MAP-1', '映射测试一公司', 'x']]), {
      kind: 'customers',
      columns: { 往来户编号: 'partyCode', 往来户全称: 'partyName', 内部备注: 'ignore' },
      saveMapping: 'k3-customers',
    });
    expect(first.status).toBe('imported');
    expect(first.unrecognisedColumns).toEqual([]);
    const mappings = await withActor(db, seed.finance, (tx) => listMappings(tx));
    expect(mappings).toEqual([expect.objectContaining({ name: 'k3-customers', kind: 'customers', columns: { 往来户编号: 'partyCode', 往来户全称: 'partyName', 内部备注: 'ignore' } })]);
    const second = await imp(db, seed.finance, 'k3-2.csv', file([['MAP-2', '映射测试二公司', 'y']]), { mapping: 'k3-customers' });
    expect(second).toMatchObject({ status: 'imported', kind: 'customers', mapping: { used: 'k3-customers' } });
    expect(second.counts.created).toBe(1);
    await expect(imp(db, seed.finance, 'k3.csv', file([]), { kind: 'customers', columns: { 往来户编号: 'noSuchField' } })).rejects.toMatchObject({ code: 'unknown_field' });
  });

  it('rejects rows outside a scoped user’s regions (row-level security) and refuses roles that cannot write', async () => {
    const east = await createActor(db, `east_${database.name}`, 'finance', { regions: ['华东'] });
    const r = await imp(db, east, 'scope.csv', csv([['客户编码', '客户名称', '区域'], ['SC-1', '华东客户', '华东'], ['SC-2', '华北客户', '华北']]), { validOnly: true });
    expect(r.counts).toMatchObject({ created: 1, rejected: 1 });
    expect(r.errors[0]).toMatchObject({ row: 3, code: 'forbidden' });
    const collector = await createActor(db, `coll_${database.name}`, 'collector');
    await expect(imp(db, collector, 'c.csv', csv([['客户编码', '客户名称'], ['SC-3', 'x']]))).rejects.toMatchObject({ status: 403 });
  });

  it('imports a contract ledger (合同台账): schedules from 付款计划, unchanged on re-import, a new version when the terms change', async () => {
    await withActor(db, seed.finance, (tx) => createParty(tx, seed.finance, { code: 'CT-C1', name: '合同测试客户有限公司', region: '华东', paymentTermsDays: 45 }));
    const header = ['合同编号', '合同名称', '客户编码', '合同金额', '币种', '签订日期', '付款计划', '执行状态'];
    const rows = [
      ['HT-2026-001', '生产线改造', 'CT-C1', '1,000,000.00', 'CNY', '2026-01-10', '预付款 30% 0天; 到货款 60% 30天; 质保金 10% 12个月', '执行中'],
      ['HT-2026-002', '备件年度框架', 'CT-C1', '200000', 'CNY', '2026年2月1日', '', '执行中'],
    ];
    const first = await imp(db, seed.finance, '合同台账.csv', csv([header, ...rows]));
    expect(first.kind).toBe('contracts');
    expect(first.status).toBe('imported');
    expect(first.counts).toMatchObject({ rows: 2, created: 2 });
    const versions = await db.query<{ number: string; version: number; total_minor: bigint; schedule: unknown; valid_from: string }>(
      `SELECT c.number, v.version, v.total_minor, v.schedule, v.valid_from FROM contracts c JOIN contract_versions v ON v.contract_id = c.id
        WHERE c.number LIKE 'HT-2026-%' ORDER BY c.number, v.version`,
    );
    expect(versions[0]).toMatchObject({ number: 'HT-2026-001', version: 1, total_minor: 100_000_000n, valid_from: '2026-01-10' });
    expect(versions[0]!.schedule).toEqual([
      { name: '预付款', percent: '30', dueRule: { kind: 'days_after_invoice', days: 0 } },
      { name: '到货款', percent: '60', dueRule: { kind: 'days_after_invoice', days: 30 } },
      { name: '质保金', percent: '10', dueRule: { kind: 'months_after_invoice', months: 12 } },
    ]);
    // No schedule: the whole amount at the customer's terms.
    expect(versions[1]!.schedule).toEqual([{ name: '全款', percent: '100', dueRule: { kind: 'days_after_invoice', days: 45 } }]);

    const again = await imp(db, seed.finance, '合同台账.csv', csv([header, ...rows]));
    expect(again.counts).toMatchObject({ created: 0, updated: 0, unchanged: 2 });

    // A supplement (补充协议) raises the amount: a new version, the percents carried over.
    const raised = await imp(db, seed.finance, '合同台账-补充.csv', csv([['合同编号', '客户编码', '合同金额', '生效日期'], ['HT-2026-001', 'CT-C1', '1200000.00', '2026-04-01']]), { kind: 'contracts' });
    expect(raised.counts).toMatchObject({ updated: 1 });
    const [v2] = await db.query<{ version: number; total_minor: bigint; schedule: { percent: string }[]; valid_from: string }>(
      "SELECT v.version, v.total_minor, v.schedule, v.valid_from FROM contracts c JOIN contract_versions v ON v.contract_id = c.id AND v.version = c.current_version WHERE c.number = 'HT-2026-001'",
    );
    expect(v2).toMatchObject({ version: 2, total_minor: 120_000_000n, valid_from: '2026-04-01' });
    expect(v2!.schedule.map((m) => m.percent)).toEqual(['30', '60', '10']);

    // Another customer under the same number is a different contract: refused, nothing written.
    const wrong = await imp(db, seed.finance, 'x.csv', csv([header, ['HT-2026-002', '备件', 'SB-C1', '200000', 'CNY', '2026-02-01', '', '']]), { kind: 'contracts' });
    expect(wrong.status).toBe('rejected');
    expect(errorsOf(wrong)).toEqual([expect.stringMatching(/^2\|(客户编码|合同编号)\|(contract_differs|unknown_party)$/)]);
  });

  it('imports 红字 rows as credit notes against their original, in the same file or already posted, and refuses an over-credit', async () => {
    await withActor(db, seed.finance, (tx) => createParty(tx, seed.finance, { code: 'RN-C1', name: '红字测试客户有限公司', region: '华东' }));
    const header = ['单据编号', '红蓝字', '原发票号', '客户编码', '开票日期', '价税合计', '税额'];
    const file = csv([
      header,
      ['RN-INV-1', '蓝字', '', 'RN-C1', '2026-02-01', '11,300.00', '1,300.00'],
      ['RN-CN-1', '红字', 'RN-INV-1', 'RN-C1', '2026-02-10', '-1,130.00', '-130.00'],
      ['RN-INV-2', '', '', 'RN-C1', '2026-02-01', '500.00', ''],
    ]);
    const r = await imp(db, seed.finance, '红字.csv', file, { kind: 'invoices' });
    expect(r.status).toBe('imported');
    expect(r.counts).toMatchObject({ rows: 3, created: 3, rejected: 0 });
    const docs = await db.query<{ number: string; kind: string; total_minor: bigint; tax_minor: bigint; original: string | null }>(
      "SELECT i.number, i.kind, i.total_minor, i.tax_minor, o.number AS original FROM invoices i LEFT JOIN invoices o ON o.id = i.original_invoice_id WHERE i.number LIKE 'RN-%' ORDER BY i.number",
    );
    expect(docs).toEqual([
      { number: 'RN-CN-1', kind: 'credit_note', total_minor: 113_000n, tax_minor: 13_000n, original: 'RN-INV-1' },
      { number: 'RN-INV-1', kind: 'invoice', total_minor: 1_130_000n, tax_minor: 130_000n, original: null },
      { number: 'RN-INV-2', kind: 'invoice', total_minor: 50_000n, tax_minor: 0n, original: null },
    ]);
    // Applied at once to the original: 11,300.00 − 1,130.00 open.
    const [open] = await db.query<{ open: bigint }>(
      "SELECT sum(n.amount_minor - n.allocated_minor)::bigint AS open FROM installments n JOIN invoices i ON i.id = n.invoice_id WHERE i.number = 'RN-INV-1'",
    );
    expect(open!.open).toBe(1_017_000n);
    expect((await imp(db, seed.finance, '红字.csv', file, { kind: 'invoices' })).counts).toMatchObject({ created: 0, unchanged: 3 });

    // Against a posted invoice: more than is left to credit is refused, naming the row and column.
    const over = await imp(db, seed.finance, '红字2.csv', csv([header, ['RN-CN-2', '红字', 'RN-INV-1', 'RN-C1', '2026-03-01', '-10,200.00', '']]), { kind: 'invoices' });
    expect(over.status).toBe('rejected');
    expect(errorsOf(over)).toEqual(['2|价税合计|credit_exceeds_invoice']);
    const missing = await imp(db, seed.finance, '红字3.csv', csv([header, ['RN-CN-3', '红字', '', 'RN-C1', '2026-03-01', '-10.00', '']]), { kind: 'invoices' });
    expect(errorsOf(missing)).toEqual(['2|原发票号|original_required']);
    expect(await ledgerViolations(db)).toEqual([]);
  });

  describe('set-based writes', () => {
    const invoiceRows = (prefix: string, n: number) =>
      Array.from({ length: n }, (_, i) => [`${prefix}-${String(i + 1).padStart(3, '0')}`, i % 2 ? 'SB-C2' : 'SB-C1', '2025-04-01', i % 3 ? '2025-05-01' : '', `${100 + i}.50`, i % 5 === 4 ? 'USD' : 'CNY']);
    const header = ['单据编号', '客户编码', '开票日期', '到期日', '价税合计', '币种'];
    beforeAll(async () => {
      for (const [code, terms] of [['SB-C1', 30], ['SB-C2', 45]] as const) {
        await withActor(db, seed.finance, (tx) => createParty(tx, seed.finance, { code, name: `批量客户 ${code}`, region: '华东', paymentTermsDays: terms }));
      }
    });

    it('posts a chunk of invoices set-based: lines, installments, control totals and one audit entry that lists every document', async () => {
      const before = await db.query<{ currency: string; open_minor: bigint }>("SELECT currency, open_minor FROM control_totals WHERE side = 'AR' ORDER BY currency");
      const r = await imp(db, seed.finance, 'bulk.csv', csv([header, ...invoiceRows('BULK', 25)]), { kind: 'invoices' });
      expect(r.status).toBe('imported');
      expect(r.counts).toMatchObject({ rows: 25, created: 25, rejected: 0 });
      const docs = await db.query<{ number: string; currency: string; total_minor: bigint; lines: bigint; due: string; inst_total: bigint }>(
        `SELECT i.number, i.currency, i.total_minor, (SELECT count(*) FROM invoice_lines l WHERE l.invoice_id = i.id) AS lines,
                (SELECT min(due_date) FROM installments s WHERE s.invoice_id = i.id) AS due,
                (SELECT sum(amount_minor)::bigint FROM installments s WHERE s.invoice_id = i.id) AS inst_total
           FROM invoices i WHERE i.number LIKE 'BULK-%' ORDER BY i.number`,
      );
      expect(docs).toHaveLength(25);
      expect(docs[0]).toMatchObject({ number: 'BULK-001', currency: 'CNY', total_minor: 10050n, lines: 1n, due: '2025-05-01', inst_total: 10050n });
      // No due date in the file: the customer's payment terms decide it, as for a single invoice.
      expect(docs[3]!.due).toBe('2025-05-16');
      expect(docs.every((d) => d.inst_total === d.total_minor && d.lines === 1n)).toBe(true);
      const after = await db.query<{ currency: string; open_minor: bigint }>("SELECT currency, open_minor FROM control_totals WHERE side = 'AR' ORDER BY currency");
      const added = (cur: string) => (after.find((c) => c.currency === cur)?.open_minor ?? 0n) - (before.find((c) => c.currency === cur)?.open_minor ?? 0n);
      expect(added('CNY')).toBe(docs.filter((d) => d.currency === 'CNY').reduce((a, d) => a + d.total_minor, 0n));
      expect(added('USD')).toBe(docs.filter((d) => d.currency === 'USD').reduce((a, d) => a + d.total_minor, 0n));
      const audits = await db.query<{ object_type: string; after: { count: number; documents: { number: string; total: string }[] } }>(
        "SELECT object_type, after FROM audit_log WHERE action = 'invoice.import' AND after->>'file' = 'bulk.csv'",
      );
      expect(audits).toHaveLength(1);
      expect(audits[0]!.object_type).toBe('import_batch');
      expect(audits[0]!.after.count).toBe(25);
      expect(audits[0]!.after.documents.map((d) => d.number)).toEqual(docs.map((d) => d.number));
      expect(audits[0]!.after.documents[0]!.total).toBe('100.50');
      expect(await ledgerViolations(db)).toEqual([]);
      expect((await verifyAuditChain(db)).ok).toBe(true);
    });

    it('writes a chunk the database refuses row by row, names the row at fault, and changes nothing', async () => {
      // A rule only the database knows (as a concurrent writer's unique number would be).
      await db.exec(`CREATE FUNCTION test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'refused by a test rule' USING ERRCODE = 'P0001', HINT = 'refused_by_rule'; END $$;
        CREATE TRIGGER test_refuse BEFORE INSERT ON invoices FOR EACH ROW WHEN (NEW.number = 'REF-007') EXECUTE FUNCTION test_refuse();`);
      try {
        const file = csv([header, ...invoiceRows('REF', 12)]);
        const snapshot = await ledgerSnapshot(db);
        const r = await imp(db, seed.finance, 'refused.csv', file, { kind: 'invoices' });
        expect(r.status).toBe('rejected');
        expect(errorsOf(r)).toEqual(['8||refused_by_rule']);
        expect(await ledgerSnapshot(db)).toBe(snapshot);

        const valid = await imp(db, seed.finance, 'refused.csv', file, { kind: 'invoices', validOnly: true });
        expect(valid.status).toBe('imported');
        expect(valid.counts).toMatchObject({ rows: 12, created: 11, rejected: 1 });
        const [n] = await db.query<{ n: bigint }>("SELECT count(*) AS n FROM invoices WHERE number LIKE 'REF-%'");
        expect(n!.n).toBe(11n);
        expect(await ledgerViolations(db)).toEqual([]);
      } finally {
        await db.exec('DROP TRIGGER test_refuse ON invoices; DROP FUNCTION test_refuse();');
      }
    });
  });

  describe('large files: checkpointed batches', () => {
    const bigFile = (prefix: string, n: number) => csv([['客户编码', '客户名称', '区域'], ...Array.from({ length: n }, (_, i) => [`${prefix}-${String(i).padStart(4, '0')}`, `批量客户 ${i}`, '华东'])]);

    it('resumes from the checkpoint after the process died between batches, creating nothing twice', async () => {
      const file = bigFile('BAT', 12);
      let batches = 0;
      const crash = new Error('simulated crash after the first batch');
      await expect(
        imp(db, seed.finance, 'big.csv', file, {
          singleTxMaxRows: 0,
          batchRows: 5,
          onProgress: (p) => {
            if (p.committed && ++batches === 1) throw crash;
          },
        }),
      ).rejects.toBe(crash);
      const [mid] = await db.query<{ n: bigint }>("SELECT count(*) AS n FROM parties WHERE code LIKE 'BAT-%'");
      expect(mid!.n).toBe(5n);
      const [run] = await db.query<{ status: string; committed_through_row: number }>("SELECT status, committed_through_row FROM import_runs WHERE file_name = 'big.csv'");
      expect(run).toEqual({ status: 'failed', committed_through_row: 6 });

      const resumed = await imp(db, seed.finance, 'big.csv', file, { singleTxMaxRows: 0, batchRows: 5 });
      expect(resumed.status).toBe('imported');
      expect(resumed.run).toMatchObject({ mode: 'batched', resumedFromRow: 6, committedThroughRow: 13 });
      expect(resumed.counts).toMatchObject({ rows: 12, created: 12, unchanged: 0 });
      const [after] = await db.query<{ n: bigint; audits: bigint }>(
        "SELECT (SELECT count(*) FROM parties WHERE code LIKE 'BAT-%') AS n, (SELECT count(*) FROM audit_log WHERE action = 'party.create' AND after->>'code' LIKE 'BAT-%') AS audits",
      );
      expect(after).toEqual({ n: 12n, audits: 12n });
    });

    it('stops at a row that fails after validation, keeping the committed batches, and says so', async () => {
      const rows = Array.from({ length: 9 }, (_, i) => [`BIG-${i}`, '2025-03-01', 'KD-C002', '100.00']);
      const file = csv([['单据编号', '业务日期', '客户编码', '价税合计'], ...rows]);
      let conflicted = false;
      const r = await imp(db, seed.finance, 'race.csv', file, {
        kind: 'invoices',
        singleTxMaxRows: 0,
        batchRows: 4,
        onProgress: async (p) => {
          // Someone posts BIG-6 with another amount between the first and the second batch.
          if (p.committed && !conflicted) {
            conflicted = true;
            await withActor(db, seed.finance, (tx) =>
              createInvoice(tx, seed.finance, { partyCode: 'KD-C002', number: 'BIG-6', currency: 'CNY', issueDate: '2025-03-01', lines: [{ description: 'x', unitPrice: '999.00' }] }),
            );
          }
        },
      });
      expect(r.status).toBe('interrupted');
      expect(r.errors.at(-1)).toMatchObject({ row: 8, code: 'posted_invoice_differs' });
      expect(r.run).toMatchObject({ mode: 'batched', committedThroughRow: 5 });
      const [n] = await db.query<{ n: bigint }>("SELECT count(*) AS n FROM invoices WHERE number LIKE 'BIG-%'");
      expect(n!.n).toBe(5n); // rows 2–5 of the file, and the competing BIG-6
      expect(await ledgerViolations(db)).toEqual([]);
    });
  });

  describe('HTTP API', () => {
    let app: Awaited<ReturnType<typeof buildServer>>;
    let token = '';
    beforeAll(async () => {
      app = await buildServer({ db, webDist: null });
      token = await createApiToken(db, 'finance', 'import test');
    });
    afterAll(async () => {
      await app?.close();
    });

    it('previews a raw upload, then imports a base64 one exactly once per Idempotency-Key', async () => {
      const file = Buffer.from(csv([['客户编码', '客户名称', '区域'], ['API-1', '接口客户一', '华东'], ['API-2', '', '华东']]));
      const preview = await app.inject({
        method: 'POST',
        url: '/api/import?dryRun=true&fileName=api.csv',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
        payload: file,
      });
      expect(preview.statusCode).toBe(200);
      const p = preview.json();
      expect(p).toMatchObject({ status: 'dry_run', kind: 'customers', planned: { create: 1 } });
      expect(p.errors).toEqual([expect.objectContaining({ row: 3, column: '客户名称', code: 'required' })]);
      expect(p.columns.map((c: { field: string }) => c.field)).toEqual(['partyCode', 'partyName', 'region']);

      const rejected = await app.inject({ method: 'POST', url: '/api/import', headers: { authorization: `Bearer ${token}` }, payload: { file: file.toString('base64'), fileName: 'api.csv' } });
      expect(rejected.statusCode).toBe(422);
      expect(rejected.json()).toMatchObject({ status: 'rejected', error: { code: 'import_rejected' } });

      const send = () =>
        app.inject({
          method: 'POST',
          url: '/api/import',
          headers: { authorization: `Bearer ${token}`, 'idempotency-key': `import-${database.name}` },
          payload: { file: file.toString('base64'), fileName: 'api.csv', validOnly: true, errorFile: true },
        });
      const first = await send();
      expect(first.statusCode).toBe(200);
      expect(first.json()).toMatchObject({ status: 'imported', counts: { created: 1, rejected: 1 }, errorFile: { name: 'api.errors.csv' } });
      expect(Buffer.from(first.json().errorFile.base64, 'base64').toString()).toContain('API-2');
      const again = await send();
      expect(again.statusCode).toBe(200);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.json().counts).toEqual(first.json().counts);
      const [n] = await db.query<{ n: bigint }>("SELECT count(*) AS n FROM parties WHERE code LIKE 'API-%'");
      expect(n!.n).toBe(1n);

      const reused = await app.inject({
        method: 'POST',
        url: '/api/import',
        headers: { authorization: `Bearer ${token}`, 'idempotency-key': `import-${database.name}` },
        payload: { file: Buffer.from(csv([['客户编码', '客户名称'], ['API-3', 'x']])).toString('base64'), fileName: 'other.csv' },
      });
      expect(reused.statusCode).toBe(409);
      const garbage = await app.inject({
        method: 'POST',
        url: '/api/import',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
        payload: Buffer.from([0, 1, 2, 3, 255, 254, 0, 0]),
      });
      expect(garbage.statusCode).toBe(422);
      expect(garbage.json().error.code).toBe('binary_file');
      const mappings = await app.inject({ method: 'GET', url: '/api/import/mappings', headers: { authorization: `Bearer ${token}` } });
      expect(mappings.json().map((m: { name: string }) => m.name)).toContain('k3-customers');
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Export → import round trip (property)
// ---------------------------------------------------------------------------------------------

const NAMES = ['上海华信贸易有限公司', '北京华北重工集团有限公司', 'ACME (Shanghai) Co., Ltd.', '深圳市鑫达电子科技有限公司', '"引号"商行', '=1+2', '@risk 公司', '-12.50', '两行\n公司', '逗号,分号;公司', "'=已转义的公式"];
const USCCS = ['91310115MA1H7GX21Q', '91110108MA01C8XH3N', '91320594MA1MXXL27B'];

const partyArb = fc.record({
  name: fc.constantFrom(...NAMES),
  uscc: fc.option(fc.constantFrom(...USCCS), { nil: null }),
  region: fc.constantFrom('华东', '华北', '华南', '未分配'),
  province: fc.option(fc.constantFrom('上海', '北京', '广东'), { nil: null }),
  industry: fc.option(fc.constantFrom('制造业', '批发零售'), { nil: null }),
  owner: fc.option(fc.constant('finance'), { nil: null }),
  terms: fc.integer({ min: 0, max: 180 }),
  credit: fc.option(fc.record({ minor: fc.bigInt({ min: 0n, max: 10n ** 11n }), currency: fc.constantFrom('CNY', 'USD', 'JPY') }), { nil: null }),
  parent: fc.option(fc.nat(), { nil: null }),
  externalId: fc.option(fc.stringMatching(/^[A-Z0-9]{1,8}$/), { nil: null }),
});
const invoiceArb = fc.record({
  party: fc.nat(),
  currency: fc.constantFrom('CNY', 'USD', 'JPY'),
  minor: fc.bigInt({ min: 1n, max: 10n ** 10n }),
  issueDay: fc.integer({ min: 0, max: 700 }),
  dueDays: fc.integer({ min: 0, max: 120 }),
  einvoice: fc.option(fc.stringMatching(/^\d{20}$/), { nil: null }),
});
const ledgerArb = fc.record({
  parties: fc.array(partyArb, { minLength: 1, maxLength: 6 }),
  invoices: fc.array(invoiceArb, { maxLength: 8 }),
  codes: fc.uniqueArray(fc.stringMatching(/^[A-Z]{1,3}-?\d{1,4}$/), { minLength: 6, maxLength: 6 }),
  format: fc.constantFrom('csv' as const, 'xlsx' as const),
});

const AS_OF = '2026-12-31';
const addDays = (iso: string, n: number) => new Date(Date.parse(`${iso}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
const money = (minor: bigint, c: string) => (c === 'JPY' ? minor.toString() : `${minor / 100n}.${(minor % 100n).toString().padStart(2, '0')}`);

/** The export of a kind, only the rows of one property run (its code prefix), as rows and as a file. */
async function exported(db: Database, kind: 'customers' | 'invoices', format: 'csv' | 'xlsx', prefix: string) {
  const data = await withActor(db, SYSTEM_ACTOR, (tx) => exportData(tx, SYSTEM_ACTOR, kind, AS_OF));
  const rows = data.rows.filter((r) => String(kind === 'customers' ? r.code : r.number).startsWith(prefix));
  const mine = { ...data, rows };
  if (format === 'csv') return { rows, bytes: Buffer.from(toCsv(mine)) };
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await writeXlsx(mine, out);
  return { rows, bytes: Buffer.concat(chunks) };
}

describe.each(databases)('export → import round trip on $name', (database) => {
  // Two ledgers for all runs; each run uses codes and numbers of its own, so that in B they are new.
  let a: Database;
  let b: Database;
  let seedA: Seed;
  let seedB: Seed;
  beforeAll(async () => {
    [a, b] = await Promise.all([database.open(), database.open()]);
    [seedA, seedB] = await Promise.all([seedBasics(a), seedBasics(b)]);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('re-imports its own export as unchanged, and rebuilds the same customers and invoices where they are new', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(ledgerArb, async (spec) => {
        const prefix = `P${run++}${database.name[0]}`;
        const codes = spec.codes.map((c) => `${prefix}${c}`);
        const actor = seedA.finance;
        // Parents are created first; each party may have an earlier one as parent.
        await withActor(a, actor, async (tx) => {
          for (const [i, p] of spec.parties.entries()) {
            const parent = p.parent !== null && i > 0 ? codes[p.parent % i]! : null;
            await createParty(tx, actor, {
              code: codes[i]!,
              name: p.name,
              uscc: p.uscc,
              region: p.region,
              province: p.province,
              industry: p.industry,
              ownerUsername: p.owner,
              paymentTermsDays: p.terms,
              ...(p.credit ? { creditLimit: money(p.credit.minor, p.credit.currency), creditCurrency: p.credit.currency } : {}),
              parentCode: parent,
              ...(p.externalId ? { externalIds: { k3: p.externalId } } : {}),
            });
          }
          for (const [i, inv] of spec.invoices.entries()) {
            const issueDate = addDays('2024-01-01', inv.issueDay);
            const total = money(inv.minor, inv.currency);
            await createInvoice(tx, actor, {
              number: `${prefix}-${i}`,
              partyCode: codes[inv.party % spec.parties.length]!,
              currency: inv.currency,
              issueDate,
              einvoiceNumber: inv.einvoice,
              lines: [{ description: '服务费', unitPrice: total }],
              installments: [{ dueDate: addDays(issueDate, inv.dueDays), amount: total }],
            });
          }
        });
        const original = { customers: await exported(a, 'customers', spec.format, prefix), invoices: await exported(a, 'invoices', spec.format, prefix) };
        for (const kind of ['customers', 'invoices'] as const) {
          const { rows, bytes } = original[kind];
          // An export of no rows still has its header row and re-imports as nothing to do.
          const name = `${kind}.${spec.format}`;
          const same = await imp(a, actor, name, bytes, { kind });
          expect(same.errors).toEqual([]);
          expect(same.counts).toMatchObject({ rows: rows.length, unchanged: rows.length, created: 0, updated: 0 });
          const fresh = await imp(b, seedB.finance, name, bytes, { kind });
          expect(fresh.errors).toEqual([]);
          expect(fresh.counts).toMatchObject({ created: rows.length, rejected: 0 });
        }
        // Balances in the customer rows need the invoices too: compare once both are in.
        expect((await exported(b, 'customers', spec.format, prefix)).rows).toEqual(original.customers.rows);
        expect((await exported(b, 'invoices', spec.format, prefix)).rows).toEqual(original.invoices.rows);
      }),
      { numRuns: database.name === 'pglite' ? 25 : 10 },
    );
    expect(await ledgerViolations(b)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// The CLI as a process, and killed in the middle of a file
// ---------------------------------------------------------------------------------------------

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'shoufu.mjs');


/** Runs the CLI; with killOn, sends SIGKILL when a line of standard error matches it. */
function shoufu(target: CliTarget, args: string[], opts: { env?: Record<string, string>; killOn?: RegExp } = {}): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...target.env, ...opts.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (opts.killOn?.test(stderr) && child.exitCode === null) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

const cliTargets: (() => Promise<CliTarget>)[] = [async () => pgliteTarget('imp'), ...(postgresAvailable ? [() => postgresTarget('imp')] : [])];

describe.each(cliTargets.map((make, i) => ({ make, name: i === 0 ? 'pglite' : 'postgres' })))('shoufu import (CLI) on $name', ({ make }) => {
  let target: CliTarget;
  let dir: string;
  const N = 1500;
  const bigCsv = (prefix: string) => csv([['客户编码', '客户名称', '区域', '账期'], ...Array.from({ length: N }, (_, i) => [`${prefix}${String(i).padStart(5, '0')}`, `压力测试客户 ${i}`, '华东', '30'])]);
  const count = async (prefix: string) => {
    const db = await target.open();
    try {
      const [row] = await db.query<{ n: bigint; runs: bigint }>(
        `SELECT (SELECT count(*) FROM parties WHERE code LIKE $1) AS n, (SELECT count(*) FROM import_runs) AS runs`,
        [`${prefix}%`],
      );
      const runs = await db.query<{ status: string; committed_through_row: number }>('SELECT status, committed_through_row FROM import_runs ORDER BY started_at');
      return { n: Number(row!.n), runs };
    } finally {
      await db.close();
    }
  };

  beforeAll(async () => {
    target = await make();
    dir = mkdtempSync(join(tmpdir(), 'shoufu-import-files-'));
  }, 60_000);
  afterAll(async () => {
    await target?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('dry run and --valid-only: JSON on stdout, exit code 2 for rejected rows, the error file beside the input', async () => {
    const file = join(dir, 'customers.csv');
    writeFileSync(file, gbkCsv([['客户编码', '客户名称', '信用额度'], ['CLI-1', '命令行客户', '1,000.00'], ['CLI-2', '坏额度客户', '1.005']]));
    const dry = await shoufu(target, ['import', file, '--dry-run']);
    expect(dry.code).toBe(2);
    const d = JSON.parse(dry.stdout);
    expect(d).toMatchObject({ status: 'dry_run', kind: 'customers', file: { encoding: 'gb18030' } });
    expect(d.errors).toEqual([expect.objectContaining({ row: 3, column: '信用额度', code: 'too_many_decimals' })]);
    const valid = await shoufu(target, ['import', file, '--valid-only']);
    expect(valid.code).toBe(2);
    const v = JSON.parse(valid.stdout);
    expect(v).toMatchObject({ status: 'imported', counts: { created: 1, rejected: 1 }, errorFile: join(dir, 'customers.errors.csv') });
    expect(readFileSync(join(dir, 'customers.errors.csv'), 'utf8')).toContain('CLI-2');
    const again = await shoufu(target, ['import', file, '--kind', 'customers', '--map', '信用额度=ignore']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ status: 'imported', counts: { created: 1, unchanged: 1 } });
  });

  it('leaves nothing behind when killed inside the single transaction of a file, then imports it whole', async () => {
    const file = join(dir, 'single.csv');
    writeFileSync(file, bigCsv('KS'));
    const killed = await shoufu(target, ['import', file], { killOn: /import apply/ });
    expect(killed.signal).toBe('SIGKILL');
    expect(await count('KS')).toMatchObject({ n: 0 });
    const done = await shoufu(target, ['import', file]);
    expect(done.code).toBe(0);
    expect(JSON.parse(done.stdout)).toMatchObject({ status: 'imported', counts: { created: N }, run: { mode: 'single', resumedFromRow: null } });
    expect((await count('KS')).n).toBe(N);
  });

  it('resumes from the last committed batch when killed in the middle of a large file', async () => {
    const file = join(dir, 'batched.csv');
    writeFileSync(file, bigCsv('KB'));
    const env = { SHOUFU_IMPORT_SINGLE_TX_ROWS: '0', SHOUFU_IMPORT_BATCH_ROWS: '200' };
    const killed = await shoufu(target, ['import', file], { env, killOn: /import apply committed [2-9]\d\d\// });
    expect(killed.signal).toBe('SIGKILL');
    const mid = await count('KB');
    expect(mid.n % 200).toBe(0);
    expect(mid.n).toBeGreaterThan(0);
    expect(mid.n).toBeLessThan(N);
    const run = mid.runs.find((r) => r.status === 'running')!;
    expect(run.committed_through_row).toBe(mid.n + 1);

    const done = await shoufu(target, ['import', file], { env });
    expect(done.code).toBe(0);
    const r = JSON.parse(done.stdout);
    expect(r).toMatchObject({ status: 'imported', counts: { rows: N, created: N, unchanged: 0 }, run: { mode: 'batched', resumedFromRow: mid.n + 1 } });
    expect((await count('KB')).n).toBe(N);
    const db = await target.open();
    try {
      const [audits] = await db.query<{ n: bigint }>("SELECT count(*) AS n FROM audit_log WHERE action = 'party.create' AND after->>'code' LIKE 'KB%'");
      expect(audits!.n).toBe(BigInt(N));
      expect((await verifyAuditChain(db)).ok).toBe(true);
    } finally {
      await db.close();
    }
  });
});
