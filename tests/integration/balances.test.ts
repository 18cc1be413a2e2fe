/**
 * The as-of SQL (src/services/ledger/balances.ts) and the pure domain rule invoiceBalanceAsOf()
 * must agree on every invoice of the demo company, at several dates; and the dashboard's aging
 * buckets must add up to the open total.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database';
import { invoiceBalanceAsOf } from '../../src/domain/ledger';
import { parseAmount } from '../../src/domain/money';
import { seedDemo } from '../../src/demo/seed';
import { SYSTEM_ACTOR, withActor } from '../../src/services/actor';
import { invoiceBalancesCte } from '../../src/services/ledger/balances';
import { dashboardSummary } from '../../src/services/ledger/queries';
import { databases } from './harness';

const TODAY = '2026-11-22';
const DATES = ['2025-03-31', '2025-12-31', TODAY];

describe.each(databases)('as-of balances on $name', (database) => {
  let db: Database;

  beforeAll(async () => {
    db = await database.open();
    await seedDemo(db, { customers: 40, invoices: 1500, suppliers: 8, today: TODAY });
  }, 180_000);

  afterAll(async () => {
    await db?.close();
  });

  it.each(DATES)('SQL status and balances equal the domain rule as of %s', async (asOf) => {
    const sql = await db.query<{ id: string; status: string; open_minor: bigint; overdue_minor: bigint; days_overdue: number }>(
      `WITH ${invoiceBalancesCte('$1')} SELECT id, status, open_minor, overdue_minor, days_overdue FROM inv_bal WHERE kind = 'invoice'`,
      [asOf],
    );
    const installments = await db.query<{ id: string; invoice_id: string; amount_minor: bigint; due_date: string; issue_date: string }>(
      `SELECT n.id, n.invoice_id, n.amount_minor, n.due_date, i.issue_date FROM installments n JOIN invoices i ON i.id = n.invoice_id
        WHERE i.kind = 'invoice' AND i.issue_date <= $1`,
      [asOf],
    );
    const allocations = await db.query<{ target_installment_id: string; amount_minor: bigint; effective_date: string; adjustment_kind: string | null }>(
      'SELECT target_installment_id, amount_minor, effective_date, adjustment_kind FROM allocations',
    );
    const disputes = await db.query<{ invoice_id: string; opened_on: string; resolved_on: string | null }>('SELECT invoice_id, opened_on, resolved_on FROM invoice_disputes');
    const allocByInst = new Map<string, typeof allocations>();
    for (const a of allocations) allocByInst.set(a.target_installment_id, [...(allocByInst.get(a.target_installment_id) ?? []), a]);
    const instByInvoice = new Map<string, typeof installments>();
    for (const n of installments) instByInvoice.set(n.invoice_id, [...(instByInvoice.get(n.invoice_id) ?? []), n]);

    expect(sql.length).toBe(instByInvoice.size);
    const statuses = new Set<string>();
    for (const row of sql) {
      const insts = instByInvoice.get(row.id)!;
      const writtenOff = insts
        .flatMap((n) => allocByInst.get(n.id) ?? [])
        .filter((a) => a.adjustment_kind === 'write_off' && a.effective_date <= asOf)
        .reduce((s, a) => s + a.amount_minor, 0n);
      const domain = invoiceBalanceAsOf(
        {
          issueDate: insts[0]!.issue_date,
          installments: insts.map((n) => ({
            amountMinor: n.amount_minor,
            dueDate: n.due_date,
            allocations: (allocByInst.get(n.id) ?? []).map((a) => ({ amountMinor: a.amount_minor, effectiveDate: a.effective_date })),
          })),
          disputeOpen: disputes.some((d) => d.invoice_id === row.id && d.opened_on <= asOf && (d.resolved_on === null || d.resolved_on > asOf)),
          writtenOffMinor: writtenOff,
        },
        asOf,
      );
      expect({ status: row.status, open: row.open_minor, overdue: row.overdue_minor, days: Number(row.days_overdue) }).toEqual({
        status: domain.status,
        open: domain.openMinor,
        overdue: domain.overdueMinor,
        days: domain.daysOverdue,
      });
      statuses.add(row.status);
    }
    // The demo company exercises the interesting statuses at today's date.
    if (asOf === TODAY) expect([...statuses].sort()).toEqual(expect.arrayContaining(['open', 'overdue', 'paid', 'partially_paid']));
  });

  it.each(DATES)('the aging buckets add up to the open receivables as of %s', async (asOf) => {
    const summary = await withActor(db, SYSTEM_ACTOR, (tx) => dashboardSummary(tx, asOf));
    const bucketTotal = summary.aging.reduce((s, b) => s + parseAmount(b.amount, 'CNY'), 0n);
    const [row] = await db.query<{ open_minor: bigint }>(
      `WITH ${invoiceBalancesCte('$1')} SELECT coalesce(sum(open_minor), 0)::bigint AS open_minor FROM inv_bal
        WHERE side = 'AR' AND kind = 'invoice' AND currency = 'CNY'`,
      [asOf],
    );
    expect(bucketTotal).toBe(row!.open_minor);
    expect(parseAmount(summary.receivable, 'CNY')).toBe(row!.open_minor);
  });
});
