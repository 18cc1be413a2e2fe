/**
 * Reading a table from a CSV or XLSX file as a stream of rows, never the whole file in memory.
 *
 * - CSV: the encoding is UTF-8 when the whole file is valid UTF-8 (with or without a BOM), UTF-16
 *   when it starts with a UTF-16 BOM (Excel's "Unicode text"), else GB18030 (a superset of GBK and
 *   GB2312), decoded by iconv-lite; the delimiter is a comma, a tab or a semicolon, whichever the
 *   first lines use; rows come from csv-parse in streaming mode.
 * - XLSX: exceljs's streaming WorkbookReader, the first sheet or the one named.
 *
 * A source can be opened several times (the importer reads a file once to validate it and again to
 * write it), so it is a path or a buffer, not a one-shot stream.
 */
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import { type Readable, Readable as ReadableStream } from 'node:stream';
import { parse as parseCsv } from 'csv-parse';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { AppError } from '../../services/errors';
import type { Cell } from './values';

export interface TableSource {
  name: string;
  size: number;
  open(): Readable;
  /** Rows already in memory (records sent to the sync API): the first is the header. */
  records?: Cell[][];
}

export function fileSource(path: string): TableSource {
  return { name: basename(path), size: statSync(path).size, open: () => createReadStream(path) };
}

export function bufferSource(name: string, data: Buffer): TableSource {
  return { name, size: data.length, open: () => ReadableStream.from([data]) };
}

/**
 * A table given as rows of cells, the first row its header (the sync API's records, one column
 * per field). It reads like a file: same header recognition, checks and writes. Its bytes, for
 * the run's fingerprint, are the rows as JSON.
 */
export function recordsSource(name: string, rows: Cell[][]): TableSource {
  const json = Buffer.from(JSON.stringify(rows));
  return { name, size: json.length, open: () => ReadableStream.from([json]), records: rows };
}

/** A file that cannot be read as a table; nothing was imported. */
export class ImportFileError extends AppError {
  constructor(code: string, message: string, status = 422) {
    super(status, code, message, ['file']);
  }
}

export type Encoding = 'utf-8' | 'gb18030' | 'utf-16le' | 'utf-16be';

export interface TableFormat {
  format: 'csv' | 'xlsx' | 'records';
  sha256: string;
  encoding?: Encoding;
  delimiter?: ',' | '\t' | ';';
}

export const LIMITS = {
  /**
   * A file larger than this is refused before it is read (SHOUFU_IMPORT_MAX_BYTES). A million
   * invoice rows are about 70 MB of CSV; the default leaves room for ten times that.
   */
  maxFileBytes: Number(process.env.SHOUFU_IMPORT_MAX_BYTES) > 0 ? Number(process.env.SHOUFU_IMPORT_MAX_BYTES) : 1024 * 1024 * 1024,
  /** A row (CSV record) larger than this is refused: no real invoice line needs a megabyte. */
  maxRowBytes: 1_000_000,
  /** More columns than this in the header row is refused. */
  maxColumns: 500,
  /** Longest header cell accepted. */
  maxHeaderChars: 200,
  maxRows: 2_000_000,
  /**
   * Workbooks up to this size are read whole. exceljs's streaming reader needs xl/workbook.xml to
   * come before the worksheets inside the zip; when a writer orders the entries otherwise it fails
   * ("reading 'sheets'"), which made imports of such files fail now and then. Larger files stream.
   */
  xlsxInMemoryBytes: 32 * 1024 * 1024,
};

const SNIFF_BYTES = 64 * 1024;

/**
 * Reads the file once: its sha256, whether it is valid UTF-8 throughout, and the first 64 KiB to
 * decide the format, the encoding and the delimiter. Refuses binary files with a clear reason.
 */
export async function sniff(source: TableSource): Promise<TableFormat> {
  if (source.records) {
    const hash = createHash('sha256');
    for await (const chunk of source.open() as AsyncIterable<Buffer>) hash.update(chunk);
    return { format: 'records', sha256: hash.digest('hex') };
  }
  if (source.size > LIMITS.maxFileBytes) {
    const mb = (n: number) => `${Math.round(n / 1024 / 1024).toLocaleString('en')} MB`;
    throw new ImportFileError('file_too_large', `the file is ${mb(source.size)}; files up to ${mb(LIMITS.maxFileBytes)} are imported — split it, or raise SHOUFU_IMPORT_MAX_BYTES`, 413);
  }
  const hash = createHash('sha256');
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let validUtf8 = true;
  const headChunks: Buffer[] = [];
  let headLength = 0;
  let total = 0;
  for await (const chunk of source.open() as AsyncIterable<Buffer>) {
    hash.update(chunk);
    total += chunk.length;
    if (headLength < SNIFF_BYTES) {
      headChunks.push(chunk);
      headLength += chunk.length;
    }
    if (validUtf8) {
      try {
        utf8.decode(chunk, { stream: true });
      } catch {
        validUtf8 = false;
      }
    }
  }
  if (validUtf8) {
    try {
      utf8.decode();
    } catch {
      validUtf8 = false; // the file ends inside a multi-byte sequence
    }
  }
  const sha256 = hash.digest('hex');
  const head = Buffer.concat(headChunks).subarray(0, SNIFF_BYTES);
  if (total === 0) throw new ImportFileError('empty_file', 'the file is empty');
  if (head.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]))) return { format: 'xlsx', sha256 };
  if (head.subarray(0, 4).equals(Buffer.from([0xd0, 0xcf, 0x11, 0xe0]))) {
    throw new ImportFileError('legacy_xls', 'this is an old Excel 97–2003 (.xls) workbook; save it as .xlsx or CSV and import that');
  }
  if (head.subarray(0, 5).toString('latin1') === '%PDF-') throw new ImportFileError('not_a_table', 'this is a PDF; import a CSV or XLSX file');
  let encoding: Encoding;
  if (head[0] === 0xff && head[1] === 0xfe) encoding = 'utf-16le';
  else if (head[0] === 0xfe && head[1] === 0xff) encoding = 'utf-16be';
  else {
    if (head.includes(0)) throw new ImportFileError('binary_file', 'the file holds binary data, not CSV text or an XLSX workbook');
    encoding = validUtf8 ? 'utf-8' : 'gb18030';
  }
  // Cut the sample at a line end so that no multi-byte character is split.
  const lastNewline = head.lastIndexOf(0x0a);
  const sample = iconv.decode(total > head.length && lastNewline > 0 ? head.subarray(0, lastNewline) : head, encoding);
  const chars = [...sample];
  const bad = chars.filter(isGarbageChar).length;
  if (chars.length > 0 && bad / chars.length > 0.01) {
    throw new ImportFileError('binary_file', 'the file is neither UTF-8 nor GB18030/GBK text, nor an XLSX workbook');
  }
  return { format: 'csv', sha256, encoding, delimiter: detectDelimiter(sample) };
}

/** A replacement character (undecodable bytes) or a control character no text table contains. */
function isGarbageChar(c: string): boolean {
  const code = c.codePointAt(0) ?? 0;
  return c === '\uFFFD' || code === 0x7f || (code < 0x20 && c !== '\t' && c !== '\n' && c !== '\r');
}

function detectDelimiter(sample: string): ',' | '\t' | ';' {
  const lines = sample.split(/\r?\n/).filter((l) => l.trim() !== '').slice(0, 30);
  const count = (ch: string) => lines.reduce((n, l) => n + l.split(ch).length - 1, 0);
  const tabs = count('\t');
  const commas = count(',');
  const semis = count(';');
  if (tabs > commas && tabs >= semis) return '\t';
  if (semis > commas && semis > tabs) return ';';
  return ',';
}

export interface RawRow {
  /** The row number as a spreadsheet shows it (1-based, blank rows counted). */
  rowNo: number;
  cells: Cell[];
}

export interface ReadInfo {
  sheet?: string;
  sheets?: string[];
}

/** Streams the rows of the table. info is filled as the workbook reveals its sheets. */
export async function* readRows(source: TableSource, format: TableFormat, opts: { sheet?: string } = {}, info: ReadInfo = {}): AsyncGenerator<RawRow> {
  if (format.format === 'records') {
    const rows = source.records ?? [];
    if (rows.length > LIMITS.maxRows) throw new ImportFileError('too_many_rows', `more than ${LIMITS.maxRows} records`);
    for (let i = 0; i < rows.length; i++) yield { rowNo: i + 1, cells: rows[i]! };
    return;
  }
  if (format.format === 'xlsx') {
    yield* source.size <= LIMITS.xlsxInMemoryBytes ? readXlsxInMemory(source, opts.sheet, info) : readXlsx(source, opts.sheet, info);
  }
  else yield* readCsv(source, format);
}

async function* readCsv(source: TableSource, format: TableFormat): AsyncGenerator<RawRow> {
  const input = source.open();
  const decoder = iconv.decodeStream(format.encoding ?? 'utf-8', { stripBOM: true });
  const parser = parseCsv({
    delimiter: format.delimiter ?? ',',
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: false,
    max_record_size: LIMITS.maxRowBytes,
  });
  input.on('error', (err) => parser.destroy(err));
  decoder.on('error', (err: Error) => parser.destroy(err));
  input.pipe(decoder).pipe(parser);
  let rowNo = 0;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      rowNo++;
      if (rowNo > LIMITS.maxRows) throw new ImportFileError('too_many_rows', `the file has more than ${LIMITS.maxRows} rows`);
      yield { rowNo, cells: record };
    }
  } catch (err) {
    throw csvError(err, rowNo + 1);
  } finally {
    input.destroy();
    parser.destroy();
  }
}

function csvError(err: unknown, rowNo: number): unknown {
  if (err instanceof AppError) return err;
  const e = err as { code?: string; message?: string; lines?: number };
  if (e.code === 'CSV_MAX_RECORD_SIZE') {
    return new ImportFileError('row_too_large', `row ${rowNo} is larger than ${LIMITS.maxRowBytes / 1_000_000} MB; this is not a table a finance system exports`);
  }
  if (e.code?.startsWith('CSV_')) {
    return new ImportFileError('malformed_csv', `the CSV cannot be read near line ${e.lines ?? rowNo}: ${e.message ?? e.code}`);
  }
  return err;
}

type ExcelValue = ExcelJS.CellValue;

/** The plain value of an exceljs cell: rich text joined, formulas by their cached result. */
function xlsxCell(value: ExcelValue): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || value instanceof Date) return value;
  if (typeof value === 'object') {
    if ('richText' in value && Array.isArray(value.richText)) return value.richText.map((r) => r.text).join('');
    if ('formula' in value || 'sharedFormula' in value) {
      const result = (value as { result?: unknown }).result;
      if (result === undefined || result === null) return null;
      if (typeof result === 'object' && result !== null && 'error' in result) return String((result as { error: unknown }).error);
      return result instanceof Date || typeof result !== 'object' ? (result as Cell) : null;
    }
    if ('error' in value) return String(value.error);
    if ('text' in value && typeof value.text === 'string') return value.text;
    if ('hyperlink' in value) return String((value as { hyperlink: unknown }).hyperlink);
  }
  return String(value);
}

async function* readXlsxInMemory(source: TableSource, sheet: string | undefined, info: ReadInfo): AsyncGenerator<RawRow> {
  const chunks: Buffer[] = [];
  for await (const chunk of source.open() as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(chunk));
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(Buffer.concat(chunks) as unknown as ArrayBuffer);
  } catch (err) {
    const message = (err as Error)?.message ?? String(err);
    throw new ImportFileError('invalid_xlsx', `the file is not a readable XLSX workbook (${message.slice(0, 200)})`);
  }
  info.sheets = wb.worksheets.map((w) => w.name);
  const ws = sheet === undefined ? wb.worksheets[0] : wb.getWorksheet(sheet);
  if (!ws) {
    if (sheet) {
      throw new ImportFileError('sheet_not_found', `no sheet named "${sheet}"${info.sheets.length ? `; the workbook has ${info.sheets.map((s) => `"${s}"`).join(', ')}` : ''}`);
    }
    throw new ImportFileError('invalid_xlsx', 'the workbook has no worksheet');
  }
  info.sheet = ws.name;
  if (ws.rowCount > LIMITS.maxRows) throw new ImportFileError('too_many_rows', `the sheet has more than ${LIMITS.maxRows} rows`);
  const rows: RawRow[] = [];
  ws.eachRow({ includeEmpty: false }, (row) => {
    const values = row.values as ExcelValue[];
    if (values.length - 1 > LIMITS.maxColumns * 4) throw new ImportFileError('row_too_large', `row ${row.number} has ${values.length - 1} columns`);
    const cells: Cell[] = [];
    for (let i = 1; i < values.length; i++) cells.push(xlsxCell(values[i]));
    rows.push({ rowNo: row.number, cells });
  });
  yield* rows;
}

async function* readXlsx(source: TableSource, sheet: string | undefined, info: ReadInfo): AsyncGenerator<RawRow> {
  const input = source.open();
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(input, {
    sharedStrings: 'cache',
    styles: 'cache',
    hyperlinks: 'ignore',
    worksheets: 'emit',
    entries: 'ignore',
  });
  let found = false;
  try {
    for await (const ws of reader as AsyncIterable<ExcelJS.stream.xlsx.WorksheetReader & { name?: string }>) {
      const model = (reader as unknown as { model?: { sheets?: { name: string }[] } }).model;
      info.sheets = model?.sheets?.map((s) => s.name);
      const wanted = sheet ?? info.sheets?.[0];
      if ((wanted !== undefined && ws.name !== undefined && ws.name !== wanted) || (sheet !== undefined && ws.name === undefined)) {
        // Not the sheet asked for: read past it.
        for await (const _row of ws) {
          // skipped
        }
        continue;
      }
      found = true;
      info.sheet = ws.name ?? wanted;
      let count = 0;
      for await (const row of ws as AsyncIterable<ExcelJS.Row>) {
        if (++count > LIMITS.maxRows) throw new ImportFileError('too_many_rows', `the sheet has more than ${LIMITS.maxRows} rows`);
        const values = row.values as ExcelValue[];
        if (values.length - 1 > LIMITS.maxColumns * 4) {
          throw new ImportFileError('row_too_large', `row ${row.number} has ${values.length - 1} columns`);
        }
        // row.values is 1-based: index 0 is always empty.
        const cells: Cell[] = [];
        for (let i = 1; i < values.length; i++) cells.push(xlsxCell(values[i]));
        yield { rowNo: row.number, cells };
      }
      break;
    }
  } catch (err) {
    if (err instanceof AppError) throw err;
    const message = (err as Error)?.message ?? String(err);
    throw new ImportFileError('invalid_xlsx', `the file is not a readable XLSX workbook (${message.slice(0, 200)})`);
  } finally {
    input.destroy();
  }
  if (!found) {
    if (sheet) {
      throw new ImportFileError('sheet_not_found', `no sheet named "${sheet}"${info.sheets?.length ? `; the workbook has ${info.sheets.map((s) => `"${s}"`).join(', ')}` : ''}`);
    }
    throw new ImportFileError('invalid_xlsx', 'the workbook has no worksheet');
  }
}
