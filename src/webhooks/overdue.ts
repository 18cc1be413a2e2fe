/**
 * invoice.overdue: one event per AR installment, the first time a scan finds it past due and
 * still open as of a date. The event's dedupe key (invoice.overdue:<installment id>) makes it
 * once-only whatever runs the scan, how often, or on how many instances at the same time.
 *
 * Installments found while nobody subscribed to invoice.overdue are not remembered: when an
 * endpoint subscribes later, the next scan reports every installment overdue at that point.
 */
import type { Database } from '../db/database';
import { daysBetween } from '../domain/dates';
import { formatAmount } from '../domain/money';
import { SYSTEM_ACTOR, withActor } from '../services/actor';
import { emitEvent, webhookWanted } from './events';

export interface OverdueScanResult {
  asOf: string;
  checked: number;
  emitted: number;
}

interface Candidate {
  installment_id: string;
  seq: number;
  due_date: string;
  amount_minor: bigint;
  open_minor: bigint;
  invoice_id: string;
  number: string;
  entity_id: string;
  entity: string;
  currency: string;
  issue_date: string;
  total_minor: bigint;
  party_id: string;
  party_code: string;
  party_name: string;
  disputed: boolean;
}

export function overdueDedupeKey(installmentId: string): string {
  return `invoice.overdue:${installmentId}`;
}

/** Emits invoice.overdue for installments overdue as of `asOf` not reported before; batches of `batchSize` per transaction. */
export async function emitOverdue(db: Database, asOf: string, opts: { batchSize?: number } = {}): Promise<OverdueScanResult> {
  const batchSize = opts.batchSize ?? 500;
  const result: OverdueScanResult = { asOf, checked: 0, emitted: 0 };
  const wanted = await withActor(db, SYSTEM_ACTOR, (tx) => webhookWanted(tx, 'invoice.overdue'));
  if (!wanted) return result;
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const batch = await withActor(db, SYSTEM_ACTOR, async (tx) => {
      const rows = await tx.query<Candidate>(
        `SELECT n.id AS installment_id, n.seq, n.due_date, n.amount_minor, n.amount_minor - coalesce(al.sum, 0) AS open_minor,
                i.id AS invoice_id, i.number, i.entity_id, e.code AS entity, i.currency, i.issue_date, i.total_minor,
                p.id AS party_id, p.code AS party_code, p.name AS party_name,
                EXISTS (SELECT 1 FROM invoice_disputes d WHERE d.invoice_id = i.id AND d.opened_on <= $1
                          AND (d.resolved_on IS NULL OR d.resolved_on > $1)) AS disputed
           FROM installments n
           JOIN invoices i ON i.id = n.invoice_id
           JOIN entities e ON e.id = i.entity_id
           JOIN parties p ON p.id = i.party_id
           LEFT JOIN LATERAL (SELECT sum(a.amount_minor) AS sum FROM allocations a
                               WHERE a.target_installment_id = n.id AND a.effective_date <= $1) al ON true
          WHERE n.id > $2 AND n.due_date < $1 AND i.side = 'AR' AND i.kind = 'invoice' AND i.issue_date <= $1
            AND n.amount_minor - coalesce(al.sum, 0) > 0
            AND NOT EXISTS (SELECT 1 FROM webhook_events ev WHERE ev.dedupe_key = 'invoice.overdue:' || n.id::text)
          ORDER BY n.id
          LIMIT $3`,
        [asOf, after, batchSize],
      );
      let emitted = 0;
      for (const r of rows) {
        const cur = r.currency.trim();
        const id = await emitEvent(tx, {
          type: 'invoice.overdue',
          entityId: r.entity_id,
          objectId: r.invoice_id,
          dedupeKey: overdueDedupeKey(r.installment_id),
          data: {
            asOf,
            daysOverdue: daysBetween(r.due_date, asOf),
            disputed: r.disputed,
            invoice: {
              id: r.invoice_id,
              number: r.number,
              entity: r.entity,
              party: { id: r.party_id, code: r.party_code, name: r.party_name },
              currency: cur,
              issueDate: r.issue_date,
              total: formatAmount(r.total_minor, cur),
            },
            installment: {
              id: r.installment_id,
              seq: r.seq,
              dueDate: r.due_date,
              amount: formatAmount(r.amount_minor, cur),
              open: formatAmount(r.open_minor, cur),
            },
          },
        });
        if (id) emitted++;
      }
      return { rows, emitted };
    });
    result.checked += batch.rows.length;
    result.emitted += batch.emitted;
    if (batch.rows.length < batchSize) break;
    after = batch.rows[batch.rows.length - 1]!.installment_id;
  }
  return result;
}
