/**
 * The planning half of a dunning run (docs/collections.md). It evaluates every customer with open
 * AR items against its policy as of its local date and writes one action per contact and channel
 * into dunning_actions. Planning a customer happens in one transaction under a per-customer
 * advisory lock that re-reads what was already planned, and every action carries a UNIQUE dedupe
 * key (customer, level, item set, channel, target) inserted ON CONFLICT DO NOTHING: two instances
 * planning at once, a retried job or a crash halfway plan each contact exactly once. A dry run
 * evaluates the same way and writes nothing.
 */
import { createHash } from 'node:crypto';
import type { Database, Queryable } from '../db/database';
import { ALWAYS_OPEN, type BusinessCalendar } from '../domain/dunning/calendar';
import {
  assignPolicy,
  type CustomerFacts,
  type Decision,
  type DunningLevel,
  evaluateCustomer,
  type OpenItem,
  type PlannedItem,
  totalsByCurrency,
} from '../domain/dunning/policy';
import { evaluatePromise, pausesDunning } from '../domain/dunning/promises';
import { localDate, nextSendInstant } from '../domain/dunning/window';
import { formatAmount } from '../domain/money';
import { type Actor, withActor } from '../services/actor';
import { audit } from '../services/audit';
import { installmentBalancesCte } from '../services/ledger/balances';
import { emitCreditHold } from '../webhooks/events';
import { loadCalendar, loadPolicies, loadRobots, type RobotTarget, type StoredPolicy } from './config';

export interface PlanOptions {
  actor: Actor;
  /** The instant of the run (injectable clock). */
  now: Date;
  /** Evaluate as of this date for every customer instead of each customer's local today. */
  asOf?: string | null;
  dryRun: boolean;
  /** Only these customers (ids). */
  partyIds?: string[] | null;
}

export interface ActionItemJson {
  installmentId: string;
  invoiceId: string;
  invoiceNumber: string;
  seq: number;
  dueDate: string;
  currency: string;
  amount: string;
  daysOverdue: number;
  level: string;
  levelOffset: number;
}

export interface ProposedAction {
  /** The stored action id (null in a dry run). */
  id: string | null;
  customer: { id: string; code: string; name: string };
  policy: string;
  level: { code: string; offsetDays: number; name: string; nameEn: string };
  channel: string;
  /** Where it goes: an email address or a robot's name. */
  target: string;
  robotId: string | null;
  localDate: string;
  notBefore: string;
  items: ActionItemJson[];
  totals: { currency: string; amount: string }[];
  /** new: planned by this run; existing: planned before (a retried or concurrent run). */
  state: 'new' | 'existing' | 'proposed';
}

export interface SkippedCustomer {
  customer: { id: string; code: string; name: string };
  reason: 'do_not_contact' | 'capped' | 'no_policy' | 'no_channel' | 'no_email';
  detail: string;
}

export interface PlanResult {
  runId: string | null;
  dryRun: boolean;
  at: string;
  customersEvaluated: number;
  actions: ProposedAction[];
  skipped: SkippedCustomer[];
  paused: { disputed: number; promised: number };
  tasks: number;
}

interface ItemRow {
  installment_id: string;
  invoice_id: string;
  number: string;
  seq: number;
  due_date: string;
  currency: string;
  open_minor: bigint;
  disputed: boolean;
  party_id: string;
}

interface PartyRow {
  id: string;
  code: string;
  name: string;
  region: string;
  industry: string | null;
  do_not_contact: boolean;
  time_zone: string;
  contact_email: string | null;
}

interface PromiseRow {
  id: string;
  party_id: string;
  amount_minor: bigint;
  currency: string;
  made_on: string;
  promised_date: string;
  cancelled_on: string | null;
  installment_ids: string[] | null;
}

interface Customer {
  party: PartyRow;
  asOf: string;
  items: ItemRow[];
}

/** Most days before the due date any level acts on (the reminder's −7). */
function leadDays(policies: StoredPolicy[]): number {
  let lead = 0;
  for (const p of policies) for (const l of p.levels) lead = Math.max(lead, -l.offsetDays);
  return lead;
}

async function loadCustomers(tx: Queryable, opts: PlanOptions, lead: number): Promise<Customer[]> {
  const parties = await tx.query<PartyRow>(
    `SELECT id, code, name, region, industry, do_not_contact, time_zone, contact_email FROM parties
      WHERE is_customer AND ($1::uuid[] IS NULL OR id = ANY ($1)) ORDER BY code`,
    [opts.partyIds ?? null],
  );
  const byZoneDate = new Map<string, PartyRow[]>();
  const asOfOf = new Map<string, string>();
  for (const p of parties) {
    let asOf: string;
    try {
      asOf = opts.asOf ?? localDate(opts.now, p.time_zone);
    } catch {
      asOf = opts.asOf ?? localDate(opts.now, 'Asia/Shanghai');
    }
    asOfOf.set(p.id, asOf);
    const list = byZoneDate.get(asOf) ?? [];
    list.push(p);
    byZoneDate.set(asOf, list);
  }
  const customers: Customer[] = [];
  for (const [asOf, group] of byZoneDate) {
    const rows = await tx.query<ItemRow>(
      `WITH ${installmentBalancesCte('$1')}
       SELECT b.id AS installment_id, b.invoice_id, b.number, b.seq, b.due_date, b.currency,
              (b.amount_minor - b.allocated_minor)::bigint AS open_minor, b.party_id,
              EXISTS (SELECT 1 FROM invoice_disputes d WHERE d.invoice_id = b.invoice_id AND d.opened_on <= $1::date
                        AND (d.resolved_on IS NULL OR d.resolved_on > $1::date)) AS disputed
         FROM inst_bal b
        WHERE b.side = 'AR' AND b.kind = 'invoice' AND b.amount_minor > b.allocated_minor
          AND b.due_date <= $1::date + $2::integer AND b.party_id = ANY ($3::uuid[])
        ORDER BY b.party_id, b.due_date, b.number, b.seq`,
      [asOf, lead, group.map((p) => p.id)],
    );
    const byParty = new Map<string, ItemRow[]>();
    for (const r of rows) {
      const list = byParty.get(r.party_id) ?? [];
      list.push(r);
      byParty.set(r.party_id, list);
    }
    for (const p of group) {
      const items = byParty.get(p.id);
      if (items?.length) customers.push({ party: p, asOf, items });
    }
  }
  return customers.sort((a, b) => a.party.code.localeCompare(b.party.code));
}

/** Dates until which promises pause each installment of a customer (open and due promises only). */
async function promisePauses(tx: Queryable, c: Customer): Promise<Map<string, string>> {
  const promises = await tx.query<PromiseRow>(
    `SELECT id, party_id, amount_minor, currency, made_on, promised_date, cancelled_on, installment_ids
       FROM payment_promises WHERE party_id = $1 AND promised_date >= $2::date AND made_on <= $2::date`,
    [c.party.id, c.asOf],
  );
  const until = new Map<string, string>();
  if (!promises.length) return until;
  const receipts = await tx.query<{ receipt_date: string; currency: string; amount_minor: bigint }>(
    `SELECT receipt_date, currency, amount_minor FROM receipts WHERE party_id = $1 AND side = 'AR' AND receipt_date >= $2::date`,
    [c.party.id, promises.reduce((m, p) => (p.made_on < m ? p.made_on : m), c.asOf)],
  );
  const facts = receipts.map((r) => ({ date: r.receipt_date, currency: r.currency, amountMinor: r.amount_minor }));
  for (const p of promises) {
    const state = evaluatePromise(
      { amountMinor: p.amount_minor, currency: p.currency, madeOn: p.made_on, promisedDate: p.promised_date, cancelledOn: p.cancelled_on },
      facts,
      c.asOf,
    ).state;
    if (!pausesDunning(state)) continue;
    for (const i of c.items) {
      if (i.currency !== p.currency) continue;
      if (p.installment_ids && !p.installment_ids.includes(i.installment_id)) continue;
      const prev = until.get(i.installment_id);
      if (!prev || prev < p.promised_date) until.set(i.installment_id, p.promised_date);
    }
  }
  return until;
}

async function doneOffsets(tx: Queryable, installmentIds: string[]): Promise<Map<string, number>> {
  const rows = await tx.query<{ installment_id: string; done: number }>(
    `SELECT ai.installment_id, max(ai.level_offset) AS done
       FROM dunning_action_items ai JOIN dunning_actions a ON a.id = ai.action_id
      WHERE ai.installment_id = ANY ($1::uuid[]) AND a.status <> 'cancelled'
      GROUP BY ai.installment_id`,
    [installmentIds],
  );
  return new Map(rows.map((r) => [r.installment_id, Number(r.done)]));
}

async function contactDates(tx: Queryable, partyId: string, asOf: string): Promise<string[]> {
  const rows = await tx.query<{ d: string }>(
    `SELECT min(local_date) AS d FROM dunning_actions
      WHERE party_id = $1 AND status <> 'cancelled' AND local_date > $2::date - 400
      GROUP BY contact_key`,
    [partyId, asOf],
  );
  return rows.map((r) => r.d);
}

function facts(c: Customer): CustomerFacts {
  const open = new Map<string, bigint>();
  for (const i of c.items) open.set(i.currency, (open.get(i.currency) ?? 0n) + i.open_minor);
  return {
    partyId: c.party.id,
    region: c.party.region,
    industry: c.party.industry,
    riskGrade: null,
    doNotContact: c.party.do_not_contact,
    openByCurrency: open,
  };
}

async function decide(
  tx: Queryable,
  policy: StoredPolicy,
  c: Customer,
): Promise<Decision> {
  const pauses = await promisePauses(tx, c);
  const done = await doneOffsets(tx, c.items.map((i) => i.installment_id));
  const items: OpenItem[] = c.items.map((i) => ({
    installmentId: i.installment_id,
    invoiceId: i.invoice_id,
    invoiceNumber: i.number,
    seq: i.seq,
    dueDate: i.due_date,
    currency: i.currency,
    openMinor: i.open_minor,
    disputed: i.disputed,
    promisedUntil: pauses.get(i.installment_id) ?? null,
    doneOffset: done.get(i.installment_id) ?? null,
  }));
  return evaluateCustomer(policy, facts(c), items, { contactDates: await contactDates(tx, c.party.id, c.asOf) }, c.asOf);
}

export function contactKey(partyId: string, level: DunningLevel, items: readonly PlannedItem[]): string {
  const set = items
    .map((i) => `${i.installmentId}@${i.levelOffset}`)
    .sort()
    .join(',');
  return `${partyId}:${level.code}:${createHash('sha256').update(set).digest('hex').slice(0, 32)}`;
}

function itemJson(i: PlannedItem): ActionItemJson {
  return {
    installmentId: i.installmentId,
    invoiceId: i.invoiceId,
    invoiceNumber: i.invoiceNumber,
    seq: i.seq,
    dueDate: i.dueDate,
    currency: i.currency,
    amount: formatAmount(i.openMinor, i.currency),
    daysOverdue: i.daysOverdue,
    level: i.levelCode,
    levelOffset: i.levelOffset,
  };
}

interface Target {
  channel: string;
  target: string;
  robotId: string | null;
}

function targetsFor(level: DunningLevel, party: PartyRow, robots: RobotTarget[]): { targets: Target[]; missingEmail: boolean } {
  const targets: Target[] = [];
  let missingEmail = false;
  for (const ch of level.channels) {
    if (ch === 'email') {
      if (party.contact_email) targets.push({ channel: 'email', target: party.contact_email, robotId: null });
      else missingEmail = true;
    } else if (ch === 'wecom' || ch === 'dingtalk') {
      for (const r of robots) {
        if (r.kind !== ch) continue;
        if (r.regions && !r.regions.includes(party.region)) continue;
        targets.push({ channel: ch, target: r.name, robotId: r.id });
      }
    }
    // sms: no provider is configured in this increment (docs/collections.md).
  }
  return { targets, missingEmail };
}

const customerRef = (p: PartyRow) => ({ id: p.id, code: p.code, name: p.name });

/** Plans (or, dry, proposes) the dunning actions due as of opts.now. */
export async function planDunning(db: Database, opts: PlanOptions): Promise<PlanResult> {
  const { actor } = opts;
  const setup = await withActor(db, actor, async (tx) => {
    const policies = await loadPolicies(tx);
    const calendar = await loadCalendar(tx);
    const robots = await loadRobots(tx);
    const customers = await loadCustomers(tx, opts, leadDays(policies));
    return { policies, calendar, robots, customers };
  });
  const { policies, calendar, robots, customers } = setup;
  const result: PlanResult = {
    runId: null,
    dryRun: opts.dryRun,
    at: opts.now.toISOString(),
    customersEvaluated: customers.length,
    actions: [],
    skipped: [],
    paused: { disputed: 0, promised: 0 },
    tasks: 0,
  };
  if (!opts.dryRun) {
    const [run] = await withActor(db, actor, (tx) =>
      tx.query<{ id: string }>('INSERT INTO dunning_runs (as_of, actor, started_at) VALUES ($1, $2, $3) RETURNING id', [
        opts.asOf ?? null,
        actor.username,
        opts.now,
      ]),
    );
    result.runId = run!.id;
  }

  for (const c of customers) {
    const policy = assignPolicy(policies, facts(c));
    if (!policy) {
      result.skipped.push({ customer: customerRef(c.party), reason: 'no_policy', detail: 'no active policy matches' });
      continue;
    }
    const cal: BusinessCalendar = policy.businessDaysOnly ? calendar : ALWAYS_OPEN;
    const run = async (tx: Queryable) => {
      if (!opts.dryRun) {
        // One planner per customer at a time; the next one sees what this one planned.
        await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended('dunning:' || $1::text, 0))`, [c.party.id]);
      }
      const decision = await decide(tx, policy, c);
      if (decision.kind === 'contact' || decision.kind === 'none') {
        for (const p of decision.paused) result.paused[p.reason === 'disputed' ? 'disputed' : 'promised']++;
      }
      if (decision.kind === 'none') return;
      if (decision.kind === 'do_not_contact') {
        result.skipped.push({ customer: customerRef(c.party), reason: 'do_not_contact', detail: `${decision.pendingItems} item(s) held` });
        return;
      }
      if (decision.kind === 'capped') {
        result.skipped.push({ customer: customerRef(c.party), reason: 'capped', detail: `next contact allowed on ${decision.until}` });
        return;
      }
      const { level, items } = decision;
      const { targets, missingEmail } = targetsFor(level, c.party, robots);
      if (missingEmail) {
        result.skipped.push({ customer: customerRef(c.party), reason: 'no_email', detail: `level ${level.code}: the customer has no contact email` });
      }
      if (targets.length === 0) {
        if (!missingEmail) result.skipped.push({ customer: customerRef(c.party), reason: 'no_channel', detail: `level ${level.code}: no channel configured` });
        return;
      }
      const key = contactKey(c.party.id, level, items);
      const notBefore = nextSendInstant(opts.now, c.party.time_zone, policy.window, cal);
      const json = items.map(itemJson);
      const totals = totalsByCurrency(items).map((t) => ({ currency: t.currency, amount: formatAmount(t.minor, t.currency) }));
      const created: ProposedAction[] = [];
      for (const t of targets) {
        const dedupe = `${key}:${t.channel}:${t.robotId ?? 'customer'}`;
        let id: string | null = null;
        let state: ProposedAction['state'] = 'proposed';
        if (!opts.dryRun) {
          const [ins] = await tx.query<{ id: string }>(
            `INSERT INTO dunning_actions (run_id, contact_key, dedupe_key, party_id, policy_id, level_code, level_offset, template,
                                          channel, robot_id, local_date, items, not_before)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb, $13)
             ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`,
            [result.runId, key, dedupe, c.party.id, policy.id, level.code, level.offsetDays, level.template, t.channel, t.robotId, c.asOf, JSON.stringify(json), notBefore],
          );
          if (ins) {
            id = ins.id;
            state = 'new';
            for (const i of items) {
              await tx.query('INSERT INTO dunning_action_items (action_id, installment_id, level_offset) VALUES ($1, $2, $3)', [ins.id, i.installmentId, i.levelOffset]);
            }
          } else {
            const [old] = await tx.query<{ id: string }>('SELECT id FROM dunning_actions WHERE dedupe_key = $1', [dedupe]);
            id = old?.id ?? null;
            state = 'existing';
          }
        }
        created.push({
          id,
          customer: customerRef(c.party),
          policy: policy.code,
          level: { code: level.code, offsetDays: level.offsetDays, name: level.nameZh, nameEn: level.nameEn },
          channel: t.channel,
          target: t.target,
          robotId: t.robotId,
          localDate: c.asOf,
          notBefore: notBefore.toISOString(),
          items: json,
          totals,
          state,
        });
      }
      result.actions.push(...created);
      const fresh = created.filter((a) => a.state === 'new');
      if (opts.dryRun || fresh.length === 0) return;
      if (level.taskRole) {
        const title = `${level.nameZh}：${c.party.name}（${totals.map((t) => `${t.amount} ${t.currency}`).join(' + ')}）`;
        const tasks = await tx.query(
          `INSERT INTO collection_tasks (party_id, contact_key, level_code, role, title, escalation)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (contact_key, role) DO NOTHING RETURNING id`,
          [c.party.id, key, level.code, level.taskRole, title, level.escalation],
        );
        result.tasks += tasks.length;
      }
      if (level.escalation === 'credit_hold') {
        const maxDays = Math.max(...items.map((i) => i.daysOverdue));
        await emitCreditHold(tx, actor, {
          partyId: c.party.id,
          reason: `dunning level ${level.code}: ${maxDays} days overdue`,
          code: 'overdue_days',
          effectiveDate: c.asOf,
        });
      }
      await audit(tx, actor, 'dunning.plan', 'party', c.party.id, null, {
        runId: result.runId,
        contactKey: key,
        level: level.code,
        localDate: c.asOf,
        actions: fresh.map((a) => ({ id: a.id, channel: a.channel, target: a.target })),
        items: json.map((i) => ({ installmentId: i.installmentId, invoice: i.invoiceNumber, amount: i.amount, currency: i.currency, level: i.level })),
        notBefore: notBefore.toISOString(),
      });
    };
    await withActor(db, actor, run);
  }

  if (!opts.dryRun && result.runId) {
    await withActor(db, actor, (tx) =>
      tx.query('UPDATE dunning_runs SET finished_at = clock_timestamp(), customers = $2, planned = $3 WHERE id = $1', [
        result.runId,
        customers.length,
        result.actions.filter((a) => a.state === 'new').length,
      ]),
    );
  }
  return result;
}
