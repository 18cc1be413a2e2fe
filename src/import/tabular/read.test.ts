import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bufferSource, fileSource, ImportFileError, LIMITS, type RawRow, readRows, sniff, type TableSource } from './read';

async function rowsOf(source: TableSource, opts: { sheet?: string } = {}): Promise<RawRow[]> {
  const format = await sniff(source);
  const out: RawRow[] = [];
  for await (const r of readRows(source, format, opts)) out.push(r);
  return out;
}

async function failure(p: Promise<unknown>): Promise<ImportFileError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ImportFileError) return err;
    throw err;
  }
  throw new Error('expected the file to be refused');
}

const TEXT = '客户编码,客户名称,地址\nC001,上海华信贸易有限公司,"上海市浦东新区, 世纪大道 1 号"\nC002,"北京""乙""公司","两行\n地址"\n';
const EXPECTED = [
  ['客户编码', '客户名称', '地址'],
  ['C001', '上海华信贸易有限公司', '上海市浦东新区, 世纪大道 1 号'],
  ['C002', '北京"乙"公司', '两行\n地址'],
];

describe('CSV encodings', () => {
  it.each([
    ['UTF-8', Buffer.from(TEXT, 'utf8'), 'utf-8'],
    ['UTF-8 with BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(TEXT, 'utf8')]), 'utf-8'],
    ['GBK', iconv.encode(TEXT, 'gbk'), 'gb18030'],
    ['GB18030', iconv.encode(TEXT, 'gb18030'), 'gb18030'],
    [
      'UTF-16LE with BOM, tab-separated (Excel “Unicode text”)',
      iconv.encode('客户编码\t客户名称\t地址\nC001\t上海华信贸易有限公司\t"上海市浦东新区, 世纪大道 1 号"\nC002\t"北京""乙""公司"\t"两行\n地址"\n', 'utf-16le', { addBOM: true }),
      'utf-16le',
    ],
  ])('%s', async (_name, bytes, encoding) => {
    const source = bufferSource('t.csv', bytes);
    expect((await sniff(source)).encoding).toBe(encoding);
    expect((await rowsOf(source)).map((r) => r.cells)).toEqual(EXPECTED);
  });

  it('reads characters outside GBK from a GB18030 file (four-byte sequences)', async () => {
    const text = '客户编码,客户名称\nC009,𠀀鑫㐀公司\n';
    const rows = await rowsOf(bufferSource('t.csv', iconv.encode(text, 'gb18030')));
    expect(rows[1]!.cells).toEqual(['C009', '𠀀鑫㐀公司']);
  });

  it('decides the encoding on the whole file, not its first bytes', async () => {
    // 100 KiB of ASCII, then one GBK line: the sample alone would say UTF-8.
    const head = `code,name\n${'C0001,ASCII only\n'.repeat(6000)}`;
    const bytes = Buffer.concat([Buffer.from(head), iconv.encode('C9999,上海某某公司\n', 'gbk')]);
    expect((await sniff(bufferSource('t.csv', bytes))).encoding).toBe('gb18030');
    const rows = await rowsOf(bufferSource('t.csv', bytes));
    expect(rows.at(-1)!.cells).toEqual(['C9999', '上海某某公司']);
  });

  it('finds tab and semicolon delimiters, and counts blank lines in the row numbers', async () => {
    const tsv = await rowsOf(bufferSource('t.txt', Buffer.from('a\tb\n1\t2,5\n')));
    expect(tsv.map((r) => r.cells)).toEqual([
      ['a', 'b'],
      ['1', '2,5'],
    ]);
    const semi = await rowsOf(bufferSource('t.csv', Buffer.from('a;b\n\n1;2\n')));
    expect(semi.map((r) => [r.rowNo, r.cells])).toEqual([
      [1, ['a', 'b']],
      [2, ['']],
      [3, ['1', '2']],
    ]);
  });

  it('reads a file from disk as a stream', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shoufu-read-'));
    const path = join(dir, 'c.csv');
    writeFileSync(path, iconv.encode(TEXT, 'gbk'));
    expect((await rowsOf(fileSource(path))).map((r) => r.cells)).toEqual(EXPECTED);
  });
});

describe('files that are not tables', () => {
  it('refuses binary garbage with a clear reason', async () => {
    const e = await failure(sniff(bufferSource('x.csv', randomBytes(4096))));
    expect(e.code).toBe('binary_file');
    expect(e.message).toMatch(/binary|neither/);
  });

  it('refuses control-character noise without NUL bytes', async () => {
    const noise = Buffer.from(Array.from({ length: 2000 }, (_, i) => [0x01, 0x02, 0x1b, 0x41][i % 4]!));
    expect((await failure(sniff(bufferSource('x.csv', noise)))).code).toBe('binary_file');
  });

  it('names old .xls workbooks, PDFs and empty files', async () => {
    expect((await failure(sniff(bufferSource('a.xls', Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0]))))).code).toBe('legacy_xls');
    expect((await failure(sniff(bufferSource('a.pdf', Buffer.from('%PDF-1.7\n...'))))).code).toBe('not_a_table');
    expect((await failure(sniff(bufferSource('a.csv', Buffer.alloc(0))))).code).toBe('empty_file');
  });

  it('refuses a ZIP that is not a workbook', async () => {
    const zipHeader = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), randomBytes(200)]);
    expect((await failure(rowsOf(bufferSource('a.xlsx', zipHeader)))).code).toBe('invalid_xlsx');
  });

  it('refuses a row larger than a megabyte', async () => {
    const huge = Buffer.from(`a,b\n"${'x'.repeat(1_100_000)}",1\n`);
    expect((await failure(rowsOf(bufferSource('big.csv', huge)))).code).toBe('row_too_large');
  });

  it('reports a quote that never closes', async () => {
    const e = await failure(rowsOf(bufferSource('q.csv', Buffer.from('a,b\n"unclosed,1\n'))));
    expect(e.code).toBe('malformed_csv');
  });
});

describe('XLSX', () => {
  async function workbook(): Promise<Buffer> {
    const wb = new ExcelJS.Workbook();
    const first = wb.addWorksheet('说明');
    first.addRow(['this sheet is notes']);
    const data = wb.addWorksheet('应收单');
    data.addRow(['单据编号', '业务日期', '价税合计', '备注']);
    data.addRow(['AR-1', new Date(Date.UTC(2025, 2, 5)), 1130.5, { richText: [{ text: '富' }, { text: '文本' }] }]);
    data.addRow([]);
    data.addRow(['AR-2', 45722, { formula: 'C2*2', result: 2261 }, null]);
    return Buffer.from(await wb.xlsx.writeBuffer());
  }

  it('reads the first sheet unless a sheet is named', async () => {
    const bytes = await workbook();
    expect((await rowsOf(bufferSource('w.xlsx', bytes))).map((r) => r.cells)).toEqual([['this sheet is notes']]);
    const rows = await rowsOf(bufferSource('w.xlsx', bytes), { sheet: '应收单' });
    expect(rows.map((r) => r.rowNo)).toEqual([1, 2, 4]);
    expect(rows[1]!.cells).toEqual(['AR-1', new Date(Date.UTC(2025, 2, 5)), 1130.5, '富文本']);
    expect(rows[2]!.cells.slice(0, 3)).toEqual(['AR-2', 45722, 2261]);
  });

  it('names the sheets when the one asked for is missing', async () => {
    const e = await failure(rowsOf(bufferSource('w.xlsx', await workbook()), { sheet: 'Sheet9' }));
    expect(e.code).toBe('sheet_not_found');
    expect(e.message).toContain('"应收单"');
  });

  describe('large workbooks, read as a stream', () => {
    const whole = LIMITS.xlsxInMemoryBytes;
    beforeAll(() => {
      // Every workbook here is small: stream them as a large one would be.
      LIMITS.xlsxInMemoryBytes = 0;
    });
    afterAll(() => {
      LIMITS.xlsxInMemoryBytes = whole;
    });

    it('reads the same rows as the whole-file reader, from the first or the named sheet', async () => {
      const bytes = await workbook();
      expect((await rowsOf(bufferSource('w.xlsx', bytes))).map((r) => r.cells)).toEqual([['this sheet is notes']]);
      const rows = await rowsOf(bufferSource('w.xlsx', bytes), { sheet: '应收单' });
      expect(rows.map((r) => r.rowNo)).toEqual([1, 2, 4]);
      expect(rows[1]!.cells).toEqual(['AR-1', new Date(Date.UTC(2025, 2, 5)), 1130.5, '富文本']);
      expect(rows[2]!.cells.slice(0, 3)).toEqual(['AR-2', 45722, 2261]);
      const e = await failure(rowsOf(bufferSource('w.xlsx', bytes), { sheet: 'Sheet9' }));
      expect(e.code).toBe('sheet_not_found');
    });

    it('streams a sheet of many rows from a file on disk, shared strings and all', async () => {
      const wb = new ExcelJS.Workbook();
      const ws = wb.addWorksheet('应收单');
      ws.addRow(['单据编号', '客户名称', '价税合计']);
      for (let i = 1; i <= 3000; i++) ws.addRow([`AR-${i}`, `客户${i % 7}`, i + 0.5]);
      const path = join(mkdtempSync(join(tmpdir(), 'xlsx-')), 'big.xlsx');
      await wb.xlsx.writeFile(path);
      const rows = await rowsOf(fileSource(path));
      expect(rows).toHaveLength(3001);
      expect(rows[3000]).toEqual({ rowNo: 3001, cells: ['AR-3000', '客户4', 3000.5] });
    });

    it('refuses a zip that is not a workbook with a clear reason', async () => {
      const e = await failure(rowsOf(bufferSource('a.xlsx', Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), randomBytes(4096)]))));
      expect(e.code).toBe('invalid_xlsx');
    });
  });
});
