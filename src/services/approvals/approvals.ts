/**
 * The approval engine on the database (docs/approvals.md): chains, requests, decisions,
 * delegations, reminders and expiry. The rules are the pure state machine in
 * src/domain/approvals; this module loads, locks, stores and audits. When the last step approves,
 * the document type's handler (handlers.ts) applies the approved change in the same transaction.
 */
import type { Queryable } from '../../db/database';
import { type ApprovalChain, type ChainStep, selectChain, validateChain } from '../../domain/approvals/chains';
import { type ApprovalState, cancel, type Decision, type Delegation, decide, eligibility, reminderDue } from '../../domain/approvals/request';
import { todayIso } from '../../domain/dates';
import { formatAmount } from '../../domain/money';
import { type Actor, createdBy, requireRole } from '../actor';
import { audit } from '../audit';
import { AppError, conflict, forbidden, invalid, notFound } from '../errors';
import { applyApproved } from './handlers';

/** With no matching chain a request still needs someone else: one step, any admin. */
export const FALLBACK_STEPS: ChainStep[] = [{ name: '管理员审批 / administrator', approverRoles: ['admin'] }];

interface ChainRow {
  id: string;
  name: string;
  document_type: string;
  currency: string;
  min_amount_minor: bigint;
  max_amount_minor: bigint | null;
  requester_roles: string[];
  priority: number;
  active: boolean;
  steps: { name: string; approver_roles: string[]; approver_user_id: string | null }[] | null;
}

export async function loadChains(tx: Queryable, documentType?: string): Promise<ApprovalChain[]> {
  const rows = await tx.query<ChainRow>(
    `SELECT c.id, c.name, c.document_type, c.currency, c.min_amount_minor, c.max_amount_minor, c.requester_roles, c.priority, c.active,
            (SELECT jsonb_agg(jsonb_build_object('name', s.name, 'approver_roles', s.approver_roles, 'approver_user_id', s.approver_user_id) ORDER BY s.seq)
               FROM approval_chain_steps s WHERE s.chain_id = c.id) AS steps
       FROM approval_chains c WHERE ($1::text IS NULL OR c.document_type = $1) ORDER BY c.document_type, c.min_amount_minor, c.name`,
    [documentType ?? null],
  );
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    documentType: r.document_type,
    currency: r.currency.trim(),
    minAmountMinor: BigInt(r.min_amount_minor),
    maxAmountMinor: r.max_amount_minor === null ? null : BigInt(r.max_amount_minor),
    requesterRoles: r.requester_roles,
    priority: r.priority,
    active: r.active,
    steps: (r.steps ?? []).map((s) => ({ name: s.name, approverRoles: s.approver_roles, approverUserId: s.approver_user_id })),
  }));
}

/** Whether any active chain exists for the document type (e.g. limit changes need approval only then). */
export async function approvalConfigured(tx: Queryable, documentType: string): Promise<boolean> {
  const [r] = await tx.query<{ n: bigint }>('SELECT count(*) AS n FROM approval_chains WHERE document_type = $1 AND active', [documentType]);
  return (r?.n ?? 0n) > 0n;
}

export async function createChain(tx: Queryable, actor: Actor, input: Omit<ApprovalChain, 'id' | 'active'> & { active?: boolean }): Promise<ApprovalChain> {
  requireRole(actor, 'admin');
  const errors = validateChain({ ...input, active: input.active ?? true });
  if (errors.length) throw invalid('invalid_chain', errors.join('; '), 'steps');
  const [row] = await tx.query<{ id: string }>(
    `INSERT INTO approval_chains (name, document_type, currency, min_amount_minor, max_amount_minor, requester_roles, priority, active)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id`,
    [input.name, input.documentType, input.currency, input.minAmountMinor, input.maxAmountMinor, input.requesterRoles, input.priority, input.active ?? true],
  );
  for (const [i, s] of input.steps.entries()) {
    await tx.query('INSERT INTO approval_chain_steps (chain_id, seq, name, approver_roles, approver_user_id) VALUES ($1,$2,$3,$4,$5)', [
      row!.id,
      i + 1,
      s.name,
      s.approverRoles,
      s.approverUserId ?? null,
    ]);
  }
  const chain = { ...input, id: row!.id, active: input.active ?? true };
  await audit(tx, actor, 'approval_chain.create', 'approval_chain', row!.id, null, chainOut(chain));
  return chain;
}

export async function setChainActive(tx: Queryable, actor: Actor, id: string, active: boolean): Promise<void> {
  requireRole(actor, 'admin');
  const rows = await tx.query('UPDATE approval_chains SET active = $2 WHERE id = $1 RETURNING id', [id, active]);
  if (!rows.length) throw notFound('approval chain', 'id');
  await audit(tx, actor, active ? 'approval_chain.activate' : 'approval_chain.deactivate', 'approval_chain', id, null, { active });
}

export function chainOut(c: ApprovalChain) {
  return {
    id: c.id,
    name: c.name,
    documentType: c.documentType,
    currency: c.currency,
    minAmount: formatAmount(c.minAmountMinor, c.currency),
    maxAmount: c.maxAmountMinor === null ? null : formatAmount(c.maxAmountMinor, c.currency),
    requesterRoles: c.requesterRoles,
    priority: c.priority,
    active: c.active,
    steps: c.steps,
  };
}

// ---- requests ---------------------------------------------------------------------------------

export interface NewApprovalRequest {
  documentType: string;
  partyId?: string | null;
  entityId?: string | null;
  amountMinor: bigint;
  currency: string;
  title: string;
  reason: string;
  payload: Record<string, unknown>;
  /** ISO timestamp; default 14 days from now. */
  expiresAt?: string | null;
}

export async function requestApproval(tx: Queryable, actor: Actor, input: NewApprovalRequest) {
  const requester = createdBy(actor);
  if (!requester) throw forbidden('the system cannot request an approval');
  if (!input.reason.trim()) throw invalid('reason_required', 'give a reason', 'reason');
  const chains = await loadChains(tx, input.documentType);
  const chain = selectChain(chains, { documentType: input.documentType, amountMinor: input.amountMinor, currency: input.currency, requesterRole: actor.role });
  const steps = chain?.steps ?? FALLBACK_STEPS;
  const expiresAt = input.expiresAt === undefined ? new Date(Date.now() + 14 * 86_400_000).toISOString() : input.expiresAt;
  const [row] = await tx.query<{ id: string }>(
    `INSERT INTO approval_requests (document_type, chain_id, steps, party_id, entity_id, amount_minor, currency, title, reason, payload, requester_id, expires_at)
     VALUES ($1,$2,$3::jsonb,$4,$5,$6,$7,$8,$9,$10::jsonb,$11,$12) RETURNING id`,
    [
      input.documentType,
      chain?.id ?? null,
      JSON.stringify(steps),
      input.partyId ?? null,
      input.entityId ?? null,
      input.amountMinor,
      input.currency,
      input.title,
      input.reason.trim(),
      JSON.stringify(input.payload, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)),
      requester,
      expiresAt,
    ],
  );
  await audit(tx, actor, 'approval.request', 'approval_request', row!.id, null, {
    documentType: input.documentType,
    chain: chain?.name ?? 'fallback',
    steps: steps.map((s) => s.name),
    amount: formatAmount(input.amountMinor, input.currency),
    currency: input.currency,
    title: input.title,
    reason: input.reason,
  });
  return getRequest(tx, row!.id);
}

interface RequestRow {
  id: string;
  document_type: string;
  chain_id: string | null;
  steps: ChainStep[];
  current_step: number;
  status: ApprovalState['status'];
  party_id: string | null;
  party_code: string | null;
  party_name: string | null;
  entity_id: string | null;
  amount_minor: bigint;
  currency: string;
  title: string;
  reason: string;
  payload: Record<string, unknown>;
  result: Record<string, unknown> | null;
  requester_id: string;
  requester_name: string | null;
  expires_at: Date | string | null;
  last_reminded_at: Date | string | null;
  created_at: Date | string;
  decided_at: Date | string | null;
}

const iso = (v: Date | string | null): string | null => (v === null ? null : v instanceof Date ? v.toISOString() : new Date(v).toISOString());

const REQUEST_SQL = `SELECT r.*, p.code AS party_code, p.name AS party_name, u.display_name AS requester_name
  FROM approval_requests r LEFT JOIN parties p ON p.id = r.party_id LEFT JOIN users u ON u.id = r.requester_id`;

async function loadDecisions(tx: Queryable, requestId: string): Promise<(Decision & { userName: string | null })[]> {
  const rows = await tx.query<{ step: number; user_id: string; on_behalf_of: string | null; decision: 'approve' | 'reject'; comment: string | null; decided_at: Date | string; user_name: string | null }>(
    `SELECT d.step, d.user_id, d.on_behalf_of, d.decision, d.comment, d.decided_at, u.display_name AS user_name
       FROM approval_decisions d LEFT JOIN users u ON u.id = d.user_id WHERE d.request_id = $1 ORDER BY d.step`,
    [requestId],
  );
  return rows.map((d) => ({ step: d.step, userId: d.user_id, onBehalfOf: d.on_behalf_of, decision: d.decision, comment: d.comment, at: iso(d.decided_at)!, userName: d.user_name }));
}

function stateOf(r: RequestRow, decisions: Decision[]): ApprovalState {
  return { status: r.status, requesterId: r.requester_id, steps: r.steps, currentStep: r.current_step, decisions, expiresAt: iso(r.expires_at) };
}

function requestOut(r: RequestRow, decisions: (Decision & { userName: string | null })[]) {
  const cur = r.currency.trim();
  return {
    id: r.id,
    documentType: r.document_type,
    status: r.status,
    title: r.title,
    reason: r.reason,
    amount: formatAmount(BigInt(r.amount_minor), cur),
    currency: cur,
    party: r.party_id ? { id: r.party_id, code: r.party_code, name: r.party_name } : null,
    entityId: r.entity_id,
    steps: r.steps,
    currentStep: r.current_step,
    currentStepName: r.steps[r.current_step]?.name ?? null,
    requester: { id: r.requester_id, name: r.requester_name },
    payload: r.payload,
    result: r.result,
    decisions,
    expiresAt: iso(r.expires_at),
    createdAt: iso(r.created_at),
    decidedAt: iso(r.decided_at),
  };
}

export type ApprovalRequestOut = ReturnType<typeof requestOut>;

export async function getRequest(tx: Queryable, id: string): Promise<ApprovalRequestOut> {
  const [r] = await tx.query<RequestRow>(`${REQUEST_SQL} WHERE r.id = $1`, [id]);
  if (!r) throw notFound('approval request', 'id');
  return requestOut(r, await loadDecisions(tx, id));
}

async function delegationsTo(tx: Queryable, userId: string): Promise<Delegation[]> {
  const rows = await tx.query<{ from_user_id: string; from_role: string; to_user_id: string; starts_on: string; ends_on: string }>(
    `SELECT d.from_user_id, u.role AS from_role, d.to_user_id, d.starts_on, d.ends_on
       FROM approval_delegations d JOIN users u ON u.id = d.from_user_id
      WHERE d.to_user_id = $1 AND d.revoked_at IS NULL AND NOT u.disabled`,
    [userId],
  );
  return rows.map((d) => ({ fromUserId: d.from_user_id, fromRole: d.from_role, toUserId: d.to_user_id, startsOn: d.starts_on, endsOn: d.ends_on }));
}

const DECIDE_ERRORS: Record<string, [number, string]> = {
  not_pending: [409, 'the request is no longer pending'],
  expired: [409, 'the request has expired'],
  own_request: [403, 'you cannot decide your own request'],
  already_decided_a_step: [403, 'you already decided a step of this request'],
  not_an_approver: [403, 'you are not an approver of the current step'],
  comment_required: [422, 'a rejection needs a comment'],
};

/** Approve or reject the current step; the last approval applies the change in the same transaction. */
export async function decideRequest(tx: Queryable, actor: Actor, id: string, decision: 'approve' | 'reject', comment?: string | null) {
  const [r] = await tx.query<RequestRow>(`${REQUEST_SQL} WHERE r.id = $1 FOR UPDATE OF r`, [id]);
  if (!r) throw notFound('approval request', 'id');
  const decisions = await loadDecisions(tx, id);
  const now = new Date().toISOString();
  const state = stateOf(r, decisions);
  const out = decide(state, { user: { userId: actor.userId, role: actor.role }, decision, comment: comment ?? null, at: now, delegations: await delegationsTo(tx, actor.userId) });
  if (!out.ok) {
    if (out.error.code === 'expired') await markExpired(tx, actor, r.id);
    const [status, message] = DECIDE_ERRORS[out.error.code] ?? [422, out.error.code];
    throw new AppError(status, out.error.code === 'not_pending' ? 'approval_not_pending' : `approval_${out.error.code}`, message);
  }
  const d = out.decision;
  await tx.query('INSERT INTO approval_decisions (request_id, step, user_id, on_behalf_of, decision, comment, decided_at) VALUES ($1,$2,$3,$4,$5,$6,$7)', [
    id,
    d.step,
    d.userId,
    d.onBehalfOf,
    d.decision,
    d.comment,
    d.at,
  ]);
  const final = out.state.status !== 'pending';
  await tx.query('UPDATE approval_requests SET status = $2, current_step = $3, decided_at = CASE WHEN $4 THEN now() ELSE decided_at END WHERE id = $1', [
    id,
    out.state.status,
    out.state.currentStep,
    final,
  ]);
  await audit(tx, actor, decision === 'approve' ? 'approval.approve' : 'approval.reject', 'approval_request', id, { status: r.status, step: r.current_step }, {
    status: out.state.status,
    step: d.step,
    stepName: r.steps[d.step]?.name,
    onBehalfOf: d.onBehalfOf,
    comment: d.comment,
  });
  if (out.state.status === 'approved') {
    const result = await applyApproved(tx, actor, requestOut(r, decisions));
    await tx.query('UPDATE approval_requests SET result = $2::jsonb WHERE id = $1', [id, JSON.stringify(result ?? {})]);
  }
  return getRequest(tx, id);
}

export async function cancelRequest(tx: Queryable, actor: Actor, id: string) {
  const [r] = await tx.query<RequestRow>(`${REQUEST_SQL} WHERE r.id = $1 FOR UPDATE OF r`, [id]);
  if (!r) throw notFound('approval request', 'id');
  const out = cancel(stateOf(r, []), actor.userId);
  if (!out.ok) throw out.error.code === 'not_pending' ? conflict('approval_not_pending', 'the request is no longer pending') : forbidden('only the requester can cancel');
  await tx.query("UPDATE approval_requests SET status = 'cancelled', decided_at = now() WHERE id = $1", [id]);
  await audit(tx, actor, 'approval.cancel', 'approval_request', id, { status: 'pending' }, { status: 'cancelled' });
  return getRequest(tx, id);
}

async function markExpired(tx: Queryable, actor: Actor, id: string): Promise<void> {
  const rows = await tx.query("UPDATE approval_requests SET status = 'expired', decided_at = now() WHERE id = $1 AND status = 'pending' RETURNING id", [id]);
  if (rows.length) await audit(tx, actor, 'approval.expire', 'approval_request', id, { status: 'pending' }, { status: 'expired' });
}

/** Expires every pending request past its expiry (scheduler / CLI). */
export async function expireRequests(tx: Queryable, actor: Actor, now = new Date()): Promise<string[]> {
  const rows = await tx.query<{ id: string }>("SELECT id FROM approval_requests WHERE status = 'pending' AND expires_at < $1 ORDER BY created_at FOR UPDATE", [now.toISOString()]);
  for (const r of rows) await markExpired(tx, actor, r.id);
  return rows.map((r) => r.id);
}

/** My pending decisions (directly or as a delegate), and my own open requests. */
export async function inbox(tx: Queryable, actor: Actor) {
  const now = new Date().toISOString();
  const rows = await tx.query<RequestRow>(`${REQUEST_SQL} WHERE r.status = 'pending' ORDER BY r.created_at`);
  const delegations = await delegationsTo(tx, actor.userId);
  const toDecide: (ApprovalRequestOut & { onBehalfOf: string | null })[] = [];
  const mine: ApprovalRequestOut[] = [];
  for (const r of rows) {
    const decisions = await loadDecisions(tx, r.id);
    const state = stateOf(r, decisions);
    if (r.requester_id === actor.userId) mine.push(requestOut(r, decisions));
    const who = eligibility(state, { userId: actor.userId, role: actor.role }, now, delegations);
    if (who && !(state.expiresAt && Date.parse(now) > Date.parse(state.expiresAt))) toDecide.push({ ...requestOut(r, decisions), onBehalfOf: who.onBehalfOf });
  }
  return { toDecide, mine };
}

export async function listRequests(tx: Queryable, filter: { status?: string; documentType?: string; partyId?: string } = {}) {
  const rows = await tx.query<RequestRow>(
    `${REQUEST_SQL} WHERE ($1::text IS NULL OR r.status = $1) AND ($2::text IS NULL OR r.document_type = $2) AND ($3::uuid IS NULL OR r.party_id = $3)
      ORDER BY r.created_at DESC LIMIT 500`,
    [filter.status ?? null, filter.documentType ?? null, filter.partyId ?? null],
  );
  const out: ApprovalRequestOut[] = [];
  for (const r of rows) out.push(requestOut(r, await loadDecisions(tx, r.id)));
  return out;
}

// ---- delegation ---------------------------------------------------------------------------------

export interface DelegationInput {
  toUserId?: string;
  toUsername?: string;
  /** An admin may set a delegation for someone else. */
  fromUserId?: string;
  startsOn: string;
  endsOn: string;
  reason?: string | null;
}

export async function delegate(tx: Queryable, actor: Actor, input: DelegationInput) {
  const from = input.fromUserId ?? createdBy(actor);
  if (!from) throw forbidden('the system has no decisions to delegate');
  if (from !== actor.userId) requireRole(actor, 'admin');
  if (input.endsOn < input.startsOn) throw invalid('invalid_range', 'endsOn must not be before startsOn', 'endsOn');
  const [to] = input.toUserId
    ? await tx.query<{ id: string }>('SELECT id FROM users WHERE id = $1 AND NOT disabled', [input.toUserId])
    : await tx.query<{ id: string }>('SELECT id FROM users WHERE username = $1 AND NOT disabled', [input.toUsername ?? '']);
  if (!to) throw notFound('user', input.toUserId ? 'toUserId' : 'toUsername');
  if (to.id === from) throw invalid('self_delegation', 'a user cannot delegate to themselves', 'toUserId');
  const [row] = await tx.query<{ id: string }>(
    'INSERT INTO approval_delegations (from_user_id, to_user_id, starts_on, ends_on, reason) VALUES ($1,$2,$3,$4,$5) RETURNING id',
    [from, to.id, input.startsOn, input.endsOn, input.reason ?? null],
  );
  await audit(tx, actor, 'approval.delegate', 'approval_delegation', row!.id, null, { from, to: to.id, startsOn: input.startsOn, endsOn: input.endsOn, reason: input.reason ?? null });
  return { id: row!.id, fromUserId: from, toUserId: to.id, startsOn: input.startsOn, endsOn: input.endsOn };
}

export async function revokeDelegation(tx: Queryable, actor: Actor, id: string) {
  const [d] = await tx.query<{ from_user_id: string }>('SELECT from_user_id FROM approval_delegations WHERE id = $1 AND revoked_at IS NULL FOR UPDATE', [id]);
  if (!d) throw notFound('delegation', 'id');
  if (d.from_user_id !== actor.userId) requireRole(actor, 'admin');
  await tx.query('UPDATE approval_delegations SET revoked_at = now() WHERE id = $1', [id]);
  await audit(tx, actor, 'approval.delegation_revoke', 'approval_delegation', id, null, { revoked: true });
}

export async function listDelegations(tx: Queryable, actor: Actor) {
  return tx.query<{ id: string; from_user_id: string; from_name: string; to_user_id: string; to_name: string; starts_on: string; ends_on: string; reason: string | null }>(
    `SELECT d.id, d.from_user_id, f.display_name AS from_name, d.to_user_id, t.display_name AS to_name, d.starts_on, d.ends_on, d.reason
       FROM approval_delegations d JOIN users f ON f.id = d.from_user_id JOIN users t ON t.id = d.to_user_id
      WHERE d.revoked_at IS NULL AND d.ends_on >= $2 AND (d.from_user_id = $1 OR d.to_user_id = $1)
      ORDER BY d.starts_on`,
    [actor.userId, todayIso()],
  );
}

// ---- reminders ----------------------------------------------------------------------------------

/**
 * Reminders (催办): every pending request idle for `everyHours` gets a reminder for the current
 * step's approvers (their users listed), recorded in last_reminded_at and the audit log. Delivery
 * to people goes through the caller (CLI prints, the scheduler may notify).
 */
export async function sendReminders(tx: Queryable, actor: Actor, everyHours = 24, now = new Date()) {
  const rows = await tx.query<RequestRow>(`${REQUEST_SQL} WHERE r.status = 'pending' ORDER BY r.created_at FOR UPDATE OF r`);
  const sent: { requestId: string; title: string; step: string | null; approvers: string[] }[] = [];
  for (const r of rows) {
    const decisions = await loadDecisions(tx, r.id);
    const state = stateOf(r, decisions);
    if (!reminderDue(state, iso(r.created_at)!, iso(r.last_reminded_at), now.toISOString(), everyHours)) continue;
    const step = r.steps[r.current_step];
    const approvers = step
      ? (
          await tx.query<{ username: string }>(
            'SELECT username FROM users WHERE NOT disabled AND id <> $3 AND (id = $1 OR ($1 IS NULL AND role = ANY ($2::text[]))) ORDER BY username',
            [step.approverUserId ?? null, step.approverRoles, r.requester_id],
          )
        ).map((u) => u.username)
      : [];
    await tx.query('UPDATE approval_requests SET last_reminded_at = $2 WHERE id = $1', [r.id, now.toISOString()]);
    await audit(tx, actor, 'approval.remind', 'approval_request', r.id, null, { step: step?.name ?? null, approvers });
    sent.push({ requestId: r.id, title: r.title, step: step?.name ?? null, approvers });
  }
  return sent;
}
