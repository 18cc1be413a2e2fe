/**
 * Types of the matching engine (自动对账 / 收款核销). See ./README.md for the rules, the confidence
 * model and how the edges are expected to use it. Pure data: no I/O, money in bigint minor units.
 */

export type Side = 'AR' | 'AP';

/** One unapplied bank statement line (a receipt on AR, an outgoing payment on AP). */
export interface BankLine {
  id: string;
  side: Side;
  /** Positive amount of the line in minor units of `currency`. */
  amountMinor: bigint;
  currency: string;
  /** Value/booking date, YYYY-MM-DD. */
  date: string;
  /** Counterparty name as printed by the bank (对方户名). */
  payerName: string | null;
  /** Counterparty account (对方账号), any formatting. */
  payerAccount: string | null;
  /** Remittance information (附言 / 摘要 / 用途). */
  remittance: string | null;
  /** The bank's own reference of the line (流水号); used for duplicate detection. */
  bankReference: string | null;
  /** A remittance advice the payer sent for this line; when present it drives the allocation. */
  advice?: RemittanceAdvice | null;
}

/** One line of a remittance advice (UBL RemittanceAdvice, or an Excel/CSV list): invoice + amount paid. */
export interface RemittanceAdviceLine {
  invoiceNumber: string;
  /** Amount paid against this invoice (after any discount taken). */
  amountMinor: bigint;
  /** Discount the payer says it took on this invoice (optional). */
  discountMinor?: bigint;
}

export interface RemittanceAdvice {
  /** Reference of the advice document, for reasons and audit. */
  reference?: string | null;
  lines: RemittanceAdviceLine[];
}

/** An open installment (one row of an invoice's schedule) with its open amount. */
export interface OpenItem {
  installmentId: string;
  invoiceId: string;
  invoiceNumber: string;
  seq: number;
  contractNumber: string | null;
  orderRef: string | null;
  partyId: string;
  currency: string;
  /** Open (unallocated) amount, > 0. */
  openMinor: bigint;
  issueDate: string;
  dueDate: string;
  /** Other numbers the payer may quote for the invoice (e.g. the 数电发票 number). */
  altNumbers?: readonly string[];
  /** When given, only lines of the same side are matched to the item. */
  side?: Side;
}

/** A customer or supplier with everything that helps recognise it as a payer. */
export interface PartyProfile {
  id: string;
  code: string;
  name: string;
  nameEn: string | null;
  shortName: string | null;
  /** Head office / parent party, for "a parent pays for its subsidiaries". */
  parentId: string | null;
  /** Known bank accounts of the party (any formatting). */
  accounts: readonly string[];
}

export type ProposalKind =
  | 'exact'
  | 'reference'
  | 'combination'
  | 'partial'
  | 'overpayment'
  | 'fee_short'
  | 'remittance_advice'
  | 'unidentified'
  | 'stranger'
  | 'duplicate';

export interface Reason {
  /** Stable machine code (payer.account, ref.invoice, amount.exact, …). */
  code: string;
  zh: string;
  en: string;
}

export interface ProposedAllocation {
  installmentId: string;
  amountMinor: bigint;
}

export interface Adjustment {
  kind: 'bank_fee' | 'discount';
  installmentId: string;
  /** Positive amount closed on the installment without cash (short payment accepted). */
  amountMinor: bigint;
}

export interface Proposal {
  lineId: string;
  /** The paying party (for a head office paying its subsidiaries: the head office). */
  partyId: string | null;
  kind: ProposalKind;
  /** Cash applied to installments; sums with onAccountMinor to the line amount for booking kinds. */
  allocations: ProposedAllocation[];
  /** Short payment closed on one installment (not cash: allocation + adjustment ≤ open). */
  adjustment: Adjustment | null;
  /** Rest of the line kept on account (预收 / unapplied credit of partyId). */
  onAccountMinor: bigint;
  /** Estimated probability that this proposal is exactly right, in [0, 1]. */
  confidence: number;
  /** True when confidence ≥ autoThreshold and the kind books money to a party. */
  auto: boolean;
  reasons: Reason[];
}

export interface MatchConfig {
  /** Proposals at or above this confidence are applied automatically. */
  autoThreshold: number;
  /** Alternatives returned per line (best first). */
  maxAlternatives: number;
  /** Largest shortfall booked as a bank fee, per currency (minor units). */
  feeToleranceMinor: Readonly<Record<string, bigint>>;
  /** Fallback fee tolerance for currencies not listed. */
  defaultFeeToleranceMinor: bigint;
  /** Agreed cash discounts in basis points (200 = 2%). */
  discountRatesBp: readonly number[];
  /** Rounding slack when checking a discount (minor units). */
  discountSlackMinor: bigint;
  /** Most items in one combination (subset-sum). */
  subsetMaxItems: number;
  /** Most search nodes per subset-sum search. */
  subsetMaxNodes: number;
  /** Oldest open items considered by the subset-sum search. */
  subsetMaxCandidates: number;
  /** Shortest digit run for which a one-digit typo / transposition is tried. */
  typoMinDigits: number;
  /** Widest invoice number range expanded from "000123~000150". */
  rangeMaxSpan: number;
}

export const DEFAULT_MATCH_CONFIG: MatchConfig = {
  autoThreshold: 0.9,
  maxAlternatives: 5,
  feeToleranceMinor: { CNY: 5000n, USD: 2500n, EUR: 2500n, GBP: 2000n, HKD: 20000n, JPY: 3000n, KWD: 10000n },
  defaultFeeToleranceMinor: 0n,
  discountRatesBp: [100, 200, 300],
  discountSlackMinor: 1n,
  subsetMaxItems: 6,
  subsetMaxNodes: 20_000,
  subsetMaxCandidates: 40,
  typoMinDigits: 6,
  rangeMaxSpan: 200,
};

export function resolveConfig(config?: Partial<MatchConfig>): MatchConfig {
  return { ...DEFAULT_MATCH_CONFIG, ...(config ?? {}) };
}
