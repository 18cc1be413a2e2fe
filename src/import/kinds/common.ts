/** Lookups shared by the kinds: entities and parties by code or exact name, a chunk at a time. */
import type { Queryable } from '../../db/database';
import type { Actor } from '../../services/actor';
import type { Side } from '../tabular/headers';
import type { EntityRef, FieldError, ImportEnv } from './types';

export interface PartyRef {
  id: string;
  code: string;
  name: string;
  is_customer: boolean;
  is_supplier: boolean;
  payment_terms_days: number;
  parent_id: string | null;
}

export interface PartyLookup {
  byCode: Map<string, PartyRef>;
  byName: Map<string, PartyRef[]>;
}

/** Parties visible to the actor with one of the codes or exact names. */
export async function lookupParties(tx: Queryable, codes: Iterable<string>, names: Iterable<string> = []): Promise<PartyLookup> {
  const c = [...new Set(codes)];
  const n = [...new Set(names)];
  const byCode = new Map<string, PartyRef>();
  const byName = new Map<string, PartyRef[]>();
  if (c.length === 0 && n.length === 0) return { byCode, byName };
  const rows = await tx.query<PartyRef>(
    `SELECT id, code, name, is_customer, is_supplier, payment_terms_days, parent_id
       FROM parties WHERE code = ANY($1::text[]) OR name = ANY($2::text[])`,
    [c, n],
  );
  for (const r of rows) {
    byCode.set(r.code, r);
    byName.set(r.name, [...(byName.get(r.name) ?? []), r]);
  }
  return { byCode, byName };
}

export const partyWord = (side: Side) => (side === 'AR' ? 'customer' : 'supplier');
export const partyWordZh = (side: Side) => (side === 'AR' ? '客户' : '供应商');

/** The party a row names by code, or else by exact name; an error when it names one that does not exist. */
export function resolveParty(
  lookup: PartyLookup,
  code: string | null,
  name: string | null,
  side: Side,
  nameField = 'partyName',
): { party: PartyRef | null; error?: FieldError } {
  if (code) {
    const p = lookup.byCode.get(code);
    if (!p) return { party: null, error: { field: 'partyCode', code: 'unknown_party', message: `unknown ${partyWord(side)} code ${code} (${partyWordZh(side)}编码不存在)` } };
    return { party: p };
  }
  if (name) {
    const found = lookup.byName.get(name) ?? [];
    if (found.length > 1) {
      return { party: null, error: { field: nameField, code: 'ambiguous_party', message: `${found.length} parties are named ${name}; give the ${partyWord(side)} code` } };
    }
    if (found.length === 1) return { party: found[0]! };
    return { party: null, error: { field: nameField, code: 'unknown_party', message: `no ${partyWord(side)} named ${name} (${partyWordZh(side)}不存在)` } };
  }
  return { party: null };
}

export function roleError(party: PartyRef, side: Side, field = 'partyCode'): FieldError | null {
  if (side === 'AR' && !party.is_customer) return { field, code: 'party_not_customer', message: `${party.code} is not a customer` };
  if (side === 'AP' && !party.is_supplier) return { field, code: 'party_not_supplier', message: `${party.code} is not a supplier` };
  return null;
}

/** Entities by code, cached for the file. */
export class EntityCache {
  private readonly known = new Map<string, EntityRef | null>();

  async load(tx: Queryable, codes: Iterable<string>): Promise<void> {
    const missing = [...new Set(codes)].filter((c) => !this.known.has(c));
    if (missing.length === 0) return;
    const rows = await tx.query<{ id: string; code: string; base_currency: string }>('SELECT id, code, base_currency FROM entities WHERE code = ANY($1::text[])', [missing]);
    for (const c of missing) {
      const r = rows.find((x) => x.code === c);
      this.known.set(c, r ? { id: r.id, code: r.code, baseCurrency: r.base_currency } : null);
    }
  }

  /** The row's entity (the default when the row names none), or an error. */
  resolve(code: string | null, env: ImportEnv, actor: Actor): { entity: EntityRef; error?: undefined } | { entity?: undefined; error: FieldError } {
    const entity = code === null ? env.entity : this.known.get(code);
    if (!entity) return { error: { field: 'entity', code: 'unknown_entity', message: `unknown entity ${code}` } };
    if (actor.scopeEntityIds && !actor.scopeEntityIds.includes(entity.id)) {
      return { error: { field: 'entity', code: 'entity_out_of_scope', message: `entity ${entity.code} is outside your data scope` } };
    }
    return { entity };
  }

  /** Ids of the entities rows may name: the default and every code loaded (for index-friendly lookups). */
  ids(env: ImportEnv): string[] {
    const ids = new Set<string>(env.entity.id ? [env.entity.id] : []);
    for (const e of this.known.values()) if (e) ids.add(e.id);
    return [...ids];
  }

  copy(): EntityCache {
    const c = new EntityCache();
    for (const [k, v] of this.known) c.known.set(k, v);
    return c;
  }
}

/** True when row-level security may hide rows from the actor (so "not visible" ≠ "does not exist"). */
export function actorIsScoped(actor: Actor): boolean {
  return actor.scopeEntityIds !== null || actor.scopeRegions !== null || actor.ownCustomersOnly;
}

/** Whether a document number is taken in the entity and side, whatever the actor may see. */
export async function numberTaken(tx: Queryable, table: 'invoices' | 'receipts', entityId: string, side: Side, number: string): Promise<boolean> {
  const [r] = await tx.query<{ taken: boolean }>('SELECT document_number_taken($1, $2, $3, $4) AS taken', [table, entityId, side, number]);
  return !!r?.taken;
}

/**
 * The keys of the rows accepted so far in a file, cheap to branch for a batch that may be retried:
 * branch() gives a set that sees every key here and records its own, without copying; the branch
 * replaces this set once its batch commits. (Copying the whole set per batch made a large file
 * quadratic.) Branching a branch first folds it into its base, so lookups stay one level deep.
 */
export class KeySet {
  private own = new Set<string>();
  private constructor(private base: KeySet | null) {}

  static empty(): KeySet {
    return new KeySet(null);
  }

  has(key: string): boolean {
    return this.own.has(key) || (this.base?.has(key) ?? false);
  }

  add(key: string): void {
    this.own.add(key);
  }

  branch(): KeySet {
    if (this.base) {
      const base = this.base;
      for (const k of this.own) base.own.add(k);
      this.own = base.own;
      this.base = null;
    }
    return new KeySet(this);
  }
}

/** What a document row names: its entity (or the default) and its party by code or exact name. */
export interface DocumentRef {
  entityCode: string | null;
  partyCode: string | null;
  partyName: string | null;
}

/** Loads the entities and parties a chunk of document rows names, in two queries. */
export async function loadDocumentRefs(tx: Queryable, rows: readonly { value: DocumentRef }[], entities: EntityCache): Promise<PartyLookup> {
  await entities.load(tx, rows.flatMap((r) => (r.value.entityCode ? [r.value.entityCode] : [])));
  return lookupParties(
    tx,
    rows.flatMap((r) => (r.value.partyCode ? [r.value.partyCode] : [])),
    rows.flatMap((r) => (!r.value.partyCode && r.value.partyName ? [r.value.partyName] : [])),
  );
}

/** The row's entity and party, each known, in scope and (the party) of the file's side; or why not. */
export function resolveDocumentRef(
  v: DocumentRef,
  parties: PartyLookup,
  entities: EntityCache,
  env: ImportEnv,
  actor: Actor,
): { entity: EntityRef; party: PartyRef; error?: undefined } | { error: FieldError } {
  const e = entities.resolve(v.entityCode, env, actor);
  if (e.error) return { error: e.error };
  const { party, error } = resolveParty(parties, v.partyCode, v.partyName, env.side);
  if (error || !party) return { error: error ?? { field: 'partyCode', code: 'required', message: 'the party is required' } };
  const role = roleError(party, env.side, v.partyCode ? 'partyCode' : 'partyName');
  if (role) return { error: role };
  return { entity: e.entity, party };
}
