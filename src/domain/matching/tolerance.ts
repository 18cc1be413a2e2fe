/**
 * Short payments accepted as a bank fee or an agreed cash discount (booked as an adjustment on
 * the installment, never as cash).
 *
 *   fee:       0 < open − amount ≤ tolerance of the currency (default 50.00 CNY, 25.00 USD/EUR)
 *   discount:  open − amount = round(open × rate) ± slack for one of the agreed rates (1%, 2%, 3%)
 */
import type { MatchConfig } from './types';

export function feeTolerance(currency: string, config: MatchConfig): bigint {
  return config.feeToleranceMinor[currency] ?? config.defaultFeeToleranceMinor;
}

/** The fee when `amount` is short of `open` by a bank fee within tolerance; otherwise null. */
export function matchFee(openMinor: bigint, amountMinor: bigint, toleranceMinor: bigint): bigint | null {
  const diff = openMinor - amountMinor;
  return diff > 0n && diff <= toleranceMinor ? diff : null;
}

/** Half-up rounding of open × bp / 10000. */
export function discountFor(openMinor: bigint, rateBp: number): bigint {
  return (openMinor * BigInt(rateBp) * 2n + 10_000n) / 20_000n;
}

/** The discount when `amount` equals `open` less an agreed discount; otherwise null. */
export function matchDiscount(
  openMinor: bigint,
  amountMinor: bigint,
  config: Pick<MatchConfig, 'discountRatesBp' | 'discountSlackMinor'>,
): { rateBp: number; discountMinor: bigint } | null {
  const diff = openMinor - amountMinor;
  if (diff <= 0n) return null;
  for (const rateBp of config.discountRatesBp) {
    const d = discountFor(openMinor, rateBp);
    const delta = d > diff ? d - diff : diff - d;
    if (delta <= config.discountSlackMinor) return { rateBp, discountMinor: diff };
  }
  return null;
}
