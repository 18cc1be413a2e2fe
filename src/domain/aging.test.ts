import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AgingBasis,
  type AgingBucket,
  type AgingItem,
  type AgingRow,
  ageAmounts,
  agingReport,
  bucketFor,
  bucketsFromBounds,
  CHINESE_BOUNDS,
  CHINESE_BUCKETS,
  CREDITS_KEY,
  cellItems,
  type GroupValue,
  parseBucketSpec,
  resolveBucketSet,
  SHORT_BOUNDS,
  signedOpenMinor,
  TOTAL_KEY,
} from './aging';
import { addDays } from './dates';
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

// ---------------------------------------------------------------------------------------------
// Bucket sets
// ---------------------------------------------------------------------------------------------

const keysOf = (buckets: readonly AgingBucket[]) => buckets.map((b) => b.key);

describe('bucket sets', () => {
  it('the Chinese set built from its bounds is exactly CHINESE_BUCKETS (the dashboard keeps its keys and labels)', () => {
    expect(bucketsFromBounds(CHINESE_BOUNDS, 'due')).toEqual(CHINESE_BUCKETS);
  });

  it('the short set: 未到期 first, then 1–30 / 31–60 / 61–90 / 90天以上', () => {
    const short = bucketsFromBounds(SHORT_BOUNDS, 'due');
    expect(short.map((b) => b.labelZh)).toEqual(['未到期', '1–30天', '31–60天', '61–90天', '90天以上']);
    expect(short.map((b) => b.labelEn)).toEqual(['Not due', '1–30 days', '31–60 days', '61–90 days', 'Over 90 days']);
  });

  it('on the invoice basis there is no 未到期: the first bucket starts at day 0', () => {
    const inv = bucketsFromBounds(CHINESE_BOUNDS, 'invoice');
    expect(inv.map((b) => b.labelZh)).toEqual(['0–30天', '31–60天', '61–90天', '91–180天', '181–365天', '1–2年', '2–3年', '3年以上']);
    expect(bucketsFromBounds([365, 730], 'invoice').map((b) => b.labelZh)).toEqual(['1年以内', '1–2年', '2年以上']);
  });

  // Scenario table: basis, set, age in days → bucket key.
  it.each([
    ['due', 'short', -3, 'current'],
    ['due', 'short', 0, 'current'],
    ['due', 'short', 1, 'd1_30'],
    ['due', 'short', 30, 'd1_30'],
    ['due', 'short', 31, 'd31_60'],
    ['due', 'short', 90, 'd61_90'],
    ['due', 'short', 91, 'd91_plus'],
    ['due', 'short', 365, 'd91_plus'],
    ['due', 'chinese', 365, 'd181_365'],
    ['due', 'chinese', 366, 'y1_2'],
    ['invoice', 'chinese', 0, 'd0_30'],
    ['invoice', 'chinese', 1, 'd0_30'],
    ['invoice', 'chinese', 30, 'd0_30'],
    ['invoice', 'chinese', 31, 'd31_60'],
    ['invoice', 'chinese', 365, 'd181_365'],
    ['invoice', 'chinese', 366, 'y1_2'],
    ['invoice', 'chinese', 1096, 'y3_plus'],
    ['due', '30,60,90,180,365', 365, 'd181_365'],
    ['due', '30,60,90,180,365', 366, 'y1_plus'],
    ['invoice', '45', 45, 'd0_45'],
    ['invoice', '45', 46, 'd46_plus'],
  ] as const)('%s basis, %s: %i days → %s', (basis, set, days, key) => {
    const r = resolveBucketSet(set, basis);
    if (!r.ok) throw new Error(r.error.message);
    expect(bucketFor(days, r.buckets).key).toBe(key);
  });

  it('property: any valid set on either basis covers every whole day exactly once, contiguously, with unique keys', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 12 }).map((a) => a.sort((x, y) => x - y)),
        fc.constantFrom<AgingBasis>('due', 'invoice'),
        fc.integer({ min: -1000, max: 20_000 }),
        (bounds, basis, days) => {
          const buckets = bucketsFromBounds(bounds, basis);
          expect(buckets).toHaveLength(basis === 'due' ? bounds.length + 2 : bounds.length + 1);
          expect(new Set(keysOf(buckets)).size).toBe(buckets.length);
          for (let i = 1; i < buckets.length; i++) expect(buckets[i]!.fromDays).toBe(buckets[i - 1]!.toDays! + 1);
          const holders = buckets.filter((b) => (b.fromDays === null || days >= b.fromDays) && (b.toDays === null || days <= b.toDays));
          expect(holders).toHaveLength(1);
          expect(bucketFor(days, buckets)).toBe(holders[0]);
          // The SPEC text of the bounds resolves to the same set.
          const again = resolveBucketSet(bounds.join(','), basis);
          expect(again.ok && again.buckets).toEqual(buckets);
        },
      ),
    );
  });
});

describe('parseBucketSpec: a custom SPEC of upper bounds in days', () => {
  it.each([
    ['30,60,90,180,365', [30, 60, 90, 180, 365]],
    [' 30 , 60 ', [30, 60]],
    ['30，60，90', [30, 60, 90]], // full-width commas, as typed with a Chinese input method
    ['7', [7]],
  ])('"%s" → %j', (spec, bounds) => {
    expect(parseBucketSpec(spec)).toEqual({ ok: true, bounds });
  });

  it.each([
    ['', 'empty', /empty/],
    ['   ', 'empty', /empty/],
    ['30,abc', 'not_a_whole_number', /bound 2 is "abc", not a whole number of days/],
    ['30,,60', 'not_a_whole_number', /bound 2 is an empty entry/],
    ['30.5', 'not_a_whole_number', /"30\.5"/],
    ['-5,30', 'not_a_whole_number', /bound 1 is "-5"/],
    ['0,30', 'not_positive', /bound 1 is 0; bounds start at 1 day/],
    ['60,30', 'not_increasing', /bound 2 \(30\) is not greater than the bound before it \(60\)/],
    ['30,30', 'not_increasing', /bound 2 \(30\)/],
    ['99999', 'too_large', /36500/],
    [Array.from({ length: 21 }, (_, i) => i + 1).join(','), 'too_many', /at most 20 bounds, got 21/],
  ])('"%s" is refused: %s', (spec, code, message) => {
    const r = parseBucketSpec(spec);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe(code);
    expect(r.error.message).toMatch(message);
  });

  it('named sets are recognised whatever their case; unknown names are parsed as a SPEC and refused', () => {
    expect(resolveBucketSet('Chinese', 'due')).toEqual({ ok: true, buckets: [...CHINESE_BUCKETS] });
    expect(resolveBucketSet('short', 'due').ok).toBe(true);
    const r = resolveBucketSet('weekly', 'due');
    expect(!r.ok && r.error.code).toBe('not_a_whole_number');
  });
});

// ---------------------------------------------------------------------------------------------
// The aging report
// ---------------------------------------------------------------------------------------------

const g = (key: string, label: string | null = key): GroupValue => ({ key, label });

function item(p: Partial<AgingItem> & { openMinor: bigint; groups?: Record<string, GroupValue> }): AgingItem {
  return { kind: 'invoice', issueDate: '2026-01-01', dueDate: '2026-01-31', currency: 'CNY', groups: {}, ...p };
}

const AS_OF = '2026-06-30';

describe('agingReport', () => {
  it('a small report by customer: buckets, unapplied credit notes in their own column, totals', () => {
    const a = { customer: g('C001', '华信贸易') };
    const b = { customer: g('C002', '东方电子') };
    const report = agingReport(
      [
        item({ groups: a, dueDate: '2026-07-15', openMinor: 500_00n }), // not due
        item({ groups: a, dueDate: '2026-06-30', openMinor: 100_00n }), // due today: not due
        item({ groups: a, dueDate: '2026-06-29', openMinor: 200_00n }), // 1 day
        item({ groups: a, dueDate: '2026-03-31', openMinor: 300_00n }), // 91 days
        item({ groups: a, kind: 'credit_note', issueDate: '2026-06-01', dueDate: '2026-06-01', openMinor: 50_00n }),
        item({ groups: b, dueDate: '2025-06-30', openMinor: 1_000_00n }), // 365 days
        item({ groups: b, currency: 'USD', dueDate: '2026-05-31', openMinor: 10_00n }), // 30 days, USD
      ],
      { buckets: bucketsFromBounds(SHORT_BOUNDS, 'due'), basis: 'due', asOf: AS_OF, dims: ['customer'] },
    );
    const view = (r: AgingRow) => [r.currency, ...r.groups.map((x) => x.key), ...r.amounts, r.credits, r.total, r.count];
    // currency, customer, 未到期, 1–30, 31–60, 61–90, 90+, credits, total, count
    expect(report.rows.map(view)).toEqual([
      ['CNY', 'C001', 600_00n, 200_00n, 0n, 0n, 300_00n, -50_00n, 1_050_00n, 5],
      ['CNY', 'C002', 0n, 0n, 0n, 0n, 1_000_00n, 0n, 1_000_00n, 1],
      ['USD', 'C002', 0n, 10_00n, 0n, 0n, 0n, 0n, 10_00n, 1],
    ]);
    expect(report.totals.map(view)).toEqual([
      ['CNY', 600_00n, 200_00n, 0n, 0n, 1_300_00n, -50_00n, 2_050_00n, 6],
      ['USD', 0n, 10_00n, 0n, 0n, 0n, 0n, 10_00n, 1],
    ]);
  });

  it('the invoice basis ages from the issue date', () => {
    const report = agingReport([item({ issueDate: '2026-05-31', dueDate: '2026-09-30', openMinor: 7n })], {
      buckets: bucketsFromBounds(SHORT_BOUNDS, 'invoice'),
      basis: 'invoice',
      asOf: AS_OF,
      dims: [],
    });
    expect(report.totals[0]!.amounts).toEqual([7n, 0n, 0n, 0n]); // 30 days since issue: 0–30
  });

  it('refuses more than two dimensions, a repeated one, and an item without a value for a dimension', () => {
    const opts = { buckets: CHINESE_BUCKETS, basis: 'due' as const, asOf: AS_OF };
    expect(() => agingReport([], { ...opts, dims: ['a', 'b', 'c'] })).toThrow(/at most 2/);
    expect(() => agingReport([], { ...opts, dims: ['a', 'a'] })).toThrow(/twice/);
    expect(() => agingReport([item({ openMinor: 1n })], { ...opts, dims: ['region'] })).toThrow(/no value for dimension region/);
  });

  const REGIONS = ['华东', '华南', '华北'];
  const arbItem = fc
    .record({
      kind: fc.constantFrom<'invoice' | 'credit_note'>('invoice', 'invoice', 'invoice', 'credit_note'),
      issueOffset: fc.integer({ min: 0, max: 1500 }),
      termDays: fc.integer({ min: 0, max: 180 }),
      currency: fc.constantFrom('CNY', 'CNY', 'USD'),
      openMinor: fc.bigInt({ min: 1n, max: 10n ** 13n }),
      customer: fc.integer({ min: 1, max: 6 }),
      region: fc.constantFrom(...REGIONS),
    })
    .map((r) => {
      const issueDate = addDays(AS_OF, -r.issueOffset);
      return item({
        kind: r.kind,
        issueDate,
        dueDate: r.kind === 'credit_note' ? issueDate : addDays(issueDate, r.termDays),
        currency: r.currency,
        openMinor: r.openMinor,
        groups: { customer: g(`C00${r.customer}`), region: g(r.region) },
      });
    });
  const arbOpts = fc.record({
    basis: fc.constantFrom<AgingBasis>('due', 'invoice'),
    set: fc.constantFrom('chinese', 'short', '15,45,400'),
    dims: fc.constantFrom<string[]>([], ['customer'], ['region'], ['region', 'customer'], ['customer', 'region']),
  });
  const optionsOf = (o: { basis: AgingBasis; set: string; dims: string[] }) => {
    const r = resolveBucketSet(o.set, o.basis);
    if (!r.ok) throw new Error(r.error.message);
    return { buckets: r.buckets, basis: o.basis, asOf: AS_OF, dims: o.dims };
  };

  it('property: per currency the grand total equals the sum of the signed inputs; rows add up to it column by column', () => {
    fc.assert(
      fc.property(fc.array(arbItem, { maxLength: 60 }), arbOpts, (items, o) => {
        const opts = optionsOf(o);
        const report = agingReport(items, opts);
        for (const currency of new Set(items.map((i) => i.currency))) {
          const mine = items.filter((i) => i.currency === currency);
          const total = report.totals.find((t) => t.currency === currency)!;
          expect(total.total).toBe(sum(mine.map(signedOpenMinor)));
          expect(total.credits).toBe(-sum(mine.filter((i) => i.kind === 'credit_note').map((i) => i.openMinor)));
          expect(total.count).toBe(mine.length);
          const rows = report.rows.filter((r) => r.currency === currency);
          expect(sum(rows.map((r) => r.total))).toBe(total.total);
          expect(sum(rows.map((r) => r.credits))).toBe(total.credits);
          opts.buckets.forEach((_, i) => {
            expect(sum(rows.map((r) => r.amounts[i]!))).toBe(total.amounts[i]);
          });
        }
        for (const r of [...report.rows, ...report.totals]) expect(sum(r.amounts) + r.credits).toBe(r.total);
        expect(report.totals.map((t) => t.currency).sort()).toEqual([...new Set(items.map((i) => i.currency))].sort());
      }),
    );
  });

  it('property: a two-dimension report summed over its second dimension is the one-dimension report', () => {
    fc.assert(
      fc.property(fc.array(arbItem, { maxLength: 60 }), arbOpts, (items, o) => {
        const two = agingReport(items, optionsOf({ ...o, dims: ['region', 'customer'] }));
        const one = agingReport(items, optionsOf({ ...o, dims: ['region'] }));
        for (const row of one.rows) {
          const parts = two.rows.filter((r) => r.currency === row.currency && r.groups[0]!.key === row.groups[0]!.key);
          expect(sum(parts.map((p) => p.total))).toBe(row.total);
          row.amounts.forEach((a, i) => {
            expect(sum(parts.map((p) => p.amounts[i]!))).toBe(a);
          });
          expect(parts.reduce((n, p) => n + p.count, 0)).toBe(row.count);
        }
        expect(two.rows.length).toBeGreaterThanOrEqual(one.rows.length);
      }),
    );
  });

  it('property: the items behind every cell sum to the cell (drill-down), and every item is behind exactly one bucket cell', () => {
    fc.assert(
      fc.property(fc.array(arbItem, { maxLength: 40 }), arbOpts, (items, o) => {
        const opts = optionsOf(o);
        const report = agingReport(items, opts);
        let seen = 0;
        for (const row of report.rows) {
          const keys = row.groups.map((x) => x.key);
          const columns = [...opts.buckets.map((b) => b.key), CREDITS_KEY];
          columns.forEach((column, i) => {
            const behind = cellItems(items, opts, { currency: row.currency, keys, column });
            const amount = column === CREDITS_KEY ? row.credits : row.amounts[i]!;
            expect(sum(behind.map((b) => signedOpenMinor(b.item)))).toBe(amount);
            seen += behind.length;
          });
          const all = cellItems(items, opts, { currency: row.currency, keys, column: TOTAL_KEY });
          expect(sum(all.map((b) => signedOpenMinor(b.item)))).toBe(row.total);
          expect(all).toHaveLength(row.count);
        }
        expect(seen).toBe(items.length);
      }),
    );
  });

  it('drill-down reports the age on the basis and refuses a cell with the wrong number of keys', () => {
    const items = [item({ issueDate: '2026-04-01', dueDate: '2026-05-01', openMinor: 5n, groups: { region: g('华东') } })];
    const opts = { buckets: CHINESE_BUCKETS, basis: 'due' as const, asOf: AS_OF, dims: ['region'] };
    expect(cellItems(items, opts, { currency: 'CNY', keys: ['华东'], column: 'd31_60' }).map((c) => c.days)).toEqual([60]);
    expect(cellItems(items, { ...opts, basis: 'invoice' }, { currency: 'CNY', keys: ['华东'], column: TOTAL_KEY })[0]!.days).toBe(90);
    expect(() => cellItems(items, opts, { currency: 'CNY', keys: [], column: TOTAL_KEY })).toThrow(/one key per dimension/);
  });
});
