/**
 * Baseline: the simple rule engine most teams start with. For each line, auto-apply when
 *   (1) the remittance contains an open invoice number exactly as issued and that invoice's open
 *       amount equals the line amount, or
 *   (2) exactly one open installment in the whole ledger has the line's amount (and currency).
 * Everything else is unidentified. Applied items are reserved like the engine does.
 */
import type { BankLine, OpenItem, Proposal } from '../../src/domain/matching/types';

export function baselineMatch(lines: readonly BankLine[], items: readonly OpenItem[]): Map<string, Proposal[]> {
  const left = new Map(items.map((i) => [i.installmentId, i.openMinor]));
  const byInvoice = new Map<string, OpenItem[]>();
  const byAmount = new Map<string, OpenItem[]>();
  for (const it of items) {
    byInvoice.set(it.invoiceNumber.toUpperCase(), [...(byInvoice.get(it.invoiceNumber.toUpperCase()) ?? []), it]);
    const k = `${it.currency}|${it.openMinor}`;
    const arr = byAmount.get(k);
    if (arr) arr.push(it);
    else byAmount.set(k, [it]);
  }
  const out = new Map<string, Proposal[]>();
  const none = (l: BankLine): Proposal => ({
    lineId: l.id,
    partyId: null,
    kind: 'unidentified',
    allocations: [],
    adjustment: null,
    onAccountMinor: 0n,
    confidence: 0,
    auto: false,
    reasons: [{ code: 'baseline.none', zh: '未匹配', en: 'no match' }],
  });
  const order = lines.map((l, i) => ({ l, i })).sort((a, b) => a.l.date.localeCompare(b.l.date) || a.i - b.i);
  for (const { l } of order) {
    let chosen: OpenItem[] | null = null;
    const text = (l.remittance ?? '').toUpperCase();
    for (const tok of text.match(/[A-Z0-9][A-Z0-9-]*[0-9]/g) ?? []) {
      const its = (byInvoice.get(tok) ?? []).filter((i) => i.currency === l.currency && left.get(i.installmentId)! > 0n);
      if (its.length > 0 && its.reduce((s, i) => s + left.get(i.installmentId)!, 0n) === l.amountMinor) {
        chosen = its;
        break;
      }
    }
    if (!chosen) {
      const its = (byAmount.get(`${l.currency}|${l.amountMinor}`) ?? []).filter((i) => left.get(i.installmentId) === l.amountMinor);
      if (its.length === 1) chosen = its;
    }
    if (!chosen) {
      out.set(l.id, [none(l)]);
      continue;
    }
    const allocations = chosen.map((i) => ({ installmentId: i.installmentId, amountMinor: left.get(i.installmentId)! }));
    for (const a of allocations) left.set(a.installmentId, 0n);
    out.set(l.id, [
      {
        lineId: l.id,
        partyId: chosen[0]!.partyId,
        kind: 'exact',
        allocations,
        adjustment: null,
        onAccountMinor: 0n,
        confidence: 1,
        auto: true,
        reasons: [{ code: 'baseline.match', zh: '单号或金额唯一匹配', en: 'reference or unique amount' }],
      },
    ]);
  }
  return out;
}
