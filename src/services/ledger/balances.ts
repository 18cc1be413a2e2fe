/**
 * As-of read models. Open balances are recomputed from allocations effective on or before the
 * as-of date (never from the cached allocated_minor), so any past date reproduces exactly.
 * The status CASE mirrors invoiceBalanceAsOf() in src/domain/ledger.ts; an integration test
 * compares the two on the demo data.
 */

/**
 * CTE `inst_bal`: one row per installment of documents issued on or before $asOf with its
 * allocated and written-off amounts as of that date. For a credit note the "allocated" amount is
 * how much of it has been applied to invoices.
 */
export function installmentBalancesCte(asOfParam: string): string {
  // Grouped aggregates joined by hash rather than a correlated sub-select per installment: one
  // pass over allocations, which is what a whole-ledger report needs (~3× faster at 20k invoices).
  return `alloc_t AS (
    SELECT target_installment_id AS id, sum(amount_minor) AS alloc,
           sum(amount_minor) FILTER (WHERE adjustment_kind = 'write_off') AS written_off
      FROM allocations WHERE effective_date <= ${asOfParam}::date GROUP BY target_installment_id
  ),
  alloc_s AS (
    SELECT source_installment_id AS id, sum(source_amount_minor) AS alloc
      FROM allocations WHERE source_installment_id IS NOT NULL AND effective_date <= ${asOfParam}::date
     GROUP BY source_installment_id
  ),
  inst_bal AS (
    SELECT n.id, n.invoice_id, n.seq, n.due_date, n.amount_minor, n.milestone,
           i.entity_id, i.side, i.kind, i.party_id, i.currency, i.number, i.issue_date,
           CASE WHEN i.kind = 'invoice' THEN coalesce(t.alloc, 0) ELSE coalesce(s.alloc, 0) END::bigint AS allocated_minor,
           CASE WHEN i.kind = 'invoice' THEN coalesce(t.written_off, 0) ELSE 0 END::bigint AS written_off_minor
      FROM installments n
      JOIN invoices i ON i.id = n.invoice_id
      LEFT JOIN alloc_t t ON t.id = n.id
      LEFT JOIN alloc_s s ON s.id = n.id
     WHERE i.issue_date <= ${asOfParam}::date
  )`;
}

/** CTE `inv_bal` (needs inst_bal): one row per document with totals and derived status. */
export function invoiceBalancesCte(asOfParam: string): string {
  return `${installmentBalancesCte(asOfParam)},
  inv_agg AS (
    SELECT invoice_id,
           sum(amount_minor)::bigint AS total_minor,
           sum(allocated_minor)::bigint AS allocated_minor,
           sum(written_off_minor)::bigint AS written_off_minor,
           sum(CASE WHEN kind = 'invoice' AND due_date < ${asOfParam}::date THEN amount_minor - allocated_minor ELSE 0 END)::bigint AS overdue_minor,
           min(due_date) FILTER (WHERE kind = 'invoice' AND amount_minor > allocated_minor AND due_date < ${asOfParam}::date) AS earliest_overdue,
           min(due_date) FILTER (WHERE amount_minor > allocated_minor) AS next_due,
           min(due_date) AS first_due
      FROM inst_bal GROUP BY invoice_id
  ),
  inv_bal AS (
    SELECT i.id, i.entity_id, i.side, i.kind, i.number, i.party_id, i.currency, i.issue_date, i.original_invoice_id,
           i.einvoice_number, i.order_ref, i.contract_version_id,
           a.total_minor, a.allocated_minor, (a.total_minor - a.allocated_minor) AS open_minor, a.overdue_minor,
           coalesce(a.next_due, a.first_due) AS due_date,
           CASE WHEN a.earliest_overdue IS NULL THEN 0 ELSE (${asOfParam}::date - a.earliest_overdue) END AS days_overdue,
           CASE
             WHEN a.total_minor = a.allocated_minor THEN CASE WHEN a.written_off_minor > 0 THEN 'written_off' ELSE 'paid' END
             WHEN EXISTS (SELECT 1 FROM invoice_disputes d WHERE d.invoice_id = i.id AND d.opened_on <= ${asOfParam}::date
                            AND (d.resolved_on IS NULL OR d.resolved_on > ${asOfParam}::date)) THEN 'disputed'
             WHEN a.overdue_minor > 0 THEN 'overdue'
             WHEN a.allocated_minor > 0 THEN 'partially_paid'
             ELSE 'open'
           END AS status
      FROM invoices i JOIN inv_agg a ON a.invoice_id = i.id
  )`;
}

/** CTE `rcpt_bal`: receipts/payments dated on or before $asOf with allocations as of that date. */
export function receiptBalancesCte(asOfParam: string): string {
  return `rcpt_bal AS (
    SELECT r.*, coalesce(a.alloc, 0)::bigint AS allocated_asof_minor,
           (r.amount_minor - coalesce(a.alloc, 0))::bigint AS unapplied_minor
      FROM receipts r
      LEFT JOIN LATERAL (
        SELECT sum(x.source_amount_minor) AS alloc FROM allocations x
         WHERE x.source_receipt_id = r.id AND x.effective_date <= ${asOfParam}::date
      ) a ON true
     WHERE r.receipt_date <= ${asOfParam}::date
  )`;
}
