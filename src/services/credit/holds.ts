/**
 * Credit holds (信用冻结) and overrides (特批), docs/credit.md.
 *
 * A hold is put on when a check blocks (credit.hold webhook) and released automatically when the
 * customer is back within the rules: reevaluateHolds() evaluates the order-stage rules with no
 * document (open receivables − unapplied receipts + open orders vs the limits, overdue, grade) and
 * releases every open hold of the customer's group that no longer blocks.
 *
 * When it runs: audit() calls reevaluateAfterLedgerChange() for the ledger actions that can lower
 * a customer's exposure or overdue (receipts, allocations, credit notes, adjustments) — the same
 * audit-action hook the webhooks use, so no ledger use case changes; orders released or invoiced
 * re-evaluate too; and `shoufu credit holds` / the scheduler re-evaluate every open hold (a receipt
 * imported in bulk, or one recorded by a user who cannot see the customer, is caught there).
 *
 * An override is requested through the approval engine ('credit_override'); once approved a
 * credit_overrides row lets blocked documents of the customer through up to its amount until its
 * expiry.
 */
import type { Database, Queryable } from '../../db/database';
import { todayIso } from '../../domain/dates';
import type { Reason, Stage } from '../../domain/credit/limits';
import { formatAmount } from '../../domain/money';
import { emitCreditHold } from '../../webhooks/events';
import { type Actor, createdBy, requireLedgerWriter, SYSTEM_ACTOR, withActor } from '../actor';
import { requestApproval } from '../approvals/approvals';
import type { ApprovedRequest } from '../approvals/handlers';
import { audit } from '../audit';
import { conflict, invalid, notFound } from '../errors';
import { currencyCode, isoDate, money } from '../ledger/input';
import { evaluateCustomer, visibleParty } from './check';

export interface PlaceHoldInput {
  partyId: string;
  entityId: string | null;
  stage: Stage;
  reasons: Reason[];
  date: string;
  exposureMinor: bigint;
  limitMinor: bigint | null;
  currency: string;
}

/** Puts the customer on hold unless it already is; returns the open hold. */
export async function placeHold(tx: Queryable, actor: Actor, input: PlaceHoldInput) {
  const blocking = input.reasons.filter((r) => r.severity === 'block');
  const main = blocking[0] ?? input.reasons[0];
  const reasonZh = blocking.map((r) => r.zh).join('；') || (main?.zh ?? '');
  const reasonEn = blocking.map((r) => r.en).join('; ') || (main?.en ?? '');
  const [row] = await tx.query<{ id: string; since: string }>(
    `INSERT INTO credit_holds (party_id, entity_id, stage, code, reason_zh, reason_en, reasons, since, placed_by)
     VALUES ($1,$2,$3,$4,$5,$6,$7::jsonb,$8,$9)
     ON CONFLICT (party_id) WHERE released_at IS NULL DO NOTHING RETURNING id, since`,
    [input.partyId, input.entityId, input.stage, main?.code ?? 'manual', reasonZh, reasonEn, JSON.stringify(input.reasons), input.date, createdBy(actor)],
  );
  if (!row) {
    const [open] = await tx.query<{ id: string; since: string; reason_zh: string; reason_en: string }>('SELECT id, since, reason_zh, reason_en FROM credit_holds WHERE party_id = $1 AND released_at IS NULL', [input.partyId]);
    return open ? { id: open.id, since: open.since, reasonZh: open.reason_zh, reasonEn: open.reason_en } : null;
  }
  await audit(tx, actor, 'credit_hold.place', 'party', input.partyId, null, {
    holdId: row.id,
    stage: input.stage,
    code: main?.code ?? 'manual',
    reasonZh,
    reasonEn,
    since: input.date,
  });
  await emitCreditHold(tx, actor, {
    partyId: input.partyId,
    entityId: input.entityId,
    reason: reasonEn,
    code: main?.code ?? 'manual',
    exposureMinor: input.exposureMinor,
    limitMinor: input.limitMinor,
    currency: input.currency,
    effectiveDate: input.date,
  });
  return { id: row.id, since: row.since, reasonZh, reasonEn };
}

/**
 * Re-evaluates the open holds of these customers' groups; releases those back within the rules.
 * Returns the released holds.
 */
export async function reevaluateHolds(tx: Queryable, actor: Actor, partyIds: readonly string[], date = todayIso()) {
  if (partyIds.length === 0) return [];
  const holds = await tx.query<{ id: string; party_id: string }>(
    `SELECT h.id, h.party_id FROM credit_holds h JOIN parties p ON p.id = h.party_id
      WHERE h.released_at IS NULL
        AND coalesce(p.parent_id, p.id) IN (SELECT coalesce(q.parent_id, q.id) FROM parties q WHERE q.id = ANY ($1::uuid[]))
      ORDER BY h.party_id FOR UPDATE OF h`,
    [partyIds],
  );
  const released: { holdId: string; partyId: string }[] = [];
  for (const h of holds) {
    // A customer of the group outside the caller's scope is left to the scheduled run.
    const party = await visibleParty(tx, { partyId: h.party_id }).catch(() => null);
    if (!party) continue;
    const ev = await evaluateCustomer(tx, party, { stage: 'order', documentMinor: 0n, docCurrency: party.credit_currency, entityId: null, date });
    if (ev.decision === 'block') continue;
    await tx.query('UPDATE credit_holds SET released_at = now(), released_on = $2, released_by = $3, released_by_rule = true WHERE id = $1', [h.id, date, createdBy(actor)]);
    await audit(tx, actor, 'credit_hold.release', 'party', h.party_id, { holdId: h.id, open: true }, {
      holdId: h.id,
      releasedOn: date,
      byRule: true,
      reasons: ev.reasons.map((r) => r.code),
    });
    released.push({ holdId: h.id, partyId: h.party_id });
  }
  return released;
}

/** Audit actions after which a customer's exposure or overdue may have gone down. */
const RELEASING_ACTIONS = new Set(['receipt.post', 'allocation.create', 'allocation.credit_note', 'adjustment.create', 'credit_limit.set', 'credit_order.release', 'credit_order.invoice']);

/**
 * The hook audit() calls after every appended row, in the same transaction. Costs nothing for
 * other actions and one indexed query when no hold is open.
 */
export async function reevaluateAfterLedgerChange(tx: Queryable, actor: Actor, action: string, objectType: string, objectId: string | null, after: unknown): Promise<void> {
  if (!RELEASING_ACTIONS.has(action) || !objectId) return;
  if (action === 'credit_order.release' || action === 'credit_order.invoice') return; // closeOrder re-evaluates itself
  const [any] = await tx.query<{ open: boolean }>('SELECT EXISTS (SELECT 1 FROM credit_holds WHERE released_at IS NULL) AS open');
  if (!any?.open) return;
  let parties: string[] = [];
  const a = (after ?? {}) as { partyId?: unknown; lines?: { installmentId?: unknown }[] };
  if (action === 'receipt.post') parties = typeof a.partyId === 'string' ? [a.partyId] : [];
  else if (action === 'credit_limit.set') parties = typeof a.partyId === 'string' ? [a.partyId] : [];
  else if (action === 'allocation.create') {
    const inst = (a.lines ?? []).map((l) => l.installmentId).filter((v): v is string => typeof v === 'string');
    parties = (
      await tx.query<{ party_id: string }>(
        'SELECT DISTINCT i.party_id FROM installments n JOIN invoices i ON i.id = n.invoice_id WHERE n.id = ANY ($1::uuid[]) UNION SELECT party_id FROM receipts WHERE id = $2 AND party_id IS NOT NULL',
        [inst, objectId],
      )
    ).map((r) => r.party_id);
  } else if (action === 'allocation.credit_note' || (action === 'adjustment.create' && objectType === 'installment')) {
    parties = (
      await tx.query<{ party_id: string }>(
        action === 'allocation.credit_note' ? 'SELECT party_id FROM invoices WHERE id = $1' : 'SELECT i.party_id FROM installments n JOIN invoices i ON i.id = n.invoice_id WHERE n.id = $1',
        [objectId],
      )
    ).map((r) => r.party_id);
  }
  if (parties.length) await reevaluateHolds(tx, actor, parties);
}

/** Every open hold, re-evaluated (CLI `shoufu credit holds`, scheduler). */
export async function reevaluateAllHolds(db: Database, actor: Actor = SYSTEM_ACTOR, date = todayIso()) {
  return withActor(db, actor, async (tx) => {
    const parties = await tx.query<{ party_id: string }>('SELECT party_id FROM credit_holds WHERE released_at IS NULL ORDER BY party_id');
    return reevaluateHolds(tx, actor, parties.map((p) => p.party_id), date);
  });
}

export async function releaseHoldManually(tx: Queryable, actor: Actor, holdId: string, reason: string) {
  requireLedgerWriter(actor);
  if (!reason.trim()) throw invalid('reason_required', 'give a reason', 'reason');
  const [h] = await tx.query<{ id: string; party_id: string }>('SELECT id, party_id FROM credit_holds WHERE id = $1 AND released_at IS NULL FOR UPDATE', [holdId]);
  if (!h) throw notFound('open hold', 'id');
  await tx.query('UPDATE credit_holds SET released_at = now(), released_on = $2, released_by = $3, released_by_rule = false WHERE id = $1', [h.id, todayIso(), createdBy(actor)]);
  await audit(tx, actor, 'credit_hold.release', 'party', h.party_id, { holdId: h.id, open: true }, { holdId: h.id, byRule: false, reason });
}

export async function listHolds(tx: Queryable, filter: { open?: boolean; partyId?: string } = {}) {
  const rows = await tx.query<{ id: string; party_id: string; code: string; name: string; stage: string; hold_code: string; reason_zh: string; reason_en: string; since: string; released_on: string | null; released_by_rule: boolean | null }>(
    `SELECT h.id, h.party_id, p.code, p.name, h.stage, h.code AS hold_code, h.reason_zh, h.reason_en, h.since, h.released_on, h.released_by_rule
       FROM credit_holds h JOIN parties p ON p.id = h.party_id
      WHERE ($1::boolean IS NULL OR (h.released_at IS NULL) = $1) AND ($2::uuid IS NULL OR h.party_id = $2)
      ORDER BY h.placed_at DESC LIMIT 500`,
    [filter.open ?? null, filter.partyId ?? null],
  );
  return rows.map((h) => ({
    id: h.id,
    customer: { id: h.party_id, code: h.code, name: h.name },
    stage: h.stage,
    code: h.hold_code,
    reasonZh: h.reason_zh,
    reasonEn: h.reason_en,
    since: h.since,
    releasedOn: h.released_on,
    releasedByRule: h.released_by_rule,
    open: h.released_on === null,
  }));
}

// ---- overrides (特批) ------------------------------------------------------------------------------

export interface OverrideInput {
  partyId?: string;
  partyCode?: string;
  amount: string;
  currency?: string;
  expiresOn: string;
  reason: string;
}

export async function requestOverride(tx: Queryable, actor: Actor, input: OverrideInput) {
  const party = await visibleParty(tx, input);
  const currency = currencyCode(input.currency ?? party.credit_currency);
  const amountMinor = money(input.amount, currency, 'amount', { positive: true });
  const expiresOn = isoDate(input.expiresOn, 'expiresOn');
  if (expiresOn < todayIso()) throw invalid('expiry_in_past', 'expiresOn is in the past', 'expiresOn');
  if (!input.reason?.trim()) throw invalid('reason_required', 'an override needs a reason', 'reason');
  return requestApproval(tx, actor, {
    documentType: 'credit_override',
    partyId: party.id,
    amountMinor,
    currency,
    title: `特批 ${party.code} ${party.name} ${formatAmount(amountMinor, currency)} ${currency} 至 ${expiresOn}`,
    reason: input.reason,
    payload: { partyId: party.id, amountMinor: amountMinor.toString(), currency, expiresOn },
    // The request lapses with the override it asks for.
    expiresAt: new Date(`${expiresOn}T23:59:59.999Z`).toISOString(),
  });
}

export async function applyApprovedOverride(tx: Queryable, actor: Actor, request: ApprovedRequest): Promise<Record<string, unknown>> {
  const p = request.payload as { partyId: string; amountMinor: string; currency: string; expiresOn: string };
  const existing = await tx.query('SELECT 1 FROM credit_overrides WHERE approval_request_id = $1', [request.id]);
  if (existing.length) throw conflict('override_exists', 'this approval was already applied');
  const [row] = await tx.query<{ id: string }>(
    `INSERT INTO credit_overrides (party_id, amount_minor, currency, expires_on, reason, approval_request_id, approved_by)
     VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id`,
    [p.partyId, BigInt(p.amountMinor), p.currency, p.expiresOn, request.reason, request.id, createdBy(actor)],
  );
  const amount = formatAmount(BigInt(p.amountMinor), p.currency);
  await audit(tx, actor, 'credit_override.grant', 'party', p.partyId, null, {
    overrideId: row!.id,
    approvalRequestId: request.id,
    amount,
    currency: p.currency,
    expiresOn: p.expiresOn,
    reason: request.reason,
    requester: request.requester.id,
  });
  return { overrideId: row!.id, amount, currency: p.currency, expiresOn: p.expiresOn };
}

export async function listOverrides(tx: Queryable, filter: { partyId?: string } = {}) {
  const rows = await tx.query<{ id: string; party_id: string; code: string; amount_minor: bigint; used_minor: bigint; currency: string; expires_on: string; reason: string; approval_request_id: string }>(
    `SELECT o.id, o.party_id, p.code, o.amount_minor, o.used_minor, o.currency, o.expires_on, o.reason, o.approval_request_id
       FROM credit_overrides o JOIN parties p ON p.id = o.party_id WHERE ($1::uuid IS NULL OR o.party_id = $1) ORDER BY o.created_at DESC LIMIT 500`,
    [filter.partyId ?? null],
  );
  return rows.map((o) => {
    const cur = o.currency.trim();
    return {
      id: o.id,
      customer: { id: o.party_id, code: o.code },
      amount: formatAmount(BigInt(o.amount_minor), cur),
      used: formatAmount(BigInt(o.used_minor), cur),
      currency: cur,
      expiresOn: o.expires_on,
      reason: o.reason,
      approvalRequestId: o.approval_request_id,
    };
  });
}
