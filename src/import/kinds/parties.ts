/**
 * Customers and suppliers (master data). Matched by party code: a new code is created through
 * createParty; a known one is updated with the columns the file fills (a blank cell keeps the
 * current value), or left unchanged. Importing a supplier file with the code of an existing
 * customer makes that party a supplier too. A parent (上级单位) may be a party already in the
 * ledger or a row anywhere in the file: a subsidiary listed before its parent is created first and
 * linked when the parent row is written.
 */
import type { Queryable } from '../../db/database';
import { formatAmount } from '../../domain/money';
import type { Actor } from '../../services/actor';
import { audit } from '../../services/audit';
import { invalid } from '../../services/errors';
import { createParty, getParty } from '../../services/ledger/parties';
import {
  type AmountValue,
  type Cell,
  parseCode,
  parseCurrency,
  parseDays,
  parseEmail,
  parseExternalIds,
  parseMoney,
  parseText,
} from '../tabular/values';
import { partyWord } from './common';
import { FieldReader, type FieldError, type ImportEnv, type KindHandler, type KindState, type MappedRow, type Outcome, type Row } from './types';

export interface PartyValue {
  code: string;
  name: string | null;
  nameEn: string | null;
  shortName: string | null;
  uscc: string | null;
  region: string | null;
  province: string | null;
  industry: string | null;
  owner: string | null;
  paymentTermsDays: number | null;
  creditCurrency: string | null;
  creditLimitCell: Cell;
  creditLimit: AmountValue | null;
  parentRef: string | null;
  externalIds: Record<string, string> | null;
  contactEmail: string | null;
}

/** The columns an update may change, with the values to set. */
export interface PartyPatch {
  name?: string;
  nameEn?: string;
  shortName?: string;
  uscc?: string;
  region?: string;
  province?: string;
  industry?: string;
  ownerId?: string;
  paymentTermsDays?: number;
  creditLimitMinor?: bigint;
  creditCurrency?: string;
  parentId?: string;
  externalIds?: Record<string, string>;
  contactEmail?: string;
  isCustomer?: true;
  isSupplier?: true;
}

export type PartyPlan =
  | { kind: 'create'; ownerUsername: string | null; parent: ParentPlan; creditLimit: string | null; creditCurrency: string | null }
  | { kind: 'update'; partyId: string; patch: PartyPatch; parent: ParentPlan };

/** The parent by code, with its id when it is in the ledger already (else it is a row of the file). */
type ParentPlan = { code: string; id?: string } | null;

const USCC = /^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/;

interface ExistingParty {
  id: string;
  code: string;
  name: string;
  name_en: string | null;
  short_name: string | null;
  is_customer: boolean;
  is_supplier: boolean;
  uscc: string | null;
  region: string;
  province: string | null;
  industry: string | null;
  owner_user_id: string | null;
  payment_terms_days: number;
  credit_limit_minor: bigint | null;
  credit_currency: string;
  parent_id: string | null;
  external_ids: Record<string, string>;
  contact_email: string | null;
}

export class PartyState implements KindState {
  /** Codes of the rows accepted so far → their row number. */
  fileCodes = new Map<string, number>();
  /** Rows whose parent is a code not seen yet: child code → { row, parent code }. */
  pending = new Map<string, { rowNo: number; parent: string }>();
  /** Apply: children created before their parent, by parent code. */
  deferred = new Map<string, string[]>();
  owners = new Map<string, { id: string; username: string } | { error: string }>();

  clone(): this {
    const c = new PartyState() as this;
    c.fileCodes = new Map(this.fileCodes);
    c.pending = new Map(this.pending);
    c.deferred = new Map([...this.deferred].map(([k, v]) => [k, [...v]]));
    c.owners = new Map(this.owners);
    return c;
  }
}

function parse(row: MappedRow): { value: PartyValue; errors?: undefined } | { value?: undefined; errors: FieldError[] } {
  const r = new FieldReader(row);
  const code = r.required('partyCode', 'the party code (编码)', (c) => parseCode(c, 64));
  const name = r.read('partyName', (c) => parseText(c, 200));
  const nameEn = r.read('nameEn', (c) => parseText(c, 200));
  const shortName = r.read('shortName', (c) => parseText(c, 100));
  let uscc = r.read('uscc', (c) => parseCode(c, 18 * 2));
  if (uscc) {
    uscc = uscc.toUpperCase();
    if (!USCC.test(uscc)) {
      r.fail('uscc', 'invalid_uscc', `"${uscc}" is not a unified social credit code (18 characters, GB 32100-2015)`);
      uscc = null;
    }
  }
  const region = r.read('region', (c) => parseText(c, 40));
  const province = r.read('province', (c) => parseText(c, 40));
  const industry = r.read('industry', (c) => parseText(c, 60));
  const owner = r.read('owner', (c) => parseText(c, 64));
  const paymentTermsDays = r.read('paymentTerms', parseDays);
  const creditCurrency = r.read('creditCurrency', parseCurrency);
  const creditLimitCell = row.has('creditLimit') ? row.cell('creditLimit') : null;
  const creditLimit = r.read('creditLimit', (c) => parseMoney(c, creditCurrency ?? 'CNY'));
  if (creditLimit && creditLimit.minor < 0n) r.fail('creditLimit', 'amount_negative', 'the credit limit cannot be negative');
  const parentRef = r.read('parentCode', (c) => parseText(c, 200));
  const externalIds = r.read('externalIds', parseExternalIds);
  const contactEmail = r.read('contactEmail', parseEmail);
  if (r.errors.length || code === null) return { errors: r.errors };
  return {
    value: {
      code,
      name,
      nameEn,
      shortName,
      uscc,
      region,
      province,
      industry,
      owner,
      paymentTermsDays,
      creditCurrency,
      creditLimitCell,
      creditLimit,
      parentRef: parentRef === null ? null : parentRef,
      externalIds,
      contactEmail,
    },
  };
}

async function loadOwners(tx: Queryable, names: string[], state: PartyState): Promise<void> {
  const missing = [...new Set(names)].filter((n) => !state.owners.has(n));
  if (missing.length === 0) return;
  const users = await tx.query<{ id: string; username: string; display_name: string }>(
    'SELECT id, username, display_name FROM users WHERE username = ANY($1::text[]) OR display_name = ANY($1::text[])',
    [missing],
  );
  for (const n of missing) {
    const byUsername = users.find((u) => u.username === n);
    const byName = users.filter((u) => u.display_name === n);
    if (byUsername) state.owners.set(n, { id: byUsername.id, username: byUsername.username });
    else if (byName.length === 1) state.owners.set(n, { id: byName[0]!.id, username: byName[0]!.username });
    else if (byName.length > 1) state.owners.set(n, { error: `${byName.length} users are called ${n}; write the username` });
    else state.owners.set(n, { error: `no user ${n} (业务员不是系统用户); add the user or ignore the column` });
  }
}

async function check(tx: Queryable, _actor: Actor, rows: Row<PartyValue>[], state: PartyState, env: ImportEnv): Promise<Outcome<PartyPlan>[]> {
  const codes = new Set<string>();
  const parentRefs = new Set<string>();
  for (const { value } of rows) {
    codes.add(value.code);
    if (value.parentRef) parentRefs.add(value.parentRef);
  }
  const existing = await tx.query<ExistingParty>(
    `SELECT id, code, name, name_en, short_name, is_customer, is_supplier, uscc, region, province, industry, owner_user_id,
            payment_terms_days, credit_limit_minor, credit_currency, parent_id, external_ids, contact_email
       FROM parties WHERE code = ANY($1::text[]) OR code = ANY($2::text[]) OR name = ANY($2::text[])`,
    [[...codes], [...parentRefs]],
  );
  const byCode = new Map(existing.map((p) => [p.code, p]));
  const byName = new Map<string, ExistingParty[]>();
  for (const p of existing) byName.set(p.name, [...(byName.get(p.name) ?? []), p]);
  await loadOwners(
    tx,
    rows.flatMap((r) => (r.value.owner ? [r.value.owner] : [])),
    state,
  );

  return rows.map(({ rowNo, value: v }): Outcome<PartyPlan> => {
    const errors: FieldError[] = [];
    const current = byCode.get(v.code) ?? null;

    let owner: { id: string; username: string } | null = null;
    if (v.owner) {
      const o = state.owners.get(v.owner);
      if (o && 'error' in o) errors.push({ field: 'owner', code: 'unknown_owner', message: o.error });
      else if (o) owner = o;
    }

    // Credit limit: the currency is the file's, else the party's current one, else CNY.
    const creditCurrency = v.creditCurrency ?? current?.credit_currency ?? 'CNY';
    let creditLimit = v.creditLimit;
    if (creditLimit && creditCurrency !== (v.creditCurrency ?? 'CNY')) {
      const again = parseMoney(v.creditLimitCell, creditCurrency);
      if (again.error) errors.push({ field: 'creditLimit', code: again.error.code, message: again.error.message });
      creditLimit = again.value ?? null;
    }

    let parent: ParentPlan = null;
    let pending = false;
    if (v.parentRef) {
      const ref = v.parentRef;
      const named = byName.get(ref) ?? [];
      if (ref === v.code) errors.push({ field: 'parentCode', code: 'parent_is_self', message: 'a party cannot be its own parent' });
      else if (byCode.has(ref)) parent = { code: ref, id: byCode.get(ref)!.id };
      else if (state.fileCodes.has(ref)) parent = { code: ref };
      else if (named.length === 1) parent = { code: named[0]!.code, id: named[0]!.id };
      else if (named.length > 1) errors.push({ field: 'parentCode', code: 'ambiguous_parent', message: `${named.length} parties are named ${ref}; give the parent's code` });
      else {
        // Perhaps a row further down: decided when the file has been read (finish()).
        parent = { code: ref };
        pending = true;
      }
    }
    if (errors.length) return { action: 'reject', errors };

    if (!current) {
      if (!v.name) return { action: 'reject', errors: [{ field: 'partyName', code: 'required', message: `the name is required for a new ${partyWord(env.side)}` }] };
      state.fileCodes.set(v.code, rowNo);
      if (pending) state.pending.set(v.code, { rowNo, parent: v.parentRef! });
      return {
        action: 'create',
        plan: {
          kind: 'create',
          ownerUsername: owner?.username ?? null,
          parent,
          creditLimit: creditLimit ? formatAmount(creditLimit.minor, creditCurrency) : null,
          creditCurrency: v.creditCurrency ?? (creditLimit ? 'CNY' : null),
        },
        pending,
      };
    }

    const patch: PartyPatch = {};
    const changes: string[] = [];
    const set = <K extends keyof PartyPatch>(key: K, value: PartyPatch[K], label: string) => {
      patch[key] = value;
      changes.push(label);
    };
    if (env.side === 'AR' && !current.is_customer) set('isCustomer', true, 'customer');
    if (env.side === 'AP' && !current.is_supplier) set('isSupplier', true, 'supplier');
    if (v.name !== null && v.name !== current.name) set('name', v.name, 'name');
    if (v.nameEn !== null && v.nameEn !== current.name_en) set('nameEn', v.nameEn, 'nameEn');
    if (v.shortName !== null && v.shortName !== current.short_name) set('shortName', v.shortName, 'shortName');
    if (v.uscc !== null && v.uscc !== current.uscc) set('uscc', v.uscc, 'uscc');
    if (v.region !== null && v.region !== current.region) set('region', v.region, 'region');
    if (v.province !== null && v.province !== current.province) set('province', v.province, 'province');
    if (v.industry !== null && v.industry !== current.industry) set('industry', v.industry, 'industry');
    if (owner && owner.id !== current.owner_user_id) set('ownerId', owner.id, 'owner');
    if (v.paymentTermsDays !== null && v.paymentTermsDays !== current.payment_terms_days) set('paymentTermsDays', v.paymentTermsDays, 'paymentTerms');
    if (creditLimit && (creditLimit.minor !== current.credit_limit_minor || creditCurrency !== current.credit_currency)) {
      set('creditLimitMinor', creditLimit.minor, 'creditLimit');
      if (creditCurrency !== current.credit_currency) set('creditCurrency', creditCurrency, 'creditCurrency');
    } else if (!creditLimit && v.creditCurrency && v.creditCurrency !== current.credit_currency) {
      set('creditCurrency', v.creditCurrency, 'creditCurrency');
    }
    if (parent && !(parent.id && parent.id === current.parent_id)) changes.push('parent');
    if (v.externalIds) {
      const merged = { ...current.external_ids, ...v.externalIds };
      if (Object.entries(v.externalIds).some(([k, val]) => current.external_ids?.[k] !== val)) set('externalIds', merged, 'externalIds');
    }
    if (v.contactEmail !== null && v.contactEmail !== current.contact_email) set('contactEmail', v.contactEmail, 'contactEmail');

    state.fileCodes.set(v.code, rowNo);
    if (pending) state.pending.set(v.code, { rowNo, parent: v.parentRef! });
    if (changes.length === 0) return { action: 'unchanged', pending };
    return { action: 'update', plan: { kind: 'update', partyId: current.id, patch, parent }, changes, pending };
  });
}

/** Subsidiaries whose parent never appeared (or was itself rejected) are rejected too. */
function finish(state: PartyState): Map<number, FieldError[]> {
  const out = new Map<number, FieldError[]>();
  const rejected = new Set<string>();
  for (let changed = true; changed; ) {
    changed = false;
    for (const [child, { rowNo, parent }] of state.pending) {
      if (rejected.has(child)) continue;
      if (!state.fileCodes.has(parent) || rejected.has(parent)) {
        rejected.add(child);
        out.set(rowNo, [{ field: 'parentCode', code: 'unknown_parent', message: `parent ${parent} is neither in the ledger nor a valid row of this file` }]);
        changed = true;
      }
    }
  }
  return out;
}

const PATCH_COLUMNS: Record<keyof PartyPatch, string> = {
  name: 'name',
  nameEn: 'name_en',
  shortName: 'short_name',
  uscc: 'uscc',
  region: 'region',
  province: 'province',
  industry: 'industry',
  ownerId: 'owner_user_id',
  paymentTermsDays: 'payment_terms_days',
  creditLimitMinor: 'credit_limit_minor',
  creditCurrency: 'credit_currency',
  parentId: 'parent_id',
  externalIds: 'external_ids',
  contactEmail: 'contact_email',
  isCustomer: 'is_customer',
  isSupplier: 'is_supplier',
};

/**
 * Updates a party's master data (the columns given), audited with before and after. Posted
 * documents are never touched: only the parties row changes.
 */
export async function updateParty(tx: Queryable, actor: Actor, partyId: string, patch: PartyPatch) {
  const keys = (Object.keys(patch) as (keyof PartyPatch)[]).filter((k) => patch[k] !== undefined);
  if (keys.length === 0) return getParty(tx, partyId);
  if (patch.parentId === partyId) throw invalid('parent_is_self', 'a party cannot be its own parent', 'parentCode');
  const before: Record<string, unknown> = await getParty(tx, partyId);
  const values = keys.map((k) => (k === 'externalIds' ? JSON.stringify(patch[k]) : patch[k]));
  const assignments = keys.map((k, i) => `${PATCH_COLUMNS[k]} = $${i + 2}${k === 'externalIds' ? '::jsonb' : ''}`);
  await tx.query(`UPDATE parties SET ${assignments.join(', ')}, updated_at = now() WHERE id = $1`, [partyId, ...values]);
  const after: Record<string, unknown> = await getParty(tx, partyId);
  const changed = Object.keys(after).filter((k) => JSON.stringify(after[k]) !== JSON.stringify(before[k]));
  const only = (p: Record<string, unknown>) => Object.fromEntries(changed.map((k) => [k, p[k]]));
  await audit(tx, actor, 'party.update', 'party', partyId, only(before), only(after));
  return after;
}

async function partyIdByCode(tx: Queryable, code: string): Promise<string | null> {
  const [p] = await tx.query<{ id: string }>('SELECT id FROM parties WHERE code = $1', [code]);
  return p?.id ?? null;
}

async function write(
  tx: Queryable,
  actor: Actor,
  { value: v }: Row<PartyValue>,
  outcome: { action: 'create' | 'update'; plan: PartyPlan },
  state: PartyState,
  env: ImportEnv,
): Promise<void> {
  const plan = outcome.plan;
  // A parent from the file that is not written yet is linked when its row is.
  let parentId: string | null = null;
  if (plan.parent) {
    parentId = plan.parent.id ?? (await partyIdByCode(tx, plan.parent.code));
    if (!parentId) state.deferred.set(plan.parent.code, [...(state.deferred.get(plan.parent.code) ?? []), v.code]);
  }
  let id: string;
  if (plan.kind === 'create') {
    const created = await createParty(tx, actor, {
      code: v.code,
      name: v.name!,
      nameEn: v.nameEn,
      shortName: v.shortName,
      isCustomer: env.side === 'AR',
      isSupplier: env.side === 'AP',
      uscc: v.uscc,
      ...(v.region ? { region: v.region } : {}),
      province: v.province,
      industry: v.industry,
      ownerUsername: plan.ownerUsername,
      ...(v.paymentTermsDays !== null ? { paymentTermsDays: v.paymentTermsDays } : {}),
      creditLimit: plan.creditLimit,
      ...(plan.creditCurrency ? { creditCurrency: plan.creditCurrency } : {}),
      ...(v.externalIds ? { externalIds: v.externalIds } : {}),
      contactEmail: v.contactEmail,
      ...(parentId && plan.parent ? { parentCode: plan.parent.code } : {}),
    });
    id = created.id;
  } else {
    id = plan.partyId;
    await updateParty(tx, actor, id, { ...plan.patch, ...(parentId ? { parentId } : {}) });
  }
  const children = state.deferred.get(v.code);
  if (children) {
    state.deferred.delete(v.code);
    for (const child of children) {
      const childId = await partyIdByCode(tx, child);
      if (childId) await updateParty(tx, actor, childId, { parentId: id });
    }
  }
}

export const partiesHandler: KindHandler<PartyValue, PartyPlan, PartyState> = {
  parse,
  key: (v) => ({ key: v.code, field: 'partyCode', text: v.code }),
  newState: () => new PartyState(),
  check,
  write,
  finish,
};
