/** Payload of GET /api/dashboard (src/api/routes/dashboard.ts). Amounts and ratios are decimal strings. */
import type { Amount } from '../../api';

export interface KpiFigures {
  dso: string | null;
  dsoCountback: string | null;
  bestPossibleDso: string | null;
  add: string | null;
  cei: string | null;
  overdueRatioAmount: string | null;
  overdueRatioCount: string | null;
  turnover: string | null;
  turnoverDays: string | null;
  collectionRate: string | null;
  top10Share: string | null;
  hhi: string | null;
  creditUtilisation: string | null;
  customersWithLimit: number;
  customersOverLimit: number;
  unapplied: Amount;
  unappliedCount: number;
  unappliedRatio: string | null;
  writtenOff: Amount;
  badDebtRate: string | null;
  closingAp: Amount;
  payablesOverdue: Amount;
  payablesDue7: Amount;
  payablesDue30: Amount;
  purchases: Amount;
  dpo: string | null;
  openingAr: Amount;
  closingAr: Amount;
  closingCurrentAr: Amount;
  overdue: Amount;
  creditSales: Amount;
  collections: Amount;
}

export interface TrendPoint {
  month: string;
  from: string;
  to: string;
  dso: string | null;
  cei: string | null;
  closingAr: Amount;
  overdue: Amount;
  overdueRatioAmount: string | null;
}

export interface Area {
  open: Amount;
  overdue: Amount;
  overdueRatio: string | null;
  customers: number;
  overdueCustomers: number;
}

export interface DashboardDoc {
  asOf: string;
  currency: string;
  entity: string | null;
  totals: { receivable: Amount; overdue: Amount; unapplied: Amount; customerCount: number; overdueCustomerCount: number };
  aging: { key: string; labelZh: string; labelEn: string; amount: Amount }[];
  kpis: {
    period: { from: string; to: string; days: number };
    current: KpiFigures;
    previous: (KpiFigures & { period: { from: string; to: string; days: number } }) | null;
    trend: TrendPoint[];
  };
  topOverdue: {
    id: string;
    code: string;
    name: string;
    region: string;
    province: string | null;
    open: Amount;
    overdue: Amount;
    overdueRatio: string | null;
    creditLimit: Amount | null;
    creditUtilisation: string | null;
  }[];
  regions: (Area & { region: string; provinces: (Area & { province: string })[] })[];
}

/** a − b of two decimal strings, exact (as a decimal string with the larger number of places). */
export function decimalDelta(a: string | null | undefined, b: string | null | undefined): string | null {
  if (a == null || b == null) return null;
  const places = Math.max(a.split('.')[1]?.length ?? 0, b.split('.')[1]?.length ?? 0);
  const scaled = (s: string) => {
    const [w, f = ''] = s.replace('-', '').split('.');
    const v = BigInt(`${w}${f.padEnd(places, '0')}`);
    return s.startsWith('-') ? -v : v;
  };
  const d = scaled(a) - scaled(b);
  const neg = d < 0n;
  const digits = (neg ? -d : d).toString().padStart(places + 1, '0');
  const whole = digits.slice(0, digits.length - places);
  return `${neg ? '-' : ''}${whole}${places ? `.${digits.slice(digits.length - places)}` : ''}`;
}
