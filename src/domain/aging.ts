/**
 * Aging buckets (账龄). The default is the Chinese convention; a bucket holds open amounts whose
 * days past due fall in [fromDays, toDays]. "Not yet due" is explicit so that buckets always sum
 * to the open total.
 */

export interface AgingBucket {
  key: string;
  labelZh: string;
  labelEn: string;
  /** Inclusive lower bound in days overdue; null for "not yet due". */
  fromDays: number | null;
  /** Inclusive upper bound; null for open-ended. */
  toDays: number | null;
}

export const CHINESE_BUCKETS: readonly AgingBucket[] = [
  { key: 'current', labelZh: '未到期', labelEn: 'Not due', fromDays: null, toDays: 0 },
  { key: 'd1_30', labelZh: '1–30天', labelEn: '1–30 days', fromDays: 1, toDays: 30 },
  { key: 'd31_60', labelZh: '31–60天', labelEn: '31–60 days', fromDays: 31, toDays: 60 },
  { key: 'd61_90', labelZh: '61–90天', labelEn: '61–90 days', fromDays: 61, toDays: 90 },
  { key: 'd91_180', labelZh: '91–180天', labelEn: '91–180 days', fromDays: 91, toDays: 180 },
  { key: 'd181_365', labelZh: '181–365天', labelEn: '181–365 days', fromDays: 181, toDays: 365 },
  { key: 'y1_2', labelZh: '1–2年', labelEn: '1–2 years', fromDays: 366, toDays: 730 },
  { key: 'y2_3', labelZh: '2–3年', labelEn: '2–3 years', fromDays: 731, toDays: 1095 },
  { key: 'y3_plus', labelZh: '3年以上', labelEn: 'Over 3 years', fromDays: 1096, toDays: null },
];

export function bucketFor(daysOverdue: number, buckets: readonly AgingBucket[] = CHINESE_BUCKETS): AgingBucket {
  for (const b of buckets) {
    if (b.fromDays === null) {
      if (daysOverdue <= (b.toDays ?? 0)) return b;
      continue;
    }
    if (daysOverdue >= b.fromDays && (b.toDays === null || daysOverdue <= b.toDays)) return b;
  }
  throw new Error(`no aging bucket holds ${daysOverdue} days`);
}

/** Sums open amounts into buckets; the bucket totals add up to the sum of the inputs exactly. */
export function ageAmounts(
  items: Iterable<{ daysOverdue: number; openMinor: bigint }>,
  buckets: readonly AgingBucket[] = CHINESE_BUCKETS,
): Map<string, bigint> {
  const totals = new Map<string, bigint>(buckets.map((b) => [b.key, 0n]));
  for (const it of items) {
    const b = bucketFor(it.daysOverdue, buckets);
    totals.set(b.key, (totals.get(b.key) ?? 0n) + it.openMinor);
  }
  return totals;
}
