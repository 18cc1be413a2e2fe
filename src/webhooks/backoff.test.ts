import { describe, expect, it } from 'vitest';
import { afterFailure, DEFAULT_MAX_ATTEMPTS, RETRY_SCHEDULE_SECONDS, retryDelayMs } from './backoff';

describe('retry backoff', () => {
  it('follows 1 min, 5 min, 30 min, 2 h, 12 h, then 24 h at the middle of the jitter', () => {
    const mid = () => 0.5;
    expect([1, 2, 3, 4, 5, 6, 7, 12].map((a) => retryDelayMs(a, mid) / 1000)).toEqual([60, 300, 1800, 7200, 43200, 86400, 86400, 86400]);
    expect(RETRY_SCHEDULE_SECONDS[0]).toBe(60);
  });

  it('jitters by ±20 % and stays within the bounds', () => {
    expect(retryDelayMs(1, () => 0)).toBe(48_000);
    expect(retryDelayMs(1, () => 0.999999)).toBeLessThanOrEqual(72_000);
    for (let i = 0; i < 200; i++) {
      const d = retryDelayMs(3);
      expect(d).toBeGreaterThanOrEqual(1440_000);
      expect(d).toBeLessThanOrEqual(2160_000);
    }
    // Out-of-range randomness is clamped rather than producing negative or huge delays.
    expect(retryDelayMs(1, () => -5)).toBe(48_000);
    expect(retryDelayMs(1, () => 7)).toBe(72_000);
  });

  it('schedules the next attempt until the last one, then gives up', () => {
    const now = new Date('2026-03-01T00:00:00Z');
    expect(afterFailure(1, 3, now, () => 0.5)).toEqual({ status: 'failed', nextAttemptAt: new Date('2026-03-01T00:01:00Z') });
    expect(afterFailure(2, 3, now, () => 0.5)).toEqual({ status: 'failed', nextAttemptAt: new Date('2026-03-01T00:05:00Z') });
    expect(afterFailure(3, 3, now)).toEqual({ status: 'dead', nextAttemptAt: null });
    // With the default 8 attempts, a receiver gets about 2.6 days (62.6 h) to come back.
    const total = Array.from({ length: DEFAULT_MAX_ATTEMPTS - 1 }, (_, i) => retryDelayMs(i + 1, () => 0.5)).reduce((a, b) => a + b, 0);
    expect(total / 3_600_000).toBeCloseTo(62.6, 1);
  });
});
