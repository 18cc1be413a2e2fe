/**
 * Conformance over real public bank statement files (tests/fixtures/realdata, provenance in its
 * SOURCES.md): every camt and MT940 file either parses with the expected number of statements,
 * entries and lines and the expected balance-check outcome, or is rejected with the expected
 * reason — nothing is skipped. BAI2 and OFX files have their expectations listed below in this
 * file (parsed with their control figures compared, or refused by name). With SHOUFU_REALDATA_DIR=/work/shared/realdata the same
 * expectations run over the full collection.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { fixtureFiles, loadExpected, parseOrRefuse, ROOT_LABEL } from '../../../tests/fixtures/realdata/conformance';
import { parseStatementFile } from './parse';

interface Expected {
  expect: 'parsed' | 'rejected';
  format?: string;
  statements?: number;
  entries?: number;
  lines?: number;
  balance?: 'ok' | 'mismatch';
  issues?: string[];
  code?: string;
}

const expected = loadExpected<Expected>();

const files = fixtureFiles('bank-statements', ['camt053', 'mt940']);

const summary = new Map<string, { files: number; parsed: number; rejected: number; mismatches: number; entries: number }>();
const reasons = new Map<string, number>();

describe(`bank statement conformance (${files.length} files in ${ROOT_LABEL})`, () => {
  it('has an expectation for every file', () => {
    expect(files.filter((f) => !expected[f])).toEqual([]);
  });

  it.each(files)('%s', (file) => {
    const want = expected[file]!;
    const kind = file.split('/')[1]!;
    const row = summary.get(kind) ?? { files: 0, parsed: 0, rejected: 0, mismatches: 0, entries: 0 };
    summary.set(kind, row);
    row.files++;
    const outcome = parseOrRefuse(file, parseStatementFile);
    if (want.expect === 'rejected') {
      expect(outcome).toEqual({ code: want.code });
      row.rejected++;
      reasons.set(`${kind}: ${want.code}`, (reasons.get(`${kind}: ${want.code}`) ?? 0) + 1);
      return;
    }
    if (!('parsed' in outcome)) throw new Error(`expected ${file} to parse, it was rejected: ${outcome.code}`);
    const r = outcome.parsed;
    const entries = r.statements.reduce((a, s) => a + new Set(s.lines.map((l) => l.entryIndex)).size, 0);
    const lines = r.statements.reduce((a, s) => a + s.lines.length, 0);
    expect({
      format: r.format,
      statements: r.statements.length,
      entries,
      lines,
      balance: r.check.ok ? 'ok' : 'mismatch',
      ...(r.check.ok ? {} : { issues: [...new Set(r.check.issues.map((i) => i.check))] }),
    }).toEqual({
      format: want.format,
      statements: want.statements,
      entries: want.entries,
      lines: want.lines,
      balance: want.balance,
      ...(want.balance === 'mismatch' ? { issues: want.issues } : {}),
    });
    // Every line is complete enough to become a receipt or payment.
    for (const s of r.statements) {
      for (const l of s.lines) {
        expect(l.amountMinor >= 0n).toBe(true);
        expect(l.currency).toBe(s.currency);
      }
    }
    row.parsed++;
    row.entries += entries;
    if (!r.check.ok) row.mismatches++;
  });

  afterAll(() => {
    const rows = [...summary].map(([k, r]) => `| ${k.padEnd(8)} | ${String(r.files).padStart(5)} | ${String(r.parsed).padStart(9)} | ${String(r.entries).padStart(7)} | ${String(r.rejected).padStart(20)} | ${String(r.mismatches).padStart(17)} |`);
    console.log(
      [
        '',
        '| format   | files | parsed OK | entries | rejected as expected | balance mismatch |',
        '|----------|------:|----------:|--------:|---------------------:|-----------------:|',
        ...rows,
        '',
        'rejection reasons:',
        ...[...reasons].sort().map(([r, n]) => `  ${n} × ${r}`),
      ].join('\n'),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// BAI2 and OFX: every file of the collection, with its expectation listed here. A refusal names
// its reason; a parsed file gives its statements, lines, the control figures that could be
// compared and which of them do not match (reported by the check, never thrown).
// ---------------------------------------------------------------------------------------------

type Outcome =
  | { refused: string }
  | { statements: number; lines: number; checked: string[]; mismatches: string[] };

const ok = (statements: number, lines: number, checked: string[], mismatches: string[] = []): Outcome => ({
  statements,
  lines,
  checked: [...checked].sort(),
  mismatches: [...mismatches].sort(),
});
const BAI2_CHECKS = ['control_total', 'record_count'];

const BAI2_OFX: Record<string, Outcome> = {
  'bank-statements/bai2/moj-bai2/account_trailer_amount_blank_example.bai2': ok(2, 0, BAI2_CHECKS),
  // Citi's example: opening and closing ledger 100.00 around a credit of 0.01.
  'bank-statements/bai2/moj-bai2/citi_example.bai2': ok(1, 1, ['balance', ...BAI2_CHECKS], ['balance']),
  'bank-statements/bai2/moj-bai2/nwb_example.bai2': ok(1, 5, ['balance', 'credits', 'debits', ...BAI2_CHECKS]),
  'bank-statements/bai2/moj-bai2/svb_us_example.bai2': ok(2, 2, ['balance', 'credits', 'debits', ...BAI2_CHECKS]),
  'bank-statements/bai2/moov-io-bai2/error__sample-parseError.txt': { refused: 'bai2_missing_header' },
  'bank-statements/bai2/moov-io-bai2/sample1.txt': ok(2, 17, ['credits', 'debits', ...BAI2_CHECKS]),
  // The 100/400 totals include credits and debits the file does not detail.
  'bank-statements/bai2/moov-io-bai2/sample2.txt': ok(5, 4, ['credits', 'debits', ...BAI2_CHECKS], ['credits', 'debits']),
  'bank-statements/bai2/moov-io-bai2/sample3.txt': ok(15, 26, ['balance', 'credits', 'debits', ...BAI2_CHECKS]),
  // Continuation-parsing specimens whose trailers and summaries were never made to add up.
  'bank-statements/bai2/moov-io-bai2/sample4-continuations-newline-delimited.txt': ok(
    5,
    17,
    ['balance', 'credits', 'debits', ...BAI2_CHECKS],
    ['balance', 'credits', 'debits', ...BAI2_CHECKS],
  ),
  'bank-statements/bai2/moov-io-bai2/sample5-issue113.txt': ok(5, 20, ['balance', 'credits', 'debits', ...BAI2_CHECKS], ['balance', 'credits', 'debits', ...BAI2_CHECKS]),
  'bank-statements/ofx/fixofx/checking.ofx': ok(1, 106, []),
  'bank-statements/ofx/fixofx/creditcard.ofx': ok(1, 135, []),
  'bank-statements/ofx/fixofx/savings.ofx': ok(1, 118, []),
  'bank-statements/ofx/ofxparse/account_listing_aggregation.ofx': { refused: 'ofx_no_statement' },
  'bank-statements/ofx/ofxparse/anzcc.ofx': ok(1, 1, []),
  'bank-statements/ofx/ofxparse/bank_medium.ofx': ok(1, 3, []),
  'bank-statements/ofx/ofxparse/bank_small.ofx': { refused: 'ofx_no_statement' },
  'bank-statements/ofx/ofxparse/checking.ofx': ok(1, 3, []),
  'bank-statements/ofx/ofxparse/error_message.ofx': { refused: 'ofx_error_response' },
  'bank-statements/ofx/ofxparse/fail_nice__date_missing.ofx': { refused: 'missing_date' },
  'bank-statements/ofx/ofxparse/fail_nice__decimal_error.ofx': { refused: 'invalid_amount' },
  // A blank BALAMT is no balance (a warning), not a broken statement: its one line is complete.
  'bank-statements/ofx/ofxparse/fail_nice__empty_balance.ofx': ok(1, 1, []),
  'bank-statements/ofx/ofxparse/fidelity-savings.ofx': { refused: 'ofx_investment_statement' },
  'bank-statements/ofx/ofxparse/fidelity.ofx': { refused: 'ofx_investment_statement' },
  'bank-statements/ofx/ofxparse/investment_401k.ofx': { refused: 'ofx_investment_statement' },
  'bank-statements/ofx/ofxparse/investment_medium.ofx': { refused: 'ofx_investment_statement' },
  'bank-statements/ofx/ofxparse/multiple_accounts.ofx': ok(2, 0, []),
  'bank-statements/ofx/ofxparse/ofx-v102-empty-tags.ofx': ok(1, 1, []),
  'bank-statements/ofx/ofxparse/signon_fail.ofx': { refused: 'ofx_signon_failed' },
  'bank-statements/ofx/ofxparse/signon_success.ofx': { refused: 'ofx_no_statement' },
  'bank-statements/ofx/ofxparse/signon_success_no_message.ofx': { refused: 'ofx_no_statement' },
  'bank-statements/ofx/ofxparse/suncorp.ofx': ok(1, 1, []),
  'bank-statements/ofx/ofxparse/td_ameritrade.ofx': { refused: 'ofx_investment_statement' },
  'bank-statements/ofx/ofxparse/tiaacref.ofx': { refused: 'ofx_investment_statement' },
  'bank-statements/ofx/ofxparse/vanguard.ofx': { refused: 'ofx_investment_statement' },
  'bank-statements/ofx/ofxparse/vanguard401k.ofx': { refused: 'ofx_investment_statement' },
};

const bai2OfxFiles = fixtureFiles('bank-statements', ['bai2', 'ofx']);
const table = new Map<string, { files: number; parsed: number; refused: number; mismatches: number; lines: number }>();
const refusals = new Map<string, number>();

describe(`BAI2 and OFX conformance (${bai2OfxFiles.length} files)`, () => {
  it('has an expectation for every file, and a file for every expectation', () => {
    expect(bai2OfxFiles.filter((f) => !BAI2_OFX[f])).toEqual([]);
    expect(Object.keys(BAI2_OFX).filter((f) => !bai2OfxFiles.includes(f))).toEqual([]);
  });

  it.each(bai2OfxFiles)('%s', (file) => {
    const want = BAI2_OFX[file]!;
    const kind = file.split('/')[1]!;
    const row = table.get(kind) ?? { files: 0, parsed: 0, refused: 0, mismatches: 0, lines: 0 };
    table.set(kind, row);
    row.files++;
    const outcome = parseOrRefuse(file, parseStatementFile);
    const parsed = 'parsed' in outcome ? outcome.parsed : null;
    const got: Outcome = parsed
      ? ok(
          parsed.statements.length,
          parsed.statements.reduce((a, s) => a + s.lines.length, 0),
          parsed.check.checked,
          [...new Set(parsed.check.issues.map((i) => i.check))],
        )
      : { refused: (outcome as { code: string }).code };
    expect(got).toEqual(want);
    if ('refused' in got) {
      row.refused++;
      refusals.set(`${kind}: ${got.refused}`, (refusals.get(`${kind}: ${got.refused}`) ?? 0) + 1);
      return;
    }
    expect(parsed!.format).toBe(kind);
    row.parsed++;
    row.lines += got.lines;
    if (got.mismatches.length) row.mismatches++;
    for (const s of parsed!.statements) {
      for (const l of s.lines) {
        expect(l.amountMinor > 0n || l.amountMinor === 0n).toBe(true);
        expect(l.currency).toBe(s.currency);
        expect(l.bookingDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      }
    }
  });

  afterAll(() => {
    console.log(
      [
        '',
        '| format | files | parsed | lines | refused as expected | control mismatch |',
        '|--------|------:|-------:|------:|--------------------:|-----------------:|',
        ...[...table].map(([k, r]) => `| ${k.padEnd(6)} | ${String(r.files).padStart(5)} | ${String(r.parsed).padStart(6)} | ${String(r.lines).padStart(5)} | ${String(r.refused).padStart(19)} | ${String(r.mismatches).padStart(16)} |`),
        '',
        'refusal reasons:',
        ...[...refusals].sort().map(([r, n]) => `  ${n} × ${r}`),
      ].join('\n'),
    );
  });
});
