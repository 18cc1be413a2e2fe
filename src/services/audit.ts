/**
 * The append-only, hash-chained audit log. Appending goes through the audit_append() database
 * function (migrations/0003_audit_chain.sql); verifying recomputes every hash and link.
 */
import type { Queryable } from '../db/database';
import { emitForAudit } from '../webhooks/events';
import { type Actor, createdBy } from './actor';
import { reevaluateAfterLedgerChange } from './credit/holds';
import { toJson } from './json';

export async function audit(
  tx: Queryable,
  actor: Actor,
  action: string,
  objectType: string,
  objectId: string | null,
  before: unknown,
  after: unknown,
): Promise<void> {
  await tx.query('SELECT audit_append($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb)', [
    createdBy(actor),
    actor.username,
    action,
    objectType,
    objectId,
    before === null || before === undefined ? null : toJson(before),
    after === null || after === undefined ? null : toJson(after),
  ]);
  // Webhooks (docs/webhooks.md): the mapped event joins the same transaction as the change.
  await emitForAudit(tx, action, objectId, after);
  // Credit holds (docs/credit.md): a receipt or allocation may bring a customer back within the rules.
  await reevaluateAfterLedgerChange(tx, actor, action, objectType, objectId, after);
}

export interface AuditVerification {
  ok: boolean;
  rows: number;
  /** The first row whose hash or link does not match, if any. */
  firstBroken: { seq: string; reason: 'hash_mismatch' | 'chain_broken' | 'sequence_gap' } | null;
}

/** Recomputes the chain in the database, streaming in pages so that a long log stays cheap. */
export async function verifyAuditChain(db: Queryable, pageSize = 5000): Promise<AuditVerification> {
  let prevHash = '0'.repeat(64);
  let prevSeq = 0n;
  let rows = 0;
  for (;;) {
    const page = await db.query<{ seq: bigint; prev_hash: string; hash: string; recomputed: string }>(
      `SELECT seq, prev_hash, hash,
              audit_row_digest(seq, at, actor_id, actor, action, object_type, object_id, before, after, prev_hash) AS recomputed
         FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2`,
      [prevSeq.toString(), pageSize],
    );
    for (const r of page) {
      rows++;
      const seq = r.seq.toString();
      if (r.seq !== prevSeq + 1n) return { ok: false, rows, firstBroken: { seq, reason: 'sequence_gap' } };
      if (r.prev_hash !== prevHash) return { ok: false, rows, firstBroken: { seq, reason: 'chain_broken' } };
      if (r.recomputed !== r.hash) return { ok: false, rows, firstBroken: { seq, reason: 'hash_mismatch' } };
      prevHash = r.hash;
      prevSeq = r.seq;
    }
    if (page.length < pageSize) break;
  }
  return { ok: true, rows, firstBroken: null };
}
