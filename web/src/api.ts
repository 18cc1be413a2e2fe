/**
 * HTTP client for the Shoufu API (docs/api.md). Same origin, cookie session. Errors come back in
 * one shape, { error: { code, message, fields } }, and are surfaced through antd `message` unless
 * the caller asks for silence; a 401 sends the user to /login.
 */

import type { Locale } from './i18n';

// ---------------------------------------------------------------------------------------------
// Types of the API payloads. Amounts are decimal strings with `currency` beside them.
// ---------------------------------------------------------------------------------------------

export type Side = 'AR' | 'AP';
export type Amount = string;

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}

export interface Me {
  id: string;
  username: string;
  displayName: string;
  role: string;
  locale: Locale;
}

export interface AgingBucket {
  key: string;
  labelZh: string;
  labelEn: string;
  amount: Amount;
}

export interface DashboardSummary {
  asOf: string;
  currency: string;
  receivable: Amount;
  overdue: Amount;
  unapplied: Amount;
  customerCount: number;
  overdueCustomerCount: number;
  aging: AgingBucket[];
}

export interface PartyListItem {
  id: string;
  code: string;
  name: string;
  region: string | null;
  industry: string | null;
  ownerName: string | null;
  paymentTermsDays: number | null;
  creditLimit: Amount | null;
  currency: string;
  open: Amount;
  overdue: Amount;
}

export interface BankAccount {
  id?: string;
  bankName: string;
  accountNo: string;
  accountName: string;
}

export interface PartyDetail extends PartyListItem {
  nameEn?: string | null;
  shortName?: string | null;
  contactEmail?: string | null;
  creditCurrency?: string;
  balances?: { currency: string; open: Amount; overdue: Amount; unapplied: Amount }[];
  uscc: string | null;
  province: string | null;
  parentId: string | null;
  parentName: string | null;
  bankAccounts: BankAccount[];
  unapplied: Amount;
  externalIds: Record<string, unknown> | null;
}

export type LedgerType = 'invoice' | 'credit_note' | 'receipt';

export interface LedgerEntry {
  date: string;
  type: LedgerType | string;
  number: string;
  id: string;
  debit: Amount | null;
  credit: Amount | null;
  balance: Amount;
  currency: string;
}

export type InvoiceStatus = 'open' | 'partially_paid' | 'paid' | 'overdue' | 'disputed' | 'written_off';

export interface InvoiceListItem {
  id: string;
  number: string;
  kind: 'invoice' | 'credit_note' | string;
  partyId: string;
  partyCode: string;
  partyName: string;
  issueDate: string;
  dueDate: string | null;
  currency: string;
  total: Amount;
  open: Amount;
  status: InvoiceStatus | string;
  daysOverdue: number | null;
}

export interface InvoiceLine {
  id?: string;
  lineNo?: number;
  description: string;
  quantity?: string | number;
  unitPrice?: Amount;
  taxRate?: string | number;
  amount?: Amount;
  tax?: Amount;
}

export interface Installment {
  id: string;
  seq: number;
  dueDate: string;
  amount: Amount;
  allocated: Amount;
  open: Amount;
  milestone?: string | null;
}

/** One allocation row as returned inside invoice and receipt details. Field names beyond
 * id/amount are read defensively since the contract does not spell them out. */
export interface Allocation {
  id: string;
  seq?: number;
  amount: Amount;
  currency?: string;
  effectiveDate?: string;
  method?: string;
  sourceKind?: string;
  adjustmentKind?: string | null;
  reason?: string | null;
  /** Invoice detail: the receipt or credit note the allocation came from. */
  sourceId?: string | null;
  sourceNumber?: string | null;
  receiptId?: string | null;
  receiptNumber?: string | null;
  invoiceId?: string | null;
  invoiceNumber?: string | null;
  installmentId?: string | null;
  installmentSeq?: number | null;
  sourceAmount?: Amount | null;
  sourceCurrency?: string | null;
  reversesAllocationId?: string | null;
  reversedByAllocationId?: string | null;
  reversedBy?: string | null;
  reversed?: boolean;
}

export interface InvoiceDetail extends InvoiceListItem {
  side?: Side;
  subtotal?: Amount;
  tax?: Amount;
  description?: string | null;
  orderRef?: string | null;
  einvoiceNumber?: string | null;
  contractId?: string | null;
  contractNumber?: string | null;
  originalInvoiceId?: string | null;
  originalInvoiceNumber?: string | null;
  lines: InvoiceLine[];
  installments: Installment[];
  allocations: Allocation[];
  creditNotes?: { id: string; number: string; total: Amount; issueDate: string }[];
}

export interface ReceiptListItem {
  id: string;
  number: string;
  partyId: string | null;
  partyName: string | null;
  receiptDate: string;
  currency: string;
  amount: Amount;
  allocated: Amount;
  unapplied: Amount;
  bankReference: string | null;
  counterpartyName: string | null;
}

export interface ReceiptDetail extends ReceiptListItem {
  side?: Side;
  method?: string;
  remittance: string | null;
  allocations: Allocation[];
}

export interface Candidate {
  installmentId: string;
  invoiceId: string;
  invoiceNumber: string;
  partyName?: string;
  issueDate?: string;
  seq: number;
  dueDate: string;
  amount: Amount;
  open: Amount;
  currency: string;
}

export interface ContractVersion {
  id: string;
  version: number;
  total: Amount;
  currency?: string;
  schedule: unknown;
  validFrom: string;
  note: string | null;
  invoiceCount?: number;
}

export interface ContractListItem {
  id: string;
  /** Only in the detail; the list is filtered by side. */
  side?: Side;
  number: string;
  partyId: string;
  partyName?: string | null;
  partyCode?: string | null;
  title: string;
  currency: string;
  currentVersion: number;
  signedOn: string | null;
  total?: Amount | null;
}

export interface ContractDetail extends ContractListItem {
  versions: ContractVersion[];
}

export interface AuditEntry {
  seq: number | string;
  at: string;
  actor: string;
  actorId?: string | null;
  action: string;
  objectType: string;
  objectId: string | null;
  before?: unknown;
  after?: unknown;
}

// ---------------------------------------------------------------------------------------------
// Errors and hooks into the UI (message, redirect) registered by the app shell.
// ---------------------------------------------------------------------------------------------

export interface ApiErrorBody {
  code: string;
  message: string;
  fields?: string[];
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fields: string[];
  constructor(status: number, body: ApiErrorBody) {
    super(body.message);
    this.name = 'ApiError';
    this.status = status;
    this.code = body.code;
    this.fields = body.fields ?? [];
  }
}

export function isAbortError(e: unknown): boolean {
  return e instanceof DOMException && e.name === 'AbortError';
}

interface UiHooks {
  showError: (text: string) => void;
  onUnauthorized: () => void;
  networkErrorText: () => string;
}

const ui: UiHooks = {
  showError: (text) => console.error(text),
  onUnauthorized: () => {
    if (window.location.pathname !== '/login') window.location.assign('/login');
  },
  networkErrorText: () => 'Network error',
};

export function configureApi(hooks: Partial<UiHooks>): void {
  Object.assign(ui, hooks);
}

// ---------------------------------------------------------------------------------------------
// The request function.
// ---------------------------------------------------------------------------------------------

export type QueryValue = string | number | boolean | null | undefined;

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  query?: Record<string, QueryValue>;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Do not show the error through antd message (the caller shows it). */
  silent?: boolean;
  /** Do not redirect to /login on 401 (login itself, the initial /api/me probe). */
  noAuthRedirect?: boolean;
}

export function buildUrl(path: string, query?: Record<string, QueryValue>): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    params.set(k, String(v));
  }
  const qs = params.toString();
  return qs ? `${path}${path.includes('?') ? '&' : '?'}${qs}` : path;
}

function toErrorBody(status: number, payload: unknown, fallback: string): ApiErrorBody {
  if (payload && typeof payload === 'object' && 'error' in payload) {
    const err = (payload as { error: unknown }).error;
    if (err && typeof err === 'object') {
      const e = err as Partial<ApiErrorBody>;
      return {
        code: typeof e.code === 'string' ? e.code : `http_${status}`,
        message: typeof e.message === 'string' && e.message ? e.message : fallback,
        fields: Array.isArray(e.fields) ? e.fields.filter((f): f is string => typeof f === 'string') : [],
      };
    }
  }
  return { code: `http_${status}`, message: fallback, fields: [] };
}

export async function request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', ...opts.headers };
  const init: RequestInit = {
    method: opts.method ?? 'GET',
    credentials: 'same-origin',
    headers,
  };
  if (opts.signal) init.signal = opts.signal;
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(opts.body);
  }

  let res: Response;
  try {
    res = await fetch(buildUrl(path, opts.query), init);
  } catch (e) {
    if (isAbortError(e)) throw e;
    const err = new ApiError(0, { code: 'network_error', message: ui.networkErrorText() });
    if (!opts.silent) ui.showError(err.message);
    throw err;
  }

  const text = await res.text();
  let payload: unknown = null;
  if (text) {
    try {
      payload = JSON.parse(text);
    } catch {
      payload = null;
    }
  }

  if (!res.ok) {
    const err = new ApiError(res.status, toErrorBody(res.status, payload, `${res.status} ${res.statusText}`.trim()));
    if (res.status === 401 && !opts.noAuthRedirect) {
      ui.onUnauthorized();
      throw err;
    }
    if (!opts.silent) ui.showError(err.message);
    throw err;
  }
  return payload as T;
}

export const api = {
  get: <T>(path: string, query?: Record<string, QueryValue>, opts: Omit<RequestOptions, 'query'> = {}) =>
    request<T>(path, { ...opts, method: 'GET', ...(query ? { query } : {}) }),
  post: <T>(path: string, body?: unknown, opts: Omit<RequestOptions, 'body' | 'method'> = {}) =>
    request<T>(path, { ...opts, method: 'POST', body: body ?? {} }),
  put: <T>(path: string, body?: unknown, opts: Omit<RequestOptions, 'body' | 'method'> = {}) =>
    request<T>(path, { ...opts, method: 'PUT', body: body ?? {} }),
};

// ---------------------------------------------------------------------------------------------
// Endpoints.
// ---------------------------------------------------------------------------------------------

export const endpoints = {
  login: (username: string, password: string) =>
    api.post<{ user: Me }>('/api/auth/login', { username, password }, { silent: true, noAuthRedirect: true }),
  logout: () => api.post<unknown>('/api/auth/logout', {}, { silent: true, noAuthRedirect: true }),
  me: (signal?: AbortSignal) =>
    api.get<Me>('/api/me', undefined, { silent: true, noAuthRedirect: true, ...(signal ? { signal } : {}) }),
  setLocale: (locale: Locale) => api.put<unknown>('/api/me/locale', { locale }),
  reverseAllocation: (id: string, idempotencyKey: string) =>
    api.post<unknown>(`/api/allocations/${encodeURIComponent(id)}/reverse`, {}, {
      headers: { 'Idempotency-Key': idempotencyKey },
    }),
  allocate: (
    body: { receiptId: string; effectiveDate?: string; lines: { installmentId: string; amount: string }[] },
    idempotencyKey: string,
  ) => api.post<unknown>('/api/allocations', body, { headers: { 'Idempotency-Key': idempotencyKey } }),
};

/** A v4 UUID for Idempotency-Key. crypto.randomUUID needs a secure context (https or localhost);
 * over plain http on a LAN address it is missing, so fall back to getRandomValues. */
export function newIdempotencyKey(): string {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === 'function') return c.randomUUID();
  const b = new Uint8Array(16);
  c.getRandomValues(b);
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Lists may come back as { items, total } (documented) or, defensively, as a bare array. */
export function normalizePage<T>(data: Page<T> | T[] | { items: T[] } | null | undefined): Page<T> {
  if (!data) return { items: [], total: 0, page: 1, pageSize: 0 };
  if (Array.isArray(data)) return { items: data, total: data.length, page: 1, pageSize: data.length };
  const items = Array.isArray(data.items) ? data.items : [];
  const p = data as Partial<Page<T>>;
  return {
    items,
    total: typeof p.total === 'number' ? p.total : items.length,
    page: typeof p.page === 'number' ? p.page : 1,
    pageSize: typeof p.pageSize === 'number' ? p.pageSize : items.length,
  };
}
