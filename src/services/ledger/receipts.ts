/** Recording receipts (money in from customers) and payments (money out to suppliers). */
import type { Queryable } from '../../db/database';
import { formatAmount } from '../../domain/money';
import { type Actor, createdBy, requireLedgerWriter } from '../actor';
import { audit } from '../audit';
import { invalid } from '../errors';
import { currencyCode, isoDate, money, nextDocumentNumber, resolveEntity } from './input';
import { findPartyId } from './parties';

export interface ReceiptInput {
  entity?: string;
  side?: 'AR' | 'AP';
  number?: string;
  partyId?: string;
  partyCode?: string;
  receiptDate: string;
  currency: string;
  amount: string;
  method?: 'bank_transfer' | 'cash' | 'draft' | 'card' | 'other';
  bankAccount?: string | null;
  counterpartyName?: string | null;
  counterpartyAccount?: string | null;
  remittance?: string | null;
  bankReference?: string | null;
}

export async function createReceipt(tx: Queryable, actor: Actor, input: ReceiptInput) {
  requireLedgerWriter(actor);
  const side = input.side ?? 'AR';
  if (side !== 'AR' && side !== 'AP') throw invalid('invalid_side', 'side must be AR or AP', 'side');
  const currency = currencyCode(input.currency);
  const receiptDate = isoDate(input.receiptDate, 'receiptDate');
  const amountMinor = money(input.amount, currency, 'amount', { positive: true });
  const entity = await resolveEntity(tx, input.entity);
  // A receipt may arrive before anyone knows who paid (收款认领 later); a payment always has a payee.
  const partyId = input.partyId || input.partyCode ? await findPartyId(tx, input) : null;
  if (side === 'AP' && !partyId) throw invalid('party_required', 'a payment needs its supplier', 'partyId');
  const bankReference = input.bankReference?.trim() || null;
  if (bankReference) {
    const dup = await tx.query('SELECT 1 FROM receipts WHERE entity_id = $1 AND side = $2 AND bank_reference = $3', [
      entity.id,
      side,
      bankReference,
    ]);
    if (dup.length) throw invalid('duplicate_bank_reference', `bank reference ${bankReference} was already recorded`, 'bankReference');
  }
  const taken = async (n: string) => (await tx.query<{ taken: boolean }>('SELECT document_number_taken($1, $2, $3, $4) AS taken', ['receipts', entity.id, side, n]))[0]!.taken;
  const number = input.number?.trim() || (await nextDocumentNumber(tx, 'receipt_number_seq', side === 'AR' ? 'RC' : 'PY', receiptDate, taken));
  if (await taken(number)) throw invalid('duplicate_number', `document number ${number} already exists`, 'number');
  const [row] = await tx.query<{ id: string }>(
    `INSERT INTO receipts (entity_id, side, number, party_id, receipt_date, currency, amount_minor, method, bank_account,
                           counterparty_name, counterparty_account, remittance, bank_reference, created_by)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14) RETURNING id`,
    [
      entity.id,
      side,
      number,
      partyId,
      receiptDate,
      currency,
      amountMinor,
      input.method ?? 'bank_transfer',
      input.bankAccount ?? null,
      input.counterpartyName ?? null,
      input.counterpartyAccount ?? null,
      input.remittance ?? null,
      bankReference,
      createdBy(actor),
    ],
  );
  await audit(tx, actor, side === 'AR' ? 'receipt.post' : 'payment.post', 'receipt', row!.id, null, {
    number,
    side,
    partyId,
    receiptDate,
    currency,
    amount: formatAmount(amountMinor, currency),
    bankReference,
  });
  return { id: row!.id, number };
}
