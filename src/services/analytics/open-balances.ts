/**
 * Open balances as of a date for the analytics reads (aging, KPIs, dashboard), computed from the
 * trigger-maintained allocation caches minus the allocations effective after the date:
 *
 *   invoice installment:  allocated(D) = installments.allocated_minor − Σ amount_minor of its allocations effective after D
 *   credit note:          applied(D)   = Σ source_amount_minor of allocations from it effective on or before D
 *   receipt:              applied(D)   = receipts.allocated_minor − Σ source_amount_minor of its allocations effective after D
 *
 * allocated_minor is the running sum of every allocation row of the installment (reversals are
 * negative rows), kept by the same trigger that enforces the no-over-allocation invariants, so
 * the result is exactly installmentBalancesCte()'s Σ over allocations effective on or before D —
 * but a report as of a recent date reads only the few later allocations (index
 * allocations_effective) instead of aggregating the whole allocation table.
 * tests/integration/aging.test.ts and kpi.test.ts compare both at several dates.
 *
 * Row-level security: an allocation is readable wherever its target installment is (policy
 * allocations_read), so for a visible invoice installment the cache and the visible allocations
 * agree. Credit notes are summed from their visible allocations, as installmentBalancesCte does.
 */

/** CTE `inst_bal` with the columns of installmentBalancesCte (without milestone and written-off). */
export function openBalancesCte(asOfParam: string): string {
  return `fut_t AS (
    SELECT target_installment_id AS id, sum(amount_minor)::bigint AS alloc
      FROM allocations WHERE effective_date > ${asOfParam}::date GROUP BY target_installment_id
  ),
  alloc_s AS (
    SELECT source_installment_id AS id, sum(source_amount_minor)::bigint AS alloc
      FROM allocations WHERE source_installment_id IS NOT NULL AND effective_date <= ${asOfParam}::date
     GROUP BY source_installment_id
  ),
  inst_bal AS (
    SELECT n.id, n.invoice_id, n.seq, n.due_date, n.amount_minor,
           i.entity_id, i.side, i.kind, i.party_id, i.currency, i.number, i.issue_date,
           CASE WHEN i.kind = 'invoice' THEN n.allocated_minor - coalesce(t.alloc, 0) ELSE coalesce(s.alloc, 0) END::bigint AS allocated_minor
      FROM installments n
      JOIN invoices i ON i.id = n.invoice_id
      LEFT JOIN fut_t t ON t.id = n.id
      LEFT JOIN alloc_s s ON s.id = n.id
     WHERE i.issue_date <= ${asOfParam}::date
  )`;
}

/** CTE `rcpt_open`: receipts/payments dated on or before the date with their unapplied amount then. */
export function receiptOpenCte(asOfParam: string): string {
  return `rcpt_fut AS (
    SELECT source_receipt_id AS id, sum(source_amount_minor)::bigint AS alloc
      FROM allocations WHERE source_receipt_id IS NOT NULL AND effective_date > ${asOfParam}::date GROUP BY source_receipt_id
  ),
  rcpt_open AS (
    SELECT r.id, r.entity_id, r.side, r.currency, r.party_id,
           (r.amount_minor - r.allocated_minor + coalesce(f.alloc, 0))::bigint AS unapplied_minor
      FROM receipts r LEFT JOIN rcpt_fut f ON f.id = r.id
     WHERE r.receipt_date <= ${asOfParam}::date
  )`;
}

/**
 * Planner settings for the whole-ledger analytics reads, local to the caller's transaction. The
 * planner cannot estimate the row-level-security filters (it guesses one row for parties and for
 * the scope sub-plans), and with a million installments that guess turned the balance query into
 * nested loops (minutes instead of seconds, bench/aging.ts). These reads join and group whole
 * tables, where hash joins and hash aggregates are right; SET LOCAL ends with the transaction.
 */
export async function analyticsPlanner(tx: { query: (sql: string) => Promise<unknown> }): Promise<void> {
  await tx.query("SELECT set_config('enable_nestloop', 'off', true), set_config('enable_sort', 'off', true), set_config('work_mem', '64MB', true)");
}
