/**
 * Reconciliation benchmark (npm run bench:recon). Not a test: it prints figures and fails on nothing.
 *
 *  1. Quality: seeded scenarios with ground truth (bench/recon/generator.ts), engine vs baseline
 *     (bench/recon/baseline.ts) in the same process. Seeds 1–5 are the ones the engine's rules and
 *     confidence constants were tuned on; seeds 101–110 were not looked at while tuning and are
 *     reported separately. Metrics: precision of auto-applied, recall (correct auto ÷ identifiable),
 *     top-3 accuracy of the rest (bench/recon/score.ts).
 *  2. Where it fails: per line kind on the untuned seeds; reliability table of the confidence.
 *  3. Throughput: 100,000 lines against 500,000 open installments, engine only, in memory; time
 *     and peak heap.
 *
 *   SHOUFU_RECON_SEEDS_TUNED / SHOUFU_RECON_SEEDS   comma-separated seeds (defaults 1–5 / 101–110)
 *   SHOUFU_RECON_LINES                              lines per quality scenario (default 1500)
 *   SHOUFU_RECON_SCALE=0                            skip the throughput run
 *   SHOUFU_RECON_SCALE_LINES / _ITEMS               throughput size (default 100000 / 500000)
 */
import { performance } from 'node:perf_hooks';
import { Matcher, matchLines } from '../../src/domain/matching/engine';
import type { Proposal } from '../../src/domain/matching/types';
import { baselineMatch } from './baseline';
import { generateScenario, type LineKind } from './generator';
import { type KindStats, reliability, type Score, score } from './score';

const seedsFrom = (env: string | undefined, dflt: number[]): number[] =>
  env ? env.split(',').map((s) => Number(s.trim())).filter((n) => Number.isFinite(n)) : dflt;
const TUNED = seedsFrom(process.env.SHOUFU_RECON_SEEDS_TUNED, [1, 2, 3, 4, 5]);
const UNTUNED = seedsFrom(process.env.SHOUFU_RECON_SEEDS, [101, 102, 103, 104, 105, 106, 107, 108, 109, 110]);
const LINES = Number(process.env.SHOUFU_RECON_LINES ?? 1500);

const pct = (x: number): string => (x * 100).toFixed(2).padStart(6);

interface Run {
  seed: number;
  engine: Score;
  base: Score;
  ms: number;
}

function runSeed(seed: number): Run {
  const sc = generateScenario(seed, { lines: LINES });
  const t0 = performance.now();
  const proposals = matchLines(sc.lines, sc.items, sc.parties, sc.memory, {}, { priorLines: sc.priorLines });
  const ms = performance.now() - t0;
  const base = baselineMatch(sc.lines, sc.items);
  return { seed, engine: score(proposals, sc.truth), base: score(base, sc.truth), ms };
}

function table(title: string, runs: Run[]): void {
  console.log(`\n${title}`);
  console.log(
    'seed  lines ident | engine: auto   prec%  recall%  top3%   ms | baseline: auto   prec%  recall%  top3%',
  );
  const tot = { e: [0, 0, 0, 0, 0], b: [0, 0, 0, 0, 0], lines: 0, ident: 0 };
  for (const r of runs) {
    const e = r.engine;
    const b = r.base;
    console.log(
      `${String(r.seed).padStart(4)} ${String(e.lines).padStart(6)} ${String(e.identifiable).padStart(5)} |` +
        ` ${String(e.auto).padStart(11)} ${pct(e.precision)} ${pct(e.recall)}  ${pct(e.top3)} ${r.ms.toFixed(0).padStart(4)} |` +
        ` ${String(b.auto).padStart(13)} ${pct(b.precision)} ${pct(b.recall)}  ${pct(b.top3)}`,
    );
    tot.lines += e.lines;
    tot.ident += e.identifiable;
    for (const [acc, s] of [
      [tot.e, e],
      [tot.b, b],
    ] as const) {
      acc[0]! += s.auto;
      acc[1]! += s.autoCorrect;
      acc[2]! += s.identifiable;
      acc[3]! += s.nonAuto;
      acc[4]! += s.top3Correct;
    }
  }
  const f = (a: number[]): string =>
    `${String(a[0]).padStart(11)} ${pct(a[1]! / a[0]!)} ${pct(a[1]! / a[2]!)}  ${pct(a[4]! / a[3]!)}`;
  console.log(` all ${String(tot.lines).padStart(6)} ${String(tot.ident).padStart(5)} |${f(tot.e)}      |  ${f(tot.b)}`);
}

function kinds(runs: Run[]): void {
  const agg = new Map<string, KindStats>();
  for (const r of runs) {
    for (const [k, s] of r.engine.byKind) {
      const a = agg.get(k) ?? { n: 0, identifiable: 0, auto: 0, autoCorrect: 0, autoWrong: 0, top3: 0, nonAuto: 0 };
      a.n += s.n;
      a.identifiable += s.identifiable;
      a.auto += s.auto;
      a.autoCorrect += s.autoCorrect;
      a.autoWrong += s.autoWrong;
      a.top3 += s.top3;
      a.nonAuto += s.nonAuto;
      agg.set(k, a);
    }
  }
  console.log('\nengine by line kind (untuned seeds):');
  console.log('kind                  lines ident  auto  wrong  recall%  top3% (of non-auto)');
  for (const [k, s] of [...agg].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const rec = s.identifiable ? pct(s.autoCorrect / s.identifiable) : '     -';
    const t3 = s.nonAuto ? pct(s.top3 / s.nonAuto) : '     -';
    console.log(
      `${k.padEnd(20)} ${String(s.n).padStart(6)} ${String(s.identifiable).padStart(5)} ${String(s.auto).padStart(5)} ${String(s.autoWrong).padStart(6)}  ${rec}  ${t3}`,
    );
  }
}

function calibration(runs: Run[]): void {
  const pairs = runs.flatMap((r) => r.engine.calibration);
  console.log('\nreliability of the top proposal confidence (untuned seeds, booking proposals):');
  console.log('bin            n     mean conf  accuracy');
  for (const row of reliability(pairs)) {
    console.log(`${row.bin.padEnd(13)} ${String(row.n).padStart(5)}   ${row.meanConf.toFixed(3)}      ${row.accuracy.toFixed(3)}`);
  }
}

function throughput(): void {
  const nLines = Number(process.env.SHOUFU_RECON_SCALE_LINES ?? 100_000);
  const nItems = Number(process.env.SHOUFU_RECON_SCALE_ITEMS ?? 500_000);
  const t0 = performance.now();
  // ~8 invoices × 1.1 installments per party → parties ≈ items / 9.
  const sc = generateScenario(9001, {
    lines: nLines,
    parties: Math.round(nItems / 9.6),
    invoicesPerParty: [2, 15],
  });
  const genMs = performance.now() - t0;
  let peak = process.memoryUsage().heapUsed;
  const t1 = performance.now();
  const matcher = new Matcher(sc.items, sc.parties, sc.memory, {}, { priorLines: sc.priorLines });
  const indexMs = performance.now() - t1;
  const proposals = new Map<string, Proposal[]>();
  const order = sc.lines.map((l, i) => ({ l, i })).sort((a, b) => a.l.date.localeCompare(b.l.date) || a.i - b.i);
  let n = 0;
  for (const { l } of order) {
    const ps = matcher.matchLine(l);
    if (ps[0]?.auto) matcher.reserve(ps[0]);
    proposals.set(l.id, ps);
    if (++n % 5000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
  }
  peak = Math.max(peak, process.memoryUsage().heapUsed);
  const totalMs = performance.now() - t1;
  const s = score(proposals, sc.truth);
  console.log(`\nthroughput: ${sc.lines.length.toLocaleString()} lines against ${sc.items.length.toLocaleString()} open installments, ${sc.parties.length.toLocaleString()} parties`);
  console.log(`  generate scenario  ${(genMs / 1000).toFixed(1)} s (not part of the engine)`);
  console.log(`  build indexes      ${(indexMs / 1000).toFixed(1)} s`);
  console.log(`  match + reserve    ${((totalMs - indexMs) / 1000).toFixed(1)} s  (${Math.round(sc.lines.length / (totalMs / 1000)).toLocaleString()} lines/s overall)`);
  console.log(`  engine total       ${(totalMs / 1000).toFixed(1)} s; peak heap ${(peak / 2 ** 20).toFixed(0)} MiB (incl. scenario)`);
  console.log(`  quality at scale   precision ${pct(s.precision)}%  recall ${pct(s.recall)}%  top-3 ${pct(s.top3)}%`);
}

console.log(`reconciliation bench — ${LINES} lines per scenario; engine auto threshold 0.90`);
const tuned = TUNED.map(runSeed);
table('tuned seeds (rules and constants were adjusted on these)', tuned);
const untuned = UNTUNED.map(runSeed);
table('untuned seeds (not looked at while tuning)', untuned);
kinds(untuned);
calibration(untuned);
if (process.env.SHOUFU_RECON_SCALE !== '0') throughput();
export type { LineKind };
