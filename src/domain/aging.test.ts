import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AgingBucket, ageAmounts, bucketFor, CHINESE_BUCKETS } from './aging';
import { sum } from './money';

describe('账龄 buckets: days past due → bucket', () => {
  it.each([
    [-30, 'current', '未到期'],
    [0, 'current', '未到期'], // due today is not overdue
    [1, 'd1_30', '1–30天'],
    [30, 'd1_30', '1–30天'],
    [31, 'd31_60', '31–60天'],
    [60, 'd31_60', '31–60天'],
    [61, 'd61_90', '61–90天'],
    [90, 'd61_90', '61–90天'],
    [91, 'd91_180', '91–180天'],
    [180, 'd91_180', '91–180天'],
    [181, 'd181_365', '181–365天'],
    [365, 'd181_365', '181–365天'],
    [366, 'y1_2', '1–2年'],
    [730, 'y1_2', '1–2年'],
    [731, 'y2_3', '2–3年'],
    [1095, 'y2_3', '2–3年'],
    [1096, 'y3_plus', '3年以上'],
    [36500, 'y3_plus', '3年以上'],
  ])('%i days → %s (%s)', (days, key, labelZh) => {
    const b = bucketFor(days);
    expect(b.key).toBe(key);
    expect(b.labelZh).toBe(labelZh);
  });

  it('the buckets are contiguous: each starts the day after the previous one ends, the last is open-ended', () => {
    for (let i = 1; i < CHINESE_BUCKETS.length; i++) {
      expect(CHINESE_BUCKETS[i]!.fromDays).toBe((CHINESE_BUCKETS[i - 1]!.toDays ?? Number.NaN) + 1);
    }
    expect(CHINESE_BUCKETS.at(-1)!.toDays).toBeNull();
    expect(new Set(CHINESE_BUCKETS.map((b) => b.key)).size).toBe(CHINESE_BUCKETS.length);
  });

  it('property: every whole number of days falls into exactly one bucket, the one whose bounds hold it', () => {
    fc.assert(
      fc.property(fc.integer({ min: -5000, max: 50_000 }), (days) => {
        const holders = CHINESE_BUCKETS.filter(
          (b) => (b.fromDays === null ? true : days >= b.fromDays) && (b.toDays === null || days <= b.toDays),
        );
        expect(holders).toHaveLength(1);
        expect(bucketFor(days)).toBe(holders[0]);
      }),
    );
  });

  it('custom buckets with a gap refuse the days they do not cover', () => {
    const gappy: AgingBucket[] = [
      { key: 'current', labelZh: '未到期', labelEn: 'Not due', fromDays: null, toDays: 0 },
      { key: 'late', labelZh: '逾期', labelEn: 'Late', fromDays: 10, toDays: null },
    ];
    expect(bucketFor(10, gappy).key).toBe('late');
    expect(() => bucketFor(5, gappy)).toThrow(/no aging bucket/);
  });
});

describe('ageAmounts', () => {
  it('a small aging report', () => {
    const totals = ageAmounts([
      { daysOverdue: 0, openMinor: 100_00n },
      { daysOverdue: -10, openMinor: 50_00n },
      { daysOverdue: 30, openMinor: 200_00n },
      { daysOverdue: 31, openMinor: 300_00n },
      { daysOverdue: 400, openMinor: 1_000_00n },
    ]);
    expect(Object.fromEntries(totals)).toEqual({
      current: 150_00n,
      d1_30: 200_00n,
      d31_60: 300_00n,
      d61_90: 0n,
      d91_180: 0n,
      d181_365: 0n,
      y1_2: 1_000_00n,
      y2_3: 0n,
      y3_plus: 0n,
    });
  });

  it('property: bucket totals add up to the sum of the open amounts, every bucket is listed', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ daysOverdue: fc.integer({ min: -400, max: 4000 }), openMinor: fc.bigInt({ min: -(10n ** 12n), max: 10n ** 15n }) })),
        (items) => {
          const totals = ageAmounts(items);
          expect([...totals.keys()]).toEqual(CHINESE_BUCKETS.map((b) => b.key));
          expect(sum(totals.values())).toBe(sum(items.map((i) => i.openMinor)));
          for (const b of CHINESE_BUCKETS) {
            expect(totals.get(b.key)).toBe(sum(items.filter((i) => bucketFor(i.daysOverdue) === b).map((i) => i.openMinor)));
          }
        },
      ),
    );
  });
});
