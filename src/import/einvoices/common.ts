/** Pieces the e-invoice parsers share: amounts as canonical decimal text, type codes, dates. */
import { isRealDate, iso } from '../statements/dates';
import { FormatError } from '../xml';
import { formatDec, parseDec } from './decimal';

/** UNTDID 1001 document type codes that are credit notes; the rest of the known ones are invoices. */
export const CREDIT_NOTE_CODES = new Set(['81', '83', '261', '262', '296', '308', '381', '396', '420', '458', '532']);
export const INVOICE_CODES = new Set([
  '71', '80', '82', '84', '102', '218', '219', '263', '295', '325', '326', '331', '380', '382', '383', '384', '385', '386', '387',
  '388', '389', '390', '393', '394', '395', '456', '457', '527', '551', '553', '575', '623', '633', '751', '780', '870', '875',
  '876', '877', '935',
]);

export function documentTypeOf(code: string | null, fallback: 'invoice' | 'credit_note'): 'invoice' | 'credit_note' {
  if (code === null) return fallback;
  if (CREDIT_NOTE_CODES.has(code)) return 'credit_note';
  if (INVOICE_CODES.has(code)) return fallback === 'credit_note' ? 'credit_note' : 'invoice';
  throw new FormatError('unsupported_type_code', `document type code ${code} is neither an invoice nor a credit note (UNTDID 1001)`);
}

/** A monetary or quantity text in canonical form, or null. */
export function amount(value: string | undefined, where: string): string | null {
  return value === undefined ? null : formatDec(parseDec(value, where));
}

export function requireField<T>(value: T | null | undefined, code: string, message: string): T {
  if (value === null || value === undefined || value === '') throw new FormatError(code, message);
  return value;
}

/** "2024-05-28", "20240528" (CII format 102) or "2024年05月28日" → ISO date. */
export function dateOf(value: string | undefined, where: string): string | null {
  if (value === undefined) return null;
  const m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(value.trim()) ?? /^(\d{4})年(\d{1,2})月(\d{1,2})日$/.exec(value.trim());
  if (!m) throw new FormatError('invalid_date', `${where}: "${value}" is not a date`);
  const [y, mo, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (!isRealDate(y, mo, day)) throw new FormatError('invalid_date', `${where}: ${value} is not a calendar date`);
  return iso(y, mo, day);
}

/** Names and descriptions on one line: XML pretty-printing must not end up in the ledger. */
export function oneLine(value: string | undefined | null): string | null {
  const s = value?.replace(/\s+/g, ' ').trim();
  return s ? s : null;
}
