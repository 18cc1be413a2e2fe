/**
 * Who is acting, and the transaction they act in. Every request runs in a transaction as the
 * non-owner role shoufu_app with the user's scopes in transaction-local settings, so PostgreSQL
 * row-level security filters every read and write (see migrations/0002_row_level_security.sql).
 */
import type { Database, Queryable } from '../db/database';
import { forbidden } from './errors';

export const ROLES = ['admin', 'finance', 'collector', 'sales', 'legal', 'manager', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

export interface Actor {
  userId: string;
  username: string;
  role: Role;
  /** Entity ids the user may see; null = all. */
  scopeEntityIds: string[] | null;
  /** Regions the user may see; null = all. */
  scopeRegions: string[] | null;
  /** A salesperson limited to the customers they own. */
  ownCustomersOnly: boolean;
}

/** The system itself (CLI maintenance, scheduled jobs): all scopes. */
export const SYSTEM_ACTOR: Actor = {
  userId: '00000000-0000-0000-0000-000000000000',
  username: 'system',
  role: 'admin',
  scopeEntityIds: null,
  scopeRegions: null,
  ownCustomersOnly: false,
};

const WRITERS: readonly Role[] = ['admin', 'finance'];
const AUDIT_READERS: readonly Role[] = ['admin', 'auditor', 'finance'];

export function canWriteLedger(actor: Actor): boolean {
  return WRITERS.includes(actor.role);
}

export function requireLedgerWriter(actor: Actor): void {
  if (!canWriteLedger(actor)) throw forbidden(`role ${actor.role} cannot change the ledger`);
}

export function requireRole(actor: Actor, ...roles: Role[]): void {
  if (!roles.includes(actor.role)) throw forbidden(`requires role ${roles.join(' or ')}`);
}

export function canReadAudit(actor: Actor): boolean {
  return AUDIT_READERS.includes(actor.role);
}

function list(values: string[] | null): string {
  return values === null ? '*' : values.join(',');
}

export async function applyScope(tx: Queryable, actor: Actor): Promise<void> {
  await tx.query(
    `SELECT set_config('app.user_id', $1, true), set_config('app.scope_entities', $2, true),
            set_config('app.scope_regions', $3, true), set_config('app.scope_owner', $4, true),
            set_config('app.audit_reader', $5, true)`,
    [
      actor.userId,
      list(actor.scopeEntityIds),
      list(actor.scopeRegions),
      actor.ownCustomersOnly ? actor.userId : '',
      canReadAudit(actor) ? 'yes' : 'no',
    ],
  );
  await tx.query('SET LOCAL ROLE shoufu_app');
}

/** Runs fn in one transaction under the actor's role and data scope. */
export function withActor<T>(db: Database, actor: Actor, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await applyScope(tx, actor);
    return fn(tx);
  });
}

/** The users.id to record as creator; the system actor is not a user row. */
export function createdBy(actor: Actor): string | null {
  return actor.userId === SYSTEM_ACTOR.userId ? null : actor.userId;
}
