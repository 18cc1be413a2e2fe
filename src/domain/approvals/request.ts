/**
 * The state machine of one approval request. Pure: the services load a request, call decide(),
 * and store what it returns (the new state and the decision to append).
 *
 *   pending ──approve (not last step)──▶ pending (next step)
 *      │ ──approve (last step)──────────▶ approved
 *      │ ──reject (comment required)───▶ rejected
 *      │ ──cancel (requester)──────────▶ cancelled
 *      └ ──time passes expiresAt───────▶ expired
 *
 * Who may decide a step: the step's named user, or else any user holding one of its roles — and a
 * delegate standing in for such a user while a delegation (from, to, date range) is active. The
 * requester never decides their own request, and one person decides at most one step of a request
 * (four eyes stay four eyes in a two-step chain). A delegate's decision records on whose behalf.
 */
import type { ChainStep } from './chains';

export type RequestStatus = 'pending' | 'approved' | 'rejected' | 'cancelled' | 'expired';

export interface ApprovalUser {
  userId: string;
  role: string;
}

export interface Delegation {
  fromUserId: string;
  fromRole: string;
  toUserId: string;
  /** Active from … to, inclusive, YYYY-MM-DD. */
  startsOn: string;
  endsOn: string;
  revoked?: boolean;
}

export interface Decision {
  step: number;
  userId: string;
  onBehalfOf: string | null;
  decision: 'approve' | 'reject';
  comment: string | null;
  at: string;
}

export interface ApprovalState {
  status: RequestStatus;
  requesterId: string;
  steps: ChainStep[];
  /** Index of the step waiting for a decision (== steps.length once approved). */
  currentStep: number;
  decisions: Decision[];
  /** ISO timestamp; a pending request is expired after it. null = never. */
  expiresAt: string | null;
}

export type DecideError =
  | { code: 'not_pending'; status: RequestStatus }
  | { code: 'expired' }
  | { code: 'own_request' }
  | { code: 'already_decided_a_step' }
  | { code: 'not_an_approver' }
  | { code: 'comment_required' };

export interface DecideInput {
  user: ApprovalUser;
  decision: 'approve' | 'reject';
  comment?: string | null;
  /** ISO timestamp of the decision. */
  at: string;
  delegations?: readonly Delegation[];
}

export function newRequest(requesterId: string, steps: ChainStep[], expiresAt: string | null): ApprovalState {
  if (steps.length === 0) throw new Error('an approval request needs at least one step');
  return { status: 'pending', requesterId, steps, currentStep: 0, decisions: [], expiresAt };
}

export function isExpired(s: ApprovalState, at: string): boolean {
  return s.status === 'pending' && s.expiresAt !== null && Date.parse(at) > Date.parse(s.expiresAt);
}

function activeOn(d: Delegation, date: string): boolean {
  return !d.revoked && d.startsOn <= date && date <= d.endsOn;
}

function holdsStep(step: ChainStep, user: ApprovalUser): boolean {
  if (step.approverUserId) return step.approverUserId === user.userId;
  return step.approverRoles.includes(user.role);
}

/**
 * Whether the user may decide the current step, directly or as a delegate; returns on whose behalf
 * (null = in their own right), or null when not eligible.
 */
export function eligibility(
  s: ApprovalState,
  user: ApprovalUser,
  at: string,
  delegations: readonly Delegation[] = [],
): { onBehalfOf: string | null } | null {
  const step = s.steps[s.currentStep];
  if (!step || s.status !== 'pending') return null;
  if (user.userId === s.requesterId) return null;
  const decided = new Set(s.decisions.flatMap((d) => [d.userId, ...(d.onBehalfOf ? [d.onBehalfOf] : [])]));
  if (decided.has(user.userId)) return null;
  if (holdsStep(step, user)) return { onBehalfOf: null };
  const date = at.slice(0, 10);
  for (const d of delegations) {
    if (d.toUserId !== user.userId || !activeOn(d, date)) continue;
    if (d.fromUserId === s.requesterId || decided.has(d.fromUserId)) continue;
    if (holdsStep(step, { userId: d.fromUserId, role: d.fromRole })) return { onBehalfOf: d.fromUserId };
  }
  return null;
}

export function decide(s: ApprovalState, input: DecideInput): { ok: true; state: ApprovalState; decision: Decision } | { ok: false; error: DecideError } {
  if (isExpired(s, input.at)) return { ok: false, error: { code: 'expired' } };
  if (s.status !== 'pending') return { ok: false, error: { code: 'not_pending', status: s.status } };
  if (input.user.userId === s.requesterId) return { ok: false, error: { code: 'own_request' } };
  if (s.decisions.some((d) => d.userId === input.user.userId || d.onBehalfOf === input.user.userId)) {
    return { ok: false, error: { code: 'already_decided_a_step' } };
  }
  const who = eligibility(s, input.user, input.at, input.delegations ?? []);
  if (!who) return { ok: false, error: { code: 'not_an_approver' } };
  const comment = input.comment?.trim() || null;
  if (input.decision === 'reject' && !comment) return { ok: false, error: { code: 'comment_required' } };
  const decision: Decision = {
    step: s.currentStep,
    userId: input.user.userId,
    onBehalfOf: who.onBehalfOf,
    decision: input.decision,
    comment,
    at: input.at,
  };
  const decisions = [...s.decisions, decision];
  if (input.decision === 'reject') return { ok: true, state: { ...s, status: 'rejected', decisions }, decision };
  const next = s.currentStep + 1;
  return {
    ok: true,
    state: { ...s, decisions, currentStep: next, status: next >= s.steps.length ? 'approved' : 'pending' },
    decision,
  };
}

export function cancel(s: ApprovalState, userId: string): { ok: true; state: ApprovalState } | { ok: false; error: DecideError } {
  if (s.status !== 'pending') return { ok: false, error: { code: 'not_pending', status: s.status } };
  if (userId !== s.requesterId) return { ok: false, error: { code: 'not_an_approver' } };
  return { ok: true, state: { ...s, status: 'cancelled' } };
}

export function expire(s: ApprovalState, at: string): ApprovalState {
  return isExpired(s, at) ? { ...s, status: 'expired' } : s;
}

/**
 * Reminders (催办): a pending request whose last activity (creation, last decision or last
 * reminder) is at least `everyHours` old is due a reminder to the current step's approvers.
 */
export function reminderDue(s: ApprovalState, createdAt: string, lastRemindedAt: string | null, now: string, everyHours: number): boolean {
  if (s.status !== 'pending' || isExpired(s, now)) return false;
  const times = [createdAt, ...(lastRemindedAt ? [lastRemindedAt] : []), ...s.decisions.map((d) => d.at)].map((t) => Date.parse(t));
  const last = Math.max(...times);
  return Date.parse(now) - last >= everyHours * 3_600_000;
}
