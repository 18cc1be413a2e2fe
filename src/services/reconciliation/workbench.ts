/**
 * The reconciliation workbench (对账工作台): the exception queue the engine left, and what people
 * do with it — accept a proposal, reject it, undo an auto-match. Every decision is audited and
 * remembered (match_memory), so the engine learns the payer for next time.
 */
import type { Queryable } from '../../db/database';
import { formatAmount } from '../../domain/money';
import { type Actor, requireLedgerWriter } from '../actor';
import { audit } from '../audit';
import { conflict, invalid, notFound } from '../errors';
import { addAdjustment, allocateReceipt, reverseAllocation } from '../ledger/allocations';
import { rememberDecision } from './run';

export interface QueueProposal {
  id: string;
  rank: number;
  kind: string;
  confidence: string;
  party: { id: string; code: string; name: string } | null;
  allocations: { installmentId: string; invoiceNumber: string | null; amount: string }[];
  adjustment: { kind: string; installmentId: string; amount: string } | null;
  onAccount: string;
  reasons: { code: string; zh: string; en: string }[];
}

export interface QueueEntry {
  receipt: {
    id: string;
    number: string;
    side: 'AR' | 'AP';
    date: string;
    currency: string;
    amount: string;
    unapplied: string;
    payerName: string | null;
    payerAccount: string | null;
    remittance: string | null;
    bankReference: string | null;
    party: { id: string; code: string; name: string } | null;
  };
  proposals: QueueProposal[];
}

/** Receipts with open proposals, newest run first, best proposal first. */
export async function reconciliationQueue(tx: Queryable, q: { side?: 'AR' | 'AP'; minConfidence?: number; limit?: number } = {}): Promise<QueueEntry[]> {
  const rows = await tx.query<{
    proposal_id: string;
    rank: number;
    kind: string;
    confidence: string;
    party_id: string | null;
    party_code: string | null;
    party_name: string | null;
    allocations: { installmentId: string; amount: string }[];
    adjustment: { kind: string; installmentId: string; amount: string } | null;
    on_account_minor: bigint;
    reasons: { code: string; zh: string; en: string }[];
    receipt_id: string;
    number: string;
    side: 'AR' | 'AP';
    receipt_date: string;
    currency: string;
    amount_minor: bigint;
    unapplied_minor: bigint;
    counterparty_name: string | null;
    counterparty_account: string | null;
    remittance: string | null;
    bank_reference: string | null;
    r_party_id: string | null;
    r_party_code: string | null;
    r_party_name: string | null;
  }>(
    `SELECT p.id AS proposal_id, p.rank, p.kind, p.confidence, p.party_id, pp.code AS party_code, pp.name AS party_name, p.allocations, p.adjustment,
            p.on_account_minor, p.reasons, r.id AS receipt_id, r.number, r.side, r.receipt_date, r.currency, r.amount_minor,
            r.amount_minor - r.allocated_minor AS unapplied_minor, r.counterparty_name, r.counterparty_account, r.remittance, r.bank_reference,
            rp.id AS r_party_id, rp.code AS r_party_code, rp.name AS r_party_name
       FROM recon_proposals p JOIN receipts r ON r.id = p.receipt_id
       LEFT JOIN parties pp ON pp.id = p.party_id LEFT JOIN parties rp ON rp.id = r.party_id
      WHERE p.status = 'open' AND r.amount_minor > r.allocated_minor AND ($1::text IS NULL OR r.side = $1)
      ORDER BY r.receipt_date DESC, r.number, p.rank`,
    [q.side ?? null],
  );
  const numbers = new Map(
    (
      await tx.query<{ id: string; number: string }>(
        'SELECT n.id, i.number FROM installments n JOIN invoices i ON i.id = n.invoice_id WHERE n.id = ANY($1::uuid[])',
        [[...new Set(rows.flatMap((r) => r.allocations.map((a) => a.installmentId)))]],
      )
    ).map((r) => [r.id, r.number]),
  );
  const byReceipt = new Map<string, QueueEntry>();
  for (const r of rows) {
    let e = byReceipt.get(r.receipt_id);
    if (!e) {
      e = {
        receipt: {
          id: r.receipt_id,
          number: r.number,
          side: r.side,
          date: r.receipt_date,
          currency: r.currency,
          amount: formatAmount(r.amount_minor, r.currency),
          unapplied: formatAmount(r.unapplied_minor, r.currency),
          payerName: r.counterparty_name,
          payerAccount: r.counterparty_account,
          remittance: r.remittance,
          bankReference: r.bank_reference,
          party: r.r_party_id ? { id: r.r_party_id, code: r.r_party_code!, name: r.r_party_name! } : null,
        },
        proposals: [],
      };
      byReceipt.set(r.receipt_id, e);
    }
    e.proposals.push({
      id: r.proposal_id,
      rank: r.rank,
      kind: r.kind,
      confidence: r.confidence,
      party: r.party_id ? { id: r.party_id, code: r.party_code!, name: r.party_name! } : null,
      allocations: r.allocations.map((a) => ({ ...a, invoiceNumber: numbers.get(a.installmentId) ?? null })),
      adjustment: r.adjustment,
      onAccount: formatAmount(r.on_account_minor, r.currency),
      reasons: r.reasons,
    });
  }
  const min = q.minConfidence ?? 0;
  return [...byReceipt.values()].filter((e) => Number(e.proposals[0]?.confidence ?? 0) >= min).slice(0, q.limit ?? 500);
}

/** Accepts a proposal: applied as the person's decision (method manual), remembered as confirmed. */
export async function acceptProposal(tx: Queryable, actor: Actor, proposalId: string) {
  requireLedgerWriter(actor);
  const [p] = await tx.query<{
    id: string;
    receipt_id: string;
    party_id: string | null;
    status: string;
    kind: string;
    confidence: string;
    allocations: { installmentId: string; amount: string }[];
    adjustment: { kind: 'bank_fee' | 'discount'; installmentId: string; amount: string } | null;
  }>('SELECT id, receipt_id, party_id, status, kind, confidence, allocations, adjustment FROM recon_proposals WHERE id = $1 FOR UPDATE', [proposalId]);
  if (!p) throw notFound('proposal', 'id');
  if (p.status !== 'open') throw conflict('proposal_decided', `the proposal is ${p.status} already`);
  if (!p.party_id || p.allocations.length === 0) throw invalid('nothing_to_apply', 'this proposal applies nothing: match the receipt by hand', 'id');
  const [r] = await tx.query<{ party_id: string | null; number: string; receipt_date: string }>('SELECT party_id, number, receipt_date FROM receipts WHERE id = $1 FOR UPDATE', [p.receipt_id]);
  if (!r) throw notFound('receipt', 'id');
  if (!r.party_id) await tx.query('UPDATE receipts SET party_id = $2 WHERE id = $1 AND party_id IS NULL', [p.receipt_id, p.party_id]);
  const result = await allocateReceipt(tx, actor, {
    receiptId: p.receipt_id,
    lines: p.allocations.map((a) => ({ installmentId: a.installmentId, amount: a.amount })),
    method: 'manual',
    reason: `确认系统建议 / accepted proposal (${p.kind}, ${p.confidence})`,
  });
  if (p.adjustment) {
    await addAdjustment(tx, actor, {
      installmentId: p.adjustment.installmentId,
      kind: p.adjustment.kind,
      amount: p.adjustment.amount,
      reason: `${p.adjustment.kind === 'bank_fee' ? '银行手续费 / bank fee' : '现金折扣 / cash discount'} · ${r.number}`,
      effectiveDate: r.receipt_date,
    });
  }
  await tx.query(
    `UPDATE recon_proposals SET status = CASE WHEN id = $1 THEN 'accepted' ELSE 'superseded' END, decided_by = $2, decided_at = now()
      WHERE receipt_id = $3 AND status = 'open'`,
    [proposalId, actor.userId, p.receipt_id],
  );
  await rememberDecision(tx, actor, { kind: 'confirmed', receiptId: p.receipt_id, partyId: p.party_id });
  await audit(tx, actor, 'reconciliation.accept', 'receipt', p.receipt_id, null, { proposal: proposalId, kind: p.kind, confidence: p.confidence });
  return result;
}

/** Rejects a proposal; the engine will not propose that party (or those items) for this payer again. */
export async function rejectProposal(tx: Queryable, actor: Actor, proposalId: string) {
  requireLedgerWriter(actor);
  const [p] = await tx.query<{ receipt_id: string; party_id: string | null; status: string; allocations: { installmentId: string }[] }>(
    'SELECT receipt_id, party_id, status, allocations FROM recon_proposals WHERE id = $1 FOR UPDATE',
    [proposalId],
  );
  if (!p) throw notFound('proposal', 'id');
  if (p.status !== 'open') throw conflict('proposal_decided', `the proposal is ${p.status} already`);
  await tx.query(`UPDATE recon_proposals SET status = 'rejected', decided_by = $2, decided_at = now() WHERE id = $1`, [proposalId, actor.userId]);
  if (p.party_id) {
    await rememberDecision(tx, actor, { kind: 'rejected', receiptId: p.receipt_id, partyId: p.party_id, installmentIds: p.allocations.map((a) => a.installmentId) });
  }
  await audit(tx, actor, 'reconciliation.reject', 'receipt', p.receipt_id, null, { proposal: proposalId });
  return { rejected: proposalId };
}

/** Undoes an auto-match in one action: reverses every automatic allocation of the receipt. */
export async function undoAutoMatch(tx: Queryable, actor: Actor, receiptId: string) {
  requireLedgerWriter(actor);
  const autos = await tx.query<{ id: string; target_installment_id: string; party_id: string | null }>(
    `SELECT a.id, a.target_installment_id, r.party_id FROM allocations a JOIN receipts r ON r.id = a.source_receipt_id
      WHERE a.source_receipt_id = $1 AND a.method = 'auto' AND a.amount_minor > 0
        AND NOT EXISTS (SELECT 1 FROM allocations x WHERE x.reverses_allocation_id = a.id)`,
    [receiptId],
  );
  if (autos.length === 0) throw notFound('automatic allocation of this receipt', 'id');
  for (const a of autos) await reverseAllocation(tx, actor, a.id, { reason: '撤销自动核销 / undo auto-match' });
  const partyId = autos[0]!.party_id;
  if (partyId) await rememberDecision(tx, actor, { kind: 'rejected', receiptId, partyId, installmentIds: autos.map((a) => a.target_installment_id) });
  await audit(tx, actor, 'reconciliation.undo', 'receipt', receiptId, null, { reversed: autos.length });
  return { receiptId, reversed: autos.length };
}

/** Receipts the engine applied by itself lately (not undone), for review and undo. */
export async function recentAutoMatches(tx: Queryable, q: { limit?: number } = {}) {
  const rows = await tx.query<{ receipt_id: string; number: string; receipt_date: string; currency: string; counterparty_name: string | null; remittance: string | null; invoices: string[]; amount_minor: bigint; confidence: string; reason: string | null; created_at: Date }>(
    `SELECT r.id AS receipt_id, r.number, r.receipt_date, r.currency, r.counterparty_name, r.remittance,
            array_agg(DISTINCT i.number ORDER BY i.number) AS invoices, sum(a.amount_minor)::bigint AS amount_minor,
            max(a.confidence)::text AS confidence, max(a.reason) AS reason, max(a.created_at) AS created_at
       FROM allocations a JOIN receipts r ON r.id = a.source_receipt_id
       JOIN installments n ON n.id = a.target_installment_id JOIN invoices i ON i.id = n.invoice_id
      WHERE a.method = 'auto' AND a.amount_minor > 0 AND NOT EXISTS (SELECT 1 FROM allocations x WHERE x.reverses_allocation_id = a.id)
      GROUP BY r.id ORDER BY max(a.created_at) DESC, r.number LIMIT $1`,
    [q.limit ?? 100],
  );
  return rows.map((r) => ({
    receiptId: r.receipt_id,
    number: r.number,
    date: r.receipt_date,
    payerName: r.counterparty_name,
    remittance: r.remittance,
    invoices: r.invoices,
    amount: formatAmount(r.amount_minor, r.currency),
    currency: r.currency,
    confidence: r.confidence,
    reason: r.reason,
  }));
}
