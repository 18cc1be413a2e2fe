/**
 * Credit limits (信用额度) on the database: per customer, per customer and legal entity, group
 * limits shared by a parent and its subsidiaries, temporary limits with an expiry; the rules per
 * stage; the recommended limit. A limit change goes through an approval when a 'credit_limit'
 * approval chain is configured, and applies directly otherwise. Every change is audited.
 */
import type { Queryable } from '../../db/database';
import { addMonths, todayIso } from '../../domain/dates';
import { type CreditLimit, DEFAULT_RULES, type RuleSet, recommendedLimit, type Stage, STAGES, type StageRules } from '../../domain/credit/limits';
import type { Grade } from '../../domain/credit/scorecard';
import { convert, formatAmount, scaleOf } from '../../domain/money';
import { type Actor, createdBy, requireLedgerWriter, requireRole } from '../actor';
import { approvalConfigured, requestApproval } from '../approvals/approvals';
import type { ApprovedRequest } from '../approvals/handlers';
import { audit } from '../audit';
import { invalid, notFound } from '../errors';
import { currencyCode, isoDate, money, resolveEntity } from '../ledger/input';

interface LimitRow {
  id: string;
  party_id: string;
  entity_id: string | null;
  is_group: boolean;
  kind: 'permanent' | 'temporary';
  amount_minor: bigint;
  currency: string;
  valid_from: string;
  expires_on: string | null;
  note?: string | null;
}

export function limitFromRow(r: LimitRow): CreditLimit {
  return {
    id: r.id,
    partyId: r.party_id,
    entityId: r.entity_id,
    isGroup: r.is_group,
    kind: r.kind,
    amountMinor: BigInt(r.amount_minor),
    currency: r.currency.trim(),
    validFrom: r.valid_from,
    expiresOn: r.expires_on,
  };
}

export function limitOut(l: CreditLimit & { note?: string | null; entityCode?: string | null; partyCode?: string | null }) {
  return {
    id: l.id,
    partyId: l.partyId,
    partyCode: l.partyCode ?? null,
    entityId: l.entityId,
    entity: l.entityCode ?? null,
    group: l.isGroup,
    kind: l.kind,
    amount: formatAmount(l.amountMinor, l.currency),
    currency: l.currency,
    validFrom: l.validFrom,
    expiresOn: l.expiresOn,
    note: l.note ?? null,
  };
}

/** Limits of a customer (and the group limit of its parent) that are not ended, through the definer function. */
export async function limitsFor(tx: Queryable, partyId: string): Promise<CreditLimit[]> {
  const rows = await tx.query<LimitRow>('SELECT * FROM credit_limits_for($1)', [partyId]);
  return rows.map(limitFromRow);
}

export async function listLimits(tx: Queryable, filter: { partyId?: string } = {}) {
  const rows = await tx.query<LimitRow & { entity_code: string | null; party_code: string; note: string | null }>(
    `SELECT l.*, e.code AS entity_code, p.code AS party_code FROM credit_limits l JOIN parties p ON p.id = l.party_id
       LEFT JOIN entities e ON e.id = l.entity_id
      WHERE l.ended_at IS NULL AND ($1::uuid IS NULL OR l.party_id = $1) ORDER BY p.code, l.is_group, l.entity_id NULLS FIRST, l.kind`,
    [filter.partyId ?? null],
  );
  return rows.map((r) => limitOut({ ...limitFromRow(r), note: r.note, entityCode: r.entity_code, partyCode: r.party_code }));
}

export interface LimitInput {
  partyId: string;
  entity?: string | null;
  group?: boolean;
  kind?: 'permanent' | 'temporary';
  amount: string;
  currency?: string;
  validFrom?: string;
  expiresOn?: string | null;
  note?: string | null;
  /** Why (required when the change goes through an approval). */
  reason?: string | null;
}

interface LimitPayload {
  action: 'set' | 'end';
  partyId: string;
  entityId: string | null;
  isGroup: boolean;
  kind: 'permanent' | 'temporary';
  amountMinor: string;
  currency: string;
  validFrom: string;
  expiresOn: string | null;
  note: string | null;
  limitId?: string;
}

async function visibleCustomer(tx: Queryable, partyId: string) {
  const [p] = await tx.query<{ id: string; code: string; name: string; credit_currency: string; parent_id: string | null; payment_terms_days: number }>(
    'SELECT id, code, name, credit_currency, parent_id, payment_terms_days FROM parties WHERE id = $1 AND is_customer',
    [partyId],
  );
  if (!p) throw notFound('customer', 'partyId');
  return { ...p, credit_currency: p.credit_currency.trim() };
}

/** Sets (creates or replaces) a limit; through an approval when one is configured for 'credit_limit'. */
export async function setLimit(tx: Queryable, actor: Actor, input: LimitInput) {
  requireLedgerWriter(actor);
  const party = await visibleCustomer(tx, input.partyId);
  const currency = currencyCode(input.currency ?? party.credit_currency);
  const amountMinor = money(input.amount, currency, 'amount');
  const kind = input.kind ?? 'permanent';
  const validFrom = input.validFrom ? isoDate(input.validFrom, 'validFrom') : todayIso();
  const expiresOn = input.expiresOn ? isoDate(input.expiresOn, 'expiresOn') : null;
  if (kind === 'temporary' && !expiresOn) throw invalid('expiry_required', 'a temporary limit needs expiresOn', 'expiresOn');
  if (expiresOn && expiresOn < validFrom) throw invalid('invalid_range', 'expiresOn must not be before validFrom', 'expiresOn');
  const isGroup = input.group ?? false;
  if (isGroup && input.entity) throw invalid('group_limit_entity', 'a group limit covers every entity', 'entity');
  if (isGroup && party.parent_id) throw invalid('group_limit_on_parent', 'a group limit belongs to the parent company', 'group');
  const entityId = input.entity ? (await resolveEntity(tx, input.entity)).id : null;
  const payload: LimitPayload = { action: 'set', partyId: party.id, entityId, isGroup, kind, amountMinor: amountMinor.toString(), currency, validFrom, expiresOn, note: input.note ?? null };
  if (await approvalConfigured(tx, 'credit_limit')) {
    const request = await requestApproval(tx, actor, {
      documentType: 'credit_limit',
      partyId: party.id,
      entityId,
      amountMinor,
      currency,
      title: `${party.code} ${party.name}: ${isGroup ? '集团' : ''}${kind === 'temporary' ? '临时' : ''}额度 ${formatAmount(amountMinor, currency)} ${currency}`,
      reason: input.reason?.trim() || input.note?.trim() || '额度调整 / limit change',
      payload: payload as unknown as Record<string, unknown>,
    });
    return { status: 'pending_approval' as const, approval: request, limit: null };
  }
  const limit = await applyLimitPayload(tx, actor, payload, null);
  return { status: 'applied' as const, approval: null, limit };
}

/** Ends a limit (removal is a change too: through an approval when configured). */
export async function endLimit(tx: Queryable, actor: Actor, limitId: string, reason?: string | null) {
  requireLedgerWriter(actor);
  const [row] = await tx.query<LimitRow>('SELECT * FROM credit_limits WHERE id = $1 AND ended_at IS NULL', [limitId]);
  if (!row) throw notFound('credit limit', 'id');
  const l = limitFromRow(row);
  const payload: LimitPayload = { action: 'end', limitId, partyId: l.partyId, entityId: l.entityId, isGroup: l.isGroup, kind: l.kind, amountMinor: '0', currency: l.currency, validFrom: l.validFrom, expiresOn: l.expiresOn, note: null };
  if (await approvalConfigured(tx, 'credit_limit')) {
    const request = await requestApproval(tx, actor, {
      documentType: 'credit_limit',
      partyId: l.partyId,
      entityId: l.entityId,
      amountMinor: 0n,
      currency: l.currency,
      title: `取消额度 / remove limit ${formatAmount(l.amountMinor, l.currency)} ${l.currency}`,
      reason: reason?.trim() || '取消额度 / remove limit',
      payload: payload as unknown as Record<string, unknown>,
    });
    return { status: 'pending_approval' as const, approval: request };
  }
  await applyLimitPayload(tx, actor, payload, null);
  return { status: 'applied' as const, approval: null };
}

async function applyLimitPayload(tx: Queryable, actor: Actor, p: LimitPayload, approvalRequestId: string | null) {
  if (p.action === 'end') {
    const [before] = await tx.query<LimitRow>('UPDATE credit_limits SET ended_at = now() WHERE id = $1 AND ended_at IS NULL RETURNING *', [p.limitId]);
    if (!before) throw notFound('credit limit', 'id');
    await audit(tx, actor, 'credit_limit.end', 'credit_limit', before.id, limitOut(limitFromRow(before)), { ended: true, approvalRequestId });
    return null;
  }
  const [old] = await tx.query<LimitRow>(
    `UPDATE credit_limits SET ended_at = now()
      WHERE party_id = $1 AND entity_id IS NOT DISTINCT FROM $2 AND is_group = $3 AND kind = $4 AND ended_at IS NULL RETURNING *`,
    [p.partyId, p.entityId, p.isGroup, p.kind],
  );
  const [row] = await tx.query<LimitRow>(
    `INSERT INTO credit_limits (party_id, entity_id, is_group, kind, amount_minor, currency, valid_from, expires_on, note, approval_request_id, created_by)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) RETURNING *`,
    [p.partyId, p.entityId, p.isGroup, p.kind, BigInt(p.amountMinor), p.currency, p.validFrom, p.expiresOn, p.note, approvalRequestId, createdBy(actor)],
  );
  const out = limitOut({ ...limitFromRow(row!), note: row!.note ?? null });
  await audit(tx, actor, 'credit_limit.set', 'credit_limit', row!.id, old ? limitOut(limitFromRow(old)) : null, { ...out, approvalRequestId });
  return out;
}

export async function applyApprovedLimit(tx: Queryable, actor: Actor, request: ApprovedRequest): Promise<Record<string, unknown>> {
  const limit = await applyLimitPayload(tx, actor, request.payload as unknown as LimitPayload, request.id);
  return { applied: true, limit };
}

// ---- rules per stage ---------------------------------------------------------------------------

type StoredRules = Omit<StageRules, 'overdueWarnOverMinor' | 'overdueBlockOverMinor'> & { overdueWarnOverMinor: string | null; overdueBlockOverMinor: string | null };

export async function loadRules(tx: Queryable): Promise<RuleSet> {
  const rows = await tx.query<{ stage: Stage; rules: StoredRules }>('SELECT stage, rules FROM credit_stage_rules');
  const set: RuleSet = { ...DEFAULT_RULES };
  for (const r of rows) {
    set[r.stage] = {
      ...DEFAULT_RULES[r.stage],
      ...r.rules,
      overdueWarnOverMinor: r.rules.overdueWarnOverMinor === null ? null : BigInt(r.rules.overdueWarnOverMinor),
      overdueBlockOverMinor: r.rules.overdueBlockOverMinor === null ? null : BigInt(r.rules.overdueBlockOverMinor),
    };
  }
  return set;
}

export function rulesOut(rules: RuleSet, currency = 'CNY') {
  const amt = (m: bigint | null) => (m === null ? null : formatAmount(m, currency));
  return Object.fromEntries(STAGES.map((s) => [s, { ...rules[s], overdueWarnOver: amt(rules[s].overdueWarnOverMinor), overdueBlockOver: amt(rules[s].overdueBlockOverMinor), overdueWarnOverMinor: undefined, overdueBlockOverMinor: undefined }]));
}

export interface StageRulesInput {
  exposure: 'off' | 'warn' | 'block';
  warnAtPercent: number | null;
  overdueWarnOver: string | null;
  overdueBlockOver: string | null;
  oldestDaysWarnOver: number | null;
  oldestDaysBlockOver: number | null;
  gradesWarn: Grade[];
  gradesBlock: Grade[];
}

export async function setStageRules(tx: Queryable, actor: Actor, stage: Stage, input: StageRulesInput, currency = 'CNY') {
  requireRole(actor, 'admin', 'finance');
  const before = (await loadRules(tx))[stage];
  const stored: StoredRules = {
    exposure: input.exposure,
    warnAtPercent: input.warnAtPercent,
    overdueWarnOverMinor: input.overdueWarnOver === null ? null : money(input.overdueWarnOver, currency, 'overdueWarnOver').toString(),
    overdueBlockOverMinor: input.overdueBlockOver === null ? null : money(input.overdueBlockOver, currency, 'overdueBlockOver').toString(),
    oldestDaysWarnOver: input.oldestDaysWarnOver,
    oldestDaysBlockOver: input.oldestDaysBlockOver,
    gradesWarn: input.gradesWarn,
    gradesBlock: input.gradesBlock,
  };
  await tx.query(
    `INSERT INTO credit_stage_rules (stage, rules, updated_by) VALUES ($1, $2::jsonb, $3)
     ON CONFLICT (stage) DO UPDATE SET rules = EXCLUDED.rules, updated_by = EXCLUDED.updated_by, updated_at = now()`,
    [stage, JSON.stringify(stored), createdBy(actor)],
  );
  await audit(tx, actor, 'credit_rules.set', 'credit_rules', stage, { ...before, overdueWarnOverMinor: before.overdueWarnOverMinor?.toString() ?? null, overdueBlockOverMinor: before.overdueBlockOverMinor?.toString() ?? null }, stored);
  return rulesOut(await loadRules(tx), currency);
}

// ---- currency ----------------------------------------------------------------------------------

/** Converts with the latest recorded rate on or before the date (direct or inverse); null when none. */
export async function convertAt(tx: Queryable, minor: bigint, from: string, to: string, date: string): Promise<bigint | null> {
  if (from === to || minor === 0n) return minor;
  const [direct] = await tx.query<{ rate: string }>(
    'SELECT rate::text AS rate FROM fx_rates WHERE base_currency = $1 AND quote_currency = $2 AND rate_date <= $3 ORDER BY rate_date DESC LIMIT 1',
    [from, to, date],
  );
  if (direct) return convert(minor, from, to, direct.rate);
  const [inverse] = await tx.query<{ rate: string }>(
    'SELECT rate::text AS rate FROM fx_rates WHERE base_currency = $1 AND quote_currency = $2 AND rate_date <= $3 ORDER BY rate_date DESC LIMIT 1',
    [to, from, date],
  );
  if (!inverse) return null;
  // amount_to = amount_from ÷ rate, rounded half away from zero, exactly.
  const [whole, frac = ''] = inverse.rate.split('.');
  const rateInt = BigInt(whole! + frac);
  const rateScale = 10n ** BigInt(frac.length);
  const shift = scaleOf(to) - scaleOf(from);
  let num = minor * rateScale;
  let den = rateInt;
  if (shift >= 0) num *= 10n ** BigInt(shift);
  else den *= 10n ** BigInt(-shift);
  const neg = num < 0n;
  const a = neg ? -num : num;
  const q = (a * 2n + den) / (2n * den);
  return neg ? -q : q;
}

// ---- recommended limit -------------------------------------------------------------------------

export async function recommendLimit(tx: Queryable, partyId: string, date = todayIso()) {
  const party = await visibleCustomer(tx, partyId);
  const currency = party.credit_currency;
  const from = addMonths(date, -12);
  const sums = await tx.query<{ currency: string; total: bigint }>(
    `SELECT currency, coalesce(sum(total_minor), 0)::bigint AS total FROM invoices
      WHERE party_id = $1 AND side = 'AR' AND kind = 'invoice' AND issue_date > $2 AND issue_date <= $3 GROUP BY currency`,
    [partyId, from, date],
  );
  let volume = 0n;
  for (const s of sums) volume += (await convertAt(tx, BigInt(s.total), s.currency.trim(), currency, date)) ?? 0n;
  const [score] = await tx.query<{ grade: Grade; score: number; as_of: string }>(
    'SELECT grade, score, as_of FROM credit_scores WHERE party_id = $1 AND as_of <= $2 ORDER BY as_of DESC LIMIT 1',
    [partyId, date],
  );
  const r = recommendedLimit({ volume12mMinor: volume, paymentTermsDays: party.payment_terms_days, grade: score?.grade ?? null, scale: scaleOf(currency) });
  return {
    currency,
    recommended: formatAmount(r.amountMinor, currency),
    volume12m: formatAmount(volume, currency),
    need: formatAmount(r.needMinor, currency),
    paymentTermsDays: party.payment_terms_days,
    grade: score?.grade ?? null,
    score: score?.score ?? null,
    factorPercent: r.factorPercent,
    formula: { zh: r.zh, en: r.en },
  };
}
