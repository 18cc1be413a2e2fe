/**
 * Exact decimal-string money helpers for the browser. Amounts arrive from the API as decimal
 * strings ("1234.50") with a currency beside them; arithmetic is done on BigInt minor units so no
 * JavaScript number ever carries money. (Charts may use Number() — they are display only.)
 */

export const CURRENCY_SCALES: Readonly<Record<string, number>> = {
  CNY: 2,
  USD: 2,
  EUR: 2,
  HKD: 2,
  JPY: 0,
  GBP: 2,
  KWD: 3,
};

/** Decimal places of a currency; unknown currencies are treated as 2. */
export function scaleOf(currency: string | null | undefined): number {
  if (!currency) return 2;
  return CURRENCY_SCALES[currency] ?? 2;
}

const DECIMAL = /^(-)?(\d+)(?:\.(\d*))?$/;

/**
 * Parses a decimal string into minor units of the currency. Returns null when the text is not a
 * plain decimal or carries more (non-zero) decimals than the currency has — money is never rounded.
 */
export function toMinor(text: string | null | undefined, currency: string | null | undefined): bigint | null {
  if (text === null || text === undefined) return null;
  const m = DECIMAL.exec(text.trim());
  if (!m) return null;
  const scale = scaleOf(currency);
  const sign = m[1];
  const whole = m[2] ?? '0';
  const frac = m[3] ?? '';
  if (frac.length > scale && /[^0]/.test(frac.slice(scale))) return null;
  const padded = (frac + '0'.repeat(scale)).slice(0, scale);
  const minor = BigInt(whole + padded);
  return sign ? -minor : minor;
}

/** Minor units → plain decimal string with exactly the currency's scale ("1234.50"). */
export function fromMinor(minor: bigint, currency: string | null | undefined): string {
  const scale = scaleOf(currency);
  const negative = minor < 0n;
  const abs = (negative ? -minor : minor).toString();
  if (scale === 0) return (negative ? '-' : '') + abs;
  const padded = abs.padStart(scale + 1, '0');
  return `${negative ? '-' : ''}${padded.slice(0, -scale)}.${padded.slice(-scale)}`;
}

export function minBig(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

export function maxBig(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

/** True when the text is a valid positive amount in the currency's scale. */
export function isPositiveAmount(text: string, currency: string): boolean {
  const m = toMinor(text, currency);
  return m !== null && m > 0n;
}

const SYMBOLS: Readonly<Record<string, string>> = {
  CNY: '¥',
  USD: '$',
  EUR: '€',
  HKD: 'HK$',
  JPY: 'JP¥',
  GBP: '£',
};

export function currencySymbol(currency: string | null | undefined): string {
  if (!currency) return '¥';
  return SYMBOLS[currency] ?? `${currency} `;
}

/**
 * Display form of a decimal string: thousands separators and a currency prefix, keeping the
 * string's own decimals: ("1234567.89", "CNY") → "¥1,234,567.89", ("-12.5", "USD") → "-$12.5".
 * Anything that is not a plain decimal is shown unchanged.
 */
export function formatMoney(text: string | null | undefined, currency?: string | null): string {
  if (text === null || text === undefined || text === '') return '—';
  const m = DECIMAL.exec(text.trim());
  if (!m) return text;
  const negative = m[1] === '-';
  const whole = (m[2] ?? '0').replace(/^0+(?=\d)/, '');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const frac = m[3];
  const isZero = /^0*$/.test(whole) && /^0*$/.test(frac ?? '');
  return `${negative && !isZero ? '-' : ''}${currencySymbol(currency ?? 'CNY')}${grouped}${frac ? `.${frac}` : ''}`;
}

/** Sign of a decimal string: -1, 0 or 1 (0 for anything unparsable). */
export function signOf(text: string | null | undefined): -1 | 0 | 1 {
  if (!text) return 0;
  const m = DECIMAL.exec(text.trim());
  if (!m) return 0;
  if (/^0*$/.test(m[2] ?? '') && /^0*$/.test(m[3] ?? '')) return 0;
  return m[1] === '-' ? -1 : 1;
}

/** For charts only (display): a decimal string as a JS number. Never use for arithmetic. */
export function chartNumber(text: string | null | undefined): number {
  const n = Number(text ?? 0);
  return Number.isFinite(n) ? n : 0;
}
