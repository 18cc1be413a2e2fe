/**
 * Conformance over real public e-invoices (tests/fixtures/realdata holds a representative subset;
 * SHOUFU_REALDATA_DIR=/work/shared/realdata runs the full collection): each UBL, CII and Chinese
 * file either parses with the expected type, number, total and line count and the expected
 * outcome of its own totals check, or is rejected with the expected reason.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { fixtureFiles, loadExpected, parseOrRefuse, ROOT_LABEL } from '../../../tests/fixtures/realdata/conformance';
import { parseEInvoiceFile } from './parse';

interface Expected {
  expect: 'parsed' | 'rejected';
  syntax?: string;
  type?: string;
  number?: string;
  currency?: string;
  total?: string | null;
  payable?: string | null;
  lines?: number;
  totals?: 'ok' | 'mismatch';
  rules?: string[];
  code?: string;
}

const expected = loadExpected<Expected>();

const files = fixtureFiles('einvoices', ['ubl', 'cii', 'cn']);
const summary = new Map<string, { files: number; parsed: number; rejected: number; mismatches: number }>();
const reasons = new Map<string, number>();

describe(`e-invoice conformance (${files.length} files in ${ROOT_LABEL})`, () => {
  it('has an expectation for every file', () => {
    expect(files.filter((f) => !expected[f])).toEqual([]);
  });

  it.each(files)('%s', (file) => {
    const want = expected[file]!;
    const kind = file.split('/')[1]!;
    const row = summary.get(kind) ?? { files: 0, parsed: 0, rejected: 0, mismatches: 0 };
    summary.set(kind, row);
    row.files++;
    const outcome = parseOrRefuse(file, parseEInvoiceFile);
    if (want.expect === 'rejected') {
      expect(outcome).toEqual({ code: want.code });
      row.rejected++;
      reasons.set(`${kind}: ${want.code}`, (reasons.get(`${kind}: ${want.code}`) ?? 0) + 1);
      return;
    }
    if (!('parsed' in outcome)) throw new Error(`expected ${file} to parse, it was rejected: ${outcome.code}`);
    const { invoice: i, check } = outcome.parsed;
    expect({
      syntax: i.syntax,
      type: i.documentType,
      number: i.number,
      currency: i.currency,
      total: i.totals.taxInclusive,
      payable: i.totals.payable,
      lines: i.lines.length,
      totals: check.ok ? 'ok' : 'mismatch',
      ...(check.ok ? {} : { rules: check.issues.map((x) => x.rule) }),
    }).toEqual({
      syntax: want.syntax,
      type: want.type,
      number: want.number,
      currency: want.currency,
      total: want.total,
      payable: want.payable,
      lines: want.lines,
      totals: want.totals,
      ...(want.totals === 'mismatch' ? { rules: want.rules } : {}),
    });
    row.parsed++;
    if (!check.ok) row.mismatches++;
  });

  afterAll(() => {
    console.log(
      [
        '',
        '| syntax | files | parsed OK | rejected as expected | totals mismatch |',
        '|--------|------:|----------:|---------------------:|----------------:|',
        ...[...summary].map(([k, r]) => `| ${k.padEnd(6)} | ${String(r.files).padStart(5)} | ${String(r.parsed).padStart(9)} | ${String(r.rejected).padStart(20)} | ${String(r.mismatches).padStart(15)} |`),
        '',
        'rejection reasons:',
        ...[...reasons].sort().map(([r, n]) => `  ${n} × ${r}`),
      ].join('\n'),
    );
  });
});
