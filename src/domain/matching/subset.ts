/**
 * Bounded subset-sum: which of a payer's open items add up to the amount received?
 *
 * Candidates come in preference order (oldest due first); the depth-first search tries including
 * each item before skipping it, so the first solution found is the one made of the oldest items.
 * Hard limits: at most `maxItems` items per subset and at most `maxNodes` search nodes (one node
 * per recursive step); when the node budget runs out the result says `truncated` and holds what
 * was found so far. Solutions are minimal with respect to the path (a found subset is not
 * extended). All amounts must be positive.
 */

export interface SubsetOptions {
  maxItems: number;
  maxNodes: number;
  /** Stop after this many solutions (2 is enough to know a match is ambiguous). */
  maxSolutions: number;
}

export interface SubsetResult {
  /** Each solution as ascending indices into the input array. */
  solutions: number[][];
  nodes: number;
  truncated: boolean;
}

/** Subsets whose sum lies in [lo, hi]. */
export function subsetSum(amounts: readonly bigint[], lo: bigint, hi: bigint, opts: SubsetOptions): SubsetResult {
  const n = amounts.length;
  const suffix: bigint[] = new Array(n + 1).fill(0n);
  for (let i = n - 1; i >= 0; i--) suffix[i] = suffix[i + 1]! + amounts[i]!;
  const result: SubsetResult = { solutions: [], nodes: 0, truncated: false };
  if (lo > hi || hi <= 0n || opts.maxItems <= 0) return result;
  const chosen: number[] = [];
  const dfs = (start: number, total: bigint): boolean => {
    for (let i = start; i < n; i++) {
      if (result.nodes >= opts.maxNodes) {
        result.truncated = true;
        return false;
      }
      // Even taking every remaining item cannot reach lo.
      if (total + suffix[i]! < lo) return true;
      result.nodes++;
      const next = total + amounts[i]!;
      if (next > hi) continue;
      chosen.push(i);
      if (next >= lo) {
        result.solutions.push([...chosen]);
        if (result.solutions.length >= opts.maxSolutions) return false;
      } else if (chosen.length < opts.maxItems) {
        if (!dfs(i + 1, next)) return false;
      }
      chosen.pop();
    }
    return true;
  };
  dfs(0, 0n);
  return result;
}

/** Length k ≥ 1 of the shortest prefix of `amounts` summing exactly to `target`, or null. */
export function prefixMatch(amounts: readonly bigint[], target: bigint): number | null {
  let s = 0n;
  for (let i = 0; i < amounts.length; i++) {
    s += amounts[i]!;
    if (s === target) return i + 1;
    if (s > target) return null;
  }
  return null;
}
