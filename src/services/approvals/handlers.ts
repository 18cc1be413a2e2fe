/**
 * What an approved request does, per document type. Runs in the transaction of the last
 * approval, as the approving user, and returns a summary stored in approval_requests.result.
 * write_off and provision_run are in src/services/credit/provisions.ts.
 */
import type { Queryable } from '../../db/database';
import type { Actor } from '../actor';
import { applyApprovedLimit } from '../credit/limits';
import { applyApprovedOverride } from '../credit/holds';
import { applyApprovedProvision, applyApprovedWriteOff } from '../credit/provisions';

export interface ApprovedRequest {
  id: string;
  documentType: string;
  payload: Record<string, unknown>;
  reason: string;
  requester: { id: string };
}

type Handler = (tx: Queryable, actor: Actor, request: ApprovedRequest) => Promise<Record<string, unknown>>;

const HANDLERS: Record<string, Handler> = {
  credit_limit: applyApprovedLimit,
  credit_override: applyApprovedOverride,
  provision_run: applyApprovedProvision,
  write_off: applyApprovedWriteOff,
};

export async function applyApproved(tx: Queryable, actor: Actor, request: ApprovedRequest): Promise<Record<string, unknown> | null> {
  const handler = HANDLERS[request.documentType];
  return handler ? handler(tx, actor, request) : null;
}
