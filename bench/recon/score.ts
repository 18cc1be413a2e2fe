/**
 * Scoring engine output against ground truth.
 *
 *  correct(proposal, truth), strict — no partial credit in precision or recall:
 *    expect apply:        booking kind, same party, same allocations (installment → amount, as a
 *                         set), same adjustment (kind, installment, amount), same on-account rest
 *    expect stranger / unidentified:  a non-booking proposal of kind stranger or unidentified
 *    expect duplicate:    kind duplicate
 *    not identifiable (truth exists, data cannot tell): the exact truth, or unidentified/stranger
 *  auto-applied:  the top proposal books money and has auto = true
 *  precision:     correct auto-applied ÷ auto-applied
 *  recall:        correct auto-applied ÷ identifiable lines (expect apply and identifiable)
 *  top-3:         for lines not auto-applied, share with a correct proposal among the first three
 *  partyOk:       (informational) auto-applied with the right party but other allocations
 */
import type { Proposal } from '../../src/domain/matching/types';
import type { Truth } from './generator';

const BOOKING = new Set(['exact', 'reference', 'combination', 'partial', 'overpayment', 'fee_short', 'remittance_advice']);

export function isCorrect(p: Proposal, t: Truth): boolean {
  if (t.expect === 'duplicate') return p.kind === 'duplicate';
  if (t.expect === 'stranger' || t.expect === 'unidentified') return p.kind === 'stranger' || p.kind === 'unidentified';
  if (!t.identifiable && (p.kind === 'unidentified' || p.kind === 'stranger')) return true;
  if (!BOOKING.has(p.kind) || p.partyId !== t.partyId) return false;
  if (p.onAccountMinor !== t.onAccountMinor) return false;
  const a = p.adjustment;
  const b = t.adjustment;
  if ((a === null) !== (b === null)) return false;
  if (a && b && (a.kind !== b.kind || a.installmentId !== b.installmentId || a.amountMinor !== b.amountMinor)) return false;
  if (p.allocations.length !== t.allocations.size) return false;
  for (const x of p.allocations) if (t.allocations.get(x.installmentId) !== x.amountMinor) return false;
  return true;
}

export interface KindStats {
  n: number;
  identifiable: number;
  auto: number;
  autoCorrect: number;
  autoWrong: number;
  top3: number;
  nonAuto: number;
}

export interface Score {
  lines: number;
  identifiable: number;
  auto: number;
  autoCorrect: number;
  partyOkWrongAlloc: number;
  nonAuto: number;
  top3Correct: number;
  precision: number;
  recall: number;
  top3: number;
  byKind: Map<string, KindStats>;
  /** Top booking proposals: [confidence, correct]. */
  calibration: [number, boolean][];
}

export function score(proposals: Map<string, Proposal[]>, truth: Map<string, Truth>): Score {
  const s: Score = {
    lines: 0,
    identifiable: 0,
    auto: 0,
    autoCorrect: 0,
    partyOkWrongAlloc: 0,
    nonAuto: 0,
    top3Correct: 0,
    precision: 0,
    recall: 0,
    top3: 0,
    byKind: new Map(),
    calibration: [],
  };
  for (const [id, t] of truth) {
    const ps = proposals.get(id) ?? [];
    const top = ps[0];
    let k = s.byKind.get(t.kind);
    if (!k) {
      k = { n: 0, identifiable: 0, auto: 0, autoCorrect: 0, autoWrong: 0, top3: 0, nonAuto: 0 };
      s.byKind.set(t.kind, k);
    }
    s.lines++;
    k.n++;
    const ident = t.expect === 'apply' && t.identifiable;
    if (ident) {
      s.identifiable++;
      k.identifiable++;
    }
    if (top && BOOKING.has(top.kind)) s.calibration.push([top.confidence, isCorrect(top, t)]);
    if (top?.auto) {
      s.auto++;
      k.auto++;
      if (isCorrect(top, t)) {
        s.autoCorrect++;
        k.autoCorrect++;
      } else {
        k.autoWrong++;
        if (top.partyId === t.partyId) s.partyOkWrongAlloc++;
      }
    } else {
      s.nonAuto++;
      k.nonAuto++;
      if (ps.slice(0, 3).some((p) => isCorrect(p, t))) {
        s.top3Correct++;
        k.top3++;
      }
    }
  }
  s.precision = s.auto === 0 ? 1 : s.autoCorrect / s.auto;
  s.recall = s.identifiable === 0 ? 1 : s.autoCorrect / s.identifiable;
  s.top3 = s.nonAuto === 0 ? 1 : s.top3Correct / s.nonAuto;
  return s;
}

/** Reliability table: confidence bins of top booking proposals vs observed accuracy. */
export function reliability(pairs: readonly [number, boolean][]): { bin: string; n: number; meanConf: number; accuracy: number }[] {
  const edges = [0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99, 1.0001];
  const out: { bin: string; n: number; meanConf: number; accuracy: number }[] = [];
  for (let i = 0; i + 1 < edges.length; i++) {
    const lo = edges[i]!;
    const hi = edges[i + 1]!;
    const inBin = pairs.filter(([c]) => c >= lo && c < hi);
    if (inBin.length === 0) continue;
    out.push({
      bin: `[${lo.toFixed(2)}, ${Math.min(hi, 1).toFixed(2)}${hi > 1 ? ']' : ')'}`,
      n: inBin.length,
      meanConf: inBin.reduce((a, [c]) => a + c, 0) / inBin.length,
      accuracy: inBin.filter(([, ok]) => ok).length / inBin.length,
    });
  }
  return out;
}
