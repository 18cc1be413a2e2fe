/** Calendar checks for dates read from files: 30 February is an error, not 2 March. */
import { FormatError } from '../xml';

export function isRealDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const days = [31, y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
  return d <= days;
}

export function iso(y: number, m: number, d: number): string {
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** "2024-03-07" or "2024-03-07T10:15:00+01:00" → "2024-03-07" (the bank's own calendar day). */
export function isoDateOf(value: string | undefined, where: string): string | null {
  if (value === undefined) return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:$|T)/.exec(value);
  if (!m) throw new FormatError('invalid_date', `${where}: "${value}" is not a date`);
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (!isRealDate(y, mo, d)) throw new FormatError('invalid_date', `${where}: ${value} is not a calendar date`);
  return iso(y, mo, d);
}

/** "YYMMDD" (SWIFT) → ISO date; years 00–79 are 20xx, 80–99 are 19xx. */
export function swiftDate(yymmdd: string, where: string): string {
  const y2 = Number(yymmdd.slice(0, 2));
  const y = y2 < 80 ? 2000 + y2 : 1900 + y2;
  const m = Number(yymmdd.slice(2, 4));
  const d = Number(yymmdd.slice(4, 6));
  if (!/^\d{6}$/.test(yymmdd) || !isRealDate(y, m, d)) {
    throw new FormatError('invalid_date', `${where}: ${yymmdd} is not a calendar date (YYMMDD)`);
  }
  return iso(y, m, d);
}
