/**
 * Importing a CSV or XLSX file of customers, suppliers, invoices, bills, receipts or payments
 * (docs/import.md). The CLI, the API and the web page all come here.
 *
 *   sniff (format, encoding) ─▶ header row ─▶ kind and columns
 *     ─▶ pass 1, validate: stream the rows; parse, then check each chunk against the ledger
 *        (read-only) — the dry run ends here, and so does an all-or-nothing import with errors
 *     ─▶ pass 2, write: stream the rows again; check and write each chunk through the use cases,
 *          ≤ singleTxMaxRows rows: in ONE transaction with the run row (all or nothing, even if
 *                                 the process is killed)
 *          more:                  in batches, each transaction moving the run's checkpoint; a run
 *                                 interrupted (killed, or a row failing that validation passed)
 *                                 resumes when the same file is imported again
 *
 * Rows are matched by natural key, so a re-import creates nothing twice. Nothing is kept per row
 * in memory beyond keys and small sets: a file of any size streams.
 */
import { hostname } from 'node:os';
import { createHash } from 'node:crypto';
import type { Database, Queryable } from '../db/database';
import { type Actor, requireLedgerWriter, withActor } from '../services/actor';
import { AppError, fromDatabaseError } from '../services/errors';
import { resolveEntity } from '../services/ledger/input';
import { contractsHandler } from './kinds/contracts';
import { invoicesHandler } from './kinds/invoices';
import { partiesHandler } from './kinds/parties';
import { receiptsHandler } from './kinds/receipts';
import type { Action, EntityRef, FieldError, ImportEnv, KindHandler, KindState, MappedRow, Outcome, Row } from './kinds/types';
import type { ErrorSink } from './tabular/error-file';
import {
  type ColumnMatch,
  type ColumnOverrides,
  columnRef,
  detectKind,
  type Family,
  FAMILY_FIELDS,
  type HeaderMatch,
  type ImportKind,
  KIND_INFO,
  knownHeaderCount,
  matchHeader,
  missingColumns,
  normalizeHeader,
  normalizeOverrides,
} from './tabular/headers';
import { loadMapping, saveMapping, validateOverrides } from './tabular/mapping';
import { ImportFileError, LIMITS, type RawRow, type ReadInfo, readRows, sniff, type TableFormat, type TableSource } from './tabular/read';
import { type Cell, cellText } from './tabular/values';

export interface ImportProgress {
  phase: 'validate' | 'apply';
  /** Rows done in this phase. */
  done: number;
  /** Rows in the phase when known. */
  total?: number;
  /** Apply phase: true when the rows done are committed. */
  committed?: boolean;
}

export interface IdempotencyHooks {
  /** Claims the key in the writing transaction; a stored response replays it. */
  claim(tx: Queryable): Promise<{ statusCode: number; body: unknown } | null>;
  store(tx: Queryable, result: ImportResult): Promise<void>;
}

export interface ImportOptions {
  kind?: ImportKind;
  /** A saved mapping to use (its kind, sheet and columns). */
  mapping?: string;
  /** Column overrides, header text → field key or "ignore"; on top of the saved mapping. */
  columns?: Record<string, string>;
  /** Save the mapping used for this file under this name. */
  saveMapping?: string;
  entity?: string;
  sheet?: string;
  dryRun?: boolean;
  /** Import the valid rows and reject the others, instead of all-or-nothing. */
  validOnly?: boolean;
  /** 'single' writes the whole file in one transaction whatever its size. */
  transaction?: 'auto' | 'single';
  errors?: ErrorSink;
  /** Called after each chunk; awaited, so a slow consumer slows the import rather than piling up. */
  onProgress?: (p: ImportProgress) => void | Promise<void>;
  idempotency?: IdempotencyHooks;
  /**
   * Called in the import's last writing transaction (or in one of its own when nothing needed
   * writing), with the file rows that were rejected: work that must commit with the import.
   */
  finalize?: (tx: Queryable, rejectedRows: ReadonlySet<number>) => Promise<void>;
  previewRows?: number;
  /** Test and tuning knobs; default from SHOUFU_IMPORT_SINGLE_TX_ROWS / SHOUFU_IMPORT_BATCH_ROWS. */
  singleTxMaxRows?: number;
  batchRows?: number;
}

export interface RowError {
  /** Row number as in the file (the header row counted). */
  row: number;
  /** The header of the column at fault, and its letter (C), or null for the row as a whole. */
  column: string | null;
  columnRef: string | null;
  field: string | null;
  code: string;
  message: string;
}

export interface PreviewRow {
  row: number;
  /** Display text of every cell, aligned with result.columns. */
  cells: (string | null)[];
  action: Action | 'reject';
  changes?: string[];
  errors?: RowError[];
}

export interface ImportCounts {
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  /** Totals rows (合计) below the table, not data. */
  skipped: number;
}

export interface ImportResult {
  /**
   * dry_run: nothing written; imported: done; rejected: nothing written because rows are wrong
   * (all-or-nothing); interrupted: a large file stopped part-way (rows up to the checkpoint are
   * written) — import the same file again to resume.
   */
  status: 'dry_run' | 'imported' | 'rejected' | 'interrupted';
  kind: ImportKind;
  kindDetected: boolean;
  entity: string | null;
  file: { name: string; format: 'csv' | 'xlsx' | 'records'; encoding: string | null; delimiter: string | null; sheet: string | null; sheets: string[] | null; sha256: string; headerRow: number };
  columns: (Pick<ColumnMatch, 'index' | 'ref' | 'header' | 'field' | 'status' | 'source'> & { label: string | null })[];
  unrecognisedColumns: string[];
  /** Fields of the kind, for choosing a mapping. */
  fields: { key: string; zh: string; en: string }[];
  counts: ImportCounts;
  /** Dry run and rejected: what the import would do. */
  planned: { create: number; update: number; unchanged: number } | null;
  errors: RowError[];
  errorsTotal: number;
  preview: PreviewRow[];
  run: { id: string; mode: 'single' | 'batched'; resumedFromRow: number | null; committedThroughRow: number } | null;
  mapping: { used: string | null; saved: string | null; columns: ColumnOverrides };
  errorFileRows: number;
  durationMs: number;
  replayed?: boolean;
}

const MAX_ERRORS = 1000;
const CHECK_CHUNK = 2000;
/** Rows checked and written per step when each row is written on its own (progress is reported per step). */
const ROW_CHUNK = 500;
const HEADER_SCAN_ROWS = 30;
const TOTAL_WORDS = new Set(['合计', '总计', '小计', '合计金额', '本页合计', 'total', 'totals', 'grandtotal', 'sum']);

function envInt(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return Number.isInteger(v) && v >= 0 ? v : fallback;
}

/** Rows written in one transaction at most; above it, checkpointed batches (docs/import.md). */
export const SINGLE_TX_MAX_ROWS = () => envInt('SHOUFU_IMPORT_SINGLE_TX_ROWS', 2000);
export const BATCH_ROWS = () => Math.max(1, envInt('SHOUFU_IMPORT_BATCH_ROWS', 500));
/** The same for kinds written set-based: a batch costs a few statements whatever its size. */
export const SET_BATCH_ROWS = () => Math.max(1, envInt('SHOUFU_IMPORT_BATCH_ROWS', 5000));

/** Runs in progress in this process (a run row alone cannot tell a live run from a crashed one). */
const ACTIVE_RUNS = new Set<string>();

/** A row the writing pass could not write in an all-or-nothing import: the transaction rolls back. */
class ApplyAbort extends Error {
  constructor(
    readonly row: RawRow,
    readonly errors: FieldError[],
  ) {
    super(`row ${row.rowNo}: ${errors.map((e) => e.message).join('; ')}`);
  }
}

function display(cell: Cell): string | null {
  if (cell === null || cell === undefined) return null;
  const t = cellText(cell);
  return t.error ? String(cell) : t.value;
}

function isBlank(cells: Cell[]): boolean {
  return cells.every((c) => c === null || c === undefined || (typeof c === 'string' && c.trim() === ''));
}

/** A use case's failure as a row error; anything else is a bug and is rethrown. */
function asFieldErrors(err: unknown): FieldError[] {
  const app = err instanceof AppError ? err : fromDatabaseError(err);
  if (!app) throw err;
  const f = app.fields[0] ?? '';
  const field =
    f === 'number' || f === 'bankReference' || f === 'uscc' || f === 'parentCode' || f === 'creditLimit' || f === 'schedule' || f === 'total' || f === 'validFrom' || f === 'signedOn'
      ? f
      : f === 'code'
        ? 'partyCode'
        : f.startsWith('installments')
          ? 'dueDate'
          : f.startsWith('lines')
            ? 'total'
            : f === 'ownerUsername'
              ? 'owner'
              : null;
  const message = app.code === 'forbidden' ? `${app.message} (outside your data scope?)` : app.message;
  return [{ field, code: app.code, message }];
}

interface Prepared<V> {
  raw: RawRow;
  value?: V;
  errors: FieldError[];
}

interface ApplyTally {
  created: number;
  updated: number;
  unchanged: number;
  rejected: { raw: RawRow; errors: FieldError[] }[];
}

export async function importTable(db: Database, actor: Actor, source: TableSource, options: ImportOptions = {}): Promise<ImportResult> {
  requireLedgerWriter(actor);
  const started = Date.now();
  const format = await sniff(source);
  const saved = options.mapping ? await withActor(db, actor, (tx) => loadMapping(tx, options.mapping!)) : null;
  const overrides: ColumnOverrides = { ...(saved?.columns ?? {}), ...normalizeOverrides(options.columns) };
  const kindHint = options.kind ?? saved?.kind;
  const sheet = options.sheet ?? saved?.sheet ?? undefined;
  const info: ReadInfo = {};

  // A mapping to a field the kind lacks is the user's mistake, reported before the file is read.
  if (kindHint) validateOverrides(kindHint, overrides);
  const rows = readRows(source, format, sheet ? { sheet } : {}, info);
  const header = await locateHeader(rows, kindHint ? KIND_INFO[kindHint].family : null, overrides);
  try {
    return await importRows(db, actor, source, options, { format, info, sheet, overrides, saved, kindHint, header, started });
  } finally {
    // Normally read to the end by now; closes the file when something failed before that.
    await rows.return(undefined);
  }
}

async function importRows(
  db: Database,
  actor: Actor,
  source: TableSource,
  options: ImportOptions,
  p: {
    format: TableFormat;
    info: ReadInfo;
    sheet: string | undefined;
    overrides: ColumnOverrides;
    saved: { name: string; kind: ImportKind } | null;
    kindHint: ImportKind | undefined;
    header: { rowNo: number; cells: string[]; rest: AsyncGenerator<RawRow> };
    started: number;
  },
): Promise<ImportResult> {
  const { format, info, sheet, overrides, saved, kindHint, header, started } = p;
  const detection = kindHint ? null : detectKind(header.cells, overrides);
  if (detection && !detection.kind) {
    throw new ImportFileError('kind_not_detected', `cannot tell the kind of file: ${detection.reason}; choose the kind (--kind)`);
  }
  const kind = (kindHint ?? detection?.kind)!;
  const { family, side } = KIND_INFO[kind];
  validateOverrides(kind, overrides);
  const match = matchHeader(header.cells, family, side, overrides);

  let entity: EntityRef = { id: '', code: '', baseCurrency: 'CNY' };
  if (family !== 'party') {
    entity = await withActor(db, actor, (tx) => resolveEntity(tx, options.entity));
  }
  const effectiveMapping = mappingOf(match);
  if (options.saveMapping) {
    await withActor(db, actor, (tx) => saveMapping(tx, actor, { name: options.saveMapping!, kind, columns: effectiveMapping, sheet: sheet ?? null }));
  }
  const env: ImportEnv = { kind, family, side, fileName: source.name, entity };
  const context: Context = {
    db,
    actor,
    source,
    format,
    info,
    sheet,
    options,
    env,
    match,
    headerRow: header.rowNo,
    headerCells: header.cells,
    kindDetected: !kindHint,
    mapping: { used: saved?.name ?? null, saved: options.saveMapping ?? null, columns: effectiveMapping },
    started,
  };
  options.errors?.begin(header.cells);
  switch (family) {
    case 'party':
      return new ImportJob(context, partiesHandler).run(header.rest);
    case 'invoice':
      return new ImportJob(context, invoicesHandler).run(header.rest);
    case 'receipt':
      return new ImportJob(context, receiptsHandler).run(header.rest);
    case 'contract':
      return new ImportJob(context, contractsHandler).run(header.rest);
  }
}

/** The mapping a file was read with, as it would be saved: normalised header → field. */
function mappingOf(match: HeaderMatch): ColumnOverrides {
  const out: ColumnOverrides = {};
  for (const c of match.columns) {
    if (c.status === 'mapped' && c.field) out[c.normalized] = c.field;
    else if (c.status === 'ignored' && c.source === 'mapping') out[c.normalized] = 'ignore';
  }
  return out;
}

/**
 * Finds the header row: the first of the first rows where at least two cells are known headers
 * (a title, the company and the period often sit above the table in ERP exports).
 */
async function locateHeader(
  rows: AsyncGenerator<RawRow>,
  family: Family | null,
  overrides: ColumnOverrides,
): Promise<{ rowNo: number; cells: string[]; rest: AsyncGenerator<RawRow> }> {
  let scanned = 0;
  for (;;) {
    const next = await rows.next();
    if (next.done) break;
    const raw = next.value;
    if (isBlank(raw.cells)) continue;
    scanned++;
    const filled = raw.cells.filter((c) => !(c === null || (typeof c === 'string' && c.trim() === ''))).length;
    if (filled > LIMITS.maxColumns) {
      await rows.return(undefined);
      throw new ImportFileError('header_too_large', `row ${raw.rowNo} has ${filled} columns; a header row has at most ${LIMITS.maxColumns}`);
    }
    const cells = raw.cells.map((c) => display(c) ?? '');
    while (cells.length && cells[cells.length - 1] === '') cells.pop();
    if (knownHeaderCount(cells, family, overrides) >= 2) {
      const long = cells.find((c) => c.length > LIMITS.maxHeaderChars);
      if (long) {
        await rows.return(undefined);
        throw new ImportFileError('header_too_large', `a header cell in row ${raw.rowNo} has ${long.length} characters; at most ${LIMITS.maxHeaderChars}`);
      }
      // The rows after the header continue from the same stream.
      return { rowNo: raw.rowNo, cells, rest: rows };
    }
    if (scanned >= HEADER_SCAN_ROWS) break;
  }
  await rows.return(undefined);
  throw new ImportFileError(
    'header_not_found',
    `no header row found in the first ${HEADER_SCAN_ROWS} rows: a header row needs at least two known column names such as 客户编码, 发票号码, 开票日期, 价税合计 (see docs/import.md), or a column mapping`,
  );
}

interface Context {
  db: Database;
  actor: Actor;
  source: TableSource;
  format: TableFormat;
  info: ReadInfo;
  sheet: string | undefined;
  options: ImportOptions;
  env: ImportEnv;
  match: HeaderMatch;
  headerRow: number;
  headerCells: string[];
  kindDetected: boolean;
  mapping: ImportResult['mapping'];
  started: number;
}

class ImportJob<V, P, S extends KindState> {
  private readonly errors: RowError[] = [];
  private errorsTotal = 0;
  private readonly rejectedRows = new Set<number>();
  private readonly preview: PreviewRow[] = [];
  private readonly planned = { create: 0, update: 0, unchanged: 0 };
  private readonly plannedActions = new Map<number, Action>();
  private readonly pendingCells = new Map<number, Cell[]>();
  private readonly dataInBlankColumns = new Set<number>();
  private rows = 0;
  private skipped = 0;
  private errorFileRows = 0;
  private readonly previewLimit: number;

  constructor(
    private readonly ctx: Context,
    private readonly handler: KindHandler<V, P, S>,
  ) {
    this.previewLimit = ctx.options.previewRows ?? 20;
  }

  async run(rest: AsyncGenerator<RawRow>): Promise<ImportResult> {
    const { options } = this.ctx;
    const missing = missingColumns(this.ctx.match);
    if (missing.length) {
      for (const group of missing) {
        const labels = group.map((f) => {
          const spec = FAMILY_FIELDS[this.ctx.env.family].find((s) => s.key === f);
          return spec ? `${spec.zh} (${f})` : f;
        });
        this.addErrors(this.ctx.headerRow, null, [{ field: null, code: 'missing_column', message: `missing column: ${labels.join(' or ')}` }], false);
      }
      await rest.return(undefined);
      return this.finishResult('rejected', null, null);
    }

    await this.validate(rest);
    if (options.dryRun) return this.finishResult('dry_run', null, null);
    if (this.rejectedRows.size > 0 && !options.validOnly) return this.finishResult('rejected', null, null);
    if (this.planned.create + this.planned.update === 0) {
      const { finalize } = options;
      if (finalize) await withActor(this.ctx.db, this.ctx.actor, (tx) => finalize(tx, this.rejectedRows));
      return this.finishResult('imported', { created: 0, updated: 0, unchanged: this.planned.unchanged }, null);
    }
    const toWrite = this.planned.create + this.planned.update + this.planned.unchanged;
    const single = options.transaction === 'single' || toWrite <= (options.singleTxMaxRows ?? SINGLE_TX_MAX_ROWS());
    return single ? this.applySingle(toWrite) : this.applyBatched(toWrite);
  }

  // -------------------------------------------------------------------------------------------
  // Rows
  // -------------------------------------------------------------------------------------------

  private mapped(raw: RawRow): MappedRow {
    const fields = this.ctx.match.fields;
    return {
      rowNo: raw.rowNo,
      has: (field) => fields.has(field),
      cell: (field) => {
        const i = fields.get(field);
        return i === undefined ? null : (raw.cells[i] ?? null);
      },
    };
  }

  /** A 合计 / Total line under the table: its first cell says so and the key columns are empty. */
  private isTotals(raw: RawRow): boolean {
    const first = raw.cells.find((c) => c !== null && !(typeof c === 'string' && c.trim() === ''));
    if (typeof first !== 'string' || !TOTAL_WORDS.has(normalizeHeader(first))) return false;
    const keys = { party: ['partyCode'], invoice: ['number'], receipt: ['number', 'bankReference'], contract: ['number'] }[this.ctx.env.family];
    const m = this.mapped(raw);
    return keys.every((k) => display(m.cell(k)) === null || display(m.cell(k)) === first.trim());
  }

  /**
   * The data rows of a pass, parsed, with in-file duplicate keys rejected, in chunks. Blank rows
   * are passed over; totals rows are counted as skipped (once, in the validating pass).
   */
  private async *chunks(rows: AsyncIterable<RawRow>, size: number, pass: 'validate' | 'apply'): AsyncGenerator<Prepared<V>[]> {
    const keys = new Map<string, number>();
    let chunk: Prepared<V>[] = [];
    for await (const raw of rows) {
      if (raw.rowNo <= this.ctx.headerRow || isBlank(raw.cells)) continue;
      if (this.isTotals(raw)) {
        if (pass === 'validate') this.skipped++;
        continue;
      }
      if (pass === 'apply' && this.rejectedRows.has(raw.rowNo)) continue;
      if (pass === 'validate') {
        this.rows++;
        for (const c of this.ctx.match.columns) {
          if (c.status === 'blank' && display(raw.cells[c.index] ?? null) !== null) this.dataInBlankColumns.add(c.index);
        }
        // Cells beyond the header have no column name at all.
        for (let i = this.ctx.match.columns.length; i < raw.cells.length; i++) {
          if (display(raw.cells[i] ?? null) !== null) this.dataInBlankColumns.add(i);
        }
      }
      const parsed = this.handler.parse(this.mapped(raw), this.ctx.env);
      const item: Prepared<V> = { raw, errors: parsed.errors ?? [] };
      if (parsed.value !== undefined) {
        item.value = parsed.value;
        // Duplicates within the file are found while validating; their rows are skipped when writing.
        const key = pass === 'validate' ? this.handler.key(parsed.value) : null;
        if (key) {
          const first = keys.get(key.key);
          if (first !== undefined) item.errors.push({ field: key.field, code: 'duplicate_in_file', message: `${key.text} appears twice in the file (also row ${first})` });
          else keys.set(key.key, raw.rowNo);
        }
      }
      chunk.push(item);
      if (chunk.length >= size) {
        yield chunk;
        chunk = [];
      }
    }
    if (chunk.length) yield chunk;
  }

  private validRows(chunk: Prepared<V>[]): Row<V>[] {
    return chunk.filter((p) => p.value !== undefined && p.errors.length === 0).map((p) => ({ rowNo: p.raw.rowNo, value: p.value! }));
  }

  // -------------------------------------------------------------------------------------------
  // Pass 1: validate
  // -------------------------------------------------------------------------------------------

  private async validate(rows: AsyncIterable<RawRow>): Promise<void> {
    const { db, actor, env, options } = this.ctx;
    const state = this.handler.newState();
    for await (const chunk of prefetch(this.chunks(rows, CHECK_CHUNK, 'validate'))) {
      const valid = this.validRows(chunk);
      const outcomes = valid.length ? await withActor(db, actor, (tx) => this.handler.check(tx, actor, valid, state, env)) : [];
      const byRow = new Map(valid.map((r, i) => [r.rowNo, outcomes[i]!]));
      for (const item of chunk) {
        const outcome: Outcome<P> = item.errors.length || item.value === undefined ? { action: 'reject', errors: item.errors } : byRow.get(item.raw.rowNo)!;
        this.record(item.raw, outcome);
      }
      await options.onProgress?.({ phase: 'validate', done: this.rows });
    }
    for (const [rowNo, errors] of this.handler.finish?.(state) ?? []) {
      const action = this.plannedActions.get(rowNo);
      if (action === undefined) continue;
      this.planned[action]--;
      this.plannedActions.delete(rowNo);
      const cells = this.pendingCells.get(rowNo) ?? [];
      this.reject({ rowNo, cells }, errors);
      const p = this.preview.find((x) => x.row === rowNo);
      if (p) {
        p.action = 'reject';
        p.errors = this.rowErrors(rowNo, errors);
      }
    }
    this.pendingCells.clear();
  }

  private record(raw: RawRow, outcome: Outcome<P>): void {
    const previewing = this.preview.length < this.previewLimit;
    if (outcome.action === 'reject') {
      this.reject(raw, outcome.errors);
      if (previewing) this.preview.push({ row: raw.rowNo, cells: this.displayCells(raw), action: 'reject', errors: this.rowErrors(raw.rowNo, outcome.errors) });
      return;
    }
    this.planned[outcome.action]++;
    // Only a pending row can be rejected by finish(); nothing else is kept per row.
    if (outcome.pending) {
      this.plannedActions.set(raw.rowNo, outcome.action);
      this.pendingCells.set(raw.rowNo, raw.cells);
    }
    if (previewing) {
      this.preview.push({
        row: raw.rowNo,
        cells: this.displayCells(raw),
        action: outcome.action,
        ...(outcome.action !== 'unchanged' && outcome.changes ? { changes: outcome.changes } : {}),
      });
    }
  }

  private displayCells(raw: RawRow): (string | null)[] {
    return this.ctx.match.columns.map((c) => display(raw.cells[c.index] ?? null));
  }

  private rowErrors(rowNo: number, errors: FieldError[]): RowError[] {
    return errors.map((e) => {
      const col = e.field ? this.ctx.match.fields.get(e.field) : undefined;
      const c = col === undefined ? undefined : this.ctx.match.columns[col];
      return { row: rowNo, column: c?.header ?? null, columnRef: c?.ref ?? null, field: e.field, code: e.code, message: e.message };
    });
  }

  private addErrors(rowNo: number, cells: Cell[] | null, errors: FieldError[], toFile = true): RowError[] {
    const rowErrors = this.rowErrors(rowNo, errors);
    this.errorsTotal += rowErrors.length;
    for (const e of rowErrors) if (this.errors.length < MAX_ERRORS) this.errors.push(e);
    if (toFile && cells && this.ctx.options.errors) {
      this.ctx.options.errors.add(rowNo, cells, rowErrors.map((e) => (e.column ? `${e.column}: ${e.message}` : e.message)).join('; '));
      this.errorFileRows++;
    }
    return rowErrors;
  }

  private reject(raw: { rowNo: number; cells: Cell[] }, errors: FieldError[]): void {
    if (this.rejectedRows.has(raw.rowNo)) return;
    this.rejectedRows.add(raw.rowNo);
    this.addErrors(raw.rowNo, raw.cells, errors);
  }

  // -------------------------------------------------------------------------------------------
  // Pass 2: write
  // -------------------------------------------------------------------------------------------

  private rereadRows(): AsyncIterable<RawRow> {
    const { source, format, sheet } = this.ctx;
    return readRows(source, format, sheet ? { sheet } : {}, {});
  }

  /**
   * Checks and writes one chunk inside the caller's transaction. A row that now fails is an
   * ApplyAbort in an all-or-nothing import; with validOnly it is rolled back to its savepoint
   * and rejected. Rows up to resumedThrough that are unchanged were written by the interrupted
   * run and are counted there.
   */
  private async applyChunk(tx: Queryable, chunk: Prepared<V>[], state: S, tally: ApplyTally, resumedThrough: number, runId: string | null): Promise<void> {
    const { actor, env, options } = this.ctx;
    const fail = (item: Prepared<V>, errors: FieldError[]) => {
      if (!options.validOnly) throw new ApplyAbort(item.raw, errors);
      tally.rejected.push({ raw: item.raw, errors });
    };
    const valid = this.validRows(chunk);
    const outcomes = valid.length ? await this.handler.check(tx, actor, valid, state, env) : [];
    const byRow = new Map(valid.map((r, i) => [r.rowNo, { row: r, outcome: outcomes[i]! }]));
    const writes: { item: Prepared<V>; row: Row<V>; outcome: { action: 'create' | 'update'; plan: P } }[] = [];
    for (const item of chunk) {
      const decided = byRow.get(item.raw.rowNo);
      if (!decided) {
        fail(item, item.errors);
        continue;
      }
      const { row, outcome } = decided;
      if (outcome.action === 'reject') {
        fail(item, outcome.errors);
        continue;
      }
      if (outcome.action === 'unchanged') {
        if (row.rowNo > resumedThrough) tally.unchanged++;
        continue;
      }
      writes.push({ item, row, outcome });
    }
    const count = (action: 'create' | 'update') => {
      if (action === 'create') tally.created++;
      else tally.updated++;
    };
    // Set-based first: the whole chunk in a few statements. Should the database refuse it (a
    // number another import took a moment ago, say), the chunk is undone and written row by row
    // below, which names the row at fault.
    if (this.handler.writeBatch && writes.length > 1) {
      await tx.query('SAVEPOINT import_batch');
      try {
        const batch = { runId, firstRow: writes[0]!.row.rowNo, lastRow: writes[writes.length - 1]!.row.rowNo };
        await this.handler.writeBatch(tx, actor, writes.map(({ row, outcome }) => ({ row, outcome })), state, env, batch);
        await tx.query('RELEASE SAVEPOINT import_batch');
        for (const w of writes) count(w.outcome.action);
        return;
      } catch (err) {
        await tx.query('ROLLBACK TO SAVEPOINT import_batch');
        asFieldErrors(err); // a bug (not a refusal) is rethrown here
      }
    }
    for (const { item, row, outcome } of writes) {
      if (options.validOnly) await tx.query('SAVEPOINT import_row');
      try {
        await this.handler.write(tx, actor, row, outcome, state, env);
        if (options.validOnly) await tx.query('RELEASE SAVEPOINT import_row');
      } catch (err) {
        if (!options.validOnly) throw new ApplyAbort(item.raw, asFieldErrors(err));
        await tx.query('ROLLBACK TO SAVEPOINT import_row');
        tally.rejected.push({ raw: item.raw, errors: asFieldErrors(err) });
        continue;
      }
      count(outcome.action);
    }
  }

  private optionsHash(): string {
    const { env, options, sheet, mapping } = this.ctx;
    const sorted = Object.fromEntries(Object.entries(mapping.columns).sort(([a], [b]) => a.localeCompare(b)));
    return createHash('sha256')
      .update(JSON.stringify({ kind: env.kind, entity: env.entity.code, validOnly: !!options.validOnly, columns: sorted, sheet: sheet ?? null }))
      .digest('hex');
  }

  /**
   * The run of this file to resume (one left by a process that died, or failed part-way), or a
   * new one. A run still alive elsewhere is a conflict: the same file is being imported now.
   */
  private async openRun(tx: Queryable, mode: 'single' | 'batched', total: number): Promise<{ id: string; resumedFromRow: number | null; prior: ImportCounts | null }> {
    const { actor, format, source, env } = this.ctx;
    const optionsHash = this.optionsHash();
    const [previous] = await tx.query<{ id: string; status: string; committed_through_row: number; counts: ImportCounts; host: string | null; pid: number | null; stale: boolean }>(
      `SELECT id, status, committed_through_row, counts, host, pid, heartbeat_at < now() - interval '2 minutes' AS stale
         FROM import_runs WHERE user_id = $1 AND file_sha256 = $2 AND options_hash = $3 AND status IN ('running', 'failed')
        ORDER BY started_at DESC LIMIT 1 FOR UPDATE`,
      [actor.userId, format.sha256, optionsHash],
    );
    if (previous?.status === 'running') {
      const here = previous.host === hostname();
      const alive = here ? (previous.pid === process.pid ? ACTIVE_RUNS.has(previous.id) : pidAlive(previous.pid)) : !previous.stale;
      if (alive) throw new AppError(409, 'import_in_progress', `this file is being imported right now (run ${previous.id}${here ? `, process ${previous.pid}` : ''})`, ['file']);
    }
    if (previous) {
      await tx.query(`UPDATE import_runs SET status = 'running', mode = $2, host = $3, pid = $4, heartbeat_at = now(), error = NULL WHERE id = $1`, [
        previous.id,
        mode,
        hostname(),
        process.pid,
      ]);
      const resumed = previous.committed_through_row > 0 ? previous.committed_through_row : null;
      return { id: previous.id, resumedFromRow: resumed, prior: resumed ? previous.counts : null };
    }
    const [row] = await tx.query<{ id: string }>(
      `INSERT INTO import_runs (user_id, kind, file_name, file_sha256, options_hash, mode, status, rows_total, host, pid)
       VALUES ($1, $2, $3, $4, $5, $6, 'running', $7, $8, $9) RETURNING id`,
      [actor.userId, env.kind, source.name.slice(0, 500), format.sha256, optionsHash, mode, total, hostname(), process.pid],
    );
    return { id: row!.id, resumedFromRow: null, prior: null };
  }

  private countsOf(prior: ImportCounts | null, tally: Omit<ApplyTally, 'rejected'>, extraRejected: number): ImportCounts {
    return {
      rows: this.rows,
      created: (prior?.created ?? 0) + tally.created,
      updated: (prior?.updated ?? 0) + tally.updated,
      unchanged: (prior?.unchanged ?? 0) + tally.unchanged,
      rejected: this.rejectedRows.size + extraRejected,
      skipped: this.skipped,
    };
  }

  private rejectLate(rejected: ApplyTally['rejected']): void {
    for (const r of rejected) this.reject(r.raw, r.errors);
  }

  /** The whole file in one transaction, with its run row: all of it is written, or none. */
  private async applySingle(total: number): Promise<ImportResult> {
    const { db, actor, options } = this.ctx;
    let runRef: { id: string; resumedFromRow: number | null; prior: ImportCounts | null } | null = null;
    try {
      const outcome = await withActor(db, actor, async (tx) => {
        const replay = options.idempotency ? await options.idempotency.claim(tx) : null;
        if (replay) return { replay };
        const run = await this.openRun(tx, 'single', total);
        runRef = run;
        ACTIVE_RUNS.add(run.id);
        const state = this.handler.newState();
        const tally: ApplyTally = { created: 0, updated: 0, unchanged: 0, rejected: [] };
        let done = 0;
        let lastRow = 0;
        for await (const chunk of prefetch(this.chunks(this.rereadRows(), this.handler.writeBatch ? CHECK_CHUNK : ROW_CHUNK, 'apply'))) {
          await this.applyChunk(tx, chunk, state, tally, run.resumedFromRow ?? 0, run.id);
          done += chunk.length;
          lastRow = chunk[chunk.length - 1]!.raw.rowNo;
          await options.onProgress?.({ phase: 'apply', done, total, committed: false });
        }
        await options.finalize?.(tx, new Set([...this.rejectedRows, ...tally.rejected.map((r) => r.raw.rowNo)]));
        const counts = this.countsOf(run.prior, tally, tally.rejected.filter((r) => !this.rejectedRows.has(r.raw.rowNo)).length);
        await tx.query(
          `UPDATE import_runs SET status = 'done', counts = $2::jsonb, committed_through_row = $3, heartbeat_at = now(), finished_at = now() WHERE id = $1`,
          [run.id, JSON.stringify(counts), lastRow],
        );
        const result = this.buildResult('imported', counts, { id: run.id, mode: 'single', resumedFromRow: run.resumedFromRow, committedThroughRow: lastRow });
        if (options.idempotency) await options.idempotency.store(tx, result);
        return { result, rejected: tally.rejected };
      });
      if ('replay' in outcome && outcome.replay) return this.replayed(outcome.replay.body);
      this.rejectLate(outcome.rejected!);
      await options.onProgress?.({ phase: 'apply', done: total, total, committed: true });
      return this.finishBuilt(outcome.result!);
    } catch (err) {
      if (!(err instanceof ApplyAbort)) throw err;
      this.reject(err.row, err.errors);
      return this.finishResult('rejected', null, null);
    } finally {
      if (runRef) ACTIVE_RUNS.delete((runRef as { id: string }).id);
    }
  }

  /**
   * Checkpointed batches: each transaction writes a batch and moves the run's checkpoint. Killed
   * or stopped by a failing row, the run stays resumable: importing the same file again goes on
   * (the rows already written are found unchanged by their natural keys).
   */
  private async applyBatched(total: number): Promise<ImportResult> {
    const { db, actor, options } = this.ctx;
    const batchRows = options.batchRows ?? (this.handler.writeBatch ? SET_BATCH_ROWS() : BATCH_ROWS());
    const run = await withActor(db, actor, (tx) => this.openRun(tx, 'batched', total));
    ACTIVE_RUNS.add(run.id);
    let state = this.handler.newState();
    const tally: Omit<ApplyTally, 'rejected'> = { created: 0, updated: 0, unchanged: 0 };
    let lateRejected = 0;
    let committedThrough = run.resumedFromRow ?? 0;
    let done = 0;
    let batches = 0;
    try {
      for await (const chunk of prefetch(this.chunks(this.rereadRows(), batchRows, 'apply'))) {
        const lastRowNo = chunk[chunk.length - 1]!.raw.rowNo;
        const { working, batch } = await withActor(db, actor, async (tx) => {
          const working = state.clone();
          const batch: ApplyTally = { created: 0, updated: 0, unchanged: 0, rejected: [] };
          await this.applyChunk(tx, chunk, working, batch, run.resumedFromRow ?? 0, run.id);
          const counts = this.countsOf(run.prior, { created: tally.created + batch.created, updated: tally.updated + batch.updated, unchanged: tally.unchanged + batch.unchanged }, lateRejected + batch.rejected.length);
          await tx.query(`UPDATE import_runs SET committed_through_row = greatest(committed_through_row, $2), counts = $3::jsonb, heartbeat_at = now() WHERE id = $1`, [
            run.id,
            lastRowNo,
            JSON.stringify(counts),
          ]);
          return { working, batch };
        });
        state = working;
        batches++;
        // Each time the rows written double, refresh the planner's statistics (below).
        if ((batches & (batches - 1)) === 0) await refreshStatistics(db);
        tally.created += batch.created;
        tally.updated += batch.updated;
        tally.unchanged += batch.unchanged;
        lateRejected += batch.rejected.length;
        this.rejectLate(batch.rejected);
        committedThrough = Math.max(committedThrough, lastRowNo);
        done += chunk.length;
        await options.onProgress?.({ phase: 'apply', done, total, committed: true });
      }
      const counts = this.countsOf(run.prior, tally, 0);
      const outcome = await withActor(db, actor, async (tx) => {
        const replay = options.idempotency ? await options.idempotency.claim(tx) : null;
        if (replay) return { replay };
        await options.finalize?.(tx, this.rejectedRows);
        await tx.query(`UPDATE import_runs SET status = 'done', counts = $2::jsonb, heartbeat_at = now(), finished_at = now() WHERE id = $1`, [run.id, JSON.stringify(counts)]);
        const result = this.buildResult('imported', counts, { id: run.id, mode: 'batched', resumedFromRow: run.resumedFromRow, committedThroughRow: committedThrough });
        if (options.idempotency) await options.idempotency.store(tx, result);
        return { result };
      });
      if (outcome.replay) return this.replayed(outcome.replay.body);
      return this.finishBuilt(outcome.result!);
    } catch (err) {
      const abort = err instanceof ApplyAbort ? err : null;
      const message = abort ? abort.message : ((err as Error)?.message ?? String(err));
      await withActor(db, actor, (tx) =>
        tx.query(`UPDATE import_runs SET status = 'failed', error = $2::jsonb, heartbeat_at = now() WHERE id = $1`, [
          run.id,
          JSON.stringify({ row: abort?.row.rowNo ?? null, message }),
        ]),
      ).catch(() => undefined);
      if (!abort) throw err;
      this.reject(abort.row, abort.errors);
      const counts = this.countsOf(run.prior, tally, lateRejected);
      return this.finishBuilt(this.buildResult('interrupted', counts, { id: run.id, mode: 'batched', resumedFromRow: run.resumedFromRow, committedThroughRow: committedThrough }));
    } finally {
      ACTIVE_RUNS.delete(run.id);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Result
  // -------------------------------------------------------------------------------------------

  private async finishResult(status: ImportResult['status'], applied: { created: number; updated: number; unchanged: number } | null, run: ImportResult['run']): Promise<ImportResult> {
    const counts: ImportCounts = {
      rows: this.rows,
      created: applied?.created ?? 0,
      updated: applied?.updated ?? 0,
      unchanged: applied?.unchanged ?? 0,
      rejected: this.rejectedRows.size,
      skipped: this.skipped,
    };
    return this.finishBuilt(this.buildResult(status, counts, run));
  }

  private async replayed(body: unknown): Promise<ImportResult> {
    await this.ctx.options.errors?.end();
    return { ...(body as ImportResult), replayed: true };
  }

  private async finishBuilt(result: ImportResult): Promise<ImportResult> {
    const rows = this.ctx.options.errors ? await this.ctx.options.errors.end() : 0;
    return { ...result, errors: this.errors, errorsTotal: this.errorsTotal, counts: { ...result.counts, rejected: this.rejectedRows.size }, errorFileRows: rows, durationMs: Date.now() - this.ctx.started };
  }

  private buildResult(status: ImportResult['status'], counts: ImportCounts, run: ImportResult['run']): ImportResult {
    const { ctx } = this;
    const fields = FAMILY_FIELDS[ctx.env.family];
    const label = (f: string | null) => {
      const spec = f ? fields.find((s) => s.key === f) : undefined;
      return spec ? `${spec.zh} / ${spec.en}` : null;
    };
    const unrecognised = ctx.match.columns.filter((c) => c.status === 'unrecognised' || c.status === 'duplicate').map((c) => c.header);
    for (const i of [...this.dataInBlankColumns].sort((a, b) => a - b)) {
      const ref = ctx.match.columns[i]?.ref ?? columnRef(i);
      unrecognised.push(`(${ref} 列无标题 / column ${ref} has no header)`);
    }
    const shown = status === 'dry_run' || status === 'rejected';
    return {
      status,
      kind: ctx.env.kind,
      kindDetected: ctx.kindDetected,
      entity: ctx.env.family === 'party' ? null : ctx.env.entity.code,
      file: {
        name: ctx.source.name,
        format: ctx.format.format,
        encoding: ctx.format.encoding ?? null,
        delimiter: ctx.format.delimiter ?? null,
        sheet: ctx.info.sheet ?? null,
        sheets: ctx.info.sheets ?? null,
        sha256: ctx.format.sha256,
        headerRow: ctx.headerRow,
      },
      columns: ctx.match.columns
        .filter((c) => c.status !== 'blank' || this.dataInBlankColumns.has(c.index))
        .map((c) => ({ index: c.index, ref: c.ref, header: c.header, field: c.field, status: c.status, source: c.source, label: label(c.field) })),
      unrecognisedColumns: unrecognised,
      fields: fields.filter((f) => !f.ignore).map((f) => ({ key: f.key, zh: f.zh, en: f.en })),
      counts,
      planned: shown ? { ...this.planned } : null,
      errors: this.errors,
      errorsTotal: this.errorsTotal,
      preview: this.preview,
      run,
      mapping: ctx.mapping,
      errorFileRows: this.errorFileRows,
      durationMs: Date.now() - ctx.started,
    };
  }
}

/**
 * ANALYZE the tables an import fills. Loading into tables the planner has no statistics for (a
 * new installation, or autovacuum off or not yet run) makes it answer the ledger's document-number
 * lookups through the wrong index, scanning every document of the entity per row: an import that
 * slows down quadratically (measured: 10,000 invoices 40 s, the next 10,000 104 s). Best effort:
 * a connection that does not own the tables gets a warning, not an error.
 */
async function refreshStatistics(db: Database): Promise<void> {
  await db.query('ANALYZE parties, invoices, installments, receipts, allocations, audit_log').catch(() => undefined);
}

/**
 * Reads (and parses) the next chunk of the file while the caller writes this one: the database
 * works on one core while the file is parsed on the other.
 */
async function* prefetch<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  let next = it.next();
  try {
    for (;;) {
      const r = await next;
      if (r.done) return;
      next = it.next();
      // Failing while the caller is busy is reported when the caller asks for it, not before.
      next.catch(() => undefined);
      yield r.value;
    }
  } finally {
    await it.return?.(undefined);
  }
}

function pidAlive(pid: number | null): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
