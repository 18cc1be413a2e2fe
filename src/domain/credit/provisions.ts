/**
 * Bad-debt provisions (坏账准备), pure and exact. The aging-rate method (账龄分析法): each open
 * receivable falls into an accounting-age band by the whole years elapsed since its invoice date,
 * and each band's total is multiplied by the band's rate. Customers assessed individually (单项计提)
 * leave the pool and get their own rate or amount.
 *
 *   age in whole years = anniversaries of the invoice date reached on or before the period end
 *                        (issued 2024-06-30 → on 2025-06-29 age 0 "1年以内", on 2025-06-30 age 1 "1–2年";
 *                        a 29 February invoice has its anniversary on 1 March in other years)
 *   band provision     = round(Σ open of the band × rate bp ÷ 10,000), half away from zero, once per band
 *   individual         = round(Σ open of the customer × rate bp ÷ 10,000), or a given amount
 *   required           = Σ band provisions + Σ individual provisions           (per currency)
 *   charge / release   = required − existing balance (the last approved run)   (per currency)
 *
 * A charge books 借 信用减值损失 / 贷 坏账准备; a release the reverse. Rates are basis points
 * (500 = 5 %), amounts bigint minor units; nothing is converted between currencies.
 */

export interface AgeBand {
  /** Upper bound in whole years (exclusive): age < upToYears; null for the last, open band. */
  upToYears: number | null;
  /** Rate in basis points, 0–10,000. */
  rateBp: number;
  zh: string;
  en: string;
}

export const DEFAULT_BANDS: readonly AgeBand[] = [
  { upToYears: 1, rateBp: 500, zh: '1年以内', en: 'within 1 year' },
  { upToYears: 2, rateBp: 1000, zh: '1–2年', en: '1–2 years' },
  { upToYears: 3, rateBp: 3000, zh: '2–3年', en: '2–3 years' },
  { upToYears: 4, rateBp: 5000, zh: '3–4年', en: '3–4 years' },
  { upToYears: 5, rateBp: 8000, zh: '4–5年', en: '4–5 years' },
  { upToYears: null, rateBp: 10000, zh: '5年以上', en: 'over 5 years' },
];

export interface ProvisionItem {
  installmentId: string;
  partyId: string;
  currency: string;
  /** The invoice date (accounting age runs from it). */
  issueDate: string;
  openMinor: bigint;
}

/** Individual assessment of one customer: a rate for all its currencies, or an amount in one currency. */
export interface RateOverride {
  partyId: string;
  rateBp: number;
  reason: string;
}
export interface AmountOverride {
  partyId: string;
  amountMinor: bigint;
  currency: string;
  reason: string;
}
export type ProvisionOverride = RateOverride | AmountOverride;

export interface ProvisionInput {
  asOf: string;
  items: readonly ProvisionItem[];
  bands?: readonly AgeBand[];
  overrides?: readonly ProvisionOverride[];
  /** The provision balance per currency before this run (from the last approved run). */
  existing?: Readonly<Record<string, bigint>>;
}

export interface BandResult extends AgeBand {
  baseMinor: bigint;
  provisionMinor: bigint;
  count: number;
}

export interface IndividualResult {
  partyId: string;
  baseMinor: bigint;
  rateBp: number | null;
  provisionMinor: bigint;
  reason: string;
}

export interface VoucherLine {
  account: string;
  accountZh: string;
  accountEn: string;
  debitMinor: bigint;
  creditMinor: bigint;
}

export interface CurrencyResult {
  currency: string;
  bands: BandResult[];
  individual: IndividualResult[];
  /** Σ open of every item in the currency. */
  receivableMinor: bigint;
  requiredMinor: bigint;
  existingMinor: bigint;
  /** required − existing: > 0 a charge, < 0 a release. */
  changeMinor: bigint;
  voucher: VoucherLine[];
}

export const ACCOUNTS = {
  impairment: { account: '6702', accountZh: '信用减值损失', accountEn: 'Credit impairment losses' },
  allowance: { account: '1231', accountZh: '坏账准备', accountEn: 'Allowance for bad debts' },
} as const;

/** Rounds n ÷ d (d > 0) half away from zero. */
export function divRoundHalfAway(n: bigint, d: bigint): bigint {
  const q = n / d;
  const r = n % d;
  if (2n * (r < 0n ? -r : r) >= d) return n < 0n ? q - 1n : q + 1n;
  return q;
}

export const applyRate = (baseMinor: bigint, rateBp: number): bigint => divRoundHalfAway(baseMinor * BigInt(rateBp), 10_000n);

/** Whole years from `from` to `to` (ISO dates): anniversaries reached on or before `to`. */
export function wholeYears(from: string, to: string): number {
  const years = Number(to.slice(0, 4)) - Number(from.slice(0, 4));
  return to.slice(5) < from.slice(5) ? years - 1 : years;
}

export function bandIndex(bands: readonly AgeBand[], issueDate: string, asOf: string): number {
  const age = wholeYears(issueDate, asOf);
  const i = bands.findIndex((b) => b.upToYears === null || age < b.upToYears);
  return i < 0 ? bands.length - 1 : i;
}

/** Problems with a band table (empty = valid). */
export function validateBands(bands: readonly AgeBand[]): string[] {
  const errors: string[] = [];
  if (bands.length === 0) return ['at least one band is needed'];
  let prev = 0;
  bands.forEach((b, i) => {
    if (!Number.isInteger(b.rateBp) || b.rateBp < 0 || b.rateBp > 10_000) errors.push(`band ${i + 1}: rate must be 0–10000 basis points`);
    const last = i === bands.length - 1;
    if (last && b.upToYears !== null) errors.push('the last band must be open (upToYears null)');
    if (!last) {
      if (b.upToYears === null || !Number.isInteger(b.upToYears) || b.upToYears <= prev) errors.push(`band ${i + 1}: upToYears must be a whole number above ${prev}`);
      else prev = b.upToYears;
    }
  });
  return errors;
}

export function validateOverrides(overrides: readonly ProvisionOverride[]): string[] {
  const errors: string[] = [];
  const byRate = new Set<string>();
  const byAmount = new Set<string>();
  for (const o of overrides) {
    const twice = 'rateBp' in o ? byRate.has(o.partyId) || [...byAmount].some((k) => k.startsWith(`${o.partyId}/`)) : byRate.has(o.partyId) || byAmount.has(`${o.partyId}/${o.currency}`);
    if (twice) errors.push(`customer ${o.partyId} is assessed twice`);
    if ('rateBp' in o) byRate.add(o.partyId);
    else byAmount.add(`${o.partyId}/${o.currency}`);
    if ('rateBp' in o && (!Number.isInteger(o.rateBp) || o.rateBp < 0 || o.rateBp > 10_000)) errors.push(`customer ${o.partyId}: rate must be 0–10000 basis points`);
    if ('amountMinor' in o && o.amountMinor < 0n) errors.push(`customer ${o.partyId}: amount must not be negative`);
    if (!o.reason.trim()) errors.push(`customer ${o.partyId}: an individual assessment needs a reason`);
  }
  return errors;
}

export function voucherFor(changeMinor: bigint): VoucherLine[] {
  if (changeMinor === 0n) return [];
  const amount = changeMinor < 0n ? -changeMinor : changeMinor;
  const debit = changeMinor > 0n ? ACCOUNTS.impairment : ACCOUNTS.allowance;
  const credit = changeMinor > 0n ? ACCOUNTS.allowance : ACCOUNTS.impairment;
  return [
    { ...debit, debitMinor: amount, creditMinor: 0n },
    { ...credit, debitMinor: 0n, creditMinor: amount },
  ];
}

export function computeProvision(input: ProvisionInput): CurrencyResult[] {
  const bands = input.bands ?? DEFAULT_BANDS;
  const overrides = input.overrides ?? [];
  const errors = [...validateBands(bands), ...validateOverrides(overrides)];
  if (errors.length) throw new RangeError(errors.join('; '));
  const rateOverride = new Map<string, RateOverride>();
  const amountOverride = new Map<string, AmountOverride>();
  for (const o of overrides) {
    if ('rateBp' in o) rateOverride.set(o.partyId, o);
    else amountOverride.set(`${o.partyId}/${o.currency}`, o);
  }
  const existing = input.existing ?? {};
  const currencies = new Set<string>([...input.items.filter((i) => i.openMinor > 0n).map((i) => i.currency), ...Object.keys(existing)]);
  for (const o of amountOverride.values()) currencies.add(o.currency);

  return [...currencies].sort().map((currency): CurrencyResult => {
    const items = input.items.filter((i) => i.currency === currency && i.openMinor > 0n);
    const bandResults: BandResult[] = bands.map((b) => ({ ...b, baseMinor: 0n, provisionMinor: 0n, count: 0 }));
    const indiv = new Map<string, IndividualResult>();
    for (const o of amountOverride.values()) {
      if (o.currency === currency) indiv.set(o.partyId, { partyId: o.partyId, baseMinor: 0n, rateBp: null, provisionMinor: o.amountMinor, reason: o.reason });
    }
    for (const item of items) {
      const rate = rateOverride.get(item.partyId);
      const own = indiv.get(item.partyId);
      if (own) own.baseMinor += item.openMinor;
      else if (rate) indiv.set(item.partyId, { partyId: item.partyId, baseMinor: item.openMinor, rateBp: rate.rateBp, provisionMinor: 0n, reason: rate.reason });
      else {
        const band = bandResults[bandIndex(bands, item.issueDate, input.asOf)]!;
        band.baseMinor += item.openMinor;
        band.count += 1;
      }
    }
    for (const b of bandResults) b.provisionMinor = applyRate(b.baseMinor, b.rateBp);
    for (const r of indiv.values()) if (r.rateBp !== null) r.provisionMinor = applyRate(r.baseMinor, r.rateBp);
    const individual = [...indiv.values()].sort((a, b) => a.partyId.localeCompare(b.partyId));
    const requiredMinor = bandResults.reduce((s, b) => s + b.provisionMinor, 0n) + individual.reduce((s, r) => s + r.provisionMinor, 0n);
    const existingMinor = existing[currency] ?? 0n;
    const changeMinor = requiredMinor - existingMinor;
    return {
      currency,
      bands: bandResults,
      individual,
      receivableMinor: items.reduce((s, i) => s + i.openMinor, 0n),
      requiredMinor,
      existingMinor,
      changeMinor,
      voucher: voucherFor(changeMinor),
    };
  });
}

// ---- write-offs ---------------------------------------------------------------------------------

/** What the user states about the debtor (documented evidence under 国家税务总局公告2011年第25号). */
export type DebtorStatus = 'deregistered' | 'bankrupt' | 'revoked' | 'deceased' | 'none';

export interface TaxDeductionFlag {
  mayQualify: boolean;
  zh: string;
  en: string;
}

/**
 * A write-off MAY qualify as a tax-deductible asset loss (25号公告) when the debtor is deregistered,
 * bankrupt, had its licence revoked or died (art. 22, with the evidence listed there), or the item
 * is more than three years overdue (art. 23). Only a flag for the accountant: it is not a tax
 * opinion, and the evidence is not checked here.
 */
export function taxDeductionFlag(daysOverdue: number, status: DebtorStatus): TaxDeductionFlag {
  if (status !== 'none') {
    return { mayQualify: true, zh: `债务人${STATUS_ZH[status]}，可能符合25号公告第二十二条`, en: `debtor ${status}: may qualify under art. 22 of SAT Announcement 2011 No. 25` };
  }
  if (daysOverdue > 3 * 365) {
    return { mayQualify: true, zh: `逾期 ${daysOverdue} 天（超过三年），可能符合25号公告第二十三条`, en: `${daysOverdue} days overdue (over three years): may qualify under art. 23 of SAT Announcement 2011 No. 25` };
  }
  return { mayQualify: false, zh: '不符合25号公告的简易判断条件', en: 'does not meet the simple 25号公告 test' };
}

const STATUS_ZH: Record<Exclude<DebtorStatus, 'none'>, string> = { deregistered: '已注销', bankrupt: '已破产', revoked: '被吊销营业执照', deceased: '死亡或失踪' };
