/**
 * Minor units of ISO 4217 currencies, so that files in any current currency are parsed exactly
 * (bank statements and e-invoices come in DKK, SEK, HUF, PLN … long before the ledger enables
 * them). The ledger's own `currencies` table decides what may be imported; this table only decides
 * how a decimal text becomes minor units. A code that is not here (DEM, or a typo) is reported as
 * an unknown currency rather than guessed.
 */

const SCALE_0 = 'BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF';
const SCALE_3 = 'BHD IQD JOD KWD LYD OMR TND';
const SCALE_4 = 'CLF UYW';
const SCALE_2 =
  'AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF CHF CNY COP CRC ' +
  'CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES ' +
  'KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR ' +
  'NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT ' +
  'TOP TRY TTD TWD TZS UAH USD UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG';

const ISO_SCALES: ReadonlyMap<string, number> = new Map([
  ...SCALE_0.split(' ').map((c) => [c, 0] as const),
  ...SCALE_2.split(' ').map((c) => [c, 2] as const),
  ...SCALE_3.split(' ').map((c) => [c, 3] as const),
  ...SCALE_4.split(' ').map((c) => [c, 4] as const),
]);

export function isoScale(currency: string): number | undefined {
  return ISO_SCALES.get(currency);
}

/** Thrown for amounts that cannot be represented exactly; the parsers turn it into a FormatError. */
export class AmountError extends Error {
  constructor(
    readonly code: 'unknown_currency' | 'invalid_amount' | 'too_many_decimals',
    message: string,
  ) {
    super(message);
  }
}

const DECIMAL = /^([+-])?(\d*)(?:\.(\d*))?$/;

/**
 * A decimal text ("1234.5", "-0.010", ".5") in minor units of the currency. Trailing zeros beyond
 * the currency's scale are accepted; any other extra digit is an error, never rounded.
 */
export function toMinor(value: string, currency: string): bigint {
  const scale = isoScale(currency);
  if (scale === undefined) throw new AmountError('unknown_currency', `unknown currency "${currency}" (not an ISO 4217 code)`);
  const m = DECIMAL.exec(value.trim());
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new AmountError('invalid_amount', `"${value}" is not a decimal amount`);
  const [, sign, whole = '', frac = ''] = m;
  if (frac.length > scale && /[^0]/.test(frac.slice(scale))) {
    throw new AmountError('too_many_decimals', `${currency} has ${scale} decimal places, the amount "${value}" has more`);
  }
  const minor = BigInt((whole || '0') + (frac + '0'.repeat(scale)).slice(0, scale));
  return sign === '-' ? -minor : minor;
}

/** Minor units back to a plain decimal string at the currency's scale. */
export function fromMinor(minor: bigint, currency: string): string {
  const scale = isoScale(currency) ?? 2;
  const negative = minor < 0n;
  const digits = (negative ? -minor : minor).toString();
  if (scale === 0) return (negative ? '-' : '') + digits;
  const padded = digits.padStart(scale + 1, '0');
  return `${negative ? '-' : ''}${padded.slice(0, -scale)}.${padded.slice(-scale)}`;
}
