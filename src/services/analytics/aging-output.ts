/**
 * The aging report at the edges: a JSON document (amounts as decimal strings), a sheet of labelled
 * columns for CSV and XLSX (through the export module's cell neutralising), and an aligned text
 * table for the terminal. Shared by the API and the CLI so that both print the same figures.
 */
import type { Writable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import ExcelJS from 'exceljs';
import type { AgingRow } from '../../domain/aging';
import { displayAmount, formatAmount } from '../../domain/money';
import { neutraliseCell } from '../../export/exports';
import type { AgingCellResult, AgingDim, AgingResult } from './aging';

export type AgingLocale = 'zh-CN' | 'en-US';

const DIM_LABELS: Record<AgingDim, { zh: string; en: string; hasName: boolean }> = {
  customer: { zh: '客户', en: 'Customer', hasName: true },
  parent: { zh: '集团', en: 'Group', hasName: true },
  entity: { zh: '公司主体', en: 'Entity', hasName: true },
  region: { zh: '区域', en: 'Region', hasName: false },
  province: { zh: '省份', en: 'Province', hasName: false },
  salesperson: { zh: '销售负责人', en: 'Salesperson', hasName: true },
  industry: { zh: '行业', en: 'Industry', hasName: false },
  contract: { zh: '合同', en: 'Contract', hasName: true },
  currency: { zh: '原币', en: 'Document currency', hasName: false },
};

function dimLabel(dim: AgingDim, side: 'AR' | 'AP', locale: AgingLocale): string {
  if (dim === 'customer' && side === 'AP') return locale === 'zh-CN' ? '供应商' : 'Supplier';
  return locale === 'zh-CN' ? DIM_LABELS[dim].zh : DIM_LABELS[dim].en;
}

const WORDS = {
  'zh-CN': { code: '编码', name: '名称', currency: '币种', credits: '未核销红字', total: '合计', count: '笔数', grandTotal: '合计', none: '（未填）' },
  'en-US': { code: ' code', name: ' name', currency: 'Currency', credits: 'Unapplied credit notes', total: 'Total', count: 'Items', grandTotal: 'Total', none: '(none)' },
} as const;

// ---------------------------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------------------------

function rowJson(r: AgingRow, result: AgingResult) {
  const { report } = result;
  return {
    groups: r.groups.map((g, i) => ({ dim: report.dims[i]!, key: g.key, label: g.label })),
    currency: r.currency,
    amounts: Object.fromEntries(report.buckets.map((b, i) => [b.key, formatAmount(r.amounts[i]!, r.currency)])),
    credits: formatAmount(r.credits, r.currency),
    total: formatAmount(r.total, r.currency),
    count: r.count,
  };
}

export function agingJson(result: AgingResult) {
  const { params: p, report } = result;
  return {
    asOf: p.asOf,
    side: p.side,
    basis: p.basis,
    bucketSet: p.buckets,
    currency: p.currency,
    by: report.dims,
    dims: p.dims,
    buckets: report.buckets.map((b) => ({ key: b.key, labelZh: b.labelZh, labelEn: b.labelEn, fromDays: b.fromDays, toDays: b.toDays })),
    rows: report.rows.map((r) => rowJson(r, result)),
    totals: report.totals.map((r) => rowJson(r, result)),
    fxRates: result.fxRates,
  };
}

export type AgingDocument = ReturnType<typeof agingJson>;

export function agingCellJson(r: AgingCellResult) {
  const currency = r.cell.currency;
  return {
    asOf: r.params.asOf,
    side: r.params.side,
    basis: r.params.basis,
    by: r.params.by,
    keys: r.cell.keys,
    column: r.cell.column,
    currency,
    total: formatAmount(r.totalMinor, currency),
    count: r.count,
    truncated: r.truncated,
    items: r.items.map(({ item, days, column }) => ({
      installmentId: item.installmentId,
      invoiceId: item.invoiceId,
      number: item.number,
      seq: item.seq,
      kind: item.kind,
      partyId: item.partyId,
      partyCode: item.partyCode,
      partyName: item.partyName,
      entity: item.entityCode,
      issueDate: item.issueDate,
      dueDate: item.dueDate,
      days,
      column,
      /** Signed: a credit note's unapplied amount is negative, as in the report. */
      open: formatAmount(item.kind === 'credit_note' ? -item.openMinor : item.openMinor, item.currency),
      currency: item.currency,
      documentCurrency: item.documentCurrency,
      documentOpen: formatAmount(item.documentOpenMinor, item.documentCurrency),
    })),
  };
}

// ---------------------------------------------------------------------------------------------
// Sheet (CSV / XLSX): labelled columns in the reader's language, one row per group, total rows last.
// ---------------------------------------------------------------------------------------------

export interface AgingSheet {
  title: string;
  columns: string[];
  rows: Record<string, string | number | null>[];
  /** Index of the first total row in rows. */
  totalsFrom: number;
}

export function agingSheet(result: AgingResult, locale: AgingLocale = 'zh-CN'): AgingSheet {
  const { params: p, report } = result;
  const w = WORDS[locale];
  const dimCols: { dim: number; part: 'key' | 'label' | 'both'; header: string }[] = [];
  p.dims.forEach((dim, i) => {
    const label = dimLabel(dim, p.side, locale);
    if (DIM_LABELS[dim].hasName) {
      dimCols.push({ dim: i, part: 'key', header: `${label}${w.code}` }, { dim: i, part: 'label', header: `${label}${w.name}` });
    } else dimCols.push({ dim: i, part: 'both', header: label });
  });
  const bucketHeaders = report.buckets.map((b) => (locale === 'zh-CN' ? b.labelZh : b.labelEn));
  const columns = [...dimCols.map((c) => c.header), w.currency, ...bucketHeaders, w.credits, w.total, w.count];
  const line = (r: AgingRow, isTotal: boolean) => {
    const out: Record<string, string | number | null> = {};
    dimCols.forEach((c, i) => {
      const g = r.groups[c.dim];
      out[c.header] = isTotal ? (i === 0 ? w.grandTotal : null) : !g ? null : c.part === 'label' ? g.label : g.key || (c.part === 'both' ? w.none : null);
    });
    out[w.currency] = r.currency;
    report.buckets.forEach((_, i) => {
      out[bucketHeaders[i]!] = formatAmount(r.amounts[i]!, r.currency);
    });
    out[w.credits] = formatAmount(r.credits, r.currency);
    out[w.total] = formatAmount(r.total, r.currency);
    out[w.count] = r.count;
    if (isTotal && dimCols.length === 0) out[w.currency] = `${w.grandTotal} ${r.currency}`;
    return out;
  };
  const rows = [...report.rows.map((r) => line(r, false))];
  const totalsFrom = rows.length;
  // With no dimension the rows are the per-currency totals already.
  if (dimCols.length > 0) rows.push(...report.totals.map((r) => line(r, true)));
  const sideWord = locale === 'zh-CN' ? (p.side === 'AR' ? '应收' : '应付') : p.side;
  const title = locale === 'zh-CN' ? `${sideWord}账龄分析 ${p.asOf}` : `${sideWord} aging ${p.asOf}`;
  return { title, columns, rows, totalsFrom };
}

export function agingCsv(sheet: AgingSheet): string {
  const body = sheet.rows.map((r) => sheet.columns.map((c) => neutraliseCell(r[c] ?? null)));
  // A UTF-8 BOM so that Excel on Chinese Windows opens the file with the right encoding.
  return `\uFEFF${stringify([sheet.columns, ...body])}`;
}

export async function writeAgingXlsx(sheet: AgingSheet, out: Writable): Promise<void> {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true });
  // Sheet names may not hold : \ / ? * [ ] and are at most 31 characters.
  const ws = wb.addWorksheet(sheet.title.replace(/[:\\/?*[\]]/g, ' ').slice(0, 31));
  ws.columns = sheet.columns.map((c) => ({ header: c, key: c, width: Math.min(40, Math.max(12, c.length * 2 + 2)) }));
  ws.getRow(1).font = { bold: true };
  sheet.rows.forEach((r, i) => {
    const cells: Record<string, string | number | boolean | null> = {};
    for (const c of sheet.columns) cells[c] = neutraliseCell(r[c] ?? null);
    const row = ws.addRow(cells);
    if (i >= sheet.totalsFrom) row.font = { bold: true };
    row.commit();
  });
  ws.commit();
  await wb.commit();
}

// ---------------------------------------------------------------------------------------------
// Text table for the terminal
// ---------------------------------------------------------------------------------------------

/** Columns a string takes in a terminal: CJK and full-width characters take two. */
export function displayWidth(text: string): number {
  let w = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0;
    const wide =
      (c >= 0x1100 && c <= 0x115f) ||
      (c >= 0x2e80 && c <= 0xa4cf) ||
      (c >= 0xac00 && c <= 0xd7a3) ||
      (c >= 0xf900 && c <= 0xfaff) ||
      (c >= 0xfe30 && c <= 0xfe4f) ||
      (c >= 0xff00 && c <= 0xff60) ||
      (c >= 0xffe0 && c <= 0xffe6) ||
      (c >= 0x20000 && c <= 0x3fffd);
    w += wide ? 2 : 1;
  }
  return w;
}

const pad = (text: string, width: number, right: boolean) => {
  const fill = ' '.repeat(Math.max(0, width - displayWidth(text)));
  return right ? fill + text : text + fill;
};

/** Thousands separators without a currency symbol: "1,234,567.89". */
const grouped = (minor: bigint, currency: string) => displayAmount(minor, currency).replace(/^(-?)[^\d]*/, '$1');

/** An aligned text table with Chinese bucket labels (the CLI's default format). */
export function agingText(result: AgingResult): string {
  const { params: p, report } = result;
  const showCredits = report.totals.some((t) => t.credits !== 0n);
  const header = [
    ...p.dims.map((d) => dimLabel(d, p.side, 'zh-CN')),
    '币种',
    ...report.buckets.map((b) => b.labelZh),
    ...(showCredits ? ['未核销红字'] : []),
    '合计',
  ];
  const nDims = p.dims.length;
  const line = (r: AgingRow, first: string | null) => [
    ...(first === null ? r.groups.map((g) => [g.key, g.label && g.label !== g.key ? g.label : ''].filter(Boolean).join(' ') || '（未填）') : [first, ...Array(Math.max(0, nDims - 1)).fill('')]),
    r.currency,
    ...r.amounts.map((a) => grouped(a, r.currency)),
    ...(showCredits ? [grouped(r.credits, r.currency)] : []),
    grouped(r.total, r.currency),
  ];
  const body = report.rows.map((r) => line(r, null));
  const totals = nDims > 0 ? report.totals.map((r) => line(r, '合计')) : [];
  const all = [header, ...body, ...totals];
  const widths = header.map((_, i) => Math.max(...all.map((r) => displayWidth(r[i] ?? ''))));
  const isAmount = (i: number) => i > nDims;
  const fmt = (r: string[]) => r.map((c, i) => pad(c, widths[i]!, isAmount(i))).join('  ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  const side = p.side === 'AR' ? '应收' : '应付';
  const basis = p.basis === 'due' ? '逾期账龄（按到期日）' : '开票账龄（按开票日）';
  const currency = p.currency === 'all' ? '原币' : p.currency === 'base' ? '折本位币' : p.currency;
  const lines = [`${side}账龄分析  截至 ${p.asOf}  ${basis}  ${currency}`, fmt(header), rule, ...body.map(fmt)];
  if (totals.length) lines.push(rule, ...totals.map(fmt));
  for (const f of result.fxRates) lines.push(`汇率 ${f.from}→${f.to} ${f.rate} (${f.rateDate})`);
  return `${lines.join('\n')}\n`;
}
