/**
 * Credit limits, exposure and the credit check (信用额度、敞口与信用检查). Pure and exact: every amount
 * is bigint minor units of the limit's currency (the services convert documents in other
 * currencies with a recorded rate before calling in).
 *
 *   exposure = open receivables − unapplied receipts (cash on account) + open orders not yet
 *              invoiced + the document being checked
 *
 * Limits: a limit belongs to a customer, optionally to one legal entity, and is permanent or
 * temporary (valid from … expires on). A group limit (is_group) on a parent is shared by the
 * parent and all its subsidiaries. For one customer the check measures up to two scopes:
 *   - its own limit: the entity-specific one for the document's entity if there is one, else the
 *     customer-wide one; against the customer's own exposure (in that entity, or in all);
 *   - the group limit of its parent (or of itself when it is a parent): against the exposure of
 *     the whole group.
 * In each scope a temporary limit valid on the date replaces the permanent one.
 *
 * Rules per stage (order, delivery, invoice), each giving warn or block with a bilingual reason:
 * exposure vs limit (warn from a utilisation percentage, block above the limit), overdue amount,
 * oldest days overdue, grade. The decision is the worst severity among the reasons.
 */
import type { Grade } from './scorecard';

export const STAGES = ['order', 'delivery', 'invoice'] as const;
export type Stage = (typeof STAGES)[number];
export type Severity = 'allow' | 'warn' | 'block';
export type Action = 'off' | 'warn' | 'block';

export interface CreditLimit {
  id: string;
  partyId: string;
  entityId: string | null;
  isGroup: boolean;
  kind: 'permanent' | 'temporary';
  amountMinor: bigint;
  currency: string;
  validFrom: string;
  /** Last day the limit applies (inclusive); null = open-ended. */
  expiresOn: string | null;
}

export function limitActiveOn(l: CreditLimit, date: string): boolean {
  return l.validFrom <= date && (l.expiresOn === null || date <= l.expiresOn);
}

/** The limit in force among candidates on a date: a temporary one replaces the permanent one. */
function inForce(candidates: CreditLimit[], date: string): CreditLimit | null {
  const active = candidates.filter((l) => limitActiveOn(l, date));
  const pick = (kind: CreditLimit['kind']) =>
    active.filter((l) => l.kind === kind).sort((a, b) => (a.validFrom < b.validFrom ? 1 : a.validFrom > b.validFrom ? -1 : a.id < b.id ? -1 : 1))[0] ?? null;
  return pick('temporary') ?? pick('permanent');
}

export interface LimitScopes {
  /** The customer's own limit (entity-specific beats customer-wide), or null. */
  own: CreditLimit | null;
  /** The group limit shared with the parent's subsidiaries, or null. */
  group: CreditLimit | null;
}

/**
 * Which limits apply to a document of `partyId` (whose parent is `parentId`) in `entityId` on `date`.
 * `limits` may hold any rows of the customer and its parent; the rest are ignored.
 */
export function applicableLimits(limits: readonly CreditLimit[], q: { partyId: string; parentId: string | null; entityId: string | null; date: string }): LimitScopes {
  const ownRows = limits.filter((l) => l.partyId === q.partyId && !l.isGroup);
  const entityLimit = q.entityId ? inForce(ownRows.filter((l) => l.entityId === q.entityId), q.date) : null;
  const own = entityLimit ?? inForce(ownRows.filter((l) => l.entityId === null), q.date);
  const root = q.parentId ?? q.partyId;
  const group = inForce(limits.filter((l) => l.partyId === root && l.isGroup), q.date);
  return { own, group };
}

export interface ExposureParts {
  openMinor: bigint;
  unappliedMinor: bigint;
  ordersMinor: bigint;
  documentMinor: bigint;
}

export function exposureOf(p: ExposureParts): bigint {
  return p.openMinor - p.unappliedMinor + p.ordersMinor + p.documentMinor;
}

// ---------------------------------------------------------------------------------------------
// Rules
// ---------------------------------------------------------------------------------------------

export interface StageRules {
  /** Above the limit: block, warn or ignore. */
  exposure: Action;
  /** Warn when exposure reaches this percentage of the limit (null = no early warning). */
  warnAtPercent: number | null;
  /** Overdue amount (in the limit's / base currency): above warnOver → warn, above blockOver → block. */
  overdueWarnOverMinor: bigint | null;
  overdueBlockOverMinor: bigint | null;
  /** Oldest days overdue: above warnOver → warn, above blockOver → block. */
  oldestDaysWarnOver: number | null;
  oldestDaysBlockOver: number | null;
  /** Grades that warn / block (e.g. D warns, E blocks). */
  gradesWarn: Grade[];
  gradesBlock: Grade[];
}

export type RuleSet = Record<Stage, StageRules>;

/** Defaults: strict at order time, looser at delivery, advisory at invoicing. */
export const DEFAULT_RULES: RuleSet = {
  order: {
    exposure: 'block',
    warnAtPercent: 90,
    overdueWarnOverMinor: 0n,
    overdueBlockOverMinor: null,
    oldestDaysWarnOver: 30,
    oldestDaysBlockOver: 90,
    gradesWarn: ['D'],
    gradesBlock: ['E'],
  },
  delivery: {
    exposure: 'block',
    warnAtPercent: 100,
    overdueWarnOverMinor: 0n,
    overdueBlockOverMinor: null,
    oldestDaysWarnOver: 60,
    oldestDaysBlockOver: 120,
    gradesWarn: ['D', 'E'],
    gradesBlock: [],
  },
  invoice: {
    exposure: 'warn',
    warnAtPercent: null,
    overdueWarnOverMinor: null,
    overdueBlockOverMinor: null,
    oldestDaysWarnOver: 90,
    oldestDaysBlockOver: null,
    gradesWarn: ['E'],
    gradesBlock: [],
  },
};

export interface Reason {
  code: 'exposure_over_limit' | 'exposure_near_limit' | 'group_over_limit' | 'group_near_limit' | 'overdue_amount' | 'oldest_overdue' | 'grade' | 'no_limit' | 'override' | 'fx_missing';
  severity: 'info' | 'warn' | 'block';
  zh: string;
  en: string;
}

export interface ScopeInput {
  limit: CreditLimit;
  exposure: ExposureParts;
}

export interface CheckInput {
  stage: Stage;
  currency: string;
  own: ScopeInput | null;
  group: ScopeInput | null;
  overdueMinor: bigint;
  oldestDaysOverdue: number;
  grade: Grade | null;
  rules: StageRules;
}

export interface CheckResult {
  decision: Severity;
  reasons: Reason[];
}

/** 120,000.00 — grouped, exact, no currency symbol. */
export function grouped(minor: bigint, _currency: string, scale: number): string {
  const negative = minor < 0n;
  const abs = (negative ? -minor : minor).toString().padStart(scale + 1, '0');
  const whole = scale ? abs.slice(0, -scale) : abs;
  const frac = scale ? `.${abs.slice(-scale)}` : '';
  return `${negative ? '-' : ''}${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${frac}`;
}

/** exposure·100 ≥ limit·pct, exactly. */
function atLeastPercent(exposure: bigint, limit: bigint, pct: number): boolean {
  return exposure * 100n >= limit * BigInt(pct);
}

export function severityOf(action: Action): Reason['severity'] | null {
  return action === 'off' ? null : action;
}

/** Evaluates the stage's rules. `fmt` formats an amount of the check currency (e.g. 120,000.00). */
export function evaluateCredit(input: CheckInput, fmt: (minor: bigint) => string): CheckResult {
  const r = input.rules;
  const cur = input.currency;
  const reasons: Reason[] = [];
  const scope = (s: ScopeInput | null, group: boolean) => {
    if (!s) return;
    const exposure = exposureOf(s.exposure);
    const limit = s.limit.amountMinor;
    const zhWhat = group ? '集团敞口' : '敞口';
    const enWhat = group ? 'group exposure' : 'exposure';
    const zhLimit = group ? '集团额度' : '额度';
    const enLimit = group ? 'group limit' : 'limit';
    const temp = s.limit.kind === 'temporary' ? { zh: `（临时额度，至 ${s.limit.expiresOn}）`, en: ` (temporary limit until ${s.limit.expiresOn})` } : { zh: '', en: '' };
    if (exposure > limit) {
      const sev = severityOf(r.exposure);
      if (sev)
        reasons.push({
          code: group ? 'group_over_limit' : 'exposure_over_limit',
          severity: sev,
          zh: `${zhWhat} ${fmt(exposure)} 超过${zhLimit} ${fmt(limit)}${temp.zh}`,
          en: `${enWhat} ${fmt(exposure)} ${cur} exceeds ${enLimit} ${fmt(limit)} ${cur}${temp.en}`,
        });
    } else if (r.warnAtPercent !== null && limit > 0n && atLeastPercent(exposure, limit, r.warnAtPercent) && r.exposure !== 'off') {
      reasons.push({
        code: group ? 'group_near_limit' : 'exposure_near_limit',
        severity: 'warn',
        zh: `${zhWhat} ${fmt(exposure)} 已达${zhLimit} ${fmt(limit)} 的 ${r.warnAtPercent}% 以上${temp.zh}`,
        en: `${enWhat} ${fmt(exposure)} ${cur} is at least ${r.warnAtPercent}% of the ${enLimit} ${fmt(limit)} ${cur}${temp.en}`,
      });
    }
  };
  scope(input.own, false);
  scope(input.group, true);
  if (!input.own && !input.group) {
    reasons.push({ code: 'no_limit', severity: 'info', zh: '未设置信用额度，不检查敞口', en: 'no credit limit set: exposure not checked' });
  }
  const overdueSev =
    r.overdueBlockOverMinor !== null && input.overdueMinor > r.overdueBlockOverMinor
      ? 'block'
      : r.overdueWarnOverMinor !== null && input.overdueMinor > r.overdueWarnOverMinor
        ? 'warn'
        : null;
  if (overdueSev) {
    const threshold = overdueSev === 'block' ? r.overdueBlockOverMinor! : r.overdueWarnOverMinor!;
    reasons.push({
      code: 'overdue_amount',
      severity: overdueSev,
      zh: `逾期金额 ${fmt(input.overdueMinor)}${threshold > 0n ? ` 超过 ${fmt(threshold)}` : ''}`,
      en: `overdue amount ${fmt(input.overdueMinor)} ${cur}${threshold > 0n ? ` exceeds ${fmt(threshold)} ${cur}` : ''}`,
    });
  }
  const daysSev =
    r.oldestDaysBlockOver !== null && input.oldestDaysOverdue > r.oldestDaysBlockOver
      ? 'block'
      : r.oldestDaysWarnOver !== null && input.oldestDaysOverdue > r.oldestDaysWarnOver
        ? 'warn'
        : null;
  if (daysSev) {
    const threshold = daysSev === 'block' ? r.oldestDaysBlockOver! : r.oldestDaysWarnOver!;
    reasons.push({
      code: 'oldest_overdue',
      severity: daysSev,
      zh: `最长逾期 ${input.oldestDaysOverdue} 天，超过 ${threshold} 天`,
      en: `oldest item ${input.oldestDaysOverdue} days overdue, more than ${threshold} days`,
    });
  }
  if (input.grade) {
    const gradeSev = r.gradesBlock.includes(input.grade) ? 'block' : r.gradesWarn.includes(input.grade) ? 'warn' : null;
    if (gradeSev) reasons.push({ code: 'grade', severity: gradeSev, zh: `信用等级 ${input.grade}`, en: `credit grade ${input.grade}` });
  }
  return { decision: decisionOf(reasons), reasons };
}

export function decisionOf(reasons: readonly Reason[]): Severity {
  if (reasons.some((x) => x.severity === 'block')) return 'block';
  if (reasons.some((x) => x.severity === 'warn')) return 'warn';
  return 'allow';
}

/**
 * An approved override (特批) lets a blocked document through when it is still valid on the date
 * and its unused amount covers the document. The block reasons stay visible, demoted to warnings,
 * plus one reason naming the override.
 */
export function applyOverride(
  result: CheckResult,
  override: { amountMinor: bigint; usedMinor: bigint; expiresOn: string; reason: string } | null,
  documentMinor: bigint,
  date: string,
  fmt: (minor: bigint) => string,
): CheckResult & { overrideUsed: boolean } {
  if (result.decision !== 'block' || !override || date > override.expiresOn) return { ...result, overrideUsed: false };
  const left = override.amountMinor - override.usedMinor;
  if (left < documentMinor) return { ...result, overrideUsed: false };
  const reasons: Reason[] = result.reasons.map((x) => (x.severity === 'block' ? { ...x, severity: 'warn' } : x));
  reasons.push({
    code: 'override',
    severity: 'info',
    zh: `特批放行：剩余特批额度 ${fmt(left)}，有效至 ${override.expiresOn}（${override.reason}）`,
    en: `released by an approved override: ${fmt(left)} left, valid until ${override.expiresOn} (${override.reason})`,
  });
  return { decision: 'warn', reasons, overrideUsed: true };
}

// ---------------------------------------------------------------------------------------------
// Recommended limit
// ---------------------------------------------------------------------------------------------

/** Share of the terms-based need granted per grade, in percent. */
export const GRADE_FACTOR_PERCENT: Record<Grade, number> = { A: 120, B: 100, C: 75, D: 40, E: 0 };

/**
 * Recommended limit (建议额度), a transparent formula:
 *
 *   need        = 12-month sales × (payment terms days + 30) ÷ 365
 *                 (what the customer owes at a time when it pays on terms, plus a month of orders)
 *   recommended = need × grade factor (A 120 %, B 100 %, C 75 %, D 40 %, E 0 %)
 *                 rounded down to a whole 1,000 of the currency's major unit
 *
 * With no score the factor of grade C applies. Integer arithmetic throughout.
 */
export function recommendedLimit(input: { volume12mMinor: bigint; paymentTermsDays: number; grade: Grade | null; scale: number }): {
  amountMinor: bigint;
  needMinor: bigint;
  factorPercent: number;
  zh: string;
  en: string;
} {
  const factor = GRADE_FACTOR_PERCENT[input.grade ?? 'C'];
  const days = BigInt(Math.max(0, Math.trunc(input.paymentTermsDays)) + 30);
  const volume = input.volume12mMinor > 0n ? input.volume12mMinor : 0n;
  const need = (volume * days) / 365n;
  const raw = (need * BigInt(factor)) / 100n;
  const unit = 1000n * 10n ** BigInt(input.scale);
  const amountMinor = (raw / unit) * unit;
  const g = input.grade ?? 'C';
  return {
    amountMinor,
    needMinor: need,
    factorPercent: factor,
    zh: `近12个月销售额 × (账期 ${input.paymentTermsDays} 天 + 30) ÷ 365 × 等级 ${g} 系数 ${factor}%，向下取整到千元`,
    en: `12-month sales × (terms ${input.paymentTermsDays} days + 30) ÷ 365 × grade ${g} factor ${factor}%, rounded down to a thousand`,
  };
}
