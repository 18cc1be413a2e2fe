/**
 * Approval chains (审批流): which sequence of approval steps a request goes through, chosen by
 * document type, amount thresholds and the requester's role. Pure: the chains come from the
 * database (approval_chains + approval_chain_steps) or from configuration.
 *
 * Selection (selectChain): among active chains for the document type whose currency equals the
 * request's, whose amount range holds the amount (minAmount ≤ amount, and amount < maxAmount when a
 * maximum is set), and whose requester roles include the requester's role (or which name no role),
 * the most specific wins: a chain naming the role beats one that names none, then the higher
 * minimum amount (the threshold crossed), then the lower priority number, then the id. No match →
 * null, and the caller decides (the services fall back to one step approved by an admin).
 */

export const DOCUMENT_TYPES = ['credit_limit', 'credit_override', 'write_off', 'provision_run'] as const;
export type DocumentType = string;

export interface ChainStep {
  /** Step name for people, e.g. "信用经理审批". */
  name: string;
  /** Any user with one of these roles may decide this step … */
  approverRoles: string[];
  /** … or exactly this user (when set, roles are ignored). */
  approverUserId?: string | null;
}

export interface ApprovalChain {
  id: string;
  name: string;
  documentType: DocumentType;
  currency: string;
  /** Inclusive lower threshold, minor units. */
  minAmountMinor: bigint;
  /** Exclusive upper bound; null = unbounded. */
  maxAmountMinor: bigint | null;
  /** Requester roles this chain applies to; empty = every role. */
  requesterRoles: string[];
  priority: number;
  active: boolean;
  steps: ChainStep[];
}

export interface ChainQuery {
  documentType: DocumentType;
  amountMinor: bigint;
  currency: string;
  requesterRole: string;
}

export function chainMatches(c: ApprovalChain, q: ChainQuery): boolean {
  return (
    c.active &&
    c.steps.length > 0 &&
    c.documentType === q.documentType &&
    c.currency === q.currency &&
    q.amountMinor >= c.minAmountMinor &&
    (c.maxAmountMinor === null || q.amountMinor < c.maxAmountMinor) &&
    (c.requesterRoles.length === 0 || c.requesterRoles.includes(q.requesterRole))
  );
}

/** Orders two matching chains: negative when a is more specific than b. */
function moreSpecific(a: ApprovalChain, b: ApprovalChain): number {
  const ra = a.requesterRoles.length > 0 ? 1 : 0;
  const rb = b.requesterRoles.length > 0 ? 1 : 0;
  if (ra !== rb) return rb - ra;
  if (a.minAmountMinor !== b.minAmountMinor) return a.minAmountMinor > b.minAmountMinor ? -1 : 1;
  if (a.priority !== b.priority) return a.priority - b.priority;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export function selectChain(chains: readonly ApprovalChain[], q: ChainQuery): ApprovalChain | null {
  const matching = chains.filter((c) => chainMatches(c, q)).sort(moreSpecific);
  return matching[0] ?? null;
}

/** Problems with a chain definition (empty = valid). */
export function validateChain(c: Omit<ApprovalChain, 'id'>): string[] {
  const errors: string[] = [];
  if (!c.documentType) errors.push('documentType is required');
  if (c.minAmountMinor < 0n) errors.push('minAmount must not be negative');
  if (c.maxAmountMinor !== null && c.maxAmountMinor <= c.minAmountMinor) errors.push('maxAmount must be above minAmount');
  if (c.steps.length === 0) errors.push('a chain needs at least one step');
  if (c.steps.length > 10) errors.push('a chain has at most 10 steps');
  c.steps.forEach((s, i) => {
    if (!s.approverUserId && s.approverRoles.length === 0) errors.push(`step ${i + 1} needs an approver role or user`);
  });
  return errors;
}
