/**
 * One entry point for a bank statement file of any supported format: size limit first, then
 * text decoding, format sniffing, parsing and the statement's own control checks. Pure.
 *
 *   XLSX (zip)                          → bank statement table (tabular.ts)
 *   XML: <OFX> / <?OFX?>                → OFX 2.x (ofx.ts)
 *   XML: camt namespace / Document      → ISO 20022 camt.052/053/054 (camt.ts)
 *   text: OFXHEADER:                    → OFX 1.x SGML (ofx.ts)
 *   text: "01,…/" first record          → BAI2 (bai2.ts)
 *   text: ":20:" … fields               → SWIFT MT940/MT942 (mt940.ts)
 *   any other text (UTF-8, GBK)         → bank statement table as CSV (tabular.ts)
 *
 * parseStatementFile() is synchronous and reads the text formats; parseStatement() (async, what
 * the import uses) reads tables as well.
 */
import { looksLikeBai2, parseBai2 } from './bai2';
import { camtNamespace, parseCamt } from './camt';
import { type CheckResult, checkFile, type ParsedStatementFile } from './model';
import { looksLikeMt940, parseMt940 } from './mt940';
import { looksLikeOfx, parseOfx } from './ofx';
import { parseStatementTable } from './tabular';
import { assertNoBinary, checkSize, decodeText, FormatError, looksLikeXml, parseXml } from '../xml';

export interface ParseOptions {
  /** Largest accepted file in bytes (default 50 MB, SHOUFU_IMPORT_MAX_MB). */
  maxBytes?: number;
}

export interface ParsedStatement extends ParsedStatementFile {
  check: CheckResult;
}

const EINVOICE_ROOTS = new Set(['Invoice', 'CreditNote', 'CrossIndustryInvoice', 'CrossIndustryDocument', 'eInvoice']);

const isZip = (b: Uint8Array) => b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04;
const isOle = (b: Uint8Array) => b[0] === 0xd0 && b[1] === 0xcf && b[2] === 0x11 && b[3] === 0xe0;

function refuseSpreadsheets(bytes: Uint8Array): void {
  if (isOle(bytes)) throw new FormatError('legacy_xls', 'this is an old Excel 97–2003 (.xls) workbook; save it as .xlsx or CSV and import that');
}

/** The text formats; null when the text is none of them (it may still be a CSV table). */
function parseTextFormats(text: string): ParsedStatementFile | null {
  if (looksLikeXml(text)) {
    if (looksLikeOfx(text) || /<\?OFX\b/i.test(text.slice(0, 500))) return parseOfx(text);
    const xml = parseXml(text);
    if (xml.root === 'OFX') return parseOfx(text);
    if (EINVOICE_ROOTS.has(xml.root)) {
      throw new FormatError('not_a_statement', `this is an e-invoice (${xml.root}), not a bank statement: use "shoufu einvoice import"`);
    }
    if (!camtNamespace(xml) && !/Document|message|BkToCstmr/i.test(xml.root)) {
      throw new FormatError('unknown_format', `an XML document with root <${xml.root}> is not an ISO 20022 camt statement`);
    }
    return parseCamt(xml);
  }
  assertNoBinary(text, '\u0001\u0003\u001a');
  if (looksLikeOfx(text)) return parseOfx(text);
  if (looksLikeBai2(text)) return parseBai2(text);
  if (looksLikeMt940(text)) return parseMt940(text);
  return null;
}

const withCheck = (parsed: ParsedStatementFile): ParsedStatement => ({ ...parsed, check: checkFile(parsed) });

/** camt, MT940/MT942, BAI2 and OFX, synchronously. A CSV/XLSX table needs parseStatement(). */
export function parseStatementFile(bytes: Uint8Array, options: ParseOptions = {}): ParsedStatement {
  checkSize(bytes.byteLength, options.maxBytes);
  refuseSpreadsheets(bytes);
  if (isZip(bytes)) throw new FormatError('unsupported_format', 'an XLSX workbook: bank statement tables are read by parseStatement()');
  const parsed = parseTextFormats(decodeText(bytes));
  if (!parsed) throw new FormatError('unknown_format', 'the file is neither ISO 20022 camt XML, SWIFT MT940/MT942, BAI2 nor OFX');
  return withCheck(parsed);
}

/** Every supported format, bank statement tables (CSV in UTF-8 or GBK, XLSX) included. */
export async function parseStatement(bytes: Uint8Array, options: ParseOptions = {}): Promise<ParsedStatement> {
  checkSize(bytes.byteLength, options.maxBytes);
  refuseSpreadsheets(bytes);
  if (isZip(bytes)) return withCheck(await parseStatementTable(bytes));
  const parsed = parseTextFormats(decodeText(bytes));
  return withCheck(parsed ?? (await parseStatementTable(bytes)));
}
