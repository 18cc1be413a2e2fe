/**
 * The error file: the rejected rows of an import in the format of the input (CSV → CSV in UTF-8
 * with a BOM, XLSX → XLSX), under the file's own header, with two columns added — the row number
 * in the original file and the reason. Fix the rows and import the error file itself: the two
 * added columns are recognised and ignored.
 */
import type { Writable } from 'node:stream';
import { stringify } from 'csv-stringify';
import ExcelJS from 'exceljs';
import { neutraliseCell } from '../../export/exports';
import type { Cell } from './values';

export const SOURCE_ROW_HEADER = '原行号/source row';
export const ERROR_HEADER = '错误原因/error';

export interface ErrorSink {
  begin(header: string[]): void;
  add(rowNo: number, cells: Cell[], reason: string): void;
  /** Finishes the file; the number of rows written. */
  end(): Promise<number>;
}

function cellOut(cell: Cell): string | number | boolean | Date | null {
  if (cell === null || cell === undefined) return null;
  if (cell instanceof Date || typeof cell === 'number' || typeof cell === 'boolean') return cell;
  return neutraliseCell(cell) as string;
}

function csvText(cell: Cell): string {
  if (cell === null || cell === undefined) return '';
  if (cell instanceof Date) return cell.toISOString().slice(0, 10);
  return String(neutraliseCell(typeof cell === 'string' ? cell : String(cell)) ?? '');
}

export function errorFileWriter(format: 'csv' | 'xlsx', out: Writable): ErrorSink {
  let width = 0;
  let rows = 0;
  const padded = (cells: Cell[]) => Array.from({ length: width }, (_, i) => cells[i] ?? null);
  if (format === 'csv') {
    const csv = stringify();
    const done = new Promise<void>((resolve, reject) => {
      out.on('finish', resolve);
      out.on('error', reject);
      csv.on('error', reject);
    });
    let started = false;
    const start = () => {
      if (started) return;
      started = true;
      // A UTF-8 BOM so that Excel on Chinese Windows opens the file with the right encoding.
      out.write('\uFEFF');
      csv.pipe(out);
    };
    return {
      begin(header) {
        width = header.length;
        start();
        csv.write([...header, SOURCE_ROW_HEADER, ERROR_HEADER]);
      },
      add(rowNo, cells, reason) {
        start();
        rows++;
        csv.write([...padded(cells).map(csvText), String(rowNo), reason]);
      },
      async end() {
        start();
        csv.end();
        await done;
        return rows;
      },
    };
  }
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true });
  const ws = wb.addWorksheet('错误行 errors');
  return {
    begin(header) {
      width = header.length;
      const row = ws.addRow([...header, SOURCE_ROW_HEADER, ERROR_HEADER]);
      row.font = { bold: true };
      row.commit();
    },
    add(rowNo, cells, reason) {
      rows++;
      const row = ws.addRow([...padded(cells).map(cellOut), rowNo, reason]);
      for (const [i, c] of padded(cells).entries()) {
        if (c instanceof Date) row.getCell(i + 1).numFmt = 'yyyy-mm-dd';
      }
      row.commit();
    },
    async end() {
      ws.commit();
      await wb.commit();
      return rows;
    },
  };
}
