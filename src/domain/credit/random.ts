/**
 * A small seeded pseudo-random generator (mulberry32) for everything in the credit models that
 * needs chance: subsampling, splits, synthetic ledgers. Same seed, same sequence, on every machine —
 * Math.random is never used, so models and benchmarks are reproducible.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Whole number in [0, n). */
  int(n: number): number;
  /** Standard normal (Box–Muller). */
  normal(): number;
}

export function createRng(seed: number): Rng {
  let a = seed >>> 0 || 0x9e3779b9;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    normal: () => {
      const u = 1 - next();
      const v = next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
  };
}

/** Fisher–Yates shuffle of 0..n-1 with the given generator. */
export function shuffledIndices(n: number, rng: Rng): number[] {
  const idx = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = idx[i]!;
    idx[i] = idx[j]!;
    idx[j] = t;
  }
  return idx;
}

/**
 * Splits row indices into train and test, stratified by a binary label so both parts keep the
 * positive rate: each class is shuffled and cut at the same fraction.
 */
export function stratifiedSplit(labels: readonly number[], testFraction: number, seed: number): { train: number[]; test: number[] } {
  const rng = createRng(seed);
  const train: number[] = [];
  const test: number[] = [];
  for (const cls of [0, 1]) {
    const members = labels.flatMap((y, i) => (y === cls ? [i] : []));
    const order = shuffledIndices(members.length, rng);
    const nTest = Math.round(members.length * testFraction);
    for (const [k, o] of order.entries()) (k < nTest ? test : train).push(members[o]!);
  }
  train.sort((x, y) => x - y);
  test.sort((x, y) => x - y);
  return { train, test };
}
