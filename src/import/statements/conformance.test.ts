/**
 * Conformance over real public bank statement files (tests/fixtures/realdata, provenance in its
 * SOURCES.md): every camt and MT940 file either parses with the expected number of statements,
 * entries and lines and the expected balance-check outcome, or is rejected with the expected
 * reason — nothing is skipped. With SHOUFU_REALDATA_DIR=/work/shared/realdata the same
 * expectations run over the full collection.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FormatError } from '../xml';
import { parseStatementFile } from './parse';

const FIXTURES = join(import.meta.dirname, '..', '..', '..', 'tests', 'fixtures', 'realdata');
const ROOT = process.env.SHOUFU_REALDATA_DIR || FIXTURES;

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

const expected = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')) as Record<string, Expected>;

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

const files = ['camt053', 'mt940'].flatMap((d) => walk(join(ROOT, 'bank-statements', d)).map((f) => relative(ROOT, f))).sort();

const summary = new Map<string, { files: number; parsed: number; rejected: number; mismatches: number; entries: number }>();
const reasons = new Map<string, number>();

describe(`bank statement conformance (${files.length} files in ${ROOT === FIXTURES ? 'tests/fixtures/realdata' : ROOT})`, () => {
  it('has an expectation for every file', () => {
    expect(files.filter((f) => !expected[f])).toEqual([]);
  });

  it.each(files)('%s', (file) => {
    const want = expected[file]!;
    const kind = file.split('/')[1]!;
    const row = summary.get(kind) ?? { files: 0, parsed: 0, rejected: 0, mismatches: 0, entries: 0 };
    summary.set(kind, row);
    row.files++;
    let outcome: { code: string } | { parsed: ReturnType<typeof parseStatementFile> };
    try {
      outcome = { parsed: parseStatementFile(readFileSync(join(ROOT, file))) };
    } catch (err) {
      if (!(err instanceof FormatError)) throw err;
      outcome = { code: err.code };
      // A rejection names its reason in words a user can act on.
      expect(err.message.length).toBeGreaterThan(20);
    }
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
