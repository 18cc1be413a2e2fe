/**
 * The import endpoint (POST /api/import, docs/import.md) for the web page. The file goes as the
 * raw request body (no base64 inflation), the options in the query string. A dry run and an
 * import both answer with the same report; a rejected import is a 422 that still carries it.
 */
import { ApiError, buildUrl } from '../api';

export type ImportKind = 'customers' | 'suppliers' | 'invoices' | 'bills' | 'receipts' | 'payments' | 'contracts' | 'purchase_contracts';
export const IMPORT_KINDS: ImportKind[] = ['customers', 'suppliers', 'invoices', 'bills', 'receipts', 'payments', 'contracts', 'purchase_contracts'];

export interface ImportColumn {
  index: number;
  ref: string;
  header: string;
  field: string | null;
  status: 'mapped' | 'ignored' | 'unrecognised' | 'duplicate' | 'blank';
  source: 'dictionary' | 'mapping' | null;
  label: string | null;
}

export interface ImportRowError {
  row: number;
  column: string | null;
  columnRef: string | null;
  field: string | null;
  code: string;
  message: string;
}

export interface ImportPreviewRow {
  row: number;
  cells: (string | null)[];
  action: 'create' | 'update' | 'unchanged' | 'reject';
  changes?: string[];
  errors?: ImportRowError[];
}

export interface ImportReport {
  status: 'dry_run' | 'imported' | 'rejected' | 'interrupted';
  kind: ImportKind;
  kindDetected: boolean;
  entity: string | null;
  file: { name: string; format: 'csv' | 'xlsx'; encoding: string | null; delimiter: string | null; sheet: string | null; sheets: string[] | null; headerRow: number };
  columns: ImportColumn[];
  unrecognisedColumns: string[];
  fields: { key: string; zh: string; en: string }[];
  counts: { rows: number; created: number; updated: number; unchanged: number; rejected: number; skipped: number };
  planned: { create: number; update: number; unchanged: number } | null;
  errors: ImportRowError[];
  errorsTotal: number;
  preview: ImportPreviewRow[];
  run: { id: string; mode: 'single' | 'batched'; resumedFromRow: number | null; committedThroughRow: number } | null;
  mapping: { used: string | null; saved: string | null; columns: Record<string, string> };
  errorFile?: { name: string; contentType: string; base64: string };
  replayed?: boolean;
}

export interface SavedMapping {
  name: string;
  kind: ImportKind;
  columns: Record<string, string>;
  sheet: string | null;
}

export interface ImportRequest {
  kind?: ImportKind | undefined;
  mapping?: string | undefined;
  saveMapping?: string | undefined;
  sheet?: string | undefined;
  columns?: Record<string, string> | undefined;
  dryRun: boolean;
  validOnly: boolean;
}

function isReport(v: unknown): v is ImportReport {
  return !!v && typeof v === 'object' && 'status' in v && 'counts' in v && 'columns' in v;
}

/** Sends the file; resolves with the report (also for a rejected import), throws ApiError otherwise. */
export async function sendImport(file: File, req: ImportRequest, idempotencyKey?: string): Promise<ImportReport> {
  const url = buildUrl('/api/import', {
    fileName: file.name,
    kind: req.kind,
    mapping: req.mapping,
    saveMapping: req.saveMapping,
    sheet: req.sheet,
    columns: req.columns && Object.keys(req.columns).length ? JSON.stringify(req.columns) : undefined,
    dryRun: req.dryRun,
    validOnly: req.validOnly,
    errorFile: true,
  });
  const headers: Record<string, string> = { Accept: 'application/json', 'Content-Type': 'application/octet-stream' };
  if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
  const res = await fetch(url, { method: 'POST', credentials: 'same-origin', headers, body: file });
  const payload: unknown = await res.json().catch(() => null);
  if (isReport(payload)) return payload;
  if (res.status === 401) window.location.assign(`/login?next=${encodeURIComponent('/import')}`);
  const err = payload && typeof payload === 'object' && 'error' in payload ? (payload as { error: { code?: string; message?: string; fields?: string[] } }).error : null;
  throw new ApiError(res.status, {
    code: err?.code ?? `http_${res.status}`,
    message: err?.message ?? `${res.status} ${res.statusText}`,
    fields: err?.fields ?? [],
  });
}

/** Offers the error file the server returned as a download. */
export function downloadErrorFile(file: NonNullable<ImportReport['errorFile']>): void {
  const bytes = Uint8Array.from(atob(file.base64), (c) => c.charCodeAt(0));
  const url = URL.createObjectURL(new Blob([bytes], { type: file.contentType }));
  const a = document.createElement('a');
  a.href = url;
  a.download = file.name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
