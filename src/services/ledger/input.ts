/** Field-level parsing shared by the ledger use cases: every failure names its field. */
import type { Queryable } from '../../db/database';
import { isIsoDate } from '../../domain/dates';
import { formatAmount, isKnownCurrency, MoneyError, parseAmount } from '../../domain/money';
import { invalid, notFound } from '../errors';

export function money(value: string, currency: string, field: string, opts: { positive?: boolean } = {}): bigint {
  let minor: bigint;
  try {
    minor = parseAmount(value, currency);
  } catch (err) {
    if (err instanceof MoneyError) throw invalid(err.code, `${field}: ${err.message}`, field);
    throw err;
  }
  if (opts.positive && minor <= 0n) throw invalid('amount_not_positive', `${field} must be greater than zero`, field);
  if (minor < 0n) throw invalid('amount_negative', `${field} must not be negative`, field);
  return minor;
}

export function currencyCode(value: string, field = 'currency'): string {
  if (!isKnownCurrency(value)) throw invalid('unknown_currency', `unknown currency "${value}"`, field);
  return value;
}

export function isoDate(value: string, field: string): string {
  if (!isIsoDate(value)) throw invalid('invalid_date', `${field} must be a date YYYY-MM-DD`, field);
  return value;
}

/** An entity by code, or the first entity when none is named (single-company installs). */
export async function resolveEntity(tx: Queryable, code: string | undefined): Promise<{ id: string; code: string; baseCurrency: string }> {
  const rows = await tx.query<{ id: string; code: string; base_currency: string }>(
    code ? 'SELECT id, code, base_currency FROM entities WHERE code = $1' : 'SELECT id, code, base_currency FROM entities ORDER BY created_at, code LIMIT 1',
    code ? [code] : [],
  );
  const e = rows[0];
  if (!e) throw code ? notFound(`entity ${code}`, 'entity') : invalid('no_entity', 'no legal entity exists yet', 'entity');
  return { id: e.id, code: e.code, baseCurrency: e.base_currency };
}

export const amountOut = (minor: bigint, currency: string) => formatAmount(minor, currency);

/**
 * The next free system-assigned number: PREFIX + YY + '-' + 6 digits from a sequence, skipping
 * numbers already taken by imported or hand-numbered documents.
 */
export async function nextDocumentNumber(
  tx: Queryable,
  sequence: 'invoice_number_seq' | 'receipt_number_seq',
  prefix: string,
  date: string,
  taken: (number: string) => Promise<boolean>,
): Promise<string> {
  for (let attempt = 0; attempt < 10_000; attempt++) {
    const [n] = await tx.query<{ n: bigint }>(`SELECT nextval('${sequence}') AS n`);
    const number = `${prefix}${date.slice(2, 4)}-${n!.n.toString().padStart(6, '0')}`;
    if (!(await taken(number))) return number;
  }
  throw invalid('number_required', 'could not find a free document number; give one explicitly', 'number');
}
