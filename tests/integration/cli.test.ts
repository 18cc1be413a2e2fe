/**
 * The `shoufu` command as a newcomer and an integration script use it, run as a real process on
 * an embedded data directory and on PostgreSQL (DATABASE_URL): demo, exports in every format,
 * audit verify (and its failure on a tampered row), and the data-directory guard.
 */
import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockDataDir } from '../../src/app/runtime';
import { type CliTarget, pgliteTarget, postgresTarget } from './cli-targets';
import { postgresAvailable } from './harness';

const run = promisify(execFile);
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'shoufu.mjs');

async function shoufu(target: CliTarget, args: string[], opts: { allowFail?: boolean } = {}) {
  try {
    const r = await run(process.execPath, [BIN, ...args], { env: { ...process.env, ...target.env }, maxBuffer: 256 * 1024 * 1024 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    if (!opts.allowFail) throw new Error(`shoufu ${args.join(' ')} failed (${e.code}): ${e.stderr}`);
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const targets: (() => Promise<CliTarget>)[] = [async () => pgliteTarget('cli'), ...(postgresAvailable ? [() => postgresTarget('cli')] : [])];

describe.each(targets.map((make, i) => ({ make, name: i === 0 ? 'pglite' : 'postgres' })))('shoufu CLI on $name', ({ make }) => {
  let target: CliTarget;

  beforeAll(async () => {
    target = await make();
    const demo = await shoufu(target, ['demo', '--customers', '30', '--invoices', '400']);
    const summary = JSON.parse(demo.stdout);
    expect(summary.invoices).toBeGreaterThanOrEqual(400);
    expect(typeof summary.adminPassword).toBe('string');
  }, 240_000);

  afterAll(async () => {
    await target?.cleanup();
  });

  it('exports invoices as one JSON document with decimal-string amounts and ISO dates', async () => {
    const out = await shoufu(target, ['export', 'invoices', '--format', 'json']);
    const doc = JSON.parse(out.stdout) as { kind: string; asOf: string; rows: Record<string, unknown>[] };
    expect(doc.kind).toBe('invoices');
    expect(doc.rows.length).toBeGreaterThanOrEqual(400);
    for (const r of doc.rows.slice(0, 50)) {
      expect(r.number).toMatch(/\S/);
      expect(r.customer_code).toMatch(/\S/);
      expect(r.issue_date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(r.due_date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(r.amount).toMatch(/^\d+\.\d{2}$/);
      expect(r.open_balance).toMatch(/^-?\d+\.\d{2}$/);
    }
    const alloc = JSON.parse((await shoufu(target, ['export', 'allocations'])).stdout) as { rows: Record<string, unknown>[] };
    expect(alloc.rows.length).toBeGreaterThan(0);
    const withReceipt = alloc.rows.find((r) => r.source === 'receipt')!;
    expect(withReceipt.invoice_number).toMatch(/\S/);
    expect(withReceipt.bank_reference).toMatch(/\S/);
    expect(withReceipt.amount).toMatch(/^-?\d+\.\d{2}$/);
    expect(withReceipt.effective_date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('gives an older as-of date a larger open balance for invoices paid since', async () => {
    const now = JSON.parse((await shoufu(target, ['export', 'invoices'])).stdout) as { rows: { number: string; open_balance: string; issue_date: string }[] };
    const past = JSON.parse((await shoufu(target, ['export', 'invoices', '--as-of', '2025-06-30'])).stdout) as { rows: { number: string; open_balance: string; issue_date: string }[] };
    expect(past.rows.every((r) => r.issue_date <= '2025-06-30')).toBe(true);
    const nowByNumber = new Map(now.rows.map((r) => [r.number, r.open_balance]));
    const paidSince = past.rows.filter((r) => Number(r.open_balance) > 0 && Number(nowByNumber.get(r.number)) === 0);
    expect(paidSince.length).toBeGreaterThan(0);
  });

  it('writes CSV with a BOM and XLSX that a spreadsheet reads back', async () => {
    const csv = await shoufu(target, ['export', 'customers', '--format', 'csv']);
    expect(csv.stdout.startsWith('\uFEFFcode,name')).toBe(true);
    const file = join(tmpdir(), `shoufu-${Date.now()}.xlsx`);
    await shoufu(target, ['export', 'invoices', '--format', 'xlsx', '--out', file]);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(readFileSync(file) as unknown as ArrayBuffer);
    const ws = wb.worksheets[0]!;
    expect(ws.getRow(1).getCell(1).value).toBe('number');
    expect(ws.rowCount).toBeGreaterThan(400);
    // Amounts are numbers Excel can sum, shown with the currency's two decimals; codes stay text.
    const header = (ws.getRow(1).values as unknown[]).slice(1);
    const amountCell = ws.getRow(2).getCell(header.indexOf('amount') + 1);
    expect(typeof amountCell.value).toBe('number');
    expect(amountCell.numFmt).toBe('#,##0.00');
    expect(typeof ws.getRow(2).getCell(header.indexOf('number') + 1).value).toBe('string');
    rmSync(file);
  });

  it('verifies the audit chain, and names the first row edited by hand', async () => {
    const ok = JSON.parse((await shoufu(target, ['audit', 'verify'])).stdout);
    expect(ok.ok).toBe(true);
    expect(ok.rows).toBeGreaterThan(0);
    const db = await target.open();
    try {
      await db.exec(`ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only;
                     UPDATE audit_log SET actor = 'mallory' WHERE seq = 2;
                     ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only;`);
    } finally {
      await db.close();
    }
    const broken = await shoufu(target, ['audit', 'verify'], { allowFail: true });
    expect(broken.code).toBe(1);
    expect(JSON.parse(broken.stdout).firstBroken).toEqual({ seq: '2', reason: 'hash_mismatch' });
  });

});

describe('shoufu CLI on an embedded data directory in use', () => {
  it('refuses a second process with a clear message and exit code 3', async () => {
    const target = pgliteTarget('cli');
    const release = lockDataDir(target.env.SHOUFU_DATA_DIR!, 'test holder');
    try {
      const r = await shoufu(target, ['export', 'customers'], { allowFail: true });
      expect(r.code).toBe(3);
      expect(r.stderr).toContain('in use by another Shoufu process');
      expect(r.stderr).toContain('test holder');
    } finally {
      release();
      await target.cleanup();
    }
  });
});
