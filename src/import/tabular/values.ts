/**
 * Cell values as spreadsheets and ERP exports really write them, parsed into the ledger's exact
 * forms: ISO dates, decimal strings of minor units, whole days, tax rates. Pure functions; a
 * failure is a value ({ error }) with a stable code and a message a finance user can act on.
 *
 * Codes, numbers, dates and amounts are read after NFKC normalisation (full-width digits, letters
 * and punctuation become half-width: "１，２３４．５０" → "1,234.50"). Names and free text keep
 * their characters: a company name written with full-width brackets keeps them.
 */
import { formatAmount, isKnownCurrency, MoneyError, parseAmount, scaleOf } from '../../domain/money';

/** One cell as a reader hands it over: CSV gives strings, XLSX also numbers, booleans and dates. */
export type Cell = string | number | boolean | Date | null;

export interface ValueError {
  code: string;
  message: string;
}
export type Parsed<T> = { value: T; error?: undefined } | { value?: undefined; error: ValueError };

const ok = <T>(value: T): Parsed<T> => ({ value });
const fail = <T>(code: string, message: string): Parsed<T> => ({ error: { code, message } });

/** Full-width → half-width and compatibility forms (NFKC), the Unicode minus as '-'. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the ASCII range, control characters included
const NON_ASCII = /[^\x00-\x7f]/;

export function halfWidth(text: string): string {
  // Most cells are plain ASCII, which NFKC leaves as it is (and normalising is slow).
  if (!NON_ASCII.test(text)) return text;
  return text.normalize('NFKC').replace(/[\u2212\u2012\u2013\uFE63]/g, '-');
}

/**
 * A text cell an export neutralised against spreadsheet formulas ("'=SUM(A1)", see
 * neutraliseCell in src/export/exports.ts) is read back without the apostrophe, so that an export
 * re-imports to the same text. Nothing read from a file is ever evaluated.
 */
export function unneutralise(text: string): string {
  return /^'+[=+\-@\t\r]/.test(text) ? text.slice(1) : text;
}

/** An Excel serial day number (1900 date system) as an ISO date; null when out of range. */
export function excelSerialToIso(serial: number): string | null {
  if (!Number.isFinite(serial)) return null;
  const day = Math.floor(serial);
  // Serial 60 is 1900-02-29, a day that never existed (Lotus 1-2-3 compatibility); before it the
  // epoch is one day later than after it.
  if (day < 1 || day === 60 || day > 2958465) return null;
  const epoch = Date.UTC(1899, 11, day < 60 ? 31 : 30);
  return new Date(epoch + day * 86_400_000).toISOString().slice(0, 10);
}

/**
 * The calendar date a Date cell shows. exceljs turns a date serial into a Date at that instant in
 * UTC, so the UTC fields are the date Excel displays, whatever the time zone of this process
 * (local-time getters would move it a day back west of Greenwich). A time of day is dropped.
 */
export function dateCellToIso(d: Date): string | null {
  if (Number.isNaN(d.getTime())) return null;
  const y = d.getUTCFullYear();
  if (y < 1000 || y > 9999) return null;
  return d.toISOString().slice(0, 10);
}

/** A number as a spreadsheet shows it, or an error when Excel already lost digits of it. */
function numberText(n: number): Parsed<string> {
  if (!Number.isFinite(n)) return fail('invalid_number', `"${n}" is not a number`);
  if (Number.isInteger(n) && !Number.isSafeInteger(n)) {
    return fail('number_lost_digits', `${n} has more digits than a spreadsheet number keeps; format the column as text and export again`);
  }
  const s = String(n);
  if (/e/i.test(s)) return fail('number_lost_digits', `${s} is in exponent form; format the column as text and export again`);
  return ok(s);
}

/** Trimmed text of a cell (null when blank). Numbers are written as a spreadsheet shows them. */
export function cellText(cell: Cell): Parsed<string | null> {
  if (cell === null || cell === undefined) return ok(null);
  if (typeof cell === 'string') {
    const t = unneutralise(cell.trim());
    return ok(t === '' ? null : t);
  }
  if (typeof cell === 'number') return numberText(cell);
  if (typeof cell === 'boolean') return ok(cell ? 'TRUE' : 'FALSE');
  const iso = dateCellToIso(cell);
  return iso ? ok(iso) : fail('invalid_date', 'the cell holds an invalid date');
}

/** A code or document number: half-width, trimmed, no line breaks, at most maxLength characters. */
export function parseCode(cell: Cell, maxLength = 64): Parsed<string | null> {
  const t = cellText(cell);
  if (t.error || t.value === null) return t;
  const code = halfWidth(t.value).trim();
  if (/[\r\n\t]/.test(code)) return fail('invalid_code', `"${code.replace(/\s+/g, ' ')}" contains a line break`);
  if (code.length > maxLength) return fail('too_long', `at most ${maxLength} characters (${code.length})`);
  return ok(code === '' ? null : code);
}

/** Free text (names, descriptions): trimmed, characters kept as written. */
export function parseText(cell: Cell, maxLength: number): Parsed<string | null> {
  const t = cellText(cell);
  if (t.error || t.value === null) return t;
  if (t.value.length > maxLength) return fail('too_long', `at most ${maxLength} characters (${t.value.length})`);
  return t;
}

const TIME = String.raw`(?:[ T]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?`;
const YMD = new RegExp(String.raw`^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?${TIME}$`);
const COMPACT = /^(\d{4})(\d{2})(\d{2})$/;
const SERIAL_TEXT = /^\d{5}(?:\.\d+)?$/;
/** 1954-10-04 … 2119-01-08: plausible document dates when a CSV carries Excel serial numbers. */
const SERIAL_MIN = 20000;
const SERIAL_MAX = 80000;

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isoFromParts(y: string, m: string, d: string): string | null {
  const year = Number(y);
  const month = Number(m);
  const day = Number(d);
  if (!Number.isInteger(year) || year < 1 || year > 9999 || !Number.isInteger(month) || month < 1 || month > 12 || !Number.isInteger(day) || day < 1) return null;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 && leap ? 29 : MONTH_DAYS[month - 1]!)) return null;
  return `${y.padStart(4, '0')}-${m.padStart(2, '0')}-${d.padStart(2, '0')}`;
}

/**
 * A calendar date: 2025-03-05, 2025/3/5, 2025.3.5, 2025年3月5日, 20250305, with or without a time
 * of day; Excel date cells and serial numbers (also as text in a CSV). Day-first and month-first
 * forms such as 3/5/2025 are refused: they are ambiguous.
 */
export function parseDate(cell: Cell): Parsed<string | null> {
  if (cell === null || cell === undefined) return ok(null);
  if (cell instanceof Date) {
    const iso = dateCellToIso(cell);
    return iso ? ok(iso) : fail('invalid_date', 'the cell holds an invalid date');
  }
  if (typeof cell === 'number') {
    const iso = excelSerialToIso(cell);
    return iso ? ok(iso) : fail('invalid_date', `${cell} is not an Excel date`);
  }
  if (typeof cell === 'boolean') return fail('invalid_date', `${cell} is not a date`);
  const text = halfWidth(cell).trim();
  if (text === '') return ok(null);
  let m = YMD.exec(text) ?? COMPACT.exec(text);
  if (m) {
    const iso = isoFromParts(m[1]!, m[2]!, m[3]!);
    return iso ? ok(iso) : fail('invalid_date', `"${text}" is not a calendar date`);
  }
  if (SERIAL_TEXT.test(text)) {
    const n = Number(text);
    const iso = n >= SERIAL_MIN && n <= SERIAL_MAX ? excelSerialToIso(n) : null;
    if (iso) return ok(iso);
  }
  m = /^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})/.exec(text);
  if (m) return fail('ambiguous_date', `"${text}" could be day-first or month-first; write it as YYYY-MM-DD`);
  return fail('invalid_date', `"${text}" is not a date; write it as YYYY-MM-DD`);
}

const CURRENCY_WORDS: Record<string, string> = {
  人民币: 'CNY',
  RMB: 'CNY',
  CNY: 'CNY',
  '¥': 'CNY',
  元: 'CNY',
  美元: 'USD',
  USD: 'USD',
  US$: 'USD',
  欧元: 'EUR',
  EUR: 'EUR',
  港币: 'HKD',
  港元: 'HKD',
  HKD: 'HKD',
  HK$: 'HKD',
  日元: 'JPY',
  JPY: 'JPY',
  英镑: 'GBP',
  GBP: 'GBP',
  科威特第纳尔: 'KWD',
  KWD: 'KWD',
};

/** A currency as ISO code or Chinese name (人民币, 美元, 港币 …). */
export function parseCurrency(cell: Cell): Parsed<string | null> {
  const t = cellText(cell);
  if (t.error || t.value === null) return t;
  const text = halfWidth(t.value).trim().toUpperCase().replace(/\s+/g, '');
  const code = CURRENCY_WORDS[text] ?? text;
  if (!isKnownCurrency(code)) return fail('unknown_currency', `unknown currency "${t.value}"`);
  return ok(code);
}

export interface AmountValue {
  minor: bigint;
  /** Plain decimal string with the currency's scale, as the use cases take it. */
  text: string;
}

const PREFIX = /^(?:(CNY|RMB|USD|EUR|HKD|JPY|GBP|KWD)|US\$|HK\$|[¥$€£])\s*/i;
const SUFFIX = /\s*(?:(CNY|RMB|USD|EUR|HKD|JPY|GBP|KWD)|元)$/i;
const GROUPED = /^\d{1,3}(?:,\d{3})+(?:\.\d+)?$/;
const SPACED = /^\d{1,3}(?: \d{3})+(?:\.\d+)?$/;
const PLAIN = /^\d+(?:\.\d+)?$|^\.\d+$/;

/**
 * An amount in a currency, exact to its scale: 1,234.50 / ￥1,234.50 / ¥1234.5 / (1,234.50) and
 * 1234.50- are negative / -1234.5 / full-width digits / "1 234.50" / 1234.50元. More decimals than
 * the currency has is an error, never rounded. A number cell of a spreadsheet is a binary
 * fraction: float noise within a few units in the last place (1276.8999999999999, a formula
 * result displayed as 1276.90) is read as the decimal it stands for; anything further is an error.
 */
export function parseMoney(cell: Cell, currency: string): Parsed<AmountValue | null> {
  if (cell === null || cell === undefined) return ok(null);
  const scale = scaleOf(currency);
  if (typeof cell === 'number') {
    if (!Number.isFinite(cell) || Math.abs(cell) >= 1e15) return fail('invalid_amount', `${cell} is not an amount this ledger can hold`);
    const fixed = cell.toFixed(scale);
    const noise = Math.abs(cell - Number(fixed));
    if (noise > Math.abs(cell) * Number.EPSILON * 8) {
      return fail('too_many_decimals', `${currency} has ${scale} decimal places: ${String(cell)}`);
    }
    const minor = parseAmount(fixed.replace(/^-(0\.?0*)$/, '$1'), currency);
    return ok({ minor, text: formatAmount(minor, currency) });
  }
  if (typeof cell !== 'string') return fail('invalid_amount', `${String(cell)} is not an amount`);
  let text = halfWidth(cell).trim().replace(/[\u00A0\u2009\u202F]/g, ' ');
  if (text === '') return ok(null);
  const original = text;
  let negative = false;
  if (/^\(.*\)$/.test(text)) {
    negative = true;
    text = text.slice(1, -1).trim();
  }
  if (text.startsWith('-')) {
    negative = !negative;
    text = text.slice(1).trim();
  } else if (text.endsWith('-')) {
    negative = !negative;
    text = text.slice(0, -1).trim();
  } else if (text.startsWith('+')) {
    text = text.slice(1).trim();
  }
  for (const re of [PREFIX, SUFFIX]) {
    const m = re.exec(text);
    if (!m) continue;
    const code = m[1]?.toUpperCase() === 'RMB' ? 'CNY' : m[1]?.toUpperCase();
    if (code && code !== currency) return fail('currency_mismatch', `"${original}" is in ${code} but the row's currency is ${currency}`);
    text = text.replace(re, '');
  }
  if (text.startsWith('-') && !negative) {
    negative = true;
    text = text.slice(1);
  }
  let plain: string;
  if (PLAIN.test(text)) plain = text.startsWith('.') ? `0${text}` : text;
  else if (GROUPED.test(text)) plain = text.replaceAll(',', '');
  else if (SPACED.test(text)) plain = text.replaceAll(' ', '');
  else return fail('invalid_amount', `"${original}" is not an amount`);
  try {
    const minor = parseAmount(plain, currency);
    const signed = negative ? -minor : minor;
    return ok({ minor: signed, text: formatAmount(signed, currency) });
  } catch (err) {
    if (err instanceof MoneyError) {
      return fail(err.code, err.code === 'too_many_decimals' ? `${currency} has ${scale} decimal places: "${original}"` : err.message);
    }
    throw err;
  }
}

/**
 * Payment terms in whole days: 30, "30天", "30 days", "N30", "net 30". Month-end terms (月结 30
 * 天) are a different rule that a party's terms cannot hold: refused with a message.
 */
export function parseDays(cell: Cell): Parsed<number | null> {
  if (cell === null || cell === undefined) return ok(null);
  if (typeof cell === 'number') {
    return Number.isInteger(cell) && cell >= 0 && cell <= 3650 ? ok(cell) : fail('invalid_days', `${cell} is not a number of days (0–3650)`);
  }
  const t = cellText(cell);
  if (t.error || t.value === null) return t.error ? t : ok(null);
  const text = halfWidth(t.value).trim().toLowerCase();
  if (/月结|month/.test(text)) return fail('month_end_terms', `"${t.value}": month-end terms (月结) cannot be imported; give the terms in days`);
  const m = /^(?:net\s*|n)?(\d{1,4})\s*(?:天|日|days?|d)?$/.exec(text);
  if (!m || Number(m[1]) > 3650) return fail('invalid_days', `"${t.value}" is not a number of days (0–3650)`);
  return ok(Number(m[1]));
}

/** Moves the decimal point of a plain non-negative decimal string: shift(-2) divides by 100. */
function shiftDecimal(plain: string, shift: number): string {
  const [whole = '0', frac = ''] = plain.split('.');
  let digits = whole + frac;
  let point = whole.length + shift;
  if (point < 0) {
    digits = '0'.repeat(-point) + digits;
    point = 0;
  }
  const intPart = (digits.slice(0, point) || '0').replace(/^0+(?=\d)/, '');
  const fracPart = digits.slice(point).replace(/0+$/, '');
  return fracPart ? `${intPart}.${fracPart}` : intPart;
}

/** A tax rate as a fraction string with at most 4 decimals: "13%", "0.13", "13" → "0.13". */
export function parseRate(cell: Cell): Parsed<string | null> {
  if (cell === null || cell === undefined) return ok(null);
  let text: string;
  if (typeof cell === 'number') {
    if (!Number.isFinite(cell) || cell < 0) return fail('invalid_rate', `${cell} is not a tax rate`);
    text = String(Number(cell.toPrecision(12)));
  } else {
    const t = cellText(cell);
    if (t.error || t.value === null) return t.error ? t : ok(null);
    text = halfWidth(t.value).trim();
  }
  const percent = text.endsWith('%');
  const plain = percent ? text.slice(0, -1).trim() : text;
  if (!/^\d+(?:\.\d+)?$/.test(plain)) return fail('invalid_rate', `"${text}" is not a tax rate`);
  const rate = percent || Number(plain) >= 1 ? shiftDecimal(plain, -2) : shiftDecimal(plain, 0);
  if (Number(rate) >= 1) return fail('invalid_rate', `"${text}" is not a tax rate below 100%`);
  if ((rate.split('.')[1] ?? '').length > 4) return fail('invalid_rate', `"${text}" has more precision than 0.01%`);
  return ok(rate);
}

/**
 * Invoice numbers a receipt settles, separated by , ， 、 ; ； or white space. A "/" also
 * separates, except inside a number that exists as a whole (INV/2025/001): such tokens are
 * returned whole and marked so that the caller can decide against the ledger.
 */
export function parseList(cell: Cell): Parsed<{ token: string; slashed: boolean }[]> {
  const t = cellText(cell);
  if (t.error) return t;
  if (t.value === null) return ok([]);
  const tokens = halfWidth(t.value)
    .split(/[,;、\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  return ok(tokens.map((token) => ({ token, slashed: token.includes('/') })));
}

const METHODS: Record<string, 'bank_transfer' | 'cash' | 'draft' | 'card' | 'other'> = {
  bank_transfer: 'bank_transfer',
  banktransfer: 'bank_transfer',
  transfer: 'bank_transfer',
  电汇: 'bank_transfer',
  转账: 'bank_transfer',
  银行转账: 'bank_transfer',
  网银: 'bank_transfer',
  cash: 'cash',
  现金: 'cash',
  draft: 'draft',
  汇票: 'draft',
  承兑汇票: 'draft',
  银行承兑汇票: 'draft',
  商业承兑汇票: 'draft',
  票据: 'draft',
  card: 'card',
  刷卡: 'card',
  银行卡: 'card',
  other: 'other',
  其他: 'other',
};

export function parseMethod(cell: Cell): Parsed<'bank_transfer' | 'cash' | 'draft' | 'card' | 'other' | null> {
  const t = cellText(cell);
  if (t.error || t.value === null) return t.error ? t : ok(null);
  const m = METHODS[halfWidth(t.value).trim().toLowerCase().replace(/\s+/g, '')];
  return m ? ok(m) : fail('invalid_method', `unknown settlement method "${t.value}" (电汇, 现金, 承兑汇票, 刷卡, 其他)`);
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function parseEmail(cell: Cell): Parsed<string | null> {
  const t = parseCode(cell, 200);
  if (t.error || t.value === null) return t;
  return EMAIL.test(t.value) ? t : fail('invalid_email', `"${t.value}" is not an e-mail address`);
}

/** External ids as an export writes them: "k3:C001;sap:4711". */
export function parseExternalIds(cell: Cell): Parsed<Record<string, string> | null> {
  const t = cellText(cell);
  if (t.error || t.value === null) return t.error ? t : ok(null);
  const out: Record<string, string> = {};
  for (const part of t.value.split(/[;；]/)) {
    const p = part.trim();
    if (!p) continue;
    const i = p.search(/[:：]/);
    if (i <= 0) return fail('invalid_external_ids', `"${p}" is not system:id`);
    out[p.slice(0, i).trim()] = p.slice(i + 1).trim();
  }
  return ok(out);
}

/** Row kind of an invoice export: blue (ordinary) invoices only; red ones are credit notes. */
export function parseInvoiceKind(cell: Cell): Parsed<'invoice' | 'credit_note' | null> {
  const t = cellText(cell);
  if (t.error || t.value === null) return t.error ? t : ok(null);
  const v = halfWidth(t.value).trim().toLowerCase();
  if (['invoice', '发票', '蓝字', '蓝字发票', '正数发票', '普通'].includes(v)) return ok('invoice');
  if (['credit_note', 'credit note', '红字', '红字发票', '负数发票', '红冲'].includes(v)) return ok('credit_note');
  return fail('invalid_kind', `unknown document kind "${t.value}"`);
}

/** A count such as the export's installments column. */
export function parseCount(cell: Cell): Parsed<number | null> {
  const t = cellText(cell);
  if (t.error || t.value === null) return t.error ? t : ok(null);
  const v = halfWidth(t.value).trim();
  return /^\d{1,4}$/.test(v) ? ok(Number(v)) : fail('invalid_number', `"${t.value}" is not a whole number`);
}

/** One milestone of a contract's payment schedule, as a contract file writes it. */
export interface ScheduleItem {
  name: string;
  /** "30" for 30 % (plain decimal, at most 3 decimals), or null when an amount is given. */
  percent: string | null;
  /** The amount as written ("300,000.00" → "300000.00"), or null when a percent is given. */
  amount: string | null;
  dueRule:
    | { kind: 'days_after_invoice'; days: number }
    | { kind: 'month_end_plus'; days: number }
    | { kind: 'months_after_invoice'; months: number }
    | { kind: 'fixed_date'; date: string };
}

const SCHEDULE_ITEM = /^(?<name>.*?)\s*(?:(?<pct>\d+(?:\.\d{1,3})?)\s*%|(?<amt>[￥¥$]?\s*\d[\d,]*(?:\.\d+)?)(?=\s|$|元|[,，])\s*(?:元)?)\s*[,，]?\s*(?<rule>.*)$/;

/**
 * A contract's payment schedule (付款条件 / 收款计划) in the compact form contract ledgers use:
 * milestones separated by ; ； or new lines, each "[name] share [when]" —
 *
 *   预付款 30% 0天; 到货款 60% 30天; 质保金 10% 12个月
 *   首付 100000.00 2026-03-31；尾款 50% 月结30天
 *
 * The share is a percent or an amount (not mixed); when is N天 / N days after the invoice, N个月 /
 * N months, 月结N天 (end of the invoice month plus N days), or a date; blank means on the invoice
 * date. A name defaults to 第N期.
 */
function dueRuleOf(when: string): ScheduleItem['dueRule'] | null {
  if (when === '' || when === '开票时' || when === '即时' || when === 'on invoice') return { kind: 'days_after_invoice', days: 0 };
  const monthEnd = /^月结\s*(\d{1,3})\s*天?$/.exec(when);
  if (monthEnd) return { kind: 'month_end_plus', days: Number(monthEnd[1]) };
  const days = /^(\d{1,4})\s*(?:天|日|days?|d)(?:后)?$/.exec(when);
  if (days) return { kind: 'days_after_invoice', days: Number(days[1]) };
  const months = /^(\d{1,3})\s*(?:个月|月|months?)(?:后)?$/.exec(when);
  if (months) return { kind: 'months_after_invoice', months: Number(months[1]) };
  const d = parseDate(when);
  return d.error || !d.value ? null : { kind: 'fixed_date', date: d.value };
}

export function parseSchedule(cell: Cell): Parsed<ScheduleItem[] | null> {
  const t = cellText(cell);
  if (t.error || t.value === null) return t.error ? t : ok(null);
  const parts = halfWidth(t.value)
    .split(/[;；\n]+/)
    .map((p) => p.trim())
    .filter(Boolean);
  const items: ScheduleItem[] = [];
  for (const [i, part] of parts.entries()) {
    const m = SCHEDULE_ITEM.exec(part);
    if (!m?.groups) return fail('invalid_schedule', `"${part}": a milestone is "[name] 30% 30天" or "[name] 100000.00 2026-06-30"`);
    const { name, pct, amt, rule } = m.groups;
    const when = (rule ?? '').trim().toLowerCase();
    const dueRule = dueRuleOf(when);
    if (!dueRule) return fail('invalid_schedule', `"${part}": "${rule}" is not a due rule (30天, 12个月, 月结30天 or a date)`);
    items.push({
      name: name?.trim() || `第${i + 1}期`,
      percent: pct ?? null,
      amount: amt ? amt.replace(/[￥¥$,\s]/g, '') : null,
      dueRule,
    });
  }
  if (items.length === 0) return ok(null);
  const byPercent = items.every((x) => x.percent !== null);
  const byAmount = items.every((x) => x.amount !== null);
  if (!byPercent && !byAmount) return fail('schedule_mixed', 'the milestones must all be percents or all amounts');
  return ok(items);
}
