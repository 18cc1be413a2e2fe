/**
 * Exact decimal arithmetic for checking e-invoice totals. Amounts in e-invoices are decimal texts
 * whose precision is not always the currency's (unit prices with four decimals, quantities with
 * six), so the checks run on bigint at a fixed scale of 10⁻¹⁸ rather than on minor units.
 */
import { FormatError } from '../xml';

const SCALE = 18;
const ONE = 10n ** BigInt(SCALE);

/** A decimal as an integer count of 10⁻¹⁸. */
export type Dec = bigint;

const DECIMAL = /^([+-])?(\d*)(?:\.(\d*))?$/;

export function parseDec(value: string, where: string): Dec {
  const t = value.trim();
  const m = DECIMAL.exec(t);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new FormatError('invalid_amount', `${where}: "${value}" is not a decimal number`);
  const frac = m[3] ?? '';
  if (frac.length > SCALE && /[^0]/.test(frac.slice(SCALE))) {
    throw new FormatError('invalid_amount', `${where}: "${value}" has more than ${SCALE} decimal places`);
  }
  const n = BigInt((m[2] || '0') + (frac + '0'.repeat(SCALE)).slice(0, SCALE));
  return m[1] === '-' ? -n : n;
}

/** Canonical text: no exponent, no trailing zeros beyond minScale decimals. */
export function formatDec(d: Dec, minScale = 2): string {
  const negative = d < 0n;
  const abs = negative ? -d : d;
  const whole = abs / ONE;
  let frac = (abs % ONE).toString().padStart(SCALE, '0').replace(/0+$/, '');
  if (frac.length < minScale) frac = frac.padEnd(minScale, '0');
  return `${negative && abs !== 0n ? '-' : ''}${whole}${frac ? `.${frac}` : ''}`;
}

export function sumDec(values: Iterable<Dec>): Dec {
  let s = 0n;
  for (const v of values) s += v;
  return s;
}

/** Percent text ("19", "7.00", "13%") → decimal fraction text for the ledger ("0.19"). */
export function percentToFraction(percent: string): string {
  const d = parseDec(percent.replace('%', ''), 'tax rate') / 100n;
  return formatDec(d, 0) || '0';
}
