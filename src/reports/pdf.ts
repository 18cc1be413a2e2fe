/**
 * Table reports as PDF (aging, customer statements, the weekly summary mail): a title, a few
 * lines of context, a table that breaks across pages with its header repeated, totals rows in
 * bold, and "第 x 页 / 共 y 页" at the foot. Chinese is drawn with a CJK font found on the
 * machine (Noto Sans CJK from Debian's fonts-noto-cjk, WenQuanYi, or SHOUFU_PDF_FONT), embedded
 * as a subset so the file opens anywhere.
 */
import { existsSync } from 'node:fs';
import PDFDocument from 'pdfkit';
import { AppError } from '../services/errors';

export interface PdfColumn {
  key: string;
  label: string;
  align?: 'left' | 'right';
  /** Relative width (default 1; text columns usually 2–3). */
  weight?: number;
}

export interface PdfTable {
  title: string;
  /** Lines under the title: as-of date, basis, who ran it. */
  meta?: string[];
  columns: PdfColumn[];
  rows: Record<string, string | number | null>[];
  /** Rows from this index on are totals (bold, with a rule above). */
  totalsFrom?: number;
  footer?: string;
  locale?: 'zh-CN' | 'en-US';
}

/** Fonts tried in order: [path, PostScript name inside a collection (.ttc) or null]. */
const CANDIDATES: [string, string | null][] = [
  ['/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc', 'NotoSansCJKsc-Regular'],
  ['/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc', 'NotoSerifCJKsc-Regular'],
  ['/usr/share/fonts/truetype/wqy/wqy-microhei.ttc', 'WenQuanYiMicroHei'],
  ['/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc', 'WenQuanYiZenHei'],
  ['/usr/share/fonts/truetype/arphic/uming.ttc', 'AR PL UMing CN'],
];
const BOLD: Record<string, [string, string]> = {
  '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc': ['/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc', 'NotoSansCJKsc-Bold'],
};

export function findCjkFont(): { path: string; name: string | null; bold: [string, string | null] | null } {
  const configured = process.env.SHOUFU_PDF_FONT;
  if (configured) {
    const [path = '', name = null] = configured.split('#');
    if (!existsSync(path)) throw new AppError(500, 'pdf_font_missing', `SHOUFU_PDF_FONT ${path} does not exist`);
    return { path, name, bold: null };
  }
  for (const [path, name] of CANDIDATES) {
    if (existsSync(path)) {
      const bold = BOLD[path];
      return { path, name, bold: bold && existsSync(bold[0]) ? bold : null };
    }
  }
  throw new AppError(
    501,
    'pdf_font_missing',
    'PDF needs a Chinese font: install one (Debian/Ubuntu: apt-get install fonts-noto-cjk) or set SHOUFU_PDF_FONT=/path/font.ttf; XLSX and CSV work without it',
  );
}

/** Renders the table to a PDF in memory (reports are pages, not gigabytes). */
export function renderTablePdf(table: PdfTable): Promise<Buffer> {
  const font = findCjkFont();
  const landscape = table.columns.reduce((a, c) => a + (c.weight ?? 1), 0) > 9;
  const doc = new PDFDocument({ size: 'A4', layout: landscape ? 'landscape' : 'portrait', margin: 36, bufferPages: true, info: { Title: table.title, Producer: 'Shoufu 收付' } });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const finished = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  if (font.name) doc.registerFont('body', font.path, font.name);
  else doc.registerFont('body', font.path);
  if (font.bold) doc.registerFont('bold', font.bold[0], font.bold[1] ?? undefined);
  else if (font.name) doc.registerFont('bold', font.path, font.name);
  else doc.registerFont('bold', font.path);

  const left = doc.page.margins.left;
  const width = doc.page.width - doc.page.margins.left - doc.page.margins.right;
  const bottom = () => doc.page.height - doc.page.margins.bottom - 18;
  const totalWeight = table.columns.reduce((a, c) => a + (c.weight ?? 1), 0);
  const widths = table.columns.map((c) => (width * (c.weight ?? 1)) / totalWeight);
  const fontSize = table.columns.length > 10 ? 7 : 8.5;
  const pad = 3;

  doc.font('bold').fontSize(15).text(table.title, left, doc.y);
  doc.font('body').fontSize(9).fillColor('#555');
  for (const line of table.meta ?? []) doc.text(line);
  doc.fillColor('#000').moveDown(0.6);

  const rowHeight = (cells: string[], bold: boolean) => {
    doc.font(bold ? 'bold' : 'body').fontSize(fontSize);
    return Math.max(...cells.map((t, i) => doc.heightOfString(t, { width: widths[i]! - 2 * pad }))) + 2 * pad;
  };
  const drawRow = (cells: string[], opts: { bold: boolean; fill?: string; rule?: boolean }) => {
    const h = rowHeight(cells, opts.bold);
    const y = doc.y;
    if (opts.fill) doc.rect(left, y, width, h).fill(opts.fill).fillColor('#000');
    if (opts.rule) doc.moveTo(left, y).lineTo(left + width, y).lineWidth(0.8).stroke();
    let x = left;
    doc.font(opts.bold ? 'bold' : 'body').fontSize(fontSize);
    cells.forEach((t, i) => {
      doc.text(t, x + pad, y + pad, { width: widths[i]! - 2 * pad, align: table.columns[i]!.align ?? 'left', lineBreak: true });
      x += widths[i]!;
    });
    doc.y = y + h;
    doc.x = left;
  };
  const header = table.columns.map((c) => c.label);
  const drawHeader = () => drawRow(header, { bold: true, fill: '#e8edf5' });
  drawHeader();
  const text = (v: string | number | null) => (v === null || v === undefined ? '' : String(v));
  table.rows.forEach((r, i) => {
    const cells = table.columns.map((c) => text(r[c.key] ?? null));
    const totals = table.totalsFrom !== undefined && i >= table.totalsFrom;
    if (doc.y + rowHeight(cells, totals) > bottom()) {
      doc.addPage();
      drawHeader();
    }
    drawRow(cells, { bold: totals, ...(i % 2 === 1 && !totals ? { fill: '#f7f8fa' } : {}), rule: totals && i === table.totalsFrom });
  });

  const range = doc.bufferedPageRange();
  const zh = (table.locale ?? 'zh-CN') === 'zh-CN';
  for (let p = 0; p < range.count; p++) {
    doc.switchToPage(range.start + p);
    const foot = `${table.footer ? `${table.footer}    ` : ''}${zh ? `第 ${p + 1} 页 / 共 ${range.count} 页` : `Page ${p + 1} of ${range.count}`}`;
    // Drawn inside the bottom margin: lift the margin for this one line so no page is added.
    const margin = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc.font('body').fontSize(7.5).fillColor('#777').text(foot, left, doc.page.height - margin + 8, { width, align: 'center', lineBreak: false });
    doc.page.margins.bottom = margin;
    doc.fillColor('#000');
  }
  doc.end();
  return finished;
}
