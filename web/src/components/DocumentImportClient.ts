/**
 * The statement and e-invoice endpoints (POST /api/statements/import, /api/einvoices/import) for
 * the 流水与电子发票 page. A file goes base64 in JSON. Which endpoint: an XML file whose root (or
 * namespace) is an invoice syntax goes to the e-invoice endpoint, everything else to the
 * statements endpoint; when one endpoint says the file belongs to the other (not_an_invoice /
 * not_a_statement), the file is sent there instead — the server has the last word.
 */
import { ApiError } from '../api';

export type DocTarget = 'statement' | 'einvoice';

export interface BalanceIssue {
  statementId: string;
  check: string;
  message: string;
}

export interface StatementResult {
  importId: string | null;
  dryRun: boolean;
  filename: string | null;
  format: string;
  version: string | null;
  entity: string;
  statements: { id: string; account: string; currency: string; opening: string | null; closing: string | null; fromDate: string | null; toDate: string | null; lines: number }[];
  balance: { ok: boolean; checked: string[]; issues: BalanceIssue[] };
  counts: { lines: number; created: number; receipts: number; payments: number; duplicates: number; unidentified: number; rejected: number };
  lines: { direction: 'credit' | 'debit'; amount: string; currency: string; outcome: 'created' | 'duplicate' | 'rejected'; reason: string | null; message: string | null }[];
  warnings: string[];
}

export interface TotalsCheck {
  ok: boolean;
  checked: string[];
  issues: { rule: string; message: string; expected: string; actual: string }[];
}

export interface EInvoiceDocument {
  syntax: string;
  profile: string | null;
  documentType: 'invoice' | 'credit_note';
  number: string;
  invoiceCode: string | null;
  issueDate: string;
  dueDate: string | null;
  currency: string;
  seller: { name: string | null; taxId: string | null };
  buyer: { name: string | null; taxId: string | null };
  lines: number;
  total: string | null;
  check: TotalsCheck;
}

export interface EInvoiceResult {
  outcome: 'created' | 'duplicate' | 'planned';
  dryRun: boolean;
  entity: string;
  side: 'AR' | 'AP';
  kind: 'invoice' | 'credit_note';
  number: string;
  party: { code: string; name: string; matchedBy: 'tax_id' | 'name' };
  currency: string;
  total: string;
  invoiceId: string | null;
  originalInvoice: string | null;
  check: TotalsCheck;
  warnings: string[];
  document: EInvoiceDocument;
}

export type DocResult = { target: 'statement'; statement: StatementResult } | { target: 'einvoice'; einvoice: EInvoiceResult };

/** A refusal; for an e-invoice that could be read, what the document is. */
export class DocImportError extends ApiError {
  readonly target: DocTarget;
  readonly document: EInvoiceDocument | null;
  constructor(status: number, target: DocTarget, body: { code: string; message: string }, document: EInvoiceDocument | null) {
    super(status, body);
    this.target = target;
    this.document = document;
  }
}

const EINVOICE_ROOTS = new Set([
  'Invoice',
  'CreditNote',
  'DebitNote',
  'Reminder',
  'CrossIndustryInvoice',
  'CrossIndustryDocument',
  'CrossDomainAcknowledgementAndResponse',
  'eInvoice',
  'EInvoice',
  'xbrl',
]);

/**
 * The endpoint a file most likely belongs to, from its first bytes: the root element and the
 * namespaces of an XML file (UBL, CII, Chinese e-invoice XML, OFD parts) → e-invoice; anything
 * else (camt XML, OFX, MT940, BAI2, CSV, XLSX) → statement.
 */
export async function guessTarget(file: File): Promise<DocTarget> {
  const head = new TextDecoder('latin1').decode(await file.slice(0, 16 * 1024).arrayBuffer());
  const text = head.replace(/^\uFEFF/, '').replace(/^ï»¿/, '');
  if (!/^\s*</.test(text)) return 'statement';
  const body = text
    .replace(/<\?[\s\S]*?\?>/g, '')
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<!DOCTYPE[^[>]*(\[[\s\S]*?\])?\s*>/i, '');
  const root = /<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)([^>]*)>/.exec(body);
  if (!root) return 'statement';
  const [, name = '', attrs = ''] = root;
  if (EINVOICE_ROOTS.has(name)) return 'einvoice';
  if (/ubl:schema:xsd|CrossIndustry|ofdspec\.org|xbrl\.mof\.gov\.cn/i.test(attrs)) return 'einvoice';
  return 'statement';
}

async function base64Of(file: File): Promise<string> {
  const url = await new Promise<string>((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error ?? new Error('cannot read the file'));
    reader.readAsDataURL(file);
  });
  return url.slice(url.indexOf(',') + 1);
}

export interface DocRequest {
  dryRun: boolean;
  entity?: string | undefined;
  acceptMismatch?: boolean | undefined;
  idempotencyKey?: string | undefined;
}

async function post(target: DocTarget, file: File, contentBase64: string, req: DocRequest): Promise<DocResult> {
  const body: Record<string, unknown> = { filename: file.name, contentBase64, dryRun: req.dryRun };
  if (req.entity) body.entity = req.entity;
  if (target === 'statement') body.acceptMismatch = !!req.acceptMismatch;
  const headers: Record<string, string> = { Accept: 'application/json', 'Content-Type': 'application/json' };
  if (req.idempotencyKey) headers['Idempotency-Key'] = req.idempotencyKey;
  let res: Response;
  try {
    res = await fetch(target === 'statement' ? '/api/statements/import' : '/api/einvoices/import', {
      method: 'POST',
      credentials: 'same-origin',
      headers,
      body: JSON.stringify(body),
    });
  } catch {
    throw new DocImportError(0, target, { code: 'network_error', message: 'network error' }, null);
  }
  const payload = (await res.json().catch(() => null)) as Record<string, unknown> | null;
  if (res.ok && payload) {
    return target === 'statement' ? { target, statement: payload as unknown as StatementResult } : { target, einvoice: payload as unknown as EInvoiceResult };
  }
  if (res.status === 401) window.location.assign(`/login?next=${encodeURIComponent('/import/documents')}`);
  const err = (payload?.error ?? null) as { code?: string; message?: string } | null;
  throw new DocImportError(
    res.status,
    target,
    { code: err?.code ?? `http_${res.status}`, message: err?.message ?? `${res.status} ${res.statusText}` },
    (payload?.document as EInvoiceDocument | undefined) ?? null,
  );
}

/**
 * Sends the file to its endpoint; when that endpoint says the file is the other kind, to the other
 * one. Resolves with the result, rejects with a DocImportError.
 */
export async function sendDocument(file: File, target: DocTarget, req: DocRequest): Promise<DocResult> {
  const contentBase64 = await base64Of(file);
  try {
    return await post(target, file, contentBase64, req);
  } catch (e) {
    if (e instanceof DocImportError && (e.code === 'not_an_invoice' || e.code === 'not_a_statement')) {
      return post(target === 'statement' ? 'einvoice' : 'statement', file, contentBase64, req);
    }
    throw e;
  }
}

/** Sums decimal strings exactly (BigInt at the largest scale among them). */
export function sumDecimals(values: string[]): string {
  const scale = Math.max(0, ...values.map((v) => (v.split('.')[1] ?? '').length));
  let total = 0n;
  for (const v of values) {
    const negative = v.startsWith('-');
    const [whole = '0', frac = ''] = v.replace(/^[-+]/, '').split('.');
    const minor = BigInt(whole + frac.padEnd(scale, '0'));
    total += negative ? -minor : minor;
  }
  const negative = total < 0n;
  const digits = (negative ? -total : total).toString().padStart(scale + 1, '0');
  return `${negative ? '-' : ''}${scale ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits}`;
}
