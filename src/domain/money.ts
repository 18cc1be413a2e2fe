/**
 * Exact money. An amount is an integer count of minor units (bigint) in a currency whose scale
 * (number of decimal places) is known. Decimal strings are the only textual form; JavaScript
 * numbers never carry money.
 */

export type CurrencyCode = string;

/** Scales of the currencies the system ships with; the database table `currencies` mirrors it. */
export const CURRENCY_SCALES: Readonly<Record<string, number>> = {
  CNY: 2,
  USD: 2,
  EUR: 2,
  HKD: 2,
  JPY: 0,
  GBP: 2,
  KWD: 3,
};

export class MoneyError extends Error {
  constructor(
    readonly code: 'invalid_amount' | 'unknown_currency' | 'too_many_decimals' | 'currency_mismatch',
    message: string,
  ) {
    super(message);
  }
}

export function scaleOf(currency: CurrencyCode): number {
  const s = CURRENCY_SCALES[currency];
  if (s === undefined) throw new MoneyError('unknown_currency', `unknown currency ${currency}`);
  return s;
}

export function isKnownCurrency(currency: string): boolean {
  return CURRENCY_SCALES[currency] !== undefined;
}

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

/**
 * Parses a decimal string ("1234.5", "-0.01") into minor units of the currency. Rejects more
 * decimals than the currency has (no silent rounding of money), exponents, spaces and commas.
 */
export function parseAmount(text: string, currency: CurrencyCode): bigint {
  const scale = scaleOf(currency);
  const m = DECIMAL.exec(text);
  if (!m) throw new MoneyError('invalid_amount', `"${text}" is not a decimal amount`);
  const [, sign, whole, frac = ''] = m;
  if (frac.length > scale) {
    // Trailing zeros beyond the scale are harmless ("12.500" CNY); anything else is not.
    if (/[^0]/.test(frac.slice(scale))) {
      throw new MoneyError('too_many_decimals', `${currency} has ${scale} decimal places: "${text}"`);
    }
  }
  const fracPadded = (frac + '0'.repeat(scale)).slice(0, scale);
  const minor = BigInt(whole! + fracPadded);
  return sign ? -minor : minor;
}

/** Formats minor units as a plain decimal string with exactly the currency's scale. */
export function formatAmount(minor: bigint, currency: CurrencyCode): string {
  const scale = scaleOf(currency);
  const negative = minor < 0n;
  const abs = (negative ? -minor : minor).toString();
  if (scale === 0) return (negative ? '-' : '') + abs;
  const padded = abs.padStart(scale + 1, '0');
  return `${negative ? '-' : ''}${padded.slice(0, -scale)}.${padded.slice(-scale)}`;
}

const SYMBOLS: Record<string, string> = { CNY: '¥', USD: '$', EUR: '€', HKD: 'HK$', JPY: '¥', GBP: '£' };

/** Display form with thousands separators: ¥1,234,567.89 */
export function displayAmount(minor: bigint, currency: CurrencyCode): string {
  const plain = formatAmount(minor, currency);
  const negative = plain.startsWith('-');
  const [whole, frac] = (negative ? plain.slice(1) : plain).split('.');
  const grouped = whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const symbol = SYMBOLS[currency] ?? `${currency} `;
  return `${negative ? '-' : ''}${symbol}${grouped}${frac !== undefined ? `.${frac}` : ''}`;
}

/**
 * Splits a total into parts proportional to integer weights; the parts always sum to the total
 * exactly. The remainder left by floor division goes to the parts with the largest fractional
 * remainders (largest-remainder method), ties to the earlier part.
 */
export function splitByWeights(total: bigint, weights: readonly bigint[]): bigint[] {
  if (weights.length === 0) throw new Error('splitByWeights needs at least one weight');
  const sumW = weights.reduce((a, b) => a + b, 0n);
  if (sumW <= 0n || weights.some((w) => w < 0n)) throw new Error('weights must be non-negative with a positive sum');
  const negative = total < 0n;
  const abs = negative ? -total : total;
  const parts = weights.map((w) => (abs * w) / sumW);
  const remainders = weights.map((w, i) => ({ i, r: (abs * w) % sumW }));
  let left = abs - parts.reduce((a, b) => a + b, 0n);
  remainders.sort((a, b) => (a.r === b.r ? a.i - b.i : a.r > b.r ? -1 : 1));
  for (const { i } of remainders) {
    if (left === 0n) break;
    parts[i]! += 1n;
    left -= 1n;
  }
  return negative ? parts.map((p) => -p) : parts;
}

/** Splits by percentages given as decimal strings ("30", "33.33"); parts sum to the total. */
export function splitByPercents(total: bigint, percents: readonly string[]): bigint[] {
  // Percent strings become integer weights at 1e-6 precision, which is exact for any sane input.
  const weights = percents.map((p) => {
    const m = DECIMAL.exec(p);
    if (!m || m[1]) throw new MoneyError('invalid_amount', `"${p}" is not a percentage`);
    const frac = (m[3] ?? '').padEnd(6, '0');
    if (frac.length > 6) throw new MoneyError('too_many_decimals', `percentage "${p}" has more than 6 decimals`);
    return BigInt(m[2]! + frac);
  });
  return splitByWeights(total, weights);
}

export function sum(amounts: Iterable<bigint>): bigint {
  let s = 0n;
  for (const a of amounts) s += a;
  return s;
}

export function minBig(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

export function maxBig(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

/**
 * Converts an amount with a decimal rate string (quote units per 1 base unit), rounding half away
 * from zero to the target currency's minor unit. Used only where an FX rate is recorded.
 */
export function convert(minor: bigint, from: CurrencyCode, to: CurrencyCode, rate: string): bigint {
  const m = DECIMAL.exec(rate);
  if (!m || m[1]) throw new MoneyError('invalid_amount', `"${rate}" is not a rate`);
  const rateFrac = m[3] ?? '';
  const rateInt = BigInt(m[2]! + rateFrac);
  const rateScale = 10n ** BigInt(rateFrac.length);
  const shift = scaleOf(to) - scaleOf(from);
  let num = minor * rateInt;
  let den = rateScale;
  if (shift >= 0) num *= 10n ** BigInt(shift);
  else den *= 10n ** BigInt(-shift);
  const negative = num < 0n;
  const absNum = negative ? -num : num;
  const q = (absNum * 2n + den) / (2n * den);
  return negative ? -q : q;
}
