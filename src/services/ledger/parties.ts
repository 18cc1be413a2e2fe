/** Customers and suppliers (one party can be both). Master data: editable, every change audited. */
import type { Queryable } from '../../db/database';
import { type Actor, requireLedgerWriter } from '../actor';
import { audit } from '../audit';
import { invalid, notFound } from '../errors';
import { amountOut, currencyCode, money } from './input';

export interface PartyInput {
  code: string;
  name: string;
  nameEn?: string | null;
  shortName?: string | null;
  isCustomer?: boolean;
  isSupplier?: boolean;
  uscc?: string | null;
  region?: string;
  province?: string | null;
  industry?: string | null;
  ownerUsername?: string | null;
  paymentTermsDays?: number;
  creditLimit?: string | null;
  creditCurrency?: string;
  parentCode?: string | null;
  externalIds?: Record<string, string>;
  contactEmail?: string | null;
  bankAccounts?: { bankName: string; accountNo: string; accountName: string }[];
}

const USCC = /^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/;

export async function createParty(tx: Queryable, actor: Actor, input: PartyInput) {
  requireLedgerWriter(actor);
  if (input.uscc && !USCC.test(input.uscc)) {
    throw invalid('invalid_uscc', '统一社会信用代码 must be 18 characters (GB 32100-2015)', 'uscc');
  }
  const isCustomer = input.isCustomer ?? true;
  const isSupplier = input.isSupplier ?? false;
  if (!isCustomer && !isSupplier) throw invalid('party_role_missing', 'a party is a customer, a supplier or both', 'isCustomer');
  const creditCurrency = currencyCode(input.creditCurrency ?? 'CNY', 'creditCurrency');
  const creditLimit = input.creditLimit != null ? money(input.creditLimit, creditCurrency, 'creditLimit') : null;
  let ownerId: string | null = null;
  if (input.ownerUsername) {
    const [o] = await tx.query<{ id: string }>('SELECT id FROM users WHERE username = $1', [input.ownerUsername]);
    if (!o) throw notFound(`user ${input.ownerUsername}`, 'ownerUsername');
    ownerId = o.id;
  }
  let parentId: string | null = null;
  if (input.parentCode) {
    const [p] = await tx.query<{ id: string }>('SELECT id FROM parties WHERE code = $1', [input.parentCode]);
    if (!p) throw notFound(`parent party ${input.parentCode}`, 'parentCode');
    parentId = p.id;
  }
  const dup = await tx.query('SELECT 1 FROM parties WHERE code = $1', [input.code]);
  if (dup.length) throw invalid('duplicate_code', `party code ${input.code} already exists`, 'code');
  const [row] = await tx.query<{ id: string }>(
    `INSERT INTO parties (code, name, name_en, short_name, is_customer, is_supplier, uscc, region, province, industry,
                          owner_user_id, payment_terms_days, credit_limit_minor, credit_currency, parent_id, external_ids, contact_email)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16::jsonb,$17) RETURNING id`,
    [
      input.code,
      input.name,
      input.nameEn ?? null,
      input.shortName ?? null,
      isCustomer,
      isSupplier,
      input.uscc ?? null,
      input.region ?? '未分配',
      input.province ?? null,
      input.industry ?? null,
      ownerId,
      input.paymentTermsDays ?? 30,
      creditLimit,
      creditCurrency,
      parentId,
      JSON.stringify(input.externalIds ?? {}),
      input.contactEmail ?? null,
    ],
  );
  for (const [i, b] of (input.bankAccounts ?? []).entries()) {
    if (!b.accountNo.trim()) throw invalid('invalid_bank_account', 'account number is empty', `bankAccounts.${i}.accountNo`);
    await tx.query('INSERT INTO party_bank_accounts (party_id, bank_name, account_no, account_name) VALUES ($1,$2,$3,$4)', [
      row!.id,
      b.bankName,
      b.accountNo.replace(/\s+/g, ''),
      b.accountName,
    ]);
  }
  const created = await getParty(tx, row!.id);
  await audit(tx, actor, 'party.create', 'party', row!.id, null, created);
  return created;
}

export async function findPartyId(tx: Queryable, ref: { partyId?: string; partyCode?: string }, field = 'partyId') {
  const rows = ref.partyId
    ? await tx.query<{ id: string }>('SELECT id FROM parties WHERE id = $1', [ref.partyId])
    : ref.partyCode
      ? await tx.query<{ id: string }>('SELECT id FROM parties WHERE code = $1', [ref.partyCode])
      : [];
  if (!ref.partyId && !ref.partyCode) throw invalid('party_required', 'partyId or partyCode is required', field);
  if (!rows[0]) throw notFound(`party ${ref.partyId ?? ref.partyCode}`, ref.partyId ? field : 'partyCode');
  return rows[0].id;
}

interface PartyRow {
  id: string;
  code: string;
  name: string;
  name_en: string | null;
  short_name: string | null;
  is_customer: boolean;
  is_supplier: boolean;
  uscc: string | null;
  region: string;
  province: string | null;
  industry: string | null;
  owner_user_id: string | null;
  owner_name: string | null;
  payment_terms_days: number;
  credit_limit_minor: bigint | null;
  credit_currency: string;
  parent_id: string | null;
  parent_name: string | null;
  external_ids: Record<string, string>;
  contact_email: string | null;
}

export async function getParty(tx: Queryable, id: string) {
  const [p] = await tx.query<PartyRow>(
    `SELECT p.*, u.display_name AS owner_name, pp.name AS parent_name
       FROM parties p LEFT JOIN users u ON u.id = p.owner_user_id LEFT JOIN parties pp ON pp.id = p.parent_id
      WHERE p.id = $1`,
    [id],
  );
  if (!p) throw notFound('party');
  const banks = await tx.query<{ bank_name: string; account_no: string; account_name: string }>(
    'SELECT bank_name, account_no, account_name FROM party_bank_accounts WHERE party_id = $1 ORDER BY created_at, account_no',
    [id],
  );
  return {
    id: p.id,
    code: p.code,
    name: p.name,
    nameEn: p.name_en,
    shortName: p.short_name,
    isCustomer: p.is_customer,
    isSupplier: p.is_supplier,
    uscc: p.uscc,
    region: p.region,
    province: p.province,
    industry: p.industry,
    ownerId: p.owner_user_id,
    ownerName: p.owner_name,
    paymentTermsDays: p.payment_terms_days,
    creditLimit: p.credit_limit_minor === null ? null : amountOut(p.credit_limit_minor, p.credit_currency),
    creditCurrency: p.credit_currency,
    parentId: p.parent_id,
    parentName: p.parent_name,
    externalIds: p.external_ids,
    contactEmail: p.contact_email,
    bankAccounts: banks.map((b) => ({ bankName: b.bank_name, accountNo: b.account_no, accountName: b.account_name })),
  };
}
