/**
 * Collections use cases for the API and CLI: policies, calendar, robots, promises to pay,
 * do-not-contact, the action list and the collector worklist. Each runs in the caller's scoped
 * transaction (withActor) and audits every change.
 */
import type { Queryable } from '../db/database';
import type { CalendarDayKind } from '../domain/dunning/calendar';
import { type Channel, type DunningLevel, ESCALATIONS, TASK_ROLES, TEMPLATES } from '../domain/dunning/policy';
import { evaluatePromise } from '../domain/dunning/promises';
import { isValidTimeZone } from '../domain/dunning/window';
import { rankWorklist, type WorklistEntry } from '../domain/dunning/worklist';
import { convert, formatAmount, parseAmount } from '../domain/money';
import { type Actor, createdBy, requireRole } from '../services/actor';
import { audit } from '../services/audit';
import { invalid, notFound } from '../services/errors';
import { installmentBalancesCte } from '../services/ledger/balances';
import { loadPolicies, type StoredPolicy } from './config';

const CONFIG_ROLES = ['admin', 'finance', 'manager'] as const;
const COLLECT_ROLES = ['admin', 'finance', 'manager', 'collector', 'sales', 'legal'] as const;

export function policyJson(p: StoredPolicy) {
  return {
    id: p.id,
    code: p.code,
    name: p.name,
    priority: p.priority,
    active: p.active,
    match: {
      regions: p.match.regions,
      industries: p.match.industries,
      riskGrades: p.match.riskGrades,
      minOpenAmount: p.match.minOpenMinor === null ? null : formatAmount(p.match.minOpenMinor, p.match.currency),
      currency: p.match.currency,
    },
    cap: p.cap,
    sendWindow: { start: hhmm(p.window.startMinute), end: hhmm(p.window.endMinute) },
    businessDaysOnly: p.businessDaysOnly,
    levels: p.levels,
    updatedAt: p.updatedAt,
  };
}

function hhmm(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
}

function minuteOf(text: string, field: string): number {
  const m = /^(\d{2}):(\d{2})$/.exec(text);
  if (!m || Number(m[1]) > 24 || Number(m[2]) > 59 || (Number(m[1]) === 24 && Number(m[2]) > 0)) throw invalid('invalid_time', 'expected HH:MM', field);
  return Number(m[1]) * 60 + Number(m[2]);
}

export async function listPolicies(tx: Queryable) {
  return (await loadPolicies(tx)).map(policyJson);
}

export interface PolicyInput {
  code?: string;
  name?: string;
  priority?: number;
  active?: boolean;
  match?: {
    regions?: string[] | null;
    industries?: string[] | null;
    riskGrades?: string[] | null;
    minOpenAmount?: string | null;
    currency?: string;
  };
  cap?: { maxContacts: number; windowDays: number; minGapDays: number };
  sendWindow?: { start: string; end: string };
  businessDaysOnly?: boolean;
  levels?: DunningLevel[];
}

function checkLevels(levels: DunningLevel[]): void {
  if (levels.length === 0) throw invalid('levels_required', 'a policy needs at least one level', 'levels');
  const codes = new Set<string>();
  const offsets = new Set<number>();
  for (const l of levels) {
    if (codes.has(l.code)) throw invalid('duplicate_level', `level ${l.code} appears twice`, 'levels');
    if (offsets.has(l.offsetDays)) throw invalid('duplicate_offset', `two levels at day ${l.offsetDays}`, 'levels');
    codes.add(l.code);
    offsets.add(l.offsetDays);
    if (!TEMPLATES.includes(l.template)) throw invalid('unknown_template', `unknown template ${l.template}`, 'levels');
    if (l.taskRole && !TASK_ROLES.includes(l.taskRole)) throw invalid('unknown_role', `unknown task role ${l.taskRole}`, 'levels');
    if (l.escalation && !ESCALATIONS.includes(l.escalation)) throw invalid('unknown_escalation', `unknown escalation ${l.escalation}`, 'levels');
  }
}

async function writeLevels(tx: Queryable, policyId: string, levels: DunningLevel[]): Promise<void> {
  await tx.query('DELETE FROM dunning_levels WHERE policy_id = $1', [policyId]);
  for (const l of levels) {
    await tx.query(
      `INSERT INTO dunning_levels (policy_id, code, offset_days, name_zh, name_en, channels, template, task_role, escalation)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [policyId, l.code, l.offsetDays, l.nameZh, l.nameEn, l.channels as Channel[], l.template, l.taskRole, l.escalation],
    );
  }
}

export async function createPolicy(tx: Queryable, actor: Actor, input: PolicyInput & { code: string; name: string; levels: DunningLevel[] }) {
  requireRole(actor, ...CONFIG_ROLES);
  checkLevels(input.levels);
  const [row] = await tx.query<{ id: string }>(
    `INSERT INTO dunning_policies (code, name, priority, active) VALUES ($1, $2, $3, $4) RETURNING id`,
    [input.code, input.name, input.priority ?? 100, input.active ?? true],
  );
  return updatePolicy(tx, actor, row!.id, { ...input, code: undefined, name: undefined }, true);
}

export async function updatePolicy(tx: Queryable, actor: Actor, id: string, input: PolicyInput, created = false) {
  requireRole(actor, ...CONFIG_ROLES);
  const [before] = await loadPolicies(tx, id);
  if (!before) throw notFound('policy');
  const m = input.match;
  const currency = m?.currency ?? before.match.currency;
  const minOpen = m && 'minOpenAmount' in m ? (m.minOpenAmount == null ? null : parseAmount(m.minOpenAmount, currency)) : before.match.minOpenMinor;
  const start = input.sendWindow ? minuteOf(input.sendWindow.start, 'sendWindow.start') : before.window.startMinute;
  const end = input.sendWindow ? minuteOf(input.sendWindow.end, 'sendWindow.end') : before.window.endMinute;
  if (end <= start) throw invalid('empty_window', 'the send window must end after it starts', 'sendWindow');
  await tx.query(
    `UPDATE dunning_policies SET name = $2, priority = $3, active = $4, match_regions = $5, match_industries = $6, match_risk_grades = $7,
            match_min_open_minor = $8, match_currency = $9, cap_max_contacts = $10, cap_window_days = $11, cap_min_gap_days = $12,
            send_start_minute = $13, send_end_minute = $14, business_days_only = $15, updated_at = now()
      WHERE id = $1`,
    [
      id,
      input.name ?? before.name,
      input.priority ?? before.priority,
      input.active ?? before.active,
      m && 'regions' in m ? m.regions : before.match.regions,
      m && 'industries' in m ? m.industries : before.match.industries,
      m && 'riskGrades' in m ? m.riskGrades : before.match.riskGrades,
      minOpen,
      currency,
      input.cap?.maxContacts ?? before.cap.maxContacts,
      input.cap?.windowDays ?? before.cap.windowDays,
      input.cap?.minGapDays ?? before.cap.minGapDays,
      start,
      end,
      input.businessDaysOnly ?? before.businessDaysOnly,
    ],
  );
  if (input.levels) {
    checkLevels(input.levels);
    await writeLevels(tx, id, input.levels);
  }
  const [after] = await loadPolicies(tx, id);
  await audit(tx, actor, created ? 'dunning_policy.create' : 'dunning_policy.update', 'dunning_policy', id, created ? null : policyJson(before), policyJson(after!));
  return policyJson(after!);
}

// ---- calendar --------------------------------------------------------------------------------

export async function listCalendar(tx: Queryable, year?: number) {
  return tx.query<{ day: string; kind: CalendarDayKind; name: string }>(
    `SELECT day, kind, name FROM business_calendar WHERE ($1::integer IS NULL OR extract(year FROM day) = $1) ORDER BY day`,
    [year ?? null],
  );
}

export async function setCalendarDay(tx: Queryable, actor: Actor, input: { day: string; kind: CalendarDayKind | null; name?: string }) {
  requireRole(actor, ...CONFIG_ROLES);
  const [before] = await tx.query('SELECT day, kind, name FROM business_calendar WHERE day = $1', [input.day]);
  if (input.kind === null) {
    await tx.query('DELETE FROM business_calendar WHERE day = $1', [input.day]);
  } else {
    await tx.query(
      `INSERT INTO business_calendar (day, kind, name) VALUES ($1, $2, $3)
       ON CONFLICT (day) DO UPDATE SET kind = EXCLUDED.kind, name = EXCLUDED.name`,
      [input.day, input.kind, input.name ?? (input.kind === 'holiday' ? '假日' : '调休上班')],
    );
  }
  const after = input.kind === null ? null : { day: input.day, kind: input.kind, name: input.name ?? null };
  await audit(tx, actor, 'business_calendar.set', 'business_calendar', input.day, before ?? null, after);
  return after ?? { day: input.day, kind: null };
}

// ---- robots ----------------------------------------------------------------------------------

export async function addRobot(
  tx: Queryable,
  actor: Actor,
  input: { kind: 'wecom' | 'dingtalk'; name: string; webhookUrl: string; secret?: string | null; regions?: string[] | null; perMinute?: number },
) {
  requireRole(actor, 'admin', 'finance');
  if (!/^https?:\/\/\S+$/i.test(input.webhookUrl)) throw invalid('invalid_url', 'the webhook must be an http(s) URL', 'webhookUrl');
  const [row] = await tx.query<{ id: string }>(
    `INSERT INTO collection_robots (kind, name, webhook_url, secret, regions, per_minute) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
    [input.kind, input.name, input.webhookUrl, input.secret ?? null, input.regions ?? null, input.perMinute ?? 20],
  );
  const out = { id: row!.id, kind: input.kind, name: input.name, regions: input.regions ?? null, perMinute: input.perMinute ?? 20 };
  await audit(tx, actor, 'collection_robot.create', 'collection_robot', row!.id, null, { ...out, signed: !!input.secret });
  return out;
}

export async function listRobots(tx: Queryable) {
  return tx.query('SELECT id, kind, name, regions, per_minute AS "perMinute", active FROM collection_robots ORDER BY created_at');
}

// ---- promises and do-not-contact ----------------------------------------------------------------

export interface PromiseInput {
  partyId: string;
  amount: string;
  currency: string;
  promisedDate: string;
  madeOn: string;
  installmentIds?: string[] | null;
  note?: string | null;
}

export async function createPromise(tx: Queryable, actor: Actor, input: PromiseInput) {
  requireRole(actor, ...COLLECT_ROLES);
  const [party] = await tx.query<{ id: string; name: string }>('SELECT id, name FROM parties WHERE id = $1 AND is_customer', [input.partyId]);
  if (!party) throw notFound('customer');
  const amount = parseAmount(input.amount, input.currency);
  if (amount <= 0n) throw invalid('amount_not_positive', 'a promise needs a positive amount', 'amount');
  if (input.promisedDate < input.madeOn) throw invalid('promise_in_past', 'the promised date is before the day it was made', 'promisedDate');
  if (input.installmentIds?.length) {
    const found = await tx.query(
      `SELECT n.id FROM installments n JOIN invoices i ON i.id = n.invoice_id WHERE n.id = ANY ($1::uuid[]) AND i.party_id = $2`,
      [input.installmentIds, input.partyId],
    );
    if (found.length !== new Set(input.installmentIds).size) throw invalid('unknown_installment', 'an installment is not this customer’s', 'installmentIds');
  }
  const [row] = await tx.query<{ id: string }>(
    `INSERT INTO payment_promises (party_id, amount_minor, currency, made_on, promised_date, installment_ids, note, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
    [input.partyId, amount, input.currency, input.madeOn, input.promisedDate, input.installmentIds?.length ? input.installmentIds : null, input.note ?? null, createdBy(actor)],
  );
  const out = { id: row!.id, partyId: input.partyId, amount: formatAmount(amount, input.currency), currency: input.currency, madeOn: input.madeOn, promisedDate: input.promisedDate, installmentIds: input.installmentIds ?? null, note: input.note ?? null };
  await audit(tx, actor, 'promise.create', 'party', input.partyId, null, out);
  return out;
}

export async function listPromises(tx: Queryable, opts: { partyId?: string | null; asOf: string }) {
  const rows = await tx.query<{
    id: string;
    party_id: string;
    party_name: string;
    amount_minor: bigint;
    currency: string;
    made_on: string;
    promised_date: string;
    cancelled_on: string | null;
    installment_ids: string[] | null;
    note: string | null;
  }>(
    `SELECT pp.id, pp.party_id, p.name AS party_name, pp.amount_minor, pp.currency, pp.made_on, pp.promised_date, pp.cancelled_on, pp.installment_ids, pp.note
       FROM payment_promises pp JOIN parties p ON p.id = pp.party_id
      WHERE ($1::uuid IS NULL OR pp.party_id = $1) ORDER BY pp.promised_date DESC, pp.created_at DESC LIMIT 500`,
    [opts.partyId ?? null],
  );
  const receipts = await tx.query<{ party_id: string; receipt_date: string; currency: string; amount_minor: bigint }>(
    `SELECT party_id, receipt_date, currency, amount_minor FROM receipts WHERE side = 'AR' AND party_id = ANY ($1::uuid[])`,
    [[...new Set(rows.map((r) => r.party_id))]],
  );
  return rows.map((r) => {
    const ev = evaluatePromise(
      { amountMinor: r.amount_minor, currency: r.currency, madeOn: r.made_on, promisedDate: r.promised_date, cancelledOn: r.cancelled_on },
      receipts.filter((x) => x.party_id === r.party_id).map((x) => ({ date: x.receipt_date, currency: x.currency, amountMinor: x.amount_minor })),
      opts.asOf,
    );
    return {
      id: r.id,
      partyId: r.party_id,
      partyName: r.party_name,
      amount: formatAmount(r.amount_minor, r.currency),
      currency: r.currency,
      madeOn: r.made_on,
      promisedDate: r.promised_date,
      installmentIds: r.installment_ids,
      note: r.note,
      state: ev.state,
      received: formatAmount(ev.receivedMinor, r.currency),
      keptOn: ev.keptOn,
    };
  });
}

export async function setDoNotContact(tx: Queryable, actor: Actor, partyId: string, input: { doNotContact: boolean; reason?: string | null }) {
  requireRole(actor, ...CONFIG_ROLES, 'collector', 'legal');
  const [before] = await tx.query<{ do_not_contact: boolean; do_not_contact_reason: string | null }>(
    'SELECT do_not_contact, do_not_contact_reason FROM parties WHERE id = $1',
    [partyId],
  );
  if (!before) throw notFound('customer');
  const reason = input.doNotContact ? (input.reason?.trim() || null) : null;
  await tx.query('UPDATE parties SET do_not_contact = $2, do_not_contact_reason = $3, updated_at = now() WHERE id = $1', [partyId, input.doNotContact, reason]);
  await audit(tx, actor, 'party.do_not_contact', 'party', partyId, { doNotContact: before.do_not_contact, reason: before.do_not_contact_reason }, { doNotContact: input.doNotContact, reason });
  return { partyId, doNotContact: input.doNotContact, reason };
}

export async function setContactPreferences(tx: Queryable, actor: Actor, partyId: string, input: { timeZone?: string; locale?: 'zh-CN' | 'en-US' }) {
  requireRole(actor, ...CONFIG_ROLES, 'collector');
  if (input.timeZone && !isValidTimeZone(input.timeZone)) throw invalid('invalid_time_zone', `unknown time zone ${input.timeZone}`, 'timeZone');
  const [before] = await tx.query<{ time_zone: string; contact_locale: string }>('SELECT time_zone, contact_locale FROM parties WHERE id = $1', [partyId]);
  if (!before) throw notFound('customer');
  const after = { timeZone: input.timeZone ?? before.time_zone, locale: input.locale ?? before.contact_locale };
  await tx.query('UPDATE parties SET time_zone = $2, contact_locale = $3, updated_at = now() WHERE id = $1', [partyId, after.timeZone, after.locale]);
  await audit(tx, actor, 'party.contact_preferences', 'party', partyId, { timeZone: before.time_zone, locale: before.contact_locale }, after);
  return { partyId, ...after };
}

// ---- actions ---------------------------------------------------------------------------------

export async function listActions(tx: Queryable, q: { partyId?: string | null; status?: string | null; limit?: number }) {
  const rows = await tx.query<{
    id: string;
    party_id: string;
    code: string;
    name: string;
    level_code: string;
    level_offset: number;
    channel: string;
    robot_id: string | null;
    local_date: string;
    status: string;
    not_before: Date;
    attempts: number;
    sent_at: Date | null;
    last_error: string | null;
    message_id: string | null;
    items: unknown;
  }>(
    `SELECT a.id, a.party_id, p.code, p.name, a.level_code, a.level_offset, a.channel, a.robot_id, a.local_date, a.status, a.not_before,
            a.attempts, a.sent_at, a.last_error, a.message_id, a.items
       FROM dunning_actions a JOIN parties p ON p.id = a.party_id
      WHERE ($1::uuid IS NULL OR a.party_id = $1) AND ($2::text IS NULL OR a.status = $2)
      ORDER BY a.created_at DESC, a.id LIMIT $3`,
    [q.partyId ?? null, q.status ?? null, q.limit ?? 200],
  );
  return rows.map((r) => ({
    id: r.id,
    customer: { id: r.party_id, code: r.code, name: r.name },
    level: r.level_code,
    levelOffset: r.level_offset,
    channel: r.channel,
    robotId: r.robot_id,
    localDate: r.local_date,
    status: r.status,
    notBefore: new Date(r.not_before).toISOString(),
    attempts: r.attempts,
    sentAt: r.sent_at ? new Date(r.sent_at).toISOString() : null,
    lastError: r.last_error,
    messageId: r.message_id,
    items: r.items,
  }));
}

// ---- worklist --------------------------------------------------------------------------------

export async function worklist(tx: Queryable, actor: Actor, q: { asOf: string; limit?: number; currency?: string }) {
  requireRole(actor, ...COLLECT_ROLES);
  const rankCurrency = q.currency ?? 'CNY';
  const rows = await tx.query<{ party_id: string; code: string; name: string; region: string; currency: string; open_minor: bigint; overdue_minor: bigint; max_days: number }>(
    `WITH ${installmentBalancesCte('$1')}
     SELECT b.party_id, p.code, p.name, p.region, b.currency,
            sum(b.amount_minor - b.allocated_minor)::bigint AS open_minor,
            sum(CASE WHEN b.due_date < $1::date THEN b.amount_minor - b.allocated_minor ELSE 0 END)::bigint AS overdue_minor,
            coalesce(max($1::date - b.due_date) FILTER (WHERE b.due_date < $1::date), 0) AS max_days
       FROM inst_bal b JOIN parties p ON p.id = b.party_id
      WHERE b.side = 'AR' AND b.kind = 'invoice' AND b.amount_minor > b.allocated_minor
      GROUP BY b.party_id, p.code, p.name, p.region, b.currency`,
    [q.asOf],
  );
  const rates = await tx.query<{ base_currency: string; rate: string }>(
    `SELECT DISTINCT ON (base_currency) base_currency, rate FROM fx_rates WHERE quote_currency = $1 AND rate_date <= $2 ORDER BY base_currency, rate_date DESC`,
    [rankCurrency, q.asOf],
  );
  const rateOf = new Map(rates.map((r) => [r.base_currency, r.rate]));
  const promises = await listPromises(tx, { asOf: q.asOf });
  const promiseState = new Map<string, 'broken' | 'due'>();
  for (const p of promises) {
    // A broken promise counts for a month after its date; a due one on its day.
    if (p.state === 'due') promiseState.set(p.partyId, promiseState.get(p.partyId) ?? 'due');
    if (p.state === 'broken' && p.promisedDate >= addDaysIso(q.asOf, -30)) promiseState.set(p.partyId, 'broken');
  }
  interface Entry extends WorklistEntry {
    code: string;
    name: string;
    region: string;
    byCurrency: { currency: string; open: string; overdue: string }[];
    unconverted: string[];
  }
  const entries = new Map<string, Entry>();
  for (const r of rows) {
    const e: Entry = entries.get(r.party_id) ?? {
      partyId: r.party_id,
      code: r.code,
      name: r.name,
      region: r.region,
      openMinor: 0n,
      overdueMinor: 0n,
      maxDaysOverdue: 0,
      pDefaultBp: null,
      promise: promiseState.get(r.party_id) ?? null,
      byCurrency: [],
      unconverted: [],
    };
    const rate = r.currency === rankCurrency ? null : rateOf.get(r.currency);
    const conv = (m: bigint) => (r.currency === rankCurrency ? m : rate ? convert(m, r.currency, rankCurrency, rate) : m);
    if (r.currency !== rankCurrency && !rate) e.unconverted.push(r.currency);
    e.openMinor += conv(r.open_minor);
    e.overdueMinor += conv(r.overdue_minor);
    e.maxDaysOverdue = Math.max(e.maxDaysOverdue, Number(r.max_days));
    e.byCurrency.push({ currency: r.currency, open: formatAmount(r.open_minor, r.currency), overdue: formatAmount(r.overdue_minor, r.currency) });
    entries.set(r.party_id, e);
  }
  const ranked = rankWorklist([...entries.values()].filter((e) => e.overdueMinor > 0n || e.promise !== null));
  return ranked.slice(0, q.limit ?? 200).map((r, i) => ({
    rank: i + 1,
    customer: { id: r.entry.partyId, code: r.entry.code, name: r.entry.name, region: r.entry.region },
    promise: r.entry.promise,
    basis: r.basis,
    score: r.score.toString(),
    rankCurrency,
    open: formatAmount(r.entry.openMinor, rankCurrency),
    overdue: formatAmount(r.entry.overdueMinor, rankCurrency),
    maxDaysOverdue: r.entry.maxDaysOverdue,
    explanation:
      r.basis === 'days_x_amount'
        ? `${r.entry.maxDaysOverdue} 天 × ${formatAmount(r.entry.overdueMinor, rankCurrency)} ${rankCurrency}`
        : r.explanation,
    byCurrency: r.entry.byCurrency,
    unconvertedCurrencies: r.entry.unconverted,
  }));
}

function addDaysIso(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}
