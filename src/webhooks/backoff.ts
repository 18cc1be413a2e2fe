/**
 * When to try a failed delivery again: a fixed, roughly exponential schedule with ±20 % jitter
 * (so that many deliveries failing together do not retry together), then 'dead'.
 *
 *   after attempt 1 → 1 min, 2 → 5 min, 3 → 30 min, 4 → 2 h, 5 → 12 h, 6 and later → 24 h
 */
export const RETRY_SCHEDULE_SECONDS: readonly number[] = [60, 300, 1800, 7200, 43_200, 86_400];
export const DEFAULT_MAX_ATTEMPTS = 8;
export const JITTER = 0.2;

/**
 * Milliseconds to wait after failed attempt number `attempt` (1-based). `random` returns [0, 1);
 * 0.5 gives the schedule exactly.
 */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  const index = Math.min(Math.max(attempt, 1), RETRY_SCHEDULE_SECONDS.length) - 1;
  const base = RETRY_SCHEDULE_SECONDS[index]! * 1000;
  const factor = 1 - JITTER + 2 * JITTER * Math.min(Math.max(random(), 0), 1);
  return Math.round(base * factor);
}

/** What happens after a failed attempt: another try at a time, or give up. */
export function afterFailure(
  attempt: number,
  maxAttempts: number,
  now: Date,
  random: () => number = Math.random,
): { status: 'failed'; nextAttemptAt: Date } | { status: 'dead'; nextAttemptAt: null } {
  if (attempt >= maxAttempts) return { status: 'dead', nextAttemptAt: null };
  return { status: 'failed', nextAttemptAt: new Date(now.getTime() + retryDelayMs(attempt, random)) };
}
