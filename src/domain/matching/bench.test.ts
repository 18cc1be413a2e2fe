import { describe, expect, it } from 'vitest';
import { baselineMatch } from '../../../bench/recon/baseline';
import { generateScenario } from '../../../bench/recon/generator';
import { score } from '../../../bench/recon/score';
import { matchLines } from './engine';

describe('engine vs baseline on a generated scenario (not timed)', () => {
  it('beats the baseline on seed 7', () => {
    const sc = generateScenario(7, { parties: 150, lines: 400 });
    const engine = score(matchLines(sc.lines, sc.items, sc.parties, sc.memory, {}, { priorLines: sc.priorLines }), sc.truth);
    const base = score(baselineMatch(sc.lines, sc.items), sc.truth);
    expect(engine.precision).toBeGreaterThanOrEqual(0.99);
    expect(engine.recall).toBeGreaterThan(base.recall + 0.3);
    expect(engine.top3).toBeGreaterThan(base.top3);
  });
  it('the generator is deterministic', () => {
    const a = generateScenario(3, { parties: 40, lines: 60 });
    const b = generateScenario(3, { parties: 40, lines: 60 });
    expect(a.lines.map((l) => `${l.id}|${l.amountMinor}|${l.remittance}`)).toEqual(b.lines.map((l) => `${l.id}|${l.amountMinor}|${l.remittance}`));
  });
});
