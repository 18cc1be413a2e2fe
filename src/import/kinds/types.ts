/**
 * What every kind of import (parties, invoices, receipts) provides to the import service. A row is
 * parsed (pure: cell values), then checked against the ledger and the rows before it in the file
 * (read-only: the same code decides a dry run and a real run), then written through the ledger's
 * use cases. A check never writes; a write never decides.
 */
import type { Queryable } from '../../db/database';
import type { Actor } from '../../services/actor';
import type { Family, ImportKind, Side } from '../tabular/headers';
import type { Cell, Parsed } from '../tabular/values';

export interface FieldError {
  /** The field at fault (null: the row as a whole). */
  field: string | null;
  code: string;
  message: string;
}

/** A data row whose cells are looked up by field. */
export interface MappedRow {
  rowNo: number;
  cell(field: string): Cell;
  has(field: string): boolean;
}

export interface EntityRef {
  id: string;
  code: string;
  baseCurrency: string;
}

export interface ImportEnv {
  kind: ImportKind;
  family: Family;
  side: Side;
  fileName: string;
  /** The entity of --entity, or the first one; rows may name another in an entity column. */
  entity: EntityRef;
}

export type Action = 'create' | 'update' | 'unchanged';

/** Where a set-based write comes from, for its audit entry. */
export interface BatchInfo {
  runId: string | null;
  firstRow: number;
  lastRow: number;
}

export type Outcome<P> =
  | { action: 'create' | 'update'; plan: P; changes?: string[]; pending?: boolean }
  | { action: 'unchanged'; pending?: boolean }
  | { action: 'reject'; errors: FieldError[] };

export interface Row<V> {
  rowNo: number;
  value: V;
}

/** Per-file state of a kind (rows seen, amounts consumed); cloned so a retried transaction restarts cleanly. */
export interface KindState {
  clone(): this;
}

export interface KindHandler<V, P, S extends KindState> {
  parse(row: MappedRow, env: ImportEnv): { value: V; errors?: undefined } | { value?: undefined; errors: FieldError[] };
  /** The natural key within the file (duplicates are rejected), with the field it comes from. */
  key(value: V): { key: string; field: string; text: string } | null;
  newState(): S;
  /** Decides the rows of a chunk, in order, against the ledger and the rows before them. */
  check(tx: Queryable, actor: Actor, rows: Row<V>[], state: S, env: ImportEnv): Promise<Outcome<P>[]>;
  /** Writes one row as decided. */
  write(tx: Queryable, actor: Actor, row: Row<V>, outcome: { action: 'create' | 'update'; plan: P }, state: S, env: ImportEnv): Promise<void>;
  /**
   * Writes many decided rows set-based (a few statements for the whole chunk), with the same
   * effect as write() on each. All or nothing: on a failure the service rolls the chunk back and
   * writes it row by row through write(), which names the row at fault.
   */
  writeBatch?(tx: Queryable, actor: Actor, rows: { row: Row<V>; outcome: { action: 'create' | 'update'; plan: P } }[], state: S, env: ImportEnv, batch: BatchInfo): Promise<void>;
  /** Rows found wrong only at the end of the file (references to rows that never came). */
  finish?(state: S): Map<number, FieldError[]>;
}

/** Collects field parse results: the value, or an error under the field's name. */
export class FieldReader {
  readonly errors: FieldError[] = [];
  constructor(private readonly row: MappedRow) {}

  read<T>(field: string, parse: (cell: Cell) => Parsed<T>): T | null {
    if (!this.row.has(field)) return null;
    const r = parse(this.row.cell(field));
    if (r.error) {
      this.errors.push({ field, code: r.error.code, message: r.error.message });
      return null;
    }
    return r.value ?? null;
  }

  /** Like read, but a blank or missing value is an error. */
  required<T>(field: string, label: string, parse: (cell: Cell) => Parsed<T | null>): T | null {
    const before = this.errors.length;
    const v = this.read(field, parse);
    if (v === null && this.errors.length === before) this.errors.push({ field, code: 'required', message: `${label} is required` });
    return v;
  }

  fail(field: string | null, code: string, message: string): void {
    this.errors.push({ field, code, message });
  }
}

export const reject = (field: string | null, code: string, message: string): { action: 'reject'; errors: FieldError[] } => ({
  action: 'reject',
  errors: [{ field, code, message }],
});
