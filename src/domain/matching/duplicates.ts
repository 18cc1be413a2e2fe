/**
 * Duplicate detection: a line that repeats one already imported or seen earlier in the run.
 *   reference     same side and bank reference (流水号) — certain
 *   fingerprint   same side, currency, amount, date, payer (account or normalised name) and
 *                 normalised remittance text, but no matching reference — very likely (the same
 *                 statement imported twice from two formats); flagged, not discarded.
 */
import { nameKeys, normalizeAccount, normalizeText } from './normalize';
import type { BankLine } from './types';

export interface DuplicateHit {
  of: string;
  how: 'reference' | 'fingerprint';
}

export function referenceKey(line: BankLine): string | null {
  const r = line.bankReference?.normalize('NFKC').replace(/\s+/g, '').toUpperCase();
  return r ? `${line.side}|${r}` : null;
}

export function fingerprint(line: BankLine): string {
  const payer = normalizeAccount(line.payerAccount) ?? nameKeys(line.payerName)?.full ?? '';
  const text = line.remittance ? normalizeText(line.remittance).replace(/\s+/g, '') : '';
  return `${line.side}|${line.currency}|${line.amountMinor}|${line.date}|${payer}|${text}`;
}

export class DuplicateDetector {
  private readonly byRef = new Map<string, string>();
  private readonly byPrint = new Map<string, string>();

  constructor(prior: readonly BankLine[] = []) {
    for (const l of prior) this.add(l);
  }

  check(line: BankLine): DuplicateHit | null {
    const rk = referenceKey(line);
    if (rk) {
      const of = this.byRef.get(rk);
      if (of !== undefined && of !== line.id) return { of, how: 'reference' };
    }
    const of = this.byPrint.get(fingerprint(line));
    if (of !== undefined && of !== line.id) return { of, how: 'fingerprint' };
    return null;
  }

  add(line: BankLine): void {
    const rk = referenceKey(line);
    if (rk && !this.byRef.has(rk)) this.byRef.set(rk, line.id);
    const fp = fingerprint(line);
    if (!this.byPrint.has(fp)) this.byPrint.set(fp, line.id);
  }
}
