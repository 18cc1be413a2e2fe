/**
 * Learners for the credit predictions: histogram-based gradient-boosted trees (the model) and
 * L2-regularised logistic regression (the transparent baseline). Both are pure, deterministic for
 * a given seed, and produce plain JSON that can be stored and loaded again.
 *
 * Why our own boosting: the only pure-JS/WASM gradient-boosting package on npm (`ml-xgboost`, last
 * released 2018, XGBoost 0.7 compiled with emscripten 1.37) loads its WASM from disk
 * asynchronously (I/O in the domain core), needs manual `free()`, and trained 20k×40 rows × 200
 * trees in 9 s; `lightgbm` needs a native cmake build. A histogram GBM is ~400 lines and is the
 * algorithm LightGBM and XGBoost's `hist` method use: features are cut into at most `maxBins`
 * quantile bins once, each tree node sums gradients and hessians per bin, and the best split
 * maximises the second-order gain G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ).
 *
 * Missing values (NaN) are allowed in features: they share the lowest bin, so they always go left.
 */
import { createRng } from './random';

// ---------------------------------------------------------------------------------------------
// Serialised models
// ---------------------------------------------------------------------------------------------

/** One regression tree as parallel arrays; a leaf has feature −1. Rows go left when x ≤ threshold or x is NaN. */
export interface TreeJson {
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  /** Leaf outputs, already multiplied by the learning rate; 0 on internal nodes. */
  value: number[];
}

export type GbmObjective = 'logistic' | 'squared' | 'quantile';

export interface GbmModel {
  kind: 'gbm';
  version: 1;
  objective: GbmObjective;
  /** The quantile predicted by a 'quantile' model (0.5 = median). */
  alpha: number;
  baseScore: number;
  nFeatures: number;
  featureNames: string[];
  trees: TreeJson[];
  /** Total split gain per feature: the model's own account of what it relied on. */
  featureGain: number[];
  /** Trees kept (the best validation iteration when early stopping ran). */
  bestIteration: number;
}

export interface LogisticModel {
  kind: 'logistic';
  version: 1;
  featureNames: string[];
  /** Standardisation fitted on the training rows; a NaN feature becomes the mean (0 after scaling). */
  means: number[];
  scales: number[];
  weights: number[];
  intercept: number;
}

export type CreditModel = GbmModel | LogisticModel;

// ---------------------------------------------------------------------------------------------
// Gradient-boosted trees: training
// ---------------------------------------------------------------------------------------------

export interface GbmParams {
  objective: GbmObjective;
  /** For 'quantile': which quantile (0 < alpha < 1). */
  alpha: number;
  nTrees: number;
  learningRate: number;
  maxDepth: number;
  /** Minimum rows in a leaf. */
  minSamplesLeaf: number;
  /** Minimum hessian sum in a leaf (XGBoost's min_child_weight). */
  minChildWeight: number;
  /** L2 penalty on leaf values. */
  lambda: number;
  /** Minimum gain to split. */
  minGain: number;
  /** Share of rows drawn (without replacement) for each tree. */
  subsample: number;
  /** Share of features drawn for each tree. */
  colsample: number;
  maxBins: number;
  /** Share of the training rows held out to choose the number of trees; 0 turns early stopping off. */
  validationFraction: number;
  earlyStoppingRounds: number;
  seed: number;
  featureNames?: string[];
}

export const DEFAULT_GBM_PARAMS: GbmParams = {
  objective: 'logistic',
  alpha: 0.5,
  nTrees: 400,
  learningRate: 0.05,
  maxDepth: 4,
  minSamplesLeaf: 20,
  minChildWeight: 1e-3,
  lambda: 1,
  minGain: 0,
  subsample: 0.8,
  colsample: 0.8,
  maxBins: 64,
  validationFraction: 0.15,
  earlyStoppingRounds: 40,
  seed: 1,
};

/** Cut points per feature: a value x falls in bin 1 + (number of edges < x); NaN is bin 0. */
function fitEdges(column: Float64Array, maxBins: number): number[] {
  const values: number[] = [];
  for (const v of column) if (!Number.isNaN(v)) values.push(v);
  values.sort((a, b) => a - b);
  const uniques: number[] = [];
  for (const v of values) if (uniques.length === 0 || uniques[uniques.length - 1] !== v) uniques.push(v);
  const slots = maxBins - 1; // bin 0 is NaN
  if (uniques.length <= slots) {
    // Every distinct value its own bin; cut half-way so unseen values fall to the nearer side.
    return uniques.slice(0, -1).map((u, i) => (u + uniques[i + 1]!) / 2);
  }
  const edges: number[] = [];
  for (let k = 1; k < slots; k++) {
    const q = values[Math.floor((k * values.length) / slots)]!;
    if (edges.length === 0 || q > edges[edges.length - 1]!) edges.push(q);
  }
  // An edge at the maximum would leave an empty last bin.
  while (edges.length > 0 && edges[edges.length - 1]! >= values[values.length - 1]!) edges.pop();
  return edges;
}

function binOf(edges: readonly number[], x: number): number {
  if (Number.isNaN(x)) return 0;
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (edges[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo + 1;
}

interface Binned {
  n: number;
  nFeatures: number;
  /** Column-major: bins[f * n + i]. */
  bins: Uint8Array;
  nBins: number[];
}

function binRows(rows: readonly (readonly number[])[], edges: readonly number[][]): Binned {
  const n = rows.length;
  const nFeatures = edges.length;
  const bins = new Uint8Array(n * nFeatures);
  for (let f = 0; f < nFeatures; f++) {
    const e = edges[f]!;
    for (let i = 0; i < n; i++) bins[f * n + i] = binOf(e, rows[i]![f]!);
  }
  return { n, nFeatures, bins, nBins: edges.map((e) => e.length + 2) };
}

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

function quantileOf(values: number[], alpha: number): number {
  if (values.length === 0) return 0;
  values.sort((a, b) => a - b);
  const pos = alpha * (values.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(values.length - 1, lo + 1);
  return values[lo]! + (values[hi]! - values[lo]!) * (pos - lo);
}

function lossOf(objective: GbmObjective, alpha: number, y: number, f: number): number {
  if (objective === 'logistic') {
    const p = Math.min(1 - 1e-15, Math.max(1e-15, sigmoid(f)));
    return y ? -Math.log(p) : -Math.log(1 - p);
  }
  if (objective === 'squared') return (f - y) * (f - y);
  const r = y - f;
  return r >= 0 ? alpha * r : (alpha - 1) * r;
}

interface BuildNode {
  rows: Int32Array;
  depth: number;
  id: number;
  /** Histogram [G, H, count] per (feature, bin): hist[(f * maxNb + b) * 3 + k]. */
  hist: Float64Array;
  g: number;
  h: number;
}

/**
 * Trains gradient-boosted trees. `labels` are 0/1 for 'logistic' and real numbers otherwise.
 * Throws on malformed input (different row lengths, non-finite labels): a bug in the caller.
 */
export function trainGbm(rows: readonly (readonly number[])[], labels: readonly number[], params: Partial<GbmParams> = {}): GbmModel {
  const p: GbmParams = { ...DEFAULT_GBM_PARAMS, ...params };
  if (rows.length !== labels.length) throw new RangeError('rows and labels differ in length');
  if (rows.length === 0) throw new RangeError('no training rows');
  const nFeatures = rows[0]!.length;
  if (rows.some((r) => r.length !== nFeatures)) throw new RangeError('rows differ in length');
  if (labels.some((y) => !Number.isFinite(y))) throw new RangeError('labels must be finite');
  if (p.maxBins < 4 || p.maxBins > 256) throw new RangeError('maxBins must be in 4..256');
  const rng = createRng(p.seed);

  // Hold out a validation part for early stopping.
  let trainIdx: number[] = [];
  let validIdx: number[] = [];
  if (p.validationFraction > 0 && p.earlyStoppingRounds > 0) {
    for (let i = 0; i < rows.length; i++) (rng.next() < p.validationFraction ? validIdx : trainIdx).push(i);
    if (validIdx.length === 0 || trainIdx.length === 0) {
      trainIdx = rows.map((_, i) => i);
      validIdx = [];
    }
  } else trainIdx = rows.map((_, i) => i);

  const trRows = trainIdx.map((i) => rows[i]!);
  const trY = Float64Array.from(trainIdx, (i) => labels[i]!);
  const vaRows = validIdx.map((i) => rows[i]!);
  const vaY = Float64Array.from(validIdx, (i) => labels[i]!);
  const n = trRows.length;

  const edges: number[][] = [];
  for (let f = 0; f < nFeatures; f++) edges.push(fitEdges(Float64Array.from(trRows, (r) => r[f]!), p.maxBins));
  const tr = binRows(trRows, edges);
  const va = binRows(vaRows, edges);
  const maxNb = Math.max(...tr.nBins);

  let baseScore: number;
  if (p.objective === 'logistic') {
    const mean = trY.reduce((a, b) => a + b, 0) / n;
    const clipped = Math.min(1 - 1e-6, Math.max(1e-6, mean));
    baseScore = Math.log(clipped / (1 - clipped));
  } else if (p.objective === 'squared') baseScore = trY.reduce((a, b) => a + b, 0) / n;
  else baseScore = quantileOf(Array.from(trY), p.alpha);

  const F = new Float64Array(n).fill(baseScore);
  const Fv = new Float64Array(va.n).fill(baseScore);
  const grad = new Float64Array(n);
  const hess = new Float64Array(n);
  const trees: TreeJson[] = [];
  const splitBins: number[][] = [];
  const featureGain = new Array<number>(nFeatures).fill(0);
  const gainPerTree: Array<Array<[number, number]>> = [];
  let bestLoss = Number.POSITIVE_INFINITY;
  let bestIter = 0;

  for (let iter = 0; iter < p.nTrees; iter++) {
    for (let i = 0; i < n; i++) {
      const y = trY[i]!;
      const f = F[i]!;
      if (p.objective === 'logistic') {
        const pr = sigmoid(f);
        grad[i] = pr - y;
        hess[i] = Math.max(pr * (1 - pr), 1e-6);
      } else if (p.objective === 'squared') {
        grad[i] = f - y;
        hess[i] = 1;
      } else {
        grad[i] = y < f ? 1 - p.alpha : -p.alpha;
        hess[i] = 1;
      }
    }
    // Row and feature sampling for this tree.
    const sampled: number[] = [];
    for (let i = 0; i < n; i++) if (p.subsample >= 1 || rng.next() < p.subsample) sampled.push(i);
    if (sampled.length < 2 * p.minSamplesLeaf) for (let i = sampled.length; i < n; i++) sampled.push(i);
    const features: number[] = [];
    for (let f = 0; f < nFeatures; f++) if (p.colsample >= 1 || rng.next() < p.colsample) features.push(f);
    if (features.length === 0) features.push(rng.int(nFeatures));

    const { tree, bins: sb, gains } = buildTree(tr, edges, Int32Array.from(sampled), grad, hess, trY, F, features, maxNb, p);
    trees.push(tree);
    splitBins.push(sb);
    gainPerTree.push(gains);

    // Update raw scores of every training and validation row through the binned tree.
    for (let i = 0; i < n; i++) F[i]! += leafValueBinned(tree, sb, tr, i);
    if (va.n > 0) {
      let loss = 0;
      for (let i = 0; i < va.n; i++) {
        Fv[i]! += leafValueBinned(tree, sb, va, i);
        loss += lossOf(p.objective, p.alpha, vaY[i]!, Fv[i]!);
      }
      loss /= va.n;
      if (loss < bestLoss - 1e-12) {
        bestLoss = loss;
        bestIter = iter + 1;
      } else if (iter + 1 - bestIter >= p.earlyStoppingRounds) break;
    } else bestIter = iter + 1;
  }

  const kept = trees.slice(0, bestIter);
  for (const gains of gainPerTree.slice(0, bestIter)) for (const [f, g] of gains) featureGain[f]! += g;
  return {
    kind: 'gbm',
    version: 1,
    objective: p.objective,
    alpha: p.alpha,
    baseScore,
    nFeatures,
    featureNames: p.featureNames ?? Array.from({ length: nFeatures }, (_, i) => `f${i}`),
    trees: kept,
    featureGain,
    bestIteration: bestIter,
  };
}

function leafValueBinned(tree: TreeJson, splitBin: readonly number[], data: Binned, i: number): number {
  let node = 0;
  while (tree.feature[node]! >= 0) {
    const b = data.bins[tree.feature[node]! * data.n + i]!;
    node = b <= splitBin[node]! ? tree.left[node]! : tree.right[node]!;
  }
  return tree.value[node]!;
}

function buildTree(
  data: Binned,
  edges: readonly number[][],
  rows: Int32Array,
  grad: Float64Array,
  hess: Float64Array,
  y: Float64Array,
  F: Float64Array,
  features: readonly number[],
  maxNb: number,
  p: GbmParams,
): { tree: TreeJson; bins: number[]; gains: Array<[number, number]> } {
  const tree: TreeJson = { feature: [], threshold: [], left: [], right: [], value: [] };
  const splitBin: number[] = [];
  const gains: Array<[number, number]> = [];
  const newNode = (): number => {
    tree.feature.push(-1);
    tree.threshold.push(0);
    tree.left.push(-1);
    tree.right.push(-1);
    tree.value.push(0);
    splitBin.push(-1);
    return tree.feature.length - 1;
  };
  const histSize = data.nFeatures * maxNb * 3;
  const histogram = (r: Int32Array): Float64Array => {
    const hist = new Float64Array(histSize);
    for (const f of features) {
      const col = f * data.n;
      const base = f * maxNb;
      for (let k = 0; k < r.length; k++) {
        const i = r[k]!;
        const o = (base + data.bins[col + i]!) * 3;
        hist[o]! += grad[i]!;
        hist[o + 1]! += hess[i]!;
        hist[o + 2]! += 1;
      }
    }
    return hist;
  };
  const sums = (r: Int32Array): [number, number] => {
    let g = 0;
    let h = 0;
    for (let k = 0; k < r.length; k++) {
      g += grad[r[k]!]!;
      h += hess[r[k]!]!;
    }
    return [g, h];
  };
  const setLeaf = (node: BuildNode): void => {
    let v: number;
    if (p.objective === 'quantile') {
      // Newton steps do not fit a pinball loss; the leaf takes the residuals' quantile (LightGBM's refit).
      const res: number[] = [];
      for (let k = 0; k < node.rows.length; k++) res.push(y[node.rows[k]!]! - F[node.rows[k]!]!);
      v = quantileOf(res, p.alpha);
    } else v = -node.g / (node.h + p.lambda);
    tree.value[node.id] = v * p.learningRate;
  };

  const [g0, h0] = sums(rows);
  const queue: BuildNode[] = [{ rows, depth: 0, id: newNode(), hist: histogram(rows), g: g0, h: h0 }];
  while (queue.length > 0) {
    const node = queue.shift()!;
    if (node.depth >= p.maxDepth || node.rows.length < 2 * p.minSamplesLeaf) {
      setLeaf(node);
      continue;
    }
    const parentScore = (node.g * node.g) / (node.h + p.lambda);
    let best = { gain: p.minGain, f: -1, b: -1 };
    for (const f of features) {
      const nb = data.nBins[f]!;
      let gl = 0;
      let hl = 0;
      let cl = 0;
      // Split after bin b: left = bins 0..b. Bin 0 (NaN) is only accumulated, never split off
      // alone, so missing values always go left together with the lowest values.
      for (let b = 0; b < nb - 1; b++) {
        const o = (f * maxNb + b) * 3;
        gl += node.hist[o]!;
        hl += node.hist[o + 1]!;
        cl += node.hist[o + 2]!;
        const cr = node.rows.length - cl;
        if (b === 0 || cl < p.minSamplesLeaf) continue;
        if (cr < p.minSamplesLeaf) break;
        const hr = node.h - hl;
        if (hl < p.minChildWeight || hr < p.minChildWeight) continue;
        const gr = node.g - gl;
        const gain = (gl * gl) / (hl + p.lambda) + (gr * gr) / (hr + p.lambda) - parentScore;
        if (gain > best.gain) best = { gain, f, b };
      }
    }
    if (best.f < 0 || best.b < 1) {
      setLeaf(node);
      continue;
    }
    const col = best.f * data.n;
    const leftRows: number[] = [];
    const rightRows: number[] = [];
    for (let k = 0; k < node.rows.length; k++) {
      const i = node.rows[k]!;
      (data.bins[col + i]! <= best.b ? leftRows : rightRows).push(i);
    }
    const l = Int32Array.from(leftRows);
    const r = Int32Array.from(rightRows);
    tree.feature[node.id] = best.f;
    tree.threshold[node.id] = edges[best.f]![best.b - 1]!;
    splitBin[node.id] = best.b;
    gains.push([best.f, best.gain]);
    const lid = newNode();
    const rid = newNode();
    tree.left[node.id] = lid;
    tree.right[node.id] = rid;
    // Histogram subtraction: build the smaller child, derive the larger from the parent.
    const smallIsLeft = l.length <= r.length;
    const smallHist = histogram(smallIsLeft ? l : r);
    const bigHist = new Float64Array(histSize);
    for (let k = 0; k < histSize; k++) bigHist[k] = node.hist[k]! - smallHist[k]!;
    const [gl, hl] = sums(l);
    queue.push({ rows: l, depth: node.depth + 1, id: lid, hist: smallIsLeft ? smallHist : bigHist, g: gl, h: hl });
    queue.push({ rows: r, depth: node.depth + 1, id: rid, hist: smallIsLeft ? bigHist : smallHist, g: node.g - gl, h: node.h - hl });
  }
  return { tree, bins: splitBin, gains };
}


// ---------------------------------------------------------------------------------------------
// Gradient-boosted trees: prediction
// ---------------------------------------------------------------------------------------------

/** The raw additive score (log-odds for 'logistic'). */
export function predictGbmRaw(model: GbmModel, row: readonly number[]): number {
  let s = model.baseScore;
  for (const t of model.trees) {
    let node = 0;
    while (t.feature[node]! >= 0) {
      const x = row[t.feature[node]!]!;
      node = Number.isNaN(x) || x <= t.threshold[node]! ? t.left[node]! : t.right[node]!;
    }
    s += t.value[node]!;
  }
  return s;
}

/** Probability for 'logistic' models, the predicted value otherwise. */
export function predictGbm(model: GbmModel, row: readonly number[]): number {
  const raw = predictGbmRaw(model, row);
  return model.objective === 'logistic' ? sigmoid(raw) : raw;
}

// ---------------------------------------------------------------------------------------------
// Logistic regression (transparent baseline)
// ---------------------------------------------------------------------------------------------

export interface LogisticParams {
  /** L2 penalty on the standardised weights (not the intercept). */
  l2: number;
  maxIterations: number;
  tolerance: number;
  featureNames?: string[];
}

export const DEFAULT_LOGISTIC_PARAMS: LogisticParams = { l2: 1, maxIterations: 50, tolerance: 1e-8 };

function standardise(x: number, mean: number, scale: number): number {
  if (Number.isNaN(x)) return 0;
  const z = (x - mean) / scale;
  // Heavy tails (amounts) would otherwise dominate a linear model; ±8 σ keeps Newton steps sane.
  return Math.max(-8, Math.min(8, z));
}

/** Fits by Newton–Raphson (IRLS) on standardised features with an L2 penalty. Deterministic. */
export function trainLogistic(rows: readonly (readonly number[])[], labels: readonly number[], params: Partial<LogisticParams> = {}): LogisticModel {
  const p = { ...DEFAULT_LOGISTIC_PARAMS, ...params };
  if (rows.length !== labels.length || rows.length === 0) throw new RangeError('rows and labels must be non-empty and equal in length');
  const d = rows[0]!.length;
  const n = rows.length;
  const means: number[] = [];
  const scales: number[] = [];
  for (let f = 0; f < d; f++) {
    let s = 0;
    let c = 0;
    for (const r of rows) if (!Number.isNaN(r[f]!)) {
      s += r[f]!;
      c++;
    }
    const m = c ? s / c : 0;
    let v = 0;
    for (const r of rows) if (!Number.isNaN(r[f]!)) v += (r[f]! - m) ** 2;
    means.push(m);
    scales.push(c > 1 && v > 0 ? Math.sqrt(v / (c - 1)) : 1);
  }
  const k = d + 1; // weights then intercept
  const X = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < d; f++) X[i * k + f] = standardise(rows[i]![f]!, means[f]!, scales[f]!);
    X[i * k + d] = 1;
  }
  const w = new Float64Array(k);
  for (let it = 0; it < p.maxIterations; it++) {
    const g = new Float64Array(k);
    const H = new Float64Array(k * k);
    for (let i = 0; i < n; i++) {
      let z = 0;
      for (let a = 0; a < k; a++) z += X[i * k + a]! * w[a]!;
      const pr = sigmoid(z);
      const r = pr - labels[i]!;
      const wt = Math.max(pr * (1 - pr), 1e-10);
      for (let a = 0; a < k; a++) {
        const xa = X[i * k + a]!;
        g[a]! += r * xa;
        const wxa = wt * xa;
        for (let b = 0; b <= a; b++) H[a * k + b]! += wxa * X[i * k + b]!;
      }
    }
    for (let a = 0; a < k; a++) for (let b = 0; b < a; b++) H[b * k + a] = H[a * k + b]!;
    for (let a = 0; a < d; a++) {
      g[a]! += p.l2 * w[a]!;
      H[a * k + a]! += p.l2;
    }
    H[d * k + d]! += 1e-9;
    const step = solveSymmetric(H, g, k);
    let maxStep = 0;
    for (let a = 0; a < k; a++) {
      w[a]! -= step[a]!;
      maxStep = Math.max(maxStep, Math.abs(step[a]!));
    }
    if (maxStep < p.tolerance) break;
  }
  return {
    kind: 'logistic',
    version: 1,
    featureNames: p.featureNames ?? Array.from({ length: d }, (_, i) => `f${i}`),
    means,
    scales,
    weights: Array.from(w.subarray(0, d)),
    intercept: w[d]!,
  };
}

/** Solves A x = b for a symmetric positive-definite A (row-major k×k) by Gaussian elimination with pivoting. */
function solveSymmetric(A: Float64Array, b: Float64Array, k: number): Float64Array {
  const M = Float64Array.from(A);
  const x = Float64Array.from(b);
  for (let c = 0; c < k; c++) {
    let piv = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(M[r * k + c]!) > Math.abs(M[piv * k + c]!)) piv = r;
    if (piv !== c) {
      for (let j = 0; j < k; j++) {
        const t = M[c * k + j]!;
        M[c * k + j] = M[piv * k + j]!;
        M[piv * k + j] = t;
      }
      const t = x[c]!;
      x[c] = x[piv]!;
      x[piv] = t;
    }
    const d = M[c * k + c]!;
    if (Math.abs(d) < 1e-14) continue;
    for (let r = c + 1; r < k; r++) {
      const fct = M[r * k + c]! / d;
      if (fct === 0) continue;
      for (let j = c; j < k; j++) M[r * k + j]! -= fct * M[c * k + j]!;
      x[r]! -= fct * x[c]!;
    }
  }
  for (let c = k - 1; c >= 0; c--) {
    let s = x[c]!;
    for (let j = c + 1; j < k; j++) s -= M[c * k + j]! * x[j]!;
    const d = M[c * k + c]!;
    x[c] = Math.abs(d) < 1e-14 ? 0 : s / d;
  }
  return x;
}

export function predictLogistic(model: LogisticModel, row: readonly number[]): number {
  let z = model.intercept;
  for (let f = 0; f < model.weights.length; f++) z += model.weights[f]! * standardise(row[f]!, model.means[f]!, model.scales[f]!);
  return sigmoid(z);
}

/** Probability (or value, for a regression GBM) from any stored model. */
export function predict(model: CreditModel, row: readonly number[]): number {
  return model.kind === 'gbm' ? predictGbm(model, row) : predictLogistic(model, row);
}

/** Round-trips a model through JSON text, checking its kind and version. */
export function modelFromJson(text: string): CreditModel {
  const m = JSON.parse(text) as CreditModel;
  if ((m.kind !== 'gbm' && m.kind !== 'logistic') || m.version !== 1) throw new Error('not a stored credit model (kind gbm|logistic, version 1)');
  return m;
}
