/**
 * Dunning policy evaluation (催收策略). Pure: given a customer, its open items and what has
 * already been planned for them, decides which level applies and which items one message covers.
 *
 * The rules (docs/collections.md):
 * - A level applies to an item when the item is at least `offsetDays` past due (−7 = seven days
 *   before the due date). An item's applicable level is the highest such level.
 * - An item is pending when its applicable level is higher than the highest level it was already
 *   included in. A run acts on every pending item whatever day it runs ("on or before now, not
 *   yet done"): a missed day is caught up, never lost. Lower levels a late run has jumped over
 *   are superseded, not sent one after another.
 * - One contact per customer per run: the highest pending level, listing every pending item (each
 *   remembers its own level, so an item first mentioned in a +30 letter alongside is still owed
 *   its own +1 notice only if it has not been told at +1 or higher).
 * - Paused: paid items (not open), disputed items (until resolved), items under a promise to pay
 *   that is not yet due; customers on do-not-contact get nothing.
 * - Frequency caps: at most `maxContacts` contacts in any `windowDays` days and at least
 *   `minGapDays` between two contacts. A capped customer's items stay pending and go together in
 *   the next allowed contact.
 */
import { addDays, daysBetween } from '../dates';

export const CHANNELS = ['email', 'wecom', 'dingtalk', 'sms'] as const;
export type Channel = (typeof CHANNELS)[number];

export const ESCALATIONS = ['notify_sales', 'notify_manager', 'credit_hold', 'legal_case'] as const;
export type Escalation = (typeof ESCALATIONS)[number];

export const TASK_ROLES = ['collector', 'sales', 'manager', 'legal'] as const;
export type TaskRole = (typeof TASK_ROLES)[number];

export const TEMPLATES = ['reminder', 'notice', 'second_notice', 'escalation', 'demand_letter', 'legal'] as const;
export type TemplateKey = (typeof TEMPLATES)[number];

export interface DunningLevel {
  code: string;
  offsetDays: number;
  nameZh: string;
  nameEn: string;
  channels: Channel[];
  template: TemplateKey;
  /** An internal task for this role when the level is reached (null = none). */
  taskRole: TaskRole | null;
  escalation: Escalation | null;
}

export interface PolicyMatch {
  regions: string[] | null;
  industries: string[] | null;
  /** Risk grades (from the credit work); a policy limited to grades never matches an ungraded customer. */
  riskGrades: string[] | null;
  /** Minimum open amount in `currency` (minor units). */
  minOpenMinor: bigint | null;
  currency: string;
}

export interface ContactCap {
  maxContacts: number;
  windowDays: number;
  minGapDays: number;
}

export interface DunningPolicy {
  id: string;
  code: string;
  name: string;
  /** Lower numbers are tried first; the first matching policy applies. */
  priority: number;
  active: boolean;
  match: PolicyMatch;
  cap: ContactCap;
  levels: DunningLevel[];
}

export interface CustomerFacts {
  partyId: string;
  region: string;
  industry: string | null;
  riskGrade: string | null;
  doNotContact: boolean;
  /** Open amount per currency (minor units), for amount-based assignment. */
  openByCurrency: ReadonlyMap<string, bigint>;
}

export interface OpenItem {
  installmentId: string;
  invoiceId: string;
  invoiceNumber: string;
  seq: number;
  dueDate: string;
  currency: string;
  openMinor: bigint;
  disputed: boolean;
  /** Date until which a promise to pay pauses this item (inclusive), or null. */
  promisedUntil: string | null;
  /** Highest level offset this item was already included in (planned or sent), or null. */
  doneOffset: number | null;
}

export interface PlannedItem {
  installmentId: string;
  invoiceId: string;
  invoiceNumber: string;
  seq: number;
  dueDate: string;
  currency: string;
  openMinor: bigint;
  daysOverdue: number;
  levelCode: string;
  levelOffset: number;
}

export type PauseReason = 'disputed' | 'promised' | 'paid';

export type Decision =
  | { kind: 'none'; paused: { installmentId: string; reason: PauseReason }[] }
  | { kind: 'do_not_contact'; pendingItems: number }
  | { kind: 'capped'; level: DunningLevel; items: PlannedItem[]; until: string }
  | { kind: 'contact'; level: DunningLevel; items: PlannedItem[]; paused: { installmentId: string; reason: PauseReason }[] };

export interface ContactHistory {
  /** Local dates (YYYY-MM-DD) of earlier contacts of this customer (planned or sent), any order. */
  contactDates: readonly string[];
}

function sortedLevels(levels: readonly DunningLevel[]): DunningLevel[] {
  return [...levels].sort((a, b) => a.offsetDays - b.offsetDays);
}

/** The highest level whose offset the item has reached as of `asOf`, or null. */
export function applicableLevel(levels: readonly DunningLevel[], dueDate: string, asOf: string): DunningLevel | null {
  const days = daysBetween(dueDate, asOf);
  let found: DunningLevel | null = null;
  for (const l of sortedLevels(levels)) if (l.offsetDays <= days) found = l;
  return found;
}

/** The policy for a customer: the first active one by priority whose conditions all hold. */
export function assignPolicy<P extends DunningPolicy>(policies: readonly P[], c: CustomerFacts): P | null {
  const ordered = [...policies].filter((p) => p.active).sort((a, b) => a.priority - b.priority || a.code.localeCompare(b.code));
  for (const p of ordered) {
    const m = p.match;
    if (m.regions && !m.regions.includes(c.region)) continue;
    if (m.industries && !(c.industry && m.industries.includes(c.industry))) continue;
    if (m.riskGrades && !(c.riskGrade && m.riskGrades.includes(c.riskGrade))) continue;
    if (m.minOpenMinor !== null && (c.openByCurrency.get(m.currency) ?? 0n) < m.minOpenMinor) continue;
    return p;
  }
  return null;
}

/** Why an open item is paused as of a date, or null when it may be chased. */
export function pauseReason(item: OpenItem, asOf: string): PauseReason | null {
  if (item.openMinor <= 0n) return 'paid';
  if (item.disputed) return 'disputed';
  if (item.promisedUntil !== null && asOf <= item.promisedUntil) return 'promised';
  return null;
}

/**
 * The first local date on or after `asOf` on which a new contact respects the cap, given the
 * earlier contacts.
 */
export function nextAllowedContact(cap: ContactCap, history: ContactHistory, asOf: string): string {
  const dates = [...history.contactDates].sort();
  let candidate = asOf;
  for (let guard = 0; guard < 1000; guard++) {
    const last = dates.filter((d) => d <= candidate).at(-1);
    if (last !== undefined && cap.minGapDays > 0 && daysBetween(last, candidate) < cap.minGapDays) {
      candidate = addDays(last, cap.minGapDays);
      continue;
    }
    if (cap.maxContacts > 0 && cap.windowDays > 0) {
      // Contacts within the window that ends on candidate (candidate − windowDays, candidate].
      const inWindow = dates.filter((d) => d <= candidate && daysBetween(d, candidate) < cap.windowDays);
      if (inWindow.length >= cap.maxContacts) {
        const oldest = inWindow[inWindow.length - cap.maxContacts]!;
        candidate = addDays(oldest, cap.windowDays);
        continue;
      }
    }
    return candidate;
  }
  throw new Error('contact cap never allows a contact');
}

/** What the policy does for one customer as of a local date. */
export function evaluateCustomer(
  policy: DunningPolicy,
  customer: CustomerFacts,
  items: readonly OpenItem[],
  history: ContactHistory,
  asOf: string,
): Decision {
  const levels = sortedLevels(policy.levels);
  const pending: PlannedItem[] = [];
  const paused: { installmentId: string; reason: PauseReason }[] = [];
  for (const item of items) {
    const level = applicableLevel(levels, item.dueDate, asOf);
    if (!level) continue;
    const reason = pauseReason(item, asOf);
    if (reason) {
      if (reason !== 'paid') paused.push({ installmentId: item.installmentId, reason });
      continue;
    }
    if (item.doneOffset !== null && item.doneOffset >= level.offsetDays) continue;
    pending.push({
      installmentId: item.installmentId,
      invoiceId: item.invoiceId,
      invoiceNumber: item.invoiceNumber,
      seq: item.seq,
      dueDate: item.dueDate,
      currency: item.currency,
      openMinor: item.openMinor,
      daysOverdue: daysBetween(item.dueDate, asOf),
      levelCode: level.code,
      levelOffset: level.offsetDays,
    });
  }
  if (pending.length === 0) return { kind: 'none', paused };
  if (customer.doNotContact) return { kind: 'do_not_contact', pendingItems: pending.length };
  pending.sort((a, b) => a.dueDate.localeCompare(b.dueDate) || a.invoiceNumber.localeCompare(b.invoiceNumber) || a.seq - b.seq);
  const top = pending.reduce((m, p) => (p.levelOffset > m ? p.levelOffset : m), Number.NEGATIVE_INFINITY);
  const level = levels.find((l) => l.offsetDays === top)!;
  const allowed = nextAllowedContact(policy.cap, history, asOf);
  if (allowed > asOf) return { kind: 'capped', level, items: pending, until: allowed };
  return { kind: 'contact', level, items: pending, paused };
}

/** Totals per currency of planned items, in exact minor units, currencies in alphabetical order. */
export function totalsByCurrency(items: readonly { currency: string; openMinor: bigint }[]): { currency: string; minor: bigint }[] {
  const m = new Map<string, bigint>();
  for (const i of items) m.set(i.currency, (m.get(i.currency) ?? 0n) + i.openMinor);
  return [...m.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([currency, minor]) => ({ currency, minor }));
}

/**
 * The default Chinese policy (默认催收策略): friendly reminder a week before the due date, notice
 * the day after, second notice at +15, manager escalation and credit hold at +30, formal demand
 * letter (催款函) at +60, hand-over to legal at +90. At most 2 contacts in 7 days, 2 days apart.
 */
export const DEFAULT_LEVELS: readonly DunningLevel[] = [
  { code: 'reminder', offsetDays: -7, nameZh: '到期前友好提醒', nameEn: 'Friendly reminder', channels: ['email'], template: 'reminder', taskRole: null, escalation: null },
  { code: 'notice', offsetDays: 1, nameZh: '逾期通知', nameEn: 'Overdue notice', channels: ['email', 'wecom'], template: 'notice', taskRole: 'collector', escalation: null },
  { code: 'second_notice', offsetDays: 15, nameZh: '二次催收', nameEn: 'Second notice', channels: ['email', 'wecom', 'dingtalk'], template: 'second_notice', taskRole: 'collector', escalation: 'notify_sales' },
  { code: 'escalation', offsetDays: 30, nameZh: '经理升级并冻结信用', nameEn: 'Manager escalation and credit hold', channels: ['email', 'wecom', 'dingtalk'], template: 'escalation', taskRole: 'manager', escalation: 'credit_hold' },
  { code: 'demand_letter', offsetDays: 60, nameZh: '正式催款函', nameEn: 'Formal demand letter', channels: ['email', 'dingtalk'], template: 'demand_letter', taskRole: 'manager', escalation: 'notify_manager' },
  { code: 'legal', offsetDays: 90, nameZh: '移交法务', nameEn: 'Hand-over to legal', channels: ['email', 'dingtalk'], template: 'legal', taskRole: 'legal', escalation: 'legal_case' },
];

export const DEFAULT_CAP: ContactCap = { maxContacts: 2, windowDays: 7, minGapDays: 2 };
