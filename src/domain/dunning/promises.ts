/**
 * Promises to pay (承诺付款): kept or broken is decided from the customer's receipts, never by
 * hand. A promise is kept when receipts in its currency dated from the day it was made up to and
 * including the promised date add up to the promised amount; broken when the promised date has
 * passed without that.
 */
export type PromiseState = 'open' | 'due' | 'kept' | 'broken' | 'cancelled';

export interface PromiseFacts {
  amountMinor: bigint;
  currency: string;
  /** The day the promise was recorded. */
  madeOn: string;
  promisedDate: string;
  cancelledOn: string | null;
}

export interface ReceiptFact {
  date: string;
  currency: string;
  amountMinor: bigint;
}

export interface PromiseEvaluation {
  state: PromiseState;
  /** Received towards the promise as of the date (minor units, capped at nothing: may exceed). */
  receivedMinor: bigint;
  /** The date the promised amount was reached, when kept. */
  keptOn: string | null;
}

export function evaluatePromise(p: PromiseFacts, receipts: readonly ReceiptFact[], asOf: string): PromiseEvaluation {
  if (p.cancelledOn !== null && p.cancelledOn <= asOf) return { state: 'cancelled', receivedMinor: 0n, keptOn: null };
  const relevant = receipts
    .filter((r) => r.currency === p.currency && r.date >= p.madeOn && r.date <= p.promisedDate && r.date <= asOf)
    .sort((a, b) => a.date.localeCompare(b.date));
  let received = 0n;
  let keptOn: string | null = null;
  for (const r of relevant) {
    received += r.amountMinor;
    if (keptOn === null && received >= p.amountMinor) keptOn = r.date;
  }
  if (keptOn !== null) return { state: 'kept', receivedMinor: received, keptOn };
  if (asOf > p.promisedDate) return { state: 'broken', receivedMinor: received, keptOn: null };
  if (asOf === p.promisedDate) return { state: 'due', receivedMinor: received, keptOn: null };
  return { state: 'open', receivedMinor: received, keptOn: null };
}

/** A promise pauses dunning of the items it covers while it is open or due (until the promised date, inclusive). */
export function pausesDunning(state: PromiseState): boolean {
  return state === 'open' || state === 'due';
}
