import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openPGlite } from '../db/database';
import { migrate } from '../db/migrate';
import { verifyPassword } from '../services/auth/password';
import { isValidUscc } from './names';
import { type DemoSummary, seedDemo } from './seed';

const OPTS = { customers: 30, invoices: 600, suppliers: 8, seed: 4242, today: '2025-06-30' };

async function freshDb(): Promise<Database> {
  const db = await openPGlite();
  await migrate(db);
  return db;
}

const json = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x));

/** One digest per table, so that a failure names the table that differs. */
async function fingerprint(db: Database): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const sql of [
    'SELECT * FROM parties ORDER BY id',
    'SELECT * FROM party_bank_accounts ORDER BY id',
    'SELECT * FROM contracts ORDER BY id',
    'SELECT * FROM contract_versions ORDER BY id',
    'SELECT * FROM invoices ORDER BY id',
    'SELECT * FROM invoice_lines ORDER BY id',
    'SELECT * FROM installments ORDER BY id',
    'SELECT * FROM receipts ORDER BY id',
    'SELECT * FROM allocations ORDER BY seq',
    'SELECT * FROM control_totals ORDER BY entity_id, side, currency',
    'SELECT * FROM invoice_disputes ORDER BY id',
    'SELECT * FROM fx_rates ORDER BY rate_date',
  ]) {
    out[sql] = createHash('sha256')
      .update(json(await db.query(sql)))
      .digest('hex');
  }
  return out;
}

async function one<T>(db: Database, sql: string, params: unknown[] = []): Promise<T> {
  const rows = await db.query<Record<string, unknown>>(sql, params);
  return Object.values(rows[0]!)[0] as T;
}

describe('seedDemo', () => {
  let a: Database;
  let b: Database;
  let summary: DemoSummary;
  const progress: [number, number, string][] = [];

  beforeAll(async () => {
    [a, b] = await Promise.all([freshDb(), freshDb()]);
    summary = await seedDemo(a, { ...OPTS, onProgress: (d, t, p) => progress.push([d, t, p]) });
    await seedDemo(b, OPTS);
  }, 180_000);

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  it('is deterministic: the same seed and today give identical ledgers', async () => {
    expect(await fingerprint(a)).toEqual(await fingerprint(b));
  });

  it('returns counts that match the database', async () => {
    expect(summary).toMatchObject({ entities: 2, customers: 30, suppliers: 8, invoices: 600, adminPassword: 'shoufu-admin' });
    expect(await one(a, 'SELECT count(*) FROM entities')).toBe(BigInt(summary.entities));
    expect(await one(a, 'SELECT count(*) FROM users')).toBe(BigInt(summary.users));
    expect(await one(a, 'SELECT count(*) FROM parties WHERE is_customer')).toBe(BigInt(summary.customers));
    expect(await one(a, 'SELECT count(*) FROM parties WHERE is_supplier')).toBe(BigInt(summary.suppliers));
    expect(await one(a, 'SELECT count(*) FROM contracts')).toBe(BigInt(summary.contracts));
    expect(await one(a, "SELECT count(*) FROM invoices WHERE side = 'AR' AND kind = 'invoice'")).toBe(600n);
    expect(await one(a, "SELECT count(*) FROM invoices WHERE side = 'AR' AND kind = 'credit_note'")).toBe(
      BigInt(summary.creditNotes),
    );
    expect(await one(a, "SELECT count(*) FROM invoices WHERE side = 'AP'")).toBe(BigInt(summary.bills));
    expect(await one(a, "SELECT count(*) FROM receipts WHERE side = 'AR'")).toBe(BigInt(summary.receipts));
    expect(await one(a, "SELECT count(*) FROM receipts WHERE side = 'AP'")).toBe(BigInt(summary.payments));
    expect(await one(a, 'SELECT count(*) FROM allocations')).toBe(BigInt(summary.allocations));
    expect(summary.bills).toBeGreaterThan(0);
    expect(summary.payments).toBeGreaterThan(0);
    const last = progress[progress.length - 1]!;
    expect(last[0]).toBe(last[1]);
  });

  it('keeps every allocation invariant', async () => {
    expect(
      await one(
        a,
        `SELECT count(*) FROM installments n
          WHERE n.allocated_minor <> coalesce((SELECT sum(amount_minor) FROM allocations WHERE target_installment_id = n.id), 0)
                                   + coalesce((SELECT sum(source_amount_minor) FROM allocations WHERE source_installment_id = n.id), 0)
             OR n.allocated_minor < 0 OR n.allocated_minor > n.amount_minor`,
      ),
    ).toBe(0n);
    expect(
      await one(
        a,
        `SELECT count(*) FROM receipts r
          WHERE r.allocated_minor <> coalesce((SELECT sum(source_amount_minor) FROM allocations WHERE source_receipt_id = r.id), 0)
             OR r.allocated_minor < 0 OR r.allocated_minor > r.amount_minor`,
      ),
    ).toBe(0n);
    expect(
      await one(
        a,
        `SELECT count(*) FROM control_totals c
           FULL JOIN (SELECT i.entity_id, i.side, i.currency, sum(n.amount_minor - n.allocated_minor) AS open
                        FROM installments n JOIN invoices i ON i.id = n.invoice_id
                       WHERE i.kind = 'invoice' GROUP BY 1, 2, 3) s
             USING (entity_id, side, currency)
          WHERE c.open_minor IS DISTINCT FROM s.open`,
      ),
    ).toBe(0n);
    // Credit notes are used up against their own original invoice.
    expect(
      await one(
        a,
        `SELECT count(*) FROM invoices cn JOIN installments n ON n.invoice_id = cn.id
          WHERE cn.kind = 'credit_note' AND (n.allocated_minor <> n.amount_minor OR EXISTS (
                SELECT 1 FROM allocations x JOIN installments t ON t.id = x.target_installment_id
                 WHERE x.source_installment_id = n.id AND t.invoice_id <> cn.original_invoice_id))`,
      ),
    ).toBe(0n);
  });

  it('has invoice totals equal to their lines and installments', async () => {
    expect(
      await one(
        a,
        `SELECT count(*) FROM invoices i
          WHERE i.subtotal_minor <> (SELECT sum(amount_minor) FROM invoice_lines WHERE invoice_id = i.id)
             OR i.tax_minor <> (SELECT sum(tax_minor) FROM invoice_lines WHERE invoice_id = i.id)
             OR i.total_minor <> i.subtotal_minor + i.tax_minor
             OR i.total_minor <> (SELECT sum(amount_minor) FROM installments WHERE invoice_id = i.id)`,
      ),
    ).toBe(0n);
    expect(
      await one(
        a,
        `SELECT count(*) FROM invoice_lines
          WHERE tax_rate NOT IN (0, 0.06, 0.09, 0.13)
             OR tax_minor <> round(amount_minor * tax_rate)
             OR amount_minor <> quantity * unit_price_minor`,
      ),
    ).toBe(0n);
  });

  it('dates nothing after today', async () => {
    const today = OPTS.today;
    const checks = [
      'SELECT max(issue_date) FROM invoices',
      'SELECT max(receipt_date) FROM receipts',
      'SELECT max(effective_date) FROM allocations',
      'SELECT max(opened_on) FROM invoice_disputes',
      'SELECT max(resolved_on) FROM invoice_disputes',
      'SELECT max(signed_on) FROM contracts',
      'SELECT max(valid_from) FROM contract_versions',
      'SELECT max(rate_date) FROM fx_rates',
    ];
    for (const sql of checks) {
      const max = await one<string | null>(a, sql);
      if (max !== null) expect(max <= today, sql).toBe(true);
    }
    expect(
      await one(a, `SELECT count(*) FROM allocations x JOIN receipts r ON r.id = x.source_receipt_id WHERE x.effective_date <> r.receipt_date`),
    ).toBe(0n);
  });

  it('has valid parties and working demo logins', async () => {
    const codes = await a.query<{ uscc: string }>('SELECT uscc FROM parties WHERE uscc IS NOT NULL');
    for (const { uscc } of codes) expect(isValidUscc(uscc), uscc).toBe(true);
    const [admin] = await a.query<{ password_hash: string; role: string }>(
      "SELECT password_hash, role FROM users WHERE username = 'admin'",
    );
    expect(admin!.role).toBe('admin');
    expect(await verifyPassword('shoufu-admin', admin!.password_hash)).toBe(true);
    const [sales] = await a.query<{ password_hash: string }>(
      "SELECT password_hash FROM users WHERE role = 'sales' AND scope_own_customers LIMIT 1",
    );
    expect(await verifyPassword('shoufu-demo', sales!.password_hash)).toBe(true);
    expect(await one(a, "SELECT count(*) FROM users WHERE scope_regions = ARRAY['华东']")).toBe(1n);
  });

  it('writes one audit row per user and one for the seed', async () => {
    const rows = await a.query<{ action: string; after: Record<string, unknown> }>('SELECT action, after FROM audit_log ORDER BY seq');
    expect(rows.filter((r) => r.action === 'user.create')).toHaveLength(summary.users);
    expect(rows.at(-1)!.action).toBe('demo.seed');
    expect(rows.at(-1)!.after).toMatchObject({ invoices: 600, customers: 30 });
    expect(rows.at(-1)!.after).not.toHaveProperty('adminPassword');
  });

  it('refuses a database that is not empty', async () => {
    await expect(seedDemo(b, OPTS)).rejects.toThrow(/empty database/);
  });
});
