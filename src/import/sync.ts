/**
 * ERP/CRM sync: upsert a batch of up to 10,000 records keyed by the other system's id
 * (POST /api/sync/{kind}, docs/import.md "Sync API").
 *
 * A record is a row whose columns are the import's field keys (partyCode, name, number,
 * issueDate, total…) plus `externalId`. The batch goes through the same checks and writes as an
 * imported file (importTable over recordsSource): natural keys, immutable posted documents,
 * row-level security, set-based writes, audit. What sync adds is the link between the other
 * system's id and ours, kept in external_refs and written in the same transaction as the records:
 *
 *   externalId known   → the record is the linked party/document, whatever code or number it sends
 *                        (sending a different one is an error: codes and numbers do not change)
 *   externalId unknown → matched by natural key (code, number, bank reference) — given, or else
 *                        the externalId itself — and linked from then on
 *
 * All or nothing per call unless mode is "valid"; idempotent by natural key, and exactly once per
 * Idempotency-Key.
 */
import type { Database, Queryable } from '../db/database';
import { type Actor, requireLedgerWriter, withActor } from '../services/actor';
import { invalid } from '../services/errors';
import { resolveEntity } from '../services/ledger/input';
import { type IdempotencyHooks, type ImportResult, importTable, type RowError } from './import-service';
import { FAMILY_FIELDS, type Family, type ImportKind, KIND_INFO } from './tabular/headers';
import { recordsSource } from './tabular/read';
import type { Cell } from './tabular/values';

export const SYNC_MAX_RECORDS = 10_000;

export type SyncValue = string | number | boolean | null;

export interface SyncRequest {
  /** The other system, e.g. "kingdee" or "crm" (external ids are unique per source). */
  source: string;
  entity?: string;
  /** all (default): any wrong record rejects the call; valid: write the good ones. */
  mode?: 'all' | 'valid';
  dryRun?: boolean;
  records: Record<string, SyncValue>[];
}

export interface SyncRecordResult {
  externalId: string;
  /** Our id of the party or document, when it exists (after the call, or already for a dry run). */
  id: string | null;
  status: 'ok' | 'rejected';
}

export interface SyncError extends Omit<RowError, 'row' | 'columnRef' | 'column'> {
  /** 0-based index of the record in the request. */
  record: number;
  externalId: string | null;
}

export interface SyncResult {
  status: ImportResult['status'];
  kind: ImportKind;
  source: string;
  counts: ImportResult['counts'];
  errors: SyncError[];
  errorsTotal: number;
  records: SyncRecordResult[];
  replayed?: boolean;
}

/** The field that identifies a record of the family within our ledger. */
function naturalKeyField(family: Family, record: Record<string, SyncValue>): string {
  if (family === 'party') return 'partyCode';
  if (family === 'invoice' || family === 'contract') return 'number';
  return record.bankReference !== undefined && record.bankReference !== null && record.bankReference !== '' ? 'bankReference' : 'number';
}

const text = (v: SyncValue | undefined): string | null => (v === undefined || v === null || v === '' ? null : String(v).trim());

interface Linked {
  externalId: string;
  objectId: string;
  key: string;
}

/** Existing links of these external ids, with the natural key of the object each points to. */
async function loadLinks(tx: Queryable, source: string, family: Family, ids: string[]): Promise<Map<string, Linked>> {
  const keySql = {
    party: 'SELECT p.code AS key FROM parties p WHERE p.id = r.object_id',
    invoice: 'SELECT i.number AS key FROM invoices i WHERE i.id = r.object_id',
    receipt: 'SELECT coalesce(x.bank_reference, x.number) AS key FROM receipts x WHERE x.id = r.object_id',
    contract: 'SELECT c.number AS key FROM contracts c WHERE c.id = r.object_id',
  }[family];
  const rows = await tx.query<{ external_id: string; object_id: string; key: string | null; by_ref: boolean }>(
    `SELECT r.external_id, r.object_id, k.key, ${family === 'receipt' ? '(SELECT bank_reference IS NOT NULL FROM receipts WHERE id = r.object_id)' : 'false'} AS by_ref
       FROM external_refs r LEFT JOIN LATERAL (${keySql}) k ON true
      WHERE r.source = $1 AND r.family = $2 AND r.external_id = ANY($3::text[])`,
    [source, family, ids],
  );
  return new Map(rows.filter((r) => r.key !== null).map((r) => [r.external_id, { externalId: r.external_id, objectId: r.object_id, key: r.key! }]));
}

/** Our ids of the objects with these natural keys (in the entity and side for documents). */
async function findObjects(tx: Queryable, family: Family, side: 'AR' | 'AP', entityId: string, keys: { field: string; key: string }[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (keys.length === 0) return out;
  const values = keys.map((k) => k.key);
  if (family === 'party') {
    for (const r of await tx.query<{ id: string; code: string }>('SELECT id, code FROM parties WHERE code = ANY($1::text[])', [values])) out.set(`partyCode|${r.code}`, r.id);
  } else if (family === 'invoice') {
    const rows = await tx.query<{ id: string; number: string }>('SELECT id, number FROM invoices WHERE entity_id = $1 AND side = $2 AND number = ANY($3::text[])', [entityId, side, values]);
    for (const r of rows) out.set(`number|${r.number}`, r.id);
  } else if (family === 'contract') {
    const rows = await tx.query<{ id: string; number: string }>('SELECT id, number FROM contracts WHERE entity_id = $1 AND side = $2 AND number = ANY($3::text[])', [entityId, side, values]);
    for (const r of rows) out.set(`number|${r.number}`, r.id);
  } else {
    const rows = await tx.query<{ id: string; number: string; bank_reference: string | null }>(
      'SELECT id, number, bank_reference FROM receipts WHERE entity_id = $1 AND side = $2 AND (number = ANY($3::text[]) OR bank_reference = ANY($3::text[]))',
      [entityId, side, values],
    );
    for (const r of rows) {
      if (r.bank_reference) out.set(`bankReference|${r.bank_reference}`, r.id);
      out.set(`number|${r.number}`, r.id);
    }
  }
  return out;
}

export async function syncRecords(db: Database, actor: Actor, kind: ImportKind, request: SyncRequest, idempotency?: IdempotencyHooks): Promise<SyncResult> {
  requireLedgerWriter(actor);
  const { family, side } = KIND_INFO[kind];
  const source = request.source.trim();
  if (!/^[A-Za-z0-9_.-]{1,40}$/.test(source)) throw invalid('invalid_source', 'source is 1–40 letters, digits, "_", "-" or "."', 'source');
  const records = request.records;
  if (records.length === 0) throw invalid('no_records', 'records is empty', 'records');
  if (records.length > SYNC_MAX_RECORDS) throw invalid('too_many_records', `at most ${SYNC_MAX_RECORDS} records per call; send ${records.length} in several calls`, 'records');

  // Field keys the kind knows; externalId is ours. Anything else is named, not dropped.
  const known = new Set(FAMILY_FIELDS[family].filter((f) => !f.ignore).map((f) => f.key));
  const seenIds = new Map<string, number>();
  const externalIds: string[] = [];
  const columns = new Set<string>();
  records.forEach((r, i) => {
    const id = text(r.externalId);
    if (!id || id.length > 128) throw invalid('invalid_external_id', `records[${i}].externalId must be 1–128 characters`, `records.${i}.externalId`);
    const first = seenIds.get(id);
    if (first !== undefined) throw invalid('duplicate_external_id', `records[${i}] repeats the externalId ${id} of records[${first}]`, `records.${i}.externalId`);
    seenIds.set(id, i);
    externalIds.push(id);
    for (const [field, value] of Object.entries(r)) {
      if (field === 'externalId') continue;
      if (!known.has(field)) throw invalid('unknown_field', `records[${i}].${field}: ${kind} have no field ${field}; known: ${[...known].join(', ')}`, `records.${i}.${field}`);
      if (value !== null && typeof value === 'object') throw invalid('invalid_value', `records[${i}].${field} must be text, a number or null`, `records.${i}.${field}`);
      columns.add(field);
    }
  });

  const entityId = family === 'party' ? '' : (await withActor(db, actor, (tx) => resolveEntity(tx, request.entity))).id;
  const { links, hidden } = await withActor(db, actor, async (tx) => {
    const links = await loadLinks(tx, source, family, externalIds);
    const taken = await tx.query<{ id: string }>('SELECT external_refs_taken($1, $2, $3::text[]) AS id', [source, family, externalIds]);
    return { links, hidden: new Set(taken.map((t) => t.id).filter((id) => !links.has(id))) };
  });

  // The key each record is matched by: its link's, else the one it gives, else its externalId.
  const keyFields = records.map((r) => naturalKeyField(family, r));
  for (const f of new Set(keyFields)) columns.add(f);
  if (family === 'party') columns.add('externalIds');
  const header = [...columns];
  const conflicts = new Map<number, SyncError>();
  const rows: Cell[][] = records.map((r, i) => {
    const id = externalIds[i]!;
    const field = keyFields[i]!;
    const given = text(r[field]);
    const link = links.get(id);
    let key = given ?? id;
    if (hidden.has(id)) {
      conflicts.set(i, { record: i, externalId: id, field: 'externalId', code: 'forbidden', message: `externalId ${id} belongs to a record outside your data scope` });
    } else if (link) {
      if (given && given !== link.key) {
        conflicts.set(i, { record: i, externalId: id, field, code: 'external_id_conflict', message: `externalId ${id} is linked to ${link.key}; ${field} ${given} cannot replace it (codes and numbers do not change)` });
      }
      key = link.key;
    }
    return header.map((col): Cell => {
      if (col === field) return key;
      if (col === 'externalIds' && family === 'party') {
        const extra = text(r.externalIds);
        return [extra, `${source}:${id}`].filter(Boolean).join(';');
      }
      const v = r[col];
      if (v === undefined || v === null) return null;
      return typeof v === 'boolean' ? String(v) : v;
    });
  });

  // A conflicting record is rejected like a wrong row: in "all" mode nothing is written.
  if (conflicts.size > 0 && request.mode !== 'valid') {
    return {
      status: 'rejected',
      kind,
      source,
      counts: { rows: records.length, created: 0, updated: 0, unchanged: 0, rejected: conflicts.size, skipped: 0 },
      errors: [...conflicts.values()],
      errorsTotal: conflicts.size,
      records: records.map((_, i) => ({ externalId: externalIds[i]!, id: links.get(externalIds[i]!)?.objectId ?? null, status: conflicts.has(i) ? 'rejected' : 'ok' })),
    };
  }
  const used = rows.map((_, i) => i).filter((i) => !conflicts.has(i));
  const table: Cell[][] = [header, ...used.map((i) => rows[i]!)];
  const recordOfRow = (rowNo: number) => used[rowNo - 2]!;
  let linkedIds = new Map<number, string>();

  const link = async (tx: Queryable, rejectedRows: ReadonlySet<number>) => {
    const wanted = used.filter((_, j) => !rejectedRows.has(j + 2)).map((i) => ({ i, field: keyFields[i]!, key: String(rows[i]![header.indexOf(keyFields[i]!)]) }));
    const found = await findObjects(tx, family, side, entityId, wanted);
    linkedIds = new Map();
    const ext: string[] = [];
    const obj: string[] = [];
    for (const w of wanted) {
      const id = found.get(`${w.field}|${w.key}`);
      if (!id) continue;
      linkedIds.set(w.i, id);
      if (links.get(externalIds[w.i]!)) continue;
      ext.push(externalIds[w.i]!);
      obj.push(id);
    }
    if (ext.length && !request.dryRun) {
      await tx.query(
        `INSERT INTO external_refs (source, family, external_id, object_id)
         SELECT $1, $2, e, o FROM unnest($3::text[], $4::uuid[]) AS t(e, o) ON CONFLICT DO NOTHING`,
        [source, family, ext, obj],
      );
    }
  };

  const build = (result: ImportResult): SyncResult => {
    const errors: SyncError[] = [
      ...conflicts.values(),
      ...result.errors.map((e) => {
        const i = e.row >= 2 ? recordOfRow(e.row) : -1;
        return { record: i, externalId: i >= 0 ? externalIds[i]! : null, field: e.field, code: e.code, message: e.message };
      }),
    ].sort((a, b) => a.record - b.record);
    const rejected = new Set(errors.map((e) => e.record));
    const nothingWritten = result.status === 'rejected';
    return {
      status: result.status,
      kind,
      source,
      counts: { ...result.counts, rejected: result.counts.rejected + conflicts.size, rows: records.length },
      errors,
      errorsTotal: result.errorsTotal + conflicts.size,
      records: records.map((_, i) => {
        const before = links.get(externalIds[i]!)?.objectId ?? null;
        const bad = rejected.has(i) || nothingWritten;
        return { externalId: externalIds[i]!, id: bad ? before : (linkedIds.get(i) ?? before), status: bad ? 'rejected' : 'ok' };
      }),
    };
  };

  // The response is stored under the Idempotency-Key in the import's last transaction, and a
  // retry with the key gets it back unchanged.
  const hooks: IdempotencyHooks | undefined = idempotency && {
    claim: (tx) => idempotency.claim(tx),
    store: (tx, result) => idempotency.store(tx, build(result) as unknown as ImportResult),
  };
  const result = await importTable(db, actor, recordsSource(`sync-${source}-${kind}.json`, table), {
    kind,
    columns: Object.fromEntries(header.map((h) => [h, h])),
    ...(request.entity ? { entity: request.entity } : {}),
    dryRun: !!request.dryRun,
    validOnly: request.mode === 'valid',
    transaction: 'single',
    finalize: link,
    ...(hooks ? { idempotency: hooks } : {}),
  });
  if (result.replayed) return { ...(result as unknown as SyncResult), replayed: true };
  if (request.dryRun) {
    const rejectedRows = new Set(result.errors.map((e) => e.row));
    await withActor(db, actor, (tx) => link(tx, rejectedRows));
  }
  return build(result);
}
