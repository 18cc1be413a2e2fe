/**
 * The credit check (信用检查): customer + amount + stage → allow / warn / block with reasons
 * (docs/credit.md). Concurrency: the check first locks the limit rows it measures
 * (credit_lock_limits: the customer's own limits and its group root's group limit, in id order),
 * then reads the exposure — so two checks of the same customer or group queue, and the second sees
 * the order the first recorded. An 'order' check that passes records the order (reserving the
 * exposure) in the same transaction; one that blocks puts the customer on hold.
 */
import type { Queryable } from '../../db/database';
import { todayIso } from '../../domain/dates';
import {
  applicableLimits,
  applyOverride,
  type CheckResult,
  type CreditLimit,
  evaluateCredit,
  type ExposureParts,
  exposureOf,
  grouped,
  type Reason,
  type Stage,
} from '../../domain/credit/limits';
import type { Grade } from '../../domain/credit/scorecard';
import { formatAmount, scaleOf } from '../../domain/money';
import { type Actor, createdBy } from '../actor';
import { audit } from '../audit';
import { conflict, invalid, notFound } from '../errors';
import { currencyCode, isoDate, money, resolveEntity } from '../ledger/input';
import { placeHold, reevaluateHolds } from './holds';
import { convertAt, limitOut, limitsFor, loadRules } from './limits';

export interface CustomerRef {
  id: string;
  code: string;
  name: string;
  parent_id: string | null;
  credit_currency: string;
}

export async function visibleParty(tx: Queryable, ref: { partyId?: string; partyCode?: string }): Promise<CustomerRef> {
  if (!ref.partyId && !ref.partyCode) throw invalid('party_required', 'partyId or partyCode is required', 'partyId');
  const [p] = await tx.query<CustomerRef>(
    `SELECT id, code, name, parent_id, credit_currency FROM parties WHERE is_customer AND ${ref.partyId ? 'id = $1' : 'code = $1'}`,
    [ref.partyId ?? ref.partyCode],
  );
  if (!p) throw notFound('customer', ref.partyId ? 'partyId' : 'partyCode');
  return { ...p, credit_currency: p.credit_currency.trim() };
}

interface RawExposure {
  open: Map<string, bigint>;
  overdue: Map<string, bigint>;
  unapplied: Map<string, bigint>;
  orders: Map<string, bigint>;
  oldestDays: number;
}

async function rawExposure(tx: Queryable, parties: string[], entityId: string | null, date: string): Promise<RawExposure> {
  const rows = await tx.query<{ kind: string; currency: string | null; amount_minor: bigint | null }>('SELECT * FROM credit_exposure($1::uuid[], $2, $3)', [parties, entityId, date]);
  const out: RawExposure = { open: new Map(), overdue: new Map(), unapplied: new Map(), orders: new Map(), oldestDays: 0 };
  for (const r of rows) {
    const v = BigInt(r.amount_minor ?? 0n);
    if (r.kind === 'oldest_days') out.oldestDays = Number(v);
    else (out[r.kind as 'open' | 'overdue' | 'unapplied' | 'orders'] as Map<string, bigint>).set(r.currency!.trim(), v);
  }
  return out;
}

/** Sums a per-currency map in `to`; currencies without a rate are reported, not counted. */
async function sumIn(tx: Queryable, m: Map<string, bigint>, to: string, date: string, missing: Set<string>): Promise<bigint> {
  let total = 0n;
  for (const [cur, v] of m) {
    const c = await convertAt(tx, v, cur, to, date);
    if (c === null) missing.add(cur);
    else total += c;
  }
  return total;
}

async function partsIn(tx: Queryable, raw: RawExposure, currency: string, documentMinor: bigint, date: string, missing: Set<string>): Promise<ExposureParts> {
  return {
    openMinor: await sumIn(tx, raw.open, currency, date, missing),
    unappliedMinor: await sumIn(tx, raw.unapplied, currency, date, missing),
    ordersMinor: await sumIn(tx, raw.orders, currency, date, missing),
    documentMinor,
  };
}

export interface Evaluation extends CheckResult {
  currency: string;
  own: { limit: CreditLimit; exposure: ExposureParts } | null;
  group: { limit: CreditLimit; exposure: ExposureParts; members: number } | null;
  exposure: ExposureParts;
  overdueMinor: bigint;
  oldestDaysOverdue: number;
  grade: Grade | null;
}

/**
 * Evaluates the rules of a stage for a customer and a document (documentMinor in docCurrency),
 * reading the exposure as it is now in the transaction. No side effects.
 */
export async function evaluateCustomer(
  tx: Queryable,
  party: CustomerRef,
  q: { stage: Stage; documentMinor: bigint; docCurrency: string; entityId: string | null; date: string },
): Promise<Evaluation> {
  const limits = await limitsFor(tx, party.id);
  const scopes = applicableLimits(limits, { partyId: party.id, parentId: party.parent_id, entityId: q.entityId, date: q.date });
  const currency = scopes.own?.currency ?? scopes.group?.currency ?? party.credit_currency;
  const missing = new Set<string>();
  const doc = async (cur: string) => {
    const c = await convertAt(tx, q.documentMinor, q.docCurrency, cur, q.date);
    if (c === null) missing.add(q.docCurrency);
    return c ?? 0n;
  };
  // The customer's own exposure (in the own limit's entity when entity-specific), and its overdue.
  const ownRaw = await rawExposure(tx, [party.id], scopes.own?.entityId ?? null, q.date);
  const ownParts = await partsIn(tx, ownRaw, currency, await doc(currency), q.date, missing);
  const allRaw = scopes.own?.entityId ? await rawExposure(tx, [party.id], null, q.date) : ownRaw;
  const overdueMinor = await sumIn(tx, allRaw.overdue, currency, q.date, missing);
  let group: Evaluation['group'] = null;
  if (scopes.group) {
    const [m] = await tx.query<{ members: string[] }>('SELECT credit_group_members($1) AS members', [party.id]);
    const members = m?.members ?? [party.id];
    const gRaw = await rawExposure(tx, members, null, q.date);
    const gCur = scopes.group.currency;
    let gParts = await partsIn(tx, gRaw, gCur, await doc(gCur), q.date, missing);
    let gLimit = scopes.group;
    if (gCur !== currency) {
      // Reasons speak one currency: the group scope is converted to the check's currency.
      const c = async (v: bigint) => {
        const r = await convertAt(tx, v, gCur, currency, q.date);
        if (r === null) missing.add(gCur);
        return r ?? 0n;
      };
      gParts = { openMinor: await c(gParts.openMinor), unappliedMinor: await c(gParts.unappliedMinor), ordersMinor: await c(gParts.ordersMinor), documentMinor: await c(gParts.documentMinor) };
      gLimit = { ...gLimit, amountMinor: await c(gLimit.amountMinor), currency };
    }
    group = { limit: gLimit, exposure: gParts, members: members.length };
  }
  const [score] = await tx.query<{ grade: Grade }>('SELECT grade FROM credit_scores WHERE party_id = $1 AND as_of <= $2 ORDER BY as_of DESC LIMIT 1', [party.id, q.date]);
  const rules = (await loadRules(tx))[q.stage];
  const fmt = (m: bigint) => grouped(m, currency, scaleOf(currency));
  const result = evaluateCredit(
    {
      stage: q.stage,
      currency,
      own: scopes.own ? { limit: scopes.own, exposure: ownParts } : null,
      group,
      overdueMinor,
      oldestDaysOverdue: allRaw.oldestDays,
      grade: score?.grade ?? null,
      rules,
    },
    fmt,
  );
  const reasons: Reason[] = [...result.reasons];
  if (missing.size) {
    const list = [...missing].sort().join(', ');
    reasons.push({ code: 'fx_missing', severity: 'warn', zh: `缺少汇率，未计入：${list}`, en: `no exchange rate recorded, not counted: ${list}` });
  }
  return {
    decision: result.decision === 'allow' && missing.size ? 'warn' : result.decision,
    reasons,
    currency,
    own: scopes.own ? { limit: scopes.own, exposure: ownParts } : null,
    group,
    exposure: ownParts,
    overdueMinor,
    oldestDaysOverdue: allRaw.oldestDays,
    grade: score?.grade ?? null,
  };
}

export interface CheckInput {
  partyId?: string;
  partyCode?: string;
  amount: string;
  currency?: string;
  stage?: Stage;
  entity?: string | null;
  date?: string;
  /** Record the order (stage 'order' only) when the check passes: the ERP's order reference. */
  orderRef?: string | null;
}

function partsOut(p: ExposureParts, cur: string) {
  return {
    open: formatAmount(p.openMinor, cur),
    unapplied: formatAmount(p.unappliedMinor, cur),
    orders: formatAmount(p.ordersMinor, cur),
    document: formatAmount(p.documentMinor, cur),
    total: formatAmount(exposureOf(p), cur),
  };
}

export async function creditCheck(tx: Queryable, actor: Actor, input: CheckInput) {
  const party = await visibleParty(tx, input);
  const stage = input.stage ?? 'order';
  const date = input.date ? isoDate(input.date, 'date') : todayIso();
  const docCurrency = currencyCode(input.currency ?? party.credit_currency);
  const documentMinor = money(input.amount, docCurrency, 'amount');
  const entity = input.entity || input.orderRef ? await resolveEntity(tx, input.entity ?? undefined) : null;
  if (input.orderRef && stage !== 'order') throw invalid('order_stage_only', 'orders are recorded at the order stage', 'orderRef');
  // Serialise checks of this customer / group on its limit rows before reading any exposure.
  await tx.query('SELECT credit_lock_limits($1)', [party.id]);
  const ev = await evaluateCustomer(tx, party, { stage, documentMinor, docCurrency, entityId: entity?.id ?? null, date });
  const cur = ev.currency;
  // An approved override (特批) valid today with enough left lets a block through.
  let overrideRow: { id: string; amount_minor: bigint; used_minor: bigint; expires_on: string; reason: string; currency: string } | undefined;
  let final: CheckResult & { overrideUsed: boolean } = { decision: ev.decision, reasons: ev.reasons, overrideUsed: false };
  if (ev.decision === 'block') {
    [overrideRow] = await tx.query(
      `SELECT id, amount_minor, used_minor, expires_on, reason, currency FROM credit_overrides
        WHERE party_id = $1 AND expires_on >= $2 AND used_minor < amount_minor ORDER BY expires_on, created_at LIMIT 1 FOR UPDATE`,
      [party.id, date],
    );
    if (overrideRow) {
      const docInOverride = (await convertAt(tx, documentMinor, docCurrency, overrideRow.currency.trim(), date)) ?? documentMinor + 1n + BigInt(overrideRow.amount_minor);
      final = applyOverride(
        { decision: ev.decision, reasons: ev.reasons },
        { amountMinor: BigInt(overrideRow.amount_minor), usedMinor: BigInt(overrideRow.used_minor), expiresOn: overrideRow.expires_on, reason: overrideRow.reason },
        docInOverride,
        date,
        (m) => grouped(m, overrideRow!.currency.trim(), scaleOf(overrideRow!.currency.trim())),
      );
      if (final.overrideUsed && stage === 'order' && input.orderRef) {
        await tx.query('UPDATE credit_overrides SET used_minor = used_minor + $2 WHERE id = $1', [overrideRow.id, docInOverride]);
      }
    }
  }
  let order: { id: string; externalRef: string } | null = null;
  if (final.decision !== 'block' && input.orderRef && entity) {
    const ref = input.orderRef.trim();
    const dup = await tx.query('SELECT 1 FROM credit_orders WHERE entity_id = $1 AND external_ref = $2', [entity.id, ref]);
    if (dup.length) throw conflict('duplicate_order', `order ${ref} was already recorded`, 'orderRef');
    const [o] = await tx.query<{ id: string }>(
      `INSERT INTO credit_orders (entity_id, external_ref, party_id, amount_minor, currency, order_date, decision, override_id, created_by)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING id`,
      [entity.id, ref, party.id, documentMinor, docCurrency, date, final.decision, final.overrideUsed ? overrideRow!.id : null, createdBy(actor)],
    );
    order = { id: o!.id, externalRef: ref };
    await audit(tx, actor, 'credit_order.create', 'credit_order', o!.id, null, {
      externalRef: ref,
      partyId: party.id,
      entity: entity.code,
      amount: formatAmount(documentMinor, docCurrency),
      currency: docCurrency,
      decision: final.decision,
      overrideId: final.overrideUsed ? overrideRow!.id : null,
    });
  }
  let hold: { id: string; since: string; reasonZh: string; reasonEn: string } | null = null;
  if (final.decision === 'block') {
    hold = await placeHold(tx, actor, {
      partyId: party.id,
      entityId: entity?.id ?? null,
      stage,
      reasons: final.reasons,
      date,
      exposureMinor: exposureOf(ev.own?.exposure ?? ev.exposure),
      limitMinor: ev.own?.limit.amountMinor ?? ev.group?.limit.amountMinor ?? null,
      currency: cur,
    });
  } else {
    await reevaluateHolds(tx, actor, [party.id], date);
  }
  if (!hold) {
    const [open] = await tx.query<{ id: string; since: string; reason_zh: string; reason_en: string }>('SELECT id, since, reason_zh, reason_en FROM credit_holds WHERE party_id = $1 AND released_at IS NULL', [party.id]);
    if (open) hold = { id: open.id, since: open.since, reasonZh: open.reason_zh, reasonEn: open.reason_en };
  }
  const limit = ev.own?.limit ?? null;
  const result = {
    decision: final.decision,
    stage,
    date,
    customer: { id: party.id, code: party.code, name: party.name },
    currency: cur,
    amount: formatAmount(documentMinor, docCurrency),
    amountCurrency: docCurrency,
    exposure: partsOut(ev.own?.exposure ?? ev.exposure, cur),
    limit: limit ? limitOut(limit) : null,
    // Available before this document: limit − (exposure − document).
    available: limit ? formatAmount(limit.amountMinor - exposureOf(ev.own!.exposure) + ev.own!.exposure.documentMinor, cur) : null,
    group: ev.group ? { limit: limitOut(ev.group.limit), exposure: partsOut(ev.group.exposure, cur), members: ev.group.members, available: formatAmount(ev.group.limit.amountMinor - exposureOf(ev.group.exposure) + ev.group.exposure.documentMinor, cur) } : null,
    overdue: formatAmount(ev.overdueMinor, cur),
    oldestDaysOverdue: ev.oldestDaysOverdue,
    grade: ev.grade,
    reasons: final.reasons,
    overrideUsed: final.overrideUsed ? { id: overrideRow!.id, expiresOn: overrideRow!.expires_on } : null,
    order,
    hold,
    text: { zh: final.reasons.map((r) => r.zh).join('；'), en: final.reasons.map((r) => r.en).join('; ') },
  };
  await audit(tx, actor, 'credit.check', 'party', party.id, null, {
    stage,
    date,
    amount: result.amount,
    currency: docCurrency,
    decision: final.decision,
    reasons: final.reasons.map((r) => r.code),
    exposure: result.exposure.total,
    orderRef: order?.externalRef ?? null,
    overrideId: result.overrideUsed?.id ?? null,
  });
  return result;
}

export type CreditCheckResult = Awaited<ReturnType<typeof creditCheck>>;

/** ERP: an order is released (cancelled) or invoiced — it no longer counts as an open order. */
export async function closeOrder(tx: Queryable, actor: Actor, ref: { id?: string; externalRef?: string; entity?: string }, status: 'released' | 'invoiced') {
  const entity = ref.id ? null : await resolveEntity(tx, ref.entity);
  const [o] = await tx.query<{ id: string; party_id: string; status: string; external_ref: string }>(
    ref.id
      ? 'SELECT id, party_id, status, external_ref FROM credit_orders WHERE id = $1 FOR UPDATE'
      : 'SELECT id, party_id, status, external_ref FROM credit_orders WHERE entity_id = $1 AND external_ref = $2 FOR UPDATE',
    ref.id ? [ref.id] : [entity!.id, ref.externalRef],
  );
  if (!o) throw notFound('order', ref.id ? 'id' : 'externalRef');
  if (o.status !== 'open') throw conflict('order_closed', `order ${o.external_ref} is already ${o.status}`);
  await tx.query('UPDATE credit_orders SET status = $2, closed_at = now() WHERE id = $1', [o.id, status]);
  await audit(tx, actor, status === 'released' ? 'credit_order.release' : 'credit_order.invoice', 'credit_order', o.id, { status: 'open' }, { status });
  // Less exposure: the customer may be back within the rules.
  await reevaluateHolds(tx, actor, [o.party_id]);
  return { id: o.id, externalRef: o.external_ref, status };
}

export async function listOrders(tx: Queryable, filter: { partyId?: string; status?: string } = {}) {
  const rows = await tx.query<{ id: string; external_ref: string; party_id: string; code: string; name: string; entity: string; amount_minor: bigint; currency: string; order_date: string; status: string; decision: string }>(
    `SELECT o.id, o.external_ref, o.party_id, p.code, p.name, e.code AS entity, o.amount_minor, o.currency, o.order_date, o.status, o.decision
       FROM credit_orders o JOIN parties p ON p.id = o.party_id JOIN entities e ON e.id = o.entity_id
      WHERE ($1::uuid IS NULL OR o.party_id = $1) AND ($2::text IS NULL OR o.status = $2) ORDER BY o.created_at DESC LIMIT 500`,
    [filter.partyId ?? null, filter.status ?? null],
  );
  return rows.map((o) => ({
    id: o.id,
    externalRef: o.external_ref,
    customer: { id: o.party_id, code: o.code, name: o.name },
    entity: o.entity,
    amount: formatAmount(BigInt(o.amount_minor), o.currency.trim()),
    currency: o.currency.trim(),
    orderDate: o.order_date,
    status: o.status,
    decision: o.decision,
  }));
}
