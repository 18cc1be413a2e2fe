/**
 * Automatic reconciliation on the ledger (自动对账 / 收款核销; docs/reconciliation.md): unapplied
 * receipts (payments on AP) against open installments, through the pure matching engine
 * (src/domain/matching). What clears the threshold is applied — each receipt in its own
 * transaction, through allocateReceipt and addAdjustment under their row locks, as method `auto`
 * with the engine's confidence and reasons; the rest is left as ranked proposals in the exception
 * queue (recon_proposals).
 *
 * Safe under concurrency: the engine works on a snapshot, and applying re-checks everything under
 * the row locks — a receipt or installment another run (or a person) changed meanwhile is refused
 * by the invariants and the receipt goes to the queue instead. Nothing is applied twice.
 */
import type { Database, Queryable } from '../../db/database';
import { type BankLine, MatchMemory, Matcher, type OpenItem, type PartyProfile, type Proposal } from '../../domain/matching';
import { formatAmount } from '../../domain/money';
import { type Actor, createdBy, requireLedgerWriter, withActor } from '../actor';
import { AppError, fromDatabaseError } from '../errors';
import { addAdjustment, allocateReceipt } from '../ledger/allocations';
import { resolveEntity } from '../ledger/input';

export interface ReconcileOptions {
  side?: 'AR' | 'AP';
  entity?: string;
  /** Apply proposals at or above this confidence (default 0.9). */
  threshold?: number;
  dryRun?: boolean;
  /** Only these receipts (e.g. the lines of a statement just imported). */
  receiptIds?: string[];
  onProgress?: (done: number, total: number) => void;
}

export interface ReconcileSummary {
  runId: string | null;
  dryRun: boolean;
  threshold: number;
  lines: number;
  autoApplied: { count: number; amounts: { currency: string; amount: string }[] };
  suggested: number;
  unidentified: number;
  strangers: number;
  duplicates: number;
  /** Auto proposals that the ledger refused when applied (changed meanwhile): left in the queue. */
  conflicts: number;
  ms: number;
}

interface ReceiptRow {
  id: string;
  number: string;
  party_id: string | null;
  currency: string;
  receipt_date: string;
  unapplied_minor: bigint;
  counterparty_name: string | null;
  counterparty_account: string | null;
  remittance: string | null;
  bank_reference: string | null;
}

async function loadInputs(tx: Queryable, side: 'AR' | 'AP', entityId: string, receiptIds: string[] | null) {
  const receipts = await tx.query<ReceiptRow>(
    `SELECT id, number, party_id, currency, receipt_date, amount_minor - allocated_minor AS unapplied_minor,
            counterparty_name, counterparty_account, remittance, bank_reference
       FROM receipts WHERE side = $1 AND entity_id = $2 AND amount_minor > allocated_minor
        AND ($3::uuid[] IS NULL OR id = ANY($3::uuid[]))
      ORDER BY receipt_date, number`,
    [side, entityId, receiptIds],
  );
  const items = await tx.query<{
    installment_id: string;
    invoice_id: string;
    number: string;
    einvoice_number: string | null;
    seq: number;
    contract_number: string | null;
    order_ref: string | null;
    party_id: string;
    currency: string;
    open_minor: bigint;
    issue_date: string;
    due_date: string;
  }>(
    `SELECT n.id AS installment_id, i.id AS invoice_id, i.number, i.einvoice_number, n.seq, c.number AS contract_number, i.order_ref,
            i.party_id, i.currency, n.amount_minor - n.allocated_minor AS open_minor, i.issue_date, n.due_date
       FROM installments n JOIN invoices i ON i.id = n.invoice_id
       LEFT JOIN contract_versions v ON v.id = i.contract_version_id LEFT JOIN contracts c ON c.id = v.contract_id
      WHERE i.side = $1 AND i.entity_id = $2 AND i.kind = 'invoice' AND n.amount_minor > n.allocated_minor`,
    [side, entityId],
  );
  const parties = await tx.query<{ id: string; code: string; name: string; name_en: string | null; short_name: string | null; parent_id: string | null; accounts: string[] | null }>(
    `SELECT p.id, p.code, p.name, p.name_en, p.short_name, p.parent_id,
            (SELECT array_agg(a.account_no) FROM party_bank_accounts a WHERE a.party_id = p.id) AS accounts
       FROM parties p WHERE ${side === 'AR' ? 'p.is_customer' : 'p.is_supplier'}`,
  );
  const memory = await tx.query<{ kind: 'confirmed' | 'manual' | 'rejected'; payer_account: string | null; payer_name: string | null; party_id: string; installment_ids: string[] | null }>(
    'SELECT kind, payer_account, payer_name, party_id, installment_ids FROM match_memory ORDER BY id',
  );
  // Lines already applied in the last 120 days: a receipt repeating one of them is a duplicate.
  const prior = await tx.query<ReceiptRow>(
    `SELECT id, number, party_id, currency, receipt_date, amount_minor AS unapplied_minor, counterparty_name, counterparty_account, remittance, bank_reference
       FROM receipts WHERE side = $1 AND entity_id = $2 AND allocated_minor > 0 AND receipt_date >= current_date - 120`,
    [side, entityId],
  );
  return { receipts, items, parties, memory, prior };
}

const lineOf = (r: ReceiptRow, side: 'AR' | 'AP'): BankLine => ({
  id: r.id,
  side,
  amountMinor: r.unapplied_minor,
  currency: r.currency,
  date: r.receipt_date,
  payerName: r.counterparty_name,
  payerAccount: r.counterparty_account,
  remittance: r.remittance,
  bankReference: r.bank_reference,
});

const reasonText = (p: Proposal) => `${p.reasons.map((r) => r.zh).join('；')} / ${p.reasons.map((r) => r.en).join('; ')}`.slice(0, 1000);

/** Applies one auto proposal in its own transaction; false when the ledger refuses it (changed meanwhile). */
async function applyProposal(db: Database, actor: Actor, receipt: ReceiptRow, p: Proposal): Promise<boolean> {
  try {
    await withActor(db, actor, async (tx) => {
      // Re-read under lock: another run or a person may have applied this receipt a moment ago.
      const [now] = await tx.query<{ party_id: string | null; unapplied: bigint }>(
        'SELECT party_id, amount_minor - allocated_minor AS unapplied FROM receipts WHERE id = $1 FOR UPDATE',
        [receipt.id],
      );
      if (!now || now.unapplied !== receipt.unapplied_minor) throw new AppError(409, 'receipt_changed', 'the receipt changed since it was matched');
      if (!now.party_id && p.partyId) {
        await tx.query('UPDATE receipts SET party_id = $2 WHERE id = $1 AND party_id IS NULL', [receipt.id, p.partyId]);
      } else if (now.party_id && p.partyId && now.party_id !== p.partyId) {
        throw new AppError(409, 'payer_differs', 'the receipt is assigned to another party');
      }
      const reason = reasonText(p);
      if (p.allocations.length) {
        await allocateReceipt(tx, actor, {
          receiptId: receipt.id,
          lines: p.allocations.map((a) => ({ installmentId: a.installmentId, amount: formatAmount(a.amountMinor, receipt.currency) })),
          method: 'auto',
          reason,
          confidence: p.confidence,
        });
      }
      if (p.adjustment) {
        await addAdjustment(tx, actor, {
          installmentId: p.adjustment.installmentId,
          kind: p.adjustment.kind,
          amount: formatAmount(p.adjustment.amountMinor, receipt.currency),
          reason: `${p.adjustment.kind === 'bank_fee' ? '银行手续费 / bank fee' : '现金折扣 / cash discount'} · ${receipt.number}`,
          effectiveDate: receipt.receipt_date,
          method: 'auto',
        });
      }
    });
    return true;
  } catch (err) {
    if (err instanceof AppError || fromDatabaseError(err)) return false;
    throw err;
  }
}

export async function reconcile(db: Database, actor: Actor, options: ReconcileOptions = {}): Promise<ReconcileSummary> {
  requireLedgerWriter(actor);
  const t0 = Date.now();
  const side = options.side ?? 'AR';
  const threshold = options.threshold ?? 0.9;
  if (!(threshold > 0 && threshold <= 1)) throw new AppError(422, 'invalid_threshold', 'the threshold is a confidence between 0 and 1', ['threshold']);
  const inputs = await withActor(db, actor, async (tx) => {
    const entity = await resolveEntity(tx, options.entity);
    return loadInputs(tx, side, entity.id, options.receiptIds ?? null);
  });
  const memory = new MatchMemory();
  for (const m of inputs.memory) {
    memory.add({ kind: m.kind, payerAccount: m.payer_account, payerName: m.payer_name, partyId: m.party_id, ...(m.installment_ids ? { installmentIds: m.installment_ids } : {}) });
  }
  const items: OpenItem[] = inputs.items.map((i) => ({
    installmentId: i.installment_id,
    invoiceId: i.invoice_id,
    invoiceNumber: i.number,
    seq: i.seq,
    contractNumber: i.contract_number,
    orderRef: i.order_ref,
    partyId: i.party_id,
    currency: i.currency,
    openMinor: i.open_minor,
    issueDate: i.issue_date,
    dueDate: i.due_date,
    ...(i.einvoice_number ? { altNumbers: [i.einvoice_number] } : {}),
  }));
  const parties: PartyProfile[] = inputs.parties.map((p) => ({ id: p.id, code: p.code, name: p.name, nameEn: p.name_en, shortName: p.short_name, parentId: p.parent_id, accounts: p.accounts ?? [] }));
  const receiptIds = new Set(inputs.receipts.map((r) => r.id));
  const matcher = new Matcher(items, parties, memory, { autoThreshold: threshold }, { priorLines: inputs.prior.filter((r) => !receiptIds.has(r.id)).map((r) => lineOf(r, side)) });

  const runId = options.dryRun
    ? null
    : (
        await withActor(db, actor, (tx) =>
          tx.query<{ id: string }>('INSERT INTO recon_runs (side, dry_run, threshold, created_by) VALUES ($1, false, $2, $3) RETURNING id', [side, threshold.toFixed(4), createdBy(actor)]),
        )
      )[0]!.id;
  const summary: ReconcileSummary = {
    runId,
    dryRun: !!options.dryRun,
    threshold,
    lines: inputs.receipts.length,
    autoApplied: { count: 0, amounts: [] },
    suggested: 0,
    unidentified: 0,
    strangers: 0,
    duplicates: 0,
    conflicts: 0,
    ms: 0,
  };
  const applied = new Map<string, bigint>();
  const queue: { receipt: ReceiptRow; proposals: Proposal[] }[] = [];
  let done = 0;
  for (const receipt of inputs.receipts) {
    // A receipt already assigned to a party is matched as that party's.
    const line = lineOf(receipt, side);
    const proposals = matcher.matchLine(line).filter((p) => !receipt.party_id || !p.partyId || p.partyId === receipt.party_id || p.kind === 'duplicate');
    const top = proposals[0];
    if (top?.kind === 'stranger') summary.strangers++;
    else if (top?.kind === 'duplicate') summary.duplicates++;
    else if (!top || top.kind === 'unidentified' || top.partyId === null) summary.unidentified++;
    if (top?.auto && top.confidence >= threshold && (top.allocations.length > 0 || top.adjustment)) {
      matcher.reserve(top);
      const ok = options.dryRun ? true : await applyProposal(db, actor, receipt, top);
      if (ok) {
        summary.autoApplied.count++;
        const cash = top.allocations.reduce((a, x) => a + x.amountMinor, 0n);
        applied.set(receipt.currency, (applied.get(receipt.currency) ?? 0n) + cash);
      } else {
        summary.conflicts++;
        queue.push({ receipt, proposals });
      }
    } else if (top && top.kind !== 'stranger' && top.kind !== 'duplicate' && top.partyId !== null) {
      summary.suggested++;
      queue.push({ receipt, proposals });
    } else queue.push({ receipt, proposals });
    options.onProgress?.(++done, inputs.receipts.length);
  }
  if (runId) {
    await withActor(db, actor, async (tx) => {
      // The queue: the best three proposals of each receipt left, replacing older open ones.
      await tx.query("UPDATE recon_proposals SET status = 'superseded' WHERE status = 'open' AND receipt_id = ANY($1::uuid[])", [queue.map((q) => q.receipt.id)]);
      const rows = queue.flatMap((q) =>
        q.proposals.slice(0, 3).map((p, i) => ({
          receipt_id: q.receipt.id,
          rank: i + 1,
          party_id: p.partyId,
          kind: p.kind,
          allocations: p.allocations.map((a) => ({ installmentId: a.installmentId, amount: formatAmount(a.amountMinor, q.receipt.currency) })),
          adjustment: p.adjustment ? { kind: p.adjustment.kind, installmentId: p.adjustment.installmentId, amount: formatAmount(p.adjustment.amountMinor, q.receipt.currency) } : null,
          on_account_minor: p.onAccountMinor.toString(),
          confidence: p.confidence.toFixed(4),
          reasons: p.reasons,
        })),
      );
      if (rows.length) {
        await tx.query(
          `INSERT INTO recon_proposals (run_id, receipt_id, rank, party_id, kind, allocations, adjustment, on_account_minor, confidence, reasons)
           SELECT $1, t.receipt_id, t.rank, t.party_id, t.kind, t.allocations, t.adjustment, t.on_account_minor, t.confidence, t.reasons
             FROM jsonb_to_recordset($2::jsonb) AS t(receipt_id uuid, rank int, party_id uuid, kind text, allocations jsonb, adjustment jsonb,
                                                    on_account_minor bigint, confidence numeric, reasons jsonb)`,
          [runId, JSON.stringify(rows)],
        );
      }
    });
  }
  summary.autoApplied.amounts = [...applied].sort(([a], [b]) => a.localeCompare(b)).map(([currency, m]) => ({ currency, amount: formatAmount(m, currency) }));
  summary.ms = Date.now() - t0;
  if (runId) {
    await withActor(db, actor, (tx) => tx.query('UPDATE recon_runs SET finished_at = now(), summary = $2::jsonb WHERE id = $1', [runId, JSON.stringify(summary)]));
  }
  return summary;
}

/** People's decisions teach the engine: a confirmed or manual match links the payer to the party. */
export async function rememberDecision(
  tx: Queryable,
  actor: Actor,
  d: { kind: 'confirmed' | 'manual' | 'rejected'; receiptId: string; partyId: string; installmentIds?: string[] },
): Promise<void> {
  const [r] = await tx.query<{ counterparty_name: string | null; counterparty_account: string | null }>('SELECT counterparty_name, counterparty_account FROM receipts WHERE id = $1', [d.receiptId]);
  if (!r || (!r.counterparty_name && !r.counterparty_account)) return;
  await tx.query(
    'INSERT INTO match_memory (kind, payer_account, payer_name, party_id, installment_ids, receipt_id, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7)',
    [d.kind, r.counterparty_account, r.counterparty_name, d.partyId, d.installmentIds ?? null, d.receiptId, createdBy(actor)],
  );
}

/**
 * After a statement import: reconcile the receipts and payments it created (unless
 * SHOUFU_RECONCILE_AFTER_IMPORT=0). Runs after the import committed, in transactions of its own.
 */
export async function reconcileImported(db: Database, actor: Actor, importId: string | null): Promise<{ receipts: ReconcileSummary | null; payments: ReconcileSummary | null } | null> {
  if (!importId || process.env.SHOUFU_RECONCILE_AFTER_IMPORT === '0') return null;
  const rows = await withActor(db, actor, (tx) =>
    tx.query<{ id: string; side: 'AR' | 'AP'; entity: string }>(
      `SELECT r.id, r.side, e.code AS entity FROM statement_lines l JOIN receipts r ON r.id = l.receipt_id JOIN entities e ON e.id = r.entity_id WHERE l.import_id = $1`,
      [importId],
    ),
  );
  const run = async (side: 'AR' | 'AP') => {
    const ids = rows.filter((r) => r.side === side).map((r) => r.id);
    return ids.length ? reconcile(db, actor, { side, entity: rows[0]!.entity, receiptIds: ids }) : null;
  };
  return { receipts: await run('AR'), payments: await run('AP') };
}
