/**
 * Webhook events: the catalog, their public payloads, and emission into the transactional outbox
 * (webhook_emit() in migrations/0008_webhooks.sql), always inside the caller's transaction.
 *
 * Ledger changes are mapped from the audit log: audit() calls emitForAudit() with the action it
 * has just appended, so every audited change can become an event without touching the use cases.
 * Payloads are read back from the database in a stable public shape (docs/webhooks.md): ids,
 * numbers, party codes, amounts as decimal strings with their currency, dates as YYYY-MM-DD.
 */
import type { Queryable } from '../db/database';
import { formatAmount } from '../domain/money';
import type { Actor } from '../services/actor';
import { toJson } from '../services/json';

export const EVENT_TYPES = [
  'invoice.created',
  'bill.created',
  'creditnote.created',
  'receipt.created',
  'payment.created',
  'allocation.created',
  'allocation.reversed',
  'adjustment.created',
  'invoice.overdue',
  'dispute.opened',
  'dispute.resolved',
  'party.created',
  'party.updated',
  'credit.hold',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];
/** Sent only by the test button, to one endpoint; not subscribable. */
export const TEST_EVENT = 'webhook.test';

export const EVENT_DESCRIPTIONS: Record<EventType, string> = {
  'invoice.created': 'an AR invoice was posted',
  'bill.created': 'an AP bill was posted',
  'creditnote.created': 'a credit note (红字发票) was posted, AR or AP',
  'receipt.created': 'an AR receipt was recorded',
  'payment.created': 'an AP payment was recorded',
  'allocation.created': 'a receipt or credit note was allocated to installments (核销)',
  'allocation.reversed': 'an allocation was reversed',
  'adjustment.created': 'a discount, bank fee, small difference or write-off closed part of an installment',
  'invoice.overdue': 'an AR installment became overdue (sent once per installment)',
  'dispute.opened': 'a dispute (争议) was opened on an invoice',
  'dispute.resolved': 'a dispute was resolved',
  'party.created': 'a customer or supplier was created',
  'party.updated': 'a customer or supplier’s master data changed',
  'credit.hold': 'a customer was put on credit hold',
};

export function isEventType(v: string): v is EventType {
  return (EVENT_TYPES as readonly string[]).includes(v);
}

/** Audit action → event type. Actions not listed (users, mappings, imports…) emit nothing. */
const AUDIT_EVENTS: Readonly<Record<string, EventType>> = {
  'invoice.post': 'invoice.created',
  'bill.post': 'bill.created',
  'credit_note.post': 'creditnote.created',
  'receipt.post': 'receipt.created',
  'payment.post': 'payment.created',
  'allocation.create': 'allocation.created',
  'allocation.credit_note': 'allocation.created',
  'allocation.reverse': 'allocation.reversed',
  'adjustment.create': 'adjustment.created',
  'dispute.open': 'dispute.opened',
  'dispute.resolve': 'dispute.resolved',
  'party.create': 'party.created',
  'party.update': 'party.updated',
};

/** Audit actions of set-based imports (one row per chunk, its documents listed in after.documents). */
const BATCH_EVENTS: Readonly<Record<string, EventType>> = {
  'invoice.import': 'invoice.created',
  'bill.import': 'bill.created',
  'receipt.import': 'receipt.created',
  'payment.import': 'payment.created',
};

export function eventTypeForAudit(action: string): EventType | null {
  return AUDIT_EVENTS[action] ?? null;
}

interface Built {
  entityId: string | null;
  data: Record<string, unknown>;
}

const amount = (minor: bigint | string, currency: string) => formatAmount(BigInt(minor), currency.trim());

// ---- payload builders -------------------------------------------------------------------------

interface PartyRow {
  party_id: string | null;
  party_code: string | null;
  party_name: string | null;
}
const partyRef = (r: PartyRow) => (r.party_id ? { id: r.party_id, code: r.party_code, name: r.party_name } : null);

async function invoicePayload(tx: Queryable, id: string): Promise<Built | null> {
  const [i] = await tx.query<
    PartyRow & {
      id: string;
      number: string;
      side: string;
      kind: string;
      entity_id: string;
      entity: string;
      currency: string;
      issue_date: string;
      subtotal_minor: bigint;
      tax_minor: bigint;
      total_minor: bigint;
      original_invoice_id: string | null;
      original_number: string | null;
      order_ref: string | null;
      einvoice_number: string | null;
      description: string | null;
      contract_number: string | null;
    }
  >(
    `SELECT i.id, i.number, i.side, i.kind, i.entity_id, e.code AS entity, i.currency, i.issue_date, i.subtotal_minor, i.tax_minor,
            i.total_minor, i.original_invoice_id, o.number AS original_number, i.order_ref, i.einvoice_number, i.description,
            p.id AS party_id, p.code AS party_code, p.name AS party_name, c.number AS contract_number
       FROM invoices i JOIN entities e ON e.id = i.entity_id
       LEFT JOIN parties p ON p.id = i.party_id
       LEFT JOIN invoices o ON o.id = i.original_invoice_id
       LEFT JOIN contract_versions cv ON cv.id = i.contract_version_id
       LEFT JOIN contracts c ON c.id = cv.contract_id
      WHERE i.id = $1`,
    [id],
  );
  if (!i) return null;
  const cur = i.currency.trim();
  const installments = await tx.query<{ id: string; seq: number; due_date: string; amount_minor: bigint; milestone: string | null }>(
    'SELECT id, seq, due_date, amount_minor, milestone FROM installments WHERE invoice_id = $1 ORDER BY seq',
    [id],
  );
  return {
    entityId: i.entity_id,
    data: {
      invoice: {
        id: i.id,
        number: i.number,
        side: i.side.trim(),
        kind: i.kind,
        entity: i.entity,
        party: partyRef(i),
        currency: cur,
        issueDate: i.issue_date,
        dueDate: installments.length ? installments[installments.length - 1]!.due_date : null,
        subtotal: amount(i.subtotal_minor, cur),
        tax: amount(i.tax_minor, cur),
        total: amount(i.total_minor, cur),
        originalInvoice: i.original_invoice_id ? { id: i.original_invoice_id, number: i.original_number } : null,
        contractNumber: i.contract_number,
        orderRef: i.order_ref,
        einvoiceNumber: i.einvoice_number,
        description: i.description,
        installments: installments.map((n) => ({
          id: n.id,
          seq: n.seq,
          dueDate: n.due_date,
          amount: amount(n.amount_minor, cur),
          milestone: n.milestone,
        })),
      },
    },
  };
}

async function receiptPayload(tx: Queryable, id: string): Promise<Built | null> {
  const [r] = await tx.query<
    PartyRow & {
      id: string;
      number: string;
      side: string;
      entity_id: string;
      entity: string;
      receipt_date: string;
      currency: string;
      amount_minor: bigint;
      method: string;
      bank_reference: string | null;
      counterparty_name: string | null;
      remittance: string | null;
    }
  >(
    `SELECT r.id, r.number, r.side, r.entity_id, e.code AS entity, r.receipt_date, r.currency, r.amount_minor, r.method,
            r.bank_reference, r.counterparty_name, r.remittance, p.id AS party_id, p.code AS party_code, p.name AS party_name
       FROM receipts r JOIN entities e ON e.id = r.entity_id LEFT JOIN parties p ON p.id = r.party_id
      WHERE r.id = $1`,
    [id],
  );
  if (!r) return null;
  const cur = r.currency.trim();
  return {
    entityId: r.entity_id,
    data: {
      receipt: {
        id: r.id,
        number: r.number,
        side: r.side.trim(),
        entity: r.entity,
        party: partyRef(r),
        receiptDate: r.receipt_date,
        currency: cur,
        amount: amount(r.amount_minor, cur),
        method: r.method,
        bankReference: r.bank_reference,
        counterpartyName: r.counterparty_name,
        remittance: r.remittance,
      },
    },
  };
}

interface AllocationRow extends PartyRow {
  id: string;
  entity_id: string;
  entity: string;
  side: string;
  source_kind: string;
  source_receipt_id: string | null;
  receipt_number: string | null;
  source_invoice_id: string | null;
  source_invoice_number: string | null;
  adjustment_kind: string | null;
  amount_minor: bigint;
  source_amount_minor: bigint;
  fx_rate: string | null;
  effective_date: string;
  method: string;
  reason: string | null;
  installment_id: string;
  installment_seq: number;
  invoice_id: string;
  invoice_number: string;
  currency: string;
  source_currency: string | null;
}

const ALLOCATION_SQL = `
  SELECT a.id, a.entity_id, e.code AS entity, a.side, a.source_kind, a.source_receipt_id, r.number AS receipt_number,
         si.invoice_id AS source_invoice_id, sinv.number AS source_invoice_number, a.adjustment_kind, a.amount_minor,
         a.source_amount_minor, a.fx_rate, a.effective_date, a.method, a.reason, n.id AS installment_id, n.seq AS installment_seq,
         i.id AS invoice_id, i.number AS invoice_number, i.currency, coalesce(r.currency, sinv.currency) AS source_currency,
         p.id AS party_id, p.code AS party_code, p.name AS party_name
    FROM allocations a
    JOIN entities e ON e.id = a.entity_id
    JOIN installments n ON n.id = a.target_installment_id
    JOIN invoices i ON i.id = n.invoice_id
    LEFT JOIN parties p ON p.id = i.party_id
    LEFT JOIN receipts r ON r.id = a.source_receipt_id
    LEFT JOIN installments si ON si.id = a.source_installment_id
    LEFT JOIN invoices sinv ON sinv.id = si.invoice_id`;

function allocationLine(a: AllocationRow) {
  const cur = a.currency.trim();
  const srcCur = (a.source_currency ?? a.currency).trim();
  return {
    id: a.id,
    installment: { id: a.installment_id, seq: a.installment_seq },
    invoice: { id: a.invoice_id, number: a.invoice_number },
    amount: amount(a.amount_minor, cur),
    currency: cur,
    ...(a.fx_rate ? { sourceAmount: amount(a.source_amount_minor, srcCur), sourceCurrency: srcCur, fxRate: a.fx_rate } : {}),
  };
}

function allocationSource(a: AllocationRow) {
  if (a.source_kind === 'receipt') return { kind: 'receipt', id: a.source_receipt_id, number: a.receipt_number };
  if (a.source_kind === 'credit_note') return { kind: 'credit_note', id: a.source_invoice_id, number: a.source_invoice_number };
  return { kind: 'adjustment', adjustmentKind: a.adjustment_kind };
}

async function allocationsPayload(tx: Queryable, ids: string[]): Promise<Built | null> {
  if (ids.length === 0) return null;
  const rows = await tx.query<AllocationRow>(`${ALLOCATION_SQL} WHERE a.id = ANY ($1::uuid[]) ORDER BY a.seq`, [ids]);
  const first = rows[0];
  if (!first) return null;
  return {
    entityId: first.entity_id,
    data: {
      source: allocationSource(first),
      side: first.side.trim(),
      entity: first.entity,
      party: partyRef(first),
      effectiveDate: first.effective_date,
      method: first.method,
      allocations: rows.map(allocationLine),
    },
  };
}

function receiptAllocationIds(after: unknown): string[] {
  const lines = (after as { lines?: { id?: unknown }[] } | null)?.lines ?? [];
  return lines.map((l) => l.id).filter((v): v is string => typeof v === 'string');
}

async function creditNoteAllocationIds(tx: Queryable, originalInvoiceId: string, after: unknown): Promise<string[]> {
  const creditNote = (after as { creditNote?: unknown } | null)?.creditNote;
  if (typeof creditNote !== 'string') return [];
  const rows = await tx.query<{ id: string }>(
    `SELECT a.id FROM allocations a JOIN installments si ON si.id = a.source_installment_id JOIN invoices cn ON cn.id = si.invoice_id
      WHERE cn.original_invoice_id = $1 AND cn.number = $2 AND a.reverses_allocation_id IS NULL ORDER BY a.seq`,
    [originalInvoiceId, creditNote],
  );
  return rows.map((r) => r.id);
}

async function reversalPayload(tx: Queryable, originalId: string, after: unknown): Promise<Built | null> {
  const [a] = await tx.query<AllocationRow>(`${ALLOCATION_SQL} WHERE a.id = $1`, [originalId]);
  if (!a) return null;
  const reversalId = (after as { reversalId?: unknown } | null)?.reversalId;
  const effectiveDate = (after as { effectiveDate?: unknown } | null)?.effectiveDate;
  return {
    entityId: a.entity_id,
    data: {
      reversal: {
        id: typeof reversalId === 'string' ? reversalId : null,
        effectiveDate: typeof effectiveDate === 'string' ? effectiveDate : null,
      },
      allocation: { ...allocationLine(a), effectiveDate: a.effective_date, source: allocationSource(a) },
      side: a.side.trim(),
      entity: a.entity,
      party: partyRef(a),
    },
  };
}

async function adjustmentPayload(tx: Queryable, installmentId: string): Promise<Built | null> {
  const [a] = await tx.query<AllocationRow>(
    `${ALLOCATION_SQL} WHERE a.target_installment_id = $1 AND a.source_kind = 'adjustment' AND a.reverses_allocation_id IS NULL
      ORDER BY a.seq DESC LIMIT 1`,
    [installmentId],
  );
  if (!a) return null;
  return {
    entityId: a.entity_id,
    data: {
      adjustment: { ...allocationLine(a), kind: a.adjustment_kind, reason: a.reason, effectiveDate: a.effective_date },
      side: a.side.trim(),
      entity: a.entity,
      party: partyRef(a),
    },
  };
}

async function partyPayload(tx: Queryable, id: string, changed?: string[]): Promise<Built | null> {
  const [p] = await tx.query<{
    id: string;
    code: string;
    name: string;
    name_en: string | null;
    short_name: string | null;
    is_customer: boolean;
    is_supplier: boolean;
    uscc: string | null;
    region: string;
    province: string | null;
    industry: string | null;
    payment_terms_days: number;
    credit_limit_minor: bigint | null;
    credit_currency: string;
    parent_code: string | null;
    external_ids: Record<string, unknown>;
    contact_email: string | null;
  }>(
    `SELECT p.id, p.code, p.name, p.name_en, p.short_name, p.is_customer, p.is_supplier, p.uscc, p.region, p.province, p.industry,
            p.payment_terms_days, p.credit_limit_minor, p.credit_currency, pp.code AS parent_code, p.external_ids, p.contact_email
       FROM parties p LEFT JOIN parties pp ON pp.id = p.parent_id WHERE p.id = $1`,
    [id],
  );
  if (!p) return null;
  const cc = p.credit_currency.trim();
  return {
    entityId: null,
    data: {
      party: {
        id: p.id,
        code: p.code,
        name: p.name,
        nameEn: p.name_en,
        shortName: p.short_name,
        isCustomer: p.is_customer,
        isSupplier: p.is_supplier,
        uscc: p.uscc,
        region: p.region,
        province: p.province,
        industry: p.industry,
        paymentTermsDays: p.payment_terms_days,
        creditLimit: p.credit_limit_minor === null ? null : amount(p.credit_limit_minor, cc),
        creditCurrency: cc,
        parentCode: p.parent_code,
        externalIds: p.external_ids,
        contactEmail: p.contact_email,
      },
      ...(changed ? { changed } : {}),
    },
  };
}

async function disputePayload(tx: Queryable, invoiceId: string, after: unknown): Promise<Built | null> {
  const disputeId = (after as { disputeId?: unknown } | null)?.disputeId;
  if (typeof disputeId !== 'string') return null;
  const [d] = await tx.query<
    PartyRow & { id: string; opened_on: string; resolved_on: string | null; reason: string; invoice_id: string; number: string; entity_id: string; entity: string }
  >(
    `SELECT d.id, d.opened_on, d.resolved_on, d.reason, i.id AS invoice_id, i.number, i.entity_id, e.code AS entity,
            p.id AS party_id, p.code AS party_code, p.name AS party_name
       FROM invoice_disputes d JOIN invoices i ON i.id = d.invoice_id JOIN entities e ON e.id = i.entity_id
       LEFT JOIN parties p ON p.id = i.party_id
      WHERE d.id = $1 AND d.invoice_id = $2`,
    [disputeId, invoiceId],
  );
  if (!d) return null;
  return {
    entityId: d.entity_id,
    data: {
      dispute: { id: d.id, openedOn: d.opened_on, resolvedOn: d.resolved_on, reason: d.reason },
      invoice: { id: d.invoice_id, number: d.number, entity: d.entity, party: partyRef(d) },
    },
  };
}

async function buildForAudit(
  tx: Queryable,
  type: EventType,
  action: string,
  objectId: string | null,
  after: unknown,
): Promise<Built | null> {
  if (!objectId) return null;
  switch (type) {
    case 'invoice.created':
    case 'bill.created':
    case 'creditnote.created':
      return invoicePayload(tx, objectId);
    case 'receipt.created':
    case 'payment.created':
      return receiptPayload(tx, objectId);
    case 'allocation.created':
      return allocationsPayload(
        tx,
        action === 'allocation.credit_note' ? await creditNoteAllocationIds(tx, objectId, after) : receiptAllocationIds(after),
      );
    case 'allocation.reversed':
      return reversalPayload(tx, objectId, after);
    case 'adjustment.created':
      return adjustmentPayload(tx, objectId);
    case 'party.created':
      return partyPayload(tx, objectId);
    case 'party.updated':
      return partyPayload(tx, objectId, after && typeof after === 'object' ? Object.keys(after).sort() : []);
    case 'dispute.opened':
    case 'dispute.resolved':
      return disputePayload(tx, objectId, after);
    default:
      return null;
  }
}

// ---- emission ---------------------------------------------------------------------------------

/** The cheap check: does any active endpoint subscribe to this type? (One indexed lookup.) */
export async function webhookWanted(tx: Queryable, type: string): Promise<boolean> {
  const [row] = await tx.query<{ wanted: boolean }>('SELECT webhook_wanted($1) AS wanted', [type]);
  return row?.wanted === true;
}

export interface EmitInput {
  type: string;
  entityId: string | null;
  objectId: string | null;
  data: Record<string, unknown>;
  /** A key that makes the event once-only (a second emit with the same key writes nothing). */
  dedupeKey?: string | null;
  /** Send to this endpoint only, whatever it subscribes to (test pings). */
  endpointId?: string | null;
}

/** Writes the event and its deliveries in tx; returns the event id or null when nothing was written. */
export async function emitEvent(tx: Queryable, input: EmitInput): Promise<string | null> {
  const [row] = await tx.query<{ id: string | null }>('SELECT webhook_emit($1, $2, $3, $4::jsonb, $5, $6) AS id', [
    input.type,
    input.entityId,
    input.objectId,
    toJson(input.data),
    input.dedupeKey ?? null,
    input.endpointId ?? null,
  ]);
  return row?.id ?? null;
}

/**
 * Called by audit() right after it appended a row, in the same transaction. Emits the mapped event
 * when somebody subscribes to it; costs one cheap query otherwise, and nothing for unmapped actions.
 */
export async function emitForAudit(tx: Queryable, action: string, objectId: string | null, after: unknown): Promise<void> {
  // A set-based import posts a chunk of documents under one audit row: one event per document.
  const batchType = BATCH_EVENTS[action];
  if (batchType) {
    if (!(await webhookWanted(tx, batchType))) return;
    const documents = (after as { documents?: { id?: string | null }[] } | null)?.documents ?? [];
    for (const d of documents) {
      if (!d.id) continue;
      const built = await buildForAudit(tx, batchType, action, d.id, d);
      if (built) await emitEvent(tx, { type: batchType, entityId: built.entityId, objectId: d.id, data: built.data });
    }
    return;
  }
  const type = eventTypeForAudit(action);
  if (!type) return;
  if (!(await webhookWanted(tx, type))) return;
  const built = await buildForAudit(tx, type, action, objectId, after);
  if (!built) return;
  await emitEvent(tx, { type, entityId: built.entityId, objectId, data: built.data });
}

// ---- credit.hold --------------------------------------------------------------------------------

export interface CreditHoldInput {
  partyId: string;
  /** The entity whose exposure triggered the hold; null = group-wide. */
  entityId?: string | null;
  /** Why, for people: e.g. "exposure 120000.00 CNY exceeds limit 100000.00 CNY". */
  reason: string;
  /** Machine-readable cause, e.g. "limit_exceeded", "overdue_days", "manual". */
  code?: string;
  /** Exposure and limit as exact minor units in `currency`. */
  exposureMinor?: bigint | null;
  limitMinor?: bigint | null;
  currency?: string | null;
  /** Date the hold takes effect (YYYY-MM-DD). */
  effectiveDate: string;
}

/**
 * Emits credit.hold in the caller's transaction. For the credit-risk work: call it from the use
 * case that puts a customer on hold, after writing the hold and its audit row (there is no credit
 * engine yet; nothing calls it today). Returns the event id, or null when nobody subscribes.
 */
export async function emitCreditHold(tx: Queryable, actor: Actor, input: CreditHoldInput): Promise<string | null> {
  if (!(await webhookWanted(tx, 'credit.hold'))) return null;
  const built = await partyPayload(tx, input.partyId);
  if (!built) return null;
  const party = built.data.party as { id: string; code: string; name: string };
  const cur = input.currency?.trim() ?? null;
  const [entity] = input.entityId
    ? await tx.query<{ code: string }>('SELECT code FROM entities WHERE id = $1', [input.entityId])
    : [];
  return emitEvent(tx, {
    type: 'credit.hold',
    entityId: input.entityId ?? null,
    objectId: input.partyId,
    data: {
      party: { id: party.id, code: party.code, name: party.name },
      entity: entity?.code ?? null,
      hold: {
        code: input.code ?? 'manual',
        reason: input.reason,
        effectiveDate: input.effectiveDate,
        currency: cur,
        exposure: cur && input.exposureMinor != null ? amount(input.exposureMinor, cur) : null,
        limit: cur && input.limitMinor != null ? amount(input.limitMinor, cur) : null,
        by: actor.username,
      },
    },
  });
}
