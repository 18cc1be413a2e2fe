/**
 * Saved column mappings: a name for "how this ERP's export maps to our fields", so that the next
 * file from the same source imports with --mapping NAME (or the web page's choice) and nothing
 * else. Stored in import_mappings (migrations/0005_import.sql); every save is audited.
 */
import type { Queryable } from '../../db/database';
import { type Actor, createdBy, requireLedgerWriter } from '../../services/actor';
import { audit } from '../../services/audit';
import { invalid, notFound } from '../../services/errors';
import { type ColumnOverrides, FAMILY_FIELDS, type ImportKind, IMPORT_KINDS, KIND_INFO } from './headers';

export interface SavedMapping {
  name: string;
  kind: ImportKind;
  /** Normalised header → field key or "ignore". */
  columns: ColumnOverrides;
  sheet: string | null;
  updatedAt: string;
}

interface MappingRow {
  name: string;
  kind: ImportKind;
  columns: ColumnOverrides;
  sheet: string | null;
  updated_at: Date | string;
}

const toMapping = (r: MappingRow): SavedMapping => ({
  name: r.name,
  kind: r.kind,
  columns: r.columns,
  sheet: r.sheet,
  updatedAt: new Date(r.updated_at).toISOString(),
});

export async function loadMapping(tx: Queryable, name: string): Promise<SavedMapping> {
  const [row] = await tx.query<MappingRow>('SELECT name, kind, columns, sheet, updated_at FROM import_mappings WHERE name = $1', [name]);
  if (!row) throw notFound(`column mapping "${name}"`, 'mapping');
  return toMapping(row);
}

export async function listMappings(tx: Queryable): Promise<SavedMapping[]> {
  const rows = await tx.query<MappingRow>('SELECT name, kind, columns, sheet, updated_at FROM import_mappings ORDER BY name');
  return rows.map(toMapping);
}

/** Checks that every mapped field exists for the kind ("ignore" always does). */
export function validateOverrides(kind: ImportKind, columns: ColumnOverrides, field = 'mapping'): void {
  const known = new Set(FAMILY_FIELDS[KIND_INFO[kind].family].filter((f) => !f.ignore).map((f) => f.key));
  for (const [header, target] of Object.entries(columns)) {
    if (target !== 'ignore' && !known.has(target)) {
      throw invalid('unknown_field', `column "${header}" is mapped to "${target}", which ${kind} do not have; one of ${[...known].join(', ')} or ignore`, field);
    }
  }
}

export async function saveMapping(tx: Queryable, actor: Actor, input: { name: string; kind: ImportKind; columns: ColumnOverrides; sheet?: string | null }): Promise<SavedMapping> {
  requireLedgerWriter(actor);
  const name = input.name.trim();
  if (name.length < 1 || name.length > 64) throw invalid('invalid_name', 'a mapping name has 1–64 characters', 'saveMapping');
  if (!IMPORT_KINDS.includes(input.kind)) throw invalid('unknown_kind', `unknown kind ${input.kind}`, 'kind');
  validateOverrides(input.kind, input.columns, 'saveMapping');
  const [before] = await tx.query<MappingRow>('SELECT name, kind, columns, sheet, updated_at FROM import_mappings WHERE name = $1', [name]);
  const [row] = await tx.query<MappingRow>(
    `INSERT INTO import_mappings (name, kind, columns, sheet, created_by, updated_by) VALUES ($1, $2, $3::jsonb, $4, $5, $5)
     ON CONFLICT (name) DO UPDATE SET kind = EXCLUDED.kind, columns = EXCLUDED.columns, sheet = EXCLUDED.sheet,
                                      updated_by = EXCLUDED.updated_by, updated_at = now()
     RETURNING name, kind, columns, sheet, updated_at`,
    [name, input.kind, JSON.stringify(input.columns), input.sheet ?? null, createdBy(actor)],
  );
  await audit(tx, actor, 'import_mapping.save', 'import_mapping', name, before ? { kind: before.kind, columns: before.columns } : null, {
    kind: row!.kind,
    columns: row!.columns,
  });
  return toMapping(row!);
}
