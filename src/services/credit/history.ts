/**
 * The receivables history the credit models learn from (src/domain/credit/features.ts), read from
 * the ledger as it was at the end of a day: installments issued by then, and the allocations,
 * write-offs and disputes dated on or before it. Later events are not read at all (the domain
 * cuts the history at the same date again: two locks on one door).
 *
 * What counts as paid: every allocation to the installment — receipts, credit notes, and
 * adjustments other than write-offs — at its effective date; a reversal is a negative payment on
 * its own date. A write-off (核销坏账) marks the rest as never to be paid.
 */
import type { Queryable } from '../../db/database';
import type { InstallmentRecord, LedgerHistory, PaymentEvent } from '../../domain/credit/features';

export async function loadCreditHistory(tx: Queryable, asOf: string): Promise<LedgerHistory> {
  const installments = await tx.query<{ id: string; party_id: string; issue_date: string; due_date: string; amount_minor: bigint }>(
    `SELECT n.id, i.party_id, i.issue_date, n.due_date, n.amount_minor
       FROM installments n JOIN invoices i ON i.id = n.invoice_id
      WHERE i.side = 'AR' AND i.kind = 'invoice' AND i.issue_date <= $1
      ORDER BY n.id`,
    [asOf],
  );
  const allocations = await tx.query<{ target_installment_id: string; effective_date: string; amount_minor: bigint; adjustment_kind: string | null }>(
    `SELECT a.target_installment_id, a.effective_date, a.amount_minor, a.adjustment_kind
       FROM allocations a JOIN installments n ON n.id = a.target_installment_id JOIN invoices i ON i.id = n.invoice_id
      WHERE a.side = 'AR' AND i.kind = 'invoice' AND i.issue_date <= $1 AND a.effective_date <= $1`,
    [asOf],
  );
  const payments = new Map<string, PaymentEvent[]>();
  const writtenOff = new Map<string, string>();
  for (const a of allocations) {
    if (a.adjustment_kind === 'write_off' && a.amount_minor > 0n) {
      const prev = writtenOff.get(a.target_installment_id);
      if (!prev || a.effective_date < prev) writtenOff.set(a.target_installment_id, a.effective_date);
      continue;
    }
    const list = payments.get(a.target_installment_id) ?? [];
    list.push({ date: a.effective_date, amountMinor: a.amount_minor });
    payments.set(a.target_installment_id, list);
  }
  const records: InstallmentRecord[] = installments.map((n) => ({
    id: n.id,
    customerId: n.party_id,
    issueDate: n.issue_date,
    dueDate: n.due_date,
    amountMinor: n.amount_minor,
    payments: payments.get(n.id) ?? [],
    writtenOffOn: writtenOff.get(n.id) ?? null,
  }));
  const customers = await tx.query<{ id: string; credit_limit_minor: bigint | null }>('SELECT id, credit_limit_minor FROM parties WHERE is_customer');
  const disputes = await tx.query<{ party_id: string; opened_on: string }>(
    `SELECT i.party_id, d.opened_on FROM invoice_disputes d JOIN invoices i ON i.id = d.invoice_id WHERE i.side = 'AR' AND d.opened_on <= $1`,
    [asOf],
  );
  return {
    installments: records,
    customers: customers.map((c) => ({ id: c.id, creditLimitMinor: c.credit_limit_minor })),
    disputes: disputes.map((d) => ({ customerId: d.party_id, date: d.opened_on })),
  };
}
